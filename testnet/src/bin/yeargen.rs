//! `ltonode-yeargen`: builds a simulated year of chain for the fast-sync and disk measurements
//! (see `ltonode_testnet::yeargen` for what it writes and how). This binary only parses its
//! arguments.

use clap::Parser;
use ltonode_testnet::yeargen::{YearSettings, generate, measure_data_dir};
use std::path::PathBuf;

/// Builds a simulated year of chain (genesis file and a history node's data directory).
#[derive(Parser, Debug)]
#[command(name = "ltonode-yeargen", version)]
struct Args {
    /// Key blocks to forge after the genesis block (525,600: a year of 60 s blocks, 365
    /// summaries of 1440 blocks).
    #[arg(long, default_value_t = 525_600)]
    blocks: u32,
    /// Accounts to create and fund.
    #[arg(long, default_value_t = 200_000)]
    accounts: u32,
    /// Output directory (genesis.json, history/, address lists, yeargen.json).
    #[arg(long, default_value = "year")]
    out: PathBuf,
    /// Transactions in each key block's micro block (after the funding blocks).
    #[arg(long, default_value_t = 8)]
    txs_per_block: usize,
    /// Percent of those transactions that are transfers; the rest are anchors.
    #[arg(long, default_value_t = 2)]
    transfer_percent: u32,
    /// One lease, lease cancel or association about every N blocks (0: none).
    #[arg(long, default_value_t = 10)]
    special_every: u32,
    /// Seed of the transaction load.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The earliest time between two key blocks (ms); blocks come at their slot otherwise.
    #[arg(long, default_value_t = 60_000)]
    pace_ms: u64,
    /// Where the last block should land, in seconds before the wall clock at the start.
    #[arg(long, default_value_t = 3600)]
    end_before_now_secs: u64,
    /// Genesis timestamp (ms since the epoch) instead of one derived from the wall clock.
    #[arg(long)]
    genesis_timestamp: Option<u64>,
    /// Check every Nth forged key block with the consensus rules, and every block of the last
    /// two summary periods (1: all; 0: none).
    #[arg(long, default_value_t = 100)]
    validate_every: u32,
    /// Block cache of the generator's database, in MiB (the node's default is 64).
    #[arg(long, default_value_t = 2048)]
    cache_mb: usize,
    /// Replace an existing output directory.
    #[arg(long)]
    force: bool,
    /// Instead of generating: measure the data directory of a stopped node (flush, full
    /// compaction, per-column sizes, bytes per key block header and per summary entry).
    #[arg(long, value_name = "DATA_DIR")]
    measure: Option<PathBuf>,
    /// With --measure: also write the figures as JSON to this file.
    #[arg(long, value_name = "FILE", requires = "measure")]
    measure_json: Option<PathBuf>,
}

impl Args {
    fn settings(&self) -> YearSettings {
        YearSettings {
            blocks: self.blocks,
            accounts: self.accounts,
            out: self.out.clone(),
            txs_per_block: self.txs_per_block,
            transfer_percent: self.transfer_percent,
            special_every: self.special_every,
            seed: self.seed,
            pace_ms: self.pace_ms,
            end_before_now_secs: self.end_before_now_secs,
            genesis_timestamp: self.genesis_timestamp,
            validate_every: self.validate_every,
            cache_mb: self.cache_mb,
            force: self.force,
        }
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let result = match &args.measure {
        Some(dir) => measure_data_dir(dir, args.measure_json.as_deref()),
        None => generate(&args.settings()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ltonode-yeargen: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
