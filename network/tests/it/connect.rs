//! Bootstrap and peer exchange: three nodes end up fully connected.

use std::time::Duration;

use tokio::time::{Instant, sleep};

use crate::util::{CHAIN, GENESIS, config, shutdown, spawn, wait_connected};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_connect_via_bootstrap_and_peer_exchange() {
    let mut a = spawn(config(CHAIN, GENESIS, vec![])).await;
    let mut cb = config(CHAIN, GENESIS, vec![a.addr.clone()]);
    cb.peer_exchange = true;
    let mut b = spawn(cb).await;
    wait_connected(&mut a, b.id()).await;
    wait_connected(&mut b, a.id()).await;

    // C knows only A; it learns B from A's peer list.
    let mut cc = config(CHAIN, GENESIS, vec![a.addr.clone()]);
    cc.peer_exchange = true;
    let c = spawn(cc).await;

    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let counts = [
            a.handle.peers().await.unwrap().len(),
            b.handle.peers().await.unwrap().len(),
            c.handle.peers().await.unwrap().len(),
        ];
        if counts == [2, 2, 2] {
            break;
        }
        assert!(Instant::now() < deadline, "not fully connected: {counts:?}");
        sleep(Duration::from_millis(100)).await;
    }
    let peers_of_c: Vec<_> = c
        .handle
        .peers()
        .await
        .unwrap()
        .iter()
        .map(|p| p.peer)
        .collect();
    assert!(peers_of_c.contains(&a.id()) && peers_of_c.contains(&b.id()));
    assert!(
        c.handle
            .peers()
            .await
            .unwrap()
            .iter()
            .all(|p| p.agent.starts_with("ltonode/"))
    );
    shutdown(&[&a, &b, &c]).await;
    // After shutdown the handle reports the service stopped.
    sleep(Duration::from_millis(50)).await;
    assert!(a.handle.peers().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_peer_partitions_until_unblocked() {
    use ltonode_network::NetworkEvent;

    use crate::util::wait_for;

    let mut a = spawn(config(CHAIN, GENESIS, vec![])).await;
    let mut b = spawn(config(CHAIN, GENESIS, vec![a.addr.clone()])).await;
    wait_connected(&mut a, b.id()).await;
    wait_connected(&mut b, a.id()).await;

    a.handle.block_peer(b.id()).await.unwrap();
    let b_id = b.id();
    let gone = wait_for(&mut a.events, Duration::from_secs(5), |e| {
        matches!(e, NetworkEvent::PeerDisconnected(p) if *p == b_id).then_some(())
    })
    .await;
    assert!(gone.is_some(), "blocked peer still connected");
    // B's redials are refused while blocked.
    b.handle.dial(a.addr.clone()).await.unwrap();
    sleep(Duration::from_millis(500)).await;
    assert!(a.handle.peers().await.unwrap().is_empty());

    a.handle.unblock_peer(b.id()).await.unwrap();
    b.handle.dial(a.addr.clone()).await.unwrap();
    wait_connected(&mut a, b.id()).await;
    shutdown(&[&a, &b]).await;
}
