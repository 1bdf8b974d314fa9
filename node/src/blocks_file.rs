//! `ltonode export` and `ltonode import`: a chain's blocks in a file, as Waves and LTO nodes
//! offer, to seed a node without the network or to keep an archive.
//!
//! The file is `LTOBLK1\n`, the chain id byte, then one record per key block: the header's
//! wire bytes and the micro blocks the node kept, each as a big-endian `u32` length and the
//! bytes (`u32` count of micro blocks first). A file exported from a pruned node holds the
//! blocks it still has in full; import needs them from the genesis block up.
//!
//! Import verifies every block exactly as sync does: the blocks go to the chain core as sync
//! extensions (key-block consensus rules, commitments, every transaction), in batches of
//! [`BATCH`], and the first refused block stops the import with its height and reason; what
//! was imported before it stays.

use crate::service::wall_clock;
use ltonode_core::{Block, Core, Extension, Input, Reply};
use ltonode_ledger::block::{KeyBlockHeader, MicroBlock};
use ltonode_ledger::chain::Chain;
use ltonode_ledger::{ChainId, Height, Store};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

/// The file's first bytes.
pub const MAGIC: &[u8; 8] = b"LTOBLK1\n";
/// Blocks handed to the core at once.
pub const BATCH: usize = 100;
/// The largest record accepted (a header or one micro block).
const MAX_RECORD: usize = 16 * 1024 * 1024;

/// Why an export or import stopped.
#[derive(Debug, thiserror::Error)]
pub enum BlocksFileError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The blocks file's path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a blocks file of this chain, or is cut short or garbled.
    #[error("{path}: {reason}")]
    Format {
        /// The blocks file's path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The chain could not be read or written.
    #[error("chain: {0}")]
    Chain(#[from] ltonode_ledger::chain::ChainError),
    /// The core failed (storage).
    #[error("chain core: {0}")]
    Core(#[from] ltonode_core::CoreError),
    /// A block was refused: the import stops there.
    #[error("block {height} refused: {reason}")]
    Refused {
        /// The height of the refused block.
        height: u32,
        /// The core's reason for refusing it.
        reason: String,
    },
    /// The blocks before the file's first do not match the chain here.
    #[error("the file's blocks do not continue this chain ({0})")]
    NoAncestor(String),
    /// Blocks before `from` were pruned here.
    #[error("blocks up to {0} are pruned on this node; export from a history node")]
    Pruned(u32),
}

/// How far an export or import is, for the progress line.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Blocks done.
    pub done: u64,
    /// Blocks in all (0: unknown).
    pub total: u64,
    /// Seconds since the start.
    pub secs: f64,
}

impl Progress {
    /// `done/total blocks, rate blocks/s, ETA` as one line.
    pub fn line(&self) -> String {
        let rate = if self.secs > 0.0 {
            self.done as f64 / self.secs
        } else {
            0.0
        };
        let eta = if rate > 0.0 && self.total > self.done {
            format!(
                ", about {:.0} s left",
                (self.total - self.done) as f64 / rate
            )
        } else {
            String::new()
        };
        let pct = if self.total > 0 {
            self.done as f64 * 100.0 / self.total as f64
        } else {
            0.0
        };
        format!(
            "{}/{} blocks ({pct:.0} %), {rate:.0} blocks/s{eta}",
            self.done, self.total
        )
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BlocksFileError + '_ {
    move |source| BlocksFileError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn put(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len()).map_err(|_| std::io::Error::other("record over 4 GiB"))?;
    w.write_all(&len.to_be_bytes())?;
    w.write_all(bytes)
}

/// Writes blocks `from..=to` (`to` capped at the tip) of `chain` to `path`; returns how many.
pub fn export<S: Store>(
    chain: &Chain<S>,
    path: &Path,
    from: u32,
    to: u32,
    mut progress: impl FnMut(Progress),
) -> Result<u64, BlocksFileError> {
    let from = from.max(1);
    let to = to.min(chain.height().0);
    let pruned = chain.pruned_height()?.0;
    if !chain.config().history && from <= pruned && to > 1 {
        return Err(BlocksFileError::Pruned(pruned));
    }
    let file = std::fs::File::create(path).map_err(io(path))?;
    let mut w = BufWriter::new(file);
    w.write_all(MAGIC).map_err(io(path))?;
    w.write_all(&[chain.config().chain_id.0])
        .map_err(io(path))?;
    let started = Instant::now();
    let total = u64::from(to.saturating_sub(from).saturating_add(1));
    let mut done = 0u64;
    for h in from..=to {
        let Some(header) = chain.header_at(Height(h))? else {
            break;
        };
        let micros = chain.block_micro_blocks(Height(h))?;
        put(&mut w, &header.to_bytes()).map_err(io(path))?;
        let count = u32::try_from(micros.len()).unwrap_or(u32::MAX);
        w.write_all(&count.to_be_bytes()).map_err(io(path))?;
        for m in &micros {
            put(&mut w, &m.to_bytes()).map_err(io(path))?;
        }
        done += 1;
        if done.is_multiple_of(1000) || done == total {
            progress(Progress {
                done,
                total,
                secs: started.elapsed().as_secs_f64(),
            });
        }
    }
    w.flush().map_err(io(path))?;
    Ok(done)
}

/// Reads the blocks of a blocks file, one at a time.
pub struct BlockReader<R: Read> {
    r: R,
    path: String,
    chain_id: ChainId,
}

impl BlockReader<BufReader<std::fs::File>> {
    /// Opens `path` and checks its magic and chain id.
    pub fn open(path: &Path, chain_id: ChainId) -> Result<Self, BlocksFileError> {
        let file = std::fs::File::open(path).map_err(io(path))?;
        let mut r = BufReader::new(file);
        let format = |reason: &str| BlocksFileError::Format {
            path: path.display().to_string(),
            reason: reason.to_owned(),
        };
        let mut head = [0u8; 9];
        r.read_exact(&mut head)
            .map_err(|_| format("too short for a blocks file"))?;
        if &head[..8] != MAGIC {
            return Err(format("not a blocks file (no LTOBLK1 header)"));
        }
        if head[8] != chain_id.0 {
            return Err(format(&format!(
                "blocks of chain '{}', this node runs '{}'",
                char::from(head[8]),
                chain_id
            )));
        }
        Ok(BlockReader {
            r,
            path: path.display().to_string(),
            chain_id,
        })
    }
}

impl<R: Read> BlockReader<R> {
    fn format(&self, reason: String) -> BlocksFileError {
        BlocksFileError::Format {
            path: self.path.clone(),
            reason,
        }
    }

    fn u32(&mut self) -> Result<Option<u32>, BlocksFileError> {
        let mut b = [0u8; 4];
        match self.r.read(&mut b[..1]) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e) => return Err(self.format(e.to_string())),
        }
        self.r
            .read_exact(&mut b[1..])
            .map_err(|_| self.format("cut short".into()))?;
        Ok(Some(u32::from_be_bytes(b)))
    }

    fn record(&mut self) -> Result<Vec<u8>, BlocksFileError> {
        let len = self.u32()?.ok_or_else(|| self.format("cut short".into()))? as usize;
        if len > MAX_RECORD {
            return Err(self.format(format!("a record of {len} bytes")));
        }
        let mut buf = vec![0u8; len];
        self.r
            .read_exact(&mut buf)
            .map_err(|_| self.format("cut short".into()))?;
        Ok(buf)
    }

    /// The next block, or `None` at the end of the file.
    pub fn next_block(&mut self) -> Result<Option<Block>, BlocksFileError> {
        let Some(len) = self.u32()? else {
            return Ok(None);
        };
        let len = len as usize;
        if len > MAX_RECORD {
            return Err(self.format(format!("a header record of {len} bytes")));
        }
        let mut bytes = vec![0u8; len];
        self.r
            .read_exact(&mut bytes)
            .map_err(|_| self.format("cut short".into()))?;
        let header = KeyBlockHeader::from_bytes(&bytes)
            .map_err(|e| self.format(format!("a header that does not decode: {e}")))?;
        let count = self.u32()?.ok_or_else(|| self.format("cut short".into()))?;
        let mut micros = Vec::new();
        for _ in 0..count {
            let bytes = self.record()?;
            let m = MicroBlock::from_bytes(&bytes, self.chain_id).map_err(|e| {
                self.format(format!(
                    "a micro block of height {} that does not decode: {e}",
                    header.height.0
                ))
            })?;
            micros.push(m);
        }
        Ok(Some((header, micros)))
    }
}

/// Imports the blocks of `reader` into `core`, verifying each as sync does; `total` (if
/// known) is for the progress line. Returns how many blocks were new.
pub fn import<S: Store, R: Read>(
    core: &mut Core<S>,
    reader: &mut BlockReader<R>,
    total: u64,
    mut progress: impl FnMut(Progress),
) -> Result<u64, BlocksFileError> {
    let started = Instant::now();
    let mut seen = 0u64;
    let mut imported = 0u64;
    // Each batch starts with a block the chain holds, so the core finds the common ancestor:
    // the last of the file's blocks at or below the tip, then the tip itself.
    let mut ancestor: Option<Block> = None;
    loop {
        let mut batch = Vec::with_capacity(BATCH + 1);
        while batch.len() < BATCH {
            let Some(block) = reader.next_block()? else {
                break;
            };
            seen += 1;
            if block.0.height <= core.chain().height() {
                ancestor = Some(block);
            } else {
                batch.push(block);
            }
        }
        if batch.is_empty() {
            break;
        }
        let mut blocks: Vec<Block> = ancestor.take().into_iter().collect();
        blocks.extend(batch);
        match extend(core, blocks.clone())? {
            Ok(applied) => imported += u64::from(applied),
            Err(reason) => {
                // A batch is taken whole or not at all: apply its blocks one by one up to
                // the refused one, so what came before it stays and the height is exact.
                let (first, rest) = blocks.split_at(1);
                let mut base = first.to_vec();
                for block in rest {
                    let height = block.0.height.0;
                    base.push(block.clone());
                    match extend(core, std::mem::take(&mut base))? {
                        Ok(_) => {}
                        Err(reason) => return Err(BlocksFileError::Refused { height, reason }),
                    }
                    base = vec![tip_block(core)?];
                }
                return Err(BlocksFileError::Refused {
                    height: core.chain().height().0.saturating_add(1),
                    reason,
                });
            }
        }
        ancestor = Some(tip_block(core)?);
        progress(Progress {
            done: seen,
            total,
            secs: started.elapsed().as_secs_f64(),
        });
    }
    Ok(imported)
}

/// How many blocks `path` holds (a pass over the record lengths), for the progress line.
pub fn count_blocks(path: &Path, chain_id: ChainId) -> Result<u64, BlocksFileError> {
    let mut reader = BlockReader::open(path, chain_id)?;
    let mut n = 0u64;
    while reader.skip_block()? {
        n += 1;
    }
    Ok(n)
}

impl<R: Read> BlockReader<R> {
    fn skip(&mut self, len: usize) -> Result<(), BlocksFileError> {
        let copied = std::io::copy(&mut (&mut self.r).take(len as u64), &mut std::io::sink())
            .map_err(|e| self.format(e.to_string()))?;
        if copied != len as u64 {
            return Err(self.format("cut short".into()));
        }
        Ok(())
    }

    /// Skips one block without decoding it; `false` at the end of the file.
    fn skip_block(&mut self) -> Result<bool, BlocksFileError> {
        let Some(len) = self.u32()? else {
            return Ok(false);
        };
        self.skip(len as usize)?;
        let count = self.u32()?.ok_or_else(|| self.format("cut short".into()))?;
        for _ in 0..count {
            let len = self.u32()?.ok_or_else(|| self.format("cut short".into()))?;
            self.skip(len as usize)?;
        }
        Ok(true)
    }
}

/// Hands `blocks` to the core as one sync extension: how many it applied, or why it refused
/// them.
fn extend<S: Store>(
    core: &mut Core<S>,
    blocks: Vec<Block>,
) -> Result<Result<u32, String>, BlocksFileError> {
    let out = core.handle::<()>(Input::Extension {
        from: (),
        blocks,
        more: false,
        now: wall_clock(),
    })?;
    match out.reply {
        Reply::Extension(Extension::Switched { applied, .. }) => Ok(Ok(applied)),
        Reply::Extension(Extension::Refused(r)) => Ok(Err(r.to_string())),
        other => Err(BlocksFileError::NoAncestor(format!("{other:?}"))),
    }
}

/// The chain's tip block (its key block and the micro blocks it holds).
fn tip_block<S: Store>(core: &Core<S>) -> Result<Block, BlocksFileError> {
    let tip = core.chain().height();
    let header = core
        .chain()
        .header_at(tip)?
        .ok_or(ltonode_ledger::chain::ChainError::Empty)?;
    Ok((header, core.chain().block_micro_blocks(tip)?))
}
