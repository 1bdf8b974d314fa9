//! Property tests of the transaction codecs: every codec round-trips, and arbitrary bytes or
//! JSON never panic a decoder.

use ltonode_ledger::tx::codec::{decode_body, decode_wire};
use ltonode_ledger::tx::json::{from_json, to_json};
use ltonode_ledger::tx::{DataEntry, DataValue, RegisteredKey};
use ltonode_ledger::{
    Address, Amount, ChainId, KeyPair, KeyType, Timestamp, Transaction, TxBody, TxId,
};
use proptest::prelude::*;

fn address() -> impl Strategy<Value = Address> {
    any::<u32>().prop_map(|n| {
        Address::from_public_key(
            ChainId::TESTNET,
            &KeyPair::from_seed_phrase(&n.to_string(), 0).public_key(),
        )
    })
}

fn amount() -> impl Strategy<Value = Amount> {
    (0..=i64::MAX as u64).prop_map(Amount)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..=max)
}

fn nonempty(max: usize) -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::of(prop::collection::vec(any::<u8>(), 1..=max))
}

fn data_entry() -> impl Strategy<Value = DataEntry> {
    let value = prop_oneof![
        any::<i64>().prop_map(DataValue::Integer),
        any::<bool>().prop_map(DataValue::Boolean),
        bytes(40).prop_map(DataValue::Binary),
        "[a-z ]{0,20}".prop_map(DataValue::String),
    ];
    ("[a-z]{1,10}", value).prop_map(|(key, value)| DataEntry { key, value })
}

/// A body together with a version that accepts it.
fn body() -> impl Strategy<Value = (u8, TxBody)> {
    prop_oneof![
        (
            prop::sample::select(vec![1u8, 2, 3]),
            address(),
            amount(),
            bytes(140)
        )
            .prop_map(|(v, recipient, amount, attachment)| (
                v,
                TxBody::Transfer {
                    recipient,
                    amount,
                    attachment
                }
            )),
        (prop::sample::select(vec![1u8, 2, 3]), address(), amount())
            .prop_map(|(v, recipient, amount)| (v, TxBody::Lease { recipient, amount })),
        (prop::sample::select(vec![1u8, 2, 3]), any::<[u8; 32]>())
            .prop_map(|(v, id)| (v, TxBody::CancelLease { lease_id: TxId(id) })),
        (
            prop::sample::select(vec![1u8, 3]),
            prop::collection::vec((address(), amount()), 0..5),
            bytes(20)
        )
            .prop_map(|(v, transfers, attachment)| (
                v,
                TxBody::MassTransfer {
                    transfers,
                    attachment
                }
            )),
        (prop::sample::select(vec![1u8, 3]), nonempty(64))
            .prop_map(|(v, script)| (v, TxBody::SetScript { script })),
        (
            prop::sample::select(vec![1u8, 3]),
            prop::collection::vec(bytes(100), 0..6)
        )
            .prop_map(|(v, anchors)| (v, TxBody::Anchor { anchors })),
        (
            prop::sample::select(vec![1u8, 3, 4]),
            any::<i32>(),
            address(),
            prop::option::of(1..=i64::MAX as u64),
            nonempty(64),
            prop::collection::vec(data_entry(), 0..4)
        )
            .prop_map(|(v, t, recipient, expires, subject, data)| {
                let expires = if v == 1 { None } else { expires.map(Timestamp) };
                let data = if v == 4 { data } else { Vec::new() };
                (
                    v,
                    TxBody::IssueAssociation {
                        association_type: i64::from(t),
                        recipient,
                        expires,
                        subject,
                        data,
                    },
                )
            }),
        (
            prop::sample::select(vec![1u8, 3, 4]),
            any::<i32>(),
            address(),
            nonempty(64)
        )
            .prop_map(|(v, t, recipient, subject)| (
                v,
                TxBody::RevokeAssociation {
                    association_type: i64::from(t),
                    recipient,
                    subject
                }
            )),
        // Keys are distinct: a JSON object cannot hold a key twice (and validation refuses it).
        prop::collection::vec((bytes(20), bytes(20)), 0..6).prop_map(|mut anchors| {
            let mut seen = std::collections::HashSet::new();
            anchors.retain(|(k, _)| seen.insert(k.clone()));
            (3, TxBody::MappedAnchor { anchors })
        }),
        prop::collection::vec(data_entry(), 0..5).prop_map(|data| (3, TxBody::Data { data })),
        (prop::sample::select(vec![1u8, 3]), address(), any::<bool>()).prop_map(
            |(v, recipient, on)| {
                let body = if on {
                    TxBody::Sponsorship { recipient }
                } else {
                    TxBody::CancelSponsorship { recipient }
                };
                (v, body)
            }
        ),
        prop::collection::vec((0usize..4, any::<u8>()), 0..5).prop_map(|keys| {
            let keys = keys
                .into_iter()
                .map(|(t, b)| {
                    let key_type = KeyType::ALL[t];
                    RegisteredKey {
                        key_type,
                        public_key: vec![b; key_type.key_len()],
                    }
                })
                .collect();
            (3, TxBody::Register { keys })
        }),
        amount().prop_map(|amount| (3, TxBody::Burn { amount })),
        (
            any::<i64>(),
            prop::option::of(address()),
            nonempty(64),
            prop::collection::vec(data_entry(), 0..4)
        )
            .prop_map(|(statement_type, recipient, subject, data)| (
                3,
                TxBody::Statement {
                    statement_type,
                    recipient,
                    subject,
                    data
                }
            )),
        nonempty(200).prop_map(|certificate| (3, TxBody::Certificate { certificate })),
    ]
}

fn transaction() -> impl Strategy<Value = Transaction> {
    (
        body(),
        0..=i64::MAX as u64,
        amount(),
        any::<u8>(),
        any::<bool>(),
        0usize..3,
    )
        .prop_map(|((version, body), ts, fee, seed, sponsored, extra)| {
            let kp = KeyPair::from_seed_phrase(&seed.to_string(), 0);
            let mut tx = Transaction {
                version,
                chain_id: ChainId::TESTNET,
                timestamp: Timestamp(ts),
                sender: kp.public_key().into(),
                fee,
                sponsor: None,
                proofs: Vec::new(),
                body,
            };
            tx.sign_with(&kp);
            let single = version == 1 && matches!(tx.tx_type().id(), 4 | 8 | 9);
            if !single {
                if sponsored && version >= 3 {
                    let s = KeyPair::from_seed_phrase("sponsor", 0);
                    tx.sponsor = Some(s.public_key().into());
                    tx.sign_with(&s);
                }
                for i in 0..extra {
                    tx.proofs.push(vec![i as u8; 10]);
                }
            }
            tx
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn wire_round_trips(tx in transaction()) {
        let wire = tx.to_bytes();
        prop_assert_eq!(decode_wire(&wire, ChainId::TESTNET), Ok(tx.clone()));
    }

    #[test]
    fn json_round_trips(tx in transaction()) {
        prop_assert_eq!(from_json(&to_json(&tx), ChainId::TESTNET), Ok(tx));
    }

    #[test]
    fn body_round_trips(tx in transaction()) {
        let body = tx.body_bytes();
        let back = decode_body(&body, ChainId::TESTNET);
        // v1 transfer/lease/cancel bodies have no version byte; a key starting with 2 or 3 is
        // ambiguous in body bytes alone (the wire form is not).
        let ambiguous = tx.version == 1
            && matches!(tx.tx_type().id(), 4 | 8 | 9)
            && matches!(tx.sender.as_bytes().first(), Some(2 | 3));
        if !ambiguous {
            let back = back.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back.body_bytes(), body);
            prop_assert_eq!(back.body, tx.body);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode_wire(&b, ChainId::TESTNET);
        let _ = decode_body(&b, ChainId::TESTNET);
    }

    #[test]
    fn mutated_wire_never_panics(tx in transaction(), i in any::<prop::sample::Index>(), x in 1u8..) {
        let mut wire = tx.to_bytes();
        let at = i.index(wire.len());
        wire[at] ^= x;
        if let Ok(t) = decode_wire(&wire, ChainId::TESTNET) {
            // A decoded mutation re-encodes to exactly the mutated bytes: one encoding per tx.
            prop_assert_eq!(t.to_bytes(), wire.clone());
        }
        let _ = decode_wire(&wire[..at], ChainId::TESTNET);
    }

    #[test]
    fn arbitrary_json_never_panics(
        ty in prop_oneof![Just(serde_json::json!(15)), any::<i64>().prop_map(serde_json::Value::from), ".*".prop_map(serde_json::Value::from)],
        version in prop_oneof![Just(serde_json::Value::Null), any::<u8>().prop_map(serde_json::Value::from), ".*".prop_map(serde_json::Value::from)],
        s in ".*",
        n in any::<i64>(),
    ) {
        let shapes = [
            serde_json::json!({"type": ty, "version": version, "timestamp": n, "fee": n, "senderPublicKey": s, "anchors": [s], "proofs": [s]}),
            serde_json::json!({"type": ty, "timestamp": s, "recipient": s, "amount": n, "transfers": [{"recipient": s, "amount": n}]}),
            serde_json::json!({"type": ty, "anchors": {s.clone(): s}, "data": [{"key": s, "type": "binary", "value": n}]}),
            serde_json::json!([ty, version]),
            serde_json::Value::String(s),
        ];
        for j in shapes {
            let _ = from_json(&j, ChainId::TESTNET);
        }
    }
}
