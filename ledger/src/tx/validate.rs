//! Stateless validation: everything about a transaction that can be checked without the
//! chain's state. [`verify`] (or [`verify_batch`] for many at once, with Ed25519 batch
//! verification) is the only way to obtain a [`VerifiedTx`].
//!
//! Rules (LTO's node):
//! - the chain id of the transaction and of every address in it is this chain's;
//! - `proofs[0]` is the sender's signature over the body bytes (Ed25519, or ECDSA for
//!   secp256k1/secp256r1 keys, which need version 3 or later; always required:
//!   an account script adds conditions, it never replaces the owner's signature); a
//!   sponsored transaction (v3 and later) carries the sponsor's signature as `proofs[1]`;
//!   further proofs are co-signatures that only an account script gives meaning to;
//! - the fee is at least the schedule's (LTO's current units × fee price); the fee charged
//!   is the schedule's, `fee` is a maximum;
//! - amounts are positive where LTO requires it and sums do not overflow LTO's i64;
//! - counts and sizes are within [`super::limits`]; anchors in one transaction are distinct;
//! - the timestamp is at most 90 minutes after and at most 2 hours before `now`.

use super::codec::data_bytes_len;
use super::{DataEntry, DataValue, Transaction, TxBody, TxId, TxType, limits};
use crate::address::ChainId;
use crate::keys::{AccountKey, KeyError, KeyType, PublicKey, Signature, verify_batch as ed_batch};
use crate::units::{Amount, Timestamp};
use std::collections::HashSet;
use thiserror::Error;

/// LTO's fee price at the start of the chain (units of 10^-8 LTO per fee unit).
pub const DEFAULT_FEE_PRICE: u64 = 100_000;

/// The fee schedule: LTO's fee units per transaction times a fee price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSchedule {
    /// Units of 10^-8 LTO per fee unit.
    pub fee_price: u64,
}

impl Default for FeeSchedule {
    fn default() -> Self {
        FeeSchedule {
            fee_price: DEFAULT_FEE_PRICE,
        }
    }
}

impl FeeSchedule {
    /// LTO's fee units of a transaction: transfer, lease, cancel lease, burn and cancel
    /// sponsorship 1000; mass transfer 1000 + 100 per recipient; anchor, mapped anchor and
    /// register 250 + 100 per entry or key; data, issue association and statement 500 + 100
    /// per started 256 bytes of data entries; revoke association 500; set script,
    /// sponsorship and certificate 5000; genesis 0.
    pub fn units(tx: &Transaction) -> u64 {
        let n = |len: usize| u64::try_from(len).unwrap_or(u64::MAX);
        match &tx.body {
            TxBody::Genesis { .. } => 0,
            TxBody::Transfer { .. } | TxBody::Lease { .. } | TxBody::CancelLease { .. } => 1000,
            TxBody::MassTransfer { transfers, .. } => {
                1000u64.saturating_add(100u64.saturating_mul(n(transfers.len())))
            }
            TxBody::Anchor { anchors } => {
                250u64.saturating_add(100u64.saturating_mul(n(anchors.len())))
            }
            TxBody::MappedAnchor { anchors } => {
                250u64.saturating_add(100u64.saturating_mul(n(anchors.len())))
            }
            TxBody::IssueAssociation { data, .. }
            | TxBody::Data { data }
            | TxBody::Statement { data, .. } => {
                let blocks = n(data_bytes_len(data)).div_ceil(256);
                500u64.saturating_add(100u64.saturating_mul(blocks))
            }
            TxBody::RevokeAssociation { .. } => 500,
            TxBody::Register { keys } => {
                250u64.saturating_add(100u64.saturating_mul(n(keys.len())))
            }
            TxBody::Burn { .. } | TxBody::CancelSponsorship { .. } => 1000,
            TxBody::SetScript { .. } | TxBody::Sponsorship { .. } | TxBody::Certificate { .. } => {
                5000
            }
        }
    }

    /// The fee charged for `tx`.
    pub fn fee(&self, tx: &Transaction) -> Amount {
        Amount(Self::units(tx).saturating_mul(self.fee_price))
    }
}

/// What stateless validation needs from its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidationContext {
    /// This chain's id.
    pub chain_id: ChainId,
    /// The fee schedule in force.
    pub fees: FeeSchedule,
    /// The reference time: the block's timestamp, or the node's clock for the UTX pool.
    pub now: Timestamp,
    /// How far after `now` a timestamp may be (LTO: 90 minutes).
    pub max_future_ms: u64,
    /// How far before `now` a timestamp may be (LTO: 2 hours).
    pub max_past_ms: u64,
}

impl ValidationContext {
    /// LTO's windows and fee price for `chain` at time `now`.
    pub fn lto(chain_id: ChainId, now: Timestamp) -> ValidationContext {
        ValidationContext {
            chain_id,
            fees: FeeSchedule::default(),
            now,
            max_future_ms: 90 * 60 * 1000,
            max_past_ms: 2 * 60 * 60 * 1000,
        }
    }
}

/// Why a transaction failed stateless validation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    /// The transaction or one of its addresses is for another chain.
    #[error("{field} is for chain '{}', expected '{}'", *found as char, *expected as char)]
    WrongChain {
        /// Which part names the other chain.
        field: &'static str,
        /// This chain's id.
        expected: u8,
        /// The chain id found.
        found: u8,
    },
    /// There is no proof, or the sponsor's proof is missing.
    #[error("missing {signer} signature")]
    MissingProof {
        /// `"sender"` or `"sponsor"`.
        signer: &'static str,
    },
    /// A signature proof is not 64 bytes.
    #[error("proof {index} is {found} bytes, a signature is 64")]
    BadProofLength {
        /// The proof's index.
        index: usize,
        /// Its length.
        found: usize,
    },
    /// Too many proofs, or a second proof on a type that takes one signature.
    #[error("at most {max} proofs allowed, found {found}")]
    TooManyProofs {
        /// The limit.
        max: usize,
        /// The number found.
        found: usize,
    },
    /// A signature does not verify over the body bytes.
    #[error("invalid {signer} signature")]
    BadSignature {
        /// `"sender"` or `"sponsor"`.
        signer: &'static str,
    },
    /// A public key is not a valid Ed25519 point.
    #[error("invalid {signer} public key")]
    BadPublicKey {
        /// `"sender"` or `"sponsor"`.
        signer: &'static str,
    },
    /// The fee offered is below the schedule.
    #[error("fee {found} is below the required {required}")]
    FeeTooLow {
        /// The schedule's fee.
        required: u64,
        /// The fee offered.
        found: u64,
    },
    /// An amount that must be positive is zero.
    #[error("{field} must be positive")]
    NonPositiveAmount {
        /// The field.
        field: &'static str,
    },
    /// A sum of amounts overflows LTO's 64-bit signed range.
    #[error("{field} overflows")]
    Overflow {
        /// The field.
        field: &'static str,
    },
    /// A list or field exceeds its limit.
    #[error("{field}: at most {max} allowed, found {found}")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The limit.
        max: usize,
        /// The size found.
        found: usize,
    },
    /// Two anchors or data keys of one transaction are equal.
    #[error("duplicate entry in {field}")]
    Duplicate {
        /// The field.
        field: &'static str,
    },
    /// A data key is empty.
    #[error("empty data key")]
    EmptyDataKey,
    /// The timestamp is too far ahead of the reference time.
    #[error("timestamp {timestamp} is more than {max_ms} ms after {now}")]
    TimestampTooNew {
        /// The transaction's timestamp.
        timestamp: u64,
        /// The reference time.
        now: u64,
        /// The allowed offset.
        max_ms: u64,
    },
    /// The timestamp is too far behind the reference time.
    #[error("timestamp {timestamp} is more than {max_ms} ms before {now}")]
    TimestampTooOld {
        /// The transaction's timestamp.
        timestamp: u64,
        /// The reference time.
        now: u64,
        /// The allowed offset.
        max_ms: u64,
    },
    /// Leasing to oneself.
    #[error("cannot lease to yourself")]
    SelfLease,
    /// Sponsoring below version 3, or sponsoring oneself.
    #[error("invalid sponsor: {reason}")]
    BadSponsor {
        /// Why.
        reason: &'static str,
    },
    /// Genesis transactions exist only in the genesis block.
    #[error("genesis transactions are only valid in the genesis block")]
    GenesisNotAllowed,
    /// A signer's key is not Ed25519 on a transaction below version 3.
    #[error("{signer} key type {key_type} needs transaction version 3 or later")]
    KeyTypeNeedsV3 {
        /// `"sender"` or `"sponsor"`.
        signer: &'static str,
        /// The key type's name.
        key_type: &'static str,
    },
    /// An association field this version cannot carry (LTO: expiry from v3, data from v4).
    #[error("association {field} is not supported for tx v{version}")]
    FieldNeedsVersion {
        /// The field.
        field: &'static str,
        /// The transaction's version.
        version: u8,
    },
    /// An account sponsoring itself (sponsorship or cancel sponsorship).
    #[error("cannot sponsor yourself")]
    SelfSponsorship,
    /// A data value is longer than allowed.
    #[error("data value of key {key}: at most {max} bytes, found {found}")]
    DataValueTooLong {
        /// The entry's key.
        key: String,
        /// The limit.
        max: usize,
        /// Its length.
        found: usize,
    },
    /// A registered key has the wrong length for its type.
    #[error("registered {key_type} key of {found} bytes, expected {expected}")]
    BadRegisteredKey {
        /// The key type's name.
        key_type: &'static str,
        /// The type's key length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// The certificate is not DER X.509, or certifies another key than the sender's.
    #[error("invalid certificate: {reason}")]
    BadCertificate {
        /// Why.
        reason: &'static str,
    },
}

/// A transaction that passed stateless validation: signatures verified, fee, sizes, chain
/// and timestamp checked. Only this module can build one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedTx {
    tx: Transaction,
    id: TxId,
    fee_charged: Amount,
}

impl VerifiedTx {
    /// The transaction.
    pub fn tx(&self) -> &Transaction {
        &self.tx
    }

    /// Its id.
    pub fn id(&self) -> TxId {
        self.id
    }

    /// The fee the schedule charges (at most `tx.fee`).
    pub fn fee_charged(&self) -> Amount {
        self.fee_charged
    }

    /// Gives back the transaction.
    pub fn into_tx(self) -> Transaction {
        self.tx
    }

    /// Accepts a genesis transaction for the genesis block, where there is no signature to
    /// check. Refuses every other type.
    pub fn genesis(tx: Transaction, chain: ChainId) -> Result<VerifiedTx, ValidationError> {
        let TxBody::Genesis { recipient, .. } = &tx.body else {
            return Err(ValidationError::GenesisNotAllowed);
        };
        check_chain("recipient", recipient.chain_id(), chain)?;
        let id = tx.id();
        Ok(VerifiedTx {
            tx,
            id,
            fee_charged: Amount::ZERO,
        })
    }
}

fn check_chain(
    field: &'static str,
    found: ChainId,
    expected: ChainId,
) -> Result<(), ValidationError> {
    if found == expected {
        Ok(())
    } else {
        Err(ValidationError::WrongChain {
            field,
            expected: expected.0,
            found: found.0,
        })
    }
}

fn too_long(field: &'static str, max: usize, found: usize) -> Result<(), ValidationError> {
    if found > max {
        Err(ValidationError::TooLong { field, max, found })
    } else {
        Ok(())
    }
}

/// The i64 range LTO amounts live in.
const MAX_AMOUNT: u64 = i64::MAX as u64;

fn positive(field: &'static str, a: Amount) -> Result<(), ValidationError> {
    if a.0 == 0 {
        Err(ValidationError::NonPositiveAmount { field })
    } else if a.0 > MAX_AMOUNT {
        Err(ValidationError::Overflow { field })
    } else {
        Ok(())
    }
}

/// The signatures a transaction must carry: `(signer role, key, proof index)`.
fn required_signers(tx: &Transaction) -> Vec<(&'static str, AccountKey, usize)> {
    let mut v = vec![("sender", tx.sender, 0)];
    if let Some(s) = tx.sponsor {
        v.push(("sponsor", s, 1));
    }
    v
}

/// Every stateless rule except the signatures, and the fee to charge.
fn check_rules(tx: &Transaction, ctx: &ValidationContext) -> Result<Amount, ValidationError> {
    let chain = ctx.chain_id;
    check_chain("transaction", tx.chain_id, chain)?;

    // Proof shapes.
    too_long_proofs(tx)?;
    let signers = required_signers(tx);
    for (signer, key, index) in &signers {
        if tx.version < 3 && key.key_type() != KeyType::Ed25519 {
            return Err(ValidationError::KeyTypeNeedsV3 {
                signer,
                key_type: key.key_type().name(),
            });
        }
        let p = tx
            .proofs
            .get(*index)
            .ok_or(ValidationError::MissingProof { signer })?;
        if p.len() != 64 {
            return Err(ValidationError::BadProofLength {
                index: *index,
                found: p.len(),
            });
        }
    }
    if let Some(sponsor) = tx.sponsor {
        if tx.version < 3 {
            return Err(ValidationError::BadSponsor {
                reason: "sponsoring needs version 3 or later",
            });
        }
        if sponsor == tx.sender {
            return Err(ValidationError::BadSponsor {
                reason: "sender cannot sponsor itself",
            });
        }
    }

    // Timestamp window.
    let ts = tx.timestamp.0;
    let now = ctx.now.0;
    if ts > now.saturating_add(ctx.max_future_ms) {
        return Err(ValidationError::TimestampTooNew {
            timestamp: ts,
            now,
            max_ms: ctx.max_future_ms,
        });
    }
    if ts < now.saturating_sub(ctx.max_past_ms) {
        return Err(ValidationError::TimestampTooOld {
            timestamp: ts,
            now,
            max_ms: ctx.max_past_ms,
        });
    }

    // Type rules.
    match &tx.body {
        TxBody::Genesis { .. } => return Err(ValidationError::GenesisNotAllowed),
        TxBody::Transfer {
            recipient,
            amount,
            attachment,
        } => {
            check_chain("recipient", recipient.chain_id(), chain)?;
            positive("amount", *amount)?;
            too_long("attachment", limits::MAX_ATTACHMENT_LEN, attachment.len())?;
        }
        TxBody::Lease { recipient, amount } => {
            check_chain("recipient", recipient.chain_id(), chain)?;
            positive("amount", *amount)?;
            if *recipient == tx.sender_address() {
                return Err(ValidationError::SelfLease);
            }
        }
        TxBody::CancelLease { .. } => {}
        TxBody::MassTransfer {
            transfers,
            attachment,
        } => {
            too_long("transfers", limits::MAX_TRANSFERS, transfers.len())?;
            too_long("attachment", limits::MAX_ATTACHMENT_LEN, attachment.len())?;
            let mut total: u64 = 0;
            for (r, a) in transfers {
                check_chain("recipient", r.chain_id(), chain)?;
                total = total.checked_add(a.0).filter(|t| *t <= MAX_AMOUNT).ok_or(
                    ValidationError::Overflow {
                        field: "totalAmount",
                    },
                )?;
            }
            total
                .checked_add(tx.fee.0)
                .filter(|t| *t <= MAX_AMOUNT)
                .ok_or(ValidationError::Overflow {
                    field: "totalAmount",
                })?;
        }
        TxBody::SetScript { script } => {
            too_long(
                "script",
                limits::MAX_SCRIPT_LEN,
                script.as_ref().map_or(0, Vec::len),
            )?;
        }
        TxBody::Anchor { anchors } => {
            too_long("anchors", limits::MAX_ANCHORS, anchors.len())?;
            let mut seen = HashSet::with_capacity(anchors.len());
            for a in anchors {
                too_long("anchor", limits::MAX_ANCHOR_LEN, a.len())?;
                if !seen.insert(a.as_slice()) {
                    return Err(ValidationError::Duplicate { field: "anchors" });
                }
            }
        }
        TxBody::MappedAnchor { anchors } => {
            too_long("anchors", limits::MAX_MAPPED_ANCHORS, anchors.len())?;
            let mut seen = HashSet::with_capacity(anchors.len());
            for (k, v) in anchors {
                too_long("anchor key", limits::MAX_MAPPED_ANCHOR_LEN, k.len())?;
                too_long("anchor value", limits::MAX_MAPPED_ANCHOR_LEN, v.len())?;
                if !seen.insert(k.as_slice()) {
                    return Err(ValidationError::Duplicate { field: "anchors" });
                }
            }
        }
        TxBody::IssueAssociation {
            recipient,
            subject,
            data,
            expires,
            ..
        } => {
            check_chain("recipient", recipient.chain_id(), chain)?;
            if expires.is_some() && tx.version < 3 {
                return Err(ValidationError::FieldNeedsVersion {
                    field: "expires",
                    version: tx.version,
                });
            }
            if !data.is_empty() && tx.version < 4 {
                return Err(ValidationError::FieldNeedsVersion {
                    field: "data",
                    version: tx.version,
                });
            }
            too_long(
                "subject",
                limits::MAX_SUBJECT_LEN,
                subject.as_ref().map_or(0, Vec::len),
            )?;
            check_data(data, limits::MAX_DATA_BYTES)?;
        }
        TxBody::Data { data } => check_data(data, limits::MAX_DATA_BYTES)?,
        TxBody::Statement {
            recipient,
            subject,
            data,
            ..
        } => {
            if let Some(r) = recipient {
                check_chain("recipient", r.chain_id(), chain)?;
            }
            too_long(
                "subject",
                limits::MAX_SUBJECT_LEN,
                subject.as_ref().map_or(0, Vec::len),
            )?;
            check_data(data, limits::MAX_STATEMENT_DATA_BYTES)?;
        }
        TxBody::Sponsorship { recipient } | TxBody::CancelSponsorship { recipient } => {
            check_chain("recipient", recipient.chain_id(), chain)?;
            if *recipient == tx.sender_address() {
                return Err(ValidationError::SelfSponsorship);
            }
        }
        TxBody::Register { keys } => {
            too_long("keys", limits::MAX_REGISTER_KEYS, keys.len())?;
            let mut seen = HashSet::with_capacity(keys.len());
            for k in keys {
                if k.public_key.len() != k.key_type.key_len() {
                    return Err(ValidationError::BadRegisteredKey {
                        key_type: k.key_type.name(),
                        expected: k.key_type.key_len(),
                        found: k.public_key.len(),
                    });
                }
                if !seen.insert(k) {
                    return Err(ValidationError::Duplicate { field: "keys" });
                }
            }
        }
        TxBody::Burn { amount } => positive("amount", *amount)?,
        TxBody::Certificate { certificate } => {
            if let Some(der) = certificate {
                too_long("certificate", limits::MAX_CERTIFICATE_LEN, der.len())?;
                check_certificate(der, &tx.sender)?;
            }
        }
        TxBody::RevokeAssociation {
            recipient, subject, ..
        } => {
            check_chain("recipient", recipient.chain_id(), chain)?;
            too_long(
                "subject",
                limits::MAX_SUBJECT_LEN,
                subject.as_ref().map_or(0, Vec::len),
            )?;
        }
    }

    // Fee.
    let required = ctx.fees.fee(tx);
    if tx.fee < required {
        return Err(ValidationError::FeeTooLow {
            required: required.0,
            found: tx.fee.0,
        });
    }
    if tx.fee.0 > MAX_AMOUNT {
        return Err(ValidationError::Overflow { field: "fee" });
    }
    Ok(required)
}

/// Data entries: at most 100, at most `max_bytes` together, keys non-empty, at most 100 bytes
/// and unique, values at most 1024 bytes.
fn check_data(data: &[DataEntry], max_bytes: usize) -> Result<(), ValidationError> {
    too_long("data", limits::MAX_DATA_ENTRIES, data.len())?;
    too_long("data", max_bytes, data_bytes_len(data))?;
    let mut keys = HashSet::with_capacity(data.len());
    for e in data {
        if e.key.is_empty() {
            return Err(ValidationError::EmptyDataKey);
        }
        // LTO counts a key's length in UTF-16 characters.
        too_long(
            "data key",
            limits::MAX_DATA_KEY_LEN,
            e.key.encode_utf16().count(),
        )?;
        let value_len = match &e.value {
            DataValue::Binary(b) => b.len(),
            DataValue::String(s) => s.len(),
            DataValue::Integer(_) | DataValue::Boolean(_) => 0,
        };
        if value_len > limits::MAX_DATA_VALUE_LEN {
            return Err(ValidationError::DataValueTooLong {
                key: e.key.clone(),
                max: limits::MAX_DATA_VALUE_LEN,
                found: value_len,
            });
        }
        if !keys.insert(e.key.as_str()) {
            return Err(ValidationError::Duplicate { field: "data" });
        }
    }
    Ok(())
}

/// The certificate is one DER X.509 certificate whose subject key is the sender's.
fn check_certificate(der: &[u8], sender: &AccountKey) -> Result<(), ValidationError> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|_| ValidationError::BadCertificate {
            reason: "not a DER X.509 certificate",
        })?;
    if !rest.is_empty() {
        return Err(ValidationError::BadCertificate {
            reason: "bytes after the certificate",
        });
    }
    let raw: &[u8] = &cert.public_key().subject_public_key.data;
    let matches = match sender {
        AccountKey::Ed25519(pk) => raw == pk.as_bytes().as_slice(),
        // ECDSA keys may be certified uncompressed: compare the points.
        AccountKey::Secp256k1(b) => matches!(
            (k256::PublicKey::from_sec1_bytes(raw), k256::PublicKey::from_sec1_bytes(b)),
            (Ok(c), Ok(s)) if c == s
        ),
        AccountKey::Secp256r1(b) => matches!(
            (p256::PublicKey::from_sec1_bytes(raw), p256::PublicKey::from_sec1_bytes(b)),
            (Ok(c), Ok(s)) if c == s
        ),
    };
    if !matches {
        return Err(ValidationError::BadCertificate {
            reason: "the certificate's key is not the sender's",
        });
    }
    Ok(())
}

fn too_long_proofs(tx: &Transaction) -> Result<(), ValidationError> {
    let legacy_single = tx.version == 1
        && matches!(
            tx.tx_type(),
            TxType::Transfer | TxType::Lease | TxType::CancelLease
        );
    let max = if legacy_single { 1 } else { limits::MAX_PROOFS };
    if tx.proofs.len() > max {
        return Err(ValidationError::TooManyProofs {
            max,
            found: tx.proofs.len(),
        });
    }
    Ok(())
}

fn key_error(signer: &'static str, e: KeyError) -> ValidationError {
    match e {
        KeyError::InvalidPublicKey => ValidationError::BadPublicKey { signer },
        _ => ValidationError::BadSignature { signer },
    }
}

fn signature_at(tx: &Transaction, index: usize) -> Signature {
    let mut s = [0u8; 64];
    if let Some(p) = tx.proofs.get(index)
        && p.len() == 64
    {
        s.copy_from_slice(p);
    }
    Signature(s)
}

/// Verifies the signers of `keep` (all, or those that are not Ed25519) one by one.
fn verify_each(
    tx: &Transaction,
    body: &[u8],
    keep: impl Fn(&AccountKey) -> bool,
) -> Result<(), ValidationError> {
    for (signer, key, index) in required_signers(tx) {
        if keep(&key) {
            key.verify(body, &signature_at(tx, index).0)
                .map_err(|e| key_error(signer, e))?;
        }
    }
    Ok(())
}

/// Validates one transaction, verifying its signatures one by one.
pub fn verify(tx: Transaction, ctx: &ValidationContext) -> Result<VerifiedTx, ValidationError> {
    let fee_charged = check_rules(&tx, ctx)?;
    let body = tx.body_bytes();
    verify_each(&tx, &body, |_| true)?;
    let id = TxId(crate::hash::blake2b256(&body));
    Ok(VerifiedTx {
        tx,
        id,
        fee_charged,
    })
}

/// Validates many transactions, verifying all their signatures in one Ed25519 batch. The
/// result has one entry per input, in order; when the batch fails, the bad ones are found by
/// checking one by one, so the answer is the same as calling [`verify`] on each.
pub fn verify_batch(
    txs: Vec<Transaction>,
    ctx: &ValidationContext,
) -> Vec<Result<VerifiedTx, ValidationError>> {
    struct Pending {
        tx: Transaction,
        body: Vec<u8>,
        fee: Amount,
    }
    let checked: Vec<Result<Pending, ValidationError>> = txs
        .into_iter()
        .map(|tx| {
            let fee = check_rules(&tx, ctx)?;
            let body = tx.body_bytes();
            // ECDSA signers have no batch form: they are checked here, one by one.
            verify_each(&tx, &body, |k| k.ed25519().is_none())?;
            Ok(Pending { tx, body, fee })
        })
        .collect();

    let mut items: Vec<(PublicKey, &[u8], Signature)> = Vec::new();
    for p in checked.iter().flatten() {
        for (_, key, index) in required_signers(&p.tx) {
            if let Some(pk) = key.ed25519() {
                items.push((pk, p.body.as_slice(), signature_at(&p.tx, index)));
            }
        }
    }
    let all_good = ed_batch(&items).is_ok();
    drop(items);

    checked
        .into_iter()
        .map(|r| {
            let p = r?;
            if !all_good {
                verify_each(&p.tx, &p.body, |k| k.ed25519().is_some())?;
            }
            let id = TxId(crate::hash::blake2b256(&p.body));
            Ok(VerifiedTx {
                tx: p.tx,
                id,
                fee_charged: p.fee,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::Address;
    use crate::keys::KeyPair;

    const NOW: Timestamp = Timestamp(1_700_000_000_000);

    fn ctx() -> ValidationContext {
        ValidationContext::lto(ChainId::TESTNET, NOW)
    }

    fn kp(s: &str) -> KeyPair {
        KeyPair::from_seed_phrase(s, 0)
    }

    fn anchor(n: usize, fee: u64) -> Transaction {
        let mut tx = Transaction {
            version: 3,
            chain_id: ChainId::TESTNET,
            timestamp: NOW,
            sender: kp("a").public_key().into(),
            fee: Amount(fee),
            sponsor: None,
            proofs: vec![],
            body: TxBody::Anchor {
                anchors: (0..n).map(|i| vec![i as u8; 32]).collect(),
            },
        };
        tx.sign_with(&kp("a"));
        tx
    }

    #[test]
    fn fee_schedule_matches_lto() {
        let t = anchor(1, 0);
        assert_eq!(FeeSchedule::default().fee(&t), Amount(35_000_000));
        assert_eq!(
            FeeSchedule::default().fee(&anchor(3, 0)),
            Amount(55_000_000)
        );
    }

    #[test]
    fn accepts_good_and_charges_schedule_fee() {
        let v = verify(anchor(2, 60_000_000), &ctx()).expect("valid");
        assert_eq!(v.fee_charged(), Amount(45_000_000));
        assert_eq!(v.id(), v.tx().id());
    }

    #[test]
    fn typed_errors() {
        assert_eq!(
            verify(anchor(1, 34_999_999), &ctx()),
            Err(ValidationError::FeeTooLow {
                required: 35_000_000,
                found: 34_999_999
            })
        );
        let mut t = anchor(1, 35_000_000);
        t.proofs[0][5] ^= 1;
        assert_eq!(
            verify(t, &ctx()),
            Err(ValidationError::BadSignature { signer: "sender" })
        );
        let mut t = anchor(1, 35_000_000);
        t.proofs.clear();
        assert_eq!(
            verify(t, &ctx()),
            Err(ValidationError::MissingProof { signer: "sender" })
        );
        let mut t = anchor(1, 35_000_000);
        t.timestamp = Timestamp(NOW.0 + 90 * 60 * 1000 + 1);
        assert!(matches!(
            verify(t, &ctx()),
            Err(ValidationError::TimestampTooNew { .. })
        ));
        let mut t = anchor(1, 35_000_000);
        t.timestamp = Timestamp(NOW.0 - 2 * 60 * 60 * 1000 - 1);
        assert!(matches!(
            verify(t, &ctx()),
            Err(ValidationError::TimestampTooOld { .. })
        ));
        let mut t = anchor(1, 35_000_000);
        t.chain_id = ChainId::MAINNET;
        assert!(matches!(
            verify(t, &ctx()),
            Err(ValidationError::WrongChain {
                field: "transaction",
                ..
            })
        ));
        let mut t = anchor(0, 100_000_000);
        t.body = TxBody::Anchor {
            anchors: vec![vec![1; 32], vec![1; 32]],
        };
        t.proofs.clear();
        t.sign_with(&kp("a"));
        assert_eq!(
            verify(t, &ctx()),
            Err(ValidationError::Duplicate { field: "anchors" })
        );
        let mut t = anchor(0, 100_000_000);
        t.body = TxBody::Anchor {
            anchors: (0..101).map(|i| vec![i as u8]).collect(),
        };
        assert!(matches!(
            verify(t, &ctx()),
            Err(ValidationError::TooLong {
                field: "anchors",
                ..
            })
        ));
        let me = Address::from_public_key(ChainId::TESTNET, &kp("a").public_key());
        let mut t = anchor(0, 100_000_000);
        t.body = TxBody::Lease {
            recipient: me,
            amount: Amount(5),
        };
        assert_eq!(verify(t, &ctx()), Err(ValidationError::SelfLease));
        let mut t = anchor(0, 100_000_000);
        t.body = TxBody::Transfer {
            recipient: me,
            amount: Amount(0),
            attachment: vec![],
        };
        assert_eq!(
            verify(t, &ctx()),
            Err(ValidationError::NonPositiveAmount { field: "amount" })
        );
        let mut t = anchor(0, 100_000_000);
        t.body = TxBody::MassTransfer {
            transfers: vec![(me, Amount(i64::MAX as u64)), (me, Amount(1))],
            attachment: vec![],
        };
        assert_eq!(
            verify(t, &ctx()),
            Err(ValidationError::Overflow {
                field: "totalAmount"
            })
        );
    }

    #[test]
    fn sponsor_must_sign_second() {
        let mut t = anchor(1, 35_000_000);
        t.proofs.clear();
        t.sponsor = Some(kp("s").public_key().into());
        t.sign_with(&kp("a"));
        assert_eq!(
            verify(t.clone(), &ctx()),
            Err(ValidationError::MissingProof { signer: "sponsor" })
        );
        let mut bad = t.clone();
        bad.sign_with(&kp("x"));
        assert_eq!(
            verify(bad, &ctx()),
            Err(ValidationError::BadSignature { signer: "sponsor" })
        );
        t.sign_with(&kp("s"));
        let v = verify(t, &ctx()).expect("sponsored");
        assert_eq!(
            v.tx().fee_payer(),
            Address::from_public_key(ChainId::TESTNET, &kp("s").public_key())
        );
    }

    #[test]
    fn batch_equals_one_by_one() {
        let mut txs: Vec<Transaction> = (1..=20).map(|n| anchor(n % 5, 100_000_000)).collect();
        txs[7].proofs[0][0] ^= 0x40;
        txs[13].fee = Amount(1);
        let single: Vec<_> = txs.iter().cloned().map(|t| verify(t, &ctx())).collect();
        let batch = verify_batch(txs, &ctx());
        assert_eq!(batch, single);
        assert_eq!(batch.iter().filter(|r| r.is_err()).count(), 2);
        assert_eq!(
            batch[7],
            Err(ValidationError::BadSignature { signer: "sender" })
        );
    }
}
