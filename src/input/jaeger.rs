//! Jaeger's JSON (`docs/formats.md`): what the Jaeger UI's "Download JSON"
//! and the query API (`/api/traces`) give.
//!
//! Accepted shapes: `{"data": [trace, ...]}`, a list of traces, or one
//! trace. A trace is `{"traceID", "spans": [...], "processes": {id:
//! {"serviceName", "tags"}}}`; a span has `spanID`, `references`
//! (`CHILD_OF`, else `FOLLOWS_FROM`) or the older `parentSpanID`,
//! `startTime` and `duration` in microseconds, `tags` as
//! `{"key", "type", "value"}` (the kind in `span.kind`), `processID` (or
//! an embedded `process`). Span logs are not shown on the pages.

use std::path::Path;

use serde_json::Value;

use super::spans::{self, Kind, Span};
use super::{otlp, Capture, Format};
use crate::error::Result;

/// Whether the start of a file looks like Jaeger JSON.
pub fn sniff(head: &[u8]) -> bool {
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    matches!(first, Some(b'{') | Some(b'['))
        && memchr::memmem::find(head, b"\"spanID\"").is_some()
        && memchr::memmem::find(head, b"\"resourceSpans\"").is_none()
}

/// Reads a whole Jaeger JSON file.
pub fn open(path: &Path, input: &[u8]) -> Result<Capture> {
    let mut diagnostics = Vec::new();
    let mut spans = Vec::new();
    otlp::each_document(path, input, &mut diagnostics, &mut |prefix, doc| {
        let (traces, name): (Vec<&Value>, &str) = match doc {
            Value::Array(items) => (items.iter().collect(), ""),
            Value::Object(o) if o.contains_key("data") => (
                o.get("data")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().collect())
                    .unwrap_or_default(),
                "data",
            ),
            other => (vec![other], ""),
        };
        for (t, trace) in traces.iter().enumerate() {
            let at = if name.is_empty() && traces.len() == 1 {
                String::new()
            } else if name.is_empty() {
                format!("[{t}].")
            } else {
                format!("{name}[{t}].")
            };
            read_trace(trace, &format!("{prefix}{at}"), &mut spans);
        }
    })?;
    otlp::finish(path, Format::Jaeger, input, &spans, diagnostics)
}

fn read_trace(trace: &Value, prefix: &str, out: &mut Vec<Span>) {
    let processes = trace.get("processes");
    let Some(list) = trace.get("spans").and_then(Value::as_array) else {
        return;
    };
    for (k, v) in list.iter().enumerate() {
        let Some(id) = v
            .get("spanID")
            .and_then(Value::as_str)
            .and_then(|s| spans::id(s, false))
        else {
            continue;
        };
        let trace_id = v
            .get("traceID")
            .or_else(|| trace.get("traceID"))
            .and_then(Value::as_str)
            .and_then(|s| spans::id(s, false))
            .unwrap_or_default();
        let process = v.get("process").or_else(|| {
            let pid = v.get("processID")?.as_str()?;
            processes?.get(pid)
        });
        let service = process
            .and_then(|p| p.get("serviceName"))
            .and_then(Value::as_str)
            .unwrap_or(spans::UNKNOWN_SERVICE)
            .to_string();
        let attrs = tags(v.get("tags"));
        let kind = attrs
            .iter()
            .find(|(key, _)| key == "span.kind")
            .and_then(|(_, vals)| vals.first())
            .is_some_and(|k| k.eq_ignore_ascii_case("client"));
        let start = spans::nanos(v.get("startTime"), 1000);
        let end =
            spans::nanos(v.get("duration"), 1000).and_then(|d| start.map(|s| s.saturating_add(d)));
        out.push(Span {
            trace: trace_id,
            id,
            parent: parent(v),
            kind: if kind { Kind::Client } else { Kind::Server },
            service,
            start,
            end,
            attrs,
            place: format!("{prefix}spans[{k}]"),
        });
    }
}

/// The span's parent: its `CHILD_OF` reference, else its first reference,
/// else `parentSpanID`.
fn parent(v: &Value) -> Option<String> {
    let refs = v
        .get("references")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let span_of = |r: &Value| {
        r.get("spanID")
            .and_then(Value::as_str)
            .and_then(|s| spans::id(s, false))
    };
    refs.iter()
        .find(|r| r.get("refType").and_then(Value::as_str) == Some("CHILD_OF"))
        .and_then(span_of)
        .or_else(|| refs.first().and_then(span_of))
        .or_else(|| {
            v.get("parentSpanID")
                .and_then(Value::as_str)
                .and_then(|s| spans::id(s, false))
        })
}

/// Jaeger tags (`{"key", "type", "value"}`) as attribute texts.
fn tags(v: Option<&Value>) -> Vec<(String, Vec<String>)> {
    let Some(list) = v.and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|t| {
            let key = t.get("key")?.as_str()?;
            Some((key.to_string(), spans::texts(t.get("value")?)))
        })
        .collect()
}
