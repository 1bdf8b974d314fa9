//! Integration tests of `ltonode-ledger`, one module per topic.

mod golden;
mod tx_props;
