//! Anchor receipts: proof that a value was anchored at a height, checkable by anyone who
//! trusts one key-block header (whitepaper 16.1; docs/architecture.md).
//!
//! An anchor in block h is committed by the next key block `K_{h+1}`, whose header carries
//! the SHA-256 and Blake2b-256 roots of block h's anchors in order. A receipt holds the
//! anchor, its transaction id, its block height and position, its paths in both trees and
//! that header. Verifying needs nothing else: check the header is the trusted one (or
//! verify the header chain up to it), then both paths against its roots.
//!
//! Canonical JSON:
//! ```json
//! {"anchor": hex, "txId": base58, "height": h, "position": i,
//!  "proofs": {"sha256": {...}, "blake2b": {...}},
//!  "header": hex of K_{h+1}'s 357 header bytes, "headerId": base58}
//! ```

use crate::block::{BlockError, KeyBlockHeader};
use crate::merkle::{AnchorProofs, MerkleError};
use crate::tx::TxId;
use crate::units::Height;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a receipt does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptError {
    /// The receipt's header is not the trusted header.
    #[error("receipt header {found} is not the trusted header {expected}")]
    UntrustedHeader {
        /// The trusted header's id.
        expected: String,
        /// The receipt header's id.
        found: String,
    },
    /// The header is not the key block right after the anchor's block.
    #[error("header at height {header} cannot commit block {anchored}")]
    WrongHeight {
        /// The header's height.
        header: u32,
        /// The anchor's block height.
        anchored: u32,
    },
    /// A Merkle path does not lead to the header's root.
    #[error("merkle proof: {0}")]
    Merkle(#[from] MerkleError),
    /// The path's position is not the receipt's.
    #[error("proof position {found} does not match receipt position {expected}")]
    Position {
        /// The receipt's position.
        expected: u32,
        /// The proof's position.
        found: u64,
    },
    /// The header is malformed or its signature does not verify.
    #[error("header: {0}")]
    Header(#[from] BlockError),
    /// The JSON form is malformed.
    #[error("malformed receipt: {0}")]
    Malformed(String),
}

/// A receipt for one anchored value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorReceipt {
    /// The anchored bytes.
    pub anchor: Vec<u8>,
    /// The anchor (or mapped anchor) transaction.
    pub tx_id: TxId,
    /// The height of the block holding the transaction.
    pub height: Height,
    /// The position of the anchor among the block's anchors.
    pub position: u32,
    /// Paths in both trees.
    pub proofs: AnchorProofs,
    /// The key block header `K_{height+1}` that commits the roots.
    pub header: KeyBlockHeader,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReceiptJson {
    anchor: String,
    tx_id: String,
    height: u32,
    position: u32,
    proofs: AnchorProofs,
    header: String,
    header_id: String,
}

impl AnchorReceipt {
    /// Checks the receipt against a header the verifier trusts (from its own chain, an
    /// exported header file, or a node it trusts).
    pub fn verify(&self, trusted: &KeyBlockHeader) -> Result<(), ReceiptError> {
        if self.header != *trusted {
            return Err(ReceiptError::UntrustedHeader {
                expected: trusted.id().to_base58(),
                found: self.header.id().to_base58(),
            });
        }
        self.verify_paths()
    }

    /// Checks the header's signature, height and both Merkle paths, trusting no one for the
    /// paths but taking the header's generator on faith (use [`AnchorReceipt::verify`] with a
    /// trusted header to close that gap).
    pub fn verify_paths(&self) -> Result<(), ReceiptError> {
        self.header.verify_signature()?;
        if self.header.height.0 != self.height.0.saturating_add(1) {
            return Err(ReceiptError::WrongHeight {
                header: self.header.height.0,
                anchored: self.height.0,
            });
        }
        if self.proofs.sha256.index != u64::from(self.position) {
            return Err(ReceiptError::Position {
                expected: self.position,
                found: self.proofs.sha256.index,
            });
        }
        self.proofs
            .verify(&self.header.commitments.anchors, &self.anchor)?;
        Ok(())
    }

    /// The canonical JSON form.
    pub fn to_json(&self) -> serde_json::Value {
        let j = ReceiptJson {
            anchor: hex::encode(&self.anchor),
            tx_id: self.tx_id.to_base58(),
            height: self.height.0,
            position: self.position,
            proofs: self.proofs.clone(),
            header: hex::encode(self.header.to_bytes()),
            header_id: self.header.id().to_base58(),
        };
        serde_json::to_value(j).unwrap_or(serde_json::Value::Null)
    }

    /// Reads the canonical JSON form (the header id must match the header bytes).
    pub fn from_json(v: &serde_json::Value) -> Result<AnchorReceipt, ReceiptError> {
        let bad = |m: &str| ReceiptError::Malformed(m.to_string());
        let j: ReceiptJson = serde_json::from_value(v.clone())
            .map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        let anchor = hex::decode(&j.anchor).map_err(|_| bad("anchor is not hex"))?;
        let tx_id = TxId::from_base58(&j.tx_id).map_err(|_| bad("txId"))?;
        let header_bytes = hex::decode(&j.header).map_err(|_| bad("header is not hex"))?;
        let header = KeyBlockHeader::from_bytes(&header_bytes)?;
        if header.id().to_base58() != j.header_id {
            return Err(bad("headerId does not match header"));
        }
        Ok(AnchorReceipt {
            anchor,
            tx_id,
            height: Height(j.height),
            position: j.position,
            proofs: j.proofs,
            header,
        })
    }
}
