//! The REST API's errors and LTO's error body `{"error": <code>, "message": "..."}`
//! (LTO's node, LTO's `api/ApiError.scala`).
//!
//! | code | HTTP | meaning |
//! |---|---|---|
//! | 0 | 500 / 503 | internal error, or the chain is not ready |
//! | 1 | 400 / 413 | malformed JSON, wrong field types, body too large (LTO `WrongJson`) |
//! | 2 | 401 / 403 | API key missing (401), wrong (403) or not configured (403) (`ApiKeyNotValid`) |
//! | 10 | 400 | too many items asked for (`TooBigArrayAllocation`) |
//! | 101 | 400 | missing or invalid signature (`InvalidSignature`) |
//! | 102 | 400 | invalid address, or an address of another chain (`InvalidAddress`) |
//! | 105 | 400 | fee below the schedule (`InvalidFee`) |
//! | 108 | 400 | invalid public key (`InvalidPublicKey`) |
//! | 109 | 400 | a path or query number that does not parse (`InvalidNotNumber`) |
//! | 112 | 400 | the transaction does not apply to the state: overdraft, replay, unknown lease... (`StateCheckFailed`) |
//! | 199 | 400 | any other validation error, e.g. an unsupported transaction type (`CustomValidationError`) |
//! | 301 | 404 | no block at that height or id (`BlockNotExists`) |
//! | 311 | 404 | no such transaction (`TransactionDoesNotExist`); adds LTO's `status`/`details` |
//! | 304 | 404 | the address has no data entry of that key (`DataKeyDoesNotExist`) |
//! | 321 | 404 | no such anchor (this node's) |
//! | 322 | 404 | the address has no certificate (this node's; LTO answers `{"error": "Certificate not found"}`) |
//! | 404 | 404 | no such route (this node's) |
//!
//! A rejected transaction adds its JSON under `"tx"`, as LTO does.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ltonode_ledger::state::TxApplyError;
use ltonode_ledger::tx::TxError;
use ltonode_ledger::tx::validate::ValidationError;
use serde_json::{Value, json};
use thiserror::Error;

/// LTO's codes for a refused transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectCode {
    /// 101: missing or invalid signature.
    InvalidSignature = 101,
    /// 102: invalid address or another chain's.
    InvalidAddress = 102,
    /// 105: fee below the schedule.
    InvalidFee = 105,
    /// 108: invalid public key.
    InvalidPublicKey = 108,
    /// 112: does not apply to the state.
    StateCheckFailed = 112,
    /// 199: any other validation error.
    Custom = 199,
}

/// Why a request failed; each variant has its HTTP status and LTO error code.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The body is not JSON, or a field has the wrong type or form (code 1).
    #[error("{0}")]
    WrongJson(String),
    /// The body exceeds the limit (code 1, HTTP 413).
    #[error("request body exceeds {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A protected route was called without a key (HTTP 401).
    #[error("missing API key: send it in the X-API-Key header or as Authorization: Bearer")]
    ApiKeyMissing,
    /// A protected route was called with a key that does not match the configured hash.
    #[error("invalid API key")]
    ApiKeyInvalid,
    /// A protected route was called but the node has no API key hash configured.
    #[error(
        "the API key is not configured on this node (set --api-key-hash); this route is disabled"
    )]
    ApiKeyNotConfigured,
    /// More items were asked for than a route serves at once (code 10).
    #[error("too big sequence requested: {what} is at most {max}")]
    TooBig {
        /// What was too big.
        what: &'static str,
        /// The limit.
        max: u64,
    },
    /// An address in the path or query is invalid (code 102).
    #[error("invalid address: {0}")]
    InvalidAddress(String),
    /// A block id (signature) that does not decode (code 101).
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// A public key that does not decode (code 108).
    #[error("invalid public key: {0}")]
    InvalidPublicKey(String),
    /// A message, signature or key of a verify request that does not decode (code 110).
    #[error("invalid message: {0}")]
    InvalidMessage(String),
    /// A number in the path or query does not parse (code 109).
    #[error("argument is not a number: {0}")]
    InvalidNumber(String),
    /// Another malformed argument (code 199).
    #[error("{0}")]
    BadArgument(String),
    /// A transaction was refused (stateless or stateful); `tx` is its JSON when it parsed.
    #[error("{message}")]
    TxRejected {
        /// LTO's code.
        code: RejectCode,
        /// Why.
        message: String,
        /// The transaction's JSON, or null.
        tx: Box<Value>,
    },
    /// No block at that height or with that id (code 301).
    #[error("block does not exist: {0}")]
    BlockNotFound(String),
    /// No confirmed transaction with that id (code 311).
    #[error("transaction does not exist")]
    TxNotFound,
    /// The anchor is not on this chain (code 321).
    #[error("anchor not found")]
    AnchorNotFound,
    /// The address has no data entry of that key (code 304).
    #[error("no data for this key")]
    DataKeyNotFound,
    /// The address has no certificate (code 322).
    #[error("Certificate not found")]
    CertificateNotFound,
    /// No such route (code 404).
    #[error("no route {method} {path}")]
    NoRoute {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
    },
    /// The chain is not ready (no genesis) or its lock is poisoned (HTTP 503).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The store or state failed (HTTP 500).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::ApiKeyMissing => StatusCode::UNAUTHORIZED,
            ApiError::ApiKeyInvalid | ApiError::ApiKeyNotConfigured => StatusCode::FORBIDDEN,
            ApiError::BlockNotFound(_)
            | ApiError::TxNotFound
            | ApiError::AnchorNotFound
            | ApiError::DataKeyNotFound
            | ApiError::CertificateNotFound
            | ApiError::NoRoute { .. } => StatusCode::NOT_FOUND,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::WrongJson(_)
            | ApiError::TooBig { .. }
            | ApiError::InvalidAddress(_)
            | ApiError::InvalidSignature(_)
            | ApiError::InvalidPublicKey(_)
            | ApiError::InvalidMessage(_)
            | ApiError::InvalidNumber(_)
            | ApiError::BadArgument(_)
            | ApiError::TxRejected { .. } => StatusCode::BAD_REQUEST,
        }
    }

    /// LTO's error code (see the module table).
    pub fn code(&self) -> u32 {
        match self {
            ApiError::Unavailable(_) | ApiError::Internal(_) => 0,
            ApiError::WrongJson(_) | ApiError::BodyTooLarge { .. } => 1,
            ApiError::ApiKeyMissing | ApiError::ApiKeyInvalid | ApiError::ApiKeyNotConfigured => 2,
            ApiError::TooBig { .. } => 10,
            ApiError::InvalidSignature(_) => 101,
            ApiError::InvalidAddress(_) => 102,
            ApiError::InvalidPublicKey(_) => 108,
            ApiError::InvalidMessage(_) => 110,
            ApiError::InvalidNumber(_) => 109,
            ApiError::BadArgument(_) => 199,
            ApiError::TxRejected { code, .. } => *code as u32,
            ApiError::BlockNotFound(_) => 301,
            ApiError::TxNotFound => 311,
            ApiError::AnchorNotFound => 321,
            ApiError::DataKeyNotFound => 304,
            ApiError::CertificateNotFound => 322,
            ApiError::NoRoute { .. } => 404,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = json!({"error": self.code(), "message": self.to_string()});
        match self {
            ApiError::TxRejected { tx, .. } if !tx.is_null() => {
                body["tx"] = (**tx).clone();
            }
            ApiError::TxNotFound => {
                body["status"] = json!("error");
                body["details"] = json!("Transaction is not in blockchain");
            }
            _ => {}
        }
        body
    }

    /// A transaction JSON that did not decode.
    pub fn from_tx_error(e: &TxError) -> ApiError {
        let reject = |code| ApiError::TxRejected {
            code,
            message: e.to_string(),
            tx: Box::new(Value::Null),
        };
        match e {
            TxError::Address(_) => reject(RejectCode::InvalidAddress),
            TxError::Key(_) => reject(RejectCode::InvalidPublicKey),
            TxError::UnknownType { .. }
            | TxError::UnsupportedVersion { .. }
            | TxError::UnsupportedKeyType(_)
            | TxError::KeyTypeNeedsV3 { .. }
            | TxError::WrongChain { .. }
            | TxError::Mismatch { .. } => reject(RejectCode::Custom),
            _ => ApiError::WrongJson(format!("failed to parse json message: {e}")),
        }
    }

    /// A transaction that failed stateless validation; `tx` is its JSON.
    pub fn from_validation(e: &ValidationError, tx: Value) -> ApiError {
        let code = match e {
            ValidationError::MissingProof { .. }
            | ValidationError::BadProofLength { .. }
            | ValidationError::TooManyProofs { .. }
            | ValidationError::BadSignature { .. } => RejectCode::InvalidSignature,
            ValidationError::BadPublicKey { .. } => RejectCode::InvalidPublicKey,
            ValidationError::FeeTooLow { .. } => RejectCode::InvalidFee,
            ValidationError::WrongChain { .. } => RejectCode::InvalidAddress,
            _ => RejectCode::Custom,
        };
        ApiError::TxRejected {
            code,
            message: e.to_string(),
            tx: Box::new(tx),
        }
    }

    /// A transaction that does not apply to the state; `tx` is its JSON.
    pub fn from_apply(e: &TxApplyError, tx: Value) -> ApiError {
        ApiError::state_check(e.to_string(), tx)
    }

    /// A state check failure with a message of the caller's.
    pub fn state_check(reason: String, tx: Value) -> ApiError {
        ApiError::TxRejected {
            code: RejectCode::StateCheckFailed,
            message: format!("State check failed. Reason: {reason}"),
            tx: Box::new(tx),
        }
    }
}

impl From<ltonode_ledger::chain::ChainError> for ApiError {
    fn from(e: ltonode_ledger::chain::ChainError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl From<ltonode_ledger::state::StateError> for ApiError {
    fn from(e: ltonode_ledger::state::StateError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if matches!(self, ApiError::Internal(_) | ApiError::Unavailable(_)) {
            tracing::warn!(error = %self, "REST request failed");
        }
        (self.status(), axum::Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_carry_code_and_message() {
        let e = ApiError::TxNotFound;
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            e.body(),
            json!({"error": 311, "message": "transaction does not exist",
                   "status": "error", "details": "Transaction is not in blockchain"})
        );
        let e = ApiError::from_tx_error(&TxError::UnknownType { type_id: 12 });
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            e.body(),
            json!({"error": 199, "message": "unsupported transaction type 12"})
        );
        let e = ApiError::from_validation(
            &ValidationError::BadSignature { signer: "sender" },
            json!({"type": 4}),
        );
        assert_eq!(
            e.body(),
            json!({"error": 101, "message": "invalid sender signature", "tx": {"type": 4}})
        );
        assert_eq!(ApiError::ApiKeyMissing.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(ApiError::ApiKeyInvalid.status(), StatusCode::FORBIDDEN);
    }
}
