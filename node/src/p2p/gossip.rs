//! Gossip in and the network's events: gossip is decoded, its transactions verified off the
//! core in one batch, the batch handed to the core and its verdicts reported back, so only
//! valid data is relayed and senders of garbage or invalid blocks are penalised.

use super::bridge::{Bridge, penalty_of};
use super::error::P2pError;
use super::serve::answer;
use super::tx_batch;
use crate::service::{Origin, wall_clock};
use ltonode_core::{Action, Fault, GossipItem, Imported, Input, Reply};
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock};
use ltonode_ledger::tx::Transaction;
use ltonode_ledger::tx::validate::verify_batch;
use ltonode_ledger::{ChainId, Snapshots, Store};
use ltonode_network::{GossipMessage, MessageId, NetworkEvent, NetworkHandle, PeerId, Penalty};
use tokio::sync::mpsc;

/// Most gossip events handled under one lock of the service.
pub(super) const EVENT_BATCH: usize = 1024;

/// A decoded gossip payload (transactions not yet verified).
enum Payload {
    Txs(Vec<Transaction>),
    Micro(MicroBlock),
    Key(Box<KeyBlockHeader>),
}

/// The only reader of network events: gossip goes to the core, sync requests are answered,
/// new peers start a sync round.
pub(super) struct EventLoop<S: Store> {
    pub(super) bridge: Bridge<S>,
    pub(super) net: NetworkHandle,
    /// Asks the sync task for a round (with the peer to try first).
    pub(super) sync: mpsc::Sender<Option<PeerId>>,
    /// Counts peer connections, for the publisher's backlog.
    pub(super) connected: tokio::sync::watch::Sender<u64>,
}

impl<S: Store + Clone + Snapshots + Send + 'static> EventLoop<S> {
    /// Handles one batch of events; the gossip in it goes to the core together.
    pub(super) async fn on_events(&mut self, batch: Vec<NetworkEvent>) -> Result<(), P2pError> {
        let chain_id = self.bridge.reader.params().chain_id;
        let mut gossip = Vec::new();
        for ev in batch {
            match ev {
                NetworkEvent::Gossip {
                    msg_id,
                    source,
                    message,
                } => gossip.push((msg_id, source, message)),
                NetworkEvent::Request { id, peer, request } => {
                    let response = answer(&self.bridge.reader, &request)?;
                    if let Err(e) = self.net.respond(id, response).await {
                        tracing::debug!(%peer, error = %e, "could not answer a sync request");
                    }
                }
                NetworkEvent::PeerConnected(peer) => {
                    tracing::info!(%peer, "peer connected");
                    self.connected.send_modify(|n| *n = n.wrapping_add(1));
                    self.want_sync(Some(peer));
                }
                NetworkEvent::PeerDisconnected(peer) => tracing::info!(%peer, "peer disconnected"),
                NetworkEvent::PeerBanned(peer) => tracing::warn!(%peer, "peer banned"),
            }
        }
        if gossip.is_empty() {
            return Ok(());
        }
        let mut decoded = Vec::with_capacity(gossip.len());
        for (msg_id, source, message) in gossip {
            match decode(&message, chain_id) {
                Ok(p) => decoded.push((msg_id, source, p)),
                Err(reason) => {
                    tracing::debug!(peer = %source, %reason, "garbage gossip");
                    self.net
                        .report_validation(msg_id, source, false, Some(Penalty::GarbageBytes))
                        .await?;
                }
            }
        }
        self.import(decoded).await
    }

    /// Verifies the transactions of a gossip batch off the core (one batched signature check
    /// on a blocking thread), then hands the whole batch to the core and reports its
    /// verdicts to the network.
    async fn import(&self, decoded: Vec<(MessageId, PeerId, Payload)>) -> Result<(), P2pError> {
        let Some(ctx) = self.bridge.reader.snapshot().validation else {
            return Ok(());
        };
        let mut slots = Vec::with_capacity(decoded.len());
        let mut txs = Vec::new();
        for (msg_id, peer, payload) in decoded {
            let origin = Origin {
                peer,
                msg: Some(msg_id),
            };
            match payload {
                Payload::Txs(batch) => {
                    for tx in batch {
                        txs.push(tx);
                        slots.push((origin.clone(), None));
                    }
                }
                Payload::Key(h) => slots.push((origin, Some(GossipItem::KeyBlock(*h)))),
                Payload::Micro(m) => slots.push((origin, Some(GossipItem::MicroBlock(m)))),
            }
        }
        let mut verified = if txs.is_empty() {
            Vec::new().into_iter()
        } else {
            tokio::task::spawn_blocking(move || verify_batch(txs, &ctx))
                .await
                .map_err(|e| P2pError::Task(e.to_string()))?
                .into_iter()
        };
        let mut items = Vec::with_capacity(slots.len());
        for (origin, item) in slots {
            let item = match item {
                Some(i) => i,
                None => match verified.next() {
                    Some(r) => GossipItem::Transaction(r),
                    None => continue,
                },
            };
            items.push((origin, item));
        }
        let out = self
            .bridge
            .core
            .send(Input::Gossip {
                now: wall_clock(),
                items,
            })
            .await?;
        let mut sync_from = None;
        // One verdict per gossip message: a batch of transactions is relayed if any of them
        // was new and valid, and refused, with the first fault, if any of them was invalid.
        let mut verdicts: Vec<(MessageId, PeerId, bool, Option<Fault>)> = Vec::new();
        for action in out.actions {
            match action {
                Action::Verdict {
                    from,
                    accept,
                    fault,
                } => {
                    let Some(msg) = from.msg else { continue };
                    match verdicts.iter_mut().find(|(m, ..)| *m == msg) {
                        Some((_, _, a, f)) => {
                            *a |= accept;
                            *f = f.or(fault);
                        }
                        None => verdicts.push((msg, from.peer, accept, fault)),
                    }
                }
                Action::Penalize(from, fault) => {
                    self.net.penalize(from.peer, penalty_of(fault)).await?;
                }
                Action::Sync(from) => sync_from = Some(from.peer),
                _ => {}
            }
        }
        for (msg, peer, accept, fault) in verdicts {
            self.net
                .report_validation(msg, peer, accept && fault.is_none(), fault.map(penalty_of))
                .await?;
        }
        if let Reply::Gossiped(outcomes) = &out.reply {
            for o in outcomes {
                match o {
                    Imported::Applied | Imported::SiblingSwitched => {
                        tracing::debug!(outcome = ?o, "block from a peer");
                    }
                    Imported::Refused(r) => tracing::warn!(reason = %r, "block refused"),
                    _ => tracing::trace!(outcome = ?o, "block"),
                }
            }
        }
        if let Some(peer) = sync_from {
            self.want_sync(Some(peer));
        }
        Ok(())
    }

    /// Asks for a sync round.
    fn want_sync(&self, peer: Option<PeerId>) {
        // A round already queued covers this one.
        let _ = self.sync.try_send(peer);
    }
}

/// Decodes a gossip payload for `chain_id`; the error says why it is garbage.
fn decode(message: &GossipMessage, chain_id: ChainId) -> Result<Payload, String> {
    match message {
        GossipMessage::Transaction(b) => tx_batch::decode(b, chain_id).map(Payload::Txs),
        GossipMessage::MicroBlock(b) => MicroBlock::from_bytes(b, chain_id)
            .map(Payload::Micro)
            .map_err(|e| e.to_string()),
        GossipMessage::KeyBlock(b) => KeyBlockHeader::from_bytes(b)
            .map(|h| Payload::Key(Box::new(h)))
            .map_err(|e| e.to_string()),
    }
}
