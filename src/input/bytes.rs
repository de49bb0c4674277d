//! A capture file's bytes: mapped into memory, released as they are used.
//!
//! tracedoc reads a big capture twice (once to index it, once to write the
//! pages) and jumps back to single records in between. Mapping the file
//! gives all three without copying it; the pages a pass is done with are
//! handed back to the kernel ([`Bytes::release`]), so the process's resident
//! memory stays at the part being worked on, not the size of the file
//! (docs/performance.md has the measurements behind this choice).
//!
//! Files that cannot be mapped (pipes, empty files) are read into memory,
//! and so are small ones ([`MAP_MIN_BYTES`]): one `read` costs less than
//! mapping, faulting in, releasing and unmapping a few pages, and a docs
//! tree holds many of them.

// Mapping a file is `unsafe` because another process could change it under
// us; tracedoc reads captures that nothing is writing any more, as ripgrep
// does with the files it searches.
#![allow(unsafe_code)]

use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;

/// The bytes of one input file.
#[derive(Debug)]
pub struct Bytes {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

/// The page size used to round releases (4 KiB on every platform tracedoc
/// runs on; a larger real page size only makes a release do less).
const PAGE: usize = 4096;

/// The largest page-cache folio a read may map at once (a PMD: 2 MiB).
const FOLIO: usize = 2 << 20;

/// Regular files smaller than this are read, not mapped.
pub const MAP_MIN_BYTES: u64 = 1 << 20;

impl Bytes {
    /// Maps a regular file, or reads anything else (and small files).
    pub fn open(path: &Path) -> std::io::Result<Bytes> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_file() && meta.len() >= MAP_MIN_BYTES {
            // SAFETY: see the module docs; the map is read-only.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                let _ = map.advise(memmap2::Advice::Sequential);
                return Ok(Bytes {
                    inner: Inner::Mapped(map),
                });
            }
        }
        // The size is a hint (a pipe has none, a file may grow).
        let mut owned = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
        file.read_to_end(&mut owned)?;
        Ok(Bytes::from_vec(owned))
    }

    /// Bytes already in memory (tests, stdin, formats decoded up front).
    pub fn from_vec(bytes: Vec<u8>) -> Bytes {
        Bytes {
            inner: Inner::Owned(bytes),
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match &self.inner {
            Inner::Mapped(m) => m,
            Inner::Owned(v) => v,
        }
    }

    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Tells the kernel the pages wholly inside `range` are not needed for
    /// now. They stay in the page cache and are read back if touched again;
    /// only this process's resident set shrinks. Does nothing for bytes
    /// held in memory.
    pub fn release(&self, range: Range<usize>) {
        let Inner::Mapped(map) = &self.inner else {
            return;
        };
        // Outward to whole folios: touching one page maps the page-cache
        // folio around it (up to 2 MiB), so a release that stops at the
        // page would leave the rest of a folio at each end mapped. Pages
        // of a neighbour let go by this are only faulted in again.
        let start = range.start / FOLIO * FOLIO;
        let end = range
            .end
            .div_ceil(FOLIO)
            .saturating_mul(FOLIO)
            .min(map.len().div_ceil(PAGE) * PAGE);
        if end > start {
            // SAFETY: the map is a shared, read-only file mapping: dropping
            // its pages loses nothing, a later read faults them back in.
            let _ = unsafe {
                map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
            };
        }
    }
}
