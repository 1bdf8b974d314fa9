//! The node's configuration: clap argument groups that are also the sections of the TOML
//! config file, merged from four layers, lowest first: defaults, the file (`--config`), the
//! `LTONODE_*` environment, flags.
//!
//! One struct serves all layers: clap parses flags and environment into a [`Config`] and reports
//! which fields it took from either ([`ValueSource`](clap::parser::ValueSource)); the file is
//! read into a [`Config`] whose missing keys take the defaults; [`merge`] lays the explicitly
//! given fields over the file. Keys in the file are the flag names (`rest-addr` under
//! `[rest]`); unknown keys, unknown `LTONODE_*` variables and bad values are errors that name
//! the key.

use clap::Args;
use clap::builder::BoolishValueParser;
use ltonode_ledger::genesis::{GenesisConfig, GenesisError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// LTO's REST port.
pub const DEFAULT_REST_PORT: u16 = 6869;
/// LTO's peer-to-peer port.
pub const DEFAULT_P2P_PORT: u16 = 6863;
/// Prefix of the environment variables that override the config file.
pub const ENV_PREFIX: &str = "LTONODE_";

/// Why the configuration could not be put together. The CLI exits with code 2 on these.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    ReadFile {
        /// The file's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The config file is not valid TOML of the config's shape; the message names the key and
    /// shows the line.
    #[error("config file {path}: {message}")]
    ParseFile {
        /// The file's path.
        path: PathBuf,
        /// toml's description, with the offending line.
        message: String,
    },
    /// An `LTONODE_*` environment variable that no setting reads (most likely a typo).
    #[error("unknown environment variable {name} (known: {known})")]
    UnknownEnv {
        /// The variable's name.
        name: String,
        /// The variables the node reads, comma-separated.
        known: String,
    },
    /// Neither `--dev` nor `--genesis` says which chain to run.
    #[error("no chain selected: pass --dev (embedded dev genesis) or --genesis FILE")]
    NoChain,
    /// Both `--dev` and `--genesis` are set (possibly in different layers).
    #[error("--dev and --genesis {genesis} both select a chain; keep one")]
    ChainConflict {
        /// The genesis file given.
        genesis: PathBuf,
    },
    /// The genesis file could not be read.
    #[error("cannot read genesis file {path}: {source}")]
    ReadGenesis {
        /// The file's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The genesis file was refused.
    #[error("genesis file {path}: {source}")]
    Genesis {
        /// The file's path.
        path: PathBuf,
        /// What is wrong with it.
        source: GenesisError,
    },
    /// The layers could not be combined (a value that does not fit its setting).
    #[error("cannot merge configuration: {message}")]
    Merge {
        /// What went wrong.
        message: String,
    },
    /// Both `LTONODE_FORGING_SEED` and a seed file name the forging seed.
    #[error(
        "the forging seed is given twice: LTONODE_FORGING_SEED and --forging-seed-file {path}; keep one"
    )]
    SeedTwice {
        /// The seed file.
        path: PathBuf,
    },
    /// The forging seed file cannot be used.
    #[error("forging seed file {path}: {reason}")]
    SeedFile {
        /// The seed file's path.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// The genesis names a preset and `--preset` another.
    #[error(
        "the genesis runs preset {genesis:?}, --preset says {flag:?}; every node of a chain runs its genesis's preset"
    )]
    PresetMismatch {
        /// The preset the genesis names.
        genesis: Preset,
        /// The preset `--preset` (or the config file) names.
        flag: Preset,
    },
    /// The genesis names a preset this node does not know.
    #[error("the genesis names an unknown preset {0:?} (dev, minimal, testnet, mainnet)")]
    UnknownPreset(String),
    /// The configuration could not be written as TOML.
    #[error("cannot write configuration as TOML: {message}")]
    Render {
        /// What went wrong.
        message: String,
    },
}

/// The REST API.
#[derive(Args, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RestArgs {
    /// Address the REST API listens on.
    #[arg(long, env = "LTONODE_REST_ADDR", value_name = "ADDR", default_value_t = default_rest_addr())]
    pub rest_addr: SocketAddr,
    /// Base58 secure hash of the API key that guards signing and admin routes (see
    /// `ltonode hash-api-key`); without it those routes are disabled.
    #[arg(long, env = "LTONODE_API_KEY_HASH", value_name = "HASH")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_hash: Option<String>,
}

/// Where the node keeps its data.
#[derive(Args, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct StorageArgs {
    /// Directory of the node's database.
    #[arg(long, env = "LTONODE_DATA_DIR", value_name = "DIR", default_value_os_t = default_data_dir())]
    pub data_dir: PathBuf,
    /// Run a history node: keep every transaction instead of pruning final blocks older than
    /// `retain_blocks`. A database that was pruned cannot become a history node.
    #[arg(long, env = "LTONODE_HISTORY")]
    pub history: bool,
    /// Which anchors get an index entry (and so keep their receipt after pruning): `all`,
    /// `own` (sent by the forging account) or `none`. History nodes index all.
    #[arg(long, env = "LTONODE_ANCHOR_INDEX", value_enum, default_value_t = AnchorIndexMode::All)]
    pub anchor_index: AnchorIndexMode,
}

/// The `--anchor-index` choices.
#[derive(clap::ValueEnum, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AnchorIndexMode {
    /// Every anchor.
    #[default]
    All,
    /// Anchors sent by the forging account.
    Own,
    /// None.
    None,
}

/// Block production.
#[derive(Args, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ForgingArgs {
    /// Forge blocks with the forging account.
    #[arg(long, env = "LTONODE_FORGE", value_parser = BoolishValueParser::new())]
    pub forge: bool,
    /// File holding the seed phrase (nonce 0) of the forging account, readable by its owner
    /// only (mode 0600). The seed may instead come from `LTONODE_FORGING_SEED`; never from a
    /// flag or the config file, which other users and `ps` can read.
    #[arg(long, env = "LTONODE_FORGING_SEED_FILE", value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forging_seed_file: Option<PathBuf>,
    /// The seed phrase from `LTONODE_FORGING_SEED` (set by `RunArgs::resolve`; never
    /// serialized, printed as `<redacted>`).
    #[arg(skip)]
    #[serde(skip)]
    pub forging_seed: Option<Secret>,
    /// Dev chain only: anchor transactions the node signs itself (with dev account 4) for
    /// each micro block while its pool is empty, so a lone dev node shows micro blocks
    /// without a client. 0 turns it off.
    #[arg(long, env = "LTONODE_DEV_LOAD", value_name = "N", default_value_t = 0)]
    pub dev_load: usize,
}

/// The environment variable the forging seed phrase may come from.
pub const FORGING_SEED_ENV: &str = "LTONODE_FORGING_SEED";

/// A secret string (a seed phrase): compared and cloned like a string, never shown by
/// `Debug`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The peer-to-peer network.
#[derive(Args, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct P2pArgs {
    /// Address the peer-to-peer listener binds.
    #[arg(long, env = "LTONODE_P2P_ADDR", value_name = "ADDR", default_value_t = default_p2p_addr())]
    pub p2p_addr: SocketAddr,
    /// Peers to connect to at start (comma-separated on the command line and in the env).
    #[arg(
        long,
        env = "LTONODE_PEERS",
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub peers: Vec<String>,
}

/// The whole configuration of `ltonode run`: the chain to run and one section per concern.
#[derive(Args, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Run the single-node dev chain with the embedded genesis (chain T, `ltonode
    /// dev-accounts`).
    #[arg(long, env = "LTONODE_DEV", value_parser = BoolishValueParser::new())]
    pub dev: bool,
    /// Genesis file (JSON) of the chain to run, instead of `--dev`.
    #[arg(long, env = "LTONODE_GENESIS", value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genesis: Option<PathBuf>,
    /// Consensus timing and windows the chain runs with: `dev` (5 s key blocks, a summary
    /// every 120), `minimal` (dev timing, a summary every 8 blocks, pruning after 16: for
    /// tests), `testnet` or `mainnet` (60 s key blocks, a summary every 1440). Every node of
    /// a chain must use the same preset: the genesis names it (`"preset"`), and this setting,
    /// if given, must agree; for a genesis that names none it says which (default `dev`).
    #[arg(long, env = "LTONODE_PRESET", value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// The REST API (`[rest]` in the config file).
    #[command(flatten)]
    pub rest: RestArgs,
    /// Storage (`[storage]`).
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Forging (`[forging]`).
    #[command(flatten)]
    pub forging: ForgingArgs,
    /// Peer-to-peer (`[p2p]`).
    #[command(flatten)]
    pub p2p: P2pArgs,
}

/// The `--preset` choices: which `ChainParams` preset the chain runs with (its chain id
/// always comes from the genesis).
#[derive(clap::ValueEnum, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// `ChainParams::dev()`.
    #[default]
    Dev,
    /// `ChainParams::minimal()`.
    Minimal,
    /// `ChainParams::testnet()`.
    Testnet,
    /// `ChainParams::mainnet()`.
    Mainnet,
}

impl Preset {
    /// The preset a genesis file names.
    pub fn from_name(name: &str) -> Option<Preset> {
        use clap::ValueEnum;
        Preset::from_str(name, true).ok()
    }

    /// The parameters of this preset for a chain with `chain_id`.
    pub fn params(self, chain_id: ltonode_ledger::ChainId) -> ltonode_consensus::ChainParams {
        use ltonode_consensus::ChainParams;
        let mut p = match self {
            Preset::Dev => ChainParams::dev(),
            Preset::Minimal => ChainParams::minimal(),
            Preset::Testnet => ChainParams::testnet(),
            Preset::Mainnet => ChainParams::mainnet(),
        };
        p.chain_id = chain_id;
        p
    }
}

/// The chain a configuration selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainChoice {
    /// The embedded dev genesis.
    Dev,
    /// A genesis file.
    File(PathBuf),
}

fn default_rest_addr() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_REST_PORT)
}

fn default_p2p_addr() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), DEFAULT_P2P_PORT)
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

impl Default for RestArgs {
    fn default() -> RestArgs {
        RestArgs {
            rest_addr: default_rest_addr(),
            api_key_hash: None,
        }
    }
}

impl Default for StorageArgs {
    fn default() -> StorageArgs {
        StorageArgs {
            data_dir: default_data_dir(),
            history: false,
            anchor_index: AnchorIndexMode::All,
        }
    }
}

impl Default for P2pArgs {
    fn default() -> P2pArgs {
        P2pArgs {
            p2p_addr: default_p2p_addr(),
            peers: Vec::new(),
        }
    }
}

impl Config {
    /// Parses a config file's text; keys it leaves out keep their defaults. `path` only
    /// labels errors.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::ParseFile {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// Reads and parses a config file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        Config::from_toml_str(&text, path)
    }

    /// The configuration as a TOML document (what `--config` reads).
    pub fn to_toml_string(&self) -> Result<String, ConfigError> {
        toml::to_string_pretty(self).map_err(|e| ConfigError::Render {
            message: e.to_string(),
        })
    }

    /// What `--dump-config` prints: the TOML document without secrets (the API key hash is
    /// left out and the forging seed never serialized), with a comment naming what was left
    /// out, so the output is still a valid config file and safe to paste.
    pub fn to_redacted_toml_string(&self) -> Result<String, ConfigError> {
        let mut shown = self.clone();
        let mut redacted = Vec::new();
        if shown.rest.api_key_hash.take().is_some() {
            redacted.push("[rest] api-key-hash is set (redacted)");
        }
        if shown.forging.forging_seed.is_some() {
            redacted.push("the forging seed comes from LTONODE_FORGING_SEED (redacted)");
        }
        let mut out = String::new();
        for line in redacted {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&shown.to_toml_string()?);
        Ok(out)
    }

    /// The forging seed phrase: from `LTONODE_FORGING_SEED`, or read from the seed file
    /// (which must be a regular file readable by its owner only; surrounding whitespace is
    /// dropped). `None` when neither is given.
    pub fn forging_seed_phrase(&self) -> Result<Option<Secret>, ConfigError> {
        match (&self.forging.forging_seed, &self.forging.forging_seed_file) {
            (Some(_), Some(path)) => Err(ConfigError::SeedTwice { path: path.clone() }),
            (Some(seed), None) => Ok(Some(seed.clone())),
            (None, Some(path)) => read_seed_file(path).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// The preset the chain runs: the genesis's, which `--preset` may repeat but not
    /// contradict; for a genesis that names none, `--preset` (default `dev`).
    pub fn preset_for(&self, genesis: &GenesisConfig) -> Result<Preset, ConfigError> {
        let named = match &genesis.preset {
            Some(name) => Some(
                Preset::from_name(name).ok_or_else(|| ConfigError::UnknownPreset(name.clone()))?,
            ),
            None => None,
        };
        match (named, self.preset) {
            (Some(g), Some(f)) if g != f => Err(ConfigError::PresetMismatch {
                genesis: g,
                flag: f,
            }),
            (Some(g), _) => Ok(g),
            (None, Some(f)) => Ok(f),
            (None, None) => Ok(Preset::Dev),
        }
    }

    /// The chain's parameters: its preset's, with the genesis's chain id.
    pub fn chain_params(
        &self,
        genesis: &GenesisConfig,
    ) -> Result<ltonode_consensus::ChainParams, ConfigError> {
        Ok(self.preset_for(genesis)?.params(genesis.chain_id))
    }

    /// The chain to run: exactly one of `dev` and `genesis` must be set.
    pub fn chain(&self) -> Result<ChainChoice, ConfigError> {
        match (self.dev, &self.genesis) {
            (true, None) => Ok(ChainChoice::Dev),
            (false, Some(path)) => Ok(ChainChoice::File(path.clone())),
            (true, Some(path)) => Err(ConfigError::ChainConflict {
                genesis: path.clone(),
            }),
            (false, None) => Err(ConfigError::NoChain),
        }
    }

    /// The genesis of the selected chain: the embedded dev genesis, or the file read and
    /// checked.
    pub fn load_genesis(&self) -> Result<GenesisConfig, ConfigError> {
        match self.chain()? {
            ChainChoice::Dev => Ok(GenesisConfig::dev()),
            ChainChoice::File(path) => {
                let text =
                    std::fs::read_to_string(&path).map_err(|source| ConfigError::ReadGenesis {
                        path: path.clone(),
                        source,
                    })?;
                GenesisConfig::from_json_str(&text)
                    .map_err(|source| ConfigError::Genesis { path, source })
            }
        }
    }
}

/// Lays the fields of `overrides` named in `explicit` (clap argument ids, which are the field
/// names) over `base`. `base` is the file layer (defaults where the file is silent);
/// `overrides` holds what clap parsed, where flags already beat the environment.
pub fn merge(
    base: &Config,
    overrides: &Config,
    explicit: &BTreeSet<String>,
) -> Result<Config, ConfigError> {
    let to_table = |c: &Config| {
        toml::Table::try_from(c).map_err(|e| ConfigError::Merge {
            message: e.to_string(),
        })
    };
    let mut merged = to_table(base)?;
    let top = to_table(overrides)?;
    // Serde keys are kebab-case, clap ids snake_case.
    let explicit: BTreeSet<String> = explicit.iter().map(|id| id.replace('_', "-")).collect();
    overlay(&mut merged, &top, &explicit);
    toml::Value::Table(merged)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError::Merge {
            message: e.to_string(),
        })
}

fn overlay(base: &mut toml::Table, top: &toml::Table, explicit: &BTreeSet<String>) {
    for (key, value) in top {
        match (value, base.get_mut(key)) {
            (toml::Value::Table(section), Some(toml::Value::Table(into))) => {
                overlay(into, section, explicit);
            }
            _ if explicit.contains(key) => {
                base.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
}

/// Reads a forging seed file, refusing one that others can read or write.
pub fn read_seed_file(path: &Path) -> Result<Secret, ConfigError> {
    let bad = |reason: String| ConfigError::SeedFile {
        path: path.to_owned(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(bad(format!(
                "mode {mode:04o} lets other users read it; `chmod 600` it"
            )));
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let seed = text.trim();
    if seed.is_empty() {
        return Err(bad("empty".into()));
    }
    Ok(Secret(seed.to_owned()))
}

/// Fails on the first `LTONODE_*` variable in `vars` that is not in `known`, so a misspelt
/// override does not go unnoticed. Other variables are ignored.
pub fn check_env<I>(vars: I, known: &[String]) -> Result<(), ConfigError>
where
    I: IntoIterator<Item = (OsString, OsString)>,
{
    for (name, _) in vars {
        let name = name.to_string_lossy();
        if name.starts_with(ENV_PREFIX) && !known.iter().any(|k| *k == name) {
            return Err(ConfigError::UnknownEnv {
                name: name.into_owned(),
                known: known.join(", "),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_serialise_to_sections() {
        let text = Config::default().to_toml_string().unwrap();
        assert!(
            text.contains("[rest]\nrest-addr = \"127.0.0.1:6869\""),
            "{text}"
        );
        assert!(text.contains("[storage]\ndata-dir = \"data\""), "{text}");
        assert_eq!(
            Config::from_toml_str(&text, Path::new("x")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn chain_choice() {
        let mut c = Config::default();
        assert!(matches!(c.chain(), Err(ConfigError::NoChain)));
        c.dev = true;
        assert_eq!(c.chain().unwrap(), ChainChoice::Dev);
        c.genesis = Some("g.json".into());
        assert!(matches!(c.chain(), Err(ConfigError::ChainConflict { .. })));
        c.dev = false;
        assert_eq!(c.chain().unwrap(), ChainChoice::File("g.json".into()));
    }

    #[test]
    fn unknown_env_is_named() {
        let known = vec!["LTONODE_DEV".to_owned()];
        let vars = |n: &str| vec![(OsString::from(n), OsString::from("1"))];
        assert!(check_env(vars("LTONODE_DEV"), &known).is_ok());
        assert!(check_env(vars("PATH"), &known).is_ok());
        match check_env(vars("LTONODE_DEVV"), &known) {
            Err(ConfigError::UnknownEnv { name, .. }) => assert_eq!(name, "LTONODE_DEVV"),
            other => panic!("{other:?}"),
        }
    }
}
