//! Diagnostics: how every user-facing problem reaches Terraform. Responses
//! carry a list of them instead of failing; an empty list means success.

use std::fmt;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The operation failed.
    Error,
    /// The operation went ahead; the user should know something.
    Warning,
}

/// One step into a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// An attribute or nested block by name.
    Attribute(String),
    /// A map element by key.
    Key(String),
    /// A list element by index.
    Index(i64),
}

/// A path from the top of a configuration to the value at fault.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    /// A path of one attribute.
    pub fn root(name: &str) -> Self {
        AttributePath(vec![PathStep::Attribute(name.to_owned())])
    }

    /// This path extended by an attribute.
    pub fn attr(&self, name: &str) -> Self {
        let mut p = self.clone();
        p.0.push(PathStep::Attribute(name.to_owned()));
        p
    }

    /// This path extended by a map key.
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(PathStep::Key(key.to_owned()));
        p
    }

    /// The name of the last attribute on the path (`retry_on_status` of
    /// `retry.retry_on_status[2]`), for messages.
    pub fn last_name(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            PathStep::Attribute(a) => Some(a.as_str()),
            _ => None,
        })
    }

    /// This path extended by a list index.
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(PathStep::Index(i as i64));
        p
    }
}

impl fmt::Display for AttributePath {
    /// HCL-like spelling for messages: `retry.retry_on_status[2]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(a) if i == 0 => f.write_str(a)?,
                PathStep::Attribute(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One problem or notice for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A short title.
    pub summary: String,
    /// What happened and what to do about it.
    pub detail: String,
    /// The configuration value at fault, when there is one.
    pub attribute: Option<AttributePath>,
}

/// A collection of diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an error not tied to an attribute.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        });
    }

    /// Adds an error about one attribute.
    pub fn attribute_error(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            attribute: Some(path),
        });
    }

    /// Adds a warning about one attribute.
    pub fn attribute_warning(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            attribute: Some(path),
        });
    }

    /// Adds a warning not tied to an attribute.
    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        });
    }

    /// Adds one diagnostic unless an identical one is already present.
    pub fn push(&mut self, d: Diagnostic) {
        if !self.0.contains(&d) {
            self.0.push(d);
        }
    }

    /// Adds all of another collection.
    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.0 {
            self.push(d);
        }
    }

    /// Whether any diagnostic is an error.
    pub fn has_error(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// How many errors there are.
    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over them.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// One line for logs: each diagnostic's summary and detail.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_hcl() {
        let p = AttributePath::root("retry")
            .attr("retry_on_status")
            .index(2);
        assert_eq!(p.to_string(), "retry.retry_on_status[2]");
        assert_eq!(
            AttributePath::root("headers").key("X-A").to_string(),
            r#"headers["X-A"]"#
        );
    }

    #[test]
    fn duplicates_are_dropped_and_errors_counted() {
        let mut d = Diagnostics::new();
        d.warning("w", "");
        assert!(!d.has_error());
        d.error("e", "x");
        d.error("e", "x");
        assert!(d.has_error());
        assert_eq!(d.iter().count(), 2);
    }
}
