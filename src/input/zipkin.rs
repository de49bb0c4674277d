//! Zipkin v2 JSON (`docs/formats.md`): a list of spans, as `/api/v2/trace`
//! and the Zipkin UI's download give, or a list of such lists
//! (`/api/v2/traces`).
//!
//! A span has `traceId`, `id`, `parentId`, `kind` (`CLIENT`, `SERVER`,
//! ...), `timestamp` and `duration` in microseconds, `localEndpoint`
//! (whose `serviceName` names the participant), `remoteEndpoint` and
//! `tags` (an object of strings). B3 propagation may give a client span
//! and the server span it called the same id (`shared`): the server span
//! is then taken as the client's child. Annotations are not shown.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::spans::{self, Kind, Span};
use super::{otlp, Capture, Format};
use crate::error::Result;

/// Whether the start of a file looks like Zipkin v2 JSON.
pub fn sniff(head: &[u8]) -> bool {
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    first == Some(&b'[')
        && memchr::memmem::find(head, b"\"traceId\"").is_some()
        && memchr::memmem::find(head, b"\"spanID\"").is_none()
}

/// Reads a whole Zipkin v2 JSON file.
pub fn open(path: &Path, input: &[u8]) -> Result<Capture> {
    let mut diagnostics = Vec::new();
    let mut out = Vec::new();
    otlp::each_document(path, input, &mut diagnostics, &mut |prefix, doc| {
        let Some(items) = doc.as_array() else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::Array(inner) => {
                    for (k, v) in inner.iter().enumerate() {
                        out.extend(read_span(v, format!("{prefix}[{i}][{k}]")));
                    }
                }
                v => out.extend(read_span(v, format!("{prefix}[{i}]"))),
            }
        }
    })?;
    split_shared(&mut out);
    otlp::finish(path, Format::Zipkin, input, &out, diagnostics)
}

fn read_span(v: &Value, place: String) -> Option<Span> {
    let id_of = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .and_then(|s| spans::id(s, false))
    };
    let id = id_of("id")?;
    let service = v
        .get("localEndpoint")
        .and_then(|e| e.get("serviceName"))
        .and_then(Value::as_str)
        .unwrap_or(spans::UNKNOWN_SERVICE)
        .to_string();
    let kind = v.get("kind").and_then(Value::as_str) == Some("CLIENT");
    let mut attrs: Vec<(String, Vec<String>)> = v
        .get("tags")
        .and_then(Value::as_object)
        .map(|tags| {
            tags.iter()
                .map(|(k, v)| (k.clone(), spans::texts(v)))
                .collect()
        })
        .unwrap_or_default();
    let remote = v.get("remoteEndpoint");
    if let Some(name) = remote
        .and_then(|e| e.get("serviceName"))
        .and_then(Value::as_str)
    {
        attrs.push(("peer.service".into(), vec![name.to_string()]));
    }
    // The server's address: where a client sent the call, where a server took it.
    let server = if kind { remote } else { v.get("localEndpoint") };
    if let Some(e) = server {
        let ip = e
            .get("ipv4")
            .or_else(|| e.get("ipv6"))
            .and_then(Value::as_str);
        if let Some(ip) = ip {
            let ip = if ip.contains(':') {
                format!("[{ip}]")
            } else {
                ip.to_string()
            };
            attrs.push(("server.address".into(), vec![ip]));
            if let Some(port) = spans::text(e.get("port")) {
                attrs.push(("server.port".into(), vec![port]));
            }
        }
    }
    let start = spans::nanos(v.get("timestamp"), 1000);
    let end =
        spans::nanos(v.get("duration"), 1000).and_then(|d| start.map(|s| s.saturating_add(d)));
    Some(Span {
        trace: id_of("traceId").unwrap_or_default(),
        id,
        parent: id_of("parentId"),
        kind: if kind { Kind::Client } else { Kind::Server },
        service,
        start,
        end,
        attrs,
        place,
    })
}

/// A client and a server span sharing one id: the client keeps the id
/// under another name and the server span becomes its child, so the
/// spans whose parent is that id stay under the server that made them.
fn split_shared(spans: &mut [Span]) {
    let mut clients: HashMap<(String, String), usize> = HashMap::new();
    for (i, s) in spans.iter().enumerate() {
        if s.kind == Kind::Client {
            clients.entry((s.trace.clone(), s.id.clone())).or_insert(i);
        }
    }
    let mut renamed = Vec::new();
    for s in spans.iter_mut() {
        if s.kind != Kind::Server {
            continue;
        }
        if let Some(&c) = clients.get(&(s.trace.clone(), s.id.clone())) {
            let client_id = format!("{}:client", s.id);
            s.parent = Some(client_id.clone());
            renamed.push((c, client_id));
        }
    }
    for (c, id) in renamed {
        spans[c].id = id;
    }
}
