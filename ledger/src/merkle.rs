//! Merkle trees over a block's anchors, in SHA-256 and in Blake2b-256.
//!
//! Key block K_{h+1} commits two roots of block h's anchors, taken in the order they appear
//! in the block: one tree hashed with SHA-256 and one with Blake2b-256 (whitepaper 16.1 and
//! 18.5; docs/architecture.md). A receipt carries a path in each tree, so forging a receipt
//! for an anchor that was never committed needs both hash functions broken, not just one.
//!
//! # Construction
//! The tree is the one of RFC 6962 (Certificate Transparency), §2.1, with `H` either hash:
//! - **Domain separation.** A leaf is `H(0x00 ‖ anchor bytes)` and an inner node is
//!   `H(0x01 ‖ left ‖ right)`. A leaf hash and a node hash are hashes of inputs that differ in
//!   their first byte, so the 64 bytes of two child hashes offered as an "anchor" can never
//!   hash to their parent, and an inner node can never be proven as a leaf (the second
//!   preimage attack on unprefixed trees). Anchors are of any length (LTO allows 0..=100
//!   bytes); the leaf hash needs no length prefix because a leaf is always a whole input.
//! - **Odd levels.** Leaves are paired left to right, level by level; when a level has an
//!   odd number of nodes, the unpaired last node is **promoted unchanged** to the next level
//!   (it is not paired with a copy of itself). This is exactly RFC 6962's split at the largest
//!   power of two below `n`, and it avoids the malleability of Bitcoin's duplicate-last-node
//!   rule (CVE-2012-2459), under which the lists `[a, b, c]` and `[a, b, c, c]` share a root.
//!   Here every list of anchors has its own root.
//! - **Leaf count in the root.** The committed root of `n >= 1` anchors is
//!   `H(0x02 ‖ n ‖ top)`, where `n` is a big-endian `u64` and `top` is the RFC 6962 tree hash
//!   above (for one anchor `a`, `top` is its leaf hash `H(0x00 ‖ a)`). A bare RFC 6962 top
//!   does not fix the tree's size, and so not a leaf's position: the path of leaf 0 of
//!   `[a, b, c]` is also a valid path of leaf 0 in a tree of 4, and leaf 2 checks as leaf 1 of
//!   2. RFC 6962 closes this with a signed tree size; our key-block header commits only the
//!   two roots, so the size is bound into them and a receipt proves the anchor's position and
//!   the block's anchor count as well as membership.
//! - **Empty tree.** The root of no anchors is `H(0x02 ‖ 0u64)` (9 bytes of input, unlike any
//!   leaf, node or non-empty root).
//!
//! # Proofs
//! A [`MerkleProof`] is the leaf's `index`, the tree's `leaf_count` and the sibling hashes
//! from the leaf level upwards. Given `index` and `leaf_count`, the verifier knows at every
//! level whether the node is a left child, a right child or promoted (no sibling), so the
//! proof needs no side flags and there is exactly one valid proof per leaf: a proof with a
//! sibling too many or too few is refused ([`MerkleError::WrongProofLength`]). The verifier
//! hashes `leaf_count` into the root it recomputes, so a proof with another count or index
//! than the true ones fails (short of breaking the hash). In JSON a proof is
//! `{"index", "leafCount", "siblings"}`, the hashes as lowercase hex strings.
//!
//! # Building
//! Three ways, one root (the tests check each against a recursive RFC 6962 reference):
//! [`merkle_root`] and [`anchor_roots`] hash level by level in one buffer of leaf hashes (the
//! fastest); the incremental [`MerkleBuilder`] keeps only the roots of the complete subtrees
//! so far (like the bits of a binary counter: O(log n) memory, no allocation) for anchors that
//! arrive one at a time; [`MerkleTree`] keeps every level so that [`MerkleTree::proof`] is a
//! lookup per level.

use crate::hash::{Blake2b256, Hash32};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Debug;
use std::marker::PhantomData;
use thiserror::Error;

/// The first byte of a leaf's hash input.
pub const LEAF_PREFIX: u8 = 0x00;
/// The first byte of an inner node's hash input.
pub const NODE_PREFIX: u8 = 0x01;
/// The first byte of the committed root's hash input (leaf count, then tree hash).
pub const ROOT_PREFIX: u8 = 0x02;

/// The deepest tree a proof can describe: a `u64` leaf count has at most 64 levels above the
/// leaves.
const MAX_DEPTH: usize = 64;

/// A hash function a Merkle tree is built with: leaf and node hashing with domain separation.
pub trait MerkleHasher: Copy + Debug + Default + Send + Sync + 'static {
    /// A short name for errors and logs (`"sha256"`, `"blake2b256"`).
    const NAME: &'static str;
    /// The hash of a leaf: `H(0x00 ‖ leaf)`.
    fn leaf(leaf: &[u8]) -> Hash32;
    /// The hash of an inner node: `H(0x01 ‖ left ‖ right)`.
    fn node(left: &Hash32, right: &Hash32) -> Hash32;
    /// The committed root of `leaf_count` leaves whose RFC 6962 tree hash is `top`:
    /// `H(0x02 ‖ leaf_count as big-endian u64 ‖ top)`, with no `top` for an empty tree.
    fn root(leaf_count: u64, top: Option<&Hash32>) -> Hash32;

    /// The root of a tree with no leaves: `H(0x02 ‖ 0u64)`.
    fn empty() -> Hash32 {
        Self::root(0, None)
    }
}

/// The SHA-256 tree.
///
/// Hashes through `sha2`'s block function with the padding laid out by hand (one block for a
/// leaf of up to 54 bytes, two for a node or a longer anchor): the buffered `Digest` costs
/// about a fifth more per hash here, and the tree's hashes are all short. Longer leaves go
/// through `Digest`. The tests compare both paths with `Digest` for every length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sha256Hasher;

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The longest input (prefix byte included) that fits two SHA-256 blocks with its padding.
const SHA256_TWO_BLOCK_INPUT: usize = 2 * 64 - 9;

/// SHA-256 of already padded `blocks`.
#[inline(always)]
fn sha256_padded(blocks: &[[u8; 64]]) -> Hash32 {
    let mut state = SHA256_IV;
    sha2::block_api::compress256(&mut state, blocks);
    let mut out = [0u8; 32];
    for (bytes, word) in out.as_chunks_mut::<4>().0.iter_mut().zip(state) {
        *bytes = word.to_be_bytes();
    }
    out
}

impl MerkleHasher for Sha256Hasher {
    const NAME: &'static str = "sha256";

    #[inline]
    fn leaf(leaf: &[u8]) -> Hash32 {
        let input_len = 1 + leaf.len();
        if input_len > SHA256_TWO_BLOCK_INPUT {
            let mut h = Sha256::new();
            h.update([LEAF_PREFIX]);
            h.update(leaf);
            return h.finalize().into();
        }
        // Padding: 0x80, zeros, then the bit length as a big-endian u64 ending the last block.
        let block_count = (input_len + 9).div_ceil(64);
        let mut blocks = [[0u8; 64]; 2];
        let (used, _) = blocks.split_at_mut(block_count.min(2));
        let bytes = used.as_flattened_mut();
        // `input_len + 9 <= 128` here, so every piece fits (`get_mut` keeps it panic-free).
        let bit_len = (input_len as u64) * 8;
        if let Some((first, rest)) = bytes.split_first_mut() {
            *first = LEAF_PREFIX;
            if let Some(dst) = rest.get_mut(..leaf.len()) {
                dst.copy_from_slice(leaf);
            }
        }
        if let Some(b) = bytes.get_mut(input_len) {
            *b = 0x80;
        }
        let tail = bytes.len().saturating_sub(8);
        if let Some(dst) = bytes.get_mut(tail..) {
            dst.copy_from_slice(&bit_len.to_be_bytes());
        }
        sha256_padded(used)
    }

    #[inline]
    fn node(left: &Hash32, right: &Hash32) -> Hash32 {
        // 65 bytes of input: prefix, left and 31 bytes of right fill the first block.
        let mut blocks = [[0u8; 64]; 2];
        let [first, second] = &mut blocks;
        first[0] = NODE_PREFIX;
        first[1..33].copy_from_slice(left);
        first[33..].copy_from_slice(&right[..31]);
        second[0] = right[31];
        second[1] = 0x80;
        second[56..].copy_from_slice(&(65u64 * 8).to_be_bytes());
        sha256_padded(&blocks)
    }

    fn root(leaf_count: u64, top: Option<&Hash32>) -> Hash32 {
        let mut h = Sha256::new();
        h.update([ROOT_PREFIX]);
        h.update(leaf_count.to_be_bytes());
        if let Some(top) = top {
            h.update(top);
        }
        h.finalize().into()
    }
}

/// The Blake2b-256 tree.
///
/// Every leaf of an anchor (at most 127 bytes) and every node is a single 128-byte Blake2b
/// block, hashed by `blake2b256_one_block` below; longer leaves and the root go through the
/// `blake2` crate. The tests compare the two at every length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blake2bHasher;

/// Blake2b-256 (no key) of the first `len` bytes of `block`, with `blake2b_simd` (AVX2 when
/// the CPU has it): the tree hashes two million single blocks for a million anchors, and the
/// SIMD implementation keeps both roots of 10^6 anchors inside docs/architecture.md's 0.5 s. The
/// `blake2` crate stays the reference: the tests compare the two.
#[inline]
fn blake2b256_one_block(block: &[u8; 128], len: u8) -> Hash32 {
    let hash = blake2b_simd::Params::new()
        .hash_length(32)
        .hash(block.get(..usize::from(len)).unwrap_or(block));
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_bytes());
    out
}

impl MerkleHasher for Blake2bHasher {
    const NAME: &'static str = "blake2b256";

    #[inline]
    fn leaf(leaf: &[u8]) -> Hash32 {
        let mut block = [0u8; 128];
        // Fits one block (prefix included) when at most 127 bytes long.
        if let Some(body) = block.get_mut(1..=leaf.len()) {
            body.copy_from_slice(leaf);
            block[0] = LEAF_PREFIX;
            return blake2b256_one_block(&block, leaf.len() as u8 + 1);
        }
        let mut h = Blake2b256::new();
        h.update([LEAF_PREFIX]);
        h.update(leaf);
        h.finalize().into()
    }

    #[inline]
    fn node(left: &Hash32, right: &Hash32) -> Hash32 {
        let mut block = [0u8; 128];
        block[0] = NODE_PREFIX;
        block[1..33].copy_from_slice(left);
        block[33..65].copy_from_slice(right);
        blake2b256_one_block(&block, 65)
    }

    fn root(leaf_count: u64, top: Option<&Hash32>) -> Hash32 {
        let mut h = Blake2b256::new();
        h.update([ROOT_PREFIX]);
        h.update(leaf_count.to_be_bytes());
        if let Some(top) = top {
            h.update(top);
        }
        h.finalize().into()
    }
}

/// Why a Merkle proof was refused, or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MerkleError {
    /// The leaf index is not below the leaf count (which includes an empty tree).
    #[error("leaf index {index} is out of range for a tree of {leaf_count} leaves")]
    IndexOutOfRange {
        /// The index asked for or claimed.
        index: u64,
        /// The number of leaves in the tree.
        leaf_count: u64,
    },
    /// The proof does not have the number of siblings its index and leaf count imply.
    #[error("proof must have {expected} sibling hashes, found {found}")]
    WrongProofLength {
        /// The path length for this index and leaf count.
        expected: usize,
        /// The number of siblings in the proof.
        found: usize,
    },
    /// The proof leads to another root than the committed one.
    #[error(
        "{tree} proof leads to root {}, expected {}",
        hex::encode(.found),
        hex::encode(.expected)
    )]
    RootMismatch {
        /// Which tree ([`MerkleHasher::NAME`]).
        tree: &'static str,
        /// The committed root.
        expected: Hash32,
        /// The root the proof computes.
        found: Hash32,
    },
    /// The SHA-256 and Blake2b-256 proofs of one receipt claim different positions.
    #[error(
        "sha256 proof is for leaf {sha256_index} of {sha256_leaf_count}, \
         blake2b256 proof for leaf {blake2b_index} of {blake2b_leaf_count}"
    )]
    PositionMismatch {
        /// The SHA-256 proof's index.
        sha256_index: u64,
        /// The SHA-256 proof's leaf count.
        sha256_leaf_count: u64,
        /// The Blake2b-256 proof's index.
        blake2b_index: u64,
        /// The Blake2b-256 proof's leaf count.
        blake2b_leaf_count: u64,
    },
}

/// An incremental Merkle root: push leaves one at a time and read the root at any point.
///
/// It keeps the roots of the complete (power-of-two) subtrees built so far, one per set bit of
/// the leaf count, largest first, like the digits of a binary counter: pushing a leaf merges
/// equal-sized subtrees as a carry does. Memory is fixed (64 hashes) and nothing is allocated.
/// [`MerkleBuilder::root`] folds the subtree roots from the smallest up, which gives the same
/// tree as promoting the unpaired node of each odd level (module docs).
#[derive(Clone, Debug)]
pub struct MerkleBuilder<H: MerkleHasher> {
    /// Leaves pushed so far.
    count: u64,
    /// `subtrees[..count.count_ones()]`: roots of the complete subtrees, largest first.
    subtrees: [Hash32; MAX_DEPTH],
    _hasher: PhantomData<H>,
}

impl<H: MerkleHasher> Default for MerkleBuilder<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: MerkleHasher> MerkleBuilder<H> {
    /// An empty builder.
    pub fn new() -> Self {
        Self {
            count: 0,
            subtrees: [[0; 32]; MAX_DEPTH],
            _hasher: PhantomData,
        }
    }

    /// Appends a leaf (an anchor's bytes).
    #[inline]
    pub fn push(&mut self, leaf: &[u8]) {
        self.push_leaf_hash(H::leaf(leaf));
    }

    /// Appends a leaf given by its leaf hash `H(0x00 ‖ leaf)`.
    pub fn push_leaf_hash(&mut self, leaf_hash: Hash32) {
        let mut node = leaf_hash;
        // Each trailing one bit of the count is a complete subtree of the size of `node`:
        // merge and carry.
        let mut stack = self.count.count_ones() as usize;
        let mut carry = self.count;
        while carry & 1 == 1 {
            stack -= 1;
            if let Some(left) = self.subtrees.get(stack) {
                node = H::node(left, &node);
            }
            carry >>= 1;
        }
        if let Some(slot) = self.subtrees.get_mut(stack) {
            *slot = node;
        }
        // 2^64 leaves cannot be hashed in any lifetime; saturating keeps this panic-free.
        self.count = self.count.saturating_add(1);
    }

    /// The number of leaves pushed.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether no leaf was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The root of the leaves pushed so far ([`MerkleHasher::empty`] if none).
    pub fn root(&self) -> Hash32 {
        let live = self.count.count_ones() as usize;
        let mut subtrees = self.subtrees.iter().take(live).rev();
        let Some(smallest) = subtrees.next() else {
            return H::empty();
        };
        let top = subtrees.fold(*smallest, |acc, left| H::node(left, &acc));
        H::root(self.count, Some(&top))
    }
}

/// The Merkle root of `leaves`, in order.
///
/// Hashes level by level in place, in one buffer of leaf hashes (32 bytes per leaf, allocated
/// once). [`MerkleBuilder`] gives the same root in O(log n) memory at about the same speed.
pub fn merkle_root<H, I>(leaves: I) -> Hash32
where
    H: MerkleHasher,
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut hashes: Vec<Hash32> = leaves.into_iter().map(|l| H::leaf(l.as_ref())).collect();
    root_of_leaf_hashes::<H>(&mut hashes)
}

/// The committed root over `leaf_hashes`, which it overwrites with the levels above.
fn root_of_leaf_hashes<H: MerkleHasher>(leaf_hashes: &mut [Hash32]) -> Hash32 {
    let leaf_count = leaf_hashes.len() as u64;
    let mut len = leaf_hashes.len();
    while len > 1 {
        // Node i of the next level overwrites slot i, which is read no later than as the
        // left child of node i / 2 of this level, i.e. before it is written.
        let pairs = len / 2;
        for i in 0..pairs {
            let node = match (leaf_hashes.get(2 * i), leaf_hashes.get(2 * i + 1)) {
                (Some(l), Some(r)) => H::node(l, r),
                _ => break,
            };
            if let Some(slot) = leaf_hashes.get_mut(i) {
                *slot = node;
            }
        }
        if len % 2 == 1 {
            // The unpaired last node is promoted unchanged.
            if let Some(&last) = leaf_hashes.get(len - 1)
                && let Some(slot) = leaf_hashes.get_mut(pairs)
            {
                *slot = last;
            }
        }
        len = len.div_ceil(2);
    }
    match leaf_hashes.first() {
        Some(top) => H::root(leaf_count, Some(top)),
        None => H::empty(),
    }
}

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
        Ok(H::root(leaf_count, Some(&node)))
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

    /// Both roots.
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

/// Serde for one hash as a lowercase hex string.
mod hex_hash {
    use super::Hash32;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(hash: &Hash32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(hash))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Hash32, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse(&text).map_err(D::Error::custom)
    }

    /// Parses exactly 64 hex digits.
    pub(super) fn parse(text: &str) -> Result<Hash32, String> {
        let mut hash = [0u8; 32];
        hex::decode_to_slice(text, &mut hash)
            .map_err(|e| format!("hash must be 64 hex digits: {e}"))?;
        Ok(hash)
    }
}

/// Serde for a list of hashes as lowercase hex strings.
mod hex_hashes {
    use super::Hash32;
    use serde::de::Error as _;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::borrow::Cow;

    pub(super) fn serialize<S: Serializer>(hashes: &[Hash32], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(hashes.len()))?;
        for hash in hashes {
            seq.serialize_element(&hex::encode(hash))?;
        }
        seq.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash32>, D::Error> {
        let texts = <Vec<Cow<'de, str>>>::deserialize(d)?;
        texts
            .iter()
            .map(|t| super::hex_hash::parse(t).map_err(D::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{blake2b256, sha256};
    use proptest::prelude::*;

    /// `H(parts concatenated)` for a plain hash function, to build expected roots by hand.
    fn h(hash: fn(&[u8]) -> Hash32, parts: &[&[u8]]) -> Hash32 {
        hash(&parts.concat())
    }

    /// The reference tree hash: RFC 6962's recursive definition, split at the largest power
    /// of two strictly below `n`.
    fn naive_top<H: MerkleHasher>(leaves: &[Vec<u8>]) -> Hash32 {
        match leaves {
            [] => unreachable!("no tree hash without leaves"),
            [one] => H::leaf(one),
            _ => {
                let k = 1 << (usize::BITS - 1 - (leaves.len() - 1).leading_zeros());
                let (left, right) = leaves.split_at(k);
                H::node(&naive_top::<H>(left), &naive_top::<H>(right))
            }
        }
    }

    /// The reference committed root.
    fn naive_root<H: MerkleHasher>(leaves: &[Vec<u8>]) -> Hash32 {
        match leaves {
            [] => H::root(0, None),
            _ => H::root(leaves.len() as u64, Some(&naive_top::<H>(leaves))),
        }
    }

    fn incremental_root<H: MerkleHasher>(leaves: &[Vec<u8>]) -> Hash32 {
        let mut builder = MerkleBuilder::<H>::new();
        for leaf in leaves {
            builder.push(leaf);
        }
        builder.root()
    }

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| vec![i as u8; i % 40]).collect()
    }

    fn known_trees(hash: fn(&[u8]) -> Hash32, root: fn(&[Vec<u8>]) -> Hash32) {
        let [a, b, c, d, e] = [
            b"a".to_vec(),
            b"bb".to_vec(),
            vec![],
            vec![0xff; 100],
            b"e".to_vec(),
        ];
        let leaf = |x: &[u8]| h(hash, &[&[0x00], x]);
        let node = |l: Hash32, r: Hash32| h(hash, &[&[0x01], &l, &r]);
        let commit = |n: u64, top: Hash32| h(hash, &[&[0x02], &n.to_be_bytes(), &top]);

        assert_eq!(root(&[]), h(hash, &[&[0x02], &[0; 8]]));
        assert_eq!(root(std::slice::from_ref(&a)), commit(1, leaf(&a)));
        assert_eq!(
            root(&[a.clone(), b.clone()]),
            commit(2, node(leaf(&a), leaf(&b)))
        );
        // Three leaves: `c` is promoted, not paired with a copy of itself.
        assert_eq!(
            root(&[a.clone(), b.clone(), c.clone()]),
            commit(3, node(node(leaf(&a), leaf(&b)), leaf(&c)))
        );
        assert_ne!(
            root(&[a.clone(), b.clone(), c.clone()]),
            root(&[a.clone(), b.clone(), c.clone(), c.clone()])
        );
        assert_eq!(
            root(&[a.clone(), b.clone(), c.clone(), d.clone(), e.clone()]),
            commit(
                5,
                node(
                    node(node(leaf(&a), leaf(&b)), node(leaf(&c), leaf(&d))),
                    leaf(&e)
                )
            )
        );
    }

    #[test]
    fn known_small_trees_sha256() {
        known_trees(sha256, |l| merkle_root::<Sha256Hasher, _>(l));
        known_trees(sha256, incremental_root::<Sha256Hasher>);
        known_trees(sha256, |l| MerkleTree::<Sha256Hasher>::new(l).root());
        // One spelled-out input, so a change of construction cannot go unnoticed.
        let mut input = b"\x02\0\0\0\0\0\0\0\x01".to_vec();
        input.extend(sha256(b"\x00a"));
        assert_eq!(merkle_root::<Sha256Hasher, _>([b"a"]), sha256(&input));
    }

    #[test]
    fn known_small_trees_blake2b() {
        known_trees(blake2b256, |l| merkle_root::<Blake2bHasher, _>(l));
        known_trees(blake2b256, incremental_root::<Blake2bHasher>);
        known_trees(blake2b256, |l| MerkleTree::<Blake2bHasher>::new(l).root());
    }

    #[test]
    fn empty_roots_commit_a_count_of_zero() {
        assert_eq!(Sha256Hasher::empty(), sha256(&[2, 0, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(
            Blake2bHasher::empty(),
            blake2b256(&[2, 0, 0, 0, 0, 0, 0, 0, 0])
        );
        assert_eq!(
            merkle_root::<Sha256Hasher, _>(Vec::<Vec<u8>>::new()),
            Sha256Hasher::empty()
        );
        assert_eq!(anchor_roots(Vec::<Vec<u8>>::new()), AnchorRoots::empty());
        assert_eq!(
            AnchorTrees::new::<Vec<u8>>(&[]).roots(),
            AnchorRoots::empty()
        );
    }

    /// The hand-padded SHA-256 and the one-block Blake2b equal the crates' `Digest` at every
    /// leaf length, across the one-block, two-block and fallback boundaries.
    #[test]
    fn fast_paths_match_the_crates() {
        for len in 0..=200usize {
            let leaf: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            assert_eq!(
                Sha256Hasher::leaf(&leaf),
                h(sha256, &[&[0x00], &leaf]),
                "len {len}"
            );
            assert_eq!(Blake2bHasher::leaf(&leaf), h(blake2b256, &[&[0x00], &leaf]));
        }
        let (l, r) = (sha256(b"l"), sha256(b"r"));
        assert_eq!(Sha256Hasher::node(&l, &r), h(sha256, &[&[0x01], &l, &r]));
        assert_eq!(
            Blake2bHasher::node(&l, &r),
            h(blake2b256, &[&[0x01], &l, &r])
        );
    }

    fn check_all_proofs<H: MerkleHasher>(n: usize) {
        let leaves = leaves(n);
        let tree = MerkleTree::<H>::new(&leaves);
        let root = tree.root();
        let count = n as u64;
        for (i, leaf) in leaves.iter().enumerate() {
            let index = i as u64;
            let proof = tree.proof(index).unwrap();
            assert_eq!(
                proof.siblings.len(),
                MerkleProof::path_len(index, count).unwrap()
            );
            assert_eq!(proof.verify::<H>(&root, leaf), Ok(()), "n {n} i {i}");
            assert!(verify::<H>(&root, leaf, &proof));

            // A wrong leaf.
            let mut wrong = leaf.clone();
            wrong.push(0x55);
            assert!(matches!(
                proof.verify::<H>(&root, &wrong),
                Err(MerkleError::RootMismatch { tree, .. }) if tree == H::NAME
            ));
            // Every other index, and every other leaf count up to n + 2.
            for other in 0..count + 2 {
                if other != index {
                    let moved = MerkleProof {
                        index: other,
                        ..proof.clone()
                    };
                    assert!(!verify::<H>(&root, leaf, &moved), "n {n} i {i} as {other}");
                }
                if other != count && other > 0 {
                    let resized = MerkleProof {
                        leaf_count: other,
                        ..proof.clone()
                    };
                    assert!(
                        !verify::<H>(&root, leaf, &resized),
                        "n {n} i {i} count {other}"
                    );
                }
            }
            // Every tampered sibling.
            for s in 0..proof.siblings.len() {
                let mut tampered = proof.clone();
                tampered.siblings[s][s % 32] ^= 1;
                assert!(!verify::<H>(&root, leaf, &tampered));
            }
            // A sibling too many or too few.
            let mut long = proof.clone();
            long.siblings.push(root);
            assert_eq!(
                long.verify::<H>(&root, leaf),
                Err(MerkleError::WrongProofLength {
                    expected: proof.siblings.len(),
                    found: proof.siblings.len() + 1
                })
            );
            if let Some(short_len) = proof.siblings.len().checked_sub(1) {
                let mut short = proof.clone();
                short.siblings.pop();
                assert_eq!(
                    short.verify::<H>(&root, leaf),
                    Err(MerkleError::WrongProofLength {
                        expected: proof.siblings.len(),
                        found: short_len
                    })
                );
            }
        }
        assert_eq!(
            tree.proof(count),
            Err(MerkleError::IndexOutOfRange {
                index: count,
                leaf_count: count
            })
        );
    }

    #[test]
    fn every_proof_of_trees_up_to_40_leaves() {
        for n in 1..=40 {
            check_all_proofs::<Sha256Hasher>(n);
            check_all_proofs::<Blake2bHasher>(n);
        }
    }

    #[test]
    fn proof_of_five_leaves_has_the_expected_path() {
        let leaves = leaves(5);
        let tree = MerkleTree::<Sha256Hasher>::new(&leaves);
        let l: Vec<Hash32> = leaves.iter().map(|x| Sha256Hasher::leaf(x)).collect();
        let n01 = Sha256Hasher::node(&l[0], &l[1]);
        let n23 = Sha256Hasher::node(&l[2], &l[3]);
        let n0123 = Sha256Hasher::node(&n01, &n23);
        // Leaf 4 is promoted twice: its only sibling is the left half.
        assert_eq!(tree.proof(4).unwrap().siblings, vec![n0123]);
        assert_eq!(tree.proof(2).unwrap().siblings, vec![l[3], n01, l[4]]);
    }

    #[test]
    fn empty_tree_has_no_proofs() {
        let tree = MerkleTree::<Sha256Hasher>::new(Vec::<Vec<u8>>::new());
        assert_eq!(tree.leaf_count(), 0);
        assert_eq!(
            tree.proof(0),
            Err(MerkleError::IndexOutOfRange {
                index: 0,
                leaf_count: 0
            })
        );
        let proof = MerkleProof {
            index: 0,
            leaf_count: 0,
            siblings: vec![],
        };
        assert_eq!(
            proof.verify::<Sha256Hasher>(&Sha256Hasher::empty(), b""),
            Err(MerkleError::IndexOutOfRange {
                index: 0,
                leaf_count: 0
            })
        );
    }

    /// Two child hashes presented as a leaf (with or without the node prefix) never prove
    /// their parent: leaves and nodes are hashed under different prefixes. The roots checked
    /// against commit the forged proof's own leaf count, so only the prefixes stop the forgery.
    #[test]
    fn a_node_cannot_pass_as_a_leaf() {
        fn check<H: MerkleHasher>() {
            let leaves = leaves(4);
            let tree = MerkleTree::<H>::new(&leaves);
            let l: Vec<Hash32> = leaves.iter().map(|x| H::leaf(x)).collect();
            let (left, right) = (H::node(&l[0], &l[1]), H::node(&l[2], &l[3]));
            let top = H::node(&left, &right);
            assert_eq!(tree.root(), H::root(4, Some(&top)));

            // The whole tree as a one-leaf tree with the same tree hash.
            let as_one_leaf = H::root(1, Some(&top));
            let single = MerkleProof {
                index: 0,
                leaf_count: 1,
                siblings: vec![],
            };
            for forged in [
                [&left[..], &right[..]].concat(),
                [&[0x01], &left[..], &right[..]].concat(),
            ] {
                assert_ne!(H::leaf(&forged), top);
                assert!(!verify::<H>(&as_one_leaf, &forged, &single));
            }
            // The inner node `left` as a leaf of a two-leaf tree with the same tree hash.
            let as_two_leaves = H::root(2, Some(&top));
            let children = [&l[0][..], &l[1][..]].concat();
            let half = MerkleProof {
                index: 0,
                leaf_count: 2,
                siblings: vec![right],
            };
            assert!(!verify::<H>(&as_two_leaves, &children, &half));
            // Control: the same proof with the honest leaf hash would have matched.
            assert_eq!(H::root(2, Some(&H::node(&left, &right))), as_two_leaves);
        }
        check::<Sha256Hasher>();
        check::<Blake2bHasher>();
    }

    /// The tree hash alone does not fix the tree's size (RFC 6962 relies on a signed size);
    /// the committed root does.
    #[test]
    fn leaf_count_and_position_are_bound() {
        let leaves = leaves(3);
        let tree = MerkleTree::<Sha256Hasher>::new(&leaves);
        let root = tree.root();
        // Leaf 0 of 3 has the same path as leaf 0 of 4; leaf 2 of 3 as leaf 1 of 2.
        let first = tree.proof(0).unwrap();
        let as_four = MerkleProof {
            leaf_count: 4,
            ..first.clone()
        };
        assert!(as_four.root_from::<Sha256Hasher>(&leaves[0]).is_ok());
        assert!(matches!(
            as_four.verify::<Sha256Hasher>(&root, &leaves[0]),
            Err(MerkleError::RootMismatch { tree: "sha256", .. })
        ));
        let last = tree.proof(2).unwrap();
        let as_second_of_two = MerkleProof {
            index: 1,
            leaf_count: 2,
            ..last.clone()
        };
        assert_eq!(
            as_second_of_two.siblings.len(),
            MerkleProof::path_len(1, 2).unwrap()
        );
        assert!(!verify::<Sha256Hasher>(
            &root,
            &leaves[2],
            &as_second_of_two
        ));
        assert!(verify::<Sha256Hasher>(&root, &leaves[2], &last));
    }

    #[test]
    fn anchor_roots_and_receipt_proofs() {
        let anchors = leaves(13);
        let roots = anchor_roots(&anchors);
        assert_eq!(roots.sha256, merkle_root::<Sha256Hasher, _>(&anchors));
        assert_eq!(roots.blake2b, merkle_root::<Blake2bHasher, _>(&anchors));
        assert_ne!(roots.sha256, roots.blake2b);

        let trees = AnchorTrees::new(&anchors);
        assert_eq!(trees.roots(), roots);
        for (i, anchor) in anchors.iter().enumerate() {
            let proofs = trees.proofs(i as u64).unwrap();
            assert_eq!(proofs.verify(&roots, anchor), Ok(()));
        }
        // A receipt needs both paths to hold.
        let proofs = trees.proofs(3).unwrap();
        let half_forged = AnchorRoots {
            blake2b: [0; 32],
            ..roots
        };
        assert!(matches!(
            proofs.verify(&half_forged, &anchors[3]),
            Err(MerkleError::RootMismatch {
                tree: "blake2b256",
                ..
            })
        ));
        let mixed = AnchorProofs {
            blake2b: trees.proofs(4).unwrap().blake2b,
            ..proofs.clone()
        };
        assert_eq!(
            mixed.verify(&roots, &anchors[3]),
            Err(MerkleError::PositionMismatch {
                sha256_index: 3,
                sha256_leaf_count: 13,
                blake2b_index: 4,
                blake2b_leaf_count: 13
            })
        );
        assert_eq!(
            trees.proofs(13),
            Err(MerkleError::IndexOutOfRange {
                index: 13,
                leaf_count: 13
            })
        );
    }

    #[test]
    fn proofs_and_roots_as_json() {
        let trees = AnchorTrees::new(&leaves(3));
        let proof = trees.sha256.proof(2).unwrap();
        let json = serde_json::to_string(&proof).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"index":2,"leafCount":3,"siblings":["{}"]}}"#,
                hex::encode(proof.siblings[0])
            )
        );
        assert_eq!(serde_json::from_str::<MerkleProof>(&json).unwrap(), proof);

        let proofs = trees.proofs(1).unwrap();
        let json = serde_json::to_string(&proofs).unwrap();
        assert_eq!(serde_json::from_str::<AnchorProofs>(&json).unwrap(), proofs);

        let roots = trees.roots();
        let json = serde_json::to_value(roots).unwrap();
        assert_eq!(json["sha256"], hex::encode(roots.sha256));
        assert_eq!(serde_json::from_value::<AnchorRoots>(json).unwrap(), roots);

        for bad in [
            r#"{"index":0,"leafCount":2,"siblings":["00"]}"#,
            r#"{"index":0,"leafCount":2,"siblings":["zz"]}"#,
            r#"{"index":0,"leafCount":2,"siblings":[]," extra":1}"#,
        ] {
            assert!(serde_json::from_str::<MerkleProof>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn builder_root_at_every_step() {
        let leaves = leaves(70);
        let mut builder = MerkleBuilder::<Blake2bHasher>::new();
        assert!(builder.is_empty());
        assert_eq!(builder.root(), Blake2bHasher::empty());
        for (i, leaf) in leaves.iter().enumerate() {
            builder.push(leaf);
            assert_eq!(builder.len(), i as u64 + 1);
            assert_eq!(builder.root(), naive_root::<Blake2bHasher>(&leaves[..=i]));
        }
    }

    fn leaf_lists() -> impl Strategy<Value = Vec<Vec<u8>>> {
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..=100), 0..300)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn incremental_equals_tree_equals_naive(leaves in leaf_lists()) {
            let naive = naive_root::<Sha256Hasher>(&leaves);
            prop_assert_eq!(incremental_root::<Sha256Hasher>(&leaves), naive);
            prop_assert_eq!(merkle_root::<Sha256Hasher, _>(&leaves), naive);
            prop_assert_eq!(MerkleTree::<Sha256Hasher>::new(&leaves).root(), naive);
            let naive_b = naive_root::<Blake2bHasher>(&leaves);
            prop_assert_eq!(incremental_root::<Blake2bHasher>(&leaves), naive_b);
            prop_assert_eq!(merkle_root::<Blake2bHasher, _>(&leaves), naive_b);
            prop_assert_eq!(MerkleTree::<Blake2bHasher>::new(&leaves).root(), naive_b);
            prop_assert_eq!(anchor_roots(&leaves), AnchorRoots { sha256: naive, blake2b: naive_b });
        }

        #[test]
        fn every_generated_proof_verifies(leaves in leaf_lists(), pick in any::<prop::sample::Index>()) {
            prop_assume!(!leaves.is_empty());
            let i = pick.index(leaves.len());
            let trees = AnchorTrees::new(&leaves);
            let proofs = trees.proofs(i as u64).unwrap();
            prop_assert_eq!(proofs.verify(&trees.roots(), &leaves[i]), Ok(()));
        }

        #[test]
        fn arbitrary_proofs_never_panic(
            index in any::<u64>(),
            leaf_count in prop_oneof![any::<u64>(), 0u64..64, Just(u64::MAX)],
            siblings in prop::collection::vec(any::<[u8; 32]>(), 0..70),
            leaf in prop::collection::vec(any::<u8>(), 0..200),
            root in any::<[u8; 32]>(),
        ) {
            let index = if leaf_count > 0 && index % 2 == 0 { index % leaf_count } else { index };
            let proof = MerkleProof { index, leaf_count, siblings };
            let _ = proof.verify::<Sha256Hasher>(&root, &leaf);
            let _ = proof.verify::<Blake2bHasher>(&root, &leaf);
            let _ = MerkleProof::path_len(index, leaf_count);
        }

        #[test]
        fn fast_paths_match_the_crates_on_random_input(
            leaf in prop::collection::vec(any::<u8>(), 0..=140),
            left in any::<[u8; 32]>(),
            right in any::<[u8; 32]>(),
        ) {
            prop_assert_eq!(Sha256Hasher::leaf(&leaf), h(sha256, &[&[0x00], &leaf]));
            prop_assert_eq!(Blake2bHasher::leaf(&leaf), h(blake2b256, &[&[0x00], &leaf]));
            prop_assert_eq!(Sha256Hasher::node(&left, &right), h(sha256, &[&[0x01], &left, &right]));
            prop_assert_eq!(
                Blake2bHasher::node(&left, &right),
                h(blake2b256, &[&[0x01], &left, &right])
            );
        }

        #[test]
        fn arbitrary_json_never_panics(text in ".{0,200}") {
            let _ = serde_json::from_str::<MerkleProof>(&text);
        }
    }
}
