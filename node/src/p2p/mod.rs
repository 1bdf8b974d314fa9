//! The bridge between the network service (`ltonode-network`) and the chain core: gossip in
//! (decode, verify transactions off the core, hand the batch to the core, report its verdicts
//! so only valid data is relayed, penalise senders of garbage and invalid blocks), gossip out
//! (blocks this node forged and transactions it admitted, from the core's outbox), answers to
//! sync requests (tip, headers, blocks) from a reader, and block sync from peers with a
//! higher score (`sync.rs`, `fastsync.rs`).
//!
//! Shape: [`run`] starts the network and owns four tasks: the event loop (the only place that
//! reads network events), a publisher draining the outbox, the peer gauge and the sync task.
//! None of them holds the chain: what a block does to it is decided in the core
//! (`ltonode-core`), which they reach through its mailbox.

pub mod fastsync;
mod sync;

use crate::service::{CoreHandle, HandleError, Origin, Outbox, Outgoing, Reader, wall_clock};
use crate::sync_status::{SharedSyncStatus, SyncStatus};
use ltonode_core::{Action, Fault, GossipItem, Imported, Input, Reply, serve};
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::tx::Transaction;
use ltonode_ledger::tx::validate::verify_batch;
use ltonode_ledger::{ChainId, Height, Snapshots, Store};
use ltonode_network::message::{MAX_BLOCKS_PER_RESPONSE, MAX_HEADERS_PER_RESPONSE};
use ltonode_network::{
    GossipMessage, MessageId, Multiaddr, NetworkConfig, NetworkError, NetworkEvent, NetworkHandle,
    PeerId, Penalty, SyncRequest, SyncResponse,
};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Most items waiting in the outbox before new ones are dropped.
pub const OUTBOX_CAPACITY: usize = 65_536;
/// Most gossip events handled under one lock of the service.
const EVENT_BATCH: usize = 1024;
/// A `Blocks` response stays under this many bytes (the codec's cap is 16 MiB).
const BLOCKS_RESPONSE_BUDGET: usize = 12 * 1024 * 1024;

/// Errors of the peer-to-peer task.
#[derive(Debug, thiserror::Error)]
pub enum P2pError {
    /// A `--peer` is neither a multiaddr nor `host:port`.
    #[error("bad peer address {addr:?}: {reason}")]
    BadPeer {
        /// The address given.
        addr: String,
        /// Why it was refused.
        reason: String,
    },
    /// The network key file could not be read or written.
    #[error("network key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The network service failed.
    #[error("network: {0}")]
    Network(#[from] NetworkError),
    /// The chain core stopped or failed (storage, not the peer's data).
    #[error("{0}")]
    Core(#[from] HandleError),
    /// A verification task failed.
    #[error("task: {0}")]
    Task(String),
    /// The chain could not be read.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
}

/// A new outbox: the service posts into the sender, [`run`] drains the receiver.
pub fn outbox() -> (Outbox, mpsc::Receiver<Outgoing>) {
    mpsc::channel(OUTBOX_CAPACITY)
}

/// A peer given as a multiaddr (`/ip4/1.2.3.4/tcp/6863`) or as `host:port` (resolved now).
pub fn parse_peer(addr: &str) -> Result<Multiaddr, P2pError> {
    let bad = |reason: String| P2pError::BadPeer {
        addr: addr.to_owned(),
        reason,
    };
    if addr.starts_with('/') {
        return addr.parse().map_err(|e| bad(format!("{e}")));
    }
    let sock = addr
        .to_socket_addrs()
        .map_err(|e| bad(e.to_string()))?
        .next()
        .ok_or_else(|| bad("resolves to no address".into()))?;
    socket_multiaddr(sock)
}

fn socket_multiaddr(sock: SocketAddr) -> Result<Multiaddr, P2pError> {
    let text = match sock.ip() {
        std::net::IpAddr::V4(ip) => format!("/ip4/{ip}/tcp/{}", sock.port()),
        std::net::IpAddr::V6(ip) => format!("/ip6/{ip}/tcp/{}", sock.port()),
    };
    text.parse().map_err(|e| P2pError::BadPeer {
        addr: sock.to_string(),
        reason: format!("{e}"),
    })
}

/// The node's network key seed, kept in `dir/p2p.key` so its peer id survives restarts
/// (created with fresh randomness on first start).
pub fn load_or_create_key(dir: &Path) -> Result<[u8; 32], P2pError> {
    let path = dir.join("p2p.key");
    let err = |source| P2pError::KeyFile {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read(&path) {
        Ok(b) if b.len() == 32 => {
            let mut seed = [0u8; 32];
            seed.copy_from_slice(&b);
            return Ok(seed);
        }
        Ok(_) => tracing::warn!(path = %path.display(), "network key file malformed; replacing it"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    let seed: [u8; 32] = {
        use rand::RngExt;
        rand::rng().random()
    };
    std::fs::write(&path, seed).map_err(err)?;
    Ok(seed)
}

/// The network configuration of a node listening on `listen` and dialling `peers`.
/// Nodes on one machine all connect from 127.0.0.1, so on a loopback address the per-IP
/// connection limit is raised to the total one.
pub fn network_config(
    listen: SocketAddr,
    peers: &[String],
    chain_id: ChainId,
    genesis_id: [u8; 32],
    params_id: [u8; 32],
    keypair_seed: Option<[u8; 32]>,
) -> Result<NetworkConfig, P2pError> {
    let mut config = NetworkConfig::new(chain_id.0, genesis_id, listen.port());
    config.listen = socket_multiaddr(listen)?;
    config.bootstrap = peers
        .iter()
        .map(|p| parse_peer(p.trim()))
        .collect::<Result<_, _>>()?;
    config.keypair_seed = keypair_seed;
    config.params_id = params_id;
    config.request_timeout = Duration::from_secs(5);
    if listen.ip().is_loopback() {
        config.max_per_ip = config.max_peers;
        // Bans on one machine would outlive a test run; keep them short.
        config.ban_ms = 5 * 60 * 1000;
    }
    Ok(config)
}

/// Maps the core's fault to the network's penalty.
pub fn penalty_of(fault: Fault) -> Penalty {
    match fault {
        Fault::BadSignature => Penalty::BadSignature,
        Fault::InvalidBlock => Penalty::InvalidBlock,
        Fault::Garbage => Penalty::GarbageBytes,
        Fault::Unsolicited => Penalty::Unsolicited,
    }
}

/// What the network task works with: the core's mailbox, a reader, the fast-sync progress
/// it reports, and the chain's genesis (a failed fast sync puts the genesis block back).
pub struct Bridge<S: Store> {
    pub(crate) core: CoreHandle<S>,
    pub(crate) reader: Reader<S>,
    pub(crate) sync_status: SharedSyncStatus,
    pub(crate) genesis: GenesisConfig,
    pub(crate) metrics: Option<Arc<crate::metrics::Metrics>>,
    pub(crate) network_slot: Option<crate::rest::NetworkSlot>,
}

impl<S: Store + Clone> Clone for Bridge<S> {
    fn clone(&self) -> Self {
        Bridge {
            core: self.core.clone(),
            reader: self.reader.clone(),
            sync_status: self.sync_status.clone(),
            genesis: self.genesis.clone(),
            metrics: self.metrics.clone(),
            network_slot: self.network_slot.clone(),
        }
    }
}

impl<S: Store + Clone + 'static> Bridge<S> {
    /// A bridge to the core behind `core`, read through `reader`.
    pub fn new(
        core: CoreHandle<S>,
        reader: Reader<S>,
        sync_status: SharedSyncStatus,
        genesis: GenesisConfig,
    ) -> Self {
        Bridge {
            core,
            reader,
            sync_status,
            genesis,
            metrics: None,
            network_slot: None,
        }
    }

    /// Puts the network's handle into `slot` once it is up (for the REST API's `/peers`).
    pub fn with_network_slot(mut self, slot: crate::rest::NetworkSlot) -> Self {
        self.network_slot = Some(slot);
        self
    }

    /// Keeps the peer count in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }
}

impl<S: Store> Bridge<S> {
    /// Updates the fast-sync progress (held only for the update).
    pub(crate) fn with_status(&self, f: impl FnOnce(&mut Option<SyncStatus>)) {
        if let Ok(mut s) = self.sync_status.lock() {
            f(&mut s);
        }
    }
}

/// Starts the network with `config` and bridges it to the core until `shutdown` completes.
/// `outbox` is the receiving half of the outbox the core publishes into.
pub async fn run<S: Store + Clone + Snapshots + Send + 'static>(
    bridge: Bridge<S>,
    config: NetworkConfig,
    outbox: mpsc::Receiver<Outgoing>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), P2pError> {
    let bootstrap = config.bootstrap.clone();
    let has_bootstrap = !bootstrap.is_empty();
    let (net, mut events) = ltonode_network::start(config).await?;
    if let Some(slot) = &bridge.network_slot {
        let _ = slot.set(net.clone());
    }
    // Until the first sync round, a node that has peers to ask does not forge on its
    // (possibly stale) tip.
    if has_bootstrap {
        bridge.core.set_forging_enabled(false).await?;
    }
    let (connected_tx, connected_rx) = tokio::sync::watch::channel(0u64);
    let publisher = tokio::spawn(publish_outbox(net.clone(), outbox, connected_rx));
    let gauge = tokio::spawn(peer_gauge(bridge.metrics.clone(), net.clone()));
    let (sync_tx, sync_rx) = mpsc::channel(1);
    let syncer = tokio::spawn(sync::run(bridge.clone(), net.clone(), bootstrap, sync_rx));
    let mut events_loop = EventLoop {
        bridge,
        net: net.clone(),
        sync: sync_tx,
        connected: connected_tx,
    };
    tokio::pin!(shutdown);
    let result = loop {
        tokio::select! {
            _ = &mut shutdown => break Ok(()),
            ev = events.recv() => {
                let Some(first) = ev else { break Err(P2pError::Network(NetworkError::Stopped)) };
                let mut batch = vec![first];
                while batch.len() < EVENT_BATCH {
                    match events.try_recv() {
                        Ok(e) => batch.push(e),
                        Err(_) => break,
                    }
                }
                if let Err(e) = events_loop.on_events(batch).await {
                    break Err(e);
                }
            }
        }
    };
    publisher.abort();
    gauge.abort();
    syncer.abort();
    net.shutdown().await;
    result
}

/// Keeps the `ltonode_network_peers` gauge current.
async fn peer_gauge(metrics: Option<Arc<crate::metrics::Metrics>>, net: NetworkHandle) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let Ok(peers) = net.peers().await else {
            continue;
        };
        let count = i64::try_from(peers.len()).unwrap_or(i64::MAX);
        if let Some(m) = &metrics {
            m.peers.set(count);
        }
    }
}

/// Most transactions kept for a later publish when no peer listened.
const BACKLOG_TXS: usize = 10_000;
/// How often the kept transactions are tried again.
const BACKLOG_RETRY: Duration = Duration::from_secs(2);
/// How long a kept transaction is tried (past LTO's transaction window it is dead anyway).
const BACKLOG_KEEP: Duration = Duration::from_secs(3 * 60 * 60);

/// Publishes what the core posts. A transaction that found no peer to tell (a client's
/// broadcast before any peer connected, or before gossip's mesh formed) is kept, up to
/// [`BACKLOG_TXS`], and published again when a peer connects and every [`BACKLOG_RETRY`].
async fn publish_outbox(
    net: NetworkHandle,
    mut outbox: mpsc::Receiver<Outgoing>,
    mut connected: tokio::sync::watch::Receiver<u64>,
) {
    let mut backlog: std::collections::VecDeque<(std::time::Instant, Vec<u8>)> =
        std::collections::VecDeque::new();
    loop {
        let item = tokio::select! {
            item = outbox.recv() => match item {
                Some(i) => i,
                None => return,
            },
            changed = connected.changed(), if !backlog.is_empty() => {
                if changed.is_err() {
                    return;
                }
                // Give the new peer a moment to join the topic.
                tokio::time::sleep(Duration::from_millis(500)).await;
                retry_backlog(&net, &mut backlog).await;
                continue;
            }
            _ = tokio::time::sleep(BACKLOG_RETRY), if !backlog.is_empty() => {
                retry_backlog(&net, &mut backlog).await;
                continue;
            }
        };
        let (what, message) = match item {
            Outgoing::KeyBlock(h) => ("key block", GossipMessage::KeyBlock(h.to_bytes())),
            Outgoing::MicroBlock(m) => ("micro block", GossipMessage::MicroBlock(m.to_bytes())),
            Outgoing::Transaction(t) => ("transaction", GossipMessage::Transaction(t.to_bytes())),
        };
        let kept = match &message {
            GossipMessage::Transaction(b) => Some(b.clone()),
            _ => None,
        };
        match net.publish(message).await {
            Ok(_) => tracing::trace!(what, "published"),
            Err(NetworkError::Stopped) => return,
            Err(e) => {
                tracing::debug!(what, error = %e, "not published");
                if let Some(b) = kept
                    && backlog.len() < BACKLOG_TXS
                {
                    backlog.push_back((std::time::Instant::now(), b));
                }
            }
        }
    }
}

/// Publishes the kept transactions again; those no peer takes yet stay (until too old).
async fn retry_backlog(
    net: &NetworkHandle,
    backlog: &mut std::collections::VecDeque<(std::time::Instant, Vec<u8>)>,
) {
    let waiting: Vec<_> = backlog.drain(..).collect();
    let mut published = 0usize;
    for (since, bytes) in waiting {
        if since.elapsed() > BACKLOG_KEEP {
            continue;
        }
        match net.publish(GossipMessage::Transaction(bytes.clone())).await {
            Ok(_) => published += 1,
            Err(_) => backlog.push_back((since, bytes)),
        }
    }
    if published > 0 {
        tracing::debug!(
            published,
            waiting = backlog.len(),
            "published kept transactions"
        );
    }
}

/// A decoded gossip payload (transactions not yet verified).
enum Payload {
    Tx(Transaction),
    Micro(MicroBlock),
    Key(KeyBlockHeader),
}

struct EventLoop<S: Store> {
    bridge: Bridge<S>,
    net: NetworkHandle,
    sync: mpsc::Sender<Option<PeerId>>,
    connected: tokio::sync::watch::Sender<u64>,
}

impl<S: Store + Clone + Snapshots + Send + 'static> EventLoop<S> {
    async fn on_events(&mut self, batch: Vec<NetworkEvent>) -> Result<(), P2pError> {
        let chain_id = self.bridge.reader.params().chain_id;
        let mut gossip = Vec::new();
        for ev in batch {
            match ev {
                NetworkEvent::Gossip {
                    msg_id,
                    source,
                    message,
                } => gossip.push((msg_id, source, message)),
                NetworkEvent::Request { id, peer, request } => {
                    let response = answer(&self.bridge.reader, &request)?;
                    if let Err(e) = self.net.respond(id, response).await {
                        tracing::debug!(%peer, error = %e, "could not answer a sync request");
                    }
                }
                NetworkEvent::PeerConnected(peer) => {
                    tracing::info!(%peer, "peer connected");
                    self.connected.send_modify(|n| *n = n.wrapping_add(1));
                    self.want_sync(Some(peer));
                }
                NetworkEvent::PeerDisconnected(peer) => tracing::info!(%peer, "peer disconnected"),
                NetworkEvent::PeerBanned(peer) => tracing::warn!(%peer, "peer banned"),
            }
        }
        if gossip.is_empty() {
            return Ok(());
        }
        let mut decoded = Vec::with_capacity(gossip.len());
        for (msg_id, source, message) in gossip {
            match decode(&message, chain_id) {
                Ok(p) => decoded.push((msg_id, source, p)),
                Err(reason) => {
                    tracing::debug!(peer = %source, %reason, "garbage gossip");
                    self.net
                        .report_validation(msg_id, source, false, Some(Penalty::GarbageBytes))
                        .await?;
                }
            }
        }
        self.import(decoded).await
    }

    /// Verifies the transactions of a gossip batch off the core (one batched signature check
    /// on a blocking thread), then hands the whole batch to the core and reports its
    /// verdicts to the network.
    async fn import(&self, decoded: Vec<(MessageId, PeerId, Payload)>) -> Result<(), P2pError> {
        let Some(ctx) = self.bridge.reader.snapshot().validation else {
            return Ok(());
        };
        let mut slots = Vec::with_capacity(decoded.len());
        let mut txs = Vec::new();
        for (msg_id, peer, payload) in decoded {
            let origin = Origin {
                peer,
                msg: Some(msg_id),
            };
            match payload {
                Payload::Tx(tx) => {
                    txs.push(tx);
                    slots.push((origin, None));
                }
                Payload::Key(h) => slots.push((origin, Some(GossipItem::KeyBlock(h)))),
                Payload::Micro(m) => slots.push((origin, Some(GossipItem::MicroBlock(m)))),
            }
        }
        let mut verified = if txs.is_empty() {
            Vec::new().into_iter()
        } else {
            tokio::task::spawn_blocking(move || verify_batch(txs, &ctx))
                .await
                .map_err(|e| P2pError::Task(e.to_string()))?
                .into_iter()
        };
        let mut items = Vec::with_capacity(slots.len());
        for (origin, item) in slots {
            let item = match item {
                Some(i) => i,
                None => match verified.next() {
                    Some(r) => GossipItem::Transaction(r),
                    None => continue,
                },
            };
            items.push((origin, item));
        }
        let out = self
            .bridge
            .core
            .send(Input::Gossip {
                now: wall_clock(),
                items,
            })
            .await?;
        let mut sync_from = None;
        for action in out.actions {
            match action {
                Action::Verdict {
                    from,
                    accept,
                    fault,
                } => {
                    if let Some(msg) = from.msg {
                        self.net
                            .report_validation(msg, from.peer, accept, fault.map(penalty_of))
                            .await?;
                    }
                }
                Action::Penalize(from, fault) => {
                    self.net.penalize(from.peer, penalty_of(fault)).await?;
                }
                Action::Sync(from) => sync_from = Some(from.peer),
                _ => {}
            }
        }
        if let Reply::Gossiped(outcomes) = &out.reply {
            for o in outcomes {
                match o {
                    Imported::Applied | Imported::SiblingSwitched => {
                        tracing::debug!(outcome = ?o, "block from a peer");
                    }
                    Imported::Refused(r) => tracing::warn!(reason = %r, "block refused"),
                    _ => tracing::trace!(outcome = ?o, "block"),
                }
            }
        }
        if let Some(peer) = sync_from {
            self.want_sync(Some(peer));
        }
        Ok(())
    }

    fn want_sync(&self, peer: Option<PeerId>) {
        // A round already queued covers this one.
        let _ = self.sync.try_send(peer);
    }
}

/// Answers a sync request from the reader (over one snapshot of the store): never waits on
/// the core.
fn answer<S: Store + Clone + Snapshots>(
    reader: &Reader<S>,
    request: &SyncRequest,
) -> Result<SyncResponse, P2pError> {
    let snapshot = reader.snapshot();
    let cap = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    if let SyncRequest::Tip = request {
        // The tip and its score as the core published them together.
        let tip = snapshot.tip.as_ref().ok_or(ChainError::Empty)?;
        return Ok(SyncResponse::Tip {
            height: u64::from(tip.height.0),
            score: snapshot.score.0,
            tip_id: tip.total_id,
        });
    }
    let chain = reader.consistent_chain()?;
    Ok(match *request {
        SyncRequest::Tip => {
            let tip = chain.tip().ok_or(ChainError::Empty)?;
            SyncResponse::Tip {
                height: u64::from(tip.height.0),
                score: snapshot.score.0,
                tip_id: tip.total_id,
            }
        }
        SyncRequest::Headers { from, to } => {
            let headers =
                serve::headers(&chain, cap(from), cap(to), cap(MAX_HEADERS_PER_RESPONSE))?;
            SyncResponse::Headers(headers.iter().map(KeyBlockHeader::to_bytes).collect())
        }
        SyncRequest::Blocks { from, to } => {
            match serve::blocks(
                &chain,
                cap(from),
                cap(to),
                cap(MAX_BLOCKS_PER_RESPONSE),
                BLOCKS_RESPONSE_BUDGET,
            )? {
                Ok(blocks) => SyncResponse::Blocks(
                    blocks
                        .iter()
                        .map(|(h, ms)| {
                            (h.to_bytes(), ms.iter().map(MicroBlock::to_bytes).collect())
                        })
                        .collect(),
                ),
                Err(e) => SyncResponse::Error(e.to_string()),
            }
        }
        SyncRequest::SyncedHeaders { from, to } => {
            let height = u64::from(chain.height().0);
            let to = to
                .min(height)
                .min(from.saturating_add(MAX_HEADERS_PER_RESPONSE - 1));
            let mut headers = Vec::new();
            let mut bytes = 0usize;
            for h in from.max(1)..=to {
                let Some(header) = chain.header_at(height_of(h))? else {
                    break;
                };
                let ids = chain.micro_ids(height_of(h))?;
                let size = 400 + 32 * ids.len();
                if !headers.is_empty() && bytes.saturating_add(size) > BLOCKS_RESPONSE_BUDGET {
                    break;
                }
                bytes = bytes.saturating_add(size);
                headers.push((header.to_bytes(), ids));
            }
            SyncResponse::SyncedHeaders(headers)
        }
        SyncRequest::Summary { index } => {
            let n = u32::try_from(index).unwrap_or(u32::MAX);
            let bytes = chain
                .store()
                .get(
                    ltonode_ledger::store::Column::Summaries,
                    &ltonode_ledger::chain::keys::summary(n),
                )
                .map_err(ChainError::from)?
                .unwrap_or_default();
            if bytes.len() > ltonode_network::message::MAX_RESPONSE_BYTES - 16 {
                SyncResponse::Error("summary too large for one response".into())
            } else {
                SyncResponse::Summary(bytes)
            }
        }
        SyncRequest::Peers => SyncResponse::Error("peers are answered by the network".into()),
    })
}

fn height_of(h: u64) -> Height {
    Height(u32::try_from(h).unwrap_or(u32::MAX))
}

fn decode(message: &GossipMessage, chain_id: ChainId) -> Result<Payload, String> {
    match message {
        GossipMessage::Transaction(b) => Transaction::from_bytes(b, chain_id)
            .map(Payload::Tx)
            .map_err(|e| e.to_string()),
        GossipMessage::MicroBlock(b) => MicroBlock::from_bytes(b, chain_id)
            .map(Payload::Micro)
            .map_err(|e| e.to_string()),
        GossipMessage::KeyBlock(b) => KeyBlockHeader::from_bytes(b)
            .map(Payload::Key)
            .map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_parse_as_multiaddr_or_host_port() {
        assert_eq!(
            parse_peer("127.0.0.1:6863").unwrap().to_string(),
            "/ip4/127.0.0.1/tcp/6863"
        );
        assert_eq!(
            parse_peer("/ip4/10.0.0.1/tcp/7000").unwrap().to_string(),
            "/ip4/10.0.0.1/tcp/7000"
        );
        assert!(matches!(
            parse_peer("nowhere"),
            Err(P2pError::BadPeer { .. })
        ));
    }

    #[test]
    fn loopback_nodes_may_all_connect() {
        let c = network_config(
            "127.0.0.1:0".parse().unwrap(),
            &["127.0.0.1:6863".into()],
            ChainId(b'T'),
            [1; 32],
            [2; 32],
            None,
        )
        .unwrap();
        assert_eq!(c.max_per_ip, c.max_peers);
        assert_eq!(c.bootstrap.len(), 1);
    }
}
