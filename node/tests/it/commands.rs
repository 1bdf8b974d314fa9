//! The built binary's commands: output shapes, exit codes, and the precedence of the config
//! layers end to end (environment set on the child process only).

use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::{Address, ChainId, KeyPair, secure_hash};
use std::process::{Command, Output};

fn ltonode(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ltonode"));
    c.args(args);
    c
}

fn run(c: &mut Command) -> Output {
    c.output().unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{o:?}");
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn dev_accounts_prints_seed_address_balance() {
    let out = stdout(&run(&mut ltonode(&["dev-accounts"])));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = v.as_array().unwrap();
    let dev = GenesisConfig::dev_accounts();
    assert_eq!(list.len(), dev.len());
    for (item, account) in list.iter().zip(&dev) {
        let obj = item.as_object().unwrap();
        assert_eq!(obj.len(), 3, "{obj:?}");
        assert_eq!(obj["seed"], account.seed.as_str());
        assert_eq!(obj["address"], account.address.to_string().as_str());
        assert_eq!(obj["balance"].as_u64(), Some(account.balance.units()));
        // The seed derives the address it is printed with.
        let pk = KeyPair::from_seed_phrase(obj["seed"].as_str().unwrap(), 0).public_key();
        assert_eq!(
            Address::from_public_key(ChainId::TESTNET, &pk),
            account.address
        );
    }
}

#[test]
fn hash_api_key_is_base58_secure_hash() {
    let out = stdout(&run(&mut ltonode(&["hash-api-key", "s3cret key"])));
    let expected = bs58::encode(secure_hash(b"s3cret key")).into_string();
    assert_eq!(out.trim(), expected);
}

#[test]
fn keygen_derives_from_the_given_seed() {
    let out = stdout(&run(&mut ltonode(&[
        "keygen", "--seed", "hello", "--chain", "L",
    ])));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pk = KeyPair::from_seed_phrase("hello", 0).public_key();
    assert_eq!(v["seed"], "hello");
    assert_eq!(v["publicKey"], pk.to_base58().as_str());
    assert_eq!(
        v["address"],
        Address::from_public_key(ChainId::MAINNET, &pk)
            .to_string()
            .as_str()
    );
    assert_eq!(v["chainId"], "L");
}

#[test]
fn keygen_without_seed_draws_a_new_one() {
    let out = stdout(&run(&mut ltonode(&["keygen"])));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let seed = v["seed"].as_str().unwrap();
    assert_eq!(bs58::decode(seed).into_vec().unwrap().len(), 32);
    let pk = KeyPair::from_seed_phrase(seed, 0).public_key();
    assert_eq!(
        v["address"],
        Address::from_public_key(ChainId::TESTNET, &pk)
            .to_string()
            .as_str()
    );
}

#[test]
fn version_flag() {
    let out = stdout(&run(&mut ltonode(&["--version"])));
    assert_eq!(out.trim(), format!("ltonode {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn dump_config_applies_file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.toml");
    std::fs::write(
        &file,
        "dev = true\n[rest]\nrest-addr = \"127.0.0.1:1111\"\n[storage]\ndata-dir = \"file\"\n[p2p]\npeers = [\"f:1\"]\n",
    )
    .unwrap();
    let out = stdout(&run(ltonode(&[
        "run",
        "--config",
        file.to_str().unwrap(),
        "--data-dir",
        "flag",
        "--dump-config",
    ])
    .env("LTONODE_DATA_DIR", "env")
    .env("LTONODE_REST_ADDR", "127.0.0.1:2222")));
    let dumped: toml::Table = toml::from_str(&out).unwrap();
    assert_eq!(dumped["dev"].as_bool(), Some(true), "{out}");
    assert_eq!(
        dumped["rest"]["rest-addr"].as_str(),
        Some("127.0.0.1:2222"),
        "{out}"
    );
    assert_eq!(
        dumped["storage"]["data-dir"].as_str(),
        Some("flag"),
        "{out}"
    );
    assert_eq!(dumped["p2p"]["peers"][0].as_str(), Some("f:1"), "{out}");
    assert_eq!(
        dumped["p2p"]["p2p-addr"].as_str(),
        Some("0.0.0.0:6863"),
        "{out}"
    );
}

#[test]
fn secrets_stay_out_of_dump_config_and_off_the_command_line() {
    // The dumped configuration names no secret but says what it left out, and stays a valid
    // config file.
    let out = stdout(&run(ltonode(&["run", "--dev", "--dump-config"])
        .env("LTONODE_API_KEY_HASH", "SecretApiKeyHash")
        .env("LTONODE_FORGING_SEED", "my very secret seed phrase")));
    assert!(!out.contains("SecretApiKeyHash"), "{out}");
    assert!(!out.contains("very secret"), "{out}");
    assert!(
        out.contains("# [rest] api-key-hash is set (redacted)"),
        "{out}"
    );
    assert!(out.contains("LTONODE_FORGING_SEED (redacted)"), "{out}");
    let dumped: toml::Table = toml::from_str(&out).unwrap();
    assert!(dumped["rest"].get("api-key-hash").is_none(), "{out}");

    // A seed on the command line is refused; so is a seed in the config file.
    let o = run(&mut ltonode(&[
        "run",
        "--dev",
        "--forging-seed",
        "x",
        "--dump-config",
    ]));
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.toml");
    std::fs::write(&file, "dev = true\n[forging]\nforging-seed = \"x\"\n").unwrap();
    let o = run(&mut ltonode(&[
        "run",
        "--config",
        file.to_str().unwrap(),
        "--dump-config",
    ]));
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("forging-seed"),
        "{o:?}"
    );
}

#[test]
fn a_seed_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let genesis = concat!(env!("CARGO_MANIFEST_DIR"), "/../genesis.json");
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("forging.seed");
    std::fs::write(&seed, "a seed\n").unwrap();
    std::fs::set_permissions(&seed, std::fs::Permissions::from_mode(0o644)).unwrap();
    let data = dir.path().join("data");
    let args = [
        "run",
        "--genesis",
        genesis,
        "--forge",
        "--forging-seed-file",
        seed.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--rest-addr",
        "127.0.0.1:0",
        "--p2p-addr",
        "127.0.0.1:0",
    ];
    let o = run(&mut ltonode(&args));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("mode 0644") && err.contains("chmod 600"),
        "{err}"
    );
    // Given both ways, the seed is ambiguous.
    std::fs::set_permissions(&seed, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(ltonode(&args).env("LTONODE_FORGING_SEED", "another"));
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("given twice"),
        "{o:?}"
    );
}

#[test]
fn the_preset_follows_the_genesis() {
    use ltonode::config::{Config, Preset};
    let mut genesis = GenesisConfig::dev();
    let mut config = Config::default();
    // The genesis names its preset; a setting may repeat it but not contradict it.
    assert_eq!(config.preset_for(&genesis).unwrap(), Preset::Dev);
    config.preset = Some(Preset::Dev);
    assert_eq!(config.preset_for(&genesis).unwrap(), Preset::Dev);
    config.preset = Some(Preset::Minimal);
    assert!(config.preset_for(&genesis).is_err());
    genesis.preset = Some("testnet".into());
    config.preset = None;
    assert_eq!(config.preset_for(&genesis).unwrap(), Preset::Testnet);
    assert_eq!(
        config.chain_params(&genesis).unwrap(),
        Preset::Testnet.params(genesis.chain_id)
    );
    // A genesis that names none: the setting, else dev.
    genesis.preset = None;
    assert_eq!(config.preset_for(&genesis).unwrap(), Preset::Dev);
    config.preset = Some(Preset::Mainnet);
    assert_eq!(config.preset_for(&genesis).unwrap(), Preset::Mainnet);
    genesis.preset = Some("fast".into());
    assert!(config.preset_for(&genesis).is_err());

    // The binary refuses a contradicting --preset before it opens anything.
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../genesis.json");
    let parsed = GenesisConfig::from_json_str(&std::fs::read_to_string(shipped).unwrap()).unwrap();
    assert_eq!(parsed.preset.as_deref(), Some("dev"));
    let dir = tempfile::tempdir().unwrap();
    let o = run(&mut ltonode(&[
        "run",
        "--genesis",
        shipped,
        "--preset",
        "minimal",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--rest-addr",
        "127.0.0.1:0",
        "--p2p-addr",
        "127.0.0.1:0",
    ]));
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("runs its genesis's preset"),
        "{o:?}"
    );
}

#[test]
fn unknown_config_key_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.toml");
    std::fs::write(&file, "[storage]\ndata-dri = \"x\"\n").unwrap();
    let o = run(&mut ltonode(&[
        "run",
        "--config",
        file.to_str().unwrap(),
        "--dump-config",
    ]));
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("data-dri"), "{err}");
}

#[test]
fn unknown_env_var_exits_2_naming_it() {
    let o = run(ltonode(&["run", "--dev", "--dump-config"]).env("LTONODE_RESTADDR", "x"));
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("LTONODE_RESTADDR"));
}

#[test]
fn bad_flag_value_exits_2() {
    let o = run(&mut ltonode(&["run", "--rest-addr", "nowhere"]));
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--rest-addr"));
}

#[test]
fn run_without_a_chain_exits_2() {
    let o = run(&mut ltonode(&["run"]));
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--dev"));
}

#[test]
fn dev_genesis_base_target_equals_the_dev_preset() {
    assert_eq!(
        GenesisConfig::dev().base_target,
        ltonode_consensus::params::ChainParams::dev().initial_base_target
    );
}

#[test]
fn run_logs_the_genesis_and_stops_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    let genesis = concat!(env!("CARGO_MANIFEST_DIR"), "/../genesis.json");
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("node");
    let data_dir = data_dir.to_str().unwrap();
    let mut child = ltonode(&[
        "run",
        "--genesis",
        genesis,
        "--data-dir",
        data_dir,
        "--rest-addr",
        "127.0.0.1:0",
        "--p2p-addr",
        "127.0.0.1:0",
    ])
    .env("RUST_LOG", "info")
    .env("NO_COLOR", "1")
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut log = String::new();
    // Read to the end: the child logs its shutdown after the signal, into this pipe.
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("waiting for Ctrl-C") {
            // SIGINT is what Ctrl-C sends; the node should stop cleanly.
            let killed = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(killed.success());
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(log.contains("genesis.json"), "{log}");
    assert!(log.contains(&format!("data_dir={data_dir}")), "{log}");
    assert!(log.contains("chain opened"), "{log}");
    assert!(log.contains("shutting down"), "{log}");
    // All five local-testnet accounts carry a published seed.
    assert_eq!(
        log.matches("genesis account with a published seed").count(),
        5,
        "{log}"
    );
}

#[test]
fn readme_documents_the_dev_accounts() {
    let readme = include_str!("../../../README.md");
    for a in GenesisConfig::dev_accounts() {
        let lto = (a.balance.units() / 100_000_000).to_string();
        // 50000000 -> 50,000,000
        let digits: Vec<char> = lto.chars().collect();
        let mut grouped = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(*c);
        }
        let row = format!("| `{}` | `{}` | {grouped} |", a.seed, a.address);
        assert!(readme.contains(&row), "{row}");
    }
}

/// Starts `ltonode run` on the local testnet genesis with `env`, reads its stderr until it is
/// running, stops it with SIGINT and returns everything it logged.
fn log_of_a_short_run(extra: &[&str], env: &[(&str, &str)]) -> String {
    use std::io::{BufRead, BufReader};
    let genesis = concat!(env!("CARGO_MANIFEST_DIR"), "/../genesis.json");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let mut args = vec![
        "run",
        "--genesis",
        genesis,
        "--data-dir",
        data.to_str().unwrap(),
        "--rest-addr",
        "127.0.0.1:0",
        "--p2p-addr",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    let mut cmd = ltonode(&args);
    cmd.env_remove("NO_COLOR").env("RUST_LOG", "info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut log = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line.contains("waiting for Ctrl-C") {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
        }
        log.push_str(&line);
        log.push('\n');
    }
    assert!(child.wait().unwrap().success(), "{log}");
    log
}

#[test]
fn logs_have_no_colour_codes_off_a_terminal() {
    let log = log_of_a_short_run(&[], &[]);
    assert!(log.contains("chain opened"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "ANSI escape in a piped log: {log:?}"
    );
}

#[test]
fn json_logs_are_one_object_per_line() {
    for (extra, env) in [
        (vec!["--log-format", "json"], vec![]),
        (vec![], vec![("LTONODE_LOG_FORMAT", "json")]),
    ] {
        let log = log_of_a_short_run(&extra, &env);
        let mut messages = Vec::new();
        for line in log.lines() {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            assert!(
                v["timestamp"].is_string() && v["level"].is_string(),
                "{line}"
            );
            messages.push(
                v["fields"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        assert!(messages.iter().any(|m| m == "chain opened"), "{log}");
        assert!(messages.iter().any(|m| m == "shutting down"), "{log}");
    }
}

/// Starts `ltonode run ARGS`, waits until its REST API at `rest` answers `/node/status`, lets
/// it run `linger`, stops it with SIGINT and returns the status and everything it logged.
fn status_of_a_run(
    args: &[&str],
    rest: &str,
    linger: std::time::Duration,
) -> (serde_json::Value, String) {
    use std::io::Read;
    let mut child = ltonode(args)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the node did not answer"
        );
        if let Ok(mut s) = std::net::TcpStream::connect(rest) {
            use std::io::Write;
            let _ = write!(
                s,
                "GET /node/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            );
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if let Some((_, body)) = buf.split_once("\r\n\r\n")
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(body)
            {
                break v;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    std::thread::sleep(linger);
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{log}");
    (status, log)
}

fn free_rest() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

#[test]
fn forge_means_what_it_says() {
    use std::os::unix::fs::PermissionsExt;
    let genesis = concat!(env!("CARGO_MANIFEST_DIR"), "/../genesis.json");
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("forging.seed");
    std::fs::write(
        &seed,
        "ltonode local testnet generator 1 -- do not use on any public network",
    )
    .unwrap();
    std::fs::set_permissions(&seed, std::fs::Permissions::from_mode(0o600)).unwrap();
    for (forge, expected) in [(false, false), (true, true)] {
        let rest = free_rest();
        let data = dir.path().join(format!("node-{forge}"));
        let mut args = vec![
            "run",
            "--genesis",
            genesis,
            "--data-dir",
            data.to_str().unwrap(),
            "--rest-addr",
            &rest,
            "--p2p-addr",
            "127.0.0.1:0",
            "--forging-seed-file",
            seed.to_str().unwrap(),
        ];
        if forge {
            args.push("--forge");
        }
        let (status, log) = status_of_a_run(&args, &rest, std::time::Duration::ZERO);
        assert_eq!(
            status["forging"], expected,
            "--forge {forge}: {status}\n{log}"
        );
        // The generator is reported only when the node forges with it.
        let generator = if forge {
            serde_json::json!("3N5aJzzLyKPwLdW36AQheTz5siNeUnCpa5j")
        } else {
            serde_json::Value::Null
        };
        assert_eq!(status["generator"], generator, "{status}");
        if !forge {
            assert!(log.contains("the account is the wallet only"), "{log}");
        }
    }
}

#[test]
fn a_forging_dev_node_logs_micro_blocks_only_at_debug_level() {
    let dir = tempfile::tempdir().unwrap();
    let rest = free_rest();
    let data = dir.path().join("dev");
    let (status, log) = status_of_a_run(
        &[
            "run",
            "--dev",
            "--data-dir",
            data.to_str().unwrap(),
            "--rest-addr",
            &rest,
            "--p2p-addr",
            "127.0.0.1:0",
            "--dev-load",
            "5",
        ],
        &rest,
        std::time::Duration::from_secs(4),
    );
    assert_eq!(status["forging"], true);
    assert!(log.contains("forged key block"), "{log}");
    assert!(
        !log.contains("forged micro block"),
        "micro blocks at info level:\n{log}"
    );
}
