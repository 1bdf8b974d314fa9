//! Account scripts: the small predicate language of smart accounts (whitepaper 16.5,
//! docs/architecture.md). This chain does not run RIDE.
//!
//! # The language
//! A script is one boolean expression over the transaction being authorised:
//!
//! - combinators: `all(..)` (AND), `any(..)` (OR) and `atleast(k, ..)` (k of n);
//! - conditions: `signed(key)` (some proof is the key's Ed25519 signature over the body
//!   bytes), `associated(issuer, type)` (some proof is by a key whose address holds an
//!   *active* association of `type` issued by `issuer`: the whitepaper's "reference a
//!   certificate"), `height>=N` (time lock), `balance>=X` (the regular balance left after the
//!   transaction, in units of 10^-8 LTO), `recipients(..)` (whitelist) and `types(..)`
//!   (allowed transaction types).
//!
//! There is deliberately no negation: every combinator is monotone, so adding a signature to
//! a transaction can never make a script refuse it, and "not signed by X" (which anyone could
//! satisfy by simply not asking X) cannot be written.
//!
//! `recipients(..)` holds when every recipient the context reports is in the list. A payment
//! (transfer, mass transfer, lease) that reports no recipient at all does **not** satisfy it
//! (an empty mass transfer must not slip through a whitelist); a transaction of any other
//! type, which has no recipients, satisfies it vacuously, so a whitelist limits payments
//! without forbidding, say, anchoring.
//!
//! # Why checking is bounded
//! The language has no loops, no recursion, no variables and no calls: an expression is a
//! finite tree, evaluated once bottom-up. Its size is capped when it is built, decoded or
//! parsed: at most [`MAX_NODES`] nodes, nesting at most [`MAX_DEPTH`] deep, lists of at most
//! [`MAX_LIST_LEN`] entries and at most [`MAX_SCRIPT_LEN`] encoded bytes. A [`Script`] can
//! only be obtained through those checks, so evaluating one touches at most 64 nodes and
//! recursion never goes deeper than 8 frames. Decoding and parsing enforce the depth limit
//! *before* descending, so hostile input cannot exhaust the stack either.
//!
//! # What a script means for an account
//! A script **adds** conditions to the owner's signature; it never replaces it. Stateless
//! validation always requires `proofs[0]` to be the sender's own signature, scripted or not.
//! The script then constrains what such a signed transaction may do: co-signers (extra proofs
//! checked with `signed` / `associated`), time locks, spending limits and recipient
//! whitelists. Anchor transactions thus always carry the account's own signature. A scripted
//! account cannot forge blocks (its key alone could otherwise sign what the script forbids).
//!
//! # Binary form
//! `version (1 byte, = 1) ‖ expression ‖ checksum (4 bytes)`, the checksum being the first
//! four bytes of [`secure_hash`](crate::hash::secure_hash) of everything before it (LTO's
//! script layout). Every node is a tag byte followed by its fields, big-endian, lists
//! prefixed by a `u8` count:
//!
//! | tag    | node                     | fields                                         |
//! |--------|--------------------------|------------------------------------------------|
//! | `0x01` | `all`                    | count `u8` (≥ 1), children                     |
//! | `0x02` | `any`                    | count `u8` (≥ 1), children                     |
//! | `0x03` | `atleast`                | k `u8`, count `u8` (1 ≤ k ≤ count), children   |
//! | `0x10` | `signed`                 | public key (32 bytes)                          |
//! | `0x11` | `associated`             | issuer address (26 bytes), type `i64`          |
//! | `0x12` | `height>=`               | height `u32`                                   |
//! | `0x13` | `balance>=`              | amount `u64`                                   |
//! | `0x14` | `recipients`             | count `u8` (≥ 1), addresses (26 bytes each)    |
//! | `0x15` | `types`                  | count `u8` (≥ 1), type bytes                   |
//!
//! The encoding is canonical: every accepted byte string is exactly `encode()` of what it
//! decodes to.
//!
//! # Text form
//! ```text
//! expr  := "all" "(" expr ("," expr)* ")"
//!        | "any" "(" expr ("," expr)* ")"
//!        | "atleast" "(" u8 ("," expr)+ ")"
//!        | "signed" "(" base58-public-key ")"
//!        | "associated" "(" base58-address "," i64 ")"
//!        | "height" ">=" u32
//!        | "balance" ">=" u64
//!        | "recipients" "(" base58-address ("," base58-address)* ")"
//!        | "types" "(" u8 ("," u8)* ")"
//! ```
//! Whitespace is allowed between tokens; keywords are lower case; numbers are decimal.
//! `Display` prints this form, and `Script::parse` reads back exactly the same script.

mod decode;
mod encode;
mod eval;
mod lexer;
mod limits;
mod parser;

use crate::address::Address;
use crate::keys::PublicKey;
use crate::tx::limits::MAX_SCRIPT_LEN;
use crate::units::{Amount, Height};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The only script version this node knows.
pub const SCRIPT_VERSION: u8 = 1;
/// Deepest nesting of expressions (the root is at depth 1).
pub const MAX_DEPTH: usize = 8;
/// Most nodes (combinators and conditions) in one script.
pub const MAX_NODES: usize = 64;
/// Most entries in a `recipients` or `types` list (its count is one byte).
pub const MAX_LIST_LEN: usize = u8::MAX as usize;
/// Length of the trailing checksum.
pub const CHECKSUM_LEN: usize = 4;

/// Why a script was refused.
///
/// `at` is a byte offset into the script bytes when decoding, a byte offset into the text
/// when parsing, and the node's pre-order index when building with [`Script::new`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScriptError {
    /// The encoded script is longer than a set-script transaction may carry.
    #[error("script is {len} bytes, at most {max} allowed")]
    TooLong {
        /// The encoded length.
        len: usize,
        /// [`MAX_SCRIPT_LEN`].
        max: usize,
    },
    /// The bytes end in the middle of a field.
    #[error("script truncated at byte {at}")]
    Truncated {
        /// Where the field that could not be read starts.
        at: usize,
    },
    /// The version byte is not [`SCRIPT_VERSION`].
    #[error("unknown script version {found}")]
    BadVersion {
        /// The version byte found.
        found: u8,
    },
    /// The checksum does not match the bytes before it.
    #[error("bad script checksum")]
    BadChecksum,
    /// A node has a tag this version does not define.
    #[error("unknown node tag {tag:#04x} at byte {at}")]
    UnknownTag {
        /// The tag byte.
        tag: u8,
        /// The byte offset where it starts.
        at: usize,
    },
    /// Expressions are nested deeper than allowed.
    #[error("script nested deeper than {max}")]
    TooDeep {
        /// [`MAX_DEPTH`].
        max: usize,
    },
    /// The script has more nodes than allowed.
    #[error("script has more than {max} nodes")]
    TooManyNodes {
        /// [`MAX_NODES`].
        max: usize,
    },
    /// Bytes are left over after the expression.
    #[error("{count} bytes after the expression")]
    TrailingBytes {
        /// How many bytes are left over.
        count: usize,
    },
    /// An `all`, `any`, `recipients` or `types` node has no entries.
    #[error("empty list in the node at {at}")]
    EmptyList {
        /// Where the node starts.
        at: usize,
    },
    /// A `recipients` or `types` list has more entries than its count byte can say.
    #[error("list longer than {max} entries")]
    ListTooLong {
        /// [`MAX_LIST_LEN`].
        max: usize,
    },
    /// The threshold of `atleast(k, ..)` is 0 or more than the number of expressions.
    #[error("threshold {k} of {n} expressions")]
    InvalidThreshold {
        /// The threshold given.
        k: u8,
        /// The number of expressions.
        n: usize,
    },
    /// An address in the binary form has a bad version or checksum.
    #[error("invalid address at byte {at}")]
    BadAddress {
        /// The byte offset where it starts.
        at: usize,
    },
    /// The text form could not be parsed.
    #[error("parse error at {at}: {reason}")]
    Parse {
        /// Byte offset into the text.
        at: usize,
        /// What was expected or wrong.
        reason: &'static str,
    },
}

/// One node of a script: a combinator or a condition.
///
/// Any value can be built, but only a [`Script`] (checked by [`Script::new`], decoding or
/// parsing) can be encoded or evaluated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// Every expression holds (`all(..)`).
    And(Vec<Expr>),
    /// Some expression holds (`any(..)`).
    Or(Vec<Expr>),
    /// At least `k` of the expressions hold (`atleast(k, ..)`).
    AtLeast {
        /// The threshold, 1 ≤ k ≤ `of.len()`.
        k: u8,
        /// The expressions counted.
        of: Vec<Expr>,
    },
    /// Some proof is a valid signature by this key over the body bytes (`signed(..)`).
    SignedBy(PublicKey),
    /// Some proof is by a key whose address holds an active association of
    /// `association_type` issued by `issuer` (`associated(..)`).
    SignedByAssociated {
        /// The association's issuer (the certificate authority).
        issuer: Address,
        /// The association type.
        association_type: i64,
    },
    /// The block height is at least this (`height>=N`).
    HeightAtLeast(u32),
    /// The account's regular balance after the transaction is at least this (`balance>=X`).
    BalanceAtLeast(Amount),
    /// Every recipient is in the list, and a payment has at least one (`recipients(..)`).
    RecipientIn(Vec<Address>),
    /// The transaction type is one of these (`types(..)`).
    TxTypeIn(Vec<u8>),
}

/// What a script may ask about the transaction it authorises and the state around it.
///
/// Implementations must be pure: the same transaction and state give the same answers.
pub trait ScriptContext {
    /// The height of the block the transaction goes into.
    fn height(&self) -> Height;
    /// Whether some proof is a valid signature by `key` over the body bytes.
    fn is_signed_by(&self, key: &PublicKey) -> bool;
    /// Whether some proof is by a key whose address holds an active association of
    /// `association_type` issued by `issuer`.
    fn signed_by_associated(&self, issuer: &Address, association_type: i64) -> bool;
    /// The account's regular balance once the transaction (amounts and fee) is applied.
    fn remaining_balance(&self) -> Amount;
    /// The recipients of the transaction (transfer, mass transfer, lease); empty otherwise.
    fn recipients(&self) -> &[Address];
    /// Whether the transaction moves or leases funds (transfer, mass transfer, lease).
    fn is_payment(&self) -> bool;
    /// The transaction type id.
    fn tx_type(&self) -> u8;
}

/// A checked account script: within every limit, so it can be encoded and evaluated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Script {
    expr: Expr,
}

impl Script {
    /// Checks `expr` against the language's limits (depth, nodes, lists, thresholds,
    /// encoded length).
    pub fn new(expr: Expr) -> Result<Script, ScriptError> {
        let mut nodes = 0;
        limits::check(&expr, 1, &mut nodes)?;
        let len = encode::encoded_len(&expr)
            .saturating_add(1)
            .saturating_add(CHECKSUM_LEN);
        if len > MAX_SCRIPT_LEN {
            return Err(ScriptError::TooLong {
                len,
                max: MAX_SCRIPT_LEN,
            });
        }
        Ok(Script { expr })
    }

    /// The root expression.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The root expression, taken out of the script.
    pub fn into_expr(self) -> Expr {
        self.expr
    }

    /// Decodes the binary form (see the module docs), refusing anything non-canonical.
    pub fn decode(bytes: &[u8]) -> Result<Script, ScriptError> {
        Script::new(decode::decode(bytes)?)
    }

    /// The binary form: version, expression, checksum.
    pub fn encode(&self) -> Vec<u8> {
        encode::encode(&self.expr)
    }

    /// Parses the text form (see the module docs) with the same limits as decoding.
    pub fn parse(text: &str) -> Result<Script, ScriptError> {
        Script::new(parser::parse(text)?)
    }

    /// Whether the transaction described by `ctx` satisfies the script. Deterministic for a
    /// pure context; visits at most [`MAX_NODES`] nodes.
    pub fn evaluate<C: ScriptContext + ?Sized>(&self, ctx: &C) -> bool {
        eval::evaluate(&self.expr, ctx)
    }

    /// The number of nodes, at most [`MAX_NODES`].
    pub fn cost(&self) -> usize {
        eval::count_nodes(&self.expr)
    }

    /// An estimate of the work of evaluating the script, as `/addresses/scriptInfo` reports
    /// it: 1 per combinator, `height>=` and `balance>=`; 1 plus the list length for
    /// `recipients` and `types`; 100 for `signed` (one signature check per proof) and 150
    /// for `associated` (signature checks and a state lookup). At most 64 × 256 = 16384.
    pub fn complexity(&self) -> u32 {
        eval::complexity(&self.expr)
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

impl FromStr for Script {
    type Err = ScriptError;

    fn from_str(s: &str) -> Result<Script, ScriptError> {
        Script::parse(s)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(of) => write_list(f, "all(", of),
            Expr::Or(of) => write_list(f, "any(", of),
            Expr::AtLeast { k, of } => {
                write!(f, "atleast({k}")?;
                for e in of {
                    write!(f, ", {e}")?;
                }
                f.write_str(")")
            }
            Expr::SignedBy(key) => write!(f, "signed({key})"),
            Expr::SignedByAssociated {
                issuer,
                association_type,
            } => write!(f, "associated({issuer}, {association_type})"),
            Expr::HeightAtLeast(h) => write!(f, "height>={h}"),
            Expr::BalanceAtLeast(a) => write!(f, "balance>={}", a.units()),
            Expr::RecipientIn(list) => write_list(f, "recipients(", list),
            Expr::TxTypeIn(list) => write_list(f, "types(", list),
        }
    }
}

fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, open: &str, items: &[T]) -> fmt::Result {
    f.write_str(open)?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        item.fmt(f)?;
    }
    f.write_str(")")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::ChainId;
    use crate::hash::secure_hash;
    use proptest::prelude::*;

    fn pk(n: u8) -> PublicKey {
        PublicKey([n; 32])
    }

    fn addr(n: u8) -> Address {
        Address::from_public_key(ChainId::TESTNET, &pk(n))
    }

    /// `version ‖ body ‖ checksum`.
    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = vec![SCRIPT_VERSION];
        out.extend_from_slice(body);
        let checksum = secure_hash(&out);
        out.extend_from_slice(&checksum[..4]);
        out
    }

    fn script(text: &str) -> Script {
        Script::parse(text).unwrap()
    }

    #[derive(Debug, Default, Clone)]
    struct Mock {
        height: u32,
        signers: Vec<PublicKey>,
        associated: Vec<(Address, i64)>,
        balance: u64,
        recipients: Vec<Address>,
        payment: bool,
        tx_type: u8,
    }

    impl ScriptContext for Mock {
        fn height(&self) -> Height {
            Height(self.height)
        }
        fn is_signed_by(&self, key: &PublicKey) -> bool {
            self.signers.contains(key)
        }
        fn signed_by_associated(&self, issuer: &Address, association_type: i64) -> bool {
            self.associated.contains(&(*issuer, association_type))
        }
        fn remaining_balance(&self) -> Amount {
            Amount(self.balance)
        }
        fn recipients(&self) -> &[Address] {
            &self.recipients
        }
        fn is_payment(&self) -> bool {
            self.payment
        }
        fn tx_type(&self) -> u8 {
            self.tx_type
        }
    }

    fn nested_all(levels: usize, leaf: &str) -> String {
        format!("{}{leaf}{}", "all(".repeat(levels), ")".repeat(levels))
    }

    #[test]
    fn height_lock_bytes() {
        let s = Script::new(Expr::HeightAtLeast(1000)).unwrap();
        let bytes = s.encode();
        assert_eq!(bytes[..6], [1, 0x12, 0, 0, 0x03, 0xe8]);
        assert_eq!(bytes[6..], secure_hash(&bytes[..6])[..4]);
        assert_eq!(bytes, framed(&[0x12, 0, 0, 0x03, 0xe8]));
        assert_eq!(Script::decode(&bytes).unwrap(), s);
        assert_eq!(s.to_string(), "height>=1000");
    }

    #[test]
    fn every_node_bytes() {
        let e = Expr::And(vec![
            Expr::AtLeast {
                k: 1,
                of: vec![Expr::SignedBy(pk(7))],
            },
            Expr::Or(vec![Expr::BalanceAtLeast(Amount(0x0102))]),
            Expr::SignedByAssociated {
                issuer: addr(1),
                association_type: -2,
            },
            Expr::RecipientIn(vec![addr(2)]),
            Expr::TxTypeIn(vec![15, 4]),
        ]);
        let mut body = vec![0x01, 5, 0x03, 1, 1, 0x10];
        body.extend_from_slice(&[7; 32]);
        body.extend_from_slice(&[0x02, 1, 0x13, 0, 0, 0, 0, 0, 0, 1, 2, 0x11]);
        body.extend_from_slice(addr(1).as_bytes());
        body.extend_from_slice(&(-2i64).to_be_bytes());
        body.extend_from_slice(&[0x14, 1]);
        body.extend_from_slice(addr(2).as_bytes());
        body.extend_from_slice(&[0x15, 2, 15, 4]);
        let s = Script::new(e).unwrap();
        assert_eq!(s.encode(), framed(&body));
        assert_eq!(Script::decode(&framed(&body)).unwrap(), s);
        assert_eq!(s.cost(), 8);
        assert_eq!(s.complexity(), 3 + 100 + 1 + 150 + 2 + 3);
    }

    #[test]
    fn hand_written_round_trips() {
        let texts = [
            format!(
                "all(signed({}), any(height>=1000, balance>=5000000000), recipients({}, {}), types(15))",
                pk(1),
                addr(2),
                addr(3)
            ),
            format!(
                "atleast(2, signed({}), signed({}), signed({}))",
                pk(1),
                pk(2),
                pk(3)
            ),
            format!("associated({}, -9223372036854775808)", addr(4)),
            format!("any(associated({}, 1), signed({}))", addr(4), pk(4)),
            "types(0, 255)".to_string(),
            "balance>=18446744073709551615".to_string(),
            "height>=4294967295".to_string(),
        ];
        for text in texts {
            let s = script(&text);
            assert_eq!(s.to_string(), text);
            assert_eq!(Script::decode(&s.encode()).unwrap(), s);
            assert_eq!(text.parse::<Script>().unwrap(), s);
        }
    }

    #[test]
    fn text_allows_whitespace() {
        let spaced = format!(
            " all ( height >=1 ,\n\tatleast( 1 , signed( {} ) ) ) ",
            pk(9)
        );
        assert_eq!(
            script(&spaced).to_string(),
            format!("all(height>=1, atleast(1, signed({})))", pk(9))
        );
    }

    #[test]
    fn decode_errors() {
        use ScriptError::*;
        assert_eq!(Script::decode(&[]), Err(Truncated { at: 0 }));
        assert_eq!(Script::decode(&[2, 0x12]), Err(BadVersion { found: 2 }));
        assert_eq!(Script::decode(&[1, 0, 0, 0, 0]), Err(Truncated { at: 5 }));
        assert_eq!(
            Script::decode(&vec![1; MAX_SCRIPT_LEN + 1]),
            Err(TooLong {
                len: 8193,
                max: 8192
            })
        );
        let mut bad = framed(&[0x12, 0, 0, 0, 1]);
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(Script::decode(&bad), Err(BadChecksum));
        assert_eq!(
            Script::decode(&framed(&[0x7f])),
            Err(UnknownTag { tag: 0x7f, at: 1 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x01, 2, 0x12, 0, 0, 0, 1, 0x04])),
            Err(UnknownTag { tag: 0x04, at: 8 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x12, 0, 0])),
            Err(Truncated { at: 2 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x01, 2, 0x12, 0, 0, 0, 1])),
            Err(Truncated { at: 8 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x12, 0, 0, 0, 1, 0xaa, 0xbb])),
            Err(TrailingBytes { count: 2 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x01, 0])),
            Err(EmptyList { at: 1 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x01, 1, 0x02, 0])),
            Err(EmptyList { at: 3 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x14, 0])),
            Err(EmptyList { at: 1 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x15, 0])),
            Err(EmptyList { at: 1 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x03, 0, 1, 0x12, 0, 0, 0, 1])),
            Err(InvalidThreshold { k: 0, n: 1 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x03, 2, 1, 0x12, 0, 0, 0, 1])),
            Err(InvalidThreshold { k: 2, n: 1 })
        );
        assert_eq!(
            Script::decode(&framed(&[0x03, 1, 0])),
            Err(InvalidThreshold { k: 1, n: 0 })
        );
        let mut zero_addr = vec![0x14, 1];
        zero_addr.extend_from_slice(&[0; 26]);
        assert_eq!(
            Script::decode(&framed(&zero_addr)),
            Err(BadAddress { at: 3 })
        );
    }

    #[test]
    fn decode_depth_and_node_limits() {
        let leaf = [0x12, 0, 0, 0, 1];
        let nest = |levels: usize| {
            let mut body = [0x01, 1].repeat(levels);
            body.extend_from_slice(&leaf);
            framed(&body)
        };
        assert!(Script::decode(&nest(7)).is_ok());
        assert_eq!(
            Script::decode(&nest(8)),
            Err(ScriptError::TooDeep { max: 8 })
        );
        // Deep hostile input fails at the limit without recursing further.
        assert_eq!(
            Script::decode(&nest(4000)),
            Err(ScriptError::TooDeep { max: 8 })
        );
        let wide = |children: u8| {
            let mut body = vec![0x02, children];
            for _ in 0..children {
                body.extend_from_slice(&leaf);
            }
            framed(&body)
        };
        assert_eq!(Script::decode(&wide(63)).unwrap().cost(), 64);
        assert_eq!(
            Script::decode(&wide(64)),
            Err(ScriptError::TooManyNodes { max: 64 })
        );
    }

    #[test]
    fn new_errors() {
        use ScriptError::*;
        assert_eq!(Script::new(Expr::And(vec![])), Err(EmptyList { at: 0 }));
        assert_eq!(
            Script::new(Expr::Or(vec![
                Expr::HeightAtLeast(1),
                Expr::TxTypeIn(vec![])
            ])),
            Err(EmptyList { at: 2 })
        );
        assert_eq!(
            Script::new(Expr::AtLeast {
                k: 3,
                of: vec![Expr::HeightAtLeast(1); 2]
            }),
            Err(InvalidThreshold { k: 3, n: 2 })
        );
        assert_eq!(
            Script::new(Expr::TxTypeIn(vec![4; 256])),
            Err(ListTooLong { max: 255 })
        );
        let mut deep = Expr::HeightAtLeast(1);
        for _ in 0..8 {
            deep = Expr::And(vec![deep]);
        }
        assert_eq!(Script::new(deep), Err(TooDeep { max: 8 }));
        assert_eq!(
            Script::new(Expr::And(vec![Expr::HeightAtLeast(1); 64])),
            Err(TooManyNodes { max: 64 })
        );
        let big = Expr::RecipientIn(vec![addr(1); 255]);
        let s = Script::new(big.clone()).unwrap();
        assert_eq!(s.encode().len(), 1 + 2 + 255 * 26 + 4);
        assert_eq!(
            Script::new(Expr::And(vec![big.clone(), big])),
            Err(TooLong {
                len: 1 + 2 + 2 * (2 + 255 * 26) + 4,
                max: 8192
            })
        );
    }

    #[test]
    fn parse_errors() {
        use ScriptError::*;
        let p = |at, reason| Err(Parse { at, reason });
        assert_eq!(Script::parse(""), p(0, "expected an expression"));
        assert_eq!(Script::parse("  )"), p(2, "expected an expression"));
        assert_eq!(Script::parse("foo(1)"), p(0, "unknown keyword"));
        assert_eq!(Script::parse("all"), p(3, "expected '('"));
        assert_eq!(Script::parse("all(height>=1"), p(13, "expected ',' or ')'"));
        assert_eq!(
            Script::parse("all(height>=1;"),
            p(13, "expected ',' or ')'")
        );
        assert_eq!(Script::parse("height>1"), p(7, "expected '>='"));
        assert_eq!(Script::parse("height> =1"), p(7, "expected '>='"));
        assert_eq!(Script::parse("height=1"), p(6, "expected '>='"));
        assert_eq!(Script::parse("height>=x"), p(8, "expected a number"));
        assert_eq!(
            Script::parse("height>=4294967296"),
            p(8, "number out of range")
        );
        assert_eq!(Script::parse("height>=-1"), p(8, "number out of range"));
        assert_eq!(Script::parse("types(256)"), p(6, "number out of range"));
        assert_eq!(Script::parse("signed(abc)"), p(7, "invalid public key"));
        assert_eq!(Script::parse("signed(0OIl)"), p(7, "invalid public key"));
        assert_eq!(
            Script::parse(&format!("signed({} x)", pk(1))),
            p(8 + pk(1).to_string().len(), "expected ')'")
        );
        assert_eq!(Script::parse("recipients(3N)"), p(11, "invalid address"));
        assert_eq!(
            Script::parse(&format!("associated({} 1)", addr(1))),
            p(12 + addr(1).to_string().len(), "expected ','")
        );
        assert_eq!(Script::parse("height>=1 x"), p(10, "trailing input"));
        assert_eq!(
            Script::parse(&format!("signed({})", "1".repeat(65))),
            p(7, "token too long")
        );
        assert_eq!(Script::parse("all()"), Err(EmptyList { at: 0 }));
        assert_eq!(Script::parse("any(all( ))"), Err(EmptyList { at: 4 }));
        assert_eq!(Script::parse("types()"), Err(EmptyList { at: 0 }));
        assert_eq!(Script::parse("recipients()"), Err(EmptyList { at: 0 }));
        assert_eq!(
            Script::parse("atleast(0, height>=1)"),
            Err(InvalidThreshold { k: 0, n: 1 })
        );
        assert_eq!(
            Script::parse("atleast(2, height>=1)"),
            Err(InvalidThreshold { k: 2, n: 1 })
        );
        assert_eq!(
            Script::parse("atleast(1)"),
            Err(InvalidThreshold { k: 1, n: 0 })
        );
        assert!(Script::parse(&nested_all(7, "height>=1")).is_ok());
        assert_eq!(
            Script::parse(&nested_all(8, "height>=1")),
            Err(TooDeep { max: 8 })
        );
        assert_eq!(
            Script::parse(&nested_all(100_000, "height>=1")),
            Err(TooDeep { max: 8 })
        );
        let wide = |n: usize| format!("any({})", vec!["height>=1"; n].join(","));
        assert_eq!(script(&wide(63)).cost(), 64);
        assert_eq!(Script::parse(&wide(64)), Err(TooManyNodes { max: 64 }));
        let types = |n: usize| format!("types({})", vec!["4"; n].join(","));
        assert_eq!(script(&types(255)).complexity(), 256);
        assert_eq!(Script::parse(&types(256)), Err(ListTooLong { max: 255 }));
        let recipients = format!("recipients({})", vec![addr(1).to_string(); 255].join(","));
        assert_eq!(
            Script::parse(&format!("all({recipients}, {recipients})")),
            Err(TooLong {
                len: 1 + 2 + 2 * (2 + 255 * 26) + 4,
                max: 8192
            })
        );
    }

    #[test]
    fn k_of_n_truth_table() {
        let s = script(&format!(
            "atleast(2, signed({}), signed({}), signed({}))",
            pk(1),
            pk(2),
            pk(3)
        ));
        let signed = |keys: &[u8]| Mock {
            signers: keys.iter().map(|&n| pk(n)).collect(),
            ..Mock::default()
        };
        assert!(!s.evaluate(&signed(&[])));
        assert!(!s.evaluate(&signed(&[1])));
        assert!(!s.evaluate(&signed(&[3, 9])));
        assert!(s.evaluate(&signed(&[1, 2])));
        assert!(s.evaluate(&signed(&[2, 3])));
        assert!(s.evaluate(&signed(&[1, 3, 9])));
        assert!(s.evaluate(&signed(&[1, 2, 3])));
    }

    #[test]
    fn height_and_balance_boundaries() {
        let lock = script("height>=1000");
        let at = |height| Mock {
            height,
            ..Mock::default()
        };
        assert!(!lock.evaluate(&at(0)));
        assert!(!lock.evaluate(&at(999)));
        assert!(lock.evaluate(&at(1000)));
        assert!(lock.evaluate(&at(u32::MAX)));

        let floor = script("balance>=5000000000");
        let left = |balance| Mock {
            balance,
            ..Mock::default()
        };
        assert!(!floor.evaluate(&left(4_999_999_999)));
        assert!(floor.evaluate(&left(5_000_000_000)));
        assert!(floor.evaluate(&left(u64::MAX)));
        assert!(script("balance>=0").evaluate(&left(0)));
    }

    #[test]
    fn recipient_whitelist() {
        let s = script(&format!("recipients({}, {})", addr(1), addr(2)));
        let to = |recipients: &[u8], payment| Mock {
            recipients: recipients.iter().map(|&n| addr(n)).collect(),
            payment,
            ..Mock::default()
        };
        assert!(s.evaluate(&to(&[1], true)));
        assert!(s.evaluate(&to(&[2, 1, 2], true)));
        assert!(!s.evaluate(&to(&[1, 3], true)), "a stranger among them");
        assert!(!s.evaluate(&to(&[3], true)));
        assert!(!s.evaluate(&to(&[], true)), "a payment without recipients");
        assert!(s.evaluate(&to(&[], false)), "vacuous for non-payments");
        assert!(
            !s.evaluate(&to(&[3], false)),
            "reported recipients are checked"
        );
    }

    #[test]
    fn associated_signer_and_types() {
        let s = script(&format!("all(types(15, 16), associated({}, 42))", addr(5)));
        let ctx = |tx_type, associated: Vec<(Address, i64)>| Mock {
            tx_type,
            associated,
            ..Mock::default()
        };
        assert!(s.evaluate(&ctx(15, vec![(addr(5), 42)])));
        assert!(s.evaluate(&ctx(16, vec![(addr(1), 1), (addr(5), 42)])));
        assert!(!s.evaluate(&ctx(4, vec![(addr(5), 42)])), "wrong type");
        assert!(
            !s.evaluate(&ctx(15, vec![(addr(5), 41)])),
            "wrong association type"
        );
        assert!(!s.evaluate(&ctx(15, vec![(addr(6), 42)])), "wrong issuer");
        assert!(!s.evaluate(&ctx(15, vec![])));
    }

    #[test]
    fn combinators_with_conditions() {
        let s = script(&format!(
            "all(signed({}), any(height>=1000, balance>=5000000000))",
            pk(1)
        ));
        let ctx = |signed: bool, height, balance| Mock {
            signers: if signed { vec![pk(1)] } else { vec![] },
            height,
            balance,
            ..Mock::default()
        };
        assert!(s.evaluate(&ctx(true, 1000, 0)));
        assert!(s.evaluate(&ctx(true, 0, 5_000_000_000)));
        assert!(!s.evaluate(&ctx(true, 999, 4_999_999_999)));
        assert!(!s.evaluate(&ctx(false, 1000, 5_000_000_000)));
    }

    fn arb_leaf() -> impl Strategy<Value = Expr> {
        let arb_addr = (0u8..6).prop_map(addr);
        prop_oneof![
            (0u8..6).prop_map(|n| Expr::SignedBy(pk(n))),
            (arb_addr.clone(), -2i64..3).prop_map(|(issuer, association_type)| {
                Expr::SignedByAssociated {
                    issuer,
                    association_type,
                }
            }),
            any::<u32>().prop_map(Expr::HeightAtLeast),
            any::<u64>().prop_map(|v| Expr::BalanceAtLeast(Amount(v))),
            prop::collection::vec(arb_addr, 1..4).prop_map(Expr::RecipientIn),
            prop::collection::vec(any::<u8>(), 1..5).prop_map(Expr::TxTypeIn),
        ]
    }

    fn arb_expr() -> impl Strategy<Value = Expr> {
        arb_leaf().prop_recursive(5, 48, 5, |inner| {
            let list = prop::collection::vec(inner, 1..6);
            prop_oneof![
                list.clone().prop_map(Expr::And),
                list.clone().prop_map(Expr::Or),
                list.prop_flat_map(|of| {
                    let n = u8::try_from(of.len()).unwrap();
                    (1..=n, Just(of))
                })
                .prop_map(|(k, of)| Expr::AtLeast { k, of }),
            ]
        })
    }

    fn arb_script() -> impl Strategy<Value = Script> {
        arb_expr().prop_filter_map("within the limits", |e| Script::new(e).ok())
    }

    fn arb_context() -> impl Strategy<Value = Mock> {
        (
            any::<u32>(),
            prop::collection::vec(0u8..6, 0..4),
            prop::collection::vec((0u8..6, -2i64..3), 0..3),
            any::<u64>(),
            prop::collection::vec(0u8..7, 0..3),
            any::<bool>(),
            any::<u8>(),
        )
            .prop_map(
                |(height, signers, associated, balance, recipients, payment, tx_type)| Mock {
                    height,
                    signers: signers.into_iter().map(pk).collect(),
                    associated: associated.into_iter().map(|(a, t)| (addr(a), t)).collect(),
                    balance,
                    recipients: recipients.into_iter().map(addr).collect(),
                    payment,
                    tx_type,
                },
            )
    }

    fn arb_text() -> impl Strategy<Value = String> {
        let tokens = prop::sample::select(vec![
            "all(",
            "any(",
            "atleast(",
            "signed(",
            "associated(",
            "recipients(",
            "types(",
            "height>=",
            "balance>=",
            ")",
            ",",
            " ",
            "1",
            "-7",
            "255",
            "99999999999999999999",
            "3N",
            "x",
            ">",
            "=",
            "(",
        ]);
        prop::collection::vec(tokens, 0..40).prop_map(|t| t.concat())
    }

    proptest! {
        #[test]
        fn bytes_round_trip(s in arb_script()) {
            let bytes = s.encode();
            prop_assert!(bytes.len() <= MAX_SCRIPT_LEN);
            prop_assert_eq!(Script::decode(&bytes), Ok(s.clone()));
            prop_assert!(s.cost() <= MAX_NODES);
        }

        #[test]
        fn text_round_trip(s in arb_script()) {
            let text = s.to_string();
            prop_assert_eq!(Script::parse(&text), Ok(s));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = Script::decode(&bytes);
            // With a valid frame the body reaches the expression decoder; what it accepts
            // re-encodes to exactly the same bytes.
            let framed = framed(&bytes);
            if let Ok(s) = Script::decode(&framed) {
                prop_assert_eq!(s.encode(), framed);
            }
        }

        #[test]
        fn mutated_scripts_never_panic(
            s in arb_script(),
            index in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut bytes = s.encode();
            let body_len = bytes.len() - 5;
            let body = &mut bytes[1..1 + body_len];
            body[index.index(body_len)] = byte;
            let framed = framed(&bytes[1..1 + body_len]);
            if let Ok(decoded) = Script::decode(&framed) {
                prop_assert_eq!(decoded.encode(), framed);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}", tokens in arb_text()) {
            let _ = Script::parse(&text);
            if let Ok(s) = Script::parse(&tokens) {
                prop_assert_eq!(Script::parse(&s.to_string()), Ok(s));
            }
        }

        #[test]
        fn evaluation_is_deterministic(s in arb_script(), ctx in arb_context()) {
            let first = s.evaluate(&ctx);
            prop_assert_eq!(first, s.evaluate(&ctx));
            prop_assert_eq!(first, Script::decode(&s.encode()).unwrap().evaluate(&ctx));
            prop_assert_eq!(first, s.evaluate(&ctx as &dyn ScriptContext));
        }

        #[test]
        fn more_signatures_never_hurt(s in arb_script(), ctx in arb_context(), extra in 0u8..6) {
            let mut more = ctx.clone();
            more.signers.push(pk(extra));
            more.associated.push((addr(extra), 1));
            prop_assert!(!s.evaluate(&ctx) || s.evaluate(&more));
        }
    }
}
