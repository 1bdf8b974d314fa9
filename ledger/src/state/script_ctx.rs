//! What an account script sees of the transaction it authorises: its signers (any proof
//! that verifies over the body bytes), the block height, the sender's balance after the
//! transaction, its recipients, and active associations in the state before it.
//!
//! A storage error while evaluating makes the condition false: a script can only refuse
//! more, never accept more, when state cannot be read.

use super::{Account, Association, AssociationKey, BlockContext, StateError};
use crate::address::Address;
use crate::keys::{AccountKey, PublicKey};
use crate::script::ScriptContext;
use crate::tx::{Transaction, TxBody, TxType};
use crate::units::{Amount, Height};

/// Most association holders a `signed_by_associated` condition looks at.
const MAX_HOLDERS: usize = 256;

/// The state a script context reads: what the transaction is applied on (the
/// [`Overlay`](super::Overlay) implements it).
pub trait ScriptState {
    /// The block the transaction is applied in.
    fn block(&self) -> &BlockContext;
    /// An account, with the block's changes so far.
    fn account(&self, address: &Address) -> Result<Account, StateError>;
    /// An association, with the block's changes so far.
    fn association(&self, key: &AssociationKey) -> Result<Option<Association>, StateError>;
    /// The recipients of the associations of `association_type` issued by `issuer`, as the
    /// state before the block indexes them, at most `limit` of them.
    fn association_recipients(
        &self,
        issuer: &Address,
        association_type: i64,
        limit: usize,
    ) -> Result<Vec<AssociationKey>, StateError>;
    /// The public key of an address, with the keys learned in the block so far.
    fn public_key(&self, address: &Address) -> Result<Option<AccountKey>, StateError>;
}

/// The script context of one transaction.
pub struct TxScriptContext<'o, S: ScriptState + ?Sized> {
    state: &'o S,
    tx: &'o Transaction,
    body: Vec<u8>,
    recipients: Vec<Address>,
    remaining: Amount,
}

impl<'o, S: ScriptState + ?Sized> TxScriptContext<'o, S> {
    /// The context of `tx` sent by `sender`, on top of `state`.
    pub fn new(state: &'o S, tx: &'o Transaction, sender: Address) -> Result<Self, StateError> {
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
        let acc = state.account(&sender)?;
        let fee = if tx.fee_payer() == sender {
            overlay_fee(tx)
        } else {
            0
        };
        let remaining = Amount(acc.regular.saturating_sub(outflow).saturating_sub(fee));
        Ok(TxScriptContext {
            state,
            tx,
            body: tx.body_bytes(),
            recipients,
            remaining,
        })
    }
}

impl<S: ScriptState + ?Sized> TxScriptContext<'_, S> {
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

impl<S: ScriptState + ?Sized> ScriptContext for TxScriptContext<'_, S> {
    fn height(&self) -> Height {
        self.state.block().height
    }

    fn is_signed_by(&self, key: &PublicKey) -> bool {
        self.signed_by(&AccountKey::Ed25519(*key))
    }

    fn signed_by_associated(&self, issuer: &Address, association_type: i64) -> bool {
        let Ok(keys) = self
            .state
            .association_recipients(issuer, association_type, MAX_HOLDERS)
        else {
            return false;
        };
        let now = self.state.block().timestamp;
        keys.iter().any(|k: &AssociationKey| {
            let active = matches!(self.state.association(k), Ok(Some(a)) if a.is_active(now));
            active
                && matches!(self.state.public_key(&k.recipient), Ok(Some(pk)) if self.signed_by(&pk))
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
