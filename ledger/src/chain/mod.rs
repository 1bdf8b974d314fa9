//! The chain on a [`Store`]: applies key blocks and micro blocks, each in **one atomic write
//! batch** holding the state change, the indexes and an undo record; rolls back exactly;
//! answers the queries the API needs (docs/architecture.md).
//!
//! Units: block h is its key block (unit `(h, 0)`) and its micro blocks (`(h, 1)`, `(h, 2)`,
//! ...). The tip is the last applied unit; its total id is what the next micro block or key
//! block must reference. A key block that references an earlier total id of the current
//! block first rolls back the micro blocks after it; their transactions are returned so the
//! caller can put them back into the pool.
//!
//! This layer checks structure, signatures, commitments and the state transition. The
//! consensus rules of a key block (VRF, delay, base target, generator eligibility) are the
//! consensus crate's, applied before a header reaches [`Chain::apply_key_block`].

mod account_data;
mod bootstrap;
pub mod keys;
mod query;
pub mod undo;
mod view;

pub use account_data::RegisteredKeyEntry;
pub use bootstrap::Snapshot;

pub use query::{AnchorEntry, BalanceDetails, BalanceKind};

use crate::address::{Address, ChainId};
use crate::block::{
    BlockError, BlockId, Commitments, KEY_BLOCK_VERSION, KeyBlockHeader, MicroBlock, anchor_leaves,
    commitments_of,
};
use crate::hash::{Hash32, sha256};
use crate::keys::KeyPair;
use crate::merkle::{AnchorTrees, MerkleProof};
use crate::state::{
    BlockContext, Diff, MicroBlockError, StateError, TxApplyError, apply_genesis, apply_key_block,
    apply_transactions,
};
use crate::store::{Column, Store, StoreError, concat, key_u32};
use crate::tx::codec::{Reader, Writer};
use crate::tx::validate::{FeeSchedule, ValidationContext, ValidationError, verify_batch};
use crate::tx::{Transaction, TxId, VerifiedTx};
use crate::units::{Height, Timestamp};
use thiserror::Error;
use undo::{UndoBatch, decode_undo, revert_batch};

/// The ledger rules the chain needs from the chain parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainConfig {
    /// This chain's id.
    pub chain_id: ChainId,
    /// Blocks a cancelled lease unbonds for.
    pub lease_unbonding: u32,
    /// How far after the block a transaction's timestamp may be (ms).
    pub max_tx_future_ms: u64,
    /// How far before the previous block a transaction's timestamp may be (ms).
    pub max_tx_past_ms: u64,
    /// The fee schedule.
    pub fees: FeeSchedule,
    /// Key blocks per summary period (whitepaper 17; 0: no summaries, no finality).
    pub summary_period: u32,
    /// Blocks whose transaction data a pruned node keeps beyond finality.
    pub retain_blocks: u32,
    /// Keep every transaction forever (a history node) instead of pruning.
    pub history: bool,
    /// Which anchors the anchor index (and so the receipts kept after pruning) covers.
    pub anchor_index: AnchorIndex,
    /// How fees are split between a block's generator and the next key block's.
    pub fee_split: crate::state::FeeSplit,
}

/// Which anchors a node indexes (docs/architecture.md). The index is what keeps an anchor's
/// receipt after its block's transactions are pruned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AnchorIndex {
    /// Every anchor (the default; history nodes always index everything they keep).
    #[default]
    All,
    /// Only anchors sent by these accounts (the operator's own).
    Own(std::collections::BTreeSet<Address>),
    /// No anchor index.
    None,
}

impl AnchorIndex {
    /// Whether anchors sent by `sender` are indexed.
    pub fn covers(&self, sender: &Address) -> bool {
        match self {
            AnchorIndex::All => true,
            AnchorIndex::Own(set) => set.contains(sender),
            AnchorIndex::None => false,
        }
    }
}

impl ChainConfig {
    /// LTO's rules (unbonding 3000 blocks, 90 min / 2 h windows, fee price 100,000), a
    /// summary every 1440 key blocks, and pruning after 1000 blocks.
    pub fn lto(chain_id: ChainId) -> ChainConfig {
        ChainConfig {
            chain_id,
            lease_unbonding: 3000,
            max_tx_future_ms: 90 * 60 * 1000,
            max_tx_past_ms: 2 * 60 * 60 * 1000,
            fees: FeeSchedule::default(),
            summary_period: 1440,
            retain_blocks: 1000,
            history: false,
            anchor_index: AnchorIndex::All,
            fee_split: crate::state::FeeSplit::LTO,
        }
    }

    /// The finalized height for a tip at `height`: the second-to-last summary boundary
    /// (docs/architecture.md), or 0 without summaries.
    pub fn finality_for(&self, height: Height) -> Height {
        match self.summary_period {
            0 => Height(0),
            p => Height((height.0 / p).saturating_sub(1).saturating_mul(p)),
        }
    }
}

/// Why a block, micro block or rollback was refused. A refused unit changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainError {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// State could not be read.
    #[error("state: {0}")]
    State(#[from] StateError),
    /// The block is malformed or badly signed.
    #[error("block: {0}")]
    Block(#[from] BlockError),
    /// The chain has no genesis yet.
    #[error("the chain is empty")]
    Empty,
    /// The chain already has a genesis.
    #[error("the chain already has a genesis block")]
    AlreadyInitialised,
    /// A key block at the wrong height.
    #[error("expected a block at height {expected}, got {found}")]
    WrongHeight {
        /// The next height.
        expected: u32,
        /// The block's height.
        found: u32,
    },
    /// A block or micro block references something that is not the current block.
    #[error("unknown parent {0}")]
    UnknownParent(BlockId),
    /// A micro block signed by someone other than the key block's generator.
    #[error("micro block not signed by the current generator")]
    WrongGenerator,
    /// The key block's commitments do not match the block it closes.
    #[error("commitments of block {height} do not match")]
    Commitments {
        /// The height of the committed block.
        height: u32,
    },
    /// A transaction of a micro block failed stateless validation.
    #[error("transaction {index} invalid: {error}")]
    InvalidTx {
        /// Its position.
        index: usize,
        /// Why.
        error: ValidationError,
    },
    /// A transaction of a micro block cannot be applied.
    #[error(transparent)]
    Apply(#[from] MicroBlockError),
    /// A key block's fee credit failed.
    #[error("key block: {0}")]
    KeyBlock(TxApplyError),
    /// The genesis transactions are invalid.
    #[error("genesis: {0}")]
    Genesis(String),
    /// Rolling back below what is kept.
    #[error("cannot roll back to height {target}: {reason}")]
    Rollback {
        /// The height asked for.
        target: u32,
        /// Why not.
        reason: &'static str,
    },
    /// A stored record is corrupt.
    #[error("corrupt {0}")]
    Corrupt(&'static str),
    /// A pruned database cannot be opened as a history node.
    #[error("this database was pruned; a history node needs a full database (sync a new one)")]
    PrunedNotHistory,
}

/// The last applied unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tip {
    /// The current block's height.
    pub height: Height,
    /// Its key block header.
    pub header: KeyBlockHeader,
    /// Micro blocks applied on it.
    pub micro_count: u16,
    /// The total id after the last micro block (the key block id if none).
    pub total_id: BlockId,
    /// Timestamp of the previous key block (the genesis timestamp at height 1).
    pub prev_timestamp: Timestamp,
}

/// The genesis key pair: the secret is SHA-256 of the empty string, as LTO's genesis
/// generator (LTO's node), so anyone can rebuild the genesis block.
pub fn genesis_key() -> KeyPair {
    KeyPair::from_secret(sha256(b""))
}

/// The chain over a store.
pub struct Chain<S: Store> {
    store: S,
    config: ChainConfig,
    tip: Option<Tip>,
}

const TIP_LEN: usize = 4 + 2 + 32;

/// Pruned heights and the ids (with record heads) of their transactions.
type PrunedTxs = std::collections::BTreeMap<u32, Vec<(TxId, Vec<u8>)>>;

/// Old entries of one balance-history or count series deleted per pruning step at most.
const COMPACT_PER_SERIES: usize = 64;

/// Pruned heights whose transaction ids are forgotten per key block at most (pruning goes
/// up to 4 heights a block, so a backlog shrinks).
const FORGET_PER_BLOCK: usize = 16;

impl<S: Store> Chain<S> {
    /// Opens the chain stored in `store` (empty if nothing was applied yet).
    pub fn open(store: S, config: ChainConfig) -> Result<Chain<S>, ChainError> {
        if config.history
            && store.get(Column::Meta, keys::META_MODE)?.as_deref() == Some(b"pruned".as_slice())
        {
            return Err(ChainError::PrunedNotHistory);
        }
        let mut c = Chain {
            store,
            config,
            tip: None,
        };
        c.reload_tip()?;
        Ok(c)
    }

    /// Opens the chain in `store` and, when it is empty, applies the genesis block of
    /// `genesis`.
    pub fn open_with_genesis(
        store: S,
        config: ChainConfig,
        genesis: &crate::genesis::GenesisConfig,
    ) -> Result<Chain<S>, ChainError> {
        let mut chain = Chain::open(store, config)?;
        if chain.tip().is_none() {
            chain.init_genesis(
                genesis.timestamp,
                genesis.base_target,
                genesis.transactions(),
            )?;
        }
        Ok(chain)
    }

    /// A read-only view of a chain over `store` as of `tip` (the tip its writer published),
    /// without reading anything: for readers beside the writer, which share its store. Only
    /// `&self` methods make sense on it.
    pub fn view(store: S, config: ChainConfig, tip: Option<Tip>) -> Chain<S> {
        Chain { store, config, tip }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The tip, if the chain has a genesis.
    pub fn tip(&self) -> Option<&Tip> {
        self.tip.as_ref()
    }

    /// The current height (0 when empty).
    pub fn height(&self) -> Height {
        self.tip.as_ref().map_or(Height(0), |t| t.height)
    }

    fn tip_ref(&self) -> Result<&Tip, ChainError> {
        self.tip.as_ref().ok_or(ChainError::Empty)
    }

    fn reload_tip(&mut self) -> Result<(), ChainError> {
        let Some(b) = self.store.get(Column::Meta, keys::META_TIP)? else {
            self.tip = None;
            return Ok(());
        };
        if b.len() != TIP_LEN {
            return Err(ChainError::Corrupt("tip"));
        }
        let mut r = Reader::new(&b);
        let h = Height(u32::from_be_bytes(
            r.array().map_err(|_| ChainError::Corrupt("tip"))?,
        ));
        let micro_count = r.u16().map_err(|_| ChainError::Corrupt("tip"))?;
        let total_id = BlockId(r.array().map_err(|_| ChainError::Corrupt("tip"))?);
        let header = self
            .header_at(h)?
            .ok_or(ChainError::Corrupt("tip header"))?;
        let prev_timestamp = match h.0 {
            0 | 1 => header.timestamp,
            _ => {
                self.header_at(Height(h.0 - 1))?
                    .ok_or(ChainError::Corrupt("previous header"))?
                    .timestamp
            }
        };
        self.tip = Some(Tip {
            height: h,
            header,
            micro_count,
            total_id,
            prev_timestamp,
        });
        Ok(())
    }

    fn tip_bytes(height: Height, micro_count: u16, total_id: &BlockId) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(&key_u32(height.0)).u16(micro_count).raw(&total_id.0);
        w.into_bytes()
    }

    /// Builds the genesis block (key block at height 1 and one micro block holding the
    /// genesis transactions, both signed with [`genesis_key`]) and applies it.
    pub fn init_genesis(
        &mut self,
        timestamp: Timestamp,
        base_target: u64,
        transactions: Vec<Transaction>,
    ) -> Result<(), ChainError> {
        if let Some(tip) = &self.tip {
            // A crash between the genesis block's two units leaves the key block alone:
            // undo it and start again.
            if tip.height.0 == 1 && tip.micro_count == 0 {
                self.revert_unit(Height(1), 0)?;
                self.reload_tip()?;
            } else {
                return Err(ChainError::AlreadyInitialised);
            }
        }
        if transactions.is_empty() || transactions.len() > crate::block::MAX_MICRO_TXS {
            return Err(ChainError::Genesis(format!(
                "{} transactions (1..=500 allowed)",
                transactions.len()
            )));
        }
        let verified: Vec<VerifiedTx> = transactions
            .iter()
            .cloned()
            .map(|t| VerifiedTx::genesis(t, self.config.chain_id))
            .collect::<Result<_, _>>()
            .map_err(|e| ChainError::Genesis(e.to_string()))?;
        let key = genesis_key();
        let mut header =
            KeyBlockHeader::unsigned(Height(1), timestamp, BlockId([0; 32]), base_target);
        header.sign(&key);
        let micro = MicroBlock::new_signed(header.id(), transactions, &key);

        // Unit (1, 0): the key block.
        let mut b = UndoBatch::new(&self.store);
        b.put(Column::Headers, key_u32(1).to_vec(), header.to_bytes())?;
        b.put(
            Column::BlockIndex,
            header.id().0.to_vec(),
            keys::unit(Height(1), 0),
        )?;
        b.put(
            Column::Meta,
            keys::META_TIP.to_vec(),
            Self::tip_bytes(Height(1), 0, &header.id()),
        )?;
        let mode: &[u8] = if self.config.history {
            b"history"
        } else {
            b"pruned"
        };
        b.put_untracked(Column::Meta, keys::META_MODE.to_vec(), mode.to_vec());
        self.store.write(b.finish(keys::unit(Height(1), 0)))?;
        self.reload_tip()?;

        // Unit (1, 1): the genesis transactions.
        let diff =
            apply_genesis(self, &verified).map_err(|e| ChainError::Genesis(e.to_string()))?;
        self.write_micro(&micro, &verified, diff)?;
        Ok(())
    }

    /// The block context of the current block.
    fn block_context(&self, tip: &Tip) -> BlockContext {
        BlockContext {
            chain_id: self.config.chain_id,
            height: tip.height,
            timestamp: tip.header.timestamp,
            prev_timestamp: tip.prev_timestamp,
            generator: Address::from_public_key(self.config.chain_id, &tip.header.generator),
            lease_unbonding: self.config.lease_unbonding,
            max_tx_future_ms: self.config.max_tx_future_ms,
            max_tx_past_ms: self.config.max_tx_past_ms,
            fee_split: self.config.fee_split,
        }
    }

    /// The stateless validation context for transactions of the current block: the window
    /// runs from 2 hours before the previous key block to 90 minutes after this one.
    pub fn validation_context(&self) -> Result<ValidationContext, ChainError> {
        let tip = self.tip_ref()?;
        let ts = tip.header.timestamp;
        Ok(ValidationContext {
            chain_id: self.config.chain_id,
            fees: self.config.fees,
            now: ts,
            max_future_ms: self.config.max_tx_future_ms,
            max_past_ms: self
                .config
                .max_tx_past_ms
                .saturating_add(ts.0.saturating_sub(tip.prev_timestamp.0)),
        })
    }

    /// Validates and applies a micro block on the tip, in one atomic batch. Returns the
    /// verified transactions.
    pub fn apply_micro_block(&mut self, micro: &MicroBlock) -> Result<Vec<VerifiedTx>, ChainError> {
        let tip = self.tip_ref()?;
        micro.verify()?;
        if micro.parent_total != tip.total_id {
            return Err(ChainError::UnknownParent(micro.parent_total));
        }
        if micro.generator != tip.header.generator {
            return Err(ChainError::WrongGenerator);
        }
        let vctx = self.validation_context()?;
        let verified = verify_batch(micro.transactions.clone(), &vctx)
            .into_iter()
            .enumerate()
            .map(|(index, r)| r.map_err(|error| ChainError::InvalidTx { index, error }))
            .collect::<Result<Vec<_>, _>>()?;
        let ctx = self.block_context(tip);
        let diff = apply_transactions(self, &ctx, Diff::default(), &verified)?;
        self.write_micro(micro, &verified, diff)?;
        Ok(verified)
    }

    /// Applies a micro block whose transactions were already verified (by the forger that
    /// built it from its pool), skipping the signature checks of its transactions.
    pub fn apply_own_micro_block(
        &mut self,
        micro: &MicroBlock,
        verified: &[VerifiedTx],
    ) -> Result<(), ChainError> {
        let tip = self.tip_ref()?;
        if micro.parent_total != tip.total_id {
            return Err(ChainError::UnknownParent(micro.parent_total));
        }
        let ctx = self.block_context(tip);
        let diff = apply_transactions(self, &ctx, Diff::default(), verified)?;
        self.write_micro(micro, verified, diff)
    }

    fn write_micro(
        &mut self,
        micro: &MicroBlock,
        verified: &[VerifiedTx],
        diff: Diff,
    ) -> Result<(), ChainError> {
        let tip = self.tip_ref()?.clone();
        let h = tip.height;
        let seq = tip
            .micro_count
            .checked_add(1)
            .ok_or(ChainError::Corrupt("micro count"))?;
        let total = micro.total_id();
        let mut b = UndoBatch::new(&self.store);
        write_diff(&mut b, h, seq, &diff)?;

        // Transactions, address index, anchors (positions within the block, no proofs yet).
        let anchor_count_key = keys::anchor_count(h);
        let mut anchor_pos = b
            .get(Column::Meta, &anchor_count_key)?
            .as_deref()
            .and_then(crate::store::parse_u32)
            .unwrap_or(0);
        for (i, (vtx, applied)) in verified.iter().zip(&diff.txs).enumerate() {
            let index = u16::try_from(i).map_err(|_| ChainError::Corrupt("tx index"))?;
            let mut v = Writer::new();
            v.raw(&key_u32(h.0))
                .u16(seq)
                .u16(index)
                .raw(&vtx.tx().to_bytes());
            // Keys holding a new id or a new (height, seq, index) cannot exist yet.
            b.put_new(Column::Txs, vtx.id().0.to_vec(), v.into_bytes());
            for a in &applied.addresses {
                b.put_new(
                    Column::TxIndex,
                    keys::address_tx(a, h, seq, index),
                    vtx.id().0.to_vec(),
                );
            }
            if applied.addresses.first() != Some(&applied.fee_payer) {
                b.put_new(
                    Column::AccountData,
                    keys::fee_sponsor(&applied.id),
                    applied.fee_payer.as_bytes().to_vec(),
                );
            }
            let indexed = self.config.anchor_index.covers(&vtx.tx().sender_address());
            for leaf in anchor_leaves(vtx.tx()) {
                if indexed {
                    b.put_new(
                        Column::Anchors,
                        keys::anchor(&leaf, h, anchor_pos),
                        vtx.id().0.to_vec(),
                    );
                }
                anchor_pos = anchor_pos.saturating_add(1);
            }
        }
        b.put(Column::Meta, anchor_count_key, key_u32(anchor_pos).to_vec())?;

        // Transaction counts per fee payer (cumulative, for the raffle factor).
        let mut total_count =
            cumulative(&b, &keys::total_tx_count(h), &keys::total_tx_count_prefix())?;
        let mut per_payer: std::collections::BTreeMap<Address, u64> =
            std::collections::BTreeMap::new();
        // Genesis allocations (no fee) are not transactions anyone sent: they do not count.
        for applied in diff.txs.iter().filter(|t| t.fee > 0) {
            *per_payer.entry(applied.fee_payer).or_default() += 1;
            total_count = total_count.saturating_add(1);
        }
        for (payer, n) in per_payer {
            let key = keys::tx_count(&payer, h);
            let prefix = concat(&[b"C", payer.as_bytes()]);
            let c = cumulative(&b, &key, &prefix)?.saturating_add(n);
            b.put(Column::Generators, key, c.to_be_bytes().to_vec())?;
        }
        b.put(
            Column::Generators,
            keys::total_tx_count(h),
            total_count.to_be_bytes().to_vec(),
        )?;

        // Fees carried to the next key block.
        let carry_key = keys::carry(h);
        let carried = b
            .get(Column::Meta, &carry_key)?
            .as_deref()
            .and_then(crate::store::parse_u64)
            .unwrap_or(0)
            .saturating_add(diff.carry_fees);
        b.put(Column::Meta, carry_key, carried.to_be_bytes().to_vec())?;

        b.put_new(Column::Micro, keys::unit(h, seq), micro.to_bytes());
        b.put_new(Column::BlockIndex, total.0.to_vec(), keys::unit(h, seq));
        b.put(
            Column::Meta,
            keys::META_TIP.to_vec(),
            Self::tip_bytes(h, seq, &total),
        )?;
        self.store.write(b.finish(keys::unit(h, seq)))?;
        if let Some(t) = self.tip.as_mut() {
            t.micro_count = seq;
            t.total_id = total;
        }
        Ok(())
    }

    /// The total ids of the current block: index 0 is the key block's id, index k the total
    /// id after micro block k.
    fn total_ids(
        &self,
        h: Height,
        header: &KeyBlockHeader,
        count: u16,
    ) -> Result<Vec<BlockId>, ChainError> {
        let mut ids = vec![header.id()];
        for m in self.micro_blocks_at(h, count)? {
            ids.push(m.total_id());
        }
        Ok(ids)
    }

    /// Applies a key block on the tip (after the consensus checks). If it references an
    /// earlier total id of the current block, the micro blocks after it are rolled back
    /// first and their transactions returned. `summary_hash` is the summary hash this block
    /// must commit (zero unless it closes a summary period).
    pub fn apply_key_block(
        &mut self,
        header: &KeyBlockHeader,
        summary_hash: Hash32,
    ) -> Result<Vec<Transaction>, ChainError> {
        let tip = self.tip_ref()?.clone();
        let expected = tip.height.0.saturating_add(1);
        if header.height.0 != expected {
            return Err(ChainError::WrongHeight {
                expected,
                found: header.height.0,
            });
        }
        if header.version != KEY_BLOCK_VERSION {
            return Err(BlockError::Version(header.version).into());
        }
        header.verify_signature()?;
        let ids = self.total_ids(tip.height, &tip.header, tip.micro_count)?;
        let keep = ids
            .iter()
            .position(|id| *id == header.parent)
            .ok_or(ChainError::UnknownParent(header.parent))?;
        let keep = u16::try_from(keep).map_err(|_| ChainError::Corrupt("micro count"))?;

        // Commitments of block h as this key block keeps it, checked before anything changes.
        let kept = self.micro_blocks_at(tip.height, keep)?;
        let txs: Vec<&Transaction> = kept.iter().flat_map(|m| m.transactions.iter()).collect();
        let mut expected_c = commitments_of(txs.iter().copied());
        expected_c.summary_hash = summary_hash;
        if header.commitments != expected_c {
            return Err(ChainError::Commitments {
                height: tip.height.0,
            });
        }

        // Discard the micro blocks the new key block does not keep.
        let mut returned = Vec::new();
        for seq in (keep + 1..=tip.micro_count).rev() {
            if let Some(m) = self.micro_block(tip.height, seq)? {
                returned.splice(0..0, m.transactions);
            }
            self.revert_unit(tip.height, seq)?;
        }
        self.reload_tip()?;

        let h = header.height;
        let generator = Address::from_public_key(self.config.chain_id, &header.generator);
        let carried = self
            .store
            .get(Column::Meta, &keys::carry(tip.height))?
            .as_deref()
            .and_then(crate::store::parse_u64)
            .unwrap_or(0);
        let diff = apply_key_block(self, generator, carried).map_err(ChainError::KeyBlock)?;

        let mut b = UndoBatch::new(&self.store);
        write_diff(&mut b, h, 0, &diff)?;
        // Receipts of block h-1's anchors now exist: store both Merkle paths with each entry.
        let leaves: Vec<(Vec<u8>, TxId, bool)> = txs
            .iter()
            .flat_map(|t| {
                let id = t.id();
                let indexed = self.config.anchor_index.covers(&t.sender_address());
                anchor_leaves(t).into_iter().map(move |l| (l, id, indexed))
            })
            .collect();
        if leaves.iter().any(|(_, _, indexed)| *indexed) {
            let trees = AnchorTrees::new(
                &leaves
                    .iter()
                    .map(|(l, _, _)| l.as_slice())
                    .collect::<Vec<_>>(),
            );
            for (pos, (leaf, id, indexed)) in leaves.iter().enumerate() {
                if !indexed {
                    continue;
                }
                let p = u32::try_from(pos).map_err(|_| ChainError::Corrupt("anchor position"))?;
                let proofs = trees
                    .proofs(u64::from(p))
                    .map_err(|_| ChainError::Corrupt("anchor proofs"))?;
                let mut v = Writer::new();
                v.raw(&id.0);
                encode_proof(&mut v, &proofs.sha256);
                encode_proof(&mut v, &proofs.blake2b);
                // The entry held only the transaction id until now: its previous value is known,
                // so recording it for undo needs no read.
                b.put_known(
                    Column::Anchors,
                    keys::anchor(leaf, tip.height, p),
                    v.into_bytes(),
                    Some(id.0.to_vec()),
                );
            }
        }
        b.put(Column::Headers, key_u32(h.0).to_vec(), header.to_bytes())?;
        b.put(Column::BlockIndex, header.id().0.to_vec(), keys::unit(h, 0))?;
        b.put(
            Column::Meta,
            keys::META_TIP.to_vec(),
            Self::tip_bytes(h, 0, &header.id()),
        )?;
        self.finalize_and_prune(&mut b, h)?;
        self.store.write(b.finish(keys::unit(h, 0)))?;
        self.reload_tip()?;
        Ok(returned)
    }

    /// The finalized height: no rollback goes below it. It only grows.
    pub fn finalized_height(&self) -> Result<Height, ChainError> {
        Ok(Height(
            self.store
                .get(Column::Meta, keys::META_FINAL)?
                .as_deref()
                .and_then(crate::store::parse_u32)
                .unwrap_or(0),
        ))
    }

    /// The highest height whose transaction data was pruned (0: none).
    pub fn pruned_height(&self) -> Result<Height, ChainError> {
        Ok(Height(
            self.store
                .get(Column::Meta, keys::META_PRUNED)?
                .as_deref()
                .and_then(crate::store::parse_u32)
                .unwrap_or(0),
        ))
    }

    /// Raises the finalized height for a new tip at `h`, and (pruned nodes) deletes the
    /// transaction data of a few final heights older than `retain_blocks`, in the key
    /// block's own batch. Undo records of final heights go in both modes: no rollback can
    /// use them.
    ///
    /// Pruning keeps headers, block ids (the key block's, the micro blocks' total ids and the
    /// kept micro block ids), summaries and the anchor index (whose entries carry their Merkle
    /// paths, so every receipt stays verifiable). Everything else a block wrote per
    /// transaction or per address goes, so that under a steady load the store stops growing
    /// but for those: micro blocks, transaction bytes, the address index, the summary
    /// builder's index, per-height counters, and the balance history and transaction counts
    /// older than `retain_blocks` below the pruned height (but the latest entry of each
    /// address, so balances at the heights still queried answer exactly). Transaction ids stay
    /// for replay protection until no new block can take the transaction
    /// ([`forget_tx_ids`](Self::forget_tx_ids)).
    ///
    /// The generating balance and the raffle's transaction counts look `gen_depth` blocks back
    /// from a tip at or above the finalized height: they stay exact on a pruned node as long
    /// as `gen_depth <= retain_blocks`, as in every preset.
    fn finalize_and_prune(&self, b: &mut UndoBatch<'_, S>, h: Height) -> Result<(), ChainError> {
        let old_final = self.finalized_height()?;
        let new_final = self.config.finality_for(h).max(old_final);
        if new_final > old_final {
            b.put_untracked(
                Column::Meta,
                keys::META_FINAL.to_vec(),
                key_u32(new_final.0).to_vec(),
            );
        }
        let limit = new_final
            .0
            .min(h.0.saturating_sub(self.config.retain_blocks.saturating_add(1)));
        let old_pruned = self.pruned_height()?.0;
        let mut done = old_pruned;
        let mut pruned_txs = PrunedTxs::new();
        // A bounded amount of work per block; a backlog is caught up over the next blocks.
        for _ in 0..4 {
            let p = done.saturating_add(1);
            if p > limit || p == done {
                break;
            }
            let txs = self.prune_height(b, Height(p))?;
            if !txs.is_empty() {
                pruned_txs.insert(p, txs);
            }
            done = p;
        }
        if done > old_pruned {
            b.put_untracked(
                Column::Meta,
                keys::META_PRUNED.to_vec(),
                key_u32(done).to_vec(),
            );
        }
        if !self.config.history {
            self.forget_tx_ids(b, new_final, Height(done), old_pruned, pruned_txs)?;
        }
        Ok(())
    }

    /// Deletes what block `p` wrote that a pruned node no longer needs (see
    /// [`finalize_and_prune`](Self::finalize_and_prune)). Returns the ids of its transactions
    /// with the head of their records (height, micro block, position), which replay
    /// protection still needs for a while.
    fn prune_height(
        &self,
        b: &mut UndoBatch<'_, S>,
        p: Height,
    ) -> Result<Vec<(TxId, Vec<u8>)>, ChainError> {
        let undo = self.store.scan_prefix(Column::Undo, &key_u32(p.0), None)?;
        for (k, _) in &undo {
            b.delete_untracked(Column::Undo, k.clone());
        }
        if self.config.history || p.0 <= 1 {
            return Ok(Vec::new());
        }
        // Keep the kept micro blocks' ids: they link this block's key block to the next
        // key block's parent (fast sync checks the header chain with them).
        let ids = self.micro_ids(p)?;
        b.put_untracked(
            Column::Meta,
            keys::micro_ids(p),
            ids.iter().flat_map(|i| i.0).collect(),
        );
        let mut txs = Vec::new();
        for (k, v) in self.store.scan_prefix(Column::Micro, &key_u32(p.0), None)? {
            let micro = MicroBlock::from_bytes(&v, self.config.chain_id)?;
            for tx in &micro.transactions {
                let id = tx.id();
                if let Some(rec) = self.store.get(Column::Txs, &id.0)? {
                    let head = rec.get(..8).ok_or(ChainError::Corrupt("tx record"))?;
                    txs.push((id, head.to_vec()));
                }
            }
            b.delete_untracked(Column::Micro, k);
        }
        // The undo records list every key the block's units wrote: its address index
        // entries go, and the cumulative transaction counts it wrote are compacted.
        let bound = p.0.saturating_sub(self.config.retain_blocks);
        let mut counts = std::collections::BTreeSet::new();
        for (_, record) in &undo {
            for e in decode_undo(record).ok_or(ChainError::Corrupt("undo record"))? {
                match e.column {
                    Column::TxIndex => b.delete_untracked(Column::TxIndex, e.key),
                    Column::Generators => {
                        // `prefix ‖ height`: the count's series is its prefix.
                        let series = e.key.len().checked_sub(4).and_then(|n| e.key.get(..n));
                        if let Some(series) = series {
                            counts.insert(series.to_vec());
                        }
                    }
                    _ => {}
                }
            }
        }
        for series in counts {
            self.compact_series(b, Column::Generators, &series, bound)?;
        }
        // The addresses whose balance changed at p (the summary builder's index, whose
        // summary is stored by now): their balance history is compacted.
        let prefix = keys::touched_prefix(p);
        let mut touched = std::collections::BTreeSet::new();
        for (k, _) in self.store.scan_prefix(Column::Summaries, &prefix, None)? {
            if let Some(a) = k.get(prefix.len().saturating_add(2)..) {
                touched.insert(a.to_vec());
            }
            b.delete_untracked(Column::Summaries, k);
        }
        for a in touched {
            self.compact_series(b, Column::BalanceHistory, &a, bound)?;
        }
        // Per-height counters: the anchor positions of p, and the fees carried by p - 1
        // (those of p stay: the next summary starts from them).
        b.delete_untracked(Column::Meta, keys::anchor_count(p));
        b.delete_untracked(Column::Meta, keys::carry(Height(p.0.saturating_sub(1))));
        Ok(txs)
    }

    /// Deletes the entries `series ‖ height` of `col` (balance history, cumulative counts) at
    /// heights up to `bound`, but the latest of them: every value at a height from `bound`
    /// up stays readable. At most [`COMPACT_PER_SERIES`] entries per call; what an older
    /// database holds beyond that goes on later calls.
    fn compact_series(
        &self,
        b: &mut UndoBatch<'_, S>,
        col: Column,
        series: &[u8],
        bound: u32,
    ) -> Result<(), ChainError> {
        if bound == 0 {
            return Ok(());
        }
        let to = concat(&[series, &key_u32(bound.saturating_add(1))]);
        let rows = self.store.scan_range(
            col,
            series,
            Some(&to),
            true,
            Some(COMPACT_PER_SERIES.saturating_add(1)),
        )?;
        for (k, _) in rows.into_iter().skip(1) {
            b.delete_untracked(col, k);
        }
        Ok(())
    }

    /// Replay protection after pruning. A transaction of block `q` has a timestamp of at most
    /// `ts(q) + max_tx_future_ms`; a block above the finalized height `f` (no rollback goes
    /// below it, and timestamps rise along the chain) takes none older than
    /// `ts(f) - max_tx_past_ms`. So once `ts(q) + max_tx_future_ms + max_tx_past_ms < ts(f)`
    /// no block can take a transaction of `q` again, and its id is forgotten. The ids of
    /// pruned heights not that old yet wait in a per-height list and are forgotten by later
    /// key blocks, in height order (cursor [`keys::META_TX_IDS_FORGOTTEN`]).
    fn forget_tx_ids(
        &self,
        b: &mut UndoBatch<'_, S>,
        fin: Height,
        pruned: Height,
        start: u32,
        mut fresh: PrunedTxs,
    ) -> Result<(), ChainError> {
        let stored = self
            .store
            .get(Column::Meta, keys::META_TX_IDS_FORGOTTEN)?
            .as_deref()
            .and_then(crate::store::parse_u32);
        // Absent: nothing was pruned with lists yet (a new, older or fast-synced database).
        let mut cursor = stored.unwrap_or(start);
        let horizon = match fin.0 {
            0 => None,
            _ => self.header_at(fin)?.map(|h| h.timestamp.0),
        };
        let window = self
            .config
            .max_tx_future_ms
            .saturating_add(self.config.max_tx_past_ms);
        if let Some(horizon) = horizon {
            for _ in 0..FORGET_PER_BLOCK {
                let q = cursor.saturating_add(1);
                if q > pruned.0 || q == cursor {
                    break;
                }
                let ts = self
                    .header_at(Height(q))?
                    .ok_or(ChainError::Corrupt("pruned header"))?
                    .timestamp
                    .0;
                if ts.saturating_add(window) >= horizon {
                    break;
                }
                if let Some(txs) = fresh.remove(&q) {
                    for (id, _) in txs {
                        b.delete_untracked(Column::Txs, id.0.to_vec());
                    }
                } else {
                    let key = keys::tx_ids(Height(q));
                    if let Some(list) = self.store.get(Column::Meta, &key)? {
                        let ids = list.chunks_exact(32);
                        if !ids.remainder().is_empty() {
                            return Err(ChainError::Corrupt("pruned transaction ids"));
                        }
                        for id in ids {
                            b.delete_untracked(Column::Txs, id.to_vec());
                        }
                        b.delete_untracked(Column::Meta, key);
                    }
                }
                cursor = q;
            }
        }
        // Stored once it matters: when it moves, or when lists start waiting on it.
        if stored != Some(cursor) && (stored.is_some() || cursor != start || !fresh.is_empty()) {
            b.put_untracked(
                Column::Meta,
                keys::META_TX_IDS_FORGOTTEN.to_vec(),
                key_u32(cursor).to_vec(),
            );
        }
        // The rest keep their id and height until they are old enough.
        for (p, txs) in fresh {
            let mut list = Vec::with_capacity(txs.len().saturating_mul(32));
            for (id, head) in txs {
                list.extend_from_slice(&id.0);
                b.put_untracked(Column::Txs, id.0.to_vec(), head);
            }
            b.put_untracked(Column::Meta, keys::tx_ids(Height(p)), list);
        }
        Ok(())
    }

    /// After a fast sync: records the ids of the transactions of blocks `first..=B` just
    /// below the snapshot boundary B, as pruning keeps them (id and record head), so that
    /// replay protection refuses them in the blocks after B while their timestamps still
    /// fit; they are forgotten like any pruned ids. `txs` lists `(height, micro seq, index,
    /// id)`; every height must be in `first..=B`.
    pub fn remember_pruned_tx_ids(
        &self,
        first: Height,
        txs: &[(Height, u16, u16, TxId)],
    ) -> Result<(), ChainError> {
        let b = self
            .snapshot_height()?
            .ok_or(ChainError::Corrupt("not a fast-synced chain"))?;
        if first.0 == 0 || first > b || txs.iter().any(|t| t.0 < first || t.0 > b) {
            return Err(ChainError::Corrupt("transaction ids outside the snapshot"));
        }
        let mut batch = crate::store::WriteBatch::new();
        let mut lists: std::collections::BTreeMap<u32, Vec<u8>> = Default::default();
        for (h, seq, index, id) in txs {
            if self.store.get(Column::Txs, &id.0)?.is_some() {
                // A summary's transaction, bootstrapped in full: it stays.
                continue;
            }
            let mut head = key_u32(h.0).to_vec();
            head.extend_from_slice(&seq.to_be_bytes());
            head.extend_from_slice(&index.to_be_bytes());
            batch.put(Column::Txs, id.0.to_vec(), head);
            lists.entry(h.0).or_default().extend_from_slice(&id.0);
        }
        for (h, list) in lists {
            batch.put(Column::Meta, keys::tx_ids(Height(h)), list);
        }
        batch.put(
            Column::Meta,
            keys::META_TX_IDS_FORGOTTEN.to_vec(),
            key_u32(first.0 - 1).to_vec(),
        );
        self.store.write(batch)?;
        Ok(())
    }

    /// The ids of the micro blocks kept in block `h` (from the blocks, or from what pruning
    /// kept of them).
    pub fn micro_ids(&self, h: Height) -> Result<Vec<BlockId>, ChainError> {
        let micros = self.block_micro_blocks(h)?;
        if !micros.is_empty() {
            return Ok(micros.iter().map(MicroBlock::id).collect());
        }
        Ok(match self.store.get(Column::Meta, &keys::micro_ids(h))? {
            Some(b) => b
                .chunks_exact(32)
                .map(|c| {
                    let mut id = [0u8; 32];
                    id.copy_from_slice(c);
                    BlockId(id)
                })
                .collect(),
            None => Vec::new(),
        })
    }

    /// The commitments a key block must carry to close the current block with all its micro
    /// blocks (the summary hash left zero).
    pub fn next_commitments(&self) -> Result<Commitments, ChainError> {
        let tip = self.tip_ref()?;
        let kept = self.micro_blocks_at(tip.height, tip.micro_count)?;
        Ok(commitments_of(
            kept.iter().flat_map(|m| m.transactions.iter()),
        ))
    }

    fn revert_unit(&mut self, h: Height, seq: u16) -> Result<(), ChainError> {
        let unit = keys::unit(h, seq);
        let record = self
            .store
            .get(Column::Undo, &unit)?
            .ok_or(ChainError::Rollback {
                target: h.0,
                reason: "no undo record (pruned or never applied)",
            })?;
        let entries = decode_undo(&record).ok_or(ChainError::Corrupt("undo record"))?;
        self.store.write(revert_batch(&unit, &entries))?;
        Ok(())
    }

    /// Rolls back every unit above height `to` (the block at `to` keeps all its micro
    /// blocks). Returns the transactions of the reverted blocks, oldest first. Each unit is
    /// reverted in its own atomic batch, newest first, so a crash leaves a valid prefix.
    pub fn rollback_to(&mut self, to: Height) -> Result<Vec<Transaction>, ChainError> {
        if to.0 == 0 {
            return Err(ChainError::Rollback {
                target: 0,
                reason: "the genesis block cannot be rolled back",
            });
        }
        if to < self.finalized_height()? {
            return Err(ChainError::Rollback {
                target: to.0,
                reason: "below the finalized height (the second-to-last summary boundary)",
            });
        }
        let mut returned = Vec::new();
        while let Some(tip) = self.tip.clone() {
            if tip.height <= to {
                break;
            }
            for seq in (1..=tip.micro_count).rev() {
                if let Some(m) = self.micro_block(tip.height, seq)? {
                    returned.splice(0..0, m.transactions);
                }
                self.revert_unit(tip.height, seq)?;
            }
            self.revert_unit(tip.height, 0)?;
            self.reload_tip()?;
        }
        Ok(returned)
    }

    /// Drops the micro blocks of the current block after the total id `parent` (what a key
    /// block referencing `parent` keeps), returning their transactions. Call it before
    /// deriving anything the key block commits (the summary), then apply the key block.
    pub fn drop_unreferenced(&mut self, parent: &BlockId) -> Result<Vec<Transaction>, ChainError> {
        let tip = self.tip_ref()?.clone();
        let ids = self.total_ids(tip.height, &tip.header, tip.micro_count)?;
        let keep = ids
            .iter()
            .position(|id| id == parent)
            .ok_or(ChainError::UnknownParent(*parent))?;
        let keep = u16::try_from(keep).map_err(|_| ChainError::Corrupt("micro count"))?;
        self.rollback_micro_to(keep)
    }

    /// Rolls back the micro blocks of the current block after the first `keep` of them.
    pub fn rollback_micro_to(&mut self, keep: u16) -> Result<Vec<Transaction>, ChainError> {
        let tip = self.tip_ref()?.clone();
        let mut returned = Vec::new();
        for seq in (keep.saturating_add(1)..=tip.micro_count).rev() {
            if let Some(m) = self.micro_block(tip.height, seq)? {
                returned.splice(0..0, m.transactions);
            }
            self.revert_unit(tip.height, seq)?;
        }
        self.reload_tip()?;
        Ok(returned)
    }
}

/// The latest cumulative count at or below `key` (whose prefix is `prefix`).
fn cumulative<S: Store>(
    b: &UndoBatch<'_, S>,
    key: &[u8],
    prefix: &[u8],
) -> Result<u64, ChainError> {
    if let Some(v) = b.get(Column::Generators, key)? {
        return crate::store::parse_u64(&v).ok_or(ChainError::Corrupt("tx count"));
    }
    let mut end = key.to_vec();
    end.push(0);
    Ok(b.store()
        .last_in_range(Column::Generators, prefix, Some(&end))?
        .and_then(|(_, v)| crate::store::parse_u64(&v))
        .unwrap_or(0))
}

/// Writes the records of a diff (accounts with their balance history, leases and their
/// indexes, associations and their index, scripts, public keys).
/// Where a diff's records are written: an undo-recording batch for blocks, a plain batch
/// for a bootstrap into an empty store.
trait DiffSink {
    fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) -> Result<(), ChainError>;
    fn put_new(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>);
    fn delete(&mut self, col: Column, key: Vec<u8>) -> Result<(), ChainError>;
    /// The cumulative burned total at the latest height up to `h`.
    fn burned_before(&self, h: Height) -> Result<u64, ChainError>;
}

impl<S: Store> DiffSink for UndoBatch<'_, S> {
    fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) -> Result<(), ChainError> {
        Ok(UndoBatch::put(self, col, key, value)?)
    }
    fn put_new(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
        UndoBatch::put_new(self, col, key, value);
    }
    fn delete(&mut self, col: Column, key: Vec<u8>) -> Result<(), ChainError> {
        Ok(UndoBatch::delete(self, col, key)?)
    }
    fn burned_before(&self, h: Height) -> Result<u64, ChainError> {
        cumulative(self, &keys::burned(h), &keys::burned_prefix())
    }
}

impl DiffSink for crate::store::WriteBatch {
    fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) -> Result<(), ChainError> {
        crate::store::WriteBatch::put(self, col, key, value);
        Ok(())
    }
    fn put_new(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
        crate::store::WriteBatch::put(self, col, key, value);
    }
    fn delete(&mut self, col: Column, key: Vec<u8>) -> Result<(), ChainError> {
        crate::store::WriteBatch::delete(self, col, key);
        Ok(())
    }
    /// A plain batch bootstraps an empty store: nothing was burned before.
    fn burned_before(&self, _h: Height) -> Result<u64, ChainError> {
        Ok(0)
    }
}

fn write_diff(b: &mut impl DiffSink, h: Height, seq: u16, diff: &Diff) -> Result<(), ChainError> {
    for (a, acc) in &diff.accounts {
        b.put_new(Column::Summaries, keys::touched(h, seq, a), Vec::new());
        b.put(Column::Accounts, a.as_bytes().to_vec(), acc.encode())?;
        let mut v = Writer::new();
        v.u64(acc.regular).u64(acc.effective());
        b.put(
            Column::BalanceHistory,
            keys::balance_history(a, h),
            v.into_bytes(),
        )?;
    }
    for (id, l) in &diff.leases {
        b.put(Column::Leases, keys::lease(id), l.encode())?;
        if l.is_active() {
            b.put(Column::Leases, keys::lease_out(&l.sender, id), Vec::new())?;
            b.put(Column::Leases, keys::lease_in(&l.recipient, id), Vec::new())?;
        } else {
            b.delete(Column::Leases, keys::lease_out(&l.sender, id))?;
            b.delete(Column::Leases, keys::lease_in(&l.recipient, id))?;
        }
    }
    for (k, a) in &diff.associations {
        let ek = k.encode();
        b.put(Column::Associations, keys::association(&ek), a.encode())?;
        b.put(
            Column::Associations,
            keys::association_in(&k.recipient, &ek),
            Vec::new(),
        )?;
    }
    for (a, s) in &diff.scripts {
        match s {
            Some(bytes) => b.put(Column::Scripts, keys::script(a), bytes.clone())?,
            None => b.delete(Column::Scripts, keys::script(a))?,
        }
    }
    for (a, pk) in &diff.public_keys {
        b.put(Column::Scripts, keys::public_key(a), pk.encode())?;
    }
    for ((a, key), value) in &diff.data {
        b.put(
            Column::AccountData,
            keys::data_entry(a, key),
            encode_data_value(value),
        )?;
    }
    for (a, list) in &diff.sponsors {
        if list.is_empty() {
            b.delete(Column::AccountData, keys::sponsors(a))?;
        } else {
            let bytes = list.iter().flat_map(|s| *s.as_bytes()).collect();
            b.put(Column::AccountData, keys::sponsors(a), bytes)?;
        }
    }
    for (a, c) in &diff.certificates {
        match c {
            Some(der) => b.put(Column::AccountData, keys::certificate(a), der.clone())?,
            None => b.delete(Column::AccountData, keys::certificate(a))?,
        }
    }
    for reg in &diff.registered_keys {
        b.put(
            Column::AccountData,
            keys::registered_key(&reg.account, reg.key.key_type.id(), &reg.key.public_key),
            reg.tx_id.0.to_vec(),
        )?;
    }
    if diff.burned > 0 {
        let total = b.burned_before(h)?.saturating_add(diff.burned);
        b.put(
            Column::Generators,
            keys::burned(h),
            total.to_be_bytes().to_vec(),
        )?;
    }
    Ok(())
}

/// A data value as stored: its type byte and value, as in a data entry's bytes.
pub fn encode_data_value(v: &crate::tx::DataValue) -> Vec<u8> {
    let mut w = Writer::new();
    crate::tx::codec::write_data_value(&mut w, v);
    w.into_bytes()
}

fn encode_proof(w: &mut Writer, p: &MerkleProof) {
    w.u64(p.index).u64(p.leaf_count);
    w.u8(u8::try_from(p.siblings.len()).unwrap_or(u8::MAX));
    for s in &p.siblings {
        w.raw(s);
    }
}

fn decode_proof(r: &mut Reader<'_>) -> Option<MerkleProof> {
    let index = u64::from_be_bytes(r.array().ok()?);
    let leaf_count = u64::from_be_bytes(r.array().ok()?);
    let n = r.u8().ok()?;
    let siblings = (0..n)
        .map(|_| r.array::<32>().ok())
        .collect::<Option<Vec<_>>>()?;
    Some(MerkleProof {
        index,
        leaf_count,
        siblings,
    })
}
