//! What goes into the core and what comes out: [`Input`] events, [`Action`]s, and the typed
//! verdicts on transactions ([`TxRefusal`]) and blocks ([`BlockRefusal`]).

use ltonode_consensus::ConsensusError;
use ltonode_ledger::block::{BlockError, BlockId, KeyBlockHeader, MicroBlock};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::state::transition::TxApplyError;
use ltonode_ledger::tx::validate::ValidationError;
use ltonode_ledger::tx::{Transaction, TxId, VerifiedTx};
use ltonode_ledger::{Height, Timestamp};

use crate::pool::PoolRefusal;

/// One key block with the micro blocks it holds, as sync moves them.
pub type Block = (KeyBlockHeader, Vec<MicroBlock>);

/// An event for the core. `P` names where a gossip message or a sync response came from
/// (a peer and message id in the node, a node index in the simulation); the core hands it
/// back in the [`Action`]s about that input.
#[derive(Debug)]
pub enum Input<P> {
    /// Transactions from a client, verified off the core: admitted and gossiped.
    Submit(Vec<VerifiedTx>),
    /// Gossip from peers, in arrival order; transactions verified off the core.
    Gossip {
        /// The time the batch is judged at (key blocks from the future are refused).
        now: Timestamp,
        /// Each message with the peer that relayed it, in arrival order.
        items: Vec<(P, GossipItem)>,
    },
    /// Consecutive blocks of a sync response from `from`; the first should be in the chain.
    Extension {
        /// The peer that sent them.
        from: P,
        /// Key blocks with their micro blocks, at consecutive heights.
        blocks: Vec<Block>,
        /// Whether the peer has blocks beyond these (its score was found higher).
        more: bool,
        /// The time the blocks are judged at.
        now: Timestamp,
    },
    /// A sync session ended (every batch applied, or the peer stopped answering).
    SyncEnded,
    /// The time passed: forge if this node's turn has come.
    Tick(Timestamp),
}

/// One decoded gossip message.
#[derive(Debug)]
pub enum GossipItem {
    /// A key block header, not yet validated.
    KeyBlock(KeyBlockHeader),
    /// A micro block, not yet checked against the chain.
    MicroBlock(MicroBlock),
    /// A transaction, or why its stateless check failed off the core.
    Transaction(Result<VerifiedTx, ValidationError>),
}

/// What the core asks its driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<P> {
    /// Tell every peer (a block this node forged, a transaction a client or a rollback gave).
    Publish(Outgoing),
    /// The verdict on a gossip message: relay it (`accept`) or not, and the sender's fault.
    Verdict {
        /// Whom it came from.
        from: P,
        /// Whether to relay it.
        accept: bool,
        /// What the sender did wrong, if anything.
        fault: Option<Fault>,
    },
    /// Penalise a peer whose sync response was invalid.
    Penalize(P, Fault),
    /// Ask this peer for blocks: it sent something that does not connect to the tip.
    Sync(P),
    /// This node forged and applied a block (for logs and metrics).
    Forged(Forged),
    /// Blocks from peers were applied (for logs and metrics).
    Applied(Applied),
}

/// What this node tells its peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A key block this node forged and applied.
    KeyBlock(Box<KeyBlockHeader>),
    /// A micro block this node forged and applied.
    MicroBlock(MicroBlock),
    /// A transaction admitted from a client, or put back after a rollback.
    Transaction(Transaction),
}

/// A block this node forged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forged {
    /// A key block, applied and queued for publishing.
    KeyBlock {
        /// The height it was forged at.
        height: Height,
        /// Its timestamp (its slot, or later).
        timestamp: Timestamp,
    },
    /// A micro block of pool transactions on this node's own key block.
    MicroBlock {
        /// The height it belongs to.
        height: Height,
        /// Transactions in it.
        txs: usize,
        /// Anchor leaves in it.
        anchors: usize,
    },
}

/// Blocks of peers applied by one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// Key blocks applied.
    pub key_blocks: u32,
    /// Micro blocks applied.
    pub micro_blocks: u32,
    /// Transactions in those micro blocks.
    pub txs: u64,
    /// Anchor leaves in them.
    pub anchors: u64,
    /// Transactions of applied micro blocks that the pool held: their signatures were
    /// checked on admission and not again.
    pub txs_from_pool: u64,
}

/// What a peer did wrong; the driver maps it to its network's penalty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// A signature (of a block or a transaction) does not verify.
    BadSignature,
    /// A block breaks a consensus or ledger rule.
    InvalidBlock,
    /// Bytes that do not decode.
    Garbage,
    /// An answer to something not asked (wrong heights).
    Unsolicited,
}

/// Why a transaction was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxRefusal {
    /// Already in the pool (or twice in one batch). One already in the chain is refused by
    /// the state check ([`TxApplyError::Duplicate`]).
    #[error("transaction {0} is already in the pool")]
    InPool(TxId),
    /// Stateless validation failed (bad signature, fee, timestamp, chain).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// It does not apply on the chain and the pool (overdraft, replay, unknown lease...).
    #[error(transparent)]
    State(#[from] TxApplyError),
    /// The pool did not take it: already there, the sender at its limit, or full of
    /// transactions paying at least as much per byte.
    #[error("the pool refused the transaction: {0}")]
    Pool(#[from] PoolRefusal),
}

impl TxRefusal {
    /// What the sender of a gossiped transaction did wrong, if it was not honest.
    pub fn fault(&self) -> Option<Fault> {
        match self {
            TxRefusal::Invalid(
                ValidationError::BadSignature { .. }
                | ValidationError::MissingProof { .. }
                | ValidationError::BadProofLength { .. },
            ) => Some(Fault::BadSignature),
            _ => None,
        }
    }
}

/// Why a peer's block was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockRefusal {
    /// A consensus rule (delay, VRF, base target, eligibility, time).
    #[error(transparent)]
    Consensus(#[from] ConsensusError),
    /// A ledger rule (commitments, signature, a transaction that does not apply).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The parent is not the tip block (or one of its micro blocks).
    #[error("unknown parent {0}")]
    UnknownParent(BlockId),
    /// A micro block whose signature does not verify.
    #[error("bad micro block signature")]
    BadMicroSignature,
}

impl BlockRefusal {
    /// What the sender did wrong; `None` when it may be honest (a block from the future, a
    /// parent this node does not know).
    pub fn fault(&self) -> Option<Fault> {
        match self {
            BlockRefusal::Consensus(ConsensusError::FromFuture { .. })
            | BlockRefusal::Consensus(ConsensusError::Chain(_))
            | BlockRefusal::UnknownParent(_)
            | BlockRefusal::Chain(ChainError::UnknownParent(_))
            | BlockRefusal::Chain(ChainError::WrongHeight { .. }) => None,
            BlockRefusal::Consensus(ConsensusError::Block(BlockError::Signature(_)))
            | BlockRefusal::Chain(ChainError::Block(BlockError::Signature(_)))
            | BlockRefusal::Chain(ChainError::InvalidTx {
                error: ValidationError::BadSignature { .. },
                ..
            })
            | BlockRefusal::BadMicroSignature => Some(Fault::BadSignature),
            _ => Some(Fault::InvalidBlock),
        }
    }
}

/// What became of a gossiped block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// Applied on the tip (relay it).
    Applied,
    /// A sibling of the tip that replaced it (relay it).
    SiblingSwitched,
    /// A valid-looking sibling the node does not prefer (not relayed).
    SiblingKept,
    /// Already in the chain.
    Known,
    /// It does not connect to the tip: the node should sync.
    NeedSync,
    /// Older than the tip and not in the chain: ignored.
    Stale,
    /// It breaks a rule.
    Refused(BlockRefusal),
}

/// What became of a sync extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extension {
    /// The node switched to (or extended its chain with) the remote blocks.
    Switched {
        /// Key blocks rolled back.
        rolled_back: u32,
        /// Key blocks applied.
        applied: u32,
    },
    /// Only micro blocks of the common tip block were taken (or nothing was new).
    Aligned,
    /// The remote blocks do not score higher.
    NotBetter,
    /// No block of the response is in the local chain.
    NoAncestor,
    /// The switch would roll back more than `max_rollback` blocks.
    TooDeep,
    /// The switch would roll back below the finalized height (the second-to-last summary
    /// boundary): nothing final is ever undone.
    BelowFinality,
    /// A remote block was refused; the node's own chain was restored.
    Refused(BlockRefusal),
}

/// The reply to an [`Input`], beside its actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// To [`Input::Submit`]: one verdict per transaction, in order.
    Submitted(Vec<Result<TxId, TxRefusal>>),
    /// To [`Input::Gossip`]: what became of each block, in order (transactions have their
    /// verdicts only).
    Gossiped(Vec<Imported>),
    /// To [`Input::Extension`].
    Extension(Extension),
    /// To [`Input::SyncEnded`]: whether the node went back to its own chain (it had
    /// switched on the peer's word and the new chain did not outscore its own).
    SyncEnded {
        /// Whether its own chain came back.
        restored: bool,
    },
    /// To [`Input::Tick`]: when to tick again at the latest (`None`: when something
    /// happens).
    Ticked {
        /// The next forging time.
        next: Option<Timestamp>,
    },
}

/// Everything one input produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output<P> {
    /// What the driver must do, in order.
    pub actions: Vec<Action<P>>,
    /// The answer to the input.
    pub reply: Reply,
}
