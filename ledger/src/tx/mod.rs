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
mod error;
pub mod fee;
mod id;
pub mod json;
pub mod limits;
mod tx_type;
pub mod validate;

use crate::address::{Address, ChainId};
use crate::hash::blake2b256;
use crate::keys::{AccountKey, KeyType};
use crate::units::{Amount, Timestamp};

pub use error::TxError;
pub use id::TxId;
pub use tx_type::TxType;
pub use validate::{FeeSchedule, ValidationContext, ValidationError, VerifiedTx};

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
    /// The typed value.
    pub value: DataValue,
}

/// The type-specific part of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxBody {
    /// Genesis: mints `amount` to `recipient`.
    Genesis {
        /// Who receives the tokens.
        recipient: Address,
        /// The amount minted.
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
    /// Anchors values (usually hashes of documents) on the chain, without a meaning of their own.
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
        /// Typed entries attached to the statement.
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
    /// LTO's genesis transaction funding `recipient` with `amount` (type 1, version 1, zero
    /// sender key, no fee, no proofs) at the genesis timestamp.
    pub fn genesis(
        chain_id: ChainId,
        timestamp: Timestamp,
        recipient: Address,
        amount: Amount,
    ) -> Transaction {
        Transaction {
            version: 1,
            chain_id,
            timestamp,
            sender: crate::keys::PublicKey([0; 32]).into(),
            fee: Amount::ZERO,
            sponsor: None,
            proofs: Vec::new(),
            body: TxBody::Genesis { recipient, amount },
        }
    }

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
