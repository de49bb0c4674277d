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

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
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

    /// The root exchange above every exchange, in one pass (asking
    /// [`Graph::root_of`] for each walks every chain again and again).
    pub fn roots_of_all(&self) -> Vec<usize> {
        let mut root: Vec<usize> = vec![usize::MAX; self.exchanges.len()];
        let mut chain = Vec::new();
        for id in 0..self.exchanges.len() {
            let mut at = id;
            // Climb until an exchange whose root is known, or a root.
            let top = loop {
                if root[at] != usize::MAX {
                    break root[at];
                }
                chain.push(at);
                match self.exchanges[at].parent {
                    Some(p) if p < self.exchanges.len() && chain.len() <= self.exchanges.len() => {
                        at = p
                    }
                    _ => break at,
                }
            };
            for x in chain.drain(..) {
                root[x] = top;
            }
        }
        root
    }

    /// For every exchange, the first and last record of it and everything
    /// nested under it, in one pass (children before parents).
    pub fn spans(&self) -> Vec<(usize, usize)> {
        let mut span: Vec<(usize, usize)> = self
            .exchanges
            .iter()
            .map(|e| (e.start(), e.end()))
            .collect();
        for e in self.pre_order().into_iter().rev() {
            let (mut lo, mut hi) = span[e];
            for &c in &self.exchanges[e].children {
                if let Some(&(a, b)) = span.get(c) {
                    lo = lo.min(a);
                    hi = hi.max(b);
                }
            }
            span[e] = (lo, hi);
        }
        span
    }

    /// Every exchange reachable from the roots, each parent before its children.
    pub fn pre_order(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.exchanges.len());
        let mut seen = vec![false; self.exchanges.len()];
        let mut stack: Vec<usize> = self.roots.iter().rev().copied().collect();
        while let Some(e) = stack.pop() {
            if e >= seen.len() || std::mem::replace(&mut seen[e], true) {
                continue;
            }
            out.push(e);
            stack.extend(self.exchanges[e].children.iter().rev());
        }
        out
    }
}

/// Sets of exchange ids under a key, each kept in id order (the order the
/// exchanges were opened), for lookups that used to scan every open exchange.
struct Index<K> {
    sets: HashMap<K, BTreeSet<usize>>,
}

impl<K: Hash + Eq> Index<K> {
    fn new() -> Self {
        Index {
            sets: HashMap::new(),
        }
    }

    fn insert(&mut self, key: K, id: usize) {
        self.sets.entry(key).or_default().insert(id);
    }

    fn remove(&mut self, key: &K, id: usize) {
        if let Some(set) = self.sets.get_mut(key) {
            set.remove(&id);
            if set.is_empty() {
                self.sets.remove(key);
            }
        }
    }

    /// The earliest opened exchange under `key`.
    fn first(&self, key: &K) -> Option<usize> {
        self.sets.get(key).and_then(|s| s.first().copied())
    }

    /// The latest opened exchange under `key`.
    fn last(&self, key: &K) -> Option<usize> {
        self.sets.get(key).and_then(|s| s.last().copied())
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

/// What pairing compares: caller, callee and method (without regard to case).
type Call<'r> = (&'r str, &'r str, String);

fn call_of(r: &Record) -> Call<'_> {
    (
        r.from.as_str(),
        r.to.as_str(),
        r.method.to_ascii_lowercase(),
    )
}

/// The open exchanges (request seen, no response yet), indexed every way a
/// response looks for its request, so pairing never scans them all.
struct Open<'r> {
    /// By `X-Requestshook-Request-Id`, and by id and call.
    by_id: Index<&'r str>,
    by_id_call: Index<(&'r str, Call<'r>)>,
    /// Every open exchange, by call and by call and path.
    by_call: Index<Call<'r>>,
    by_call_path: Index<(Call<'r>, &'r str)>,
    /// Those whose request carries no id, the same two ways.
    idless_by_call: Index<Call<'r>>,
    idless_by_call_path: Index<(Call<'r>, &'r str)>,
}

impl<'r> Open<'r> {
    fn new() -> Self {
        Open {
            by_id: Index::new(),
            by_id_call: Index::new(),
            by_call: Index::new(),
            by_call_path: Index::new(),
            idless_by_call: Index::new(),
            idless_by_call_path: Index::new(),
        }
    }

    fn insert(&mut self, request: &'r Record, id: usize) {
        let call = call_of(request);
        let path = request.path();
        match request.request_id() {
            Some(rid) => {
                self.by_id.insert(rid, id);
                self.by_id_call.insert((rid, call.clone()), id);
            }
            None => {
                self.idless_by_call.insert(call.clone(), id);
                self.idless_by_call_path.insert((call.clone(), path), id);
            }
        }
        self.by_call_path.insert((call.clone(), path), id);
        self.by_call.insert(call, id);
    }

    fn remove(&mut self, request: &'r Record, id: usize) {
        let call = call_of(request);
        let path = request.path();
        match request.request_id() {
            Some(rid) => {
                self.by_id.remove(&rid, id);
                self.by_id_call.remove(&(rid, call.clone()), id);
            }
            None => {
                self.idless_by_call.remove(&call, id);
                self.idless_by_call_path.remove(&(call.clone(), path), id);
            }
        }
        self.by_call_path.remove(&(call.clone(), path), id);
        self.by_call.remove(&call, id);
    }

    /// The request a response answers, as the module documentation says:
    /// the first open one with its id (the same call preferred); else the
    /// first open one with the same call and path, then the same call, among
    /// those without an id (all of them when the response has no id).
    fn answered_by(&self, response: &'r Record) -> Option<usize> {
        let call = call_of(response);
        let rid = response.request_id();
        if let Some(rid) = rid {
            let found = self
                .by_id_call
                .first(&(rid, call.clone()))
                .or_else(|| self.by_id.first(&rid));
            if found.is_some() {
                return found;
            }
        }
        let (by_call, by_call_path) = if rid.is_some() {
            (&self.idless_by_call, &self.idless_by_call_path)
        } else {
            (&self.by_call, &self.by_call_path)
        };
        by_call_path
            .first(&(call.clone(), response.path()))
            .or_else(|| by_call.first(&call))
    }
}

fn pair(
    records: &[Record],
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Exchange>, Vec<usize>) {
    let mut exchanges: Vec<Exchange> = Vec::new();
    let mut by_record = vec![usize::MAX; records.len()];
    let mut open = Open::new();
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
            open.insert(r, id);
            by_record[i] = id;
            continue;
        }
        match open.answered_by(r) {
            Some(e) => {
                if let Some(q) = exchanges[e].request {
                    open.remove(&records[q], e);
                }
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
    for e in &exchanges {
        if let (Some(q), None) = (e.request, e.response) {
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

/// The ids a served exchange is known by: its request's propagated id and
/// the request ids its response reports.
fn served_ids<'r>(records: &'r [Record], e: &Exchange) -> Vec<&'r str> {
    let mut ids = header(records, e.request, PROPAGATED_IDS);
    ids.extend(header(records, e.response, RESPONSE_IDS));
    ids
}

/// Nests every call under the request its caller was serving, by the
/// signals in the module documentation, strongest first, and among equals
/// the most recently opened. Each signal is a lookup in an index of the
/// exchanges being served, so a service serving many requests at once does
/// not make every call compare itself with all of them.
fn nest(records: &[Record], exchanges: &mut [Exchange]) {
    // Exchanges being served, per callee, as the log is swept in order. Ids
    // rise with the sweep, so the highest id is the most recently opened.
    let mut serving: Index<&str> = Index::new();
    // The same, per (callee, id it is known by) and per (callee, token it was called with).
    let mut by_id: Index<(&str, &str)> = Index::new();
    let mut by_token: Index<(&str, &str)> = Index::new();
    let mut order: Vec<(usize, bool, usize)> = Vec::with_capacity(exchanges.len() * 2);
    for e in exchanges.iter() {
        order.push((e.start(), true, e.id));
        if let (Some(_), Some(resp)) = (e.request, e.response) {
            order.push((resp, false, e.id));
        }
    }
    order.sort();
    for (_, opens, id) in order {
        let Some(first) = records.get(exchanges[id].start()) else {
            continue;
        };
        let (caller, callee) = (first.from.as_str(), first.to.as_str());
        let ids = served_ids(records, &exchanges[id]);
        let tokens = header(records, exchanges[id].request, &["X-Auth-Token"]);
        if !opens {
            serving.remove(&callee, id);
            for v in &ids {
                by_id.remove(&(callee, v), id);
            }
            for t in &tokens {
                by_token.remove(&(callee, t), id);
            }
            continue;
        }
        let child = &exchanges[id];
        let latest = |index: &Index<(&str, &str)>, values: &[&str]| {
            values.iter().filter_map(|v| index.last(&(caller, v))).max()
        };
        let propagated = header(records, child.request.or(child.response), PROPAGATED_IDS);
        let parent = latest(&by_id, &propagated)
            .or_else(|| {
                latest(
                    &by_token,
                    &header(records, child.request, &["X-Subject-Token"]),
                )
            })
            .or_else(|| {
                latest(
                    &by_token,
                    &header(records, child.request, &["X-Auth-Token"]),
                )
            })
            .or_else(|| serving.last(&caller));
        if let Some(p) = parent {
            exchanges[id].parent = Some(p);
            exchanges[id].depth = exchanges[p].depth + 1;
            exchanges[p].children.push(id);
        }
        // Served from its request on; an unanswered request stays open to
        // the end of the log.
        if exchanges[id].request.is_some() {
            serving.insert(callee, id);
            for v in ids {
                by_id.insert((callee, v), id);
            }
            for t in tokens {
                by_token.insert((callee, t), id);
            }
        }
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
