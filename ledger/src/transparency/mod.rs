//! The two standard forms of a receipt's SHA-256 anchor path (docs/receipts.md, "Standard
//! forms"), both signed by the node's Ed25519 key: they say "this node saw this anchor in this
//! block", unlike the JSON receipt, which needs no trust in any node.
//!
//! - [`tlog`]: a C2SP `tlog-proof` (c2sp.org/tlog-proof), whose checkpoint
//!   (c2sp.org/tlog-checkpoint) is the anchor tree of one block: size = the anchor count, root
//!   hash = the RFC 6962 tree hash, and an extension line `lto-anchor-root <base64>` with the
//!   count-bound root `H(0x02 ‖ size ‖ top)` that the key-block header commits; signed as a
//!   C2SP signed note (c2sp.org/signed-note, Ed25519, signature type 0x01).
//! - [`cose`]: a COSE Receipt of inclusion (draft-ietf-cose-merkle-tree-proofs, vds
//!   `RFC9162_SHA256` = 1): a tagged COSE_Sign1 with the inclusion proof in the unprotected
//!   header and the RFC 6962 tree hash as detached payload.
//!
//! The tree is the one the header commits to (RFC 6962 leaf and node hashing, see
//! [`crate::merkle`]), so a standard RFC 9162 verifier checks these paths unchanged; the leaf
//! is `tx id ‖ anchor bytes` ([`crate::block::anchor_leaf`]).

pub mod cose;
pub mod tlog;

use crate::hash::{Hash32, sha256};
use crate::merkle::{MerkleError, MerkleHasher, MerkleProof, Sha256Hasher};
use crate::receipt::AnchorReceipt;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::VerifyingKey;
use thiserror::Error;

/// Why a standard form could not be made, or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransparencyError {
    /// The text is not UTF-8, holds a control character, or is not laid out as the format
    /// says (what is wrong is named).
    #[error("malformed: {0}")]
    Malformed(String),
    /// The first line is not `c2sp.org/tlog-proof@v1`.
    #[error("unknown version line {0:?}")]
    UnknownVersion(String),
    /// A field is not standard padded base64, or not of the expected length.
    #[error("bad base64: {0}")]
    Base64(&'static str),
    /// The bytes are not a tagged COSE_Sign1 of the expected shape.
    #[error("malformed COSE: {0}")]
    Cbor(String),
    /// The COSE algorithm is not EdDSA / Ed25519, or the verifiable data structure is not
    /// `RFC9162_SHA256`.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A key name is empty or holds a space or `+` (c2sp.org/signed-note).
    #[error("invalid key name {0:?}")]
    KeyName(String),
    /// A verifier key string is not `<name>+<hex key id>+<base64(0x01 ‖ key)>`.
    #[error("invalid verifier key: {0}")]
    VerifierKey(&'static str),
    /// The signature is by the key name given but under another key id (another key), or the
    /// COSE `kid` is not the key given.
    #[error("wrong key id: expected {expected}, found {found}")]
    WrongKeyId {
        /// The id of the key given to the verifier, hex.
        expected: String,
        /// The id in the signature, hex.
        found: String,
    },
    /// No signature line is by the key given.
    #[error("no signature by key {0}")]
    NoSignature(String),
    /// A signature by the key given does not verify.
    #[error("bad signature")]
    BadSignature,
    /// The inclusion path is malformed for its index and size.
    #[error("path: {0}")]
    Path(MerkleError),
    /// The inclusion path does not lead to the checkpoint's root hash.
    #[error("path leads to {}, the checkpoint's root is {}", hex::encode(.found), hex::encode(.expected))]
    RootMismatch {
        /// The signed root hash.
        expected: Hash32,
        /// The root the path computes.
        found: Hash32,
    },
    /// The stated count-bound root is not `H(0x02 ‖ size ‖ root)`.
    #[error("bound root {} is not the one of size and root ({})", hex::encode(.stated), hex::encode(.computed))]
    BoundRootMismatch {
        /// The root stated in the extension line.
        stated: Hash32,
        /// The root computed from size and root hash.
        computed: Hash32,
    },
    /// The leaf given to the verifier is not the one the proof carries.
    #[error("the leaf given is not the proof's leaf")]
    LeafMismatch,
    /// No leaf was given and the proof carries none.
    #[error("no leaf: none given and the proof has no extra line")]
    MissingLeaf,
    /// The receipt's SHA-256 path does not lead to its header's committed root (nothing is
    /// signed for it).
    #[error("receipt: {0}")]
    Receipt(MerkleError),
}

/// The signed-note signature type of Ed25519 (c2sp.org/signed-note).
pub const ED25519_SIGNATURE_TYPE: u8 = 0x01;

/// The origin line of the anchor tree of one block: `lto-anchors/<network>/<block id>`, with
/// the base58 id of the key block whose header commits the tree (the receipt's `header`,
/// `K_{h+1}`, whose id a verifier of the JSON receipt trusts).
pub fn origin(network: &str, committing_block: &crate::block::BlockId) -> String {
    format!("lto-anchors/{network}/{}", committing_block.to_base58())
}

/// Checks a signed-note key name: non-empty, no Unicode space, no `+`.
pub fn check_key_name(name: &str) -> Result<(), TransparencyError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(TransparencyError::KeyName(name.to_string()));
    }
    Ok(())
}

/// The signed-note key id of an Ed25519 key:
/// `SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]`.
pub fn key_id(key_name: &str, key: &VerifyingKey) -> [u8; 4] {
    let h = sha256(
        &[
            key_name.as_bytes(),
            b"\n",
            &[ED25519_SIGNATURE_TYPE],
            key.as_bytes(),
        ]
        .concat(),
    );
    [h[0], h[1], h[2], h[3]]
}

/// The verifier key string of a signed note: `<name>+<hex key id>+<base64(0x01 ‖ key)>`.
pub fn verifier_key(key_name: &str, key: &VerifyingKey) -> Result<String, TransparencyError> {
    check_key_name(key_name)?;
    let mut encoded = vec![ED25519_SIGNATURE_TYPE];
    encoded.extend_from_slice(key.as_bytes());
    Ok(format!(
        "{key_name}+{}+{}",
        hex::encode(key_id(key_name, key)),
        B64.encode(encoded)
    ))
}

/// Reads a verifier key string ([`verifier_key`]) into its name and key, checking its key id.
pub fn parse_verifier_key(vkey: &str) -> Result<(String, VerifyingKey), TransparencyError> {
    let bad = TransparencyError::VerifierKey;
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("not name+id+key"));
    };
    check_key_name(name)?;
    let id: [u8; 4] = (id.len() == 8
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| hex::decode(id).ok())
    .flatten()
    .and_then(|b| b.try_into().ok())
    .ok_or(bad("key id is not 8 lowercase hex digits"))?;
    let key = B64.decode(key).map_err(|_| bad("key is not base64"))?;
    let key: [u8; 32] = match key.split_first() {
        Some((&ED25519_SIGNATURE_TYPE, key)) => key
            .try_into()
            .map_err(|_| bad("an Ed25519 key is 32 bytes"))?,
        _ => return Err(bad("not an Ed25519 key (type 0x01)")),
    };
    let key = VerifyingKey::from_bytes(&key).map_err(|_| bad("not an Ed25519 point"))?;
    if key_id(name, &key) != id {
        return Err(bad("key id does not match name and key"));
    }
    Ok((name.to_string(), key))
}

/// A base64 32-byte hash.
fn hash_from_b64(s: &str, what: &'static str) -> Result<Hash32, TransparencyError> {
    B64.decode(s)
        .ok()
        .and_then(|b| Hash32::try_from(b.as_slice()).ok())
        .ok_or(TransparencyError::Base64(what))
}

/// The count-bound root the key-block header commits: `H(0x02 ‖ size ‖ top)`.
pub fn bound_root(size: u64, top: &Hash32) -> Hash32 {
    Sha256Hasher::root(size, Some(top))
}

/// The RFC 6962 tree hash `path` leads to from `leaf`.
fn tree_hash(path: &MerkleProof, leaf: &[u8]) -> Result<Hash32, TransparencyError> {
    path.tree_hash_from::<Sha256Hasher>(leaf)
        .map_err(TransparencyError::Path)
}

/// The SHA-256 path and leaf of a receipt, once the path leads to the header's committed
/// root (the node signs nothing its header does not commit).
fn receipt_path(receipt: &AnchorReceipt) -> Result<(&MerkleProof, Vec<u8>), TransparencyError> {
    let leaf = crate::block::anchor_leaf(&receipt.tx_id, &receipt.anchor);
    let path = &receipt.proofs.sha256;
    path.verify::<Sha256Hasher>(&receipt.header.commitments.anchors.sha256, &leaf)
        .map_err(TransparencyError::Receipt)?;
    Ok((path, leaf))
}

#[cfg(test)]
mod tests;
