//! Masks known secret values wherever text leaves the provider: logs, the
//! audit log, error messages. The values come from the configuration
//! (tokens, passwords, keys, sensitive environment) and from the API
//! (OAuth access tokens), and can be added at run time.

use std::sync::Arc;

use parking_lot::RwLock;

use serde_json::Value as Json;

/// Shorter values are not masked: masking "a" would garble every message.
const MIN_SECRET_LEN: usize = 4;

/// A shared, growing set of secret values.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// A redactor for these values.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(secrets: I) -> Self {
        let r = Redactor::default();
        for s in secrets {
            r.add(s.into());
        }
        r
    }

    /// Adds a value to mask from now on.
    pub fn add(&self, secret: String) {
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let mut s = self.secrets.write();
        if !s.contains(&secret) {
            s.push(secret);
            // Longest first, so a secret containing another is masked whole.
            s.sort_by_key(|x| std::cmp::Reverse(x.len()));
        }
    }

    /// The text with every secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let secrets = self.secrets.read();
        let mut out = text.to_owned();
        for s in secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }

    /// Scrubs every string in a JSON value, keys included.
    pub fn scrub_json(&self, j: &mut Json) {
        match j {
            Json::String(s) => *s = self.scrub(s),
            Json::Array(a) => a.iter_mut().for_each(|x| self.scrub_json(x)),
            Json::Object(m) => {
                let old = std::mem::take(m);
                for (k, mut v) in old {
                    self.scrub_json(&mut v);
                    m.insert(self.scrub(&k), v);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first() {
        let r = Redactor::new(["secret", "secret-extended", "ab"]);
        assert_eq!(
            r.scrub("x secret-extended y secret z ab"),
            "x *** y *** z ab"
        );
        r.add("late-token".into());
        let mut j = serde_json::json!({"a": ["late-token"], "late-token": 1});
        r.scrub_json(&mut j);
        assert_eq!(j, serde_json::json!({"a": ["***"], "***": 1}));
    }
}
