//! Block sync from peers over request-response: the network half of what the chain core
//! decides (`ltonode_core::serve` says whether to sync and finds the common ancestor; the
//! core applies the blocks).
//!
//! Every few seconds, and when gossip shows a block that does not connect, the node asks its
//! peers for their tip. If one scores strictly higher it asks that peer for its headers from
//! `max_rollback` below its own tip, finds the common ancestor by comparing header ids height
//! by height, then fetches full blocks from the ancestor in batches and hands each batch to
//! the core as an extension, which switches only on a strictly higher score within
//! `max_rollback`. When the session ends the core is told, so that a switch taken on the
//! peer's word that never outscored the node's own chain is undone. At an equal score with
//! the same tip block, it fetches that block to take the micro blocks it missed. A node that
//! starts with only the genesis block syncs to the tip this way.
//!
//! Forging: off until the first round has heard from a peer (or no peer answered for a
//! while, for a lone node), and off while a sync is under way, so the node does not forge on
//! a tip it is about to leave.

use super::bridge::{Bridge, penalty_of};
use super::error::P2pError;
use super::fastsync;
use crate::service::{HandleError, Origin, wall_clock};
use crate::sync_status::SyncStatus;
use ltonode_consensus::ChainScore;
use ltonode_core::serve::{self, PeerTip as CorePeerTip, SyncNeed};
use ltonode_core::{Action, Extension, Input, Reply};
use ltonode_ledger::block::{BlockId, KeyBlockHeader, MicroBlock};
use ltonode_ledger::{Height, Store};
use ltonode_network::message::MAX_BLOCKS_PER_RESPONSE;
use ltonode_network::{
    Multiaddr, NetworkError, NetworkHandle, PeerId, Penalty, SyncRequest, SyncResponse,
};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// How often the node asks its peers for their tips.
const SYNC_EVERY: Duration = Duration::from_secs(2);
/// A node whose peers never answer starts forging alone after this long.
const ALONE_AFTER: Duration = Duration::from_secs(10);
/// Most batches of blocks fetched in one round (the next round goes on).
const MAX_BATCHES: usize = 50;
/// A node this many blocks behind reports its block download as sync progress (logs,
/// `/node/status`, the status page).
const REPORT_BEHIND: u64 = 50;
/// Most peers ahead tried in one round when the best ones cannot serve the blocks.
const MAX_SOURCES: usize = 4;
/// Every this many rounds, configured peers that are not connected are dialled again (the
/// network itself redials only while it has no peers at all, so a restarted peer would stay
/// apart).
const REDIAL_ROUNDS: u32 = 5;

/// A peer's answer to `Tip`.
#[derive(Clone, Copy, Debug)]
struct PeerTip {
    peer: PeerId,
    height: u64,
    score: u128,
    tip_id: BlockId,
}

impl PeerTip {
    fn core(&self) -> CorePeerTip {
        CorePeerTip {
            height: u32::try_from(self.height).unwrap_or(u32::MAX),
            score: ChainScore(self.score),
            total_id: self.tip_id,
        }
    }
}

/// The local tip as sync sees it.
struct LocalTip {
    height: u32,
    score: u128,
    total_id: BlockId,
}

/// The sync task: a round every [`SYNC_EVERY`] and whenever `wake` says so.
pub(super) async fn run<S: Store + Clone + Send + 'static>(
    bridge: Bridge<S>,
    net: NetworkHandle,
    bootstrap: Vec<Multiaddr>,
    mut wake: mpsc::Receiver<Option<PeerId>>,
) {
    let started = Instant::now();
    let mut rounds = 0u32;
    let mut every = tokio::time::interval(SYNC_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            w = wake.recv() => if w.is_none() { return },
        }
        rounds = rounds.wrapping_add(1);
        if rounds.is_multiple_of(REDIAL_ROUNDS) {
            redial(&net, &bootstrap).await;
        }
        match round(&bridge, &net).await {
            Ok(answered) => {
                if (answered > 0 || started.elapsed() >= ALONE_AFTER)
                    && bridge.core.set_forging_enabled(true).await.is_err()
                {
                    return;
                }
            }
            Err(P2pError::Network(NetworkError::Stopped))
            | Err(P2pError::Core(HandleError::Stopped)) => return,
            Err(e) => tracing::warn!(error = %e, "sync round failed"),
        }
    }
}

/// Dials the configured peers that no connection goes to.
async fn redial(net: &NetworkHandle, bootstrap: &[Multiaddr]) {
    let Ok(peers) = net.peers().await else {
        return;
    };
    for addr in bootstrap {
        let connected = peers
            .iter()
            .any(|p| p.addrs.contains(addr) || p.listen_addrs.contains(addr));
        if !connected && let Err(e) = net.dial(addr.clone()).await {
            tracing::debug!(%addr, error = %e, "redial failed");
        }
    }
}

fn local_tip<S: Store + Clone>(bridge: &Bridge<S>) -> LocalTip {
    let snap = bridge.reader.snapshot();
    let (height, total_id) = snap
        .tip
        .as_ref()
        .map_or((0, BlockId([0; 32])), |t| (t.height.0, t.total_id));
    LocalTip {
        height,
        score: snap.score.0,
        total_id,
    }
}

/// One round: ask every peer for its tip, sync from the best one if it is ahead. Returns how
/// many peers answered.
async fn round<S: Store + Clone + Send + 'static>(
    bridge: &Bridge<S>,
    net: &NetworkHandle,
) -> Result<usize, P2pError> {
    let peers = net.peers().await?;
    let mut asks = JoinSet::new();
    for info in peers {
        let net = net.clone();
        asks.spawn(async move { (info.peer, net.request(info.peer, SyncRequest::Tip).await) });
    }
    let mut tips = Vec::new();
    while let Some(joined) = asks.join_next().await {
        match joined {
            Ok((
                peer,
                Ok(SyncResponse::Tip {
                    height,
                    score,
                    tip_id,
                }),
            )) => tips.push(PeerTip {
                peer,
                height,
                score,
                tip_id,
            }),
            Ok((peer, Ok(other))) => {
                tracing::debug!(%peer, response = ?std::mem::discriminant(&other), "odd tip answer");
            }
            Ok((peer, Err(e))) => tracing::debug!(%peer, error = %e, "no tip answer"),
            Err(e) => tracing::debug!(error = %e, "tip request task failed"),
        }
    }
    let answered = tips.len();
    let Some(best) = tips.iter().max_by_key(|t| t.score).copied() else {
        return Ok(0);
    };
    let local = local_tip(bridge);
    let need = {
        let snap = bridge.reader.snapshot();
        serve::sync_need(&bridge.reader.chain(), snap.score, &best.core())?
    };
    if need == SyncNeed::Ahead && fastsync::wanted(bridge, best.height) {
        // Peers at or past the best one's height, best first.
        let mut ranked: Vec<&PeerTip> = tips.iter().filter(|t| t.height >= best.height).collect();
        ranked.sort_by_key(|t| std::cmp::Reverse(t.score));
        let peers: Vec<PeerId> = ranked.iter().map(|t| t.peer).collect();
        bridge.core.set_forging_enabled(false).await?;
        let r = fastsync::run(bridge, net, &peers, best.height).await;
        bridge.core.set_forging_enabled(true).await?;
        r?.ok();
        return Ok(answered);
    }
    match need {
        SyncNeed::Ahead => {
            tracing::info!(
                peer = %best.peer,
                height = best.height,
                local_height = local.height,
                "a peer is ahead; syncing"
            );
            bridge.core.set_forging_enabled(false).await?;
            if best.height > u64::from(local.height).saturating_add(REPORT_BEHIND) {
                let target = u32::try_from(best.height).unwrap_or(u32::MAX);
                bridge.with_status(|s| {
                    if s.is_none() {
                        *s = Some(SyncStatus::blocks(local.height, target, Instant::now()));
                    }
                });
            }
            // The best peer first; if it cannot serve (a pruned peer asked for blocks it
            // dropped), the next one ahead, and so on.
            let mut ahead: Vec<PeerTip> = tips
                .iter()
                .filter(|t| t.score > local.score)
                .copied()
                .collect();
            ahead.sort_by_key(|t| std::cmp::Reverse(t.score));
            let mut r = Ok(());
            for peer in ahead.into_iter().take(MAX_SOURCES) {
                r = sync_from(bridge, net, peer, &local).await;
                // Whatever happened, the session with this peer is over.
                let ended = bridge.core.send(Input::SyncEnded).await?;
                if matches!(ended.reply, Reply::SyncEnded { restored: true }) {
                    tracing::warn!(peer = %peer.peer, "sync ended on a chain that does not outscore ours; restored our own");
                }
                if r.is_err() {
                    break;
                }
                if local_tip(bridge).total_id != local.total_id {
                    break;
                }
            }
            bridge.core.set_forging_enabled(true).await?;
            r?;
        }
        SyncNeed::MicroBlocks => {
            // Same score, a tip this node does not hold: most likely micro blocks it missed.
            fetch_and_apply(bridge, net, best, local.height).await?;
        }
        SyncNeed::None => {}
    }
    track_blocks_phase(bridge, &best)?;
    Ok(answered)
}

/// After a fast sync, the block download's progress (blocks since the boundary, out of the
/// best peer's height); the status is cleared once the node holds the best peer's tip (its
/// micro blocks included) or is past it.
fn track_blocks_phase<S: Store + Clone>(
    bridge: &Bridge<S>,
    best: &PeerTip,
) -> Result<(), P2pError> {
    let chain = bridge.reader.chain();
    let height = chain.height().0;
    let holds_tip = chain.locate(&best.tip_id)?.is_some();
    bridge.with_status(|status| {
        let Some(s) = status.as_mut() else {
            return;
        };
        let peer_height = u32::try_from(best.height).unwrap_or(u32::MAX);
        let target = peer_height.max(height);
        s.target_height = target;
        s.total = u64::from(target.saturating_sub(s.boundary));
        s.done = u64::from(height.saturating_sub(s.boundary));
        let now = Instant::now();
        s.log(now);
        if holds_tip || height > peer_height {
            tracing::info!(
                height,
                elapsed_secs = s.elapsed_secs(now),
                "fast sync complete: caught up with the peers"
            );
            *status = None;
        }
    });
    Ok(())
}

/// Finds the common ancestor with `remote` and applies its blocks from there.
async fn sync_from<S: Store + Clone + Send + 'static>(
    bridge: &Bridge<S>,
    net: &NetworkHandle,
    remote: PeerTip,
    local: &LocalTip,
) -> Result<(), P2pError> {
    let lo = serve::ancestor_search_from(Height(local.height), bridge.reader.params().max_rollback);
    let hi = u64::from(local.height).min(remote.height);
    if hi < u64::from(lo) {
        return Ok(());
    }
    let response = net
        .request(
            remote.peer,
            SyncRequest::Headers {
                from: u64::from(lo),
                to: hi,
            },
        )
        .await;
    let raw = match response {
        Ok(SyncResponse::Headers(h)) => h,
        Ok(_) => return Ok(()),
        Err(e) => {
            tracing::debug!(peer = %remote.peer, error = %e, "headers request failed");
            return Ok(());
        }
    };
    let mut headers = Vec::with_capacity(raw.len());
    for bytes in &raw {
        match KeyBlockHeader::from_bytes(bytes) {
            Ok(h) => headers.push(h),
            Err(_) => {
                net.penalize(remote.peer, Penalty::GarbageBytes).await?;
                return Ok(());
            }
        }
    }
    let ancestor = match serve::find_ancestor(&bridge.reader.chain(), &headers, lo)? {
        Ok(a) => a,
        Err(fault) => {
            net.penalize(remote.peer, penalty_of(fault)).await?;
            return Ok(());
        }
    };
    let Some(a) = ancestor else {
        tracing::warn!(
            peer = %remote.peer,
            height = local.height,
            "no common block within max_rollback; not switching"
        );
        return Ok(());
    };
    let mut from = a.0;
    for _ in 0..MAX_BATCHES {
        match fetch_and_apply(bridge, net, remote, from).await? {
            Some(Extension::Switched { .. }) => {
                let h = bridge.reader.snapshot().height().0;
                if u64::from(h) >= remote.height || h <= from {
                    break;
                }
                from = h;
            }
            _ => break,
        }
    }
    Ok(())
}

/// Fetches blocks `from..` (one batch) from `remote` and hands them to the core. `None` when
/// the peer gave nothing usable.
async fn fetch_and_apply<S: Store + Clone + Send + 'static>(
    bridge: &Bridge<S>,
    net: &NetworkHandle,
    remote: PeerTip,
    from: u32,
) -> Result<Option<Extension>, P2pError> {
    let from64 = u64::from(from);
    let to = remote
        .height
        .min(from64.saturating_add(MAX_BLOCKS_PER_RESPONSE - 1))
        .max(from64);
    let raw = match net
        .request(remote.peer, SyncRequest::Blocks { from: from64, to })
        .await
    {
        Ok(SyncResponse::Blocks(b)) => b,
        Ok(SyncResponse::Error(e)) => {
            tracing::debug!(peer = %remote.peer, from, reason = %e, "peer cannot serve these blocks");
            return Ok(None);
        }
        Ok(_) => return Ok(None),
        Err(e) => {
            tracing::debug!(peer = %remote.peer, error = %e, "blocks request failed");
            return Ok(None);
        }
    };
    let chain_id = bridge.reader.params().chain_id;
    let mut blocks = Vec::with_capacity(raw.len());
    for (header, micros) in &raw {
        let decoded = KeyBlockHeader::from_bytes(header).ok().and_then(|h| {
            let ms = micros
                .iter()
                .map(|m| MicroBlock::from_bytes(m, chain_id))
                .collect::<Result<Vec<_>, _>>()
                .ok()?;
            Some((h, ms))
        });
        let Some(block) = decoded else {
            net.penalize(remote.peer, Penalty::GarbageBytes).await?;
            return Ok(None);
        };
        blocks.push(block);
    }
    if let Err(fault) = serve::check_heights(&blocks, from) {
        net.penalize(remote.peer, penalty_of(fault)).await?;
        return Ok(None);
    }
    let Some((last, _)) = blocks.last() else {
        return Ok(None);
    };
    let more = u64::from(last.height.0) < remote.height;
    let origin = Origin {
        peer: remote.peer,
        msg: None,
    };
    let out = bridge
        .core
        .send(Input::Extension {
            from: origin,
            blocks,
            more,
            now: wall_clock(),
        })
        .await?;
    for action in &out.actions {
        if let Action::Penalize(from, fault) = action {
            net.penalize(from.peer, penalty_of(*fault)).await?;
        }
    }
    let Reply::Extension(outcome) = out.reply else {
        return Ok(None);
    };
    match &outcome {
        Extension::Switched {
            rolled_back,
            applied,
        } => tracing::info!(
            peer = %remote.peer,
            height = bridge.reader.snapshot().height().0,
            rolled_back,
            applied,
            "synced blocks from a peer"
        ),
        Extension::Refused(r) => {
            tracing::warn!(peer = %remote.peer, reason = %r, "synced block refused");
        }
        Extension::TooDeep => {
            tracing::warn!(peer = %remote.peer, "peer's chain forks deeper than max_rollback");
        }
        Extension::BelowFinality => {
            tracing::warn!(peer = %remote.peer, "peer's chain forks below the finalized height");
        }
        other => tracing::debug!(peer = %remote.peer, outcome = ?other, "sync batch"),
    }
    Ok(Some(outcome))
}
