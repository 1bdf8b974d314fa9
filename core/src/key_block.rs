//! Applying a key block with its summaries: the summary hash it must commit is derived
//! before it is applied, and the summary of the period it closes is stored right after it. A
//! summary that a crash kept from being stored beside its key block is rebuilt on start.

use crate::chain_core::{Core, CoreError};
use ltonode_ledger::block::KeyBlockHeader;
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::tx::Transaction;
use ltonode_ledger::{Height, Store};

impl<S: Store> Core<S> {
    /// Stores the summaries of the last two closed periods if they are missing (the summary
    /// is written right after the key block that commits it; a crash in between is repaired
    /// here). Only summaries whose committing key block is in the chain are built.
    pub(crate) fn store_missing_summaries(&mut self) -> Result<(), CoreError> {
        let p = self.params.summary_period;
        let h = self.chain.height().0;
        if p == 0 || h < 2 {
            return Ok(());
        }
        let last = (h - 1) / p;
        for n in last.saturating_sub(1).max(1)..=last {
            if self.chain.pruned_height()?.0 >= n.saturating_mul(p) {
                // Its blocks are gone: it was stored before they were pruned.
                continue;
            }
            let Some(committing) = self.chain.header_at(Height(n * p + 1))? else {
                continue;
            };
            ltonode_summary::store_committed_summary(
                &self.chain,
                n,
                committing.commitments.summary_hash,
            )?;
        }
        Ok(())
    }

    /// Applies a key block already validated: derives the summary hash it must commit,
    /// applies it, and stores the summary it closes. Returns the transactions of micro
    /// blocks it dropped. A ledger refusal (commitments, signature) is returned as such.
    pub(crate) fn apply_key_block(
        &mut self,
        header: &KeyBlockHeader,
    ) -> Result<Result<Vec<Transaction>, ChainError>, CoreError> {
        let dropped = match self.chain.drop_unreferenced(&header.parent) {
            Ok(d) => d,
            Err(e @ ChainError::UnknownParent(_)) => return Ok(Err(e)),
            Err(e) => return Err(e.into()),
        };
        let summary = ltonode_summary::next_summary_hash(&self.chain)?;
        let mut returned = match self.chain.apply_key_block(header, summary) {
            Ok(r) => r,
            Err(e @ (ChainError::Store(_) | ChainError::Corrupt(_))) => return Err(e.into()),
            Err(e) => return Ok(Err(e)),
        };
        let p = self.params.summary_period;
        let closed = header.height.0.saturating_sub(1);
        if p > 0 && closed > 0 && closed.is_multiple_of(p) {
            // A summary of this period stored by a fork that was rolled back is replaced.
            ltonode_summary::store_committed_summary(
                &self.chain,
                closed / p,
                header.commitments.summary_hash,
            )?;
        }
        returned.splice(0..0, dropped);
        Ok(Ok(returned))
    }
}
