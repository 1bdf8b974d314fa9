//! Same seed, same run; different seeds, different runs.

use crate::support::{assert_agree, run_to_height, seven};
use ltonode_testnet::sim::Sim;

fn final_hash(seed: u64) -> ([u8; 32], u64, u32) {
    let mut cfg = seven(seed);
    cfg.loss = 0.02;
    let mut sim = Sim::new(cfg).expect("sim");
    run_to_height(&mut sim, 60);
    sim.settle(15_000);
    (assert_agree(&sim), sim.delivered, sim.max_height().0)
}

#[test]
fn same_seed_same_state_different_seed_different_state() {
    let a = final_hash(7);
    let b = final_hash(7);
    assert_eq!(a, b, "two runs with seed 7 differ");
    let c = final_hash(8);
    assert_ne!(a.0, c.0, "seeds 7 and 8 gave the same state");
}
