//! The [`Overlay`]: the state as the next transaction sees it (a view plus the changes so
//! far), and [`Overlay::apply`], which applies one verified transaction.
//!
//! Rules (LTO's node, Waves' node):
//! - the fee charged is the schedule's ([`VerifiedTx::fee_charged`]); the fee account is the
//!   transaction's sponsor if any, else the sender, and the fee is paid by the first of the
//!   fee account's sponsors (newest first) whose spendable balance covers it, else by the
//!   fee account itself (LTO's `TransactionDiffer`); the opener's share ([`FeeSplit`](super::FeeSplit), LTO's
//!   `fee / 5 * 2`) goes at once to the generator of the block that includes the
//!   transaction, the rest is carried to the generator of the next key block;
//! - no account may end a transaction with less than nothing spendable: regular − leased out
//!   − unbonding ≥ 0 (for the sender and the fee payer);
//! - a lease moves nothing but `lease_out`/`lease_in`; only its lessor may cancel it, once; a
//!   cancelled amount unbonds for `lease_unbonding` blocks;
//! - an association is keyed by (issuer, recipient, type, subject); issuing it again
//!   re-activates it and extends its expiry; revoking needs an active one;
//! - a data entry replaces the sender's entry of the same key; a sponsorship puts the sender
//!   first in the recipient's list of sponsors (once), a cancel removes it (it must be there);
//!   a burn destroys the amount; a certificate replaces or clears the sender's;
//! - an explicit sponsor may not have an account script;
//! - an account without a script signs with exactly one proof (two when sponsored); an
//!   account with a script must satisfy it; the transaction id must be new;
//! - the timestamp is at most 90 minutes after the block and at most 2 hours before the
//!   previous block.
//!
//! Each transaction is applied all or nothing: records are read and checked first, then
//! written, so a refused transaction leaves the overlay as it was.

mod effects;
mod replay;

use super::script_ctx::{ScriptState, TxScriptContext};
use super::{
    Account, AppliedTx, Association, AssociationKey, BlockContext, Diff, Lease, StateError,
    StateView, TxApplyError, Unbonding,
};
use crate::address::Address;
use crate::keys::AccountKey;
use crate::tx::{Transaction, TxBody, TxId, VerifiedTx};
use crate::units::Height;
use std::collections::{BTreeMap, BTreeSet};

/// What an [`Overlay`] holds apart from its view: kept between uses by a caller that applies
/// transactions on the same state again and again (the pool's admission).
#[derive(Clone, Debug, Default)]
pub struct OverlayParts {
    /// The changes so far.
    pub diff: Diff,
    /// The ids of the transactions applied.
    pub ids: BTreeSet<TxId>,
}

/// The state as seen by the next transaction: the view plus the changes so far.
pub struct Overlay<'a, V: StateView> {
    view: &'a V,
    ctx: BlockContext,
    diff: Diff,
    ids: BTreeSet<TxId>,
}

impl<'a, V: StateView> Overlay<'a, V> {
    /// An empty overlay on `view`.
    pub fn new(view: &'a V, ctx: BlockContext) -> Self {
        Self::with_diff(view, ctx, Diff::default())
    }

    /// An overlay continuing from an earlier diff of the same block.
    pub fn with_diff(view: &'a V, ctx: BlockContext, diff: Diff) -> Self {
        let ids = diff.txs.iter().map(|t| t.id).collect();
        Overlay {
            view,
            ctx,
            diff,
            ids,
        }
    }

    /// The changes so far.
    pub fn into_diff(self) -> Diff {
        self.diff
    }

    /// The changes so far with the set of transaction ids they hold, for a caller that keeps
    /// an overlay's state between uses (see [`Overlay::from_parts`]).
    pub fn into_parts(self) -> OverlayParts {
        OverlayParts {
            diff: self.diff,
            ids: self.ids,
        }
    }

    /// An overlay continuing from [`Overlay::into_parts`] without rebuilding the id set.
    pub fn from_parts(view: &'a V, ctx: BlockContext, parts: OverlayParts) -> Self {
        Overlay {
            view,
            ctx,
            diff: parts.diff,
            ids: parts.ids,
        }
    }

    /// The changes so far, by reference.
    pub fn diff(&self) -> &Diff {
        &self.diff
    }

    fn account(&self, a: &Address) -> Result<Account, StateError> {
        match self.diff.accounts.get(a) {
            Some(acc) => Ok(acc.clone()),
            None => self.view.account(a),
        }
    }

    fn lease(&self, id: &TxId) -> Result<Option<Lease>, StateError> {
        match self.diff.leases.get(id) {
            Some(l) => Ok(Some(l.clone())),
            None => self.view.lease(id),
        }
    }

    fn association(&self, k: &AssociationKey) -> Result<Option<Association>, StateError> {
        match self.diff.associations.get(k) {
            Some(a) => Ok(Some(a.clone())),
            None => self.view.association(k),
        }
    }

    fn script(&self, a: &Address) -> Result<Option<Vec<u8>>, StateError> {
        match self.diff.scripts.get(a) {
            Some(s) => Ok(s.clone()),
            None => self.view.script(a),
        }
    }

    fn sponsors(&self, a: &Address) -> Result<Vec<Address>, StateError> {
        match self.diff.sponsors.get(a) {
            Some(s) => Ok(s.clone()),
            None => self.view.sponsors(a),
        }
    }

    /// Who pays `fee` for a transaction whose fee account is `fee_account`: its first
    /// sponsor (newest first) with that much spendable, else the fee account itself.
    fn fee_payer(&self, fee_account: Address, fee: u64) -> Result<Address, StateError> {
        let height = self.ctx.height;
        for s in self.sponsors(&fee_account)? {
            if self.account(&s)?.available_at(height) >= fee {
                return Ok(s);
            }
        }
        Ok(fee_account)
    }

    /// Applies one verified transaction, or refuses it and changes nothing.
    pub fn apply(&mut self, vtx: &VerifiedTx) -> Result<(), TxApplyError> {
        let tx = vtx.tx();
        let id = vtx.id();
        let ctx = self.ctx;
        if tx.chain_id != ctx.chain_id {
            return Err(TxApplyError::WrongChain);
        }
        let min = ctx.prev_timestamp.0.saturating_sub(ctx.max_tx_past_ms);
        let max = ctx.timestamp.0.saturating_add(ctx.max_tx_future_ms);
        if tx.timestamp.0 < min || tx.timestamp.0 > max {
            return Err(TxApplyError::TimestampOutOfWindow {
                timestamp: tx.timestamp.0,
                min,
                max,
            });
        }
        if self.ids.contains(&id) || self.view.tx_height(&id)?.is_some() {
            return Err(TxApplyError::Duplicate(id));
        }
        let sender = tx.sender_address();
        self.check_authorisation(tx, &sender)?;

        // Work on copies; commit only when every check passed.
        let mut accounts: BTreeMap<Address, Account> = BTreeMap::new();
        let fee = vtx.fee_charged().0;
        // `tx.fee_payer()`, without deriving the sender's address a second time.
        let fee_account = tx.sponsor_address().unwrap_or(sender);
        let payer = self.fee_payer(fee_account, fee)?;
        let mut addresses = vec![sender];
        if payer != sender {
            addresses.push(payer);
        }
        let mut leases = Vec::new();
        let mut assoc = None;
        let mut script_change = None;
        let mut certificate_change = None;
        let mut sponsor_change = None;
        let mut burned = 0u64;

        macro_rules! acc {
            ($a:expr) => {{
                let a: Address = $a;
                if !accounts.contains_key(&a) {
                    let mut v = self.account(&a)?;
                    v.release_unbonded(ctx.height);
                    accounts.insert(a, v);
                }
                accounts.get_mut(&a).ok_or(TxApplyError::Overflow(a))?
            }};
        }
        fn credit(acc: &mut Account, a: Address, amount: u64) -> Result<(), TxApplyError> {
            acc.regular = acc
                .regular
                .checked_add(amount)
                .ok_or(TxApplyError::Overflow(a))?;
            Ok(())
        }
        fn debit(acc: &mut Account, a: Address, amount: u64) -> Result<(), TxApplyError> {
            acc.regular = acc
                .regular
                .checked_sub(amount)
                .ok_or(TxApplyError::Overdraft {
                    address: a,
                    needed: amount,
                    available: acc.regular,
                })?;
            Ok(())
        }

        // Fee first, so an overdraft names the fee payer.
        debit(acc!(payer), payer, fee)?;

        match &tx.body {
            TxBody::Genesis { .. } => return Err(TxApplyError::Genesis),
            TxBody::Transfer {
                recipient, amount, ..
            } => {
                debit(acc!(sender), sender, amount.0)?;
                credit(acc!(*recipient), *recipient, amount.0)?;
                addresses.push(*recipient);
            }
            TxBody::MassTransfer { transfers, .. } => {
                let total = transfers
                    .iter()
                    .try_fold(0u64, |t, (_, a)| t.checked_add(a.0))
                    .ok_or(TxApplyError::Overflow(sender))?;
                debit(acc!(sender), sender, total)?;
                for (r, a) in transfers {
                    credit(acc!(*r), *r, a.0)?;
                    addresses.push(*r);
                }
            }
            TxBody::Lease { recipient, amount } => {
                let s = acc!(sender);
                s.lease_out = s
                    .lease_out
                    .checked_add(amount.0)
                    .ok_or(TxApplyError::Overflow(sender))?;
                let r = acc!(*recipient);
                r.lease_in = r
                    .lease_in
                    .checked_add(amount.0)
                    .ok_or(TxApplyError::Overflow(*recipient))?;
                leases.push(Lease {
                    id,
                    sender,
                    recipient: *recipient,
                    amount: amount.0,
                    height: ctx.height,
                    cancelled: None,
                });
                addresses.push(*recipient);
            }
            TxBody::CancelLease { lease_id } => {
                let mut lease = self
                    .lease(lease_id)?
                    .ok_or(TxApplyError::UnknownLease(*lease_id))?;
                if lease.sender != sender {
                    return Err(TxApplyError::ForeignLease(*lease_id));
                }
                if !lease.is_active() {
                    return Err(TxApplyError::LeaseNotActive(*lease_id));
                }
                let s = acc!(sender);
                s.lease_out = s.lease_out.saturating_sub(lease.amount);
                if ctx.lease_unbonding > 0 {
                    s.unbonding.push(Unbonding {
                        until: Height(ctx.height.0.saturating_add(ctx.lease_unbonding)),
                        amount: lease.amount,
                    });
                }
                let r = acc!(lease.recipient);
                r.lease_in = r.lease_in.saturating_sub(lease.amount);
                addresses.push(lease.recipient);
                lease.cancelled = Some(ctx.height);
                leases.push(lease);
            }
            TxBody::SetScript { script } => {
                if let Some(bytes) = script {
                    crate::script::Script::decode(bytes)
                        .map_err(|e| TxApplyError::BadScript(e.to_string()))?;
                }
                script_change = Some(script.clone());
            }
            TxBody::Anchor { .. } | TxBody::MappedAnchor { .. } => {}
            TxBody::IssueAssociation { recipient, .. } => {
                assoc = Some(self.issued_association(tx, id)?);
                addresses.push(*recipient);
            }
            TxBody::RevokeAssociation { recipient, .. } => {
                assoc = Some(self.revoked_association(tx)?);
                addresses.push(*recipient);
            }
            TxBody::Data { .. } | TxBody::Register { .. } => {}
            TxBody::Sponsorship { recipient } | TxBody::CancelSponsorship { recipient } => {
                sponsor_change = Some((*recipient, self.sponsors_after(tx)?));
                addresses.push(*recipient);
            }
            TxBody::Burn { amount } => {
                debit(acc!(sender), sender, amount.0)?;
                burned = amount.0;
            }
            TxBody::Statement { recipient, .. } => {
                if let Some(r) = recipient {
                    addresses.push(*r);
                }
            }
            TxBody::Certificate { certificate } => {
                certificate_change = Some(certificate.clone());
            }
        }

        // Nobody may end with less than nothing spendable.
        for (a, acc) in &accounts {
            let locked = acc.lease_out.saturating_add(acc.unbonding_at(ctx.height));
            if acc.regular < locked {
                return Err(TxApplyError::Overdraft {
                    address: *a,
                    needed: locked,
                    available: acc.regular,
                });
            }
        }

        // Commit.
        let opener = ctx.fee_split.opener(fee);
        // `opener` never exceeds the fee.
        let carry = fee.saturating_sub(opener);
        if opener > 0 {
            let g = ctx.generator;
            let mut gen_acc = match accounts.remove(&g) {
                Some(a) => a,
                None => self.account(&g)?,
            };
            credit(&mut gen_acc, g, opener)?;
            accounts.insert(g, gen_acc);
        }
        self.diff.generator_fees = self.diff.generator_fees.saturating_add(opener);
        self.diff.carry_fees = self.diff.carry_fees.saturating_add(carry);
        self.diff.accounts.extend(accounts);
        for l in leases {
            self.diff.leases.insert(l.id, l);
        }
        if let Some(w) = assoc {
            self.diff.associations.insert(w.key, w.record);
        }
        if let Some(s) = script_change {
            self.diff.scripts.insert(sender, s);
        }
        if let Some(c) = certificate_change {
            self.diff.certificates.insert(sender, c);
        }
        if let Some((recipient, list)) = sponsor_change {
            self.diff.sponsors.insert(recipient, list);
        }
        self.record_entries(tx, id);
        self.diff.burned = self.diff.burned.saturating_add(burned);
        self.diff.public_keys.insert(sender, tx.sender);
        if let (Some(pk), Some(a)) = (tx.sponsor, tx.sponsor_address()) {
            self.diff.public_keys.insert(a, pk);
        }
        // Without duplicates, first occurrence kept (a handful of addresses, at most a mass
        // transfer's recipients: no set needed).
        let mut unique = Vec::with_capacity(addresses.len());
        for a in addresses {
            if !unique.contains(&a) {
                unique.push(a);
            }
        }
        let addresses = unique;
        self.diff.txs.push(AppliedTx {
            id,
            fee_payer: payer,
            fee,
            addresses,
        });
        self.ids.insert(id);
        Ok(())
    }

    /// Moves the overlay to another block (fast sync replays transactions of many blocks).
    pub fn set_context(&mut self, ctx: BlockContext) {
        self.ctx = ctx;
    }

    /// Scriptless accounts sign with exactly one proof (two when sponsored); a script must
    /// accept the transaction.
    fn check_authorisation(&self, tx: &Transaction, sender: &Address) -> Result<(), TxApplyError> {
        if let Some(sponsor) = tx.sponsor_address()
            && self.script(&sponsor)?.is_some()
        {
            return Err(TxApplyError::ScriptedSponsor(sponsor));
        }
        let expected = usize::from(tx.sponsor.is_some()).saturating_add(1);
        match self.script(sender)? {
            None => {
                if tx.proofs.len() != expected {
                    return Err(TxApplyError::ExtraProofs {
                        expected,
                        found: tx.proofs.len(),
                    });
                }
                Ok(())
            }
            Some(bytes) => {
                let script = crate::script::Script::decode(&bytes)
                    .map_err(|e| TxApplyError::BadScript(e.to_string()))?;
                let ctx = TxScriptContext::new(self, tx, *sender)?;
                if script.evaluate(&ctx) {
                    Ok(())
                } else {
                    Err(TxApplyError::ScriptRefused(*sender))
                }
            }
        }
    }
}

impl<V: StateView> ScriptState for Overlay<'_, V> {
    fn block(&self) -> &BlockContext {
        &self.ctx
    }

    fn account(&self, address: &Address) -> Result<Account, StateError> {
        Overlay::account(self, address)
    }

    fn association(&self, key: &AssociationKey) -> Result<Option<Association>, StateError> {
        Overlay::association(self, key)
    }

    fn association_recipients(
        &self,
        issuer: &Address,
        association_type: i64,
        limit: usize,
    ) -> Result<Vec<AssociationKey>, StateError> {
        self.view
            .association_recipients(issuer, association_type, limit)
    }

    fn public_key(&self, address: &Address) -> Result<Option<AccountKey>, StateError> {
        match self.diff.public_keys.get(address) {
            Some(pk) => Ok(Some(*pk)),
            None => self.view.public_key(address),
        }
    }
}
