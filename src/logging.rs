//! Logs to stderr in go-hclog's JSON shape (`@level`, `@message`,
//! `@timestamp`, `@module`), which go-plugin re-logs at the line's own level,
//! so `TF_LOG=debug` shows our debug lines and `TF_LOG=info` hides them.
//! stdout is never written: it carries the handshake.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber, span};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The level from Terraform's variables, most specific first:
/// `TF_LOG_PROVIDER_DRIVER`, `TF_LOG_PROVIDER`, `TF_LOG`. Warnings and
/// errors are always written.
pub fn level_from_env(get: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let raw = ["TF_LOG_PROVIDER_DRIVER", "TF_LOG_PROVIDER", "TF_LOG"]
        .into_iter()
        .find_map(|k| get(k).filter(|v| !v.is_empty()));
    match raw.map(|v| v.to_ascii_uppercase()).as_deref() {
        Some("TRACE" | "JSON") => LevelFilter::TRACE,
        Some("DEBUG") => LevelFilter::DEBUG,
        Some("INFO") => LevelFilter::INFO,
        Some("ERROR") => LevelFilter::ERROR,
        Some("OFF") => LevelFilter::OFF,
        _ => LevelFilter::WARN,
    }
}

/// Installs the stderr logger for the process. Our own events follow the
/// level asked for; the libraries' (hyper, h2, rustls) stay at warnings, or
/// a debug log drowns in HTTP/2 frames.
pub fn init() {
    let level = level_from_env(|k| std::env::var(k).ok());
    let filter = Targets::new()
        .with_target("driver", level)
        .with_default(LevelFilter::WARN.min(level));
    let subscriber = tracing_subscriber::registry().with(HclogLayer.with_filter(filter));
    // Only fails if a logger is already installed, which is harmless.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Writes each event as one hclog JSON line.
struct HclogLayer;

/// Span fields, kept in the span's extensions and added to each event.
struct SpanFields(Map<String, Json>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for HclogLayer {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut v = JsonVisitor::default();
        attrs.record(&mut v);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(v.0));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut line = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(f) = span.extensions().get::<SpanFields>() {
                    line.extend(f.0.clone());
                }
            }
        }
        let mut v = JsonVisitor::default();
        event.record(&mut v);
        let message = v.0.remove("message").unwrap_or(Json::String(String::new()));
        line.extend(v.0);
        line.insert("@level".into(), level_name(event.metadata().level()).into());
        line.insert("@message".into(), message);
        line.insert("@module".into(), "provider.driver".into());
        line.insert(
            "@timestamp".into(),
            rfc3339_micros(SystemTime::now()).into(),
        );
        let mut text = Json::Object(line).to_string();
        text.push('\n');
        // One write per line keeps concurrent lines whole.
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

fn level_name(l: &Level) -> &'static str {
    match *l {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

#[derive(Default)]
struct JsonVisitor(Map<String, Json>);

impl Visit for JsonVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
}

/// `2006-01-02T15:04:05.000000Z`, the layout go-plugin parses.
pub(crate) fn rfc3339_micros(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn most_specific_variable_wins() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(level_from_env(env(&[])), LevelFilter::WARN);
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "debug")])),
            LevelFilter::DEBUG
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "info")])),
            LevelFilter::INFO
        );
        assert_eq!(
            level_from_env(env(&[
                ("TF_LOG", "json"),
                ("TF_LOG_PROVIDER_DRIVER", "off")
            ])),
            LevelFilter::OFF
        );
    }

    #[test]
    fn timestamps_use_go_plugin_layout() {
        let t = UNIX_EPOCH + Duration::from_micros(1_764_072_000_123_456);
        assert_eq!(rfc3339_micros(t), "2025-11-25T12:00:00.123456Z");
        assert_eq!(
            rfc3339_micros(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000000Z"
        );
    }
}
