//! A 4/3 partition: both sides forge on; after healing, the minority reorganises onto the
//! majority's chain (strictly higher score) and everyone agrees.

use crate::support::{assert_agree, run_to_height, seven};
use ltonode_testnet::sim::Sim;

#[test]
fn minority_reorganises_onto_majority_after_heal() {
    // Majority 0,3,4,5: 60% of the stake; minority 1,2,6: 40%.
    let majority = vec![0, 3, 4, 5];
    let minority = vec![1, 2, 6];
    let mut sim = Sim::new(seven(11)).expect("sim");
    run_to_height(&mut sim, 30);
    let split_height = sim.min_height().0;
    sim.partition(&[majority.clone(), minority.clone()]);
    sim.run_for(60_000);

    let tip_of = |sim: &Sim, i: usize| sim.node(i).chain().tip().expect("tip").header.clone();
    let major_tip = tip_of(&sim, majority[0]);
    let minor_tip = tip_of(&sim, minority[0]);
    // Both sides made progress, on different chains.
    assert!(major_tip.height.0 > split_height + 2, "majority stalled");
    assert!(minor_tip.height.0 > split_height, "minority stalled");
    assert_ne!(major_tip.id(), minor_tip.id());
    assert!(sim.node(majority[0]).score() > sim.node(minority[0]).score());
    let rolled_before: Vec<u64> = minority
        .iter()
        .map(|&i| sim.node(i).stats.rolled_back_blocks)
        .collect();

    sim.heal();
    sim.run_for(30_000);
    sim.settle(15_000);
    assert_agree(&sim);

    // The majority's tip at the heal is on the final chain; the minority's is not.
    let chain = sim.node(minority[0]).chain();
    assert_eq!(
        chain
            .header_at(major_tip.height)
            .expect("read")
            .map(|h| h.id()),
        Some(major_tip.id())
    );
    assert_ne!(
        chain
            .header_at(minor_tip.height)
            .expect("read")
            .map(|h| h.id()),
        Some(minor_tip.id())
    );
    for (k, &i) in minority.iter().enumerate() {
        let s = &sim.node(i).stats;
        assert!(
            s.rolled_back_blocks > rolled_before[k] && s.reorgs >= 1,
            "minority node {i} did not reorganise: {s:?}"
        );
        assert_eq!(s.reorgs_too_deep, 0);
    }
    for n in sim.nodes() {
        assert!(
            n.stats.refusals.is_empty(),
            "node {} refused {:?}",
            n.id(),
            n.stats.refusals
        );
    }
}
