//! The chain as a [`StateView`]: the state after the last applied unit, read from the store.

use super::{Chain, keys};
use crate::address::Address;
use crate::keys::AccountKey;
use crate::state::{Account, Association, AssociationKey, Lease, StateError, StateView};
use crate::store::{Column, Store, StoreError, concat, parse_u32};
use crate::tx::TxId;
use crate::units::Height;

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
