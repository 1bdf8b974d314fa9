//! Why a simulation could not go on (internal failures, not a node's misbehaviour).

use ltonode_consensus::{ConsensusError, ForkError};
use ltonode_ledger::chain::ChainError;
use thiserror::Error;

/// Why the simulation could not be set up or a node failed internally.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SimError {
    /// The ledger failed.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// Consensus failed.
    #[error("consensus: {0}")]
    Consensus(#[from] ConsensusError),
    /// A score could not be computed.
    #[error("fork choice: {0}")]
    Fork(#[from] ForkError),
    /// The chain core failed internally.
    #[error("core: {0}")]
    Core(#[from] ltonode_core::CoreError),
    /// The configuration is unusable.
    #[error("config: {0}")]
    Config(String),
}
