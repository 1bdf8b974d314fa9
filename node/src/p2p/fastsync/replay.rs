//! Replay protection after a fast sync: the blocks just before the boundary are fetched and
//! checked so that the ids of their transactions are known here, and a transaction of theirs
//! cannot be included again after the boundary.

use super::fetch::TRIES;
use ltonode_ledger::Height;
use ltonode_ledger::block::{BlockId, KeyBlockHeader};
use ltonode_network::{NetworkHandle, PeerId, Penalty, SyncRequest, SyncResponse};

/// The first height at or below `b` whose transactions could still be replayed after `b`: a
/// transaction of block q has a timestamp of at most `ts(q) + max_tx_future`, and a block
/// after b takes only those no older than `ts(b) - max_tx_past`. Not below the previous
/// boundary, which is as far back as every peer keeps full blocks.
pub fn replay_window_start(plain: &[KeyBlockHeader], b: u32, period: u32, window: u64) -> u32 {
    let floor = b.saturating_sub(period).saturating_add(1).max(2);
    let Some(ts_b) = plain
        .get(b.saturating_sub(1) as usize)
        .map(|h| h.timestamp.0)
    else {
        return b;
    };
    let mut first = b;
    while first > floor {
        let Some(h) = plain.get(first.saturating_sub(2) as usize) else {
            break;
        };
        if h.timestamp.0.saturating_add(window) < ts_b {
            break;
        }
        first -= 1;
    }
    first
}

/// Fetches the blocks `first..=b` (checked against the verified headers and their kept
/// micro-block ids) and lists their transactions as `(height, seq, index, id)`. `None` if
/// no peer serves them all.
pub(super) async fn fetch_tx_ids(
    net: &NetworkHandle,
    peers: &[PeerId],
    plain: &[KeyBlockHeader],
    micro_ids: &[Vec<BlockId>],
    first: u32,
    b: u32,
    chain_id: ltonode_ledger::ChainId,
) -> Option<Vec<(Height, u16, u16, ltonode_ledger::tx::TxId)>> {
    use ltonode_ledger::block::MicroBlock;
    use ltonode_network::message::MAX_BLOCKS_PER_RESPONSE;
    let mut out = Vec::new();
    let mut next = u64::from(first);
    let last = u64::from(b);
    let mut tries = 0usize;
    while next <= last {
        let peer = *peers.get(tries % peers.len().max(1))?;
        let to = last.min(next + MAX_BLOCKS_PER_RESPONSE - 1);
        let blocks = match net
            .request(peer, SyncRequest::Blocks { from: next, to })
            .await
        {
            Ok(SyncResponse::Blocks(blocks)) if !blocks.is_empty() => blocks,
            _ => {
                tries += 1;
                if tries >= TRIES * peers.len().max(1) {
                    return None;
                }
                continue;
            }
        };
        for (header, micros) in blocks {
            let i = usize::try_from(next).ok()?.checked_sub(1)?;
            let (Some(expected), Some(ids)) = (plain.get(i), micro_ids.get(i)) else {
                return None;
            };
            let ok_header = KeyBlockHeader::from_bytes(&header)
                .is_ok_and(|h| h.height == expected.height && h.id() == expected.id());
            let decoded: Option<Vec<MicroBlock>> = micros
                .iter()
                .map(|m| MicroBlock::from_bytes(m, chain_id).ok())
                .collect();
            let Some(decoded) = decoded.filter(|d| {
                ok_header && d.len() == ids.len() && d.iter().zip(ids).all(|(m, id)| m.id() == *id)
            }) else {
                let _ = net.penalize(peer, Penalty::InvalidBlock).await;
                return None;
            };
            for (seq, m) in decoded.iter().enumerate() {
                for (index, tx) in m.transactions.iter().enumerate() {
                    out.push((
                        expected.height,
                        u16::try_from(seq + 1).ok()?,
                        u16::try_from(index).ok()?,
                        tx.id(),
                    ));
                }
            }
            next += 1;
            if next > last {
                break;
            }
        }
    }
    Some(out)
}
