//! The simulated network: every ordered pair of nodes is a link with a fixed latency drawn
//! once from a seeded range (so each link is FIFO, like a TCP stream), an independent loss
//! probability per message, and partitions: while a partition is set, a message between
//! nodes of different groups is dropped.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What became of a message handed to the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// It arrives at this virtual time.
    At(u64),
    /// Lost on the link.
    Lost,
    /// Dropped by a partition.
    Partitioned,
}

/// Links, loss and partitions.
pub struct Network {
    latency: Vec<Vec<u64>>,
    loss: f64,
    group: Option<Vec<usize>>,
    rng: ChaCha8Rng,
    /// Messages lost on links.
    pub lost: u64,
    /// Messages dropped by partitions.
    pub partitioned: u64,
}

impl Network {
    /// A network of `nodes` nodes, link latencies uniform in `latency_ms` (inclusive), each
    /// message lost with probability `loss`.
    pub fn new(nodes: usize, latency_ms: (u64, u64), loss: f64, seed: u64) -> Network {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (lo, hi) = (
            latency_ms.0.min(latency_ms.1),
            latency_ms.0.max(latency_ms.1),
        );
        let latency = (0..nodes)
            .map(|_| (0..nodes).map(|_| rng.random_range(lo..=hi)).collect())
            .collect();
        Network {
            latency,
            loss: loss.clamp(0.0, 1.0),
            group: None,
            rng,
            lost: 0,
            partitioned: 0,
        }
    }

    /// The latency of the link `from -> to`.
    pub fn latency(&self, from: usize, to: usize) -> u64 {
        self.latency
            .get(from)
            .and_then(|l| l.get(to))
            .copied()
            .unwrap_or(0)
    }

    /// Splits the nodes into `groups`; nodes not listed form one more group together.
    pub fn partition(&mut self, groups: &[Vec<usize>]) {
        let n = self.latency.len();
        let mut group = vec![groups.len(); n];
        for (g, members) in groups.iter().enumerate() {
            for &m in members {
                if let Some(slot) = group.get_mut(m) {
                    *slot = g;
                }
            }
        }
        self.group = Some(group);
    }

    /// Removes the partition.
    pub fn heal(&mut self) {
        self.group = None;
    }

    /// Whether `a` and `b` can reach each other now.
    pub fn connected(&self, a: usize, b: usize) -> bool {
        match &self.group {
            None => true,
            Some(g) => g.get(a) == g.get(b),
        }
    }

    /// Sends a message `from -> to` at time `now`.
    pub fn send(&mut self, from: usize, to: usize, now: u64) -> Delivery {
        if !self.connected(from, to) {
            self.partitioned += 1;
            return Delivery::Partitioned;
        }
        if self.loss > 0.0 && self.rng.random_bool(self.loss) {
            self.lost += 1;
            return Delivery::Lost;
        }
        Delivery::At(now.saturating_add(self.latency(from, to)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_drop_across_groups_only() {
        let mut n = Network::new(4, (10, 10), 0.0, 1);
        assert_eq!(n.send(0, 3, 100), Delivery::At(110));
        n.partition(&[vec![0, 1]]);
        assert_eq!(n.send(0, 1, 100), Delivery::At(110));
        assert_eq!(n.send(2, 3, 100), Delivery::At(110));
        assert_eq!(n.send(1, 2, 100), Delivery::Partitioned);
        n.heal();
        assert_eq!(n.send(1, 2, 100), Delivery::At(110));
        assert_eq!(n.partitioned, 1);
    }

    #[test]
    fn latencies_are_seeded_and_in_range() {
        let a = Network::new(5, (20, 80), 0.0, 7);
        let b = Network::new(5, (20, 80), 0.0, 7);
        for i in 0..5 {
            for j in 0..5 {
                assert!((20..=80).contains(&a.latency(i, j)));
                assert_eq!(a.latency(i, j), b.latency(i, j));
            }
        }
    }

    #[test]
    fn total_loss_drops_everything() {
        let mut n = Network::new(2, (1, 1), 1.0, 3);
        assert_eq!(n.send(0, 1, 0), Delivery::Lost);
        assert_eq!(n.lost, 1);
    }
}
