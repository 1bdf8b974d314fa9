//! What a generated year leaves besides the database: the figures (printed and in
//! `yeargen.json`), the address lists, and the sample of accounts worth comparing between
//! nodes.

use super::forge::Forged;
use super::load::Counts;
use super::measure::Measurement;
use super::settings::YearSettings;
use anyhow::Context;
use ltonode_ledger::Address;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use std::path::Path;

/// Random picks among the interesting accounts, and among all accounts, in the state sample.
const SAMPLE_PICKS: usize = 100;

/// The accounts worth comparing between nodes, as Base58: `fixed` (generator and funder) first,
/// then, by index, up to [`SAMPLE_PICKS`] seeded picks among the `interesting` indexes
/// (lessors, lease recipients, association issuers) and as many among all `addresses`.
pub(super) fn state_sample(
    fixed: &[Address],
    interesting: &[u32],
    addresses: &[Address],
    seed: u64,
) -> Vec<String> {
    let mut sample: Vec<String> = fixed.iter().map(Address::to_base58).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut picked: Vec<u32> = Vec::new();
    if !interesting.is_empty() {
        for _ in 0..SAMPLE_PICKS {
            let k = rng.random_range(0..interesting.len());
            picked.extend(interesting.get(k));
        }
    }
    if !addresses.is_empty() {
        for _ in 0..SAMPLE_PICKS {
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
    sample
}

/// Prints the summary of a generated year and writes it to `OUT/yeargen.json`.
pub(super) fn report(
    year: &YearSettings,
    forged: &Forged,
    m: &Measurement,
    counts: &Counts,
    active_leases: usize,
    generation_secs: f64,
    now0: u64,
) -> anyhow::Result<()> {
    let behind_now = now0.saturating_sub(forged.last_timestamp) / 1000;
    println!();
    println!("yeargen: done");
    println!(
        "  blocks            {} key blocks (height {})",
        year.blocks, m.height
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
    println!("  accounts          {}", year.accounts);
    println!(
        "  elapsed           {:.1} s ({:.1} s forging, {:.0} blocks/s)",
        generation_secs,
        forged.forge_secs,
        f64::from(year.blocks) / forged.forge_secs.max(1e-9)
    );
    println!("  last block        {behind_now} s before the start of the run");
    m.print("history data dir");
    let doc = json!({
        "blocks": year.blocks,
        "accounts": year.accounts,
        "txsPerBlock": year.txs_per_block,
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
    let path = year.out.join("yeargen.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    println!("  figures written to {}", path.display());
    Ok(())
}

/// Writes one item per line.
pub(super) fn write_lines(path: &Path, lines: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let mut text = String::new();
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
