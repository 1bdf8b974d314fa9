//! Configuration layers: defaults < file < environment < flags, and the file's errors.

use ltonode::config::{Config, ConfigError, merge};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

const FILE: &str = r#"
dev = true

[rest]
rest-addr = "127.0.0.1:1111"

[storage]
data-dir = "from-file"

[p2p]
peers = ["file-peer:6863"]
"#;

#[test]
fn file_overrides_defaults() {
    let file = Config::from_toml_str(FILE, Path::new("node.toml")).unwrap();
    assert!(file.dev);
    assert_eq!(file.rest.rest_addr, addr("127.0.0.1:1111"));
    assert_eq!(file.storage.data_dir, PathBuf::from("from-file"));
    assert_eq!(file.p2p.peers, ["file-peer:6863"]);
    // Keys the file leaves out keep their defaults.
    assert_eq!(file.p2p.p2p_addr, Config::default().p2p.p2p_addr);
    assert!(!file.forging.forge);
}

#[test]
fn explicit_layers_beat_the_file_and_silent_ones_do_not() {
    let file = Config::from_toml_str(FILE, Path::new("node.toml")).unwrap();
    // What clap parsed: the environment set the REST address and data dir, a flag then set the
    // data dir again (clap lets the flag win), everything else is a clap default.
    let mut parsed = Config::default();
    parsed.rest.rest_addr = addr("127.0.0.1:2222");
    parsed.storage.data_dir = "from-flag".into();
    parsed.forging.forge = true;
    let merged = merge(&file, &parsed, &ids(&["rest_addr", "data_dir", "forge"])).unwrap();
    assert_eq!(merged.rest.rest_addr, addr("127.0.0.1:2222"));
    assert_eq!(merged.storage.data_dir, PathBuf::from("from-flag"));
    assert!(merged.forging.forge);
    // Not given explicitly: the file's values survive even though clap holds defaults.
    assert!(merged.dev);
    assert_eq!(merged.p2p.peers, ["file-peer:6863"]);
    // Nothing explicit: the file as it is.
    assert_eq!(merge(&file, &parsed, &BTreeSet::new()).unwrap(), file);
}

#[test]
fn explicit_optional_and_list_settings_override() {
    let file = Config::from_toml_str(FILE, Path::new("node.toml")).unwrap();
    let mut parsed = Config {
        genesis: Some("g.json".into()),
        ..Config::default()
    };
    parsed.forging.forging_seed_file = Some("seed.txt".into());
    parsed.p2p.peers = vec!["a:1".into(), "b:2".into()];
    let merged = merge(
        &file,
        &parsed,
        &ids(&["genesis", "forging_seed_file", "peers"]),
    )
    .unwrap();
    assert_eq!(merged.genesis, Some(PathBuf::from("g.json")));
    assert_eq!(
        merged.forging.forging_seed_file,
        Some(PathBuf::from("seed.txt"))
    );
    assert_eq!(merged.p2p.peers, ["a:1", "b:2"]);
}

#[test]
fn unknown_key_is_an_error_naming_it() {
    let err = Config::from_toml_str("[rest]\nrest-adr = \"127.0.0.1:1\"\n", Path::new("n.toml"))
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::ParseFile { .. }));
    assert!(msg.contains("rest-adr"), "{msg}");
    assert!(msg.contains("n.toml"), "{msg}");

    let err = Config::from_toml_str("colour = 1\n", Path::new("n.toml")).unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
}

#[test]
fn bad_value_is_an_error_naming_the_key() {
    let err =
        Config::from_toml_str("[p2p]\np2p-addr = \"nowhere\"\n", Path::new("n.toml")).unwrap_err();
    assert!(matches!(err, ConfigError::ParseFile { .. }));
    assert!(err.to_string().contains("p2p-addr"), "{err}");
}

#[test]
fn dumped_config_reads_back() {
    let file = Config::from_toml_str(FILE, Path::new("node.toml")).unwrap();
    let text = file.to_toml_string().unwrap();
    assert_eq!(
        Config::from_toml_str(&text, Path::new("dump")).unwrap(),
        file
    );
}
