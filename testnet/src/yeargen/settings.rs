//! What a generated year looks like: the knobs of `ltonode-yeargen`, with the binary's
//! defaults in their docs.

use std::path::PathBuf;

/// The settings of one generated year.
#[derive(Clone, Debug)]
pub struct YearSettings {
    /// Key blocks to forge after the genesis block (default 525,600: a year of 60 s blocks,
    /// 365 summaries of 1440 blocks).
    pub blocks: u32,
    /// Accounts to create and fund (default 200,000).
    pub accounts: u32,
    /// Output directory: `genesis.json`, `history/`, the address lists, `yeargen.json`.
    pub out: PathBuf,
    /// Transactions in each key block's micro block after the funding blocks (default 8).
    pub txs_per_block: usize,
    /// Percent of those transactions that are transfers; the rest are anchors (default 2).
    pub transfer_percent: u32,
    /// One lease, lease cancel or association about every this many blocks (0: none;
    /// default 10).
    pub special_every: u32,
    /// Seed of the transaction load and of the state sample (default 1).
    pub seed: u64,
    /// The earliest time between two key blocks in ms; blocks come at their slot otherwise
    /// (default 60,000).
    pub pace_ms: u64,
    /// Where the last block should land, in seconds before the wall clock at the start
    /// (default 3600).
    pub end_before_now_secs: u64,
    /// Genesis timestamp (ms since the epoch) instead of one derived from the wall clock.
    pub genesis_timestamp: Option<u64>,
    /// Check every Nth forged key block with the consensus rules, and every block of the last
    /// two summary periods (1: all; 0: none; default 100).
    pub validate_every: u32,
    /// Block cache of the generator's database in MiB (default 2048; the node's is 64).
    pub cache_mb: usize,
    /// Replace an existing output directory.
    pub force: bool,
}
