//! Storage keys of the chain's records (docs/architecture.md). Heights and sequence numbers
//! are big-endian so that keys sort by height. A block's units are its key block (seq 0) and
//! its micro blocks (seq 1, 2, ...).

use crate::address::Address;
use crate::store::{concat, key_u32};
use crate::tx::TxId;
use crate::units::Height;

/// Meta: the chain tip (height u32 ‖ micro count u16).
pub const META_TIP: &[u8] = b"tip";
/// Meta prefix: fees carried from block h to the next key block's generator.
pub const META_CARRY: &[u8] = b"carry";

/// `(height, seq)` of an applied unit.
pub fn unit(height: Height, seq: u16) -> Vec<u8> {
    concat(&[&key_u32(height.0), &seq.to_be_bytes()])
}

/// Meta key of the number of anchors in block `h` so far (the next anchor's position).
pub fn anchor_count(height: Height) -> Vec<u8> {
    concat(&[b"anchors", &key_u32(height.0)])
}

/// Meta key of the fees carried by block `h`.
pub fn carry(height: Height) -> Vec<u8> {
    concat(&[META_CARRY, &key_u32(height.0)])
}

/// TxIndex key listing a transaction under an address.
pub fn address_tx(address: &Address, height: Height, seq: u16, index: u16) -> Vec<u8> {
    concat(&[
        address.as_bytes(),
        &key_u32(height.0),
        &seq.to_be_bytes(),
        &index.to_be_bytes(),
    ])
}

/// BalanceHistory key: address ‖ height.
pub fn balance_history(address: &Address, height: Height) -> Vec<u8> {
    concat(&[address.as_bytes(), &key_u32(height.0)])
}

/// Leases: the lease record.
pub fn lease(id: &TxId) -> Vec<u8> {
    concat(&[b"L", &id.0])
}

/// Leases: index of leases out of `sender`.
pub fn lease_out(sender: &Address, id: &TxId) -> Vec<u8> {
    concat(&[b"O", sender.as_bytes(), &id.0])
}

/// Leases: index of leases into `recipient`.
pub fn lease_in(recipient: &Address, id: &TxId) -> Vec<u8> {
    concat(&[b"I", recipient.as_bytes(), &id.0])
}

/// Associations: the record, keyed by the encoded association key.
pub fn association(encoded_key: &[u8]) -> Vec<u8> {
    concat(&[b"A", encoded_key])
}

/// Associations: index of incoming associations of `recipient`.
pub fn association_in(recipient: &Address, encoded_key: &[u8]) -> Vec<u8> {
    concat(&[b"R", recipient.as_bytes(), encoded_key])
}

/// Scripts: the account script.
pub fn script(address: &Address) -> Vec<u8> {
    concat(&[b"S", address.as_bytes()])
}

/// Scripts: the public key learned for an address.
pub fn public_key(address: &Address) -> Vec<u8> {
    concat(&[b"P", address.as_bytes()])
}

/// Generators: cumulative count of transactions paid by `address` up to `height`.
pub fn tx_count(address: &Address, height: Height) -> Vec<u8> {
    concat(&[b"C", address.as_bytes(), &key_u32(height.0)])
}

/// Generators: cumulative count of all transactions up to `height`.
pub fn total_tx_count(height: Height) -> Vec<u8> {
    concat(&[b"T", &key_u32(height.0)])
}

/// Generators: the prefix of the cumulative totals.
pub fn total_tx_count_prefix() -> Vec<u8> {
    b"T".to_vec()
}

/// Anchors: one occurrence of an anchored value.
pub fn anchor(value: &[u8], height: Height, position: u32) -> Vec<u8> {
    concat(&[
        &anchor_prefix(value),
        &key_u32(height.0),
        &position.to_be_bytes(),
    ])
}

/// Anchors: the prefix of every occurrence of a value (its length, then its bytes, so that
/// one value is never a prefix of another's entries).
pub fn anchor_prefix(value: &[u8]) -> Vec<u8> {
    let len = u8::try_from(value.len()).unwrap_or(u8::MAX);
    concat(&[&[len], value])
}

/// Meta: the finalized height (monotonic; no rollback goes below it).
pub const META_FINAL: &[u8] = b"final";
/// Meta: the highest height whose transaction data was pruned.
pub const META_PRUNED: &[u8] = b"pruned";
/// Meta: the storage mode, `pruned` or `history`.
pub const META_MODE: &[u8] = b"mode";
/// Meta: the summary boundary a fast-synced chain was bootstrapped at (absent: the chain was
/// replayed from genesis). No balance history exists below it.
pub const META_SNAPSHOT: &[u8] = b"snapshot";

/// Meta: the highest pruned height whose transaction ids were forgotten (replay protection no
/// longer needs them: their timestamps are out of every window a new block can have).
pub const META_TX_IDS_FORGOTTEN: &[u8] = b"forgotten";

/// Meta: the ids (32 bytes each) of the transactions of pruned block `height` still kept for
/// replay protection, until they are forgotten.
pub fn tx_ids(height: Height) -> Vec<u8> {
    concat(&[b"tids", &key_u32(height.0)])
}

/// Summaries: an address whose balance changed in unit `(height, seq)` (the summary
/// builder's index; one key per unit, so it is always new).
pub fn touched(height: Height, seq: u16, address: &Address) -> Vec<u8> {
    concat(&[
        b"D",
        &key_u32(height.0),
        &seq.to_be_bytes(),
        address.as_bytes(),
    ])
}

/// Summaries: the prefix of the addresses touched at `height`.
pub fn touched_prefix(height: Height) -> Vec<u8> {
    concat(&[b"D", &key_u32(height.0)])
}

/// Summaries: the stored summary block `n`.
pub fn summary(n: u32) -> Vec<u8> {
    concat(&[b"S", &key_u32(n)])
}

/// Meta: the ids of the micro blocks kept in block `height`, once its blocks are pruned.
pub fn micro_ids(height: Height) -> Vec<u8> {
    concat(&[b"mids", &key_u32(height.0)])
}

/// Generators: the cumulative total of tokens burned up to `height`.
pub fn burned(height: Height) -> Vec<u8> {
    concat(&[b"B", &key_u32(height.0)])
}

/// Generators: the prefix of the burned totals.
pub fn burned_prefix() -> Vec<u8> {
    b"B".to_vec()
}

/// Account data: the data entry `key` of `address`.
pub fn data_entry(address: &Address, key: &str) -> Vec<u8> {
    concat(&[b"D", address.as_bytes(), key.as_bytes()])
}

/// Account data: the prefix of every data entry of `address`.
pub fn data_prefix(address: &Address) -> Vec<u8> {
    concat(&[b"D", address.as_bytes()])
}

/// Account data: the sponsors of `address`, newest first.
pub fn sponsors(address: &Address) -> Vec<u8> {
    concat(&[b"S", address.as_bytes()])
}

/// Account data: the DER certificate of `address`.
pub fn certificate(address: &Address) -> Vec<u8> {
    concat(&[b"C", address.as_bytes()])
}

/// Account data: a key registered by `address` (type byte and key bytes).
pub fn registered_key(address: &Address, key_type: u8, key: &[u8]) -> Vec<u8> {
    concat(&[b"K", address.as_bytes(), &[key_type], key])
}

/// Account data: the prefix of the keys registered by `address`.
pub fn registered_prefix(address: &Address) -> Vec<u8> {
    concat(&[b"K", address.as_bytes()])
}

/// Account data: who paid the fee of transaction `id`, when it was not its sender (LTO's
/// `effectiveSponsor`).
pub fn fee_sponsor(id: &TxId) -> Vec<u8> {
    concat(&[b"F", &id.0])
}
