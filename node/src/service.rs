//! The node around its chain core: the core runs on one thread of its own and takes its
//! inputs from a bounded mailbox ([`CoreHandle`]); after each input it publishes a
//! [`Snapshot`] of the tip, which readers ([`Reader`]) combine with the shared store, so
//! that REST reads, sync answers and `/metrics` never wait on the writer.
//!
//! The core (`ltonode-core`) holds every rule; this module only moves inputs in and actions
//! out: blocks and transactions to publish go to the network's outbox, forged and applied
//! blocks to the metrics and the log. [`run_forging`] ticks the core with the wall clock.

use anyhow::Context;
use arc_swap::ArcSwap;
use ltonode_consensus::{ChainParams, ChainScore};
use ltonode_core::{Action, Core, CoreError, Forged, Input, Output, Reply};
use ltonode_ledger::chain::{Chain, ChainConfig, ChainError, Tip};
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::tx::validate::ValidationContext;
use ltonode_ledger::tx::{TxId, VerifiedTx};
use ltonode_ledger::{Address, Height, RocksConfig, RocksStore, Snapshots, Store, Timestamp};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};

pub use ltonode_core::Outgoing;

pub use ltonode_core::chain_config;

/// The node's store: RocksDB, shared between the core (the only writer) and the readers.
pub type NodeStore = Arc<RocksStore>;

/// Opens (or creates) the chain in `dir`, applying the genesis block when it is empty.
pub fn open_chain(
    dir: &Path,
    params: &ChainParams,
    genesis: &GenesisConfig,
    history: bool,
    anchor_index: ltonode_ledger::chain::AnchorIndex,
) -> anyhow::Result<Chain<NodeStore>> {
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
    let store = Arc::new(store);
    let fresh = Chain::open(store.clone(), config.clone())?.tip().is_none();
    let chain = Chain::open_with_genesis(store, config, genesis)?;
    if fresh {
        tracing::info!(height = 1, "applied the genesis block");
    }
    Ok(chain)
}

/// What the core published after its last input: everything a reader needs besides the
/// store.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The tip block as the core left it (`None` only before the genesis block).
    pub tip: Option<Tip>,
    /// The score of the chain up to that tip.
    pub score: ChainScore,
    /// The stateless validation context of the tip (for checks off the core).
    pub validation: Option<ValidationContext>,
    /// Transactions waiting in the pool.
    pub pool_len: usize,
    /// Wire bytes of the transactions waiting.
    pub pool_bytes: usize,
    /// Whether this node has a forging key.
    pub forging: bool,
    /// Whether forging is switched on (off while syncing).
    pub forging_enabled: bool,
    /// The address of the forging key, if this node has one.
    pub forging_address: Option<Address>,
    /// The genesis supply (units).
    pub total_supply: u64,
}

impl Snapshot {
    fn of<S: Store>(core: &mut Core<S>) -> Snapshot {
        let score = core.score().unwrap_or_default();
        Snapshot {
            tip: core.chain().tip().cloned(),
            score,
            validation: core.validation_context().ok(),
            pool_len: core.pool().len(),
            pool_bytes: core.pool().size_bytes(),
            forging: core.is_forging(),
            forging_enabled: core.forging_enabled(),
            forging_address: core.forging_address(),
            total_supply: core.total_supply(),
        }
    }

    /// The height (0 before the genesis block).
    pub fn height(&self) -> Height {
        self.tip.as_ref().map_or(Height(0), |t| t.height)
    }
}

pub use ltonode_core::PoolView;

/// A cloneable reader: the shared store and the published snapshots. Never waits on the
/// core.
pub struct Reader<S: Store> {
    store: S,
    config: ChainConfig,
    params: Arc<ChainParams>,
    snapshot: Arc<ArcSwap<Snapshot>>,
    pool: Arc<ArcSwap<PoolView>>,
}

impl<S: Store + Clone> Clone for Reader<S> {
    fn clone(&self) -> Self {
        Reader {
            store: self.store.clone(),
            config: self.config.clone(),
            params: self.params.clone(),
            snapshot: self.snapshot.clone(),
            pool: self.pool.clone(),
        }
    }
}

impl<S: Store + Clone> Reader<S> {
    /// The last published snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// The chain as of the last published tip, over the shared store (read-only). For a
    /// reply that spans several keys, [`Reader::consistent_chain`].
    pub fn chain(&self) -> Chain<S> {
        let tip = self.snapshot.load().tip.clone();
        Chain::view(self.store.clone(), self.config.clone(), tip)
    }

    /// The pool as last published.
    pub fn pool(&self) -> Arc<PoolView> {
        self.pool.load_full()
    }

    /// The chain's parameters.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// The chain's ledger configuration.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The store the core writes and this reader reads.
    pub fn store(&self) -> &S {
        &self.store
    }
}

impl<S: Store + Clone + Snapshots> Reader<S> {
    /// The chain over a snapshot of the store (a RocksDB snapshot in the node): every read
    /// through it sees the same moment, its tip included, whatever the core writes meanwhile.
    pub fn consistent_chain(&self) -> Result<Chain<S::Snapshot<'_>>, ChainError> {
        Chain::open(self.store.snapshot(), self.config.clone())
    }
}

/// Where a gossip message or a sync response came from: a peer, and for gossip the
/// message's id (to report the verdict on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The peer that sent it (for gossip: relayed it).
    pub peer: ltonode_network::PeerId,
    /// The gossip message, if it was one.
    pub msg: Option<ltonode_network::MessageId>,
}

/// A reply held back until the state it answers about is published.
type Deferred = Box<dyn FnOnce() + Send>;
type Job<S> = Box<dyn FnOnce(&mut Core<S>) -> Deferred + Send>;

enum Command<S: Store> {
    Input(
        Input<Origin>,
        oneshot::Sender<Result<Output<Origin>, CoreError>>,
    ),
    Run(Job<S>),
    /// Stop after the commands before this one; the core (and its store) is dropped.
    Stop,
}

/// Most commands waiting in the core's mailbox; senders wait when it is full.
pub const MAILBOX_CAPACITY: usize = 4096;

/// The sending side of the core's mailbox. Cloneable; every method waits for the core's
/// answer.
pub struct CoreHandle<S: Store> {
    tx: mpsc::Sender<Command<S>>,
}

impl<S: Store> Clone for CoreHandle<S> {
    fn clone(&self) -> Self {
        CoreHandle {
            tx: self.tx.clone(),
        }
    }
}

/// The core's thread is gone (it stopped or failed).
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The core's thread ended (shutdown, or a panic).
    #[error("the chain core stopped")]
    Stopped,
    /// The core failed on the input (storage, corrupt records).
    #[error("chain core: {0}")]
    Core(#[from] CoreError),
}

impl<S: Store + 'static> CoreHandle<S> {
    /// Hands `input` to the core and waits for its output.
    pub async fn send(&self, input: Input<Origin>) -> Result<Output<Origin>, HandleError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Input(input, reply))
            .await
            .map_err(|_| HandleError::Stopped)?;
        Ok(rx.await.map_err(|_| HandleError::Stopped)??)
    }

    /// Admits transactions verified off the core (a client's): one verdict each.
    pub async fn submit(
        &self,
        txs: Vec<VerifiedTx>,
    ) -> Result<Vec<Result<TxId, ltonode_core::TxRefusal>>, HandleError> {
        match self.send(Input::Submit(txs)).await?.reply {
            Reply::Submitted(r) => Ok(r),
            _ => Err(HandleError::Stopped),
        }
    }

    /// One forging step at `now`: what was forged and when to tick again at the latest.
    pub async fn tick(
        &self,
        now: Timestamp,
    ) -> Result<(Vec<Forged>, Option<Timestamp>), HandleError> {
        let out = self.send(Input::Tick(now)).await?;
        let forged = out
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Forged(f) => Some(*f),
                _ => None,
            })
            .collect();
        match out.reply {
            Reply::Ticked { next } => Ok((forged, next)),
            _ => Err(HandleError::Stopped),
        }
    }

    /// Runs `f` on the core's thread, between inputs (rare administrative work: switching
    /// forging, a fast sync's bootstrap).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Core<S>) -> T + Send + 'static,
    ) -> Result<T, HandleError> {
        let (reply, rx) = oneshot::channel();
        let job: Job<S> = Box::new(move |core| {
            let value = f(core);
            Box::new(move || {
                let _ = reply.send(value);
            })
        });
        self.tx
            .send(Command::Run(job))
            .await
            .map_err(|_| HandleError::Stopped)?;
        rx.await.map_err(|_| HandleError::Stopped)
    }

    /// Stops the core after what is queued before this; waits until it is accepted.
    pub async fn stop(&self) {
        let _ = self.tx.send(Command::Stop).await;
    }

    /// Switches forging on or off.
    pub async fn set_forging_enabled(&self, enabled: bool) -> Result<(), HandleError> {
        self.run(move |core| core.set_forging_enabled(enabled))
            .await
    }
}

/// The running core: its handle, a reader, and the thread.
pub struct CoreTask<S: Store> {
    /// Sends inputs to the core.
    pub handle: CoreHandle<S>,
    /// Reads beside it.
    pub reader: Reader<S>,
    /// The core's thread; it ends on [`CoreHandle::stop`] or when every handle is dropped.
    pub thread: std::thread::JoinHandle<()>,
}

impl<S: Store + 'static> CoreTask<S> {
    /// Stops the core and waits for its thread to end (its store closed).
    pub async fn shutdown(self) {
        self.handle.stop().await;
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}

/// Starts `core` on a thread of its own. Blocks and transactions it publishes go to
/// `outbox` (if given), what it forges and applies to `metrics` (if given).
pub fn spawn_core<S: Store + Clone + 'static>(
    mut core: Core<S>,
    outbox: Option<Outbox>,
    metrics: Option<Arc<crate::metrics::Metrics>>,
) -> std::io::Result<CoreTask<S>> {
    let (tx, mut rx) = mpsc::channel::<Command<S>>(MAILBOX_CAPACITY);
    let snapshot = Arc::new(ArcSwap::from_pointee(Snapshot::of(&mut core)));
    let pool = Arc::new(ArcSwap::from_pointee(core.pool().view()));
    let reader = Reader {
        store: core.chain().store().clone(),
        config: core.chain().config().clone(),
        params: Arc::new(core.params().clone()),
        snapshot: snapshot.clone(),
        pool: pool.clone(),
    };
    let thread = std::thread::Builder::new()
        .name("chain-core".into())
        .spawn(move || {
            let mut pool_generation = core.pool().generation();
            let mut replies: Vec<Deferred> = Vec::new();
            let mut stopping = false;
            while let Some(cmd) = rx.blocking_recv() {
                let mut next = Some(cmd);
                // Everything waiting is handled, then the state is published once, then the
                // replies go out: whoever gets a reply reads what it answers about.
                while let Some(cmd) = next {
                    if matches!(cmd, Command::Stop) {
                        stopping = true;
                        break;
                    }
                    replies.push(execute(&mut core, cmd, outbox.as_ref(), metrics.as_deref()));
                    if replies.len() >= MAX_BATCH {
                        break;
                    }
                    next = rx.try_recv().ok();
                }
                snapshot.store(Arc::new(Snapshot::of(&mut core)));
                let generation = core.pool().generation();
                if generation != pool_generation {
                    // A persistent map: the copy costs nothing, whatever the pool's size.
                    pool.store(Arc::new(core.pool().view()));
                    pool_generation = generation;
                }
                for reply in replies.drain(..) {
                    reply();
                }
                if stopping {
                    break;
                }
            }
            // The core, its chain and its store are dropped here, on this thread, before
            // the process exits.
            drop(core);
        })?;
    Ok(CoreTask {
        handle: CoreHandle { tx },
        reader,
        thread,
    })
}

/// Most commands handled before the state is published and their replies sent.
const MAX_BATCH: usize = 256;

fn execute<S: Store>(
    core: &mut Core<S>,
    cmd: Command<S>,
    outbox: Option<&Outbox>,
    metrics: Option<&crate::metrics::Metrics>,
) -> Deferred {
    match cmd {
        Command::Run(job) => job(core),
        Command::Stop => Box::new(|| {}),
        Command::Input(input, reply) => {
            let started = Instant::now();
            let out = core.handle(input);
            match &out {
                Ok(out) => carry_out(&out.actions, outbox, metrics, started),
                Err(e) => tracing::error!(error = %e, "the chain core failed on an input"),
            }
            Box::new(move || {
                let _ = reply.send(out);
            })
        }
    }
}

/// The actions the driver carries out itself: publishing, metrics and the log. Verdicts,
/// penalties and sync requests go back to the input's sender in the output.
fn carry_out(
    actions: &[Action<Origin>],
    outbox: Option<&Outbox>,
    metrics: Option<&crate::metrics::Metrics>,
    started: Instant,
) {
    for a in actions {
        match a {
            Action::Publish(item) => post(outbox, item.clone()),
            Action::Forged(f) => {
                if let Some(m) = metrics {
                    m.import_seconds.observe(started.elapsed().as_secs_f64());
                    match f {
                        Forged::KeyBlock { .. } => m.key_blocks_forged.inc(),
                        Forged::MicroBlock { txs, anchors, .. } => {
                            m.micro_blocks_forged.inc();
                            m.txs_applied.inc_by(*txs as u64);
                            m.anchors_applied.inc_by(*anchors as u64);
                        }
                    }
                }
                match f {
                    Forged::KeyBlock { height, timestamp } => {
                        tracing::info!(
                            height = height.0,
                            timestamp = timestamp.0,
                            "forged key block"
                        );
                    }
                    Forged::MicroBlock { height, txs, .. } => {
                        tracing::debug!(height = height.0, txs, "forged micro block");
                    }
                }
            }
            Action::Applied(a) => {
                if let Some(m) = metrics {
                    m.import_seconds.observe(started.elapsed().as_secs_f64());
                    m.txs_applied.inc_by(a.txs);
                    m.anchors_applied.inc_by(a.anchors);
                    m.txs_from_pool.inc_by(a.txs_from_pool);
                }
            }
            Action::Verdict { .. } | Action::Penalize(..) | Action::Sync(_) => {}
        }
    }
}

/// Sending half of the outbox; full or closed means nobody listens, and the item is dropped.
pub type Outbox = mpsc::Sender<Outgoing>;

fn post(outbox: Option<&Outbox>, item: Outgoing) {
    if let Some(o) = outbox
        && let Err(mpsc::error::TrySendError::Full(_)) = o.try_send(item)
    {
        tracing::debug!("outbox full; not gossiping an item");
    }
}

/// Milliseconds since the Unix epoch, from the system clock.
pub fn wall_clock() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Timestamp(ms)
}

/// Ticks the core with the wall clock until `shutdown` completes: forges key blocks when
/// this node's slot comes and micro blocks while it leads.
pub async fn run_forging<S: Store + 'static>(
    core: CoreHandle<S>,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    tokio::pin!(shutdown);
    loop {
        let now = wall_clock();
        let (forged, next) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            r = core.tick(now) => r?,
        };
        if !forged.is_empty() {
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

/// Where the running network's handle is published once the p2p task has started it, for
/// the REST routes that read peers and the p2p bridge that fills it.
pub type NetworkSlot = Arc<std::sync::OnceLock<ltonode_network::NetworkHandle>>;

#[cfg(test)]
mod tests {
    use super::*;
    use ltonode_core::CoreConfig;
    use ltonode_ledger::{KeyPair, MemStore};

    /// A core on the dev genesis with `params`, forging with dev account 1 and signing
    /// `load` anchors per micro block with dev account 4.
    fn core_with(params: ChainParams, load: usize) -> Core<MemStore> {
        let genesis = GenesisConfig::dev();
        let chain = Chain::open_with_genesis(MemStore::new(), chain_config(&params), &genesis)
            .expect("open");
        let accounts = GenesisConfig::dev_accounts();
        let forger = KeyPair::from_seed_phrase(&accounts[0].seed, 0);
        let user = KeyPair::from_seed_phrase(&accounts[3].seed, 0);
        let mut config = CoreConfig::new(params, genesis.total(), Some(forger));
        config.dev_load = Some((user, load));
        Core::new(chain, config).expect("core")
    }

    #[test]
    fn forging_across_summary_periods_commits_and_keeps_summaries() {
        let params = ChainParams::minimal();
        let genesis = GenesisConfig::dev();
        let mut s = core_with(params.clone(), 3);
        let mut now = Timestamp(genesis.timestamp.0 + 60_000);
        while s.chain().height().0 < 40 {
            let (_, next) = s.tick(now).expect("tick");
            now = Timestamp(next.map_or(now.0 + 100, |n| n.0.max(now.0 + 1)));
        }
        let p = params.summary_period;
        for n in 1..=4u32 {
            let header = s
                .chain()
                .header_at(Height(n * p + 1))
                .expect("h")
                .expect("header");
            let stored = ltonode_summary::load_summary(s.chain(), n)
                .expect("load")
                .expect("stored");
            assert_eq!(
                header.commitments.summary_hash,
                stored.hash(),
                "summary {n}"
            );
        }
        assert!(s.chain().finalized_height().expect("final").0 >= 3 * p);
        assert!(
            s.chain().pruned_height().expect("pruned").0 > 0,
            "old blocks were pruned"
        );
    }

    #[test]
    fn a_dev_node_forges_key_and_micro_blocks_in_virtual_time() {
        let mut s = core_with(ChainParams::dev(), 5);
        let start = GenesisConfig::dev().timestamp.0 + 60_000;
        let mut now = Timestamp(start);
        let (mut keys, mut micros, mut txs) = (0, 0, 0);
        while s.chain().height().0 < 20 {
            let (forged, next) = s.tick(now).expect("tick");
            for f in forged {
                match f {
                    Forged::KeyBlock { .. } => keys += 1,
                    Forged::MicroBlock { txs: n, .. } => {
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
                s.chain()
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
