//! What a node answers when a peer syncs from it, and how a syncing node reads the answers:
//! pure functions of the chain, shared by the node's network task and the simulation.

use crate::event::{Block, Fault};
use ltonode_consensus::ChainScore;
use ltonode_consensus::fork::should_switch;
use ltonode_ledger::block::{BlockId, KeyBlockHeader};
use ltonode_ledger::chain::{Chain, ChainError};
use ltonode_ledger::{Height, Store};

/// A peer's tip as it announces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerTip {
    /// The height of the peer's tip.
    pub height: u32,
    /// Its chain score.
    pub score: ChainScore,
    /// The total id of its last block (key block or last micro block).
    pub total_id: BlockId,
}

/// What a node should do about a peer's tip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncNeed {
    /// Nothing: the peer is not ahead.
    None,
    /// The peer scores higher: find the common ancestor and fetch its blocks.
    Ahead,
    /// Same score and height, another tip this node does not hold: most likely micro blocks
    /// it missed; fetch the tip block again.
    MicroBlocks,
}

/// Whether to sync from a peer whose tip is `peer`, given this node's chain and score.
pub fn sync_need<S: Store>(
    chain: &Chain<S>,
    score: ChainScore,
    peer: &PeerTip,
) -> Result<SyncNeed, ChainError> {
    let Some(tip) = chain.tip() else {
        return Ok(SyncNeed::Ahead);
    };
    if should_switch(score, peer.score) {
        return Ok(SyncNeed::Ahead);
    }
    if peer.score == score
        && peer.height == tip.height.0
        && peer.total_id != tip.total_id
        && chain.locate(&peer.total_id)?.is_none()
    {
        return Ok(SyncNeed::MicroBlocks);
    }
    Ok(SyncNeed::None)
}

/// The first height to ask a peer's headers from: `max_rollback` below the tip (a fork
/// deeper than that is never taken).
pub fn ancestor_search_from(local_height: Height, max_rollback: u32) -> u32 {
    local_height.0.saturating_sub(max_rollback).max(1)
}

/// Key block headers `from..=to`, at most `max` of them.
pub fn headers<S: Store>(
    chain: &Chain<S>,
    from: u32,
    to: u32,
    max: u32,
) -> Result<Vec<KeyBlockHeader>, ChainError> {
    let to = to
        .min(chain.height().0)
        .min(from.saturating_add(max.saturating_sub(1)));
    let mut out = Vec::new();
    for h in from.max(1)..=to {
        let Some(header) = chain.header_at(Height(h))? else {
            break;
        };
        out.push(header);
    }
    Ok(out)
}

/// Why blocks cannot be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServeError {
    /// Their transactions were pruned here (a key block without its micro blocks would not
    /// link to the next one); a history node serves them.
    #[error("blocks up to {0} are pruned on this node")]
    Pruned(u32),
}

/// Full blocks `from..=to`: at most `max`, and past the first, no more than `budget` bytes
/// of micro blocks.
pub fn blocks<S: Store>(
    chain: &Chain<S>,
    from: u32,
    to: u32,
    max: u32,
    budget: usize,
) -> Result<Result<Vec<Block>, ServeError>, ChainError> {
    let pruned = chain.pruned_height()?.0;
    if !chain.config().history && to > 1 && from <= pruned {
        return Ok(Err(ServeError::Pruned(pruned)));
    }
    let to = to
        .min(chain.height().0)
        .min(from.saturating_add(max.saturating_sub(1)));
    let mut out: Vec<Block> = Vec::new();
    let mut bytes = 0usize;
    for h in from.max(1)..=to {
        let Some(header) = chain.header_at(Height(h))? else {
            break;
        };
        let micros = chain.block_micro_blocks(Height(h))?;
        let size = micros
            .iter()
            .map(|m| {
                m.transactions
                    .iter()
                    .map(|t| t.to_bytes().len())
                    .sum::<usize>()
                    + 200
            })
            .sum::<usize>()
            + 256;
        if !out.is_empty() && bytes.saturating_add(size) > budget {
            break;
        }
        bytes = bytes.saturating_add(size);
        out.push((header, micros));
    }
    Ok(Ok(out))
}

/// The highest of `headers` (a peer's answer for heights `from..`) that the local chain
/// holds too, or the fault of a peer whose headers are not at the heights asked.
pub fn find_ancestor<S: Store>(
    chain: &Chain<S>,
    headers: &[KeyBlockHeader],
    from: u32,
) -> Result<Result<Option<Height>, Fault>, ChainError> {
    let mut ancestor = None;
    for (i, header) in headers.iter().enumerate() {
        let expected = from.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        if header.height.0 != expected {
            return Ok(Err(Fault::Unsolicited));
        }
        match chain.header_at(header.height)? {
            Some(h) if h.id() == header.id() => ancestor = Some(header.height),
            _ => break,
        }
    }
    Ok(Ok(ancestor))
}

/// Checks that a peer's blocks are at the heights asked (`from..`); the fault otherwise.
pub fn check_heights(blocks: &[Block], from: u32) -> Result<(), Fault> {
    for (i, (h, _)) in blocks.iter().enumerate() {
        let expected = from.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        if h.height.0 != expected {
            return Err(Fault::Unsolicited);
        }
    }
    Ok(())
}
