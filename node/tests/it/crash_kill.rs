//! The real binary killed with SIGKILL at random moments while it forges under load: after
//! every restart each block it had reported over REST is still there (same key block id, at
//! least the micro blocks and transactions it reported), and at the end its state hash equals
//! that of a clean database importing its blocks (`ltonode export` / `import` /
//! `state-hash`). A kill lands mid-write often enough: each block is one atomic RocksDB batch,
//! so none is half there.
//!
//! Ignored (it takes a few minutes): `cargo test -p ltonode --release --test it
//! sigkill -- --ignored --nocapture`; `KILL_COUNT` sets the number of kills (default 100)
//! and `KILL_SEED` the seed of the kill moments.

use crate::dev_process::{DevNode, get_200};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ltonode");

/// What the node reported about one block: its height, key block id, micro blocks and
/// transactions.
#[derive(Debug, Clone)]
struct Reported {
    height: u64,
    id: String,
    micro_blocks: u64,
    transactions: u64,
}

fn block_at(addr: &str, h: u64) -> Option<Reported> {
    let b = get_200(addr, &format!("/blocks/at/{h}"))?;
    Some(Reported {
        height: h,
        id: b["id"].as_str()?.to_string(),
        micro_blocks: b["microBlockCount"].as_u64()?,
        transactions: b["transactionCount"].as_u64()?,
    })
}

fn tool(args: &[&str], data: &Path) -> Value {
    let out = Command::new(BIN)
        .args(args)
        .args(["--dev", "--data-dir"])
        .arg(data)
        .output()
        .expect("run ltonode");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one line of JSON")
}

/// A small deterministic generator for the kill moments (xorshift).
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + self.0 % (hi - lo)
    }
}

#[test]
#[ignore = "kills the binary 100 times (minutes); run on purpose"]
fn sigkill_at_random_moments_loses_no_reported_block() {
    let kills: usize = std::env::var("KILL_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let seed: u64 = std::env::var("KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x005e_ed17);
    let mut moments = Moments(seed | 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("node");
    let started = Instant::now();
    let mut reported: Vec<Reported> = Vec::new();
    let mut checked = 0usize;
    for kill in 0..=kills {
        let mut node = DevNode::start(&data, &["--dev-load", "40"]);
        let addr = node.addr.clone();
        // Everything reported before an earlier kill is still there.
        for r in &reported {
            let now = block_at(&addr, r.height)
                .unwrap_or_else(|| panic!("kill {kill}: block {} is gone", r.height));
            assert_eq!(now.id, r.id, "kill {kill}: block {} was replaced", r.height);
            assert!(
                now.micro_blocks >= r.micro_blocks && now.transactions >= r.transactions,
                "kill {kill}: block {} lost data: {r:?} then {now:?}",
                r.height
            );
            checked += 1;
        }
        if kill == kills {
            node.kill();
            break;
        }
        // Let it forge for a while, note what it reports, and kill it a moment later
        // (while it may be writing the next micro block).
        std::thread::sleep(Duration::from_millis(moments.next_ms(300, 2_500)));
        if let Some(tip) = get_200(&addr, "/blocks/height").and_then(|v| v["height"].as_u64())
            && let Some(r) = block_at(&addr, tip)
        {
            reported.retain(|old| old.height != r.height);
            reported.push(r);
        }
        std::thread::sleep(Duration::from_millis(moments.next_ms(0, 400)));
        node.kill();
    }
    let height = reported.iter().map(|r| r.height).max().unwrap_or(0);
    assert!(height >= 3, "the node forged too little: height {height}");

    // The killed node's state equals a clean import of its blocks.
    let a = tool(&["state-hash"], &data);
    let file = dir.path().join("blocks.bin");
    tool(&["export", file.to_str().expect("path")], &data);
    let clean = dir.path().join("clean");
    let imported = tool(&["import", file.to_str().expect("path")], &clean);
    let b = tool(&["state-hash"], &clean);
    assert_eq!(imported["height"], a["height"], "{imported} vs {a}");
    assert_eq!(a, b, "killed node vs clean import");
    eprintln!(
        "{kills} kills in {:.0?}: {checked} reported-block checks, final height {}, state hash {}",
        started.elapsed(),
        a["height"],
        a["stateHash"]
    );
}
