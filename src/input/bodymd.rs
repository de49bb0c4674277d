//! A `body.md` page that tracedoc (or requestshook's old tooling) wrote,
//! read back into records (`docs/formats.md`), so published pages can be
//! rendered again with diagrams, variables and redaction.
//!
//! Each record is a section:
//!
//! ````text
//! ### POST /identity/v3/auth/tokens
//! `openstack` --> `keystone`
//!
//! !!! tip "..."            (ignored: tips are made again)
//!     [...](...)
//!
//! === "Header"
//!     ``` http title="..." linenums="1"
//!     Host: 10.0.0.5
//!     ```
//!
//! === "Body"
//!     ``` json title="..." linenums="1"
//!     none
//!     ```
//! ````
//!
//! The heading is `METHOD path` for a request and `STATUS REASON path` for
//! a response; the arrow line names the caller and the service (`-->` a
//! request, `<--` a response); the tabs hold the headers and the body
//! (`none` for none). The page is parsed with pulldown-cmark, once the
//! tabs' indented content is moved to the margin (CommonMark would take
//! it for the tab line's continuation): headings, code spans and fences
//! are then CommonMark's, escapes and all.
//!
//! What a page does not hold cannot come back: the query string (titles
//! show the path only), the scheme (`http` is assumed; the host comes from
//! the `Host` header, else the service's name) and a response's method
//! (taken from its request: the same `X-Requestshook-Request-Id`, else the
//! last request to the same service and path without a response). A body
//! line holding a pymdownx snippet marker (`--8<--`) was written with a `;`
//! in front that snippets removes when the site is built; it is read back
//! with that `;`.

use std::borrow::Cow;
use std::path::Path;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::error::{Diagnostic, DiagnosticKind};
use crate::model::{At, Body, Direction, Header, Hints, Record, Status};

use super::requestshook::PAIR_HEADER;
use super::OwnedRecord;

/// Whether the start of a file looks like a `body.md` page: a level-3
/// heading, an arrow line of two code spans and a `=== "Header"` tab.
pub fn sniff(head: &[u8]) -> bool {
    let has = |pat: &[u8]| memchr::memmem::find(head, pat).is_some();
    (head.starts_with(b"### ") || has(b"\n### "))
        && (has(b"` --> `") || has(b"` <-- `"))
        && has(b"\n=== \"")
}

/// One section as read from the page.
#[derive(Debug, Default)]
struct Section {
    /// Line of the heading in the page.
    line: u32,
    title: String,
    arrow: Option<(String, Direction, String)>,
    headers: Option<String>,
    body: Option<String>,
}

/// Moves the content of tabs and admonitions (indented by four) to the
/// margin, so CommonMark reads their fences (line for line, so offsets
/// still name the page's lines).
fn unindent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for line in crate::model::Lines::new(text) {
        let blank = line.trim().is_empty();
        if inside && (blank || line.starts_with("    ")) {
            // A blank line keeps what it has beyond the indent (a body line
            // of spaces).
            out.push_str(
                line.strip_prefix("    ")
                    .unwrap_or(if blank { "" } else { line }),
            );
        } else {
            inside =
                line.starts_with("=== ") || line.starts_with("!!! ") || line.starts_with("??? ");
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Reads a whole page into records, with the warnings found.
pub fn decode(text: &str, path: &Path) -> (Vec<OwnedRecord>, Vec<Diagnostic>) {
    let flat = unindent(text);
    // Line starts, to name the line of each heading.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', flat.as_bytes()).map(|i| i + 1))
        .collect();
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset) as u32;

    let mut sections: Vec<Section> = Vec::new();
    let mut in_heading = false;
    let mut para: Option<(Vec<String>, String)> = None;
    let mut tab: Option<String> = None;
    let mut code: Option<String> = None;
    for (event, range) in Parser::new(&flat).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H3,
                ..
            }) => {
                in_heading = true;
                tab = None;
                sections.push(Section {
                    line: line_of(range.start),
                    ..Section::default()
                });
            }
            Event::End(TagEnd::Heading(HeadingLevel::H3)) => {
                in_heading = false;
                // tracedoc's numbered style: `(3) POST /v3/auth/tokens`
                // after the step's anchor (HTML, not text).
                if let Some(s) = sections.last_mut() {
                    s.title = strip_step_number(&s.title).to_string();
                }
            }
            Event::Start(Tag::Paragraph) => para = Some((Vec::new(), String::new())),
            Event::End(TagEnd::Paragraph) => {
                let Some((codes, text)) = para.take() else {
                    continue;
                };
                let Some(s) = sections.last_mut() else {
                    continue;
                };
                let plain = text.trim();
                if let Some(name) = plain.strip_prefix("=== \"") {
                    tab = Some(name.split('"').next().unwrap_or("").to_string());
                } else if s.arrow.is_none() && codes.len() == 2 {
                    let direction = if plain == "-->" {
                        Some(Direction::Request)
                    } else if plain == "<--" {
                        Some(Direction::Response)
                    } else {
                        None
                    };
                    if let Some(d) = direction {
                        s.arrow = Some((codes[0].clone(), d, codes[1].clone()));
                    }
                }
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => code = Some(String::new()),
            Event::End(TagEnd::CodeBlock) => {
                let (Some(text), Some(s)) = (code.take(), sections.last_mut()) else {
                    continue;
                };
                let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
                let name = tab.take().unwrap_or_default();
                if name.eq_ignore_ascii_case("body") || (s.headers.is_some() && s.body.is_none()) {
                    s.body.get_or_insert(text);
                } else {
                    s.headers.get_or_insert(text);
                }
            }
            Event::Text(t) | Event::Code(t) if in_heading => {
                if let Some(s) = sections.last_mut() {
                    s.title.push_str(&t);
                }
            }
            Event::Text(t) => {
                if let Some(c) = code.as_mut() {
                    c.push_str(&t);
                } else if let Some((_, text)) = para.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::Code(t) => {
                if let Some((codes, _)) = para.as_mut() {
                    codes.push(t.trim().to_string());
                }
            }
            _ => {}
        }
    }
    records(sections, path)
}

/// A heading's title without the step number tracedoc's numbered style
/// puts first (`(12) GET /v2/images` -> `GET /v2/images`).
fn strip_step_number(title: &str) -> &str {
    let t = title.trim_start();
    if let Some(rest) = t.strip_prefix('(') {
        if let Some((n, after)) = rest.split_once(") ") {
            if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                return after;
            }
        }
    }
    title
}

fn header_lines(text: &str) -> Vec<Header<'static>> {
    if text.trim() == "none" {
        return Vec::new();
    }
    crate::model::Lines::new(text)
        .map(|line| match line.split_once(": ") {
            Some((n, v)) => Header {
                name: Cow::Owned(n.to_string()),
                value: Some(Cow::Owned(v.to_string())),
            },
            None => match line.strip_suffix(':') {
                Some(n) if !n.is_empty() && !n.contains(' ') => Header {
                    name: Cow::Owned(n.to_string()),
                    value: Some(Cow::Borrowed("")),
                },
                _ => Header {
                    name: Cow::Owned(line.to_string()),
                    value: None,
                },
            },
        })
        .collect()
}

fn records(sections: Vec<Section>, path: &Path) -> (Vec<OwnedRecord>, Vec<Diagnostic>) {
    let mut out: Vec<OwnedRecord> = Vec::with_capacity(sections.len());
    let mut diagnostics = Vec::new();
    let mut warn = |line: u32, kind, message: &str, quote: &str| {
        diagnostics.push(Diagnostic {
            path: path.to_path_buf(),
            line: line as usize,
            entry: None,
            kind,
            message: message.to_string(),
            quote: Some(quote.to_string()),
        })
    };
    // Requests not answered yet: (index in `out`).
    let mut open: Vec<usize> = Vec::new();
    for (n, s) in sections.into_iter().enumerate() {
        let Some((from, direction, to)) = s.arrow else {
            warn(
                s.line,
                DiagnosticKind::BadHead,
                "section without a `caller` --> `service` (or <--) line; skipped",
                &s.title,
            );
            continue;
        };
        let headers = header_lines(s.headers.as_deref().unwrap_or(""));
        let body = match s.body.as_deref() {
            None | Some("none") => String::new(),
            Some(b) => b.to_string(),
        };
        let id = headers
            .iter()
            .find(|h| h.is(PAIR_HEADER))
            .and_then(|h| h.value.as_deref())
            .map(str::to_string);
        let title = s.title.trim();
        let (method, url, status, pair) = match direction {
            Direction::Request => {
                let Some((method, p)) = title.split_once(' ') else {
                    warn(
                        s.line,
                        DiagnosticKind::BadHead,
                        "request heading is not `METHOD path`; skipped",
                        title,
                    );
                    continue;
                };
                let host = headers
                    .iter()
                    .find(|h| h.is("Host"))
                    .and_then(|h| h.value.as_deref())
                    .filter(|h| !h.is_empty())
                    .unwrap_or(&to);
                let url = format!("http://{host}{}", p.trim());
                let pair = id.clone().unwrap_or_else(|| format!("section {n}"));
                open.push(out.len());
                (method.to_string(), url, None, pair)
            }
            Direction::Response => {
                let Some((status, p)) = title.rsplit_once(' ') else {
                    warn(
                        s.line,
                        DiagnosticKind::BadHead,
                        "response heading is not `STATUS REASON path`; skipped",
                        title,
                    );
                    continue;
                };
                let p = p.trim();
                // Its request: the same pairing id, else the last open one
                // between the same two with the same path.
                let found = open.iter().rposition(|&k| {
                    let r = &out[k].record;
                    match &id {
                        Some(id) => r.id.as_deref() == Some(id.as_str()),
                        None => r.from == from && r.to == to && r.path() == p,
                    }
                });
                let code = status.split(' ').next().and_then(|c| c.parse().ok());
                let status = Some(Status {
                    code,
                    text: Cow::Owned(status.to_string()),
                });
                match found {
                    Some(at) => {
                        let k = open.remove(at);
                        let r = &out[k].record;
                        let pair = r.id.as_deref().unwrap_or_default().to_string();
                        (r.method.to_string(), r.url.to_string(), status, pair)
                    }
                    None => {
                        warn(
                            s.line,
                            DiagnosticKind::Unpaired,
                            "response without its request on the page: its method is taken as GET",
                            title,
                        );
                        let url = format!("http://{to}{p}");
                        let pair = id.clone().unwrap_or_else(|| format!("section {n}"));
                        ("GET".to_string(), url, status, pair)
                    }
                }
            }
        };
        out.push(OwnedRecord {
            record: Record {
                at: At {
                    pos: 0,
                    line: s.line,
                },
                direction,
                from: Cow::Owned(from),
                to: Cow::Owned(to),
                method: Cow::Owned(method),
                url: Cow::Owned(url),
                status,
                headers,
                body: Body {
                    text: Cow::Owned(body),
                },
                hints: Hints {
                    pair: Some(crate::model::key(&pair)),
                    exact: id.is_none(),
                    ..Hints::default()
                },
                id: Some(Cow::Owned(pair)),
            },
            place: format!("line {}", s.line),
        });
    }
    (out, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "\n### GET /v2/images\n`openstack` --> `glance-api`\n\n!!! tip \"API\"\n    [List images](https://x/)\n\n=== \"Header\"\n    ``` http title=\"GET /v2/images\" linenums=\"1\"\n    Host: 10.0.0.5:9292\n    Accept: \n    X-Requestshook-Request-Id: a1\n    ```\n\n=== \"Body\"\n    ``` json title=\"GET /v2/images\" linenums=\"1\"\n    none\n    ```\n\n\n### 200 OK /v2/images\n`openstack` <-- `glance-api`\n\n=== \"Header\"\n    ``` http title=\"200 OK /v2/images\" linenums=\"1\"\n    Content-Type: application/json\n    X-Requestshook-Request-Id: a1\n    ```\n\n=== \"Body\"\n    ```` json title=\"200 OK /v2/images\" linenums=\"1\"\n    {\n\n      \"a\": \"```\"\n    }\n    ````\n";

    #[test]
    fn sections_become_records() {
        assert!(sniff(PAGE.as_bytes()));
        let (records, diagnostics) = decode(PAGE, Path::new("body.md"));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(records.len(), 2);
        let req = &records[0].record;
        assert_eq!(req.method, "GET");
        assert_eq!(req.url, "http://10.0.0.5:9292/v2/images");
        assert_eq!(req.header("Accept"), Some(""));
        assert!(req.body.is_none());
        assert_eq!(req.at.line, 2);
        let resp = &records[1].record;
        assert_eq!(resp.direction, Direction::Response);
        assert_eq!(resp.method, "GET");
        assert_eq!(resp.status.as_ref().unwrap().code, Some(200));
        assert_eq!(resp.body.text, "{\n\n  \"a\": \"```\"\n}");
        assert_eq!(resp.hints.pair, req.hints.pair);
    }

    #[test]
    fn a_section_without_arrow_is_reported() {
        let (records, diagnostics) = decode("### GET /x\n\ntext\n", Path::new("b.md"));
        assert!(records.is_empty());
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].line, 1);
    }
}
