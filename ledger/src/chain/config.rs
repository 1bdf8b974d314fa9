//! The ledger rules a [`Chain`](super::Chain) applies and keeps by (from the chain
//! parameters): timestamps, fees, summaries and finality, pruning and the anchor index.

use crate::address::{Address, ChainId};
use crate::state::FeeSplit;
use crate::tx::validate::FeeSchedule;
use crate::units::Height;
use std::collections::BTreeSet;

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
    pub fee_split: FeeSplit,
}

/// Which anchors a node indexes (docs/architecture.md). The index is what keeps an anchor's
/// receipt after its block's transactions are pruned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AnchorIndex {
    /// Every anchor (the default; history nodes always index everything they keep).
    #[default]
    All,
    /// Only anchors sent by these accounts (the operator's own).
    Own(BTreeSet<Address>),
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

    /// Whether the anchors of `tx` are indexed: [`AnchorIndex::covers`] of its sender, whose
    /// address is only derived when the answer depends on it.
    pub fn covers_sender_of(&self, tx: &crate::tx::Transaction) -> bool {
        match self {
            AnchorIndex::All => true,
            AnchorIndex::Own(set) => set.contains(&tx.sender_address()),
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
            fee_split: FeeSplit::LTO,
        }
    }

    /// The finalized height for a tip at `height`: the second-to-last summary boundary
    /// (docs/architecture.md), or 0 without summaries.
    pub fn finality_for(&self, height: Height) -> Height {
        match self.summary_period {
            0 => Height(0),
            p => Height(
                (height.0.checked_div(p).unwrap_or(0))
                    .saturating_sub(1)
                    .saturating_mul(p),
            ),
        }
    }
}
