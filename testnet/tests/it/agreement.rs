//! Seven generators with unequal stakes and a transaction load agree on one chain.

use crate::support::{SEVEN, assert_agree, run_to_height, seven};
use ltonode_testnet::sim::Sim;

fn run(blocks: u32, seed: u64) -> Sim {
    let mut cfg = seven(seed);
    cfg.loss = 0.01;
    let mut sim = Sim::new(cfg).expect("sim");
    run_to_height(&mut sim, blocks);
    sim.settle(20_000);
    sim
}

#[test]
fn seven_nodes_agree_after_300_blocks() {
    let sim = run(300, 1);
    assert_agree(&sim);
    assert!(sim.min_height().0 >= 300);
    for n in sim.nodes() {
        assert!(
            n.stats.refusals.is_empty(),
            "node {} refused {:?}",
            n.id(),
            n.stats.refusals
        );
    }
    // Transactions made it into blocks everywhere.
    let micro: u64 = sim
        .nodes()
        .iter()
        .map(|n| n.stats.micro_blocks_forged)
        .sum();
    assert!(micro > 50, "only {micro} micro blocks");
    assert!(sim.txs_generated() > 500);
}

/// The long run: 2,000 key blocks; prints its wall time. Also checks each generator's share
/// of key blocks against its share of stake (±8 percentage points).
#[test]
#[ignore = "long: run with --release -- --ignored"]
#[allow(clippy::disallowed_methods)]
fn seven_nodes_agree_after_2000_blocks_and_share_matches_stake() {
    let started = std::time::Instant::now();
    let sim = run(2_000, 2);
    let wall = started.elapsed();
    assert_agree(&sim);
    let counts = sim.blocks_per_generator(0).expect("counts");
    let total: u64 = counts.iter().sum();
    let stake: u64 = SEVEN.iter().sum();
    for (i, (&c, &s)) in counts.iter().zip(&SEVEN).enumerate() {
        let share = c as f64 / total as f64;
        let expected = s as f64 / stake as f64;
        println!("generator {i}: {c} blocks, share {share:.3}, stake {expected:.3}");
        assert!(
            (share - expected).abs() < 0.08,
            "generator {i}: {share} vs {expected}"
        );
    }
    println!(
        "7 nodes x {} key blocks: wall time {:.1} s, virtual {:.0} s, {} txs, {} messages",
        sim.min_height().0,
        wall.as_secs_f64(),
        (sim.now() - ltonode_testnet::sim::GENESIS_TS) as f64 / 1000.0,
        sim.txs_generated(),
        sim.delivered,
    );
}
