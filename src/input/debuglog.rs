//! The `--debug` output of the `openstack` client (keystoneauth's request
//! log), read into records (`docs/formats.md`).
//!
//! keystoneauth logs each call it makes as a few log records among the
//! client's own:
//!
//! ```text
//! REQ: curl -g -i -X GET http://h/image/v2/images -H "Accept: application/json" -H "X-Auth-Token: {SHA256}9f..."
//! RESP: [200] Connection: Keep-Alive Content-Length: 1530 Content-Type: application/json Date: Fri, 27 Nov 2026 10:00:00 GMT
//! RESP BODY: {"images": [...]}
//! GET call to image for http://h/image/v2/images used request id req-0f1e...
//! ```
//!
//! The request is a curl command line whose arguments keystoneauth quotes
//! without escaping (a header value may hold a `"`, a body a `'`), so the
//! arguments are cut at the quote that is followed by the next argument,
//! not by shell rules. Response headers are on one line, `Name: value`
//! after `Name: value`; keystoneauth sorts them by name, which is how a
//! `Name: ` inside a value (a date, a URL) is told from the next header.
//! A body runs to the end of its JSON document, or else to the next line
//! that keystoneauth, urllib3 or a log prefix starts; any other line is
//! the client's own and is skipped.
//!
//! The password request is never printed: keystoneauth logs only `Making
//! authentication request to URL`, urllib3's status line, and the token
//! document as a bare JSON line (without its headers). tracedoc makes it a
//! `POST` whose body says it was not logged, and gives its response the
//! masked token (`{SHA256}...`) the client sends next, as keystoneauth
//! would have printed its `X-Subject-Token`, so the token is seen issued.
//! Token headers are printed masked; one printed in the clear (an older
//! client) is masked the same way here, so the secret never enters a record.
//!
//! Participants: the client is `openstack`, the only caller. A service is
//! named from the keystone catalog of the token document when it is there,
//! from keystoneauth's `... call to SERVICE for URL` lines, from the
//! standard ports and path prefixes, and otherwise by `host:port`.

use std::borrow::Cow;
use std::path::Path;

use crate::error::{Diagnostic, DiagnosticKind};
use crate::model::{At, Body, Direction, Header, Hints, Record, Status};

use super::OwnedRecord;

/// The caller of every call in `--debug` output.
pub const CLIENT: &str = "openstack";

/// The body given to the password request, which keystoneauth never prints.
pub const NOT_LOGGED: &str =
    "(not logged: keystoneauth prints the password request only as `Making authentication request to URL`)";

const REQ: &str = "REQ: curl ";
const RESP: &str = "RESP: [";
const RESP_BODY: &str = "RESP BODY:";
const AUTH: &str = "Making authentication request to ";
const USED_ID: &str = " used request id ";

/// Headers keystoneauth prints masked (`{SHA256}` and the hex digest).
const MASKED: &[&str] = &[
    "authorization",
    "x-auth-token",
    "x-subject-token",
    "x-service-token",
];

/// Service types -> the process names tracedoc knows services by.
const PROCESSES: &[(&str, &str)] = &[
    ("identity", "keystone"),
    ("image", "glance-api"),
    ("compute", "nova-api"),
    ("network", "neutron-server"),
    ("placement", "placement-api"),
    ("object-store", "swift-proxy-server"),
    ("block-storage", "cinder-api"),
    ("volume", "cinder-api"),
    ("volumev2", "cinder-api"),
    ("volumev3", "cinder-api"),
];

/// The standard ports of the services, and the path prefixes devstack
/// serves them under on port 80.
const PORTS: &[(u16, &str)] = &[
    (5000, "identity"),
    (35357, "identity"),
    (9292, "image"),
    (8774, "compute"),
    (9696, "network"),
    (8778, "placement"),
    (8080, "object-store"),
    (8776, "block-storage"),
];
const PREFIXES: &[(&str, &str)] = &[
    ("identity", "identity"),
    ("image", "image"),
    ("compute", "compute"),
    ("networking", "network"),
    ("network", "network"),
    ("placement", "placement"),
    ("volume", "block-storage"),
    ("object-store", "object-store"),
    ("swift", "object-store"),
];

/// Whether the start of a file looks like `--debug` output: a line with
/// keystoneauth's curl command or its authentication line.
pub fn sniff(head: &[u8]) -> bool {
    let has = |pat: &[u8]| memchr::memmem::find(head, pat).is_some();
    has(b"REQ: curl -") || has(AUTH.as_bytes())
}

/// The service type a process name stands for (its catalog type).
fn process_of(service_type: &str) -> String {
    PROCESSES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(service_type))
        .map_or_else(|| service_type.to_string(), |(_, p)| p.to_string())
}

/// `scheme://host:port` and the path of a URL, the port made explicit.
fn origin_and_path(url: &str) -> Option<(String, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let explicit = host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_port = if explicit {
        host_port.to_string()
    } else if scheme.eq_ignore_ascii_case("https") {
        format!("{host_port}:443")
    } else {
        format!("{host_port}:80")
    };
    let path = &rest[end..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    Some((
        format!("{}://{host_port}", scheme.to_ascii_lowercase()),
        path,
    ))
}

/// Endpoint prefixes (`http://h:80/image`) -> process names, longest first
/// when looked up.
#[derive(Default)]
struct Endpoints {
    known: Vec<(String, String)>,
}

impl Endpoints {
    fn key(url: &str) -> Option<String> {
        let (origin, path) = origin_and_path(url)?;
        Some(format!("{origin}{}", path.trim_end_matches('/')))
    }

    fn add(&mut self, url: &str, service_type: &str) {
        if let Some(k) = Endpoints::key(url) {
            if !self.known.iter().any(|(u, _)| *u == k) {
                self.known.push((k, process_of(service_type)));
            }
        }
    }

    /// Adds the endpoints of a token document's catalog.
    fn add_catalog(&mut self, token: &serde_json::Value) {
        let catalog = token
            .pointer("/token/catalog")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten();
        for service in catalog {
            let Some(kind) = service.get("type").and_then(|t| t.as_str()) else {
                continue;
            };
            let endpoints = service
                .get("endpoints")
                .and_then(|e| e.as_array())
                .into_iter()
                .flatten();
            for e in endpoints {
                if let Some(url) = e.get("url").and_then(|u| u.as_str()) {
                    self.add(url, kind);
                }
            }
        }
    }

    /// The process serving `url`.
    fn name(&self, url: &str) -> String {
        let Some(k) = Endpoints::key(url) else {
            return url.to_string();
        };
        let hit = self
            .known
            .iter()
            .filter(|(prefix, _)| {
                k == *prefix
                    || (k.starts_with(prefix.as_str()) && k[prefix.len()..].starts_with('/'))
            })
            .max_by_key(|(prefix, _)| prefix.len());
        if let Some((_, name)) = hit {
            return name.clone();
        }
        let Some((origin, path)) = origin_and_path(url) else {
            return url.to_string();
        };
        // Outside every known endpoint but on the origin of exactly one
        // service (its version document at `/`, say).
        let mut on_origin = self
            .known
            .iter()
            .filter(|(prefix, _)| {
                prefix
                    .strip_prefix(origin.as_str())
                    .is_some_and(|p| p.is_empty() || p.starts_with('/'))
            })
            .map(|(_, name)| name);
        if let Some(first) = on_origin.next() {
            if on_origin.all(|n| n == first) {
                return first.clone();
            }
        }
        let port = origin
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok());
        if let Some((_, t)) = PORTS.iter().find(|(p, _)| Some(*p) == port) {
            return process_of(t);
        }
        let first = path.split('/').find(|s| !s.is_empty()).unwrap_or("");
        if let Some((_, t)) = PREFIXES.iter().find(|(p, _)| *p == first) {
            return process_of(t);
        }
        origin
            .split_once("://")
            .map_or(origin.clone(), |(_, hp)| hp.to_string())
    }
}

/// The hex SHA-256 of a token, masked as keystoneauth prints it.
pub fn masked(value: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(value.as_bytes());
    let mut out = String::with_capacity(8 + 64);
    out.push_str("{SHA256}");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A token header's value as it may enter a record: masked ones as they
/// are, one printed in the clear masked as keystoneauth masks it.
fn mask_token(name: &str, value: &str) -> String {
    let masked_already = value.starts_with("{SHA256}") || value.starts_with("{SHA1}");
    if MASKED.iter().any(|m| name.eq_ignore_ascii_case(m)) && !masked_already && !value.is_empty() {
        masked(value)
    } else {
        value.to_string()
    }
}

/// A curl command line cut into its parts.
#[derive(Debug, Default, PartialEq, Eq)]
struct Curl {
    method: String,
    url: String,
    headers: Vec<(String, Option<String>)>,
    /// The `-d` argument, without its quotes; `None` without one.
    data: Option<String>,
    /// Whether the `-d` argument's closing quote was missing (it may go on
    /// on the next lines).
    open: bool,
}

/// Where a quoted argument that starts at `rest` (after its opening quote
/// `q`) ends: at a `q` followed by the next argument or the end of the line.
fn quoted_end(rest: &str, q: char) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = rest[from..].find(q) {
        let at = from + i;
        let after = rest[at + 1..].trim_start_matches(' ');
        if after.is_empty() || after.starts_with("-H \"") || after.starts_with("-d '") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Parses what follows `REQ: curl `.
fn parse_curl(line: &str) -> Option<Curl> {
    let mut c = Curl::default();
    let mut rest = line.trim_start();
    // Options before the URL: `-g`, `-i`, `--insecure`, `--cacert "path"`,
    // `--key`/`--cert` and `-X METHOD`.
    loop {
        let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
        match word {
            "-X" => {
                let after = after.trim_start();
                let (m, more) = after.split_once(' ').unwrap_or((after, ""));
                c.method = m.to_string();
                rest = more.trim_start();
            }
            "--cacert" | "--cert" | "--key" => {
                let after = after.trim_start();
                rest = match after.strip_prefix('"') {
                    Some(q) => q.split_once("\" ").map_or("", |(_, more)| more),
                    None => after.split_once(' ').map_or("", |(_, more)| more),
                }
                .trim_start();
            }
            w if w.starts_with('-') && !w.is_empty() => rest = after.trim_start(),
            _ => break,
        }
    }
    let (url, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    // keystoneauth quotes a URL it adds query parameters to.
    let url = url
        .strip_prefix('"')
        .and_then(|u| u.strip_suffix('"'))
        .unwrap_or(url);
    if url.is_empty() || !url.contains("://") {
        return None;
    }
    c.url = url.to_string();
    if c.method.is_empty() {
        c.method = "GET".to_string();
    }
    loop {
        rest = rest.trim_start_matches(' ');
        if let Some(h) = rest.strip_prefix("-H \"") {
            let end = quoted_end(h, '"').unwrap_or(h.len());
            let text = &h[..end];
            let (name, value) = match text.split_once(": ") {
                Some((n, v)) => (n.to_string(), Some(mask_token(n, v))),
                None => match text.strip_suffix(':') {
                    Some(n) => (n.to_string(), Some(String::new())),
                    None => (text.to_string(), None),
                },
            };
            c.headers.push((name, value));
            rest = h.get(end + 1..).unwrap_or("");
        } else if let Some(d) = rest.strip_prefix("-d '") {
            match d.strip_suffix('\'') {
                Some(body) => c.data = Some(body.to_string()),
                None => {
                    c.data = Some(d.to_string());
                    c.open = true;
                }
            }
            break;
        } else {
            break;
        }
    }
    Some(c)
}

/// Whether `rest` starts with a header name and `: `, and the name's length.
fn header_name_at(rest: &str) -> Option<usize> {
    let n = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' || *b == b'.')
        .count();
    (n > 0 && rest[n..].starts_with(": ")).then_some(n)
}

/// Splits a `RESP:` header line (`Name: value Name: value ...`) into
/// headers. keystoneauth prints them sorted by name, so a `Word: ` is the
/// next header only where its name sorts after the one before; anything
/// else is part of a value.
fn split_headers(text: &str) -> Vec<(String, Option<String>)> {
    let text = text.trim();
    let mut starts: Vec<(usize, usize)> = Vec::new();
    if let Some(n) = header_name_at(text) {
        starts.push((0, n));
    } else if !text.is_empty() {
        return vec![(text.to_string(), None)];
    }
    for (i, _) in text.match_indices(' ') {
        let at = i + 1;
        let Some(n) = header_name_at(&text[at..]) else {
            continue;
        };
        let Some(&(p, pn)) = starts.last() else {
            continue;
        };
        if text[at..at + n] > text[p..p + pn] {
            starts.push((at, n));
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, &(at, n))| {
            let end = starts.get(k + 1).map_or(text.len(), |&(next, _)| next - 1);
            let name = &text[at..at + n];
            let value = text.get(at + n + 2..end).unwrap_or("");
            (name.to_string(), Some(mask_token(name, value)))
        })
        .collect()
}

/// urllib3's line for a finished call:
/// `http://h:80 "POST /identity/v3/auth/tokens HTTP/1.1" 201 4582`;
/// gives the method, the path and the status code.
fn urllib3_status(line: &str) -> Option<(&str, &str, u16)> {
    let i = line.find("://")?;
    let quoted = &line[i..];
    let (_, q) = quoted.split_once(" \"")?;
    let (request, after) = q.split_once("\" ")?;
    let mut parts = request.split(' ');
    let method = parts.next()?;
    let path = parts.next()?;
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let code = after.split(' ').next()?.parse().ok()?;
    Some((method, path, code))
}

/// Where a keystoneauth message starts in a line (after any log prefix).
fn marker(line: &str) -> Option<(usize, &'static str)> {
    [REQ, RESP, RESP_BODY, AUTH]
        .iter()
        .filter_map(|m| line.find(m).map(|i| (i, *m)))
        .min_by_key(|(i, _)| *i)
}

/// Whether a line starts another log record, so a text body ends before it.
fn starts_record(line: &str) -> bool {
    let t = line.trim_start();
    marker(line).is_some()
        || line.contains(USED_ID)
        || urllib3_status(line).is_some()
        || t.starts_with("Starting new HTTP")
        || t.starts_with("Resetting dropped connection")
        || t.starts_with("Instantiating ")
        || t.starts_with("END return value")
        || t.starts_with("clean_up ")
        || t.starts_with("Traceback (most recent call last)")
        || t.starts_with("Failed to ")
        || (t.len() > 10
            && t.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && t.as_bytes()[4] == b'-'
            && t.as_bytes()[7] == b'-')
}

/// An exchange being put together.
struct Call {
    line: u32,
    method: String,
    url: String,
    headers: Vec<(String, Option<String>)>,
    body: String,
    response: Option<Reply>,
    /// The password request (`Making authentication request to`).
    auth: bool,
}

struct Reply {
    line: u32,
    code: Option<u16>,
    headers: Vec<(String, Option<String>)>,
    body: String,
}

/// Reads a whole `--debug` output into records, with the warnings found.
pub fn decode(text: &str, path: &Path) -> (Vec<OwnedRecord>, Vec<Diagnostic>) {
    let lines: Vec<&str> = crate::model::Lines::new(text).collect();
    let mut calls: Vec<Call> = Vec::new();
    let mut endpoints = Endpoints::default();
    let mut diagnostics = Vec::new();
    let warn = |d: &mut Vec<Diagnostic>, line: u32, kind, message: &str, quote: &str| {
        d.push(Diagnostic {
            path: path.to_path_buf(),
            line: line as usize,
            entry: None,
            kind,
            message: message.to_string(),
            quote: Some(quote.to_string()),
        })
    };
    // The call a `RESP:` line answers: the last one without a response.
    let open = |calls: &Vec<Call>| {
        calls
            .last()
            .filter(|c| c.response.is_none())
            .map(|_| calls.len() - 1)
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let no = (i + 1) as u32;
        i += 1;
        if let Some(at) = line.find(USED_ID) {
            // `GET call to image for http://h/image/v2 used request id req-...`
            let said = &line[..at];
            if let Some((before, url)) = said.rsplit_once(" for ") {
                if let Some((_, service)) = before.rsplit_once(" call to ") {
                    let url = url.trim();
                    let service = service.trim();
                    let named = !service.is_empty() && service != "None";
                    if let (Some((origin, path)), true) = (origin_and_path(url), named) {
                        let first = path.split('/').find(|s| !s.is_empty()).unwrap_or("");
                        let prefix = if PREFIXES.iter().any(|(p, _)| *p == first) {
                            format!("{origin}/{first}")
                        } else {
                            origin
                        };
                        endpoints.add(&prefix, service);
                    }
                }
            }
            continue;
        }
        let Some((at, m)) = marker(line) else {
            // urllib3's status line gives the password request its status.
            if let Some((_, _, code)) = urllib3_status(line) {
                if let Some(k) = open(&calls).filter(|&k| calls[k].auth) {
                    calls[k].response = Some(Reply {
                        line: no,
                        code: Some(code),
                        headers: Vec::new(),
                        body: String::new(),
                    });
                }
            }
            // The token document keystoneauth prints after authenticating
            // (after a log prefix, when the log has one).
            let doc = line.find("{\"token\"").or_else(|| line.find("{\"access\""));
            if let Some(t) = doc.map(|at| &line[at..]) {
                let (body, used) = json_body(&lines[i - 1..], t);
                i += used.saturating_sub(1);
                if let Some(k) = calls.iter().rposition(|c| c.auth) {
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) {
                        endpoints.add_catalog(&v);
                    }
                    let reply = calls[k].response.get_or_insert(Reply {
                        line: no,
                        code: None,
                        headers: Vec::new(),
                        body: String::new(),
                    });
                    if reply.body.is_empty() {
                        reply.body = body;
                    }
                }
            }
            continue;
        };
        let rest = &line[at + m.len()..];
        match m {
            REQ => match parse_curl(rest) {
                Some(c) => {
                    let mut body = c.data.unwrap_or_default();
                    if c.open {
                        // The body goes on to the line ending with its quote.
                        while i < lines.len() && !starts_record(lines[i]) {
                            body.push('\n');
                            let l = lines[i];
                            i += 1;
                            if let Some(b) = l.strip_suffix('\'') {
                                body.push_str(b);
                                break;
                            }
                            body.push_str(l);
                        }
                    }
                    calls.push(Call {
                        line: no,
                        method: c.method,
                        url: c.url,
                        headers: c.headers,
                        body,
                        response: None,
                        auth: false,
                    })
                }
                None => warn(
                    &mut diagnostics,
                    no,
                    DiagnosticKind::BadHead,
                    "curl command without a URL (expected `REQ: curl -g -i -X METHOD URL -H \"Name: value\" ...`); skipped",
                    line,
                ),
            },
            AUTH => {
                let url = rest.split_whitespace().next().unwrap_or("");
                calls.push(Call {
                    line: no,
                    method: "POST".into(),
                    url: url.trim_end_matches(['.', ',']).to_string(),
                    headers: Vec::new(),
                    body: NOT_LOGGED.to_string(),
                    response: None,
                    auth: true,
                });
            }
            RESP => {
                let Some((code, headers)) = rest.split_once(']') else {
                    warn(
                        &mut diagnostics,
                        no,
                        DiagnosticKind::BadHead,
                        "response line without `[STATUS]`; skipped",
                        line,
                    );
                    continue;
                };
                let reply = Reply {
                    line: no,
                    code: code.trim().parse().ok(),
                    headers: split_headers(headers),
                    body: String::new(),
                };
                match open(&calls) {
                    Some(k) => calls[k].response = Some(reply),
                    None => warn(
                        &mut diagnostics,
                        no,
                        DiagnosticKind::Unpaired,
                        "response without a request before it; skipped",
                        line,
                    ),
                }
            }
            _ => {
                // RESP BODY: the body of the last response.
                let first = rest.strip_prefix(' ').unwrap_or(rest);
                let (body, used) = if first.trim_start().starts_with(['{', '[']) {
                    json_body(&lines[i - 1..], first)
                } else {
                    text_body(&lines[i - 1..], first)
                };
                i += used.saturating_sub(1);
                let target = calls
                    .last_mut()
                    .and_then(|c| c.response.as_mut())
                    .filter(|r| r.body.is_empty());
                match target {
                    Some(r) => r.body = body,
                    None => warn(
                        &mut diagnostics,
                        no,
                        DiagnosticKind::Unpaired,
                        "response body without a response line before it; skipped",
                        line,
                    ),
                }
            }
        }
    }
    // The masked token the client sends after each authentication is the
    // one that authentication issued.
    for k in 0..calls.len() {
        if !calls[k].auth {
            continue;
        }
        let next = calls[k + 1..].iter().take_while(|c| !c.auth).find_map(|c| {
            c.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("X-Auth-Token"))
                .and_then(|(_, v)| v.clone())
        });
        if let (Some(token), Some(r)) = (next, calls[k].response.as_mut()) {
            if !r
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("X-Subject-Token"))
            {
                r.headers.push(("X-Subject-Token".into(), Some(token)));
            }
        }
    }
    let mut records = Vec::with_capacity(calls.len() * 2);
    for (n, c) in calls.into_iter().enumerate() {
        let to = endpoints.name(&c.url);
        let id = format!("call {}", n + 1);
        let hints = Hints {
            pair: Some(crate::model::key(&id)),
            exact: true,
            ..Hints::default()
        };
        let headers = |h: Vec<(String, Option<String>)>| {
            h.into_iter()
                .map(|(name, value)| Header {
                    name: Cow::Owned(name),
                    value: value.map(Cow::Owned),
                })
                .collect::<Vec<_>>()
        };
        if c.response.is_none() {
            diagnostics.push(Diagnostic {
                path: path.to_path_buf(),
                line: c.line as usize,
                entry: None,
                kind: DiagnosticKind::Unpaired,
                message: format!(
                    "{} {}: no response logged for this request",
                    c.method,
                    crate::model::url_path(&c.url)
                ),
                quote: None,
            });
        }
        records.push(OwnedRecord {
            record: Record {
                at: At {
                    pos: 0,
                    line: c.line,
                },
                direction: Direction::Request,
                from: Cow::Borrowed(CLIENT),
                to: Cow::Owned(to.clone()),
                method: Cow::Owned(c.method.clone()),
                url: Cow::Owned(c.url.clone()),
                status: None,
                headers: headers(c.headers),
                body: Body {
                    text: Cow::Owned(c.body),
                },
                id: Some(Cow::Owned(id.clone())),
                hints,
            },
            place: format!("line {}", c.line),
        });
        if let Some(r) = c.response {
            records.push(OwnedRecord {
                record: Record {
                    at: At {
                        pos: 0,
                        line: r.line,
                    },
                    direction: Direction::Response,
                    from: Cow::Borrowed(CLIENT),
                    to: Cow::Owned(to),
                    method: Cow::Owned(c.method),
                    url: Cow::Owned(c.url),
                    status: Some(Status {
                        code: r.code,
                        text: Cow::Owned(match r.code {
                            Some(code) => status_text(code),
                            None => "(status not logged)".into(),
                        }),
                    }),
                    headers: headers(r.headers),
                    body: Body {
                        text: Cow::Owned(r.body),
                    },
                    id: Some(Cow::Owned(id)),
                    hints,
                },
                place: format!("line {}", r.line),
            });
        }
    }
    (records, diagnostics)
}

/// A JSON body that starts with `first` (on `lines[0]`) and may go on over
/// the next lines: up to where it parses, or up to the next log record.
/// Returns the text and how many lines it took.
fn json_body(lines: &[&str], first: &str) -> (String, usize) {
    let mut body = first.trim_end().to_string();
    let mut used = 1;
    while serde_json::from_str::<serde::de::IgnoredAny>(&body).is_err() {
        match lines.get(used) {
            Some(l) if !starts_record(l) => {
                body.push('\n');
                body.push_str(l);
                used += 1;
            }
            _ => break,
        }
    }
    (body, used)
}

/// A text body (an HTML error page, plain text): up to the next log
/// record, or the end of an HTML document; trailing empty lines dropped.
/// An empty first line, or keystoneauth's `Omitted, ...` note, is the
/// whole of it.
fn text_body(lines: &[&str], first: &str) -> (String, usize) {
    let mut body = first.to_string();
    let mut used = 1;
    // keystoneauth's own one-line notes, and no body at all, end here.
    if first.trim().is_empty() || first.starts_with("Omitted, Content-Type is set to") {
        body.truncate(body.trim_end().len());
        return (body, used);
    }
    let html = first.trim_start().starts_with('<');
    while let Some(l) = lines.get(used) {
        if starts_record(l) || (html && body.trim_end().ends_with("</html>")) {
            break;
        }
        body.push('\n');
        body.push_str(l);
        used += 1;
    }
    let kept = body.trim_end_matches(['\n', ' ']).len();
    body.truncate(kept);
    (body, used)
}

/// The status text of a code (keystoneauth prints only the number).
fn status_text(code: u16) -> String {
    let reason = match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return code.to_string(),
    };
    format!("{code} {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_headers_split_where_names_sort_up() {
        let h = split_headers(
            "Connection: Keep-Alive Content-Length: 12 Content-Type: application/json Date: Fri, 27 Nov 2026 10:00:00 GMT Keep-Alive: timeout=5, max=100 Location: http://h:5000/v3/ Server: Apache/2.4.41 (Ubuntu) Vary: X-Auth-Token x-openstack-request-id: req-1",
        );
        let names: Vec<&str> = h.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "Connection",
                "Content-Length",
                "Content-Type",
                "Date",
                "Keep-Alive",
                "Location",
                "Server",
                "Vary",
                "x-openstack-request-id"
            ]
        );
        assert_eq!(h[3].1.as_deref(), Some("Fri, 27 Nov 2026 10:00:00 GMT"));
        assert_eq!(h[5].1.as_deref(), Some("http://h:5000/v3/"));
        assert_eq!(h[6].1.as_deref(), Some("Apache/2.4.41 (Ubuntu)"));
        // A `Word: ` in a value that sorts before its header stays in it.
        let h = split_headers("Warning: Deprecated: use v2 instead x-compute-request-id: req-2");
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].1.as_deref(), Some("Deprecated: use v2 instead"));
    }

    #[test]
    fn curl_arguments_are_cut_at_quotes_followed_by_arguments() {
        let c = parse_curl(
            r#"-g -i --cacert "/etc/ssl/ca b.pem" -X POST http://h:9696/v2.0/ports -H "Accept: application/json" -H "X-Note: say "hi" -H there" -H "X-Auth-Token: {SHA256}ab" -d '{"name": "it's"}'"#,
        )
        .unwrap();
        assert_eq!(c.method, "POST");
        assert_eq!(c.url, "http://h:9696/v2.0/ports");
        assert_eq!(
            c.headers,
            vec![
                ("Accept".into(), Some("application/json".into())),
                ("X-Note".into(), Some("say \"hi\" -H there".into())),
                ("X-Auth-Token".into(), Some("{SHA256}ab".into())),
            ]
        );
        assert_eq!(c.data.as_deref(), Some("{\"name\": \"it's\"}"));
        assert!(parse_curl("-g -i -X GET").is_none());
        let c = parse_curl(r#"-g -i -X GET "http://h/v2/images?limit=2" -H "A: b""#).unwrap();
        assert_eq!(c.url, "http://h/v2/images?limit=2");
    }

    #[test]
    fn clear_tokens_are_masked_as_keystoneauth_masks_them() {
        let c = parse_curl(r#"-X GET http://h/ -H "X-Auth-Token: secret-token""#).unwrap();
        let v = c.headers[0].1.clone().unwrap();
        assert_eq!(v, masked("secret-token"));
        assert!(v.starts_with("{SHA256}") && v.len() == 8 + 64);
    }

    #[test]
    fn text_bodies_run_to_the_next_record_and_notes_are_one_line() {
        let lines = [
            "404 Not Found",
            "",
            "No image found",
            "  ",
            "GET call to image for http://h/x used request id req-1",
        ];
        assert_eq!(
            text_body(&lines, lines[0]),
            ("404 Not Found\n\nNo image found".to_string(), 4)
        );
        let lines = ["Omitted, Content-Type is set to text/html. Only application/json responses have their bodies logged.", "Deleted image x"];
        assert_eq!(text_body(&lines, lines[0]).1, 1);
        let lines = ["", "Deleted image x"];
        assert_eq!(text_body(&lines, lines[0]), (String::new(), 1));
        let lines = ["{\"a\":", " 1}", "{\"b\": 2}"];
        assert_eq!(json_body(&lines, lines[0]), ("{\"a\":\n 1}".to_string(), 2));
    }

    #[test]
    fn log_prefixes_are_skipped() {
        let p = "2026-11-27 10:00:00.123 4242 DEBUG keystoneauth.session [-] ";
        let text = format!(
            "{p}Making authentication request to http://h:5000/v3/auth/tokens\n\
{p}http://h:5000 \"POST /v3/auth/tokens HTTP/1.1\" 201 12\n\
{p}{{\"token\": {{\"catalog\": []}}}}\n\
{p}REQ: curl -g -i -X GET http://h:9292/v2/images -H \"X-Auth-Token: {{SHA256}}aa\"\n\
{p}RESP: [200] Content-Type: application/json\n\
{p}RESP BODY: {{\"images\": []}}\n\
{p}GET call to image for http://h:9292/v2/images used request id req-1\n"
        );
        let (records, diagnostics) = decode(&text, Path::new("d.log"));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(records.len(), 4);
        assert_eq!(
            records[1].record.body.text,
            "{\"token\": {\"catalog\": []}}"
        );
        assert_eq!(records[1].record.status.as_ref().unwrap().code, Some(201));
        assert_eq!(records[2].record.to, "glance-api");
        assert_eq!(records[3].record.body.text, "{\"images\": []}");
    }

    #[test]
    fn services_are_named_from_ports_prefixes_and_catalog() {
        let mut e = Endpoints::default();
        assert_eq!(e.name("http://10.0.0.5:9292/v2/images"), "glance-api");
        assert_eq!(e.name("http://10.0.0.5/compute/v2.1/servers"), "nova-api");
        assert_eq!(
            e.name("https://cloud.example:13000/x"),
            "cloud.example:13000"
        );
        e.add("https://cloud.example:13000", "identity");
        assert_eq!(
            e.name("https://cloud.example:13000/v3/auth/tokens"),
            "keystone"
        );
        assert_eq!(e.name("https://cloud.example:130/x"), "cloud.example:130");
        // The root of an origin only one service has is that service's.
        e.add("http://127.0.0.1:40123/v2.1", "compute");
        assert_eq!(e.name("http://127.0.0.1:40123/"), "nova-api");
        e.add("http://127.0.0.1:40123/image", "image");
        assert_eq!(e.name("http://127.0.0.1:40123/"), "127.0.0.1:40123");
    }

    #[test]
    fn the_password_request_is_kept_with_its_status_and_token() {
        let text = "Making authentication request to http://h/identity/v3/auth/tokens\n\
http://h:80 \"POST /identity/v3/auth/tokens HTTP/1.1\" 201 120\n\
{\"token\": {\"catalog\": [{\"type\": \"image\", \"endpoints\": [{\"url\": \"http://h/image\"}]}]}}\n\
REQ: curl -g -i -X GET http://h/image/v2/images -H \"X-Auth-Token: {SHA256}aa\"\n\
RESP: [200] Content-Type: application/json\n\
RESP BODY: {\"images\": []}\n";
        let (records, diagnostics) = decode(text, Path::new("d.log"));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(records.len(), 4);
        let auth = &records[1].record;
        assert_eq!(auth.status.as_ref().unwrap().code, Some(201));
        assert_eq!(auth.header("X-Subject-Token"), Some("{SHA256}aa"));
        assert_eq!(records[0].record.body.text, NOT_LOGGED);
        assert_eq!(records[2].record.to, "glance-api");
        assert_eq!(records[3].record.body.text, "{\"images\": []}");
    }
}
