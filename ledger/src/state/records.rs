//! State records (accounts, leases, associations) and their storage encodings.
//!
//! Encodings are fixed big-endian layouts written with the transaction codec's `Writer` and
//! read with its `Reader`, so a corrupt record is an error, never a panic.

use super::StateError;
use crate::address::{ADDRESS_LEN, Address};
use crate::tx::codec::{Reader, Writer};
use crate::tx::{DataEntry, TxId};
use crate::units::{Height, Timestamp};

/// An amount released from a cancelled lease that is not spendable before `until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unbonding {
    /// The first height at which the amount is spendable again.
    pub until: Height,
    /// The amount, in units.
    pub amount: u64,
}

/// The balances of one address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Regular balance: everything the address owns, leased out or not.
    pub regular: u64,
    /// Leased to this address by others.
    pub lease_in: u64,
    /// Leased by this address to others (still part of `regular`).
    pub lease_out: u64,
    /// Amounts of cancelled leases still unbonding (LTO: 3000 blocks after the cancel).
    pub unbonding: Vec<Unbonding>,
}

impl Account {
    /// Unbonding amounts still locked at `height`.
    pub fn unbonding_at(&self, height: Height) -> u64 {
        self.unbonding
            .iter()
            .filter(|u| u.until > height)
            .fold(0u64, |a, u| a.saturating_add(u.amount))
    }

    /// Spendable balance at `height`: regular − leased out − unbonding, floored at zero.
    pub fn available_at(&self, height: Height) -> u64 {
        self.regular
            .saturating_sub(self.lease_out)
            .saturating_sub(self.unbonding_at(height))
    }

    /// Effective balance: regular + leased in − leased out (what counts for forging).
    pub fn effective(&self) -> u64 {
        self.regular
            .saturating_add(self.lease_in)
            .saturating_sub(self.lease_out)
    }

    /// Drops unbonding entries that have matured by `height`.
    pub fn release_unbonded(&mut self, height: Height) {
        self.unbonding.retain(|u| u.until > height);
    }

    /// The storage encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u64(self.regular).u64(self.lease_in).u64(self.lease_out);
        w.count(self.unbonding.len());
        for u in &self.unbonding {
            w.raw(&u.until.0.to_be_bytes()).u64(u.amount);
        }
        w.into_bytes()
    }

    /// Decodes the storage encoding.
    pub fn decode(b: &[u8]) -> Result<Account, StateError> {
        let c = |_| StateError::Corrupt { what: "account" };
        let mut r = Reader::new(b);
        let regular = u64::from_be_bytes(r.array().map_err(c)?);
        let lease_in = u64::from_be_bytes(r.array().map_err(c)?);
        let lease_out = u64::from_be_bytes(r.array().map_err(c)?);
        let n = r.u16().map_err(c)?;
        let mut unbonding = Vec::with_capacity(usize::from(n).min(r.remaining() / 12));
        for _ in 0..n {
            unbonding.push(Unbonding {
                until: Height(u32::from_be_bytes(r.array().map_err(c)?)),
                amount: u64::from_be_bytes(r.array().map_err(c)?),
            });
        }
        r.finish().map_err(c)?;
        Ok(Account {
            regular,
            lease_in,
            lease_out,
            unbonding,
        })
    }
}

/// A lease (stake) from `sender` to the generator `recipient`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The lease transaction's id.
    pub id: TxId,
    /// The lessor.
    pub sender: Address,
    /// The generator leased to.
    pub recipient: Address,
    /// The amount leased.
    pub amount: u64,
    /// Height of the lease transaction.
    pub height: Height,
    /// Height of the cancel, once cancelled.
    pub cancelled: Option<Height>,
}

impl Lease {
    /// Whether the lease is still in force.
    pub fn is_active(&self) -> bool {
        self.cancelled.is_none()
    }

    /// The storage encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(&self.id.0)
            .raw(self.sender.as_bytes())
            .raw(self.recipient.as_bytes())
            .u64(self.amount)
            .raw(&self.height.0.to_be_bytes())
            .raw(&self.cancelled.map_or(0, |h| h.0).to_be_bytes());
        w.into_bytes()
    }

    /// Decodes the storage encoding.
    pub fn decode(b: &[u8]) -> Result<Lease, StateError> {
        let c = |_| StateError::Corrupt { what: "lease" };
        let mut r = Reader::new(b);
        let id = TxId(r.array().map_err(c)?);
        let sender = Address::from_bytes(r.take(ADDRESS_LEN).map_err(c)?)
            .map_err(|_| StateError::Corrupt { what: "lease" })?;
        let recipient = Address::from_bytes(r.take(ADDRESS_LEN).map_err(c)?)
            .map_err(|_| StateError::Corrupt { what: "lease" })?;
        let amount = u64::from_be_bytes(r.array().map_err(c)?);
        let height = Height(u32::from_be_bytes(r.array().map_err(c)?));
        let cancelled = u32::from_be_bytes(r.array().map_err(c)?);
        r.finish().map_err(c)?;
        Ok(Lease {
            id,
            sender,
            recipient,
            amount,
            height,
            cancelled: (cancelled != 0).then_some(Height(cancelled)),
        })
    }
}

/// What identifies an association: issuer, recipient, type and subject.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AssociationKey {
    /// Who issued it.
    pub issuer: Address,
    /// Who it is about.
    pub recipient: Address,
    /// The association type (a number the issuer chooses).
    pub association_type: i64,
    /// Its subject (empty if none).
    pub subject: Vec<u8>,
}

impl AssociationKey {
    /// The storage key: issuer ‖ type ‖ recipient ‖ subject, so the associations of one type
    /// from one issuer are adjacent.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(self.issuer.as_bytes())
            .i64(self.association_type)
            .raw(self.recipient.as_bytes())
            .raw(&self.subject);
        w.into_bytes()
    }

    /// Decodes the storage key.
    pub fn decode(b: &[u8]) -> Result<AssociationKey, StateError> {
        let c = |_| StateError::Corrupt {
            what: "association key",
        };
        let mut r = Reader::new(b);
        let issuer = Address::from_bytes(r.take(ADDRESS_LEN).map_err(c)?).map_err(|_| {
            StateError::Corrupt {
                what: "association key",
            }
        })?;
        let association_type = r.i64().map_err(c)?;
        let recipient = Address::from_bytes(r.take(ADDRESS_LEN).map_err(c)?).map_err(|_| {
            StateError::Corrupt {
                what: "association key",
            }
        })?;
        let subject = r.take(r.remaining()).map_err(c)?.to_vec();
        Ok(AssociationKey {
            issuer,
            recipient,
            association_type,
            subject,
        })
    }
}

/// An association (the whitepaper's certificate): issued, possibly extended, possibly
/// revoked, possibly expiring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Association {
    /// The transaction that issued (or last re-issued) it.
    pub tx_id: TxId,
    /// Height of that transaction.
    pub height: Height,
    /// That transaction's timestamp.
    pub timestamp: Timestamp,
    /// When it expires, if ever.
    pub expires: Option<Timestamp>,
    /// Height of the revocation, if revoked.
    pub revoked: Option<Height>,
    /// Number of data entries it was issued with (the entries stay in the transaction).
    pub data_entries: u16,
}

impl Association {
    /// Whether it is in force at block time `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked.is_none() && self.expires.is_none_or(|e| e > now)
    }

    /// The storage encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(&self.tx_id.0)
            .raw(&self.height.0.to_be_bytes())
            .u64(self.timestamp.0)
            .u64(self.expires.map_or(0, |e| e.0))
            .raw(&self.revoked.map_or(0, |h| h.0).to_be_bytes())
            .u16(self.data_entries);
        w.into_bytes()
    }

    /// Decodes the storage encoding.
    pub fn decode(b: &[u8]) -> Result<Association, StateError> {
        let c = |_| StateError::Corrupt {
            what: "association",
        };
        let mut r = Reader::new(b);
        let tx_id = TxId(r.array().map_err(c)?);
        let height = Height(u32::from_be_bytes(r.array().map_err(c)?));
        let timestamp = Timestamp(u64::from_be_bytes(r.array().map_err(c)?));
        let expires = u64::from_be_bytes(r.array().map_err(c)?);
        let revoked = u32::from_be_bytes(r.array().map_err(c)?);
        let data_entries = r.u16().map_err(c)?;
        r.finish().map_err(c)?;
        Ok(Association {
            tx_id,
            height,
            timestamp,
            expires: (expires != 0).then_some(Timestamp(expires)),
            revoked: (revoked != 0).then_some(Height(revoked)),
            data_entries,
        })
    }
}

/// Number of data entries, saturating (an association carries at most 100).
pub fn data_count(data: &[DataEntry]) -> u16 {
    u16::try_from(data.len()).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::ChainId;
    use crate::keys::KeyPair;

    fn addr(s: &str) -> Address {
        Address::from_public_key(
            ChainId::TESTNET,
            &KeyPair::from_seed_phrase(s, 0).public_key(),
        )
    }

    #[test]
    fn records_round_trip_and_reject_garbage() {
        let a = Account {
            regular: 10,
            lease_in: 3,
            lease_out: 4,
            unbonding: vec![Unbonding {
                until: Height(9),
                amount: 2,
            }],
        };
        assert_eq!(Account::decode(&a.encode()), Ok(a.clone()));
        assert_eq!(a.available_at(Height(8)), 4);
        assert_eq!(a.available_at(Height(9)), 6);
        assert_eq!(a.effective(), 9);
        assert!(Account::decode(&a.encode()[..5]).is_err());
        let l = Lease {
            id: TxId([1; 32]),
            sender: addr("a"),
            recipient: addr("b"),
            amount: 5,
            height: Height(3),
            cancelled: Some(Height(4)),
        };
        assert_eq!(Lease::decode(&l.encode()), Ok(l));
        let k = AssociationKey {
            issuer: addr("a"),
            recipient: addr("b"),
            association_type: -3,
            subject: vec![1, 2],
        };
        assert_eq!(AssociationKey::decode(&k.encode()), Ok(k));
        let s = Association {
            tx_id: TxId([2; 32]),
            height: Height(5),
            timestamp: Timestamp(100),
            expires: Some(Timestamp(200)),
            revoked: None,
            data_entries: 1,
        };
        assert_eq!(Association::decode(&s.encode()), Ok(s.clone()));
        assert!(s.is_active(Timestamp(199)));
        assert!(!s.is_active(Timestamp(200)));
    }
}
