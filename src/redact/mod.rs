//! Redaction: secrets never reach the output (see `docs/redaction.md` for
//! every rule).
//!
//! Captures hold passwords and live tokens; rendered pages get published.
//! Redaction fits the two passes of the streaming pipeline:
//!
//! 1. **Find** ([`Rules::find`], pass 1, one record at a time, on every
//!    core): the positional rules decide from where a value sits (header
//!    name, JSON key at any depth and through escapes, query or form key,
//!    text pair, URL userinfo, token path segment, multipart field, PEM
//!    block, barbican payload) whether it is a secret. Every value they
//!    would replace is remembered in a [`Found`]; pieces of a capture are
//!    [merged](Found::merge) in capture order. Nothing is copied or edited.
//! 2. In between, a [`Hunter`] is built once per capture from everything
//!    found, with the names tokens are shown as (the correlation stage's
//!    `token-N`, or [`hash_name`]).
//! 3. **Redact** ([`Rules::redact`], pass 2, one record at a time): the
//!    positional rules again, now writing their edits, then every secret
//!    the hunter knows (tokens of [`MIN_HUNTED_TOKEN`] characters or more,
//!    other secrets of [`MIN_HUNTED_SECRET`] or more) wherever else it
//!    appears, as captured, JSON-escaped or percent-encoded, and the user's
//!    `[redact] patterns`, line by line. A record with nothing to redact
//!    comes back borrowing the same text: no copy, no allocation per line.
//!
//! Other text about a capture (warnings, quoted lines) goes through
//! [`Rules::text`]: the same rules and the same hunter.
//!
//! Edits replace byte spans of the captured text, so a JSON body keeps its
//! layout (indentation, key order, line count) byte for byte. A body with
//! CRLF line ends is redacted as its lines ([`crate::model::Body::lines`])
//! and keeps its line ends.
//!
//! A token becomes the name the hunter gives it; other secrets become
//! [`MASK`].

mod codec;
mod hunt;
mod json;
mod keys;
mod pass;

#[cfg(test)]
mod parity;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use indexmap::{IndexMap, IndexSet};
use regex::Regex;
use sha2::{Digest, Sha256};

use crate::model::{Body, Header, Lines, Record, Status};
use codec::{edited, Edit};
use keys::{last_word, spellings, squash, Secret};
use pass::{Naming, Pass};

pub use hunt::Hunter;
pub use keys::{EXACT_KEYS, EXTRA_KEYS, NOT_SECRET_LAST_WORDS, SANITIZE_KEYS, TOKEN_HEADERS};

/// Token values shorter than this are replaced where they were found but not
/// hunted through the rest of the capture: a short value (`"token": "abc"`)
/// would also hit unrelated text. Real tokens are far longer (UUID 32,
/// fernet ~180, JWS hundreds of characters).
pub const MIN_HUNTED_TOKEN: usize = 16;

/// Other secrets (passwords, keys, signatures) shorter than this are
/// replaced where they were found but not hunted elsewhere: `admin` or
/// `demo` as a password would also wipe user and project names. 8 is the
/// usual minimum password length; below it, collisions with ordinary words
/// and ids are likely, above it they are rare, and the value is a secret in
/// at least one place anyway.
pub const MIN_HUNTED_SECRET: usize = 8;

/// What replaces a secret that is not a token.
pub const MASK: &str = "***";

/// How deep escaped JSON in JSON, or percent-encoding in percent-encoding,
/// is followed.
const MAX_DEPTH: u8 = 8;

/// The name of a token nobody named: `{SHA256}` + 12 hex digits of its SHA-256.
pub fn hash_name(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut name = String::from("{SHA256}");
    for b in &digest[..6] {
        name.push_str(&format!("{b:02x}"));
    }
    name
}

/// The secrets found in pass 1: merged across pieces in capture order, the
/// result is the same as one pass over the whole capture.
///
/// Its `Debug` shows counts only: the values are secrets.
#[derive(Default, Clone)]
pub struct Found {
    /// Token values, in order of first appearance, each with the value it
    /// is named by when it is another form of it (a percent-encoded or
    /// JSON-escaped token is named by its decoded value); `None` when it is
    /// named by itself.
    tokens: IndexMap<String, Option<String>>,
    /// Other secret values ([`MIN_HUNTED_SECRET`] characters or more, trimmed).
    masked: IndexSet<String>,
}

impl fmt::Debug for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Found")
            .field("tokens", &self.tokens.len())
            .field("masked", &self.masked.len())
            .finish()
    }
}

impl Found {
    /// A token found where tokens are.
    fn token(&mut self, value: &str) {
        if !value.is_empty() && !self.tokens.contains_key(value) {
            self.tokens.insert(value.to_string(), None);
        }
    }

    /// Another form (`form`) of the token `value`, named like it.
    fn alias(&mut self, form: &str, value: &str) {
        if !form.is_empty() && !self.tokens.contains_key(form) {
            self.tokens
                .insert(form.to_string(), Some(value.to_string()));
        }
    }

    /// A secret that is not a token; kept only from the hunted length on.
    fn mask(&mut self, value: &str) {
        let v = value.trim();
        if v.chars().count() >= MIN_HUNTED_SECRET && v != MASK && !self.masked.contains(v) {
            self.masked.insert(v.to_string());
        }
    }

    /// Adds what a later piece of the same capture found.
    pub fn merge(&mut self, later: Found) {
        if self.tokens.is_empty() && self.masked.is_empty() {
            *self = later;
            return;
        }
        for (v, by) in later.tokens {
            self.tokens.entry(v).or_insert(by);
        }
        self.masked.extend(later.masked);
    }

    /// Whether redaction hides this exact value where it was found (a
    /// variable never holds one). A value that only contains a hunted
    /// secret, or matches a user pattern, is caught by [`Hunter::hides`].
    pub fn is_secret(&self, value: &str) -> bool {
        self.tokens.contains_key(value) || self.masked.contains(value)
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty() && self.masked.is_empty()
    }

    /// How many token values (every form) and other secrets were found.
    pub fn counts(&self) -> (usize, usize) {
        (self.tokens.len(), self.masked.len())
    }
}

/// The redaction rules of one configuration, every regex and automaton
/// compiled once; shared by every capture and every thread.
#[derive(Debug)]
pub struct Rules {
    /// Squashed sensitive key substrings (oslo's, tracedoc's, the user's).
    keys: AhoCorasick,
    /// Squashed whole keys.
    exact: Vec<String>,
    /// Any sensitive key in any spelling, case-insensitive: the cheap pre-check on text.
    finder: AhoCorasick,
    /// `key=value`, `key: value`, `"key": "value"`, `<key>value<`, `--key value`
    /// with a sensitive key.
    pairs: Regex,
    /// `scheme://user:password@` anywhere in text.
    userinfo: Regex,
    /// A token as a URL path segment: `/v2.0/tokens/{id}`, `/os-console-auth-tokens/{id}`.
    path_token: Regex,
    pem_begin: Regex,
    pem_end: Regex,
    /// The user's header names, as compared (lower case, `_` as `-`).
    user_headers: Vec<String>,
    /// The user's patterns.
    patterns: Vec<Regex>,
}

impl Rules {
    /// The built-in rules alone (no user rules): compiled once per process.
    pub fn builtin() -> std::sync::Arc<Rules> {
        static BUILTIN: std::sync::OnceLock<Option<std::sync::Arc<Rules>>> =
            std::sync::OnceLock::new();
        match BUILTIN.get_or_init(|| Rules::new(&[], &[], &[]).ok().map(std::sync::Arc::new)) {
            Some(r) => r.clone(),
            None => unreachable!("the built-in rules compile (tested)"),
        }
    }

    /// The built-in rules plus the `[redact]` section's `headers`, `keys`
    /// and `patterns`. An error names the bad rule (`redact.patterns: ...`,
    /// `redact.keys: ...`).
    pub fn new(headers: &[String], keys: &[String], patterns: &[String]) -> Result<Rules, String> {
        let patterns = patterns
            .iter()
            .map(|p| Regex::new(p).map_err(|e| format!("redact.patterns: `{p}`: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        for k in keys {
            if squash(k.trim()).is_empty() {
                return Err(format!(
                    "redact.keys: `{k}`: an empty key would match every key"
                ));
            }
        }
        let mut listed: Vec<String> = SANITIZE_KEYS
            .iter()
            .chain(EXTRA_KEYS)
            .map(|k| k.to_string())
            .collect();
        listed.extend(keys.iter().map(|k| k.trim().to_ascii_lowercase()));
        let mut squashed: Vec<String> = listed.iter().map(|k| squash(k)).collect();
        squashed.sort();
        squashed.dedup();
        let key_set = AhoCorasickBuilder::new()
            .build(&squashed)
            .map_err(|e| format!("redact.keys: {e}"))?;
        let mut spelled: Vec<String> = listed
            .iter()
            .flat_map(|k| spellings(k))
            .chain(EXACT_KEYS.iter().map(|k| k.to_string()))
            .collect();
        spelled.sort();
        spelled.dedup();
        let finder = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&spelled)
            .map_err(|e| format!("redact.keys: {e}"))?;
        // One alternative per key, any separator between its words
        // (`private[-_.]?key`): fewer alternatives compile faster, and mixed
        // spellings (`temp-url_sig`) match too.
        let mut alternatives: Vec<String> = listed
            .iter()
            .map(String::as_str)
            .chain(EXACT_KEYS.iter().copied())
            .map(|k| {
                k.split('_')
                    .map(regex::escape)
                    .collect::<Vec<_>>()
                    .join(r"[-_.]?")
            })
            .collect();
        alternatives.sort();
        alternatives.dedup();
        let alternation = alternatives.join("|");
        let word = r"[A-Za-z0-9_.\-]*";
        // key, an optional closing quote (maybe JSON-escaped), `=`, `:` or
        // `=>`, then a double-quoted, single-quoted (either maybe Python's
        // `u'...'`/`b'...'`) or bare value on the same line; or an XML
        // element `<key ...>value<`; or a command-line flag and its argument
        // (`--os-password x`).
        let pairs = Regex::new(&format!(
            r#"(?i)(?P<key>{word}(?:{alternation}){word})(?:\\?["'])?[ \t]*(?:=>|[:=])[ \t]*(?:[ub]?\\?"(?P<dq>[^"\\\n]*)\\?"|[ub]?\\?'(?P<sq>[^'\\\n]*)\\?'|(?P<bare>[^\s&;,"'<>(){{}}\[\]]+))|<(?P<xkey>[A-Za-z0-9_:.\-]*(?:{alternation}){word})(?:\s[^>\n]*)?>(?P<xval>[^<\n]+)<|(?:^|\s)(?P<fkey>--?{word}(?:{alternation}){word})[ \t]+(?P<fval>[^\s\-"'][^\s"']*)"#
        ))
        .map_err(|e| format!("redact.keys: {e}"))?;
        let built = |re: &str| Regex::new(re).map_err(|e| format!("built-in rule: {e}"));
        Ok(Rules {
            keys: key_set,
            exact: EXACT_KEYS.iter().map(|k| squash(k)).collect(),
            finder,
            pairs,
            userinfo: built(
                r#"(?i)\b[a-z][a-z0-9+.\-]*://(?P<user>[^\s/?#@:"'<>\\]*):(?P<pw>[^\s/?#"'<>\\]*)@"#,
            )?,
            path_token: built(
                r#"(?i)/(?:tokens|[a-z0-9_\-]*-auth-tokens)/(?P<tok>[^/?#\s"'<>\\&;,]+)"#,
            )?,
            pem_begin: built(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----")?,
            pem_end: built(r"-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----")?,
            user_headers: headers.iter().map(|h| keys::header_key(h)).collect(),
            patterns,
        })
    }

    /// Pass 1: adds the secrets `record` holds to `found` (token values
    /// found in token positions, masked values), without copying the record.
    pub fn find(&self, record: &Record<'_>, found: &mut Found) {
        let mut pass = Pass {
            rules: self,
            found,
            naming: Naming::Silent,
        };
        pass.text_edits(&record.url, 0);
        if let Some(status) = &record.status {
            pass.text_edits(&status.text, 0);
        }
        for h in &record.headers {
            match &h.value {
                Some(v) => {
                    pass.header_value(&h.name, v);
                }
                None => {
                    pass.header_line(&h.name);
                }
            }
        }
        let text = lf_text(&record.body.text);
        pass.body_edits(record, &text);
    }

    /// Pass 2: `record` as it may be shown. Fields with nothing to redact
    /// stay as they are (borrowed stays borrowed); changed ones are owned.
    pub fn redact<'a>(&self, record: &Record<'a>, hunter: &Hunter) -> Record<'a> {
        // What the positional rules find again is known already.
        let mut found = Found::default();
        let mut pass = Pass {
            rules: self,
            found: &mut found,
            naming: Naming::By(hunter),
        };
        let url = {
            let edits = pass.text_edits(&record.url, 0);
            shown(&record.url, edited(&record.url, &edits), hunter)
        };
        let status = record.status.as_ref().map(|s| {
            let edits = pass.text_edits(&s.text, 0);
            Status {
                code: s.code,
                text: shown(&s.text, edited(&s.text, &edits), hunter),
            }
        });
        let headers = record
            .headers
            .iter()
            .map(|h| match &h.value {
                Some(v) => Header {
                    name: h.name.clone(),
                    value: Some(shown(v, pass.header_value(&h.name, v), hunter)),
                },
                None => Header {
                    name: shown(&h.name, pass.header_line(&h.name), hunter),
                    value: None,
                },
            })
            .collect();
        let body = body(&mut pass, record, hunter);
        Record {
            id: record.id.clone(),
            at: record.at,
            direction: record.direction,
            from: shown(&record.from, None, hunter),
            to: shown(&record.to, None, hunter),
            method: shown(&record.method, None, hunter),
            url,
            status,
            headers,
            body: Body { text: body },
            hints: record.hints,
        }
    }

    /// Any text about a capture (a warning, a quoted line, a diagram
    /// label), redacted by the same rules as a text body line: pairs, URLs,
    /// path tokens, every secret `hunter` knows, the user's patterns.
    pub fn text(&self, s: &str, hunter: &Hunter) -> String {
        let mut found = Found::default();
        let edits = Pass {
            rules: self,
            found: &mut found,
            naming: Naming::By(hunter),
        }
        .text_edits(s, 0);
        let mut out = codec::apply_edits(s, &edits);
        // What this text itself gave away (`password=x ... x`), then what the
        // capture did.
        if !found.is_empty() {
            let own = Hunter::build(&found, &|v| hunter.name(v), Vec::new());
            if let Some(hunted) = own.apply(&out) {
                out = hunted;
            }
        }
        if let Some(hunted) = hunter.apply(&out) {
            out = hunted;
        }
        out
    }

    /// Whether a key (JSON key, query or form field, text key) holds a secret.
    fn key_secret(&self, key: &str) -> Option<Secret> {
        // Every spelling of every key, without allocating: most keys miss.
        if !self.finder.is_match(key) {
            return None;
        }
        let squashed = squash(key);
        let substring = self.keys.is_match(&squashed);
        if !substring && !self.exact.contains(&squashed) {
            return None;
        }
        if NOT_SECRET_LAST_WORDS.contains(&last_word(key).as_str()) {
            return None;
        }
        if squashed.contains("token") {
            Some(Secret::Token)
        } else {
            Some(Secret::Masked)
        }
    }

    /// Whether text can hold anything the positional rules look for.
    fn may_hold_secret(&self, s: &str) -> bool {
        self.finder.is_match(s)
            || memchr::memchr2(b'%', b'\\', s.as_bytes()).is_some()
            || (s.contains("://") && s.contains('@'))
            || s.contains("PRIVATE KEY")
    }

    /// Whether any `\n`-separated line of `text` can: one look at the whole
    /// text first (a line that can is part of it).
    fn may_hold_secret_in_lines(&self, text: &str) -> bool {
        self.may_hold_secret(text)
            && (memchr::memchr(b'\n', text.as_bytes()).is_none()
                || text.split('\n').any(|l| self.may_hold_secret(l)))
    }

    /// PEM private keys: everything between the BEGIN and END lines.
    fn pem_edits(&self, s: &str, edits: &mut Vec<Edit>) {
        if !s.contains("PRIVATE KEY") {
            return;
        }
        let mut at = 0;
        while let Some(begin) = self.pem_begin.find_at(s, at) {
            let end = self.pem_end.find_at(s, begin.end());
            let (mut from, mut to) = (begin.end(), end.map_or(s.len(), |e| e.start()));
            // Keep the line breaks next to the markers.
            if s[from..to].starts_with('\n') {
                from += 1;
            }
            if s[from..to].ends_with('\n') {
                to -= 1;
            }
            if from < to {
                edits.push(Edit::mask(from..to));
            }
            match end {
                Some(e) => at = e.end(),
                None => break,
            }
        }
    }
}

/// A field as shown: the positional result (if any), then the hunt.
fn shown<'a>(original: &Cow<'a, str>, positional: Option<String>, hunter: &Hunter) -> Cow<'a, str> {
    let base = positional.as_deref().unwrap_or(original);
    match hunter.apply(base) {
        Some(hunted) => Cow::Owned(hunted),
        None => match positional {
            Some(p) => Cow::Owned(p),
            None => original.clone(),
        },
    }
}

/// Whether a text has line ends that [`Lines`] takes off (`\r\n`, or a `\r`
/// at the very end).
fn has_crlf(text: &str) -> bool {
    text.ends_with('\r') || memchr::memmem::find(text.as_bytes(), b"\r\n").is_some()
}

/// A body's lines ([`Lines`]) joined by `\n`: what the rules read. The body's
/// own text unless it has CRLF line ends.
fn lf_text(text: &str) -> Cow<'_, str> {
    if !has_crlf(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in Lines::new(text).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
    }
    Cow::Owned(out)
}

/// `lines` (`\n`-separated, one for each line of `original`) with the line
/// ends of `original` (`\r\n`, `\n`, a final `\r`).
fn with_line_ends(original: &str, lines: &str) -> String {
    let mut out = String::with_capacity(lines.len() + original.len() / 16);
    let mut new = lines.split('\n');
    let mut rest = original;
    loop {
        let (end, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) if rest[..i].ends_with('\r') => ("\r\n", Some(&rest[i + 1..])),
            Some(i) => ("\n", Some(&rest[i + 1..])),
            None if rest.ends_with('\r') => ("\r", None),
            None => ("", None),
        };
        out.push_str(new.next().unwrap_or(""));
        out.push_str(end);
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    // Edits never add or remove a line; should one have, nothing is lost.
    for extra in new {
        out.push('\n');
        out.push_str(extra);
    }
    out
}

/// A record's body as shown: the positional edits on its lines, then the
/// hunt line by line, with its own line ends.
fn body<'a>(pass: &mut Pass<'_>, record: &Record<'a>, hunter: &Hunter) -> Cow<'a, str> {
    let original = &record.body.text;
    if original.is_empty() {
        return original.clone();
    }
    let text = lf_text(original);
    let edits = pass.body_edits(record, &text);
    let positional = edited(&text, &edits);
    let base = positional.as_deref().unwrap_or(&text);
    match hunter.lines(base).or(positional) {
        None => original.clone(),
        Some(out) if matches!(text, Cow::Owned(_)) => Cow::Owned(with_line_ends(original, &out)),
        Some(out) => Cow::Owned(out),
    }
}
