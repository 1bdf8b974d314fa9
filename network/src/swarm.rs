//! The single event loop that owns the swarm (see `behaviour.rs` for what it is made of).
//!
//! Invariants:
//! - A peer is "connected" for the node only after identify showed the same chain id and
//!   genesis (protocol version string); a mismatch bans it at once. The sync protocol and the
//!   gossip topics are named per chain and genesis as well, so they cannot cross chains even
//!   before identify completes.
//! - Gossip is validated by the node before relaying (`validate_messages`): every message is
//!   held until `report_validation`, or dropped as `Ignore` if the node cannot take it.
//! - Banned (and test-blocked) peers are on the block list, which refuses their connections;
//!   bans are lifted by the periodic tick.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use libp2p::core::ConnectedPoint;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use libp2p::swarm::{ConnectionId, SwarmEvent};
use libp2p::{
    Multiaddr, PeerId, Swarm, SwarmBuilder, gossipsub, identify, identity, noise, tcp, yamux,
};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use crate::behaviour::{Behaviour, BehaviourEvent, ChainNames, build_behaviour};
use crate::handle::{BannedPeer, Command, KnownPeer, NetworkHandle, PeerInfo, RequestId};
use crate::message::{GossipMessage, MAX_ADDR_BYTES, MAX_GOSSIP_BYTES};
use crate::message::{MAX_PEERS_PER_RESPONSE, SyncRequest, SyncResponse};
use crate::scoring::{PeerScores, Penalty, Verdict};
use crate::{NetworkConfig, NetworkError, NetworkEvent};

/// How often bans expire, stale inbound requests are dropped and bootstrap peers redialled.
const TICK: Duration = Duration::from_secs(1);
/// Redial bootstrap peers every this many ticks while no peer is connected.
const REDIAL_TICKS: u64 = 5;
/// Most peers remembered for `/peers/all`.
const MAX_KNOWN: usize = 1000;

/// Starts the network: binds the listen address, dials the bootstrap peers and spawns the event
/// loop on the current tokio runtime. Returns once the first listen address is known.
pub async fn start(
    config: NetworkConfig,
) -> Result<(NetworkHandle, mpsc::Receiver<NetworkEvent>), NetworkError> {
    let key = match config.keypair_seed {
        Some(seed) => {
            identity::Keypair::ed25519_from_bytes(seed).map_err(|_| NetworkError::BadSeed)?
        }
        None => identity::Keypair::generate_ed25519(),
    };
    let names = ChainNames::new(config.chain_id, config.genesis_id, config.params_id)?;
    let behaviour = build_behaviour(&key, &config, &names)?;
    let mut swarm = SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| NetworkError::Transport(e.to_string()))?
        .with_behaviour(|_| behaviour)
        .map_err(|e| NetworkError::Transport(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();

    for (_, topic) in &names.topics {
        swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(topic)
            .map_err(|e| NetworkError::Config(e.to_string()))?;
    }
    swarm
        .listen_on(config.listen.clone())
        .map_err(|e| NetworkError::Transport(e.to_string()))?;
    // Wait for the bound address so callers (and tests on port 0) can learn it at once.
    let first_addr = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr { address, .. } => return Ok(address),
                SwarmEvent::ListenerClosed { reason, .. } => {
                    return Err(NetworkError::Transport(format!(
                        "listener closed: {reason:?}"
                    )));
                }
                SwarmEvent::ListenerError { error, .. } => {
                    return Err(NetworkError::Transport(error.to_string()));
                }
                _ => {}
            }
        }
    })
    .await
    .map_err(|_| NetworkError::Transport("no listen address within 10 s".into()))??;
    info!(peer = %swarm.local_peer_id(), addr = %first_addr, "network listening");

    for addr in &config.bootstrap {
        if let Err(e) = swarm.dial(addr.clone()) {
            warn!(%addr, error = %e, "bootstrap dial failed");
        }
    }

    let (cmd_tx, cmd_rx) = mpsc::channel(1024);
    let (event_tx, event_rx) = mpsc::channel(config.event_buffer.max(1));
    let handle = NetworkHandle::new(cmd_tx, *swarm.local_peer_id());
    let mut state = NetworkLoop {
        scores: PeerScores::new(config.ban_ms),
        config,
        names,
        swarm,
        events: event_tx,
        started: Instant::now(),
        started_epoch_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        listen_addrs: vec![first_addr],
        peers: HashMap::new(),
        connections: HashMap::new(),
        known: HashMap::new(),
        outbound: HashMap::new(),
        inbound: HashMap::new(),
        next_inbound: 0,
        partitioned: HashSet::new(),
        ticks: 0,
    };
    tokio::spawn(async move { state.run(cmd_rx).await });
    Ok((handle, event_rx))
}

/// A peer that passed the chain check.
struct VerifiedPeer {
    listen_addrs: Vec<Multiaddr>,
    agent: String,
}

/// Who is waiting for an outbound response.
enum Waiter {
    Node(oneshot::Sender<Result<SyncResponse, NetworkError>>),
    /// Our own peer-exchange request.
    PeerExchange,
}

struct Outbound {
    peer: PeerId,
    request: SyncRequest,
    waiter: Waiter,
}

struct NetworkLoop {
    config: NetworkConfig,
    names: ChainNames,
    swarm: Swarm<Behaviour>,
    events: mpsc::Sender<NetworkEvent>,
    scores: PeerScores,
    started: Instant,
    /// The wall clock at `started` (ms since the epoch), to report times to people.
    started_epoch_ms: u64,
    listen_addrs: Vec<Multiaddr>,
    peers: HashMap<PeerId, VerifiedPeer>,
    connections: HashMap<ConnectionId, (PeerId, Multiaddr, Option<IpAddr>)>,
    /// Every peer ever connected: its last remote address and when (ms), for `/peers/all`
    /// (bounded: the oldest are forgotten past [`MAX_KNOWN`]).
    known: HashMap<PeerId, (Multiaddr, u64)>,
    outbound: HashMap<OutboundRequestId, Outbound>,
    inbound: HashMap<u64, (ResponseChannel<SyncResponse>, u64)>,
    next_inbound: u64,
    partitioned: HashSet<PeerId>,
    ticks: u64,
}

fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

/// Whether `response` has the kind and at most the number of items that `request` asked for.
fn response_fits(request: &SyncRequest, response: &SyncResponse) -> bool {
    let span = |from: u64, to: u64| to.saturating_sub(from).saturating_add(1);
    match (request, response) {
        (_, SyncResponse::Error(_)) => true,
        (SyncRequest::Tip, SyncResponse::Tip { .. }) => true,
        (SyncRequest::Headers { from, to }, SyncResponse::Headers(h)) => {
            (h.len() as u64) <= span(*from, *to)
        }
        (SyncRequest::Blocks { from, to }, SyncResponse::Blocks(b)) => {
            (b.len() as u64) <= span(*from, *to)
        }
        (SyncRequest::Peers, SyncResponse::Peers(_)) => true,
        (SyncRequest::SyncedHeaders { from, to }, SyncResponse::SyncedHeaders(h)) => {
            (h.len() as u64) <= span(*from, *to)
        }
        (SyncRequest::Summary { .. }, SyncResponse::Summary(_)) => true,
        _ => false,
    }
}

impl NetworkLoop {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    async fn run(&mut self, mut commands: mpsc::Receiver<Command>) {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                cmd = commands.recv() => match cmd {
                    Some(Command::Shutdown) | None => break,
                    Some(cmd) => self.on_command(cmd),
                },
                _ = tick.tick() => self.on_tick(),
            }
        }
        info!(peer = %self.swarm.local_peer_id(), "network stopped");
    }

    fn emit(&self, event: NetworkEvent) -> bool {
        match self.events.try_send(event) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(ev)) => {
                warn!(event = ?ev, "event channel full; dropping");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    fn penalize(&mut self, peer: PeerId, penalty: Penalty) {
        let now = self.now_ms();
        match self.scores.penalize(peer, penalty, now) {
            Verdict::Keep(score) => debug!(%peer, ?penalty, score, "peer penalised"),
            Verdict::Ban { until_ms } => {
                if self.swarm.behaviour_mut().blocks.block_peer(peer) {
                    warn!(%peer, ?penalty, until_ms, "peer banned");
                    self.peers.remove(&peer);
                    self.emit(NetworkEvent::PeerBanned(peer));
                }
            }
        }
    }

    fn on_tick(&mut self) {
        self.ticks = self.ticks.wrapping_add(1);
        let now = self.now_ms();
        for peer in self.scores.expire(now) {
            if !self.partitioned.contains(&peer) {
                info!(%peer, "ban lifted");
                self.swarm.behaviour_mut().blocks.unblock_peer(peer);
            }
        }
        // Drop inbound requests the node never answered; the peer has timed out by now.
        let stale_ms = u64::try_from(self.config.request_timeout.as_millis())
            .unwrap_or(u64::MAX)
            .saturating_mul(2);
        self.inbound
            .retain(|_, (_, at)| now.saturating_sub(*at) <= stale_ms);
        if self.peers.is_empty() && self.ticks.is_multiple_of(REDIAL_TICKS) {
            for addr in self.config.bootstrap.clone() {
                let _ = self.swarm.dial(addr);
            }
        }
    }

    fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Publish(message, reply) => {
                let _ = reply.send(self.publish(message));
            }
            Command::ReportValidation {
                msg_id,
                source,
                accepted,
                penalty,
            } => {
                let acceptance = if accepted {
                    gossipsub::MessageAcceptance::Accept
                } else {
                    gossipsub::MessageAcceptance::Reject
                };
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(&msg_id, &source, acceptance);
                if let Some(p) = penalty {
                    self.penalize(source, p);
                }
            }
            Command::Request {
                peer,
                request,
                reply,
            } => {
                if let Err(e) = request.encode() {
                    let _ = reply.send(Err(e.into()));
                    return;
                }
                let id = self
                    .swarm
                    .behaviour_mut()
                    .sync
                    .send_request(&peer, request.clone());
                self.outbound.insert(
                    id,
                    Outbound {
                        peer,
                        request,
                        waiter: Waiter::Node(reply),
                    },
                );
            }
            Command::Respond {
                id,
                response,
                reply,
            } => {
                let result = match self.inbound.remove(&id.0) {
                    None => Err(NetworkError::UnknownRequest(id)),
                    Some((channel, _)) => match response.encode() {
                        Err(e) => Err(e.into()),
                        Ok(_) => self
                            .swarm
                            .behaviour_mut()
                            .sync
                            .send_response(channel, response)
                            .map_err(|_| NetworkError::RequestFailed {
                                peer: *self.swarm.local_peer_id(),
                                reason: "connection closed before the response".into(),
                            }),
                    },
                };
                let _ = reply.send(result);
            }
            Command::Peers(reply) => {
                let _ = reply.send(self.peer_infos());
            }
            Command::Penalize(peer, penalty) => self.penalize(peer, penalty),
            Command::ListenAddrs(reply) => {
                let _ = reply.send(self.listen_addrs.clone());
            }
            Command::Dial(addr, reply) => {
                let r = self
                    .swarm
                    .dial(addr)
                    .map_err(|e| NetworkError::Transport(e.to_string()));
                let _ = reply.send(r);
            }
            Command::BlockPeer(peer) => {
                self.partitioned.insert(peer);
                self.swarm.behaviour_mut().blocks.block_peer(peer);
            }
            Command::UnblockPeer(peer) => {
                self.partitioned.remove(&peer);
                if !self.scores.is_banned(&peer, self.now_ms()) {
                    self.swarm.behaviour_mut().blocks.unblock_peer(peer);
                }
            }
            Command::Shutdown => {}
            Command::Known(reply) => {
                // Connected peers are seen now.
                let now = self.now_ms();
                let connected: Vec<(PeerId, Multiaddr)> = self
                    .connections
                    .values()
                    .map(|(p, a, _)| (*p, a.clone()))
                    .collect();
                for (p, a) in connected {
                    self.known.insert(p, (a, now));
                }
                let mut list: Vec<KnownPeer> = self
                    .known
                    .iter()
                    .map(|(p, (a, seen))| KnownPeer {
                        peer: *p,
                        addr: a.clone(),
                        last_seen_ms: self.started_epoch_ms.saturating_add(*seen),
                    })
                    .collect();
                list.sort_by_key(|k| std::cmp::Reverse(k.last_seen_ms));
                let _ = reply.send(list);
            }
            Command::Banned(reply) => {
                let now = self.now_ms();
                let list = self
                    .scores
                    .bans(now)
                    .into_iter()
                    .map(|(peer, since_ms, until_ms, why)| BannedPeer {
                        peer,
                        addr: self.known.get(&peer).map(|(a, _)| a.clone()),
                        since_ms: self.started_epoch_ms.saturating_add(since_ms),
                        until_ms: self.started_epoch_ms.saturating_add(until_ms),
                        reason: format!("{why:?}"),
                    })
                    .collect();
                let _ = reply.send(list);
            }
            Command::ClearBans => {
                for peer in self.scores.clear() {
                    if !self.partitioned.contains(&peer) {
                        self.swarm.behaviour_mut().blocks.unblock_peer(peer);
                    }
                }
            }
        }
    }

    fn publish(&mut self, message: GossipMessage) -> Result<gossipsub::MessageId, NetworkError> {
        let topic = self.names.topic(message.kind());
        let len = message.bytes().len();
        if len > MAX_GOSSIP_BYTES {
            return Err(NetworkError::Publish(format!(
                "{len} bytes > {MAX_GOSSIP_BYTES}"
            )));
        }
        let bytes = match message {
            GossipMessage::Transaction(b)
            | GossipMessage::MicroBlock(b)
            | GossipMessage::KeyBlock(b) => b,
        };
        self.swarm
            .behaviour_mut()
            .gossipsub
            .publish(topic, bytes)
            .map_err(|e| NetworkError::Publish(e.to_string()))
    }

    fn peer_infos(&self) -> Vec<PeerInfo> {
        let mut out: Vec<PeerInfo> = self
            .peers
            .iter()
            .map(|(peer, v)| PeerInfo {
                peer: *peer,
                addrs: self
                    .connections
                    .values()
                    .filter(|(p, _, _)| p == peer)
                    .map(|(_, a, _)| a.clone())
                    .collect(),
                listen_addrs: v.listen_addrs.clone(),
                score: self.scores.score(peer),
                agent: v.agent.clone(),
            })
            .collect();
        out.sort_by_key(|p| p.peer.to_bytes());
        out
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } if !self.listen_addrs.contains(&address) => {
                self.listen_addrs.push(address);
            }
            SwarmEvent::ExpiredListenAddr { address, .. } => {
                self.listen_addrs.retain(|a| a != &address);
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                endpoint,
                ..
            } => self.on_connection(peer_id, connection_id, &endpoint),
            SwarmEvent::ConnectionClosed {
                peer_id,
                connection_id,
                num_established,
                ..
            } => {
                self.connections.remove(&connection_id);
                if num_established == 0 && self.peers.remove(&peer_id).is_some() {
                    debug!(peer = %peer_id, "peer disconnected");
                    self.emit(NetworkEvent::PeerDisconnected(peer_id));
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(e)) => self.on_identify(e),
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(e)) => self.on_gossip(e),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(e)) => self.on_sync(e),
            SwarmEvent::Behaviour(BehaviourEvent::Ping(_)) => {}
            SwarmEvent::Behaviour(BehaviourEvent::Blocks(e)) => match e {},
            SwarmEvent::Behaviour(BehaviourEvent::Limits(e)) => match e {},
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                debug!(peer = ?peer_id, %error, "dial failed");
            }
            SwarmEvent::IncomingConnectionError { error, .. } => {
                debug!(%error, "incoming connection refused");
            }
            _ => {}
        }
    }

    fn on_connection(&mut self, peer: PeerId, id: ConnectionId, endpoint: &ConnectedPoint) {
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
                .filter(|(_, _, i)| *i == Some(ip))
                .count();
            if same_ip >= self.config.max_per_ip as usize {
                debug!(%peer, %ip, "too many connections from this IP");
                self.swarm.close_connection(id);
                return;
            }
        }
        self.remember(peer, remote.clone());
        self.connections.insert(id, (peer, remote, ip));
    }

    /// Notes that `peer` is connected from `addr` now.
    fn remember(&mut self, peer: PeerId, addr: Multiaddr) {
        let now = self.now_ms();
        self.known.insert(peer, (addr, now));
        if self.known.len() > MAX_KNOWN
            && let Some(oldest) = self
                .known
                .iter()
                .min_by_key(|(_, (_, seen))| *seen)
                .map(|(p, _)| *p)
        {
            self.known.remove(&oldest);
        }
    }

    fn on_identify(&mut self, event: identify::Event) {
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
        let listen_addrs: Vec<Multiaddr> = info.listen_addrs.into_iter().take(16).collect();
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

    fn on_gossip(&mut self, event: gossipsub::Event) {
        let gossipsub::Event::Message {
            propagation_source,
            message_id,
            message,
        } = event
        else {
            return;
        };
        let verdict = |s: &mut Self, a| {
            s.swarm
                .behaviour_mut()
                .gossipsub
                .report_message_validation_result(&message_id, &propagation_source, a);
        };
        if self.scores.is_banned(&propagation_source, self.now_ms())
            || self.partitioned.contains(&propagation_source)
        {
            verdict(self, gossipsub::MessageAcceptance::Ignore);
            return;
        }
        let Some(kind) = self.names.kind_of(&message.topic) else {
            verdict(self, gossipsub::MessageAcceptance::Reject);
            self.penalize(propagation_source, Penalty::Unsolicited);
            return;
        };
        if message.data.len() > MAX_GOSSIP_BYTES {
            verdict(self, gossipsub::MessageAcceptance::Reject);
            self.penalize(propagation_source, Penalty::Oversize);
            return;
        }
        let event = NetworkEvent::Gossip {
            msg_id: message_id.clone(),
            source: propagation_source,
            message: GossipMessage::from_parts(kind, message.data),
        };
        if !self.emit(event) {
            verdict(self, gossipsub::MessageAcceptance::Ignore);
        }
    }

    fn on_sync(&mut self, event: request_response::Event<SyncRequest, SyncResponse>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => self.on_inbound_request(peer, request, channel),
                request_response::Message::Response {
                    request_id,
                    response,
                } => self.on_response(peer, request_id, response),
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                let (penalty, err) = match &error {
                    request_response::OutboundFailure::Timeout => {
                        (Some(Penalty::Timeout), NetworkError::Timeout { peer })
                    }
                    request_response::OutboundFailure::Io(e)
                        if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                    {
                        (Some(Penalty::Timeout), NetworkError::Timeout { peer })
                    }
                    request_response::OutboundFailure::Io(e)
                        if e.kind() == std::io::ErrorKind::InvalidData =>
                    {
                        (
                            Some(Penalty::GarbageBytes),
                            NetworkError::RequestFailed {
                                peer,
                                reason: e.to_string(),
                            },
                        )
                    }
                    other => (
                        None,
                        NetworkError::RequestFailed {
                            peer,
                            reason: other.to_string(),
                        },
                    ),
                };
                if let Some(p) = penalty {
                    self.penalize(peer, p);
                }
                if let Some(Outbound {
                    waiter: Waiter::Node(reply),
                    ..
                }) = self.outbound.remove(&request_id)
                {
                    let _ = reply.send(Err(err));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                if let request_response::InboundFailure::Io(e) = &error
                    && e.kind() == std::io::ErrorKind::InvalidData
                {
                    self.penalize(peer, Penalty::GarbageBytes);
                }
                debug!(%peer, %error, "inbound request failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn on_inbound_request(
        &mut self,
        peer: PeerId,
        request: SyncRequest,
        channel: ResponseChannel<SyncResponse>,
    ) {
        if request == SyncRequest::Peers {
            let response = SyncResponse::Peers(self.exchangeable_addrs(peer));
            let _ = self
                .swarm
                .behaviour_mut()
                .sync
                .send_response(channel, response);
            return;
        }
        let id = self.next_inbound;
        self.next_inbound = self.next_inbound.wrapping_add(1);
        self.inbound.insert(id, (channel, self.now_ms()));
        let delivered = self.emit(NetworkEvent::Request {
            id: RequestId(id),
            peer,
            request,
        });
        if !delivered && let Some((channel, _)) = self.inbound.remove(&id) {
            let busy = SyncResponse::Error("busy".into());
            let _ = self.swarm.behaviour_mut().sync.send_response(channel, busy);
        }
    }

    /// Listen addresses (with `/p2p/<id>`) of verified peers other than `asker`.
    fn exchangeable_addrs(&self, asker: PeerId) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (peer, v) in &self.peers {
            if *peer == asker {
                continue;
            }
            for addr in v.listen_addrs.iter().take(2) {
                let full = addr.clone().with_p2p(*peer).unwrap_or_else(|a| a);
                let bytes = full.to_vec();
                if bytes.len() <= MAX_ADDR_BYTES && out.len() < MAX_PEERS_PER_RESPONSE {
                    out.push(bytes);
                }
            }
        }
        out
    }

    fn on_response(&mut self, peer: PeerId, id: OutboundRequestId, response: SyncResponse) {
        let Some(outbound) = self.outbound.remove(&id) else {
            self.penalize(peer, Penalty::Unsolicited);
            return;
        };
        if outbound.peer != peer || !response_fits(&outbound.request, &response) {
            self.penalize(peer, Penalty::Unsolicited);
            if let Waiter::Node(reply) = outbound.waiter {
                let _ = reply.send(Err(NetworkError::BadResponse { peer }));
            }
            return;
        }
        match outbound.waiter {
            Waiter::Node(reply) => {
                let _ = reply.send(Ok(response));
            }
            Waiter::PeerExchange => {
                if let SyncResponse::Peers(addrs) = response {
                    self.on_peer_addrs(addrs);
                }
            }
        }
    }

    fn on_peer_addrs(&mut self, addrs: Vec<Vec<u8>>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_must_fit_requests() {
        let h = SyncRequest::Headers { from: 1, to: 2 };
        assert!(response_fits(
            &h,
            &SyncResponse::Headers(vec![vec![], vec![]])
        ));
        assert!(!response_fits(&h, &SyncResponse::Headers(vec![vec![]; 3])));
        assert!(!response_fits(
            &SyncRequest::Tip,
            &SyncResponse::Headers(vec![])
        ));
        assert!(response_fits(
            &SyncRequest::Tip,
            &SyncResponse::Error("x".into())
        ));
        let b = SyncRequest::Blocks { from: 5, to: 5 };
        assert!(!response_fits(
            &b,
            &SyncResponse::Blocks(vec![(vec![], vec![]); 2])
        ));
    }
}
