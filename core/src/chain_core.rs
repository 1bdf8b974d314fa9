//! [`Core`]: the chain, the pool and the forger of one node behind one synchronous entry
//! point, [`Core::handle`]. Everything that changes the chain goes through it: forging on a
//! tick, admission of verified transactions, gossiped blocks, sync extensions.

use crate::event::{
    Action, Applied, Forged, GossipItem, Imported, Input, Outgoing, Output, Reply, TxRefusal,
};
use crate::pool::{Pool, PoolLimits};
use ltonode_consensus::rules::validate_key_block;
use ltonode_consensus::{
    ChainParams, ChainScore, ConsensusError, Forger, ForgerAction, ScoreCache,
};
use ltonode_ledger::block::{BlockId, anchor_leaves};
use ltonode_ledger::chain::{Chain, ChainConfig, ChainError, Tip};
use ltonode_ledger::state::BlockContext;
use ltonode_ledger::state::transition::{Overlay, TxApplyError};
use ltonode_ledger::tx::validate::{FeeSchedule, ValidationContext, verify_batch};
use ltonode_ledger::tx::{Transaction, TxBody, TxId, VerifiedTx};
use ltonode_ledger::{Address, Amount, Hash32, Height, KeyPair, Store, Timestamp};
use std::collections::HashSet;

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
    /// The chain's parameters.
    pub params: ChainParams,
    /// Total stake, for the raffle factor.
    pub total_supply: Amount,
    /// The key this node forges with, if it forges.
    pub forging_key: Option<KeyPair>,
    /// The pool's bounds.
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
struct PoolState {
    tip: BlockId,
    generation: u64,
    parts: ltonode_ledger::state::transition::OverlayParts,
}

/// Anchors signed by a dev account on each micro block (dev chains only).
struct DevLoad {
    key: KeyPair,
    per_tick: usize,
    counter: u64,
}

/// The chain core of one node.
pub struct Core<S: Store> {
    pub(crate) chain: Chain<S>,
    pub(crate) pool: Pool,
    pub(crate) params: ChainParams,
    total_supply: u64,
    forger: Option<Forger>,
    load: Option<DevLoad>,
    next_summary: Hash32,
    summary_for: Option<BlockId>,
    forging_enabled: bool,
    revalidated_at: Option<Height>,
    pool_state: Option<PoolState>,
    score: ScoreCache,
    /// Blocks and transactions to publish, drained into each [`Output`].
    pub(crate) outbox: Vec<Outgoing>,
    /// Blocks of peers applied since the last output.
    pub(crate) applied: Applied,
    /// The node's own chain, kept while a sync switch is not yet proven better.
    pub(crate) checkpoint: Option<crate::import::Checkpoint>,
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
            load: config.dev_load.map(|(key, per_tick)| DevLoad {
                key,
                per_tick,
                counter: 0,
            }),
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

    /// The pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The chain's parameters.
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

    /// Stores the summaries of the last two closed periods if they are missing (the summary
    /// is written right after the key block that commits it; a crash in between is repaired
    /// here). Only summaries whose committing key block is in the chain are built.
    fn store_missing_summaries(&mut self) -> Result<(), CoreError> {
        let p = self.params.summary_period;
        let h = self.chain.height().0;
        if p == 0 || h < 2 {
            return Ok(());
        }
        let last = (h - 1) / p;
        for n in last.saturating_sub(1).max(1)..=last {
            if self.chain.pruned_height()?.0 >= n.saturating_mul(p) {
                // Its blocks are gone: it was stored before they were pruned.
                continue;
            }
            let Some(committing) = self.chain.header_at(Height(n * p + 1))? else {
                continue;
            };
            ltonode_summary::store_committed_summary(
                &self.chain,
                n,
                committing.commitments.summary_hash,
            )?;
        }
        Ok(())
    }

    /// Applies a key block already validated: derives the summary hash it must commit,
    /// applies it, and stores the summary it closes. Returns the transactions of micro
    /// blocks it dropped. A ledger refusal (commitments, signature) is returned as such.
    pub(crate) fn apply_key_block(
        &mut self,
        header: &ltonode_ledger::block::KeyBlockHeader,
    ) -> Result<Result<Vec<Transaction>, ChainError>, CoreError> {
        let dropped = match self.chain.drop_unreferenced(&header.parent) {
            Ok(d) => d,
            Err(e @ ChainError::UnknownParent(_)) => return Ok(Err(e)),
            Err(e) => return Err(e.into()),
        };
        let summary = ltonode_summary::next_summary_hash(&self.chain)?;
        let mut returned = match self.chain.apply_key_block(header, summary) {
            Ok(r) => r,
            Err(e @ (ChainError::Store(_) | ChainError::Corrupt(_))) => return Err(e.into()),
            Err(e) => return Ok(Err(e)),
        };
        let p = self.params.summary_period;
        let closed = header.height.0.saturating_sub(1);
        if p > 0 && closed > 0 && closed.is_multiple_of(p) {
            // A summary of this period stored by a fork that was rolled back is replaced.
            ltonode_summary::store_committed_summary(
                &self.chain,
                closed / p,
                header.commitments.summary_hash,
            )?;
        }
        returned.splice(0..0, dropped);
        Ok(Ok(returned))
    }

    /// The one admission path: `txs` were verified statelessly (by the caller, off the core,
    /// or by [`Core::readd`]); each is checked against the pool and the chain (already
    /// known), applied on the tip with the pool's transactions (overdraft, replay, unknown
    /// lease...), and pooled. `publish`: gossip the admitted ones (a client's or a
    /// rollback's; a peer's are relayed by the network once accepted).
    pub fn admit(
        &mut self,
        txs: Vec<VerifiedTx>,
        publish: bool,
    ) -> Result<Vec<Result<TxId, TxRefusal>>, CoreError> {
        let mut results = Vec::with_capacity(txs.len());
        if txs.is_empty() {
            return Ok(results);
        }
        let bctx = self.block_context()?;
        let tip_id = self.tip()?.total_id;
        let cached = match self.pool_state.take() {
            Some(p) if p.tip == tip_id && p.generation == self.pool.generation() => Some(p.parts),
            _ => None,
        };
        let mut overlay = match cached {
            Some(parts) => Overlay::from_parts(&self.chain, bctx, parts),
            None => {
                let mut o = Overlay::new(&self.chain, bctx);
                for pending in self.pool.txs() {
                    // Pending transactions that no longer apply are the forger's to drop;
                    // they must not block new ones.
                    let _ = o.apply(pending);
                }
                o
            }
        };
        let mut admitted = Vec::new();
        let mut seen = HashSet::new();
        for v in txs {
            let id = v.id();
            if !seen.insert(id) || self.pool.contains(&id) {
                results.push(Err(TxRefusal::InPool(id)));
                continue;
            }
            if self.chain.transaction(&id)?.is_some() {
                results.push(Err(TxRefusal::State(TxApplyError::Duplicate(id))));
                continue;
            }
            // A refused transaction leaves the overlay as it was.
            match overlay.apply(&v) {
                Ok(()) => {
                    results.push(Ok(id));
                    admitted.push((results.len() - 1, v));
                }
                Err(e) => results.push(Err(TxRefusal::State(e))),
            }
        }
        let parts = overlay.into_parts();
        let before = self.pool.generation();
        let mut inserted = 0u64;
        for (at, v) in admitted {
            let tx = publish.then(|| v.tx().clone());
            match self.pool.insert(v) {
                Ok(()) => {
                    inserted += 1;
                    if let Some(tx) = tx {
                        self.outbox.push(Outgoing::Transaction(tx));
                    }
                }
                Err(refusal) => {
                    if let Some(slot) = results.get_mut(at) {
                        *slot = Err(TxRefusal::Pool(refusal));
                    }
                }
            }
        }
        // The overlay holds exactly the pool only if every admitted transaction went in and
        // none was evicted for it (each insert bumps the generation once, each eviction
        // once more); otherwise it is rebuilt next time.
        let all_in = results.iter().filter(|r| r.is_ok()).count() as u64 == inserted;
        if all_in && self.pool.generation() == before.saturating_add(inserted) {
            self.pool_state = Some(PoolState {
                tip: tip_id,
                generation: self.pool.generation(),
                parts,
            });
        }
        Ok(results)
    }

    /// Puts transactions of dropped blocks back into the pool through the admission path
    /// (those that are in the chain now are known and refused there). Their signatures are
    /// checked again here: a rollback is rare and its transactions few.
    pub(crate) fn readd(&mut self, txs: Vec<Transaction>) -> Result<(), CoreError> {
        if txs.is_empty() {
            return Ok(());
        }
        let ctx = self.chain.validation_context()?;
        let verified: Vec<VerifiedTx> = verify_batch(txs, &ctx).into_iter().flatten().collect();
        self.admit(verified, true)?;
        Ok(())
    }

    /// Drops pool transactions that are in the chain now.
    pub(crate) fn purge_pool(&mut self) -> Result<(), CoreError> {
        let mut included = HashSet::new();
        for v in self.pool.txs() {
            if self.chain.transaction(&v.id())?.is_some() {
                included.insert(v.id());
            }
        }
        self.pool.remove_ids(&included);
        Ok(())
    }

    /// After a new key block (forged or imported): drops pool transactions that expired or
    /// no longer apply on the new state (confirmed elsewhere, overdrawn, lease gone).
    fn revalidate_pool(&mut self) -> Result<(), CoreError> {
        let Some(tip) = self.chain.tip() else {
            return Ok(());
        };
        if self.revalidated_at == Some(tip.height) {
            return Ok(());
        }
        self.revalidated_at = Some(tip.height);
        let oldest = Timestamp(
            tip.prev_timestamp
                .0
                .saturating_sub(self.params.max_tx_past_ms),
        );
        let ctx = block_context(&self.params, tip);
        self.pool.drop_expired(oldest);
        let mut overlay = Overlay::new(&self.chain, ctx);
        let mut stale = HashSet::new();
        for v in self.pool.txs() {
            if overlay.apply(v).is_err() {
                stale.insert(v.id());
            }
        }
        self.pool.remove_ids(&stale);
        Ok(())
    }

    fn feed_dev_load(&mut self) -> Result<(), CoreError> {
        let Some(load) = self.load.as_mut() else {
            return Ok(());
        };
        let leads = self.forger.as_ref().is_some_and(|f| f.leads(&self.chain));
        if !leads || !self.pool.is_empty() || load.per_tick == 0 {
            return Ok(());
        }
        let tip_ts = self.chain.tip().ok_or(ChainError::Empty)?.header.timestamp;
        let mut txs = Vec::with_capacity(load.per_tick);
        for _ in 0..load.per_tick {
            load.counter += 1;
            let hash = ltonode_ledger::sha256(&load.counter.to_be_bytes());
            let mut tx = Transaction {
                version: 3,
                chain_id: self.params.chain_id,
                timestamp: Timestamp(tip_ts.0.saturating_add(load.counter % 1000)),
                sender: load.key.public_key().into(),
                fee: Amount(35_000_000),
                sponsor: None,
                proofs: Vec::new(),
                body: TxBody::Anchor {
                    anchors: vec![hash.to_vec()],
                },
            };
            tx.sign_with(&load.key);
            txs.push(tx);
        }
        let ctx = self.chain.validation_context()?;
        let verified: Vec<VerifiedTx> = verify_batch(txs, &ctx).into_iter().flatten().collect();
        self.admit(verified, false)?;
        Ok(())
    }

    /// Forging at `now`: at most one key block or micro block. Returns what was forged and
    /// when to tick again at the latest.
    pub fn tick(&mut self, now: Timestamp) -> Result<(Vec<Forged>, Option<Timestamp>), CoreError> {
        self.revalidate_pool()?;
        self.feed_dev_load()?;
        if !self.forging_enabled {
            return Ok((Vec::new(), None));
        }
        if self.forger.is_none() {
            return Ok((Vec::new(), None));
        }
        // The summary the next key block commits, derived again whenever the tip changes
        // (micro blocks of a period's last block change it too).
        let tip_id = self.chain.tip().map(|t| t.total_id);
        if self.summary_for != tip_id {
            self.next_summary = ltonode_summary::next_summary_hash(&self.chain)?;
            self.summary_for = tip_id;
        }
        let Some(forger) = self.forger.as_mut() else {
            return Ok((Vec::new(), None));
        };
        forger.set_next_summary(self.next_summary);
        let action = forger.step(&self.chain, now, self.pool.txs())?;
        match action {
            ForgerAction::KeyBlock(header) => {
                validate_key_block(&self.chain, &self.params, self.total_supply, &header, now)?;
                let returned = self.apply_key_block(&header)??;
                self.readd(returned)?;
                self.outbox
                    .push(Outgoing::KeyBlock(Box::new(header.clone())));
                let forged = Forged::KeyBlock {
                    height: header.height,
                    timestamp: header.timestamp,
                };
                Ok((vec![forged], Some(now)))
            }
            ForgerAction::MicroBlock(micro, verified) => {
                self.chain.apply_own_micro_block(&micro, &verified)?;
                let anchors: usize = verified.iter().map(|v| anchor_leaves(v.tx()).len()).sum();
                let ids: HashSet<TxId> = verified.iter().map(VerifiedTx::id).collect();
                self.pool.remove_ids(&ids);
                self.outbox.push(Outgoing::MicroBlock(micro));
                let forged = Forged::MicroBlock {
                    height: self.chain.height(),
                    txs: verified.len(),
                    anchors,
                };
                Ok((vec![forged], Some(now)))
            }
            ForgerAction::Wait { until } => Ok((Vec::new(), until)),
        }
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
