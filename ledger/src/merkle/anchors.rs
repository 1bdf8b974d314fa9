//! The pair of trees over a block's anchors: [`AnchorRoots`] a key block commits,
//! [`AnchorProofs`] a receipt carries, [`AnchorTrees`] that make them.

use super::serde_hex::hex_hash;
use super::{
    Blake2bHasher, MerkleError, MerkleHasher, MerkleProof, MerkleTree, Sha256Hasher, merkle_root,
};
use crate::hash::Hash32;
use serde::{Deserialize, Serialize};

/// The two anchor roots a key block commits for the previous block (docs/architecture.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorRoots {
    /// The SHA-256 tree's root, lowercase hex in JSON.
    #[serde(with = "hex_hash")]
    pub sha256: Hash32,
    /// The Blake2b-256 tree's root, lowercase hex in JSON.
    #[serde(with = "hex_hash")]
    pub blake2b: Hash32,
}

impl AnchorRoots {
    /// The roots of a block without anchors.
    pub fn empty() -> Self {
        Self {
            sha256: Sha256Hasher::empty(),
            blake2b: Blake2bHasher::empty(),
        }
    }
}

/// Both anchor roots of `anchors`, in order: the key block's commitments (one tree after the
/// other, see [`merkle_root`]). About 0.38 s of one core for 10^6 anchors (`benches/`).
pub fn anchor_roots<I>(anchors: I) -> AnchorRoots
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let anchors: Vec<I::Item> = anchors.into_iter().collect();
    AnchorRoots {
        sha256: merkle_root::<Sha256Hasher, _>(&anchors),
        blake2b: merkle_root::<Blake2bHasher, _>(&anchors),
    }
}

/// An anchor's paths in both trees: the Merkle part of an anchor receipt.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorProofs {
    /// The path in the SHA-256 tree.
    pub sha256: MerkleProof,
    /// The path in the Blake2b-256 tree.
    pub blake2b: MerkleProof,
}

impl AnchorProofs {
    /// Checks that `anchor` is committed by both `roots`, at the same position. Both paths must
    /// hold: a receipt is only as strong as the stronger of the two hash functions.
    pub fn verify(&self, roots: &AnchorRoots, anchor: &[u8]) -> Result<(), MerkleError> {
        let (s, b) = (&self.sha256, &self.blake2b);
        if (s.index, s.leaf_count) != (b.index, b.leaf_count) {
            return Err(MerkleError::PositionMismatch {
                sha256_index: s.index,
                sha256_leaf_count: s.leaf_count,
                blake2b_index: b.index,
                blake2b_leaf_count: b.leaf_count,
            });
        }
        s.verify::<Sha256Hasher>(&roots.sha256, anchor)?;
        b.verify::<Blake2bHasher>(&roots.blake2b, anchor)
    }
}

/// Both trees of a block's anchors, kept to make receipts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorTrees {
    /// The SHA-256 tree.
    pub sha256: MerkleTree<Sha256Hasher>,
    /// The Blake2b-256 tree.
    pub blake2b: MerkleTree<Blake2bHasher>,
}

impl AnchorTrees {
    /// Builds both trees of `anchors`, in order.
    pub fn new<A: AsRef<[u8]>>(anchors: &[A]) -> Self {
        Self {
            sha256: MerkleTree::new(anchors),
            blake2b: MerkleTree::new(anchors),
        }
    }

    /// Both roots, as a key block commits them.
    pub fn roots(&self) -> AnchorRoots {
        AnchorRoots {
            sha256: self.sha256.root(),
            blake2b: self.blake2b.root(),
        }
    }

    /// Both paths of the anchor at `index`.
    pub fn proofs(&self, index: u64) -> Result<AnchorProofs, MerkleError> {
        Ok(AnchorProofs {
            sha256: self.sha256.proof(index)?,
            blake2b: self.blake2b.proof(index)?,
        })
    }
}
