//! Fast sync's replay of a summary block's transactions: their state effects without the
//! checks (see [`Overlay::replay_effects`]).

use super::Overlay;
use crate::address::Address;
use crate::state::{Account, Lease, StateView, TxApplyError, Unbonding};
use crate::tx::{Transaction, TxBody};
use crate::units::Height;

impl<V: StateView> Overlay<'_, V> {
    /// Replays only the state effects of a lease, cancel lease, association, revocation,
    /// set-script, data, sponsorship, cancel sponsorship, register, burn or certificate
    /// transaction, as fast sync does from a summary block: no signature, fee,
    /// balance or script checks (the summary hash, committed by the header chain, vouches for
    /// the transaction having been applied), and regular balances untouched (the summary's
    /// balance changes already include amounts and fees). Other types change nothing here.
    pub fn replay_effects(&mut self, tx: &Transaction) -> Result<(), TxApplyError> {
        let ctx = self.ctx;
        let id = tx.id();
        let sender = tx.sender_address();
        let account = |o: &mut Self, a: Address| -> Result<Account, TxApplyError> {
            Ok(match o.diff.accounts.get(&a) {
                Some(acc) => acc.clone(),
                None => o.view.account(&a)?,
            })
        };
        match &tx.body {
            TxBody::Lease { recipient, amount } => {
                let mut s = account(self, sender)?;
                s.lease_out = s.lease_out.saturating_add(amount.0);
                self.diff.accounts.insert(sender, s);
                let mut r = account(self, *recipient)?;
                r.lease_in = r.lease_in.saturating_add(amount.0);
                self.diff.accounts.insert(*recipient, r);
                self.diff.leases.insert(
                    id,
                    Lease {
                        id,
                        sender,
                        recipient: *recipient,
                        amount: amount.0,
                        height: ctx.height,
                        cancelled: None,
                    },
                );
            }
            TxBody::CancelLease { lease_id } => {
                let mut lease = self
                    .lease(lease_id)?
                    .ok_or(TxApplyError::UnknownLease(*lease_id))?;
                let mut s = account(self, lease.sender)?;
                s.lease_out = s.lease_out.saturating_sub(lease.amount);
                if ctx.lease_unbonding > 0 {
                    s.unbonding.push(Unbonding {
                        until: Height(ctx.height.0.saturating_add(ctx.lease_unbonding)),
                        amount: lease.amount,
                    });
                }
                self.diff.accounts.insert(lease.sender, s);
                let mut r = account(self, lease.recipient)?;
                r.lease_in = r.lease_in.saturating_sub(lease.amount);
                self.diff.accounts.insert(lease.recipient, r);
                lease.cancelled = Some(ctx.height);
                self.diff.leases.insert(lease.id, lease);
            }
            TxBody::IssueAssociation { .. } => {
                let w = self.issued_association(tx, id)?;
                self.diff.associations.insert(w.key, w.record);
            }
            TxBody::RevokeAssociation { .. } => {
                let w = self.revoked_association(tx)?;
                self.diff.associations.insert(w.key, w.record);
            }
            TxBody::SetScript { script } => {
                self.diff.scripts.insert(sender, script.clone());
            }
            TxBody::Data { .. } | TxBody::Register { .. } => self.record_entries(tx, id),
            TxBody::Sponsorship { recipient } | TxBody::CancelSponsorship { recipient } => {
                let list = self.sponsors_after(tx)?;
                self.diff.sponsors.insert(*recipient, list);
            }
            TxBody::Burn { amount } => {
                self.diff.burned = self.diff.burned.saturating_add(amount.0);
            }
            TxBody::Certificate { certificate } => {
                self.diff.certificates.insert(sender, certificate.clone());
            }
            _ => return Ok(()),
        }
        self.diff.public_keys.insert(sender, tx.sender);
        self.ids.insert(id);
        Ok(())
    }
}
