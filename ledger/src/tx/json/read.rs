//! Reading transaction JSON ([`from_json`]): LTO's field names and aliases, numbers as
//! integers or digit strings, binary values in Base58 or `base64:`.

use super::Obj;
use crate::address::{Address, ChainId};
use crate::keys::{AccountKey, KeyType, PublicKey};
use crate::tx::{DataEntry, DataValue, RegisteredKey, Transaction, TxBody, TxError, TxId, TxType};
use crate::units::{Amount, Timestamp};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

fn field<'a>(o: &'a Obj, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| o.get(*n))
        .filter(|v| !v.is_null())
}

fn bad(field: &'static str, reason: &str) -> TxError {
    TxError::BadField {
        field,
        reason: reason.to_string(),
    }
}

fn as_i64(v: &Value, name: &'static str) -> Result<i64, TxError> {
    match v {
        Value::Number(n) => n.as_i64().ok_or(TxError::OutOfRange { field: name }),
        Value::String(s) => s
            .parse::<i64>()
            .map_err(|_| bad(name, "expected an integer")),
        _ => Err(bad(name, "expected an integer")),
    }
}

fn req_i64(o: &Obj, names: &[&str], name: &'static str) -> Result<i64, TxError> {
    as_i64(field(o, names).ok_or(TxError::MissingField(name))?, name)
}

fn amount_of(v: i64, name: &'static str) -> Result<Amount, TxError> {
    Amount::from_i64(v).ok_or(TxError::Negative {
        field: name,
        value: v,
    })
}

fn req_amount(o: &Obj, name: &'static str) -> Result<Amount, TxError> {
    amount_of(req_i64(o, &[name], name)?, name)
}

fn as_str<'a>(v: &'a Value, name: &'static str) -> Result<&'a str, TxError> {
    v.as_str().ok_or_else(|| bad(name, "expected a string"))
}

fn b58(s: &str, name: &'static str) -> Result<Vec<u8>, TxError> {
    bs58::decode(s)
        .into_vec()
        .map_err(|_| TxError::BadBase58 { field: name })
}

fn opt_b58(o: &Obj, names: &[&str], name: &'static str) -> Result<Option<Vec<u8>>, TxError> {
    match field(o, names) {
        None => Ok(None),
        Some(v) => {
            let bytes = b58(as_str(v, name)?, name)?;
            Ok(if bytes.is_empty() { None } else { Some(bytes) })
        }
    }
}

fn address(v: &Value, name: &'static str) -> Result<Address, TxError> {
    let s = as_str(v, name)?;
    Ok(Address::from_base58(
        s.strip_prefix("address:").unwrap_or(s),
    )?)
}

fn req_address(o: &Obj, names: &[&str], name: &'static str) -> Result<Address, TxError> {
    address(field(o, names).ok_or(TxError::MissingField(name))?, name)
}

/// A key type given by name (`"secp256k1"`) or by id (`2`); absent means Ed25519.
fn key_type_of(v: Option<&Value>, name: &'static str) -> Result<KeyType, TxError> {
    match v {
        None => Ok(KeyType::Ed25519),
        Some(Value::String(s)) => KeyType::from_name(s)
            .map_err(|_| bad(name, "expected ed25519, secp256k1, secp256r1 or bls12-381")),
        Some(Value::Number(n)) => {
            let id = n
                .as_u64()
                .and_then(|v| u8::try_from(v).ok())
                .unwrap_or(u8::MAX);
            KeyType::from_id(id).map_err(|_| TxError::UnsupportedKeyType(id))
        }
        Some(_) => Err(bad(name, "expected a key type name")),
    }
}

/// A signer's key: `<prefix>KeyType` (default ed25519) and `<prefix>PublicKey`.
fn account_key(
    o: &Obj,
    kt: &'static str,
    v: &Value,
    name: &'static str,
) -> Result<AccountKey, TxError> {
    let key_type = key_type_of(field(o, &[kt]), kt)?;
    if key_type == KeyType::Bls12381 {
        return Err(TxError::UnsupportedKeyType(key_type.id()));
    }
    Ok(AccountKey::from_base58(key_type, as_str(v, name)?)?)
}

fn registered_keys(v: Option<&Value>) -> Result<Vec<RegisteredKey>, TxError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    array(v, "accounts")?
        .iter()
        .map(|e| {
            let o = e
                .as_object()
                .ok_or_else(|| bad("accounts", "expected objects"))?;
            let key_type = key_type_of(field(o, &["keyType", "key_type"]), "keyType")?;
            let pk =
                field(o, &["publicKey", "public_key"]).ok_or(TxError::MissingField("publicKey"))?;
            let public_key = b58(as_str(pk, "publicKey")?, "publicKey")?;
            if public_key.len() != key_type.key_len() {
                return Err(TxError::BadLength {
                    field: "publicKey",
                    expected: key_type.key_len(),
                    found: public_key.len(),
                });
            }
            Ok(RegisteredKey {
                key_type,
                public_key,
            })
        })
        .collect()
}

fn base64_prefixed(s: &str, name: &'static str) -> Result<Vec<u8>, TxError> {
    let body = s.strip_prefix("base64:").unwrap_or(s);
    B64.decode(body)
        .map_err(|_| TxError::BadBase64 { field: name })
}

/// The latin-1 bytes of `s`, if every character is below U+0100.
fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

fn array<'a>(v: &'a Value, name: &'static str) -> Result<&'a Vec<Value>, TxError> {
    v.as_array().ok_or_else(|| bad(name, "expected an array"))
}

fn data_entries(v: Option<&Value>) -> Result<Vec<DataEntry>, TxError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    array(v, "data")?
        .iter()
        .map(|e| {
            let o = e
                .as_object()
                .ok_or_else(|| bad("data", "expected objects"))?;
            let key = as_str(
                field(o, &["key"]).ok_or(TxError::MissingField("key"))?,
                "key",
            )?
            .to_string();
            let ty = as_str(
                field(o, &["type"]).ok_or(TxError::MissingField("type"))?,
                "type",
            )?;
            let val = o.get("value").ok_or(TxError::MissingField("value"))?;
            let value = match ty {
                "integer" => DataValue::Integer(as_i64(val, "value")?),
                "boolean" => DataValue::Boolean(
                    val.as_bool()
                        .ok_or_else(|| bad("value", "expected a boolean"))?,
                ),
                // LTO's node writes binary values as "base64:..."; the Python client sends the
                // raw string and signs its latin-1 bytes, so that is how it is read here.
                "binary" => {
                    let s = as_str(val, "value")?;
                    DataValue::Binary(match s.strip_prefix("base64:") {
                        Some(_) => base64_prefixed(s, "value")?,
                        None => {
                            latin1(s).ok_or_else(|| bad("value", "binary text must be latin-1"))?
                        }
                    })
                }
                "string" => DataValue::String(as_str(val, "value")?.to_string()),
                _ => return Err(bad("type", "expected integer, boolean, binary or string")),
            };
            Ok(DataEntry { key, value })
        })
        .collect()
}

fn association_type(o: &Obj, version: u8) -> Result<i64, TxError> {
    let t = req_i64(o, &["associationType", "assocType"], "associationType")?;
    if version < 4 && i32::try_from(t).is_err() {
        return Err(TxError::OutOfRange {
            field: "associationType",
        });
    }
    Ok(t)
}

fn u8_field(v: &Value, name: &'static str) -> Result<u8, TxError> {
    let n = as_i64(v, name)?;
    u8::try_from(n).map_err(|_| TxError::OutOfRange { field: name })
}

/// Decodes LTO transaction JSON for the chain `chain`.
pub fn from_json(value: &Value, chain: ChainId) -> Result<Transaction, TxError> {
    let o = value
        .as_object()
        .ok_or_else(|| TxError::Json("expected a JSON object".into()))?;
    let type_id = u8_field(
        field(o, &["type"]).ok_or(TxError::MissingField("type"))?,
        "type",
    )?;
    let t = TxType::from_id(type_id)?;
    let version = match field(o, &["version"]) {
        None => t.latest_version(),
        Some(v) => u8_field(v, "version")?,
    };
    t.check_version(version)?;

    if let Some(c) = field(o, &["chainId"]) {
        let found = match c {
            Value::String(s) if s.len() == 1 => s.as_bytes().first().copied().unwrap_or(0),
            other => u8_field(other, "chainId")?,
        };
        if found != chain.0 {
            return Err(TxError::WrongChain {
                expected: chain.0,
                found,
            });
        }
    }

    let timestamp =
        Timestamp::from_i64(req_i64(o, &["timestamp"], "timestamp")?).ok_or(TxError::Negative {
            field: "timestamp",
            value: -1,
        })?;

    let (sender, fee) = if t == TxType::Genesis {
        (AccountKey::Ed25519(PublicKey([0; 32])), Amount::ZERO)
    } else {
        let pk = account_key(
            o,
            "senderKeyType",
            field(o, &["senderPublicKey"]).ok_or(TxError::MissingField("senderPublicKey"))?,
            "senderPublicKey",
        )?;
        if version < 3 && pk.key_type() != KeyType::Ed25519 {
            return Err(TxError::KeyTypeNeedsV3 { version });
        }
        if let Some(s) = field(o, &["sender"]) {
            let a = address(s, "sender")?;
            a.require_chain(chain)?;
            if a != Address::from_account_key(chain, &pk) {
                return Err(TxError::Mismatch {
                    field: "sender",
                    other: "senderPublicKey",
                });
            }
        }
        (pk, req_amount(o, "fee")?)
    };

    let sponsor = match field(o, &["sponsorPublicKey"]) {
        None => None,
        Some(v) => {
            // Versions before 3 have no place for a sponsor in their bytes.
            if version < 3 {
                return Err(bad(
                    "sponsorPublicKey",
                    "sponsored transactions need version 3 or later",
                ));
            }
            let pk = account_key(o, "sponsorKeyType", v, "sponsorPublicKey")?;
            if let Some(s) = field(o, &["sponsor"])
                && address(s, "sponsor")? != Address::from_account_key(chain, &pk)
            {
                return Err(TxError::Mismatch {
                    field: "sponsor",
                    other: "sponsorPublicKey",
                });
            }
            Some(pk)
        }
    };

    let mut proofs: Vec<Vec<u8>> = match field(o, &["proofs"]) {
        None => Vec::new(),
        Some(v) => array(v, "proofs")?
            .iter()
            .map(|p| b58(as_str(p, "proofs")?, "proofs"))
            .collect::<Result<_, _>>()?,
    };
    if let Some(sig) = field(o, &["signature"]) {
        let sig = b58(as_str(sig, "signature")?, "signature")?;
        match proofs.first() {
            None => proofs.push(sig),
            Some(p0) if *p0 == sig => {}
            Some(_) => {
                return Err(TxError::Mismatch {
                    field: "signature",
                    other: "proofs",
                });
            }
        }
    }
    // v1 transfers, leases and cancels (and genesis) carry one signature, not proofs.
    let single_signature = t == TxType::Genesis
        || (version == 1 && matches!(t, TxType::Transfer | TxType::Lease | TxType::CancelLease));
    let max_proofs = if single_signature {
        1
    } else {
        crate::tx::limits::MAX_PROOFS
    };
    if proofs.len() > max_proofs {
        return Err(TxError::TooLong {
            field: "proofs",
            max: max_proofs,
            found: proofs.len(),
        });
    }

    let attachment = || opt_b58(o, &["attachment"], "attachment").map(Option::unwrap_or_default);
    let body = match t {
        TxType::Genesis => TxBody::Genesis {
            recipient: req_address(o, &["recipient"], "recipient")?,
            amount: req_amount(o, "amount")?,
        },
        TxType::Transfer => TxBody::Transfer {
            recipient: req_address(o, &["recipient"], "recipient")?,
            amount: req_amount(o, "amount")?,
            attachment: attachment()?,
        },
        TxType::Lease => TxBody::Lease {
            recipient: req_address(o, &["recipient"], "recipient")?,
            amount: req_amount(o, "amount")?,
        },
        TxType::CancelLease => {
            let id = field(o, &["leaseId", "txId"]).ok_or(TxError::MissingField("leaseId"))?;
            TxBody::CancelLease {
                lease_id: TxId::from_base58(as_str(id, "leaseId")?).map_err(|e| match e {
                    TxError::BadLength {
                        expected, found, ..
                    } => TxError::BadLength {
                        field: "leaseId",
                        expected,
                        found,
                    },
                    _ => TxError::BadBase58 { field: "leaseId" },
                })?,
            }
        }
        TxType::MassTransfer => {
            let list = field(o, &["transfers"]).ok_or(TxError::MissingField("transfers"))?;
            let transfers = array(list, "transfers")?
                .iter()
                .map(|e| {
                    let eo = e
                        .as_object()
                        .ok_or_else(|| bad("transfers", "expected objects"))?;
                    Ok((
                        req_address(eo, &["recipient"], "recipient")?,
                        req_amount(eo, "amount")?,
                    ))
                })
                .collect::<Result<Vec<_>, TxError>>()?;
            TxBody::MassTransfer {
                transfers,
                attachment: attachment()?,
            }
        }
        TxType::SetScript => {
            let script = match field(o, &["script"]) {
                None => None,
                Some(v) => {
                    let bytes = base64_prefixed(as_str(v, "script")?, "script")?;
                    if bytes.is_empty() { None } else { Some(bytes) }
                }
            };
            TxBody::SetScript { script }
        }
        TxType::Anchor => {
            let anchors = match field(o, &["anchors"]) {
                None => Vec::new(),
                Some(v) => array(v, "anchors")?
                    .iter()
                    .map(|a| b58(as_str(a, "anchors")?, "anchors"))
                    .collect::<Result<_, _>>()?,
            };
            TxBody::Anchor { anchors }
        }
        TxType::IssueAssociation => {
            let expires = match field(o, &["expires"]) {
                None => None,
                Some(v) => match as_i64(v, "expires")? {
                    0 => None,
                    e => Some(Timestamp::from_i64(e).ok_or(TxError::Negative {
                        field: "expires",
                        value: e,
                    })?),
                },
            };
            let data = data_entries(field(o, &["data"]))?;
            // What the version's bytes cannot carry is refused, as LTO's node does.
            if expires.is_some() && version < 3 {
                return Err(bad(
                    "expires",
                    "association expiry needs version 3 or later",
                ));
            }
            if !data.is_empty() && version < 4 {
                return Err(bad("data", "association data needs version 4 or later"));
            }
            TxBody::IssueAssociation {
                association_type: association_type(o, version)?,
                recipient: req_address(o, &["recipient", "party"], "recipient")?,
                expires,
                subject: opt_b58(o, &["subject", "hash"], "subject")?,
                data,
            }
        }
        TxType::RevokeAssociation => TxBody::RevokeAssociation {
            association_type: association_type(o, version)?,
            recipient: req_address(o, &["recipient", "party"], "recipient")?,
            subject: opt_b58(o, &["subject", "hash"], "subject")?,
        },
        TxType::MappedAnchor => {
            let map = field(o, &["anchors"]).ok_or(TxError::MissingField("anchors"))?;
            let map = map
                .as_object()
                .ok_or_else(|| bad("anchors", "expected an object"))?;
            let anchors = map
                .iter()
                .map(|(k, v)| Ok((b58(k, "anchors")?, b58(as_str(v, "anchors")?, "anchors")?)))
                .collect::<Result<Vec<_>, TxError>>()?;
            TxBody::MappedAnchor { anchors }
        }
        TxType::Data => TxBody::Data {
            data: data_entries(field(o, &["data"]))?,
        },
        TxType::Sponsorship => TxBody::Sponsorship {
            recipient: req_address(o, &["recipient"], "recipient")?,
        },
        TxType::CancelSponsorship => TxBody::CancelSponsorship {
            recipient: req_address(o, &["recipient"], "recipient")?,
        },
        TxType::Register => TxBody::Register {
            keys: registered_keys(field(o, &["accounts"]))?,
        },
        TxType::Burn => TxBody::Burn {
            amount: req_amount(o, "amount")?,
        },
        TxType::Statement => TxBody::Statement {
            statement_type: req_i64(o, &["statementType"], "statementType")?,
            recipient: field(o, &["recipient"])
                .map(|v| address(v, "recipient"))
                .transpose()?,
            subject: opt_b58(o, &["subject"], "subject")?,
            data: data_entries(field(o, &["data"]))?,
        },
        TxType::Certificate => TxBody::Certificate {
            certificate: match field(o, &["certificate"]) {
                None => None,
                Some(v) => certificate_der(as_str(v, "certificate")?)?,
            },
        },
    };

    Ok(Transaction {
        version,
        chain_id: chain,
        timestamp,
        sender,
        fee,
        sponsor,
        proofs,
        body,
    })
}

/// The DER bytes of a PEM certificate (`None` for an empty text).
fn certificate_der(text: &str) -> Result<Option<Vec<u8>>, TxError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let p = pem::parse(text).map_err(|_| bad("certificate", "expected a PEM certificate"))?;
    if p.tag() != "CERTIFICATE" {
        return Err(bad("certificate", "expected a PEM CERTIFICATE block"));
    }
    // An empty certificate clears it, as no certificate does.
    let der = p.into_contents();
    Ok(if der.is_empty() { None } else { Some(der) })
}
