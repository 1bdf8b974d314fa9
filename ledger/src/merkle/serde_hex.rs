//! Serde of hashes as lowercase hex strings, for the JSON of roots and proofs.

/// Serde for one hash as a lowercase hex string.
pub(super) mod hex_hash {
    use crate::hash::Hash32;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(in crate::merkle) fn serialize<S: Serializer>(
        hash: &Hash32,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(hash))
    }

    pub(in crate::merkle) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Hash32, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse(&text).map_err(D::Error::custom)
    }

    /// Parses exactly 64 hex digits.
    pub(in crate::merkle) fn parse(text: &str) -> Result<Hash32, String> {
        let mut hash = [0u8; 32];
        hex::decode_to_slice(text, &mut hash)
            .map_err(|e| format!("hash must be 64 hex digits: {e}"))?;
        Ok(hash)
    }
}

/// Serde for a list of hashes as lowercase hex strings.
pub(super) mod hex_hashes {
    use crate::hash::Hash32;
    use serde::de::Error as _;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::borrow::Cow;

    pub(in crate::merkle) fn serialize<S: Serializer>(
        hashes: &[Hash32],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(hashes.len()))?;
        for hash in hashes {
            seq.serialize_element(&hex::encode(hash))?;
        }
        seq.end()
    }

    pub(in crate::merkle) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<Hash32>, D::Error> {
        let texts = <Vec<Cow<'de, str>>>::deserialize(d)?;
        texts
            .iter()
            .map(|t| super::hex_hash::parse(t).map_err(D::Error::custom))
            .collect()
    }
}
