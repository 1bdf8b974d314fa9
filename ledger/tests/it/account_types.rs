//! The newer LTO transaction types on a chain, on both stores: data entries, sponsorship and
//! its fee payer rule, burn, certificate, register, statement, and ECDSA senders. Each is
//! applied, read back, refused with a typed error that changes nothing, and rolled back
//! exactly.

use super::chain::{Harness, LTO, T, addr, dump, kp, rocks};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::state::{MicroBlockError, StateView, TxApplyError};
use ltonode_ledger::tx::validate::ValidationError;
use ltonode_ledger::tx::{DataEntry, DataValue, RegisteredKey, TxBody};
use ltonode_ledger::{
    AccountKey, Address, Amount, Height, KeyPair, KeyType, Store, Transaction, TxId,
};

fn entry(key: &str, value: DataValue) -> DataEntry {
    DataEntry {
        key: key.to_string(),
        value,
    }
}

fn data_tx<S: Store>(h: &Harness<S>, from: &KeyPair, data: Vec<DataEntry>) -> Transaction {
    h.tx(from, LTO, TxBody::Data { data })
}

fn sponsor_tx<S: Store>(h: &Harness<S>, from: &KeyPair, to: &KeyPair, on: bool) -> Transaction {
    let recipient = addr(to);
    let body = if on {
        TxBody::Sponsorship { recipient }
    } else {
        TxBody::CancelSponsorship { recipient }
    };
    h.tx(from, 5 * LTO, body)
}

/// The state error that refused the only transaction of a micro block.
fn state_refusal(r: Result<ltonode_ledger::block::MicroBlock, ChainError>) -> TxApplyError {
    match r {
        Err(ChainError::Apply(MicroBlockError { error, .. })) => error,
        other => panic!("expected a state refusal, got {other:?}"),
    }
}

/// The validation error that refused a micro block's transaction.
fn invalid(r: Result<ltonode_ledger::block::MicroBlock, ChainError>) -> ValidationError {
    match r {
        Err(ChainError::InvalidTx { error, .. }) => error,
        other => panic!("expected a validation refusal, got {other:?}"),
    }
}

fn data_entries<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, g1) = (kp("alice"), kp("gen1"));
    h.key_block(&g1).expect("K2");
    let before = h.regular(&alice);
    let first = vec![
        entry("int", DataValue::Integer(-7)),
        entry("bool", DataValue::Boolean(true)),
        entry("bin", DataValue::Binary(vec![0, 255])),
        entry("str", DataValue::String("héllo".into())),
    ];
    h.micro(vec![data_tx(&h, &alice, first)]).expect("data");
    // 500 units + 100 per started 256 bytes of entries, at 100,000 per unit.
    assert_eq!(h.regular(&alice), before - 60_000_000);
    // A later entry of a key replaces it; others stay.
    h.micro(vec![data_tx(
        &h,
        &alice,
        vec![entry("int", DataValue::Integer(42))],
    )])
    .expect("data 2");
    let got = h.chain.data_entries(&addr(&alice)).expect("entries");
    let keys: Vec<&str> = got.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["bin", "bool", "int", "str"], "sorted by key");
    assert_eq!(
        h.chain.data_entry(&addr(&alice), "int").expect("int"),
        Some(entry("int", DataValue::Integer(42)))
    );
    assert_eq!(
        h.chain.data_entry(&addr(&alice), "str").expect("str"),
        Some(entry("str", DataValue::String("héllo".into())))
    );
    assert_eq!(
        h.chain.data_entry(&addr(&alice), "nope").expect("none"),
        None
    );

    // Typed refusals that change nothing.
    let state = dump(h.chain.store());
    let refusals_end = |h: &Harness<S>| assert_eq!(dump(h.chain.store()), state);
    let dup = vec![
        entry("k", DataValue::Integer(1)),
        entry("k", DataValue::Integer(2)),
    ];
    assert_eq!(
        invalid(h.micro(vec![data_tx(&h, &alice, dup)])),
        ValidationError::Duplicate { field: "data" }
    );
    let many = (0..101)
        .map(|i| entry(&format!("k{i}"), DataValue::Boolean(false)))
        .collect();
    assert!(matches!(
        invalid(h.micro(vec![data_tx(&h, &alice, many)])),
        ValidationError::TooLong { field: "data", .. }
    ));
    assert_eq!(
        invalid(h.micro(vec![data_tx(
            &h,
            &alice,
            vec![entry("", DataValue::Integer(1))]
        )])),
        ValidationError::EmptyDataKey
    );
    assert!(matches!(
        invalid(h.micro(vec![data_tx(
            &h,
            &alice,
            vec![entry(&"x".repeat(101), DataValue::Integer(1))]
        )])),
        ValidationError::TooLong {
            field: "data key",
            ..
        }
    ));
    assert!(matches!(
        invalid(h.micro(vec![data_tx(
            &h,
            &alice,
            vec![entry("big", DataValue::Binary(vec![1; 1025]))]
        )])),
        ValidationError::DataValueTooLong { .. }
    ));
    refusals_end(&h);
    // A key of 100 characters fits, measured in UTF-16 as LTO does: "é" is one.
    assert!(
        h.micro(vec![data_tx(
            &h,
            &alice,
            vec![entry(&"é".repeat(100), DataValue::Integer(1))]
        )])
        .is_ok()
    );
}

fn sponsorship_pays_fees<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, carol, g1) = (kp("alice"), kp("bob"), kp("carol"), kp("gen1"));
    h.key_block(&g1).expect("K2");
    // carol gets 10 LTO and pays 5 of them to sponsor bob.
    h.micro(vec![h.transfer(&alice, &carol, 10 * LTO)])
        .expect("fund carol");
    h.micro(vec![sponsor_tx(&h, &alice, &bob, true)])
        .expect("alice sponsors bob");
    assert_eq!(
        h.chain.sponsors(&addr(&bob)).expect("s"),
        vec![addr(&alice)]
    );
    h.micro(vec![sponsor_tx(&h, &carol, &bob, true)])
        .expect("carol sponsors bob");
    // Newest first.
    assert_eq!(
        h.chain.sponsors(&addr(&bob)).expect("s"),
        vec![addr(&carol), addr(&alice)]
    );
    assert_eq!(h.regular(&carol), 5 * LTO);

    // bob's transfer: carol (newest) can pay the 1 LTO fee, so she does.
    let (a0, b0, c0) = (h.regular(&alice), h.regular(&bob), h.regular(&carol));
    let t = h.transfer(&bob, &alice, 2 * LTO);
    let id = t.id();
    h.micro(vec![t]).expect("sponsored transfer");
    assert_eq!(h.regular(&bob), b0 - 2 * LTO, "bob pays no fee");
    assert_eq!(h.regular(&carol), c0 - LTO, "carol pays it");
    assert_eq!(h.regular(&alice), a0 + 2 * LTO);
    assert_eq!(
        h.chain.fee_sponsor(&id).expect("sponsor"),
        Some(addr(&carol))
    );

    // A mass transfer to 5 costs 1.5 LTO: carol still has 4, so she pays it.
    let (b0, c0) = (h.regular(&bob), h.regular(&carol));
    let mt = h.tx(
        &bob,
        2 * LTO,
        TxBody::MassTransfer {
            transfers: vec![(addr(&g1), Amount(1)); 5],
            attachment: vec![],
        },
    );
    let id = mt.id();
    h.micro(vec![mt]).expect("mass transfer");
    assert_eq!(h.regular(&carol), c0 - 150_000_000);
    assert_eq!(h.regular(&bob), b0 - 5);
    assert_eq!(
        h.chain.fee_sponsor(&id).expect("sponsor"),
        Some(addr(&carol))
    );
    // carol (2.5 LTO) sends 1 LTO for a 1 LTO fee: 0.5 left, less than a fee, so the next
    // sponsor, alice, pays bob's next one.
    h.micro(vec![h.transfer(&carol, &g1, LTO)])
        .expect("drain carol");
    let (a0, b0, c0) = (h.regular(&alice), h.regular(&bob), h.regular(&carol));
    assert!(c0 < LTO);
    let t = h.transfer(&bob, &g1, LTO);
    let id = t.id();
    h.micro(vec![t]).expect("sponsored by alice");
    assert_eq!((h.regular(&carol), h.regular(&bob)), (c0, b0 - LTO));
    assert_eq!(h.regular(&alice), a0 - LTO);
    assert_eq!(
        h.chain.fee_sponsor(&id).expect("sponsor"),
        Some(addr(&alice))
    );

    // Refusals change nothing (a new block: the same body again would be a replay).
    h.key_block(&g1).expect("K3");
    let state = dump(h.chain.store());
    assert_eq!(
        state_refusal(h.micro(vec![sponsor_tx(&h, &alice, &bob, true)])),
        TxApplyError::AlreadySponsored {
            recipient: addr(&bob),
            sponsor: addr(&alice)
        }
    );
    assert_eq!(
        state_refusal(h.micro(vec![sponsor_tx(&h, &g1, &bob, false)])),
        TxApplyError::NotSponsored {
            recipient: addr(&bob),
            sponsor: addr(&g1)
        }
    );
    assert_eq!(
        invalid(h.micro(vec![sponsor_tx(&h, &alice, &alice, true)])),
        ValidationError::SelfSponsorship
    );
    assert_eq!(dump(h.chain.store()), state);

    // Cancelling takes the sponsor out of the list; bob pays his own fees again.
    h.micro(vec![
        h.transfer(&alice, &carol, 2 * LTO),
        sponsor_tx(&h, &carol, &bob, false),
        sponsor_tx(&h, &alice, &bob, false),
    ])
    .expect("cancels");
    assert_eq!(h.chain.sponsors(&addr(&bob)).expect("s"), vec![]);
    let b0 = h.regular(&bob);
    let t = h.transfer(&bob, &g1, LTO);
    let id = t.id();
    h.micro(vec![t]).expect("own fee");
    assert_eq!(h.regular(&bob), b0 - 2 * LTO);
    assert_eq!(h.chain.fee_sponsor(&id).expect("sponsor"), None);
}

fn burn_and_certificate<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, g1) = (kp("alice"), kp("bob"), kp("gen1"));
    h.key_block(&g1).expect("K2");
    let before = h.regular(&alice);
    h.micro(vec![h.tx(
        &alice,
        LTO,
        TxBody::Burn {
            amount: Amount(100 * LTO),
        },
    )])
    .expect("burn");
    assert_eq!(h.regular(&alice), before - 101 * LTO);
    assert_eq!(
        h.chain.burned_at(h.chain.height()).expect("burned"),
        100 * LTO
    );
    assert_eq!(h.chain.burned_at(Height(1)).expect("burned at 1"), 0);
    h.key_block(&g1).expect("K3");
    h.micro(vec![h.tx(
        &bob,
        LTO,
        TxBody::Burn {
            amount: Amount(LTO),
        },
    )])
    .expect("burn 2");
    assert_eq!(h.chain.burned_at(Height(3)).expect("burned"), 101 * LTO);
    assert_eq!(h.chain.burned_at(Height(2)).expect("burned"), 100 * LTO);

    let state = dump(h.chain.store());
    let bob_has = h.regular(&bob);
    assert!(matches!(
        state_refusal(h.micro(vec![h.tx(
            &bob,
            LTO,
            TxBody::Burn {
                amount: Amount(bob_has)
            }
        )])),
        TxApplyError::Overdraft { .. }
    ));
    assert_eq!(
        invalid(h.micro(vec![h.tx(&bob, LTO, TxBody::Burn { amount: Amount(0) })])),
        ValidationError::NonPositiveAmount { field: "amount" }
    );
    // A certificate must certify the sender's own key.
    let (cert_key, der) = vector_certificate();
    assert!(matches!(
        invalid(h.micro(vec![h.tx(
            &alice,
            5 * LTO,
            TxBody::Certificate {
                certificate: Some(der.clone())
            }
        )])),
        ValidationError::BadCertificate { .. }
    ));
    assert!(matches!(
        invalid(h.micro(vec![h.tx(
            &alice,
            5 * LTO,
            TxBody::Certificate {
                certificate: Some(vec![0x30, 0x03, 1, 2, 3])
            }
        )])),
        ValidationError::BadCertificate { .. }
    ));
    assert_eq!(dump(h.chain.store()), state);

    h.micro(vec![h.transfer(&alice, &cert_key, 20 * LTO)])
        .expect("fund");
    h.micro(vec![h.tx(
        &cert_key,
        5 * LTO,
        TxBody::Certificate {
            certificate: Some(der.clone()),
        },
    )])
    .expect("certificate");
    assert_eq!(
        h.chain.certificate(&addr(&cert_key)).expect("cert"),
        Some(der)
    );
    h.micro(vec![h.tx(
        &cert_key,
        5 * LTO,
        TxBody::Certificate { certificate: None },
    )])
    .expect("clear");
    assert_eq!(h.chain.certificate(&addr(&cert_key)).expect("cert"), None);
}

/// The Python vectors' self-signed certificate of their "alice" key, with that key.
fn vector_certificate() -> (KeyPair, Vec<u8>) {
    let d: serde_json::Value =
        serde_json::from_str(include_str!("../vectors/lto_python_vectors.json")).expect("json");
    let v = d["extra_transactions"]
        .as_array()
        .expect("extras")
        .iter()
        .find(|v| v["name"] == "certificate_v3")
        .expect("certificate vector")
        .clone();
    let key = KeyPair::from_seed_phrase(v["signer_seed"].as_str().expect("seed"), 0);
    let tx = ltonode_ledger::tx::json::from_json(&v["json"], T).expect("parse");
    let TxBody::Certificate {
        certificate: Some(der),
    } = tx.body
    else {
        panic!("not a certificate")
    };
    (key, der)
}

/// A secp256k1 or secp256r1 signer for tests, from a fixed secret.
enum Ecdsa {
    K1(k256::ecdsa::SigningKey),
    R1(p256::ecdsa::SigningKey),
}

impl Ecdsa {
    fn key(&self) -> AccountKey {
        match self {
            Ecdsa::K1(k) => AccountKey::new(
                KeyType::Secp256k1,
                k.verifying_key().to_sec1_point(true).as_bytes(),
            )
            .expect("k1 key"),
            Ecdsa::R1(k) => AccountKey::new(
                KeyType::Secp256r1,
                k.verifying_key().to_sec1_point(true).as_bytes(),
            )
            .expect("r1 key"),
        }
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        use k256::ecdsa::signature::Signer;
        match self {
            Ecdsa::K1(k) => {
                let s: k256::ecdsa::Signature = k.sign(msg);
                s.to_bytes().to_vec()
            }
            Ecdsa::R1(k) => {
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_bytes().to_vec()
            }
        }
    }
}

fn ecdsa_senders_register_and_statements<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, g1) = (kp("alice"), kp("bob"), kp("gen1"));
    h.key_block(&g1).expect("K2");
    let signers = [
        Ecdsa::K1(k256::ecdsa::SigningKey::from_slice(&[7; 32]).expect("k1")),
        Ecdsa::R1(p256::ecdsa::SigningKey::from_slice(&[9; 32]).expect("r1")),
    ];
    for s in &signers {
        let a = Address::from_account_key(T, &s.key());
        h.micro(vec![h.tx(
            &alice,
            LTO,
            TxBody::Transfer {
                recipient: a,
                amount: Amount(10 * LTO),
                attachment: vec![],
            },
        )])
        .expect("fund");
        let mut t = Transaction {
            version: 3,
            chain_id: T,
            timestamp: h.now(),
            sender: s.key(),
            fee: Amount(LTO),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Transfer {
                recipient: addr(&bob),
                amount: Amount(2 * LTO),
                attachment: vec![],
            },
        };
        let sig = s.sign(&t.body_bytes());
        t.proofs.push(sig);
        let b0 = h.regular(&bob);
        h.micro(vec![t.clone()]).expect("ecdsa transfer");
        assert_eq!(h.regular(&bob), b0 + 2 * LTO);
        assert_eq!(h.chain.account(&a).expect("acc").regular, 7 * LTO);
        assert_eq!(h.chain.public_key(&a).expect("pk"), Some(s.key()));
        // The same body with a flipped signature byte is refused.
        t.timestamp = ltonode_ledger::Timestamp(t.timestamp.0 + 1);
        let mut sig = s.sign(&t.body_bytes());
        sig[5] ^= 1;
        t.proofs = vec![sig];
        assert!(matches!(
            invalid(h.micro(vec![t])),
            ValidationError::BadSignature { signer: "sender" }
        ));
    }

    // Register keys of every type; read back by the registering account.
    let keys = vec![
        RegisteredKey {
            key_type: KeyType::Ed25519,
            public_key: kp("other").public_key().as_bytes().to_vec(),
        },
        RegisteredKey {
            key_type: KeyType::Secp256k1,
            public_key: signers[0].key().as_bytes().to_vec(),
        },
        RegisteredKey {
            key_type: KeyType::Secp256r1,
            public_key: signers[1].key().as_bytes().to_vec(),
        },
    ];
    let reg = h.tx(&alice, LTO, TxBody::Register { keys: keys.clone() });
    let reg_id = reg.id();
    h.micro(vec![reg]).expect("register");
    let listed = h.chain.registered_keys(&addr(&alice)).expect("keys");
    let mut want = keys.clone();
    want.sort();
    assert_eq!(
        listed.iter().map(|k| k.key.clone()).collect::<Vec<_>>(),
        want
    );
    assert!(listed.iter().all(|k| k.tx_id == reg_id));
    let dup = vec![keys[0].clone(), keys[0].clone()];
    assert_eq!(
        invalid(h.micro(vec![h.tx(&alice, LTO, TxBody::Register { keys: dup })])),
        ValidationError::Duplicate { field: "keys" }
    );
    let short = vec![RegisteredKey {
        key_type: KeyType::Secp256k1,
        public_key: vec![2; 32],
    }];
    assert!(matches!(
        invalid(h.micro(vec![h.tx(&alice, LTO, TxBody::Register { keys: short })])),
        ValidationError::BadRegisteredKey { .. }
    ));

    // A statement changes no state but the fee, and lists its recipient.
    let before = h.regular(&alice);
    let st = h.tx(
        &alice,
        LTO,
        TxBody::Statement {
            statement_type: 5,
            recipient: Some(addr(&bob)),
            subject: Some(vec![1; 32]),
            data: vec![entry("k", DataValue::String("v".into()))],
        },
    );
    let st_id = st.id();
    h.micro(vec![st]).expect("statement");
    assert_eq!(h.regular(&alice), before - 60_000_000);
    let bob_txs: Vec<TxId> = h
        .chain
        .address_transactions(&addr(&bob), 100, 0)
        .expect("bob txs")
        .into_iter()
        .map(|(t, _)| t.id())
        .collect();
    assert!(bob_txs.contains(&st_id));
}

/// Every new type in blocks, rolled back: the store is byte for byte what it was.
fn new_types_roll_back_exactly<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, carol, g1, g2) = (kp("alice"), kp("bob"), kp("carol"), kp("gen1"), kp("gen2"));
    h.key_block(&g1).expect("K2");
    h.micro(vec![h.transfer(&alice, &carol, 50 * LTO)])
        .expect("fund");
    let (cert_key, der) = vector_certificate();
    h.micro(vec![h.transfer(&alice, &cert_key, 50 * LTO)])
        .expect("fund");
    let mut dumps = vec![(h.chain.height(), dump(h.chain.store()))];
    for i in 0..4u8 {
        h.key_block(if i % 2 == 0 { &g2 } else { &g1 })
            .expect("key");
        let mut txs = vec![
            data_tx(
                &h,
                &alice,
                vec![
                    entry("round", DataValue::Integer(i64::from(i))),
                    entry(&format!("k{i}"), DataValue::Binary(vec![i; 3])),
                ],
            ),
            h.tx(
                &bob,
                LTO,
                TxBody::Burn {
                    amount: Amount(LTO),
                },
            ),
            h.tx(
                &alice,
                LTO,
                TxBody::Register {
                    keys: vec![RegisteredKey {
                        key_type: KeyType::Ed25519,
                        public_key: kp(&format!("r{i}")).public_key().as_bytes().to_vec(),
                    }],
                },
            ),
        ];
        match i {
            0 => txs.push(sponsor_tx(&h, &carol, &bob, true)),
            1 => txs.push(h.tx(
                &cert_key,
                5 * LTO,
                TxBody::Certificate {
                    certificate: Some(der.clone()),
                },
            )),
            2 => txs.push(sponsor_tx(&h, &carol, &bob, false)),
            _ => txs.push(h.tx(
                &cert_key,
                5 * LTO,
                TxBody::Certificate { certificate: None },
            )),
        }
        h.micro(txs).expect("micro");
        // bob sends while (maybe) sponsored: the payer depends on the state.
        h.micro(vec![h.transfer(&bob, &alice, LTO)])
            .expect("micro 2");
        dumps.push((h.chain.height(), dump(h.chain.store())));
    }
    let tip_hash = h.chain.state_hash().expect("hash");
    for k in [1usize, 2] {
        let (height, expected) = &dumps[dumps.len() - 1 - k];
        h.chain.rollback_to(*height).expect("rollback");
        assert_eq!(
            &dump(h.chain.store()),
            expected,
            "state after rolling back to {height:?}"
        );
        dumps.truncate(dumps.len() - k);
    }
    assert_ne!(h.chain.state_hash().expect("hash"), tip_hash);
    // Rolled back to after round 0: bob is sponsored by carol, no certificate, burned 1.
    assert_eq!(
        h.chain.sponsors(&addr(&bob)).expect("s"),
        vec![addr(&carol)]
    );
    assert_eq!(h.chain.certificate(&addr(&cert_key)).expect("c"), None);
    assert_eq!(h.chain.burned_at(h.chain.height()).expect("b"), LTO);
    assert_eq!(
        h.chain.data_entry(&addr(&alice), "round").expect("d"),
        Some(entry("round", DataValue::Integer(0)))
    );
    assert_eq!(h.chain.data_entry(&addr(&alice), "k1").expect("d"), None);
}

/// Two chains that applied the same blocks have the same state hash, even when one of them
/// rolled a micro block back and applied it again on the way; another block changes it.
fn state_hash_depends_on_the_blocks_only<S: Store>(store: S) {
    let mut a = Harness::new(store);
    let mut b = Harness::new(ltonode_ledger::MemStore::new());
    let (alice, bob, g1) = (kp("alice"), kp("bob"), kp("gen1"));
    assert_eq!(
        a.chain.state_hash().expect("a"),
        b.chain.state_hash().expect("b")
    );
    a.key_block(&g1).expect("K2 a");
    b.key_block(&g1).expect("K2 b");
    let t1 = a.transfer(&alice, &bob, 3 * LTO);
    let t2 = data_tx(&a, &alice, vec![entry("k", DataValue::Integer(1))]);
    let m1 = a.micro(vec![t1]).expect("m1");
    let m2 = a.micro(vec![t2]).expect("m2");
    // b applies m1, m2, rolls m2 back, and applies it again.
    b.chain.apply_micro_block(&m1).expect("b m1");
    b.chain.apply_micro_block(&m2).expect("b m2");
    let before = b.chain.state_hash().expect("b");
    b.chain.rollback_micro_to(1).expect("rollback m2");
    assert_ne!(b.chain.state_hash().expect("b"), before);
    b.chain.apply_micro_block(&m2).expect("b m2 again");
    assert_eq!(
        b.chain.state_hash().expect("b"),
        a.chain.state_hash().expect("a")
    );
    a.micro(vec![a.transfer(&bob, &alice, LTO)]).expect("m3");
    assert_ne!(
        b.chain.state_hash().expect("b"),
        a.chain.state_hash().expect("a")
    );
}

macro_rules! both_stores {
    ($($name:ident),*) => {
        mod mem {
            $(#[test] fn $name() { super::$name(ltonode_ledger::MemStore::new()); })*
        }
        mod rocks {
            $(#[test] fn $name() { let (_d, s) = super::rocks(); super::$name(s); })*
        }
    };
}

both_stores!(
    data_entries,
    sponsorship_pays_fees,
    burn_and_certificate,
    ecdsa_senders_register_and_statements,
    new_types_roll_back_exactly,
    state_hash_depends_on_the_blocks_only
);
