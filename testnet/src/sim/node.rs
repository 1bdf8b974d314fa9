//! One simulated node: the node's own chain core (`ltonode_core::Core`) on a `MemStore`,
//! driven with the virtual time. The world hands it a message or a wake-up and carries out
//! the [`Action`]s it returns.
//!
//! Everything the chain does (admission, import, fork choice, rollback, restore, forging,
//! summaries, pruning, finality) is the core's; this file only translates between the
//! simulated network's messages and the core's inputs and outputs, exactly as the node's
//! network task does for libp2p: transactions are verified before they reach the core, a
//! peer's score announcement is judged with `ltonode_core::serve::sync_need`, and sync
//! requests are answered with `ltonode_core::serve::blocks`.

use super::byzantine::{ByzantineMode, RefusalKind};
use super::error::SimError;
use super::message::Message;
use super::state_hash::state_hash;
use ltonode_consensus::{ChainParams, ChainScore};
use ltonode_core::serve::{self, PeerTip, SyncNeed};
use ltonode_core::{
    Action as CoreAction, Core, CoreConfig, Extension, Forged, GossipItem, Imported, Input,
    Outgoing, PoolLimits, Reply,
};
use ltonode_ledger::block::BlockId;
use ltonode_ledger::chain::{Chain, ChainConfig, ChainError, Tip};
use ltonode_ledger::tx::validate::verify_batch;
use ltonode_ledger::{Amount, Hash32, Height, KeyPair, MemStore, Timestamp, Transaction};
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
    /// The protocol constants every node of the run shares.
    pub params: ChainParams,
    /// The ledger rules derived from them (`chain_config(params)`).
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
    /// Switches refused because they would undo a finalized block.
    pub below_finality: u64,
    /// Sync sessions that ended on a switch not yet proven better, undone.
    pub syncs_undone: u64,
    /// Sync responses with no common block in them.
    pub sync_no_ancestor: u64,
    /// Restarts after a crash.
    pub restarts: u64,
    /// Unexpected internal errors (storage, corrupt records); always empty in a good run.
    pub errors: Vec<String>,
}

/// One simulated node.
pub struct SimNode {
    setup: NodeSetup,
    store: MemStore,
    core: Core<MemStore>,
    sync_pending_until: u64,
    bad_sent_for: Option<BlockId>,
    /// The chain score after the last input.
    score: ChainScore,
    /// What happened here.
    pub stats: NodeStats,
}

impl SimNode {
    /// A node over `store`, which already holds the genesis block.
    pub fn new(setup: NodeSetup, store: MemStore) -> Result<SimNode, SimError> {
        let chain = Chain::open(store.clone(), setup.chain_config.clone())?;
        let mut config = CoreConfig::new(
            setup.params.clone(),
            Amount(setup.total_supply),
            setup.key.clone(),
        );
        config.pool_limits = PoolLimits {
            max_txs: setup.pool_cap,
            ..PoolLimits::default()
        };
        let mut core = Core::new(chain, config)?;
        let score = core.score()?;
        Ok(SimNode {
            setup,
            store,
            core,
            sync_pending_until: 0,
            bad_sent_for: None,
            score,
            stats: NodeStats::default(),
        })
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

    /// The node's index in the simulation.
    pub fn id(&self) -> usize {
        self.setup.id
    }

    /// The node's chain, read-only (its core changes it).
    pub fn chain(&self) -> &Chain<MemStore> {
        self.core.chain()
    }

    /// The height of the node's tip.
    pub fn height(&self) -> Height {
        self.core.chain().height()
    }

    /// The cumulative chain score.
    pub fn score(&self) -> ChainScore {
        self.score
    }

    /// The state hash (see `state_hash.rs`).
    pub fn state_hash(&self) -> Result<Hash32, SimError> {
        Ok(state_hash(self.core.chain())?)
    }

    /// Transactions waiting in the pool.
    pub fn pool_len(&self) -> usize {
        self.core.pool().len()
    }

    /// The byzantine mode, if any.
    pub fn byzantine(&self) -> Option<ByzantineMode> {
        self.setup.byzantine
    }

    /// The node's tip: its key block header, height and total id.
    pub fn tip(&self) -> Result<Tip, SimError> {
        Ok(self.core.chain().tip().ok_or(ChainError::Empty)?.clone())
    }

    fn refuse(&mut self, kind: RefusalKind) {
        *self.stats.refusals.entry(kind).or_default() += 1;
    }

    fn record<T>(&mut self, r: Result<T, SimError>) {
        if let Err(e) = r {
            self.stats.errors.push(e.to_string());
        }
    }

    /// The periodic score announcement.
    pub fn score_announcement(&self) -> Option<Message> {
        let score = self.score();
        let tip = self.core.chain().tip()?;
        Some(Message::Score {
            score,
            height: tip.height,
            total_id: tip.total_id,
        })
    }

    /// Hands `input` to the core and carries out its actions: what it publishes is
    /// broadcast, what it forged is counted, a peer to sync from is asked.
    fn drive(
        &mut self,
        input: Input<usize>,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<Reply, SimError> {
        let output = self.core.handle(input)?;
        self.score = self.core.score()?;
        for action in output.actions {
            match action {
                CoreAction::Publish(Outgoing::KeyBlock(h)) => {
                    out.push(Action::Broadcast(Message::KeyBlock(h)));
                }
                CoreAction::Publish(Outgoing::MicroBlock(m)) => {
                    out.push(Action::Broadcast(Message::MicroBlock(m)));
                }
                CoreAction::Publish(Outgoing::Transaction(t)) => {
                    out.push(Action::Broadcast(Message::Tx(t)));
                }
                CoreAction::Forged(Forged::KeyBlock { .. }) => self.stats.key_blocks_forged += 1,
                CoreAction::Forged(Forged::MicroBlock { .. }) => {
                    self.stats.micro_blocks_forged += 1;
                }
                CoreAction::Sync(peer) => self.request_sync(peer, now, out),
                CoreAction::Verdict { .. } | CoreAction::Penalize(..) | CoreAction::Applied(_) => {}
            }
        }
        Ok(output.reply)
    }

    /// Handles a message from `from` at virtual time `now`.
    pub fn on_message(&mut self, from: usize, msg: Message, now: u64) -> Vec<Action> {
        let mut out = Vec::new();
        let r = match msg {
            Message::KeyBlock(h) => self.on_gossip(from, GossipItem::KeyBlock(*h), now, &mut out),
            Message::MicroBlock(m) => {
                self.on_gossip(from, GossipItem::MicroBlock(m), now, &mut out)
            }
            Message::Tx(tx) => self.on_gossip_tx(from, tx, now, &mut out),
            Message::Score {
                score,
                height,
                total_id,
            } => self.on_score(from, score, height, total_id, now, &mut out),
            Message::SyncRequest { from_height } => {
                self.on_sync_request(from, from_height, &mut out)
            }
            Message::SyncResponse { blocks, more } => {
                self.on_sync_response(from, blocks, more, now, &mut out)
            }
        };
        self.record(r);
        out
    }

    /// A transaction submitted to this node by a client: verified, then the core admits and
    /// publishes it.
    pub fn submit_tx(&mut self, tx: Transaction, now: u64) -> Vec<Action> {
        let mut out = Vec::new();
        let r = (|| -> Result<(), SimError> {
            let ctx = self.core.validation_context()?;
            let verified: Vec<_> = verify_batch(vec![tx], &ctx).into_iter().flatten().collect();
            self.drive(Input::Submit(verified), now, &mut out)?;
            Ok(())
        })();
        self.record(r);
        out
    }

    fn on_gossip_tx(
        &mut self,
        from: usize,
        tx: Transaction,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        let ctx = self.core.validation_context()?;
        let items = verify_batch(vec![tx], &ctx)
            .into_iter()
            .map(|r| (from, GossipItem::Transaction(r)))
            .collect();
        self.drive(
            Input::Gossip {
                now: Timestamp(now),
                items,
            },
            now,
            out,
        )?;
        Ok(())
    }

    fn on_gossip(
        &mut self,
        from: usize,
        item: GossipItem,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        let reply = self.drive(
            Input::Gossip {
                now: Timestamp(now),
                items: vec![(from, item)],
            },
            now,
            out,
        )?;
        if let Reply::Gossiped(outcomes) = reply {
            for o in outcomes {
                match o {
                    Imported::Applied => out.push(Action::Wake(now)),
                    Imported::SiblingSwitched => {
                        self.stats.sibling_switches += 1;
                        self.stats.rolled_back_blocks += 1;
                        out.push(Action::Wake(now));
                    }
                    Imported::Refused(r) => self.refuse(RefusalKind::of_refusal(&r)),
                    Imported::SiblingKept
                    | Imported::Known
                    | Imported::NeedSync
                    | Imported::Stale => {}
                }
            }
        }
        Ok(())
    }

    fn on_score(
        &mut self,
        from: usize,
        score: ChainScore,
        height: Height,
        total_id: BlockId,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        let local = self.score();
        let peer = PeerTip {
            height: height.0,
            score,
            total_id,
        };
        if serve::sync_need(self.core.chain(), local, &peer)? != SyncNeed::None {
            self.request_sync(from, now, out);
        }
        Ok(())
    }

    fn on_sync_request(
        &mut self,
        from: usize,
        from_height: Height,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        let first = from_height.0.max(1);
        let batch = self.setup.sync_batch;
        let last = first.saturating_add(batch.saturating_sub(1));
        // Pruned here: an empty answer ends the requester's session.
        let blocks =
            serve::blocks(self.core.chain(), first, last, batch, usize::MAX)?.unwrap_or_default();
        let more = blocks
            .last()
            .is_some_and(|(h, _)| h.height < self.core.chain().height());
        out.push(Action::Send(from, Message::SyncResponse { blocks, more }));
        Ok(())
    }

    fn on_sync_response(
        &mut self,
        from: usize,
        blocks: Vec<ltonode_core::Block>,
        more: bool,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        self.sync_pending_until = 0;
        if blocks.is_empty() {
            return self.end_sync(now, out);
        }
        let reply = self.drive(
            Input::Extension {
                from,
                blocks,
                more,
                now: Timestamp(now),
            },
            now,
            out,
        )?;
        let Reply::Extension(outcome) = reply else {
            return Ok(());
        };
        match outcome {
            Extension::Switched { rolled_back, .. } => {
                self.stats.sync_switches += 1;
                if rolled_back > 0 {
                    self.stats.reorgs += 1;
                    self.stats.rolled_back_blocks += u64::from(rolled_back);
                }
                out.push(Action::Wake(now));
                if more {
                    // The session goes on from the new tip.
                    self.request_sync(from, now, out);
                    return Ok(());
                }
            }
            Extension::TooDeep => self.stats.reorgs_too_deep += 1,
            Extension::BelowFinality => self.stats.below_finality += 1,
            Extension::NoAncestor => self.stats.sync_no_ancestor += 1,
            Extension::Refused(r) => self.refuse(RefusalKind::of_refusal(&r)),
            Extension::Aligned | Extension::NotBetter => {}
        }
        self.end_sync(now, out)
    }

    fn end_sync(&mut self, now: u64, out: &mut Vec<Action>) -> Result<(), SimError> {
        if let Reply::SyncEnded { restored: true } = self.drive(Input::SyncEnded, now, out)? {
            self.stats.syncs_undone += 1;
        }
        Ok(())
    }

    /// Asks `peer` for its blocks from `max_rollback` below the tip, unless a request is
    /// still outstanding.
    fn request_sync(&mut self, peer: usize, now: u64, out: &mut Vec<Action>) {
        if now < self.sync_pending_until {
            return;
        }
        self.sync_pending_until = now.saturating_add(self.setup.sync_timeout_ms);
        self.stats.sync_requests += 1;
        let from_height = Height(serve::ancestor_search_from(
            self.core.chain().height(),
            self.setup.params.max_rollback,
        ));
        out.push(Action::Send(peer, Message::SyncRequest { from_height }));
    }

    /// The forger's turn at `now`: forge key blocks and micro blocks while it may, then ask to
    /// be woken at its next slot or micro-block time. Nothing while `forging` is off.
    pub fn on_wake(&mut self, now: u64, forging: bool) -> Vec<Action> {
        let mut out = Vec::new();
        if !forging || !self.core.is_forging() {
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
            let forged_before = self.stats.key_blocks_forged + self.stats.micro_blocks_forged;
            let reply = self.drive(Input::Tick(Timestamp(now)), now, out)?;
            let forged = self.stats.key_blocks_forged + self.stats.micro_blocks_forged;
            if forged == forged_before {
                if let Reply::Ticked { next: Some(t) } = reply {
                    out.push(Action::Wake(t.0.max(now.saturating_add(1))));
                }
                return Ok(());
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
        let chain = self.core.chain();
        let Some(forger) = self.core.forger() else {
            return Ok(());
        };
        let Ok(slot) = forger.slot(chain) else {
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
        let mut header = forger.key_block(chain, Timestamp(ts))?;
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

impl RefusalKind {
    /// The kind of a refusal by the core.
    pub fn of_refusal(r: &ltonode_core::BlockRefusal) -> RefusalKind {
        match r {
            ltonode_core::BlockRefusal::Consensus(e) => RefusalKind::of(e),
            _ => RefusalKind::Ledger,
        }
    }
}
