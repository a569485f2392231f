//! The kinds of values the provider block holds, each checked where it is
//! decoded, with a diagnostic on its attribute.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use framework::settings::Setting;
use url::Url;

use crate::{AttributePath, Diagnostics, Type, Value};

/// The summary of a diagnostic about the attribute at `at`.
fn invalid(at: &AttributePath) -> String {
    format!("Invalid {}", at.last_name().unwrap_or("value"))
}

/// An `http://` or `https://` URL with a host.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpUrl(pub Url);

impl Setting for HttpUrl {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        match check_url(&text) {
            Ok(u) => Some(HttpUrl(u)),
            Err(why) => {
                d.attribute_error(at.clone(), "Invalid URL", why);
                None
            }
        }
    }
}

/// The API's base URL: an HTTP URL with no query or fragment, since
/// resource paths are appended to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint(pub Url);

impl Setting for Endpoint {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        match check_endpoint(&text) {
            Ok(u) => Some(Endpoint(u)),
            Err(why) => {
                d.attribute_error(at.clone(), "Invalid URL", why);
                None
            }
        }
    }
}

/// Checks the API's base URL: [`check_url`], and no query or fragment (a
/// path appended after one would not be a path).
pub fn check_endpoint(s: &str) -> Result<Url, String> {
    let u = check_url(s)?;
    if u.query().is_some() || u.fragment().is_some() {
        return Err(format!(
            "{s:?} has a query or a fragment; paths are appended to the endpoint, so it must \
             end with its path. For an API key in the query, use auth.api_key with \
             in = \"query\"; for other parameters, put them in each path."
        ));
    }
    Ok(u)
}

/// Checks a URL the provider sends requests to.
pub fn check_url(s: &str) -> Result<Url, String> {
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
    if !u.username().is_empty() || u.password().is_some() {
        // Shown without them: the message must not repeat a password.
        let mut shown = u.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        return Err(format!(
            "\"{shown}\" carries credentials before its host; they would travel in every \
             request's URL and appear in logs. Remove them and use auth.basic (username, \
             password) or another auth block."
        ));
    }
    Ok(u)
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn credentials_in_a_url_are_refused_without_repeating_them() {
        let e = check_endpoint("https://admin:hunter2@api.example.com/v1").unwrap_err();
        assert!(e.contains("auth.basic"), "{e}");
        assert!(!e.contains("hunter2") && !e.contains("admin"), "{e}");
        assert!(check_endpoint("https://api.example.com/v1").is_ok());
        assert!(check_url("http://token@h.example/").is_err());
    }
}

/// Headers sent as written: names are HTTP tokens, values hold no control
/// character (a line break would start another header).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers(pub BTreeMap<String, String>);

impl Setting for Headers {
    fn ty() -> Type {
        Type::map(Type::String)
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let map = BTreeMap::<String, String>::decode(v, at, d)?;
        for (k, v) in &map {
            if let Err(e) = crate::template::check_header_name(k) {
                d.attribute_error(at.key(k), "Invalid header name", e);
            } else if let Err(e) = crate::template::check_header_value(v) {
                d.attribute_error(at.key(k), "Invalid header value", e);
            }
        }
        Some(Headers(map))
    }
}

/// An HTTP status code, 100 to 599.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCode(pub u16);

impl Setting for StatusCode {
    fn ty() -> Type {
        Type::Number
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let n = crate::Number::decode(v, at, d)?;
        match n.as_u64().filter(|s| (100..=599).contains(s)) {
            Some(s) => u16::try_from(s).ok().map(StatusCode),
            None => {
                d.attribute_error(
                    at.clone(),
                    "Invalid HTTP status",
                    format!("{n} is not an HTTP status code; use a whole number from 100 to 599."),
                );
                None
            }
        }
    }
}

/// A number greater than zero, such as a rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Positive(pub f64);

impl Setting for Positive {
    fn ty() -> Type {
        Type::Number
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let n = crate::Number::decode(v, at, d)?;
        let f = n.to_f64();
        if f.is_finite() && f > 0.0 {
            Some(Positive(f))
        } else {
            let name = at.last_name().unwrap_or("the value");
            d.attribute_error(
                at.clone(),
                invalid(at),
                format!("{name} must be greater than zero; got {n}."),
            );
            None
        }
    }
}

/// A whole number of at least one: a count, a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtLeastOne(pub u32);

impl Setting for AtLeastOne {
    fn ty() -> Type {
        Type::Number
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let n = crate::Number::decode(v, at, d)?;
        match n.as_u64().and_then(|u| u32::try_from(u).ok()) {
            Some(u) if u >= 1 => Some(AtLeastOne(u)),
            _ => {
                let name = at.last_name().unwrap_or("the value");
                d.attribute_error(
                    at.clone(),
                    invalid(at),
                    format!("{name} must be a whole number of at least 1; got {n}."),
                );
                None
            }
        }
    }
}

/// A duration longer than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonZeroDuration(pub Duration);

impl Setting for NonZeroDuration {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let duration = Duration::decode(v, at, d)?;
        if duration.is_zero() {
            d.attribute_error(
                at.clone(),
                invalid(at),
                "The duration must be longer than zero.",
            );
            return None;
        }
        Some(NonZeroDuration(duration))
    }
}

/// A file path; an empty one is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePath(pub PathBuf);

impl Setting for FilePath {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        if text.trim().is_empty() {
            d.attribute_error(
                at.clone(),
                invalid(at),
                "The path is empty. Remove the argument or give a file path.",
            );
            return None;
        }
        Some(FilePath(PathBuf::from(text)))
    }
}

/// One or more PEM certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemCertificates(pub String);

impl Setting for PemCertificates {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let pem = String::decode(v, at, d)?;
        let mut rd = pem.as_bytes();
        let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut rd).collect();
        if !certs.is_ok_and(|c| !c.is_empty()) {
            d.attribute_error(
                at.clone(),
                "Invalid PEM certificate",
                "Expected one or more \"-----BEGIN CERTIFICATE-----\" blocks. Pass the file's \
                 contents (for example with file(...)), not its path.",
            );
            return None;
        }
        Some(PemCertificates(pem))
    }
}

/// A PEM private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemKey(pub String);

impl Setting for PemKey {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let pem = String::decode(v, at, d)?;
        let mut rd = pem.as_bytes();
        if !matches!(rustls_pemfile::private_key(&mut rd), Ok(Some(_))) {
            d.attribute_error(
                at.clone(),
                "Invalid PEM private key",
                "Expected a PKCS#8, PKCS#1 or SEC1 private key in PEM form. Pass the file's \
                 contents, not its path.",
            );
            return None;
        }
        Some(PemKey(pem))
    }
}

/// `max_response_bytes`: from 1 KiB to 256 MiB, the most Terraform can
/// carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseBytes(pub u64);

/// Smallest `max_response_bytes`.
const MIN_RESPONSE_BYTES: u64 = 1024;
/// Largest `max_response_bytes`: Terraform's message limit.
const MAX_RESPONSE_BYTES: u64 = 256 << 20;

impl Setting for ResponseBytes {
    fn ty() -> Type {
        Type::Number
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let n = crate::Number::decode(v, at, d)?;
        match n
            .as_u64()
            .filter(|b| (MIN_RESPONSE_BYTES..=MAX_RESPONSE_BYTES).contains(b))
        {
            Some(b) => Some(ResponseBytes(b)),
            None => {
                d.attribute_error(
                    at.clone(),
                    invalid(at),
                    format!(
                        "max_response_bytes must be a whole number of bytes from \
                         {MIN_RESPONSE_BYTES} to {MAX_RESPONSE_BYTES} (256 MiB, the most \
                         Terraform can carry); got {n}."
                    ),
                );
                None
            }
        }
    }
}

/// An HTTP method, standard or any other token an API defines, such as
/// `"POST"` or `"PURGE"`.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpMethod(pub drivers::http::Method);

impl Setting for HttpMethod {
    fn ty() -> Type {
        Type::String
    }
    fn decode(v: &Value, at: &AttributePath, d: &mut Diagnostics) -> Option<Self> {
        let text = String::decode(v, at, d)?;
        match drivers::http::Method::parse(&text) {
            Ok(m) => Some(HttpMethod(m)),
            Err(e) => {
                d.attribute_error(at.clone(), "Invalid method", e);
                None
            }
        }
    }
}
