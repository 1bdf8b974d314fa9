//! NG blocks (docs/architecture.md): a block at height h is a key block `K_h` followed by micro
//! blocks from the same generator.
//!
//! - A [`KeyBlockHeader`] carries no transactions. It commits block h-1: the Merkle root of its
//!   transaction ids and the two anchor roots (SHA-256 and Blake2b-256) of its anchors in
//!   order, plus the summary hash when it closes a summary period; and the history root over
//!   the ids of every earlier key block ([`crate::merkle::history`]), so that one trusted
//!   header proves all before it. Its id is Blake2b-256 of the signed header bytes.
//! - A [`MicroBlock`] carries 1..=500 transactions and names the total id it extends. The
//!   total id after it is `Blake2b-256(parent total id ‖ micro block id)`; the first micro
//!   block of height h extends `K_h`'s id. The next key block's `parent` is the total id of
//!   the micro-block prefix it keeps.
//!
//! Byte layouts (big-endian):
//! ```text
//! key header: version u8 ‖ height u32 ‖ timestamp u64 ‖ parent 32 ‖ base_target u64 ‖
//!             vrf_proof 80 ‖ tx_root 32 ‖ anchor_root_sha256 32 ‖ anchor_root_blake2b 32 ‖
//!             summary_hash 32 ‖ history_root 32 ‖ generator 32 ‖ signature 64
//!             (version 2, 389 bytes; docs/receipts.md gives the offsets)
//! micro:      version u8 ‖ parent_total 32 ‖ generator 32 ‖ count u16 ‖
//!             (len u32 ‖ tx wire bytes)* ‖ signature 64
//! ```
//! Signatures are Ed25519 over everything before them.

use crate::address::ChainId;
use crate::hash::{Hash32, blake2b256};
use crate::keys::{KeyError, KeyPair, PublicKey, Signature};
use crate::merkle::{AnchorRoots, MerkleHasher, Sha256Hasher, merkle_root};
use crate::tx::codec::{Reader, Writer};
use crate::tx::{Transaction, TxBody, TxError, TxId};
use crate::units::{Height, Timestamp};
use std::fmt;
use thiserror::Error;

/// The key block header version.
pub const KEY_BLOCK_VERSION: u8 = 2;
/// The micro block version.
pub const MICRO_BLOCK_VERSION: u8 = 1;
/// Length of a VRF proof (RFC 9381, ECVRF-EDWARDS25519-SHA512-TAI).
pub const VRF_PROOF_LEN: usize = 80;
/// Length of an encoded key block header.
pub const KEY_HEADER_LEN: usize = 1 + 4 + 8 + 32 + 8 + VRF_PROOF_LEN + 32 * 5 + 32 + 64;
/// Most transactions in one micro block.
pub const MAX_MICRO_TXS: usize = 500;
/// Most bytes of transactions in one micro block.
pub const MAX_MICRO_BYTES: usize = 1024 * 1024;

/// A 32-byte block or total-block id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BlockId(pub Hash32);

impl BlockId {
    /// The Base58 text of the id.
    pub fn to_base58(&self) -> String {
        bs58::encode(self.0).into_string()
    }

    /// An id from Base58 text.
    pub fn from_base58(s: &str) -> Option<BlockId> {
        let v = bs58::decode(s).into_vec().ok()?;
        Some(BlockId(v.as_slice().try_into().ok()?))
    }
}

impl fmt::Debug for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlockId({})", self.to_base58())
    }
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}

/// Why a block could not be decoded or its signature failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BlockError {
    /// The bytes could not be decoded.
    #[error("malformed block: {0}")]
    Codec(#[from] TxError),
    /// Unknown block version.
    #[error("unsupported block version {0}")]
    Version(u8),
    /// The generator's signature does not verify.
    #[error("bad block signature: {0}")]
    Signature(KeyError),
    /// A micro block has no transactions, or too many.
    #[error("micro block has {found} transactions, allowed 1..={max}")]
    TxCount {
        /// The most allowed.
        max: usize,
        /// The count found.
        found: usize,
    },
    /// A micro block's transactions are too big together.
    #[error("micro block has {found} bytes of transactions, at most {max}")]
    TooLarge {
        /// The most allowed.
        max: usize,
        /// The size found.
        found: usize,
    },
}

/// What a key block commits about the block before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commitments {
    /// SHA-256 Merkle root of the transaction ids of block h-1, in order.
    pub tx_root: Hash32,
    /// Roots of the anchors of block h-1, in order, in both hash functions.
    pub anchors: AnchorRoots,
    /// Hash of the summary block this key block closes, or zero.
    pub summary_hash: Hash32,
    /// The committed SHA-256 root of the ids of key blocks 1..h-1
    /// ([`crate::merkle::history`]).
    pub history_root: Hash32,
}

/// A key block header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyBlockHeader {
    /// Header version.
    pub version: u8,
    /// Height of this block (genesis is 1).
    pub height: Height,
    /// Milliseconds since the Unix epoch.
    pub timestamp: Timestamp,
    /// Total id of block h-1 as this block keeps it (zero for genesis).
    pub parent: BlockId,
    /// Base target of this block.
    pub base_target: u64,
    /// VRF proof over the hit source of the block `hit_lag` below the parent.
    pub vrf_proof: [u8; VRF_PROOF_LEN],
    /// Commitments of block h-1.
    pub commitments: Commitments,
    /// The generator's key.
    pub generator: PublicKey,
    /// The generator's signature over the unsigned header.
    pub signature: Signature,
}

impl Commitments {
    /// Nothing committed: no transactions, no anchors, no summary, no earlier key blocks (the
    /// genesis block's).
    pub fn empty() -> Commitments {
        Commitments {
            tx_root: [0; 32],
            anchors: AnchorRoots::empty(),
            summary_hash: [0; 32],
            history_root: Sha256Hasher::empty(),
        }
    }
}

impl KeyBlockHeader {
    /// A current-version header at `height` with empty commitments, no VRF proof, and no
    /// generator or signature yet (`sign` sets both): the genesis block's shape, and the
    /// base that tests and benchmarks fill in.
    pub fn unsigned(
        height: Height,
        timestamp: Timestamp,
        parent: BlockId,
        base_target: u64,
    ) -> KeyBlockHeader {
        KeyBlockHeader {
            version: KEY_BLOCK_VERSION,
            height,
            timestamp,
            parent,
            base_target,
            vrf_proof: [0; VRF_PROOF_LEN],
            commitments: Commitments::empty(),
            generator: PublicKey([0; 32]),
            signature: Signature([0; 64]),
        }
    }

    /// The bytes the generator signs (all but the signature).
    pub fn unsigned_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(self.version)
            .raw(&self.height.0.to_be_bytes())
            .u64(self.timestamp.0)
            .raw(&self.parent.0)
            .u64(self.base_target)
            .raw(&self.vrf_proof)
            .raw(&self.commitments.tx_root)
            .raw(&self.commitments.anchors.sha256)
            .raw(&self.commitments.anchors.blake2b)
            .raw(&self.commitments.summary_hash)
            .raw(&self.commitments.history_root)
            .raw(self.generator.as_bytes());
        w.into_bytes()
    }

    /// The encoded header.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = self.unsigned_bytes();
        b.extend_from_slice(&self.signature.0);
        b
    }

    /// Decodes a header; the signature is not checked.
    pub fn from_bytes(bytes: &[u8]) -> Result<KeyBlockHeader, BlockError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != KEY_BLOCK_VERSION {
            return Err(BlockError::Version(version));
        }
        let h = KeyBlockHeader {
            version,
            height: Height(u32::from_be_bytes(r.array::<4>()?)),
            timestamp: Timestamp(u64::from_be_bytes(r.array::<8>()?)),
            parent: BlockId(r.array::<32>()?),
            base_target: u64::from_be_bytes(r.array::<8>()?),
            vrf_proof: r.array::<VRF_PROOF_LEN>()?,
            commitments: Commitments {
                tx_root: r.array::<32>()?,
                anchors: AnchorRoots {
                    sha256: r.array::<32>()?,
                    blake2b: r.array::<32>()?,
                },
                summary_hash: r.array::<32>()?,
                history_root: r.array::<32>()?,
            },
            generator: PublicKey(r.array::<32>()?),
            signature: Signature(r.array::<64>()?),
        };
        r.finish()?;
        Ok(h)
    }

    /// The block id: Blake2b-256 of the signed header.
    pub fn id(&self) -> BlockId {
        BlockId(blake2b256(&self.to_bytes()))
    }

    /// Signs the header with the generator's key (sets `generator` and `signature`).
    pub fn sign(&mut self, key: &KeyPair) {
        self.generator = key.public_key();
        self.signature = key.sign(&self.unsigned_bytes());
    }

    /// Checks the generator's signature.
    pub fn verify_signature(&self) -> Result<(), BlockError> {
        self.generator
            .verify(&self.unsigned_bytes(), &self.signature)
            .map_err(BlockError::Signature)
    }
}

/// A micro block: transactions appended to the current block by its generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MicroBlock {
    /// Micro block version.
    pub version: u8,
    /// The total id this micro block extends.
    pub parent_total: BlockId,
    /// The generator of the key block (the only key that may sign its micro blocks).
    pub generator: PublicKey,
    /// The transactions, in order.
    pub transactions: Vec<Transaction>,
    /// The generator's signature over the unsigned bytes.
    pub signature: Signature,
}

impl MicroBlock {
    /// The bytes the generator signs.
    pub fn unsigned_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(self.version)
            .raw(&self.parent_total.0)
            .raw(self.generator.as_bytes())
            .count(self.transactions.len());
        for tx in &self.transactions {
            let b = tx.to_bytes();
            w.raw(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_be_bytes())
                .raw(&b);
        }
        w.into_bytes()
    }

    /// The encoded micro block.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = self.unsigned_bytes();
        b.extend_from_slice(&self.signature.0);
        b
    }

    /// Decodes a micro block for chain `chain`, enforcing the count and size limits; the
    /// signatures (block and transactions) are not checked.
    pub fn from_bytes(bytes: &[u8], chain: ChainId) -> Result<MicroBlock, BlockError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != MICRO_BLOCK_VERSION {
            return Err(BlockError::Version(version));
        }
        let parent_total = BlockId(r.array::<32>()?);
        let generator = PublicKey(r.array::<32>()?);
        let n = usize::from(r.u16()?);
        if n == 0 || n > MAX_MICRO_TXS {
            return Err(BlockError::TxCount {
                max: MAX_MICRO_TXS,
                found: n,
            });
        }
        let mut total = 0usize;
        let mut transactions = Vec::with_capacity(n);
        for _ in 0..n {
            let len = u32::from_be_bytes(r.array::<4>()?) as usize;
            total = total.saturating_add(len);
            if total > MAX_MICRO_BYTES {
                return Err(BlockError::TooLarge {
                    max: MAX_MICRO_BYTES,
                    found: total,
                });
            }
            transactions.push(Transaction::from_bytes(r.take(len)?, chain)?);
        }
        let signature = Signature(r.array::<64>()?);
        r.finish()?;
        Ok(MicroBlock {
            version,
            parent_total,
            generator,
            transactions,
            signature,
        })
    }

    /// Builds and signs a micro block.
    pub fn new_signed(
        parent_total: BlockId,
        transactions: Vec<Transaction>,
        key: &KeyPair,
    ) -> MicroBlock {
        let mut m = MicroBlock {
            version: MICRO_BLOCK_VERSION,
            parent_total,
            generator: key.public_key(),
            transactions,
            signature: Signature([0; 64]),
        };
        m.signature = key.sign(&m.unsigned_bytes());
        m
    }

    /// The micro block's own id: Blake2b-256 of its signed bytes.
    pub fn id(&self) -> BlockId {
        BlockId(blake2b256(&self.to_bytes()))
    }

    /// The total id after this micro block: `Blake2b-256(parent_total ‖ id)`.
    pub fn total_id(&self) -> BlockId {
        next_total_id(&self.parent_total, &self.id())
    }

    /// Checks the count and size limits and the generator's signature.
    pub fn verify(&self) -> Result<(), BlockError> {
        let n = self.transactions.len();
        if n == 0 || n > MAX_MICRO_TXS {
            return Err(BlockError::TxCount {
                max: MAX_MICRO_TXS,
                found: n,
            });
        }
        let unsigned = self.unsigned_bytes();
        let size = unsigned.len().saturating_sub(1 + 32 + 32 + 2 + 4 * n);
        if size > MAX_MICRO_BYTES {
            return Err(BlockError::TooLarge {
                max: MAX_MICRO_BYTES,
                found: size,
            });
        }
        self.generator
            .verify(&unsigned, &self.signature)
            .map_err(BlockError::Signature)
    }
}

/// The total id after appending a micro block with id `micro` to total id `parent`.
pub fn next_total_id(parent: &BlockId, micro: &BlockId) -> BlockId {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(&parent.0);
    buf[32..].copy_from_slice(&micro.0);
    BlockId(blake2b256(&buf))
}

/// The commitments of a block's transactions: the Merkle root of their ids, and the anchor
/// roots of every anchor (see [`anchor_tree_leaves`]) in order; with the history root
/// given and no summary hash.
pub fn commitments_of<'a, I>(txs: I, history_root: Hash32) -> Commitments
where
    I: IntoIterator<Item = &'a Transaction> + Clone,
{
    let ids: Vec<TxId> = txs.clone().into_iter().map(Transaction::id).collect();
    let tx_root = merkle_root::<Sha256Hasher, _>(ids.iter().map(|i| i.0));
    let leaves = anchor_tree_leaves(txs);
    Commitments {
        tx_root,
        anchors: crate::merkle::anchor_roots(leaves.iter()),
        summary_hash: [0; 32],
        history_root,
    }
}

/// The leaf of an anchor in its block's anchor trees: the transaction id, then the anchored
/// bytes. A path to it proves which transaction anchored the value, not only that it was.
pub fn anchor_leaf(tx_id: &TxId, value: &[u8]) -> Vec<u8> {
    let mut leaf = Vec::with_capacity(32usize.saturating_add(value.len()));
    leaf.extend_from_slice(&tx_id.0);
    leaf.extend_from_slice(value);
    leaf
}

/// The anchor-tree leaves of transactions, in order ([`anchor_leaf`] of each anchored value).
pub fn anchor_tree_leaves<'a, I>(txs: I) -> Vec<Vec<u8>>
where
    I: IntoIterator<Item = &'a Transaction>,
{
    let mut leaves = Vec::new();
    for tx in txs {
        let values = anchored_values(tx);
        if values.is_empty() {
            continue;
        }
        let id = tx.id();
        leaves.extend(values.iter().map(|v| anchor_leaf(&id, v)));
    }
    leaves
}

/// The values a transaction anchors, in order: each anchor of an anchor transaction, and for
/// a mapped anchor the value of each pair (the hash being anchored; the key is what it is
/// anchored under, and is in the transaction).
pub fn anchored_values(tx: &Transaction) -> Vec<Vec<u8>> {
    match &tx.body {
        TxBody::Anchor { anchors } => anchors.clone(),
        TxBody::MappedAnchor { anchors } => anchors.iter().map(|(_, v)| v.clone()).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Amount;
    use proptest::prelude::*;

    fn key() -> KeyPair {
        KeyPair::from_seed_phrase("block test", 0)
    }

    fn header() -> KeyBlockHeader {
        let mut h = KeyBlockHeader {
            version: KEY_BLOCK_VERSION,
            height: Height(7),
            timestamp: Timestamp(1_700_000_000_000),
            parent: BlockId([9; 32]),
            base_target: 250,
            vrf_proof: [3; VRF_PROOF_LEN],
            commitments: Commitments {
                tx_root: [1; 32],
                anchors: AnchorRoots {
                    sha256: [2; 32],
                    blake2b: [4; 32],
                },
                summary_hash: [0; 32],
                history_root: [5; 32],
            },
            generator: PublicKey([0; 32]),
            signature: Signature([0; 64]),
        };
        h.sign(&key());
        h
    }

    fn anchor_tx(i: u8) -> Transaction {
        let mut tx = Transaction {
            version: 3,
            chain_id: ChainId::TESTNET,
            timestamp: Timestamp(1_700_000_000_000),
            sender: key().public_key().into(),
            fee: Amount(35_000_000),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Anchor {
                anchors: vec![vec![i; 32]],
            },
        };
        tx.sign_with(&key());
        tx
    }

    #[test]
    fn header_round_trip_and_signature() {
        let h = header();
        let b = h.to_bytes();
        assert_eq!(b.len(), KEY_HEADER_LEN);
        assert_eq!(KeyBlockHeader::from_bytes(&b), Ok(h.clone()));
        assert_eq!(h.verify_signature(), Ok(()));
        let mut bad = h.clone();
        bad.timestamp = Timestamp(bad.timestamp.0 + 1);
        assert!(matches!(
            bad.verify_signature(),
            Err(BlockError::Signature(_))
        ));
        assert_ne!(bad.id(), h.id());
    }

    #[test]
    fn micro_block_chain_of_total_ids() {
        let h = header();
        let m1 = MicroBlock::new_signed(h.id(), vec![anchor_tx(1)], &key());
        let m2 = MicroBlock::new_signed(m1.total_id(), vec![anchor_tx(2), anchor_tx(3)], &key());
        assert_eq!(m1.verify(), Ok(()));
        assert_eq!(m2.verify(), Ok(()));
        assert_eq!(m2.total_id(), next_total_id(&m1.total_id(), &m2.id()));
        let b = m2.to_bytes();
        assert_eq!(MicroBlock::from_bytes(&b, ChainId::TESTNET), Ok(m2.clone()));
        let empty = MicroBlock::new_signed(h.id(), vec![], &key());
        assert_eq!(
            empty.verify(),
            Err(BlockError::TxCount { max: 500, found: 0 })
        );
        let mut forged = m2.clone();
        forged.transactions.pop();
        assert!(matches!(forged.verify(), Err(BlockError::Signature(_))));
    }

    #[test]
    fn commitments_cover_anchors_in_order() {
        let txs = [anchor_tx(1), anchor_tx(2)];
        let c = commitments_of(txs.iter(), [7; 32]);
        let swapped = commitments_of([anchor_tx(2), anchor_tx(1)].iter(), [7; 32]);
        assert_ne!(c.anchors, swapped.anchors);
        assert_eq!(c.history_root, [7; 32]);
        // Each leaf is the transaction id, then the anchored bytes.
        let leaf = |tx: &Transaction, v: u8| [tx.id().0.to_vec(), vec![v; 32]].concat();
        assert_eq!(
            c.anchors,
            crate::merkle::anchor_roots([leaf(&txs[0], 1), leaf(&txs[1], 2)].iter())
        );
        assert_ne!(
            c.anchors,
            crate::merkle::anchor_roots([vec![1u8; 32], vec![2u8; 32]].iter())
        );
    }

    proptest! {
        #[test]
        fn header_decoder_never_panics(b in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = KeyBlockHeader::from_bytes(&b);
        }

        #[test]
        fn micro_decoder_never_panics(b in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = MicroBlock::from_bytes(&b, ChainId::TESTNET);
        }

        #[test]
        fn header_round_trips(ts in any::<u64>(), bt in any::<u64>(), h in any::<u32>(), p in any::<[u8; 32]>()) {
            let mut hd = header();
            hd.timestamp = Timestamp(ts);
            hd.base_target = bt;
            hd.height = Height(h);
            hd.parent = BlockId(p);
            hd.sign(&key());
            prop_assert_eq!(KeyBlockHeader::from_bytes(&hd.to_bytes()), Ok(hd));
        }
    }
}
