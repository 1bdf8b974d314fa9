//! Commands from the node's [`NetworkHandle`](crate::NetworkHandle): each is carried out on the
//! swarm or answered from the loop's state.

use super::NetworkLoop;
use crate::error::NetworkError;
use crate::handle::Command;

impl NetworkLoop {
    /// Carries out one command (`Shutdown` is handled by the loop itself).
    pub(super) fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Publish(message, reply) => {
                let _ = reply.send(self.publish(message));
            }
            Command::ReportValidation {
                msg_id,
                source,
                accepted,
                penalty,
            } => self.report_validation(&msg_id, source, accepted, penalty),
            Command::Request {
                peer,
                request,
                reply,
            } => self.send_request(peer, request, reply),
            Command::Respond {
                id,
                response,
                reply,
            } => {
                let _ = reply.send(self.respond(id, response));
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
                let _ = reply.send(self.known_peers());
            }
            Command::Banned(reply) => {
                let _ = reply.send(self.banned_peers());
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
}
