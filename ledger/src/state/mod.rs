//! The chain's state and its transition (docs/architecture.md,
//! Waves' node).
//!
//! State is read through the [`StateView`] trait and changed only by the pure functions of
//! [`transition`] (built on the [`Overlay`]), which return a [`Diff`]: the new values of
//! every record they touched. The storage layer ([`crate::chain`]) writes a diff, its
//! indexes and an undo record in one atomic batch. Nothing here reads a clock or does I/O of
//! its own.

// Balances, fees and counters: no unchecked arithmetic anywhere in the state transition.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod context;
mod diff;
mod error;
mod overlay;
pub mod records;
pub mod script_ctx;
pub mod transition;

pub use context::{BlockContext, FeeSplit};
pub use diff::{AppliedTx, Diff, KeyRegistration};
pub use error::{MicroBlockError, TxApplyError};
pub use overlay::{Overlay, OverlayParts};
pub use records::{Account, Association, AssociationKey, Lease, Unbonding};
pub use transition::{apply_genesis, apply_key_block, apply_transactions};

use crate::address::Address;
use crate::keys::AccountKey;
use crate::tx::TxId;
use crate::units::Height;
use thiserror::Error;

/// A failure to read state (storage errors, corrupt records).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StateError {
    /// The storage layer failed.
    #[error("storage: {0}")]
    Store(String),
    /// A stored record does not decode.
    #[error("corrupt {what} record")]
    Corrupt {
        /// Which kind of record.
        what: &'static str,
    },
}

/// Read access to the state as of the last applied block (or micro block).
pub trait StateView {
    /// The account of `address` (all zero if it never held anything).
    fn account(&self, address: &Address) -> Result<Account, StateError>;
    /// A lease by the id of its lease transaction.
    fn lease(&self, id: &TxId) -> Result<Option<Lease>, StateError>;
    /// An association by its key.
    fn association(&self, key: &AssociationKey) -> Result<Option<Association>, StateError>;
    /// The recipients of the associations of `association_type` issued by `issuer` (active or
    /// not; the caller checks), at most `limit` of them.
    fn association_recipients(
        &self,
        issuer: &Address,
        association_type: i64,
        limit: usize,
    ) -> Result<Vec<AssociationKey>, StateError>;
    /// The account script of `address`, as bytes.
    fn script(&self, address: &Address) -> Result<Option<Vec<u8>>, StateError>;
    /// The height of a confirmed transaction.
    fn tx_height(&self, id: &TxId) -> Result<Option<Height>, StateError>;
    /// The public key of an address, once it has signed a transaction.
    fn public_key(&self, address: &Address) -> Result<Option<AccountKey>, StateError>;
    /// The accounts sponsoring `address`, newest first (empty if none).
    fn sponsors(&self, address: &Address) -> Result<Vec<Address>, StateError>;
}
