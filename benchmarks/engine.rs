//! Engine micro-benchmarks (criterion): the value codec, drift comparison of
//! a 1 MiB body, and a rate-limiter acquire. `cargo bench --bench engine`.

// Test code: a failed unwrap or index is a failed test, which is what it
// should be.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use criterion::{Criterion, criterion_group, criterion_main};
use driver::Type;
use driver::drift::{DriftRules, reconcile};
use driver::json::from_json;
use engine::rate_limit::{Limiter, RateLimitConfig};
use protocol::codec::{decode_msgpack, encode_msgpack};
use serde_json::{Value as Json, json};

/// A little over 1 MiB of compact JSON: 8,000 objects of ~144 bytes.
fn big_body() -> Json {
    let items: Vec<Json> = (0..8000)
        .map(|i| json!({"id": format!("item-{i}"), "enabled": i % 2 == 0, "weight": i as f64 / 3.0,
                        "tags": ["alpha", "beta", "gamma"], "owner": {"team": "platform", "oncall": "sre-rotation-a"}}))
        .collect();
    json!({"name": "catalog", "items": items})
}

fn codec(c: &mut Criterion) {
    let body = from_json(&big_body());
    let bytes = encode_msgpack(&body, &Type::Dynamic);
    eprintln!("codec input: {} bytes of msgpack", bytes.len());
    c.bench_function("codec/encode_1mib_dynamic", |b| {
        b.iter(|| encode_msgpack(&body, &Type::Dynamic))
    });
    c.bench_function("codec/decode_1mib_dynamic", |b| {
        b.iter(|| decode_msgpack(&bytes, &Type::Dynamic).unwrap())
    });
}

fn drift(c: &mut Criterion) {
    let json = big_body();
    assert!(
        json.to_string().len() > 1 << 20,
        "the body is at least 1 MiB"
    );
    let prior = from_json(&json);
    let rules = DriftRules::default();
    c.bench_function("drift/reconcile_1mib_no_drift", |b| {
        b.iter(|| reconcile(&prior, &json, &rules))
    });
    let keyed = DriftRules {
        unordered: [("/items".to_owned(), "id".to_owned())].into(),
        ..Default::default()
    };
    c.bench_function("drift/reconcile_1mib_unordered_by_key", |b| {
        b.iter(|| reconcile(&prior, &json, &keyed))
    });
}

fn limiter(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let unlimited = Limiter::new(&RateLimitConfig {
        burst: 1,
        ..Default::default()
    });
    c.bench_function("limiter/acquire_unlimited", |b| {
        b.to_async(&rt).iter(|| unlimited.acquire())
    });
    // A rate too high to ever wait: the cost of the bucket itself.
    let bucket = Limiter::new(&RateLimitConfig {
        requests_per_second: Some(1e12),
        burst: 1_000_000,
        ..Default::default()
    });
    c.bench_function("limiter/acquire_token_bucket", |b| {
        b.to_async(&rt).iter(|| bucket.acquire())
    });
}

criterion_group!(benches, codec, drift, limiter);
criterion_main!(benches);
