//! [`ChainError`]: why the chain refused a block, a micro block or a rollback.

use crate::block::{BlockError, BlockId};
use crate::state::{MicroBlockError, StateError, TxApplyError};
use crate::store::StoreError;
use crate::tx::ValidationError;
use thiserror::Error;

/// Why a block, micro block or rollback was refused. A refused unit changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainError {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// State could not be read.
    #[error("state: {0}")]
    State(#[from] StateError),
    /// The block is malformed or badly signed.
    #[error("block: {0}")]
    Block(#[from] BlockError),
    /// The chain has no genesis yet.
    #[error("the chain is empty")]
    Empty,
    /// The chain already has a genesis.
    #[error("the chain already has a genesis block")]
    AlreadyInitialised,
    /// A key block at the wrong height.
    #[error("expected a block at height {expected}, got {found}")]
    WrongHeight {
        /// The next height.
        expected: u32,
        /// The block's height.
        found: u32,
    },
    /// A block or micro block references something that is not the current block.
    #[error("unknown parent {0}")]
    UnknownParent(BlockId),
    /// A micro block signed by someone other than the key block's generator.
    #[error("micro block not signed by the current generator")]
    WrongGenerator,
    /// The key block's commitments do not match the block it closes.
    #[error("commitments of block {height} do not match")]
    Commitments {
        /// The height of the committed block.
        height: u32,
    },
    /// A transaction of a micro block failed stateless validation.
    #[error("transaction {index} invalid: {error}")]
    InvalidTx {
        /// The transaction's position in the micro block.
        index: usize,
        /// The rule it breaks.
        error: ValidationError,
    },
    /// A transaction of a micro block cannot be applied.
    #[error(transparent)]
    Apply(#[from] MicroBlockError),
    /// A key block's fee credit failed.
    #[error("key block: {0}")]
    KeyBlock(TxApplyError),
    /// The genesis transactions are invalid.
    #[error("genesis: {0}")]
    Genesis(String),
    /// Rolling back below what is kept.
    #[error("cannot roll back to height {target}: {reason}")]
    Rollback {
        /// The height asked for.
        target: u32,
        /// What keeps the chain from going there.
        reason: &'static str,
    },
    /// A stored record is corrupt.
    #[error("corrupt {0}")]
    Corrupt(&'static str),
    /// A pruned database cannot be opened as a history node.
    #[error("this database was pruned; a history node needs a full database (sync a new one)")]
    PrunedNotHistory,
}
