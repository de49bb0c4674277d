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

pub mod base64;
pub mod bodymd;
pub mod bytes;
pub mod debuglog;
pub mod discover;
pub mod endpoints;
pub mod har;
pub mod jaeger;
pub mod meta;
pub mod otlp;
pub mod requestshook;
pub mod spans;
pub mod write;
pub mod zipkin;

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error, Result};
use crate::model::{At, Lack, Record};
use bytes::Bytes;
use endpoints::Endpoints;

/// About how many bytes one piece of a big capture holds: small enough that
/// both cores get work and little is held at a time, big enough that the
/// per-piece cost does not show. Measured on a 1 GB log against 4 MiB
/// pieces: 20% less wall time and 15% less CPU time (the pieces and their
/// output stay in the caches), and a log of 3.5 MB bodies renders in half
/// the time (docs/performance.md).
pub const PIECE_BYTES: usize = 1 << 20;

/// A capture format tracedoc reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// The requestshook WSGI middleware's log.
    Requestshook,
    /// HAR 1.2 (browsers, mitmproxy).
    Har,
    /// A requestshook `body.md` page, read back.
    Bodymd,
    /// The `--debug` output of the `openstack` client (keystoneauth).
    Debuglog,
    /// OpenTelemetry traces as OTLP JSON (one document, or JSON lines).
    Otlp,
    /// A Jaeger JSON trace export.
    Jaeger,
    /// Zipkin v2 JSON spans.
    Zipkin,
}

impl Format {
    /// Every format, in the order detection tries them.
    pub const ALL: &'static [Format] = &[
        Format::Requestshook,
        Format::Har,
        Format::Otlp,
        Format::Jaeger,
        Format::Zipkin,
        Format::Bodymd,
        Format::Debuglog,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Requestshook => "requestshook",
            Format::Har => "har",
            Format::Bodymd => "bodymd",
            Format::Debuglog => "debuglog",
            Format::Otlp => "otlp",
            Format::Jaeger => "jaeger",
            Format::Zipkin => "zipkin",
        }
    }

    /// Whether the start of a file looks like this format (each reader's `sniff`).
    fn sniff(self, head: &[u8]) -> bool {
        match self {
            Format::Requestshook => requestshook::sniff(head),
            Format::Har => har::sniff(head),
            Format::Bodymd => bodymd::sniff(head),
            Format::Debuglog => debuglog::sniff(head),
            Format::Otlp => otlp::sniff(head),
            Format::Jaeger => jaeger::sniff(head),
            Format::Zipkin => zipkin::sniff(head),
        }
    }

    /// What detection looks for, for the error about a file of no known format.
    pub fn expects(self) -> &'static str {
        match self {
            Format::Requestshook => "a line like `### (caller) REQ >>> (service) : GET http://...`",
            Format::Har => "a JSON object with `log.entries`",
            Format::Bodymd => "a requestshook body.md page: `### METHOD /path` headings with `=== \"Header\"` tabs",
            Format::Debuglog => "`REQ: curl -g -i -X METHOD URL` lines of `openstack --debug`",
            Format::Otlp => "an OTLP JSON object with `resourceSpans` (or one per line)",
            Format::Jaeger => "a Jaeger JSON export with `data[].spans` and `processes`",
            Format::Zipkin => "a JSON array of Zipkin v2 spans (`traceId`, `localEndpoint`)",
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
    /// A piece of one file of several, its positions moved past the files before it.
    Shifted(Box<Records<'a>>, u64),
    Owned {
        records: std::slice::Iter<'a, OwnedRecord>,
        diagnostics: Vec<Diagnostic>,
    },
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        match &mut self.inner {
            RecordsInner::Requestshook(p) => p.next(),
            RecordsInner::Shifted(inner, by) => inner.next().map(|mut r| {
                r.at.pos += *by;
                r
            }),
            RecordsInner::Owned { records, .. } => records.next().map(OwnedRecord::record),
        }
    }
}

impl Records<'_> {
    /// The warnings found so far.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        match &mut self.inner {
            RecordsInner::Requestshook(p) => p.take_diagnostics(),
            RecordsInner::Shifted(inner, _) => inner.take_diagnostics(),
            RecordsInner::Owned { diagnostics, .. } => std::mem::take(diagnostics),
        }
    }
}

/// A record a reader decoded up front (formats whose text is escaped, such
/// as JSON), owned; [`Capture`] hands it out as a [`Record`] borrowing from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRecord {
    /// The record, its text owned.
    pub record: Record<'static>,
    /// Where it is in the file, for messages (`log.entries[3].response`).
    pub place: String,
}

impl OwnedRecord {
    fn record(&self) -> Record<'_> {
        fn b(c: &str) -> std::borrow::Cow<'_, str> {
            std::borrow::Cow::Borrowed(c)
        }
        let r = &self.record;
        Record {
            at: r.at,
            direction: r.direction,
            from: b(&r.from),
            to: b(&r.to),
            method: b(&r.method),
            url: b(&r.url),
            status: r.status.as_ref().map(|s| crate::model::Status {
                code: s.code,
                text: b(&s.text),
            }),
            headers: r
                .headers
                .iter()
                .map(|h| crate::model::Header {
                    name: b(&h.name),
                    value: h.value.as_deref().map(b),
                })
                .collect(),
            body: crate::model::Body {
                text: b(&r.body.text),
            },
            id: r.id.as_deref().map(b),
            hints: r.hints,
        }
    }
}

/// How many decoded records one piece holds.
const PIECE_RECORDS: usize = 4096;

#[derive(Debug)]
enum Storage {
    /// Text read a piece at a time (or in place, when held whole).
    Text(Bytes),
    /// Records decoded up front, and the warnings found decoding them.
    Owned {
        records: Vec<OwnedRecord>,
        diagnostics: Vec<Diagnostic>,
        size: usize,
        digest: String,
    },
    /// Several files read as one capture, one after the other. Positions
    /// (piece ranges, `At::pos`) of each file are moved past those of the
    /// files before it.
    Several(Vec<Part>),
}

/// One file of several.
#[derive(Debug)]
struct Part {
    capture: Capture,
    /// Where its positions start, and how many it has (bytes for a file
    /// read in place, records for one decoded up front).
    base: u64,
    units: u64,
}

impl Part {
    fn holds(&self, pos: u64) -> bool {
        pos >= self.base && pos - self.base < self.units
    }
}

/// One capture file, opened for reading.
#[derive(Debug)]
pub struct Capture {
    /// The file, as named by the caller.
    pub path: PathBuf,
    pub format: Format,
    storage: Storage,
    /// What the format does not record, for the pages to say.
    lacks: Vec<Lack>,
}

impl Capture {
    /// Opens a capture file, in `format` or the one its content shows;
    /// participants of formats without names are named by `host:port`.
    pub fn open(path: &Path, format: Option<Format>) -> Result<Capture> {
        Capture::open_with(path, format, &Endpoints::default())
    }

    /// [`Capture::open`], naming participants with `endpoints`.
    pub fn open_with(
        path: &Path,
        format: Option<Format>,
        endpoints: &Endpoints,
    ) -> Result<Capture> {
        let bytes = Bytes::open(path).map_err(|e| Error::read(path, e))?;
        Capture::from_bytes(path, bytes, format, endpoints)
    }

    /// A capture held in memory (tests, fuzzing); `path` names it in messages.
    pub fn from_vec(path: &Path, data: Vec<u8>, format: Option<Format>) -> Result<Capture> {
        Capture::from_vec_with(path, data, format, &Endpoints::default())
    }

    /// [`Capture::from_vec`], naming participants with `endpoints`.
    pub fn from_vec_with(
        path: &Path,
        data: Vec<u8>,
        format: Option<Format>,
        endpoints: &Endpoints,
    ) -> Result<Capture> {
        Capture::from_bytes(path, Bytes::from_vec(data), format, endpoints)
    }

    fn from_bytes(
        path: &Path,
        bytes: Bytes,
        format: Option<Format>,
        endpoints: &Endpoints,
    ) -> Result<Capture> {
        let format = match format {
            Some(f) => f,
            None => {
                let mut buf = Vec::new();
                let head = bytes
                    .read_at(0..64 << 10, &mut buf)
                    .map_err(|e| Error::read(path, e))?;
                match Format::detect(head) {
                    Some(f) => f,
                    // Nothing to detect: the reader says there is no record.
                    None if head.iter().all(u8::is_ascii_whitespace) => Format::Requestshook,
                    None => {
                        return Err(Error::UnknownFormat {
                            path: path.to_path_buf(),
                            tried: Format::ALL
                                .iter()
                                .map(|f| format!("{} ({})", f.name(), f.expects()))
                                .collect::<Vec<_>>()
                                .join(", "),
                        })
                    }
                }
            }
        };
        // The other formats are decoded from the whole file at once.
        let bytes = match format {
            Format::Requestshook => bytes,
            _ => bytes.whole().map_err(|e| Error::read(path, e))?,
        };
        match format {
            Format::Requestshook => Ok(Capture {
                path: path.to_path_buf(),
                format,
                storage: Storage::Text(bytes),
                lacks: Vec::new(),
            }),
            Format::Har => har::read(path, bytes.as_bytes(), endpoints),
            Format::Bodymd | Format::Debuglog => {
                let whole = bytes.as_bytes();
                let text = requestshook::check_utf8(whole, 0..whole.len(), path)?;
                let (records, diagnostics) = match format {
                    Format::Bodymd => bodymd::decode(text, path),
                    _ => debuglog::decode(text, path),
                };
                let capture = Capture::from_records(path, format, whole, records, diagnostics);
                // `openstack --debug` prints the client's own calls only.
                Ok(match format {
                    Format::Debuglog => capture.lacking([Lack::ServerHops]),
                    _ => capture,
                })
            }
            Format::Otlp => otlp::open(path, bytes.as_bytes()),
            Format::Jaeger => jaeger::open(path, bytes.as_bytes()),
            Format::Zipkin => zipkin::open(path, bytes.as_bytes()),
        }
    }

    /// Several capture files read as one, in the order given; `path` (their
    /// folder) names the whole. Each file is in its own format, or `format`.
    pub fn open_several(
        path: &Path,
        files: &[PathBuf],
        format: Option<Format>,
        endpoints: &Endpoints,
    ) -> Result<Capture> {
        if let [one] = files {
            return Capture::open_with(one, format, endpoints);
        }
        let mut parts = Vec::with_capacity(files.len());
        let mut base = 0u64;
        for file in files {
            let capture = Capture::open_with(file, format, endpoints)?;
            let units = match &capture.storage {
                Storage::Text(b) => b.len() as u64,
                // At least one, so that a file whose records all failed
                // still has its piece, and its warnings are said.
                Storage::Owned { records, .. } => records.len().max(1) as u64,
                // Not made by open_with.
                Storage::Several(_) => 0,
            };
            parts.push(Part {
                capture,
                base,
                units,
            });
            base += units;
        }
        let format = parts
            .first()
            .map_or(Format::Requestshook, |p| p.capture.format);
        let mut lacks: Vec<Lack> = parts.iter().flat_map(|p| p.capture.lacks.clone()).collect();
        lacks.sort();
        lacks.dedup();
        Ok(Capture {
            path: path.to_path_buf(),
            format,
            storage: Storage::Several(parts),
            lacks,
        })
    }

    /// Says what the capture's format does not record (see [`Lack`]).
    pub fn lacking(mut self, lacks: impl IntoIterator<Item = Lack>) -> Capture {
        self.lacks.extend(lacks);
        self.lacks.sort();
        self.lacks.dedup();
        self
    }

    /// What the capture's format does not record, for the pages to say.
    pub fn lacks(&self) -> &[Lack] {
        &self.lacks
    }

    /// The file of several that holds position `pos`, and `pos` in it.
    fn part(&self, pos: u64) -> Option<(&Capture, u64, u64)> {
        let Storage::Several(parts) = &self.storage else {
            return None;
        };
        let k = parts.partition_point(|p| p.base + p.units <= pos);
        let p = parts.get(k).filter(|p| p.holds(pos))?;
        Some((&p.capture, pos - p.base, p.base))
    }

    /// The file a record is in, its line there (0 for a format without
    /// lines) and, for such a format, where in the file it is.
    pub fn locate(&self, at: At) -> (PathBuf, usize, Option<String>) {
        if let Some((c, pos, _)) = self.part(at.pos) {
            return c.locate(At { pos, line: at.line });
        }
        let line = at.line as usize;
        let entry = (line == 0).then(|| self.place(at)).flatten();
        (self.path.clone(), line, entry)
    }

    /// A capture whose reader decoded every record of `input` up front.
    /// Each record's `at.pos` is set to its index.
    pub fn from_records(
        path: &Path,
        format: Format,
        input: &[u8],
        mut records: Vec<OwnedRecord>,
        diagnostics: Vec<Diagnostic>,
    ) -> Capture {
        let mut h = blake3::Hasher::new();
        h.update_rayon(input);
        let digest = format!("b3:{}", h.finalize().to_hex());
        for (i, r) in records.iter_mut().enumerate() {
            r.record.at.pos = i as u64;
        }
        Capture {
            path: path.to_path_buf(),
            format,
            storage: Storage::Owned {
                records,
                diagnostics,
                size: input.len(),
                digest,
            },
            lacks: Vec::new(),
        }
    }

    /// Where a record is, for messages about a format without lines.
    pub fn place(&self, at: At) -> Option<String> {
        match &self.storage {
            Storage::Several(_) => {
                let (c, pos, _) = self.part(at.pos)?;
                let place = c.place(At { pos, line: at.line })?;
                Some(format!("{}: {place}", c.name()))
            }
            Storage::Text(_) => (at.line > 0).then(|| format!("line {}", at.line)),
            Storage::Owned { records, .. } => records.get(at.pos as usize).map(|r| r.place.clone()),
        }
    }

    /// The capture's file name, as shown on pages (never a full path).
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| discover::DEFAULT_FILE.to_string())
    }

    /// The BLAKE3 hash of the whole input, as the manifest writes it
    /// (hashed on every core, a piece's worth read at a time).
    pub fn digest(&self) -> Result<String> {
        self.hash().map_err(|e| Error::read(&self.path, e))
    }

    fn hash(&self) -> std::io::Result<String> {
        let mut h = blake3::Hasher::new();
        match &self.storage {
            Storage::Text(b) => {
                let mut buf = b.buffer();
                for start in (0..b.len()).step_by(PIECE_BYTES) {
                    let range = start..(start + PIECE_BYTES).min(b.len());
                    h.update_rayon(b.read_at(range, &mut buf)?);
                }
            }
            Storage::Owned { digest, .. } => return Ok(digest.clone()),
            Storage::Several(parts) => {
                for p in parts {
                    h.update(p.capture.name().as_bytes());
                    h.update(b"\0");
                    h.update(p.capture.hash()?.as_bytes());
                    h.update(b"\n");
                }
            }
        }
        Ok(format!("b3:{}", h.finalize().to_hex()))
    }

    /// The size of the input in bytes.
    pub fn len(&self) -> usize {
        match &self.storage {
            Storage::Text(b) => b.len(),
            Storage::Owned { size, .. } => *size,
            Storage::Several(parts) => parts.iter().map(|p| p.capture.len()).sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capture cut into pieces of about `target` bytes, with their
    /// first line numbers (counted on every core, a window at a time).
    pub fn pieces(&self, target: usize) -> Result<Vec<Piece>> {
        use rayon::prelude::*;
        let bytes = match &self.storage {
            Storage::Text(b) => b,
            Storage::Several(parts) => {
                let shift = |r: Range<usize>, by: u64| {
                    let by = by as usize;
                    r.start + by..r.end + by
                };
                let mut out = Vec::new();
                for p in parts {
                    out.extend(p.capture.pieces(target)?.into_iter().map(|piece| Piece {
                        range: shift(piece.range, p.base),
                        line: piece.line,
                    }));
                }
                return Ok(out);
            }
            Storage::Owned { records, .. } => {
                let n = records.len().max(1);
                return Ok((0..n)
                    .step_by(PIECE_RECORDS)
                    .map(|start| Piece {
                        range: start..(start + PIECE_RECORDS).min(records.len()),
                        line: 0,
                    })
                    .collect());
            }
        };
        // Only requestshook is read in place; the others decode up front.
        let failed = |e| Error::read(&self.path, e);
        let ranges = requestshook::pieces(bytes, target, &mut bytes.buffer()).map_err(failed)?;
        let counts = ranges
            .par_iter()
            .map_init(
                || bytes.buffer(),
                |buf, r| -> std::io::Result<u32> {
                    let mut n = 0u32;
                    for start in r.clone().step_by(COUNT_BYTES) {
                        let end = (start + COUNT_BYTES).min(r.end);
                        n = n.saturating_add(count_lines(bytes.read_at(start..end, buf)?));
                    }
                    Ok(n)
                },
            )
            .collect::<std::io::Result<Vec<u32>>>()
            .map_err(failed)?;
        let mut line = 1u32;
        let mut out = Vec::with_capacity(ranges.len());
        for (r, n) in ranges.into_iter().zip(counts) {
            out.push(Piece { range: r, line });
            line = line.saturating_add(n);
        }
        Ok(out)
    }

    /// A buffer for [`Capture::read`] (one used before when there is one).
    pub fn buffer(&self) -> bytes::Buffer<'_> {
        match &self.storage {
            Storage::Text(bytes) => bytes.buffer(),
            Storage::Several(parts) => parts
                .first()
                .map_or_else(bytes::Buffer::default, |p| p.capture.buffer()),
            Storage::Owned { .. } => bytes::Buffer::default(),
        }
    }

    /// Reads one piece. Its text is read into `buf` when the file is not
    /// held whole ([`Capture::buffer`] gives one to reuse), and the records
    /// borrow from it.
    pub fn read<'a>(&'a self, piece: &Piece, buf: &'a mut Vec<u8>) -> Result<Records<'a>> {
        let inner = match &self.storage {
            Storage::Several(_) => {
                let Some((c, start, base)) = self.part(piece.range.start as u64) else {
                    return Ok(Records {
                        inner: RecordsInner::Owned {
                            records: [].iter(),
                            diagnostics: Vec::new(),
                        },
                    });
                };
                let own = Piece {
                    range: start as usize..piece.range.end - base as usize,
                    line: piece.line,
                };
                RecordsInner::Shifted(Box::new(c.read(&own, buf)?), base)
            }
            Storage::Text(bytes) => {
                let raw = bytes
                    .read_at(piece.range.clone(), buf)
                    .map_err(|e| Error::read(&self.path, e))?;
                let text = requestshook::check_piece_utf8(raw, piece.line, &self.path)?;
                RecordsInner::Requestshook(requestshook::Parser::new(
                    text,
                    piece.range.start,
                    piece.line,
                    piece.range.end >= bytes.len(),
                    &self.path,
                ))
            }
            Storage::Owned {
                records,
                diagnostics,
                ..
            } => {
                let range =
                    piece.range.start.min(records.len())..piece.range.end.min(records.len());
                RecordsInner::Owned {
                    records: records[range].iter(),
                    // The decoding warnings come with the first piece.
                    diagnostics: if piece.range.start == 0 {
                        diagnostics.clone()
                    } else {
                        Vec::new()
                    },
                }
            }
        };
        Ok(Records { inner })
    }

    /// One record again, from where it was found (read alone, and owned,
    /// when the file is not held whole).
    pub fn record(&self, at: At) -> Option<Record<'_>> {
        match &self.storage {
            Storage::Text(bytes) if !bytes.is_whole() => {
                let start = usize::try_from(at.pos).ok()?;
                let mut buf = bytes.buffer();
                // Most records are a few kB: a small window first.
                let end = requestshook::next_head(bytes, start, HEAD_BYTES, &mut buf).ok()?;
                let text = bytes.read_at(start..end, &mut buf).ok()?;
                requestshook::record_in(text, at, end >= bytes.len(), &self.path).map(owned)
            }
            Storage::Text(bytes) => requestshook::record_at(bytes.as_bytes(), at, &self.path),
            Storage::Owned { records, .. } => records.get(at.pos as usize).map(OwnedRecord::record),
            Storage::Several(_) => {
                let (c, pos, base) = self.part(at.pos)?;
                let mut r = c.record(At { pos, line: at.line })?;
                r.at.pos += base;
                Some(r)
            }
        }
    }

    /// One record's head line and headers again, without its body (which
    /// is not read at all where the format allows).
    pub fn head(&self, at: At) -> Option<Record<'_>> {
        let mut record = match &self.storage {
            Storage::Text(bytes) if !bytes.is_whole() => {
                // A small window, grown until the headers end in it.
                let start = usize::try_from(at.pos).ok()?;
                let mut buf = Vec::new();
                let mut window = HEAD_BYTES;
                loop {
                    let text = bytes
                        .read_at(start..start.saturating_add(window), &mut buf)
                        .ok()?;
                    let at_eof = start + text.len() >= bytes.len();
                    if let Some(end) = requestshook::head_end(text, at_eof) {
                        break owned(requestshook::head_in(&text[..end], at, &self.path)?);
                    }
                    window = window.saturating_mul(4);
                }
            }
            Storage::Text(bytes) => requestshook::head_at(bytes.as_bytes(), at, &self.path)?,
            Storage::Owned { .. } => self.record(at)?,
            Storage::Several(_) => {
                let (c, pos, base) = self.part(at.pos)?;
                let mut r = c.head(At { pos, line: at.line })?;
                r.at.pos += base;
                r
            }
        };
        record.body = crate::model::Body::none();
        Some(record)
    }

    /// Every record and warning, in order (tests and small captures). A
    /// capture without any record is an error.
    pub fn read_all(&self) -> Result<(Vec<Record<'_>>, Vec<Diagnostic>)> {
        let mut records = Vec::new();
        let mut diagnostics = Vec::new();
        let mut buf = self.buffer();
        for piece in self.pieces(PIECE_BYTES)? {
            let mut r = self.read(&piece, &mut buf)?;
            records.extend(r.by_ref().map(owned));
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

/// How much of a piece is read at a time to count its lines.
const COUNT_BYTES: usize = 1 << 20;

/// How much is read at first to find a record's head and headers.
const HEAD_BYTES: usize = 8 << 10;

/// A record that owns its text, for one read into a buffer that is reused.
fn owned(r: Record<'_>) -> Record<'static> {
    fn own(c: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Owned(c.into_owned())
    }
    Record {
        at: r.at,
        direction: r.direction,
        from: own(r.from),
        to: own(r.to),
        method: own(r.method),
        url: own(r.url),
        status: r.status.map(|s| crate::model::Status {
            code: s.code,
            text: own(s.text),
        }),
        headers: r
            .headers
            .into_iter()
            .map(|h| crate::model::Header {
                name: own(h.name),
                value: h.value.map(own),
            })
            .collect(),
        body: crate::model::Body {
            text: own(r.body.text),
        },
        id: r.id.map(own),
        hints: r.hints,
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
        read_capture(&c, target)
    }

    /// Every record of `c` in pieces of about `target` bytes as comparable
    /// text, each checked against the record and head read again, and the
    /// warnings.
    fn read_capture(c: &Capture, target: usize) -> (Vec<String>, Vec<String>) {
        let mut records = Vec::new();
        let mut diagnostics = Vec::new();
        let mut buf = c.buffer();
        for piece in c.pieces(target).unwrap() {
            let mut r = c.read(&piece, &mut buf).unwrap();
            for rec in r.by_ref() {
                assert_eq!(
                    c.record(rec.at).as_ref(),
                    Some(&rec),
                    "read again at {:?}",
                    rec.at
                );
                let mut head = rec.clone();
                head.body = crate::model::Body::none();
                assert_eq!(
                    c.head(rec.at),
                    Some(head),
                    "head read again at {:?}",
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

    /// `text` as a capture read from a file a stretch at a time, and as one
    /// held in memory, both named `name`.
    fn from_file_and_memory(name: &str, text: &[u8], format: Option<Format>) -> (Capture, Capture) {
        let path = std::env::temp_dir().join(format!("tracedoc-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let bytes = Bytes::file(std::fs::File::open(&path).unwrap()).unwrap();
        // The open file stays readable.
        std::fs::remove_file(&path).unwrap();
        let file = Capture::from_bytes(&path, bytes, format, &Endpoints::default()).unwrap();
        let memory = Capture::from_vec(&path, text.to_vec(), format).unwrap();
        (file, memory)
    }

    /// What [`requestshook::next_head`] finds, the slow way over the whole text.
    fn next_head_in(text: &[u8], from: usize) -> usize {
        memchr::memmem::find_iter(text.get(from..).unwrap_or_default(), b"\n### (")
            .map(|i| from + i + 1)
            .find(|&at| {
                let line = &text[at..];
                let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                std::str::from_utf8(line).is_ok_and(|l| requestshook::parse_head(l).is_some())
            })
            .unwrap_or(text.len())
    }

    /// A log whose head lines, line ends and `\n### (` marks fall on and
    /// around the edges of the windows the file is read in, with a head
    /// line longer than a window, headers longer than a head read's first
    /// window and a body longer than the largest window.
    fn edgy_log(eol: &str) -> Vec<u8> {
        let mut t = String::new();
        let head = |t: &mut String, n: usize, url_len: usize| {
            t.push_str(&format!(
                "### (a) REQ >>> (b) : GET http://h/{n}/{}{eol}X: {n}{eol}{eol}",
                "u".repeat(url_len)
            ));
        };
        head(&mut t, 0, 0);
        let mut n = 1;
        for edge in [64 << 10, 128 << 10, 256 << 10, 320 << 10] {
            for shift in [0usize, 1, 2, 5, 6, 7, 40, 90] {
                // Body text up to just before the edge, then a line that
                // starts with the mark but is not a head line, or a head.
                while t.len() + 60 < edge - shift {
                    t.push_str(&format!("body line {}{eol}", t.len()));
                }
                while t.len() < edge - shift {
                    t.push('x');
                }
                t.push_str(eol);
                if n % 3 == 0 {
                    t.push_str(&format!("### (not a head {n}){eol}"));
                }
                head(&mut t, n, shift * 3);
                t.push_str(&format!("{{\"n\": {n}}}{eol}"));
                n += 1;
            }
        }
        // A head line longer than the first window.
        head(&mut t, n, 100 << 10);
        t.push_str(&format!("long{eol}"));
        // Headers longer than a head read's first window.
        t.push_str(&format!(
            "### (a) RESP <<< (b) : 200 OK GET http://h/{n}{eol}"
        ));
        for k in 0..2000 {
            t.push_str(&format!("X-Header-{k}: {k}{eol}"));
        }
        t.push_str(&format!("{eol}none{eol}"));
        // A body longer than the largest window, without a head line.
        head(&mut t, n + 1, 0);
        let mut k = 0;
        while t.len() < (2 << 20) + 4321 {
            k += 1;
            if k % 64 == 0 {
                t.push_str(&format!("### (a) {k} more{eol}"));
            } else {
                t.push_str(&format!("{k:0>100}{eol}"));
            }
        }
        head(&mut t, n + 2, 0);
        t.push_str("none");
        t.into_bytes()
    }

    #[test]
    fn pieces_read_from_the_file_are_the_ones_in_memory() {
        for eol in ["\n", "\r\n"] {
            let text = edgy_log(eol);
            let name = format!("edgy-{}.log", eol.len());
            let (file, memory) = from_file_and_memory(&name, &text, None);
            let Storage::Text(b) = &file.storage else {
                panic!("read whole");
            };
            // Every head line and mark put on and around the edges of the
            // first and second windows, and cut by them.
            let mut heads = vec![0];
            while let Some(&h) = heads.last().filter(|&&h| h < text.len()) {
                heads.push(next_head_in(&text, h + 1));
            }
            let mut buf = Vec::new();
            for window in [requestshook::WINDOW, 1000] {
                let mut checked = 0;
                for &h in &heads {
                    let line = text[h..].iter().position(|&c| c == b'\n').unwrap_or(0);
                    for edge in [window, 3 * window - 5] {
                        let near = (0..9).chain([line.saturating_sub(1), line, line + 1, line / 2]);
                        for from in near.filter_map(|d| (h + d).checked_sub(edge)) {
                            assert_eq!(
                                requestshook::next_head(b, from, window, &mut buf).unwrap(),
                                next_head_in(&text, from),
                                "from {from}, window {window}"
                            );
                            checked += 1;
                        }
                    }
                }
                assert!(checked > 500, "{checked}");
            }
            for from in (0..text.len())
                .step_by(9973)
                .chain([0, 1, text.len() - 1, text.len()])
            {
                assert_eq!(
                    requestshook::next_head(b, from, requestshook::WINDOW, &mut buf).unwrap(),
                    next_head_in(&text, from),
                    "from {from}"
                );
            }
            for target in [1, 5000, 70 << 10, PIECE_BYTES, usize::MAX] {
                assert_eq!(file.pieces(target).unwrap(), memory.pieces(target).unwrap());
                let read = read_capture(&file, target);
                assert!(read.0.len() > 30, "{}", read.0.len());
                assert_eq!(read, read_capture(&memory, target), "{eol:?} {target}");
            }
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        for e in walkdir::WalkDir::new(root.join("samples"))
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
        {
            let text = std::fs::read(e.path()).unwrap();
            let (file, memory) = from_file_and_memory("sample.log", &text, None);
            for target in [300, PIECE_BYTES] {
                assert_eq!(file.pieces(target).unwrap(), memory.pieces(target).unwrap());
                assert_eq!(
                    read_capture(&file, target),
                    read_capture(&memory, target),
                    "{}",
                    e.path().display()
                );
            }
            assert_eq!(file.digest().unwrap(), memory.digest().unwrap());
        }
    }

    #[test]
    fn a_file_without_head_lines_is_one_piece_without_records() {
        let mut text = String::new();
        while text.len() < 3 << 20 {
            text.push_str(&format!("### ({}) no arrow here\r\n", text.len()));
        }
        let (file, memory) =
            from_file_and_memory("headless.log", text.as_bytes(), Some(Format::Requestshook));
        let pieces = file.pieces(PIECE_BYTES / 4).unwrap();
        assert_eq!(
            pieces,
            vec![Piece {
                range: 0..text.len(),
                line: 1
            }]
        );
        assert_eq!(pieces, memory.pieces(PIECE_BYTES / 4).unwrap());
        let read = read_capture(&file, PIECE_BYTES / 4);
        assert!(read.0.is_empty());
        assert_eq!(read, read_capture(&memory, PIECE_BYTES / 4));
        let err = file.read_all().unwrap_err().to_string();
        assert!(err.contains("headless.log"), "{err}");
        assert_eq!(err, memory.read_all().unwrap_err().to_string());
    }

    #[test]
    fn bad_utf8_read_from_a_file_names_line_and_column() {
        let mut text = b"### (a) REQ >>> (b) : GET http://h/\n\n".to_vec();
        for k in 0..40_000 {
            text.extend_from_slice(
                format!("line {k}\n### (a) REQ >>> (b) : GET http://h/{k}\n\n").as_bytes(),
            );
        }
        text.extend_from_slice(b"ab\xff\n");
        let (file, memory) = from_file_and_memory("bad.log", &text, None);
        let err = file.read_all().unwrap_err().to_string();
        assert!(err.contains("bad.log:120003:3: invalid UTF-8"), "{err}");
        assert_eq!(err, memory.read_all().unwrap_err().to_string());
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

    #[test]
    fn decoded_records_read_back_in_pieces_with_their_places() {
        use crate::model::{At, Body, Direction, Hints};
        use std::borrow::Cow;
        let owned: Vec<OwnedRecord> = (0..(PIECE_RECORDS + 3))
            .map(|i| OwnedRecord {
                record: Record {
                    at: At::default(),
                    direction: Direction::Request,
                    from: Cow::Owned("client".into()),
                    to: Cow::Owned("server".into()),
                    method: Cow::Owned("GET".into()),
                    url: Cow::Owned(format!("http://h/{i}")),
                    status: None,
                    headers: Vec::new(),
                    body: Body {
                        text: Cow::Borrowed(""),
                    },
                    id: Some(Cow::Owned(format!("r{i}"))),
                    hints: Hints::default(),
                },
                place: format!("log.entries[{i}].request"),
            })
            .collect();
        let warning = Diagnostic {
            path: PathBuf::from("x.har"),
            line: 0,
            entry: Some("log.entries[2]".into()),
            kind: crate::error::DiagnosticKind::BadHead,
            message: "odd entry".into(),
            quote: None,
        };
        let c = Capture::from_records(
            Path::new("x.har"),
            Format::Requestshook,
            b"{}",
            owned,
            vec![warning.clone()],
        );
        let pieces = c.pieces(PIECE_BYTES).unwrap();
        assert_eq!(pieces.len(), 2);
        let mut seen = Vec::new();
        let mut warnings = Vec::new();
        let mut buf = Vec::new();
        for p in &pieces {
            let mut r = c.read(p, &mut buf).unwrap();
            for rec in r.by_ref() {
                assert_eq!(c.record(rec.at).as_ref(), Some(&rec));
                seen.push(rec.url.to_string());
            }
            warnings.extend(r.take_diagnostics());
        }
        assert_eq!(seen.len(), PIECE_RECORDS + 3);
        assert_eq!(
            seen[PIECE_RECORDS + 2],
            format!("http://h/{}", PIECE_RECORDS + 2)
        );
        assert_eq!(warnings, vec![warning], "warnings come once");
        let at = At { pos: 7, line: 0 };
        assert_eq!(c.place(at).as_deref(), Some("log.entries[7].request"));
        assert_eq!(c.len(), 2);
        assert!(c.digest().unwrap().starts_with("b3:"));
    }
}
