//! The official LTO Python client (PyPI `lto` 1.5.1) against a real `ltonode run --dev`
//! process: its signed transfer, anchor and lease are accepted as they are, confirmed, and the
//! anchor's receipt then verifies with `ltonode verify-receipt`.
//!
//! Needs a Python with the `lto` package: `LTO_CLIENT_PYTHON` names it (scripts/test makes a venv
//! with `lto==1.5.1` and sets it). Without one the test says so and does nothing else.

use crate::dev_process::{DevNode, get_200, http};
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

fn python() -> Option<String> {
    let py = std::env::var("LTO_CLIENT_PYTHON").ok()?;
    let ok = Command::new(&py)
        .args(["-c", "import lto"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    ok.then_some(py)
}

#[test]
fn the_official_python_client_anchors_and_the_receipt_verifies() {
    let Some(py) = python() else {
        eprintln!(
            "skipped: set LTO_CLIENT_PYTHON to a python with `lto` 1.5.1 (scripts/test does)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(&dir.path().join("node"), &[]);
    let addr = node.addr.clone();
    let seeds: Vec<String> = ltonode_ledger::genesis::GenesisConfig::dev_accounts()
        .into_iter()
        .map(|a| a.seed)
        .collect();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/client_e2e.py");
    let out = Command::new(&py)
        .args([script, &format!("http://{addr}"), &seeds[1], &seeds[2]])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["bob_balance_change"], 12_345_678, "{seen}");
    for name in ["transfer", "anchor", "lease"] {
        assert!(seen["confirmed"][name].as_u64().unwrap_or(0) >= 2, "{seen}");
    }
    // The anchor's receipt exists once the next key block commits its block.
    let hash = seen["anchor_hex"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let reply = loop {
        if let Some(v) = get_200(&addr, &format!("/anchors/{hash}"))
            && v["status"] == "confirmed"
        {
            break v;
        }
        assert!(Instant::now() < deadline, "no receipt in time");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(reply["receipt"]["txId"], seen["anchor_id"]);
    let receipt = dir.path().join("receipt.json");
    std::fs::write(&receipt, reply.to_string()).unwrap();
    let verdict = Command::new(env!("CARGO_BIN_EXE_ltonode"))
        .arg("verify-receipt")
        .arg(&receipt)
        .args(["--node", &format!("http://{addr}")])
        .output()
        .unwrap();
    assert!(
        verdict.status.success(),
        "{}",
        String::from_utf8_lossy(&verdict.stdout)
    );
    let v: Value = serde_json::from_slice(&verdict.stdout).unwrap();
    assert_eq!(v["valid"], true);
    // And the node shows in /metrics.
    let (_, text) = http(&addr, "GET", "/metrics", b"");
    assert!(text.contains("ltonode_chain_height"), "{text}");
}
