//! A [`Diff`]: the new values of every record a block, key block or micro block touched, and
//! the transactions it applied, as the storage layer writes them.

use super::{Account, Association, AssociationKey, Lease};
use crate::address::Address;
use crate::keys::AccountKey;
use crate::tx::{DataValue, RegisteredKey, TxId};
use std::collections::BTreeMap;

/// A transaction as applied, for the indexes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedTx {
    /// The transaction's id.
    pub id: TxId,
    /// Who paid the fee.
    pub fee_payer: Address,
    /// The fee charged.
    pub fee: u64,
    /// Every address it involves (sender, sponsor, recipients), without duplicates.
    pub addresses: Vec<Address>,
}

/// One key registered by a register transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRegistration {
    /// The account that registered it (the transaction's sender).
    pub account: Address,
    /// The key, with its key type.
    pub key: RegisteredKey,
    /// The register transaction.
    pub tx_id: TxId,
}

/// The new values of every record touched by a block, key block or micro block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Accounts, with their new balances.
    pub accounts: BTreeMap<Address, Account>,
    /// Leases created or cancelled.
    pub leases: BTreeMap<TxId, Lease>,
    /// Associations issued, extended or revoked.
    pub associations: BTreeMap<AssociationKey, Association>,
    /// Scripts set (`Some`) or removed (`None`).
    pub scripts: BTreeMap<Address, Option<Vec<u8>>>,
    /// Public keys learned from signers.
    pub public_keys: BTreeMap<Address, AccountKey>,
    /// Data entries set, by account and key.
    pub data: BTreeMap<(Address, String), DataValue>,
    /// The whole new list of sponsors (newest first) of each account whose list changed.
    pub sponsors: BTreeMap<Address, Vec<Address>>,
    /// Certificates (DER) set (`Some`) or cleared (`None`).
    pub certificates: BTreeMap<Address, Option<Vec<u8>>>,
    /// Keys registered by register transactions, in order.
    pub registered_keys: Vec<KeyRegistration>,
    /// Tokens destroyed by burn transactions.
    pub burned: u64,
    /// The transactions applied, in order.
    pub txs: Vec<AppliedTx>,
    /// Fees credited at once to the block's generator (the opener's share of the
    /// [`FeeSplit`](super::FeeSplit)).
    pub generator_fees: u64,
    /// Fees carried to the next key block's generator (the rest).
    pub carry_fees: u64,
}
