//! Any `:authority` on the plaintext unix socket. gRPC's C core (Python's
//! grpcio, say) sends the socket's path, percent-encoded, as the HTTP/2
//! `:authority`; the HTTP/2 server refuses that as a malformed URI and
//! resets every stream. Terraform (grpc-go) sends `localhost` and is never
//! affected, and with TLS Terraform is the only client. So on the
//! plaintext socket (debug mode, `TF_DISABLE_PLUGIN_TLS`) each connection
//! passes through this rewriter: header blocks from the client are decoded
//! (HPACK), an authority that is not a valid URI authority becomes
//! `localhost`, and the block is encoded again; every other frame, and
//! everything the server sends, passes through untouched.

use std::io;

use fluke_hpack::{Decoder, Encoder};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};

/// The HTTP/2 client connection preface.
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// The frame size every HTTP/2 peer accepts; rewritten blocks are split
/// into frames of at most this.
const MIN_MAX_FRAME: usize = 16_384;
/// Largest frame read: the most a peer may advertise (2^24 - 1).
const MAX_FRAME: usize = (1 << 24) - 1;
/// Largest header block assembled from CONTINUATION frames.
const MAX_BLOCK: usize = 1 << 20;

const HEADERS: u8 = 0x1;
const CONTINUATION: u8 = 0x9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;

/// Serves `client` through the rewriter; the server gets the returned end.
pub(crate) fn rewritten<S>(client: S) -> DuplexStream
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (server_side, ours) = tokio::io::duplex(64 << 10);
    let (client_read, mut client_write) = tokio::io::split(client);
    let (mut server_read, server_write) = tokio::io::split(ours);
    tokio::spawn(async move {
        if let Err(e) = rewrite(client_read, server_write).await {
            tracing::debug!(error = %e, "plaintext connection ended");
        }
    });
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    });
    server_side
}

/// A header block being assembled from HEADERS and CONTINUATION frames.
struct Block {
    stream: u32,
    flags: u8,
    priority: Option<[u8; 5]>,
    bytes: Vec<u8>,
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Copies frames from `from` to `to`, re-encoding header blocks.
async fn rewrite<R, W>(mut from: R, mut to: W) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut preface = [0u8; 24];
    from.read_exact(&mut preface).await?;
    to.write_all(&preface).await?;
    if &preface != PREFACE {
        // Not HTTP/2: nothing to rewrite; the server will say no.
        tokio::io::copy(&mut from, &mut to).await?;
        return Ok(());
    }
    let mut decoder = Decoder::new();
    let mut encoder = Encoder::new();
    let mut block: Option<Block> = None;
    loop {
        let mut head = [0u8; 9];
        match from.read_exact(&mut head).await {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let [l0, l1, l2, kind, flags, s0, s1, s2, s3] = head;
        let len = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
        let stream = u32::from_be_bytes([s0 & 0x7f, s1, s2, s3]);
        if len > MAX_FRAME {
            return Err(invalid("frame too large"));
        }
        let mut payload = vec![0u8; len];
        from.read_exact(&mut payload).await?;
        match kind {
            HEADERS => {
                let (priority, fragment) = headers_payload(&payload, flags)?;
                let b = Block {
                    stream,
                    flags,
                    priority,
                    bytes: fragment.to_vec(),
                };
                if flags & END_HEADERS != 0 {
                    emit(&mut to, b, &mut decoder, &mut encoder).await?;
                } else {
                    block = Some(b);
                }
            }
            CONTINUATION => {
                let mut b = block.take().ok_or_else(|| invalid("stray CONTINUATION"))?;
                if b.stream != stream || b.bytes.len() + payload.len() > MAX_BLOCK {
                    return Err(invalid("CONTINUATION"));
                }
                b.bytes.extend_from_slice(&payload);
                if flags & END_HEADERS != 0 {
                    emit(&mut to, b, &mut decoder, &mut encoder).await?;
                } else {
                    block = Some(b);
                }
            }
            _ => {
                to.write_all(&head).await?;
                to.write_all(&payload).await?;
            }
        }
    }
}

/// A HEADERS frame's priority fields (if flagged) and its header block
/// fragment, padding removed.
fn headers_payload(payload: &[u8], flags: u8) -> io::Result<(Option<[u8; 5]>, &[u8])> {
    let mut p = payload;
    let pad = if flags & PADDED != 0 {
        let (&n, rest) = p.split_first().ok_or_else(|| invalid("padding"))?;
        p = rest;
        usize::from(n)
    } else {
        0
    };
    let priority = if flags & PRIORITY != 0 {
        let (fields, rest) = p.split_at_checked(5).ok_or_else(|| invalid("priority"))?;
        p = rest;
        let mut pr = [0u8; 5];
        pr.copy_from_slice(fields);
        Some(pr)
    } else {
        None
    };
    let fragment = p
        .get(..p.len().checked_sub(pad).ok_or_else(|| invalid("padding"))?)
        .ok_or_else(|| invalid("padding"))?;
    Ok((priority, fragment))
}

/// Whether a value is a URI authority the server accepts.
fn acceptable(authority: &[u8]) -> bool {
    http::uri::Authority::try_from(authority).is_ok()
}

/// Decodes a header block, fixes its authority, and writes it again as one
/// HEADERS frame and as many CONTINUATION frames as it needs.
async fn emit<W: AsyncWrite + Unpin>(
    to: &mut W,
    b: Block,
    decoder: &mut Decoder<'_>,
    encoder: &mut Encoder<'_>,
) -> io::Result<()> {
    let headers = decoder
        .decode(&b.bytes)
        .map_err(|e| invalid(&format!("header block: {e:?}")))?;
    let mut encoded = Vec::new();
    for (name, value) in &headers {
        let value: &[u8] = if name == b":authority" && !acceptable(value) {
            b"localhost"
        } else {
            value
        };
        encoder.encode_header_into((name, value), &mut encoded)?;
    }
    let mut first = Vec::with_capacity(5 + encoded.len().min(MIN_MAX_FRAME));
    if let Some(p) = b.priority {
        first.extend_from_slice(&p);
    }
    let room = MIN_MAX_FRAME - first.len();
    let (now, rest) = encoded.split_at(encoded.len().min(room));
    first.extend_from_slice(now);
    let mut chunks = rest.chunks(MIN_MAX_FRAME).peekable();
    let mut flags = b.flags & (END_STREAM | PRIORITY);
    if chunks.peek().is_none() {
        flags |= END_HEADERS;
    }
    write_frame(to, HEADERS, flags, b.stream, &first).await?;
    while let Some(chunk) = chunks.next() {
        let flags = if chunks.peek().is_none() {
            END_HEADERS
        } else {
            0
        };
        write_frame(to, CONTINUATION, flags, b.stream, chunk).await?;
    }
    Ok(())
}

async fn write_frame<W: AsyncWrite + Unpin>(
    to: &mut W,
    kind: u8,
    flags: u8,
    stream: u32,
    payload: &[u8],
) -> io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(|_| invalid("frame too large"))?;
    let [_, l0, l1, l2] = len.to_be_bytes();
    let [s0, s1, s2, s3] = stream.to_be_bytes();
    to.write_all(&[l0, l1, l2, kind, flags, s0, s1, s2, s3])
        .await?;
    to.write_all(payload).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len() as u32;
        let mut f = len.to_be_bytes()[1..].to_vec();
        f.extend_from_slice(&[kind, flags]);
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    async fn through(input: Vec<u8>) -> Vec<u8> {
        let mut out = Vec::new();
        rewrite(input.as_slice(), &mut out).await.unwrap();
        out
    }

    fn frames(mut b: &[u8]) -> Vec<(u8, u8, u32, Vec<u8>)> {
        let mut out = Vec::new();
        while b.len() >= 9 {
            let len = (b[0] as usize) << 16 | (b[1] as usize) << 8 | b[2] as usize;
            let stream = u32::from_be_bytes([b[5], b[6], b[7], b[8]]);
            out.push((b[3], b[4], stream, b[9..9 + len].to_vec()));
            b = &b[9 + len..];
        }
        out
    }

    #[tokio::test]
    async fn a_path_as_authority_becomes_localhost_and_the_rest_is_kept() {
        let mut enc = Encoder::new();
        let headers: Vec<(&[u8], &[u8])> = vec![
            (b":method", b"POST"),
            (b":scheme", b"http"),
            (b":path", b"/tfplugin6.Provider/GetMetadata"),
            (b":authority", b"%2Ftmp%2Fplugin1%2Fsock"),
            (b"content-type", b"application/grpc"),
        ];
        let block = enc.encode(headers.clone());
        let mut input = PREFACE.to_vec();
        input.extend(frame(0x4, 0, 0, &[])); // SETTINGS
        // A padded HEADERS frame split over a CONTINUATION.
        let (a, b) = block.split_at(block.len() / 2);
        let mut padded = vec![3u8];
        padded.extend_from_slice(a);
        padded.extend_from_slice(&[0, 0, 0]);
        input.extend(frame(HEADERS, PADDED | END_STREAM, 1, &padded));
        input.extend(frame(CONTINUATION, END_HEADERS, 1, b));
        input.extend(frame(0x0, END_STREAM, 1, b"data"));
        let out = through(input).await;
        assert_eq!(&out[..24], PREFACE);
        let fs = frames(&out[24..]);
        assert_eq!(fs.len(), 3, "{fs:?}");
        assert_eq!(fs[0].0, 0x4, "settings passed through");
        let (kind, flags, stream, payload) = &fs[1];
        assert_eq!((*kind, *stream), (HEADERS, 1));
        assert_eq!(*flags, END_STREAM | END_HEADERS, "one frame, padding gone");
        let decoded = Decoder::new().decode(payload).unwrap();
        let authority = decoded.iter().find(|(n, _)| n == b":authority").unwrap();
        assert_eq!(authority.1, b"localhost");
        assert_eq!(decoded.len(), headers.len());
        assert_eq!(fs[2].3, b"data");
    }

    #[tokio::test]
    async fn a_valid_authority_is_left_alone() {
        let mut enc = Encoder::new();
        let block = enc.encode(vec![(&b":authority"[..], &b"localhost:123"[..])]);
        let mut input = PREFACE.to_vec();
        input.extend(frame(HEADERS, END_HEADERS, 3, &block));
        let out = through(input).await;
        let fs = frames(&out[24..]);
        let decoded = Decoder::new().decode(&fs[0].3).unwrap();
        assert_eq!(decoded[0].1, b"localhost:123");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_end_the_connection_without_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let mut input = PREFACE.to_vec();
            input.extend(bytes);
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let mut out = Vec::new();
            let _ = rt.block_on(rewrite(input.as_slice(), &mut out));
        }
    }
}
