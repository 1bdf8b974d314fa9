//! Integration tests of the `ltonode` crate: configuration merging and the commands of the
//! built binary.

mod commands;
mod config;
