//! The command line of `ltonode`: subcommands, their arguments, and the output of the
//! subcommands that only print (JSON on stdout, so scripts can parse it).

use crate::config::{Config, ConfigError, ENV_PREFIX, FORGING_SEED_ENV, Secret, check_env, merge};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::{Address, ChainId, KeyPair, secure_hash};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::PathBuf;

/// A validator node for an LTO-Network-style chain.
#[derive(Parser, Debug, Clone)]
#[command(name = "ltonode", version, propagate_version = true)]
pub struct Cli {
    /// How logs are written to stderr: `text` for people (colours only on a terminal, and
    /// never with NO_COLOR set) or `json`, one object per line, for log shippers.
    #[arg(
        long,
        global = true,
        env = "LTONODE_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The format of the log lines.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (timestamp, level, target, fields).
    Json,
}

/// The subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Run a node (config file < LTONODE_* environment < flags).
    Run(Box<RunArgs>),
    /// Print the dev chain's funded accounts as JSON: [{seed, address, balance (units)}].
    DevAccounts,
    /// Print a new (or the given) seed phrase with its address and public key as JSON.
    Keygen(KeygenArgs),
    /// Print base58(secureHash(KEY)), the API key hash to configure as `api-key-hash`.
    HashApiKey {
        /// The API key.
        key: String,
    },
    /// Write the chain's blocks (`--from`..`--to`) to a blocks file; the other settings as for
    /// `run` (chain, preset, data dir; `--history` for a history node's database).
    Export {
        /// The file to write.
        file: PathBuf,
        /// First height.
        #[arg(long, default_value_t = 1)]
        from: u32,
        /// Last height (default: the tip).
        #[arg(long)]
        to: Option<u32>,
        /// The node's settings, as for `run`.
        #[command(flatten)]
        run: Box<RunArgs>,
    },
    /// Import a blocks file made by `export` into the node's database, verifying every block
    /// as sync does; stops at the first refused block. The other settings as for `run`.
    Import {
        /// The blocks file.
        file: PathBuf,
        /// The node's settings, as for `run`.
        #[command(flatten)]
        run: Box<RunArgs>,
    },
    /// Print the height, tip and state hash of the node's database as JSON (the node must be
    /// stopped): two databases that applied the same blocks print the same hash. The settings
    /// as for `run`.
    StateHash {
        /// The node's settings, as for `run`.
        #[command(flatten)]
        run: Box<RunArgs>,
    },
    /// Check an anchor receipt against one trusted key-block id (docs/receipts.md): given
    /// as `--trust`, as the header in `--trust-file`, or the latest key block of `--node`.
    /// Prints {"valid": ...}; exits 1 when the receipt is invalid.
    VerifyReceipt {
        /// The receipt (JSON, or the reply of GET /anchors/{hash}).
        file: PathBuf,
        /// The id (Base58) of a key block you trust, which the receipt is anchored to.
        #[arg(long, value_name = "BLOCK_ID", conflicts_with_all = ["trust_file", "node"],
              required_unless_present_any = ["trust_file", "node"])]
        trust: Option<String>,
        /// A file holding a key-block header you trust: its bytes raw, in hex or in base64,
        /// or the JSON of GET /blocks/headers/last.
        #[arg(long, value_name = "FILE", conflicts_with = "node")]
        trust_file: Option<PathBuf>,
        /// A node to trust (http://host:port): its latest key block, and the receipt's
        /// proof up to it, are fetched from it.
        #[arg(long, value_name = "URL")]
        node: Option<String>,
    },
}

/// Arguments of `ltonode run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// TOML config file; its sections are `[rest]`, `[storage]`, `[forging]`, `[p2p]` and its
    /// keys the flag names (see `--dump-config`).
    #[arg(long, env = "LTONODE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the merged configuration as TOML and exit.
    #[arg(long)]
    pub dump_config: bool,
    /// Settings given as flags or `LTONODE_*` variables.
    #[command(flatten)]
    pub settings: Config,
    /// Ids of the settings given explicitly (flag or environment), filled in by
    /// [`Cli::parse_args`] and [`Cli::try_parse_args_from`].
    #[arg(skip)]
    pub explicit: BTreeSet<String>,
}

/// Arguments of `ltonode keygen`.
#[derive(Args, Debug, Clone)]
pub struct KeygenArgs {
    /// Seed phrase to derive from (nonce 0); without it a new seed is drawn: 32 random bytes
    /// from the operating system's generator, written in Base58.
    #[arg(long, value_name = "PHRASE")]
    pub seed: Option<String>,
    /// Chain id of the address (one character: T testnet and dev, L mainnet).
    #[arg(long, value_name = "ID", default_value = "T", value_parser = parse_chain_id)]
    pub chain: ChainId,
}

fn parse_chain_id(s: &str) -> Result<ChainId, String> {
    match s.as_bytes() {
        [c] if c.is_ascii_graphic() => Ok(ChainId(*c)),
        _ => Err(format!("chain id must be one character, found {s:?}")),
    }
}

impl Cli {
    /// Parses the process's arguments and environment; on a usage error prints it and exits
    /// with code 2.
    pub fn parse_args() -> Cli {
        let matches = Cli::command().get_matches();
        Cli::from_matches(&matches).unwrap_or_else(|e| e.exit())
    }

    /// Parses `args` (the first is the program name) and the process environment.
    pub fn try_parse_args_from<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let matches = Cli::command().try_get_matches_from(args)?;
        Cli::from_matches(&matches)
    }

    fn from_matches(matches: &ArgMatches) -> Result<Cli, clap::Error> {
        let mut cli = Cli::from_arg_matches(matches)?;
        let run = match &mut cli.command {
            Command::Run(run)
            | Command::Export { run, .. }
            | Command::Import { run, .. }
            | Command::StateHash { run } => Some(run),
            _ => None,
        };
        if let (Some(run), Some((_, sub))) = (run, matches.subcommand()) {
            run.explicit = sub
                .ids()
                .filter(|id| {
                    matches!(
                        sub.value_source(id.as_str()),
                        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
                    )
                })
                .map(|id| id.to_string())
                .collect();
        }
        Ok(cli)
    }
}

/// The `LTONODE_*` variables `ltonode run` reads.
pub fn known_env_vars() -> Vec<String> {
    let command = Cli::command();
    command
        .get_subcommands()
        .filter(|c| c.get_name() == "run")
        .flat_map(|c| c.get_arguments())
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .filter(|e| e.starts_with(ENV_PREFIX))
        .chain(std::iter::once(FORGING_SEED_ENV.to_owned()))
        .chain(std::iter::once("LTONODE_LOG_FORMAT".to_owned()))
        .collect()
}

impl RunArgs {
    /// The merged configuration: defaults < config file < `LTONODE_*` environment < flags.
    /// `env` is the process environment, checked for unknown `LTONODE_*` variables (clap has
    /// already read the known ones).
    pub fn resolve<I>(&self, env: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = (OsString, OsString)>,
    {
        let env: Vec<(OsString, OsString)> = env.into_iter().collect();
        check_env(env.iter().cloned(), &known_env_vars())?;
        let file = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        let mut config = merge(&file, &self.settings, &self.explicit)?;
        // The seed is read from the environment only (clap does not know it: no flag).
        config.forging.forging_seed = env
            .iter()
            .find(|(k, _)| k == FORGING_SEED_ENV)
            .map(|(_, v)| Secret(v.to_string_lossy().into_owned()));
        Ok(config)
    }
}

/// `ltonode dev-accounts`: the dev genesis's accounts as pretty JSON.
pub fn dev_accounts_json() -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&GenesisConfig::dev_accounts())
}

/// `ltonode keygen`: `{seed, address, publicKey, chainId}` of `seed` (nonce 0) on `chain`.
pub fn keygen_json(seed: &str, chain: ChainId) -> Result<String, serde_json::Error> {
    let public_key = KeyPair::from_seed_phrase(seed, 0).public_key();
    let address = Address::from_public_key(chain, &public_key);
    serde_json::to_string_pretty(&serde_json::json!({
        "seed": seed,
        "address": address.to_string(),
        "publicKey": public_key.to_base58(),
        "chainId": chain.to_string(),
    }))
}

/// A new seed phrase: 32 bytes from the thread's CSPRNG (seeded by the operating system), in
/// Base58.
pub fn new_seed() -> String {
    use rand::RngExt;
    let bytes: [u8; 32] = rand::rng().random();
    bs58::encode(bytes).into_string()
}

/// `ltonode hash-api-key`: base58(secureHash(key)), as LTO stores `rest-api.api-key-hash`.
pub fn hash_api_key(key: &str) -> String {
    bs58::encode(secure_hash(key.as_bytes())).into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> RunArgs {
        let argv = std::iter::once("ltonode")
            .chain(std::iter::once("run"))
            .chain(args.iter().copied());
        match Cli::try_parse_args_from(argv).unwrap().command {
            Command::Run(r) => *r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn clap_defaults_equal_serde_defaults() {
        let run = run_args(&[]);
        assert_eq!(run.settings, Config::default());
    }

    #[test]
    fn explicit_flags_are_recorded() {
        let run = run_args(&["--dev", "--rest-addr", "127.0.0.1:1", "--peers", "a:1,b:2"]);
        for id in ["dev", "rest_addr", "peers"] {
            assert!(run.explicit.contains(id), "{id} in {:?}", run.explicit);
        }
        assert!(!run.explicit.contains("data_dir"));
        assert_eq!(run.settings.p2p.peers, ["a:1", "b:2"]);
    }

    #[test]
    fn known_env_vars_cover_every_setting() {
        let known = known_env_vars();
        for v in [
            "LTONODE_CONFIG",
            "LTONODE_DEV",
            "LTONODE_GENESIS",
            "LTONODE_REST_ADDR",
            "LTONODE_API_KEY_HASH",
            "LTONODE_DATA_DIR",
            "LTONODE_FORGE",
            "LTONODE_FORGING_SEED",
            "LTONODE_P2P_ADDR",
            "LTONODE_PEERS",
        ] {
            assert!(known.iter().any(|k| k == v), "{v}");
        }
    }

    #[test]
    fn chain_id_parser() {
        assert_eq!(parse_chain_id("L"), Ok(ChainId::MAINNET));
        assert!(parse_chain_id("LT").is_err());
        assert!(parse_chain_id("").is_err());
    }

    #[test]
    fn new_seeds_differ() {
        assert_ne!(new_seed(), new_seed());
    }
}
