//! One simulated node: its own chain on a `MemStore`, a pool, a forger if it is a generator,
//! and the rules for what it does with each message. A synchronous state machine: the world
//! hands it a message or a wake-up with the virtual time and carries out the [`Action`]s it
//! returns.
//!
//! Fork choice (`ltonode_consensus::fork`): a key block on the tip is validated and applied; a
//! sibling of the tip replaces it only if `prefer_sibling` says so (checked cheaply first:
//! VRF and signature, then fully after the rollback, restoring the old tip on failure);
//! anything that does not connect, or a peer announcing a higher score, starts a sync
//! (`sync.rs`).

use super::SimError;
use super::byzantine::{ByzantineMode, RefusalKind};
use super::message::Message;
use super::pool::Pool;
use super::state_hash::state_hash;
use ltonode_consensus::fork::{Sibling, prefer_sibling, should_switch};
use ltonode_consensus::rules::vrf_message;
use ltonode_consensus::vrf::{self, VrfProof};
use ltonode_consensus::{
    ChainParams, ChainScore, ConsensusError, Forger, ForgerAction, validate_key_block,
};
use ltonode_ledger::block::{BlockId, KeyBlockHeader, MicroBlock};
use ltonode_ledger::chain::{Chain, ChainConfig, ChainError, Tip};
use ltonode_ledger::tx::validate::verify;
use ltonode_ledger::{Hash32, Height, KeyPair, MemStore, Timestamp, Transaction};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What a node asks the world to do.
#[derive(Clone, Debug)]
pub enum Action {
    /// Send a message to one peer.
    Send(usize, Message),
    /// Send a message to every other node.
    Broadcast(Message),
    /// Wake the forger at this time (replaces any earlier request).
    Wake(u64),
}

/// How a node is set up; kept across restarts.
#[derive(Clone)]
pub struct NodeSetup {
    /// Index in the simulation.
    pub id: usize,
    /// The chain parameters.
    pub params: ChainParams,
    /// The ledger configuration.
    pub chain_config: ChainConfig,
    /// Total stake, for the raffle factor.
    pub total_supply: u64,
    /// The generator key, if this node forges.
    pub key: Option<KeyPair>,
    /// How it cheats, if it is a byzantine generator.
    pub byzantine: Option<ByzantineMode>,
    /// The key a [`ByzantineMode::ForeignKey`] generator signs with.
    pub foreign_key: KeyPair,
    /// How long a sync request is awaited before another may be sent (ms).
    pub sync_timeout_ms: u64,
    /// Most blocks in one sync response.
    pub sync_batch: u32,
    /// Most transactions in the pool.
    pub pool_cap: usize,
}

/// What happened at a node, for the tests.
#[derive(Clone, Debug, Default)]
pub struct NodeStats {
    /// Blocks refused, by kind.
    pub refusals: BTreeMap<RefusalKind, u64>,
    /// Key blocks this node forged and applied.
    pub key_blocks_forged: u64,
    /// Micro blocks this node forged and applied.
    pub micro_blocks_forged: u64,
    /// Bad key blocks broadcast (byzantine nodes only).
    pub bad_blocks_sent: u64,
    /// Syncs that switched to a remote chain.
    pub sync_switches: u64,
    /// Of those, the ones that rolled back at least one block.
    pub reorgs: u64,
    /// Key blocks rolled back by reorganisations and sibling switches.
    pub rolled_back_blocks: u64,
    /// Tips replaced by a preferred sibling.
    pub sibling_switches: u64,
    /// Sync requests sent.
    pub sync_requests: u64,
    /// Switches refused because the reorganisation was deeper than `max_rollback`.
    pub reorgs_too_deep: u64,
    /// Sync responses with no common block in them.
    pub sync_no_ancestor: u64,
    /// Restarts after a crash.
    pub restarts: u64,
    /// Unexpected internal errors (storage, corrupt records); always empty in a good run.
    pub errors: Vec<String>,
}

/// One simulated node.
pub struct SimNode {
    pub(super) setup: NodeSetup,
    pub(super) store: MemStore,
    pub(super) chain: Chain<MemStore>,
    pub(super) forger: Option<Forger>,
    pub(super) pool: Pool,
    /// `scores[h]`: cumulative score of heights `1..=h`.
    pub(super) scores: Vec<ChainScore>,
    seen: u64,
    pub(super) tip_seen: u64,
    sync_pending_until: u64,
    bad_sent_for: Option<BlockId>,
    /// What happened here.
    pub stats: NodeStats,
}

impl SimNode {
    /// A node over `store`, which already holds the genesis block.
    pub fn new(setup: NodeSetup, store: MemStore) -> Result<SimNode, SimError> {
        let chain = Chain::open(store.clone(), setup.chain_config.clone())?;
        let forger = setup
            .key
            .clone()
            .map(|k| Forger::new(k, setup.params.clone(), setup.total_supply));
        let mut node = SimNode {
            pool: Pool::new(setup.pool_cap),
            setup,
            store,
            chain,
            forger,
            scores: Vec::new(),
            seen: 0,
            tip_seen: 0,
            sync_pending_until: 0,
            bad_sent_for: None,
            stats: NodeStats::default(),
        };
        node.rebuild_scores()?;
        Ok(node)
    }

    /// Restarts after a crash: everything in memory is lost (pool, forger state, caches);
    /// the store survives.
    pub fn restart(&mut self) -> Result<(), SimError> {
        let stats = std::mem::take(&mut self.stats);
        *self = SimNode::new(self.setup.clone(), self.store.clone())?;
        self.stats = stats;
        self.stats.restarts += 1;
        Ok(())
    }

    /// The node's index.
    pub fn id(&self) -> usize {
        self.setup.id
    }

    /// The node's chain.
    pub fn chain(&self) -> &Chain<MemStore> {
        &self.chain
    }

    /// The tip height.
    pub fn height(&self) -> Height {
        self.chain.height()
    }

    /// The cumulative chain score.
    pub fn score(&self) -> ChainScore {
        self.scores.last().copied().unwrap_or(ChainScore::ZERO)
    }

    /// The state hash (see `state_hash.rs`).
    pub fn state_hash(&self) -> Result<Hash32, SimError> {
        Ok(state_hash(&self.chain)?)
    }

    /// Transactions waiting in the pool.
    pub fn pool_len(&self) -> usize {
        self.pool.len()
    }

    /// The byzantine mode, if any.
    pub fn byzantine(&self) -> Option<ByzantineMode> {
        self.setup.byzantine
    }

    pub(super) fn tip(&self) -> Result<Tip, SimError> {
        Ok(self.chain.tip().ok_or(ChainError::Empty)?.clone())
    }

    pub(super) fn next_seen(&mut self) -> u64 {
        self.seen += 1;
        self.seen
    }

    pub(super) fn refuse(&mut self, kind: RefusalKind) {
        *self.stats.refusals.entry(kind).or_default() += 1;
    }

    pub(super) fn record<T>(&mut self, r: Result<T, SimError>) {
        if let Err(e) = r {
            self.stats.errors.push(e.to_string());
        }
    }

    pub(super) fn rebuild_scores(&mut self) -> Result<(), SimError> {
        let mut scores = vec![ChainScore::ZERO];
        let mut s = ChainScore::ZERO;
        for h in 1..=self.chain.height().0 {
            let header = self
                .chain
                .header_at(Height(h))?
                .ok_or(ChainError::Corrupt("header"))?;
            s = s
                .with_block(header.base_target)
                .map_err(ConsensusError::from)?;
            scores.push(s);
        }
        self.scores = scores;
        Ok(())
    }

    pub(super) fn push_score(&mut self, header: &KeyBlockHeader) -> Result<(), SimError> {
        let s = self
            .score()
            .with_block(header.base_target)
            .map_err(ConsensusError::from)?;
        self.scores.push(s);
        Ok(())
    }

    pub(super) fn truncate_scores(&mut self, h: Height) {
        self.scores.truncate(h.0 as usize + 1);
    }

    /// The score of heights `from+1..=to` from the cache.
    pub(super) fn suffix_score(&self, from: Height, to: Height) -> ChainScore {
        let at = |h: Height| {
            self.scores
                .get(h.0 as usize)
                .copied()
                .unwrap_or(ChainScore::ZERO)
        };
        ChainScore(at(to).0.saturating_sub(at(from).0))
    }

    /// The periodic score announcement.
    pub fn score_announcement(&self) -> Option<Message> {
        let tip = self.chain.tip()?;
        Some(Message::Score {
            score: self.score(),
            height: tip.height,
            key_id: tip.header.id(),
            micro_count: tip.micro_count,
        })
    }

    /// Handles a message from `from` at virtual time `now`.
    pub fn on_message(&mut self, from: usize, msg: Message, now: u64) -> Vec<Action> {
        let mut out = Vec::new();
        let r = match msg {
            Message::KeyBlock(h) => self.on_key_block(from, *h, now, &mut out),
            Message::MicroBlock(m) => self.on_micro_block(from, m, now, &mut out),
            Message::Tx(tx) => self.accept_tx(tx).map(|_| ()),
            Message::Score {
                score,
                height,
                key_id,
                micro_count,
            } => self.on_score(from, score, height, key_id, micro_count, now, &mut out),
            Message::SyncRequest { from_height } => {
                self.on_sync_request(from, from_height, &mut out)
            }
            Message::SyncResponse { blocks } => self.on_sync_response(blocks, now, &mut out),
        };
        self.record(r);
        out
    }

    /// A transaction submitted to this node by a client: pooled and broadcast if valid.
    pub fn submit_tx(&mut self, tx: Transaction) -> Vec<Action> {
        match self.accept_tx(tx.clone()) {
            Ok(true) => vec![Action::Broadcast(Message::Tx(tx))],
            Ok(false) => Vec::new(),
            Err(e) => {
                self.stats.errors.push(e.to_string());
                Vec::new()
            }
        }
    }

    fn accept_tx(&mut self, tx: Transaction) -> Result<bool, SimError> {
        let id = tx.id();
        if self.pool.contains(&id) || self.chain.transaction(&id)?.is_some() {
            return Ok(false);
        }
        let ctx = self.chain.validation_context()?;
        match verify(tx, &ctx) {
            Ok(v) => Ok(self.pool.add(v)),
            Err(_) => Ok(false),
        }
    }

    /// Puts transactions of dropped blocks back into the pool (those not in the chain now).
    pub(super) fn readd(&mut self, txs: Vec<Transaction>) -> Result<(), SimError> {
        for tx in txs {
            self.accept_tx(tx)?;
        }
        Ok(())
    }

    /// Drops pool transactions that are in the chain or too old for any next block.
    pub(super) fn purge_pool(&mut self) -> Result<(), SimError> {
        let tip = self.tip()?;
        let oldest = tip
            .prev_timestamp
            .0
            .saturating_sub(self.setup.chain_config.max_tx_past_ms);
        let chain = &self.chain;
        self.pool.retain(|v| {
            v.tx().timestamp.0 >= oldest && matches!(chain.transaction(&v.id()), Ok(None))
        });
        Ok(())
    }

    /// After a key block was applied: score, arrival order, pool.
    pub(super) fn after_key_block(
        &mut self,
        header: &KeyBlockHeader,
        returned: Vec<Transaction>,
    ) -> Result<(), SimError> {
        self.push_score(header)?;
        self.tip_seen = self.next_seen();
        self.readd(returned)?;
        self.purge_pool()
    }

    fn on_key_block(
        &mut self,
        from: usize,
        header: KeyBlockHeader,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        if self.chain.locate(&header.id())?.is_some() {
            return Ok(());
        }
        let tip = self.tip()?;
        let h = tip.height.0;
        let hh = header.height.0;
        let parent_at = self.chain.locate(&header.parent)?.map(|(ph, _)| ph.0);
        if hh == h.saturating_add(1) && parent_at == Some(h) {
            self.extend(&header, now, out)?;
        } else if hh == h && h >= 2 && parent_at == Some(h - 1) {
            let seen = self.next_seen();
            let preferred = prefer_sibling(
                Sibling {
                    header: &header,
                    seen,
                },
                Sibling {
                    header: &tip.header,
                    seen: self.tip_seen,
                },
            );
            if preferred == Ordering::Greater {
                self.switch_sibling(&header, seen, now, out)?;
            }
        } else if hh > h || (hh == h && parent_at.is_none()) {
            self.request_sync(from, now, out);
        }
        Ok(())
    }

    /// Validates and applies a key block on the tip; whether it was applied.
    ///
    /// The block is validated on the state it was forged on: the tip block cut to the micro
    /// block its header references (as Waves' `forgeBlock(ref)` does before validating).
    /// The generating balance and the raffle factor count the tip block's transactions, so a
    /// node holding later micro blocks would otherwise compute another delay. If the block
    /// is refused, the cut micro blocks are re-applied.
    fn extend(
        &mut self,
        header: &KeyBlockHeader,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<bool, SimError> {
        let (cut, dropped) = self.cut_to_parent(header)?;
        let s = &self.setup;
        let verdict = validate_key_block(
            &self.chain,
            &s.params,
            s.total_supply,
            header,
            Timestamp(now),
        )
        .map_err(|e| RefusalKind::of(&e))
        .and_then(|()| {
            self.chain
                .apply_key_block(header, [0; 32])
                .map_err(|e| RefusalKind::of_chain(&e))
        });
        match verdict {
            Ok(mut returned) => {
                returned.splice(0..0, dropped);
                self.after_key_block(header, returned)?;
                out.push(Action::Wake(now));
                Ok(true)
            }
            Err(kind) => {
                self.refuse(kind);
                for m in &cut {
                    self.chain.apply_micro_block(m)?;
                }
                Ok(false)
            }
        }
    }

    /// Rolls the tip block back to the micro block `header` references, if that is in the
    /// tip block; returns the micro blocks cut and their transactions.
    pub(super) fn cut_to_parent(
        &mut self,
        header: &KeyBlockHeader,
    ) -> Result<(Vec<MicroBlock>, Vec<Transaction>), SimError> {
        let tip = self.tip()?;
        match self.chain.locate(&header.parent)? {
            Some((h, seq)) if h == tip.height && seq < tip.micro_count => {
                let all = self.chain.block_micro_blocks(h)?;
                let cut = all.into_iter().skip(usize::from(seq)).collect();
                let dropped = self.chain.rollback_micro_to(seq)?;
                Ok((cut, dropped))
            }
            _ => Ok((Vec::new(), Vec::new())),
        }
    }

    /// The checks of a sibling that need no rollback: VRF proof (its message lies below the
    /// common parent) and signature.
    fn precheck(&self, header: &KeyBlockHeader) -> Result<(), ConsensusError> {
        let parent = Height(header.height.0.saturating_sub(1));
        let msg = vrf_message(&self.chain, &self.setup.params, parent)?;
        vrf::verify(
            header.generator.as_bytes(),
            &msg,
            &VrfProof(header.vrf_proof),
        )?;
        header.verify_signature()?;
        Ok(())
    }

    /// Replaces the tip by a preferred sibling, or keeps it if the sibling is invalid.
    fn switch_sibling(
        &mut self,
        header: &KeyBlockHeader,
        seen: u64,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        if let Err(e) = self.precheck(header) {
            self.refuse(RefusalKind::of(&e));
            return Ok(());
        }
        let tip = self.tip()?;
        let saved_micros = self.chain.block_micro_blocks(tip.height)?;
        let parent = Height(tip.height.0 - 1);
        let dropped = self.chain.rollback_to(parent)?;
        self.truncate_scores(parent);
        if self.extend(header, now, out)? {
            self.tip_seen = seen;
            self.stats.sibling_switches += 1;
            self.stats.rolled_back_blocks += 1;
            self.readd(dropped)?;
            self.purge_pool()?;
        } else {
            self.chain.apply_key_block(&tip.header, [0; 32])?;
            self.push_score(&tip.header)?;
            for m in &saved_micros {
                self.chain.apply_micro_block(m)?;
            }
        }
        Ok(())
    }

    fn on_micro_block(
        &mut self,
        from: usize,
        micro: MicroBlock,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        let tip = self.tip()?;
        if micro.parent_total == tip.total_id {
            match self.chain.apply_micro_block(&micro) {
                Ok(_) => {
                    let ids: Vec<_> = micro.transactions.iter().map(|t| t.id()).collect();
                    self.pool.remove(&ids);
                }
                Err(e) => self.refuse(RefusalKind::of_chain(&e)),
            }
        } else if micro.generator == tip.header.generator
            && self.chain.locate(&micro.total_id())?.is_none()
        {
            // A micro block of the current block is missing here.
            self.request_sync(from, now, out);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn on_score(
        &mut self,
        from: usize,
        score: ChainScore,
        height: Height,
        key_id: BlockId,
        micro_count: u16,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        let local = self.score();
        let tip = self.tip()?;
        let same_key = key_id == tip.header.id();
        let want = should_switch(local, score)
            || (score == local && same_key && micro_count > tip.micro_count)
            || (score == local && !same_key && height == tip.height);
        if want {
            self.request_sync(from, now, out);
        }
        Ok(())
    }

    /// Asks `peer` for its blocks from `max_rollback` below the tip, unless a request is
    /// still outstanding.
    pub(super) fn request_sync(&mut self, peer: usize, now: u64, out: &mut Vec<Action>) {
        if now < self.sync_pending_until {
            return;
        }
        self.sync_pending_until = now.saturating_add(self.setup.sync_timeout_ms);
        self.stats.sync_requests += 1;
        let h = self.chain.height().0;
        let from_height = Height(h.saturating_sub(self.setup.params.max_rollback).max(1));
        out.push(Action::Send(peer, Message::SyncRequest { from_height }));
    }

    pub(super) fn sync_answered(&mut self) {
        self.sync_pending_until = 0;
    }

    /// The forger's turn at `now`: forge key blocks and micro blocks while it may, then ask to
    /// be woken at its next slot or micro-block time. Nothing while `forging` is off.
    pub fn on_wake(&mut self, now: u64, forging: bool) -> Vec<Action> {
        let mut out = Vec::new();
        if !forging || self.forger.is_none() {
            return out;
        }
        let r = match self.setup.byzantine {
            Some(mode) => self.byzantine_step(mode, now, &mut out),
            None => self.honest_step(now, &mut out),
        };
        self.record(r);
        out
    }

    fn honest_step(&mut self, now: u64, out: &mut Vec<Action>) -> Result<(), SimError> {
        for _ in 0..16 {
            let Some(forger) = self.forger.as_mut() else {
                return Ok(());
            };
            match forger.step(&self.chain, Timestamp(now), self.pool.as_slice())? {
                ForgerAction::KeyBlock(header) => {
                    let returned = self.chain.apply_key_block(&header, [0; 32])?;
                    self.after_key_block(&header, returned)?;
                    self.stats.key_blocks_forged += 1;
                    out.push(Action::Broadcast(Message::KeyBlock(Box::new(header))));
                }
                ForgerAction::MicroBlock(micro, verified) => {
                    self.chain.apply_own_micro_block(&micro, &verified)?;
                    let ids: Vec<_> = verified.iter().map(|v| v.id()).collect();
                    self.pool.remove(&ids);
                    self.stats.micro_blocks_forged += 1;
                    out.push(Action::Broadcast(Message::MicroBlock(micro)));
                }
                ForgerAction::Wait { until } => {
                    if let Some(t) = until {
                        out.push(Action::Wake(t.0.max(now.saturating_add(1))));
                    }
                    return Ok(());
                }
            }
        }
        out.push(Action::Wake(now.saturating_add(1)));
        Ok(())
    }

    /// One bad key block per parent, at the time the mode calls for.
    fn byzantine_step(
        &mut self,
        mode: ByzantineMode,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        let tip = self.tip()?;
        let parent = tip.header.id();
        if self.bad_sent_for == Some(parent) {
            return Ok(());
        }
        let Some(forger) = self.forger.as_ref() else {
            return Ok(());
        };
        let Ok(slot) = forger.slot(&self.chain) else {
            return Ok(());
        };
        let ts = match mode {
            ByzantineMode::EarlyTimestamp => tip
                .header
                .timestamp
                .0
                .saturating_add(self.setup.params.t_min_ms / 2),
            ByzantineMode::BadVrf | ByzantineMode::ForeignKey => slot.at.0,
        };
        if now < ts {
            out.push(Action::Wake(ts));
            return Ok(());
        }
        let mut header = forger.key_block(&self.chain, Timestamp(ts))?;
        match mode {
            ByzantineMode::EarlyTimestamp => {}
            ByzantineMode::BadVrf => {
                if let (Some(b), Some(key)) = (header.vrf_proof.get_mut(40), &self.setup.key) {
                    *b ^= 1;
                    header.sign(key);
                }
            }
            ByzantineMode::ForeignKey => header.sign(&self.setup.foreign_key),
        }
        self.bad_sent_for = Some(parent);
        self.stats.bad_blocks_sent += 1;
        out.push(Action::Broadcast(Message::KeyBlock(Box::new(header))));
        Ok(())
    }
}
