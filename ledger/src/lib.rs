//! The ledger of ltonode: keys and addresses, LTO-compatible transactions with their exact
//! bytes and JSON, stateless validation, blocks, the state transition, anchor Merkle trees
//! with receipts, and the `Store` that persists it all.
//!
//! This crate must never read a clock, draw randomness of its own or do network I/O: time is
//! an argument, and storage is behind the `Store` trait.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod address;
pub mod block;
pub mod chain;
pub mod genesis;
pub mod hash;
pub mod keys;
pub mod merkle;
pub mod receipt;
pub mod script;
pub mod state;
pub mod store;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod transparency;
pub mod tx;
pub mod units;

pub use address::{Address, AddressError, ChainId};
pub use hash::{Hash32, blake2b256, secure_hash, sha256};
pub use keys::{AccountKey, KeyError, KeyPair, KeyType, PublicKey, Signature};
pub use merkle::{
    AnchorProofs, AnchorRoots, AnchorTrees, MerkleError, MerkleProof, anchor_roots, merkle_root,
};
pub use store::{Column, MemStore, Snapshots, Store, StoreError, WriteBatch};
#[cfg(feature = "rocksdb")]
pub use store::{RocksConfig, RocksStore};
pub use tx::{
    Transaction, TxBody, TxError, TxId, TxType, ValidationContext, ValidationError, VerifiedTx,
};
pub use units::{Amount, Height, Timestamp};
