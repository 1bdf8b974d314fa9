//! Every stateless rule but the signatures: chains, proof shapes, the fee, amounts, sizes
//! and counts, the timestamp window, data entries and certificates.

use super::{RequiredSigner, ValidationContext, ValidationError, required_signers};
use crate::address::ChainId;
use crate::keys::{AccountKey, KeyType};
use crate::tx::codec::data_bytes_len;
use crate::tx::{DataEntry, DataValue, Transaction, TxBody, TxType, limits};
use crate::units::Amount;
use std::collections::HashSet;

/// Refuses an address or transaction of another chain, naming the `field`.
pub(super) fn check_chain(
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

/// Refuses a `field` of `found` entries or bytes, more than `max`.
fn too_long(field: &'static str, max: usize, found: usize) -> Result<(), ValidationError> {
    if found > max {
        Err(ValidationError::TooLong { field, max, found })
    } else {
        Ok(())
    }
}

/// The i64 range LTO amounts live in.
const MAX_AMOUNT: u64 = i64::MAX as u64;

/// Refuses a zero amount, or one beyond LTO's i64.
fn positive(field: &'static str, a: Amount) -> Result<(), ValidationError> {
    if a.0 == 0 {
        Err(ValidationError::NonPositiveAmount { field })
    } else if a.0 > MAX_AMOUNT {
        Err(ValidationError::Overflow { field })
    } else {
        Ok(())
    }
}

/// Every stateless rule except the signatures, and the fee to charge.
pub(super) fn check_rules(
    tx: &Transaction,
    ctx: &ValidationContext,
) -> Result<Amount, ValidationError> {
    let chain = ctx.chain_id;
    check_chain("transaction", tx.chain_id, chain)?;

    // Proof shapes.
    too_long_proofs(tx)?;
    let signers = required_signers(tx);
    for RequiredSigner {
        role: signer,
        key,
        proof_index: index,
    } in &signers
    {
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

/// At most one proof on v1 transfers, leases and cancels; at most [`limits::MAX_PROOFS`]
/// elsewhere.
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
