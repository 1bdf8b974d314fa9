//! Criterion benchmarks of the RocksDB store (`ltonode_ledger::store::RocksStore`): 1,000,000
//! small keys (32-byte key, 40-byte value, as for tx ids and anchors) written in atomic batches
//! of 1,000 spread over 3 columns, then random point reads of present and absent keys.
#![allow(missing_docs)]
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ltonode_ledger::store::{Column, RocksConfig, RocksStore, Store, WriteBatch};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

const KEYS: usize = 1_000_000;
const BATCH: usize = 1_000;
const COLUMNS: [Column; 3] = [Column::Txs, Column::Anchors, Column::BalanceHistory];

/// A fresh database directory, removed on drop (the benches crate has no tempfile).
struct BenchDir(PathBuf);

impl BenchDir {
    fn new() -> BenchDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("ltonode-store-bench-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        BenchDir(path)
    }
}

impl Drop for BenchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn keys(n: usize, seed: u64) -> Vec<[u8; 32]> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random()).collect()
}

fn column_of(i: usize) -> Column {
    COLUMNS[i % COLUMNS.len()]
}

fn write_all(store: &RocksStore, keys: &[[u8; 32]]) {
    let value = [0x5Au8; 40];
    for (chunk_index, chunk) in keys.chunks(BATCH).enumerate() {
        let mut batch = WriteBatch::with_capacity(chunk.len());
        for (j, key) in chunk.iter().enumerate() {
            batch.put(column_of(chunk_index * BATCH + j), *key, value);
        }
        store.write(batch).unwrap();
    }
}

fn open(dir: &BenchDir) -> RocksStore {
    RocksStore::open(&dir.0, RocksConfig::default()).unwrap()
}

fn batched_writes(c: &mut Criterion) {
    let keys = keys(KEYS, 1);
    let mut group = c.benchmark_group("store_write_1m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(KEYS as u64));
    group.bench_function("batches_of_1000_3_columns", |b| {
        b.iter_batched(
            || {
                let dir = BenchDir::new();
                let store = open(&dir);
                (dir, store)
            },
            |(dir, store)| {
                write_all(&store, black_box(&keys));
                // Returned so that closing the database is not timed.
                (store, dir)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn point_gets(c: &mut Criterion) {
    let keys = keys(KEYS, 2);
    let dir = BenchDir::new();
    let store = open(&dir);
    write_all(&store, &keys);
    store.flush().unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    const READS: usize = 1_000;
    let mut group = c.benchmark_group("store_get_1m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(READS as u64));
    group.bench_function("present_random", |b| {
        b.iter(|| {
            for _ in 0..READS {
                let i = rng.random_range(0..KEYS);
                let value = store.get(column_of(i), &keys[i]).unwrap();
                black_box(value.expect("written key"));
            }
        })
    });
    group.bench_function("absent_random", |b| {
        b.iter(|| {
            for _ in 0..READS {
                let key: [u8; 32] = rng.random();
                black_box(store.get(COLUMNS[0], &key).unwrap());
            }
        })
    });
    group.finish();
    drop(store);
}

criterion_group!(benches, batched_writes, point_gets);
criterion_main!(benches);
