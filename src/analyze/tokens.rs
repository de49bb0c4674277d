//! Tokens: who got which keystone token, and where it went.
//!
//! A token is issued in the subject-token header of the response to a
//! token request, used in the auth (and service) token headers of requests,
//! and validated by a service asking keystone about it. Each token gets a
//! short stable name (`token-1`, ... in order of first appearance), which is
//! also what redaction shows instead of the secret. A token used but never
//! seen issued is listed as pre-existing.

use serde::Serialize;
use serde_json::Value;

use crate::model::facts::{flag, Facts, Names, Sym};
use crate::model::Record;

/// An id and a name, as keystone returns them (`user`, `project`, `domain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// What a token response says about the token it hands out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Issue {
    pub methods: Vec<String>,
    pub user: Option<Named>,
    pub project: Option<Named>,
    pub domain: Option<Named>,
    pub roles: Vec<String>,
    pub expires_at: Option<String>,
}

impl Issue {
    /// Reads a token response's body (keystone v3 `{"token": {...}}`).
    pub fn from_response(record: &Record) -> Issue {
        let Some(body) = record.body.json() else {
            return Issue::default();
        };
        let token = body.get("token");
        let get = |k: &str| token.and_then(|t| t.get(k));
        let named = |v: Option<&Value>| {
            let v = v?.as_object()?;
            let s = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
            Some(Named {
                id: s("id"),
                name: s("name"),
            })
        };
        Issue {
            methods: get("methods")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            user: named(get("user")),
            project: named(get("project")),
            domain: named(get("domain")),
            roles: get("roles")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.get("name").and_then(Value::as_str))
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            expires_at: get("expires_at").and_then(Value::as_str).map(String::from),
        }
    }
}

/// A service that validated a token, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// Record index of the validating request.
    pub record: usize,
    /// The service that asked keystone.
    pub by: Sym,
}

/// One token and its life in the capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    /// `token-1`, `token-2`, ...
    pub name: String,
    /// The token's symbol in the capture's token names.
    #[serde(skip)]
    pub value: Sym,
    /// Record index of the response that issued it.
    pub issued_in: Option<usize>,
    /// Who asked for it (the caller of the token request).
    pub issued_to: Option<Sym>,
    pub issue: Issue,
    /// Record indexes of the requests that carried it.
    pub used_in: Vec<usize>,
    /// The callers that used it, in order of first use.
    pub used_by: Vec<Sym>,
    pub validations: Vec<Validation>,
    /// Used, but never seen issued in this capture.
    pub preexisting: bool,
}

/// Every token of a capture.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    pub tokens: Vec<Token>,
    /// Token symbol -> index in `tokens`.
    by_value: Vec<Option<u32>>,
}

impl Tokens {
    /// The token a symbol is, if it became one.
    pub fn get(&self, value: Sym) -> Option<&Token> {
        self.by_value
            .get(value as usize)
            .copied()
            .flatten()
            .map(|i| &self.tokens[i as usize])
    }

    /// Token value -> name, for every token (redaction shows the names).
    pub fn names<'n>(&'n self, values: &'n Names) -> impl Iterator<Item = (&'n str, &'n str)> {
        self.tokens
            .iter()
            .map(|t| (values.str(t.value), t.name.as_str()))
    }

    fn get_or_add(&mut self, value: Sym, preexisting: bool) -> usize {
        let slot = value as usize;
        if self.by_value.len() <= slot {
            self.by_value.resize(slot + 1, None);
        }
        if let Some(i) = self.by_value[slot] {
            return i as usize;
        }
        let i = self.tokens.len();
        self.tokens.push(Token {
            name: format!("token-{}", i + 1),
            value,
            issued_in: None,
            issued_to: None,
            issue: Issue::default(),
            used_in: Vec::new(),
            used_by: Vec::new(),
            validations: Vec::new(),
            preexisting,
        });
        self.by_value[slot] = Some(i as u32);
        i
    }
}

/// Finds every token of a capture from its facts, in record order;
/// `issues` reads what a token response says about its token.
pub fn collect(facts: &[Facts], issues: impl Fn(usize) -> Issue) -> Tokens {
    let mut tokens = Tokens::default();
    for (i, f) in facts.iter().enumerate() {
        let s = &f.signals;
        if f.is_request() {
            // In header order: names go by first appearance.
            let check = if f.has(flag::TOKEN_CHECK) {
                s.subject
            } else {
                0
            };
            let mut seen: Vec<(u8, u8, u32)> = [(0u8, s.credential), (1, s.service), (2, check)]
                .into_iter()
                .filter(|&(_, v)| v != 0)
                .map(|(what, v)| (s.rank(what), what, v))
                .collect();
            seen.sort_unstable();
            for (_, what, value) in seen {
                let t = tokens.get_or_add(value - 1, true);
                let tok = &mut tokens.tokens[t];
                if what == 2 {
                    tok.validations.push(Validation {
                        record: i,
                        by: f.from,
                    });
                } else {
                    tok.used_in.push(i);
                    if !tok.used_by.contains(&f.from) {
                        tok.used_by.push(f.from);
                    }
                }
            }
            continue;
        }
        // A response issuing a token.
        if !f.has(flag::TOKEN_REQUEST) || s.subject == 0 {
            continue;
        }
        let t = tokens.get_or_add(s.subject - 1, false);
        let tok = &mut tokens.tokens[t];
        if tok.issued_in.is_some() {
            continue;
        }
        tok.preexisting = false;
        tok.issued_in = Some(i);
        tok.issued_to = Some(f.from);
        tok.issue = issues(i);
    }
    tokens
}
