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
//!    would replace is remembered in a [`Found`]; the [`Found`]s of the
//!    pieces of a capture are [merged](Found::merge) in capture order.
//!    Nothing is copied or edited. The [`Marks`] it returns (two bytes)
//!    say which parts of the record the positional rules change.
//! 2. In between, a [`Hunter`] is built once per capture from everything
//!    found, with the names tokens are shown as (the correlation stage's
//!    `token-N`, or [`hash_name`]).
//! 3. **Redact** ([`Rules::redact_marked`], or [`Rules::redact`] without
//!    marks; pass 2, one record at a time): the positional rules again
//!    where the marks say they change something, now writing their edits,
//!    then everywhere every secret the hunter knows (tokens of
//!    [`MIN_HUNTED_TOKEN`] characters or more, other secrets of
//!    [`MIN_HUNTED_SECRET`] or more), as captured, JSON-escaped or
//!    percent-encoded, and the user's `[redact] patterns`, line by line. A
//!    record with nothing to redact comes back borrowing the same text: no
//!    copy, no allocation per line.
//!
//! Other text about a capture (warnings, quoted lines, labels) goes through
//! [`Rules::text`]: the same rules and the same hunter. A value that
//! [`Found::is_secret`] or [`Hunter::hides`] must never become a variable.
//!
//! Edits replace byte spans of the captured text, so a JSON body keeps its
//! layout (indentation, key order, line count) byte for byte. A body with
//! CRLF line ends is redacted as its lines ([`crate::model::Body::lines`])
//! and keeps its line ends.
//!
//! Most text holds nothing to redact, and is passed over cheaply: key words
//! are looked for with SIMD through a few anchors (`finder`), the JSON
//! scanner notes per string whether a key word or an escape is in it, and
//! the hunt looks at a whole body before going line by line.
//!
//! A token becomes the name the hunter gives it; other secrets become
//! [`MASK`].

mod codec;
mod finder;
mod hunt;
mod json;
mod keys;
mod pass;

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

/// Which parts of a record the positional rules change, as pass 1 found
/// (so pass 2 can skip the rest), and a fingerprint of the record they
/// belong to. Two bytes: keep one per record between the passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks(u16);

impl Marks {
    /// The URL or the status.
    const HEAD: u16 = 1;
    /// A header value by its name's rule (`X-Auth-Token`, `Cookie`).
    const HEADER_RULES: u16 = 2;
    /// A header value by the text rules, or a header line without `": "`.
    const HEADER_TEXT: u16 = 4;
    const BODY: u16 = 8;
    const PARTS: u16 = 15;
    const FINGERPRINT: u32 = 4;

    /// Every part may change: the marks of a record pass 1 did not see.
    pub const ALL: Marks = Marks(Marks::PARTS);

    /// No part marked yet, with `record`'s fingerprint.
    fn of(record: &Record) -> Marks {
        Marks(Marks::fingerprint(record) << Marks::FINGERPRINT)
    }

    /// 12 bits of the record: its URL, its field and header lengths, and
    /// the ends of its body.
    fn fingerprint(record: &Record) -> u16 {
        use std::hash::Hasher;
        // Word at a time (FNV byte by byte was 2% of a big render: the
        // URL and headers of every record are hashed in both passes).
        let mut hasher = rustc_hash::FxHasher::default();
        let mut add = |bytes: &[u8]| hasher.write(bytes);
        add(record.url.as_bytes());
        add(&(record.headers.len() as u32).to_le_bytes());
        for header in &record.headers {
            add(&(header.name.len() as u32).to_le_bytes());
            add(&(header.value.as_ref().map_or(u32::MAX, |v| v.len() as u32)).to_le_bytes());
        }
        let body = record.body.text.as_bytes();
        add(&(body.len() as u32).to_le_bytes());
        add(&body[..body.len().min(16)]);
        add(&body[body.len().saturating_sub(16)..]);
        let h = hasher.finish();
        ((h ^ (h >> 12) ^ (h >> 24) ^ (h >> 36) ^ (h >> 52)) & 0x0fff) as u16
    }

    /// Whether these are marks of `record` (or [`Marks::ALL`]).
    fn fits(self, record: &Record) -> bool {
        self == Marks::ALL || self.0 >> Marks::FINGERPRINT == Marks::fingerprint(record)
    }

    fn has(self, part: u16) -> bool {
        self.0 & part != 0
    }

    /// Whether pass 1 found nothing the positional rules change.
    pub fn is_empty(self) -> bool {
        self.0 & Marks::PARTS == 0
    }
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
    finder: finder::KeyFinder,
    /// `key=value`, `key: value`, `"key": "value"`, `<key>value<`, `--key value`
    /// with a sensitive key.
    pairs: Regex,
    /// `scheme://user:password@` anywhere in text.
    userinfo: Regex,
    /// A token as a URL path segment: `/v2.0/tokens/{id}`, `/os-console-auth-tokens/{id}`.
    path_token: Regex,
    pem_begin: Regex,
    pem_end: Regex,
    /// Whether a spelling in `finder` holds a line end (a user key can):
    /// then a match in a text is not a match in one of its lines.
    finder_crosses_lines: bool,
    /// `://` and `PRIVATE KEY`, searched for in most texts.
    scheme: memchr::memmem::Finder<'static>,
    private_key: memchr::memmem::Finder<'static>,
    /// `"id"`, a JSON key.
    id_key: memchr::memmem::Finder<'static>,
    /// The user's header names, as compared (lower case, `_` as `-`).
    user_headers: Vec<String>,
    /// The user's patterns.
    patterns: Vec<Regex>,
    /// Tells these rules from others built in the same process (for the
    /// memo of [`Rules::header_text_changes`]).
    id: u64,
}

thread_local! {
    /// Header values in which pass 1 found nothing, by the [`Rules::id`]
    /// of the rules that looked: most header values repeat record after
    /// record (`Accept`, `User-Agent`, `Vary: X-Auth-Token`).
    static PLAIN_HEADERS: std::cell::RefCell<(u64, rustc_hash::FxHashSet<Box<str>>)> =
        std::cell::RefCell::new((u64::MAX, rustc_hash::FxHashSet::default()));
}

/// How many header values a thread remembers, and the longest it does.
const PLAIN_HEADERS_KEPT: usize = 4096;
const PLAIN_HEADER_LONGEST: usize = 256;

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
        let finder_crosses_lines = spelled.iter().any(|k| k.contains('\n'));
        let finder = finder::KeyFinder::new(&spelled)?;
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
            finder_crosses_lines,
            scheme: memchr::memmem::Finder::new("://").into_owned(),
            private_key: memchr::memmem::Finder::new("PRIVATE KEY").into_owned(),
            id_key: memchr::memmem::Finder::new("\"id\"").into_owned(),
            user_headers: headers.iter().map(|h| keys::header_key(h)).collect(),
            patterns,
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        })
    }

    /// Pass 1: adds the secrets `record` holds to `found` (token values
    /// found in token positions, masked values), without copying the
    /// record. The [`Marks`] say which parts of it the positional rules
    /// change; keep them for [`Rules::redact_marked`] to skip the others.
    pub fn find(&self, record: &Record<'_>, found: &mut Found) -> Marks {
        let mut pass = Pass {
            rules: self,
            found,
            naming: Naming::Silent,
        };
        let mut marks = Marks::of(record);
        let mut head = !pass.text_edits(&record.url, 0).is_empty();
        if let Some(status) = &record.status {
            head |= !pass.text_edits(&status.text, 0).is_empty();
        }
        let (mut ruled, mut texts) = (false, false);
        for h in &record.headers {
            match &h.value {
                Some(v) => match keys::header_rule(&h.name, &self.user_headers) {
                    Some(rule) => ruled |= pass.ruled_value(rule, v).is_some(),
                    None => texts |= self.header_text_changes(&mut pass, v),
                },
                None => texts |= pass.header_line(&h.name).is_some(),
            }
        }
        let original = &record.body.text;
        let body = (!has_crlf(original) || pass.body_may_change(record, original))
            && !pass.body_edits(record, &lf_text(original)).is_empty();
        for (part, changes) in [
            (Marks::HEAD, head),
            (Marks::HEADER_RULES, ruled),
            (Marks::HEADER_TEXT, texts),
            (Marks::BODY, body),
        ] {
            if changes {
                marks.0 |= part;
            }
        }
        marks
    }

    /// Whether the text rules change a header value, in pass 1. A value
    /// they leave alone is remembered (text edits depend on the text and
    /// the rules only), so a value seen before is not read again.
    fn header_text_changes(&self, pass: &mut Pass<'_>, v: &str) -> bool {
        if v.len() > PLAIN_HEADER_LONGEST {
            return !pass.text_edits(v, 0).is_empty();
        }
        let seen = PLAIN_HEADERS.with(|plain| {
            let plain = plain.borrow();
            plain.0 == self.id && plain.1.contains(v)
        });
        if seen {
            return false;
        }
        let changes = !pass.text_edits(v, 0).is_empty();
        if !changes {
            PLAIN_HEADERS.with(|plain| {
                let (id, values) = &mut *plain.borrow_mut();
                if *id != self.id {
                    *id = self.id;
                    values.clear();
                }
                if values.len() < PLAIN_HEADERS_KEPT {
                    values.insert(v.into());
                }
            });
        }
        changes
    }

    /// Pass 2: `record` as it may be shown. Fields with nothing to redact
    /// stay as they are (borrowed stays borrowed); changed ones are owned.
    pub fn redact<'a>(&self, record: &Record<'a>, hunter: &Hunter) -> Record<'a> {
        self.redact_marked(record, hunter, Marks::ALL)
    }

    /// [`Rules::redact`], skipping the positional rules where the marks
    /// [`Rules::find`] gave for this record say they change nothing (the
    /// hunt and the user's patterns still run everywhere). Marks of another
    /// record are noticed (most of the time) and then ignored.
    pub fn redact_marked<'a>(
        &self,
        record: &Record<'a>,
        hunter: &Hunter,
        marks: Marks,
    ) -> Record<'a> {
        let marks = if marks.fits(record) {
            marks
        } else {
            Marks::ALL
        };
        // What the positional rules find again is known already.
        let mut found = Found::default();
        if !marks.has(Marks::HEAD | Marks::HEADER_RULES | Marks::HEADER_TEXT)
            && !record_fields(record).any(|t| hunter.may_change(t))
        {
            // Most records: nothing in the head or the headers changes, so
            // they stay as they are (borrowed stays borrowed).
            let mut pass = Pass {
                rules: self,
                found: &mut found,
                naming: Naming::By(hunter),
            };
            let body = body(&mut pass, record, hunter, marks.has(Marks::BODY));
            return Record {
                id: record.id.clone(),
                at: record.at,
                direction: record.direction,
                from: record.from.clone(),
                to: record.to.clone(),
                method: record.method.clone(),
                url: record.url.clone(),
                status: record.status.clone(),
                headers: record.headers.clone(),
                body: Body { text: body },
                hints: record.hints,
            };
        }
        let mut pass = Pass {
            rules: self,
            found: &mut found,
            naming: Naming::By(hunter),
        };
        let head = marks.has(Marks::HEAD);
        let url = {
            let edits = if head {
                pass.text_edits(&record.url, 0)
            } else {
                Vec::new()
            };
            shown(&record.url, edited(&record.url, &edits), hunter)
        };
        let status = record.status.as_ref().map(|s| {
            let edits = if head {
                pass.text_edits(&s.text, 0)
            } else {
                Vec::new()
            };
            Status {
                code: s.code,
                text: shown(&s.text, edited(&s.text, &edits), hunter),
            }
        });
        let (ruled, texts) = (
            marks.has(Marks::HEADER_RULES),
            marks.has(Marks::HEADER_TEXT),
        );
        let headers = record
            .headers
            .iter()
            .map(|h| match &h.value {
                Some(v) => {
                    let positional = if ruled || texts {
                        match keys::header_rule(&h.name, &self.user_headers) {
                            Some(rule) if ruled => pass.ruled_value(rule, v),
                            None if texts => edited(v, &pass.text_edits(v, 0)),
                            _ => None,
                        }
                    } else {
                        None
                    };
                    Header {
                        name: h.name.clone(),
                        value: Some(shown(v, positional, hunter)),
                    }
                }
                None => Header {
                    name: shown(
                        &h.name,
                        texts.then(|| pass.header_line(&h.name)).flatten(),
                        hunter,
                    ),
                    value: None,
                },
            })
            .collect();
        let body = body(&mut pass, record, hunter, marks.has(Marks::BODY));
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
            let own = Hunter::build(&found, &|v| hunter.name(v), Vec::new(), false);
            if let Some(hunted) = own.apply(&out) {
                out = hunted;
            }
        }
        if let Some(hunted) = hunter.apply(&out) {
            out = hunted;
        }
        out
    }

    /// Text the site owner wrote about a capture (a note): shown as
    /// written, except every secret the capture holds, which `hunter`
    /// replaces wherever it occurs (a token by its token name, as on the
    /// rest of the page), so a note that quotes the raw log cannot publish
    /// what redaction hid. The key rules of [`Rules::text`] are not applied:
    /// the owner's prose (`X-Subject-Token: the token glance got`) is not
    /// a captured header line, and what it does not copy from the capture
    /// is the owner's to write.
    pub fn owner_text<'t>(&self, s: &'t str, hunter: &Hunter) -> Cow<'t, str> {
        match hunter.apply(s) {
            Some(hunted) => Cow::Owned(hunted),
            None => Cow::Borrowed(s),
        }
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

    /// Whether text can hold anything the positional rules look for that a
    /// key word does not announce: an escape, a URL with userinfo, a PEM
    /// key. (The other half is the key finder.)
    fn may_hold_unkeyed(&self, s: &str) -> bool {
        let b = s.as_bytes();
        memchr::memchr2(b'%', b'\\', b).is_some()
            || (memchr::memchr(b'@', b).is_some() && self.scheme.find(b).is_some())
            || (memchr::memchr(b'K', b).is_some() && self.private_key.find(b).is_some())
    }

    /// [`Rules::may_hold_unkeyed`] of a JSON string, from what the scanner
    /// saw in it.
    fn may_hold_unkeyed_str(&self, s: json::Str) -> bool {
        s.has(json::flag::ESCAPED) || (s.has(json::flag::UNKEYED) && self.may_hold_unkeyed(s.raw))
    }

    /// Whether any `\n`-separated line of `text` can hold anything the
    /// positional rules look for, without looking line by line unless two
    /// things must be on the same line; `keyed` says whether the key finder
    /// matches in a line (when the caller knows).
    fn may_hold_secret_in_lines(&self, text: &str, keyed: Option<bool>) -> bool {
        let b = text.as_bytes();
        if memchr::memchr2(b'%', b'\\', b).is_some() || self.private_key.find(b).is_some() {
            return true;
        }
        if memchr::memchr(b'@', b).is_some()
            && self.scheme.find(b).is_some()
            && text
                .split('\n')
                .any(|l| l.contains('@') && self.scheme.find(l.as_bytes()).is_some())
        {
            return true;
        }
        match keyed {
            Some(keyed) => keyed,
            None if self.finder_crosses_lines => text.split('\n').any(|l| self.finder.is_match(l)),
            None => self.finder.is_match(text),
        }
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
/// `original` with its positional edits, then the hunt.
fn shown<'a>(original: &Cow<'a, str>, positional: Option<String>, hunter: &Hunter) -> Cow<'a, str> {
    if positional.is_none() && !hunter.may_change(original) {
        return original.clone();
    }
    let base = positional.as_deref().unwrap_or(original);
    match hunter.apply(base) {
        Some(hunted) => Cow::Owned(hunted),
        None => match positional {
            Some(p) => Cow::Owned(p),
            None => original.clone(),
        },
    }
}

/// Every text of `record` that [`Rules::redact_marked`] shows apart from
/// its body: what the hunt looks at in the head and the headers.
fn record_fields<'r>(record: &'r Record<'_>) -> impl Iterator<Item = &'r str> {
    [&record.from, &record.to, &record.method, &record.url]
        .into_iter()
        .map(|c| c.as_ref())
        .chain(record.status.iter().map(|s| s.text.as_ref()))
        .chain(record.headers.iter().map(|h| match &h.value {
            Some(v) => v.as_ref(),
            None => h.name.as_ref(),
        }))
}

/// Whether a text has line ends that [`Lines`] takes off (`\r\n`, or a `\r`
/// at the very end).
fn has_crlf(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr(b'\r', b).is_some()
        && (text.ends_with('\r')
            || memchr::memchr_iter(b'\r', b).any(|i| b.get(i + 1) == Some(&b'\n')))
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
fn body<'a>(
    pass: &mut Pass<'_>,
    record: &Record<'a>,
    hunter: &Hunter,
    positional: bool,
) -> Cow<'a, str> {
    let original = &record.body.text;
    let positional = positional && (!has_crlf(original) || pass.body_may_change(record, original));
    if original.is_empty() || (!positional && !hunter.may_touch(original)) {
        return original.clone();
    }
    let text = lf_text(original);
    let edits = if positional {
        pass.body_edits(record, &text)
    } else {
        Vec::new()
    };
    let positional = edited(&text, &edits);
    let base = positional.as_deref().unwrap_or(&text);
    match hunter.lines(base).or(positional) {
        None => original.clone(),
        Some(out) if matches!(text, Cow::Owned(_)) => Cow::Owned(with_line_ends(original, &out)),
        Some(out) => Cow::Owned(out),
    }
}
