//! A write batch that records, for every key it writes, the value the key had before, so
//! that the batch can be reverted exactly ("undo record", docs/architecture.md). The undo
//! record is stored in the same atomic batch, under the unit (height, seq) it reverts.

use crate::store::{Column, Store, StoreError, WriteBatch};
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
pub struct UndoBatch<'s, S: Store> {
    store: &'s S,
    batch: WriteBatch,
    undo: Vec<UndoEntry>,
    written: HashMap<(Column, Vec<u8>), Option<Vec<u8>>>,
}

impl<'s, S: Store> UndoBatch<'s, S> {
    /// An empty batch over `store`.
    pub fn new(store: &'s S) -> Self {
        UndoBatch {
            store,
            batch: WriteBatch::new(),
            undo: Vec::new(),
            written: HashMap::new(),
        }
    }

    /// The store under the batch.
    pub fn store(&self) -> &'s S {
        self.store
    }

    /// The current value of a key: this batch's write if any, else the store's.
    pub fn get(&self, col: Column, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.written.get(&(col, key.to_vec())) {
            Some(v) => Ok(v.clone()),
            None => self.store.get(col, key),
        }
    }

    fn remember(&mut self, col: Column, key: &[u8]) -> Result<(), StoreError> {
        if !self.written.contains_key(&(col, key.to_vec())) {
            let previous = self.store.get(col, key)?;
            self.undo.push(UndoEntry {
                column: col,
                key: key.to_vec(),
                previous,
            });
        }
        Ok(())
    }

    /// Writes `value` under `key`.
    pub fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) -> Result<(), StoreError> {
        self.remember(col, &key)?;
        self.written.insert((col, key.clone()), Some(value.clone()));
        self.batch.put(col, key, value);
        Ok(())
    }

    /// Deletes `key`.
    pub fn delete(&mut self, col: Column, key: Vec<u8>) -> Result<(), StoreError> {
        self.remember(col, &key)?;
        self.written.insert((col, key.clone()), None);
        self.batch.delete(col, key);
        Ok(())
    }

    /// Writes `value` under a key the caller knows is new (a height or id is part of it),
    /// recording "absent before" without reading the store.
    pub fn put_new(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
        if !self.written.contains_key(&(col, key.clone())) {
            self.undo.push(UndoEntry {
                column: col,
                key: key.clone(),
                previous: None,
            });
        }
        self.written.insert((col, key.clone()), Some(value.clone()));
        self.batch.put(col, key, value);
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
        if !self.written.contains_key(&(col, key.clone())) {
            self.undo.push(UndoEntry {
                column: col,
                key: key.clone(),
                previous,
            });
        }
        self.written.insert((col, key.clone()), Some(value.clone()));
        self.batch.put(col, key, value);
    }

    /// Writes `value` under `key` without recording it for undo (derived data, and data below
    /// finality that no rollback can reach).
    pub fn put_untracked(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
        self.written.insert((col, key.clone()), Some(value.clone()));
        self.batch.put(col, key, value);
    }

    /// Deletes `key` without recording it for undo (pruning below finality).
    pub fn delete_untracked(&mut self, col: Column, key: Vec<u8>) {
        self.written.insert((col, key.clone()), None);
        self.batch.delete(col, key);
    }

    /// The batch to write, with the undo record stored under `unit` in [`Column::Undo`].
    pub fn finish(mut self, unit: Vec<u8>) -> WriteBatch {
        let record = encode_undo(&self.undo);
        self.batch.put(Column::Undo, unit, record);
        self.batch
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
        w.u8(e.column as u8);
        w.bytes16(&e.key);
        match &e.previous {
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
