//! Resource ids become variables: `{image_id}`, `{account}`, `{server_id}`.
//!
//! A path parameter whose value looks generated (a UUID, a 16+ hex id, an
//! `AUTH_<hex>` account) is named after the api-ref path template that first
//! matched it: `/v2/images/{image_id}` names `image_id`, and
//! `/v1/{account}/{container}` names `account`. A value keeps its first name
//! everywhere (the swift object named after an image id stays `{image_id}`).
//! Generated-looking segments of calls the catalog does not know are named
//! after the segment before them (`/widgets/<uuid>` -> `widget_id`), and
//! query values after their parameter. Human names (`glance`, `demo`, tag
//! values) never become variables, nor does any value redaction hides.
//!
//! Naming is linear in the number of candidates: a taken name is found in a
//! set, and each base name remembers the next free suffix.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::model::Record;
use crate::openstack::apiref::ApiRef;

/// One variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variable {
    /// The placeholder name, without braces.
    pub name: String,
    pub value: String,
    /// Record index where the value first appears (URL, header or body).
    pub first_seen: usize,
    /// Record index of the request that named it.
    pub named_in: usize,
}

/// All variables of a capture, in order of naming.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    pub variables: Vec<Variable>,
    by_value: HashMap<String, usize>,
    taken: HashSet<String>,
    /// Base name -> the next suffix to try.
    next: HashMap<String, usize>,
    /// (record where first seen, variable), sorted: which values a record
    /// is the first to mention.
    by_first: Vec<(usize, usize)>,
}

/// Whether a path segment or query value looks like a generated identifier.
pub fn looks_generated(value: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    let is_uuid = |s: &str| {
        let b = s.as_bytes();
        b.len() == 36
            && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
            && b.iter()
                .enumerate()
                .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) || c.is_ascii_hexdigit())
    };
    if is_uuid(value) || (value.len() >= 16 && hex(value)) {
        return true;
    }
    // `AUTH_<hex>` (swift accounts), `req-<uuid>`.
    match value.split_once(['_', '-']) {
        Some((prefix, rest))
            if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_alphabetic()) =>
        {
            is_uuid(rest) || (rest.len() >= 16 && hex(rest))
        }
        _ => false,
    }
}

impl Variables {
    /// The variable holding a value, if any.
    pub fn get(&self, value: &str) -> Option<&Variable> {
        self.by_value.get(value).map(|&i| &self.variables[i])
    }

    pub fn is_empty(&self) -> bool {
        self.variables.is_empty()
    }

    /// Names `value` after `name` (`name_2`, ... when taken), unless it has
    /// a name already or does not look generated.
    pub fn name(&mut self, name: &str, value: &str, record: usize) {
        if self.by_value.contains_key(value) || !looks_generated(value) {
            return;
        }
        let mut candidate = name.to_string();
        if self.taken.contains(&candidate) {
            let n = self.next.entry(name.to_string()).or_insert(2);
            loop {
                candidate = format!("{name}_{n}");
                *n += 1;
                if !self.taken.contains(&candidate) {
                    break;
                }
            }
        }
        self.taken.insert(candidate.clone());
        self.by_value
            .insert(value.to_string(), self.variables.len());
        self.variables.push(Variable {
            name: candidate,
            value: value.to_string(),
            first_seen: record,
            named_in: record,
        });
    }

    /// A path with every variable segment replaced by `{name}`.
    pub fn placeholder_path(&self, path: &str) -> String {
        let mut out = String::with_capacity(path.len());
        for (i, seg) in path.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            match self.get(seg) {
                Some(v) => {
                    out.push('{');
                    out.push_str(&v.name);
                    out.push('}');
                }
                None => out.push_str(seg),
            }
        }
        out
    }

    /// The query parameters worth showing in a diagram: those with a value
    /// (`name=demo`), variables replaced; bare flags (`nocatalog`) are left out.
    pub fn placeholder_query(&self, query: &str) -> Option<String> {
        let shown: Vec<String> = shown_pairs(query)
            .map(|(k, v)| match self.get(v) {
                Some(var) => format!("{k}={{{}}}", var.name),
                None => format!("{k}={v}"),
            })
            .collect();
        (!shown.is_empty()).then(|| shown.join("&"))
    }

    /// Records where each value was first seen, found by [`Mentions`].
    pub fn set_first_seen(&mut self, mentions: &Mentions) {
        for v in &mut self.variables {
            if let Some(&(record, _)) = mentions.first.get(v.value.as_str()) {
                v.first_seen = record.min(v.named_in);
            }
        }
        self.index_first_seen();
    }

    fn index_first_seen(&mut self) {
        self.by_first = self
            .variables
            .iter()
            .enumerate()
            .map(|(k, v)| (v.first_seen, k))
            .collect();
        self.by_first.sort_unstable();
    }

    /// The variables whose value `record` is the first to mention.
    pub fn first_seen_in(&self, record: usize) -> impl Iterator<Item = &Variable> {
        let start = self.by_first.partition_point(|&(r, _)| r < record);
        self.by_first[start..]
            .iter()
            .take_while(move |&&(r, _)| r == record)
            .map(|&(_, k)| &self.variables[k])
    }
}

/// The `key=value` pairs of a query that a diagram shows.
pub fn shown_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
}

fn singular(segment: &str) -> String {
    let s = segment.trim_start_matches("os-").replace(['-', '.'], "_");
    let s = s
        .strip_suffix("ies")
        .map(|b| format!("{b}y"))
        .unwrap_or_else(|| {
            s.strip_suffix('s')
                .filter(|b| !b.ends_with('s'))
                .map(String::from)
                .unwrap_or(s.clone())
        });
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        FALLBACK.to_string()
    } else {
        format!("{s}_id")
    }
}

/// The name of an id nothing says more about (never the vague `id`).
const FALLBACK: &str = "resource_id";

/// Whether a parameter name says nothing of what it names (`{id}`, `{uuid}`).
fn vague(name: &str) -> bool {
    matches!(name, "id" | "uuid")
}

/// A version segment (`v2`, `v2.1`, `v3`): it says nothing of the id after it.
fn is_version(seg: &str) -> bool {
    seg.strip_prefix('v')
        .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// What a path segment before an id names it after, if anything.
fn names_an_id(seg: &str) -> bool {
    !seg.is_empty() && !looks_generated(seg) && !is_version(seg) && !seg.starts_with('{')
}

/// A name for a vague parameter: after the segment before it
/// (`/resource_providers/{uuid}` -> `resource_provider_id`).
fn specific(name: &str, before: Option<&str>) -> String {
    if !vague(name) {
        return name.to_string();
    }
    before.map(singular).unwrap_or_else(|| FALLBACK.to_string())
}

/// The (name, value) pairs a request offers for naming, in the order they
/// are tried: api-ref path parameters, generated-looking path segments,
/// query values. A vague name (`{id}`, `{uuid}`, `?id=`) is replaced by
/// one made from the path segment before it (`/servers/{id}` ->
/// `server_id`, `/networks?id=` -> `network_id`).
pub fn candidates(request: &Record, api: Option<&ApiRef>, mut out: impl FnMut(&str, &str)) {
    if let Some(a) = api {
        let template: Vec<&str> = a.template.split('/').filter(|s| !s.is_empty()).collect();
        for (name, value) in &a.params {
            let at = template
                .iter()
                .position(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) == Some(name));
            let before = at.and_then(|at| template[..at].iter().rev().find(|s| names_an_id(s)));
            let name = specific(name, before.copied());
            // `{object}` may span segments (`dir/obj`); each part that looks generated.
            for part in value.split('/') {
                if looks_generated(part) {
                    out(&name, part);
                }
            }
        }
    }
    let path = request.path();
    let mut prev: Option<&str> = None;
    for seg in path.split('/') {
        if looks_generated(seg) {
            let name = prev.map(singular).unwrap_or_else(|| FALLBACK.to_string());
            out(&name, seg);
        } else if names_an_id(seg) {
            prev = Some(seg);
        }
    }
    if let Some(q) = request.query() {
        for (k, v) in q.split('&').filter_map(|kv| kv.split_once('=')) {
            if !k.is_empty()
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && looks_generated(v)
            {
                out(&specific(k, prev), v);
            }
        }
    }
}

/// Where a record mentions something: its URL, a header or the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Url,
    /// The header line, from 0.
    Header(u32),
    /// The body line, from 0.
    Body(u32),
}

/// The first record (and place in it) that mentions each value of interest.
#[derive(Debug, Clone, Default)]
pub struct Mentions {
    pub first: HashMap<String, (usize, Place)>,
}

impl Mentions {
    /// Merges a later stretch's mentions in (earlier ones win).
    pub fn merge(&mut self, later: Mentions) {
        for (k, v) in later.first {
            self.first.entry(k).or_insert(v);
        }
    }
}

/// Finds, in record order, the first mention of each of `values` in the
/// records given (`record` is each one's index).
pub fn mentions<'a>(
    values: &HashSet<&str>,
    records: impl Iterator<Item = (usize, Record<'a>)>,
) -> Mentions {
    let mut found = Mentions::default();
    if values.is_empty() {
        return found;
    }
    for (i, r) in records {
        let mut note = |text: &str, place: Place| {
            id_like(text, |s| {
                if values.contains(s) && !found.first.contains_key(s) {
                    found.first.insert(s.to_string(), (i, place));
                }
            })
        };
        note(&r.url, Place::Url);
        for (k, h) in r.headers.iter().enumerate() {
            if let Some(v) = &h.value {
                note(v, Place::Header(k as u32));
            }
        }
        for (k, line) in r.body.lines().enumerate() {
            note(line, Place::Body(k as u32));
        }
        if found.first.len() == values.len() {
            break;
        }
    }
    found
}

/// Calls `f` with every substring of `text` that could be a generated id:
/// within each run of `[A-Za-z0-9_-]`, every stretch of its `_`/`-`
/// separated parts (up to six) that looks generated.
pub fn id_like(text: &str, mut f: impl FnMut(&str)) {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut i = 0;
    while i < b.len() {
        if !word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut hex_run = 0;
        let mut long_hex = false;
        while i < b.len() && word(b[i]) {
            if b[i].is_ascii_hexdigit() {
                hex_run += 1;
                long_hex |= hex_run >= 8;
            } else {
                hex_run = 0;
            }
            i += 1;
        }
        // Every generated id holds 8 hex digits in a row.
        if !long_hex {
            continue;
        }
        let run = &text[start..i];
        // Where each part starts and ends: separators split the run.
        let mut parts: Vec<(usize, usize)> = Vec::new();
        let mut from = 0;
        for (k, c) in run.bytes().enumerate() {
            if c == b'_' || c == b'-' {
                parts.push((from, k));
                from = k + 1;
            }
        }
        parts.push((from, run.len()));
        for (a, &(first, _)) in parts.iter().enumerate() {
            for &(_, last) in parts.iter().skip(a).take(6) {
                if last > first && looks_generated(&run[first..last]) {
                    f(&run[first..last]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids() {
        for yes in [
            "7d29b113-3248-4052-be42-aefdfa1758cf",
            "de5af600557d44d0996e667499376dbb",
            "AUTH_7c4cda7e4807414bbdfcb22b535a9802",
            "req-d15c0fbc-c5c3-44b5-af20-005b8b7d96e8",
        ] {
            assert!(looks_generated(yes), "{yes}");
        }
        for no in [
            "glance",
            "demo",
            "c1",
            "v2",
            "images",
            "cirros-0.6.1-x86_64",
            "1",
            "deadbeef",
            "my-tag-value",
            "7d29b113-3248-4052-be42-aefdfa1758c-",
        ] {
            assert!(!looks_generated(no), "{no}");
        }
    }

    #[test]
    fn singular_names() {
        assert_eq!(singular("widgets"), "widget_id");
        assert_eq!(singular("policies"), "policy_id");
        assert_eq!(singular("os-hypervisors"), "hypervisor_id");
        assert_eq!(singular("access"), "access_id");
        assert_eq!(singular("security-groups"), "security_group_id");
        assert_eq!(singular("a$b"), "resource_id");
    }

    /// Names offered by a request, in order.
    fn offered(url: &str, api: Option<&ApiRef>) -> Vec<(String, String)> {
        let r = Record::test_request("openstack", "x", "GET", url, &[], "none");
        let mut out = Vec::new();
        candidates(&r, api, |n, v| out.push((n.to_string(), v.to_string())));
        out
    }

    #[test]
    fn no_variable_is_a_vague_id() {
        let u = "b5f68731-ccd8-4218-afb8-d3f53bbd74b9";
        let api = ApiRef {
            op: 0,
            service: "placement".into(),
            title: "t".into(),
            url: "u".into(),
            template: "/resource_providers/{uuid}/allocations".into(),
            prefix: "/placement".into(),
            params: vec![("uuid".into(), u.into())],
        };
        let got = offered(
            &format!("http://h/placement/resource_providers/{u}/allocations"),
            Some(&api),
        );
        assert_eq!(got[0], ("resource_provider_id".to_string(), u.to_string()));
        let got = offered(&format!("http://h/networking/v2.0/networks?id={u}"), None);
        assert_eq!(got, vec![("network_id".to_string(), u.to_string())]);
        let got = offered(&format!("http://h/v2.1/{u}"), None);
        assert_eq!(got, vec![("resource_id".to_string(), u.to_string())]);
        for (name, _) in offered(&format!("http://h/compute/v2.1/servers/{u}?uuid={u}"), None) {
            assert!(!vague(&name), "{name}");
        }
    }

    #[test]
    fn placeholders_and_suffixes() {
        let mut v = Variables::default();
        v.name("image_id", "7d29b113-3248-4052-be42-aefdfa1758cf", 0);
        v.name("account", "AUTH_7c4cda7e4807414bbdfcb22b535a9802", 1);
        v.name("image_id", "8d29b113-3248-4052-be42-aefdfa1758cf", 2);
        assert_eq!(v.variables[2].name, "image_id_2");
        assert_eq!(
            v.placeholder_path("/v1/AUTH_7c4cda7e4807414bbdfcb22b535a9802/glance/7d29b113-3248-4052-be42-aefdfa1758cf"),
            "/v1/{account}/glance/{image_id}"
        );
        assert_eq!(v.placeholder_query("nocatalog"), None);
        assert_eq!(v.placeholder_query("name=demo&x"), Some("name=demo".into()));
        assert_eq!(
            v.placeholder_query("id=8d29b113-3248-4052-be42-aefdfa1758cf"),
            Some("id={image_id_2}".into())
        );
    }

    #[test]
    fn naming_a_hundred_thousand_ids_is_linear() {
        // The size is what catches a quadratic regression: 100,000 names
        // with a rescan per name would take minutes.
        let mut v = Variables::default();
        for i in 0..100_000u64 {
            let value = format!("{:08x}-0000-4000-8000-{:012x}", i, i);
            v.name("image_id", &value, i as usize);
        }
        assert_eq!(v.variables.len(), 100_000);
        assert_eq!(v.variables[0].name, "image_id");
        assert_eq!(v.variables[1].name, "image_id_2");
        assert_eq!(v.variables[99_999].name, "image_id_100000");
        // A base name that is itself a suffixed name is skipped over.
        v.name("image_id_100001", "ffffffff-0000-4000-8000-000000000001", 0);
        v.name("image_id", "ffffffff-0000-4000-8000-000000000002", 0);
        assert_eq!(v.variables[100_001].name, "image_id_100002");
    }

    #[test]
    fn id_like_finds_ids_inside_longer_words() {
        let mut seen = Vec::new();
        id_like(
            "/v1/AUTH_7c4cda7e4807414bbdfcb22b535a9802/c req-d15c0fbc-c5c3-44b5-af20-005b8b7d96e8 name",
            |s| seen.push(s.to_string()),
        );
        assert!(seen.contains(&"AUTH_7c4cda7e4807414bbdfcb22b535a9802".to_string()));
        assert!(seen.contains(&"7c4cda7e4807414bbdfcb22b535a9802".to_string()));
        assert!(seen.contains(&"req-d15c0fbc-c5c3-44b5-af20-005b8b7d96e8".to_string()));
        assert!(seen.contains(&"d15c0fbc-c5c3-44b5-af20-005b8b7d96e8".to_string()));
        assert!(!seen.iter().any(|s| s == "name" || s == "c"));
    }
}
