//! The libp2p behaviour of an ltonode peer and the names it derives from the chain.
//!
//! Everything a peer of another chain could collide with is named after the chain id and the
//! genesis id: the identify protocol version (checked on every connection), the sync protocol
//! and the three gossip topics. Gossip message ids are the Blake2b-256 of the payload, so the
//! same bytes from two authors are one message.

use std::time::Duration;

use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::NetworkBehaviour;
use libp2p::{
    StreamProtocol, allow_block_list, connection_limits, gossipsub, identify, identity, ping,
};
use ltonode_ledger::block::BlockId;

use crate::codec::SyncCodec;
use crate::config::NetworkConfig;
use crate::error::NetworkError;
use crate::message::{GossipKind, MAX_GOSSIP_BYTES};

/// Room for gossipsub's own framing (topic, signature, key) on top of the payload cap.
const GOSSIP_FRAME_MARGIN: usize = 16 * 1024;
/// All behaviours of an ltonode peer.
#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    pub(crate) blocks: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    pub(crate) limits: connection_limits::Behaviour,
    pub(crate) identify: identify::Behaviour,
    pub(crate) gossipsub: gossipsub::Behaviour,
    pub(crate) sync: request_response::Behaviour<SyncCodec>,
    pub(crate) ping: ping::Behaviour,
}

/// Names derived from the chain id, the genesis id and the chain parameters' hash.
pub(crate) struct ChainNames {
    pub(crate) protocol_version: String,
    pub(crate) sync_protocol: StreamProtocol,
    pub(crate) topics: [(GossipKind, gossipsub::IdentTopic); 3],
}

/// The first 8 bytes of the parameters' hash in hex: what the protocol names carry.
fn params_tag(params_id: &[u8; 32]) -> String {
    params_id
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What differs between our identify protocol version and a peer's, for the log.
pub(crate) fn mismatch(ours: &str, theirs: &str) -> &'static str {
    let parts = |s: &str| -> Vec<String> { s.split('/').map(str::to_owned).collect() };
    let (a, b) = (parts(ours), parts(theirs));
    // "/ltonode/{chain}/{genesis}/{params}/1"
    match (
        a.get(2) == b.get(2),
        a.get(3) == b.get(3),
        a.get(4) == b.get(4),
    ) {
        (false, _, _) => "another chain id",
        (true, false, _) => "another genesis",
        (true, true, false) => {
            "other chain parameters (every node of a chain must run the same --preset)"
        }
        _ => "another protocol version",
    }
}

impl ChainNames {
    pub(crate) fn new(
        chain_id: u8,
        genesis_id: [u8; 32],
        params_id: [u8; 32],
    ) -> Result<Self, NetworkError> {
        let chain = if chain_id.is_ascii_alphanumeric() {
            char::from(chain_id).to_string()
        } else {
            format!("{chain_id:02x}")
        };
        let genesis = BlockId(genesis_id).to_base58();
        let short: String = genesis.chars().take(16).collect();
        let params = params_tag(&params_id);
        let protocol_version = format!("/ltonode/{chain}/{genesis}/{params}/1");
        let sync_protocol =
            StreamProtocol::try_from_owned(format!("/ltonode/{chain}/{short}/{params}/sync/1"))
                .map_err(|e| NetworkError::Config(e.to_string()))?;
        let topic = |k: GossipKind| {
            (
                k,
                gossipsub::IdentTopic::new(format!(
                    "/ltonode/{chain}/{short}/{params}/{}",
                    k.suffix()
                )),
            )
        };
        Ok(Self {
            protocol_version,
            sync_protocol,
            topics: GossipKind::ALL.map(topic),
        })
    }

    pub(crate) fn kind_of(&self, hash: &gossipsub::TopicHash) -> Option<GossipKind> {
        self.topics
            .iter()
            .find(|(_, t)| &t.hash() == hash)
            .map(|(k, _)| *k)
    }

    pub(crate) fn topic(&self, kind: GossipKind) -> gossipsub::IdentTopic {
        self.topics
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| self.topics[0].1.clone())
    }
}

fn message_id(m: &gossipsub::Message) -> gossipsub::MessageId {
    gossipsub::MessageId::from(ltonode_ledger::blake2b256(&m.data).to_vec())
}

pub(crate) fn build_behaviour(
    key: &identity::Keypair,
    config: &NetworkConfig,
    names: &ChainNames,
) -> Result<Behaviour, NetworkError> {
    let gossip_config = gossipsub::ConfigBuilder::default()
        .validation_mode(gossipsub::ValidationMode::Strict)
        .validate_messages()
        .message_id_fn(message_id)
        .max_transmit_size(MAX_GOSSIP_BYTES + GOSSIP_FRAME_MARGIN)
        .heartbeat_interval(Duration::from_millis(500))
        .build()
        .map_err(|e| NetworkError::Config(e.to_string()))?;
    let gossipsub = gossipsub::Behaviour::new(
        gossipsub::MessageAuthenticity::Signed(key.clone()),
        gossip_config,
    )
    .map_err(|e| NetworkError::Config(e.to_string()))?;
    let identify = identify::Behaviour::new(
        identify::Config::new(names.protocol_version.clone(), key.public())
            .with_agent_version(format!("ltonode/{}", env!("CARGO_PKG_VERSION"))),
    );
    let sync = request_response::Behaviour::with_codec(
        SyncCodec,
        [(names.sync_protocol.clone(), ProtocolSupport::Full)],
        request_response::Config::default().with_request_timeout(config.request_timeout),
    );
    let limits = connection_limits::Behaviour::new(
        connection_limits::ConnectionLimits::default()
            .with_max_established(Some(config.max_peers))
            .with_max_established_per_peer(Some(2))
            .with_max_pending_incoming(Some(config.max_peers)),
    );
    Ok(Behaviour {
        blocks: allow_block_list::Behaviour::default(),
        limits,
        identify,
        gossipsub,
        sync,
        ping: ping::Behaviour::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_depend_on_chain_genesis_and_parameters() {
        let a = ChainNames::new(b'L', [1; 32], [0; 32]).unwrap();
        let b = ChainNames::new(b'T', [1; 32], [0; 32]).unwrap();
        let c = ChainNames::new(b'L', [2; 32], [0; 32]).unwrap();
        let d = ChainNames::new(b'L', [1; 32], [9; 32]).unwrap();
        assert_ne!(a.protocol_version, b.protocol_version);
        assert_ne!(a.protocol_version, c.protocol_version);
        assert_ne!(a.protocol_version, d.protocol_version);
        assert_ne!(a.sync_protocol, b.sync_protocol);
        assert_ne!(a.sync_protocol, d.sync_protocol);
        assert_ne!(
            a.topic(GossipKind::KeyBlock).hash(),
            d.topic(GossipKind::KeyBlock).hash()
        );
        assert_eq!(
            mismatch(&a.protocol_version, &b.protocol_version),
            "another chain id"
        );
        assert_eq!(
            mismatch(&a.protocol_version, &c.protocol_version),
            "another genesis"
        );
        assert!(mismatch(&a.protocol_version, &d.protocol_version).contains("--preset"));
        assert!(a.protocol_version.starts_with("/ltonode/L/"));
        let tx = a.topic(GossipKind::Transaction);
        assert!(tx.to_string().ends_with("/tx"));
        assert_eq!(a.kind_of(&tx.hash()), Some(GossipKind::Transaction));
        assert_eq!(a.kind_of(&b.topic(GossipKind::Transaction).hash()), None);
    }
}
