//! A sync session that switches on the peer's word never leaves the node on a remote
//! prefix: it ends on the node's own chain or on the complete better one.

use ltonode_consensus::ChainParams;
use ltonode_consensus::fork::range_score;
use ltonode_core::{Block, Core, CoreConfig, Extension, Input, Reply, chain_config};
use ltonode_ledger::block::BlockId;
use ltonode_ledger::chain::Chain;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::{Height, KeyPair, MemStore, Timestamp};

const FAR: Timestamp = Timestamp(u64::MAX / 2);

fn core_forging_with(account: usize) -> Core<MemStore> {
    let params = ChainParams::dev();
    let genesis = GenesisConfig::dev();
    let chain = Chain::open_with_genesis(MemStore::new(), chain_config(&params), &genesis).unwrap();
    let key = KeyPair::from_seed_phrase(&GenesisConfig::dev_accounts()[account].seed, 0);
    Core::new(chain, CoreConfig::new(params, genesis.total(), Some(key))).unwrap()
}

/// Forges alone in virtual time until the chain is `height` high.
fn forge_to(core: &mut Core<MemStore>, height: u32) {
    let mut now = Timestamp(GenesisConfig::dev().timestamp.0 + 60_000);
    while core.chain().height().0 < height {
        let (_, next) = core.tick(now).unwrap();
        now = Timestamp(next.map_or(now.0 + 100, |n| n.0.max(now.0 + 1)));
    }
}

fn blocks(core: &Core<MemStore>, from: u32, to: u32) -> Vec<Block> {
    ltonode_core::serve::blocks(core.chain(), from, to, 1_000, usize::MAX)
        .unwrap()
        .unwrap()
}

fn tip(core: &Core<MemStore>) -> BlockId {
    core.chain().tip().unwrap().total_id
}

fn extension(core: &mut Core<MemStore>, blocks: Vec<Block>, more: bool) -> Extension {
    let out = core
        .handle(Input::Extension {
            from: 7u8,
            blocks,
            more,
            now: FAR,
        })
        .unwrap();
    match out.reply {
        Reply::Extension(e) => e,
        other => panic!("{other:?}"),
    }
}

fn end(core: &mut Core<MemStore>) -> bool {
    match core.handle::<u8>(Input::SyncEnded).unwrap().reply {
        Reply::SyncEnded { restored } => restored,
        other => panic!("{other:?}"),
    }
}

/// A node with 4 blocks of its own and a peer with 12 of another generator.
fn forks() -> (Core<MemStore>, Core<MemStore>) {
    let mut local = core_forging_with(0);
    forge_to(&mut local, 4);
    let mut remote = core_forging_with(1);
    forge_to(&mut remote, 12);
    // The peer's first two blocks do not outscore the node's three; all of them do.
    let own = range_score(local.chain(), Height(2), Height(4)).unwrap();
    let two = range_score(remote.chain(), Height(2), Height(3)).unwrap();
    let all = range_score(remote.chain(), Height(2), Height(12)).unwrap();
    assert!(two < own && all > own, "{two:?} {own:?} {all:?}");
    (local, remote)
}

#[test]
fn a_session_that_stops_on_a_remote_prefix_restores_the_own_chain() {
    let (mut local, remote) = forks();
    let own_tip = tip(&local);
    let first = extension(&mut local, blocks(&remote, 1, 3), true);
    assert_eq!(
        first,
        Extension::Switched {
            rolled_back: 3,
            applied: 2
        }
    );
    assert_eq!(local.chain().height(), Height(3));
    // The peer stops answering: the session ends on a chain that scores less than ours.
    assert!(end(&mut local));
    assert_eq!(tip(&local), own_tip);
    assert_eq!(local.chain().height(), Height(4));
    // Nothing is left to undo.
    assert!(!end(&mut local));
}

#[test]
fn a_session_that_completes_the_better_chain_keeps_it() {
    let (mut local, remote) = forks();
    assert!(matches!(
        extension(&mut local, blocks(&remote, 1, 3), true),
        Extension::Switched { .. }
    ));
    assert!(matches!(
        extension(&mut local, blocks(&remote, 3, 12), false),
        Extension::Switched { applied: 9, .. }
    ));
    assert!(!end(&mut local));
    assert_eq!(tip(&local), tip(&remote));
}

#[test]
fn a_refused_second_batch_restores_the_own_chain() {
    let (mut local, remote) = forks();
    let own_tip = tip(&local);
    assert!(matches!(
        extension(&mut local, blocks(&remote, 1, 3), true),
        Extension::Switched { .. }
    ));
    let mut second = blocks(&remote, 3, 12);
    // Block 5 is forged by someone else's key: refused.
    if let Some((header, _)) = second.get_mut(2) {
        header.sign(&KeyPair::from_seed_phrase("not a generator", 0));
    }
    assert!(matches!(
        extension(&mut local, second, false),
        Extension::Refused(_)
    ));
    assert_eq!(tip(&local), own_tip);
    assert_eq!(local.chain().height(), Height(4));
}
