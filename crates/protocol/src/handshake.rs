//! The go-plugin handshake: environment checks, protocol negotiation, the
//! listening socket, and the one line written to stdout.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use base64::Engine;

/// go-plugin's magic cookie as Terraform sets it; its absence means a human
/// started the binary.
pub(crate) const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub(crate) const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The only plugin protocol this provider speaks.
pub(crate) const PROTOCOL_VERSION: u32 = 6;

/// Why the process cannot serve Terraform.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HandshakeError {
    /// Started by hand, not by Terraform.
    NotLaunchedByTerraform,
    /// The client offers no protocol we speak.
    UnsupportedProtocol { offered: String },
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::NotLaunchedByTerraform => f.write_str(
                "This binary is a Terraform/OpenTofu provider plugin: Terraform starts it, people \
                 do not.",
            ),
            HandshakeError::UnsupportedProtocol { offered } => write!(
                f,
                "This provider speaks plugin protocol {PROTOCOL_VERSION}, but the program that started it \
                 offers only {offered:?}. Use Terraform 1.0 or later, or OpenTofu."
            ),
        }
    }
}

/// Checks the environment Terraform sets and picks the protocol version.
pub(crate) fn negotiate(
    cookie: Option<&str>,
    offered: Option<&str>,
) -> Result<u32, HandshakeError> {
    if cookie != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotLaunchedByTerraform);
    }
    match offered {
        // Clients that predate version negotiation: try ours.
        None | Some("") => Ok(PROTOCOL_VERSION),
        Some(list) => {
            let speaks = list
                .split(',')
                .any(|v| v.trim().parse() == Ok(PROTOCOL_VERSION));
            if speaks {
                Ok(PROTOCOL_VERSION)
            } else {
                Err(HandshakeError::UnsupportedProtocol {
                    offered: list.to_owned(),
                })
            }
        }
    }
}

/// A unix socket path unique to this process: Terraform starts several
/// provider processes per command, often at once.
pub(crate) fn socket_path(dir: Option<&Path>) -> PathBuf {
    let dir = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir);
    let nonce: u32 = rand_u32();
    dir.join(format!(
        "plugin-driver-{}-{nonce:08x}.sock",
        std::process::id()
    ))
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS; enough to avoid name collisions.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    h.finish() as u32
}

/// Binds the socket, applying `PLUGIN_UNIX_SOCKET_GROUP` when set.
pub(crate) fn bind(path: &Path, group: Option<&str>) -> io::Result<tokio::net::UnixListener> {
    let listener = tokio::net::UnixListener::bind(path)?;
    if let Some(group) = group.filter(|g| !g.is_empty()) {
        use std::os::unix::fs::PermissionsExt;
        let gid = group_id(group)?;
        std::os::unix::fs::chown(path, None, Some(gid))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    }
    Ok(listener)
}

/// A group given by number or by name (looked up in /etc/group).
fn group_id(group: &str) -> io::Result<u32> {
    if let Ok(gid) = group.parse() {
        return Ok(gid);
    }
    let groups = std::fs::read_to_string("/etc/group")?;
    groups
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            Some((f.next()?, f.nth(1)?))
        })
        .find(|(name, _)| *name == group)
        .and_then(|(_, gid)| gid.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("unknown group {group:?} in PLUGIN_UNIX_SOCKET_GROUP"),
            )
        })
}

/// The handshake line: `1|6|unix|<path>|grpc|<cert>`, where the certificate
/// is base64 (standard alphabet, no padding) of its DER, or empty.
pub(crate) fn line(version: u32, path: &Path, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|d| base64::engine::general_purpose::STANDARD_NO_PAD.encode(d))
        .unwrap_or_default();
    format!("1|{version}|unix|{}|grpc|{cert}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_the_cookie() {
        assert_eq!(
            negotiate(None, Some("5,6")),
            Err(HandshakeError::NotLaunchedByTerraform)
        );
        assert_eq!(
            negotiate(Some("nope"), Some("6")),
            Err(HandshakeError::NotLaunchedByTerraform)
        );
        let msg = HandshakeError::NotLaunchedByTerraform.to_string();
        assert!(msg.contains("Terraform starts it"), "{msg}");
    }

    #[test]
    fn picks_six_or_explains() {
        let c = Some(MAGIC_COOKIE_VALUE);
        assert_eq!(negotiate(c, Some("5,6")), Ok(6));
        assert_eq!(negotiate(c, Some("6")), Ok(6));
        assert_eq!(negotiate(c, None), Ok(6));
        let err = negotiate(c, Some("4,5")).unwrap_err();
        assert!(err.to_string().contains("protocol 6"), "{err}");
    }

    #[test]
    fn line_format_matches_go_plugin() {
        let l = line(6, Path::new("/tmp/x.sock"), Some(&[0xff, 0xee]));
        assert_eq!(l, "1|6|unix|/tmp/x.sock|grpc|/+4");
        assert_eq!(
            line(6, Path::new("/tmp/x.sock"), None),
            "1|6|unix|/tmp/x.sock|grpc|"
        );
    }

    #[test]
    fn socket_paths_differ_and_stay_short() {
        let a = socket_path(None);
        let b = socket_path(None);
        assert_ne!(a, b);
        assert!(a.as_os_str().len() < 100, "{a:?}");
    }

    #[test]
    fn groups_by_number_or_name() {
        assert_eq!(group_id("0").unwrap(), 0);
        assert_eq!(group_id("root").unwrap(), 0);
        assert!(group_id("no-such-group-here").is_err());
    }
}
