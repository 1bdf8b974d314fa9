//! The REST API through real HTTP on 127.0.0.1 (port 0): a dev chain on a `MemStore` whose
//! forger the test steps in virtual time between requests, and a tiny HTTP/1.1 client.

use ltonode::rest::routes_forms::Notary;
use ltonode::rest::{self, RestState};
use ltonode::service::{CoreHandle, Reader, chain_config, spawn_core};
use ltonode_consensus::ChainParams;
use ltonode_core::{Core, CoreConfig, Forged};
use ltonode_ledger::chain::Chain;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::tx::json::to_json;
use ltonode_ledger::{
    Address, Amount, ChainId, KeyPair, MemStore, Snapshots, Store, Timestamp, Transaction, TxBody,
    secure_hash, sha256,
};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const API_KEY: &str = "rest test key";

pub(crate) struct Node<S: Store + Clone + Snapshots + 'static = MemStore> {
    core: CoreHandle<S>,
    reader: Reader<S>,
    pub(crate) addr: SocketAddr,
    now: Timestamp,
    stop: Arc<watch::Sender<bool>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn dev_key(i: usize) -> KeyPair {
    KeyPair::from_seed_phrase(&GenesisConfig::dev_accounts()[i].seed, 0)
}

fn address_of(k: &KeyPair) -> Address {
    Address::from_public_key(ChainId::TESTNET, &k.public_key())
}

pub(crate) async fn start(api_key_hash: Option<String>) -> Node<MemStore> {
    start_on(MemStore::new(), api_key_hash).await
}

/// A dev node on `store` (which may hold a chain already), forging in virtual time.
async fn start_on<S: Store + Clone + Snapshots + 'static>(
    store: S,
    api_key_hash: Option<String>,
) -> Node<S> {
    let params = ChainParams::dev();
    let genesis = GenesisConfig::dev();
    let chain = Chain::open_with_genesis(store, chain_config(&params), &genesis).unwrap();
    let core = Core::new(
        chain,
        CoreConfig::new(params.clone(), genesis.total(), Some(dev_key(0))),
    )
    .unwrap();
    let metrics = Arc::new(ltonode::metrics::Metrics::new().unwrap());
    let task = spawn_core(core, None, Some(metrics.clone())).unwrap();
    let (stop, rx) = watch::channel(false);
    let stop = Arc::new(stop);
    let state = RestState::new(task.handle.clone(), task.reader.clone(), api_key_hash)
        .with_wallet(Some(dev_key(0)))
        .with_notary(Notary::new([5; 32], ChainId::TESTNET))
        .with_stop(stop.clone())
        .with_metrics(metrics);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(rest::serve(listener, state, async move {
        let mut rx = rx;
        let _ = rx.wait_for(|s| *s).await;
    }));
    let mut node = Node {
        core: task.handle,
        reader: task.reader,
        addr,
        now: Timestamp(genesis.timestamp.0 + 60_000),
        stop,
        server,
    };
    node.forge_key_block().await;
    node
}

impl<S: Store + Clone + Snapshots + 'static> Node<S> {
    /// Steps the forger in virtual time until it forges what `want` accepts.
    async fn advance(&mut self, want: impl Fn(&Forged) -> bool) -> Forged {
        let limit = self.now.0 + 3_600_000;
        loop {
            let (forged, next) = self.core.tick(self.now).await.unwrap();
            self.now = Timestamp(next.map_or(self.now.0 + 100, |n| n.0.max(self.now.0 + 1)));
            if let Some(f) = forged.into_iter().find(|f| want(f)) {
                return f;
            }
            assert!(self.now.0 < limit, "the dev chain stalled");
        }
    }

    pub(crate) async fn forge_key_block(&mut self) -> u32 {
        match self.advance(|f| matches!(f, Forged::KeyBlock { .. })).await {
            Forged::KeyBlock { height, .. } => height.0,
            other => panic!("{other:?}"),
        }
    }

    async fn forge_micro_block(&mut self) -> u32 {
        match self
            .advance(|f| matches!(f, Forged::MicroBlock { txs, .. } if *txs > 0))
            .await
        {
            Forged::MicroBlock { height, .. } => height.0,
            other => panic!("{other:?}"),
        }
    }

    fn tip_timestamp(&self) -> u64 {
        self.reader
            .snapshot()
            .tip
            .as_ref()
            .unwrap()
            .header
            .timestamp
            .0
    }

    fn height(&self) -> u32 {
        self.reader.snapshot().height().0
    }

    /// A signed transaction of `key` with a timestamp inside the current block's window.
    fn signed(&self, key: &KeyPair, fee: u64, body: TxBody) -> Transaction {
        self.signed_for(ChainId::TESTNET, key, fee, body)
    }

    fn signed_for(&self, chain: ChainId, key: &KeyPair, fee: u64, body: TxBody) -> Transaction {
        let mut tx = Transaction {
            version: 3,
            chain_id: chain,
            timestamp: Timestamp(self.tip_timestamp() + 1),
            sender: key.public_key().into(),
            fee: Amount(fee),
            sponsor: None,
            proofs: Vec::new(),
            body,
        };
        tx.sign_with(key);
        tx
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        http(self.addr, "GET", path, &[], b"").await
    }

    async fn post(&self, path: &str, body: &[u8], headers: &[(&str, &str)]) -> (u16, Value) {
        http(self.addr, "POST", path, headers, body).await
    }

    async fn broadcast(&self, tx: &Transaction) -> (u16, Value) {
        let body = client_json(tx).to_string();
        self.post("/transactions/broadcast", body.as_bytes(), &[])
            .await
    }

    async fn balance(&self, a: &Address) -> u64 {
        let (status, v) = self.get(&format!("/addresses/balance/{a}")).await;
        assert_eq!(status, 200, "{v}");
        v["balance"].as_u64().unwrap()
    }
}

/// The JSON the official Python client posts: no `id`, no `chainId`.
fn client_json(tx: &Transaction) -> Value {
    let mut v = to_json(tx);
    let o = v.as_object_mut().unwrap();
    o.remove("id");
    assert!(!o.contains_key("chainId"));
    v
}

fn transfer(to: &Address, amount: u64) -> TxBody {
    TxBody::Transfer {
        recipient: *to,
        amount: Amount(amount),
        attachment: b"rest".to_vec(),
    }
}

/// One HTTP/1.1 request with `Connection: close`; the body parsed as JSON (or kept as a
/// string if it is not JSON).
pub(crate) async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Value) {
    let (status, _, body) = http_raw(addr, method, path, headers, body).await;
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()));
    (status, value)
}

/// One request: the status, the head (lower case) and the body's bytes.
async fn http_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    let raw = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        // The server may answer (413) and close before reading a large body.
        let _ = s.write_all(&request);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        out
    })
    .await
    .unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..line_end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[line_end + 2..line_end + 2 + size]);
        b = &b[line_end + 4 + size..];
    }
}

fn error_of(v: &Value) -> (u64, &str) {
    (
        v["error"].as_u64().unwrap_or(u64::MAX),
        v["message"].as_str().unwrap_or(""),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_transfer_confirm_and_query() {
    let mut node = start(None).await;
    let sender = dev_key(1);
    let recipient = address_of(&dev_key(2));
    let sender_before = node.balance(&address_of(&sender)).await;
    let recipient_before = node.balance(&recipient).await;

    let tx = node.signed(&sender, 100_000_000, transfer(&recipient, 12_345));
    let (status, reply) = node.broadcast(&tx).await;
    assert_eq!(status, 200, "{reply}");
    let id = tx.id().to_base58();
    assert_eq!(reply["id"], id.as_str());
    assert_eq!(reply["type"], 4);
    assert_eq!(reply["version"], 3);
    assert_eq!(reply["recipient"], recipient.to_base58().as_str());
    assert_eq!(reply["amount"], 12_345);

    let (_, pending) = node.get("/transactions/unconfirmed").await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["id"], id.as_str());
    let (_, size) = node.get("/transactions/unconfirmed/size").await;
    assert_eq!(size, json!({"size": 1}));
    let (status, _) = node.get(&format!("/transactions/info/{id}")).await;
    assert_eq!(status, 404);

    let height = node.forge_micro_block().await;
    let (status, info) = node.get(&format!("/transactions/info/{id}")).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["id"], id.as_str());
    assert_eq!(info["height"], height);
    let (_, size) = node.get("/transactions/unconfirmed/size").await;
    assert_eq!(size, json!({"size": 0}));

    assert_eq!(node.balance(&recipient).await, recipient_before + 12_345);
    let sender_addr = address_of(&sender);
    assert_eq!(
        node.balance(&sender_addr).await,
        sender_before - 12_345 - 100_000_000
    );
    let (_, details) = node
        .get(&format!("/addresses/balance/details/{sender_addr}"))
        .await;
    assert_eq!(details["address"], sender_addr.to_base58().as_str());
    assert_eq!(details["regular"], sender_before - 12_345 - 100_000_000);
    assert_eq!(details["available"], details["regular"]);
    assert_eq!(details["leasing"], 0);
    assert_eq!(details["effective"], details["regular"]);
    assert!(details["generating"].as_u64().unwrap() <= sender_before);

    // The address's transactions, newest first, nested; `after` pages past an id.
    let (_, list) = node
        .get(&format!("/transactions/address/{recipient}?limit=10"))
        .await;
    assert_eq!(list[0][0]["id"], id.as_str());
    assert_eq!(list[0][0]["height"], height);
    assert_eq!(list[0].as_array().unwrap().len(), 2, "{list}"); // + genesis
    let (_, list) = node
        .get(&format!("/transactions/address/{recipient}?after={id}"))
        .await;
    assert_eq!(list[0][0]["type"], 1);
    let (_, list) = node
        .get(&format!("/transactions/address/{recipient}?type=4"))
        .await;
    assert_eq!(list[0].as_array().unwrap().len(), 1);

    // Blocks: the micro block's transaction is in the current block.
    let (_, last) = node.get("/blocks/last").await;
    assert_eq!(last["height"], height);
    assert_eq!(last["transactionCount"], 1);
    assert_eq!(last["transactions"][0]["id"], id.as_str());
    assert_eq!(last["fee"], 100_000_000);
    let (_, header) = node.get("/blocks/headers/last").await;
    assert!(header.get("transactions").is_none());
    assert_eq!(header["id"], last["id"]);
    let (_, h) = node.get("/blocks/height").await;
    assert_eq!(h, json!({"height": height}));
    let (_, genesis) = node.get("/blocks/at/1").await;
    assert_eq!(genesis["transactionCount"], 4);
    let (_, seq) = node.get(&format!("/blocks/seq/1/{height}")).await;
    assert_eq!(seq.as_array().unwrap().len(), height as usize);
    assert_eq!(
        (seq[0]["height"].clone(), seq[1]["height"].clone()),
        (json!(1), json!(2))
    );
    assert!(seq[1]["reference"].as_str().unwrap().len() > 30);
    let (_, by_id) = node
        .get(&format!(
            "/blocks/signature/{}",
            last["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_id["height"], height);

    // Node, consensus, fees.
    let (_, status) = node.get("/node/status").await;
    assert_eq!(status["blockchainHeight"], height);
    assert_eq!(status["stateHeight"], height);
    assert_eq!(status["forging"], true);
    assert!(
        status["updatedDate"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-01T")
    );
    let (_, version) = node.get("/node/version").await;
    assert_eq!(
        version["version"],
        format!("ltonode v{}", env!("CARGO_PKG_VERSION")).as_str()
    );
    let (_, bt) = node.get("/consensus/basetarget").await;
    assert!(bt["baseTarget"].as_u64().unwrap() > 0);
    let score: u128 = bt["score"].as_str().unwrap().parse().unwrap();
    assert!(score > 0);
    node.forge_key_block().await;
    let (_, bt2) = node.get("/consensus/basetarget").await;
    let score2: u128 = bt2["score"].as_str().unwrap().parse().unwrap();
    assert!(score2 > score);
    let (_, fees) = node.get("/fees/status").await;
    assert_eq!(fees["price"], 100_000);
    let (status, fee) = node
        .post(
            "/transactions/calculateFee",
            client_json(&tx).to_string().as_bytes(),
            &[],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(fee["feeAmount"], 100_000_000);
    let (_, gen_balance) = node
        .get(&format!("/consensus/generatingbalance/{sender_addr}"))
        .await;
    assert_eq!(gen_balance["address"], sender_addr.to_base58().as_str());
    let (_, valid) = node.get(&format!("/addresses/validate/{recipient}")).await;
    assert_eq!(valid["valid"], true);
    let mainnet = Address::from_public_key(ChainId::MAINNET, &sender.public_key());
    let (_, valid) = node.get(&format!("/addresses/validate/{mainnet}")).await;
    assert_eq!(valid["valid"], false);
    let (_, valid) = node.get("/addresses/validate/nonsense").await;
    assert_eq!(valid["valid"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchor_pre_approved_then_receipt_verifies() {
    let mut node = start(None).await;
    let hash = sha256(b"hello rest");
    let hex_hash = hex::encode(hash);
    let tx = node.signed(
        &dev_key(1),
        35_000_000,
        TxBody::Anchor {
            anchors: vec![hash.to_vec()],
        },
    );
    let id = tx.id().to_base58();
    let (status, reply) = node.broadcast(&tx).await;
    assert_eq!(status, 200, "{reply}");
    let (status, pending) = node.get(&format!("/anchors/{hex_hash}")).await;
    assert_eq!(status, 200);
    assert_eq!(pending["status"], "unconfirmed");
    assert_eq!(pending["txId"], id.as_str());

    let height = node.forge_micro_block().await;
    let (status, pre) = node.get(&format!("/anchors/{hex_hash}")).await;
    assert_eq!(status, 200, "{pre}");
    assert_eq!(
        pre,
        json!({"anchor": hex_hash, "height": height, "txId": id, "position": 0,
               "status": "pre-approved"})
    );
    let (status, index) = node.get(&format!("/index/hash/{hex_hash}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        index,
        json!({"chainpoint": {
            "@context": "https://w3id.org/chainpoint/v2",
            "type": "ChainpointSHA256v2",
            "targetHash": hex_hash,
            "anchors": [{"type": "LTODataTransaction", "sourceId": id}],
            "block": {"height": height},
            "transaction": {"position": 0},
        }})
    );

    assert_eq!(node.forge_key_block().await, height + 1);
    // Base58 finds the same anchor.
    let b58 = bs58::encode(hash).into_string();
    let (status, confirmed) = node.get(&format!("/anchors/{b58}")).await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");
    let receipt = confirmed["receipt"].clone();
    assert_eq!(receipt["txId"], id.as_str());
    assert_eq!(receipt["height"], height);

    let (status, verdict) = node
        .post("/anchors/verify", receipt.to_string().as_bytes(), &[])
        .await;
    assert_eq!(status, 200);
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["height"], height);

    // The committing key block is the tip: the receipt needs no link to a later one.
    assert_eq!(receipt.get("anchoredTo"), None, "{receipt}");
    let (_, tip) = node.get("/blocks/headers/last").await;
    assert_eq!(verdict["blockId"], tip["id"]);

    // Tampered: another anchor, another transaction id (the leaf binds it), another position,
    // another height, an unknown field; each refused with the part that failed.
    let verdict_of = |r: &Value| {
        let body = r.to_string();
        let node = &node;
        async move {
            let (status, v) = node.post("/anchors/verify", body.as_bytes(), &[]).await;
            assert_eq!(status, 200, "{v}");
            assert_eq!(v["valid"], false, "{v}");
            v["part"].as_str().unwrap_or_default().to_string()
        }
    };
    let mut other = receipt.clone();
    other["anchor"] = json!(hex::encode(sha256(b"something else")));
    assert_eq!(verdict_of(&other).await, "sha256 path");
    let mut other_tx = receipt.clone();
    other_tx["txId"] = json!(ltonode_ledger::TxId([7; 32]).to_base58());
    assert_eq!(verdict_of(&other_tx).await, "sha256 path");
    let mut moved = receipt.clone();
    moved["position"] = json!(1);
    moved["anchorCount"] = json!(2);
    assert_eq!(verdict_of(&moved).await, "sha256 path");
    let mut later = receipt.clone();
    later["height"] = json!(height + 50);
    assert_eq!(verdict_of(&later).await, "header");
    let mut extra = receipt.clone();
    extra["note"] = json!("hi");
    assert_eq!(verdict_of(&extra).await, "format");
    assert_eq!(verdict_of(&json!({"x": 1})).await, "format");
    let (status, v) = node.post("/anchors/verify", b"not json", &[]).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v).0, 1);

    // Unknown hashes.
    let unknown = hex::encode(sha256(b"never anchored"));
    let (status, v) = node.get(&format!("/anchors/{unknown}")).await;
    assert_eq!(status, 404);
    assert_eq!(error_of(&v), (321, "anchor not found"));
    let (status, v) = node.get(&format!("/index/hash/{unknown}")).await;
    assert_eq!(status, 404);
    assert_eq!(v, json!({"chainpoint": null}));
    let (status, v) = node.get("/anchors/0OIl").await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v).0, 199);
}

#[tokio::test]
async fn standard_forms_of_a_receipt_verify_with_the_notary_key() {
    use ltonode_ledger::transparency::{cose, parse_verifier_key, tlog};
    let mut node = start(None).await;
    let values = [
        sha256(b"form one"),
        sha256(b"form two"),
        sha256(b"form three"),
    ];
    let tx = node.signed(
        &dev_key(1),
        55_000_000,
        TxBody::Anchor {
            anchors: values.iter().map(|v| v.to_vec()).collect(),
        },
    );
    let (status, reply) = node.broadcast(&tx).await;
    assert_eq!(status, 200, "{reply}");
    let height = node.forge_micro_block().await;
    let hex_value = hex::encode(values[1]);
    // Not committed yet: no form to sign.
    let (status, v) = node.get(&format!("/anchors/{hex_value}/tlog-proof")).await;
    assert_eq!(status, 400, "{v}");
    node.forge_key_block().await;
    node.forge_key_block().await;

    let (status, key) = node.get("/anchors/notary").await;
    assert_eq!(status, 200, "{key}");
    let (name, vkey) = parse_verifier_key(key["verifierKey"].as_str().unwrap()).unwrap();
    assert_eq!(name, "lto-anchors/T");
    assert_eq!(key["keyName"], name.as_str());
    assert_eq!(
        key["publicKey"],
        bs58::encode(vkey.as_bytes()).into_string().as_str()
    );
    let mut leaf = tx.id().0.to_vec();
    leaf.extend_from_slice(&values[1]);
    let (_, committing) = node
        .get(&format!("/blocks/headers/at/{}", height + 1))
        .await;

    let (status, head, text) = http_raw(
        node.addr,
        "GET",
        &format!("/anchors/{hex_value}/tlog-proof"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/plain"), "{head}");
    let proof = tlog::verify(&text, Some(&leaf), &name, &vkey).unwrap();
    assert_eq!((proof.index, proof.size), (1, 3));
    assert_eq!(
        proof.origin,
        format!("lto-anchors/T/{}", committing["id"].as_str().unwrap())
    );
    assert_eq!(
        hex::encode(proof.bound_root),
        committing["anchorRootSha256"].as_str().unwrap_or_default(),
        "{committing}"
    );
    // Another value's leaf, or another key, is refused.
    let mut other_leaf = tx.id().0.to_vec();
    other_leaf.extend_from_slice(&values[2]);
    assert!(tlog::verify(&text, Some(&other_leaf), &name, &vkey).is_err());
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[6; 32]).verifying_key();
    assert!(tlog::verify(&text, Some(&leaf), &name, &stranger).is_err());

    let (status, head, bytes) = http_raw(
        node.addr,
        "GET",
        &format!("/anchors/{hex_value}/cose"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/cose"), "{head}");
    let c = cose::verify(&bytes, &leaf, &vkey).unwrap();
    assert_eq!((c.index, c.size, c.bound_root), (1, 3, proof.bound_root));
    assert!(cose::verify(&bytes, &other_leaf, &vkey).is_err());

    let unknown = hex::encode(sha256(b"never anchored"));
    for form in ["tlog-proof", "cose"] {
        let (status, v) = node.get(&format!("/anchors/{unknown}/{form}")).await;
        assert_eq!((status, error_of(&v)), (404, (321, "anchor not found")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_broadcasts_get_exact_errors() {
    let mut node = start(None).await;
    let sender = dev_key(1);
    let recipient = address_of(&dev_key(2));
    let good = node.signed(&sender, 100_000_000, transfer(&recipient, 1));
    let good_json = client_json(&good);

    // Malformed JSON.
    let (status, v) = node
        .post("/transactions/broadcast", b"{\"type\": 4,", &[])
        .await;
    assert_eq!(status, 400);
    let (code, message) = error_of(&v);
    assert_eq!(code, 1);
    assert!(message.starts_with("failed to parse json message"), "{v}");

    // Wrong types.
    let mut wrong = good_json.clone();
    wrong["amount"] = json!(true);
    let (status, v) = node
        .post("/transactions/broadcast", wrong.to_string().as_bytes(), &[])
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&v),
        (
            1,
            "failed to parse json message: field amount: expected an integer"
        )
    );
    let (status, v) = node.post("/transactions/broadcast", b"[1, 2]", &[]).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v).0, 1);

    // Unknown type.
    let mut unknown = good_json.clone();
    unknown["type"] = json!(14);
    let (status, v) = node
        .post(
            "/transactions/broadcast",
            unknown.to_string().as_bytes(),
            &[],
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v), (199, "unsupported transaction type 14"));

    // Bad signature.
    let mut forged = good.clone();
    forged.proofs[0][0] ^= 1;
    let (status, v) = node.broadcast(&forged).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v), (101, "invalid sender signature"));
    assert_eq!(v["tx"]["id"], forged.id().to_base58().as_str());

    // Fee below the schedule.
    let cheap = node.signed(&sender, 1, transfer(&recipient, 1));
    let (status, v) = node.broadcast(&cheap).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v), (105, "fee 1 is below the required 100000000"));

    // Overdraft.
    let poor = dev_key(3);
    let too_much = node.signed(
        &poor,
        100_000_000,
        transfer(&recipient, 5_000_000 * 100_000_000),
    );
    let (status, v) = node.broadcast(&too_much).await;
    assert_eq!(status, 400);
    let (code, message) = error_of(&v);
    assert_eq!(code, 112);
    assert!(
        message.starts_with("State check failed. Reason: ") && message.contains("available"),
        "{v}"
    );

    // Unknown lease.
    let cancel = node.signed(
        &sender,
        100_000_000,
        TxBody::CancelLease {
            lease_id: ltonode_ledger::TxId([9; 32]),
        },
    );
    let (status, v) = node.broadcast(&cancel).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v).0, 112);
    assert!(error_of(&v).1.contains("unknown lease"), "{v}");

    // Replay: in the pool, then in the chain.
    let (status, _) = node.broadcast(&good).await;
    assert_eq!(status, 200);
    let (status, v) = node.broadcast(&good).await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&v),
        (
            112,
            format!(
                "State check failed. Reason: transaction {} is already in the pool",
                good.id()
            )
            .as_str()
        )
    );
    node.forge_micro_block().await;
    let (status, v) = node.broadcast(&good).await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&v),
        (
            112,
            format!(
                "State check failed. Reason: transaction {} is already in the chain",
                good.id()
            )
            .as_str()
        )
    );
    // Pending spends count: two transfers that together overdraw are refused at the second.
    let all_but_fee = node.balance(&address_of(&poor)).await - 100_000_000;
    let first = node.signed(&poor, 100_000_000, transfer(&recipient, all_but_fee));
    assert_eq!(node.broadcast(&first).await.0, 200);
    let second = node.signed(&poor, 100_000_000, transfer(&recipient, 2));
    let (status, v) = node.broadcast(&second).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v).0, 112);

    // A sender of another chain.
    let mainnet = node.signed_for(
        ChainId::MAINNET,
        &sender,
        100_000_000,
        transfer(
            &Address::from_public_key(ChainId::MAINNET, &dev_key(2).public_key()),
            1,
        ),
    );
    let (status, v) = node.broadcast(&mainnet).await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&v),
        (
            102,
            "invalid address: address is for chain 'L', expected 'T'"
        )
    );

    // A body over the limit.
    let big = vec![b' '; rest::MAX_BODY_BYTES + 1];
    let (status, v) = node.post("/transactions/broadcast", &big, &[]).await;
    assert_eq!(status, 413);
    assert_eq!(error_of(&v).0, 1);

    // Lookups.
    let unknown_id = ltonode_ledger::TxId([3; 32]).to_base58();
    let (status, v) = node.get(&format!("/transactions/info/{unknown_id}")).await;
    assert_eq!(status, 404);
    assert_eq!(
        v,
        json!({"error": 311, "message": "transaction does not exist",
               "status": "error", "details": "Transaction is not in blockchain"})
    );
    let (status, v) = node.get("/transactions/info/not-an-id").await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v).0, 199);
    let (status, v) = node.get("/addresses/balance/3Mx").await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v).0, 102);
    let (status, v) = node.get("/blocks/at/abc").await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&v),
        (109, "argument is not a number: height \"abc\"")
    );
    let (status, v) = node.get("/blocks/at/999").await;
    assert_eq!(status, 404);
    assert_eq!(error_of(&v), (301, "block does not exist: 999"));
    let (status, v) = node.get("/blocks/seq/1/101").await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v).0, 10);
    let (status, v) = node
        .get(&format!("/transactions/address/{recipient}?limit=10001"))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&v).0, 10);
    let (status, v) = node.get("/no/such/route").await;
    assert_eq!(status, 404);
    assert_eq!(error_of(&v), (404, "no route GET /no/such/route"));
    assert!(node.height() >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_and_associations_are_listed() {
    let mut node = start(None).await;
    let lessor = dev_key(1);
    let generator = address_of(&dev_key(0));
    let lease = node.signed(
        &lessor,
        100_000_000,
        TxBody::Lease {
            recipient: generator,
            amount: Amount(7_000),
        },
    );
    assert_eq!(node.broadcast(&lease).await.0, 200);
    let issuer = dev_key(2);
    let party = address_of(&dev_key(3));
    let assoc = node.signed(
        &issuer,
        50_000_000,
        TxBody::IssueAssociation {
            association_type: 42,
            recipient: party,
            expires: None,
            subject: Some(vec![1, 2, 3]),
            data: Vec::new(),
        },
    );
    let (status, v) = node.broadcast(&assoc).await;
    assert_eq!(status, 200, "{v}");
    let height = node.forge_micro_block().await;

    let lessor_addr = address_of(&lessor);
    for a in [lessor_addr, generator] {
        let (_, leases) = node.get(&format!("/leasing/active/{a}")).await;
        assert_eq!(leases.as_array().unwrap().len(), 1, "{leases}");
        assert_eq!(leases[0]["id"], lease.id().to_base58().as_str());
        assert_eq!(leases[0]["height"], height);
        assert_eq!(leases[0]["amount"], 7_000);
    }
    let (_, details) = node
        .get(&format!("/addresses/balance/details/{lessor_addr}"))
        .await;
    assert_eq!(details["leasing"], 7_000);
    let (_, effective) = node
        .get(&format!("/addresses/effectiveBalance/{generator}"))
        .await;
    assert_eq!(
        effective["balance"].as_u64().unwrap(),
        node.balance(&generator).await + 7_000
    );

    let issuer_addr = address_of(&issuer);
    let (_, status) = node
        .get(&format!("/associations/status/{issuer_addr}"))
        .await;
    assert_eq!(status["address"], issuer_addr.to_base58().as_str());
    assert_eq!(status["incoming"], json!([]));
    assert_eq!(
        status["outgoing"],
        json!([{
            "sender": issuer_addr.to_base58(),
            "recipient": party.to_base58(),
            "type": 42,
            "associationType": 42,
            "subject": bs58::encode([1, 2, 3]).into_string(),
            "timestamp": assoc.timestamp.0,
            "expires": null,
            "issueHeight": height,
            "id": assoc.id().to_base58(),
            "data": [],
        }])
    );
    let (_, status) = node.get(&format!("/associations/status/{party}")).await;
    assert_eq!(status["incoming"][0]["id"], assoc.id().to_base58().as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_missing_wrong_and_not_configured() {
    let node = start(None).await;
    let (status, v) = node
        .post("/node/stop", b"", &[("X-API-Key", API_KEY)])
        .await;
    assert_eq!(status, 403);
    assert_eq!(error_of(&v).0, 2);
    assert!(error_of(&v).1.contains("not configured"), "{v}");
    assert!(!*node.stop.borrow());

    let hash = bs58::encode(secure_hash(API_KEY.as_bytes())).into_string();
    let node = start(Some(hash)).await;
    let (status, v) = node.post("/node/stop", b"", &[]).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&v).0, 2);
    assert!(error_of(&v).1.starts_with("missing API key"), "{v}");
    let (status, v) = node
        .post("/node/stop", b"", &[("X-API-Key", "not the key")])
        .await;
    assert_eq!(status, 403);
    assert_eq!(error_of(&v), (2, "invalid API key"));
    let (status, v) = node
        .post(
            "/node/stop",
            b"",
            &[("Authorization", "Bearer not the key")],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(error_of(&v), (2, "invalid API key"));
    assert!(!*node.stop.borrow());

    let bearer = format!("Bearer {API_KEY}");
    let (status, v) = node
        .post("/node/stop", b"", &[("Authorization", bearer.as_str())])
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(*node.stop.borrow());
    // The server shuts down once stopped.
    let done = tokio::time::timeout(Duration::from_secs(10), node.server)
        .await
        .expect("the server did not stop");
    done.unwrap().unwrap();
}

#[tokio::test]
async fn summaries_are_served_and_match_the_committing_header() {
    let mut node = start(None).await;
    let period = ChainParams::dev().summary_period;
    let (status, body) = http(node.addr, "GET", "/summaries/last", &[], b"").await;
    assert_eq!((status, error_of(&body).0), (404, 301), "{body}");
    while node.height() < period + 2 {
        node.forge_key_block().await;
    }
    let (status, s) = http(node.addr, "GET", "/summaries/last", &[], b"").await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["index"], 1);
    assert_eq!(
        (s["from"].as_u64(), s["to"].as_u64()),
        (Some(1), Some(u64::from(period)))
    );
    let committed_by = s["committedBy"].as_u64().unwrap();
    let (_, header) = http(
        node.addr,
        "GET",
        &format!("/blocks/headers/at/{committed_by}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(header["summaryHash"], s["hash"], "{header}");
    // The genesis allocations are the first summary's balance changes.
    let total: i64 = s["balanceChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].as_i64().unwrap())
        .sum();
    assert_eq!(
        total as u64 + s["carriedOut"].as_u64().unwrap(),
        GenesisConfig::dev().total().units()
    );
    let (status, same) = http(node.addr, "GET", "/summaries/1", &[], b"").await;
    assert_eq!((status, &same), (200, &s));
    let (status, body) = http(node.addr, "GET", "/summaries/2", &[], b"").await;
    assert_eq!((status, error_of(&body).0), (404, 301), "{body}");
    let (status, body) = http(node.addr, "GET", "/summaries/x", &[], b"").await;
    assert_eq!((status, error_of(&body).0), (400, 109), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_receipt_offline_and_against_a_node() {
    let mut node = start(None).await;
    let hash = sha256(b"offline receipt");
    let tx = node.signed(
        &dev_key(1),
        35_000_000,
        TxBody::Anchor {
            anchors: vec![hash.to_vec()],
        },
    );
    assert_eq!(node.broadcast(&tx).await.0, 200);
    node.forge_micro_block().await;
    node.forge_key_block().await;
    node.forge_key_block().await;
    let (status, reply) = node.get(&format!("/anchors/{}", hex::encode(hash))).await;
    assert_eq!(
        (status, reply["status"].as_str()),
        (200, Some("confirmed")),
        "{reply}"
    );
    let (_, last) = node.get("/blocks/headers/last").await;
    let tip_id = last["id"].as_str().unwrap().to_string();
    assert_eq!(reply["receipt"]["anchoredTo"]["blockId"], tip_id.as_str());

    let dir = tempfile::tempdir().unwrap();
    let receipt_file = dir.path().join("receipt.json");
    let header_file = dir.path().join("trusted-header");
    std::fs::write(&receipt_file, reply.to_string()).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ltonode"))
            .args(args)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out.status.code(), v)
    };
    let r = receipt_file.to_str().unwrap();
    let hf = header_file.to_str().unwrap();
    // Offline, with only the id of the block the receipt is anchored to.
    let (code, v) = run(&["verify-receipt", r, "--trust", &tip_id]);
    assert_eq!((code, v["valid"].as_bool()), (Some(0), Some(true)), "{v}");
    assert_eq!(v["txId"], tx.id().to_base58().as_str());
    assert_eq!(v["blockId"], tip_id.as_str());
    // Or with that block's header, in hex, base64, raw bytes or the node's JSON.
    let header_bytes = hex::decode(last["headerBytes"].as_str().unwrap()).unwrap();
    for form in [
        last["headerBytes"].as_str().unwrap().as_bytes().to_vec(),
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &header_bytes)
            .into_bytes(),
        header_bytes.clone(),
        last.to_string().into_bytes(),
    ] {
        std::fs::write(&header_file, form).unwrap();
        let (code, v) = run(&["verify-receipt", r, "--trust-file", hf]);
        assert_eq!((code, v["valid"].as_bool()), (Some(0), Some(true)), "{v}");
    }
    // The chain grows: the receipt still verifies against the block it names, and against
    // the node's new tip through a fresh proof that `--node` fetches.
    node.forge_key_block().await;
    node.forge_key_block().await;
    let (_, newer) = node.get("/blocks/headers/last").await;
    let new_tip = newer["id"].as_str().unwrap().to_string();
    assert_ne!(new_tip, tip_id);
    let (code, v) = run(&["verify-receipt", r, "--trust", &tip_id]);
    assert_eq!((code, v["valid"].as_bool()), (Some(0), Some(true)), "{v}");
    let url = format!("http://{}", node.addr);
    let (code, v) = run(&["verify-receipt", r, "--node", &url]);
    assert_eq!((code, v["valid"].as_bool()), (Some(0), Some(true)), "{v}");
    assert_eq!(v["blockId"], new_tip.as_str());
    // Trusting the new tip needs the refreshed receipt: the old one names another block.
    let (code, v) = run(&["verify-receipt", r, "--trust", &new_tip]);
    assert_eq!(
        (code, v["part"].as_str()),
        (Some(1), Some("trusted block")),
        "{v}"
    );
    let (_, refreshed) = node
        .get(&format!(
            "/anchors/{}?anchoredTo={new_tip}",
            hex::encode(hash)
        ))
        .await;
    std::fs::write(&receipt_file, refreshed.to_string()).unwrap();
    let (code, v) = run(&["verify-receipt", r, "--trust", &new_tip]);
    assert_eq!((code, v["valid"].as_bool()), (Some(0), Some(true)), "{v}");

    // A receipt for another anchor value is refused, naming the path that failed.
    let mut forged = reply.clone();
    forged["receipt"]["anchor"] = json!(hex::encode(sha256(b"something else")));
    std::fs::write(&receipt_file, forged.to_string()).unwrap();
    let (code, v) = run(&["verify-receipt", r, "--trust", &tip_id]);
    assert_eq!(
        (code, v["part"].as_str()),
        (Some(1), Some("sha256 path")),
        "{v}"
    );
    let (code, v) = run(&["verify-receipt", r, "--node", &url]);
    assert_eq!(code, Some(1), "{v}");
    // A receipt that does not parse is refused for its format; a trust argument that
    // cannot be used, or a missing file, is exit 2 with an error and no verdict.
    std::fs::write(&receipt_file, b"{").unwrap();
    let (code, v) = run(&["verify-receipt", r, "--trust", &tip_id]);
    assert_eq!((code, v["part"].as_str()), (Some(1), Some("format")), "{v}");
    let (code, v) = run(&[
        "verify-receipt",
        "/nonexistent/receipt.json",
        "--trust",
        &tip_id,
    ]);
    assert_eq!((code, v), (Some(2), Value::Null));
    std::fs::write(&receipt_file, reply.to_string()).unwrap();
    let (code, _) = run(&["verify-receipt", r, "--trust", "not-base58!"]);
    assert_eq!(code, Some(2));
}

#[tokio::test]
async fn metrics_in_prometheus_text() {
    let mut node = start(None).await;
    node.forge_key_block().await;
    let (_, _) = http(node.addr, "GET", "/node/status", &[], b"").await;
    let (status, body) = http(node.addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(status, 200);
    let text = body.as_str().unwrap_or_default().to_string();
    assert!(
        text.contains(&format!("ltonode_chain_height {}", node.height())),
        "{text}"
    );
    assert!(text.contains("ltonode_pool_transactions 0"), "{text}");
    // start() forged one key block, this test another.
    assert!(text.contains("ltonode_forger_key_blocks_total 2"), "{text}");
    assert!(
        text.contains("ltonode_chain_import_seconds_count 2"),
        "{text}"
    );
    let (_, status) = http(node.addr, "GET", "/node/status", &[], b"").await;
    assert_eq!(
        status["generator"],
        address_of(&dev_key(0)).to_base58().as_str()
    );
    assert!(
        status["generatingBalance"].as_u64().unwrap() > 0,
        "{status}"
    );
    assert!(
        text.contains("ltonode_rest_request_seconds_count"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE ltonode_chain_import_seconds histogram"),
        "{text}"
    );
}

#[tokio::test]
async fn openapi_lists_every_route_and_each_answers() {
    let mut node = start(None).await;
    node.forge_key_block().await;
    let (status, doc) = http(node.addr, "GET", "/api-docs/openapi.json", &[], b"").await;
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(
        paths.len(),
        ltonode::rest::openapi::ROUTES
            .iter()
            .map(|r| r.1)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    let addr = address_of(&dev_key(0)).to_base58();
    for (method, path, _) in ltonode::rest::openapi::ROUTES {
        let concrete = path
            .replace("{address}", &addr)
            .replace("{height}", "1")
            .replace("{from}", "1")
            .replace("{to}", "1")
            .replace("{id}", "11111111111111111111111111111111")
            .replace("{hash}", "00")
            .replace("{n}", "1")
            .replace("{confirmations}", "0")
            .replace("{key}", &dev_key(0).public_key().to_base58())
            .replace("{data_key}", "k")
            .replace("{type_name}", "anchor")
            .replace("{encoding}", "hex");
        if *path == "/node/stop" {
            continue;
        }
        let (status, body) = http(node.addr, &method.to_uppercase(), &concrete, &[], b"{}").await;
        // Every route exists: a missing one would be the fallback's code 404.
        assert_ne!(
            error_of(&body).0,
            404,
            "{method} {concrete}: {status} {body}"
        );
    }
}

#[tokio::test]
async fn sign_and_submit_with_the_node_wallet() {
    let hash = bs58::encode(secure_hash(API_KEY.as_bytes())).into_string();
    let node = start(Some(hash)).await;
    let wallet = address_of(&dev_key(0)).to_base58();
    let anchor = bs58::encode(sha256(b"signed by the node")).into_string();
    // The test chain runs in virtual time: give the block's time (a real node uses now).
    let ts = node.tip_timestamp();
    let request =
        json!({"type": 15, "version": 3, "anchors": [anchor], "timestamp": ts}).to_string();
    let (status, v) = node
        .post("/transactions/sign", request.as_bytes(), &[])
        .await;
    assert_eq!((status, error_of(&v).0), (401, 2), "{v}");
    let key = [("X-API-Key", API_KEY)];
    let (status, signed) = node
        .post("/transactions/sign", request.as_bytes(), &key)
        .await;
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["sender"], wallet.as_str());
    assert_eq!(signed["fee"], 35_000_000, "the schedule's fee");
    assert_eq!(signed["proofs"].as_array().map(Vec::len), Some(1));
    // What it signed is a valid transaction anyone can broadcast.
    let (status, reply) = node
        .post(
            "/transactions/broadcast",
            signed.to_string().as_bytes(),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    // Submit signs and broadcasts in one step.
    let other = json!({"type": 15, "timestamp": ts, "anchors": [bs58::encode(sha256(b"submitted")).into_string()]});
    let (status, submitted) = node
        .post("/transactions/submit", other.to_string().as_bytes(), &key)
        .await;
    assert_eq!(status, 200, "{submitted}");
    let (_, pool) = node.get("/transactions/unconfirmed/size").await;
    assert_eq!(pool["size"], 2);
    // The wallet holds one account only.
    let foreign = json!({"type": 15, "anchors": [], "sender": address_of(&dev_key(1)).to_base58()});
    let (status, v) = node
        .post("/transactions/sign", foreign.to_string().as_bytes(), &key)
        .await;
    assert_eq!(status, 400, "{v}");
    assert!(error_of(&v).1.contains("wallet"), "{v}");
}

/// A store whose writes wait while its gate is closed: the core, the only writer, stops
/// mid-apply; readers go on.
#[derive(Clone)]
struct GatedStore {
    inner: MemStore,
    gate: Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
    blocked_writes: Arc<std::sync::atomic::AtomicU64>,
}

impl GatedStore {
    fn new() -> GatedStore {
        GatedStore {
            inner: MemStore::new(),
            gate: Arc::new((std::sync::Mutex::new(true), std::sync::Condvar::new())),
            blocked_writes: Arc::default(),
        }
    }

    fn set_open(&self, open: bool) {
        let (lock, cvar) = &*self.gate;
        *lock.lock().unwrap() = open;
        cvar.notify_all();
    }
}

/// Reads go to the shared contents (the gate holds only writes).
impl Snapshots for GatedStore {
    type Snapshot<'a> = GatedStore;

    fn snapshot(&self) -> GatedStore {
        self.clone()
    }
}

impl Store for GatedStore {
    fn get(
        &self,
        col: ltonode_ledger::store::Column,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, ltonode_ledger::store::StoreError> {
        self.inner.get(col, key)
    }

    fn write(
        &self,
        batch: ltonode_ledger::WriteBatch,
    ) -> Result<(), ltonode_ledger::store::StoreError> {
        let (lock, cvar) = &*self.gate;
        let mut open = lock.lock().unwrap();
        if !*open {
            self.blocked_writes
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        while !*open {
            open = cvar.wait(open).unwrap();
        }
        drop(open);
        self.inner.write(batch)
    }

    fn scan_range(
        &self,
        col: ltonode_ledger::store::Column,
        from: &[u8],
        to: Option<&[u8]>,
        reverse: bool,
        limit: Option<usize>,
    ) -> Result<Vec<ltonode_ledger::store::KeyValue>, ltonode_ledger::store::StoreError> {
        self.inner.scan_range(col, from, to, reverse, limit)
    }

    fn approximate_size_bytes(&self) -> u64 {
        self.inner.approximate_size_bytes()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_answer_while_the_writer_is_stuck_mid_apply() {
    let store = GatedStore::new();
    let mut node = start_on(store.clone(), None).await;
    // An anchor confirmed in a micro block, so GET /anchors has something to find.
    let hash = sha256(b"stuck writer");
    let tx = node.signed(
        &dev_key(1),
        35_000_000,
        TxBody::Anchor {
            anchors: vec![hash.to_vec()],
        },
    );
    assert_eq!(node.broadcast(&tx).await.0, 200);
    let height = node.forge_micro_block().await;

    // Close the gate and make the core forge: it stops inside its write.
    store.set_open(false);
    let core = node.core.clone();
    let far = Timestamp(node.now.0 + 3_600_000);
    let stuck = tokio::spawn(async move { core.tick(far).await });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while store
        .blocked_writes
        .load(std::sync::atomic::Ordering::SeqCst)
        == 0
    {
        assert!(std::time::Instant::now() < deadline, "the core never wrote");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!stuck.is_finished(), "the writer is blocked");

    let answered = tokio::time::timeout(Duration::from_secs(10), async {
        let (status, v) = node.get(&format!("/anchors/{}", hex::encode(hash))).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["txId"], tx.id().to_base58().as_str(), "{v}");
        let (status, v) = node.get("/blocks/height").await;
        assert_eq!(status, 200);
        assert_eq!(v["height"], height);
        let (status, body) = http(node.addr, "GET", "/metrics", &[], b"").await;
        assert_eq!(status, 200);
        let text = body.as_str().unwrap_or_default().to_string();
        assert!(
            text.contains(&format!("ltonode_chain_height {height}")),
            "{text}"
        );
    })
    .await;
    assert!(answered.is_ok(), "reads waited on the stuck writer");
    assert!(
        !stuck.is_finished(),
        "the writer was still blocked while reads answered"
    );

    // Open the gate: the core finishes its key block and the readers see it.
    store.set_open(true);
    let (forged, _) = stuck.await.unwrap().unwrap();
    assert!(
        matches!(forged.as_slice(), [Forged::KeyBlock { height: h, .. }] if h.0 == height + 1),
        "{forged:?}"
    );
    let (_, v) = node.get("/blocks/height").await;
    assert_eq!(v["height"], height + 1);
}

/// Headless Chromium (Debian's `chromium`, which `scripts/test` installs): the path, or
/// `None` when it is missing outside CI.
fn chromium() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("CHROMIUM")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "chromium is missing ({}); scripts/test installs Debian's chromium",
        path.display()
    );
    eprintln!("skipped: no chromium at {}", path.display());
    None
}

/// Runs headless Chromium on `url` with `args` (after the flags a closed network needs) and
/// returns its stdout.
fn headless(chromium: &std::path::Path, profile: &std::path::Path, args: &[String]) -> String {
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Loads `url` in headless Chromium, on a blocking thread, letting its scripts run for 5 s of
/// virtual time, with `args` (`--dump-dom`, `--screenshot=...`): Chromium's stdout.
async fn render(chromium: &std::path::Path, url: &str, args: &[&str]) -> String {
    let chromium = chromium.to_owned();
    let mut all = vec!["--virtual-time-budget=5000".to_owned()];
    all.extend(args.iter().map(|a| a.to_string()));
    all.push(url.to_owned());
    tokio::task::spawn_blocking(move || {
        let profile = tempfile::tempdir().unwrap();
        headless(&chromium, profile.path(), &all)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_renders_height_and_peers_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let mut node = start(None).await;
    node.forge_key_block().await;
    let height = node.forge_key_block().await;
    let (status, page) = http(node.addr, "GET", "/", &[], b"").await;
    assert_eq!(status, 200);
    let html = page.as_str().unwrap_or_default();
    // Served from the binary: nothing loaded from elsewhere.
    assert!(html.contains("<title>ltonode status</title>"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );

    let url = format!("http://{}/", node.addr);
    let artifacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-page");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("status-page.png");
    let dom = render(&chromium, &url, &["--dump-dom"]).await;
    let shot_arg = format!("--screenshot={}", shot.display());
    render(&chromium, &url, &["--window-size=1280,900", &shot_arg]).await;
    assert!(
        dom.contains(&format!(r#"id="height">{height}</div>"#)),
        "height {height} not rendered: {dom}"
    );
    assert!(
        dom.contains(r#"id="peers">0</div>"#),
        "peers not rendered: {dom}"
    );
    assert!(
        dom.contains(r#"class="v ok" id="forging">yes</div>"#),
        "{dom}"
    );
    // The last blocks, newest first.
    assert!(dom.contains(&format!("<td>{height}</td>")), "{dom}");
    assert!(dom.contains(r#"<div id="error"></div>"#), "{dom}");
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot {}",
        shot.display()
    );
    eprintln!("status page screenshot: {}", shot.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rest_of_ltos_routes_answer_as_lto_does() {
    let mut node = start(None).await;
    let sender = dev_key(1);
    let recipient = address_of(&dev_key(2));
    let tx = node.signed(&sender, 100_000_000, transfer(&recipient, 5_000));
    assert_eq!(node.broadcast(&tx).await.0, 200);
    let h = node.forge_micro_block().await;
    node.forge_key_block().await;
    node.forge_key_block().await;
    let tip = node.height();
    let who = address_of(&sender).to_base58();

    // Balances with confirmations and their history.
    let (_, now) = node.get(&format!("/addresses/balance/{who}")).await;
    let (status, v) = node.get(&format!("/addresses/balance/{who}/0")).await;
    assert_eq!(status, 200);
    assert_eq!(v["balance"], now["balance"]);
    assert_eq!(v["confirmations"], 0);
    // Over the blocks since before the transfer, the lowest balance is the one after it.
    let (_, v) = node
        .get(&format!("/addresses/balance/{who}/{}", tip - h + 2))
        .await;
    assert_eq!(v["balance"], now["balance"], "{v}");
    let (_, hist) = node.get(&format!("/addresses/balance/history/{who}")).await;
    let hist = hist.as_array().unwrap().clone();
    assert!(hist.len() >= 2, "{hist:?}");
    assert_eq!(hist[0]["height"], h);
    assert_eq!(hist[0]["balance"], now["balance"]);
    let before = hist[1]["balance"].as_u64().unwrap();
    assert_eq!(
        before,
        now["balance"].as_u64().unwrap() + 5_000 + 100_000_000
    );
    let (status, v) = node
        .get(&format!("/addresses/effectiveBalance/{who}/1"))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = node.get("/addresses/balance/3Mx/1").await;
    assert_eq!((status, error_of(&v).0), (400, 102));

    // Keys and signatures.
    let pk = sender.public_key().to_base58();
    let (_, v) = node.get(&format!("/addresses/publicKey/{pk}")).await;
    assert_eq!(v["address"], who.as_str());
    let (status, v) = node.get("/addresses/publicKey/0OIl").await;
    assert_eq!((status, error_of(&v).0), (400, 108));
    let message = b"signed by account 2";
    let sig = sender.sign(message).to_base58();
    let body =
        json!({"message": bs58::encode(message).into_string(), "signature": sig, "publickey": pk});
    let (_, v) = node
        .post(
            &format!("/addresses/verify/{who}"),
            body.to_string().as_bytes(),
            &[],
        )
        .await;
    assert_eq!(v, json!({"valid": true}));
    let (_, v) = node
        .post(
            &format!("/addresses/verify/{recipient}"),
            body.to_string().as_bytes(),
            &[],
        )
        .await;
    assert_eq!(v, json!({"valid": false}), "another address's key");
    let text = json!({"message": "signed by account 2", "signature": sig, "publickey": pk});
    let (_, v) = node
        .post(
            &format!("/addresses/verifyText/{who}"),
            text.to_string().as_bytes(),
            &[],
        )
        .await;
    assert_eq!(v, json!({"valid": true}));
    let bad = json!({"message": "0OIl", "signature": sig, "publickey": pk});
    let (status, v) = node
        .post(
            &format!("/addresses/verify/{who}"),
            bad.to_string().as_bytes(),
            &[],
        )
        .await;
    assert_eq!((status, error_of(&v).0), (400, 110));
    let (_, v) = node.get(&format!("/addresses/scriptInfo/{who}")).await;
    assert_eq!(v, json!({"address": who, "complexity": 0, "extraFee": 0}));

    // Blocks by id.
    let (_, block) = node.get(&format!("/blocks/at/{h}")).await;
    let id = block["id"].as_str().unwrap().to_owned();
    let (_, v) = node.get(&format!("/blocks/height/{id}")).await;
    assert_eq!(v, json!({"height": h}));
    let (_, v) = node.get(&format!("/blocks/child/{id}")).await;
    assert_eq!(v["height"], h + 1);
    let (_, last) = node.get("/blocks/last").await;
    let last_id = last["id"].as_str().unwrap().to_owned();
    let (_, v) = node.get(&format!("/blocks/child/{last_id}")).await;
    assert_eq!(v, json!({"status": "error", "details": "No child blocks"}));
    let (_, first) = node.get(&format!("/blocks/at/{}", tip - 2)).await;
    let (_, v) = node.get(&format!("/blocks/delay/{last_id}/2")).await;
    let expected = (last["timestamp"].as_u64().unwrap() - first["timestamp"].as_u64().unwrap()) / 2;
    assert_eq!(v, json!({"delay": expected}));
    let (status, v) = node
        .get(&format!("/blocks/height/{}", "1".repeat(89)))
        .await;
    assert_eq!((status, error_of(&v).0), (400, 101));
    let (status, v) = node
        .get("/blocks/height/11111111111111111111111111111111")
        .await;
    assert_eq!((status, error_of(&v).0), (404, 301));
    let generator = address_of(&dev_key(0)).to_base58();
    let (_, v) = node
        .get(&format!("/blocks/address/{generator}/1/{tip}"))
        .await;
    assert_eq!(
        v.as_array().unwrap().len() as u32,
        tip - 1,
        "all but genesis"
    );
    let (status, v) = node
        .get(&format!("/blocks/address/{generator}/1/101"))
        .await;
    assert_eq!((status, error_of(&v).0), (400, 10));

    // Consensus values of a block.
    let (_, v) = node.get(&format!("/consensus/basetarget/{id}")).await;
    assert_eq!(v["baseTarget"], block["baseTarget"]);
    let (_, v) = node
        .get(&format!("/consensus/generationsignature/{id}"))
        .await;
    let sig = v["generationSignature"].as_str().unwrap().to_owned();
    assert_eq!(bs58::decode(&sig).into_vec().unwrap().len(), 32);
    let (_, v) = node.get("/consensus/generationsignature").await;
    assert!(v["generationSignature"].is_string());

    // Activation, supply, utils.
    let (_, v) = node.get("/activation/status").await;
    assert_eq!(v["height"], tip);
    assert_eq!(v["features"], json!([]));
    let total = GenesisConfig::dev().total().units();
    let (_, v) = node.get("/supply").await;
    assert_eq!(
        v,
        json!({"height": tip, "initial": total, "burned": 0, "total": total})
    );
    let (_, v) = node.get("/supply/at/1").await;
    assert_eq!(v["height"], 1);
    let (status, v) = node.get(&format!("/supply/at/{tip}")).await;
    assert_eq!((status, error_of(&v).0), (404, 301));
    let (_, v) = node.get("/utils/time").await;
    assert!(v["system"].as_u64().unwrap() > 1_700_000_000_000);
    let (_, v) = node.post("/utils/hash/secure", b"hello", &[]).await;
    assert_eq!(
        v,
        json!({"message": "hello", "hash": bs58::encode(secure_hash(b"hello")).into_string()})
    );
    let (_, v) = node.post("/utils/hash/fast", b"hello", &[]).await;
    assert_eq!(
        v["hash"],
        bs58::encode(ltonode_ledger::blake2b256(b"hello"))
            .into_string()
            .as_str()
    );

    // Peers: no network in this test, so the lists are empty but shaped as LTO's.
    let (_, v) = node.get("/peers/connected").await;
    assert_eq!(v, json!({"peers": []}));
    let (_, v) = node.get("/peers/all").await;
    assert_eq!(v, json!({"peers": []}));
    let (_, v) = node.get("/peers/blacklisted").await;
    assert_eq!(v, json!([]));
    let (status, v) = node.post("/peers/clearblacklist", b"", &[]).await;
    assert_eq!(
        (status, error_of(&v).0),
        (403, 2),
        "API key routes are closed"
    );

    // The indexer's /hash routes answer as /index/hash.
    let anchor = sha256(b"indexed");
    let atx = node.signed(
        &sender,
        35_000_000,
        TxBody::Anchor {
            anchors: vec![anchor.to_vec()],
        },
    );
    assert_eq!(node.broadcast(&atx).await.0, 200);
    node.forge_micro_block().await;
    let (_, a) = node
        .get(&format!("/index/hash/{}", hex::encode(anchor)))
        .await;
    let (_, b) = node.get(&format!("/hash/{}", hex::encode(anchor))).await;
    assert_eq!(a, b);
    assert!(a["chainpoint"].is_object(), "{a}");
    let (_, c) = node
        .get(&format!(
            "/hash/{}/encoding/base58",
            bs58::encode(anchor).into_string()
        ))
        .await;
    assert_eq!(a, c);
    let (status, _) = node
        .get(&format!("/hash/{}", hex::encode(sha256(b"nope"))))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_explorer_lists_every_operation_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let node = start(None).await;
    let (status, page) = http(node.addr, "GET", "/api-docs", &[], b"").await;
    assert_eq!(status, 200);
    let html = page.as_str().unwrap_or_default();
    assert!(html.contains("<title>ltonode API explorer</title>"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no outside assets"
    );
    let url = format!("http://{}/api-docs", node.addr);
    let dom = render(&chromium, &url, &["--dump-dom"]).await;
    for (method, path, _) in ltonode::rest::openapi::ROUTES {
        assert!(
            dom.contains(&format!(r#"<span class="p">{path}</span>"#)),
            "{method} {path} is not listed"
        );
    }
    assert!(dom.contains(r#"<span class="m post">POST</span>"#));
}

/// The Python vectors' self-signed certificate of their "alice" key, with that key.
fn vector_certificate() -> (KeyPair, Vec<u8>) {
    let d: Value = serde_json::from_str(include_str!(
        "../../../ledger/tests/vectors/lto_python_vectors.json"
    ))
    .unwrap();
    let v = d["extra_transactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "certificate_v3")
        .unwrap()
        .clone();
    let key = KeyPair::from_seed_phrase(v["signer_seed"].as_str().unwrap(), 0);
    let tx = ltonode_ledger::tx::json::from_json(&v["json"], ChainId::TESTNET).unwrap();
    let TxBody::Certificate {
        certificate: Some(der),
    } = tx.body
    else {
        panic!("not a certificate")
    };
    (key, der)
}

#[tokio::test]
async fn data_sponsorship_burn_register_and_certificates_are_served() {
    use ltonode_ledger::tx::{DataEntry, DataValue, RegisteredKey};
    let mut node = start(None).await;
    let (owner, sponsored) = (dev_key(1), dev_key(3));
    let (owner_addr, sponsored_addr) = (address_of(&owner), address_of(&sponsored));
    let (cert_key, der) = vector_certificate();
    let (_, before) = node.get("/supply").await;
    let txs = [
        node.signed(
            &owner,
            100_000_000,
            TxBody::Data {
                data: vec![
                    DataEntry {
                        key: "n".into(),
                        value: DataValue::Integer(-3),
                    },
                    DataEntry {
                        key: "b".into(),
                        value: DataValue::Binary(vec![0, 1, 2]),
                    },
                ],
            },
        ),
        node.signed(
            &owner,
            500_000_000,
            TxBody::Sponsorship {
                recipient: sponsored_addr,
            },
        ),
        node.signed(
            &owner,
            100_000_000,
            TxBody::Burn {
                amount: Amount(7 * 100_000_000),
            },
        ),
        node.signed(
            &owner,
            100_000_000,
            TxBody::Register {
                keys: vec![RegisteredKey {
                    key_type: ltonode_ledger::KeyType::Ed25519,
                    public_key: cert_key.public_key().as_bytes().to_vec(),
                }],
            },
        ),
        node.signed(
            &owner,
            100_000_000,
            TxBody::Transfer {
                recipient: address_of(&cert_key),
                amount: Amount(10 * 100_000_000),
                attachment: vec![],
            },
        ),
    ];
    for t in &txs {
        let (status, v) = node.broadcast(t).await;
        assert_eq!(status, 200, "{v}");
    }
    node.forge_micro_block().await;

    let (_, data) = node.get(&format!("/addresses/data/{owner_addr}")).await;
    assert_eq!(
        data,
        json!([
            {"key": "b", "type": "binary", "value": "base64:AAEC"},
            {"key": "n", "type": "integer", "value": -3},
        ])
    );
    let (_, one) = node.get(&format!("/addresses/data/{owner_addr}/n")).await;
    assert_eq!(one, json!({"key": "n", "type": "integer", "value": -3}));
    let (status, none) = node.get(&format!("/addresses/data/{owner_addr}/zz")).await;
    assert_eq!(
        (status, none),
        (
            404,
            json!({"error": 304, "message": "no data for this key"})
        )
    );
    let (_, s) = node
        .get(&format!("/sponsorship/status/{sponsored_addr}"))
        .await;
    assert_eq!(s, json!({"sponsor": [owner_addr.to_base58()]}));
    let (_, after) = node.get("/supply").await;
    assert_eq!(
        after["burned"].as_u64().unwrap(),
        before["burned"].as_u64().unwrap() + 700_000_000
    );
    assert_eq!(
        after["total"].as_u64().unwrap(),
        after["initial"].as_u64().unwrap() - after["burned"].as_u64().unwrap()
    );
    let (_, reg) = node
        .get(&format!("/addresses/registered/{owner_addr}"))
        .await;
    assert_eq!(reg["keys"][0]["keyType"], "ed25519");
    assert_eq!(
        reg["keys"][0]["address"],
        address_of(&cert_key).to_base58().as_str()
    );
    assert_eq!(reg["keys"][0]["txId"], txs[3].id().to_base58().as_str());

    // The sponsored account's transfer: the sponsor pays the fee.
    let owner_before = node.balance(&owner_addr).await;
    let sponsored_before = node.balance(&sponsored_addr).await;
    let t = node.signed(
        &sponsored,
        100_000_000,
        TxBody::Transfer {
            recipient: owner_addr,
            amount: Amount(5),
            attachment: vec![],
        },
    );
    assert_eq!(node.broadcast(&t).await.0, 200);
    node.forge_micro_block().await;
    let (_, info) = node
        .get(&format!("/transactions/info/{}", t.id().to_base58()))
        .await;
    assert_eq!(info["effectiveFee"], 100_000_000);
    assert_eq!(info["effectiveSponsor"], owner_addr.to_base58().as_str());
    assert_eq!(node.balance(&sponsored_addr).await, sponsored_before - 5);
    assert_eq!(
        node.balance(&owner_addr).await,
        owner_before + 5 - 100_000_000
    );

    // Refusals: a cancel of a sponsorship that does not exist, a certificate of another key.
    let cancel = node.signed(
        &sponsored,
        100_000_000,
        TxBody::CancelSponsorship {
            recipient: owner_addr,
        },
    );
    let (status, v) = node.broadcast(&cancel).await;
    assert_eq!(status, 400);
    assert_eq!(v["error"], 112, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("is not sponsored by"),
        "{v}"
    );
    let foreign = node.signed(
        &owner,
        500_000_000,
        TxBody::Certificate {
            certificate: Some(der.clone()),
        },
    );
    let (status, v) = node.broadcast(&foreign).await;
    assert_eq!((status, v["error"].as_u64()), (400, Some(199)), "{v}");

    // The certificate of the key it certifies is stored and served.
    let cert = node.signed(
        &cert_key,
        500_000_000,
        TxBody::Certificate {
            certificate: Some(der.clone()),
        },
    );
    let (status, v) = node.broadcast(&cert).await;
    assert_eq!(status, 200, "{v}");
    node.forge_micro_block().await;
    let cert_addr = address_of(&cert_key);
    let (status, c) = node.get(&format!("/certificates/{cert_addr}")).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["subject"], "CN=ltonode golden vector");
    assert_eq!(c["notBefore"], 1_699_920_000_000u64);
    assert!(
        c["certificate"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----\n")
    );
    let (status, missing) = node.get(&format!("/certificates/{owner_addr}")).await;
    assert_eq!((status, missing["error"].as_u64()), (404, Some(322)));
}
