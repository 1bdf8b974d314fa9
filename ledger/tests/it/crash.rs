//! Crash safety of the chain on RocksDB: a child process (this test executable re-invoked on
//! the hidden test [`child_writer`]) applies a deterministic chain and is killed with SIGKILL
//! at a seeded random point; the reopened store must hold exactly the state after some whole
//! unit (key block or micro block) at or after the last one the child reported committed, as
//! rebuilt on a `MemStore`. The next round's child continues from the reopened store.
//!
//! Block h is a pure function of h: its key block by `gen1` (even h) or `gen2` (odd h), then
//! [`MICROS`] micro blocks of transfers and anchors derived from `(h, seq)`.

use super::chain::{T, T0, genesis_tx, kp};
use super::rollback_props::state_dump;
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock, VRF_PROOF_LEN};
use ltonode_ledger::chain::{Chain, ChainConfig};
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::{
    Address, Amount, Height, KeyPair, MemStore, PublicKey, RocksConfig, RocksStore, Signature,
    Store, Timestamp, Transaction, sha256,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Set (to the database directory) in the child's environment.
const CHILD_ENV: &str = "LTONODE_CRASH_CHILD";
/// Marks the child's protocol lines in its stdout (libtest prints around them).
const MARK: &str = "crash-child ";
/// Micro blocks per block (the genesis block has one).
const MICROS: u16 = 2;
/// The child stops by itself after this block.
const LAST_HEIGHT: u32 = 1_000;
const ROUNDS: usize = 8;
/// Longest a child runs in one round after it opened the store.
const MAX_ROUND: Duration = Duration::from_secs(2);
/// Longest the child may take to open the store (never reached unless something hangs).
const OPEN_TIMEOUT: Duration = Duration::from_secs(60);

/// A unit: `(height, seq)`, seq 0 for the key block; ordered as applied.
type Unit = (u32, u16);

fn config() -> ChainConfig {
    ChainConfig::lto(T)
}

fn generator(h: u32) -> KeyPair {
    kp(if h.is_multiple_of(2) { "gen1" } else { "gen2" })
}

fn micros_at(h: u32) -> u16 {
    if h == 1 { 1 } else { MICROS }
}

fn init<S: Store>(chain: &mut Chain<S>) {
    chain
        .init_genesis(
            Timestamp(T0),
            250,
            vec![
                genesis_tx(&kp("alice"), 1_000_000 * super::chain::LTO),
                genesis_tx(&kp("bob"), 1_000 * super::chain::LTO),
                genesis_tx(&kp("gen1"), 10_000 * super::chain::LTO),
                genesis_tx(&kp("gen2"), 10_000 * super::chain::LTO),
            ],
        )
        .expect("genesis");
}

fn tip_unit<S: Store>(chain: &Chain<S>) -> Unit {
    let t = chain.tip().expect("a chain with a genesis");
    (t.height.0, t.micro_count)
}

fn next_unit((h, seq): Unit) -> Unit {
    if seq < micros_at(h) {
        (h, seq + 1)
    } else {
        (h + 1, 0)
    }
}

fn signed(from: &KeyPair, timestamp: Timestamp, fee: u64, body: TxBody) -> Transaction {
    let mut t = Transaction {
        version: 3,
        chain_id: T,
        timestamp,
        sender: from.public_key().into(),
        fee: Amount(fee),
        sponsor: None,
        proofs: vec![],
        body,
    };
    t.sign_with(from);
    t
}

/// The transactions of micro block `seq` of block `h` (timestamped at the block's time).
fn micro_txs(h: u32, seq: u16, timestamp: Timestamp) -> Vec<Transaction> {
    let lto = super::chain::LTO;
    let (alice, bob, carol) = (kp("alice"), kp("bob"), kp("carol"));
    let to = |k: &KeyPair| Address::from_public_key(T, &k.public_key());
    let hash = |i: u8| sha256(&[&h.to_be_bytes()[..], &seq.to_be_bytes(), &[i]].concat());
    let anchor = |from: &KeyPair, hashes: Vec<[u8; 32]>| {
        let fee = 25_000_000 + 10_000_000 * hashes.len() as u64;
        let anchors = hashes.iter().map(|x| x.to_vec()).collect();
        signed(from, timestamp, fee, TxBody::Anchor { anchors })
    };
    vec![
        signed(
            &alice,
            timestamp,
            lto,
            TxBody::Transfer {
                recipient: to(&bob),
                amount: Amount(u64::from(h % 7 + 3) * lto),
                attachment: vec![seq as u8],
            },
        ),
        signed(
            &bob,
            timestamp,
            lto,
            TxBody::Transfer {
                recipient: to(&carol),
                amount: Amount(u64::from(seq) * 1_000 + u64::from(h)),
                attachment: seq.to_be_bytes().to_vec(),
            },
        ),
        anchor(&alice, vec![hash(0), hash(1), hash(2)]),
        anchor(&bob, vec![hash(3)]),
    ]
}

/// Applies the unit after the tip and returns it.
fn apply_next<S: Store>(chain: &mut Chain<S>) -> Unit {
    let tip = chain.tip().expect("tip").clone();
    let (h, seq) = next_unit((tip.height.0, tip.micro_count));
    if seq == 0 {
        let mut header = KeyBlockHeader {
            version: ltonode_ledger::block::KEY_BLOCK_VERSION,
            height: Height(h),
            timestamp: Timestamp(T0 + 5_000 * u64::from(h - 1)),
            parent: tip.total_id,
            base_target: 250,
            vrf_proof: [0; VRF_PROOF_LEN],
            commitments: chain.next_commitments().expect("commitments"),
            generator: PublicKey([0; 32]),
            signature: Signature([0; 64]),
        };
        header.sign(&generator(h));
        let returned = chain.apply_key_block(&header, [0; 32]).expect("key block");
        assert!(returned.is_empty());
    } else {
        let txs = micro_txs(h, seq, tip.header.timestamp);
        let m = MicroBlock::new_signed(tip.total_id, txs, &generator(h));
        chain.apply_micro_block(&m).expect("micro block");
    }
    (h, seq)
}

fn open_rocks(dir: &Path) -> Chain<RocksStore> {
    let store = RocksStore::open(dir, RocksConfig::default()).expect("open rocks");
    Chain::open(store, config()).expect("open chain")
}

/// The writer, run in a child process by [`killed_writer_recovers`]; does nothing otherwise.
#[test]
#[ignore = "run as a child process by crash::killed_writer_recovers"]
fn child_writer() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut chain = open_rocks(Path::new(&dir));
    if chain.tip().is_none() {
        init(&mut chain);
    }
    let out = std::io::stdout();
    let mut unit = tip_unit(&chain);
    {
        let mut o = out.lock();
        writeln!(o, "\n{MARK}opened {} {}", unit.0, unit.1).expect("stdout");
        o.flush().expect("flush");
    }
    while unit < (LAST_HEIGHT, MICROS) {
        unit = apply_next(&mut chain);
        let mut o = out.lock();
        writeln!(o, "\n{MARK}committed {} {}", unit.0, unit.1).expect("stdout");
        o.flush().expect("flush");
    }
    let mut o = out.lock();
    writeln!(o, "\n{MARK}done").expect("stdout");
    o.flush().expect("flush");
}

#[derive(Debug)]
enum Event {
    Opened(Unit),
    Committed(Unit),
    Done,
}

fn parse(line: &str) -> Option<Event> {
    let rest = &line[line.find(MARK)? + MARK.len()..];
    let mut words = rest.split_whitespace();
    let kind = words.next()?;
    if kind == "done" {
        return Some(Event::Done);
    }
    let h = words.next()?.parse().ok()?;
    let seq = words.next()?.parse().ok()?;
    match kind {
        "opened" => Some(Event::Opened((h, seq))),
        "committed" => Some(Event::Committed((h, seq))),
        _ => None,
    }
}

/// What one child run reported.
struct Round {
    /// Where the child found the chain.
    opened_at: Unit,
    /// The last unit reported committed.
    last: Option<Unit>,
    /// The child finished the chain and exited by itself.
    done: bool,
}

/// Runs a child on `dir` and kills it after `units` committed units or `delay` after it
/// opened the store, whichever comes first.
fn run_child(dir: &Path, units: usize, delay: Duration) -> Round {
    let exe = std::env::current_exe().expect("current exe");
    let mut child = Command::new(exe)
        .args(["--exact", "crash::child_writer", "--nocapture", "--ignored"])
        .env(CHILD_ENV, dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(e) = parse(&line)
                && tx.send(e).is_err()
            {
                break;
            }
        }
    });
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    let mut events = Vec::new();
    let mut deadline = Instant::now() + OPEN_TIMEOUT;
    let mut opened = None;
    let mut committed = 0usize;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(e) => {
                match &e {
                    Event::Opened(u) => {
                        opened = Some(*u);
                        deadline = Instant::now() + delay.min(MAX_ROUND);
                    }
                    Event::Committed(_) => committed += 1,
                    Event::Done => {}
                }
                events.push(e);
                if opened.is_some() && committed >= units {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    // SIGKILL; an error only means the child already exited (its status tells).
    let _ = child.kill();
    let status = child.wait().expect("wait child");
    reader.join().expect("reader thread");
    events.extend(rx.try_iter());
    let stderr = errors.join().expect("stderr thread");

    let done = events.iter().any(|e| matches!(e, Event::Done));
    let Some(opened_at) = opened else {
        panic!("the child never opened the store ({status}): {stderr}");
    };
    let killed = status.signal() == Some(9);
    assert!(
        killed || (done && status.success()),
        "the child stopped by itself before the end ({status}): {stderr}"
    );
    let last = events
        .iter()
        .filter_map(|e| match e {
            Event::Committed(u) => Some(*u),
            _ => None,
        })
        .max();
    Round {
        opened_at,
        last,
        done,
    }
}

#[test]
fn killed_writer_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = StdRng::seed_from_u64(0x00C0_FFEE);
    let mut reference = Chain::open(MemStore::new(), config()).expect("open mem");
    init(&mut reference);
    let mut last_reported: Option<Unit> = None;
    let mut reopened_at: Unit = (1, 1);
    for round in 0..ROUNDS {
        let (units, delay) = if rng.random_bool(0.5) {
            (rng.random_range(0..=60usize), MAX_ROUND)
        } else {
            (
                usize::MAX,
                Duration::from_millis(rng.random_range(0..=1_500)),
            )
        };
        let r = run_child(dir.path(), units, delay);
        assert_eq!(
            r.opened_at, reopened_at,
            "round {round}: the child opened elsewhere"
        );
        last_reported = last_reported.max(r.last);

        let chain = open_rocks(dir.path());
        let unit = tip_unit(&chain);
        if let Some(last) = last_reported {
            assert!(
                unit.0 >= last.0,
                "round {round}: tip height {} below the reported {}",
                unit.0,
                last.0
            );
            assert!(
                unit >= last,
                "round {round}: reopened at {unit:?}, child reported {last:?} committed"
            );
        }
        while tip_unit(&reference) < unit {
            apply_next(&mut reference);
        }
        assert_eq!(tip_unit(&reference), unit, "round {round}");
        assert!(
            state_dump(chain.store()) == state_dump(reference.store()),
            "round {round}: the store reopened at {unit:?} is not the state after that unit"
        );
        reopened_at = unit;
        if r.done {
            assert_eq!(unit, (LAST_HEIGHT, MICROS));
            break;
        }
    }
}
