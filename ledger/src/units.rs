//! Money, heights and timestamps as newtypes with checked arithmetic.
//!
//! Amounts are in units of 10^-8 LTO. LTO encodes them as signed 64-bit integers on the wire;
//! here a negative amount cannot exist: decoding a negative value is an error at the codec
//! boundary, so arithmetic on [`Amount`] never has to think about signs.

#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use serde::{Deserialize, Serialize};
use std::fmt;

/// Units of 10^-8 LTO in one LTO.
pub const UNITS_PER_LTO: u64 = 100_000_000;

/// An amount of LTO in units of 10^-8. Never negative; arithmetic is checked.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Amount(pub u64);

impl Amount {
    /// Zero units.
    pub const ZERO: Amount = Amount(0);

    /// `n` whole LTO, or `None` on overflow.
    pub const fn lto(n: u64) -> Option<Amount> {
        match n.checked_mul(UNITS_PER_LTO) {
            Some(v) => Some(Amount(v)),
            None => None,
        }
    }

    /// The raw number of units.
    pub const fn units(self) -> u64 {
        self.0
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// `self - other`, or `None` if it would go below zero.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    /// `self * n`, or `None` on overflow.
    pub fn checked_mul(self, n: u64) -> Option<Amount> {
        self.0.checked_mul(n).map(Amount)
    }

    /// `self - other`, floored at zero.
    pub fn saturating_sub(self, other: Amount) -> Amount {
        Amount(self.0.saturating_sub(other.0))
    }

    /// The amount as LTO's wire integer; amounts above `i64::MAX` do not fit.
    pub fn to_i64(self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }

    /// An amount from LTO's signed wire integer; negative values are refused.
    pub fn from_i64(v: i64) -> Option<Amount> {
        u64::try_from(v).ok().map(Amount)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:08}",
            self.0 / UNITS_PER_LTO,
            self.0 % UNITS_PER_LTO
        )
    }
}

/// A block height. Genesis is height 1, as in LTO.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Height(pub u32);

impl Height {
    /// The genesis block's height.
    pub const GENESIS: Height = Height(1);

    /// The raw height.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The next height, or `None` on overflow.
    pub fn next(self) -> Option<Height> {
        self.0.checked_add(1).map(Height)
    }

    /// The previous height, or `None` below zero.
    pub fn prev(self) -> Option<Height> {
        self.0.checked_sub(1).map(Height)
    }

    /// `self - n`, floored at zero.
    pub fn saturating_sub(self, n: u32) -> Height {
        Height(self.0.saturating_sub(n))
    }

    /// `self + n`, or `None` on overflow.
    pub fn checked_add(self, n: u32) -> Option<Height> {
        self.0.checked_add(n).map(Height)
    }
}

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Milliseconds since the Unix epoch, as LTO's `timestamp` fields.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The raw milliseconds.
    pub const fn millis(self) -> u64 {
        self.0
    }

    /// `self + ms`, saturating at the end of time.
    pub fn saturating_add_millis(self, ms: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }

    /// `self - ms`, floored at the epoch.
    pub fn saturating_sub_millis(self, ms: u64) -> Timestamp {
        Timestamp(self.0.saturating_sub(ms))
    }

    /// The timestamp as LTO's wire integer.
    pub fn to_i64(self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }

    /// A timestamp from LTO's signed wire integer; negative values are refused.
    pub fn from_i64(v: i64) -> Option<Timestamp> {
        u64::try_from(v).ok().map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_arithmetic_is_checked() {
        let a = Amount(5);
        assert_eq!(a.checked_sub(Amount(6)), None);
        assert_eq!(a.checked_sub(Amount(5)), Some(Amount::ZERO));
        assert_eq!(Amount(u64::MAX).checked_add(Amount(1)), None);
        assert_eq!(Amount::lto(3), Some(Amount(300_000_000)));
        assert_eq!(Amount::lto(u64::MAX), None);
        assert_eq!(Amount::from_i64(-1), None);
        assert_eq!(Amount(u64::MAX).to_i64(), None);
        assert_eq!(Amount(123_456_789).to_string(), "1.23456789");
    }

    #[test]
    fn height_and_time() {
        assert_eq!(Height(0).prev(), None);
        assert_eq!(Height(u32::MAX).next(), None);
        assert_eq!(Height(3).saturating_sub(10), Height(0));
        assert_eq!(Timestamp(5).saturating_sub_millis(10), Timestamp(0));
        assert_eq!(Timestamp::from_i64(-5), None);
    }
}
