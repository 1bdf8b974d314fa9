//! Fast sync's last step (ARCHITECTURE.md §6): building the state at a summary boundary B
//! from a checked header chain and the summaries' aggregate, without replaying blocks.
//!
//! The caller (the summary crate's fast sync) has checked every header's signature and
//! chaining and every summary against the hash its key block commits. [`Chain::bootstrap`]
//! then writes, in one atomic batch: the headers `1..=B+1`; each account's regular balance
//! (the sum of its summary changes); the effects of the summaries' leases, cancels,
//! associations, revocations and scripts, replayed in order at their heights; the fees
//! carried from block B credited to the generator of `K_{B+1}`; a balance-history entry at B
//! for every account; and the tip at `K_{B+1}`. The finalized and pruned heights start at B:
//! nothing before B can be rolled back or served. The blocks after B are then applied as
//! usual.

use super::{Chain, ChainError, keys, write_diff};
use crate::address::Address;
use crate::block::KeyBlockHeader;
use crate::state::transition::Overlay;
use crate::state::{BlockContext, Diff};
use crate::store::{Column, Store, key_u32};
use crate::tx::Transaction;
use crate::tx::codec::Writer;
use crate::units::Height;
use std::collections::BTreeMap;
use undo_free::Batch;

/// What the summaries up to a boundary B amount to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Regular balance of every account at B.
    pub balances: BTreeMap<Address, u64>,
    /// The kept transactions of all summaries, with their heights, in chain order.
    pub transactions: Vec<(Height, Transaction)>,
    /// Fees of block B carried to the generator of `K_{B+1}`.
    pub carried: u64,
}

mod undo_free {
    use crate::store::{Column, WriteBatch};

    /// A plain batch (a bootstrap has nothing to undo).
    pub struct Batch(pub WriteBatch);

    impl Batch {
        pub fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
            self.0.put(col, key, value);
        }
    }
}

impl<S: Store> Chain<S> {
    /// Builds the state at boundary `B = headers.len() - 1` (see the module docs) on an empty
    /// store. `headers[i]` is the key block at height `i + 1`.
    pub fn bootstrap(
        &mut self,
        headers: &[KeyBlockHeader],
        snapshot: &Snapshot,
    ) -> Result<(), ChainError> {
        if self.tip.is_some() {
            return Err(ChainError::AlreadyInitialised);
        }
        let n = u32::try_from(headers.len()).map_err(|_| ChainError::Corrupt("header count"))?;
        if n < 2 {
            return Err(ChainError::Genesis(
                "bootstrap needs headers up to B + 1".into(),
            ));
        }
        let b_height = Height(n - 1);
        let next = headers.last().ok_or(ChainError::Empty)?;

        // Balances, then the kept transactions' effects at their own heights.
        let mut base = Diff::default();
        for (a, regular) in &snapshot.balances {
            let acc = crate::state::Account {
                regular: *regular,
                ..Default::default()
            };
            base.accounts.insert(*a, acc);
        }
        let ctx_at = |h: Height| -> Result<BlockContext, ChainError> {
            let header = headers
                .get(h.0.saturating_sub(1) as usize)
                .ok_or(ChainError::Corrupt("summary height"))?;
            Ok(BlockContext {
                chain_id: self.config.chain_id,
                height: h,
                timestamp: header.timestamp,
                prev_timestamp: header.timestamp,
                generator: Address::from_public_key(self.config.chain_id, &header.generator),
                lease_unbonding: self.config.lease_unbonding,
                max_tx_future_ms: self.config.max_tx_future_ms,
                max_tx_past_ms: self.config.max_tx_past_ms,
            })
        };
        let mut overlay = Overlay::with_diff(self, ctx_at(Height(1))?, base);
        for (h, tx) in &snapshot.transactions {
            overlay.set_context(ctx_at(*h)?);
            overlay
                .replay_effects(tx)
                .map_err(|e| ChainError::Genesis(format!("summary transaction: {e}")))?;
        }
        let diff = overlay.into_diff();
        // K_{B+1}'s generator receives the fees carried from block B, at height B+1 (as a
        // replaying node records it), so the next summary derives the same changes.
        let generator = Address::from_public_key(self.config.chain_id, &next.generator);
        let mut credit = Diff::default();
        let mut g = diff.accounts.get(&generator).cloned().unwrap_or_default();
        g.regular = g.regular.saturating_add(snapshot.carried);
        credit.accounts.insert(generator, g);

        // The store is empty: a plain batch, nothing to undo.
        let mut plain = crate::store::WriteBatch::new();
        write_diff(&mut plain, b_height, 0, &diff)?;
        if snapshot.carried > 0 {
            write_diff(&mut plain, Height(n), 0, &credit)?;
        }
        let mut batch = Batch(plain);
        for (i, h) in headers.iter().enumerate() {
            let height = u32::try_from(i + 1).map_err(|_| ChainError::Corrupt("height"))?;
            batch.put(Column::Headers, key_u32(height).to_vec(), h.to_bytes());
            batch.put(
                Column::BlockIndex,
                h.id().0.to_vec(),
                keys::unit(Height(height), 0),
            );
        }
        for (h, tx) in &snapshot.transactions {
            let mut v = Writer::new();
            v.raw(&key_u32(h.0)).u16(0).u16(0).raw(&tx.to_bytes());
            batch.put(Column::Txs, tx.id().0.to_vec(), v.into_bytes());
        }
        let tip_height = Height(n);
        batch.put(
            Column::Meta,
            keys::META_TIP.to_vec(),
            Self::tip_bytes(tip_height, 0, &next.id()),
        );
        batch.put(
            Column::Meta,
            keys::META_FINAL.to_vec(),
            key_u32(b_height.0).to_vec(),
        );
        batch.put(
            Column::Meta,
            keys::META_PRUNED.to_vec(),
            key_u32(b_height.0).to_vec(),
        );
        batch.put(Column::Meta, keys::META_MODE.to_vec(), b"pruned".to_vec());
        batch.put(
            Column::Meta,
            keys::META_SNAPSHOT.to_vec(),
            key_u32(b_height.0).to_vec(),
        );
        batch.put(
            Column::Meta,
            keys::carry(b_height),
            snapshot.carried.to_be_bytes().to_vec(),
        );
        self.store.write(batch.0)?;
        self.reload_tip()?;
        Ok(())
    }

    /// The summary boundary this chain was bootstrapped at by fast sync, if it was: below it
    /// there is no balance history, so balance windows reaching below it are incomplete.
    pub fn snapshot_height(&self) -> Result<Option<Height>, ChainError> {
        Ok(self
            .store
            .get(Column::Meta, keys::META_SNAPSHOT)?
            .as_deref()
            .and_then(crate::store::parse_u32)
            .map(Height))
    }

    /// Empties a chain that holds at most its genesis block, so that fast sync can
    /// [`bootstrap`](Self::bootstrap) it. Everything but the store's schema version goes, in
    /// one batch. A chain past genesis is refused: its blocks are not thrown away.
    pub fn reset_genesis_only(&mut self) -> Result<(), ChainError> {
        if self.height().0 > 1 {
            return Err(ChainError::AlreadyInitialised);
        }
        let mut batch = crate::store::WriteBatch::new();
        for col in Column::ALL {
            for (k, _) in self.store.scan_range(col, &[], None, false, None)? {
                if col == Column::Meta && k == crate::store::SCHEMA_VERSION_KEY {
                    continue;
                }
                batch.delete(col, k);
            }
        }
        self.store.write(batch)?;
        self.reload_tip()?;
        Ok(())
    }
}
