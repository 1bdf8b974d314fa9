//! Writing the binary form (see the module docs of [`super`]).

use super::{CHECKSUM_LEN, Expr, SCRIPT_VERSION};
use crate::address::ADDRESS_LEN;
use crate::hash::secure_hash;
use crate::keys::PUBLIC_KEY_LEN;

/// Node tags of the binary form.
pub(super) mod tag {
    pub const ALL: u8 = 0x01;
    pub const ANY: u8 = 0x02;
    pub const AT_LEAST: u8 = 0x03;
    pub const SIGNED_BY: u8 = 0x10;
    pub const SIGNED_BY_ASSOCIATED: u8 = 0x11;
    pub const HEIGHT_AT_LEAST: u8 = 0x12;
    pub const BALANCE_AT_LEAST: u8 = 0x13;
    pub const RECIPIENT_IN: u8 = 0x14;
    pub const TX_TYPE_IN: u8 = 0x15;
}

/// The binary form of a checked expression: version, expression, checksum.
pub(super) fn encode(expr: &Expr) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        encoded_len(expr)
            .saturating_add(1)
            .saturating_add(CHECKSUM_LEN),
    );
    out.push(SCRIPT_VERSION);
    encode_expr(expr, &mut out);
    let checksum = secure_hash(&out);
    out.extend_from_slice(checksum.get(..CHECKSUM_LEN).unwrap_or_default());
    out
}

/// A list length as its count byte; a checked [`Script`] never has more than 255 entries.
fn count_byte(len: usize) -> u8 {
    u8::try_from(len).unwrap_or(u8::MAX)
}

/// The length of `expr`'s binary form.
pub(super) fn encoded_len(expr: &Expr) -> usize {
    match expr {
        Expr::And(of) | Expr::Or(of) => of
            .iter()
            .fold(2usize, |n, e| n.saturating_add(encoded_len(e))),
        Expr::AtLeast { of, .. } => of
            .iter()
            .fold(3usize, |n, e| n.saturating_add(encoded_len(e))),
        Expr::SignedBy(_) => 1 + PUBLIC_KEY_LEN,
        Expr::SignedByAssociated { .. } => 1 + ADDRESS_LEN + 8,
        Expr::HeightAtLeast(_) => 1 + 4,
        Expr::BalanceAtLeast(_) => 1 + 8,
        Expr::RecipientIn(l) => l.len().saturating_mul(ADDRESS_LEN).saturating_add(2),
        Expr::TxTypeIn(l) => l.len().saturating_add(2),
    }
}

fn encode_expr(expr: &Expr, out: &mut Vec<u8>) {
    match expr {
        Expr::And(of) | Expr::Or(of) => {
            out.push(if matches!(expr, Expr::And(_)) {
                tag::ALL
            } else {
                tag::ANY
            });
            out.push(count_byte(of.len()));
            for e in of {
                encode_expr(e, out);
            }
        }
        Expr::AtLeast { k, of } => {
            out.extend_from_slice(&[tag::AT_LEAST, *k, count_byte(of.len())]);
            for e in of {
                encode_expr(e, out);
            }
        }
        Expr::SignedBy(key) => {
            out.push(tag::SIGNED_BY);
            out.extend_from_slice(key.as_bytes());
        }
        Expr::SignedByAssociated {
            issuer,
            association_type,
        } => {
            out.push(tag::SIGNED_BY_ASSOCIATED);
            out.extend_from_slice(issuer.as_bytes());
            out.extend_from_slice(&association_type.to_be_bytes());
        }
        Expr::HeightAtLeast(h) => {
            out.push(tag::HEIGHT_AT_LEAST);
            out.extend_from_slice(&h.to_be_bytes());
        }
        Expr::BalanceAtLeast(a) => {
            out.push(tag::BALANCE_AT_LEAST);
            out.extend_from_slice(&a.units().to_be_bytes());
        }
        Expr::RecipientIn(list) => {
            out.push(tag::RECIPIENT_IN);
            out.push(count_byte(list.len()));
            for a in list {
                out.extend_from_slice(a.as_bytes());
            }
        }
        Expr::TxTypeIn(list) => {
            out.push(tag::TX_TYPE_IN);
            out.push(count_byte(list.len()));
            out.extend_from_slice(list);
        }
    }
}
