//! Blocks from peers into the chain: gossiped key blocks and micro blocks, and sync
//! extensions, with fork choice, rollback and restore.
//!
//! - A key block is validated on the state it was forged on: the tip block is first cut back
//!   to the micro block the header references (`Chain::drop_unreferenced`), otherwise the
//!   generating balance and the raffle factor differ. Then the summary hash it must commit is
//!   derived and it is applied ([`Core::apply_key_block`]). If it is refused, the cut micro
//!   blocks are re-applied.
//! - A sibling of the tip replaces it only if `prefer_sibling` says so, after a cheap check
//!   (VRF and signature); on a full tie the tip, seen first, stays. An invalid sibling
//!   restores the old tip.
//! - An extension from sync switches only for a strictly higher score (or, while the peer
//!   has more blocks, on the peer's word that it scores higher), at most `max_rollback`
//!   blocks deep; any refused block restores the node's own blocks. A switch taken on the
//!   peer's word is a checkpoint: if the sync ends before the new chain outscores the old
//!   one, the old chain comes back ([`Core::end_sync`]), so the node never stays on a
//!   remote prefix.
//! - Transactions of dropped blocks go back to the pool through the admission path.

use crate::chain_core::{Checkpoint, Core, CoreError};
use crate::event::{Block, BlockRefusal, Extension, Imported};
use ltonode_consensus::fork::{Sibling, headers_score, prefer_sibling, range_score, should_switch};
use ltonode_consensus::rules::vrf_message;
use ltonode_consensus::vrf::{self, VrfProof};
use ltonode_consensus::{ConsensusError, reorg_allowed, validate_key_block};
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock, anchored_values};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::tx::Transaction;
use ltonode_ledger::{Height, Store, Timestamp};
use std::cmp::Ordering;

fn is_internal(e: &ChainError) -> bool {
    matches!(e, ChainError::Store(_) | ChainError::Corrupt(_))
}

impl<S: Store> Core<S> {
    /// Validates and applies a key block that extends the tip (its parent is the tip's key
    /// block or one of its micro blocks). On refusal the chain is as before. Returns the
    /// transactions of the micro blocks it dropped.
    pub(crate) fn extend(
        &mut self,
        header: &KeyBlockHeader,
        now: Timestamp,
    ) -> Result<Result<Vec<Transaction>, BlockRefusal>, CoreError> {
        let tip = self.tip()?.clone();
        let cut = match self.chain.locate(&header.parent)? {
            Some((h, seq)) if h == tip.height && seq < tip.micro_count => self
                .chain
                .block_micro_blocks(h)?
                .into_iter()
                .skip(usize::from(seq))
                .collect(),
            Some((h, _)) if h == tip.height => Vec::new(),
            _ => return Ok(Err(BlockRefusal::UnknownParent(header.parent))),
        };
        let dropped = self.chain.drop_unreferenced(&header.parent)?;
        let verdict =
            match validate_key_block(&self.chain, &self.params, self.total_supply(), header, now) {
                Ok(()) => self.apply_key_block(header)?.map_err(BlockRefusal::from),
                Err(e) => Err(BlockRefusal::from(e)),
            };
        match verdict {
            Ok(mut returned) => {
                returned.splice(0..0, dropped);
                self.applied.key_blocks = self.applied.key_blocks.saturating_add(1);
                Ok(Ok(returned))
            }
            Err(refusal) => {
                for m in &cut {
                    self.apply_micro(m)?;
                }
                Ok(Err(refusal))
            }
        }
    }

    /// A gossiped key block.
    pub(crate) fn on_key_block(
        &mut self,
        header: &KeyBlockHeader,
        now: Timestamp,
    ) -> Result<Imported, CoreError> {
        if self.chain.locate(&header.id())?.is_some() {
            return Ok(Imported::Known);
        }
        let tip = self.tip()?.clone();
        let tip_height = tip.height.0;
        let height = header.height.0;
        let parent_at = self.chain.locate(&header.parent)?.map(|(ph, _)| ph.0);
        if height == tip_height.saturating_add(1) && parent_at == Some(tip_height) {
            return Ok(match self.extend(header, now)? {
                Ok(returned) => {
                    self.readmit(returned)?;
                    self.remove_confirmed()?;
                    Imported::Applied
                }
                Err(r) => Imported::Refused(r),
            });
        }
        if height == tip_height && tip_height >= 2 && parent_at == Some(tip_height - 1) {
            // The tip was seen first: on a full tie it stays.
            let preferred = prefer_sibling(
                Sibling { header, seen: 1 },
                Sibling {
                    header: &tip.header,
                    seen: 0,
                },
            );
            if preferred != Ordering::Greater {
                return Ok(Imported::SiblingKept);
            }
            return self.switch_sibling(header, now);
        }
        if height > tip_height || (height == tip_height && parent_at.is_none()) {
            return Ok(Imported::NeedSync);
        }
        Ok(Imported::Stale)
    }

    /// Replaces the tip by a preferred sibling, or keeps it if the sibling is invalid.
    fn switch_sibling(
        &mut self,
        header: &KeyBlockHeader,
        now: Timestamp,
    ) -> Result<Imported, CoreError> {
        let tip = self.tip()?.clone();
        let parent = Height(tip.height.0.saturating_sub(1));
        // The checks that need no rollback: the VRF message lies below the common parent.
        let pre = vrf_message(&self.chain, &self.params, parent).and_then(|msg| {
            vrf::verify(
                header.generator.as_bytes(),
                &msg,
                &VrfProof(header.vrf_proof),
            )?;
            header.verify_signature()?;
            Ok::<(), ConsensusError>(())
        });
        if let Err(e) = pre {
            return Ok(Imported::Refused(e.into()));
        }
        let saved_micros = self.chain.block_micro_blocks(tip.height)?;
        let dropped = self.chain.rollback_to(parent)?;
        match self.extend(header, now)? {
            Ok(returned) => {
                self.readmit(dropped)?;
                self.readmit(returned)?;
                self.remove_confirmed()?;
                Ok(Imported::SiblingSwitched)
            }
            Err(refusal) => {
                self.apply_own(&tip.header, &saved_micros)?;
                Ok(Imported::Refused(refusal))
            }
        }
    }

    /// Re-applies one of the node's own blocks (restoring after a refused switch).
    fn apply_own(
        &mut self,
        header: &KeyBlockHeader,
        micros: &[MicroBlock],
    ) -> Result<(), CoreError> {
        if self.apply_key_block(header)?.is_err() {
            return Err(CoreError::Restore(header.height.0));
        }
        for m in micros {
            self.apply_micro(m)?;
        }
        Ok(())
    }

    /// A gossiped micro block.
    pub(crate) fn on_micro_block(&mut self, micro: &MicroBlock) -> Result<Imported, CoreError> {
        if self.chain.locate(&micro.total_id())?.is_some() {
            return Ok(Imported::Known);
        }
        let tip = self.tip()?;
        if micro.parent_total == tip.total_id {
            return Ok(match self.apply_micro(micro) {
                Ok(_) => {
                    self.count_micro(micro);
                    self.remove_included(std::slice::from_ref(micro));
                    Imported::Applied
                }
                Err(e) if is_internal(&e) => return Err(e.into()),
                Err(e) => Imported::Refused(e.into()),
            });
        }
        if micro.verify().is_err() {
            return Ok(Imported::Refused(BlockRefusal::BadMicroSignature));
        }
        if self.chain.locate(&micro.parent_total)?.is_none() {
            // Its parent (a micro block or a key block) is missing here.
            return Ok(Imported::NeedSync);
        }
        Ok(Imported::Stale)
    }

    /// Applies a micro block on the tip, taking the signature checks of the transactions the
    /// pool holds, byte for byte, from their admission (a gossiped transaction is verified
    /// once, not again in the micro block that brings it).
    fn apply_micro(
        &mut self,
        micro: &MicroBlock,
    ) -> Result<Vec<ltonode_ledger::tx::VerifiedTx>, ChainError> {
        let pool = &self.pool;
        let from_pool = std::cell::Cell::new(0u64);
        let r = self.chain.apply_micro_block_known(micro, |id| {
            let v = pool.verified(id);
            from_pool.set(from_pool.get() + u64::from(v.is_some()));
            v
        });
        if r.is_ok() {
            let applied = &mut self.applied;
            applied.txs_from_pool = applied.txs_from_pool.saturating_add(from_pool.get());
        }
        r
    }

    fn count_micro(&mut self, micro: &MicroBlock) {
        let applied = &mut self.applied;
        applied.micro_blocks = applied.micro_blocks.saturating_add(1);
        applied.txs = applied.txs.saturating_add(micro.transactions.len() as u64);
        let anchors: usize = micro
            .transactions
            .iter()
            .map(|t| anchored_values(t).len())
            .sum();
        applied.anchors = applied.anchors.saturating_add(anchors as u64);
    }

    /// Applies a micro block of a peer on the tip; a refusal is returned as such.
    fn apply_peer_micro(&mut self, m: &MicroBlock) -> Result<Result<(), BlockRefusal>, CoreError> {
        match self.apply_micro(m) {
            Ok(_) => {
                self.count_micro(m);
                self.remove_included(std::slice::from_ref(m));
                Ok(Ok(()))
            }
            Err(e) if is_internal(&e) => Err(e.into()),
            Err(e) => Ok(Err(e.into())),
        }
    }

    /// Validates and applies blocks from a sync response: `blocks` are consecutive heights,
    /// the first of which should be in the local chain. `more` says the peer has blocks
    /// beyond these (its claimed score, already found higher, then decides the switch).
    pub fn apply_extension(
        &mut self,
        blocks: &[Block],
        more: bool,
        now: Timestamp,
    ) -> Result<Extension, CoreError> {
        // The common ancestor: the last of the leading blocks that are also ours.
        let mut common = None;
        for (i, (header, _)) in blocks.iter().enumerate() {
            match self.chain.header_at(header.height)? {
                Some(local) if local.id() == header.id() => common = Some(i),
                _ => break,
            }
        }
        let Some(last_common) = common else {
            return Ok(Extension::NoAncestor);
        };
        let (ancestor_blocks, remote) = blocks.split_at(last_common + 1);
        let Some((ancestor_header, ancestor_micros)) = ancestor_blocks.last() else {
            return Ok(Extension::NoAncestor);
        };
        let ancestor = ancestor_header.height;
        let local_height = self.chain.height();
        let remote_score = headers_score(remote.iter().map(|(h, _)| h))?;
        let local_score = range_score(
            &self.chain,
            Height(ancestor.0.saturating_add(1)),
            local_height,
        )?;
        let better = should_switch(local_score, remote_score);
        let switch = !remote.is_empty() && (more || better);
        if !switch {
            if remote.is_empty() && local_height == ancestor {
                // Same tip block: take the micro blocks this node missed.
                let returned = self.align_micros(ancestor, ancestor_micros)?;
                self.readmit(returned)?;
                self.settle_checkpoint()?;
                return Ok(Extension::Aligned);
            }
            return Ok(Extension::NotBetter);
        }
        if !reorg_allowed(local_height, ancestor, self.params.max_rollback) {
            return Ok(Extension::TooDeep);
        }
        if local_height > ancestor && ancestor < self.chain.finalized_height()? {
            return Ok(Extension::BelowFinality);
        }
        // Keep our own blocks above the ancestor (and its micro blocks) to restore on failure.
        let mut own = Vec::new();
        for h in ancestor.0.saturating_add(1)..=local_height.0 {
            if let Some(header) = self.chain.header_at(Height(h))? {
                own.push((header, self.chain.block_micro_blocks(Height(h))?));
            }
        }
        let own_micros = self.chain.block_micro_blocks(ancestor)?;
        let mut returned = if local_height > ancestor {
            self.chain.rollback_to(ancestor)?
        } else {
            Vec::new()
        };
        returned.extend(self.align_micros(ancestor, ancestor_micros)?);
        let mut applied = 0u32;
        let mut refusal = None;
        'blocks: for (header, micros) in remote {
            match self.extend(header, now)? {
                Ok(r) => {
                    returned.extend(r);
                    applied = applied.saturating_add(1);
                }
                Err(r) => {
                    refusal = Some(r);
                    break;
                }
            }
            for m in micros {
                if let Err(r) = self.apply_peer_micro(m)? {
                    refusal = Some(r);
                    break 'blocks;
                }
            }
        }
        if let Some(r) = refusal {
            self.restore(ancestor, &own_micros, &own)?;
            // A refused batch ends the sync: an earlier switch on the peer's word goes too.
            self.end_sync()?;
            return Ok(Extension::Refused(r));
        }
        // A switch taken on the peer's word (more to come, not better yet) that dropped own
        // blocks is a checkpoint until the new chain outscores them.
        if !better && !own.is_empty() && self.checkpoint.is_none() {
            self.checkpoint = Some(Checkpoint {
                ancestor,
                ancestor_micros: own_micros,
                own,
                own_score: local_score,
            });
        }
        self.readmit(returned)?;
        self.remove_confirmed()?;
        self.settle_checkpoint()?;
        Ok(Extension::Switched {
            rolled_back: local_height.0.saturating_sub(ancestor.0),
            applied,
        })
    }

    /// Drops the checkpoint once the chain above its ancestor outscores the blocks it keeps.
    fn settle_checkpoint(&mut self) -> Result<(), CoreError> {
        let Some(cp) = &self.checkpoint else {
            return Ok(());
        };
        let now_score = range_score(
            &self.chain,
            Height(cp.ancestor.0.saturating_add(1)),
            self.chain.height(),
        )?;
        if should_switch(cp.own_score, now_score) {
            self.checkpoint = None;
        }
        Ok(())
    }

    /// A sync session ended (all batches taken, or the peer stopped answering). If the node
    /// switched on the peer's word and the new chain does not outscore its own yet, its own
    /// chain comes back. Whether it did.
    pub fn end_sync(&mut self) -> Result<bool, CoreError> {
        self.settle_checkpoint()?;
        let Some(cp) = self.checkpoint.take() else {
            return Ok(false);
        };
        if self.chain.header_at(cp.ancestor)?.is_none() {
            return Ok(false);
        }
        let mut returned = Vec::new();
        if self.chain.height() > cp.ancestor {
            returned = self.chain.rollback_to(cp.ancestor)?;
        }
        self.restore(cp.ancestor, &cp.ancestor_micros, &cp.own)?;
        self.readmit(returned)?;
        self.remove_confirmed()?;
        Ok(true)
    }

    /// Brings the micro blocks of the tip block (height `at`) in line with `target`: keeps
    /// the common prefix; if `target` goes on past it, drops the local ones after it and
    /// applies the rest of `target`. Returns the dropped transactions.
    fn align_micros(
        &mut self,
        at: Height,
        target: &[MicroBlock],
    ) -> Result<Vec<Transaction>, CoreError> {
        let local = self.chain.block_micro_blocks(at)?;
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
            if self.apply_peer_micro(m)?.is_err() {
                break;
            }
        }
        Ok(returned)
    }

    /// Back to the node's own chain after a refused switch.
    fn restore(
        &mut self,
        ancestor: Height,
        ancestor_micros: &[MicroBlock],
        own: &[Block],
    ) -> Result<(), CoreError> {
        if self.chain.height() > ancestor {
            self.chain.rollback_to(ancestor)?;
        }
        let local = self.chain.block_micro_blocks(ancestor)?;
        let common = local
            .iter()
            .zip(ancestor_micros)
            .take_while(|(l, r)| l.total_id() == r.total_id())
            .count();
        if local.len() > common {
            self.chain
                .rollback_micro_to(u16::try_from(common).unwrap_or(u16::MAX))?;
        }
        for m in ancestor_micros.iter().skip(common) {
            self.apply_micro(m)?;
        }
        for (header, micros) in own {
            self.apply_own(header, micros)?;
        }
        Ok(())
    }
}
