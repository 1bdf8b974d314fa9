//! Applying blocks: the genesis block, micro blocks and key blocks, each unit in one atomic
//! batch holding its state diff, its indexes (transactions, address index, anchors,
//! transaction counts, carried fees) and its undo record.

use super::record_codec::encode_proof;
use super::undo::UndoBatch;
use super::view::ReadCache;
use super::write::{cumulative_at, write_diff, write_diff_known};
use super::{Chain, ChainError, Tip, genesis_key, keys};
use crate::address::Address;
use crate::block::{
    BlockError, BlockId, Commitments, KEY_BLOCK_VERSION, KeyBlockHeader, MicroBlock, anchor_leaf,
    anchored_values, commitments_of,
};
use crate::hash::Hash32;
use crate::merkle::{AnchorTrees, Sha256Hasher, merkle_root};
use crate::state::{BlockContext, Diff, apply_genesis, apply_key_block, apply_transactions};
use crate::store::{Column, Store, concat, key_u32};
use crate::tx::codec::Writer;
use crate::tx::validate::verify_batch_known;
use crate::tx::{Transaction, TxId, VerifiedTx};
use crate::units::{Height, Timestamp};
use std::collections::HashMap;

impl<S: Store> Chain<S> {
    /// Builds the genesis block (key block at height 1 and one micro block holding the
    /// genesis transactions, both signed with [`genesis_key`]) and applies it.
    pub fn init_genesis(
        &mut self,
        timestamp: Timestamp,
        base_target: u64,
        transactions: Vec<Transaction>,
    ) -> Result<(), ChainError> {
        if let Some(tip) = &self.tip {
            // A crash between the genesis block's two units leaves the key block alone:
            // undo it and start again.
            if tip.height.0 == 1 && tip.micro_count == 0 {
                self.revert_unit(Height(1), 0)?;
                self.reload_tip()?;
            } else {
                return Err(ChainError::AlreadyInitialised);
            }
        }
        if transactions.is_empty() || transactions.len() > crate::block::MAX_MICRO_TXS {
            return Err(ChainError::Genesis(format!(
                "{} transactions (1..=500 allowed)",
                transactions.len()
            )));
        }
        let verified: Vec<VerifiedTx> = transactions
            .iter()
            .cloned()
            .map(|t| VerifiedTx::genesis(t, self.config.chain_id))
            .collect::<Result<_, _>>()
            .map_err(|e| ChainError::Genesis(e.to_string()))?;
        let key = genesis_key();
        let mut header =
            KeyBlockHeader::unsigned(Height(1), timestamp, BlockId([0; 32]), base_target);
        header.sign(&key);
        let micro = MicroBlock::new_signed(header.id(), transactions, &key);

        // Unit (1, 0): the key block.
        let mut b = UndoBatch::new(&self.store);
        b.put(Column::Headers, key_u32(1).to_vec(), header.to_bytes())?;
        b.put(
            Column::BlockIndex,
            header.id().0.to_vec(),
            keys::unit(Height(1), 0),
        )?;
        self.append_history(&mut b, Height(1), &header.id())?;
        b.put(
            Column::Meta,
            keys::META_TIP.to_vec(),
            Self::tip_bytes(Height(1), 0, &header.id()),
        )?;
        let mode: &[u8] = if self.config.history {
            b"history"
        } else {
            b"pruned"
        };
        b.put_untracked(Column::Meta, keys::META_MODE.to_vec(), mode.to_vec());
        self.store.write(b.finish(keys::unit(Height(1), 0)))?;
        self.reload_tip()?;

        // Unit (1, 1): the genesis transactions.
        let diff =
            apply_genesis(self, &verified).map_err(|e| ChainError::Genesis(e.to_string()))?;
        self.write_micro(&micro, &verified, diff)?;
        Ok(())
    }

    /// The block context of the current block.
    fn block_context(&self, tip: &Tip) -> BlockContext {
        BlockContext {
            chain_id: self.config.chain_id,
            height: tip.height,
            timestamp: tip.header.timestamp,
            prev_timestamp: tip.prev_timestamp,
            generator: Address::from_public_key(self.config.chain_id, &tip.header.generator),
            lease_unbonding: self.config.lease_unbonding,
            max_tx_future_ms: self.config.max_tx_future_ms,
            max_tx_past_ms: self.config.max_tx_past_ms,
            fee_split: self.config.fee_split,
        }
    }

    /// Validates and applies a micro block on the tip, in one atomic batch. Returns the
    /// verified transactions.
    pub fn apply_micro_block(&mut self, micro: &MicroBlock) -> Result<Vec<VerifiedTx>, ChainError> {
        self.apply_micro_block_known(micro, |_| None)
    }

    /// [`Self::apply_micro_block`], taking the signature checks of the transactions `known`
    /// holds verified, byte for byte (a node's pool), instead of verifying them again
    /// ([`verify_batch_known`]).
    pub fn apply_micro_block_known<'k>(
        &mut self,
        micro: &MicroBlock,
        known: impl Fn(&TxId) -> Option<&'k VerifiedTx>,
    ) -> Result<Vec<VerifiedTx>, ChainError> {
        let tip = self.tip_ref()?;
        micro.verify()?;
        if micro.parent_total != tip.total_id {
            return Err(ChainError::UnknownParent(micro.parent_total));
        }
        if micro.generator != tip.header.generator {
            return Err(ChainError::WrongGenerator);
        }
        let vctx = self.validation_context()?;
        let verified = verify_batch_known(micro.transactions.clone(), &vctx, known)
            .into_iter()
            .enumerate()
            .map(|(index, r)| r.map_err(|error| ChainError::InvalidTx { index, error }))
            .collect::<Result<Vec<_>, _>>()?;
        let ctx = self.block_context(tip);
        let view = ReadCache::new(self);
        let diff = apply_transactions(&view, &ctx, Diff::default(), &verified)?;
        let accounts = view.accounts.into_inner();
        self.write_micro_known(micro, &verified, diff, Some(&accounts))?;
        Ok(verified)
    }

    /// Applies a micro block whose transactions were already verified (by the forger that
    /// built it from its pool), skipping the signature checks of its transactions.
    pub fn apply_own_micro_block(
        &mut self,
        micro: &MicroBlock,
        verified: &[VerifiedTx],
    ) -> Result<(), ChainError> {
        let tip = self.tip_ref()?;
        if micro.parent_total != tip.total_id {
            return Err(ChainError::UnknownParent(micro.parent_total));
        }
        let ctx = self.block_context(tip);
        let view = ReadCache::new(self);
        let diff = apply_transactions(&view, &ctx, Diff::default(), verified)?;
        let accounts = view.accounts.into_inner();
        self.write_micro_known(micro, verified, diff, Some(&accounts))
    }

    pub(super) fn write_micro(
        &mut self,
        micro: &MicroBlock,
        verified: &[VerifiedTx],
        diff: Diff,
    ) -> Result<(), ChainError> {
        self.write_micro_known(micro, verified, diff, None)
    }

    /// [`Self::write_micro`], given the stored bytes of the accounts read to apply it
    /// ([`ReadCache`]).
    fn write_micro_known(
        &mut self,
        micro: &MicroBlock,
        verified: &[VerifiedTx],
        diff: Diff,
        known_accounts: Option<&HashMap<Address, Option<Vec<u8>>>>,
    ) -> Result<(), ChainError> {
        let tip = self.tip_ref()?.clone();
        let h = tip.height;
        let seq = tip
            .micro_count
            .checked_add(1)
            .ok_or(ChainError::Corrupt("micro count"))?;
        let total = micro.total_id();
        let mut b = UndoBatch::new(&self.store);
        write_diff_known(&mut b, h, seq, &diff, known_accounts)?;

        // Transactions, address index, anchors (positions within the block, no proofs yet).
        let anchor_count_key = keys::anchor_count(h);
        let anchor_count_before = b.get(Column::Meta, &anchor_count_key)?;
        let mut anchor_pos = anchor_count_before
            .as_deref()
            .and_then(crate::store::parse_u32)
            .unwrap_or(0);
        for (i, (vtx, applied)) in verified.iter().zip(&diff.txs).enumerate() {
            let index = u16::try_from(i).map_err(|_| ChainError::Corrupt("tx index"))?;
            let wire = vtx.tx().to_bytes();
            let mut v = Writer::with_capacity(wire.len().saturating_add(8));
            v.raw(&key_u32(h.0)).u16(seq).u16(index).raw(&wire);
            // Keys holding a new id or a new (height, seq, index) cannot exist yet.
            b.put_new(Column::Txs, vtx.id().0.to_vec(), v.into_bytes());
            for a in &applied.addresses {
                b.put_new(
                    Column::TxIndex,
                    keys::address_tx(a, h, seq, index),
                    vtx.id().0.to_vec(),
                );
            }
            if applied.addresses.first() != Some(&applied.fee_payer) {
                b.put_new(
                    Column::AccountData,
                    keys::fee_sponsor(&applied.id),
                    applied.fee_payer.as_bytes().to_vec(),
                );
            }
            let indexed = self.config.anchor_index.covers_sender_of(vtx.tx());
            for leaf in anchored_values(vtx.tx()) {
                if indexed {
                    b.put_new(
                        Column::Anchors,
                        keys::anchor(&leaf, h, anchor_pos),
                        vtx.id().0.to_vec(),
                    );
                }
                anchor_pos = anchor_pos.saturating_add(1);
            }
        }
        // The values read above are the keys' values before this unit: recording them for
        // undo needs no second read (likewise for the counts and the carry below).
        b.put_known(
            Column::Meta,
            anchor_count_key,
            key_u32(anchor_pos).to_vec(),
            anchor_count_before,
        );

        // Transaction counts per fee payer (cumulative, for the raffle factor).
        let (mut total_count, total_before) =
            cumulative_at(&b, &keys::total_tx_count(h), &keys::total_tx_count_prefix())?;
        let mut per_payer: std::collections::BTreeMap<Address, u64> =
            std::collections::BTreeMap::new();
        // Genesis allocations (no fee) are not transactions anyone sent: they do not count.
        for applied in diff.txs.iter().filter(|t| t.fee > 0) {
            let n = per_payer.entry(applied.fee_payer).or_default();
            *n = n.saturating_add(1);
            total_count = total_count.saturating_add(1);
        }
        for (payer, n) in per_payer {
            let key = keys::tx_count(&payer, h);
            let prefix = concat(&[b"C", payer.as_bytes()]);
            let (c, before) = cumulative_at(&b, &key, &prefix)?;
            let c = c.saturating_add(n);
            b.put_known(Column::Generators, key, c.to_be_bytes().to_vec(), before);
        }
        b.put_known(
            Column::Generators,
            keys::total_tx_count(h),
            total_count.to_be_bytes().to_vec(),
            total_before,
        );

        // Fees carried to the next key block.
        let carry_key = keys::carry(h);
        let carry_before = b.get(Column::Meta, &carry_key)?;
        let carried = carry_before
            .as_deref()
            .and_then(crate::store::parse_u64)
            .unwrap_or(0)
            .saturating_add(diff.carry_fees);
        b.put_known(
            Column::Meta,
            carry_key,
            carried.to_be_bytes().to_vec(),
            carry_before,
        );

        b.put_new(Column::Micro, keys::unit(h, seq), micro.to_bytes());
        b.put_new(Column::BlockIndex, total.0.to_vec(), keys::unit(h, seq));
        b.put(
            Column::Meta,
            keys::META_TIP.to_vec(),
            Self::tip_bytes(h, seq, &total),
        )?;
        self.store.write(b.finish(keys::unit(h, seq)))?;
        if let Some(t) = self.tip.as_mut() {
            t.micro_count = seq;
            t.total_id = total;
        }
        Ok(())
    }

    /// Applies a key block on the tip (after the consensus checks). If it references an
    /// earlier total id of the current block, the micro blocks after it are rolled back
    /// first and their transactions returned. `summary_hash` is the summary hash this block
    /// must commit (zero unless it closes a summary period).
    pub fn apply_key_block(
        &mut self,
        header: &KeyBlockHeader,
        summary_hash: Hash32,
    ) -> Result<Vec<Transaction>, ChainError> {
        let tip = self.tip_ref()?.clone();
        let expected = tip.height.0.saturating_add(1);
        if header.height.0 != expected {
            return Err(ChainError::WrongHeight {
                expected,
                found: header.height.0,
            });
        }
        if header.version != KEY_BLOCK_VERSION {
            return Err(BlockError::Version(header.version).into());
        }
        header.verify_signature()?;
        let ids = self.total_ids(tip.height, &tip.header, tip.micro_count)?;
        let keep = ids
            .iter()
            .position(|id| *id == header.parent)
            .ok_or(ChainError::UnknownParent(header.parent))?;
        let keep = u16::try_from(keep).map_err(|_| ChainError::Corrupt("micro count"))?;

        // Commitments of block h as this key block keeps it, checked before anything changes.
        // The same commitments as `commitments_of`, with each id computed and the anchor trees
        // built once: the trees also give the receipts' paths below.
        let kept = self.micro_blocks_at(tip.height, keep)?;
        let txs: Vec<&Transaction> = kept.iter().flat_map(|m| m.transactions.iter()).collect();
        let ids: Vec<TxId> = txs.iter().map(|t| t.id()).collect();
        // Each anchored value with its transaction's id and whether this node indexes it.
        let mut leaves: Vec<(Vec<u8>, TxId, bool)> = Vec::new();
        for (t, id) in txs.iter().zip(&ids) {
            let values = anchored_values(t);
            if values.is_empty() {
                continue;
            }
            let indexed = self.config.anchor_index.covers_sender_of(t);
            leaves.extend(values.into_iter().map(|l| (l, *id, indexed)));
        }
        let trees = AnchorTrees::new(
            &leaves
                .iter()
                .map(|(value, id, _)| anchor_leaf(id, value))
                .collect::<Vec<_>>(),
        );
        let expected_c = Commitments {
            tx_root: merkle_root::<Sha256Hasher, _>(ids.iter().map(|i| i.0)),
            anchors: trees.roots(),
            summary_hash,
            history_root: self.history_root(u64::from(tip.height.0))?,
        };
        debug_assert_eq!(
            Commitments {
                summary_hash: [0; 32],
                ..expected_c
            },
            commitments_of(txs.iter().copied(), expected_c.history_root)
        );
        if header.commitments != expected_c {
            return Err(ChainError::Commitments {
                height: tip.height.0,
            });
        }

        // Discard the micro blocks the new key block does not keep.
        let returned = self.rollback_micro_to(keep)?;

        let h = header.height;
        let generator = Address::from_public_key(self.config.chain_id, &header.generator);
        let carried = self
            .store
            .get(Column::Meta, &keys::carry(tip.height))?
            .as_deref()
            .and_then(crate::store::parse_u64)
            .unwrap_or(0);
        let diff = apply_key_block(self, generator, carried).map_err(ChainError::KeyBlock)?;

        let mut b = UndoBatch::new(&self.store);
        write_diff(&mut b, h, 0, &diff)?;
        // Receipts of block h-1's anchors now exist: store both Merkle paths with each entry.
        if leaves.iter().any(|(_, _, indexed)| *indexed) {
            for (pos, (leaf, id, indexed)) in leaves.iter().enumerate() {
                if !indexed {
                    continue;
                }
                let p = u32::try_from(pos).map_err(|_| ChainError::Corrupt("anchor position"))?;
                let proofs = trees
                    .proofs(u64::from(p))
                    .map_err(|_| ChainError::Corrupt("anchor proofs"))?;
                // The id, then each path: index, leaf count, sibling count and siblings.
                let siblings = proofs
                    .sha256
                    .siblings
                    .len()
                    .saturating_add(proofs.blake2b.siblings.len());
                let mut v = Writer::with_capacity(siblings.saturating_mul(32).saturating_add(66));
                v.raw(&id.0);
                encode_proof(&mut v, &proofs.sha256);
                encode_proof(&mut v, &proofs.blake2b);
                // The entry held only the transaction id until now: its previous value is known,
                // so recording it for undo needs no read.
                b.put_known(
                    Column::Anchors,
                    keys::anchor(leaf, tip.height, p),
                    v.into_bytes(),
                    Some(id.0.to_vec()),
                );
            }
        }
        b.put(Column::Headers, key_u32(h.0).to_vec(), header.to_bytes())?;
        b.put(Column::BlockIndex, header.id().0.to_vec(), keys::unit(h, 0))?;
        self.append_history(&mut b, h, &header.id())?;
        b.put(
            Column::Meta,
            keys::META_TIP.to_vec(),
            Self::tip_bytes(h, 0, &header.id()),
        )?;
        self.finalize_and_prune(&mut b, h)?;
        self.store.write(b.finish(keys::unit(h, 0)))?;
        self.reload_tip()?;
        Ok(returned)
    }
}
