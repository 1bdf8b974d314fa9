//! Criterion benchmarks of the Fair PoS arithmetic in `ltonode-consensus` (`pos.rs`): the
//! delay (two `libm::log`), the raffle factor (one `libm::exp`), the weighted balance and the
//! base-target rule. Each runs once per candidate block on every node, so they should stay in
//! the tens of nanoseconds.
#![allow(missing_docs)]
use criterion::{Criterion, criterion_group, criterion_main};
use ltonode_consensus::{
    ChainParams, RaffleFactor, RaffleInputs, delay_ms, next_base_target, raffle_factor_ppm,
    weighted_balance,
};
use ltonode_ledger::{Amount, Height, Timestamp};
use std::hint::black_box;

fn bench_delay(c: &mut Criterion) {
    let p = ChainParams::mainnet();
    c.bench_function("consensus/delay_ms", |b| {
        b.iter(|| {
            delay_ms(
                black_box(&p),
                black_box(0x1234_5678_9abc_def0),
                black_box(32),
                black_box(10_000_000_000_000),
            )
        })
    });
}

fn bench_raffle(c: &mut Criterion) {
    let inputs = RaffleInputs {
        stake: 3_000_000_000_000_000,
        total_stake: 40_000_000_000_000_000,
        txs: 1_234,
        total_txs: 98_765,
    };
    c.bench_function("consensus/raffle_factor_ppm", |b| {
        b.iter(|| raffle_factor_ppm(black_box(&inputs)))
    });
}

fn bench_weighted_balance(c: &mut Criterion) {
    let p = ChainParams::mainnet();
    let r = RaffleFactor::from_ppm(1_303_265).unwrap_or(RaffleFactor::ONE);
    c.bench_function("consensus/weighted_balance", |b| {
        b.iter(|| {
            weighted_balance(
                black_box(&p),
                black_box(Amount(5_000_000_000_000_000)),
                black_box(Amount(100_000_000_000_000)),
                black_box(r),
            )
        })
    });
}

fn bench_base_target(c: &mut Criterion) {
    let p = ChainParams::mainnet();
    c.bench_function("consensus/next_base_target", |b| {
        b.iter(|| {
            next_base_target(
                black_box(&p),
                black_box(153_722_867),
                black_box(Height(1_000_000)),
                black_box(Timestamp(1_700_000_300_000)),
                black_box(Some(Timestamp(1_700_000_000_000))),
            )
        })
    });
}

criterion_group!(
    benches,
    bench_delay,
    bench_raffle,
    bench_weighted_balance,
    bench_base_target
);
criterion_main!(benches);
