//! Reading the binary form (see the module docs of [`super`]), refusing anything
//! non-canonical.

use super::encode::tag;
use super::limits::{check_threshold, enter};
use super::{CHECKSUM_LEN, Expr, SCRIPT_VERSION, ScriptError};
use crate::address::{ADDRESS_LEN, Address};
use crate::hash::secure_hash;
use crate::keys::PublicKey;
use crate::tx::limits::MAX_SCRIPT_LEN;
use crate::units::Amount;

/// Decodes the binary form into an expression, within the depth and node limits; the
/// caller checks the rest ([`Script::new`](super::Script::new)).
pub(super) fn decode(bytes: &[u8]) -> Result<Expr, ScriptError> {
    if bytes.len() > MAX_SCRIPT_LEN {
        return Err(ScriptError::TooLong {
            len: bytes.len(),
            max: MAX_SCRIPT_LEN,
        });
    }
    let (&version, _) = bytes
        .split_first()
        .ok_or(ScriptError::Truncated { at: 0 })?;
    if version != SCRIPT_VERSION {
        return Err(ScriptError::BadVersion { found: version });
    }
    let end = bytes
        .len()
        .checked_sub(CHECKSUM_LEN)
        .filter(|&end| end > 1)
        .ok_or(ScriptError::Truncated { at: bytes.len() })?;
    let (signed, checksum) = bytes.split_at(end);
    if secure_hash(signed).get(..CHECKSUM_LEN) != Some(checksum) {
        return Err(ScriptError::BadChecksum);
    }
    let mut decoder = Decoder {
        bytes: signed,
        pos: 1,
        nodes: 0,
    };
    let expr = decoder.expr(1)?;
    let count = signed.len().saturating_sub(decoder.pos);
    if count > 0 {
        return Err(ScriptError::TrailingBytes { count });
    }
    Ok(expr)
}

/// Reads the expression of the binary form; `bytes` ends before the checksum.
struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
    nodes: usize,
}

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ScriptError> {
        let at = self.pos;
        let slice = at
            .checked_add(n)
            .and_then(|end| self.bytes.get(at..end))
            .ok_or(ScriptError::Truncated { at })?;
        self.pos = at.saturating_add(n);
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ScriptError> {
        let at = self.pos;
        self.take(N)?
            .try_into()
            .map_err(|_| ScriptError::Truncated { at })
    }

    fn u8(&mut self) -> Result<u8, ScriptError> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    fn address(&mut self) -> Result<Address, ScriptError> {
        let at = self.pos;
        let bytes = self.take(ADDRESS_LEN)?;
        Address::from_bytes(bytes).map_err(|_| ScriptError::BadAddress { at })
    }

    fn children(&mut self, n: u8, depth: usize) -> Result<Vec<Expr>, ScriptError> {
        let mut of = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            of.push(self.expr(depth.saturating_add(1))?);
        }
        Ok(of)
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ScriptError> {
        let at = self.pos;
        enter(depth, &mut self.nodes)?;
        let tag = self.u8()?;
        Ok(match tag {
            tag::ALL | tag::ANY => {
                let n = self.u8()?;
                if n == 0 {
                    return Err(ScriptError::EmptyList { at });
                }
                let of = self.children(n, depth)?;
                if tag == tag::ALL {
                    Expr::And(of)
                } else {
                    Expr::Or(of)
                }
            }
            tag::AT_LEAST => {
                let k = self.u8()?;
                let n = self.u8()?;
                check_threshold(k, usize::from(n))?;
                Expr::AtLeast {
                    k,
                    of: self.children(n, depth)?,
                }
            }
            tag::SIGNED_BY => Expr::SignedBy(PublicKey(self.array()?)),
            tag::SIGNED_BY_ASSOCIATED => Expr::SignedByAssociated {
                issuer: self.address()?,
                association_type: i64::from_be_bytes(self.array()?),
            },
            tag::HEIGHT_AT_LEAST => Expr::HeightAtLeast(u32::from_be_bytes(self.array()?)),
            tag::BALANCE_AT_LEAST => {
                Expr::BalanceAtLeast(Amount(u64::from_be_bytes(self.array()?)))
            }
            tag::RECIPIENT_IN => {
                let n = self.u8()?;
                if n == 0 {
                    return Err(ScriptError::EmptyList { at });
                }
                let mut list = Vec::with_capacity(usize::from(n));
                for _ in 0..n {
                    list.push(self.address()?);
                }
                Expr::RecipientIn(list)
            }
            tag::TX_TYPE_IN => {
                let n = self.u8()?;
                if n == 0 {
                    return Err(ScriptError::EmptyList { at });
                }
                Expr::TxTypeIn(self.take(usize::from(n))?.to_vec())
            }
            _ => return Err(ScriptError::UnknownTag { tag, at }),
        })
    }
}
