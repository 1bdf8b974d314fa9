//! Writing the state a fast sync built: the genesis-only chain is replaced, on the core's
//! thread, by the state at the boundary and the records this node needs to serve fast sync in
//! turn.

use super::failure::FastSyncFailure;
use crate::p2p::bridge::Bridge;
use crate::p2p::error::P2pError;
use ltonode_ledger::block::KeyBlockHeader;
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::{Height, Store};
use ltonode_summary::{SummaryBlock, SyncedHeader};

/// On the core's thread: empties the genesis-only chain, writes the state at the boundary
/// and what the node needs to serve fast sync in turn, in one batch. Returns the new height
/// and the transaction timestamp window.
pub(super) async fn write_state<S: Store + Clone + Send + 'static>(
    shared: &Bridge<S>,
    plain: Vec<KeyBlockHeader>,
    snapshot: ltonode_ledger::chain::Snapshot,
    served: ltonode_ledger::WriteBatch,
) -> Result<Result<(Height, u64), FastSyncFailure>, P2pError> {
    let genesis = shared.genesis.clone();
    let written = shared
        .core
        .run(move |core| {
            let window = core
                .params()
                .max_tx_future_ms
                .saturating_add(core.params().max_tx_past_ms);
            if core.chain().height().0 > 1 {
                // Blocks arrived meanwhile (gossip): keep them, the ordinary sync goes on.
                return Ok(Err(FastSyncFailure::NotServed(
                    "nothing: the chain moved on meanwhile".into(),
                )));
            }
            // Transactions admitted against the genesis state go: their senders may gossip
            // them again.
            core.replace_chain(|chain| {
                chain.reset_genesis_only()?;
                if let Err(e) = chain.bootstrap_with(&plain, &snapshot, served) {
                    // Put the genesis block back: the node must never be left without a
                    // chain.
                    chain.reset_genesis_only()?;
                    chain.init_genesis(
                        genesis.timestamp,
                        genesis.base_target,
                        genesis.transactions(),
                    )?;
                    return match e {
                        ChainError::Store(_) | ChainError::Corrupt(_) => Err(e),
                        other => Ok(Err(FastSyncFailure::Refused(other.into()))),
                    };
                }
                Ok(Ok((chain.height(), window)))
            })
        })
        .await?;
    Ok(written?)
}

/// What this node needs to serve a fast sync in turn: the summaries, and the kept micro-block
/// ids of every block up to B (a pruned node keeps them the same way), so the next fresh node
/// can check the NG linkage of the headers it gets from here.
pub(super) fn served_records(
    headers: &[SyncedHeader],
    summaries: &[SummaryBlock],
) -> ltonode_ledger::WriteBatch {
    use ltonode_ledger::chain::keys;
    let mut batch = ltonode_ledger::WriteBatch::new();
    let last = headers.len().saturating_sub(1);
    for h in headers.iter().take(last) {
        if !h.micro_ids.is_empty() {
            batch.put(
                ltonode_ledger::Column::Meta,
                keys::micro_ids(h.header.height),
                h.micro_ids.iter().flat_map(|i| i.0).collect::<Vec<u8>>(),
            );
        }
    }
    for s in summaries {
        batch.put(
            ltonode_ledger::Column::Summaries,
            keys::summary(s.index),
            s.to_bytes(),
        );
    }
    batch
}
