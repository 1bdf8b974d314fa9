//! Fair PoS with the whitepaper's Leased Proof of Importance weighting: the hit, the forging
//! delay, the base-target adjustment, block and chain score, the raffle factor and the
//! weighted generating balance.
//!
//! Sources: the Waves node (delay and its test vectors, base target, score) and the LTO
//! whitepaper (own-stake rule 15.1, raffle factor 15.2); docs/architecture.md says where each
//! rule is applied.
//!
//! Everything is integer arithmetic except the delay's two logarithms and the raffle factor's
//! one exponential. Those use the pure-software `libm` (never the platform's `f64::ln`/`exp`),
//! and IEEE `+ - * /` and int/float conversions are exactly rounded, so every host computes the
//! same bits.
//!
//! The raffle factor enters only the weighted balance `w`, i.e. the delay's denominator:
//! a generator's chance to forge the next block is then exactly `w_i / Σ w_j`, as with plain
//! Fair PoS, and the base target absorbs the overall scale of `r`.

// Amounts, weights and heights must not wrap: every integer operation here is checked,
// saturating or provably in range.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use crate::params::ChainParams;
use ltonode_ledger::{Amount, Height, Timestamp};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The largest hit, `2^64 - 1`, as the f64 the reference divides by (it rounds to `2^64`).
const MAX_HIT: f64 = 18446744073709551615.0;

/// Parts per million: the fixed-point scale of [`RaffleFactor`].
pub const PPM: u32 = 1_000_000;

/// [`PPM`] as the u128 divisor of the weighted balance.
const PPM_WIDE: u128 = 1_000_000;

/// Why a consensus quantity could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PosError {
    /// The generator's raw generating balance is below the network's minimum.
    #[error("generating balance {found} is below the minimum {required}")]
    BelowMinimum {
        /// The minimum generating balance.
        required: Amount,
        /// The generator's generating balance.
        found: Amount,
    },
    /// After the own-stake cap and the raffle factor nothing is left (no own balance).
    #[error("weighted balance is zero (generating {generating}, own {own})")]
    ZeroWeightedBalance {
        /// The generator's generating balance.
        generating: Amount,
        /// The generator's own balance.
        own: Amount,
    },
    /// The base target of the block two below the parent is needed but was not given.
    #[error("timestamp of block {height} (parent height - 2) is needed for the base target")]
    MissingTimestamp {
        /// The height whose timestamp is missing (parent height − 2).
        height: Height,
    },
    /// A base target of zero has no score.
    #[error("base target must be at least 1")]
    ZeroBaseTarget,
    /// The chain score no longer fits 128 bits.
    #[error("chain score overflow")]
    ScoreOverflow,
    /// A generator's stake cannot exceed the total generating stake.
    #[error("generator stake {stake} exceeds the total generating stake {total}")]
    StakeExceedsTotal {
        /// The generator's stake.
        stake: u64,
        /// The total generating stake.
        total: u64,
    },
    /// A generator's transaction count cannot exceed the window's total.
    #[error("generator transaction count {txs} exceeds the window's total {total}")]
    TxsExceedTotal {
        /// The generator's transaction count.
        txs: u64,
        /// The window's transaction count.
        total: u64,
    },
    /// A raffle factor outside [1, 1.5].
    #[error("raffle factor {ppm} ppm is outside [1000000, 1500000]")]
    RaffleOutOfRange {
        /// The value given, in parts per million.
        ppm: u32,
    },
}

/// The hit of a VRF output: its first 8 bytes as a little-endian u64
/// (Waves' node, `PoSCalculator.hit`).
pub fn hit_from_vrf_output(output: &[u8; 32]) -> u64 {
    let [b0, b1, b2, b3, b4, b5, b6, b7, ..] = *output;
    u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7])
}

/// The Fair PoS delay in milliseconds after the parent's timestamp before a generator with
/// weighted balance `weighted_balance` and this `hit` may forge on a parent whose base target
/// is `parent_base_target`:
///
/// `T_min + C1 * ln(1 - C2 * ln(hit / (2^64 - 1)) / bt / w)`, evaluated left to right in f64
/// with `libm::log`, truncated toward zero (Waves' node).
///
/// Edge cases: `hit = u64::MAX` gives `T_min`; `hit = 0` gives `ln 0 = -inf` and so
/// `u64::MAX` (never). A zero `weighted_balance` or `parent_base_target` also gives `u64::MAX`:
/// such a generator can never forge (the formula would divide by zero);
/// [`weighted_balance`] never returns zero. Any non-finite result is `u64::MAX`; add the
/// result to a timestamp with a saturating add.
pub fn delay_ms(
    params: &ChainParams,
    hit: u64,
    parent_base_target: u64,
    weighted_balance: u64,
) -> u64 {
    if weighted_balance == 0 || parent_base_target == 0 {
        return u64::MAX;
    }
    let hit_ratio = hit as f64 / MAX_HIT;
    let inner = 1.0
        - params.c2 * libm::log(hit_ratio) / parent_base_target as f64 / weighted_balance as f64;
    let delay = params.t_min_ms as f64 + params.c1 * libm::log(inner);
    if delay.is_finite() {
        // `as` truncates toward zero and saturates; delay >= T_min > 0 here.
        delay as u64
    } else {
        u64::MAX
    }
}

/// The base target of the block at height `parent_height + 1` with timestamp `new_ts`
/// (Waves' node, Fair PoS with delay delta 0):
///
/// - parent height `P <= 2`: the parent's base target, unchanged;
/// - otherwise `avg = ((new_ts - ts(P-2)) / 3) / 1000` whole seconds (integer divisions in
///   that order; a new timestamp before `ts(P-2)` counts as 0), `step = max(1, bt / 100)`,
///   and the base target rises by `step` (saturating) when `avg` is above the band's upper
///   edge, falls by `step` (never below 1) when below its lower edge, else stays.
///
/// `ts_grandparent` is the timestamp of the block at height `P - 2`; it must be given when
/// `P > 2`, and is ignored otherwise.
pub fn next_base_target(
    params: &ChainParams,
    parent_base_target: u64,
    parent_height: Height,
    new_ts: Timestamp,
    ts_grandparent: Option<Timestamp>,
) -> Result<u64, PosError> {
    if parent_height.get() <= 2 {
        return Ok(parent_base_target);
    }
    let Some(ts_grandparent) = ts_grandparent else {
        return Err(PosError::MissingTimestamp {
            height: parent_height.saturating_sub(2),
        });
    };
    let span_ms = new_ts.millis().saturating_sub(ts_grandparent.millis());
    let avg_secs = span_ms / 3 / 1000;
    let step = (parent_base_target / 100).max(1);
    let base_target = if avg_secs > params.bt_band_upper_secs {
        parent_base_target.saturating_add(step)
    } else if avg_secs < params.bt_band_lower_secs {
        parent_base_target.saturating_sub(step).max(1)
    } else {
        parent_base_target
    };
    Ok(base_target)
}

/// The score a key block adds to its chain: `2^64 / base_target`, truncated
/// (Waves' node). A zero base target is an error (no valid block has
/// one: [`next_base_target`] never goes below 1).
pub fn block_score(base_target: u64) -> Result<u128, PosError> {
    (1u128 << 64)
        .checked_div(u128::from(base_target))
        .ok_or(PosError::ZeroBaseTarget)
}

/// The cumulative score of a chain: the sum of [`block_score`] over its key blocks, including
/// the liquid one; micro blocks add nothing. Nodes follow the valid chain with the highest.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ChainScore(pub u128);

impl ChainScore {
    /// The score of an empty chain.
    pub const ZERO: ChainScore = ChainScore(0);

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: ChainScore) -> Option<ChainScore> {
        self.0.checked_add(other.0).map(ChainScore)
    }

    /// This score extended by one key block with `base_target`.
    pub fn with_block(self, base_target: u64) -> Result<ChainScore, PosError> {
        let block = block_score(base_target)?;
        self.0
            .checked_add(block)
            .map(ChainScore)
            .ok_or(PosError::ScoreOverflow)
    }
}

/// The raffle factor `r` (whitepaper 15.2) in parts per million, always in
/// `[1_000_000, 1_500_000]`; only [`raffle_factor_ppm`] and [`RaffleFactor::from_ppm`] build
/// one, so a [`weighted_balance`] never sees an out-of-range factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RaffleFactor(u32);

impl RaffleFactor {
    /// r = 1: no transactions in the window, or a stake/transaction ratio far from 1.
    pub const ONE: RaffleFactor = RaffleFactor(PPM);
    /// r = 1.5: the generator's share of transactions equals its share of stake.
    pub const MAX: RaffleFactor = RaffleFactor(1_500_000);

    /// A factor from parts per million, refused outside `[1_000_000, 1_500_000]`.
    pub fn from_ppm(ppm: u32) -> Result<RaffleFactor, PosError> {
        if (RaffleFactor::ONE.0..=RaffleFactor::MAX.0).contains(&ppm) {
            Ok(RaffleFactor(ppm))
        } else {
            Err(PosError::RaffleOutOfRange { ppm })
        }
    }

    /// The factor in parts per million.
    pub const fn ppm(self) -> u32 {
        self.0
    }
}

/// What the raffle factor is computed from, all counted over the generating-balance window
/// ending at the parent (`gen_depth` blocks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RaffleInputs {
    /// The generator's generating stake.
    pub stake: u64,
    /// The total generating stake of all generators.
    pub total_stake: u64,
    /// Transactions in the window whose fee payer is the generator.
    pub txs: u64,
    /// All transactions in the window.
    pub total_txs: u64,
}

/// The raffle factor `r = 1 + 0.5 * exp(-0.5 * (ST - 1)^2)` (whitepaper 15.2) where
/// `ST = (stake / total_stake) / (txs / total_txs)`, in parts per million, truncated.
///
/// `ST - 1` is formed exactly in u128 as `(stake * total_txs - total_stake * txs) /
/// (total_stake * txs)`; the numerator and denominator are each converted to f64 once, and the
/// only transcendental call is one `libm::exp`.
///
/// Without transactions the factor is 1: when the window has none (`total_txs = 0`, the
/// architecture's "no transactions: r = 1"), and when the generator paid for none although
/// others did (`txs = 0`: ST = ∞, and r tends to 1 as ST grows). With no generating stake at
/// all (`total_stake = 0`) it is also 1; such a window has no eligible generator.
pub fn raffle_factor_ppm(inputs: &RaffleInputs) -> Result<RaffleFactor, PosError> {
    let RaffleInputs {
        stake,
        total_stake,
        txs,
        total_txs,
    } = *inputs;
    if stake > total_stake {
        return Err(PosError::StakeExceedsTotal {
            stake,
            total: total_stake,
        });
    }
    if txs > total_txs {
        return Err(PosError::TxsExceedTotal {
            txs,
            total: total_txs,
        });
    }
    if txs == 0 || total_stake == 0 {
        return Ok(RaffleFactor::ONE);
    }
    // ST = stake_side / tx_side with stake_side = stake * total_txs and tx_side =
    // total_stake * txs; both fit u128 (products of two u64) and tx_side > 0.
    let stake_side = u128::from(stake).saturating_mul(u128::from(total_txs));
    let tx_side = u128::from(total_stake).saturating_mul(u128::from(txs));
    // |ST - 1|; squaring removes the sign.
    let distance = stake_side.abs_diff(tx_side) as f64 / tx_side as f64;
    let closeness = libm::exp(-0.5 * distance * distance);
    // closeness is in [0, 1], so the bonus is in [0, 500_000]; `as` truncates (and saturates).
    let bonus = (500_000.0 * closeness) as u32;
    RaffleFactor::from_ppm(PPM.saturating_add(bonus))
}

/// The weighted generating balance `w` the delay uses (Waves' node,
/// "Weighted generating balance"; docs/architecture.md):
///
/// 1. the raw generating balance `g` must be at least `min_generating_balance`;
/// 2. own-stake rule (whitepaper 15.1): `g_capped = min(g, own_stake_multiplier * own)`, so
///    leased-in stake counts only up to 9x the generator's own balance;
/// 3. `w = g_capped * r_ppm / 1_000_000` in u128, truncated (saturating at `u64::MAX`, which
///    no real supply reaches), and must be positive.
pub fn weighted_balance(
    params: &ChainParams,
    generating_balance: Amount,
    own_balance: Amount,
    raffle: RaffleFactor,
) -> Result<u64, PosError> {
    if generating_balance < params.min_generating_balance {
        return Err(PosError::BelowMinimum {
            required: params.min_generating_balance,
            found: generating_balance,
        });
    }
    let cap = own_balance
        .units()
        .saturating_mul(params.own_stake_multiplier);
    let capped = generating_balance.units().min(cap);
    let weighted = u128::from(capped).saturating_mul(u128::from(raffle.ppm())) / PPM_WIDE;
    let weighted = u64::try_from(weighted).unwrap_or(u64::MAX);
    if weighted == 0 {
        return Err(PosError::ZeroWeightedBalance {
            generating: generating_balance,
            own: own_balance,
        });
    }
    Ok(weighted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, RngExt, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    const LTO: u64 = 100_000_000;

    fn mainnet() -> ChainParams {
        ChainParams::mainnet()
    }

    #[test]
    fn hit_is_little_endian_first_eight_bytes() {
        let mut out = [0xAAu8; 32];
        out[..8].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(hit_from_vrf_output(&out), 0x0807_0605_0403_0201);
        assert_eq!(hit_from_vrf_output(&[0xFF; 32]), u64::MAX);
        assert_eq!(hit_from_vrf_output(&[0; 32]), 0);
    }

    #[test]
    fn gowaves_delay_vectors() {
        let p = mainnet();
        assert_eq!(delay_ms(&p, 1, 100, 10_000_000_000_000), 705_491);
        assert_eq!(delay_ms(&p, 2, 200, 20_000_000_000_000), 607_358);
        assert_eq!(delay_ms(&p, 3, 300, 30_000_000_000_000), 549_956);
    }

    #[test]
    fn delay_edges() {
        let p = mainnet();
        assert_eq!(delay_ms(&p, u64::MAX, 100, 10 * LTO), 5000);
        assert_eq!(delay_ms(&p, 0, 100, 10 * LTO), u64::MAX);
        assert_eq!(delay_ms(&p, 12345, 100, 0), u64::MAX);
        assert_eq!(delay_ms(&p, 12345, 0, 10 * LTO), u64::MAX);
        assert_eq!(delay_ms(&p, u64::MAX, 0, 0), u64::MAX);
        // The dev preset's floor is its own T_min.
        assert_eq!(delay_ms(&ChainParams::dev(), u64::MAX, 7, 10 * LTO), 1000);
    }

    #[test]
    fn base_target_unchanged_near_genesis() {
        let p = mainnet();
        for h in 0..=2 {
            assert_eq!(
                next_base_target(&p, 500, Height(h), Timestamp(1_000_000), None),
                Ok(500)
            );
        }
        assert_eq!(
            next_base_target(&p, 500, Height(3), Timestamp(1_000_000), None),
            Err(PosError::MissingTimestamp { height: Height(1) })
        );
    }

    #[test]
    fn base_target_band() {
        let p = mainnet();
        let bt = |parent: u64, span_ms: u64| {
            next_base_target(
                &p,
                parent,
                Height(10),
                Timestamp(1_000_000 + span_ms),
                Some(Timestamp(1_000_000)),
            )
        };
        // avg 91 s > 90: up by 1 %.
        assert_eq!(bt(10_000, 273_000), Ok(10_100));
        // avg 90.999 s truncates to 90: inside.
        assert_eq!(bt(10_000, 272_999), Ok(10_000));
        // avg 30 s: inside; 29.999 s -> 29 < 30: down by 1 %.
        assert_eq!(bt(10_000, 90_000), Ok(10_000));
        assert_eq!(bt(10_000, 89_999), Ok(9_900));
        // Small base targets move by at least 1, and never below 1.
        assert_eq!(bt(50, 300_000), Ok(51));
        assert_eq!(bt(50, 0), Ok(49));
        assert_eq!(bt(1, 0), Ok(1));
        // Saturation at the top.
        assert_eq!(bt(u64::MAX, 300_000), Ok(u64::MAX));
        assert_eq!(bt(u64::MAX - 1, 300_000), Ok(u64::MAX));
    }

    #[test]
    fn base_target_timestamp_before_grandparent_counts_as_fast() {
        let p = mainnet();
        let got = next_base_target(
            &p,
            1000,
            Height(10),
            Timestamp(5),
            Some(Timestamp(1_000_000)),
        );
        assert_eq!(got, Ok(990));
    }

    #[test]
    fn base_target_band_follows_params() {
        let p = ChainParams::dev();
        let bt = |span_ms: u64| {
            next_base_target(&p, 1000, Height(10), Timestamp(span_ms), Some(Timestamp(0)))
        };
        assert_eq!(bt(3 * 8000), Ok(1010));
        assert_eq!(bt(3 * 7999), Ok(1000));
        assert_eq!(bt(3 * 2000), Ok(1000));
        assert_eq!(bt(3 * 2000 - 1), Ok(990));
    }

    #[test]
    fn scores() {
        assert_eq!(block_score(1), Ok(1u128 << 64));
        assert_eq!(block_score(3), Ok((1u128 << 64) / 3));
        assert_eq!(block_score(u64::MAX), Ok(1));
        assert_eq!(block_score(0), Err(PosError::ZeroBaseTarget));
        let s = ChainScore::ZERO.with_block(2).and_then(|s| s.with_block(4));
        assert_eq!(s, Ok(ChainScore((1u128 << 63) + (1u128 << 62))));
        assert_eq!(
            ChainScore(u128::MAX).with_block(1),
            Err(PosError::ScoreOverflow)
        );
        assert_eq!(ChainScore(u128::MAX).checked_add(ChainScore(1)), None);
        assert_eq!(
            ChainScore::ZERO.with_block(0),
            Err(PosError::ZeroBaseTarget)
        );
    }

    fn raffle(stake: u64, total_stake: u64, txs: u64, total_txs: u64) -> Result<u32, PosError> {
        raffle_factor_ppm(&RaffleInputs {
            stake,
            total_stake,
            txs,
            total_txs,
        })
        .map(RaffleFactor::ppm)
    }

    #[test]
    fn raffle_factor_values() {
        // Equal shares: ST = 1, r = 1.5.
        assert_eq!(raffle(10, 100, 5, 50), Ok(1_500_000));
        // ST = 2: 1 + 0.5 e^-0.5 = 1.3032653.
        assert_eq!(raffle(20, 100, 5, 50), Ok(1_303_265));
        // ST = 0.5: 1 + 0.5 e^-0.125 = 1.4412484.
        assert_eq!(raffle(5, 100, 5, 50), Ok(1_441_248));
        // No transactions at all, or none by the generator: r = 1.
        assert_eq!(raffle(10, 100, 0, 0), Ok(1_000_000));
        assert_eq!(raffle(10, 100, 0, 50), Ok(1_000_000));
        assert_eq!(raffle(0, 0, 1, 1), Ok(1_000_000));
        // ST -> 0 (all the transactions, almost no stake): r -> 1 + 0.5 e^-0.5.
        assert_eq!(raffle(1, u64::MAX, u64::MAX, u64::MAX), Ok(1_303_265));
        // ST -> infinity (all the stake, almost no transactions): the bonus vanishes.
        assert_eq!(raffle(u64::MAX, u64::MAX, 1, u64::MAX), Ok(1_000_000));
    }

    #[test]
    fn raffle_factor_rejects_inconsistent_counts() {
        assert_eq!(
            raffle(101, 100, 1, 1),
            Err(PosError::StakeExceedsTotal {
                stake: 101,
                total: 100
            })
        );
        assert_eq!(
            raffle(1, 100, 2, 1),
            Err(PosError::TxsExceedTotal { txs: 2, total: 1 })
        );
        assert_eq!(
            RaffleFactor::from_ppm(999_999),
            Err(PosError::RaffleOutOfRange { ppm: 999_999 })
        );
        assert_eq!(
            RaffleFactor::from_ppm(1_500_001),
            Err(PosError::RaffleOutOfRange { ppm: 1_500_001 })
        );
        assert_eq!(
            RaffleFactor::from_ppm(1_250_000).map(RaffleFactor::ppm),
            Ok(1_250_000)
        );
    }

    #[test]
    fn weighted_balance_rules() {
        let p = mainnet();
        let min = p.min_generating_balance;
        assert_eq!(
            weighted_balance(
                &p,
                Amount(min.units() - 1),
                Amount(u64::MAX),
                RaffleFactor::ONE
            ),
            Err(PosError::BelowMinimum {
                required: min,
                found: Amount(min.units() - 1)
            })
        );
        // Own 10 % or more: the whole stake counts.
        assert_eq!(
            weighted_balance(
                &p,
                Amount(10_000 * LTO),
                Amount(1_000 * LTO),
                RaffleFactor::ONE
            ),
            Ok(10_000 * LTO)
        );
        // Own 1 %: only 10x own counts (the minimum applies to the raw stake).
        assert_eq!(
            weighted_balance(
                &p,
                Amount(10_000 * LTO),
                Amount(100 * LTO),
                RaffleFactor::ONE
            ),
            Ok(1_000 * LTO)
        );
        // The raffle factor scales the capped stake.
        assert_eq!(
            weighted_balance(
                &p,
                Amount(2_000 * LTO),
                Amount(2_000 * LTO),
                RaffleFactor::MAX
            ),
            Ok(3_000 * LTO)
        );
        assert_eq!(
            weighted_balance(&p, Amount(2_000 * LTO), Amount(0), RaffleFactor::MAX),
            Err(PosError::ZeroWeightedBalance {
                generating: Amount(2_000 * LTO),
                own: Amount(0)
            })
        );
        // Saturates instead of overflowing.
        assert_eq!(
            weighted_balance(&p, Amount(u64::MAX), Amount(u64::MAX), RaffleFactor::MAX),
            Ok(u64::MAX)
        );
    }

    /// Fair PoS fairness end to end through `delay_ms`: each generator's share of wins matches
    /// its share of weighted balance (chi-square, 4 degrees of freedom, p = 0.001).
    #[test]
    fn winners_are_proportional_to_weighted_balance() {
        let p = mainnet();
        let weights: [u64; 5] = [1, 2, 3, 5, 9].map(|k| k * 1_000_000 * LTO);
        let total: u64 = weights.iter().sum();
        // Equilibrium base target ~0.65 * C2 / total, so delays look like mainnet's.
        let bt = (0.65 * p.c2 / total as f64) as u64;
        let rounds = 20_000u32;
        let mut rng = ChaCha20Rng::seed_from_u64(0x1701);
        let mut wins = [0u32; 5];
        for _ in 0..rounds {
            let mut best: Option<(u64, usize)> = None;
            let mut tied = 1u32;
            for (i, w) in weights.iter().enumerate() {
                let d = delay_ms(&p, rng.next_u64(), bt, *w);
                match best {
                    Some((bd, _)) if d > bd => {}
                    Some((bd, _)) if d == bd => {
                        // Reservoir choice among equal delays, so ties favour no index.
                        tied += 1;
                        if rng.random_range(0..tied) == 0 {
                            best = Some((d, i));
                        }
                    }
                    _ => {
                        best = Some((d, i));
                        tied = 1;
                    }
                }
            }
            let (_, winner) = best.expect("five generators");
            wins[winner] += 1;
        }
        let chi2: f64 = weights
            .iter()
            .zip(wins.iter())
            .map(|(w, n)| {
                let expected = f64::from(rounds) * *w as f64 / total as f64;
                let diff = f64::from(*n) - expected;
                diff * diff / expected
            })
            .sum();
        assert!(chi2 < 18.47, "chi-square {chi2} with wins {wins:?}");
    }

    fn raffle_inputs() -> impl Strategy<Value = RaffleInputs> {
        (1u64.., 1u64.., any::<u64>(), any::<u64>()).prop_map(|(a, b, c, d)| RaffleInputs {
            stake: a.min(b),
            total_stake: a.max(b),
            txs: c.min(d),
            total_txs: c.max(d),
        })
    }

    proptest! {
        #[test]
        fn raffle_in_range_and_deterministic(inputs in raffle_inputs()) {
            let r = raffle_factor_ppm(&inputs)?;
            prop_assert!((1_000_000..=1_500_000).contains(&r.ppm()));
            prop_assert_eq!(raffle_factor_ppm(&inputs)?, r);
        }

        #[test]
        fn raffle_is_maximal_at_equal_shares(
            inputs in raffle_inputs(),
            k in 1u64..1_000_000,
            n in 1u64..1_000_000,
        ) {
            // stake/total = txs/total_txs = k/n' exactly.
            let equal = RaffleInputs { stake: k, total_stake: k.saturating_add(n), txs: k, total_txs: k.saturating_add(n) };
            prop_assert_eq!(raffle_factor_ppm(&equal)?, RaffleFactor::MAX);
            prop_assert!(raffle_factor_ppm(&inputs)? <= RaffleFactor::MAX);
        }

        #[test]
        fn raffle_falls_as_stake_moves_away_from_tx_share(
            total in 1_000u64..1_000_000_000,
            s1 in 0u64..1_000,
            s2 in 0u64..1_000,
        ) {
            // txs share 1/1000, stake share s/1000 of `total`: ST = s * total / (1000 * total / 1000).
            let r = |s: u64| raffle_factor_ppm(&RaffleInputs {
                stake: s * (total / 1000),
                total_stake: 1000 * (total / 1000),
                txs: 1,
                total_txs: 1000,
            });
            let (lo, hi) = (s1.min(s2).max(1), s1.max(s2).max(1));
            // For ST >= 1 (s >= 1), r does not rise as s grows.
            prop_assert!(r(hi)? <= r(lo)?);
        }

        #[test]
        fn delay_non_increasing_in_hit(
            h1 in any::<u64>(), h2 in any::<u64>(),
            bt in 1u64..1_000_000_000, w in 1u64..u64::MAX,
        ) {
            let p = ChainParams::mainnet();
            let (lo, hi) = (h1.min(h2), h1.max(h2));
            prop_assert!(delay_ms(&p, hi, bt, w) <= delay_ms(&p, lo, bt, w));
            prop_assert!(delay_ms(&p, hi, bt, w) >= p.t_min_ms);
        }

        #[test]
        fn delay_non_increasing_in_weight(
            hit in any::<u64>(), w1 in 1u64.., w2 in 1u64..,
            bt in 1u64..1_000_000_000,
        ) {
            let p = ChainParams::mainnet();
            let (lo, hi) = (w1.min(w2), w1.max(w2));
            prop_assert!(delay_ms(&p, hit, bt, hi) <= delay_ms(&p, hit, bt, lo));
        }

        #[test]
        fn base_target_moves_at_most_one_step(
            parent in any::<u64>(), height in any::<u32>(),
            ts in any::<u64>(), ts2 in any::<u64>(),
        ) {
            for p in [ChainParams::mainnet(), ChainParams::dev()] {
                let bt = next_base_target(&p, parent, Height(height), Timestamp(ts), Some(Timestamp(ts2)))?;
                let step = (parent / 100).max(1);
                prop_assert!(bt >= 1 || parent == 0);
                prop_assert!(bt.abs_diff(parent) <= step);
            }
        }
    }
}
