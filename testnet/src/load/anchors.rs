//! `GET /anchors/{hash}` on a store of many anchors: `connections` keep-alive clients, each
//! asking for pseudo-random anchors of the store back to back until the time is up.

use super::Latencies;
use super::http::Conn;
use super::store::{AnchorShape, build_anchor_store, serve_core};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct AnchorsSettings {
    /// How long the clients ask.
    pub seconds: f64,
    /// Keep-alive connections, one client task each.
    pub connections: usize,
    /// Anchors in the store (rounded up to whole blocks of 100,000).
    pub anchors: u64,
}

/// What a run measured.
#[derive(Debug)]
pub struct AnchorsReport {
    /// Anchors in the store.
    pub anchors: u64,
    /// Seconds it took to build the store.
    pub build_seconds: f64,
    /// Keep-alive connections.
    pub connections: usize,
    /// Seconds from the first request to the last answer.
    pub seconds: f64,
    /// Requests answered 200 (the anchor found).
    pub requests: u64,
    /// Requests answered otherwise.
    pub errors: u64,
    /// Latency of the 200 answers.
    pub latencies: Latencies,
}

impl AnchorsReport {
    /// Answered requests per second.
    pub fn req_per_s(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }

    /// The JSON line of `scripts/bench anchors`.
    pub fn to_json(&self) -> Value {
        json!({
            "mode": "anchors",
            "req_per_s": self.req_per_s().round(),
            "p99_ms": self.latencies.quantile_ms(0.99),
            "p50_ms": self.latencies.quantile_ms(0.50),
            "requests": self.requests,
            "errors": self.errors,
            "seconds": super::round3(self.seconds),
            "connections": self.connections,
            "anchors": self.anchors,
        })
    }
}

/// Builds the store in a temporary directory, serves it and runs the clients.
pub async fn run(s: &AnchorsSettings) -> anyhow::Result<AnchorsReport> {
    let dir = tempfile::tempdir()?;
    let shape = AnchorShape::at_least(s.anchors);
    let started = Instant::now();
    let path = dir.path().to_owned();
    let chain = tokio::task::spawn_blocking(move || build_anchor_store(&path, shape)).await??;
    let build_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "built a store of {} anchors in {build_seconds:.1} s",
        shape.total()
    );
    let (addr, task) = serve_core(chain).await?;
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(s.seconds);
    let mut clients = Vec::new();
    for c in 0..s.connections {
        clients.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await?;
            let mut lat = Latencies::new();
            let (mut ok, mut errors) = (0u64, 0u64);
            let mut i = c as u64;
            while Instant::now() < deadline {
                i = i
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let path = format!("/anchors/{}", hex::encode(shape.nth(i >> 11)));
                let t = Instant::now();
                let (status, _) = conn.get(&path).await?;
                if status == 200 {
                    lat.record(t.elapsed());
                    ok += 1;
                } else {
                    errors += 1;
                }
            }
            anyhow::Ok((ok, errors, lat))
        }));
    }
    let mut report = AnchorsReport {
        anchors: shape.total(),
        build_seconds,
        connections: s.connections,
        seconds: 0.0,
        requests: 0,
        errors: 0,
        latencies: Latencies::new(),
    };
    for c in clients {
        let (ok, errors, lat) = c.await??;
        report.requests += ok;
        report.errors += errors;
        report.latencies.merge(&lat);
    }
    report.seconds = start.elapsed().as_secs_f64();
    // The core's thread ends (its RocksDB handle with it) before the directory goes.
    task.shutdown().await;
    drop(dir);
    Ok(report)
}
