//! What a capture says, independent of its file format, borrowed from it.
//!
//! Every reader turns its input into [`Record`]s. A record borrows its text
//! from the reader's storage (for requestshook, the mapped file itself), so
//! a capture of any size is read without copying it line by line; readers
//! of formats that escape their text (HAR, traces) hand out owned text
//! through the same `Cow`s. Nothing downstream changes what was captured:
//! headers keep their order, duplicates and empty values; bodies keep their
//! lines as written.

use std::borrow::Cow;

/// Whether a record is the request going in or the response coming back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Request,
    Response,
}

/// Where a record sits in its capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct At {
    /// The reader's position of the record (for requestshook, the byte
    /// offset of its head line): what the capture takes
    /// to read it again.
    pub pos: u64,
    /// 1-based line of the record's head line; 0 where the format has no
    /// lines worth naming (a JSON document), see `entry`.
    pub line: u32,
}

/// One header line, in capture order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// Name as captured (case kept).
    pub name: Cow<'a, str>,
    /// Value after `": "`; `None` when the line had no separator (the whole
    /// line is then in `name`).
    pub value: Option<Cow<'a, str>>,
}

impl Header<'_> {
    /// Case-insensitive name comparison (HTTP header names are case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// What kind of body a record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    /// No body (requestshook wrote `none`).
    None,
    /// The body parses as JSON.
    Json,
    /// A Python bytes preview of a binary body (`b'QFI\xfb...'...`).
    Binary,
    /// Anything else: text, HTML, form data, a cut-off JSON document.
    Text,
}

/// A captured body: its text, lines separated by `\n`.
///
/// A `\r` right before a `\n` (or at the very end) belongs to the line end
/// of a CRLF capture and is not part of the line: [`Body::lines`] drops it.
/// No body at all is the empty text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Body<'a> {
    pub text: Cow<'a, str>,
}

impl<'a> Body<'a> {
    /// A record without a body.
    pub fn none() -> Self {
        Body {
            text: Cow::Borrowed(""),
        }
    }

    pub fn is_none(&self) -> bool {
        self.text.is_empty()
    }

    /// The body's lines, without line ends; none for no body.
    pub fn lines(&self) -> Lines<'_> {
        Lines::new(&self.text)
    }

    /// What kind of body this is. JSON is checked by parsing, so call it
    /// where it matters, not for every record.
    pub fn kind(&self) -> BodyKind {
        classify(&self.text)
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        let first = self.text.trim_start();
        if !(first.starts_with('{') || first.starts_with('[')) {
            return None;
        }
        serde_json::from_str(&self.text).ok()
    }
}

/// The lines of a text, each without its `\n` or `\r\n` end.
#[derive(Debug, Clone)]
pub struct Lines<'t> {
    rest: Option<&'t str>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Self {
        Lines {
            rest: (!text.is_empty()).then_some(text),
        }
    }
}

impl<'t> Iterator for Lines<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        let rest = self.rest?;
        let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        self.rest = next;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

fn classify(text: &str) -> BodyKind {
    if text.is_empty() {
        return BodyKind::None;
    }
    let single = memchr::memchr(b'\n', text.as_bytes()).is_none();
    let first = text.trim_start();
    if single && (first.starts_with("b'") || first.starts_with("b\"")) {
        return BodyKind::Binary;
    }
    if (first.starts_with('{') || first.starts_with('['))
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    {
        return BodyKind::Json;
    }
    BodyKind::Text
}

/// A response status: `201 CREATED`, `204 No Content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status<'a> {
    /// The numeric code, when the first word is a number.
    pub code: Option<u16>,
    /// The whole status text as captured, code and reason.
    pub text: Cow<'a, str>,
}

/// What a format states about how records relate, so the graph does not
/// have to guess. Keys are opaque: equal keys mean the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hints {
    /// A request and its response share this key. `exact` when the format
    /// guarantees it (a HAR entry, a span); otherwise it is a strong hint
    /// that may repeat (requestshook's request id) and pairing falls back
    /// to order where it does.
    pub pair: Option<u64>,
    pub exact: bool,
    /// The call's own id (a span id), which children name as `parent`.
    pub own: Option<u64>,
    /// The id of the call this one was made while serving.
    pub parent: Option<u64>,
    /// When the message was sent / the exchange started and ended, in
    /// nanoseconds since the Unix epoch, where the format records it.
    pub started: Option<i64>,
    pub ended: Option<i64>,
}

/// Something a capture format does not record, which the pages say in one
/// line instead of showing empty boxes or guesses as facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lack {
    /// Who sent each request: callers are inferred (HAR).
    Callers,
    /// Calls between services: only the client's own calls are recorded.
    ServerHops,
    /// Request and response bodies.
    Bodies,
    /// Request and response headers.
    Headers,
}

/// One captured HTTP message: a request as it arrived or a response as it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    pub at: At,
    pub direction: Direction,
    /// The caller (`openstack`, `glance-api`).
    pub from: Cow<'a, str>,
    /// The callee (the service that logged it, for requestshook).
    pub to: Cow<'a, str>,
    pub method: Cow<'a, str>,
    /// The full URL as captured.
    pub url: Cow<'a, str>,
    /// `None` on requests.
    pub status: Option<Status<'a>>,
    pub headers: Vec<Header<'a>>,
    pub body: Body<'a>,
    /// The format's own id of the exchange, which pairs a request with its
    /// response (requestshook's request id, a HAR entry's number), as text
    /// for messages; `hints.pair` is its key.
    pub id: Option<Cow<'a, str>>,
    pub hints: Hints,
}

impl Record<'_> {
    pub fn is_request(&self) -> bool {
        self.direction == Direction::Request
    }

    /// The URL path only, `/` when empty.
    pub fn path(&self) -> &str {
        url_path(&self.url)
    }

    /// The query string without `?`, if any.
    pub fn query(&self) -> Option<&str> {
        url_query(&self.url)
    }

    /// The first header with this name (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.is(name))
            .and_then(|h| h.value.as_deref())
    }
}

fn strip_origin(url: &str) -> &str {
    match url.find("://") {
        Some(i)
            if url[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.') =>
        {
            let after = &url[i + 3..];
            match after.find(['/', '?', '#']) {
                Some(j) => &after[j..],
                None => "",
            }
        }
        _ => url,
    }
}

/// The path part of a URL (`http://h:1/a/b?x#y` -> `/a/b`), `/` when empty.
pub fn url_path(url: &str) -> &str {
    let rest = strip_origin(url);
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let path = &rest[..end];
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// The query of a URL without `?` (up to a `#`), if any.
pub fn url_query(url: &str) -> Option<&str> {
    let rest = strip_origin(url);
    let rest = rest.split('#').next().unwrap_or("");
    rest.split_once('?').map(|(_, q)| q)
}

#[cfg(test)]
impl Record<'static> {
    /// A request for unit tests: `from` -> `to`, with headers and a body
    /// (`none` for no body).
    pub(crate) fn test_request(
        from: &str,
        to: &str,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Record<'static> {
        Record {
            at: At::default(),
            direction: Direction::Request,
            from: Cow::Owned(from.into()),
            to: Cow::Owned(to.into()),
            method: Cow::Owned(method.into()),
            url: Cow::Owned(url.into()),
            status: None,
            headers: headers
                .iter()
                .map(|(n, v)| Header {
                    name: Cow::Owned(n.to_string()),
                    value: Some(Cow::Owned(v.to_string())),
                })
                .collect(),
            body: Body {
                text: Cow::Owned(if body == "none" {
                    String::new()
                } else {
                    body.into()
                }),
            },
            id: None,
            hints: Hints::default(),
        }
    }

    /// A response for unit tests: `status` is the status text (`200 OK`),
    /// its first word the code; `method` and `url` those of the request.
    pub(crate) fn test_response(
        from: &str,
        to: &str,
        method: &str,
        url: &str,
        status: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Record<'static> {
        let mut r = Record::test_request(from, to, method, url, headers, body);
        r.direction = Direction::Response;
        r.status = Some(Status {
            code: status.split(' ').next().and_then(|c| c.parse().ok()),
            text: Cow::Owned(status.into()),
        });
        r
    }
}
