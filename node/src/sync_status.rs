//! What a syncing node reports about its progress: the phase, how far it is, the rate and the
//! time left, for `GET /node/status` and the logs. Written by the peer-to-peer sync task,
//! read by the REST API, through [`SharedSyncStatus`] (not the chain core's concern).

use serde_json::{Value, json};
use std::time::Instant;

/// The progress of a fast sync under way, shared between the sync task and the REST API
/// (held only to copy or update it).
pub type SharedSyncStatus = std::sync::Arc<std::sync::Mutex<Option<SyncStatus>>>;

/// A step of a sync, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncPhase {
    /// Fetching key-block headers (with their micro-block ids) from genesis to `B + 1`.
    Headers,
    /// Fetching the summaries `1..=k`.
    Summaries,
    /// Checking signatures and linkage, adding up the summaries and writing the state at B.
    Applying,
    /// Fetching and applying the full blocks after B (or, for a node that replays
    /// everything, after its tip).
    Blocks,
}

impl SyncPhase {
    /// The name used in logs and JSON.
    pub fn name(self) -> &'static str {
        match self {
            SyncPhase::Headers => "headers",
            SyncPhase::Summaries => "summaries",
            SyncPhase::Applying => "applying",
            SyncPhase::Blocks => "blocks",
        }
    }
}

/// Progress of a fast sync.
#[derive(Clone, Debug)]
pub struct SyncStatus {
    /// The current phase.
    pub phase: SyncPhase,
    /// Items of the phase done (headers, summaries, blocks).
    pub done: u64,
    /// Items of the phase in all.
    pub total: u64,
    /// The summary boundary B the state is built at.
    pub boundary: u32,
    /// The height of the peer synced from, when the sync started.
    pub target_height: u32,
    /// A fast sync (all four phases), or an ordinary block download (blocks only).
    pub fast: bool,
    started: Instant,
    phase_started: Instant,
}

impl SyncStatus {
    /// A fast sync to boundary `boundary` of a peer at `target_height` starts.
    pub fn start(boundary: u32, target_height: u32, headers: u64, now: Instant) -> SyncStatus {
        SyncStatus {
            phase: SyncPhase::Headers,
            done: 0,
            total: headers,
            boundary,
            target_height,
            fast: true,
            started: now,
            phase_started: now,
        }
    }

    /// An ordinary block download from `from` (this node's height) to a peer at
    /// `target_height` starts: the blocks phase only.
    pub fn blocks(from: u32, target_height: u32, now: Instant) -> SyncStatus {
        SyncStatus {
            phase: SyncPhase::Blocks,
            done: 0,
            total: u64::from(target_height.saturating_sub(from)),
            boundary: from,
            target_height,
            fast: false,
            started: now,
            phase_started: now,
        }
    }

    /// Moves to `phase`, with `total` items to do.
    pub fn enter(&mut self, phase: SyncPhase, total: u64, now: Instant) {
        self.phase = phase;
        self.done = 0;
        self.total = total;
        self.phase_started = now;
    }

    /// Items per second in the current phase so far.
    pub fn rate(&self, now: Instant) -> f64 {
        let secs = now.duration_since(self.phase_started).as_secs_f64();
        if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        }
    }

    /// Seconds left in the current phase at its rate so far (`None` before any progress).
    pub fn eta_secs(&self, now: Instant) -> Option<u64> {
        let rate = self.rate(now);
        (rate > 0.0).then(|| (self.total.saturating_sub(self.done) as f64 / rate).ceil() as u64)
    }

    /// How far the whole sync is, 0 to 1: the phases in order (headers, summaries, applying,
    /// blocks) share the range equally, each filled by its done/total.
    pub fn progress(&self) -> f64 {
        let index = match self.phase {
            SyncPhase::Headers => 0.0,
            SyncPhase::Summaries => 1.0,
            SyncPhase::Applying => 2.0,
            SyncPhase::Blocks => 3.0,
        };
        let within = if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0)
        };
        if self.fast {
            (index + within) / 4.0
        } else {
            within
        }
    }

    /// Seconds since the sync started.
    pub fn elapsed_secs(&self, now: Instant) -> u64 {
        now.duration_since(self.started).as_secs()
    }

    /// The JSON `GET /node/status` shows under `sync`.
    pub fn to_json(&self, now: Instant) -> Value {
        json!({
            "mode": "fast",
            "phase": self.phase.name(),
            "done": self.done,
            "total": self.total,
            "boundary": self.boundary,
            "targetHeight": self.target_height,
            "ratePerSecond": (self.rate(now) * 10.0).round() / 10.0,
            "etaSeconds": self.eta_secs(now),
            "elapsedSeconds": self.elapsed_secs(now),
        })
    }

    /// Logs the progress (at info level).
    pub fn log(&self, now: Instant) {
        tracing::info!(
            phase = self.phase.name(),
            done = self.done,
            total = self.total,
            rate = format!("{:.0}/s", self.rate(now)),
            eta_secs = self.eta_secs(now),
            elapsed_secs = self.elapsed_secs(now),
            "fast sync progress"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn progress_covers_fast_sync_phases_and_plain_block_downloads() {
        let t0 = Instant::now();
        let mut fast = SyncStatus::start(800, 1000, 801, t0);
        assert_eq!(fast.progress(), 0.0);
        fast.done = 801;
        assert_eq!(fast.progress(), 0.25);
        fast.enter(SyncPhase::Blocks, 200, t0);
        fast.done = 100;
        assert_eq!(fast.progress(), 0.875);
        let mut plain = SyncStatus::blocks(100, 400, t0);
        assert_eq!(
            (plain.phase, plain.total, plain.fast),
            (SyncPhase::Blocks, 300, false)
        );
        plain.done = 150;
        assert_eq!(plain.progress(), 0.5);
        assert_eq!(plain.to_json(t0)["phase"], "blocks");
    }

    #[test]
    fn eta_follows_the_rate_of_the_phase() {
        let t0 = Instant::now();
        let mut s = SyncStatus::start(1440, 2000, 1441, t0);
        assert_eq!(s.eta_secs(t0 + Duration::from_secs(1)), None);
        s.done = 400;
        // 400 in 2 s: 200/s, 1041 left: 6 s.
        assert_eq!(s.eta_secs(t0 + Duration::from_secs(2)), Some(6));
        s.enter(SyncPhase::Summaries, 1, t0 + Duration::from_secs(3));
        assert_eq!(s.done, 0);
        let j = s.to_json(t0 + Duration::from_secs(4));
        assert_eq!(j["phase"], "summaries");
        assert_eq!(j["total"], 1);
        assert_eq!(j["elapsedSeconds"], 4);
        assert!(j["etaSeconds"].is_null());
    }
}
