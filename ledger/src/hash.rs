//! The two hash functions of the chain and LTO's compositions of them.
//!
//! LTO calls Blake2b-256 the "fast hash" and SHA-256(Blake2b-256(x)) the "secure hash"
//! (LTO's node); transaction ids are fast hashes, addresses use the secure
//! hash.

use blake2::Blake2b;
use blake2::digest::consts::U32;
use sha2::{Digest, Sha256};

/// Blake2b with a 32-byte output.
pub type Blake2b256 = Blake2b<U32>;

/// A 32-byte digest.
pub type Hash32 = [u8; 32];

/// Blake2b-256 of `data` (LTO's `fastHash`).
pub fn blake2b256(data: &[u8]) -> Hash32 {
    Blake2b256::digest(data).into()
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash32 {
    Sha256::digest(data).into()
}

/// SHA-256(Blake2b-256(`data`)) (LTO's `secureHash`).
pub fn secure_hash(data: &[u8]) -> Hash32 {
    sha256(&blake2b256(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(blake2b256(b"")),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
        );
        assert_eq!(secure_hash(b"x"), sha256(&blake2b256(b"x")));
    }
}
