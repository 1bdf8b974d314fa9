//! Real `ltonode` processes on 127.0.0.1 forming a network over the peer-to-peer layer: they
//! agree on a tip while transactions flow, a late node syncs from genesis, a killed generator
//! rejoins after a restart, and a peer sending garbage is banned. Every wait is bounded, every
//! child is killed when its handle drops, data lives in temporary directories.
//!
//! The nodes run `genesis.json` with the dev timing (5 s key blocks on average, micro blocks
//! every second). The throughput run at the end is `#[ignore]`d: it takes a minute and
//! reports figures rather than asserting them.

use ltonode_ledger::chain::Chain;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::tx::json::to_json;
use ltonode_ledger::{Amount, Height, KeyPair, MemStore, Timestamp, Transaction, TxBody, sha256};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const GENESIS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../genesis.json");

pub fn genesis() -> GenesisConfig {
    GenesisConfig::from_json_str(&std::fs::read_to_string(GENESIS).unwrap()).unwrap()
}

/// Seed phrases of the genesis accounts: the four generators, then the user.
pub fn seeds() -> Vec<String> {
    genesis()
        .seeded_accounts()
        .into_iter()
        .map(|a| a.seed)
        .collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One node process; killed on drop.
pub struct NodeProc {
    child: Option<Child>,
    /// REST address.
    pub rest: SocketAddr,
    /// Peer-to-peer address.
    pub p2p: SocketAddr,
    data_dir: PathBuf,
    log: PathBuf,
    seed: Option<String>,
    peers: Vec<SocketAddr>,
    extra: Vec<String>,
}

impl NodeProc {
    /// Starts a node in `root/name`, forging with `seed` if given, dialling `peers`.
    pub fn start(root: &Path, name: &str, seed: Option<String>, peers: Vec<SocketAddr>) -> Self {
        Self::start_with(root, name, seed, peers, &[])
    }

    /// Like [`NodeProc::start`], listening for peers on `p2p`.
    pub fn start_on(
        root: &Path,
        name: &str,
        seed: Option<String>,
        peers: Vec<SocketAddr>,
        p2p: SocketAddr,
    ) -> Self {
        let mut n = NodeProc {
            child: None,
            rest: SocketAddr::from(([127, 0, 0, 1], free_port())),
            p2p,
            data_dir: root.join(name),
            log: root.join(format!("{name}.log")),
            seed,
            peers,
            extra: Vec::new(),
        };
        n.spawn();
        n
    }

    /// Like [`NodeProc::start`], with more command-line arguments.
    pub fn start_with(
        root: &Path,
        name: &str,
        seed: Option<String>,
        peers: Vec<SocketAddr>,
        extra: &[&str],
    ) -> Self {
        let mut n = NodeProc {
            child: None,
            rest: SocketAddr::from(([127, 0, 0, 1], free_port())),
            p2p: SocketAddr::from(([127, 0, 0, 1], free_port())),
            data_dir: root.join(name),
            log: root.join(format!("{name}.log")),
            seed,
            peers,
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        n.spawn();
        n
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ltonode"));
        // The preset is part of the genesis: `--preset P` in the extra arguments runs a copy
        // of genesis.json that names P (the same genesis block).
        let mut extra = self.extra.clone();
        let genesis = match extra.iter().position(|a| a == "--preset") {
            Some(i) if i + 1 < extra.len() => {
                let preset = extra.remove(i + 1);
                extra.remove(i);
                let path = self
                    .data_dir
                    .with_file_name(format!("genesis-{preset}.json"));
                let text = std::fs::read_to_string(GENESIS)
                    .unwrap()
                    .replace("\"preset\": \"dev\"", &format!("\"preset\": \"{preset}\""));
                // Nodes start at once from the same copy: write it whole, then rename, so a
                // starting node never reads half of it.
                let tmp = self.data_dir.with_extension("genesis.tmp");
                std::fs::write(&tmp, text).unwrap();
                std::fs::rename(&tmp, &path).unwrap();
                path
            }
            _ => PathBuf::from(GENESIS),
        };
        cmd.args(["run", "--genesis"])
            .arg(&genesis)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["--rest-addr", &self.rest.to_string()])
            .args(["--p2p-addr", &self.p2p.to_string()]);
        if !self.peers.is_empty() {
            let peers: Vec<String> = self.peers.iter().map(|p| p.to_string()).collect();
            cmd.args(["--peers", &peers.join(",")]);
        }
        if let Some(seed) = &self.seed {
            // Seeds never go on the command line: a file only its owner can read.
            let file = self.data_dir.with_extension("seed");
            write_seed_file(&file, seed);
            cmd.args(["--forge", "--forging-seed-file"]).arg(&file);
        }
        cmd.args(&extra);
        let child = cmd
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    /// SIGKILL, as a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the process again on the same data directory and ports.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// The node's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET path` as JSON, `None` if the node does not answer (yet) or answers an error.
    pub fn get(&self, path: &str) -> Option<Value> {
        match http(self.rest, "GET", path, b"") {
            Some((200, v)) => Some(v),
            _ => None,
        }
    }

    /// The height, if the node answers.
    pub fn height(&self) -> Option<u32> {
        self.get("/blocks/height")?["height"]
            .as_u64()
            .and_then(|h| u32::try_from(h).ok())
    }

    /// The key block id at `h`.
    pub fn block_id(&self, h: u32) -> Option<String> {
        self.get(&format!("/blocks/headers/at/{h}"))
            .or_else(|| self.get(&format!("/blocks/at/{h}")))?["id"]
            .as_str()
            .map(str::to_owned)
    }

    /// Broadcasts a transaction; the HTTP status.
    pub fn broadcast(&self, tx: &Transaction) -> u16 {
        let mut v = to_json(tx);
        if let Some(o) = v.as_object_mut() {
            o.remove("id");
        }
        http(
            self.rest,
            "POST",
            "/transactions/broadcast",
            v.to_string().as_bytes(),
        )
        .map_or(0, |(s, _)| s)
    }

    /// Whether the transaction is confirmed here.
    pub fn has_tx(&self, tx: &Transaction) -> bool {
        self.get(&format!("/transactions/info/{}", tx.id()))
            .is_some()
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One blocking HTTP/1.1 request with `Connection: close` (the REST tests' client without
/// panics: a node that is not up yet is `None`).
pub fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Some((status, value))
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 || b.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[(eol + 4 + size).min(b.len())..];
    }
    out
}

/// Polls `check` every 250 ms until it holds or `within` passes.
pub fn wait_until(within: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("timed out after {within:?} waiting for {what}");
}

/// Whether every node is at height `min_height` or more and all hold the same key block at
/// the lowest of their heights minus one (the block under the liquid one).
pub fn agree(nodes: &[&NodeProc], min_height: u32) -> bool {
    let heights: Option<Vec<u32>> = nodes.iter().map(|n| n.height()).collect();
    let Some(heights) = heights else { return false };
    let Some(&low) = heights.iter().min() else {
        return false;
    };
    if low < min_height {
        return false;
    }
    let at = low.saturating_sub(1).max(1);
    let ids: Option<Vec<String>> = nodes.iter().map(|n| n.block_id(at)).collect();
    ids.is_some_and(|ids| ids.windows(2).all(|w| w[0] == w[1]))
}

/// The four generators of `genesis.json`, node i dialling nodes 0..i.
pub fn start_generators(root: &Path, count: usize) -> Vec<NodeProc> {
    let seeds = seeds();
    let mut nodes: Vec<NodeProc> = Vec::new();
    for (i, seed) in seeds.iter().take(count).enumerate() {
        let peers = nodes.iter().map(|n| n.p2p).collect();
        nodes.push(NodeProc::start(
            root,
            &format!("node{i}"),
            Some(seed.clone()),
            peers,
        ));
    }
    nodes
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// An anchor transaction of the genesis user account, unique by `n`.
pub fn anchor_tx(user: &KeyPair, n: u64) -> Transaction {
    let mut tx = Transaction {
        version: 3,
        chain_id: genesis().chain_id,
        timestamp: Timestamp(now_ms()),
        sender: user.public_key().into(),
        fee: Amount(35_000_000),
        sponsor: None,
        proofs: Vec::new(),
        body: TxBody::Anchor {
            anchors: vec![sha256(&n.to_be_bytes()).to_vec()],
        },
    };
    tx.sign_with(user);
    tx
}

pub fn user_key() -> KeyPair {
    let seeds = seeds();
    KeyPair::from_seed_phrase(seeds.last().unwrap(), 0)
}

pub fn dump_logs(nodes: &[&NodeProc]) -> String {
    nodes
        .iter()
        .map(|n| {
            let log = n.log();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            format!(
                "--- {} ---\n{}",
                n.rest,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn four_nodes_agree_while_transactions_flow_and_a_late_node_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = start_generators(dir.path(), 4);
    let all: Vec<&NodeProc> = nodes.iter().collect();
    wait_until(Duration::from_secs(60), "4 nodes to agree", || {
        agree(&all, 4)
    });

    // Transactions through node 1 reach blocks that node 3 sees.
    let user = user_key();
    let txs: Vec<Transaction> = (0..40).map(|i| anchor_tx(&user, 1_000 + i)).collect();
    for tx in &txs {
        assert_eq!(nodes[1].broadcast(tx), 200, "{}", dump_logs(&all));
    }
    wait_until(
        Duration::from_secs(45),
        "the transactions on node 3",
        || txs.iter().all(|tx| nodes[3].has_tx(tx)),
    );
    let h = nodes[0].height().unwrap();
    wait_until(Duration::from_secs(45), "agreement after the load", || {
        agree(&all, h + 2)
    });

    // A fifth node, started now with only the genesis block, syncs to the tip.
    let late = NodeProc::start(dir.path(), "late", None, vec![nodes[0].p2p]);
    let target = nodes[0].height().unwrap();
    let mut with_late = all.clone();
    with_late.push(&late);
    wait_until(Duration::from_secs(45), "the late node to sync", || {
        agree(&with_late, target)
    });
    assert!(txs.iter().all(|tx| late.has_tx(tx)));
}

#[test]
fn nodes_with_other_chain_parameters_refuse_each_other_at_the_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seeds().into_iter().next();
    let a = NodeProc::start(dir.path(), "dev-preset", seed, vec![]);
    // Same genesis, another preset: another network.
    let b = NodeProc::start_with(
        dir.path(),
        "minimal-preset",
        None,
        vec![a.p2p],
        &["--preset", "minimal"],
    );
    wait_until(Duration::from_secs(30), "the refusal in a log", || {
        [&a, &b]
            .iter()
            .any(|n| n.log().contains("it runs other chain parameters"))
    });
    wait_until(
        Duration::from_secs(30),
        "the dev-preset node to forge",
        || a.height().is_some_and(|h| h >= 3),
    );
    assert_eq!(b.height(), Some(1), "{}", dump_logs(&[&a, &b]));
}

#[test]
fn a_transaction_broadcast_before_any_peer_reaches_peers_that_connect_later() {
    let dir = tempfile::tempdir().unwrap();
    // Neither node forges: the transaction can reach the second only by gossip.
    let later = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let first = NodeProc::start(dir.path(), "first", None, vec![later]);
    wait_until(Duration::from_secs(30), "the first node's API", || {
        first.height() == Some(1)
    });
    let user = user_key();
    let mut tx = anchor_tx(&user, 77);
    // Inside the window of the genesis block, the tip of both nodes.
    tx.timestamp = Timestamp(genesis().timestamp.0 + 1_000);
    tx.proofs.clear();
    tx.sign_with(&user);
    let reply = http(
        first.rest,
        "POST",
        "/transactions/broadcast",
        to_json(&tx).to_string().as_bytes(),
    );
    assert!(matches!(reply, Some((200, _))), "{reply:?}");
    std::thread::sleep(Duration::from_secs(1));
    let second = NodeProc::start_on(dir.path(), "second", None, vec![first.p2p], later);
    let path = format!("/transactions/unconfirmed/info/{}", tx.id());
    wait_until(
        Duration::from_secs(45),
        "the transaction in the second node's pool",
        || {
            second
                .get(&path)
                .is_some_and(|v| v["id"] == tx.id().to_base58().as_str())
        },
    );
}

#[test]
fn a_killed_generator_rejoins_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = start_generators(dir.path(), 4);
    {
        let all: Vec<&NodeProc> = nodes.iter().collect();
        wait_until(Duration::from_secs(60), "4 nodes to agree", || {
            agree(&all, 3)
        });
    }
    // Generator 1 holds 40 % of the stake; the chain goes on without it.
    nodes[0].kill();
    let h = nodes[1].height().unwrap();
    {
        let rest: Vec<&NodeProc> = nodes[1..].iter().collect();
        wait_until(Duration::from_secs(60), "the others to go on", || {
            agree(&rest, h + 3)
        });
    }
    nodes[0].restart();
    let h = nodes[1].height().unwrap();
    let all: Vec<&NodeProc> = nodes.iter().collect();
    wait_until(
        Duration::from_secs(60),
        "the restarted node to rejoin",
        || agree(&all, h + 1),
    );
}

#[test]
fn a_peer_sending_garbage_is_banned_and_the_others_carry_on() {
    use ltonode_network::{GossipMessage, NetworkConfig};
    let dir = tempfile::tempdir().unwrap();
    let nodes = start_generators(dir.path(), 3);
    let all: Vec<&NodeProc> = nodes.iter().collect();
    wait_until(Duration::from_secs(60), "3 nodes to agree", || {
        agree(&all, 2)
    });

    // The genesis id, rebuilt in memory.
    let g = genesis();
    let params = ltonode_consensus::ChainParams {
        chain_id: g.chain_id,
        ..ltonode_consensus::ChainParams::dev()
    };
    let mut chain = Chain::open(MemStore::new(), ltonode::service::chain_config(&params)).unwrap();
    chain
        .init_genesis(g.timestamp, g.base_target, g.transactions())
        .unwrap();
    let genesis_id = chain.header_at(Height(1)).unwrap().unwrap().id();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let target = nodes[0].p2p;
    rt.block_on(async {
        let mut config = NetworkConfig::new(g.chain_id.0, genesis_id.0, 0);
        config.params_id = params.params_hash();
        config.listen = "/ip4/127.0.0.1/tcp/0".parse().unwrap();
        config.bootstrap = vec![
            format!("/ip4/127.0.0.1/tcp/{}", target.port())
                .parse()
                .unwrap(),
        ];
        config.peer_exchange = false;
        let (net, _events) =
            tokio::time::timeout(Duration::from_secs(10), ltonode_network::start(config))
                .await
                .unwrap()
                .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut sent = 0u8;
        while sent < 8 && Instant::now() < deadline {
            let junk = GossipMessage::Transaction(vec![0xff, sent, 0x00, 0x13]);
            if net.publish(junk).await.is_ok() {
                sent += 1;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(sent >= 4, "the garbage could not be published");
        tokio::time::sleep(Duration::from_secs(2)).await;
        net.shutdown().await;
    });
    wait_until(
        Duration::from_secs(10),
        "the garbage sender to be banned",
        || nodes[0].log().contains("peer banned"),
    );
    // LTO's peer routes list it: banned (with the penalty), known, and not connected.
    let banned = nodes[0].get("/peers/blacklisted").unwrap();
    let banned = banned.as_array().unwrap();
    assert_eq!(banned.len(), 1, "{banned:?}");
    assert!(
        banned[0]["hostname"]
            .as_str()
            .unwrap()
            .starts_with("/127.0.0.1")
    );
    assert!(banned[0]["timestamp"].as_u64().unwrap() > 1_700_000_000_000);
    assert!(!banned[0]["reason"].as_str().unwrap().is_empty());
    let connected = nodes[0].get("/peers/connected").unwrap();
    let connected = connected["peers"].as_array().unwrap();
    assert_eq!(
        connected.len(),
        2,
        "the two other generators: {connected:?}"
    );
    assert!(
        connected[0]["address"]
            .as_str()
            .unwrap()
            .starts_with("/127.0.0.1:")
    );
    assert!(connected[0]["applicationName"].is_string());
    let known = nodes[0].get("/peers/all").unwrap();
    assert!(known["peers"].as_array().unwrap().len() >= 3, "{known}");
    let h = nodes[0].height().unwrap();
    wait_until(Duration::from_secs(60), "the others to carry on", || {
        agree(&all, h + 2)
    });
}

/// Throughput of the 4-node loopback testnet (issue "Performance"): anchor transactions
/// broadcast over REST to all four nodes at a steady offered rate (`LOAD_TPS`, default 1000,
/// for `LOAD_SECS`, default 20), confirmation times measured from broadcast to the first
/// sight of the transaction in a block on node 3 (polled every 100 ms). Prints figures,
/// asserts only that transactions were confirmed.
///
/// `cargo test -p ltonode --release --test it throughput -- --ignored --nocapture`
#[test]
#[ignore = "load run: a minute of four nodes under load; prints figures"]
fn throughput_on_four_nodes() {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let tps = env("LOAD_TPS", 1000);
    let secs = env("LOAD_SECS", 20);
    let dir = tempfile::tempdir().unwrap();
    let nodes = start_generators(dir.path(), 4);
    let all: Vec<&NodeProc> = nodes.iter().collect();
    wait_until(Duration::from_secs(60), "4 nodes to agree", || {
        agree(&all, 3)
    });

    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let seen: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (seen, done, rest) = (seen.clone(), done.clone(), nodes[3].rest);
        std::thread::spawn(move || {
            let mut last_h = 0u64;
            while !done.load(Ordering::Relaxed) {
                let scan = |path: &str| {
                    if let Some((200, v)) = http(rest, "GET", path, b"") {
                        let now = Instant::now();
                        let mut seen = seen.lock().unwrap();
                        for t in v["transactions"].as_array().into_iter().flatten() {
                            if let Some(id) = t["id"].as_str() {
                                seen.entry(id.to_owned()).or_insert(now);
                            }
                        }
                        return v["height"].as_u64();
                    }
                    None
                };
                if let Some(h) = scan("/blocks/last") {
                    if h > last_h && last_h > 0 {
                        for past in last_h..h {
                            scan(&format!("/blocks/at/{past}"));
                        }
                    }
                    last_h = h;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let user = user_key();
    let start = Instant::now();
    let per_node = tps.div_ceil(4).max(1);
    let senders: Vec<_> = (0..4usize)
        .map(|i| {
            let (sent, rest, user) = (sent.clone(), nodes[i].rest, user.clone());
            std::thread::spawn(move || {
                let (mut ok, mut refused) = (0u64, 0u64);
                let interval = Duration::from_secs_f64(1.0 / per_node as f64);
                let mut next = Instant::now();
                let mut n = (i as u64) << 40;
                while start.elapsed() < Duration::from_secs(secs) {
                    n += 1;
                    let tx = anchor_tx(&user, n);
                    let mut v = to_json(&tx);
                    v.as_object_mut().unwrap().remove("id");
                    let t0 = Instant::now();
                    match http(
                        rest,
                        "POST",
                        "/transactions/broadcast",
                        v.to_string().as_bytes(),
                    ) {
                        Some((200, _)) => {
                            sent.lock().unwrap().insert(tx.id().to_string(), t0);
                            ok += 1;
                        }
                        _ => refused += 1,
                    }
                    next += interval;
                    if let Some(wait) = next.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                }
                (ok, refused)
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for s in senders {
        let (o, r) = s.join().unwrap();
        ok += o;
        refused += r;
    }
    let send_secs = start.elapsed().as_secs_f64();
    // Give the chain time to include what is pending.
    let drain = Instant::now();
    while drain.elapsed() < Duration::from_secs(30) {
        let missing = {
            let sent = sent.lock().unwrap();
            let seen = seen.lock().unwrap();
            sent.keys().filter(|k| !seen.contains_key(*k)).count()
        };
        if missing == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    done.store(true, Ordering::Relaxed);
    watcher.join().unwrap();
    let sent = sent.lock().unwrap();
    let seen = seen.lock().unwrap();
    let mut lat: Vec<f64> = sent
        .iter()
        .filter_map(|(id, t0)| seen.get(id).map(|t| t.duration_since(*t0).as_secs_f64()))
        .collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let confirmed = lat.len();
    let last_seen = seen
        .values()
        .max()
        .map_or(0.0, |t| t.duration_since(start).as_secs_f64());
    println!(
        "offered {tps} tx/s for {secs} s: accepted {ok} ({:.0} tx/s), refused {refused}, \
         confirmed on node 3 {confirmed} ({:.0} tx/s over {last_seen:.1} s); \
         broadcast->block p50 {:.2} s, p99 {:.2} s",
        ok as f64 / send_secs,
        confirmed as f64 / last_seen.max(1e-9),
        pct(0.50),
        pct(0.99),
    );
    assert!(confirmed > 0, "{}", dump_logs(&all));
}

/// Writes `seed` to `path`, readable by its owner only (as `--forging-seed-file` wants).
pub fn write_seed_file(path: &std::path::Path, seed: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, seed).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}
