//! Why a transaction, or a micro block holding it, cannot be applied on the state.

use super::StateError;
use crate::address::Address;
use crate::tx::TxId;
use thiserror::Error;

/// Why one transaction cannot be applied on top of the state before it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxApplyError {
    /// The id is already in the chain (or earlier in this block).
    #[error("transaction {0} is already in the chain")]
    Duplicate(TxId),
    /// An account would spend more than it has available.
    #[error("{address} has {available} available, needs {needed}")]
    Overdraft {
        /// The account that would spend it.
        address: Address,
        /// What it needs to spend.
        needed: u64,
        /// What it has available.
        available: u64,
    },
    /// A balance would overflow.
    #[error("balance of {0} would overflow")]
    Overflow(Address),
    /// The lease to cancel does not exist.
    #[error("unknown lease {0}")]
    UnknownLease(TxId),
    /// The lease to cancel belongs to someone else.
    #[error("lease {0} belongs to another account")]
    ForeignLease(TxId),
    /// The lease is already cancelled.
    #[error("lease {0} is already cancelled")]
    LeaseNotActive(TxId),
    /// The association to revoke does not exist or is not active.
    #[error("no active association to revoke")]
    UnknownAssociation,
    /// The sender already sponsors the recipient.
    #[error("{recipient} is already sponsored by {sponsor}")]
    AlreadySponsored {
        /// The sponsored account.
        recipient: Address,
        /// The sender, already its sponsor.
        sponsor: Address,
    },
    /// The sender does not sponsor the recipient.
    #[error("{recipient} is not sponsored by {sponsor}")]
    NotSponsored {
        /// The account the sender does not sponsor.
        recipient: Address,
        /// The would-be former sponsor.
        sponsor: Address,
    },
    /// A transaction's explicit sponsor has an account script.
    #[error("transactions can't be sponsored by a scripted account ({0})")]
    ScriptedSponsor(Address),
    /// The sender's script refuses the transaction.
    #[error("the script of {0} refuses the transaction")]
    ScriptRefused(Address),
    /// The set-script transaction carries bytes that are not a valid script.
    #[error("invalid script: {0}")]
    BadScript(String),
    /// An account without a script must sign with exactly one proof (two if sponsored).
    #[error("{found} proofs on an account without a script, expected {expected}")]
    ExtraProofs {
        /// Proofs expected.
        expected: usize,
        /// Proofs found.
        found: usize,
    },
    /// The timestamp is outside the block's window.
    #[error("timestamp {timestamp} outside the block window [{min}, {max}]")]
    TimestampOutOfWindow {
        /// The transaction's timestamp.
        timestamp: u64,
        /// Earliest allowed.
        min: u64,
        /// Latest allowed.
        max: u64,
    },
    /// The transaction is for another chain.
    #[error("transaction is for another chain")]
    WrongChain,
    /// Genesis transactions belong only in the genesis block.
    #[error("genesis transaction outside the genesis block")]
    Genesis,
    /// State could not be read.
    #[error(transparent)]
    State(#[from] StateError),
}

/// Why a micro block (or block) is invalid: which transaction and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("transaction {index} ({id}) refused: {error}")]
pub struct MicroBlockError {
    /// Position of the transaction in the micro block.
    pub index: usize,
    /// The transaction's id.
    pub id: TxId,
    /// Why it was refused.
    pub error: TxApplyError,
}
