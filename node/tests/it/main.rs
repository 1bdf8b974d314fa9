//! Integration tests of the `ltonode` crate: configuration merging and the commands of the
//! built binary, and the REST API over HTTP.

mod commands;
mod config;
mod rest;
