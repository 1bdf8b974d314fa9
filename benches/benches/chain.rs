//! Criterion benchmarks of the chain on RocksDB (`ltonode_ledger::chain::Chain<RocksStore>`):
//!
//! - `chain_apply/key_block_plus_10k_anchor_txs`: a key block (which also commits the previous
//!   block's 10,000 anchors with their Merkle paths) and 20 micro blocks of 500 one-anchor
//!   transactions from 250 senders, signatures verified beforehand as a forger's pool does
//!   (`apply_own_micro_block`). Target: >= 30,000 tx/s on one core. Each iteration applies
//!   one more block on the same chain; building and verifying its transactions is not timed.
//! - `anchor_receipt/random_of_100k`: `Chain::anchor` of a random anchor among 100,000
//!   committed by the following key block (the tip), read from RocksDB; `.._below_tip` the
//!   same after one more key block. Target: >= 100,000 receipts/s.
//!
//! The Merkle roots of 1,000,000 anchors are in `merkle.rs`.
//!
//! With `LTONODE_APPLY_BLOCKS=n` set, the binary runs no criterion benchmark: it builds `n`
//! such blocks on one chain (signing and verifying their transactions), then applies them
//! on a second, fresh chain (the same blocks: everything is deterministic) and prints the
//! apply rate, with the CPU time of the applying thread and of the whole process (RocksDB's
//! background threads). Only the second phase applies blocks, so a profiler attached after
//! the line `applying` sees nothing else, e.g.
//! `perf record -g -p <pid>` (the binary waits `LTONODE_APPLY_WAIT` seconds, default 2,
//! before applying).
#![allow(missing_docs)]

use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock, VRF_PROOF_LEN};
use ltonode_ledger::chain::{Chain, ChainConfig};
use ltonode_ledger::tx::VerifiedTx;
use ltonode_ledger::tx::validate::verify_batch;
use ltonode_ledger::{
    Address, Amount, ChainId, Height, KeyPair, PublicKey, RocksConfig, RocksStore, Signature,
    Timestamp, Transaction, TxBody, ValidationContext,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::hint::black_box;
use std::time::{Duration, Instant};

const T: ChainId = ChainId::TESTNET;
const T0: u64 = 1_767_225_600_000;
const LTO: u64 = 100_000_000;
/// Senders funded in genesis (at most 500 genesis transactions).
const SENDERS: usize = 250;
const MICROS: usize = 20;
const PER_MICRO: usize = 500;
const TXS_PER_BLOCK: usize = MICROS * PER_MICRO;

/// A chain on a fresh RocksDB with `SENDERS` funded accounts; the directory goes with it.
struct Bench {
    chain: Chain<RocksStore>,
    senders: Vec<KeyPair>,
    generator: KeyPair,
    _dir: tempfile::TempDir,
}

/// One block ready to apply: its key block and its micro blocks with their verified
/// transactions.
struct Block {
    header: KeyBlockHeader,
    micros: Vec<(MicroBlock, Vec<VerifiedTx>)>,
}

impl Bench {
    fn new() -> Bench {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = RocksStore::open(dir.path(), RocksConfig::default()).expect("open rocks");
        let mut chain = Chain::open(store, ChainConfig::lto(T)).expect("open chain");
        let senders: Vec<KeyPair> = (0..SENDERS)
            .map(|i| KeyPair::from_seed_phrase(&format!("chain bench {i}"), 0))
            .collect();
        let genesis = senders
            .iter()
            .map(|k| {
                Transaction::genesis(
                    T,
                    Timestamp(T0),
                    Address::from_public_key(T, &k.public_key()),
                    Amount(10_000_000 * LTO),
                )
            })
            .collect();
        chain
            .init_genesis(Timestamp(T0), 250, genesis)
            .expect("genesis");
        Bench {
            chain,
            senders,
            generator: KeyPair::from_seed_phrase("chain bench generator", 0),
            _dir: dir,
        }
    }

    /// The next block, whose transactions each anchor `per_tx` distinct 32-byte values
    /// derived from the height; `micros` micro blocks of `per_micro` transactions.
    fn next_block(&self, micros: usize, per_micro: usize, per_tx: usize) -> Block {
        let tip = self.chain.tip().expect("tip");
        let h = tip.height.0 + 1;
        let timestamp = Timestamp(tip.header.timestamp.0 + 5_000);
        let mut header = KeyBlockHeader {
            version: ltonode_ledger::block::KEY_BLOCK_VERSION,
            height: Height(h),
            timestamp,
            parent: tip.total_id,
            base_target: 250,
            vrf_proof: [0; VRF_PROOF_LEN],
            commitments: self.chain.next_commitments().expect("commitments"),
            generator: PublicKey([0; 32]),
            signature: Signature([0; 64]),
        };
        header.sign(&self.generator);
        let ctx = ValidationContext::lto(T, timestamp);
        let mut parent = header.id();
        let mut out = Vec::with_capacity(micros);
        for m in 0..micros {
            let txs: Vec<Transaction> = (0..per_micro)
                .map(|i| {
                    let n = (m * per_micro + i) as u64;
                    let sender = &self.senders[n as usize % self.senders.len()];
                    let anchors = (0..per_tx as u64)
                        .map(|j| anchor_value(h, n * per_tx as u64 + j).to_vec())
                        .collect();
                    let mut t = Transaction {
                        version: 3,
                        chain_id: T,
                        timestamp,
                        sender: sender.public_key().into(),
                        fee: Amount((250 + 100 * per_tx as u64) * 100_000),
                        sponsor: None,
                        proofs: vec![],
                        body: TxBody::Anchor { anchors },
                    };
                    t.sign_with(sender);
                    t
                })
                .collect();
            let verified: Vec<VerifiedTx> = verify_batch(txs.clone(), &ctx)
                .into_iter()
                .collect::<Result<_, _>>()
                .expect("valid transactions");
            let micro = MicroBlock::new_signed(parent, txs, &self.generator);
            parent = micro.total_id();
            out.push((micro, verified));
        }
        Block {
            header,
            micros: out,
        }
    }

    fn apply(&mut self, block: &Block) {
        let returned = self
            .chain
            .apply_key_block(&block.header, [0; 32])
            .expect("key block");
        assert!(returned.is_empty());
        for (micro, verified) in &block.micros {
            self.chain
                .apply_own_micro_block(micro, verified)
                .expect("micro block");
        }
    }
}

/// The `n`-th anchored value of block `h`.
fn anchor_value(h: u32, n: u64) -> [u8; 32] {
    let mut v = [0x42u8; 32];
    v[..4].copy_from_slice(&h.to_be_bytes());
    v[4..12].copy_from_slice(&n.to_be_bytes());
    v
}

fn apply_blocks(c: &mut Criterion) {
    let mut bench = Bench::new();
    let mut g = c.benchmark_group("chain_apply");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(TXS_PER_BLOCK as u64));
    g.bench_function("key_block_plus_10k_anchor_txs", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let block = bench.next_block(MICROS, PER_MICRO, 1);
                let start = Instant::now();
                bench.apply(black_box(&block));
                timed += start.elapsed();
            }
            timed
        })
    });
    g.finish();
}

fn receipts(c: &mut Criterion) {
    // 100,000 anchors: 1,000 transactions of 100 anchors at height 2 (4 micro blocks of 250,
    // under the 1 MiB micro block limit), committed by key block 3.
    const PER_TX: usize = 100;
    const ANCHORS: u64 = 100_000;
    let mut bench = Bench::new();
    let block = bench.next_block(4, 250, PER_TX);
    bench.apply(&block);
    let commit = bench.next_block(0, 0, 0);
    bench.apply(&commit);
    bench.chain.store().flush().expect("flush");
    let h = 2;
    let mut rng = StdRng::seed_from_u64(7);

    const READS: usize = 1_000;
    let mut lookups = |b: &mut criterion::Bencher<'_>, chain: &Chain<RocksStore>| {
        b.iter(|| {
            for _ in 0..READS {
                let value = anchor_value(h, rng.random_range(0..ANCHORS));
                let entries = chain.anchor(black_box(&value)).expect("lookup");
                let receipt = entries
                    .into_iter()
                    .next()
                    .and_then(|e| e.receipt)
                    .expect("a receipt");
                black_box(receipt);
            }
        })
    };
    let mut g = c.benchmark_group("anchor_receipt");
    g.throughput(Throughput::Elements(READS as u64));
    // The committing key block is the tip (its header is in memory).
    g.bench_function("random_of_100k", |b| lookups(b, &bench.chain));
    // One more key block: the committing header is read from the store.
    let next = bench.next_block(0, 0, 0);
    bench.apply(&next);
    g.bench_function("random_of_100k_below_tip", |b| lookups(b, &bench.chain));
    g.finish();
}

/// CPU seconds (user + system) of `/proc/<what>/stat`: `thread-self` or `self`.
fn cpu_seconds(what: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{what}/stat")).unwrap_or_default();
    // Fields after the command name (which ends with the last ')'): utime and stime are the
    // 12th and 13th of them, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
}

/// The `LTONODE_APPLY_BLOCKS` mode (see the header).
fn apply_prebuilt(n: usize) {
    let mut builder = Bench::new();
    let blocks: Vec<Block> = (0..n)
        .map(|_| {
            let block = builder.next_block(MICROS, PER_MICRO, 1);
            builder.apply(&block);
            block
        })
        .collect();
    let mut bench = Bench::new();
    let wait: u64 = std::env::var("LTONODE_APPLY_WAIT")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    println!(
        "applying {n} blocks in {wait} s (pid {})",
        std::process::id()
    );
    std::thread::sleep(Duration::from_secs(wait));
    let (thread0, process0) = (cpu_seconds("thread-self"), cpu_seconds("self"));
    let start = Instant::now();
    let mut key_blocks = Duration::ZERO;
    for block in &blocks {
        let k = Instant::now();
        let returned = bench
            .chain
            .apply_key_block(black_box(&block.header), [0; 32])
            .expect("key block");
        assert!(returned.is_empty());
        key_blocks += k.elapsed();
        for (micro, verified) in &block.micros {
            bench
                .chain
                .apply_own_micro_block(black_box(micro), verified)
                .expect("micro block");
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let (thread, process) = (
        cpu_seconds("thread-self") - thread0,
        cpu_seconds("self") - process0,
    );
    let txs = (n * TXS_PER_BLOCK) as f64;
    println!(
        "applied {} txs in {wall:.2} s (key blocks {:.2} s): {:.0} tx/s; CPU: applying thread \
         {thread:.2} s ({:.0} tx/s per CPU second), whole process {process:.2} s",
        n * TXS_PER_BLOCK,
        key_blocks.as_secs_f64(),
        txs / wall,
        txs / thread.max(0.01),
    );
    assert_eq!(
        bench.chain.tip().expect("tip").total_id,
        builder.chain.tip().expect("tip").total_id
    );
}

criterion_group!(benches, apply_blocks, receipts);

fn main() {
    if let Some(n) = std::env::var("LTONODE_APPLY_BLOCKS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        apply_prebuilt(n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
