//! A string that must not be printed: tokens, passwords, keys, secret
//! environment values. Shared by every driver.

use std::fmt;

/// A secret value; `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive(pub String);

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
