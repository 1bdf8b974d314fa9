//! Peer-to-peer networking for ltonode on libp2p: gossip of transactions and blocks, sync by
//! request-response, and peer scoring.
//!
//! It validates before it relays and never trusts a peer's bytes: every message is bounded and
//! decoded with typed errors. It holds no chain logic: it moves bytes, scores peers and reports
//! events; whether a transaction or block is valid is decided by the node and reported back
//! through [`NetworkHandle::report_validation`]. Nothing received by gossip is forwarded before
//! that verdict.
//!
//! Shape (docs/architecture.md): [`start`] builds a libp2p swarm (TCP + noise + yamux,
//! identify, gossipsub, request-response, ping, connection limits, a block list for bans) and
//! spawns one event loop on tokio that owns it. The node talks to that loop through a cloneable
//! [`NetworkHandle`] and receives [`NetworkEvent`]s on a bounded channel.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod behaviour;
mod codec;
mod handle;
pub mod message;
pub mod scoring;
mod swarm;
mod wire;

use std::time::Duration;

pub use codec::SyncCodec;
pub use handle::{BannedPeer, KnownPeer, NetworkHandle, PeerInfo, RequestId};
pub use libp2p::gossipsub::MessageId;
pub use libp2p::multiaddr::Protocol;
pub use libp2p::{Multiaddr, PeerId};
pub use message::{CodecError, GossipKind, GossipMessage, SyncRequest, SyncResponse};
pub use scoring::{BAN_THRESHOLD, Ban, PeerScores, Penalty, Verdict};
pub use swarm::start;

/// Settings of the network service.
#[derive(Debug, Clone)]
pub struct NetworkConfig {
    /// Address to listen on, e.g. `/ip4/0.0.0.0/tcp/6863` (`/tcp/0` for an ephemeral port).
    pub listen: Multiaddr,
    /// Peers dialled at start and redialled while the node has no peers.
    pub bootstrap: Vec<Multiaddr>,
    /// Chain id byte (`b'L'` mainnet, `b'T'` testnet, ...); peers on another one are refused.
    pub chain_id: u8,
    /// Id of the genesis block; peers with another genesis are refused.
    pub genesis_id: [u8; 32],
    /// Hash of the chain parameters (`ChainParams::params_hash`); peers with other
    /// parameters are refused at the handshake.
    pub params_id: [u8; 32],
    /// Most established connections in total.
    pub max_peers: u32,
    /// Most established connections from one IP address.
    pub max_per_ip: u32,
    /// How long a ban lasts, in milliseconds.
    pub ban_ms: u64,
    /// Seed of the node's ed25519 network key, for a stable peer id; random if `None`.
    pub keypair_seed: Option<[u8; 32]>,
    /// How long an outbound sync request may take.
    pub request_timeout: Duration,
    /// Ask new peers for their peers and dial them (identify-checked peer exchange).
    pub peer_exchange: bool,
    /// Capacity of the event channel to the node; gossip that does not fit is dropped
    /// (reported `Ignore`, so it is not relayed either).
    pub event_buffer: usize,
}

impl NetworkConfig {
    /// Defaults for a chain: listen on all interfaces at `port`, 50 peers, 5 per IP, bans of
    /// one hour, 10 s requests, peer exchange on.
    pub fn new(chain_id: u8, genesis_id: [u8; 32], port: u16) -> Self {
        let listen = Multiaddr::empty()
            .with(libp2p::multiaddr::Protocol::Ip4(
                std::net::Ipv4Addr::UNSPECIFIED,
            ))
            .with(libp2p::multiaddr::Protocol::Tcp(port));
        Self {
            listen,
            bootstrap: Vec::new(),
            chain_id,
            genesis_id,
            params_id: [0; 32],
            max_peers: 50,
            max_per_ip: 5,
            ban_ms: 60 * 60 * 1000,
            keypair_seed: None,
            request_timeout: Duration::from_secs(10),
            peer_exchange: true,
            event_buffer: 4096,
        }
    }
}

/// What the node is told.
#[derive(Debug)]
pub enum NetworkEvent {
    /// A gossip message that awaits the node's verdict through
    /// [`NetworkHandle::report_validation`]; it is not relayed before that.
    Gossip {
        /// Id of the message (Blake2b-256 of its payload); pass it back with the verdict.
        msg_id: MessageId,
        /// The peer it came from (not necessarily its author); pass it back with the verdict.
        source: PeerId,
        /// The transaction or block it carries, still unchecked.
        message: GossipMessage,
    },
    /// A peer asks something; answer with [`NetworkHandle::respond`] and this `id`.
    Request {
        /// Handle of the open request.
        id: RequestId,
        /// The asking peer.
        peer: PeerId,
        /// What it asks.
        request: SyncRequest,
    },
    /// A peer passed the chain check and is connected.
    PeerConnected(PeerId),
    /// A connected peer's last connection closed.
    PeerDisconnected(PeerId),
    /// A peer was banned (score under the threshold or wrong chain).
    PeerBanned(PeerId),
}

/// Errors of the network service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// The listen address could not be bound or the transport not built.
    #[error("transport: {0}")]
    Transport(String),
    /// A behaviour could not be configured.
    #[error("config: {0}")]
    Config(String),
    /// The keypair seed was refused.
    #[error("bad keypair seed")]
    BadSeed,
    /// The service has stopped.
    #[error("network service stopped")]
    Stopped,
    /// Publishing failed (no peers on the topic, duplicate, too large, ...).
    #[error("publish: {0}")]
    Publish(String),
    /// A message could not be encoded.
    #[error("codec: {0}")]
    Codec(#[from] CodecError),
    /// No answer in time: our timer fired, or the peer closed the stream without answering.
    #[error("request to {peer} timed out")]
    Timeout {
        /// The peer asked.
        peer: PeerId,
    },
    /// The request failed for another reason (dial failure, closed connection, bad bytes).
    #[error("request to {peer} failed: {reason}")]
    RequestFailed {
        /// The peer asked.
        peer: PeerId,
        /// What went wrong.
        reason: String,
    },
    /// The response does not fit the request (too many items, wrong kind).
    #[error("response from {peer} does not match the request")]
    BadResponse {
        /// The peer that answered.
        peer: PeerId,
    },
    /// No peer is connected to ask.
    #[error("no peers")]
    NoPeers,
    /// The inbound request id is unknown (already answered or expired).
    #[error("unknown request id {0:?}")]
    UnknownRequest(RequestId),
}
