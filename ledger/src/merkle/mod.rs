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

mod anchors;
mod builder;
mod hasher;
pub mod history;
mod serde_hex;
mod tree;

pub use anchors::{AnchorProofs, AnchorRoots, AnchorTrees, anchor_roots};
pub use builder::{MerkleBuilder, merkle_root};
pub use hasher::{Blake2bHasher, MerkleHasher, Sha256Hasher};
pub use tree::{MerkleProof, MerkleTree, verify};

use crate::hash::Hash32;
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
