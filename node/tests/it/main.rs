//! Integration tests of the `ltonode` crate: configuration merging and the commands of the
//! built binary, the REST API over HTTP, and real node processes on 127.0.0.1.

mod blocks_file;
mod commands;
mod config;
#[cfg(unix)]
mod crash_kill;
mod deploy;
mod dev_process;
mod fastsync;
mod js_client;
mod loopback;
mod python_client;
mod rest;
mod rest_abuse;
mod schemathesis;
mod setup_probe;
mod verifiers;
