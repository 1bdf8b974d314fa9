//! LTO addresses: `0x01 | chain id | SHA-256(Blake2b-256(pk))[0..20] | checksum(4)`, written
//! in Base58 (LTO's node). LTO has no aliases: a recipient is always an
//! address.

use crate::hash::secure_hash;
use crate::keys::{AccountKey, PublicKey};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Length of a binary address.
pub const ADDRESS_LEN: usize = 26;
/// The address version byte.
pub const ADDRESS_VERSION: u8 = 1;

/// The network byte of a chain: `L` mainnet, `T` testnet and dev, or a custom character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChainId(pub u8);

impl ChainId {
    /// LTO mainnet.
    pub const MAINNET: ChainId = ChainId(b'L');
    /// LTO testnet, and this node's dev and local test chains.
    pub const TESTNET: ChainId = ChainId(b'T');
}

impl fmt::Display for ChainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0 as char)
    }
}

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AddressError {
    /// The text is not Base58.
    #[error("address is not valid base58")]
    BadBase58,
    /// The decoded address has the wrong length.
    #[error("address must be {expected} bytes, found {found}")]
    BadLength {
        /// The length of an address: 26 bytes.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The version byte is not 1.
    #[error("unknown address version {found}")]
    BadVersion {
        /// The version byte found.
        found: u8,
    },
    /// The address belongs to another chain.
    #[error("address is for chain '{}', expected '{}'", *found as char, *expected as char)]
    WrongChain {
        /// This chain's id.
        expected: u8,
        /// The address's chain id.
        found: u8,
    },
    /// The checksum does not match.
    #[error("bad address checksum")]
    BadChecksum,
}

/// A 26-byte LTO address whose version and checksum have been checked.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address([u8; ADDRESS_LEN]);

impl Address {
    /// The address of the Ed25519 key `public_key` on `chain`.
    pub fn from_public_key(chain: ChainId, public_key: &PublicKey) -> Address {
        Address::from_key_bytes(chain, public_key.as_bytes())
    }

    /// The address of an account key of any type on `chain`.
    pub fn from_account_key(chain: ChainId, key: &AccountKey) -> Address {
        Address::from_key_bytes(chain, key.as_bytes())
    }

    /// The address of a public key's wire bytes (32 for Ed25519, 33 compressed for ECDSA):
    /// the first 20 bytes of `secureHash(key)`, for every key type alike.
    pub fn from_key_bytes(chain: ChainId, key: &[u8]) -> Address {
        let mut bytes = [0u8; ADDRESS_LEN];
        bytes[0] = ADDRESS_VERSION;
        bytes[1] = chain.0;
        bytes[2..22].copy_from_slice(&secure_hash(key)[..20]);
        let checksum = secure_hash(&bytes[..22]);
        bytes[22..].copy_from_slice(&checksum[..4]);
        Address(bytes)
    }

    /// Parses 26 binary bytes, checking length, version and checksum (any chain).
    pub fn from_bytes(bytes: &[u8]) -> Result<Address, AddressError> {
        let arr: [u8; ADDRESS_LEN] = bytes.try_into().map_err(|_| AddressError::BadLength {
            expected: ADDRESS_LEN,
            found: bytes.len(),
        })?;
        if arr[0] != ADDRESS_VERSION {
            return Err(AddressError::BadVersion { found: arr[0] });
        }
        let checksum = secure_hash(&arr[..22]);
        if checksum[..4] != arr[22..] {
            return Err(AddressError::BadChecksum);
        }
        Ok(Address(arr))
    }

    /// Parses 26 binary bytes and requires the address to be of `chain`.
    pub fn from_bytes_for(chain: ChainId, bytes: &[u8]) -> Result<Address, AddressError> {
        let a = Address::from_bytes(bytes)?;
        a.require_chain(chain)?;
        Ok(a)
    }

    /// Parses Base58 text (an `address:` prefix is accepted, as LTO does), any chain.
    pub fn from_base58(s: &str) -> Result<Address, AddressError> {
        let s = s.strip_prefix("address:").unwrap_or(s);
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|_| AddressError::BadBase58)?;
        Address::from_bytes(&bytes)
    }

    /// Parses Base58 text and requires the address to be of `chain`.
    pub fn parse_for(chain: ChainId, s: &str) -> Result<Address, AddressError> {
        let a = Address::from_base58(s)?;
        a.require_chain(chain)?;
        Ok(a)
    }

    /// Fails with [`AddressError::WrongChain`] unless the address is of `chain`.
    pub fn require_chain(&self, chain: ChainId) -> Result<(), AddressError> {
        if self.0[1] != chain.0 {
            return Err(AddressError::WrongChain {
                expected: chain.0,
                found: self.0[1],
            });
        }
        Ok(())
    }

    /// The chain this address belongs to.
    pub fn chain_id(&self) -> ChainId {
        ChainId(self.0[1])
    }

    /// The 26 bytes.
    pub fn as_bytes(&self) -> &[u8; ADDRESS_LEN] {
        &self.0
    }

    /// The Base58 text.
    pub fn to_base58(&self) -> String {
        bs58::encode(self.0).into_string()
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.to_base58())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base58())
    }
}

impl FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Address, AddressError> {
        Address::from_base58(s)
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base58())
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Address::from_base58(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vector of LTO's documentation (`protocol/accounts/README.md`).
    const PK: &str = "GjSacB6a5DFNEHjDSmn724QsrRStKYzkahPH67wyrhAY";
    const ADDR_L: &str = "3JmCa4jLVv7Yn2XkCnBUGsa7WNFVEMxAfWe";

    #[test]
    fn documented_vector() {
        let pk = PublicKey::from_base58(PK).unwrap();
        let a = Address::from_public_key(ChainId::MAINNET, &pk);
        assert_eq!(a.to_base58(), ADDR_L);
        assert_eq!(Address::from_base58(ADDR_L), Ok(a));
        assert_eq!(Address::from_base58(&format!("address:{ADDR_L}")), Ok(a));
        assert_eq!(a.chain_id(), ChainId::MAINNET);
    }

    #[test]
    fn distinct_errors() {
        let pk = PublicKey::from_base58(PK).unwrap();
        let good = *Address::from_public_key(ChainId::MAINNET, &pk).as_bytes();

        let mut bad_version = good;
        bad_version[0] = 2;
        assert_eq!(
            Address::from_bytes(&bad_version),
            Err(AddressError::BadVersion { found: 2 })
        );
        let mut bad_sum = good;
        bad_sum[25] ^= 1;
        assert_eq!(
            Address::from_bytes(&bad_sum),
            Err(AddressError::BadChecksum)
        );
        assert_eq!(
            Address::from_bytes(&good[..25]),
            Err(AddressError::BadLength {
                expected: 26,
                found: 25
            })
        );
        assert_eq!(
            Address::parse_for(ChainId::TESTNET, ADDR_L),
            Err(AddressError::WrongChain {
                expected: b'T',
                found: b'L'
            })
        );
        assert_eq!(Address::from_base58("0OIl"), Err(AddressError::BadBase58));
    }
}
