//! A receipt's SHA-256 anchor path as a C2SP tlog-proof (c2sp.org/tlog-proof):
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the leaf: tx id ‖ anchor bytes>
//! index <position>
//! <base64 sibling hash, from the leaf's sibling up>
//! ...
//!
//! lto-anchors/<network>/<committing key block id>
//! <anchor count>
//! <base64 RFC 6962 tree hash>
//! lto-anchor-root <base64 H(0x02 ‖ count ‖ tree hash), the root the key-block header commits>
//!
//! — <key name> <base64(key id ‖ Ed25519 signature of the four checkpoint lines)>
//! ```
//!
//! The `extra` line carries the leaf, which the spec leaves unauthenticated: [`verify`] trusts
//! it only as the leaf the path must lead from to the signed root. A verifier that knows what
//! it expects passes the leaf, and a proof whose `extra` is another leaf is refused.

use super::{
    TransparencyError, bound_root, check_key_name, hash_from_b64, key_id, receipt_path, tree_hash,
};
use crate::hash::Hash32;
use crate::merkle::MerkleProof;
use crate::receipt::AnchorReceipt;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::fmt::Write;

/// The first line of a proof.
pub const VERSION_LINE: &str = "c2sp.org/tlog-proof@v1";
/// The keyword of the checkpoint's extension line with the count-bound root.
pub const BOUND_ROOT_EXTENSION: &str = "lto-anchor-root";
/// The most signature lines a note may have (as golang.org/x/mod/sumdb/note).
const MAX_SIGNATURES: usize = 100;
/// The longest path of a tree of at most `u64::MAX` leaves.
const MAX_PATH: usize = 64;

/// What a valid proof proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogVerified {
    /// The checkpoint's origin (which block's anchor tree; the caller checks it).
    pub origin: String,
    /// The tree size: the block's anchor count.
    pub size: u64,
    /// The leaf's position.
    pub index: u64,
    /// The RFC 6962 tree hash.
    pub root: Hash32,
    /// The count-bound root, as the key-block header commits it.
    pub bound_root: Hash32,
    /// The leaf proven: tx id (32 bytes) ‖ anchor bytes.
    pub leaf: Vec<u8>,
}

/// The tlog-proof of a receipt's SHA-256 path, signed with `key` under `key_name`; refused if
/// the path does not lead to the receipt header's committed root. `origin` names the log
/// ([`super::origin`]).
pub fn proof(
    receipt: &AnchorReceipt,
    origin: &str,
    key_name: &str,
    key: &SigningKey,
) -> Result<String, TransparencyError> {
    let (path, leaf) = receipt_path(receipt)?;
    proof_for_path(path, &leaf, origin, key_name, key)
}

/// The tlog-proof of any leaf and SHA-256 path.
pub fn proof_for_path(
    path: &MerkleProof,
    leaf: &[u8],
    origin: &str,
    key_name: &str,
    key: &SigningKey,
) -> Result<String, TransparencyError> {
    check_key_name(key_name)?;
    if origin.is_empty() || origin.chars().any(char::is_control) {
        return Err(TransparencyError::Malformed(
            "the origin must be a non-empty line without control characters".into(),
        ));
    }
    let top = tree_hash(path, leaf)?;
    let mut out = format!("{VERSION_LINE}\nextra {}\n", B64.encode(leaf));
    // Writing to a String cannot fail.
    let _ = writeln!(out, "index {}", path.index);
    for sibling in &path.siblings {
        let _ = writeln!(out, "{}", B64.encode(sibling));
    }
    out.push('\n');
    out.push_str(&sign_note(
        &checkpoint_text(origin, path.leaf_count, &top),
        key_name,
        key,
    ));
    Ok(out)
}

/// The checkpoint's note text: origin, size, tree hash and the bound-root extension line.
pub fn checkpoint_text(origin: &str, size: u64, top: &Hash32) -> String {
    format!(
        "{origin}\n{size}\n{}\n{BOUND_ROOT_EXTENSION} {}\n",
        B64.encode(top),
        B64.encode(bound_root(size, top))
    )
}

/// A signed note of `text` (which ends in a newline) with one Ed25519 signature line.
pub fn sign_note(text: &str, key_name: &str, key: &SigningKey) -> String {
    let mut blob = key_id(key_name, &key.verifying_key()).to_vec();
    blob.extend_from_slice(&key.sign(text.as_bytes()).to_bytes());
    format!("{text}\n— {key_name} {}\n", B64.encode(blob))
}

/// The text of a signed note, once a signature line by `key_name` with `key`'s id verifies
/// (every such line must; lines of other keys are ignored, as c2sp.org/signed-note says).
pub fn open_note<'a>(
    note: &'a str,
    key_name: &str,
    key: &VerifyingKey,
) -> Result<&'a str, TransparencyError> {
    let malformed = |m: &str| TransparencyError::Malformed(format!("note: {m}"));
    if note.chars().any(|c| c < ' ' && c != '\n') {
        return Err(malformed("control character"));
    }
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| malformed("no blank line before the signatures"))?;
    let (text, sigs) = (
        note.get(..=split).unwrap_or_default(),
        note.get(split + 2..).unwrap_or_default(),
    );
    let sigs = sigs
        .strip_suffix('\n')
        .ok_or_else(|| malformed("does not end in a newline"))?;
    if sigs.split('\n').count() > MAX_SIGNATURES {
        return Err(malformed("too many signatures"));
    }
    let want = key_id(key_name, key);
    let (mut verified, mut other_id) = (false, None);
    for line in sigs.split('\n') {
        let (name, blob) = line
            .strip_prefix("— ")
            .and_then(|l| l.split_once(' '))
            .ok_or_else(|| malformed("a signature line is not `— <name> <base64>`"))?;
        check_key_name(name)?;
        let blob = B64
            .decode(blob)
            .map_err(|_| TransparencyError::Base64("signature"))?;
        let Some((id, sig)) = blob.split_first_chunk::<4>() else {
            return Err(TransparencyError::Base64("signature"));
        };
        if name != key_name {
            continue;
        }
        if *id != want {
            other_id = Some(*id);
            continue;
        }
        let sig = Signature::from_slice(sig).map_err(|_| TransparencyError::BadSignature)?;
        key.verify_strict(text.as_bytes(), &sig)
            .map_err(|_| TransparencyError::BadSignature)?;
        verified = true;
    }
    match (verified, other_id) {
        (true, _) => Ok(text),
        (false, Some(found)) => Err(TransparencyError::WrongKeyId {
            expected: hex::encode(want),
            found: hex::encode(found),
        }),
        (false, None) => Err(TransparencyError::NoSignature(key_name.to_string())),
    }
}

/// An ASCII decimal without leading zeroes (unless `0`).
fn decimal(s: &str) -> Option<u64> {
    let canonical = s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

/// Verifies a tlog-proof signed by `key` under `key_name`: the signature over the checkpoint,
/// the bound root against size and root hash, and the path from the leaf to the root hash.
/// The leaf is `leaf` if given (the proof's `extra`, if any, must be the same) or else the
/// proof's `extra`. Never panics, whatever `text` holds.
pub fn verify(
    text: &[u8],
    leaf: Option<&[u8]>,
    key_name: &str,
    key: &VerifyingKey,
) -> Result<TlogVerified, TransparencyError> {
    let malformed = |m: &str| TransparencyError::Malformed(m.to_string());
    let text = std::str::from_utf8(text).map_err(|_| malformed("not UTF-8"))?;
    let (head, note) = text
        .split_once("\n\n")
        .ok_or_else(|| malformed("no blank line before the checkpoint"))?;
    let mut lines = head.split('\n');
    let version = lines.next().unwrap_or_default();
    if version != VERSION_LINE {
        return Err(TransparencyError::UnknownVersion(
            version.chars().take(80).collect(),
        ));
    }
    let mut line = lines.next().unwrap_or_default();
    let extra = match line.strip_prefix("extra ") {
        Some(data) => {
            line = lines.next().unwrap_or_default();
            Some(
                B64.decode(data)
                    .map_err(|_| TransparencyError::Base64("extra"))?,
            )
        }
        None => None,
    };
    let index = line
        .strip_prefix("index ")
        .and_then(decimal)
        .ok_or_else(|| malformed("no `index <decimal>` line"))?;
    let siblings = lines
        .take(MAX_PATH + 1)
        .map(|l| hash_from_b64(l, "path hash"))
        .collect::<Result<Vec<_>, _>>()?;
    if siblings.len() > MAX_PATH {
        return Err(malformed("more path hashes than any tree has"));
    }

    let body = open_note(note, key_name, key)?;
    let body = body.strip_suffix('\n').unwrap_or(body);
    let checkpoint: Vec<&str> = body.split('\n').collect();
    let [origin, size, root, extension] = checkpoint.as_slice() else {
        return Err(malformed(
            "the checkpoint is not origin, size, root hash and one extension line",
        ));
    };
    if origin.is_empty() {
        return Err(malformed("empty origin"));
    }
    let size = decimal(size).ok_or_else(|| malformed("the tree size is not a decimal"))?;
    let root = hash_from_b64(root, "root hash")?;
    let stated = extension
        .strip_prefix(BOUND_ROOT_EXTENSION)
        .and_then(|e| e.strip_prefix(' '))
        .ok_or_else(|| malformed("the extension line is not `lto-anchor-root <base64>`"))?;
    let stated = hash_from_b64(stated, "lto-anchor-root")?;
    let computed = bound_root(size, &root);
    if stated != computed {
        return Err(TransparencyError::BoundRootMismatch { stated, computed });
    }

    let leaf = match (leaf, extra) {
        (Some(given), Some(extra)) if given != extra.as_slice() => {
            return Err(TransparencyError::LeafMismatch);
        }
        (Some(given), _) => given.to_vec(),
        (None, Some(extra)) => extra,
        (None, None) => return Err(TransparencyError::MissingLeaf),
    };
    let path = MerkleProof {
        index,
        leaf_count: size,
        siblings,
    };
    let found = tree_hash(&path, &leaf)?;
    if found != root {
        return Err(TransparencyError::RootMismatch {
            expected: root,
            found,
        });
    }
    Ok(TlogVerified {
        origin: origin.to_string(),
        size,
        index,
        root,
        bound_root: computed,
        leaf,
    })
}
