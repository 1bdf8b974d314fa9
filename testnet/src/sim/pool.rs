//! A node's pool of verified transactions waiting for a micro block, in arrival order.

use ltonode_ledger::tx::{TxId, VerifiedTx};
use std::collections::HashSet;

/// Verified transactions in arrival order, without duplicates.
#[derive(Default)]
pub struct Pool {
    txs: Vec<VerifiedTx>,
    ids: HashSet<TxId>,
    cap: usize,
}

impl Pool {
    /// An empty pool holding at most `cap` transactions.
    pub fn new(cap: usize) -> Pool {
        Pool {
            txs: Vec::new(),
            ids: HashSet::new(),
            cap,
        }
    }

    /// Adds `tx` unless it is already there or the pool is full; whether it was added.
    pub fn add(&mut self, tx: VerifiedTx) -> bool {
        if self.txs.len() >= self.cap || !self.ids.insert(tx.id()) {
            return false;
        }
        self.txs.push(tx);
        true
    }

    /// Whether `id` is waiting.
    pub fn contains(&self, id: &TxId) -> bool {
        self.ids.contains(id)
    }

    /// Removes the transactions with these ids.
    pub fn remove(&mut self, ids: &[TxId]) {
        let mut removed = false;
        for id in ids {
            removed |= self.ids.remove(id);
        }
        if removed {
            let ids = &self.ids;
            self.txs.retain(|t| ids.contains(&t.id()));
        }
    }

    /// Keeps only the transactions for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&VerifiedTx) -> bool) {
        let ids = &mut self.ids;
        self.txs.retain(|t| {
            let k = keep(t);
            if !k {
                ids.remove(&t.id());
            }
            k
        });
    }

    /// The waiting transactions, oldest first.
    pub fn as_slice(&self) -> &[VerifiedTx] {
        &self.txs
    }

    /// How many are waiting.
    pub fn len(&self) -> usize {
        self.txs.len()
    }

    /// Whether none are waiting.
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }
}
