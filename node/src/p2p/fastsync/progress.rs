//! The fast sync's progress, kept in the shared [`SyncStatus`] (`GET /node/status`) and
//! logged every [`LOG_EVERY`].

use crate::p2p::bridge::Bridge;
use crate::p2p::error::P2pError;
use crate::sync_status::{SyncPhase, SyncStatus};
use ltonode_ledger::Store;
use std::time::{Duration, Instant};

/// How often progress is logged.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// Sets (or clears) the fast-sync status.
pub(super) fn set_status<S: Store>(
    shared: &Bridge<S>,
    status: Option<SyncStatus>,
) -> Result<(), P2pError> {
    shared.with_status(|s| *s = status);
    Ok(())
}

/// Updates the status's count and logs it every [`LOG_EVERY`].
pub(super) fn progress<S: Store>(
    shared: &Bridge<S>,
    done: u64,
    last_log: &mut Instant,
) -> Result<(), P2pError> {
    shared.with_status(|status| {
        if let Some(s) = status.as_mut() {
            s.done = done;
            let now = Instant::now();
            if now.duration_since(*last_log) >= LOG_EVERY {
                s.log(now);
                *last_log = now;
            }
        }
    });
    Ok(())
}

/// Enters `phase` with `total` items to do, and logs it.
pub(super) fn enter<S: Store>(
    shared: &Bridge<S>,
    phase: SyncPhase,
    total: u64,
) -> Result<(), P2pError> {
    shared.with_status(|status| {
        if let Some(s) = status.as_mut() {
            s.enter(phase, total, Instant::now());
            s.log(Instant::now());
        }
    });
    Ok(())
}
