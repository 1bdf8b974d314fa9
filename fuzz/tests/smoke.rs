//! The test suite's short run of every fuzz target: each committed corpus input, then a
//! seeded batch of mutations of them (bit flips, byte changes, truncations, insertions,
//! splices), must leave the decoders' promises intact and never panic. The coverage-guided
//! runs are `scripts/fuzz` (libFuzzer, stable toolchain); this run only keeps the targets and
//! corpora honest between them.
//!
//! `cargo test -p ltonode-fuzz --test smoke -- --ignored write_seed_corpus` rewrites the seed
//! inputs (`seed-*` files) from the golden vectors and a small chain.

use ltonode_fuzz::{CHAIN, TARGETS};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

/// Mutations per corpus input in the smoke run.
const MUTATIONS_PER_INPUT: usize = 40;
/// At most this many inputs per target are mutated (the corpus may be larger).
const MAX_MUTATED_INPUTS: usize = 300;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(target))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).expect("corpus file"))
        .collect()
}

fn mutate(rng: &mut ChaCha8Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    match rng.random_range(0..6u8) {
        0 if !v.is_empty() => {
            let i = rng.random_range(0..v.len());
            v[i] ^= 1 << rng.random_range(0..8u32);
        }
        1 if !v.is_empty() => {
            let i = rng.random_range(0..v.len());
            v[i] = rng.random();
        }
        2 if !v.is_empty() => {
            let n = rng.random_range(0..v.len());
            v.truncate(n);
        }
        3 => {
            let i = rng.random_range(0..=v.len());
            let b: u8 = rng.random();
            v.insert(i, b);
        }
        4 if !v.is_empty() && !other.is_empty() => {
            let i = rng.random_range(0..v.len());
            let j = rng.random_range(0..other.len());
            v.truncate(i);
            v.extend_from_slice(&other[j..]);
        }
        _ if v.len() > 1 => {
            let i = rng.random_range(0..v.len() - 1);
            v.swap(i, i + 1);
        }
        _ => v.push(0),
    }
    v
}

#[test]
fn every_target_survives_its_corpus_and_mutations() {
    for (name, target) in TARGETS {
        let inputs = corpus(name);
        assert!(
            inputs.len() >= 3,
            "{name}: corpus has {} inputs (run write_seed_corpus)",
            inputs.len()
        );
        for input in &inputs {
            target(input);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(0x17_0000 + name.len() as u64);
        for (i, input) in inputs.iter().take(MAX_MUTATED_INPUTS).enumerate() {
            let other = &inputs[(i + 1) % inputs.len()];
            for _ in 0..MUTATIONS_PER_INPUT {
                target(&mutate(&mut rng, input, other));
            }
        }
    }
}

#[test]
fn targets_check_what_decodes() {
    // A canonical input decodes in each binary target: the corpora reach past the first
    // length check (a target whose every seed fails to decode would test nothing).
    use ltonode_ledger::Transaction;
    let decodes = corpus("tx_wire")
        .iter()
        .filter(|b| Transaction::from_bytes(b, CHAIN).is_ok())
        .count();
    assert!(decodes >= 10, "only {decodes} tx_wire seeds decode");
    let decodes = corpus("key_block")
        .iter()
        .filter(|b| ltonode_ledger::block::KeyBlockHeader::from_bytes(b).is_ok())
        .count();
    assert!(decodes >= 1);
    let decodes = corpus("summary")
        .iter()
        .filter(|b| ltonode_summary::SummaryBlock::from_bytes(b, CHAIN).is_ok())
        .count();
    assert!(decodes >= 1);
    let decodes = corpus("receipt_json")
        .iter()
        .filter(|b| ltonode_ledger::receipt::AnchorReceipt::from_json_text(b).is_ok())
        .count();
    assert!(decodes >= 2, "only {decodes} receipt_json seeds parse");
}

mod seeds {
    use ltonode_ledger::block::{KeyBlockHeader, MicroBlock, VRF_PROOF_LEN};
    use ltonode_ledger::chain::{Chain, ChainConfig};
    use ltonode_ledger::script::Script;
    use ltonode_ledger::tx::TxBody;
    use ltonode_ledger::tx::json::from_json;
    use ltonode_ledger::{
        Address, Amount, ChainId, Height, KeyPair, MemStore, PublicKey, Signature, Timestamp,
        Transaction,
    };
    use ltonode_network::{SyncRequest, SyncResponse};
    use ltonode_summary::SummaryBlock;
    use serde_json::Value;

    const T: ChainId = ChainId::TESTNET;
    const T0: u64 = 1_767_225_600_000;

    pub fn vectors() -> Vec<Value> {
        let mut out = Vec::new();
        for text in [
            include_str!("../../ledger/tests/vectors/lto_python_vectors.json"),
            include_str!("../../ledger/tests/vectors/lto_js_vectors.json"),
        ] {
            let d: Value = serde_json::from_str(text).expect("vectors");
            for k in ["transactions", "extra_transactions", "quirk_transactions"] {
                out.extend(d[k].as_array().cloned().unwrap_or_default());
            }
        }
        out
    }

    pub fn transactions() -> Vec<Transaction> {
        vectors()
            .iter()
            .filter(|v| v["chain_id"] == "T")
            .filter_map(|v| from_json(&v["json"], T).ok())
            .collect()
    }

    fn kp(s: &str) -> KeyPair {
        KeyPair::from_seed_phrase(s, 0)
    }

    fn genesis(to: &KeyPair, amount: u64) -> Transaction {
        Transaction {
            version: 1,
            chain_id: T,
            timestamp: Timestamp(T0),
            sender: PublicKey([0; 32]).into(),
            fee: Amount(0),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Genesis {
                recipient: Address::from_public_key(T, &to.public_key()),
                amount: Amount(amount),
            },
        }
    }

    /// A three-block chain with an anchor: its headers, micro blocks and a receipt.
    pub fn chain() -> (Vec<KeyBlockHeader>, Vec<MicroBlock>, Value) {
        let alice = kp("alice");
        let generator = kp("gen");
        let mut chain = Chain::open(MemStore::new(), ChainConfig::lto(T)).expect("open");
        chain
            .init_genesis(
                Timestamp(T0),
                250,
                vec![
                    genesis(&alice, 1_000_000 * 100_000_000),
                    genesis(&generator, 10_000 * 100_000_000),
                ],
            )
            .expect("genesis");
        let mut micros = Vec::new();
        let key_block = |chain: &mut Chain<MemStore>| {
            let tip = chain.tip().expect("tip").clone();
            let mut h = KeyBlockHeader {
                version: ltonode_ledger::block::KEY_BLOCK_VERSION,
                height: Height(tip.height.0 + 1),
                timestamp: Timestamp(tip.header.timestamp.0 + 5_000),
                parent: tip.total_id,
                base_target: 250,
                vrf_proof: [7; VRF_PROOF_LEN],
                commitments: chain.next_commitments().expect("commitments"),
                generator: PublicKey([0; 32]),
                signature: Signature([0; 64]),
            };
            h.sign(&generator);
            chain.apply_key_block(&h, [0; 32]).expect("key block");
        };
        key_block(&mut chain);
        let mut anchor = Transaction {
            version: 3,
            chain_id: T,
            timestamp: chain.tip().expect("tip").header.timestamp,
            sender: alice.public_key().into(),
            fee: Amount(35_000_000),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Anchor {
                anchors: vec![vec![0xAB; 32]],
            },
        };
        anchor.sign_with(&alice);
        let m =
            MicroBlock::new_signed(chain.tip().expect("tip").total_id, vec![anchor], &generator);
        chain.apply_micro_block(&m).expect("micro");
        micros.push(m);
        key_block(&mut chain);
        let headers = (1..=chain.height().0)
            .map(|h| chain.header_at(Height(h)).expect("h").expect("header"))
            .collect();
        let receipt = chain
            .anchor(&[0xAB; 32])
            .expect("anchor")
            .into_iter()
            .find_map(|e| e.receipt)
            .expect("receipt")
            .to_json();
        (headers, micros, receipt)
    }

    pub fn summary(txs: &[Transaction]) -> SummaryBlock {
        let a = |s: &str| Address::from_public_key(T, &kp(s).public_key());
        let mut changes = vec![(a("a"), 500), (a("b"), -300), (a("c"), -200)];
        changes.sort();
        SummaryBlock {
            index: 2,
            from: Height(9),
            to: Height(16),
            balance_changes: changes,
            transactions: txs
                .iter()
                .filter(|t| ltonode_summary::kept_in_summary(&t.body))
                .filter(|t| !matches!(t.body, TxBody::Burn { .. }))
                .take(5)
                .map(|t| (Height(10), t.clone()))
                .collect(),
            total_fees: 1_000,
            total_txs: 9,
            carried_in: 0,
            carried_out: 0,
        }
    }

    pub fn sync_requests() -> Vec<Vec<u8>> {
        [
            SyncRequest::Tip,
            SyncRequest::Headers { from: 2, to: 50 },
            SyncRequest::Blocks { from: 1, to: 3 },
            SyncRequest::Peers,
            SyncRequest::SyncedHeaders { from: 1, to: 9 },
            SyncRequest::Summary { index: 3 },
        ]
        .iter()
        .filter_map(|r| r.encode().ok())
        .collect()
    }

    pub fn sync_responses(headers: &[KeyBlockHeader], micros: &[MicroBlock]) -> Vec<Vec<u8>> {
        let tip = headers.last().expect("tip");
        let header_bytes: Vec<Vec<u8>> = headers.iter().map(KeyBlockHeader::to_bytes).collect();
        [
            SyncResponse::Tip {
                height: u64::from(tip.height.0),
                score: 12345,
                tip_id: tip.id(),
            },
            SyncResponse::Headers(header_bytes.clone()),
            SyncResponse::Blocks(
                header_bytes
                    .iter()
                    .map(|h| (h.clone(), micros.iter().map(MicroBlock::to_bytes).collect()))
                    .collect(),
            ),
            SyncResponse::Peers(vec![vec![4, 127, 0, 0, 1, 6, 0x1a, 0xd4]]),
            SyncResponse::SyncedHeaders(
                header_bytes
                    .iter()
                    .map(|h| (h.clone(), micros.iter().map(MicroBlock::total_id).collect()))
                    .collect(),
            ),
            SyncResponse::Summary(vec![1, 2, 3]),
            SyncResponse::Error("no".into()),
        ]
        .iter()
        .filter_map(|r| r.encode().ok())
        .collect()
    }

    pub fn scripts() -> Vec<Script> {
        let pk = kp("alice").public_key();
        [
            "height>=1".to_string(),
            "types(4, 15)".to_string(),
            format!("any(types(4, 15), signed({pk}))"),
            format!(
                "all(balance>=100, recipients({}))",
                Address::from_public_key(T, &pk)
            ),
        ]
        .iter()
        .filter_map(|s| Script::parse(s).ok())
        .collect()
    }
}

#[test]
#[ignore = "rewrites the seed corpus; run on purpose"]
fn write_seed_corpus() {
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("write");
    };
    let txs = seeds::transactions();
    for (i, t) in txs.iter().enumerate() {
        write("tx_wire", &format!("{i:03}"), &t.to_bytes());
    }
    for (i, v) in seeds::vectors().iter().enumerate() {
        let body = v["broadcast_body"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v["json"].to_string());
        write("tx_json", &format!("{i:03}"), body.as_bytes());
    }
    let (headers, micros, receipt) = seeds::chain();
    for (i, h) in headers.iter().enumerate() {
        write("key_block", &format!("{i}"), &h.to_bytes());
    }
    for (i, m) in micros.iter().enumerate() {
        write("micro_block", &format!("{i}"), &m.to_bytes());
    }
    let key = KeyPairSeed::key();
    let big = ltonode_ledger::block::MicroBlock::new_signed(
        headers[0].id(),
        txs.iter().take(20).cloned().collect(),
        &key,
    );
    write("micro_block", "vectors", &big.to_bytes());
    write(
        "micro_block",
        "empty",
        &ltonode_ledger::block::MicroBlock::new_signed(headers[0].id(), vec![], &key).to_bytes(),
    );
    write("receipt_json", "0", receipt.to_string().as_bytes());
    let mut r2 = receipt.clone();
    r2["anchor"] = serde_json::json!("00");
    write("receipt_json", "1", r2.to_string().as_bytes());
    write("receipt_json", "2", b"{}");
    let s = seeds::summary(&txs);
    write("summary", "0", &s.to_bytes());
    let mut empty = s.clone();
    empty.transactions.clear();
    write("summary", "1", &empty.to_bytes());
    let mut first = empty.clone();
    first.index = 1;
    write("summary", "2", &first.to_bytes());
    for (i, b) in seeds::sync_requests().iter().enumerate() {
        write("sync_request", &format!("{i}"), b);
    }
    let mut responses = seeds::sync_responses(&headers, &micros);
    responses.push(vec![0xFF]);
    responses.push(vec![]);
    for (i, b) in responses.iter().enumerate() {
        write("sync_response", &format!("{i}"), b);
    }
    for (i, s) in seeds::scripts().iter().enumerate() {
        write("script_text", &format!("{i}"), s.to_string().as_bytes());
        write("script_bytes", &format!("{i}"), &s.encode());
    }
}

struct KeyPairSeed;

impl KeyPairSeed {
    fn key() -> ltonode_ledger::KeyPair {
        ltonode_ledger::KeyPair::from_seed_phrase("gen", 0)
    }
}
