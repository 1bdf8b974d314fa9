//! Forging on a tick: the pool is revalidated and, on dev chains, topped up; then the forger
//! takes one step on the tip, and what it builds is validated like a peer's block, applied and
//! queued for publishing.

use crate::chain_core::{Core, CoreError};
use crate::event::{Forged, Outgoing};
use ltonode_consensus::ForgerAction;
use ltonode_consensus::rules::validate_key_block;
use ltonode_ledger::block::anchored_values;
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::tx::validate::verify_batch;
use ltonode_ledger::tx::{TxId, VerifiedTx};
use ltonode_ledger::{Store, Timestamp};
use std::collections::HashSet;

impl<S: Store> Core<S> {
    /// Forging at `now`: at most one key block or micro block. Returns what was forged and
    /// when to tick again at the latest.
    pub fn tick(&mut self, now: Timestamp) -> Result<(Vec<Forged>, Option<Timestamp>), CoreError> {
        self.revalidate_pool()?;
        self.feed_dev_load()?;
        if !self.forging_enabled {
            return Ok((Vec::new(), None));
        }
        if self.forger.is_none() {
            return Ok((Vec::new(), None));
        }
        // The summary the next key block commits, derived again whenever the tip changes
        // (micro blocks of a period's last block change it too).
        let tip_id = self.chain.tip().map(|t| t.total_id);
        if self.summary_for != tip_id {
            self.next_summary = ltonode_summary::next_summary_hash(&self.chain)?;
            self.summary_for = tip_id;
        }
        let Some(forger) = self.forger.as_mut() else {
            return Ok((Vec::new(), None));
        };
        forger.set_next_summary(self.next_summary);
        let action = forger.step(&self.chain, now, self.pool.txs())?;
        match action {
            ForgerAction::KeyBlock(header) => {
                validate_key_block(&self.chain, &self.params, self.total_supply, &header, now)?;
                let returned = self.apply_key_block(&header)??;
                self.readmit(returned)?;
                self.outbox.push(Outgoing::KeyBlock(header.clone()));
                let forged = Forged::KeyBlock {
                    height: header.height,
                    timestamp: header.timestamp,
                };
                Ok((vec![forged], Some(now)))
            }
            ForgerAction::MicroBlock(micro, verified) => {
                self.chain.apply_own_micro_block(&micro, &verified)?;
                let anchors: usize = verified.iter().map(|v| anchored_values(v.tx()).len()).sum();
                let ids: HashSet<TxId> = verified.iter().map(VerifiedTx::id).collect();
                self.pool.remove(&ids);
                self.outbox.push(Outgoing::MicroBlock(micro));
                let forged = Forged::MicroBlock {
                    height: self.chain.height(),
                    txs: verified.len(),
                    anchors,
                };
                Ok((vec![forged], Some(now)))
            }
            ForgerAction::Wait { until } => Ok((Vec::new(), until)),
        }
    }

    /// Tops up an empty pool with the dev load while this node leads (dev chains only).
    fn feed_dev_load(&mut self) -> Result<(), CoreError> {
        let Some(load) = self.load.as_mut() else {
            return Ok(());
        };
        let leads = self.forger.as_ref().is_some_and(|f| f.leads(&self.chain));
        if !leads || !self.pool.is_empty() || load.is_empty() {
            return Ok(());
        }
        let tip_ts = self.chain.tip().ok_or(ChainError::Empty)?.header.timestamp;
        let txs = load.next_batch(self.params.chain_id, tip_ts);
        let ctx = self.chain.validation_context()?;
        let verified: Vec<VerifiedTx> = verify_batch(txs, &ctx).into_iter().flatten().collect();
        self.admit(verified, false)?;
        Ok(())
    }
}
