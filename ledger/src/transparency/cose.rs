//! A receipt's SHA-256 anchor path as a COSE Receipt of inclusion
//! (draft-ietf-cose-merkle-tree-proofs, verifiable data structure `RFC9162_SHA256`):
//!
//! ```text
//! 18([                                    / COSE_Sign1 /
//!   << { 1: -8,                           / alg: EdDSA (Ed25519) /
//!        4: h'<32-byte node public key>', / kid /
//!        395: 1,                          / vds: RFC9162_SHA256 /
//!        "lto-anchor-root": h'<H(0x02 ‖ size ‖ tree hash)>' } >>,
//!   { 396: { -1: [ << [size, index, [h'<sibling>', ...]] >> ] } },  / vdp: one inclusion proof /
//!   nil,                                  / payload: detached, the RFC 6962 tree hash /
//!   h'<Ed25519 signature of the Sig_structure>'
//! ])
//! ```
//!
//! The verifier recomputes the tree hash from the leaf and the path and checks the signature
//! with it as the payload, so a path that does not lead to the signed root fails as a bad
//! signature.
//!
//! The draft signs the tree hash only, and the tree size and leaf index sit in the unprotected
//! header: an RFC 6962 tree hash does not fix the size (the path of leaf 3 of 5 is also one of
//! leaf 3 of 7, to the same tree hash), so a receipt's size could be changed without breaking
//! its signature. The protected header therefore also carries the count-bound root the
//! key-block header commits, under the text label `lto-anchor-root`, and the verifier checks it
//! against the size and the tree hash; a verifier that knows only the draft ignores the label
//! (it is not critical) and still checks the signature.

use super::{TransparencyError, bound_root, receipt_path, tree_hash};
use crate::hash::Hash32;
use crate::merkle::MerkleProof;
use crate::receipt::AnchorReceipt;
use coset::cbor::value::Value;
use coset::{
    Algorithm, CborSerializable, CoseSign1, Header, Label, ProtectedHeader, SignatureContext,
    TaggedCborSerializable, iana, sig_structure_data,
};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// The protected header label of the verifiable data structure (`vds`; requested assignment).
pub const VDS_LABEL: i64 = 395;
/// The unprotected header label of the verifiable data structure proofs (`vdp`; requested
/// assignment).
pub const VDP_LABEL: i64 = 396;
/// The `vds` value of RFC 9162 SHA-256 binary Merkle trees.
pub const RFC9162_SHA256: i64 = 1;
/// The `vdp` map key of inclusion proofs.
pub const INCLUSION_PROOFS: i64 = -1;
/// The protected header text label of the count-bound root.
pub const BOUND_ROOT_LABEL: &str = "lto-anchor-root";

/// What a valid COSE receipt proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoseVerified {
    /// The tree size: the block's anchor count.
    pub size: u64,
    /// The leaf's position.
    pub index: u64,
    /// The RFC 6962 tree hash (the detached payload).
    pub root: Hash32,
    /// The count-bound root, as the key-block header commits it.
    pub bound_root: Hash32,
}

const NOT_PREFERRED: &str = "not in CBOR preferred serialization (RFC 8949, 4.1)";

fn cbor(e: impl std::fmt::Display) -> TransparencyError {
    TransparencyError::Cbor(e.to_string())
}

/// The COSE receipt of a receipt's SHA-256 path, signed with `key`; refused if the path does
/// not lead to the receipt header's committed root.
pub fn receipt(receipt: &AnchorReceipt, key: &SigningKey) -> Result<Vec<u8>, TransparencyError> {
    let (path, leaf) = receipt_path(receipt)?;
    receipt_for_path(path, &leaf, key)
}

/// The COSE receipt of any leaf and SHA-256 path.
pub fn receipt_for_path(
    path: &MerkleProof,
    leaf: &[u8],
    key: &SigningKey,
) -> Result<Vec<u8>, TransparencyError> {
    let top = tree_hash(path, leaf)?;
    let proof = Value::Array(vec![
        Value::Integer(path.leaf_count.into()),
        Value::Integer(path.index.into()),
        Value::Array(
            path.siblings
                .iter()
                .map(|h| Value::Bytes(h.to_vec()))
                .collect(),
        ),
    ])
    .to_vec()
    .map_err(cbor)?;
    let protected = ProtectedHeader {
        original_data: None,
        header: Header {
            alg: Some(Algorithm::Assigned(iana::Algorithm::EdDSA)),
            key_id: key.verifying_key().to_bytes().to_vec(),
            rest: vec![
                (Label::Int(VDS_LABEL), Value::Integer(RFC9162_SHA256.into())),
                (
                    Label::Text(BOUND_ROOT_LABEL.into()),
                    Value::Bytes(bound_root(path.leaf_count, &top).to_vec()),
                ),
            ],
            ..Header::default()
        },
    };
    let unprotected = Header {
        rest: vec![(
            Label::Int(VDP_LABEL),
            Value::Map(vec![(
                Value::Integer(INCLUSION_PROOFS.into()),
                Value::Array(vec![Value::Bytes(proof)]),
            )]),
        )],
        ..Header::default()
    };
    let tbs = sig_structure_data(
        SignatureContext::CoseSign1,
        protected.clone(),
        None,
        b"",
        &top,
    );
    CoseSign1 {
        protected,
        unprotected,
        payload: None,
        signature: key.sign(&tbs).to_bytes().to_vec(),
    }
    .to_tagged_vec()
    .map_err(cbor)
}

/// The value under integer `label` in a CBOR map or header.
fn find<'a, K: PartialEq + 'a>(
    entries: impl IntoIterator<Item = &'a (K, Value)>,
    label: &K,
) -> Option<&'a Value> {
    entries
        .into_iter()
        .find(|(k, _)| k == label)
        .map(|(_, v)| v)
}

fn uint(v: &Value, what: &str) -> Result<u64, TransparencyError> {
    v.as_integer()
        .and_then(|i| u64::try_from(i).ok())
        .ok_or_else(|| cbor(format!("{what} is not an unsigned integer")))
}

/// Reads the single inclusion proof of the unprotected header.
fn inclusion_proof(unprotected: &Header) -> Result<MerkleProof, TransparencyError> {
    let vdp = find(&unprotected.rest, &Label::Int(VDP_LABEL))
        .and_then(Value::as_map)
        .ok_or_else(|| cbor("no verifiable data proofs map (396)"))?;
    let proofs = find(vdp, &Value::Integer(INCLUSION_PROOFS.into()))
        .and_then(Value::as_array)
        .ok_or_else(|| cbor("no inclusion proofs array (-1)"))?;
    let [Value::Bytes(proof)] = proofs.as_slice() else {
        return Err(cbor("not exactly one inclusion proof bstr"));
    };
    let decoded = Value::from_slice(proof).map_err(cbor)?;
    if decoded.clone().to_vec().ok().as_ref() != Some(proof) {
        return Err(cbor(NOT_PREFERRED));
    }
    let proof = decoded;
    let Some([size, index, Value::Array(path)]) = proof.as_array().map(Vec::as_slice) else {
        return Err(cbor(
            "the inclusion proof is not [tree-size, leaf-index, [path]]",
        ));
    };
    let siblings = path
        .iter()
        .map(|h| {
            h.as_bytes()
                .and_then(|b| Hash32::try_from(b.as_slice()).ok())
                .ok_or_else(|| cbor("a path entry is not a 32-byte bstr"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MerkleProof {
        index: uint(index, "leaf-index")?,
        leaf_count: uint(size, "tree-size")?,
        siblings,
    })
}

/// Verifies a COSE receipt for `leaf` (tx id ‖ anchor bytes) signed by `key`: the header
/// names Ed25519, RFC9162_SHA256 and `key`, and the signature holds with the tree hash that
/// the leaf and the path lead to as detached payload. Never panics, whatever `bytes` holds.
pub fn verify(
    bytes: &[u8],
    leaf: &[u8],
    key: &VerifyingKey,
) -> Result<CoseVerified, TransparencyError> {
    let sign1 = CoseSign1::from_tagged_slice(bytes).map_err(cbor)?;
    // The decoder is lenient (it reads `undefined` as `nil`, and lengths need not be the
    // shortest); the bytes must be the ones this module writes for what they decode to.
    if sign1.clone().to_tagged_vec().ok().as_deref() != Some(bytes) {
        return Err(cbor(NOT_PREFERRED));
    }
    let header = &sign1.protected.header;
    match &header.alg {
        Some(Algorithm::Assigned(iana::Algorithm::EdDSA | iana::Algorithm::Ed25519)) => {}
        other => {
            return Err(TransparencyError::Unsupported(format!(
                "algorithm {other:?} (expected EdDSA)"
            )));
        }
    }
    if !header.crit.is_empty() {
        return Err(TransparencyError::Unsupported(
            "critical header parameters".into(),
        ));
    }
    if find(&header.rest, &Label::Int(VDS_LABEL))
        .and_then(Value::as_integer)
        .map(i128::from)
        != Some(i128::from(RFC9162_SHA256))
    {
        return Err(TransparencyError::Unsupported(
            "the verifiable data structure (395) is not RFC9162_SHA256 (1)".into(),
        ));
    }
    if header.key_id != key.as_bytes() {
        return Err(TransparencyError::WrongKeyId {
            expected: hex::encode(key.as_bytes()),
            found: hex::encode(&header.key_id),
        });
    }
    if sign1.payload.is_some() {
        return Err(cbor("the payload is attached; a receipt's is detached"));
    }
    let stated = find(&header.rest, &Label::Text(BOUND_ROOT_LABEL.into()))
        .and_then(Value::as_bytes)
        .and_then(|b| Hash32::try_from(b.as_slice()).ok())
        .ok_or_else(|| cbor("no 32-byte lto-anchor-root in the protected header"))?;
    let path = inclusion_proof(&sign1.unprotected)?;
    let top = tree_hash(&path, leaf)?;
    let computed = bound_root(path.leaf_count, &top);
    let tbs = sig_structure_data(
        SignatureContext::CoseSign1,
        sign1.protected.clone(),
        None,
        b"",
        &top,
    );
    let sig =
        Signature::from_slice(&sign1.signature).map_err(|_| TransparencyError::BadSignature)?;
    key.verify_strict(&tbs, &sig)
        .map_err(|_| TransparencyError::BadSignature)?;
    // After the signature: the stated root is signed, the size is not.
    if stated != computed {
        return Err(TransparencyError::BoundRootMismatch { stated, computed });
    }
    Ok(CoseVerified {
        size: path.leaf_count,
        index: path.index,
        root: top,
        bound_root: computed,
    })
}
