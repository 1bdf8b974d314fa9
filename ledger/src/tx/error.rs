//! [`TxError`]: why bytes or JSON could not be decoded into a transaction.

use crate::address::AddressError;
use crate::keys::KeyError;
use thiserror::Error;

/// Why bytes or JSON could not be decoded into a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxError {
    /// The type id is not one this chain accepts.
    #[error("unsupported transaction type {type_id}")]
    UnknownType {
        /// The type id found.
        type_id: u8,
    },
    /// The version is not accepted for this type.
    #[error("unsupported version {version} of transaction type {type_id}")]
    UnsupportedVersion {
        /// The type id.
        type_id: u8,
        /// The version found.
        version: u8,
    },
    /// The input ended before a field was complete.
    #[error("input ends at byte {at}, {needed} more bytes needed")]
    Truncated {
        /// Offset where the missing field starts.
        at: usize,
        /// How many bytes were missing.
        needed: usize,
    },
    /// Bytes left over after a complete transaction.
    #[error("{count} unexpected trailing bytes")]
    TrailingBytes {
        /// How many bytes are left over.
        count: usize,
    },
    /// The input is longer than any transaction may be.
    #[error("transaction of {found} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The most allowed.
        max: usize,
        /// The size found.
        found: usize,
    },
    /// A field has the wrong length.
    #[error("field {field}: expected {expected} bytes, found {found}")]
    BadLength {
        /// The name of the offending field.
        field: &'static str,
        /// The length required.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A list or byte field is longer than allowed.
    #[error("field {field}: at most {max} allowed, found {found}")]
    TooLong {
        /// The name of the offending field.
        field: &'static str,
        /// The most allowed.
        max: usize,
        /// The size found.
        found: usize,
    },
    /// An amount, fee or timestamp is negative.
    #[error("field {field} is negative: {value}")]
    Negative {
        /// The name of the offending field.
        field: &'static str,
        /// The value found.
        value: i64,
    },
    /// A value does not fit its field.
    #[error("field {field} is out of range")]
    OutOfRange {
        /// The name of the offending field.
        field: &'static str,
    },
    /// A flag or tag byte has a value that means nothing.
    #[error("field {field}: invalid tag {value}")]
    BadTag {
        /// The name of the offending field.
        field: &'static str,
        /// The byte found.
        value: u8,
    },
    /// The key type byte is not one LTO defines, or the key type cannot sign.
    #[error("unsupported key type {0}")]
    UnsupportedKeyType(u8),
    /// A transaction below version 3 names a key that is not Ed25519.
    #[error("transaction version {version} supports only ed25519 keys")]
    KeyTypeNeedsV3 {
        /// The transaction's version.
        version: u8,
    },
    /// A recipient or sender address is invalid.
    #[error("invalid address: {0}")]
    Address(#[from] AddressError),
    /// A key could not be decoded.
    #[error("invalid key: {0}")]
    Key(#[from] KeyError),
    /// A text field is not valid Base58.
    #[error("field {field} is not valid base58")]
    BadBase58 {
        /// The name of the offending field.
        field: &'static str,
    },
    /// A text field is not valid base64.
    #[error("field {field} is not valid base64")]
    BadBase64 {
        /// The name of the offending field.
        field: &'static str,
    },
    /// A string is not UTF-8.
    #[error("field {field} is not valid UTF-8")]
    BadUtf8 {
        /// The name of the offending field.
        field: &'static str,
    },
    /// A JSON field the type needs is missing.
    #[error("missing field {0}")]
    MissingField(&'static str),
    /// A JSON field has the wrong type or form.
    #[error("field {field}: {reason}")]
    BadField {
        /// The name of the offending field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The input is not a JSON object.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// Two fields that must agree do not (e.g. `sender` and `senderPublicKey`).
    #[error("field {field} does not match {other}")]
    Mismatch {
        /// The field checked.
        field: &'static str,
        /// The field it must agree with.
        other: &'static str,
    },
    /// The transaction names another chain than this node's.
    #[error("transaction is for chain '{}', expected '{}'", *found as char, *expected as char)]
    WrongChain {
        /// This node's chain id.
        expected: u8,
        /// The chain id found.
        found: u8,
    },
    /// Two anchors or data keys in one transaction are equal.
    #[error("duplicate entry in {field}")]
    Duplicate {
        /// The name of the offending field.
        field: &'static str,
    },
}
