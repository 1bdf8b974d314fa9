//! Byzantine generators and how honest nodes classify what they refuse.
//!
//! A byzantine generator follows the honest chain like everyone else but, instead of its
//! honest key blocks, broadcasts one bad key block per parent (never applying it itself).

use ltonode_consensus::ConsensusError;
use ltonode_ledger::chain::ChainError;

/// How a byzantine generator cheats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByzantineMode {
    /// Stamps its key block halfway through `t_min` after the parent: before any slot.
    EarlyTimestamp,
    /// Flips a byte of its VRF proof and re-signs the header.
    BadVrf,
    /// Signs its header with another key, which does not match the VRF proof.
    ForeignKey,
}

/// Why an honest node refused a block, one kind per [`ConsensusError`] variant plus ledger
/// refusals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefusalKind {
    /// [`ConsensusError::WrongHeight`].
    WrongHeight,
    /// [`ConsensusError::FromFuture`].
    FromFuture,
    /// [`ConsensusError::BaseTarget`].
    BaseTarget,
    /// [`ConsensusError::Vrf`].
    Vrf,
    /// [`ConsensusError::ScriptedGenerator`].
    ScriptedGenerator,
    /// [`ConsensusError::NotEligible`].
    NotEligible,
    /// [`ConsensusError::TooEarly`].
    TooEarly,
    /// [`ConsensusError::Block`]: malformed or badly signed header.
    BadBlock,
    /// [`ConsensusError::MissingHeader`].
    MissingHeader,
    /// [`ConsensusError::Chain`]: the chain could not be read during validation.
    ChainRead,
    /// The ledger refused to apply a key block or micro block (commitments, transactions).
    Ledger,
}

impl RefusalKind {
    /// The kind of a consensus refusal.
    pub fn of(e: &ConsensusError) -> RefusalKind {
        match e {
            ConsensusError::Chain(_) => RefusalKind::ChainRead,
            ConsensusError::Block(_) => RefusalKind::BadBlock,
            ConsensusError::WrongHeight { .. } => RefusalKind::WrongHeight,
            ConsensusError::FromFuture { .. } => RefusalKind::FromFuture,
            ConsensusError::BaseTarget { .. } => RefusalKind::BaseTarget,
            ConsensusError::Vrf(_) => RefusalKind::Vrf,
            ConsensusError::ScriptedGenerator(_) => RefusalKind::ScriptedGenerator,
            ConsensusError::NotEligible(_) => RefusalKind::NotEligible,
            ConsensusError::TooEarly { .. } => RefusalKind::TooEarly,
            ConsensusError::MissingHeader(_) => RefusalKind::MissingHeader,
        }
    }

    /// The kind of a ledger refusal.
    pub fn of_chain(_: &ChainError) -> RefusalKind {
        RefusalKind::Ledger
    }
}
