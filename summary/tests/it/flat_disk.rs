//! Disk use of a pruned node stays flat under a steady load once past the retention window:
//! the same transfers and anchors in every block, a summary every 8 blocks, 16 blocks
//! retained, no anchor index, on a `MemStore` (whose size is the exact sum of key and value
//! lengths, so the figures are deterministic).
//!
//! Per summary period the pruned store may only grow by the period's headers, block index
//! entries, summary and the micro block ids kept per height (fast sync needs them): nothing
//! that depends on how many transactions the blocks carried. A history node under the same
//! load grows with every transaction. Queries stay right where they must: balances and the
//! generating-balance and transaction-count windows (up to `retain_blocks` deep, also after a
//! rollback to the finalized height) answer as on the history node, and no transaction can be
//! replayed once its id is forgotten.

use super::periods::{LTO, T, T0, addr, key_block, kp, micro, tx};
use ltonode_ledger::chain::{AnchorIndex, Chain, ChainConfig, ChainError};
use ltonode_ledger::state::{StateView, TxApplyError};
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::{Amount, Column, Height, MemStore, PublicKey, Store, Timestamp, Transaction};
use ltonode_summary::store_summary;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const P: u32 = 8;
const RETAIN: u32 = 16;
const PERIODS: u32 = 20;
/// Periods after which every window (retention, replay protection, balance history) is full.
const WARM: usize = 9;

fn config(history: bool) -> ChainConfig {
    let mut c = ChainConfig::lto(T);
    c.summary_period = P;
    c.retain_blocks = RETAIN;
    c.history = history;
    c.anchor_index = AnchorIndex::None;
    // 5 s blocks: a transaction may be 6 blocks ahead and 30 blocks behind, so an id is
    // forgotten 36 blocks after its block (behind the finalized height), well after pruning.
    c.max_tx_future_ms = 30_000;
    c.max_tx_past_ms = 150_000;
    c
}

fn new_chain(history: bool) -> Chain<MemStore> {
    let mut chain = Chain::open(MemStore::new(), config(history)).expect("open");
    let g = |name: &str, amount: u64| Transaction {
        version: 1,
        chain_id: T,
        timestamp: Timestamp(T0),
        sender: PublicKey([0; 32]).into(),
        fee: Amount(0),
        sponsor: None,
        proofs: vec![],
        body: TxBody::Genesis {
            recipient: addr(&kp(name)),
            amount: Amount(amount),
        },
    };
    chain
        .init_genesis(
            Timestamp(T0),
            50,
            vec![g("alice", 1_000_000 * LTO), g("gen", 10_000 * LTO)],
        )
        .expect("genesis");
    chain
}

/// Keys and bytes (key + value lengths) of one column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Usage {
    keys: i64,
    bytes: i64,
}

type Sizes = BTreeMap<Column, Usage>;

fn sizes(s: &MemStore) -> Sizes {
    let mut out = Sizes::new();
    for c in Column::ALL {
        let rows = s.scan_prefix(c, &[], None).expect("scan");
        let bytes = rows.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
        out.insert(
            c,
            Usage {
                keys: rows.len() as i64,
                bytes: bytes as i64,
            },
        );
    }
    let total: i64 = out.values().map(|u| u.bytes).sum();
    assert_eq!(total as u64, s.approximate_size_bytes(), "MemStore size");
    out
}

fn delta(a: &Sizes, b: &Sizes) -> Sizes {
    Column::ALL
        .into_iter()
        .map(|c| {
            let (x, y) = (a[&c], b[&c]);
            (
                c,
                Usage {
                    keys: y.keys - x.keys,
                    bytes: y.bytes - x.bytes,
                },
            )
        })
        .collect()
}

/// Headers, the block index, the history tree (about two 32-byte nodes per key block) and
/// summaries grow per block and per period by design.
fn by_design(c: Column) -> bool {
    matches!(
        c,
        Column::Headers | Column::BlockIndex | Column::HistoryTree | Column::Summaries
    )
}

/// The undo records of the rollback window list the history-tree nodes their key block
/// added: one plus the number of trailing one bits of its leaf index, so the window's size
/// wavers with the heights in it (never with the load) by a few node keys.
const UNDO_WAVER_BYTES: i64 = 8 * 13;

fn other_bytes(d: &Sizes) -> i64 {
    d.iter()
        .filter(|(c, _)| !by_design(**c))
        .map(|(_, u)| u.bytes)
        .sum()
}

fn total_bytes(d: &Sizes) -> i64 {
    d.values().map(|u| u.bytes).sum()
}

fn show(d: &Sizes) -> String {
    let mut s = String::new();
    for (c, u) in d {
        if u.keys != 0 || u.bytes != 0 {
            let _ = write!(s, " {c}: {:+} keys {:+} B;", u.keys, u.bytes);
        }
    }
    s
}

struct Run {
    chain: Chain<MemStore>,
    /// The store at the end of every period (height `k * P`, its micro block applied).
    samples: Vec<Sizes>,
    /// Every transaction sent, with the height of its block.
    sent: Vec<(Height, Transaction)>,
}

impl Run {
    /// Growth over each period from `WARM` on.
    fn growth(&self) -> Vec<Sizes> {
        self.samples[WARM..]
            .windows(2)
            .map(|w| delta(&w[0], &w[1]))
            .collect()
    }
}

/// `per_block` transfers (alice to bob) and `per_block` anchors (alice) in one micro block
/// per block, for `PERIODS` summary periods.
fn run(history: bool, per_block: u32) -> Run {
    let mut chain = new_chain(history);
    let (alice, bob) = (kp("alice"), kp("bob"));
    let mut samples = vec![sizes(chain.store())];
    let mut sent = Vec::new();
    while chain.height().0 < PERIODS * P {
        key_block(&mut chain);
        let h = chain.height().0;
        if h > 1 && (h - 1).is_multiple_of(P) {
            store_summary(&chain, (h - 1) / P).expect("store summary");
        }
        let mut txs = Vec::new();
        for i in 0..per_block {
            txs.push(tx(
                &chain,
                &alice,
                LTO,
                TxBody::Transfer {
                    recipient: addr(&bob),
                    amount: Amount(u64::from(h) * 1000 + u64::from(i)),
                    attachment: vec![],
                },
            ));
            let a = ltonode_ledger::sha256(&[h.to_be_bytes(), i.to_be_bytes()].concat());
            txs.push(tx(
                &chain,
                &alice,
                35_000_000,
                TxBody::Anchor {
                    anchors: vec![a.to_vec()],
                },
            ));
        }
        sent.extend(txs.iter().map(|t| (Height(h), t.clone())));
        micro(&mut chain, txs);
        if h.is_multiple_of(P) {
            samples.push(sizes(chain.store()));
        }
    }
    Run {
        chain,
        samples,
        sent,
    }
}

fn report(name: &str, r: &Run) -> String {
    let g = r.growth();
    let mut s = format!("{name}: per period total/other bytes:");
    for d in &g {
        let _ = write!(s, " {}/{}", total_bytes(d), other_bytes(d));
    }
    let _ = write!(
        s,
        "\n  last period:{}",
        g.last().map(show).unwrap_or_default()
    );
    s
}

#[test]
fn pruned_disk_use_is_flat_under_a_steady_load() {
    let light = run(false, 1);
    let heavy = run(false, 4);
    let history_light = run(true, 1);
    let history_heavy = run(true, 4);
    let figures = [
        report("pruned, 2 txs/block", &light),
        report("pruned, 8 txs/block", &heavy),
        report("history, 2 txs/block", &history_light),
        report("history, 8 txs/block", &history_heavy),
    ]
    .join("\n");
    eprintln!("{figures}");

    // Pruned: past the windows, a period adds only headers, block index entries, the summary
    // and the micro block ids of the newly pruned heights (Meta, 8 + 32 bytes per height
    // with one micro block) -- whatever the number of transactions.
    for (name, r) in [("light", &light), ("heavy", &heavy)] {
        for (k, d) in r.growth().iter().enumerate() {
            let period = WARM + k + 1;
            for (c, u) in d {
                let expected = match c {
                    c if by_design(*c) => continue,
                    Column::Meta => Usage {
                        keys: i64::from(P),
                        bytes: i64::from(P) * (8 + 32),
                    },
                    Column::Undo if u.keys == 0 && u.bytes.abs() <= UNDO_WAVER_BYTES => {
                        continue;
                    }
                    _ => Usage::default(),
                };
                assert_eq!(
                    *u,
                    expected,
                    "{name} pruned store, period {period}, column {c} grew:{}\n{figures}",
                    show(d)
                );
            }
        }
    }
    let flat: Vec<i64> = light.growth().iter().map(other_bytes).collect();
    assert_eq!(
        flat,
        heavy.growth().iter().map(other_bytes).collect::<Vec<_>>(),
        "pruned growth depends on the load\n{figures}"
    );

    // History: the same load grows the store with every transaction.
    for (l, hv) in history_light.growth().iter().zip(history_heavy.growth()) {
        for c in [Column::Txs, Column::TxIndex, Column::Micro] {
            assert!(
                l[&c].bytes > 0 && hv[&c].bytes > l[&c].bytes,
                "history {c}\n{figures}"
            );
        }
        assert!(other_bytes(l) > other_bytes(&light.growth()[0]));
        assert!(other_bytes(&hv) > other_bytes(l) * 3, "{figures}");
    }
}

#[test]
fn pruned_queries_match_history_and_replays_stay_refused() {
    let mut pruned = run(false, 2);
    let mut history = run(true, 2);
    let check = |p: &Chain<MemStore>, h: &Chain<MemStore>| {
        let tip = p.height();
        assert_eq!(tip, h.height());
        let pruned_at = p.pruned_height().expect("pruned");
        assert!(pruned_at.0 > 0);
        for name in ["alice", "bob", "gen"] {
            let a = addr(&kp(name));
            for depth in [1, 2, RETAIN / 2, RETAIN] {
                assert_eq!(
                    p.generating_balance(&a, tip, depth).expect("gb"),
                    h.generating_balance(&a, tip, depth).expect("gb"),
                    "{name} generating balance at {tip:?} over {depth}"
                );
                let from = Height(tip.0 - depth);
                assert_eq!(
                    p.tx_counts(&a, from, tip).expect("counts"),
                    h.tx_counts(&a, from, tip).expect("counts"),
                    "{name} tx counts ({from:?}, {tip:?}]"
                );
            }
            for at in pruned_at.0..=tip.0 {
                assert_eq!(
                    p.balance_at(&a, Height(at)).expect("balance"),
                    h.balance_at(&a, Height(at)).expect("balance"),
                    "{name} balance at {at}"
                );
            }
        }
    };
    check(&pruned.chain, &history.chain);

    // The address list keeps only what is not pruned; the history node lists everything.
    let bob = addr(&kp("bob"));
    let pruned_at = pruned.chain.pruned_height().expect("pruned");
    let listed = pruned
        .chain
        .address_transactions(&bob, 10_000, 0)
        .expect("list");
    assert!(!listed.is_empty() && listed.iter().all(|(_, h)| *h > pruned_at));
    let all = history
        .chain
        .address_transactions(&bob, 10_000, 0)
        .expect("list");
    assert_eq!(all.len(), pruned.sent.len() / 2);

    // Replays: a forgotten id's transaction is out of the timestamp window; a pruned
    // transaction still inside it is known by id.
    let tip = pruned.chain.height();
    let (old_h, old) = pruned.sent.first().cloned().expect("sent");
    assert_eq!(pruned.chain.transaction(&old.id()).expect("tx"), None);
    assert_eq!(pruned.chain.tx_height(&old.id()).expect("seen"), None);
    assert_eq!(
        history.chain.tx_height(&old.id()).expect("seen"),
        Some(old_h)
    );
    let (recent_h, recent) = pruned
        .sent
        .iter()
        .find(|(h, _)| *h == pruned_at)
        .cloned()
        .expect("pruned height's transaction");
    assert_eq!(pruned.chain.transaction(&recent.id()).expect("tx"), None);
    assert_eq!(
        pruned.chain.tx_height(&recent.id()).expect("seen"),
        Some(recent_h)
    );
    let before = sizes(pruned.chain.store());
    assert!(matches!(
        try_micro(&mut pruned.chain, old),
        Err(ChainError::InvalidTx { .. })
    ));
    match try_micro(&mut pruned.chain, recent) {
        Err(ChainError::Apply(e)) => assert!(matches!(e.error, TxApplyError::Duplicate(_))),
        other => panic!("replay of a pruned transaction: {other:?}"),
    }
    assert_eq!(sizes(pruned.chain.store()), before);
    assert_eq!(pruned.chain.height(), tip);

    // Rolling back to the finalized height keeps the windows right.
    let fin = pruned.chain.finalized_height().expect("final");
    assert!(fin.0 >= pruned_at.0);
    pruned.chain.rollback_to(fin).expect("rollback");
    history.chain.rollback_to(fin).expect("rollback");
    check(&pruned.chain, &history.chain);
}

fn try_micro(chain: &mut Chain<MemStore>, t: Transaction) -> Result<(), ChainError> {
    let m = ltonode_ledger::block::MicroBlock::new_signed(
        chain.tip().expect("tip").total_id,
        vec![t],
        &kp("gen"),
    );
    chain.apply_micro_block(&m).map(|_| ())
}
