//! The state transition: pure functions from (state view, verified transactions, block
//! context) to a [`Diff`].
//!
//! [`apply_transactions`] runs an [`Overlay`], which applies each transaction all or nothing
//! by the rules listed in its module; a key block's diff and the genesis diff only credit
//! balances.
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
