//! Typed reads from a configuration object that record a diagnostic, with
//! the attribute path, for every bad value. A read returns `None` for null,
//! unknown and invalid values alike; callers apply defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use url::Url;

use crate::{AttributePath, Diagnostics, Value, parse_duration};

pub(super) struct Reader {
    diags: Diagnostics,
}

impl Reader {
    pub(super) fn new() -> Self {
        Reader {
            diags: Diagnostics::new(),
        }
    }

    pub(super) fn into_diagnostics(self) -> Diagnostics {
        self.diags
    }

    pub(super) fn error(&mut self, path: &AttributePath, summary: &str, detail: &str) {
        self.diags.attribute_error(path.clone(), summary, detail);
    }

    pub(super) fn is_unknown(&self, obj: &Value, name: &str) -> bool {
        obj.get(name).is_some_and(|v| !v.is_wholly_known())
    }

    /// A nested single block, if present and not null.
    pub(super) fn block<'v>(&self, obj: &'v Value, name: &str) -> Option<&'v Value> {
        obj.get(name).filter(|v| matches!(v, Value::Object(_)))
    }

    pub(super) fn string(&self, obj: &Value, name: &str) -> Option<String> {
        obj.get(name)?.as_str().map(str::to_owned)
    }

    pub(super) fn bool(&self, obj: &Value, name: &str) -> Option<bool> {
        obj.get(name)?.as_bool()
    }

    pub(super) fn duration(
        &mut self,
        obj: &Value,
        path: &AttributePath,
        name: &str,
    ) -> Option<Duration> {
        let s = self.string(obj, name)?;
        match parse_duration(&s) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.error(&path.attr(name), &format!("Invalid {name}"), &msg);
                None
            }
        }
    }

    /// A whole number of at least `min` (counts, thresholds, sizes).
    pub(super) fn count(
        &mut self,
        obj: &Value,
        path: &AttributePath,
        name: &str,
        min: u32,
    ) -> Option<u32> {
        let n = obj.get(name)?.as_number()?;
        match n.as_u64().and_then(|u| u32::try_from(u).ok()) {
            Some(u) if u >= min => Some(u),
            _ => {
                self.error(
                    &path.attr(name),
                    &format!("Invalid {name}"),
                    &format!("{name} must be a whole number of at least {min}; got {n}."),
                );
                None
            }
        }
    }

    pub(super) fn positive_number(
        &mut self,
        obj: &Value,
        path: &AttributePath,
        name: &str,
    ) -> Option<f64> {
        let n = obj.get(name)?.as_number()?;
        let f = n.to_f64();
        if f.is_finite() && f > 0.0 {
            Some(f)
        } else {
            self.error(
                &path.attr(name),
                &format!("Invalid {name}"),
                &format!("{name} must be greater than zero; got {n}."),
            );
            None
        }
    }

    pub(super) fn string_list(&self, obj: &Value, name: &str) -> Option<Vec<String>> {
        match obj.get(name)? {
            Value::List(_, items) => Some(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// A list of HTTP status codes.
    pub(super) fn status_list(
        &mut self,
        obj: &Value,
        path: &AttributePath,
        name: &str,
    ) -> Option<Vec<u16>> {
        let Value::List(_, items) = obj.get(name)? else {
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(n) = item.as_number() else { continue };
            match n.as_u64().filter(|s| (100..=599).contains(s)) {
                Some(s) => out.push(s as u16),
                None => self.error(
                    &path.attr(name).index(i),
                    "Invalid HTTP status",
                    &format!("{n} is not an HTTP status code; use a whole number from 100 to 599."),
                ),
            }
        }
        Some(out)
    }

    pub(super) fn headers(
        &mut self,
        obj: &Value,
        path: &AttributePath,
        name: &str,
    ) -> BTreeMap<String, String> {
        let Some(Value::Map(_, m)) = obj.get(name) else {
            return BTreeMap::new();
        };
        let mut out = BTreeMap::new();
        for (k, v) in m {
            let p = path.attr(name).key(k);
            self.check_header_name(k, &p);
            if let Some(s) = v.as_str() {
                if s.contains(['\r', '\n']) {
                    self.error(
                        &p,
                        "Invalid header value",
                        "Header values cannot contain line breaks.",
                    );
                }
                out.insert(k.clone(), s.to_owned());
            }
        }
        out
    }

    pub(super) fn check_header_name(&mut self, name: &str, path: &AttributePath) {
        // RFC 9110 token characters.
        let ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !ok {
            self.error(
                path,
                "Invalid header name",
                &format!("{name:?} is not a valid HTTP header name: use letters, digits and -, without spaces or colons."),
            );
        }
    }

    pub(super) fn url(&mut self, s: &str, path: &AttributePath) -> Option<Url> {
        match check_url(s) {
            Ok(u) => Some(u),
            Err(why) => {
                self.error(path, "Invalid URL", &why);
                None
            }
        }
    }

    pub(super) fn url_from_env(&mut self, s: &str, path: &AttributePath, var: &str) -> Option<Url> {
        match check_url(s) {
            Ok(u) => Some(u),
            Err(why) => {
                self.error(
                    path,
                    "Invalid URL",
                    &format!("From the {var} environment variable: {why}"),
                );
                None
            }
        }
    }

    pub(super) fn check_pem_certs(&mut self, pem: &str, path: &AttributePath) {
        let mut rd = pem.as_bytes();
        let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut rd).collect();
        match certs {
            Ok(c) if !c.is_empty() => {}
            _ => self.error(
                path,
                "Invalid PEM certificate",
                "Expected one or more \"-----BEGIN CERTIFICATE-----\" blocks. Pass the file's contents (for example with file(...)), not its path.",
            ),
        }
    }

    pub(super) fn check_pem_key(&mut self, pem: &str, path: &AttributePath) {
        let mut rd = pem.as_bytes();
        if !matches!(rustls_pemfile::private_key(&mut rd), Ok(Some(_))) {
            self.error(
                path,
                "Invalid PEM private key",
                "Expected a PKCS#8, PKCS#1 or SEC1 private key in PEM form. Pass the file's contents, not its path.",
            );
        }
    }
}

fn check_url(s: &str) -> Result<Url, String> {
    let u = Url::parse(s).map_err(|e| {
        format!(
            "{s:?} is not a URL ({e}). Use an absolute URL such as \"https://api.example.com\"."
        )
    })?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "{s:?} uses scheme {:?}; only http and https are supported.",
            u.scheme()
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(format!("{s:?} has no host."));
    }
    Ok(u)
}
