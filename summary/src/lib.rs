//! Summary blocks (whitepaper section 17): every `summary_period` key blocks the balance
//! changes of the period are aggregated per address together with the non-anchor,
//! non-transfer transactions; the key block after the period commits the summary's hash, so
//! the header chain vouches for it. Finality (the second-to-last summary boundary) and pruning
//! live in the ledger's chain, in the same atomic batches as the blocks.
//!
//! Pure like `ltonode-ledger`: no clock, no I/O of its own beyond the `Store` it is handed.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod block;
pub mod build;
pub mod fastsync;

pub use block::{SummaryBlock, SummaryCodecError};
pub use build::{
    SummaryError, build_summary, kept_in_summary, load_summary, next_summary_hash, period_range,
    store_committed_summary, store_summary,
};
pub use fastsync::{FastSyncError, SyncedHeader, fast_sync, snapshot_of, verify_header_chain};
