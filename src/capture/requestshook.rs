//! Streaming parser for `requestshook.log` (see `docs/formats.md`).
//!
//! The file is read one line at a time through a `BufRead`, so a capture of
//! any size is parsed without holding it as one string. CRLF line ends are
//! accepted. Every record keeps the line number of its head line, and every
//! problem that still lets the rest of the file be read becomes a
//! [`Diagnostic`] instead of an error.
//!
//! Invalid UTF-8 is refused with the exact line and column: the output is
//! Markdown, and silently replacing bytes would publish something that was
//! never captured.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, DiagnosticKind, Error, Result};
use crate::model::{Body, Direction, Header, Record, Status};

/// The parsed head line of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub direction: Direction,
    pub from: String,
    pub to: String,
    pub method: String,
    pub url: String,
    pub status: Option<Status>,
}

const REQ: &str = ") REQ >>> (";
const RESP: &str = ") RESP <<< (";

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

/// Parses `### (FROM) REQ >>> (TO) : METHOD URL` or
/// `### (FROM) RESP <<< (TO) : CODE REASON... METHOD URL`.
pub fn parse_head(line: &str) -> Option<Head> {
    let rest = line.strip_prefix("### (")?;
    let (direction, from, rest) = if let Some(i) = rest.find(REQ) {
        (Direction::Request, &rest[..i], &rest[i + REQ.len()..])
    } else if let Some(i) = rest.find(RESP) {
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
                from: from.to_string(),
                to: to.to_string(),
                method: method.to_string(),
                url: url.to_string(),
                status: None,
            })
        }
        Direction::Response => {
            let (rest, url) = rest.rsplit_once(' ')?;
            let (status, method) = rest.rsplit_once(' ')?;
            if status.is_empty() || !is_method(method) || url.is_empty() {
                return None;
            }
            let code = status.split(' ').next().and_then(|c| c.parse::<u16>().ok());
            code?;
            Some(Head {
                direction,
                from: from.to_string(),
                to: to.to_string(),
                method: method.to_string(),
                url: url.to_string(),
                status: Some(Status {
                    code,
                    text: status.to_string(),
                }),
            })
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    /// Before the first head line.
    Preamble,
    /// Reading header lines; an empty line ends them.
    Headers,
    /// Reading body lines until the next head line.
    Body,
}

struct Pending {
    line: usize,
    head: Head,
    headers: Vec<Header>,
    body: Vec<String>,
    /// Empty lines seen in the body but not yet known to be inside it.
    blank_run: usize,
}

/// A streaming requestshook parser: an iterator of records.
///
/// Fatal errors (I/O, invalid UTF-8) are yielded as `Err` and end the
/// iteration; recoverable problems are collected in [`Parser::diagnostics`].
pub struct Parser<R> {
    reader: R,
    path: PathBuf,
    line_no: usize,
    buf: Vec<u8>,
    state: State,
    pending: Option<Pending>,
    index: usize,
    done: bool,
    diagnostics: Vec<Diagnostic>,
}

impl<R: BufRead> Parser<R> {
    pub fn new(reader: R, path: &Path) -> Self {
        Parser {
            reader,
            path: path.to_path_buf(),
            line_no: 0,
            buf: Vec::new(),
            state: State::Preamble,
            pending: None,
            index: 0,
            done: false,
            diagnostics: Vec::new(),
        }
    }

    /// Warnings collected so far.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Takes the collected warnings.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    fn warn(&mut self, line: usize, kind: DiagnosticKind, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            path: self.path.clone(),
            line,
            kind,
            message: message.into(),
            quote: None,
        });
    }

    /// A warning about a captured line, which is quoted after the message.
    fn warn_quoting(&mut self, line: usize, kind: DiagnosticKind, message: &str, quote: &str) {
        self.diagnostics.push(Diagnostic {
            path: self.path.clone(),
            line,
            kind,
            message: message.to_string(),
            quote: Some(quote.to_string()),
        });
    }

    /// Reads the next line without its line end. `Ok(None)` at end of file.
    fn next_line(&mut self) -> Result<Option<String>> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Error::read(&self.path, e))?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        let bytes = std::mem::take(&mut self.buf);
        match String::from_utf8(bytes) {
            Ok(s) => Ok(Some(s)),
            Err(e) => Err(Error::InvalidUtf8 {
                path: self.path.clone(),
                line: self.line_no,
                column: e.utf8_error().valid_up_to() + 1,
            }),
        }
    }

    /// Closes the record being read, if any. `at_eof` enables the cut-off checks.
    fn finish(&mut self, at_eof: bool) -> Option<Record> {
        let p = self.pending.take()?;
        if at_eof {
            match self.state {
                State::Headers => self.warn(
                    p.line,
                    DiagnosticKind::Truncated,
                    "record cut off at end of file: its headers never end (no empty line, no body); the capture was probably interrupted",
                ),
                State::Body if p.body.is_empty() => self.warn(
                    p.line,
                    DiagnosticKind::Truncated,
                    "record cut off at end of file: it has no body line (requestshook writes `none` for an empty body)",
                ),
                _ => {}
            }
        }
        let body = Body::from_lines(p.body);
        if at_eof && self.state == State::Body {
            let first = body.lines.first().map(|l| l.trim_start()).unwrap_or("");
            if body.kind == crate::model::BodyKind::Text
                && (first.starts_with('{') || first.starts_with('['))
            {
                self.warn(
                    p.line,
                    DiagnosticKind::Truncated,
                    "record cut off at end of file: its JSON body is incomplete",
                );
            }
        }
        let record = Record {
            index: self.index,
            line: p.line,
            direction: p.head.direction,
            from: p.head.from,
            to: p.head.to,
            method: p.head.method,
            url: p.head.url,
            status: p.head.status,
            headers: p.headers,
            body,
        };
        self.index += 1;
        Some(record)
    }

    fn step(&mut self) -> Result<Option<Record>> {
        loop {
            let Some(line) = self.next_line()? else {
                self.done = true;
                return Ok(self.finish(true));
            };
            if line.starts_with("### (") {
                if let Some(head) = parse_head(&line) {
                    let done = self.finish(false);
                    self.pending = Some(Pending {
                        line: self.line_no,
                        head,
                        headers: Vec::new(),
                        body: Vec::new(),
                        blank_run: 0,
                    });
                    self.state = State::Headers;
                    if done.is_some() {
                        return Ok(done);
                    }
                    continue;
                }
                if looks_like_head(&line) {
                    let n = self.line_no;
                    self.warn_quoting(
                        n,
                        DiagnosticKind::BadHead,
                        "head line does not parse (expected `### (caller) REQ >>> (service) : METHOD URL` or `### (caller) RESP <<< (service) : CODE REASON METHOD URL`); kept as text of the record before it",
                        &line,
                    );
                }
            }
            match self.state {
                State::Preamble => {
                    if !line.trim().is_empty() {
                        let n = self.line_no;
                        self.warn_quoting(
                            n,
                            DiagnosticKind::Preamble,
                            "text before the first record is ignored",
                            &line,
                        );
                    }
                }
                State::Headers => {
                    if line.is_empty() {
                        self.state = State::Body;
                    } else {
                        let header = match line.split_once(": ") {
                            Some((name, value)) => Header {
                                name: name.to_string(),
                                value: Some(value.to_string()),
                            },
                            None => match line.strip_suffix(':') {
                                // `Content-Type:` with the trailing space trimmed by an editor.
                                Some(name) if !name.contains(' ') && !name.is_empty() => Header {
                                    name: name.to_string(),
                                    value: Some(String::new()),
                                },
                                _ => {
                                    let n = self.line_no;
                                    self.warn_quoting(
                                        n,
                                        DiagnosticKind::BadHeader,
                                        "header line without `: ` (kept as is; is the empty line between headers and body missing?)",
                                        &line,
                                    );
                                    Header {
                                        name: line,
                                        value: None,
                                    }
                                }
                            },
                        };
                        if let Some(p) = self.pending.as_mut() {
                            p.headers.push(header);
                        }
                    }
                }
                State::Body => {
                    if let Some(p) = self.pending.as_mut() {
                        if line.is_empty() {
                            p.blank_run += 1;
                        } else {
                            // Empty lines inside a body belong to it; trailing ones do not.
                            if !p.body.is_empty() {
                                // `repeat_n` needs Rust 1.82; the MSRV is 1.80.
                                let blanks = p.body.len() + p.blank_run;
                                p.body.resize(blanks, String::new());
                            }
                            p.blank_run = 0;
                            p.body.push(line);
                        }
                    }
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for Parser<R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Record>, Vec<Diagnostic>) {
        let mut p = Parser::new(text.as_bytes(), Path::new("t.log"));
        let records: Vec<Record> = p.by_ref().map(|r| r.expect("no fatal error")).collect();
        (records, p.take_diagnostics())
    }

    const ONE: &str = "\n### (openstack) REQ >>> (keystone) : GET http://h/identity/\nHost: h\nContent-Type: \nX-Requestshook-Request-Id: aa\n\nnone\n\n\n### (openstack) RESP <<< (keystone) : 300 MULTIPLE CHOICES GET http://h/identity/\nX-Requestshook-Request-Id: aa\n\n{\n  \"a\": 1,\n\n  \"b\": 2\n}\n\n";

    #[test]
    fn parses_request_and_response() {
        let (r, d) = parse(ONE);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].line, 2);
        assert_eq!(r[0].method, "GET");
        assert_eq!(
            r[0].headers[1],
            Header {
                name: "Content-Type".into(),
                value: Some(String::new())
            }
        );
        assert_eq!(r[0].body.kind, crate::model::BodyKind::None);
        assert_eq!(r[1].line, 10);
        assert_eq!(
            r[1].status.as_ref().map(|s| s.text.as_str()),
            Some("300 MULTIPLE CHOICES")
        );
        assert_eq!(
            r[1].body.lines,
            vec!["{", "  \"a\": 1,", "", "  \"b\": 2", "}"]
        );
    }

    #[test]
    fn crlf_is_the_same_as_lf() {
        let crlf = ONE.replace('\n', "\r\n");
        assert_eq!(parse(ONE).0, parse(&crlf).0);
    }

    #[test]
    fn keeps_duplicate_headers_in_order() {
        let t = "### (a) REQ >>> (b) : GET http://h/\nVary: x\nSet-Cookie: 1\nVary: y\n\nnone\n";
        let (r, _) = parse(t);
        let names: Vec<_> = r[0].headers.iter().map(|h| h.line()).collect();
        assert_eq!(names, vec!["Vary: x", "Set-Cookie: 1", "Vary: y"]);
    }

    #[test]
    fn reason_with_many_words_and_path_less_url() {
        let h = parse_head("### (a) RESP <<< (b) : 204 No Content HEAD http://127.0.0.1:60999")
            .unwrap();
        assert_eq!(h.status.unwrap().text, "204 No Content");
        assert_eq!(h.method, "HEAD");
        assert_eq!(crate::model::url_path(&h.url), "/");
    }

    #[test]
    fn urls_with_spaces_do_not_parse_as_heads() {
        assert!(parse_head("### (a) REQ >>> (b) : GET http://h/a b").is_none());
        assert!(
            parse_head("### (a) RESP <<< (b) : 200 OK GET http://h/x{: onclick=\"y\"}").is_none()
        );
        assert!(parse_head("### (a) RESP <<< (b) : 200 OK GET http://h/x").is_some());
    }

    #[test]
    fn bad_head_line_is_a_warning_with_its_line() {
        let t = "### (a) REQ >>> (b) : GET http://h/\n\nnone\n\n### (a) RESP <<< (b) : OK\n";
        let (r, d) = parse(t);
        assert_eq!(r.len(), 1);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].kind), (5, DiagnosticKind::BadHead));
    }

    #[test]
    fn unknown_record_kind_is_a_warning() {
        let t =
            "### (a) REQ >>> (b) : GET http://h/\n\nnone\n\n### (a) PING >>> (b) : GET http://h/\n";
        let (r, d) = parse(t);
        assert_eq!(r.len(), 1);
        assert_eq!((d[0].line, d[0].kind), (5, DiagnosticKind::BadHead));
    }

    #[test]
    fn header_without_separator_is_a_warning() {
        let t = "### (a) REQ >>> (b) : GET http://h/\nHost h\n\nnone\n";
        let (r, d) = parse(t);
        assert_eq!(r[0].headers[0].value, None);
        assert_eq!((d[0].line, d[0].kind), (2, DiagnosticKind::BadHeader));
    }

    #[test]
    fn cut_off_records_are_reported() {
        for (t, line) in [
            ("### (a) REQ >>> (b) : GET http://h/\nHost: h", 1),
            ("### (a) REQ >>> (b) : GET http://h/\nHost: h\n\n", 1),
            ("\n### (a) REQ >>> (b) : POST http://h/\n\n{\n  \"a\":", 2),
        ] {
            let (r, d) = parse(t);
            assert_eq!(r.len(), 1, "{t}");
            assert_eq!(d.len(), 1, "{t}: {d:?}");
            assert_eq!((d[0].line, d[0].kind), (line, DiagnosticKind::Truncated));
        }
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let bytes = b"### (a) REQ >>> (b) : GET http://h/\n\nab\xff\n".to_vec();
        let mut p = Parser::new(&bytes[..], Path::new("t.log"));
        let err = p.find_map(|r| r.err()).expect("an error");
        assert!(
            matches!(
                err,
                Error::InvalidUtf8 {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn preamble_is_reported() {
        let (r, d) = parse("garbage\n### (a) REQ >>> (b) : GET http://h/\n\nnone\n");
        assert_eq!(r.len(), 1);
        assert_eq!(d[0].kind, DiagnosticKind::Preamble);
    }

    #[test]
    fn empty_input_has_no_records() {
        assert!(parse("").0.is_empty());
        assert!(parse("\n\n\n").0.is_empty());
    }
}
