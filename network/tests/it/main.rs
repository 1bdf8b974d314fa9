//! Loopback integration tests of the network service: real swarms on 127.0.0.1, every wait
//! bounded by a timeout, every node shut down at the end.

mod chain_check;
mod connect;
mod gossip;
mod scoring;
mod sync;
mod util;
