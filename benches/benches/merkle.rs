//! Criterion benchmarks of the anchor Merkle trees (`ltonode_ledger::merkle`): the roots a key
//! block commits for 1,000,000 anchors (budget: both roots in at most 0.5 s on one core), and
//! receipt proofs in a 10,000-anchor block.
#![allow(missing_docs)]
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ltonode_ledger::Hash32;
use ltonode_ledger::merkle::{
    AnchorTrees, Blake2bHasher, MerkleBuilder, MerkleHasher, MerkleTree, Sha256Hasher,
    anchor_roots, merkle_root,
};
use std::hint::black_box;

/// `n` distinct 32-byte anchors (the usual anchor is a SHA-256 document hash).
fn anchors(n: u32) -> Vec<Hash32> {
    (0..n)
        .map(|i| ltonode_ledger::sha256(&i.to_le_bytes()))
        .collect()
}

fn roots_1m(c: &mut Criterion) {
    let anchors = anchors(1_000_000);
    let mut group = c.benchmark_group("merkle_root_1m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(anchors.len() as u64));
    group.bench_function("sha256", |b| {
        b.iter(|| merkle_root::<Sha256Hasher, _>(black_box(&anchors)))
    });
    group.bench_function("blake2b256", |b| {
        b.iter(|| merkle_root::<Blake2bHasher, _>(black_box(&anchors)))
    });
    group.bench_function("both", |b| b.iter(|| anchor_roots(black_box(&anchors))));
    group.bench_function("incremental_both", |b| {
        b.iter(|| {
            let mut sha = MerkleBuilder::<Sha256Hasher>::new();
            let mut blake = MerkleBuilder::<Blake2bHasher>::new();
            for anchor in black_box(&anchors) {
                sha.push(anchor);
                blake.push(anchor);
            }
            (sha.root(), blake.root())
        })
    });
    group.bench_function("tree_both_levels_kept", |b| {
        b.iter(|| AnchorTrees::new(black_box(&anchors)))
    });
    group.finish();
}

fn proofs_10k(c: &mut Criterion) {
    let anchors = anchors(10_000);
    let mut group = c.benchmark_group("merkle_proof_10k");
    group.bench_function("build_tree_sha256", |b| {
        b.iter(|| MerkleTree::<Sha256Hasher>::new(black_box(&anchors)))
    });
    let tree = MerkleTree::<Sha256Hasher>::new(&anchors);
    let root = tree.root();
    let mut index = 0u64;
    group.bench_function("proof_sha256", |b| {
        b.iter(|| {
            index = (index + 7919) % 10_000;
            tree.proof(black_box(index))
        })
    });
    group.bench_function("verify_sha256", |b| {
        b.iter_batched(
            || {
                index = (index + 7919) % 10_000;
                (tree.proof(index).expect("in range"), index)
            },
            |(proof, i)| proof.verify::<Sha256Hasher>(&root, &anchors[i as usize]),
            BatchSize::SmallInput,
        )
    });
    let btree = MerkleTree::<Blake2bHasher>::new(&anchors);
    let broot = btree.root();
    group.bench_function("verify_blake2b256", |b| {
        b.iter_batched(
            || {
                index = (index + 7919) % 10_000;
                (btree.proof(index).expect("in range"), index)
            },
            |(proof, i)| proof.verify::<Blake2bHasher>(&broot, &anchors[i as usize]),
            BatchSize::SmallInput,
        )
    });
    let trees = AnchorTrees::new(&anchors);
    let roots = trees.roots();
    group.bench_function("receipt_proofs_both", |b| {
        b.iter(|| {
            index = (index + 7919) % 10_000;
            trees.proofs(black_box(index))
        })
    });
    group.bench_function("receipt_verify_both", |b| {
        b.iter_batched(
            || {
                index = (index + 7919) % 10_000;
                (trees.proofs(index).expect("in range"), index)
            },
            |(proofs, i)| proofs.verify(&roots, &anchors[i as usize]),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn hashers(c: &mut Criterion) {
    let (l, r) = ([1u8; 32], [2u8; 32]);
    let mut group = c.benchmark_group("merkle_hash");
    group.bench_function("sha256_leaf_32", |b| {
        b.iter(|| Sha256Hasher::leaf(black_box(&l)))
    });
    group.bench_function("sha256_node", |b| {
        b.iter(|| Sha256Hasher::node(black_box(&l), black_box(&r)))
    });
    group.bench_function("blake2b256_leaf_32", |b| {
        b.iter(|| Blake2bHasher::leaf(black_box(&l)))
    });
    group.bench_function("blake2b256_node", |b| {
        b.iter(|| Blake2bHasher::node(black_box(&l), black_box(&r)))
    });
    group.finish();
}

criterion_group!(benches, hashers, roots_1m, proofs_10k);
criterion_main!(benches);
