//! What a block supplies to the transactions it includes: its height, times, generator and
//! the rules that depend on the chain's parameters (lease unbonding, timestamp window, fee
//! split).

use crate::address::{Address, ChainId};
use crate::units::{Height, Timestamp};

/// How Waves-NG splits a transaction's fee: this share goes at once to the generator of the
/// block that includes the transaction, the rest to the generator of the next key block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSplit {
    /// The opener's share's numerator.
    pub numerator: u64,
    /// The opener's share's denominator.
    pub denominator: u64,
}

impl FeeSplit {
    /// LTO's: 40 % to the block's generator, 60 % to the next key block's.
    pub const LTO: FeeSplit = FeeSplit {
        numerator: 2,
        denominator: 5,
    };

    /// The opener's part of `fee`: `fee / denominator * numerator`, as LTO rounds it (0 for a
    /// zero denominator, never more than the fee).
    pub fn opener(self, fee: u64) -> u64 {
        fee.checked_div(self.denominator)
            .unwrap_or(0)
            .saturating_mul(self.numerator)
            .min(fee)
    }
}

/// What a block supplies to the transactions it includes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockContext {
    /// This chain's id.
    pub chain_id: ChainId,
    /// Height of the block.
    pub height: Height,
    /// Timestamp of its key block.
    pub timestamp: Timestamp,
    /// Timestamp of the previous key block.
    pub prev_timestamp: Timestamp,
    /// The generator of the block.
    pub generator: Address,
    /// Blocks a cancelled lease unbonds for.
    pub lease_unbonding: u32,
    /// How far after the block a transaction's timestamp may be (ms).
    pub max_tx_future_ms: u64,
    /// How far before the previous block a transaction's timestamp may be (ms).
    pub max_tx_past_ms: u64,
    /// How fees are split between this block's generator and the next key block's.
    pub fee_split: FeeSplit,
}
