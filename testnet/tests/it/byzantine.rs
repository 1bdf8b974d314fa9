//! Byzantine generators (early timestamp, bad VRF proof, foreign key): every honest node
//! refuses their blocks with the exact consensus error, and the honest chain goes on.

use crate::support::{assert_agree, run_to_height};
use ltonode_testnet::sim::{ByzantineMode, RefusalKind, Sim, SimConfig, generator_key, user_key};
use std::collections::BTreeSet;

#[test]
fn bad_blocks_are_refused_by_every_honest_node() {
    // Four honest generators with 2M LTO each, three byzantine ones with 1M each.
    let mut cfg = SimConfig::new(
        31,
        vec![
            2_000_000, 2_000_000, 2_000_000, 2_000_000, 1_000_000, 1_000_000, 1_000_000,
        ],
    );
    cfg.byzantine = vec![
        (4, ByzantineMode::EarlyTimestamp),
        (5, ByzantineMode::BadVrf),
        (6, ByzantineMode::ForeignKey),
    ];
    let mut sim = Sim::new(cfg).expect("sim");
    run_to_height(&mut sim, 80);
    sim.settle(10_000);
    assert_agree(&sim);

    for b in 4..7 {
        assert!(
            sim.node(b).stats.bad_blocks_sent > 0,
            "node {b} sent nothing"
        );
    }
    let allowed: BTreeSet<RefusalKind> = [RefusalKind::TooEarly, RefusalKind::Vrf].into();
    for i in 0..4 {
        let r = &sim.node(i).stats.refusals;
        let kinds: BTreeSet<RefusalKind> = r.keys().copied().collect();
        assert_eq!(kinds, allowed, "node {i} refusals {r:?}");
        // The early stamp is always before any slot, so every one reaching a node at its
        // parent is refused; the VRF cheats only when their slot comes first.
        assert!(r[&RefusalKind::TooEarly] >= 40, "node {i}: {r:?}");
    }

    // No block of the final chain comes from a byzantine key or the foreign key.
    let bad: Vec<_> = (4..7)
        .map(|i| generator_key(i).public_key())
        .chain([user_key(0).public_key()])
        .collect();
    let chain = sim.node(0).chain();
    for h in 2..=chain.height().0 {
        let header = chain
            .header_at(ltonode_ledger::Height(h))
            .expect("read")
            .expect("header");
        assert!(!bad.contains(&header.generator), "byzantine block at {h}");
    }
}
