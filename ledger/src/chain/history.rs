//! The chain's history tree ([`crate::merkle::history`]): key block `K_h`'s id is leaf `h - 1`,
//! written in `K_h`'s own batch (so a rollback of the key block removes it), and `K_h`
//! commits the root of the `h - 1` leaves before it.

use super::undo::UndoBatch;
use super::{Chain, ChainError};
use crate::block::BlockId;
use crate::hash::Hash32;
use crate::merkle::MerkleProof;
use crate::merkle::history;
use crate::store::{Column, Store};
use crate::units::Height;

impl<S: Store> Chain<S> {
    fn history_node(&self, level: u8, index: u64) -> Result<Hash32, ChainError> {
        let v = self
            .store
            .get(Column::HistoryTree, &history::node_key(level, index))?
            .ok_or(ChainError::Corrupt("missing history tree node"))?;
        v.as_slice()
            .try_into()
            .map_err(|_| ChainError::Corrupt("history tree node"))
    }

    /// The history root over the first `count` key blocks (what `K_{count+1}` commits).
    pub fn history_root(&self, count: u64) -> Result<Hash32, ChainError> {
        history::root(count, |l, i| self.history_node(l, i))
    }

    /// The inclusion proof of the key block at `height` in the history tree of the first
    /// `count` key blocks (what `K_{count+1}` commits), or `None` if `height > count`.
    pub fn history_proof(
        &self,
        height: Height,
        count: u64,
    ) -> Result<Option<MerkleProof>, ChainError> {
        let Some(index) = u64::from(height.0).checked_sub(1) else {
            return Ok(None);
        };
        history::proof(index, count, |l, i| self.history_node(l, i))
    }

    /// Appends the id of the key block at `height` (leaves `1..height` are there) to the tree,
    /// in the key block's batch.
    pub(super) fn append_history(
        &self,
        b: &mut UndoBatch<'_, S>,
        height: Height,
        id: &BlockId,
    ) -> Result<(), ChainError> {
        let n = u64::from(height.0)
            .checked_sub(1)
            .ok_or(ChainError::Corrupt("height 0"))?;
        let nodes = history::append(n, history::leaf_hash(&id.0), |l, i| self.history_node(l, i))?;
        for (level, index, hash) in nodes {
            b.put_new(
                Column::HistoryTree,
                history::node_key(level, index).to_vec(),
                hash.to_vec(),
            );
        }
        Ok(())
    }
}
