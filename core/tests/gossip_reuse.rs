//! A transaction verified once: a follower that admitted a gossiped transaction to its pool
//! takes its signature check from there when the leader's micro block brings it, and verifies
//! the transactions it has not seen.

use ltonode_consensus::ChainParams;
use ltonode_core::{Action, Applied, Core, CoreConfig, GossipItem, Input, Outgoing, Reply};
use ltonode_ledger::chain::Chain;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::tx::validate::verify;
use ltonode_ledger::tx::{Transaction, TxBody, VerifiedTx};
use ltonode_ledger::{Amount, ChainId, KeyPair, MemStore, Timestamp};

fn key(i: usize) -> KeyPair {
    KeyPair::from_seed_phrase(&GenesisConfig::dev_accounts()[i].seed, 0)
}

fn core(forging: Option<KeyPair>) -> Core<MemStore> {
    let params = ChainParams::dev();
    let genesis = GenesisConfig::dev();
    let chain = Chain::open_with_genesis(
        MemStore::new(),
        ltonode_core::chain_config(&params),
        &genesis,
    )
    .unwrap();
    Core::new(chain, CoreConfig::new(params, genesis.total(), forging)).unwrap()
}

fn anchor(core: &Core<MemStore>, n: u8) -> VerifiedTx {
    let k = key(3);
    let mut tx = Transaction {
        version: 3,
        chain_id: ChainId::TESTNET,
        timestamp: Timestamp(core.chain().tip().unwrap().header.timestamp.0 + u64::from(n)),
        sender: k.public_key().into(),
        fee: Amount(35_000_000),
        sponsor: None,
        proofs: vec![],
        body: TxBody::Anchor {
            anchors: vec![vec![n; 32]],
        },
    };
    tx.sign_with(&k);
    verify(tx, &core.validation_context().unwrap()).unwrap()
}

/// Ticks the leader until it publishes a block of the kind `want` accepts, returned as gossip.
fn next_block(
    leader: &mut Core<MemStore>,
    now: &mut u64,
    want: fn(&Outgoing) -> bool,
) -> GossipItem {
    for _ in 0..10_000 {
        let out = leader.handle::<u8>(Input::Tick(Timestamp(*now))).unwrap();
        for a in out.actions {
            if let Action::Publish(o) = a
                && want(&o)
            {
                return match o {
                    Outgoing::KeyBlock(h) => GossipItem::KeyBlock(*h),
                    Outgoing::MicroBlock(m) => GossipItem::MicroBlock(m),
                    Outgoing::Transaction(_) => unreachable!("not asked for"),
                };
            }
        }
        *now += 500;
    }
    panic!("the leader forged nothing");
}

/// Gives `item` to the follower; what it applied.
fn gossip(follower: &mut Core<MemStore>, now: u64, item: GossipItem) -> Applied {
    let out = follower
        .handle(Input::Gossip {
            now: Timestamp(now),
            items: vec![(1u8, item)],
        })
        .unwrap();
    assert!(matches!(out.reply, Reply::Gossiped(_)));
    out.actions
        .into_iter()
        .find_map(|a| match a {
            Action::Applied(a) => Some(a),
            _ => None,
        })
        .expect("applied")
}

#[test]
fn a_micro_block_takes_the_pools_signature_checks() {
    let mut leader = core(Some(key(1)));
    let mut follower = core(None);
    let mut now = leader.chain().tip().unwrap().header.timestamp.0 + 1;
    let key_block = next_block(&mut leader, &mut now, |o| {
        matches!(o, Outgoing::KeyBlock(_))
    });
    assert_eq!(gossip(&mut follower, now, key_block).key_blocks, 1);

    // Both nodes hold the first two transactions (gossip reached the follower); only the
    // leader holds the third.
    let txs: Vec<VerifiedTx> = (1..=3).map(|n| anchor(&leader, n)).collect();
    for (i, v) in txs.iter().enumerate() {
        assert!(leader.admit(vec![v.clone()], true).unwrap()[0].is_ok());
        if i < 2 {
            assert!(follower.admit(vec![v.clone()], true).unwrap()[0].is_ok());
        }
    }
    let micro = next_block(
        &mut leader,
        &mut now,
        |o| matches!(o, Outgoing::MicroBlock(m) if m.transactions.len() == 3),
    );
    let applied = gossip(&mut follower, now, micro);
    assert_eq!(
        (applied.micro_blocks, applied.txs, applied.txs_from_pool),
        (1, 3, 2)
    );
    assert_eq!(follower.chain().tip(), leader.chain().tip());
    assert!(follower.pool().is_empty());
}
