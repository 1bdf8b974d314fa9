//! Anchor routes (docs/architecture.md, what operators ask for): where a hash is anchored
//! and its receipt, receipt verification against this node's headers, and LTO's indexer
//! lookup `GET /index/hash/{hash}` (LTO's node).
//!
//! A hash in a path is hex when it is even-length hex, Base58 otherwise. An anchor is
//! `pre-approved` while only a micro block holds it, `confirmed` (with a receipt) once the
//! next key block commits its block's anchor roots.

use super::{ApiError, RestState, json_body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ltonode_ledger::Snapshots;
use ltonode_ledger::Store;
use ltonode_ledger::block::anchor_leaves;
use ltonode_ledger::receipt::AnchorReceipt;
use ltonode_ledger::{Height, TxId};
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

/// `GET /anchors/{hash}`: the first anchoring of the hash, with its receipt once confirmed;
/// `unconfirmed` while only the pool holds it; 404 if unknown.
pub async fn anchor<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(hash): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let value = decode_hash(&hash)?;
    let (entries, pending) = st.read(|svc| {
        let entries = svc.chain.anchor(&value)?;
        let pending = if entries.is_empty() {
            svc.pool
                .iter()
                .find(|tx| anchor_leaves(tx).contains(&value))
                .map(|tx| tx.id())
        } else {
            None
        };
        Ok((entries, pending))
    })?;
    let anchor = hex::encode(&value);
    let Some(first) = entries.first() else {
        let id = pending.ok_or(ApiError::AnchorNotFound)?;
        return Ok(Json(
            json!({"anchor": anchor, "status": "unconfirmed", "txId": id.to_base58()}),
        ));
    };
    let mut v = json!({
        "anchor": anchor,
        "height": first.height.0,
        "txId": first.tx_id.to_base58(),
        "position": first.position,
    });
    match &first.receipt {
        Some(r) => {
            v["status"] = json!("confirmed");
            v["receipt"] = r.to_json();
        }
        None => v["status"] = json!("pre-approved"),
    }
    Ok(Json(v))
}

/// `POST /anchors/verify`: checks a receipt (its canonical JSON) against this node's key
/// block at the receipt's height + 1. Answers `{"valid": true, ...}` or
/// `{"valid": false, "reason"}`; only a body that is not JSON is a 400.
pub async fn verify<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let v = json_body(body)?;
    let receipt = match AnchorReceipt::from_json(&v) {
        Ok(r) => r,
        Err(e) => return Ok(Json(json!({"valid": false, "reason": e.to_string()}))),
    };
    let Some(at) = receipt.height.next() else {
        return Ok(Json(
            json!({"valid": false, "reason": "height out of range"}),
        ));
    };
    let trusted = st.read(|svc| Ok(svc.chain.header_at(at)?))?;
    let Some(trusted) = trusted else {
        return Ok(Json(json!({
            "valid": false,
            "reason": format!("this node has no key block at height {} yet", at.0),
        })));
    };
    Ok(Json(match receipt.verify(&trusted) {
        Ok(()) => json!({
            "valid": true,
            "anchor": hex::encode(&receipt.anchor),
            "txId": receipt.tx_id.to_base58(),
            "height": receipt.height.0,
            "headerId": trusted.id().to_base58(),
        }),
        Err(e) => json!({"valid": false, "reason": e.to_string()}),
    }))
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
