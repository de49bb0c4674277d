//! Redaction of secrets before anything is rendered.
//!
//! Captures hold passwords and live tokens; rendered pages get published.
//! [`Redactor`] makes redacted copies of the records after correlation (which
//! needs the real values to follow tokens between calls) and before the page
//! is built, so no template, context dump or log re-emission ever sees a
//! secret.
//!
//! What is replaced, and by what (see `docs/redaction.md`):
//!
//! - header values by header name: tokens (`X-Auth-Token`, `X-Subject-Token`,
//!   `X-Service-Token`, any `*-Token`) get a stable name, other secrets
//!   (`Authorization`, `Cookie`, `Set-Cookie`, `*-Key`, `*-Secret`) `***`;
//! - JSON body values whose key contains one of oslo.utils' sensitive key
//!   substrings ([`SANITIZE_KEYS`]), at any depth, edited in place in the
//!   captured text (never re-serialized, so the layout stays as captured);
//! - `key=value` / `key: value` pairs in text bodies and URL query strings;
//! - every token value seen anywhere above, wherever else it appears;
//! - the user's own rules from `tracedoc.toml` `[redact]`.
//!
//! A token becomes the name the correlation stage gave it, or else
//! `{SHA256}` and the first 12 hex digits of its SHA-256 (the spirit of
//! keystoneauth's `{SHA256}...` log form), so a reader can still follow
//! which token went where without seeing it.

use std::collections::HashMap;

use rayon::prelude::*;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use indexmap::IndexMap;
use regex::{Captures, Regex};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::model::{BodyKind, Record};

/// Extra redaction rules from `tracedoc.toml` `[redact]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRules {
    /// More header names to redact.
    #[serde(default)]
    pub headers: Vec<String>,
    /// More JSON keys to redact (case-insensitive substrings).
    #[serde(default)]
    pub keys: Vec<String>,
    /// Regular expressions whose matches are replaced.
    #[serde(default)]
    pub patterns: Vec<String>,
}

impl UserRules {
    /// Checks the rules (regexes compile).
    pub fn validate(&self) -> Result<(), String> {
        for p in &self.patterns {
            regex::Regex::new(p).map_err(|e| format!("redact.patterns: `{p}`: {e}"))?;
        }
        for k in &self.keys {
            if k.trim().is_empty() {
                return Err("redact.keys: an empty key would match every key".into());
            }
        }
        Ok(())
    }
}

/// oslo.utils `strutils._SANITIZE_KEYS`: a key containing any of these
/// (case-insensitive) holds a secret.
pub const SANITIZE_KEYS: &[&str] = &[
    "adminpass",
    "admin_pass",
    "password",
    "admin_password",
    "auth_token",
    "new_pass",
    "auth_password",
    "secret_uuid",
    "secret",
    "sys_pswd",
    "token",
    "configdrive",
    "chappassword",
    "encrypted_key",
    "private_key",
    "fernetkey",
    "sslkey",
    "passphrase",
    "cephclusterfsid",
    "octaviaheartbeatkey",
    "rabbitcookie",
    "cephmanilaclientkey",
    "pacemakerremoteauthkey",
    "designaterndckey",
    "cephadminkey",
    "heatauthencryptionkey",
    "cephclientkey",
    "keystonecredential",
    "barbicansimplecryptokek",
    "cephrgwkey",
    "swifthashsuffix",
    "migrationsshkey",
    "cephmdskey",
    "cephmonkey",
];

/// Keys tracedoc adds to oslo's list: Swift temporary URL signatures, S3
/// presigned-URL signatures, and keystone credential blobs (the EC2/TOTP
/// secret, serialized as a JSON string).
pub const EXTRA_KEYS: &[&str] = &["temp_url_sig", "signature", "blob", "passwd"];

/// Keys that hold a secret only when they are the whole key (a substring
/// match would hit harmless neighbours such as `payload_content_type`):
/// barbican's secret `payload`.
pub const EXACT_KEYS: &[&str] = &["payload"];

/// Headers whose value is a token, by exact name; any `*-Token` also is.
pub const TOKEN_HEADERS: &[&str] = &["x-auth-token", "x-subject-token", "x-service-token"];

/// Token values shorter than this are replaced where they were found but not
/// hunted through the rest of the capture: a short value (`"token": "abc"`)
/// would also hit unrelated text. Real tokens are far longer (UUID 32,
/// fernet ~180, JWS hundreds of characters).
pub const MIN_HUNTED_TOKEN: usize = 16;

/// What replaces a secret that is not a token.
pub const MASK: &str = "***";

/// The name of a token nobody named: `{SHA256}` + 12 hex digits of its SHA-256.
pub fn hash_name(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut name = String::from("{SHA256}");
    for b in &digest[..6] {
        name.push_str(&format!("{b:02x}"));
    }
    name
}

/// What kind of secret a key or header holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Secret {
    /// Named, and hunted through the whole capture.
    Token,
    /// Replaced by [`MASK`].
    Masked,
}

/// How a header's value is redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderRule {
    Token,
    Masked,
    Authorization,
    Cookie,
    SetCookie,
}

fn header_rule(name: &str, user: &[String]) -> Option<HeaderRule> {
    let lower = name.trim().to_ascii_lowercase();
    if user.iter().any(|u| u.trim().eq_ignore_ascii_case(&lower)) {
        return Some(HeaderRule::Masked);
    }
    match lower.as_str() {
        "authorization" | "proxy-authorization" => return Some(HeaderRule::Authorization),
        "cookie" => return Some(HeaderRule::Cookie),
        "set-cookie" | "set-cookie2" => return Some(HeaderRule::SetCookie),
        _ => {}
    }
    if TOKEN_HEADERS.contains(&lower.as_str()) || lower.ends_with("-token") {
        return Some(HeaderRule::Token);
    }
    // `*-Key`, `*-Key-2` (Swift's second temp URL key), `*-Secret`, `*-Pass`
    // (Swift tempauth's `X-Storage-Pass`), and any header naming a password.
    let base = lower.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = base.strip_suffix('-').unwrap_or(&lower);
    if base.ends_with("-key")
        || lower.ends_with("-secret")
        || lower.ends_with("-pass")
        || lower.contains("password")
        || lower.contains("passwd")
    {
        return Some(HeaderRule::Masked);
    }
    None
}

/// Makes redacted copies of records. Build one per capture run.
#[derive(Debug)]
pub struct Redactor {
    /// Token value -> name, from the correlation stage.
    token_names: HashMap<String, String>,
    /// Lowercased sensitive key substrings (oslo's, tracedoc's, the user's).
    keys: Vec<String>,
    /// Any sensitive key substring or exact key, case-insensitive: a cheap pre-check.
    key_finder: AhoCorasick,
    /// `key=value` / `key: value` pairs with a sensitive key.
    pairs: Regex,
    user_headers: Vec<String>,
    user_patterns: Vec<Regex>,
}

impl Redactor {
    /// A redactor with the built-in rules plus `rules`. `token_names` maps
    /// token values to the names the correlation stage gave them (`token-1`);
    /// tokens not in it are named by [`hash_name`].
    pub fn new(rules: &UserRules, token_names: &HashMap<String, String>) -> Result<Self, String> {
        rules.validate()?;
        let mut keys: Vec<String> = SANITIZE_KEYS
            .iter()
            .chain(EXTRA_KEYS)
            .map(|k| k.to_string())
            .collect();
        keys.extend(rules.keys.iter().map(|k| k.trim().to_ascii_lowercase()));
        let all_keys: Vec<&str> = keys
            .iter()
            .map(String::as_str)
            .chain(EXACT_KEYS.iter().copied())
            .collect();
        let key_finder = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&all_keys)
            .map_err(|e| format!("redact.keys: {e}"))?;
        let alternation = all_keys
            .iter()
            .map(|k| regex::escape(k))
            .collect::<Vec<_>>()
            .join("|");
        // key, an optional closing quote (maybe JSON-escaped), `=` or `:`,
        // then a double-quoted, single-quoted or bare value on the same line.
        let pairs = Regex::new(&format!(
            r#"(?i)(?P<key>[A-Za-z0-9_.\-]*(?:{alternation})[A-Za-z0-9_.\-]*)(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?"(?P<dq>[^"\\\n]*)\\?"|\\?'(?P<sq>[^'\\\n]*)\\?'|(?P<bare>[^\s&;,"'<>(){{}}\[\]]+))"#
        ))
        .map_err(|e| format!("redact.keys: {e}"))?;
        let user_patterns = rules
            .patterns
            .iter()
            .map(|p| Regex::new(p).map_err(|e| format!("redact.patterns: `{p}`: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Redactor {
            token_names: token_names.clone(),
            keys,
            key_finder,
            pairs,
            user_headers: rules.headers.clone(),
            user_patterns,
        })
    }

    /// Redacted copies of `records`, in the same order.
    pub fn records(&self, records: &[Record]) -> Vec<Record> {
        let mut seen = Tokens::default();
        let mut out: Vec<Record> = records.iter().map(|r| self.record(r, &mut seen)).collect();
        let hunter = Hunter::new(&seen, &self.token_names);
        // Records are independent here: hunt token values on every core.
        out.par_iter_mut()
            .for_each(|r| self.finish(r, hunter.as_ref()));
        out
    }

    /// The name a token value is shown as.
    pub fn token_name(&self, token: &str) -> String {
        self.token_names
            .get(token)
            .cloned()
            .unwrap_or_else(|| hash_name(token))
    }

    /// Whether a key (JSON key, query or form field) holds a secret.
    fn key_secret(&self, key: &str) -> Option<Secret> {
        if !self.key_finder.is_match(key) {
            return None;
        }
        let lower = key.to_ascii_lowercase();
        if lower.contains("token") {
            Some(Secret::Token)
        } else if self.keys.iter().any(|k| lower.contains(k.as_str()))
            || EXACT_KEYS.contains(&lower.as_str())
        {
            Some(Secret::Masked)
        } else {
            None
        }
    }

    /// The first pass over one record: every rule that depends on position.
    fn record(&self, record: &Record, seen: &mut Tokens) -> Record {
        let mut r = record.clone();
        r.url = self.url(&r.url, seen);
        for h in &mut r.headers {
            match &mut h.value {
                Some(v) => {
                    if let Some(new) = self.header_value(&h.name, v, seen) {
                        *v = new;
                    }
                }
                // A line without `": "` (`X-Auth-Token:abc`): treat it as text.
                None => h.name = self.text_line(&h.name, seen),
            }
        }
        match r.body.kind {
            BodyKind::None | BodyKind::Binary => {}
            BodyKind::Json => {
                let text = r.body.text();
                let redacted = self.json(&text, seen);
                if redacted != text {
                    r.body.lines = redacted.split('\n').map(str::to_string).collect();
                }
            }
            BodyKind::Text => {
                for line in &mut r.body.lines {
                    *line = self.text_line(line, seen);
                }
            }
        }
        r
    }

    /// The second pass: hunted tokens and the user's patterns, everywhere.
    fn finish(&self, r: &mut Record, hunter: Option<&Hunter>) {
        let apply = |s: &mut String| {
            if let Some(h) = hunter {
                if let Some(new) = h.replace(s) {
                    *s = new;
                }
            }
            for p in &self.user_patterns {
                if let std::borrow::Cow::Owned(new) = p.replace_all(s, MASK) {
                    *s = new;
                }
            }
        };
        apply(&mut r.url);
        for h in &mut r.headers {
            match &mut h.value {
                Some(v) => apply(v),
                None => apply(&mut h.name),
            }
        }
        for line in &mut r.body.lines {
            apply(line);
        }
    }

    fn token(&self, value: &str, seen: &mut Tokens) -> String {
        let name = self.token_name(value);
        seen.insert(value, &name);
        name
    }

    fn header_value(&self, name: &str, value: &str, seen: &mut Tokens) -> Option<String> {
        let rule = match header_rule(name, &self.user_headers) {
            Some(rule) => rule,
            None if looks_like_url(value) => return Some(self.url(value, seen)),
            None => return None,
        };
        if value.is_empty() {
            return None;
        }
        Some(match rule {
            HeaderRule::Token => self.token(value, seen),
            HeaderRule::Masked => MASK.to_string(),
            HeaderRule::Authorization => match value.split_once(' ') {
                Some((scheme, cred)) if scheme.eq_ignore_ascii_case("bearer") => {
                    format!("{scheme} {}", self.token(cred.trim(), seen))
                }
                Some((scheme, _)) => format!("{scheme} {MASK}"),
                None => MASK.to_string(),
            },
            HeaderRule::Cookie => mask_cookie_values(value, usize::MAX),
            HeaderRule::SetCookie => mask_cookie_values(value, 1),
        })
    }

    /// Redacts the query string of a URL (`?token=...&temp_url_sig=...`).
    fn url(&self, url: &str, seen: &mut Tokens) -> String {
        let Some(q) = url.find('?') else {
            return url.to_string();
        };
        let end = url[q..].find('#').map_or(url.len(), |f| q + f);
        let mut out = String::with_capacity(url.len());
        out.push_str(&url[..=q]);
        let query = &url[q + 1..end];
        for (i, part) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match part.split_once('=') {
                Some((k, v)) if !v.is_empty() => match self.key_secret(k) {
                    Some(Secret::Token) => {
                        out.push_str(k);
                        out.push('=');
                        out.push_str(&self.token(v, seen));
                    }
                    Some(Secret::Masked) => {
                        out.push_str(k);
                        out.push('=');
                        out.push_str(MASK);
                    }
                    None => out.push_str(part),
                },
                _ => out.push_str(part),
            }
        }
        out.push_str(&url[end..]);
        out
    }

    /// Redacts `key=value` and `key: value` pairs in one line of text.
    fn text_line(&self, line: &str, seen: &mut Tokens) -> String {
        if !self.key_finder.is_match(line) {
            return line.to_string();
        }
        let mut edits = Vec::new();
        for caps in self.pairs.captures_iter(line) {
            if let Some(edit) = self.pair_edit(&caps, seen) {
                edits.push(edit);
            }
        }
        apply_edits(line, &edits)
    }

    fn pair_edit(&self, caps: &Captures, seen: &mut Tokens) -> Option<Edit> {
        let key = caps.name("key")?.as_str();
        let value = caps
            .name("dq")
            .or_else(|| caps.name("sq"))
            .or_else(|| caps.name("bare"))?;
        let v = value.as_str();
        if v.is_empty()
            || v == MASK
            || ["null", "none", "true", "false"]
                .iter()
                .any(|w| v.eq_ignore_ascii_case(w))
        {
            return None;
        }
        let with = match self.key_secret(key)? {
            Secret::Token => self.token(v, seen),
            Secret::Masked => MASK.to_string(),
        };
        Some(Edit {
            span: value.range(),
            with,
        })
    }

    /// Redacts a JSON text in place: only the byte spans of secret values change.
    fn json(&self, text: &str, seen: &mut Tokens) -> String {
        let mut edits = Vec::new();
        for s in json_scalars(text) {
            let raw = &text[s.span.clone()];
            let secret = match s.key.and_then(|k| self.key_secret(k)) {
                Some(secret) => Some(secret),
                // keystone's token-method auth: `"token": {"id": "gAAAA..."}`.
                None if s.in_object
                    && s.key == Some("id")
                    && s.parent
                        .is_some_and(|p| p.to_ascii_lowercase().contains("token")) =>
                {
                    Some(Secret::Token)
                }
                None => None,
            };
            match (secret, s.string) {
                (Some(_), true) if raw.is_empty() => {}
                (Some(Secret::Token), true) => edits.push(Edit {
                    span: s.span,
                    with: json_escape(&self.token(raw, seen)),
                }),
                (Some(Secret::Masked), true) => edits.push(Edit {
                    span: s.span,
                    with: MASK.to_string(),
                }),
                // A number under a secret key: a string keeps the JSON valid.
                (Some(_), false) => edits.push(Edit {
                    span: s.span,
                    with: format!("\"{MASK}\""),
                }),
                // Any other string may itself hold `password=...` (user data,
                // a command line, a serialized blob), as oslo's mask_password sees.
                (None, true) => {
                    let redacted = self.text_line(raw, seen);
                    if redacted != raw {
                        edits.push(Edit {
                            span: s.span,
                            with: redacted,
                        });
                    }
                }
                (None, false) => {}
            }
        }
        apply_edits(text, &edits)
    }
}

/// Redacts with the built-in and user rules, or, should `rules` not compile
/// (they are validated when `tracedoc.toml` is read, so only a `Config` built
/// in code can get here), withholds every header value and body rather than
/// risk publishing a secret the user asked to hide.
pub fn redact_or_withhold(
    rules: &UserRules,
    token_names: &HashMap<String, String>,
    records: &[Record],
) -> Vec<Record> {
    match Redactor::new(rules, token_names) {
        Ok(r) => r.records(records),
        Err(_) => records
            .iter()
            .map(|r| {
                let mut r = r.clone();
                if let Some(q) = r.url.find('?') {
                    r.url.truncate(q);
                }
                for h in &mut r.headers {
                    match &mut h.value {
                        Some(v) if !v.is_empty() => *v = MASK.to_string(),
                        Some(_) => {}
                        None => h.name = MASK.to_string(),
                    }
                }
                if r.body.kind != BodyKind::None {
                    r.body.lines = vec![MASK.to_string()];
                    r.body.kind = BodyKind::Text;
                }
                r
            })
            .collect(),
    }
}

/// Token values found in the first pass, in first-seen order.
#[derive(Debug, Default)]
struct Tokens(IndexMap<String, String>);

impl Tokens {
    fn insert(&mut self, value: &str, name: &str) {
        if !self.0.contains_key(value) {
            self.0.insert(value.to_string(), name.to_string());
        }
    }
}

/// Replaces every hunted token value, wherever it appears, in one pass.
struct Hunter {
    finder: AhoCorasick,
    names: Vec<String>,
}

impl Hunter {
    fn new(seen: &Tokens, named: &HashMap<String, String>) -> Option<Hunter> {
        let mut all: IndexMap<&str, &str> = seen
            .0
            .iter()
            .map(|(v, n)| (v.as_str(), n.as_str()))
            .collect();
        let mut extra: Vec<(&String, &String)> = named.iter().collect();
        extra.sort();
        for (v, n) in extra {
            all.entry(v.as_str()).or_insert(n.as_str());
        }
        all.retain(|v, _| v.chars().count() >= MIN_HUNTED_TOKEN);
        if all.is_empty() {
            return None;
        }
        let finder = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(all.keys())
            .ok()?;
        Some(Hunter {
            finder,
            names: all.values().map(|n| n.to_string()).collect(),
        })
    }

    fn replace(&self, s: &str) -> Option<String> {
        if !self.finder.is_match(s) {
            return None;
        }
        Some(self.finder.replace_all(s, &self.names))
    }
}

fn looks_like_url(value: &str) -> bool {
    value.contains('?')
        && (value.starts_with("http://") || value.starts_with("https://") || value.starts_with('/'))
}

/// `a=1; b=2` -> `a=***; b=***` for the first `limit` pairs; the rest
/// (Set-Cookie attributes such as `Path=/`) stay.
fn mask_cookie_values(value: &str, limit: usize) -> String {
    value
        .split(';')
        .enumerate()
        .map(|(i, part)| {
            if i >= limit {
                return part.to_string();
            }
            match part.split_once('=') {
                Some((name, v)) if !v.trim().is_empty() => format!("{name}={MASK}"),
                Some(_) => part.to_string(),
                None if part.trim().is_empty() => part.to_string(),
                None => {
                    let lead = part.len() - part.trim_start().len();
                    format!("{}{MASK}", &part[..lead])
                }
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Escapes what a name needs inside a JSON string literal.
fn json_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A replacement of one byte span of a text.
#[derive(Debug)]
struct Edit {
    span: Range<usize>,
    with: String,
}

/// `text` with every edit applied; edits are in order and do not overlap.
fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.span.start]);
        out.push_str(&e.with);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// One scalar value found by [`json_scalars`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct JsonScalar<'a> {
    /// The nearest key: the value's own key, or for an array element the
    /// key the array sits under. Raw (as written, escapes kept).
    key: Option<&'a str>,
    /// The key the enclosing object sits under (`token` for `token.id`).
    parent: Option<&'a str>,
    /// Whether the value sits directly in an object (not in an array).
    in_object: bool,
    /// A string's content between its quotes, or a number literal.
    span: Range<usize>,
    string: bool,
}

enum Frame<'a> {
    Object {
        container: Option<&'a str>,
        key: Option<&'a str>,
        want_key: bool,
    },
    Array {
        container: Option<&'a str>,
    },
}

/// The nearest key, parent key and "directly in an object" at the top of the stack.
fn position<'a>(stack: &[Frame<'a>]) -> (Option<&'a str>, Option<&'a str>, bool) {
    match stack.last() {
        None => (None, None, false),
        Some(Frame::Object { container, key, .. }) => (*key, *container, true),
        Some(Frame::Array { container }) => (*container, None, false),
    }
}

/// Finds every string and number value in a JSON text with the key it sits
/// under, without building a tree: spans point into `text`. Tolerant: it
/// reads a cut-off document up to where it ends, and stops at the first byte
/// that cannot be JSON. A string ends at its closing quote, a line end or
/// the end of the text.
fn json_scalars(text: &str) -> Vec<JsonScalar<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => i += 1,
            b',' => {
                if let Some(Frame::Object { key, want_key, .. }) = stack.last_mut() {
                    *key = None;
                    *want_key = true;
                }
                i += 1;
            }
            b'{' => {
                let (container, _, _) = position(&stack);
                stack.push(Frame::Object {
                    container,
                    key: None,
                    want_key: true,
                });
                i += 1;
            }
            b'[' => {
                let (container, _, _) = position(&stack);
                stack.push(Frame::Array { container });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end] != b'"' && b[end] != b'\n' {
                    end += if b[end] == b'\\' { 2 } else { 1 };
                }
                let end = end.min(b.len());
                let s = &text[start..end];
                match stack.last_mut() {
                    Some(Frame::Object { key, want_key, .. }) if *want_key => {
                        *key = Some(s);
                        *want_key = false;
                    }
                    _ => {
                        let (key, parent, in_object) = position(&stack);
                        out.push(JsonScalar {
                            key,
                            parent,
                            in_object,
                            span: start..end,
                            string: true,
                        });
                    }
                }
                i = if b.get(end) == Some(&b'"') {
                    end + 1
                } else {
                    end
                };
            }
            _ => {
                let start = i;
                while i < b.len() && !b" \t\r\n,:{}[]\"".contains(&b[i]) {
                    i += 1;
                }
                let lit = &text[start..i];
                if lit.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                    let (key, parent, in_object) = position(&stack);
                    out.push(JsonScalar {
                        key,
                        parent,
                        in_object,
                        span: start..i,
                        string: false,
                    });
                } else if !matches!(lit, "true" | "false" | "null") {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(&UserRules::default(), &HashMap::new()).unwrap()
    }

    fn record(url: &str, headers: &[(&str, &str)], body: &str) -> Record {
        Record::test_request("openstack", "keystone", "POST", url, headers, body)
    }

    fn json(body: &str) -> String {
        redactor().json(body, &mut Tokens::default())
    }

    #[test]
    fn scanner_reports_keys_parents_and_spans() {
        let text = r#"{"a": {"b": ["x", 1]}, "c": -2.5e3, "d": true, "e": "q\"r"}"#;
        let found: Vec<(Option<&str>, Option<&str>, &str, bool)> = json_scalars(text)
            .into_iter()
            .map(|s| (s.key, s.parent, &text[s.span], s.string))
            .collect();
        assert_eq!(
            found,
            vec![
                (Some("b"), None, "x", true),
                (Some("b"), None, "1", false),
                (Some("c"), None, "-2.5e3", false),
                (Some("e"), None, "q\\\"r", true),
            ]
        );
    }

    #[test]
    fn scanner_reads_cut_off_documents_and_stops_at_garbage() {
        let cut = "{\n  \"password\": \"hunt";
        let s = json_scalars(cut);
        assert_eq!(s.len(), 1);
        assert_eq!(&cut[s[0].span.clone()], "hunt");
        assert!(json_scalars("{'password': 'x'}").is_empty());
    }

    #[test]
    fn keystone_password_auth_keeps_everything_but_the_password() {
        let body = r#"{
  "auth": {
    "identity": {
      "methods": [
        "password"
      ],
      "password": {
        "user": {
          "name": "admin",
          "domain": {
            "name": "Default"
          },
          "password": "asdf"
        }
      }
    }
  }
}"#;
        let out = json(body);
        assert_eq!(out, body.replace("\"asdf\"", "\"***\""));
    }

    #[test]
    fn nulls_booleans_and_layout_stay() {
        let body =
            "{\"user\": {\"password_expires_at\": null,   \"secret\" :12,\n\"enabled\": true}}";
        assert_eq!(
            json(body),
            "{\"user\": {\"password_expires_at\": null,   \"secret\" :\"***\",\n\"enabled\": true}}"
        );
    }

    #[test]
    fn keys_match_as_substrings_at_any_depth_and_in_arrays() {
        let body = r#"[{"server": {"adminPass": "p1", "name": "vm"}}, {"keys": [{"private_key": "-----BEGIN"}, {"OS-FERNETKEY": "k"}]}, {"db_passwords": ["a1", "b2"]}]"#;
        let out = json(body);
        for gone in ["p1", "-----BEGIN", "\"k\"", "a1", "b2"] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert!(out.contains("\"name\": \"vm\""));
    }

    #[test]
    fn exact_keys_match_only_whole_keys() {
        let out = json(r#"{"secret": {"Payload": "bp1", "payload_content_type": "text/plain"}}"#);
        assert_eq!(
            out,
            r#"{"secret": {"Payload": "***", "payload_content_type": "text/plain"}}"#
        );
    }

    #[test]
    fn tokens_are_named_by_hash_and_the_same_everywhere() {
        let r = redactor();
        let mut seen = Tokens::default();
        let tok = "gAAAAABtokentokentokentoken01";
        let out = r.json(
            &format!(r#"{{"auth": {{"identity": {{"methods": ["token"], "token": {{"id": "{tok}"}}}}}}}}"#),
            &mut seen,
        );
        let name = hash_name(tok);
        assert!(
            name.starts_with("{SHA256}") && name.len() == 8 + 12,
            "{name}"
        );
        assert!(out.contains(&format!("\"id\": \"{name}\"")), "{out}");
        assert!(out.contains("\"methods\": [\"token\"]"));
        assert_eq!(seen.0.get(tok), Some(&name));
    }

    #[test]
    fn given_token_names_win_over_hashes() {
        let names = HashMap::from([("tok-value-0123456789".to_string(), "token-1".to_string())]);
        let r = Redactor::new(&UserRules::default(), &names).unwrap();
        let recs = r.records(&[record(
            "http://h/v1/tok-value-0123456789/x",
            &[("X-Auth-Token", "tok-value-0123456789")],
            "none",
        )]);
        assert_eq!(recs[0].header("X-Auth-Token"), Some("token-1"));
        assert_eq!(recs[0].url, "http://h/v1/token-1/x");
    }

    #[test]
    fn header_rules() {
        let r = redactor();
        let tok = "AAAAtokenvalue-0123456789";
        let rec = record(
            "http://h/",
            &[
                ("Authorization", "Basic dXNlcjpwYXNz"),
                ("authorization", "Bearer ABCDEFGHIJKLMNOPQRST"),
                ("X-Auth-Token", tok),
                ("x-subject-token", "sub-0123456789abcdef"),
                ("X-Service-Token", "svc-0123456789abcdef"),
                ("X-Amz-Security-Token", "amz-0123456789abcdef"),
                ("Cookie", "session=s3cr3t; theme=dark"),
                ("Set-Cookie", "sid=s3cr3t2; Path=/; HttpOnly"),
                ("X-Account-Meta-Temp-Url-Key", "tempkey1"),
                ("X-Account-Meta-Temp-Url-Key-2", "tempkey2"),
                ("X-Object-Meta-Secret", "objsecret"),
                ("X-Auth-Token-Expires", "86399"),
                ("Vary", "X-Auth-Token"),
                ("Content-Type", "application/json"),
                ("X-Auth-Token", ""),
            ],
            "none",
        );
        let out = r.records(&[rec]).remove(0);
        let lines: Vec<String> = out.headers.iter().map(|h| h.line()).collect();
        assert_eq!(
            lines,
            vec![
                "Authorization: Basic ***".to_string(),
                format!(
                    "authorization: Bearer {}",
                    hash_name("ABCDEFGHIJKLMNOPQRST")
                ),
                format!("X-Auth-Token: {}", hash_name(tok)),
                format!("x-subject-token: {}", hash_name("sub-0123456789abcdef")),
                format!("X-Service-Token: {}", hash_name("svc-0123456789abcdef")),
                format!(
                    "X-Amz-Security-Token: {}",
                    hash_name("amz-0123456789abcdef")
                ),
                "Cookie: session=***; theme=***".to_string(),
                "Set-Cookie: sid=***; Path=/; HttpOnly".to_string(),
                "X-Account-Meta-Temp-Url-Key: ***".to_string(),
                "X-Account-Meta-Temp-Url-Key-2: ***".to_string(),
                "X-Object-Meta-Secret: ***".to_string(),
                "X-Auth-Token-Expires: 86399".to_string(),
                "Vary: X-Auth-Token".to_string(),
                "Content-Type: application/json".to_string(),
                "X-Auth-Token: ".to_string(),
            ]
        );
    }

    #[test]
    fn query_strings_and_location_headers() {
        let r = redactor();
        let mut seen = Tokens::default();
        assert_eq!(
            r.url(
                "http://h:8080/v1/AUTH_a/c/o?temp_url_sig=abcdef&temp_url_expires=1700000000&token=tok0123456789abcdef#frag",
                &mut seen
            ),
            format!(
                "http://h:8080/v1/AUTH_a/c/o?temp_url_sig=***&temp_url_expires=1700000000&token={}#frag",
                hash_name("tok0123456789abcdef")
            )
        );
        assert_eq!(r.url("http://h/x?limit=1", &mut seen), "http://h/x?limit=1");
        let rec = record(
            "http://h/",
            &[("Location", "http://h/cb?password=pw1&x=1")],
            "none",
        );
        assert_eq!(
            r.records(&[rec])[0].header("Location"),
            Some("http://h/cb?password=***&x=1")
        );
    }

    #[test]
    fn text_pairs() {
        let r = redactor();
        let mut seen = Tokens::default();
        let mut t = |s: &str| r.text_line(s, &mut seen);
        assert_eq!(t("a=1&password=x&b=2"), "a=1&password=***&b=2");
        assert_eq!(
            t("{'adminPass': 'hunter2', 'name': 'vm'}"),
            "{'adminPass': '***', 'name': 'vm'}"
        );
        assert_eq!(
            t("db_password: s3cret and more"),
            "db_password: *** and more"
        );
        assert_eq!(t("\"private_key\" : \"k\""), "\"private_key\" : \"***\"");
        assert_eq!(t("password_expires_at: null"), "password_expires_at: null");
        assert_eq!(t("the password is long"), "the password is long");
        assert_eq!(t("Vary: X-Auth-Token"), "Vary: X-Auth-Token");
        assert_eq!(
            t("X-Auth-Token: tok0123456789abcdef"),
            format!("X-Auth-Token: {}", hash_name("tok0123456789abcdef"))
        );
    }

    #[test]
    fn strings_inside_json_get_the_text_rules() {
        let body = r#"{"user_data": "run --password=pw9 now", "blob": "{\"access\": \"a\", \"secret\": \"s9\"}"}"#;
        let out = json(body);
        assert!(!out.contains("pw9") && !out.contains("s9"), "{out}");
        assert!(out.contains("run --password=*** now"), "{out}");
    }

    #[test]
    fn tokens_are_hunted_everywhere_but_short_ones_are_not() {
        let tok = "gAAAAABreused-0123456789";
        let recs = vec![
            record(
                "http://h/identity/v3/auth/tokens",
                &[("X-Subject-Token", tok), ("X-Other", "short")],
                "none",
            ),
            record(
                &format!("http://h/v2/images?marker={tok}"),
                &[("X-Note", &format!("saw {tok} earlier"))],
                &format!(
                    "{{\n  \"note\": \"{tok}\",\n  \"token\": \"short\",\n  \"x\": \"short\"\n}}"
                ),
            ),
        ];
        let out = redactor().records(&recs);
        let all = format!("{out:?}");
        assert!(!all.contains(tok), "{all}");
        let name = hash_name(tok);
        assert_eq!(out[1].url, format!("http://h/v2/images?marker={name}"));
        assert_eq!(out[1].body.lines[1], format!("  \"note\": \"{name}\","));
        assert_eq!(
            out[1].body.lines[2],
            format!("  \"token\": \"{}\",", hash_name("short"))
        );
        assert_eq!(out[1].body.lines[3], "  \"x\": \"short\"");
        assert_eq!(out[0].header("X-Other"), Some("short"));
    }

    #[test]
    fn user_rules() {
        let rules = UserRules {
            headers: vec!["X-Tenant-Pin".into()],
            keys: vec!["pin_code".into()],
            patterns: vec![r"acct-\d{4}".into()],
        };
        let r = Redactor::new(&rules, &HashMap::new()).unwrap();
        let rec = record(
            "http://h/acct-1234/x",
            &[("x-tenant-pin", "9999"), ("X-Note", "for acct-5678")],
            "{\n  \"pin_code\": 4321,\n  \"name\": \"acct-0000\"\n}",
        );
        let out = r.records(&[rec]).remove(0);
        assert_eq!(out.url, "http://h/***/x");
        assert_eq!(out.header("x-tenant-pin"), Some("***"));
        assert_eq!(out.header("X-Note"), Some("for ***"));
        assert_eq!(
            out.body.lines,
            vec!["{", "  \"pin_code\": \"***\",", "  \"name\": \"***\"", "}"]
        );
    }

    #[test]
    fn bad_user_rules_are_rejected() {
        let bad = UserRules {
            patterns: vec!["(unclosed".into()],
            ..UserRules::default()
        };
        assert!(bad.validate().unwrap_err().contains("(unclosed"));
        assert!(Redactor::new(&bad, &HashMap::new()).is_err());
        let empty_key = UserRules {
            keys: vec![" ".into()],
            ..UserRules::default()
        };
        assert!(empty_key.validate().is_err());
    }

    #[test]
    fn unbuildable_rules_withhold_everything() {
        let bad = UserRules {
            patterns: vec!["(".into()],
            ..UserRules::default()
        };
        let rec = record("http://h/x?q=1", &[("X-Note", "plain")], "{\n  \"a\": 1\n}");
        let out = redact_or_withhold(&bad, &HashMap::new(), &[rec]).remove(0);
        assert_eq!(out.url, "http://h/x");
        assert_eq!(out.header("X-Note"), Some(MASK));
        assert_eq!(out.body.lines, vec![MASK]);
    }

    #[test]
    fn json_bodies_stay_json() {
        let body = "{\n  \"token\": {\"id\": \"abcdefabcdefabcdef01\"},\n  \"password\": 1234\n}";
        let out = json(body);
        assert!(
            serde_json::from_str::<serde_json::Value>(&out).is_ok(),
            "{out}"
        );
        assert_eq!(out.lines().count(), body.lines().count());
    }
}
