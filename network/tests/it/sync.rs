//! Request-response: tip and headers answered through the handle, bad responses refused,
//! unanswered requests time out.

use std::time::Duration;

use ltonode_ledger::block::BlockId;
use ltonode_network::{NetworkError, NetworkEvent, SyncRequest, SyncResponse};

use crate::util::{CHAIN, GENESIS, config, shutdown, spawn, wait_connected, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tip_and_headers_round_trip() {
    let mut a = spawn(config(CHAIN, GENESIS, vec![])).await;
    let b = spawn(config(CHAIN, GENESIS, vec![a.addr.clone()])).await;
    wait_connected(&mut a, b.id()).await;

    // A answers requests as a node would: tip, headers; too many headers for the range 10..=11;
    // silence for 20..=20.
    let responder = a.handle.clone();
    let mut events = std::mem::replace(&mut a.events, tokio::sync::mpsc::channel(1).1);
    let serve = tokio::spawn(async move {
        let mut answered = 0;
        while answered < 5 {
            let Some(req) = wait_for(&mut events, Duration::from_secs(20), |e| match e {
                NetworkEvent::Request { id, peer, request } => Some((*id, *peer, request.clone())),
                _ => None,
            })
            .await
            else {
                break;
            };
            answered += 1;
            let response = match req.2 {
                SyncRequest::Tip => SyncResponse::Tip {
                    height: 42,
                    score: u128::MAX - 1,
                    tip_id: BlockId([3; 32]),
                },
                SyncRequest::Headers { from: 1, to } => {
                    SyncResponse::Headers((1..=to).map(|h| vec![h as u8; 10]).collect())
                }
                SyncRequest::Headers { from: 10, .. } => SyncResponse::Headers(vec![vec![]; 3]),
                _ => continue, // never answered
            };
            responder.respond(req.0, response).await.unwrap();
        }
    });

    let tip = b.handle.request(a.id(), SyncRequest::Tip).await.unwrap();
    assert_eq!(
        tip,
        SyncResponse::Tip {
            height: 42,
            score: u128::MAX - 1,
            tip_id: BlockId([3; 32])
        }
    );
    let headers = b
        .handle
        .request(a.id(), SyncRequest::Headers { from: 1, to: 3 })
        .await
        .unwrap();
    assert_eq!(
        headers,
        SyncResponse::Headers(vec![vec![1; 10], vec![2; 10], vec![3; 10]])
    );

    let too_many = b
        .handle
        .request(a.id(), SyncRequest::Headers { from: 10, to: 11 })
        .await;
    assert_eq!(too_many, Err(NetworkError::BadResponse { peer: a.id() }));
    let score = b.handle.peers().await.unwrap()[0].score;
    assert_eq!(
        score, -10,
        "a mismatched response costs the unsolicited penalty"
    );

    let silent = b
        .handle
        .request(a.id(), SyncRequest::Blocks { from: 20, to: 20 })
        .await;
    assert_eq!(silent, Err(NetworkError::Timeout { peer: a.id() }));

    // Retry over peers: the only peer answers.
    let (peer, _) = b
        .handle
        .request_any(SyncRequest::Tip, 3)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(peer, a.id());

    // Oversized ranges are refused before anything is sent.
    let huge = b
        .handle
        .request(a.id(), SyncRequest::Headers { from: 0, to: 5000 })
        .await;
    assert!(matches!(huge, Err(NetworkError::Codec(_))));

    tokio::time::timeout(Duration::from_secs(5), serve)
        .await
        .ok();
    shutdown(&[&a, &b]).await;
}
