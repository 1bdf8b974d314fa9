//! The "done when": a `minimal()` testnet (a summary every 8 key blocks, pruning after
//! 16) of real processes on 127.0.0.1 runs past several summary periods with pruning on; a
//! history node replays it all; a fresh node fast-syncs from the pruned generators (headers,
//! summaries, then only the blocks after the last boundary) and ends with the same balances
//! and leases; the history node still serves the receipt of the first anchors, whose
//! transactions the pruned nodes dropped, and the fast-synced node verifies it against its
//! header chain.

use crate::loopback::{
    NodeProc, agree, anchor_tx, dump_logs, genesis, http, now_ms, seeds, user_key, wait_until,
};
use ltonode_ledger::{Address, Amount, KeyPair, Timestamp, Transaction, TxBody, sha256};
use serde_json::Value;
use std::time::Duration;

const PRESET: [&str; 2] = ["--preset", "minimal"];
/// Key blocks per summary in `minimal()`.
const PERIOD: u32 = 8;

fn lease_tx(from: &KeyPair, to: Address, amount: u64) -> Transaction {
    let mut tx = Transaction {
        version: 3,
        chain_id: genesis().chain_id,
        timestamp: Timestamp(now_ms()),
        sender: from.public_key().into(),
        fee: Amount(100_000_000),
        sponsor: None,
        proofs: Vec::new(),
        body: TxBody::Lease {
            recipient: to,
            amount: Amount(amount),
        },
    };
    tx.sign_with(from);
    tx
}

fn balances(node: &NodeProc, addrs: &[Address]) -> Option<Vec<u64>> {
    addrs
        .iter()
        .map(|a| node.get(&format!("/addresses/balance/{a}"))?["balance"].as_u64())
        .collect()
}

fn leases(node: &NodeProc, a: &Address) -> Option<Vec<String>> {
    let v = node.get(&format!("/leasing/active/{a}"))?;
    let mut ids: Vec<String> = v
        .as_array()?
        .iter()
        .filter_map(|l| l["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    Some(ids)
}

#[test]
fn a_fresh_node_fast_syncs_from_a_pruned_minimal_testnet() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let seeds = seeds();
    let g0 = NodeProc::start_with(root, "gen0", Some(seeds[0].clone()), vec![], &PRESET);
    let g1 = NodeProc::start_with(root, "gen1", Some(seeds[1].clone()), vec![g0.p2p], &PRESET);
    let history = NodeProc::start_with(
        root,
        "history",
        None,
        vec![g0.p2p, g1.p2p],
        &["--preset", "minimal", "--history"],
    );
    let all = [&g0, &g1, &history];
    wait_until(Duration::from_secs(60), "the network to start", || {
        agree(&all, 2)
    });

    // Anchors in the first period (pruned later on the generators) and a lease, which the
    // summary carries.
    let user = user_key();
    let early: Vec<Transaction> = (0..3).map(|n| anchor_tx(&user, 9_000 + n)).collect();
    for tx in &early {
        assert_eq!(g0.broadcast(tx), 200, "{}", dump_logs(&all));
    }
    let gen2 = KeyPair::from_seed_phrase(&seeds[2], 0);
    let gen2_addr = Address::from_public_key(genesis().chain_id, &gen2.public_key());
    let lease = lease_tx(&user, gen2_addr, 5_000 * 100_000_000);
    assert_eq!(g0.broadcast(&lease), 200, "{}", dump_logs(&all));
    wait_until(
        Duration::from_secs(60),
        "the early transactions to confirm",
        || early.iter().all(|t| history.has_tx(t)) && history.has_tx(&lease),
    );

    // Past several summary periods, with a little load on the way.
    let target = 4 * PERIOD + 2;
    let mut n = 0;
    let mut load = Vec::new();
    wait_until(
        Duration::from_secs(330),
        "the testnet to pass four summary periods",
        || {
            n += 1;
            if n % 8 == 0 {
                let tx = anchor_tx(&user, 10_000 + n);
                if g1.broadcast(&tx) == 200 {
                    load.push(tx);
                }
            }
            agree(&all, target)
        },
    );

    // The generators pruned the early blocks' transactions; the history node kept them, and
    // the receipt of the first anchor is still served by every node.
    let first = &early[0];
    assert!(
        !g0.has_tx(first),
        "a pruned generator still has the first anchor"
    );
    assert!(history.has_tx(first));
    let hash = hex::encode(sha256(&9_000u64.to_be_bytes()));
    let on_history = history.get(&format!("/anchors/{hash}")).unwrap();
    assert_eq!(on_history["status"], "confirmed");
    let receipt = on_history["receipt"].clone();
    assert_eq!(
        g0.get(&format!("/anchors/{hash}")).unwrap()["receipt"],
        receipt
    );
    for s in 1..=3u32 {
        assert!(g0.get(&format!("/summaries/{s}")).is_some(), "summary {s}");
    }

    // A fresh pruned node fast-syncs from the generators.
    let fresh = NodeProc::start_with(root, "fresh", None, vec![g0.p2p, g1.p2p], &PRESET);
    let with_fresh = [&g0, &g1, &history, &fresh];
    wait_until(
        Duration::from_secs(120),
        "the fresh node to catch up",
        || agree(&with_fresh, target),
    );
    let log = fresh.log();
    assert!(
        log.contains("fast sync: state built at the boundary"),
        "the fresh node did not fast-sync:\n{}",
        dump_logs(&with_fresh)
    );
    // It never held the early blocks' transactions: it did not replay them.
    assert!(!fresh.has_tx(first));
    // But it knows the ids of the last period's transactions before its boundary B, so they
    // cannot be replayed into the blocks after B.
    let b: u32 = log
        .lines()
        .find(|l| l.contains("fast sync: state built at the boundary"))
        .and_then(|l| l.split("height=").nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u32>().ok())
        .map(|h| h - 1)
        .expect("the boundary in the log");
    let in_window: Vec<&Transaction> = load
        .iter()
        .filter(|t| {
            history
                .get(&format!("/transactions/info/{}", t.id()))
                .and_then(|v| v["height"].as_u64())
                .is_some_and(|h| h as u32 > b - PERIOD && h as u32 <= b)
        })
        .collect();
    assert!(
        !in_window.is_empty(),
        "no load transaction landed just below B = {b}"
    );
    for tx in in_window {
        assert_ne!(
            fresh.broadcast(tx),
            200,
            "a replay of {} was accepted",
            tx.id()
        );
    }
    // It verifies the history node's receipt against its own (checked) header chain.
    let (status, verdict) = http(
        fresh.rest,
        "POST",
        "/anchors/verify",
        receipt.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (status, &verdict["valid"]),
        (200, &Value::Bool(true)),
        "{verdict}"
    );

    // Same state: balances of every genesis account, and the lease. Transactions stop; once a
    // key block has paid out the last fees, all nodes hold the same balances at one tip.
    let addrs: Vec<Address> = genesis().allocations.iter().map(|a| a.address).collect();
    wait_until(
        Duration::from_secs(120),
        "equal balances and leases on every node",
        || {
            let b: Vec<Option<Vec<u64>>> = with_fresh.iter().map(|n| balances(n, &addrs)).collect();
            let tips: Vec<Option<u32>> = with_fresh.iter().map(|n| n.height()).collect();
            tips.windows(2).all(|w| w[0] == w[1])
                && b[0].is_some()
                && b.windows(2).all(|w| w[0] == w[1])
                && leases(&fresh, &gen2_addr) == leases(&history, &gen2_addr)
                && leases(&fresh, &gen2_addr).is_some_and(|l| l.contains(&lease.id().to_base58()))
        },
    );
    // And the fast sync is over: `/node/status` no longer reports one.
    wait_until(Duration::from_secs(30), "the sync status to clear", || {
        fresh
            .get("/node/status")
            .is_some_and(|s| s["sync"].is_null())
    });

    // A fast-synced node serves a fast sync in turn (it kept the summaries and the micro
    // block ids the header chain check needs).
    let second = NodeProc::start_with(root, "second", None, vec![fresh.p2p], &PRESET);
    let everyone = [&g0, &g1, &history, &fresh, &second];
    wait_until(
        Duration::from_secs(120),
        "a node syncing from the fast-synced one to catch up",
        || agree(&everyone, target),
    );
    assert!(
        second
            .log()
            .contains("fast sync: state built at the boundary"),
        "{}",
        dump_logs(&everyone)
    );
    assert_eq!(balances(&second, &addrs), balances(&fresh, &addrs));

    // A new history node replays everything: the pruned peers refuse the old blocks, the
    // history node serves them.
    let archive = NodeProc::start_with(
        root,
        "archive",
        None,
        vec![g0.p2p, fresh.p2p, history.p2p],
        &["--preset", "minimal", "--history"],
    );
    let with_archive = [&g0, &history, &archive];
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !agree(&with_archive, target) {
        assert!(
            std::time::Instant::now() < deadline,
            "a late history node did not replay the chain:\n{}",
            dump_logs(&with_archive)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(archive.has_tx(first), "{}", dump_logs(&with_archive));
    assert!(!archive.log().contains("fast sync: state built"));
    assert_eq!(balances(&archive, &addrs), balances(&history, &addrs));
}
