//! The follower: keeps this replica's derived state — the search index and the deal
//! network — in step with changes other replicas commit to a shared PostgreSQL store.
//!
//! Writes made here reach the index and the network before they are acknowledged
//! (`index_up_to`, `Network::add_deal`); writes made elsewhere arrive only through the store.
//! The follower applies every change after the last one it applied, in sequence order: the
//! businesses changed (re-indexed, their keys and provinces told to the network) and the
//! deals written (`Network::catch_up`). Sequences commit in order on both backends (see
//! `store`), so "after the last applied" never skips a change that committed late.
//!
//! It is woken by the store's commit notifications (`LISTEN`), and polls every 200 ms
//! whatever happens: a notification sent while its connection was down is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::Engine;
use crate::error::Result;

/// How long the follower sleeps when nothing wakes it.
pub const POLL: Duration = Duration::from_millis(200);

impl Engine {
    /// Applies every change other processes committed since the last call (or since the
    /// engine opened) to the index and the deal network. Returns the sequence now applied.
    /// Safe to call from any thread at any time; calls are serialised.
    pub fn follow(&self) -> Result<u64> {
        let mut followed = self.followed.lock().unwrap_or_else(|p| p.into_inner());
        let last = self.store.last_seq()?;
        if last <= *followed {
            return Ok(*followed);
        }
        let (ids, upto) = self.store.businesses_changed_since(*followed)?;
        if !ids.is_empty() {
            let mut learnt = Vec::new();
            for id in &ids {
                if let Some((key, b)) = self.store.get_business_keyed(id)?
                    && let Some(p) = self.reference.province(&b.province)
                {
                    learnt.push((b.id, key, p));
                }
            }
            let mut net = self.network_mut();
            for (id, key, p) in learnt {
                net.put_business(&id, key, p);
            }
        }
        self.index_up_to(upto)?;
        self.network_mut().catch_up(&self.reference, &self.store)?;
        *followed = upto;
        Ok(upto)
    }

    /// The change sequence this replica's searches reflect: every change up to it is in the
    /// search index.
    pub fn applied_seq(&self) -> u64 {
        self.index.seq()
    }
}

/// The follower's thread; stops (and is joined) when dropped.
pub struct Follower {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts following the store's changes, when another process can write to it (a shared
/// PostgreSQL store); `None` for SQLite, where this process is the only writer.
pub fn start(engine: Arc<Engine>) -> Result<Option<Follower>> {
    let Some(mut listener) = engine.store.listener() else {
        return Ok(None);
    };
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::Builder::new()
        .name("jalin-follower".into())
        .spawn(move || {
            let mut failing = false;
            while !stopping.load(Ordering::Relaxed) {
                listener.wait(POLL);
                match engine.follow() {
                    Ok(_) => failing = false,
                    Err(e) => {
                        // Logged once per outage; the next poll tries again.
                        if !failing {
                            tracing::warn!(error = %e, "following the store failed; retrying");
                        }
                        failing = true;
                    }
                }
            }
        })
        .map_err(|e| crate::error::Error::io("starting the follower", e))?;
    Ok(Some(Follower {
        stop,
        thread: Some(thread),
    }))
}
