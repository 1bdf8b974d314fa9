//! The state transition: pure functions from (state view, verified transactions, block
//! context) to a [`Diff`].
//!
//! Rules (LTO's node, Waves' node):
//! - the fee charged is the schedule's ([`VerifiedTx::fee_charged`]); the fee account is the
//!   transaction's sponsor if any, else the sender, and the fee is paid by the first of the
//!   fee account's sponsors (newest first) whose spendable balance covers it, else by the
//!   fee account itself (LTO's `TransactionDiffer`); the opener's share (`FeeSplit`, LTO's `fee / 5 * 2`) goes at once to the generator of the block that
//!   includes the transaction, the rest is carried to the generator of the next key block;
//! - no account may end a transaction with less than nothing spendable: regular − leased out
//!   − unbonding ≥ 0 (for the sender and the fee payer);
//! - a lease moves nothing but `lease_out`/`lease_in`; only its lessor may cancel it, once; a
//!   cancelled amount unbonds for `lease_unbonding` blocks;
//! - an association is keyed by (issuer, recipient, type, subject); issuing it again
//!   re-activates it and extends its expiry; revoking needs an active one;
//! - a data entry replaces the sender's entry of the same key; a sponsorship puts the sender
//!   first in the recipient's list of sponsors (once), a cancel removes it (it must be there);
//!   a burn destroys the amount; a certificate replaces or clears the sender's;
//! - an explicit sponsor may not have an account script;
//! - an account without a script signs with exactly one proof (two when sponsored); an
//!   account with a script must satisfy it; the transaction id must be new;
//! - the timestamp is at most 90 minutes after the block and at most 2 hours before the
//!   previous block.
//!
//! Each transaction is applied all or nothing by an [`Overlay`]: records are read and
//! checked first, then written, so a refused transaction leaves the overlay as it was.
//!
//! The types these functions take and return live in their own modules and are re-exported
//! here, where they have always been reachable.

pub use super::context::{BlockContext, FeeSplit};
pub use super::diff::{AppliedTx, Diff, KeyRegistration};
pub use super::error::{MicroBlockError, TxApplyError};
pub use super::overlay::{Overlay, OverlayParts};

use super::StateView;
use crate::address::Address;
use crate::tx::{TxBody, VerifiedTx};

/// Applies transactions one after the other on top of a view (and the diff of earlier micro
/// blocks of the same block, if any); the first refused transaction makes the whole batch
/// invalid.
pub fn apply_transactions<V: StateView>(
    view: &V,
    ctx: &BlockContext,
    base: Diff,
    txs: &[VerifiedTx],
) -> Result<Diff, MicroBlockError> {
    let mut o = Overlay::with_diff(view, *ctx, base);
    for (index, tx) in txs.iter().enumerate() {
        o.apply(tx).map_err(|error| MicroBlockError {
            index,
            id: tx.id(),
            error,
        })?;
    }
    Ok(o.into_diff())
}

/// The diff of a key block: the generator receives the fees carried from the block it
/// closes.
pub fn apply_key_block<V: StateView>(
    view: &V,
    generator: Address,
    carried_fees: u64,
) -> Result<Diff, TxApplyError> {
    let mut d = Diff::default();
    if carried_fees > 0 {
        let mut acc = view.account(&generator)?;
        acc.regular = acc
            .regular
            .checked_add(carried_fees)
            .ok_or(TxApplyError::Overflow(generator))?;
        d.accounts.insert(generator, acc);
    }
    Ok(d)
}

/// The diff of the genesis transactions: each mints its amount to its recipient.
pub fn apply_genesis<V: StateView>(view: &V, txs: &[VerifiedTx]) -> Result<Diff, TxApplyError> {
    let mut d = Diff::default();
    for vtx in txs {
        let TxBody::Genesis { recipient, amount } = &vtx.tx().body else {
            return Err(TxApplyError::Genesis);
        };
        let mut acc = match d.accounts.get(recipient) {
            Some(a) => a.clone(),
            None => view.account(recipient)?,
        };
        acc.regular = acc
            .regular
            .checked_add(amount.0)
            .ok_or(TxApplyError::Overflow(*recipient))?;
        d.accounts.insert(*recipient, acc);
        d.txs.push(AppliedTx {
            id: vtx.id(),
            fee_payer: *recipient,
            fee: 0,
            addresses: vec![*recipient],
        });
    }
    Ok(d)
}
