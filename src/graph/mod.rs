//! The call graph: pairing requests with responses, then nesting calls.
//!
//! requestshook logs on the callee's side, in event order, with no
//! timestamps and no parent ids. The graph is rebuilt from what the log does
//! have:
//!
//! **Pairing.** A response belongs to the open request with the same
//! `X-Requestshook-Request-Id` (first opened first, if an id repeats). Where
//! a response has no id, or one no open request has, it falls back to the
//! earliest open id-less request with the same caller, callee and method,
//! preferring the same path. What stays unpaired is kept, marked, and warned
//! about.
//!
//! **Nesting.** A call made by service S while S is serving an open request
//! is a child of that request. When S serves several requests at once
//! (concurrent calls interleave), the candidates are scored by the signals
//! the log carries, strongest first:
//! 1. the propagated request id: the call's `X-OpenStack-Request-ID` equals
//!    the candidate's own `X-OpenStack-Request-ID`, or the `x-openstack-request-id`
//!    / `X-Compute-Request-Id` of its response;
//! 2. token validation: the call checks (`X-Subject-Token`) the token the
//!    candidate was called with;
//! 3. token reuse: the call carries the candidate's `X-Auth-Token`;
//! 4. recency: the most recently opened candidate (calls nest like a stack).
//!
//! Calls with no open candidate are roots (the client's own calls, periodic
//! tasks of `nova-compute`, RPC-driven work whose cause is not in HTTP).
//! Limits: a service that serves two requests for the same user at once,
//! with no request-id propagation, can have a child attributed to the wrong
//! one of the two; only recency decides there.

pub mod export;
pub mod split;

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{Diagnostic, DiagnosticKind};
use crate::model::Record;

/// One call: a request and its response, either of which may be missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// Position among exchanges, ordered by first record.
    pub id: usize,
    /// Record index of the request, if it was captured.
    pub request: Option<usize>,
    /// Record index of the response, if it was captured.
    pub response: Option<usize>,
    pub from: String,
    pub to: String,
    pub method: String,
    /// Path of the request (of the response when the request is missing).
    pub path: String,
    /// The exchange this call was made while serving.
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// 0 for roots.
    pub depth: usize,
}

impl Exchange {
    /// Record index of the first record.
    pub fn start(&self) -> usize {
        self.request.or(self.response).unwrap_or(0)
    }

    /// Record index of the last record (the request when there is no response).
    pub fn end(&self) -> usize {
        self.response.or(self.request).unwrap_or(0)
    }

    /// Whether the request never got a response or the response has no request.
    pub fn is_unpaired(&self) -> bool {
        self.request.is_none() || self.response.is_none()
    }
}

/// All exchanges of a capture.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Graph {
    pub exchanges: Vec<Exchange>,
    /// For each record index, the exchange it belongs to.
    pub by_record: Vec<usize>,
    /// Exchanges with no parent, in order.
    pub roots: Vec<usize>,
}

impl Graph {
    /// Every exchange below `id`, depth first, in order, `id` first.
    pub fn subtree(&self, id: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(e) = stack.pop() {
            out.push(e);
            if let Some(x) = self.exchanges.get(e) {
                stack.extend(x.children.iter().rev());
            }
        }
        out
    }

    /// The root exchange above `id`.
    pub fn root_of(&self, mut id: usize) -> usize {
        while let Some(p) = self.exchanges.get(id).and_then(|e| e.parent) {
            id = p;
        }
        id
    }
}

const PROPAGATED_IDS: &[&str] = &["X-OpenStack-Request-ID"];
const RESPONSE_IDS: &[&str] = &[
    "x-openstack-request-id",
    "X-Compute-Request-Id",
    "X-OpenStack-Request-ID",
];

/// Pairs and nests the records of a capture. `path` names the file in warnings.
pub fn build(records: &[Record], path: &Path) -> (Graph, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let (mut exchanges, by_record) = pair(records, path, &mut diagnostics);
    nest(records, &mut exchanges);
    let roots = exchanges
        .iter()
        .filter(|e| e.parent.is_none())
        .map(|e| e.id)
        .collect();
    (
        Graph {
            exchanges,
            by_record,
            roots,
        },
        diagnostics,
    )
}

fn pair(
    records: &[Record],
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Exchange>, Vec<usize>) {
    let mut exchanges: Vec<Exchange> = Vec::new();
    let mut by_record = vec![usize::MAX; records.len()];
    // Open exchanges (request seen, no response yet), in order.
    let mut open: Vec<usize> = Vec::new();
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut seen_ids: HashMap<&str, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        if r.is_request() {
            let id = exchanges.len();
            if let Some(rid) = r.request_id() {
                if let Some(first) = seen_ids.get(rid) {
                    diagnostics.push(Diagnostic {
                        path: path.to_path_buf(),
                        quote: None,
                        line: r.line,
                        kind: DiagnosticKind::DuplicateId,
                        message: format!(
                            "request id {rid} was already used by the request at line {first}; pairing falls back to order"
                        ),
                    });
                } else {
                    seen_ids.insert(rid, r.line);
                }
                by_id.entry(rid).or_default().push(id);
            }
            exchanges.push(Exchange {
                id,
                request: Some(i),
                response: None,
                from: r.from.clone(),
                to: r.to.clone(),
                method: r.method.clone(),
                path: r.path().to_string(),
                parent: None,
                children: Vec::new(),
                depth: 0,
            });
            open.push(id);
            by_record[i] = id;
            continue;
        }
        let same_call = |e: &Exchange| {
            e.from == r.from && e.to == r.to && e.method.eq_ignore_ascii_case(&r.method)
        };
        let mut found = None;
        if let Some(rid) = r.request_id() {
            if let Some(list) = by_id.get_mut(rid) {
                let pick = list
                    .iter()
                    .position(|&e| same_call(&exchanges[e]))
                    .or(if list.is_empty() { None } else { Some(0) });
                if let Some(k) = pick {
                    found = Some(list.remove(k));
                }
            }
        }
        if found.is_none() {
            let without_id = |e: &Exchange| {
                e.request.and_then(|q| records[q].request_id()).is_none()
                    || r.request_id().is_none()
            };
            let candidates: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&e| same_call(&exchanges[e]) && without_id(&exchanges[e]))
                .collect();
            found = candidates
                .iter()
                .copied()
                .find(|&e| exchanges[e].path == r.path())
                .or_else(|| candidates.first().copied());
            if let (Some(e), Some(q)) = (found, found.and_then(|e| exchanges[e].request)) {
                if let Some(rid) = records[q].request_id() {
                    if let Some(list) = by_id.get_mut(rid) {
                        list.retain(|&x| x != e);
                    }
                }
            }
        }
        match found {
            Some(e) => {
                open.retain(|&x| x != e);
                exchanges[e].response = Some(i);
                by_record[i] = e;
            }
            None => {
                diagnostics.push(Diagnostic {
                    path: path.to_path_buf(),
                    quote: None,
                    line: r.line,
                    kind: DiagnosticKind::Unpaired,
                    message: format!(
                        "response {} to {} {} has no matching request; it is kept and marked as unpaired",
                        r.status.as_ref().map(|s| s.text.as_str()).unwrap_or(""),
                        r.method,
                        r.path()
                    ),
                });
                let id = exchanges.len();
                exchanges.push(Exchange {
                    id,
                    request: None,
                    response: Some(i),
                    from: r.from.clone(),
                    to: r.to.clone(),
                    method: r.method.clone(),
                    path: r.path().to_string(),
                    parent: None,
                    children: Vec::new(),
                    depth: 0,
                });
                by_record[i] = id;
            }
        }
    }
    for &e in &open {
        if let Some(q) = exchanges[e].request {
            let r = &records[q];
            diagnostics.push(Diagnostic {
                path: path.to_path_buf(),
                quote: None,
                line: r.line,
                kind: DiagnosticKind::Unpaired,
                message: format!(
                    "request {} {} never got a response; it is kept and marked as unanswered",
                    r.method,
                    r.path()
                ),
            });
        }
    }
    (exchanges, by_record)
}

fn header<'r>(records: &'r [Record], index: Option<usize>, names: &[&str]) -> Vec<&'r str> {
    let Some(r) = index.and_then(|i| records.get(i)) else {
        return Vec::new();
    };
    r.headers
        .iter()
        .filter(|h| names.iter().any(|n| h.is(n)))
        .filter_map(|h| h.value.as_deref())
        .filter(|v| !v.is_empty())
        .collect()
}

/// How strongly `child` looks like it was made while serving `parent`.
fn score(records: &[Record], parent: &Exchange, child: &Exchange) -> u8 {
    let child_req = child.request.or(child.response);
    let propagated = header(records, child_req, PROPAGATED_IDS);
    if !propagated.is_empty() {
        let mut parent_ids = header(records, parent.request, PROPAGATED_IDS);
        parent_ids.extend(header(records, parent.response, RESPONSE_IDS));
        if propagated.iter().any(|v| parent_ids.contains(v)) {
            return 4;
        }
    }
    let parent_token = header(records, parent.request, &["X-Auth-Token"]);
    if parent_token.is_empty() {
        return 0;
    }
    if header(records, child.request, &["X-Subject-Token"])
        .iter()
        .any(|v| parent_token.contains(v))
    {
        return 3;
    }
    if header(records, child.request, &["X-Auth-Token"])
        .iter()
        .any(|v| parent_token.contains(v))
    {
        return 2;
    }
    0
}

fn nest(records: &[Record], exchanges: &mut [Exchange]) {
    // Exchanges being served, per callee, as the log is swept in order.
    let mut serving: HashMap<String, Vec<usize>> = HashMap::new();
    let mut order: Vec<(usize, bool, usize)> = Vec::with_capacity(exchanges.len() * 2);
    for e in exchanges.iter() {
        order.push((e.start(), true, e.id));
        if let (Some(_), Some(resp)) = (e.request, e.response) {
            order.push((resp, false, e.id));
        }
    }
    order.sort();
    for (_, opens, id) in order {
        if !opens {
            let to = exchanges[id].to.clone();
            if let Some(list) = serving.get_mut(&to) {
                list.retain(|&x| x != id);
            }
            continue;
        }
        let from = exchanges[id].from.clone();
        let parent = serving.get(&from).and_then(|candidates| {
            candidates
                .iter()
                .enumerate()
                .max_by_key(|(k, &c)| (score(records, &exchanges[c], &exchanges[id]), *k))
                .map(|(_, &c)| c)
        });
        if let Some(p) = parent {
            exchanges[id].parent = Some(p);
            exchanges[p].children.push(id);
        }
        if exchanges[id].request.is_some() && exchanges[id].response.is_some() {
            serving
                .entry(exchanges[id].to.clone())
                .or_default()
                .push(id);
        } else if exchanges[id].response.is_none() {
            // An unanswered request stays open to the end of the log.
            serving
                .entry(exchanges[id].to.clone())
                .or_default()
                .push(id);
        }
    }
    for i in 0..exchanges.len() {
        let mut depth = 0;
        let mut p = exchanges[i].parent;
        while let Some(x) = p {
            depth += 1;
            p = exchanges[x].parent;
            if depth > exchanges.len() {
                break;
            }
        }
        exchanges[i].depth = depth;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::load_from;

    fn graph(text: &str) -> (Graph, Vec<Diagnostic>, Vec<Record>) {
        let loaded = load_from(text.as_bytes(), Path::new("t.log")).expect("records");
        let (g, d) = build(&loaded.capture.records, Path::new("t.log"));
        (g, d, loaded.capture.records)
    }

    fn rec(dir: &str, from: &str, to: &str, what: &str, id: &str, extra: &str) -> String {
        let kind = if dir == "REQ" { "REQ >>>" } else { "RESP <<<" };
        let id_line = if id.is_empty() {
            String::new()
        } else {
            format!("X-Requestshook-Request-Id: {id}\n")
        };
        format!("\n### ({from}) {kind} ({to}) : {what}\n{id_line}{extra}\nnone\n\n")
    }

    #[test]
    fn pairs_by_id_and_nests_by_caller() {
        let t = [
            rec(
                "REQ",
                "openstack",
                "glance-api",
                "GET http://h/v2/images",
                "a1",
                "",
            ),
            rec(
                "REQ",
                "glance-api",
                "keystone",
                "GET http://h/identity/v3/auth/tokens",
                "b1",
                "",
            ),
            rec(
                "RESP",
                "glance-api",
                "keystone",
                "200 OK GET http://h/identity/v3/auth/tokens",
                "b1",
                "",
            ),
            rec(
                "RESP",
                "openstack",
                "glance-api",
                "200 OK GET http://h/v2/images",
                "a1",
                "",
            ),
        ]
        .concat();
        let (g, d, _) = graph(&t);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(g.exchanges.len(), 2);
        assert_eq!(
            (g.exchanges[0].request, g.exchanges[0].response),
            (Some(0), Some(3))
        );
        assert_eq!(g.exchanges[1].parent, Some(0));
        assert_eq!(g.exchanges[0].children, vec![1]);
        assert_eq!(g.roots, vec![0]);
        assert_eq!(g.exchanges[1].depth, 1);
    }

    #[test]
    fn unpaired_records_are_kept_and_reported() {
        let t = [
            rec(
                "REQ",
                "openstack",
                "glance-api",
                "GET http://h/v2/images",
                "a1",
                "",
            ),
            rec(
                "RESP",
                "openstack",
                "nova-api",
                "200 OK GET http://h/servers",
                "zz",
                "",
            ),
        ]
        .concat();
        let (g, d, _) = graph(&t);
        assert_eq!(g.exchanges.len(), 2);
        assert!(g.exchanges.iter().all(|e| e.is_unpaired()));
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|x| x.kind == DiagnosticKind::Unpaired));
        assert_eq!(d[0].line, 8);
        assert_eq!(d[1].line, 2);
    }

    #[test]
    fn falls_back_to_order_without_ids() {
        let t = [
            rec("REQ", "c", "s", "GET http://h/a", "", ""),
            rec("REQ", "c", "s", "GET http://h/b", "", ""),
            rec("RESP", "c", "s", "200 OK GET http://h/b", "", ""),
            rec("RESP", "c", "s", "200 OK GET http://h/a", "", ""),
        ]
        .concat();
        let (g, d, _) = graph(&t);
        assert!(d.is_empty());
        assert_eq!(
            (g.exchanges[0].request, g.exchanges[0].response),
            (Some(0), Some(3))
        );
        assert_eq!(
            (g.exchanges[1].request, g.exchanges[1].response),
            (Some(1), Some(2))
        );
    }

    #[test]
    fn duplicate_ids_warn_and_pair_in_order() {
        let t = [
            rec("REQ", "c", "s", "GET http://h/a", "x", ""),
            rec("RESP", "c", "s", "200 OK GET http://h/a", "x", ""),
            rec("REQ", "c", "s", "GET http://h/a", "x", ""),
            rec("RESP", "c", "s", "200 OK GET http://h/a", "x", ""),
        ]
        .concat();
        let (g, d, _) = graph(&t);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DiagnosticKind::DuplicateId);
        assert_eq!(g.exchanges.len(), 2);
        assert_eq!(g.exchanges[1].response, Some(3));
    }

    #[test]
    fn concurrent_parents_are_told_apart_by_token() {
        // nova-api serves two clients at once; its keystone validation names the token.
        let t = [
            rec(
                "REQ",
                "c1",
                "nova-api",
                "GET http://h/servers",
                "a",
                "X-Auth-Token: T1\n",
            ),
            rec(
                "REQ",
                "c2",
                "nova-api",
                "GET http://h/flavors",
                "b",
                "X-Auth-Token: T2\n",
            ),
            rec(
                "REQ",
                "nova-api",
                "keystone",
                "GET http://h/identity/v3/auth/tokens",
                "c",
                "X-Subject-Token: T1\n",
            ),
            rec(
                "RESP",
                "nova-api",
                "keystone",
                "200 OK GET http://h/identity/v3/auth/tokens",
                "c",
                "",
            ),
            rec(
                "REQ",
                "nova-api",
                "keystone",
                "GET http://h/identity/v3/auth/tokens",
                "d",
                "X-Subject-Token: T2\n",
            ),
            rec(
                "RESP",
                "nova-api",
                "keystone",
                "200 OK GET http://h/identity/v3/auth/tokens",
                "d",
                "",
            ),
            rec(
                "RESP",
                "c2",
                "nova-api",
                "200 OK GET http://h/flavors",
                "b",
                "",
            ),
            rec(
                "RESP",
                "c1",
                "nova-api",
                "200 OK GET http://h/servers",
                "a",
                "",
            ),
        ]
        .concat();
        let (g, d, _) = graph(&t);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(g.exchanges[2].parent, Some(0));
        assert_eq!(g.exchanges[3].parent, Some(1));
    }

    #[test]
    fn request_id_propagation_beats_recency() {
        let t = [
            rec("REQ", "c1", "nova-api", "POST http://h/servers", "a", ""),
            rec("REQ", "c2", "nova-api", "GET http://h/flavors", "b", ""),
            rec(
                "REQ",
                "nova-api",
                "glance-api",
                "GET http://h/v2/images/x",
                "c",
                "X-OpenStack-Request-ID: req-1\n",
            ),
            rec(
                "RESP",
                "nova-api",
                "glance-api",
                "200 OK GET http://h/v2/images/x",
                "c",
                "",
            ),
            rec(
                "RESP",
                "c2",
                "nova-api",
                "200 OK GET http://h/flavors",
                "b",
                "x-openstack-request-id: req-2\n",
            ),
            rec(
                "RESP",
                "c1",
                "nova-api",
                "202 Accepted POST http://h/servers",
                "a",
                "x-openstack-request-id: req-1\n",
            ),
        ]
        .concat();
        let (g, _, _) = graph(&t);
        assert_eq!(g.exchanges[2].parent, Some(0));
    }
}
