//! Peers: connections opened and closed (bans, partitions and the per-IP limit checked on
//! each), identify (the chain check that makes a peer "connected" for the node), the peer
//! lists the node asks for, and the peer exchange (answering with verified peers' listen
//! addresses, dialling the ones a peer sent).

use std::net::IpAddr;

use libp2p::core::ConnectedPoint;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::ConnectionId;
use libp2p::{Multiaddr, PeerId, identify};
use tracing::{debug, warn};

use super::{Connection, MAX_KNOWN, NetworkLoop, Outbound, Sighting, VerifiedPeer, Waiter};
use crate::event::NetworkEvent;
use crate::handle::{BannedPeer, KnownPeer, PeerInfo};
use crate::message::{MAX_ADDR_BYTES, MAX_PEERS_PER_RESPONSE, SyncRequest};
use crate::scoring::Penalty;

/// Most listen addresses kept of one peer's identify message.
const MAX_LISTEN_ADDRS: usize = 16;
/// Listen addresses of each verified peer given in a peer-exchange answer.
const ADDRS_PER_EXCHANGED_PEER: usize = 2;

/// The IP address in `addr`, if it has one.
fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

impl NetworkLoop {
    /// A connection was established: closed at once for banned or partitioned peers and past
    /// the per-IP limit, else recorded.
    pub(super) fn on_connection(
        &mut self,
        peer: PeerId,
        id: ConnectionId,
        endpoint: &ConnectedPoint,
    ) {
        let remote = endpoint.get_remote_address().clone();
        let ip = ip_of(&remote);
        if self.scores.is_banned(&peer, self.now_ms()) || self.partitioned.contains(&peer) {
            self.swarm.close_connection(id);
            return;
        }
        if let Some(ip) = ip {
            let same_ip = self
                .connections
                .values()
                .filter(|c| c.ip == Some(ip))
                .count();
            if same_ip >= self.config.max_per_ip as usize {
                debug!(%peer, %ip, "too many connections from this IP");
                self.swarm.close_connection(id);
                return;
            }
        }
        self.remember(peer, remote.clone());
        self.connections.insert(id, Connection { peer, remote, ip });
    }

    /// A connection closed; the node hears of it when it was the peer's last.
    pub(super) fn on_connection_closed(
        &mut self,
        peer: PeerId,
        id: ConnectionId,
        num_established: u32,
    ) {
        self.connections.remove(&id);
        if num_established == 0 && self.peers.remove(&peer).is_some() {
            debug!(%peer, "peer disconnected");
            self.emit(NetworkEvent::PeerDisconnected(peer));
        }
    }

    /// Notes that `peer` is connected from `addr` now.
    fn remember(&mut self, peer: PeerId, addr: Multiaddr) {
        let now = self.now_ms();
        self.known.insert(peer, Sighting { addr, seen_ms: now });
        if self.known.len() > MAX_KNOWN
            && let Some(oldest) = self
                .known
                .iter()
                .min_by_key(|(_, sighting)| sighting.seen_ms)
                .map(|(p, _)| *p)
        {
            self.known.remove(&oldest);
        }
    }

    /// Identify: a peer of another chain is banned; one of this chain becomes a verified peer
    /// (announced to the node the first time, and asked for its peers).
    pub(super) fn on_identify(&mut self, event: identify::Event) {
        let identify::Event::Received { peer_id, info, .. } = event else {
            return;
        };
        if info.protocol_version != self.names.protocol_version {
            let differs =
                crate::behaviour::mismatch(&self.names.protocol_version, &info.protocol_version);
            warn!(
                peer = %peer_id,
                theirs = %info.protocol_version,
                ours = %self.names.protocol_version,
                "peer refused: it runs {differs}; banning"
            );
            self.penalize(peer_id, Penalty::WrongChain);
            return;
        }
        if self.scores.is_banned(&peer_id, self.now_ms()) || self.partitioned.contains(&peer_id) {
            return; // identify raced the close of a refused connection
        }
        let listen_addrs: Vec<Multiaddr> = info
            .listen_addrs
            .into_iter()
            .take(MAX_LISTEN_ADDRS)
            .collect();
        for addr in &listen_addrs {
            self.swarm.add_peer_address(peer_id, addr.clone());
        }
        let new = !self.peers.contains_key(&peer_id);
        self.peers.insert(
            peer_id,
            VerifiedPeer {
                listen_addrs,
                agent: info.agent_version,
            },
        );
        if new {
            debug!(peer = %peer_id, "peer connected");
            self.emit(NetworkEvent::PeerConnected(peer_id));
            if self.config.peer_exchange {
                let id = self
                    .swarm
                    .behaviour_mut()
                    .sync
                    .send_request(&peer_id, SyncRequest::Peers);
                self.outbound.insert(
                    id,
                    Outbound {
                        peer: peer_id,
                        request: SyncRequest::Peers,
                        waiter: Waiter::PeerExchange,
                    },
                );
            }
        }
    }

    /// The verified peers with their connections' addresses, by peer id.
    pub(super) fn peer_infos(&self) -> Vec<PeerInfo> {
        let mut out: Vec<PeerInfo> = self
            .peers
            .iter()
            .map(|(peer, v)| PeerInfo {
                peer: *peer,
                addrs: self
                    .connections
                    .values()
                    .filter(|c| c.peer == *peer)
                    .map(|c| c.remote.clone())
                    .collect(),
                listen_addrs: v.listen_addrs.clone(),
                score: self.scores.score(peer),
                agent: v.agent.clone(),
            })
            .collect();
        out.sort_by_key(|p| p.peer.to_bytes());
        out
    }

    /// Every peer ever connected (those connected now seen now), the most recent first.
    pub(super) fn known_peers(&mut self) -> Vec<KnownPeer> {
        let now = self.now_ms();
        let connected: Vec<(PeerId, Multiaddr)> = self
            .connections
            .values()
            .map(|c| (c.peer, c.remote.clone()))
            .collect();
        for (peer, addr) in connected {
            self.known.insert(peer, Sighting { addr, seen_ms: now });
        }
        let mut list: Vec<KnownPeer> = self
            .known
            .iter()
            .map(|(peer, sighting)| KnownPeer {
                peer: *peer,
                addr: sighting.addr.clone(),
                last_seen_ms: self.started_epoch_ms.saturating_add(sighting.seen_ms),
            })
            .collect();
        list.sort_by_key(|k| std::cmp::Reverse(k.last_seen_ms));
        list
    }

    /// The bans in force, in wall-clock milliseconds, the newest first.
    pub(super) fn banned_peers(&self) -> Vec<BannedPeer> {
        self.scores
            .bans(self.now_ms())
            .into_iter()
            .map(|ban| BannedPeer {
                peer: ban.peer,
                addr: self.known.get(&ban.peer).map(|s| s.addr.clone()),
                since_ms: self.started_epoch_ms.saturating_add(ban.since_ms),
                until_ms: self.started_epoch_ms.saturating_add(ban.until_ms),
                reason: format!("{:?}", ban.cause),
            })
            .collect()
    }

    /// Listen addresses (with `/p2p/<id>`) of verified peers other than `asker`.
    pub(super) fn exchangeable_addrs(&self, asker: PeerId) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (peer, v) in &self.peers {
            if *peer == asker {
                continue;
            }
            for addr in v.listen_addrs.iter().take(ADDRS_PER_EXCHANGED_PEER) {
                let full = addr.clone().with_p2p(*peer).unwrap_or_else(|a| a);
                let bytes = full.to_vec();
                if bytes.len() <= MAX_ADDR_BYTES && out.len() < MAX_PEERS_PER_RESPONSE {
                    out.push(bytes);
                }
            }
        }
        out
    }

    /// Dials the exchanged addresses of peers not yet connected, banned or partitioned, while
    /// there is room for connections.
    pub(super) fn on_peer_addrs(&mut self, addrs: Vec<Vec<u8>>) {
        let local = *self.swarm.local_peer_id();
        let now = self.now_ms();
        for bytes in addrs {
            if self.connections.len() >= self.config.max_peers as usize {
                break;
            }
            let Ok(addr) = Multiaddr::try_from(bytes) else {
                continue;
            };
            let Some(Protocol::P2p(peer)) = addr.iter().last() else {
                continue;
            };
            if peer == local
                || self.peers.contains_key(&peer)
                || self.swarm.is_connected(&peer)
                || self.scores.is_banned(&peer, now)
                || self.partitioned.contains(&peer)
            {
                continue;
            }
            debug!(%peer, %addr, "dialling exchanged peer");
            let _ = self.swarm.dial(addr);
        }
    }
}
