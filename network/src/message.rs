//! Wire messages: gossip payloads, sync requests and responses, and their bounded binary codec.
//!
//! Invariants: every decoder takes a byte slice, returns a typed [`CodecError`] on anything it
//! does not understand, never panics and never allocates more than the input it was given
//! (counts are checked against the bytes left before anything is reserved). Encoders refuse to
//! produce a frame a peer would refuse to decode, so both sides agree on the caps below.
//!
//! Layout: a one-byte tag, then fixed-width big-endian integers; byte strings and lists carry a
//! `u32` big-endian length prefix. A frame is one request or one response; the stream is closed
//! after it, so the frame itself has no outer length.

use ltonode_ledger::block::BlockId;

pub use crate::wire::CodecError;
use crate::wire::{MAX_FIELD_BYTES, Reader, Writer};

/// Most bytes of one encoded sync request.
pub const MAX_REQUEST_BYTES: usize = 64;
/// Most bytes of one encoded sync response.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
// A field never exceeds the largest frame, and no frame is larger than a response.
const _: () = assert!(MAX_FIELD_BYTES == MAX_RESPONSE_BYTES);
/// Most headers in one `Headers` request or response.
pub const MAX_HEADERS_PER_RESPONSE: u64 = 2000;
/// Most blocks in one `Blocks` request or response.
pub const MAX_BLOCKS_PER_RESPONSE: u64 = 100;
/// Most micro blocks carried with one key block in a `Blocks` response.
pub const MAX_MICROS_PER_BLOCK: usize = 10_000;
/// Most addresses in one `Peers` response.
pub const MAX_PEERS_PER_RESPONSE: usize = 64;
/// Most bytes of one address in a `Peers` response.
pub const MAX_ADDR_BYTES: usize = 256;
/// Most bytes of the text of an `Error` response.
pub const MAX_ERROR_BYTES: usize = 1024;
/// Most bytes of one gossip payload (a micro block is at most 1 MiB of transactions plus its
/// header; see `ltonode_ledger::block::MAX_MICRO_BYTES`).
pub const MAX_GOSSIP_BYTES: usize = 1024 * 1024 + 64 * 1024;

/// The kind of a gossip message, which selects its topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GossipKind {
    /// Signed transactions, in their wire bytes (a batch).
    Transaction,
    /// A signed micro block with its transactions.
    MicroBlock,
    /// A key block header.
    KeyBlock,
}

impl GossipKind {
    /// All kinds, in topic order.
    pub const ALL: [GossipKind; 3] = [Self::Transaction, Self::MicroBlock, Self::KeyBlock];

    /// The last segment of the topic name.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Transaction => "tx",
            Self::MicroBlock => "micro",
            Self::KeyBlock => "key",
        }
    }
}

/// A gossiped payload: opaque bytes in the ledger's own encoding, decoded by the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GossipMessage {
    /// A batch of transactions, each `ltonode_ledger::Transaction::to_bytes()` (the node's
    /// `p2p::tx_batch` encoding).
    Transaction(Vec<u8>),
    /// `ltonode_ledger::block::MicroBlock::to_bytes()`.
    MicroBlock(Vec<u8>),
    /// `ltonode_ledger::block::KeyBlockHeader::to_bytes()`.
    KeyBlock(Vec<u8>),
}

impl GossipMessage {
    /// The kind (and so the topic) of this message.
    pub fn kind(&self) -> GossipKind {
        match self {
            Self::Transaction(_) => GossipKind::Transaction,
            Self::MicroBlock(_) => GossipKind::MicroBlock,
            Self::KeyBlock(_) => GossipKind::KeyBlock,
        }
    }

    /// The encoded transaction or block, as published.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Self::Transaction(b) | Self::MicroBlock(b) | Self::KeyBlock(b) => b,
        }
    }

    /// Builds a message of `kind` around `bytes`.
    pub fn from_parts(kind: GossipKind, bytes: Vec<u8>) -> Self {
        match kind {
            GossipKind::Transaction => Self::Transaction(bytes),
            GossipKind::MicroBlock => Self::MicroBlock(bytes),
            GossipKind::KeyBlock => Self::KeyBlock(bytes),
        }
    }
}

/// A sync request; heights are inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncRequest {
    /// The peer's tip: height, score and id.
    Tip,
    /// Key block headers at heights `from..=to` (at most [`MAX_HEADERS_PER_RESPONSE`]).
    Headers {
        /// First height of the range (inclusive).
        from: u64,
        /// Last height of the range (inclusive).
        to: u64,
    },
    /// Full blocks (key block and its micro blocks) at `from..=to` (at most
    /// [`MAX_BLOCKS_PER_RESPONSE`]).
    Blocks {
        /// First height of the range (inclusive).
        from: u64,
        /// Last height of the range (inclusive).
        to: u64,
    },
    /// Addresses of the peer's other peers (peer exchange). Answered by the network itself;
    /// never delivered to the node.
    Peers,
    /// Key block headers at `from..=to` each with the ids of the micro blocks its block kept
    /// (what fast sync needs to check the NG linkage), at most [`MAX_HEADERS_PER_RESPONSE`].
    SyncedHeaders {
        /// First height of the range (inclusive).
        from: u64,
        /// Last height of the range (inclusive).
        to: u64,
    },
    /// Summary block `index` (1-based), in its own encoding.
    Summary {
        /// The summary's index.
        index: u64,
    },
}

/// A key block header's bytes with the ids of the micro blocks its block kept.
pub type SyncedHeaderBytes = (Vec<u8>, Vec<BlockId>);

/// A full block as carried by sync: key block header bytes and its micro blocks' bytes.
pub type BlockBytes = (Vec<u8>, Vec<Vec<u8>>);

/// The answer to a [`SyncRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncResponse {
    /// The responder's tip.
    Tip {
        /// Height of the tip.
        height: u64,
        /// Cumulative chain score.
        score: u128,
        /// Id of the tip (total id of the last block).
        tip_id: BlockId,
    },
    /// Key block header bytes, in height order.
    Headers(Vec<Vec<u8>>),
    /// Full blocks, in height order.
    Blocks(Vec<BlockBytes>),
    /// Multiaddr bytes of the responder's peers.
    Peers(Vec<Vec<u8>>),
    /// Headers with their kept micro-block ids, in height order (fewer than asked when the
    /// responder has fewer, or the response would be too large).
    SyncedHeaders(Vec<SyncedHeaderBytes>),
    /// The summary's bytes; empty when the responder does not have it.
    Summary(Vec<u8>),
    /// The responder could not answer.
    Error(String),
}

const REQ_TIP: u8 = 0;
const REQ_HEADERS: u8 = 1;
const REQ_BLOCKS: u8 = 2;
const REQ_PEERS: u8 = 3;
const REQ_SYNCED_HEADERS: u8 = 4;
const REQ_SUMMARY: u8 = 5;

const RES_TIP: u8 = 0;
const RES_HEADERS: u8 = 1;
const RES_BLOCKS: u8 = 2;
const RES_PEERS: u8 = 3;
const RES_ERROR: u8 = 4;
const RES_SYNCED_HEADERS: u8 = 5;
const RES_SUMMARY: u8 = 6;

fn check_range(from: u64, to: u64, max: u64) -> Result<(), CodecError> {
    if from > to || to - from >= max {
        return Err(CodecError::BadRange { from, to });
    }
    Ok(())
}

impl SyncRequest {
    /// Encodes the request; fails on a range a peer would refuse.
    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::with_capacity(17);
        match *self {
            Self::Tip => out.push(REQ_TIP),
            Self::Headers { from, to } => {
                check_range(from, to, MAX_HEADERS_PER_RESPONSE)?;
                out.push(REQ_HEADERS);
                out.extend_from_slice(&from.to_be_bytes());
                out.extend_from_slice(&to.to_be_bytes());
            }
            Self::Blocks { from, to } => {
                check_range(from, to, MAX_BLOCKS_PER_RESPONSE)?;
                out.push(REQ_BLOCKS);
                out.extend_from_slice(&from.to_be_bytes());
                out.extend_from_slice(&to.to_be_bytes());
            }
            Self::Peers => out.push(REQ_PEERS),
            Self::SyncedHeaders { from, to } => {
                check_range(from, to, MAX_HEADERS_PER_RESPONSE)?;
                out.push(REQ_SYNCED_HEADERS);
                out.extend_from_slice(&from.to_be_bytes());
                out.extend_from_slice(&to.to_be_bytes());
            }
            Self::Summary { index } => {
                out.push(REQ_SUMMARY);
                out.extend_from_slice(&index.to_be_bytes());
            }
        }
        Ok(out)
    }

    /// Decodes one request that fills `bytes` exactly.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        if bytes.len() > MAX_REQUEST_BYTES {
            return Err(CodecError::TooLarge {
                what: "request",
                found: bytes.len(),
                max: MAX_REQUEST_BYTES,
            });
        }
        let mut r = Reader::new(bytes);
        let req = match r.u8()? {
            REQ_TIP => Self::Tip,
            REQ_HEADERS => {
                let (from, to) = (r.u64()?, r.u64()?);
                check_range(from, to, MAX_HEADERS_PER_RESPONSE)?;
                Self::Headers { from, to }
            }
            REQ_BLOCKS => {
                let (from, to) = (r.u64()?, r.u64()?);
                check_range(from, to, MAX_BLOCKS_PER_RESPONSE)?;
                Self::Blocks { from, to }
            }
            REQ_PEERS => Self::Peers,
            REQ_SYNCED_HEADERS => {
                let (from, to) = (r.u64()?, r.u64()?);
                check_range(from, to, MAX_HEADERS_PER_RESPONSE)?;
                Self::SyncedHeaders { from, to }
            }
            REQ_SUMMARY => Self::Summary { index: r.u64()? },
            tag => return Err(CodecError::UnknownTag(tag)),
        };
        r.finish()?;
        Ok(req)
    }
}

impl SyncResponse {
    /// Encodes the response; fails if it exceeds a cap.
    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let mut w = Writer::default();
        match self {
            Self::Tip {
                height,
                score,
                tip_id,
            } => {
                w.u8(RES_TIP);
                w.raw(&height.to_be_bytes());
                w.raw(&score.to_be_bytes());
                w.raw(&tip_id.0);
            }
            Self::Headers(headers) => {
                w.u8(RES_HEADERS);
                w.count(headers.len(), "headers", MAX_HEADERS_PER_RESPONSE as usize)?;
                for h in headers {
                    w.bytes(h)?;
                }
            }
            Self::Blocks(blocks) => {
                w.u8(RES_BLOCKS);
                w.count(blocks.len(), "blocks", MAX_BLOCKS_PER_RESPONSE as usize)?;
                for (header, micros) in blocks {
                    w.bytes(header)?;
                    w.count(micros.len(), "micro blocks", MAX_MICROS_PER_BLOCK)?;
                    for m in micros {
                        w.bytes(m)?;
                    }
                }
            }
            Self::Peers(addrs) => {
                w.u8(RES_PEERS);
                w.count(addrs.len(), "peers", MAX_PEERS_PER_RESPONSE)?;
                for a in addrs {
                    if a.len() > MAX_ADDR_BYTES {
                        return Err(CodecError::TooLarge {
                            what: "address",
                            found: a.len(),
                            max: MAX_ADDR_BYTES,
                        });
                    }
                    w.bytes(a)?;
                }
            }
            Self::SyncedHeaders(headers) => {
                w.u8(RES_SYNCED_HEADERS);
                w.count(headers.len(), "headers", MAX_HEADERS_PER_RESPONSE as usize)?;
                for (h, micros) in headers {
                    w.bytes(h)?;
                    w.count(micros.len(), "micro block ids", MAX_MICROS_PER_BLOCK)?;
                    for id in micros {
                        w.raw(&id.0);
                    }
                }
            }
            Self::Summary(bytes) => {
                w.u8(RES_SUMMARY);
                w.bytes(bytes)?;
            }
            Self::Error(text) => {
                w.u8(RES_ERROR);
                if text.len() > MAX_ERROR_BYTES {
                    return Err(CodecError::TooLarge {
                        what: "error text",
                        found: text.len(),
                        max: MAX_ERROR_BYTES,
                    });
                }
                w.bytes(text.as_bytes())?;
            }
        }
        if w.out.len() > MAX_RESPONSE_BYTES {
            return Err(CodecError::TooLarge {
                what: "response",
                found: w.out.len(),
                max: MAX_RESPONSE_BYTES,
            });
        }
        Ok(w.out)
    }

    /// Decodes one response that fills `bytes` exactly.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        if bytes.len() > MAX_RESPONSE_BYTES {
            return Err(CodecError::TooLarge {
                what: "response",
                found: bytes.len(),
                max: MAX_RESPONSE_BYTES,
            });
        }
        let mut r = Reader::new(bytes);
        let res = match r.u8()? {
            RES_TIP => {
                let height = r.u64()?;
                let score = u128::from_be_bytes(r.array::<16>()?);
                let tip_id = BlockId(r.array::<32>()?);
                Self::Tip {
                    height,
                    score,
                    tip_id,
                }
            }
            RES_HEADERS => {
                let n = r.count("headers", MAX_HEADERS_PER_RESPONSE as usize)?;
                let mut headers = Vec::new();
                for _ in 0..n {
                    headers.push(r.bytes()?.to_vec());
                }
                Self::Headers(headers)
            }
            RES_BLOCKS => {
                let n = r.count("blocks", MAX_BLOCKS_PER_RESPONSE as usize)?;
                let mut blocks = Vec::new();
                for _ in 0..n {
                    let header = r.bytes()?.to_vec();
                    let m = r.count("micro blocks", MAX_MICROS_PER_BLOCK)?;
                    let mut micros = Vec::new();
                    for _ in 0..m {
                        micros.push(r.bytes()?.to_vec());
                    }
                    blocks.push((header, micros));
                }
                Self::Blocks(blocks)
            }
            RES_PEERS => {
                let n = r.count("peers", MAX_PEERS_PER_RESPONSE)?;
                let mut addrs = Vec::new();
                for _ in 0..n {
                    let a = r.bytes()?;
                    if a.len() > MAX_ADDR_BYTES {
                        return Err(CodecError::TooLarge {
                            what: "address",
                            found: a.len(),
                            max: MAX_ADDR_BYTES,
                        });
                    }
                    addrs.push(a.to_vec());
                }
                Self::Peers(addrs)
            }
            RES_SYNCED_HEADERS => {
                let n = r.count("headers", MAX_HEADERS_PER_RESPONSE as usize)?;
                let mut headers = Vec::new();
                for _ in 0..n {
                    let header = r.bytes()?.to_vec();
                    let m = r.count("micro block ids", MAX_MICROS_PER_BLOCK)?;
                    // Each id takes 32 bytes: check before reserving.
                    r.ensure(m.saturating_mul(32))?;
                    let mut micros = Vec::with_capacity(m);
                    for _ in 0..m {
                        micros.push(BlockId(r.array::<32>()?));
                    }
                    headers.push((header, micros));
                }
                Self::SyncedHeaders(headers)
            }
            RES_SUMMARY => Self::Summary(r.bytes()?.to_vec()),
            RES_ERROR => {
                let text = r.bytes()?;
                if text.len() > MAX_ERROR_BYTES {
                    return Err(CodecError::TooLarge {
                        what: "error text",
                        found: text.len(),
                        max: MAX_ERROR_BYTES,
                    });
                }
                let text = std::str::from_utf8(text).map_err(|_| CodecError::NotUtf8)?;
                Self::Error(text.to_owned())
            }
            tag => return Err(CodecError::UnknownTag(tag)),
        };
        r.finish()?;
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn request_bytes_are_exact() {
        assert_eq!(SyncRequest::Tip.encode(), Ok(vec![0]));
        let bytes = SyncRequest::Headers { from: 1, to: 2 }.encode().unwrap();
        assert_eq!(
            bytes,
            [&[1u8][..], &1u64.to_be_bytes(), &2u64.to_be_bytes()].concat()
        );
        assert!(bytes.len() <= MAX_REQUEST_BYTES);
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert_eq!(
            SyncRequest::Headers { from: 5, to: 4 }.encode(),
            Err(CodecError::BadRange { from: 5, to: 4 })
        );
        assert_eq!(
            SyncRequest::Blocks { from: 1, to: 101 }.encode(),
            Err(CodecError::BadRange { from: 1, to: 101 })
        );
        assert!(SyncRequest::Blocks { from: 1, to: 100 }.encode().is_ok());
        let mut raw = vec![REQ_HEADERS];
        raw.extend_from_slice(&0u64.to_be_bytes());
        raw.extend_from_slice(&2000u64.to_be_bytes());
        assert_eq!(
            SyncRequest::decode(&raw),
            Err(CodecError::BadRange { from: 0, to: 2000 })
        );
    }

    #[test]
    fn lying_counts_fail_without_allocating() {
        let mut raw = vec![RES_HEADERS];
        raw.extend_from_slice(&2000u32.to_be_bytes());
        assert_eq!(
            SyncResponse::decode(&raw),
            Err(CodecError::Truncated {
                needed: 8000,
                left: 0
            })
        );
        let mut raw = vec![RES_HEADERS];
        raw.extend_from_slice(&2001u32.to_be_bytes());
        assert!(matches!(
            SyncResponse::decode(&raw),
            Err(CodecError::TooLarge {
                what: "headers",
                ..
            })
        ));
        let mut raw = vec![RES_ERROR];
        raw.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            SyncResponse::decode(&raw),
            Err(CodecError::Truncated { .. })
        ));
    }

    #[test]
    fn caps_are_enforced_on_encode() {
        let too_many = SyncResponse::Headers(vec![vec![]; 2001]);
        assert!(matches!(
            too_many.encode(),
            Err(CodecError::TooLarge {
                what: "headers",
                ..
            })
        ));
        let too_big = SyncResponse::Blocks(vec![(vec![0; MAX_RESPONSE_BYTES], vec![])]);
        assert!(matches!(
            too_big.encode(),
            Err(CodecError::TooLarge {
                what: "response",
                ..
            })
        ));
        assert_eq!(
            SyncResponse::decode(&[RES_TIP, 0]).map(|_| ()),
            Err(CodecError::Truncated { needed: 8, left: 1 })
        );
        assert_eq!(SyncRequest::decode(&[0, 0]), Err(CodecError::Trailing(1)));
        assert_eq!(SyncRequest::decode(&[9]), Err(CodecError::UnknownTag(9)));
    }

    fn any_request() -> impl Strategy<Value = SyncRequest> {
        prop_oneof![
            Just(SyncRequest::Tip),
            Just(SyncRequest::Peers),
            (any::<u64>(), 0..MAX_HEADERS_PER_RESPONSE).prop_map(|(from, len)| {
                let from = from.min(u64::MAX - len);
                SyncRequest::Headers {
                    from,
                    to: from + len,
                }
            }),
            (any::<u64>(), 0..MAX_BLOCKS_PER_RESPONSE).prop_map(|(from, len)| {
                let from = from.min(u64::MAX - len);
                SyncRequest::Blocks {
                    from,
                    to: from + len,
                }
            }),
            (any::<u64>(), 0..MAX_HEADERS_PER_RESPONSE).prop_map(|(from, len)| {
                let from = from.min(u64::MAX - len);
                SyncRequest::SyncedHeaders {
                    from,
                    to: from + len,
                }
            }),
            any::<u64>().prop_map(|index| SyncRequest::Summary { index }),
        ]
    }

    fn blob() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..64)
    }

    fn any_response() -> impl Strategy<Value = SyncResponse> {
        prop_oneof![
            (any::<u64>(), any::<u128>(), any::<[u8; 32]>()).prop_map(|(height, score, id)| {
                SyncResponse::Tip {
                    height,
                    score,
                    tip_id: BlockId(id),
                }
            }),
            proptest::collection::vec(blob(), 0..20).prop_map(SyncResponse::Headers),
            proptest::collection::vec((blob(), proptest::collection::vec(blob(), 0..5)), 0..10)
                .prop_map(SyncResponse::Blocks),
            proptest::collection::vec(blob(), 0..10).prop_map(SyncResponse::Peers),
            proptest::collection::vec(
                (
                    blob(),
                    proptest::collection::vec(any::<[u8; 32]>().prop_map(BlockId), 0..4)
                ),
                0..10
            )
            .prop_map(SyncResponse::SyncedHeaders),
            blob().prop_map(SyncResponse::Summary),
            ".{0,100}".prop_map(SyncResponse::Error),
        ]
    }

    proptest! {
        #[test]
        fn requests_round_trip(req in any_request()) {
            let bytes = req.encode().unwrap();
            prop_assert!(bytes.len() <= MAX_REQUEST_BYTES);
            prop_assert_eq!(SyncRequest::decode(&bytes).unwrap(), req);
        }

        #[test]
        fn responses_round_trip(res in any_response()) {
            let bytes = res.encode().unwrap();
            prop_assert_eq!(SyncResponse::decode(&bytes).unwrap(), res);
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = SyncRequest::decode(&bytes);
            let _ = SyncResponse::decode(&bytes);
        }

        #[test]
        fn tagged_garbage_never_panics(tag in 0u8..8, bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut framed = vec![tag];
            framed.extend_from_slice(&bytes);
            let _ = SyncRequest::decode(&framed);
            let _ = SyncResponse::decode(&framed);
        }

        #[test]
        fn truncations_of_valid_responses_fail_cleanly(res in any_response(), cut in any::<prop::sample::Index>()) {
            let bytes = res.encode().unwrap();
            let at = cut.index(bytes.len());
            prop_assert!(SyncResponse::decode(&bytes[..at]).is_err());
        }
    }
}
