//! The two hash functions of the anchor trees, [`Sha256Hasher`] and [`Blake2bHasher`], with
//! fast paths for the short inputs that leaves and nodes are.

use super::{LEAF_PREFIX, NODE_PREFIX, ROOT_PREFIX};
use crate::hash::{Blake2b256, Hash32};
use sha2::{Digest, Sha256};
use std::fmt::Debug;

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
