//! Chain parameters: every protocol constant of a network, with presets.
//!
//! Logic never uses a bare constant: it reads a [`ChainParams`]. The mainnet values come from
//! the Waves node (delay, base target, generating balance and timestamps, rollback, NG and the
//! fee split, leasing) and from the LTO whitepaper (15.1 own-stake rule, 15.2 raffle factor,
//! 17 summary blocks); docs/architecture.md says where each rule is applied. Two nodes whose [`ChainParams::params_hash`] differ are on different networks and
//! must refuse each other.
//!
//! # Why `dev()` and `minimal()` change `t_min_ms` and `c1`
//!
//! The base-target rule averages the last three block intervals in *whole seconds* and only
//! lowers the base target when that average falls below the band's lower edge
//! (`target / 2`). With a 5 s target the band is [2, 7] s. Keeping mainnet's T_min of 5000 ms
//! would make every interval at least 5 s, so the average could never fall below 2 s, the base
//! target could only ratchet upwards, and nearly every block would come at T_min: the chain
//! could not hold a 5 s average at all. The minimum delay therefore has to sit well below the
//! lower edge. A simulation of the exact integer rule (uniform hits, one node, 10^5 blocks,
//! generating stakes from 10^14 to 10^16 units) gave:
//!
//! | t_min, c1 (ms) | mean | median | 99th percentile | note |
//! |---|---|---|---|---|
//! | 5000, 70000 (mainnet, 60 s target) | 59.0 s | 54.6 s | 150 s | matches Waves |
//! | 2000, 5000 | 4.0 s | 3.7 s | 8.4 s | T_min = lower edge: base target only rises |
//! | 1000, 5000 | 4.7 s | 4.4 s | 11.0 s | |
//! | **1000, 4000** | **4.7 s** | **4.5 s** | **10.4 s** | chosen |
//!
//! `dev()` uses T_min 1000 ms and C1 4000: the lower edge is reachable, so the base target
//! settles instead of ratcheting, and the tail is short (about 1 block in 100 takes over 10 s).
//! C2 stays 5e17 everywhere: it only rescales the base target.

use ltonode_ledger::hash::blake2b256;
use ltonode_ledger::{Amount, ChainId, Hash32};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Domain separator of [`ChainParams::params_hash`]; bump the version whenever the field list
/// changes (v2: `target_block_secs` and `min_micro_age_ms`, which no rule read, removed).
const PARAMS_HASH_DOMAIN: &[u8] = b"ltonode/chain-params/v2";

/// A fraction `numerator / denominator` applied to integers the way LTO's `Fraction` does:
/// `value / denominator * numerator` (divide first, so the result never exceeds `value` when
/// `numerator <= denominator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratio {
    /// What the value is multiplied by, after the division.
    pub numerator: u64,
    /// The denominator; never zero in valid params.
    pub denominator: u64,
}

impl Ratio {
    /// `value / denominator * numerator`, or `None` for a zero denominator or on overflow.
    pub fn apply(self, value: u64) -> Option<u64> {
        value
            .checked_div(self.denominator)?
            .checked_mul(self.numerator)
    }
}

/// Every protocol constant of one network.
///
/// Times are in milliseconds unless the name says seconds; amounts are in units of 10^-8 LTO;
/// depths, lags and periods are in key blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainParams {
    /// The network byte in addresses and transactions: `L` mainnet, `T` testnet, dev, minimal.
    pub chain_id: ChainId,
    /// Minimum delay of a key block after its parent (Fair PoS T_min; Waves V1, LTO: 5000).
    pub t_min_ms: u64,
    /// Fair PoS C1 (ms): scales the logarithmic part of the delay (70000).
    pub c1: f64,
    /// Fair PoS C2: dimensionless scale of `base_target * weighted_balance` (5e17).
    pub c2: f64,
    /// Lower edge of the base-target dead band in whole seconds: a shorter three-block average
    /// lowers the base target (30 on mainnet: [`band_for_target`] of the 60 s block time).
    pub bt_band_lower_secs: u64,
    /// Upper edge of the base-target dead band in whole seconds: a longer three-block average
    /// raises the base target (90 on mainnet: [`band_for_target`] of the 60 s block time).
    pub bt_band_upper_secs: u64,
    /// Base target of the genesis block.
    pub initial_base_target: u64,
    /// Window of the generating balance: the minimum effective balance over this many blocks
    /// up to the parent (1000).
    pub gen_depth: u32,
    /// Minimum raw generating balance to forge (1000 LTO).
    pub min_generating_balance: Amount,
    /// The VRF of a block at height `P + 1` signs the hit source of block `P - hit_lag` (100).
    pub hit_lag: u32,
    /// How far a block's timestamp may be ahead of the local clock (100 ms).
    pub max_time_drift_ms: u64,
    /// Deepest reorganisation a node performs, in blocks (100).
    pub max_rollback: u32,
    /// How often a generator emits a micro block (3000 ms).
    pub micro_interval_ms: u64,
    /// Most transactions in one micro block (500).
    pub max_txs_per_micro: u32,
    /// Most transaction bytes in a key block and all its micro blocks together (1 MiB).
    pub max_block_bytes: u32,
    /// Blocks a cancelled lease stays unbonding before it is spendable (LTO: 3000, testnet 1000).
    pub lease_unbonding: u32,
    /// Key blocks per summary block (whitepaper 17: 1440).
    pub summary_period: u32,
    /// Transaction data of final blocks is pruned once older than this many blocks (1000).
    pub retain_blocks: u32,
    /// Fee price: the unit every fee in LTO's fee schedule is multiplied by (100_000).
    pub fee_price: u64,
    /// Part of each transaction fee paid to the generator of the block that includes it; the
    /// rest goes to the generator of the next key block (LTO: 2/5, applied as `fee / 5 * 2`).
    pub opener_fee_share: Ratio,
    /// A transaction may be at most this far ahead of its block's timestamp (90 min).
    pub max_tx_future_ms: u64,
    /// A transaction may be at most this far behind the previous block's timestamp (2 h).
    pub max_tx_past_ms: u64,
    /// Own-stake rule (whitepaper 15.1): the stake counted for forging is at most this
    /// multiple of the generator's own balance (10: leased-in counts up to 9x own).
    pub own_stake_multiplier: u64,
}

/// Why a set of chain parameters cannot run a chain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamsError {
    /// A field that must be at least one is zero.
    #[error("parameter {field} must be positive")]
    Zero {
        /// The field's name.
        field: &'static str,
    },
    /// A floating-point constant is not a positive finite number.
    #[error("parameter {field} must be positive and finite")]
    NotPositiveFinite {
        /// The field's name.
        field: &'static str,
    },
    /// The base-target band is empty or inverted.
    #[error("base-target band [{lower}, {upper}] s is inverted")]
    InvertedBand {
        /// The lower edge given.
        lower: u64,
        /// The upper edge given.
        upper: u64,
    },
    /// A pruned node would drop the balance history the generating balance reads.
    #[error("retain_blocks {retain_blocks} is below gen_depth {gen_depth}")]
    RetainBelowGenDepth {
        /// The retention given.
        retain_blocks: u32,
        /// The generating-balance window given.
        gen_depth: u32,
    },
    /// The opener's fee share is above one.
    #[error("opener fee share {numerator}/{denominator} is above one")]
    FeeShareAboveOne {
        /// The numerator given.
        numerator: u64,
        /// The denominator given.
        denominator: u64,
    },
}

impl ChainParams {
    /// LTO mainnet's constants, with this node's additions (VRF hit, raffle factor, own-stake
    /// rule, summary blocks).
    pub fn mainnet() -> ChainParams {
        // The block time the base target steers towards: 60 s.
        let (bt_band_lower_secs, bt_band_upper_secs) = band_for_target(60);
        ChainParams {
            chain_id: ChainId::MAINNET,
            t_min_ms: 5000,
            c1: 70000.0,
            c2: 5e17,
            bt_band_lower_secs,
            bt_band_upper_secs,
            // LTO's and Waves' genesis value; far too high for the real stake, it falls by 1 %
            // per block (blocks at T_min meanwhile) until it reaches ~0.65 * C2 / stake.
            initial_base_target: 153_722_867,
            gen_depth: 1000,
            min_generating_balance: Amount(1000 * ltonode_ledger::units::UNITS_PER_LTO),
            hit_lag: 100,
            max_time_drift_ms: 100,
            max_rollback: 100,
            micro_interval_ms: 3000,
            max_txs_per_micro: 500,
            max_block_bytes: 1024 * 1024,
            lease_unbonding: 3000,
            summary_period: 1440,
            retain_blocks: 1000,
            fee_price: 100_000,
            opener_fee_share: Ratio {
                numerator: 2,
                denominator: 5,
            },
            max_tx_future_ms: 90 * 60 * 1000,
            max_tx_past_ms: 2 * 60 * 60 * 1000,
            own_stake_multiplier: 10,
        }
    }

    /// LTO testnet: mainnet's rules with testnet's chain id, genesis base target (100) and a
    /// 1000-block unbonding period.
    pub fn testnet() -> ChainParams {
        ChainParams {
            chain_id: ChainId::TESTNET,
            initial_base_target: 100,
            lease_unbonding: 1000,
            ..ChainParams::mainnet()
        }
    }

    /// A single node forging alone: ~5 s key blocks (mean 4.7 s), micro blocks every second,
    /// short windows so leases and summaries show up within minutes.
    pub fn dev() -> ChainParams {
        // The block time the base target steers towards: 5 s.
        let (bt_band_lower_secs, bt_band_upper_secs) = band_for_target(5);
        ChainParams {
            chain_id: ChainId::TESTNET,
            // See the module docs: T_min must sit well below the band's lower edge (2 s).
            t_min_ms: 1000,
            c1: 4000.0,
            bt_band_lower_secs,
            bt_band_upper_secs,
            // Equilibrium ~0.5 * C2 / stake for these delays; 50 suits ~5*10^15 units (the dev
            // genesis' 50M-LTO forging account) and corrects itself by 1 % per block otherwise.
            initial_base_target: 50,
            // 100 blocks ~ 8 minutes: a lease counts soon enough to try it out.
            gen_depth: 100,
            hit_lag: 10,
            micro_interval_ms: 1000,
            lease_unbonding: 100,
            // 120 blocks ~ 10 minutes.
            summary_period: 120,
            ..ChainParams::mainnet()
        }
    }

    /// Tiny windows for tests: dev's timing, generating-balance depth 10, hit lag 3, a summary
    /// every 8 blocks, unbonding 5 blocks, pruning after 16 blocks.
    pub fn minimal() -> ChainParams {
        ChainParams {
            gen_depth: 10,
            hit_lag: 3,
            max_rollback: 16,
            lease_unbonding: 5,
            summary_period: 8,
            retain_blocks: 16,
            ..ChainParams::dev()
        }
    }

    /// Checks the invariants the consensus code relies on (positive windows and constants,
    /// a non-inverted band, an opener share of at most one). Presets always pass; call this
    /// on parameters loaded from a file.
    pub fn validate(&self) -> Result<(), ParamsError> {
        let positive: [(&'static str, u64); 10] = [
            ("t_min_ms", self.t_min_ms),
            ("initial_base_target", self.initial_base_target),
            ("gen_depth", u64::from(self.gen_depth)),
            ("micro_interval_ms", self.micro_interval_ms),
            ("max_txs_per_micro", u64::from(self.max_txs_per_micro)),
            ("max_block_bytes", u64::from(self.max_block_bytes)),
            ("summary_period", u64::from(self.summary_period)),
            ("fee_price", self.fee_price),
            (
                "opener_fee_share.denominator",
                self.opener_fee_share.denominator,
            ),
            ("own_stake_multiplier", self.own_stake_multiplier),
        ];
        if let Some((field, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ParamsError::Zero { field });
        }
        for (field, v) in [("c1", self.c1), ("c2", self.c2)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(ParamsError::NotPositiveFinite { field });
            }
        }
        if self.bt_band_lower_secs > self.bt_band_upper_secs {
            return Err(ParamsError::InvertedBand {
                lower: self.bt_band_lower_secs,
                upper: self.bt_band_upper_secs,
            });
        }
        if self.retain_blocks < self.gen_depth {
            return Err(ParamsError::RetainBelowGenDepth {
                retain_blocks: self.retain_blocks,
                gen_depth: self.gen_depth,
            });
        }
        let share = self.opener_fee_share;
        if share.numerator > share.denominator {
            return Err(ParamsError::FeeShareAboveOne {
                numerator: share.numerator,
                denominator: share.denominator,
            });
        }
        Ok(())
    }

    /// The canonical bytes hashed by [`ChainParams::params_hash`]: a versioned domain tag,
    /// then every field in declaration order, integers big-endian at their declared width,
    /// floats as their IEEE-754 bits, amounts as u64 units.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(PARAMS_HASH_DOMAIN);
        out.push(self.chain_id.0);
        for v in [self.t_min_ms, self.c1.to_bits(), self.c2.to_bits()] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        for v in [
            self.bt_band_lower_secs,
            self.bt_band_upper_secs,
            self.initial_base_target,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&self.gen_depth.to_be_bytes());
        out.extend_from_slice(&self.min_generating_balance.units().to_be_bytes());
        out.extend_from_slice(&self.hit_lag.to_be_bytes());
        out.extend_from_slice(&self.max_time_drift_ms.to_be_bytes());
        out.extend_from_slice(&self.max_rollback.to_be_bytes());
        out.extend_from_slice(&self.micro_interval_ms.to_be_bytes());
        for v in [
            self.max_txs_per_micro,
            self.max_block_bytes,
            self.lease_unbonding,
            self.summary_period,
            self.retain_blocks,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        for v in [
            self.fee_price,
            self.opener_fee_share.numerator,
            self.opener_fee_share.denominator,
            self.max_tx_future_ms,
            self.max_tx_past_ms,
            self.own_stake_multiplier,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out
    }

    /// Blake2b-256 of [`ChainParams::canonical_bytes`]: peers exchange it in the handshake and
    /// refuse a peer whose hash differs.
    pub fn params_hash(&self) -> Hash32 {
        blake2b256(&self.canonical_bytes())
    }

    /// The part of `fee` paid at once to the generator of the block that includes the
    /// transaction (`fee / 5 * 2` on LTO); `None` only for invalid params.
    pub fn opener_fee(&self, fee: Amount) -> Option<Amount> {
        self.opener_fee_share.apply(fee.units()).map(Amount)
    }

    /// The NG fee split the ledger applies: [`ChainParams::opener_fee_share`].
    pub fn fee_split(&self) -> ltonode_ledger::state::transition::FeeSplit {
        ltonode_ledger::state::transition::FeeSplit {
            numerator: self.opener_fee_share.numerator,
            denominator: self.opener_fee_share.denominator,
        }
    }
}

/// The base-target dead band for a target block time: `[target / 2, target * 3 / 2]` seconds,
/// which is Waves' [30, 90] for 60 s (Waves' node, delay delta 0).
pub fn band_for_target(target_block_secs: u64) -> (u64, u64) {
    let lower = target_block_secs / 2;
    let upper = target_block_secs.saturating_mul(3) / 2;
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        for p in [
            ChainParams::mainnet(),
            ChainParams::testnet(),
            ChainParams::dev(),
            ChainParams::minimal(),
        ] {
            assert_eq!(p.validate(), Ok(()));
        }
    }

    #[test]
    fn mainnet_matches_the_reference() {
        let p = ChainParams::mainnet();
        assert_eq!(p.chain_id, ChainId(b'L'));
        assert_eq!(p.t_min_ms, 5000);
        assert_eq!(p.c1, 70000.0);
        assert_eq!(p.c2, 5e17);
        assert_eq!((p.bt_band_lower_secs, p.bt_band_upper_secs), (30, 90));
        assert_eq!(p.min_generating_balance, Amount(100_000_000_000));
        assert_eq!(p.max_block_bytes, 1_048_576);
        assert_eq!(p.max_tx_future_ms, 5_400_000);
        assert_eq!(p.max_tx_past_ms, 7_200_000);
        assert_eq!(ChainParams::testnet().chain_id, ChainId(b'T'));
        assert_eq!(ChainParams::testnet().lease_unbonding, 1000);
    }

    #[test]
    fn fast_presets_scale_the_band() {
        let d = ChainParams::dev();
        assert_eq!((d.bt_band_lower_secs, d.bt_band_upper_secs), (2, 7));
        assert!(d.t_min_ms < d.bt_band_lower_secs * 1000);
        let m = ChainParams::minimal();
        assert_eq!(m.summary_period, 8);
        assert_eq!(m.gen_depth, 10);
        assert_eq!(m.chain_id, ChainId::TESTNET);
    }

    #[test]
    fn opener_fee_divides_first() {
        let p = ChainParams::mainnet();
        assert_eq!(p.opener_fee(Amount(100_000_000)), Some(Amount(40_000_000)));
        // 7 / 5 * 2 = 2, as LTO's Fraction; the closer gets the remaining 5.
        assert_eq!(p.opener_fee(Amount(7)), Some(Amount(2)));
        let zero = Ratio {
            numerator: 1,
            denominator: 0,
        };
        assert_eq!(zero.apply(10), None);
    }

    #[test]
    fn validate_names_the_bad_field() {
        let mut p = ChainParams::dev();
        p.gen_depth = 0;
        assert_eq!(p.validate(), Err(ParamsError::Zero { field: "gen_depth" }));
        let mut p = ChainParams::dev();
        p.c1 = f64::NAN;
        assert_eq!(
            p.validate(),
            Err(ParamsError::NotPositiveFinite { field: "c1" })
        );
        let mut p = ChainParams::dev();
        p.bt_band_lower_secs = 8;
        assert_eq!(
            p.validate(),
            Err(ParamsError::InvertedBand { lower: 8, upper: 7 })
        );
        let mut p = ChainParams::minimal();
        p.retain_blocks = p.gen_depth - 1;
        assert!(matches!(
            p.validate(),
            Err(ParamsError::RetainBelowGenDepth { .. })
        ));
        let mut p = ChainParams::dev();
        p.opener_fee_share.numerator = 6;
        assert_eq!(
            p.validate(),
            Err(ParamsError::FeeShareAboveOne {
                numerator: 6,
                denominator: 5
            })
        );
    }

    #[test]
    fn params_hash_separates_networks_and_is_stable() {
        let hashes: Vec<Hash32> = [
            ChainParams::mainnet(),
            ChainParams::testnet(),
            ChainParams::dev(),
            ChainParams::minimal(),
        ]
        .iter()
        .map(ChainParams::params_hash)
        .collect();
        for (i, a) in hashes.iter().enumerate() {
            for b in hashes.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
        assert_eq!(
            ChainParams::mainnet().params_hash(),
            ChainParams::mainnet().params_hash()
        );
        let mut p = ChainParams::mainnet();
        p.c1 = 70000.5;
        assert_ne!(p.params_hash(), ChainParams::mainnet().params_hash());
    }

    #[test]
    fn serde_round_trip_and_unknown_fields() {
        let p = ChainParams::minimal();
        let json = serde_json::to_string(&p).expect("serialise");
        let back: ChainParams = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, p);
        assert_eq!(back.params_hash(), p.params_hash());
        let extra = json.replacen('{', "{\"typo\":1,", 1);
        assert!(serde_json::from_str::<ChainParams>(&extra).is_err());
    }

    #[test]
    fn band_for_target_matches_waves() {
        assert_eq!(band_for_target(60), (30, 90));
        assert_eq!(band_for_target(5), (2, 7));
        assert_eq!(band_for_target(u64::MAX).0, u64::MAX / 2);
    }
}
