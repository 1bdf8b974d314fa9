//! What simulated nodes say to each other.

use ltonode_consensus::ChainScore;
use ltonode_ledger::block::{BlockId, KeyBlockHeader, MicroBlock};
use ltonode_ledger::{Height, Transaction};

/// A block as sync sends it: the key block header and the micro blocks the sender kept.
pub type SyncBlock = ltonode_core::Block;

/// What one simulated node sends another over a simulated link.
#[derive(Clone, Debug)]
pub enum Message {
    /// A new key block.
    KeyBlock(Box<KeyBlockHeader>),
    /// A new micro block on the sender's current block.
    MicroBlock(MicroBlock),
    /// A transaction for the pool.
    Tx(Transaction),
    /// The sender's chain score and tip, announced periodically.
    Score {
        /// Cumulative chain score.
        score: ChainScore,
        /// The height of the sender's tip.
        height: Height,
        /// The total id of the tip (its last micro block, or its key block).
        total_id: BlockId,
    },
    /// Asks for the sender's blocks from `from_height` up to its tip.
    SyncRequest {
        /// The first height wanted (the requester's height minus `max_rollback`).
        from_height: Height,
    },
    /// The answer: consecutive blocks from the requested height.
    SyncResponse {
        /// The blocks, ascending.
        blocks: Vec<SyncBlock>,
        /// Whether the sender has blocks beyond these.
        more: bool,
    },
}
