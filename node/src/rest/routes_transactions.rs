//! `/transactions/*`: broadcast into the pool, fee calculation, confirmed and pending
//! transactions (LTO's node).
//!
//! A broadcast transaction is parsed with this chain's id (LTO clients send no `chainId`),
//! verified statelessly here (off the chain core), then handed to the core, which applies it
//! on top of the chain and the pool's transactions (so an overdraft, a replay or an unknown
//! lease is refused here, not silently dropped later) before pooling it. The reply echoes the request with `id` and every field.

use super::{ApiError, RestState, json_body, parse_address, parse_number};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use ltonode_core::TxRefusal;
use ltonode_ledger::Snapshots;
use ltonode_ledger::tx::json::{broadcast_reply, from_json, to_json};
use ltonode_ledger::tx::validate::{FeeSchedule, verify};
use ltonode_ledger::tx::{Transaction, TxId};
use ltonode_ledger::{Address, Height, Store};
use serde_json::{Value, json};

/// LTO's largest page of `/transactions/address`.
pub const MAX_LIMIT: usize = 10_000;
/// The largest `offset` served, so a request reads a bounded number of index entries.
pub const MAX_OFFSET: usize = 100_000;

/// Verifies `tx` here, off the core, on a blocking thread (the Ed25519 check), then hands it
/// to the core, which checks it against the pool and the chain, applies it after the pool's
/// transactions, pools it and gossips it.
pub async fn admit<S: Store + Clone + Snapshots + 'static>(
    st: &RestState<S>,
    tx: Transaction,
) -> Result<Transaction, ApiError> {
    let ctx = st
        .reader()
        .snapshot()
        .validation
        .ok_or_else(|| ApiError::Unavailable("the chain has no genesis".into()))?;
    let tx_json = to_json(&tx);
    let checked = tokio::task::spawn_blocking(move || verify(tx, &ctx))
        .await
        .map_err(|e| ApiError::Internal(format!("verification task failed: {e}")))?;
    let verified = checked.map_err(|e| ApiError::from_validation(&e, tx_json.clone()))?;
    let tx = verified.tx().clone();
    let verdict = st
        .core()
        .submit(vec![verified])
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?
        .into_iter()
        .next()
        .unwrap_or(Err(TxRefusal::InPool(tx.id())));
    match verdict {
        Ok(id) => {
            tracing::debug!(id = %id, "admitted a broadcast transaction");
            Ok(tx)
        }
        Err(TxRefusal::State(e)) => Err(ApiError::from_apply(&e, tx_json)),
        Err(TxRefusal::Invalid(e)) => Err(ApiError::from_validation(&e, tx_json)),
        Err(e @ TxRefusal::InPool(_)) => Err(ApiError::state_check(e.to_string(), tx_json)),
        Err(e @ TxRefusal::Pool(_)) => Err(ApiError::state_check(e.to_string(), tx_json)),
    }
}

/// `POST /transactions/broadcast`.
pub async fn broadcast<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let request = json_body(body)?;
    let tx = from_json(&request, st.params().chain_id).map_err(|e| ApiError::from_tx_error(&e))?;
    let tx = admit(&st, tx).await?;
    Ok(Json(broadcast_reply(&request, &tx)))
}

/// Builds and signs a transaction with the node's wallet from an unsigned request: the
/// sender is the wallet's account (a `sender` naming another account is refused), the
/// timestamp defaults to now and the fee to the schedule's; proofs in the request are ignored.
fn sign_with_wallet<S: Store + Clone + Snapshots + 'static>(
    st: &RestState<S>,
    mut request: Value,
) -> Result<Transaction, ApiError> {
    let params = st.params();
    let key = st
        .wallet
        .as_deref()
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
pub async fn sign<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    super::auth::check(st.api_key_hash.as_deref(), &headers)?;
    let request = json_body(body)?;
    let tx = sign_with_wallet(&st, request)?;
    Ok(Json(to_json(&tx)))
}

/// `POST /transactions/submit` (API key): signs with the node's wallet and broadcasts.
pub async fn submit<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    super::auth::check(st.api_key_hash.as_deref(), &headers)?;
    let request = json_body(body)?;
    let tx = sign_with_wallet(&st, request)?;
    let tx = admit(&st, tx).await?;
    Ok(Json(to_json(&tx)))
}

/// LTO's transaction names (spaces as `-`) and their types, as `/transactions/submit/{name}`
/// takes them.
pub const TYPE_NAMES: &[(&str, u8)] = &[
    ("genesis", 1),
    ("transfer", 4),
    ("lease", 8),
    ("cancel-lease", 9),
    ("lease-cancel", 9),
    ("mass-transfer", 11),
    ("data", 12),
    ("set-script", 13),
    ("anchor", 15),
    ("issue-association", 16),
    ("revoke-association", 17),
    ("sponsorship", 18),
    ("cancel-sponsorship", 19),
    ("sponsorship-cancel", 19),
    ("register", 20),
    ("burn", 21),
    ("mapped-anchor", 22),
    ("statement", 23),
    ("certificate", 24),
];

/// `POST /transactions/submit/{typeName}` (API key): as `/transactions/submit`, the type
/// taken from the path (`transfer`, `anchor`, `issue-association`...).
pub async fn submit_typed<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(type_name): Path<String>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    super::auth::check(st.api_key_hash.as_deref(), &headers)?;
    let Some(&(_, ty)) = TYPE_NAMES.iter().find(|(n, _)| *n == type_name) else {
        return Err(ApiError::BadArgument(format!(
            "Bad transaction type ({type_name})"
        )));
    };
    if ty == 1 {
        return Err(ApiError::BadArgument(format!(
            "Unsupported transaction type ({ty})"
        )));
    }
    let mut request = json_body(body)?;
    let obj = request
        .as_object_mut()
        .ok_or_else(|| ApiError::WrongJson("expected a JSON object".into()))?;
    obj.insert("type".into(), json!(ty));
    let tx = sign_with_wallet(&st, request)?;
    let tx = admit(&st, tx).await?;
    Ok(Json(to_json(&tx)))
}

/// `POST /transactions/calculateFee`: the fee the schedule charges for the transaction.
pub async fn calculate_fee<S: Store + Clone + Snapshots + 'static>(
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

/// `GET /transactions/info/{id}`: a confirmed transaction with its `height`, the fee charged
/// (`effectiveFee`) and, when someone else than the sender paid it, `effectiveSponsor`.
pub async fn info<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let found = st.read(|svc| {
        let Some((tx, height)) = svc.chain.transaction(&id)? else {
            return Ok(None);
        };
        let sponsor = svc.chain.fee_sponsor(&id)?;
        let fees = ltonode_ledger::tx::FeeSchedule {
            fee_price: svc.chain.config().fees.fee_price,
        };
        Ok(Some((tx.clone(), height, fees.fee(&tx), sponsor)))
    })?;
    let (tx, height, fee, sponsor) = found.ok_or(ApiError::TxNotFound)?;
    let mut v = with_height(&tx, height);
    v["effectiveFee"] = json!(fee.0);
    if let Some(s) = sponsor {
        v["effectiveSponsor"] = json!(s.to_base58());
    }
    Ok(Json(v))
}

/// `GET /transactions/unconfirmed`: the pool, highest fee per byte first.
pub async fn unconfirmed<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let list = st.read(|svc| Ok(svc.pool.iter().map(to_json).collect::<Vec<_>>()))?;
    Ok(Json(Value::Array(list)))
}

/// `GET /transactions/unconfirmed/size`.
pub async fn unconfirmed_size<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let size = st.read(|svc| Ok(svc.snapshot.pool_len))?;
    Ok(Json(json!({"size": size})))
}

/// `GET /transactions/unconfirmed/info/{id}`: a pending transaction.
pub async fn unconfirmed_info<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let found = st.read(|svc| Ok(svc.pool.get(&id).map(to_json)))?;
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
pub async fn by_address<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let address = parse_address(st.params(), &address)?;
    let q = AddressTxQuery::parse(raw.as_deref())?;
    let list = st.read(|svc| {
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
