//! Answers to peers' sync requests (tip, headers, blocks, headers with micro-block ids,
//! summaries), read from a snapshot of the store: they never wait on the core.

use super::error::P2pError;
use crate::service::Reader;
use ltonode_core::serve;
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::{Height, Snapshots, Store};
use ltonode_network::message::{MAX_BLOCKS_PER_RESPONSE, MAX_HEADERS_PER_RESPONSE};
use ltonode_network::{SyncRequest, SyncResponse};

/// A `Blocks` response stays under this many bytes (the codec's cap is 16 MiB).
const BLOCKS_RESPONSE_BUDGET: usize = 12 * 1024 * 1024;

/// Answers a sync request from the reader (over one snapshot of the store): never waits on
/// the core.
pub(super) fn answer<S: Store + Clone + Snapshots>(
    reader: &Reader<S>,
    request: &SyncRequest,
) -> Result<SyncResponse, P2pError> {
    let snapshot = reader.snapshot();
    let cap = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    if let SyncRequest::Tip = request {
        // The tip and its score as the core published them together.
        let tip = snapshot.tip.as_ref().ok_or(ChainError::Empty)?;
        return Ok(SyncResponse::Tip {
            height: u64::from(tip.height.0),
            score: snapshot.score.0,
            tip_id: tip.total_id,
        });
    }
    let chain = reader.consistent_chain()?;
    Ok(match *request {
        SyncRequest::Tip => {
            let tip = chain.tip().ok_or(ChainError::Empty)?;
            SyncResponse::Tip {
                height: u64::from(tip.height.0),
                score: snapshot.score.0,
                tip_id: tip.total_id,
            }
        }
        SyncRequest::Headers { from, to } => {
            let headers =
                serve::headers(&chain, cap(from), cap(to), cap(MAX_HEADERS_PER_RESPONSE))?;
            SyncResponse::Headers(headers.iter().map(KeyBlockHeader::to_bytes).collect())
        }
        SyncRequest::Blocks { from, to } => {
            match serve::blocks(
                &chain,
                cap(from),
                cap(to),
                cap(MAX_BLOCKS_PER_RESPONSE),
                BLOCKS_RESPONSE_BUDGET,
            )? {
                Ok(blocks) => SyncResponse::Blocks(
                    blocks
                        .iter()
                        .map(|(h, ms)| {
                            (h.to_bytes(), ms.iter().map(MicroBlock::to_bytes).collect())
                        })
                        .collect(),
                ),
                Err(e) => SyncResponse::Error(e.to_string()),
            }
        }
        SyncRequest::SyncedHeaders { from, to } => {
            let height = u64::from(chain.height().0);
            let to = to
                .min(height)
                .min(from.saturating_add(MAX_HEADERS_PER_RESPONSE - 1));
            let mut headers = Vec::new();
            let mut bytes = 0usize;
            for h in from.max(1)..=to {
                let Some(header) = chain.header_at(height_of(h))? else {
                    break;
                };
                let ids = chain.micro_ids(height_of(h))?;
                let size = 400 + 32 * ids.len();
                if !headers.is_empty() && bytes.saturating_add(size) > BLOCKS_RESPONSE_BUDGET {
                    break;
                }
                bytes = bytes.saturating_add(size);
                headers.push((header.to_bytes(), ids));
            }
            SyncResponse::SyncedHeaders(headers)
        }
        SyncRequest::Summary { index } => {
            let n = u32::try_from(index).unwrap_or(u32::MAX);
            let bytes = chain
                .store()
                .get(
                    ltonode_ledger::store::Column::Summaries,
                    &ltonode_ledger::chain::keys::summary(n),
                )
                .map_err(ChainError::from)?
                .unwrap_or_default();
            if bytes.len() > ltonode_network::message::MAX_RESPONSE_BYTES - 16 {
                SyncResponse::Error("summary too large for one response".into())
            } else {
                SyncResponse::Summary(bytes)
            }
        }
        SyncRequest::Peers => SyncResponse::Error("peers are answered by the network".into()),
    })
}

fn height_of(h: u64) -> Height {
    Height(u32::try_from(h).unwrap_or(u32::MAX))
}
