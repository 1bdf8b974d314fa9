//! Peers on another chain id or genesis are refused at the handshake.

use std::time::Duration;

use ltonode_network::{GossipMessage, NetworkEvent};
use tokio::time::{Instant, sleep};

use crate::util::{CHAIN, GENESIS, config, next_gossip, shutdown, spawn};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_chain_or_genesis_is_banned() {
    let mut a = spawn(config(CHAIN, GENESIS, vec![])).await;
    for (chain, genesis) in [(b'L', GENESIS), (CHAIN, [8; 32])] {
        let mut x = spawn(config(chain, genesis, vec![a.addr.clone()])).await;
        // Whichever side reads the other's identify first bans it and closes the connection,
        // so the other side may never see the mismatch: one ban is enough, no connect allowed.
        let (a_id, x_id) = (a.id(), x.id());
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut banned = false;
        while Instant::now() < deadline {
            for (events, other) in [(&mut a.events, x_id), (&mut x.events, a_id)] {
                while let Ok(ev) = events.try_recv() {
                    match ev {
                        NetworkEvent::PeerBanned(p) if p == other => banned = true,
                        NetworkEvent::PeerConnected(p) => panic!("foreign peer {p} connected"),
                        _ => {}
                    }
                }
            }
            if banned {
                break;
            }
            sleep(Duration::from_millis(50)).await;
        }
        assert!(banned, "foreign peer not banned");
        sleep(Duration::from_millis(300)).await;
        assert!(a.handle.peers().await.unwrap().is_empty());
        assert!(x.handle.peers().await.unwrap().is_empty());
        // Nothing crosses: X has no peer on its topics.
        assert!(
            x.handle
                .publish(GossipMessage::Transaction(vec![1]))
                .await
                .is_err()
        );
        assert!(
            next_gossip(&mut a, Duration::from_millis(500))
                .await
                .is_none()
        );
        shutdown(&[&x]).await;
    }
    shutdown(&[&a]).await;
}
