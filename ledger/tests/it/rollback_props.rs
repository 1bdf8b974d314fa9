//! Rollback of random blocks is exact: a random sequence of key blocks and micro blocks
//! (transfers, anchors, leases and their cancels, associations issued and revoked) is applied,
//! the full store is dumped after each block, and rolling back k blocks gives back, byte for
//! byte, the dump taken k blocks earlier. A micro block the chain refuses changes nothing; its
//! offending transaction is dropped and the rest tried again.

use super::chain::{Harness, LTO, addr, dump, kp, rocks};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::state::MicroBlockError;
use ltonode_ledger::store::SCHEMA_VERSION_KEY;
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::{Amount, Column, Height, KeyPair, MemStore, Store, Transaction, TxId};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

/// A full dump of the chain's records: [`dump`] without the store's own schema-version entry
/// (which `RocksStore` writes and `MemStore` does not), so both stores compare equal.
pub type Dump = Vec<(Column, Vec<u8>, Vec<u8>)>;

/// [`dump`] minus the schema-version record.
pub fn state_dump<S: Store>(s: &S) -> Dump {
    dump(s)
        .into_iter()
        .filter(|(c, k, _)| !(*c == Column::Meta && k.as_slice() == SCHEMA_VERSION_KEY))
        .collect()
}

/// One transaction to attempt; indexes pick users (`USERS`), generators or tracked leases.
#[derive(Clone, Debug)]
enum Op {
    Transfer {
        from: usize,
        to: usize,
        lto: u64,
    },
    Anchor {
        from: usize,
        hashes: Vec<[u8; 32]>,
    },
    Lease {
        from: usize,
        generator: usize,
        lto: u64,
    },
    /// Cancels tracked lease `pick % count` (possibly already cancelled), or an unknown lease
    /// when none exists yet.
    Cancel {
        pick: usize,
    },
    Issue {
        from: usize,
        to: usize,
        kind: i64,
    },
    Revoke {
        from: usize,
        to: usize,
        kind: i64,
    },
}

/// One block: the generator of its key block and its micro blocks' transactions.
#[derive(Clone, Debug)]
struct BlockPlan {
    generator: usize,
    micros: Vec<Vec<Op>>,
}

const USERS: [&str; 3] = ["alice", "bob", "carol"];
const GENERATORS: [&str; 2] = ["gen1", "gen2"];

fn op() -> impl Strategy<Value = Op> {
    let user = 0..USERS.len();
    prop_oneof![
        3 => (user.clone(), user.clone(), 1..50u64)
            .prop_map(|(from, to, lto)| Op::Transfer { from, to, lto }),
        3 => (user.clone(), prop::collection::vec(any::<[u8; 32]>(), 1..=4))
            .prop_map(|(from, hashes)| Op::Anchor { from, hashes }),
        2 => (user.clone(), 0..GENERATORS.len(), 1..100u64)
            .prop_map(|(from, generator, lto)| Op::Lease { from, generator, lto }),
        2 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
        1 => (user.clone(), user.clone(), 0..2i64)
            .prop_map(|(from, to, kind)| Op::Issue { from, to, kind }),
        1 => (user.clone(), user, 0..2i64)
            .prop_map(|(from, to, kind)| Op::Revoke { from, to, kind }),
    ]
}

/// 2..8 blocks of 1..3 micro blocks of 1..5 transactions, and the rollback depth selector.
fn plan() -> impl Strategy<Value = (Vec<BlockPlan>, prop::sample::Index)> {
    let block = (
        0..GENERATORS.len(),
        prop::collection::vec(prop::collection::vec(op(), 1..=5), 1..=3),
    )
        .prop_map(|(generator, micros)| BlockPlan { generator, micros });
    (
        prop::collection::vec(block, 2..8),
        any::<prop::sample::Index>(),
    )
}

/// A lease made by the plan: its id, the lessor, and whether it is still active.
struct TrackedLease {
    id: TxId,
    sender: usize,
    active: bool,
}

/// What an applied transaction does to the tracked leases.
enum Effect {
    None,
    NewLease(TxId, usize),
    Cancel(usize),
}

fn build<S: Store>(h: &Harness<S>, leases: &[TrackedLease], op: &Op) -> (Transaction, Effect) {
    let users: Vec<KeyPair> = USERS.iter().map(|s| kp(s)).collect();
    let gens: Vec<KeyPair> = GENERATORS.iter().map(|s| kp(s)).collect();
    match op {
        Op::Transfer { from, to, lto } => (
            h.transfer(&users[*from], &users[*to], lto * LTO),
            Effect::None,
        ),
        Op::Anchor { from, hashes } => (h.anchor(&users[*from], hashes), Effect::None),
        Op::Lease {
            from,
            generator,
            lto,
        } => {
            let t = h.tx(
                &users[*from],
                LTO,
                TxBody::Lease {
                    recipient: addr(&gens[*generator]),
                    amount: Amount(lto * LTO),
                },
            );
            let id = t.id();
            (t, Effect::NewLease(id, *from))
        }
        Op::Cancel { pick } => {
            if leases.is_empty() {
                let t = h.tx(
                    &users[pick % USERS.len()],
                    LTO,
                    TxBody::CancelLease {
                        lease_id: TxId([0xEE; 32]),
                    },
                );
                return (t, Effect::None);
            }
            let i = pick % leases.len();
            let l = &leases[i];
            let t = h.tx(
                &users[l.sender],
                LTO,
                TxBody::CancelLease { lease_id: l.id },
            );
            (t, Effect::Cancel(i))
        }
        Op::Issue { from, to, kind } => (
            h.tx(
                &users[*from],
                50_000_000,
                TxBody::IssueAssociation {
                    association_type: *kind,
                    recipient: addr(&users[*to]),
                    expires: None,
                    subject: None,
                    data: vec![],
                },
            ),
            Effect::None,
        ),
        Op::Revoke { from, to, kind } => (
            h.tx(
                &users[*from],
                50_000_000,
                TxBody::RevokeAssociation {
                    association_type: *kind,
                    recipient: addr(&users[*to]),
                    subject: None,
                },
            ),
            Effect::None,
        ),
    }
}

/// Applies one micro block's operations, dropping each refused transaction (after checking
/// that the refusal changed nothing) until the rest applies or nothing is left. Returns how
/// many transactions were applied.
fn apply_micro<S: Store>(h: &mut Harness<S>, leases: &mut Vec<TrackedLease>, ops: &[Op]) -> usize {
    let mut built: Vec<(Transaction, Effect)> = ops.iter().map(|o| build(h, leases, o)).collect();
    while !built.is_empty() {
        let before = dump(h.chain.store());
        let tip_before = h.chain.tip().cloned();
        let txs: Vec<Transaction> = built.iter().map(|(t, _)| t.clone()).collect();
        match h.micro(txs) {
            Ok(_) => {
                for (_, effect) in &built {
                    match effect {
                        Effect::None => {}
                        Effect::NewLease(id, sender) => leases.push(TrackedLease {
                            id: *id,
                            sender: *sender,
                            active: true,
                        }),
                        Effect::Cancel(i) => leases[*i].active = false,
                    }
                }
                return built.len();
            }
            Err(e) => {
                assert_eq!(
                    dump(h.chain.store()),
                    before,
                    "a refused micro block ({e:?}) changed the store"
                );
                assert_eq!(
                    h.chain.tip().cloned(),
                    tip_before,
                    "a refusal moved the tip"
                );
                let index = match e {
                    ChainError::Apply(MicroBlockError { index, .. })
                    | ChainError::InvalidTx { index, .. } => index,
                    other => panic!("unexpected refusal of a micro block: {other:?}"),
                };
                built.remove(index);
            }
        }
    }
    0
}

/// What applying a plan left: the dumps after genesis and after each block (index i is
/// height i + 1), and the number of transactions applied in each block (index i: height i + 2).
struct Applied {
    dumps: Vec<Dump>,
    tx_counts: Vec<usize>,
}

/// Applies the plan on `store`.
fn apply_plan<S: Store>(store: S, blocks: &[BlockPlan]) -> (Harness<S>, Applied) {
    let mut h = Harness::new(store);
    let gens: Vec<KeyPair> = GENERATORS.iter().map(|s| kp(s)).collect();
    let mut leases = Vec::new();
    let mut dumps = vec![state_dump(h.chain.store())];
    let mut tx_counts = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        h.key_block(&gens[block.generator]).expect("key block");
        let mut count = 0;
        for ops in &block.micros {
            count += apply_micro(&mut h, &mut leases, ops);
        }
        assert_eq!(h.chain.height(), Height(i as u32 + 2));
        dumps.push(state_dump(h.chain.store()));
        tx_counts.push(count);
    }
    (h, Applied { dumps, tx_counts })
}

/// Rolls back `k` of the plan's blocks, then the rest down to the genesis block, checking the
/// dump each time.
fn check_rollback<S: Store>(h: &mut Harness<S>, applied: &Applied, k: usize) {
    let dumps = &applied.dumps;
    let n = dumps.len() - 1;
    assert!((1..=n).contains(&k));
    let target = Height((n - k + 1) as u32);
    let returned = h.chain.rollback_to(target).expect("rollback");
    assert_eq!(h.chain.height(), target);
    assert_eq!(
        state_dump(h.chain.store()),
        dumps[n - k],
        "state after rolling back {k} of {n} blocks"
    );
    assert_eq!(
        returned.len(),
        applied.tx_counts[n - k..].iter().sum::<usize>(),
        "the rolled-back blocks' transactions are returned"
    );
    h.chain.rollback_to(Height(1)).expect("rollback to genesis");
    assert_eq!(h.chain.height(), Height(1));
    assert_eq!(state_dump(h.chain.store()), dumps[0], "state after genesis");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 12,
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_blocks_roll_back_exactly((blocks, depth) in plan()) {
        let (mut h, applied) = apply_plan(MemStore::new(), &blocks);
        let k = 1 + depth.index(blocks.len());
        check_rollback(&mut h, &applied, k);
    }
}

/// One plan drawn from proptest's fixed seed, on RocksDB; it must also leave the same bytes
/// as on `MemStore` after every block.
#[test]
fn fixed_seed_plan_on_rocksdb() {
    let mut runner = TestRunner::deterministic();
    let (blocks, depth) = plan().new_tree(&mut runner).expect("a plan").current();
    let (_dir, store) = rocks();
    let (mut h, applied) = apply_plan(store, &blocks);
    let (_, on_mem) = apply_plan(MemStore::new(), &blocks);
    assert_eq!(
        applied.dumps, on_mem.dumps,
        "RocksStore and MemStore disagree"
    );
    assert_eq!(applied.tx_counts, on_mem.tx_counts);
    let k = 1 + depth.index(blocks.len());
    check_rollback(&mut h, &applied, k);
}
