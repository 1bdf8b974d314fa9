//! `ltonode verify-receipt FILE`: checks an anchor receipt (docs/receipts.md) against one
//! key-block id the user trusts, and nothing else.
//!
//! - `--trust BLOCK_ID`: the id itself (from your own node, a node you trust, a published
//!   checkpoint). No network, no headers: hashing only.
//! - `--trust-file FILE`: a header you trust (raw, hex, base64, or the JSON of
//!   `GET /blocks/headers/last`); its id is trusted.
//! - `--node URL` (plain `http://host:port`): the node's latest key block is trusted; the
//!   receipt's proof up to it is fetched (`GET /anchors/{hash}?anchoredTo=ID`), must be for
//!   the same anchor, transaction, block and position, and is checked.
//!
//! The receipt file may be the receipt itself or the reply of `GET /anchors/{hash}` (which
//! holds it under `receipt`).

use crate::rest::routes_anchors::{refusal, verdict};
use base64::Engine;
use ltonode_ledger::block::{BlockId, KeyBlockHeader};
use ltonode_ledger::receipt::{AnchorReceipt, ReceiptError};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use thiserror::Error;

/// Why a receipt could not be checked (as opposed to being checked and found invalid).
#[derive(Debug, Error)]
pub enum VerifyError {
    /// A file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The path of the file that could not be read.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file or reply is not what was expected.
    #[error("{0}")]
    Format(String),
    /// The node could not be asked.
    #[error("asking the node: {0}")]
    Node(String),
}

/// What the verifier trusts.
pub enum Trust {
    /// A key-block id (Base58).
    Block(String),
    /// The contents of a file holding a header.
    HeaderFile(Vec<u8>),
    /// A node's base URL.
    Node(String),
}

fn format(msg: impl Into<String>) -> VerifyError {
    VerifyError::Format(msg.into())
}

/// Reads a receipt from its JSON (or an `/anchors/{hash}` reply); a refusal names the part
/// of the receipt that does not decode.
pub fn parse_receipt(text: &str) -> Result<AnchorReceipt, ReceiptError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| ReceiptError::Format(format!("receipt JSON: {e}")))?;
    let r = if v.get("receipt").is_some() {
        &v["receipt"]
    } else {
        &v
    };
    AnchorReceipt::from_json(r)
}

fn header_from_hex(s: &str) -> Result<KeyBlockHeader, VerifyError> {
    let bytes = hex::decode(s).map_err(|_| format("header is not hex"))?;
    KeyBlockHeader::from_bytes(&bytes).map_err(|e| format(e.to_string()))
}

/// A header from a file: raw bytes, hex, base64, or a JSON object with `headerBytes` (hex).
pub fn header_from_file(bytes: &[u8]) -> Result<KeyBlockHeader, VerifyError> {
    if let Ok(h) = KeyBlockHeader::from_bytes(bytes) {
        return Ok(h);
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if let Ok(v) = serde_json::from_str::<Value>(text)
        && let Some(hex_bytes) = v["headerBytes"].as_str()
    {
        return header_from_hex(hex_bytes);
    }
    let decoded = hex::decode(text)
        .ok()
        .or_else(|| base64::engine::general_purpose::STANDARD.decode(text).ok())
        .ok_or_else(|| format("the trust file holds no header (raw, hex, base64 or JSON)"))?;
    KeyBlockHeader::from_bytes(&decoded).map_err(|e| format(format!("trusted header: {e}")))
}

/// A plain HTTP/1.1 GET returning the JSON body (the node's REST API; no TLS).
fn http_get_json(base: &str, path: &str) -> Result<Value, VerifyError> {
    let rest = base
        .strip_prefix("http://")
        .ok_or_else(|| VerifyError::Node("only http:// URLs are supported".into()))?
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(rest).map_err(|e| VerifyError::Node(e.to_string()))?;
    let t = Some(Duration::from_secs(10));
    let _ = stream.set_read_timeout(t);
    let _ = stream.set_write_timeout(t);
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {rest}\r\nConnection: close\r\nAccept: application/json\r\n\r\n"
    )
    .map_err(|e| VerifyError::Node(e.to_string()))?;
    let mut buf = Vec::new();
    stream
        .take(64 * 1024 * 1024)
        .read_to_end(&mut buf)
        .map_err(|e| VerifyError::Node(e.to_string()))?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| VerifyError::Node("malformed HTTP reply".into()))?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(VerifyError::Node(
            head.lines().next().unwrap_or_default().to_string(),
        ));
    }
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    serde_json::from_str(&body).map_err(|e| VerifyError::Node(format!("reply JSON: {e}")))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Checks a receipt; `Ok(json)` is the verdict (`{"valid": bool, ...}`).
pub fn verify_receipt(receipt_text: &str, trust: &Trust) -> Result<Value, VerifyError> {
    // A receipt that does not decode is refused for the part that fails, not an error.
    let mut receipt = match parse_receipt(receipt_text) {
        Ok(r) => r,
        Err(e) => return Ok(refusal(&e)),
    };
    let trusted = match trust {
        Trust::Block(id) => {
            BlockId::from_base58(id).ok_or_else(|| format("--trust is not a base58 block id"))?
        }
        Trust::HeaderFile(bytes) => header_from_file(bytes)?.id(),
        Trust::Node(url) => {
            // The receipt's own paths first, so that a forged one is refused for its part
            // whatever the node says (it would not know a forged value at all).
            let own = AnchorReceipt {
                anchored_to: None,
                ..receipt.clone()
            };
            if let Err(e) = own.verify(&own.header.id()) {
                return Ok(refusal(&e));
            }
            let last = http_get_json(url, "/blocks/headers/last")?;
            let header = header_from_hex(last["headerBytes"].as_str().unwrap_or_default())?;
            let id = header.id();
            let path = format!(
                "/anchors/{}?anchoredTo={}",
                hex::encode(&receipt.anchor),
                id.to_base58()
            );
            let fresh = http_get_json(url, &path)?;
            let fresh = AnchorReceipt::from_json(&fresh["receipt"])
                .map_err(|e| VerifyError::Node(format!("the node's receipt: {e}")))?;
            // The node's proof must be of this receipt: same anchor, transaction, block and
            // committing header; only the link to the later block is taken from it.
            if (
                &fresh.anchor,
                &fresh.tx_id,
                fresh.height,
                &fresh.proofs,
                &fresh.header,
            ) != (
                &receipt.anchor,
                &receipt.tx_id,
                receipt.height,
                &receipt.proofs,
                &receipt.header,
            ) {
                return Ok(serde_json::json!({
                    "valid": false,
                    "part": "trusted block",
                    "reason": "the node anchors another occurrence of this value",
                }));
            }
            receipt.anchored_to = fresh.anchored_to;
            id
        }
    };
    Ok(match receipt.verify(&trusted) {
        Ok(ok) => verdict(&ok),
        Err(e) => refusal(&e),
    })
}
