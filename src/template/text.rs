//! Rendering text: query values (taken as they are; the query string is
//! encoded when sent) and header values (no control characters).

use super::{MAX_HEADER_BYTES, MAX_TARGET_BYTES, Part, Template, Values};

impl Template {
    /// The text with every value written in as it is.
    pub fn render_text(&self, values: &Values<'_>) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Slot(s) => out.push_str(&values.text(&s.source)?),
            }
            if out.len() > MAX_TARGET_BYTES {
                return Err(format!(
                    "the rendered text is longer than {MAX_TARGET_BYTES} bytes"
                ));
            }
        }
        Ok(out)
    }

    /// A header value: any control character but a tab is refused (CR and
    /// LF would start another header), and so is an overlong value.
    pub fn render_header(&self, values: &Values<'_>) -> Result<String, String> {
        let out = self.render_text(values)?;
        check_header_value(&out)?;
        Ok(out)
    }
}

/// Checks a header value as it will be sent.
pub fn check_header_value(value: &str) -> Result<(), String> {
    if let Some(c) = value.chars().find(|c| c.is_control() && *c != '\t') {
        return Err(format!(
            "the header value holds the control character {:?}, which cannot be sent in a header",
            c
        ));
    }
    if value.len() > MAX_HEADER_BYTES {
        return Err(format!(
            "the header value is {} bytes long; at most {MAX_HEADER_BYTES} are sent",
            value.len()
        ));
    }
    Ok(())
}

/// Checks a header name: an HTTP token (RFC 9110 §5.6.2).
pub fn check_header_name(name: &str) -> Result<(), String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || name.len() > 256 || !name.chars().all(token) {
        return Err(format!(
            "{name:?} is not a header name: use letters, digits and - (as in \"X-Api-Version\")"
        ));
    }
    Ok(())
}
