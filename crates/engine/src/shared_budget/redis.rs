//! The shared budget in Redis: GCRA (the generic cell rate algorithm of
//! redis-cell and its Lua ports) in one Lua script, so each reservation is
//! one atomic round trip. The script reserves rather than refuses: every
//! caller gets the next free slot and waits for it, so the processes
//! sharing a budget are spaced exactly at its rate, in the order they
//! asked.
//!
//! Keys, all under the budget's key `K`: `K` holds the theoretical arrival
//! time (microseconds, Redis's clock), `K:pause` a shared pause end (a
//! `Retry-After`), `K:rate` a slowed-down rate after a throttle, kept for
//! [`SLOWDOWN_HOLD`]. Every key expires on its own; nothing needs cleaning.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::sync::Mutex;

use super::SharedBudget;
use drivers::Sensitive;

/// How long a Redis call may take before the store counts as unavailable.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// After a failure, calls fail at once for this long instead of each
/// waiting for a dead store.
const COOL_DOWN: Duration = Duration::from_secs(1);
/// How long a slowed-down shared rate holds after a throttle.
pub const SLOWDOWN_HOLD: Duration = Duration::from_secs(30);
/// The shared rate after a throttle, as a share of the rate before.
const SLOWDOWN: f64 = 0.7;

const SCRIPT: &str = r"
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slowed = tonumber(redis.call('GET', key .. ':rate'))
if slowed and slowed < rate then rate = slowed end
if ARGV[3] == 'throttled' then
  local pause = tonumber(ARGV[4]) * 1000
  if pause > 0 then
    local ends = now + pause
    local current = tonumber(redis.call('GET', key .. ':pause')) or 0
    if ends > current then
      redis.call('SET', key .. ':pause', ends, 'PX', math.ceil(pause / 1000) + 1000)
    end
  end
  local last = tonumber(redis.call('GET', key .. ':slowed_at')) or 0
  if now - last >= 1000000 then
    local new_rate = math.max(rate * tonumber(ARGV[5]), 0.1)
    redis.call('SET', key .. ':rate', tostring(new_rate), 'PX', tonumber(ARGV[6]))
    redis.call('SET', key .. ':slowed_at', now, 'PX', tonumber(ARGV[6]))
  end
  return 0
end
local interval = 1000000 / rate
local tolerance = (burst - 1) * interval
local tat = tonumber(redis.call('GET', key)) or now
local go = math.max(now, tat - tolerance)
local pause = tonumber(redis.call('GET', key .. ':pause')) or 0
if pause > go then go = pause end
local new_tat = math.max(tat, go) + interval
redis.call('SET', key, string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return math.floor(go - now)
";

/// A budget of `rate` requests per second (bursts of `burst`) at `key` in
/// the Redis at `url`.
pub struct RedisBudget {
    client: redis::Client,
    /// Where, without credentials.
    place: String,
    key: String,
    rate: f64,
    burst: u32,
    script: redis::Script,
    conn: Mutex<Connection>,
}

#[derive(Default)]
struct Connection {
    live: Option<MultiplexedConnection>,
    failed_at: Option<(tokio::time::Instant, String)>,
}

impl std::fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBudget")
            .field("place", &self.place)
            .field("key", &self.key)
            .field("rate", &self.rate)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

impl RedisBudget {
    /// A budget; the URL is checked here, the connection made on first use.
    pub fn new(url: &Sensitive, key: &str, rate: f64, burst: u32) -> Result<Self, String> {
        let parsed = url::Url::parse(url.0.as_str()).map_err(|e| format!("not a URL: {e}"))?;
        let place = format!(
            "{}://{}:{}{} key {key:?}",
            parsed.scheme(),
            parsed.host_str().unwrap_or_default(),
            parsed.port().unwrap_or(6379),
            parsed.path()
        );
        let client = redis::Client::open(url.0.as_str())
            .map_err(|e| format!("not a Redis URL: {}", without(&e.to_string(), url)))?;
        Ok(RedisBudget {
            client,
            place,
            key: key.to_owned(),
            rate,
            burst: burst.max(1),
            script: redis::Script::new(SCRIPT),
            conn: Mutex::new(Connection::default()),
        })
    }

    async fn call(&self, op: &str, pause_ms: u64) -> Result<i64, String> {
        let mut conn = self.conn.lock().await;
        if let Some((at, why)) = &conn.failed_at
            && at.elapsed() < COOL_DOWN
        {
            return Err(why.clone());
        }
        let mut live = match conn.live.clone() {
            Some(c) => c,
            None => {
                let connect = self.client.get_multiplexed_async_connection();
                match tokio::time::timeout(CALL_TIMEOUT, connect).await {
                    Ok(Ok(c)) => {
                        conn.live = Some(c.clone());
                        c
                    }
                    Ok(Err(e)) => return Err(conn.fail(format!("cannot connect: {e}"))),
                    Err(_) => return Err(conn.fail("no connection within 2 s".into())),
                }
            }
        };
        // Calls go out concurrently on the multiplexed connection.
        drop(conn);
        let mut invocation = self.script.key(&self.key);
        invocation
            .arg(self.rate)
            .arg(self.burst)
            .arg(op)
            .arg(pause_ms)
            .arg(SLOWDOWN)
            .arg(u64::try_from(SLOWDOWN_HOLD.as_millis()).unwrap_or(30_000));
        let result =
            tokio::time::timeout(CALL_TIMEOUT, invocation.invoke_async::<i64>(&mut live)).await;
        match result {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.conn.lock().await.fail(format!("{e}"))),
            Err(_) => Err(self.conn.lock().await.fail("no answer within 2 s".into())),
        }
    }
}

impl Connection {
    /// Forgets the connection (the next call reconnects) and remembers why.
    fn fail(&mut self, why: String) -> String {
        self.live = None;
        self.failed_at = Some((tokio::time::Instant::now(), why.clone()));
        why
    }
}

/// `text` without the URL's password, in case an error quotes it.
fn without(text: &str, url: &Sensitive) -> String {
    match url::Url::parse(url.0.as_str())
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
    {
        Some(p) if !p.is_empty() => text.replace(&p, "***"),
        _ => text.to_owned(),
    }
}

#[async_trait::async_trait]
impl SharedBudget for RedisBudget {
    async fn reserve(&self) -> Result<Duration, String> {
        let micros = self.call("reserve", 0).await?;
        Ok(Duration::from_micros(u64::try_from(micros).unwrap_or(0)))
    }

    async fn throttled(&self, pause: Option<Duration>) -> Result<(), String> {
        let ms = pause.map_or(0, |p| u64::try_from(p.as_millis()).unwrap_or(u64::MAX));
        self.call("throttled", ms).await.map(|_| ())
    }

    fn describe(&self) -> String {
        self.place.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_never_shows_the_password() {
        let url = Sensitive("redis://runner:s3cret-pw@127.0.0.1:6380/2".into());
        let b = RedisBudget::new(&url, "github", 10.0, 1).unwrap();
        assert_eq!(b.describe(), "redis://127.0.0.1:6380/2 key \"github\"");
        assert!(!format!("{b:?}").contains("s3cret"));
        assert_eq!(
            without("auth failed for s3cret-pw", &url),
            "auth failed for ***"
        );
    }

    #[test]
    fn bad_urls_are_refused_without_their_secrets() {
        for bad in ["not a url", "http://127.0.0.1:6379"] {
            let e = RedisBudget::new(&Sensitive(bad.into()), "k", 1.0, 1).unwrap_err();
            assert!(!e.is_empty(), "{bad}");
        }
    }

    #[tokio::test]
    async fn an_unreachable_store_fails_fast_and_says_why() {
        // Nothing listens on port 1.
        let b = RedisBudget::new(&Sensitive("redis://127.0.0.1:1/0".into()), "k", 5.0, 1).unwrap();
        let first = b.reserve().await.unwrap_err();
        assert!(first.contains("connect"), "{first}");
        // Within the cool-down, the same answer without trying again.
        assert_eq!(b.reserve().await.unwrap_err(), first);
    }
}
