//! The transaction load: funded user accounts send anchors and small transfers to each
//! other at a steady rate, each to a random live node. Seeded, so the same seed gives the
//! same transactions.

use ltonode_ledger::tx::validate::FeeSchedule;
use ltonode_ledger::{Address, Amount, ChainId, KeyPair, Timestamp, Transaction, TxBody};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded generator of user transactions.
pub struct TxLoad {
    users: Vec<KeyPair>,
    addresses: Vec<Address>,
    chain_id: ChainId,
    fees: FeeSchedule,
    rng: ChaCha8Rng,
    /// Time between two transactions (ms).
    pub interval_ms: u64,
    /// Transactions generated so far.
    pub generated: u64,
}

impl TxLoad {
    /// A load from `users` every `interval_ms`.
    pub fn new(
        users: Vec<KeyPair>,
        chain_id: ChainId,
        fees: FeeSchedule,
        interval_ms: u64,
        seed: u64,
    ) -> TxLoad {
        let addresses = users
            .iter()
            .map(|k| Address::from_public_key(chain_id, &k.public_key()))
            .collect();
        TxLoad {
            users,
            addresses,
            chain_id,
            fees,
            rng: ChaCha8Rng::seed_from_u64(seed),
            interval_ms: interval_ms.max(1),
            generated: 0,
        }
    }

    /// A random live node out of `alive` (none if all are down).
    pub fn pick<'a>(&mut self, alive: &'a [usize]) -> Option<&'a usize> {
        if alive.is_empty() {
            return None;
        }
        alive.get(self.rng.random_range(0..alive.len()))
    }

    /// The next transaction, stamped `now`: two thirds anchors, one third transfers.
    pub fn next_tx(&mut self, now: u64) -> Option<Transaction> {
        if self.users.is_empty() {
            return None;
        }
        let from = self.rng.random_range(0..self.users.len());
        let body = if self.users.len() > 1 && self.rng.random_range(0..3u32) == 0 {
            let mut to = self.rng.random_range(0..self.users.len() - 1);
            if to >= from {
                to += 1;
            }
            TxBody::Transfer {
                recipient: *self.addresses.get(to)?,
                amount: Amount(self.rng.random_range(1..=1_000u64) * 100_000),
                attachment: Vec::new(),
            }
        } else {
            let mut anchor = vec![0u8; 32];
            self.rng.fill(&mut anchor[..]);
            TxBody::Anchor {
                anchors: vec![anchor],
            }
        };
        let key = self.users.get(from)?;
        let mut tx = Transaction {
            version: 3,
            chain_id: self.chain_id,
            timestamp: Timestamp(now),
            sender: key.public_key().into(),
            fee: Amount(0),
            sponsor: None,
            proofs: vec![],
            body,
        };
        tx.fee = self.fees.fee(&tx);
        tx.sign_with(key);
        self.generated += 1;
        Some(tx)
    }
}
