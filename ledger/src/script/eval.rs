//! Evaluating an expression against a [`ScriptContext`], and what it costs.

use super::{Expr, ScriptContext};
use crate::units::Height;

/// Whether `expr` holds for the transaction `ctx` describes.
pub(super) fn evaluate<C: ScriptContext + ?Sized>(expr: &Expr, ctx: &C) -> bool {
    match expr {
        Expr::And(of) => of.iter().all(|e| evaluate(e, ctx)),
        Expr::Or(of) => of.iter().any(|e| evaluate(e, ctx)),
        Expr::AtLeast { k, of } => {
            let k = usize::from(*k);
            of.iter().filter(|e| evaluate(e, ctx)).take(k).count() >= k
        }
        Expr::SignedBy(key) => ctx.is_signed_by(key),
        Expr::SignedByAssociated {
            issuer,
            association_type,
        } => ctx.signed_by_associated(issuer, *association_type),
        Expr::HeightAtLeast(h) => ctx.height() >= Height(*h),
        Expr::BalanceAtLeast(a) => ctx.remaining_balance() >= *a,
        Expr::RecipientIn(list) => {
            let recipients = ctx.recipients();
            if ctx.is_payment() && recipients.is_empty() {
                return false;
            }
            recipients.iter().all(|r| list.contains(r))
        }
        Expr::TxTypeIn(types) => types.contains(&ctx.tx_type()),
    }
}

/// The number of nodes of `expr`.
pub(super) fn count_nodes(expr: &Expr) -> usize {
    match expr {
        Expr::And(of) | Expr::Or(of) | Expr::AtLeast { of, .. } => of
            .iter()
            .fold(1usize, |n, e| n.saturating_add(count_nodes(e))),
        _ => 1,
    }
}

/// The evaluation cost estimate of [`Script::complexity`](super::Script::complexity).
pub(super) fn complexity(expr: &Expr) -> u32 {
    let list = |len: usize| u32::try_from(len).unwrap_or(u32::MAX).saturating_add(1);
    match expr {
        Expr::And(of) | Expr::Or(of) | Expr::AtLeast { of, .. } => {
            of.iter().fold(1u32, |n, e| n.saturating_add(complexity(e)))
        }
        Expr::SignedBy(_) => 100,
        Expr::SignedByAssociated { .. } => 150,
        Expr::HeightAtLeast(_) | Expr::BalanceAtLeast(_) => 1,
        Expr::RecipientIn(l) => list(l.len()),
        Expr::TxTypeIn(l) => list(l.len()),
    }
}
