//! Criterion benchmarks of the ECVRF hit proof (RFC 9381 ECVRF-EDWARDS25519-SHA512-TAI):
//! the forger proves once per attempt, every validator verifies once per key block.
#![allow(missing_docs)]
use criterion::{Criterion, criterion_group, criterion_main};
use ltonode_consensus::vrf::{proof_to_hash, prove, public_key, verify};
use std::hint::black_box;

fn vrf(c: &mut Criterion) {
    let seed = [7u8; 32];
    let pk = public_key(&seed);
    let alpha = [0x5au8; 32]; // a 32-byte hit source, as in a block header
    let Ok((proof, _)) = prove(&seed, &alpha) else {
        return;
    };

    let mut group = c.benchmark_group("vrf");
    group.bench_function("prove", |b| {
        b.iter(|| prove(black_box(&seed), black_box(&alpha)))
    });
    group.bench_function("verify", |b| {
        b.iter(|| verify(black_box(&pk), black_box(&alpha), black_box(&proof)))
    });
    group.bench_function("proof_to_hash", |b| {
        b.iter(|| proof_to_hash(black_box(&proof)))
    });
    group.finish();
}

criterion_group!(benches, vrf);
criterion_main!(benches);
