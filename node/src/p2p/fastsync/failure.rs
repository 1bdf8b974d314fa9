//! Why a fast sync stops short.

/// Why a fast sync stopped short (the node stays on its genesis block and tries again).
#[derive(Debug, thiserror::Error)]
pub enum FastSyncFailure {
    /// No peer answered a request usefully.
    #[error("no peer served {0}")]
    NotServed(String),
    /// What the peers served did not check out.
    #[error("refused: {0}")]
    Refused(#[from] ltonode_summary::FastSyncError),
}

/// A header that does not decode or is not at the height asked for.
pub(super) fn bad_header(height: u64, reason: &str) -> FastSyncFailure {
    FastSyncFailure::Refused(ltonode_summary::FastSyncError::BadHeader {
        height: u32::try_from(height).unwrap_or(u32::MAX),
        reason: reason.to_string(),
    })
}
