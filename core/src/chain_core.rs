//! [`Core`]: the chain, the pool and the forger of one node behind one synchronous entry
//! point, [`Core::handle`]. Everything that changes the chain goes through it: forging on a
//! tick, admission of verified transactions, gossiped blocks, sync extensions. This file holds
//! the state, the dispatch of inputs and the read accessors; the handlers are in the modules
//! named on [`Core`].

use crate::dev_load::DevLoad;
use crate::event::{
    Action, Applied, Block, GossipItem, Imported, Input, Outgoing, Output, Reply, TxRefusal,
};
use crate::pool::{Pool, PoolLimits};
use ltonode_consensus::{ChainParams, ChainScore, ConsensusError, Forger, ScoreCache};
use ltonode_ledger::block::{BlockId, MicroBlock};
use ltonode_ledger::chain::{Chain, ChainConfig, ChainError, Tip};
use ltonode_ledger::state::BlockContext;
use ltonode_ledger::tx::VerifiedTx;
use ltonode_ledger::tx::validate::{FeeSchedule, ValidationContext};
use ltonode_ledger::{Address, Amount, Hash32, Height, KeyPair, Store, Timestamp};

/// An internal failure (storage, corrupt records): not the fault of any input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// The chain could not be read or written.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// The forger failed on the local chain.
    #[error("consensus: {0}")]
    Consensus(#[from] ConsensusError),
    /// A score could not be computed.
    #[error("fork choice: {0}")]
    Fork(#[from] ltonode_consensus::fork::ForkError),
    /// The summary the next key block commits could not be derived or stored.
    #[error("summary: {0}")]
    Summary(#[from] ltonode_summary::SummaryError),
    /// A header score overflowed.
    #[error("score: {0}")]
    Score(#[from] ltonode_consensus::PosError),
    /// One of this node's own blocks was refused while restoring it.
    #[error("own block at height {0} refused on restore")]
    Restore(u32),
}

/// How a core is set up.
#[derive(Clone)]
pub struct CoreConfig {
    /// The protocol constants the chain runs with (a preset of `ChainParams`).
    pub params: ChainParams,
    /// Total stake, for the raffle factor.
    pub total_supply: Amount,
    /// The key this node forges with, if it forges.
    pub forging_key: Option<KeyPair>,
    /// How many transactions and bytes the pool holds at most, in all and per sender.
    pub pool_limits: PoolLimits,
    /// Dev chains only: sign this many anchors with this key whenever the node leads and its
    /// pool is empty, so a lone dev node shows micro blocks without a client.
    pub dev_load: Option<(KeyPair, usize)>,
}

impl CoreConfig {
    /// A core with `params`, forging with `forging_key`, the default pool and no dev load.
    pub fn new(params: ChainParams, total_supply: Amount, forging_key: Option<KeyPair>) -> Self {
        CoreConfig {
            params,
            total_supply,
            forging_key,
            pool_limits: PoolLimits::default(),
            dev_load: None,
        }
    }
}

/// The pool's transactions applied on top of the tip (a cache for admission), valid for one
/// tip and one pool generation.
pub(crate) struct PoolState {
    pub(crate) tip: BlockId,
    pub(crate) generation: u64,
    pub(crate) parts: ltonode_ledger::state::transition::OverlayParts,
}

/// The node's own chain above a common ancestor, kept while a sync switch is not yet proven
/// better (see `import.rs`).
pub(crate) struct Checkpoint {
    /// The highest block both chains share.
    pub(crate) ancestor: Height,
    /// The ancestor's micro blocks as this node had them.
    pub(crate) ancestor_micros: Vec<MicroBlock>,
    /// This node's blocks above the ancestor.
    pub(crate) own: Vec<Block>,
    /// The score of `own`.
    pub(crate) own_score: ChainScore,
}

/// The chain core of one node. Its methods live by concept: forging (`forging.rs`), admission
/// and pool upkeep (`admission.rs`), key blocks and summaries (`key_block.rs`), blocks from
/// peers (`import.rs`).
pub struct Core<S: Store> {
    pub(crate) chain: Chain<S>,
    pub(crate) pool: Pool,
    pub(crate) params: ChainParams,
    pub(crate) total_supply: u64,
    pub(crate) forger: Option<Forger>,
    pub(crate) load: Option<DevLoad>,
    /// The summary hash the next key block commits, derived for the tip `summary_for`.
    pub(crate) next_summary: Hash32,
    pub(crate) summary_for: Option<BlockId>,
    pub(crate) forging_enabled: bool,
    /// The tip height the pool was last revalidated at.
    pub(crate) revalidated_at: Option<Height>,
    pub(crate) pool_state: Option<PoolState>,
    score: ScoreCache,
    /// Blocks and transactions to publish, drained into each [`Output`].
    pub(crate) outbox: Vec<Outgoing>,
    /// Blocks of peers applied since the last output.
    pub(crate) applied: Applied,
    /// The node's own chain, kept while a sync switch is not yet proven better.
    pub(crate) checkpoint: Option<Checkpoint>,
}

impl<S: Store> Core<S> {
    /// A core on `chain` (which holds at least its genesis block). A summary that a crash
    /// kept from being stored beside its key block is rebuilt here.
    pub fn new(chain: Chain<S>, config: CoreConfig) -> Result<Core<S>, CoreError> {
        let total_supply = config.total_supply.units();
        let forger = config
            .forging_key
            .map(|k| Forger::new(k, config.params.clone(), total_supply));
        let mut core = Core {
            chain,
            pool: Pool::with_limits(config.pool_limits),
            params: config.params,
            total_supply,
            forger,
            load: config
                .dev_load
                .map(|(key, per_tick)| DevLoad::new(key, per_tick)),
            next_summary: [0; 32],
            summary_for: None,
            forging_enabled: true,
            revalidated_at: None,
            pool_state: None,
            score: ScoreCache::default(),
            outbox: Vec::new(),
            applied: Applied::default(),
            checkpoint: None,
        };
        core.store_missing_summaries()?;
        Ok(core)
    }

    /// The one entry point: handles `input` and says what to do.
    pub fn handle<P: Clone>(&mut self, input: Input<P>) -> Result<Output<P>, CoreError> {
        let mut actions = Vec::new();
        let reply = match input {
            Input::Submit(txs) => Reply::Submitted(self.admit(txs, true)?),
            Input::Gossip { now, items } => {
                Reply::Gossiped(self.on_gossip(now, items, &mut actions)?)
            }
            Input::Extension {
                from,
                blocks,
                more,
                now,
            } => {
                let outcome = self.apply_extension(&blocks, more, now)?;
                if let crate::event::Extension::Refused(r) = &outcome
                    && let Some(fault) = r.fault()
                {
                    actions.push(Action::Penalize(from, fault));
                }
                Reply::Extension(outcome)
            }
            Input::SyncEnded => Reply::SyncEnded {
                restored: self.end_sync()?,
            },
            Input::Tick(now) => {
                let (forged, next) = self.tick(now)?;
                actions.extend(forged.into_iter().map(Action::Forged));
                Reply::Ticked { next }
            }
        };
        let applied = std::mem::take(&mut self.applied);
        if applied != Applied::default() {
            actions.push(Action::Applied(applied));
        }
        actions.extend(self.outbox.drain(..).map(Action::Publish));
        Ok(Output { actions, reply })
    }

    /// The chain (read-only; everything that changes it goes through [`Core::handle`]).
    pub fn chain(&self) -> &Chain<S> {
        &self.chain
    }

    /// The transactions waiting for a block, in the order the forger takes them.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The protocol constants the chain runs with.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// Total stake, for the raffle factor.
    pub fn total_supply(&self) -> u64 {
        self.total_supply
    }

    /// Whether this node has a forging key.
    pub fn is_forging(&self) -> bool {
        self.forger.is_some()
    }

    /// Whether forging is switched on.
    pub fn forging_enabled(&self) -> bool {
        self.forging_enabled
    }

    /// The forger, if this node forges (its slot, its key blocks: for tests that forge bad
    /// blocks on purpose).
    pub fn forger(&self) -> Option<&Forger> {
        self.forger.as_ref()
    }

    /// The forging account's address.
    pub fn forging_address(&self) -> Option<Address> {
        self.forger.as_ref().map(Forger::address)
    }

    /// Turns forging on or off (the driver keeps it off until the node has caught up with
    /// its peers, so that it does not forge on a stale tip).
    pub fn set_forging_enabled(&mut self, enabled: bool) {
        self.forging_enabled = enabled;
    }

    /// The chain's score (genesis to tip), from cached prefix sums.
    pub fn score(&mut self) -> Result<ChainScore, CoreError> {
        Ok(self.score.score(&self.chain)?)
    }

    /// Runs `f` on the chain itself, for what replaces the chain wholesale (a fast sync's
    /// bootstrap); the pool is emptied and every cache dropped afterwards.
    pub fn replace_chain<T>(&mut self, f: impl FnOnce(&mut Chain<S>) -> T) -> T {
        let r = f(&mut self.chain);
        self.pool.retain(|_| false);
        self.pool_state = None;
        self.summary_for = None;
        self.revalidated_at = None;
        self.score = ScoreCache::default();
        self.checkpoint = None;
        r
    }

    /// The context in which the next micro block applies transactions.
    pub fn block_context(&self) -> Result<BlockContext, CoreError> {
        let tip = self.tip()?;
        Ok(block_context(&self.params, tip))
    }

    pub(crate) fn tip(&self) -> Result<&Tip, CoreError> {
        Ok(self.chain.tip().ok_or(ChainError::Empty)?)
    }

    /// The stateless validation context of the tip.
    pub fn validation_context(&self) -> Result<ValidationContext, CoreError> {
        Ok(self.chain.validation_context()?)
    }

    /// Handles a gossip batch: blocks in arrival order, transactions admitted together at the
    /// end (one overlay of the pool for all of them).
    fn on_gossip<P: Clone>(
        &mut self,
        now: Timestamp,
        items: Vec<(P, GossipItem)>,
        actions: &mut Vec<Action<P>>,
    ) -> Result<Vec<Imported>, CoreError> {
        let mut imported = Vec::new();
        let mut txs = Vec::new();
        for (from, item) in items {
            let outcome = match item {
                GossipItem::Transaction(Ok(v)) => {
                    txs.push((from, v));
                    continue;
                }
                GossipItem::Transaction(Err(e)) => {
                    let fault = TxRefusal::Invalid(e).fault();
                    actions.push(Action::Verdict {
                        from,
                        accept: false,
                        fault,
                    });
                    continue;
                }
                GossipItem::KeyBlock(header) => self.on_key_block(&header, now)?,
                GossipItem::MicroBlock(micro) => self.on_micro_block(&micro)?,
            };
            let (accept, fault) = match &outcome {
                Imported::Applied | Imported::SiblingSwitched => (true, None),
                Imported::SiblingKept | Imported::Known | Imported::Stale => (false, None),
                Imported::NeedSync => (false, None),
                Imported::Refused(r) => (false, r.fault()),
            };
            if outcome == Imported::NeedSync {
                actions.push(Action::Sync(from.clone()));
            }
            actions.push(Action::Verdict {
                from,
                accept,
                fault,
            });
            imported.push(outcome);
        }
        if !txs.is_empty() {
            let (froms, verified): (Vec<P>, Vec<VerifiedTx>) = txs.into_iter().unzip();
            let results = self.admit(verified, false)?;
            for (from, r) in froms.into_iter().zip(results) {
                let (accept, fault) = match r {
                    Ok(_) => (true, None),
                    Err(e) => (false, e.fault()),
                };
                actions.push(Action::Verdict {
                    from,
                    accept,
                    fault,
                });
            }
        }
        self.revalidate_pool()?;
        Ok(imported)
    }
}

/// The ledger rules of a chain, from its consensus parameters (a pruning node indexing every
/// anchor; set `history` and `anchor_index` after).
pub fn chain_config(params: &ChainParams) -> ChainConfig {
    ChainConfig {
        chain_id: params.chain_id,
        lease_unbonding: params.lease_unbonding,
        max_tx_future_ms: params.max_tx_future_ms,
        max_tx_past_ms: params.max_tx_past_ms,
        fees: FeeSchedule {
            fee_price: params.fee_price,
        },
        summary_period: params.summary_period,
        retain_blocks: params.retain_blocks,
        history: false,
        anchor_index: ltonode_ledger::chain::AnchorIndex::All,
        fee_split: params.fee_split(),
    }
}

/// The context in which the block on `tip` applies its next transactions.
pub fn block_context(params: &ChainParams, tip: &Tip) -> BlockContext {
    BlockContext {
        chain_id: params.chain_id,
        height: tip.height,
        timestamp: tip.header.timestamp,
        prev_timestamp: tip.prev_timestamp,
        generator: Address::from_public_key(params.chain_id, &tip.header.generator),
        lease_unbonding: params.lease_unbonding,
        max_tx_future_ms: params.max_tx_future_ms,
        max_tx_past_ms: params.max_tx_past_ms,
        fee_split: params.fee_split(),
    }
}
