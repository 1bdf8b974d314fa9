//! The deterministic multi-node simulation of ltonode (virtual clock, simulated links with
//! latency, loss and partitions, crashes and restarts; [`sim`]) and the generator of a
//! simulated year of chain for the fast-sync and disk measurements ([`yeargen`], run by the
//! `ltonode-yeargen` binary), and the REST load generator behind `scripts/bench` ([`load`], run
//! by the `ltonode-loadgen` binary).
//!
//! Everything here is seeded: the same seed gives the same run. This crate must never read
//! the wall clock or draw OS randomness inside the simulation; `yeargen` is a tool run by
//! hand and only times itself and places its chain before the wall clock, and `load` measures
//! real nodes by the wall clock.

pub mod load;
pub mod sim;
pub mod yeargen;
