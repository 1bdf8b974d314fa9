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

// Fees and amount sums: no unchecked arithmetic in validation.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod error;
mod rules;

pub use super::fee::{DEFAULT_FEE_PRICE, FeeSchedule};
pub use error::ValidationError;

use super::{Transaction, TxBody, TxId};
use crate::address::ChainId;
use crate::keys::{AccountKey, KeyError, PublicKey, Signature, verify_batch as ed_batch};
use crate::units::{Amount, Timestamp};
use rules::{check_chain, check_rules};

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

/// A transaction that passed stateless validation: signatures verified, fee, sizes, chain
/// and timestamp checked. Only this module can build one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedTx {
    tx: Transaction,
    id: TxId,
    fee_charged: Amount,
}

impl VerifiedTx {
    /// The transaction that passed.
    pub fn tx(&self) -> &Transaction {
        &self.tx
    }

    /// Its id: Blake2b-256 of the body bytes.
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

/// A signature a transaction must carry.
struct RequiredSigner {
    /// Who signs, as errors name it: `"sender"` or `"sponsor"`.
    role: &'static str,
    /// The signer's key.
    key: AccountKey,
    /// Which proof holds the signature.
    proof_index: usize,
}

/// The signatures a transaction must carry: the sender's as proof 0, and a sponsor's as
/// proof 1.
fn required_signers(tx: &Transaction) -> Vec<RequiredSigner> {
    let mut v = vec![RequiredSigner {
        role: "sender",
        key: tx.sender,
        proof_index: 0,
    }];
    if let Some(key) = tx.sponsor {
        v.push(RequiredSigner {
            role: "sponsor",
            key,
            proof_index: 1,
        });
    }
    v
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
    for signer in required_signers(tx) {
        if keep(&signer.key) {
            signer
                .key
                .verify(body, &signature_at(tx, signer.proof_index).0)
                .map_err(|e| key_error(signer.role, e))?;
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
    verify_batch_of_bodies(
        txs.into_iter()
            .map(|tx| {
                let body = tx.body_bytes();
                (tx, body)
            })
            .collect(),
        ctx,
    )
}

/// [`verify_batch`] of transactions whose body bytes are already encoded.
fn verify_batch_of_bodies(
    txs: Vec<(Transaction, Vec<u8>)>,
    ctx: &ValidationContext,
) -> Vec<Result<VerifiedTx, ValidationError>> {
    struct Pending {
        tx: Transaction,
        body: Vec<u8>,
        fee: Amount,
    }
    let checked: Vec<Result<Pending, ValidationError>> = txs
        .into_iter()
        .map(|(tx, body)| {
            let fee = check_rules(&tx, ctx)?;
            // ECDSA signers have no batch form: they are checked here, one by one.
            verify_each(&tx, &body, |k| k.ed25519().is_none())?;
            Ok(Pending { tx, body, fee })
        })
        .collect();

    let mut items: Vec<(PublicKey, &[u8], Signature)> = Vec::new();
    for p in checked.iter().flatten() {
        for signer in required_signers(&p.tx) {
            if let Some(pk) = signer.key.ed25519() {
                items.push((
                    pk,
                    p.body.as_slice(),
                    signature_at(&p.tx, signer.proof_index),
                ));
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

/// Validates many transactions as [`verify_batch`] does, except that a transaction `known`
/// already holds verified (by id, and equal in every byte, proofs included) keeps its
/// signature checks: only its rules are checked again, against `ctx`. A node that admitted a
/// transaction to its pool thus does not verify it again when a peer's micro block brings it.
pub fn verify_batch_known<'k>(
    txs: Vec<Transaction>,
    ctx: &ValidationContext,
    known: impl Fn(&TxId) -> Option<&'k VerifiedTx>,
) -> Vec<Result<VerifiedTx, ValidationError>> {
    let mut out: Vec<Option<Result<VerifiedTx, ValidationError>>> = Vec::with_capacity(txs.len());
    let mut unknown = Vec::new();
    let mut unknown_at = Vec::new();
    for tx in txs {
        let body = tx.body_bytes();
        let id = TxId(crate::hash::blake2b256(&body));
        match known(&id) {
            Some(v) if v.tx == tx => {
                out.push(Some(check_rules(&tx, ctx).map(|fee_charged| VerifiedTx {
                    tx,
                    id,
                    fee_charged,
                })))
            }
            _ => {
                unknown_at.push(out.len());
                unknown.push((tx, body));
                out.push(None);
            }
        }
    }
    for (at, r) in unknown_at
        .into_iter()
        .zip(verify_batch_of_bodies(unknown, ctx))
    {
        if let Some(slot) = out.get_mut(at) {
            *slot = Some(r);
        }
    }
    // Every slot is filled: `verify_batch` answers once per input. An empty one would be
    // refused rather than trusted.
    out.into_iter()
        .map(|r| r.unwrap_or(Err(ValidationError::BadSignature { signer: "sender" })))
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

    #[test]
    fn known_transactions_keep_their_signature_check_only_when_equal() {
        let txs: Vec<Transaction> = (1..=6).map(|n| anchor(n, 100_000_000)).collect();
        let pool: std::collections::HashMap<TxId, VerifiedTx> = verify_batch(txs.clone(), &ctx())
            .into_iter()
            .map(|r| r.expect("valid"))
            .map(|v| (v.id(), v))
            .collect();
        let known = |id: &TxId| pool.get(id);
        assert_eq!(
            verify_batch_known(txs.clone(), &ctx(), known),
            verify_batch(txs.clone(), &ctx())
        );
        // The same id with a broken proof is not the transaction the pool verified: it is
        // verified, and refused.
        let mut forged = txs.clone();
        forged[2].proofs[0][5] ^= 1;
        assert_eq!(forged[2].id(), txs[2].id());
        let r = verify_batch_known(forged, &ctx(), known);
        assert_eq!(
            r[2],
            Err(ValidationError::BadSignature { signer: "sender" })
        );
        assert!(r.iter().enumerate().all(|(i, r)| i == 2 || r.is_ok()));
        // A known transaction's rules are checked again against the new context: too old for
        // a block three hours later.
        let later = ValidationContext::lto(ChainId::TESTNET, Timestamp(NOW.0 + 3 * 3_600_000));
        let r = verify_batch_known(txs.clone(), &later, known);
        assert_eq!(r, verify_batch(txs, &later));
        assert!(r.iter().all(Result::is_err));
    }
}
