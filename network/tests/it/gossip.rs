//! Gossip is relayed only after the receiving node accepts it (line topology A–B–C).

use std::time::Duration;

use ltonode_network::GossipMessage;
use tokio::time::sleep;

use crate::util::{
    CHAIN, GENESIS, config, next_gossip, publish_retry, shutdown, spawn, wait_connected,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_waits_for_accept_and_reject_stops_it() {
    let mut a = spawn(config(CHAIN, GENESIS, vec![])).await;
    let mut b = spawn(config(CHAIN, GENESIS, vec![a.addr.clone()])).await;
    let mut c = spawn(config(CHAIN, GENESIS, vec![b.addr.clone()])).await;
    wait_connected(&mut a, b.id()).await;
    wait_connected(&mut c, b.id()).await;
    assert_eq!(
        a.handle.peers().await.unwrap().len(),
        1,
        "line topology: A sees only B"
    );
    // Let subscriptions reach each other and the meshes form (heartbeat 0.5 s).
    sleep(Duration::from_secs(2)).await;

    // 1. Accepted by B: reaches C, but only after B's verdict.
    let tx = GossipMessage::Transaction(b"tx one".to_vec());
    let id = publish_retry(&a.handle, tx.clone()).await;
    let (got_id, source, message) = next_gossip(&mut b, Duration::from_secs(5))
        .await
        .expect("B got nothing");
    assert_eq!(
        (got_id.clone(), source, message),
        (id.clone(), a.id(), tx.clone())
    );
    assert!(
        next_gossip(&mut c, Duration::from_secs(1)).await.is_none(),
        "relayed before validation"
    );
    b.handle
        .report_validation(got_id, source, true, None)
        .await
        .unwrap();
    let (c_id, c_source, c_msg) = next_gossip(&mut c, Duration::from_secs(5))
        .await
        .expect("C never got the accepted message");
    assert_eq!((c_id, c_source, c_msg), (id, b.id(), tx));

    // 2. Rejected by B: never reaches C.
    let bad = GossipMessage::MicroBlock(b"invalid micro block".to_vec());
    let id = publish_retry(&a.handle, bad.clone()).await;
    let (got_id, source, message) = next_gossip(&mut b, Duration::from_secs(5))
        .await
        .expect("B got nothing");
    assert_eq!((&got_id, message), (&id, bad));
    b.handle
        .report_validation(got_id, source, false, None)
        .await
        .unwrap();
    assert!(
        next_gossip(&mut c, Duration::from_secs(3)).await.is_none(),
        "rejected message reached C"
    );

    // 3. The kinds travel on their own topics.
    let key = GossipMessage::KeyBlock(vec![1, 2, 3]);
    publish_retry(&c.handle, key.clone()).await;
    let (_, _, message) = next_gossip(&mut b, Duration::from_secs(5))
        .await
        .expect("B got no key block");
    assert_eq!(message, key);

    shutdown(&[&a, &b, &c]).await;
}
