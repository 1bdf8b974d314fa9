//! Applying a summary: fast sync's state build at a boundary from a summary of 200,000
//! balance entries (issue target: <= 0.3 s), on RocksDB; deriving a summary hash; adding up
//! summaries; and checking a header chain of 10,000 headers (a year is 525,600).
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ltonode_ledger::block::{BlockId, KeyBlockHeader, next_total_id};
use ltonode_ledger::chain::{Chain, ChainConfig, Snapshot};
use ltonode_ledger::{
    Address, ChainId, Height, KeyPair, PublicKey, RocksConfig, RocksStore, Timestamp,
};
use ltonode_summary::{SummaryBlock, SyncedHeader, snapshot_of, verify_header_chain};
use std::collections::BTreeMap;

const ENTRIES: u32 = 200_000;
const CHAIN_HEADERS: u32 = 10_000;

/// A signed, linked header chain of `n` headers, each block keeping one micro block.
fn header_chain(n: u32) -> Vec<SyncedHeader> {
    let keys = [
        KeyPair::from_seed_phrase("bench generator", 0),
        KeyPair::from_seed_phrase("bench generator", 1),
    ];
    let mut out: Vec<SyncedHeader> = Vec::with_capacity(n as usize);
    for h in 1..=n {
        let parent = out.last().map_or(BlockId([0; 32]), |p| {
            p.micro_ids
                .iter()
                .fold(p.header.id(), |t, m| next_total_id(&t, m))
        });
        let mut header = KeyBlockHeader::unsigned(
            Height(h),
            Timestamp(1_767_225_600_000 + u64::from(h) * 60_000),
            parent,
            50,
        );
        header.sign(&keys[(h % 2) as usize]);
        out.push(SyncedHeader {
            header,
            micro_ids: vec![BlockId([(h % 251) as u8; 32])],
        });
    }
    out
}

fn headers() -> Vec<KeyBlockHeader> {
    let key = KeyPair::from_seed_phrase("bench generator", 0);
    (1..=2u32)
        .map(|h| {
            let mut header = KeyBlockHeader::unsigned(
                Height(h),
                Timestamp(1_767_225_600_000 + u64::from(h) * 5_000),
                BlockId([0; 32]),
                50,
            );
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
    g.bench_function("verify_header_chain_10k", |b| {
        let chain = header_chain(CHAIN_HEADERS);
        let genesis = chain[0].header.id();
        b.iter(|| verify_header_chain(&chain, &genesis).expect("valid"))
    });
    // Adding up 10 summaries, the first crediting all 200,000 addresses, the others moving
    // balances between 100,000 of them (the same half each time, plus a few others): what
    // fast sync does before it bootstraps.
    let summaries: Vec<SummaryBlock> = (1..=10u32)
        .map(|index| {
            let mut picked: Vec<Address> = addrs
                .iter()
                .enumerate()
                .filter(|(i, _)| index == 1 || i % 2 == 0 || (*i as u32) % 97 == index)
                .map(|(_, a)| *a)
                .collect();
            picked.sort();
            if index > 1 && picked.len() % 2 == 1 {
                picked.pop();
            }
            let balance_changes = picked
                .iter()
                .enumerate()
                .map(|(i, a)| match (index, i % 2) {
                    (1, _) => (*a, 1_000),
                    (_, 0) => (*a, 7),
                    _ => (*a, -7),
                })
                .collect();
            SummaryBlock {
                index,
                from: Height(index),
                to: Height(index),
                balance_changes,
                transactions: Vec::new(),
                total_fees: 0,
                total_txs: 0,
                carried_in: 0,
                carried_out: 0,
            }
        })
        .collect();
    let committing = header_chain(11)
        .into_iter()
        .enumerate()
        .map(|(i, mut h)| {
            if i > 0 {
                h.header.commitments.summary_hash = summaries[i - 1].hash();
            }
            h
        })
        .collect::<Vec<_>>();
    g.bench_function("snapshot_of_10_summaries_of_200k_entries", |b| {
        b.iter(|| snapshot_of(&committing, &summaries, 1).expect("adds up"))
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&root);
}

criterion_group!(benches, bench);
criterion_main!(benches);
