//! `/node/*` and `/fees/status`: the node's health, version, stop switch (API key), and the
//! fee price (LTO's node).

use super::{ApiError, RestState, auth, rfc3339};
use crate::service::wall_clock;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use ltonode_ledger::Snapshots;
use ltonode_ledger::Store;
use serde_json::{Value, json};

/// `GET /node/status`: heights, the tip's time and age, whether this node forges (and is
/// forging now: off while it syncs), connected peers, the pool's size, and the progress of a
/// fast sync under way (`sync`: phase, done/total, rate, ETA; `null` when the
/// node is not fast-syncing). The API needs no key, so load balancers and monitors can use it.
pub async fn status<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let depth = st.params().gen_depth;
    let sync = st
        .sync_status
        .lock()
        .ok()
        .and_then(|s| s.as_ref().map(|s| s.to_json(std::time::Instant::now())));
    let peers = st.metrics.as_ref().map_or(0, |m| m.peers.get());
    let (height, ts, forging, generator, pool, forging_enabled) = st.read(|svc| {
        let ts = svc.chain.tip().map_or(0, |t| t.header.timestamp.0);
        let generator = match svc.snapshot.forging_address {
            Some(a) => Some((
                a,
                svc.chain
                    .generating_balance(&a, svc.chain.height(), depth)?,
            )),
            None => None,
        };
        Ok((
            svc.chain.height().0,
            ts,
            svc.snapshot.forging,
            generator,
            svc.snapshot.pool_len,
            svc.snapshot.forging_enabled,
        ))
    })?;
    let age = wall_clock().0.saturating_sub(ts);
    Ok(Json(json!({
        "blockchainHeight": height,
        "stateHeight": height,
        "updatedTimestamp": ts,
        "updatedDate": rfc3339(ts),
        "lastBlockAge": age,
        "forging": forging,
        "forgingEnabled": forging && forging_enabled,
        "peers": peers,
        "poolSize": pool,
        "generator": generator.map(|(a, _)| a.to_base58()),
        "generatingBalance": generator.map(|(_, g)| g),
        "sync": sync,
    })))
}

/// `GET /node/version`.
pub async fn version() -> Json<Value> {
    Json(json!({"version": format!("ltonode v{}", env!("CARGO_PKG_VERSION"))}))
}

/// `POST /node/stop` (API key): stops the node after answering.
pub async fn stop<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    auth::check(st.api_key_hash.as_deref(), &headers)?;
    let Some(stop) = &st.stop else {
        return Err(ApiError::Unavailable(
            "this node cannot be stopped over the API".into(),
        ));
    };
    tracing::info!("stop requested over the REST API");
    stop.send_replace(true);
    Ok(Json(json!({"stopped": true})))
}

/// `GET /fees/status`: the fee price in force (this chain has no fee voting yet).
pub async fn fees_status<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Json<Value> {
    let price = st.params().fee_price;
    Json(json!({
        "price": price,
        "votes": 0,
        "next": {"status": "none", "price": price},
    }))
}
