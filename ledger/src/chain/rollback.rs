//! Rolling back: units are reverted newest first, each with its undo record in its own
//! atomic batch, down to a height (never below the finalized one) or to a micro block of the
//! current block.

use super::undo::{decode_undo, revert_batch};
use super::{Chain, ChainError, keys};
use crate::block::BlockId;
use crate::store::{Column, Store};
use crate::tx::Transaction;
use crate::units::Height;

impl<S: Store> Chain<S> {
    /// Reverts unit `(h, seq)` with its undo record, in one atomic batch.
    pub(super) fn revert_unit(&mut self, h: Height, seq: u16) -> Result<(), ChainError> {
        let unit = keys::unit(h, seq);
        let record = self
            .store
            .get(Column::Undo, &unit)?
            .ok_or(ChainError::Rollback {
                target: h.0,
                reason: "no undo record (pruned or never applied)",
            })?;
        let entries = decode_undo(&record).ok_or(ChainError::Corrupt("undo record"))?;
        self.store.write(revert_batch(&unit, &entries))?;
        Ok(())
    }

    /// Rolls back every unit above height `to` (the block at `to` keeps all its micro
    /// blocks). Returns the transactions of the reverted blocks, oldest first. Each unit is
    /// reverted in its own atomic batch, newest first, so a crash leaves a valid prefix.
    pub fn rollback_to(&mut self, to: Height) -> Result<Vec<Transaction>, ChainError> {
        if to.0 == 0 {
            return Err(ChainError::Rollback {
                target: 0,
                reason: "the genesis block cannot be rolled back",
            });
        }
        if to < self.finalized_height()? {
            return Err(ChainError::Rollback {
                target: to.0,
                reason: "below the finalized height (the second-to-last summary boundary)",
            });
        }
        let mut returned = Vec::new();
        while let Some(tip) = self.tip.clone() {
            if tip.height <= to {
                break;
            }
            for seq in (1..=tip.micro_count).rev() {
                if let Some(m) = self.micro_block(tip.height, seq)? {
                    returned.splice(0..0, m.transactions);
                }
                self.revert_unit(tip.height, seq)?;
            }
            self.revert_unit(tip.height, 0)?;
            self.reload_tip()?;
        }
        Ok(returned)
    }

    /// Drops the micro blocks of the current block after the total id `parent` (what a key
    /// block referencing `parent` keeps), returning their transactions. Call it before
    /// deriving anything the key block commits (the summary), then apply the key block.
    pub fn drop_unreferenced(&mut self, parent: &BlockId) -> Result<Vec<Transaction>, ChainError> {
        let tip = self.tip_ref()?.clone();
        let ids = self.total_ids(tip.height, &tip.header, tip.micro_count)?;
        let keep = ids
            .iter()
            .position(|id| id == parent)
            .ok_or(ChainError::UnknownParent(*parent))?;
        let keep = u16::try_from(keep).map_err(|_| ChainError::Corrupt("micro count"))?;
        self.rollback_micro_to(keep)
    }

    /// Rolls back the micro blocks of the current block after the first `keep` of them.
    pub fn rollback_micro_to(&mut self, keep: u16) -> Result<Vec<Transaction>, ChainError> {
        let tip = self.tip_ref()?.clone();
        let mut returned = Vec::new();
        for seq in (keep.saturating_add(1)..=tip.micro_count).rev() {
            if let Some(m) = self.micro_block(tip.height, seq)? {
                returned.splice(0..0, m.transactions);
            }
            self.revert_unit(tip.height, seq)?;
        }
        self.reload_tip()?;
        Ok(returned)
    }
}
