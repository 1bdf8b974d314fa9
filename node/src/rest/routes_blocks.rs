//! `/blocks/*` and `/consensus/*`: key blocks with their kept micro blocks' transactions, and
//! the consensus values of the tip (LTO's node).
//!
//! A block's JSON uses LTO's keys where they apply (`reference` is the parent's total id,
//! `id` the key block id) and adds this chain's commitments about the block before it:
//! `txRoot`, `anchorRootSha256`, `anchorRootBlake2b` and `summaryHash`, in hex.

use super::{ApiError, RestState, parse_address, parse_number};
use axum::Json;
use axum::extract::{Path, State};
use ltonode_consensus::ChainParams;
use ltonode_ledger::Snapshots;
use ltonode_ledger::block::BlockId;
use ltonode_ledger::chain::Chain;
use ltonode_ledger::tx::json::to_json;
use ltonode_ledger::{Address, Height, Store};
use serde_json::{Value, json};

/// LTO's largest range of `/blocks/seq`.
pub const MAX_SEQ: u32 = 100;

/// The block at `h` as JSON, with its transactions if `with_txs`, or `None` if there is none.
pub fn block_json<S: Store>(
    chain: &Chain<S>,
    params: &ChainParams,
    h: Height,
    with_txs: bool,
) -> Result<Option<Value>, ApiError> {
    let Some(header) = chain.header_at(h)? else {
        return Ok(None);
    };
    let micros = chain.block_micro_blocks(h)?;
    let txs: Vec<_> = micros.iter().flat_map(|m| &m.transactions).collect();
    let fee = txs.iter().fold(0u64, |sum, t| sum.saturating_add(t.fee.0));
    let c = &header.commitments;
    let mut v = json!({
        "version": header.version,
        "timestamp": header.timestamp.0,
        "reference": header.parent.to_base58(),
        "height": h.0,
        "id": header.id().to_base58(),
        "generator": Address::from_public_key(params.chain_id, &header.generator).to_base58(),
        "generatorPublicKey": header.generator.to_base58(),
        "signature": header.signature.to_base58(),
        "baseTarget": header.base_target,
        "vrfProof": bs58::encode(&header.vrf_proof).into_string(),
        "transactionCount": txs.len(),
        "microBlockCount": micros.len(),
        "fee": fee,
        "txRoot": hex::encode(c.tx_root),
        "anchorRootSha256": hex::encode(c.anchors.sha256),
        "anchorRootBlake2b": hex::encode(c.anchors.blake2b),
        "summaryHash": hex::encode(c.summary_hash),
        "historyRoot": hex::encode(c.history_root),
        "headerBytes": hex::encode(header.to_bytes()),
    });
    if with_txs {
        v["transactions"] = Value::Array(txs.into_iter().map(to_json).collect());
    }
    Ok(Some(v))
}

fn one_block<'s, S: Store + Clone + Snapshots + 'static>(
    st: &'s RestState<S>,
    at: impl FnOnce(&Chain<S::Snapshot<'s>>) -> Result<Option<Height>, ApiError>,
    with_txs: bool,
    what: &str,
) -> Result<Json<Value>, ApiError> {
    let block = st.read(|svc| match at(&svc.chain)? {
        Some(h) => block_json(&svc.chain, st.params(), h, with_txs),
        None => Ok(None),
    })?;
    block
        .map(Json)
        .ok_or_else(|| ApiError::BlockNotFound(what.to_owned()))
}

fn parse_height(s: &str) -> Result<Height, ApiError> {
    parse_number::<u32>("height", s).map(Height)
}

/// `GET /blocks/height`.
pub async fn height<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let h = st.read(|svc| Ok(svc.chain.height()))?;
    Ok(Json(json!({"height": h.0})))
}

/// `GET /blocks/last`.
pub async fn last<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    one_block(&st, |c| Ok(Some(c.height())), true, "last")
}

/// `GET /blocks/first`.
pub async fn first<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    one_block(&st, |_| Ok(Some(Height(1))), true, "1")
}

/// `GET /blocks/at/{height}`.
pub async fn at<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(height): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let h = parse_height(&height)?;
    one_block(&st, |_| Ok(Some(h)), true, &height)
}

/// `GET /blocks/signature/{id}`: the block with this key block id (or total id).
pub async fn by_id<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let block_id = BlockId::from_base58(&id)
        .ok_or_else(|| ApiError::BadArgument(format!("invalid block id {id:?}")))?;
    one_block(&st, |c| Ok(c.locate(&block_id)?.map(|(h, _)| h)), true, &id)
}

/// `GET /blocks/headers/last`.
pub async fn headers_last<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    one_block(&st, |c| Ok(Some(c.height())), false, "last")
}

/// `GET /blocks/headers/at/{height}`.
pub async fn headers_at<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(height): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let h = parse_height(&height)?;
    one_block(&st, |_| Ok(Some(h)), false, &height)
}

fn sequence<S: Store + Clone + Snapshots + 'static>(
    st: &RestState<S>,
    from: &str,
    to: &str,
    with_txs: bool,
) -> Result<Json<Value>, ApiError> {
    let (from, to) = (parse_height(from)?, parse_height(to)?);
    if from.0 > to.0 {
        return Err(ApiError::BadArgument(format!(
            "from {} is above to {}",
            from.0, to.0
        )));
    }
    if to.0 - from.0 >= MAX_SEQ {
        return Err(ApiError::TooBig {
            what: "a block range",
            max: u64::from(MAX_SEQ),
        });
    }
    let blocks = st.read(|svc| {
        let top = to.0.min(svc.chain.height().0);
        (from.0.max(1)..=top)
            .filter_map(|h| block_json(&svc.chain, st.params(), Height(h), with_txs).transpose())
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok(Json(Value::Array(blocks)))
}

/// `GET /blocks/seq/{from}/{to}` (at most [`MAX_SEQ`] blocks).
pub async fn seq<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path((from, to)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    sequence(&st, &from, &to, true)
}

/// `GET /blocks/headers/seq/{from}/{to}`.
pub async fn headers_seq<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path((from, to)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    sequence(&st, &from, &to, false)
}

/// `GET /consensus/generatingbalance/{address}`: the lowest effective balance over the
/// chain's generating-balance depth.
pub async fn generating_balance<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let depth = st.params().gen_depth;
    let balance = st.read(|svc| {
        Ok(svc
            .chain
            .generating_balance(&a, svc.chain.height(), depth)?)
    })?;
    Ok(Json(json!({"address": a.to_base58(), "balance": balance})))
}

/// `GET /consensus/basetarget`: the tip's base target and the chain score (a decimal string,
/// as it exceeds 64 bits).
pub async fn base_target<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let (bt, score) = st.read(|svc| {
        let tip = svc
            .snapshot
            .tip
            .as_ref()
            .ok_or_else(|| ApiError::Unavailable("the chain has no genesis".into()))?;
        Ok((tip.header.base_target, svc.snapshot.score.0))
    })?;
    Ok(Json(json!({"baseTarget": bt, "score": score.to_string()})))
}

/// `GET /consensus/algo`.
pub async fn algo() -> Json<Value> {
    Json(json!({"consensusAlgo": "Fair Proof-of-Stake (FairPoS)"}))
}

/// Most headers one export returns.
pub const MAX_EXPORT: u32 = 100_000;

/// `GET /blocks/headers/export?from=&to=`: key-block headers as raw bytes (hex) with the ids
/// of the micro blocks each block kept, so an offline verifier can check the chain's
/// signatures and NG linkage and then anchor receipts against it (`ltonode verify-receipt
/// FILE --headers EXPORT`). Defaults to the whole chain; at most [`MAX_EXPORT`] per call.
pub async fn headers_export<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Json<Value>, ApiError> {
    let raw = raw.unwrap_or_default();
    let num = |k: &str| -> Result<Option<u32>, ApiError> {
        raw.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(key, _)| *key == k)
            .map(|(_, v)| {
                v.parse()
                    .map_err(|_| ApiError::InvalidNumber(v.to_string()))
            })
            .transpose()
    };
    let from = num("from")?.unwrap_or(1).max(1);
    st.read(|svc| {
        let tip = svc.chain.height().0;
        let to = num("to")?.unwrap_or(tip).min(tip);
        if to >= from && to - from >= MAX_EXPORT {
            return Err(ApiError::TooBig {
                what: "headers per export",
                max: u64::from(MAX_EXPORT),
            });
        }
        let mut headers = Vec::new();
        for h in from..=to {
            let Some(header) = svc.chain.header_at(Height(h))? else {
                break;
            };
            let micro_ids: Vec<String> = svc
                .chain
                .micro_ids(Height(h))?
                .iter()
                .map(|i| i.to_base58())
                .collect();
            headers.push(json!({
                "height": h,
                "header": hex::encode(header.to_bytes()),
                "microIds": micro_ids,
            }));
        }
        Ok(Json(json!({
            "chainId": (st.params().chain_id.0 as char).to_string(),
            "headers": headers,
        })))
    })
}
