//! Spans to exchanges: what the trace readers (`otlp`, `jaeger`, `zipkin`)
//! share once each has decoded its spans into [`Span`]s.
//!
//! - A span is an HTTP call when it names a method (`http.request.method`
//!   or the older `http.method`). Other spans (database calls, functions)
//!   are left out, and the HTTP spans under them attach to their nearest
//!   HTTP ancestor.
//! - A client span and the server span under it are one exchange: the
//!   caller is the client span's service, the callee the server span's.
//!   A client span with no traced server is called on its `peer.service`
//!   or the host of its URL; a server span with no client span (the caller
//!   was not traced, or the tracer, like osprofiler, has no client spans) is
//!   called by the service of the span it was made under, or `client`.
//! - Two nested spans of one service for the same call (a WSGI and a
//!   framework instrumentation both tracing it, `requests` over `urllib3`)
//!   are one call: the outer one is kept.
//! - Span parents give the nesting, as [`Hints`]. Records come in the order
//!   of the call tree (a request, its children, its response), siblings by
//!   start time, so clocks that disagree between hosts cannot put a call
//!   before its caller. Start and end times are kept in the hints.
//! - Traces have no bodies. Headers come from the `http.request.header.*`
//!   and `http.response.header.*` attributes, where the tracer was told to
//!   record them.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::{key, At, Body, Direction, Header, Hints, Record, Status};

use super::OwnedRecord;

/// The role of a span in a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// It made the call (OTLP `SPAN_KIND_CLIENT`, Zipkin `CLIENT`).
    Client,
    /// It served the call, or the tracer does not say (osprofiler).
    Server,
}

/// One span, decoded by a trace reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Trace id and span id, as lowercase hex where they were ids.
    pub trace: String,
    pub id: String,
    /// The parent span's id, `None` for a root.
    pub parent: Option<String>,
    pub kind: Kind,
    /// `service.name` of the span's resource or process.
    pub service: String,
    /// Start and end, in nanoseconds since the Unix epoch.
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// Attributes (tags), each value as text; arrays give several values.
    pub attrs: Vec<(String, Vec<String>)>,
    /// Where the span is in its file (`resourceSpans[0].scopeSpans[1].spans[4]`).
    pub place: String,
}

impl Span {
    /// The first value of the first of `names` the span has.
    pub fn attr(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| {
            self.attrs
                .iter()
                .find(|(k, _)| k == n)
                .and_then(|(_, v)| v.first())
                .map(String::as_str)
        })
    }
}

/// The service name a span has when its resource names none (OpenTelemetry's).
pub const UNKNOWN_SERVICE: &str = "unknown_service";

/// The caller of a served call whose caller left no span.
pub const UNKNOWN_CALLER: &str = "client";

/// What a span says about its HTTP call.
#[derive(Debug, Clone)]
struct Http {
    method: String,
    url: String,
    /// Whether `url` has a scheme and host.
    full: bool,
    status: Option<u16>,
    request: Vec<(String, String)>,
    response: Vec<(String, String)>,
}

fn http(span: &Span) -> Option<Http> {
    let mut method = span.attr(&["http.request.method", "http.method"])?;
    if method == "_OTHER" {
        method = span
            .attr(&["http.request.method_original"])
            .unwrap_or(method);
    }
    let (url, full) = match span.attr(&["url.full", "http.url"]) {
        Some(u) => (u.to_string(), u.contains("://")),
        None => {
            let target = match span.attr(&["http.target"]) {
                Some(t) => t.to_string(),
                None => {
                    let path = span.attr(&["url.path", "http.path"]).unwrap_or("");
                    let path = if path.is_empty() { "/" } else { path };
                    match span.attr(&["url.query", "http.query"]) {
                        Some(q) if !q.is_empty() => {
                            format!("{path}?{}", q.strip_prefix('?').unwrap_or(q))
                        }
                        _ => path.to_string(),
                    }
                }
            };
            match origin(span) {
                Some(o) => (format!("{o}{target}"), true),
                None => (target, false),
            }
        }
    };
    let status = span
        .attr(&[
            "http.response.status_code",
            "http.status_code",
            "status_code",
        ])
        .and_then(|s| s.trim().parse::<u16>().ok());
    Some(Http {
        method: method.to_string(),
        url,
        full,
        status,
        request: headers(span, "http.request.header."),
        response: headers(span, "http.response.header."),
    })
}

/// `scheme://host[:port]` of the server a span talks to or is, when it says.
fn origin(span: &Span) -> Option<String> {
    let host = match span.kind {
        Kind::Client => span.attr(&["server.address", "net.peer.name", "http.host"]),
        Kind::Server => span.attr(&["server.address", "http.host", "net.host.name"]),
    }?;
    if host.is_empty() {
        return None;
    }
    let scheme = span.attr(&["url.scheme", "http.scheme"]).unwrap_or("http");
    let port = match span.kind {
        Kind::Client => span.attr(&["server.port", "net.peer.port"]),
        Kind::Server => span.attr(&["server.port", "net.host.port"]),
    };
    let default = matches!(
        (scheme, port),
        ("http", Some("80")) | ("https", Some("443"))
    );
    Some(match port {
        Some(p) if !default && !host.contains(':') && !p.is_empty() => {
            format!("{scheme}://{host}:{p}")
        }
        _ => format!("{scheme}://{host}"),
    })
}

/// The header attributes under `prefix`, as header lines: `x_auth_token`
/// becomes `X-Auth-Token`; an array value gives one line per value.
fn headers(span: &Span, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, values) in &span.attrs {
        let Some(name) = k.strip_prefix(prefix) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let name = header_name(name);
        for v in values {
            out.push((name.clone(), v.clone()));
        }
    }
    out
}

fn header_name(attr: &str) -> String {
    attr.split(['_', '-'])
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join("-")
}

/// The reason phrase of common status codes, for status lines.
fn reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// The host (and port) of a URL, for naming a callee nobody traced.
fn url_host(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    let host = host.rsplit('@').next().unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// A call: the client span that made it and the server span that served
/// it, either of which may be missing (not both).
struct Exchange {
    client: Option<usize>,
    server: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

impl Exchange {
    /// The span that stands for the call in the tree: the client's, else the server's.
    fn top(&self) -> usize {
        self.client.or(self.server).unwrap_or(0)
    }
}

/// Turns decoded spans into request and response records, in call-tree order.
///
/// A span given twice (an exporter that retried a batch) counts once.
pub fn records(spans: &[Span]) -> Vec<OwnedRecord> {
    let mut seen = std::collections::HashSet::new();
    let key = |s: &Span| (s.trace.clone(), s.id.clone(), s.kind == Kind::Client);
    if spans.iter().all(|s| seen.insert(key(s))) {
        return tree(spans);
    }
    seen.clear();
    let unique: Vec<Span> = spans
        .iter()
        .filter(|s| seen.insert(key(s)))
        .cloned()
        .collect();
    tree(&unique)
}

fn tree(spans: &[Span]) -> Vec<OwnedRecord> {
    let n = spans.len();
    let mut index: HashMap<(&str, &str), usize> = HashMap::with_capacity(n);
    for (i, s) in spans.iter().enumerate() {
        index.entry((s.trace.as_str(), s.id.as_str())).or_insert(i);
    }
    let parent_of: Vec<Option<usize>> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.parent
                .as_deref()
                .and_then(|p| index.get(&(s.trace.as_str(), p)).copied())
                .filter(|&p| p != i)
        })
        .collect();
    let mut calls: Vec<Option<Http>> = spans.iter().map(http).collect();

    // The nearest ancestor that is an HTTP call (a walk bounded by the
    // number of spans: hostile parent links may loop).
    let ancestor = |calls: &[Option<Http>], i: usize| -> Option<usize> {
        let mut at = parent_of[i];
        let mut steps = 0;
        while let Some(p) = at {
            if p == i {
                // Back at the start: the links loop.
                return None;
            }
            if calls[p].is_some() {
                return Some(p);
            }
            steps += 1;
            if steps > n {
                return None;
            }
            at = parent_of[p];
        }
        None
    };

    // One call traced twice in one service: keep the outer span.
    for i in 0..n {
        let Some(call) = &calls[i] else { continue };
        if let Some(a) = ancestor(&calls, i) {
            let same = calls[a].as_ref().is_some_and(|up| up.method == call.method)
                && spans[a].kind == spans[i].kind
                && spans[a].service == spans[i].service;
            if same {
                calls[i] = None;
            }
        }
    }

    // A served call under a client span is that client's call (the first
    // to start, when a client span has several).
    let mut by_start: Vec<usize> = (0..n).filter(|&i| calls[i].is_some()).collect();
    by_start.sort_by_key(|&i| (spans[i].start.unwrap_or(i64::MAX), i));
    let mut served_by: Vec<Option<usize>> = vec![None; n];
    let mut merged = vec![false; n];
    for &i in &by_start {
        if spans[i].kind != Kind::Server {
            continue;
        }
        if let Some(a) = ancestor(&calls, i) {
            if spans[a].kind == Kind::Client && served_by[a].is_none() {
                served_by[a] = Some(i);
                merged[i] = true;
            }
        }
    }

    let mut exchanges: Vec<Exchange> = Vec::new();
    let mut exchange_of: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        if calls[i].is_none() || merged[i] {
            continue;
        }
        let e = exchanges.len();
        let (client, server) = match spans[i].kind {
            Kind::Client => (Some(i), served_by[i]),
            Kind::Server => (None, Some(i)),
        };
        exchange_of[i] = Some(e);
        if let Some(s) = server {
            exchange_of[s] = Some(e);
        }
        exchanges.push(Exchange {
            client,
            server,
            parent: None,
            children: Vec::new(),
        });
    }
    for e in 0..exchanges.len() {
        let top = exchanges[e].top();
        let parent = ancestor(&calls, top)
            .and_then(|a| exchange_of[a])
            .filter(|&p| p != e);
        exchanges[e].parent = parent;
        if let Some(p) = parent {
            exchanges[p].children.push(e);
        }
    }
    let start = |e: &Exchange| spans[e.top()].start.unwrap_or(i64::MAX);
    let mut order: Vec<usize> = (0..exchanges.len())
        .filter(|&e| exchanges[e].parent.is_none())
        .collect();
    order.sort_by_key(|&e| (start(&exchanges[e]), e));
    for e in 0..exchanges.len() {
        let mut kids = std::mem::take(&mut exchanges[e].children);
        kids.sort_by_key(|&k| (start(&exchanges[k]), k));
        exchanges[e].children = kids;
    }

    // Depth first: a request, its children, its response. Exchanges that
    // no root reaches (parents in a loop) are walked from themselves.
    let mut out = Vec::new();
    let mut seen = vec![false; exchanges.len()];
    let mut parentless = vec![false; exchanges.len()];
    let mut starts: Vec<usize> = order;
    starts.extend(0..exchanges.len());
    for root in starts {
        if seen[root] {
            continue;
        }
        // (exchange, whether its children are done)
        let mut stack = vec![(root, false)];
        while let Some((e, done)) = stack.pop() {
            if done {
                let mut r = response(spans, &calls, &exchanges, e, &parent_of);
                if let Some(r) = r.as_mut().filter(|_| parentless[e]) {
                    r.record.hints.parent = None;
                }
                out.extend(r);
                continue;
            }
            if seen[e] {
                continue;
            }
            seen[e] = true;
            let mut q = request(spans, &calls, &exchanges, e, &parent_of);
            // A parent not drawn yet (parent links in a loop) is no parent.
            if exchanges[e].parent.is_some_and(|p| !seen[p]) {
                q.record.hints.parent = None;
                parentless[e] = true;
            }
            out.push(q);
            stack.push((e, true));
            for &k in exchanges[e].children.iter().rev() {
                if !seen[k] {
                    stack.push((k, false));
                }
            }
        }
    }
    out
}

/// The key of an exchange (its top span's position makes it unique even
/// where span ids repeat).
fn exchange_key(spans: &[Span], e: &Exchange) -> u64 {
    let s = &spans[e.top()];
    key(&format!("{}/{}/{}", s.trace, s.id, e.top()))
}

/// The caller and callee of an exchange.
fn parties(
    spans: &[Span],
    calls: &[Option<Http>],
    e: &Exchange,
    parent_of: &[Option<usize>],
) -> (String, String) {
    match (e.client, e.server) {
        (Some(c), server) => {
            let from = spans[c].service.clone();
            let to = match server {
                Some(s) => spans[s].service.clone(),
                None => spans[c]
                    .attr(&["peer.service"])
                    .or_else(|| spans[c].attr(&["server.address", "net.peer.name"]))
                    .or_else(|| calls[c].as_ref().and_then(|h| url_host(&h.url)))
                    .unwrap_or(UNKNOWN_SERVICE)
                    .to_string(),
            };
            (from, to)
        }
        (None, Some(s)) => {
            // The first span up the tree in another service made the call.
            let own = &spans[s].service;
            let mut at = parent_of[s];
            let mut steps = 0;
            let mut from = None;
            while let Some(p) = at {
                if spans[p].service != *own {
                    from = Some(spans[p].service.clone());
                    break;
                }
                steps += 1;
                if steps > spans.len() {
                    break;
                }
                at = parent_of[p];
            }
            (
                from.unwrap_or_else(|| UNKNOWN_CALLER.to_string()),
                own.clone(),
            )
        }
        (None, None) => (UNKNOWN_CALLER.to_string(), UNKNOWN_SERVICE.to_string()),
    }
}

fn owned(s: &str) -> Cow<'static, str> {
    Cow::Owned(s.to_string())
}

fn header_lines(list: &[(String, String)]) -> Vec<Header<'static>> {
    list.iter()
        .map(|(n, v)| Header {
            name: owned(n),
            value: Some(owned(v)),
        })
        .collect()
}

/// Header lines of both spans: the client's, then those only the server recorded.
fn merge(first: &[(String, String)], second: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = first.to_vec();
    for (n, v) in second {
        if !first.iter().any(|(m, _)| m.eq_ignore_ascii_case(n)) {
            out.push((n.clone(), v.clone()));
        }
    }
    out
}

/// The call as the client saw it where it has a full URL, else the server.
fn call_of<'a>(calls: &'a [Option<Http>], e: &Exchange) -> Option<&'a Http> {
    let client = e.client.and_then(|c| calls[c].as_ref());
    let server = e.server.and_then(|s| calls[s].as_ref());
    match (client, server) {
        (Some(c), Some(s)) if !c.full && s.full => Some(s),
        (Some(c), _) => Some(c),
        (None, s) => s,
    }
}

fn hints(spans: &[Span], exchanges: &[Exchange], e: &Exchange) -> Hints {
    let top = &spans[e.top()];
    let own = exchange_key(spans, e);
    Hints {
        pair: Some(own),
        exact: true,
        own: Some(own),
        parent: e.parent.map(|p| exchange_key(spans, &exchanges[p])),
        started: top.start,
        ended: top.end,
    }
}

fn request(
    spans: &[Span],
    calls: &[Option<Http>],
    exchanges: &[Exchange],
    e: usize,
    parent_of: &[Option<usize>],
) -> OwnedRecord {
    let ex = &exchanges[e];
    let (from, to) = parties(spans, calls, ex, parent_of);
    let call = call_of(calls, ex);
    let client = ex.client.and_then(|c| calls[c].as_ref());
    let server = ex.server.and_then(|s| calls[s].as_ref());
    let headers = merge(
        client.map_or(&[][..], |h| &h.request),
        server.map_or(&[][..], |h| &h.request),
    );
    let top = &spans[ex.top()];
    OwnedRecord {
        record: Record {
            at: At::default(),
            direction: Direction::Request,
            from: Cow::Owned(from),
            to: Cow::Owned(to),
            method: owned(call.map_or("", |c| &c.method)),
            url: owned(call.map_or("", |c| &c.url)),
            status: None,
            headers: header_lines(&headers),
            body: Body::none(),
            id: Some(owned(&top.id)),
            hints: hints(spans, exchanges, ex),
        },
        place: top.place.clone(),
    }
}

/// The response of an exchange, when a status code was recorded.
fn response(
    spans: &[Span],
    calls: &[Option<Http>],
    exchanges: &[Exchange],
    e: usize,
    parent_of: &[Option<usize>],
) -> Option<OwnedRecord> {
    let ex = &exchanges[e];
    let client = ex.client.and_then(|c| calls[c].as_ref());
    let server = ex.server.and_then(|s| calls[s].as_ref());
    let code = server
        .and_then(|h| h.status)
        .or_else(|| client.and_then(|h| h.status))?;
    let call = call_of(calls, ex)?;
    let headers = merge(
        server.map_or(&[][..], |h| &h.response),
        client.map_or(&[][..], |h| &h.response),
    );
    let (from, to) = parties(spans, calls, ex, parent_of);
    let text = match reason(code) {
        "" => code.to_string(),
        r => format!("{code} {r}"),
    };
    let top = &spans[ex.top()];
    Some(OwnedRecord {
        record: Record {
            at: At::default(),
            direction: Direction::Response,
            from: Cow::Owned(from),
            to: Cow::Owned(to),
            method: owned(&call.method),
            url: owned(&call.url),
            status: Some(Status {
                code: Some(code),
                text: Cow::Owned(text),
            }),
            headers: header_lines(&headers),
            body: Body::none(),
            id: Some(owned(&top.id)),
            hints: hints(spans, exchanges, ex),
        },
        place: top.place.clone(),
    })
}

/// A JSON attribute value as text: strings as they are, numbers and
/// booleans as written, arrays as one text per element, anything else as
/// its JSON.
pub fn texts(v: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    match v {
        Value::Null => Vec::new(),
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(texts).collect(),
        other => vec![other.to_string()],
    }
}

/// A span or trace id as lowercase hex: hex stays hex (leading zeros
/// kept), base64 (as older OTLP JSON wrote the bytes) is decoded. An id
/// that is neither is kept as written. All zeros and empty mean none.
/// `base64` says whether the format may write ids in base64 (only older
/// OTLP JSON does; Jaeger drops leading zeros of hex ids, which could make
/// one look like base64).
pub fn id(raw: &str, base64_ok: bool) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let hex = raw.bytes().all(|b| b.is_ascii_hexdigit());
    let text = if !base64_ok || (hex && (raw.len() == 16 || raw.len() == 32 || !looks_base64(raw)))
    {
        raw.to_ascii_lowercase()
    } else {
        match super::base64::decode(raw) {
            Some(bytes) if !bytes.is_empty() => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            _ => raw.to_string(),
        }
    };
    (!text.bytes().all(|b| b == b'0')).then_some(text)
}

fn looks_base64(s: &str) -> bool {
    s.len() % 4 == 0
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

/// A time in some unit since the epoch, as nanoseconds: a JSON number or
/// a decimal string (OTLP writes 64-bit integers as strings).
pub fn nanos(v: Option<&serde_json::Value>, per_unit: i64) -> Option<i64> {
    let v = v?;
    let n = match v {
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok()?,
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|u| u.min(i64::MAX as u64) as i64))
            .or_else(|| n.as_f64().map(|f| f as i64))?,
        _ => return None,
    };
    Some(n.saturating_mul(per_unit))
}

/// A JSON string field, or a number written as text.
pub fn text(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_hex_and_base64_are_the_same() {
        assert_eq!(
            id("5B8EFFF798038103D269B633813FC60C", true).as_deref(),
            Some("5b8efff798038103d269b633813fc60c")
        );
        assert_eq!(
            id("W47/95gDgQPSabYzgT/GDA==", true).as_deref(),
            Some("5b8efff798038103d269b633813fc60c")
        );
        assert_eq!(
            id("7uGbfsPBsXM=", true).as_deref(),
            Some("eee19b7ec3c1b173")
        );
        assert_eq!(
            id("eee19b7ec3c1b173", true).as_deref(),
            Some("eee19b7ec3c1b173")
        );
        assert_eq!(id("", true).as_deref(), None);
        assert_eq!(id("0000000000000000", true).as_deref(), None);
        assert_eq!(id("AAAAAAAAAAA=", true).as_deref(), None);
        assert_eq!(id("abc", true).as_deref(), Some("abc"));
    }

    fn span(id: &str, parent: Option<&str>, kind: Kind, service: &str, start: i64) -> Span {
        Span {
            trace: "t".into(),
            id: id.into(),
            parent: parent.map(String::from),
            kind,
            service: service.into(),
            start: Some(start),
            end: Some(start + 100),
            attrs: Vec::new(),
            place: format!("spans[{id}]"),
        }
    }

    fn with(mut s: Span, attrs: &[(&str, &str)]) -> Span {
        s.attrs = attrs
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect();
        s
    }

    /// `from -> to METHOD url [status]` of each record, in order.
    fn lines(spans: &[Span]) -> Vec<String> {
        records(spans)
            .iter()
            .map(|r| {
                let r = &r.record;
                match &r.status {
                    None => format!("{} -> {} {} {}", r.from, r.to, r.method, r.url),
                    Some(s) => format!("{} <- {} {}", r.from, r.to, s.text),
                }
            })
            .collect()
    }

    const GET: &[(&str, &str)] = &[
        ("http.method", "GET"),
        ("http.url", "http://h:9292/v2/images"),
        ("http.status_code", "200"),
    ];

    #[test]
    fn a_client_and_its_server_span_are_one_call() {
        let spans = [
            with(span("c", None, Kind::Client, "cli", 0), GET),
            with(
                span("s", Some("c"), Kind::Server, "glance", 10),
                &[
                    ("http.request.method", "GET"),
                    ("url.path", "/v2/images"),
                    ("http.response.status_code", "200"),
                ],
            ),
        ];
        assert_eq!(
            lines(&spans),
            [
                "cli -> glance GET http://h:9292/v2/images",
                "cli <- glance 200 OK"
            ]
        );
    }

    #[test]
    fn calls_under_non_http_spans_nest_in_the_nearest_call() {
        let spans = [
            with(span("root", None, Kind::Server, "glance", 0), GET),
            span("db", Some("root"), Kind::Server, "glance", 5),
            with(
                span("k", Some("db"), Kind::Client, "glance", 10),
                &[
                    ("http.method", "POST"),
                    ("http.url", "http://ks/v3/auth/tokens"),
                ],
            ),
        ];
        let recs = records(&spans);
        assert_eq!(recs.len(), 3, "no status: the call gets no response");
        let (root, child) = (&recs[0].record, &recs[1].record);
        assert_eq!(child.hints.parent, root.hints.own);
        assert_eq!(root.from, UNKNOWN_CALLER);
        assert_eq!(child.to, "ks", "no server span: the URL's host");
        assert_eq!(
            recs[2].record.status.as_ref().map(|s| s.code),
            Some(Some(200))
        );
    }

    #[test]
    fn call_tree_order_beats_skewed_clocks() {
        // The server's clock is behind: its span seems to start before its caller's.
        let spans = [
            with(span("s", Some("c"), Kind::Server, "glance", -500), GET),
            with(span("c", None, Kind::Client, "cli", 0), GET),
            with(span("late", None, Kind::Client, "cli", 200), GET),
        ];
        let l = lines(&spans);
        assert_eq!(l.len(), 4);
        assert!(l[0].starts_with("cli -> glance"), "{l:?}");
        assert!(l[2].starts_with("cli -> h:9292"), "{l:?}");
    }

    #[test]
    fn one_call_traced_twice_in_one_service_is_one_call() {
        let spans = [
            with(span("outer", None, Kind::Server, "glance", 0), GET),
            with(span("inner", Some("outer"), Kind::Server, "glance", 1), GET),
            with(span("child", Some("inner"), Kind::Server, "swift", 2), GET),
        ];
        let recs = records(&spans);
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[1].record.from, "glance");
        assert_eq!(recs[1].record.hints.parent, recs[0].record.hints.own);
    }

    #[test]
    fn a_span_exported_twice_counts_once() {
        let a = with(span("a", None, Kind::Server, "x", 0), GET);
        let b = with(span("b", Some("a"), Kind::Server, "y", 5), GET);
        assert_eq!(records(&[a.clone(), b.clone(), a, b]).len(), 4);
    }

    #[test]
    fn parent_loops_end() {
        let spans = [
            with(span("a", Some("b"), Kind::Server, "x", 0), GET),
            with(span("b", Some("a"), Kind::Server, "y", 1), GET),
            span("c", Some("d"), Kind::Server, "z", 2),
            with(span("d", Some("c"), Kind::Client, "z", 3), GET),
        ];
        let recs = records(&spans);
        assert_eq!(recs.len(), 6, "every call once");
        let mut drawn = Vec::new();
        for r in recs.iter().filter(|r| r.record.is_request()) {
            if let Some(p) = r.record.hints.parent {
                assert!(drawn.contains(&p), "a parent comes before its children");
            }
            drawn.extend(r.record.hints.own);
        }
    }

    #[test]
    fn header_attributes_become_header_names() {
        assert_eq!(header_name("x_auth_token"), "X-Auth-Token");
        assert_eq!(header_name("content-type"), "Content-Type");
    }
}
