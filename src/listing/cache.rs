//! Listings fetched once and shared: every object of a collection
//! refreshed in this provider process is served from one listing.
//! Concurrent readers of the same listing wait for the one fetch instead
//! of starting their own. Any write through the client empties the cache,
//! so nothing read after a change comes from before it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use parking_lot::Mutex;

use tokio::sync::OnceCell;

use super::Listing;

/// Distinct listings kept at once; more empties the cache (a configuration
/// with that many collections pays one more listing each, nothing worse).
const MAX_ENTRIES: usize = 256;

type Entry = Arc<OnceCell<Result<Arc<Listing>, String>>>;

/// The shared listings of one provider process.
#[derive(Debug, Default)]
pub struct Listings {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Listings {
    /// The listing under `key`, fetched by `fetch` if no one has yet. A
    /// failure is shared too: callers fall back to reading one by one.
    pub async fn get_or_fetch<F, Fut>(&self, key: String, fetch: F) -> Result<Arc<Listing>, String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Listing, String>>,
    {
        let cell = {
            let mut entries = self.entries.lock();
            if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
                entries.clear();
            }
            entries.entry(key).or_default().clone()
        };
        cell.get_or_init(|| async { fetch().await.map(Arc::new) })
            .await
            .clone()
    }

    /// Forgets every listing (after a write).
    pub fn invalidate(&self) {
        self.entries.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn listing(n: usize) -> Listing {
        Listing::new(vec![serde_json::json!({}); n], None, 1)
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_readers_share_one_fetch() {
        let cache = Arc::new(Listings::default());
        let fetches = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_fetch("GET /items".into(), || async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        Ok(listing(3))
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap().items.len(), 3);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        // After a write, the next reader fetches again.
        cache.invalidate();
        let again = cache
            .get_or_fetch("GET /items".into(), || async { Ok(listing(4)) })
            .await
            .unwrap();
        assert_eq!(again.items.len(), 4);
    }

    #[tokio::test]
    async fn failures_are_shared_and_keys_are_separate() {
        let cache = Listings::default();
        let failed = cache
            .get_or_fetch("a".into(), || async { Err("503".to_owned()) })
            .await;
        assert_eq!(failed.unwrap_err(), "503");
        let again = cache
            .get_or_fetch("a".into(), || async { Ok(listing(1)) })
            .await;
        assert!(again.is_err(), "one attempt per listing per process");
        let other = cache
            .get_or_fetch("b".into(), || async { Ok(listing(2)) })
            .await;
        assert_eq!(other.unwrap().items.len(), 2);
    }
}
