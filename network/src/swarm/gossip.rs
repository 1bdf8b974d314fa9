//! Gossip: messages published for the node, messages received (checked for topic, size and
//! sender, then handed to the node and held), and the node's verdict on them, which decides
//! whether gossipsub relays them.

use libp2p::PeerId;
use libp2p::gossipsub;

use super::NetworkLoop;
use crate::error::NetworkError;
use crate::event::NetworkEvent;
use crate::message::{GossipMessage, MAX_GOSSIP_BYTES};
use crate::scoring::Penalty;

impl NetworkLoop {
    /// Publishes `message` on its topic (refused above [`MAX_GOSSIP_BYTES`]).
    pub(super) fn publish(
        &mut self,
        message: GossipMessage,
    ) -> Result<gossipsub::MessageId, NetworkError> {
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

    /// The node's verdict on a held message: accepted ones are relayed, refused ones dropped
    /// and their source optionally penalised.
    pub(super) fn report_validation(
        &mut self,
        msg_id: &gossipsub::MessageId,
        source: PeerId,
        accepted: bool,
        penalty: Option<Penalty>,
    ) {
        let acceptance = if accepted {
            gossipsub::MessageAcceptance::Accept
        } else {
            gossipsub::MessageAcceptance::Reject
        };
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(msg_id, &source, acceptance);
        if let Some(p) = penalty {
            self.penalize(source, p);
        }
    }

    /// A gossip message received: ignored from banned or partitioned sources, refused (and
    /// the source penalised) on an unknown topic or above the size cap, else handed to the
    /// node, or ignored when the node's channel is full.
    pub(super) fn on_gossip(&mut self, event: gossipsub::Event) {
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
}
