//! The chain as a [`StateView`]: the state after the last applied unit, read from the store.

use super::{Chain, keys};
use crate::address::Address;
use crate::keys::AccountKey;
use crate::state::{Account, Association, AssociationKey, Lease, StateError, StateView};
use crate::store::{Column, Store, StoreError, concat, parse_u32};
use crate::tx::TxId;
use crate::units::Height;
use std::cell::RefCell;
use std::collections::HashMap;

fn se(e: StoreError) -> StateError {
    StateError::Store(e.to_string())
}

impl<S: Store> StateView for Chain<S> {
    fn account(&self, address: &Address) -> Result<Account, StateError> {
        match self
            .store
            .get(Column::Accounts, address.as_bytes())
            .map_err(se)?
        {
            Some(b) => Account::decode(&b),
            None => Ok(Account::default()),
        }
    }

    fn lease(&self, id: &TxId) -> Result<Option<Lease>, StateError> {
        self.store
            .get(Column::Leases, &keys::lease(id))
            .map_err(se)?
            .map(|b| Lease::decode(&b))
            .transpose()
    }

    fn association(&self, key: &AssociationKey) -> Result<Option<Association>, StateError> {
        self.store
            .get(Column::Associations, &keys::association(&key.encode()))
            .map_err(se)?
            .map(|b| Association::decode(&b))
            .transpose()
    }

    fn association_recipients(
        &self,
        issuer: &Address,
        association_type: i64,
        limit: usize,
    ) -> Result<Vec<AssociationKey>, StateError> {
        let prefix = concat(&[b"A", issuer.as_bytes(), &association_type.to_be_bytes()]);
        self.store
            .scan_prefix(Column::Associations, &prefix, Some(limit))
            .map_err(se)?
            .into_iter()
            .map(|(k, _)| AssociationKey::decode(k.get(1..).unwrap_or_default()))
            .collect()
    }

    fn script(&self, address: &Address) -> Result<Option<Vec<u8>>, StateError> {
        self.store
            .get(Column::Scripts, &keys::script(address))
            .map_err(se)
    }

    fn tx_height(&self, id: &TxId) -> Result<Option<Height>, StateError> {
        Ok(self
            .store
            .get(Column::Txs, &id.0)
            .map_err(se)?
            .and_then(|b| b.get(..4).and_then(parse_u32))
            .map(Height))
    }

    fn public_key(&self, address: &Address) -> Result<Option<AccountKey>, StateError> {
        Ok(self
            .store
            .get(Column::Scripts, &keys::public_key(address))
            .map_err(se)?
            .and_then(|b| AccountKey::decode(&b).ok()))
    }

    fn sponsors(&self, address: &Address) -> Result<Vec<Address>, StateError> {
        let Some(bytes) = self
            .store
            .get(Column::AccountData, &keys::sponsors(address))
            .map_err(se)?
        else {
            return Ok(Vec::new());
        };
        bytes
            .chunks(crate::address::ADDRESS_LEN)
            .map(|c| Address::from_bytes(c).map_err(|_| StateError::Corrupt { what: "sponsors" }))
            .collect()
    }
}

/// The chain's state with a memory of what was read, for applying one micro block: the
/// store does not change while its transactions are applied, so a record read again (a
/// sender's script and sponsors, for each of its transactions) comes from memory, and the
/// stored bytes of each account read are kept: they are its value before the unit, which
/// the unit's undo record needs (see [`super::write::write_diff_known`]).
pub(super) struct ReadCache<'c, S: Store> {
    chain: &'c Chain<S>,
    /// Stored bytes of each account read (`None`: absent).
    pub(super) accounts: RefCell<HashMap<Address, Option<Vec<u8>>>>,
    scripts: RefCell<HashMap<Address, Option<Vec<u8>>>>,
    sponsors: RefCell<HashMap<Address, Vec<Address>>>,
}

impl<'c, S: Store> ReadCache<'c, S> {
    pub(super) fn new(chain: &'c Chain<S>) -> Self {
        ReadCache {
            chain,
            accounts: RefCell::default(),
            scripts: RefCell::default(),
            sponsors: RefCell::default(),
        }
    }
}

impl<S: Store> StateView for ReadCache<'_, S> {
    fn account(&self, address: &Address) -> Result<Account, StateError> {
        let known = self.accounts.borrow().get(address).cloned();
        let bytes = match known {
            Some(b) => b,
            None => {
                let b = self
                    .chain
                    .store
                    .get(Column::Accounts, address.as_bytes())
                    .map_err(se)?;
                self.accounts.borrow_mut().insert(*address, b.clone());
                b
            }
        };
        match bytes {
            Some(b) => Account::decode(&b),
            None => Ok(Account::default()),
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
        if let Some(s) = self.scripts.borrow().get(address) {
            return Ok(s.clone());
        }
        let s = self.chain.script(address)?;
        self.scripts.borrow_mut().insert(*address, s.clone());
        Ok(s)
    }

    fn tx_height(&self, id: &TxId) -> Result<Option<Height>, StateError> {
        self.chain.tx_height(id)
    }

    fn public_key(&self, address: &Address) -> Result<Option<AccountKey>, StateError> {
        self.chain.public_key(address)
    }

    fn sponsors(&self, address: &Address) -> Result<Vec<Address>, StateError> {
        if let Some(s) = self.sponsors.borrow().get(address) {
            return Ok(s.clone());
        }
        let s = self.chain.sponsors(address)?;
        self.sponsors.borrow_mut().insert(*address, s.clone());
        Ok(s)
    }
}
