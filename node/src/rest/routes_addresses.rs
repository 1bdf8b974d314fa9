//! `/addresses/*`, `/leasing/active/{address}` and `/associations/status/{address}`:
//! balances, leases and associations of one address (LTO's node).

use super::{ApiError, RestState, parse_address};
use axum::Json;
use axum::extract::{Path, State};
use ltonode_ledger::Snapshots;
use ltonode_ledger::state::{Association, AssociationKey, Lease, StateView};
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::tx::json::{data_list_json, to_json};
use ltonode_ledger::{Address, Store};
use serde_json::{Value, json};

/// `GET /addresses/balance/{address}`: the regular balance.
pub async fn balance<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let regular = st.read(|svc| Ok(svc.chain.account(&a)?.regular))?;
    Ok(Json(
        json!({"address": a.to_base58(), "confirmations": 0, "balance": regular}),
    ))
}

/// `GET /addresses/balance/details/{address}`: regular, available, leasing, unbonding,
/// effective and generating (over the chain's generating-balance depth).
pub async fn balance_details<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let depth = st.params().gen_depth;
    let d = st.read(|svc| Ok(svc.chain.balance_details(&a, depth)?))?;
    Ok(Json(json!({
        "address": a.to_base58(),
        "regular": d.regular,
        "available": d.available,
        "leasing": d.leasing,
        "unbonding": d.unbonding,
        "effective": d.effective,
        "generating": d.generating,
    })))
}

/// `GET /addresses/effectiveBalance/{address}`: regular + leased in − leased out.
pub async fn effective_balance<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let effective = st.read(|svc| Ok(svc.chain.account(&a)?.effective()))?;
    Ok(Json(
        json!({"address": a.to_base58(), "confirmations": 0, "balance": effective}),
    ))
}

/// `GET /addresses/validate/{address}`: whether the text is an address of this chain.
pub async fn validate<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Json<Value> {
    let valid = Address::parse_for(st.params().chain_id, &address).is_ok();
    Json(json!({"address": address, "valid": valid}))
}

fn lease_json<S: Store>(
    chain: &ltonode_ledger::chain::Chain<S>,
    lease: &Lease,
) -> Result<Value, ApiError> {
    Ok(match chain.transaction(&lease.id)? {
        Some((tx, h)) => {
            let mut v = to_json(&tx);
            v["height"] = json!(h.0);
            v
        }
        // The transaction is always kept with its lease; answer from the record if not.
        None => json!({
            "type": 8,
            "id": lease.id.to_base58(),
            "sender": lease.sender.to_base58(),
            "recipient": lease.recipient.to_base58(),
            "amount": lease.amount,
            "height": lease.height.0,
        }),
    })
}

/// `GET /leasing/active/{address}`: the active leases made by and to the address, each as its
/// lease transaction's JSON with `height`.
pub async fn active_leases<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let list = st.read(|svc| {
        let chain = &svc.chain;
        let mut leases = chain.leases_out(&a)?;
        leases.extend(chain.leases_in(&a)?);
        leases
            .iter()
            .filter(|l| l.is_active())
            .map(|l| lease_json(chain, l))
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok(Json(Value::Array(list)))
}

/// One association as `/associations/status` lists it.
pub fn association_json(key: &AssociationKey, a: &Association) -> Value {
    let subject = if key.subject.is_empty() {
        Value::Null
    } else {
        json!(bs58::encode(&key.subject).into_string())
    };
    let mut v = json!({
        "sender": key.issuer.to_base58(),
        "recipient": key.recipient.to_base58(),
        "type": key.association_type,
        "associationType": key.association_type,
        "subject": subject,
        "timestamp": a.timestamp.0,
        "expires": a.expires.map(|e| e.0),
        "issueHeight": a.height.0,
        "id": a.tx_id.to_base58(),
    });
    if let Some(h) = a.revoked {
        v["revokeHeight"] = json!(h.0);
    }
    v
}

/// `GET /associations/status/{address}`: associations issued by the address (`outgoing`)
/// and to it (`incoming`).
pub async fn associations<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let (out, inc) = st.read(|svc| {
        // Each item carries the data entries of the transaction that issued it (v4).
        let with_data = |l: Vec<(AssociationKey, Association)>| -> Result<Vec<Value>, ApiError> {
            l.iter()
                .map(|(k, v)| {
                    let mut j = association_json(k, v);
                    let data = match svc.chain.transaction(&v.tx_id)? {
                        Some((tx, _)) => match &tx.body {
                            TxBody::IssueAssociation { data, .. } => data_list_json(data),
                            _ => json!([]),
                        },
                        None => json!([]),
                    };
                    j["data"] = data;
                    Ok(j)
                })
                .collect()
        };
        Ok((
            with_data(svc.chain.associations_out(&a)?)?,
            with_data(svc.chain.associations_in(&a)?)?,
        ))
    })?;
    let list = |l: &[Value]| -> Vec<Value> { l.to_vec() };
    Ok(Json(json!({
        "address": a.to_base58(),
        "outgoing": list(&out),
        "incoming": list(&inc),
    })))
}
