//! Queries over the stored chain: blocks, transactions, balances (also at past heights
//! within the kept history), generating balance, leases, associations, anchors and receipts.

use super::record_codec::decode_proof;
use super::{Chain, ChainError, keys};
use crate::address::{ADDRESS_LEN, Address};
use crate::block::{BlockId, KeyBlockHeader, MicroBlock};
use crate::merkle::AnchorProofs;
use crate::receipt::{AnchorReceipt, AnchoredTo};
use crate::state::{Association, AssociationKey, Lease, StateView};
use crate::store::{Column, Store, concat, key_u32, parse_u32, parse_u64};
use crate::tx::codec::Reader;
use crate::tx::{Transaction, TxId};
use crate::units::Height;

/// The balances of an address, as LTO's `/addresses/balance/details` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BalanceDetails {
    /// Everything owned.
    pub regular: u64,
    /// Spendable: regular − leased out − unbonding.
    pub available: u64,
    /// Leased out.
    pub leasing: u64,
    /// Cancelled leases still unbonding.
    pub unbonding: u64,
    /// Regular + leased in − leased out.
    pub effective: u64,
    /// Lowest effective balance over the generating window.
    pub generating: u64,
}

/// Where an anchored value is, and its receipt once the committing key block exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorEntry {
    /// The anchored bytes.
    pub anchor: Vec<u8>,
    /// Height of the block holding it.
    pub height: Height,
    /// Position among that block's anchors.
    pub position: u32,
    /// The id of the transaction that anchored it.
    pub tx_id: TxId,
    /// The receipt, or `None` while the anchor is only pre-approved in a micro block.
    pub receipt: Option<AnchorReceipt>,
}

/// Which balance a query means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BalanceKind {
    /// What the account holds.
    Regular,
    /// What it holds plus leased in, minus leased out.
    Effective,
}

impl<S: Store> Chain<S> {
    /// The fees block `h` carried to the generator of the next key block (60%).
    pub fn carried_fees(&self, h: Height) -> Result<u64, ChainError> {
        Ok(self
            .store
            .get(Column::Meta, &keys::carry(h))?
            .as_deref()
            .and_then(parse_u64)
            .unwrap_or(0))
    }

    /// The key block header at height `h`.
    pub fn header_at(&self, h: Height) -> Result<Option<KeyBlockHeader>, ChainError> {
        match self.store.get(Column::Headers, &key_u32(h.0))? {
            Some(b) => Ok(Some(KeyBlockHeader::from_bytes(&b)?)),
            None => Ok(None),
        }
    }

    /// The height and micro-block sequence number of a key block id or total id.
    pub fn locate(&self, id: &BlockId) -> Result<Option<(Height, u16)>, ChainError> {
        Ok(self.store.get(Column::BlockIndex, &id.0)?.and_then(|b| {
            let h = parse_u32(b.get(..4)?)?;
            let seq = u16::from_be_bytes(b.get(4..6)?.try_into().ok()?);
            Some((Height(h), seq))
        }))
    }

    /// The key block header with this id (or whose block has this total id).
    pub fn header_by_id(&self, id: &BlockId) -> Result<Option<KeyBlockHeader>, ChainError> {
        match self.locate(id)? {
            Some((h, _)) => self.header_at(h),
            None => Ok(None),
        }
    }

    /// Micro block `seq` (from 1) of height `h`.
    pub fn micro_block(&self, h: Height, seq: u16) -> Result<Option<MicroBlock>, ChainError> {
        match self.store.get(Column::Micro, &keys::unit(h, seq))? {
            Some(b) => Ok(Some(MicroBlock::from_bytes(&b, self.config.chain_id)?)),
            None => Ok(None),
        }
    }

    /// The first `count` micro blocks of height `h`.
    pub fn micro_blocks_at(&self, h: Height, count: u16) -> Result<Vec<MicroBlock>, ChainError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let from = keys::unit(h, 1);
        let to = keys::unit(h, count.saturating_add(1));
        let rows = if count == u16::MAX {
            self.store.scan_prefix(Column::Micro, &key_u32(h.0), None)?
        } else {
            self.store
                .scan_range(Column::Micro, &from, Some(&to), false, None)?
        };
        rows.into_iter()
            .map(|(_, b)| Ok(MicroBlock::from_bytes(&b, self.config.chain_id)?))
            .collect()
    }

    /// All micro blocks kept for height `h`.
    pub fn block_micro_blocks(&self, h: Height) -> Result<Vec<MicroBlock>, ChainError> {
        self.micro_blocks_at(h, u16::MAX)
    }

    /// A confirmed transaction and its height. `None` for a transaction whose block was
    /// pruned (a pruned node keeps its id for replay protection for a while, then forgets it).
    pub fn transaction(&self, id: &TxId) -> Result<Option<(Transaction, Height)>, ChainError> {
        let Some(b) = self.store.get(Column::Txs, &id.0)? else {
            return Ok(None);
        };
        let h = b
            .get(..4)
            .and_then(parse_u32)
            .ok_or(ChainError::Corrupt("tx record"))?;
        let wire = b.get(8..).ok_or(ChainError::Corrupt("tx record"))?;
        if wire.is_empty() {
            // Pruned: only the id and its height are kept (replay protection) until the
            // transaction is too old for any new block.
            return Ok(None);
        }
        let tx = Transaction::from_bytes(wire, self.config.chain_id)
            .map_err(|_| ChainError::Corrupt("tx record"))?;
        Ok(Some((tx, Height(h))))
    }

    /// The transactions involving `address`, newest first, after skipping `offset`. A pruned
    /// node lists only the transactions of blocks it has not pruned.
    pub fn address_transactions(
        &self,
        address: &Address,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<(Transaction, Height)>, ChainError> {
        let end = crate::store::prefix_successor(address.as_bytes());
        let rows = self.store.scan_range(
            Column::TxIndex,
            address.as_bytes(),
            end.as_deref(),
            true,
            Some(limit.saturating_add(offset)),
        )?;
        let mut out = Vec::new();
        for (_, v) in rows.into_iter().skip(offset) {
            let id = TxId(
                v.as_slice()
                    .try_into()
                    .map_err(|_| ChainError::Corrupt("tx index"))?,
            );
            if let Some(t) = self.transaction(&id)? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// The latest `(regular, effective)` history entry of `address` at or below `h`.
    ///
    /// Exact from `retain_blocks` below the pruned height up (a pruned node keeps, of the
    /// older entries, only each address's latest); below that, the answer comes from what is
    /// kept and may be an older or a missing (zero) balance.
    fn history_at(&self, address: &Address, h: Height) -> Result<Option<(u64, u64)>, ChainError> {
        let to = keys::balance_history(address, Height(h.0.saturating_add(1)));
        let to = if h.0 == u32::MAX {
            crate::store::prefix_successor(address.as_bytes())
        } else {
            Some(to)
        };
        Ok(self
            .store
            .last_in_range(Column::BalanceHistory, address.as_bytes(), to.as_deref())?
            .and_then(|(_, v)| Some((parse_u64(v.get(..8)?)?, parse_u64(v.get(8..16)?)?))))
    }

    /// The regular balance of `address` after block `h`.
    pub fn balance_at(&self, address: &Address, h: Height) -> Result<u64, ChainError> {
        Ok(self.history_at(address, h)?.map_or(0, |(r, _)| r))
    }

    /// The effective balance of `address` after block `h`.
    pub fn effective_at(&self, address: &Address, h: Height) -> Result<u64, ChainError> {
        Ok(self.history_at(address, h)?.map_or(0, |(_, e)| e))
    }

    /// The generating balance at height `at`: the lowest effective balance over the blocks
    /// `[max(1, at - depth + 1), at]` (Waves' node).
    pub fn generating_balance(
        &self,
        address: &Address,
        at: Height,
        depth: u32,
    ) -> Result<u64, ChainError> {
        self.lowest_balance(address, at, depth, BalanceKind::Effective)
    }

    /// The lowest regular or effective balance of `address` over the blocks
    /// `[max(1, at - depth + 1), at]` (LTO's balance "with confirmations").
    pub fn lowest_balance(
        &self,
        address: &Address,
        at: Height,
        depth: u32,
        kind: BalanceKind,
    ) -> Result<u64, ChainError> {
        let start = at.0.saturating_sub(depth.saturating_sub(1)).max(1);
        let pick = |r: u64, e: u64| match kind {
            BalanceKind::Regular => r,
            BalanceKind::Effective => e,
        };
        let mut min = self
            .history_at(address, Height(start))?
            .map_or(0, |(r, e)| pick(r, e));
        let from = keys::balance_history(address, Height(start.saturating_add(1)));
        let to = keys::balance_history(address, Height(at.0.saturating_add(1)));
        if start < at.0 {
            for (_, v) in
                self.store
                    .scan_range(Column::BalanceHistory, &from, Some(&to), false, None)?
            {
                let r = v.get(..8).and_then(parse_u64);
                let e = v.get(8..16).and_then(parse_u64);
                let (Some(r), Some(e)) = (r, e) else {
                    return Err(ChainError::Corrupt("history"));
                };
                min = min.min(pick(r, e));
            }
        }
        Ok(min)
    }

    /// The regular balance of `address` after each block that changed it, newest first, at
    /// most `limit` entries (a pruned node keeps the recent ones).
    pub fn balance_history(
        &self,
        address: &Address,
        limit: usize,
    ) -> Result<Vec<(Height, u64)>, ChainError> {
        let from = keys::balance_history(address, Height(0));
        let to = keys::balance_history(address, Height(u32::MAX));
        let mut out = Vec::new();
        for (k, v) in
            self.store
                .scan_range(Column::BalanceHistory, &from, Some(&to), true, Some(limit))?
        {
            let h = k
                .len()
                .checked_sub(4)
                .and_then(|i| k.get(i..))
                .and_then(parse_u32)
                .ok_or(ChainError::Corrupt("history key"))?;
            let r = v
                .get(..8)
                .and_then(parse_u64)
                .ok_or(ChainError::Corrupt("history"))?;
            out.push((Height(h), r));
        }
        Ok(out)
    }

    /// The balances of `address` now, with the generating balance over `depth` blocks.
    pub fn balance_details(
        &self,
        address: &Address,
        depth: u32,
    ) -> Result<BalanceDetails, ChainError> {
        let h = self.height();
        let acc = self.account(address)?;
        let unbonding = acc.unbonding_at(h);
        Ok(BalanceDetails {
            regular: acc.regular,
            available: acc.available_at(h),
            leasing: acc.lease_out,
            unbonding,
            effective: acc.effective(),
            generating: self.generating_balance(address, h, depth)?,
        })
    }

    /// Transactions paid by `address` in blocks `(from, to]`, and all transactions there.
    pub fn tx_counts(
        &self,
        address: &Address,
        from: Height,
        to: Height,
    ) -> Result<(u64, u64), ChainError> {
        let at = |key_end: Vec<u8>, prefix: Vec<u8>| -> Result<u64, ChainError> {
            Ok(self
                .store
                .last_in_range(Column::Generators, &prefix, Some(&key_end))?
                .and_then(|(_, v)| parse_u64(&v))
                .unwrap_or(0))
        };
        let own_prefix = concat(&[b"C", address.as_bytes()]);
        let own = at(
            keys::tx_count(address, Height(to.0.saturating_add(1))),
            own_prefix.clone(),
        )?
        .saturating_sub(at(
            keys::tx_count(address, Height(from.0.saturating_add(1))),
            own_prefix,
        )?);
        let all = at(
            keys::total_tx_count(Height(to.0.saturating_add(1))),
            b"T".to_vec(),
        )?
        .saturating_sub(at(
            keys::total_tx_count(Height(from.0.saturating_add(1))),
            b"T".to_vec(),
        )?);
        Ok((own, all))
    }

    fn leases_by(&self, tag: &[u8], address: &Address) -> Result<Vec<Lease>, ChainError> {
        let prefix = concat(&[tag, address.as_bytes()]);
        let mut out = Vec::new();
        for (k, _) in self.store.scan_prefix(Column::Leases, &prefix, None)? {
            let id = TxId(
                k.get(1 + ADDRESS_LEN..)
                    .and_then(|s| s.try_into().ok())
                    .ok_or(ChainError::Corrupt("lease index"))?,
            );
            if let Some(l) = self.lease(&id)? {
                out.push(l);
            }
        }
        Ok(out)
    }

    /// Active leases made by `address`.
    pub fn leases_out(&self, address: &Address) -> Result<Vec<Lease>, ChainError> {
        self.leases_by(b"O", address)
    }

    /// Active leases made to `address`.
    pub fn leases_in(&self, address: &Address) -> Result<Vec<Lease>, ChainError> {
        self.leases_by(b"I", address)
    }

    /// Associations issued by `address`.
    pub fn associations_out(
        &self,
        address: &Address,
    ) -> Result<Vec<(AssociationKey, Association)>, ChainError> {
        let prefix = concat(&[b"A", address.as_bytes()]);
        self.store
            .scan_prefix(Column::Associations, &prefix, None)?
            .into_iter()
            .map(|(k, v)| {
                Ok((
                    AssociationKey::decode(k.get(1..).unwrap_or_default())?,
                    Association::decode(&v)?,
                ))
            })
            .collect()
    }

    /// Associations whose recipient is `address`.
    pub fn associations_in(
        &self,
        address: &Address,
    ) -> Result<Vec<(AssociationKey, Association)>, ChainError> {
        let prefix = concat(&[b"R", address.as_bytes()]);
        let mut out = Vec::new();
        for (k, _) in self
            .store
            .scan_prefix(Column::Associations, &prefix, None)?
        {
            let key = AssociationKey::decode(k.get(1 + ADDRESS_LEN..).unwrap_or_default())?;
            if let Some(a) = self.association(&key)? {
                out.push((key, a));
            }
        }
        Ok(out)
    }

    /// Every occurrence of an anchored value, oldest first, each with its receipt once the
    /// next key block exists.
    pub fn anchor(&self, value: &[u8]) -> Result<Vec<AnchorEntry>, ChainError> {
        let prefix = keys::anchor_prefix(value);
        let mut out = Vec::new();
        // The committing header of the previous entry: occurrences often share a block, and
        // the most asked-for receipts are committed by the tip, whose header is in memory.
        let mut last_header: Option<KeyBlockHeader> = None;
        for (k, v) in self.store.scan_prefix(Column::Anchors, &prefix, Some(64))? {
            let rest = k
                .get(prefix.len()..)
                .ok_or(ChainError::Corrupt("anchor key"))?;
            let height = rest
                .get(..4)
                .and_then(parse_u32)
                .ok_or(ChainError::Corrupt("anchor key"))?;
            let position = rest
                .get(4..8)
                .and_then(parse_u32)
                .ok_or(ChainError::Corrupt("anchor key"))?;
            let mut r = Reader::new(&v);
            let tx_id = TxId(r.array().map_err(|_| ChainError::Corrupt("anchor entry"))?);
            let receipt = if r.remaining() > 0 {
                let sha = decode_proof(&mut r).ok_or(ChainError::Corrupt("anchor proof"))?;
                let blake = decode_proof(&mut r).ok_or(ChainError::Corrupt("anchor proof"))?;
                let committing = Height(height.saturating_add(1));
                let header = match (&last_header, &self.tip) {
                    (Some(h), _) if h.height == committing => h.clone(),
                    (_, Some(tip)) if tip.height == committing => tip.header.clone(),
                    _ => self
                        .header_at(committing)?
                        .ok_or(ChainError::Corrupt("committing header"))?,
                };
                last_header = Some(header.clone());
                Some(AnchorReceipt {
                    anchor: value.to_vec(),
                    tx_id,
                    height: Height(height),
                    proofs: AnchorProofs {
                        sha256: sha,
                        blake2b: blake,
                    },
                    header,
                    anchored_to: None,
                })
            } else {
                None
            };
            out.push(AnchorEntry {
                anchor: value.to_vec(),
                height: Height(height),
                position,
                tx_id,
                receipt,
            });
        }
        Ok(out)
    }

    /// `receipt` anchored to the key block at height `to` instead of its committing one: with
    /// `K_to`'s header and the committing header's path in `K_to`'s history tree. `None` if
    /// this chain has no key block at `to`, or `to` is before the committing key block.
    pub fn anchor_receipt_to(
        &self,
        receipt: &AnchorReceipt,
        to: Height,
    ) -> Result<Option<AnchorReceipt>, ChainError> {
        let committing = receipt.header.height;
        let mut out = receipt.clone();
        if to == committing {
            out.anchored_to = None;
            return Ok(Some(out));
        }
        if to < committing {
            return Ok(None);
        }
        let header = match &self.tip {
            Some(tip) if tip.height == to => tip.header.clone(),
            _ => match self.header_at(to)? {
                Some(h) => h,
                None => return Ok(None),
            },
        };
        let Some(path) = self.history_proof(committing, u64::from(to.0.saturating_sub(1)))? else {
            return Ok(None);
        };
        out.anchored_to = Some(AnchoredTo { header, path });
        Ok(Some(out))
    }
}
