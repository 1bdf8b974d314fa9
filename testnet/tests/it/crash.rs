//! A generator crashes: the others go on; restarted on its store it catches up to the same
//! tip.

use crate::support::{assert_agree, run_to_height, seven};
use ltonode_testnet::sim::Sim;

#[test]
fn crashed_generator_restarts_and_catches_up() {
    let mut sim = Sim::new(seven(21)).expect("sim");
    run_to_height(&mut sim, 25);
    // Node 1 holds 20% of the stake.
    sim.crash(1);
    let crashed_at = sim.node(1).height().0;
    sim.run_for(90_000);
    assert!(
        sim.max_height().0 >= crashed_at + 8,
        "chain stalled without node 1: {} -> {}",
        crashed_at,
        sim.max_height().0
    );
    assert_eq!(
        sim.node(1).height().0,
        crashed_at,
        "a crashed node does nothing"
    );

    sim.restart(1).expect("restart");
    assert_eq!(
        sim.node(1).height().0,
        crashed_at,
        "the store survives the restart"
    );
    sim.run_for(20_000);
    sim.settle(15_000);
    assert_agree(&sim);
    let s = &sim.node(1).stats;
    assert_eq!(s.restarts, 1);
    assert!(s.sync_switches >= 1, "node 1 never synced: {s:?}");
    // It forges again after catching up or at least follows the chain to its tip.
    assert_eq!(sim.node(1).height(), sim.node(0).height());
}
