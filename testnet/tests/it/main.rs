//! Integration tests of the deterministic simulation, one module per topic.

mod agreement;
mod byzantine;
mod crash;
mod determinism;
mod partition;
mod seeds;
mod summaries;
mod support;
