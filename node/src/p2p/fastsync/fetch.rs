//! Fetching headers and summaries from several peers at once: [`IN_FLIGHT`] requests under way,
//! each request tried on the peers in turn, and a record of who served what ([`Sources`]) so
//! the peer whose data fails the check can be penalised.

use super::progress::progress;
use crate::p2p::bridge::Bridge;
use crate::p2p::error::P2pError;
use ltonode_ledger::Store;
use ltonode_network::{NetworkHandle, PeerId, Penalty, SyncRequest, SyncResponse};
use std::collections::BTreeMap;
use std::time::Instant;
use tokio::task::JoinSet;

/// Requests under way at once.
pub(super) const IN_FLIGHT: usize = 4;
/// Tries of one request (on different peers) before the fast sync gives up for this round.
pub(super) const TRIES: usize = 3;

/// Which peer served which headers and summaries, to penalise the one whose data fails.
#[derive(Default)]
pub(super) struct Sources {
    /// Every header answer.
    pub(super) headers: Vec<HeaderSource>,
    /// The peer of every summary, by index.
    pub(super) summaries: BTreeMap<u64, PeerId>,
}

/// The peer that served the headers `from..=to`.
pub(super) struct HeaderSource {
    pub(super) from: u64,
    pub(super) to: u64,
    pub(super) peer: PeerId,
}

impl Sources {
    /// The peer whose data made the check fail, if one can be named.
    pub(super) fn culprit(&self, e: &ltonode_summary::FastSyncError) -> Option<PeerId> {
        use ltonode_summary::FastSyncError as E;
        let header_source = |h: u64| {
            self.headers
                .iter()
                .find(|s| (s.from..=s.to).contains(&h))
                .map(|s| s.peer)
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

/// The headers of one answer, with their kept micro-block ids.
pub(super) type HeaderChunk = Vec<ltonode_network::message::SyncedHeaderBytes>;

/// Fetches every header chunk (`SyncedHeaders`), [`IN_FLIGHT`] at a time, each from the peers in turn; a short
/// answer is completed by asking again from where it stopped. Returns the chunks by their
/// first height (a chunk missing after [`TRIES`] is left out).
pub(super) async fn fetch_all<S: Store>(
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
                sources.headers.push(HeaderSource {
                    from,
                    to: from + got - 1,
                    peer,
                });
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
pub(super) fn merge_continuations(
    chunks: BTreeMap<u64, HeaderChunk>,
) -> BTreeMap<u64, HeaderChunk> {
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
pub(super) async fn fetch_summaries<S: Store>(
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
