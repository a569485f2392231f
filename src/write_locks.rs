//! Writes an API refuses to run at once are ordered here. Azure answers
//! `409 AnotherOperationInProgress` to two writes under one parent (routes
//! of one route table); many APIs lock a parent the same way. A
//! resource's `write_lock` names a key its creates, updates and deletes
//! share, and one write per key runs at a time in this provider process:
//! one run of one provider configuration (an aliased provider is another
//! process, with locks of its own).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio_util::sync::CancellationToken;

/// The keys being written, each with its lock.
#[derive(Debug, Default)]
pub struct WriteLocks {
    keys: parking_lot::Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl WriteLocks {
    /// Waits until no other write holds `key`, then holds it until the
    /// guard is dropped; `None` when Terraform asked the provider to stop,
    /// or `limit` passed, first.
    pub async fn hold(
        &self,
        key: &str,
        stop: &CancellationToken,
        limit: Option<std::time::Duration>,
    ) -> Option<OwnedMutexGuard<()>> {
        let lock = {
            let mut keys = self.keys.lock();
            // Keys no write holds or waits for are forgotten, so the map
            // holds only what is in use.
            keys.retain(|_, l| Arc::strong_count(l) > 1);
            keys.entry(key.to_owned()).or_default().clone()
        };
        let expired = async {
            match limit {
                Some(l) => tokio::time::sleep(l).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            guard = lock.lock_owned() => Some(guard),
            () = stop.cancelled() => None,
            () = expired => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn one_write_per_key_at_a_time_and_other_keys_run() {
        let locks = Arc::new(WriteLocks::default());
        let stop = CancellationToken::new();
        let (inside, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut tasks = Vec::new();
        for i in 0..6 {
            let (locks, stop, inside, most) =
                (locks.clone(), stop.clone(), inside.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                let key = if i % 2 == 0 { "/tables/a" } else { "/tables/b" };
                let _guard = locks.hold(key, &stop, None).await.unwrap();
                if key == "/tables/a" {
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        assert!(
            locks
                .keys
                .lock()
                .values()
                .all(|l| Arc::strong_count(l) == 1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_or_the_limit_ends_the_wait() {
        let locks = WriteLocks::default();
        let stop = CancellationToken::new();
        let _held = locks.hold("k", &stop, None).await.unwrap();
        let limit = Some(std::time::Duration::from_secs(60));
        assert!(
            locks.hold("k", &stop, limit).await.is_none(),
            "the limit passed"
        );
        stop.cancel();
        assert!(locks.hold("k", &stop, None).await.is_none());
    }
}
