//! Fixtures shared by this crate's integration tests and the `ltonode-benches` crate, behind
//! the `test-support` feature (never enabled by the node).
//!
//! [`aged_receipt`] builds a real, verifiable anchor receipt for an anchor deep in the past
//! without a chain of that length: the anchored block's trees, the committing header and the
//! later header are made with the code the chain uses ([`AnchorTrees`], [`anchor_leaf`],
//! [`history::append`], [`history::root`], [`history::proof`]); only the other key-block ids
//! are made up. Of the history tree it keeps the last node of each level (what
//! [`history::append`] reads) and the nodes the one proof and root need, so ten years of key
//! blocks fit in a few kilobytes.

use crate::block::{BlockId, KeyBlockHeader, anchor_leaf};
use crate::hash::{Hash32, sha256};
use crate::keys::KeyPair;
use crate::merkle::{AnchorTrees, MerkleProof, Sha256Hasher, history, merkle_root};
use crate::receipt::{AnchorReceipt, AnchoredTo};
use crate::tx::TxId;
use crate::units::{Height, Timestamp};

/// Anchors in one key block at LTO's whitepaper load: about 50 million anchors a day over
/// 1,440 key blocks (one a minute) is 34,722; rounded up.
pub const ANCHORS_PER_KEY_BLOCK: u32 = 35_000;

/// Key blocks in a year at one a minute (365 days).
pub const KEY_BLOCKS_PER_YEAR: u64 = 525_600;

/// A receipt and the id of the key block it is anchored to (the one a verifier trusts).
#[derive(Clone, Debug)]
pub struct AgedReceipt {
    /// The receipt, anchored to the later key block.
    pub receipt: AnchorReceipt,
    /// The later key block's id.
    pub trusted: BlockId,
}

/// Made-up ids, distinct per `tag` (at most 24 bytes) and `i`.
fn made_up(tag: &[u8], i: u64) -> Hash32 {
    let mut buf = [0u8; 32];
    let (head, tail) = buf.split_at_mut(24);
    for (b, t) in head.iter_mut().zip(tag) {
        *b = *t;
    }
    tail.copy_from_slice(&i.to_be_bytes());
    sha256(&buf)
}

/// The history tree's nodes the fixture keeps, by level: the last node completed (what
/// [`history::append`] reads), and the few nodes asked for (what [`history::proof`] and
/// [`history::root`] read). Plain vectors: this runs millions of times in debug builds.
struct HistoryNodes {
    last: Vec<Option<(u64, Hash32)>>,
    kept: Vec<Vec<(u64, Option<Hash32>)>>,
}

impl HistoryNodes {
    /// Keeps the nodes `wanted` once they are appended.
    fn new(wanted: &[(u8, u64)]) -> Self {
        let mut kept = vec![Vec::new(); 64];
        for (level, index) in wanted {
            if let Some(k) = kept.get_mut(usize::from(*level)) {
                k.push((*index, None));
            }
        }
        HistoryNodes {
            last: vec![None; 64],
            kept,
        }
    }

    fn get(&self, level: u8, index: u64) -> Result<Hash32, String> {
        let level_ = usize::from(level);
        let kept = self
            .kept
            .get(level_)
            .and_then(|k| k.iter().find(|(i, _)| *i == index))
            .and_then(|(_, h)| *h);
        match (kept, self.last.get(level_).copied().flatten()) {
            (Some(h), _) => Ok(h),
            (None, Some((i, h))) if i == index => Ok(h),
            _ => Err(format!("history node ({level}, {index}) not kept")),
        }
    }

    /// Appends leaf `n` with [`history::append`], as the chain does.
    fn append(&mut self, n: u64, block_id: &Hash32) -> Result<(), String> {
        let nodes = history::append(n, history::leaf_hash(block_id), |l, i| self.get(l, i))?;
        for (level, index, hash) in nodes {
            let level = usize::from(level);
            if let Some(k) = self.kept.get_mut(level) {
                for (i, h) in k.iter_mut() {
                    if *i == index {
                        *h = Some(hash);
                    }
                }
            }
            if let Some(slot) = self.last.get_mut(level) {
                *slot = Some((index, hash));
            }
        }
        Ok(())
    }
}

/// A receipt for the anchor at `position` of `anchor_count` in the block at `height`,
/// anchored to the key block `K_t` with `t - 1 = history_len` (so `history_len - height` key
/// blocks later). Each anchor is a 32-byte SHA-256 value from its own transaction; the
/// committing header `K_{height+1}` commits the block's transaction and anchor roots and the
/// history root of the `height` key blocks before it, and is signed, as is `K_t`, which
/// commits the history root of all `history_len`. Every other key-block id is made up.
///
/// Fails on `position >= anchor_count`, `height == 0` or `height >= history_len` (the
/// committing header must be a leaf of the history tree), or `history_len >= u32::MAX`.
pub fn aged_receipt(
    anchor_count: u32,
    position: u32,
    height: u32,
    history_len: u64,
) -> Result<AgedReceipt, String> {
    if position >= anchor_count || height == 0 || u64::from(height) >= history_len {
        return Err("need position < anchor_count and 0 < height < history_len".into());
    }
    let later_height = u32::try_from(history_len.saturating_add(1))
        .ok()
        .filter(|t| *t < u32::MAX)
        .ok_or("history_len out of range")?;
    let key = KeyPair::from_secret(sha256(b"ltonode test-support generator"));
    let minute = |h: u32| Timestamp(1_700_000_000_000 + u64::from(h) * 60_000);

    // Block `height`: one anchor per transaction; the leaves are the chain's.
    let tx_ids: Vec<TxId> = (0..anchor_count)
        .map(|i| TxId(made_up(b"tx", u64::from(i))))
        .collect();
    let values: Vec<Hash32> = (0..anchor_count)
        .map(|i| made_up(b"anchor", u64::from(i)))
        .collect();
    let leaves: Vec<Vec<u8>> = tx_ids
        .iter()
        .zip(&values)
        .map(|(id, v)| anchor_leaf(id, v))
        .collect();
    let trees = AnchorTrees::new(&leaves);
    let proofs = trees
        .proofs(u64::from(position))
        .map_err(|e| e.to_string())?;

    // The history tree of `history_len` leaves: leaf `i` is the id of `K_{i+1}`.
    let (index, count) = (u64::from(height), history_len);
    // Which nodes the proof reads depends on `index` and `count` only: ask with dummies.
    let mut wanted = history::peaks(count);
    history::proof(index, count, |l, i| {
        wanted.push((l, i));
        Ok::<_, String>([0; 32])
    })?;
    let mut nodes = HistoryNodes::new(&wanted);
    let mut header = None;
    for n in 0..count {
        let id = if n == index {
            // `K_{height+1}` commits block `height` and the `height` key blocks before it.
            let mut h = KeyBlockHeader::unsigned(
                Height(height.saturating_add(1)),
                minute(height.saturating_add(1)),
                BlockId(made_up(b"total id", index)),
                60,
            );
            h.commitments.tx_root = merkle_root::<Sha256Hasher, _>(tx_ids.iter().map(|t| t.0));
            h.commitments.anchors = trees.roots();
            h.commitments.history_root = history::root(n, |l, i| nodes.get(l, i))?;
            h.sign(&key);
            let id = h.id();
            header = Some(h);
            id.0
        } else {
            made_up(b"key block", n)
        };
        nodes.append(n, &id)?;
    }
    let header = header.ok_or("no committing header")?;
    let path: MerkleProof =
        history::proof(index, count, |l, i| nodes.get(l, i))?.ok_or("no history proof")?;

    let mut later = KeyBlockHeader::unsigned(
        Height(later_height),
        minute(later_height),
        BlockId(made_up(b"total id", count)),
        60,
    );
    later.commitments.history_root = history::root(count, |l, i| nodes.get(l, i))?;
    later.sign(&key);
    let trusted = later.id();

    let value = values
        .get(usize::try_from(position).map_err(|e| e.to_string())?)
        .ok_or("no anchor at position")?;
    Ok(AgedReceipt {
        receipt: AnchorReceipt {
            anchor: value.to_vec(),
            tx_id: tx_ids
                .get(usize::try_from(position).map_err(|e| e.to_string())?)
                .copied()
                .ok_or("no tx at position")?,
            height: Height(height),
            proofs,
            header,
            anchored_to: Some(AnchoredTo {
                header: later,
                path,
            }),
        },
        trusted,
    })
}

/// [`aged_receipt`] for an anchor about a year old: the middle anchor of a block of
/// [`ANCHORS_PER_KEY_BLOCK`] at height 1,000 of a chain a year long, anchored to its tip
/// (`t - 1 =` [`KEY_BLOCKS_PER_YEAR`]).
pub fn year_old_receipt() -> Result<AgedReceipt, String> {
    aged_receipt(
        ANCHORS_PER_KEY_BLOCK,
        ANCHORS_PER_KEY_BLOCK / 2,
        1_000,
        KEY_BLOCKS_PER_YEAR,
    )
}
