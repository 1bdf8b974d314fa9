//! Writing a state [`Diff`] into the store's columns, through a [`DiffSink`]: an undo-recording
//! batch when a block is applied, a plain batch when a snapshot bootstraps an empty store.

use super::record_codec::encode_data_value;
use super::undo::UndoBatch;
use super::{ChainError, keys};
use crate::address::Address;
use crate::state::Diff;
use crate::store::{Column, Store, WriteBatch};
use crate::tx::codec::Writer;
use crate::units::Height;
use std::collections::HashMap;

/// The latest cumulative count at or below `key` (whose prefix is `prefix`).
pub(super) fn cumulative<S: Store>(
    b: &UndoBatch<'_, S>,
    key: &[u8],
    prefix: &[u8],
) -> Result<u64, ChainError> {
    Ok(cumulative_at(b, key, prefix)?.0)
}

/// [`cumulative`], with the current value of `key` itself (`None`: absent), which a caller
/// that writes `key` next passes on as the value before ([`UndoBatch::put_known`]).
pub(super) fn cumulative_at<S: Store>(
    b: &UndoBatch<'_, S>,
    key: &[u8],
    prefix: &[u8],
) -> Result<(u64, Option<Vec<u8>>), ChainError> {
    if let Some(v) = b.get(Column::Generators, key)? {
        let n = crate::store::parse_u64(&v).ok_or(ChainError::Corrupt("tx count"))?;
        return Ok((n, Some(v)));
    }
    let mut end = key.to_vec();
    end.push(0);
    let n = b
        .store()
        .last_in_range(Column::Generators, prefix, Some(&end))?
        .and_then(|(_, v)| crate::store::parse_u64(&v))
        .unwrap_or(0);
    Ok((n, None))
}

/// Where a diff's records are written: an undo-recording batch for blocks, a plain batch
/// for a bootstrap into an empty store.
pub(super) trait DiffSink {
    fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) -> Result<(), ChainError>;
    fn put_new(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>);
    /// Writes `value` under `key`, whose value before was `previous`.
    fn put_known(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>, previous: Option<Vec<u8>>);
    fn delete(&mut self, col: Column, key: Vec<u8>) -> Result<(), ChainError>;
    /// The cumulative burned total at the latest height up to `h`.
    fn burned_before(&self, h: Height) -> Result<u64, ChainError>;
}

impl<S: Store> DiffSink for UndoBatch<'_, S> {
    fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) -> Result<(), ChainError> {
        Ok(UndoBatch::put(self, col, key, value)?)
    }
    fn put_new(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
        UndoBatch::put_new(self, col, key, value);
    }
    fn put_known(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>, previous: Option<Vec<u8>>) {
        UndoBatch::put_known(self, col, key, value, previous);
    }
    fn delete(&mut self, col: Column, key: Vec<u8>) -> Result<(), ChainError> {
        Ok(UndoBatch::delete(self, col, key)?)
    }
    fn burned_before(&self, h: Height) -> Result<u64, ChainError> {
        cumulative(self, &keys::burned(h), &keys::burned_prefix())
    }
}

impl DiffSink for WriteBatch {
    fn put(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) -> Result<(), ChainError> {
        WriteBatch::put(self, col, key, value);
        Ok(())
    }
    fn put_new(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>) {
        WriteBatch::put(self, col, key, value);
    }
    fn put_known(&mut self, col: Column, key: Vec<u8>, value: Vec<u8>, _: Option<Vec<u8>>) {
        WriteBatch::put(self, col, key, value);
    }
    fn delete(&mut self, col: Column, key: Vec<u8>) -> Result<(), ChainError> {
        WriteBatch::delete(self, col, key);
        Ok(())
    }
    /// A plain batch bootstraps an empty store: nothing was burned before.
    fn burned_before(&self, _h: Height) -> Result<u64, ChainError> {
        Ok(0)
    }
}

/// Writes the records of a diff (accounts with their balance history, leases and their
/// indexes, associations and their index, scripts, public keys, account data, sponsors,
/// certificates, registered keys, the burned total) for unit `(h, seq)`.
pub(super) fn write_diff(
    b: &mut impl DiffSink,
    h: Height,
    seq: u16,
    diff: &Diff,
) -> Result<(), ChainError> {
    write_diff_known(b, h, seq, diff, None)
}

/// [`write_diff`], given the stored bytes of accounts as they were before the unit (`known`,
/// read while applying it: see `ReadCache`), which the undo record takes without reading
/// them again.
pub(super) fn write_diff_known(
    b: &mut impl DiffSink,
    h: Height,
    seq: u16,
    diff: &Diff,
    known: Option<&HashMap<Address, Option<Vec<u8>>>>,
) -> Result<(), ChainError> {
    for (a, acc) in &diff.accounts {
        b.put_new(Column::Summaries, keys::touched(h, seq, a), Vec::new());
        let key = a.as_bytes().to_vec();
        match known.and_then(|k| k.get(a)) {
            Some(before) => b.put_known(Column::Accounts, key, acc.encode(), before.clone()),
            None => b.put(Column::Accounts, key, acc.encode())?,
        }
        let mut v = Writer::new();
        v.u64(acc.regular).u64(acc.effective());
        b.put(
            Column::BalanceHistory,
            keys::balance_history(a, h),
            v.into_bytes(),
        )?;
    }
    for (id, l) in &diff.leases {
        b.put(Column::Leases, keys::lease(id), l.encode())?;
        if l.is_active() {
            b.put(Column::Leases, keys::lease_out(&l.sender, id), Vec::new())?;
            b.put(Column::Leases, keys::lease_in(&l.recipient, id), Vec::new())?;
        } else {
            b.delete(Column::Leases, keys::lease_out(&l.sender, id))?;
            b.delete(Column::Leases, keys::lease_in(&l.recipient, id))?;
        }
    }
    for (k, a) in &diff.associations {
        let ek = k.encode();
        b.put(Column::Associations, keys::association(&ek), a.encode())?;
        b.put(
            Column::Associations,
            keys::association_in(&k.recipient, &ek),
            Vec::new(),
        )?;
    }
    for (a, s) in &diff.scripts {
        match s {
            Some(bytes) => b.put(Column::Scripts, keys::script(a), bytes.clone())?,
            None => b.delete(Column::Scripts, keys::script(a))?,
        }
    }
    for (a, pk) in &diff.public_keys {
        b.put(Column::Scripts, keys::public_key(a), pk.encode())?;
    }
    for ((a, key), value) in &diff.data {
        b.put(
            Column::AccountData,
            keys::data_entry(a, key),
            encode_data_value(value),
        )?;
    }
    for (a, list) in &diff.sponsors {
        if list.is_empty() {
            b.delete(Column::AccountData, keys::sponsors(a))?;
        } else {
            let bytes = list.iter().flat_map(|s| *s.as_bytes()).collect();
            b.put(Column::AccountData, keys::sponsors(a), bytes)?;
        }
    }
    for (a, c) in &diff.certificates {
        match c {
            Some(der) => b.put(Column::AccountData, keys::certificate(a), der.clone())?,
            None => b.delete(Column::AccountData, keys::certificate(a))?,
        }
    }
    for reg in &diff.registered_keys {
        b.put(
            Column::AccountData,
            keys::registered_key(&reg.account, reg.key.key_type.id(), &reg.key.public_key),
            reg.tx_id.0.to_vec(),
        )?;
    }
    if diff.burned > 0 {
        let total = b.burned_before(h)?.saturating_add(diff.burned);
        b.put(
            Column::Generators,
            keys::burned(h),
            total.to_be_bytes().to_vec(),
        )?;
    }
    Ok(())
}
