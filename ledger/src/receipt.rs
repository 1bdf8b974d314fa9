//! Anchor receipts (version 2): proof that a transaction anchored a value at a position of a
//! block, checkable by anyone who trusts one key-block id, however much later that block is
//! (docs/receipts.md is the specification; `verifiers/` holds Python and JavaScript ones).
//!
//! An anchor of block h is committed by the next key block `K_{h+1}`, whose header carries
//! the SHA-256 and Blake2b-256 roots of block h's anchor leaves (`tx id ‖ anchor`). A
//! receipt holds the anchor, its transaction id, its position, both paths and that header;
//! anchored to a later key block `K_t`, it also holds `K_t`'s header and the path of
//! `K_{h+1}`'s id in the history tree whose root `K_t` commits. Checking it is hashing only:
//! no signature, no header chain, no node.

use crate::block::{BlockError, BlockId, KeyBlockHeader, anchor_leaf};
use crate::hash::{Hash32, blake2b256};
use crate::merkle::{AnchorProofs, Blake2bHasher, MerkleError, MerkleProof, Sha256Hasher};
use crate::tx::TxId;
use crate::units::Height;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The receipt format version.
pub const RECEIPT_VERSION: u32 = 2;

/// Why a receipt does not hold; [`ReceiptError::part`] names the part that failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptError {
    /// The JSON is not a version-2 receipt (a missing, unknown or malformed field).
    #[error("format: {0}")]
    Format(String),
    /// The committing header does not decode.
    #[error("header: {0}")]
    Header(BlockError),
    /// The committing header is not the key block right after the anchor's block.
    #[error("header: at height {found}, but block {anchored} is committed by the key block at {}", .anchored.saturating_add(1))]
    HeaderHeight {
        /// The header's height.
        found: u32,
        /// The anchor's block height.
        anchored: u32,
    },
    /// The SHA-256 anchor path does not lead to the header's root.
    #[error("sha256 path: {0}")]
    Sha256Path(MerkleError),
    /// The Blake2b-256 anchor path does not lead to the header's root.
    #[error("blake2b path: {0}")]
    Blake2bPath(MerkleError),
    /// The later header does not decode, is not later, or is not the block named.
    #[error("anchoredTo header: {0}")]
    AnchoredToHeader(String),
    /// The history path does not lead from the committing header to the later one's root.
    #[error("history path: {0}")]
    HistoryPath(MerkleError),
    /// The receipt leads to another block than the trusted one.
    #[error("trusted block: the receipt is anchored to {found}, not to the trusted {expected}")]
    TrustedBlock {
        /// The trusted block id.
        expected: String,
        /// The block the receipt leads to.
        found: String,
    },
}

impl ReceiptError {
    /// The part of the receipt that failed, as docs/receipts.md names it.
    pub fn part(&self) -> &'static str {
        match self {
            ReceiptError::Format(_) => "format",
            ReceiptError::Header(_) | ReceiptError::HeaderHeight { .. } => "header",
            ReceiptError::Sha256Path(_) => "sha256 path",
            ReceiptError::Blake2bPath(_) => "blake2b path",
            ReceiptError::AnchoredToHeader(_) => "anchoredTo header",
            ReceiptError::HistoryPath(_) => "history path",
            ReceiptError::TrustedBlock { .. } => "trusted block",
        }
    }
}

/// The link from the committing header to a later key block `K_t`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchoredTo {
    /// `K_t`'s header.
    pub header: KeyBlockHeader,
    /// The path of the committing header's id (leaf `height`) in `K_t`'s history tree of
    /// `t - 1` leaves.
    pub path: MerkleProof,
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
    /// Paths in both anchor trees (their index is the anchor's position, their leaf count the
    /// block's anchor count).
    pub proofs: AnchorProofs,
    /// The key block header `K_{height+1}` that commits the anchor roots.
    pub header: KeyBlockHeader,
    /// The link to a later key block, or `None` when the receipt is anchored to `header`.
    pub anchored_to: Option<AnchoredTo>,
}

/// What a valid receipt proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The anchored bytes.
    pub anchor: Vec<u8>,
    /// The transaction that anchored them.
    pub tx_id: TxId,
    /// Its block's height.
    pub height: Height,
    /// The anchor's position among the block's anchors.
    pub position: u64,
    /// The block's anchor count.
    pub anchor_count: u64,
    /// The trusted block the receipt leads to.
    pub block_id: BlockId,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AnchoredToJson {
    block_id: String,
    header: String,
    path: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReceiptJson {
    version: u32,
    anchor: String,
    tx_id: String,
    height: u32,
    position: u64,
    anchor_count: u64,
    sha256: Vec<String>,
    blake2b: Vec<String>,
    header: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anchored_to: Option<AnchoredToJson>,
}

fn b64_hashes(hashes: &[Hash32]) -> Vec<String> {
    hashes.iter().map(|h| B64.encode(h)).collect()
}

fn hashes_from_b64(list: &[String], what: &str) -> Result<Vec<Hash32>, ReceiptError> {
    list.iter()
        .map(|s| {
            B64.decode(s)
                .ok()
                .and_then(|b| <Hash32>::try_from(b.as_slice()).ok())
                .ok_or_else(|| ReceiptError::Format(format!("{what}: not a base64 32-byte hash")))
        })
        .collect()
}

impl AnchorReceipt {
    /// The block this receipt leads to: the later key block if anchored to one, otherwise
    /// the committing one.
    pub fn block_header(&self) -> &KeyBlockHeader {
        self.anchored_to
            .as_ref()
            .map_or(&self.header, |a| &a.header)
    }

    /// Checks the receipt against the id of a key block the verifier trusts (from its own
    /// chain, a node it trusts, or a published checkpoint).
    pub fn verify(&self, trusted: &BlockId) -> Result<VerifiedReceipt, ReceiptError> {
        let anchored = self.height.0;
        if self.header.height.0 != anchored.saturating_add(1) {
            return Err(ReceiptError::HeaderHeight {
                found: self.header.height.0,
                anchored,
            });
        }
        let (s, b) = (&self.proofs.sha256, &self.proofs.blake2b);
        if (s.index, s.leaf_count) != (b.index, b.leaf_count) {
            return Err(ReceiptError::Format(
                "the two anchor paths are for different positions".into(),
            ));
        }
        let leaf = anchor_leaf(&self.tx_id, &self.anchor);
        let roots = &self.header.commitments.anchors;
        s.verify::<Sha256Hasher>(&roots.sha256, &leaf)
            .map_err(ReceiptError::Sha256Path)?;
        b.verify::<Blake2bHasher>(&roots.blake2b, &leaf)
            .map_err(ReceiptError::Blake2bPath)?;
        let committing_id = self.header.id();
        let block_id = match &self.anchored_to {
            None => committing_id,
            Some(a) => {
                let t = a.header.height.0;
                if t < anchored.saturating_add(2) {
                    return Err(ReceiptError::AnchoredToHeader(format!(
                        "height {t} is not after the committing key block {}",
                        self.header.height.0
                    )));
                }
                let (index, count) = (u64::from(anchored), u64::from(t.saturating_sub(1)));
                if (a.path.index, a.path.leaf_count) != (index, count) {
                    return Err(ReceiptError::HistoryPath(MerkleError::IndexOutOfRange {
                        index: a.path.index,
                        leaf_count: a.path.leaf_count,
                    }));
                }
                a.path
                    .verify::<Sha256Hasher>(&a.header.commitments.history_root, &committing_id.0)
                    .map_err(ReceiptError::HistoryPath)?;
                a.header.id()
            }
        };
        if block_id != *trusted {
            return Err(ReceiptError::TrustedBlock {
                expected: trusted.to_base58(),
                found: block_id.to_base58(),
            });
        }
        Ok(VerifiedReceipt {
            anchor: self.anchor.clone(),
            tx_id: self.tx_id,
            height: self.height,
            position: s.index,
            anchor_count: s.leaf_count,
            block_id,
        })
    }

    /// The canonical JSON form (docs/receipts.md).
    pub fn to_json(&self) -> serde_json::Value {
        let j = ReceiptJson {
            version: RECEIPT_VERSION,
            anchor: hex::encode(&self.anchor),
            tx_id: self.tx_id.to_base58(),
            height: self.height.0,
            position: self.proofs.sha256.index,
            anchor_count: self.proofs.sha256.leaf_count,
            sha256: b64_hashes(&self.proofs.sha256.siblings),
            blake2b: b64_hashes(&self.proofs.blake2b.siblings),
            header: B64.encode(self.header.to_bytes()),
            anchored_to: self.anchored_to.as_ref().map(|a| AnchoredToJson {
                block_id: a.header.id().to_base58(),
                header: B64.encode(a.header.to_bytes()),
                path: b64_hashes(&a.path.siblings),
            }),
        };
        serde_json::to_value(j).unwrap_or(serde_json::Value::Null)
    }

    /// Reads the canonical JSON form. Decoding checks the form only (field types, hex,
    /// base64, header layout, `anchoredTo.blockId` against its header); [`Self::verify`]
    /// checks the proofs.
    pub fn from_json(v: &serde_json::Value) -> Result<AnchorReceipt, ReceiptError> {
        let bad = |m: &str| ReceiptError::Format(m.to_string());
        // An object only: serde would also read the struct from an array of its fields.
        if !v.is_object()
            || v.get("anchoredTo")
                .is_some_and(|a| !a.is_object() && !a.is_null())
        {
            return Err(bad("a receipt is a JSON object"));
        }
        let j = ReceiptJson::deserialize(v).map_err(|e| ReceiptError::Format(e.to_string()))?;
        if j.version != RECEIPT_VERSION {
            return Err(ReceiptError::Format(format!(
                "version {} (this verifier reads version {RECEIPT_VERSION})",
                j.version
            )));
        }
        let anchor = hex::decode(&j.anchor).map_err(|_| bad("anchor is not hex"))?;
        let tx_id = TxId::from_base58(&j.tx_id).map_err(|_| bad("txId is not a base58 id"))?;
        let header_bytes = B64
            .decode(&j.header)
            .map_err(|_| bad("header is not base64"))?;
        let header = KeyBlockHeader::from_bytes(&header_bytes).map_err(ReceiptError::Header)?;
        let proof = |siblings| MerkleProof {
            index: j.position,
            leaf_count: j.anchor_count,
            siblings,
        };
        let proofs = AnchorProofs {
            sha256: proof(hashes_from_b64(&j.sha256, "sha256")?),
            blake2b: proof(hashes_from_b64(&j.blake2b, "blake2b")?),
        };
        let anchored_to = match &j.anchored_to {
            None => None,
            Some(a) => {
                let bytes = B64
                    .decode(&a.header)
                    .map_err(|_| bad("anchoredTo.header is not base64"))?;
                let later = KeyBlockHeader::from_bytes(&bytes)
                    .map_err(|e| ReceiptError::AnchoredToHeader(e.to_string()))?;
                if later.id().to_base58() != a.block_id {
                    return Err(ReceiptError::AnchoredToHeader(
                        "blockId is not the id of the header".into(),
                    ));
                }
                Some(AnchoredTo {
                    path: MerkleProof {
                        index: u64::from(j.height),
                        leaf_count: u64::from(later.height.0.saturating_sub(1)),
                        siblings: hashes_from_b64(&a.path, "anchoredTo.path")?,
                    },
                    header: later,
                })
            }
        };
        Ok(AnchorReceipt {
            anchor,
            tx_id,
            height: Height(j.height),
            proofs,
            header,
            anchored_to,
        })
    }

    /// Reads a receipt from JSON text (and verifies nothing).
    pub fn from_json_text(text: &[u8]) -> Result<AnchorReceipt, ReceiptError> {
        let v: serde_json::Value =
            serde_json::from_slice(text).map_err(|e| ReceiptError::Format(e.to_string()))?;
        Self::from_json(&v)
    }
}

/// The id of a header given as bytes: Blake2b-256 of them, once they decode as a header.
pub fn header_id(bytes: &[u8]) -> Result<BlockId, BlockError> {
    KeyBlockHeader::from_bytes(bytes)?;
    Ok(BlockId(blake2b256(bytes)))
}
