//! The history tree: an append-only accumulator over the ids of the key blocks.
//!
//! Key block `K_h` commits the SHA-256 committed root (leaf count bound in, as for the anchor
//! trees) of the ids of `K_1..K_{h-1}`, leaf `i` being the id of `K_{i+1}`. The tree is RFC
//! 6962's, so a later header proves every earlier one with about `log2(h)` hashes, and the
//! proof is an ordinary [`MerkleProof`].
//!
//! Stored, the tree is a Merkle mountain range: the hash of every complete, aligned subtree,
//! addressed by `(level, index)` (the subtree of leaves `index·2^level .. (index+1)·2^level`).
//! Appending a leaf writes it and the subtrees it completes (two nodes on average); the root of
//! any size, and any inclusion proof, is assembled from those nodes: the RFC 6962 top of `n`
//! leaves is its mountain peaks (the set bits of `n`) folded from the right. The functions here
//! are pure: they read nodes through a closure, so the chain, fast sync and tests share them.

use super::{MerkleHasher, MerkleProof, Sha256Hasher};
use crate::hash::Hash32;

/// The store key of a node: its level, then its index big-endian (so a level's nodes are in
/// order).
pub fn node_key(level: u8, index: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    let (first, rest) = k.split_at_mut(1);
    first.copy_from_slice(&[level]);
    rest.copy_from_slice(&index.to_be_bytes());
    k
}

/// The leaf hash of a block id.
pub fn leaf_hash(block_id: &Hash32) -> Hash32 {
    Sha256Hasher::leaf(block_id)
}

/// The nodes that appending leaf number `n` (from 0) with `leaf` completes, from the leaf up:
/// `(level, index, hash)`. `get` reads an existing node (only left siblings of the new
/// nodes are read, which exist once leaves `0..n` were appended).
pub fn append<E>(
    n: u64,
    leaf: Hash32,
    mut get: impl FnMut(u8, u64) -> Result<Hash32, E>,
) -> Result<Vec<(u8, u64, Hash32)>, E> {
    let mut out = vec![(0u8, n, leaf)];
    let (mut level, mut index, mut node) = (0u8, n, leaf);
    while index % 2 == 1 && level < 63 {
        let left = get(level, index - 1)?;
        node = Sha256Hasher::node(&left, &node);
        level += 1;
        index /= 2;
        out.push((level, index, node));
    }
    Ok(out)
}

/// The largest power of two strictly below `n` (for `n >= 2`).
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The RFC 6962 hash of leaves `start..start + len` (`len >= 1`, `start` a multiple of the
/// largest power of two up to `len`, as every range of the RFC's recursion is).
fn subtree<E>(
    start: u64,
    len: u64,
    get: &mut impl FnMut(u8, u64) -> Result<Hash32, E>,
) -> Result<Hash32, E> {
    if len.is_power_of_two() {
        let level = len.trailing_zeros();
        // `level` < 64: a u64 length.
        return get(level as u8, start >> level);
    }
    let k = split(len);
    let left = subtree(start, k, get)?;
    let right = subtree(start + k, len - k, get)?;
    Ok(Sha256Hasher::node(&left, &right))
}

/// The committed root of the first `n` leaves (the empty root for 0).
pub fn root<E>(n: u64, mut get: impl FnMut(u8, u64) -> Result<Hash32, E>) -> Result<Hash32, E> {
    if n == 0 {
        return Ok(Sha256Hasher::empty());
    }
    let top = subtree(0, n, &mut get)?;
    Ok(Sha256Hasher::root(n, Some(&top)))
}

/// The inclusion proof of leaf `index` in the tree of the first `n` leaves, or `None` if
/// `index >= n`.
pub fn proof<E>(
    index: u64,
    n: u64,
    mut get: impl FnMut(u8, u64) -> Result<Hash32, E>,
) -> Result<Option<MerkleProof>, E> {
    if index >= n {
        return Ok(None);
    }
    // RFC 6962 §2.1.1 PATH, iteratively: descend from the whole range, collecting the
    // sibling subtree at each split, then reverse to list them from the leaf up.
    let mut siblings = Vec::new();
    let (mut start, mut len) = (0u64, n);
    while len > 1 {
        let k = split(len);
        if index < start + k {
            siblings.push(subtree(start + k, len - k, &mut get)?);
            len = k;
        } else {
            siblings.push(subtree(start, k, &mut get)?);
            start += k;
            len -= k;
        }
    }
    siblings.reverse();
    Ok(Some(MerkleProof {
        index,
        leaf_count: n,
        siblings,
    }))
}

/// The peaks of `n` leaves, `(level, index)` from the highest: what [`root`] of `n` reads.
pub fn peaks(n: u64) -> Vec<(u8, u64)> {
    let mut out = Vec::new();
    let mut start = 0u64;
    for level in (0..64u8).rev() {
        if n >> level & 1 == 1 {
            out.push((level, start >> level));
            start += 1u64 << level;
        }
    }
    out
}

/// A history tree held in memory as its peaks only: for checking a header chain's history
/// roots one header at a time (fast sync) and writing the nodes it completes.
#[derive(Clone, Debug, Default)]
pub struct HistoryAccumulator {
    count: u64,
    /// The last node completed at each level (a peak while the count's bit is set).
    last: Vec<Hash32>,
}

impl HistoryAccumulator {
    /// No leaves.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of leaves.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether no leaf was appended.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends a block id; returns the nodes it completes (see [`append`]).
    pub fn push(&mut self, block_id: &Hash32) -> Vec<(u8, u64, Hash32)> {
        let last = &self.last;
        let nodes = append(self.count, leaf_hash(block_id), |level, _| {
            Ok::<_, ()>(last.get(usize::from(level)).copied().unwrap_or_default())
        })
        .unwrap_or_default();
        for (level, _, hash) in &nodes {
            let level = usize::from(*level);
            if self.last.len() <= level {
                self.last.resize(level + 1, [0; 32]);
            }
            if let Some(slot) = self.last.get_mut(level) {
                *slot = *hash;
            }
        }
        self.count = self.count.saturating_add(1);
        nodes
    }

    /// The committed root of the leaves so far.
    pub fn root(&self) -> Hash32 {
        let last = &self.last;
        root(self.count, |level, _| {
            Ok::<_, ()>(last.get(usize::from(level)).copied().unwrap_or_default())
        })
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{MerkleTree, merkle_root};
    use std::collections::HashMap;

    fn ids(n: u64) -> Vec<Hash32> {
        (0..n)
            .map(|i| crate::hash::sha256(&i.to_be_bytes()))
            .collect()
    }

    fn stored(ids: &[Hash32]) -> HashMap<(u8, u64), Hash32> {
        let mut nodes = HashMap::new();
        for (n, id) in ids.iter().enumerate() {
            let new = append(n as u64, leaf_hash(id), |l, i| {
                nodes.get(&(l, i)).copied().ok_or((l, i))
            })
            .unwrap();
            for (l, i, h) in new {
                assert!(nodes.insert((l, i), h).is_none(), "node written twice");
            }
        }
        nodes
    }

    #[test]
    fn roots_and_proofs_are_the_rfc6962_trees_of_every_prefix() {
        let all = ids(70);
        let nodes = stored(&all);
        // 2n - popcount(n) nodes in all: each leaf plus every completed subtree.
        assert_eq!(nodes.len() as u64, 2 * 70 - 70u64.count_ones() as u64);
        let get = |l: u8, i: u64| nodes.get(&(l, i)).copied().ok_or((l, i));
        let mut acc = HistoryAccumulator::new();
        for n in 0..=70u64 {
            let prefix = &all[..n as usize];
            let expected = merkle_root::<Sha256Hasher, _>(prefix.iter());
            assert_eq!(root(n, get).unwrap(), expected, "root of {n}");
            assert_eq!(acc.root(), expected, "accumulator root of {n}");
            if n > 0 {
                let tree = MerkleTree::<Sha256Hasher>::new(prefix);
                for i in 0..n {
                    let p = proof(i, n, get).unwrap().unwrap();
                    assert_eq!(p, tree.proof(i).unwrap(), "proof {i} of {n}");
                    p.verify::<Sha256Hasher>(&expected, &all[i as usize])
                        .unwrap();
                }
                assert_eq!(proof(n, n, get).unwrap(), None);
            }
            if let Some(id) = all.get(n as usize) {
                let before = acc.len();
                let written = acc.push(id);
                assert_eq!(before + 1, acc.len());
                for (l, i, h) in written {
                    assert_eq!(nodes.get(&(l, i)), Some(&h));
                }
            }
        }
    }

    #[test]
    fn a_root_reads_only_the_peaks() {
        let all = ids(45);
        let nodes = stored(&all);
        let mut read = Vec::new();
        root(45, |l, i| {
            read.push((l, i));
            nodes.get(&(l, i)).copied().ok_or(())
        })
        .unwrap();
        assert_eq!(read, peaks(45));
        assert_eq!(peaks(45), vec![(5, 0), (3, 4), (2, 10), (0, 44)]);
    }

    #[test]
    fn a_missing_node_is_reported_not_invented() {
        let all = ids(8);
        let mut nodes = stored(&all);
        nodes.remove(&(2, 1));
        let get = |l: u8, i: u64| nodes.get(&(l, i)).copied().ok_or((l, i));
        // The root of 8 reads only the peak (3, 0); the proof of leaf 0 needs (2, 1).
        assert!(root(8, get).is_ok());
        assert_eq!(proof(0, 8, get), Err((2, 1)));
    }

    #[test]
    fn node_keys_sort_by_level_then_index() {
        assert_eq!(node_key(1, 2), [1, 0, 0, 0, 0, 0, 0, 0, 2]);
        assert!(node_key(0, u64::MAX) < node_key(1, 0));
        assert!(node_key(3, 255) < node_key(3, 256));
    }
}
