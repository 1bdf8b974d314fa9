//! [`TxId`]: a transaction's id, with its Base58 text.

use super::TxError;
use crate::hash::Hash32;
use std::fmt;

/// A 32-byte transaction id: Blake2b-256 of the body bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TxId(pub Hash32);

impl TxId {
    /// The Base58 text of the id.
    pub fn to_base58(&self) -> String {
        bs58::encode(self.0).into_string()
    }

    /// An id from Base58 text.
    pub fn from_base58(s: &str) -> Result<TxId, TxError> {
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|_| TxError::BadBase58 { field: "id" })?;
        let arr: Hash32 = bytes
            .as_slice()
            .try_into()
            .map_err(|_| TxError::BadLength {
                field: "id",
                expected: 32,
                found: bytes.len(),
            })?;
        Ok(TxId(arr))
    }
}

impl fmt::Debug for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TxId({})", self.to_base58())
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}
