//! Setting the network up: the outbox the core publishes into, peer addresses from the
//! command line, the node's persistent network key, and the network configuration.

use super::error::P2pError;
use crate::service::{Outbox, Outgoing};
use ltonode_ledger::ChainId;
use ltonode_network::{Multiaddr, NetworkConfig};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;

/// Most items waiting in the outbox before new ones are dropped.
pub const OUTBOX_CAPACITY: usize = 65_536;

/// A new outbox: the service posts into the sender, [`run`] drains the receiver.
pub fn outbox() -> (Outbox, mpsc::Receiver<Outgoing>) {
    mpsc::channel(OUTBOX_CAPACITY)
}

/// A peer given as a multiaddr (`/ip4/1.2.3.4/tcp/6863`) or as `host:port` (resolved now).
pub fn parse_peer(addr: &str) -> Result<Multiaddr, P2pError> {
    let bad = |reason: String| P2pError::BadPeer {
        addr: addr.to_owned(),
        reason,
    };
    if addr.starts_with('/') {
        return addr.parse().map_err(|e| bad(format!("{e}")));
    }
    let sock = addr
        .to_socket_addrs()
        .map_err(|e| bad(e.to_string()))?
        .next()
        .ok_or_else(|| bad("resolves to no address".into()))?;
    socket_multiaddr(sock)
}

fn socket_multiaddr(sock: SocketAddr) -> Result<Multiaddr, P2pError> {
    let text = match sock.ip() {
        std::net::IpAddr::V4(ip) => format!("/ip4/{ip}/tcp/{}", sock.port()),
        std::net::IpAddr::V6(ip) => format!("/ip6/{ip}/tcp/{}", sock.port()),
    };
    text.parse().map_err(|e| P2pError::BadPeer {
        addr: sock.to_string(),
        reason: format!("{e}"),
    })
}

/// The node's network key seed, kept in `dir/p2p.key` so its peer id survives restarts
/// (created with fresh randomness on first start).
pub fn load_or_create_key(dir: &Path) -> Result<[u8; 32], P2pError> {
    load_or_create_seed(dir, "p2p.key")
}

/// A 32-byte key seed kept in `dir/file` (created with fresh randomness on first start, and
/// replaced if malformed).
pub fn load_or_create_seed(dir: &Path, file: &str) -> Result<[u8; 32], P2pError> {
    let path = dir.join(file);
    let err = |source| P2pError::KeyFile {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read(&path) {
        Ok(b) if b.len() == 32 => {
            let mut seed = [0u8; 32];
            seed.copy_from_slice(&b);
            return Ok(seed);
        }
        Ok(_) => tracing::warn!(path = %path.display(), "key file malformed; replacing it"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    let seed: [u8; 32] = {
        use rand::RngExt;
        rand::rng().random()
    };
    std::fs::write(&path, seed).map_err(err)?;
    Ok(seed)
}

/// The network configuration of a node listening on `listen` and dialling `peers`.
/// Nodes on one machine all connect from 127.0.0.1, so on a loopback address the per-IP
/// connection limit is raised to the total one.
pub fn network_config(
    listen: SocketAddr,
    peers: &[String],
    chain_id: ChainId,
    genesis_id: [u8; 32],
    params_id: [u8; 32],
    keypair_seed: Option<[u8; 32]>,
) -> Result<NetworkConfig, P2pError> {
    let mut config = NetworkConfig::new(chain_id.0, genesis_id, listen.port());
    config.listen = socket_multiaddr(listen)?;
    config.bootstrap = peers
        .iter()
        .map(|p| parse_peer(p.trim()))
        .collect::<Result<_, _>>()?;
    config.keypair_seed = keypair_seed;
    config.params_id = params_id;
    config.request_timeout = Duration::from_secs(5);
    if listen.ip().is_loopback() {
        config.max_per_ip = config.max_peers;
        // Bans on one machine would outlive a test run; keep them short.
        config.ban_ms = 5 * 60 * 1000;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_parse_as_multiaddr_or_host_port() {
        assert_eq!(
            parse_peer("127.0.0.1:6863").unwrap().to_string(),
            "/ip4/127.0.0.1/tcp/6863"
        );
        assert_eq!(
            parse_peer("/ip4/10.0.0.1/tcp/7000").unwrap().to_string(),
            "/ip4/10.0.0.1/tcp/7000"
        );
        assert!(matches!(
            parse_peer("nowhere"),
            Err(P2pError::BadPeer { .. })
        ));
    }

    #[test]
    fn loopback_nodes_may_all_connect() {
        let c = network_config(
            "127.0.0.1:0".parse().unwrap(),
            &["127.0.0.1:6863".into()],
            ChainId(b'T'),
            [1; 32],
            [2; 32],
            None,
        )
        .unwrap();
        assert_eq!(c.max_per_ip, c.max_peers);
        assert_eq!(c.bootstrap.len(), 1);
    }
}
