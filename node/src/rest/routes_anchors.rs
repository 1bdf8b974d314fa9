//! Anchor routes (docs/architecture.md, what operators ask for): where a hash is anchored
//! and its receipt, receipt verification against this node's headers, and LTO's indexer
//! lookup `GET /index/hash/{hash}` (LTO's node).
//!
//! A hash in a path is hex when it is even-length hex, Base58 otherwise. An anchor is
//! `pre-approved` while only a micro block holds it, `confirmed` (with a receipt) once the
//! next key block commits its block's anchor roots.

use super::{ApiError, RestState, View, json_body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ltonode_ledger::Snapshots;
use ltonode_ledger::Store;
use ltonode_ledger::block::{BlockId, anchored_values};
use ltonode_ledger::receipt::{AnchorReceipt, ReceiptError, VerifiedReceipt};
use ltonode_ledger::{Height, TxId};
use serde::Deserialize;
use serde_json::{Value, json};

/// The longest anchor looked up (the anchor index keys carry a one-byte length).
pub const MAX_ANCHOR_BYTES: usize = 255;

/// The bytes of a hash given as hex (if even-length hex) or Base58.
pub fn decode_hash(s: &str) -> Result<Vec<u8>, ApiError> {
    let is_hex =
        !s.is_empty() && s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit());
    let bytes = if is_hex {
        hex::decode(s).map_err(|e| ApiError::BadArgument(format!("invalid hex hash: {e}")))?
    } else {
        bs58::decode(s)
            .into_vec()
            .map_err(|_| ApiError::BadArgument(format!("hash {s:?} is neither hex nor base58")))?
    };
    if bytes.is_empty() || bytes.len() > MAX_ANCHOR_BYTES {
        return Err(ApiError::BadArgument(format!(
            "a hash is 1 to {MAX_ANCHOR_BYTES} bytes, found {}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// Most hashes in one `POST /anchors/receipts`.
pub const MAX_RECEIPTS_PER_CALL: usize = 1000;

/// The key block a receipt is anchored to: the one named by `anchoredTo` (a key block of this
/// chain), or the tip's key block.
fn anchored_to_height<S: Store>(
    view: &View<S>,
    anchored_to: Option<&str>,
) -> Result<Height, ApiError> {
    match anchored_to {
        None => Ok(view.chain.height()),
        Some(text) => {
            // Base58 that is no 32-byte id names no block of this chain (404, as for
            // `/blocks/{id}`); what is not Base58 at all is a bad argument.
            let id = BlockId::from_base58(text).ok_or_else(|| {
                if bs58::decode(text).into_vec().is_ok() {
                    ApiError::BlockNotFound(text.to_string())
                } else {
                    ApiError::BadArgument(format!("anchoredTo {text:?} is not a base58 block id"))
                }
            })?;
            match view.chain.locate(&id)? {
                Some((h, 0)) => Ok(h),
                Some(_) => Err(ApiError::BadArgument(format!(
                    "anchoredTo {text} is a micro block: receipts are anchored to key blocks"
                ))),
                None => Err(ApiError::BlockNotFound(text.to_string())),
            }
        }
    }
}

/// The status of an anchored value, with its receipt anchored to the key block at `to` once
/// confirmed; `None` if neither the chain nor the pool holds it.
fn anchor_status<S: Store>(
    view: &View<S>,
    value: &[u8],
    to: Height,
) -> Result<Option<Value>, ApiError> {
    let anchor = hex::encode(value);
    let entries = view.chain.anchor(value)?;
    let Some(first) = entries.first() else {
        return Ok(view
            .pool
            .iter()
            .find(|tx| anchored_values(tx).iter().any(|v| v.as_slice() == value))
            .map(|tx| {
                json!({"anchor": anchor, "status": "unconfirmed", "txId": tx.id().to_base58()})
            }));
    };
    let mut v = json!({
        "anchor": anchor,
        "height": first.height.0,
        "txId": first.tx_id.to_base58(),
        "position": first.position,
    });
    match &first.receipt {
        Some(r) => {
            let anchored = view.chain.anchor_receipt_to(r, to)?.ok_or_else(|| {
                ApiError::BadArgument(format!(
                    "the anchor is committed by the key block at height {}, after the \
                     anchoredTo block at {}",
                    r.header.height.0, to.0
                ))
            })?;
            v["status"] = json!("confirmed");
            v["receipt"] = anchored.to_json();
        }
        None => v["status"] = json!("pre-approved"),
    }
    Ok(Some(v))
}

/// The `anchoredTo` parameter of a query string, if given.
fn anchored_to_param(query: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(q) = query else { return Ok(None) };
    let mut found = None;
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("anchoredTo", v)) if !v.is_empty() => found = Some(v.to_string()),
            _ => {
                return Err(ApiError::BadArgument(format!(
                    "unknown query parameter {pair:?} (only anchoredTo=BLOCK_ID)"
                )));
            }
        }
    }
    Ok(found)
}

/// `GET /anchors/{hash}[?anchoredTo=BLOCK_ID]`: the first anchoring of the hash, with its
/// receipt once confirmed, anchored to the given key block or by default the latest one
/// (docs/receipts.md); `unconfirmed` while only the pool holds it; 404 if unknown.
pub async fn anchor<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(hash): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let value = decode_hash(&hash)?;
    let anchored_to = anchored_to_param(query.as_deref())?;
    st.read(|view| {
        let to = anchored_to_height(view, anchored_to.as_deref())?;
        anchor_status(view, &value, to)?
            .map(Json)
            .ok_or(ApiError::AnchorNotFound)
    })
}

/// The body of `POST /anchors/receipts`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReceiptsRequest {
    hashes: Vec<String>,
    #[serde(default)]
    anchored_to: Option<String>,
}

/// `POST /anchors/receipts` with `{"hashes": [...], "anchoredTo"?: BLOCK_ID}` (at most
/// [`MAX_RECEIPTS_PER_CALL`] hashes): `{"anchoredTo": id, "height": h, "anchors": [...]}`,
/// one entry per hash in order, as `GET /anchors/{hash}` answers it, or
/// `{"anchor", "status": "unknown"}`; all read from one snapshot and anchored to one block.
pub async fn receipts<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let v = json_body(body)?;
    let req = ReceiptsRequest::deserialize(&v).map_err(|e| ApiError::WrongJson(e.to_string()))?;
    if req.hashes.len() > MAX_RECEIPTS_PER_CALL {
        return Err(ApiError::TooBig {
            what: "hashes",
            max: MAX_RECEIPTS_PER_CALL as u64,
        });
    }
    let values = req
        .hashes
        .iter()
        .map(|h| decode_hash(h))
        .collect::<Result<Vec<_>, _>>()?;
    st.read(|view| {
        let to = anchored_to_height(view, req.anchored_to.as_deref())?;
        let block = view
            .chain
            .header_at(to)?
            .ok_or(ApiError::BlockNotFound(to.0.to_string()))?;
        let mut out = Vec::with_capacity(values.len());
        for value in &values {
            out.push(
                anchor_status(view, value, to)?
                    .unwrap_or_else(|| json!({"anchor": hex::encode(value), "status": "unknown"})),
            );
        }
        Ok(Json(json!({
            "anchoredTo": block.id().to_base58(),
            "height": to.0,
            "anchors": out,
        })))
    })
}

/// `POST /anchors/verify`: checks a receipt (its canonical JSON) against this node's chain:
/// the block it is anchored to must be one of this node's key blocks. Answers
/// `{"valid": true, ...}` or `{"valid": false, "part", "reason"}`; only a body that is not
/// JSON is a 400.
pub async fn verify<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let v = json_body(body)?;
    let receipt = match AnchorReceipt::from_json(&v) {
        Ok(r) => r,
        Err(e) => return Ok(Json(refusal(&e))),
    };
    let block = receipt.block_header();
    let ours = st.read(|view| Ok(view.chain.header_at(block.height)?))?;
    let Some(ours) = ours else {
        return Ok(Json(json!({
            "valid": false,
            "part": "trusted block",
            "reason": format!("this node has no key block at height {} yet", block.height.0),
        })));
    };
    Ok(Json(match receipt.verify(&ours.id()) {
        Ok(ok) => verdict(&ok),
        Err(e) => refusal(&e),
    }))
}

/// The JSON of a valid receipt's verdict.
pub fn verdict(ok: &VerifiedReceipt) -> Value {
    json!({
        "valid": true,
        "anchor": hex::encode(&ok.anchor),
        "txId": ok.tx_id.to_base58(),
        "height": ok.height.0,
        "position": ok.position,
        "anchorCount": ok.anchor_count,
        "blockId": ok.block_id.to_base58(),
    })
}

/// The JSON of a refused receipt's verdict.
pub fn refusal(e: &ReceiptError) -> Value {
    json!({"valid": false, "part": e.part(), "reason": e.to_string()})
}

fn chainpoint(target: &[u8], tx_id: &TxId, height: Height, position: u32) -> Value {
    json!({"chainpoint": {
        "@context": "https://w3id.org/chainpoint/v2",
        "type": "ChainpointSHA256v2",
        "targetHash": hex::encode(target),
        "anchors": [{"type": "LTODataTransaction", "sourceId": tx_id.to_base58()}],
        "block": {"height": height.0},
        "transaction": {"position": position},
    }})
}

/// `GET /index/hash/{hash}`: LTO's indexer answer for the first anchoring of the hash, or 404
/// `{"chainpoint": null}`.
pub async fn index_hash<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let value = decode_hash(&hash)?;
    let entries = st.read(|svc| Ok(svc.chain.anchor(&value)?))?;
    Ok(match entries.first() {
        Some(e) => Json(chainpoint(&value, &e.tx_id, e.height, e.position)).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"chainpoint": null}))).into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_decode_as_hex_then_base58() {
        assert_eq!(decode_hash("00ff").unwrap(), vec![0, 255]);
        // Odd length: Base58.
        assert_eq!(
            decode_hash("2g").unwrap(),
            bs58::decode("2g").into_vec().unwrap()
        );
        assert!(matches!(decode_hash("0OIl"), Err(ApiError::BadArgument(_))));
        let long = "ab".repeat(256);
        assert!(matches!(decode_hash(&long), Err(ApiError::BadArgument(_))));
    }
}
