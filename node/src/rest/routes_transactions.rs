//! `/transactions/*`: broadcast into the pool, fee calculation, confirmed and pending
//! transactions (`reference/lto-protocol.md` §3 and §9).
//!
//! A broadcast transaction is parsed with this chain's id (LTO clients send no `chainId`),
//! verified statelessly, then applied on top of the chain and the pool's transactions (so an
//! overdraft, a replay or an unknown lease is refused here, not silently dropped later), and
//! only then admitted to the pool. The reply echoes the request with `id` and every field.

use super::{ApiError, RestState, json_body, parse_address, parse_number};
use crate::service::ChainService;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use ltonode_consensus::ChainParams;
use ltonode_ledger::chain::Chain;
use ltonode_ledger::state::BlockContext;
use ltonode_ledger::state::transition::Overlay;
use ltonode_ledger::tx::json::{broadcast_reply, from_json, to_json};
use ltonode_ledger::tx::validate::{FeeSchedule, verify};
use ltonode_ledger::tx::{Transaction, TxId};
use ltonode_ledger::{Address, Height, Store};
use serde_json::{Value, json};

/// LTO's largest page of `/transactions/address`.
pub const MAX_LIMIT: usize = 10_000;
/// The largest `offset` served, so a request reads a bounded number of index entries.
pub const MAX_OFFSET: usize = 100_000;

/// The context in which the current block's next micro block applies transactions.
pub fn block_context<S: Store>(
    chain: &Chain<S>,
    params: &ChainParams,
) -> Result<BlockContext, ApiError> {
    let tip = chain
        .tip()
        .ok_or_else(|| ApiError::Unavailable("the chain has no genesis".into()))?;
    Ok(BlockContext {
        chain_id: params.chain_id,
        height: tip.height,
        timestamp: tip.header.timestamp,
        prev_timestamp: tip.prev_timestamp,
        generator: Address::from_public_key(params.chain_id, &tip.header.generator),
        lease_unbonding: params.lease_unbonding,
        max_tx_future_ms: params.max_tx_future_ms,
        max_tx_past_ms: params.max_tx_past_ms,
    })
}

/// Verifies `tx`, checks it applies after the pool's transactions, and admits it.
pub fn admit<S: Store>(
    svc: &mut ChainService<S>,
    params: &ChainParams,
    tx: Transaction,
) -> Result<Transaction, ApiError> {
    let ctx = svc.chain.validation_context()?;
    let tx_json = to_json(&tx);
    let verified = verify(tx, &ctx).map_err(|e| ApiError::from_validation(&e, tx_json.clone()))?;
    let id = verified.id();
    if svc.pool.contains(&id) {
        return Err(ApiError::state_check(
            format!("transaction {id} is already in the pool"),
            tx_json,
        ));
    }
    let bctx = block_context(&svc.chain, params)?;
    // The pool applied on the tip is cached between admissions (rebuilt after a block or any
    // other change of the pool), so admitting costs one transaction, not the whole pool.
    let cached = svc.take_pool_state();
    let mut overlay = match cached {
        Some((diff, ids)) => Overlay::from_parts(&svc.chain, bctx, diff, ids),
        None => {
            let mut o = Overlay::new(&svc.chain, bctx);
            for pending in svc.pool.txs() {
                // Pending transactions that no longer apply are the forger's to drop; they
                // must not block this one.
                let _ = o.apply(pending);
            }
            o
        }
    };
    // A refused transaction leaves the overlay as it was.
    let applied = overlay.apply(&verified);
    let parts = overlay.into_parts();
    if let Err(e) = applied {
        svc.keep_pool_state(parts);
        return Err(ApiError::from_apply(&e, tx_json));
    }
    let tx = verified.tx().clone();
    if let Err(refusal) = svc.pool.admit_and_gossip(verified) {
        return Err(ApiError::state_check(
            format!("the pool refused the transaction: {refusal:?}"),
            tx_json,
        ));
    }
    svc.keep_pool_state(parts);
    tracing::debug!(id = %id, "admitted a broadcast transaction");
    Ok(tx)
}

/// `POST /transactions/broadcast`.
pub async fn broadcast<S: Store + 'static>(
    State(st): State<RestState<S>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let request = json_body(body)?;
    let tx = from_json(&request, st.params().chain_id).map_err(|e| ApiError::from_tx_error(&e))?;
    let tx = st.with_service(|svc| admit(svc, st.params(), tx))?;
    Ok(Json(broadcast_reply(&request, &tx)))
}

/// Builds and signs a transaction with the node's wallet from an unsigned request: the
/// sender is the wallet's account (a `sender` naming another account is refused), the
/// timestamp defaults to now and the fee to the schedule's; proofs in the request are ignored.
fn sign_with_wallet<S: Store>(
    svc: &ChainService<S>,
    params: &ChainParams,
    mut request: Value,
) -> Result<Transaction, ApiError> {
    let key = svc
        .wallet()
        .ok_or_else(|| ApiError::Unavailable("this node has no wallet (no forging seed)".into()))?;
    let address = Address::from_public_key(params.chain_id, &key.public_key());
    let obj = request
        .as_object_mut()
        .ok_or_else(|| ApiError::WrongJson("expected a JSON object".into()))?;
    if let Some(sender) = obj.get("sender").and_then(Value::as_str)
        && sender != address.to_base58()
    {
        return Err(ApiError::BadArgument(format!(
            "the node's wallet holds only {address}, not {sender}"
        )));
    }
    obj.remove("proofs");
    obj.remove("signature");
    obj.insert("sender".into(), json!(address.to_base58()));
    obj.insert(
        "senderPublicKey".into(),
        json!(key.public_key().to_base58()),
    );
    obj.entry("timestamp")
        .or_insert_with(|| json!(crate::service::wall_clock().0));
    let needs_fee = !obj.contains_key("fee");
    if needs_fee {
        obj.insert("fee".into(), json!(0));
    }
    let mut tx = from_json(&request, params.chain_id).map_err(|e| ApiError::from_tx_error(&e))?;
    if needs_fee {
        tx.fee = FeeSchedule {
            fee_price: params.fee_price,
        }
        .fee(&tx);
    }
    tx.sign_with(key);
    Ok(tx)
}

/// `POST /transactions/sign` (API key): signs with the node's wallet, does not broadcast.
pub async fn sign<S: Store + 'static>(
    State(st): State<RestState<S>>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    super::auth::check(st.api_key_hash.as_deref(), &headers)?;
    let request = json_body(body)?;
    let tx = st.with_service(|svc| sign_with_wallet(svc, st.params(), request))?;
    Ok(Json(to_json(&tx)))
}

/// `POST /transactions/submit` (API key): signs with the node's wallet and broadcasts.
pub async fn submit<S: Store + 'static>(
    State(st): State<RestState<S>>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    super::auth::check(st.api_key_hash.as_deref(), &headers)?;
    let request = json_body(body)?;
    let tx = st.with_service(|svc| {
        let tx = sign_with_wallet(svc, st.params(), request)?;
        admit(svc, st.params(), tx)
    })?;
    Ok(Json(to_json(&tx)))
}

/// `POST /transactions/calculateFee`: the fee the schedule charges for the transaction.
pub async fn calculate_fee<S: Store + 'static>(
    State(st): State<RestState<S>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let request = json_body(body)?;
    let tx = from_json(&request, st.params().chain_id).map_err(|e| ApiError::from_tx_error(&e))?;
    let fee = FeeSchedule {
        fee_price: st.params().fee_price,
    }
    .fee(&tx);
    Ok(Json(json!({"feeAssetId": null, "feeAmount": fee.0})))
}

fn parse_id(s: &str) -> Result<TxId, ApiError> {
    TxId::from_base58(s).map_err(|e| ApiError::BadArgument(format!("invalid transaction id: {e}")))
}

fn with_height(tx: &Transaction, height: Height) -> Value {
    let mut v = to_json(tx);
    v["height"] = json!(height.0);
    v
}

/// `GET /transactions/info/{id}`: a confirmed transaction with its `height`.
pub async fn info<S: Store + 'static>(
    State(st): State<RestState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let found = st.with_service(|svc| Ok(svc.chain.transaction(&id)?))?;
    let (tx, height) = found.ok_or(ApiError::TxNotFound)?;
    Ok(Json(with_height(&tx, height)))
}

/// `GET /transactions/unconfirmed`: the pool, in admission order.
pub async fn unconfirmed<S: Store + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let list = st.with_service(|svc| {
        Ok(svc
            .pool
            .txs()
            .iter()
            .map(|v| to_json(v.tx()))
            .collect::<Vec<_>>())
    })?;
    Ok(Json(Value::Array(list)))
}

/// `GET /transactions/unconfirmed/size`.
pub async fn unconfirmed_size<S: Store + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let size = st.with_service(|svc| Ok(svc.pool.len()))?;
    Ok(Json(json!({"size": size})))
}

/// `GET /transactions/unconfirmed/info/{id}`: a pending transaction.
pub async fn unconfirmed_info<S: Store + 'static>(
    State(st): State<RestState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let found = st.with_service(|svc| {
        Ok(svc
            .pool
            .txs()
            .iter()
            .find(|v| v.id() == id)
            .map(|v| to_json(v.tx())))
    })?;
    found.map(Json).ok_or(ApiError::TxNotFound)
}

/// The query of `/transactions/address`: `limit`, `offset`, `after` (a transaction id, as the
/// Python client sends) and any number of `type`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AddressTxQuery {
    /// Page size (default 100, at most [`MAX_LIMIT`]).
    pub limit: usize,
    /// Transactions skipped (after `after`, if given).
    pub offset: usize,
    /// Start after this transaction.
    pub after: Option<TxId>,
    /// Only these types (all if empty).
    pub types: Vec<u8>,
}

impl AddressTxQuery {
    /// Parses the raw query string; unknown keys are ignored, as LTO does.
    pub fn parse(raw: Option<&str>) -> Result<AddressTxQuery, ApiError> {
        let mut q = AddressTxQuery {
            limit: 100,
            ..AddressTxQuery::default()
        };
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "limit" => q.limit = parse_number("limit", v)?,
                "offset" => q.offset = parse_number("offset", v)?,
                "after" if !v.is_empty() => q.after = Some(parse_id(v)?),
                "type" => q.types.push(parse_number("type", v)?),
                _ => {}
            }
        }
        if q.limit > MAX_LIMIT {
            return Err(ApiError::TooBig {
                what: "limit",
                max: MAX_LIMIT as u64,
            });
        }
        if q.offset > MAX_OFFSET {
            return Err(ApiError::TooBig {
                what: "offset",
                max: MAX_OFFSET as u64,
            });
        }
        Ok(q)
    }
}

/// `GET /transactions/address/{address}`: the address's transactions, newest first, as
/// LTO's nested list `[[tx, ...]]`. With `after` or `type`, the newest [`MAX_LIMIT`] +
/// `offset` transactions are searched.
pub async fn by_address<S: Store + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let address = parse_address(st.params(), &address)?;
    let q = AddressTxQuery::parse(raw.as_deref())?;
    let list = st.with_service(|svc| {
        let chain = &svc.chain;
        if q.after.is_none() && q.types.is_empty() {
            return Ok(chain.address_transactions(&address, q.limit, q.offset)?);
        }
        let window = chain.address_transactions(&address, MAX_LIMIT + q.offset, 0)?;
        let start = match q.after {
            Some(after) => match window.iter().position(|(tx, _)| tx.id() == after) {
                Some(i) => i + 1,
                None => window.len(),
            },
            None => 0,
        };
        Ok(window
            .into_iter()
            .skip(start)
            .filter(|(tx, _)| q.types.is_empty() || q.types.contains(&tx.tx_type().id()))
            .skip(q.offset)
            .take(q.limit)
            .collect())
    })?;
    let page: Vec<Value> = list.iter().map(|(tx, h)| with_height(tx, *h)).collect();
    Ok(Json(json!([page])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_query() {
        assert_eq!(
            AddressTxQuery::parse(None).unwrap(),
            AddressTxQuery {
                limit: 100,
                ..Default::default()
            }
        );
        let id = TxId([7; 32]);
        let raw = format!("type=4&type=15&limit=5&after={id}&offset=1&x=y");
        let q = AddressTxQuery::parse(Some(&raw)).unwrap();
        assert_eq!(q.types, vec![4, 15]);
        assert_eq!((q.limit, q.offset, q.after), (5, 1, Some(id)));
        assert!(matches!(
            AddressTxQuery::parse(Some("limit=10001")),
            Err(ApiError::TooBig { what: "limit", .. })
        ));
        assert!(matches!(
            AddressTxQuery::parse(Some("limit=ten")),
            Err(ApiError::InvalidNumber(_))
        ));
    }
}
