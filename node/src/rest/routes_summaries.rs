//! `/summaries/*`: summary blocks (whitepaper 17), as stored when the key block after their
//! period committed them (a history node can also derive them from its blocks). Fast-syncing
//! nodes and auditors check a summary's `hash` against the `summaryHash` of the key block at
//! `committedBy`.

use super::{ApiError, RestState};
use axum::Json;
use axum::extract::{Path, State};
use ltonode_ledger::Snapshots;
use ltonode_ledger::Store;
use ltonode_ledger::tx::json::to_json;
use ltonode_summary::{SummaryBlock, build_summary, load_summary};
use serde_json::{Value, json};

fn summary_json(s: &SummaryBlock, period: u32) -> Value {
    let changes: Vec<Value> = s
        .balance_changes
        .iter()
        .map(|(a, c)| json!({"address": a.to_base58(), "change": c}))
        .collect();
    let txs: Vec<Value> = s
        .transactions
        .iter()
        .map(|(h, tx)| {
            let mut j = to_json(tx);
            if let Some(o) = j.as_object_mut() {
                o.insert("height".into(), json!(h.0));
            }
            j
        })
        .collect();
    json!({
        "index": s.index,
        "from": s.from.0,
        "to": s.to.0,
        "committedBy": s.index.saturating_mul(period).saturating_add(1),
        "hash": hex::encode(s.hash()),
        "balanceChanges": changes,
        "transactions": txs,
        "totalFees": s.total_fees,
        "totalTransactions": s.total_txs,
        "carriedIn": s.carried_in,
        "carriedOut": s.carried_out,
        "bytes": hex::encode(s.to_bytes()),
    })
}

fn summary<S: Store + Clone + Snapshots + 'static>(
    st: &RestState<S>,
    n: u32,
) -> Result<Json<Value>, ApiError> {
    let period = st.params().summary_period;
    st.read(|svc| {
        let committed = period > 0 && svc.chain.height().0 > n.saturating_mul(period) && n > 0;
        if !committed {
            return Err(ApiError::BlockNotFound(format!("summary {n}")));
        }
        let s = match load_summary(&svc.chain, n) {
            Ok(Some(s)) => s,
            _ => build_summary(&svc.chain, n)
                .map_err(|e| ApiError::BlockNotFound(format!("summary {n}: {e}")))?,
        };
        Ok(Json(summary_json(&s, period)))
    })
}

/// `GET /summaries/{n}`.
pub async fn by_index<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(n): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let n: u32 = n.parse().map_err(|_| ApiError::InvalidNumber(n.clone()))?;
    summary(&st, n)
}

/// `GET /summaries/last`: the newest summary a key block has committed.
pub async fn last<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let period = st.params().summary_period;
    let height = st.read(|svc| Ok(svc.chain.height().0))?;
    let n = height.saturating_sub(1).checked_div(period).unwrap_or(0);
    summary(&st, n)
}
