//! Integration tests of `ltonode-ledger`, one module per topic.

mod chain;
mod golden;
mod tx_props;
