//! The summary block S_n (whitepaper 17; docs/architecture.md) and its codec.
//!
//! S_n covers key blocks `((n-1)P, nP]`: one balance-change entry per address whose regular
//! balance changed over the period (address + signed 64-bit change, sorted by address, zero
//! changes left out), every lease, cancel-lease, association, revocation and set-script
//! transaction of the period in full with its height, and totals: fees, transaction count,
//! and the fees carried across the period's edges (the 60% of block `(n-1)P`'s fees paid in
//! the period, and of block `nP`'s paid after it). The supply check: the changes sum to
//! `carried_in - carried_out` (nothing mints or burns; S_1 also holds the genesis
//! allocations). Its hash is Blake2b-256 of the encoding; the key block at `nP + 1` commits
//! it.
//!
//! Encoding (big-endian):
//! ```text
//! version u8 = 1 ‖ n u32 ‖ from u32 ‖ to u32 ‖
//! count u32 ‖ (address 26 ‖ change i64)* ‖
//! count u32 ‖ (height u32 ‖ len u32 ‖ tx wire bytes)* ‖
//! total_fees u64 ‖ total_txs u64 ‖ carried_in u64 ‖ carried_out u64
//! ```

use ltonode_ledger::address::ADDRESS_LEN;
use ltonode_ledger::tx::codec::{Reader, Writer};
use ltonode_ledger::{Address, ChainId, Hash32, Height, Transaction, blake2b256};
use thiserror::Error;

/// The summary encoding version.
pub const SUMMARY_VERSION: u8 = 1;

/// Why summary bytes could not be decoded, or a summary is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SummaryCodecError {
    /// Truncated, trailing or otherwise malformed bytes.
    #[error("malformed summary: {0}")]
    Malformed(String),
    /// Unknown version byte.
    #[error("unsupported summary version {0}")]
    Version(u8),
    /// Balance entries are not strictly sorted by address.
    #[error("balance entries are not sorted by address at index {0}")]
    Unsorted(usize),
    /// The balance changes do not sum to zero.
    #[error("balance changes sum to {0}, not zero")]
    SupplyMismatch(i128),
}

/// A summary block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryBlock {
    /// Its index n (the first summary is 1).
    pub index: u32,
    /// First key block covered, `(n-1)P + 1`.
    pub from: Height,
    /// Last key block covered, `nP`.
    pub to: Height,
    /// `(address, change of regular balance)`, sorted by address, no zero changes.
    pub balance_changes: Vec<(Address, i64)>,
    /// The state-changing transactions other than payments and anchors, with their heights,
    /// in chain order.
    pub transactions: Vec<(Height, Transaction)>,
    /// Fees charged in the period.
    pub total_fees: u64,
    /// Transactions in the period (of every type).
    pub total_txs: u64,
    /// Fees of block `(n-1)P` paid to the generator of block `(n-1)P + 1`.
    pub carried_in: u64,
    /// Fees of block `nP` to be paid to the generator of block `nP + 1`.
    pub carried_out: u64,
}

impl SummaryBlock {
    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(SUMMARY_VERSION)
            .raw(&self.index.to_be_bytes())
            .raw(&self.from.0.to_be_bytes())
            .raw(&self.to.0.to_be_bytes());
        w.raw(&len32(self.balance_changes.len()));
        for (a, c) in &self.balance_changes {
            w.raw(a.as_bytes()).i64(*c);
        }
        w.raw(&len32(self.transactions.len()));
        for (h, tx) in &self.transactions {
            let b = tx.to_bytes();
            w.raw(&h.0.to_be_bytes()).raw(&len32(b.len())).raw(&b);
        }
        w.u64(self.total_fees)
            .u64(self.total_txs)
            .u64(self.carried_in)
            .u64(self.carried_out);
        w.into_bytes()
    }

    /// Its hash, committed by the key block after its period.
    pub fn hash(&self) -> Hash32 {
        blake2b256(&self.to_bytes())
    }

    /// Decodes and checks a summary of chain `chain`.
    pub fn from_bytes(bytes: &[u8], chain: ChainId) -> Result<SummaryBlock, SummaryCodecError> {
        let m = |e: ltonode_ledger::TxError| SummaryCodecError::Malformed(e.to_string());
        let mut r = Reader::new(bytes);
        let version = r.u8().map_err(m)?;
        if version != SUMMARY_VERSION {
            return Err(SummaryCodecError::Version(version));
        }
        let index = u32::from_be_bytes(r.array().map_err(m)?);
        let from = Height(u32::from_be_bytes(r.array().map_err(m)?));
        let to = Height(u32::from_be_bytes(r.array().map_err(m)?));
        let n = u32::from_be_bytes(r.array().map_err(m)?) as usize;
        let mut balance_changes = Vec::with_capacity(n.min(r.remaining() / (ADDRESS_LEN + 8)));
        for _ in 0..n {
            let a = Address::from_bytes(r.take(ADDRESS_LEN).map_err(m)?)
                .map_err(|e| SummaryCodecError::Malformed(e.to_string()))?;
            balance_changes.push((a, r.i64().map_err(m)?));
        }
        let n = u32::from_be_bytes(r.array().map_err(m)?) as usize;
        let mut transactions = Vec::with_capacity(n.min(r.remaining() / 8));
        for _ in 0..n {
            let h = Height(u32::from_be_bytes(r.array().map_err(m)?));
            let len = u32::from_be_bytes(r.array().map_err(m)?) as usize;
            let tx = Transaction::from_bytes(r.take(len).map_err(m)?, chain).map_err(m)?;
            transactions.push((h, tx));
        }
        let total_fees = u64::from_be_bytes(r.array().map_err(m)?);
        let total_txs = u64::from_be_bytes(r.array().map_err(m)?);
        let carried_in = u64::from_be_bytes(r.array().map_err(m)?);
        let carried_out = u64::from_be_bytes(r.array().map_err(m)?);
        r.finish().map_err(m)?;
        let s = SummaryBlock {
            index,
            from,
            to,
            balance_changes,
            transactions,
            total_fees,
            total_txs,
            carried_in,
            carried_out,
        };
        s.check()?;
        Ok(s)
    }

    /// Tokens destroyed by the period's burn transactions (kept in full, so the supply check
    /// can account for them).
    pub fn burned(&self) -> i128 {
        self.transactions
            .iter()
            .map(|(_, t)| match &t.body {
                ltonode_ledger::tx::TxBody::Burn { amount } => i128::from(amount.0),
                _ => 0,
            })
            .sum()
    }

    /// Entries sorted and unique, and the supply unchanged but for the burns.
    pub fn check(&self) -> Result<(), SummaryCodecError> {
        for (i, w) in self.balance_changes.windows(2).enumerate() {
            if let [a, b] = w
                && a.0 >= b.0
            {
                return Err(SummaryCodecError::Unsorted(i + 1));
            }
        }
        let sum: i128 = self
            .balance_changes
            .iter()
            .map(|(_, c)| i128::from(*c))
            .sum();
        let expected = i128::from(self.carried_in) - i128::from(self.carried_out) - self.burned();
        // The first summary includes the genesis allocations, which create the supply.
        if sum != expected && self.index != 1 {
            return Err(SummaryCodecError::SupplyMismatch(sum - expected));
        }
        Ok(())
    }
}

fn len32(n: usize) -> [u8; 4] {
    u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ltonode_ledger::tx::TxBody;
    use ltonode_ledger::{Amount, KeyPair, Timestamp, TxId};
    use proptest::prelude::*;

    fn addr(i: u32) -> Address {
        Address::from_public_key(
            ChainId::TESTNET,
            &KeyPair::from_seed_phrase(&i.to_string(), 0).public_key(),
        )
    }

    fn sample() -> SummaryBlock {
        let k = KeyPair::from_seed_phrase("s", 0);
        let mut tx = Transaction {
            version: 3,
            chain_id: ChainId::TESTNET,
            timestamp: Timestamp(5),
            sender: k.public_key().into(),
            fee: Amount(100_000_000),
            sponsor: None,
            proofs: vec![],
            body: TxBody::CancelLease {
                lease_id: TxId([4; 32]),
            },
        };
        tx.sign_with(&k);
        let mut changes = vec![(addr(1), 500), (addr(2), -300), (addr(3), -200)];
        changes.sort();
        SummaryBlock {
            index: 2,
            from: Height(9),
            to: Height(16),
            balance_changes: changes,
            transactions: vec![(Height(10), tx)],
            total_fees: 100_000_000,
            total_txs: 3,
            carried_in: 7,
            carried_out: 7,
        }
    }

    #[test]
    fn round_trip_and_checks() {
        let s = sample();
        assert_eq!(
            SummaryBlock::from_bytes(&s.to_bytes(), ChainId::TESTNET),
            Ok(s.clone())
        );
        let mut unsorted = s.clone();
        unsorted.balance_changes.swap(0, 1);
        assert_eq!(
            SummaryBlock::from_bytes(&unsorted.to_bytes(), ChainId::TESTNET),
            Err(SummaryCodecError::Unsorted(1))
        );
        let mut minted = s.clone();
        minted.balance_changes[0].1 += 1;
        assert_eq!(
            SummaryBlock::from_bytes(&minted.to_bytes(), ChainId::TESTNET),
            Err(SummaryCodecError::SupplyMismatch(1))
        );
        assert_ne!(minted.hash(), s.hash());
        let mut b = s.to_bytes();
        b.push(0);
        assert!(matches!(
            SummaryBlock::from_bytes(&b, ChainId::TESTNET),
            Err(SummaryCodecError::Malformed(_))
        ));
    }

    proptest! {
        #[test]
        fn decoder_never_panics(b in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = SummaryBlock::from_bytes(&b, ChainId::TESTNET);
        }

        #[test]
        fn round_trips(changes in prop::collection::btree_map(0u32..50, -1000i64..1000, 0..20)) {
            let mut list: Vec<(Address, i64)> = changes.into_iter().map(|(i, c)| (addr(i), c)).collect();
            let sum: i64 = list.iter().map(|(_, c)| *c).sum();
            list.push((addr(1000), -sum));
            list.sort();
            list.dedup_by_key(|(a, _)| *a);
            let s = SummaryBlock { index: 1, from: Height(1), to: Height(8), balance_changes: list, transactions: vec![], total_fees: 0, total_txs: 0, carried_in: 0, carried_out: 0 };
            prop_assert_eq!(SummaryBlock::from_bytes(&s.to_bytes(), ChainId::TESTNET), Ok(s));
        }
    }
}
