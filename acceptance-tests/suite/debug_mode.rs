//! `--debug`: the provider serves on its own and Terraform attaches to it
//! through TF_REATTACH_PROVIDERS.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::harness::{PROVIDER, Workdir, provider_binary, wait_bounded};

#[test]
fn terraform_attaches_to_a_debug_server() {
    let mut child = Command::new(provider_binary())
        .arg("--debug")
        .env("TF_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(v) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
                let _ = tx.send(v.trim_end_matches('\'').to_owned());
            }
        }
    });
    let reattach = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("TF_REATTACH_PROVIDERS printed");
    let parsed: serde_json::Value = serde_json::from_str(&reattach).unwrap();
    let entry = &parsed[PROVIDER];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true, "protocol 6 reattach needs Test: true");
    assert_eq!(entry["Pid"], child.id());
    let socket = entry["Addr"]["String"].as_str().unwrap().to_owned();

    // Two Terraform runs attach to the same process, one after the other.
    let wd = Workdir::new("");
    for _ in 0..2 {
        let mut cmd = wd.command(&["providers", "schema", "-json"]);
        cmd.env("TF_REATTACH_PROVIDERS", &reattach);
        let run = wd.run_command(cmd).expect_code(0);
        assert!(
            run.json()["provider_schemas"][PROVIDER]["provider"].is_object(),
            "{}",
            run.stdout
        );
    }

    crate::harness::interrupt(child.id());
    let status = wait_bounded(child, Duration::from_secs(20), "debug server after SIGINT");
    assert!(status.success(), "{status:?}");
    assert!(
        !std::path::Path::new(&socket).exists(),
        "socket left behind"
    );
}

/// One HTTP/2 frame.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    f.extend_from_slice(&[kind, flags]);
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

#[test]
fn a_client_sending_the_socket_path_as_authority_is_served() {
    use std::io::{Read, Write};
    let mut child = Command::new(provider_binary())
        .arg("--debug")
        .env("TF_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(v) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
                let _ = tx.send(v.trim_end_matches('\'').to_owned());
            }
        }
    });
    let reattach = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&reattach).unwrap();
    let socket = parsed[PROVIDER]["Addr"]["String"]
        .as_str()
        .unwrap()
        .to_owned();

    // What gRPC's C core sends: the socket path, percent-encoded.
    let authority = socket.replace('/', "%2F");
    let mut enc = fluke_hpack::Encoder::new();
    let block = enc.encode(vec![
        (&b":method"[..], &b"POST"[..]),
        (b":scheme", b"http"),
        (b":path", b"/tfplugin6.Provider/GetMetadata"),
        (b":authority", authority.as_bytes()),
        (b"content-type", b"application/grpc"),
        (b"te", b"trailers"),
    ]);
    let mut conn = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    out.extend(frame(0x4, 0, 0, &[]));
    out.extend(frame(0x1, 0x4, 1, &block));
    out.extend(frame(0x0, 0x1, 1, &[0, 0, 0, 0, 0]));
    conn.write_all(&out).unwrap();

    let mut dec = fluke_hpack::Decoder::new();
    let mut status = None;
    for _ in 0..20 {
        let mut head = [0u8; 9];
        conn.read_exact(&mut head).unwrap();
        let len = (head[0] as usize) << 16 | (head[1] as usize) << 8 | head[2] as usize;
        let mut payload = vec![0u8; len];
        conn.read_exact(&mut payload).unwrap();
        let stream = u32::from_be_bytes([head[5] & 0x7f, head[6], head[7], head[8]]);
        match head[3] {
            0x4 if head[4] & 0x1 == 0 => conn.write_all(&frame(0x4, 0x1, 0, &[])).unwrap(),
            0x3 if stream == 1 => panic!("the stream was reset: the authority was refused"),
            0x1 if stream == 1 => {
                let headers = dec.decode(&payload).unwrap();
                status = headers
                    .iter()
                    .find(|(n, _)| n == b":status")
                    .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
                break;
            }
            _ => {}
        }
    }
    assert_eq!(status.as_deref(), Some("200"));
    crate::harness::interrupt(child.id());
    let _ = wait_bounded(child, Duration::from_secs(20), "debug server after SIGINT");
}
