//! Cutting a long capture into one capture per client command.
//!
//! requestshook can stay in the pipeline for hours while someone runs
//! `openstack ...` commands one after another. The log then holds every
//! command, the services' own nested calls, and work no client asked for
//! (periodic tasks of `nova-compute`, scheduler calls driven by RPC). A page
//! is about one command, so the log is cut where one command ends and the
//! next begins.
//!
//! The unit is the root exchange (a call with no parent in the [`Graph`]):
//! everything nested under a root goes wherever the root goes, so a piece
//! always holds whole call trees and every response sits with its request.
//!
//! **Clients.** The callers whose roots make up commands. Given with
//! [`Options::clients`], or found: among the callers of root exchanges that
//! are never called themselves and are not a service process (named in the
//! config's `[services]`, or of the same project as one: `nova-compute`
//! beside `nova-api`), the ones with the most root discovery and token
//! requests; every `openstack` invocation makes both, a service asks once
//! per token lifetime. With none at all, the first such caller.
//!
//! **Commands.** Each client has at most one open command. A client's root
//! starts a new command when
//! 1. it is version discovery (`GET` on the identity root: `/identity/`,
//!    `/v3`) or a token request, and the open command already made a call
//!    that was neither: each invocation begins with discovery and auth; or
//! 2. it carries (`X-Auth-Token`) a token that is not the command's: the
//!    tokens issued to it (`X-Subject-Token` of its token requests), or,
//!    when it asked for none, the first token it used.
//!
//! **Service runs.** Roots of any other caller never join a command: each
//! such caller gets its own piece, one per run of its roots. A run ends only
//! when a new command starts, so periodic work is cut along with the
//! commands around it. Roots of the open command do not end it, nor do the
//! service's own token requests or token changes (a service calls with its
//! own token and its users' alike): the scheduler's calls made while
//! `openstack server create --wait` polls stay one piece.
//!
//! Limits: a client that re-authenticates in the middle of one command (its
//! token expired during a long `--wait`) is cut there; two invocations that
//! run at the same time under one client name and one token are one command.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::analyze::variables::looks_generated;
use crate::graph::{Exchange, Graph};
use crate::model::{flag, Facts, Names, Sym};
use crate::openstack::Services;

/// The longest slug, in characters (the `NNN-` prefix not counted).
pub const MAX_SLUG: usize = 40;

/// Choices for [`plan`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The client callers; empty means found from the log (see the module docs).
    pub clients: Vec<String>,
}

/// What a piece holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One client command.
    Command,
    /// Calls a service made on its own (no client asked for them).
    Service,
}

/// One output capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Piece {
    /// `001-post-v2-images`: the folder name.
    pub name: String,
    pub kind: Kind,
    /// The caller of the piece's root exchanges.
    pub caller: String,
    /// Root exchange ids, in log order.
    pub roots: Vec<usize>,
    /// Record indexes, in log order: the roots' records and all below them.
    pub records: Vec<usize>,
    /// The first root that is neither a version document (identity or any
    /// other service's) nor a token request (the first root when all are):
    /// (what pieces were named after before `main_call`).
    pub first_call: usize,
    /// The command's main call, what the piece is named after: the first
    /// root among those that change something (not GET, HEAD or OPTIONS),
    /// else the last one (a lookup comes before what a read command is
    /// for); auth and version documents never.
    pub main_call: usize,
}

/// How a log is cut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The callers treated as clients.
    pub clients: Vec<String>,
    pub pieces: Vec<Piece>,
}

/// The facts of the record that names an exchange.
fn first<'f>(facts: &'f [Facts], e: &Exchange) -> &'f Facts {
    &facts[e.first()]
}

/// Discovery or a token request: how every client invocation begins.
pub fn is_auth(f: &Facts) -> bool {
    f.has(flag::DISCOVERY) || f.has(flag::TOKEN_REQUEST)
}

/// A folder-name slug for a call: `POST /v2/images` -> `post-v2-images`.
///
/// Lowercase `[a-z0-9-]` only; generated ids (UUIDs, long hex, `AUTH_<hex>`),
/// numbers and `{placeholders}` are dropped, since the segment before them
/// already says what they are; at most [`MAX_SLUG`] characters, cut at a `-`.
pub fn slug(method: &str, path: &str) -> String {
    let mut words = vec![method.to_string()];
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let is_number = seg.bytes().all(|b| b.is_ascii_digit());
        if looks_generated(seg) || is_number || seg.starts_with('{') {
            continue;
        }
        words.push(seg.to_string());
    }
    let mut out = String::new();
    for w in words {
        for c in w.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_string();
    if out.len() > MAX_SLUG {
        let cut = out[..=MAX_SLUG].rfind('-').unwrap_or(MAX_SLUG);
        out.truncate(cut);
        out = out.trim_end_matches('-').to_string();
    }
    if out.is_empty() {
        "call".into()
    } else {
        out
    }
}

/// The callers treated as clients when none are given (see the module docs).
pub fn find_clients(
    facts: &[Facts],
    names: &Names,
    graph: &Graph,
    services: &Services,
) -> Vec<String> {
    let callees: HashSet<Sym> = graph.exchanges.iter().map(|e| e.to).collect();
    let mut order: Vec<Sym> = Vec::new();
    let mut logins: HashMap<Sym, usize> = HashMap::new();
    for &id in &graph.roots {
        let e = &graph.exchanges[id as usize];
        let caller = e.from;
        if callees.contains(&caller) || services.is_service_process(names.str(caller)) {
            continue;
        }
        if !order.contains(&caller) {
            order.push(caller);
        }
        if is_auth(first(facts, e)) {
            *logins.entry(caller).or_default() += 1;
        }
    }
    let most = logins.values().copied().max().unwrap_or(0);
    let clients: Vec<String> = if most > 0 {
        order
            .iter()
            .filter(|c| logins.get(*c) == Some(&most))
            .map(|&c| names.str(c).to_string())
            .collect()
    } else {
        order
            .first()
            .map(|&c| vec![names.str(c).to_string()])
            .unwrap_or_default()
    };
    if clients.is_empty() {
        // Every root caller is a service: take the first root's caller.
        graph
            .roots
            .first()
            .map(|&r| vec![names.str(graph.exchanges[r as usize].from).to_string()])
            .unwrap_or_default()
    } else {
        clients
    }
}

/// A piece being gathered.
struct Group {
    kind: Kind,
    caller: String,
    roots: Vec<usize>,
    /// The tokens that are this group's own.
    tokens: HashSet<u32>,
    /// Whether `tokens` came from token requests (then a used token is not added).
    issued: bool,
    /// Whether a root that is neither discovery nor a token request was seen.
    has_call: bool,
}

impl Group {
    fn new(kind: Kind, caller: &str) -> Self {
        Group {
            kind,
            caller: caller.to_string(),
            roots: Vec::new(),
            tokens: Default::default(),
            issued: false,
            has_call: false,
        }
    }

    /// Whether a root with these traits belongs to this group (rules 1 and 2).
    fn continues(&self, auth: bool, token: Option<u32>) -> bool {
        if self.kind == Kind::Service {
            // A service calls with its own token and its users' tokens
            // alike, and asks for tokens whenever one expires: neither says
            // where its work begins. Only a new command ends a run.
            return true;
        }
        if auth {
            return !self.has_call;
        }
        match token {
            Some(t) if !self.tokens.is_empty() => self.tokens.contains(&t),
            _ => true,
        }
    }

    fn add(&mut self, id: usize, auth: bool, token: Option<u32>, issued: Option<u32>) {
        self.roots.push(id);
        if let Some(t) = issued {
            if !self.issued {
                self.tokens.clear();
                self.issued = true;
            }
            self.tokens.insert(t);
        }
        if !auth {
            self.has_call = true;
            if let (Some(t), true) = (token, self.tokens.is_empty()) {
                self.tokens.insert(t);
            }
        }
    }
}

/// Decides how to cut a capture: which records go into which piece.
///
/// Every record lands in exactly one piece; pieces are ordered by their
/// first record, and each piece's records keep log order. A piece is
/// named after its main call's api-ref operation (`title_of` gives a
/// record's operation title: `003-create-server`), or its method and URL
/// path (`path_of`, read again) when the catalog does not know it.
pub fn plan(
    facts: &[Facts],
    names: &Names,
    graph: &Graph,
    services: &Services,
    options: &Options,
    path_of: &dyn Fn(usize) -> String,
    title_of: &dyn Fn(usize) -> Option<String>,
) -> Plan {
    let clients = if options.clients.is_empty() {
        find_clients(facts, names, graph, services)
    } else {
        options.clients.clone()
    };
    let is_client = |caller: Sym| clients.iter().any(|c| c == names.str(caller));
    let token = |s: u32| (s != 0).then_some(s);
    let mut groups: Vec<Group> = Vec::new();
    // The open command of each client, and the open run of each other caller.
    let mut commands: HashMap<Sym, usize> = HashMap::new();
    let mut runs: HashMap<Sym, usize> = HashMap::new();
    let mut group_of_root: HashMap<usize, usize> = HashMap::new();
    for &id in &graph.roots {
        let id = id as usize;
        let e = &graph.exchanges[id];
        let f = first(facts, e);
        let auth = is_auth(f);
        let used = if auth {
            None
        } else {
            e.request
                .and_then(|q| token(facts[q as usize].signals.credential))
        };
        let issued = if f.has(flag::TOKEN_REQUEST) {
            e.response
                .and_then(|r| token(facts[r as usize].signals.subject))
        } else {
            None
        };
        let client = is_client(e.from);
        let open = if client { &commands } else { &runs };
        let g = match open.get(&e.from) {
            Some(&g) if groups[g].continues(auth, used) => g,
            _ => {
                let kind = if client { Kind::Command } else { Kind::Service };
                groups.push(Group::new(kind, names.str(e.from)));
                let g = groups.len() - 1;
                if client {
                    // A new command ends every service run: periodic work is
                    // cut along with the commands around it.
                    runs.clear();
                    commands.insert(e.from, g);
                } else {
                    runs.insert(e.from, g);
                }
                g
            }
        };
        groups[g].add(id, auth, used, issued);
        group_of_root.insert(id, g);
    }

    let root_of = roots_of_all(graph);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    let mut last = 0;
    for (i, &ex) in graph.by_record.iter().enumerate() {
        let g = root_of
            .get(ex as usize)
            .and_then(|r| group_of_root.get(r).copied());
        // A record outside every exchange cannot come from `graph::build`;
        // should it happen, it stays with the record before it.
        let g = g.unwrap_or(last);
        last = g;
        if let Some(m) = members.get_mut(g) {
            m.push(i);
        }
    }

    let width = groups.len().to_string().len().max(3);
    let pieces = groups
        .into_iter()
        .zip(members)
        .enumerate()
        .map(|(n, (g, records))| {
            let first_call = g
                .roots
                .iter()
                .copied()
                .find(|&r| {
                    let f = first(facts, &graph.exchanges[r]);
                    !is_auth(f) && !f.has(flag::VERSION_DOCUMENT)
                })
                .unwrap_or(g.roots[0]);
            let calls: Vec<usize> = g
                .roots
                .iter()
                .copied()
                .filter(|&r| {
                    let f = first(facts, &graph.exchanges[r]);
                    !is_auth(f) && !f.has(flag::VERSION_DOCUMENT)
                })
                .collect();
            let changes = |r: &usize| {
                let method = names.str(first(facts, &graph.exchanges[*r]).method);
                !["GET", "HEAD", "OPTIONS"]
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(method))
            };
            let main_call = calls
                .iter()
                .copied()
                .find(changes)
                .or_else(|| calls.last().copied())
                .unwrap_or(first_call);
            let e = &graph.exchanges[main_call];
            let request = e.request.map(|q| q as usize);
            let mut s = match request.and_then(title_of) {
                Some(title) => slug("", &title.replace(' ', "-")),
                None => slug(names.str(first(facts, e).method), &path_of(e.first())),
            };
            if g.kind == Kind::Service {
                s = slug(&g.caller, &s);
            }
            Piece {
                name: format!("{:0width$}-{s}", n + 1),
                kind: g.kind,
                caller: g.caller,
                roots: g.roots,
                records,
                first_call,
                main_call,
            }
        })
        .collect();
    Plan { clients, pieces }
}

/// The root exchange of every exchange.
fn roots_of_all(graph: &Graph) -> Vec<usize> {
    let mut root = vec![0usize; graph.exchanges.len()];
    // Parents are shallower than their children (a child may open first:
    // a validation logged before its request): one sweep by depth settles all.
    let mut order: Vec<usize> = (0..graph.exchanges.len()).collect();
    order.sort_by_key(|&e| graph.exchanges[e].depth);
    for e in order {
        root[e] = match graph.exchanges[e].parent {
            Some(p) => root[p as usize],
            None => e,
        };
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::filter::Filters;
    use crate::analyze::scan::{Context, Scan};
    use crate::input::Capture;
    use crate::openstack::apiref::Catalog;
    use std::path::Path;

    /// One call: request and response records, with optional extra headers.
    fn call(
        from: &str,
        to: &str,
        method: &str,
        url: &str,
        id: &str,
        req: &str,
        resp: &str,
    ) -> String {
        format!(
            "\n### ({from}) REQ >>> ({to}) : {method} {url}\nX-Requestshook-Request-Id: {id}\n{req}\nnone\n\n\
             \n### ({from}) RESP <<< ({to}) : 200 OK {method} {url}\nX-Requestshook-Request-Id: {id}\n{resp}\nnone\n\n"
        )
    }

    fn discovery(from: &str, id: &str) -> String {
        call(from, "keystone", "GET", "http://h/identity/", id, "", "")
    }

    fn auth(from: &str, id: &str, token: &str) -> String {
        call(
            from,
            "keystone",
            "POST",
            "http://h/identity/v3/auth/tokens",
            id,
            "",
            &format!("X-Subject-Token: {token}\n"),
        )
    }

    fn use_token(from: &str, to: &str, method: &str, url: &str, id: &str, token: &str) -> String {
        call(
            from,
            to,
            method,
            url,
            id,
            &format!("X-Auth-Token: {token}\n"),
            "",
        )
    }

    fn cut(text: &str, options: &Options) -> (Plan, Graph, Vec<Facts>) {
        let capture =
            Capture::from_vec(Path::new("t.log"), text.as_bytes().to_vec(), None).expect("capture");
        let (records, _) = capture.read_all().expect("records");
        let services = Services::default();
        let filters = Filters::none();
        let ctx = Context {
            services: &services,
            catalog: Catalog::builtin(),
            filters: &filters,
        };
        let mut scan = Scan::default();
        for r in &records {
            scan.add(r, ctx);
        }
        let (graph, findings) = crate::graph::build(&scan.facts);
        assert!(findings.is_empty(), "{findings:?}");
        let path_of = |i: usize| records[i].path().to_string();
        let title_of = |i: usize| {
            let op = *scan.ops.get(i)?;
            Catalog::builtin().op(op).map(|o| o.title.clone())
        };
        let plan = plan(
            &scan.facts,
            &scan.names,
            &graph,
            &services,
            options,
            &path_of,
            &title_of,
        );
        (plan, graph, scan.facts)
    }

    fn names(plan: &Plan) -> Vec<&str> {
        plan.pieces.iter().map(|p| p.name.as_str()).collect()
    }

    fn every_record_once(plan: &Plan, n: usize) {
        let mut all: Vec<usize> = plan.pieces.iter().flat_map(|p| p.records.clone()).collect();
        all.sort();
        assert_eq!(all, (0..n).collect::<Vec<_>>());
        for p in &plan.pieces {
            assert!(p.records.windows(2).all(|w| w[0] < w[1]), "log order");
        }
    }

    #[test]
    fn discovery_after_a_call_starts_a_new_command() {
        let t = [
            discovery("openstack", "a1"),
            auth("openstack", "a2", "T1"),
            use_token(
                "openstack",
                "glance-api",
                "GET",
                "http://h/v2/images",
                "a3",
                "T1",
            ),
            discovery("openstack", "b1"),
            auth("openstack", "b2", "T2"),
            use_token(
                "openstack",
                "glance-api",
                "POST",
                "http://h/v2/images",
                "b3",
                "T2",
            ),
        ]
        .concat();
        let (plan, _, records) = cut(&t, &Options::default());
        assert_eq!(plan.clients, vec!["openstack"]);
        assert_eq!(names(&plan), vec!["001-list-images", "002-create-image"]);
        assert_eq!(plan.pieces[0].records, (0..6).collect::<Vec<_>>());
        every_record_once(&plan, records.len());
    }

    #[test]
    fn auth_right_after_auth_does_not_cut() {
        // Discovery, an unscoped then a scoped token, then the call with the second.
        let t = [
            discovery("openstack", "a1"),
            auth("openstack", "a2", "T0"),
            auth("openstack", "a3", "T1"),
            use_token(
                "openstack",
                "nova-api",
                "GET",
                "http://h/compute/v2.1/servers",
                "a4",
                "T1",
            ),
        ]
        .concat();
        let (plan, _, _) = cut(&t, &Options::default());
        assert_eq!(names(&plan), vec!["001-list-servers"]);
    }

    #[test]
    fn another_token_without_discovery_starts_a_new_command() {
        let t = [
            use_token(
                "openstack",
                "glance-api",
                "GET",
                "http://h/v2/images",
                "a1",
                "T1",
            ),
            use_token(
                "openstack",
                "glance-api",
                "GET",
                "http://h/v2/images/x",
                "a2",
                "T1",
            ),
            use_token(
                "openstack",
                "glance-api",
                "DELETE",
                "http://h/v2/images/1f6b8a84-6e0e-4a0e-8b4c-7d1a2b3c4d5e",
                "a3",
                "T2",
            ),
        ]
        .concat();
        let (plan, _, _) = cut(&t, &Options::default());
        assert_eq!(names(&plan), vec!["001-show-image", "002-delete-image"]);
        assert_eq!(plan.pieces[0].roots, vec![0, 1]);
    }

    #[test]
    fn the_issued_token_is_the_commands_token() {
        // The command's own calls use the token keystone gave it; a call with
        // any other token is someone else's command.
        let t = [
            discovery("openstack", "a1"),
            auth("openstack", "a2", "MINE"),
            use_token(
                "openstack",
                "glance-api",
                "GET",
                "http://h/v2/images",
                "a3",
                "MINE",
            ),
            use_token(
                "openstack",
                "glance-api",
                "GET",
                "http://h/v2/images",
                "a4",
                "OTHER",
            ),
        ]
        .concat();
        let (plan, _, _) = cut(&t, &Options::default());
        assert_eq!(plan.pieces.len(), 2);
        assert_eq!(plan.pieces[0].roots, vec![0, 1, 2]);
    }

    #[test]
    fn nested_calls_follow_their_root() {
        let t = [
            discovery("openstack", "a1"),
            auth("openstack", "a2", "T1"),
            // glance-api validates the token and asks swift while serving.
            format!(
                "\n### (openstack) REQ >>> (glance-api) : PUT http://h/v2/images/x/file\nX-Requestshook-Request-Id: a3\nX-Auth-Token: T1\n\nnone\n\n{}{}\n### (openstack) RESP <<< (glance-api) : 204 No Content PUT http://h/v2/images/x/file\nX-Requestshook-Request-Id: a3\n\nnone\n\n",
                call("glance-api", "keystone", "GET", "http://h/identity/v3/auth/tokens", "a4", "X-Subject-Token: T1\n", ""),
                call("glance-api", "swift-proxy-server", "PUT", "http://h/v1/AUTH_7c4cda7e4807414bbdfcb22b535a9802/glance/x", "a5", "", ""),
            ),
            discovery("openstack", "b1"),
        ]
        .concat();
        let (plan, graph, records) = cut(&t, &Options::default());
        assert_eq!(plan.pieces.len(), 2);
        assert_eq!(plan.pieces[0].records, (0..10).collect::<Vec<_>>());
        assert_eq!(plan.pieces[0].roots.len(), 3, "{:?}", graph.roots);
        assert_eq!(plan.pieces[0].name, "001-upload-binary-image-data");
        every_record_once(&plan, records.len());
    }

    #[test]
    fn service_roots_get_their_own_pieces() {
        let t = [
            use_token(
                "nova-compute",
                "placement-api",
                "GET",
                "http://h/placement/resource_providers",
                "p0",
                "SVC",
            ),
            discovery("openstack", "a1"),
            auth("openstack", "a2", "T1"),
            use_token(
                "openstack",
                "nova-api",
                "POST",
                "http://h/compute/v2.1/servers",
                "a3",
                "T1",
            ),
            use_token(
                "nova-scheduler",
                "placement-api",
                "GET",
                "http://h/placement/allocation_candidates",
                "s1",
                "SCHED",
            ),
            use_token(
                "openstack",
                "nova-api",
                "GET",
                "http://h/compute/v2.1/servers/5",
                "a4",
                "T1",
            ),
            use_token(
                "nova-scheduler",
                "placement-api",
                "PUT",
                "http://h/placement/allocations/5",
                "s2",
                "SCHED",
            ),
            use_token(
                "nova-compute",
                "placement-api",
                "GET",
                "http://h/placement/resource_providers",
                "p1",
                "SVC",
            ),
            discovery("openstack", "b1"),
            auth("openstack", "b2", "T2"),
            use_token(
                "nova-compute",
                "placement-api",
                "GET",
                "http://h/placement/resource_providers",
                "p2",
                "SVC",
            ),
            use_token(
                "openstack",
                "glance-api",
                "GET",
                "http://h/v2/images",
                "b3",
                "T2",
            ),
        ]
        .concat();
        let (plan, _, records) = cut(&t, &Options::default());
        assert_eq!(plan.clients, vec!["openstack"]);
        assert_eq!(
            names(&plan),
            vec![
                "001-nova-compute-list-resource-providers",
                "002-create-multiple-servers",
                "003-nova-scheduler-update-allocations",
                "004-nova-compute-list-resource-providers",
                "005-list-images",
                "006-nova-compute-list-resource-providers",
            ]
        );
        let roots = |k: usize| plan.pieces[k].roots.clone();
        assert_eq!(
            roots(1),
            vec![1, 2, 3, 5],
            "the polling stays with its command"
        );
        assert_eq!(roots(2), vec![4, 6], "one run of scheduler roots");
        assert_eq!(plan.pieces[2].kind, Kind::Service);
        every_record_once(&plan, records.len());
    }

    #[test]
    fn a_service_run_survives_its_own_logins_and_tokens() {
        // nova-compute asks for a token and calls with it and with the
        // user's token: one run, and not a client although it logs in.
        let t = [
            discovery("openstack", "a1"),
            auth("openstack", "a2", "T1"),
            use_token(
                "openstack",
                "nova-api",
                "GET",
                "http://h/compute/v2.1/",
                "a3",
                "T1",
            ),
            use_token(
                "openstack",
                "nova-api",
                "POST",
                "http://h/compute/v2.1/servers",
                "a4",
                "T1",
            ),
            auth("nova-compute", "c1", "ADMIN"),
            use_token(
                "nova-compute",
                "glance-api",
                "GET",
                "http://h/v2/images/x",
                "c2",
                "T1",
            ),
            use_token(
                "nova-compute",
                "neutron-server",
                "POST",
                "http://h/v2.0/ports",
                "c3",
                "ADMIN",
            ),
            use_token(
                "openstack",
                "nova-api",
                "GET",
                "http://h/compute/v2.1/servers/5",
                "a5",
                "T1",
            ),
        ]
        .concat();
        let (plan, _, _) = cut(&t, &Options::default());
        assert_eq!(plan.clients, vec!["openstack"]);
        assert_eq!(
            names(&plan),
            vec![
                "001-create-multiple-servers",
                "002-nova-compute-post-v2-0-ports"
            ]
        );
        assert_eq!(plan.pieces[0].roots, vec![0, 1, 2, 3, 7]);
        assert_eq!(plan.pieces[1].roots, vec![4, 5, 6]);
        let services = Services::default();
        assert!(services.is_service_process("nova-compute"));
        assert!(services.is_service_process("glance-api"));
        assert!(!services.is_service_process("openstack"));
    }

    #[test]
    fn pieces_are_not_named_after_version_documents() {
        let s = Services::default();
        let doc = |method: &str, path: &str| {
            crate::openstack::flags(&s, "nova-api", method, path) & flag::VERSION_DOCUMENT != 0
        };
        for p in ["/", "/v2", "/compute/v2.1/", "/identity/v3"] {
            assert!(doc("GET", p), "{p}");
        }
        for p in ["/v2/images", "/servers", "/compute/v2.1/servers"] {
            assert!(!doc("GET", p), "{p}");
        }
        assert!(!doc("POST", "/v2"));
    }

    #[test]
    fn named_clients_override_the_guess() {
        let t = [
            use_token(
                "horizon",
                "nova-api",
                "GET",
                "http://h/compute/v2.1/servers",
                "a1",
                "T1",
            ),
            use_token(
                "openstack",
                "nova-api",
                "GET",
                "http://h/compute/v2.1/flavors",
                "a2",
                "T2",
            ),
        ]
        .concat();
        let (plan, _, _) = cut(&t, &Options::default());
        assert_eq!(
            plan.clients,
            vec!["horizon"],
            "no token request: the first caller"
        );
        assert_eq!(plan.pieces[1].kind, Kind::Service);
        let both = Options {
            clients: vec!["horizon".into(), "openstack".into()],
        };
        let (plan, _, _) = cut(&t, &both);
        assert!(plan.pieces.iter().all(|p| p.kind == Kind::Command));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("POST", "/v2/images"), "post-v2-images");
        assert_eq!(
            slug(
                "GET",
                "/v2/images/a42bfade-78ec-4c95-b7b4-272ba265072c/file"
            ),
            "get-v2-images-file"
        );
        assert_eq!(
            slug("GET", "/compute/v2.1/flavors/1"),
            "get-compute-v2-1-flavors"
        );
        assert_eq!(
            slug("HEAD", "/v1/AUTH_7c4cda7e4807414bbdfcb22b535a9802/glance"),
            "head-v1-glance"
        );
        assert_eq!(slug("GET", "/v2/images/{image_id}"), "get-v2-images");
        assert_eq!(slug("GET", "/"), "get");
        assert_eq!(slug("", "/%%/"), "call");
        let long = slug(
            "GET",
            "/networking/v2.0/quotas/project/details.json/and/more/segments",
        );
        assert!(long.len() <= MAX_SLUG, "{long}");
        assert_eq!(long, "get-networking-v2-0-quotas-project");
        assert!(long
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    }
}
