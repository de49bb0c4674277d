//! The first pass: every record read once, and what the whole-capture
//! stages need kept of it.
//!
//! Pieces of a capture are scanned independently (on every core), each
//! into a [`Scan`] with its own symbol tables, and then joined in order
//! ([`Scan::append`]): the result is the same as scanning in one go.

use rustc_hash::FxHashMap as HashMap;
use rustc_hash::FxHashSet as HashSet;

use crate::analyze::filter::Filters;
use crate::analyze::tokens::Issue;
use crate::analyze::variables;
use crate::error::Diagnostic;
use crate::model::facts::{key_bytes, Facts, Names, Sym};
use crate::model::Record;
use crate::openstack::apiref::Catalog;
use crate::openstack::{self, Services};

/// What the first pass needs besides the records.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub services: &'a Services,
    pub catalog: &'a Catalog,
    pub filters: &'a Filters,
}

/// A name a request offers for a value (see [`variables::candidates`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub record: u32,
    /// In [`Scan::words`].
    pub name: Sym,
    /// In [`Scan::words`].
    pub value: Sym,
}

/// No api-ref operation.
pub const NO_OP: u32 = u32::MAX;

/// What the first pass keeps of a capture (or of one piece of it).
#[derive(Debug, Default)]
pub struct Scan {
    pub facts: Vec<Facts>,
    /// Service names, methods (upper case) and status texts.
    pub names: Names,
    /// Token values.
    pub tokens: Names,
    /// What each token response says, by record (the first response
    /// handing out each token: later ones are not read).
    pub issues: HashMap<usize, Issue>,
    issued: HashSet<u32>,
    /// The api-ref operation of each record ([`NO_OP`] when none).
    pub ops: Vec<u32>,
    pub candidates: Vec<Candidate>,
    /// Variable names and values offered by the candidates.
    pub words: Names,
    /// Requests a filter rule matches: (record, rule).
    pub matched: Vec<(u32, u32)>,
    /// The longest run of backticks in any header or body line.
    pub backticks: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// The longest run of backticks in `text`.
pub fn longest_backticks(text: &str) -> usize {
    let b = text.as_bytes();
    let mut longest = 0;
    for i in memchr::memchr_iter(b'`', b) {
        if i > 0 && b[i - 1] == b'`' {
            continue;
        }
        let run = b[i..].iter().take_while(|&&c| c == b'`').count();
        longest = longest.max(run);
    }
    longest
}

impl Scan {
    /// Adds one record, the `index`-th of this scan.
    pub fn add(&mut self, r: &Record, ctx: Context) {
        let index = self.facts.len();
        let path = r.path();
        let method = r.method.to_ascii_uppercase();
        let signals = openstack::signals(r, &mut self.tokens);
        let flags = openstack::flags(ctx.services, &r.to, &r.method, path);
        let facts = Facts {
            at: r.at,
            direction: r.direction,
            from: self.names.intern(&r.from),
            to: self.names.intern(&r.to),
            method: self.names.intern(&method),
            code: r.status.as_ref().and_then(|s| s.code).unwrap_or(0),
            status: r
                .status
                .as_ref()
                .map_or(Sym::MAX, |s| self.names.intern(&s.text)),
            path: key_bytes(path.as_bytes()),
            pair: r.hints.pair.unwrap_or(0),
            exact: r.hints.exact,
            own: r.hints.own.unwrap_or(0),
            parent: r.hints.parent.unwrap_or(0),
            signals,
            flags,
            shown: shown_key(&method, path, r.query()),
        };
        let mut op = NO_OP;
        if r.is_request() {
            let api = ctx
                .services
                .type_of(&r.to)
                .and_then(|service| ctx.catalog.lookup(service, r));
            if let Some(a) = &api {
                op = a.op;
            }
            variables::candidates(r, api.as_ref(), |name, value| {
                let c = Candidate {
                    record: index as u32,
                    name: self.words.intern(name),
                    value: self.words.intern(value),
                };
                self.candidates.push(c);
            });
            if let Some(rule) = ctx.filters.matching(r) {
                self.matched.push((index as u32, rule as u32));
            }
        } else if facts.has(crate::model::facts::flag::TOKEN_REQUEST)
            && signals.subject != 0
            && self.issued.insert(signals.subject)
        {
            self.issues.insert(index, Issue::from_response(r));
        }
        for h in &r.headers {
            self.backticks = self.backticks.max(longest_backticks(&h.name));
            if let Some(v) = &h.value {
                self.backticks = self.backticks.max(longest_backticks(v));
            }
        }
        self.backticks = self.backticks.max(longest_backticks(&r.body.text));
        self.facts.push(facts);
        self.ops.push(op);
    }

    /// Gives back the room the joined lists grew into.
    pub fn shrink(&mut self) {
        self.facts.shrink_to_fit();
        self.ops.shrink_to_fit();
        self.candidates.shrink_to_fit();
        self.matched.shrink_to_fit();
    }

    /// Makes room for `records` more records' facts and ops.
    pub fn reserve(&mut self, records: usize) {
        self.facts.reserve(records);
        self.ops.reserve(records);
    }

    /// Appends the scan of the piece that follows this one.
    pub fn append(&mut self, later: Scan) {
        let base = self.facts.len();
        let names = self.names.absorb(&later.names);
        let tokens = self.tokens.absorb(&later.tokens);
        let words = self.words.absorb(&later.words);
        let name = |k: Sym| names.get(k as usize).copied().unwrap_or(Sym::MAX);
        let token = |k: u32| {
            if k == 0 {
                0
            } else {
                tokens.get(k as usize - 1).map_or(0, |&t| t + 1)
            }
        };
        self.facts.extend(later.facts.into_iter().map(|mut f| {
            f.from = name(f.from);
            f.to = name(f.to);
            f.method = name(f.method);
            f.status = name(f.status);
            f.signals.credential = token(f.signals.credential);
            f.signals.service = token(f.signals.service);
            f.signals.subject = token(f.signals.subject);
            f
        }));
        self.issues
            .extend(later.issues.into_iter().map(|(i, issue)| (i + base, issue)));
        self.issued.extend(later.issued.into_iter().map(token));
        self.ops.extend(later.ops);
        self.candidates
            .extend(later.candidates.into_iter().map(|c| Candidate {
                record: c.record + base as u32,
                name: words[c.name as usize],
                value: words[c.value as usize],
            }));
        self.matched.extend(
            later
                .matched
                .into_iter()
                .map(|(r, rule)| (r + base as u32, rule)),
        );
        self.backticks = self.backticks.max(later.backticks);
        self.diagnostics.extend(later.diagnostics);
    }
}

/// A key of what a diagram shows for a call: method, path, and the query
/// pairs it shows.
fn shown_key(method: &str, path: &str, query: Option<&str>) -> u64 {
    let mut text = String::with_capacity(method.len() + path.len() + 16);
    text.push_str(method);
    text.push(' ');
    text.push_str(path);
    if let Some(q) = query {
        for (k, (name, value)) in variables::shown_pairs(q).enumerate() {
            text.push(if k == 0 { '?' } else { '&' });
            text.push_str(name);
            text.push('=');
            text.push_str(value);
        }
    }
    key_bytes(text.as_bytes())
}
