//! A receipt's SHA-256 anchor path in the two standard forms (docs/receipts.md, "Standard
//! forms"), signed by this node's notary key: `GET /anchors/{hash}/tlog-proof` (C2SP
//! tlog-proof text), `GET /anchors/{hash}/cose` (a COSE receipt of inclusion), and
//! `GET /anchors/notary` (the key that signs them, as a signed-note verifier key).
//!
//! The forms say "this node saw this anchor in this block"; the JSON receipt of
//! `GET /anchors/{hash}` is the one that needs no trust in any node.

use super::routes_anchors::decode_hash;
use super::{ApiError, RestState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use ed25519_dalek::SigningKey;
use ltonode_ledger::receipt::AnchorReceipt;
use ltonode_ledger::transparency::{self, cose, tlog};
use ltonode_ledger::{ChainId, Snapshots, Store};
use serde_json::{Value, json};

/// The Ed25519 key this node signs the standard forms with, and its signed-note name.
pub struct Notary {
    key: SigningKey,
    key_name: String,
    network: String,
}

impl Notary {
    /// The notary of a node of chain `chain_id` with the 32-byte key seed `seed` (kept in the
    /// data directory). Its key name is `lto-anchors/<chain id>`, the prefix of the origin of
    /// every tree it signs.
    pub fn new(seed: [u8; 32], chain_id: ChainId) -> Notary {
        let network = chain_id.to_string();
        Notary {
            key: SigningKey::from_bytes(&seed),
            key_name: format!("lto-anchors/{network}"),
            network,
        }
    }

    /// The signed-note verifier key: `<name>+<key id hex>+<base64(0x01 ‖ public key)>`.
    pub fn verifier_key(&self) -> Result<String, ApiError> {
        transparency::verifier_key(&self.key_name, &self.key.verifying_key()).map_err(internal)
    }
}

fn internal(e: transparency::TransparencyError) -> ApiError {
    ApiError::Internal(format!("standard receipt form: {e}"))
}

fn notary<S: Store + Clone + Snapshots + 'static>(st: &RestState<S>) -> Result<&Notary, ApiError> {
    st.notary
        .as_deref()
        .ok_or_else(|| ApiError::Unavailable("this node has no notary key".into()))
}

/// The receipt of the first anchoring of `hash`, anchored to its committing key block; 404 if
/// unknown, a bad argument while the anchor is not yet confirmed.
fn committed_receipt<S: Store + Clone + Snapshots + 'static>(
    st: &RestState<S>,
    hash: &str,
) -> Result<AnchorReceipt, ApiError> {
    let value = decode_hash(hash)?;
    st.read(|view| {
        let entries = view.chain.anchor(&value)?;
        let first = entries.into_iter().next().ok_or(ApiError::AnchorNotFound)?;
        first.receipt.ok_or_else(|| {
            ApiError::BadArgument(format!(
                "the anchor in block {} is not confirmed yet: the next key block commits it",
                first.height.0
            ))
        })
    })
}

/// `GET /anchors/{hash}/tlog-proof`: the C2SP tlog-proof of the first anchoring of the hash,
/// whose checkpoint is its block's anchor tree (origin `lto-anchors/<chain>/<id of the
/// committing key block>`), signed by the notary key (`text/plain`).
pub async fn tlog_proof<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let n = notary(&st)?;
    let receipt = committed_receipt(&st, &hash)?;
    let origin = transparency::origin(&n.network, &receipt.header.id());
    let text = tlog::proof(&receipt, &origin, &n.key_name, &n.key).map_err(internal)?;
    Ok(([(CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// `GET /anchors/{hash}/cose`: the COSE receipt of inclusion (draft-ietf-cose-merkle-tree-
/// proofs, RFC9162_SHA256) of the first anchoring of the hash, signed by the notary key.
pub async fn cose_receipt<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let n = notary(&st)?;
    let receipt = committed_receipt(&st, &hash)?;
    let bytes = cose::receipt(&receipt, &n.key).map_err(internal)?;
    Ok((
        [(CONTENT_TYPE, "application/cose; cose-type=\"cose-sign1\"")],
        bytes,
    )
        .into_response())
}

/// `GET /anchors/notary`: the key that signs the standard forms:
/// `{"keyName", "publicKey" (base58), "verifierKey"}`.
pub async fn notary_key<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let n = notary(&st)?;
    Ok(Json(json!({
        "keyName": n.key_name,
        "publicKey": bs58::encode(n.key.verifying_key().as_bytes()).into_string(),
        "verifierKey": n.verifier_key()?,
    })))
}
