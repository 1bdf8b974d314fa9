//! What the network service tells the node.

use libp2p::PeerId;
use libp2p::gossipsub::MessageId;

use crate::message::{GossipMessage, SyncRequest};

/// Id of an inbound request the node has to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// What the node is told.
#[derive(Debug)]
pub enum NetworkEvent {
    /// A gossip message that awaits the node's verdict through
    /// [`NetworkHandle::report_validation`](crate::NetworkHandle::report_validation); it is not relayed before that.
    Gossip {
        /// Id of the message (Blake2b-256 of its payload); pass it back with the verdict.
        msg_id: MessageId,
        /// The peer it came from (not necessarily its author); pass it back with the verdict.
        source: PeerId,
        /// The transaction or block it carries, still unchecked.
        message: GossipMessage,
    },
    /// A peer asks something; answer with [`NetworkHandle::respond`](crate::NetworkHandle::respond) and this `id`.
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
