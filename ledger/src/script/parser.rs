//! A recursive-descent parser of the text form (the grammar is in the module docs of
//! [`super`]), within the depth and node limits.

use super::lexer::{Lexer, Token};
use super::limits::{check_threshold, enter};
use super::{Expr, MAX_LIST_LEN, ScriptError};
use crate::keys::PublicKey;
use crate::units::Amount;

/// Parses the whole of `text` into an expression; the caller checks the rest of the limits
/// ([`Script::new`](super::Script::new)).
pub(super) fn parse(text: &str) -> Result<Expr, ScriptError> {
    let mut parser = Parser {
        lex: Lexer::new(text),
        nodes: 0,
    };
    let expr = parser.expr(1)?;
    if !parser.lex.at_end() {
        return Err(parser.lex.error(parser.lex.pos(), "trailing input"));
    }
    Ok(expr)
}

/// The parser's state: the tokens and the nodes counted so far.
struct Parser<'a> {
    lex: Lexer<'a>,
    nodes: usize,
}

impl Parser<'_> {
    /// One or more expressions separated by `,` and closed by `)`, at `depth + 1`.
    fn exprs(&mut self, depth: usize) -> Result<Vec<Expr>, ScriptError> {
        let mut of = Vec::new();
        loop {
            of.push(self.expr(depth.saturating_add(1))?);
            if !self.lex.more()? {
                return Ok(of);
            }
        }
    }

    /// `(` followed by `)`: an empty list, refused as in the binary form.
    fn empty_list(&mut self, at: usize) -> Result<(), ScriptError> {
        if self.lex.peek() == Some(b')') {
            return Err(ScriptError::EmptyList { at });
        }
        Ok(())
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ScriptError> {
        self.lex.skip_ws();
        enter(depth, &mut self.nodes)?;
        let Token { at, text: keyword } = self.lex.word()?;
        match keyword {
            "all" | "any" => {
                self.lex.expect(b'(', "expected '('")?;
                self.empty_list(at)?;
                let of = self.exprs(depth)?;
                Ok(if keyword == "all" {
                    Expr::And(of)
                } else {
                    Expr::Or(of)
                })
            }
            "atleast" => {
                self.lex.expect(b'(', "expected '('")?;
                let k = self.lex.number()?;
                let of = if self.lex.more()? {
                    self.exprs(depth)?
                } else {
                    Vec::new()
                };
                check_threshold(k, of.len())?;
                Ok(Expr::AtLeast { k, of })
            }
            "signed" => {
                self.lex.expect(b'(', "expected '('")?;
                let Token { at: key_at, text } = self.lex.word()?;
                let key = PublicKey::from_base58(text)
                    .map_err(|_| self.lex.error(key_at, "invalid public key"))?;
                self.lex.expect(b')', "expected ')'")?;
                Ok(Expr::SignedBy(key))
            }
            "associated" => {
                self.lex.expect(b'(', "expected '('")?;
                let issuer = self.lex.address()?;
                self.lex.expect(b',', "expected ','")?;
                let association_type = self.lex.number()?;
                self.lex.expect(b')', "expected ')'")?;
                Ok(Expr::SignedByAssociated {
                    issuer,
                    association_type,
                })
            }
            "height" | "balance" => {
                self.lex.expect(b'>', "expected '>='")?;
                self.lex.expect_adjacent(b'=', "expected '>='")?;
                Ok(if keyword == "height" {
                    Expr::HeightAtLeast(self.lex.number()?)
                } else {
                    Expr::BalanceAtLeast(Amount(self.lex.number()?))
                })
            }
            "recipients" => {
                self.lex.expect(b'(', "expected '('")?;
                self.empty_list(at)?;
                let mut list = Vec::new();
                loop {
                    if list.len() == MAX_LIST_LEN {
                        return Err(ScriptError::ListTooLong { max: MAX_LIST_LEN });
                    }
                    list.push(self.lex.address()?);
                    if !self.lex.more()? {
                        return Ok(Expr::RecipientIn(list));
                    }
                }
            }
            "types" => {
                self.lex.expect(b'(', "expected '('")?;
                self.empty_list(at)?;
                let mut list = Vec::new();
                loop {
                    if list.len() == MAX_LIST_LEN {
                        return Err(ScriptError::ListTooLong { max: MAX_LIST_LEN });
                    }
                    list.push(self.lex.number()?);
                    if !self.lex.more()? {
                        return Ok(Expr::TxTypeIn(list));
                    }
                }
            }
            "" => Err(self.lex.error(at, "expected an expression")),
            _ => Err(self.lex.error(at, "unknown keyword")),
        }
    }
}
