//! The forger as a synchronous state machine (docs/architecture.md): given the chain, the
//! transactions waiting, and the time `now`, it says when this node may forge, builds the key
//! block with the commitments of the previous block, then a micro block about every
//! `micro_interval` while it leads. The caller owns the clock and applies what it returns.

use crate::params::ChainParams;
use crate::pos::{delay_ms, hit_from_vrf_output};
use crate::rules::{ConsensusError, expected_base_target, generator_weight, vrf_message};
use crate::vrf;
use ltonode_ledger::block::{BlockId, KEY_BLOCK_VERSION, KeyBlockHeader, MicroBlock};
use ltonode_ledger::chain::{Chain, ChainError};
use ltonode_ledger::tx::{Transaction, VerifiedTx};
use ltonode_ledger::{Address, Height, KeyPair, PublicKey, Signature, Store, Timestamp};

/// When this generator may forge the next key block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The height it would forge.
    pub height: Height,
    /// The earliest timestamp it may use (`parent.ts + delay`).
    pub at: Timestamp,
    /// Its hit for that height.
    pub hit: u64,
    /// The generator's weighted balance the delay was computed with.
    pub weight: u64,
}

/// What the forger wants done now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForgerAction {
    /// Nothing to do before `until` (or before the chain changes).
    Wait {
        /// When to ask again.
        until: Option<Timestamp>,
    },
    /// Apply this key block (this node leads from now on).
    KeyBlock(Box<KeyBlockHeader>),
    /// Apply this micro block of transactions from the pool.
    MicroBlock(MicroBlock, Vec<VerifiedTx>),
}

/// A generator's forging state.
pub struct Forger {
    key: KeyPair,
    address: Address,
    params: ChainParams,
    total_supply: u64,
    last_micro_at: Option<Timestamp>,
    next_summary: ltonode_ledger::Hash32,
}

impl Forger {
    /// A forger for `key` on a chain with these parameters and total supply (the total
    /// stake the raffle factor divides by).
    pub fn new(key: KeyPair, params: ChainParams, total_supply: u64) -> Forger {
        let address = Address::from_public_key(params.chain_id, &key.public_key());
        Forger {
            key,
            address,
            params,
            total_supply,
            last_micro_at: None,
            next_summary: [0; 32],
        }
    }

    /// Sets the summary hash the next key block must commit (zero unless the tip closes a
    /// summary period; the caller derives it with the summary crate).
    pub fn set_next_summary(&mut self, hash: ltonode_ledger::Hash32) {
        self.next_summary = hash;
    }

    /// The generator's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The generator's public key.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// When this generator may forge on the current tip, or an error saying why it cannot
    /// (balance below the minimum, scripted account).
    pub fn slot<S: Store>(&self, chain: &Chain<S>) -> Result<Slot, ConsensusError> {
        let tip = chain.tip().ok_or(ChainError::Empty)?;
        let msg = vrf_message(chain, &self.params, tip.height)?;
        let (_, beta) = vrf::prove(&self.key.secret_bytes(), &msg)?;
        let hit = hit_from_vrf_output(&vrf::hit_source(&beta));
        let weight = generator_weight(chain, &self.params, &self.address, self.total_supply)?;
        let delay = delay_ms(&self.params, hit, tip.header.base_target, weight);
        Ok(Slot {
            height: Height(tip.height.0.saturating_add(1)),
            at: Timestamp(tip.header.timestamp.0.saturating_add(delay)),
            hit,
            weight,
        })
    }

    /// Builds and signs the key block for the tip at time `ts` (which must be at or after the
    /// slot), referencing the tip's total id (its newest micro block) with the commitments of
    /// the micro blocks up to it.
    pub fn key_block<S: Store>(
        &self,
        chain: &Chain<S>,
        ts: Timestamp,
    ) -> Result<KeyBlockHeader, ConsensusError> {
        let tip = chain.tip().ok_or(ChainError::Empty)?;
        let msg = vrf_message(chain, &self.params, tip.height)?;
        let (proof, _) = vrf::prove(&self.key.secret_bytes(), &msg)?;
        let base_target = expected_base_target(chain, &self.params, ts)?;
        let mut header = KeyBlockHeader {
            version: KEY_BLOCK_VERSION,
            height: Height(tip.height.0.saturating_add(1)),
            timestamp: ts,
            parent: tip.total_id,
            base_target,
            vrf_proof: proof.to_bytes(),
            commitments: {
                let mut commitments = chain.next_commitments()?;
                commitments.summary_hash = self.next_summary;
                commitments
            },
            generator: PublicKey([0; 32]),
            signature: Signature([0; 64]),
        };
        header.sign(&self.key);
        Ok(header)
    }

    /// Whether this node forged the current block (and so may add micro blocks to it).
    pub fn leads<S: Store>(&self, chain: &Chain<S>) -> bool {
        chain
            .tip()
            .is_some_and(|t| t.header.generator == self.key.public_key())
    }

    /// A signed micro block of `txs` on the tip (the caller checked they apply).
    pub fn micro_block(&self, parent: BlockId, txs: Vec<Transaction>) -> MicroBlock {
        MicroBlock::new_signed(parent, txs, &self.key)
    }

    /// The next step at time `now`: a key block when the slot has come, else a micro block
    /// of pool transactions when leading and the interval has passed or the pool holds a
    /// full micro block (`max_txs_per_micro`), else wait.
    ///
    /// `pool` yields verified transactions in the order to include them; those that do not
    /// apply on the current state are skipped (and reported back as not included, so the
    /// caller can drop them). At most `max_txs_per_micro` are taken.
    pub fn step<S: Store>(
        &mut self,
        chain: &Chain<S>,
        now: Timestamp,
        pool: &[VerifiedTx],
    ) -> Result<ForgerAction, ConsensusError> {
        let tip = chain.tip().ok_or(ChainError::Empty)?;
        if self.leads(chain) {
            let due = self
                .last_micro_at
                .map_or(tip.header.timestamp, |t| {
                    Timestamp(t.0.saturating_add(self.params.micro_interval_ms))
                })
                .max(tip.header.timestamp);
            let take = usize::try_from(self.params.max_txs_per_micro).unwrap_or(500);
            // The tip block's own timestamp bounds the first micro block from below.
            let full = pool.len() >= take && now >= tip.header.timestamp;
            if (now >= due || full) && !pool.is_empty() {
                let txs = self.applicable(chain, pool, take)?;
                if !txs.is_empty() {
                    self.last_micro_at = Some(now);
                    let micro = self
                        .micro_block(tip.total_id, txs.iter().map(|v| v.tx().clone()).collect());
                    return Ok(ForgerAction::MicroBlock(micro, txs));
                }
            }
        }
        let slot = match self.slot(chain) {
            Ok(s) => s,
            Err(ConsensusError::NotEligible(_)) | Err(ConsensusError::ScriptedGenerator(_)) => {
                return Ok(ForgerAction::Wait { until: None });
            }
            Err(e) => return Err(e),
        };
        if now >= slot.at {
            self.last_micro_at = None;
            return Ok(ForgerAction::KeyBlock(Box::new(
                self.key_block(chain, now)?,
            )));
        }
        let next_micro = if self.leads(chain) {
            Some(Timestamp(
                now.0.saturating_add(self.params.micro_interval_ms),
            ))
        } else {
            None
        };
        let until = next_micro.map_or(slot.at, |m| m.min(slot.at));
        Ok(ForgerAction::Wait { until: Some(until) })
    }

    /// Transaction bytes one micro block may carry: `max_block_bytes`, within the ledger's
    /// cap for a micro block less room for its header and proofs.
    fn micro_byte_budget(&self) -> usize {
        let cap = ltonode_ledger::block::MAX_MICRO_BYTES.saturating_sub(4096);
        usize::try_from(self.params.max_block_bytes)
            .unwrap_or(cap)
            .min(cap)
    }

    /// The pool transactions that apply, in order, on top of the current state, at most
    /// `max`.
    fn applicable<S: Store>(
        &self,
        chain: &Chain<S>,
        pool: &[VerifiedTx],
        max: usize,
    ) -> Result<Vec<VerifiedTx>, ConsensusError> {
        let tip = chain.tip().ok_or(ChainError::Empty)?;
        let ctx = ltonode_ledger::state::BlockContext {
            chain_id: self.params.chain_id,
            height: tip.height,
            timestamp: tip.header.timestamp,
            prev_timestamp: tip.prev_timestamp,
            generator: self.address,
            lease_unbonding: self.params.lease_unbonding,
            max_tx_future_ms: self.params.max_tx_future_ms,
            max_tx_past_ms: self.params.max_tx_past_ms,
            fee_split: self.params.fee_split(),
        };
        let mut overlay = ltonode_ledger::state::transition::Overlay::new(chain, ctx);
        let mut out = Vec::new();
        let mut bytes = 0usize;
        for v in pool {
            if out.len() >= max {
                break;
            }
            let size = v.tx().to_bytes().len();
            if bytes.saturating_add(size) > self.micro_byte_budget() {
                break;
            }
            if overlay.apply(v).is_ok() {
                bytes = bytes.saturating_add(size);
                out.push(v.clone());
            }
        }
        Ok(out)
    }
}
