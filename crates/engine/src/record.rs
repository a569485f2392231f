//! Records each logical operation once, whatever happened below: one
//! audit record (attempts, last status, outcome) and the operation metric.

use serde_json::{Map, Value as Json};

use super::Observers;
use super::service::{Answer, Cx, Layer, Service};
use drivers::{Feedback, Outcome, Request};

/// Adds [`Record`].
#[derive(Debug, Clone)]
pub struct RecordLayer {
    observers: Observers,
    driver: &'static str,
}

impl RecordLayer {
    /// Records through `observers`, under the driver's name.
    pub fn new(observers: Observers, driver: &'static str) -> Self {
        RecordLayer { observers, driver }
    }
}

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;
    fn layer(&self, inner: S) -> Record<S> {
        Record {
            inner,
            layer: self.clone(),
        }
    }
}

/// Writes the operation's audit record and metric.
#[derive(Debug)]
pub struct Record<S> {
    inner: S,
    layer: RecordLayer,
}

#[async_trait::async_trait]
impl<R: Request, S: Service<R>> Service<R> for Record<S> {
    type Response = S::Response;

    async fn call(&self, req: &R, cx: &Cx<'_>) -> Answer<S::Response> {
        let started = std::time::Instant::now();
        let result = self.inner.call(req, cx).await;
        let (outcome, status, error) = match &result {
            Ok(Outcome::Done(r)) => ("ok", r.status_code(), None),
            Ok(Outcome::Gone) => ("gone", None, None),
            Err(e) => (e.outcome(), e.code(), Some(e.to_string())),
        };
        let o = &self.layer.observers;
        let driver = self.layer.driver;
        o.metrics
            .operation(driver, &req.operation().to_string(), outcome);
        let Some(audit) = &o.audit else {
            return result;
        };
        let mut r = Map::new();
        r.insert("driver".into(), Json::from(driver));
        r.insert("operation".into(), Json::from(req.operation().to_string()));
        if let Some(s) = &cx.op.subject {
            r.insert("resource_type".into(), Json::from(s.as_str()));
        }
        if let Some(id) = &cx.op.object_id {
            r.insert("object_id".into(), Json::from(id.as_str()));
        }
        r.insert("target".into(), Json::from(req.target()));
        r.insert("attempts".into(), Json::from(cx.attempts()));
        if let Some(s) = status {
            r.insert("status".into(), Json::from(s));
        }
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        r.insert("duration_ms".into(), Json::from(millis));
        r.insert("outcome".into(), Json::from(outcome));
        if let Some(k) = req.idempotency_key() {
            r.insert("idempotency_key".into(), Json::from(k));
        }
        if let Some(e) = error {
            r.insert("error".into(), Json::from(e));
        }
        if result.as_ref().is_err_and(|e| e.outcome_unknown()) {
            r.insert("outcome_unknown".into(), Json::from(true));
        }
        audit.write(r);
        result
    }
}
