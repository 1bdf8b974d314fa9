//! Load figure for `GET /anchors/{hash}` (issue target: >= 20,000 requests/s with p99 under
//! 5 ms on a store of 1,000,000 anchors). Ignored by default; run in release:
//! `cargo test -p ltonode --release --test it anchor_lookup_load -- --ignored --nocapture`.
//! Client tasks and server share the machine's cores, so the figure is conservative.

use ltonode::rest::{self, RestState};
use ltonode::service::{CoreTask, chain_config, spawn_core};
use ltonode_consensus::ChainParams;
use ltonode_core::{Core, CoreConfig};
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock, VRF_PROOF_LEN};
use ltonode_ledger::chain::Chain;
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::tx::validate::{ValidationContext, verify_batch};
use ltonode_ledger::{
    Address, Amount, ChainId, Height, KeyPair, PublicKey, RocksConfig, RocksStore, Signature,
    Timestamp, Transaction, sha256,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const T: ChainId = ChainId::TESTNET;
const BLOCKS: u64 = 10;
const TXS_PER_MICRO: u64 = 250;
const MICROS: u64 = 4;
const ANCHORS_PER_TX: u64 = 100;

fn anchor(h: u64, n: u64) -> [u8; 32] {
    sha256(&[h.to_be_bytes(), n.to_be_bytes()].concat())
}

/// Funds `senders` with 1,000,000 LTO each in the genesis block of `chain`.
fn fund<S: ltonode_ledger::Store>(chain: &mut Chain<S>, senders: &[KeyPair], t0: u64) {
    let genesis = senders
        .iter()
        .map(|k| Transaction {
            version: 1,
            chain_id: T,
            timestamp: Timestamp(t0),
            sender: PublicKey([0; 32]).into(),
            fee: Amount(0),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Genesis {
                recipient: Address::from_public_key(T, &k.public_key()),
                amount: Amount(1_000_000 * 100_000_000),
            },
        })
        .collect();
    chain.init_genesis(Timestamp(t0), 50, genesis).unwrap();
}

/// Reads one HTTP/1.1 response from a keep-alive connection; returns its status line.
async fn read_response(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    let mut len = 0usize;
    let mut status = String::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        if status.is_empty() {
            status = line.clone();
        }
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await.unwrap();
    status
}

/// Runs a core on `chain` (not forging) with the REST API on a loopback port.
async fn serve_core<S: ltonode_ledger::Store + Clone + ltonode_ledger::Snapshots + 'static>(
    chain: Chain<S>,
    params: ChainParams,
) -> (std::net::SocketAddr, CoreTask<S>) {
    let core = Core::new(chain, CoreConfig::new(params, Amount(1), None)).unwrap();
    let task = spawn_core(core, None, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(rest::serve(
        listener,
        RestState::new(task.handle.clone(), task.reader.clone(), None),
        std::future::pending::<()>(),
    ));
    (addr, task)
}

fn build(dir: &std::path::Path) -> Chain<Arc<RocksStore>> {
    let params = ChainParams::dev();
    let store = Arc::new(RocksStore::open(dir, RocksConfig::default()).unwrap());
    let mut chain = Chain::open(store, chain_config(&params)).unwrap();
    let senders: Vec<KeyPair> = (0..20)
        .map(|i| KeyPair::from_seed_phrase(&format!("load {i}"), 0))
        .collect();
    let t0 = 1_767_225_600_000u64;
    fund(&mut chain, &senders, t0);
    let generator = KeyPair::from_seed_phrase("load generator", 0);
    for b in 0..=BLOCKS {
        let tip = chain.tip().unwrap().clone();
        let ts = Timestamp(tip.header.timestamp.0 + 5_000);
        let mut header = KeyBlockHeader {
            version: ltonode_ledger::block::KEY_BLOCK_VERSION,
            height: Height(tip.height.0 + 1),
            timestamp: ts,
            parent: tip.total_id,
            base_target: 50,
            vrf_proof: [0; VRF_PROOF_LEN],
            commitments: chain.next_commitments().unwrap(),
            generator: PublicKey([0; 32]),
            signature: Signature([0; 64]),
        };
        header.sign(&generator);
        chain.apply_key_block(&header, [0; 32]).unwrap();
        if b == BLOCKS {
            break; // the last key block only commits the block before it
        }
        let ctx = ValidationContext::lto(T, ts);
        for m in 0..MICROS {
            let txs: Vec<Transaction> = (0..TXS_PER_MICRO)
                .map(|i| {
                    let n = m * TXS_PER_MICRO + i;
                    let k = &senders[(n % 20) as usize];
                    let mut t = Transaction {
                        version: 3,
                        chain_id: T,
                        timestamp: ts,
                        sender: k.public_key().into(),
                        fee: Amount((250 + 100 * ANCHORS_PER_TX) * 100_000),
                        sponsor: None,
                        proofs: vec![],
                        body: TxBody::Anchor {
                            anchors: (0..ANCHORS_PER_TX)
                                .map(|j| anchor(b, n * ANCHORS_PER_TX + j).to_vec())
                                .collect(),
                        },
                    };
                    t.sign_with(k);
                    t
                })
                .collect();
            let verified: Vec<_> = verify_batch(txs.clone(), &ctx)
                .into_iter()
                .map(Result::unwrap)
                .collect();
            let micro = MicroBlock::new_signed(chain.tip().unwrap().total_id, txs, &generator);
            chain.apply_own_micro_block(&micro, &verified).unwrap();
        }
    }
    chain
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load figure: run in release with --ignored --nocapture"]
async fn anchor_lookup_load() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let chain = build(dir.path());
    let total = BLOCKS * MICROS * TXS_PER_MICRO * ANCHORS_PER_TX;
    eprintln!("built {total} anchors in {:?}", started.elapsed());
    let params = ChainParams::dev();
    let (addr, task) = serve_core(chain, params).await;
    let clients = 16u64;
    let secs = 10;
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (r, mut w) = stream.into_split();
            let mut r = BufReader::new(r);
            let mut lat = Vec::new();
            let mut i = c;
            while Instant::now() < deadline {
                i = i
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let b = (i >> 33) % BLOCKS;
                let n = (i >> 7) % (MICROS * TXS_PER_MICRO * ANCHORS_PER_TX);
                let path = format!("/anchors/{}", hex::encode(anchor(b, n)));
                let t = Instant::now();
                w.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                    .await
                    .unwrap();
                let status = read_response(&mut r).await;
                assert!(status.contains(" 200 "), "{status}");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let n = all.len();
    let p = |q: f64| all[((n as f64 * q) as usize).min(n - 1)];
    eprintln!(
        "GET /anchors/{{hash}} on {total} anchors: {n} requests in {secs} s = {:.0} req/s, p50 {:?}, p99 {:?} ({clients} keep-alive clients)",
        n as f64 / secs as f64,
        p(0.50),
        p(0.99)
    );
    assert!(n > 0);
    // The core's thread ends (its RocksDB handle with it) before the process exits.
    task.shutdown().await;
}

/// Admission figure for `POST /transactions/broadcast` of anchor transactions (issue target:
/// >= 10,000 tx/s admitted). Ignored by default; run in release:
/// `cargo test -p ltonode --release --test it broadcast_admission_rate -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load figure: run in release with --ignored --nocapture"]
async fn broadcast_admission_rate() {
    let senders: Vec<KeyPair> = (0..100)
        .map(|i| KeyPair::from_seed_phrase(&format!("broadcast {i}"), 0))
        .collect();
    let t0 = 1_767_225_600_000u64;
    let params = ChainParams::dev();
    let mut chain = Chain::open(ltonode_ledger::MemStore::new(), chain_config(&params)).unwrap();
    fund(&mut chain, &senders, t0);
    let n = 15_000u64;
    let bodies: Vec<String> = (0..n)
        .map(|i| {
            let k = &senders[(i % 100) as usize];
            let mut t = Transaction {
                version: 3,
                chain_id: T,
                timestamp: Timestamp(t0 + i),
                sender: k.public_key().into(),
                fee: Amount(35_000_000),
                sponsor: None,
                proofs: vec![],
                body: TxBody::Anchor {
                    anchors: vec![anchor(99, i).to_vec()],
                },
            };
            t.sign_with(k);
            ltonode_ledger::tx::json::to_json(&t).to_string()
        })
        .collect();
    let (addr, task) = serve_core(chain, params).await;
    let clients = 8usize;
    let bodies = Arc::new(bodies);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let bodies = bodies.clone();
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (r, mut w) = stream.into_split();
            let mut r = BufReader::new(r);
            let mut ok = 0u64;
            for body in bodies.iter().skip(c).step_by(clients) {
                let req = format!(
                    "POST /transactions/broadcast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                w.write_all(req.as_bytes()).await.unwrap();
                let status = read_response(&mut r).await;
                if status.contains(" 200 ") {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        admitted += t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let pool = task.reader.snapshot().pool_len;
    eprintln!(
        "POST /transactions/broadcast: {admitted} of {n} anchor txs admitted in {secs:.2} s = {:.0} tx/s ({clients} keep-alive clients); pool {pool}",
        admitted as f64 / secs
    );
    assert_eq!(admitted, n);
    assert_eq!(pool as u64, n);
    task.shutdown().await;
}
