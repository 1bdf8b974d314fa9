//! Leased Proof of Importance for ltonode: Waves' Fair-PoS delay with the whitepaper's raffle
//! factor, a VRF hit, base-target adjustment, block validation, fork choice, NG rules and the
//! forger as a pure state machine.
//!
//! This crate must never read a clock, draw its own randomness or do I/O: time, randomness and
//! storage come in as arguments, so a chain of many nodes can be simulated in one process.

pub mod params;
pub mod pos;
pub mod vrf;
