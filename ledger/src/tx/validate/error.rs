//! [`ValidationError`]: why a transaction failed stateless validation.

use thiserror::Error;

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
        /// The length found.
        found: usize,
    },
    /// Too many proofs, or a second proof on a type that takes one signature.
    #[error("at most {max} proofs allowed, found {found}")]
    TooManyProofs {
        /// The most allowed.
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
        /// The name of the offending field.
        field: &'static str,
    },
    /// A sum of amounts overflows LTO's 64-bit signed range.
    #[error("{field} overflows")]
    Overflow {
        /// The name of the offending field.
        field: &'static str,
    },
    /// A list or field exceeds its limit.
    #[error("{field}: at most {max} allowed, found {found}")]
    TooLong {
        /// The name of the offending field.
        field: &'static str,
        /// The most allowed.
        max: usize,
        /// The size found.
        found: usize,
    },
    /// Two anchors or data keys of one transaction are equal.
    #[error("duplicate entry in {field}")]
    Duplicate {
        /// The name of the offending field.
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
        /// What is wrong.
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
        /// The name of the offending field.
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
        /// The most allowed.
        max: usize,
        /// The length found.
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
        /// What is wrong.
        reason: &'static str,
    },
}
