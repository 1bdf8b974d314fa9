//! The deterministic simulation: N nodes, each running the node's own chain core
//! (`ltonode_core::Core`, with its chain on a `MemStore`, its pool and its forger), on a virtual clock in
//! milliseconds with one event queue ordered by `(time, seq)`; a simulated network with
//! per-link latency, loss and partitions; crash and restart; byzantine generators; a seeded
//! transaction load. One ChaCha seed drives everything, so a run is a pure function of its
//! [`SimConfig`].
//!
//! Nodes gossip their chain score every `gossip_interval_ms`; a node that hears of a higher
//! score, or gets a block it cannot connect, syncs from that peer. Summary blocks, finality
//! and pruning are on: the default parameters close a summary period every 16 key blocks and
//! keep 64 blocks of transactions, so that the state digest covers them.

pub mod byzantine;
mod error;
pub mod event;
pub mod load;
pub mod message;
pub mod net;
pub mod node;
pub mod state_hash;

pub use byzantine::{ByzantineMode, RefusalKind};
pub use error::SimError;
pub use message::Message;
pub use node::{Action, NodeStats, SimNode};
pub use state_hash::state_hash;

use event::{EventKind, EventQueue};
use load::TxLoad;
use ltonode_consensus::ChainParams;
use ltonode_ledger::block::BlockId;
use ltonode_ledger::chain::{Chain, ChainError};
use ltonode_ledger::{
    Address, Amount, Hash32, Height, KeyPair, MemStore, PublicKey, Timestamp, Transaction, TxBody,
};
use net::{Delivery, Network};

/// Genesis time of every simulated chain (2026-01-01T00:00:00Z); the clock starts here.
pub const GENESIS_TS: u64 = 1_767_225_600_000;
const UNITS: u64 = 100_000_000;

/// Everything a run depends on.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The seed of every random choice.
    pub seed: u64,
    /// Chain parameters.
    pub params: ChainParams,
    /// Genesis stake of each node's generator, in LTO (one node per entry; 0: not a
    /// generator).
    pub stakes: Vec<u64>,
    /// Nodes that forge bad blocks, and how.
    pub byzantine: Vec<(usize, ByzantineMode)>,
    /// Funded user accounts of the transaction load.
    pub users: usize,
    /// Genesis balance of each user, in LTO.
    pub user_balance: u64,
    /// Link latency range (ms, inclusive), drawn once per link.
    pub latency_ms: (u64, u64),
    /// Probability that a message is lost.
    pub loss: f64,
    /// Time between two load transactions (ms); `None`: no load.
    pub tx_interval_ms: Option<u64>,
    /// Time between two score announcements (ms).
    pub gossip_interval_ms: u64,
    /// How long a sync request is awaited (ms).
    pub sync_timeout_ms: u64,
    /// Most blocks in one sync response.
    pub sync_batch: u32,
    /// Most transactions in a node's pool.
    pub pool_cap: usize,
}

impl SimConfig {
    /// `ChainParams::minimal()` (≈5 s key blocks, micro blocks every second, max rollback
    /// 16) with a summary every 16 key blocks and 64 blocks of transactions kept, with the genesis base target set to its equilibrium `0.5 * C2 / stake` for these
    /// stakes (so short runs do not spend their first hundred blocks converging), 20–150 ms
    /// links, no loss, 12 users sending a transaction every 2 s.
    pub fn new(seed: u64, stakes: Vec<u64>) -> SimConfig {
        let mut params = ChainParams {
            summary_period: 16,
            retain_blocks: 64,
            ..ChainParams::minimal()
        };
        let stake_units =
            stakes.iter().fold(0u64, |a, s| a.saturating_add(*s)) as f64 * UNITS as f64;
        if stake_units > 0.0 {
            params.initial_base_target = ((0.5 * params.c2 / stake_units) as u64).max(1);
        }
        SimConfig {
            seed,
            params,
            stakes,
            byzantine: Vec::new(),
            users: 12,
            user_balance: 100_000,
            latency_ms: (20, 150),
            loss: 0.0,
            tx_interval_ms: Some(2_000),
            gossip_interval_ms: 1_000,
            sync_timeout_ms: 2_000,
            sync_batch: 256,
            pool_cap: 5_000,
        }
    }
}

/// The key of node `i`'s generator.
pub fn generator_key(i: usize) -> KeyPair {
    KeyPair::from_seed_phrase(&format!("sim generator {i}"), 0)
}

/// The key of load user `j`.
pub fn user_key(j: usize) -> KeyPair {
    KeyPair::from_seed_phrase(&format!("sim user {j}"), 0)
}

/// The simulated world.
pub struct Sim {
    config: SimConfig,
    now: u64,
    queue: EventQueue,
    nodes: Vec<SimNode>,
    alive: Vec<bool>,
    wake_generation: Vec<u64>,
    net: Network,
    load: Option<TxLoad>,
    load_on: bool,
    forging: bool,
    generators: Vec<PublicKey>,
    /// Messages delivered to live nodes.
    pub delivered: u64,
}

impl Sim {
    /// Builds the genesis (generators' stakes, users' balances), one node per stake, the
    /// network and the load; schedules the first wake-ups, gossip and load.
    pub fn new(config: SimConfig) -> Result<Sim, SimError> {
        let params = &config.params;
        params
            .validate()
            .map_err(|e| SimError::Config(e.to_string()))?;
        if config.stakes.is_empty() {
            return Err(SimError::Config("no nodes".into()));
        }
        let chain_id = params.chain_id;
        let genesis = |key: &KeyPair, lto: u64| Transaction {
            version: 1,
            chain_id,
            timestamp: Timestamp(GENESIS_TS),
            sender: PublicKey([0; 32]).into(),
            fee: Amount(0),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Genesis {
                recipient: Address::from_public_key(chain_id, &key.public_key()),
                amount: Amount(lto.saturating_mul(UNITS)),
            },
        };
        let gen_keys: Vec<KeyPair> = (0..config.stakes.len()).map(generator_key).collect();
        let users: Vec<KeyPair> = (0..config.users).map(user_key).collect();
        let mut txs = Vec::new();
        for (k, &s) in gen_keys.iter().zip(&config.stakes) {
            if s > 0 {
                txs.push(genesis(k, s));
            }
        }
        for u in &users {
            txs.push(genesis(u, config.user_balance));
        }
        let total_supply = txs
            .iter()
            .map(|t| match &t.body {
                TxBody::Genesis { amount, .. } => amount.0,
                _ => 0,
            })
            .fold(0u64, u64::saturating_add);

        // The node's ledger rules: summary blocks, finality and pruning as the parameters
        // say.
        let chain_config = ltonode_core::chain_config(params);
        let foreign_key = users.first().cloned().unwrap_or_else(|| user_key(0));
        let mut nodes = Vec::new();
        for (i, key) in gen_keys.iter().enumerate() {
            let store = MemStore::new();
            let mut chain = Chain::open(store.clone(), chain_config.clone())?;
            chain.init_genesis(
                Timestamp(GENESIS_TS),
                params.initial_base_target,
                txs.clone(),
            )?;
            let setup = node::NodeSetup {
                id: i,
                params: params.clone(),
                chain_config: chain_config.clone(),
                total_supply,
                key: (config.stakes.get(i).copied().unwrap_or(0) > 0).then(|| key.clone()),
                byzantine: config
                    .byzantine
                    .iter()
                    .find(|(n, _)| *n == i)
                    .map(|(_, m)| *m),
                foreign_key: foreign_key.clone(),
                sync_timeout_ms: config.sync_timeout_ms,
                sync_batch: config.sync_batch,
                pool_cap: config.pool_cap,
            };
            nodes.push(SimNode::new(setup, store)?);
        }
        let n = nodes.len();
        let net = Network::new(n, config.latency_ms, config.loss, config.seed ^ 0x6e65_7477);
        let load = config.tx_interval_ms.map(|iv| {
            TxLoad::new(
                users,
                chain_id,
                chain_config.fees,
                iv,
                config.seed ^ 0x6c6f_6164,
            )
        });
        let mut sim = Sim {
            now: GENESIS_TS,
            queue: EventQueue::default(),
            alive: vec![true; n],
            wake_generation: vec![0; n],
            net,
            load_on: load.is_some(),
            load,
            forging: true,
            generators: gen_keys.iter().map(|k| k.public_key()).collect(),
            nodes,
            config,
            delivered: 0,
        };
        for i in 0..n {
            sim.schedule_wake(i, GENESIS_TS);
        }
        sim.queue.push(
            GENESIS_TS.saturating_add(sim.config.gossip_interval_ms),
            EventKind::Gossip,
        );
        if let Some(l) = &sim.load {
            sim.queue
                .push(GENESIS_TS.saturating_add(l.interval_ms), EventKind::Load);
        }
        Ok(sim)
    }

    /// The virtual time (ms).
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Node `i`.
    pub fn node(&self, i: usize) -> &SimNode {
        &self.nodes[i]
    }

    /// All nodes.
    pub fn nodes(&self) -> &[SimNode] {
        &self.nodes
    }

    /// The network (counters of lost and partitioned messages).
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Transactions the load generated so far.
    pub fn txs_generated(&self) -> u64 {
        self.load.as_ref().map_or(0, |l| l.generated)
    }

    /// Whether node `i` is running.
    pub fn is_alive(&self, i: usize) -> bool {
        self.alive.get(i).copied().unwrap_or(false)
    }

    /// The node index whose generator key is `pk`.
    pub fn generator_index(&self, pk: &PublicKey) -> Option<usize> {
        self.generators.iter().position(|g| g == pk)
    }

    /// The highest tip among live nodes.
    pub fn max_height(&self) -> Height {
        self.live().map(|n| n.height()).max().unwrap_or(Height(0))
    }

    /// The lowest tip among live nodes.
    pub fn min_height(&self) -> Height {
        self.live().map(|n| n.height()).min().unwrap_or(Height(0))
    }

    fn live(&self) -> impl Iterator<Item = &SimNode> {
        self.nodes
            .iter()
            .zip(&self.alive)
            .filter(|(_, a)| **a)
            .map(|(n, _)| n)
    }

    /// Runs every event up to and including time `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: u64) {
        while self.queue.peek_time().is_some_and(|at| at <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Runs for `ms` more milliseconds.
    pub fn run_for(&mut self, ms: u64) {
        self.run_until(self.now.saturating_add(ms));
    }

    /// Runs until some live node reaches height `h` or the clock reaches `deadline`;
    /// whether the height was reached.
    pub fn run_until_height(&mut self, h: u32, deadline: u64) -> bool {
        while self.max_height().0 < h {
            match self.queue.peek_time() {
                Some(at) if at <= deadline => self.step(),
                _ => {
                    self.now = self.now.max(deadline);
                    return false;
                }
            }
        }
        true
    }

    fn step(&mut self) {
        let Some(ev) = self.queue.pop() else {
            return;
        };
        self.now = self.now.max(ev.at);
        let now = self.now;
        match ev.kind {
            EventKind::Deliver { from, to, msg } => {
                if self.is_alive(to) {
                    self.delivered += 1;
                    let actions = self.nodes[to].on_message(from, *msg, now);
                    self.perform(to, actions);
                }
            }
            EventKind::Wake { node, generation } => {
                if self.is_alive(node) && self.wake_generation[node] == generation {
                    let actions = self.nodes[node].on_wake(now, self.forging);
                    self.perform(node, actions);
                }
            }
            EventKind::Gossip => {
                for i in 0..self.nodes.len() {
                    if self.is_alive(i)
                        && let Some(m) = self.nodes[i].score_announcement()
                    {
                        self.perform(i, vec![Action::Broadcast(m)]);
                    }
                }
                self.queue.push(
                    now.saturating_add(self.config.gossip_interval_ms),
                    EventKind::Gossip,
                );
            }
            EventKind::Load => {
                let alive: Vec<usize> = (0..self.nodes.len())
                    .filter(|&i| self.is_alive(i))
                    .collect();
                let Some(load) = self.load.as_mut() else {
                    return;
                };
                let interval = load.interval_ms;
                if self.load_on {
                    let target = load.pick(&alive).copied();
                    if let (Some(i), Some(tx)) = (target, load.next_tx(now)) {
                        let actions = self.nodes[i].submit_tx(tx, now);
                        self.perform(i, actions);
                    }
                }
                self.queue
                    .push(now.saturating_add(interval), EventKind::Load);
            }
        }
    }

    fn perform(&mut self, from: usize, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Send(to, msg) => self.send(from, to, msg),
                Action::Broadcast(msg) => {
                    for to in 0..self.nodes.len() {
                        if to != from {
                            self.send(from, to, msg.clone());
                        }
                    }
                }
                Action::Wake(t) => self.schedule_wake(from, t),
            }
        }
    }

    fn send(&mut self, from: usize, to: usize, msg: Message) {
        if let Delivery::At(t) = self.net.send(from, to, self.now) {
            self.queue.push(
                t,
                EventKind::Deliver {
                    from,
                    to,
                    msg: Box::new(msg),
                },
            );
        }
    }

    fn schedule_wake(&mut self, node: usize, at: u64) {
        let g = &mut self.wake_generation[node];
        *g = g.wrapping_add(1);
        let generation = *g;
        self.queue
            .push(at.max(self.now), EventKind::Wake { node, generation });
    }

    /// Splits the network into `groups` (unlisted nodes form one more group).
    pub fn partition(&mut self, groups: &[Vec<usize>]) {
        self.net.partition(groups);
    }

    /// Heals the partition.
    pub fn heal(&mut self) {
        self.net.heal();
    }

    /// Crashes node `i`: it stops processing; messages to it are lost.
    pub fn crash(&mut self, i: usize) {
        if let Some(a) = self.alive.get_mut(i) {
            *a = false;
            self.wake_generation[i] = self.wake_generation[i].wrapping_add(1);
        }
    }

    /// Restarts node `i` on its store: memory is lost, the chain is kept; it resyncs from
    /// its peers' score announcements.
    pub fn restart(&mut self, i: usize) -> Result<(), SimError> {
        self.nodes[i].restart()?;
        self.alive[i] = true;
        self.schedule_wake(i, self.now);
        Ok(())
    }

    /// Stops or resumes the transaction load.
    pub fn set_load(&mut self, on: bool) {
        self.load_on = on && self.load.is_some();
    }

    /// Stops or resumes forging everywhere.
    pub fn set_forging(&mut self, on: bool) {
        self.forging = on;
        if on {
            for i in 0..self.nodes.len() {
                if self.is_alive(i) {
                    self.schedule_wake(i, self.now);
                }
            }
        }
    }

    /// Quiet period: no load for `ms` while forging goes on, then no forging for another
    /// `ms` while gossip and sync converge.
    pub fn settle(&mut self, ms: u64) {
        self.set_load(false);
        self.run_for(ms);
        self.set_forging(false);
        self.run_for(ms);
    }

    /// If all live nodes agree: their common tip (key block id, total id) and state hash.
    pub fn agreement(&self) -> Result<Option<(BlockId, BlockId, Hash32)>, SimError> {
        let mut common = None;
        for n in self.live() {
            let tip = n.tip()?;
            let this = (tip.header.id(), tip.total_id, n.state_hash()?);
            match &common {
                None => common = Some(this),
                Some(c) if *c == this => {}
                Some(_) => return Ok(None),
            }
        }
        Ok(common)
    }

    /// Key blocks of node `i`'s chain (genesis excluded) per generating node index.
    pub fn blocks_per_generator(&self, i: usize) -> Result<Vec<u64>, SimError> {
        let mut counts = vec![0u64; self.nodes.len()];
        let chain = self.nodes[i].chain();
        for h in 2..=chain.height().0 {
            let header = chain
                .header_at(Height(h))?
                .ok_or(ChainError::Corrupt("header"))?;
            if let Some(g) = self.generator_index(&header.generator)
                && let Some(c) = counts.get_mut(g)
            {
                *c += 1;
            }
        }
        Ok(counts)
    }
}
