//! Helpers: start a node on an ephemeral loopback port and wait for events with a deadline.

use std::time::Duration;

use ltonode_network::{
    GossipMessage, MessageId, Multiaddr, NetworkConfig, NetworkEvent, NetworkHandle, PeerId, start,
};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

/// Genesis id used by the tests.
pub const GENESIS: [u8; 32] = [7; 32];
/// Chain id used by the tests.
pub const CHAIN: u8 = b'T';

/// A running node and its event stream.
pub struct TestNode {
    pub handle: NetworkHandle,
    pub events: mpsc::Receiver<NetworkEvent>,
    /// Dialable address including `/p2p/<peer id>`.
    pub addr: Multiaddr,
}

impl TestNode {
    pub fn id(&self) -> PeerId {
        self.handle.local_peer_id()
    }
}

/// Test configuration: loopback, port 0, generous per-IP limit (all nodes share 127.0.0.1).
pub fn config(chain_id: u8, genesis_id: [u8; 32], bootstrap: Vec<Multiaddr>) -> NetworkConfig {
    let mut c = NetworkConfig::new(chain_id, genesis_id, 0);
    c.listen = "/ip4/127.0.0.1/tcp/0".parse().unwrap();
    c.bootstrap = bootstrap;
    c.max_per_ip = 32;
    c.ban_ms = 60_000;
    c.request_timeout = Duration::from_secs(2);
    c.peer_exchange = false;
    c
}

pub async fn spawn(config: NetworkConfig) -> TestNode {
    let (handle, events) = timeout(Duration::from_secs(10), start(config))
        .await
        .expect("start timed out")
        .expect("start failed");
    let addr = handle.listen_addrs().await.unwrap()[0]
        .clone()
        .with_p2p(handle.local_peer_id())
        .unwrap();
    TestNode {
        handle,
        events,
        addr,
    }
}

/// Waits up to `within` for an event matching `pick`, dropping the others.
pub async fn wait_for<T>(
    events: &mut mpsc::Receiver<NetworkEvent>,
    within: Duration,
    mut pick: impl FnMut(&NetworkEvent) -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match timeout(left, events.recv()).await {
            Ok(Some(ev)) => {
                if let Some(t) = pick(&ev) {
                    return Some(t);
                }
            }
            Ok(None) | Err(_) => return None,
        }
    }
}

/// Waits until `node` reports `peer` connected.
pub async fn wait_connected(node: &mut TestNode, peer: PeerId) {
    wait_all_connected(node, &[peer]).await;
}

/// Waits until `node` reports every one of `peers` connected (in any order).
pub async fn wait_all_connected(node: &mut TestNode, peers: &[PeerId]) {
    let mut missing: Vec<PeerId> = peers.to_vec();
    let found = wait_for(&mut node.events, Duration::from_secs(10), |e| {
        if let NetworkEvent::PeerConnected(p) = e {
            missing.retain(|m| m != p);
        }
        missing.is_empty().then_some(())
    })
    .await;
    assert!(
        found.is_some(),
        "{} never saw all of {peers:?} connect",
        node.id()
    );
}

/// Waits for the next gossip event.
pub async fn next_gossip(
    node: &mut TestNode,
    within: Duration,
) -> Option<(MessageId, PeerId, GossipMessage)> {
    wait_for(&mut node.events, within, |e| match e {
        NetworkEvent::Gossip {
            msg_id,
            source,
            message,
        } => Some((msg_id.clone(), *source, message.clone())),
        _ => None,
    })
    .await
}

/// Publishes, retrying while the mesh forms (no peers on the topic yet).
pub async fn publish_retry(handle: &NetworkHandle, message: GossipMessage) -> MessageId {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match handle.publish(message.clone()).await {
            Ok(id) => return id,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("publish never succeeded: {e}"),
        }
    }
}

pub async fn shutdown(nodes: &[&TestNode]) {
    for n in nodes {
        n.handle.shutdown().await;
    }
}
