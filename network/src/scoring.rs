//! Peer scores and the ban list: a pure state machine, time passed in as milliseconds.
//!
//! Every peer starts at 0; misbehaviour subtracts a fixed [`Penalty`]. A peer whose score falls
//! below [`BAN_THRESHOLD`] is banned until `now + ban_ms` and its score is forgotten, so after
//! the ban it starts again from 0. The swarm checks [`PeerScores::is_banned`] on every new
//! connection and calls [`PeerScores::expire`] periodically to lift old bans.

use std::collections::HashMap;

use libp2p::PeerId;

/// A score strictly below this bans the peer.
pub const BAN_THRESHOLD: i32 = -100;

/// A kind of misbehaviour and its cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Penalty {
    /// A block that failed validation.
    InvalidBlock,
    /// A bad signature on a transaction or block.
    BadSignature,
    /// Bytes that do not decode.
    GarbageBytes,
    /// A message above its size cap.
    Oversize,
    /// A response nobody asked for, or one that does not match its request.
    Unsolicited,
    /// A request that timed out.
    Timeout,
    /// A peer on another chain id or genesis: banned at once.
    WrongChain,
}

impl Penalty {
    /// How much this penalty lowers the score.
    pub fn cost(self) -> i32 {
        match self {
            Self::InvalidBlock | Self::BadSignature => 50,
            Self::GarbageBytes | Self::Oversize => 30,
            Self::Unsolicited => 10,
            Self::Timeout => 5,
            Self::WrongChain => 1000,
        }
    }
}

/// What a penalty led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The peer stays, with this score.
    Keep(i32),
    /// The peer is banned until this time (ms); disconnect it.
    Ban {
        /// End of the ban, in the caller's milliseconds.
        until_ms: u64,
    },
}

/// A ban in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ban {
    /// The banned peer.
    pub peer: PeerId,
    /// When the ban began, in the caller's milliseconds.
    pub since_ms: u64,
    /// When it ends, in the caller's milliseconds.
    pub until_ms: u64,
    /// The penalty that took the score below [`BAN_THRESHOLD`].
    pub cause: Penalty,
}

/// Scores and bans of all peers seen.
#[derive(Debug, Clone)]
pub struct PeerScores {
    ban_ms: u64,
    scores: HashMap<PeerId, i32>,
    bans: HashMap<PeerId, u64>,
    /// When each ban began and the penalty that caused it.
    ban_causes: HashMap<PeerId, (u64, Penalty)>,
}

impl PeerScores {
    /// Empty table; bans last `ban_ms` milliseconds.
    pub fn new(ban_ms: u64) -> Self {
        Self {
            ban_ms,
            scores: HashMap::new(),
            bans: HashMap::new(),
            ban_causes: HashMap::new(),
        }
    }

    /// Current score of `peer` (0 if never penalised).
    pub fn score(&self, peer: &PeerId) -> i32 {
        self.scores.get(peer).copied().unwrap_or(0)
    }

    /// Lowers `peer`'s score by `penalty` at time `now_ms`; bans it under the threshold.
    pub fn penalize(&mut self, peer: PeerId, penalty: Penalty, now_ms: u64) -> Verdict {
        if let Some(&until_ms) = self.bans.get(&peer) {
            return Verdict::Ban { until_ms };
        }
        let score = self.score(&peer).saturating_sub(penalty.cost());
        if score < BAN_THRESHOLD {
            self.scores.remove(&peer);
            let until_ms = now_ms.saturating_add(self.ban_ms);
            self.bans.insert(peer, until_ms);
            self.ban_causes.insert(peer, (now_ms, penalty));
            Verdict::Ban { until_ms }
        } else {
            self.scores.insert(peer, score);
            Verdict::Keep(score)
        }
    }

    /// Whether `peer` is banned at `now_ms`.
    pub fn is_banned(&self, peer: &PeerId, now_ms: u64) -> bool {
        self.bans.get(peer).is_some_and(|&until| now_ms < until)
    }

    /// Lifts every ban that ended by `now_ms` and returns those peers.
    pub fn expire(&mut self, now_ms: u64) -> Vec<PeerId> {
        let ended: Vec<PeerId> = self
            .bans
            .iter()
            .filter(|&(_, &until)| until <= now_ms)
            .map(|(p, _)| *p)
            .collect();
        for p in &ended {
            self.bans.remove(p);
            self.ban_causes.remove(p);
        }
        ended
    }

    /// Every ban in force at `now_ms`, the newest first.
    pub fn bans(&self, now_ms: u64) -> Vec<Ban> {
        let mut out: Vec<Ban> = self
            .bans
            .iter()
            .filter(|&(_, &until)| now_ms < until)
            .map(|(p, &until)| {
                let (since, why) = self
                    .ban_causes
                    .get(p)
                    .copied()
                    .unwrap_or((now_ms, Penalty::WrongChain));
                Ban {
                    peer: *p,
                    since_ms: since,
                    until_ms: until,
                    cause: why,
                }
            })
            .collect();
        out.sort_by_key(|ban| std::cmp::Reverse(ban.since_ms));
        out
    }

    /// Lifts every ban now; returns the peers.
    pub fn clear(&mut self) -> Vec<PeerId> {
        self.ban_causes.clear();
        self.bans.drain().map(|(p, _)| p).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalties_accumulate_then_ban() {
        let mut s = PeerScores::new(60_000);
        let p = PeerId::random();
        assert_eq!(s.penalize(p, Penalty::InvalidBlock, 0), Verdict::Keep(-50));
        assert_eq!(s.penalize(p, Penalty::BadSignature, 1), Verdict::Keep(-100));
        assert!(!s.is_banned(&p, 1));
        assert_eq!(
            s.penalize(p, Penalty::Timeout, 2),
            Verdict::Ban { until_ms: 60_002 }
        );
        assert!(s.is_banned(&p, 60_001));
        assert!(!s.is_banned(&p, 60_002));
        // Further penalties during the ban do not extend it.
        assert_eq!(
            s.penalize(p, Penalty::GarbageBytes, 10),
            Verdict::Ban { until_ms: 60_002 }
        );
    }

    #[test]
    fn garbage_four_times_bans() {
        let mut s = PeerScores::new(1000);
        let p = PeerId::random();
        for expected in [-30, -60, -90] {
            assert_eq!(
                s.penalize(p, Penalty::GarbageBytes, 0),
                Verdict::Keep(expected)
            );
        }
        assert_eq!(
            s.penalize(p, Penalty::GarbageBytes, 5),
            Verdict::Ban { until_ms: 1005 }
        );
    }

    #[test]
    fn expiry_lifts_bans_and_resets_score() {
        let mut s = PeerScores::new(100);
        let (a, b) = (PeerId::random(), PeerId::random());
        assert_eq!(
            s.penalize(a, Penalty::WrongChain, 0),
            Verdict::Ban { until_ms: 100 }
        );
        assert_eq!(s.penalize(b, Penalty::Unsolicited, 0), Verdict::Keep(-10));
        assert_eq!(
            s.bans(50).iter().map(|ban| ban.peer).collect::<Vec<_>>(),
            vec![a]
        );
        assert!(s.expire(99).is_empty());
        assert_eq!(s.expire(100), vec![a]);
        assert!(!s.is_banned(&a, 100));
        assert_eq!(s.score(&a), 0);
        assert_eq!(s.score(&b), -10);
    }

    #[test]
    fn costs_match_the_issue() {
        assert_eq!(Penalty::InvalidBlock.cost(), 50);
        assert_eq!(Penalty::BadSignature.cost(), 50);
        assert_eq!(Penalty::GarbageBytes.cost(), 30);
        assert_eq!(Penalty::Oversize.cost(), 30);
        assert_eq!(Penalty::Unsolicited.cost(), 10);
        assert_eq!(Penalty::Timeout.cost(), 5);
    }
}
