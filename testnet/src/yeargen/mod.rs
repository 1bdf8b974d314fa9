//! A simulated year of chain for the fast-sync and disk measurements (`ltonode-yeargen`, whose
//! binary only parses its arguments into [`YearSettings`] and calls [`generate`] or
//! [`measure_data_dir`]).
//!
//! It writes `OUT/genesis.json` (chain id 'T', the testnet preset's base target, a generator
//! and a funder account with published seeds) and `OUT/history/`, the data directory of a
//! history node, so that
//!
//! ```text
//! ltonode run --genesis OUT/genesis.json --preset testnet --history --data-dir OUT/history
//! ```
//!
//! opens the generated chain and serves it. The blocks are forged with the consensus `Forger`
//! under a simulated clock that jumps to each slot, validated with `validate_key_block` and
//! applied exactly as the node's service applies its own blocks (summary hash before each key
//! block, summary stored when a key block closes a period; `forge.rs`).
//!
//! Block times: block `h` comes at its slot, but not before `genesis + (h - 1) * pace`; the
//! genesis timestamp is chosen so that the last block lands about `--end-before-now-secs`
//! before the wall clock at the start of the run.
//!
//! Load: mass transfers fund every account first (100 recipients each), then each key block
//! gets one micro block of `--txs-per-block` transactions, mostly anchors, some transfers, and
//! now and then a lease, cancel or association (`load.rs`). Transactions are built and signed on
//! a second thread, one block ahead of the forger.
//!
//! Besides the two above it writes `OUT/addresses.txt` (every generated account),
//! `OUT/sample-addresses.txt` (accounts worth comparing between nodes: generator, funder,
//! lessors, lease recipients, association issuers, random accounts) and `OUT/yeargen.json`
//! (the figures printed at the end; `report.rs`, `measure.rs`).

// A tool run by hand, not the simulation: it times itself and reads the wall clock (to place
// the chain's end shortly before now). The transactions still come from a seeded RNG only.
#![allow(clippy::disallowed_methods)]

mod forge;
mod load;
mod measure;
mod report;
mod settings;

pub use measure::measure_data_dir;
pub use settings::YearSettings;

use anyhow::{Context, bail};
use forge::{forge_all, spawn_load_thread};
use load::{Load, LoadSettings, derive_accounts};
use ltonode::service::wall_clock;
use ltonode_consensus::ChainParams;
use ltonode_ledger::genesis::{Allocation, GenesisConfig};
use ltonode_ledger::tx::validate::FeeSchedule;
use ltonode_ledger::{Address, Amount, KeyPair, Timestamp};
use measure::measure;
use report::{report, state_sample, write_lines};
use std::time::Instant;

/// Seed of the forging account. Published on purpose: test chains only.
const GENERATOR_SEED: &str = "ltonode yeargen generator -- do not use on any public network";
/// Seed of the account that funds the generated accounts.
const FUNDER_SEED: &str = "ltonode yeargen funder -- do not use on any public network";
/// The generator's stake: 50M LTO (the base target settles near 0.65 * C2 / stake = 65).
const GENERATOR_UNITS: u64 = 50_000_000 * ltonode_ledger::units::UNITS_PER_LTO;

/// Generates a year as [`YearSettings`] say: `OUT/genesis.json`, the history node's data
/// directory `OUT/history/`, the address lists and the figures (see the module docs).
pub fn generate(year: &YearSettings) -> anyhow::Result<()> {
    let started = Instant::now();
    let params = ChainParams::testnet();
    let fees = FeeSchedule {
        fee_price: params.fee_price,
    };
    let history_dir = year.out.join("history");
    if history_dir.exists() {
        if !year.force {
            bail!(
                "{} exists (give --force to replace it)",
                history_dir.display()
            );
        }
        std::fs::remove_dir_all(&history_dir)
            .with_context(|| format!("removing {}", history_dir.display()))?;
    }
    std::fs::create_dir_all(&year.out)
        .with_context(|| format!("creating {}", year.out.display()))?;

    year.blocks
        .checked_add(1)
        .context("--blocks is too large")?;
    let now0 = wall_clock().0;
    let span = u64::from(year.blocks).saturating_mul(year.pace_ms);
    let genesis_ts = match year.genesis_timestamp {
        Some(t) => t,
        None => now0
            .checked_sub(year.end_before_now_secs.saturating_mul(1000))
            .and_then(|t| t.checked_sub(span))
            .context("the chain would start before 1970")?,
    };

    // Genesis: the generator holds the stake, the funder the accounts' money.
    let generator = KeyPair::from_seed_phrase(GENERATOR_SEED, 0);
    let funder = KeyPair::from_seed_phrase(FUNDER_SEED, 0);
    let chain_id = params.chain_id;
    let generator_addr = Address::from_public_key(chain_id, &generator.public_key());
    let funder_addr = Address::from_public_key(chain_id, &funder.public_key());
    let funding = Load::funding_needed(year.accounts, fees)
        .saturating_add(1000 * ltonode_ledger::units::UNITS_PER_LTO);
    let genesis = year_genesis(&params, genesis_ts, generator_addr, funder_addr, funding);
    genesis.validate().context("the generated genesis")?;
    let genesis_path = year.out.join("genesis.json");
    std::fs::write(&genesis_path, genesis.to_json_string() + "\n")
        .with_context(|| format!("writing {}", genesis_path.display()))?;

    println!(
        "yeargen: {} key blocks, {} accounts, {} txs per block into {}",
        year.blocks,
        year.accounts,
        year.txs_per_block,
        year.out.display()
    );
    println!(
        "yeargen: genesis {} ({}), last block due about {} s before now",
        genesis_ts,
        genesis_path.display(),
        year.end_before_now_secs
    );

    // Accounts (two threads), then the load on its own thread, one block ahead.
    let t = Instant::now();
    let keys = derive_accounts(year.accounts, 2)?;
    println!(
        "yeargen: derived {} account keys in {:.1} s",
        keys.len(),
        t.elapsed().as_secs_f64()
    );
    let settings = LoadSettings {
        txs_per_block: year.txs_per_block,
        transfer_percent: year.transfer_percent.min(100),
        special_every: year.special_every,
        seed: year.seed,
    };
    let load = Load::new(
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
        &year.out.join("addresses.txt"),
        addresses.iter().map(Address::to_base58),
    )?;

    let (link, worker) = spawn_load_thread(load);
    let outcome = forge_all(
        year,
        &params,
        &genesis,
        &history_dir,
        generator,
        &link,
        started,
    );
    drop(link);
    let load = worker
        .join()
        .map_err(|_| anyhow::anyhow!("the load thread panicked"))?;
    let forged = outcome?;

    // The state sample: generator, funder, accounts with leases or associations, random ones.
    let sample = state_sample(
        &[generator_addr, funder_addr],
        &load.interesting(),
        &addresses,
        year.seed,
    );
    write_lines(&year.out.join("sample-addresses.txt"), sample.into_iter())?;

    println!("yeargen: flushing and compacting the database for the size figures");
    let m = measure(&history_dir, &params)?;
    let generation_secs = started.elapsed().as_secs_f64();
    report(
        year,
        &forged,
        &m,
        &load.counts,
        load.active_leases(),
        generation_secs,
        now0,
    )
}

/// The genesis of a generated year: chain id 'T', the testnet preset's base target, the
/// generator's stake and the funder's money, both with their published seeds.
fn year_genesis(
    params: &ChainParams,
    timestamp: u64,
    generator: Address,
    funder: Address,
    funding: u64,
) -> GenesisConfig {
    GenesisConfig {
        chain_id: params.chain_id,
        timestamp: Timestamp(timestamp),
        base_target: params.initial_base_target,
        allocations: vec![
            Allocation {
                address: generator,
                amount: Amount(GENERATOR_UNITS),
                seed: Some(GENERATOR_SEED.to_owned()),
            },
            Allocation {
                address: funder,
                amount: Amount(funding),
                seed: Some(FUNDER_SEED.to_owned()),
            },
        ],
        preset: Some("testnet".to_owned()),
    }
}
