//! LTO-compatible transactions: the types this chain accepts, their body bytes (what is
//! signed and hashed), wire bytes (what blocks and peers carry) and JSON
//! (LTO's node).
//!
//! A [`Transaction`] is what a client sent, decoded but not yet checked: it may carry a bad
//! signature or a fee below the schedule. Only [`validate::verify`] turns it into a
//! [`VerifiedTx`], and only verified transactions can reach the state transition.
//!
//! The transaction id is Blake2b-256 of the body bytes for every type. LTO gives genesis
//! transactions a 64-byte pseudo-signature as id instead; this chain has its own genesis, so
//! it uses the same rule for all types (one id width everywhere).

pub mod codec;
pub mod fee;
pub mod json;
pub mod validate;

use crate::address::{Address, AddressError, ChainId};
use crate::hash::{Hash32, blake2b256};
use crate::keys::{AccountKey, KeyError, KeyType};
use crate::units::{Amount, Timestamp};
use std::fmt;
use thiserror::Error;

pub use validate::{FeeSchedule, ValidationContext, ValidationError, VerifiedTx};

/// Limits on the size of transaction fields. LTO's values, except where noted.
pub mod limits {
    /// Most anchors in one anchor transaction.
    pub const MAX_ANCHORS: usize = 100;
    /// Longest anchor (this node: 100 bytes; LTO's node allows 80, so every LTO
    /// anchor is accepted here too).
    pub const MAX_ANCHOR_LEN: usize = 100;
    /// Most key/value pairs in a mapped anchor transaction.
    pub const MAX_MAPPED_ANCHORS: usize = 100;
    /// Longest key or value of a mapped anchor.
    pub const MAX_MAPPED_ANCHOR_LEN: usize = 100;
    /// Most recipients of a mass transfer.
    pub const MAX_TRANSFERS: usize = 100;
    /// Longest transfer attachment.
    pub const MAX_ATTACHMENT_LEN: usize = 140;
    /// Longest association subject (LTO after Titanium).
    pub const MAX_SUBJECT_LEN: usize = 256;
    /// Most data entries on a data transaction, association or statement.
    pub const MAX_DATA_ENTRIES: usize = 100;
    /// Most bytes of all data entries of one data transaction or association together.
    pub const MAX_DATA_BYTES: usize = 10 * 1024;
    /// Most bytes of all data entries of one statement together (LTO: 150 KiB, bounded here
    /// by the transaction size limit).
    pub const MAX_STATEMENT_DATA_BYTES: usize = 60 * 1024;
    /// Most keys one register transaction lists.
    pub const MAX_REGISTER_KEYS: usize = 100;
    /// Longest DER certificate of a certificate transaction.
    pub const MAX_CERTIFICATE_LEN: usize = 10 * 1024;
    /// Longest data entry key, in bytes.
    pub const MAX_DATA_KEY_LEN: usize = 100;
    /// Longest data entry value, in bytes.
    pub const MAX_DATA_VALUE_LEN: usize = 1024;
    /// Longest account script (this chain's predicate language, not RIDE).
    pub const MAX_SCRIPT_LEN: usize = 8 * 1024;
    /// Most proofs on one transaction.
    pub const MAX_PROOFS: usize = 8;
    /// Longest proof.
    pub const MAX_PROOF_LEN: usize = 64;
    /// Longest wire encoding of a transaction accepted by any decoder.
    pub const MAX_TX_BYTES: usize = 64 * 1024;
}

/// The transaction types of this chain, with LTO's type ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum TxType {
    /// Initial distribution, only in the genesis block.
    Genesis = 1,
    /// Payment to one recipient.
    Transfer = 4,
    /// Lease (stake) to a generator.
    Lease = 8,
    /// Cancel of an earlier lease.
    CancelLease = 9,
    /// Payment to up to 100 recipients.
    MassTransfer = 11,
    /// Sets or removes the account script.
    SetScript = 13,
    /// Anchors up to 100 hashes.
    Anchor = 15,
    /// Issues (or extends) an association, the whitepaper's certificate.
    IssueAssociation = 16,
    /// Revokes an association.
    RevokeAssociation = 17,
    /// Sets key/value data entries on the sender's account.
    Data = 12,
    /// Sponsors another account: pays the fees of its transactions.
    Sponsorship = 18,
    /// Ends a sponsorship.
    CancelSponsorship = 19,
    /// Registers public keys (of any key type) under the sender.
    Register = 20,
    /// Destroys tokens: the amount leaves the supply.
    Burn = 21,
    /// Anchors key/value pairs.
    MappedAnchor = 22,
    /// A typed statement about the sender or another account, with data entries.
    Statement = 23,
    /// Attaches an X.509 certificate of the sender's key to its account (or clears it).
    Certificate = 24,
}

impl TxType {
    /// The type for an id, or an error naming the id.
    pub fn from_id(id: u8) -> Result<TxType, TxError> {
        Ok(match id {
            1 => TxType::Genesis,
            4 => TxType::Transfer,
            8 => TxType::Lease,
            9 => TxType::CancelLease,
            11 => TxType::MassTransfer,
            13 => TxType::SetScript,
            15 => TxType::Anchor,
            16 => TxType::IssueAssociation,
            17 => TxType::RevokeAssociation,
            12 => TxType::Data,
            18 => TxType::Sponsorship,
            19 => TxType::CancelSponsorship,
            20 => TxType::Register,
            21 => TxType::Burn,
            22 => TxType::MappedAnchor,
            23 => TxType::Statement,
            24 => TxType::Certificate,
            other => return Err(TxError::UnknownType { type_id: other }),
        })
    }

    /// LTO's type id.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The versions of this type that are accepted, oldest first.
    pub fn versions(self) -> &'static [u8] {
        match self {
            TxType::Genesis => &[1],
            TxType::Transfer | TxType::Lease | TxType::CancelLease => &[1, 2, 3],
            TxType::MassTransfer
            | TxType::SetScript
            | TxType::Anchor
            | TxType::Sponsorship
            | TxType::CancelSponsorship => &[1, 3],
            TxType::IssueAssociation | TxType::RevokeAssociation => &[1, 3, 4],
            // Data v1 was disabled on LTO when smart accounts arrived; no client builds it.
            TxType::Data
            | TxType::Register
            | TxType::Burn
            | TxType::MappedAnchor
            | TxType::Statement
            | TxType::Certificate => &[3],
        }
    }

    /// The newest version, used when JSON input names none.
    pub fn latest_version(self) -> u8 {
        self.versions().last().copied().unwrap_or(1)
    }

    /// Whether `version` is accepted for this type.
    pub fn check_version(self, version: u8) -> Result<(), TxError> {
        if self.versions().contains(&version) {
            Ok(())
        } else {
            Err(TxError::UnsupportedVersion {
                type_id: self.id(),
                version,
            })
        }
    }

    /// LTO's name of the type, as used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            TxType::Genesis => "genesis",
            TxType::Transfer => "transfer",
            TxType::Lease => "lease",
            TxType::CancelLease => "cancel lease",
            TxType::MassTransfer => "mass transfer",
            TxType::SetScript => "set script",
            TxType::Anchor => "anchor",
            TxType::IssueAssociation => "issue association",
            TxType::RevokeAssociation => "revoke association",
            TxType::MappedAnchor => "mapped anchor",
            TxType::Data => "data",
            TxType::Sponsorship => "sponsorship",
            TxType::CancelSponsorship => "cancel sponsorship",
            TxType::Register => "register",
            TxType::Burn => "burn",
            TxType::Statement => "statement",
            TxType::Certificate => "certificate",
        }
    }
}

/// A 32-byte transaction id: Blake2b-256 of the body bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TxId(pub Hash32);

impl TxId {
    /// The Base58 text of the id.
    pub fn to_base58(&self) -> String {
        bs58::encode(self.0).into_string()
    }

    /// An id from Base58 text.
    pub fn from_base58(s: &str) -> Result<TxId, TxError> {
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|_| TxError::BadBase58 { field: "id" })?;
        let arr: Hash32 = bytes
            .as_slice()
            .try_into()
            .map_err(|_| TxError::BadLength {
                field: "id",
                expected: 32,
                found: bytes.len(),
            })?;
        Ok(TxId(arr))
    }
}

impl fmt::Debug for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TxId({})", self.to_base58())
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}

/// The value of a data entry (data transactions, associations v4 and statements).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataValue {
    /// `integer`: a signed 64-bit number.
    Integer(i64),
    /// `boolean`.
    Boolean(bool),
    /// `binary`: raw bytes (`"base64:..."` in JSON).
    Binary(Vec<u8>),
    /// `string`: UTF-8 text.
    String(String),
}

/// A typed key/value entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataEntry {
    /// The key, non-empty UTF-8.
    pub key: String,
    /// The value.
    pub value: DataValue,
}

/// The type-specific part of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxBody {
    /// Genesis: mints `amount` to `recipient`.
    Genesis {
        /// Who receives the tokens.
        recipient: Address,
        /// How many.
        amount: Amount,
    },
    /// Transfer of `amount` to `recipient`.
    Transfer {
        /// Who receives the tokens.
        recipient: Address,
        /// How many (> 0).
        amount: Amount,
        /// Free bytes, at most 140.
        attachment: Vec<u8>,
    },
    /// Lease of `amount` to the generator `recipient`.
    Lease {
        /// The generator leased to.
        recipient: Address,
        /// How many (> 0).
        amount: Amount,
    },
    /// Cancel of the lease with id `lease_id`.
    CancelLease {
        /// The id of the lease transaction.
        lease_id: TxId,
    },
    /// Transfers to many recipients.
    MassTransfer {
        /// `(recipient, amount)` pairs; amounts may be zero.
        transfers: Vec<(Address, Amount)>,
        /// Free bytes, at most 140.
        attachment: Vec<u8>,
    },
    /// Sets the account script, or removes it when `None`.
    SetScript {
        /// The script bytes.
        script: Option<Vec<u8>>,
    },
    /// Anchors hashes.
    Anchor {
        /// The anchored values, in order.
        anchors: Vec<Vec<u8>>,
    },
    /// Issues an association from the sender to `recipient`.
    IssueAssociation {
        /// The association type (i32 before v4, i64 from v4).
        association_type: i64,
        /// The other party.
        recipient: Address,
        /// Expiry time in ms, if any (v3 and later).
        expires: Option<Timestamp>,
        /// What the association is about, if anything.
        subject: Option<Vec<u8>>,
        /// Data entries (v4).
        data: Vec<DataEntry>,
    },
    /// Revokes an association.
    RevokeAssociation {
        /// The association type.
        association_type: i64,
        /// The other party.
        recipient: Address,
        /// The subject of the association revoked, if any.
        subject: Option<Vec<u8>>,
    },
    /// Anchors key/value pairs, in the order given.
    MappedAnchor {
        /// `(key, value)` pairs.
        anchors: Vec<(Vec<u8>, Vec<u8>)>,
    },
    /// Sets data entries on the sender's account (a later entry of a key replaces it).
    Data {
        /// The entries, keys unique within the transaction.
        data: Vec<DataEntry>,
    },
    /// The sender starts paying the fees of `recipient`'s transactions.
    Sponsorship {
        /// The sponsored account.
        recipient: Address,
    },
    /// The sender stops sponsoring `recipient`.
    CancelSponsorship {
        /// The account no longer sponsored.
        recipient: Address,
    },
    /// Registers public keys under the sender (LTO keeps no state for it beyond the
    /// transaction; this node indexes the keys to their addresses).
    Register {
        /// The keys, no two alike.
        keys: Vec<RegisteredKey>,
    },
    /// Destroys `amount` of the sender's tokens.
    Burn {
        /// How many (> 0).
        amount: Amount,
    },
    /// A typed claim, optionally about another account and a subject.
    Statement {
        /// The statement type.
        statement_type: i64,
        /// The account the statement is about, if any.
        recipient: Option<Address>,
        /// What the statement is about, if anything.
        subject: Option<Vec<u8>>,
        /// Data entries.
        data: Vec<DataEntry>,
    },
    /// Attaches a DER X.509 certificate of the sender's key, or removes it when `None`.
    Certificate {
        /// The DER bytes.
        certificate: Option<Vec<u8>>,
    },
}

/// A public key listed by a register transaction: any key type, including BLS12-381 keys that
/// cannot sign transactions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegisteredKey {
    /// The key type.
    pub key_type: KeyType,
    /// The key's bytes (the type's length).
    pub public_key: Vec<u8>,
}

impl TxBody {
    /// The type of this body.
    pub fn tx_type(&self) -> TxType {
        match self {
            TxBody::Genesis { .. } => TxType::Genesis,
            TxBody::Transfer { .. } => TxType::Transfer,
            TxBody::Lease { .. } => TxType::Lease,
            TxBody::CancelLease { .. } => TxType::CancelLease,
            TxBody::MassTransfer { .. } => TxType::MassTransfer,
            TxBody::SetScript { .. } => TxType::SetScript,
            TxBody::Anchor { .. } => TxType::Anchor,
            TxBody::IssueAssociation { .. } => TxType::IssueAssociation,
            TxBody::RevokeAssociation { .. } => TxType::RevokeAssociation,
            TxBody::MappedAnchor { .. } => TxType::MappedAnchor,
            TxBody::Data { .. } => TxType::Data,
            TxBody::Sponsorship { .. } => TxType::Sponsorship,
            TxBody::CancelSponsorship { .. } => TxType::CancelSponsorship,
            TxBody::Register { .. } => TxType::Register,
            TxBody::Burn { .. } => TxType::Burn,
            TxBody::Statement { .. } => TxType::Statement,
            TxBody::Certificate { .. } => TxType::Certificate,
        }
    }
}

/// A decoded transaction, signed or not, not yet validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// The transaction version (see [`TxType::versions`]).
    pub version: u8,
    /// The chain the transaction is for. Versions without a chain byte take the chain of
    /// the node that decodes them.
    pub chain_id: ChainId,
    /// Milliseconds since the Unix epoch.
    pub timestamp: Timestamp,
    /// The sender's key (an all-zero Ed25519 key for genesis). Before version 3 only
    /// Ed25519 keys can be written.
    pub sender: AccountKey,
    /// The fee offered; the fee charged is the schedule's (it acts as a maximum).
    pub fee: Amount,
    /// The sponsor paying the fee, if any (v3 and later).
    pub sponsor: Option<AccountKey>,
    /// Signatures over the body bytes: the sender's first, then the sponsor's.
    pub proofs: Vec<Vec<u8>>,
    /// The type-specific fields.
    pub body: TxBody,
}

impl Transaction {
    /// The transaction type.
    pub fn tx_type(&self) -> TxType {
        self.body.tx_type()
    }

    /// The bytes that are signed and hashed.
    pub fn body_bytes(&self) -> Vec<u8> {
        codec::encode_body(self)
    }

    /// The id: Blake2b-256 of the body bytes.
    pub fn id(&self) -> TxId {
        TxId(blake2b256(&self.body_bytes()))
    }

    /// The wire bytes, as carried in blocks and between peers.
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode_wire(self)
    }

    /// Decodes wire bytes; versions without a chain byte get `chain`.
    pub fn from_bytes(bytes: &[u8], chain: ChainId) -> Result<Transaction, TxError> {
        codec::decode_wire(bytes, chain)
    }

    /// The sender's address on this transaction's chain.
    pub fn sender_address(&self) -> Address {
        Address::from_account_key(self.chain_id, &self.sender)
    }

    /// The sponsor's address, if sponsored.
    pub fn sponsor_address(&self) -> Option<Address> {
        self.sponsor
            .map(|pk| Address::from_account_key(self.chain_id, &pk))
    }

    /// The account that pays the fee: the sponsor if any, else the sender.
    pub fn fee_payer(&self) -> Address {
        self.sponsor_address()
            .unwrap_or_else(|| self.sender_address())
    }

    /// Signs the body with `key` and appends the proof (for wallets, tests and the forger).
    pub fn sign_with(&mut self, key: &crate::keys::KeyPair) {
        let sig = key.sign(&self.body_bytes());
        self.proofs.push(sig.0.to_vec());
    }
}

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
        /// How many.
        count: usize,
    },
    /// The input is longer than any transaction may be.
    #[error("transaction of {found} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The limit.
        max: usize,
        /// The size found.
        found: usize,
    },
    /// A field has the wrong length.
    #[error("field {field}: expected {expected} bytes, found {found}")]
    BadLength {
        /// The field.
        field: &'static str,
        /// The length required.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A list or byte field is longer than allowed.
    #[error("field {field}: at most {max} allowed, found {found}")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The limit.
        max: usize,
        /// The size found.
        found: usize,
    },
    /// An amount, fee or timestamp is negative.
    #[error("field {field} is negative: {value}")]
    Negative {
        /// The field.
        field: &'static str,
        /// The value found.
        value: i64,
    },
    /// A value does not fit its field.
    #[error("field {field} is out of range")]
    OutOfRange {
        /// The field.
        field: &'static str,
    },
    /// A flag or tag byte has a value that means nothing.
    #[error("field {field}: invalid tag {value}")]
    BadTag {
        /// The field.
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
        /// The version.
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
        /// The field.
        field: &'static str,
    },
    /// A text field is not valid base64.
    #[error("field {field} is not valid base64")]
    BadBase64 {
        /// The field.
        field: &'static str,
    },
    /// A string is not UTF-8.
    #[error("field {field} is not valid UTF-8")]
    BadUtf8 {
        /// The field.
        field: &'static str,
    },
    /// A JSON field the type needs is missing.
    #[error("missing field {0}")]
    MissingField(&'static str),
    /// A JSON field has the wrong type or form.
    #[error("field {field}: {reason}")]
    BadField {
        /// The field.
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
        /// The field.
        field: &'static str,
    },
}
