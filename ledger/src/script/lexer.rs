//! The tokens of the text form: whitespace, punctuation, words (keywords, Base58) and
//! decimal numbers, each with its byte offset for error messages.

use super::ScriptError;
use crate::address::Address;
use std::str::FromStr;

/// Longest word or number the text parser looks at; longer ones are refused before any
/// Base58 decoding, whose cost grows with the square of the length.
const MAX_TOKEN_LEN: usize = 64;

/// A run of bytes the lexer read, with its offset for error messages.
pub(super) struct Token<'a> {
    /// The byte offset where it starts.
    pub(super) at: usize,
    /// Its text (empty when nothing matched).
    pub(super) text: &'a str,
}

/// A cursor over the bytes of the text form (the grammar is ASCII).
pub(super) struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`.
    pub(super) fn new(text: &'a str) -> Self {
        Lexer {
            text: text.as_bytes(),
            pos: 0,
        }
    }

    /// A parse error at byte offset `at`.
    pub(super) fn error(&self, at: usize, reason: &'static str) -> ScriptError {
        ScriptError::Parse { at, reason }
    }

    /// The current byte offset.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// Whether only whitespace is left.
    pub(super) fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.text.len()
    }

    pub(super) fn skip_ws(&mut self) {
        while self
            .text
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos = self.pos.saturating_add(1);
        }
    }

    /// Skips whitespace and returns the next byte without consuming it.
    pub(super) fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.text.get(self.pos).copied()
    }

    /// Consumes `byte` after whitespace, or fails with `reason`.
    pub(super) fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), ScriptError> {
        if self.peek() != Some(byte) {
            return Err(self.error(self.pos, reason));
        }
        self.pos = self.pos.saturating_add(1);
        Ok(())
    }

    /// Consumes `byte` right here, with no whitespace before it, or fails with `reason`.
    pub(super) fn expect_adjacent(
        &mut self,
        byte: u8,
        reason: &'static str,
    ) -> Result<(), ScriptError> {
        if self.text.get(self.pos) != Some(&byte) {
            return Err(self.error(self.pos, reason));
        }
        self.pos = self.pos.saturating_add(1);
        Ok(())
    }

    /// After an entry of a list: `true` for `,` (more follow), `false` for `)` (done).
    pub(super) fn more(&mut self) -> Result<bool, ScriptError> {
        match self.peek() {
            Some(b',') => {
                self.pos = self.pos.saturating_add(1);
                Ok(true)
            }
            Some(b')') => {
                self.pos = self.pos.saturating_add(1);
                Ok(false)
            }
            _ => Err(self.error(self.pos, "expected ',' or ')'")),
        }
    }

    /// The next run of bytes matching `accept` (after whitespace), with its offset.
    fn token(&mut self, accept: fn(u8) -> bool) -> Result<Token<'a>, ScriptError> {
        self.skip_ws();
        let start = self.pos;
        let len = self
            .text
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| accept(b))
            .count();
        if len > MAX_TOKEN_LEN {
            return Err(self.error(start, "token too long"));
        }
        let end = start.saturating_add(len);
        let word = self
            .text
            .get(start..end)
            .and_then(|w| std::str::from_utf8(w).ok())
            .unwrap_or_default();
        self.pos = end;
        Ok(Token {
            at: start,
            text: word,
        })
    }

    /// The next run of ASCII letters and digits (empty if none).
    pub(super) fn word(&mut self) -> Result<Token<'a>, ScriptError> {
        self.token(|b| b.is_ascii_alphanumeric())
    }

    /// The next decimal number, in range for `T`.
    pub(super) fn number<T: FromStr>(&mut self) -> Result<T, ScriptError> {
        let Token { at, text } = self.token(|b| b.is_ascii_digit() || b == b'-')?;
        if text.is_empty() {
            return Err(self.error(at, "expected a number"));
        }
        text.parse()
            .map_err(|_| self.error(at, "number out of range"))
    }

    /// The next word, as a Base58 address.
    pub(super) fn address(&mut self) -> Result<Address, ScriptError> {
        let Token { at, text } = self.word()?;
        Address::from_base58(text).map_err(|_| self.error(at, "invalid address"))
    }
}
