//! Ed25519 keys as LTO uses them: plain RFC 8032 signatures over the transaction body bytes,
//! and wallet keys derived from a seed phrase (LTO's node).
//!
//! Verification is strict (`verify_strict`): small-order keys and malleable signatures are
//! refused, as a consensus rule must.

use crate::hash::{secure_hash, sha256};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Length of an Ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// Why a key or signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    /// The bytes have the wrong length.
    #[error("expected {expected} bytes, found {found}")]
    BadLength {
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The bytes are not a valid Edwards point.
    #[error("not a valid ed25519 public key")]
    InvalidPublicKey,
    /// The text is not Base58.
    #[error("invalid base58")]
    BadBase58,
    /// The signature does not verify for this key and message.
    #[error("signature does not verify")]
    BadSignature,
}

/// An Ed25519 public key, as its 32 wire bytes.
///
/// The bytes are kept as given; [`PublicKey::verifying_key`] checks they decode to a point.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey(pub [u8; PUBLIC_KEY_LEN]);

impl PublicKey {
    /// A key from exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<PublicKey, KeyError> {
        let arr: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| KeyError::BadLength {
            expected: PUBLIC_KEY_LEN,
            found: bytes.len(),
        })?;
        Ok(PublicKey(arr))
    }

    /// A key from its Base58 text.
    pub fn from_base58(s: &str) -> Result<PublicKey, KeyError> {
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|_| KeyError::BadBase58)?;
        PublicKey::from_slice(&bytes)
    }

    /// The Base58 text of the key.
    pub fn to_base58(&self) -> String {
        bs58::encode(self.0).into_string()
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.0
    }

    /// The key as a dalek verifying key, checking it is a valid point.
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        VerifyingKey::from_bytes(&self.0).map_err(|_| KeyError::InvalidPublicKey)
    }

    /// Verifies `signature` over `message` strictly (RFC 8032 with small-order and
    /// non-canonical encodings refused).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), KeyError> {
        let vk = self.verifying_key()?;
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        vk.verify_strict(message, &sig)
            .map_err(|_| KeyError::BadSignature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_base58())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base58())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PublicKey::from_base58(&s).map_err(serde::de::Error::custom)
    }
}

/// A 64-byte Ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; SIGNATURE_LEN]);

impl Signature {
    /// A signature from exactly 64 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Signature, KeyError> {
        let arr: [u8; SIGNATURE_LEN] = bytes.try_into().map_err(|_| KeyError::BadLength {
            expected: SIGNATURE_LEN,
            found: bytes.len(),
        })?;
        Ok(Signature(arr))
    }

    /// A signature from its Base58 text.
    pub fn from_base58(s: &str) -> Result<Signature, KeyError> {
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|_| KeyError::BadBase58)?;
        Signature::from_slice(&bytes)
    }

    /// The Base58 text of the signature.
    pub fn to_base58(&self) -> String {
        bs58::encode(self.0).into_string()
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_base58())
    }
}

/// A signing key pair. The secret never leaves this type except through [`KeyPair::sign`] and
/// [`KeyPair::secret_bytes`].
#[derive(Clone)]
pub struct KeyPair {
    signing: SigningKey,
}

impl KeyPair {
    /// The key pair of an Ed25519 secret seed (32 bytes).
    pub fn from_secret(secret: [u8; 32]) -> KeyPair {
        KeyPair {
            signing: SigningKey::from_bytes(&secret),
        }
    }

    /// The key pair an LTO wallet derives from `seed` with `nonce` (normally 0):
    /// `account_seed = secureHash(i32_be(nonce) ‖ seed)`, `secret = SHA-256(account_seed)`.
    ///
    /// The seed phrase is taken as UTF-8, as LTO's node and JS client do; for ASCII phrases
    /// this is the same as the Python client's latin-1.
    pub fn from_seed_phrase(seed: &str, nonce: i32) -> KeyPair {
        let mut buf = Vec::with_capacity(4 + seed.len());
        buf.extend_from_slice(&nonce.to_be_bytes());
        buf.extend_from_slice(seed.as_bytes());
        let account_seed = secure_hash(&buf);
        KeyPair::from_secret(sha256(&account_seed))
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key().to_bytes())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.signing.sign(message).to_bytes())
    }

    /// The 32-byte secret seed (for wallets and VRF proving).
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// The dalek signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyPair({})", self.public_key())
    }
}

/// Verifies many `(key, message, signature)` triples at once with Ed25519 batch verification.
///
/// Returns `Ok(())` when all verify. Batch verification is not strict about small-order keys, so
/// keys of small order are refused up front; when the batch fails, the caller learns which entry
/// is bad by checking one by one (see [`first_bad_signature`]).
pub fn verify_batch(items: &[(PublicKey, &[u8], Signature)]) -> Result<(), KeyError> {
    if items.is_empty() {
        return Ok(());
    }
    let mut keys = Vec::with_capacity(items.len());
    let mut msgs = Vec::with_capacity(items.len());
    let mut sigs = Vec::with_capacity(items.len());
    for (pk, msg, sig) in items {
        let vk = pk.verifying_key()?;
        if vk.is_weak() {
            return Err(KeyError::InvalidPublicKey);
        }
        keys.push(vk);
        msgs.push(*msg);
        sigs.push(ed25519_dalek::Signature::from_bytes(&sig.0));
    }
    ed25519_dalek::verify_batch(&msgs, &sigs, &keys).map_err(|_| KeyError::BadSignature)
}

/// The index of the first triple that does not verify strictly, if any.
pub fn first_bad_signature(items: &[(PublicKey, &[u8], Signature)]) -> Option<usize> {
    items
        .iter()
        .position(|(pk, msg, sig)| pk.verify(msg, sig).is_err())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let kp = KeyPair::from_seed_phrase("some seed", 0);
        let sig = kp.sign(b"hello");
        assert_eq!(kp.public_key().verify(b"hello", &sig), Ok(()));
        assert_eq!(
            kp.public_key().verify(b"hellO", &sig),
            Err(KeyError::BadSignature)
        );
        let other = KeyPair::from_seed_phrase("some seed", 1);
        assert_ne!(other.public_key(), kp.public_key());
    }

    #[test]
    fn batch_verification_finds_the_bad_one() {
        let kps: Vec<KeyPair> = (0..5).map(|i| KeyPair::from_seed_phrase("s", i)).collect();
        let msgs: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; 10]).collect();
        let mut items: Vec<(PublicKey, &[u8], Signature)> = kps
            .iter()
            .zip(&msgs)
            .map(|(k, m)| (k.public_key(), m.as_slice(), k.sign(m)))
            .collect();
        assert_eq!(verify_batch(&items), Ok(()));
        items[3].2 = kps[3].sign(b"other");
        assert_eq!(verify_batch(&items), Err(KeyError::BadSignature));
        assert_eq!(first_bad_signature(&items), Some(3));
    }

    #[test]
    fn lengths_are_checked() {
        assert_eq!(
            PublicKey::from_slice(&[0; 31]),
            Err(KeyError::BadLength {
                expected: 32,
                found: 31
            })
        );
        assert!(Signature::from_slice(&[0; 65]).is_err());
        assert_eq!(PublicKey::from_base58("0OIl"), Err(KeyError::BadBase58));
    }
}
