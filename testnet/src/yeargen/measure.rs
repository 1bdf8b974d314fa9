//! The disk figures of a data directory: summaries and their entries, the summary builder's
//! index, per-column sizes after a flush and full compaction, bytes per key block header and
//! per summary entry.

use anyhow::Context;
use ltonode::service::chain_config;
use ltonode_consensus::ChainParams;
use ltonode_ledger::chain::{Chain, keys};
use ltonode_ledger::store::Column;
use ltonode_ledger::{RocksConfig, RocksStore, Store};
use serde_json::json;
use std::path::Path;

/// `ltonode-yeargen --measure DIR`: prints the disk figures of a stopped node's data directory
/// (flushed and fully compacted first), and writes them as JSON to `json_out` if given.
pub fn measure_data_dir(dir: &Path, json_out: Option<&Path>) -> anyhow::Result<()> {
    let m = measure(dir, &ChainParams::testnet())?;
    m.print(&dir.display().to_string());
    if let Some(path) = json_out {
        std::fs::write(path, serde_json::to_string_pretty(&m.to_json())? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The disk figures of a data directory (see [`measure`]).
pub(super) struct Measurement {
    pub(super) height: u32,
    mode: String,
    pruned_height: u32,
    pub(super) summaries: u32,
    balance_changes: u64,
    summary_transactions: u64,
    /// Encoded size of the stored summaries (value bytes).
    summary_encoded: u64,
    /// Raw key + value bytes of the summary records and of the summary builder's index.
    summary_raw: u64,
    touched_raw: u64,
    touched_entries: u64,
    columns: Vec<(Column, u64)>,
    db_approximate: u64,
    dir_bytes: u64,
}

impl Measurement {
    fn column(&self, c: Column) -> u64 {
        self.columns
            .iter()
            .find(|(x, _)| *x == c)
            .map_or(0, |(_, b)| *b)
    }

    fn entries(&self) -> u64 {
        self.balance_changes + self.summary_transactions
    }

    /// Headers and block index per key block.
    fn per_header(&self) -> f64 {
        ratio(
            self.column(Column::Headers) + self.column(Column::BlockIndex),
            u64::from(self.height),
        )
    }

    /// The summaries column per summary entry.
    fn per_entry_column(&self) -> f64 {
        ratio(self.column(Column::Summaries), self.entries())
    }

    /// The summary records' share of the summaries column (by raw bytes) per entry: the
    /// column without the summary builder's index, which a pruned node deletes with the
    /// blocks.
    fn per_entry_records(&self) -> f64 {
        let share = ratio(self.summary_raw, self.summary_raw + self.touched_raw);
        share * self.per_entry_column()
    }

    /// Prints the figures under `label`.
    pub(super) fn print(&self, label: &str) {
        println!(
            "  {label}: {} bytes on disk (du -sb), database {} bytes (approximate_size_bytes)",
            self.dir_bytes, self.db_approximate
        );
        println!(
            "    mode {}, height {}, pruned up to {}",
            self.mode, self.height, self.pruned_height
        );
        println!(
            "    summaries {} with {} entries ({} balance changes, {} transactions), {} bytes encoded; builder index {} entries",
            self.summaries,
            self.entries(),
            self.balance_changes,
            self.summary_transactions,
            self.summary_encoded,
            self.touched_entries
        );
        println!("    columns (live SST + memtables, after flush and full compaction):");
        for (c, b) in &self.columns {
            println!("      {:<16} {:>14}", c.name(), b);
        }
        println!(
            "    per key block header: {:.1} bytes (headers + block_index / height; encoded header {} bytes)",
            self.per_header(),
            ltonode_ledger::block::KEY_HEADER_LEN
        );
        println!(
            "    per summary entry:    {:.1} bytes (summaries column / entries); {:.1} bytes without the builder index; {:.1} bytes encoded",
            self.per_entry_column(),
            self.per_entry_records(),
            ratio(self.summary_encoded, self.entries())
        );
    }

    /// The figures as the JSON of `yeargen.json`.
    pub(super) fn to_json(&self) -> serde_json::Value {
        let columns: serde_json::Map<String, serde_json::Value> = self
            .columns
            .iter()
            .map(|(c, b)| (c.name().to_owned(), json!(b)))
            .collect();
        json!({
            "height": self.height,
            "mode": self.mode,
            "prunedHeight": self.pruned_height,
            "summaries": self.summaries,
            "summaryEntries": self.entries(),
            "summaryBalanceChanges": self.balance_changes,
            "summaryTransactions": self.summary_transactions,
            "summaryEncodedBytes": self.summary_encoded,
            "summaryBuilderIndexEntries": self.touched_entries,
            "dirBytes": self.dir_bytes,
            "dbApproximateBytes": self.db_approximate,
            "columnBytes": columns,
            "bytesPerKeyBlockHeader": self.per_header(),
            "bytesPerSummaryEntry": self.per_entry_column(),
            "bytesPerSummaryEntryWithoutBuilderIndex": self.per_entry_records(),
            "encodedBytesPerSummaryEntry": ratio(self.summary_encoded, self.entries()),
        })
    }
}

/// `numerator / denominator`, or 0 for a zero denominator.
fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// Opens the data directory `dir` of a stopped node (`dir/db`), counts its summaries, flushes
/// and fully compacts the database, and measures it. Only reads the chain (compaction
/// rewrites files, not data).
pub(super) fn measure(dir: &Path, params: &ChainParams) -> anyhow::Result<Measurement> {
    let store = RocksStore::open(dir.join("db"), RocksConfig::default())
        .with_context(|| format!("opening the database in {}", dir.display()))?;
    let chain = Chain::open(store, chain_config(params))?;
    let meta = |key: &[u8]| chain.store().get(Column::Meta, key);
    let mode = meta(keys::META_MODE)?
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_else(|| "unknown".into());
    let mut m = Measurement {
        height: chain.height().0,
        mode,
        pruned_height: chain.pruned_height()?.0,
        summaries: 0,
        balance_changes: 0,
        summary_transactions: 0,
        summary_encoded: 0,
        summary_raw: 0,
        touched_raw: 0,
        touched_entries: 0,
        columns: Vec::new(),
        db_approximate: 0,
        dir_bytes: 0,
    };
    // Summaries present (a fast-synced node may lack the early ones).
    let last = chain.height().0 / params.summary_period.max(1);
    for n in 1..=last {
        let key = keys::summary(n);
        let Some(raw) = chain.store().get(Column::Summaries, &key)? else {
            continue;
        };
        let s = ltonode_summary::load_summary(&chain, n)?.context("summary vanished")?;
        m.summaries += 1;
        m.balance_changes += s.balance_changes.len() as u64;
        m.summary_transactions += s.transactions.len() as u64;
        m.summary_encoded += raw.len() as u64;
        m.summary_raw += (key.len() + raw.len()) as u64;
    }
    // The summary builder's index ("D" + height + seq + address), scanned in chunks.
    let mut from = b"D".to_vec();
    let to = b"E".to_vec();
    loop {
        let chunk =
            chain
                .store()
                .scan_range(Column::Summaries, &from, Some(&to), false, Some(100_000))?;
        let Some((last_key, _)) = chunk.last() else {
            break;
        };
        let mut next = last_key.clone();
        next.push(0);
        for (k, v) in &chunk {
            m.touched_entries += 1;
            m.touched_raw += (k.len() + v.len()) as u64;
        }
        if chunk.len() < 100_000 {
            break;
        }
        from = next;
    }
    let store = chain.store();
    store.flush()?;
    store.compact()?;
    m.db_approximate = store.approximate_size_bytes();
    for col in Column::ALL {
        m.columns.push((col, store.column_size_bytes(col)?));
    }
    drop(chain);
    m.dir_bytes = dir_size(dir)?;
    Ok(m)
}

/// Apparent size of every file under `dir` (what `du -sb` counts).
fn dir_size(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0u64;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
