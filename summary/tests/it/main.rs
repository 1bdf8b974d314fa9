//! Integration tests of `ltonode-summary`, one module per topic.

mod fastsync;
mod flat_disk;
mod periods;
