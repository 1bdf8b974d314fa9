//! The official LTO Python client (PyPI `lto` 1.5.1) against a real `ltonode run --dev`
//! process: its signed transfer, anchor and lease are accepted as they are, confirmed, and the
//! anchor's receipt then verifies with `ltonode verify-receipt`.
//!
//! Needs a Python with the `lto` package: `LTO_CLIENT_PYTHON` names it (scripts/test makes a venv
//! with `lto==1.5.1` and sets it). Without one the test says so and does nothing else.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
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

fn get(addr: &str, path: &str) -> Option<Value> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let (head, body) = buf.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    let body = if head.to_ascii_lowercase().contains("chunked") {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).ok()?;
            if n == 0 {
                break;
            }
            out.push_str(tail.get(..n)?);
            rest = tail.get(n + 2..)?;
        }
        out
    } else {
        body.to_string()
    };
    serde_json::from_str(&body).ok()
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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
    let mut node = Child(
        Command::new(env!("CARGO_BIN_EXE_ltonode"))
            .args([
                "run",
                "--dev",
                "--rest-addr",
                "127.0.0.1:0",
                "--p2p-addr",
                "127.0.0.1:0",
            ])
            .arg("--data-dir")
            .arg(dir.path().join("node"))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // The REST address is in the log.
    let stderr = node.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("REST API listening addr=") {
                let addr = line[i + "REST API listening addr=".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the node reports its REST address");
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
        if let Some(v) = get(&addr, &format!("/anchors/{hash}"))
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
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.contains("ltonode_chain_height"), "{text}");
}
