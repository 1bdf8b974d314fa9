//! Integration tests of `ltonode-ledger`, one module per topic.

mod account_types;
mod chain;
#[cfg(unix)]
mod crash;
#[cfg(unix)]
mod generators;
mod golden;
mod receipt_props;
mod receipt_size;
mod rollback_props;
mod tx_props;
