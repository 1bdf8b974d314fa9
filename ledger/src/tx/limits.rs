//! Limits on the size of transaction fields. LTO's values, except where noted.

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
