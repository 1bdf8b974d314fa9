//! Applying a summary: fast sync's state build at a boundary from a summary of 200,000
//! balance entries (issue target: <= 0.3 s), on RocksDB; and deriving a summary hash.
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ltonode_ledger::block::{BlockId, Commitments, KeyBlockHeader, VRF_PROOF_LEN};
use ltonode_ledger::chain::{Chain, ChainConfig, Snapshot};
use ltonode_ledger::merkle::AnchorRoots;
use ltonode_ledger::{
    Address, ChainId, Height, KeyPair, PublicKey, RocksConfig, RocksStore, Signature, Timestamp,
};
use ltonode_summary::SummaryBlock;
use std::collections::BTreeMap;

const ENTRIES: u32 = 200_000;

fn headers() -> Vec<KeyBlockHeader> {
    let key = KeyPair::from_seed_phrase("bench generator", 0);
    (1..=2u32)
        .map(|h| {
            let mut header = KeyBlockHeader {
                version: 1,
                height: Height(h),
                timestamp: Timestamp(1_767_225_600_000 + u64::from(h) * 5_000),
                parent: BlockId([0; 32]),
                base_target: 50,
                vrf_proof: [0; VRF_PROOF_LEN],
                commitments: Commitments {
                    tx_root: [0; 32],
                    anchors: AnchorRoots::empty(),
                    summary_hash: [0; 32],
                },
                generator: PublicKey([0; 32]),
                signature: Signature([0; 64]),
            };
            header.sign(&key);
            header
        })
        .collect()
}

fn addresses() -> Vec<Address> {
    (0..ENTRIES)
        .map(|i| {
            let mut pk = [7u8; 32];
            pk[..4].copy_from_slice(&i.to_be_bytes());
            Address::from_public_key(ChainId::TESTNET, &PublicKey(pk))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let addrs = addresses();
    let snapshot = Snapshot {
        balances: addrs
            .iter()
            .enumerate()
            .map(|(i, a)| (*a, 1_000_000 + i as u64))
            .collect::<BTreeMap<_, _>>(),
        transactions: Vec::new(),
        carried: 0,
    };
    let headers = headers();
    let mut config = ChainConfig::lto(ChainId::TESTNET);
    config.summary_period = 1;
    let root = std::env::temp_dir().join(format!("ltonode-bench-summary-{}", std::process::id()));
    let mut g = c.benchmark_group("summary");
    g.sample_size(10);
    let mut n = 0u32;
    g.bench_function("apply_200k_balance_entries_rocksdb", |b| {
        b.iter_batched(
            || {
                n += 1;
                let dir = root.join(n.to_string());
                let store = RocksStore::open(&dir, RocksConfig::default()).expect("open");
                (Chain::open(store, config.clone()).expect("chain"), dir)
            },
            |(mut chain, dir)| {
                chain.bootstrap(&headers, &snapshot).expect("bootstrap");
                (chain, dir)
            },
            BatchSize::PerIteration,
        )
    });
    let mut changes: Vec<(Address, i64)> = addrs.iter().map(|a| (*a, 5)).collect();
    changes.sort();
    let summary = SummaryBlock {
        index: 1,
        from: Height(1),
        to: Height(1440),
        balance_changes: changes,
        transactions: Vec::new(),
        total_fees: 0,
        total_txs: 0,
        carried_in: 0,
        carried_out: 0,
    };
    g.bench_function("encode_and_hash_200k_entries", |b| {
        b.iter(|| summary.hash())
    });
    let bytes = summary.to_bytes();
    g.bench_function("decode_and_check_200k_entries", |b| {
        b.iter(|| SummaryBlock::from_bytes(&bytes, ChainId::TESTNET).expect("decode"))
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&root);
}

criterion_group!(benches, bench);
criterion_main!(benches);
