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

use std::collections::HashMap;

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
        let mut n = 1;
        while self.variables.iter().any(|v| v.name == candidate) {
            n += 1;
            candidate = format!("{name}_{n}");
        }
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
    // Where was each value seen first? Only records before the naming one can be earlier.
    for v in &mut vars.variables {
        v.first_seen = records[..v.named_in]
            .iter()
            .position(|r| mentions(r, &v.value))
            .unwrap_or(v.named_in);
    }
    vars
}

fn mentions(r: &Record, value: &str) -> bool {
    r.url.contains(value)
        || r.headers
            .iter()
            .any(|h| h.value.as_deref().is_some_and(|x| x.contains(value)))
        || r.body.lines.iter().any(|l| l.contains(value))
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
}
