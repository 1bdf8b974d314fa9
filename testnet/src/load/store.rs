//! The chains the in-process modes serve: a RocksDB store holding many anchors (built block by
//! block through the chain's own apply path) and a funded in-memory chain, and a non-forging
//! core with the REST API on a loopback port.

use anyhow::Context;
use ltonode::rest::{self, RestState};
use ltonode::service::{CoreTask, chain_config, spawn_core};
use ltonode_consensus::ChainParams;
use ltonode_core::{Core, CoreConfig, PoolLimits};
use ltonode_ledger::block::{KEY_BLOCK_VERSION, KeyBlockHeader, MicroBlock, VRF_PROOF_LEN};
use ltonode_ledger::chain::Chain;
use ltonode_ledger::tx::TxBody;
use ltonode_ledger::tx::validate::{ValidationContext, verify_batch};
use ltonode_ledger::{
    Address, Amount, ChainId, Height, KeyPair, PublicKey, RocksConfig, RocksStore, Signature,
    Snapshots, Store, Timestamp, Transaction, sha256,
};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The chain id of the in-process chains.
pub const CHAIN: ChainId = ChainId::TESTNET;
/// The genesis timestamp of the in-process chains (2026-01-01).
pub const T0: u64 = 1_767_225_600_000;

/// The `n`th anchor of block `b` of an anchor store.
pub fn anchor(b: u64, n: u64) -> [u8; 32] {
    sha256(&[b.to_be_bytes(), n.to_be_bytes()].concat())
}

/// How many anchors an anchor store holds and how they are packed.
#[derive(Clone, Copy, Debug)]
pub struct AnchorShape {
    /// Key blocks holding anchors.
    pub blocks: u64,
    /// Micro blocks per key block.
    pub micros: u64,
    /// Anchor transactions per micro block.
    pub txs_per_micro: u64,
    /// Anchors per transaction.
    pub anchors_per_tx: u64,
}

impl AnchorShape {
    /// 1,000,000 anchors: 10 key blocks of 4 micro blocks of 250 transactions of 100 anchors.
    pub const MILLION: AnchorShape = AnchorShape {
        blocks: 10,
        micros: 4,
        txs_per_micro: 250,
        anchors_per_tx: 100,
    };

    /// At least `n` anchors, in blocks of up to 100,000 (smaller stores in one block).
    pub fn at_least(n: u64) -> AnchorShape {
        let per_block = AnchorShape::MILLION.per_block();
        if n >= per_block {
            AnchorShape {
                blocks: n.div_ceil(per_block),
                ..AnchorShape::MILLION
            }
        } else {
            AnchorShape {
                blocks: 1,
                micros: 1,
                txs_per_micro: n.div_ceil(100).max(1),
                anchors_per_tx: 100,
            }
        }
    }

    /// Anchors per key block.
    pub fn per_block(&self) -> u64 {
        self.micros * self.txs_per_micro * self.anchors_per_tx
    }

    /// Anchors in all.
    pub fn total(&self) -> u64 {
        self.blocks * self.per_block()
    }

    /// The `i`th anchor of the store, for any `i` (taken modulo the total).
    pub fn nth(&self, i: u64) -> [u8; 32] {
        let i = i % self.total();
        anchor(i / self.per_block(), i % self.per_block())
    }
}

/// Funds `accounts` with 1,000,000 LTO each in the genesis block of `chain`.
pub fn fund<S: Store>(chain: &mut Chain<S>, accounts: &[KeyPair]) -> anyhow::Result<()> {
    let genesis = accounts
        .iter()
        .map(|k| {
            Transaction::genesis(
                CHAIN,
                Timestamp(T0),
                Address::from_public_key(CHAIN, &k.public_key()),
                Amount(1_000_000 * 100_000_000),
            )
        })
        .collect();
    chain.init_genesis(Timestamp(T0), 50, genesis)?;
    Ok(())
}

/// A funded in-memory dev chain, its genesis paying `accounts`.
pub fn funded_mem_chain(accounts: &[KeyPair]) -> anyhow::Result<Chain<ltonode_ledger::MemStore>> {
    let params = ChainParams::dev();
    let mut chain = Chain::open(ltonode_ledger::MemStore::new(), chain_config(&params))?;
    fund(&mut chain, accounts)?;
    Ok(chain)
}

/// Builds a dev chain in RocksDB at `dir` holding `shape.total()` anchors: key block `b`
/// carries the anchors `anchor(b, 0..per_block)` in its micro blocks, and one more key block
/// commits the last of them.
pub fn build_anchor_store(
    dir: &Path,
    shape: AnchorShape,
) -> anyhow::Result<Chain<Arc<RocksStore>>> {
    let params = ChainParams::dev();
    let store = Arc::new(RocksStore::open(dir, RocksConfig::default())?);
    let mut chain = Chain::open(store, chain_config(&params))?;
    let senders: Vec<KeyPair> = (0..20)
        .map(|i| KeyPair::from_seed_phrase(&format!("load {i}"), 0))
        .collect();
    fund(&mut chain, &senders)?;
    let generator = KeyPair::from_seed_phrase("load generator", 0);
    for b in 0..=shape.blocks {
        let tip = chain.tip().context("the chain has no genesis")?.clone();
        let ts = Timestamp(tip.header.timestamp.0 + 5_000);
        let mut header = KeyBlockHeader {
            version: KEY_BLOCK_VERSION,
            height: Height(tip.height.0 + 1),
            timestamp: ts,
            parent: tip.total_id,
            base_target: 50,
            vrf_proof: [0; VRF_PROOF_LEN],
            commitments: chain.next_commitments()?,
            generator: PublicKey([0; 32]),
            signature: Signature([0; 64]),
        };
        header.sign(&generator);
        chain.apply_key_block(&header, [0; 32])?;
        if b == shape.blocks {
            break; // the last key block only commits the block before it
        }
        let ctx = ValidationContext::lto(CHAIN, ts);
        for m in 0..shape.micros {
            let txs: Vec<Transaction> = (0..shape.txs_per_micro)
                .map(|i| {
                    let n = m * shape.txs_per_micro + i;
                    let k = &senders[(n % 20) as usize];
                    let mut t = Transaction {
                        version: 3,
                        chain_id: CHAIN,
                        timestamp: ts,
                        sender: k.public_key().into(),
                        fee: Amount((250 + 100 * shape.anchors_per_tx) * 100_000),
                        sponsor: None,
                        proofs: vec![],
                        body: TxBody::Anchor {
                            anchors: (0..shape.anchors_per_tx)
                                .map(|j| anchor(b, n * shape.anchors_per_tx + j).to_vec())
                                .collect(),
                        },
                    };
                    t.sign_with(k);
                    t
                })
                .collect();
            let verified = verify_batch(txs.clone(), &ctx)
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
            let micro = MicroBlock::new_signed(
                chain.tip().context("the chain has no genesis")?.total_id,
                txs,
                &generator,
            );
            chain.apply_own_micro_block(&micro, &verified)?;
        }
    }
    Ok(chain)
}

/// Runs a core on `chain` (not forging; a pool without limits that matter here) with the
/// REST API on a loopback port of the current tokio runtime.
pub async fn serve_core<S: Store + Clone + Snapshots + 'static>(
    chain: Chain<S>,
) -> anyhow::Result<(SocketAddr, CoreTask<S>)> {
    let mut config = CoreConfig::new(ChainParams::dev(), Amount(1), None);
    config.pool_limits = PoolLimits {
        max_txs: 10_000_000,
        max_bytes: 8 << 30,
        max_per_account: 10_000_000,
    };
    let core = Core::new(chain, config)?;
    let task = spawn_core(core, None, None)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(rest::serve(
        listener,
        RestState::new(task.handle.clone(), task.reader.clone(), None),
        std::future::pending::<()>(),
    ));
    Ok((addr, task))
}
