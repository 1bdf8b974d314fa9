//! Shared helpers: stake layouts and assertions on a finished run.

use ltonode_testnet::sim::{Sim, SimConfig};

/// Seven unequal generators (LTO): 30%, 20%, 15%, 12%, 10%, 8%, 5% of 10M.
pub const SEVEN: [u64; 7] = [
    3_000_000, 2_000_000, 1_500_000, 1_200_000, 1_000_000, 800_000, 500_000,
];

/// A run of `SEVEN` with this seed.
pub fn seven(seed: u64) -> SimConfig {
    SimConfig::new(seed, SEVEN.to_vec())
}

/// Runs until height `h` (bounded by a generous virtual deadline) and asserts it was reached.
pub fn run_to_height(sim: &mut Sim, h: u32) {
    let deadline = sim.now() + u64::from(h) * 30_000;
    assert!(
        sim.run_until_height(h, deadline),
        "height {h} not reached by t={}",
        sim.now()
    );
}

/// Asserts every live node agrees (tip and state hash) and nothing failed internally;
/// returns the common state hash.
pub fn assert_agree(sim: &Sim) -> [u8; 32] {
    for n in sim.nodes() {
        assert!(
            n.stats.errors.is_empty(),
            "node {} errors: {:?}",
            n.id(),
            n.stats.errors
        );
    }
    let heights: Vec<u32> = sim.nodes().iter().map(|n| n.height().0).collect();
    let (_, _, hash) = sim
        .agreement()
        .expect("state readable")
        .unwrap_or_else(|| panic!("nodes disagree; heights {heights:?}"));
    hash
}
