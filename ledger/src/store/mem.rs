//! [`MemStore`]: the in-memory [`Store`] for tests and the deterministic simulation.
//!
//! One `RwLock<BTreeMap>` per column. A batch takes the write locks of every column it touches,
//! always in [`Column`] order (so two writers cannot deadlock), applies all its ops, then
//! releases them: a reader, which holds one column's lock at a time, sees either none or all of
//! the batch. A poisoned lock is reported as [`StoreError::Poisoned`], never a panic, and is
//! detected before any op applies. Cloning a `MemStore` clones the handle, not the data, so a
//! test can "restart a node" on the same contents.

use super::{BatchOp, Column, KeyValue, Store, StoreError, WriteBatch};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockWriteGuard};

type Map = BTreeMap<Vec<u8>, Vec<u8>>;
const COLUMNS: usize = Column::ALL.len();

struct Inner {
    columns: [RwLock<Map>; COLUMNS],
    /// Sum of key and value lengths over all columns, kept up to date by `write`.
    size_bytes: AtomicU64,
}

/// An in-memory [`Store`]; a cheap, cloneable handle to shared contents.
#[derive(Clone)]
pub struct MemStore {
    inner: Arc<Inner>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> MemStore {
        MemStore {
            inner: Arc::new(Inner {
                columns: std::array::from_fn(|_| RwLock::new(Map::new())),
                size_bytes: AtomicU64::new(0),
            }),
        }
    }

    fn column(&self, col: Column) -> Result<&RwLock<Map>, StoreError> {
        // `Column::index` is always in range; the error arm only keeps this panic-free.
        self.inner
            .columns
            .get(col.index())
            .ok_or_else(|| StoreError::Backend(format!("no such column {col}")))
    }
}

/// A `MemStore` reader sees each batch whole (its write takes every column's lock in order),
/// but two reads may straddle a batch: the in-memory store is for tests and the simulation,
/// whose readers do not need more. Its "snapshot" is the shared store itself.
impl super::Snapshots for MemStore {
    type Snapshot<'a> = MemStore;

    fn snapshot(&self) -> MemStore {
        self.clone()
    }
}

impl Default for MemStore {
    fn default() -> MemStore {
        MemStore::new()
    }
}

impl fmt::Debug for MemStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemStore")
            .field("size_bytes", &self.approximate_size_bytes())
            .finish()
    }
}

fn entry_len(key: &[u8], value: &[u8]) -> u64 {
    (key.len() as u64).saturating_add(value.len() as u64)
}

impl Store for MemStore {
    fn get(&self, col: Column, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let map = self.column(col)?.read().map_err(|_| StoreError::Poisoned)?;
        Ok(map.get(key).cloned())
    }

    fn write(&self, batch: WriteBatch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let ops = batch.into_ops();
        let mut touched = [false; COLUMNS];
        for op in &ops {
            if let Some(t) = touched.get_mut(op.column().index()) {
                *t = true;
            }
        }
        // Lock every touched column, in column order, before changing anything.
        let mut guards: [Option<RwLockWriteGuard<'_, Map>>; COLUMNS] =
            std::array::from_fn(|_| None);
        for ((lock, touched), guard) in self.inner.columns.iter().zip(touched).zip(&mut guards) {
            if touched {
                *guard = Some(lock.write().map_err(|_| StoreError::Poisoned)?);
            }
        }
        let (mut added, mut removed) = (0u64, 0u64);
        for op in ops {
            let map = guards
                .get_mut(op.column().index())
                .and_then(Option::as_mut)
                .ok_or_else(|| StoreError::Backend("column not locked".into()))?;
            match op {
                BatchOp::Put { key, value, .. } => {
                    let new_len = entry_len(&key, &value);
                    let key_len = key.len() as u64;
                    added = added.saturating_add(new_len);
                    if let Some(old) = map.insert(key, value) {
                        let old_len = (old.len() as u64).saturating_add(key_len);
                        removed = removed.saturating_add(old_len);
                    }
                }
                BatchOp::Delete { key, .. } => {
                    if let Some(old) = map.remove(&key) {
                        removed = removed.saturating_add(entry_len(&key, &old));
                    }
                }
            }
        }
        // Still under the locks: the counter never counts an entry that is not there.
        let size = &self.inner.size_bytes;
        size.fetch_add(added, Ordering::Relaxed);
        size.fetch_sub(removed, Ordering::Relaxed);
        drop(guards);
        Ok(())
    }

    fn scan_range(
        &self,
        col: Column,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: Option<usize>,
    ) -> Result<Vec<KeyValue>, StoreError> {
        let limit = limit.unwrap_or(usize::MAX);
        // `BTreeMap::range` panics on an inverted range; it is simply empty here.
        if limit == 0 || to.is_some_and(|to| to <= from) {
            return Ok(Vec::new());
        }
        let upper = to.map_or(Bound::Unbounded, Bound::Excluded);
        let map = self.column(col)?.read().map_err(|_| StoreError::Poisoned)?;
        let range = map.range::<[u8], _>((Bound::Included(from), upper));
        let clone = |(k, v): (&Vec<u8>, &Vec<u8>)| (k.clone(), v.clone());
        Ok(if reverse {
            range.rev().take(limit).map(clone).collect()
        } else {
            range.take(limit).map(clone).collect()
        })
    }

    fn approximate_size_bytes(&self) -> u64 {
        self.inner.size_bytes.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::suite;

    #[test]
    fn mem_store_suite() {
        suite(&MemStore::new());
    }

    #[test]
    fn clone_is_the_same_store() {
        let s = MemStore::new();
        let mut b = WriteBatch::new();
        b.put(Column::Meta, *b"tip", *b"7");
        s.write(b).unwrap();
        let reopened = s.clone();
        drop(s);
        assert_eq!(
            reopened.get(Column::Meta, b"tip").unwrap(),
            Some(b"7".to_vec())
        );
        let shared: Arc<dyn Store> = Arc::new(reopened);
        assert_eq!(
            shared
                .last_in_prefix(Column::Meta, b"t")
                .unwrap()
                .unwrap()
                .0,
            b"tip"
        );
    }

    #[test]
    fn size_tracks_contents() {
        let s = MemStore::new();
        assert_eq!(s.approximate_size_bytes(), 0);
        let mut b = WriteBatch::new();
        b.put(Column::Txs, *b"abc", *b"12345")
            .put(Column::Accounts, *b"k", *b"v");
        s.write(b).unwrap();
        assert_eq!(s.approximate_size_bytes(), 10);
        let mut b = WriteBatch::new();
        b.put(Column::Txs, *b"abc", *b"1")
            .delete(Column::Accounts, *b"k");
        b.delete(Column::Accounts, *b"absent");
        s.write(b).unwrap();
        assert_eq!(s.approximate_size_bytes(), 4);
    }

    #[test]
    fn poisoned_lock_is_an_error_and_nothing_applies() {
        let s = MemStore::new();
        let poisoner = s.clone();
        let result = std::thread::spawn(move || {
            let _guard = poisoner.inner.columns[Column::Undo.index()]
                .write()
                .unwrap();
            panic!("poison the undo column");
        })
        .join();
        assert!(result.is_err());
        assert_eq!(s.get(Column::Undo, b"k"), Err(StoreError::Poisoned));
        assert_eq!(
            s.scan_prefix(Column::Undo, b"", None),
            Err(StoreError::Poisoned)
        );
        // The batch touches a healthy column first; it must not be applied either.
        let mut b = WriteBatch::new();
        b.put(Column::Accounts, *b"k", *b"v")
            .put(Column::Undo, *b"k", *b"v");
        assert_eq!(s.write(b), Err(StoreError::Poisoned));
        assert_eq!(s.get(Column::Accounts, b"k").unwrap(), None);
        assert_eq!(s.approximate_size_bytes(), 0);
    }
}
