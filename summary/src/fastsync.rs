//! Fast sync (ARCHITECTURE.md §6): a new node checks the header chain, checks the summaries
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
use ltonode_ledger::{Address, Height, Store};
use std::collections::BTreeMap;
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

/// Checks a header chain from genesis (`headers[0]` is height 1, whose id must be
/// `genesis_id`).
pub fn verify_header_chain(
    headers: &[SyncedHeader],
    genesis_id: &BlockId,
) -> Result<(), FastSyncError> {
    let first = headers.first().ok_or_else(|| bad_header(1, "no headers"))?;
    if first.header.id() != *genesis_id {
        return Err(FastSyncError::WrongGenesis {
            expected: genesis_id.to_base58(),
            found: first.header.id().to_base58(),
        });
    }
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
    }
    Ok(())
}

/// Checks summaries `1..=k` against the hashes committed by the headers (summary n by the
/// key block at `nP + 1`) and adds them up.
pub fn snapshot_of(
    headers: &[SyncedHeader],
    summaries: &[SummaryBlock],
    period: u32,
) -> Result<Snapshot, FastSyncError> {
    let mut balances: BTreeMap<Address, i128> = BTreeMap::new();
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
        for (a, c) in &s.balance_changes {
            *balances.entry(*a).or_default() += i128::from(*c);
        }
        transactions.extend(s.transactions.iter().cloned());
    }
    let mut out = BTreeMap::new();
    for (a, b) in balances {
        let v = u64::try_from(b).map_err(|_| FastSyncError::BadBalance(a))?;
        if v > 0 {
            out.insert(a, v);
        }
    }
    Ok(Snapshot {
        balances: out,
        transactions,
        carried: summaries.last().map_or(0, |s| s.carried_out),
    })
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
