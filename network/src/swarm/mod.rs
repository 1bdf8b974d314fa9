//! The single event loop that owns the swarm (see `behaviour.rs` for what it is made of), with
//! one module per kind of event it handles:
//!
//! - `peers.rs`: connections opened and closed, identify (the chain check), the peer lists and
//!   the peer exchange;
//! - `gossip.rs`: gossip received, published and judged;
//! - `sync.rs`: request-response, inbound and outbound;
//! - `commands.rs`: what the node asks through its [`NetworkHandle`].
//!
//! This file holds the loop's state, its start, the dispatch and the periodic tick.
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

mod commands;
mod gossip;
mod peers;
mod sync;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use libp2p::request_response::{OutboundRequestId, ResponseChannel};
use libp2p::swarm::{ConnectionId, SwarmEvent};
use libp2p::{Multiaddr, PeerId, Swarm, SwarmBuilder, identity, noise, tcp, yamux};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use crate::behaviour::{Behaviour, BehaviourEvent, ChainNames, build_behaviour};
use crate::config::NetworkConfig;
use crate::error::NetworkError;
use crate::event::NetworkEvent;
use crate::handle::{Command, NetworkHandle};
use crate::message::{SyncRequest, SyncResponse};
use crate::scoring::{PeerScores, Penalty, Verdict};

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

/// An established connection.
struct Connection {
    peer: PeerId,
    /// The peer's address on this connection.
    remote: Multiaddr,
    /// The IP of `remote`, for the per-IP limit.
    ip: Option<IpAddr>,
}

/// Where and when a peer was last seen connected.
struct Sighting {
    addr: Multiaddr,
    /// Loop time (ms since `started`).
    seen_ms: u64,
}

/// An inbound request handed to the node, waiting for its answer.
struct PendingResponse {
    channel: ResponseChannel<SyncResponse>,
    /// Loop time (ms since `started`) it arrived at.
    received_ms: u64,
}

/// Who is waiting for an outbound response.
enum Waiter {
    Node(oneshot::Sender<Result<SyncResponse, NetworkError>>),
    /// Our own peer-exchange request.
    PeerExchange,
}

/// An outbound request in flight.
struct Outbound {
    peer: PeerId,
    request: SyncRequest,
    waiter: Waiter,
}

/// The state of the event loop.
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
    connections: HashMap<ConnectionId, Connection>,
    /// Every peer ever connected, for `/peers/all` (bounded: the oldest are forgotten past
    /// [`MAX_KNOWN`]).
    known: HashMap<PeerId, Sighting>,
    outbound: HashMap<OutboundRequestId, Outbound>,
    /// Inbound requests by the id the node answers with.
    inbound: HashMap<u64, PendingResponse>,
    next_inbound: u64,
    /// Peers blocked by the node (tests' partitions); bans never lift their block.
    partitioned: HashSet<PeerId>,
    ticks: u64,
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
            .retain(|_, pending| now.saturating_sub(pending.received_ms) <= stale_ms);
        if self.peers.is_empty() && self.ticks.is_multiple_of(REDIAL_TICKS) {
            for addr in self.config.bootstrap.clone() {
                let _ = self.swarm.dial(addr);
            }
        }
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
            } => self.on_connection_closed(peer_id, connection_id, num_established),
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
}
