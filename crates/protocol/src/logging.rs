//! Logs to stderr in go-hclog's JSON shape (`@level`, `@message`,
//! `@timestamp`, `@module`), which go-plugin re-logs at the line's own level,
//! so `TF_LOG=debug` shows our debug lines and `TF_LOG=info` hides them.
//! stdout is never written: it carries the handshake.

use std::io::Write;
use std::time::SystemTime;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber, span};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The level from Terraform's variables, most specific first:
/// `TF_LOG_PROVIDER_<NAME>` (the provider's local name in upper case),
/// `TF_LOG_PROVIDER`, `TF_LOG`. Warnings and errors are always written.
pub fn level_from_env(name: &str, get: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let own = format!("TF_LOG_PROVIDER_{}", name.to_ascii_uppercase());
    let raw = [own.as_str(), "TF_LOG_PROVIDER", "TF_LOG"]
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

/// Installs the stderr logger for the process of the provider called
/// `name`. Events of the crates in `targets` (the provider's own) follow
/// the level asked for; the libraries' (hyper, h2, rustls) stay at
/// warnings, or a debug log drowns in HTTP/2 frames.
pub fn init(name: &str, targets: &[&str]) {
    let level = level_from_env(name, |k| std::env::var(k).ok());
    let filter = targets
        .iter()
        .fold(Targets::new(), |t, target| t.with_target(*target, level))
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
            // `2006-01-02T15:04:05.000000Z`, the layout go-plugin parses.
            humantime::format_rfc3339_micros(SystemTime::now())
                .to_string()
                .into(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(level_from_env("driver", env(&[])), LevelFilter::WARN);
        assert_eq!(
            level_from_env("driver", env(&[("TF_LOG", "debug")])),
            LevelFilter::DEBUG
        );
        assert_eq!(
            level_from_env(
                "driver",
                env(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "info")])
            ),
            LevelFilter::INFO
        );
        assert_eq!(
            level_from_env(
                "driver",
                env(&[("TF_LOG", "json"), ("TF_LOG_PROVIDER_DRIVER", "off")])
            ),
            LevelFilter::OFF
        );
    }

    #[test]
    fn timestamps_use_go_plugin_layout() {
        use std::time::{Duration, UNIX_EPOCH};
        let t = UNIX_EPOCH + Duration::from_micros(1_764_072_000_123_456);
        assert_eq!(
            humantime::format_rfc3339_micros(t).to_string(),
            "2025-11-25T12:00:00.123456Z"
        );
    }
}
