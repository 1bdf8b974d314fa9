//! Binary codecs of transactions: body bytes (signed and hashed) and wire bytes, byte for byte
//! as LTO's node and clients lay them out. All
//! integers are big-endian; `BYTES16` is a u16 length and that many bytes.
//!
//! Every transaction has exactly one encoding: decoders refuse negative amounts, unknown flag
//! values, empty "present" options and trailing bytes, so `encode(decode(b)) == b` whenever
//! decoding succeeds. Decoders never panic and never allocate more than their input's size.

use super::{
    DataEntry, DataValue, RegisteredKey, Transaction, TxBody, TxError, TxId, TxType, limits,
};
use crate::address::{ADDRESS_LEN, Address, ChainId};
use crate::keys::{AccountKey, KeyType, PUBLIC_KEY_LEN, PublicKey};
use crate::units::{Amount, Timestamp};

/// Key type byte of Ed25519.
pub const KEY_TYPE_ED25519: u8 = 1;
/// Version byte of the proofs block.
pub const PROOFS_VERSION: u8 = 1;

/// A cursor over input bytes whose reads fail with [`TxError::Truncated`] instead of panicking.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// The current offset.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], TxError> {
        let end = self.pos.checked_add(n).ok_or(TxError::Truncated {
            at: self.pos,
            needed: n,
        })?;
        let out = self.bytes.get(self.pos..end).ok_or(TxError::Truncated {
            at: self.pos,
            needed: end.saturating_sub(self.bytes.len()),
        })?;
        self.pos = end;
        Ok(out)
    }

    /// The next byte, without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Reads one byte.
    pub fn u8(&mut self) -> Result<u8, TxError> {
        let at = self.pos;
        self.take(1)?
            .first()
            .copied()
            .ok_or(TxError::Truncated { at, needed: 1 })
    }

    /// A big-endian u16.
    pub fn u16(&mut self) -> Result<u16, TxError> {
        let b = self.array::<2>()?;
        Ok(u16::from_be_bytes(b))
    }

    /// A big-endian i32.
    pub fn i32(&mut self) -> Result<i32, TxError> {
        Ok(i32::from_be_bytes(self.array::<4>()?))
    }

    /// A big-endian i64.
    pub fn i64(&mut self) -> Result<i64, TxError> {
        Ok(i64::from_be_bytes(self.array::<8>()?))
    }

    /// A fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], TxError> {
        let s = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    /// `BYTES16`: a u16 length and that many bytes, at most `max`.
    pub fn bytes16(&mut self, field: &'static str, max: usize) -> Result<Vec<u8>, TxError> {
        let len = usize::from(self.u16()?);
        if len > max {
            return Err(TxError::TooLong {
                field,
                max,
                found: len,
            });
        }
        Ok(self.take(len)?.to_vec())
    }

    /// Fails unless every byte was read.
    pub fn finish(&self) -> Result<(), TxError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(TxError::TrailingBytes { count }),
        }
    }

    fn amount(&mut self, field: &'static str) -> Result<Amount, TxError> {
        let v = self.i64()?;
        Amount::from_i64(v).ok_or(TxError::Negative { field, value: v })
    }

    fn timestamp(&mut self) -> Result<Timestamp, TxError> {
        let v = self.i64()?;
        Timestamp::from_i64(v).ok_or(TxError::Negative {
            field: "timestamp",
            value: v,
        })
    }

    /// The raw 32-byte Ed25519 key of the layouts before version 3.
    fn public_key(&mut self) -> Result<AccountKey, TxError> {
        Ok(AccountKey::Ed25519(PublicKey(
            self.array::<PUBLIC_KEY_LEN>()?,
        )))
    }

    /// `keyType ‖ key` of a signer: a key type that can sign, and a key of its length.
    fn account_key(&mut self) -> Result<AccountKey, TxError> {
        let t = self.u8()?;
        let key_type = KeyType::from_id(t).map_err(|_| TxError::UnsupportedKeyType(t))?;
        if key_type == KeyType::Bls12381 {
            return Err(TxError::UnsupportedKeyType(t));
        }
        let bytes = self.take(key_type.key_len())?;
        Ok(AccountKey::new(key_type, bytes)?)
    }

    /// `keyType ‖ key` of a registered key: any key type.
    fn registered_key(&mut self) -> Result<RegisteredKey, TxError> {
        let t = self.u8()?;
        let key_type = KeyType::from_id(t).map_err(|_| TxError::UnsupportedKeyType(t))?;
        Ok(RegisteredKey {
            key_type,
            public_key: self.take(key_type.key_len())?.to_vec(),
        })
    }

    fn address(&mut self) -> Result<Address, TxError> {
        Ok(Address::from_bytes(self.take(ADDRESS_LEN)?)?)
    }

    /// `0x00` for none, `0x01 ‖ BYTES16` (non-empty) for some.
    fn optional_bytes16(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<Option<Vec<u8>>, TxError> {
        match self.u8()? {
            0 => Ok(None),
            1 => {
                let v = self.bytes16(field, max)?;
                if v.is_empty() {
                    return Err(TxError::BadLength {
                        field,
                        expected: 1,
                        found: 0,
                    });
                }
                Ok(Some(v))
            }
            value => Err(TxError::BadTag { field, value }),
        }
    }
}

/// An append-only big-endian writer.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// An empty writer with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Writer {
        Writer {
            buf: Vec::with_capacity(bytes),
        }
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Appends raw bytes.
    pub fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    /// Appends one byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    /// Appends a big-endian u16.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }

    /// Appends a big-endian i32.
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }

    /// Appends a big-endian i64.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }

    /// Appends a big-endian u64 (the bit pattern of LTO's i64 for amounts and times).
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }

    /// Appends `BYTES16`. Lengths above `u16::MAX` are truncated in the length field; the
    /// validators refuse such fields long before they reach a writer.
    pub fn bytes16(&mut self, b: &[u8]) -> &mut Self {
        let len = u16::try_from(b.len()).unwrap_or(u16::MAX);
        self.u16(len);
        self.raw(b.get(..usize::from(len)).unwrap_or(b))
    }

    /// Appends a u16 count.
    pub fn count(&mut self, n: usize) -> &mut Self {
        self.u16(u16::try_from(n).unwrap_or(u16::MAX))
    }

    fn optional_bytes16(&mut self, v: &Option<Vec<u8>>) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(b) => self.u8(1).bytes16(b),
        }
    }
}

/// The common header of version 3 and later bodies (`H3`).
fn write_h3(w: &mut Writer, tx: &Transaction) {
    w.u8(tx.tx_type().id())
        .u8(tx.version)
        .u8(tx.chain_id.0)
        .u64(tx.timestamp.0)
        .u8(tx.sender.key_type().id())
        .raw(tx.sender.as_bytes())
        .u64(tx.fee.0);
}

fn write_data(w: &mut Writer, data: &[DataEntry]) {
    w.count(data.len());
    for e in data {
        write_data_entry(w, e);
    }
}

/// The bytes of one data entry: `BYTES16(key) ‖ type ‖ value`.
pub fn write_data_entry(w: &mut Writer, e: &DataEntry) {
    w.bytes16(e.key.as_bytes());
    write_data_value(w, &e.value);
}

/// The bytes of a data value: `type ‖ value`.
pub fn write_data_value(w: &mut Writer, v: &DataValue) {
    match v {
        DataValue::Integer(v) => w.u8(0).i64(*v),
        DataValue::Boolean(v) => w.u8(1).u8(u8::from(*v)),
        DataValue::Binary(v) => w.u8(2).bytes16(v),
        DataValue::String(v) => w.u8(3).bytes16(v.as_bytes()),
    };
}

/// Reads [`write_data_value`]'s bytes, all of them.
pub fn read_data_value(bytes: &[u8]) -> Result<DataValue, TxError> {
    let mut r = Reader::new(bytes);
    let v = read_value(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// The encoded size of data entries, without the count (the fee counts these bytes).
pub fn data_bytes_len(data: &[DataEntry]) -> usize {
    let mut w = Writer::new();
    for e in data {
        write_data_entry(&mut w, e);
    }
    w.buf.len()
}

/// The body bytes of `tx`: what is signed and what the id hashes.
pub fn encode_body(tx: &Transaction) -> Vec<u8> {
    let mut w = Writer::new();
    let t = tx.tx_type().id();
    let v = tx.version;
    let pk = tx.sender.as_bytes();
    match (&tx.body, v) {
        (TxBody::Genesis { recipient, amount }, _) => {
            w.u8(t)
                .u64(tx.timestamp.0)
                .raw(recipient.as_bytes())
                .u64(amount.0);
        }
        (
            TxBody::Transfer {
                recipient,
                amount,
                attachment,
            },
            1 | 2,
        ) => {
            w.u8(t);
            if v == 2 {
                w.u8(2);
            }
            w.raw(pk)
                .u64(tx.timestamp.0)
                .u64(amount.0)
                .u64(tx.fee.0)
                .raw(recipient.as_bytes())
                .bytes16(attachment);
        }
        (
            TxBody::Transfer {
                recipient,
                amount,
                attachment,
            },
            _,
        ) => {
            write_h3(&mut w, tx);
            w.raw(recipient.as_bytes())
                .u64(amount.0)
                .bytes16(attachment);
        }
        (TxBody::Lease { recipient, amount }, 1 | 2) => {
            w.u8(t);
            if v == 2 {
                w.u8(2).u8(0);
            }
            w.raw(pk)
                .raw(recipient.as_bytes())
                .u64(amount.0)
                .u64(tx.fee.0)
                .u64(tx.timestamp.0);
        }
        (TxBody::Lease { recipient, amount }, _) => {
            write_h3(&mut w, tx);
            w.raw(recipient.as_bytes()).u64(amount.0);
        }
        (TxBody::CancelLease { lease_id }, 1 | 2) => {
            w.u8(t);
            if v == 2 {
                w.u8(2).u8(tx.chain_id.0);
            }
            w.raw(pk).u64(tx.fee.0).u64(tx.timestamp.0).raw(&lease_id.0);
        }
        (TxBody::CancelLease { lease_id }, _) => {
            write_h3(&mut w, tx);
            w.raw(&lease_id.0);
        }
        (
            TxBody::MassTransfer {
                transfers,
                attachment,
            },
            1,
        ) => {
            w.u8(t).u8(1).raw(pk).count(transfers.len());
            for (a, amt) in transfers {
                w.raw(a.as_bytes()).u64(amt.0);
            }
            w.u64(tx.timestamp.0).u64(tx.fee.0).bytes16(attachment);
        }
        (
            TxBody::MassTransfer {
                transfers,
                attachment,
            },
            _,
        ) => {
            write_h3(&mut w, tx);
            w.count(transfers.len());
            for (a, amt) in transfers {
                w.raw(a.as_bytes()).u64(amt.0);
            }
            w.bytes16(attachment);
        }
        (TxBody::SetScript { script }, 1) => {
            w.u8(t).u8(1).u8(tx.chain_id.0).raw(pk);
            w.optional_bytes16(script);
            w.u64(tx.fee.0).u64(tx.timestamp.0);
        }
        (TxBody::SetScript { script }, _) => {
            write_h3(&mut w, tx);
            w.bytes16(script.as_deref().unwrap_or(&[]));
        }
        (TxBody::Anchor { anchors }, 1) => {
            w.u8(t).u8(1).raw(pk).count(anchors.len());
            for a in anchors {
                w.bytes16(a);
            }
            w.u64(tx.timestamp.0).u64(tx.fee.0);
        }
        (TxBody::Anchor { anchors }, _) => {
            write_h3(&mut w, tx);
            w.count(anchors.len());
            for a in anchors {
                w.bytes16(a);
            }
        }
        (
            TxBody::IssueAssociation {
                association_type,
                recipient,
                expires,
                subject,
                data,
            },
            _,
        ) => match v {
            1 => {
                w.u8(t)
                    .u8(1)
                    .u8(tx.chain_id.0)
                    .raw(pk)
                    .raw(recipient.as_bytes());
                w.i32(*association_type as i32);
                w.optional_bytes16(subject);
                w.u64(tx.timestamp.0).u64(tx.fee.0);
            }
            3 => {
                write_h3(&mut w, tx);
                w.raw(recipient.as_bytes())
                    .i32(*association_type as i32)
                    .u64(expires.map_or(0, |e| e.0))
                    .bytes16(subject.as_deref().unwrap_or(&[]));
            }
            _ => {
                write_h3(&mut w, tx);
                w.i64(*association_type)
                    .raw(recipient.as_bytes())
                    .u64(expires.map_or(0, |e| e.0))
                    .bytes16(subject.as_deref().unwrap_or(&[]));
                write_data(&mut w, data);
            }
        },
        (
            TxBody::RevokeAssociation {
                association_type,
                recipient,
                subject,
            },
            _,
        ) => match v {
            1 => {
                w.u8(t)
                    .u8(1)
                    .u8(tx.chain_id.0)
                    .raw(pk)
                    .raw(recipient.as_bytes());
                w.i32(*association_type as i32);
                w.optional_bytes16(subject);
                w.u64(tx.timestamp.0).u64(tx.fee.0);
            }
            3 => {
                write_h3(&mut w, tx);
                w.raw(recipient.as_bytes())
                    .i32(*association_type as i32)
                    .bytes16(subject.as_deref().unwrap_or(&[]));
            }
            _ => {
                write_h3(&mut w, tx);
                w.i64(*association_type)
                    .raw(recipient.as_bytes())
                    .bytes16(subject.as_deref().unwrap_or(&[]));
            }
        },
        (TxBody::MappedAnchor { anchors }, _) => {
            write_h3(&mut w, tx);
            w.count(anchors.len());
            for (k, val) in anchors {
                w.bytes16(k).bytes16(val);
            }
        }
        (TxBody::Data { data }, _) => {
            write_h3(&mut w, tx);
            write_data(&mut w, data);
        }
        (TxBody::Sponsorship { recipient } | TxBody::CancelSponsorship { recipient }, 1) => {
            w.u8(t)
                .u8(1)
                .u8(tx.chain_id.0)
                .raw(pk)
                .raw(recipient.as_bytes())
                .u64(tx.timestamp.0)
                .u64(tx.fee.0);
        }
        (TxBody::Sponsorship { recipient } | TxBody::CancelSponsorship { recipient }, _) => {
            write_h3(&mut w, tx);
            w.raw(recipient.as_bytes());
        }
        (TxBody::Register { keys }, _) => {
            write_h3(&mut w, tx);
            w.count(keys.len());
            for k in keys {
                w.u8(k.key_type.id()).raw(&k.public_key);
            }
        }
        (TxBody::Burn { amount }, _) => {
            write_h3(&mut w, tx);
            w.u64(amount.0);
        }
        (
            TxBody::Statement {
                statement_type,
                recipient,
                subject,
                data,
            },
            _,
        ) => {
            write_h3(&mut w, tx);
            w.i64(*statement_type);
            match recipient {
                None => w.u8(0),
                Some(r) => w.u8(1).raw(r.as_bytes()),
            };
            w.bytes16(subject.as_deref().unwrap_or(&[]));
            write_data(&mut w, data);
        }
        (TxBody::Certificate { certificate }, _) => {
            write_h3(&mut w, tx);
            w.bytes16(certificate.as_deref().unwrap_or(&[]));
        }
    }
    w.into_bytes()
}

/// Whether this type and version is written without the leading `0x00` on the wire.
fn is_legacy_wire(t: TxType, version: u8) -> bool {
    matches!(
        (t, version),
        (TxType::Genesis, _)
            | (TxType::Transfer, 1)
            | (TxType::Lease, 1)
            | (TxType::CancelLease, 1)
            | (TxType::MassTransfer, 1)
    )
}

fn write_proofs(w: &mut Writer, proofs: &[Vec<u8>]) {
    w.u8(PROOFS_VERSION).count(proofs.len());
    for p in proofs {
        w.bytes16(p);
    }
}

fn signature64(proofs: &[Vec<u8>]) -> [u8; 64] {
    let mut sig = [0u8; 64];
    if let Some(p) = proofs.first() {
        for (d, s) in sig.iter_mut().zip(p.iter()) {
            *d = *s;
        }
    }
    sig
}

/// The wire bytes of `tx`: `0x00 ‖ body ‖ [sponsor] ‖ proofs` for most, and LTO's
/// legacy layouts for genesis, transfer/lease/cancel lease v1 and mass transfer v1.
pub fn encode_wire(tx: &Transaction) -> Vec<u8> {
    let body = encode_body(tx);
    let mut w = Writer::new();
    let t = tx.tx_type();
    match (t, tx.version) {
        (TxType::Genesis, _) => {
            w.raw(&body);
        }
        (TxType::Transfer, 1) => {
            w.u8(t.id()).raw(&signature64(&tx.proofs)).raw(&body);
        }
        (TxType::Lease, 1) | (TxType::CancelLease, 1) => {
            w.raw(&body).raw(&signature64(&tx.proofs));
        }
        (TxType::MassTransfer, 1) => {
            w.raw(&body);
            write_proofs(&mut w, &tx.proofs);
        }
        _ => {
            w.u8(0).raw(&body);
            if tx.version >= 3 {
                match &tx.sponsor {
                    None => w.u8(0),
                    Some(pk) => w.u8(pk.key_type().id()).raw(pk.as_bytes()),
                };
            }
            write_proofs(&mut w, &tx.proofs);
        }
    }
    w.into_bytes()
}

fn read_proofs(r: &mut Reader) -> Result<Vec<Vec<u8>>, TxError> {
    let v = r.u8()?;
    if v != PROOFS_VERSION {
        return Err(TxError::BadTag {
            field: "proofs version",
            value: v,
        });
    }
    let n = usize::from(r.u16()?);
    if n > limits::MAX_PROOFS {
        return Err(TxError::TooLong {
            field: "proofs",
            max: limits::MAX_PROOFS,
            found: n,
        });
    }
    (0..n)
        .map(|_| r.bytes16("proof", limits::MAX_PROOF_LEN))
        .collect()
}

fn read_sponsor(r: &mut Reader) -> Result<Option<AccountKey>, TxError> {
    match r.peek() {
        Some(0) => {
            r.u8()?;
            Ok(None)
        }
        _ => Ok(Some(r.account_key()?)),
    }
}

/// Decodes wire bytes into a transaction. Versions without a chain byte get `chain`.
pub fn decode_wire(bytes: &[u8], chain: ChainId) -> Result<Transaction, TxError> {
    if bytes.len() > limits::MAX_TX_BYTES {
        return Err(TxError::TooLarge {
            max: limits::MAX_TX_BYTES,
            found: bytes.len(),
        });
    }
    let mut r = Reader::new(bytes);
    let first = r.peek().ok_or(TxError::Truncated { at: 0, needed: 1 })?;
    let tx = if first == 0 {
        r.u8()?;
        let mut tx = read_body(&mut r, chain, true)?;
        if is_legacy_wire(tx.tx_type(), tx.version) {
            return Err(TxError::BadTag {
                field: "wire prefix",
                value: 0,
            });
        }
        if tx.version >= 3 {
            tx.sponsor = read_sponsor(&mut r)?;
        }
        tx.proofs = read_proofs(&mut r)?;
        tx
    } else {
        let t = TxType::from_id(first)?;
        match t {
            TxType::Genesis => read_body(&mut r, chain, false)?,
            TxType::Transfer => {
                r.u8()?;
                let sig = r.take(64)?.to_vec();
                let at = r.position();
                let mut tx = read_body(&mut r, chain, false)?;
                // The body after the signature must be a transfer's too: another type's v1
                // body here would be a second encoding of that transaction.
                if tx.tx_type() != TxType::Transfer {
                    return Err(TxError::BadTag {
                        field: "transfer v1 body type",
                        value: bytes.get(at).copied().unwrap_or(0),
                    });
                }
                tx.proofs = vec![sig];
                tx
            }
            TxType::Lease | TxType::CancelLease => {
                let mut tx = read_body(&mut r, chain, false)?;
                tx.proofs = vec![r.take(64)?.to_vec()];
                tx
            }
            TxType::MassTransfer => {
                let mut tx = read_body(&mut r, chain, true)?;
                if tx.version != 1 {
                    return Err(TxError::BadTag {
                        field: "wire prefix",
                        value: first,
                    });
                }
                tx.proofs = read_proofs(&mut r)?;
                tx
            }
            _ => {
                return Err(TxError::BadTag {
                    field: "wire prefix",
                    value: first,
                });
            }
        }
    };
    r.finish()?;
    Ok(tx)
}

/// Decodes body bytes alone (no proofs, no sponsor). Versions without a chain byte get
/// `chain`. Body bytes alone cannot tell a v1 transfer, lease or cancel lease (no version
/// byte) from v2/v3: a second byte of 2 or 3 is read as the version.
pub fn decode_body(bytes: &[u8], chain: ChainId) -> Result<Transaction, TxError> {
    if bytes.len() > limits::MAX_TX_BYTES {
        return Err(TxError::TooLarge {
            max: limits::MAX_TX_BYTES,
            found: bytes.len(),
        });
    }
    let mut r = Reader::new(bytes);
    let versioned = !matches!(
        (bytes.first(), bytes.get(1)),
        (Some(4 | 8 | 9), Some(b)) if *b != 2 && *b != 3
    );
    let tx = read_body(&mut r, chain, versioned)?;
    r.finish()?;
    Ok(tx)
}

/// Fields of the version 3 header, after type and version.
struct H3 {
    chain: ChainId,
    timestamp: Timestamp,
    sender: AccountKey,
    fee: Amount,
}

fn read_h3(r: &mut Reader) -> Result<H3, TxError> {
    let chain = ChainId(r.u8()?);
    let timestamp = r.timestamp()?;
    let sender = r.account_key()?;
    let fee = r.amount("fee")?;
    Ok(H3 {
        chain,
        timestamp,
        sender,
        fee,
    })
}

fn read_count(r: &mut Reader, field: &'static str, max: usize) -> Result<usize, TxError> {
    let n = usize::from(r.u16()?);
    if n > max {
        return Err(TxError::TooLong {
            field,
            max,
            found: n,
        });
    }
    Ok(n)
}

fn read_anchors(r: &mut Reader) -> Result<Vec<Vec<u8>>, TxError> {
    let n = read_count(r, "anchors", limits::MAX_ANCHORS)?;
    (0..n)
        .map(|_| r.bytes16("anchor", limits::MAX_ANCHOR_LEN))
        .collect()
}

fn read_transfers(r: &mut Reader) -> Result<Vec<(Address, Amount)>, TxError> {
    let n = read_count(r, "transfers", limits::MAX_TRANSFERS)?;
    (0..n)
        .map(|_| Ok((r.address()?, r.amount("amount")?)))
        .collect()
}

fn read_data_entry(r: &mut Reader) -> Result<DataEntry, TxError> {
    // The key limit is 100 UTF-16 characters (validation counts them): at most 4 bytes each.
    let key = String::from_utf8(r.bytes16("data key", 4 * limits::MAX_DATA_KEY_LEN)?)
        .map_err(|_| TxError::BadUtf8 { field: "data key" })?;
    Ok(DataEntry {
        key,
        value: read_value(r)?,
    })
}

fn read_value(r: &mut Reader) -> Result<DataValue, TxError> {
    Ok(match r.u8()? {
        0 => DataValue::Integer(r.i64()?),
        1 => match r.u8()? {
            0 => DataValue::Boolean(false),
            1 => DataValue::Boolean(true),
            value => {
                return Err(TxError::BadTag {
                    field: "boolean",
                    value,
                });
            }
        },
        2 => DataValue::Binary(r.bytes16("data value", limits::MAX_DATA_VALUE_LEN)?),
        3 => DataValue::String(
            String::from_utf8(r.bytes16("data value", limits::MAX_DATA_VALUE_LEN)?).map_err(
                |_| TxError::BadUtf8 {
                    field: "data value",
                },
            )?,
        ),
        value => {
            return Err(TxError::BadTag {
                field: "data type",
                value,
            });
        }
    })
}

fn nonempty(v: Vec<u8>) -> Option<Vec<u8>> {
    if v.is_empty() { None } else { Some(v) }
}

fn i32_type(r: &mut Reader) -> Result<i64, TxError> {
    Ok(i64::from(r.i32()?))
}

fn expires(v: i64) -> Result<Option<Timestamp>, TxError> {
    match v {
        0 => Ok(None),
        v if v < 0 => Err(TxError::Negative {
            field: "expires",
            value: v,
        }),
        v => Ok(Timestamp::from_i64(v)),
    }
}

/// Reads a body starting at its type byte. `versioned` is false for the v1 layouts of
/// transfer, lease and cancel lease, which have no version byte (on the wire they are the
/// forms without the leading `0x00`).
fn read_body(r: &mut Reader, chain: ChainId, versioned: bool) -> Result<Transaction, TxError> {
    let t = TxType::from_id(r.u8()?)?;
    // Genesis and the v1 layouts of transfer and lease have no version byte.
    let version = match t {
        TxType::Genesis => 1,
        TxType::Transfer | TxType::Lease | TxType::CancelLease if !versioned => 1,
        _ => r.u8()?,
    };
    t.check_version(version)?;
    let mut tx = Transaction {
        version,
        chain_id: chain,
        timestamp: Timestamp(0),
        sender: AccountKey::Ed25519(PublicKey([0; 32])),
        fee: Amount::ZERO,
        sponsor: None,
        proofs: Vec::new(),
        body: TxBody::Anchor {
            anchors: Vec::new(),
        },
    };
    if version >= 3 {
        let h = read_h3(r)?;
        tx.chain_id = h.chain;
        tx.timestamp = h.timestamp;
        tx.sender = h.sender;
        tx.fee = h.fee;
    }
    tx.body = match (t, version) {
        (TxType::Genesis, _) => {
            tx.timestamp = r.timestamp()?;
            let recipient = r.address()?;
            tx.chain_id = recipient.chain_id();
            TxBody::Genesis {
                recipient,
                amount: r.amount("amount")?,
            }
        }
        (TxType::Transfer, 1 | 2) => {
            tx.sender = r.public_key()?;
            tx.timestamp = r.timestamp()?;
            let amount = r.amount("amount")?;
            tx.fee = r.amount("fee")?;
            let recipient = r.address()?;
            let attachment = r.bytes16("attachment", limits::MAX_ATTACHMENT_LEN)?;
            TxBody::Transfer {
                recipient,
                amount,
                attachment,
            }
        }
        (TxType::Transfer, _) => TxBody::Transfer {
            recipient: r.address()?,
            amount: r.amount("amount")?,
            attachment: r.bytes16("attachment", limits::MAX_ATTACHMENT_LEN)?,
        },
        (TxType::Lease, 1 | 2) => {
            if version == 2 {
                let flag = r.u8()?;
                if flag != 0 {
                    return Err(TxError::BadTag {
                        field: "lease asset flag",
                        value: flag,
                    });
                }
            }
            tx.sender = r.public_key()?;
            let recipient = r.address()?;
            let amount = r.amount("amount")?;
            tx.fee = r.amount("fee")?;
            tx.timestamp = r.timestamp()?;
            TxBody::Lease { recipient, amount }
        }
        (TxType::Lease, _) => TxBody::Lease {
            recipient: r.address()?,
            amount: r.amount("amount")?,
        },
        (TxType::CancelLease, 1 | 2) => {
            if version == 2 {
                tx.chain_id = ChainId(r.u8()?);
            }
            tx.sender = r.public_key()?;
            tx.fee = r.amount("fee")?;
            tx.timestamp = r.timestamp()?;
            TxBody::CancelLease {
                lease_id: TxId(r.array::<32>()?),
            }
        }
        (TxType::CancelLease, _) => TxBody::CancelLease {
            lease_id: TxId(r.array::<32>()?),
        },
        (TxType::MassTransfer, 1) => {
            tx.sender = r.public_key()?;
            let transfers = read_transfers(r)?;
            tx.timestamp = r.timestamp()?;
            tx.fee = r.amount("fee")?;
            TxBody::MassTransfer {
                transfers,
                attachment: r.bytes16("attachment", limits::MAX_ATTACHMENT_LEN)?,
            }
        }
        (TxType::MassTransfer, _) => TxBody::MassTransfer {
            transfers: read_transfers(r)?,
            attachment: r.bytes16("attachment", limits::MAX_ATTACHMENT_LEN)?,
        },
        (TxType::SetScript, 1) => {
            tx.chain_id = ChainId(r.u8()?);
            tx.sender = r.public_key()?;
            let script = r.optional_bytes16("script", limits::MAX_SCRIPT_LEN)?;
            tx.fee = r.amount("fee")?;
            tx.timestamp = r.timestamp()?;
            TxBody::SetScript { script }
        }
        (TxType::SetScript, _) => TxBody::SetScript {
            script: nonempty(r.bytes16("script", limits::MAX_SCRIPT_LEN)?),
        },
        (TxType::Anchor, 1) => {
            tx.sender = r.public_key()?;
            let anchors = read_anchors(r)?;
            tx.timestamp = r.timestamp()?;
            tx.fee = r.amount("fee")?;
            TxBody::Anchor { anchors }
        }
        (TxType::Anchor, _) => TxBody::Anchor {
            anchors: read_anchors(r)?,
        },
        (TxType::IssueAssociation, 1) | (TxType::RevokeAssociation, 1) => {
            tx.chain_id = ChainId(r.u8()?);
            tx.sender = r.public_key()?;
            let recipient = r.address()?;
            let association_type = i32_type(r)?;
            let subject = r.optional_bytes16("subject", limits::MAX_SUBJECT_LEN)?;
            tx.timestamp = r.timestamp()?;
            tx.fee = r.amount("fee")?;
            if t == TxType::IssueAssociation {
                TxBody::IssueAssociation {
                    association_type,
                    recipient,
                    expires: None,
                    subject,
                    data: Vec::new(),
                }
            } else {
                TxBody::RevokeAssociation {
                    association_type,
                    recipient,
                    subject,
                }
            }
        }
        (TxType::IssueAssociation, 3) => {
            let recipient = r.address()?;
            let association_type = i32_type(r)?;
            let expires = expires(r.i64()?)?;
            let subject = nonempty(r.bytes16("subject", limits::MAX_SUBJECT_LEN)?);
            TxBody::IssueAssociation {
                association_type,
                recipient,
                expires,
                subject,
                data: Vec::new(),
            }
        }
        (TxType::IssueAssociation, _) => {
            let association_type = r.i64()?;
            let recipient = r.address()?;
            let expires = expires(r.i64()?)?;
            let subject = nonempty(r.bytes16("subject", limits::MAX_SUBJECT_LEN)?);
            let data = read_data(r)?;
            TxBody::IssueAssociation {
                association_type,
                recipient,
                expires,
                subject,
                data,
            }
        }
        (TxType::RevokeAssociation, 3) => {
            let recipient = r.address()?;
            let association_type = i32_type(r)?;
            TxBody::RevokeAssociation {
                association_type,
                recipient,
                subject: nonempty(r.bytes16("subject", limits::MAX_SUBJECT_LEN)?),
            }
        }
        (TxType::RevokeAssociation, _) => {
            let association_type = r.i64()?;
            let recipient = r.address()?;
            TxBody::RevokeAssociation {
                association_type,
                recipient,
                subject: nonempty(r.bytes16("subject", limits::MAX_SUBJECT_LEN)?),
            }
        }
        (TxType::MappedAnchor, _) => {
            let n = read_count(r, "anchors", limits::MAX_MAPPED_ANCHORS)?;
            let anchors = (0..n)
                .map(|_| {
                    Ok((
                        r.bytes16("anchor key", limits::MAX_MAPPED_ANCHOR_LEN)?,
                        r.bytes16("anchor value", limits::MAX_MAPPED_ANCHOR_LEN)?,
                    ))
                })
                .collect::<Result<Vec<_>, TxError>>()?;
            TxBody::MappedAnchor { anchors }
        }
        (TxType::Data, _) => TxBody::Data {
            data: read_data(r)?,
        },
        (TxType::Sponsorship | TxType::CancelSponsorship, 1) => {
            tx.chain_id = ChainId(r.u8()?);
            tx.sender = r.public_key()?;
            let recipient = r.address()?;
            tx.timestamp = r.timestamp()?;
            tx.fee = r.amount("fee")?;
            if t == TxType::Sponsorship {
                TxBody::Sponsorship { recipient }
            } else {
                TxBody::CancelSponsorship { recipient }
            }
        }
        (TxType::Sponsorship, _) => TxBody::Sponsorship {
            recipient: r.address()?,
        },
        (TxType::CancelSponsorship, _) => TxBody::CancelSponsorship {
            recipient: r.address()?,
        },
        (TxType::Register, _) => {
            let n = read_count(r, "keys", limits::MAX_REGISTER_KEYS)?;
            TxBody::Register {
                keys: (0..n)
                    .map(|_| r.registered_key())
                    .collect::<Result<Vec<_>, _>>()?,
            }
        }
        (TxType::Burn, _) => TxBody::Burn {
            amount: r.amount("amount")?,
        },
        (TxType::Statement, _) => {
            let statement_type = r.i64()?;
            let recipient = match r.u8()? {
                0 => None,
                1 => Some(r.address()?),
                value => {
                    return Err(TxError::BadTag {
                        field: "recipient",
                        value,
                    });
                }
            };
            let subject = nonempty(r.bytes16("subject", limits::MAX_SUBJECT_LEN)?);
            TxBody::Statement {
                statement_type,
                recipient,
                subject,
                data: read_data(r)?,
            }
        }
        (TxType::Certificate, _) => TxBody::Certificate {
            certificate: nonempty(r.bytes16("certificate", limits::MAX_CERTIFICATE_LEN)?),
        },
    };
    Ok(tx)
}

fn read_data(r: &mut Reader) -> Result<Vec<DataEntry>, TxError> {
    let n = read_count(r, "data", limits::MAX_DATA_ENTRIES)?;
    (0..n).map(|_| read_data_entry(r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;

    fn kp() -> KeyPair {
        KeyPair::from_seed_phrase("codec test", 0)
    }

    fn base(version: u8, body: TxBody) -> Transaction {
        Transaction {
            version,
            chain_id: ChainId::TESTNET,
            timestamp: Timestamp(1_700_000_000_000),
            sender: kp().public_key().into(),
            fee: Amount(100_000_000),
            sponsor: None,
            proofs: Vec::new(),
            body,
        }
    }

    #[test]
    fn anchor_v3_body_layout() {
        let mut tx = base(
            3,
            TxBody::Anchor {
                anchors: vec![vec![0xAB; 32]],
            },
        );
        tx.fee = Amount(35_000_000);
        let b = tx.body_bytes();
        assert_eq!(&b[..3], &[15, 3, b'T']);
        assert_eq!(&b[3..11], &1_700_000_000_000u64.to_be_bytes());
        assert_eq!(b[11], 1);
        assert_eq!(&b[12..44], kp().public_key().as_bytes());
        assert_eq!(&b[44..52], &35_000_000u64.to_be_bytes());
        assert_eq!(&b[52..56], &[0, 1, 0, 32]);
        assert_eq!(b.len(), 56 + 32);
        tx.sign_with(&kp());
        let wire = tx.to_bytes();
        assert_eq!(wire[0], 0);
        assert_eq!(&wire[1..1 + b.len()], b.as_slice());
        // no sponsor, proofs v1 with one 64-byte proof
        assert_eq!(&wire[1 + b.len()..1 + b.len() + 4], &[0, 1, 0, 1]);
        assert_eq!(decode_wire(&wire, ChainId::TESTNET), Ok(tx));
    }

    #[test]
    fn legacy_layouts_round_trip() {
        let rcpt = Address::from_public_key(
            ChainId::TESTNET,
            &KeyPair::from_seed_phrase("r", 0).public_key(),
        );
        let bodies = [
            (
                1,
                TxBody::Transfer {
                    recipient: rcpt,
                    amount: Amount(5),
                    attachment: b"hi".to_vec(),
                },
            ),
            (
                2,
                TxBody::Transfer {
                    recipient: rcpt,
                    amount: Amount(5),
                    attachment: vec![],
                },
            ),
            (
                1,
                TxBody::Lease {
                    recipient: rcpt,
                    amount: Amount(7),
                },
            ),
            (
                2,
                TxBody::Lease {
                    recipient: rcpt,
                    amount: Amount(7),
                },
            ),
            (
                1,
                TxBody::CancelLease {
                    lease_id: TxId([3; 32]),
                },
            ),
            (
                2,
                TxBody::CancelLease {
                    lease_id: TxId([3; 32]),
                },
            ),
            (
                1,
                TxBody::MassTransfer {
                    transfers: vec![(rcpt, Amount(0)), (rcpt, Amount(9))],
                    attachment: vec![1],
                },
            ),
            (
                1,
                TxBody::SetScript {
                    script: Some(vec![1, 2, 3]),
                },
            ),
            (1, TxBody::SetScript { script: None }),
            (
                1,
                TxBody::Anchor {
                    anchors: vec![vec![1; 32], vec![]],
                },
            ),
            (
                1,
                TxBody::IssueAssociation {
                    association_type: 7,
                    recipient: rcpt,
                    expires: None,
                    subject: Some(vec![9; 5]),
                    data: vec![],
                },
            ),
            (
                1,
                TxBody::RevokeAssociation {
                    association_type: -7,
                    recipient: rcpt,
                    subject: None,
                },
            ),
        ];
        for (v, body) in bodies {
            let mut tx = base(v, body);
            tx.sign_with(&kp());
            let wire = tx.to_bytes();
            let back =
                decode_wire(&wire, ChainId::TESTNET).unwrap_or_else(|e| panic!("{tx:?}: {e}"));
            assert_eq!(back, tx);
            assert_eq!(back.to_bytes(), wire);
            assert_eq!(
                decode_body(&tx.body_bytes(), ChainId::TESTNET).map(|t| t.body),
                Ok(tx.body.clone())
            );
        }
    }

    #[test]
    fn a_transfer_v1_prefix_takes_only_a_transfer_body() {
        // Found by fuzzing: `0x04 ‖ sig ‖ <cancel lease v1 body>` decoded as the cancel
        // lease, a second wire form of it.
        let mut tx = base(
            1,
            TxBody::CancelLease {
                lease_id: TxId([3; 32]),
            },
        );
        tx.sign_with(&kp());
        let mut forged = vec![4];
        forged.extend_from_slice(&tx.proofs[0]);
        forged.extend_from_slice(&tx.body_bytes());
        assert!(matches!(
            decode_wire(&forged, ChainId::TESTNET),
            Err(TxError::BadTag {
                field: "transfer v1 body type",
                value: 9
            })
        ));
        assert_eq!(decode_wire(&tx.to_bytes(), ChainId::TESTNET), Ok(tx));
    }

    #[test]
    fn transfer_v1_wire_is_type_signature_body() {
        let rcpt = Address::from_public_key(ChainId::TESTNET, &kp().public_key());
        let mut tx = base(
            1,
            TxBody::Transfer {
                recipient: rcpt,
                amount: Amount(1),
                attachment: vec![],
            },
        );
        tx.sign_with(&kp());
        let wire = tx.to_bytes();
        assert_eq!(wire[0], 4);
        assert_eq!(&wire[1..65], tx.proofs[0].as_slice());
        assert_eq!(&wire[65..], tx.body_bytes().as_slice());
    }

    #[test]
    fn rejects_bad_input_with_typed_errors() {
        assert_eq!(
            decode_wire(&[], ChainId::TESTNET),
            Err(TxError::Truncated { at: 0, needed: 1 })
        );
        assert_eq!(
            decode_wire(&[0, 14, 1], ChainId::TESTNET),
            Err(TxError::UnknownType { type_id: 14 })
        );
        assert_eq!(
            decode_wire(&[0, 15, 2], ChainId::TESTNET),
            Err(TxError::UnsupportedVersion {
                type_id: 15,
                version: 2
            })
        );
        assert_eq!(
            decode_wire(&[0, 20, 1], ChainId::TESTNET),
            Err(TxError::UnsupportedVersion {
                type_id: 20,
                version: 1
            })
        );
        let mut tx = base(
            3,
            TxBody::Anchor {
                anchors: vec![vec![1; 32]],
            },
        );
        tx.sign_with(&kp());
        let mut wire = tx.to_bytes();
        wire.push(0);
        assert_eq!(
            decode_wire(&wire, ChainId::TESTNET),
            Err(TxError::TrailingBytes { count: 1 })
        );
        // negative fee
        let mut body = tx.body_bytes();
        body[44] = 0x80;
        assert!(matches!(
            decode_body(&body, ChainId::TESTNET),
            Err(TxError::Negative { field: "fee", .. })
        ));
        // v3 with the legacy prefix-less wire form is refused
        let wire = tx.to_bytes();
        assert!(decode_wire(&wire[1..], ChainId::TESTNET).is_err());
    }
}
