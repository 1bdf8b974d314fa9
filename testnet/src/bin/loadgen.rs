//! `ltonode-loadgen`: the load generator behind `scripts/bench` (see `ltonode_testnet::load`).
//! Each mode ends with one line of JSON on stdout; progress goes to stderr. This binary only
//! parses its arguments.

use clap::{Parser, Subcommand};
use ltonode_testnet::load::anchors::{self, AnchorsSettings};
use ltonode_testnet::load::broadcast::{self, BroadcastSettings};
use ltonode_testnet::load::testnet::{self, TestnetSettings};
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::signal::unix::{SignalKind, signal};

/// Loads the node's REST API over keep-alive HTTP/1.1 connections on 127.0.0.1 and prints
/// one JSON line of figures.
#[derive(Parser, Debug)]
#[command(name = "ltonode-loadgen", version)]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand, Debug)]
enum Mode {
    /// GET /anchors/{hash} on an in-process store of --anchors anchors.
    Anchors {
        /// Seconds of load.
        #[arg(long, default_value_t = 20.0)]
        seconds: f64,
        /// Keep-alive connections.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Anchors in the store.
        #[arg(long, default_value_t = 1_000_000)]
        anchors: u64,
    },
    /// POST /transactions/broadcast of pre-signed anchor transactions to an in-process core.
    Broadcast {
        /// Seconds of load.
        #[arg(long, default_value_t = 20.0)]
        seconds: f64,
        /// Keep-alive connections.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Funded sender accounts (at most 500, the genesis limit; fewer senders means more
        /// pending transactions per account).
        #[arg(long, default_value_t = 500)]
        senders: usize,
        /// Transactions signed ahead per second of load (the run ends early if they run out).
        #[arg(long, default_value_t = 20_000)]
        max_rate: u64,
    },
    /// A 4-node testnet of real processes (scripts/testnet) under anchor transactions.
    Testnet {
        /// Seconds of load.
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        /// Keep-alive connections, spread over the nodes.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Offered transactions per second.
        #[arg(long, default_value_t = 2_000)]
        rate: u64,
        /// Nodes.
        #[arg(long, default_value_t = 4)]
        nodes: usize,
        /// The launcher.
        #[arg(long, default_value = "scripts/testnet")]
        script: PathBuf,
        /// The ltonode binary (default: the launcher builds one in release).
        #[arg(long)]
        ltonode: Option<PathBuf>,
        /// The genesis the launcher runs.
        #[arg(long, default_value = "genesis.json")]
        genesis: PathBuf,
        /// Seconds to wait after the load for the last confirmations.
        #[arg(long, default_value_t = 30.0)]
        drain_seconds: f64,
    },
}

async fn run(mode: Mode) -> anyhow::Result<serde_json::Value> {
    Ok(match mode {
        Mode::Anchors {
            seconds,
            connections,
            anchors,
        } => anchors::run(&AnchorsSettings {
            seconds,
            connections,
            anchors,
        })
        .await?
        .to_json(),
        Mode::Broadcast {
            seconds,
            connections,
            senders,
            max_rate,
        } => broadcast::run(&BroadcastSettings {
            seconds,
            connections,
            senders,
            max_rate,
        })
        .await?
        .to_json(),
        Mode::Testnet {
            seconds,
            connections,
            rate,
            nodes,
            script,
            ltonode,
            genesis,
            drain_seconds,
        } => testnet::run(&TestnetSettings {
            seconds,
            connections,
            rate,
            nodes,
            script,
            ltonode,
            genesis,
            drain_seconds,
        })
        .await?
        .to_json(),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let connections = match &args.mode {
        Mode::Anchors { connections, .. }
        | Mode::Broadcast { connections, .. }
        | Mode::Testnet { connections, .. } => *connections,
    };
    if connections == 0 {
        eprintln!("ltonode-loadgen: --connections must be at least 1");
        return ExitCode::from(2);
    }
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        eprintln!("ltonode-loadgen: cannot listen for SIGTERM");
        return ExitCode::FAILURE;
    };
    // Ctrl-C or SIGTERM drops the run: its testnet guard stops the nodes.
    let result = tokio::select! {
        r = run(args.mode) => r,
        _ = tokio::signal::ctrl_c() => return interrupted("interrupted"),
        _ = term.recv() => return interrupted("terminated"),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ltonode-loadgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn interrupted(what: &str) -> ExitCode {
    eprintln!("ltonode-loadgen: {what}; no figures");
    ExitCode::from(130)
}
