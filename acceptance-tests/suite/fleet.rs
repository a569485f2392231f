//! Many runs, one API: provider processes sharing one rate budget in a real
//! Redis (`redis-server` from Debian), and pushing their metrics to a real
//! Prometheus Pushgateway (`prometheus-pushgateway`), both on loopback.

use std::process::Command;
use std::time::{Duration, Instant};

use demo_api::{Faults, Running};

use crate::engine::{apply, assert_exactly_once, state_count};
use crate::harness::Workdir;
use crate::harness::servers::{Server, debian_binary, free_port, http};

/// The Redis password: it must appear nowhere but in the configuration.
const PASSWORD: &str = "fleet-s3cret-pw";

fn redis_on(port: u16) -> Option<Server> {
    let bin = debian_binary("redis-server", &["redis-server"])?;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin);
    cmd.args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no"])
        .args(["--requirepass", PASSWORD])
        .arg("--dir")
        .arg(dir.path());
    Some(Server::start_tcp(cmd, port, dir))
}

fn pushgateway() -> Option<Server> {
    let bin = debian_binary("prometheus-pushgateway", &["prometheus-pushgateway"])?;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new(bin);
    // Debian's build persists to one file under /var/lib by default: each
    // test's gateway keeps its own.
    cmd.arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!(
            "--persistence.file={}",
            dir.path().join("pushgateway.data").display()
        ));
    Some(Server::start(cmd, port, "/-/ready", dir))
}

/// `n` objects in /items numbered from `first`, under a provider sharing
/// the budget `key` of `rps` in the Redis on `redis_port`.
fn run(api: &Running, redis_port: u16, shared_extra: &str, first: usize, n: usize) -> Workdir {
    Workdir::new(&format!(
        r#"
provider "driver" {{
  endpoint  = "{api}"
  audit_log = "audit.jsonl"
  rate_limit {{
    requests_per_second = 40
    burst               = 10
    shared {{
      redis_url = "redis://:{PASSWORD}@127.0.0.1:{redis_port}/2"
      key       = "demo-api"
      {shared_extra}
    }}
  }}
{{extra}}
}}

resource "driver_http_object" "item" {{
  count = {n}
  path  = "/items"
  body  = {{ n = count.index + {first} }}
}}
"#,
        api = api.url()
    ))
}

fn with_push(wd: &Workdir, pushgateway: &Server, instance: usize) {
    let main = wd.path().join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap().replace(
        "{extra}",
        &format!(
            "  metrics_push {{\n    url      = \"{}\"\n    grouping = {{ instance = \"run-{instance}\", api = \"demo\" }}\n  }}",
            pushgateway.url
        ),
    );
    std::fs::write(main, text).unwrap();
}

fn without_extra(wd: &Workdir) {
    let main = wd.path().join("main.tf");
    let text = std::fs::read_to_string(&main)
        .unwrap()
        .replace("{extra}", "");
    std::fs::write(main, text).unwrap();
}

/// Nothing in the run's files holds the Redis password.
fn assert_no_password(wd: &Workdir) {
    for file in ["terraform.tfstate", "audit.jsonl"] {
        let text = std::fs::read_to_string(wd.path().join(file)).unwrap_or_default();
        assert!(!text.contains(PASSWORD), "the Redis password is in {file}");
    }
}

#[test]
fn four_runs_share_one_budget_without_429s_and_push_their_metrics() {
    let Some(_redis) = redis_on(free_port()) else {
        return;
    };
    let redis_port: u16 = _redis.url.rsplit(':').next().unwrap().parse().unwrap();
    let Some(gateway) = pushgateway() else {
        return;
    };
    // R = 40 requests per second for everyone together; each run alone is
    // allowed 40 too, so only the shared budget keeps four of them under it.
    let api = Running::start();
    api.set_faults(Faults {
        rate_limit: Some((40.0, 40.0)),
        ..Default::default()
    });
    let runs: Vec<Workdir> = (0..4)
        .map(|i| {
            let wd = run(&api, redis_port, "", i * 100, 100);
            with_push(&wd, &gateway, i);
            wd
        })
        .collect();
    let started = Instant::now();
    std::thread::scope(|s| {
        let applies: Vec<_> = runs.iter().map(|wd| s.spawn(|| apply(wd, 20))).collect();
        for a in applies {
            a.join().unwrap().expect_code(0);
        }
    });
    let took = started.elapsed();
    let c = api.counters();
    assert_eq!(c.throttled, 0, "429s with a shared budget: {c:?}");
    assert_exactly_once(&api, 400);
    for wd in &runs {
        assert_eq!(state_count(wd, &api), 100);
        assert_no_password(wd);
    }
    eprintln!(
        "four runs sharing 40 rps: {} requests in {:.1} s, {:.1} requests/s together, {} 429s",
        c.total(),
        took.as_secs_f64(),
        c.total() as f64 / took.as_secs_f64(),
        c.throttled
    );

    // Each run pushed its series under its own group.
    let (status, exposed) = http("GET", &format!("{}/metrics", gateway.url), &[], None);
    assert_eq!(status, 200);
    let mut created = 0.0;
    for i in 0..4 {
        let series: Vec<&str> = exposed
            .lines()
            .filter(|l| l.starts_with("driver_requests_total{"))
            .filter(|l| l.contains(&format!("instance=\"run-{i}\"")))
            .filter(|l| l.contains("api=\"demo\"") && l.contains("job=\"terraform\""))
            .collect();
        assert!(!series.is_empty(), "no series of run-{i}:\n{exposed}");
        created += series
            .iter()
            .filter(|l| l.contains("method=\"POST\"") && l.contains("status=\"201\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>();
    }
    assert_eq!(created, 400.0, "creates pushed by the four runs");
    assert!(
        exposed.contains("# TYPE driver_requests_total counter"),
        "counters keep their type"
    );
    assert!(!exposed.contains(PASSWORD));
}

/// One run of 60 objects at 10 requests/s; Redis stops once some exist.
fn apply_while_redis_stops(
    on_unavailable: &str,
) -> Option<(Running, Workdir, crate::harness::Run, u16)> {
    let port = free_port();
    let mut redis = redis_on(port)?;
    let api = Running::start();
    let wd = run(&api, port, on_unavailable, 0, 60);
    without_extra(&wd);
    // Ten per second shared: the run lasts seconds, Redis dies within it.
    let main = wd.path().join("main.tf");
    let text = std::fs::read_to_string(&main)
        .unwrap()
        .replace("requests_per_second = 40", "requests_per_second = 10")
        .replace("burst               = 10", "burst               = 1");
    std::fs::write(&main, text).unwrap();
    let result = std::thread::scope(|s| {
        let applying = s.spawn(|| apply(&wd, 10));
        let deadline = Instant::now() + Duration::from_secs(60);
        while api.counters().created < 10 && Instant::now() < deadline && !applying.is_finished() {
            std::thread::sleep(Duration::from_millis(20));
        }
        redis.stop();
        applying.join().unwrap()
    });
    Some((api, wd, result, port))
}

#[test]
fn redis_down_fails_closed_by_default_and_a_rerun_completes_exactly_once() {
    let Some((api, wd, result, port)) = apply_while_redis_stops("") else {
        return;
    };
    let out = format!("{}{}", result.stdout, result.stderr_flat());
    assert_eq!(result.code(), 1, "{out}");
    assert!(
        out.contains("shared rate budget")
            && out.contains("127.0.0.1")
            && out.contains("Nothing was sent"),
        "the error names the budget and says nothing was sent: {out}"
    );
    assert!(!out.contains("panicked"), "{out}");
    assert!(!out.contains(PASSWORD), "{out}");
    // Nothing lost: every object the API holds is in state.
    let made = api.list("/items").len();
    assert!(made < 60, "Redis stopped before the end: {made} objects");
    assert_eq!(state_count(&wd, &api), made);

    // Redis back: the next apply finishes the job, exactly once.
    let _redis = redis_on(port).unwrap();
    apply(&wd, 10).expect_code(0);
    assert_exactly_once(&api, 60);
    assert_eq!(state_count(&wd, &api), 60);
    assert_no_password(&wd);
}

#[test]
fn redis_down_with_local_fallback_warns_and_completes() {
    let Some((api, wd, result, _)) = apply_while_redis_stops("on_unavailable = \"local\"") else {
        return;
    };
    let out = format!("{}{}", result.stdout, result.stderr_flat());
    assert_eq!(result.code(), 0, "{out}");
    assert!(
        out.contains("The shared rate budget was unavailable"),
        "a warning says so: {out}"
    );
    assert!(!out.contains(PASSWORD), "{out}");
    assert_exactly_once(&api, 60);
    assert_eq!(state_count(&wd, &api), 60);
}
