//! The dependency-free receipt verifiers (`verifiers/python`, `verifiers/js`) and `ltonode
//! verify-receipt --trust` on receipts from a running `ltonode run --dev`: anchors of 32 and
//! 64 bytes in two blocks (one transaction of three), each receipt anchored to the tip, to an
//! older key block and to its committing block, verify in all three with the same verdict;
//! every change (anchor, txId, header, each path, `anchoredTo`, the counts, the trusted id)
//! is refused by all three, naming the same part. The verifiers' own unit tests run here too.
//!
//! The dev preset's summary period is 120 key blocks, minutes at dev timing: the chain runs a
//! dozen key blocks (several periods are covered on the in-process chain elsewhere). Needs
//! `python3` and `node` on PATH; without them the tests say so and do nothing else.

use crate::dev_process::{DevNode, get_200, http};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::{Amount, KeyPair, Timestamp, Transaction, TxBody, TxId, blake2b256, sha256};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The verifiers in the order `run_verifiers` answers.
const NAMES: [&str; 3] = ["rust", "python", "js"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// The interpreter `python3` runs (resolved once: a pyenv shim would double every start).
fn python() -> Option<&'static str> {
    static PY: OnceLock<Option<String>> = OnceLock::new();
    PY.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()?;
        let exe = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !exe.is_empty()).then_some(exe)
    })
    .as_deref()
}

fn has_node() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the three verifiers side by side on a receipt file against a trusted block id: each
/// one's exit code and JSON line (its raw output as a string if that is not JSON).
fn run_verifiers(receipt: &Path, trusted: &str) -> [(i32, Value); 3] {
    let root = repo_root();
    let mut rust = Command::new(env!("CARGO_BIN_EXE_ltonode"));
    rust.arg("verify-receipt")
        .arg(receipt)
        .args(["--trust", trusted])
        .env("NO_COLOR", "1");
    let mut py = Command::new(python().expect("python3"));
    py.arg(root.join("verifiers/python/ltoreceipt.py"))
        .arg(receipt)
        .arg(trusted);
    let mut js = Command::new("node");
    js.arg(root.join("verifiers/js/cli.mjs"))
        .arg(receipt)
        .arg(trusted);
    let children = [rust, py, js].map(|mut c| {
        c.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a verifier")
    });
    children.map(|child| {
        let out = child.wait_with_output().expect("a verifier's output");
        let text = String::from_utf8_lossy(&out.stdout);
        let verdict = serde_json::from_str(text.trim()).unwrap_or_else(|_| {
            Value::String(format!("{text}{}", String::from_utf8_lossy(&out.stderr)))
        });
        (out.status.code().unwrap_or(-1), verdict)
    })
}

/// Writes receipts to files, runs the verifiers on them and collects what went wrong.
struct Checker {
    dir: PathBuf,
    runs: usize,
    failures: Vec<String>,
}

impl Checker {
    fn run(&mut self, receipt: &Value, trusted: &str) -> [(i32, Value); 3] {
        self.runs += 1;
        let path = self.dir.join(format!("receipt-{}.json", self.runs));
        std::fs::write(&path, receipt.to_string()).expect("write the receipt");
        run_verifiers(&path, trusted)
    }

    /// All three accept `receipt` against `trusted` with the same verdict, which names the
    /// receipt's anchor, transaction, height, position and count and the trusted block.
    fn valid(&mut self, what: &str, receipt: &Value, trusted: &str) {
        let out = self.run(receipt, trusted);
        let expected = json!({
            "valid": true,
            "anchor": receipt["anchor"],
            "txId": receipt["txId"],
            "height": receipt["height"],
            "position": receipt["position"],
            "anchorCount": receipt["anchorCount"],
            "blockId": trusted,
        });
        for (name, (code, verdict)) in NAMES.iter().zip(&out) {
            if (*code, verdict) != (0, &expected) {
                self.failures
                    .push(format!("{what}: {name} exits {code} with {verdict}"));
            }
        }
    }

    /// All three refuse `receipt` against `trusted` (exit 1, `"valid": false`) naming the
    /// same part, `part` if given.
    fn refused(&mut self, what: &str, receipt: &Value, trusted: &str, part: Option<&str>) {
        let out = self.run(receipt, trusted);
        for (name, (code, verdict)) in NAMES.iter().zip(&out) {
            if *code != 1 || verdict["valid"] != false {
                self.failures
                    .push(format!("{what}: {name} exits {code} with {verdict}"));
            }
        }
        let parts = out
            .each_ref()
            .map(|(_, v)| v["part"].as_str().unwrap_or("?"));
        if parts.iter().any(|p| *p != parts[0]) || part.is_some_and(|p| p != parts[0]) {
            let said: Vec<String> = NAMES
                .iter()
                .zip(&out)
                .map(|(name, (_, v))| format!("{name} {:?} ({})", v["part"], v["reason"]))
                .collect();
            self.failures.push(format!(
                "{what}: expected part {part:?}, got {}",
                said.join("; ")
            ));
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis()
        .try_into()
        .expect("ms fit in u64")
}

/// A distinct value of `len` (32 or 64) bytes.
fn value(n: u8, len: usize) -> Vec<u8> {
    let mut v = sha256(&[n]).to_vec();
    v.extend_from_slice(&blake2b256(&[n]));
    v.truncate(len);
    v
}

fn anchor_tx(key: &KeyPair, anchors: Vec<Vec<u8>>) -> Transaction {
    let count = u64::try_from(anchors.len()).expect("a few anchors");
    let mut tx = Transaction {
        version: 3,
        chain_id: GenesisConfig::dev().chain_id,
        timestamp: Timestamp(now_ms()),
        sender: key.public_key().into(),
        // 250 + 100 per anchor fee units at the dev fee price.
        fee: Amount((250 + 100 * count) * 100_000),
        sponsor: None,
        proofs: Vec::new(),
        body: TxBody::Anchor { anchors },
    };
    tx.sign_with(key);
    tx
}

fn broadcast(addr: &str, tx: &Transaction) {
    let mut v = ltonode_ledger::tx::json::to_json(tx);
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
    }
    let (status, body) = http(
        addr,
        "POST",
        "/transactions/broadcast",
        v.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "broadcast: {body}");
}

/// Polls `check` every 250 ms until it gives a value, for at most `within`.
fn wait_for<T>(within: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn height(addr: &str) -> u64 {
    get_200(addr, "/blocks/height")
        .and_then(|v| v["height"].as_u64())
        .unwrap_or(0)
}

fn wait_height(addr: &str, h: u64) {
    wait_for(Duration::from_secs(60), &format!("height {h}"), || {
        (height(addr) >= h).then_some(())
    });
}

/// The key block at `h`: its id and header bytes.
fn header_at(addr: &str, h: u64) -> (String, Vec<u8>) {
    let v = get_200(addr, &format!("/blocks/headers/at/{h}")).expect("a header at h");
    let bytes = hex::decode(v["headerBytes"].as_str().expect("headerBytes")).expect("hex");
    (v["id"].as_str().expect("id").to_string(), bytes)
}

/// The receipt of `anchor`, anchored to `to` (or the tip), once confirmed.
fn receipt(addr: &str, anchor: &[u8], to: Option<&str>) -> Value {
    let query = to.map(|id| format!("?anchoredTo={id}")).unwrap_or_default();
    let path = format!("/anchors/{}{query}", hex::encode(anchor));
    wait_for(Duration::from_secs(60), &path, || {
        get_200(addr, &path)
            .filter(|v| v["status"] == "confirmed")
            .map(|v| v["receipt"].clone())
    })
}

fn b64(v: &Value) -> Vec<u8> {
    B64.decode(v.as_str().expect("a base64 string"))
        .expect("base64")
}

/// The height field of a header.
fn header_height(header: &[u8]) -> u64 {
    u64::from(u32::from_be_bytes(
        header[1..5].try_into().expect("4 bytes"),
    ))
}

/// A copy of `r` with `change` applied.
fn changed(r: &Value, change: impl FnOnce(&mut Value)) -> Value {
    let mut r = r.clone();
    change(&mut r);
    r
}

/// `v` (base64) with one bit of byte `i` flipped.
fn flip_b64(v: &mut Value, i: usize) {
    let mut bytes = b64(v);
    bytes[i] ^= 0x01;
    *v = json!(B64.encode(bytes));
}

/// `v` (a number) plus `d`.
fn add(v: &mut Value, d: i64) {
    *v = json!(v.as_i64().expect("a number") + d);
}

/// A sibling list of a receipt by name: `sha256`, `blake2b` or `anchoredTo.path`.
fn list_mut<'a>(r: &'a mut Value, name: &str) -> &'a mut Vec<Value> {
    let v = match name {
        "anchoredTo.path" => &mut r["anchoredTo"]["path"],
        _ => &mut r[name],
    };
    v.as_array_mut().expect("a list of siblings")
}

/// Sets `anchoredTo.blockId` to the id of `anchoredTo.header`.
fn fix_block_id(r: &mut Value) {
    let id = blake2b256(&b64(&r["anchoredTo"]["header"]));
    r["anchoredTo"]["blockId"] = json!(bs58::encode(id).into_string());
}

/// The changed copies of a receipt: what changed, the copy, the id to trust and the part the
/// specification (docs/receipts.md) says fails, where the order of its checks fixes it.
type Mutation = (String, Value, String, Option<&'static str>);

fn mutations(r: &Value, trusted: &str, other_ids: &[String]) -> Vec<Mutation> {
    let mut out: Vec<Mutation> = Vec::new();
    let mut push = |what: &str, r: Value, part| {
        out.push((what.to_string(), r, trusted.to_string(), part));
    };
    let linked = !r["anchoredTo"].is_null();
    push(
        "one bit of the anchor",
        changed(r, |r| {
            let mut a = hex::decode(r["anchor"].as_str().unwrap()).unwrap();
            a[0] ^= 0x80;
            r["anchor"] = json!(hex::encode(a));
        }),
        Some("sha256 path"),
    );
    push(
        "another txId",
        changed(r, |r| {
            let id = TxId::from_base58(r["txId"].as_str().unwrap()).unwrap();
            r["txId"] = json!(TxId(sha256(&id.0)).to_base58());
        }),
        Some("sha256 path"),
    );
    // Version, height, VRF proof, the two anchor roots.
    let beyond = if linked {
        "history path"
    } else {
        "trusted block"
    };
    for (i, part) in [
        (0, "header"),
        (4, "header"),
        (100, beyond),
        (170, "sha256 path"),
        (200, "blake2b path"),
    ] {
        push(
            &format!("header byte {i}"),
            changed(r, |r| flip_b64(&mut r["header"], i)),
            Some(part),
        );
    }
    let lists = [
        ("sha256", "sha256 path"),
        ("blake2b", "blake2b path"),
        ("anchoredTo.path", "history path"),
    ];
    for (name, part) in lists {
        if name == "anchoredTo.path" && !linked {
            continue;
        }
        let len = list_mut(&mut r.clone(), name).len();
        if len > 0 {
            push(
                &format!("{name} sibling 0"),
                changed(r, |r| flip_b64(&mut list_mut(r, name)[0], 31)),
                Some(part),
            );
            push(
                &format!("{name} with one sibling less"),
                changed(r, |r| {
                    list_mut(r, name).pop();
                }),
                Some(part),
            );
        }
        push(
            &format!("{name} with one sibling more"),
            changed(r, |r| list_mut(r, name).push(json!(B64.encode([7u8; 32])))),
            Some(part),
        );
    }
    if linked {
        // A changed header no longer has the id the receipt names; named again, it no longer
        // leads to the history root (byte 270 is in it) or is not the trusted block.
        let anchored_to = [
            (100, false, "anchoredTo header"),
            (270, true, "history path"),
            (100, true, "trusted block"),
        ];
        for (i, rename, part) in anchored_to {
            push(
                &format!("anchoredTo.header byte {i}, blockId renamed: {rename}"),
                changed(r, |r| {
                    flip_b64(&mut r["anchoredTo"]["header"], i);
                    if rename {
                        fix_block_id(r);
                    }
                }),
                Some(part),
            );
        }
        if let Some(other) = other_ids.iter().find(|id| *id != trusted) {
            push(
                "anchoredTo.blockId of another block",
                changed(r, |r| r["anchoredTo"]["blockId"] = json!(other)),
                Some("anchoredTo header"),
            );
        }
        push(
            "anchoredTo removed",
            changed(r, |r| {
                r.as_object_mut().unwrap().remove("anchoredTo");
            }),
            Some("trusted block"),
        );
    }
    push(
        "position + 1",
        changed(r, |r| add(&mut r["position"], 1)),
        None,
    );
    push(
        "anchorCount + 1",
        changed(r, |r| add(&mut r["anchorCount"], 1)),
        Some("sha256 path"),
    );
    push(
        "height + 1",
        changed(r, |r| add(&mut r["height"], 1)),
        Some("header"),
    );
    push(
        "version 3",
        changed(r, |r| r["version"] = json!(3)),
        Some("format"),
    );
    push(
        "an unknown field",
        changed(r, |r| r["extra"] = json!(1)),
        Some("format"),
    );
    for other in other_ids.iter().filter(|id| *id != trusted) {
        out.push((
            format!("trusting block {other}"),
            r.clone(),
            other.clone(),
            Some("trusted block"),
        ));
    }
    out
}

/// The receipts of `anchor` (of `tx`), anchored to the tip, to the key block after its
/// committing one and to the committing one: each checked against the node's headers, valid
/// in all three verifiers, and every mutation refused alike (on the tip's receipt; on the
/// other two as well if `all_forms`). The anchor's height.
fn check_anchor(
    check: &mut Checker,
    addr: &str,
    what: &str,
    anchor: &[u8],
    tx: &Transaction,
    all_forms: bool,
) -> u64 {
    let tip = receipt(addr, anchor, None);
    assert_eq!(tip["anchor"], hex::encode(anchor));
    assert_eq!(tip["txId"], tx.id().to_base58());
    let h = tip["height"].as_u64().unwrap();
    // The committing header and the trusted one are the node's key blocks at their heights.
    let (committing_id, committing) = header_at(addr, h + 1);
    assert_eq!(b64(&tip["header"]), committing);
    let trusted = tip["anchoredTo"]["blockId"].as_str().unwrap().to_string();
    let t = header_height(&b64(&tip["anchoredTo"]["header"]));
    assert!(
        t >= h + 4,
        "{what}: anchored to {t}, committed at {}",
        h + 1
    );
    let (tip_id, tip_header) = header_at(addr, t);
    assert_eq!(
        (&trusted, &b64(&tip["anchoredTo"]["header"])),
        (&tip_id, &tip_header)
    );
    let (older_id, _) = header_at(addr, h + 2);
    let older = receipt(addr, anchor, Some(&older_id));
    assert_eq!(older["anchoredTo"]["blockId"], older_id.as_str());
    let own = receipt(addr, anchor, Some(&committing_id));
    assert!(own.get("anchoredTo").is_none(), "{own}");
    let others = [header_at(addr, 2).0, committing_id.clone(), tip_id];
    for (form, r, id) in [
        ("tip", &tip, &trusted),
        ("older", &older, &older_id),
        ("own", &own, &committing_id),
    ] {
        let what = format!("{what}, {form}");
        check.valid(&what, r, id);
        if form == "tip" || all_forms {
            for (change, r, id, part) in mutations(r, id, &others) {
                check.refused(&format!("{what}, {change}"), &r, &id, part);
            }
        }
    }
    h
}

#[test]
fn receipts_of_a_running_dev_node_verify_alike_in_rust_python_and_js() {
    if python().is_none() || !has_node() {
        eprintln!("skipped: needs python3 and node on PATH");
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(&dir.path().join("node"), &[]);
    let addr = node.addr.clone();
    // Transactions are dated now: wait until the chain has caught up from its genesis date.
    wait_height(&addr, 3);
    let key = KeyPair::from_seed_phrase(&GenesisConfig::dev_accounts()[1].seed, 0);
    let first = [
        anchor_tx(&key, vec![value(1, 32)]),
        anchor_tx(&key, vec![value(2, 32), value(3, 64), value(4, 64)]),
    ];
    for tx in &first {
        broadcast(&addr, tx);
    }
    let first_height = receipt(&addr, &value(1, 32), None)["height"]
        .as_u64()
        .unwrap();
    receipt(&addr, &value(2, 32), None);
    // A 64-byte anchor in a later block.
    let later = anchor_tx(&key, vec![value(5, 64)]);
    broadcast(&addr, &later);
    let mut check = Checker {
        dir: dir.path().to_path_buf(),
        runs: 0,
        failures: Vec::new(),
    };
    // The first block's receipts once a few key blocks are on top, checked while the chain
    // goes on. Every change is tried on the tip's receipts, and on all three forms of the
    // first 64-byte anchor of the transaction of three.
    wait_height(&addr, first_height + 4);
    let mut heights = Vec::new();
    for (n, (anchor, tx)) in [
        (value(1, 32), &first[0]),
        (value(2, 32), &first[1]),
        (value(3, 64), &first[1]),
        (value(4, 64), &first[1]),
    ]
    .iter()
    .enumerate()
    {
        let what = format!("anchor {n} ({} bytes)", anchor.len());
        heights.push(check_anchor(&mut check, &addr, &what, anchor, tx, n == 2));
    }
    let later_height = receipt(&addr, &value(5, 64), None)["height"]
        .as_u64()
        .unwrap();
    assert!(later_height > first_height, "{heights:?} {later_height}");
    wait_height(&addr, (later_height + 4).max(12));
    let what = "anchor 4 (64 bytes, later block)";
    check_anchor(&mut check, &addr, what, &value(5, 64), &later, false);
    eprintln!(
        "{} receipts through all three verifiers, from a chain of {} key blocks, in {:.1?}",
        check.runs,
        height(&addr),
        started.elapsed()
    );
    assert!(
        check.failures.is_empty(),
        "{} disagreements:\n{}",
        check.failures.len(),
        check.failures.join("\n")
    );
}

#[test]
fn the_python_verifiers_unit_tests_pass() {
    let Some(py) = python() else {
        eprintln!("skipped: no python3 on PATH");
        return;
    };
    let out = Command::new(py)
        .args(["-m", "unittest", "discover", "-s", "verifiers/python", "-q"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_js_verifiers_unit_tests_pass() {
    if !has_node() {
        eprintln!("skipped: no node on PATH");
        return;
    }
    // The test files by name: `node --test DIR` reads DIR differently across Node versions.
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("verifiers/js"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no verifiers/js/*.test.mjs");
    let out = Command::new("node")
        .arg("--test")
        .args(&files)
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
