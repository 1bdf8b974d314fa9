//! `ltonode export` and `ltonode import`: a dev chain's blocks through a file into a fresh
//! node, verified as sync verifies them; a tampered block stops the import where it is.

use ltonode::blocks_file::{BlockReader, MAGIC};
use ltonode::service::open_chain;
use ltonode_consensus::ChainParams;
use ltonode_core::{Block, Core, CoreConfig};
use ltonode_ledger::chain::AnchorIndex;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_ledger::{ChainId, Height, KeyPair, Timestamp};
use std::path::Path;
use std::process::Command;

fn dev_key(i: usize) -> KeyPair {
    KeyPair::from_seed_phrase(&GenesisConfig::dev_accounts()[i].seed, 0)
}

/// A dev chain of `height` blocks with anchors in them, in `dir`; returns its tip id.
fn forge_dev_chain(dir: &Path, height: u32) -> String {
    let params = ChainParams::dev();
    let genesis = GenesisConfig::dev();
    let chain = open_chain(dir, &params, &genesis, false, AnchorIndex::All).unwrap();
    let mut config = CoreConfig::new(params, genesis.total(), Some(dev_key(0)));
    config.dev_load = Some((dev_key(3), 3));
    let mut core = Core::new(chain, config).unwrap();
    let mut now = Timestamp(genesis.timestamp.0 + 60_000);
    while core.chain().height().0 < height {
        let (_, next) = core.tick(now).unwrap();
        now = Timestamp(next.map_or(now.0 + 100, |n| n.0.max(now.0 + 1)));
    }
    core.chain().tip().unwrap().total_id.to_base58()
}

fn ltonode(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ltonode"))
        .args(args)
        .output()
        .unwrap()
}

/// `ltonode import FILE --dev --data-dir DIR`.
fn import(file: &Path, dir: &Path) -> std::process::Output {
    ltonode(&[
        "import",
        file.to_str().unwrap(),
        "--dev",
        "--data-dir",
        dir.to_str().unwrap(),
    ])
}

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{o:?}");
    serde_json::from_slice(&o.stdout).unwrap()
}

fn write_blocks(path: &Path, blocks: &[Block]) {
    let mut out = MAGIC.to_vec();
    out.push(ChainId::TESTNET.0);
    for (h, micros) in blocks {
        let hb = h.to_bytes();
        out.extend_from_slice(&(hb.len() as u32).to_be_bytes());
        out.extend_from_slice(&hb);
        out.extend_from_slice(&(micros.len() as u32).to_be_bytes());
        for m in micros {
            let mb = m.to_bytes();
            out.extend_from_slice(&(mb.len() as u32).to_be_bytes());
            out.extend_from_slice(&mb);
        }
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn blocks_go_through_a_file_into_a_fresh_node_and_a_tampered_one_stops_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    let tip = forge_dev_chain(&source, 12);
    let file = dir.path().join("chain.blk");
    let f = file.to_str().unwrap();

    let exported = json(&ltonode(&[
        "export",
        f,
        "--dev",
        "--data-dir",
        source.to_str().unwrap(),
    ]));
    assert_eq!(exported["exported"], 12, "{exported}");
    assert_eq!(exported["to"], 12);

    let fresh = dir.path().join("fresh");
    let imported = json(&import(&file, &fresh));
    assert_eq!(imported["height"], 12, "{imported}");
    assert_eq!(
        imported["imported"], 11,
        "the genesis block was there already"
    );
    assert_eq!(imported["tip"], tip.as_str());
    // Importing again adds nothing.
    let again = json(&import(&file, &fresh));
    assert_eq!(again["imported"], 0, "{again}");
    assert_eq!(again["tip"], tip.as_str());

    // Block 7 signed by someone else: the import stops before it.
    let mut reader = BlockReader::open(&file, ChainId::TESTNET).unwrap();
    let mut blocks = Vec::new();
    while let Some(b) = reader.next_block().unwrap() {
        blocks.push(b);
    }
    assert_eq!(blocks.len(), 12);
    blocks[6]
        .0
        .sign(&KeyPair::from_seed_phrase("not the generator", 0));
    let bad = dir.path().join("bad.blk");
    write_blocks(&bad, &blocks);
    let other = dir.path().join("other");
    let o = import(&bad, &other);
    assert!(!o.status.success(), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("block 7 refused"), "{err}");
    let chain = open_chain(
        &other,
        &ChainParams::dev(),
        &GenesisConfig::dev(),
        false,
        AnchorIndex::All,
    )
    .unwrap();
    assert_eq!(
        chain.height(),
        Height(6),
        "the blocks before the bad one stay"
    );
    drop(chain);

    // Not a blocks file, and a file cut short.
    std::fs::write(&bad, b"this is not a blocks file at all").unwrap();
    let o = import(&bad, &other);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a blocks file"),
        "{o:?}"
    );
    let whole = std::fs::read(&file).unwrap();
    std::fs::write(&bad, &whole[..whole.len() - 10]).unwrap();
    let o = import(&bad, &other);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cut short"),
        "{o:?}"
    );
}
