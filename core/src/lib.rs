//! The chain core of an ltonode node: the chain, the transaction pool, the forger's state,
//! fork choice, rollback and restore, as one synchronous state machine.
//!
//! [`Core::handle`] takes an [`Input`] (verified transactions from a client, a gossip batch,
//! a sync extension, a tick with the time) and returns an [`Output`]: [`Action`]s for the
//! driver (publish, the verdict on a gossip message, penalise a peer, sync from a peer, a
//! forged block) and a [`Reply`] to the input. Nothing here knows a clock, a thread, a
//! socket or a random number: time comes in with the inputs and storage through the ledger's
//! `Store` trait. The node drives one `Core` from one thread through a bounded mailbox; the
//! deterministic simulation (`ltonode-testnet`) drives the same type with a virtual clock.
//!
//! Transactions enter only as `VerifiedTx`, which only stateless verification makes; the
//! expensive signature checks of clients' and peers' transactions happen before the core,
//! off its thread.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod admission;
mod chain_core;
mod dev_load;
pub mod event;
mod forging;
mod import;
mod key_block;
pub mod pool;
pub mod serve;

pub use chain_core::{Core, CoreConfig, CoreError, block_context, chain_config};
pub use event::{
    Action, Applied, Block, BlockRefusal, Extension, Fault, Forged, GossipItem, Imported, Input,
    Outgoing, Output, Reply, TxRefusal,
};
pub use pool::{Pool, PoolLimits, PoolRefusal, PoolView};
