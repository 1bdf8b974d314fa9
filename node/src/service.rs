//! The chain service: the node's one long-lived loop around the pure crates. It opens the
//! RocksDB store (applying the genesis block on first start), then drives the consensus
//! [`Forger`] with the wall clock: key blocks when this node's slot comes, micro blocks of
//! pool transactions about every `micro_interval` while it leads.
//!
//! The synchronous part ([`ChainService::tick`]) takes `now` as an argument, so tests drive
//! it without a clock; [`run`] is the only async code and only sleeps and waits for shutdown.

use anyhow::Context;
use ltonode_consensus::rules::validate_key_block;
use ltonode_consensus::{ChainParams, Forger, ForgerAction};
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock};
use ltonode_ledger::chain::{Chain, ChainConfig};
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::tx::validate::FeeSchedule;
use ltonode_ledger::tx::{Transaction, TxBody, TxId, VerifiedTx};
use ltonode_ledger::{Amount, Height, KeyPair, RocksConfig, RocksStore, Store, Timestamp};
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The ledger rules of a chain, from its consensus parameters.
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
    }
}

/// Opens (or creates) the chain in `dir`, applying the genesis block when it is empty.
pub fn open_chain(
    dir: &Path,
    params: &ChainParams,
    genesis: &GenesisConfig,
    history: bool,
    anchor_index: ltonode_ledger::chain::AnchorIndex,
) -> anyhow::Result<Chain<RocksStore>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let store = RocksStore::open(dir.join("db"), RocksConfig::default())
        .with_context(|| format!("opening the database in {}", dir.display()))?;
    let mut config = chain_config(params);
    config.history = history;
    // A history node serves every old anchor's receipt: it indexes everything.
    config.anchor_index = if history {
        ltonode_ledger::chain::AnchorIndex::All
    } else {
        anchor_index
    };
    let mut chain = Chain::open(store, config)?;
    if chain.tip().is_none() {
        chain.init_genesis(
            genesis.timestamp,
            genesis.base_target,
            genesis.transactions(),
        )?;
        tracing::info!(height = 1, "applied the genesis block");
    }
    Ok(chain)
}

/// What happened in one tick, for logs, metrics and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// This node forged and applied a key block.
    KeyBlock {
        /// Its height.
        height: Height,
        /// Its timestamp.
        timestamp: Timestamp,
    },
    /// This node forged and applied a micro block.
    MicroBlock {
        /// The height it belongs to.
        height: Height,
        /// Transactions in it.
        txs: usize,
    },
}

/// What the node tells its peers: blocks it forged and transactions it admitted from a
/// client. The peer-to-peer task drains these (`crate::p2p`).
#[derive(Clone, Debug)]
pub enum Outgoing {
    /// A key block this node forged and applied.
    KeyBlock(KeyBlockHeader),
    /// A micro block this node forged and applied.
    MicroBlock(MicroBlock),
    /// A transaction admitted to the pool (by the REST API or a re-add after a rollback).
    Transaction(Transaction),
}

/// Sending half of the outbox; full or closed means nobody listens, and the item is dropped.
pub type Outbox = tokio::sync::mpsc::Sender<Outgoing>;

pub(crate) fn post(outbox: Option<&Outbox>, item: Outgoing) {
    if let Some(o) = outbox
        && let Err(tokio::sync::mpsc::error::TrySendError::Full(_)) = o.try_send(item)
    {
        tracing::debug!("outbox full; not gossiping an item");
    }
}

pub use crate::pool::{Pool, PoolLimits, Refusal};

/// The chain, the forger and the pool of one node.
pub struct ChainService<S: Store> {
    /// The chain.
    pub chain: Chain<S>,
    /// Pending transactions.
    pub pool: Pool,
    params: ChainParams,
    forger: Option<Forger>,
    total_supply: u64,
    load: Option<DevLoad>,
    next_summary: ltonode_ledger::Hash32,
    summary_for: Option<ltonode_ledger::block::BlockId>,
    outbox: Option<Outbox>,
    forging_enabled: bool,
    revalidated_at: Option<Height>,
    metrics: Option<std::sync::Arc<crate::metrics::Metrics>>,
    wallet: Option<KeyPair>,
    pool_state: Option<PoolState>,
    genesis: Option<GenesisConfig>,
    score: ltonode_consensus::ScoreCache,
    /// Progress of a fast sync under way (and of the block download that ends it).
    pub sync_status: Option<crate::sync_status::SyncStatus>,
}

/// The pool's transactions applied on top of the tip (a cache for admission), valid for one
/// tip and one pool generation.
struct PoolState {
    tip: ltonode_ledger::block::BlockId,
    generation: u64,
    diff: ltonode_ledger::state::Diff,
    ids: std::collections::BTreeSet<TxId>,
}

/// A built-in transaction source for the dev chain: anchors signed by a dev account, so a
/// lone dev node shows micro blocks without a client.
struct DevLoad {
    key: KeyPair,
    per_tick: usize,
    counter: u64,
}

impl<S: Store> ChainService<S> {
    /// A service on `chain`, forging with `forging_key` if given.
    pub fn new(
        chain: Chain<S>,
        params: ChainParams,
        total_supply: Amount,
        forging_key: Option<KeyPair>,
    ) -> Self {
        let wallet = forging_key.clone();
        let forger = forging_key.map(|k| Forger::new(k, params.clone(), total_supply.units()));
        ChainService {
            chain,
            pool: Pool::default(),
            params,
            forger,
            total_supply: total_supply.units(),
            load: None,
            next_summary: [0; 32],
            summary_for: None,
            outbox: None,
            forging_enabled: true,
            revalidated_at: None,
            metrics: None,
            wallet,
            pool_state: None,
            genesis: None,
            score: ltonode_consensus::ScoreCache::default(),
            sync_status: None,
        }
    }

    /// Remembers the chain's genesis, so that a failed fast sync can put the genesis block
    /// back (fast sync empties a chain that holds only its genesis block).
    pub fn with_genesis(mut self, genesis: GenesisConfig) -> Self {
        self.genesis = Some(genesis);
        self
    }

    /// The chain's score (genesis to tip), from cached prefix sums: one header read while the
    /// chain only grows.
    pub fn chain_score(
        &mut self,
    ) -> Result<ltonode_consensus::ChainScore, ltonode_consensus::ForkError> {
        self.score.score(&self.chain)
    }

    /// The chain's genesis, if the service was given it.
    pub fn genesis(&self) -> Option<&GenesisConfig> {
        self.genesis.as_ref()
    }

    /// Posts forged blocks and admitted transactions to `outbox` (for gossip).
    pub fn set_outbox(&mut self, outbox: Outbox) {
        self.pool.outbox = Some(outbox.clone());
        self.outbox = Some(outbox);
    }

    /// Turns forging on or off (the peer-to-peer task keeps it off until the node has caught
    /// up with its peers, so it does not forge on a stale tip).
    pub fn set_forging_enabled(&mut self, enabled: bool) {
        self.forging_enabled = enabled;
    }

    /// The chain's parameters.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// Total stake, for the raffle factor of key block validation.
    pub fn total_supply(&self) -> u64 {
        self.total_supply
    }

    /// Whether this node forges (has a forging key).
    pub fn is_forging(&self) -> bool {
        self.forger.is_some()
    }

    /// Makes the node sign `per_tick` anchor transactions with `key` whenever it leads and
    /// its pool is empty (dev chains only).
    pub fn with_dev_load(mut self, key: KeyPair, per_tick: usize) -> Self {
        self.load = Some(DevLoad {
            key,
            per_tick,
            counter: 0,
        });
        self
    }

    fn feed_dev_load(&mut self) -> anyhow::Result<()> {
        let Some(load) = self.load.as_mut() else {
            return Ok(());
        };
        let leads = self.forger.as_ref().is_some_and(|f| f.leads(&self.chain));
        if !leads || !self.pool.is_empty() || load.per_tick == 0 {
            return Ok(());
        }
        let tip = self.chain.tip().context("empty chain")?;
        let mut txs = Vec::with_capacity(load.per_tick);
        for _ in 0..load.per_tick {
            load.counter += 1;
            let hash = ltonode_ledger::sha256(&load.counter.to_be_bytes());
            let mut tx = Transaction {
                version: 3,
                chain_id: self.params.chain_id,
                timestamp: Timestamp(tip.header.timestamp.0.saturating_add(load.counter % 1000)),
                sender: load.key.public_key(),
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
        self.pool.add(txs, &ctx);
        Ok(())
    }

    /// Counts what this node forges and applies in `metrics` (shared with `/metrics`).
    pub fn set_metrics(&mut self, metrics: std::sync::Arc<crate::metrics::Metrics>) {
        self.metrics = Some(metrics);
    }

    /// The node's metrics, if set.
    pub fn metrics(&self) -> Option<&std::sync::Arc<crate::metrics::Metrics>> {
        self.metrics.as_ref()
    }

    /// The pool applied on the tip, if cached for the current tip and pool content (taken
    /// out: put it back with [`ChainService::keep_pool_state`]).
    pub fn take_pool_state(
        &mut self,
    ) -> Option<(
        ltonode_ledger::state::Diff,
        std::collections::BTreeSet<TxId>,
    )> {
        let tip = self.chain.tip()?.total_id;
        let generation = self.pool.generation();
        match self.pool_state.take() {
            Some(p) if p.tip == tip && p.generation == generation => Some((p.diff, p.ids)),
            _ => None,
        }
    }

    /// Caches the pool applied on the current tip and pool content (an overlay's parts).
    pub fn keep_pool_state(
        &mut self,
        (diff, ids): (
            ltonode_ledger::state::Diff,
            std::collections::BTreeSet<TxId>,
        ),
    ) {
        if let Some(tip) = self.chain.tip() {
            self.pool_state = Some(PoolState {
                tip: tip.total_id,
                generation: self.pool.generation(),
                diff,
                ids,
            });
        }
    }

    /// The node's wallet: the forging account's key, which `/transactions/sign` and
    /// `/transactions/submit` sign with.
    pub fn wallet(&self) -> Option<&KeyPair> {
        self.wallet.as_ref()
    }

    /// The forging account's address, if this node forges.
    pub fn forging_address(&self) -> Option<ltonode_ledger::Address> {
        self.forger.as_ref().map(Forger::address)
    }

    /// After a new key block (forged or imported): drops pool transactions that expired or
    /// no longer apply on the new state (confirmed elsewhere, overdrawn, lease gone).
    fn revalidate_pool(&mut self) -> anyhow::Result<()> {
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
        let expired = self.pool.drop_expired(oldest);
        let ctx = ltonode_ledger::state::BlockContext {
            chain_id: self.params.chain_id,
            height: tip.height,
            timestamp: tip.header.timestamp,
            prev_timestamp: tip.prev_timestamp,
            generator: ltonode_ledger::Address::from_public_key(
                self.params.chain_id,
                &tip.header.generator,
            ),
            lease_unbonding: self.params.lease_unbonding,
            max_tx_future_ms: self.params.max_tx_future_ms,
            max_tx_past_ms: self.params.max_tx_past_ms,
        };
        let mut overlay = ltonode_ledger::state::transition::Overlay::new(&self.chain, ctx);
        let mut stale = HashSet::new();
        for v in self.pool.txs() {
            if overlay.apply(v).is_err() {
                stale.insert(v.id());
            }
        }
        let dropped = stale.len();
        self.pool.remove_ids(&stale);
        if expired + dropped > 0 {
            tracing::debug!(expired, dropped, height = tip.height.0, "pool revalidated");
        }
        Ok(())
    }

    /// One step at time `now`; returns what happened and when to call again at the latest.
    pub fn tick(&mut self, now: Timestamp) -> anyhow::Result<(Vec<Event>, Option<Timestamp>)> {
        self.revalidate_pool()?;
        self.feed_dev_load()?;
        let mut events = Vec::new();
        if !self.forging_enabled {
            return Ok((events, None));
        }
        let Some(forger) = self.forger.as_mut() else {
            return Ok((events, None));
        };
        // The summary the next key block commits, derived again whenever the tip changes
        // (micro blocks of a period's last block change it too).
        let tip_id = self.chain.tip().map(|t| t.total_id);
        if self.summary_for != tip_id {
            self.next_summary = ltonode_summary::next_summary_hash(&self.chain)?;
            self.summary_for = tip_id;
        }
        forger.set_next_summary(self.next_summary);
        let action = forger.step(&self.chain, now, self.pool.txs())?;
        match action {
            ForgerAction::KeyBlock(header) => {
                let started = std::time::Instant::now();
                validate_key_block(&self.chain, &self.params, self.total_supply, &header, now)?;
                let returned = self.chain.apply_key_block(&header, self.next_summary)?;
                if let Some(m) = &self.metrics {
                    m.key_blocks_forged.inc();
                    m.import_seconds.observe(started.elapsed().as_secs_f64());
                }
                // Keep the summary the block just committed: its blocks will be pruned.
                let p = self.params.summary_period;
                let closed = header.height.0.saturating_sub(1);
                if p > 0 && closed > 0 && closed.is_multiple_of(p) {
                    ltonode_summary::store_summary(&self.chain, closed / p)?;
                }
                let ctx = self.chain.validation_context()?;
                self.pool.add(returned, &ctx);
                post(self.outbox.as_ref(), Outgoing::KeyBlock(header.clone()));
                events.push(Event::KeyBlock {
                    height: header.height,
                    timestamp: header.timestamp,
                });
                Ok((events, Some(now)))
            }
            ForgerAction::MicroBlock(micro, verified) => {
                let started = std::time::Instant::now();
                self.chain.apply_own_micro_block(&micro, &verified)?;
                if let Some(m) = &self.metrics {
                    m.micro_blocks_forged.inc();
                    m.import_seconds.observe(started.elapsed().as_secs_f64());
                    let anchors: usize = verified
                        .iter()
                        .map(|v| ltonode_ledger::block::anchor_leaves(v.tx()).len())
                        .sum();
                    m.txs_applied.inc_by(verified.len() as u64);
                    m.anchors_applied.inc_by(anchors as u64);
                }
                let ids: HashSet<TxId> = verified.iter().map(VerifiedTx::id).collect();
                self.pool.remove_ids(&ids);
                post(self.outbox.as_ref(), Outgoing::MicroBlock(micro));
                events.push(Event::MicroBlock {
                    height: self.chain.height(),
                    txs: verified.len(),
                });
                Ok((events, Some(now)))
            }
            ForgerAction::Wait { until } => Ok((events, until)),
        }
    }
}

/// Milliseconds since the Unix epoch, from the system clock.
pub fn wall_clock() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Timestamp(ms)
}

/// A service shared between the forging loop and the REST API. Holders lock it only for
/// synchronous work (never across an `.await`).
pub type SharedService<S> = Arc<Mutex<ChainService<S>>>;

/// Drives the shared service with the wall clock until `shutdown` completes.
pub async fn run<S: Store>(
    service: SharedService<S>,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    tokio::pin!(shutdown);
    loop {
        let now = wall_clock();
        let (events, next) = {
            let mut s = service
                .lock()
                .map_err(|_| anyhow::anyhow!("chain service lock poisoned"))?;
            s.tick(now)?
        };
        for e in &events {
            match e {
                Event::KeyBlock { height, timestamp } => {
                    tracing::info!(
                        height = height.0,
                        timestamp = timestamp.0,
                        "forged key block"
                    );
                }
                Event::MicroBlock { height, txs } => {
                    tracing::info!(height = height.0, txs, "forged micro block");
                }
            }
        }
        if !events.is_empty() {
            continue;
        }
        // Sleep until the next slot or micro block, but wake often enough to pick up new
        // transactions.
        let wait_ms = next
            .map_or(200, |t| t.0.saturating_sub(now.0))
            .clamp(1, 200);
        tokio::select! {
            _ = &mut shutdown => return Ok(()),
            _ = tokio::time::sleep(Duration::from_millis(wait_ms)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ltonode_ledger::MemStore;

    fn dev_service() -> ChainService<MemStore> {
        service_with(ChainParams::dev(), 5)
    }

    /// A service on the dev genesis with `params`, forging with dev account 1 and signing
    /// `load` anchors per micro block with dev account 4.
    fn service_with(params: ChainParams, load: usize) -> ChainService<MemStore> {
        let genesis = GenesisConfig::dev();
        let mut chain = Chain::open(MemStore::new(), chain_config(&params)).expect("open");
        chain
            .init_genesis(
                genesis.timestamp,
                genesis.base_target,
                genesis.transactions(),
            )
            .expect("genesis");
        let accounts = GenesisConfig::dev_accounts();
        let forger = KeyPair::from_seed_phrase(&accounts[0].seed, 0);
        let user = KeyPair::from_seed_phrase(&accounts[3].seed, 0);
        ChainService::new(chain, params, genesis.total(), Some(forger)).with_dev_load(user, load)
    }

    #[test]
    fn forging_across_summary_periods_commits_and_keeps_summaries() {
        let params = ChainParams::minimal();
        let genesis = GenesisConfig::dev();
        let mut s = service_with(params.clone(), 3);
        let mut now = Timestamp(genesis.timestamp.0 + 60_000);
        while s.chain.height().0 < 40 {
            let (_, next) = s.tick(now).expect("tick");
            now = Timestamp(next.map_or(now.0 + 100, |n| n.0.max(now.0 + 1)));
        }
        let p = params.summary_period;
        for n in 1..=4u32 {
            let header = s
                .chain
                .header_at(Height(n * p + 1))
                .expect("h")
                .expect("header");
            let stored = ltonode_summary::load_summary(&s.chain, n)
                .expect("load")
                .expect("stored");
            assert_eq!(
                header.commitments.summary_hash,
                stored.hash(),
                "summary {n}"
            );
        }
        assert!(s.chain.finalized_height().expect("final").0 >= 3 * p);
        assert!(
            s.chain.pruned_height().expect("pruned").0 > 0,
            "old blocks were pruned"
        );
    }

    #[test]
    fn a_dev_node_forges_key_and_micro_blocks_in_virtual_time() {
        let mut s = dev_service();
        let start = GenesisConfig::dev().timestamp.0 + 60_000;
        let mut now = Timestamp(start);
        let (mut keys, mut micros, mut txs) = (0, 0, 0);
        while s.chain.height().0 < 20 {
            let (events, next) = s.tick(now).expect("tick");
            for e in events {
                match e {
                    Event::KeyBlock { .. } => keys += 1,
                    Event::MicroBlock { txs: n, .. } => {
                        micros += 1;
                        txs += n;
                    }
                }
            }
            now = Timestamp(next.map_or(now.0 + 100, |n| n.0.max(now.0 + 1)));
            assert!(now.0 < start + 3_600_000, "the dev chain stalled");
        }
        assert_eq!(keys, 19);
        assert!(micros >= 19, "micro blocks between key blocks: {micros}");
        let confirmed: usize = (2..=20)
            .map(|h| {
                s.chain
                    .block_micro_blocks(Height(h))
                    .expect("micro")
                    .iter()
                    .map(|m| m.transactions.len())
                    .sum::<usize>()
            })
            .sum();
        assert_eq!(confirmed, txs);
    }
}
