//! The payload of the transaction gossip topic: a batch of transactions in their wire bytes,
//! `count (u16 BE) ‖ (length (u32 BE) ‖ bytes)*`. One gossip message (one gossipsub signature,
//! id and relay decision) then carries as many transactions as the outbox held at once.

use ltonode_ledger::ChainId;
use ltonode_ledger::tx::Transaction;

/// Most transactions in one batch.
pub const MAX_BATCH_TXS: usize = 512;
/// Most bytes of the transactions of one batch (well under the gossip frame limit).
pub const MAX_BATCH_BYTES: usize = 512 * 1024;

/// Collects transactions' wire bytes into batches of at most [`MAX_BATCH_TXS`] and
/// [`MAX_BATCH_BYTES`].
#[derive(Default)]
pub struct BatchBuilder {
    txs: Vec<Vec<u8>>,
    bytes: usize,
}

impl BatchBuilder {
    /// Whether `tx` (wire bytes) still fits this batch.
    pub fn fits(&self, tx: &[u8]) -> bool {
        self.txs.is_empty()
            || (self.txs.len() < MAX_BATCH_TXS && self.bytes + tx.len() <= MAX_BATCH_BYTES)
    }

    /// Adds a transaction's wire bytes (check [`Self::fits`] first).
    pub fn push(&mut self, tx: Vec<u8>) {
        self.bytes += tx.len();
        self.txs.push(tx);
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// The batch's encoding, and a new empty builder in its place.
    pub fn take(&mut self) -> Vec<u8> {
        let txs = std::mem::take(&mut self.txs);
        self.bytes = 0;
        encode(&txs)
    }
}

/// Encodes wire-encoded transactions as one batch (at most `u16::MAX` of them).
pub fn encode(txs: &[Vec<u8>]) -> Vec<u8> {
    let n = txs.len().min(usize::from(u16::MAX));
    let mut out = Vec::with_capacity(2 + txs.iter().map(|t| 4 + t.len()).sum::<usize>());
    out.extend_from_slice(&(n as u16).to_be_bytes());
    for t in &txs[..n] {
        out.extend_from_slice(&u32::try_from(t.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(t);
    }
    out
}

/// Decodes a batch of transactions of `chain`; the error says what is wrong (the whole
/// message is then garbage).
pub fn decode(bytes: &[u8], chain: ChainId) -> Result<Vec<Transaction>, String> {
    let (count, mut rest) = bytes
        .split_first_chunk::<2>()
        .ok_or("a transaction batch shorter than its count")?;
    let count = usize::from(u16::from_be_bytes(*count));
    if count == 0 || count > MAX_BATCH_TXS {
        return Err(format!(
            "a transaction batch of {count} (1 to {MAX_BATCH_TXS})"
        ));
    }
    let mut txs = Vec::with_capacity(count);
    for i in 0..count {
        let (len, after) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| format!("transaction {i} of the batch: no length"))?;
        let len = usize::try_from(u32::from_be_bytes(*len)).unwrap_or(usize::MAX);
        let (tx, after) = after
            .split_at_checked(len)
            .ok_or_else(|| format!("transaction {i} of the batch: {len} bytes announced"))?;
        txs.push(
            Transaction::from_bytes(tx, chain)
                .map_err(|e| format!("transaction {i} of the batch: {e}"))?,
        );
        rest = after;
    }
    if !rest.is_empty() {
        return Err(format!(
            "{} bytes after the batch's transactions",
            rest.len()
        ));
    }
    Ok(txs)
}

/// A signed one-anchor transaction of a fixed test key (`i` makes it unique), for the
/// publisher's and the codec's tests.
#[cfg(test)]
pub(super) fn sample_anchor(i: u32) -> Transaction {
    use ltonode_ledger::tx::TxBody;
    use ltonode_ledger::{Amount, KeyPair, Timestamp};
    let k = KeyPair::from_seed_phrase("batch", 0);
    let mut t = Transaction {
        version: 3,
        chain_id: ChainId::TESTNET,
        timestamp: Timestamp(1_767_225_600_000 + u64::from(i)),
        sender: k.public_key().into(),
        fee: Amount(35_000_000),
        sponsor: None,
        proofs: vec![],
        body: TxBody::Anchor {
            anchors: vec![i.to_be_bytes().to_vec()],
        },
    };
    t.sign_with(&k);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(i: u8) -> Transaction {
        sample_anchor(u32::from(i))
    }

    #[test]
    fn batches_round_trip_and_bad_ones_are_named() {
        let txs: Vec<Transaction> = (0..5).map(tx).collect();
        let wire: Vec<Vec<u8>> = txs.iter().map(Transaction::to_bytes).collect();
        let bytes = encode(&wire);
        assert_eq!(decode(&bytes, ChainId::TESTNET), Ok(txs));
        assert!(decode(&encode(&[]), ChainId::TESTNET).is_err());
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode(&trailing, ChainId::TESTNET).is_err());
        // Every truncation is refused, none panics.
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], ChainId::TESTNET).is_err(), "{n}");
        }
        let mut huge = bytes.clone();
        huge[2..6].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode(&huge, ChainId::TESTNET).is_err());
    }

    #[test]
    fn the_builder_keeps_to_its_limits() {
        let mut b = BatchBuilder::default();
        let one = tx(1).to_bytes();
        let mut batches = 0;
        for _ in 0..MAX_BATCH_TXS + 3 {
            if !b.fits(&one) {
                assert_eq!(
                    decode(&b.take(), ChainId::TESTNET).map(|t| t.len()),
                    Ok(MAX_BATCH_TXS)
                );
                batches += 1;
            }
            b.push(one.clone());
        }
        assert_eq!(batches, 1);
        assert_eq!(decode(&b.take(), ChainId::TESTNET).map(|t| t.len()), Ok(3));
        assert!(b.is_empty());
        // One transaction larger than the byte limit still goes, alone.
        let big = vec![0u8; MAX_BATCH_BYTES + 1];
        assert!(b.fits(&big));
        b.push(big);
        assert!(!b.fits(&one));
    }
}
