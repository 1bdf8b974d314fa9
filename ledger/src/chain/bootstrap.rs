//! Fast sync's last step (docs/architecture.md): building the state at a summary boundary B
//! from a checked header chain and the summaries' aggregate, without replaying blocks.
//!
//! The caller (the summary crate's fast sync) has checked every header's signature and
//! chaining and every summary against the hash its key block commits. [`Chain::bootstrap`]
//! then writes, in one atomic batch: the headers `1..=B+1`; each account's regular balance
//! (the sum of its summary changes); the effects of the summaries' leases, cancels,
//! associations, revocations and scripts, replayed in order at their heights; the fees
//! carried from block B credited to the generator of `K_{B+1}`; a balance-history entry at B
//! for every account; and the tip at `K_{B+1}`. The finalized and pruned heights start at B:
//! nothing before B can be rolled back or served. The blocks after B are then applied as
//! usual.

use super::write::write_diff;
use super::{Chain, ChainError, keys};
use crate::address::Address;
use crate::block::KeyBlockHeader;
use crate::hash::Hash32;
use crate::keys::AccountKey;
use crate::state::Overlay;
use crate::state::{
    Account, Association, AssociationKey, BlockContext, Lease, StateError, StateView,
};
use crate::store::{Column, Store, key_u32};
use crate::tx::codec::Writer;
use crate::tx::{Transaction, TxId};
use crate::units::Height;
use std::collections::BTreeMap;
use undo_free::Batch;

/// What the summaries up to a boundary B amount to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Regular balance of every account at B.
    pub balances: BTreeMap<Address, u64>,
    /// The kept transactions of all summaries, with their heights, in chain order.
    pub transactions: Vec<(Height, Transaction)>,
    /// Fees of block B carried to the generator of `K_{B+1}`.
    pub carried: u64,
}

mod undo_free {
    use crate::store::{Column, WriteBatch};

    /// A plain batch (a bootstrap has nothing to undo).
    pub struct Batch(pub WriteBatch);

    impl Batch {
        pub fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
            self.0.put(col, key, value);
        }
    }
}

/// The state the kept transactions are replayed on: the snapshot's regular balances over the
/// (empty) chain. Only the accounts the transactions touch end up in the overlay's diff; the
/// plain balances go to the batch directly.
struct SnapshotView<'a, V> {
    balances: &'a BTreeMap<Address, u64>,
    chain: &'a V,
}

impl<V: StateView> StateView for SnapshotView<'_, V> {
    fn account(&self, address: &Address) -> Result<Account, StateError> {
        match self.balances.get(address) {
            Some(regular) => Ok(plain_account(*regular)),
            None => self.chain.account(address),
        }
    }
    fn lease(&self, id: &TxId) -> Result<Option<Lease>, StateError> {
        self.chain.lease(id)
    }
    fn association(&self, key: &AssociationKey) -> Result<Option<Association>, StateError> {
        self.chain.association(key)
    }
    fn association_recipients(
        &self,
        issuer: &Address,
        association_type: i64,
        limit: usize,
    ) -> Result<Vec<AssociationKey>, StateError> {
        self.chain
            .association_recipients(issuer, association_type, limit)
    }
    fn script(&self, address: &Address) -> Result<Option<Vec<u8>>, StateError> {
        self.chain.script(address)
    }
    fn tx_height(&self, id: &TxId) -> Result<Option<Height>, StateError> {
        self.chain.tx_height(id)
    }
    fn public_key(&self, address: &Address) -> Result<Option<AccountKey>, StateError> {
        self.chain.public_key(address)
    }
    fn sponsors(&self, address: &Address) -> Result<Vec<Address>, StateError> {
        self.chain.sponsors(address)
    }
}

/// An account holding only a regular balance.
fn plain_account(regular: u64) -> Account {
    Account {
        regular,
        ..Default::default()
    }
}

/// One account of the state at B.
#[derive(Clone, Copy)]
enum Entry<'a> {
    /// Only a regular balance, from the snapshot.
    Plain(u64),
    /// Changed by the kept transactions.
    Changed(&'a Account),
}

impl Entry<'_> {
    /// The balance-history value: regular, then effective balance.
    fn history_value(self) -> Vec<u8> {
        match self {
            Entry::Plain(regular) => history_value(&plain_account(regular)),
            Entry::Changed(acc) => history_value(acc),
        }
    }
}

/// Calls `f` on every account of the state at B, in address order: the snapshot's balances,
/// with the accounts the kept transactions changed (`touched`) in place of theirs or added.
fn for_each_account(
    balances: &BTreeMap<Address, u64>,
    touched: &BTreeMap<Address, Account>,
    mut f: impl FnMut(&Address, Entry<'_>),
) {
    let mut plain = balances.iter().peekable();
    let mut changed = touched.iter().peekable();
    loop {
        match (plain.peek(), changed.peek()) {
            (Some((a, regular)), Some((c, acc))) => {
                if a < c {
                    f(a, Entry::Plain(**regular));
                    plain.next();
                } else {
                    if a == c {
                        plain.next();
                    }
                    f(c, Entry::Changed(acc));
                    changed.next();
                }
            }
            (Some((a, regular)), None) => {
                f(a, Entry::Plain(**regular));
                plain.next();
            }
            (None, Some((c, acc))) => {
                f(c, Entry::Changed(acc));
                changed.next();
            }
            (None, None) => break,
        }
    }
}

/// [`Account::encode`] of accounts holding only a regular balance, by patching one encoded
/// record instead of encoding each (one allocation instead of several), when the encoding
/// is seen to start with the regular balance, big-endian, and have nothing else depend on
/// it; otherwise plain [`Account::encode`].
struct PlainRecord {
    template: Option<Vec<u8>>,
}

impl PlainRecord {
    fn new() -> PlainRecord {
        const PROBE: u64 = 0x0102_0304_0506_0708;
        let zero = plain_account(0).encode();
        let probe = plain_account(PROBE).encode();
        let patchable = probe.len() == zero.len()
            && probe.get(..8) == Some(PROBE.to_be_bytes().as_slice())
            && probe.get(8..) == zero.get(8..);
        PlainRecord {
            template: patchable.then_some(zero),
        }
    }

    fn encode(&self, entry: Entry<'_>) -> Vec<u8> {
        match (entry, &self.template) {
            (Entry::Plain(regular), Some(t)) => {
                let mut v = t.clone();
                if let Some(head) = v.get_mut(..8) {
                    head.copy_from_slice(&regular.to_be_bytes());
                }
                v
            }
            (Entry::Plain(regular), None) => plain_account(regular).encode(),
            (Entry::Changed(acc), _) => acc.encode(),
        }
    }
}

/// The balance-history value of an account: regular, then effective balance.
fn history_value(acc: &Account) -> Vec<u8> {
    let mut v = Vec::with_capacity(16);
    v.extend_from_slice(&acc.regular.to_be_bytes());
    v.extend_from_slice(&acc.effective().to_be_bytes());
    v
}

impl<S: Store> Chain<S> {
    /// Builds the state at boundary `B = headers.len() - 1` (see the module docs) on an empty
    /// store. `headers[i]` is the key block at height `i + 1`.
    ///
    /// The records are those `write_diff` would write for a diff holding every account,
    /// but the plain balances never go through an `Overlay`: only the kept transactions
    /// are replayed, on a view answering accounts from the snapshot. The batch is laid out
    /// column by column, each in key order, which RocksDB inserts fastest.
    pub fn bootstrap(
        &mut self,
        headers: &[KeyBlockHeader],
        snapshot: &Snapshot,
    ) -> Result<(), ChainError> {
        self.bootstrap_with(headers, snapshot, crate::store::WriteBatch::new())
    }

    /// [`bootstrap`](Self::bootstrap), writing `extra` in the same atomic batch (what a
    /// fast-synced node keeps to serve fast sync in turn), so a crash keeps both or neither.
    pub fn bootstrap_with(
        &mut self,
        headers: &[KeyBlockHeader],
        snapshot: &Snapshot,
        extra: crate::store::WriteBatch,
    ) -> Result<(), ChainError> {
        if self.tip.is_some() {
            return Err(ChainError::AlreadyInitialised);
        }
        let n = u32::try_from(headers.len()).map_err(|_| ChainError::Corrupt("header count"))?;
        if n < 2 {
            return Err(ChainError::Genesis(
                "bootstrap needs headers up to B + 1".into(),
            ));
        }
        // n >= 2.
        let b_height = Height(n.saturating_sub(1));
        let next = headers.last().ok_or(ChainError::Empty)?;

        // The kept transactions' effects at their own heights, on top of the balances.
        let chain_id = self.config.chain_id;
        let ctx_at = |h: Height| -> Result<BlockContext, ChainError> {
            let header = headers
                .get(h.0.saturating_sub(1) as usize)
                .ok_or(ChainError::Corrupt("summary height"))?;
            Ok(BlockContext {
                chain_id,
                height: h,
                timestamp: header.timestamp,
                prev_timestamp: header.timestamp,
                generator: Address::from_public_key(chain_id, &header.generator),
                lease_unbonding: self.config.lease_unbonding,
                max_tx_future_ms: self.config.max_tx_future_ms,
                max_tx_past_ms: self.config.max_tx_past_ms,
                fee_split: self.config.fee_split,
            })
        };
        let mut diff = {
            let view = SnapshotView {
                balances: &snapshot.balances,
                chain: &*self,
            };
            let mut overlay = Overlay::new(&view, ctx_at(Height(1))?);
            let mut ctx_height = Height(1);
            for (h, tx) in &snapshot.transactions {
                if *h != ctx_height {
                    overlay.set_context(ctx_at(*h)?);
                    ctx_height = *h;
                }
                overlay
                    .replay_effects(tx)
                    .map_err(|e| ChainError::Genesis(format!("summary transaction: {e}")))?;
            }
            overlay.into_diff()
        };
        let touched = std::mem::take(&mut diff.accounts);

        let accounts = snapshot.balances.len().saturating_add(touched.len());
        let capacity = accounts
            .saturating_mul(2)
            .saturating_add(headers.len().saturating_mul(2))
            .saturating_add(snapshot.transactions.len().saturating_mul(4))
            .saturating_add(16);
        let mut plain = crate::store::WriteBatch::with_capacity(capacity);
        // Every account at B: its record and a balance-history entry at B, one column after
        // the other, each in key order. No summary-builder index at B: summary k is already
        // there, the next one starts at B + 1, and pruning never visits B.
        let record = PlainRecord::new();
        for_each_account(&snapshot.balances, &touched, |a, e| {
            plain.put(Column::Accounts, a.as_bytes().to_vec(), record.encode(e));
        });
        for_each_account(&snapshot.balances, &touched, |a, e| {
            plain.put(
                Column::BalanceHistory,
                keys::balance_history(a, b_height),
                e.history_value(),
            );
        });
        // The leases, associations, scripts and public keys of the kept transactions.
        write_diff(&mut plain, b_height, 0, &diff)?;
        // K_{B+1}'s generator receives the fees carried from block B, at height B+1 (as a
        // replaying node records it), so the next summary derives the same changes. Its
        // account record is written again, over the one at B.
        if snapshot.carried > 0 {
            let generator = Address::from_public_key(chain_id, &next.generator);
            let mut g = match touched.get(&generator) {
                Some(acc) => acc.clone(),
                None => snapshot
                    .balances
                    .get(&generator)
                    .map_or_else(Account::default, |r| plain_account(*r)),
            };
            g.regular = g.regular.saturating_add(snapshot.carried);
            let at = Height(n);
            plain.put(
                Column::Summaries,
                keys::touched(at, 0, &generator),
                Vec::new(),
            );
            plain.put(Column::Accounts, generator.as_bytes().to_vec(), g.encode());
            plain.put(
                Column::BalanceHistory,
                keys::balance_history(&generator, at),
                history_value(&g),
            );
        }
        let mut batch = Batch(plain);
        // Headers by height; the block index sorted by id, so it too goes in in key order.
        // The history tree over their ids, level by level so each level goes in in key order;
        // each header must commit the root of the ids before it.
        let mut index = Vec::with_capacity(headers.len());
        let mut history = crate::merkle::history::HistoryAccumulator::new();
        let mut levels: Vec<Vec<(u64, Hash32)>> = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let height = u32::try_from(i)
                .ok()
                .and_then(|i| i.checked_add(1))
                .ok_or(ChainError::Corrupt("height"))?;
            if h.commitments.history_root != history.root() {
                return Err(ChainError::Commitments { height });
            }
            batch.put(Column::Headers, key_u32(height).to_vec(), h.to_bytes());
            let id = h.id();
            for (level, index, hash) in history.push(&id.0) {
                let level = usize::from(level);
                if levels.len() <= level {
                    levels.resize_with(level.saturating_add(1), Vec::new);
                }
                if let Some(l) = levels.get_mut(level) {
                    l.push((index, hash));
                }
            }
            index.push((id.0, height));
        }
        for (level, nodes) in levels.iter().enumerate() {
            let level = u8::try_from(level).map_err(|_| ChainError::Corrupt("history level"))?;
            for (index, hash) in nodes {
                batch.put(
                    Column::HistoryTree,
                    crate::merkle::history::node_key(level, *index).to_vec(),
                    hash.to_vec(),
                );
            }
        }
        index.sort_unstable();
        for (id, height) in index {
            batch.put(
                Column::BlockIndex,
                id.to_vec(),
                keys::unit(Height(height), 0),
            );
        }
        let mut txs = Vec::with_capacity(snapshot.transactions.len());
        for (h, tx) in &snapshot.transactions {
            let mut v = Writer::new();
            v.raw(&key_u32(h.0)).u16(0).u16(0).raw(&tx.to_bytes());
            txs.push((tx.id().0, v.into_bytes()));
        }
        // A later duplicate id must still win, as it did in chain order: a stable sort.
        txs.sort_by_key(|x| x.0);
        for (id, v) in txs {
            batch.put(Column::Txs, id.to_vec(), v);
        }
        let tip_height = Height(n);
        batch.put(
            Column::Meta,
            keys::META_TIP.to_vec(),
            Self::tip_bytes(tip_height, 0, &next.id()),
        );
        batch.put(
            Column::Meta,
            keys::META_FINAL.to_vec(),
            key_u32(b_height.0).to_vec(),
        );
        batch.put(
            Column::Meta,
            keys::META_PRUNED.to_vec(),
            key_u32(b_height.0).to_vec(),
        );
        batch.put(Column::Meta, keys::META_MODE.to_vec(), b"pruned".to_vec());
        batch.put(
            Column::Meta,
            keys::META_SNAPSHOT.to_vec(),
            key_u32(b_height.0).to_vec(),
        );
        batch.put(
            Column::Meta,
            keys::carry(b_height),
            snapshot.carried.to_be_bytes().to_vec(),
        );
        let mut batch = batch.0;
        for op in extra.into_ops() {
            match op {
                crate::store::BatchOp::Put { col, key, value } => {
                    batch.put(col, key, value);
                }
                crate::store::BatchOp::Delete { col, key } => {
                    batch.delete(col, key);
                }
            }
        }
        self.store.write(batch)?;
        self.reload_tip()?;
        Ok(())
    }

    /// The summary boundary this chain was bootstrapped at by fast sync, if it was: below it
    /// there is no balance history, so balance windows reaching below it are incomplete.
    pub fn snapshot_height(&self) -> Result<Option<Height>, ChainError> {
        Ok(self
            .store
            .get(Column::Meta, keys::META_SNAPSHOT)?
            .as_deref()
            .and_then(crate::store::parse_u32)
            .map(Height))
    }

    /// Empties a chain that holds at most its genesis block, so that fast sync can
    /// [`bootstrap`](Self::bootstrap) it. Everything but the store's schema version goes, in
    /// one batch. A chain past genesis is refused: its blocks are not thrown away.
    pub fn reset_genesis_only(&mut self) -> Result<(), ChainError> {
        if self.height().0 > 1 {
            return Err(ChainError::AlreadyInitialised);
        }
        let mut batch = crate::store::WriteBatch::new();
        for col in Column::ALL {
            for (k, _) in self.store.scan_range(col, &[], None, false, None)? {
                if col == Column::Meta && k == crate::store::SCHEMA_VERSION_KEY {
                    continue;
                }
                batch.delete(col, k);
            }
        }
        self.store.write(batch)?;
        self.reload_tip()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::ChainId;
    use crate::block::BlockId;
    use crate::chain::ChainConfig;
    use crate::keys::KeyPair;
    use crate::state::Diff;
    use crate::store::MemStore;
    use crate::tx::TxBody;
    use crate::units::{Amount, Timestamp};

    const CHAIN: ChainId = ChainId::TESTNET;

    fn kp(name: &str) -> KeyPair {
        KeyPair::from_seed_phrase(name, 0)
    }

    fn addr(k: &KeyPair) -> Address {
        Address::from_public_key(CHAIN, &k.public_key())
    }

    fn headers(n: u32, generator: &KeyPair) -> Vec<KeyBlockHeader> {
        let mut history = crate::merkle::history::HistoryAccumulator::new();
        (1..=n)
            .map(|h| {
                let mut header = KeyBlockHeader::unsigned(
                    Height(h),
                    Timestamp(1_767_225_600_000 + u64::from(h) * 5_000),
                    BlockId([u8::try_from(h % 256).unwrap_or(0); 32]),
                    50,
                );
                header.commitments.history_root = history.root();
                header.sign(generator);
                history.push(&header.id().0);
                header
            })
            .collect()
    }

    fn tx(sender: &KeyPair, timestamp: u64, body: TxBody) -> Transaction {
        Transaction {
            version: 3,
            chain_id: CHAIN,
            timestamp: Timestamp(timestamp),
            sender: sender.public_key().into(),
            fee: Amount(100_000_000),
            sponsor: None,
            proofs: vec![],
            body,
        }
    }

    /// The previous bootstrap: every balance into an overlay's diff, written by
    /// [`write_diff`], then the carried fees as a second diff at B+1.
    fn reference(chain: &mut Chain<MemStore>, headers: &[KeyBlockHeader], snapshot: &Snapshot) {
        let n = u32::try_from(headers.len()).expect("n");
        // n >= 2.
        let b_height = Height(n.saturating_sub(1));
        let next = headers.last().expect("next");
        let mut base = Diff::default();
        for (a, regular) in &snapshot.balances {
            base.accounts.insert(*a, plain_account(*regular));
        }
        let ctx_at = |h: Height| BlockContext {
            chain_id: chain.config.chain_id,
            height: h,
            timestamp: headers[h.0 as usize - 1].timestamp,
            prev_timestamp: headers[h.0 as usize - 1].timestamp,
            generator: Address::from_public_key(
                chain.config.chain_id,
                &headers[h.0 as usize - 1].generator,
            ),
            lease_unbonding: chain.config.lease_unbonding,
            max_tx_future_ms: chain.config.max_tx_future_ms,
            max_tx_past_ms: chain.config.max_tx_past_ms,
            fee_split: chain.config.fee_split,
        };
        let mut overlay = Overlay::with_diff(&*chain, ctx_at(Height(1)), base);
        for (h, tx) in &snapshot.transactions {
            overlay.set_context(ctx_at(*h));
            overlay.replay_effects(tx).expect("replay");
        }
        let diff = overlay.into_diff();
        let generator = Address::from_public_key(chain.config.chain_id, &next.generator);
        let mut credit = Diff::default();
        let mut g = diff.accounts.get(&generator).cloned().unwrap_or_default();
        g.regular = g.regular.saturating_add(snapshot.carried);
        credit.accounts.insert(generator, g);
        let mut batch = crate::store::WriteBatch::new();
        write_diff(&mut batch, b_height, 0, &diff).expect("diff");
        if snapshot.carried > 0 {
            write_diff(&mut batch, Height(n), 0, &credit).expect("credit");
        }
        let mut history = crate::merkle::history::HistoryAccumulator::new();
        for (i, h) in headers.iter().enumerate() {
            let height = u32::try_from(i + 1).expect("height");
            batch.put(Column::Headers, key_u32(height).to_vec(), h.to_bytes());
            for (level, index, hash) in history.push(&h.id().0) {
                batch.put(
                    Column::HistoryTree,
                    crate::merkle::history::node_key(level, index).to_vec(),
                    hash.to_vec(),
                );
            }
            batch.put(
                Column::BlockIndex,
                h.id().0.to_vec(),
                keys::unit(Height(height), 0),
            );
        }
        for (h, tx) in &snapshot.transactions {
            let mut v = Writer::new();
            v.raw(&key_u32(h.0)).u16(0).u16(0).raw(&tx.to_bytes());
            batch.put(Column::Txs, tx.id().0.to_vec(), v.into_bytes());
        }
        batch.put(
            Column::Meta,
            keys::META_TIP.to_vec(),
            Chain::<MemStore>::tip_bytes(Height(n), 0, &next.id()),
        );
        batch.put(
            Column::Meta,
            keys::META_FINAL.to_vec(),
            key_u32(n - 1).to_vec(),
        );
        batch.put(
            Column::Meta,
            keys::META_PRUNED.to_vec(),
            key_u32(n - 1).to_vec(),
        );
        batch.put(Column::Meta, keys::META_MODE.to_vec(), b"pruned".to_vec());
        batch.put(
            Column::Meta,
            keys::META_SNAPSHOT.to_vec(),
            key_u32(n - 1).to_vec(),
        );
        batch.put(
            Column::Meta,
            keys::carry(b_height),
            snapshot.carried.to_be_bytes().to_vec(),
        );
        chain.store.write(batch).expect("write");
        chain.reload_tip().expect("tip");
    }

    /// Every record, but the summary builder's index at the boundary B (the old path wrote
    /// it; nothing reads it).
    fn dump(chain: &Chain<MemStore>) -> Vec<(Column, Vec<u8>, Vec<u8>)> {
        let b = chain.snapshot_height().expect("meta").map_or(0, |h| h.0);
        let at_b = keys::touched_prefix(Height(b));
        let mut out = Vec::new();
        for col in Column::ALL {
            for (k, v) in chain
                .store
                .scan_range(col, &[], None, false, None)
                .expect("scan")
            {
                if col == Column::Summaries && k.starts_with(&at_b) {
                    continue;
                }
                out.push((col, k, v));
            }
        }
        out
    }

    /// Balances, leases (to an account without a balance), a cancel, associations issued
    /// and revoked, a script, at several heights.
    fn snapshot(
        carried: u64,
        generator_funded: bool,
        others: u32,
    ) -> (Vec<KeyBlockHeader>, Snapshot) {
        let (alice, bob, carol, gen_key) = (kp("alice"), kp("bob"), kp("carol"), kp("gen"));
        let mut balances: BTreeMap<Address, u64> = (0..others)
            .map(|i| (addr(&kp(&i.to_string())), 1_000 + u64::from(i)))
            .collect();
        if others > 0 {
            balances.insert(addr(&alice), 5_000_000);
            balances.insert(addr(&bob), 7_000_000);
        }
        if generator_funded {
            balances.insert(addr(&gen_key), 42);
        }
        let lease = tx(
            &alice,
            1,
            TxBody::Lease {
                recipient: addr(&carol),
                amount: Amount(1_000),
            },
        );
        let lease2 = tx(
            &bob,
            2,
            TxBody::Lease {
                recipient: addr(&alice),
                amount: Amount(2_000),
            },
        );
        let cancel = tx(
            &alice,
            3,
            TxBody::CancelLease {
                lease_id: lease.id(),
            },
        );
        let issue = |t: u64, ty: i64| {
            tx(
                &bob,
                t,
                TxBody::IssueAssociation {
                    association_type: ty,
                    recipient: addr(&carol),
                    expires: None,
                    subject: None,
                    data: vec![],
                },
            )
        };
        let revoke = tx(
            &bob,
            6,
            TxBody::RevokeAssociation {
                association_type: 1,
                recipient: addr(&carol),
                subject: None,
            },
        );
        let script = tx(
            &carol,
            7,
            TxBody::SetScript {
                script: Some(vec![1, 2, 3]),
            },
        );
        let transfer = tx(
            &alice,
            8,
            TxBody::Transfer {
                recipient: addr(&bob),
                amount: Amount(5),
                attachment: vec![],
            },
        );
        let transactions = vec![
            (Height(2), lease),
            (Height(2), lease2),
            (Height(3), issue(4, 1)),
            (Height(3), issue(5, 2)),
            (Height(4), cancel),
            (Height(5), revoke),
            (Height(5), script),
            (Height(6), transfer),
        ];
        (
            headers(9, &gen_key),
            Snapshot {
                balances,
                transactions,
                carried,
            },
        )
    }

    #[test]
    fn bootstrap_writes_what_the_overlay_and_write_diff_did() {
        for (carried, funded, others) in [
            (0, false, 50),
            (0, true, 50),
            (777, false, 50),
            (777, true, 50),
            (777, false, 0),
            (777, true, 0),
            (0, false, 3),
        ] {
            let (headers, snap) = snapshot(carried, funded, others);
            let config = ChainConfig::lto(CHAIN);
            let mut fast = Chain::open(MemStore::new(), config.clone()).expect("open");
            fast.bootstrap(&headers, &snap).expect("bootstrap");
            let mut slow = Chain::open(MemStore::new(), config).expect("open");
            reference(&mut slow, &headers, &snap);
            let (a, b) = (dump(&fast), dump(&slow));
            assert!(a.iter().any(|(c, _, _)| *c == Column::Leases));
            assert_eq!(a, b, "carried {carried}, funded {funded}, {others} others");
            assert_eq!(fast.tip(), slow.tip());
        }
    }

    #[test]
    fn bootstrap_refuses_what_it_refused() {
        let (headers, mut snap) = snapshot(0, false, 5);
        let config = ChainConfig::lto(CHAIN);
        let mut chain = Chain::open(MemStore::new(), config.clone()).expect("open");
        assert!(matches!(
            chain.bootstrap(&headers[..1], &snap),
            Err(ChainError::Genesis(_))
        ));
        snap.transactions.push((
            Height(99),
            tx(&kp("x"), 9, TxBody::SetScript { script: None }),
        ));
        assert_eq!(
            chain.bootstrap(&headers, &snap),
            Err(ChainError::Corrupt("summary height"))
        );
        snap.transactions.pop();
        snap.transactions.push((
            Height(8),
            tx(
                &kp("x"),
                9,
                TxBody::CancelLease {
                    lease_id: TxId([9; 32]),
                },
            ),
        ));
        assert!(matches!(
            chain.bootstrap(&headers, &snap),
            Err(ChainError::Genesis(_))
        ));
        assert_eq!(chain.tip(), None);
        snap.transactions.pop();
        chain.bootstrap(&headers, &snap).expect("bootstrap");
        assert_eq!(
            chain.bootstrap(&headers, &snap),
            Err(ChainError::AlreadyInitialised)
        );
    }
}
