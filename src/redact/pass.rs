//! The positional rules: where a value sits (header name, JSON key, query
//! key, form field, URL part) decides whether it is a secret. One [`Pass`]
//! walks one record (or one text) and returns byte-span [`Edit`]s, and
//! records every secret it replaces in a [`Found`].
//!
//! The same walk serves both passes of the pipeline: pass 1 only wants the
//! secrets (tokens are not named yet, [`Naming::Silent`]); pass 2 wants the
//! edits, with tokens named by the [`Hunter`] built in between.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use regex::Captures;

use super::codec::{
    base64_decode, json_escape, json_unescape, merge_edits, percent_decode, unescaped, Edit,
};
use super::json::{flag, json_scalars, Str};
use super::keys::{has_split_token, header_rule, HeaderRule, Secret, NAME_KEYS, VALUE_KEYS};
use super::{Found, Hunter, Rules, MASK, MAX_DEPTH};
use crate::model::{BodyKind, Record};

/// How a pass writes the tokens it replaces.
#[derive(Clone, Copy)]
pub(crate) enum Naming<'h> {
    /// Not at all: only the secrets are wanted (pass 1).
    Silent,
    /// By the names a hunter knows.
    By(&'h Hunter),
}

/// One walk of the positional rules.
pub(crate) struct Pass<'p> {
    pub rules: &'p Rules,
    pub found: &'p mut Found,
    pub naming: Naming<'p>,
}

impl Pass<'_> {
    /// Records a token found where tokens are, and what it is shown as.
    fn token(&mut self, value: &str) -> String {
        self.found.token(value);
        self.name(value)
    }

    fn name(&self, value: &str) -> String {
        match self.naming {
            Naming::Silent => String::new(),
            Naming::By(hunter) => hunter.name(value),
        }
    }

    /// A token written percent-encoded in a URL: named by its decoded value
    /// (the one headers carry), and hunted in both forms.
    fn url_token(&mut self, raw: &str) -> String {
        match percent_decode(raw) {
            Some(d) => {
                let name = self.token(&d.text);
                self.found.alias(raw, &d.text);
                name
            }
            None => self.token(raw),
        }
    }

    fn url_mask(&mut self, raw: &str) {
        self.found.mask(raw);
        if let Some(d) = percent_decode(raw) {
            self.found.mask(&d.text);
        }
    }

    /// The whole value of a header line, or `None` when it stays.
    pub fn header_value(&mut self, name: &str, value: &str) -> Option<String> {
        match header_rule(name, &self.rules.user_headers) {
            Some(rule) => self.ruled_value(rule, value),
            None => {
                let edits = self.text_edits(value, 0);
                super::codec::edited(value, &edits)
            }
        }
    }

    /// The value of a header its name gives a rule for.
    pub fn ruled_value(&mut self, rule: HeaderRule, value: &str) -> Option<String> {
        if value.trim().is_empty() {
            return None;
        }
        Some(match rule {
            HeaderRule::Token => self.token(value),
            HeaderRule::Masked => {
                self.found.mask(value);
                MASK.to_string()
            }
            HeaderRule::Authorization => self.authorization(value),
            HeaderRule::Cookie => self.mask_cookie_values(value, usize::MAX),
            HeaderRule::SetCookie => self.mask_cookie_values(value, 1),
        })
    }

    /// `Bearer <token>` keeps the scheme and names the token; any other
    /// scheme keeps only its name (`Basic ***`). The password inside Basic
    /// credentials is hunted too.
    fn authorization(&mut self, value: &str) -> String {
        match value.split_once(' ') {
            Some((scheme, cred)) if scheme.eq_ignore_ascii_case("bearer") => {
                format!("{scheme} {}", self.token(cred.trim()))
            }
            Some((scheme, cred)) => {
                self.found.mask(cred);
                if scheme.eq_ignore_ascii_case("basic") {
                    if let Some((_, pw)) = base64_decode(cred.trim())
                        .and_then(|b| String::from_utf8(b).ok())
                        .as_deref()
                        .and_then(|s| s.split_once(':'))
                    {
                        self.found.mask(pw);
                    }
                }
                format!("{scheme} {MASK}")
            }
            None => {
                self.found.mask(value);
                MASK.to_string()
            }
        }
    }

    /// `a=1; b=2` -> `a=***; b=***` for the first `limit` pairs; the rest
    /// (Set-Cookie attributes such as `Path=/`) stay.
    fn mask_cookie_values(&mut self, value: &str, limit: usize) -> String {
        let mut out = String::with_capacity(value.len());
        for (i, part) in value.split(';').enumerate() {
            if i > 0 {
                out.push(';');
            }
            if i >= limit {
                out.push_str(part);
                continue;
            }
            match part.split_once('=') {
                Some((name, v)) if !v.trim().is_empty() => {
                    self.found.mask(v);
                    out.push_str(name);
                    out.push('=');
                    out.push_str(MASK);
                }
                Some(_) => out.push_str(part),
                None if part.trim().is_empty() => out.push_str(part),
                None => {
                    self.found.mask(part);
                    let lead = part.len() - part.trim_start().len();
                    out.push_str(&part[..lead]);
                    out.push_str(MASK);
                }
            }
        }
        out
    }

    /// A header line without `": "`: a secret header name followed by `:`
    /// or white space keeps its name; anything else gets the text rules.
    /// `None` when it stays.
    pub fn header_line(&mut self, line: &str) -> Option<String> {
        let split = line
            .find(':')
            .or_else(|| line.find(char::is_whitespace))
            .filter(|&i| i > 0);
        if let Some(i) = split {
            let sep = line[i..].chars().next().map_or(1, char::len_utf8);
            let (name, rest) = (&line[..i], &line[i + sep..]);
            let value = rest.trim_start();
            if !value.is_empty() && header_rule(name, &self.rules.user_headers).is_some() {
                let at = line.len() - value.len();
                return Some(match self.header_value(name, value) {
                    Some(new) => format!("{}{new}", &line[..at]),
                    None => line.to_string(),
                });
            }
        }
        let edits = self.text_edits(line, 0);
        super::codec::edited(line, &edits)
    }

    /// Text (a line, a header value, a JSON string's content, a warning).
    pub fn text_edits(&mut self, s: &str, depth: u8) -> Vec<Edit> {
        let unkeyed = self.rules.may_hold_unkeyed(s);
        let keyed = self.rules.finder.is_match(s);
        if !unkeyed && !keyed {
            return Vec::new();
        }
        if looks_like_url(s) {
            return self.url_edits(s, depth);
        }
        let rules = self.rules;
        let mut edits = Vec::new();
        rules.pem_edits(s, &mut edits);
        for caps in rules.userinfo.captures_iter(s) {
            if let Some(pw) = caps.name("pw").filter(|m| !m.as_str().is_empty()) {
                self.url_mask(pw.as_str());
                edits.push(Edit::mask(pw.range()));
            }
        }
        for caps in rules.path_token.captures_iter(s) {
            if let Some(t) = caps.name("tok").filter(|m| looks_like_token(m.as_str())) {
                let name = self.url_token(t.as_str());
                edits.push(Edit::new(t.range(), name));
            }
        }
        if keyed {
            for caps in rules.pairs.captures_iter(s) {
                if let Some(edit) = self.pair_edit(&caps) {
                    edits.push(edit);
                }
            }
        }
        if depth < MAX_DEPTH {
            // What an encoding hides: `path=%3Ftoken%3D...`, `{\"password\": ...}`,
            // `"pass\u0077ord": ...`.
            if let Some(d) = percent_decode(s) {
                let inner = self.text_edits(&d.text, depth + 1);
                edits.extend(d.source_edits(inner, 0));
            }
            if let Some(d) = json_unescape(s) {
                let inner = if looks_like_json(&d.text) {
                    self.json_edits(&d.text, depth + 1)
                } else {
                    self.text_edits(&d.text, depth + 1)
                };
                edits.extend(d.source_edits(inner, 0));
            }
        }
        merge_edits(edits)
    }

    fn pair_edit(&mut self, caps: &Captures) -> Option<Edit> {
        let key = caps
            .name("key")
            .or_else(|| caps.name("xkey"))
            .or_else(|| caps.name("fkey"))?
            .as_str();
        let value = caps
            .name("dq")
            .or_else(|| caps.name("sq"))
            .or_else(|| caps.name("bare"))
            .or_else(|| caps.name("xval"))
            .or_else(|| caps.name("fval"))?;
        let v = value.as_str();
        if v.trim().is_empty()
            || v == MASK
            || ["null", "none", "true", "false", "nil", "undefined"]
                .iter()
                .any(|w| v.eq_ignore_ascii_case(w))
        {
            return None;
        }
        let with = match self.rules.key_secret(key)? {
            Secret::Token => self.url_token(v),
            Secret::Masked => {
                self.url_mask(v);
                MASK.to_string()
            }
        };
        Some(Edit::new(value.range(), with))
    }

    /// A URL or path: userinfo password, tokens in the path, the query
    /// (`&` and `;` pairs) and a fragment holding pairs
    /// (`#access_token=...`); percent-encoded values are decoded and
    /// searched (nova's `?path=%3Ftoken%3D...`).
    fn url_edits(&mut self, u: &str, depth: u8) -> Vec<Edit> {
        let mut edits = Vec::new();
        let path_start = match scheme_end(u) {
            Some(a) => {
                let auth_end = u[a..].find(['/', '?', '#']).map_or(u.len(), |x| a + x);
                let authority = &u[a..auth_end];
                if let Some(at) = authority.rfind('@') {
                    if let Some(colon) = authority[..at].find(':') {
                        let pw = a + colon + 1..a + at;
                        if !pw.is_empty() {
                            self.url_mask(&u[pw.clone()]);
                            edits.push(Edit::mask(pw));
                        }
                    }
                }
                auth_end
            }
            None => 0,
        };
        let path_end = u[path_start..]
            .find(['?', '#'])
            .map_or(u.len(), |x| path_start + x);
        let rules = self.rules;
        for caps in rules.path_token.captures_iter(&u[path_start..path_end]) {
            if let Some(t) = caps.name("tok").filter(|m| looks_like_token(m.as_str())) {
                let name = self.url_token(t.as_str());
                let r = t.range();
                edits.push(Edit::new(path_start + r.start..path_start + r.end, name));
            }
        }
        let mut rest = path_end;
        if u[rest..].starts_with('?') {
            let end = u[rest..].find('#').map_or(u.len(), |x| rest + x);
            self.query_edits(u, rest + 1..end, depth, &mut edits);
            rest = end;
        }
        if u[rest..].starts_with('#') && u[rest..].contains('=') {
            self.query_edits(u, rest + 1..u.len(), depth, &mut edits);
        }
        merge_edits(edits)
    }

    /// `k=v` pairs separated by `&` or `;` in `u[range]`.
    fn query_edits(&mut self, u: &str, range: Range<usize>, depth: u8, edits: &mut Vec<Edit>) {
        let mut start = range.start;
        for part in u[range].split(['&', ';']) {
            let at = start;
            start += part.len() + 1;
            let Some((key, value)) = part.split_once('=') else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            let span = at + key.len() + 1..at + part.len();
            let key: Cow<str> = percent_decode(key).map_or(Cow::Borrowed(key), |d| d.text.into());
            match self.rules.key_secret(&key) {
                Some(Secret::Token) => {
                    let name = self.url_token(value);
                    edits.push(Edit::new(span, name));
                }
                Some(Secret::Masked) => {
                    self.url_mask(value);
                    edits.push(Edit::mask(span));
                }
                // A URL in a query value (`redirect=http://u:p@h/`,
                // `path=%3Ftoken%3D...`): search it too.
                None if depth < MAX_DEPTH => {
                    let inner = self.text_edits(value, depth + 1);
                    edits.extend(inner.into_iter().map(|e| e.shift(span.start)));
                }
                None => {}
            }
        }
    }

    /// A JSON text, edited in place: only the byte spans of secret values
    /// change. Keys and values are read through their escapes; a string
    /// holding JSON is searched as JSON, any other string as text.
    pub fn json_edits(&mut self, text: &str, depth: u8) -> Vec<Edit> {
        let hits = Hits::new(self.rules, text);
        self.json_edits_with(text, depth, &hits)
    }

    /// [`Pass::json_edits`], with where the key finder matches in `text`
    /// found already: a key or a string that holds no match and no escape
    /// is passed over without looking at it again.
    fn json_edits_with(&mut self, text: &str, depth: u8, hits: &Hits) -> Vec<Edit> {
        let rules = self.rules;
        // Whether a key holds a secret: only one with a key word or an
        // escape in it can.
        let key_secret = |k: Str| -> Option<Secret> {
            if !k.has(flag::HIT | flag::ESCAPED) {
                return None;
            }
            rules.key_secret(&unescaped(k.raw))
        };
        let (scalars, stop) = json_scalars(text, &hits.spans);
        // Objects that name a secret and hold it under `value`:
        // `{"name": "db_password", "value": "..."}`, `{"key": ..., "value": ...}`.
        let mut named: HashMap<usize, Secret> = HashMap::new();
        for s in &scalars {
            let (Some(object), Some(key), true) = (s.object, s.key, s.string) else {
                continue;
            };
            if s.value(text).has(flag::HIT | flag::ESCAPED)
                && NAME_KEYS.iter().any(|k| key.raw.eq_ignore_ascii_case(k))
            {
                if let Some(secret) = key_secret(s.value(text)) {
                    named.insert(object, secret);
                }
            }
        }
        let mut edits = Vec::new();
        for s in scalars {
            let key = s.key.map(|k| {
                if k.has(flag::ESCAPED) {
                    unescaped(k.raw)
                } else {
                    Cow::Borrowed(k.raw)
                }
            });
            let secret = match s.key.and_then(key_secret) {
                Some(secret) => Some(secret),
                None if key
                    .as_deref()
                    .is_some_and(|k| VALUE_KEYS.iter().any(|v| k.eq_ignore_ascii_case(v))) =>
                {
                    // Named by a sibling, or by the key the object sits under
                    // (heat's `"db_password": {"type": "string", "default": ...}`).
                    s.object
                        .and_then(|o| named.get(&o).copied())
                        .or_else(|| s.parent.filter(|_| s.object.is_some()).and_then(key_secret))
                }
                // keystone's token-method auth: `"token": {"id": "gAAAA..."}`.
                None if s.object.is_some()
                    && key.as_deref() == Some("id")
                    && s.parent.is_some_and(|p| has_split_token(&unescaped(p.raw))) =>
                {
                    Some(Secret::Token)
                }
                None => None,
            };
            let raw = &text[s.span.clone()];
            if !s.string {
                // A number under a secret key: a string keeps the JSON valid.
                if secret.is_some() {
                    self.found.mask(raw);
                    edits.push(Edit::new(s.span, format!("\"{MASK}\"")));
                }
                continue;
            }
            let decoded = if s.flags & flag::ESCAPED != 0 {
                json_unescape(raw)
            } else {
                None
            };
            let value = decoded.as_ref().map_or(raw, |d| d.text.as_str());
            match secret {
                Some(_) if value.is_empty() || value == MASK => {}
                Some(Secret::Token) => {
                    let name = self.token(value);
                    self.found.alias(raw, value);
                    edits.push(Edit::new(s.span, json_escape(&name)));
                }
                Some(Secret::Masked) => {
                    self.found.mask(value);
                    self.found.mask(raw);
                    // A credential blob: the secrets inside it are hunted too.
                    if depth < MAX_DEPTH && looks_like_json(value) {
                        self.json_edits(value, depth + 1);
                    }
                    edits.push(Edit::mask(s.span));
                }
                None if depth < MAX_DEPTH => {
                    let inner = if looks_like_json(value) {
                        self.json_edits(value, depth + 1)
                    } else if decoded.is_none()
                        && !s.value(text).has(flag::HIT)
                        && !rules.may_hold_unkeyed_str(s.value(text))
                    {
                        // What `text_edits` would find first: nothing.
                        Vec::new()
                    } else {
                        self.text_edits(value, depth + 1)
                    };
                    match &decoded {
                        Some(d) => edits.extend(d.source_edits(inner, s.span.start)),
                        None => edits.extend(inner.into_iter().map(|e| e.shift(s.span.start))),
                    }
                }
                None => {}
            }
        }
        if stop < text.len() {
            // Past what reads as JSON (a Python repr, a log line): text rules.
            let tail = self.block_edits(&text[stop..], None);
            edits.extend(tail.into_iter().map(|e| e.shift(stop)));
        }
        merge_edits(edits)
    }

    /// A multi-line text body, line by line: PEM private keys and multipart
    /// form fields need the lines around them.
    pub fn block_edits(&mut self, text: &str, boundary: Option<&str>) -> Vec<Edit> {
        let rules = self.rules;
        let mut edits = Vec::new();
        let mut pem = false;
        let mut part = Part::Outside;
        let mut at = 0;
        for line in text.split('\n') {
            let start = at;
            at += line.len() + 1;
            if pem {
                if rules.pem_end.is_match(line) {
                    pem = false;
                } else if !line.trim().is_empty() {
                    edits.push(Edit::mask(start..start + line.len()));
                }
                continue;
            }
            if let Some(b) = boundary {
                if let Some(rest) = line.strip_prefix("--").and_then(|l| l.strip_prefix(b)) {
                    if rest.is_empty() || rest == "--" {
                        part = Part::Headers(None);
                        continue;
                    }
                }
                match &mut part {
                    Part::Headers(secret) => {
                        if line.is_empty() {
                            part = Part::Value(*secret);
                        } else if let Some(name) = form_field_name(line) {
                            *secret = rules.key_secret(name);
                        }
                        // Part headers get the text rules below.
                    }
                    Part::Value(Some(secret)) => {
                        if !line.trim().is_empty() {
                            let with = match secret {
                                Secret::Token => self.token(line.trim()),
                                Secret::Masked => {
                                    self.found.mask(line);
                                    MASK.to_string()
                                }
                            };
                            edits.push(Edit::new(start..start + line.len(), with));
                        }
                        continue;
                    }
                    Part::Value(None) | Part::Outside => {}
                }
            }
            if rules.pem_begin.is_match(line) && !rules.pem_end.is_match(line) {
                pem = true;
                continue;
            }
            let line_edits = self.text_edits(line, 0);
            edits.extend(line_edits.into_iter().map(|e| e.shift(start)));
        }
        edits
    }

    /// Whether [`Pass::body_edits`] can find anything in a body (`text`, as
    /// captured): a cheap look at the whole text, to spare a CRLF body the
    /// copy with `\n` line ends when it holds nothing.
    pub fn body_may_change(&self, record: &Record, text: &str) -> bool {
        let rules = self.rules;
        !text.is_empty()
            && (rules.may_hold_unkeyed(text)
                || rules.finder.is_match(text)
                || (looks_like_json(text)
                    && rules.id_key.find(text.as_bytes()).is_some()
                    && has_split_token(text))
                || whole_body_secret(record, || kind_of(&super::lf_text(text))))
    }

    /// The edits of a record's body, over `text`: its lines joined by `\n`
    /// (the body's own text, unless it has CRLF line ends).
    pub fn body_edits(&mut self, record: &Record, text: &str) -> Vec<Edit> {
        if text.is_empty() {
            return Vec::new();
        }
        let kind = || kind_of(text);
        if whole_body_secret(record, kind) {
            let mut edits = Vec::new();
            let mut at = 0;
            for line in text.split('\n') {
                if !line.trim().is_empty() {
                    self.found.mask(line);
                    edits.push(Edit::mask(at..at + line.len()));
                }
                at += line.len() + 1;
            }
            self.found.mask(text);
            return edits;
        }
        if !looks_like_json(text) {
            if !self.rules.may_hold_secret_in_lines(text, None) {
                // Nothing the rules look for is in any line: nothing to find.
                return Vec::new();
            }
            let boundary = if is_binary(text) {
                None
            } else {
                multipart_boundary(record, text)
            };
            return self.block_edits(text, boundary);
        }
        let hits = Hits::new(self.rules, text);
        let keyed = hits
            .spans
            .iter()
            .any(|&(a, b)| memchr::memchr(b'\n', &text.as_bytes()[a..b]).is_none());
        if self.rules.may_hold_secret_in_lines(text, Some(keyed)) {
            return self.json_edits_with(text, 0, &hits);
        }
        // No line holds anything the rules look for. The JSON scanner still
        // finds keystone's token id under a key that only squashes to one
        // holding `token` (`"to_ken": {"id": ...}`), and it reads a body that
        // is JSON, or a text body with a multipart boundary.
        if self.rules.id_key.find(text.as_bytes()).is_some() && has_split_token(text) {
            let mut found = Found::default();
            let edits = Pass {
                rules: self.rules,
                found: &mut found,
                naming: self.naming,
            }
            .json_edits_with(text, 0, &hits);
            if !edits.is_empty()
                && (kind() == BodyKind::Json || multipart_boundary(record, text).is_some())
            {
                self.found.merge(found);
                return edits;
            }
        }
        Vec::new()
    }
}

/// Where the key finder matches in a text: every occurrence of every
/// spelling (overlapping), by start. A slice of the text holds a spelling
/// exactly when one of these lies within it.
pub(crate) struct Hits {
    spans: Vec<(usize, usize)>,
}

impl Hits {
    fn new(rules: &Rules, text: &str) -> Hits {
        Hits {
            spans: rules.finder.hits(text),
        }
    }
}

/// Where a multipart body is, relative to its boundaries.
#[derive(Debug, Clone, Copy)]
enum Part {
    Outside,
    /// In a part's headers; the secret its field name says it holds.
    Headers(Option<Secret>),
    /// In a part's value.
    Value(Option<Secret>),
}

/// `name` of a `Content-Disposition: form-data; name="signature"` line.
fn form_field_name(line: &str) -> Option<&str> {
    let (header, params) = line.split_once(':')?;
    if !header.trim().eq_ignore_ascii_case("content-disposition") {
        return None;
    }
    params.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("name")
            .then(|| v.trim().trim_matches('"'))
    })
}

/// What kind of body `text` is (its lines joined by `\n`): the model's
/// classification, by parsing, so only where it decides something.
fn kind_of(text: &str) -> BodyKind {
    crate::model::Body {
        text: Cow::Borrowed(text),
    }
    .kind()
}

/// A one-line Python bytes preview (`b'QFI\xfb...'`).
fn is_binary(text: &str) -> bool {
    let first = text.trim_start();
    memchr::memchr(b'\n', text.as_bytes()).is_none()
        && (first.starts_with("b'") || first.starts_with("b\""))
}

/// Whether `haystack` contains `needle`, ASCII case-insensitively.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The multipart boundary of a record's body (`text`, its lines joined by
/// `\n`): from its `Content-Type`, or else the line before its first
/// `Content-Disposition: form-data` line.
fn multipart_boundary<'t>(r: &'t Record, text: &'t str) -> Option<&'t str> {
    if let Some(ct) = r.header("Content-Type") {
        if ct
            .trim_start()
            .get(..10)
            .is_some_and(|m| m.eq_ignore_ascii_case("multipart/"))
        {
            let b = ct.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("boundary")
                    .then(|| v.trim().trim_matches('"'))
            });
            if b.is_some() {
                return b;
            }
        }
    }
    let mut prev: Option<&str> = None;
    for l in text.split('\n') {
        if l.get(..20)
            .is_some_and(|h| h.eq_ignore_ascii_case("content-disposition:"))
        {
            return prev?.strip_prefix("--").filter(|b| !b.is_empty());
        }
        prev = Some(l);
    }
    None
}

/// A body that is a secret as a whole, by its path:
///
/// - a barbican secret payload: the body of `GET .../secrets/{id}/payload`
///   (any content type), of `PUT .../secrets/{id}` with a non-JSON content
///   type (the payload upload), and of a `GET .../secrets/{id}` response that
///   is not JSON (the payload, asked for with `Accept: text/plain` or
///   `application/octet-stream`);
/// - a non-JSON body at a path ending in `/password`: nova's metadata
///   service `/openstack/{version}/password` (the encrypted admin password).
///
/// `kind` is asked only where the answer depends on it.
fn whole_body_secret(r: &Record, kind: impl Fn() -> BodyKind) -> bool {
    let path = r.path();
    let mut segs = path.rsplit('/').filter(|s| !s.is_empty());
    let Some(last) = segs.next() else {
        return false;
    };
    let ct = || r.header("Content-Type");
    let json = || ct().is_some_and(|c| contains_ignore_case(c, "json"));
    if last.eq_ignore_ascii_case("password") {
        return !json() && kind() != BodyKind::Json;
    }
    // The segments after the last `secrets`, the last one first.
    let mut after = [last, ""];
    let mut n = 1;
    let mut secrets = last.eq_ignore_ascii_case("secrets");
    if secrets {
        n = 0;
    } else {
        for seg in segs {
            if seg.eq_ignore_ascii_case("secrets") {
                secrets = true;
                break;
            }
            if n < 2 {
                after[n] = seg;
            }
            n += 1;
        }
    }
    if !secrets {
        return false;
    }
    match n {
        2 => after[0].eq_ignore_ascii_case("payload"),
        1 if r.method.eq_ignore_ascii_case("PUT") => r.is_request() && !json(),
        1 if r.method.eq_ignore_ascii_case("GET") && !r.is_request() => {
            // No content type and a JSON body: the secret's metadata.
            let metadata = ct().is_none() && kind() == BodyKind::Json;
            !json() && !metadata
        }
        _ => false,
    }
}

/// Where the authority of a URL starts: after `scheme://`.
fn scheme_end(u: &str) -> Option<usize> {
    let i = u.find("://")?;
    let scheme = &u[..i];
    (!scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    .then_some(i + 3)
}

/// A whole string that is one URL or path (no white space).
fn looks_like_url(s: &str) -> bool {
    !s.is_empty()
        && !s.contains(char::is_whitespace)
        && (scheme_end(s).is_some() || (s.starts_with('/') && !s.starts_with("//")))
}

/// A path segment after `/tokens/` that is a token, not a word (`OS-PKI`).
fn looks_like_token(seg: &str) -> bool {
    seg != MASK
        && !seg.starts_with("{SHA256}")
        && (seg.len() >= 20 || seg.bytes().any(|b| b.is_ascii_digit()))
}

pub(crate) fn looks_like_json(s: &str) -> bool {
    s.trim_start().starts_with(['{', '['])
}
