//! Golden vectors signed by the official LTO Python client (`lto` 1.5.1 from PyPI, written by
//! `tests/vectors/generate.py`): our body bytes, ids, addresses and JSON must match it byte for
//! byte, its signatures must verify, and flipping any byte of a signed transaction must fail.

use ltonode_ledger::tx::codec::decode_body;
use ltonode_ledger::tx::json::{from_json, to_json};
use ltonode_ledger::tx::validate::{verify, verify_batch};
use ltonode_ledger::{
    Address, ChainId, KeyPair, PublicKey, Timestamp, Transaction, TxError, ValidationContext,
};
use serde_json::Value;

fn vectors() -> Value {
    let text = include_str!("../vectors/lto_python_vectors.json");
    serde_json::from_str(text).expect("vector file is JSON")
}

fn chain(v: &Value) -> ChainId {
    ChainId(v["chain_id"].as_str().expect("chain_id").as_bytes()[0])
}

fn ctx_for(v: &Value) -> ValidationContext {
    ValidationContext::lto(
        chain(v),
        Timestamp(v["timestamp"].as_u64().expect("timestamp")),
    )
}

fn parse(v: &Value) -> Transaction {
    from_json(&v["json"], chain(v)).unwrap_or_else(|e| panic!("{}: {e}", v["name"]))
}

#[test]
fn accounts_and_addresses_match_the_client() {
    let d = vectors();
    for a in d["accounts"].as_array().expect("accounts") {
        if a["key_type"] != "ed25519" {
            continue;
        }
        let kp = KeyPair::from_seed_phrase(
            a["seed"].as_str().expect("seed"),
            a["nonce"].as_i64().expect("nonce") as i32,
        );
        assert_eq!(
            kp.public_key().to_base58(),
            a["public_key"],
            "{}",
            a["label"]
        );
        assert_eq!(
            bs58::encode(kp.secret_bytes()).into_string(),
            a["private_key"],
            "{}",
            a["label"]
        );
        let chain = ChainId(a["chain_id"].as_str().expect("chain").as_bytes()[0]);
        assert_eq!(
            Address::from_public_key(chain, &kp.public_key()).to_base58(),
            a["address"]
        );
    }
    for a in d["address_vectors"].as_array().expect("address_vectors") {
        // ECDSA keys (33 bytes) are not accepted by this chain; addresses of Ed25519 keys are.
        let Ok(pk) = PublicKey::from_base58(a["public_key"].as_str().expect("pk")) else {
            continue;
        };
        let chain = ChainId(a["chain_id"].as_str().expect("chain").as_bytes()[0]);
        let addr = Address::from_public_key(chain, &pk);
        assert_eq!(addr.to_base58(), a["address"]);
        assert_eq!(
            Address::parse_for(chain, a["address"].as_str().expect("addr")),
            Ok(addr)
        );
    }
}

#[test]
fn every_client_transaction_has_our_bytes_id_and_verifies() {
    let d = vectors();
    let txs = d["transactions"].as_array().expect("transactions");
    assert!(
        txs.len() >= 60,
        "vector file has {} transactions",
        txs.len()
    );
    let mut types = std::collections::BTreeSet::new();
    for v in txs {
        let name = v["name"].as_str().expect("name");
        let tx = parse(v);
        types.insert((tx.tx_type().id(), tx.version));
        let body = hex::decode(v["body_hex"].as_str().expect("body_hex")).expect("hex");
        assert_eq!(
            hex::encode(tx.body_bytes()),
            hex::encode(&body),
            "{name}: body bytes"
        );
        assert_eq!(tx.id().to_base58(), v["id"], "{name}: id");
        let verified = verify(tx.clone(), &ctx_for(v)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.id(), tx.id());
        assert!(
            verified.fee_charged() <= tx.fee,
            "{name}: charged more than offered"
        );

        // Body bytes decode back to the same fields.
        let from_body = decode_body(&body, chain(v)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(from_body.body, tx.body, "{name}");
        assert_eq!(from_body.sender, tx.sender, "{name}");
        assert_eq!(
            (from_body.fee, from_body.timestamp),
            (tx.fee, tx.timestamp),
            "{name}"
        );

        // Wire bytes and our JSON round-trip.
        let wire = tx.to_bytes();
        assert_eq!(
            Transaction::from_bytes(&wire, chain(v)),
            Ok(tx.clone()),
            "{name}: wire"
        );
        assert_eq!(
            from_json(&to_json(&tx), chain(v)),
            Ok(tx.clone()),
            "{name}: json"
        );

        // Every field the client sent is in our JSON with the same value, and ids agree.
        let ours = to_json(&tx);
        for (k, val) in v["json"].as_object().expect("json object") {
            if k == "data" {
                continue; // binary data values: the client sends raw text, we write base64:
            }
            assert_eq!(&ours[k], val, "{name}: field {k}");
        }
        assert_eq!(ours["id"], v["id"], "{name}");
    }
    // Every type and version the client can build is covered.
    for tv in [
        (4, 2),
        (4, 3),
        (8, 2),
        (8, 3),
        (9, 2),
        (9, 3),
        (11, 1),
        (11, 3),
        (13, 1),
        (13, 3),
        (15, 1),
        (15, 3),
        (16, 1),
        (16, 3),
        (16, 4),
        (17, 1),
        (17, 3),
        (17, 4),
        (22, 3),
    ] {
        assert!(types.contains(&tv), "no vector for type/version {tv:?}");
    }
}

#[test]
fn batch_verification_accepts_all_client_transactions() {
    let d = vectors();
    for v in d["transactions"].as_array().expect("transactions") {
        let r = verify_batch(vec![parse(v)], &ctx_for(v));
        assert!(r[0].is_ok(), "{}", v["name"]);
    }
}

#[test]
fn flipping_any_byte_fails_with_a_typed_error() {
    let d = vectors();
    for v in d["transactions"].as_array().expect("transactions") {
        let name = v["name"].as_str().expect("name");
        let tx = parse(v);
        let wire = tx.to_bytes();
        for i in 0..wire.len() {
            for mask in [0x01u8, 0x80, 0xFF] {
                let mut bad = wire.clone();
                bad[i] ^= mask;
                if let Ok(t) = Transaction::from_bytes(&bad, chain(v)) {
                    assert!(
                        verify(t, &ctx_for(v)).is_err(),
                        "{name}: byte {i} ^ {mask:#x} still verifies"
                    );
                }
            }
        }
    }
}

#[test]
fn other_lto_types_and_key_types_are_refused_by_name() {
    let d = vectors();
    for v in d["extra_transactions"].as_array().expect("extras") {
        let name = v["name"].as_str().expect("name");
        let err = from_json(&v["json"], chain(v)).expect_err(name);
        let ty = v["type"].as_u64().expect("type") as u8;
        match ty {
            4 | 15 => assert!(
                matches!(
                    err,
                    TxError::UnsupportedKeyType(_) | TxError::BadField { .. }
                ),
                "{name}: {err:?}"
            ),
            _ => {
                assert_eq!(err, TxError::UnknownType { type_id: ty }, "{name}");
                assert!(err.to_string().contains(&ty.to_string()));
            }
        }
        // A sponsor's key type is not part of the body, so only the sender's is checked there.
        if !name.contains("sponsor") {
            let body = hex::decode(v["body_hex"].as_str().expect("body_hex")).expect("hex");
            assert!(
                decode_body(&body, chain(v)).is_err(),
                "{name}: body decoded"
            );
        }
    }
}
