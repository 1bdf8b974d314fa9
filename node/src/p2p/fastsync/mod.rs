//! Fast sync over the network (see docs/architecture.md): a pruned node that holds
//! only its genesis block, finding a peer at least one summary period ahead, does not replay
//! every block. It
//! 1. fetches the key-block headers `1..=B+1` with the ids of the micro blocks each block
//!    kept (`SyncRequest::SyncedHeaders`), where `B = kP` is the peer's last summary boundary
//!    that a header already commits;
//! 2. fetches the summaries `1..=k` (`SyncRequest::Summary`);
//! 3. checks the header chain (signatures, heights, time, NG linkage from its own genesis) and
//!    each summary against the hash its key block commits, adds the summaries up and writes
//!    the state at B in one batch (`ltonode_summary` and `Chain::bootstrap`);
//! 4. leaves the blocks after B (the micro blocks of `B+1` first) to the ordinary block sync,
//!    which validates them like any other block. Just after B the balance-dependent part of
//!    the key-block check is skipped while its window reaches below B (see
//!    `ltonode_consensus::rules::balance_window_complete`).
//!
//! A pruned peer still has those blocks: it prunes only below the second-to-last boundary.
//! Requests go to several peers in turn; up to `fetch::IN_FLIGHT` are under way at once. Progress,
//! with an ETA, goes to the log and to `GET /node/status` ([`SyncStatus`]).
//!
//! History nodes never fast-sync: they keep every transaction, so they replay every block.

mod failure;
mod fetch;
mod progress;
mod replay;
mod state;

pub use failure::FastSyncFailure;
pub use replay::replay_window_start;

use crate::p2p::bridge::Bridge;
use crate::p2p::error::P2pError;
use crate::sync_status::{SyncPhase, SyncStatus};
use failure::bad_header;
use fetch::{Sources, fetch_all, fetch_summaries};
use ltonode_ledger::block::{BlockId, KeyBlockHeader};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::{Height, Store};
use ltonode_network::message::MAX_HEADERS_PER_RESPONSE;
use ltonode_network::{NetworkHandle, PeerId, Penalty};
use ltonode_summary::{SummaryBlock, SyncedHeader};
use progress::{enter, progress, set_status};
use replay::fetch_tx_ids;
use state::{served_records, write_state};
use std::time::Instant;

/// The summary boundary a fast sync builds its state at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Boundary {
    /// How many summaries lie below it (`k`).
    pub summaries: u32,
    /// Its height, `B = k * period`.
    pub height: u32,
}

/// Whether this node should fast-sync to a peer at `peer_height`: it is a pruned node holding
/// only its genesis block, and the peer's chain commits at least one summary.
pub(super) fn wanted<S: Store + Clone>(bridge: &Bridge<S>, peer_height: u64) -> bool {
    let p = u64::from(bridge.reader.params().summary_period);
    !bridge.reader.config().history
        && bridge.reader.snapshot().height().0 <= 1
        && p > 0
        && peer_height > p
}

/// The boundary a fast sync to a peer at `peer_height` builds its state at: the last `kP`
/// whose summary the key block `kP + 1` already commits.
pub fn boundary(peer_height: u64, period: u32) -> Option<Boundary> {
    let p = u64::from(period);
    if p == 0 || peer_height <= p {
        return None;
    }
    let k = (peer_height - 1) / p;
    let k = u32::try_from(k).ok()?;
    Some(Boundary {
        summaries: k,
        height: k.checked_mul(period)?,
    })
}

/// Runs a fast sync from `peers` (best first) to the boundary below `peer_height`. On
/// success the chain is at `B + 1` and the ordinary sync takes it on from there.
pub(super) async fn run<S: Store + Clone + Send + 'static>(
    shared: &Bridge<S>,
    net: &NetworkHandle,
    peers: &[PeerId],
    peer_height: u64,
) -> Result<Result<Height, FastSyncFailure>, P2pError> {
    let (period, chain_id, genesis_id) = {
        let genesis_id = shared
            .reader
            .chain()
            .header_at(Height(1))?
            .ok_or(ChainError::Empty)?
            .id();
        let params = shared.reader.params();
        (params.summary_period, params.chain_id, genesis_id)
    };
    let Some(Boundary {
        summaries: k,
        height: b,
    }) = boundary(peer_height, period)
    else {
        return Ok(Err(FastSyncFailure::NotServed("a summary".into())));
    };
    let target = u32::try_from(peer_height).unwrap_or(u32::MAX);
    let started = Instant::now();
    tracing::info!(
        boundary = b,
        summaries = k,
        peer_height,
        peers = peers.len(),
        "fast sync: building the state at the last summary boundary instead of replaying"
    );
    set_status(
        shared,
        Some(SyncStatus::start(b, target, u64::from(b) + 1, started)),
    )?;
    let mut sources = Sources::default();
    let result = fetch_and_bootstrap(
        shared,
        net,
        peers,
        &mut sources,
        Boundary {
            summaries: k,
            height: b,
        },
        chain_id,
        genesis_id,
    )
    .await;
    if let Ok(Err(FastSyncFailure::Refused(e))) = &result
        && let Some(peer) = sources.culprit(e)
    {
        tracing::warn!(%peer, error = %e, "fast sync: a peer served data that does not check out");
        let _ = net.penalize(peer, Penalty::InvalidBlock).await;
    }
    match &result {
        Ok(Ok(h)) => {
            shared.with_status(|status| {
                if let Some(s) = status.as_mut() {
                    s.enter(
                        SyncPhase::Blocks,
                        u64::from(target.saturating_sub(h.0)),
                        Instant::now(),
                    );
                }
            });
            tracing::info!(
                height = h.0,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "fast sync: state built at the boundary; fetching the blocks after it"
            );
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "fast sync failed; will try again");
            set_status(shared, None)?;
        }
        Err(_) => set_status(shared, None)?,
    }
    result
}

/// Steps 1 to 3 of the module docs against `peers`, to the boundary `B` with `k` summaries.
async fn fetch_and_bootstrap<S: Store + Clone + Send + 'static>(
    shared: &Bridge<S>,
    net: &NetworkHandle,
    peers: &[PeerId],
    sources: &mut Sources,
    Boundary {
        summaries: k,
        height: b,
    }: Boundary,
    chain_id: ltonode_ledger::ChainId,
    genesis_id: BlockId,
) -> Result<Result<Height, FastSyncFailure>, P2pError> {
    // 1. Headers 1..=B+1, in chunks.
    let last = u64::from(b) + 1;
    let chunks: Vec<(u64, u64)> = (1..=last)
        .step_by(MAX_HEADERS_PER_RESPONSE as usize)
        .map(|from| (from, (from + MAX_HEADERS_PER_RESPONSE - 1).min(last)))
        .collect();
    let mut headers: Vec<SyncedHeader> = Vec::with_capacity(last as usize);
    let mut last_log = Instant::now();
    let mut by_chunk = fetch_all(net, peers, chunks, sources, shared, &mut last_log).await?;
    let mut next = 1u64;
    while next <= last {
        let Some(raw) = by_chunk.remove(&next) else {
            return Ok(Err(FastSyncFailure::NotServed(format!(
                "headers from {next}"
            ))));
        };
        for (i, (bytes, micro_ids)) in raw.into_iter().enumerate() {
            let height = next + i as u64;
            let Ok(header) = KeyBlockHeader::from_bytes(&bytes) else {
                return Ok(Err(bad_header(height, "undecodable")));
            };
            if u64::from(header.height.0) != height {
                return Ok(Err(bad_header(height, "not at the height asked")));
            }
            headers.push(SyncedHeader { header, micro_ids });
        }
        next = headers.len() as u64 + 1;
        progress(shared, headers.len() as u64, &mut last_log)?;
    }
    headers.truncate(last as usize);

    // 2. Summaries 1..=k.
    enter(shared, SyncPhase::Summaries, u64::from(k))?;
    let wanted: Vec<(u64, u64)> = (1..=u64::from(k)).map(|n| (n, n)).collect();
    let mut raw = fetch_summaries(net, peers, wanted, sources, shared, &mut last_log).await?;
    let mut summaries = Vec::with_capacity(k as usize);
    for n in 1..=u64::from(k) {
        let Some(bytes) = raw.remove(&n) else {
            return Ok(Err(FastSyncFailure::NotServed(format!("summary {n}"))));
        };
        match SummaryBlock::from_bytes(&bytes, chain_id) {
            Ok(s) => summaries.push(s),
            Err(e) => {
                return Ok(Err(FastSyncFailure::Refused(
                    ltonode_summary::FastSyncError::BadSummary {
                        index: u32::try_from(n).unwrap_or(u32::MAX),
                        reason: e.to_string(),
                    },
                )));
            }
        }
    }

    // 3. Check and add up off the service lock, then write the state under it.
    enter(shared, SyncPhase::Applying, 1)?;
    let period = shared.reader.params().summary_period;
    let checked = tokio::task::spawn_blocking(move || {
        ltonode_summary::verify_header_chain(&headers, &genesis_id)?;
        let snapshot = ltonode_summary::snapshot_of(&headers, &summaries, period)?;
        let served = served_records(&headers, &summaries);
        let (plain, micro_ids): (Vec<KeyBlockHeader>, Vec<Vec<BlockId>>) =
            headers.into_iter().map(|h| (h.header, h.micro_ids)).unzip();
        Ok::<_, ltonode_summary::FastSyncError>((plain, micro_ids, snapshot, served))
    })
    .await;
    let (plain, micro_ids, snapshot, served) = match checked {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Ok(Err(e.into())),
        Err(e) => {
            return Ok(Err(FastSyncFailure::NotServed(format!(
                "a checkable chain ({e})"
            ))));
        }
    };
    let (height, window) = match write_state(shared, plain.clone(), snapshot, served).await? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let first = replay_window_start(&plain, b, period, window);
    match fetch_tx_ids(net, peers, &plain, &micro_ids, first, b, chain_id).await {
        Some(ids) => {
            let count = ids.len();
            shared
                .core
                .run(move |core| {
                    core.replace_chain(|chain| chain.remember_pruned_tx_ids(Height(first), &ids))
                })
                .await??;
            tracing::info!(
                from = first,
                to = b,
                transactions = count,
                "fast sync: ids of the last transactions before the boundary kept for replay protection"
            );
        }
        None => tracing::warn!(
            from = first,
            to = b,
            "fast sync: no peer served the blocks just before the boundary; their transactions \
             are not known here for replay protection"
        ),
    }
    Ok(Ok(height))
}

#[cfg(test)]
mod tests {
    use super::fetch::{HeaderSource, merge_continuations};
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_boundary_is_the_last_one_a_header_commits() {
        let at = |summaries, height| Some(Boundary { summaries, height });
        assert_eq!(boundary(8, 8), None);
        assert_eq!(boundary(9, 8), at(1, 8));
        assert_eq!(boundary(16, 8), at(1, 8));
        assert_eq!(boundary(17, 8), at(2, 16));
        assert_eq!(boundary(525_601, 1440), at(365, 525_600));
        assert_eq!(boundary(100, 0), None);
    }

    fn headers_at(timestamps: &[u64]) -> Vec<KeyBlockHeader> {
        use ltonode_ledger::Timestamp;
        timestamps
            .iter()
            .enumerate()
            .map(|(i, ts)| {
                KeyBlockHeader::unsigned(
                    Height(i as u32 + 1),
                    Timestamp(*ts),
                    BlockId([0; 32]),
                    100,
                )
            })
            .collect()
    }

    #[test]
    fn the_replay_window_reaches_back_by_time_but_not_past_one_period() {
        // Blocks a minute apart, B = 16, period 8.
        let hs = headers_at(&(0..17).map(|i| i * 60_000).collect::<Vec<_>>());
        // A 3.5-minute window: blocks whose timestamp + window >= ts(16) = 900 s, i.e.
        // ts >= 690 s: heights 13..=16 (ts 720 s..).
        assert_eq!(replay_window_start(&hs, 16, 8, 210_000), 13);
        // Exactly on the edge counts: ts(12) = 660 s + 240 s = 900 s.
        assert_eq!(replay_window_start(&hs, 16, 8, 240_000), 12);
        // A window longer than the period stops at the previous boundary + 1.
        assert_eq!(replay_window_start(&hs, 16, 8, 10 * 3_600_000), 9);
        // Never the genesis block.
        assert_eq!(replay_window_start(&hs, 8, 8, 10 * 3_600_000), 2);
    }

    #[test]
    fn the_peer_whose_data_fails_is_named() {
        use ltonode_summary::FastSyncError as E;
        let (a, b) = (PeerId::random(), PeerId::random());
        let mut s = Sources::default();
        s.headers.push(HeaderSource {
            from: 1,
            to: 2000,
            peer: a,
        });
        s.headers.push(HeaderSource {
            from: 2001,
            to: 2500,
            peer: b,
        });
        s.summaries.insert(1, b);
        let header = |height| E::BadHeader {
            height,
            reason: String::new(),
        };
        assert_eq!(s.culprit(&header(2000)), Some(a));
        assert_eq!(s.culprit(&header(2001)), Some(b));
        assert_eq!(s.culprit(&header(2501)), None);
        let genesis = E::WrongGenesis {
            expected: String::new(),
            found: String::new(),
        };
        assert_eq!(s.culprit(&genesis), Some(a));
        let summary = |index| E::BadSummary {
            index,
            reason: String::new(),
        };
        assert_eq!(s.culprit(&summary(1)), Some(b));
        assert_eq!(s.culprit(&summary(2)), None);
    }

    #[test]
    fn continuing_chunks_are_joined() {
        let h = |n: usize| vec![(vec![0u8], vec![]); n];
        let mut m = BTreeMap::new();
        m.insert(1, h(3));
        m.insert(4, h(2));
        m.insert(10, h(1));
        let j = merge_continuations(m);
        assert_eq!(j.len(), 2);
        assert_eq!(j[&1].len(), 5);
        assert_eq!(j[&10].len(), 1);
    }
}
