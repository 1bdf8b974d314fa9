//! Queries over the per-account records of the newer transaction types: data entries,
//! certificates, registered keys, and the burned total.

use super::{Chain, ChainError, keys};
use crate::address::Address;
use crate::keys::KeyType;
use crate::store::{Column, Store, parse_u64};
use crate::tx::codec::read_data_value;
use crate::tx::{DataEntry, RegisteredKey, TxId};
use crate::units::Height;

/// A key registered by an account, with the transaction that registered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredKeyEntry {
    /// The key, with its key type.
    pub key: RegisteredKey,
    /// The register transaction (the latest one listing it).
    pub tx_id: TxId,
}

impl<S: Store> Chain<S> {
    /// The data entries of `address`, sorted by key (LTO's `/addresses/data`).
    pub fn data_entries(&self, address: &Address) -> Result<Vec<DataEntry>, ChainError> {
        let prefix = keys::data_prefix(address);
        self.store
            .scan_prefix(Column::AccountData, &prefix, None)?
            .into_iter()
            .map(|(k, v)| {
                let key = k
                    .get(prefix.len()..)
                    .and_then(|b| String::from_utf8(b.to_vec()).ok())
                    .ok_or(ChainError::Corrupt("data key"))?;
                let value = read_data_value(&v).map_err(|_| ChainError::Corrupt("data value"))?;
                Ok(DataEntry { key, value })
            })
            .collect()
    }

    /// The data entry `key` of `address`, if set.
    pub fn data_entry(
        &self,
        address: &Address,
        key: &str,
    ) -> Result<Option<DataEntry>, ChainError> {
        self.store
            .get(Column::AccountData, &keys::data_entry(address, key))?
            .map(|v| {
                let value = read_data_value(&v).map_err(|_| ChainError::Corrupt("data value"))?;
                Ok(DataEntry {
                    key: key.to_string(),
                    value,
                })
            })
            .transpose()
    }

    /// The DER certificate attached to `address`, if any.
    pub fn certificate(&self, address: &Address) -> Result<Option<Vec<u8>>, ChainError> {
        Ok(self
            .store
            .get(Column::AccountData, &keys::certificate(address))?)
    }

    /// The keys `address` registered, by key type and bytes.
    pub fn registered_keys(
        &self,
        address: &Address,
    ) -> Result<Vec<RegisteredKeyEntry>, ChainError> {
        let prefix = keys::registered_prefix(address);
        self.store
            .scan_prefix(Column::AccountData, &prefix, None)?
            .into_iter()
            .map(|(k, v)| {
                let rest = k
                    .get(prefix.len()..)
                    .ok_or(ChainError::Corrupt("registered key"))?;
                let (t, key) = rest
                    .split_first()
                    .ok_or(ChainError::Corrupt("registered key"))?;
                let key_type =
                    KeyType::from_id(*t).map_err(|_| ChainError::Corrupt("registered key"))?;
                let id: [u8; 32] = v
                    .as_slice()
                    .try_into()
                    .map_err(|_| ChainError::Corrupt("registered key"))?;
                Ok(RegisteredKeyEntry {
                    key: RegisteredKey {
                        key_type,
                        public_key: key.to_vec(),
                    },
                    tx_id: TxId(id),
                })
            })
            .collect()
    }

    /// Who paid the fee of confirmed transaction `id`, when not its sender (a sponsor).
    pub fn fee_sponsor(&self, id: &TxId) -> Result<Option<Address>, ChainError> {
        self.store
            .get(Column::AccountData, &keys::fee_sponsor(id))?
            .map(|b| Address::from_bytes(&b).map_err(|_| ChainError::Corrupt("fee sponsor")))
            .transpose()
    }

    /// Tokens burned by burn transactions up to height `h` (on a pruned node, heights below
    /// the kept history read as the total at the last burn before them that was kept).
    pub fn burned_at(&self, h: Height) -> Result<u64, ChainError> {
        let mut end = keys::burned(h);
        end.push(0);
        Ok(self
            .store
            .last_in_range(Column::Generators, &keys::burned_prefix(), Some(&end))?
            .and_then(|(_, v)| parse_u64(&v))
            .unwrap_or(0))
    }
}
