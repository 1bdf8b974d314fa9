//! The state transition: pure functions from (state view, verified transactions, block
//! context) to a [`Diff`].
//!
//! Rules (LTO's node, Waves' node):
//! - the fee charged is the schedule's ([`VerifiedTx::fee_charged`]); the fee account is the
//!   transaction's sponsor if any, else the sender, and the fee is paid by the first of the
//!   fee account's sponsors (newest first) whose spendable balance covers it, else by the
//!   fee account itself (LTO's `TransactionDiffer`); the opener's share (`FeeSplit`, LTO's `fee / 5 * 2`) goes at once to the generator of the block that
//!   includes the transaction, the rest is carried to the generator of the next key block;
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

use super::records::data_count;
use super::{Account, Association, AssociationKey, Lease, StateError, StateView, Unbonding};
use crate::address::{Address, ChainId};
use crate::keys::AccountKey;
use crate::tx::{DataValue, RegisteredKey, Transaction, TxBody, TxId, VerifiedTx};
use crate::units::{Height, Timestamp};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// How Waves-NG splits a transaction's fee: this share goes at once to the generator of the
/// block that includes the transaction, the rest to the generator of the next key block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSplit {
    /// The opener's share's numerator.
    pub numerator: u64,
    /// Its denominator.
    pub denominator: u64,
}

impl FeeSplit {
    /// LTO's: 40 % to the block's generator, 60 % to the next key block's.
    pub const LTO: FeeSplit = FeeSplit {
        numerator: 2,
        denominator: 5,
    };

    /// The opener's part of `fee`: `fee / denominator * numerator`, as LTO rounds it (0 for a
    /// zero denominator, never more than the fee).
    pub fn opener(self, fee: u64) -> u64 {
        fee.checked_div(self.denominator)
            .unwrap_or(0)
            .saturating_mul(self.numerator)
            .min(fee)
    }
}

/// What a block supplies to the transactions it includes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockContext {
    /// This chain's id.
    pub chain_id: ChainId,
    /// Height of the block.
    pub height: Height,
    /// Timestamp of its key block.
    pub timestamp: Timestamp,
    /// Timestamp of the previous key block.
    pub prev_timestamp: Timestamp,
    /// The generator of the block.
    pub generator: Address,
    /// Blocks a cancelled lease unbonds for.
    pub lease_unbonding: u32,
    /// How far after the block a transaction's timestamp may be (ms).
    pub max_tx_future_ms: u64,
    /// How far before the previous block a transaction's timestamp may be (ms).
    pub max_tx_past_ms: u64,
    /// How fees are split between this block's generator and the next key block's.
    pub fee_split: FeeSplit,
}

/// A transaction as applied, for the indexes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedTx {
    /// Its id.
    pub id: TxId,
    /// Who paid the fee.
    pub fee_payer: Address,
    /// The fee charged.
    pub fee: u64,
    /// Every address it involves (sender, sponsor, recipients), without duplicates.
    pub addresses: Vec<Address>,
}

/// The new values of every record touched by a block, key block or micro block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Accounts, with their new balances.
    pub accounts: BTreeMap<Address, Account>,
    /// Leases created or cancelled.
    pub leases: BTreeMap<TxId, Lease>,
    /// Associations issued, extended or revoked.
    pub associations: BTreeMap<AssociationKey, Association>,
    /// Scripts set (`Some`) or removed (`None`).
    pub scripts: BTreeMap<Address, Option<Vec<u8>>>,
    /// Public keys learned from signers.
    pub public_keys: BTreeMap<Address, AccountKey>,
    /// Data entries set, by account and key.
    pub data: BTreeMap<(Address, String), DataValue>,
    /// The whole new list of sponsors (newest first) of each account whose list changed.
    pub sponsors: BTreeMap<Address, Vec<Address>>,
    /// Certificates (DER) set (`Some`) or cleared (`None`).
    pub certificates: BTreeMap<Address, Option<Vec<u8>>>,
    /// Keys registered, by the registering account, with the registering transaction.
    pub registered_keys: Vec<(Address, RegisteredKey, TxId)>,
    /// Tokens destroyed by burn transactions.
    pub burned: u64,
    /// The transactions applied, in order.
    pub txs: Vec<AppliedTx>,
    /// Fees credited at once to the block's generator (40%).
    pub generator_fees: u64,
    /// Fees carried to the next key block's generator (60%).
    pub carry_fees: u64,
}

/// Why one transaction cannot be applied on top of the state before it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxApplyError {
    /// The id is already in the chain (or earlier in this block).
    #[error("transaction {0} is already in the chain")]
    Duplicate(TxId),
    /// An account would spend more than it has available.
    #[error("{address} has {available} available, needs {needed}")]
    Overdraft {
        /// The account.
        address: Address,
        /// What it needs to spend.
        needed: u64,
        /// What it has available.
        available: u64,
    },
    /// A balance would overflow.
    #[error("balance of {0} would overflow")]
    Overflow(Address),
    /// The lease to cancel does not exist.
    #[error("unknown lease {0}")]
    UnknownLease(TxId),
    /// The lease to cancel belongs to someone else.
    #[error("lease {0} belongs to another account")]
    ForeignLease(TxId),
    /// The lease is already cancelled.
    #[error("lease {0} is already cancelled")]
    LeaseNotActive(TxId),
    /// The association to revoke does not exist or is not active.
    #[error("no active association to revoke")]
    UnknownAssociation,
    /// The sender already sponsors the recipient.
    #[error("{recipient} is already sponsored by {sponsor}")]
    AlreadySponsored {
        /// The sponsored account.
        recipient: Address,
        /// The sponsor.
        sponsor: Address,
    },
    /// The sender does not sponsor the recipient.
    #[error("{recipient} is not sponsored by {sponsor}")]
    NotSponsored {
        /// The account.
        recipient: Address,
        /// The would-be former sponsor.
        sponsor: Address,
    },
    /// A transaction's explicit sponsor has an account script.
    #[error("transactions can't be sponsored by a scripted account ({0})")]
    ScriptedSponsor(Address),
    /// The sender's script refuses the transaction.
    #[error("the script of {0} refuses the transaction")]
    ScriptRefused(Address),
    /// The set-script transaction carries bytes that are not a valid script.
    #[error("invalid script: {0}")]
    BadScript(String),
    /// An account without a script must sign with exactly one proof (two if sponsored).
    #[error("{found} proofs on an account without a script, expected {expected}")]
    ExtraProofs {
        /// Proofs expected.
        expected: usize,
        /// Proofs found.
        found: usize,
    },
    /// The timestamp is outside the block's window.
    #[error("timestamp {timestamp} outside the block window [{min}, {max}]")]
    TimestampOutOfWindow {
        /// The transaction's timestamp.
        timestamp: u64,
        /// Earliest allowed.
        min: u64,
        /// Latest allowed.
        max: u64,
    },
    /// The transaction is for another chain.
    #[error("transaction is for another chain")]
    WrongChain,
    /// Genesis transactions belong only in the genesis block.
    #[error("genesis transaction outside the genesis block")]
    Genesis,
    /// State could not be read.
    #[error(transparent)]
    State(#[from] StateError),
}

/// Why a micro block (or block) is invalid: which transaction and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("transaction {index} ({id}) refused: {error}")]
pub struct MicroBlockError {
    /// Position of the transaction in the micro block.
    pub index: usize,
    /// Its id.
    pub id: TxId,
    /// Why.
    pub error: TxApplyError,
}

/// Applies transactions one after the other on top of a view (and the diff of earlier micro
/// blocks of the same block, if any); the first refused transaction makes the whole batch
/// invalid.
pub fn apply_transactions<V: StateView>(
    view: &V,
    ctx: &BlockContext,
    base: Diff,
    txs: &[VerifiedTx],
) -> Result<Diff, MicroBlockError> {
    let mut o = Overlay::with_diff(view, *ctx, base);
    for (index, tx) in txs.iter().enumerate() {
        o.apply(tx).map_err(|error| MicroBlockError {
            index,
            id: tx.id(),
            error,
        })?;
    }
    Ok(o.into_diff())
}

/// The diff of a key block: the generator receives the fees carried from the block it
/// closes.
pub fn apply_key_block<V: StateView>(
    view: &V,
    generator: Address,
    carried_fees: u64,
) -> Result<Diff, TxApplyError> {
    let mut d = Diff::default();
    if carried_fees > 0 {
        let mut acc = view.account(&generator)?;
        acc.regular = acc
            .regular
            .checked_add(carried_fees)
            .ok_or(TxApplyError::Overflow(generator))?;
        d.accounts.insert(generator, acc);
    }
    Ok(d)
}

/// The diff of the genesis transactions: each mints its amount to its recipient.
pub fn apply_genesis<V: StateView>(view: &V, txs: &[VerifiedTx]) -> Result<Diff, TxApplyError> {
    let mut d = Diff::default();
    for vtx in txs {
        let TxBody::Genesis { recipient, amount } = &vtx.tx().body else {
            return Err(TxApplyError::Genesis);
        };
        let mut acc = match d.accounts.get(recipient) {
            Some(a) => a.clone(),
            None => view.account(recipient)?,
        };
        acc.regular = acc
            .regular
            .checked_add(amount.0)
            .ok_or(TxApplyError::Overflow(*recipient))?;
        d.accounts.insert(*recipient, acc);
        d.txs.push(AppliedTx {
            id: vtx.id(),
            fee_payer: *recipient,
            fee: 0,
            addresses: vec![*recipient],
        });
    }
    Ok(d)
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
        let payer = self.fee_payer(tx.fee_payer(), fee)?;
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
        let carry = fee - opener;
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
        if let Some((k, a)) = assoc {
            self.diff.associations.insert(k, a);
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
        let mut seen = BTreeSet::new();
        addresses.retain(|a| seen.insert(*a));
        self.diff.txs.push(AppliedTx {
            id,
            fee_payer: payer,
            fee,
            addresses,
        });
        self.ids.insert(id);
        Ok(())
    }

    /// The record an issue-association transaction writes: re-issuing an active association
    /// keeps the later expiry ("no expiry" is the latest of all).
    fn issued_association(
        &self,
        tx: &Transaction,
        id: TxId,
    ) -> Result<(AssociationKey, Association), TxApplyError> {
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
        Ok((key, record))
    }

    /// The record a revoke-association transaction writes; the association must be active.
    fn revoked_association(
        &self,
        tx: &Transaction,
    ) -> Result<(AssociationKey, Association), TxApplyError> {
        if !matches!(tx.body, TxBody::RevokeAssociation { .. }) {
            return Err(TxApplyError::UnknownAssociation);
        }
        let key = association_key(tx).ok_or(TxApplyError::UnknownAssociation)?;
        let mut a = self
            .association(&key)?
            .filter(|a| a.is_active(self.ctx.timestamp))
            .ok_or(TxApplyError::UnknownAssociation)?;
        a.revoked = Some(self.ctx.height);
        Ok((key, a))
    }

    /// The recipient's list of sponsors after a sponsorship (the sender first, once) or a
    /// cancel (the sender removed; it must be there).
    fn sponsors_after(&self, tx: &Transaction) -> Result<Vec<Address>, TxApplyError> {
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
    fn record_entries(&mut self, tx: &Transaction, id: TxId) {
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
                    self.diff.registered_keys.push((sender, k.clone(), id));
                }
            }
            _ => {}
        }
    }

    /// Moves the overlay to another block (fast sync replays transactions of many blocks).
    pub fn set_context(&mut self, ctx: BlockContext) {
        self.ctx = ctx;
    }

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
                let (k, a) = self.issued_association(tx, id)?;
                self.diff.associations.insert(k, a);
            }
            TxBody::RevokeAssociation { .. } => {
                let (k, a) = self.revoked_association(tx)?;
                self.diff.associations.insert(k, a);
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

    /// Scriptless accounts sign with exactly one proof (two when sponsored); a script must
    /// accept the transaction.
    fn check_authorisation(&self, tx: &Transaction, sender: &Address) -> Result<(), TxApplyError> {
        if let Some(sponsor) = tx.sponsor_address()
            && self.script(&sponsor)?.is_some()
        {
            return Err(TxApplyError::ScriptedSponsor(sponsor));
        }
        let expected = 1 + usize::from(tx.sponsor.is_some());
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
                let ctx = super::script_ctx::TxScriptContext::new(self, tx, *sender)?;
                if script.evaluate(&ctx) {
                    Ok(())
                } else {
                    Err(TxApplyError::ScriptRefused(*sender))
                }
            }
        }
    }

    /// Read access for the script context.
    pub(super) fn view_account(&self, a: &Address) -> Result<Account, StateError> {
        self.account(a)
    }

    /// Read access for the script context.
    pub(super) fn view_association(
        &self,
        k: &AssociationKey,
    ) -> Result<Option<Association>, StateError> {
        self.association(k)
    }

    /// Read access for the script context.
    pub(super) fn view(&self) -> &V {
        self.view
    }

    /// Read access for the script context.
    pub(super) fn context(&self) -> &BlockContext {
        &self.ctx
    }

    /// Read access for the script context.
    pub(super) fn known_public_key(&self, a: &Address) -> Result<Option<AccountKey>, StateError> {
        match self.diff.public_keys.get(a) {
            Some(pk) => Ok(Some(*pk)),
            None => self.view.public_key(a),
        }
    }
}
