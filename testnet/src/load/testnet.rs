//! Four (or `nodes`) real `ltonode` processes on 127.0.0.1, started by `scripts/testnet` from
//! `genesis.json` in a temporary directory on free ports, driven at an offered rate with
//! anchor transactions of the genesis accounts, signed ahead and posted over keep-alive
//! connections spread over the nodes. A watcher per node polls its tip header every 100 ms and
//! reads the blocks whose transactions changed; a transaction counts once every node holds it
//! in a block, its latency running from the broadcast to the last node's block holding it.
//! The nodes are stopped when the run ends, fails or is dropped (Ctrl-C).

use super::Latencies;
use super::http::Conn;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::{Amount, KeyPair, Timestamp, Transaction, sha256};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What to run.
#[derive(Clone, Debug)]
pub struct TestnetSettings {
    /// How long the clients post.
    pub seconds: f64,
    /// Keep-alive connections, spread over the nodes round robin.
    pub connections: usize,
    /// Offered transactions per second, all connections together.
    pub rate: u64,
    /// Nodes (the first four forge).
    pub nodes: usize,
    /// The launcher, `scripts/testnet`.
    pub script: PathBuf,
    /// The `ltonode` binary the launcher runs (`None`: the launcher builds it).
    pub ltonode: Option<PathBuf>,
    /// The genesis the launcher runs (for the accounts' seeds and the chain id).
    pub genesis: PathBuf,
    /// How long to wait after the load for the last transactions to be confirmed.
    pub drain_seconds: f64,
}

/// What a run measured.
#[derive(Debug)]
pub struct TestnetReport {
    /// Nodes.
    pub nodes: usize,
    /// Keep-alive connections.
    pub connections: usize,
    /// The offered rate.
    pub offered: u64,
    /// Seconds of load.
    pub load_seconds: f64,
    /// Transactions the nodes admitted (200).
    pub accepted: u64,
    /// Transactions refused (or failed).
    pub refused: u64,
    /// Transactions every node holds in a block.
    pub confirmed: u64,
    /// Seconds from the first broadcast to the last confirmation.
    pub seconds: f64,
    /// Broadcast to the last node's block holding it.
    pub latencies: Latencies,
}

impl TestnetReport {
    /// Confirmed transactions per second.
    pub fn confirmed_tx_per_s(&self) -> f64 {
        self.confirmed as f64 / self.seconds.max(1e-9)
    }

    /// The JSON line of `scripts/bench testnet`.
    pub fn to_json(&self) -> Value {
        json!({
            "mode": "testnet",
            "nodes": self.nodes,
            "seconds": super::round3(self.seconds),
            "confirmed_tx_per_s": self.confirmed_tx_per_s().round(),
            "p50_ms": self.latencies.quantile_ms(0.50),
            "p99_ms": self.latencies.quantile_ms(0.99),
            "confirmed": self.confirmed,
            "accepted": self.accepted,
            "refused": self.refused,
            "offered_tx_per_s": self.offered,
            "load_seconds": self.load_seconds,
            "connections": self.connections,
        })
    }
}

/// The launcher's process; stopping it (SIGTERM) stops the nodes.
struct Testnet {
    child: Child,
    rest: Vec<SocketAddr>,
    // Removed after the nodes stop (fields drop after `Drop::drop`).
    _dir: tempfile::TempDir,
}

impl Drop for Testnet {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // The launcher's trap sends SIGINT to every node and waits for them. The child is not
        // reaped yet, so its pid cannot have been reused.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                eprintln!("testnet stopped");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("the testnet did not stop within 30 s; killing the launcher");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn port_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// A REST base port and a peer-to-peer base port such that the launcher's `rest + i` and
/// `p2p + 100 * i` are all free.
fn free_bases(nodes: usize) -> anyhow::Result<(u16, u16)> {
    for k in 0..500u16 {
        let rest = 21_000 + 10 * k;
        let p2p = 31_000 + k;
        let ok = (0..nodes as u16).all(|i| port_free(rest + i) && port_free(p2p + 100 * i));
        if ok {
            return Ok((rest, p2p));
        }
    }
    anyhow::bail!("no free ports for {nodes} nodes")
}

fn start(s: &TestnetSettings) -> anyhow::Result<Testnet> {
    let dir = tempfile::Builder::new().prefix("ltonode-bench").tempdir()?;
    let (rest, p2p) = free_bases(s.nodes)?;
    let mut cmd = Command::new(&s.script);
    cmd.args([s.nodes.to_string(), "--reset".into()])
        .env("TESTNET_DIR", dir.path())
        .env("TESTNET_REST_PORT", rest.to_string())
        .env("TESTNET_P2P_PORT", p2p.to_string())
        .stdin(Stdio::null())
        // stdout carries only the JSON line.
        .stdout(Stdio::from(std::io::stderr()));
    if let Some(bin) = &s.ltonode {
        cmd.env("LTONODE_BIN", bin);
    }
    let child = cmd
        .spawn()
        .map_err(|e| anyhow::anyhow!("starting {}: {e}", s.script.display()))?;
    let rest = (0..s.nodes as u16)
        .map(|i| SocketAddr::from(([127, 0, 0, 1], rest + i)))
        .collect();
    Ok(Testnet {
        child,
        rest,
        _dir: dir,
    })
}

#[derive(Deserialize)]
struct Header {
    height: u64,
    #[serde(rename = "transactionCount")]
    transaction_count: u64,
    id: String,
}

#[derive(Deserialize)]
struct TxId {
    id: String,
}

#[derive(Deserialize)]
struct BlockTxs {
    transactions: Vec<TxId>,
}

async fn get_json<T: for<'de> Deserialize<'de>>(
    conn: &mut Conn,
    path: &str,
) -> anyhow::Result<Option<T>> {
    let (status, body) = conn.get(path).await?;
    if status != 200 {
        return Ok(None);
    }
    Ok(Some(serde_json::from_slice(&body)?))
}

/// Waits until every node answers at height `min` or more.
async fn wait_for_chain(net: &mut Testnet, min: u64, within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = net.child.try_wait()? {
            anyhow::bail!("the launcher exited ({status}) before the nodes were up");
        }
        let mut up = 0;
        for &addr in &net.rest {
            if let Ok(mut c) = Conn::connect(addr).await
                && let Ok(Some(h)) = get_json::<Header>(&mut c, "/blocks/headers/last").await
                && h.height >= min
            {
                up += 1;
            }
        }
        if up == net.rest.len() {
            return Ok(());
        }
        if Instant::now() > deadline {
            anyhow::bail!("the nodes did not all reach height {min} within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `(id, JSON body)` of `n` anchor transactions of the genesis's seeded accounts.
fn sign(genesis: &GenesisConfig, n: u64) -> Vec<(String, String)> {
    let keys: Vec<KeyPair> = genesis
        .seeded_accounts()
        .iter()
        .map(|a| KeyPair::from_seed_phrase(&a.seed, 0))
        .collect();
    let (chain_id, nonce, ts) = (genesis.chain_id, now_ms(), Timestamp(now_ms()));
    super::sign_parallel(n, |i| {
        let k = &keys[(i % keys.len() as u64) as usize];
        let mut tx = Transaction {
            version: 3,
            chain_id,
            timestamp: ts,
            sender: k.public_key().into(),
            fee: Amount(35_000_000),
            sponsor: None,
            proofs: Vec::new(),
            body: TxBody::Anchor {
                anchors: vec![sha256(&[nonce.to_be_bytes(), i.to_be_bytes()].concat()).to_vec()],
            },
        };
        tx.sign_with(k);
        let mut v = ltonode_ledger::tx::json::to_json(&tx);
        if let Some(o) = v.as_object_mut() {
            o.remove("id");
        }
        (tx.id().to_base58().to_string(), v.to_string())
    })
}

/// Nanoseconds since `start`, never 0 (0 marks "not yet").
fn stamp(start: Instant) -> u64 {
    (start.elapsed().as_nanos() as u64).max(1)
}

/// Polls one node's tip and records when each transaction first shows in a block there.
async fn watch(
    addr: SocketAddr,
    ids: Arc<HashMap<String, usize>>,
    seen: Arc<Vec<AtomicU64>>,
    start: Instant,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let mut conn = Conn::connect(addr).await?;
    let (mut last_h, mut last) = (0u64, (0u64, String::new()));
    while !stop.load(Ordering::Relaxed) {
        let tick = Instant::now();
        if let Some(h) = get_json::<Header>(&mut conn, "/blocks/headers/last").await? {
            let now = (h.height, format!("{}/{}", h.id, h.transaction_count));
            if now != last {
                // A new key block closes the ones before it: read them again, whole.
                let from = if last_h > 0 && h.height > last_h {
                    last_h
                } else {
                    h.height
                };
                for height in from..=h.height {
                    let path = format!("/blocks/at/{height}");
                    if let Some(b) = get_json::<BlockTxs>(&mut conn, &path).await? {
                        let t = stamp(start);
                        for tx in b.transactions {
                            if let Some(&i) = ids.get(&tx.id) {
                                let _ = seen[i].compare_exchange(
                                    0,
                                    t,
                                    Ordering::Relaxed,
                                    Ordering::Relaxed,
                                );
                            }
                        }
                    }
                }
                last_h = h.height;
                last = now;
            }
        }
        let next = tick + Duration::from_millis(100);
        tokio::time::sleep_until(next.into()).await;
    }
    Ok(())
}

/// Starts the testnet, loads it, waits for the confirmations, stops it.
pub async fn run(s: &TestnetSettings) -> anyhow::Result<TestnetReport> {
    let genesis = GenesisConfig::from_json_str(&std::fs::read_to_string(&s.genesis)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", s.genesis.display()))?;
    let mut net = start(s)?;
    let n = (s.seconds * s.rate as f64).ceil().max(1.0) as u64;
    let signing = {
        let genesis = genesis.clone();
        tokio::task::spawn_blocking(move || sign(&genesis, n))
    };
    eprintln!(
        "started {} nodes (REST {}..); waiting for them to forge",
        s.nodes, net.rest[0]
    );
    wait_for_chain(&mut net, 3, Duration::from_secs(120)).await?;
    let txs = signing.await?;
    eprintln!(
        "nodes up; {n} transactions signed; loading at {} tx/s",
        s.rate
    );

    let ids: Arc<HashMap<String, usize>> = Arc::new(
        txs.iter()
            .enumerate()
            .map(|(i, (id, _))| (id.clone(), i))
            .collect(),
    );
    let bodies: Arc<Vec<String>> = Arc::new(txs.into_iter().map(|(_, b)| b).collect());
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..n).map(|_| AtomicU64::new(0)).collect());
    let seen: Vec<Arc<Vec<AtomicU64>>> = (0..s.nodes)
        .map(|_| Arc::new((0..n).map(|_| AtomicU64::new(0)).collect()))
        .collect();
    let start = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let watchers: Vec<_> = net
        .rest
        .iter()
        .zip(&seen)
        .map(|(&addr, seen)| {
            tokio::spawn(watch(addr, ids.clone(), seen.clone(), start, stop.clone()))
        })
        .collect();

    let next = Arc::new(AtomicUsize::new(0));
    let deadline = start + Duration::from_secs_f64(s.seconds);
    let interval = Duration::from_secs_f64(s.connections as f64 / s.rate.max(1) as f64);
    let mut clients = Vec::new();
    for c in 0..s.connections {
        let addr = net.rest[c % net.rest.len()];
        let (bodies, next, sent) = (bodies.clone(), next.clone(), sent.clone());
        let first = start + Duration::from_secs_f64(c as f64 / s.rate.max(1) as f64);
        clients.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await?;
            let (mut ok, mut refused, mut at) = (0u64, 0u64, first);
            loop {
                tokio::time::sleep_until(at.into()).await;
                at += interval;
                if Instant::now() >= deadline {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t = stamp(start);
                let (status, reply) = conn
                    .post_json("/transactions/broadcast", body.as_bytes())
                    .await?;
                if status == 200 {
                    sent[i].store(t, Ordering::Relaxed);
                    ok += 1;
                } else {
                    if refused == 0 {
                        eprintln!(
                            "{addr} refused a transaction ({status}): {}",
                            String::from_utf8_lossy(&reply)
                        );
                    }
                    refused += 1;
                }
            }
            anyhow::Ok((ok, refused))
        }));
    }
    let (mut accepted, mut refused) = (0, 0);
    for c in clients {
        let (ok, r) = c.await??;
        accepted += ok;
        refused += r;
    }
    let load_seconds = start.elapsed().as_secs_f64();
    eprintln!("load done: {accepted} accepted, {refused} refused; waiting for blocks");

    let confirmed_on_all = |i: usize| seen.iter().all(|s| s[i].load(Ordering::Relaxed) != 0);
    let drain = Instant::now();
    let (mut missing_before, mut progress) = (u64::MAX, Instant::now());
    while drain.elapsed() < Duration::from_secs_f64(s.drain_seconds) {
        let missing = (0..n as usize)
            .filter(|&i| sent[i].load(Ordering::Relaxed) != 0 && !confirmed_on_all(i))
            .count() as u64;
        if missing == 0 {
            break;
        }
        if missing < missing_before {
            (missing_before, progress) = (missing, Instant::now());
        } else if progress.elapsed() > Duration::from_secs(15) {
            eprintln!("{missing} accepted transactions not on every node after 15 s idle");
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for w in watchers {
        if let Err(e) = w.await? {
            eprintln!("a watcher failed: {e:#}");
        }
    }

    let mut latencies = Latencies::new();
    let (mut confirmed, mut first_sent, mut last_seen) = (0u64, u64::MAX, 0u64);
    for (i, sent) in sent.iter().enumerate() {
        let t0 = sent.load(Ordering::Relaxed);
        if t0 == 0 {
            continue;
        }
        first_sent = first_sent.min(t0);
        if !confirmed_on_all(i) {
            continue;
        }
        let t1 = seen
            .iter()
            .map(|s| s[i].load(Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        confirmed += 1;
        last_seen = last_seen.max(t1);
        latencies.record(Duration::from_nanos(t1.saturating_sub(t0)));
    }
    drop(net);
    Ok(TestnetReport {
        nodes: s.nodes,
        connections: s.connections,
        offered: s.rate,
        load_seconds: super::round3(load_seconds),
        accepted,
        refused,
        confirmed,
        seconds: last_seen.saturating_sub(first_sent) as f64 / 1e9,
        latencies,
    })
}
