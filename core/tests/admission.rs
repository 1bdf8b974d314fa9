//! The one admission path: known, state and pool checks, with the pool's state cached
//! between admissions; an eviction must not leave the evicted transaction in that cache.

use ltonode_consensus::ChainParams;
use ltonode_core::{Core, CoreConfig, PoolLimits, TxRefusal, chain_config};
use ltonode_ledger::chain::Chain;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::state::transition::TxApplyError;
use ltonode_ledger::tx::validate::verify;
use ltonode_ledger::tx::{Transaction, TxBody, TxId, VerifiedTx};
use ltonode_ledger::{Address, Amount, ChainId, KeyPair, MemStore, Timestamp};

const LTO: u64 = 100_000_000;

fn key(i: usize) -> KeyPair {
    KeyPair::from_seed_phrase(&GenesisConfig::dev_accounts()[i].seed, 0)
}

fn core(max_txs: usize) -> Core<MemStore> {
    let params = ChainParams::dev();
    let genesis = GenesisConfig::dev();
    let chain = Chain::open_with_genesis(MemStore::new(), chain_config(&params), &genesis).unwrap();
    let mut config = CoreConfig::new(params, genesis.total(), None);
    config.pool_limits = PoolLimits {
        max_txs,
        ..PoolLimits::default()
    };
    Core::new(chain, config).unwrap()
}

fn transfer(core: &Core<MemStore>, from: usize, amount: u64, fee: u64, n: u64) -> VerifiedTx {
    let tip = core.chain().tip().unwrap().header.timestamp;
    let k = key(from);
    let mut tx = Transaction {
        version: 3,
        chain_id: ChainId::TESTNET,
        timestamp: Timestamp(tip.0 + n),
        sender: k.public_key().into(),
        fee: Amount(fee),
        sponsor: None,
        proofs: vec![],
        body: TxBody::Transfer {
            recipient: Address::from_public_key(ChainId::TESTNET, &key(0).public_key()),
            amount: Amount(amount),
            attachment: vec![],
        },
    };
    tx.sign_with(&k);
    verify(tx, &core.validation_context().unwrap()).unwrap()
}

fn admit(core: &mut Core<MemStore>, v: VerifiedTx) -> Result<TxId, TxRefusal> {
    core.admit(vec![v], true).unwrap().remove(0)
}

#[test]
fn an_evicted_transaction_leaves_the_cached_pool_state() {
    // Dev account 4 holds 5,000,000 LTO: two transfers of 2,400,000 fit, three do not.
    let mut core = core(2);
    let t1 = transfer(&core, 3, 2_400_000 * LTO, LTO, 1);
    let t2 = transfer(&core, 3, 2_400_000 * LTO, LTO, 2);
    let t2_id = t2.id();
    admit(&mut core, t1).unwrap();
    admit(&mut core, t2).unwrap();
    // A better payer evicts the newest of the lowest: t2.
    let better = transfer(&core, 2, 1, 2 * LTO, 3);
    admit(&mut core, better).unwrap();
    assert!(!core.pool().contains(&t2_id));
    // Without t2, a third transfer of 2,400,000 fits next to t1.
    let t4 = transfer(&core, 3, 2_400_000 * LTO, 3 * LTO, 4);
    assert!(admit(&mut core, t4).is_ok());
}

#[test]
fn refusals_are_typed_and_change_nothing() {
    let mut core = core(100);
    let t1 = transfer(&core, 3, 4_000_000 * LTO, LTO, 1);
    let id = admit(&mut core, t1.clone()).unwrap();
    assert_eq!(admit(&mut core, t1), Err(TxRefusal::InPool(id)));
    let over = transfer(&core, 3, 2_000_000 * LTO, LTO, 2);
    assert!(matches!(
        admit(&mut core, over),
        Err(TxRefusal::State(TxApplyError::Overdraft { .. }))
    ));
    assert_eq!(core.pool().len(), 1);
    // The same batch twice: the second copy is known.
    let t3 = transfer(&core, 2, LTO, LTO, 3);
    let results = core.admit(vec![t3.clone(), t3.clone()], false).unwrap();
    assert_eq!(results, vec![Ok(t3.id()), Err(TxRefusal::InPool(t3.id()))]);
    assert_eq!(core.pool().len(), 2);
}
