//! The UTX pool: transactions waiting for a micro block.
//!
//! Every transaction was verified (signatures, fee, sizes, chain, timestamp) before it gets
//! here, and applied on the chain and the pool's state by [`crate::Core`]'s admission.
//! The pool is bounded by count and bytes, holds at most `max_per_account` transactions of one
//! sender, refuses duplicates, and keeps its transactions ordered by fee per byte (highest
//! first, then first come), which is the order the forger takes them in. When full, a new
//! transaction evicts the lowest-paying ones only if it pays more per byte than they do.
//! After each block the node drops what no longer applies (confirmed, overdrawn, expired).

use ltonode_ledger::tx::{Transaction, TxId, VerifiedTx};
use ltonode_ledger::{Address, Timestamp};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// How much the pool holds at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolLimits {
    /// Most transactions in the pool.
    pub max_txs: usize,
    /// Most bytes of transactions (wire size).
    pub max_bytes: usize,
    /// Most transactions of one sender.
    pub max_per_account: usize,
}

impl Default for PoolLimits {
    fn default() -> Self {
        PoolLimits {
            max_txs: 20_000,
            max_bytes: 32 * 1024 * 1024,
            max_per_account: 2_000,
        }
    }
}

/// Why the pool did not take a verified transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PoolRefusal {
    /// It is already in the pool.
    #[error("already in the pool")]
    Duplicate,
    /// Its sender already has `max_per_account` transactions waiting.
    #[error("the sender has too many transactions waiting")]
    AccountLimit,
    /// The pool is full of transactions paying at least as much per byte.
    #[error("the pool is full of transactions paying at least as much per byte")]
    Full,
}

/// Ordering key: fee per byte in millionths (higher first), then arrival (earlier first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    neg_fee_per_byte: i128,
    seq: u64,
}

/// The pool's transactions as readers see them: persistent maps, so that a copy costs
/// nothing and the core can publish one after every change (a reader never waits on it).
#[derive(Clone, Debug, Default)]
pub struct PoolView {
    by_rank: imbl::OrdMap<Rank, Arc<Transaction>>,
    by_id: imbl::HashMap<TxId, Arc<Transaction>>,
}

impl PoolView {
    /// How many transactions are waiting.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The transactions, highest fee per byte first (the order the forger takes them in).
    pub fn iter(&self) -> impl Iterator<Item = &Transaction> {
        self.by_rank.values().map(|t| t.as_ref())
    }

    /// The transaction `id`, if it waits.
    pub fn get(&self, id: &TxId) -> Option<&Transaction> {
        self.by_id.get(id).map(|t| t.as_ref())
    }
}

/// Transactions waiting for a micro block.
#[derive(Default)]
pub struct Pool {
    txs: Vec<VerifiedTx>,
    ranks: Vec<(Rank, usize, Address)>,
    /// The rank of every waiting transaction, by id (its place in `txs` and `ranks`).
    ids: HashMap<TxId, Rank>,
    per_account: HashMap<Address, usize>,
    bytes: usize,
    seq: u64,
    limits: PoolLimits,
    generation: u64,
    view: PoolView,
}

impl Pool {
    /// An empty pool with these bounds.
    pub fn with_limits(limits: PoolLimits) -> Pool {
        Pool {
            limits,
            ..Pool::default()
        }
    }

    /// Adds a verified transaction, or says why not. The state check is the caller's
    /// ([`crate::Core::admit`]); the pool checks only its own bounds.
    pub fn insert(&mut self, v: VerifiedTx) -> Result<(), PoolRefusal> {
        let id = v.id();
        if self.ids.contains_key(&id) {
            return Err(PoolRefusal::Duplicate);
        }
        let sender = v.tx().sender_address();
        if self.per_account.get(&sender).copied().unwrap_or(0) >= self.limits.max_per_account {
            return Err(PoolRefusal::AccountLimit);
        }
        let size = v.tx().to_bytes().len().max(1);
        let fee_per_byte = i128::from(v.tx().fee.0) * 1_000_000 / i128::try_from(size).unwrap_or(1);
        self.seq += 1;
        let rank = Rank {
            neg_fee_per_byte: -fee_per_byte,
            seq: self.seq,
        };
        // Make room by evicting lower-paying transactions, if this one pays more.
        while self.txs.len() >= self.limits.max_txs
            || self.bytes.saturating_add(size) > self.limits.max_bytes
        {
            match self.ranks.last() {
                Some((last, _, _)) if last.neg_fee_per_byte > rank.neg_fee_per_byte => {
                    let i = self.txs.len() - 1;
                    self.remove_at(i);
                }
                _ => return Err(PoolRefusal::Full),
            }
        }
        let at = self.ranks.partition_point(|(r, _, _)| *r < rank);
        self.ranks.insert(at, (rank, size, sender));
        let shared = Arc::new(v.tx().clone());
        self.view.by_rank.insert(rank, shared.clone());
        self.view.by_id.insert(id, shared);
        self.txs.insert(at, v);
        self.ids.insert(id, rank);
        *self.per_account.entry(sender).or_default() += 1;
        self.bytes += size;
        self.generation += 1;
        Ok(())
    }

    fn remove_at(&mut self, i: usize) {
        if i >= self.txs.len() {
            return;
        }
        let v = self.txs.remove(i);
        let (rank, size, sender) = self.ranks.remove(i);
        self.view.by_rank.remove(&rank);
        self.view.by_id.remove(&v.id());
        self.generation += 1;
        self.ids.remove(&v.id());
        self.bytes = self.bytes.saturating_sub(size);
        if let Some(c) = self.per_account.get_mut(&sender) {
            *c = c.saturating_sub(1);
            if *c == 0 {
                self.per_account.remove(&sender);
            }
        }
    }

    /// Removes the transactions `ids` (included in a block, confirmed or no longer valid).
    pub fn remove(&mut self, ids: &HashSet<TxId>) {
        if !ids.iter().any(|id| self.ids.contains_key(id)) {
            return;
        }
        self.retain(|v| !ids.contains(&v.id()));
    }

    /// Keeps only the transactions for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&VerifiedTx) -> bool) {
        let mut i = 0;
        while i < self.txs.len() {
            if self.txs.get(i).is_some_and(&mut keep) {
                i += 1;
            } else {
                self.remove_at(i);
            }
        }
    }

    /// Removes transactions older than `oldest` (past LTO's window they can never be included).
    pub fn remove_expired(&mut self, oldest: Timestamp) -> usize {
        let before = self.txs.len();
        self.retain(|v| v.tx().timestamp >= oldest);
        before - self.txs.len()
    }

    /// A counter that changes whenever the pool's content changes (for caches of its state).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The limits the pool was built with.
    pub fn limits(&self) -> PoolLimits {
        self.limits
    }

    /// How many transactions are waiting.
    pub fn len(&self) -> usize {
        self.txs.len()
    }

    /// Bytes of the transactions waiting.
    pub fn size_bytes(&self) -> usize {
        self.bytes
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// The waiting transactions, highest fee per byte first.
    pub fn txs(&self) -> &[VerifiedTx] {
        &self.txs
    }

    /// A copy of the pool for readers (constant time).
    pub fn view(&self) -> PoolView {
        self.view.clone()
    }

    /// Whether the transaction `id` waits here.
    pub fn contains(&self, id: &TxId) -> bool {
        self.ids.contains_key(id)
    }

    /// The waiting transaction `id`, as it was verified on admission.
    pub fn verified(&self, id: &TxId) -> Option<&VerifiedTx> {
        let rank = self.ids.get(id)?;
        let at = self.ranks.partition_point(|(r, _, _)| r < rank);
        self.txs.get(at).filter(|v| v.id() == *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ltonode_ledger::tx::TxBody;
    use ltonode_ledger::tx::validate::{ValidationContext, verify};
    use ltonode_ledger::{Amount, ChainId, KeyPair};

    const NOW: Timestamp = Timestamp(1_767_225_600_000);

    fn anchor(seed: &str, i: u64, fee: u64) -> VerifiedTx {
        let k = KeyPair::from_seed_phrase(seed, 0);
        let mut tx = Transaction {
            version: 3,
            chain_id: ChainId::TESTNET,
            timestamp: Timestamp(NOW.0 + i),
            sender: k.public_key().into(),
            fee: Amount(fee),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Anchor {
                anchors: vec![i.to_be_bytes().to_vec()],
            },
        };
        tx.sign_with(&k);
        verify(tx, &ValidationContext::lto(ChainId::TESTNET, NOW)).expect("valid")
    }

    #[test]
    fn verified_finds_each_waiting_transaction_by_id() {
        let mut p = Pool::with_limits(PoolLimits {
            max_txs: 6,
            ..PoolLimits::default()
        });
        let all: Vec<VerifiedTx> = (0..9u64)
            .map(|i| anchor("v", i, 35_000_000 + (i % 4) * 10_000_000))
            .collect();
        for v in &all {
            let _ = p.insert(v.clone());
        }
        assert_eq!(p.len(), 6);
        for v in &all {
            assert_eq!(p.verified(&v.id()), p.contains(&v.id()).then_some(v));
        }
        let gone = p.txs()[2].id();
        p.remove(&HashSet::from([gone]));
        assert_eq!(p.verified(&gone), None);
        for v in p.txs() {
            assert_eq!(p.verified(&v.id()), Some(v));
        }
    }

    #[test]
    fn ordered_by_fee_per_byte_then_arrival() {
        let mut p = Pool::default();
        for (i, fee) in [35_000_000u64, 90_000_000, 35_000_000, 50_000_000]
            .iter()
            .enumerate()
        {
            assert_eq!(p.insert(anchor("a", i as u64, *fee)), Ok(()));
        }
        let fees: Vec<u64> = p.txs().iter().map(|v| v.tx().fee.0).collect();
        assert_eq!(fees, [90_000_000, 50_000_000, 35_000_000, 35_000_000]);
        // Readers' copy: the same order, and by id.
        let view = p.view();
        let view_fees: Vec<u64> = view.iter().map(|t| t.fee.0).collect();
        assert_eq!(view_fees, fees);
        let first = p.txs()[0].id();
        assert_eq!(view.get(&first).map(|t| t.id()), Some(first));
        let ts: Vec<u64> = p.txs().iter().map(|v| v.tx().timestamp.0 - NOW.0).collect();
        assert_eq!(ts, [1, 3, 0, 2]);
        assert_eq!(
            p.insert(anchor("a", 1, 90_000_000)),
            Err(PoolRefusal::Duplicate)
        );
    }

    #[test]
    fn bounded_by_count_bytes_and_account() {
        let mut p = Pool::with_limits(PoolLimits {
            max_txs: 3,
            max_bytes: 1 << 20,
            max_per_account: 2,
        });
        assert_eq!(p.insert(anchor("a", 0, 35_000_000)), Ok(()));
        assert_eq!(p.insert(anchor("a", 1, 35_000_000)), Ok(()));
        assert_eq!(
            p.insert(anchor("a", 2, 35_000_000)),
            Err(PoolRefusal::AccountLimit)
        );
        assert_eq!(p.insert(anchor("b", 3, 35_000_000)), Ok(()));
        // Full: an equal payer is refused, a better one evicts the newest of the lowest.
        assert_eq!(p.insert(anchor("c", 4, 35_000_000)), Err(PoolRefusal::Full));
        assert_eq!(p.insert(anchor("c", 5, 40_000_000)), Ok(()));
        assert_eq!(p.len(), 3);
        assert!(!p.txs().iter().any(|v| v.tx().timestamp.0 == NOW.0 + 3));
        // Bytes: a pool that holds one transaction's bytes.
        let one = anchor("d", 6, 35_000_000).tx().to_bytes().len();
        let mut q = Pool::with_limits(PoolLimits {
            max_txs: 100,
            max_bytes: one,
            max_per_account: 100,
        });
        assert_eq!(q.insert(anchor("d", 6, 35_000_000)), Ok(()));
        assert_eq!(q.insert(anchor("d", 7, 35_000_000)), Err(PoolRefusal::Full));
        assert_eq!(q.size_bytes(), one);
    }

    #[test]
    fn removal_and_expiry_keep_the_books() {
        let mut p = Pool::default();
        let a = anchor("a", 0, 35_000_000);
        let id = a.id();
        p.insert(a).expect("admit");
        p.insert(anchor("a", 10_000, 35_000_000)).expect("admit");
        assert_eq!(p.remove_expired(Timestamp(NOW.0 + 1)), 1);
        assert!(!p.contains(&id));
        p.remove(&p.txs().iter().map(VerifiedTx::id).collect());
        assert!(p.is_empty());
        assert_eq!(p.size_bytes(), 0);
        assert!(p.view().is_empty());
        // The per-account count was released: the sender may fill the pool again.
        for i in 0..5 {
            p.insert(anchor("a", 20_000 + i, 35_000_000))
                .expect("admit");
        }
    }
}
