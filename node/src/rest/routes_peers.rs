//! `/peers/*`: the peers this node is connected to, has known and has banned, as LTO's node
//! lists them; connecting to a peer and clearing the bans need the API key.

use super::{ApiError, RestState, auth, json_body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use ltonode_ledger::{Snapshots, Store};
use ltonode_network::{Multiaddr, NetworkHandle};
use serde_json::{Value, json};

/// LTO's most peers in one answer.
pub const MAX_PEERS: usize = 1000;

/// A multiaddr as Java prints a socket address: `/1.2.3.4:6863`.
pub fn socket_text(addr: &Multiaddr) -> String {
    use ltonode_network::Protocol::{Dns, Dns4, Dns6, Ip4, Ip6, Tcp};
    let mut ip = None;
    let mut port = None;
    for p in addr.iter() {
        match p {
            Ip4(a) => ip = Some(a.to_string()),
            Ip6(a) => ip = Some(a.to_string()),
            Dns(h) | Dns4(h) | Dns6(h) => ip = Some(h.to_string()),
            Tcp(p) => port = Some(p),
            _ => {}
        }
    }
    match (ip, port) {
        (Some(ip), Some(port)) => format!("/{ip}:{port}"),
        (Some(ip), None) => format!("/{ip}"),
        _ => addr.to_string(),
    }
}

fn network<S: Store + Clone + Snapshots + 'static>(st: &RestState<S>) -> Option<&NetworkHandle> {
    st.network.get()
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::Unavailable(format!("network: {e}"))
}

/// `GET /peers/connected`.
pub async fn connected<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let Some(net) = network(&st) else {
        return Ok(Json(json!({"peers": []})));
    };
    let peers = net.peers().await.map_err(unavailable)?;
    let list: Vec<Value> = peers
        .iter()
        .take(MAX_PEERS)
        .map(|p| {
            let (name, version) = p
                .agent
                .split_once('/')
                .map_or((p.agent.as_str(), ""), |(n, v)| (n, v));
            json!({
                "address": p.addrs.first().map(socket_text).unwrap_or_default(),
                "declaredAddress": p.listen_addrs.first().map_or("N/A".to_owned(), socket_text),
                "peerName": p.peer.to_string(),
                "peerNonce": peer_nonce(&p.peer),
                "applicationName": name,
                "applicationVersion": version,
            })
        })
        .collect();
    Ok(Json(json!({"peers": list})))
}

/// A stable number for a peer (LTO's nodes draw a random nonce; this node's peers are named
/// by their libp2p id, whose first bytes serve).
fn peer_nonce(peer: &ltonode_network::PeerId) -> u64 {
    let bytes = peer.to_bytes();
    let tail: [u8; 8] = bytes
        .rchunks(8)
        .next()
        .and_then(|c| c.try_into().ok())
        .unwrap_or([0; 8]);
    u64::from_be_bytes(tail) >> 1
}

/// `GET /peers/all`: every peer this node has been connected to, with when it last was.
pub async fn all<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let Some(net) = network(&st) else {
        return Ok(Json(json!({"peers": []})));
    };
    let known = net.known_peers().await.map_err(unavailable)?;
    let list: Vec<Value> = known
        .iter()
        .take(MAX_PEERS)
        .map(|k| json!({"address": socket_text(&k.addr), "lastSeen": k.last_seen_ms}))
        .collect();
    Ok(Json(json!({"peers": list})))
}

/// `GET /peers/blacklisted`: `[{hostname, timestamp, reason}]` of the peers banned now.
pub async fn blacklisted<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
) -> Result<Json<Value>, ApiError> {
    let Some(net) = network(&st) else {
        return Ok(Json(json!([])));
    };
    let banned = net.banned_peers().await.map_err(unavailable)?;
    let list: Vec<Value> = banned
        .iter()
        .take(MAX_PEERS)
        .map(|b| {
            let host = b
                .addr
                .as_ref()
                .map(socket_text)
                .map(|s| s.rsplit_once(':').map_or(s.clone(), |(h, _)| h.to_owned()))
                .unwrap_or_else(|| b.peer.to_string());
            json!({"hostname": host, "timestamp": b.since_ms, "reason": b.reason})
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

/// `GET /peers/suspended`: this node bans, it does not suspend; always empty.
pub async fn suspended() -> Json<Value> {
    Json(json!([]))
}

/// `POST /peers/connect` (API key): `{host, port}`; the node dials it.
pub async fn connect<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    auth::check(st.api_key_hash.as_deref(), &headers)?;
    let request = json_body(body)?;
    let host = request
        .get("host")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::WrongJson("failed to parse json message: host".into()))?;
    let port = request
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| ApiError::WrongJson("failed to parse json message: port".into()))?;
    let addr = crate::p2p::parse_peer(&format!("{host}:{port}"))
        .map_err(|e| ApiError::BadArgument(e.to_string()))?;
    let net = network(&st).ok_or_else(|| unavailable("not running"))?;
    net.dial(addr).await.map_err(unavailable)?;
    Ok(Json(
        json!({"hostname": host, "status": "Trying to connect"}),
    ))
}

/// `POST /peers/clearblacklist` (API key): lifts every ban.
pub async fn clear_blacklist<S: Store + Clone + Snapshots + 'static>(
    State(st): State<RestState<S>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    auth::check(st.api_key_hash.as_deref(), &headers)?;
    if let Some(net) = network(&st) {
        net.clear_bans().await.map_err(unavailable)?;
    }
    Ok(Json(json!({"result": "blacklist cleared"})))
}
