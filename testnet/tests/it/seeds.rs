//! A sweep of seeds over the production core in the simulation: each seed draws its own
//! faults for four nodes (a 2/2 or 3/1 partition that heals, a node crashed and restarted,
//! lost messages and link latencies that reorder them, and sometimes a byzantine generator
//! with an early timestamp, a bad VRF proof or another's key), runs, settles, and must end
//! with every live node on one chain and one state hash, no internal error, no reorganisation
//! deeper than the rollback limit and nothing undone below finality.
//!
//! `SIM_SEEDS` sets how many seeds (default 200), `SIM_SEED` runs one; a failing seed prints
//! the command that replays it.

use ltonode_testnet::sim::{ByzantineMode, Sim, SimConfig};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What one seed does, drawn from the seed.
#[derive(Debug)]
struct Plan {
    stakes: Vec<u64>,
    loss: f64,
    byzantine: Option<(usize, ByzantineMode)>,
    groups: [Vec<usize>; 2],
    partition_at_ms: u64,
    partition_ms: u64,
    crash: Option<(usize, u64, u64)>,
}

fn plan(seed: u64) -> Plan {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let stakes: Vec<u64> = (0..4)
        .map(|_| rng.random_range(500_000..3_000_000u64))
        .collect();
    let mut order: Vec<usize> = (0..4).collect();
    for i in (1..4).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let cut = if rng.random_bool(0.5) { 2 } else { 3 };
    let groups = [order[..cut].to_vec(), order[cut..].to_vec()];
    let byzantine = rng.random_bool(0.3).then(|| {
        let mode = match rng.random_range(0..3u8) {
            0 => ByzantineMode::EarlyTimestamp,
            1 => ByzantineMode::BadVrf,
            _ => ByzantineMode::ForeignKey,
        };
        (rng.random_range(0..4usize), mode)
    });
    let crash = rng.random_bool(0.5).then(|| {
        (
            rng.random_range(0..4usize),
            rng.random_range(5_000..40_000u64),
            8_000,
        )
    });
    Plan {
        stakes,
        loss: rng.random_range(0.0..0.05),
        byzantine,
        groups,
        partition_at_ms: rng.random_range(8_000..20_000),
        partition_ms: rng.random_range(10_000..25_000),
        crash,
    }
}

/// Runs one seed; the reason it failed, if it did.
fn run(seed: u64) -> Result<String, String> {
    let p = plan(seed);
    let mut cfg = SimConfig::new(seed, p.stakes.clone());
    cfg.loss = p.loss;
    cfg.users = 4;
    cfg.tx_interval_ms = Some(1_500);
    cfg.byzantine = p.byzantine.into_iter().collect();
    let mut sim = Sim::new(cfg).map_err(|e| format!("sim: {e:?}"))?;
    let mut events: Vec<(u64, u8)> = vec![
        (p.partition_at_ms, 0),
        (p.partition_at_ms + p.partition_ms, 1),
    ];
    if let Some((_, at, down)) = p.crash {
        events.push((at, 2));
        events.push((at + down, 3));
    }
    events.sort();
    let mut finalized_ids = Vec::new();
    for (at, what) in events {
        sim.run_until(at);
        match what {
            0 => sim.partition(&p.groups),
            1 => sim.heal(),
            2 => sim.crash(p.crash.map_or(0, |c| c.0)),
            _ => sim
                .restart(p.crash.map_or(0, |c| c.0))
                .map_err(|e| format!("restart: {e:?}"))?,
        }
        // What each live node has finalized must stay on every chain.
        for n in sim.nodes() {
            let chain = n.chain();
            let f = chain.finalized_height().map_err(|e| e.to_string())?;
            if f.0 > 1
                && let Ok(Some(h)) = chain.header_at(f)
            {
                finalized_ids.push((f, h.id()));
            }
        }
    }
    sim.run_for(60_000);
    sim.settle(20_000);
    for n in sim.nodes() {
        if !n.stats.errors.is_empty() {
            return Err(format!("node {} errors: {:?}", n.id(), n.stats.errors));
        }
        if n.stats.reorgs_too_deep > 0 || n.stats.below_finality > 0 {
            return Err(format!("node {} stats: {:?}", n.id(), n.stats));
        }
    }
    let heights: Vec<u32> = sim.nodes().iter().map(|n| n.height().0).collect();
    let Some((_, _, hash)) = sim.agreement().map_err(|e| format!("{e:?}"))? else {
        return Err(format!(
            "nodes disagree after settling; heights {heights:?}"
        ));
    };
    let chain = sim.node(0).chain();
    for (h, id) in finalized_ids {
        if chain
            .header_at(h)
            .map_err(|e| e.to_string())?
            .map(|x| x.id())
            != Some(id)
        {
            return Err(format!("the finalized block at {h:?} was undone"));
        }
    }
    if sim.max_height().0 < 6 {
        return Err(format!("the chain barely moved: heights {heights:?}"));
    }
    Ok(format!("{:02x}{:02x}", hash[0], hash[1]))
}

#[test]
fn many_seeds_of_partitions_crashes_loss_and_byzantine_generators() {
    let seeds: Vec<u64> = match std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) {
        Some(one) => vec![one],
        None => {
            let n: u64 = std::env::var("SIM_SEEDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(200);
            (1..=n).collect()
        }
    };
    let mut failed = Vec::new();
    for seed in &seeds {
        if let Err(why) = run(*seed) {
            eprintln!(
                "seed {seed} failed: {why}\n  plan: {:?}\n  replay: SIM_SEED={seed} cargo test -p ltonode-testnet --test it many_seeds -- --nocapture",
                plan(*seed)
            );
            failed.push(*seed);
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} seeds failed: {failed:?}",
        failed.len(),
        seeds.len()
    );
}
