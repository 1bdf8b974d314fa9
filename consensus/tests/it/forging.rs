//! A generator forges on a chain in virtual time; a second node validates every key block
//! with the consensus rules before applying it. Blocks with a wrong timestamp, a bad VRF, a
//! foreign key, a wrong base target or from the future are refused with the exact error.

use ltonode_consensus::rules::{ConsensusError, validate_key_block};
use ltonode_consensus::{ChainParams, Forger, ForgerAction, PosError};
use ltonode_ledger::chain::{Chain, ChainConfig};
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::tx::validate::verify;
use ltonode_ledger::{
    Address, Amount, ChainId, KeyPair, MemStore, PublicKey, Timestamp, Transaction,
};

const LTO: u64 = 100_000_000;
const T0: u64 = 1_767_225_600_000;

fn kp(s: &str) -> KeyPair {
    KeyPair::from_seed_phrase(s, 0)
}

fn genesis(to: &KeyPair, amount: u64) -> Transaction {
    Transaction {
        version: 1,
        chain_id: ChainId::TESTNET,
        timestamp: Timestamp(T0),
        sender: PublicKey([0; 32]).into(),
        fee: Amount(0),
        sponsor: None,
        proofs: vec![],
        body: TxBody::Genesis {
            recipient: Address::from_public_key(ChainId::TESTNET, &to.public_key()),
            amount: Amount(amount),
        },
    }
}

fn new_chain(params: &ChainParams) -> Chain<MemStore> {
    let mut config = ChainConfig::lto(params.chain_id);
    config.lease_unbonding = params.lease_unbonding;
    let mut c = Chain::open(MemStore::new(), config).expect("open");
    c.init_genesis(
        Timestamp(T0),
        params.initial_base_target,
        vec![
            genesis(&kp("forger"), 6_000_000 * LTO),
            genesis(&kp("user"), 4_000_000 * LTO),
            genesis(&kp("poor"), 999 * LTO),
        ],
    )
    .expect("genesis");
    c
}

const SUPPLY: u64 = 10_000_999 * LTO;

/// Runs the forger until the chain reaches `height`, each key block validated and applied
/// by a follower too; returns both chains.
fn forge_to(height: u32) -> (Chain<MemStore>, Chain<MemStore>, ChainParams) {
    let params = ChainParams::minimal();
    let mut leader = new_chain(&params);
    let mut follower = new_chain(&params);
    let mut forger = Forger::new(kp("forger"), params.clone(), SUPPLY);
    let mut now = Timestamp(T0);
    let user = kp("user");
    let mut n = 0u64;
    while leader.height().0 < height {
        // One anchor transaction per step keeps micro blocks flowing.
        let mut tx = Transaction {
            version: 3,
            chain_id: ChainId::TESTNET,
            timestamp: leader.tip().expect("tip").header.timestamp,
            sender: user.public_key().into(),
            fee: Amount(35_000_000),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Anchor {
                anchors: vec![n.to_be_bytes().to_vec()],
            },
        };
        n += 1;
        tx.sign_with(&user);
        let ctx = leader.validation_context().expect("ctx");
        let pool = vec![verify(tx, &ctx).expect("valid")];
        match forger.step(&leader, now, &pool).expect("step") {
            ForgerAction::KeyBlock(h) => {
                validate_key_block(&follower, &params, SUPPLY, &h, now).expect("valid key block");
                leader.apply_key_block(&h, [0; 32]).expect("leader applies");
                follower
                    .apply_key_block(&h, [0; 32])
                    .expect("follower applies");
            }
            ForgerAction::MicroBlock(m, v) => {
                leader.apply_own_micro_block(&m, &v).expect("leader micro");
                follower.apply_micro_block(&m).expect("follower micro");
            }
            ForgerAction::Wait { until } => {
                now = until
                    .expect("an eligible forger always has a slot")
                    .max(Timestamp(now.0 + 1));
            }
        }
    }
    (leader, follower, params)
}

#[test]
fn a_forged_chain_is_valid_for_a_follower() {
    let (leader, follower, params) = forge_to(40);
    assert_eq!(leader.height().0, 40);
    assert_eq!(follower.tip(), leader.tip());
    // Blocks respect the minimum delay and micro blocks were made.
    let mut micro = 0;
    for h in 2..=40 {
        let a = leader
            .header_at(ltonode_ledger::Height(h - 1))
            .expect("h")
            .expect("h");
        let b = leader
            .header_at(ltonode_ledger::Height(h))
            .expect("h")
            .expect("h");
        assert!(
            b.timestamp.0 >= a.timestamp.0 + params.t_min_ms,
            "block {h} too fast"
        );
        micro += leader
            .block_micro_blocks(ltonode_ledger::Height(h))
            .expect("m")
            .len();
    }
    assert!(micro > 0);
}

#[test]
fn bad_key_blocks_are_refused() {
    let (leader, _, params) = forge_to(12);
    let forger = Forger::new(kp("forger"), params.clone(), SUPPLY);
    let slot = forger.slot(&leader).expect("slot");
    let now = Timestamp(slot.at.0 + 10_000);
    let good = forger.key_block(&leader, slot.at).expect("header");
    assert_eq!(
        validate_key_block(&leader, &params, SUPPLY, &good, now),
        Ok(())
    );

    // Before the delay: re-stamped (and re-signed) 1 ms too early.
    let early = forger
        .key_block(&leader, Timestamp(slot.at.0 - 1))
        .expect("header");
    assert!(matches!(
        validate_key_block(&leader, &params, SUPPLY, &early, now),
        Err(ConsensusError::TooEarly { .. }) | Err(ConsensusError::BaseTarget { .. })
    ));

    // From the future.
    assert!(matches!(
        validate_key_block(
            &leader,
            &params,
            SUPPLY,
            &good,
            Timestamp(slot.at.0 - params.max_time_drift_ms)
        ),
        Err(ConsensusError::FromFuture { .. })
    ));

    // Wrong base target.
    let mut bt = good.clone();
    bt.base_target += 1;
    bt.sign(&kp("forger"));
    assert!(matches!(
        validate_key_block(&leader, &params, SUPPLY, &bt, now),
        Err(ConsensusError::BaseTarget { .. })
    ));

    // A bad VRF proof.
    let mut vrf = good.clone();
    vrf.vrf_proof[40] ^= 1;
    vrf.sign(&kp("forger"));
    assert!(matches!(
        validate_key_block(&leader, &params, SUPPLY, &vrf, now),
        Err(ConsensusError::Vrf(_))
    ));

    // A foreign key re-signing the forger's header: the VRF proof is not its own.
    let mut foreign = good.clone();
    foreign.sign(&kp("user"));
    assert!(matches!(
        validate_key_block(&leader, &params, SUPPLY, &foreign, now),
        Err(ConsensusError::Vrf(_))
    ));

    // A tampered signature.
    let mut sig = good.clone();
    sig.signature.0[0] ^= 1;
    assert!(matches!(
        validate_key_block(&leader, &params, SUPPLY, &sig, now),
        Err(ConsensusError::Block(_))
    ));

    // An account below the minimum generating balance cannot forge.
    let poor = Forger::new(kp("poor"), params.clone(), SUPPLY);
    assert!(matches!(
        poor.slot(&leader),
        Err(ConsensusError::NotEligible(PosError::BelowMinimum { .. }))
    ));
}

#[test]
fn the_score_cache_follows_growth_and_reorganisations() {
    use ltonode_consensus::{ScoreCache, chain_score};
    let params = ChainParams::minimal();
    let mut chain = new_chain(&params);
    let forger = Forger::new(kp("forger"), params.clone(), SUPPLY);
    let mut cache = ScoreCache::default();
    let forge = |chain: &mut Chain<MemStore>| {
        let slot = forger.slot(chain).expect("slot");
        let header = forger.key_block(chain, slot.at).expect("key block");
        chain.apply_key_block(&header, [0; 32]).expect("apply");
    };
    for _ in 0..12 {
        forge(&mut chain);
        assert_eq!(cache.score(&chain), chain_score(&chain));
    }
    let full = chain_score(&chain).expect("score");
    chain
        .rollback_to(ltonode_ledger::Height(7))
        .expect("rollback");
    assert_eq!(cache.score(&chain), chain_score(&chain));
    assert!(cache.score(&chain).expect("score") < full);
    for _ in 0..3 {
        forge(&mut chain);
        assert_eq!(cache.score(&chain), chain_score(&chain));
    }
}

/// `count` signed anchors of `user` stamped at the tip's time, verified.
fn anchors(chain: &Chain<MemStore>, from: u64, count: u64) -> Vec<ltonode_ledger::VerifiedTx> {
    let user = kp("user");
    let ts = chain.tip().expect("tip").header.timestamp;
    let ctx = chain.validation_context().expect("ctx");
    (from..from + count)
        .map(|n| {
            let mut tx = Transaction {
                version: 3,
                chain_id: ChainId::TESTNET,
                timestamp: ts,
                sender: user.public_key().into(),
                fee: Amount(35_000_000),
                sponsor: None,
                proofs: vec![],
                body: TxBody::Anchor {
                    anchors: vec![n.to_be_bytes().to_vec()],
                },
            };
            tx.sign_with(&user);
            verify(tx, &ctx).expect("valid")
        })
        .collect()
}

#[test]
fn a_full_pool_is_forged_at_once_and_a_thin_one_waits_for_the_interval() {
    let mut params = ChainParams::minimal();
    params.max_txs_per_micro = 10;
    let (mut leader, _, _) = forge_to(3);
    let mut forger = Forger::new(kp("forger"), params.clone(), SUPPLY);
    // Make this forger the leader of the tip block by forging the next key block.
    let mut now = leader.tip().expect("tip").header.timestamp;
    loop {
        match forger.step(&leader, now, &[]).expect("step") {
            ForgerAction::KeyBlock(h) => {
                leader.apply_key_block(&h, [0; 32]).expect("apply");
                break;
            }
            ForgerAction::Wait { until } => now = until.expect("slot").max(Timestamp(now.0 + 1)),
            ForgerAction::MicroBlock(..) => panic!("no pool"),
        }
    }
    let t = leader.tip().expect("tip").header.timestamp;
    // A first micro block: then the interval runs.
    let first = anchors(&leader, 1_000, 2);
    let ForgerAction::MicroBlock(m, v) = forger.step(&leader, t, &first).expect("step") else {
        panic!("the first micro block is due at the block's time");
    };
    leader.apply_own_micro_block(&m, &v).expect("apply");
    // A thin pool waits for the interval...
    let thin = anchors(&leader, 2_000, 3);
    let soon = Timestamp(t.0 + 10);
    assert!(matches!(
        forger.step(&leader, soon, &thin).expect("step"),
        ForgerAction::Wait { .. }
    ));
    // ...a full one is forged at once, at most max_txs_per_micro of it.
    let full = anchors(&leader, 3_000, 25);
    match forger.step(&leader, soon, &full).expect("step") {
        ForgerAction::MicroBlock(m, v) => {
            assert_eq!(m.transactions.len(), 10);
            assert_eq!(v.len(), 10);
        }
        other => panic!("a full pool waited: {other:?}"),
    }
}
