//! The forging loop of a generated year: each key block is forged with the consensus
//! [`Forger`] under a simulated clock that jumps to its slot, sometimes validated with
//! [`validate_key_block`], and applied exactly as the node's service applies its own blocks
//! (summary hash before each key block, summary stored when a key block closes a period); its
//! micro block comes from the load thread, which signs one block ahead.

use super::load::Load;
use super::settings::YearSettings;
use anyhow::{Context, bail};
use ltonode::service::{chain_config, wall_clock};
use ltonode_consensus::rules::vrf_message;
use ltonode_consensus::{
    ChainParams, Forger, RaffleFactor, delay_ms, hit_from_vrf_output, validate_key_block, vrf,
    weighted_balance,
};
use ltonode_ledger::chain::{AnchorIndex, Chain, keys};
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::state::StateView;
use ltonode_ledger::store::Column;
use ltonode_ledger::tx::VerifiedTx;
use ltonode_ledger::{
    Address, Amount, Height, KeyPair, RocksConfig, RocksStore, Store, Timestamp, WriteBatch,
};
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One request to the load thread: the transactions of the next block, stamped from `stamp`.
pub(super) struct Request {
    stamp: Timestamp,
}

/// The forging loop's end of the load thread: it asks for the next block's transactions and
/// receives them, signed and verified.
pub(super) struct LoadLink {
    requests: mpsc::SyncSender<Request>,
    blocks: mpsc::Receiver<anyhow::Result<Vec<VerifiedTx>>>,
}

/// Moves `load` to a thread of its own that builds each block's transactions when asked;
/// joining the thread gives the load back (with its counts) once the link is dropped.
pub(super) fn spawn_load_thread(mut load: Load) -> (LoadLink, JoinHandle<Load>) {
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
    let link = LoadLink {
        requests: req_tx,
        blocks: blk_rx,
    };
    (link, worker)
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
pub(super) struct Forged {
    /// Seconds spent in the forging loop.
    pub(super) forge_secs: f64,
    /// Timestamp of the last key block (ms).
    pub(super) last_timestamp: u64,
}

/// Forges the key blocks `2..=blocks + 1` into a history chain created in `history_dir` on
/// `genesis`, with the micro block of each from the load thread behind `load`; checks the
/// first and last summaries at the end. `started` is when the whole run began (for the
/// progress lines).
pub(super) fn forge_all(
    year: &YearSettings,
    params: &ChainParams,
    genesis: &GenesisConfig,
    history_dir: &Path,
    generator: KeyPair,
    load: &LoadLink,
    started: Instant,
) -> anyhow::Result<Forged> {
    let final_height = year
        .blocks
        .checked_add(1)
        .context("--blocks is too large")?;
    let mut chain = open_history(history_dir, params, genesis, year.cache_mb)?;
    let total_supply = genesis.total().units();
    let mut forger = Forger::new(generator.clone(), params.clone(), total_supply);
    let period = params.summary_period;
    let genesis_ts = genesis.timestamp.0;
    let forge_started = Instant::now();
    let mut last_report = Instant::now();
    let mut last_report_height = chain.height().0;

    // Ask for block 2's transactions, stamped with the genesis time.
    load.requests
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
        let paced = genesis_ts.saturating_add(u64::from(h).saturating_mul(year.pace_ms));
        let ts = Timestamp(at.0.max(paced));
        let header = forger
            .key_block(&chain, ts)
            .with_context(|| format!("forging key block {next}"))?;
        phases.add(2, &mut lap);
        // The blocks a fresh node validates in full (after the last summary boundaries), and
        // a sample of the others; each time also the forger's own slot against the fast one.
        let last_periods = next.saturating_add(2 * period + 2) > final_height;
        if year.validate_every > 0 && (next.is_multiple_of(year.validate_every) || last_periods) {
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
            load.requests
                .send(Request { stamp: ts })
                .context("the load thread stopped")?;
        }
        let verified = load.blocks.recv().context("the load thread stopped")??;
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
