//! The API key that guards administrative routes (LTO's node,
//! what operators ask for).
//!
//! The key arrives as `X-API-Key: <key>` or `Authorization: Bearer <key>`. The node stores only
//! `base58(secure_hash(key))` and compares the hash of what it receives with the stored hash
//! in constant time. Missing (401), wrong (403) and not configured (403) are distinct errors.

use super::ApiError;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use ltonode_ledger::secure_hash;

/// The key a request carries, if any: `X-API-Key` first, then `Authorization: Bearer`.
fn presented_key(headers: &HeaderMap) -> Option<&[u8]> {
    if let Some(v) = headers.get("x-api-key") {
        return Some(v.as_bytes());
    }
    let auth = headers.get(AUTHORIZATION)?.as_bytes();
    let prefix = b"Bearer ";
    match (auth.get(..prefix.len()), auth.get(prefix.len()..)) {
        (Some(p), Some(rest)) if p.eq_ignore_ascii_case(prefix) => Some(rest),
        _ => None,
    }
}

/// Equality whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Checks a request's key against `configured` (the Base58 secure hash of the key).
pub fn check(configured: Option<&str>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(configured) = configured else {
        return Err(ApiError::ApiKeyNotConfigured);
    };
    let key = presented_key(headers)
        .filter(|k| !k.is_empty())
        .ok_or(ApiError::ApiKeyMissing)?;
    // A configured value that is not Base58 matches no key.
    let expected = bs58::decode(configured).into_vec().unwrap_or_default();
    if constant_time_eq(&secure_hash(key), &expected) {
        Ok(())
    } else {
        Err(ApiError::ApiKeyInvalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn hash(key: &str) -> String {
        bs58::encode(secure_hash(key.as_bytes())).into_string()
    }

    #[test]
    fn key_checks() {
        let h = hash("s3cret");
        let mut headers = HeaderMap::new();
        assert!(matches!(
            check(None, &headers),
            Err(ApiError::ApiKeyNotConfigured)
        ));
        assert!(matches!(
            check(Some(&h), &headers),
            Err(ApiError::ApiKeyMissing)
        ));
        headers.insert("x-api-key", HeaderValue::from_static("wrong"));
        assert!(matches!(
            check(Some(&h), &headers),
            Err(ApiError::ApiKeyInvalid)
        ));
        headers.insert("x-api-key", HeaderValue::from_static("s3cret"));
        assert!(check(Some(&h), &headers).is_ok());
        let mut bearer = HeaderMap::new();
        bearer.insert(AUTHORIZATION, HeaderValue::from_static("Bearer s3cret"));
        assert!(check(Some(&h), &bearer).is_ok());
        bearer.insert(AUTHORIZATION, HeaderValue::from_static("Basic s3cret"));
        assert!(matches!(
            check(Some(&h), &bearer),
            Err(ApiError::ApiKeyMissing)
        ));
    }
}
