//! A fingerprint of everything a chain stores but its undo records: two stores that applied
//! the same blocks have the same one, whatever crashes, restarts or rollbacks one of them went
//! through on the way (the crash test of the binary compares a killed node with a clean
//! import of its blocks). Undo records are left out: they are bookkeeping of how units were
//! applied, and finality prunes them.

use super::{Chain, ChainError};
use crate::hash::{Blake2b256, Hash32};
use crate::store::{Column, SCHEMA_VERSION_KEY, Store};
use sha2::Digest;

impl<S: Store> Chain<S> {
    /// Blake2b-256 over every key and value of every column but [`Column::Undo`] (and the
    /// storage schema version), in column and key order, each length-prefixed. The same on
    /// every store.
    pub fn state_hash(&self) -> Result<Hash32, ChainError> {
        let mut h = Blake2b256::new();
        for col in Column::ALL {
            if col == Column::Undo {
                continue;
            }
            h.update([col as u8]);
            for (k, v) in self.store.scan_range(col, &[], None, false, None)? {
                // The storage schema's version is the store's, not the chain's.
                if col == Column::Meta && k == SCHEMA_VERSION_KEY {
                    continue;
                }
                h.update(u64::try_from(k.len()).unwrap_or(u64::MAX).to_be_bytes());
                h.update(&k);
                h.update(u64::try_from(v.len()).unwrap_or(u64::MAX).to_be_bytes());
                h.update(&v);
            }
        }
        Ok(h.finalize().into())
    }
}
