//! `POST /transactions/broadcast` admission: `connections` keep-alive clients post pre-signed
//! anchor transactions of `senders` funded accounts back to back to an in-process core until
//! the time is up or the signed transactions run out.

use super::http::Conn;
use super::store::{CHAIN, T0, anchor, funded_mem_chain, serve_core};
use super::{Latencies, sign_parallel};
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::{Amount, KeyPair, Timestamp, Transaction};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct BroadcastSettings {
    /// How long the clients post.
    pub seconds: f64,
    /// Keep-alive connections, one client task each.
    pub connections: usize,
    /// Funded accounts the transactions come from.
    pub senders: usize,
    /// Transactions signed ahead of the run, per second of it (the run ends early if the
    /// node admits faster).
    pub max_rate: u64,
}

/// What a run measured.
#[derive(Debug)]
pub struct BroadcastReport {
    /// Transactions signed ahead.
    pub signed: u64,
    /// Keep-alive connections.
    pub connections: usize,
    /// Seconds from the first post to the last answer.
    pub seconds: f64,
    /// Transactions admitted (200).
    pub admitted: u64,
    /// Transactions refused.
    pub refused: u64,
    /// The pool's size at the end.
    pub pool: usize,
    /// Latency of the admissions.
    pub latencies: Latencies,
}

impl BroadcastReport {
    /// Admitted transactions per second.
    pub fn tx_per_s(&self) -> f64 {
        self.admitted as f64 / self.seconds.max(1e-9)
    }

    /// The JSON line of `scripts/bench broadcast`.
    pub fn to_json(&self) -> Value {
        json!({
            "mode": "broadcast",
            "tx_per_s": self.tx_per_s().round(),
            "p99_ms": self.latencies.quantile_ms(0.99),
            "p50_ms": self.latencies.quantile_ms(0.50),
            "admitted": self.admitted,
            "refused": self.refused,
            "seconds": super::round3(self.seconds),
            "connections": self.connections,
            "signed": self.signed,
            "pool": self.pool,
        })
    }
}

/// The JSON body of the `i`th anchor transaction of `senders`.
fn signed_body(senders: &[KeyPair], i: u64) -> String {
    let k = &senders[(i % senders.len() as u64) as usize];
    let mut t = Transaction {
        version: 3,
        chain_id: CHAIN,
        timestamp: Timestamp(T0 + i % 3_600_000),
        sender: k.public_key().into(),
        fee: Amount(35_000_000),
        sponsor: None,
        proofs: vec![],
        body: TxBody::Anchor {
            anchors: vec![anchor(u64::MAX, i).to_vec()],
        },
    };
    t.sign_with(k);
    ltonode_ledger::tx::json::to_json(&t).to_string()
}

/// Signs the transactions, serves a funded in-memory chain and runs the clients.
pub async fn run(s: &BroadcastSettings) -> anyhow::Result<BroadcastReport> {
    let senders: Vec<KeyPair> = (0..s.senders.max(1))
        .map(|i| KeyPair::from_seed_phrase(&format!("broadcast {i}"), 0))
        .collect();
    let n = (s.seconds * s.max_rate as f64).ceil().max(1.0) as u64;
    let started = Instant::now();
    let bodies = {
        let senders = senders.clone();
        tokio::task::spawn_blocking(move || sign_parallel(n, |i| signed_body(&senders, i))).await?
    };
    eprintln!(
        "signed {n} anchor transactions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (addr, task) = serve_core(funded_mem_chain(&senders)?).await?;
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(s.seconds);
    let mut clients = Vec::new();
    for _ in 0..s.connections {
        let (bodies, next) = (bodies.clone(), next.clone());
        clients.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await?;
            let mut lat = Latencies::new();
            let (mut ok, mut refused) = (0u64, 0u64);
            while Instant::now() < deadline {
                let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let t = Instant::now();
                let (status, _) = conn
                    .post_json("/transactions/broadcast", body.as_bytes())
                    .await?;
                if status == 200 {
                    lat.record(t.elapsed());
                    ok += 1;
                } else {
                    refused += 1;
                }
            }
            anyhow::Ok((ok, refused, lat))
        }));
    }
    let mut report = BroadcastReport {
        signed: n,
        connections: s.connections,
        seconds: 0.0,
        admitted: 0,
        refused: 0,
        pool: 0,
        latencies: Latencies::new(),
    };
    for c in clients {
        let (ok, refused, lat) = c.await??;
        report.admitted += ok;
        report.refused += refused;
        report.latencies.merge(&lat);
    }
    report.seconds = start.elapsed().as_secs_f64();
    if next.load(Ordering::Relaxed) >= bodies.len() {
        eprintln!(
            "all {n} signed transactions were posted before the time was up (--max-rate \
             signs more)"
        );
    }
    report.pool = task.reader.snapshot().pool_len;
    task.shutdown().await;
    Ok(report)
}
