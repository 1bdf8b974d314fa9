//! The bridge between the network service (`ltonode-network`) and the chain service
//! (ARCHITECTURE.md §8): gossip in (decode, validate against the chain, report the verdict so
//! only valid data is relayed, penalise senders of garbage and invalid blocks), gossip out
//! (blocks this node forged and transactions it admitted, from the service's outbox), answers
//! to sync requests (tip, headers, blocks), and block sync from peers with a higher score
//! (`sync.rs`).
//!
//! Shape: [`run`] starts the network and owns three tasks: the event loop (the only place that
//! reads network events), a publisher draining the outbox, and the sync task. All of them
//! lock the shared service only for synchronous work, never across an `.await`. What a block
//! does to the chain is decided in `import.rs`, which takes `now` as an argument.

pub mod fastsync;
pub mod import;
mod sync;

use crate::service::{Outbox, Outgoing, SharedService, wall_clock};
use import::{Imported, TxRefusal};
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::tx::Transaction;
use ltonode_ledger::tx::validate::ValidationError;
use ltonode_ledger::{ChainId, Height, Store};
use ltonode_network::message::{MAX_BLOCKS_PER_RESPONSE, MAX_HEADERS_PER_RESPONSE};
use ltonode_network::{
    GossipMessage, MessageId, Multiaddr, NetworkConfig, NetworkError, NetworkEvent, NetworkHandle,
    PeerId, Penalty, SyncRequest, SyncResponse,
};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::MutexGuard;
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
    /// The chain service lock is poisoned (a holder panicked).
    #[error("chain service lock poisoned")]
    Poisoned,
    /// Importing failed inside the node (storage, not the peer's data).
    #[error("import: {0}")]
    Import(#[from] import::ImportError),
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
    keypair_seed: Option<[u8; 32]>,
) -> Result<NetworkConfig, P2pError> {
    let mut config = NetworkConfig::new(chain_id.0, genesis_id, listen.port());
    config.listen = socket_multiaddr(listen)?;
    config.bootstrap = peers
        .iter()
        .map(|p| parse_peer(p.trim()))
        .collect::<Result<_, _>>()?;
    config.keypair_seed = keypair_seed;
    config.request_timeout = Duration::from_secs(5);
    if listen.ip().is_loopback() {
        config.max_per_ip = config.max_peers;
        // Bans on one machine would outlive a test run; keep them short.
        config.ban_ms = 5 * 60 * 1000;
    }
    Ok(config)
}

fn lock<S: Store>(
    shared: &SharedService<S>,
) -> Result<MutexGuard<'_, crate::service::ChainService<S>>, P2pError> {
    shared.lock().map_err(|_| P2pError::Poisoned)
}

/// Starts the network with `config` and bridges it to `shared` until `shutdown` completes.
/// `outbox` is the receiving half of the outbox set on the service.
pub async fn run<S: Store + Send + 'static>(
    shared: SharedService<S>,
    config: NetworkConfig,
    outbox: mpsc::Receiver<Outgoing>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), P2pError> {
    let bootstrap = config.bootstrap.clone();
    let has_bootstrap = !bootstrap.is_empty();
    let (net, mut events) = ltonode_network::start(config).await?;
    // Until the first sync round, a node that has peers to ask does not forge on its
    // (possibly stale) tip.
    if has_bootstrap {
        lock(&shared)?.set_forging_enabled(false);
    }
    let publisher = tokio::spawn(publish_outbox(net.clone(), outbox));
    let gauge = tokio::spawn(peer_gauge(shared.clone(), net.clone()));
    let (sync_tx, sync_rx) = mpsc::channel(1);
    let syncer = tokio::spawn(sync::run(shared.clone(), net.clone(), bootstrap, sync_rx));
    let mut bridge = Bridge {
        shared,
        net: net.clone(),
        sync: sync_tx,
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
                if let Err(e) = bridge.on_events(batch).await {
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
async fn peer_gauge<S: Store + Send + 'static>(shared: SharedService<S>, net: NetworkHandle) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let Ok(peers) = net.peers().await else {
            continue;
        };
        let count = i64::try_from(peers.len()).unwrap_or(i64::MAX);
        if let Ok(svc) = shared.lock()
            && let Some(m) = svc.metrics()
        {
            m.peers.set(count);
        }
    }
}

/// Publishes what the service posts; "no peers on the topic" means nobody to tell.
async fn publish_outbox(net: NetworkHandle, mut outbox: mpsc::Receiver<Outgoing>) {
    while let Some(item) = outbox.recv().await {
        let (what, message) = match item {
            Outgoing::KeyBlock(h) => ("key block", GossipMessage::KeyBlock(h.to_bytes())),
            Outgoing::MicroBlock(m) => ("micro block", GossipMessage::MicroBlock(m.to_bytes())),
            Outgoing::Transaction(t) => ("transaction", GossipMessage::Transaction(t.to_bytes())),
        };
        match net.publish(message).await {
            Ok(_) => tracing::trace!(what, "published"),
            Err(NetworkError::Stopped) => return,
            Err(e) => tracing::debug!(what, error = %e, "not published"),
        }
    }
}

/// A decoded gossip payload.
enum Payload {
    Tx(Transaction),
    Micro(MicroBlock),
    Key(KeyBlockHeader),
}

struct Bridge<S: Store> {
    shared: SharedService<S>,
    net: NetworkHandle,
    sync: mpsc::Sender<Option<PeerId>>,
}

/// The verdict on one gossip message.
struct Verdict {
    msg_id: MessageId,
    source: PeerId,
    accept: bool,
    penalty: Option<Penalty>,
}

impl<S: Store + Send + 'static> Bridge<S> {
    async fn on_events(&mut self, batch: Vec<NetworkEvent>) -> Result<(), P2pError> {
        let chain_id = lock(&self.shared)?.params().chain_id;
        let mut gossip = Vec::new();
        for ev in batch {
            match ev {
                NetworkEvent::Gossip {
                    msg_id,
                    source,
                    message,
                } => gossip.push((msg_id, source, message)),
                NetworkEvent::Request { id, peer, request } => {
                    let response = self.answer(&request)?;
                    if let Err(e) = self.net.respond(id, response).await {
                        tracing::debug!(%peer, error = %e, "could not answer a sync request");
                    }
                }
                NetworkEvent::PeerConnected(peer) => {
                    tracing::info!(%peer, "peer connected");
                    self.want_sync(Some(peer));
                }
                NetworkEvent::PeerDisconnected(peer) => tracing::info!(%peer, "peer disconnected"),
                NetworkEvent::PeerBanned(peer) => tracing::warn!(%peer, "peer banned"),
            }
        }
        if gossip.is_empty() {
            return Ok(());
        }
        let mut verdicts = Vec::with_capacity(gossip.len());
        let mut decoded = Vec::with_capacity(gossip.len());
        for (msg_id, source, message) in gossip {
            match decode(&message, chain_id) {
                Ok(p) => decoded.push((msg_id, source, p)),
                Err(reason) => {
                    tracing::debug!(peer = %source, %reason, "garbage gossip");
                    verdicts.push(Verdict {
                        msg_id,
                        source,
                        accept: false,
                        penalty: Some(Penalty::GarbageBytes),
                    });
                }
            }
        }
        let mut sync_from = None;
        self.import(decoded, &mut verdicts, &mut sync_from)?;
        if let Some(peer) = sync_from {
            self.want_sync(Some(peer));
        }
        for v in verdicts {
            self.net
                .report_validation(v.msg_id, v.source, v.accept, v.penalty)
                .await?;
        }
        Ok(())
    }

    /// Validates decoded gossip against the chain, in arrival order except that the
    /// transactions are admitted together at the end.
    fn import(
        &self,
        decoded: Vec<(MessageId, PeerId, Payload)>,
        verdicts: &mut Vec<Verdict>,
        sync_from: &mut Option<PeerId>,
    ) -> Result<(), P2pError> {
        let now = wall_clock();
        let mut svc = lock(&self.shared)?;
        let mut txs = Vec::new();
        for (msg_id, source, payload) in decoded {
            let outcome = match payload {
                Payload::Tx(tx) => {
                    txs.push((msg_id, source, tx));
                    continue;
                }
                Payload::Key(header) => {
                    let height = header.height.0;
                    let r = import::on_key_block(&mut svc, &header, now)?;
                    match &r {
                        Imported::Applied | Imported::SiblingSwitched => {
                            tracing::info!(peer = %source, height, block = %header.id(), outcome = ?r, "key block from a peer");
                        }
                        Imported::Refused(refusal) => {
                            tracing::warn!(peer = %source, height, reason = %refusal.reason, "key block refused");
                        }
                        _ => tracing::debug!(peer = %source, height, outcome = ?r, "key block"),
                    }
                    r
                }
                Payload::Micro(micro) => {
                    let r = import::on_micro_block(&mut svc, &micro)?;
                    match &r {
                        Imported::Applied => tracing::debug!(
                            peer = %source,
                            height = svc.chain.height().0,
                            txs = micro.transactions.len(),
                            "micro block from a peer"
                        ),
                        Imported::Refused(refusal) => {
                            tracing::warn!(peer = %source, reason = %refusal.reason, "micro block refused");
                        }
                        _ => tracing::debug!(peer = %source, outcome = ?r, "micro block"),
                    }
                    r
                }
            };
            let (accept, penalty) = match outcome {
                Imported::Applied | Imported::SiblingSwitched => (true, None),
                Imported::SiblingKept | Imported::Known | Imported::Stale => (false, None),
                Imported::NeedSync => {
                    *sync_from = Some(source);
                    (false, None)
                }
                Imported::Refused(r) => (false, r.penalty),
            };
            verdicts.push(Verdict {
                msg_id,
                source,
                accept,
                penalty,
            });
        }
        if !txs.is_empty() {
            let (meta, list): (Vec<_>, Vec<_>) =
                txs.into_iter().map(|(m, s, t)| ((m, s), t)).unzip();
            let results = import::admit_received(&mut svc, list)?;
            for ((msg_id, source), r) in meta.into_iter().zip(results) {
                let (accept, penalty) = match r {
                    Ok(()) => (true, None),
                    Err(TxRefusal::Invalid(
                        ValidationError::BadSignature { .. }
                        | ValidationError::MissingProof { .. }
                        | ValidationError::BadProofLength { .. },
                    )) => (false, Some(Penalty::BadSignature)),
                    Err(_) => (false, None),
                };
                verdicts.push(Verdict {
                    msg_id,
                    source,
                    accept,
                    penalty,
                });
            }
        }
        Ok(())
    }

    fn want_sync(&self, peer: Option<PeerId>) {
        // A round already queued covers this one.
        let _ = self.sync.try_send(peer);
    }

    /// Answers a sync request from the chain.
    fn answer(&self, request: &SyncRequest) -> Result<SyncResponse, P2pError> {
        let mut svc = lock(&self.shared)?;
        let score = match request {
            SyncRequest::Tip => Some(svc.chain_score().map_err(import::ImportError::from)?),
            _ => None,
        };
        let chain = &svc.chain;
        let height = u64::from(chain.height().0);
        Ok(match *request {
            SyncRequest::Tip => {
                let tip = chain.tip().ok_or(ChainError::Empty)?;
                let score = score.unwrap_or_default();
                SyncResponse::Tip {
                    height,
                    score: score.0,
                    tip_id: tip.total_id,
                }
            }
            SyncRequest::Headers { from, to } => {
                let to = to
                    .min(height)
                    .min(from.saturating_add(MAX_HEADERS_PER_RESPONSE - 1));
                let mut headers = Vec::new();
                for h in from.max(1)..=to {
                    let Some(header) = chain.header_at(height_of(h))? else {
                        break;
                    };
                    headers.push(header.to_bytes());
                }
                SyncResponse::Headers(headers)
            }
            SyncRequest::Blocks { from, to }
                if !chain.config().history
                    && to > 1
                    && from <= u64::from(chain.pruned_height()?.0) =>
            {
                // Their transactions are gone here: a key block without its micro blocks
                // would not link to the next one. A history node serves them.
                SyncResponse::Error(format!(
                    "blocks up to {} are pruned on this node",
                    chain.pruned_height()?.0
                ))
            }
            SyncRequest::Blocks { from, to } => {
                let to = to
                    .min(height)
                    .min(from.saturating_add(MAX_BLOCKS_PER_RESPONSE - 1));
                let mut blocks = Vec::new();
                let mut bytes = 0usize;
                for h in from.max(1)..=to {
                    let Some(header) = chain.header_at(height_of(h))? else {
                        break;
                    };
                    let micros: Vec<Vec<u8>> = chain
                        .block_micro_blocks(height_of(h))?
                        .iter()
                        .map(MicroBlock::to_bytes)
                        .collect();
                    let size = micros.iter().map(|m| m.len() + 4).sum::<usize>() + 256;
                    if !blocks.is_empty() && bytes.saturating_add(size) > BLOCKS_RESPONSE_BUDGET {
                        break;
                    }
                    bytes = bytes.saturating_add(size);
                    blocks.push((header.to_bytes(), micros));
                }
                SyncResponse::Blocks(blocks)
            }
            SyncRequest::SyncedHeaders { from, to } => {
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
            None,
        )
        .unwrap();
        assert_eq!(c.max_per_ip, c.max_peers);
        assert_eq!(c.bootstrap.len(), 1);
    }
}
