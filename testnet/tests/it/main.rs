//! Integration tests of the deterministic simulation, one module per topic, and of the REST
//! load generator (`rest_load`).

mod agreement;
mod byzantine;
mod crash;
mod determinism;
mod partition;
mod rest_load;
mod seeds;
mod summaries;
mod support;
