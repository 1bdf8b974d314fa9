//! Admission to the pool and its upkeep. [`Core::admit`] is the one way in: every
//! transaction, a client's, a peer's, a rolled-back block's or the dev load's, is checked
//! against the pool and the chain and applied on the tip with the pool's transactions before it
//! is pooled. The pool's transactions applied on the tip are cached between admissions
//! ([`PoolState`]). Transactions leave the pool when a block includes them, when a key block
//! confirms them elsewhere, or when they no longer apply after a new key block.

use crate::chain_core::{Core, CoreError, PoolState, block_context};
use crate::event::{Outgoing, TxRefusal};
use ltonode_ledger::block::MicroBlock;
use ltonode_ledger::state::transition::{Overlay, TxApplyError};
use ltonode_ledger::tx::validate::verify_batch;
use ltonode_ledger::tx::{Transaction, TxId, VerifiedTx};
use ltonode_ledger::{Store, Timestamp};
use std::collections::HashSet;

impl<S: Store> Core<S> {
    /// The one admission path: `txs` were verified statelessly (by the caller, off the core,
    /// or by [`Core::readmit`]); each is checked against the pool and the chain (already
    /// known), applied on the tip with the pool's transactions (overdraft, replay, unknown
    /// lease...), and pooled. `publish`: gossip the admitted ones (a client's or a
    /// rollback's; a peer's are relayed by the network once accepted).
    pub fn admit(
        &mut self,
        txs: Vec<VerifiedTx>,
        publish: bool,
    ) -> Result<Vec<Result<TxId, TxRefusal>>, CoreError> {
        let mut results = Vec::with_capacity(txs.len());
        if txs.is_empty() {
            return Ok(results);
        }
        let bctx = self.block_context()?;
        let tip_id = self.tip()?.total_id;
        let cached = match self.pool_state.take() {
            Some(p) if p.tip == tip_id && p.generation == self.pool.generation() => Some(p.parts),
            _ => None,
        };
        let mut overlay = match cached {
            Some(parts) => Overlay::from_parts(&self.chain, bctx, parts),
            None => {
                let mut o = Overlay::new(&self.chain, bctx);
                for pending in self.pool.txs() {
                    // Pending transactions that no longer apply are the forger's to drop;
                    // they must not block new ones.
                    let _ = o.apply(pending);
                }
                o
            }
        };
        let mut admitted = Vec::new();
        let mut seen = HashSet::new();
        for v in txs {
            let id = v.id();
            if !seen.insert(id) || self.pool.contains(&id) {
                results.push(Err(TxRefusal::InPool(id)));
                continue;
            }
            if self.chain.transaction(&id)?.is_some() {
                results.push(Err(TxRefusal::State(TxApplyError::Duplicate(id))));
                continue;
            }
            // A refused transaction leaves the overlay as it was.
            match overlay.apply(&v) {
                Ok(()) => {
                    results.push(Ok(id));
                    admitted.push((results.len() - 1, v));
                }
                Err(e) => results.push(Err(TxRefusal::State(e))),
            }
        }
        let parts = overlay.into_parts();
        let before = self.pool.generation();
        let mut inserted = 0u64;
        for (at, v) in admitted {
            let tx = publish.then(|| v.tx().clone());
            match self.pool.insert(v) {
                Ok(()) => {
                    inserted += 1;
                    if let Some(tx) = tx {
                        self.outbox.push(Outgoing::Transaction(tx));
                    }
                }
                Err(refusal) => {
                    if let Some(slot) = results.get_mut(at) {
                        *slot = Err(TxRefusal::Pool(refusal));
                    }
                }
            }
        }
        // The overlay holds exactly the pool only if every admitted transaction went in and
        // none was evicted for it (each insert bumps the generation once, each eviction
        // once more); otherwise it is rebuilt next time.
        let all_in = results.iter().filter(|r| r.is_ok()).count() as u64 == inserted;
        if all_in && self.pool.generation() == before.saturating_add(inserted) {
            self.pool_state = Some(PoolState {
                tip: tip_id,
                generation: self.pool.generation(),
                parts,
            });
        }
        Ok(results)
    }

    /// Puts transactions of dropped blocks back into the pool through the admission path
    /// (those that are in the chain now are known and refused there). Their signatures are
    /// checked again here: a rollback is rare and its transactions few.
    pub(crate) fn readmit(&mut self, txs: Vec<Transaction>) -> Result<(), CoreError> {
        if txs.is_empty() {
            return Ok(());
        }
        let ctx = self.chain.validation_context()?;
        let verified: Vec<VerifiedTx> = verify_batch(txs, &ctx).into_iter().flatten().collect();
        self.admit(verified, true)?;
        Ok(())
    }

    /// Removes pool transactions that are in the chain now.
    pub(crate) fn remove_confirmed(&mut self) -> Result<(), CoreError> {
        let mut included = HashSet::new();
        for v in self.pool.txs() {
            if self.chain.transaction(&v.id())?.is_some() {
                included.insert(v.id());
            }
        }
        self.pool.remove(&included);
        Ok(())
    }

    /// Removes from the pool the transactions of micro blocks just applied.
    pub(crate) fn remove_included(&mut self, micros: &[MicroBlock]) {
        let ids: HashSet<TxId> = micros
            .iter()
            .flat_map(|m| m.transactions.iter().map(Transaction::id))
            .collect();
        self.pool.remove(&ids);
    }

    /// After a new key block (forged or imported): removes pool transactions that expired or
    /// no longer apply on the new state (confirmed elsewhere, overdrawn, lease gone).
    pub(crate) fn revalidate_pool(&mut self) -> Result<(), CoreError> {
        let Some(tip) = self.chain.tip() else {
            return Ok(());
        };
        if self.revalidated_at == Some(tip.height) {
            return Ok(());
        }
        self.revalidated_at = Some(tip.height);
        let oldest = Timestamp(
            tip.prev_timestamp
                .0
                .saturating_sub(self.params.max_tx_past_ms),
        );
        let ctx = block_context(&self.params, tip);
        self.pool.remove_expired(oldest);
        let mut overlay = Overlay::new(&self.chain, ctx);
        let mut stale = HashSet::new();
        for v in self.pool.txs() {
            if overlay.apply(v).is_err() {
                stale.insert(v.id());
            }
        }
        self.pool.remove(&stale);
        Ok(())
    }
}
