//! Sync by request-response: requests the node sends (each response checked against its
//! request), inbound requests (peer exchange answered here, the rest handed to the node and
//! held until it responds), and failures in either direction.

use libp2p::PeerId;
use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use tokio::sync::oneshot;
use tracing::debug;

use super::{NetworkLoop, Outbound, PendingResponse, Waiter};
use crate::error::NetworkError;
use crate::event::{NetworkEvent, RequestId};
use crate::message::{SyncRequest, SyncResponse};
use crate::scoring::Penalty;

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
    /// Sends the node's `request` to `peer`; `reply` gets the response or the failure.
    pub(super) fn send_request(
        &mut self,
        peer: PeerId,
        request: SyncRequest,
        reply: oneshot::Sender<Result<SyncResponse, NetworkError>>,
    ) {
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

    /// Sends the node's answer to the inbound request `id`.
    pub(super) fn respond(
        &mut self,
        id: RequestId,
        response: SyncResponse,
    ) -> Result<(), NetworkError> {
        match self.inbound.remove(&id.0) {
            None => Err(NetworkError::UnknownRequest(id)),
            Some(PendingResponse { channel, .. }) => match response.encode() {
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
        }
    }

    /// An event of the sync protocol.
    pub(super) fn on_sync(&mut self, event: request_response::Event<SyncRequest, SyncResponse>) {
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
            } => self.on_outbound_failure(peer, request_id, &error),
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

    /// An outbound request failed: timeouts and garbage cost the peer score; whoever waits
    /// for the response gets the error.
    fn on_outbound_failure(
        &mut self,
        peer: PeerId,
        request_id: OutboundRequestId,
        error: &request_response::OutboundFailure,
    ) {
        let (penalty, err) = match error {
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

    /// An inbound request: peer exchange is answered here; anything else goes to the node,
    /// or is answered "busy" when the node's channel is full.
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
        let received_ms = self.now_ms();
        self.inbound.insert(
            id,
            PendingResponse {
                channel,
                received_ms,
            },
        );
        let delivered = self.emit(NetworkEvent::Request {
            id: RequestId(id),
            peer,
            request,
        });
        if !delivered && let Some(PendingResponse { channel, .. }) = self.inbound.remove(&id) {
            let busy = SyncResponse::Error("busy".into());
            let _ = self.swarm.behaviour_mut().sync.send_response(channel, busy);
        }
    }

    /// A response: it must come from the peer asked and fit the request, else the peer is
    /// penalised and the waiter told.
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
