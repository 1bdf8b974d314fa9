//! The framing primitives of the wire messages: a bounded reader and writer of one-byte tags,
//! big-endian integers and `u32`-length-prefixed byte strings and lists, and the error every
//! decoder and encoder returns. `message.rs` builds the gossip and sync messages from them.

/// Most bytes of one length-prefixed field: no field is longer than the largest frame, a sync
/// response (`message::MAX_RESPONSE_BYTES`).
pub(crate) const MAX_FIELD_BYTES: usize = 16 * 1024 * 1024;

/// Why bytes could not be decoded or a message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The input ended before the message did.
    #[error("truncated: needed {needed} more bytes, {left} left")]
    Truncated {
        /// Bytes the next field needs.
        needed: usize,
        /// Bytes left in the input.
        left: usize,
    },
    /// The tag byte names no known variant.
    #[error("unknown tag {0}")]
    UnknownTag(u8),
    /// Bytes were left after a complete message.
    #[error("{0} trailing bytes")]
    Trailing(usize),
    /// A frame or field exceeds its cap.
    #[error("{what} too large: {found} > {max}")]
    TooLarge {
        /// Which field or frame.
        what: &'static str,
        /// Its size or count.
        found: usize,
        /// The cap it exceeds.
        max: usize,
    },
    /// A height range is empty, reversed or longer than its cap.
    #[error("bad range {from}..={to}")]
    BadRange {
        /// First height of the range (inclusive).
        from: u64,
        /// Last height of the range (inclusive).
        to: u64,
    },
    /// The error text is not UTF-8.
    #[error("error text is not UTF-8")]
    NotUtf8,
}

/// A cursor over input bytes; every read checks what is left first.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// Fails unless at least `needed` bytes are left (to check a count before reserving).
    pub(crate) fn ensure(&self, needed: usize) -> Result<(), CodecError> {
        if needed > self.rest.len() {
            return Err(CodecError::Truncated {
                needed,
                left: self.rest.len(),
            });
        }
        Ok(())
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if self.rest.len() < n {
            return Err(CodecError::Truncated {
                needed: n,
                left: self.rest.len(),
            });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, CodecError> {
        Ok(u32::from_be_bytes(self.array::<4>()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, CodecError> {
        Ok(u64::from_be_bytes(self.array::<8>()?))
    }

    /// A list length, checked against its cap and against the bytes left (each item takes at
    /// least a 4-byte prefix), so a lying count cannot make the caller loop or allocate.
    pub(crate) fn count(&mut self, what: &'static str, max: usize) -> Result<usize, CodecError> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(CodecError::TooLarge {
                what,
                found: n,
                max,
            });
        }
        let needed = n.saturating_mul(4);
        if needed > self.rest.len() {
            return Err(CodecError::Truncated {
                needed,
                left: self.rest.len(),
            });
        }
        Ok(n)
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], CodecError> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    pub(crate) fn finish(self) -> Result<(), CodecError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(CodecError::Trailing(self.rest.len()))
        }
    }
}

/// An output buffer; counts and byte strings are checked against their caps as written.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) out: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.out.push(v);
    }

    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    pub(crate) fn count(
        &mut self,
        n: usize,
        what: &'static str,
        max: usize,
    ) -> Result<(), CodecError> {
        if n > max {
            return Err(CodecError::TooLarge {
                what,
                found: n,
                max,
            });
        }
        // n <= max <= u32::MAX for every cap above.
        self.raw(&(n as u32).to_be_bytes());
        Ok(())
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result<(), CodecError> {
        let len = u32::try_from(b.len()).map_err(|_| CodecError::TooLarge {
            what: "field",
            found: b.len(),
            max: u32::MAX as usize,
        })?;
        if b.len() > MAX_FIELD_BYTES {
            return Err(CodecError::TooLarge {
                what: "field",
                found: b.len(),
                max: MAX_FIELD_BYTES,
            });
        }
        self.raw(&len.to_be_bytes());
        self.raw(b);
        Ok(())
    }
}
