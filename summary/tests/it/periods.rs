//! A chain with a summary period of 8 runs past several periods: each key block after a
//! period commits the summary's hash (a wrong hash is refused), summaries account for every
//! balance change, nothing rolls back below finality, and a pruned node drops old
//! transaction data while every receipt still verifies; a history node keeps everything.

use ltonode_ledger::block::{BlockId, Commitments, KeyBlockHeader, MicroBlock, VRF_PROOF_LEN};
use ltonode_ledger::chain::{Chain, ChainConfig, ChainError};
use ltonode_ledger::state::StateView;
use ltonode_ledger::store::Column;
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::{
    Address, Amount, ChainId, Hash32, Height, KeyPair, MemStore, PublicKey, Signature, Store,
    Timestamp, Transaction,
};
use ltonode_summary::{
    SummaryBlock, build_summary, load_summary, next_summary_hash, store_summary,
};

pub const LTO: u64 = 100_000_000;
pub const T0: u64 = 1_767_225_600_000;
pub const T: ChainId = ChainId::TESTNET;

pub fn kp(s: &str) -> KeyPair {
    KeyPair::from_seed_phrase(s, 0)
}

pub fn addr(k: &KeyPair) -> Address {
    Address::from_public_key(T, &k.public_key())
}

pub fn config(history: bool) -> ChainConfig {
    let mut c = ChainConfig::lto(T);
    c.summary_period = 8;
    c.retain_blocks = 4;
    c.lease_unbonding = 2;
    c.history = history;
    c
}

pub fn new_chain(store: MemStore, history: bool) -> Chain<MemStore> {
    let mut chain = Chain::open(store, config(history)).expect("open");
    let g = |k: &KeyPair, amount: u64| Transaction {
        version: 1,
        chain_id: T,
        timestamp: Timestamp(T0),
        sender: PublicKey([0; 32]).into(),
        fee: Amount(0),
        sponsor: None,
        proofs: vec![],
        body: TxBody::Genesis {
            recipient: addr(k),
            amount: Amount(amount),
        },
    };
    chain
        .init_genesis(
            Timestamp(T0),
            50,
            vec![
                g(&kp("alice"), 1_000_000 * LTO),
                g(&kp("gen"), 10_000 * LTO),
            ],
        )
        .expect("genesis");
    chain
}

pub fn header(chain: &Chain<MemStore>, parent: BlockId, c: Commitments) -> KeyBlockHeader {
    let tip = chain.tip().expect("tip");
    let mut h = KeyBlockHeader {
        version: ltonode_ledger::block::KEY_BLOCK_VERSION,
        height: Height(tip.height.0 + 1),
        timestamp: Timestamp(tip.header.timestamp.0 + 5_000),
        parent,
        base_target: 50,
        vrf_proof: [0; VRF_PROOF_LEN],
        commitments: c,
        generator: PublicKey([0; 32]),
        signature: Signature([0; 64]),
    };
    h.sign(&kp("gen"));
    h
}

/// Closes the current block with a key block committing the right summary hash.
pub fn key_block(chain: &mut Chain<MemStore>) -> Hash32 {
    let summary = next_summary_hash(chain).expect("summary");
    let mut c = chain.next_commitments().expect("c");
    c.summary_hash = summary;
    let h = header(chain, chain.tip().expect("tip").total_id, c);
    chain.apply_key_block(&h, summary).expect("key block");
    summary
}

pub fn tx(chain: &Chain<MemStore>, from: &KeyPair, fee: u64, body: TxBody) -> Transaction {
    let mut t = Transaction {
        version: 3,
        chain_id: T,
        timestamp: chain.tip().expect("tip").header.timestamp,
        sender: from.public_key().into(),
        fee: Amount(fee),
        sponsor: None,
        proofs: vec![],
        body,
    };
    t.sign_with(from);
    t
}

pub fn micro(chain: &mut Chain<MemStore>, txs: Vec<Transaction>) {
    let m = MicroBlock::new_signed(chain.tip().expect("tip").total_id, txs, &kp("gen"));
    chain.apply_micro_block(&m).expect("micro");
}

/// Runs to height `to`, each block with a transfer, an anchor and (every 3rd) a lease.
pub fn run(chain: &mut Chain<MemStore>, to: u32) -> Vec<[u8; 32]> {
    let (alice, bob) = (kp("alice"), kp("bob"));
    let mut anchors = Vec::new();
    while chain.height().0 < to {
        key_block(chain);
        let h = chain.height().0;
        // What a node does after each key block that closes a period: keep the summary.
        if h > 1 && (h - 1).is_multiple_of(8) {
            store_summary(chain, (h - 1) / 8).expect("store summary");
        }
        let a = ltonode_ledger::sha256(&h.to_be_bytes());
        anchors.push(a);
        let mut txs = vec![
            tx(
                chain,
                &alice,
                LTO,
                TxBody::Transfer {
                    recipient: addr(&bob),
                    amount: Amount(u64::from(h) * LTO),
                    attachment: vec![],
                },
            ),
            tx(
                chain,
                &alice,
                35_000_000,
                TxBody::Anchor {
                    anchors: vec![a.to_vec()],
                },
            ),
        ];
        if h.is_multiple_of(3) {
            txs.push(tx(
                chain,
                &alice,
                LTO,
                TxBody::Lease {
                    recipient: addr(&kp("gen")),
                    amount: Amount(10 * LTO),
                },
            ));
        }
        micro(chain, txs);
    }
    anchors
}

#[test]
pub fn key_blocks_commit_summaries_and_wrong_hashes_are_refused() {
    let mut chain = new_chain(MemStore::new(), false);
    run(&mut chain, 8);
    // The block after height 8 must commit S_1.
    let s1 = build_summary(&chain, 1).expect("S1");
    assert_eq!((s1.from, s1.to), (Height(1), Height(8)));
    let expected = s1.hash();
    assert_eq!(next_summary_hash(&chain).expect("hash"), expected);
    let tip = chain.tip().expect("tip").total_id;
    let mut c = chain.next_commitments().expect("c");
    c.summary_hash = [7; 32];
    let forged = header(&chain, tip, c);
    assert_eq!(
        chain.apply_key_block(&forged, expected),
        Err(ChainError::Commitments { height: 8 })
    );
    assert_eq!(key_block(&mut chain), expected);
    assert_eq!(
        chain
            .header_at(Height(9))
            .expect("h")
            .expect("K9")
            .commitments
            .summary_hash,
        expected
    );
    // Blocks inside a period commit zero.
    run(&mut chain, 12);
    assert_eq!(
        chain
            .header_at(Height(12))
            .expect("h")
            .expect("K12")
            .commitments
            .summary_hash,
        [0; 32]
    );
}

#[test]
fn summaries_account_for_every_balance_change() {
    let mut chain = new_chain(MemStore::new(), false);
    run(&mut chain, 17);
    let (alice, bob, generator) = (addr(&kp("alice")), addr(&kp("bob")), addr(&kp("gen")));
    // S_1's blocks are pruned by now: it is served from storage.
    assert!(matches!(
        build_summary(&chain, 1),
        Err(ltonode_summary::SummaryError::Pruned(1))
    ));
    let s1 = load_summary(&chain, 1).expect("load").expect("S1 stored");
    let s2 = build_summary(&chain, 2).expect("S2");
    assert_eq!(load_summary(&chain, 2).expect("load"), Some(s2.clone()));
    assert_eq!(SummaryBlock::from_bytes(&s2.to_bytes(), T), Ok(s2.clone()));
    for a in [alice, bob, generator] {
        let total: i64 = [&s1, &s2]
            .iter()
            .flat_map(|s| s.balance_changes.iter())
            .filter(|(x, _)| *x == a)
            .map(|(_, c)| *c)
            .sum();
        assert_eq!(
            total as u64,
            chain.balance_at(&a, Height(16)).expect("balance"),
            "{a}"
        );
    }
    // Bob received transfers of h LTO at each height h in 9..=16 (8 blocks in period 2).
    let bob_change = s2
        .balance_changes
        .iter()
        .find(|(a, _)| *a == bob)
        .map(|(_, c)| *c);
    assert_eq!(
        bob_change,
        Some((9..=16).map(|h| h as i64 * LTO as i64).sum::<i64>())
    );
    // Leases are carried in full, transfers and anchors are not.
    assert!(
        s2.transactions
            .iter()
            .all(|(_, t)| matches!(t.body, TxBody::Lease { .. }))
    );
    assert_eq!(s2.transactions.len(), [9, 12, 15].len());
    assert_eq!(s2.total_txs, 8 * 2 + 3);
    assert!(
        build_summary(&chain, 3).is_err(),
        "period 3 is not complete"
    );
}

/// The Python and JavaScript verifiers (`verifiers/`) accept `receipt` against `trusted`
/// alone, and refuse it against `other`, naming the trusted block; each is skipped when its
/// interpreter is not installed.
fn other_verifiers_accept(
    receipt: &ltonode_ledger::receipt::AnchorReceipt,
    trusted: &BlockId,
    other: &BlockId,
) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../verifiers");
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("receipt.json");
    std::fs::write(&file, receipt.to_json().to_string()).expect("write");
    for (tool, script) in [("python3", "python/ltoreceipt.py"), ("node", "js/cli.mjs")] {
        let run = |id: &BlockId| {
            std::process::Command::new(tool)
                .arg(format!("{root}/{script}"))
                .arg(&file)
                .arg(id.to_base58())
                .output()
        };
        let Ok(out) = run(trusted) else {
            eprintln!("skipped: no {tool}");
            continue;
        };
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        assert_eq!(out.status.code(), Some(0), "{tool}: {v}");
        assert_eq!(v["blockId"], trusted.to_base58().as_str(), "{tool}");
        assert_eq!(v["height"], receipt.height.0, "{tool}");
        let out = run(other).expect("ran once");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        assert_eq!(
            (out.status.code(), v["part"].as_str()),
            (Some(1), Some("trusted block")),
            "{tool}: {v}"
        );
    }
}

#[test]
fn finality_and_pruning_keep_receipts() {
    let mut chain = new_chain(MemStore::new(), false);
    let anchors = run(&mut chain, 30);
    // Tip 30, period 8: the second-to-last boundary is 16.
    assert_eq!(chain.finalized_height().expect("final"), Height(16));
    assert!(matches!(
        chain.rollback_to(Height(15)),
        Err(ChainError::Rollback { target: 15, .. })
    ));
    // Final blocks older than 4 blocks lost their transaction data...
    let pruned = chain.pruned_height().expect("pruned");
    assert_eq!(pruned, Height(16));
    assert!(
        chain
            .block_micro_blocks(Height(5))
            .expect("micro")
            .is_empty()
    );
    assert!(
        !chain
            .block_micro_blocks(Height(20))
            .expect("micro")
            .is_empty()
    );
    // ... but headers remain, tx ids stay known (replay protection), and every receipt
    // still verifies against its committing block's id, and anchored to the tip against
    // the tip's id alone (the pruned node keeps the history tree).
    let tip = chain.tip().expect("tip").clone();
    for (i, a) in anchors.iter().enumerate() {
        let h = i as u32 + 2;
        if h >= 30 {
            continue;
        }
        let e = chain.anchor(a).expect("lookup").pop().expect("indexed");
        let r = e.receipt.expect("receipt");
        let header = chain.header_at(Height(h + 1)).expect("h").expect("header");
        assert_eq!(
            r.verify(&header.id()).map(|v| v.height),
            Ok(Height(h)),
            "anchor at {h}"
        );
        let to_tip = chain
            .anchor_receipt_to(&r, tip.height)
            .expect("read")
            .expect("anchored to the tip");
        assert_eq!(
            to_tip.verify(&tip.header.id()).map(|v| v.block_id),
            Ok(tip.header.id()),
            "anchor at {h}, anchored to the tip"
        );
        if [2, 9, 16, 23, 29].contains(&h) {
            let genesis = chain.header_at(Height(1)).expect("h").expect("genesis");
            other_verifiers_accept(&to_tip, &tip.header.id(), &genesis.id());
        }
        if h <= 16 {
            assert_eq!(
                chain.transaction(&e.tx_id).expect("tx"),
                None,
                "pruned tx at {h}"
            );
            assert_eq!(chain.tx_height(&e.tx_id).expect("seen"), Some(Height(h)));
        }
    }
    // Rolling back above finality still works exactly.
    chain.rollback_to(Height(25)).expect("rollback");
    assert_eq!(chain.height(), Height(25));
}

#[test]
fn history_nodes_keep_everything_and_pruned_stores_cannot_become_history() {
    let store = MemStore::new();
    let mut history = new_chain(MemStore::new(), true);
    run(&mut history, 30);
    assert!(
        !history
            .block_micro_blocks(Height(5))
            .expect("micro")
            .is_empty()
    );
    // A history node can still derive every summary from its blocks.
    for n in 1..=3 {
        assert_eq!(
            load_summary(&history, n).expect("load").map(|s| s.hash()),
            Some(build_summary(&history, n).expect("build").hash())
        );
    }
    assert!(
        history
            .store()
            .scan_prefix(Column::Undo, &5u32.to_be_bytes(), None)
            .expect("scan")
            .is_empty()
    );

    let mut pruned = new_chain(store.clone(), false);
    run(&mut pruned, 30);
    drop(pruned);
    assert_eq!(
        Chain::open(store, config(true)).err(),
        Some(ChainError::PrunedNotHistory)
    );
}

#[test]
fn the_anchor_index_covers_all_own_or_no_anchors() {
    use ltonode_ledger::chain::AnchorIndex;
    let index_with = |mode: AnchorIndex| {
        let mut c = config(false);
        c.anchor_index = mode;
        let mut chain = Chain::open(MemStore::new(), c).expect("open");
        let g = new_chain(MemStore::new(), false);
        // Same genesis as new_chain, on a chain with this index mode.
        let genesis: Vec<Transaction> = g
            .block_micro_blocks(Height(1))
            .expect("genesis")
            .remove(0)
            .transactions;
        chain
            .init_genesis(Timestamp(T0), 50, genesis)
            .expect("genesis");
        let anchors = run(&mut chain, 12);
        anchors
            .iter()
            .take(8)
            .filter(|a| !chain.anchor(a.as_slice()).expect("lookup").is_empty())
            .count()
    };
    assert_eq!(index_with(AnchorIndex::All), 8);
    assert_eq!(index_with(AnchorIndex::None), 0);
    assert_eq!(index_with(AnchorIndex::Own([addr(&kp("alice"))].into())), 8);
    assert_eq!(index_with(AnchorIndex::Own([addr(&kp("bob"))].into())), 0);
}
