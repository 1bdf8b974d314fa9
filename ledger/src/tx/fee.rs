//! The fee schedule: LTO's fee units per transaction type times a fee price.

#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use super::codec::data_bytes_len;
use super::{Transaction, TxBody};
use crate::units::Amount;

/// LTO's fee price at the start of the chain (units of 10^-8 LTO per fee unit).
pub const DEFAULT_FEE_PRICE: u64 = 100_000;

/// The fee schedule: LTO's fee units per transaction times a fee price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSchedule {
    /// Units of 10^-8 LTO per fee unit.
    pub fee_price: u64,
}

impl Default for FeeSchedule {
    fn default() -> Self {
        FeeSchedule {
            fee_price: DEFAULT_FEE_PRICE,
        }
    }
}

impl FeeSchedule {
    /// LTO's fee units of a transaction: transfer, lease, cancel lease, burn and cancel
    /// sponsorship 1000; mass transfer 1000 + 100 per recipient; anchor, mapped anchor and
    /// register 250 + 100 per entry or key; data, issue association and statement 500 + 100
    /// per started 256 bytes of data entries; revoke association 500; set script,
    /// sponsorship and certificate 5000; genesis 0.
    pub fn units(tx: &Transaction) -> u64 {
        let n = |len: usize| u64::try_from(len).unwrap_or(u64::MAX);
        match &tx.body {
            TxBody::Genesis { .. } => 0,
            TxBody::Transfer { .. } | TxBody::Lease { .. } | TxBody::CancelLease { .. } => 1000,
            TxBody::MassTransfer { transfers, .. } => {
                1000u64.saturating_add(100u64.saturating_mul(n(transfers.len())))
            }
            TxBody::Anchor { anchors } => {
                250u64.saturating_add(100u64.saturating_mul(n(anchors.len())))
            }
            TxBody::MappedAnchor { anchors } => {
                250u64.saturating_add(100u64.saturating_mul(n(anchors.len())))
            }
            TxBody::IssueAssociation { data, .. }
            | TxBody::Data { data }
            | TxBody::Statement { data, .. } => {
                let blocks = n(data_bytes_len(data)).div_ceil(256);
                500u64.saturating_add(100u64.saturating_mul(blocks))
            }
            TxBody::RevokeAssociation { .. } => 500,
            TxBody::Register { keys } => {
                250u64.saturating_add(100u64.saturating_mul(n(keys.len())))
            }
            TxBody::Burn { .. } | TxBody::CancelSponsorship { .. } => 1000,
            TxBody::SetScript { .. } | TxBody::Sponsorship { .. } | TxBody::Certificate { .. } => {
                5000
            }
        }
    }

    /// The fee charged for `tx`.
    pub fn fee(&self, tx: &Transaction) -> Amount {
        Amount(Self::units(tx).saturating_mul(self.fee_price))
    }
}
