//! [`RocksStore`]: the production [`Store`], one RocksDB instance with a column family per
//! [`Column`] (docs/architecture.md; Debian's librocksdb 7.8 through the `rocksdb` crate
//! 0.20.1, see the README).
//!
//! **Atomicity and crash semantics.** Every [`Store::write`] is one RocksDB `WriteBatch`, which
//! RocksDB logs to its write-ahead log as a single record and applies to the memtables as a
//! unit: readers and recovery see all of it or none of it. The WAL is always on. With
//! [`RocksConfig::sync_writes`] off (the default, as in RocksDB) a batch has reached the OS page
//! cache when `write` returns, so a killed *process* loses nothing that `write` returned; an OS
//! crash or power loss may lose the last few batches, but never half of one, and never a batch
//! without the ones before it. With `sync_writes` on, every batch is fsynced before `write`
//! returns and survives an OS crash too, at the cost of one fsync per batch.
//!
//! **Schema.** A new database gets [`SCHEMA_VERSION`] written into [`Column::Meta`]. An existing
//! one is first opened *read-only* and checked: another version gives
//! [`StoreError::SchemaMismatch`], and a database with data but no version gives
//! [`StoreError::Corrupt`], in both cases without creating column families or writing anything.
//! Column families this code does not know (from a newer or older layout) are opened and left
//! alone, so opening never fails because of them; missing ones are created empty.
//!
//! **Tuning.** One LRU block cache shared by all columns; whole-key Bloom filters on the columns
//! read by exact key ([`Column::is_point_lookup`]); none on the scan-heavy ones, where they
//! would only cost memory.

use super::{
    Column, KeyValue, SCHEMA_VERSION, SCHEMA_VERSION_KEY, Store, StoreError, WriteBatch, parse_u32,
};
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB, Options, ReadOptions,
    WriteOptions, properties,
};
use std::fmt;
use std::path::{Path, PathBuf};

const COLUMNS: usize = Column::ALL.len();

/// Settings of a [`RocksStore`]. The defaults suit a validator on a small VPS.
#[derive(Clone, Debug, PartialEq)]
pub struct RocksConfig {
    /// Fsync the WAL on every batch (survives OS crashes; slower). Default `false`: a process
    /// crash still loses nothing that was written, an OS crash may lose the last batches.
    pub sync_writes: bool,
    /// Capacity of the block cache shared by all columns, in bytes. Default 64 MiB.
    pub block_cache_bytes: usize,
    /// Bits per key of the Bloom filters on point-lookup columns. Default 10 (about 1% false
    /// positives).
    pub bloom_bits_per_key: f64,
    /// Size of one memtable per column before it is flushed, in bytes. Default 16 MiB.
    pub write_buffer_bytes: usize,
    /// Maximum number of open SST files (`-1`: unlimited). Default 512.
    pub max_open_files: i32,
    /// Maximum concurrent background flushes and compactions. Default 2.
    pub background_jobs: i32,
}

impl Default for RocksConfig {
    fn default() -> RocksConfig {
        RocksConfig {
            sync_writes: false,
            block_cache_bytes: 64 << 20,
            bloom_bits_per_key: 10.0,
            write_buffer_bytes: 16 << 20,
            max_open_files: 512,
            background_jobs: 2,
        }
    }
}

/// The RocksDB-backed [`Store`]. Share it across threads behind an `Arc`.
pub struct RocksStore {
    db: DB,
    write_opts: WriteOptions,
    path: PathBuf,
    config: RocksConfig,
}

fn backend(context: &str, e: rocksdb::Error) -> StoreError {
    StoreError::Backend(format!("{context}: {e}"))
}

impl RocksStore {
    /// Opens (or creates) the database at `path`, creating missing column families and
    /// checking the schema version; see the module docs for what is refused.
    pub fn open(path: impl AsRef<Path>, config: RocksConfig) -> Result<RocksStore, StoreError> {
        let path = path.as_ref();
        // An existing database is recognised by its CURRENT file; list_cf fails on a fresh
        // directory, and we want its errors on a real database.
        let existing = if path.join("CURRENT").exists() {
            DB::list_cf(&Options::default(), path)
                .map_err(|e| backend("list column families", e))?
        } else {
            Vec::new()
        };
        if !existing.is_empty() {
            let db = DB::open_cf_for_read_only(&Options::default(), path, &existing, false)
                .map_err(|e| backend("open read-only for the schema check", e))?;
            check_schema(&db)?;
        }

        let mut db_opts = Options::default();
        db_opts.create_if_missing(true);
        db_opts.create_missing_column_families(true);
        db_opts.set_max_open_files(config.max_open_files);
        db_opts.set_max_background_jobs(config.background_jobs);
        let cache = Cache::new_lru_cache(config.block_cache_bytes)
            .map_err(|e| backend("create block cache", e))?;
        let mut descriptors: Vec<ColumnFamilyDescriptor> = Column::ALL
            .into_iter()
            .map(|col| {
                ColumnFamilyDescriptor::new(col.name(), column_options(col, &config, &cache))
            })
            .collect();
        for name in existing {
            if Column::from_name(&name).is_none() {
                descriptors.push(ColumnFamilyDescriptor::new(name, Options::default()));
            }
        }
        let db =
            DB::open_cf_descriptors(&db_opts, path, descriptors).map_err(|e| backend("open", e))?;
        let mut write_opts = WriteOptions::default();
        write_opts.set_sync(config.sync_writes);
        write_opts.disable_wal(false);
        let store = RocksStore {
            db,
            write_opts,
            path: path.to_path_buf(),
            config,
        };
        // Checked again under the write lock: the database is ours now.
        if check_schema(&store.db)?.is_none() {
            let mut batch = WriteBatch::new();
            batch.put(
                Column::Meta,
                SCHEMA_VERSION_KEY,
                SCHEMA_VERSION.to_be_bytes(),
            );
            store.write(batch)?;
        }
        Ok(store)
    }

    /// The directory of the database.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The settings the store was opened with.
    pub fn config(&self) -> &RocksConfig {
        &self.config
    }

    /// Flushes every column's memtable to SST files (for a clean shutdown or a size
    /// measurement; not needed for durability, which the WAL provides).
    pub fn flush(&self) -> Result<(), StoreError> {
        for col in Column::ALL {
            self.db
                .flush_cf(self.cf(col)?)
                .map_err(|e| backend("flush", e))?;
        }
        Ok(())
    }

    /// Compacts every column over its whole key range, dropping overwritten and deleted
    /// entries (for a size measurement; RocksDB compacts on its own otherwise).
    pub fn compact(&self) -> Result<(), StoreError> {
        for col in Column::ALL {
            self.db
                .compact_range_cf(self.cf(col)?, None::<&[u8]>, None::<&[u8]>);
        }
        Ok(())
    }

    /// Bytes `col` takes now: its live SST files plus its memtables (flush and compact
    /// first for a figure without memtables and obsolete entries).
    pub fn column_size_bytes(&self, col: Column) -> Result<u64, StoreError> {
        let cf = self.cf(col)?;
        let mut total = 0u64;
        for property in [
            properties::LIVE_SST_FILES_SIZE,
            properties::CUR_SIZE_ALL_MEM_TABLES,
        ] {
            let bytes = self
                .db
                .property_int_value_cf(cf, property)
                .map_err(|e| backend("column size", e))?
                .unwrap_or(0);
            total = total.saturating_add(bytes);
        }
        Ok(total)
    }

    fn cf(&self, col: Column) -> Result<&ColumnFamily, StoreError> {
        self.db
            .cf_handle(col.name())
            .ok_or_else(|| StoreError::Backend(format!("column family {col} is not open")))
    }
}

/// The options of one column family.
fn column_options(col: Column, config: &RocksConfig, cache: &Cache) -> Options {
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(cache);
    if col.is_point_lookup() {
        table.set_bloom_filter(config.bloom_bits_per_key, false);
    }
    let mut opts = Options::default();
    opts.set_block_based_table_factory(&table);
    opts.set_write_buffer_size(config.write_buffer_bytes);
    opts.set_level_compaction_dynamic_level_bytes(true);
    opts
}

/// The schema version of `db`: `Some(SCHEMA_VERSION)`, or `None` for a database with no
/// version and no data in any of our columns (new, or created but never written).
fn check_schema(db: &DB) -> Result<Option<u32>, StoreError> {
    let meta = db.cf_handle(Column::Meta.name());
    let stored = match meta {
        Some(cf) => db
            .get_cf(cf, SCHEMA_VERSION_KEY)
            .map_err(|e| backend("read schema version", e))?,
        None => None,
    };
    if let Some(bytes) = stored {
        let found = parse_u32(&bytes).ok_or_else(|| StoreError::Corrupt {
            column: Column::Meta,
            reason: format!("schema_version is {} bytes, expected 4", bytes.len()),
        })?;
        if found != SCHEMA_VERSION {
            return Err(StoreError::SchemaMismatch {
                found,
                expected: SCHEMA_VERSION,
            });
        }
        return Ok(Some(found));
    }
    for col in Column::ALL {
        if let Some(cf) = db.cf_handle(col.name()) {
            let mut it = db.raw_iterator_cf(cf);
            it.seek_to_first();
            it.status().map_err(|e| backend("schema check scan", e))?;
            if it.valid() {
                return Err(StoreError::Corrupt {
                    column: Column::Meta,
                    reason: format!("no schema_version, but column {col} holds data"),
                });
            }
        }
    }
    Ok(None)
}

impl fmt::Debug for RocksStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RocksStore")
            .field("path", &self.path)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Store for RocksStore {
    fn get(&self, col: Column, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.db
            .get_cf(self.cf(col)?, key)
            .map_err(|e| backend("get", e))
    }

    fn write(&self, batch: WriteBatch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut handles: [Option<&ColumnFamily>; COLUMNS] = [None; COLUMNS];
        let mut rocks_batch = rocksdb::WriteBatch::default();
        for op in batch.ops() {
            let col = op.column();
            let cf = match handles.get(col.index()).copied().flatten() {
                Some(cf) => cf,
                None => {
                    let cf = self.cf(col)?;
                    if let Some(slot) = handles.get_mut(col.index()) {
                        *slot = Some(cf);
                    }
                    cf
                }
            };
            match op {
                super::BatchOp::Put { key, value, .. } => rocks_batch.put_cf(cf, key, value),
                super::BatchOp::Delete { key, .. } => rocks_batch.delete_cf(cf, key),
            }
        }
        self.db
            .write_opt(rocks_batch, &self.write_opts)
            .map_err(|e| backend("write batch", e))
    }

    fn scan_range(
        &self,
        col: Column,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: Option<usize>,
    ) -> Result<Vec<KeyValue>, StoreError> {
        let cf = self.cf(col)?;
        scan(
            |opts| self.db.raw_iterator_cf_opt(cf, opts),
            from,
            to,
            reverse,
            limit,
        )
    }

    fn approximate_size_bytes(&self) -> u64 {
        self.size_bytes()
    }
}

/// A consistent read-only view of a [`RocksStore`] (a RocksDB snapshot): every read through
/// it sees the database as it was when the snapshot was taken. Writing fails.
pub struct RocksSnapshot<'a> {
    store: &'a RocksStore,
    snapshot: rocksdb::Snapshot<'a>,
}

impl super::Snapshots for RocksStore {
    type Snapshot<'a> = RocksSnapshot<'a>;

    fn snapshot(&self) -> RocksSnapshot<'_> {
        RocksSnapshot {
            store: self,
            snapshot: self.db.snapshot(),
        }
    }
}

impl Store for RocksSnapshot<'_> {
    fn get(&self, col: Column, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.snapshot
            .get_cf(self.store.cf(col)?, key)
            .map_err(|e| backend("snapshot get", e))
    }

    fn write(&self, _batch: WriteBatch) -> Result<(), StoreError> {
        Err(StoreError::Backend("a snapshot is read-only".into()))
    }

    fn scan_range(
        &self,
        col: Column,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: Option<usize>,
    ) -> Result<Vec<KeyValue>, StoreError> {
        let cf = self.store.cf(col)?;
        scan(
            |opts| self.snapshot.raw_iterator_cf_opt(cf, opts),
            from,
            to,
            reverse,
            limit,
        )
    }

    fn approximate_size_bytes(&self) -> u64 {
        self.store.size_bytes()
    }
}

/// Keys and values in `[from, to)` (or down from `to`, `reverse`), at most `limit`, from the
/// iterator `open` makes with the given read options.
fn scan<'a, D: rocksdb::DBAccess + 'a>(
    open: impl FnOnce(ReadOptions) -> rocksdb::DBRawIteratorWithThreadMode<'a, D>,
    from: &[u8],
    to: Option<&[u8]>,
    reverse: bool,
    limit: Option<usize>,
) -> Result<Vec<KeyValue>, StoreError> {
    {
        let limit = limit.unwrap_or(usize::MAX);
        if limit == 0 || to.is_some_and(|to| to <= from) {
            return Ok(Vec::new());
        }
        // Bounds let RocksDB skip whole files and stop at tombstones beyond the range; the
        // checks in the loop keep the result right whatever the iterator does at the edges.
        let mut read_opts = ReadOptions::default();
        read_opts.set_iterate_lower_bound(from);
        if let Some(to) = to {
            read_opts.set_iterate_upper_bound(to);
        }
        let mut it = open(read_opts);
        match (reverse, to) {
            (false, _) => it.seek(from),
            // The last key <= `to`; `to` itself is skipped below.
            (true, Some(to)) => it.seek_for_prev(to),
            (true, None) => it.seek_to_last(),
        }
        let mut out = Vec::new();
        while out.len() < limit {
            let Some((key, value)) = it.item() else {
                break;
            };
            let below = key < from;
            let above = to.is_some_and(|to| key >= to);
            if reverse {
                if below {
                    break;
                }
                if !above {
                    out.push((key.to_vec(), value.to_vec()));
                }
                it.prev();
            } else {
                if above {
                    break;
                }
                if !below {
                    out.push((key.to_vec(), value.to_vec()));
                }
                it.next();
            }
        }
        it.status().map_err(|e| backend("scan", e))?;
        Ok(out)
    }
}

impl RocksStore {
    /// Live SST files plus memtables, over every column.
    fn size_bytes(&self) -> u64 {
        let mut total = 0u64;
        for col in Column::ALL {
            let Ok(cf) = self.cf(col) else { continue };
            for property in [
                properties::LIVE_SST_FILES_SIZE,
                properties::CUR_SIZE_ALL_MEM_TABLES,
            ] {
                let bytes = self
                    .db
                    .property_int_value_cf(cf, property)
                    .ok()
                    .flatten()
                    .unwrap_or(0);
                total = total.saturating_add(bytes);
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::suite;
    use crate::store::{MemStore, key_u32, prefix_successor};
    use proptest::prelude::*;
    use tempfile::TempDir;

    fn small() -> RocksConfig {
        RocksConfig {
            block_cache_bytes: 1 << 20,
            write_buffer_bytes: 1 << 20,
            ..RocksConfig::default()
        }
    }

    fn put(s: &impl Store, col: Column, key: &[u8], value: &[u8]) {
        let mut b = WriteBatch::new();
        b.put(col, key, value);
        s.write(b).unwrap();
    }

    #[test]
    fn a_snapshot_sees_the_store_as_it_was() {
        use crate::store::Snapshots;
        let dir = TempDir::new().unwrap();
        let s = RocksStore::open(dir.path(), small()).unwrap();
        put(&s, Column::Accounts, b"a", b"1");
        put(&s, Column::Accounts, b"b", b"1");
        let snap = s.snapshot();
        let mut batch = WriteBatch::new();
        batch.put(Column::Accounts, b"a".to_vec(), b"2".to_vec());
        batch.delete(Column::Accounts, b"b".to_vec());
        batch.put(Column::Accounts, b"c".to_vec(), b"2".to_vec());
        s.write(batch).unwrap();
        assert_eq!(
            s.get(Column::Accounts, b"a").unwrap().as_deref(),
            Some(&b"2"[..])
        );
        assert_eq!(
            snap.get(Column::Accounts, b"a").unwrap().as_deref(),
            Some(&b"1"[..])
        );
        let then: Vec<Vec<u8>> = snap
            .scan_range(Column::Accounts, b"", None, false, None)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(then, vec![b"a".to_vec(), b"b".to_vec()]);
        let reversed = snap
            .scan_range(Column::Accounts, b"", None, true, Some(1))
            .unwrap();
        assert_eq!(reversed, vec![(b"b".to_vec(), b"1".to_vec())]);
        assert!(snap.write(WriteBatch::new()).is_err());
        // A new snapshot sees the write.
        assert!(s.snapshot().get(Column::Accounts, b"b").unwrap().is_none());
    }

    /// Creates a database with raw RocksDB: the given column families and key-value pairs.
    fn raw_db(path: &Path, cfs: &[&str], data: &[(&str, &[u8], &[u8])]) {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let db = DB::open_cf(&opts, path, cfs).unwrap();
        for (cf, k, v) in data {
            db.put_cf(db.cf_handle(cf).unwrap(), k, v).unwrap();
        }
    }

    fn cf_names(path: &Path) -> Vec<String> {
        let mut names = DB::list_cf(&Options::default(), path).unwrap();
        names.sort();
        names
    }

    #[test]
    fn rocks_store_suite() {
        let dir = TempDir::new().unwrap();
        let s = RocksStore::open(dir.path(), small()).unwrap();
        suite(&s);
        s.flush().unwrap();
        assert!(s.approximate_size_bytes() > 0);
    }

    #[test]
    fn column_sizes_after_flush_and_compaction() {
        let dir = TempDir::new().unwrap();
        let s = RocksStore::open(dir.path(), small()).unwrap();
        let mut b = WriteBatch::new();
        for h in 0..1000u32 {
            b.put(Column::Headers, key_u32(h), [7u8; 100]);
        }
        s.write(b).unwrap();
        s.flush().unwrap();
        s.compact().unwrap();
        let headers = s.column_size_bytes(Column::Headers).unwrap();
        // An empty column is only its (empty) memtable's arena.
        let empty = s.column_size_bytes(Column::Undo).unwrap();
        assert!(empty < 4096, "{empty}");
        assert!(headers > empty + 1000, "{headers}");
        assert!(s.approximate_size_bytes() >= headers);
    }

    #[test]
    fn new_database_gets_schema_and_all_columns() {
        let dir = TempDir::new().unwrap();
        let s = RocksStore::open(dir.path(), small()).unwrap();
        assert_eq!(
            s.get(Column::Meta, SCHEMA_VERSION_KEY).unwrap(),
            Some(SCHEMA_VERSION.to_be_bytes().to_vec())
        );
        assert_eq!(s.path(), dir.path());
        drop(s);
        let mut expected: Vec<String> = Column::ALL.iter().map(|c| c.name().into()).collect();
        expected.push("default".into());
        expected.sort();
        assert_eq!(cf_names(dir.path()), expected);
    }

    #[test]
    fn reopen_keeps_data() {
        let dir = TempDir::new().unwrap();
        {
            let s = RocksStore::open(dir.path(), small()).unwrap();
            let mut b = WriteBatch::new();
            for h in 0..1000u32 {
                b.put(Column::Headers, key_u32(h), h.to_le_bytes());
            }
            b.put(Column::Meta, *b"tip", key_u32(999));
            s.write(b).unwrap();
            // Half of it reaches SST files, the rest stays in the WAL only.
            s.flush().unwrap();
            put(&s, Column::Undo, &key_u32(999), b"undo");
        }
        let s = RocksStore::open(dir.path(), small()).unwrap();
        assert_eq!(
            s.get(Column::Meta, b"tip").unwrap(),
            Some(key_u32(999).to_vec())
        );
        assert_eq!(
            s.scan_prefix(Column::Headers, b"", None).unwrap().len(),
            1000
        );
        assert_eq!(
            s.last_in_prefix(Column::Headers, b"").unwrap(),
            Some((key_u32(999).to_vec(), 999u32.to_le_bytes().to_vec()))
        );
        assert_eq!(
            s.get(Column::Undo, &key_u32(999)).unwrap(),
            Some(b"undo".to_vec())
        );
    }

    #[test]
    fn sync_writes_round_trip() {
        let dir = TempDir::new().unwrap();
        let config = RocksConfig {
            sync_writes: true,
            ..small()
        };
        let s = RocksStore::open(dir.path(), config).unwrap();
        assert!(s.config().sync_writes);
        put(&s, Column::Txs, b"id", b"tx");
        drop(s);
        let s = RocksStore::open(dir.path(), small()).unwrap();
        assert_eq!(s.get(Column::Txs, b"id").unwrap(), Some(b"tx".to_vec()));
    }

    #[test]
    fn schema_mismatch_is_refused() {
        let dir = TempDir::new().unwrap();
        let s = RocksStore::open(dir.path(), small()).unwrap();
        put(&s, Column::Meta, SCHEMA_VERSION_KEY, &1u32.to_be_bytes());
        drop(s);
        let err = RocksStore::open(dir.path(), small()).unwrap_err();
        assert_eq!(
            err,
            StoreError::SchemaMismatch {
                found: 1,
                expected: SCHEMA_VERSION
            }
        );
        assert_eq!(
            err.to_string(),
            "schema version mismatch: database has 1, this node expects 2"
        );
    }

    #[test]
    fn foreign_schema_is_not_touched() {
        let dir = TempDir::new().unwrap();
        raw_db(
            dir.path(),
            &["meta"],
            &[("meta", SCHEMA_VERSION_KEY, &7u32.to_be_bytes())],
        );
        let err = RocksStore::open(dir.path(), small()).unwrap_err();
        assert_eq!(
            err,
            StoreError::SchemaMismatch {
                found: 7,
                expected: SCHEMA_VERSION
            }
        );
        // Refused before creating our column families.
        assert_eq!(cf_names(dir.path()), ["default", "meta"]);
    }

    #[test]
    fn bad_schema_bytes_are_corrupt() {
        let dir = TempDir::new().unwrap();
        raw_db(
            dir.path(),
            &["meta"],
            &[("meta", SCHEMA_VERSION_KEY, &[0, 1])],
        );
        assert_eq!(
            RocksStore::open(dir.path(), small()).unwrap_err(),
            StoreError::Corrupt {
                column: Column::Meta,
                reason: "schema_version is 2 bytes, expected 4".into()
            }
        );
    }

    #[test]
    fn data_without_schema_is_corrupt() {
        let dir = TempDir::new().unwrap();
        raw_db(dir.path(), &["meta", "headers"], &[("headers", b"h", b"x")]);
        assert_eq!(
            RocksStore::open(dir.path(), small()).unwrap_err(),
            StoreError::Corrupt {
                column: Column::Meta,
                reason: "no schema_version, but column headers holds data".into()
            }
        );
    }

    #[test]
    fn opens_database_with_fewer_and_unknown_column_families() {
        let dir = TempDir::new().unwrap();
        raw_db(
            dir.path(),
            &["meta", "headers", "legacy_extra"],
            &[
                ("meta", SCHEMA_VERSION_KEY, &SCHEMA_VERSION.to_be_bytes()),
                ("headers", &key_u32(1), b"genesis"),
                ("legacy_extra", b"k", b"kept"),
            ],
        );
        for _ in 0..2 {
            let s = RocksStore::open(dir.path(), small()).unwrap();
            assert_eq!(
                s.get(Column::Headers, &key_u32(1)).unwrap(),
                Some(b"genesis".to_vec())
            );
            for col in Column::ALL {
                put(&s, col, b"probe", b"1");
                assert_eq!(s.get(col, b"probe").unwrap(), Some(b"1".to_vec()));
            }
        }
        let names = cf_names(dir.path());
        assert!(names.contains(&"legacy_extra".to_string()));
        for col in Column::ALL {
            assert!(names.contains(&col.name().to_string()), "{col} missing");
        }
        let db = DB::open_cf(&Options::default(), dir.path(), &names).unwrap();
        let extra = db.cf_handle("legacy_extra").unwrap();
        assert_eq!(db.get_cf(extra, b"k").unwrap(), Some(b"kept".to_vec()));
    }

    #[test]
    fn empty_database_without_schema_is_adopted() {
        let dir = TempDir::new().unwrap();
        raw_db(dir.path(), &["meta"], &[]);
        let s = RocksStore::open(dir.path(), small()).unwrap();
        assert_eq!(
            s.get(Column::Meta, SCHEMA_VERSION_KEY).unwrap(),
            Some(SCHEMA_VERSION.to_be_bytes().to_vec())
        );
    }

    #[derive(Clone, Debug)]
    enum Op {
        Write(Vec<(Column, Vec<u8>, Option<Vec<u8>>)>),
        Get(Column, Vec<u8>),
        Prefix(Column, Vec<u8>, Option<usize>),
        Range(Column, Vec<u8>, Option<Vec<u8>>, bool, Option<usize>),
        Last(Column, Vec<u8>),
    }

    fn column() -> impl Strategy<Value = Column> {
        // Not Meta: RocksStore keeps its schema version there.
        prop_oneof![
            Just(Column::Accounts),
            Just(Column::BalanceHistory),
            Just(Column::Undo)
        ]
    }

    /// Short keys over a small alphabet with the edge bytes, so ops collide and prefixes meet
    /// the 0x00/0xFF boundaries often.
    fn key() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![Just(0u8), Just(1), Just(0x7F), Just(0xFE), Just(0xFF)];
        prop::collection::vec(byte, 0..4)
    }

    fn limit() -> impl Strategy<Value = Option<usize>> {
        prop::option::of(0usize..5)
    }

    fn op() -> impl Strategy<Value = Op> {
        let write = (column(), key(), prop::option::of(key()));
        prop_oneof![
            3 => prop::collection::vec(write, 0..12).prop_map(Op::Write),
            1 => (column(), key()).prop_map(|(c, k)| Op::Get(c, k)),
            1 => (column(), key(), limit()).prop_map(|(c, p, l)| Op::Prefix(c, p, l)),
            1 => (column(), key(), prop::option::of(key()), any::<bool>(), limit())
                .prop_map(|(c, f, t, r, l)| Op::Range(c, f, t, r, l)),
            1 => (column(), key()).prop_map(|(c, p)| Op::Last(c, p)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// MemStore and RocksStore give the same answer to every read after the same writes.
        #[test]
        fn mem_and_rocks_agree(ops in prop::collection::vec(op(), 1..40)) {
            let dir = TempDir::new().unwrap();
            let rocks = RocksStore::open(dir.path(), small()).unwrap();
            let mem = MemStore::new();
            for op in ops {
                match op {
                    Op::Write(writes) => {
                        let mut b = WriteBatch::new();
                        for (col, key, value) in writes {
                            match value {
                                Some(v) => b.put(col, key, v),
                                None => b.delete(col, key),
                            };
                        }
                        rocks.write(b.clone()).unwrap();
                        mem.write(b).unwrap();
                    }
                    Op::Get(c, k) => prop_assert_eq!(rocks.get(c, &k)?, mem.get(c, &k)?),
                    Op::Prefix(c, p, l) => {
                        prop_assert_eq!(rocks.scan_prefix(c, &p, l)?, mem.scan_prefix(c, &p, l)?)
                    }
                    Op::Range(c, f, t, r, l) => prop_assert_eq!(
                        rocks.scan_range(c, &f, t.as_deref(), r, l)?,
                        mem.scan_range(c, &f, t.as_deref(), r, l)?
                    ),
                    Op::Last(c, p) => {
                        let expected = mem.last_in_prefix(c, &p)?;
                        // The model: the last of a full forward prefix scan.
                        let naive = mem.scan_range(c, &p, prefix_successor(&p).as_deref(), false, None)?;
                        prop_assert_eq!(&expected, &naive.last().cloned());
                        prop_assert_eq!(rocks.last_in_prefix(c, &p)?, expected);
                    }
                }
            }
        }
    }
}
