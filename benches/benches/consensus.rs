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

/// A chain forged to height 12 on the minimal preset, and the next key block.
fn forged_chain() -> (
    ltonode_ledger::chain::Chain<ltonode_ledger::MemStore>,
    ltonode_ledger::block::KeyBlockHeader,
    ChainParams,
    u64,
    Timestamp,
) {
    use ltonode_consensus::{Forger, ForgerAction};
    use ltonode_ledger::chain::{Chain, ChainConfig};
    use ltonode_ledger::tx::TxBody;
    use ltonode_ledger::{Address, ChainId, KeyPair, MemStore, PublicKey, Transaction};
    let params = ChainParams::minimal();
    let key = KeyPair::from_seed_phrase("bench forger", 0);
    let supply = 10_000_000 * 100_000_000u64;
    let genesis = Transaction {
        version: 1,
        chain_id: ChainId::TESTNET,
        timestamp: Timestamp(1_767_225_600_000),
        sender: PublicKey([0; 32]).into(),
        fee: Amount(0),
        sponsor: None,
        proofs: vec![],
        body: TxBody::Genesis {
            recipient: Address::from_public_key(ChainId::TESTNET, &key.public_key()),
            amount: Amount(supply),
        },
    };
    let mut chain = Chain::open(MemStore::new(), ChainConfig::lto(ChainId::TESTNET)).expect("open");
    chain
        .init_genesis(
            Timestamp(1_767_225_600_000),
            params.initial_base_target,
            vec![genesis],
        )
        .expect("genesis");
    let mut forger = Forger::new(key, params.clone(), supply);
    let mut now = Timestamp(1_767_225_600_000);
    while chain.height().0 < 12 {
        match forger.step(&chain, now, &[]).expect("step") {
            ForgerAction::KeyBlock(h) => {
                chain.apply_key_block(&h, [0; 32]).expect("apply");
            }
            ForgerAction::Wait { until } => now = until.unwrap_or(Timestamp(now.0 + 1000)),
            ForgerAction::MicroBlock(..) => {}
        }
    }
    let slot = forger.slot(&chain).expect("slot");
    let header = forger.key_block(&chain, slot.at).expect("header");
    (chain, header, params, supply, slot.at)
}

fn bench_validate_header(c: &mut Criterion) {
    let (chain, header, params, supply, at) = forged_chain();
    let now = Timestamp(at.0 + 1_000);
    assert!(ltonode_consensus::validate_key_block(&chain, &params, supply, &header, now).is_ok());
    c.bench_function("consensus/validate_key_block", |b| {
        b.iter(|| {
            ltonode_consensus::validate_key_block(
                black_box(&chain),
                &params,
                supply,
                black_box(&header),
                now,
            )
        })
    });
}

criterion_group!(
    benches,
    bench_delay,
    bench_raffle,
    bench_weighted_balance,
    bench_base_target,
    bench_validate_header
);
criterion_main!(benches);
