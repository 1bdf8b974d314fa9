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

// Cumulative counters, carried fees and heights: no unchecked arithmetic in the chain.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod account_data;
mod apply;
mod bootstrap;
mod config;
mod error;
mod history;
pub mod keys;
mod prune;
mod query;
mod record_codec;
mod rollback;
mod state_hash;
pub mod undo;
mod view;
mod write;

pub use account_data::RegisteredKeyEntry;
pub use bootstrap::Snapshot;
pub use config::{AnchorIndex, ChainConfig};
pub use error::ChainError;
pub use query::{AnchorEntry, BalanceDetails, BalanceKind};
pub use record_codec::encode_data_value;

use crate::block::{BlockId, Commitments, KeyBlockHeader, MicroBlock, commitments_of};
use crate::hash::sha256;
use crate::keys::KeyPair;
use crate::store::{Column, Store, key_u32};
use crate::tx::ValidationContext;
use crate::tx::codec::{Reader, Writer};
use crate::units::{Height, Timestamp};

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

    /// The store the chain reads and writes.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The ledger rules the chain was opened with.
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
                self.header_at(Height(h.0.saturating_sub(1)))?
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
            self.history_root(u64::from(tip.height.0))?,
        ))
    }
}
