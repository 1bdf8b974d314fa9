//! Fast sync: a new node checks headers and summaries from a pruned source, builds its state
//! at the last summary boundary, applies the blocks after it, and ends with exactly the
//! source's balances, leases, associations, scripts, data entries, sponsorships,
//! certificates, registered keys and burned total. Tampered summaries or headers are refused.

use super::periods::{LTO, addr, config, key_block, kp, micro, new_chain, tx};
use ltonode_ledger::block::BlockId;
use ltonode_ledger::chain::Chain;
use ltonode_ledger::script::Script;
use ltonode_ledger::state::StateView;
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::{Amount, Height, MemStore, Store, Timestamp};
use ltonode_summary::{
    FastSyncError, SyncedHeader, fast_sync, load_summary, next_summary_hash, store_summary,
};

/// The Python vectors' self-signed certificate of their "alice" key, with that key.
pub fn vector_certificate() -> (ltonode_ledger::KeyPair, Vec<u8>) {
    let d: serde_json::Value = serde_json::from_str(include_str!(
        "../../../ledger/tests/vectors/lto_python_vectors.json"
    ))
    .expect("json");
    let v = d["extra_transactions"]
        .as_array()
        .expect("extras")
        .iter()
        .find(|v| v["name"] == "certificate_v3")
        .expect("certificate vector")
        .clone();
    let key =
        ltonode_ledger::KeyPair::from_seed_phrase(v["signer_seed"].as_str().expect("seed"), 0);
    let tx = ltonode_ledger::tx::json::from_json(&v["json"], super::periods::T).expect("parse");
    let TxBody::Certificate {
        certificate: Some(der),
    } = tx.body
    else {
        panic!("not a certificate")
    };
    (key, der)
}

/// The transactions of the newer types at height `h` (every 5th block from 4): data,
/// sponsorship of carol and its cancel, a sponsored anchor, burns, register, certificate.
fn newer_types(chain: &Chain<MemStore>, h: u32) -> Vec<ltonode_ledger::Transaction> {
    use ltonode_ledger::tx::{DataEntry, DataValue, RegisteredKey};
    let (alice, carol) = (kp("alice"), kp("carol"));
    let (cert_key, der) = vector_certificate();
    let data = |k: &str, v: i64| TxBody::Data {
        data: vec![DataEntry {
            key: k.into(),
            value: DataValue::Integer(v),
        }],
    };
    match h {
        4 => vec![
            tx(chain, &alice, LTO, data("a", 1)),
            tx(
                chain,
                &alice,
                5 * LTO,
                TxBody::Sponsorship {
                    recipient: addr(&carol),
                },
            ),
            tx(
                chain,
                &alice,
                LTO,
                TxBody::Burn {
                    amount: Amount(3 * LTO),
                },
            ),
            tx(
                chain,
                &alice,
                LTO,
                TxBody::Register {
                    keys: vec![RegisteredKey {
                        key_type: ltonode_ledger::KeyType::Ed25519,
                        public_key: kp("dave").public_key().as_bytes().to_vec(),
                    }],
                },
            ),
            tx(
                chain,
                &alice,
                LTO,
                TxBody::Transfer {
                    recipient: addr(&cert_key),
                    amount: Amount(50 * LTO),
                    attachment: vec![],
                },
            ),
        ],
        // carol has nothing yet: her sponsor alice pays.
        9 => vec![tx(
            chain,
            &carol,
            35_000_000,
            TxBody::Anchor {
                anchors: vec![vec![9; 32]],
            },
        )],
        14 => vec![
            tx(chain, &alice, LTO, data("a", 2)),
            tx(chain, &alice, LTO, data("b", 3)),
        ],
        19 => vec![tx(
            chain,
            &alice,
            LTO,
            TxBody::CancelSponsorship {
                recipient: addr(&carol),
            },
        )],
        24 => vec![tx(
            chain,
            &cert_key,
            5 * LTO,
            TxBody::Certificate {
                certificate: Some(der),
            },
        )],
        29 | 34 | 39 => vec![tx(
            chain,
            &alice,
            LTO,
            TxBody::Burn {
                amount: Amount(LTO),
            },
        )],
        _ => vec![],
    }
}

/// A source chain with transfers, anchors, leases, cancels, associations, a script, and the
/// newer types.
fn source(to: u32) -> Chain<MemStore> {
    let mut chain = new_chain(MemStore::new(), false);
    let (alice, bob, carol) = (kp("alice"), kp("bob"), kp("carol"));
    let mut leases = Vec::new();
    while chain.height().0 < to {
        key_block(&mut chain);
        let h = chain.height().0;
        if h > 1 && (h - 1).is_multiple_of(8) {
            store_summary(&chain, (h - 1) / 8).expect("store");
        }
        let mut txs = vec![
            tx(
                &chain,
                &alice,
                LTO,
                TxBody::Transfer {
                    recipient: addr(&bob),
                    amount: Amount(u64::from(h) * LTO),
                    attachment: vec![],
                },
            ),
            tx(
                &chain,
                &alice,
                35_000_000,
                TxBody::Anchor {
                    anchors: vec![h.to_be_bytes().to_vec()],
                },
            ),
        ];
        match h % 5 {
            0 => {
                let l = tx(
                    &chain,
                    &alice,
                    LTO,
                    TxBody::Lease {
                        recipient: addr(&kp("gen")),
                        amount: Amount(100 * LTO),
                    },
                );
                leases.push(l.id());
                txs.push(l);
            }
            1 if !leases.is_empty() => {
                txs.push(tx(
                    &chain,
                    &alice,
                    LTO,
                    TxBody::CancelLease {
                        lease_id: leases.remove(0),
                    },
                ));
            }
            2 => txs.push(tx(
                &chain,
                &alice,
                50_000_000 + u64::from(h),
                TxBody::IssueAssociation {
                    association_type: i64::from(h % 3),
                    recipient: addr(&carol),
                    expires: Some(Timestamp(
                        chain.tip().expect("tip").header.timestamp.0 + 20_000,
                    )),
                    subject: None,
                    data: vec![],
                },
            )),
            3 if h == 13 => {
                let s = Script::parse(&format!("any(types(4, 15), signed({}))", bob.public_key()))
                    .expect("script");
                txs.push(tx(
                    &chain,
                    &bob,
                    LTO,
                    TxBody::Transfer {
                        recipient: addr(&carol),
                        amount: Amount(20 * LTO),
                        attachment: vec![],
                    },
                ));
                txs.push(tx(
                    &chain,
                    &carol,
                    5 * LTO,
                    TxBody::SetScript {
                        script: Some(s.encode()),
                    },
                ));
            }
            _ => {}
        }
        txs.extend(newer_types(&chain, h));
        micro(&mut chain, txs);
    }
    chain
}

fn headers(src: &Chain<MemStore>, to: u32) -> Vec<SyncedHeader> {
    (1..=to)
        .map(|h| SyncedHeader {
            header: src.header_at(Height(h)).expect("h").expect("header"),
            micro_ids: src.micro_ids(Height(h)).expect("ids"),
        })
        .collect()
}

fn genesis_id(src: &Chain<MemStore>) -> BlockId {
    src.header_at(Height(1)).expect("h").expect("genesis").id()
}

#[test]
fn a_fast_synced_node_ends_with_the_same_state() {
    let src = source(40);
    let b = src.finalized_height().expect("final").0;
    assert_eq!(b, 32, "tip 40, period 8: the second-to-last boundary");
    let pruned = src.pruned_height().expect("pruned");
    assert!(
        pruned.0 >= 16,
        "the source pruned its old blocks ({pruned:?})"
    );
    assert!(src.block_micro_blocks(pruned).expect("m").is_empty());
    let summaries: Vec<_> = (1..=b / 8)
        .map(|n| load_summary(&src, n).expect("load").expect("stored"))
        .collect();
    let mut dst = Chain::open(MemStore::new(), config(false)).expect("open");
    let at = fast_sync(
        &mut dst,
        &genesis_id(&src),
        &headers(&src, b + 1),
        &summaries,
    )
    .expect("fast sync");
    assert_eq!(at, Height(32));
    // Then the full blocks after B, validated and applied as usual.
    for m in src.block_micro_blocks(Height(b + 1)).expect("m") {
        dst.apply_micro_block(&m).expect("micro");
    }
    for h in b + 2..=40 {
        let header = src.header_at(Height(h)).expect("h").expect("header");
        let summary = next_summary_hash(&dst).expect("summary");
        dst.apply_key_block(&header, summary).expect("key block");
        for m in src.block_micro_blocks(Height(h)).expect("m") {
            dst.apply_micro_block(&m).expect("micro");
        }
    }
    assert_eq!(dst.tip(), src.tip());
    let at = src.height();
    for (k, v) in src
        .store()
        .scan_prefix(ltonode_ledger::store::Column::Accounts, &[], None)
        .expect("scan")
    {
        let a = ltonode_ledger::Address::from_bytes(&k).expect("address");
        let (x, y) = (
            ltonode_ledger::state::Account::decode(&v).expect("acc"),
            dst.account(&a).expect("acc"),
        );
        assert_eq!(
            (x.regular, x.lease_in, x.lease_out, x.unbonding_at(at)),
            (y.regular, y.lease_in, y.lease_out, y.unbonding_at(at)),
            "{a}"
        );
        assert_eq!(
            src.script(&a).expect("s"),
            dst.script(&a).expect("s"),
            "script of {a}"
        );
        assert_eq!(
            src.leases_out(&a).expect("l"),
            dst.leases_out(&a).expect("l"),
            "leases of {a}"
        );
        assert_eq!(
            src.associations_out(&a).expect("as"),
            dst.associations_out(&a).expect("as"),
            "associations of {a}"
        );
        assert_eq!(
            src.data_entries(&a).expect("d"),
            dst.data_entries(&a).expect("d"),
            "data of {a}"
        );
        assert_eq!(
            src.sponsors(&a).expect("s"),
            dst.sponsors(&a).expect("s"),
            "sponsors of {a}"
        );
        assert_eq!(
            src.certificate(&a).expect("c"),
            dst.certificate(&a).expect("c"),
            "certificate of {a}"
        );
        assert_eq!(
            src.registered_keys(&a).expect("k"),
            dst.registered_keys(&a).expect("k"),
            "registered keys of {a}"
        );
    }
    // The newer types' state made it through the summaries, not only the last blocks.
    let alice = addr(&kp("alice"));
    assert_eq!(dst.data_entries(&alice).expect("d").len(), 2);
    assert_eq!(dst.registered_keys(&alice).expect("k").len(), 1);
    assert!(
        dst.certificate(&addr(&vector_certificate().0))
            .expect("c")
            .is_some()
    );
    assert_eq!(dst.sponsors(&addr(&kp("carol"))).expect("s"), vec![]);
    assert_eq!(dst.burned_at(dst.height()).expect("b"), 6 * LTO);
    assert_eq!(dst.burned_at(dst.height()), src.burned_at(src.height()));
    // Summary 1 (heights 1-8) keeps the newer types that change more than balances.
    let kept: Vec<u8> = summaries[0]
        .transactions
        .iter()
        .map(|(_, t)| t.tx_type().id())
        .collect();
    for t in [12u8, 18, 20, 21] {
        assert!(kept.contains(&t), "summary 1 keeps type {t}: {kept:?}");
    }
    assert!(!kept.contains(&15), "anchors are not kept");
    // A later summary derived by the fast-synced node equals the source's.
    assert_eq!(
        ltonode_summary::build_summary(&dst, 5).expect("S5").hash(),
        ltonode_summary::build_summary(&src, 5).expect("S5").hash()
    );
}

#[test]
fn tampered_summaries_and_headers_are_refused() {
    let src = source(33);
    let summaries: Vec<_> = (1..=3)
        .map(|n| load_summary(&src, n).expect("load").expect("stored"))
        .collect();
    let hs = headers(&src, 25);
    let gid = genesis_id(&src);

    let mut bad = summaries.clone();
    bad[1].balance_changes[0].1 += 1;
    bad[1].balance_changes[1].1 -= 1;
    let mut dst = Chain::open(MemStore::new(), config(false)).expect("open");
    assert!(matches!(
        fast_sync(&mut dst, &gid, &hs, &bad),
        Err(FastSyncError::BadSummary { index: 2, .. })
    ));

    let mut forged = hs.clone();
    forged[10].micro_ids.pop();
    assert!(matches!(
        fast_sync(&mut dst, &gid, &forged, &summaries),
        Err(FastSyncError::BadHeader { height: 12, .. })
    ));

    let mut resigned = hs.clone();
    resigned[5].header.timestamp = Timestamp(resigned[5].header.timestamp.0 + 1);
    assert!(matches!(
        fast_sync(&mut dst, &gid, &resigned, &summaries),
        Err(FastSyncError::BadHeader { height: 6, .. })
    ));

    assert!(matches!(
        fast_sync(&mut dst, &BlockId([1; 32]), &hs, &summaries),
        Err(FastSyncError::WrongGenesis { .. })
    ));
    assert!(dst.tip().is_none(), "nothing was written");
}
