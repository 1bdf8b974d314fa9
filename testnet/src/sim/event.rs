//! The virtual clock's event queue: a min-heap ordered by `(time, seq)`, where `seq` is a
//! global insertion counter, so events at the same millisecond run in the order they were
//! scheduled and every run with the same seed replays identically.

use super::message::Message;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Something that happens at a virtual time.
#[derive(Clone, Debug)]
pub enum EventKind {
    /// A message arrives at `to`.
    Deliver {
        /// The sender.
        from: usize,
        /// The receiver.
        to: usize,
        /// The message.
        msg: Box<Message>,
    },
    /// A node's forger asked to be woken; stale if `generation` is not the node's latest.
    Wake {
        /// The node.
        node: usize,
        /// The wake generation it was scheduled with.
        generation: u64,
    },
    /// Every node announces its score to its peers.
    Gossip,
    /// The transaction load submits its next transaction.
    Load,
}

/// An event with its time and tie-breaking sequence number.
#[derive(Clone, Debug)]
pub struct Event {
    /// Virtual time (ms).
    pub at: u64,
    /// Insertion order.
    pub seq: u64,
    /// What happens.
    pub kind: EventKind,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Event {}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Event {
    /// Reversed, so the `BinaryHeap` (a max-heap) pops the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The pending events.
#[derive(Default)]
pub struct EventQueue {
    heap: BinaryHeap<Event>,
    seq: u64,
}

impl EventQueue {
    /// Schedules `kind` at `at`.
    pub fn push(&mut self, at: u64, kind: EventKind) {
        self.seq = self.seq.wrapping_add(1);
        self.heap.push(Event {
            at,
            seq: self.seq,
            kind,
        });
    }

    /// The time of the next event.
    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.at)
    }

    /// Removes and returns the next event.
    pub fn pop(&mut self) -> Option<Event> {
        self.heap.pop()
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut q = EventQueue::default();
        q.push(10, EventKind::Gossip);
        q.push(5, EventKind::Load);
        q.push(10, EventKind::Load);
        q.push(5, EventKind::Gossip);
        let order: Vec<(u64, u64)> =
            std::iter::from_fn(|| q.pop().map(|e| (e.at, e.seq))).collect();
        assert_eq!(order, vec![(5, 2), (5, 4), (10, 1), (10, 3)]);
    }
}
