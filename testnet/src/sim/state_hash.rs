//! A fingerprint of a node's state, to compare nodes and runs: Blake2b-256 over the tip's key
//! block id and total id, the finalized and pruned heights, every account record (address and
//! encoded balances) and every stored summary block, in key order.

use ltonode_ledger::chain::{Chain, ChainError};
use ltonode_ledger::{Column, Hash32, Store, blake2b256};

/// The state hash of `chain`.
pub fn state_hash<S: Store>(chain: &Chain<S>) -> Result<Hash32, ChainError> {
    let tip = chain.tip().ok_or(ChainError::Empty)?;
    let mut buf = Vec::with_capacity(4096);
    buf.extend_from_slice(&tip.header.id().0);
    buf.extend_from_slice(&tip.total_id.0);
    buf.extend_from_slice(&chain.finalized_height()?.0.to_be_bytes());
    buf.extend_from_slice(&chain.pruned_height()?.0.to_be_bytes());
    for col in [Column::Accounts, Column::Summaries] {
        for (k, v) in chain.store().scan_range(col, &[], None, false, None)? {
            buf.extend_from_slice(&(k.len() as u64).to_be_bytes());
            buf.extend_from_slice(&k);
            buf.extend_from_slice(&(v.len() as u64).to_be_bytes());
            buf.extend_from_slice(&v);
        }
    }
    Ok(blake2b256(&buf))
}
