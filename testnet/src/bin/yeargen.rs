//! `ltonode-yeargen`: builds a simulated year of chain for the fast-sync and disk measurements.
//!
//! It writes `OUT/genesis.json` (chain id 'T', the testnet preset's base target, a generator
//! and a funder account with published seeds) and `OUT/history/`, the data directory of a
//! history node, so that
//!
//! ```text
//! ltonode run --genesis OUT/genesis.json --preset testnet --history --data-dir OUT/history
//! ```
//!
//! opens the generated chain and serves it. The blocks are forged with the consensus
//! [`Forger`] under a simulated clock that jumps to each slot, validated with
//! [`validate_key_block`] and applied exactly as the node's service applies its own blocks
//! (summary hash before each key block, summary stored when a key block closes a period).
//!
//! Block times: block `h` comes at its slot, but not before `genesis + (h - 1) * pace`; the
//! genesis timestamp is chosen so that the last block lands about `--end-before-now-secs`
//! before the wall clock at the start of the run.
//!
//! Load: mass transfers fund every account first (100 recipients each), then each key block
//! gets one micro block of `--txs-per-block` transactions, mostly anchors, some transfers, and
//! now and then a lease, cancel or association. Transactions are built and signed on a second
//! thread, one block ahead of the forger.
//!
//! Besides the two above it writes `OUT/addresses.txt` (every generated account),
//! `OUT/sample-addresses.txt` (accounts worth comparing between nodes: generator, funder,
//! lessors, lease recipients, association issuers, random accounts) and `OUT/yeargen.json`
//! (the figures printed at the end).

// A tool run by hand, not the simulation: it times itself and reads the wall clock (to place
// the chain's end shortly before now). The transactions still come from a seeded RNG only.
#![allow(clippy::disallowed_methods)]

#[path = "../yeargen/load.rs"]
mod load;

use anyhow::{Context, bail};
use clap::Parser;
use load::{Load, LoadSettings};
use ltonode::service::{chain_config, wall_clock};
use ltonode_consensus::rules::vrf_message;
use ltonode_consensus::{
    ChainParams, Forger, RaffleFactor, delay_ms, hit_from_vrf_output, validate_key_block, vrf,
    weighted_balance,
};
use ltonode_ledger::chain::AnchorIndex;
use ltonode_ledger::chain::{Chain, keys};
use ltonode_ledger::genesis::{Allocation, GenesisConfig};
use ltonode_ledger::state::StateView;
use ltonode_ledger::store::Column;
use ltonode_ledger::tx::VerifiedTx;
use ltonode_ledger::tx::validate::FeeSchedule;
use ltonode_ledger::{
    Address, Amount, Height, KeyPair, RocksConfig, RocksStore, Store, Timestamp, WriteBatch,
};
use rand::{RngExt, SeedableRng};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Seed of the forging account. Published on purpose: test chains only.
const GENERATOR_SEED: &str = "ltonode yeargen generator -- do not use on any public network";
/// Seed of the account that funds the generated accounts.
const FUNDER_SEED: &str = "ltonode yeargen funder -- do not use on any public network";
/// The generator's stake: 50M LTO (the base target settles near 0.65 * C2 / stake = 65).
const GENERATOR_UNITS: u64 = 50_000_000 * ltonode_ledger::units::UNITS_PER_LTO;

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

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let result = match &args.measure {
        Some(dir) => measure_only(dir, args.measure_json.as_deref()),
        None => run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ltonode-yeargen: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `--measure DIR`: the disk figures of a stopped node's data directory.
fn measure_only(dir: &Path, json_out: Option<&Path>) -> anyhow::Result<()> {
    let m = measure(dir, &ChainParams::testnet())?;
    m.print(&dir.display().to_string());
    if let Some(path) = json_out {
        std::fs::write(path, serde_json::to_string_pretty(&m.to_json())? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// One request to the load thread: the transactions of the next block, stamped from `stamp`.
struct Request {
    stamp: Timestamp,
}

fn run(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let params = ChainParams::testnet();
    let fees = FeeSchedule {
        fee_price: params.fee_price,
    };
    let history_dir = args.out.join("history");
    if history_dir.exists() {
        if !args.force {
            bail!(
                "{} exists (give --force to replace it)",
                history_dir.display()
            );
        }
        std::fs::remove_dir_all(&history_dir)
            .with_context(|| format!("removing {}", history_dir.display()))?;
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;

    let final_height = args
        .blocks
        .checked_add(1)
        .context("--blocks is too large")?;
    let now0 = wall_clock().0;
    let span = u64::from(args.blocks).saturating_mul(args.pace_ms);
    let genesis_ts = match args.genesis_timestamp {
        Some(t) => t,
        None => now0
            .checked_sub(args.end_before_now_secs.saturating_mul(1000))
            .and_then(|t| t.checked_sub(span))
            .context("the chain would start before 1970")?,
    };

    // Genesis: the generator holds the stake, the funder the accounts' money.
    let generator = KeyPair::from_seed_phrase(GENERATOR_SEED, 0);
    let funder = KeyPair::from_seed_phrase(FUNDER_SEED, 0);
    let chain_id = params.chain_id;
    let generator_addr = Address::from_public_key(chain_id, &generator.public_key());
    let funder_addr = Address::from_public_key(chain_id, &funder.public_key());
    let funding = Load::funding_needed(args.accounts, fees)
        .saturating_add(1000 * ltonode_ledger::units::UNITS_PER_LTO);
    let genesis = GenesisConfig {
        chain_id,
        timestamp: Timestamp(genesis_ts),
        base_target: params.initial_base_target,
        allocations: vec![
            Allocation {
                address: generator_addr,
                amount: Amount(GENERATOR_UNITS),
                seed: Some(GENERATOR_SEED.to_owned()),
            },
            Allocation {
                address: funder_addr,
                amount: Amount(funding),
                seed: Some(FUNDER_SEED.to_owned()),
            },
        ],
        preset: Some("testnet".to_owned()),
    };
    genesis.validate().context("the generated genesis")?;
    let genesis_path = args.out.join("genesis.json");
    std::fs::write(&genesis_path, genesis.to_json_string() + "\n")
        .with_context(|| format!("writing {}", genesis_path.display()))?;

    println!(
        "yeargen: {} key blocks, {} accounts, {} txs per block into {}",
        args.blocks,
        args.accounts,
        args.txs_per_block,
        args.out.display()
    );
    println!(
        "yeargen: genesis {} ({}), last block due about {} s before now",
        genesis_ts,
        genesis_path.display(),
        args.end_before_now_secs
    );

    // Accounts (two threads), then the load on its own thread, one block ahead.
    let t = Instant::now();
    let keys = load::derive_accounts(args.accounts, 2)?;
    println!(
        "yeargen: derived {} account keys in {:.1} s",
        keys.len(),
        t.elapsed().as_secs_f64()
    );
    let settings = LoadSettings {
        txs_per_block: args.txs_per_block,
        transfer_percent: args.transfer_percent.min(100),
        special_every: args.special_every,
        seed: args.seed,
    };
    let mut load = Load::new(
        chain_id,
        fees,
        params.max_tx_future_ms,
        params.max_tx_past_ms,
        funder,
        keys,
        settings,
    );
    let addresses: Vec<Address> = load.addresses().to_vec();
    write_lines(
        &args.out.join("addresses.txt"),
        addresses.iter().map(Address::to_base58),
    )?;

    let (req_tx, req_rx) = mpsc::sync_channel::<Request>(2);
    let (blk_tx, blk_rx) = mpsc::sync_channel::<anyhow::Result<Vec<VerifiedTx>>>(2);
    let worker = std::thread::spawn(move || {
        let mut busy = Duration::ZERO;
        for r in req_rx {
            let t = Instant::now();
            let block = load.next_block(r.stamp);
            busy += t.elapsed();
            let failed = block.is_err();
            if blk_tx.send(block).is_err() || failed {
                break;
            }
        }
        println!(
            "yeargen: the load thread was busy {:.1} s",
            busy.as_secs_f64()
        );
        load
    });

    let outcome = forge_all(
        args,
        &params,
        &genesis,
        &history_dir,
        generator,
        final_height,
        &req_tx,
        &blk_rx,
        started,
    );
    drop(req_tx);
    drop(blk_rx);
    let load = worker
        .join()
        .map_err(|_| anyhow::anyhow!("the load thread panicked"))?;
    let forged = outcome?;

    // The state sample: generator, funder, accounts with leases or associations, random ones.
    let mut sample: Vec<String> = vec![generator_addr.to_base58(), funder_addr.to_base58()];
    let interesting = load.interesting();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed ^ 0x5eed);
    let mut picked: Vec<u32> = Vec::new();
    if !interesting.is_empty() {
        for _ in 0..100 {
            let k = rng.random_range(0..interesting.len());
            picked.extend(interesting.get(k));
        }
    }
    if !addresses.is_empty() {
        for _ in 0..100 {
            picked.push(rng.random_range(0..addresses.len() as u32));
        }
    }
    picked.sort_unstable();
    picked.dedup();
    sample.extend(
        picked
            .iter()
            .filter_map(|i| addresses.get(*i as usize))
            .map(Address::to_base58),
    );
    write_lines(&args.out.join("sample-addresses.txt"), sample.into_iter())?;

    println!("yeargen: flushing and compacting the database for the size figures");
    let m = measure(&history_dir, &params)?;
    let generation_secs = started.elapsed().as_secs_f64();
    report(
        args,
        &forged,
        &m,
        &load.counts,
        load.active_leases(),
        generation_secs,
        now0,
    )
}

/// Opens (creating) the history chain in `dir` as `ltonode run --history --preset testnet`
/// does (`open_chain`: `dir/db`, `chain_config(params)` with history on, every anchor
/// indexed, the genesis block applied), with a larger block cache: building a summary reads
/// the balance history of every address touched in the period, all over the key space. The
/// cache is not stored; the node opens the result with its default settings.
fn open_history(
    dir: &Path,
    params: &ChainParams,
    genesis: &GenesisConfig,
    cache_mb: usize,
) -> anyhow::Result<Chain<RocksStore>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let rocks = RocksConfig {
        block_cache_bytes: cache_mb.saturating_mul(1 << 20),
        ..RocksConfig::default()
    };
    let store = RocksStore::open(dir.join("db"), rocks)
        .with_context(|| format!("opening the database in {}", dir.display()))?;
    let mut config = chain_config(params);
    config.history = true;
    config.anchor_index = AnchorIndex::All;
    Ok(Chain::open_with_genesis(store, config, genesis)?)
}

/// The earliest timestamp of the generator's next key block: [`Forger::slot`]'s `at`, with the
/// generating balance read as the effective balance at the start of its window. That is the
/// window's minimum here, because the generator only ever receives (fees): it sends nothing,
/// and nobody leases to it. Its raffle factor is 1 (it pays for no transaction). This skips
/// the scan of ~1000 balance-history entries per block; the forging loop compares it with
/// the forger's own slot on every block it validates.
fn fast_slot<S: Store>(
    chain: &Chain<S>,
    params: &ChainParams,
    key: &KeyPair,
    address: &Address,
) -> anyhow::Result<Timestamp> {
    let tip = chain.tip().context("empty chain")?;
    let msg = vrf_message(chain, params, tip.height)?;
    let (_, beta) = vrf::prove(&key.secret_bytes(), &msg)?;
    let hit = hit_from_vrf_output(&vrf::hit_source(&beta));
    let p = tip.height.0;
    let start = p.saturating_sub(params.gen_depth.saturating_sub(1)).max(1);
    let generating = chain.effective_at(address, Height(start))?;
    let account = chain.account(address)?;
    let own = account.regular.saturating_sub(account.lease_out);
    let weight = weighted_balance(params, Amount(generating), Amount(own), RaffleFactor::ONE)?;
    let delay = delay_ms(params, hit, tip.header.base_target, weight);
    Ok(Timestamp(tip.header.timestamp.0.saturating_add(delay)))
}

/// Where the forging loop's time goes.
#[derive(Default)]
struct Phases([Duration; 7]);

impl Phases {
    const NAMES: [&str; 7] = [
        "build summary",
        "slot (VRF, weight)",
        "key block (VRF, sign)",
        "validate",
        "apply key block, store summary",
        "wait for the load thread",
        "apply micro block",
    ];

    fn add(&mut self, i: usize, lap: &mut Instant) {
        if let Some(d) = self.0.get_mut(i) {
            *d += lap.elapsed();
        }
        *lap = Instant::now();
    }

    fn print(&self) {
        println!("yeargen: forging time by phase:");
        for (name, d) in Self::NAMES.iter().zip(self.0.iter()) {
            println!("    {name:<34} {:>8.1} s", d.as_secs_f64());
        }
    }
}

/// What forging left behind.
struct Forged {
    forge_secs: f64,
    last_timestamp: u64,
}

/// The disk figures of a data directory (see [`measure`]).
struct Measurement {
    height: u32,
    mode: String,
    pruned_height: u32,
    summaries: u32,
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

    fn print(&self, label: &str) {
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

    fn to_json(&self) -> serde_json::Value {
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

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Opens the data directory `dir` of a stopped node (`dir/db`), counts its summaries, flushes
/// and fully compacts the database, and measures it. Only reads the chain (compaction
/// rewrites files, not data).
fn measure(dir: &Path, params: &ChainParams) -> anyhow::Result<Measurement> {
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

#[allow(clippy::too_many_arguments)]
fn forge_all(
    args: &Args,
    params: &ChainParams,
    genesis: &GenesisConfig,
    history_dir: &Path,
    generator: KeyPair,
    final_height: u32,
    req_tx: &mpsc::SyncSender<Request>,
    blk_rx: &mpsc::Receiver<anyhow::Result<Vec<VerifiedTx>>>,
    started: Instant,
) -> anyhow::Result<Forged> {
    let mut chain = open_history(history_dir, params, genesis, args.cache_mb)?;
    let total_supply = genesis.total().units();
    let mut forger = Forger::new(generator.clone(), params.clone(), total_supply);
    let period = params.summary_period;
    let genesis_ts = genesis.timestamp.0;
    let forge_started = Instant::now();
    let mut last_report = Instant::now();
    let mut last_report_height = chain.height().0;

    // Ask for block 2's transactions, stamped with the genesis time.
    req_tx
        .send(Request {
            stamp: genesis.timestamp,
        })
        .context("the load thread stopped")?;
    let mut h = chain.height().0;
    let mut phases = Phases::default();
    let mut validated = 0u32;
    let generator_addr = forger.address();
    while h < final_height {
        let next = h + 1;
        let mut lap = Instant::now();
        // The summary the next key block commits (zero unless the tip closes a period): what
        // `next_summary_hash` derives, built once and stored after the key block as
        // `store_summary` would store it.
        let built = if period > 0 && h > 0 && h.is_multiple_of(period) {
            Some(ltonode_summary::build_summary(&chain, h / period)?)
        } else {
            None
        };
        let summary = built.as_ref().map_or([0; 32], |s| s.hash());
        forger.set_next_summary(summary);
        phases.add(0, &mut lap);
        let at = fast_slot(&chain, params, &generator, &generator_addr)
            .with_context(|| format!("no slot at height {next}"))?;
        phases.add(1, &mut lap);
        let paced = genesis_ts.saturating_add(u64::from(h).saturating_mul(args.pace_ms));
        let ts = Timestamp(at.0.max(paced));
        let header = forger
            .key_block(&chain, ts)
            .with_context(|| format!("forging key block {next}"))?;
        phases.add(2, &mut lap);
        // The blocks a fresh node validates in full (after the last summary boundaries), and
        // a sample of the others; each time also the forger's own slot against the fast one.
        let last_periods = next.saturating_add(2 * period + 2) > final_height;
        if args.validate_every > 0 && (next.is_multiple_of(args.validate_every) || last_periods) {
            let exact = forger
                .slot(&chain)
                .with_context(|| format!("no slot at height {next}"))?;
            if exact.at != at {
                bail!(
                    "height {next}: the forger's slot {} differs from the fast slot {}",
                    exact.at.0,
                    at.0
                );
            }
            validate_key_block(&chain, params, total_supply, &header, ts)
                .with_context(|| format!("validating key block {next}"))?;
            validated += 1;
        }
        phases.add(3, &mut lap);
        chain
            .apply_key_block(&header, summary)
            .with_context(|| format!("applying key block {next}"))?;
        if let Some(s) = built {
            let mut batch = WriteBatch::new();
            batch.put(Column::Summaries, keys::summary(s.index), s.to_bytes());
            chain.store().write(batch)?;
        }
        phases.add(4, &mut lap);
        h = next;
        // The load thread stamps the block after this one while this one gets its micro block.
        if h < final_height {
            req_tx
                .send(Request { stamp: ts })
                .context("the load thread stopped")?;
        }
        let verified = blk_rx.recv().context("the load thread stopped")??;
        phases.add(5, &mut lap);
        if !verified.is_empty() {
            let tip = chain.tip().context("empty chain")?.total_id;
            let micro = forger.micro_block(tip, verified.iter().map(|v| v.tx().clone()).collect());
            chain
                .apply_own_micro_block(&micro, &verified)
                .with_context(|| format!("applying the micro block of {h}"))?;
        }
        phases.add(6, &mut lap);
        if last_report.elapsed() >= Duration::from_secs(10) || h == final_height {
            let rate = f64::from(h - last_report_height) / last_report.elapsed().as_secs_f64();
            let left = f64::from(final_height - h) / rate.max(1e-9);
            let lag = ts.0.saturating_sub(paced) / 1000;
            println!(
                "yeargen: height {h}/{final_height} ({:.1} %), {rate:.0} blocks/s, elapsed {:.0} s, ETA {left:.0} s, behind pace {lag} s",
                100.0 * f64::from(h) / f64::from(final_height),
                started.elapsed().as_secs_f64(),
            );
            last_report = Instant::now();
            last_report_height = h;
        }
        if ts.0 > wall_clock().0 {
            bail!(
                "block {h} would be in the future ({}); give an earlier --genesis-timestamp",
                ts.0
            );
        }
    }
    let forge_secs = forge_started.elapsed().as_secs_f64();
    phases.print();
    println!("yeargen: {validated} key blocks checked with validate_key_block");
    // The first and the last summary, derived again from the finished chain, must be the
    // ones stored (what `store_summary` after the key block would have stored).
    let last = h.saturating_sub(1) / period.max(1);
    for n in [1, last] {
        if n == 0 || period == 0 {
            continue;
        }
        let stored = ltonode_summary::load_summary(&chain, n)?
            .with_context(|| format!("summary {n} was not stored"))?;
        if ltonode_summary::build_summary(&chain, n)?.hash() != stored.hash() {
            bail!("summary {n} derived again differs from the stored one");
        }
    }
    let tip = chain.tip().context("empty chain")?;
    Ok(Forged {
        forge_secs,
        last_timestamp: tip.header.timestamp.0,
    })
}

fn report(
    args: &Args,
    forged: &Forged,
    m: &Measurement,
    counts: &load::Counts,
    active_leases: usize,
    generation_secs: f64,
    now0: u64,
) -> anyhow::Result<()> {
    let behind_now = now0.saturating_sub(forged.last_timestamp) / 1000;
    println!();
    println!("yeargen: done");
    println!(
        "  blocks            {} key blocks (height {})",
        args.blocks, m.height
    );
    println!("  summaries         {}", m.summaries);
    println!(
        "  transactions      {} (anchors {}, transfers {}, mass transfers {}, leases {}, cancels {}, associations {}; {} leases active)",
        counts.total(),
        counts.anchors,
        counts.transfers,
        counts.mass_transfers,
        counts.leases,
        counts.cancels,
        counts.associations,
        active_leases
    );
    println!("  accounts          {}", args.accounts);
    println!(
        "  elapsed           {:.1} s ({:.1} s forging, {:.0} blocks/s)",
        generation_secs,
        forged.forge_secs,
        f64::from(args.blocks) / forged.forge_secs.max(1e-9)
    );
    println!("  last block        {behind_now} s before the start of the run");
    m.print("history data dir");
    let doc = json!({
        "blocks": args.blocks,
        "accounts": args.accounts,
        "txsPerBlock": args.txs_per_block,
        "transactions": {
            "total": counts.total(),
            "anchors": counts.anchors,
            "transfers": counts.transfers,
            "massTransfers": counts.mass_transfers,
            "leases": counts.leases,
            "cancels": counts.cancels,
            "associations": counts.associations,
            "activeLeases": active_leases,
        },
        "generationSeconds": generation_secs,
        "forgingSeconds": forged.forge_secs,
        "lastBlockTimestamp": forged.last_timestamp,
        "lastBlockSecondsBeforeStart": behind_now,
        "history": m.to_json(),
    });
    let path = args.out.join("yeargen.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    println!("  figures written to {}", path.display());
    Ok(())
}

/// Writes one item per line.
fn write_lines(path: &Path, lines: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let mut text = String::new();
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
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
