//! Tokens: who got which keystone token, and where it went.
//!
//! A token is issued in the `X-Subject-Token` header of a response to
//! `POST .../auth/tokens`, used in `X-Auth-Token` (and `X-Service-Token`),
//! and validated by a service calling `GET .../auth/tokens` with the token in
//! `X-Subject-Token`. Each token gets a short stable name (`token-1`, ... in
//! order of first appearance), which is also what redaction shows instead of
//! the secret. A token that is used but was never seen issued is listed as
//! pre-existing.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::model::Record;

/// An id and a name, as keystone returns them (`user`, `project`, `domain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// A service that validated a token, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// Record index of the validating request.
    pub record: usize,
    /// The service that asked keystone.
    pub by: String,
}

/// One token and its life in the capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    /// `token-1`, `token-2`, ...
    pub name: String,
    /// The token itself. Never rendered when redaction is on.
    #[serde(skip)]
    pub value: String,
    /// Record index of the response that issued it.
    pub issued_in: Option<usize>,
    /// Who asked for it (the caller of `POST .../auth/tokens`).
    pub issued_to: Option<String>,
    pub methods: Vec<String>,
    pub user: Option<Named>,
    pub project: Option<Named>,
    pub domain: Option<Named>,
    pub roles: Vec<String>,
    pub expires_at: Option<String>,
    /// Record indexes of the requests that carried it.
    pub used_in: Vec<usize>,
    /// The callers that used it, in order of first use.
    pub used_by: Vec<String>,
    pub validations: Vec<Validation>,
    /// Used, but never seen issued in this capture.
    pub preexisting: bool,
}

/// Every token of a capture.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tokens {
    pub tokens: Vec<Token>,
    #[serde(skip)]
    by_value: HashMap<String, usize>,
}

impl Tokens {
    /// The name of a token value, if it is known.
    pub fn name_of(&self, value: &str) -> Option<&str> {
        self.by_value
            .get(value)
            .map(|&i| self.tokens[i].name.as_str())
    }

    /// Token value -> name, for redaction.
    pub fn names(&self) -> HashMap<String, String> {
        self.tokens
            .iter()
            .map(|t| (t.value.clone(), t.name.clone()))
            .collect()
    }

    fn get_or_add(&mut self, value: &str, preexisting: bool) -> usize {
        if let Some(&i) = self.by_value.get(value) {
            return i;
        }
        let i = self.tokens.len();
        self.tokens.push(Token {
            name: format!("token-{}", i + 1),
            value: value.to_string(),
            issued_in: None,
            issued_to: None,
            methods: Vec::new(),
            user: None,
            project: None,
            domain: None,
            roles: Vec::new(),
            expires_at: None,
            used_in: Vec::new(),
            used_by: Vec::new(),
            validations: Vec::new(),
            preexisting,
        });
        self.by_value.insert(value.to_string(), i);
        i
    }
}

fn is_auth_tokens(path: &str) -> bool {
    path.trim_end_matches('/').ends_with("/auth/tokens")
}

fn named(v: Option<&Value>) -> Option<Named> {
    let v = v?.as_object()?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    Some(Named {
        id: s("id"),
        name: s("name"),
    })
}

/// Finds every token in a capture (records in log order).
pub fn collect(records: &[Record]) -> Tokens {
    let mut tokens = Tokens::default();
    // (token, caller) pairs already in `used_by`: a token passed around by
    // many callers is not searched through them all on every use.
    let mut users: HashSet<(usize, &str)> = HashSet::new();
    for (i, r) in records.iter().enumerate() {
        if r.is_request() {
            for h in &r.headers {
                let Some(value) = h.value.as_deref().filter(|v| !v.is_empty()) else {
                    continue;
                };
                if h.is("X-Auth-Token") || h.is("X-Service-Token") {
                    let t = tokens.get_or_add(value, true);
                    let tok = &mut tokens.tokens[t];
                    tok.used_in.push(i);
                    if users.insert((t, r.from.as_str())) {
                        tok.used_by.push(r.from.clone());
                    }
                } else if h.is("X-Subject-Token")
                    && r.method.eq_ignore_ascii_case("GET")
                    && is_auth_tokens(r.path())
                {
                    let t = tokens.get_or_add(value, true);
                    tokens.tokens[t].validations.push(Validation {
                        record: i,
                        by: r.from.clone(),
                    });
                }
            }
            continue;
        }
        // A response issuing a token.
        if !(r.method.eq_ignore_ascii_case("POST") && is_auth_tokens(r.path())) {
            continue;
        }
        let Some(value) = r.header("X-Subject-Token").filter(|v| !v.is_empty()) else {
            continue;
        };
        let t = tokens.get_or_add(value, false);
        let tok = &mut tokens.tokens[t];
        if tok.issued_in.is_some() {
            continue;
        }
        tok.preexisting = false;
        tok.issued_in = Some(i);
        tok.issued_to = Some(r.from.clone());
        if let Some(body) = r.body.json() {
            let token = body.get("token");
            let get = |k: &str| token.and_then(|t| t.get(k));
            tok.methods = get("methods")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            tok.user = named(get("user"));
            tok.project = named(get("project"));
            tok.domain = named(get("domain"));
            tok.roles = get("roles")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.get("name").and_then(Value::as_str))
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            tok.expires_at = get("expires_at").and_then(Value::as_str).map(String::from);
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::load_from;
    use std::path::Path;

    #[test]
    fn issue_use_validate_and_preexisting() {
        let t = "\n### (c) REQ >>> (keystone) : POST http://h/identity/v3/auth/tokens\nX-Requestshook-Request-Id: 1\n\nnone\n\
\n### (c) RESP <<< (keystone) : 201 CREATED POST http://h/identity/v3/auth/tokens\nX-Subject-Token: TOK-A\nX-Requestshook-Request-Id: 1\n\n{\"token\": {\"methods\": [\"password\"], \"user\": {\"id\": \"u1\", \"name\": \"admin\"}, \"project\": {\"id\": \"p1\", \"name\": \"demo\"}, \"roles\": [{\"id\": \"r\", \"name\": \"member\"}], \"expires_at\": \"2030-01-01T00:00:00Z\"}}\n\
\n### (c) REQ >>> (glance-api) : GET http://h/v2/images\nX-Auth-Token: TOK-A\nX-Requestshook-Request-Id: 2\n\nnone\n\
\n### (glance-api) REQ >>> (keystone) : GET http://h/identity/v3/auth/tokens\nX-Auth-Token: TOK-OLD\nX-Subject-Token: TOK-A\nX-Requestshook-Request-Id: 3\n\nnone\n";
        let loaded = load_from(t.as_bytes(), Path::new("t.log")).unwrap();
        let tokens = collect(&loaded.capture.records);
        assert_eq!(tokens.tokens.len(), 2);
        let a = &tokens.tokens[0];
        assert_eq!(a.name, "token-1");
        assert_eq!(a.issued_in, Some(1));
        assert_eq!(a.issued_to.as_deref(), Some("c"));
        assert_eq!(
            a.user.as_ref().and_then(|u| u.name.as_deref()),
            Some("admin")
        );
        assert_eq!(
            a.project.as_ref().and_then(|u| u.name.as_deref()),
            Some("demo")
        );
        assert_eq!(a.roles, vec!["member"]);
        assert_eq!(a.used_in, vec![2]);
        assert_eq!(
            a.validations,
            vec![Validation {
                record: 3,
                by: "glance-api".into()
            }]
        );
        assert!(!a.preexisting);
        let old = &tokens.tokens[1];
        assert_eq!(old.name, "token-2");
        assert!(old.preexisting);
        assert_eq!(tokens.name_of("TOK-OLD"), Some("token-2"));
    }
}
