//! Block sync (`reference/waves-consensus.md` §5, "Applying an extension"): a node asks a peer
//! for its blocks from `max_rollback` below its own tip; the peer answers with its headers and
//! the micro blocks it kept. The requester finds the common ancestor by comparing key block
//! ids height by height, and switches only if the remote suffix scores strictly higher and the
//! rollback is at most `max_rollback` deep (or, at equal score, if the remote tip is a
//! preferred sibling of its own). Every remote block is validated as it is applied; on any
//! failure the node rolls back to the ancestor again and re-applies its own blocks. Dropped
//! transactions go back to the pool.

use super::SimError;
use super::byzantine::RefusalKind;
use super::message::{Message, SyncBlock};
use super::node::{Action, SimNode};
use ltonode_consensus::fork::{
    Sibling, headers_score, prefer_sibling, reorg_allowed, should_switch,
};
use ltonode_consensus::{ConsensusError, validate_key_block};
use ltonode_ledger::block::MicroBlock;
use ltonode_ledger::{Height, Timestamp, Transaction};
use std::cmp::Ordering;

impl SimNode {
    /// Answers with consecutive blocks from `from_height` (at most `sync_batch`).
    pub(super) fn on_sync_request(
        &mut self,
        from: usize,
        from_height: Height,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        let tip = self.chain.height().0;
        let first = from_height.0.max(1);
        let last = tip.min(first.saturating_add(self.setup.sync_batch.saturating_sub(1)));
        let mut blocks = Vec::new();
        for h in first..=last {
            let Some(header) = self.chain.header_at(Height(h))? else {
                break;
            };
            blocks.push((header, self.chain.block_micro_blocks(Height(h))?));
        }
        out.push(Action::Send(from, Message::SyncResponse { blocks }));
        Ok(())
    }

    /// Decides whether to switch to the peer's blocks and does it.
    pub(super) fn on_sync_response(
        &mut self,
        blocks: Vec<SyncBlock>,
        now: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), SimError> {
        self.sync_answered();
        // The common ancestor: the last of the leading blocks that are also ours.
        let mut common = None;
        for (i, (header, _)) in blocks.iter().enumerate() {
            match self.chain.header_at(header.height)? {
                Some(local) if local.id() == header.id() => common = Some(i),
                _ => break,
            }
        }
        let Some(ai) = common else {
            if !blocks.is_empty() {
                self.stats.sync_no_ancestor += 1;
            }
            return Ok(());
        };
        let (ancestor_blocks, remote) = blocks.split_at(ai + 1);
        let Some((anc_header, anc_micros)) = ancestor_blocks.last() else {
            return Ok(());
        };
        let a = anc_header.height;
        let tip = self.tip()?;
        let local_h = tip.height;

        let remote_score =
            headers_score(remote.iter().map(|(h, _)| h)).map_err(ConsensusError::from)?;
        let local_score = self.suffix_score(a, local_h);
        let mut switch = should_switch(local_score, remote_score);
        let mut sibling_seen = None;
        if !switch
            && remote_score == local_score
            && remote.len() == 1
            && local_h.0 == a.0.saturating_add(1)
            && let Some((remote_tip, _)) = remote.first()
            && remote_tip.id() != tip.header.id()
        {
            let seen = self.next_seen();
            let preferred = prefer_sibling(
                Sibling {
                    header: remote_tip,
                    seen,
                },
                Sibling {
                    header: &tip.header,
                    seen: self.tip_seen,
                },
            );
            if preferred == Ordering::Greater {
                switch = true;
                sibling_seen = Some(seen);
            }
        }
        if !switch {
            if remote.is_empty() && local_h == a {
                // Same tip block: take the micro blocks this node missed.
                let returned = self.align_micros(a, anc_micros)?;
                self.readd(returned)?;
            }
            return Ok(());
        }
        if !reorg_allowed(local_h, a, self.setup.params.max_rollback) {
            self.stats.reorgs_too_deep += 1;
            return Ok(());
        }

        // Keep our own blocks above the ancestor (and its micro blocks) to restore on failure.
        let mut saved = Vec::new();
        for h in a.0.saturating_add(1)..=local_h.0 {
            if let Some(header) = self.chain.header_at(Height(h))? {
                saved.push((header, self.chain.block_micro_blocks(Height(h))?));
            }
        }
        let saved_anc_micros = self.chain.block_micro_blocks(a)?;

        let mut returned = if local_h > a {
            self.chain.rollback_to(a)?
        } else {
            Vec::new()
        };
        self.truncate_scores(a);
        returned.extend(self.align_micros(a, anc_micros)?);

        let mut failed = false;
        for (header, micros) in remote {
            // Validate on the state the block was forged on (see `SimNode::extend`).
            returned.extend(self.cut_to_parent(header)?.1);
            let s = &self.setup;
            if let Err(e) = validate_key_block(
                &self.chain,
                &s.params,
                s.total_supply,
                header,
                Timestamp(now),
            ) {
                self.refuse(RefusalKind::of(&e));
                failed = true;
                break;
            }
            match self.chain.apply_key_block(header, [0; 32]) {
                Ok(r) => {
                    returned.extend(r);
                    self.push_score(header)?;
                }
                Err(e) => {
                    self.refuse(RefusalKind::of_chain(&e));
                    failed = true;
                    break;
                }
            }
            for m in micros {
                if let Err(e) = self.chain.apply_micro_block(m) {
                    self.refuse(RefusalKind::of_chain(&e));
                    failed = true;
                    break;
                }
                let ids: Vec<_> = m.transactions.iter().map(|t| t.id()).collect();
                self.pool.remove(&ids);
            }
            if failed {
                break;
            }
        }

        if failed {
            self.restore(a, &saved_anc_micros, &saved)?;
            return Ok(());
        }
        let depth = local_h.0.saturating_sub(a.0);
        self.stats.sync_switches += 1;
        if depth > 0 {
            self.stats.reorgs += 1;
            self.stats.rolled_back_blocks += u64::from(depth);
        }
        self.tip_seen = sibling_seen.unwrap_or_else(|| self.next_seen());
        self.readd(returned)?;
        self.purge_pool()?;
        out.push(Action::Wake(now));
        Ok(())
    }

    /// Brings the micro blocks of the tip block (height `a`) in line with `target`: keeps the
    /// common prefix; if `target` goes on past it, drops the local ones after it and applies
    /// the rest of `target`. (Local micro blocks beyond a `target` that is a prefix stay: the
    /// next key block cuts them.) Returns the dropped transactions.
    fn align_micros(
        &mut self,
        a: Height,
        target: &[MicroBlock],
    ) -> Result<Vec<Transaction>, SimError> {
        let local = self.chain.block_micro_blocks(a)?;
        let common = local
            .iter()
            .zip(target)
            .take_while(|(l, r)| l.total_id() == r.total_id())
            .count();
        if target.len() == common {
            return Ok(Vec::new());
        }
        let returned = if local.len() > common {
            self.chain
                .rollback_micro_to(u16::try_from(common).unwrap_or(u16::MAX))?
        } else {
            Vec::new()
        };
        for m in target.iter().skip(common) {
            match self.chain.apply_micro_block(m) {
                Ok(_) => {
                    let ids: Vec<_> = m.transactions.iter().map(|t| t.id()).collect();
                    self.pool.remove(&ids);
                }
                Err(e) => {
                    self.refuse(RefusalKind::of_chain(&e));
                    break;
                }
            }
        }
        Ok(returned)
    }

    /// Back to our own chain after a failed switch.
    fn restore(
        &mut self,
        a: Height,
        anc_micros: &[MicroBlock],
        saved: &[SyncBlock],
    ) -> Result<(), SimError> {
        if self.chain.height() > a {
            self.chain.rollback_to(a)?;
        }
        let local = self.chain.block_micro_blocks(a)?;
        let common = local
            .iter()
            .zip(anc_micros)
            .take_while(|(l, r)| l.total_id() == r.total_id())
            .count();
        if local.len() > common {
            self.chain
                .rollback_micro_to(u16::try_from(common).unwrap_or(u16::MAX))?;
        }
        for m in anc_micros.iter().skip(common) {
            self.chain.apply_micro_block(m)?;
        }
        for (header, micros) in saved {
            self.chain.apply_key_block(header, [0; 32])?;
            for m in micros {
                self.chain.apply_micro_block(m)?;
            }
        }
        self.rebuild_scores()
    }
}
