//! Why the peer-to-peer tasks stop.

use crate::service::HandleError;
use ltonode_ledger::chain::ChainError;
use ltonode_network::NetworkError;

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
        /// The key file's path.
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
