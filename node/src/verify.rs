//! `ltonode verify-receipt FILE`: checks an anchor receipt without trusting the node that
//! issued it.
//!
//! - With `--headers EXPORT` (the JSON of `GET /blocks/headers/export` from a node you
//!   trust, or your own): the exported header chain is checked (signatures, heights, rising
//!   timestamps, NG linkage through the kept micro-block ids, from its first header), then the
//!   receipt against the header at `height + 1` of that chain.
//! - With `--node URL` (plain `http://host:port`): the header at `height + 1` is fetched from
//!   that node and the receipt checked against it.
//!
//! The receipt file may be the receipt itself (`AnchorReceipt`'s canonical JSON) or the reply
//! of `GET /anchors/{hash}` (which holds it under `receipt`).

use ltonode_ledger::block::{BlockId, KeyBlockHeader};
use ltonode_ledger::receipt::AnchorReceipt;
use ltonode_summary::{SyncedHeader, verify_header_chain};
use serde_json::{Value, json};
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

/// Where the trusted header comes from.
pub enum Trust {
    /// An exported header chain (file contents).
    Headers(String),
    /// A node's base URL.
    Node(String),
}

fn format(msg: impl Into<String>) -> VerifyError {
    VerifyError::Format(msg.into())
}

/// Reads a receipt from its JSON (or an `/anchors/{hash}` reply).
pub fn parse_receipt(text: &str) -> Result<AnchorReceipt, VerifyError> {
    let v: Value = serde_json::from_str(text).map_err(|e| format(format!("receipt JSON: {e}")))?;
    let r = if v.get("receipt").is_some() {
        &v["receipt"]
    } else {
        &v
    };
    AnchorReceipt::from_json(r).map_err(|e| format(e.to_string()))
}

fn header_from_hex(s: &str) -> Result<KeyBlockHeader, VerifyError> {
    let bytes = hex::decode(s).map_err(|_| format("header is not hex"))?;
    KeyBlockHeader::from_bytes(&bytes).map_err(|e| format(e.to_string()))
}

/// The header at `height` from an exported header chain, after checking the chain.
fn trusted_from_export(text: &str, height: u32) -> Result<KeyBlockHeader, VerifyError> {
    let v: Value = serde_json::from_str(text).map_err(|e| format(format!("export JSON: {e}")))?;
    let list = v["headers"]
        .as_array()
        .ok_or_else(|| format("export has no headers array"))?;
    let mut chain = Vec::with_capacity(list.len());
    for h in list {
        let header = header_from_hex(h["header"].as_str().unwrap_or_default())?;
        let micro_ids = h["microIds"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .map(|i| {
                        i.as_str()
                            .and_then(BlockId::from_base58)
                            .ok_or_else(|| format("bad micro block id"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        chain.push(SyncedHeader { header, micro_ids });
    }
    let first = chain.first().ok_or_else(|| format("export is empty"))?;
    if first.header.height.0 != 1 {
        return Err(format("the export must start at the genesis block"));
    }
    let genesis = first.header.id();
    verify_header_chain(&chain, &genesis).map_err(|e| format(format!("header chain: {e}")))?;
    chain
        .into_iter()
        .find(|h| h.header.height.0 == height)
        .map(|h| h.header)
        .ok_or_else(|| format(format!("the export has no header at height {height}")))
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
    let receipt = parse_receipt(receipt_text)?;
    let committing = receipt.height.0.saturating_add(1);
    let trusted = match trust {
        Trust::Headers(export) => trusted_from_export(export, committing)?,
        Trust::Node(url) => {
            let v = http_get_json(url, &format!("/blocks/headers/at/{committing}"))?;
            header_from_hex(v["headerBytes"].as_str().unwrap_or_default())?
        }
    };
    Ok(match receipt.verify(&trusted) {
        Ok(()) => json!({
            "valid": true,
            "anchor": hex::encode(&receipt.anchor),
            "txId": receipt.tx_id.to_base58(),
            "height": receipt.height.0,
            "position": receipt.position,
            "headerId": trusted.id().to_base58(),
        }),
        Err(e) => json!({"valid": false, "reason": e.to_string()}),
    })
}
