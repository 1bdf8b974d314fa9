//! The node's side of the network service: a cloneable handle that sends commands to the swarm
//! loop's mailbox and awaits its replies.

use libp2p::{Multiaddr, PeerId, gossipsub::MessageId};
use tokio::sync::{mpsc, oneshot};

use crate::error::NetworkError;
use crate::event::RequestId;
use crate::message::{GossipMessage, SyncRequest, SyncResponse};
use crate::scoring::Penalty;

/// A connected peer that passed the chain check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's libp2p id (from its network key).
    pub peer: PeerId,
    /// Remote addresses of its open connections.
    pub addrs: Vec<Multiaddr>,
    /// Addresses it says it listens on (from identify).
    pub listen_addrs: Vec<Multiaddr>,
    /// Its current score (0 is neutral, lower is worse).
    pub score: i32,
    /// Its agent string (from identify).
    pub agent: String,
}

/// A peer this node has been connected to, for `/peers/all`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownPeer {
    /// The peer's libp2p id (from its network key).
    pub peer: PeerId,
    /// The remote address of its last connection.
    pub addr: Multiaddr,
    /// When it was last connected (ms since the epoch).
    pub last_seen_ms: u64,
}

/// A banned peer, for `/peers/blacklisted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BannedPeer {
    /// The peer's libp2p id (from its network key).
    pub peer: PeerId,
    /// The remote address of its last connection, if known.
    pub addr: Option<Multiaddr>,
    /// When the ban began (ms since the epoch).
    pub since_ms: u64,
    /// When the ban ends (ms since the epoch).
    pub until_ms: u64,
    /// The penalty that crossed the threshold.
    pub reason: String,
}

/// Commands from handles to the swarm loop.
#[derive(Debug)]
pub(crate) enum Command {
    Publish(
        GossipMessage,
        oneshot::Sender<Result<MessageId, NetworkError>>,
    ),
    ReportValidation {
        msg_id: MessageId,
        source: PeerId,
        accepted: bool,
        penalty: Option<Penalty>,
    },
    Request {
        peer: PeerId,
        request: SyncRequest,
        reply: oneshot::Sender<Result<SyncResponse, NetworkError>>,
    },
    Respond {
        id: RequestId,
        response: SyncResponse,
        reply: oneshot::Sender<Result<(), NetworkError>>,
    },
    Peers(oneshot::Sender<Vec<PeerInfo>>),
    Penalize(PeerId, Penalty),
    ListenAddrs(oneshot::Sender<Vec<Multiaddr>>),
    Dial(Multiaddr, oneshot::Sender<Result<(), NetworkError>>),
    BlockPeer(PeerId),
    UnblockPeer(PeerId),
    Shutdown,
    Known(oneshot::Sender<Vec<KnownPeer>>),
    Banned(oneshot::Sender<Vec<BannedPeer>>),
    ClearBans,
}

/// Cloneable handle to the running network service.
#[derive(Debug, Clone)]
pub struct NetworkHandle {
    tx: mpsc::Sender<Command>,
    local: PeerId,
}

impl NetworkHandle {
    pub(crate) fn new(tx: mpsc::Sender<Command>, local: PeerId) -> Self {
        Self { tx, local }
    }

    async fn send(&self, cmd: Command) -> Result<(), NetworkError> {
        self.tx.send(cmd).await.map_err(|_| NetworkError::Stopped)
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, NetworkError> {
        let (tx, rx) = oneshot::channel();
        self.send(make(tx)).await?;
        rx.await.map_err(|_| NetworkError::Stopped)
    }

    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local
    }

    /// Publishes a message on its topic; returns its id.
    pub async fn publish(&self, message: GossipMessage) -> Result<MessageId, NetworkError> {
        self.ask(|tx| Command::Publish(message, tx)).await?
    }

    /// The node's verdict on a gossip message: `accepted` relays it, otherwise it is dropped.
    /// A `penalty` also lowers the score of `source`.
    pub async fn report_validation(
        &self,
        msg_id: MessageId,
        source: PeerId,
        accepted: bool,
        penalty: Option<Penalty>,
    ) -> Result<(), NetworkError> {
        self.send(Command::ReportValidation {
            msg_id,
            source,
            accepted,
            penalty,
        })
        .await
    }

    /// Sends a sync request to `peer` and waits for its response (bounded by the configured
    /// request timeout). A response that does not fit the request is an error and a penalty.
    pub async fn request(
        &self,
        peer: PeerId,
        request: SyncRequest,
    ) -> Result<SyncResponse, NetworkError> {
        self.ask(|reply| Command::Request {
            peer,
            request,
            reply,
        })
        .await?
    }

    /// Sends `request` to connected peers one after another, best score first, until one
    /// answers with something other than `SyncResponse::Error`; at most `attempts` peers.
    pub async fn request_any(
        &self,
        request: SyncRequest,
        attempts: usize,
    ) -> Result<(PeerId, SyncResponse), NetworkError> {
        let mut peers = self.peers().await?;
        peers.sort_by_key(|p| std::cmp::Reverse(p.score));
        let mut last = NetworkError::NoPeers;
        for info in peers.into_iter().take(attempts) {
            match self.request(info.peer, request.clone()).await {
                Ok(SyncResponse::Error(reason)) => {
                    last = NetworkError::RequestFailed {
                        peer: info.peer,
                        reason,
                    };
                }
                Ok(response) => return Ok((info.peer, response)),
                Err(NetworkError::Stopped) => return Err(NetworkError::Stopped),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Answers the inbound request `id`.
    pub async fn respond(&self, id: RequestId, response: SyncResponse) -> Result<(), NetworkError> {
        self.ask(|reply| Command::Respond {
            id,
            response,
            reply,
        })
        .await?
    }

    /// Connected peers that passed the chain check.
    pub async fn peers(&self) -> Result<Vec<PeerInfo>, NetworkError> {
        self.ask(Command::Peers).await
    }

    /// Lowers `peer`'s score (bans it under the threshold).
    pub async fn penalize(&self, peer: PeerId, penalty: Penalty) -> Result<(), NetworkError> {
        self.send(Command::Penalize(peer, penalty)).await
    }

    /// Addresses the node listens on.
    pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, NetworkError> {
        self.ask(Command::ListenAddrs).await
    }

    /// Dials an address (e.g. a peer given at run time).
    pub async fn dial(&self, addr: Multiaddr) -> Result<(), NetworkError> {
        self.ask(|tx| Command::Dial(addr, tx)).await?
    }

    /// Test switch: drops every connection to `peer` and refuses new ones until
    /// [`NetworkHandle::unblock_peer`] (for partition tests).
    pub async fn block_peer(&self, peer: PeerId) -> Result<(), NetworkError> {
        self.send(Command::BlockPeer(peer)).await
    }

    /// Test switch: lifts [`NetworkHandle::block_peer`] (a ban, if any, still applies).
    pub async fn unblock_peer(&self, peer: PeerId) -> Result<(), NetworkError> {
        self.send(Command::UnblockPeer(peer)).await
    }

    /// Peers this node has been connected to, most recently seen first.
    pub async fn known_peers(&self) -> Result<Vec<KnownPeer>, NetworkError> {
        self.ask(Command::Known).await
    }

    /// Peers banned now.
    pub async fn banned_peers(&self) -> Result<Vec<BannedPeer>, NetworkError> {
        self.ask(Command::Banned).await
    }

    /// Lifts every ban.
    pub async fn clear_bans(&self) -> Result<(), NetworkError> {
        self.send(Command::ClearBans).await
    }

    /// Stops the service; later calls return [`NetworkError::Stopped`].
    pub async fn shutdown(&self) {
        let _ = self.send(Command::Shutdown).await;
    }
}
