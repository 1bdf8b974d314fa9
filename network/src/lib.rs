//! Peer-to-peer networking for ltonode on libp2p: gossip of transactions and blocks, sync by
//! request-response, and peer scoring.
//!
//! It validates before it relays and never trusts a peer's bytes: every message is bounded and
//! decoded with typed errors.
