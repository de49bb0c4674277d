//! The call graph: which response answers which request, and which call
//! was made while serving which.
//!
//! **Pairing.** A format that states its pairs (a HAR entry, a span) gives
//! an exact pair key and is taken at its word. requestshook gives a request
//! id that should be unique but may repeat: a response belongs to the open
//! request with its key (first opened first), or, where it has none or no
//! open request has it, to the earliest open request without a key with the
//! same caller, callee and method, preferring the same path. What stays
//! unpaired is kept and reported as a [`Finding`].
//!
//! **Nesting.** A call whose format names its parent (a span's parent id)
//! nests there. Otherwise records are swept in order (log order, which is
//! event order): a call made by service S while S serves open requests is
//! a child of one of them, chosen by the signals the records carry,
//! strongest first:
//! 1. a propagated request id: the call carries an id that the candidate
//!    request carries or its response is known by;
//! 2. the call asks about (validates) the candidate's credential;
//! 3. the call uses the candidate's credential;
//! 4. recency: the most recently opened candidate (calls nest like a stack).
//!
//! Recency alone never nests a call that carries a propagated request id
//! when the candidate is known by other ids: that call was made for
//! another request (background work a service started over RPC while it
//! happened to serve an unrelated call), and it is a root.
//!
//! Calls with no candidate are roots. Afterwards, a root token validation
//! by S whose response is immediately followed by the request to S it
//! validated (same credential) is adopted by that request, with the root
//! calls by which S fetched its own token just before it: a service may
//! log them before the line of the request it serves. Such a child opens
//! before its parent; parents are still shallower (`depth`).
//!
//! Limits: a service that serves two
//! requests for the same user at once, with no request-id propagation, can
//! have a child attributed to the wrong one; only recency decides there.
//! Only the [`MAX_CANDIDATES`] most recently opened requests a service
//! serves are scored (a log of unanswered requests would otherwise make
//! every later call compare against all of them).

use std::collections::{BTreeSet, HashMap};

use crate::model::facts::{flag, Facts, Sym};

/// The most open requests of one service that a new call is scored against.
pub const MAX_CANDIDATES: usize = 256;

/// One call: a request and its response, either of which may be missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Record index of the request, if it was captured.
    pub request: Option<u32>,
    /// Record index of the response, if it was captured.
    pub response: Option<u32>,
    pub from: Sym,
    pub to: Sym,
    /// The exchange this call was made while serving.
    pub parent: Option<u32>,
    pub children: Vec<u32>,
    /// 0 for roots.
    pub depth: u32,
}

impl Exchange {
    /// Record index of the first record.
    pub fn start(&self) -> usize {
        self.request.or(self.response).unwrap_or(0) as usize
    }

    /// Record index of the last record (the request when there is no response).
    pub fn end(&self) -> usize {
        self.response.or(self.request).unwrap_or(0) as usize
    }

    /// The record that names the call: the request, else the response.
    pub fn first(&self) -> usize {
        self.start()
    }

    /// Whether the request never got a response or the response has no request.
    pub fn is_unpaired(&self) -> bool {
        self.request.is_none() || self.response.is_none()
    }
}

/// All exchanges of a capture.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub exchanges: Vec<Exchange>,
    /// For each record, the exchange it belongs to.
    pub by_record: Vec<u32>,
    /// Exchanges with no parent, in order.
    pub roots: Vec<u32>,
}

impl Graph {
    pub fn exchange_of(&self, record: usize) -> Option<&Exchange> {
        self.by_record
            .get(record)
            .and_then(|&e| self.exchanges.get(e as usize))
    }

    /// Every exchange below `id`, depth first, in order, `id` first.
    pub fn subtree(&self, id: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(e) = stack.pop() {
            out.push(e);
            if let Some(x) = self.exchanges.get(e) {
                stack.extend(x.children.iter().rev().map(|&c| c as usize));
            }
        }
        out
    }

    /// The root exchange above `id`.
    pub fn root_of(&self, mut id: usize) -> usize {
        while let Some(p) = self.exchanges.get(id).and_then(|e| e.parent) {
            id = p as usize;
        }
        id
    }
}

/// Something pairing found wrong, by record index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// A request whose pair key an earlier request (`first`) already had.
    DuplicateKey { record: usize, first: usize },
    /// A response no request was found for.
    NoRequest { record: usize },
    /// A request that never got a response.
    NoResponse { record: usize },
}

impl Finding {
    pub fn record(&self) -> usize {
        match *self {
            Finding::DuplicateKey { record, .. }
            | Finding::NoRequest { record }
            | Finding::NoResponse { record } => record,
        }
    }
}

/// Pairs and nests records.
pub fn build(facts: &[Facts]) -> (Graph, Vec<Finding>) {
    let mut findings = Vec::new();
    let (mut exchanges, by_record) = pair(facts, &mut findings);
    nest(facts, &mut exchanges);
    adopt_early(facts, &mut exchanges, &by_record);
    let roots = (0..exchanges.len() as u32)
        .filter(|&e| exchanges[e as usize].parent.is_none())
        .collect();
    (
        Graph {
            exchanges,
            by_record,
            roots,
        },
        findings,
    )
}

fn new_exchange(f: &Facts, request: Option<u32>, response: Option<u32>) -> Exchange {
    Exchange {
        request,
        response,
        from: f.from,
        to: f.to,
        parent: None,
        children: Vec::new(),
        depth: 0,
    }
}

fn pair(facts: &[Facts], findings: &mut Vec<Finding>) -> (Vec<Exchange>, Vec<u32>) {
    // About one exchange per two records; grown by doubling, a big
    // capture's list would be copied a dozen times.
    let mut exchanges: Vec<Exchange> = Vec::with_capacity(facts.len() / 2 + 1);
    let mut by_record = vec![u32::MAX; facts.len()];
    // Open exchanges (request seen, no response yet), by id = opening order.
    let mut open: BTreeSet<u32> = BTreeSet::new();
    let mut by_key: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut first_with_key: HashMap<u64, usize> = HashMap::new();
    for (i, r) in facts.iter().enumerate() {
        if r.is_request() {
            let id = exchanges.len() as u32;
            if r.pair != 0 {
                if r.exact {
                    by_key.entry(r.pair).or_default().push(id);
                } else {
                    match first_with_key.get(&r.pair) {
                        Some(&first) => findings.push(Finding::DuplicateKey { record: i, first }),
                        None => {
                            first_with_key.insert(r.pair, i);
                        }
                    }
                    by_key.entry(r.pair).or_default().push(id);
                }
            }
            exchanges.push(new_exchange(r, Some(i as u32), None));
            open.insert(id);
            by_record[i] = id;
            continue;
        }
        let same_call = |e: &Exchange| {
            let q = e.request.map(|q| &facts[q as usize]);
            e.from == r.from && e.to == r.to && q.is_some_and(|q| q.method == r.method)
        };
        let mut found = None;
        if r.pair != 0 {
            if let Some(list) = by_key.get_mut(&r.pair) {
                let pick = list
                    .iter()
                    .position(|&e| same_call(&exchanges[e as usize]))
                    .or(if list.is_empty() { None } else { Some(0) });
                if let Some(k) = pick {
                    found = Some(list.remove(k));
                }
            }
        }
        if found.is_none() && !r.exact {
            let without_key =
                |e: &Exchange| e.request.is_none_or(|q| facts[q as usize].pair == 0) || r.pair == 0;
            let mut first = None;
            let mut same_path = None;
            for &e in &open {
                let ex = &exchanges[e as usize];
                if !(same_call(ex) && without_key(ex)) {
                    continue;
                }
                first.get_or_insert(e);
                if ex.request.is_some_and(|q| facts[q as usize].path == r.path) {
                    same_path = Some(e);
                    break;
                }
            }
            found = same_path.or(first);
            if let Some(e) = found {
                if let Some(q) = exchanges[e as usize].request {
                    let key = facts[q as usize].pair;
                    if let Some(list) = by_key.get_mut(&key) {
                        list.retain(|&x| x != e);
                    }
                }
            }
        }
        match found {
            Some(e) => {
                open.remove(&e);
                exchanges[e as usize].response = Some(i as u32);
                by_record[i] = e;
            }
            None => {
                findings.push(Finding::NoRequest { record: i });
                let id = exchanges.len() as u32;
                exchanges.push(new_exchange(r, None, Some(i as u32)));
                by_record[i] = id;
            }
        }
    }
    for &e in &open {
        if let Some(q) = exchanges[e as usize].request {
            findings.push(Finding::NoResponse { record: q as usize });
        }
    }
    (exchanges, by_record)
}

/// How strongly `child` looks like it was made while serving `parent`.
fn score(facts: &[Facts], parent: &Exchange, child: &Exchange) -> u8 {
    let get = |i: Option<u32>| i.map(|i| &facts[i as usize]);
    let Some(c) = get(child.request).or(get(child.response)) else {
        return 0;
    };
    let carried = c.signals.ids;
    if carried.iter().any(|&k| k != 0) {
        let mut known = [0u64; 4];
        if let Some(q) = get(parent.request) {
            known[..2].copy_from_slice(&q.signals.ids);
        }
        if let Some(s) = get(parent.response) {
            known[2..].copy_from_slice(&s.signals.ids);
        }
        if carried.iter().any(|&k| k != 0 && known.contains(&k)) {
            return 4;
        }
    }
    let Some(p) = get(parent.request).filter(|p| p.signals.credential != 0) else {
        return 0;
    };
    let Some(c) = get(child.request) else {
        return 0;
    };
    if c.signals.subject == p.signals.credential {
        return 3;
    }
    if c.signals.credential == p.signals.credential {
        return 2;
    }
    0
}

/// Whether `child` carries a propagated request id while `parent` is known
/// by other ids: the call was made for some other request (a service's
/// background work, started over RPC, while it happens to serve an
/// unrelated call). Score 0 is assumed: no id of the child matches.
fn made_for_another(facts: &[Facts], parent: &Exchange, child: &Exchange) -> bool {
    let ids = |i: Option<u32>| i.map_or([0; 2], |i| facts[i as usize].signals.ids);
    let carried = ids(child.request);
    let known = [ids(parent.request), ids(parent.response)];
    carried.iter().any(|&k| k != 0) && known.iter().flatten().any(|&k| k != 0)
}

/// Calls a service logged just before the request they were made for.
///
/// A service may log its token validation (and the fetch of its own token
/// before it) before the line of the request it validates: the request
/// line was written after the service had started serving it. A root
/// validation by S whose response is immediately followed by a request to
/// S made with the credential it validated becomes a child of that
/// request, and so do the root calls by S that fetched S's token right
/// before it (a version discovery, a token request).
fn adopt_early(facts: &[Facts], exchanges: &mut [Exchange], by_record: &[u32]) {
    for id in 0..exchanges.len() {
        let e = &exchanges[id];
        let (Some(q), Some(r)) = (e.request, e.response) else {
            continue;
        };
        let fq = &facts[q as usize];
        if e.parent.is_some() || !fq.has(flag::TOKEN_CHECK) || fq.signals.subject == 0 {
            continue;
        }
        let next = r as usize + 1;
        let Some(p) = by_record.get(next).map(|&p| p as usize) else {
            continue;
        };
        let opens = exchanges
            .get(p)
            .is_some_and(|x| x.request == Some(next as u32) && x.to == e.from);
        if !opens || facts[next].signals.credential != fq.signals.subject {
            continue;
        }
        let service = e.from;
        let mut adopt = vec![id];
        let mut start = e.start();
        while let Some(before) = start.checked_sub(1) {
            let Some(d) = by_record.get(before).map(|&d| d as usize) else {
                break;
            };
            let de = &exchanges[d];
            let f = &facts[de.start()];
            let fetches = f.has(flag::TOKEN_REQUEST) || f.has(flag::DISCOVERY);
            if de.parent.is_some() || de.from != service || de.end() != before || !fetches {
                break;
            }
            adopt.insert(0, d);
            start = de.start();
        }
        for &a in &adopt {
            exchanges[a].parent = Some(p as u32);
        }
        let mut children: Vec<u32> = adopt.iter().map(|&a| a as u32).collect();
        children.append(&mut exchanges[p].children);
        children.sort_by_key(|&c| exchanges[c as usize].start());
        exchanges[p].children = children;
        let mut stack: Vec<(usize, u32)> =
            adopt.iter().map(|&a| (a, exchanges[p].depth + 1)).collect();
        while let Some((x, depth)) = stack.pop() {
            exchanges[x].depth = depth;
            stack.extend(
                exchanges[x]
                    .children
                    .iter()
                    .map(|&c| (c as usize, depth + 1)),
            );
        }
    }
}

fn nest(facts: &[Facts], exchanges: &mut [Exchange]) {
    // Calls whose format names their parent.
    let mut by_own: HashMap<u64, u32> = HashMap::new();
    for (id, e) in exchanges.iter().enumerate() {
        let f = &facts[e.start()];
        if f.own != 0 {
            by_own.entry(f.own).or_insert(id as u32);
        }
    }
    // Exchanges being served, per callee, as the log is swept in order.
    let mut serving: HashMap<Sym, Vec<u32>> = HashMap::new();
    let mut order: Vec<(usize, bool, u32)> = Vec::with_capacity(exchanges.len() * 2);
    for (id, e) in exchanges.iter().enumerate() {
        order.push((e.start(), true, id as u32));
        if let (Some(_), Some(resp)) = (e.request, e.response) {
            order.push((resp as usize, false, id as u32));
        }
    }
    order.sort_unstable();
    for (_, opens, id) in order {
        let idu = id as usize;
        if !opens {
            let to = exchanges[idu].to;
            if let Some(list) = serving.get_mut(&to) {
                if let Some(k) = list.iter().rposition(|&x| x == id) {
                    list.remove(k);
                }
            }
            continue;
        }
        let named = facts[exchanges[idu].start()].parent;
        let parent = match by_own.get(&named).filter(|_| named != 0) {
            // Only a call already open can be a parent: no format can make a cycle.
            Some(&p) if exchanges[p as usize].start() < exchanges[idu].start() => Some(p),
            _ => serving.get(&exchanges[idu].from).and_then(|candidates| {
                let skip = candidates.len().saturating_sub(MAX_CANDIDATES);
                let (best, strength) = candidates
                    .iter()
                    .enumerate()
                    .skip(skip)
                    .map(|(k, &c)| (c, score(facts, &exchanges[c as usize], &exchanges[idu]), k))
                    .max_by_key(|&(_, s, k)| (s, k))
                    .map(|(c, s, _)| (c, s))?;
                // Recency alone never overrules a request id that says the
                // call was made for another request.
                (strength > 0
                    || !made_for_another(facts, &exchanges[best as usize], &exchanges[idu]))
                .then_some(best)
            }),
        };
        if let Some(p) = parent {
            exchanges[idu].parent = Some(p);
            exchanges[idu].depth = exchanges[p as usize].depth + 1;
            exchanges[p as usize].children.push(id);
        }
        // An answered request is served until its response; an unanswered
        // one stays open to the end of the log.
        if exchanges[idu].request.is_some() {
            serving.entry(exchanges[idu].to).or_default().push(id);
        }
    }
}
