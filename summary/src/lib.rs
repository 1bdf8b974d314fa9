//! Summary blocks (whitepaper section 17): every `summary_period` key blocks the balance changes
//! of the period are aggregated per address together with the non-anchor, non-transfer
//! transactions; finality, the pruning plan, history mode and fast sync build on them.
//!
//! Pure like `ltonode-ledger`: no clock, no I/O of its own beyond the `Store` it is handed.
