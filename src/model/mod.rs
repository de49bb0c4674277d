//! The typed record model: what a capture *says*, independent of its file format.
//!
//! Every capture format (`capture::requestshook` today; HAR and OpenTelemetry
//! later) turns its input into [`Record`]s. Later stages add meaning
//! (`graph`, `correlate`) but never change what was captured: headers keep
//! their order, duplicates and empty values, and body lines are kept as the
//! capture wrote them, so the rendered page shows exactly what went over the
//! wire.

use serde::{Deserialize, Serialize};

pub mod page;
pub use page::{
    Diagram, DiagramItem, DiagramPart, Labels, LeftOut, Link, Omitted, Page, Participant, Step,
    TokenRow, VariableRow,
};

/// Whether a record is the request going in or the response coming back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Request,
    Response,
}

/// One header line, in capture order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// Header name as captured (case kept).
    pub name: String,
    /// Value after `": "`; `None` when the line had no `": "` separator
    /// (kept verbatim in `name`, and reported as a warning by the parser).
    pub value: Option<String>,
}

impl Header {
    /// The header line exactly as it was captured.
    pub fn line(&self) -> String {
        match &self.value {
            Some(v) => format!("{}: {}", self.name, v),
            None => self.name.clone(),
        }
    }

    /// Case-insensitive name comparison (HTTP header names are case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// What kind of body a record carries. The lines are kept either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    /// requestshook wrote `none`: there was no body.
    None,
    /// The body parses as JSON.
    Json,
    /// A Python bytes preview of a binary body (`b'QFI\xfb...'...`).
    Binary,
    /// Anything else: plain text, HTML, form data, a cut-off JSON document.
    Text,
}

/// A captured body: its kind and its lines, verbatim (no trailing empty lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Body {
    pub kind: BodyKind,
    /// The body's lines; empty for [`BodyKind::None`].
    pub lines: Vec<String>,
}

impl Body {
    /// A record without a body.
    pub fn none() -> Self {
        Body {
            kind: BodyKind::None,
            lines: Vec::new(),
        }
    }

    /// Classifies captured lines into a body.
    pub fn from_lines(lines: Vec<String>) -> Self {
        if lines.is_empty() || (lines.len() == 1 && lines[0] == "none") {
            return Body::none();
        }
        let kind = classify(&lines);
        Body { kind, lines }
    }

    /// The body as one string, lines joined by `\n`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        match self.kind {
            BodyKind::Json => serde_json::from_str(&self.text()).ok(),
            _ => None,
        }
    }
}

fn classify(lines: &[String]) -> BodyKind {
    let first = lines[0].trim_start();
    if lines.len() == 1 && (first.starts_with("b'") || first.starts_with("b\"")) {
        return BodyKind::Binary;
    }
    if first.starts_with('{') || first.starts_with('[') {
        let text = lines.join("\n");
        if serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok() {
            return BodyKind::Json;
        }
    }
    BodyKind::Text
}

/// A response status: `201 CREATED`, `204 No Content`, `300 MULTIPLE CHOICES`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The numeric code, when the first word is a number.
    pub code: Option<u16>,
    /// The whole status text as captured, code and reason (`201 CREATED`).
    pub text: String,
}

/// One captured HTTP message: a request as it arrived or a response as it left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Position of the record in its capture, from 0.
    pub index: usize,
    /// 1-based line number of the record's head line in the capture file.
    pub line: usize,
    pub direction: Direction,
    /// The caller (`openstack`, `glance-api`).
    pub from: String,
    /// The service that logged the record (the callee).
    pub to: String,
    /// HTTP method (`GET`, `POST`, ...).
    pub method: String,
    /// The full URL as captured.
    pub url: String,
    /// Response status; `None` on requests.
    pub status: Option<Status>,
    /// Header lines in capture order (duplicates and empty values kept).
    pub headers: Vec<Header>,
    pub body: Body,
}

impl Record {
    pub fn is_request(&self) -> bool {
        self.direction == Direction::Request
    }

    /// The URL path only: no scheme, host, port, query or fragment; `/` when empty.
    pub fn path(&self) -> &str {
        url_path(&self.url)
    }

    /// The query string without `?`, if any.
    pub fn query(&self) -> Option<&str> {
        let rest = strip_origin(&self.url);
        let rest = rest.split('#').next().unwrap_or("");
        rest.split_once('?').map(|(_, q)| q)
    }

    /// The first header with this name (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.is(name))
            .and_then(|h| h.value.as_deref())
    }

    /// The title used for headings and code-block titles:
    /// `METHOD PATH` for a request, `STATUS PATH` for a response.
    pub fn title(&self) -> String {
        match &self.status {
            Some(s) => format!("{} {}", s.text, self.path()),
            None => format!("{} {}", self.method, self.path()),
        }
    }

    /// `X-Requestshook-Request-Id`, which pairs a request with its response.
    pub fn request_id(&self) -> Option<&str> {
        self.header("X-Requestshook-Request-Id")
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

#[cfg(test)]
impl Record {
    /// A request for unit tests: `from` -> `to`, with headers and a body text
    /// (`none` or lines joined by `\n`).
    pub(crate) fn test_request(
        from: &str,
        to: &str,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Record {
        Record {
            index: 0,
            line: 1,
            direction: Direction::Request,
            from: from.into(),
            to: to.into(),
            method: method.into(),
            url: url.into(),
            status: None,
            headers: headers
                .iter()
                .map(|(n, v)| Header {
                    name: n.to_string(),
                    value: Some(v.to_string()),
                })
                .collect(),
            body: Body::from_lines(body.split('\n').map(str::to_string).collect()),
        }
    }
}

/// A capture: the records of one input file, in log order.
#[derive(Debug, Clone, Serialize)]
pub struct Capture {
    /// The capture's file name as shown to users (never an absolute path in output).
    pub name: String,
    pub records: Vec<Record>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_strips_origin_query_and_fragment() {
        assert_eq!(url_path("http://182.161.114.101/identity/"), "/identity/");
        assert_eq!(url_path("http://127.0.0.1:60999"), "/");
        assert_eq!(
            url_path("http://h:8080/v1/AUTH_x/glance?format=json&a=b"),
            "/v1/AUTH_x/glance"
        );
        assert_eq!(url_path("https://h/a#frag"), "/a");
        assert_eq!(url_path("http://h?x=1"), "/");
        assert_eq!(url_path("/relative/path?q"), "/relative/path");
    }

    #[test]
    fn body_kinds() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(Body::from_lines(l(&["none"])).kind, BodyKind::None);
        assert_eq!(
            Body::from_lines(l(&["{", "  \"a\": 1", "}"])).kind,
            BodyKind::Json
        );
        assert_eq!(
            Body::from_lines(l(&["{", "  \"a\": 1"])).kind,
            BodyKind::Text
        );
        assert_eq!(
            Body::from_lines(l(&["b'QFI\\xfb'..."])).kind,
            BodyKind::Binary
        );
        assert_eq!(
            Body::from_lines(l(&["<html>", "</html>"])).kind,
            BodyKind::Text
        );
    }
}
