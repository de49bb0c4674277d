//! Noise filters: drop exchanges at render time, with requestshook's
//! `should_not_hook.json` semantics, so nobody has to capture again.
//!
//! A rule matches a request when every field it sets matches: `from`, `to`
//! and `method` compare case-insensitively; `urls` is a list of patterns of
//! which one must be found (a regular-expression search, as requestshook's
//! `re.search`) in the request's path and query. In a pattern, `{uuid}` and
//! the other mapping names stand for their regular expressions
//! (`{uuid}` -> `([a-fA-F0-9-]+)`); any other `{word}` stands for one path
//! segment. A dropped exchange takes the calls nested under it along.
//!
//! An existing `should_not_hook.json` (`{"filters": [...], "mappings": {...}}`)
//! is accepted as-is, through `filter_file` in `tracedoc.toml`.

use std::path::Path;

use indexmap::IndexMap;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::model::Record;

/// One filter rule: every given field must match for an exchange to be dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Caller name (`nova-compute`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Callee name (`placement-api`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// URL patterns; one must be found in the request path and query.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Mapping names to regular expressions, for this rule's patterns
    /// (filled from a `should_not_hook.json`'s `mappings`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub mappings: IndexMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct ShouldNotHook {
    #[serde(default)]
    filters: Vec<Rule>,
    #[serde(default)]
    mappings: IndexMap<String, String>,
}

/// The mappings requestshook knows, plus two common ones.
const DEFAULT_MAPPINGS: &[(&str, &str)] = &[
    ("{uuid}", "([a-fA-F0-9-]+)"),
    ("{name}", "(.+?)"),
    ("{version}", "(v[0-9.]+)"),
];

/// Reads a requestshook `should_not_hook.json`.
pub fn load_should_not_hook(path: &Path) -> Result<Vec<Rule>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let file: ShouldNotHook = serde_json::from_str(&text).map_err(|e| Error::Config {
        path: path.with_file_name(format!(
            "{}:{}",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            e.line()
        )),
        message: e.to_string(),
    })?;
    Ok(file
        .filters
        .into_iter()
        .map(|mut r| {
            for (k, v) in &file.mappings {
                r.mappings.entry(k.clone()).or_insert_with(|| v.clone());
            }
            r
        })
        .collect())
}

/// Compiled rules.
#[derive(Debug)]
pub struct Filters {
    rules: Vec<(Rule, Vec<Regex>)>,
}

fn compile(
    pattern: &str,
    mappings: &IndexMap<String, String>,
) -> std::result::Result<Regex, regex::Error> {
    let mut out = pattern.to_string();
    for (k, v) in mappings {
        out = out.replace(k.as_str(), v);
    }
    for (k, v) in DEFAULT_MAPPINGS {
        out = out.replace(k, v);
    }
    // Any other `{word}`: one path segment.
    let other = Regex::new(r"\{[A-Za-z_][A-Za-z0-9_-]*\}")?;
    let out = other.replace_all(&out, "([^/?]+)");
    Regex::new(&out)
}

impl Filters {
    /// Compiles rules; an invalid pattern is an error naming it.
    pub fn new(rules: &[Rule]) -> std::result::Result<Filters, String> {
        let mut compiled = Vec::with_capacity(rules.len());
        for rule in rules {
            let mut res = Vec::with_capacity(rule.urls.len());
            for u in &rule.urls {
                res.push(compile(u, &rule.mappings).map_err(|e| format!("filter url `{u}`: {e}"))?);
            }
            compiled.push((rule.clone(), res));
        }
        Ok(Filters { rules: compiled })
    }

    /// A set that drops nothing.
    pub fn none() -> Filters {
        Filters { rules: Vec::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The index of the first rule that drops this request, if any.
    pub fn matching(&self, request: &Record) -> Option<usize> {
        if self.rules.is_empty() {
            return None;
        }
        let path_qs = match request.query() {
            Some(q) => format!("{}?{q}", request.path()),
            None => request.path().to_string(),
        };
        let eq = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(have))
        };
        self.rules.iter().position(|(rule, urls)| {
            eq(&rule.from, &request.from)
                && eq(&rule.to, &request.to)
                && eq(&rule.method, &request.method)
                && (urls.is_empty() || urls.iter().any(|re| re.is_match(&path_qs)))
        })
    }

    /// The rule at an index.
    pub fn rule(&self, index: usize) -> Option<&Rule> {
        self.rules.get(index).map(|(r, _)| r)
    }
}

/// What one rule dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The rule's index.
    pub rule: usize,
    /// Every exchange it dropped (nested calls included), in order.
    pub exchanges: Vec<usize>,
}

/// Drops filtered exchanges: for each record, whether it is dropped, and
/// per rule that dropped anything, what. `matched` gives, for a request
/// record, the first rule that matches it. A dropped exchange takes the
/// calls nested under it along.
pub fn apply(
    graph: &Graph,
    records: usize,
    matched: impl Fn(usize) -> Option<usize>,
) -> (Vec<bool>, Vec<Dropped>) {
    let mut dropped = vec![false; records];
    let mut per_rule: Vec<Dropped> = Vec::new();
    for e in &graph.exchanges {
        let Some(q) = e.request.map(|q| q as usize) else {
            continue;
        };
        if dropped[q] {
            continue;
        }
        let Some(rule) = matched(q) else { continue };
        let k = match per_rule.iter().position(|d| d.rule == rule) {
            Some(k) => k,
            None => {
                per_rule.push(Dropped {
                    rule,
                    exchanges: Vec::new(),
                });
                per_rule.len() - 1
            }
        };
        for x in graph.subtree(graph.by_record[q] as usize) {
            let ex = &graph.exchanges[x];
            for r in [ex.request, ex.response].into_iter().flatten() {
                dropped[r as usize] = true;
            }
            per_rule[k].exchanges.push(x);
        }
    }
    per_rule.sort_by_key(|d| d.rule);
    (dropped, per_rule)
}

/// A rule as pretty JSON (the `should_not_hook.json` form), one line each.
pub fn rule_json(rule: &Rule) -> Vec<String> {
    serde_json::to_string_pretty(rule)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(from: &str, to: &str, method: &str, url: &str) -> Record<'static> {
        Record::test_request(from, to, method, url, &[], "none")
    }

    #[test]
    fn should_not_hook_semantics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("should_not_hook.json");
        std::fs::write(
            &path,
            r#"{"filters": [
                {"from": "nova-compute", "to": "placement-api", "method": "GET",
                 "urls": ["/placement/resource_providers/{uuid}/inventories", "/identity/{version}/limits"]},
                {"from": "placement-api", "to": "keystone", "urls": ["/identity/"]}
            ], "mappings": {"{uuid}": "([a-fA-F0-9-]+)"}}"#,
        )
        .unwrap();
        let rules = load_should_not_hook(&path).unwrap();
        let f = Filters::new(&rules).unwrap();
        let rp = "http://h/placement/resource_providers/0b7c6f1e-1111-4f5e-9c62-2a6b1f6a2b11/inventories";
        assert_eq!(
            f.matching(&req("NOVA-COMPUTE", "placement-api", "get", rp)),
            Some(0)
        );
        assert_eq!(
            f.matching(&req("nova-compute", "placement-api", "PUT", rp)),
            None
        );
        assert_eq!(
            f.matching(&req(
                "nova-compute",
                "placement-api",
                "GET",
                "http://h/identity/v3/limits"
            )),
            Some(0)
        );
        assert_eq!(
            f.matching(&req(
                "placement-api",
                "keystone",
                "POST",
                "http://h/identity/v3/auth/tokens"
            )),
            Some(1)
        );
        assert_eq!(
            f.matching(&req("glance-api", "keystone", "GET", "http://h/identity/")),
            None
        );
    }

    #[test]
    fn bad_patterns_and_files_are_reported() {
        let rule = Rule {
            urls: vec!["(".into()],
            ..Rule::default()
        };
        assert!(Filters::new(&[rule])
            .unwrap_err()
            .contains("filter url `(`"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        std::fs::write(&path, "{\n \"filters\": [ {\"frm\": 1} ]}").unwrap();
        let err = load_should_not_hook(&path).unwrap_err().to_string();
        assert!(err.contains("x.json:2"), "{err}");
    }
}
