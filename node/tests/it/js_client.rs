//! The official LTO JavaScript client (npm `@ltonetwork/lto` 0.16.15) against a real
//! `ltonode run --dev` process. `node/tests/js/client_e2e.mjs` sends one transaction of every
//! kind the client builds (transfer, mass transfer, anchor, mapped anchor, lease and its
//! cancel, association and its revoke, data, set script, register, statement, sponsorship
//! and its cancel, burn; Ed25519, secp256k1 and secp256r1 senders and sponsors) and waits
//! until each is confirmed; this test then checks the outcome over REST: the fee charged is
//! the schedule's (not the stated maximum) and was paid by the right account, every sender's
//! balance moved by exactly its amounts and fees, the data entries, sponsor list, registered
//! keys, script and burnt supply read back as sent.
//!
//! The client has no Certificate transaction (type 24), so that kind is not sent here.
//!
//! Needs Node.js and the client installed with `npm ci` in a directory: `LTO_CLIENT_JS_DIR`
//! names it (scripts/test runs `npm ci` in node/tests/js and sets it); unset, node/tests/js is
//! used when its node_modules exists. Without either the test says so and does nothing else.

use crate::dev_process::{DevNode, get};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The whole test, node start to the last read, fails after this.
const TIME_LIMIT: Duration = Duration::from_secs(120);
/// Units of LTO's fee schedule are this many 10^-8 LTO.
const FEE_PRICE: u64 = 100_000;
/// Every transaction the script sends, with its type.
const KINDS: [(&str, u64); 25] = [
    ("transfer", 4),
    ("mass_transfer", 11),
    ("anchor", 15),
    ("mapped_anchor", 22),
    ("lease", 8),
    ("association", 16),
    ("data", 12),
    ("register", 20),
    ("statement", 23),
    ("sponsorship", 18),
    ("fund_secp256k1", 4),
    ("fund_secp256r1", 4),
    ("fund_scripted", 4),
    ("sponsored_explicit", 4),
    ("sponsored_by_sponsorship", 15),
    ("cancel_sponsorship", 19),
    ("cancel_lease", 9),
    ("revoke_association", 17),
    ("secp256k1_transfer", 4),
    ("secp256r1_anchor", 15),
    ("secp256k1_sponsored", 15),
    ("secp256r1_sponsored", 15),
    ("set_script", 13),
    ("scripted_anchor", 15),
    ("burn", 21),
];
/// The accounts the script reports balances of (all but the node's generator).
const ACCOUNTS: [&str; 6] = ["a1", "a2", "a3", "secp256k1", "secp256r1", "scripted"];

/// The directory with node_modules/@ltonetwork/lto, and whether `node` runs; else why not.
fn client_dir() -> Result<PathBuf, String> {
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let dir = match std::env::var_os("LTO_CLIENT_JS_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => own,
    };
    if !dir
        .join("node_modules/@ltonetwork/lto/package.json")
        .is_file()
    {
        return Err(format!(
            "no node_modules/@ltonetwork/lto in {} (set LTO_CLIENT_JS_DIR to a directory \
             where `npm ci` installed node/tests/js/package.json; scripts/test does)",
            dir.display()
        ));
    }
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !node {
        return Err("no `node` (Node.js) on PATH".into());
    }
    Ok(dir)
}

/// GET that must answer 200.
fn get_ok(addr: &str, path: &str) -> Value {
    let (status, v) = get(addr, path);
    assert_eq!(status, 200, "GET {path}: {v}");
    v
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The bytes of data entries as LTO encodes them (key and string values with a 2-byte length,
/// a type byte, integers 8 bytes, booleans 1, binaries 2 + length).
fn data_bytes(data: &Value) -> u64 {
    use base64::Engine;
    let Some(entries) = data.as_array() else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let key = e["key"].as_str().unwrap_or_else(|| panic!("entry {e}"));
        let value = match e["type"].as_str() {
            Some("integer") => 8,
            Some("boolean") => 1,
            Some("string") => 2 + e["value"].as_str().unwrap().len(),
            Some("binary") => {
                let b64 = e["value"]
                    .as_str()
                    .unwrap()
                    .strip_prefix("base64:")
                    .unwrap();
                2 + base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap()
                    .len()
            }
            _ => panic!("entry type of {e}"),
        };
        n += 2 + key.len() + 1 + value;
    }
    u64::try_from(n).unwrap()
}

/// LTO's fee units of the transaction `info` (the JSON of /transactions/info).
fn schedule_units(info: &Value) -> u64 {
    let count = |k: &str| -> u64 {
        let n = match &info[k] {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.len(),
            _ => 0,
        };
        u64::try_from(n).unwrap()
    };
    match info["type"].as_u64() {
        Some(4 | 8 | 9 | 19 | 21) => 1000,
        Some(11) => 1000 + 100 * count("transfers"),
        Some(15 | 22) => 250 + 100 * count("anchors"),
        Some(20) => 250 + 100 * count("accounts"),
        Some(12 | 16 | 23) => 500 + 100 * data_bytes(&info["data"]).div_ceil(256),
        Some(17) => 500,
        Some(13 | 18 | 24) => 5000,
        _ => panic!("no fee schedule for {info}"),
    }
}

fn int(v: &Value) -> i128 {
    v.as_i64()
        .map(i128::from)
        .unwrap_or_else(|| panic!("not an integer: {v}"))
}

/// A process killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Collects a pipe in a thread (so a chatty child never blocks on it).
fn collect(pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut t = sink.lock().unwrap();
            t.push_str(&line);
            t.push('\n');
        }
    });
    text
}

/// Runs the script against `url` with the three seeds, from `dir` (its client install); its
/// stdout, or a panic with its stderr when it fails or outlives `deadline`.
fn run_script(dir: &Path, url: &str, seeds: &[String], deadline: Instant) -> String {
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    // Node resolves packages from the script's own directory up: a client installed elsewhere
    // is reached by a copy of the scripts next to a link to its node_modules.
    let work = tempfile::tempdir().unwrap();
    let here = if dir.canonicalize().ok() == own.canonicalize().ok() {
        own.clone()
    } else {
        for f in ["client_e2e.mjs", "lto-resolve.mjs", "package.json"] {
            std::fs::copy(own.join(f), work.path().join(f)).unwrap();
        }
        std::os::unix::fs::symlink(
            dir.join("node_modules").canonicalize().unwrap(),
            work.path().join("node_modules"),
        )
        .unwrap();
        work.path().to_path_buf()
    };
    let mut child = Child(
        Command::new("node")
            .arg("client_e2e.mjs")
            .arg(url)
            .args(seeds)
            .current_dir(&here)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node starts"),
    );
    let stdout = collect(child.0.stdout.take().unwrap());
    let stderr = collect(child.0.stderr.take().unwrap());
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "client_e2e.mjs still running after {TIME_LIMIT:?}; stderr:\n{}",
            stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // the readers end with the pipes; give them a moment to take the last line
    let until = Instant::now() + Duration::from_secs(5);
    while Arc::strong_count(&stdout) > 1 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        status.success(),
        "client_e2e.mjs failed ({status}); stderr:\n{}",
        stderr.lock().unwrap()
    );
    stdout.lock().unwrap().clone()
}

#[test]
fn the_official_js_client_sends_every_kind_and_the_node_charges_and_records_them() {
    let dir = match client_dir() {
        Ok(d) => d,
        // CI installs the client (scripts/test): there, a missing client is a failure.
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("the JS client is not installed on CI: {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let deadline = Instant::now() + TIME_LIMIT;
    let data_dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(&data_dir.path().join("node"), &[]);
    let addr = node.addr.clone();
    // Dev account 0 is the node's generator (it gets fee shares): the script uses 1, 2 and 3.
    let dev = ltonode_ledger::genesis::GenesisConfig::dev_accounts();
    let seeds: Vec<String> = dev[1..4].iter().map(|a| a.seed.clone()).collect();
    let stdout = run_script(&dir, &format!("http://{addr}"), &seeds, deadline);
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .expect("the script prints a line");
    let seen: Value = serde_json::from_str(line).unwrap();
    assert!(seen.get("read_errors").is_none(), "{seen}");
    assert_eq!(seen["chain_id"], "T");
    assert!(seen["skipped"]["certificate"].is_string(), "{seen}");
    let account = |label: &str| -> String {
        seen["accounts"][label]["address"]
            .as_str()
            .unwrap_or_else(|| panic!("no account {label}: {seen}"))
            .to_string()
    };
    let (a1, a3) = (account("a1"), account("a3"));
    for (label, d) in [("a1", &dev[1]), ("a2", &dev[2]), ("a3", &dev[3])] {
        assert_eq!(account(label), d.address.to_base58());
    }

    // Every kind confirmed, each charged its schedule fee (at most the stated fee).
    let mut infos: BTreeMap<&str, Value> = BTreeMap::new();
    for (kind, ty) in KINDS {
        let sent = &seen["txs"][kind];
        let id = sent["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{kind} was not sent: {seen}"));
        let info = get_ok(&addr, &format!("/transactions/info/{id}"));
        assert_eq!(info["type"], ty, "{kind}: {info}");
        assert!(info["height"].as_u64().unwrap_or(0) >= 1, "{kind}: {info}");
        let charged = info["effectiveFee"]
            .as_u64()
            .unwrap_or_else(|| panic!("{kind}: no effectiveFee in {info}"));
        assert_eq!(charged, schedule_units(&info) * FEE_PRICE, "{kind}: {info}");
        assert!(charged <= info["fee"].as_u64().unwrap(), "{kind}: {info}");
        assert_eq!(
            sent["effective_fee"], charged,
            "{kind}: the script saw the same"
        );
        if let Some(amount) = sent.get("amount") {
            assert_eq!(&info["amount"], amount, "{kind}: {info}");
        }
        if let Some(recipient) = sent.get("recipient") {
            assert_eq!(&info["recipient"], recipient, "{kind}: {info}");
        }
        // The client re-encodes the node's reply to the same id. Not the statement: the
        // client's Statement.from() reads `associationType` instead of `statementType`, so it
        // cannot re-encode any statement ("Numeric input is expected").
        if kind != "statement" {
            assert_eq!(sent["client_id_matches"], true, "{kind}: {sent}");
        }
        infos.insert(kind, info);
    }
    let types: BTreeSet<u64> = infos.values().filter_map(|i| i["type"].as_u64()).collect();
    let built: BTreeSet<u64> = [4, 8, 9, 11, 12, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23].into();
    assert_eq!(types, built, "one of every type the client builds");
    // The client states 5 LTO for a cancel sponsorship; the schedule charges 1.
    let cancel = &infos["cancel_sponsorship"];
    assert_eq!(cancel["fee"], 500_000_000);
    assert_eq!(cancel["effectiveFee"], 100_000_000);
    // The data entries past 256 bytes cost a second 100 units.
    assert_eq!(infos["data"]["effectiveFee"], 70_000_000);

    // Who paid: the explicit co-signer, else the sender's sponsor, else the sender.
    let sponsors: BTreeMap<&str, String> = [
        ("sponsored_explicit", a1.clone()),
        ("sponsored_by_sponsorship", a1.clone()),
        ("secp256k1_sponsored", account("secp256k1")),
        ("secp256r1_sponsored", account("secp256r1")),
    ]
    .into();
    for (kind, info) in &infos {
        match sponsors.get(kind) {
            Some(s) => assert_eq!(info["effectiveSponsor"], s.as_str(), "{kind}: {info}"),
            None => assert!(info["effectiveSponsor"].is_null(), "{kind}: {info}"),
        }
    }
    assert_eq!(infos["sponsored_by_sponsorship"]["sender"], a3.as_str());
    assert!(infos["sponsored_by_sponsorship"]["sponsor"].is_null());
    // While sponsored, account 3's fee was account 1's: account 3 did not move at all.
    let window = &seen["sponsored_fee"]["regular_change"];
    assert_eq!(window["a3"], 0, "{window}");
    assert_eq!(
        int(&window["a1"]),
        -int(&infos["sponsored_by_sponsorship"]["effectiveFee"]),
        "{window}"
    );
    // Sponsor list: account 1 while sponsoring, nobody after the cancel.
    let status = &seen["sponsorship_status"];
    assert_eq!(
        status["while_sponsored"],
        json!({"sponsor": [a1]}),
        "{status}"
    );
    assert_eq!(status["after_cancel"], json!({"sponsor": []}), "{status}");
    assert_eq!(
        get_ok(&addr, &format!("/sponsorship/status/{a3}")),
        json!({"sponsor": []})
    );

    // Balances: each account moved by its amounts and by the fees it paid, nothing else.
    let mut expected: BTreeMap<String, i128> = BTreeMap::new();
    for info in infos.values() {
        let sender = info["sender"].as_str().unwrap().to_string();
        let payer = info["effectiveSponsor"]
            .as_str()
            .map_or(sender.clone(), str::to_string);
        *expected.entry(payer).or_default() -= int(&info["effectiveFee"]);
        let mut pay = |to: &Value, amount: &Value| {
            *expected.entry(sender.clone()).or_default() -= int(amount);
            *expected
                .entry(to.as_str().unwrap().to_string())
                .or_default() += int(amount);
        };
        match info["type"].as_u64() {
            Some(4) => pay(&info["recipient"], &info["amount"]),
            Some(11) => {
                for t in info["transfers"].as_array().unwrap() {
                    pay(&t["recipient"], &t["amount"]);
                }
            }
            Some(21) => *expected.entry(sender.clone()).or_default() -= int(&info["amount"]),
            _ => {}
        }
    }
    assert_eq!(
        infos["mass_transfer"]["transfers"], seen["amounts"]["mass_transfer"],
        "{}",
        seen["amounts"]
    );
    for label in ACCOUNTS {
        let address = account(label);
        let before = int(&seen["balances"]["before"][label]["regular"]);
        let after = int(&seen["balances"]["after"][label]["regular"]);
        let want = expected.get(&address).copied().unwrap_or(0);
        assert_eq!(
            after - before,
            want,
            "{label} ({address}): {}",
            seen["balances"]
        );
        let now = get_ok(&addr, &format!("/addresses/balance/details/{address}"));
        assert_eq!(
            int(&now["regular"]),
            after,
            "{label} since the script: {now}"
        );
    }
    let moved: BTreeSet<String> = expected.keys().cloned().collect();
    let ours: BTreeSet<String> = ACCOUNTS.iter().map(|l| account(l)).collect();
    assert_eq!(moved, ours, "only the script's accounts moved");

    // Burnt supply: up by the burn, and total = initial - burned.
    let burn = int(&infos["burn"]["amount"]);
    assert_eq!(burn, int(&seen["amounts"]["burn"]));
    let supply = &seen["supply"];
    assert_eq!(
        int(&supply["after_burn"]["burned"]) - int(&supply["before_burn"]["burned"]),
        burn,
        "{supply}"
    );
    let now = get_ok(&addr, "/supply");
    let initial: u64 = dev.iter().map(|a| a.balance.0).sum();
    for s in [&supply["before_burn"], &supply["after_burn"], &now] {
        assert_eq!(
            int(&s["total"]),
            int(&s["initial"]) - int(&s["burned"]),
            "{s}"
        );
        assert_eq!(s["initial"], initial, "{s}");
    }
    assert_eq!(
        int(&now["burned"]),
        burn,
        "the only burn on this chain: {now}"
    );

    // Data entries: every type, read back as sent (all, sorted by key, and one by one).
    let sent = seen["inputs"]["data"].as_array().unwrap().clone();
    let kinds: BTreeSet<&str> = sent.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        kinds,
        ["binary", "boolean", "integer", "string"].into(),
        "{}",
        seen["inputs"]["data"]
    );
    assert_eq!(infos["data"]["data"], Value::Array(sent.clone()));
    let mut sorted = sent.clone();
    sorted.sort_by(|x, y| x["key"].as_str().cmp(&y["key"].as_str()));
    assert_eq!(
        get_ok(&addr, &format!("/addresses/data/{a1}")),
        Value::Array(sorted)
    );
    for e in &sent {
        let key = e["key"].as_str().unwrap();
        let path = format!("/addresses/data/{a1}/{}", segment(key));
        assert_eq!(&get_ok(&addr, &path), e, "{path}");
    }
    assert_eq!(
        get(&addr, &format!("/addresses/data/{a1}/not-set")),
        (
            404,
            json!({"error": 304, "message": "no data for this key"})
        )
    );
    // and the client's lto.getData() reads them as the dictionary it sent
    assert_eq!(
        seen["client_reads"]["data"], seen["inputs"]["data_dict"],
        "{}",
        seen["client_reads"]
    );

    // Registered keys: the three of the Register transaction, with their addresses.
    let register_id = infos["register"]["id"].as_str().unwrap();
    let reg = get_ok(&addr, &format!("/addresses/registered/{a1}"));
    assert_eq!(reg["address"], a1.as_str(), "{reg}");
    let mut got: Vec<_> = reg["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let kt = k["keyType"].as_str().unwrap_or_default().to_string();
            let pk = k["publicKey"].as_str().unwrap_or_default().to_string();
            let ad = k["address"].as_str().unwrap_or_default().to_string();
            let tx = k["txId"].as_str().unwrap_or_default().to_string();
            [kt, pk, ad, tx]
        })
        .collect();
    let mut want: Vec<_> = seen["accounts"]["registered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            [
                k["key_type"].as_str().unwrap().to_string(),
                k["public_key"].as_str().unwrap().to_string(),
                k["address"].as_str().unwrap().to_string(),
                register_id.to_string(),
            ]
        })
        .collect();
    assert_eq!(want.len(), 3);
    got.sort();
    want.sort();
    assert_eq!(got, want, "{reg}");

    // The ECDSA senders and sponsors, with their keys.
    for (kind, label, role) in [
        ("secp256k1_transfer", "secp256k1", "sender"),
        ("secp256r1_anchor", "secp256r1", "sender"),
        ("secp256k1_sponsored", "secp256k1", "sponsor"),
        ("secp256r1_sponsored", "secp256r1", "sponsor"),
    ] {
        let info = &infos[kind];
        let keys = &seen["accounts"][label];
        assert_eq!(keys["key_type"], label);
        assert_eq!(info[role], keys["address"], "{kind}: {info}");
        assert_eq!(info[format!("{role}KeyType")], label, "{kind}: {info}");
        assert_eq!(
            info[format!("{role}PublicKey")],
            keys["public_key"],
            "{kind}: {info}"
        );
    }

    // The script is in force, and its account sent after it was set.
    let script = &seen["inputs"]["script"];
    assert_eq!(&infos["set_script"]["script"], script);
    let scripted = account("scripted");
    let info = get_ok(&addr, &format!("/addresses/scriptInfo/{scripted}"));
    assert_eq!(&info["script"], script, "{info}");
    assert_eq!(info["scriptText"], "height>=1", "{info}");
    assert_eq!(info["complexity"], 1, "{info}");
    assert_eq!(infos["scripted_anchor"]["sender"], scripted.as_str());
    assert!(infos["scripted_anchor"]["height"].as_u64() >= infos["set_script"]["height"].as_u64());

    // Anchors, association, lease and statement as sent.
    let inputs = &seen["inputs"];
    assert_eq!(infos["anchor"]["anchors"], json!([inputs["anchor"]]));
    let m = &inputs["mapped_anchor"];
    let mut mapped = serde_json::Map::new();
    mapped.insert(m["key"].as_str().unwrap().to_string(), m["value"].clone());
    assert_eq!(infos["mapped_anchor"]["anchors"], Value::Object(mapped));
    let statement = &infos["statement"];
    assert_eq!(statement["statementType"], inputs["statement"]["type"]);
    assert_eq!(statement["recipient"], inputs["statement"]["recipient"]);
    assert_eq!(statement["subject"], inputs["statement"]["subject"]);
    assert_eq!(statement["data"], inputs["statement"]["data"]);
    let association_id = &infos["association"]["id"];
    let find = |status: &Value| -> Value {
        status["outgoing"]
            .as_array()
            .and_then(|a| a.iter().find(|x| &x["id"] == association_id).cloned())
            .unwrap_or_else(|| panic!("association {association_id} not in {status}"))
    };
    let issued = find(&seen["associations_status"]["after_issue"]);
    assert_eq!(issued["data"], inputs["association"]["data"], "{issued}");
    assert_eq!(issued["associationType"], inputs["association"]["type"]);
    assert_eq!(issued["subject"], inputs["association"]["subject"]);
    assert!(issued.get("revokeHeight").is_none(), "{issued}");
    let revoked = find(&seen["associations_status"]["after_revoke"]);
    assert_eq!(
        revoked["revokeHeight"], infos["revoke_association"]["height"],
        "{revoked}"
    );
    let leases = &seen["leasing_active"];
    assert!(
        leases["after_lease"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["id"] == infos["lease"]["id"])),
        "{leases}"
    );
    assert_eq!(leases["after_cancel"], json!([]), "{leases}");
    drop(node);
}
