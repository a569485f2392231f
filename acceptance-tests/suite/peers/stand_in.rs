//! Stand-ins for the small servers restful's tests write inline in Go: a
//! function from a request to an answer, served on loopback by its own
//! runtime thread until dropped. Each test writes the same routes and
//! answers as the Go server it mirrors, and can ask what it received.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// One request as the stand-in saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Query pairs, decoded.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
}

impl Request {
    /// A query parameter's value.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An answer: status and JSON body (`None`: empty).
pub type Answer = (u16, Option<serde_json::Value>);

/// An answer with headers.
pub type Full = (Answer, Vec<(String, String)>);

type Handler = dyn Fn(&Request) -> Full + Send + Sync;

/// A running stand-in; stopped when dropped.
pub struct StandIn {
    pub url: String,
    seen: Arc<Mutex<Vec<Request>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StandIn {
    /// Serves `handler` on a free loopback port.
    pub fn start(handler: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> StandIn {
        StandIn::start_with_headers(move |r| (handler(r), Vec::new()))
    }

    /// Serves `handler`, whose answers carry headers too.
    pub fn start_with_headers(
        handler: impl Fn(&Request) -> Full + Send + Sync + 'static,
    ) -> StandIn {
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let log = seen.clone();
        let thread = std::thread::spawn(move || {
            // Two workers: a handler that sleeps (a slow operation) does
            // not hold up the other requests.
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new().fallback(
                    move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                        let (handler, log) = (handler.clone(), log.clone());
                        async move {
                            tokio::task::spawn_blocking(move || {
                                answer(&*handler, &log, method, uri, headers, body)
                            })
                            .await
                            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
                        }
                    },
                );
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        StandIn {
            url,
            seen,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(
    handler: &Handler,
    log: &Mutex<Vec<Request>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = Request {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or_default(),
    };
    let ((status, body), headers) = handler(&request);
    log.lock().unwrap().push(request);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match body {
        Some(b) => (
            status,
            [("content-type", "application/json")],
            b.to_string(),
        )
            .into_response(),
        None => status.into_response(),
    };
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            axum::http::HeaderName::try_from(k),
            axum::http::HeaderValue::try_from(v),
        ) {
            response.headers_mut().insert(k, v);
        }
    }
    response
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
