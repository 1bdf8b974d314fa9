//! Anchor transactions: decode from wire bytes and verify, one by one and batched
//! (issue target: >= 50,000 anchor tx/s on one core with batch verification).
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ltonode_ledger::tx::validate::{verify, verify_batch};
use ltonode_ledger::{Amount, ChainId, KeyPair, Timestamp, Transaction, TxBody, ValidationContext};
use std::hint::black_box;

const NOW: Timestamp = Timestamp(1_700_000_000_000);

/// `n` signed anchor transactions (one 32-byte hash each) from 64 different senders, as wire
/// bytes.
fn anchor_wires(n: usize) -> Vec<Vec<u8>> {
    let keys: Vec<KeyPair> = (0..64)
        .map(|i| KeyPair::from_seed_phrase(&format!("bench {i}"), 0))
        .collect();
    (0..n)
        .map(|i| {
            let kp = &keys[i % keys.len()];
            let mut hash = [0u8; 32];
            hash[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let mut tx = Transaction {
                version: 3,
                chain_id: ChainId::TESTNET,
                timestamp: Timestamp(NOW.0 + i as u64),
                sender: kp.public_key().into(),
                fee: Amount(35_000_000),
                sponsor: None,
                proofs: Vec::new(),
                body: TxBody::Anchor {
                    anchors: vec![hash.to_vec()],
                },
            };
            tx.sign_with(kp);
            tx.to_bytes()
        })
        .collect()
}

fn decode_all(wires: &[Vec<u8>]) -> Vec<Transaction> {
    wires
        .iter()
        .map(|w| Transaction::from_bytes(w, ChainId::TESTNET).expect("decodes"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let ctx = ValidationContext::lto(ChainId::TESTNET, NOW);
    let n = 1024;
    let wires = anchor_wires(n);

    let mut g = c.benchmark_group("anchor_tx");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("decode_1024", |b| b.iter(|| decode_all(black_box(&wires))));
    g.bench_function("decode_verify_single_1024", |b| {
        b.iter(|| {
            for t in decode_all(black_box(&wires)) {
                verify(t, &ctx).expect("valid");
            }
        })
    });
    g.bench_function("decode_verify_batched_1024", |b| {
        b.iter_batched(
            || (),
            |_| {
                let r = verify_batch(decode_all(black_box(&wires)), &ctx);
                assert!(r.iter().all(Result::is_ok));
                r
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
