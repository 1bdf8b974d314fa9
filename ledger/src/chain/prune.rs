//! Finality and pruning: the finalized height a key block raises, what a pruned node deletes
//! of the final blocks older than `retain_blocks`, and the transaction ids it keeps for
//! replay protection until no block can take those transactions again.

use super::undo::{UndoBatch, decode_undo};
use super::{Chain, ChainError, keys};
use crate::block::MicroBlock;
use crate::store::{Column, Store, WriteBatch, concat, key_u32};
use crate::tx::TxId;
use crate::units::Height;
use std::collections::{BTreeMap, BTreeSet};

/// A transaction of a pruned block, as replay protection keeps it.
struct PrunedTx {
    id: TxId,
    /// The head of its record: height, micro block and position (8 bytes).
    head: Vec<u8>,
}

/// Pruned heights and their transactions.
type PrunedTxs = BTreeMap<u32, Vec<PrunedTx>>;

/// Old entries of one balance-history or count series deleted per pruning step at most.
const COMPACT_PER_SERIES: usize = 64;

/// Pruned heights whose transaction ids are forgotten per key block at most (pruning goes
/// up to 4 heights a block, so a backlog shrinks).
const FORGET_PER_BLOCK: usize = 16;

impl<S: Store> Chain<S> {
    /// The finalized height: no rollback goes below it. It only grows.
    pub fn finalized_height(&self) -> Result<Height, ChainError> {
        Ok(Height(
            self.store
                .get(Column::Meta, keys::META_FINAL)?
                .as_deref()
                .and_then(crate::store::parse_u32)
                .unwrap_or(0),
        ))
    }

    /// The highest height whose transaction data was pruned (0: none).
    pub fn pruned_height(&self) -> Result<Height, ChainError> {
        Ok(Height(
            self.store
                .get(Column::Meta, keys::META_PRUNED)?
                .as_deref()
                .and_then(crate::store::parse_u32)
                .unwrap_or(0),
        ))
    }

    /// Raises the finalized height for a new tip at `h`, and (pruned nodes) deletes the
    /// transaction data of a few final heights older than `retain_blocks`, in the key
    /// block's own batch. Undo records of final heights go in both modes: no rollback can
    /// use them.
    ///
    /// Pruning keeps headers, block ids (the key block's, the micro blocks' total ids and the
    /// kept micro block ids), summaries and the anchor index (whose entries carry their Merkle
    /// paths, so every receipt stays verifiable). Everything else a block wrote per
    /// transaction or per address goes, so that under a steady load the store stops growing
    /// but for those: micro blocks, transaction bytes, the address index, the summary
    /// builder's index, per-height counters, and the balance history and transaction counts
    /// older than `retain_blocks` below the pruned height (but the latest entry of each
    /// address, so balances at the heights still queried answer exactly). Transaction ids stay
    /// for replay protection until no new block can take the transaction
    /// ([`forget_tx_ids`](Self::forget_tx_ids)).
    ///
    /// The generating balance and the raffle's transaction counts look `gen_depth` blocks back
    /// from a tip at or above the finalized height: they stay exact on a pruned node as long
    /// as `gen_depth <= retain_blocks`, as in every preset.
    pub(super) fn finalize_and_prune(
        &self,
        b: &mut UndoBatch<'_, S>,
        h: Height,
    ) -> Result<(), ChainError> {
        let old_final = self.finalized_height()?;
        let new_final = self.config.finality_for(h).max(old_final);
        if new_final > old_final {
            b.put_untracked(
                Column::Meta,
                keys::META_FINAL.to_vec(),
                key_u32(new_final.0).to_vec(),
            );
        }
        let limit = new_final
            .0
            .min(h.0.saturating_sub(self.config.retain_blocks.saturating_add(1)));
        let old_pruned = self.pruned_height()?.0;
        let mut done = old_pruned;
        let mut pruned_txs = PrunedTxs::new();
        // A bounded amount of work per block; a backlog is caught up over the next blocks.
        for _ in 0..4 {
            let p = done.saturating_add(1);
            if p > limit || p == done {
                break;
            }
            let txs = self.prune_height(b, Height(p))?;
            if !txs.is_empty() {
                pruned_txs.insert(p, txs);
            }
            done = p;
        }
        if done > old_pruned {
            b.put_untracked(
                Column::Meta,
                keys::META_PRUNED.to_vec(),
                key_u32(done).to_vec(),
            );
        }
        if !self.config.history {
            self.forget_tx_ids(b, new_final, Height(done), old_pruned, pruned_txs)?;
        }
        Ok(())
    }

    /// Deletes what block `p` wrote that a pruned node no longer needs (see
    /// [`finalize_and_prune`](Self::finalize_and_prune)). Returns the ids of its transactions
    /// with the head of their records (height, micro block, position), which replay
    /// protection still needs for a while.
    fn prune_height(
        &self,
        b: &mut UndoBatch<'_, S>,
        p: Height,
    ) -> Result<Vec<PrunedTx>, ChainError> {
        let undo = self.store.scan_prefix(Column::Undo, &key_u32(p.0), None)?;
        for (k, _) in &undo {
            b.delete_untracked(Column::Undo, k.clone());
        }
        if self.config.history || p.0 <= 1 {
            return Ok(Vec::new());
        }
        // Keep the kept micro blocks' ids: they link this block's key block to the next
        // key block's parent (fast sync checks the header chain with them).
        let ids = self.micro_ids(p)?;
        b.put_untracked(
            Column::Meta,
            keys::micro_ids(p),
            ids.iter().flat_map(|i| i.0).collect(),
        );
        let mut txs = Vec::new();
        for (k, v) in self.store.scan_prefix(Column::Micro, &key_u32(p.0), None)? {
            let micro = MicroBlock::from_bytes(&v, self.config.chain_id)?;
            for tx in &micro.transactions {
                let id = tx.id();
                if let Some(rec) = self.store.get(Column::Txs, &id.0)? {
                    let head = rec.get(..8).ok_or(ChainError::Corrupt("tx record"))?;
                    txs.push(PrunedTx {
                        id,
                        head: head.to_vec(),
                    });
                }
            }
            b.delete_untracked(Column::Micro, k);
        }
        // The undo records list every key the block's units wrote: its address index
        // entries go, and the cumulative transaction counts it wrote are compacted.
        let bound = p.0.saturating_sub(self.config.retain_blocks);
        let mut counts = BTreeSet::new();
        for (_, record) in &undo {
            for e in decode_undo(record).ok_or(ChainError::Corrupt("undo record"))? {
                match e.column {
                    Column::TxIndex => b.delete_untracked(Column::TxIndex, e.key),
                    Column::Generators => {
                        // `prefix ‖ height`: the count's series is its prefix.
                        let series = e.key.len().checked_sub(4).and_then(|n| e.key.get(..n));
                        if let Some(series) = series {
                            counts.insert(series.to_vec());
                        }
                    }
                    _ => {}
                }
            }
        }
        for series in counts {
            self.compact_series(b, Column::Generators, &series, bound)?;
        }
        // The addresses whose balance changed at p (the summary builder's index, whose
        // summary is stored by now): their balance history is compacted.
        let prefix = keys::touched_prefix(p);
        let mut touched = BTreeSet::new();
        for (k, _) in self.store.scan_prefix(Column::Summaries, &prefix, None)? {
            if let Some(a) = k.get(prefix.len().saturating_add(2)..) {
                touched.insert(a.to_vec());
            }
            b.delete_untracked(Column::Summaries, k);
        }
        for a in touched {
            self.compact_series(b, Column::BalanceHistory, &a, bound)?;
        }
        // Per-height counters: the anchor positions of p, and the fees carried by p - 1
        // (those of p stay: the next summary starts from them).
        b.delete_untracked(Column::Meta, keys::anchor_count(p));
        b.delete_untracked(Column::Meta, keys::carry(Height(p.0.saturating_sub(1))));
        Ok(txs)
    }

    /// Deletes the entries `series ‖ height` of `col` (balance history, cumulative counts) at
    /// heights up to `bound`, but the latest of them: every value at a height from `bound`
    /// up stays readable. At most [`COMPACT_PER_SERIES`] entries per call; what an older
    /// database holds beyond that goes on later calls.
    fn compact_series(
        &self,
        b: &mut UndoBatch<'_, S>,
        col: Column,
        series: &[u8],
        bound: u32,
    ) -> Result<(), ChainError> {
        if bound == 0 {
            return Ok(());
        }
        let to = concat(&[series, &key_u32(bound.saturating_add(1))]);
        let rows = self.store.scan_range(
            col,
            series,
            Some(&to),
            true,
            Some(COMPACT_PER_SERIES.saturating_add(1)),
        )?;
        for (k, _) in rows.into_iter().skip(1) {
            b.delete_untracked(col, k);
        }
        Ok(())
    }

    /// Replay protection after pruning. A transaction of block `q` has a timestamp of at most
    /// `ts(q) + max_tx_future_ms`; a block above the finalized height `f` (no rollback goes
    /// below it, and timestamps rise along the chain) takes none older than
    /// `ts(f) - max_tx_past_ms`. So once `ts(q) + max_tx_future_ms + max_tx_past_ms < ts(f)`
    /// no block can take a transaction of `q` again, and its id is forgotten. The ids of
    /// pruned heights not that old yet wait in a per-height list and are forgotten by later
    /// key blocks, in height order (cursor [`keys::META_TX_IDS_FORGOTTEN`]).
    fn forget_tx_ids(
        &self,
        b: &mut UndoBatch<'_, S>,
        fin: Height,
        pruned: Height,
        start: u32,
        mut fresh: PrunedTxs,
    ) -> Result<(), ChainError> {
        let stored = self
            .store
            .get(Column::Meta, keys::META_TX_IDS_FORGOTTEN)?
            .as_deref()
            .and_then(crate::store::parse_u32);
        // Absent: nothing was pruned with lists yet (a new, older or fast-synced database).
        let mut cursor = stored.unwrap_or(start);
        let horizon = match fin.0 {
            0 => None,
            _ => self.header_at(fin)?.map(|h| h.timestamp.0),
        };
        let window = self
            .config
            .max_tx_future_ms
            .saturating_add(self.config.max_tx_past_ms);
        if let Some(horizon) = horizon {
            for _ in 0..FORGET_PER_BLOCK {
                let q = cursor.saturating_add(1);
                if q > pruned.0 || q == cursor {
                    break;
                }
                let ts = self
                    .header_at(Height(q))?
                    .ok_or(ChainError::Corrupt("pruned header"))?
                    .timestamp
                    .0;
                if ts.saturating_add(window) >= horizon {
                    break;
                }
                if let Some(txs) = fresh.remove(&q) {
                    for PrunedTx { id, .. } in txs {
                        b.delete_untracked(Column::Txs, id.0.to_vec());
                    }
                } else {
                    let key = keys::tx_ids(Height(q));
                    if let Some(list) = self.store.get(Column::Meta, &key)? {
                        let ids = list.chunks_exact(32);
                        if !ids.remainder().is_empty() {
                            return Err(ChainError::Corrupt("pruned transaction ids"));
                        }
                        for id in ids {
                            b.delete_untracked(Column::Txs, id.to_vec());
                        }
                        b.delete_untracked(Column::Meta, key);
                    }
                }
                cursor = q;
            }
        }
        // Stored once it matters: when it moves, or when lists start waiting on it.
        if stored != Some(cursor) && (stored.is_some() || cursor != start || !fresh.is_empty()) {
            b.put_untracked(
                Column::Meta,
                keys::META_TX_IDS_FORGOTTEN.to_vec(),
                key_u32(cursor).to_vec(),
            );
        }
        // The rest keep their id and height until they are old enough.
        for (p, txs) in fresh {
            let mut list = Vec::with_capacity(txs.len().saturating_mul(32));
            for PrunedTx { id, head } in txs {
                list.extend_from_slice(&id.0);
                b.put_untracked(Column::Txs, id.0.to_vec(), head);
            }
            b.put_untracked(Column::Meta, keys::tx_ids(Height(p)), list);
        }
        Ok(())
    }

    /// After a fast sync: records the ids of the transactions of blocks `first..=B` just
    /// below the snapshot boundary B, as pruning keeps them (id and record head), so that
    /// replay protection refuses them in the blocks after B while their timestamps still
    /// fit; they are forgotten like any pruned ids. `txs` lists `(height, micro seq, index,
    /// id)`; every height must be in `first..=B`.
    pub fn remember_pruned_tx_ids(
        &self,
        first: Height,
        txs: &[(Height, u16, u16, TxId)],
    ) -> Result<(), ChainError> {
        let b = self
            .snapshot_height()?
            .ok_or(ChainError::Corrupt("not a fast-synced chain"))?;
        if first.0 == 0 || first > b || txs.iter().any(|t| t.0 < first || t.0 > b) {
            return Err(ChainError::Corrupt("transaction ids outside the snapshot"));
        }
        let mut batch = WriteBatch::new();
        let mut lists: BTreeMap<u32, Vec<u8>> = Default::default();
        for (h, seq, index, id) in txs {
            if self.store.get(Column::Txs, &id.0)?.is_some() {
                // A summary's transaction, bootstrapped in full: it stays.
                continue;
            }
            let mut head = key_u32(h.0).to_vec();
            head.extend_from_slice(&seq.to_be_bytes());
            head.extend_from_slice(&index.to_be_bytes());
            batch.put(Column::Txs, id.0.to_vec(), head);
            lists.entry(h.0).or_default().extend_from_slice(&id.0);
        }
        for (h, list) in lists {
            batch.put(Column::Meta, keys::tx_ids(Height(h)), list);
        }
        batch.put(
            Column::Meta,
            keys::META_TX_IDS_FORGOTTEN.to_vec(),
            // first >= 1.
            key_u32(first.0.saturating_sub(1)).to_vec(),
        );
        self.store.write(batch)?;
        Ok(())
    }
}
