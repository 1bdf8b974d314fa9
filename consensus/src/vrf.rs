//! ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381, suite string `0x03`): the block's "private
//! generation signature" (Waves' node).
//!
//! **Why a VRF and not a signature.** The hit of a block must be something only its generator
//! can compute, yet something the generator cannot choose. A plain Ed25519 signature of the hit
//! source is private but not unique: the signer picks the nonce, verifiers cannot tell how, so a
//! generator could sign many times and keep the luckiest signature (grinding). A VRF proof
//! fixes the output `beta` as a function of (secret key, message) alone; the proof merely shows
//! that `beta` was computed correctly, so there is exactly one valid output per key and message.
//!
//! **Construction** (RFC 9381 §5, written from the RFC's description), with `B` the Ed25519 base
//! point, `q` the prime subgroup order, `x` the clamped scalar of the account's Ed25519 secret
//! seed (RFC 8032 §5.1.5) and `Y = x·B` its public key:
//! - `H = encode_to_curve(Y, alpha)`: try-and-increment over a one-byte `ctr`:
//!   `SHA-512(0x03 ‖ 0x01 ‖ Y ‖ alpha ‖ ctr ‖ 0x00)`, first 32 bytes decoded as an Edwards point
//!   (RFC 8032 decoding, non-canonical encodings refused), the first success times the cofactor 8.
//! - `Gamma = x·H`; nonce `k = SHA-512(SHA-512(seed)[32..64] ‖ H) mod q` (RFC 8032 §5.1.6).
//! - `c = first 16 bytes of SHA-512(0x03 ‖ 0x02 ‖ Y ‖ H ‖ Gamma ‖ k·B ‖ k·H ‖ 0x00)`,
//!   `s = k + c·x mod q`; proof `pi = Gamma (32) ‖ c (16, LE) ‖ s (32, LE)` = 80 bytes.
//! - Verify: `Y` must decode and not be of small order (RFC 9381 §5.4.5 `validate_key`),
//!   `Gamma` must decode, `s < q`; then `U = s·B − c·Y`, `V = s·H − c·Gamma` and the recomputed
//!   challenge must equal `c`.
//! - Output `beta = SHA-512(0x03 ‖ 0x03 ‖ 8·Gamma ‖ 0x00)` (64 bytes).
//!
//! Nothing here panics on arbitrary proof or key bytes; everything is deterministic.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::{Scalar, clamp_integer};
use curve25519_dalek::traits::VartimeMultiscalarMul;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};
use std::fmt;
use thiserror::Error;

/// Length of a VRF proof: Gamma (32) ‖ c (16) ‖ s (32).
pub const VRF_PROOF_LEN: usize = 80;
/// Length of the VRF output `beta`.
pub const VRF_OUTPUT_LEN: usize = 64;
/// Length of a VRF (= Ed25519) public key.
pub const VRF_PUBLIC_KEY_LEN: usize = 32;

/// The RFC 9381 suite string of ECVRF-EDWARDS25519-SHA512-TAI.
const SUITE: u8 = 0x03;
/// Domain separators of the three hashes (RFC 9381 §5.4.1.1, §5.4.3, §5.2).
const ENCODE_TO_CURVE_FRONT: u8 = 0x01;
const CHALLENGE_FRONT: u8 = 0x02;
const PROOF_TO_HASH_FRONT: u8 = 0x03;
const BACK: u8 = 0x00;
/// Bytes of the challenge `c` (cLen = 16).
const C_LEN: usize = 16;
/// Bytes of a point or a full scalar.
const POINT_LEN: usize = 32;

/// The VRF output `beta` (64 bytes).
pub type VrfOutput = [u8; VRF_OUTPUT_LEN];

/// What is wrong with the bytes of a proof, independently of any key or message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofDefect {
    /// `Gamma` (bytes 0..32) is not the canonical encoding of a curve point.
    GammaNotOnCurve,
    /// `s` (bytes 48..80) is not below the group order `q`.
    ScalarNotCanonical,
}

impl fmt::Display for ProofDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProofDefect::GammaNotOnCurve => f.write_str("gamma is not a canonical curve point"),
            ProofDefect::ScalarNotCanonical => f.write_str("s is not below the group order"),
        }
    }
}

/// Why a VRF proof or key was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VrfError {
    /// The bytes have the wrong length.
    #[error("expected {expected} bytes, found {found}")]
    BadLength {
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The text is not Base58.
    #[error("invalid base58")]
    BadBase58,
    /// The public key does not decode to a point, or the point has small order
    /// (RFC 9381 `validate_key`).
    #[error("invalid VRF public key")]
    InvalidPublicKey,
    /// The proof bytes are malformed.
    #[error("malformed VRF proof: {reason}")]
    InvalidProof {
        /// Which part of the proof is malformed.
        reason: ProofDefect,
    },
    /// The proof is well formed but does not verify for this key and message.
    #[error("VRF proof does not verify")]
    VerificationFailed,
    /// No counter value 0..=255 hashed to a curve point (probability about 2^-256; the RFC's
    /// `encode_to_curve` then outputs INVALID).
    #[error("message could not be hashed to the curve")]
    HashToCurveFailed,
}

/// An 80-byte ECVRF proof `Gamma ‖ c ‖ s`, as carried in a block header's generation signature.
///
/// The bytes are kept as given; [`verify`] checks them. JSON form: Base58 text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VrfProof(pub [u8; VRF_PROOF_LEN]);

impl VrfProof {
    /// A proof from exactly 80 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<VrfProof, VrfError> {
        let arr: [u8; VRF_PROOF_LEN] = bytes.try_into().map_err(|_| VrfError::BadLength {
            expected: VRF_PROOF_LEN,
            found: bytes.len(),
        })?;
        Ok(VrfProof(arr))
    }

    /// The 80 bytes of the proof.
    pub fn to_bytes(&self) -> [u8; VRF_PROOF_LEN] {
        self.0
    }

    /// The 80 bytes of the proof, borrowed.
    pub fn as_bytes(&self) -> &[u8; VRF_PROOF_LEN] {
        &self.0
    }

    /// A proof from its Base58 text.
    pub fn from_base58(s: &str) -> Result<VrfProof, VrfError> {
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|_| VrfError::BadBase58)?;
        VrfProof::from_slice(&bytes)
    }

    /// The Base58 text of the proof.
    pub fn to_base58(&self) -> String {
        bs58::encode(self.0).into_string()
    }

    /// Splits the proof into its three fields without indexing.
    fn parts(&self) -> ([u8; POINT_LEN], [u8; C_LEN], [u8; POINT_LEN]) {
        let mut gamma = [0u8; POINT_LEN];
        let mut c = [0u8; C_LEN];
        let mut s = [0u8; POINT_LEN];
        for (dst, src) in gamma
            .iter_mut()
            .chain(c.iter_mut())
            .chain(s.iter_mut())
            .zip(self.0.iter())
        {
            *dst = *src;
        }
        (gamma, c, s)
    }

    /// Joins the three fields into a proof.
    fn from_parts(gamma: &[u8; POINT_LEN], c: &[u8; C_LEN], s: &[u8; POINT_LEN]) -> VrfProof {
        let mut out = [0u8; VRF_PROOF_LEN];
        for (dst, src) in out
            .iter_mut()
            .zip(gamma.iter().chain(c.iter()).chain(s.iter()))
        {
            *dst = *src;
        }
        VrfProof(out)
    }
}

impl fmt::Debug for VrfProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VrfProof({})", self.to_base58())
    }
}

impl fmt::Display for VrfProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}

impl Serialize for VrfProof {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base58())
    }
}

impl<'de> Deserialize<'de> for VrfProof {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        VrfProof::from_base58(&s).map_err(serde::de::Error::custom)
    }
}

/// The secret scalar `x` and nonce prefix of an Ed25519 secret seed (RFC 8032 §5.1.5: SHA-512,
/// lower half clamped, upper half kept for nonces).
struct ExpandedSecret {
    x: Scalar,
    nonce_prefix: [u8; POINT_LEN],
}

fn expand_secret(seed: &[u8; 32]) -> ExpandedSecret {
    let digest: [u8; 64] = Sha512::digest(seed).into();
    let (lower, upper) = split_64(&digest);
    // Reducing the clamped integer mod q changes nothing here: x only ever multiplies B or
    // points of the prime-order subgroup (H is cofactor-cleared).
    ExpandedSecret {
        x: Scalar::from_bytes_mod_order(clamp_integer(lower)),
        nonce_prefix: upper,
    }
}

/// The two halves of a 64-byte digest.
fn split_64(bytes: &[u8; 64]) -> ([u8; 32], [u8; 32]) {
    let mut lower = [0u8; 32];
    let mut upper = [0u8; 32];
    for (dst, src) in lower.iter_mut().chain(upper.iter_mut()).zip(bytes.iter()) {
        *dst = *src;
    }
    (lower, upper)
}

/// RFC 8032 §5.1.3 decoding: `None` unless `bytes` is the canonical encoding of a curve point.
///
/// dalek's `decompress` also accepts `y ≥ p` and the sign bit set on `x = 0`; the RFC refuses
/// both, so a decoded point must re-encode to the same bytes.
fn string_to_point(bytes: &[u8; POINT_LEN]) -> Option<EdwardsPoint> {
    let compressed = CompressedEdwardsY(*bytes);
    let point = compressed.decompress()?;
    (point.compress() == compressed).then_some(point)
}

/// RFC 9381 §5.4.1.1 `ECVRF_encode_to_curve_try_and_increment`, salted with the public key.
fn encode_to_curve(public_key: &[u8; POINT_LEN], alpha: &[u8]) -> Result<EdwardsPoint, VrfError> {
    for ctr in 0..=u8::MAX {
        let digest = Sha512::new()
            .chain_update([SUITE, ENCODE_TO_CURVE_FRONT])
            .chain_update(public_key)
            .chain_update(alpha)
            .chain_update([ctr, BACK])
            .finalize();
        let digest: [u8; 64] = digest.into();
        let (candidate, _) = split_64(&digest);
        if let Some(point) = string_to_point(&candidate) {
            return Ok(point.mul_by_cofactor());
        }
    }
    Err(VrfError::HashToCurveFailed)
}

/// RFC 9381 §5.4.2.2 `ECVRF_nonce_generation_RFC8032`.
fn nonce(nonce_prefix: &[u8; POINT_LEN], h_string: &[u8; POINT_LEN]) -> Scalar {
    let digest: [u8; 64] = Sha512::new()
        .chain_update(nonce_prefix)
        .chain_update(h_string)
        .finalize()
        .into();
    Scalar::from_bytes_mod_order_wide(&digest)
}

/// RFC 9381 §5.4.3 `ECVRF_challenge_generation` over (Y, H, Gamma, U, V): the first 16 bytes
/// of the hash, little-endian.
fn challenge(points: [&[u8; POINT_LEN]; 5]) -> [u8; C_LEN] {
    let mut hasher = Sha512::new().chain_update([SUITE, CHALLENGE_FRONT]);
    for p in points {
        hasher.update(p);
    }
    hasher.update([BACK]);
    let digest: [u8; 64] = hasher.finalize().into();
    let mut c = [0u8; C_LEN];
    for (dst, src) in c.iter_mut().zip(digest.iter()) {
        *dst = *src;
    }
    c
}

/// A 16-byte little-endian challenge as a scalar (always below `q`).
fn challenge_scalar(c: &[u8; C_LEN]) -> Scalar {
    let mut wide = [0u8; 32];
    for (dst, src) in wide.iter_mut().zip(c.iter()) {
        *dst = *src;
    }
    Scalar::from_bytes_mod_order(wide)
}

/// `beta = SHA-512(suite ‖ 0x03 ‖ 8·Gamma ‖ 0x00)` (RFC 9381 §5.2).
fn gamma_to_hash(gamma: &EdwardsPoint) -> VrfOutput {
    Sha512::new()
        .chain_update([SUITE, PROOF_TO_HASH_FRONT])
        .chain_update(gamma.mul_by_cofactor().compress().as_bytes())
        .chain_update([BACK])
        .finalize()
        .into()
}

/// The decoded fields of a proof (RFC 9381 §5.4.4 `ECVRF_decode_proof`).
struct DecodedProof {
    gamma: EdwardsPoint,
    c: [u8; C_LEN],
    s: Scalar,
}

fn decode_proof(proof: &VrfProof) -> Result<DecodedProof, VrfError> {
    let (gamma_bytes, c, s_bytes) = proof.parts();
    let gamma = string_to_point(&gamma_bytes).ok_or(VrfError::InvalidProof {
        reason: ProofDefect::GammaNotOnCurve,
    })?;
    let s: Option<Scalar> = Scalar::from_canonical_bytes(s_bytes).into();
    let s = s.ok_or(VrfError::InvalidProof {
        reason: ProofDefect::ScalarNotCanonical,
    })?;
    Ok(DecodedProof { gamma, c, s })
}

/// The VRF public key of an Ed25519 secret seed: the same 32 bytes as the account's Ed25519
/// public key.
pub fn public_key(secret_seed: &[u8; 32]) -> [u8; VRF_PUBLIC_KEY_LEN] {
    EdwardsPoint::mul_base(&expand_secret(secret_seed).x)
        .compress()
        .to_bytes()
}

/// Proves `alpha` (the hit source) with the Ed25519 secret seed of the generator; returns the
/// proof for the block header and the output `beta` that the hit is taken from.
///
/// Deterministic: the same seed and message always give the same proof and output. Fails only
/// with [`VrfError::HashToCurveFailed`], which no real input reaches (probability ≈ 2^-256).
pub fn prove(secret_seed: &[u8; 32], alpha: &[u8]) -> Result<(VrfProof, VrfOutput), VrfError> {
    let secret = expand_secret(secret_seed);
    let y = EdwardsPoint::mul_base(&secret.x).compress().to_bytes();
    let h = encode_to_curve(&y, alpha)?;
    let h_string = h.compress().to_bytes();
    let gamma = h * secret.x;
    let k = nonce(&secret.nonce_prefix, &h_string);
    let u = EdwardsPoint::mul_base(&k).compress().to_bytes();
    let v = (h * k).compress().to_bytes();
    let gamma_string = gamma.compress().to_bytes();
    let c = challenge([&y, &h_string, &gamma_string, &u, &v]);
    let s = k + challenge_scalar(&c) * secret.x;
    let proof = VrfProof::from_parts(&gamma_string, &c, &s.to_bytes());
    Ok((proof, gamma_to_hash(&gamma)))
}

/// Verifies `proof` of `alpha` under the Ed25519 public key `public_key` (RFC 9381 §5.3) and
/// returns the output `beta`.
///
/// Refuses keys that do not decode or have small order ([`VrfError::InvalidPublicKey`]),
/// malformed proofs ([`VrfError::InvalidProof`]) and proofs that do not check
/// ([`VrfError::VerificationFailed`]). A block whose proof fails here is invalid.
pub fn verify(
    public_key: &[u8; VRF_PUBLIC_KEY_LEN],
    alpha: &[u8],
    proof: &VrfProof,
) -> Result<VrfOutput, VrfError> {
    let y = string_to_point(public_key).ok_or(VrfError::InvalidPublicKey)?;
    if y.is_small_order() {
        return Err(VrfError::InvalidPublicKey);
    }
    let DecodedProof { gamma, c, s } = decode_proof(proof)?;
    let h = encode_to_curve(public_key, alpha)?;
    let c_scalar = challenge_scalar(&c);
    // U = s·B − c·Y, V = s·H − c·Gamma; all inputs are public, so variable time is fine.
    let u = EdwardsPoint::vartime_double_scalar_mul_basepoint(&-c_scalar, &y, &s);
    let v = EdwardsPoint::vartime_multiscalar_mul([s, -c_scalar], [h, gamma]);
    let expected = challenge([
        public_key,
        &h.compress().to_bytes(),
        &gamma.compress().to_bytes(),
        &u.compress().to_bytes(),
        &v.compress().to_bytes(),
    ]);
    if expected == c {
        Ok(gamma_to_hash(&gamma))
    } else {
        Err(VrfError::VerificationFailed)
    }
}

/// The output `beta` of a proof (RFC 9381 §5.2 `ECVRF_proof_to_hash`).
///
/// This does **not** verify the proof: call it only on proofs that [`verify`] accepted (which
/// returns the same bytes), e.g. when re-reading a block already validated.
pub fn proof_to_hash(proof: &VrfProof) -> Result<VrfOutput, VrfError> {
    let decoded = decode_proof(proof)?;
    Ok(gamma_to_hash(&decoded.gamma))
}

/// The 32-byte hit source a block stores for use 100 blocks later: the first half of `beta`
/// (Waves' node: `hs(H) = β[0..32]`).
pub fn hit_source(output: &VrfOutput) -> [u8; 32] {
    split_64(output).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ltonode_ledger::keys::KeyPair;
    use proptest::prelude::*;

    /// One RFC 9381 Appendix B.3 example.
    struct Vector {
        sk: &'static str,
        pk: &'static str,
        alpha: &'static str,
        h: &'static str,
        k: &'static str,
        u: &'static str,
        v: &'static str,
        pi: &'static str,
        beta: &'static str,
    }

    /// RFC 9381 Appendix B.3, Examples 16, 17 and 18 (keys from RFC 8032 §7.1 tests 1-3).
    const VECTORS: [Vector; 3] = [
        Vector {
            sk: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            pk: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            alpha: "",
            h: "91bbed02a99461df1ad4c6564a5f5d829d0b90cfc7903e7a5797bd658abf3318",
            k: "7100f3d9eadb6dc4743b029736ff283f5be494128df128df2817106f345b8594\
                b6d6da2d6fb0b4c0257eb337675d96eab49cf39e66cc2c9547c2bf8b2a6afae4",
            u: "aef27c725be964c6a9bf4c45ca8e35df258c1878b838f37d9975523f09034071",
            v: "5016572f71466c646c119443455d6cb9b952f07d060ec8286d678615d55f954f",
            pi: "8657106690b5526245a92b003bb079ccd1a92130477671f6fc01ad16f26f723f\
                 26f8a57ccaed74ee1b190bed1f479d97\
                 27d2d0f9b005a6e456a35d4fb0daab1268a1b0db10836d9826a528ca76567805",
            beta: "90cf1df3b703cce59e2a35b925d411164068269d7b2d29f3301c03dd757876ff\
                   66b71dda49d2de59d03450451af026798e8f81cd2e333de5cdf4f3e140fdd8ae",
        },
        Vector {
            sk: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            pk: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            alpha: "72",
            h: "5b659fc3d4e9263fd9a4ed1d022d75eaacc20df5e09f9ea937502396598dc551",
            k: "42589bbf0c485c3c91c1621bb4bfe04aed7be76ee48f9b00793b2342acb9c167\
                cab856f9f9d4febc311330c20b0a8afd3743d05433e8be8d32522ecdc16cc5ce",
            u: "1dcb0a4821a2c48bf53548228b7f170962988f6d12f5439f31987ef41f034ab3",
            v: "fd03c0bf498c752161bae4719105a074630a2aa5f200ff7b3995f7bfb1513423",
            pi: "f3141cd382dc42909d19ec5110469e4feae18300e94f304590abdced48aed593\
                 3bf0864a62558b3ed7f2fea45c92a465\
                 301b3bbf5e3e54ddf2d935be3b67926da3ef39226bbc355bdc9850112c8f4b02",
            beta: "eb4440665d3891d668e7e0fcaf587f1b4bd7fbfe99d0eb2211ccec90496310eb\
                   5e33821bc613efb94db5e5b54c70a848a0bef4553a41befc57663b56373a5031",
        },
        Vector {
            sk: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            pk: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            alpha: "af82",
            h: "bf4339376f5542811de615e3313d2b36f6f53c0acfebb482159711201192576a",
            k: "38b868c335ccda94a088428cbf3ec8bc7955bfaffe1f3bd2aa2c59fc31a0febc\
                59d0e1af3715773ce11b3bbdd7aba8e3505d4b9de6f7e4a96e67e0d6bb6d6c3a",
            u: "2bae73e15a64042fcebf062abe7e432b2eca6744f3e8265bc38e009cd577ecd5",
            v: "88cba1cb0d4f9b649d9a86026b69de076724a93a65c349c988954f0961c5d506",
            pi: "9bc0f79119cc5604bf02d23b4caede71393cedfbb191434dd016d30177ccbf80\
                 96bb474e53895c362d8628ee9f9ea3c0\
                 e52c7a5c691b6c18c9979866568add7a2d41b00b05081ed0f58ee5e31b3a970e",
            beta: "645427e5d00c62a23fb703732fa5d892940935942101e456ecca7bb217c61c45\
                   2118fec1219202a0edcf038bb6373241578be7217ba85a2687f7a0310b2df19f",
        },
    ];

    fn arr32(s: &str) -> [u8; 32] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    fn seed(n: u8) -> [u8; 32] {
        [n; 32]
    }

    #[test]
    fn rfc9381_vectors_intermediate_values() {
        for (i, tv) in VECTORS.iter().enumerate() {
            let sk = arr32(tv.sk);
            let alpha = hex::decode(tv.alpha).unwrap();
            let pk = public_key(&sk);
            assert_eq!(hex::encode(pk), tv.pk, "example {} PK", 16 + i);
            let h = encode_to_curve(&pk, &alpha).unwrap();
            assert_eq!(hex::encode(h.compress().as_bytes()), tv.h, "H");
            let h_string = h.compress().to_bytes();
            let secret = expand_secret(&sk);
            let k_string: [u8; 64] = Sha512::new()
                .chain_update(secret.nonce_prefix)
                .chain_update(h_string)
                .finalize()
                .into();
            assert_eq!(hex::encode(k_string), tv.k, "k");
            let k = nonce(&secret.nonce_prefix, &h_string);
            assert_eq!(k, Scalar::from_bytes_mod_order_wide(&k_string));
            let u = EdwardsPoint::mul_base(&k).compress();
            let v = (h * k).compress();
            assert_eq!(hex::encode(u.as_bytes()), tv.u, "U");
            assert_eq!(hex::encode(v.as_bytes()), tv.v, "V");
        }
    }

    #[test]
    fn rfc9381_vectors_prove_verify_and_hash() {
        for (i, tv) in VECTORS.iter().enumerate() {
            let sk = arr32(tv.sk);
            let pk = arr32(tv.pk);
            let alpha = hex::decode(tv.alpha).unwrap();
            let (proof, beta) = prove(&sk, &alpha).unwrap();
            assert_eq!(hex::encode(proof.0), tv.pi, "example {} pi", 16 + i);
            assert_eq!(hex::encode(beta), tv.beta, "example {} beta", 16 + i);
            let expected = VrfProof::from_slice(&hex::decode(tv.pi).unwrap()).unwrap();
            assert_eq!(verify(&pk, &alpha, &expected), Ok(beta));
            assert_eq!(proof_to_hash(&expected), Ok(beta));
            assert_eq!(hex::encode(hit_source(&beta)), tv.beta[..64]);
        }
    }

    #[test]
    fn vrf_key_equals_ledger_ed25519_key() {
        for tv in &VECTORS {
            let sk = arr32(tv.sk);
            assert_eq!(KeyPair::from_secret(sk).public_key().0, public_key(&sk));
        }
        let kp = KeyPair::from_seed_phrase("some seed", 0);
        assert_eq!(kp.public_key().0, public_key(&kp.secret_bytes()));
    }

    #[test]
    fn tampering_any_field_fails_with_a_typed_error() {
        let sk = seed(7);
        let pk = public_key(&sk);
        let (proof, _) = prove(&sk, b"hit source").unwrap();
        // c (bytes 32..48): a different challenge, same well-formed proof.
        let mut c_bad = proof;
        c_bad.0[40] ^= 0x01;
        assert_eq!(
            verify(&pk, b"hit source", &c_bad),
            Err(VrfError::VerificationFailed)
        );
        // s (bytes 48..80): low byte changed keeps s < q.
        let mut s_bad = proof;
        s_bad.0[48] ^= 0x01;
        assert_eq!(
            verify(&pk, b"hit source", &s_bad),
            Err(VrfError::VerificationFailed)
        );
        // s ≥ q is malformed.
        let mut s_big = proof;
        s_big.0[79] = 0xff;
        assert_eq!(
            verify(&pk, b"hit source", &s_big),
            Err(VrfError::InvalidProof {
                reason: ProofDefect::ScalarNotCanonical
            })
        );
        // Gamma replaced by another valid point: verification fails.
        let mut g_other = proof;
        let other_gamma = EdwardsPoint::mul_base(&Scalar::from(5u8)).compress();
        g_other.0[..32].copy_from_slice(other_gamma.as_bytes());
        assert_eq!(
            verify(&pk, b"hit source", &g_other),
            Err(VrfError::VerificationFailed)
        );
        // Gamma not a point at all (y = 2 is not on the curve), or non-canonical (y = p).
        let mut g_bad = proof;
        g_bad.0[..32].copy_from_slice(&{
            let mut b = [0u8; 32];
            b[0] = 2;
            b
        });
        assert_eq!(
            verify(&pk, b"hit source", &g_bad),
            Err(VrfError::InvalidProof {
                reason: ProofDefect::GammaNotOnCurve
            })
        );
        let mut g_noncanon = proof;
        let mut p_bytes = [0xffu8; 32];
        p_bytes[0] = 0xed;
        p_bytes[31] = 0x7f;
        g_noncanon.0[..32].copy_from_slice(&p_bytes);
        assert_eq!(
            verify(&pk, b"hit source", &g_noncanon),
            Err(VrfError::InvalidProof {
                reason: ProofDefect::GammaNotOnCurve
            })
        );
        // Flipping any single bit anywhere never verifies.
        for byte in 0..VRF_PROOF_LEN {
            let mut t = proof;
            t.0[byte] ^= 0x80;
            assert!(verify(&pk, b"hit source", &t).is_err(), "byte {byte}");
        }
    }

    #[test]
    fn wrong_key_and_wrong_alpha_fail() {
        let (proof, _) = prove(&seed(1), b"alpha").unwrap();
        assert!(verify(&public_key(&seed(1)), b"alpha", &proof).is_ok());
        assert_eq!(
            verify(&public_key(&seed(2)), b"alpha", &proof),
            Err(VrfError::VerificationFailed)
        );
        assert_eq!(
            verify(&public_key(&seed(1)), b"alphA", &proof),
            Err(VrfError::VerificationFailed)
        );
    }

    #[test]
    fn small_order_and_invalid_public_keys_are_refused() {
        let (proof, _) = prove(&seed(3), b"m").unwrap();
        // The identity (y = 1) and the point of order 2 (y = -1) have small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            verify(&identity, b"m", &proof),
            Err(VrfError::InvalidPublicKey)
        );
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        assert_eq!(
            verify(&minus_one, b"m", &proof),
            Err(VrfError::InvalidPublicKey)
        );
        let mut not_a_point = [0u8; 32];
        not_a_point[0] = 2;
        assert_eq!(
            verify(&not_a_point, b"m", &proof),
            Err(VrfError::InvalidPublicKey)
        );
    }

    #[test]
    fn output_is_deterministic_and_proof_codecs_round_trip() {
        let (p1, b1) = prove(&seed(9), b"x").unwrap();
        let (p2, b2) = prove(&seed(9), b"x").unwrap();
        assert_eq!((p1, b1), (p2, b2));
        assert_eq!(VrfProof::from_base58(&p1.to_base58()), Ok(p1));
        assert_eq!(VrfProof::from_slice(&p1.to_bytes()), Ok(p1));
        assert_eq!(
            VrfProof::from_slice(&[0u8; 79]),
            Err(VrfError::BadLength {
                expected: 80,
                found: 79
            })
        );
        assert_eq!(VrfProof::from_base58("0OIl"), Err(VrfError::BadBase58));
        let json = serde_json::to_string(&p1).unwrap();
        assert_eq!(json, format!("\"{}\"", p1.to_base58()));
        assert_eq!(serde_json::from_str::<VrfProof>(&json).unwrap(), p1);
        assert!(serde_json::from_str::<VrfProof>("\"abc\"").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn arbitrary_proofs_and_keys_never_panic(
            pk in any::<[u8; 32]>(),
            proof in proptest::collection::vec(any::<u8>(), VRF_PROOF_LEN),
            alpha in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let proof = VrfProof::from_slice(&proof).unwrap();
            // Random bytes essentially never form a valid proof.
            prop_assert!(verify(&pk, &alpha, &proof).is_err());
            let _ = proof_to_hash(&proof);
        }

        #[test]
        fn proofs_verify_only_under_their_own_key(
            a in any::<[u8; 32]>(),
            b in any::<[u8; 32]>(),
            alpha in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            prop_assume!(a != b);
            let (proof, beta) = prove(&a, &alpha).unwrap();
            prop_assert_eq!(verify(&public_key(&a), &alpha, &proof), Ok(beta));
            prop_assert_eq!(proof_to_hash(&proof), Ok(beta));
            prop_assert_eq!(
                verify(&public_key(&b), &alpha, &proof),
                Err(VrfError::VerificationFailed)
            );
        }
    }
}
