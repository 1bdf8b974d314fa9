//! Key-block validation (Waves' node;
//! docs/architecture.md): what a block must satisfy, given the chain it extends and the time
//! `now` the caller passes in.
//!
//! Checks, in order: version and height; not from the future (`ts < now + max_drift`); base
//! target equal to the recomputed one; the VRF proof of the generator's key over the hit
//! source of the block `hit_lag` below the parent; the generator has no script; its weighted
//! balance `w` (generating balance ≥ minimum, capped by the 10% own-stake rule, times the
//! raffle factor); the delay `ts ≥ parent.ts + delay(hit, parent.bt, w)`; the signature.

// Amounts, weights and heights must not wrap: every integer operation here is checked,
// saturating or provably in range.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use crate::params::ChainParams;
use crate::pos::{
    PosError, RaffleFactor, RaffleInputs, delay_ms, hit_from_vrf_output, next_base_target,
    raffle_factor_ppm, weighted_balance,
};
use crate::vrf::{self, VrfError, VrfProof};
use ltonode_ledger::block::{BlockError, KeyBlockHeader};
use ltonode_ledger::chain::{Chain, ChainError};
use ltonode_ledger::state::StateView;
use ltonode_ledger::{Address, Amount, Height, Store, Timestamp};
use thiserror::Error;

/// Why a key block is refused by consensus.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConsensusError {
    /// The chain could not be read.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// The header is malformed or badly signed.
    #[error("block: {0}")]
    Block(#[from] BlockError),
    /// The block is not the next height.
    #[error("expected height {expected}, found {found}")]
    WrongHeight {
        /// The height after the tip.
        expected: u32,
        /// The height in the header.
        found: u32,
    },
    /// The block's timestamp is too far ahead of local time (may be retried later).
    #[error("block from the future: timestamp {timestamp}, local time {now}")]
    FromFuture {
        /// The block's timestamp.
        timestamp: u64,
        /// The local time the block was checked at.
        now: u64,
    },
    /// The base target is not the recomputed one.
    #[error("base target {found}, expected {expected}")]
    BaseTarget {
        /// The base target recomputed from the chain.
        expected: u64,
        /// The base target in the header.
        found: u64,
    },
    /// The VRF proof does not verify for the generator's key.
    #[error("bad VRF proof: {0}")]
    Vrf(#[from] VrfError),
    /// Scripted accounts cannot forge.
    #[error("generator {0} has an account script")]
    ScriptedGenerator(Address),
    /// The generator is not eligible (balance below the minimum, or zero weight).
    #[error("generator not eligible: {0}")]
    NotEligible(#[from] PosError),
    /// The block came before the generator's delay elapsed.
    #[error("too early: timestamp {timestamp} before {earliest}")]
    TooEarly {
        /// The block's timestamp.
        timestamp: u64,
        /// The parent's timestamp plus the generator's delay.
        earliest: u64,
    },
    /// A header needed for the check is missing.
    #[error("missing header at height {0}")]
    MissingHeader(u32),
}

/// The hit source of a block: 32 zero bytes for genesis, else the first half of the VRF
/// output of its proof.
pub fn hit_source(header: &KeyBlockHeader) -> Result<[u8; 32], ConsensusError> {
    if header.height.0 <= 1 {
        return Ok([0; 32]);
    }
    let beta = vrf::proof_to_hash(&VrfProof(header.vrf_proof))?;
    Ok(vrf::hit_source(&beta))
}

/// The VRF input of the block after `parent_height`: the hit source of the block
/// `hit_lag` below the parent (or the parent's own while the chain is shorter).
pub fn vrf_message<S: Store>(
    chain: &Chain<S>,
    params: &ChainParams,
    parent_height: Height,
) -> Result<[u8; 32], ConsensusError> {
    let source_height = parent_height
        .0
        .checked_sub(params.hit_lag)
        .filter(|h| *h > 0)
        .unwrap_or(parent_height.0);
    let header = chain
        .header_at(Height(source_height))?
        .ok_or(ConsensusError::MissingHeader(source_height))?;
    hit_source(&header)
}

/// Whether the balance window of the block after the tip (generating balance and raffle
/// inputs, `gen_depth` blocks up to the tip) lies wholly above the snapshot a fast-synced
/// chain starts from. Always true for a chain replayed from genesis.
pub fn balance_window_complete<S: Store>(
    chain: &Chain<S>,
    params: &ChainParams,
) -> Result<bool, ConsensusError> {
    Ok(match chain.snapshot_height()? {
        None => true,
        Some(snapshot) => chain.height().0.saturating_sub(params.gen_depth) > snapshot.0,
    })
}

/// The weighted generating balance of `generator` for the block after the tip.
pub fn generator_weight<S: Store>(
    chain: &Chain<S>,
    params: &ChainParams,
    generator: &Address,
    total_supply: u64,
) -> Result<u64, ConsensusError> {
    if chain.script(generator).map_err(ChainError::from)?.is_some() {
        return Err(ConsensusError::ScriptedGenerator(*generator));
    }
    let tip_height = chain.height();
    let generating = chain.generating_balance(generator, tip_height, params.gen_depth)?;
    let account = chain.account(generator).map_err(ChainError::from)?;
    let own = account.regular.saturating_sub(account.lease_out);
    let window_start = Height(tip_height.0.saturating_sub(params.gen_depth));
    let (txs, total_txs) = chain.tx_counts(generator, window_start, tip_height)?;
    let raffle = raffle_factor_ppm(&RaffleInputs {
        stake: generating.min(total_supply),
        total_stake: total_supply,
        txs,
        total_txs,
    })
    .unwrap_or(RaffleFactor::ONE);
    Ok(weighted_balance(
        params,
        Amount(generating),
        Amount(own),
        raffle,
    )?)
}

/// The base target a block after the tip with timestamp `ts` must carry.
pub fn expected_base_target<S: Store>(
    chain: &Chain<S>,
    params: &ChainParams,
    ts: Timestamp,
) -> Result<u64, ConsensusError> {
    let tip = chain.tip().ok_or(ChainError::Empty)?;
    // The grandparent of the new block (height tip - 2) exists once the tip is above 2.
    let grandparent_ts = match tip.height.0.checked_sub(2).filter(|h| *h > 0) {
        Some(grandparent) => Some(
            chain
                .header_at(Height(grandparent))?
                .ok_or(ConsensusError::MissingHeader(grandparent))?
                .timestamp,
        ),
        None => None,
    };
    Ok(next_base_target(
        params,
        tip.header.base_target,
        tip.height,
        ts,
        grandparent_ts,
    )?)
}

/// Validates a key block that extends the tip, at local time `now`.
pub fn validate_key_block<S: Store>(
    chain: &Chain<S>,
    params: &ChainParams,
    total_supply: u64,
    header: &KeyBlockHeader,
    now: Timestamp,
) -> Result<(), ConsensusError> {
    let tip = chain.tip().ok_or(ChainError::Empty)?;
    let expected = tip.height.0.saturating_add(1);
    if header.height.0 != expected {
        return Err(ConsensusError::WrongHeight {
            expected,
            found: header.height.0,
        });
    }
    if header.timestamp.0 >= now.0.saturating_add(params.max_time_drift_ms) {
        return Err(ConsensusError::FromFuture {
            timestamp: header.timestamp.0,
            now: now.0,
        });
    }
    let base_target = expected_base_target(chain, params, header.timestamp)?;
    if header.base_target != base_target {
        return Err(ConsensusError::BaseTarget {
            expected: base_target,
            found: header.base_target,
        });
    }
    let msg = vrf_message(chain, params, tip.height)?;
    let beta = vrf::verify(
        header.generator.as_bytes(),
        &msg,
        &VrfProof(header.vrf_proof),
    )?;
    let hit = hit_from_vrf_output(&vrf::hit_source(&beta));
    let generator = Address::from_public_key(params.chain_id, &header.generator);
    let delay = if balance_window_complete(chain, params)? {
        let weight = generator_weight(chain, params, &generator, total_supply)?;
        delay_ms(params, hit, tip.header.base_target, weight)
    } else {
        // Just after a fast sync the generating-balance window reaches below the snapshot,
        // where this node has no balance history: the balance-dependent delay cannot be
        // recomputed, only its floor. These blocks are vouched for by the checked header
        // chain and, at the next boundary, by the summary hash their successor commits.
        params.t_min_ms
    };
    let earliest = tip.header.timestamp.0.saturating_add(delay);
    if header.timestamp.0 < earliest {
        return Err(ConsensusError::TooEarly {
            timestamp: header.timestamp.0,
            earliest,
        });
    }
    header.verify_signature()?;
    Ok(())
}
