use super::cose::{self, CoseVerified};
use super::tlog::{self, TlogVerified};
use super::*;
use crate::block::{BlockId, KeyBlockHeader, anchor_leaf};
use crate::merkle::{AnchorTrees, MerkleTree};
use crate::tx::TxId;
use crate::units::{Height, Timestamp};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;

fn node_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// The eight leaves of the Certificate Transparency / RFC 9162 test tree.
fn ct_leaves() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| hex::decode(h).unwrap())
    .collect()
}

fn h32(s: &str) -> Hash32 {
    hex::decode(s).unwrap().try_into().unwrap()
}

#[test]
fn ct_test_vectors_in_both_forms() {
    let leaves = ct_leaves();
    let tree = MerkleTree::<Sha256Hasher>::new(&leaves);
    let path = tree.proof(0).unwrap();
    let root = h32("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    assert_eq!(
        path.siblings,
        vec![
            h32("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h32("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h32("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ]
    );
    assert_eq!(path.tree_hash_from::<Sha256Hasher>(b"").unwrap(), root);
    assert_eq!(tree.root(), bound_root(8, &root));

    let key = node_key();
    let vk = key.verifying_key();
    let text = tlog::proof_for_path(&path, b"", "example.com/ct", "node.example", &key).unwrap();
    let expected = TlogVerified {
        origin: "example.com/ct".into(),
        size: 8,
        index: 0,
        root,
        bound_root: tree.root(),
        leaf: vec![],
    };
    for leaf in [None, Some(&b""[..])] {
        let got = tlog::verify(text.as_bytes(), leaf, "node.example", &vk);
        assert_eq!(got.as_ref(), Ok(&expected));
    }
    assert!(
        text.contains(&format!("\n8\n{}\n", B64.encode(root))),
        "{text}"
    );

    let receipt = cose::receipt_for_path(&path, b"", &key).unwrap();
    let expected = CoseVerified {
        size: 8,
        index: 0,
        root,
        bound_root: tree.root(),
    };
    assert_eq!(cose::verify(&receipt, b"", &vk), Ok(expected));
    // The inclusion proof is the draft's `bstr .cbor [size, index, [path]]`.
    let proof_cbor = [&[0x83, 0x08, 0x00, 0x83, 0x58, 0x20][..], &path.siblings[0]].concat();
    let bound_cbor = [b"\x6flto-anchor-root\x58\x20", &tree.root()[..]].concat();
    assert!(receipt.windows(bound_cbor.len()).any(|w| w == bound_cbor));
    assert!(receipt.windows(proof_cbor.len()).any(|w| w == proof_cbor));
    assert_eq!(receipt[0], 0xd2, "tagged COSE_Sign1 (18)");

    // Every leaf of every tree size up to 9 in both forms.
    for n in 1..=leaves.len() {
        let tree = MerkleTree::<Sha256Hasher>::new(&leaves[..n]);
        for (i, leaf) in leaves[..n].iter().enumerate() {
            let path = tree.proof(i as u64).unwrap();
            let text = tlog::proof_for_path(&path, leaf, "o", "k", &key).unwrap();
            let v = tlog::verify(text.as_bytes(), Some(leaf), "k", &vk).unwrap();
            assert_eq!(
                (v.size, v.index, v.bound_root),
                (n as u64, i as u64, tree.root())
            );
            let c = cose::receipt_for_path(&path, leaf, &key).unwrap();
            assert_eq!(cose::verify(&c, leaf, &vk).unwrap().root, v.root);
        }
    }
}

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                          then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

/// The key, key id and signed note of golang.org/x/mod/sumdb/note's tests.
#[test]
fn signed_note_test_vector() {
    let (name, vk) = parse_verifier_key(PETER_VKEY).unwrap();
    assert_eq!(name, "PeterNeumann");
    assert_eq!(hex::encode(key_id(&name, &vk)), "c74f20a3");
    assert_eq!(verifier_key(&name, &vk).unwrap(), PETER_VKEY);
    let note = format!("{PETER_TEXT}\n{PETER_SIG}");
    assert_eq!(tlog::open_note(&note, &name, &vk), Ok(PETER_TEXT));
    // The signer key `PRIVATE+KEY+PeterNeumann+c74f20a3+<base64(0x01 ‖ seed)>` signs the
    // same bytes (Ed25519 is deterministic).
    let seed = B64
        .decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
        .unwrap();
    let sk = SigningKey::from_bytes(&seed[1..].try_into().unwrap());
    assert_eq!(sk.verifying_key(), vk);
    assert_eq!(tlog::sign_note(PETER_TEXT, &name, &sk), note);

    let tampered = note.replace("cryptography", "cryptographY");
    assert_eq!(
        tlog::open_note(&tampered, &name, &vk),
        Err(TransparencyError::BadSignature)
    );
    // Go's malformed notes.
    for bad in [
        PETER_TEXT.to_string(),
        format!("{PETER_TEXT}\n"),
        format!("{PETER_TEXT}\n{}", PETER_SIG.trim_end()),
        format!("\x01{PETER_TEXT}\n{PETER_SIG}"),
        format!(
            "{PETER_TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        ),
        format!("{PETER_TEXT}\n{PETER_SIG}Unexpected line.\n"),
        format!("{PETER_TEXT}\n{}", PETER_SIG.repeat(101)),
    ] {
        assert!(tlog::open_note(&bad, &name, &vk).is_err(), "{bad:?}");
    }
    // Other keys' lines are ignored.
    let enoch = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
    let both = format!("{PETER_TEXT}\n{PETER_SIG}{enoch}");
    assert_eq!(tlog::open_note(&both, &name, &vk), Ok(PETER_TEXT));
    assert_eq!(
        tlog::open_note(&both, "Nobody", &vk),
        Err(TransparencyError::NoSignature("Nobody".into()))
    );
    for bad in [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AhpWc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(parse_verifier_key(bad).is_err(), "{bad}");
    }
}

/// A block of five anchors and the receipt of the one at `position`.
fn receipt(position: usize) -> AnchorReceipt {
    let anchors: Vec<(TxId, Vec<u8>)> = (0..5u8)
        .map(|i| (TxId([i; 32]), vec![i; usize::from(i) * 7]))
        .collect();
    let leaves: Vec<Vec<u8>> = anchors.iter().map(|(t, a)| anchor_leaf(t, a)).collect();
    let trees = AnchorTrees::new(&leaves);
    let mut header = KeyBlockHeader::unsigned(
        Height(11),
        Timestamp(1_700_000_000_000),
        BlockId([3; 32]),
        60,
    );
    header.commitments.anchors = trees.roots();
    let (tx_id, anchor) = anchors[position].clone();
    AnchorReceipt {
        anchor,
        tx_id,
        height: Height(10),
        proofs: trees.proofs(position as u64).unwrap(),
        header,
        anchored_to: None,
    }
}

#[test]
fn receipts_round_trip_in_both_forms() {
    let key = node_key();
    let vk = key.verifying_key();
    for position in 0..5 {
        let r = receipt(position);
        assert!(r.verify(&r.header.id()).is_ok());
        let leaf = anchor_leaf(&r.tx_id, &r.anchor);
        let origin = origin("mainnet", &r.header.id());
        assert!(origin.starts_with("lto-anchors/mainnet/"));
        let text = tlog::proof(&r, &origin, "node.example", &key).unwrap();
        let v = tlog::verify(text.as_bytes(), Some(&leaf), "node.example", &vk).unwrap();
        assert_eq!(v.origin, origin);
        assert_eq!((v.size, v.index), (5, position as u64));
        assert_eq!(v.bound_root, r.header.commitments.anchors.sha256);
        assert_eq!(v.leaf, leaf);
        assert_eq!(
            tlog::verify(text.as_bytes(), None, "node.example", &vk),
            Ok(v.clone())
        );

        let c = cose::receipt(&r, &key).unwrap();
        let cv = cose::verify(&c, &leaf, &vk).unwrap();
        assert_eq!(
            (cv.size, cv.index, cv.root, cv.bound_root),
            (5, v.index, v.root, v.bound_root)
        );
    }
    // Nothing is signed for a path the header does not commit.
    let mut bad = receipt(2);
    bad.anchor.push(0);
    assert!(matches!(
        tlog::proof(&bad, "o", "k", &key),
        Err(TransparencyError::Receipt(_))
    ));
    assert!(matches!(
        cose::receipt(&bad, &key),
        Err(TransparencyError::Receipt(_))
    ));
    assert!(matches!(
        tlog::proof(&receipt(1), "o", "bad+name", &key),
        Err(TransparencyError::KeyName(_))
    ));
}

fn flip_bits(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..bytes.len() * 8).map(move |bit| {
        let mut b = bytes.to_vec();
        b[bit / 8] ^= 1 << (bit % 8);
        b
    })
}

#[test]
fn every_bit_flip_is_refused() {
    let key = node_key();
    let vk = key.verifying_key();
    let r = receipt(3);
    let leaf = anchor_leaf(&r.tx_id, &r.anchor);
    let text = tlog::proof(&r, &origin("testnet", &r.header.id()), "node.example", &key).unwrap();
    for flipped in flip_bits(text.as_bytes()) {
        assert!(tlog::verify(&flipped, Some(&leaf), "node.example", &vk).is_err());
        assert!(tlog::verify(&flipped, None, "node.example", &vk).is_err());
    }
    let c = cose::receipt(&r, &key).unwrap();
    for (bit, flipped) in flip_bits(&c).enumerate() {
        assert!(
            cose::verify(&flipped, &leaf, &vk).is_err(),
            "bit {bit} of {}",
            hex::encode(&c)
        );
    }
}

#[test]
fn refusals_are_specific() {
    let key = node_key();
    let vk = key.verifying_key();
    let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
    let r = receipt(1);
    let leaf = anchor_leaf(&r.tx_id, &r.anchor);
    let text = tlog::proof(&r, "o", "node", &key).unwrap();
    let verify = |t: &str, leaf: Option<&[u8]>| tlog::verify(t.as_bytes(), leaf, "node", &vk);

    assert!(matches!(
        tlog::verify(text.as_bytes(), None, "node", &other),
        Err(TransparencyError::WrongKeyId { .. })
    ));
    assert_eq!(
        tlog::verify(text.as_bytes(), None, "other", &vk),
        Err(TransparencyError::NoSignature("other".into()))
    );
    assert!(matches!(
        verify(&text.replacen("@v1", "@v2", 1), None),
        Err(TransparencyError::UnknownVersion(v)) if v == "c2sp.org/tlog-proof@v2"
    ));
    assert_eq!(
        verify(&text, Some(b"other leaf")),
        Err(TransparencyError::LeafMismatch)
    );
    let no_extra: String = text
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("extra "))
        .collect();
    assert_eq!(verify(&no_extra, None), Err(TransparencyError::MissingLeaf));
    assert!(verify(&no_extra, Some(&leaf)).is_ok());
    assert!(matches!(
        verify(&text.replacen("index 1", "index 01", 1), None),
        Err(TransparencyError::Malformed(_))
    ));
    assert!(matches!(
        verify(&text.replacen("index 1", "index 2", 1), None),
        Err(TransparencyError::RootMismatch { .. })
    ));
    assert!(matches!(
        verify(&text.replacen("\n\n", "\nnot base64\n\n", 1), None),
        Err(TransparencyError::Base64("path hash"))
    ));

    // Checkpoints signed by the right key but wrong in themselves.
    let (head, _) = text.split_once("\n\n").unwrap();
    let signed = |note: &str| format!("{head}\n\n{}", tlog::sign_note(note, "node", &key));
    let top = r
        .proofs
        .sha256
        .tree_hash_from::<Sha256Hasher>(&leaf)
        .unwrap();
    let wrong_bound = format!(
        "o\n5\n{}\nlto-anchor-root {}\n",
        B64.encode(top),
        B64.encode(top)
    );
    assert!(matches!(
        verify(&signed(&wrong_bound), None),
        Err(TransparencyError::BoundRootMismatch { .. })
    ));
    assert!(matches!(
        verify(&signed(&tlog::checkpoint_text("o", 5, &[0; 32])), None),
        Err(TransparencyError::RootMismatch { .. })
    ));
    assert!(matches!(
        verify(&signed(&tlog::checkpoint_text("o", 4, &top)), None),
        Err(TransparencyError::Path(_))
    ));
    assert!(verify(&signed(&tlog::checkpoint_text("o", 5, &top)), None).is_ok());
    assert!(matches!(
        verify(
            &signed(&format!(
                "{}extra line\n",
                tlog::checkpoint_text("o", 5, &top)
            )),
            None
        ),
        Err(TransparencyError::Malformed(_))
    ));

    let c = cose::receipt(&r, &key).unwrap();
    assert!(matches!(
        cose::verify(&c, &leaf, &other),
        Err(TransparencyError::WrongKeyId { .. })
    ));
    assert_eq!(
        cose::verify(&c, b"other leaf", &vk),
        Err(TransparencyError::BadSignature)
    );
    assert!(matches!(
        cose::verify(&c[1..], &leaf, &vk),
        Err(TransparencyError::Cbor(_))
    ));
    // `undefined` for the detached payload decodes as `nil`, but is not the bytes written.
    let nil = c.len() - 67;
    assert_eq!(c[nil], 0xf6);
    let mut undefined = c.clone();
    undefined[nil] = 0xf7;
    assert!(
        matches!(cose::verify(&undefined, &leaf, &vk), Err(TransparencyError::Cbor(m)) if m.contains("preferred"))
    );
    // The size is in the unprotected header: leaf 3 of 5 has the path of leaf 3 of 7 to the
    // same tree hash, so the signature holds and the bound root refuses the size.
    let r3 = receipt(3);
    let leaf3 = anchor_leaf(&r3.tx_id, &r3.anchor);
    let c = cose::receipt(&r3, &key).unwrap();
    let at = c.windows(3).position(|w| w == [0x83, 0x05, 0x03]).unwrap();
    let mut resized = c.clone();
    resized[at + 1] = 0x07;
    assert!(matches!(
        cose::verify(&resized, &leaf3, &vk),
        Err(TransparencyError::BoundRootMismatch { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_input_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), text in ".{0,300}") {
        let vk = node_key().verifying_key();
        let _ = tlog::verify(&bytes, None, "k", &vk);
        let _ = tlog::verify(text.as_bytes(), Some(b"x"), "k", &vk);
        let _ = tlog::open_note(&text, "k", &vk);
        let _ = parse_verifier_key(&text);
        let _ = cose::verify(&bytes, b"x", &vk);
    }

    #[test]
    fn mutated_proofs_are_refused_without_panic(
        position in 0usize..5,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
    ) {
        let key = node_key();
        let vk = key.verifying_key();
        let r = receipt(position);
        let leaf = anchor_leaf(&r.tx_id, &r.anchor);
        let text = tlog::proof(&r, "o", "node", &key).unwrap().into_bytes();
        let c = cose::receipt(&r, &key).unwrap();
        for original in [text, c] {
            let mut m = original.clone();
            for (at, byte, kind) in &edits {
                let i = at.index(m.len() + 1);
                match kind {
                    0 if i < m.len() => m[i] = *byte,
                    1 => m.insert(i, *byte),
                    _ if i < m.len() => { m.remove(i); }
                    _ => m.push(*byte),
                }
            }
            let tlog_ok = tlog::verify(&m, Some(&leaf), "node", &vk).is_ok();
            let cose_ok = cose::verify(&m, &leaf, &vk).is_ok();
            // Only an edit that undoes itself may still verify.
            if m != original {
                prop_assert!(!tlog_ok && !cose_ok);
            }
        }
    }
}
