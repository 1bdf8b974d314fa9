//! The chain on both stores: the same suite runs against `MemStore` and `RocksStore`.
//! Balances, fees, leases, associations, scripts, anchors with receipts, typed refusals that
//! change nothing, micro blocks dropped by the next key block, and exact rollback.

use ltonode_ledger::block::{KeyBlockHeader, MicroBlock, VRF_PROOF_LEN};
use ltonode_ledger::chain::{Chain, ChainConfig, ChainError};
use ltonode_ledger::merkle::AnchorRoots;
use ltonode_ledger::receipt::AnchorReceipt;
use ltonode_ledger::script::Script;
use ltonode_ledger::state::{MicroBlockError, StateView, TxApplyError};
use ltonode_ledger::store::Column;
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::{
    Address, Amount, ChainId, Height, KeyPair, MemStore, PublicKey, RocksConfig, RocksStore,
    Signature, Store, Timestamp, Transaction, TxId,
};

pub const LTO: u64 = 100_000_000;
pub const T0: u64 = 1_767_225_600_000;
pub const T: ChainId = ChainId::TESTNET;

pub fn kp(s: &str) -> KeyPair {
    KeyPair::from_seed_phrase(s, 0)
}

pub fn addr(k: &KeyPair) -> Address {
    Address::from_public_key(T, &k.public_key())
}

pub struct Harness<S: Store> {
    pub chain: Chain<S>,
    pub generator: KeyPair,
}

pub fn genesis_tx(to: &KeyPair, amount: u64) -> Transaction {
    Transaction {
        version: 1,
        chain_id: T,
        timestamp: Timestamp(T0),
        sender: PublicKey([0; 32]).into(),
        fee: Amount(0),
        sponsor: None,
        proofs: vec![],
        body: TxBody::Genesis {
            recipient: addr(to),
            amount: Amount(amount),
        },
    }
}

impl<S: Store> Harness<S> {
    pub fn new(store: S) -> Harness<S> {
        Self::with_split(store, ltonode_ledger::state::transition::FeeSplit::LTO)
    }

    /// A harness whose chain splits fees with `split`.
    pub fn with_split(store: S, split: ltonode_ledger::state::transition::FeeSplit) -> Harness<S> {
        let mut config = ChainConfig::lto(T);
        config.lease_unbonding = 3;
        config.fee_split = split;
        let mut chain = Chain::open(store, config).expect("open");
        chain
            .init_genesis(
                Timestamp(T0),
                250,
                vec![
                    genesis_tx(&kp("alice"), 1_000_000 * LTO),
                    genesis_tx(&kp("bob"), 1_000 * LTO),
                    genesis_tx(&kp("gen1"), 10_000 * LTO),
                    genesis_tx(&kp("gen2"), 10_000 * LTO),
                ],
            )
            .expect("genesis");
        Harness {
            chain,
            generator: kp("gen0"),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.chain.tip().expect("tip").header.timestamp
    }

    /// A key block by `generator` keeping every micro block of the current block.
    pub fn key_block(&mut self, generator: &KeyPair) -> Result<Vec<Transaction>, ChainError> {
        let tip = self.chain.tip().expect("tip").clone();
        let header = self.header(generator, tip.total_id, self.chain.next_commitments()?);
        let r = self.chain.apply_key_block(&header, [0; 32]);
        if r.is_ok() {
            self.generator = generator.clone();
        }
        r
    }

    pub fn header(
        &self,
        generator: &KeyPair,
        parent: ltonode_ledger::block::BlockId,
        commitments: ltonode_ledger::block::Commitments,
    ) -> KeyBlockHeader {
        let tip = self.chain.tip().expect("tip");
        let mut h = KeyBlockHeader {
            version: ltonode_ledger::block::KEY_BLOCK_VERSION,
            height: Height(tip.height.0 + 1),
            timestamp: Timestamp(tip.header.timestamp.0 + 5_000),
            parent,
            base_target: 250,
            vrf_proof: [0; VRF_PROOF_LEN],
            commitments,
            generator: PublicKey([0; 32]),
            signature: Signature([0; 64]),
        };
        h.sign(generator);
        h
    }

    pub fn micro(&mut self, txs: Vec<Transaction>) -> Result<MicroBlock, ChainError> {
        let tip = self.chain.tip().expect("tip");
        let m = MicroBlock::new_signed(tip.total_id, txs, &self.generator);
        self.chain.apply_micro_block(&m).map(|_| m)
    }

    pub fn tx(&self, from: &KeyPair, fee: u64, body: TxBody) -> Transaction {
        let mut t = Transaction {
            version: 3,
            chain_id: T,
            timestamp: self.now(),
            sender: from.public_key().into(),
            fee: Amount(fee),
            sponsor: None,
            proofs: vec![],
            body,
        };
        t.sign_with(from);
        t
    }

    pub fn transfer(&self, from: &KeyPair, to: &KeyPair, amount: u64) -> Transaction {
        self.tx(
            from,
            LTO,
            TxBody::Transfer {
                recipient: addr(to),
                amount: Amount(amount),
                attachment: vec![],
            },
        )
    }

    pub fn anchor(&self, from: &KeyPair, hashes: &[[u8; 32]]) -> Transaction {
        self.tx(
            from,
            25_000_000 + 10_000_000 * hashes.len() as u64,
            TxBody::Anchor {
                anchors: hashes.iter().map(|h| h.to_vec()).collect(),
            },
        )
    }

    pub fn regular(&self, k: &KeyPair) -> u64 {
        self.chain.account(&addr(k)).expect("account").regular
    }
}

/// Every key and value of every column.
pub fn dump<S: Store>(s: &S) -> Vec<(Column, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for c in Column::ALL {
        for (k, v) in s.scan_prefix(c, &[], None).expect("scan") {
            out.push((c, k, v));
        }
    }
    out
}

pub fn rocks() -> (tempfile::TempDir, RocksStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = RocksStore::open(dir.path(), RocksConfig::default()).expect("open rocks");
    (dir, s)
}

#[test]
fn the_ng_fee_split_comes_from_the_chain_config() {
    use ltonode_ledger::state::transition::FeeSplit;
    assert_eq!(FeeSplit::LTO.opener(100_000_000), 40_000_000);
    // LTO rounds the fifth down before doubling it.
    assert_eq!(FeeSplit::LTO.opener(7), 2);
    let half = FeeSplit {
        numerator: 1,
        denominator: 2,
    };
    assert_eq!(half.opener(7), 3);
    assert_eq!(
        FeeSplit {
            numerator: 1,
            denominator: 0
        }
        .opener(7),
        0
    );
    assert_eq!(
        FeeSplit {
            numerator: 9,
            denominator: 5
        }
        .opener(10),
        10,
        "never above the fee"
    );

    let mut h = Harness::with_split(MemStore::new(), half);
    let (alice, bob, g1, g2) = (kp("alice"), kp("bob"), kp("gen1"), kp("gen2"));
    h.key_block(&g1).expect("K2");
    let g1_before = h.regular(&g1);
    h.micro(vec![h.transfer(&alice, &bob, 10 * LTO)])
        .expect("micro");
    assert_eq!(h.regular(&g1), g1_before + 50_000_000);
    let g2_before = h.regular(&g2);
    h.key_block(&g2).expect("K3");
    assert_eq!(h.regular(&g2), g2_before + 50_000_000);
}

fn fees_and_transfers<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, g1, g2) = (kp("alice"), kp("bob"), kp("gen1"), kp("gen2"));
    h.key_block(&g1).expect("K2");
    let g1_before = h.regular(&g1);
    h.micro(vec![h.transfer(&alice, &bob, 10 * LTO)])
        .expect("micro");
    assert_eq!(h.regular(&alice), 1_000_000 * LTO - 11 * LTO);
    assert_eq!(h.regular(&bob), 1_010 * LTO);
    // 40% of the 1 LTO fee to the generator of the block that includes it ...
    assert_eq!(h.regular(&g1), g1_before + 40_000_000);
    let g2_before = h.regular(&g2);
    h.key_block(&g2).expect("K3");
    // ... and 60% to the generator of the next key block.
    assert_eq!(h.regular(&g2), g2_before + 60_000_000);
    assert_eq!(h.chain.height(), Height(3));
    let (tx, height) = h
        .chain
        .address_transactions(&addr(&bob), 10, 0)
        .expect("history")
        .into_iter()
        .next()
        .expect("one tx");
    assert_eq!(height, Height(2));
    assert!(matches!(tx.body, TxBody::Transfer { .. }));
    assert_eq!(
        h.chain.balance_at(&addr(&bob), Height(1)).expect("at 1"),
        1_000 * LTO
    );
    assert_eq!(
        h.chain.balance_at(&addr(&bob), Height(2)).expect("at 2"),
        1_010 * LTO
    );
}

fn refusals_change_nothing<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, g1) = (kp("alice"), kp("bob"), kp("gen1"));
    h.key_block(&g1).expect("K2");
    let before = dump(h.chain.store());
    // Overdraft.
    let e = h.micro(vec![h.transfer(&bob, &alice, 2_000 * LTO)]);
    assert!(
        matches!(
            e,
            Err(ChainError::Apply(MicroBlockError {
                index: 0,
                error: TxApplyError::Overdraft { .. },
                ..
            }))
        ),
        "{e:?}"
    );
    // Valid alone, not after the one before it.
    let t1 = h.transfer(&bob, &alice, 600 * LTO);
    let t2 = h.tx(
        &bob,
        LTO,
        TxBody::Transfer {
            recipient: addr(&alice),
            amount: Amount(600 * LTO),
            attachment: vec![1],
        },
    );
    let e = h.micro(vec![t1.clone(), t2]);
    assert!(
        matches!(
            e,
            Err(ChainError::Apply(MicroBlockError {
                index: 1,
                error: TxApplyError::Overdraft { .. },
                ..
            }))
        ),
        "{e:?}"
    );
    // Bad signature.
    let mut bad = h.transfer(&alice, &bob, LTO);
    bad.proofs[0][3] ^= 1;
    assert!(matches!(
        h.micro(vec![bad]),
        Err(ChainError::InvalidTx { index: 0, .. })
    ));
    // Wrong generator signs a micro block.
    let m = MicroBlock::new_signed(h.chain.tip().expect("tip").total_id, vec![t1.clone()], &bob);
    assert_eq!(
        h.chain.apply_micro_block(&m),
        Err(ChainError::WrongGenerator)
    );
    assert_eq!(
        dump(h.chain.store()),
        before,
        "a refused micro block changed the store"
    );
    // Replay of a confirmed transaction.
    h.micro(vec![t1.clone()]).expect("first");
    let e = h.micro(vec![t1.clone()]);
    assert!(
        matches!(
            e,
            Err(ChainError::Apply(MicroBlockError {
                error: TxApplyError::Duplicate(_),
                ..
            }))
        ),
        "{e:?}"
    );
    // Key block with wrong commitments.
    let tip = h.chain.tip().expect("tip").clone();
    let mut c = h.chain.next_commitments().expect("c");
    c.anchors = AnchorRoots {
        sha256: [1; 32],
        blake2b: [2; 32],
    };
    let header = h.header(&g1, tip.total_id, c);
    assert_eq!(
        h.chain.apply_key_block(&header, [0; 32]),
        Err(ChainError::Commitments { height: 2 })
    );
}

fn leases<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, g1) = (kp("alice"), kp("bob"), kp("gen1"));
    h.key_block(&g1).expect("K2");
    let lease = h.tx(
        &alice,
        LTO,
        TxBody::Lease {
            recipient: addr(&g1),
            amount: Amount(5_000 * LTO),
        },
    );
    let lease_id = lease.id();
    h.micro(vec![lease]).expect("lease");
    let a = h.chain.account(&addr(&alice)).expect("a");
    assert_eq!(a.lease_out, 5_000 * LTO);
    assert_eq!(
        h.chain.account(&addr(&g1)).expect("g").lease_in,
        5_000 * LTO
    );
    assert_eq!(h.chain.leases_out(&addr(&alice)).expect("out").len(), 1);
    assert_eq!(h.chain.leases_in(&addr(&g1)).expect("in")[0].id, lease_id);
    // Leased coins are not spendable.
    let too_much = h.transfer(&alice, &bob, 1_000_000 * LTO - 5_001 * LTO);
    assert!(matches!(
        h.micro(vec![too_much]),
        Err(ChainError::Apply(MicroBlockError {
            error: TxApplyError::Overdraft { .. },
            ..
        }))
    ));
    // Only the lessor cancels, once.
    let foreign = h.tx(&bob, LTO, TxBody::CancelLease { lease_id });
    assert!(matches!(
        h.micro(vec![foreign]),
        Err(ChainError::Apply(MicroBlockError {
            error: TxApplyError::ForeignLease(_),
            ..
        }))
    ));
    let unknown = h.tx(
        &alice,
        LTO,
        TxBody::CancelLease {
            lease_id: TxId([7; 32]),
        },
    );
    assert!(matches!(
        h.micro(vec![unknown]),
        Err(ChainError::Apply(MicroBlockError {
            error: TxApplyError::UnknownLease(_),
            ..
        }))
    ));
    h.micro(vec![h.tx(&alice, LTO, TxBody::CancelLease { lease_id })])
        .expect("cancel");
    let again = h.tx(&alice, 2 * LTO, TxBody::CancelLease { lease_id });
    assert!(matches!(
        h.micro(vec![again]),
        Err(ChainError::Apply(MicroBlockError {
            error: TxApplyError::LeaseNotActive(_),
            ..
        }))
    ));
    assert!(h.chain.leases_out(&addr(&alice)).expect("out").is_empty());
    // Unbonding: 3 blocks before the amount is spendable again.
    let d = h
        .chain
        .balance_details(&addr(&alice), 1000)
        .expect("details");
    assert_eq!(d.unbonding, 5_000 * LTO);
    assert_eq!(d.available, d.regular - 5_000 * LTO);
    for g in [&g1, &g1, &g1] {
        h.key_block(g).expect("key");
    }
    let d = h
        .chain
        .balance_details(&addr(&alice), 1000)
        .expect("details");
    assert_eq!((d.unbonding, d.available), (0, d.regular));
}

fn associations_and_scripts<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, g1) = (kp("alice"), kp("bob"), kp("gen1"));
    h.key_block(&g1).expect("K2");
    let issue = |h: &Harness<S>, expires: Option<u64>, fee: u64| {
        h.tx(
            &alice,
            fee,
            TxBody::IssueAssociation {
                association_type: 42,
                recipient: addr(&bob),
                expires: expires.map(Timestamp),
                subject: None,
                data: vec![],
            },
        )
    };
    h.micro(vec![issue(&h, Some(T0 + 1_000_000), 50_000_000)])
        .expect("issue");
    h.micro(vec![issue(&h, Some(T0 + 9_000_000), 50_000_001)])
        .expect("extend");
    let out = h.chain.associations_out(&addr(&alice)).expect("out");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1.expires, Some(Timestamp(T0 + 9_000_000)));
    assert_eq!(h.chain.associations_in(&addr(&bob)).expect("in").len(), 1);
    let revoke = |h: &Harness<S>, fee: u64| {
        h.tx(
            &alice,
            fee,
            TxBody::RevokeAssociation {
                association_type: 42,
                recipient: addr(&bob),
                subject: None,
            },
        )
    };
    h.micro(vec![revoke(&h, 50_000_000)]).expect("revoke");
    assert!(matches!(
        h.micro(vec![revoke(&h, 50_000_001)]),
        Err(ChainError::Apply(MicroBlockError {
            error: TxApplyError::UnknownAssociation,
            ..
        }))
    ));

    // A script that allows only anchoring, and payments co-signed by bob.
    let text = format!("any(types(15), signed({}))", bob.public_key());
    let script = Script::parse(&text).expect("script");
    h.micro(vec![h.tx(
        &alice,
        5 * LTO,
        TxBody::SetScript {
            script: Some(script.encode()),
        },
    )])
    .expect("set");
    assert_eq!(
        h.chain.script(&addr(&alice)).expect("s"),
        Some(script.encode())
    );
    let pay = h.transfer(&alice, &bob, LTO);
    assert!(matches!(
        h.micro(vec![pay]),
        Err(ChainError::Apply(MicroBlockError {
            error: TxApplyError::ScriptRefused(_),
            ..
        }))
    ));
    h.micro(vec![h.anchor(&alice, &[[5; 32]])])
        .expect("anchoring is allowed");
    let mut cosigned = h.tx(
        &alice,
        LTO,
        TxBody::Transfer {
            recipient: addr(&bob),
            amount: Amount(2),
            attachment: vec![],
        },
    );
    cosigned.sign_with(&bob);
    h.micro(vec![cosigned]).expect("co-signed payment");
    // Garbage script bytes are refused.
    let bad = h.tx(
        &bob,
        5 * LTO,
        TxBody::SetScript {
            script: Some(vec![1, 2, 3]),
        },
    );
    assert!(matches!(
        h.micro(vec![bad]),
        Err(ChainError::Apply(MicroBlockError {
            error: TxApplyError::BadScript(_),
            ..
        }))
    ));
    // Without a script, an extra proof is refused.
    let mut extra = h.transfer(&bob, &alice, LTO);
    extra.sign_with(&alice);
    assert!(matches!(
        h.micro(vec![extra]),
        Err(ChainError::Apply(MicroBlockError {
            error: TxApplyError::ExtraProofs {
                expected: 1,
                found: 2
            },
            ..
        }))
    ));
}

fn anchors_and_receipts<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, g1) = (kp("alice"), kp("gen1"));
    h.key_block(&g1).expect("K2");
    let hashes: Vec<[u8; 32]> = (0..7u8).map(|i| [i; 32]).collect();
    h.micro(vec![h.anchor(&alice, &hashes[..3])]).expect("m1");
    h.micro(vec![h.anchor(&alice, &hashes[3..])]).expect("m2");
    let pending = h.chain.anchor(&hashes[4]).expect("lookup");
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].height, pending[0].position), (Height(2), 4));
    assert!(
        pending[0].receipt.is_none(),
        "no receipt before the committing key block"
    );
    h.key_block(&g1).expect("K3");
    let k3 = h.chain.header_at(Height(3)).expect("h").expect("K3").id();
    // Key blocks 4..=12: the receipts are then anchored to each of them in turn.
    for _ in 4..=12 {
        h.key_block(&g1).expect("key block");
    }
    for (i, hash) in hashes.iter().enumerate() {
        let e = h.chain.anchor(hash).expect("lookup").pop().expect("entry");
        let r = e.receipt.expect("receipt");
        assert_eq!(r.proofs.sha256.index, i as u64);
        assert_eq!(r.proofs.sha256.leaf_count, 7);
        let ok = r.verify(&k3).expect("valid against K3");
        assert_eq!(
            (ok.height, ok.position, ok.tx_id),
            (Height(2), i as u64, e.tx_id)
        );
        let back = AnchorReceipt::from_json(&r.to_json()).expect("json");
        assert_eq!(back, r);
        let mut forged = r.clone();
        forged.anchor[0] ^= 1;
        assert_eq!(forged.verify(&k3).map_err(|e| e.part()), Err("sha256 path"));
        let mut other_tx = r.clone();
        other_tx.tx_id.0[0] ^= 1;
        assert_eq!(
            other_tx.verify(&k3).map_err(|e| e.part()),
            Err("sha256 path")
        );
        let mut moved = r.clone();
        moved.proofs.sha256.index = (i as u64 + 1) % 7;
        moved.proofs.blake2b.index = (i as u64 + 1) % 7;
        assert!(moved.verify(&k3).is_err());
        for to in 4..=12u32 {
            let kt = h.chain.header_at(Height(to)).expect("h").expect("K_t").id();
            let later = h
                .chain
                .anchor_receipt_to(&r, Height(to))
                .expect("read")
                .expect("anchored");
            assert_eq!(later.verify(&kt).map(|v| v.block_id), Ok(kt));
            // Not valid against the committing block, nor any other one.
            assert_eq!(
                later.verify(&k3).map_err(|e| e.part()),
                Err("trusted block")
            );
            let json = later.to_json();
            assert_eq!(AnchorReceipt::from_json(&json).as_ref(), Ok(&later));
            let mut bent = later.clone();
            if let Some(a) = bent.anchored_to.as_mut() {
                if let Some(s) = a.path.siblings.first_mut() {
                    s[0] ^= 1;
                } else {
                    a.path.siblings.push([0; 32]);
                }
            }
            assert_eq!(bent.verify(&kt).map_err(|e| e.part()), Err("history path"));
        }
        assert_eq!(
            h.chain.anchor_receipt_to(&r, Height(2)).expect("read"),
            None
        );
        assert_eq!(
            h.chain.anchor_receipt_to(&r, Height(13)).expect("read"),
            None
        );
    }
    assert!(h.chain.anchor(&[9u8; 32]).expect("lookup").is_empty());
}

fn key_block_drops_unreferenced_micro_blocks<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, g1, g2) = (kp("alice"), kp("bob"), kp("gen1"), kp("gen2"));
    h.key_block(&g1).expect("K2");
    h.micro(vec![h.transfer(&alice, &bob, LTO)]).expect("m1");
    let after_m1 = (
        h.chain.tip().expect("tip").total_id,
        h.chain.next_commitments().expect("c"),
    );
    let state_after_m1 = (h.regular(&alice), h.regular(&bob), h.regular(&g1));
    let t2 = h.transfer(&bob, &alice, 3 * LTO);
    h.micro(vec![t2.clone()]).expect("m2");
    // The next generator only saw the first micro block.
    let header = h.header(&g2, after_m1.0, after_m1.1);
    let returned = h.chain.apply_key_block(&header, [0; 32]).expect("K3");
    assert_eq!(returned, vec![t2]);
    assert_eq!(
        (h.regular(&alice), h.regular(&bob)),
        (state_after_m1.0, state_after_m1.1)
    );
    assert_eq!(
        h.regular(&g1),
        state_after_m1.2,
        "the dropped micro block's 40% is gone too"
    );
}

fn rollback_is_exact<S: Store>(store: S) {
    let mut h = Harness::new(store);
    let (alice, bob, g1, g2) = (kp("alice"), kp("bob"), kp("gen1"), kp("gen2"));
    let mut dumps = vec![(h.chain.height(), dump(h.chain.store()))];
    for i in 0..8u8 {
        h.key_block(if i % 2 == 0 { &g1 } else { &g2 })
            .expect("key");
        let mut txs = vec![
            h.transfer(&alice, &bob, (i as u64 + 1) * LTO),
            h.anchor(&bob, &[[i; 32]]),
        ];
        if i == 2 {
            txs.push(h.tx(
                &alice,
                LTO,
                TxBody::Lease {
                    recipient: addr(&g2),
                    amount: Amount(50 * LTO),
                },
            ));
        }
        h.micro(txs).expect("micro");
        h.micro(vec![h.anchor(&alice, &[[i + 100; 32], [i + 200; 32]])])
            .expect("micro 2");
        dumps.push((h.chain.height(), dump(h.chain.store())));
    }
    for k in [3usize, 1] {
        let (height, expected) = &dumps[dumps.len() - 1 - k];
        h.chain.rollback_to(*height).expect("rollback");
        assert_eq!(
            &dump(h.chain.store()),
            expected,
            "state after rolling back to {height:?}"
        );
        dumps.truncate(dumps.len() - k);
    }
    assert_eq!(
        h.chain.rollback_to(Height(0)),
        Err(ChainError::Rollback {
            target: 0,
            reason: "the genesis block cannot be rolled back"
        })
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
    fees_and_transfers,
    refusals_change_nothing,
    leases,
    associations_and_scripts,
    anchors_and_receipts,
    key_block_drops_unreferenced_micro_blocks,
    rollback_is_exact
);

#[test]
fn memstore_is_unused_warning_guard() {
    // Keeps the import of MemStore used when the macro expands differently.
    let _ = MemStore::new();
}
