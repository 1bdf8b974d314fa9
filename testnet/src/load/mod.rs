//! The load generator behind `scripts/bench` (binary `ltonode-loadgen`): keep-alive HTTP/1.1
//! clients that hammer the REST API and report one JSON line per run.
//!
//! - [`anchors`]: `GET /anchors/{hash}` on a RocksDB store of (by default) 1,000,000 anchors,
//!   served in process by a non-forging core.
//! - [`broadcast`]: `POST /transactions/broadcast` of pre-signed anchor transactions to an
//!   in-process core (verification off the core, admission through its mailbox).
//! - [`testnet`]: four real `ltonode` processes started by `scripts/testnet`, driven with
//!   pre-signed anchor transactions; a transaction counts once every node holds it in a block.
//!
//! Everything here reads the wall clock: it measures. Nothing runs inside the simulation.
#![allow(clippy::disallowed_methods)]

pub mod anchors;
pub mod broadcast;
pub mod http;
pub mod store;
pub mod testnet;

use hdrhistogram::Histogram;
use std::time::Duration;

/// Latencies in microseconds (HDR histogram, 3 significant digits).
pub struct Latencies(Histogram<u64>);

impl std::fmt::Debug for Latencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Latencies({} samples, p50 {} ms, p99 {} ms)",
            self.len(),
            self.quantile_ms(0.5),
            self.quantile_ms(0.99)
        )
    }
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies::new()
    }
}

impl Latencies {
    /// An empty histogram.
    pub fn new() -> Latencies {
        // 1 µs to 1 h; values outside are clamped.
        Latencies(
            Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("constant histogram bounds"),
        )
    }

    /// Records one latency.
    pub fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.0.saturating_record(us.max(1));
    }

    /// Adds `other`'s samples.
    pub fn merge(&mut self, other: &Latencies) {
        // Same bounds on both sides: cannot fail.
        let _ = self.0.add(&other.0);
    }

    /// Samples recorded.
    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// Whether no sample was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `q` quantile (0..=1) in milliseconds, rounded to µs; 0 when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        round3(self.0.value_at_quantile(q) as f64 / 1000.0)
    }
}

/// `x` rounded to three decimals (for the JSON lines).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Signs `n` transactions on all cores: `make(i)` builds and signs the `i`th.
pub fn sign_parallel<T: Send>(n: u64, make: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |p| p.get()) as u64;
    let chunk = n.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let make = &make;
        let parts: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (t * chunk..((t + 1) * chunk).min(n))
                        .map(make)
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().expect("a signing thread panicked"))
            .collect()
    })
}
