//! Integration tests of `ltonode-consensus`, one module per topic.

mod forging;
