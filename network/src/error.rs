//! Why the network service, or one of its requests, failed.

use libp2p::PeerId;

use crate::event::RequestId;
use crate::wire::CodecError;

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
