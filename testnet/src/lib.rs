//! The deterministic multi-node simulation of ltonode (virtual clock, simulated links with
//! latency, loss and partitions, crashes and restarts) and the launcher for real nodes on
//! 127.0.0.1.
//!
//! Everything here is seeded: the same seed gives the same run. This crate must never read
//! the wall clock or draw OS randomness inside the simulation.

pub mod sim;
