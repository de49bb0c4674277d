//! Resource ids become variables: `{image_id}`, `{account}`, `{server_id}`.
//!
//! A path parameter whose value looks generated (a UUID, a 32-hex id, an
//! `AUTH_<hex>` account) is named after the api-ref path template that first
//! matched it: `/v2/images/{image_id}` names `image_id`, and
//! `/v1/{account}/{container}` names `account`. A value keeps its first name
//! everywhere (the swift object named after an image id stays `{image_id}`).
//! Generated-looking segments of calls the catalog does not know are named
//! after the segment before them (`/widgets/<uuid>` -> `widget_id`), and
//! query values after their parameter. Human names (`glance`, `demo`, tag
//! values) never become variables.

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Serialize;

use crate::correlate::apiref::ApiRef;
use crate::model::Record;

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
#[derive(Debug, Clone, Default, Serialize)]
pub struct Variables {
    pub variables: Vec<Variable>,
    #[serde(skip)]
    by_value: HashMap<String, usize>,
    /// Every name given so far.
    #[serde(skip)]
    taken: HashSet<String>,
    /// For each base name, the suffix to try next (`image_id` -> 3 once
    /// `image_id_2` is given): every suffix below it is taken, and names are
    /// never given back, so the search resumes there instead of at 2.
    #[serde(skip)]
    next_suffix: HashMap<String, usize>,
}

/// Whether a path segment or query value looks like a generated identifier.
pub fn looks_generated(value: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    let is_uuid = |s: &str| {
        let parts: Vec<&str> = s.split('-').collect();
        parts.len() == 5
            && [8, 4, 4, 4, 12]
                .iter()
                .zip(&parts)
                .all(|(n, p)| p.len() == *n && hex(p))
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

    fn name(&mut self, name: &str, value: &str, record: usize) {
        if self.by_value.contains_key(value) || !looks_generated(value) {
            return;
        }
        let mut candidate = name.to_string();
        if self.taken.contains(&candidate) {
            let n = self.next_suffix.entry(name.to_string()).or_insert(2);
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
        path.split('/')
            .map(|seg| match self.get(seg) {
                Some(v) => format!("{{{}}}", v.name),
                None => seg.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The query parameters worth showing in a diagram: those with a value
    /// (`name=demo`), variables replaced; bare flags (`nocatalog`) are left out.
    pub fn placeholder_query(&self, query: &str) -> Option<String> {
        let shown: Vec<String> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .map(|(k, v)| match self.get(v) {
                Some(var) => format!("{k}={{{}}}", var.name),
                None => format!("{k}={v}"),
            })
            .collect();
        (!shown.is_empty()).then(|| shown.join("&"))
    }
}

fn singular(segment: &str) -> String {
    let s = segment.trim_start_matches("os-").replace('-', "_");
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
        "id".to_string()
    } else {
        format!("{s}_id")
    }
}

/// Names the generated ids of a capture. `api` holds each record's api-ref match.
pub fn collect(records: &[Record], api: &[Option<ApiRef>]) -> Variables {
    let mut vars = Variables::default();
    for (i, r) in records.iter().enumerate() {
        if !r.is_request() {
            continue;
        }
        if let Some(Some(a)) = api.get(i) {
            for (name, value) in &a.params {
                // `{object}` may span segments (`dir/obj`); name each part that looks generated.
                for part in value.split('/') {
                    vars.name(name, part, i);
                }
            }
        }
        let segments: Vec<&str> = r.path().split('/').collect();
        for (k, seg) in segments.iter().enumerate() {
            if looks_generated(seg) && vars.get(seg).is_none() {
                let prev = segments[..k]
                    .iter()
                    .rev()
                    .find(|s| !s.is_empty() && !looks_generated(s));
                let name = prev
                    .map(|p| singular(p))
                    .unwrap_or_else(|| "id".to_string());
                vars.name(&name, seg, i);
            }
        }
        if let Some(q) = r.query() {
            for (k, v) in q.split('&').filter_map(|kv| kv.split_once('=')) {
                if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    vars.name(k, v, i);
                }
            }
        }
    }
    first_seen(records, &mut vars.variables);
    vars
}

/// Sets where each value was seen first: the first record (URL, header
/// value or body line) that holds it, if that comes before the record that
/// named it. One pass over the records with an automaton of every value,
/// instead of a scan of the records per value.
fn first_seen(records: &[Record], variables: &mut [Variable]) {
    let Some(last) = variables.iter().map(|v| v.named_in).max() else {
        return;
    };
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(variables.iter().map(|v| v.value.as_bytes()));
    let Ok(automaton) = automaton else {
        // Too many patterns for one automaton: keep the naming record.
        return;
    };
    // Values still looking for an earlier record.
    let mut open = variables.iter().filter(|v| v.named_in > 0).count();
    for (i, r) in records[..last.min(records.len())].iter().enumerate() {
        if open == 0 {
            break;
        }
        let texts = std::iter::once(r.url.as_str())
            .chain(r.headers.iter().filter_map(|h| h.value.as_deref()))
            .chain(r.body.lines.iter().map(String::as_str));
        for text in texts {
            // Overlapping: one value may sit inside another (`AUTH_<hex>`).
            for m in automaton.find_overlapping_iter(text) {
                let v = &mut variables[m.pattern().as_usize()];
                if v.first_seen == v.named_in && i < v.named_in {
                    v.first_seen = i;
                    open -= 1;
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
    }

    #[test]
    fn placeholders() {
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
    fn a_taken_name_is_skipped_wherever_it_came_from() {
        let mut v = Variables::default();
        let id = |n: u32| format!("{n:08x}-3248-4052-be42-aefdfa1758cf");
        v.name("image_id", &id(1), 0);
        // A query parameter literally called `image_id_2` takes that name first.
        v.name("image_id_2", &id(2), 1);
        v.name("image_id", &id(3), 2);
        v.name("image_id", &id(4), 3);
        v.name("image_id_3", &id(5), 4);
        let names: Vec<&str> = v.variables.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "image_id",
                "image_id_2",
                "image_id_3",
                "image_id_4",
                "image_id_3_2"
            ]
        );
    }

    #[test]
    fn first_seen_finds_values_inside_other_values() {
        let hex = "7c4cda7e4807414bbdfcb22b535a9802";
        let records = vec![
            Record::test_request("c", "s", "GET", "http://h/x", &[], "none"),
            Record::test_request(
                "c",
                "s",
                "GET",
                "http://h/y",
                &[("X-A", &format!("AUTH_{hex}"))],
                "none",
            ),
            Record::test_request(
                "c",
                "s",
                "GET",
                &format!("http://h/v1/AUTH_{hex}"),
                &[],
                "none",
            ),
            Record::test_request("c", "s", "GET", &format!("http://h/a/{hex}"), &[], "none"),
        ];
        let vars = collect(&records, &[]);
        let found: Vec<(&str, usize, usize)> = vars
            .variables
            .iter()
            .map(|v| (v.name.as_str(), v.first_seen, v.named_in))
            .collect();
        // `AUTH_<hex>` is named at record 2 and was in a header of record 1;
        // the bare hex is named at 3 and sits inside that header too.
        assert_eq!(found, [("v1_id", 1, 2), ("a_id", 1, 3)]);
    }

    /// 100,000 distinct ids, every one listed in a first response and then
    /// fetched by id. Naming used to rescan every taken name per candidate
    /// (cubic) and the first-seen search rescanned earlier records per
    /// value (quadratic): at this size either would not finish.
    #[test]
    fn naming_100_000_distinct_ids() {
        const N: usize = 100_000;
        let ids: Vec<String> = (0..N)
            .map(|i| format!("{i:08x}-3248-4052-be42-{:012x}", i * 7919))
            .collect();
        let mut records = Vec::with_capacity(N + 1);
        let list = format!(
            "{{\"images\": [\n{}\n]}}",
            ids.iter()
                .map(|id| format!("{{\"id\": \"{id}\"}}"))
                .collect::<Vec<_>>()
                .join(",\n")
        );
        let mut listing = Record::test_request(
            "openstack",
            "glance-api",
            "GET",
            "http://h/v2/images",
            &[],
            &list,
        );
        listing.direction = crate::model::Direction::Response;
        records.push(listing);
        for id in &ids {
            records.push(Record::test_request(
                "openstack",
                "glance-api",
                "GET",
                &format!("http://h/v2/images/{id}"),
                &[],
                "none",
            ));
        }
        let api = crate::correlate::api_refs(&records, &crate::config::Config::default());
        let vars = collect(&records, &api);
        assert_eq!(vars.variables.len(), N);
        for (k, v) in vars.variables.iter().enumerate() {
            let want = if k == 0 {
                "image_id".to_string()
            } else {
                format!("image_id_{}", k + 1)
            };
            assert_eq!(v.name, want);
            assert_eq!(v.value, ids[k]);
            assert_eq!((v.first_seen, v.named_in), (0, k + 1), "{}", v.name);
        }
        assert_eq!(vars.variables[N - 1].name, "image_id_100000");
    }
}
