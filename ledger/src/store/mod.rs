//! The low-level key-value storage of the ledger: named columns of byte keys and values, one
//! atomic [`WriteBatch`] per state change, ordered scans.
//!
//! The chain state (blocks, balances, undo records) is built on top of the [`Store`] trait; it
//! never talks to RocksDB directly. Two backends implement it: [`RocksStore`] in production
//! (cargo feature `rocksdb`) and [`MemStore`] in tests and the deterministic simulation. Both
//! pass the same test suite and a property test checks they answer every read identically.
//!
//! Invariants every backend keeps (docs/architecture.md):
//! - **Atomicity**: [`Store::write`] applies a whole batch or nothing; no reader, and no crash,
//!   ever observes half of a batch. Ops inside one batch apply in order (a later op on the same
//!   key wins).
//! - **Ordering**: keys within a column sort bytewise (shorter key first on a common prefix),
//!   so numbers must be encoded big-endian ([`key_u32`], [`key_u64`], [`concat`](fn@concat)) for scans to
//!   return them in numeric order.
//! - **Schema**: the layout of the columns is versioned by [`SCHEMA_VERSION`], stored in
//!   [`Column::Meta`] under [`SCHEMA_VERSION_KEY`] as a big-endian `u32`. Opening a database
//!   written with another version fails with [`StoreError::SchemaMismatch`]. Adding a column, or
//!   changing the encoding of any key or value, bumps the version.

mod mem;
#[cfg(feature = "rocksdb")]
mod rocks;

pub use mem::MemStore;
#[cfg(feature = "rocksdb")]
pub use rocks::{RocksConfig, RocksSnapshot, RocksStore};

use std::fmt;
use std::sync::Arc;

/// The version of the on-disk layout (columns and key/value encodings) this code reads and
/// writes. Bump it when adding a [`Column`] or changing any encoding.
pub const SCHEMA_VERSION: u32 = 2;

/// The key in [`Column::Meta`] under which the schema version is stored (`u32`, big-endian).
pub const SCHEMA_VERSION_KEY: &[u8] = b"schema_version";

/// A key and its value, as returned by scans.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// A column family: an independent, ordered key space.
///
/// The discriminants are dense indexes into [`Column::ALL`]; new columns are appended at the
/// end (and bump [`SCHEMA_VERSION`]). [`Column::name`] is the RocksDB column family name and must
/// never change for an existing column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    /// Schema version, chain tip, parameters hash.
    Meta = 0,
    /// Height -> key block header.
    Headers = 1,
    /// Block id -> height.
    BlockIndex = 2,
    /// Height -> micro blocks (pruned).
    Micro = 3,
    /// Transaction id -> height, position, bytes.
    Txs = 4,
    /// Secondary transaction indexes (for example address -> transaction ids).
    TxIndex = 5,
    /// Anchor hash -> height, transaction id, position.
    Anchors = 6,
    /// Address -> balances, lease in/out, unbonding.
    Accounts = 7,
    /// Address, height -> effective balance (for the generating-balance minimum).
    BalanceHistory = 8,
    /// Lease id -> lease.
    Leases = 9,
    /// Associations between addresses.
    Associations = 10,
    /// Address -> account script.
    Scripts = 11,
    /// Eligible generators and their contributed-transaction counts.
    Generators = 12,
    /// Summary blocks, and per height the addresses whose balance changed (the summary builder's index).
    Summaries = 13,
    /// Height -> reverse diff, for rollback.
    Undo = 14,
    /// Per-account records of the newer transaction types: data entries, sponsors,
    /// certificates, registered keys.
    AccountData = 15,
    /// The history tree over key-block ids: (level, index) -> the hash of a complete subtree
    /// ([`crate::merkle::history`]). Kept by pruned nodes: receipts need it.
    HistoryTree = 16,
}

impl Column {
    /// Every column, in discriminant order (`Column::ALL[c as usize] == c`).
    pub const ALL: [Column; 17] = [
        Column::Meta,
        Column::Headers,
        Column::BlockIndex,
        Column::Micro,
        Column::Txs,
        Column::TxIndex,
        Column::Anchors,
        Column::Accounts,
        Column::BalanceHistory,
        Column::Leases,
        Column::Associations,
        Column::Scripts,
        Column::Generators,
        Column::Summaries,
        Column::Undo,
        Column::AccountData,
        Column::HistoryTree,
    ];

    /// The stable name of the column, used as the RocksDB column family name.
    pub const fn name(self) -> &'static str {
        match self {
            Column::Meta => "meta",
            Column::Headers => "headers",
            Column::BlockIndex => "block_index",
            Column::Micro => "micro",
            Column::Txs => "txs",
            Column::TxIndex => "tx_index",
            Column::Anchors => "anchors",
            Column::Accounts => "accounts",
            Column::BalanceHistory => "balance_history",
            Column::Leases => "leases",
            Column::Associations => "associations",
            Column::Scripts => "scripts",
            Column::Generators => "generators",
            Column::Summaries => "summaries",
            Column::Undo => "undo",
            Column::AccountData => "account_data",
            Column::HistoryTree => "history_tree",
        }
    }

    /// The column with this RocksDB name, if any.
    pub fn from_name(name: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The dense index of the column in [`Column::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether the column is read mostly by exact key (so a Bloom filter pays off) rather than
    /// by prefix or range scans. A tuning hint only: it never changes results.
    pub const fn is_point_lookup(self) -> bool {
        !matches!(
            self,
            Column::BalanceHistory
                | Column::AccountData
                | Column::Associations
                | Column::Generators
                | Column::Micro
                | Column::Summaries
        )
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What went wrong in the storage layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The backend (RocksDB, the file system) reported an error.
    #[error("storage backend error: {0}")]
    Backend(String),
    /// The database was written with another schema version.
    #[error("schema version mismatch: database has {found}, this node expects {expected}")]
    SchemaMismatch {
        /// The version found in the database.
        found: u32,
        /// [`SCHEMA_VERSION`].
        expected: u32,
    },
    /// Stored bytes do not decode as they should.
    #[error("corrupt data in column {column}: {reason}")]
    Corrupt {
        /// The column holding the bad data.
        column: Column,
        /// What is wrong with it.
        reason: String,
    },
    /// A lock was poisoned by a panic in another thread; the in-memory state may be partial.
    #[error("storage lock poisoned")]
    Poisoned,
}

/// One operation of a [`WriteBatch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchOp {
    /// Set `key` to `value` in `col`.
    Put {
        /// The column the key is in.
        col: Column,
        /// The key within that column.
        key: Vec<u8>,
        /// The new value.
        value: Vec<u8>,
    },
    /// Remove `key` from `col` (no effect if absent).
    Delete {
        /// The column the key is in.
        col: Column,
        /// The key within that column.
        key: Vec<u8>,
    },
}

impl BatchOp {
    /// The column the operation writes.
    pub fn column(&self) -> Column {
        match self {
            BatchOp::Put { col, .. } | BatchOp::Delete { col, .. } => *col,
        }
    }

    /// The key the operation writes.
    pub fn key(&self) -> &[u8] {
        match self {
            BatchOp::Put { key, .. } | BatchOp::Delete { key, .. } => key,
        }
    }
}

/// An ordered list of puts and deletes, applied atomically by [`Store::write`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteBatch {
    ops: Vec<BatchOp>,
    size_bytes: usize,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> WriteBatch {
        WriteBatch::default()
    }

    /// An empty batch with room for `ops` operations.
    pub fn with_capacity(ops: usize) -> WriteBatch {
        WriteBatch {
            ops: Vec::with_capacity(ops),
            size_bytes: 0,
        }
    }

    /// Appends "set `key` to `value` in `col`".
    pub fn put(
        &mut self,
        col: Column,
        key: impl Into<Vec<u8>>,
        value: impl Into<Vec<u8>>,
    ) -> &mut Self {
        let (key, value) = (key.into(), value.into());
        self.size_bytes = self
            .size_bytes
            .saturating_add(key.len())
            .saturating_add(value.len());
        self.ops.push(BatchOp::Put { col, key, value });
        self
    }

    /// Appends "remove `key` from `col`".
    pub fn delete(&mut self, col: Column, key: impl Into<Vec<u8>>) -> &mut Self {
        let key = key.into();
        self.size_bytes = self.size_bytes.saturating_add(key.len());
        self.ops.push(BatchOp::Delete { col, key });
        self
    }

    /// The number of operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the batch has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The total length of the keys and values in the batch (the payload, without overhead).
    pub fn size_bytes(&self) -> usize {
        self.size_bytes
    }

    /// The operations, in the order they apply.
    pub fn ops(&self) -> &[BatchOp] {
        &self.ops
    }

    /// Takes the operations out of the batch.
    pub fn into_ops(self) -> Vec<BatchOp> {
        self.ops
    }
}

/// An ordered key-value store with columns and atomic batches.
///
/// Methods take `&self` (backends use interior mutability) so one store can be shared across
/// threads behind an `Arc`. All scans return pairs in ascending key order, or descending when
/// `reverse` is set. The trait is object safe (`Arc<dyn Store>` works).
pub trait Store: Send + Sync {
    /// The value of `key` in `col`, if present.
    fn get(&self, col: Column, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Applies `batch` atomically: afterwards every op is visible, or (on error) none is.
    fn write(&self, batch: WriteBatch) -> Result<(), StoreError>;

    /// The pairs of `col` with `from <= key < to` (no upper bound when `to` is `None`),
    /// ascending, or descending from the top of the range when `reverse` is set, at most
    /// `limit` of them. An empty range (`to <= from`) gives no pairs.
    fn scan_range(
        &self,
        col: Column,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: Option<usize>,
    ) -> Result<Vec<KeyValue>, StoreError>;

    /// An estimate of the bytes the store occupies (RocksDB: live SST files plus memtables;
    /// MemStore: the sum of key and value lengths).
    fn approximate_size_bytes(&self) -> u64;

    /// The pairs of `col` whose key starts with `prefix`, in key order, at most `limit`.
    fn scan_prefix(
        &self,
        col: Column,
        prefix: &[u8],
        limit: Option<usize>,
    ) -> Result<Vec<KeyValue>, StoreError> {
        let end = prefix_successor(prefix);
        self.scan_range(col, prefix, end.as_deref(), false, limit)
    }

    /// The pair with the highest key starting with `prefix`, found with one reverse seek.
    fn last_in_prefix(&self, col: Column, prefix: &[u8]) -> Result<Option<KeyValue>, StoreError> {
        let end = prefix_successor(prefix);
        Ok(self
            .scan_range(col, prefix, end.as_deref(), true, Some(1))?
            .pop())
    }

    /// The pair with the highest key in `[from, to)`, found with one reverse seek. For "the
    /// balance of `addr` at height `<= h`" use `from = addr`, `to = concat(addr, key_u32(h + 1))`
    /// (or the [`prefix_successor`] of `addr` when `h` is `u32::MAX`).
    fn last_in_range(
        &self,
        col: Column,
        from: &[u8],
        to: Option<&[u8]>,
    ) -> Result<Option<KeyValue>, StoreError> {
        Ok(self.scan_range(col, from, to, true, Some(1))?.pop())
    }
}

/// A store that can give a consistent, read-only view of itself as of now: a reader that
/// reads several keys through one snapshot sees them from the same moment, whatever the
/// writer does meanwhile.
pub trait Snapshots: Store {
    /// The read-only view; writing to it fails.
    type Snapshot<'a>: Store
    where
        Self: 'a;

    /// A view of the store as of now.
    fn snapshot(&self) -> Self::Snapshot<'_>;
}

impl<S: Snapshots + ?Sized> Snapshots for Arc<S> {
    type Snapshot<'a>
        = S::Snapshot<'a>
    where
        Self: 'a;

    fn snapshot(&self) -> Self::Snapshot<'_> {
        (**self).snapshot()
    }
}

impl<S: Store + ?Sized> Store for Arc<S> {
    fn get(&self, col: Column, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(col, key)
    }
    fn write(&self, batch: WriteBatch) -> Result<(), StoreError> {
        (**self).write(batch)
    }
    fn scan_range(
        &self,
        col: Column,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: Option<usize>,
    ) -> Result<Vec<KeyValue>, StoreError> {
        (**self).scan_range(col, from, to, reverse, limit)
    }
    fn approximate_size_bytes(&self) -> u64 {
        (**self).approximate_size_bytes()
    }
    fn scan_prefix(
        &self,
        col: Column,
        prefix: &[u8],
        limit: Option<usize>,
    ) -> Result<Vec<KeyValue>, StoreError> {
        (**self).scan_prefix(col, prefix, limit)
    }
    fn last_in_prefix(&self, col: Column, prefix: &[u8]) -> Result<Option<KeyValue>, StoreError> {
        (**self).last_in_prefix(col, prefix)
    }
    fn last_in_range(
        &self,
        col: Column,
        from: &[u8],
        to: Option<&[u8]>,
    ) -> Result<Option<KeyValue>, StoreError> {
        (**self).last_in_range(col, from, to)
    }
}

/// `h` as a big-endian key, so heights sort numerically.
pub const fn key_u32(h: u32) -> [u8; 4] {
    h.to_be_bytes()
}

/// `n` as a big-endian key, so it sorts numerically.
pub const fn key_u64(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// The `u32` encoded by [`key_u32`]; `None` unless `bytes` is exactly 4 bytes long.
pub fn parse_u32(bytes: &[u8]) -> Option<u32> {
    bytes.try_into().ok().map(u32::from_be_bytes)
}

/// The `u64` encoded by [`key_u64`]; `None` unless `bytes` is exactly 8 bytes long.
pub fn parse_u64(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

/// A composite key: the parts one after another. Only the last part may vary in length, or
/// keys of different shapes would interleave in scans.
pub fn concat(parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|p| p.len()).sum();
    let mut key = Vec::with_capacity(len);
    for part in parts {
        key.extend_from_slice(part);
    }
    key
}

/// The smallest key greater than every key starting with `prefix`, or `None` if there is none
/// (`prefix` is empty or all `0xFF`): the exclusive upper bound of a prefix scan.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|&b| b != 0xFF)?;
    let mut end = prefix.get(..=last)?.to_vec();
    if let Some(byte) = end.last_mut() {
        *byte += 1;
    }
    Some(end)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn column_names_are_stable_and_unique() {
        for (i, c) in Column::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(Column::from_name(c.name()), Some(c));
        }
        let mut names: Vec<_> = Column::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Column::ALL.len());
        assert_eq!(Column::BalanceHistory.name(), "balance_history");
        assert_eq!(Column::from_name("default"), None);
    }

    #[test]
    fn key_helpers() {
        assert_eq!(key_u32(0x0102_0304), [1, 2, 3, 4]);
        assert_eq!(key_u64(1), [0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(parse_u32(&[0, 0, 1, 0]), Some(256));
        assert_eq!(parse_u32(&[0, 0, 1]), None);
        assert_eq!(parse_u64(&key_u64(u64::MAX)), Some(u64::MAX));
        assert_eq!(concat(&[b"ab", &[], &key_u32(7)]), b"ab\0\0\0\x07");
        // Big-endian keys sort numerically, little-endian ones would not.
        assert!(key_u32(255) < key_u32(256));
        assert_eq!(prefix_successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_successor(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(
            prefix_successor(&[1, 0xFE, 0xFF, 0xFF]),
            Some(vec![1, 0xFF])
        );
        assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
        assert_eq!(prefix_successor(&[]), None);
    }

    #[test]
    fn batch_accounting() {
        let mut b = WriteBatch::new();
        assert!(b.is_empty());
        b.put(Column::Txs, *b"key", b"value".to_vec())
            .delete(Column::Txs, &b"k2"[..]);
        assert_eq!(b.len(), 2);
        assert_eq!(b.size_bytes(), 3 + 5 + 2);
        assert_eq!(b.ops()[1].column(), Column::Txs);
        assert_eq!(
            b.clone().into_ops()[1],
            BatchOp::Delete {
                col: Column::Txs,
                key: b"k2".to_vec()
            }
        );
    }

    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

    fn pairs(keys: &[&[u8]]) -> Pairs {
        keys.iter().map(|k| (k.to_vec(), k.to_vec())).collect()
    }

    fn put_all<S: Store>(s: &S, col: Column, keys: &[&[u8]]) {
        let mut b = WriteBatch::new();
        for k in keys {
            b.put(col, *k, *k);
        }
        s.write(b).unwrap();
    }

    /// The behaviour every backend must show, run against an empty store.
    pub(crate) fn suite<S: Store>(s: &S) {
        basic_ops(s);
        batch_semantics(s);
        scans(s);
        last_in_prefix_boundaries(s);
        balance_at_height(s);
        batches_are_atomic_for_readers(s);
        assert!(s.approximate_size_bytes() > 0);
    }

    fn basic_ops<S: Store>(s: &S) {
        assert_eq!(s.get(Column::Accounts, b"a").unwrap(), None);
        s.write(WriteBatch::new()).unwrap();
        let mut b = WriteBatch::new();
        b.put(Column::Accounts, *b"a", *b"1");
        b.put(Column::Leases, *b"a", *b"other column");
        b.put(Column::Accounts, *b"", *b"empty key");
        b.put(Column::Accounts, *b"e", *b"");
        s.write(b).unwrap();
        assert_eq!(s.get(Column::Accounts, b"a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(
            s.get(Column::Leases, b"a").unwrap(),
            Some(b"other column".to_vec())
        );
        assert_eq!(
            s.get(Column::Accounts, b"").unwrap(),
            Some(b"empty key".to_vec())
        );
        assert_eq!(s.get(Column::Accounts, b"e").unwrap(), Some(vec![]));
        assert_eq!(s.get(Column::Scripts, b"a").unwrap(), None);

        let mut b = WriteBatch::new();
        b.put(Column::Accounts, *b"a", *b"2");
        s.write(b).unwrap();
        assert_eq!(s.get(Column::Accounts, b"a").unwrap(), Some(b"2".to_vec()));

        let mut b = WriteBatch::new();
        b.delete(Column::Accounts, *b"a")
            .delete(Column::Accounts, *b"never there")
            .delete(Column::Accounts, *b"")
            .delete(Column::Accounts, *b"e");
        s.write(b).unwrap();
        assert_eq!(s.get(Column::Accounts, b"a").unwrap(), None);
        assert_eq!(s.scan_prefix(Column::Accounts, b"", None).unwrap(), vec![]);
        assert_eq!(
            s.get(Column::Leases, b"a").unwrap(),
            Some(b"other column".to_vec())
        );
    }

    fn batch_semantics<S: Store>(s: &S) {
        // Later ops on the same key win, in both directions.
        let mut b = WriteBatch::new();
        b.put(Column::Scripts, *b"x", *b"1")
            .delete(Column::Scripts, *b"x")
            .put(Column::Scripts, *b"y", *b"1")
            .delete(Column::Scripts, *b"y")
            .put(Column::Scripts, *b"y", *b"2")
            .put(Column::Scripts, *b"z", *b"1")
            .put(Column::Scripts, *b"z", *b"3");
        s.write(b).unwrap();
        assert_eq!(s.get(Column::Scripts, b"x").unwrap(), None);
        assert_eq!(s.get(Column::Scripts, b"y").unwrap(), Some(b"2".to_vec()));
        assert_eq!(s.get(Column::Scripts, b"z").unwrap(), Some(b"3".to_vec()));

        // A big batch spanning many columns is visible entirely after write returns.
        let mut b = WriteBatch::new();
        for i in 0..3_000u32 {
            let col = Column::ALL[1 + (i as usize % (Column::ALL.len() - 1))];
            b.put(col, concat(&[b"big", &key_u32(i)]), key_u32(i));
        }
        assert_eq!(b.len(), 3_000);
        s.write(b).unwrap();
        let mut total = 0;
        for col in Column::ALL {
            total += s.scan_prefix(col, b"big", None).unwrap().len();
        }
        assert_eq!(total, 3_000);
        let mut b = WriteBatch::new();
        for i in 0..3_000u32 {
            let col = Column::ALL[1 + (i as usize % (Column::ALL.len() - 1))];
            b.delete(col, concat(&[b"big", &key_u32(i)]));
        }
        s.write(b).unwrap();
        for col in Column::ALL {
            assert!(s.scan_prefix(col, b"big", None).unwrap().is_empty());
        }
    }

    fn scans<S: Store>(s: &S) {
        let col = Column::Headers;
        let heights = [0u32, 1, 2, 255, 256, 1000, 70_000, u32::MAX];
        let mut b = WriteBatch::new();
        for h in heights {
            b.put(col, key_u32(h), key_u32(h));
        }
        b.put(Column::Undo, key_u32(5), *b"not headers");
        s.write(b).unwrap();
        let all: Pairs = heights
            .iter()
            .map(|h| (key_u32(*h).to_vec(), key_u32(*h).to_vec()))
            .collect();

        // Prefix scans: numeric order, limits, empty prefix = whole column.
        assert_eq!(s.scan_prefix(col, b"", None).unwrap(), all);
        assert_eq!(s.scan_prefix(col, b"", Some(3)).unwrap(), all[..3]);
        assert_eq!(s.scan_prefix(col, b"", Some(0)).unwrap(), vec![]);
        assert_eq!(s.scan_prefix(col, &[0, 0], None).unwrap(), all[..6]);
        assert_eq!(s.scan_prefix(col, &[0, 0, 1], None).unwrap(), all[4..5]);
        assert_eq!(s.scan_prefix(col, &[9], None).unwrap(), vec![]);

        // Ranges are half-open.
        let r = |from: u32, to: Option<u32>, rev, lim| {
            let to = to.map(key_u32);
            s.scan_range(col, &key_u32(from), to.as_ref().map(|t| &t[..]), rev, lim)
                .unwrap()
        };
        assert_eq!(r(1, Some(256), false, None), all[1..4]);
        assert_eq!(r(1, Some(257), false, None), all[1..5]);
        assert_eq!(r(3, Some(1000), false, None), all[3..5]);
        assert_eq!(r(256, None, false, None), all[4..]);
        assert_eq!(r(256, None, false, Some(2)), all[4..6]);
        assert_eq!(r(5, Some(5), false, None), vec![]);
        assert_eq!(r(6, Some(5), false, None), vec![]);
        assert_eq!(r(6, Some(5), true, None), vec![]);

        // Reverse scans start from the top of the range.
        let rev = |v: &[(Vec<u8>, Vec<u8>)]| v.iter().rev().cloned().collect::<Pairs>();
        assert_eq!(r(0, None, true, None), rev(&all));
        assert_eq!(r(1, Some(256), true, None), rev(&all[1..4]));
        assert_eq!(r(1, Some(256), true, Some(2)), rev(&all[2..4]));
        assert_eq!(r(2, Some(1001), true, Some(1)), all[5..6]);
        assert_eq!(r(0, None, true, Some(1)), all[7..8]);
        assert_eq!(
            s.scan_range(col, &[], Some(&[0, 0, 0, 0, 0]), true, None)
                .unwrap(),
            all[..1]
        );
        // Bounds that are not keys themselves, and a range with nothing in it.
        assert_eq!(
            s.scan_range(col, &[0, 0, 0, 1, 0], Some(&[0, 0, 1, 0, 0]), false, None)
                .unwrap(),
            all[2..5]
        );
        assert_eq!(
            s.scan_range(col, &[0, 0, 4], Some(&[0, 0, 5]), true, None)
                .unwrap(),
            vec![]
        );
        assert_eq!(s.scan_prefix(Column::Undo, b"", None).unwrap().len(), 1);

        let mut b = WriteBatch::new();
        for h in heights {
            b.delete(col, key_u32(h));
        }
        b.delete(Column::Undo, key_u32(5));
        s.write(b).unwrap();
    }

    fn last_in_prefix_boundaries<S: Store>(s: &S) {
        let col = Column::Anchors;
        assert_eq!(s.last_in_prefix(col, b"").unwrap(), None);
        let keys: [&[u8]; 10] = [
            &[0x01, 0xFE, 0xFF],
            &[0x01, 0xFE, 0xFF, 0xFF],
            &[0x01, 0xFF],
            &[0x01, 0xFF, 0x00],
            &[0x01, 0xFF, 0xFF],
            &[0x01, 0xFF, 0xFF, 0x07],
            &[0x02],
            &[0x02, 0x00],
            &[0xFF],
            &[0xFF, 0xFF, 0xFF],
        ];
        put_all(s, col, &keys);
        let last = |p: &[u8]| s.last_in_prefix(col, p).unwrap().map(|(k, _)| k);
        assert_eq!(last(&[0x01, 0xFF]), Some(vec![0x01, 0xFF, 0xFF, 0x07]));
        assert_eq!(
            last(&[0x01, 0xFF, 0xFF]),
            Some(vec![0x01, 0xFF, 0xFF, 0x07])
        );
        assert_eq!(last(&[0x01, 0xFF, 0x00]), Some(vec![0x01, 0xFF, 0x00]));
        assert_eq!(last(&[0x01, 0xFE]), Some(vec![0x01, 0xFE, 0xFF, 0xFF]));
        assert_eq!(last(&[0x01]), Some(vec![0x01, 0xFF, 0xFF, 0x07]));
        assert_eq!(last(&[0x02]), Some(vec![0x02, 0x00]));
        assert_eq!(last(&[0x01, 0xFD]), None);
        assert_eq!(last(&[0x00]), None);
        assert_eq!(last(&[0x03]), None);
        // No successor exists: the reverse seek starts at the end of the column.
        assert_eq!(last(&[0xFF]), Some(vec![0xFF, 0xFF, 0xFF]));
        assert_eq!(last(&[0xFF, 0xFF]), Some(vec![0xFF, 0xFF, 0xFF]));
        assert_eq!(last(&[0xFF, 0xFF, 0xFF, 0xFF]), None);
        assert_eq!(last(b""), Some(vec![0xFF, 0xFF, 0xFF]));
        // Exactly the keys with the prefix, no neighbours either side.
        assert_eq!(
            s.scan_prefix(col, &[0x01, 0xFF], None).unwrap(),
            pairs(&keys[2..6])
        );
        assert_eq!(
            s.scan_prefix(col, &[0xFF], None).unwrap(),
            pairs(&keys[8..])
        );
        let mut b = WriteBatch::new();
        for k in keys {
            b.delete(col, k);
        }
        s.write(b).unwrap();
        assert_eq!(s.last_in_prefix(col, b"").unwrap(), None);
    }

    fn balance_at_height<S: Store>(s: &S) {
        let col = Column::BalanceHistory;
        let (a, b_addr) = ([0x01; 26], [0x02; 26]);
        let mut b = WriteBatch::new();
        for (h, v) in [(10u32, 100u64), (20, 200), (30, 300)] {
            b.put(col, concat(&[&a, &key_u32(h)]), key_u64(v));
        }
        b.put(col, concat(&[&b_addr, &key_u32(5)]), key_u64(7));
        s.write(b).unwrap();
        let at = |addr: &[u8; 26], h: u32| -> Option<u64> {
            let to = match h.checked_add(1) {
                Some(next) => concat(&[addr, &key_u32(next)]),
                None => prefix_successor(addr).unwrap(),
            };
            s.last_in_range(col, addr, Some(&to))
                .unwrap()
                .map(|(_, v)| parse_u64(&v).unwrap())
        };
        assert_eq!(at(&a, 9), None);
        assert_eq!(at(&a, 10), Some(100));
        assert_eq!(at(&a, 29), Some(200));
        assert_eq!(at(&a, 30), Some(300));
        assert_eq!(at(&a, u32::MAX), Some(300));
        assert_eq!(at(&b_addr, 4), None);
        assert_eq!(at(&b_addr, 6), Some(7));
        let (_, v) = s.last_in_prefix(col, &a).unwrap().unwrap();
        assert_eq!(parse_u64(&v), Some(300));
    }

    /// A reader running alongside a writer never sees part of a batch: every batch adds 100
    /// keys to `Txs` and bumps a counter in `Meta`.
    fn batches_are_atomic_for_readers<S: Store>(s: &S) {
        const PER_BATCH: usize = 100;
        const BATCHES: u32 = 60;
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                let mut observations = 0;
                loop {
                    let counter = s
                        .get(Column::Meta, b"atomic_counter")
                        .unwrap()
                        .map_or(0, |v| parse_u32(&v).unwrap());
                    let keys = s.scan_prefix(Column::Txs, b"atomic", None).unwrap().len();
                    assert_eq!(keys % PER_BATCH, 0, "saw part of a batch");
                    assert!(keys >= counter as usize * PER_BATCH);
                    observations += 1;
                    if counter == BATCHES {
                        return observations;
                    }
                }
            });
            for i in 0..BATCHES {
                let mut b = WriteBatch::with_capacity(PER_BATCH + 1);
                for j in 0..PER_BATCH as u32 {
                    b.put(
                        Column::Txs,
                        concat(&[b"atomic", &key_u32(i), &key_u32(j)]),
                        [0u8; 40],
                    );
                }
                b.put(Column::Meta, *b"atomic_counter", key_u32(i + 1));
                s.write(b).unwrap();
            }
            assert!(reader.join().unwrap() > 0);
        });
        let n = s.scan_prefix(Column::Txs, b"atomic", None).unwrap().len();
        assert_eq!(n, PER_BATCH * BATCHES as usize);
    }
}
