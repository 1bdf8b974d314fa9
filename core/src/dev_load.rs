//! The dev load: on dev chains only, a lone node that leads with an empty pool signs a few
//! anchor transactions itself, so that it shows micro blocks without a client.

use ltonode_ledger::tx::{Transaction, TxBody};
use ltonode_ledger::{Amount, ChainId, KeyPair, Timestamp};

/// The fee of each dev-load anchor (0.35 LTO, LTO's anchor fee).
const ANCHOR_FEE: Amount = Amount(35_000_000);

/// The account that signs the dev load and how much it signs.
pub(crate) struct DevLoad {
    key: KeyPair,
    per_tick: usize,
    /// Anchors signed so far: each anchor is the SHA-256 of its number.
    counter: u64,
}

impl DevLoad {
    /// A load of `per_tick` anchors signed with `key` each time the pool runs empty.
    pub(crate) fn new(key: KeyPair, per_tick: usize) -> DevLoad {
        DevLoad {
            key,
            per_tick,
            counter: 0,
        }
    }

    /// The next batch: `per_tick` signed anchors on `chain_id`, stamped just after the tip's
    /// timestamp `tip_ts` (empty when the load is zero).
    pub(crate) fn next_batch(&mut self, chain_id: ChainId, tip_ts: Timestamp) -> Vec<Transaction> {
        let mut txs = Vec::with_capacity(self.per_tick);
        for _ in 0..self.per_tick {
            self.counter += 1;
            let hash = ltonode_ledger::sha256(&self.counter.to_be_bytes());
            let mut tx = Transaction {
                version: 3,
                chain_id,
                timestamp: Timestamp(tip_ts.0.saturating_add(self.counter % 1000)),
                sender: self.key.public_key().into(),
                fee: ANCHOR_FEE,
                sponsor: None,
                proofs: Vec::new(),
                body: TxBody::Anchor {
                    anchors: vec![hash.to_vec()],
                },
            };
            tx.sign_with(&self.key);
            txs.push(tx);
        }
        txs
    }

    /// Whether the load signs anything at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.per_tick == 0
    }
}
