//! A write batch that records, for every key it writes, the value the key had before, so
//! that the batch can be reverted exactly ("undo record", docs/architecture.md). The undo
//! record is stored in the same atomic batch, under the unit (height, seq) it reverts.

use crate::store::{BatchOp, Column, Store, StoreError, WriteBatch};
use crate::tx::codec::{Reader, Writer};
use std::collections::HashMap;

/// One key's value before a unit was applied (`None`: it did not exist).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndoEntry {
    /// The column the key was written in.
    pub column: Column,
    /// The key within that column.
    pub key: Vec<u8>,
    /// Its value before.
    pub previous: Option<Vec<u8>>,
}

/// A batch that remembers what it overwrites. Reads through it see its own writes.
///
/// Each key is held once, in the batch's operation that wrote it: the index of a column's
/// keys points at the latest operation on each, and an undo entry at the first one (whose
/// key it is) with the value before.
pub struct UndoBatch<'s, S: Store> {
    store: &'s S,
    batch: WriteBatch,
    /// `(index of the first operation on the key, its value before)`, in write order.
    undo: Vec<(usize, Option<Vec<u8>>)>,
    /// Per column: key -> index of the latest operation on it.
    written: [HashMap<Vec<u8>, usize>; COLUMNS],
}

const COLUMNS: usize = Column::ALL.len();

impl<'s, S: Store> UndoBatch<'s, S> {
    /// An empty batch over `store`.
    pub fn new(store: &'s S) -> Self {
        UndoBatch {
            store,
            batch: WriteBatch::new(),
            undo: Vec::new(),
            written: std::array::from_fn(|_| HashMap::new()),
        }
    }

    /// The store under the batch.
    pub fn store(&self) -> &'s S {
        self.store
    }

    fn latest(&self, col: Column, key: &[u8]) -> Option<usize> {
        self.written.get(col.index())?.get(key).copied()
    }

    /// The current value of a key: this batch's write if any, else the store's.
    pub fn get(&self, col: Column, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.latest(col, key) {
            Some(i) => Ok(match self.batch.ops().get(i) {
                Some(BatchOp::Put { value, .. }) => Some(value.clone()),
                _ => None,
            }),
            None => self.store.get(col, key),
        }
    }

    /// Appends the operation and indexes it; for a key not written before, records `previous`
    /// (read from the store only then, by `previous`).
    fn record(
        &mut self,
        col: Column,
        key: Vec<u8>,
        value: Option<Vec<u8>>,
        previous: impl FnOnce(&S, &[u8]) -> Result<Option<Vec<u8>>, StoreError>,
        tracked: bool,
    ) -> Result<(), StoreError> {
        let i = self.batch.len();
        let map = self
            .written
            .get_mut(col.index())
            .ok_or_else(|| StoreError::Backend(format!("column {col} out of range")))?;
        match map.get_mut(key.as_slice()) {
            Some(latest) => *latest = i,
            None => {
                if tracked {
                    let before = previous(self.store, &key)?;
                    self.undo.push((i, before));
                }
                map.insert(key.clone(), i);
            }
        }
        match value {
            Some(v) => self.batch.put(col, key, v),
            None => self.batch.delete(col, key),
        };
        Ok(())
    }

    /// Writes `value` under `key`.
    pub fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) -> Result<(), StoreError> {
        self.record(col, key, Some(value), |s, k| s.get(col, k), true)
    }

    /// Deletes `key`.
    pub fn delete(&mut self, col: Column, key: Vec<u8>) -> Result<(), StoreError> {
        self.record(col, key, None, |s, k| s.get(col, k), true)
    }

    /// Writes `value` under a key the caller knows is new (a height or id is part of it),
    /// recording "absent before" without reading the store.
    pub fn put_new(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
        self.put_known(col, key, value, None);
    }

    /// Writes `value` under `key` whose current value the caller knows (`previous`), recording
    /// that for undo without reading the store.
    pub fn put_known(
        &mut self,
        col: Column,
        key: Vec<u8>,
        value: Vec<u8>,
        previous: Option<Vec<u8>>,
    ) {
        // Reads nothing, so it cannot fail (the column index is always in range).
        let _ = self.record(col, key, Some(value), |_, _| Ok(previous), true);
    }

    /// Writes `value` under `key` without recording it for undo (derived data, and data below
    /// finality that no rollback can reach).
    pub fn put_untracked(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
        let _ = self.record(col, key, Some(value), |_, _| Ok(None), false);
    }

    /// Deletes `key` without recording it for undo (pruning below finality).
    pub fn delete_untracked(&mut self, col: Column, key: Vec<u8>) {
        let _ = self.record(col, key, None, |_, _| Ok(None), false);
    }

    /// The batch to write, with the undo record stored under `unit` in [`Column::Undo`].
    pub fn finish(mut self, unit: Vec<u8>) -> WriteBatch {
        let record = self.encode();
        self.batch.put(Column::Undo, unit, record);
        self.batch
    }

    /// The undo record, as [`encode_undo`] encodes it.
    fn encode(&self) -> Vec<u8> {
        let ops = self.batch.ops();
        let size = self.undo.iter().fold(4usize, |n, (i, previous)| {
            let key = ops.get(*i).map_or(0, |op| op.key().len());
            let value = previous.as_ref().map_or(0, |v| v.len().saturating_add(4));
            n.saturating_add(4)
                .saturating_add(key)
                .saturating_add(value)
        });
        let mut w = Writer::with_capacity(size);
        w.raw(
            &u32::try_from(self.undo.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        for (i, previous) in &self.undo {
            let Some(op) = ops.get(*i) else { continue };
            encode_entry(&mut w, op.column(), op.key(), previous.as_deref());
        }
        w.into_bytes()
    }
}

/// One entry of an undo record.
fn encode_entry(w: &mut Writer, column: Column, key: &[u8], previous: Option<&[u8]>) {
    w.u8(column as u8);
    w.bytes16(key);
    match previous {
        None => {
            w.u8(0);
        }
        Some(v) => {
            w.u8(1)
                .raw(&u32::try_from(v.len()).unwrap_or(u32::MAX).to_be_bytes())
                .raw(v);
        }
    }
}

/// Encodes an undo record.
pub fn encode_undo(entries: &[UndoEntry]) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(
        &u32::try_from(entries.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    for e in entries {
        encode_entry(&mut w, e.column, &e.key, e.previous.as_deref());
    }
    w.into_bytes()
}

/// Decodes an undo record.
pub fn decode_undo(b: &[u8]) -> Option<Vec<UndoEntry>> {
    let mut r = Reader::new(b);
    let n = u32::from_be_bytes(r.array().ok()?);
    let mut out = Vec::with_capacity((n as usize).min(b.len()));
    for _ in 0..n {
        let column = *Column::ALL.get(usize::from(r.u8().ok()?))?;
        let key = r.bytes16("key", usize::from(u16::MAX)).ok()?;
        let previous = match r.u8().ok()? {
            0 => None,
            1 => {
                let len = u32::from_be_bytes(r.array().ok()?) as usize;
                Some(r.take(len).ok()?.to_vec())
            }
            _ => return None,
        };
        out.push(UndoEntry {
            column,
            key,
            previous,
        });
    }
    r.finish().ok()?;
    Some(out)
}

/// The batch that reverts an undo record (and deletes the record).
pub fn revert_batch(unit: &[u8], entries: &[UndoEntry]) -> WriteBatch {
    let mut b = WriteBatch::new();
    for e in entries.iter().rev() {
        match &e.previous {
            Some(v) => {
                b.put(e.column, e.key.clone(), v.clone());
            }
            None => {
                b.delete(e.column, e.key.clone());
            }
        }
    }
    b.delete(Column::Undo, unit.to_vec());
    b
}
