//! The records a transaction writes besides balances (associations, sponsor lists, data
//! entries, registered keys), worked out the same way when a transaction is applied and when
//! fast sync replays it.

use super::Overlay;
use crate::address::Address;
use crate::state::records::data_count;
use crate::state::{Association, AssociationKey, KeyRegistration, StateView, TxApplyError};
use crate::tx::{Transaction, TxBody, TxId};

/// The association record an issue or revoke transaction writes, under its key.
pub(super) struct AssociationWrite {
    pub(super) key: AssociationKey,
    pub(super) record: Association,
}

/// The key of the association an issue or revoke transaction is about: (sender, recipient,
/// type, subject).
fn association_key(tx: &Transaction) -> Option<AssociationKey> {
    let (association_type, recipient, subject) = match &tx.body {
        TxBody::IssueAssociation {
            association_type,
            recipient,
            subject,
            ..
        }
        | TxBody::RevokeAssociation {
            association_type,
            recipient,
            subject,
        } => (association_type, recipient, subject),
        _ => return None,
    };
    Some(AssociationKey {
        issuer: tx.sender_address(),
        recipient: *recipient,
        association_type: *association_type,
        subject: subject.clone().unwrap_or_default(),
    })
}

impl<V: StateView> Overlay<'_, V> {
    /// The record an issue-association transaction writes: re-issuing an active association
    /// keeps the later expiry ("no expiry" is the latest of all).
    pub(super) fn issued_association(
        &self,
        tx: &Transaction,
        id: TxId,
    ) -> Result<AssociationWrite, TxApplyError> {
        let TxBody::IssueAssociation { expires, data, .. } = &tx.body else {
            return Err(TxApplyError::UnknownAssociation);
        };
        let key = association_key(tx).ok_or(TxApplyError::UnknownAssociation)?;
        let expires = match self.association(&key)? {
            Some(old) if old.is_active(self.ctx.timestamp) => match (old.expires, expires) {
                (None, _) | (_, None) => None,
                (Some(a), Some(b)) => Some(a.max(*b)),
            },
            _ => *expires,
        };
        let record = Association {
            tx_id: id,
            height: self.ctx.height,
            timestamp: tx.timestamp,
            expires,
            revoked: None,
            data_entries: data_count(data),
        };
        Ok(AssociationWrite { key, record })
    }

    /// The record a revoke-association transaction writes; the association must be active.
    pub(super) fn revoked_association(
        &self,
        tx: &Transaction,
    ) -> Result<AssociationWrite, TxApplyError> {
        if !matches!(tx.body, TxBody::RevokeAssociation { .. }) {
            return Err(TxApplyError::UnknownAssociation);
        }
        let key = association_key(tx).ok_or(TxApplyError::UnknownAssociation)?;
        let mut a = self
            .association(&key)?
            .filter(|a| a.is_active(self.ctx.timestamp))
            .ok_or(TxApplyError::UnknownAssociation)?;
        a.revoked = Some(self.ctx.height);
        Ok(AssociationWrite { key, record: a })
    }

    /// The recipient's list of sponsors after a sponsorship (the sender first, once) or a
    /// cancel (the sender removed; it must be there).
    pub(super) fn sponsors_after(&self, tx: &Transaction) -> Result<Vec<Address>, TxApplyError> {
        let sponsor = tx.sender_address();
        let (recipient, adding) = match &tx.body {
            TxBody::Sponsorship { recipient } => (*recipient, true),
            TxBody::CancelSponsorship { recipient } => (*recipient, false),
            _ => return Ok(Vec::new()),
        };
        let mut list = self.sponsors(&recipient)?;
        let present = list.contains(&sponsor);
        match (adding, present) {
            (true, true) => Err(TxApplyError::AlreadySponsored { recipient, sponsor }),
            (false, false) => Err(TxApplyError::NotSponsored { recipient, sponsor }),
            (true, false) => {
                list.insert(0, sponsor);
                Ok(list)
            }
            (false, true) => {
                list.retain(|a| *a != sponsor);
                Ok(list)
            }
        }
    }

    /// Records the data entries and registered keys of `tx` (they need no checks against the
    /// state).
    pub(super) fn record_entries(&mut self, tx: &Transaction, id: TxId) {
        let sender = tx.sender_address();
        match &tx.body {
            TxBody::Data { data } => {
                for e in data {
                    self.diff
                        .data
                        .insert((sender, e.key.clone()), e.value.clone());
                }
            }
            TxBody::Register { keys } => {
                for k in keys {
                    self.diff.registered_keys.push(KeyRegistration {
                        account: sender,
                        key: k.clone(),
                        tx_id: id,
                    });
                }
            }
            _ => {}
        }
    }
}
