//! The settings of the network service, with the defaults of a chain.

use std::time::Duration;

use libp2p::Multiaddr;

/// Settings of the network service.
#[derive(Debug, Clone)]
pub struct NetworkConfig {
    /// Address to listen on, e.g. `/ip4/0.0.0.0/tcp/6863` (`/tcp/0` for an ephemeral port).
    pub listen: Multiaddr,
    /// Peers dialled at start and redialled while the node has no peers.
    pub bootstrap: Vec<Multiaddr>,
    /// Chain id byte (`b'L'` mainnet, `b'T'` testnet, ...); peers on another one are refused.
    pub chain_id: u8,
    /// Id of the genesis block; peers with another genesis are refused.
    pub genesis_id: [u8; 32],
    /// Hash of the chain parameters (`ChainParams::params_hash`); peers with other
    /// parameters are refused at the handshake.
    pub params_id: [u8; 32],
    /// Most established connections in total.
    pub max_peers: u32,
    /// Most established connections from one IP address.
    pub max_per_ip: u32,
    /// How long a ban lasts, in milliseconds.
    pub ban_ms: u64,
    /// Seed of the node's ed25519 network key, for a stable peer id; random if `None`.
    pub keypair_seed: Option<[u8; 32]>,
    /// How long an outbound sync request may take.
    pub request_timeout: Duration,
    /// Ask new peers for their peers and dial them (identify-checked peer exchange).
    pub peer_exchange: bool,
    /// Capacity of the event channel to the node; gossip that does not fit is dropped
    /// (reported `Ignore`, so it is not relayed either).
    pub event_buffer: usize,
}

impl NetworkConfig {
    /// Defaults for a chain: listen on all interfaces at `port`, 50 peers, 5 per IP, bans of
    /// one hour, 10 s requests, peer exchange on.
    pub fn new(chain_id: u8, genesis_id: [u8; 32], port: u16) -> Self {
        let listen = Multiaddr::empty()
            .with(libp2p::multiaddr::Protocol::Ip4(
                std::net::Ipv4Addr::UNSPECIFIED,
            ))
            .with(libp2p::multiaddr::Protocol::Tcp(port));
        Self {
            listen,
            bootstrap: Vec::new(),
            chain_id,
            genesis_id,
            params_id: [0; 32],
            max_peers: 50,
            max_per_ip: 5,
            ban_ms: 60 * 60 * 1000,
            keypair_seed: None,
            request_timeout: Duration::from_secs(10),
            peer_exchange: true,
            event_buffer: 4096,
        }
    }
}
