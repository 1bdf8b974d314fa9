//! What an account script sees of the transaction it authorises: its signers (any proof
//! that verifies over the body bytes), the block height, the sender's balance after the
//! transaction, its recipients, and active associations in the state before it.
//!
//! A storage error while evaluating makes the condition false: a script can only refuse
//! more, never accept more, when state cannot be read.

use super::transition::Overlay;
use super::{AssociationKey, StateError, StateView};
use crate::address::Address;
use crate::keys::{AccountKey, PublicKey};
use crate::script::ScriptContext;
use crate::tx::{Transaction, TxBody, TxType};
use crate::units::{Amount, Height};

/// Most association holders a `signed_by_associated` condition looks at.
const MAX_HOLDERS: usize = 256;

/// The script context of one transaction.
pub struct TxScriptContext<'o, 'v, V: StateView> {
    overlay: &'o Overlay<'v, V>,
    tx: &'o Transaction,
    body: Vec<u8>,
    recipients: Vec<Address>,
    remaining: Amount,
}

impl<'o, 'v, V: StateView> TxScriptContext<'o, 'v, V> {
    /// The context of `tx` sent by `sender`, on top of `overlay`.
    pub fn new(
        overlay: &'o Overlay<'v, V>,
        tx: &'o Transaction,
        sender: Address,
    ) -> Result<Self, StateError> {
        let (recipients, outflow): (Vec<Address>, u64) = match &tx.body {
            TxBody::Transfer {
                recipient, amount, ..
            } => (vec![*recipient], amount.0),
            TxBody::Lease { recipient, .. } => (vec![*recipient], 0),
            TxBody::MassTransfer { transfers, .. } => (
                transfers.iter().map(|(r, _)| *r).collect(),
                transfers
                    .iter()
                    .fold(0u64, |t, (_, a)| t.saturating_add(a.0)),
            ),
            _ => (Vec::new(), 0),
        };
        let acc = overlay.view_account(&sender)?;
        let fee = if tx.fee_payer() == sender {
            overlay_fee(tx)
        } else {
            0
        };
        let remaining = Amount(acc.regular.saturating_sub(outflow).saturating_sub(fee));
        Ok(TxScriptContext {
            overlay,
            tx,
            body: tx.body_bytes(),
            recipients,
            remaining,
        })
    }
}

impl<V: StateView> TxScriptContext<'_, '_, V> {
    /// Whether any proof is a signature of `key` over the body bytes.
    fn signed_by(&self, key: &AccountKey) -> bool {
        self.tx
            .proofs
            .iter()
            .any(|p| key.verify(&self.body, p).is_ok())
    }
}

/// The fee a script may assume is charged: the offered fee (an upper bound of the charge).
fn overlay_fee(tx: &Transaction) -> u64 {
    tx.fee.0
}

impl<V: StateView> ScriptContext for TxScriptContext<'_, '_, V> {
    fn height(&self) -> Height {
        self.overlay.context().height
    }

    fn is_signed_by(&self, key: &PublicKey) -> bool {
        self.signed_by(&AccountKey::Ed25519(*key))
    }

    fn signed_by_associated(&self, issuer: &Address, association_type: i64) -> bool {
        let Ok(keys) =
            self.overlay
                .view()
                .association_recipients(issuer, association_type, MAX_HOLDERS)
        else {
            return false;
        };
        let now = self.overlay.context().timestamp;
        keys.iter().any(|k: &AssociationKey| {
            let active = matches!(self.overlay.view_association(k), Ok(Some(a)) if a.is_active(now));
            active
                && matches!(self.overlay.known_public_key(&k.recipient), Ok(Some(pk)) if self.signed_by(&pk))
        })
    }

    fn remaining_balance(&self) -> Amount {
        self.remaining
    }

    fn recipients(&self) -> &[Address] {
        &self.recipients
    }

    fn is_payment(&self) -> bool {
        matches!(
            self.tx.tx_type(),
            TxType::Transfer | TxType::MassTransfer | TxType::Lease
        )
    }

    fn tx_type(&self) -> u8 {
        self.tx.tx_type().id()
    }
}
