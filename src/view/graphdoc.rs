//! The call graph as data: JSON for tools, Graphviz DOT for pictures.
//!
//! `tracedoc graph INPUT --format json` prints a [`GraphDoc`]: every record,
//! every exchange with its parent, children and request ids, the tokens and
//! the variables, with the same step numbers as the diagram. Its shape is
//! versioned ([`SCHEMA`]) and documented in `docs/graph.md` and
//! `docs/graph.schema.json`.
//!
//! The graph gives only the structure (ids, parents, children, depth);
//! every text (URLs, paths, names, request ids) is read again from the
//! shown (redacted) records, so nothing here can print a secret that the
//! page does not. Token values are never included.
//!
//! The document is never held whole: records and exchanges are made a
//! batch at a time, on every core, and written as they are made
//! ([`GraphDoc::write_json`], [`GraphDoc::write_dot`]), so memory stays
//! bounded by a batch whatever the size of the capture.

use std::fmt;
use std::io::{self, Write};

use rayon::prelude::*;
use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::model::{Direction, Record};
use crate::openstack::{PROPAGATED_IDS, RESPONSE_IDS};
use crate::view::page::{Link, Page, Status, TokenRow, VariableRow};
use crate::view::shown::Shown;

/// The version of the JSON document, its first field. It changes only when
/// a field is removed, renamed or changes meaning or type; fields may be
/// added within a version (docs/graph.md, "Stability").
pub const SCHEMA: &str = "tracedoc-graph/1";

/// How many records or exchanges are made at once (in parallel) before
/// they are written: what bounds the memory of a graph.
const BATCH: usize = 4096;

/// Totals, to check a graph against its input at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub records: usize,
    pub requests: usize,
    pub responses: usize,
    pub exchanges: usize,
    /// Exchanges with both a request and a response.
    pub paired: usize,
    /// Requests that never got a response.
    pub unanswered: usize,
    /// Responses with no request.
    pub unrequested: usize,
    pub roots: usize,
    /// Records dropped by filters.
    pub omitted: usize,
    pub tokens: usize,
    pub variables: usize,
}

/// A point in time, in nanoseconds since the Unix epoch, written as an
/// RFC 3339 UTC timestamp with as many fraction digits as it needs (0, 3,
/// 6 or 9): `2026-11-27T17:06:32.123Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time(pub i64);

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = chrono::DateTime::from_timestamp_nanos(self.0);
        f.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One record, without headers and body.
#[derive(Debug, Clone, Serialize)]
pub struct RecordDoc {
    pub index: usize,
    pub line: usize,
    pub direction: Direction,
    pub from: String,
    pub to: String,
    pub method: String,
    pub url: String,
    pub status: Option<Status>,
    /// The exchange it belongs to.
    pub exchange: usize,
    /// Its diagram step, if shown.
    pub step: Option<usize>,
    /// The capture format's own id of its exchange (requestshook's
    /// `X-Requestshook-Request-Id`), if it has one.
    pub id: Option<String>,
    /// When it was sent, where the format records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Time>,
    /// When its exchange ended, where the format records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<Time>,
}

/// The ids an exchange is known by, to join the graph against service logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ids {
    /// The capture format's own id of the exchange (requestshook's
    /// `X-Requestshook-Request-Id`): the request's, else the response's.
    pub capture: Option<String>,
    /// The OpenStack request ids the request carried
    /// ([`PROPAGATED_IDS`]: the global request id of the call it was made
    /// for), in header order, each once.
    pub request: Vec<String>,
    /// The OpenStack request ids the response named ([`RESPONSE_IDS`]: the
    /// id the service served it under, as in its logs), in header order,
    /// each once.
    pub response: Vec<String>,
}

/// One exchange (call).
#[derive(Debug, Clone, Serialize)]
pub struct ExchangeDoc {
    pub id: usize,
    pub from: String,
    pub to: String,
    pub method: String,
    pub path: String,
    pub status: Option<String>,
    /// Record indexes of request and response.
    pub request: Option<usize>,
    pub response: Option<usize>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub depth: usize,
    /// Diagram steps of the request and the response.
    pub steps: (Option<usize>, Option<usize>),
    /// The API operation, when the catalog knows it.
    pub api: Option<Link>,
    pub omitted: bool,
    pub ids: Ids,
    /// The earliest time its records were sent, where the format records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Time>,
    /// The latest time its records say it ended, where the format records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<Time>,
}

/// A record that could not be read again (the file changed under us).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub index: usize,
    pub line: usize,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record {} (line {}) could not be read again: did the capture change while it was read?",
            self.index, self.line
        )
    }
}

impl std::error::Error for Unreadable {}

/// The whole call graph of a capture, made as it is written.
pub struct GraphDoc<'c> {
    shown: Shown<'c>,
    capture: String,
    tokens: Vec<TokenRow>,
    variables: Vec<VariableRow>,
}

impl<'c> GraphDoc<'c> {
    /// The document of a capture as shown (every text is read again from
    /// the shown, redacted records) and the tables of its page.
    pub fn new(shown: Shown<'c>, page: Page) -> GraphDoc<'c> {
        GraphDoc {
            shown,
            capture: page.capture,
            tokens: page.tokens,
            variables: page.variables,
        }
    }

    /// The totals, from the analysis alone.
    pub fn counts(&self) -> Counts {
        let a = self.shown.analysis;
        let graph = &a.graph;
        let requests = a
            .scan
            .facts
            .iter()
            .filter(|f| f.direction == Direction::Request)
            .count();
        Counts {
            records: a.records(),
            requests,
            responses: a.records() - requests,
            exchanges: graph.exchanges.len(),
            paired: graph.exchanges.iter().filter(|e| !e.is_unpaired()).count(),
            unanswered: graph
                .exchanges
                .iter()
                .filter(|e| e.response.is_none())
                .count(),
            unrequested: graph
                .exchanges
                .iter()
                .filter(|e| e.request.is_none())
                .count(),
            roots: graph.roots.len(),
            omitted: a.dropped.iter().filter(|&&d| d).count(),
            tokens: self.tokens.len(),
            variables: self.variables.len(),
        }
    }

    /// Record `i` as shown, read again, without its body: the graph shows
    /// none, and redacting a body is most of what redaction costs. (What
    /// redaction makes of the head, URL and headers does not depend on the
    /// body: the secrets it holds were found in the first pass.)
    fn read(&self, i: usize) -> Result<Record<'c>, Unreadable> {
        let facts = self.shown.analysis.scan.facts.get(i);
        let unreadable = || Unreadable {
            index: i,
            line: facts.map_or(0, |f| f.at.line as usize),
        };
        let record = facts
            .and_then(|f| self.shown.capture.head(f.at))
            .ok_or_else(unreadable)?;
        Ok(match &self.shown.redaction {
            Some(r) => r.rules.redact(&record, r.hunter),
            None => record,
        })
    }

    /// The format's id of a record, redacted like every other text.
    fn capture_id(&self, r: &Record<'_>) -> Option<String> {
        r.id.as_deref().map(|id| self.shown.text(id).into_owned())
    }

    /// Record `i` as the document shows it.
    pub fn record(&self, i: usize) -> Result<RecordDoc, Unreadable> {
        let r = self.read(i)?;
        let graph = &self.shown.analysis.graph;
        Ok(RecordDoc {
            index: i,
            line: r.at.line as usize,
            direction: r.direction,
            from: r.from.to_string(),
            to: r.to.to_string(),
            method: r.method.to_string(),
            url: r.url.to_string(),
            status: r.status.as_ref().map(|s| Status {
                code: s.code,
                text: s.text.to_string(),
            }),
            exchange: graph.by_record.get(i).map_or(usize::MAX, |&e| e as usize),
            step: self.shown.number(i),
            id: self.capture_id(&r),
            started: r.hints.started.map(Time),
            ended: r.hints.ended.map(Time),
        })
    }

    /// Exchange `id` as the document shows it: its texts from its request
    /// (else its response), its status and response ids from its response.
    pub fn exchange(&self, id: usize) -> Result<ExchangeDoc, Unreadable> {
        let a = self.shown.analysis;
        let e = &a.graph.exchanges[id];
        let request = e.request.map(|q| self.read(q as usize)).transpose()?;
        let response = e.response.map(|r| self.read(r as usize)).transpose()?;
        let number = |i: Option<u32>| i.and_then(|i| self.shown.number(i as usize));
        let first = request.as_ref().or(response.as_ref());
        let text =
            |f: for<'x> fn(&'x Record<'c>) -> &'x str| first.map(f).unwrap_or_default().to_string();
        let records = request.iter().chain(&response);
        Ok(ExchangeDoc {
            id,
            from: text(|r| r.from.as_ref()),
            to: text(|r| r.to.as_ref()),
            method: text(|r| r.method.as_ref()),
            path: text(|r| r.path()),
            status: response
                .as_ref()
                .and_then(|r| r.status.as_ref())
                .map(|s| s.text.to_string()),
            request: e.request.map(|q| q as usize),
            response: e.response.map(|r| r as usize),
            parent: e.parent.map(|p| p as usize),
            children: e.children.iter().map(|&c| c as usize).collect(),
            depth: e.depth as usize,
            steps: (number(e.request), number(e.response)),
            api: e.request.and_then(|q| self.shown.api(q as usize)),
            omitted: a.is_dropped(e.first()),
            ids: Ids {
                capture: request
                    .as_ref()
                    .and_then(|r| self.capture_id(r))
                    .or_else(|| response.as_ref().and_then(|r| self.capture_id(r))),
                request: header_values(request.as_ref(), PROPAGATED_IDS),
                response: header_values(response.as_ref(), RESPONSE_IDS),
            },
            started: records
                .clone()
                .filter_map(|r| r.hints.started)
                .min()
                .map(Time),
            ended: records.filter_map(|r| r.hints.ended).max().map(Time),
        })
    }

    /// Items `0..n` made by `make` a batch at a time on every core, in
    /// order.
    fn sweep<'s, T: Send + 's>(
        &'s self,
        n: usize,
        make: impl Fn(usize) -> Result<T, Unreadable> + Sync + 's,
    ) -> impl Iterator<Item = Result<T, Unreadable>> + 's {
        (0..n.div_ceil(BATCH)).flat_map(move |b| {
            let range = b * BATCH..n.min((b + 1) * BATCH);
            let made: Vec<_> = range.into_par_iter().map(&make).collect();
            made
        })
    }

    /// Every record, in order.
    pub fn records(&self) -> impl Iterator<Item = Result<RecordDoc, Unreadable>> + '_ {
        self.sweep(self.shown.analysis.records(), |i| self.record(i))
    }

    /// Every exchange, in order.
    pub fn exchanges(&self) -> impl Iterator<Item = Result<ExchangeDoc, Unreadable>> + '_ {
        let exchanges = &self.shown.analysis.graph.exchanges;
        self.sweep(exchanges.len(), |k| self.exchange(k))
    }

    /// Writes the document as pretty JSON (two-space indent), record by
    /// record. No newline after it.
    pub fn write_json<W: Write>(&self, out: W) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(out, self)
    }

    /// Graphviz DOT: one node per exchange, edges from each call to the calls
    /// made while serving it, roots under a node for the capture. Exchange
    /// by exchange; one statement per line.
    pub fn write_dot<W: Write>(&self, mut out: W) -> io::Result<()> {
        out.write_all(
            b"digraph trace {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
        )?;
        writeln!(
            out,
            "  capture [shape=ellipse, label=\"{}\"];",
            dot_escape(&self.capture)
        )?;
        let vars: std::collections::HashMap<&str, &str> = self
            .variables
            .iter()
            .map(|v| (v.value.as_str(), v.name.as_str()))
            .collect();
        for e in self.exchanges() {
            let e = e.map_err(io::Error::other)?;
            let step = e
                .steps
                .0
                .or(e.steps.1)
                .map(|n| format!("{n}. "))
                .unwrap_or_default();
            let status = e.status.as_deref().unwrap_or("(no response)");
            let label = format!(
                "{step}{} -> {}\\n{} {}\\n{}",
                e.from,
                e.to,
                e.method,
                placeholders(&e.path, &vars),
                status
            );
            let style = if e.omitted { ", style=dashed" } else { "" };
            writeln!(
                out,
                "  e{} [label=\"{}\"{style}];",
                e.id,
                dot_escape_keep_newlines(&label)
            )?;
        }
        let graph = &self.shown.analysis.graph;
        for &r in &graph.roots {
            writeln!(out, "  capture -> e{r};")?;
        }
        for (id, e) in graph.exchanges.iter().enumerate() {
            for c in &e.children {
                writeln!(out, "  e{id} -> e{c};")?;
            }
        }
        out.write_all(b"}\n")
    }
}

/// The distinct non-empty values of the headers named `names`
/// (case-insensitive), in header order.
fn header_values(record: Option<&Record<'_>>, names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in record.into_iter().flat_map(|r| &r.headers) {
        if let Some(v) = h.value.as_deref().filter(|v| !v.is_empty()) {
            if names.iter().any(|n| h.is(n)) && !out.iter().any(|o| o == v) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// Writes a sequence as it is made, failing on the first item that cannot be.
struct Each<F>(F);

impl<F, I, T> Serialize for Each<F>
where
    F: Fn() -> I,
    I: Iterator<Item = Result<T, Unreadable>>,
    T: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = (self.0)();
        let mut seq = s.serialize_seq(items.size_hint().1)?;
        for item in items {
            seq.serialize_element(&item.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

impl Serialize for GraphDoc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut doc = s.serialize_struct("GraphDoc", 8)?;
        doc.serialize_field("schema", SCHEMA)?;
        doc.serialize_field("capture", &self.capture)?;
        doc.serialize_field("counts", &self.counts())?;
        doc.serialize_field("records", &Each(|| self.records()))?;
        doc.serialize_field("exchanges", &Each(|| self.exchanges()))?;
        doc.serialize_field("roots", &self.shown.analysis.graph.roots)?;
        doc.serialize_field("tokens", &self.tokens)?;
        doc.serialize_field("variables", &self.variables)?;
        doc.end()
    }
}

/// A path with every segment that is a variable's value written as the
/// variable (`/v2/images/{image_id}/file`), as the diagram writes it.
fn placeholders(path: &str, vars: &std::collections::HashMap<&str, &str>) -> String {
    path.split('/')
        .map(|seg| match vars.get(seg) {
            Some(name) => format!("{{{name}}}"),
            None => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn dot_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            '\n' | '\r' => vec![' '],
            c if c.is_control() => vec![],
            c => vec![c],
        })
        .collect()
}

/// Like [`dot_escape`], but keeps the `\n` line breaks written as two characters.
fn dot_escape_keep_newlines(s: &str) -> String {
    s.split("\\n")
        .map(dot_escape)
        .collect::<Vec<_>>()
        .join("\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Header;
    use std::borrow::Cow;

    #[test]
    fn dot_strings_cannot_break_out() {
        assert_eq!(dot_escape("a\"b\\c\nd"), "a\\\"b\\\\c d");
        assert_eq!(dot_escape_keep_newlines("x\\ny\""), "x\\ny\\\"");
    }

    #[test]
    fn times_are_rfc3339_utc_with_the_digits_they_need() {
        assert_eq!(Time(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Time(1_795_798_000_123_000_000).to_string(),
            "2026-11-27T16:46:40.123Z"
        );
        assert_eq!(
            Time(1_795_798_000_000_001_000).to_string(),
            "2026-11-27T16:46:40.000001Z"
        );
        assert_eq!(
            Time(1_795_798_000_000_000_007).to_string(),
            "2026-11-27T16:46:40.000000007Z"
        );
        assert_eq!(Time(-1_000_000_000).to_string(), "1969-12-31T23:59:59Z");
        // The ends of the range do not panic.
        assert!(Time(i64::MIN).to_string().starts_with("1677-09-21T"));
        assert!(Time(i64::MAX).to_string().starts_with("2262-04-11T"));
        assert_eq!(
            serde_json::to_string(&Time(0)).unwrap(),
            "\"1970-01-01T00:00:00Z\""
        );
    }

    fn record_doc(started: Option<i64>, ended: Option<i64>) -> RecordDoc {
        RecordDoc {
            index: 0,
            line: 1,
            direction: Direction::Request,
            from: "a".into(),
            to: "b".into(),
            method: "GET".into(),
            url: "/".into(),
            status: None,
            exchange: 0,
            step: Some(1),
            id: None,
            started: started.map(Time),
            ended: ended.map(Time),
        }
    }

    #[test]
    fn times_are_left_out_when_the_format_has_none() {
        let v = serde_json::to_value(record_doc(None, None)).unwrap();
        assert!(
            v.get("started").is_none() && v.get("ended").is_none(),
            "{v}"
        );
        assert!(v["id"].is_null());
        let v = serde_json::to_value(record_doc(Some(0), Some(1_500_000))).unwrap();
        assert_eq!(v["started"], "1970-01-01T00:00:00Z");
        assert_eq!(v["ended"], "1970-01-01T00:00:00.001500Z");
    }

    #[test]
    fn request_ids_are_read_from_the_named_headers_once_each_in_order() {
        let h = |n: &'static str, v: Option<&'static str>| Header {
            name: Cow::Borrowed(n),
            value: v.map(Cow::Borrowed),
        };
        let mut r = Record::test_request("a", "b", "GET", "/", &[], "none");
        r.headers = vec![
            h("X-Compute-Request-Id", Some("req-2")),
            h("Content-Type", Some("req-x")),
            h("x-openstack-request-id", Some("req-1")),
            h("X-OpenStack-Request-ID", Some("req-2")),
            h("X-OPENSTACK-REQUEST-ID", Some("")),
            h("X-OpenStack-Request-ID", None),
        ];
        assert_eq!(header_values(Some(&r), RESPONSE_IDS), ["req-2", "req-1"]);
        assert_eq!(header_values(Some(&r), PROPAGATED_IDS), ["req-1", "req-2"]);
        assert!(header_values(None, RESPONSE_IDS).is_empty());
    }
}
