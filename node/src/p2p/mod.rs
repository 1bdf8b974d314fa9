//! The bridge between the network service (`ltonode-network`) and the chain core: gossip in
//! (decode, verify transactions off the core, hand the batch to the core, report its verdicts
//! so only valid data is relayed, penalise senders of garbage and invalid blocks; `gossip.rs`),
//! gossip out (blocks this node forged and transactions it admitted, from the core's outbox;
//! `publish.rs`), answers to sync requests (tip, headers, blocks) from a reader (`serve.rs`),
//! and block sync from peers with a higher score (`sync.rs`, `fastsync/`). `setup.rs` builds
//! the network's configuration, `bridge.rs` holds what the tasks share.
//!
//! Shape: [`run`] starts the network and owns four tasks: the event loop (the only place that
//! reads network events), a publisher draining the outbox, the peer gauge and the sync task.
//! None of them holds the chain: what a block does to it is decided in the core
//! (`ltonode-core`), which they reach through its mailbox.

mod bridge;
mod error;
pub mod fastsync;
mod gossip;
mod publish;
mod serve;
mod setup;
mod sync;
pub mod tx_batch;

pub use bridge::{Bridge, penalty_of};
pub use error::P2pError;
pub use setup::{
    OUTBOX_CAPACITY, load_or_create_key, load_or_create_seed, network_config, outbox, parse_peer,
};

use crate::service::Outgoing;
use gossip::{EVENT_BATCH, EventLoop};
use ltonode_ledger::{Snapshots, Store};
use ltonode_network::{NetworkConfig, NetworkError, NetworkHandle};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Starts the network with `config` and bridges it to the core until `shutdown` completes.
/// `outbox` is the receiving half of the outbox the core publishes into.
pub async fn run<S: Store + Clone + Snapshots + Send + 'static>(
    bridge: Bridge<S>,
    config: NetworkConfig,
    outbox: mpsc::Receiver<Outgoing>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), P2pError> {
    let bootstrap = config.bootstrap.clone();
    let has_bootstrap = !bootstrap.is_empty();
    let (net, mut events) = ltonode_network::start(config).await?;
    if let Some(slot) = &bridge.network_slot {
        let _ = slot.set(net.clone());
    }
    // Until the first sync round, a node that has peers to ask does not forge on its
    // (possibly stale) tip.
    if has_bootstrap {
        bridge.core.set_forging_enabled(false).await?;
    }
    let (connected_tx, connected_rx) = tokio::sync::watch::channel(0u64);
    let publisher = tokio::spawn(publish::publish_outbox(net.clone(), outbox, connected_rx));
    let gauge = tokio::spawn(peer_gauge(bridge.metrics.clone(), net.clone()));
    let (sync_tx, sync_rx) = mpsc::channel(1);
    let syncer = tokio::spawn(sync::run(bridge.clone(), net.clone(), bootstrap, sync_rx));
    let mut events_loop = EventLoop {
        bridge,
        net: net.clone(),
        sync: sync_tx,
        connected: connected_tx,
    };
    tokio::pin!(shutdown);
    let result = loop {
        tokio::select! {
            _ = &mut shutdown => break Ok(()),
            ev = events.recv() => {
                let Some(first) = ev else { break Err(P2pError::Network(NetworkError::Stopped)) };
                let mut batch = vec![first];
                while batch.len() < EVENT_BATCH {
                    match events.try_recv() {
                        Ok(e) => batch.push(e),
                        Err(_) => break,
                    }
                }
                if let Err(e) = events_loop.on_events(batch).await {
                    break Err(e);
                }
            }
        }
    };
    publisher.abort();
    gauge.abort();
    syncer.abort();
    net.shutdown().await;
    result
}

/// Keeps the `ltonode_network_peers` gauge current.
async fn peer_gauge(metrics: Option<Arc<crate::metrics::Metrics>>, net: NetworkHandle) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let Ok(peers) = net.peers().await else {
            continue;
        };
        let count = i64::try_from(peers.len()).unwrap_or(i64::MAX);
        if let Some(m) = &metrics {
            m.peers.set(count);
        }
    }
}
