//! Criterion benchmarks of transaction admission, what `POST /transactions/broadcast` and
//! gossip cost the chain core (`ltonode_core::Core::admit` on RocksDB):
//!
//! - `admission/state_check_and_pool_1000_anchor_txs`: 1,000 anchor transactions from 250
//!   funded senders, verified beforehand, admitted in one call: the known check, the state
//!   check on top of the pool's state and the pool insert. Target (issue 16): >= 20,000 tx/s.
//! - `admission/verify_and_admit_1000_anchor_txs`: the same with the batched signature and
//!   rule checks the broadcast route runs off the core before it.
//!
//! Each iteration admits into a fresh core (built outside the timing) so the pool never
//! fills.
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ltonode_consensus::ChainParams;
use ltonode_core::{Core, CoreConfig, PoolLimits, chain_config};
use ltonode_ledger::chain::Chain;
use ltonode_ledger::genesis::{Allocation, GenesisConfig, seed_address};
use ltonode_ledger::tx::validate::verify_batch;
use ltonode_ledger::tx::{Transaction, TxBody, VerifiedTx};
use ltonode_ledger::{Amount, KeyPair, RocksConfig, RocksStore, Timestamp};
use std::hint::black_box;

const SENDERS: usize = 250;
const TXS: usize = 1_000;

struct Fixture {
    genesis: GenesisConfig,
    params: ChainParams,
    txs: Vec<Transaction>,
}

fn fixture() -> Fixture {
    let mut genesis = GenesisConfig::dev();
    let seeds: Vec<String> = (0..SENDERS)
        .map(|i| format!("admission bench {i}"))
        .collect();
    for s in &seeds {
        genesis.allocations.push(Allocation {
            address: seed_address(genesis.chain_id, s),
            amount: Amount(1_000 * 100_000_000),
            seed: None,
        });
    }
    let keys: Vec<KeyPair> = seeds
        .iter()
        .map(|s| KeyPair::from_seed_phrase(s, 0))
        .collect();
    let txs = (0..TXS)
        .map(|i| {
            let k = &keys[i % SENDERS];
            let mut tx = Transaction {
                version: 3,
                chain_id: genesis.chain_id,
                timestamp: Timestamp(genesis.timestamp.0 + 1 + i as u64),
                sender: k.public_key().into(),
                fee: Amount(35_000_000),
                sponsor: None,
                proofs: vec![],
                body: TxBody::Anchor {
                    anchors: vec![ltonode_ledger::sha256(&i.to_be_bytes()).to_vec()],
                },
            };
            tx.sign_with(k);
            tx
        })
        .collect();
    Fixture {
        genesis,
        params: ChainParams::dev(),
        txs,
    }
}

/// A fresh core on a fresh RocksDB; the directory goes with it.
fn core(f: &Fixture) -> (Core<RocksStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = RocksStore::open(dir.path(), RocksConfig::default()).expect("rocks");
    let chain =
        Chain::open_with_genesis(store, chain_config(&f.params), &f.genesis).expect("genesis");
    let mut config = CoreConfig::new(f.params.clone(), f.genesis.total(), None);
    config.pool_limits = PoolLimits {
        max_txs: 100_000,
        ..PoolLimits::default()
    };
    (Core::new(chain, config).expect("core"), dir)
}

fn verified(core: &Core<RocksStore>, txs: &[Transaction]) -> Vec<VerifiedTx> {
    let ctx = core.validation_context().expect("context");
    verify_batch(txs.to_vec(), &ctx)
        .into_iter()
        .map(|r| r.expect("valid"))
        .collect()
}

fn admission(c: &mut Criterion) {
    let f = fixture();
    let mut group = c.benchmark_group("admission");
    group.throughput(Throughput::Elements(TXS as u64));
    group.sample_size(20);
    group.bench_function("state_check_and_pool_1000_anchor_txs", |b| {
        b.iter_batched(
            || {
                let (core, dir) = core(&f);
                let v = verified(&core, &f.txs);
                (core, dir, v)
            },
            |(mut core, dir, v)| {
                let r = core.admit(v, true).expect("admit");
                assert!(r.iter().all(Result::is_ok));
                black_box((core, dir))
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("verify_and_admit_1000_anchor_txs", |b| {
        b.iter_batched(
            || core(&f),
            |(mut core, dir)| {
                let v = verified(&core, black_box(&f.txs));
                let r = core.admit(v, true).expect("admit");
                assert!(r.iter().all(Result::is_ok));
                black_box((core, dir))
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, admission);
criterion_main!(benches);
