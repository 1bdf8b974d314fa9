//! Deriving summary blocks from the chain. Every node derives S_n the same way from its own
//! state, so the hash committed by the key block at `nP + 1` can be checked by everyone.
//!
//! The summary of a period is derived from the chain as the next key block keeps it: call
//! [`next_summary_hash`] after dropping the micro blocks that key block does not reference
//! ([`Chain::drop_unreferenced`]).

use crate::block::SummaryBlock;
use ltonode_ledger::chain::{Chain, ChainError, keys};
use ltonode_ledger::store::Column;
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::tx::validate::FeeSchedule;
use ltonode_ledger::{Address, Hash32, Height, Store};
use std::collections::BTreeSet;
use thiserror::Error;

/// Why a summary could not be built or stored.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SummaryError {
    /// The chain could not be read.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// The period is not complete (or summaries are off).
    #[error("summary {index} needs height {needed}, the chain is at {height}")]
    Incomplete {
        /// The summary index.
        index: u32,
        /// The last height it covers.
        needed: u32,
        /// The chain's height.
        height: u32,
    },
    /// A stored summary does not decode.
    #[error("stored summary {0} is corrupt")]
    Corrupt(u32),
    /// The transaction data of the period was pruned.
    #[error("the blocks of summary {0} are pruned")]
    Pruned(u32),
}

/// Whether a transaction type goes into summaries in full: everything whose effect is not a
/// balance change alone (leases, cancels, associations, revocations, scripts, data entries,
/// sponsorships and their cancels, registered keys, burns for the burned total,
/// certificates). Anchors, transfers and statements change balances only.
pub fn kept_in_summary(body: &TxBody) -> bool {
    matches!(
        body,
        TxBody::Lease { .. }
            | TxBody::CancelLease { .. }
            | TxBody::IssueAssociation { .. }
            | TxBody::RevokeAssociation { .. }
            | TxBody::SetScript { .. }
            | TxBody::Data { .. }
            | TxBody::Sponsorship { .. }
            | TxBody::CancelSponsorship { .. }
            | TxBody::Register { .. }
            | TxBody::Burn { .. }
            | TxBody::Certificate { .. }
    )
}

/// The heights covered by summary `n` of period `p`.
pub fn period_range(n: u32, p: u32) -> (Height, Height) {
    let to = n.saturating_mul(p);
    (Height(to.saturating_sub(p).saturating_add(1)), Height(to))
}

/// Builds summary `n` from the chain (its period must be complete).
pub fn build_summary<S: Store>(chain: &Chain<S>, n: u32) -> Result<SummaryBlock, SummaryError> {
    let p = chain.config().summary_period;
    let (from, to) = period_range(n, p);
    if p == 0 || n == 0 || chain.height() < to {
        return Err(SummaryError::Incomplete {
            index: n,
            needed: to.0,
            height: chain.height().0,
        });
    }
    if !chain.config().history && chain.pruned_height()? >= from {
        return Err(SummaryError::Pruned(n));
    }
    let fees = FeeSchedule {
        fee_price: chain.config().fees.fee_price,
    };
    let mut touched: BTreeSet<Address> = BTreeSet::new();
    let mut transactions = Vec::new();
    let (mut total_fees, mut total_txs) = (0u64, 0u64);
    for h in from.0..=to.0 {
        let prefix = keys::touched_prefix(Height(h));
        for (k, _) in chain
            .store()
            .scan_prefix(Column::Summaries, &prefix, None)
            .map_err(ChainError::from)?
        {
            let bytes = k
                .get(prefix.len() + 2..)
                .ok_or(ChainError::Corrupt("touched index"))?;
            let a = Address::from_bytes(bytes).map_err(|_| ChainError::Corrupt("touched index"))?;
            touched.insert(a);
        }
        for m in chain.block_micro_blocks(Height(h))? {
            for tx in m.transactions {
                total_txs = total_txs.saturating_add(1);
                total_fees = total_fees.saturating_add(fees.fee(&tx).0);
                if kept_in_summary(&tx.body) {
                    transactions.push((Height(h), tx));
                }
            }
        }
    }
    let before = Height(from.0.saturating_sub(1));
    let mut balance_changes = Vec::with_capacity(touched.len());
    for a in touched {
        let old = if before.0 == 0 {
            0
        } else {
            chain.balance_at(&a, before)?
        };
        let new = chain.balance_at(&a, to)?;
        let change = i128::from(new) - i128::from(old);
        if change != 0 {
            let change =
                i64::try_from(change).map_err(|_| ChainError::Corrupt("balance change"))?;
            balance_changes.push((a, change));
        }
    }
    let carried_in = if before.0 == 0 {
        0
    } else {
        chain.carried_fees(before)?
    };
    Ok(SummaryBlock {
        index: n,
        from,
        to,
        balance_changes,
        transactions,
        total_fees,
        total_txs,
        carried_in,
        carried_out: chain.carried_fees(to)?,
    })
}

/// The summary hash the key block after the tip must commit: the hash of the summary whose
/// period the tip closes, or zero.
pub fn next_summary_hash<S: Store>(chain: &Chain<S>) -> Result<Hash32, SummaryError> {
    let p = chain.config().summary_period;
    let h = chain.height().0;
    if p == 0 || h == 0 || !h.is_multiple_of(p) {
        return Ok([0; 32]);
    }
    Ok(build_summary(chain, h / p)?.hash())
}

/// Stores summary `n` (built from the chain) so it can be served after its blocks are
/// pruned; a no-op when it is already stored. Returns its hash.
pub fn store_summary<S: Store>(chain: &Chain<S>, n: u32) -> Result<Hash32, SummaryError> {
    if let Some(s) = load_summary(chain, n)? {
        return Ok(s.hash());
    }
    let s = build_summary(chain, n)?;
    let mut batch = ltonode_ledger::WriteBatch::new();
    batch.put(Column::Summaries, keys::summary(n), s.to_bytes());
    chain.store().write(batch).map_err(ChainError::from)?;
    Ok(s.hash())
}

/// Stores summary `n` as the chain's key block `n * P + 1` commits it (`committed`): a
/// stored summary with another hash (left by a fork that was rolled back) is replaced by
/// the one built from the chain now. Returns its hash.
pub fn store_committed_summary<S: Store>(
    chain: &Chain<S>,
    n: u32,
    committed: Hash32,
) -> Result<Hash32, SummaryError> {
    if let Some(s) = load_summary(chain, n)?
        && s.hash() == committed
    {
        return Ok(committed);
    }
    let s = build_summary(chain, n)?;
    let mut batch = ltonode_ledger::WriteBatch::new();
    batch.put(Column::Summaries, keys::summary(n), s.to_bytes());
    chain.store().write(batch).map_err(ChainError::from)?;
    Ok(s.hash())
}

/// A stored summary.
pub fn load_summary<S: Store>(
    chain: &Chain<S>,
    n: u32,
) -> Result<Option<SummaryBlock>, SummaryError> {
    match chain
        .store()
        .get(Column::Summaries, &keys::summary(n))
        .map_err(ChainError::from)?
    {
        None => Ok(None),
        Some(b) => SummaryBlock::from_bytes(&b, chain.config().chain_id)
            .map(Some)
            .map_err(|_| SummaryError::Corrupt(n)),
    }
}
