//! The rest of the routes LTO's public node serves and operators' scripts call: balances with
//! confirmations and their history, script info, addresses of public keys, signature checks,
//! blocks by id (height, child, delay, by generator), consensus values of a block, feature
//! activation, the supply, the node's clock and hashes, and the indexer's `/hash` routes.
//! Same JSON and errors as LTO's node.

use super::routes_blocks::block_json;
use super::{ApiError, RestState, json_body, parse_address, parse_number};
use crate::service::wall_clock;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use ltonode_consensus::vrf::{VrfProof, hit_source, proof_to_hash};
use ltonode_ledger::block::{BlockId, KeyBlockHeader};
use ltonode_ledger::chain::{BalanceKind, Chain};
use ltonode_ledger::state::StateView;
use ltonode_ledger::{Address, Height, PublicKey, Signature, Snapshots, Store};
use serde_json::{Value, json};

/// LTO's most blocks per range request.
pub const MAX_BLOCKS: u32 = 100;
/// Entries of `/addresses/balance/history` at most.
pub const MAX_HISTORY: usize = 1000;

fn confirmations(s: &str) -> Result<u32, ApiError> {
    parse_number::<u32>("confirmations", s)
}

fn balance_with_confirmations<S: Store + Clone + Snapshots + 'static>(
    st: &RestState<S>,
    address: &str,
    conf: &str,
    kind: BalanceKind,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), address)?;
    let conf = confirmations(conf)?;
    let balance = st.read(|svc| {
        let chain = &svc.chain;
        if conf == 0 {
            let acc = chain.account(&a)?;
            return Ok(match kind {
                BalanceKind::Regular => acc.regular,
                BalanceKind::Effective => acc.effective(),
            });
        }
        Ok(chain.lowest_balance(&a, chain.height(), conf, kind)?)
    })?;
    Ok(Json(
        json!({"address": a.to_base58(), "confirmations": conf, "balance": balance}),
    ))
}

/// `GET /addresses/balance/{address}/{confirmations}`: the lowest regular balance over the
/// last `confirmations` blocks (0: now).
pub async fn balance_confirmed<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path((address, conf)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    balance_with_confirmations(&st, &address, &conf, BalanceKind::Regular)
}

/// `GET /addresses/effectiveBalance/{address}/{confirmations}`.
pub async fn effective_confirmed<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path((address, conf)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    balance_with_confirmations(&st, &address, &conf, BalanceKind::Effective)
}

/// `GET /addresses/balance/history/{address}`: `[{height, balance}]`, newest first.
pub async fn balance_history<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let history = st.read(|svc| Ok(svc.chain.balance_history(&a, MAX_HISTORY)?))?;
    Ok(Json(Value::Array(
        history
            .into_iter()
            .map(|(h, b)| json!({"height": h.0, "balance": b}))
            .collect(),
    )))
}

/// `GET /addresses/scriptInfo/{address}`: the account script, if any (base64 and its text).
pub async fn script_info<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    use base64::Engine;
    let a = parse_address(st.params(), &address)?;
    let script = st.read(|svc| {
        svc.chain
            .script(&a)
            .map_err(|e| ApiError::Internal(e.to_string()))
    })?;
    let mut v = json!({"address": a.to_base58(), "complexity": 0, "extraFee": 0});
    if let Some(bytes) = script {
        v["script"] = json!(format!(
            "base64:{}",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        ));
        // The predicate's source and its cost estimate; bytes that do not decode (none
        // reach the state: set script checks them) get neither.
        if let Ok(script) = ltonode_ledger::script::Script::decode(&bytes) {
            v["scriptText"] = json!(script.to_string());
            v["complexity"] = json!(script.complexity());
        }
    }
    Ok(Json(v))
}

/// `GET /addresses/publicKey/{publicKey}`: the address of a public key.
pub async fn address_of_key<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let pk = PublicKey::from_base58(&key).map_err(|e| ApiError::InvalidPublicKey(e.to_string()))?;
    let a = Address::from_public_key(st.params().chain_id, &pk);
    Ok(Json(json!({"address": a.to_base58()})))
}

fn verify_signed(
    st_chain: ltonode_ledger::ChainId,
    address: &str,
    body: Result<Bytes, BytesRejection>,
    text: bool,
) -> Result<Json<Value>, ApiError> {
    let a = Address::parse_for(st_chain, address)
        .map_err(|e| ApiError::InvalidAddress(e.to_string()))?;
    let request = json_body(body)?;
    let field = |name: &str| {
        request.get(name).and_then(Value::as_str).ok_or_else(|| {
            ApiError::WrongJson(format!("failed to parse json message: {name} is missing"))
        })
    };
    let (message, signature, key) = (field("message")?, field("signature")?, field("publickey")?);
    let decode = |what: &str, s: &str| {
        bs58::decode(s)
            .into_vec()
            .map_err(|e| ApiError::InvalidMessage(format!("{what}: {e}")))
    };
    let message = if text {
        message.as_bytes().to_vec()
    } else {
        decode("message", message)?
    };
    let signature = decode("signature", signature)?;
    let key = decode("publickey", key)?;
    let valid = (|| {
        let pk = PublicKey(<[u8; 32]>::try_from(key.as_slice()).ok()?);
        let sig = Signature(<[u8; 64]>::try_from(signature.as_slice()).ok()?);
        if Address::from_public_key(st_chain, &pk) != a {
            return Some(false);
        }
        Some(pk.verify(&message, &sig).is_ok())
    })()
    .unwrap_or(false);
    Ok(Json(json!({"valid": valid})))
}

/// `POST /addresses/verify/{address}`: `{message, signature, publickey}` (Base58): whether
/// the key is the address's and signed the message.
pub async fn verify<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    verify_signed(st.params().chain_id, &address, body, false)
}

/// `POST /addresses/verifyText/{address}`: as `verify`, with `message` as text.
pub async fn verify_text<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    verify_signed(st.params().chain_id, &address, body, true)
}

fn parse_block_id(s: &str) -> Result<BlockId, ApiError> {
    if s.len() > 88 {
        return Err(ApiError::InvalidSignature(format!(
            "{} characters",
            s.len()
        )));
    }
    BlockId::from_base58(s).ok_or_else(|| ApiError::InvalidSignature(format!("{s:?}")))
}

/// The height and header of the block with this id (its key block id or a total id).
fn locate_block<S: Store>(
    chain: &Chain<S>,
    id: &BlockId,
) -> Result<(Height, KeyBlockHeader), ApiError> {
    let (h, _) = chain
        .locate(id)?
        .ok_or_else(|| ApiError::BlockNotFound(id.to_base58()))?;
    let header = chain
        .header_at(h)?
        .ok_or_else(|| ApiError::BlockNotFound(id.to_base58()))?;
    Ok((h, header))
}

/// `GET /blocks/height/{id}`.
pub async fn height_of<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_block_id(&id)?;
    let h = st.read(|svc| Ok(locate_block(&svc.chain, &id)?.0))?;
    Ok(Json(json!({"height": h.0})))
}

/// `GET /blocks/child/{id}`: the next block, or LTO's `{"status": "error"}` when none.
pub async fn child<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_block_id(&id)?;
    let params = st.params().clone();
    let block = st.read(|svc| {
        let (h, _) = locate_block(&svc.chain, &id)?;
        block_json(&svc.chain, &params, Height(h.0.saturating_add(1)), true)
    })?;
    Ok(Json(block.unwrap_or_else(
        || json!({"status": "error", "details": "No child blocks"}),
    )))
}

/// `GET /blocks/delay/{id}/{n}`: the mean time between the `n` blocks before this one (ms).
pub async fn delay<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path((id, n)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_block_id(&id)?;
    let n = parse_number::<u32>("blockNum", &n)?;
    let delay = st.read(|svc| {
        let (h, header) = locate_block(&svc.chain, &id)?;
        if n == 0 || n >= h.0 {
            return Err(ApiError::BadArgument(format!(
                "blockNum must be between 1 and {}",
                h.0.saturating_sub(1)
            )));
        }
        let base = svc
            .chain
            .header_at(Height(h.0 - n))?
            .ok_or_else(|| ApiError::BlockNotFound(format!("{}", h.0 - n)))?;
        Ok(header.timestamp.0.saturating_sub(base.timestamp.0) / u64::from(n))
    })?;
    Ok(Json(json!({"delay": delay})))
}

/// `GET /blocks/address/{address}/{from}/{to}`: blocks of that generator (at most 100
/// heights).
pub async fn by_generator<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path((address, from, to)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let from = parse_number::<u32>("from", &from)?;
    let to = parse_number::<u32>("to", &to)?;
    if to < from || to - from >= MAX_BLOCKS {
        return Err(ApiError::TooBig {
            what: "blocks per request",
            max: u64::from(MAX_BLOCKS),
        });
    }
    let params = st.params().clone();
    let blocks = st.read(|svc| {
        let mut out = Vec::new();
        for h in from.max(1)..=to.min(svc.chain.height().0) {
            let Some(header) = svc.chain.header_at(Height(h))? else {
                break;
            };
            if Address::from_public_key(params.chain_id, &header.generator) == a
                && let Some(b) = block_json(&svc.chain, &params, Height(h), true)?
            {
                out.push(b);
            }
        }
        Ok(out)
    })?;
    Ok(Json(Value::Array(blocks)))
}

/// `GET /consensus/basetarget/{id}`.
pub async fn base_target_of<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_block_id(&id)?;
    let bt = st.read(|svc| Ok(locate_block(&svc.chain, &id)?.1.base_target))?;
    Ok(Json(json!({"baseTarget": bt})))
}

fn generation_signature(header: &KeyBlockHeader) -> Result<String, ApiError> {
    // This chain's generation signature is the VRF's: the hit source of the proof's output.
    let out = proof_to_hash(&VrfProof(header.vrf_proof))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(bs58::encode(hit_source(&out)).into_string())
}

/// `GET /consensus/generationsignature`: the tip's.
pub async fn generation_signature_last<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let header = st.read(|svc| {
        let tip = svc
            .chain
            .tip()
            .ok_or_else(|| ApiError::Unavailable("the chain has no genesis".into()))?;
        Ok(tip.header.clone())
    })?;
    Ok(Json(
        json!({"generationSignature": generation_signature(&header)?}),
    ))
}

/// `GET /consensus/generationsignature/{id}`.
pub async fn generation_signature_of<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_block_id(&id)?;
    let header = st.read(|svc| Ok(locate_block(&svc.chain, &id)?.1))?;
    Ok(Json(
        json!({"generationSignature": generation_signature(&header)?}),
    ))
}

/// `GET /activation/status`: this chain has no feature voting; every rule it has is in force
/// from the genesis block, so the list is empty. The voting window is the summary period.
pub async fn activation_status<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let p = st.params().summary_period.max(1);
    let h = st.reader().snapshot().height().0;
    let next = (h / p).saturating_add(1).saturating_mul(p);
    Ok(Json(json!({
        "height": h,
        "votingInterval": p,
        "votingThreshold": p.saturating_mul(4) / 5,
        "nextCheck": next,
        "features": [],
    })))
}

fn supply_json(height: u32, initial: u64, burned: u64) -> Value {
    json!({
        "height": height,
        "initial": initial,
        "burned": burned,
        "total": initial.saturating_sub(burned),
    })
}

/// `GET /supply`: the genesis supply, what burn transactions destroyed, and what is left
/// (fees are not burned on this chain: they all go to the generators).
pub async fn supply<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let (h, initial, burned) = st.read(|svc| {
        let h = svc.snapshot.height();
        Ok((h.0, svc.snapshot.total_supply, svc.chain.burned_at(h)?))
    })?;
    Ok(Json(supply_json(h, initial, burned)))
}

/// `GET /supply/at/{height}`: as `/supply` at a height below the tip.
pub async fn supply_at<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(height): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let at = parse_number::<u32>("height", &height)?;
    let h = st.reader().snapshot().height().0;
    if at >= h {
        return Err(ApiError::BlockNotFound(format!("{at}")));
    }
    let burned = st.read(|svc| Ok(svc.chain.burned_at(ltonode_ledger::Height(at))?))?;
    Ok(Json(supply_json(
        at,
        st.reader().snapshot().total_supply,
        burned,
    )))
}

/// `GET /utils/time`: the node's clock (it has no NTP client: both are the system clock).
pub async fn time() -> Json<Value> {
    let now = wall_clock().0;
    Json(json!({"system": now, "NTP": now}))
}

fn hash_reply(body: &Bytes, hash: [u8; 32]) -> Json<Value> {
    Json(json!({
        "message": String::from_utf8_lossy(body),
        "hash": bs58::encode(hash).into_string(),
    }))
}

/// `POST /utils/hash/secure`: the body (raw text) under LTO's secure hash,
/// SHA-256(Blake2b-256(bytes)).
pub async fn hash_secure(body: Result<Bytes, BytesRejection>) -> Result<Json<Value>, ApiError> {
    let body = body.map_err(|e| ApiError::WrongJson(e.body_text()))?;
    Ok(hash_reply(&body, ltonode_ledger::secure_hash(&body)))
}

/// `POST /utils/hash/fast`: the body under Blake2b-256.
pub async fn hash_fast(body: Result<Bytes, BytesRejection>) -> Result<Json<Value>, ApiError> {
    let body = body.map_err(|e| ApiError::WrongJson(e.body_text()))?;
    Ok(hash_reply(&body, ltonode_ledger::blake2b256(&body)))
}

/// `GET /hash/{hash}`: the LTO indexer's route, answered as `/index/hash/{hash}`.
pub async fn indexer_hash<S: Store + Clone + Snapshots + 'static>(
    st: State<RestState<S>>,
    hash: Path<String>,
) -> Result<Response, ApiError> {
    super::routes_anchors::index_hash(st, hash).await
}

/// `GET /hash/{hash}/encoding/{encoding}`: the indexer's route with the hash's encoding
/// given (`hex`, `base58` or `base64`).
pub async fn indexer_hash_encoded<S: Store + Clone + Snapshots + 'static>(
    st: State<RestState<S>>,
    Path((hash, encoding)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    use base64::Engine;
    let bytes = match encoding.as_str() {
        "hex" => hex::decode(&hash).map_err(|e| ApiError::BadArgument(format!("hex: {e}")))?,
        "base58" => bs58::decode(&hash)
            .into_vec()
            .map_err(|e| ApiError::BadArgument(format!("base58: {e}")))?,
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(&hash)
            .map_err(|e| ApiError::BadArgument(format!("base64: {e}")))?,
        other => {
            return Err(ApiError::BadArgument(format!(
                "unknown encoding {other:?} (hex, base58 or base64)"
            )));
        }
    };
    Ok(
        super::routes_anchors::index_hash(st, Path(hex::encode(bytes)))
            .await?
            .into_response(),
    )
}
