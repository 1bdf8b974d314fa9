//! Transaction JSON with LTO's field names (LTO's node).
//!
//! Input is what LTO clients POST to `/transactions/broadcast`: `type` is required, `version`
//! defaults to the newest, binary values are Base58 (scripts and binary data values are
//! `"base64:..."`), and `chainId` is usually absent: the official Python client takes it from
//! the sender's address when it signs, so the node rebuilds the body with its own chain id
//! and refuses a `sender`, `chainId` or recipient of another chain. Numbers may be JSON
//! integers or strings of digits. Aliases LTO accepts are accepted: `assocType`, `party`,
//! `hash` for associations and `txId` for cancel lease.
//!
//! Output follows LTO's field order: `type, version, id, sender, senderKeyType,
//! senderPublicKey, [sponsor...], fee, timestamp, <type fields>, proofs|signature`.

mod read;
mod write;

pub use read::from_json;
pub use write::{certificate_pem, data_list_json, to_json};

use super::Transaction;
use serde_json::{Map, Value};

/// A JSON object, as LTO's transaction JSON is.
type Obj = Map<String, Value>;

/// The reply to a broadcast: the canonical JSON (so `id` and every type field are present,
/// as LTO clients parse the reply back), plus any field the client sent that the canonical
/// form does not have, so the reply echoes every field of the request.
pub fn broadcast_reply(request: &Value, tx: &Transaction) -> Value {
    let mut out = to_json(tx);
    if let (Some(req), Some(o)) = (request.as_object(), out.as_object_mut()) {
        for (k, v) in req {
            if !o.contains_key(k) {
                o.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{Address, ChainId};
    use crate::keys::{KeyError, KeyPair};
    use crate::tx::{TxBody, TxError};
    use crate::units::{Amount, Timestamp};
    use serde_json::json;

    fn signed_anchor() -> (Transaction, KeyPair) {
        let kp = KeyPair::from_seed_phrase("json test", 0);
        let mut tx = Transaction {
            version: 3,
            chain_id: ChainId::TESTNET,
            timestamp: Timestamp(1_700_000_000_000),
            sender: kp.public_key().into(),
            fee: Amount(35_000_000),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Anchor {
                anchors: vec![vec![7; 32]],
            },
        };
        tx.sign_with(&kp);
        (tx, kp)
    }

    #[test]
    fn round_trip_and_field_order() {
        let (tx, _) = signed_anchor();
        let j = to_json(&tx);
        let keys: Vec<&str> = j
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "type",
                "version",
                "id",
                "sender",
                "senderKeyType",
                "senderPublicKey",
                "fee",
                "timestamp",
                "anchors",
                "proofs"
            ]
        );
        assert_eq!(from_json(&j, ChainId::TESTNET), Ok(tx));
    }

    #[test]
    fn refuses_another_chain_and_mismatched_sender() {
        let (tx, _) = signed_anchor();
        let j = to_json(&tx);
        assert_eq!(
            from_json(&j, ChainId::MAINNET),
            Err(TxError::Address(crate::address::AddressError::WrongChain {
                expected: b'L',
                found: b'T'
            }))
        );
        let mut j2 = j.clone();
        j2["sender"] = json!(
            Address::from_public_key(
                ChainId::TESTNET,
                &KeyPair::from_seed_phrase("x", 0).public_key()
            )
            .to_base58()
        );
        assert_eq!(
            from_json(&j2, ChainId::TESTNET),
            Err(TxError::Mismatch {
                field: "sender",
                other: "senderPublicKey"
            })
        );
        let mut j3 = j.clone();
        j3["chainId"] = json!("L");
        assert_eq!(
            from_json(&j3, ChainId::TESTNET),
            Err(TxError::WrongChain {
                expected: b'T',
                found: b'L'
            })
        );
    }

    #[test]
    fn unknown_type_is_named() {
        let e = from_json(&json!({"type": 14, "version": 3}), ChainId::TESTNET);
        assert_eq!(e, Err(TxError::UnknownType { type_id: 14 }));
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("unsupported transaction type 14".to_string())
        );
    }

    #[test]
    fn key_types_are_read_and_unknown_ones_named() {
        let (tx, _) = signed_anchor();
        let mut j = to_json(&tx);
        j["senderKeyType"] = json!("ed448");
        assert!(matches!(
            from_json(&j, ChainId::TESTNET),
            Err(TxError::BadField {
                field: "senderKeyType",
                ..
            })
        ));
        j["senderKeyType"] = json!(9);
        assert_eq!(
            from_json(&j, ChainId::TESTNET),
            Err(TxError::UnsupportedKeyType(9))
        );
        // BLS12-381 keys can be registered but cannot sign.
        j["senderKeyType"] = json!("bls12-381");
        assert_eq!(
            from_json(&j, ChainId::TESTNET),
            Err(TxError::UnsupportedKeyType(4))
        );
        // An Ed25519 key given as secp256k1 has the wrong length.
        j["senderKeyType"] = json!("secp256k1");
        assert!(matches!(
            from_json(&j, ChainId::TESTNET),
            Err(TxError::Key(KeyError::BadLength { expected: 33, .. }))
        ));
        // In bytes, an unknown key type byte in the v3 header is refused by number.
        let mut wire = tx.to_bytes();
        wire[12] = 9;
        assert_eq!(
            Transaction::from_bytes(&wire, ChainId::TESTNET),
            Err(TxError::UnsupportedKeyType(9))
        );
    }

    #[test]
    fn broadcast_reply_echoes_client_fields() {
        let (tx, _) = signed_anchor();
        let mut req = to_json(&tx);
        if let Some(o) = req.as_object_mut() {
            o.remove("id");
            o.insert("clientTag".into(), json!("x"));
        }
        let reply = broadcast_reply(&req, &tx);
        assert_eq!(reply["id"], json!(tx.id().to_base58()));
        assert_eq!(reply["clientTag"], json!("x"));
    }
}
