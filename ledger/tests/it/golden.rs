//! Golden vectors signed by the official LTO clients: the Python client (`lto` 1.5.1 from
//! PyPI, written by `tests/vectors/generate.py`) and the JavaScript client
//! (`@ltonetwork/lto` 0.16.15 from npm, written by `tests/vectors/js/generate.mjs`). For
//! every transaction type, version and key type they build, our body bytes, ids, addresses
//! and JSON must match theirs byte for byte, their signatures (Ed25519 and ECDSA) must
//! verify, and flipping any byte of a signed transaction must fail. Transactions the clients
//! get wrong (their `quirk_transactions`) must be refused with a typed error.

use ltonode_ledger::tx::codec::decode_body;
use ltonode_ledger::tx::json::{from_json, to_json};
use ltonode_ledger::tx::validate::{verify, verify_batch};
use ltonode_ledger::{
    Address, ChainId, KeyPair, KeyType, Timestamp, Transaction, TxBody, ValidationContext,
};
use serde_json::Value;

fn python() -> Value {
    serde_json::from_str(include_str!("../vectors/lto_python_vectors.json"))
        .expect("vector file is JSON")
}

fn js() -> Value {
    serde_json::from_str(include_str!("../vectors/lto_js_vectors.json"))
        .expect("vector file is JSON")
}

/// Both files, named.
fn files() -> [(&'static str, Value); 2] {
    [("python", python()), ("js", js())]
}

/// The regular vectors of a file: its requested types and the others.
fn regular(d: &Value) -> Vec<Value> {
    ["transactions", "extra_transactions"]
        .iter()
        .flat_map(|k| d[*k].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Vectors whose client-signed body is not what LTO's layout gives for their JSON (the
/// Python client encodes non-ASCII data text as latin-1, LTO's node as UTF-8): a node
/// rebuilding the body from the JSON must refuse their signature.
fn body_differs(v: &Value) -> bool {
    v["quirks"].as_array().is_some_and(|q| {
        q.iter()
            .any(|q| q.as_str().is_some_and(|q| q.contains("Body differs")))
    })
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
fn accounts_and_addresses_match_the_clients() {
    for (file, d) in files() {
        for a in d["accounts"].as_array().expect("accounts") {
            let chain = ChainId(a["chain_id"].as_str().expect("chain").as_bytes()[0]);
            let key_type = KeyType::from_name(a["key_type"].as_str().expect("key type"))
                .expect("known key type");
            let pk = bs58::decode(a["public_key"].as_str().expect("pk"))
                .into_vec()
                .expect("base58");
            assert_eq!(pk.len(), key_type.key_len(), "{file} {}", a["label"]);
            assert_eq!(
                Address::from_key_bytes(chain, &pk).to_base58(),
                a["address"],
                "{file} {}",
                a["label"]
            );
            if key_type != KeyType::Ed25519 {
                continue;
            }
            let kp = KeyPair::from_seed_phrase(
                a["seed"].as_str().expect("seed"),
                a["nonce"].as_i64().expect("nonce") as i32,
            );
            assert_eq!(kp.public_key().to_base58(), a["public_key"], "{file}");
            assert_eq!(
                bs58::encode(kp.secret_bytes()).into_string(),
                a["private_key"],
                "{file} {}",
                a["label"]
            );
        }
        for a in d["address_vectors"].as_array().expect("address_vectors") {
            let chain = ChainId(a["chain_id"].as_str().expect("chain").as_bytes()[0]);
            let pk = bs58::decode(a["public_key"].as_str().expect("pk"))
                .into_vec()
                .expect("base58");
            if pk.len() == 65 {
                // An uncompressed ECDSA key: the client compresses it before hashing; keys
                // reach this chain compressed only.
                continue;
            }
            let addr = Address::from_key_bytes(chain, &pk);
            assert_eq!(addr.to_base58(), a["address"], "{file}");
            assert_eq!(
                Address::parse_for(chain, a["address"].as_str().expect("addr")),
                Ok(addr)
            );
        }
    }
}

#[test]
fn every_client_transaction_has_our_bytes_id_and_verifies() {
    for (file, d) in files() {
        let txs = regular(&d);
        assert!(txs.len() >= 75, "{file} has {} transactions", txs.len());
        let mut covered = std::collections::BTreeSet::new();
        let mut key_types = std::collections::BTreeSet::new();
        for v in &txs {
            let name = format!("{file} {}", v["name"].as_str().expect("name"));
            let tx = parse(v);
            let body = hex::decode(v["body_hex"].as_str().expect("body_hex")).expect("hex");
            if body_differs(v) {
                assert_ne!(tx.body_bytes(), body, "{name}");
                assert!(verify(tx, &ctx_for(v)).is_err(), "{name}: verified");
                continue;
            }
            covered.insert(format!("{}/v{}", tx.tx_type().id(), tx.version));
            key_types.insert(tx.sender.key_type());
            assert_eq!(
                hex::encode(tx.body_bytes()),
                hex::encode(&body),
                "{name}: body bytes"
            );
            assert_eq!(tx.id().to_base58(), v["id"], "{name}: id");
            let verified =
                verify(tx.clone(), &ctx_for(v)).unwrap_or_else(|e| panic!("{name}: {e}"));
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
                match k.as_str() {
                    // The Python client sends binary data values as raw text; we write
                    // "base64:" as LTO's node does (the JS client does too: compared).
                    "data" if file == "python" => continue,
                    // PEM line breaks are free; the DER inside is compared by the body.
                    "certificate" => continue,
                    _ => {}
                }
                assert_eq!(&ours[k], val, "{name}: field {k}");
            }
            assert_eq!(ours["id"], v["id"], "{name}");
        }
        // Every type and version the client can build is covered, and every key type that
        // can sign.
        for tv in d["supported_by_client"].as_array().expect("supported") {
            let tv = tv.as_str().expect("type/version");
            assert!(covered.contains(tv), "{file}: no vector for {tv}");
        }
        for kt in [KeyType::Ed25519, KeyType::Secp256k1, KeyType::Secp256r1] {
            assert!(key_types.contains(&kt), "{file}: no {kt:?} sender");
        }
    }
}

#[test]
fn batch_verification_accepts_all_client_transactions() {
    for (file, d) in files() {
        let vs: Vec<Value> = regular(&d)
            .into_iter()
            .filter(|v| !body_differs(v))
            .collect();
        // One batch per vector (each has its own time) and one of all (at a common time).
        for v in &vs {
            let r = verify_batch(vec![parse(v)], &ctx_for(v));
            assert!(r[0].is_ok(), "{file} {}: {:?}", v["name"], r[0]);
        }
        let mut ctx = ctx_for(&vs[0]);
        ctx.max_past_ms = u64::MAX / 4;
        ctx.max_future_ms = u64::MAX / 4;
        let same_chain: Vec<Transaction> = vs
            .iter()
            .filter(|v| chain(v) == ctx.chain_id)
            .map(parse)
            .collect();
        let n = same_chain.len();
        let results = verify_batch(same_chain, &ctx);
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), n, "{file}");
    }
}

#[test]
fn flipping_any_byte_fails_with_a_typed_error() {
    for (file, d) in files() {
        for v in regular(&d).iter().filter(|v| !body_differs(v)) {
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
                            "{file} {name}: byte {i} ^ {mask:#x} still verifies"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn transactions_the_js_client_gets_wrong_are_refused() {
    let d = js();
    let quirks = d["quirk_transactions"].as_array().expect("quirks");
    assert!(quirks.len() >= 5);
    for v in quirks {
        let name = v["name"].as_str().expect("name");
        match from_json(&v["json"], chain(v)) {
            Err(e) => assert!(!e.to_string().is_empty(), "{name}"),
            Ok(tx) => {
                let err = verify(tx, &ctx_for(v)).expect_err(name);
                assert!(!err.to_string().is_empty(), "{name}");
            }
        }
    }
}

#[test]
fn new_types_read_as_lto_defines_them() {
    // A few fields checked by value, beyond byte equality with the clients.
    for (file, d) in files() {
        for v in regular(&d) {
            let tx = parse(&v);
            match &tx.body {
                TxBody::Burn { amount } => assert_eq!(amount.0, v["json"]["amount"], "{file}"),
                TxBody::Register { keys } => {
                    let accounts = v["json"]["accounts"].as_array().expect("accounts");
                    assert_eq!(keys.len(), accounts.len());
                    for (k, a) in keys.iter().zip(accounts) {
                        assert_eq!(k.key_type.name(), a["keyType"], "{file}");
                    }
                }
                TxBody::Sponsorship { recipient } | TxBody::CancelSponsorship { recipient } => {
                    assert_eq!(recipient.to_base58(), v["json"]["recipient"], "{file}");
                }
                _ => {}
            }
        }
    }
}
