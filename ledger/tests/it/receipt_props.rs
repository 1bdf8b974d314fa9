//! Property tests of receipt decoding and verification: no byte string panics the decoder or
//! the verifier, and no change of a real receipt's text makes it prove something else.

use crate::chain::{Harness, kp};
use ltonode_ledger::block::BlockId;
use ltonode_ledger::receipt::{AnchorReceipt, VerifiedReceipt};
use ltonode_ledger::{Height, MemStore};
use proptest::prelude::*;
use std::sync::OnceLock;

/// Receipts of a small chain: (JSON text, the id it verifies against, what it proves), one
/// anchored to its committing block and one to a later block.
fn receipts() -> &'static [(String, BlockId, VerifiedReceipt)] {
    static R: OnceLock<Vec<(String, BlockId, VerifiedReceipt)>> = OnceLock::new();
    R.get_or_init(|| {
        let mut h = Harness::new(MemStore::new());
        let (alice, g) = (kp("alice"), kp("gen1"));
        h.key_block(&g).expect("K2");
        let hashes: Vec<[u8; 32]> = (0..5u8).map(|i| [i; 32]).collect();
        h.micro(vec![h.anchor(&alice, &hashes)]).expect("micro");
        for _ in 0..6 {
            h.key_block(&g).expect("key block");
        }
        let entry = h.chain.anchor(&hashes[3]).expect("lookup").remove(0);
        let own = entry.receipt.expect("committed");
        let later = h
            .chain
            .anchor_receipt_to(&own, Height(8))
            .expect("read")
            .expect("anchored");
        [own, later]
            .into_iter()
            .map(|r| {
                let id = r.block_header().id();
                let proved = r.verify(&id).expect("a real receipt verifies");
                (r.to_json().to_string(), id, proved)
            })
            .collect()
    })
}

/// An edit of a text: replace, insert or delete a byte at a position.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    for e in edits {
        let n = b.len().max(1);
        match *e {
            Edit::Set(i, v) if !b.is_empty() => b[i % n] = v,
            Edit::Insert(i, v) => b.insert(i % (b.len() + 1), v),
            Edit::Delete(i) if !b.is_empty() => {
                b.remove(i % n);
            }
            Edit::Truncate(i) => b.truncate(i % n),
            _ => {}
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2_048)) {
        if let Ok(r) = AnchorReceipt::from_json_text(&bytes) {
            let _ = r.verify(&BlockId([0; 32]));
        }
    }

    #[test]
    fn an_edited_receipt_proves_nothing_else(
        which in 0..2usize,
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let (text, trusted, proved) = &receipts()[which];
        let edited = apply(text, &edits);
        if let Ok(r) = AnchorReceipt::from_json_text(&edited) {
            // What still verifies proves exactly the original anchoring (an edit may only
            // touch the JSON's layout, e.g. whitespace).
            if let Ok(v) = r.verify(trusted) {
                prop_assert_eq!(&v, proved);
            }
            let _ = r.verify(&BlockId([7; 32]));
        }
    }
}

#[test]
fn the_receipts_refuse_what_json_allows() {
    let (text, trusted, _) = &receipts()[1];
    let v: serde_json::Value = serde_json::from_str(text).expect("json");
    let part = |v: serde_json::Value| {
        AnchorReceipt::from_json(&v)
            .and_then(|r| r.verify(trusted))
            .map_err(|e| e.part())
    };
    assert!(part(v.clone()).is_ok());
    // The fields as an array (which serde would read into a struct), an unknown field,
    // another version, a truncated path.
    let fields: Vec<serde_json::Value> = v.as_object().expect("object").values().cloned().collect();
    assert_eq!(part(serde_json::Value::Array(fields)), Err("format"));
    let mut extra = v.clone();
    extra["comment"] = "x".into();
    assert_eq!(part(extra), Err("format"));
    let mut old = v.clone();
    old["version"] = 1.into();
    assert_eq!(part(old), Err("format"));
    for (field, expected) in [("sha256", "sha256 path"), ("blake2b", "blake2b path")] {
        let mut short = v.clone();
        short[field].as_array_mut().expect("path").pop();
        assert_eq!(part(short), Err(expected), "{field}");
    }
    let mut short = v.clone();
    short["anchoredTo"]["path"]
        .as_array_mut()
        .expect("path")
        .pop();
    assert_eq!(part(short), Err("history path"));
}
