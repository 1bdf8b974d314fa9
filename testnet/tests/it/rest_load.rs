//! REST load figures, the runs of `scripts/bench anchors` and `scripts/bench broadcast`
//! (`ltonode_testnet::load`): `GET /anchors/{hash}` on a store of 1,000,000 anchors (issue
//! target: >= 20,000 requests/s with p99 under 5 ms) and `POST /transactions/broadcast`
//! admission of anchor transactions (>= 10,000 tx/s). Client tasks and server share the
//! machine's cores, so the figures are conservative. The two figures are ignored by default;
//! run them in release:
//! `cargo test -p ltonode-testnet --release --test it anchor_lookup_load -- --ignored --nocapture`
//! `cargo test -p ltonode-testnet --release --test it broadcast_admission_rate -- --ignored --nocapture`
//!
//! The smoke tests run the `ltonode-loadgen` binary for 2 s in the test profile and check its
//! JSON line, not its figures.

use ltonode_testnet::load::anchors::{self, AnchorsSettings};
use ltonode_testnet::load::broadcast::{self, BroadcastSettings};
use serde_json::Value;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load figure: run in release with --ignored --nocapture"]
async fn anchor_lookup_load() {
    let report = anchors::run(&AnchorsSettings {
        seconds: 10.0,
        connections: 16,
        anchors: 1_000_000,
    })
    .await
    .unwrap();
    eprintln!("GET /anchors/{{hash}}: {}", report.to_json());
    assert!(report.requests > 0);
    assert_eq!(report.errors, 0);
}

/// 15,000 anchor transactions posted over 8 connections, every one admitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load figure: run in release with --ignored --nocapture"]
async fn broadcast_admission_rate() {
    let report = broadcast::run(&BroadcastSettings {
        seconds: 60.0,
        connections: 8,
        senders: 100,
        max_rate: 250,
    })
    .await
    .unwrap();
    eprintln!("POST /transactions/broadcast: {}", report.to_json());
    assert_eq!(report.admitted, 15_000);
    assert_eq!(report.pool, 15_000);
}

/// Runs `ltonode-loadgen ARGS` and parses the last line of its stdout.
fn loadgen(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_ltonode-loadgen"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one line on stdout: {stdout}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn loadgen_anchors_prints_one_json_line() {
    let v = loadgen(&["anchors", "--seconds", "2", "--anchors", "10000"]);
    assert_eq!(v["mode"], "anchors");
    assert!(v["requests"].as_u64().unwrap() > 0, "{v}");
    assert_eq!(v["errors"], 0, "{v}");
    assert!(v["req_per_s"].as_f64().unwrap() > 0.0, "{v}");
    assert!(v["p99_ms"].as_f64().unwrap() > 0.0, "{v}");
}

#[test]
fn loadgen_broadcast_prints_one_json_line() {
    let v = loadgen(&["broadcast", "--seconds", "2", "--max-rate", "2000"]);
    assert_eq!(v["mode"], "broadcast");
    assert!(v["admitted"].as_u64().unwrap() > 0, "{v}");
    assert_eq!(v["refused"], 0, "{v}");
    assert_eq!(v["pool"], v["admitted"], "{v}");
    assert!(v["tx_per_s"].as_f64().unwrap() > 0.0, "{v}");
    assert!(v["p99_ms"].as_f64().unwrap() > 0.0, "{v}");
}
