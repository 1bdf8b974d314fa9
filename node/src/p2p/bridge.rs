//! What the network tasks share: the [`Bridge`] to the core, its reader and the sync status,
//! and the mapping of the core's faults to the network's penalties.

use crate::service::{CoreHandle, Reader};
use crate::sync_status::{SharedSyncStatus, SyncStatus};
use ltonode_core::Fault;
use ltonode_ledger::Store;
use ltonode_ledger::genesis::GenesisConfig;
use ltonode_network::Penalty;
use std::sync::Arc;

/// Maps the core's fault to the network's penalty.
pub fn penalty_of(fault: Fault) -> Penalty {
    match fault {
        Fault::BadSignature => Penalty::BadSignature,
        Fault::InvalidBlock => Penalty::InvalidBlock,
        Fault::Garbage => Penalty::GarbageBytes,
        Fault::Unsolicited => Penalty::Unsolicited,
    }
}

/// What the network task works with: the core's mailbox, a reader, the fast-sync progress
/// it reports, and the chain's genesis (a failed fast sync puts the genesis block back).
pub struct Bridge<S: Store> {
    pub(crate) core: CoreHandle<S>,
    pub(crate) reader: Reader<S>,
    pub(crate) sync_status: SharedSyncStatus,
    pub(crate) genesis: GenesisConfig,
    pub(crate) metrics: Option<Arc<crate::metrics::Metrics>>,
    pub(crate) network_slot: Option<crate::service::NetworkSlot>,
}

impl<S: Store + Clone> Clone for Bridge<S> {
    fn clone(&self) -> Self {
        Bridge {
            core: self.core.clone(),
            reader: self.reader.clone(),
            sync_status: self.sync_status.clone(),
            genesis: self.genesis.clone(),
            metrics: self.metrics.clone(),
            network_slot: self.network_slot.clone(),
        }
    }
}

impl<S: Store + Clone + 'static> Bridge<S> {
    /// A bridge to the core behind `core`, read through `reader`.
    pub fn new(
        core: CoreHandle<S>,
        reader: Reader<S>,
        sync_status: SharedSyncStatus,
        genesis: GenesisConfig,
    ) -> Self {
        Bridge {
            core,
            reader,
            sync_status,
            genesis,
            metrics: None,
            network_slot: None,
        }
    }

    /// Puts the network's handle into `slot` once it is up (for the REST API's `/peers`).
    pub fn with_network_slot(mut self, slot: crate::service::NetworkSlot) -> Self {
        self.network_slot = Some(slot);
        self
    }

    /// Keeps the peer count in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }
}

impl<S: Store> Bridge<S> {
    /// Updates the fast-sync progress (held only for the update).
    pub(crate) fn with_status(&self, f: impl FnOnce(&mut Option<SyncStatus>)) {
        if let Ok(mut s) = self.sync_status.lock() {
            f(&mut s);
        }
    }
}
