//! A [`MerkleTree`] that keeps every level, the [`MerkleProof`]s it makes and their
//! verification.

use super::serde_hex::hex_hashes;
use super::{MerkleError, MerkleHasher};
use crate::hash::Hash32;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// A Merkle tree with all its levels kept, for making proofs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleTree<H: MerkleHasher> {
    /// `levels[0]` are the leaf hashes, each next level half the size (rounded up); the last
    /// level is the root alone. Empty for a tree without leaves.
    levels: Vec<Vec<Hash32>>,
    _hasher: PhantomData<H>,
}

impl<H: MerkleHasher> MerkleTree<H> {
    /// Builds the tree of `leaves`, in order.
    pub fn new<I>(leaves: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let hashes = leaves.into_iter().map(|l| H::leaf(l.as_ref())).collect();
        Self::from_leaf_hashes(hashes)
    }

    /// Builds the tree over already computed leaf hashes `H(0x00 ‖ leaf)`.
    pub fn from_leaf_hashes(leaf_hashes: Vec<Hash32>) -> Self {
        let mut levels = Vec::new();
        if !leaf_hashes.is_empty() {
            levels.push(leaf_hashes);
        }
        while let Some(below) = levels.last().filter(|level| level.len() > 1) {
            let (pairs, unpaired) = below.as_chunks::<2>();
            let mut level = Vec::with_capacity(below.len().div_ceil(2));
            level.extend(pairs.iter().map(|[left, right]| H::node(left, right)));
            // An unpaired last node is promoted unchanged.
            level.extend(unpaired.first().copied());
            levels.push(level);
        }
        Self {
            levels,
            _hasher: PhantomData,
        }
    }

    /// The number of leaves.
    pub fn leaf_count(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The committed root ([`MerkleHasher::root`]; [`MerkleHasher::empty`] without leaves).
    pub fn root(&self) -> Hash32 {
        let top = self.levels.last().and_then(|top| top.first());
        H::root(self.leaf_count(), top)
    }

    /// The leaf hashes, in order.
    pub fn leaf_hashes(&self) -> &[Hash32] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// The proof that the leaf at `index` is in this tree.
    pub fn proof(&self, index: u64) -> Result<MerkleProof, MerkleError> {
        let leaf_count = self.leaf_count();
        let out_of_range = MerkleError::IndexOutOfRange { index, leaf_count };
        if index >= leaf_count {
            return Err(out_of_range);
        }
        let mut i = usize::try_from(index).map_err(|_| out_of_range)?;
        let mut siblings = Vec::with_capacity(self.levels.len().saturating_sub(1));
        for level in self.levels.iter().take(self.levels.len().saturating_sub(1)) {
            // A left child's sibling is at i + 1, a right child's at i - 1; a promoted node
            // (the last, unpaired one) has none.
            let sibling = if i % 2 == 1 {
                level.get(i - 1)
            } else {
                level.get(i + 1)
            };
            siblings.extend(sibling.copied());
            i /= 2;
        }
        Ok(MerkleProof {
            index,
            leaf_count,
            siblings,
        })
    }
}

/// A path from one leaf to the root: the leaf's position, the tree's size and the sibling
/// hashes from the leaf level up. Which side each sibling is on, and at which levels the node
/// was promoted without a sibling, follow from `index` and `leaf_count`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MerkleProof {
    /// The leaf's position among the block's anchors, from 0.
    pub index: u64,
    /// The number of leaves in the tree.
    pub leaf_count: u64,
    /// Sibling hashes from the leaf level upwards, as lowercase hex in JSON.
    #[serde(with = "hex_hashes")]
    pub siblings: Vec<Hash32>,
}

impl MerkleProof {
    /// The number of siblings a proof for leaf `index` of `leaf_count` must have, or `None`
    /// if the index is out of range.
    pub fn path_len(index: u64, leaf_count: u64) -> Option<usize> {
        if index >= leaf_count {
            return None;
        }
        let (mut i, mut n, mut len) = (index, leaf_count, 0);
        while n > 1 {
            if i % 2 == 1 || i + 1 < n {
                len += 1;
            }
            i /= 2;
            n = n.div_ceil(2);
        }
        Some(len)
    }

    /// The committed root this proof leads to from `leaf` (the anchor's bytes), or why the
    /// proof is malformed. Never panics, whatever the proof holds.
    pub fn root_from<H: MerkleHasher>(&self, leaf: &[u8]) -> Result<Hash32, MerkleError> {
        let top = self.tree_hash_from::<H>(leaf)?;
        Ok(H::root(self.leaf_count, Some(&top)))
    }

    /// The RFC 6962 tree hash (the `top` under the committed root, which does not bind the
    /// leaf count) this proof leads to from `leaf`, or why the proof is malformed: the root a
    /// standard RFC 6962 / RFC 9162 verifier computes from the same path. Never panics.
    pub fn tree_hash_from<H: MerkleHasher>(&self, leaf: &[u8]) -> Result<Hash32, MerkleError> {
        let (index, leaf_count) = (self.index, self.leaf_count);
        let expected = Self::path_len(index, leaf_count)
            .ok_or(MerkleError::IndexOutOfRange { index, leaf_count })?;
        if self.siblings.len() != expected {
            return Err(MerkleError::WrongProofLength {
                expected,
                found: self.siblings.len(),
            });
        }
        let mut siblings = self.siblings.iter();
        let (mut i, mut n) = (index, leaf_count);
        let mut node = H::leaf(leaf);
        while n > 1 {
            let is_right_child = i % 2 == 1;
            // A left child without a right neighbour is promoted and takes no sibling. The
            // length check above guarantees a sibling for every other level.
            if is_right_child || i + 1 < n {
                let Some(sibling) = siblings.next() else {
                    break;
                };
                node = if is_right_child {
                    H::node(sibling, &node)
                } else {
                    H::node(&node, sibling)
                };
            }
            i /= 2;
            n = n.div_ceil(2);
        }
        Ok(node)
    }

    /// Checks that `leaf` is at this proof's position in the tree with root `root`.
    pub fn verify<H: MerkleHasher>(&self, root: &Hash32, leaf: &[u8]) -> Result<(), MerkleError> {
        let found = self.root_from::<H>(leaf)?;
        if found == *root {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch {
                tree: H::NAME,
                expected: *root,
                found,
            })
        }
    }
}

/// Checks that `leaf` is at `proof`'s position in the tree with root `root`; `false` for any
/// refusal (use [`MerkleProof::verify`] to learn why).
pub fn verify<H: MerkleHasher>(root: &Hash32, leaf: &[u8], proof: &MerkleProof) -> bool {
    proof.verify::<H>(root, leaf).is_ok()
}
