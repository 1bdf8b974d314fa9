//! Leased Proof of Importance for ltonode: Waves' Fair-PoS delay with the whitepaper's raffle
//! factor, a VRF hit, base-target adjustment, block validation, fork choice, NG rules and the
//! forger as a pure state machine.
//!
//! This crate must never read a clock, draw its own randomness or do I/O: time, randomness and
//! storage come in as arguments, so a chain of many nodes can be simulated in one process.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod forger;
pub mod fork;
pub mod params;
pub mod pos;
pub mod rules;
pub mod vrf;

pub use forger::{Forger, ForgerAction, Slot};
pub use fork::{
    ForkError, ScoreCache, Sibling, chain_score, headers_score, prefer_sibling, range_score,
    reorg_allowed, should_switch,
};
pub use params::{ChainParams, ParamsError, Ratio, band_for_target};
pub use pos::{
    ChainScore, PosError, RaffleFactor, RaffleInputs, block_score, delay_ms, hit_from_vrf_output,
    next_base_target, raffle_factor_ppm, weighted_balance,
};

pub use rules::{ConsensusError, validate_key_block};
pub use vrf::{
    ProofDefect, VRF_OUTPUT_LEN, VRF_PROOF_LEN, VRF_PUBLIC_KEY_LEN, VrfError, VrfOutput, VrfProof,
};
