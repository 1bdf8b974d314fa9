//! Keys as LTO uses them: Ed25519 (plain RFC 8032 signatures over the transaction body bytes,
//! wallet keys derived from a seed phrase), and the ECDSA account keys LTO added later
//! (secp256k1 and secp256r1, 33-byte compressed points, SHA-256 of the message signed as
//! 64-byte `r ‖ s`). Block generators sign with Ed25519 only; [`AccountKey`] is what a
//! transaction's sender or sponsor may be.
//!
//! Ed25519 verification is strict (`verify_strict`): small-order keys and malleable signatures
//! are refused, as a consensus rule must. ECDSA signatures are accepted with a high or low `s`,
//! as LTO's node accepts them; the transaction id does not cover the proofs, so the malleable
//! `s` changes nothing that is hashed.

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
    /// The key type byte or name is not one LTO defines.
    #[error("unknown key type {0}")]
    UnknownKeyType(String),
    /// The key type cannot sign transactions (BLS12-381 keys can only be registered).
    #[error("key type {0} cannot sign transactions")]
    CannotSign(&'static str),
    /// The bytes are not a valid compressed point of the key's curve.
    #[error("not a valid {0} public key")]
    InvalidCurvePoint(&'static str),
}

/// The key types of LTO accounts, with LTO's ids and JSON names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum KeyType {
    /// Ed25519, 32-byte keys.
    Ed25519 = 1,
    /// ECDSA on secp256k1, 33-byte compressed keys.
    Secp256k1 = 2,
    /// ECDSA on secp256r1 (NIST P-256), 33-byte compressed keys.
    Secp256r1 = 3,
    /// BLS12-381, 48-byte keys: only listed by register transactions, never a signer.
    Bls12381 = 4,
}

impl KeyType {
    /// Every key type, by id.
    pub const ALL: [KeyType; 4] = [
        KeyType::Ed25519,
        KeyType::Secp256k1,
        KeyType::Secp256r1,
        KeyType::Bls12381,
    ];

    /// The type of an id byte.
    pub fn from_id(id: u8) -> Result<KeyType, KeyError> {
        KeyType::ALL
            .into_iter()
            .find(|k| k.id() == id)
            .ok_or_else(|| KeyError::UnknownKeyType(id.to_string()))
    }

    /// The type of a JSON name (`ed25519`, `secp256k1`, `secp256r1`, `bls12-381`).
    pub fn from_name(name: &str) -> Result<KeyType, KeyError> {
        KeyType::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| KeyError::UnknownKeyType(name.to_string()))
    }

    /// LTO's id byte.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// LTO's JSON name.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Ed25519 => "ed25519",
            KeyType::Secp256k1 => "secp256k1",
            KeyType::Secp256r1 => "secp256r1",
            KeyType::Bls12381 => "bls12-381",
        }
    }

    /// The length of a public key of this type.
    pub fn key_len(self) -> usize {
        match self {
            KeyType::Ed25519 => PUBLIC_KEY_LEN,
            KeyType::Secp256k1 | KeyType::Secp256r1 => ECDSA_KEY_LEN,
            KeyType::Bls12381 => 48,
        }
    }
}

/// Length of a compressed secp256k1 or secp256r1 public key.
pub const ECDSA_KEY_LEN: usize = 33;

/// The key of a transaction's sender or sponsor: any key type that can sign.
///
/// Compressed ECDSA keys are kept as given; [`AccountKey::verify`] checks they decode.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountKey {
    /// An Ed25519 key.
    Ed25519(PublicKey),
    /// A compressed secp256k1 key.
    Secp256k1([u8; ECDSA_KEY_LEN]),
    /// A compressed secp256r1 key.
    Secp256r1([u8; ECDSA_KEY_LEN]),
}

impl AccountKey {
    /// A key of `key_type` from its bytes (their length must be the type's).
    pub fn new(key_type: KeyType, bytes: &[u8]) -> Result<AccountKey, KeyError> {
        let ecdsa = |bytes: &[u8]| -> Result<[u8; ECDSA_KEY_LEN], KeyError> {
            bytes.try_into().map_err(|_| KeyError::BadLength {
                expected: ECDSA_KEY_LEN,
                found: bytes.len(),
            })
        };
        match key_type {
            KeyType::Ed25519 => Ok(AccountKey::Ed25519(PublicKey::from_slice(bytes)?)),
            KeyType::Secp256k1 => Ok(AccountKey::Secp256k1(ecdsa(bytes)?)),
            KeyType::Secp256r1 => Ok(AccountKey::Secp256r1(ecdsa(bytes)?)),
            KeyType::Bls12381 => Err(KeyError::CannotSign(key_type.name())),
        }
    }

    /// A key of `key_type` from its Base58 text.
    pub fn from_base58(key_type: KeyType, s: &str) -> Result<AccountKey, KeyError> {
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|_| KeyError::BadBase58)?;
        AccountKey::new(key_type, &bytes)
    }

    /// The key's type.
    pub fn key_type(&self) -> KeyType {
        match self {
            AccountKey::Ed25519(_) => KeyType::Ed25519,
            AccountKey::Secp256k1(_) => KeyType::Secp256k1,
            AccountKey::Secp256r1(_) => KeyType::Secp256r1,
        }
    }

    /// The key's bytes as they are on the wire and hashed into the address.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            AccountKey::Ed25519(pk) => pk.as_bytes(),
            AccountKey::Secp256k1(b) | AccountKey::Secp256r1(b) => b,
        }
    }

    /// The Base58 text of the key's bytes.
    pub fn to_base58(&self) -> String {
        bs58::encode(self.as_bytes()).into_string()
    }

    /// The Ed25519 key, if it is one.
    pub fn ed25519(&self) -> Option<PublicKey> {
        match self {
            AccountKey::Ed25519(pk) => Some(*pk),
            _ => None,
        }
    }

    /// Verifies `signature` over `message`: strict Ed25519, or ECDSA over SHA-256 of the
    /// message with a 64-byte `r ‖ s` signature.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        match self {
            AccountKey::Ed25519(pk) => pk.verify(message, &Signature::from_slice(signature)?),
            AccountKey::Secp256k1(b) => {
                use k256::ecdsa::signature::Verifier;
                let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(b)
                    .map_err(|_| KeyError::InvalidCurvePoint("secp256k1"))?;
                let sig = k256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| KeyError::BadSignature)?;
                let sig = sig.normalize_s();
                vk.verify(message, &sig).map_err(|_| KeyError::BadSignature)
            }
            AccountKey::Secp256r1(b) => {
                use p256::ecdsa::signature::Verifier;
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(b)
                    .map_err(|_| KeyError::InvalidCurvePoint("secp256r1"))?;
                let sig = p256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| KeyError::BadSignature)?;
                let sig = sig.normalize_s();
                vk.verify(message, &sig).map_err(|_| KeyError::BadSignature)
            }
        }
    }

    /// The stored form: the 32 bytes of an Ed25519 key, or the type byte and the 33 bytes of an
    /// ECDSA key.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            AccountKey::Ed25519(pk) => pk.as_bytes().to_vec(),
            other => {
                let mut v = Vec::with_capacity(1 + ECDSA_KEY_LEN);
                v.push(other.key_type().id());
                v.extend_from_slice(other.as_bytes());
                v
            }
        }
    }

    /// Reads [`AccountKey::encode`]'s form.
    pub fn decode(bytes: &[u8]) -> Result<AccountKey, KeyError> {
        match bytes.split_first() {
            Some((t, rest)) if bytes.len() == 1 + ECDSA_KEY_LEN => {
                AccountKey::new(KeyType::from_id(*t)?, rest)
            }
            _ => Ok(AccountKey::Ed25519(PublicKey::from_slice(bytes)?)),
        }
    }
}

impl From<PublicKey> for AccountKey {
    fn from(pk: PublicKey) -> AccountKey {
        AccountKey::Ed25519(pk)
    }
}

impl fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.key_type().name(), self.to_base58())
    }
}

impl fmt::Display for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
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
