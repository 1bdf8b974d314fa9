//! Writing transaction JSON ([`to_json`]) in LTO's field order.

use super::Obj;
use crate::tx::{DataEntry, DataValue, Transaction, TxBody, TxType};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

/// The PEM text of DER certificate bytes as LTO's node writes it: the base64 on one line
/// between the BEGIN and END lines.
pub fn certificate_pem(der: &[u8]) -> String {
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
        B64.encode(der)
    )
}

fn b58s(b: &[u8]) -> Value {
    Value::String(bs58::encode(b).into_string())
}

fn data_json(e: &DataEntry) -> Value {
    let (ty, value) = match &e.value {
        DataValue::Integer(v) => ("integer", json!(v)),
        DataValue::Boolean(v) => ("boolean", json!(v)),
        DataValue::Binary(v) => ("binary", json!(format!("base64:{}", B64.encode(v)))),
        DataValue::String(v) => ("string", json!(v)),
    };
    json!({"key": e.key, "type": ty, "value": value})
}

/// The JSON of a data entry list.
pub fn data_list_json(data: &[DataEntry]) -> Value {
    Value::Array(data.iter().map(data_json).collect())
}

/// Whether this type and version writes a single `signature` instead of `proofs`.
fn uses_signature_field(t: TxType, version: u8) -> bool {
    matches!(t, TxType::Genesis)
        || (version == 1 && matches!(t, TxType::Transfer | TxType::Lease | TxType::CancelLease))
}

/// The canonical JSON of a transaction, in LTO's field order, with its `id`.
pub fn to_json(tx: &Transaction) -> Value {
    let t = tx.tx_type();
    let mut o = Obj::new();
    o.insert("type".into(), json!(t.id()));
    o.insert("version".into(), json!(tx.version));
    o.insert("id".into(), json!(tx.id().to_base58()));
    if t != TxType::Genesis {
        o.insert("sender".into(), json!(tx.sender_address().to_base58()));
        o.insert("senderKeyType".into(), json!(tx.sender.key_type().name()));
        o.insert("senderPublicKey".into(), json!(tx.sender.to_base58()));
    }
    if let (Some(pk), Some(addr)) = (tx.sponsor, tx.sponsor_address()) {
        o.insert("sponsor".into(), json!(addr.to_base58()));
        o.insert("sponsorKeyType".into(), json!(pk.key_type().name()));
        o.insert("sponsorPublicKey".into(), json!(pk.to_base58()));
    }
    o.insert("fee".into(), json!(tx.fee.0));
    o.insert("timestamp".into(), json!(tx.timestamp.0));
    match &tx.body {
        TxBody::Genesis { recipient, amount } => {
            o.insert("recipient".into(), json!(recipient.to_base58()));
            o.insert("amount".into(), json!(amount.0));
        }
        TxBody::Transfer {
            recipient,
            amount,
            attachment,
        } => {
            o.insert("recipient".into(), json!(recipient.to_base58()));
            o.insert("amount".into(), json!(amount.0));
            o.insert("attachment".into(), b58s(attachment));
        }
        TxBody::Lease { recipient, amount } => {
            o.insert("recipient".into(), json!(recipient.to_base58()));
            o.insert("amount".into(), json!(amount.0));
        }
        TxBody::CancelLease { lease_id } => {
            o.insert("leaseId".into(), json!(lease_id.to_base58()));
        }
        TxBody::MassTransfer {
            transfers,
            attachment,
        } => {
            let list: Vec<Value> = transfers
                .iter()
                .map(|(a, amt)| json!({"recipient": a.to_base58(), "amount": amt.0}))
                .collect();
            let total: u128 = transfers.iter().map(|(_, a)| u128::from(a.0)).sum();
            o.insert("transfers".into(), Value::Array(list));
            o.insert("transferCount".into(), json!(transfers.len()));
            o.insert(
                "totalAmount".into(),
                json!(u64::try_from(total).unwrap_or(u64::MAX)),
            );
            o.insert("attachment".into(), b58s(attachment));
        }
        TxBody::SetScript { script } => {
            let v = match script {
                Some(s) => json!(format!("base64:{}", B64.encode(s))),
                None => Value::Null,
            };
            o.insert("script".into(), v);
        }
        TxBody::Anchor { anchors } => {
            o.insert(
                "anchors".into(),
                Value::Array(anchors.iter().map(|a| b58s(a)).collect()),
            );
        }
        TxBody::IssueAssociation {
            association_type,
            recipient,
            expires,
            subject,
            data,
        } => {
            o.insert("associationType".into(), json!(association_type));
            o.insert("recipient".into(), json!(recipient.to_base58()));
            if let Some(e) = expires {
                o.insert("expires".into(), json!(e.0));
            }
            if let Some(s) = subject {
                o.insert("subject".into(), b58s(s));
            }
            if !data.is_empty() {
                o.insert(
                    "data".into(),
                    Value::Array(data.iter().map(data_json).collect()),
                );
            }
        }
        TxBody::RevokeAssociation {
            association_type,
            recipient,
            subject,
        } => {
            o.insert("associationType".into(), json!(association_type));
            o.insert("recipient".into(), json!(recipient.to_base58()));
            if let Some(s) = subject {
                o.insert("subject".into(), b58s(s));
            }
        }
        TxBody::MappedAnchor { anchors } => {
            let mut m = Obj::new();
            for (k, v) in anchors {
                m.insert(bs58::encode(k).into_string(), b58s(v));
            }
            o.insert("anchors".into(), Value::Object(m));
        }
        TxBody::Data { data } => {
            o.insert("data".into(), data_list_json(data));
        }
        TxBody::Sponsorship { recipient } | TxBody::CancelSponsorship { recipient } => {
            o.insert("recipient".into(), json!(recipient.to_base58()));
        }
        TxBody::Register { keys } => {
            let list: Vec<Value> = keys
                .iter()
                .map(|k| json!({"keyType": k.key_type.name(), "publicKey": b58s(&k.public_key)}))
                .collect();
            o.insert("accounts".into(), Value::Array(list));
        }
        TxBody::Burn { amount } => {
            o.insert("amount".into(), json!(amount.0));
        }
        TxBody::Statement {
            statement_type,
            recipient,
            subject,
            data,
        } => {
            o.insert("statementType".into(), json!(statement_type));
            if let Some(r) = recipient {
                o.insert("recipient".into(), json!(r.to_base58()));
            }
            if let Some(s) = subject {
                o.insert("subject".into(), b58s(s));
            }
            o.insert("data".into(), data_list_json(data));
        }
        TxBody::Certificate { certificate } => {
            let v = match certificate {
                Some(der) => json!(certificate_pem(der)),
                None => Value::Null,
            };
            o.insert("certificate".into(), v);
        }
    }
    if uses_signature_field(t, tx.version) {
        if let Some(p) = tx.proofs.first() {
            o.insert("signature".into(), b58s(p));
        }
    } else {
        o.insert(
            "proofs".into(),
            Value::Array(tx.proofs.iter().map(|p| b58s(p)).collect()),
        );
    }
    Value::Object(o)
}
