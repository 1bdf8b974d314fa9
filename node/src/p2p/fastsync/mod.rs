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
//! Requests go to several peers in turn; up to [`IN_FLIGHT`] are under way at once. Progress,
//! with an ETA, goes to the log and to `GET /node/status` ([`SyncStatus`]).
//!
//! History nodes never fast-sync: they keep every transaction, so they replay every block.

use super::bridge::Bridge;
use super::error::P2pError;
use crate::sync_status::{SyncPhase, SyncStatus};
use ltonode_ledger::block::{BlockId, KeyBlockHeader};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::{Height, Store};
use ltonode_network::message::MAX_HEADERS_PER_RESPONSE;
use ltonode_network::{NetworkHandle, PeerId, Penalty, SyncRequest, SyncResponse};
use ltonode_summary::{SummaryBlock, SyncedHeader};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Requests under way at once.
const IN_FLIGHT: usize = 4;
/// Tries of one request (on different peers) before the fast sync gives up for this round.
const TRIES: usize = 3;
/// How often progress is logged.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// Why a fast sync stopped short (the node stays on its genesis block and tries again).
#[derive(Debug, thiserror::Error)]
pub enum FastSyncFailure {
    /// No peer answered a request usefully.
    #[error("no peer served {0}")]
    NotServed(String),
    /// What the peers served did not check out.
    #[error("refused: {0}")]
    Refused(#[from] ltonode_summary::FastSyncError),
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
pub fn boundary(peer_height: u64, period: u32) -> Option<(u32, u32)> {
    let p = u64::from(period);
    if p == 0 || peer_height <= p {
        return None;
    }
    let k = (peer_height - 1) / p;
    let k = u32::try_from(k).ok()?;
    Some((k, k.checked_mul(period)?))
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
    let Some((k, b)) = boundary(peer_height, period) else {
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
        (k, b),
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

fn set_status<S: Store>(shared: &Bridge<S>, status: Option<SyncStatus>) -> Result<(), P2pError> {
    shared.with_status(|s| *s = status);
    Ok(())
}

/// Updates the status's count and logs it every [`LOG_EVERY`].
fn progress<S: Store>(
    shared: &Bridge<S>,
    done: u64,
    last_log: &mut Instant,
) -> Result<(), P2pError> {
    shared.with_status(|status| {
        if let Some(s) = status.as_mut() {
            s.done = done;
            let now = Instant::now();
            if now.duration_since(*last_log) >= LOG_EVERY {
                s.log(now);
                *last_log = now;
            }
        }
    });
    Ok(())
}

fn enter<S: Store>(shared: &Bridge<S>, phase: SyncPhase, total: u64) -> Result<(), P2pError> {
    shared.with_status(|status| {
        if let Some(s) = status.as_mut() {
            s.enter(phase, total, Instant::now());
            s.log(Instant::now());
        }
    });
    Ok(())
}

/// Which peer served which headers and summaries, to penalise the one whose data fails.
#[derive(Default)]
struct Sources {
    /// `(first height, last height, peer)` of every header answer.
    headers: Vec<(u64, u64, PeerId)>,
    /// The peer of every summary.
    summaries: BTreeMap<u64, PeerId>,
}

impl Sources {
    fn culprit(&self, e: &ltonode_summary::FastSyncError) -> Option<PeerId> {
        use ltonode_summary::FastSyncError as E;
        let header_source = |h: u64| {
            self.headers
                .iter()
                .find(|(from, to, _)| (*from..=*to).contains(&h))
                .map(|(_, _, p)| *p)
        };
        match e {
            E::WrongGenesis { .. } => header_source(1),
            E::BadHeader { height, .. } => header_source(u64::from(*height)),
            E::BadSummary { index, .. } => self.summaries.get(&u64::from(*index)).copied(),
            // A sum over every summary, or the local chain: nobody in particular.
            E::BadBalance(_) | E::Chain(_) => None,
        }
    }
}

async fn fetch_and_bootstrap<S: Store + Clone + Send + 'static>(
    shared: &Bridge<S>,
    net: &NetworkHandle,
    peers: &[PeerId],
    sources: &mut Sources,
    (k, b): (u32, u32),
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

/// On the core's thread: empties the genesis-only chain, writes the state at the boundary
/// and what the node needs to serve fast sync in turn, in one batch. Returns the new height
/// and the transaction timestamp window.
async fn write_state<S: Store + Clone + Send + 'static>(
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
fn served_records(
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
async fn fetch_tx_ids(
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

fn bad_header(height: u64, reason: &str) -> FastSyncFailure {
    FastSyncFailure::Refused(ltonode_summary::FastSyncError::BadHeader {
        height: u32::try_from(height).unwrap_or(u32::MAX),
        reason: reason.to_string(),
    })
}

type HeaderChunk = Vec<ltonode_network::message::SyncedHeaderBytes>;

/// Fetches every header chunk (`SyncedHeaders`), [`IN_FLIGHT`] at a time, each from the peers in turn; a short
/// answer is completed by asking again from where it stopped. Returns the chunks by their
/// first height (a chunk missing after [`TRIES`] is left out).
async fn fetch_all<S: Store>(
    net: &NetworkHandle,
    peers: &[PeerId],
    chunks: Vec<(u64, u64)>,
    sources: &mut Sources,
    shared: &Bridge<S>,
    last_log: &mut Instant,
) -> Result<BTreeMap<u64, HeaderChunk>, P2pError> {
    let mut out: BTreeMap<u64, HeaderChunk> = BTreeMap::new();
    let mut received = 0u64;
    let mut queue: std::collections::VecDeque<((u64, u64), usize)> =
        chunks.into_iter().map(|c| (c, 0)).collect();
    let mut tasks = JoinSet::new();
    loop {
        while tasks.len() < IN_FLIGHT
            && let Some(((from, to), tries)) = queue.pop_front()
        {
            let Some(peer) = peers.get(tries % peers.len().max(1)).copied() else {
                break;
            };
            let net = net.clone();
            let req = SyncRequest::SyncedHeaders { from, to };
            tasks.spawn(async move { ((from, to), tries, peer, net.request(peer, req).await) });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let Ok(((from, to), tries, peer, answer)) = joined else {
            continue;
        };
        match answer {
            Ok(SyncResponse::SyncedHeaders(h)) if !h.is_empty() => {
                let got = h.len() as u64;
                out.insert(from, h);
                sources.headers.push((from, from + got - 1, peer));
                received += got;
                progress(shared, received, last_log)?;
                if from + got <= to {
                    // A short answer (the responder's size budget): ask for the rest, which
                    // `merge_continuations` joins on.
                    queue.push_front(((from + got, to), 0));
                }
            }
            Ok(SyncResponse::Error(e)) if e == "busy" => {
                if tries + 1 < TRIES * peers.len().max(1) {
                    queue.push_back(((from, to), tries + 1));
                }
            }
            Ok(other) => {
                tracing::debug!(%peer, from, answer = ?std::mem::discriminant(&other), "fast sync: useless answer");
                if matches!(other, SyncResponse::Blocks(_) | SyncResponse::Tip { .. }) {
                    let _ = net.penalize(peer, Penalty::Unsolicited).await;
                }
                if tries + 1 < TRIES {
                    queue.push_back(((from, to), tries + 1));
                }
            }
            Err(e) => {
                tracing::debug!(%peer, from, error = %e, "fast sync: request failed");
                if tries + 1 < TRIES {
                    queue.push_back(((from, to), tries + 1));
                }
            }
        }
    }
    Ok(merge_continuations(out))
}

/// Joins chunks that continue each other (`a` ends right before `b` begins) into one entry
/// under the first one's height.
fn merge_continuations(chunks: BTreeMap<u64, HeaderChunk>) -> BTreeMap<u64, HeaderChunk> {
    let mut out: BTreeMap<u64, HeaderChunk> = BTreeMap::new();
    let mut open: Option<(u64, u64)> = None; // (first height of the entry, next height)
    for (from, h) in chunks {
        match open {
            Some((first, next)) if next == from => {
                let len = h.len() as u64;
                out.entry(first).or_default().extend(h);
                open = Some((first, next + len));
            }
            _ => {
                let len = h.len() as u64;
                out.insert(from, h);
                open = Some((from, from + len));
            }
        }
    }
    out
}

/// Fetches summaries `n` (each `(n, n)` in `wanted`), [`IN_FLIGHT`] at a time.
async fn fetch_summaries<S: Store>(
    net: &NetworkHandle,
    peers: &[PeerId],
    wanted: Vec<(u64, u64)>,
    sources: &mut Sources,
    shared: &Bridge<S>,
    last_log: &mut Instant,
) -> Result<BTreeMap<u64, Vec<u8>>, P2pError> {
    let mut out = BTreeMap::new();
    let mut queue: std::collections::VecDeque<(u64, usize)> =
        wanted.into_iter().map(|(n, _)| (n, 0)).collect();
    let mut tasks = JoinSet::new();
    loop {
        while tasks.len() < IN_FLIGHT
            && let Some((n, tries)) = queue.pop_front()
        {
            let Some(peer) = peers.get(tries % peers.len().max(1)).copied() else {
                break;
            };
            let net = net.clone();
            tasks.spawn(async move {
                let r = net.request(peer, SyncRequest::Summary { index: n }).await;
                (n, tries, peer, r)
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let Ok((n, tries, peer, answer)) = joined else {
            continue;
        };
        match answer {
            Ok(SyncResponse::Summary(bytes)) if !bytes.is_empty() => {
                out.insert(n, bytes);
                sources.summaries.insert(n, peer);
                progress(shared, out.len() as u64, last_log)?;
            }
            other => {
                if let Err(e) = &other {
                    tracing::debug!(%peer, summary = n, error = %e, "fast sync: summary request failed");
                }
                if tries + 1 < TRIES * peers.len().max(1) {
                    queue.push_back((n, tries + 1));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_is_the_last_one_a_header_commits() {
        assert_eq!(boundary(8, 8), None);
        assert_eq!(boundary(9, 8), Some((1, 8)));
        assert_eq!(boundary(16, 8), Some((1, 8)));
        assert_eq!(boundary(17, 8), Some((2, 16)));
        assert_eq!(boundary(525_601, 1440), Some((365, 525_600)));
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
        s.headers.push((1, 2000, a));
        s.headers.push((2001, 2500, b));
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
