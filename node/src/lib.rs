//! The `ltonode` node: its command line and configuration, and the loop that runs a node.
//!
//! This crate is the only place (with `testnet`) that knows tokio, clap and the process: it
//! reads files, the environment and signals, and drives the pure crates (`ltonode-ledger`,
//! `ltonode-consensus`, ...). It must never hold chain rules of its own; those live in the pure
//! crates and their `ChainParams`.

pub mod blocks_file;
pub mod cli;
pub mod config;
pub mod metrics;
pub mod p2p;
pub mod rest;
pub mod service;
pub mod sync_status;
pub mod verify;

use anyhow::Context;
use cli::{Cli, Command, dev_accounts_json, hash_api_key, keygen_json, new_seed};
use config::{ChainChoice, Config};
use std::ffi::OsString;
use std::io::Write;

/// Runs one parsed command line. `env` is the process environment (checked for unknown
/// `LTONODE_*` variables by `run`); what the command prints goes to `out`.
pub async fn dispatch<I, W>(cli: Cli, env: I, out: &mut W) -> anyhow::Result<()>
where
    I: IntoIterator<Item = (OsString, OsString)>,
    W: Write + Send,
{
    match cli.command {
        Command::Run(run) => {
            let config = run.resolve(env)?;
            if run.dump_config {
                out.write_all(config.to_redacted_toml_string()?.as_bytes())?;
                return Ok(());
            }
            run_node(config).await
        }
        Command::DevAccounts => {
            writeln!(out, "{}", dev_accounts_json()?)?;
            Ok(())
        }
        Command::Keygen(args) => {
            let seed = args.seed.unwrap_or_else(new_seed);
            writeln!(out, "{}", keygen_json(&seed, args.chain)?)?;
            Ok(())
        }
        Command::HashApiKey { key } => {
            writeln!(out, "{}", hash_api_key(&key))?;
            Ok(())
        }
        Command::Export {
            file,
            from,
            to,
            run,
        } => {
            let config = run.resolve(env)?;
            let chain = open_for_tools(&config)?;
            let to = to.unwrap_or(u32::MAX);
            let mut bar = ProgressBar::new("export");
            let n = blocks_file::export(&chain, &file, from, to, |p| bar.show(&p))?;
            bar.finish();
            let json = serde_json::json!({
                "exported": n,
                "from": from.max(1),
                "to": chain.height().0.min(to),
                "file": file.display().to_string(),
            });
            writeln!(out, "{json}")?;
            Ok(())
        }
        Command::Import { file, run } => {
            let config = run.resolve(env)?;
            let chain = open_for_tools(&config)?;
            let genesis = config.load_genesis()?;
            let params = config.chain_params(&genesis)?;
            let chain_id = params.chain_id;
            let total = blocks_file::count_blocks(&file, chain_id)?;
            let mut core = ltonode_core::Core::new(
                chain,
                ltonode_core::CoreConfig::new(params, genesis.total(), None),
            )?;
            let mut reader = blocks_file::BlockReader::open(&file, chain_id)?;
            let mut bar = ProgressBar::new("import");
            let result = blocks_file::import(&mut core, &mut reader, total, |p| bar.show(&p));
            bar.finish();
            let imported = result?;
            let tip = core.chain().tip().context("the chain has no genesis")?;
            let json = serde_json::json!({
                "imported": imported,
                "height": tip.height.0,
                "tip": tip.total_id.to_base58(),
            });
            writeln!(out, "{json}")?;
            Ok(())
        }
        Command::StateHash { run } => {
            let config = run.resolve(env)?;
            let chain = open_for_tools(&config)?;
            let tip = chain.tip().context("the chain has no genesis")?;
            let json = serde_json::json!({
                "height": tip.height.0,
                "tip": tip.total_id.to_base58(),
                "stateHash": bs58::encode(chain.state_hash()?).into_string(),
            });
            writeln!(out, "{json}")?;
            Ok(())
        }
        Command::VerifyReceipt {
            file,
            trust,
            trust_file,
            node,
        } => {
            let read = |p: &std::path::Path| {
                std::fs::read(p).map_err(|source| verify::VerifyError::Io {
                    path: p.display().to_string(),
                    source,
                })
            };
            let receipt = String::from_utf8_lossy(&read(&file)?).into_owned();
            let trust = match (trust, trust_file, node) {
                (Some(id), _, _) => verify::Trust::Block(id),
                (None, Some(f), _) => verify::Trust::HeaderFile(read(&f)?),
                (None, None, Some(url)) => verify::Trust::Node(url),
                (None, None, None) => {
                    anyhow::bail!("give --trust BLOCK_ID, --trust-file FILE or --node URL")
                }
            };
            let verdict = verify::verify_receipt(&receipt, &trust)?;
            writeln!(out, "{verdict}")?;
            if verdict["valid"] != serde_json::Value::Bool(true) {
                anyhow::bail!("the receipt is not valid");
            }
            Ok(())
        }
    }
}

/// Runs a node with a merged configuration until Ctrl-C (or SIGTERM).
///
/// Loads the selected genesis (the embedded dev genesis, or the `--genesis` file), opens the
/// RocksDB store under `--data-dir` (applying the genesis block on first start, continuing
/// the stored chain afterwards), and forges key blocks and micro blocks with the wall clock
/// (the dev chain forges with dev account 1; other chains with the seed of
/// `--forging-seed-file` or `LTONODE_FORGING_SEED`), and serves
/// the REST API on `--rest-addr`, and joins the peer-to-peer network on `--p2p-addr`
/// (dialling `--peers`; see [`p2p`]). Ctrl-C, SIGTERM or
/// `POST /node/stop` stops both the forging loop and the API.
pub async fn run_node(config: Config) -> anyhow::Result<()> {
    let genesis = config.load_genesis()?;
    let choice = config.chain()?;
    let chain_name = match &choice {
        ChainChoice::Dev => "dev (embedded genesis)".to_owned(),
        ChainChoice::File(path) => format!("genesis file {}", path.display()),
    };
    // The preset's timing and windows (`dev()` unless `--preset` says otherwise) with the
    // genesis' chain id.
    let params = config.chain_params(&genesis)?;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        chain = %chain_name,
        chain_id = %genesis.chain_id,
        preset = ?config.preset_for(&genesis)?,
        data_dir = %config.storage.data_dir.display(),
        accounts = genesis.allocations.len(),
        "starting ltonode",
    );
    for account in genesis.seeded_accounts() {
        tracing::info!(
            address = %account.address,
            balance = %account.balance,
            seed = %account.seed,
            "genesis account with a published seed",
        );
    }
    let dev_accounts = ltonode_ledger::genesis::GenesisConfig::dev_accounts();
    let dev_key = |i: usize| {
        dev_accounts
            .get(i)
            .map(|a| ltonode_ledger::KeyPair::from_seed_phrase(&a.seed, 0))
    };
    let forging_seed = config.forging_seed_phrase()?;
    // The node's wallet: the seed's account, or dev account 1 on the dev chain.
    let wallet = match (&forging_seed, &choice) {
        (Some(seed), _) => Some(ltonode_ledger::KeyPair::from_seed_phrase(&seed.0, 0)),
        (None, ChainChoice::Dev) => dev_key(0),
        (None, ChainChoice::File(_)) => None,
    };
    // `--forge` means what it says: the node forges with its wallet only when told to
    // (`--dev` implies it).
    let forge = config.forging.forge || matches!(choice, ChainChoice::Dev);
    if forge && wallet.is_none() {
        anyhow::bail!("--forge needs --forging-seed-file FILE (or LTONODE_FORGING_SEED)");
    }
    if !forge && wallet.is_some() {
        tracing::info!("a forging seed is set but --forge is not: the account is the wallet only");
    }
    let forging_key = if forge { wallet.clone() } else { None };
    let anchor_index = match config.storage.anchor_index {
        config::AnchorIndexMode::All => ltonode_ledger::chain::AnchorIndex::All,
        config::AnchorIndexMode::None => ltonode_ledger::chain::AnchorIndex::None,
        config::AnchorIndexMode::Own => ltonode_ledger::chain::AnchorIndex::Own(
            forging_key
                .iter()
                .map(|k| ltonode_ledger::Address::from_public_key(params.chain_id, &k.public_key()))
                .collect(),
        ),
    };
    let chain = service::open_chain(
        &config.storage.data_dir,
        &params,
        &genesis,
        config.storage.history,
        anchor_index,
    )?;
    let tip = chain.tip().context("the chain has no genesis")?;
    tracing::info!(height = tip.height.0, block = %tip.header.id(), "chain opened");
    if let Some(k) = &forging_key {
        tracing::info!(
            generator = %ltonode_ledger::Address::from_public_key(params.chain_id, &k.public_key()),
            "forging"
        );
    }
    let mut core_config =
        ltonode_core::CoreConfig::new(params.clone(), genesis.total(), forging_key.clone());
    if matches!(choice, ChainChoice::Dev)
        && config.forging.dev_load > 0
        && let Some(k) = dev_key(3)
    {
        core_config.dev_load = Some((k, config.forging.dev_load));
    }
    let genesis_id = chain
        .header_at(ltonode_ledger::Height(1))?
        .context("the chain has no genesis")?
        .id();
    let core = ltonode_core::Core::new(chain, core_config)?;
    let (outbox, outbox_rx) = p2p::outbox();
    let net_config = p2p::network_config(
        config.p2p.p2p_addr,
        &config.p2p.peers,
        params.chain_id,
        genesis_id.0,
        params.params_hash(),
        Some(p2p::load_or_create_key(&config.storage.data_dir)?),
    )?;
    // Listen before saying so, so a signal sent on seeing the message is never missed.
    let signal = ShutdownSignal::listen()?;
    let listener = tokio::net::TcpListener::bind(config.rest.rest_addr)
        .await
        .with_context(|| format!("cannot bind the REST API to {}", config.rest.rest_addr))?;
    tracing::info!(addr = %listener.local_addr()?, "REST API listening");
    let metrics = std::sync::Arc::new(metrics::Metrics::new()?);
    let net_metrics = metrics.clone();
    let task = service::spawn_core(core, Some(outbox), Some(metrics.clone()))
        .context("cannot start the chain core's thread")?;
    let sync_status = sync_status::SharedSyncStatus::default();
    let network_slot = rest::NetworkSlot::default();

    // One switch stops everything: a signal, `POST /node/stop`, or either task ending.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stop_tx = std::sync::Arc::new(stop_tx);
    let signal_task = tokio::spawn({
        let stop = stop_tx.clone();
        async move {
            signal.wait().await;
            stop.send_replace(true);
        }
    });
    let state = rest::RestState::new(
        task.handle.clone(),
        task.reader.clone(),
        config.rest.api_key_hash.clone(),
    )
    .with_wallet(wallet)
    .with_notary(rest::routes_forms::Notary::new(
        p2p::load_or_create_seed(&config.storage.data_dir, "notary.key")?,
        params.chain_id,
    ))
    .with_sync_status(sync_status.clone())
    .with_network(network_slot.clone())
    .with_stop(stop_tx.clone())
    .with_metrics(metrics);
    tracing::info!("running; waiting for Ctrl-C (or SIGTERM, or POST /node/stop)");
    let chain_loop = async {
        let r = service::run_forging(task.handle.clone(), stopped(stop_rx.clone())).await;
        stop_tx.send_replace(true);
        r
    };
    let api = async {
        let r = rest::serve(listener, state, stopped(stop_rx.clone())).await;
        stop_tx.send_replace(true);
        r
    };
    let network = async {
        let r = p2p::run(
            p2p::Bridge::new(
                task.handle.clone(),
                task.reader.clone(),
                sync_status,
                genesis,
            )
            .with_metrics(net_metrics)
            .with_network_slot(network_slot),
            net_config,
            outbox_rx,
            stopped(stop_rx.clone()),
        )
        .await;
        stop_tx.send_replace(true);
        r
    };
    let (chain_result, api_result, net_result) = tokio::join!(chain_loop, api, network);
    signal_task.abort();
    let height = task.reader.snapshot().height().0;
    tracing::info!(height, "shutting down");
    task.shutdown().await;
    chain_result?;
    api_result.context("REST API failed")?;
    net_result.context("peer-to-peer network failed")?;
    Ok(())
}

/// The chain of `config`'s data dir for `export` and `import` (created with its genesis
/// block when empty).
fn open_for_tools(
    config: &Config,
) -> anyhow::Result<ltonode_ledger::chain::Chain<service::NodeStore>> {
    let genesis = config.load_genesis()?;
    let params = config.chain_params(&genesis)?;
    service::open_chain(
        &config.storage.data_dir,
        &params,
        &genesis,
        config.storage.history,
        ltonode_ledger::chain::AnchorIndex::All,
    )
}

/// A progress bar on stderr: redrawn in place on a terminal, a line every 5 s otherwise.
struct ProgressBar {
    what: &'static str,
    terminal: bool,
    last: Option<std::time::Instant>,
    drawn: bool,
}

impl ProgressBar {
    fn new(what: &'static str) -> ProgressBar {
        use std::io::IsTerminal;
        ProgressBar {
            what,
            terminal: std::io::stderr().is_terminal(),
            last: None,
            drawn: false,
        }
    }

    fn show(&mut self, p: &blocks_file::Progress) {
        let now = std::time::Instant::now();
        if !self.terminal
            && self
                .last
                .is_some_and(|t| now.duration_since(t).as_secs() < 5)
        {
            return;
        }
        self.last = Some(now);
        let width = 30usize;
        let filled = (p.done.min(p.total) * width as u64)
            .checked_div(p.total)
            .unwrap_or(0) as usize;
        let bar = format!("[{}{}]", "#".repeat(filled), ".".repeat(width - filled));
        let mut err = std::io::stderr();
        if self.terminal {
            let _ = write!(err, "\r{} {bar} {}", self.what, p.line());
        } else {
            let _ = writeln!(err, "{} {bar} {}", self.what, p.line());
        }
        self.drawn = true;
    }

    fn finish(&self) {
        if self.terminal && self.drawn {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// Completes when `stop` turns true (or its sender is gone).
async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    // An error means the sender is gone, which also means stop.
    let _ = stop.wait_for(|s| *s).await;
}

/// Ctrl-C (SIGINT) or, on Unix, SIGTERM, registered when built.
struct ShutdownSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignal {
    #[cfg(unix)]
    fn listen() -> anyhow::Result<ShutdownSignal> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(ShutdownSignal {
            interrupt: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
        })
    }

    #[cfg(not(unix))]
    fn listen() -> anyhow::Result<ShutdownSignal> {
        Ok(ShutdownSignal {})
    }

    #[cfg(unix)]
    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }

    #[cfg(not(unix))]
    async fn wait(self) {
        // Without a handler the default action (exit) applies, which is shutdown as well.
        let _ = tokio::signal::ctrl_c().await;
    }
}
