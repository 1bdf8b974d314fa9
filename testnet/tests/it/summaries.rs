//! Summary blocks, finality and pruning on the production core: every node stores the
//! summary each key block commits, finalizes and prunes as the parameters say, and a
//! partition longer than the finality window never undoes a finalized block.

use crate::support::{assert_agree, run_to_height, seven};
use ltonode_ledger::Height;
use ltonode_testnet::sim::Sim;

#[test]
fn every_node_commits_stores_and_prunes_the_same_summaries() {
    let mut sim = Sim::new(seven(5)).expect("sim");
    let p = sim.config().params.summary_period;
    run_to_height(&mut sim, 5 * p + 4);
    sim.settle(15_000);
    let digest = assert_agree(&sim);
    assert_ne!(digest, [0; 32]);
    let height = sim.node(0).height().0;
    let closed = (height - 1) / p;
    assert!(closed >= 5, "only {closed} periods closed at {height}");
    for node in sim.nodes() {
        let chain = node.chain();
        for n in 1..=closed {
            let header = chain
                .header_at(Height(n * p + 1))
                .expect("read")
                .expect("committing header");
            let stored = ltonode_summary::load_summary(chain, n)
                .expect("load")
                .unwrap_or_else(|| panic!("node {} lacks summary {n}", node.id()));
            assert_eq!(
                header.commitments.summary_hash,
                stored.hash(),
                "node {} summary {n}",
                node.id()
            );
            assert_ne!(stored.hash(), [0; 32]);
        }
        let finalized = chain.finalized_height().expect("final").0;
        assert_eq!(finalized, (height / p - 1) * p, "node {}", node.id());
        assert!(
            chain.pruned_height().expect("pruned").0 > 0,
            "node {} pruned nothing",
            node.id()
        );
    }
}

#[test]
fn a_long_partition_never_undoes_a_finalized_block() {
    // Majority 0,3,4,5: 60% of the stake; minority 1,2,6: 40%.
    let majority = vec![0, 3, 4, 5];
    let minority = vec![1, 2, 6];
    let mut sim = Sim::new(seven(13)).expect("sim");
    let p = sim.config().params.summary_period;
    run_to_height(&mut sim, 20);
    let split = sim.min_height().0;
    sim.partition(&[majority.clone(), minority.clone()]);
    // Long enough that both sides finalize blocks above the split.
    sim.run_for(u64::from(3 * p) * 6_000);
    let finalized: Vec<(usize, u32, _)> = sim
        .nodes()
        .iter()
        .map(|n| {
            let f = n.chain().finalized_height().expect("final").0;
            let id = n
                .chain()
                .header_at(Height(f))
                .expect("read")
                .map(|h| h.id());
            (n.id(), f, id)
        })
        .collect();
    for &(i, f, _) in &finalized {
        assert!(f > split, "node {i} finalized only {f} (split at {split})");
    }
    sim.heal();
    sim.run_for(60_000);
    for &(i, f, id) in &finalized {
        let chain = sim.node(i).chain();
        assert_eq!(
            chain.header_at(Height(f)).expect("read").map(|h| h.id()),
            id,
            "node {i} undid its finalized block {f}"
        );
        assert!(chain.finalized_height().expect("final").0 >= f);
        assert!(
            sim.node(i).stats.errors.is_empty(),
            "{:?}",
            sim.node(i).stats.errors
        );
    }
    // The minority heard of the better chain and refused to go below its finality.
    let refused: u64 = minority
        .iter()
        .map(|&i| {
            let s = &sim.node(i).stats;
            s.below_finality + s.reorgs_too_deep + s.sync_no_ancestor
        })
        .sum();
    assert!(refused > 0, "the minority never met the majority's chain");
}
