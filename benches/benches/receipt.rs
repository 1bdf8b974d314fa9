//! Criterion benchmarks of anchor receipts (`ltonode_ledger::receipt`) for an anchor a year
//! old: the middle anchor of a block of 35,000, proven through a history tree of 525,600 key
//! blocks (the fixture `ltonode_ledger::test_support::year_old_receipt`, shared with the
//! ledger's `receipt_size` test). Verifying is hashing only, about 60 hashes: in each anchor
//! tree the leaf, 16 nodes and the count-bound root; in the history tree the leaf, 20 nodes
//! and the root; the two header ids.
#![allow(missing_docs)]
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ltonode_ledger::receipt::AnchorReceipt;
use ltonode_ledger::test_support::year_old_receipt;
use std::hint::black_box;

fn year_old(c: &mut Criterion) {
    let fixture = year_old_receipt().expect("fixture");
    let (receipt, trusted) = (&fixture.receipt, fixture.trusted);
    let text = receipt.to_json().to_string();
    eprintln!("year-old receipt: {} bytes of JSON", text.len());

    let mut group = c.benchmark_group("receipt_year_old");
    group.bench_function("verify", |b| {
        b.iter(|| black_box(receipt).verify(black_box(&trusted)))
    });
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse_and_verify_json", |b| {
        b.iter(|| {
            AnchorReceipt::from_json_text(black_box(text.as_bytes()))
                .expect("reads")
                .verify(black_box(&trusted))
        })
    });
    group.bench_function("to_json_text", |b| {
        b.iter(|| black_box(receipt).to_json().to_string())
    });
    group.finish();
}

criterion_group!(benches, year_old);
criterion_main!(benches);
