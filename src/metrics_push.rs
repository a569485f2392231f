//! `metrics_push`: this process's metrics, pushed to a Prometheus
//! Pushgateway when it ends, so the runs of many pipelines against one API
//! can be watched (and alerted on) together. The push replaces its group's
//! series (`PUT`), is bounded by its timeout and never fails the run: a
//! Pushgateway that is down costs a warning in the log, nothing more.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use url::Url;

use super::config::MetricsPush;
use drivers::http::push::put_text;

/// The Prometheus text format `encode` writes.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Pushes `metrics` (Prometheus text) as the group `push` names.
pub async fn push(push: &MetricsPush, metrics: String) {
    let url = group_url(push);
    let place = where_to(&url);
    match put_text(&url, TEXT_FORMAT, metrics, push.timeout).await {
        Ok(status) if (200..300).contains(&status) => {
            tracing::debug!(pushgateway = %place, "metrics pushed");
        }
        Ok(status) => {
            tracing::warn!(pushgateway = %place, status, "the Pushgateway refused the metrics");
        }
        Err(why) => {
            tracing::warn!(pushgateway = %place, %why, "cannot push the metrics");
        }
    }
}

/// `<url>/metrics/job@base64/<job>/<label>@base64/<value>...`: every value
/// in URL-safe base64, so a `/` or any other character in it is safe.
pub fn group_url(push: &MetricsPush) -> Url {
    let mut url = push.url.clone();
    let b64 = |s: &str| URL_SAFE.encode(s.as_bytes());
    // A base URL (http/https, checked when read) can always have segments;
    // if not, the push goes to the base URL and the gateway refuses it.
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty();
        segments.extend(["metrics", "job@base64"]);
        segments.push(&b64(&push.job));
        for (name, value) in &push.grouping {
            segments.push(&format!("{name}@base64"));
            segments.push(&b64(value));
        }
    }
    url
}

/// The Pushgateway's origin, for messages: never its credentials.
fn where_to(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn settings(url: &str, grouping: &[(&str, &str)]) -> MetricsPush {
        MetricsPush {
            url: Url::parse(url).unwrap(),
            job: "terraform".into(),
            grouping: grouping
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn every_value_is_base64_so_slashes_are_safe() {
        let u = group_url(&settings(
            "http://127.0.0.1:9091",
            &[("pipeline", "team/a b"), ("api", "github")],
        ));
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:9091/metrics/job@base64/dGVycmFmb3Jt/pipeline@base64/dGVhbS9hIGI=/api@base64/Z2l0aHVi"
        );
    }

    #[test]
    fn a_base_path_is_kept() {
        let u = group_url(&settings("https://mon.example/push/", &[]));
        assert_eq!(
            u.as_str(),
            "https://mon.example/push/metrics/job@base64/dGVycmFmb3Jt"
        );
    }

    #[test]
    fn messages_name_the_origin_without_credentials() {
        let u = group_url(&settings("https://user:pw@mon.example:9443/x", &[]));
        assert_eq!(where_to(&u), "https://mon.example:9443");
    }

    proptest::proptest! {
        #[test]
        fn any_label_value_round_trips(value in ".{1,64}") {
            let u = group_url(&settings("http://127.0.0.1:9091", &[("api", &value)]));
            let last = u.path_segments().and_then(Iterator::last).unwrap_or_default().to_owned();
            let decoded = URL_SAFE.decode(last.as_bytes()).unwrap_or_default();
            proptest::prop_assert_eq!(decoded, value.as_bytes());
        }
    }
}
