//! Third-party servers for the acceptance suite, installed from Debian's
//! packages where missing (CI installs them the same way) and run on
//! loopback, each stopped when its test ends. A server that cannot be had
//! makes its tests say so and skip.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Finds `binary` on PATH (or at its Debian path), installing `packages`
/// with apt-get when it is missing and this process may. `None`, with the
/// reason printed, when it cannot be had.
pub fn debian_binary(binary: &str, packages: &[&str]) -> Option<PathBuf> {
    // One apt-get at a time: tests run in parallel.
    static APT: Mutex<()> = Mutex::new(());
    let find = || {
        std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
            .map(|d| d.join(binary))
            .find(|p| p.is_file())
    };
    if let Some(p) = find() {
        return Some(p);
    }
    let _guard = APT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(p) = find() {
        return Some(p);
    }
    let install = |update: bool| {
        if update {
            let _ = run_bounded(
                Command::new("apt-get").args(["update", "-q"]),
                Duration::from_secs(300),
            );
        }
        run_bounded(
            Command::new("apt-get")
                .env("DEBIAN_FRONTEND", "noninteractive")
                .args(["install", "-y", "-q", "--no-install-recommends"])
                .args(packages),
            Duration::from_secs(600),
        )
    };
    if !(install(false) || install(true)) {
        eprintln!(
            "SKIPPED: cannot install {packages:?} for {binary} (apt-get failed or is not allowed)"
        );
        return None;
    }
    let found = find();
    if found.is_none() {
        eprintln!("SKIPPED: {packages:?} installed, but {binary} is not there");
    }
    found
}

/// Runs a command to its end within `limit`; whether it succeeded.
fn run_bounded(cmd: &mut Command, limit: Duration) -> bool {
    let Ok(mut child) = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn() else {
        return false;
    };
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// A free TCP port on 127.0.0.1 for a server a test starts, which binds
/// it itself. Taken below the kernel's ephemeral range (32768 and up on
/// Linux), which is where every `bind(0)` and outgoing connection of the
/// machine gets its port: a port from there, free when checked, could be
/// given to another process before the server binds it, and the server's
/// probe would then be answered by that process.
pub fn free_port() -> u16 {
    static TAKEN: OnceLock<Mutex<Vec<u16>>> = OnceLock::new();
    let taken = TAKEN.get_or_init(Mutex::default);
    for _ in 0..10_000 {
        let port = 20_000 + fastrand::u16(..12_000);
        let mut t = taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !t.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            t.push(port);
            return port;
        }
    }
    panic!("no free port on loopback between 20000 and 32000");
}

/// A server process, killed when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>` (`127.0.0.1:<port>` for TCP servers).
    pub url: String,
    /// Its scratch directory (config, data, log).
    pub dir: tempfile::TempDir,
}

impl Server {
    /// Starts `cmd` and waits (bounded) until `probe` answers 2xx-4xx on
    /// its port, i.e. it is serving HTTP.
    pub fn start(cmd: Command, port: u16, probe: &str, dir: tempfile::TempDir) -> Server {
        let url = format!("http://127.0.0.1:{port}");
        Server::launch(cmd, url, dir, || answers(port, probe))
    }

    /// Starts `cmd` and waits (bounded) until its port accepts TCP
    /// connections: for servers that do not speak HTTP (Redis).
    pub fn start_tcp(cmd: Command, port: u16, dir: tempfile::TempDir) -> Server {
        let url = format!("127.0.0.1:{port}");
        Server::launch(cmd, url, dir, || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })
    }

    /// Spawns `cmd` with its output in `server.log`, then waits at most a
    /// minute for `ready`.
    fn launch(
        mut cmd: Command,
        url: String,
        dir: tempfile::TempDir,
        ready: impl Fn() -> bool,
    ) -> Server {
        let log = std::fs::File::create(dir.path().join("server.log")).expect("server log");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start the server");
        let mut server = Server { child, url, dir };
        let log = |s: &Server| {
            std::fs::read_to_string(s.dir.path().join("server.log")).unwrap_or_default()
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // A server that exited did not answer: whatever did is not it.
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited ({status}): {}", log(&server));
            }
            if ready() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start: {}",
                log(&server)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Stops it now (an outage in the middle of a test).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether an HTTP GET of `path` gets any answer on `port`.
fn answers(port: u16, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

/// A minimal HTTP client for tests: out-of-band edits and checks.
pub fn http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    req.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    s.write_all(req.as_bytes()).expect("send");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    // Chunked bodies: good enough to search for text in them.
    (status, body)
}
