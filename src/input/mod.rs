//! Captures in, records out: the first stage.
//!
//! A [`Capture`] is one input file opened by the reader of its format
//! ([`Format`], found from the content unless forced). Whatever the format,
//! it hands out [`Record`]s in the same shape, in independent [`Piece`]s
//! that can be read on several cores, and one record again from its
//! position ([`Capture::record`]). A reader may also state what its format
//! knows about pairs and parents ([`crate::model::Hints`]).
//!
//! [`discover`] finds the capture files of a folder tree.

pub mod bytes;
pub mod discover;
pub mod requestshook;
pub mod write;

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error, Result};
use crate::model::{At, Record};
use bytes::Bytes;

/// About how many bytes one piece of a big capture holds: small enough that
/// both cores get work and little is held at a time, big enough that the
/// per-piece cost does not show.
pub const PIECE_BYTES: usize = 4 << 20;

/// A capture format tracedoc reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// The requestshook WSGI middleware's log.
    Requestshook,
}

impl Format {
    /// Every format, in the order detection tries them.
    pub const ALL: &'static [Format] = &[Format::Requestshook];

    pub fn name(self) -> &'static str {
        match self {
            Format::Requestshook => "requestshook",
        }
    }

    /// Whether the start of a file looks like this format.
    fn sniff(self, head: &[u8]) -> bool {
        match self {
            Format::Requestshook => requestshook::sniff(head),
        }
    }

    /// Finds the format of a file from its first bytes.
    pub fn detect(head: &[u8]) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.sniff(head))
    }
}

/// A stretch of a capture that can be read on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Reader positions (byte offsets for text formats).
    pub range: Range<usize>,
    /// Line number of the piece's first line.
    pub line: u32,
}

/// The records of one piece, in order, and the warnings found reading them.
pub struct Records<'a> {
    inner: RecordsInner<'a>,
}

enum RecordsInner<'a> {
    Requestshook(requestshook::Parser<'a>),
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        match &mut self.inner {
            RecordsInner::Requestshook(p) => p.next(),
        }
    }
}

impl Records<'_> {
    /// The warnings found so far.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        match &mut self.inner {
            RecordsInner::Requestshook(p) => p.take_diagnostics(),
        }
    }
}

/// One capture file, opened for reading.
#[derive(Debug)]
pub struct Capture {
    /// The file, as named by the caller.
    pub path: PathBuf,
    pub format: Format,
    bytes: Bytes,
}

impl Capture {
    /// Opens a capture file, in `format` or the one its content shows.
    pub fn open(path: &Path, format: Option<Format>) -> Result<Capture> {
        let bytes = Bytes::open(path).map_err(|e| Error::read(path, e))?;
        Capture::from_bytes(path, bytes, format)
    }

    /// A capture held in memory (tests, fuzzing); `path` names it in messages.
    pub fn from_vec(path: &Path, data: Vec<u8>, format: Option<Format>) -> Result<Capture> {
        Capture::from_bytes(path, Bytes::from_vec(data), format)
    }

    fn from_bytes(path: &Path, bytes: Bytes, format: Option<Format>) -> Result<Capture> {
        let head = &bytes.as_bytes()[..bytes.len().min(64 << 10)];
        // requestshook is what a file of no other format is read as: its
        // reader says what is wrong with it (not text, no record).
        let format = format
            .or_else(|| Format::detect(head))
            .unwrap_or(Format::Requestshook);
        Ok(Capture {
            path: path.to_path_buf(),
            format,
            bytes,
        })
    }

    /// The capture's file name, as shown on pages (never a full path).
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| discover::DEFAULT_FILE.to_string())
    }

    /// The BLAKE3 hash of the whole input, as the manifest writes it
    /// (hashed on every core; the pages hashed are let go again).
    pub fn digest(&self) -> String {
        let mut h = blake3::Hasher::new();
        let bytes = self.bytes.as_bytes();
        for start in (0..bytes.len()).step_by(PIECE_BYTES) {
            let end = (start + PIECE_BYTES).min(bytes.len());
            h.update_rayon(&bytes[start..end]);
            self.bytes.release(start..end);
        }
        format!("b3:{}", h.finalize().to_hex())
    }

    /// The size of the input in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The capture cut into pieces of about `target` bytes, with their
    /// first line numbers (counted on every core; the pages counted are let
    /// go again).
    pub fn pieces(&self, target: usize) -> Vec<Piece> {
        use rayon::prelude::*;
        let text = self.bytes.as_bytes();
        let ranges = match self.format {
            Format::Requestshook => requestshook::pieces(text, target),
        };
        let counts: Vec<u32> = ranges
            .par_iter()
            .map(|r| {
                let n = count_lines(&text[r.clone()]);
                self.bytes.release(r.clone());
                n
            })
            .collect();
        let mut line = 1u32;
        let mut out = Vec::with_capacity(ranges.len());
        for (r, n) in ranges.into_iter().zip(counts) {
            out.push(Piece { range: r, line });
            line = line.saturating_add(n);
        }
        out
    }

    /// Reads one piece.
    pub fn read(&self, piece: &Piece) -> Result<Records<'_>> {
        let whole = self.bytes.as_bytes();
        let inner = match self.format {
            Format::Requestshook => {
                let text = requestshook::check_utf8(whole, piece.range.clone(), &self.path)?;
                RecordsInner::Requestshook(requestshook::Parser::new(
                    text,
                    piece.range.start,
                    piece.line,
                    piece.range.end == whole.len(),
                    &self.path,
                ))
            }
        };
        Ok(Records { inner })
    }

    /// One record again, from where it was found.
    pub fn record(&self, at: At) -> Option<Record<'_>> {
        match self.format {
            Format::Requestshook => requestshook::record_at(self.bytes.as_bytes(), at, &self.path),
        }
    }

    /// Lets go of the memory of a piece that is done with (until it is read again).
    pub fn release(&self, piece: &Piece) {
        self.bytes.release(piece.range.clone());
    }

    /// Every record and warning, in order (tests and small captures). A
    /// capture without any record is an error.
    pub fn read_all(&self) -> Result<(Vec<Record<'_>>, Vec<Diagnostic>)> {
        let mut records = Vec::new();
        let mut diagnostics = Vec::new();
        for piece in self.pieces(PIECE_BYTES) {
            let mut r = self.read(&piece)?;
            records.extend(r.by_ref());
            diagnostics.extend(r.take_diagnostics());
        }
        if records.is_empty() {
            return Err(Error::NoRecords {
                path: self.path.clone(),
            });
        }
        Ok((records, diagnostics))
    }
}

/// The number of `\n` in `bytes` (a loop the compiler vectorises).
fn count_lines(bytes: &[u8]) -> u32 {
    let mut n = 0u64;
    for chunk in bytes.chunks(1 << 12) {
        let mut c = 0u32;
        for &b in chunk {
            c += u32::from(b == b'\n');
        }
        n += u64::from(c);
    }
    n.min(u64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, target: usize) -> (Vec<String>, Vec<String>) {
        let c = Capture::from_vec(Path::new("t.log"), text.as_bytes().to_vec(), None).unwrap();
        let mut records = Vec::new();
        let mut diagnostics = Vec::new();
        for piece in c.pieces(target) {
            let mut r = c.read(&piece).unwrap();
            for rec in r.by_ref() {
                assert_eq!(
                    c.record(rec.at).as_ref(),
                    Some(&rec),
                    "read again at {:?}",
                    rec.at
                );
                records.push(format!(
                    "{}|{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}",
                    rec.at.line,
                    rec.direction,
                    rec.from,
                    rec.to,
                    rec.method,
                    rec.url,
                    rec.status.as_ref().map(|s| (s.text.to_string(), s.code)),
                    rec.headers
                        .iter()
                        .map(|h| (h.name.to_string(), h.value.as_ref().map(|v| v.to_string())))
                        .collect::<Vec<_>>(),
                    rec.body.lines().collect::<Vec<_>>(),
                ));
            }
            diagnostics.extend(r.take_diagnostics().iter().map(|d| d.to_string()));
        }
        (records, diagnostics)
    }

    #[test]
    fn any_cut_into_pieces_reads_the_same() {
        let texts = [
            "garbage\n### (a) REQ >>> (b) : GET http://h/\n\nnone\n",
            "### (a) REQ >>> (b) : GET http://h/\r\nX: 1\r\n\r\n\r\n{\r\n\r\n  \"a\": 1\r\n}\r\n\r\n",
            "### (a) REQ >>> (b) : GET http://h/\nHost h\n\nnone\n### (a) PING >>> (b) : x\n",
            "### (a) REQ >>> (b) : GET http://h/\n\n  \n\nx\n\n\ny\n\n\n",
            "### (a) REQ >>> (b) : GET http://h/\nX: 1",
            "### (a) RESP <<< (b) : 204 No Content HEAD http://h:1\n\n{\n \"a\":",
            "### (a) REQ >>> (b) : GET http://h/\n\nline\r\r\n### (c) bad\n### (a) REQ >>> (b) : PUT http://h/x\nA:\n\nb'\\x00'...\n",
        ];
        for t in texts {
            let whole = read(t, usize::MAX);
            assert!(!whole.0.is_empty(), "{t:?}");
            for target in [1, 7, 40] {
                assert_eq!(read(t, target), whole, "{t:?} in pieces of {target}");
            }
        }
    }

    #[test]
    fn known_captures_read_the_same_in_any_pieces() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        for dir in [root.join("samples"), root.join("tests/secrets")] {
            for e in walkdir::WalkDir::new(dir)
                .into_iter()
                .filter_map(|e| e.ok())
            {
                if e.path().extension().is_none_or(|x| x != "log") {
                    continue;
                }
                let text = std::fs::read_to_string(e.path()).unwrap();
                let whole = read(&text, usize::MAX);
                assert_eq!(read(&text, 300), whole, "{}", e.path().display());
            }
        }
    }

    #[test]
    fn bad_utf8_names_line_and_column() {
        let c = Capture::from_vec(
            Path::new("x.log"),
            b"### (a) REQ >>> (b) : GET http://h/\n\nab\xff\n".to_vec(),
            None,
        )
        .unwrap();
        let err = c.read_all().unwrap_err().to_string();
        assert!(err.starts_with("x.log:3:3: invalid UTF-8"), "{err}");
    }
}
