//! The requestshook log format (`docs/formats.md`), read in place.
//!
//! A record is a head line (`### (caller) REQ >>> (service) : METHOD URL`
//! or `... RESP <<< ... : CODE REASON METHOD URL`), header lines, an empty
//! line and body lines up to the next head line. Any line that parses as a
//! head line starts a record wherever it is, so the file can be cut at head
//! lines into [`pieces`] that are read independently, on several cores, and
//! read again later; a record is read back alone from the offset of its
//! head line ([`record_at`]).
//!
//! Records borrow their text from the file. CRLF line ends are accepted.
//! Problems that still let the rest of the file be read become
//! [`Diagnostic`]s with their line; text that is not UTF-8 is refused with
//! its line and column (the pages are text, and silently replacing bytes
//! would publish something that was never captured).

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use memchr::memmem::Finder;

use crate::error::{Diagnostic, DiagnosticKind, Error, Result};
use crate::model::{At, Body, BodyKind, Direction, Header, Hints, Record, Status};

use super::bytes::Bytes;

/// The header requestshook pairs a request and its response with.
pub const PAIR_HEADER: &str = "X-Requestshook-Request-Id";

const REQ: &str = ") REQ >>> (";

/// How many headers a record's list has room for from the start.
const HEADERS_USUALLY: usize = 12;
const RESP: &str = ") RESP <<< (";

/// How a head line may start, after the line end before it.
const MARK: &[u8] = b"\n### (";

/// The searches the parser repeats on every line, built once (building
/// one costs more than running it on a short line).
struct Finders {
    /// [`MARK`]: where the next head line may be.
    mark: Finder<'static>,
    req: Finder<'static>,
    resp: Finder<'static>,
    /// Between a header's name and value.
    header: Finder<'static>,
}

fn finders() -> &'static Finders {
    static FINDERS: OnceLock<Finders> = OnceLock::new();
    FINDERS.get_or_init(|| Finders {
        mark: Finder::new(MARK),
        req: Finder::new(REQ),
        resp: Finder::new(RESP),
        header: Finder::new(": "),
    })
}

/// A parsed head line, borrowed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head<'a> {
    pub direction: Direction,
    pub from: &'a str,
    pub to: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    /// Status text (`204 No Content`) and code of a response.
    pub status: Option<(&'a str, u16)>,
}

/// Whether a line is meant as a head line (it may still fail to parse):
/// `### (` and an arrow, so an unknown kind (`### (a) PING >>> (b) : ...`)
/// is reported instead of silently becoming body text.
pub fn looks_like_head(line: &str) -> bool {
    line.starts_with("### (")
        && (line.contains(REQ)
            || line.contains(RESP)
            || line.contains(" >>> (")
            || line.contains(" <<< ("))
}

/// Parses a head line.
pub fn parse_head(line: &str) -> Option<Head<'_>> {
    let rest = line.strip_prefix("### (")?;
    let find = |f: &Finder| f.find(rest.as_bytes());
    let (direction, from, rest) = if let Some(i) = find(&finders().req) {
        (Direction::Request, &rest[..i], &rest[i + REQ.len()..])
    } else if let Some(i) = find(&finders().resp) {
        (Direction::Response, &rest[..i], &rest[i + RESP.len()..])
    } else {
        return None;
    };
    let (to, rest) = rest.split_once(") : ")?;
    if from.contains(')') || to.contains(')') {
        return None;
    }
    // HTTP methods are tokens; requestshook writes them in capitals. Checking
    // this keeps a URL with a space from being split in the wrong place.
    let is_method = |m: &str| {
        !m.is_empty()
            && m.bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_')
    };
    match direction {
        Direction::Request => {
            let (method, url) = rest.split_once(' ')?;
            if !is_method(method) || url.is_empty() || url.contains(' ') {
                return None;
            }
            Some(Head {
                direction,
                from,
                to,
                method,
                url,
                status: None,
            })
        }
        Direction::Response => {
            let (rest, url) = rest.rsplit_once(' ')?;
            let (status, method) = rest.rsplit_once(' ')?;
            if status.is_empty() || !is_method(method) || url.is_empty() {
                return None;
            }
            let code = status.split(' ').next()?.parse::<u16>().ok()?;
            Some(Head {
                direction,
                from,
                to,
                method,
                url,
                status: Some((status, code)),
            })
        }
    }
}

/// Cuts a capture into pieces of about `target` bytes that start at head
/// lines (the first at 0), to be read independently. Only the stretch
/// after each `target` bytes up to the next head line is read, a window
/// at a time into `buf` ([`next_head`]).
pub fn pieces(
    bytes: &Bytes,
    target: usize,
    buf: &mut Vec<u8>,
) -> std::io::Result<Vec<Range<usize>>> {
    let target = target.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = next_head(bytes, start.saturating_add(target), WINDOW, buf)?;
        out.push(start..end);
        start = end;
    }
    Ok(out)
}

/// How much [`pieces`] reads at first after each `target` bytes (a head
/// line is usually within a few kB).
pub const WINDOW: usize = 64 << 10;

/// The largest window [`next_head`] grows to while it finds nothing (a
/// longer line makes it bigger).
pub const WINDOW_MAX: usize = 1 << 20;

/// Where the first head line after `from` starts (the first line that
/// parses as one and whose line end before it is at `from` or later), or
/// the end of the file. Read into `buf` a window at a time: `window`
/// bytes first, twice as much each time after, up to [`WINDOW_MAX`].
pub fn next_head(
    bytes: &Bytes,
    from: usize,
    window: usize,
    buf: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let len = bytes.len();
    let mut pos = from;
    // Big enough that the mark's straddling overlap is always passed.
    let mut window = window.max(2 * MARK.len());
    while pos < len {
        let text = bytes.read_at(pos..pos.saturating_add(window), buf)?;
        let at_eof = pos + text.len() >= len;
        let mut search = 0;
        // Where to read again from when a line is cut by the window's end.
        let mut cut = None;
        while let Some(i) = memchr::memmem::find(&text[search..], MARK) {
            let at = search + i + 1;
            let line = match memchr::memchr(b'\n', &text[at..]) {
                Some(n) => &text[at..at + n],
                None if at_eof => &text[at..],
                None => {
                    cut = Some(at - 1);
                    break;
                }
            };
            if is_head_line(line.strip_suffix(b"\r").unwrap_or(line)) {
                return Ok(pos + at);
            }
            search = at;
        }
        match cut {
            // A line longer than the window: a bigger one.
            Some(0) => window = window.saturating_mul(2),
            Some(k) => pos += k,
            None if at_eof => break,
            None => {
                // The mark may straddle the window's end.
                pos += text.len() - (MARK.len() - 1);
                window = (window * 2).min(WINDOW_MAX).max(window);
            }
        }
    }
    Ok(len)
}

/// Checks that `bytes` (starting at `base` in the file) is UTF-8, naming the
/// line and column of the first bad byte otherwise. `whole` is the file,
/// to count lines only when there is an error.
pub fn check_utf8<'a>(whole: &'a [u8], range: Range<usize>, path: &Path) -> Result<&'a str> {
    let bytes = &whole[range.clone()];
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = range.start + e.valid_up_to();
            let line = memchr::memchr_iter(b'\n', &whole[..at]).count() + 1;
            let line_start = memchr::memrchr(b'\n', &whole[..at]).map_or(0, |i| i + 1);
            Err(Error::InvalidUtf8 {
                path: path.to_path_buf(),
                line,
                column: at - line_start + 1,
            })
        }
    }
}

/// Checks that a piece's text (which starts a line: line `line` of the
/// file at `path`) is UTF-8, naming the line and column of the first bad
/// byte otherwise.
pub fn check_piece_utf8<'a>(text: &'a [u8], line: u32, path: &Path) -> Result<&'a str> {
    match std::str::from_utf8(text) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.valid_up_to();
            let lines = memchr::memchr_iter(b'\n', &text[..at]).count();
            let line_start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
            Err(Error::InvalidUtf8 {
                path: path.to_path_buf(),
                line: (line.max(1) as usize).saturating_add(lines),
                column: at - line_start + 1,
            })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first head line.
    Preamble,
    /// Reading header lines; an empty line ends them.
    Headers,
    /// Reading body lines until the next head line.
    Body,
}

struct Pending<'a> {
    at: At,
    head: Head<'a>,
    headers: Vec<Header<'a>>,
    /// Byte range (relative to the piece) of the body from its first
    /// non-empty line to the end of its last.
    body: Option<Range<usize>>,
}

/// Reads the records of one piece of a requestshook capture, in order.
pub struct Parser<'a> {
    text: &'a str,
    /// Offset of `text` in the file, and the line number of its first line.
    base: usize,
    /// Position in `text` of the next line to read.
    pos: usize,
    /// Line number of the next line to read.
    line: u32,
    state: State,
    pending: Option<Pending<'a>>,
    /// Whether the piece ends the file (cut-off records are reported).
    at_eof: bool,
    path: &'a Path,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    /// A parser for `text`, which starts at byte `base` and line `line` of
    /// the file at `path`; `at_eof` when it runs to the end of the file.
    pub fn new(text: &'a str, base: usize, line: u32, at_eof: bool, path: &'a Path) -> Self {
        Parser {
            text,
            base,
            pos: 0,
            // Counted up as each line is read.
            line: line.saturating_sub(1),
            state: State::Preamble,
            pending: None,
            at_eof,
            path,
            diagnostics: Vec::new(),
        }
    }

    /// The warnings found so far.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    fn warn(&mut self, line: u32, kind: DiagnosticKind, message: String) {
        self.diagnostics.push(Diagnostic {
            path: self.path.to_path_buf(),
            line: line as usize,
            entry: None,
            kind,
            message,
            quote: None,
        });
    }

    /// A warning about a captured line, which is quoted after the message
    /// (redacted whole first, then shortened, where it is printed).
    fn warn_quoting(&mut self, line: u32, kind: DiagnosticKind, message: &str, quote: &str) {
        self.diagnostics.push(Diagnostic {
            path: self.path.to_path_buf(),
            line: line as usize,
            entry: None,
            kind,
            message: message.to_string(),
            quote: Some(quote.to_string()),
        });
    }

    /// The next line (without its line end) and its start, or `None` at the end.
    fn next_line(&mut self) -> Option<(usize, &'a str)> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.text[start..];
        let (line, advance) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => {
                let l = &rest[..i];
                (l.strip_suffix('\r').unwrap_or(l), i + 1)
            }
            None => (rest, rest.len()),
        };
        self.pos += advance;
        self.line += 1;
        Some((start, line))
    }

    /// Reads body lines up to the next line that may be a head line (one
    /// that starts with `### (`, which is left to [`Self::next_line`]) or
    /// the end, in one search: counts their lines and takes those that are
    /// not empty into the body, as reading them one by one would.
    fn skip_body(&mut self) {
        let text = self.text.as_bytes();
        let from = self.pos;
        let rest = &text[from..];
        if rest.is_empty() || rest.starts_with(&MARK[1..]) {
            return;
        }
        let end = finders()
            .mark
            .find(rest)
            .map_or(text.len(), |i| from + i + 1);
        let skipped = &text[from..end];
        // Every skipped line ends with `\n` but a last one without a line end.
        let lines = memchr::memchr_iter(b'\n', skipped).count()
            + usize::from(skipped.last() != Some(&b'\n'));
        self.line += u32::try_from(lines).unwrap_or(u32::MAX);
        self.pos = end;
        let Some(p) = self.pending.as_mut() else {
            return;
        };
        // The end of the last line that is not empty (an empty line may
        // still have its `\r`), its line end and `\r` left out; a last
        // line without a line end is kept whole.
        let mut last = end;
        while last > from && text[last - 1] == b'\n' {
            let mut e = last - 1;
            if e > from && text[e - 1] == b'\r' {
                e -= 1;
            }
            last = e;
            if e > from && text[e - 1] != b'\n' {
                break;
            }
        }
        if last == from {
            // Only empty lines.
            return;
        }
        match &mut p.body {
            Some(r) => r.end = last,
            None => {
                // The first line that is not empty.
                let mut first = from;
                loop {
                    match &text[first..] {
                        [b'\n', ..] => first += 1,
                        [b'\r', b'\n', ..] => first += 2,
                        _ => break,
                    }
                }
                p.body = Some(first..last);
            }
        }
    }

    /// Closes the record being read, if any.
    fn finish(&mut self, at_eof: bool) -> Option<Record<'a>> {
        let p = self.pending.take()?;
        if at_eof {
            match self.state {
                State::Headers => self.warn(
                    p.at.line,
                    DiagnosticKind::Truncated,
                    "record cut off at end of file: its headers never end (no empty line, no body); the capture was probably interrupted".into(),
                ),
                State::Body if p.body.is_none() => self.warn(
                    p.at.line,
                    DiagnosticKind::Truncated,
                    "record cut off at end of file: it has no body line (requestshook writes `none` for an empty body)".into(),
                ),
                _ => {}
            }
        }
        let text = match &p.body {
            Some(r) if &self.text[r.clone()] != "none" => &self.text[r.clone()],
            _ => "",
        };
        let body = Body {
            text: Cow::Borrowed(text),
        };
        if at_eof && self.state == State::Body {
            let first = text.trim_start();
            if (first.starts_with('{') || first.starts_with('[')) && body.kind() == BodyKind::Text {
                self.warn(
                    p.at.line,
                    DiagnosticKind::Truncated,
                    "record cut off at end of file: its JSON body is incomplete".into(),
                );
            }
        }
        let id = p
            .headers
            .iter()
            .find(|h| h.is(PAIR_HEADER))
            .and_then(|h| h.value.clone());
        let pair = id.as_deref().map(crate::model::key);
        Some(Record {
            at: p.at,
            direction: p.head.direction,
            from: Cow::Borrowed(p.head.from),
            to: Cow::Borrowed(p.head.to),
            method: Cow::Borrowed(p.head.method),
            url: Cow::Borrowed(p.head.url),
            status: p.head.status.map(|(text, code)| Status {
                code: Some(code),
                text: Cow::Borrowed(text),
            }),
            headers: p.headers,
            body,
            id,
            hints: Hints {
                pair,
                ..Hints::default()
            },
        })
    }
}

impl<'a> Iterator for Parser<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        loop {
            if self.state == State::Body {
                // Straight to the next line that may be a head line.
                self.skip_body();
            }
            let Some((start, line)) = self.next_line() else {
                let eof = self.at_eof;
                let done = self.finish(eof);
                self.state = State::Preamble;
                return done;
            };
            let line_no = self.line;
            if line.starts_with("### (") {
                if let Some(head) = parse_head(line) {
                    let done = self.finish(false);
                    self.pending = Some(Pending {
                        at: At {
                            pos: (self.base + start) as u64,
                            line: line_no,
                        },
                        head,
                        // Room for the usual record's headers (OpenStack
                        // services send 6 to 12): grown from empty, the
                        // list was reallocated three times per record.
                        headers: Vec::with_capacity(HEADERS_USUALLY),
                        body: None,
                    });
                    self.state = State::Headers;
                    if done.is_some() {
                        return done;
                    }
                    continue;
                }
                if looks_like_head(line) {
                    self.warn_quoting(
                        line_no,
                        DiagnosticKind::BadHead,
                        "head line does not parse (expected `### (caller) REQ >>> (service) : METHOD URL` or `### (caller) RESP <<< (service) : CODE REASON METHOD URL`); kept as text of the record before it",
                        line,
                    );
                }
            }
            match self.state {
                State::Preamble => {
                    if !line.trim().is_empty() {
                        self.warn_quoting(
                            line_no,
                            DiagnosticKind::Preamble,
                            "text before the first record is ignored",
                            line,
                        );
                    }
                }
                State::Headers => {
                    if line.is_empty() {
                        self.state = State::Body;
                        continue;
                    }
                    let sep = finders().header.find(line.as_bytes());
                    let header = match sep.map(|i| (&line[..i], &line[i + 2..])) {
                        Some((name, value)) => Header {
                            name: Cow::Borrowed(name),
                            value: Some(Cow::Borrowed(value)),
                        },
                        None => match line.strip_suffix(':') {
                            // `Content-Type:` with the trailing space trimmed by an editor.
                            Some(name) if !name.contains(' ') && !name.is_empty() => Header {
                                name: Cow::Borrowed(name),
                                value: Some(Cow::Borrowed("")),
                            },
                            _ => {
                                self.warn_quoting(
                                    line_no,
                                    DiagnosticKind::BadHeader,
                                    "header line without `: ` (kept as is; is the empty line between headers and body missing?)",
                                    line,
                                );
                                Header {
                                    name: Cow::Borrowed(line),
                                    value: None,
                                }
                            }
                        },
                    };
                    if let Some(p) = self.pending.as_mut() {
                        p.headers.push(header);
                    }
                }
                State::Body => {
                    // Empty lines inside a body belong to it; leading and
                    // trailing ones do not.
                    if !line.is_empty() {
                        if let Some(p) = self.pending.as_mut() {
                            let end = start + line.len();
                            match &mut p.body {
                                Some(r) => r.end = end,
                                None => p.body = Some(start..end),
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Whether the start of a file looks like a requestshook log: a line that
/// starts like a head line.
pub fn sniff(head: &[u8]) -> bool {
    // A line that parses as a record head, not just any `### (` heading
    // (a page's numbered heading, `### (1) GET /identity/`, starts so too).
    let starts =
        std::iter::once(0).chain(memchr::memmem::find_iter(head, b"\n### (").map(|i| i + 1));
    starts
        .filter(|&i| head[i..].starts_with(b"### ("))
        .any(|i| {
            let rest = &head[i..];
            let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
            let line = String::from_utf8_lossy(line);
            parse_head(line.strip_suffix('\r').unwrap_or(&line)).is_some()
        })
}

/// Whether a line (without its line end) is a record's head line.
fn is_head_line(line: &[u8]) -> bool {
    line.starts_with(b"### (") && std::str::from_utf8(line).is_ok_and(|l| parse_head(l).is_some())
}

/// The head line and headers of the record at `at`, without its body:
/// what labels, tables and messages need, without going through the body
/// (which may be megabytes).
pub fn head_at<'a>(whole: &'a [u8], at: At, path: &'a Path) -> Option<Record<'a>> {
    let start = usize::try_from(at.pos).ok()?;
    let rest = whole.get(start..)?;
    let end = head_end(rest, true)?;
    head_in(&rest[..end], at, path)
}

/// Where the head line and headers of the record at the start of `rest`
/// end: at the first empty line (after it), or at a head line before it
/// (a record cut short). `None` when `rest` stops before that and more of
/// the file follows (`at_eof` is false).
pub fn head_end(rest: &[u8], at_eof: bool) -> Option<usize> {
    let mut pos = 0;
    let mut first = true;
    while pos < rest.len() {
        let nl = match memchr::memchr(b'\n', &rest[pos..]) {
            Some(i) => pos + i,
            None if at_eof => rest.len(),
            // A line cut short: it may or may not be a head line.
            None => return None,
        };
        let line = &rest[pos..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !first && (line.is_empty() || is_head_line(line)) {
            return Some(if line.is_empty() {
                (nl + 1).min(rest.len())
            } else {
                pos
            });
        }
        first = false;
        pos = nl + 1;
    }
    at_eof.then_some(rest.len())
}

/// The record at `at` without its body, from `text`: its head line and
/// headers as [`head_end`] found them.
pub fn head_in<'a>(text: &'a [u8], at: At, path: &'a Path) -> Option<Record<'a>> {
    let start = usize::try_from(at.pos).ok()?;
    let text = std::str::from_utf8(text).ok()?;
    let mut parser = Parser::new(text, start, at.line, false, path);
    let mut record = parser.next()?;
    record.body = crate::model::Body::none();
    Some(record)
}

/// The record whose head line starts at `at.pos` of `whole`, read again.
/// The text was checked to be UTF-8 when the record was first found.
pub fn record_at<'a>(whole: &'a [u8], at: At, path: &'a Path) -> Option<Record<'a>> {
    let start = usize::try_from(at.pos).ok()?;
    let rest = whole.get(start..)?;
    // The record ends at the next line that parses as a head line.
    let end = memchr::memmem::find_iter(rest, b"\n### (")
        .map(|i| i + 1)
        .find(|&i| {
            let line = &rest[i..];
            let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
            is_head_line(line.strip_suffix(b"\r").unwrap_or(line))
        })
        .unwrap_or(rest.len());
    record_in(&rest[..end], at, end == rest.len(), path)
}

/// The record at `at` from `text`, which holds it whole (up to the next
/// head line, or to the end of the file: `at_eof`).
pub fn record_in<'a>(text: &'a [u8], at: At, at_eof: bool, path: &'a Path) -> Option<Record<'a>> {
    let start = usize::try_from(at.pos).ok()?;
    let text = std::str::from_utf8(text).ok()?;
    Parser::new(text, start, at.line, at_eof, path).next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The parser as it was before bodies were skipped in one search: every
    /// line read one by one. The reference the fast path must agree with.
    impl<'a> Parser<'a> {
        fn next_by_line(&mut self) -> Option<Record<'a>> {
            loop {
                let Some((start, line)) = self.next_line() else {
                    let eof = self.at_eof;
                    let done = self.finish(eof);
                    self.state = State::Preamble;
                    return done;
                };
                let line_no = self.line;
                if line.starts_with("### (") {
                    if let Some(head) = parse_head(line) {
                        let done = self.finish(false);
                        self.pending = Some(Pending {
                            at: At {
                                pos: (self.base + start) as u64,
                                line: line_no,
                            },
                            head,
                            headers: Vec::new(),
                            body: None,
                        });
                        self.state = State::Headers;
                        if done.is_some() {
                            return done;
                        }
                        continue;
                    }
                    if looks_like_head(line) {
                        self.warn_quoting(
                            line_no,
                            DiagnosticKind::BadHead,
                            "head line does not parse (expected `### (caller) REQ >>> (service) : METHOD URL` or `### (caller) RESP <<< (service) : CODE REASON METHOD URL`); kept as text of the record before it",
                            line,
                        );
                    }
                }
                match self.state {
                    State::Preamble => {
                        if !line.trim().is_empty() {
                            self.warn_quoting(
                                line_no,
                                DiagnosticKind::Preamble,
                                "text before the first record is ignored",
                                line,
                            );
                        }
                    }
                    State::Headers => {
                        if line.is_empty() {
                            self.state = State::Body;
                            continue;
                        }
                        let header = match line.split_once(": ") {
                            Some((name, value)) => Header {
                                name: Cow::Borrowed(name),
                                value: Some(Cow::Borrowed(value)),
                            },
                            None => match line.strip_suffix(':') {
                                // `Content-Type:` with the trailing space trimmed by an editor.
                                Some(name) if !name.contains(' ') && !name.is_empty() => Header {
                                    name: Cow::Borrowed(name),
                                    value: Some(Cow::Borrowed("")),
                                },
                                _ => {
                                    self.warn_quoting(
                                        line_no,
                                        DiagnosticKind::BadHeader,
                                        "header line without `: ` (kept as is; is the empty line between headers and body missing?)",
                                        line,
                                    );
                                    Header {
                                        name: Cow::Borrowed(line),
                                        value: None,
                                    }
                                }
                            },
                        };
                        if let Some(p) = self.pending.as_mut() {
                            p.headers.push(header);
                        }
                    }
                    State::Body => {
                        // Empty lines inside a body belong to it; leading and
                        // trailing ones do not.
                        if !line.is_empty() {
                            if let Some(p) = self.pending.as_mut() {
                                let end = start + line.len();
                                match &mut p.body {
                                    Some(r) => r.end = end,
                                    None => p.body = Some(start..end),
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// What a parser gives back, record by record: each record, where its
    /// body text starts in `text` (its range, not only its text), the
    /// warnings so far and where the parser stands.
    type Step<'a> = (
        Option<Record<'a>>,
        Option<usize>,
        Vec<Diagnostic>,
        (usize, u32, State),
    );

    fn steps<'a>(
        text: &'a str,
        base: usize,
        line: u32,
        at_eof: bool,
        by_line: bool,
    ) -> Vec<Step<'a>> {
        let path = Path::new("t.log");
        let mut parser = Parser::new(text, base, line, at_eof, path);
        let mut out = Vec::new();
        loop {
            let record = if by_line {
                parser.next_by_line()
            } else {
                parser.next()
            };
            let body_at = record.as_ref().and_then(|r| match &r.body.text {
                Cow::Borrowed(b) if !b.is_empty() => {
                    Some(b.as_ptr() as usize - text.as_ptr() as usize)
                }
                _ => None,
            });
            let done = record.is_none();
            out.push((
                record,
                body_at,
                parser.take_diagnostics(),
                (parser.pos, parser.line, parser.state),
            ));
            if done {
                return out;
            }
        }
    }

    fn records(text: &str) -> Vec<(u32, String)> {
        steps(text, 0, 1, true, false)
            .into_iter()
            .filter_map(|(r, ..)| r.map(|r| (r.at.line, r.body.text.into_owned())))
            .collect()
    }

    #[test]
    fn bodies_end_at_the_next_head_line_without_their_empty_lines() {
        let text =
            "### (a) REQ >>> (b) : GET http://x/\r\nH: v\r\n\r\n\r\n\r\r\n{\r\n\r\n}\r\n\r\n\r\n\
                    ### (x) REQ >>> (y) : GET\r\n\
                    ### (b) RESP <<< (a) : 200 OK GET http://x/\n\n\nnone\n\n";
        assert_eq!(
            records(text),
            [
                (
                    1,
                    "\r\r\n{\r\n\r\n}\r\n\r\n\r\n### (x) REQ >>> (y) : GET".to_string()
                ),
                (12, String::new())
            ]
        );
        // The last line kept whole when it has no line end, `\r` and all.
        assert_eq!(
            records("### (a) REQ >>> (b) : GET http://x/\n\n\n[1]\n\n2\r"),
            [(1, "[1]\n\n2\r".to_string())]
        );
    }

    /// Lines that a body skipped in one search could get wrong: head lines
    /// and near misses, empty lines with and without `\r`, headers, JSON.
    const LINES: &[&str] = &[
        "### (a) REQ >>> (b) : GET http://x/y",
        "### (b) RESP <<< (a) : 204 No Content DELETE http://x/y",
        "### (a) REQ >>> (b) : GET",
        "### (x) PING >>> (y) : Z",
        "### (x) not a head",
        "### (",
        "### heading",
        "#",
        " ### (a) REQ >>> (b) : GET http://x/y",
        "",
        "",
        "\r",
        "\r\r",
        "none",
        "{",
        "  \"k\": [1, 2],",
        "}",
        "X-Requestshook-Request-Id: r1",
        "Content-Type:",
        "a: b: c",
        "k:v",
        ": v",
        "k: ",
        "two words:",
        "no colon here",
        "\u{e9}t\u{e9} \u{2603}",
    ];

    fn log() -> impl Strategy<Value = String> {
        proptest::collection::vec((0..LINES.len(), 0..8usize), 0..40).prop_map(|lines| {
            let mut text = String::new();
            for (line, end) in lines {
                text.push_str(LINES[line]);
                // Mostly `\n`, some CRLF, now and then none (lines run
                // together, or the text stops without a line end).
                text.push_str(match end {
                    0..=4 => "\n",
                    5 | 6 => "\r\n",
                    _ => "",
                });
            }
            text
        })
    }

    /// [`parse_head`] as it was, building its searches on every call.
    fn parse_head_per_call(line: &str) -> Option<Head<'_>> {
        let rest = line.strip_prefix("### (")?;
        let find = |pat: &str| memchr::memmem::find(rest.as_bytes(), pat.as_bytes());
        let (direction, from, rest) = if let Some(i) = find(REQ) {
            (Direction::Request, &rest[..i], &rest[i + REQ.len()..])
        } else if let Some(i) = find(RESP) {
            (Direction::Response, &rest[..i], &rest[i + RESP.len()..])
        } else {
            return None;
        };
        let (to, rest) = rest.split_once(") : ")?;
        if from.contains(')') || to.contains(')') {
            return None;
        }
        // HTTP methods are tokens; requestshook writes them in capitals. Checking
        // this keeps a URL with a space from being split in the wrong place.
        let is_method = |m: &str| {
            !m.is_empty()
                && m.bytes()
                    .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_')
        };
        match direction {
            Direction::Request => {
                let (method, url) = rest.split_once(' ')?;
                if !is_method(method) || url.is_empty() || url.contains(' ') {
                    return None;
                }
                Some(Head {
                    direction,
                    from,
                    to,
                    method,
                    url,
                    status: None,
                })
            }
            Direction::Response => {
                let (rest, url) = rest.rsplit_once(' ')?;
                let (status, method) = rest.rsplit_once(' ')?;
                if status.is_empty() || !is_method(method) || url.is_empty() {
                    return None;
                }
                let code = status.split(' ').next()?.parse::<u16>().ok()?;
                Some(Head {
                    direction,
                    from,
                    to,
                    method,
                    url,
                    status: Some((status, code)),
                })
            }
        }
    }

    /// Head lines and near misses, from pieces: `### (`, caller, arrow,
    /// service, `) : ` and words.
    fn head_line() -> impl Strategy<Value = String> {
        let pick = |parts: &'static [&'static str]| proptest::sample::select(parts);
        (
            pick(&["### (", "### (", "### "]),
            pick(&["a", "a b", "a)", ""]),
            pick(&[") REQ >>> (", ") RESP <<< (", ") PING >>> (", " REQ >>> ("]),
            pick(&["b", "b)", ""]),
            pick(&[") : ", ") : ", ") "]),
            proptest::collection::vec(
                (
                    pick(&[
                        "GET",
                        "DELETE",
                        "http://x/y",
                        "200",
                        "204",
                        "No",
                        "Content",
                        "OK",
                        "x_y",
                        "\u{e9}",
                        ") REQ >>> (",
                        ") RESP <<< (",
                    ]),
                    pick(&[" ", " ", ""]),
                ),
                0..6,
            ),
        )
            .prop_map(|(prefix, from, arrow, to, sep, words)| {
                let mut line = [prefix, from, arrow, to, sep].concat();
                for (word, space) in words {
                    line.push_str(word);
                    line.push_str(space);
                }
                line.trim_end().to_string()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Searches built once find what searches built on every call found.
        #[test]
        fn parse_head_is_unchanged(line in head_line()) {
            prop_assert_eq!(parse_head(&line), parse_head_per_call(&line));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Skipping bodies in one search gives what reading every line did:
        /// the records with their positions, lines and body ranges, every
        /// warning, and where the parser stands after each record.
        #[test]
        fn skipping_bodies_changes_nothing(
            text in log(),
            base in prop_oneof![Just(0usize), 0..1usize << 40],
            line in prop_oneof![Just(1u32), 0..100_000u32],
            at_eof in any::<bool>(),
        ) {
            let fast = steps(&text, base, line, at_eof, false);
            let slow = steps(&text, base, line, at_eof, true);
            prop_assert_eq!(fast, slow);
        }
    }
}
