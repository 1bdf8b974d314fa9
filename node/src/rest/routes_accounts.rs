//! Routes over the per-account records of the newer transaction types (LTO's node):
//! `/addresses/data/*` (data entries), `/sponsorship/status/{address}`,
//! `/certificates/{address}` (and its raw DER), and `/addresses/registered/{address}` (this
//! node's: the keys an account listed in register transactions).

use super::{ApiError, RestState, parse_address};
use crate::service::wall_clock;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use ltonode_ledger::state::StateView;
use ltonode_ledger::tx::json::{certificate_pem, data_list_json};
use ltonode_ledger::{Address, ChainId, Snapshots, Store};
use serde_json::{Value, json};

/// `GET /addresses/data/{address}`: every data entry of the address, sorted by key.
pub async fn data<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let entries = st.read(|svc| Ok(svc.chain.data_entries(&a)?))?;
    Ok(Json(data_list_json(&entries)))
}

/// `GET /addresses/data/{address}/{key}`: one data entry; 404 (code 304) when unset.
pub async fn data_key<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path((address, key)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let entry = st.read(|svc| Ok(svc.chain.data_entry(&a, &key)?))?;
    let entry = entry.ok_or(ApiError::DataKeyNotFound)?;
    let list = data_list_json(std::slice::from_ref(&entry));
    Ok(Json(list.get(0).cloned().unwrap_or(Value::Null)))
}

/// `GET /sponsorship/status/{address}`: the accounts sponsoring the address, newest first
/// (LTO's field name `sponsor` holds the list).
pub async fn sponsorship<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let sponsors = st.read(|svc| Ok(svc.chain.sponsors(&a)?))?;
    let list: Vec<String> = sponsors.iter().map(Address::to_base58).collect();
    Ok(Json(json!({ "sponsor": list })))
}

/// `GET /certificates/{address}`: the account's X.509 certificate with its subject, issuer,
/// validity and status. The node keeps no trust store, so a certificate inside its validity
/// period is `untrusted` (LTO checks it against the JVM's CAs), outside it `expired`.
pub async fn certificate<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let der = st.read(|svc| Ok(svc.chain.certificate(&a)?))?;
    let der = der.ok_or(ApiError::CertificateNotFound)?;
    Ok(Json(certificate_json(&der, wall_clock().0)))
}

/// `GET /certificates/{address}/raw` (and `/certificates/raw/{address}`): the DER bytes.
pub async fn certificate_raw<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Response, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let der = st.read(|svc| Ok(svc.chain.certificate(&a)?))?;
    let der = der.ok_or(ApiError::CertificateNotFound)?;
    Ok(([(header::CONTENT_TYPE, "application/pkix-cert")], der).into_response())
}

/// The JSON of a stored certificate at time `now_ms`.
pub fn certificate_json(der: &[u8], now_ms: u64) -> Value {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let pem = certificate_pem(der);
    match X509Certificate::from_der(der) {
        Ok((_, cert)) => {
            let ms = |t: i64| t.saturating_mul(1000);
            let not_before = ms(cert.validity().not_before.timestamp());
            let not_after = ms(cert.validity().not_after.timestamp());
            let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
            let status = if now < not_before || now > not_after {
                "expired"
            } else {
                "untrusted"
            };
            json!({
                "subject": cert.subject().to_string(),
                "issuer": cert.issuer().to_string(),
                "notBefore": not_before,
                "notAfter": not_after,
                "status": status,
                "certificate": pem,
            })
        }
        // Validation parsed it before it was stored; answer what is there.
        Err(_) => json!({"status": "invalid", "certificate": pem}),
    }
}

/// `GET /addresses/registered/{address}`: the keys the address listed in register
/// transactions, each with its type, Base58 key, the address it has on this chain and the
/// registering transaction.
pub async fn registered<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = parse_address(st.params(), &address)?;
    let chain_id: ChainId = st.params().chain_id;
    let keys = st.read(|svc| Ok(svc.chain.registered_keys(&a)?))?;
    let list: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "keyType": k.key.key_type.name(),
                "publicKey": bs58::encode(&k.key.public_key).into_string(),
                "address": Address::from_key_bytes(chain_id, &k.key.public_key).to_base58(),
                "txId": k.tx_id.to_base58(),
            })
        })
        .collect();
    Ok(Json(json!({"address": a.to_base58(), "keys": list})))
}
