//! Taking blocks and transactions from peers into the chain service: the synchronous half of
//! the peer-to-peer bridge, driven with the service locked and `now` as an argument, so tests
//! can call it without a network.
//!
//! The rules follow the deterministic simulation (`testnet/src/sim/node.rs` and `sync.rs`),
//! which runs the same chain API:
//! - A key block is validated on the state it was forged on: the tip block is first cut back
//!   to the micro block the header references (`Chain::drop_unreferenced`), otherwise the
//!   generating balance and the raffle factor differ. Then the summary hash it must commit is
//!   derived and it is applied. If it is refused, the cut micro blocks are re-applied.
//! - A sibling of the tip replaces it only if `prefer_sibling` says so, after a cheap check
//!   (VRF and signature); an invalid sibling restores the old tip.
//! - An extension from sync switches only for a strictly higher score, at most
//!   `max_rollback` blocks deep; any refused block restores the node's own blocks.
//! - Transactions of dropped blocks go back to the pool.

use crate::service::ChainService;
use ltonode_consensus::fork::{Sibling, headers_score, prefer_sibling, range_score, should_switch};
use ltonode_consensus::rules::vrf_message;
use ltonode_consensus::vrf::{self, VrfProof};
use ltonode_consensus::{ConsensusError, reorg_allowed, validate_key_block};
use ltonode_ledger::block::{BlockError, KeyBlockHeader, MicroBlock};
use ltonode_ledger::chain::ChainError;
use ltonode_ledger::state::BlockContext;
use ltonode_ledger::state::transition::Overlay;
use ltonode_ledger::tx::validate::{ValidationError, verify_batch};
use ltonode_ledger::tx::{Transaction, TxId};
use ltonode_ledger::{Address, Height, Store, Timestamp};
use ltonode_network::Penalty;
use std::cmp::Ordering;
use std::collections::HashSet;

/// An internal failure while importing (storage, corrupt records): not the peer's fault.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The chain could not be read or written.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// A score could not be computed.
    #[error("fork choice: {0}")]
    Fork(#[from] ltonode_consensus::fork::ForkError),
    /// The summary the next key block commits could not be derived or stored.
    #[error("summary: {0}")]
    Summary(#[from] ltonode_summary::SummaryError),
    /// A header score overflowed.
    #[error("score: {0}")]
    Score(#[from] ltonode_consensus::PosError),
}

/// Why a peer's block was refused, and what it costs the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What was wrong, for the log.
    pub reason: String,
    /// The penalty for the sender (`None` when it may be honest, e.g. a block from the
    /// future or a parent this node does not know).
    pub penalty: Option<Penalty>,
}

impl Refusal {
    fn of_consensus(e: &ConsensusError) -> Refusal {
        let penalty = match e {
            ConsensusError::FromFuture { .. } | ConsensusError::Chain(_) => None,
            ConsensusError::Block(BlockError::Signature(_)) => Some(Penalty::BadSignature),
            _ => Some(Penalty::InvalidBlock),
        };
        Refusal {
            reason: e.to_string(),
            penalty,
        }
    }

    fn of_chain(e: &ChainError) -> Refusal {
        let penalty = match e {
            ChainError::UnknownParent(_) | ChainError::WrongHeight { .. } => None,
            ChainError::Block(BlockError::Signature(_)) => Some(Penalty::BadSignature),
            ChainError::InvalidTx {
                error: ValidationError::BadSignature { .. },
                ..
            } => Some(Penalty::BadSignature),
            _ => Some(Penalty::InvalidBlock),
        };
        Refusal {
            reason: e.to_string(),
            penalty,
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
    /// Invalid.
    Refused(Refusal),
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
    /// A remote block was refused; the node's own chain was restored.
    Refused(Refusal),
}

/// Validates and applies a key block that extends the tip (its parent is the tip's key block
/// or one of its micro blocks). On refusal the chain is as before.
pub fn extend<S: Store>(
    svc: &mut ChainService<S>,
    header: &KeyBlockHeader,
    now: Timestamp,
) -> Result<Result<Vec<Transaction>, Refusal>, ImportError> {
    let tip = svc.chain.tip().ok_or(ChainError::Empty)?.clone();
    let cut = match svc.chain.locate(&header.parent)? {
        Some((h, seq)) if h == tip.height && seq < tip.micro_count => svc
            .chain
            .block_micro_blocks(h)?
            .into_iter()
            .skip(usize::from(seq))
            .collect(),
        Some((h, _)) if h == tip.height => Vec::new(),
        _ => {
            return Ok(Err(Refusal {
                reason: format!("unknown parent {}", header.parent),
                penalty: None,
            }));
        }
    };
    let dropped = svc.chain.drop_unreferenced(&header.parent)?;
    let verdict = validate_key_block(&svc.chain, svc.params(), svc.total_supply(), header, now)
        .map_err(|e| Refusal::of_consensus(&e));
    let verdict = match verdict {
        Ok(()) => apply_header(svc, header)?,
        Err(r) => Err(r),
    };
    match verdict {
        Ok(mut returned) => {
            returned.splice(0..0, dropped);
            Ok(Ok(returned))
        }
        Err(refusal) => {
            for m in &cut {
                svc.chain.apply_micro_block(m)?;
            }
            Ok(Err(refusal))
        }
    }
}

/// Applies a key block already validated (or the node's own, when restoring): cuts the tip
/// block to its parent, derives the summary hash it commits, applies it, and stores the
/// summary it closes. A chain-level refusal (commitments, signature) is returned as such.
fn apply_header<S: Store>(
    svc: &mut ChainService<S>,
    header: &KeyBlockHeader,
) -> Result<Result<Vec<Transaction>, Refusal>, ImportError> {
    let dropped = match svc.chain.drop_unreferenced(&header.parent) {
        Ok(d) => d,
        Err(e @ ChainError::UnknownParent(_)) => return Ok(Err(Refusal::of_chain(&e))),
        Err(e) => return Err(e.into()),
    };
    let summary = ltonode_summary::next_summary_hash(&svc.chain)?;
    let mut returned = match svc.chain.apply_key_block(header, summary) {
        Ok(r) => r,
        Err(e @ (ChainError::Store(_) | ChainError::Corrupt(_))) => return Err(e.into()),
        Err(e) => return Ok(Err(Refusal::of_chain(&e))),
    };
    let p = svc.params().summary_period;
    let closed = header.height.0.saturating_sub(1);
    if p > 0 && closed > 0 && closed.is_multiple_of(p) {
        ltonode_summary::store_summary(&svc.chain, closed / p)?;
    }
    returned.splice(0..0, dropped);
    Ok(Ok(returned))
}

/// A gossiped key block.
pub fn on_key_block<S: Store>(
    svc: &mut ChainService<S>,
    header: &KeyBlockHeader,
    now: Timestamp,
) -> Result<Imported, ImportError> {
    if svc.chain.locate(&header.id())?.is_some() {
        return Ok(Imported::Known);
    }
    let tip = svc.chain.tip().ok_or(ChainError::Empty)?.clone();
    let h = tip.height.0;
    let hh = header.height.0;
    let parent_at = svc.chain.locate(&header.parent)?.map(|(ph, _)| ph.0);
    if hh == h.saturating_add(1) && parent_at == Some(h) {
        return Ok(match extend(svc, header, now)? {
            Ok(returned) => {
                readd(svc, returned)?;
                purge_pool(svc)?;
                Imported::Applied
            }
            Err(r) => Imported::Refused(r),
        });
    }
    if hh == h && h >= 2 && parent_at == Some(h - 1) {
        // The tip was seen first: on a full tie it stays.
        let preferred = prefer_sibling(
            Sibling { header, seen: 1 },
            Sibling {
                header: &tip.header,
                seen: 0,
            },
        );
        if preferred != Ordering::Greater {
            return Ok(Imported::SiblingKept);
        }
        return switch_sibling(svc, header, now);
    }
    if hh > h || (hh == h && parent_at.is_none()) {
        return Ok(Imported::NeedSync);
    }
    Ok(Imported::Stale)
}

/// Replaces the tip by a preferred sibling, or keeps it if the sibling is invalid.
fn switch_sibling<S: Store>(
    svc: &mut ChainService<S>,
    header: &KeyBlockHeader,
    now: Timestamp,
) -> Result<Imported, ImportError> {
    let tip = svc.chain.tip().ok_or(ChainError::Empty)?.clone();
    let parent = Height(tip.height.0.saturating_sub(1));
    // The checks that need no rollback: the VRF message lies below the common parent.
    let pre = vrf_message(&svc.chain, svc.params(), parent).and_then(|msg| {
        vrf::verify(
            header.generator.as_bytes(),
            &msg,
            &VrfProof(header.vrf_proof),
        )?;
        header.verify_signature()?;
        Ok(())
    });
    if let Err(e) = pre {
        return Ok(Imported::Refused(Refusal::of_consensus(&e)));
    }
    let saved_micros = svc.chain.block_micro_blocks(tip.height)?;
    let dropped = svc.chain.rollback_to(parent)?;
    match extend(svc, header, now)? {
        Ok(returned) => {
            readd(svc, dropped)?;
            readd(svc, returned)?;
            purge_pool(svc)?;
            Ok(Imported::SiblingSwitched)
        }
        Err(refusal) => {
            apply_own(svc, &tip.header, &saved_micros)?;
            Ok(Imported::Refused(refusal))
        }
    }
}

/// Re-applies one of the node's own blocks (restoring after a refused switch).
fn apply_own<S: Store>(
    svc: &mut ChainService<S>,
    header: &KeyBlockHeader,
    micros: &[MicroBlock],
) -> Result<(), ImportError> {
    if let Err(r) = apply_header(svc, header)? {
        tracing::error!(height = header.height.0, reason = %r.reason, "cannot restore own block");
        return Err(ChainError::Corrupt("own block refused on restore").into());
    }
    for m in micros {
        svc.chain.apply_micro_block(m)?;
    }
    Ok(())
}

/// A gossiped micro block.
pub fn on_micro_block<S: Store>(
    svc: &mut ChainService<S>,
    micro: &MicroBlock,
) -> Result<Imported, ImportError> {
    if svc.chain.locate(&micro.total_id())?.is_some() {
        return Ok(Imported::Known);
    }
    let tip = svc.chain.tip().ok_or(ChainError::Empty)?;
    if micro.parent_total == tip.total_id {
        return Ok(match svc.chain.apply_micro_block(micro) {
            Ok(_) => {
                remove_included(svc, std::slice::from_ref(micro));
                Imported::Applied
            }
            Err(e @ (ChainError::Store(_) | ChainError::Corrupt(_))) => return Err(e.into()),
            Err(e) => Imported::Refused(Refusal::of_chain(&e)),
        });
    }
    if micro.verify().is_err() {
        return Ok(Imported::Refused(Refusal {
            reason: "bad micro block signature".into(),
            penalty: Some(Penalty::BadSignature),
        }));
    }
    if svc.chain.locate(&micro.parent_total)?.is_none() {
        // Its parent (a micro block or a key block) is missing here.
        return Ok(Imported::NeedSync);
    }
    Ok(Imported::Stale)
}

/// Why a gossiped transaction was not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxRefusal {
    /// Already in the pool or the chain.
    Known,
    /// Stateless validation failed (bad signature, fee, timestamp, chain).
    Invalid(ValidationError),
    /// It does not apply on the chain and the pool (overdraft, replay, ...).
    State(String),
}

/// Admits gossiped transactions with the REST broadcast's checks (stateless verification,
/// then applied on top of the chain and the pool), without gossiping them again. One
/// overlay of the pool serves the whole batch.
pub fn admit_received<S: Store>(
    svc: &mut ChainService<S>,
    txs: Vec<Transaction>,
) -> Result<Vec<Result<(), TxRefusal>>, ImportError> {
    let ctx = svc.chain.validation_context()?;
    let tip = svc.chain.tip().ok_or(ChainError::Empty)?.clone();
    let params = svc.params();
    let bctx = BlockContext {
        chain_id: params.chain_id,
        height: tip.height,
        timestamp: tip.header.timestamp,
        prev_timestamp: tip.prev_timestamp,
        generator: Address::from_public_key(params.chain_id, &tip.header.generator),
        lease_unbonding: params.lease_unbonding,
        max_tx_future_ms: params.max_tx_future_ms,
        max_tx_past_ms: params.max_tx_past_ms,
    };
    let mut results = Vec::with_capacity(txs.len());
    let mut admitted = Vec::new();
    {
        let mut overlay = Overlay::new(&svc.chain, bctx);
        for pending in svc.pool.txs() {
            let _ = overlay.apply(pending);
        }
        let mut seen = HashSet::new();
        for r in verify_batch(txs, &ctx) {
            let v = match r {
                Ok(v) => v,
                Err(e) => {
                    results.push(Err(TxRefusal::Invalid(e)));
                    continue;
                }
            };
            let id = v.id();
            if !seen.insert(id) || svc.pool.contains(&id) || svc.chain.transaction(&id)?.is_some() {
                results.push(Err(TxRefusal::Known));
                continue;
            }
            match overlay.apply(&v) {
                Ok(()) => {
                    results.push(Ok(()));
                    admitted.push(v);
                }
                Err(e) => results.push(Err(TxRefusal::State(e.to_string()))),
            }
        }
    }
    for v in admitted {
        svc.pool.insert(v);
    }
    Ok(results)
}

/// Validates and applies blocks from a sync response: `blocks` are consecutive heights,
/// the first of which should be in the local chain. `more` says the peer has blocks beyond
/// these (its claimed score, already found higher, then decides the switch).
pub fn apply_extension<S: Store>(
    svc: &mut ChainService<S>,
    blocks: &[(KeyBlockHeader, Vec<MicroBlock>)],
    more: bool,
    now: Timestamp,
) -> Result<Extension, ImportError> {
    // The common ancestor: the last of the leading blocks that are also ours.
    let mut common = None;
    for (i, (header, _)) in blocks.iter().enumerate() {
        match svc.chain.header_at(header.height)? {
            Some(local) if local.id() == header.id() => common = Some(i),
            _ => break,
        }
    }
    let Some(ai) = common else {
        return Ok(Extension::NoAncestor);
    };
    let (ancestor_blocks, remote) = blocks.split_at(ai + 1);
    let Some((anc_header, anc_micros)) = ancestor_blocks.last() else {
        return Ok(Extension::NoAncestor);
    };
    let a = anc_header.height;
    let local_h = svc.chain.height();
    let remote_score = headers_score(remote.iter().map(|(h, _)| h))?;
    let local_score = range_score(&svc.chain, Height(a.0.saturating_add(1)), local_h)?;
    let switch = !remote.is_empty() && (more || should_switch(local_score, remote_score));
    if !switch {
        if remote.is_empty() && local_h == a {
            // Same tip block: take the micro blocks this node missed.
            let returned = align_micros(svc, a, anc_micros)?;
            readd(svc, returned)?;
            return Ok(Extension::Aligned);
        }
        return Ok(Extension::NotBetter);
    }
    if !reorg_allowed(local_h, a, svc.params().max_rollback) {
        return Ok(Extension::TooDeep);
    }
    // Keep our own blocks above the ancestor (and its micro blocks) to restore on failure.
    let mut saved = Vec::new();
    for h in a.0.saturating_add(1)..=local_h.0 {
        if let Some(header) = svc.chain.header_at(Height(h))? {
            saved.push((header, svc.chain.block_micro_blocks(Height(h))?));
        }
    }
    let saved_anc_micros = svc.chain.block_micro_blocks(a)?;
    let mut returned = if local_h > a {
        svc.chain.rollback_to(a)?
    } else {
        Vec::new()
    };
    returned.extend(align_micros(svc, a, anc_micros)?);
    let mut applied = 0u32;
    let mut refusal = None;
    'blocks: for (header, micros) in remote {
        match extend(svc, header, now)? {
            Ok(r) => {
                returned.extend(r);
                applied = applied.saturating_add(1);
            }
            Err(r) => {
                refusal = Some(r);
                break;
            }
        }
        for m in micros {
            match svc.chain.apply_micro_block(m) {
                Ok(_) => remove_included(svc, std::slice::from_ref(m)),
                Err(e @ (ChainError::Store(_) | ChainError::Corrupt(_))) => {
                    return Err(e.into());
                }
                Err(e) => {
                    refusal = Some(Refusal::of_chain(&e));
                    break 'blocks;
                }
            }
        }
    }
    if let Some(r) = refusal {
        restore(svc, a, &saved_anc_micros, &saved)?;
        return Ok(Extension::Refused(r));
    }
    readd(svc, returned)?;
    purge_pool(svc)?;
    Ok(Extension::Switched {
        rolled_back: local_h.0.saturating_sub(a.0),
        applied,
    })
}

/// Brings the micro blocks of the tip block (height `a`) in line with `target`: keeps the
/// common prefix; if `target` goes on past it, drops the local ones after it and applies
/// the rest of `target`. Returns the dropped transactions.
fn align_micros<S: Store>(
    svc: &mut ChainService<S>,
    a: Height,
    target: &[MicroBlock],
) -> Result<Vec<Transaction>, ImportError> {
    let local = svc.chain.block_micro_blocks(a)?;
    let common = local
        .iter()
        .zip(target)
        .take_while(|(l, r)| l.total_id() == r.total_id())
        .count();
    if target.len() == common {
        return Ok(Vec::new());
    }
    let returned = if local.len() > common {
        svc.chain
            .rollback_micro_to(u16::try_from(common).unwrap_or(u16::MAX))?
    } else {
        Vec::new()
    };
    for m in target.iter().skip(common) {
        match svc.chain.apply_micro_block(m) {
            Ok(_) => remove_included(svc, std::slice::from_ref(m)),
            Err(e @ (ChainError::Store(_) | ChainError::Corrupt(_))) => return Err(e.into()),
            Err(e) => {
                tracing::debug!(height = a.0, error = %e, "remote micro block refused");
                break;
            }
        }
    }
    Ok(returned)
}

/// Back to the node's own chain after a refused switch.
fn restore<S: Store>(
    svc: &mut ChainService<S>,
    a: Height,
    anc_micros: &[MicroBlock],
    saved: &[(KeyBlockHeader, Vec<MicroBlock>)],
) -> Result<(), ImportError> {
    if svc.chain.height() > a {
        svc.chain.rollback_to(a)?;
    }
    let local = svc.chain.block_micro_blocks(a)?;
    let common = local
        .iter()
        .zip(anc_micros)
        .take_while(|(l, r)| l.total_id() == r.total_id())
        .count();
    if local.len() > common {
        svc.chain
            .rollback_micro_to(u16::try_from(common).unwrap_or(u16::MAX))?;
    }
    for m in anc_micros.iter().skip(common) {
        svc.chain.apply_micro_block(m)?;
    }
    for (header, micros) in saved {
        apply_own(svc, header, micros)?;
    }
    Ok(())
}

fn remove_included<S: Store>(svc: &mut ChainService<S>, micros: &[MicroBlock]) {
    let ids: HashSet<TxId> = micros
        .iter()
        .flat_map(|m| m.transactions.iter().map(Transaction::id))
        .collect();
    svc.pool.remove_ids(&ids);
}

/// Puts transactions of dropped blocks back into the pool (those not in the chain now).
fn readd<S: Store>(svc: &mut ChainService<S>, txs: Vec<Transaction>) -> Result<(), ImportError> {
    if txs.is_empty() {
        return Ok(());
    }
    let mut fresh = Vec::with_capacity(txs.len());
    for tx in txs {
        if svc.chain.transaction(&tx.id())?.is_none() {
            fresh.push(tx);
        }
    }
    let ctx = svc.chain.validation_context()?;
    svc.pool.add(fresh, &ctx);
    Ok(())
}

/// Drops pool transactions that are in the chain now.
fn purge_pool<S: Store>(svc: &mut ChainService<S>) -> Result<(), ImportError> {
    let mut included = HashSet::new();
    for v in svc.pool.txs() {
        if svc.chain.transaction(&v.id())?.is_some() {
            included.insert(v.id());
        }
    }
    svc.pool.remove_ids(&included);
    Ok(())
}
