//! The transaction load of a generated year: first mass transfers fund every account, then
//! each key block gets one micro block of mostly anchors, some transfers between random
//! accounts, and now and then a lease, a lease cancel or an association.
//!
//! Seeded (ChaCha8), so the same seed and block timestamps give the same transactions. The
//! load keeps its own conservative model of every account's spendable balance (a cancelled
//! lease never unlocks), so every transaction it emits applies on the chain.

use anyhow::Context;
use ltonode_ledger::tx::validate::{FeeSchedule, verify_batch};
use ltonode_ledger::tx::{TxId, ValidationContext, VerifiedTx, limits};
use ltonode_ledger::{Address, Amount, ChainId, KeyPair, Timestamp, Transaction, TxBody};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Seed phrase of the generated accounts (nonce = account index). Published on purpose.
pub const ACCOUNT_SEED: &str = "ltonode yeargen account -- do not use on any public network";

/// Every account's starting balance (100 LTO).
pub const FUND_UNITS: u64 = 100 * ltonode_ledger::units::UNITS_PER_LTO;

/// Mass transfers in one funding block (100 recipients each).
const FUNDING_TXS_PER_BLOCK: usize = 100;

/// How many transactions of each kind were emitted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// Mass transfers (funding).
    pub mass_transfers: u64,
    /// Anchors.
    pub anchors: u64,
    /// Transfers.
    pub transfers: u64,
    /// Leases.
    pub leases: u64,
    /// Lease cancels.
    pub cancels: u64,
    /// Associations.
    pub associations: u64,
}

impl Counts {
    /// All transactions.
    pub fn total(&self) -> u64 {
        self.mass_transfers
            + self.anchors
            + self.transfers
            + self.leases
            + self.cancels
            + self.associations
    }
}

/// Settings of the load.
#[derive(Clone, Copy, Debug)]
pub struct LoadSettings {
    /// Transactions in each micro block after the funding blocks.
    pub txs_per_block: usize,
    /// Percent of those that are transfers (the rest are anchors).
    pub transfer_percent: u32,
    /// One lease, cancel or association about every this many blocks (0: none).
    pub special_every: u32,
    /// RNG seed.
    pub seed: u64,
}

/// The load generator (see the module docs).
pub struct Load {
    chain_id: ChainId,
    fees: FeeSchedule,
    max_future_ms: u64,
    max_past_ms: u64,
    settings: LoadSettings,
    funder: KeyPair,
    keys: Vec<KeyPair>,
    addresses: Vec<Address>,
    /// Regular balance of each account, as the load's transactions leave it.
    balance: Vec<u64>,
    /// Balance locked by leases (never released: conservative).
    locked: Vec<u64>,
    funded: usize,
    rng: ChaCha8Rng,
    /// Active leases: (id, lessor index, recipient index).
    leases: Vec<(TxId, u32, u32)>,
    /// Accounts that issued an association (for the state sample).
    issuers: Vec<u32>,
    /// What was emitted so far.
    pub counts: Counts,
}

/// Derives the `n` account keys (`ACCOUNT_SEED`, nonce = index) on `threads` threads.
pub fn derive_accounts(n: u32, threads: usize) -> anyhow::Result<Vec<KeyPair>> {
    let threads = threads.max(1);
    let chunk = (n as usize).div_ceil(threads).max(1);
    let parts: Vec<Vec<KeyPair>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let from = t * chunk;
                    let to = ((t + 1) * chunk).min(n as usize);
                    (from..to)
                        .map(|i| {
                            let nonce = i32::try_from(i).unwrap_or(i32::MAX);
                            KeyPair::from_seed_phrase(ACCOUNT_SEED, nonce)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("key derivation panicked"))
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    Ok(parts.into_iter().flatten().collect())
}

impl Load {
    /// A load over `keys`, funded by `funder`.
    pub fn new(
        chain_id: ChainId,
        fees: FeeSchedule,
        max_future_ms: u64,
        max_past_ms: u64,
        funder: KeyPair,
        keys: Vec<KeyPair>,
        settings: LoadSettings,
    ) -> Load {
        let addresses: Vec<Address> = keys
            .iter()
            .map(|k| Address::from_public_key(chain_id, &k.public_key()))
            .collect();
        let n = keys.len();
        Load {
            chain_id,
            fees,
            max_future_ms,
            max_past_ms,
            settings,
            funder,
            keys,
            addresses,
            balance: vec![0; n],
            locked: vec![0; n],
            funded: 0,
            rng: ChaCha8Rng::seed_from_u64(settings.seed),
            leases: Vec::new(),
            issuers: Vec::new(),
            counts: Counts::default(),
        }
    }

    /// The accounts' addresses, by index.
    pub fn addresses(&self) -> &[Address] {
        &self.addresses
    }

    /// Units the funder needs: every account's funding plus the mass-transfer fees.
    pub fn funding_needed(accounts: u32, fees: FeeSchedule) -> u64 {
        let txs = u64::from(accounts).div_ceil(limits::MAX_TRANSFERS as u64);
        let fee_units = 1000 + 100 * limits::MAX_TRANSFERS as u64;
        u64::from(accounts) * FUND_UNITS + txs * fee_units * fees.fee_price
    }

    /// Lessors and recipients of the leases still active, and association issuers (indexes),
    /// for a sample of accounts whose state is worth comparing.
    pub fn interesting(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .leases
            .iter()
            .flat_map(|(_, from, to)| [*from, *to])
            .chain(self.issuers.iter().copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Active leases now.
    pub fn active_leases(&self) -> usize {
        self.leases.len()
    }

    /// The verified transactions of the next micro block, stamped from `stamp` on (the
    /// timestamp of the key block before the one they go into).
    pub fn next_block(&mut self, stamp: Timestamp) -> anyhow::Result<Vec<VerifiedTx>> {
        let mut ts = stamp.0.saturating_add(1);
        let txs = if self.funded < self.keys.len() {
            self.funding_block(&mut ts)
        } else {
            self.regular_block(&mut ts)
        };
        let ctx = ValidationContext {
            chain_id: self.chain_id,
            fees: self.fees,
            now: stamp,
            max_future_ms: self.max_future_ms,
            max_past_ms: self.max_past_ms,
        };
        verify_batch(txs, &ctx)
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.with_context(|| format!("generated transaction {i} is invalid")))
            .collect()
    }

    fn signed(
        key: &KeyPair,
        fees: FeeSchedule,
        chain_id: ChainId,
        ts: &mut u64,
        body: TxBody,
    ) -> Transaction {
        let mut tx = Transaction {
            version: 3,
            chain_id,
            timestamp: Timestamp(*ts),
            sender: key.public_key().into(),
            fee: Amount(0),
            sponsor: None,
            proofs: Vec::new(),
            body,
        };
        *ts = ts.saturating_add(1);
        tx.fee = fees.fee(&tx);
        tx.sign_with(key);
        tx
    }

    fn funding_block(&mut self, ts: &mut u64) -> Vec<Transaction> {
        let mut out = Vec::new();
        while out.len() < FUNDING_TXS_PER_BLOCK && self.funded < self.keys.len() {
            let to = (self.funded + limits::MAX_TRANSFERS).min(self.keys.len());
            let transfers: Vec<(Address, Amount)> = (self.funded..to)
                .filter_map(|i| self.addresses.get(i).map(|a| (*a, Amount(FUND_UNITS))))
                .collect();
            for b in self.balance.get_mut(self.funded..to).into_iter().flatten() {
                *b = FUND_UNITS;
            }
            self.funded = to;
            out.push(Self::signed(
                &self.funder,
                self.fees,
                self.chain_id,
                ts,
                TxBody::MassTransfer {
                    transfers,
                    attachment: Vec::new(),
                },
            ));
            self.counts.mass_transfers += 1;
        }
        out
    }

    /// A random account that can pay `needed` units, if one is found in a few tries.
    fn payer(&mut self, needed: u64) -> Option<usize> {
        for _ in 0..16 {
            let i = self.rng.random_range(0..self.keys.len());
            let (b, l) = (self.balance.get(i)?, self.locked.get(i)?);
            if b.saturating_sub(*l) >= needed {
                return Some(i);
            }
        }
        None
    }

    /// A random account other than `not`.
    fn other(&mut self, not: usize) -> usize {
        let n = self.keys.len();
        if n < 2 {
            return not;
        }
        let mut to = self.rng.random_range(0..n - 1);
        if to >= not {
            to += 1;
        }
        to
    }

    fn regular_block(&mut self, ts: &mut u64) -> Vec<Transaction> {
        let mut out = Vec::with_capacity(self.settings.txs_per_block + 1);
        let special = self.settings.special_every > 0
            && self.rng.random_ratio(1, self.settings.special_every);
        if special && let Some(tx) = self.special_tx(ts) {
            out.push(tx);
        }
        for _ in 0..self.settings.txs_per_block {
            let transfer = self.keys.len() > 1
                && self.rng.random_range(0..100u32) < self.settings.transfer_percent;
            let tx = if transfer {
                self.transfer(ts)
            } else {
                self.anchor(ts)
            };
            if let Some(tx) = tx {
                out.push(tx);
            }
        }
        out
    }

    /// Charges `units` to account `i` in the model.
    fn charge(&mut self, i: usize, units: u64) {
        if let Some(b) = self.balance.get_mut(i) {
            *b = b.saturating_sub(units);
        }
    }

    fn anchor(&mut self, ts: &mut u64) -> Option<Transaction> {
        let fee = 350 * self.fees.fee_price;
        let i = self.payer(fee)?;
        let mut anchor = vec![0u8; 32];
        self.rng.fill(&mut anchor[..]);
        let tx = Self::signed(
            self.keys.get(i)?,
            self.fees,
            self.chain_id,
            ts,
            TxBody::Anchor {
                anchors: vec![anchor],
            },
        );
        self.charge(i, tx.fee.0);
        self.counts.anchors += 1;
        Some(tx)
    }

    fn transfer(&mut self, ts: &mut u64) -> Option<Transaction> {
        let amount = self.rng.random_range(1..=10_000u64) * 10_000;
        let fee = 1000 * self.fees.fee_price;
        let i = self.payer(amount + fee)?;
        let to = self.other(i);
        let tx = Self::signed(
            self.keys.get(i)?,
            self.fees,
            self.chain_id,
            ts,
            TxBody::Transfer {
                recipient: *self.addresses.get(to)?,
                amount: Amount(amount),
                attachment: Vec::new(),
            },
        );
        self.charge(i, amount + tx.fee.0);
        if let Some(b) = self.balance.get_mut(to) {
            *b = b.saturating_add(amount);
        }
        self.counts.transfers += 1;
        Some(tx)
    }

    /// A lease (40 %), a cancel of an active lease (30 %, when there is one) or an
    /// association (the rest).
    fn special_tx(&mut self, ts: &mut u64) -> Option<Transaction> {
        let roll = self.rng.random_range(0..10u32);
        let fee = 1000 * self.fees.fee_price;
        if roll < 4 {
            let amount = self.rng.random_range(1..=10u64) * ltonode_ledger::units::UNITS_PER_LTO;
            let i = self.payer(amount + fee)?;
            let to = self.other(i);
            let tx = Self::signed(
                self.keys.get(i)?,
                self.fees,
                self.chain_id,
                ts,
                TxBody::Lease {
                    recipient: *self.addresses.get(to)?,
                    amount: Amount(amount),
                },
            );
            self.charge(i, tx.fee.0);
            if let Some(l) = self.locked.get_mut(i) {
                *l = l.saturating_add(amount);
            }
            self.leases
                .push((tx.id(), u32::try_from(i).ok()?, u32::try_from(to).ok()?));
            self.counts.leases += 1;
            return Some(tx);
        }
        if roll < 7 && !self.leases.is_empty() {
            let k = self.rng.random_range(0..self.leases.len());
            let (id, lessor, _) = *self.leases.get(k)?;
            let i = lessor as usize;
            if self.balance.get(i)?.saturating_sub(*self.locked.get(i)?) < fee {
                return None;
            }
            self.leases.swap_remove(k);
            let tx = Self::signed(
                self.keys.get(i)?,
                self.fees,
                self.chain_id,
                ts,
                TxBody::CancelLease { lease_id: id },
            );
            // The cancelled amount unbonds: the model keeps it locked for good.
            self.charge(i, tx.fee.0);
            self.counts.cancels += 1;
            return Some(tx);
        }
        let fee = 500 * self.fees.fee_price;
        let i = self.payer(fee)?;
        let to = self.other(i);
        let mut subject = vec![0u8; 32];
        self.rng.fill(&mut subject[..]);
        let association_type = i64::from(self.rng.random_range(1..=100u32));
        let tx = Self::signed(
            self.keys.get(i)?,
            self.fees,
            self.chain_id,
            ts,
            TxBody::IssueAssociation {
                association_type,
                recipient: *self.addresses.get(to)?,
                expires: None,
                subject: Some(subject),
                data: Vec::new(),
            },
        );
        self.charge(i, tx.fee.0);
        self.issuers.push(u32::try_from(i).ok()?);
        self.counts.associations += 1;
        Some(tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(seed: u64) -> Load {
        let keys = derive_accounts(250, 2).expect("keys");
        let settings = LoadSettings {
            txs_per_block: 8,
            transfer_percent: 50,
            special_every: 1,
            seed,
        };
        Load::new(
            ChainId::TESTNET,
            FeeSchedule::default(),
            90 * 60 * 1000,
            2 * 60 * 60 * 1000,
            KeyPair::from_seed_phrase("yeargen test funder", 0),
            keys,
            settings,
        )
    }

    fn ids(block: &[VerifiedTx]) -> Vec<TxId> {
        block.iter().map(VerifiedTx::id).collect()
    }

    #[test]
    fn funding_comes_first_then_the_seeded_load() {
        let mut a = load(7);
        let funding = a.next_block(Timestamp(1_000_000)).expect("funding");
        assert_eq!(funding.len(), 3, "250 accounts: three mass transfers");
        assert!(
            funding
                .iter()
                .all(|v| matches!(v.tx().body, TxBody::MassTransfer { .. }))
        );
        let mut b = load(7);
        b.next_block(Timestamp(1_000_000)).expect("funding");
        for i in 0..20u64 {
            let stamp = Timestamp(1_060_000 + i * 60_000);
            let x = a.next_block(stamp).expect("block");
            assert!(
                x.len() >= 8,
                "8 regular transactions and maybe a special one"
            );
            assert_eq!(ids(&x), ids(&b.next_block(stamp).expect("block")));
        }
        assert_eq!(a.counts.total(), b.counts.total());
        assert!(a.counts.leases + a.counts.associations > 0);
        let mut c = load(8);
        c.next_block(Timestamp(1_000_000)).expect("funding");
        let stamp = Timestamp(1_060_000);
        assert_ne!(
            ids(&c.next_block(stamp).expect("block")),
            ids(&load_after_funding(7).next_block(stamp).expect("block"))
        );
    }

    fn load_after_funding(seed: u64) -> Load {
        let mut l = load(seed);
        l.next_block(Timestamp(1_000_000)).expect("funding");
        l
    }
}
