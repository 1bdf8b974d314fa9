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
mod config;
mod error;
mod event;
mod handle;
pub mod message;
pub mod scoring;
mod swarm;
mod wire;

pub use codec::SyncCodec;
pub use config::NetworkConfig;
pub use error::NetworkError;
pub use event::{NetworkEvent, RequestId};
pub use handle::{BannedPeer, KnownPeer, NetworkHandle, PeerInfo};
pub use libp2p::gossipsub::MessageId;
pub use libp2p::multiaddr::Protocol;
pub use libp2p::{Multiaddr, PeerId};
pub use message::{CodecError, GossipKind, GossipMessage, SyncRequest, SyncResponse};
pub use scoring::{BAN_THRESHOLD, Ban, PeerScores, Penalty, Verdict};
pub use swarm::start;
