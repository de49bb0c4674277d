//! OpenTelemetry traces in OTLP JSON (`docs/formats.md`).
//!
//! Accepted shapes:
//! - one `ExportTraceServiceRequest` document: `resourceSpans[]`, each with
//!   a `resource` (whose `service.name` attribute names the participant)
//!   and `scopeSpans[]` (or the older `instrumentationLibrarySpans[]`) of
//!   `spans[]`;
//! - the collector's file exporter: one such document per line (JSON lines);
//!   a line that does not parse is reported and left out;
//! - ids in hex (OTLP/JSON as specified) or base64 (older exporters wrote
//!   the bytes' protobuf JSON mapping); times as nanosecond strings or
//!   numbers; kinds as integers (`3`) or names (`SPAN_KIND_CLIENT`);
//!   attribute values as `AnyValue` objects (`stringValue`, `intValue`,
//!   `arrayValue`, ...). snake_case field names (`resource_spans`) too.
//!
//! Span events are not shown on the pages (the model has no place for
//! them), so nothing they hold can reach the output.

use std::path::Path;

use serde_json::Value;

use super::spans::{self, Kind, Span};
use super::{Capture, Format};
use crate::error::{Diagnostic, DiagnosticKind, Error, Result};
use crate::model::Lack;

/// Whether the start of a file looks like OTLP JSON.
pub fn sniff(head: &[u8]) -> bool {
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    first == Some(&b'{')
        && (memchr::memmem::find(head, b"\"resourceSpans\"").is_some()
            || memchr::memmem::find(head, b"\"resource_spans\"").is_some())
}

/// Reads a whole OTLP JSON file.
pub fn open(path: &Path, input: &[u8]) -> Result<Capture> {
    let mut diagnostics = Vec::new();
    let mut spans = Vec::new();
    each_document(path, input, &mut diagnostics, &mut |prefix, doc| {
        read_document(doc, prefix, &mut spans);
    })?;
    finish(path, Format::Otlp, input, &spans, diagnostics)
}

/// Visits the JSON documents of a file, with the prefix that places what
/// is in them (`""` for a whole-file document, `"line N: "` for JSON
/// lines): the whole file, or one per line. A line is parsed, visited and
/// dropped before the next is read, so a file exporter's output costs the
/// spans kept from it, not a JSON tree of every line at once.
pub(crate) fn each_document(
    path: &Path,
    input: &[u8],
    diagnostics: &mut Vec<Diagnostic>,
    visit: &mut dyn FnMut(&str, &Value),
) -> Result<()> {
    let whole = match serde_json::from_slice::<Value>(input) {
        Ok(v) => {
            visit("", &v);
            return Ok(());
        }
        Err(e) => e,
    };
    let mut docs = 0usize;
    for (i, line) in input.split(|&b| b == b'\n').enumerate() {
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(trimmed) {
            Ok(v) => {
                docs += 1;
                visit(&format!("line {}: ", i + 1), &v);
            }
            Err(e) => diagnostics.push(Diagnostic {
                path: path.to_path_buf(),
                line: i + 1,
                entry: None,
                kind: DiagnosticKind::Skipped,
                message: format!("not a JSON document ({e}); line left out"),
                quote: None,
            }),
        }
    }
    if docs == 0 {
        return Err(Error::Unreadable {
            path: path.to_path_buf(),
            format: "JSON",
            message: whole.to_string(),
        });
    }
    Ok(())
}

/// Makes the capture of decoded spans, or says why there is nothing to show.
pub(crate) fn finish(
    path: &Path,
    format: Format,
    input: &[u8],
    spans: &[Span],
    diagnostics: Vec<Diagnostic>,
) -> Result<Capture> {
    let records = spans::records(spans);
    if records.is_empty() {
        return Err(Error::Unreadable {
            path: path.to_path_buf(),
            format: format.name(),
            message: format!(
                "no HTTP call among its {} span(s) (a span is an HTTP call when it has an \
                 `http.request.method` or `http.method` attribute)",
                spans.len()
            ),
        });
    }
    let headers = records.iter().any(|r| !r.record.headers.is_empty());
    // Spans carry no bodies; header attributes only where the service
    // was told to record them.
    let mut lacks = vec![Lack::Bodies];
    if !headers {
        lacks.push(Lack::Headers);
    }
    Ok(Capture::from_records(path, format, input, records, diagnostics).lacking(lacks))
}

/// A field by its OTLP JSON name or its protobuf (snake_case) name.
fn field<'a>(v: &'a Value, camel: &str, snake: &str) -> Option<&'a Value> {
    v.get(camel).or_else(|| v.get(snake))
}

fn list<'a>(v: &'a Value, camel: &str, snake: &str) -> &'a [Value] {
    field(v, camel, snake)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}

/// The spans of one document, appended to `out`.
fn read_document(doc: &Value, prefix: &str, out: &mut Vec<Span>) {
    let resources = list(doc, "resourceSpans", "resource_spans");
    for (r, rs) in resources.iter().enumerate() {
        let resource = attributes(
            field(rs, "resource", "resource")
                .map(|res| list(res, "attributes", "attributes"))
                .unwrap_or(&[]),
        );
        let service = resource
            .iter()
            .find(|(k, _)| k == "service.name")
            .and_then(|(_, v)| v.first().cloned())
            .unwrap_or_else(|| spans::UNKNOWN_SERVICE.to_string());
        for (scopes, name) in [
            (list(rs, "scopeSpans", "scope_spans"), "scopeSpans"),
            (
                list(
                    rs,
                    "instrumentationLibrarySpans",
                    "instrumentation_library_spans",
                ),
                "instrumentationLibrarySpans",
            ),
        ] {
            for (s, scope) in scopes.iter().enumerate() {
                for (k, span) in list(scope, "spans", "spans").iter().enumerate() {
                    let place = format!("{prefix}resourceSpans[{r}].{name}[{s}].spans[{k}]");
                    if let Some(span) = read_span(span, &service, place) {
                        out.push(span);
                    }
                }
            }
        }
    }
}

fn read_span(v: &Value, service: &str, place: String) -> Option<Span> {
    let id_of = |camel: &str, snake: &str| {
        field(v, camel, snake)
            .and_then(Value::as_str)
            .and_then(|s| spans::id(s, true))
    };
    let id = id_of("spanId", "span_id")?;
    let kind = match field(v, "kind", "kind") {
        Some(Value::Number(n)) => n.as_u64() == Some(3),
        Some(Value::String(s)) => s == "SPAN_KIND_CLIENT" || s == "3" || s == "CLIENT",
        _ => false,
    };
    Some(Span {
        trace: id_of("traceId", "trace_id").unwrap_or_default(),
        id,
        parent: id_of("parentSpanId", "parent_span_id"),
        kind: if kind { Kind::Client } else { Kind::Server },
        service: service.to_string(),
        start: spans::nanos(field(v, "startTimeUnixNano", "start_time_unix_nano"), 1),
        end: spans::nanos(field(v, "endTimeUnixNano", "end_time_unix_nano"), 1),
        attrs: attributes(list(v, "attributes", "attributes")),
        place,
    })
}

/// OTLP `KeyValue`s as attribute texts.
fn attributes(list: &[Value]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .filter_map(|kv| {
            let key = kv.get("key")?.as_str()?;
            Some((key.to_string(), any_value(kv.get("value")?)))
        })
        .collect()
}

/// An OTLP `AnyValue` as texts (an array gives one per element).
fn any_value(v: &Value) -> Vec<String> {
    let Some(obj) = v.as_object() else {
        return spans::texts(v);
    };
    for (k, inner) in obj {
        match k.as_str() {
            "stringValue" | "string_value" | "boolValue" | "bool_value" | "intValue"
            | "int_value" | "doubleValue" | "double_value" | "bytesValue" | "bytes_value" => {
                return spans::texts(inner)
            }
            "arrayValue" | "array_value" => {
                return inner
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|vals| vals.iter().flat_map(any_value).collect())
                    .unwrap_or_default()
            }
            "kvlistValue" | "kvlist_value" => return vec![inner.to_string()],
            _ => {}
        }
    }
    Vec::new()
}
