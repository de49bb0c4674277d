//! HAR 1.2 (HTTP Archive), as Chromium, Firefox and mitmproxy write it.
//!
//! Every `log.entries[i]` is one exchange: a request record and, when the
//! entry has one (`status` is not 0), a response record, paired exactly.
//! What HAR lacks, this reader works out:
//!
//! - **Participants.** HAR records where a request went, not which service
//!   it was: the callee is named from the URL's `host:port` and path by the
//!   [`Endpoints`] rules (the OpenStack defaults and `tracedoc.toml`).
//! - **Callers and nesting.** HAR has no parent links. An entry whose time
//!   interval (`startedDateTime` + `time`) lies inside another's was sent by
//!   that call's server while serving it: it is that call's child (the
//!   innermost such call). Entries inside no other were sent by the client,
//!   named from the first request's `User-Agent`. A browser's HAR (its
//!   `creator` is Chromium's WebInspector, Firefox...) holds only the
//!   browser's own requests: nothing nests there, overlaps are concurrency.
//! - **Order.** Records come in event order: a request when it started, a
//!   response when it ended (mitmproxy writes entries as responses arrive).
//!
//! Bodies: `postData.text` (or, without it, `postData.params` joined as a
//! form), `content.text`, decoding `encoding: "base64"`. A body that is not
//! UTF-8 text is shown as requestshook shows binary bodies: a Python bytes
//! preview of its first bytes (`b'QFI\xfb...'...`). mitmproxy writes binary
//! request bodies as lone surrogate escapes (`\udcfb`); those bytes are
//! recovered. Cookies given only in the `cookies` arrays become `Cookie` /
//! `Set-Cookie` headers, so redaction treats them as every other cookie.
//! Fields starting with `_` (tool extensions) are ignored; HTTP/2 pseudo
//! headers (`:authority`) are kept as captured.

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Diagnostic, DiagnosticKind, Error, Result};
use crate::input::endpoints::Endpoints;
use crate::input::{Capture, Format, OwnedRecord};
use crate::model::{At, Body, Direction, Header, Hints, Lack, Record, Status};

/// How many bytes of a binary body the preview shows (as requestshook).
const PREVIEW_BYTES: usize = 32;

/// How many open calls, innermost first, an entry is checked against
/// (calls nest a few deep; a capture of many concurrent calls must not
/// make the sweep quadratic).
const MAX_OPEN: usize = 256;

/// How far (in ms) a child's end may pass its parent's: HAR times are
/// rounded, and tools round start and duration separately.
const SLACK_MS: f64 = 2.0;

/// Whether the start of a file looks like a HAR document: a JSON object
/// with a `log` member holding `entries` or a `creator`.
pub fn sniff(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let Some(first) = head.iter().position(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if head[first] != b'{' {
        return false;
    }
    let has = |s: &[u8]| memchr::memmem::find(head, s).is_some();
    has(b"\"log\"") && (has(b"\"entries\"") || has(b"\"creator\""))
}

#[derive(Deserialize)]
struct Document {
    log: Log,
}

#[derive(Deserialize)]
struct Log {
    #[serde(default)]
    creator: Option<Lenient<Creator>>,
    #[serde(default)]
    browser: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    entries: Vec<Lenient<Entry>>,
}

#[derive(Deserialize)]
struct Creator {
    #[serde(default, deserialize_with = "text")]
    name: String,
}

/// `log.creator.name` of the browsers' own exports (Chromium's DevTools
/// call themselves WebInspector), lower case.
const BROWSERS: &[&str] = &["webinspector", "firefox", "chrom", "safari", "edge"];

impl Log {
    /// Whether a browser wrote the HAR: it holds only the browser's own
    /// requests, so none is a server's call made while serving another
    /// (overlaps are the browser's concurrency).
    fn is_from_browser(&self) -> bool {
        let name = self
            .creator
            .as_ref()
            .and_then(|c| c.0.as_ref().ok())
            .map(|c| c.name.to_ascii_lowercase())
            .unwrap_or_default();
        self.browser.is_some() || BROWSERS.iter().any(|b| name.contains(b))
    }
}

/// An entry, or why it could not be read: one bad entry does not lose the others.
struct Lenient<T>(std::result::Result<T, String>);

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(Lenient(
            T::deserialize(value).map_err(|e| without_strings(&e.to_string())),
        ))
    }
}

/// A serde message with the text it quotes left out (`invalid type: string
/// "session=abc", expected a sequence` becomes `invalid type: a string,
/// expected a sequence`): the warning says where and what shape, and
/// quotes no captured value, which may be a secret no rule can recognise
/// out of its place (a bare cookie value).
fn without_strings(message: &str) -> String {
    const QUOTED: &str = "string \"";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(QUOTED) {
        out.push_str(&rest[..at]);
        out.push_str("a string");
        // The value is written with Rust's Debug escapes: skip to the
        // first quote that no backslash escapes.
        let mut chars = rest[at + QUOTED.len()..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    end = Some(at + QUOTED.len() + i + 1);
                    break;
                }
                _ => {}
            }
        }
        match end {
            Some(end) => rest = &rest[end..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A number that tools write as a number, `null` or (rarely) a string.
fn number<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<f64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Text that a tool may leave out or write as `null`.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(default, deserialize_with = "text")]
    started_date_time: String,
    #[serde(default, deserialize_with = "number")]
    time: Option<f64>,
    request: Request,
    #[serde(default)]
    response: Option<Response>,
    #[serde(default)]
    timings: Option<Timings>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    #[serde(default, deserialize_with = "text")]
    method: String,
    #[serde(default, deserialize_with = "text")]
    url: String,
    #[serde(default)]
    headers: Vec<Lenient<Pair>>,
    #[serde(default)]
    query_string: Vec<Lenient<Pair>>,
    #[serde(default)]
    cookies: Vec<Lenient<Pair>>,
    #[serde(default)]
    post_data: Option<PostData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(default, deserialize_with = "number")]
    status: Option<f64>,
    #[serde(default, deserialize_with = "text")]
    status_text: String,
    #[serde(default)]
    headers: Vec<Lenient<Pair>>,
    #[serde(default)]
    cookies: Vec<Lenient<Pair>>,
    #[serde(default)]
    content: Option<Content>,
    #[serde(default, rename = "_error", deserialize_with = "text")]
    error: String,
}

/// A header, query parameter, cookie or form parameter.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pair {
    #[serde(deserialize_with = "text")]
    name: String,
    #[serde(default, deserialize_with = "text")]
    value: String,
    #[serde(default, deserialize_with = "text")]
    file_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostData {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    params: Vec<Lenient<Pair>>,
    #[serde(default, deserialize_with = "text")]
    encoding: String,
}

#[derive(Deserialize)]
struct Content {
    #[serde(default, deserialize_with = "number")]
    size: Option<f64>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default, deserialize_with = "text")]
    encoding: String,
}

#[derive(Deserialize, Default)]
struct Timings {
    #[serde(default, deserialize_with = "number")]
    blocked: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    dns: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    connect: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    send: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    wait: Option<f64>,
    #[serde(default, deserialize_with = "number")]
    receive: Option<f64>,
}

impl Timings {
    /// The entry's duration from its phases (HAR: `ssl` is inside `connect`;
    /// -1 means "does not apply").
    fn total(&self) -> Option<f64> {
        let parts = [
            self.blocked,
            self.dns,
            self.connect,
            self.send,
            self.wait,
            self.receive,
        ];
        let known: Vec<f64> = parts
            .iter()
            .flatten()
            .copied()
            .filter(|v| *v >= 0.0)
            .collect();
        (!known.is_empty()).then(|| known.iter().sum())
    }
}

/// One entry as read: its records' parts and its interval (ms since the epoch).
struct Read {
    index: usize,
    request: Record<'static>,
    response: Option<Record<'static>>,
    user_agent: Option<String>,
    start: f64,
    end: f64,
    /// Whether `startedDateTime` parsed: entries without a time are not nested.
    timed: bool,
    /// Whether the response had a body, and whether its text was saved.
    body_sent: bool,
    body_saved: bool,
}

/// Reads a HAR document into a capture.
pub fn read(path: &Path, data: &[u8], endpoints: &Endpoints) -> Result<Capture> {
    let mut diagnostics = Vec::new();
    let warn = |diagnostics: &mut Vec<Diagnostic>, entry: String, message: String| {
        diagnostics.push(Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            entry: Some(entry),
            kind: DiagnosticKind::BadEntry,
            message,
            quote: None,
        })
    };
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let repaired = repair_surrogates(data);
    let doc: Document =
        serde_json::from_slice(repaired.as_deref().unwrap_or(data)).map_err(|e| {
            Error::BadDocument {
                path: path.to_path_buf(),
                format: Format::Har.name(),
                message: e.to_string(),
            }
        })?;
    let nest = !doc.log.is_from_browser();
    let mut bodies_sent = false;
    let mut bodies_saved = false;
    let mut read = Vec::with_capacity(doc.log.entries.len());
    for (i, entry) in doc.log.entries.into_iter().enumerate() {
        match entry.0 {
            Ok(e) => read.push(entry_records(i, e, &mut |place, message| {
                warn(&mut diagnostics, place, message)
            })),
            Err(e) => warn(
                &mut diagnostics,
                format!("log.entries[{i}]"),
                format!("not a HAR entry ({e}); left out"),
            ),
        }
    }
    for r in &read {
        bodies_sent |= r.body_sent;
        bodies_saved |= r.body_saved;
    }
    let records = arrange(read, endpoints, nest);
    // HAR never says who sent a request; a browser records only its own;
    // and a tool may leave the response bodies out (responses had some,
    // none was saved).
    let mut lacks = vec![Lack::Callers];
    if !nest {
        lacks.push(Lack::ServerHops);
    }
    if bodies_sent && !bodies_saved {
        lacks.push(Lack::Bodies);
    }
    Ok(Capture::from_records(path, Format::Har, data, records, diagnostics).lacking(lacks))
}

/// The records of one entry, and its interval.
fn entry_records(i: usize, e: Entry, warn: &mut dyn FnMut(String, String)) -> Read {
    let place = format!("log.entries[{i}]");
    let started = parse_time(&e.started_date_time);
    if started.is_none() {
        warn(
            format!("{place}.startedDateTime"),
            format!(
                "`{}` is not an ISO 8601 date and time; the entry is kept in file order and not nested",
                e.started_date_time
            ),
        );
    }
    let start = started.unwrap_or(0.0);
    let duration = e
        .time
        .filter(|t| *t >= 0.0 && t.is_finite())
        .or_else(|| e.timings.as_ref().and_then(Timings::total))
        .unwrap_or(0.0);
    let end = start + duration;

    let q = &e.request;
    let mut url = q.url.clone();
    if !url.contains('?') {
        let query: Vec<String> = q
            .query_string
            .iter()
            .filter_map(|p| p.0.as_ref().ok())
            .map(|p| format!("{}={}", p.name, p.value))
            .collect();
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
    }
    let mut headers = pairs(&q.headers, &format!("{place}.request.headers"), warn);
    let user_agent = headers
        .iter()
        .find(|h| h.is("User-Agent"))
        .and_then(|h| h.value.as_deref().map(str::to_string));
    add_cookies(&mut headers, &q.cookies, "Cookie");
    let body = match &q.post_data {
        Some(p) => post_body(p, &format!("{place}.request.postData"), warn),
        None => String::new(),
    };
    let ms_to_ns = |ms: f64| (ms * 1e6).round() as i64;
    let hints = Hints {
        pair: Some(i as u64 + 1),
        exact: true,
        own: Some(i as u64 + 1),
        parent: None,
        started: started.map(|_| ms_to_ns(start)),
        ended: started.map(|_| ms_to_ns(end)),
    };
    let request = Record {
        at: At::default(),
        direction: Direction::Request,
        from: Cow::Borrowed(""),
        to: Cow::Borrowed(""),
        method: Cow::Owned(q.method.clone()),
        url: Cow::Owned(url),
        status: None,
        headers,
        body: Body {
            text: Cow::Owned(body),
        },
        id: Some(Cow::Owned(place.clone())),
        hints,
    };
    let (mut body_sent, mut body_saved) = (false, false);
    let response = e.response.and_then(|r| {
        let code = r
            .status
            .filter(|s| *s >= 1.0 && *s < 1000.0)
            .map(|s| s as u16);
        let Some(code) = code else {
            // The graph says the request was never answered; the tool's
            // reason, when it gave one, is said here.
            if !r.error.is_empty() {
                warn(
                    format!("{place}.response"),
                    format!("no response was recorded (status 0): {}", r.error),
                );
            }
            return None;
        };
        let mut headers = pairs(&r.headers, &format!("{place}.response.headers"), warn);
        add_cookies(&mut headers, &r.cookies, "Set-Cookie");
        let length = headers
            .iter()
            .find(|h| h.is("Content-Length"))
            .and_then(|h| h.value.as_deref()?.trim().parse::<u64>().ok());
        body_sent = length.is_some_and(|n| n > 0)
            || r.content
                .as_ref()
                .and_then(|c| c.size)
                .is_some_and(|n| n > 0.0);
        body_saved = r
            .content
            .as_ref()
            .and_then(|c| c.text.as_deref())
            .is_some_and(|t| !t.is_empty());
        let body = match &r.content {
            Some(c) => content_body(
                c.text.as_deref(),
                &c.encoding,
                &format!("{place}.response.content"),
                warn,
            ),
            None => String::new(),
        };
        let status_text = r.status_text.trim();
        Some(Record {
            direction: Direction::Response,
            status: Some(Status {
                code: Some(code),
                text: Cow::Owned(if status_text.is_empty() {
                    code.to_string()
                } else {
                    format!("{code} {status_text}")
                }),
            }),
            headers,
            body: Body {
                text: Cow::Owned(body),
            },
            ..request.clone()
        })
    });
    Read {
        index: i,
        request,
        response,
        user_agent,
        start,
        end,
        timed: started.is_some(),
        body_sent,
        body_saved,
    }
}

/// Milliseconds since the epoch of an ISO 8601 date and time: with an
/// offset (`Z`, `+01:00`), or without one (as some tools write; read as UTC).
fn parse_time(text: &str) -> Option<f64> {
    let text = text.trim();
    let micros = match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => t.timestamp_micros(),
        Err(_) => chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()?
            .and_utc()
            .timestamp_micros(),
    };
    Some(micros as f64 / 1000.0)
}

/// Headers from name/value pairs, in order, duplicates and empty values kept.
fn pairs(
    list: &[Lenient<Pair>],
    place: &str,
    warn: &mut dyn FnMut(String, String),
) -> Vec<Header<'static>> {
    let mut out = Vec::with_capacity(list.len());
    for (k, p) in list.iter().enumerate() {
        match &p.0 {
            Ok(p) => out.push(Header {
                name: Cow::Owned(p.name.clone()),
                value: Some(Cow::Owned(p.value.clone())),
            }),
            Err(e) => warn(
                format!("{place}[{k}]"),
                format!("not a name/value pair ({e}); left out"),
            ),
        }
    }
    out
}

/// Cookies given only in a `cookies` array, as `Cookie` / `Set-Cookie` headers.
fn add_cookies(headers: &mut Vec<Header<'static>>, cookies: &[Lenient<Pair>], header: &str) {
    if headers.iter().any(|h| h.is(header)) {
        return;
    }
    let cookies: Vec<&Pair> = cookies.iter().filter_map(|c| c.0.as_ref().ok()).collect();
    if cookies.is_empty() {
        return;
    }
    let one = |c: &Pair| format!("{}={}", c.name, c.value);
    if header == "Cookie" {
        headers.push(Header {
            name: Cow::Owned(header.into()),
            value: Some(Cow::Owned(
                cookies
                    .iter()
                    .map(|c| one(c))
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        });
    } else {
        for c in cookies {
            headers.push(Header {
                name: Cow::Owned(header.into()),
                value: Some(Cow::Owned(one(c))),
            });
        }
    }
}

/// A request body: `postData.text`, else its `params` as a form.
fn post_body(p: &PostData, place: &str, warn: &mut dyn FnMut(String, String)) -> String {
    if let Some(text) = p.text.as_deref().filter(|t| !t.is_empty()) {
        return content_body(Some(text), &p.encoding, place, warn);
    }
    let params: Vec<String> = p
        .params
        .iter()
        .filter_map(|x| x.0.as_ref().ok())
        .map(|x| {
            if x.file_name.is_empty() {
                format!("{}={}", form_encode(&x.name), form_encode(&x.value))
            } else {
                format!(
                    "{}=<file {}>",
                    form_encode(&x.name),
                    form_encode(&x.file_name)
                )
            }
        })
        .collect();
    params.join("&")
}

/// Percent-encodes what would break a form body (`&`, `=`, `%`, `+`,
/// spaces and controls).
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' | '=' | '%' | '+' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            ' ' => out.push('+'),
            c if c.is_control() => {
                let mut b = [0; 4];
                for byte in c.encode_utf8(&mut b).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// A body from its text and encoding: base64 decoded; bytes that are not
/// UTF-8 text become a bytes preview.
fn content_body(
    text: Option<&str>,
    encoding: &str,
    place: &str,
    warn: &mut dyn FnMut(String, String),
) -> String {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return String::new();
    };
    let bytes: Cow<'_, [u8]> = if encoding.eq_ignore_ascii_case("base64") {
        match super::base64::decode(text) {
            Some(b) => Cow::Owned(b),
            None => {
                warn(
                    format!("{place}.text"),
                    "says base64 but is not valid base64; the body is left out".into(),
                );
                return String::new();
            }
        }
    } else {
        match unsurrogate(text) {
            Some(bytes) => Cow::Owned(bytes),
            None => return text.to_string(),
        }
    };
    match std::str::from_utf8(&bytes) {
        Ok(s) if is_text(s) => s.to_string(),
        _ => preview(&bytes),
    }
}

/// Whether decoded bytes read as text (no controls but whitespace).
fn is_text(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

/// A Python bytes literal of the first bytes, as requestshook writes binary
/// bodies: `b'QFI\xfb\x00...'...` (the `...` only when cut).
fn preview(bytes: &[u8]) -> String {
    let mut out = String::from("b'");
    for &b in bytes.iter().take(PREVIEW_BYTES) {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    if bytes.len() > PREVIEW_BYTES {
        out.push_str("...");
    }
    out
}

/// The first private-use code point standing for a lone surrogate byte
/// (see [`repair_surrogates`]): U+F780..=U+F7FF stand for bytes 0x80..=0xFF.
const BYTE_MARK: u32 = 0xF700;

/// mitmproxy writes bodies that are not UTF-8 with Python's
/// `surrogateescape` (byte 0xFB as `\udcfb`), which no JSON parser takes.
/// Rewrites each lone `\udc80`..`\udcff` escape to a private-use character
/// that [`unsurrogate`] turns back into its byte, and any other lone
/// surrogate to U+FFFD. `None` when there is nothing to repair.
fn repair_surrogates(data: &[u8]) -> Option<Vec<u8>> {
    memchr::memmem::find(data, b"\\u")?;
    let hex = |s: &[u8]| -> Option<u32> {
        let s = std::str::from_utf8(s).ok()?;
        u32::from_str_radix(s, 16).ok()
    };
    let escape_at = |i: usize| -> Option<u32> {
        if data.get(i..i + 2)? == b"\\u" {
            hex(data.get(i + 2..i + 6)?)
        } else {
            None
        }
    };
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'\\', &data[i..]) {
        let at = i + k;
        let Some(u) = escape_at(at) else {
            // Any other escape (`\\`, `\"`): skip the escaped character
            // (a lone `\` at the very end is left to the parser).
            i = (at + 2).min(data.len());
            continue;
        };
        let mut next = at + 6;
        let replace = match u {
            0xD800..=0xDBFF => match escape_at(next) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let _ = low;
                    next += 6;
                    None
                }
                _ => Some(0xFFFD),
            },
            0xDC80..=0xDCFF => Some(BYTE_MARK + (u - 0xDC00)),
            0xDC00..=0xDFFF => Some(0xFFFD),
            _ => None,
        };
        if let Some(c) = replace {
            let buf = out.get_or_insert_with(|| Vec::with_capacity(data.len()));
            buf.extend_from_slice(&data[copied..at]);
            buf.extend_from_slice(format!("\\u{c:04x}").as_bytes());
            copied = next;
        }
        i = next;
    }
    let mut buf = out?;
    buf.extend_from_slice(&data[copied..]);
    Some(buf)
}

/// The bytes of a text holding [`BYTE_MARK`] characters; `None` when it
/// holds none (the text is the body as it is).
fn unsurrogate(text: &str) -> Option<Vec<u8>> {
    let marked = |c: char| (BYTE_MARK + 0x80..=BYTE_MARK + 0xFF).contains(&(c as u32));
    if !text.chars().any(marked) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if marked(c) {
            out.push((c as u32 - BYTE_MARK) as u8);
        } else {
            let mut b = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
        }
    }
    Some(out)
}

/// Names the callers and callees, nests entries by time interval and puts
/// the records in event order.
fn arrange(mut read: Vec<Read>, endpoints: &Endpoints, nest: bool) -> Vec<OwnedRecord> {
    // Parents: sweep entries by start (longest first at equal starts),
    // keeping the chain of intervals that are still open.
    let mut by_start: Vec<usize> = (0..read.len()).filter(|&k| read[k].timed).collect();
    by_start.sort_by(|&a, &b| {
        let (x, y) = (&read[a], &read[b]);
        x.start
            .total_cmp(&y.start)
            .then(y.end.total_cmp(&x.end))
            .then(x.index.cmp(&y.index))
    });
    let mut parent: Vec<Option<usize>> = vec![None; read.len()];
    let mut open: Vec<usize> = Vec::new();
    for &k in by_start.iter().filter(|_| nest) {
        let (start, end) = (read[k].start, read[k].end);
        let ended = |p: usize| read[p].end <= start && read[p].start < start;
        while open.last().is_some_and(|&top| ended(top)) {
            open.pop();
        }
        // Calls that overlap without nesting (concurrency) can leave ended
        // calls under the top: let them go now and then, so that the
        // sweep stays linear on any input.
        if open.len() > 2 * MAX_OPEN {
            open.retain(|&p| !ended(p));
            // Only the innermost MAX_OPEN are ever looked at.
            let extra = open.len().saturating_sub(MAX_OPEN);
            open.drain(..extra);
        }
        // The innermost open call whose interval holds this one's.
        parent[k] = open
            .iter()
            .rev()
            .take(MAX_OPEN)
            .copied()
            .find(|&p| read[p].start <= start && end <= read[p].end + SLACK_MS);
        open.push(k);
    }
    let client = by_start
        .first()
        .or(if read.is_empty() { None } else { Some(&0) })
        .map(|&k| endpoints.client(read[k].user_agent.as_deref()))
        .unwrap_or_else(|| endpoints.client(None));
    let callee: Vec<String> = read
        .iter()
        .map(|r| endpoints.name(&r.request.url))
        .collect();
    let mut depth = vec![0usize; read.len()];
    for &k in &by_start {
        if let Some(p) = parent[k] {
            depth[k] = depth[p] + 1;
        }
    }
    let own: Vec<u64> = read.iter().map(|r| r.index as u64 + 1).collect();
    for (k, r) in read.iter_mut().enumerate() {
        let from = match parent[k] {
            Some(p) => callee[p].clone(),
            None => client.clone(),
        };
        for rec in std::iter::once(&mut r.request).chain(r.response.as_mut()) {
            rec.from = Cow::Owned(from.clone());
            rec.to = Cow::Owned(callee[k].clone());
            rec.hints.parent = parent[k].map(|p| own[p]);
        }
    }
    // Events: a request at its start, a response at its end. At equal
    // times, responses before requests (one call ends, the next starts),
    // inner responses before outer ones, outer requests before inner ones.
    // Untimed entries keep file order, after the timed ones.
    struct Event {
        untimed: bool,
        time: f64,
        request: bool,
        depth: i64,
        k: usize,
    }
    let mut events: Vec<Event> = Vec::with_capacity(read.len() * 2);
    for (k, r) in read.iter().enumerate() {
        let depth = depth[k] as i64;
        events.push(Event {
            untimed: !r.timed,
            time: if r.timed { r.start } else { r.index as f64 },
            request: true,
            depth,
            k,
        });
        if r.response.is_some() {
            events.push(Event {
                untimed: !r.timed,
                time: if r.timed { r.end } else { r.index as f64 },
                request: false,
                depth: -depth,
                k,
            });
        }
    }
    events.sort_by(|a, b| {
        a.untimed
            .cmp(&b.untimed)
            .then(a.time.total_cmp(&b.time))
            .then(a.request.cmp(&b.request))
            .then(a.depth.cmp(&b.depth))
            .then(a.k.cmp(&b.k))
    });
    let mut requests: Vec<Option<Record<'static>>> = Vec::with_capacity(read.len());
    let mut responses: Vec<Option<Record<'static>>> = Vec::with_capacity(read.len());
    let mut index = Vec::with_capacity(read.len());
    for r in read {
        index.push(r.index);
        requests.push(Some(r.request));
        responses.push(r.response);
    }
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        // A response never comes before its own request (a call of no
        // duration ends when it starts).
        if let Some(record) = requests[e.k].take() {
            out.push(OwnedRecord {
                record,
                place: format!("log.entries[{}].request", index[e.k]),
            });
        }
        if e.request {
            continue;
        }
        if let Some(record) = responses[e.k].take() {
            out.push(OwnedRecord {
                record,
                place: format!("log.entries[{}].response", index[e.k]),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_quote_no_value() {
        assert_eq!(
            without_strings(r#"invalid type: string "session=abc \"q\" x", expected a sequence"#),
            "invalid type: a string, expected a sequence"
        );
        assert_eq!(
            without_strings(r#"invalid type: string "a\\", expected x; string "b""#),
            "invalid type: a string, expected x; a string"
        );
        assert_eq!(
            without_strings("missing field `url`"),
            "missing field `url`"
        );
        assert_eq!(without_strings(r#"string "unterminated"#), "a string");
    }

    fn records(json: &str) -> (Vec<String>, Vec<String>) {
        let c = read(Path::new("t.har"), json.as_bytes(), &Endpoints::default()).unwrap();
        let (records, diagnostics) = c.read_all().unwrap();
        (
            records
                .iter()
                .map(|r| {
                    format!(
                        "{} {} -> {} {} {} {}|{}",
                        if r.is_request() { "REQ" } else { "RESP" },
                        r.from,
                        r.to,
                        r.method,
                        r.path(),
                        r.status.as_ref().map_or("", |s| &*s.text),
                        r.body.text
                    )
                })
                .collect(),
            diagnostics.iter().map(|d| d.to_string()).collect(),
        )
    }

    fn entry(start: &str, ms: f64, url: &str, status: u16) -> String {
        format!(
            r#"{{"startedDateTime":"{start}","time":{ms},"request":{{"method":"GET","url":"{url}","headers":[]}},"response":{{"status":{status},"statusText":"","headers":[],"content":{{}}}}}}"#
        )
    }

    #[test]
    fn sniffs_har_and_nothing_else() {
        assert!(sniff(br#"  {"log": {"version": "1.2", "creator": {}}}"#));
        assert!(sniff(b"\xef\xbb\xbf{\n \"log\": {\"entries\": []}}"));
        assert!(!sniff(br#"{"resourceSpans": []}"#));
        assert!(!sniff(b"### (a) REQ >>> (b) : GET http://h/\n"));
        assert!(!sniff(br#"[{"log": 1, "entries": 2}]"#));
    }

    #[test]
    fn entries_inside_another_are_its_server_calls() {
        // Written in response order, as mitmproxy's hardump does.
        let doc = format!(
            r#"{{"log":{{"entries":[{},{},{},{}]}}}}"#,
            entry("2026-01-01T00:00:00.100Z", 20.0, "http://a:1/inner", 200),
            entry("2026-01-01T00:00:00.150Z", 10.0, "http://b:2/inner2", 200),
            entry("2026-01-01T00:00:00.000Z", 300.0, "http://c:3/outer", 202),
            entry("2026-01-01T00:00:00.400Z", 5.0, "http://a:1/after", 200),
        );
        let (r, d) = records(&doc);
        assert_eq!(
            r,
            [
                "REQ client -> c:3 GET /outer |",
                "REQ c:3 -> a:1 GET /inner |",
                "RESP c:3 -> a:1 GET /inner 200|",
                "REQ c:3 -> b:2 GET /inner2 |",
                "RESP c:3 -> b:2 GET /inner2 200|",
                "RESP client -> c:3 GET /outer 202|",
                "REQ client -> a:1 GET /after |",
                "RESP client -> a:1 GET /after 200|",
            ]
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn times_without_an_offset_are_utc() {
        assert_eq!(parse_time("1970-01-01T00:00:01.5"), Some(1500.0));
        assert_eq!(parse_time("1970-01-01T01:00:01.5+01:00"), Some(1500.0));
        assert_eq!(parse_time("1970-01-01"), None);
    }

    #[test]
    fn responses_whose_bodies_were_not_saved_say_so() {
        let lacks = |content: &str| {
            let doc = format!(
                r#"{{"log":{{"entries":[{{"startedDateTime":"2026-01-01T00:00:00Z","time":1,
                "request":{{"method":"GET","url":"http://a:1/"}},
                "response":{{"status":200,"headers":[],"content":{content}}}}}]}}}}"#
            );
            read(Path::new("t.har"), doc.as_bytes(), &Endpoints::default())
                .unwrap()
                .lacks()
                .to_vec()
        };
        assert_eq!(
            lacks(r#"{"size":120,"mimeType":"application/json"}"#),
            [Lack::Callers, Lack::Bodies]
        );
        assert_eq!(lacks(r#"{"size":2,"text":"{}"}"#), [Lack::Callers]);
        assert_eq!(lacks(r#"{"size":0}"#), [Lack::Callers]);
    }

    #[test]
    fn nothing_nests_in_a_browsers_har() {
        let doc = format!(
            r#"{{"log":{{"creator":{{"name":"WebInspector","version":"537.36"}},"entries":[{},{}]}}}}"#,
            entry("2026-01-01T00:00:00.000Z", 100.0, "http://a:1/x", 200),
            entry("2026-01-01T00:00:00.050Z", 10.0, "http://b:1/y", 200),
        );
        let (r, _) = records(&doc);
        assert_eq!(r[1], "REQ client -> b:1 GET /y |");
    }

    #[test]
    fn a_call_that_outlives_another_is_not_its_child() {
        let doc = format!(
            r#"{{"log":{{"entries":[{},{}]}}}}"#,
            entry("2026-01-01T00:00:00.000Z", 100.0, "http://a:1/x", 200),
            entry("2026-01-01T00:00:00.050Z", 100.0, "http://b:1/y", 200),
        );
        let (r, _) = records(&doc);
        assert_eq!(r[1], "REQ client -> b:1 GET /y |");
    }

    #[test]
    fn status_0_bad_entries_and_bad_times_are_warned_about_by_place() {
        let doc = format!(
            r#"{{"log":{{"entries":[{},{},7,{}]}}}}"#,
            entry("2026-01-01T00:00:00Z", 1.0, "http://a:1/ok", 200),
            r#"{"startedDateTime":"2026-01-01T00:00:01Z","time":-1,"request":{"method":"DELETE","url":"http://a:1/gone","headers":[{"name":"X"},{"value":"no name"}]},"response":{"status":0,"statusText":"","headers":[],"content":{},"_error":"Connection refused"}}"#,
            entry("yesterday", 1.0, "http://a:1/late", 200),
        );
        let (r, d) = records(&doc);
        assert_eq!(r.len(), 5, "{r:?}");
        assert!(r[2].starts_with("REQ client -> a:1 DELETE /gone"), "{r:?}");
        assert_eq!(
            d,
            [
                "t.har: log.entries[1].request.headers[1]: not a name/value pair (missing field `name`); left out",
                "t.har: log.entries[1].response: no response was recorded (status 0): Connection refused",
                "t.har: log.entries[2]: not a HAR entry (invalid type: integer `7`, expected struct Entry); left out",
                "t.har: log.entries[3].startedDateTime: `yesterday` is not an ISO 8601 date and time; the entry is kept in file order and not nested",
            ]
        );
    }

    #[test]
    fn bodies_decode_base64_and_show_binary_as_a_bytes_preview() {
        let mut warnings = Vec::new();
        let mut warn = |p: String, m: String| warnings.push(format!("{p}: {m}"));
        assert_eq!(
            content_body(Some("eyJhIjogMX0="), "base64", "c", &mut warn),
            r#"{"a": 1}"#
        );
        assert_eq!(
            content_body(Some("UUZJ+wAAAAM="), "base64", "c", &mut warn),
            r"b'QFI\xfb\x00\x00\x00\x03'"
        );
        let long = base64_encode(&[0u8; 40]);
        assert!(content_body(Some(&long), "base64", "c", &mut warn).ends_with("\\x00'..."));
        assert_eq!(content_body(Some("%%%"), "base64", "c", &mut warn), "");
        assert_eq!(
            warnings,
            ["c.text: says base64 but is not valid base64; the body is left out"]
        );
    }

    fn base64_encode(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in bytes.chunks(3) {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (k, &b)| n | u32::from(b) << (16 - 8 * k));
            for k in 0..=c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            }
            out.push_str(&"=".repeat(3 - c.len()));
        }
        out
    }

    #[test]
    fn base64_round_trips() {
        for n in 0..20 {
            let bytes: Vec<u8> = (0..n).map(|k| (k * 37 + 11) as u8).collect();
            assert_eq!(
                super::super::base64::decode(&base64_encode(&bytes)),
                Some(bytes)
            );
        }
        assert_eq!(super::super::base64::decode("QQ"), Some(b"A".to_vec()));
        assert_eq!(super::super::base64::decode("Q"), None);
        assert_eq!(super::super::base64::decode("QQ==QQ"), None);
    }

    #[test]
    fn mitmproxy_surrogate_escaped_bytes_come_back() {
        let json = br#"{"t": "QFI\udcfb\u0000 \ud83d\ude00 \\udcfb \udc00 \ud800x"}"#;
        let fixed = repair_surrogates(json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&fixed).unwrap();
        let t = v["t"].as_str().unwrap();
        let bytes = unsurrogate(t).unwrap();
        assert_eq!(
            bytes,
            "QFI\u{fb}"
                .bytes()
                .take(3)
                .chain([0xfb, 0])
                .chain(" 😀 \\udcfb \u{fffd} \u{fffd}x".bytes())
                .collect::<Vec<_>>()
        );
        assert_eq!(repair_surrogates(br#"{"a": "\u00e9\\u"}"#), None);
        // Cut short anywhere, it never reads past the end.
        let text = br#"{"t": "a\udcfb\ud800\udc00\"#;
        for end in 0..=text.len() {
            let _ = repair_surrogates(&text[..end]);
        }
    }

    #[test]
    fn cookies_only_in_arrays_become_headers() {
        let doc = r#"{"log":{"entries":[{"startedDateTime":"2026-01-01T00:00:00Z","time":1,
            "request":{"method":"POST","url":"http://a:1/login","headers":[],
              "cookies":[{"name":"sid","value":"s1"},{"name":"t","value":"2"}],
              "postData":{"mimeType":"application/x-www-form-urlencoded",
                "params":[{"name":"user","value":"a b"},{"name":"password","value":"p&q"}]}},
            "response":{"status":200,"statusText":"OK","headers":[],
              "cookies":[{"name":"sid","value":"s2","httpOnly":true}],"content":{"text":"ok"}}}]}}"#;
        let c = read(Path::new("t.har"), doc.as_bytes(), &Endpoints::default()).unwrap();
        let (r, _) = c.read_all().unwrap();
        assert_eq!(r[0].header("Cookie"), Some("sid=s1; t=2"));
        assert_eq!(&*r[0].body.text, "user=a+b&password=p%26q");
        assert_eq!(r[1].header("Set-Cookie"), Some("sid=s2"));
        assert_eq!(r[1].status.as_ref().map(|s| &*s.text), Some("200 OK"));
    }
}
