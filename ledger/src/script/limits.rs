//! The size limits every [`Script`](super::Script) is checked against, whether built in
//! memory, decoded or parsed: depth, node count, list lengths and thresholds.

use super::{Expr, MAX_DEPTH, MAX_LIST_LEN, MAX_NODES, ScriptError};

/// Counts a node at `depth`, refusing it when the depth or node limit is passed. Called
/// before descending, so no input can recurse deeper than [`MAX_DEPTH`] + 1 frames.
pub(super) fn enter(depth: usize, nodes: &mut usize) -> Result<(), ScriptError> {
    if depth > MAX_DEPTH {
        return Err(ScriptError::TooDeep { max: MAX_DEPTH });
    }
    *nodes = nodes.saturating_add(1);
    if *nodes > MAX_NODES {
        return Err(ScriptError::TooManyNodes { max: MAX_NODES });
    }
    Ok(())
}

/// Refuses a threshold `k` of `n` outside `1..=n`.
pub(super) fn check_threshold(k: u8, n: usize) -> Result<(), ScriptError> {
    if k == 0 || usize::from(k) > n {
        return Err(ScriptError::InvalidThreshold { k, n });
    }
    Ok(())
}

/// Checks the limits of an expression built in memory.
pub(super) fn check(expr: &Expr, depth: usize, nodes: &mut usize) -> Result<(), ScriptError> {
    let at = *nodes;
    enter(depth, nodes)?;
    let children = match expr {
        Expr::And(of) | Expr::Or(of) => {
            if of.is_empty() {
                return Err(ScriptError::EmptyList { at });
            }
            of
        }
        Expr::AtLeast { k, of } => {
            check_threshold(*k, of.len())?;
            of
        }
        Expr::RecipientIn(list) => return check_list(list.len(), at),
        Expr::TxTypeIn(list) => return check_list(list.len(), at),
        Expr::SignedBy(_)
        | Expr::SignedByAssociated { .. }
        | Expr::HeightAtLeast(_)
        | Expr::BalanceAtLeast(_) => return Ok(()),
    };
    for child in children {
        check(child, depth.saturating_add(1), nodes)?;
    }
    Ok(())
}

/// Refuses an empty list or one longer than [`MAX_LIST_LEN`]; `at` names the node.
fn check_list(len: usize, at: usize) -> Result<(), ScriptError> {
    if len == 0 {
        return Err(ScriptError::EmptyList { at });
    }
    if len > MAX_LIST_LEN {
        return Err(ScriptError::ListTooLong { max: MAX_LIST_LEN });
    }
    Ok(())
}
