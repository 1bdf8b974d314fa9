//! Gossip out: the publisher drains the core's outbox onto the network and keeps the
//! transactions no peer took yet for a later try.

use crate::service::Outgoing;
use ltonode_network::{GossipMessage, NetworkError, NetworkHandle};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Most transactions kept for a later publish when no peer listened.
const BACKLOG_TXS: usize = 10_000;
/// How often the kept transactions are tried again.
const BACKLOG_RETRY: Duration = Duration::from_secs(2);
/// How long a kept transaction is tried (past LTO's transaction window it is dead anyway).
const BACKLOG_KEEP: Duration = Duration::from_secs(3 * 60 * 60);

/// A transaction no peer took yet, kept for a later publish.
struct KeptTx {
    /// When it was first published.
    since: Instant,
    /// Its wire bytes.
    bytes: Vec<u8>,
}

/// Publishes what the core posts. A transaction that found no peer to tell (a client's
/// broadcast before any peer connected, or before gossip's mesh formed) is kept, up to
/// [`BACKLOG_TXS`], and published again when a peer connects and every [`BACKLOG_RETRY`].
pub(super) async fn publish_outbox(
    net: NetworkHandle,
    mut outbox: mpsc::Receiver<Outgoing>,
    mut connected: tokio::sync::watch::Receiver<u64>,
) {
    let mut backlog: VecDeque<KeptTx> = VecDeque::new();
    loop {
        let item = tokio::select! {
            item = outbox.recv() => match item {
                Some(i) => i,
                None => return,
            },
            changed = connected.changed(), if !backlog.is_empty() => {
                if changed.is_err() {
                    return;
                }
                // Give the new peer a moment to join the topic.
                tokio::time::sleep(Duration::from_millis(500)).await;
                retry_backlog(&net, &mut backlog).await;
                continue;
            }
            _ = tokio::time::sleep(BACKLOG_RETRY), if !backlog.is_empty() => {
                retry_backlog(&net, &mut backlog).await;
                continue;
            }
        };
        let (what, message) = match item {
            Outgoing::KeyBlock(h) => ("key block", GossipMessage::KeyBlock(h.to_bytes())),
            Outgoing::MicroBlock(m) => ("micro block", GossipMessage::MicroBlock(m.to_bytes())),
            Outgoing::Transaction(t) => ("transaction", GossipMessage::Transaction(t.to_bytes())),
        };
        let kept = match &message {
            GossipMessage::Transaction(b) => Some(b.clone()),
            _ => None,
        };
        match net.publish(message).await {
            Ok(_) => tracing::trace!(what, "published"),
            Err(NetworkError::Stopped) => return,
            Err(e) => {
                tracing::debug!(what, error = %e, "not published");
                if let Some(b) = kept
                    && backlog.len() < BACKLOG_TXS
                {
                    backlog.push_back(KeptTx {
                        since: Instant::now(),
                        bytes: b,
                    });
                }
            }
        }
    }
}

/// Publishes the kept transactions again; those no peer takes yet stay (until too old).
async fn retry_backlog(net: &NetworkHandle, backlog: &mut VecDeque<KeptTx>) {
    let waiting: Vec<KeptTx> = backlog.drain(..).collect();
    let mut published = 0usize;
    for kept in waiting {
        if kept.since.elapsed() > BACKLOG_KEEP {
            continue;
        }
        match net
            .publish(GossipMessage::Transaction(kept.bytes.clone()))
            .await
        {
            Ok(_) => published += 1,
            Err(_) => backlog.push_back(kept),
        }
    }
    if published > 0 {
        tracing::debug!(
            published,
            waiting = backlog.len(),
            "published kept transactions"
        );
    }
}
