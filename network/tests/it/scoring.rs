//! A peer whose gossip the node keeps rejecting with a penalty is banned; the others carry on.

use std::time::Duration;

use ltonode_network::{GossipMessage, NetworkEvent, Penalty};
use tokio::time::sleep;

use crate::util::{
    CHAIN, GENESIS, config, next_gossip, publish_retry, shutdown, spawn, wait_all_connected,
    wait_for,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_sender_is_banned_and_others_carry_on() {
    let mut a = spawn(config(CHAIN, GENESIS, vec![])).await;
    let bad = spawn(config(CHAIN, GENESIS, vec![a.addr.clone()])).await;
    let good = spawn(config(CHAIN, GENESIS, vec![a.addr.clone()])).await;
    wait_all_connected(&mut a, &[bad.id(), good.id()]).await;
    sleep(Duration::from_secs(1)).await;

    // Garbage: 30 points each, banned on the fourth (below -100).
    for i in 0..4u8 {
        publish_retry(&bad.handle, GossipMessage::Transaction(vec![0xff, i])).await;
        let (id, source, _) = next_gossip(&mut a, Duration::from_secs(5))
            .await
            .expect("no garbage arrived");
        assert_eq!(source, bad.id());
        a.handle
            .report_validation(id, source, false, Some(Penalty::GarbageBytes))
            .await
            .unwrap();
    }
    let banned = wait_for(&mut a.events, Duration::from_secs(5), |e| {
        matches!(e, NetworkEvent::PeerBanned(p) if *p == bad.id()).then_some(())
    })
    .await;
    assert!(banned.is_some(), "garbage sender not banned");
    sleep(Duration::from_millis(500)).await;
    let peers: Vec<_> = a
        .handle
        .peers()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.peer)
        .collect();
    assert_eq!(peers, vec![good.id()]);

    // The good peer's gossip still arrives; the banned one cannot reconnect.
    let ok = GossipMessage::KeyBlock(b"fine".to_vec());
    publish_retry(&good.handle, ok.clone()).await;
    let (_, source, message) = next_gossip(&mut a, Duration::from_secs(5))
        .await
        .expect("good gossip lost");
    assert_eq!((source, message), (good.id(), ok));
    assert!(bad.handle.dial(a.addr.clone()).await.is_ok());
    sleep(Duration::from_secs(1)).await;
    assert!(
        a.handle
            .peers()
            .await
            .unwrap()
            .iter()
            .all(|p| p.peer != bad.id())
    );

    shutdown(&[&a, &bad, &good]).await;
}
