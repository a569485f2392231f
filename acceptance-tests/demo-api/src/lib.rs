//! An in-memory REST API for the quick start, the acceptance tests and the
//! benchmarks. It behaves like the APIs users point the provider at, warts
//! included: it adds fields (`id`, `created_at`, `updated_at`), returns keys
//! in its own order and spells every number as a float (`5` comes back as
//! `5.0`). It is a test tool, not part of the provider.
//!
//! Objects: `POST /<collection>` creates (201, `Location`), and
//! `GET`/`PUT`/`PATCH` (JSON merge patch)/`DELETE` `/<collection>/<id>`
//! work on one object; `GET /<collection>` lists. Any path whose last
//! segment is a number is an object; anything else is a collection.
//!
//! Admin (not counted): `GET /_admin/counters`, `PATCH /_admin/objects/<path>`
//! (merge patch, an out-of-band edit), `DELETE /_admin/objects/<path>`,
//! `PUT /_admin/faults` (see [`Faults`]), `POST /_admin/reset`.
//!
//! Authentication (off by default; see [`Auth`]): bearer token, basic, an
//! API key in a header or the query, or OAuth 2.0 client credentials with a
//! token endpoint at `POST /oauth/token`. Requests without valid credentials
//! get 401.

// A test tool: its setup (certificates, binding loopback) failing is a
// failed test, and its locks are only poisoned after a panic of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Handlers answer with a `Response` as their error; boxing it buys nothing.
#![allow(clippy::result_large_err)]
//!
//! Faults, for the engine's tests: a server-side rate limit answering 429
//! with `Retry-After` and `RateLimit-*` headers, a ratio of 5xx answers,
//! latency, and dropped connections (the request is processed, then the
//! connection breaks before the answer is complete). A `POST` with an
//! `Idempotency-Key` seen before gets the first answer again.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

mod operations;
mod pages;
mod shapes;
mod tls;

pub use operations::AsyncStyle;
pub use tls::{TlsMaterial, TlsMode};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

/// Everything the API holds.
#[derive(Debug, Default)]
pub struct Store {
    /// Collection path → id → object.
    collections: BTreeMap<String, BTreeMap<u64, Json>>,
    next_id: u64,
    counters: Counters,
    faults: Faults,
    /// The object the last POST created, for the idempotency store.
    last_created: Option<Json>,
    /// The object the last DELETE removed (an async delete restores it).
    last_deleted: Option<Json>,
    next_op: u64,
    /// What requests must present.
    auth: Auth,
    /// Long-running operations by number.
    operations: BTreeMap<u64, operations::Operation>,
    /// OAuth tokens issued and not revoked.
    tokens: std::collections::HashSet<String>,
    /// Open leases: id → token.
    leases: BTreeMap<String, String>,
    /// When each object was created (eventual consistency).
    created_at: std::collections::HashMap<(String, u64), tokio::time::Instant>,
    /// Objects made by `PUT` at a name (see `shapes`).
    named: shapes::Named,
    /// Reads each new object still answers 404 to (eventual consistency,
    /// counted rather than timed).
    invisible_left: std::collections::HashMap<(String, u64), u32>,
    /// Server-side token bucket: tokens and when they were counted.
    bucket: Option<(f64, tokio::time::Instant)>,
    rng: u64,
    /// Idempotency key → the first answer (status, body, location).
    idempotency: std::collections::HashMap<String, (StatusCode, Json, Option<String>)>,
}

/// What the API requires of every request (admin requests excepted).
#[derive(Debug, Default, Clone, PartialEq)]
pub enum Auth {
    /// Nothing.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// HTTP basic: user, password.
    Basic(String, String),
    /// A header: name, value.
    HeaderKey(String, String),
    /// A query parameter: name, value.
    QueryKey(String, String),
    /// OAuth 2.0 client credentials: client id, secret, token lifetime.
    OAuth2 {
        /// Client ID.
        client_id: String,
        /// Client secret.
        client_secret: String,
        /// `expires_in` of issued tokens, in seconds.
        lifetime_secs: u64,
    },
}

/// Faults to inject. The default is a well-behaved API.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Faults {
    /// Server-side rate limit: (requests per second, burst).
    pub rate_limit: Option<(f64, f64)>,
    /// Share of requests answered with `error_status` (0.0 to 1.0).
    pub error_ratio: f64,
    /// The status for injected errors (default 503).
    pub error_status: u16,
    /// Added to every request.
    pub latency: std::time::Duration,
    /// Share of writes whose connection breaks after processing.
    pub drop_ratio: f64,
    /// Seed of the fault dice, for repeatable runs.
    pub seed: u64,
    /// Reads of an object answer 404 for this long after its creation
    /// (eventual consistency).
    pub invisible_after_create: std::time::Duration,
    /// Act as an API without idempotency-key support: every POST creates.
    pub ignore_idempotency_keys: bool,
    /// Answer writes with 202 and an operation at `/operations/<n>` that
    /// completes after this many polls (`None`: synchronous writes).
    pub async_polls: Option<u32>,
    /// Make those operations fail with this message instead.
    pub async_failure: Option<String>,
    /// How those operations are announced and followed.
    pub async_style: AsyncStyle,
    /// Make those operations end canceled instead.
    pub async_cancel: bool,
    /// Canned answers for hostile-server tests, tried in order.
    pub scripted: Vec<Scripted>,
    /// Added after a request is processed, before the answer: an API that
    /// dies in this window has acted without answering.
    pub answer_delay: std::time::Duration,
    /// Rate-limit with bare 429s and `Retry-After`: no `RateLimit-*`
    /// headers saying the limit or what is left.
    pub silent_rate_limit: bool,
    /// Keep numbers as sent instead of re-spelling them as floats.
    pub exact_numbers: bool,
    /// Each new object answers 404 to this many reads first (eventual
    /// consistency, counted rather than timed).
    pub invisible_reads: u32,
    /// Serve this vendor media type only: requests must `Accept` it (else
    /// 406), and answers carry it as their `Content-Type`.
    pub media_type: Option<String>,
    /// Wrap read answers in an envelope: `{"data": <object>}`.
    pub envelope_reads: bool,
    /// Answer creates with the new id as a plain-text body.
    pub text_ids: bool,
    /// Paginated listings point back at their first page: pagination that
    /// never ends.
    pub page_loop: bool,
}

/// A canned answer: what a misbehaving server sends for one method and
/// path (the query is ignored).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Scripted {
    /// The method it answers.
    pub method: String,
    /// The path it answers (exact), or every path when empty.
    pub path: String,
    /// Process the request first (create, update...), then answer this
    /// way instead: the API acted, the client cannot tell.
    pub act: bool,
    /// The status.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// Or this many bytes of a JSON string, streamed (huge answers).
    pub body_bytes: u64,
    /// Answer this way this many times, then not any more (0: always).
    pub times: u32,
    /// Break the connection instead of answering (after acting, if `act`).
    pub drop: bool,
}

impl Scripted {
    fn response(&self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut r = if self.body_bytes > 0 {
            let chunk = Bytes::from(vec![b'x'; 64 << 10]);
            let total = self.body_bytes;
            let chunks = (0..total.div_ceil(64 << 10)).map(move |i| {
                let left = total - i * (64 << 10);
                Ok::<_, std::io::Error>(chunk.slice(..(left.min(64 << 10) as usize)))
            });
            let stream = tokio_stream::iter(
                std::iter::once(Ok(Bytes::from_static(b"\"")))
                    .chain(chunks)
                    .chain(std::iter::once(Ok(Bytes::from_static(b"\"")))),
            );
            (status, axum::body::Body::from_stream(stream)).into_response()
        } else {
            (status, self.body.clone()).into_response()
        };
        for (k, v) in &self.headers {
            if let (Ok(k), Ok(v)) = (
                header::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                r.headers_mut().insert(k, v);
            }
        }
        r
    }
}

impl Faults {
    /// Reads faults from JSON: `{"rate_limit": {"rps": 50, "burst": 50},
    /// "error_ratio": 0.2, "error_status": 503, "latency_ms": 20,
    /// "drop_ratio": 0.1, "seed": 1}`.
    pub fn from_json(j: &Json) -> Faults {
        let f = |k: &str| j.get(k).and_then(Json::as_f64);
        Faults {
            rate_limit: j.get("rate_limit").and_then(|r| {
                let rps = r.get("rps")?.as_f64()?;
                Some((rps, r.get("burst").and_then(Json::as_f64).unwrap_or(rps)))
            }),
            error_ratio: f("error_ratio").unwrap_or(0.0),
            error_status: f("error_status").map_or(503, |s| s as u16),
            latency: std::time::Duration::from_millis(f("latency_ms").unwrap_or(0.0) as u64),
            drop_ratio: f("drop_ratio").unwrap_or(0.0),
            seed: f("seed").unwrap_or(0.0) as u64,
            invisible_after_create: std::time::Duration::from_millis(
                f("invisible_after_create_ms").unwrap_or(0.0) as u64,
            ),
            ignore_idempotency_keys: j
                .get("ignore_idempotency_keys")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            async_polls: j
                .get("async_polls")
                .and_then(Json::as_u64)
                .map(|n| n as u32),
            async_failure: j
                .get("async_failure")
                .and_then(Json::as_str)
                .map(str::to_owned),
            async_style: j
                .get("async_style")
                .and_then(Json::as_str)
                .and_then(AsyncStyle::parse)
                .unwrap_or_default(),
            async_cancel: j
                .get("async_cancel")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            scripted: Vec::new(),
            answer_delay: std::time::Duration::from_millis(
                f("answer_delay_ms").unwrap_or(0.0).clamp(0.0, 60_000.0) as u64,
            ),
            media_type: j
                .get("media_type")
                .and_then(Json::as_str)
                .map(str::to_owned),
            envelope_reads: j
                .get("envelope_reads")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            text_ids: j.get("text_ids").and_then(Json::as_bool).unwrap_or(false),
            page_loop: j.get("page_loop").and_then(Json::as_bool).unwrap_or(false),
            invisible_reads: j
                .get("invisible_reads")
                .and_then(Json::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            exact_numbers: j
                .get("exact_numbers")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            silent_rate_limit: j
                .get("silent_rate_limit")
                .and_then(Json::as_bool)
                .unwrap_or(false),
        }
    }
}

/// What the API received and did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Counters {
    /// Requests by method (admin requests excluded).
    pub by_method: BTreeMap<String, u64>,
    /// Objects created.
    pub created: u64,
    /// 429 answers sent.
    pub throttled: u64,
    /// Injected 5xx answers sent.
    pub errors: u64,
    /// Connections broken after processing.
    pub dropped: u64,
    /// Repeated creates answered from the idempotency store.
    pub idempotent_replays: u64,
    /// Objects created by a POST whose idempotency key had already created
    /// one (only when keys are ignored): duplicates a client caused.
    pub duplicate_creates: u64,
    /// Reads answered 404 because the object was not yet visible.
    pub invisible_reads: u64,
    /// Requests refused for missing or bad credentials.
    pub unauthorized: u64,
    /// Tokens issued by the OAuth token endpoint.
    pub tokens_issued: u64,
    /// Polls of operation resources.
    pub op_polls: u64,
    /// Most requests in flight at once.
    pub peak_in_flight: u64,
    /// Pages of paginated listings served.
    pub pages_served: u64,
    /// The `User-Agent`s seen (the first 16 distinct ones).
    pub user_agents: std::collections::BTreeSet<String>,
    /// Leases opened (`POST /leases`), renewed and closed (`DELETE`).
    pub leases_opened: u64,
    pub leases_renewed: u64,
    pub leases_closed: u64,
    /// The tokens of every lease ever opened.
    pub lease_tokens: Vec<String>,
    /// When the first and the latest request arrived (the achieved rate
    /// is requests over the time between them).
    pub first_request: Option<std::time::Instant>,
    pub last_request: Option<std::time::Instant>,
    /// Every request received (admin requests excluded), the first
    /// [`MAX_LOGGED`] of them: what reached the API, as it reached it.
    pub log: Vec<Seen>,
    in_flight: u64,
}

/// Most requests kept in [`Counters::log`].
pub const MAX_LOGGED: usize = 10_000;

/// One request as the API received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The path, as sent (not normalised).
    pub path: String,
    /// The query string, as sent.
    pub query: String,
    /// The headers (names in lower case; values lossily as text).
    pub headers: Vec<(String, String)>,
    /// The body, lossily as text.
    pub body: String,
}

impl Counters {
    /// Requests of one method.
    pub fn method(&self, m: &str) -> u64 {
        self.by_method.get(m).copied().unwrap_or(0)
    }
    /// All requests.
    pub fn total(&self) -> u64 {
        self.by_method.values().sum()
    }
}

/// Shared handle on the store.
pub type Shared = Arc<Mutex<Store>>;

/// The router, for embedding.
pub fn router(store: Shared) -> Router {
    Router::new().fallback(handle).with_state(store)
}

/// Serves on `listener` until the future `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Shared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let _ = axum::serve(listener, router(store))
        .with_graceful_shutdown(shutdown)
        .await;
}

/// A demo API on its own thread and runtime, for tests. Dropping it stops
/// the server.
#[derive(Debug)]
pub struct Running {
    /// Where it listens (127.0.0.1, random port).
    pub addr: SocketAddr,
    /// Set when it serves HTTPS.
    pub tls: Option<TlsMaterial>,
    store: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    kill: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[allow(clippy::panic)]
fn unreachable_bind(addr: SocketAddr, e: std::io::Error) -> ! {
    panic!("cannot bind {addr}: {e}")
}

/// Binds `addr`, retrying briefly: a restart reuses the port just freed.
async fn bind_retrying(addr: SocketAddr) -> tokio::net::TcpListener {
    let mut tries = 0;
    loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => return l,
            Err(e) if tries < 100 => {
                tries += 1;
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            // A test tool that cannot listen cannot run its test.
            Err(e) => unreachable_bind(addr, e),
        }
    }
}

impl Running {
    /// Starts one on 127.0.0.1 and a free port.
    pub fn start() -> Running {
        Self::start_with(None)
    }

    /// Starts one serving HTTPS; with `require_client_cert`, mutual TLS.
    pub fn start_tls(require_client_cert: bool) -> Running {
        Self::start_with(Some(if require_client_cert {
            TlsMode::Mutual
        } else {
            TlsMode::Server
        }))
    }

    /// Starts one serving HTTPS in `mode`.
    pub fn start_tls_mode(mode: TlsMode) -> Running {
        Self::start_with(Some(mode))
    }

    fn start_with(tls: Option<TlsMode>) -> Running {
        Self::serve_on("127.0.0.1:0".parse().expect("address"), Arc::default(), tls)
    }

    /// The API process dies: every connection breaks at once, in-flight
    /// requests get no answer. The data stays, for [`Running::restart`].
    pub fn kill(&mut self) {
        if let Some(k) = self.kill.take() {
            let _ = k.send(());
        }
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Starts again on the same address with the same data (after `kill`).
    pub fn restart(&mut self) {
        self.kill();
        let again = Self::serve_on(self.addr, self.store.clone(), None);
        *self = again;
    }

    fn serve_on(bind: SocketAddr, store: Shared, tls: Option<TlsMode>) -> Running {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (kill_tx, kill_rx) = tokio::sync::oneshot::channel::<()>();
        let s = store.clone();
        let setup = tls.map(tls::setup);
        let material = setup.as_ref().map(|(_, m)| m.clone());
        let acceptor = setup.map(|(a, _)| a);
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = bind_retrying(bind).await;
                addr_tx
                    .send(listener.local_addr().expect("local addr"))
                    .expect("report addr");
                let shutdown = async {
                    let _ = stop_rx.await;
                };
                let served = async move {
                    match acceptor {
                        None => serve(listener, s, shutdown).await,
                        Some(acceptor) => {
                            let listener = tls::TlsListener {
                                tcp: listener,
                                acceptor,
                            };
                            let _ = axum::serve(listener, router(s))
                                .with_graceful_shutdown(shutdown)
                                .await;
                        }
                    }
                };
                tokio::select! {
                    _ = served => {}
                    _ = kill_rx => {}
                }
            });
            // Killed or stopped: whatever is still running is dropped, and
            // its connections break.
            rt.shutdown_background();
        });
        let addr = addr_rx.recv().expect("demo API started");
        Running {
            addr,
            tls: material,
            store,
            stop: Some(stop_tx),
            kill: Some(kill_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`, or `https://` when serving TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The object at `path` (`/flags/1`), as stored.
    pub fn get(&self, path: &str) -> Option<Json> {
        let store = self.store.lock().unwrap();
        let (c, id) = split_object(path)?;
        store.collections.get(c)?.get(&id).cloned()
    }

    /// An object made by `PUT` at a name (`/named/...`).
    pub fn named(&self, path: &str) -> Option<Json> {
        self.store.lock().unwrap().named.get(path).cloned()
    }

    /// Every object of a collection.
    pub fn list(&self, collection: &str) -> Vec<Json> {
        let store = self.store.lock().unwrap();
        store
            .collections
            .get(collection)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// An out-of-band edit: merge-patches the object, as another tool would.
    pub fn edit(&self, path: &str, patch: Json) -> bool {
        admin_edit(&mut self.store.lock().unwrap(), path, &patch)
    }

    /// Makes an object answer 404 to its next `reads` reads, as a newly
    /// created object of an eventually consistent API does.
    pub fn hide(&self, path: &str, reads: u32) {
        if let Some((c, id)) = split_object(path) {
            self.store
                .lock()
                .unwrap()
                .invisible_left
                .insert((c.to_owned(), id), reads);
        }
    }

    /// An out-of-band create in `collection`; the new object's id.
    pub fn insert(&self, collection: &str, fields: Json) -> Option<u64> {
        let mut store = self.store.lock().unwrap();
        let body = Bytes::from(fields.to_string());
        let r = self::collection(&mut store, &Method::POST, collection, &body);
        (r.status() == StatusCode::CREATED).then_some(store.next_id)
    }

    /// An out-of-band delete.
    pub fn delete(&self, path: &str) -> bool {
        admin_delete(&mut self.store.lock().unwrap(), path)
    }

    /// What it received so far.
    pub fn counters(&self) -> Counters {
        self.store.lock().unwrap().counters.clone()
    }

    /// Requires credentials from now on.
    pub fn set_auth(&self, auth: Auth) {
        self.store.lock().unwrap().auth = auth;
    }

    /// Revokes every OAuth token issued so far (clients must fetch anew).
    pub fn revoke_tokens(&self) {
        self.store.lock().unwrap().tokens.clear();
    }

    /// Injects faults from now on.
    pub fn set_faults(&self, faults: Faults) {
        let mut s = self.store.lock().unwrap();
        s.rng = faults.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        s.bucket = None;
        s.faults = faults;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn split_object(path: &str) -> Option<(&str, u64)> {
    let (c, id) = path.trim_end_matches('/').rsplit_once('/')?;
    Some((if c.is_empty() { "/" } else { c }, id.parse().ok()?))
}

fn now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

fn json_response(status: StatusCode, body: &Json) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({ "message": message }))
}

/// Every number re-spelled as a float, as some APIs do (`5` → `5.0`).
fn respell_numbers(j: &mut Json) {
    match j {
        Json::Number(n) => {
            if let Some(f) = n.as_f64().and_then(serde_json::Number::from_f64) {
                *n = f;
            }
        }
        Json::Array(a) => a.iter_mut().for_each(respell_numbers),
        Json::Object(m) => m.values_mut().for_each(respell_numbers),
        _ => {}
    }
}

fn merge_patch(target: &mut Json, patch: &Json) {
    match (target, patch) {
        (Json::Object(t), Json::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Json::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

fn admin_edit(store: &mut Store, path: &str, patch: &Json) -> bool {
    let Some((c, id)) = split_object(path) else {
        return false;
    };
    let Some(obj) = store.collections.get_mut(c).and_then(|m| m.get_mut(&id)) else {
        return false;
    };
    merge_patch(obj, patch);
    true
}

fn admin_delete(store: &mut Store, path: &str) -> bool {
    let Some((c, id)) = split_object(path) else {
        return false;
    };
    store
        .collections
        .get_mut(c)
        .and_then(|m| m.remove(&id))
        .is_some()
}

/// Counts a request in flight for as long as it lives.
struct InFlight(Shared);

impl InFlight {
    fn enter(store: &Shared) -> InFlight {
        let mut s = store.lock().unwrap();
        s.counters.in_flight += 1;
        s.counters.peak_in_flight = s.counters.peak_in_flight.max(s.counters.in_flight);
        let now = std::time::Instant::now();
        s.counters.first_request.get_or_insert(now);
        s.counters.last_request = Some(now);
        InFlight(store.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().counters.in_flight -= 1;
    }
}

/// What the faults decided for one request.
enum Verdict {
    Answer(Response),
    Proceed {
        latency: std::time::Duration,
        drop: bool,
    },
}

impl Store {
    /// xorshift64*: repeatable dice without a dependency.
    fn roll(&mut self) -> f64 {
        if self.rng == 0 {
            self.rng = 0x2545_F491_4F6C_DD1D;
        }
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn judge(&mut self, method: &Method) -> Verdict {
        if let Some((rps, burst)) = self.faults.rate_limit {
            let now = tokio::time::Instant::now();
            let (tokens, last) = self.bucket.unwrap_or((burst, now));
            let tokens = (tokens + now.duration_since(last).as_secs_f64() * rps).min(burst);
            if tokens < 1.0 {
                self.bucket = Some((tokens, now));
                self.counters.throttled += 1;
                let wait = ((1.0 - tokens) / rps).ceil().max(1.0) as u64;
                let mut r = error(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded");
                let silent = self.faults.silent_rate_limit;
                let h = r.headers_mut();
                h.insert(header::RETRY_AFTER, HeaderValue::from(wait));
                if silent {
                    return Verdict::Answer(r);
                }
                h.insert("ratelimit-limit", HeaderValue::from(rps as u64));
                h.insert("ratelimit-remaining", HeaderValue::from(0u64));
                h.insert("ratelimit-reset", HeaderValue::from(wait));
                return Verdict::Answer(r);
            }
            self.bucket = Some((tokens - 1.0, now));
        }
        if self.faults.error_ratio > 0.0 && self.roll() < self.faults.error_ratio {
            self.counters.errors += 1;
            let status = StatusCode::from_u16(self.faults.error_status)
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return Verdict::Answer(error(status, "injected failure"));
        }
        let write = matches!(
            *method,
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        );
        let drop = write && self.faults.drop_ratio > 0.0 && self.roll() < self.faults.drop_ratio;
        Verdict::Proceed {
            latency: self.faults.latency,
            drop,
        }
    }

    /// `RateLimit-*` headers on every answer while a limit is set.
    fn quota_headers(&self, r: &mut Response) {
        if self.faults.silent_rate_limit {
            return;
        }
        if let (Some((rps, _)), Some((tokens, _))) = (self.faults.rate_limit, self.bucket) {
            let h = r.headers_mut();
            h.insert("ratelimit-limit", HeaderValue::from(rps as u64));
            h.insert(
                "ratelimit-remaining",
                HeaderValue::from(tokens.max(0.0).floor() as u64),
            );
            h.insert("ratelimit-reset", HeaderValue::from(1u64));
        }
    }
}

impl Store {
    fn authorized(
        &self,
        authorization: Option<&str>,
        headers: &axum::http::HeaderMap,
        query: &str,
    ) -> bool {
        use base64::Engine as _;
        match &self.auth {
            Auth::None => true,
            Auth::Bearer(t) => authorization == Some(format!("Bearer {t}").as_str()),
            Auth::Basic(u, p) => {
                let expected = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                authorization == Some(format!("Basic {expected}").as_str())
            }
            Auth::HeaderKey(name, value) => {
                headers.get(name).and_then(|v| v.to_str().ok()) == Some(value.as_str())
            }
            Auth::QueryKey(name, value) => form_urlencoded::parse(query.as_bytes())
                .any(|(k, v)| k == name.as_str() && v == value.as_str()),
            Auth::OAuth2 { .. } => authorization
                .and_then(|a| a.strip_prefix("Bearer "))
                .is_some_and(|t| self.tokens.contains(t)),
        }
    }
}

/// `POST /oauth/token`: client credentials in the form or as HTTP basic.
fn issue_token(store: &Shared, authorization: Option<&str>, body: &Bytes) -> Response {
    use base64::Engine as _;
    let mut s = store.lock().unwrap();
    let Auth::OAuth2 {
        client_id,
        client_secret,
        lifetime_secs,
    } = s.auth.clone()
    else {
        return error(StatusCode::NOT_FOUND, "this API does not use OAuth");
    };
    let form: BTreeMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    let basic = authorization
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|b| b.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned())));
    let (id, secret) = basic.unwrap_or_else(|| {
        (
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned().unwrap_or_default(),
        )
    });
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "unsupported_grant_type"}),
        );
    }
    if id != client_id || secret != client_secret {
        s.counters.unauthorized += 1;
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "invalid_client"}),
        );
    }
    s.counters.tokens_issued += 1;
    let (n, dice) = (s.counters.tokens_issued, s.roll().to_bits());
    let token = format!("tok-{n}-{dice:x}");
    s.tokens.insert(token.clone());
    json_response(
        StatusCode::OK,
        &json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime_secs}),
    )
}

/// An answer whose body breaks off: the client sees the status line and
/// then a dead connection.
fn broken(status: StatusCode) -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"{")),
        Err(std::io::Error::other(
            "connection dropped by fault injection",
        )),
    ];
    let body = axum::body::Body::from_stream(tokio_stream::iter(chunks));
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Leases, in the style of Vault's: `POST /leases` opens one with a fresh
/// token (`{"lease_id", "token", "expires_in"}`), `POST
/// /leases/<id>/renew` renews it, `DELETE /leases/<id>` revokes it.
fn lease(store: &Shared, method: &Method, path: &str) -> Response {
    use std::hash::{BuildHasher, Hasher};
    let mut s = store.lock().unwrap();
    let rest = path.trim_start_matches("/leases").trim_start_matches('/');
    match (method.clone(), rest.split_once('/')) {
        (Method::POST, None) if rest.is_empty() => {
            s.counters.leases_opened += 1;
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(s.counters.leases_opened);
            let token = format!("tok-{:016x}", h.finish());
            s.counters.lease_tokens.push(token.clone());
            let id = format!("lease-{}", s.counters.leases_opened);
            s.leases.insert(id.clone(), token.clone());
            (
                StatusCode::CREATED,
                axum::Json(json!({"lease_id": id, "token": token, "expires_in": 600})),
            )
                .into_response()
        }
        (Method::POST, Some((id, "renew"))) if s.leases.contains_key(id) => {
            s.counters.leases_renewed += 1;
            axum::Json(json!({"lease_id": id, "expires_in": 600})).into_response()
        }
        (Method::DELETE, None) if s.leases.remove(rest).is_some() => {
            s.counters.leases_closed += 1;
            StatusCode::NO_CONTENT.into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "no such lease"),
    }
}

async fn handle(State(store): State<Shared>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let headers = req.headers().clone();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let body = match axum::body::to_bytes(req.into_body(), 16 << 20).await {
        Ok(b) => b,
        Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, "body too large"),
    };
    if let Some(rest) = path.strip_prefix("/_admin") {
        return admin(&store, &method, rest, &body);
    }
    {
        let mut s = store.lock().unwrap();
        if s.counters.log.len() < MAX_LOGGED {
            s.counters.log.push(Seen {
                method: method.to_string(),
                path: path.clone(),
                query: query.clone(),
                headers: headers
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
    }
    if path == "/oauth/token" && method == Method::POST {
        return issue_token(&store, authorization.as_deref(), &body);
    }
    if path == "/leases" || path.starts_with("/leases/") {
        return lease(&store, &method, &path);
    }
    {
        let mut s = store.lock().unwrap();
        if let Some(ua) = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            && s.counters.user_agents.len() < 16
        {
            s.counters.user_agents.insert(ua.to_owned());
        }
        if !s.authorized(authorization.as_deref(), &headers, &query) {
            s.counters.unauthorized += 1;
            return error(StatusCode::UNAUTHORIZED, "missing or invalid credentials");
        }
    }
    let _in_flight = InFlight::enter(&store);
    // A vendor media type: only what asks for it is served.
    let media_type = store.lock().unwrap().faults.media_type.clone();
    if let Some(t) = &media_type {
        let accepted = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.split(',').any(|x| x.trim().starts_with(t.as_str())));
        if !accepted {
            return error(
                StatusCode::NOT_ACCEPTABLE,
                &format!("this API serves {t} only"),
            );
        }
    }
    let script = {
        let mut s = store.lock().unwrap();
        let found = s
            .faults
            .scripted
            .iter()
            .position(|x| x.method == method.as_str() && (x.path.is_empty() || x.path == path));
        found.and_then(|i| {
            *s.counters.by_method.entry(method.to_string()).or_default() += 1;
            let entry = s.faults.scripted.get_mut(i)?;
            let x = entry.clone();
            if x.times > 1 {
                entry.times -= 1;
            } else if x.times == 1 {
                s.faults.scripted.remove(i);
            }
            Some(x)
        })
    };
    if let Some(x) = script {
        if x.act {
            let mut s = store.lock().unwrap();
            let _ = match shapes::handle(&mut s, &method, &path, &query, &body) {
                Some(r) => r,
                None => match split_object(&path) {
                    Some((collection, id)) if method != Method::POST => {
                        object(&mut s, &method, collection, id, &body)
                    }
                    _ => collection(&mut s, &method, path.trim_end_matches('/'), &body),
                },
            };
        }
        if x.drop {
            store.lock().unwrap().counters.dropped += 1;
            return broken(StatusCode::from_u16(x.status).unwrap_or(StatusCode::OK));
        }
        return x.response();
    }
    let verdict = {
        let mut s = store.lock().unwrap();
        *s.counters.by_method.entry(method.to_string()).or_default() += 1;
        s.judge(&method)
    };
    let (latency, drop) = match verdict {
        Verdict::Answer(r) => return r,
        Verdict::Proceed { latency, drop } => (latency, drop),
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (r, delay) = {
        let mut s = store.lock().unwrap();
        if let Some(n) = path
            .strip_prefix("/operations/")
            .and_then(|n| n.parse::<u64>().ok())
        {
            return operations::poll(&mut s, n);
        }
        if method == Method::GET
            && let Some((c, id)) = split_object(&path)
        {
            // An operation followed at its object goes on as it is read.
            operations::object_read(&mut s, c, id);
        }
        if method == Method::GET
            && split_object(&path).is_none()
            && let Some(r) = pages::list(&mut s, path.trim_end_matches('/'), &query)
        {
            return r;
        }
        if let Some(r) = shapes::handle(&mut s, &method, &path, &query, &body) {
            return r;
        }
        let mut r = match split_object(&path) {
            Some((collection, id)) if method != Method::POST => {
                object(&mut s, &method, collection, id, &body)
            }
            _ => match key.as_ref().and_then(|k| s.idempotency.get(k).cloned()) {
                Some(_) if method == Method::POST && s.faults.ignore_idempotency_keys => {
                    s.counters.duplicate_creates += 1;
                    collection(&mut s, &method, path.trim_end_matches('/'), &body)
                }
                Some((status, obj, location)) if method == Method::POST => {
                    s.counters.idempotent_replays += 1;
                    let mut r = json_response(status, &obj);
                    if let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                        r.headers_mut().insert(header::LOCATION, l);
                    }
                    r
                }
                _ => {
                    let r = collection(&mut s, &method, path.trim_end_matches('/'), &body);
                    if let (Some(k), Some(obj)) = (key, s.last_created.take()) {
                        let location = r
                            .headers()
                            .get(header::LOCATION)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        s.idempotency.insert(k, (r.status(), obj, location));
                    }
                    r
                }
            },
        };
        if drop {
            s.counters.dropped += 1;
            return broken(r.status());
        }
        if let Some(polls) = s.faults.async_polls
            && r.status().is_success()
            && matches!(
                method,
                Method::POST | Method::PUT | Method::PATCH | Method::DELETE
            )
        {
            r = operations::start(&mut s, &method, &path, r, polls);
        }
        s.quota_headers(&mut r);
        if method == Method::POST && s.faults.text_ids && r.status() == StatusCode::CREATED {
            let id = s.next_id.to_string();
            r = (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "text/plain")],
                id,
            )
                .into_response();
        }
        (r, s.faults.answer_delay)
    };
    let r = if method == Method::GET && store.lock().unwrap().faults.envelope_reads {
        envelope(r).await
    } else {
        r
    };
    let mut r = r;
    if let Some(t) = media_type.and_then(|t| HeaderValue::from_str(&t).ok())
        && r.headers().contains_key(header::CONTENT_TYPE)
    {
        r.headers_mut().insert(header::CONTENT_TYPE, t);
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    r
}

/// `{"data": <answer>}` for a successful JSON answer.
async fn envelope(r: Response) -> Response {
    if !r.status().is_success() {
        return r;
    }
    let status = r.status();
    let Ok(bytes) = axum::body::to_bytes(r.into_body(), 16 << 20).await else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "cannot wrap the answer");
    };
    match serde_json::from_slice::<Json>(&bytes) {
        Ok(j) => json_response(status, &json!({ "data": j })),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "cannot wrap the answer"),
    }
}

/// Objects whose keys are 0, 1, 2... (from `tags[0]`) as lists.
fn lists(v: Json) -> Json {
    match v {
        Json::Object(m) => {
            let indexed = !m.is_empty()
                && m.keys()
                    .enumerate()
                    .all(|(i, k)| k.parse::<usize>().ok() == Some(i));
            let items = m.into_iter().map(|(k, v)| (k, lists(v)));
            if indexed {
                Json::Array(items.map(|(_, v)| v).collect())
            } else {
                Json::Object(items.collect())
            }
        }
        other => other,
    }
}

fn parse_object(body: &Bytes) -> Result<Map<String, Json>, Response> {
    match serde_json::from_slice::<Json>(body) {
        Ok(Json::Object(m)) => Ok(m),
        // application/x-www-form-urlencoded: fields as strings, nested by
        // their bracket notation (`metadata[tier]`, `tags[0]`), as form
        // APIs read them.
        Err(_) if body.contains(&b'=') && !body.starts_with(b"{") => {
            let mut out = Json::Object(Map::new());
            for (k, v) in form_urlencoded::parse(body) {
                let mut names = k.split('[').map(|n| n.trim_end_matches(']'));
                let mut at = &mut out;
                let mut name = names.next().unwrap_or_default().to_owned();
                for next in names {
                    if !at.is_object() {
                        *at = Json::Object(Map::new());
                    }
                    at = &mut at[name.as_str()];
                    name = next.to_owned();
                }
                if !at.is_object() {
                    *at = Json::Object(Map::new());
                }
                at[name.as_str()] = Json::String(v.into_owned());
            }
            Ok(match out {
                Json::Object(m) => m.into_iter().map(|(k, v)| (k, lists(v))).collect(),
                _ => Map::new(),
            })
        }
        Ok(_) => Err(error(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object",
        )),
        Err(e) => Err(error(
            StatusCode::BAD_REQUEST,
            &format!("invalid JSON: {e}"),
        )),
    }
}

fn collection(store: &mut Store, method: &Method, path: &str, body: &Bytes) -> Response {
    let path = if path.is_empty() { "/" } else { path };
    match *method {
        Method::GET => {
            let items: Vec<Json> = store
                .collections
                .get(path)
                .map(|m| m.values().cloned().collect())
                .unwrap_or_default();
            json_response(StatusCode::OK, &Json::Array(items))
        }
        Method::POST => {
            let mut fields = match parse_object(body) {
                Ok(m) => m,
                Err(r) => return r,
            };
            store.next_id += 1;
            let id = store.next_id;
            let t = now();
            fields.insert("id".into(), json!(id));
            fields.insert("created_at".into(), json!(t));
            fields.insert("updated_at".into(), json!(t));
            let mut obj = Json::Object(fields);
            if !store.faults.exact_numbers {
                respell_numbers(&mut obj);
            }
            if let Some(o) = obj.as_object_mut() {
                o.insert("id".into(), json!(id));
            }
            store
                .collections
                .entry(path.to_owned())
                .or_default()
                .insert(id, obj.clone());
            store.counters.created += 1;
            store.last_created = Some(obj.clone());
            store
                .created_at
                .insert((path.to_owned(), id), tokio::time::Instant::now());
            let hidden = store.faults.invisible_reads;
            if hidden > 0 {
                store.invisible_left.insert((path.to_owned(), id), hidden);
            }
            let mut r = json_response(StatusCode::CREATED, &obj);
            if let Ok(v) = HeaderValue::from_str(&format!("{path}/{id}")) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "collections accept GET and POST",
        ),
    }
}

fn object(store: &mut Store, method: &Method, collection: &str, id: u64, body: &Bytes) -> Response {
    let window = store.faults.invisible_after_create;
    let exact = store.faults.exact_numbers;
    if *method == Method::GET
        && !window.is_zero()
        && store
            .created_at
            .get(&(collection.to_owned(), id))
            .is_some_and(|t| t.elapsed() < window)
    {
        store.counters.invisible_reads += 1;
        return error(StatusCode::NOT_FOUND, "no such object (not yet visible)");
    }
    if *method == Method::GET
        && let Some(left) = store
            .invisible_left
            .get_mut(&(collection.to_owned(), id))
            .filter(|n| **n > 0)
    {
        *left -= 1;
        store.counters.invisible_reads += 1;
        return error(StatusCode::NOT_FOUND, "no such object (not yet visible)");
    }
    let Some(obj) = store
        .collections
        .get_mut(collection)
        .and_then(|m| m.get_mut(&id))
    else {
        return error(StatusCode::NOT_FOUND, "no such object");
    };
    match *method {
        Method::GET => json_response(StatusCode::OK, obj),
        Method::PUT | Method::PATCH => {
            let incoming = match parse_object(body) {
                Ok(m) => m,
                Err(r) => return r,
            };
            let created = obj.get("created_at").cloned();
            if *method == Method::PUT {
                *obj = Json::Object(incoming);
            } else {
                merge_patch(obj, &Json::Object(incoming));
            }
            if !exact {
                respell_numbers(obj);
            }
            obj["id"] = json!(id);
            obj["created_at"] = created.unwrap_or(Json::Null);
            obj["updated_at"] = json!(now());
            json_response(StatusCode::OK, obj)
        }
        Method::DELETE => {
            store.last_deleted = store
                .collections
                .get_mut(collection)
                .and_then(|m| m.remove(&id));
            StatusCode::NO_CONTENT.into_response()
        }
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "objects accept GET, PUT, PATCH and DELETE",
        ),
    }
}

fn admin(store: &Shared, method: &Method, rest: &str, body: &Bytes) -> Response {
    let mut store = store.lock().unwrap();
    match (method.clone(), rest) {
        (Method::GET, "/counters") => json_response(
            StatusCode::OK,
            &json!({
                "requests": store.counters.by_method,
                "total": store.counters.total(),
                "created": store.counters.created,
                "throttled": store.counters.throttled,
                "errors": store.counters.errors,
                "dropped": store.counters.dropped,
                "idempotent_replays": store.counters.idempotent_replays,
                "duplicate_creates": store.counters.duplicate_creates,
                "unauthorized": store.counters.unauthorized,
                "tokens_issued": store.counters.tokens_issued,
                "op_polls": store.counters.op_polls,
                "invisible_reads": store.counters.invisible_reads,
                "peak_in_flight": store.counters.peak_in_flight,
                "user_agents": store.counters.user_agents,
                "pages_served": store.counters.pages_served,
                "leases_opened": store.counters.leases_opened,
                "leases_closed": store.counters.leases_closed,
                "active_seconds": match (store.counters.first_request, store.counters.last_request) {
                    (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
                    _ => 0.0,
                },
                "objects": store.collections.values().map(BTreeMap::len).sum::<usize>(),
            }),
        ),
        (Method::PUT, "/faults") => match serde_json::from_slice::<Json>(body) {
            Ok(j) => {
                let faults = Faults::from_json(&j);
                store.rng = faults.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                store.bucket = None;
                store.faults = faults;
                StatusCode::NO_CONTENT.into_response()
            }
            Err(e) => error(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}")),
        },
        (Method::POST, "/reset") => {
            *store = Store::default();
            StatusCode::NO_CONTENT.into_response()
        }
        (Method::PATCH, p) if p.starts_with("/objects/") => {
            let patch: Json = match serde_json::from_slice(body) {
                Ok(j) => j,
                Err(e) => return error(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}")),
            };
            if admin_edit(&mut store, &p["/objects".len()..], &patch) {
                StatusCode::NO_CONTENT.into_response()
            } else {
                error(StatusCode::NOT_FOUND, "no such object")
            }
        }
        (Method::DELETE, p) if p.starts_with("/objects/") => {
            if admin_delete(&mut store, &p["/objects".len()..]) {
                StatusCode::NO_CONTENT.into_response()
            } else {
                error(StatusCode::NOT_FOUND, "no such object")
            }
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "admin endpoints: GET /_admin/counters, PATCH|DELETE /_admin/objects/<path>, PUT /_admin/faults, POST /_admin/reset",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_get_server_fields_and_float_numbers() {
        let api = Running::start();
        let mut store = api.store.lock().unwrap();
        let r = collection(
            &mut store,
            &Method::POST,
            "/flags",
            &Bytes::from(r#"{"name":"a","size":5}"#),
        );
        assert_eq!(r.status(), StatusCode::CREATED);
        drop(store);
        let obj = api.get("/flags/1").unwrap();
        assert_eq!(obj["size"].to_string(), "5.0");
        assert!(obj.get("created_at").is_some());
        assert!(api.edit("/flags/1", json!({"name": "b", "size": null})));
        assert_eq!(api.get("/flags/1").unwrap()["name"], "b");
        assert!(api.get("/flags/1").unwrap().get("size").is_none());
        assert!(api.delete("/flags/1"));
        assert!(api.get("/flags/1").is_none());
    }

    #[tokio::test]
    async fn fresh_objects_can_be_invisible_for_a_while() {
        let mut store = Store::default();
        store.faults.invisible_after_create = std::time::Duration::from_secs(3600);
        let r = collection(&mut store, &Method::POST, "/a", &Bytes::from("{}"));
        assert_eq!(r.status(), StatusCode::CREATED);
        let r = object(&mut store, &Method::GET, "/a", 1, &Bytes::new());
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(store.counters.invisible_reads, 1);
    }

    #[test]
    fn paths_split_into_collection_and_id() {
        assert_eq!(split_object("/a/b/7"), Some(("/a/b", 7)));
        assert_eq!(split_object("/7"), Some(("/", 7)));
        assert_eq!(split_object("/flags"), None);
    }
}
