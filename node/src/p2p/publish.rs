//! Gossip out: the publisher drains the core's outbox onto the network and keeps the
//! transactions no peer took yet for a later try.

use super::tx_batch::BatchBuilder;
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

/// A batch of transactions no peer took yet, kept for a later publish.
struct KeptTx {
    /// When it was first published.
    since: Instant,
    /// The batch's encoding ([`super::tx_batch`]).
    bytes: Vec<u8>,
    /// How many transactions it holds.
    txs: usize,
}

/// Publishes what the core posts. The transactions waiting in the outbox at once go out as
/// one batch ([`super::tx_batch`]; nothing waits for more to come). A batch that found no
/// peer to tell (a client's broadcast before any peer connected, or before gossip's mesh
/// formed) is kept, up to [`BACKLOG_TXS`] transactions, and published again when a peer
/// connects and every [`BACKLOG_RETRY`].
pub(super) async fn publish_outbox(
    net: NetworkHandle,
    mut outbox: mpsc::Receiver<Outgoing>,
    mut connected: tokio::sync::watch::Receiver<u64>,
) {
    let mut backlog: VecDeque<KeptTx> = VecDeque::new();
    // An item read while filling a batch, published next.
    let mut next: Option<Outgoing> = None;
    loop {
        let item = match next.take() {
            Some(i) => i,
            None => tokio::select! {
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
            },
        };
        let (what, message, txs) = message_of(item, &mut outbox, &mut next);
        let kept = match &message {
            GossipMessage::Transaction(b) => Some(b.clone()),
            _ => None,
        };
        match net.publish(message).await {
            Ok(_) => tracing::trace!(what, txs, "published"),
            Err(NetworkError::Stopped) => return,
            Err(e) => {
                tracing::debug!(what, txs, error = %e, "not published");
                let waiting: usize = backlog.iter().map(|k| k.txs).sum();
                if let Some(b) = kept
                    && waiting + txs <= BACKLOG_TXS
                {
                    backlog.push_back(KeptTx {
                        since: Instant::now(),
                        bytes: b,
                        txs,
                    });
                }
            }
        }
    }
}

/// The gossip message of `item`: for a transaction, a batch of it and the transactions
/// waiting behind it in `outbox` (as many as fit; the first item that does not fit or is no
/// transaction is left in `next`). Returns what it is, the message and its transaction count.
fn message_of(
    item: Outgoing,
    outbox: &mut mpsc::Receiver<Outgoing>,
    next: &mut Option<Outgoing>,
) -> (&'static str, GossipMessage, usize) {
    match item {
        Outgoing::KeyBlock(h) => ("key block", GossipMessage::KeyBlock(h.to_bytes()), 0),
        Outgoing::MicroBlock(m) => ("micro block", GossipMessage::MicroBlock(m.to_bytes()), 0),
        Outgoing::Transaction(t) => {
            let mut batch = BatchBuilder::default();
            batch.push(t.to_bytes());
            let mut count = 1;
            while let Ok(item) = outbox.try_recv() {
                match item {
                    Outgoing::Transaction(t) => {
                        let bytes = t.to_bytes();
                        if !batch.fits(&bytes) {
                            *next = Some(Outgoing::Transaction(t));
                            break;
                        }
                        batch.push(bytes);
                        count += 1;
                    }
                    other => {
                        *next = Some(other);
                        break;
                    }
                }
            }
            (
                "transactions",
                GossipMessage::Transaction(batch.take()),
                count,
            )
        }
    }
}

/// Publishes the kept batches again; those no peer takes yet stay (until too old).
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
            Ok(_) => published += kept.txs,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p2p::tx_batch::{MAX_BATCH_TXS, decode, sample_anchor};
    use ltonode_ledger::tx::Transaction;
    use ltonode_ledger::{ChainId, KeyPair};

    fn tx(i: u32) -> Transaction {
        sample_anchor(i)
    }

    #[test]
    fn waiting_transactions_go_out_in_batches_and_in_order() {
        let (send, mut outbox) = mpsc::channel(2_000);
        let n = MAX_BATCH_TXS as u32 + 88;
        for i in 0..n {
            send.try_send(Outgoing::Transaction(tx(i))).unwrap();
        }
        let micro = ltonode_ledger::block::MicroBlock {
            version: 1,
            generator: KeyPair::from_seed_phrase("g", 0).public_key(),
            parent_total: ltonode_ledger::block::BlockId([1; 32]),
            transactions: vec![],
            signature: ltonode_ledger::Signature([0; 64]),
        };
        send.try_send(Outgoing::MicroBlock(micro)).unwrap();
        send.try_send(Outgoing::Transaction(tx(n))).unwrap();

        let mut next = None;
        let mut seen = Vec::new();
        let mut first = outbox.try_recv().ok();
        while let Some(item) = first.take() {
            let (what, message, count) = message_of(item, &mut outbox, &mut next);
            let txs = match &message {
                GossipMessage::Transaction(b) => decode(b, ChainId::TESTNET).unwrap(),
                _ => Vec::new(),
            };
            assert_eq!(txs.len(), count);
            seen.push((what, txs));
            first = next.take().or_else(|| outbox.try_recv().ok());
        }
        let shape: Vec<(&str, usize)> = seen.iter().map(|(w, t)| (*w, t.len())).collect();
        assert_eq!(
            shape,
            [
                ("transactions", MAX_BATCH_TXS),
                ("transactions", 88),
                ("micro block", 0),
                ("transactions", 1),
            ]
        );
        let order: Vec<Transaction> = seen.into_iter().flat_map(|(_, t)| t).collect();
        assert_eq!(order, (0..=n).map(tx).collect::<Vec<_>>());
    }
}
