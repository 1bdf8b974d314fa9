//! Byte layouts of values the chain stores itself: data values (as in a data entry's bytes)
//! and the Merkle paths of an anchor index entry.

use crate::merkle::MerkleProof;
use crate::tx::codec::{Reader, Writer};

/// A data value as stored: its type byte and value, as in a data entry's bytes.
pub fn encode_data_value(v: &crate::tx::DataValue) -> Vec<u8> {
    let mut w = Writer::new();
    crate::tx::codec::write_data_value(&mut w, v);
    w.into_bytes()
}

/// Appends a Merkle path as an anchor index entry stores it.
pub(super) fn encode_proof(w: &mut Writer, p: &MerkleProof) {
    w.u64(p.index).u64(p.leaf_count);
    w.u8(u8::try_from(p.siblings.len()).unwrap_or(u8::MAX));
    for s in &p.siblings {
        w.raw(s);
    }
}

/// Reads a Merkle path written by [`encode_proof`].
pub(super) fn decode_proof(r: &mut Reader<'_>) -> Option<MerkleProof> {
    let index = u64::from_be_bytes(r.array().ok()?);
    let leaf_count = u64::from_be_bytes(r.array().ok()?);
    let n = r.u8().ok()?;
    let siblings = (0..n)
        .map(|_| r.array::<32>().ok())
        .collect::<Option<Vec<_>>>()?;
    Some(MerkleProof {
        index,
        leaf_count,
        siblings,
    })
}
