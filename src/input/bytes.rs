//! A capture file's bytes: read a stretch at a time, never held whole.
//!
//! tracedoc reads a big capture twice (once to index it, once to write the
//! pages) and jumps back to single records in between. Each stretch it
//! needs (a piece of a pass, a record's head, a window of the cut into
//! pieces) is read with `pread` into a buffer of its own
//! ([`Bytes::read_at`]); buffers are reused ([`Bytes::buffer`]), so the
//! process's resident memory is the stretches being worked on, whatever
//! the size of the file.
//!
//! Files that are not regular (pipes) are read into memory whole, and so
//! are small ones ([`WHOLE_BELOW_BYTES`]): one `read` costs less than
//! many, and a docs tree holds many of them. A reader that needs the whole
//! file at once (HAR, the JSON trace formats) maps it ([`Bytes::whole`]).
//!
//! ## Why `pread`, not a map
//!
//! tracedoc used to map the file, let records borrow from the map, and
//! hand each piece's pages back with `madvise(DONTNEED)` once it was done.
//! On Linux 6.18 (ext4) the page cache holds a big file in large folios,
//! up to 2 MiB, and a fault on one page maps the whole folio, faster than
//! the releases let them go: what was resident was the pieces in flight
//! rounded out to folios, plus whatever reading a few bytes (a record's
//! head, the cut into pieces) pulled in. The 1 GB log of 300 bodies of
//! about 3.5 MB peaked at 79 to 273 MiB (depending on the folios the page
//! cache held), and its mapped file pages alone stayed at 45 to 52 MiB
//! through pass 2. Read into reused buffers, none of the file is mapped,
//! and that log peaks at 54 MiB: the pieces in flight and their output.
//!
//! For the ordinary 1 GB synthetic log the two cost the same within the
//! noise of the shared two-core machine they were measured on (five
//! interleaved runs each of `tracedoc render LOG -o OUT --force --quiet`,
//! load 3.5 to 4): median CPU time 16.44 s mapped, 16.61 s read; user
//! time the same, system time 2.80 s against 2.98 s (copying the pages
//! costs a little more than faulting them in and releasing them); wall
//! times equal; peak RSS 190 and 195 MiB. A difference of 1% does not pay
//! for a second way of reading, so big files are read, not mapped.

// Mapping a file is `unsafe` because another process could change it under
// us; tracedoc reads captures that nothing is writing any more, as ripgrep
// does with the files it searches.
#![allow(unsafe_code)]

use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

/// The bytes of one input file.
#[derive(Debug)]
pub struct Bytes {
    inner: Inner,
    /// Buffers handed back after use, for the next stretch.
    spare: Mutex<Vec<Vec<u8>>>,
}

#[derive(Debug)]
enum Inner {
    /// A regular file, read a stretch at a time.
    File {
        file: File,
        len: usize,
    },
    /// A regular file mapped whole, for a reader that needs all of it.
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

/// Regular files smaller than this are read whole, not a stretch at a time.
pub const WHOLE_BELOW_BYTES: u64 = 1 << 20;

/// How many used buffers are kept for reuse: one per piece in flight is
/// enough; more would only hold memory.
const SPARE_BUFFERS: usize = 4;

/// A buffer bigger than this is not kept for reuse (a piece holding one
/// huge record is as big as the record).
const SPARE_MAX_BYTES: usize = 16 << 20;

impl Bytes {
    /// Opens a regular file to be read a stretch at a time, or reads
    /// anything else (and small files) whole.
    pub fn open(path: &Path) -> std::io::Result<Bytes> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_file() && meta.len() >= WHOLE_BELOW_BYTES {
            return Bytes::file(file);
        }
        // The size is a hint (a pipe has none, a file may grow).
        let mut owned = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
        file.read_to_end(&mut owned)?;
        Ok(Bytes::from_vec(owned))
    }

    /// A regular file, read a stretch at a time whatever its size.
    pub fn file(file: File) -> std::io::Result<Bytes> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| std::io::Error::other("file too big for this platform"))?;
        Ok(Bytes::with(Inner::File { file, len }))
    }

    /// Bytes already in memory (tests, stdin, formats decoded up front).
    pub fn from_vec(bytes: Vec<u8>) -> Bytes {
        Bytes::with(Inner::Owned(bytes))
    }

    fn with(inner: Inner) -> Bytes {
        Bytes {
            inner,
            spare: Mutex::new(Vec::new()),
        }
    }

    fn map(file: &File) -> std::io::Result<Bytes> {
        // SAFETY: see the module docs; the map is read-only.
        let map = unsafe { memmap2::Mmap::map(file) }?;
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(Bytes::with(Inner::Mapped(map)))
    }

    /// The same bytes, all at once ([`Bytes::as_bytes`]), for a reader that
    /// needs the whole file: a file read a stretch at a time is mapped (or
    /// read whole if it cannot be).
    pub fn whole(self) -> std::io::Result<Bytes> {
        let Inner::File { file, len } = &self.inner else {
            return Ok(self);
        };
        if let Ok(mapped) = Bytes::map(file) {
            return Ok(mapped);
        }
        let mut owned = vec![0; *len];
        file.read_exact_at(&mut owned, 0)?;
        Ok(Bytes::from_vec(owned))
    }

    /// Whether the bytes are all at hand ([`Bytes::as_bytes`] has them all).
    pub fn is_whole(&self) -> bool {
        !matches!(self.inner, Inner::File { .. })
    }

    /// The whole file when it is at hand ([`Bytes::whole`]); empty for a
    /// file read a stretch at a time ([`Bytes::read_at`]).
    pub fn as_bytes(&self) -> &[u8] {
        match &self.inner {
            Inner::File { .. } => &[],
            Inner::Mapped(m) => m,
            Inner::Owned(v) => v,
        }
    }

    pub fn len(&self) -> usize {
        match &self.inner {
            Inner::File { len, .. } => *len,
            Inner::Mapped(m) => m.len(),
            Inner::Owned(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of `range` (cut to the end of the file): borrowed when
    /// the file is in memory, read into `buf` otherwise (which grows to the
    /// largest stretch read into it and is not cleared for the next one).
    pub fn read_at<'b>(
        &'b self,
        range: Range<usize>,
        buf: &'b mut Vec<u8>,
    ) -> std::io::Result<&'b [u8]> {
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        match &self.inner {
            Inner::Owned(v) => Ok(&v[start..end]),
            Inner::Mapped(m) => Ok(&m[start..end]),
            Inner::File { file, .. } => {
                let n = end - start;
                if buf.len() < n {
                    buf.resize(n, 0);
                }
                file.read_exact_at(&mut buf[..n], start as u64)?;
                Ok(&buf[..n])
            }
        }
    }

    /// A buffer for [`Bytes::read_at`], one used before when there is one
    /// (a fresh one is fresh pages, which the kernel zeroes every time). It
    /// goes back to be reused when dropped.
    pub fn buffer(&self) -> Buffer<'_> {
        let buf = match &self.inner {
            Inner::File { .. } => self.spare.lock().ok().and_then(|mut s| s.pop()),
            _ => None,
        };
        Buffer {
            spare: Some(&self.spare),
            buf: buf.unwrap_or_default(),
        }
    }
}

/// A buffer to read stretches of a file into ([`Bytes::buffer`]), or a
/// new one that is not kept (`Buffer::default()`).
#[derive(Default)]
pub struct Buffer<'b> {
    spare: Option<&'b Mutex<Vec<Vec<u8>>>>,
    buf: Vec<u8>,
}

impl std::ops::Deref for Buffer<'_> {
    type Target = Vec<u8>;

    fn deref(&self) -> &Vec<u8> {
        &self.buf
    }
}

impl std::ops::DerefMut for Buffer<'_> {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }
}

impl Drop for Buffer<'_> {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        let Some(spare) = self.spare else {
            return;
        };
        if buf.capacity() == 0 || buf.capacity() > SPARE_MAX_BYTES {
            return;
        }
        if let Ok(mut spare) = spare.lock() {
            if spare.len() < SPARE_BUFFERS {
                spare.push(buf);
            }
        }
    }
}
