//! Fork choice (Waves' node; docs/architecture.md):
//! which of two chains, or two sibling key blocks, a node follows.
//!
//! - A chain's score is `Σ 2^64 / base_target` over its key blocks (genesis and the liquid
//!   block included; micro blocks add nothing).
//! - A node switches to a remote chain only if its score is strictly greater, and only if the
//!   reorganisation is at most `max_rollback` blocks deep.
//! - Two key blocks on the same parent: the higher block score wins, then the earlier
//!   timestamp (Waves ≥ 1.5), then the one seen first.
//!
//! Pure: no clock, no I/O. Arrival order is the caller's (a counter it keeps).

use crate::pos::{ChainScore, PosError, block_score};
use ltonode_ledger::block::KeyBlockHeader;
use ltonode_ledger::chain::{Chain, ChainError};
use ltonode_ledger::{Height, Store};
use std::cmp::Ordering;
use thiserror::Error;

/// Why a score could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ForkError {
    /// The chain could not be read.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// A header has a zero base target, or the sum overflowed.
    #[error("score: {0}")]
    Score(#[from] PosError),
    /// A header inside the range is missing from the store.
    #[error("missing header at height {0}")]
    MissingHeader(u32),
}

/// The summed score of `headers` (any order).
pub fn headers_score<'a, I>(headers: I) -> Result<ChainScore, PosError>
where
    I: IntoIterator<Item = &'a KeyBlockHeader>,
{
    headers
        .into_iter()
        .try_fold(ChainScore::ZERO, |s, h| s.with_block(h.base_target))
}

/// The summed score of the key blocks at heights `from..=to` of `chain` (zero when
/// `from > to`). Callers cache prefix sums and only ask for the heights that changed.
pub fn range_score<S: Store>(
    chain: &Chain<S>,
    from: Height,
    to: Height,
) -> Result<ChainScore, ForkError> {
    let mut score = ChainScore::ZERO;
    for h in from.0..=to.0 {
        if h == 0 {
            continue;
        }
        let header = chain
            .header_at(Height(h))?
            .ok_or(ForkError::MissingHeader(h))?;
        score = score.with_block(header.base_target)?;
    }
    Ok(score)
}

/// The score of the whole chain, genesis to tip (zero for an empty chain).
pub fn chain_score<S: Store>(chain: &Chain<S>) -> Result<ChainScore, ForkError> {
    range_score(chain, Height(1), chain.height())
}

/// Most heights whose cumulative score a [`ScoreCache`] remembers.
const SCORE_CACHE_HEIGHTS: usize = 4096;

/// Cumulative scores of the recent key blocks (`height -> (key-block id, score of 1..=height)`),
/// so that the chain score costs one header read while the tip only grows, and a reorganisation
/// `d` deep costs about `d` reads instead of a pass over every header of the chain.
#[derive(Clone, Debug, Default)]
pub struct ScoreCache {
    prefix: std::collections::BTreeMap<u32, (ltonode_ledger::block::BlockId, ChainScore)>,
}

impl ScoreCache {
    /// The score of `chain` (genesis to tip), as [`chain_score`] computes it.
    pub fn score<S: Store>(&mut self, chain: &Chain<S>) -> Result<ChainScore, ForkError> {
        let tip = chain.height().0;
        // The highest remembered height that is still on this chain.
        let mut base = (0u32, ChainScore::ZERO);
        for (h, (id, score)) in self.prefix.range(..=tip).rev() {
            let header = chain
                .header_at(Height(*h))?
                .ok_or(ForkError::MissingHeader(*h))?;
            if header.id() == *id {
                base = (*h, *score);
                break;
            }
        }
        let _stale = self.prefix.split_off(&base.0.saturating_add(1));
        let (mut h, mut score) = base;
        while h < tip {
            h += 1;
            let header = chain
                .header_at(Height(h))?
                .ok_or(ForkError::MissingHeader(h))?;
            score = score.with_block(header.base_target)?;
            if tip - h < SCORE_CACHE_HEIGHTS as u32 {
                self.prefix.insert(h, (header.id(), score));
            }
        }
        while self.prefix.len() > SCORE_CACHE_HEIGHTS {
            self.prefix.pop_first();
        }
        Ok(score)
    }
}

/// A key block competing with a sibling, with the order in which the node first saw it
/// (lower is earlier).
#[derive(Clone, Copy, Debug)]
pub struct Sibling<'a> {
    /// The competing key block's header (its score and timestamp decide).
    pub header: &'a KeyBlockHeader,
    /// Arrival order at this node.
    pub seen: u64,
}

/// Compares two key blocks on the same parent: `Greater` when `a` is preferred. Higher block
/// score first (a zero base target counts as score zero: such a block is invalid anyway),
/// then the earlier timestamp, then the one seen first. `Equal` only if all three tie.
pub fn prefer_sibling(a: Sibling<'_>, b: Sibling<'_>) -> Ordering {
    let score = |s: Sibling<'_>| block_score(s.header.base_target).unwrap_or(0);
    score(a)
        .cmp(&score(b))
        .then_with(|| b.header.timestamp.cmp(&a.header.timestamp))
        .then_with(|| b.seen.cmp(&a.seen))
}

/// Whether to switch from the local chain to a remote one: only for a strictly higher score
/// (on a tie the node keeps what it has).
pub fn should_switch(local: ChainScore, remote: ChainScore) -> bool {
    remote > local
}

/// Whether a reorganisation from `local_height` down to the common ancestor at
/// `common_ancestor_height` is allowed: the ancestor is on the chain (at or below the tip,
/// not below genesis) and at most `max_rollback` blocks are undone.
pub fn reorg_allowed(
    local_height: Height,
    common_ancestor_height: Height,
    max_rollback: u32,
) -> bool {
    common_ancestor_height.0 >= 1
        && common_ancestor_height <= local_height
        && local_height.0 - common_ancestor_height.0 <= max_rollback
}

#[cfg(test)]
mod tests {
    use super::*;
    use ltonode_ledger::{PublicKey, Timestamp};

    fn header(bt: u64, ts: u64) -> KeyBlockHeader {
        KeyBlockHeader::unsigned(
            Height(5),
            Timestamp(ts),
            ltonode_ledger::block::BlockId([7; 32]),
            bt,
        )
    }

    #[test]
    fn headers_score_sums_exact_values() {
        let hs = [header(1 << 60, 0), header(1 << 62, 0), header(3, 0)];
        // 2^64/2^60 + 2^64/2^62 + floor(2^64/3)
        let expected = 16 + 4 + (1u128 << 64) / 3;
        assert_eq!(headers_score(&hs), Ok(ChainScore(expected)));
        assert_eq!(headers_score(&[]), Ok(ChainScore::ZERO));
        assert_eq!(
            headers_score(&[header(0, 0)]),
            Err(PosError::ZeroBaseTarget)
        );
    }

    #[test]
    fn siblings_higher_score_then_earlier_then_first_seen() {
        let low_bt = header(100, 2000);
        let high_bt = header(101, 1000);
        // Lower base target = higher score wins even with a later timestamp.
        assert_eq!(
            prefer_sibling(
                Sibling {
                    header: &low_bt,
                    seen: 9
                },
                Sibling {
                    header: &high_bt,
                    seen: 1
                }
            ),
            Ordering::Greater
        );
        // Same score: the earlier timestamp wins.
        let early = header(100, 1500);
        assert_eq!(
            prefer_sibling(
                Sibling {
                    header: &low_bt,
                    seen: 1
                },
                Sibling {
                    header: &early,
                    seen: 2
                }
            ),
            Ordering::Less
        );
        // Same score and timestamp: first seen wins.
        let twin = header(100, 2000);
        let a = Sibling {
            header: &low_bt,
            seen: 3,
        };
        let b = Sibling {
            header: &twin,
            seen: 4,
        };
        assert_eq!(prefer_sibling(a, b), Ordering::Greater);
        assert_eq!(prefer_sibling(b, a), Ordering::Less);
        assert_eq!(prefer_sibling(a, a), Ordering::Equal);
        // A zero base target never wins on score.
        let zero = header(0, 0);
        assert_eq!(
            prefer_sibling(
                Sibling {
                    header: &zero,
                    seen: 0
                },
                Sibling {
                    header: &low_bt,
                    seen: 1
                }
            ),
            Ordering::Less
        );
    }

    #[test]
    fn chain_score_of_a_genesis_chain() {
        use ltonode_ledger::chain::ChainConfig;
        use ltonode_ledger::{Address, Amount, ChainId, KeyPair, MemStore, Transaction, TxBody};
        let to = KeyPair::from_seed_phrase("fork", 0);
        let tx = Transaction {
            version: 1,
            chain_id: ChainId::TESTNET,
            timestamp: Timestamp(1000),
            sender: PublicKey([0; 32]).into(),
            fee: Amount(0),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Genesis {
                recipient: Address::from_public_key(ChainId::TESTNET, &to.public_key()),
                amount: Amount(1_000_000),
            },
        };
        let mut chain =
            Chain::open(MemStore::new(), ChainConfig::lto(ChainId::TESTNET)).expect("open");
        assert_eq!(chain_score(&chain), Ok(ChainScore::ZERO));
        chain
            .init_genesis(Timestamp(1000), 250, vec![tx])
            .expect("genesis");
        assert_eq!(chain_score(&chain), Ok(ChainScore((1u128 << 64) / 250)));
        assert_eq!(
            range_score(&chain, Height(2), Height(1)),
            Ok(ChainScore::ZERO)
        );
        assert_eq!(
            range_score(&chain, Height(1), Height(2)),
            Err(ForkError::MissingHeader(2))
        );
    }

    #[test]
    fn switch_only_on_strictly_higher_score() {
        assert!(should_switch(ChainScore(10), ChainScore(11)));
        assert!(!should_switch(ChainScore(10), ChainScore(10)));
        assert!(!should_switch(ChainScore(11), ChainScore(10)));
    }

    #[test]
    fn reorg_depth_bounds() {
        assert!(reorg_allowed(Height(120), Height(20), 100));
        assert!(!reorg_allowed(Height(121), Height(20), 100));
        assert!(reorg_allowed(Height(5), Height(5), 0));
        assert!(!reorg_allowed(Height(5), Height(6), 100));
        assert!(!reorg_allowed(Height(5), Height(0), 100));
        assert!(reorg_allowed(Height(5), Height(1), 100));
    }
}
