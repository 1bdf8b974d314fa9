//! Fuzz targets of every decoder that takes bytes from peers or the API: transaction wire
//! bytes and JSON, key and micro block bytes, p2p sync messages, summary blocks, account
//! scripts (text and bytes) and receipt JSON.
//!
//! Each target feeds its input to the decoder and, when it decodes, checks what the decoder
//! promises: the codecs are canonical (re-encoding gives the input back), JSON round-trips,
//! and verifying what was decoded returns an answer rather than panicking. The same
//! functions run under libFuzzer (`fuzz/libfuzzer`, `scripts/fuzz`) and in the test suite's
//! smoke run (`fuzz/tests/smoke.rs`) over the committed corpora in `fuzz/corpus/<target>`.

use ltonode_ledger::block::{KeyBlockHeader, MicroBlock};
use ltonode_ledger::receipt::AnchorReceipt;
use ltonode_ledger::script::Script;
use ltonode_ledger::tx::codec::decode_body;
use ltonode_ledger::tx::json::{from_json, to_json};
use ltonode_ledger::tx::validate::verify;
use ltonode_ledger::{ChainId, Timestamp, Transaction, ValidationContext};
use ltonode_network::{SyncRequest, SyncResponse};
use ltonode_summary::SummaryBlock;

/// The chain every target decodes for (the vectors' and the dev chain's).
pub const CHAIN: ChainId = ChainId::TESTNET;

/// A fuzz target: a name (its corpus directory) and the function.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: &[Target] = &[
    ("tx_wire", tx_wire),
    ("tx_json", tx_json),
    ("key_block", key_block),
    ("micro_block", micro_block),
    ("sync_request", sync_request),
    ("sync_response", sync_response),
    ("summary", summary),
    ("script_text", script_text),
    ("script_bytes", script_bytes),
    ("receipt_json", receipt_json),
];

fn context() -> ValidationContext {
    // A wide window: fuzzed timestamps should reach the signature checks.
    let mut ctx = ValidationContext::lto(CHAIN, Timestamp(1_700_000_000_000));
    ctx.max_future_ms = u64::MAX / 4;
    ctx.max_past_ms = u64::MAX / 4;
    ctx
}

/// Transaction wire bytes: canonical, and a decoded transaction's body decodes alike.
pub fn tx_wire(data: &[u8]) {
    if let Ok(tx) = Transaction::from_bytes(data, CHAIN) {
        assert_eq!(tx.to_bytes(), data, "wire bytes are canonical");
        let body = tx.body_bytes();
        if let Ok(again) = decode_body(&body, CHAIN) {
            assert_eq!(again.body_bytes(), body, "body bytes are canonical");
        }
        let _ = verify(tx, &context());
    }
    let _ = decode_body(data, CHAIN);
}

/// Transaction JSON (what `/transactions/broadcast` takes): a decoded transaction
/// round-trips through our JSON and our bytes.
pub fn tx_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(tx) = from_json(&value, CHAIN) {
        assert_eq!(
            from_json(&to_json(&tx), CHAIN).as_ref(),
            Ok(&tx),
            "JSON round-trips"
        );
        // Bytes may refuse what JSON accepted (a field too long for its length prefix),
        // but what they accept is the same transaction. The v1 transfer, lease and cancel
        // lease carry exactly one 64-byte signature on the wire: an unsigned one (as
        // `/transactions/sign` takes) has no wire form to compare.
        let legacy = tx.version == 1 && matches!(tx.tx_type().id(), 4 | 8 | 9);
        let wire_form = !legacy || matches!(tx.proofs.as_slice(), [p] if p.len() == 64);
        if wire_form && let Ok(back) = Transaction::from_bytes(&tx.to_bytes(), CHAIN) {
            assert_eq!(back, tx, "bytes round-trip");
        }
        let _ = verify(tx, &context());
    }
}

/// Key block header bytes: canonical; checking its signature answers.
pub fn key_block(data: &[u8]) {
    if let Ok(h) = KeyBlockHeader::from_bytes(data) {
        assert_eq!(h.to_bytes(), data, "header bytes are canonical");
        let _ = h.verify_signature();
        let _ = h.id();
    }
}

/// Micro block bytes: canonical; checking its signature answers.
pub fn micro_block(data: &[u8]) {
    if let Ok(m) = MicroBlock::from_bytes(data, CHAIN) {
        assert_eq!(m.to_bytes(), data, "micro block bytes are canonical");
        let _ = m.verify();
        let _ = m.total_id();
    }
}

/// A p2p sync request: what decodes, encodes back to the same bytes.
pub fn sync_request(data: &[u8]) {
    if let Ok(r) = SyncRequest::decode(data) {
        assert_eq!(r.encode().as_deref(), Ok(data), "requests are canonical");
    }
}

/// A p2p sync response: what decodes, encodes back to the same bytes.
pub fn sync_response(data: &[u8]) {
    if let Ok(r) = SyncResponse::decode(data) {
        assert_eq!(r.encode().as_deref(), Ok(data), "responses are canonical");
    }
}

/// Summary block bytes: canonical, and their hash is computed.
pub fn summary(data: &[u8]) {
    if let Ok(s) = SummaryBlock::from_bytes(data, CHAIN) {
        assert_eq!(s.to_bytes(), data, "summary bytes are canonical");
        let _ = s.hash();
    }
}

/// Script source text: what parses prints as text that parses to the same script.
pub fn script_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(s) = Script::parse(text) {
        assert_eq!(
            Script::parse(&s.to_string()).as_ref(),
            Ok(&s),
            "text round-trips"
        );
        assert_eq!(
            Script::decode(&s.encode()).as_ref(),
            Ok(&s),
            "bytes round-trip"
        );
    }
}

/// Script bytes (what set-script transactions carry): canonical.
pub fn script_bytes(data: &[u8]) {
    if let Ok(s) = Script::decode(data) {
        assert_eq!(s.encode(), data, "script bytes are canonical");
        let _ = s.complexity();
    }
}

/// Receipt JSON (what `verify-receipt` and `POST /anchors/verify` read): what parses
/// round-trips, and checking its paths answers.
pub fn receipt_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(r) = AnchorReceipt::from_json(&value) {
        assert_eq!(
            AnchorReceipt::from_json(&r.to_json()).as_ref(),
            Ok(&r),
            "receipt JSON round-trips"
        );
        // Verifying answers (valid against the block it leads to, or a typed refusal).
        let id = r.block_header().id();
        match r.verify(&id) {
            Ok(ok) => assert_eq!(ok.block_id, id),
            Err(e) => assert!(!e.part().is_empty()),
        }
    }
}
