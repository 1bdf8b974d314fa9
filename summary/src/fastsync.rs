//! Fast sync (docs/architecture.md): a new node checks the header chain, checks the summaries
//! against the hashes the headers commit, builds its state at the last summary boundary B
//! from them, then applies the full blocks after B like any other node. It ends with the same
//! balances, leases, associations and scripts as a node that replayed every block.
//!
//! What the header check covers: every header's signature, consecutive heights, rising
//! timestamps, and the NG linkage: the parent of `K_{h+1}` must be the total id of block h,
//! rebuilt from `K_h`'s id and the ids of the micro blocks the source says it kept, so the
//! headers form one chain from the genesis block the node was configured with.

use crate::block::SummaryBlock;
use ltonode_ledger::block::{BlockId, KeyBlockHeader, next_total_id};
use ltonode_ledger::chain::{Chain, ChainError, Snapshot};
use ltonode_ledger::keys::verify_batch;
use ltonode_ledger::merkle::history::HistoryAccumulator;
use ltonode_ledger::{Address, Height, PublicKey, Signature, Store};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use thiserror::Error;

/// A key-block header with the ids of the micro blocks its block kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedHeader {
    /// The header.
    pub header: KeyBlockHeader,
    /// Ids of the micro blocks of its block that the next key block kept, in order.
    pub micro_ids: Vec<BlockId>,
}

/// Why fast sync refused what it was given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FastSyncError {
    /// The genesis header is not the expected one.
    #[error("genesis header {found} is not {expected}")]
    WrongGenesis {
        /// The configured genesis id.
        expected: String,
        /// The one received.
        found: String,
    },
    /// A header is badly signed, out of order, or does not link to the one before.
    #[error("header {height}: {reason}")]
    BadHeader {
        /// Its height.
        height: u32,
        /// What is wrong.
        reason: String,
    },
    /// A summary does not match the hash its key block commits, or is out of place.
    #[error("summary {index}: {reason}")]
    BadSummary {
        /// Its index.
        index: u32,
        /// What is wrong.
        reason: String,
    },
    /// Balances would go negative or overflow.
    #[error("summaries do not add up for {0}")]
    BadBalance(Address),
    /// The local chain refused the state.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
}

fn bad_header(height: u32, reason: &str) -> FastSyncError {
    FastSyncError::BadHeader {
        height,
        reason: reason.to_string(),
    }
}

/// Headers whose signatures are checked in one Ed25519 batch.
const SIGNATURE_BATCH: usize = 256;
/// At most this many threads check signatures.
const MAX_THREADS: usize = 4;
/// Below this many signatures, one thread does.
const MIN_PER_THREAD: usize = 4 * SIGNATURE_BATCH;

/// Checks a header chain from genesis (`headers[0]` is height 1, whose id must be
/// `genesis_id`).
///
/// The answer is the one a check of each header in turn gives (heights, signature, timestamp,
/// parent, height after height): the cheap checks go first over the whole chain, then the
/// signatures up to the first header they fail at, in Ed25519 batches on a few threads. A
/// batch that fails is checked one by one, which names the first bad header.
pub fn verify_header_chain(
    headers: &[SyncedHeader],
    genesis_id: &BlockId,
) -> Result<(), FastSyncError> {
    let first = headers.first().ok_or_else(|| bad_header(1, "no headers"))?;
    let mut prev_id = first.header.id();
    if prev_id != *genesis_id {
        return Err(FastSyncError::WrongGenesis {
            expected: genesis_id.to_base58(),
            found: prev_id.to_base58(),
        });
    }
    // The first header failing a check other than the signature: its height, the reason,
    // and whether that check comes before the signature's.
    let mut fault: Option<(u32, &'static str, bool)> = None;
    // The history root each header commits: the ids of every header before it.
    let mut history = HistoryAccumulator::new();
    if first.header.commitments.history_root != history.root() {
        fault = Some((
            1,
            "history root does not commit the earlier key blocks",
            false,
        ));
    }
    history.push(&prev_id.0);
    for (i, pair) in headers.windows(2).enumerate() {
        if fault.is_some() {
            break;
        }
        let [prev, next] = pair else { continue };
        let h = u32::try_from(i + 2).unwrap_or(u32::MAX);
        if next.header.height.0 != h || prev.header.height.0 != h - 1 {
            fault = Some((h, "heights are not consecutive", true));
            break;
        }
        if next.header.timestamp <= prev.header.timestamp {
            fault = Some((h, "timestamp does not rise", false));
            break;
        }
        let total = prev
            .micro_ids
            .iter()
            .fold(prev_id, |t, m| next_total_id(&t, m));
        if next.header.parent != total {
            fault = Some((h, "parent is not the previous block's total id", false));
            break;
        }
        if next.header.commitments.history_root != history.root() {
            fault = Some((
                h,
                "history root does not commit the earlier key blocks",
                false,
            ));
            break;
        }
        prev_id = next.header.id();
        history.push(&prev_id.0);
    }
    // Signatures of heights 2.. up to the faulty header (included when its signature is
    // checked before the fault). `headers[i]` is height `i + 1`.
    let signed_end = match fault {
        Some((h, _, true)) => (h as usize).saturating_sub(1),
        Some((h, _, false)) => h as usize,
        None => headers.len(),
    };
    let signed = headers
        .get(1..signed_end.min(headers.len()))
        .unwrap_or_default();
    if let Some((i, reason)) = first_bad_signature(signed) {
        let h = u32::try_from(i + 2).unwrap_or(u32::MAX);
        return Err(FastSyncError::BadHeader { height: h, reason });
    }
    match fault {
        Some((h, reason, _)) => Err(bad_header(h, reason)),
        None => Ok(()),
    }
}

/// The first of `headers` whose signature does not verify (strictly, as
/// [`KeyBlockHeader::verify_signature`]), with the reason: batches of [`SIGNATURE_BATCH`],
/// split over up to [`MAX_THREADS`] threads in contiguous runs.
fn first_bad_signature(headers: &[SyncedHeader]) -> Option<(usize, String)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(MAX_THREADS)
        .min(headers.len() / MIN_PER_THREAD)
        .max(1);
    if threads == 1 {
        return first_bad_in_run(headers);
    }
    let run = headers.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = headers
            .chunks(run)
            .enumerate()
            .map(|(r, part)| (r * run, part, s.spawn(move || first_bad_in_run(part))))
            .collect();
        // The earliest run with a bad signature holds the first one. A run whose thread
        // died is checked again here.
        let mut first = None;
        for (offset, part, handle) in handles {
            let found = handle.join().unwrap_or_else(|_| first_bad_in_run(part));
            if first.is_none()
                && let Some((i, reason)) = found
            {
                first = Some((offset + i, reason));
            }
        }
        first
    })
}

/// [`first_bad_signature`] on one thread.
fn first_bad_in_run(headers: &[SyncedHeader]) -> Option<(usize, String)> {
    for (c, chunk) in headers.chunks(SIGNATURE_BATCH).enumerate() {
        if !batch_verifies(chunk) {
            for (i, h) in chunk.iter().enumerate() {
                if let Err(e) = h.header.verify_signature() {
                    return Some((c * SIGNATURE_BATCH + i, e.to_string()));
                }
            }
        }
    }
    None
}

/// Whether every signature of `chunk` verifies, by one Ed25519 batch. A batch is not as
/// strict as a single check about `R`, the signature's first half, so a chunk holding an
/// `R` that a strict check refuses outright (a non-canonical encoding or a point of small
/// order) is left to the single checks.
fn batch_verifies(chunk: &[SyncedHeader]) -> bool {
    if chunk.iter().any(|h| refused_r(&h.header.signature)) {
        return false;
    }
    let messages: Vec<Vec<u8>> = chunk.iter().map(|h| h.header.unsigned_bytes()).collect();
    let items: Vec<(PublicKey, &[u8], Signature)> = chunk
        .iter()
        .zip(&messages)
        .map(|(h, m)| (h.header.generator, m.as_slice(), h.header.signature))
        .collect();
    verify_batch(&items).is_ok()
}

/// The encodings of the eight points of small order (RFC 8032 points of order 1, 2, 4 and 8),
/// and those of `(0, 1)` and `(0, -1)` with the sign bit set, which decode to the same.
const SMALL_ORDER: [[u8; 32]; 10] = [
    // (0, 1), the identity, and with the sign bit.
    hex32("0100000000000000000000000000000000000000000000000000000000000000"),
    hex32("0100000000000000000000000000000000000000000000000000000000000080"),
    // (0, -1), of order 2, and with the sign bit.
    hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    // (±sqrt(-1), 0), both of order 4.
    hex32("0000000000000000000000000000000000000000000000000000000000000000"),
    hex32("0000000000000000000000000000000000000000000000000000000000000080"),
    // The four points of order 8.
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
];

/// Decodes a 64-digit hex literal at compile time (a bad literal fails the build, hence the
/// panic and the indexing, which `const fn` cannot avoid).
#[allow(clippy::panic, clippy::indexing_slicing)]
const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let b = s.as_bytes();
    assert!(b.len() == 64, "32 bytes of hex");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(b[2 * i]) << 4 | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

/// Whether a strict check refuses the signature's `R` whatever the rest: `R`'s `y` is not
/// below the field prime `2^255 - 19` (a non-canonical encoding), or `R` has small order.
fn refused_r(signature: &Signature) -> bool {
    let Some(r) = signature.0.first_chunk::<32>() else {
        return true;
    };
    let non_canonical = r[31] & 0x7f == 0x7f && r[1..31].iter().all(|b| *b == 0xff) && r[0] >= 0xed;
    non_canonical || SMALL_ORDER.contains(r)
}

/// Checks summaries `1..=k` against the hashes committed by the headers (summary n by the
/// key block at `nP + 1`) and adds them up.
pub fn snapshot_of(
    headers: &[SyncedHeader],
    summaries: &[SummaryBlock],
    period: u32,
) -> Result<Snapshot, FastSyncError> {
    let mut transactions = Vec::new();
    for (i, s) in summaries.iter().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let bad = |reason: &str| FastSyncError::BadSummary {
            index: n,
            reason: reason.to_string(),
        };
        if s.index != n {
            return Err(bad("out of order"));
        }
        let committing = headers
            .get(n.saturating_mul(period) as usize)
            .ok_or_else(|| bad("no header commits it"))?;
        if committing.header.commitments.summary_hash != s.hash() {
            return Err(bad("hash differs from the committed one"));
        }
        s.check().map_err(|e| bad(&e.to_string()))?;
        transactions.extend(s.transactions.iter().cloned());
    }
    Ok(Snapshot {
        balances: add_up(summaries)?,
        transactions,
        carried: summaries.last().map_or(0, |s| s.carried_out),
    })
}

/// Every address's balance: the sum of its changes over `summaries`, whose changes are
/// sorted by address without repeats ([`SummaryBlock::check`]). A k-way merge visits the
/// addresses in order, so the first whose sum is negative or too large is the one named,
/// and the map is built from sorted entries. Zero balances are left out.
fn add_up(summaries: &[SummaryBlock]) -> Result<BTreeMap<Address, u64>, FastSyncError> {
    let mut next: Vec<usize> = vec![0; summaries.len()];
    let mut heap: BinaryHeap<Reverse<(Address, usize)>> = summaries
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.balance_changes.first().map(|(a, _)| Reverse((*a, i))))
        .collect();
    let largest = summaries
        .iter()
        .map(|s| s.balance_changes.len())
        .max()
        .unwrap_or(0);
    let mut out: Vec<(Address, u64)> = Vec::with_capacity(largest);
    let mut current: Option<(Address, i128)> = None;
    while let Some(Reverse((a, i))) = heap.pop() {
        let Some(s) = summaries.get(i) else { continue };
        let Some(pos) = next.get_mut(i) else { continue };
        let change = s.balance_changes.get(*pos).map_or(0, |(_, c)| *c);
        *pos += 1;
        if let Some((b, _)) = s.balance_changes.get(*pos) {
            heap.push(Reverse((*b, i)));
        }
        match &mut current {
            Some((c, sum)) if *c == a => *sum += i128::from(change),
            _ => {
                if let Some(done) = current.take() {
                    settle(done, &mut out)?;
                }
                current = Some((a, i128::from(change)));
            }
        }
    }
    if let Some(done) = current {
        settle(done, &mut out)?;
    }
    Ok(out.into_iter().collect())
}

/// Appends one address's summed balance, refusing a negative or too large one.
fn settle((a, sum): (Address, i128), out: &mut Vec<(Address, u64)>) -> Result<(), FastSyncError> {
    let v = u64::try_from(sum).map_err(|_| FastSyncError::BadBalance(a))?;
    if v > 0 {
        out.push((a, v));
    }
    Ok(())
}

/// Fast-syncs an empty chain to the boundary `B = k * period` from `headers` (heights
/// `1..=B+1`) and summaries `1..=k`. The blocks after B are then applied as usual (the
/// micro blocks of `B+1` first).
pub fn fast_sync<S: Store>(
    chain: &mut Chain<S>,
    genesis_id: &BlockId,
    headers: &[SyncedHeader],
    summaries: &[SummaryBlock],
) -> Result<Height, FastSyncError> {
    let period = chain.config().summary_period;
    let k = u32::try_from(summaries.len()).unwrap_or(u32::MAX);
    let b = k.saturating_mul(period);
    if period == 0 || k == 0 || headers.len() != b as usize + 1 {
        return Err(bad_header(
            b.saturating_add(1),
            "need headers 1..=B+1 for B = summaries x period",
        ));
    }
    verify_header_chain(headers, genesis_id)?;
    let snapshot = snapshot_of(headers, summaries, period)?;
    let plain: Vec<KeyBlockHeader> = headers.iter().map(|h| h.header.clone()).collect();
    chain.bootstrap(&plain, &snapshot)?;
    Ok(Height(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ltonode_ledger::{ChainId, KeyPair, Timestamp};

    /// The check as it was: each header in turn.
    fn one_by_one(headers: &[SyncedHeader], genesis_id: &BlockId) -> Result<(), FastSyncError> {
        let first = headers.first().ok_or_else(|| bad_header(1, "no headers"))?;
        if first.header.id() != *genesis_id {
            return Err(FastSyncError::WrongGenesis {
                expected: genesis_id.to_base58(),
                found: first.header.id().to_base58(),
            });
        }
        let mut history = HistoryAccumulator::new();
        if first.header.commitments.history_root != history.root() {
            return Err(bad_header(
                1,
                "history root does not commit the earlier key blocks",
            ));
        }
        history.push(&first.header.id().0);
        for (i, pair) in headers.windows(2).enumerate() {
            let (prev, next) = (&pair[0], &pair[1]);
            let h = u32::try_from(i + 2).unwrap_or(u32::MAX);
            if next.header.height.0 != h || prev.header.height.0 != h - 1 {
                return Err(bad_header(h, "heights are not consecutive"));
            }
            next.header
                .verify_signature()
                .map_err(|e| bad_header(h, &e.to_string()))?;
            if next.header.timestamp <= prev.header.timestamp {
                return Err(bad_header(h, "timestamp does not rise"));
            }
            let total = prev
                .micro_ids
                .iter()
                .fold(prev.header.id(), |t, m| next_total_id(&t, m));
            if next.header.parent != total {
                return Err(bad_header(h, "parent is not the previous block's total id"));
            }
            if next.header.commitments.history_root != history.root() {
                return Err(bad_header(
                    h,
                    "history root does not commit the earlier key blocks",
                ));
            }
            history.push(&next.header.id().0);
        }
        Ok(())
    }

    /// A signed chain of `n` headers; `tweak` changes a header (by height) before it is
    /// signed, `micro` gives the micro block ids a block kept.
    fn chain(
        n: u32,
        tweak: impl Fn(u32, &mut KeyBlockHeader),
        micro: impl Fn(u32) -> Vec<BlockId>,
    ) -> Vec<SyncedHeader> {
        let keys = [
            KeyPair::from_seed_phrase("a", 0),
            KeyPair::from_seed_phrase("b", 0),
        ];
        let mut out: Vec<SyncedHeader> = Vec::new();
        let mut history = HistoryAccumulator::new();
        for h in 1..=n {
            let parent = out.last().map_or(BlockId([0; 32]), |p| {
                p.micro_ids
                    .iter()
                    .fold(p.header.id(), |t, m| next_total_id(&t, m))
            });
            let mut header = KeyBlockHeader::unsigned(
                Height(h),
                Timestamp(1_767_225_600_000 + u64::from(h) * 5_000),
                parent,
                50,
            );
            header.commitments.history_root = history.root();
            header.sign(&keys[(h % 2) as usize]);
            tweak(h, &mut header);
            if header.signature == Signature([0; 64]) {
                header.sign(&keys[(h % 2) as usize]);
            }
            history.push(&header.id().0);
            out.push(SyncedHeader {
                header,
                micro_ids: micro(h),
            });
        }
        out
    }

    fn plain(n: u32) -> Vec<SyncedHeader> {
        chain(n, |_, _| {}, |_| Vec::new())
    }

    /// Re-signs after the tweak (the tweak clears the signature).
    fn resigned(f: impl Fn(u32, &mut KeyBlockHeader)) -> impl Fn(u32, &mut KeyBlockHeader) {
        move |h, header| {
            let before = header.clone();
            f(h, header);
            if *header != before {
                header.signature = Signature([0; 64]);
            }
        }
    }

    fn same_answer(headers: &[SyncedHeader], what: &str) {
        let genesis = headers.first().map_or(BlockId([0; 32]), |h| h.header.id());
        assert_eq!(
            verify_header_chain(headers, &genesis),
            one_by_one(headers, &genesis),
            "{what}"
        );
    }

    const N: u32 = 2_600;

    #[test]
    fn a_good_chain_passes_and_faults_are_named_as_one_by_one() {
        let good = plain(N);
        let genesis = good[0].header.id();
        assert_eq!(verify_header_chain(&good, &genesis), Ok(()));
        assert!(matches!(
            verify_header_chain(&good, &BlockId([1; 32])),
            Err(FastSyncError::WrongGenesis { .. })
        ));
        same_answer(&[], "no headers");
        same_answer(&good[..1], "genesis only");
        same_answer(&good[..2], "two");
        let with_micro = chain(
            N,
            |_, _| {},
            |h| vec![BlockId([h as u8; 32]); (h % 3) as usize],
        );
        assert_eq!(
            verify_header_chain(&with_micro, &with_micro[0].header.id()),
            Ok(())
        );

        let flip = |at: &[(usize, usize)]| {
            let mut hs = good.clone();
            for (h, byte) in at {
                hs[h - 1].header.signature.0[*byte] ^= 1;
            }
            hs
        };
        for (at, what) in [
            (vec![(2, 40)], "bad s at 2"),
            (vec![(1_800, 40)], "bad s at 1800"),
            (vec![(1_800, 3)], "bad R at 1800"),
            (vec![(N as usize, 63)], "bad s at the tip"),
            (vec![(900, 5), (2_100, 50)], "two bad"),
            (vec![(1, 5)], "bad genesis signature (never checked)"),
        ] {
            same_answer(&flip(&at), what);
        }
        // Bad signatures in a chain that links (the ids are those of the bad headers), so
        // that every signature is checked: the first is named, whichever thread finds it.
        let badly_signed = chain(
            N,
            |h, hd| {
                if [900, 1_299, 2_100, 2_500].contains(&h) {
                    hd.signature.0[40] ^= 1;
                }
            },
            |_| Vec::new(),
        );
        same_answer(&badly_signed, "bad signatures, linked");
        assert!(matches!(
            verify_header_chain(&badly_signed, &badly_signed[0].header.id()),
            Err(FastSyncError::BadHeader { height: 900, .. })
        ));
        same_answer(&badly_signed[..1_500], "bad signatures, linked, shorter");
        same_answer(&badly_signed[..950], "bad signatures, linked, one thread");
        // R that only a strict check refuses.
        let mut identity_r = good.clone();
        identity_r[1_500].header.signature.0[..32].copy_from_slice(&SMALL_ORDER[0]);
        same_answer(&identity_r, "small-order R");
        let mut non_canonical = good.clone();
        non_canonical[1_500].header.signature.0[0] = 0xee;
        non_canonical[1_500].header.signature.0[1..31].fill(0xff);
        non_canonical[1_500].header.signature.0[31] = 0x7f;
        same_answer(&non_canonical, "non-canonical R");
        // Keys: a small-order one, bytes that are no point.
        for bad_key in [[0u8; 32], [0xff; 32]] {
            let mut hs = good.clone();
            hs[1_300].header.generator = PublicKey(bad_key);
            same_answer(&hs, "bad key");
        }
        // Faults other than signatures, alone and with bad signatures before, at or after.
        let stale = chain(
            N,
            resigned(|h, hd| {
                if h == 1_500 {
                    hd.timestamp = Timestamp(1);
                }
            }),
            |_| Vec::new(),
        );
        same_answer(&stale, "timestamp");
        let gap = chain(
            N,
            resigned(|h, hd| {
                if h == 1_500 {
                    hd.height = Height(7);
                }
            }),
            |_| Vec::new(),
        );
        same_answer(&gap, "height");
        let unlinked = chain(
            N,
            |_, _| {},
            |h| vec![BlockId([1; 32]); usize::from(h == 1_499)],
        );
        let mut unlinked = unlinked;
        unlinked[1_498].micro_ids.clear();
        same_answer(&unlinked, "parent");
        // A header that forgets an earlier key block: signed, linked, but its history root is
        // not that of the ids before it.
        let forgetful = chain(
            N,
            resigned(|h, hd| {
                if h == 1_500 {
                    hd.commitments.history_root[0] ^= 1;
                }
            }),
            |_| Vec::new(),
        );
        same_answer(&forgetful, "history");
        assert_eq!(
            verify_header_chain(&forgetful, &forgetful[0].header.id()),
            Err(bad_header(
                1_500,
                "history root does not commit the earlier key blocks"
            ))
        );
        for base in [&stale, &gap, &unlinked, &forgetful] {
            for at in [700, 1_500, 1_501, 2_200] {
                let mut hs = base.clone();
                hs[at - 1].header.signature.0[40] ^= 1;
                same_answer(&hs, &format!("fault at 1500, bad signature at {at}"));
            }
        }
    }

    #[test]
    fn the_small_order_table_is_the_whole_torsion_subgroup() {
        // Eight distinct canonical encodings of points of small order (the curve has eight),
        // and the two sign-bit variants of the points with x = 0.
        let canonical = [0, 2, 4, 5, 6, 7, 8, 9];
        for (i, r) in SMALL_ORDER.iter().enumerate() {
            let key = PublicKey(*r).verifying_key().expect("a point");
            assert!(key.is_weak(), "entry {i} is of small order");
            let encoded = key.to_edwards().compress().to_bytes();
            assert_eq!(encoded == *r, canonical.contains(&i), "entry {i}");
        }
        let mut distinct: Vec<_> = canonical.iter().map(|i| SMALL_ORDER[*i]).collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 8);
        let good = plain(2);
        assert!(!refused_r(&good[1].header.signature));
        let mut s = good[1].header.signature;
        s.0[..32].copy_from_slice(&SMALL_ORDER[6]);
        assert!(refused_r(&s));
        s.0[0] = 0xed;
        s.0[1..31].fill(0xff);
        s.0[31] = 0xff;
        assert!(refused_r(&s), "y = p with the sign bit");
        s.0[0] = 0xeb;
        assert!(
            !refused_r(&s),
            "y = p - 2 is canonical and of no small order"
        );
    }

    #[test]
    fn adding_up_merges_as_a_map_would() {
        let a = |i: u32| {
            let kp = KeyPair::from_seed_phrase(&i.to_string(), 0);
            Address::from_public_key(ChainId::TESTNET, &kp.public_key())
        };
        let summary = |changes: Vec<(Address, i64)>| {
            let mut changes = changes;
            changes.sort();
            SummaryBlock {
                index: 1,
                from: Height(1),
                to: Height(2),
                balance_changes: changes,
                transactions: Vec::new(),
                total_fees: 0,
                total_txs: 0,
                carried_in: 0,
                carried_out: 0,
            }
        };
        let by_map = |ss: &[SummaryBlock]| -> Result<BTreeMap<Address, u64>, FastSyncError> {
            let mut m: BTreeMap<Address, i128> = BTreeMap::new();
            for s in ss {
                for (x, c) in &s.balance_changes {
                    *m.entry(*x).or_default() += i128::from(*c);
                }
            }
            let mut out = BTreeMap::new();
            for (x, b) in m {
                let v = u64::try_from(b).map_err(|_| FastSyncError::BadBalance(x))?;
                if v > 0 {
                    out.insert(x, v);
                }
            }
            Ok(out)
        };
        let cases = [
            vec![],
            vec![summary(vec![])],
            vec![summary(
                (0..50).map(|i| (a(i), i64::from(i) * 10)).collect(),
            )],
            vec![
                summary((0..50).map(|i| (a(i), 100)).collect()),
                summary((25..80).map(|i| (a(i), -50)).collect()),
                summary(vec![]),
                summary((0..80).step_by(3).map(|i| (a(i), i64::MAX)).collect()),
            ],
            vec![
                summary((0..30).map(|i| (a(i), 5)).collect()),
                summary((0..30).map(|i| (a(i), -5)).collect()),
            ],
            vec![
                summary((0..30).map(|i| (a(i), 5)).collect()),
                summary((10..40).map(|i| (a(i), -6)).collect()),
            ],
            vec![
                summary(vec![(a(1), i64::MAX)]),
                summary(vec![(a(1), i64::MAX)]),
                summary(vec![(a(1), i64::MAX)]),
            ],
        ];
        for (i, ss) in cases.iter().enumerate() {
            assert_eq!(add_up(ss), by_map(ss), "case {i}");
        }
    }
}
