//! Redaction of secrets before anything is rendered.
//!
//! Captures hold passwords and live tokens; rendered pages get published.
//! [`Redactor`] makes redacted copies of the records after token correlation
//! (which needs the real values to follow tokens between calls) and before
//! anything that produces output: the page, the graph document, the omitted
//! calls and the warnings all come from the redacted copies, or, for text
//! that is not a record (a warning), from [`Redactor::text`].
//!
//! Two passes (see `docs/redaction.md` for every rule):
//!
//! 1. **By position**, one record at a time: header values by header name;
//!    JSON values by key, at any depth, in place (never re-serialized, so the
//!    layout stays as captured), through `\uXXXX` escapes and JSON held in
//!    strings at any depth; `key=value` / `key: value` / `<key>` pairs in
//!    text, queries (`&` and `;`), fragments and percent-encoded inner
//!    queries; URL userinfo passwords; tokens in URL paths; multipart form
//!    fields; PEM private keys; barbican secret payloads. Every value found
//!    is remembered.
//! 2. **Everywhere**: every remembered token value (16 characters or more)
//!    and every other remembered secret (8 or more) is replaced wherever else
//!    it appears, as captured, JSON-escaped or percent-encoded; then the
//!    user's `[redact] patterns`.
//!
//! A token becomes the name the correlation stage gave it, or else
//! `{SHA256}` and the first 12 hex digits of its SHA-256 (the spirit of
//! keystoneauth's `{SHA256}...` log form), so a reader can still follow
//! which token went where without seeing it. Other secrets become `***`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use indexmap::{IndexMap, IndexSet};
use rayon::prelude::*;
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
            if squash(k.trim()).is_empty() {
                return Err("redact.keys: an empty key would match every key".into());
            }
        }
        Ok(())
    }
}

/// oslo.utils `strutils._SANITIZE_KEYS`: a key containing any of these
/// (case-insensitive) holds a secret. tracedoc treats this list as a floor.
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

/// Key substrings tracedoc adds to oslo's list, by service:
///
/// - swift temporary URLs (`temp_url_sig`) and FormPost (`signature`), S3
///   and EC2 signed requests (`Signature`, `X-Amz-Signature`);
/// - keystone: credential `blob`s (EC2 `access`/`secret` pairs and TOTP
///   seeds, serialized as a JSON string), TOTP `passcode`s (application
///   credential and EC2 `secret`s are covered by oslo's `secret`);
/// - cinder and manila transfers (`auth_key`), ironic SNMP keys
///   (`snmp_auth_key`, `snmp_priv_key`);
/// - octavia's amphora `heartbeat_key` (oslo has only the camel-case
///   config name);
/// - rbd connection info `keyring`s (cinder -> nova);
/// - generic `passwd`, `api_key` / `apikey`.
///
/// barbican's `payload`, neutron VPNaaS `psk` and manila's cephx
/// `access_key` are in [`EXACT_KEYS`]; trove's and manila's passwords are
/// oslo's `password`.
pub const EXTRA_KEYS: &[&str] = &[
    "temp_url_sig",
    "signature",
    "blob",
    "passcode",
    "passwd",
    "auth_key",
    "priv_key",
    "api_key",
    "heartbeat_key",
    "keyring",
];

/// Keys that hold a secret only when they are the whole key (a substring
/// match would hit harmless neighbours: `payload_content_type`, `bypass`,
/// `design`, `AWSAccessKeyId`): barbican's secret `payload`, neutron VPNaaS
/// `psk`, manila's cephx `access_key`, and the short `pass`, `pwd` and `sig`
/// (Azure-style signed URLs).
pub const EXACT_KEYS: &[&str] = &["payload", "psk", "access_key", "pass", "pwd", "sig"];

/// A key whose last word is one of these describes a secret instead of
/// holding one: `token_type`, `secret_ref` (a barbican URL), `secret_type`,
/// `password_expires_at`, `SignatureMethod`, `SignatureVersion`,
/// `password_regex`. Words are split at `_`, `-`, `.` and camel case.
pub const NOT_SECRET_LAST_WORDS: &[&str] = &[
    "type",
    "types",
    "ref",
    "refs",
    "href",
    "at",
    "expires",
    "expiry",
    "expiration",
    "method",
    "methods",
    "version",
    "algorithm",
    "length",
    "url",
    "uri",
    "endpoint",
    "regex",
    "description",
];

/// Keys that name a field in a name/value object (`{"name": "db_password",
/// "value": "..."}`), and the keys of its value.
const NAME_KEYS: &[&str] = &["name", "key", "parameter", "param", "field"];
const VALUE_KEYS: &[&str] = &["value", "val", "default"];

/// Headers whose value is a token, by exact name; any `*-Token` also is.
pub const TOKEN_HEADERS: &[&str] = &["x-auth-token", "x-subject-token", "x-service-token"];

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

/// A header name as compared: trimmed, lower case, `_` read as `-`
/// (`X_Auth_Token`, and WSGI's `HTTP_X_AUTH_TOKEN`).
fn header_key(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The rule for a header name. `user` holds the user's header names as
/// [`header_key`] writes them.
fn header_rule(name: &str, user: &[String]) -> Option<HeaderRule> {
    // This runs for every header line: no allocation for ordinary names.
    let name = name.trim();
    let mut buf = [0u8; 128];
    let owned: String;
    let lower: &str = match buf.get_mut(..name.len()) {
        Some(b) => {
            for (d, c) in b.iter_mut().zip(name.bytes()) {
                *d = if c == b'_' {
                    b'-'
                } else {
                    c.to_ascii_lowercase()
                };
            }
            match std::str::from_utf8(b) {
                Ok(lower) => lower,
                Err(_) => {
                    owned = header_key(name);
                    &owned
                }
            }
        }
        None => {
            owned = header_key(name);
            &owned
        }
    };
    if user.iter().any(|u| u == lower) {
        return Some(HeaderRule::Masked);
    }
    let bare = lower.strip_prefix("http-").unwrap_or(lower);
    match bare {
        "authorization" | "proxy-authorization" => return Some(HeaderRule::Authorization),
        "cookie" => return Some(HeaderRule::Cookie),
        "set-cookie" | "set-cookie2" => return Some(HeaderRule::SetCookie),
        _ => {}
    }
    // `*-Token`, and keystone's MFA `Openstack-Auth-Receipt`.
    if TOKEN_HEADERS.contains(&bare)
        || bare == "token"
        || bare.ends_with("-token")
        || bare.ends_with("-receipt")
    {
        return Some(HeaderRule::Token);
    }
    // `*-Key`, `*-Key-2` (Swift's second temp URL key), `*-Secret`, `*-Pass`
    // (Swift tempauth's `X-Storage-Pass`), and any header naming a password.
    let base = bare.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = base.strip_suffix('-').unwrap_or(bare);
    if base.ends_with("-key")
        || base == "key"
        || bare.ends_with("-pass")
        || bare.ends_with("-sig")
        || [
            "password",
            "passwd",
            "passphrase",
            "secret",
            "signature",
            "passcode",
            "psk",
        ]
        .iter()
        .any(|w| bare.contains(w))
    {
        return Some(HeaderRule::Masked);
    }
    None
}

/// A key as compared with the key lists: lower case, without `_`, `-`, `.`
/// and spaces, so `private_key`, `privateKey` and `Private-Key` are one key.
fn squash(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The last word of a key: split at non-alphanumerics and camel case.
fn last_word(key: &str) -> String {
    let key = key.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    let mut start = 0;
    let b = key.as_bytes();
    for i in 1..b.len() {
        if !b[i].is_ascii_alphanumeric() {
            start = i + 1;
        } else if b[i].is_ascii_uppercase()
            && (b[i - 1].is_ascii_lowercase() || b[i - 1].is_ascii_digit())
        {
            start = i;
        }
    }
    key.get(start..).unwrap_or("").to_ascii_lowercase()
}

/// The spellings of a key looked for in text: as listed, and with `_` as
/// `-`, `.` or nothing.
fn spellings(key: &str) -> Vec<String> {
    let mut out = vec![key.to_string()];
    if key.contains('_') {
        for with in ["-", ".", ""] {
            out.push(key.replace('_', with));
        }
    }
    out
}

/// Secret values found in the first pass, to hunt in the second.
#[derive(Debug, Default)]
struct Found {
    /// Token value -> name.
    tokens: IndexMap<String, String>,
    /// Other secret values.
    masked: IndexSet<String>,
}

impl Found {
    fn token(&mut self, value: &str, name: &str) {
        if !value.is_empty() && !self.tokens.contains_key(value) {
            self.tokens.insert(value.to_string(), name.to_string());
        }
    }

    fn mask(&mut self, value: &str) {
        let v = value.trim();
        if v.chars().count() >= MIN_HUNTED_SECRET && v != MASK && !self.masked.contains(v) {
            self.masked.insert(v.to_string());
        }
    }

    fn merge(&mut self, other: Found) {
        for (v, n) in other.tokens {
            self.tokens.entry(v).or_insert(n);
        }
        self.masked.extend(other.masked);
    }
}

/// The compiled built-in rules and the user's keys: the same for every
/// capture that shares a config, so compiled once and shared.
#[derive(Debug)]
struct Compiled {
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
}

/// Compiled rules by user keys: `build` makes a redactor per capture, and
/// the key regex takes milliseconds to compile. Bounded: a long-lived
/// caller with ever new keys compiles again past it.
static COMPILED: std::sync::Mutex<Vec<(Vec<String>, Arc<Compiled>)>> =
    std::sync::Mutex::new(Vec::new());
const COMPILED_KEPT: usize = 16;

impl Compiled {
    fn for_keys(user_keys: &[String]) -> Result<Arc<Compiled>, String> {
        if let Ok(cache) = COMPILED.lock() {
            if let Some((_, c)) = cache.iter().find(|(k, _)| k.as_slice() == user_keys) {
                return Ok(c.clone());
            }
        }
        let compiled = Arc::new(Compiled::new(user_keys)?);
        if let Ok(mut cache) = COMPILED.lock() {
            if cache.len() < COMPILED_KEPT {
                cache.push((user_keys.to_vec(), compiled.clone()));
            }
        }
        Ok(compiled)
    }

    fn new(user_keys: &[String]) -> Result<Compiled, String> {
        let mut listed: Vec<String> = SANITIZE_KEYS
            .iter()
            .chain(EXTRA_KEYS)
            .map(|k| k.to_string())
            .collect();
        listed.extend(user_keys.iter().map(|k| k.trim().to_ascii_lowercase()));
        let mut squashed: Vec<String> = listed.iter().map(|k| squash(k)).collect();
        squashed.sort();
        squashed.dedup();
        let keys = AhoCorasickBuilder::new()
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
        Ok(Compiled {
            keys,
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
        })
    }
}

/// Makes redacted copies of records. Build one per capture run.
#[derive(Debug)]
pub struct Redactor {
    /// Token value -> name, from the correlation stage.
    token_names: HashMap<String, String>,
    rules: Arc<Compiled>,
    user_headers: Vec<String>,
    user_patterns: Vec<Regex>,
}

impl Redactor {
    /// A redactor with the built-in rules plus `rules`. `token_names` maps
    /// token values to the names the correlation stage gave them (`token-1`);
    /// tokens not in it are named by [`hash_name`].
    pub fn new(rules: &UserRules, token_names: &HashMap<String, String>) -> Result<Self, String> {
        rules.validate()?;
        let user_patterns = rules
            .patterns
            .iter()
            .map(|p| Regex::new(p).map_err(|e| format!("redact.patterns: `{p}`: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Redactor {
            token_names: token_names.clone(),
            rules: Compiled::for_keys(&rules.keys)?,
            user_headers: rules.headers.iter().map(|h| header_key(h)).collect(),
            user_patterns,
        })
    }

    /// Redacted copies of `records`, in the same order.
    pub fn records(&self, records: &[Record]) -> Vec<Record> {
        self.redact(records).0
    }

    /// Redacted copies of `records`, and the [`Hunter`] of every secret
    /// found in them, for redacting other text about the same capture
    /// ([`Redactor::text`]).
    pub fn redact(&self, records: &[Record]) -> (Vec<Record>, Hunter) {
        // Each record on its own (so on every core), then the hunt, which
        // needs every secret of the capture.
        let first: Vec<(Record, Found)> = records.par_iter().map(|r| self.record(r)).collect();
        let mut found = Found::default();
        let mut out = Vec::with_capacity(first.len());
        for (r, f) in first {
            found.merge(f);
            out.push(r);
        }
        let hunter = Hunter::new(&found, &self.token_names, &self.user_patterns);
        out.par_iter_mut().for_each(|r| hunter.finish(r));
        (out, hunter)
    }

    /// Any text about the capture (a warning, a quoted line), redacted by
    /// the same rules as a text body line: pairs, URLs, path tokens, every
    /// secret `hunter` knows, the user's patterns.
    pub fn text(&self, s: &str, hunter: &Hunter) -> String {
        let mut found = Found::default();
        let edits = self.text_edits(s, &mut found, 0);
        let mut out = apply_edits(s, &edits);
        // What this text itself gave away (`password=x ... x`), then what the
        // capture did.
        let own = Hunter::new(&found, &HashMap::new(), &[]);
        for h in [&own, hunter] {
            if let Some(hunted) = h.apply(&out) {
                out = hunted;
            }
        }
        out
    }

    /// The name a token value is shown as.
    pub fn token_name(&self, token: &str) -> String {
        self.token_names
            .get(token)
            .cloned()
            .unwrap_or_else(|| hash_name(token))
    }

    fn token(&self, value: &str, found: &mut Found) -> String {
        let name = self.token_name(value);
        found.token(value, &name);
        name
    }

    /// A token written percent-encoded in a URL: named by its decoded value
    /// (the one headers carry), and hunted in both forms.
    fn url_token(&self, raw: &str, found: &mut Found) -> String {
        match percent_decode(raw) {
            Some(d) => {
                let name = self.token(&d.text, found);
                found.token(raw, &name);
                name
            }
            None => self.token(raw, found),
        }
    }

    fn url_mask(&self, raw: &str, found: &mut Found) {
        found.mask(raw);
        if let Some(d) = percent_decode(raw) {
            found.mask(&d.text);
        }
    }

    /// Whether a key (JSON key, query or form field, text key) holds a secret.
    fn key_secret(&self, key: &str) -> Option<Secret> {
        // Every spelling of every key, without allocating: most keys miss.
        if !self.rules.finder.is_match(key) {
            return None;
        }
        let squashed = squash(key);
        let substring = self.rules.keys.is_match(&squashed);
        if !substring && !self.rules.exact.contains(&squashed) {
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

    /// Whether text can hold anything the first pass looks for.
    fn may_hold_secret(&self, s: &str) -> bool {
        self.rules.finder.is_match(s)
            || memchr::memchr2(b'%', b'\\', s.as_bytes()).is_some()
            || (s.contains("://") && s.contains('@'))
            || s.contains("PRIVATE KEY")
    }

    /// The first pass over one record: every rule that depends on position.
    fn record(&self, record: &Record) -> (Record, Found) {
        let mut found = Found::default();
        let mut r = record.clone();
        let edits = self.text_edits(&r.url, &mut found, 0);
        if !edits.is_empty() {
            r.url = apply_edits(&r.url, &edits);
        }
        if let Some(status) = &mut r.status {
            let edits = self.text_edits(&status.text, &mut found, 0);
            if !edits.is_empty() {
                status.text = apply_edits(&status.text, &edits);
            }
        }
        for h in &mut r.headers {
            match &mut h.value {
                Some(v) => {
                    if let Some(new) = self.header_value(&h.name, v, &mut found) {
                        *v = new;
                    }
                }
                // A line without `": "` (`X-Auth-Token:abc`, `X-Auth-Token abc`).
                None => h.name = self.header_line(&h.name, &mut found),
            }
        }
        self.body(record, &mut r, &mut found);
        (r, found)
    }

    fn body(&self, original: &Record, r: &mut Record, found: &mut Found) {
        if r.body.kind == BodyKind::None {
            return;
        }
        if whole_body_secret(original) {
            for line in &mut r.body.lines {
                if !line.trim().is_empty() {
                    found.mask(line);
                    *line = MASK.to_string();
                }
            }
            found.mask(&original.body.text());
            r.body.kind = BodyKind::Text;
            return;
        }
        let boundary = match r.body.kind {
            BodyKind::Text => multipart_boundary(original),
            _ => None,
        };
        // Most text bodies hold nothing to look at: leave them unjoined.
        if r.body.kind != BodyKind::Json
            && boundary.is_none()
            && !r.body.lines.iter().any(|l| self.may_hold_secret(l))
        {
            return;
        }
        let text = r.body.text();
        let edits = match r.body.kind {
            BodyKind::None => return,
            BodyKind::Json => self.json_edits(&text, found, 0),
            BodyKind::Text if looks_like_json(&text) => self.json_edits(&text, found, 0),
            BodyKind::Text | BodyKind::Binary => {
                self.block_edits(&text, boundary.as_deref(), found)
            }
        };
        if !edits.is_empty() {
            r.body.lines = apply_edits(&text, &edits)
                .split('\n')
                .map(str::to_string)
                .collect();
        }
    }

    fn header_value(&self, name: &str, value: &str, found: &mut Found) -> Option<String> {
        let Some(rule) = header_rule(name, &self.user_headers) else {
            let edits = self.text_edits(value, found, 0);
            return (!edits.is_empty()).then(|| apply_edits(value, &edits));
        };
        if value.trim().is_empty() {
            return None;
        }
        Some(match rule {
            HeaderRule::Token => self.token(value, found),
            HeaderRule::Masked => {
                found.mask(value);
                MASK.to_string()
            }
            HeaderRule::Authorization => self.authorization(value, found),
            HeaderRule::Cookie => mask_cookie_values(value, usize::MAX, found),
            HeaderRule::SetCookie => mask_cookie_values(value, 1, found),
        })
    }

    /// `Bearer <token>` keeps the scheme and names the token; any other
    /// scheme keeps only its name (`Basic ***`). The password inside Basic
    /// credentials is hunted too.
    fn authorization(&self, value: &str, found: &mut Found) -> String {
        match value.split_once(' ') {
            Some((scheme, cred)) if scheme.eq_ignore_ascii_case("bearer") => {
                format!("{scheme} {}", self.token(cred.trim(), found))
            }
            Some((scheme, cred)) => {
                found.mask(cred);
                if scheme.eq_ignore_ascii_case("basic") {
                    if let Some((_, pw)) = base64_decode(cred.trim())
                        .and_then(|b| String::from_utf8(b).ok())
                        .as_deref()
                        .and_then(|s| s.split_once(':'))
                    {
                        found.mask(pw);
                    }
                }
                format!("{scheme} {MASK}")
            }
            None => {
                found.mask(value);
                MASK.to_string()
            }
        }
    }

    /// A header line without `": "`: a secret header name followed by `:`
    /// or white space keeps its name; anything else gets the text rules.
    fn header_line(&self, line: &str, found: &mut Found) -> String {
        let split = line
            .find(':')
            .or_else(|| line.find(char::is_whitespace))
            .filter(|&i| i > 0);
        if let Some(i) = split {
            let sep = line[i..].chars().next().map_or(1, char::len_utf8);
            let (name, rest) = (&line[..i], &line[i + sep..]);
            let value = rest.trim_start();
            if !value.is_empty() && header_rule(name, &self.user_headers).is_some() {
                let at = line.len() - value.len();
                let new = self
                    .header_value(name, value, found)
                    .unwrap_or_else(|| value.to_string());
                return format!("{}{new}", &line[..at]);
            }
        }
        let edits = self.text_edits(line, found, 0);
        apply_edits(line, &edits)
    }

    /// Text (a line, a header value, a JSON string's content, a warning).
    fn text_edits(&self, s: &str, found: &mut Found, depth: u8) -> Vec<Edit> {
        if !self.may_hold_secret(s) {
            return Vec::new();
        }
        if looks_like_url(s) {
            return self.url_edits(s, found, depth);
        }
        let mut edits = Vec::new();
        self.pem_edits(s, &mut edits);
        for caps in self.rules.userinfo.captures_iter(s) {
            if let Some(pw) = caps.name("pw").filter(|m| !m.as_str().is_empty()) {
                self.url_mask(pw.as_str(), found);
                edits.push(Edit::mask(pw.range()));
            }
        }
        for caps in self.rules.path_token.captures_iter(s) {
            if let Some(t) = caps.name("tok").filter(|m| looks_like_token(m.as_str())) {
                let name = self.url_token(t.as_str(), found);
                edits.push(Edit::new(t.range(), name));
            }
        }
        if self.rules.finder.is_match(s) {
            for caps in self.rules.pairs.captures_iter(s) {
                if let Some(edit) = self.pair_edit(&caps, found) {
                    edits.push(edit);
                }
            }
        }
        if depth < MAX_DEPTH {
            // What an encoding hides: `path=%3Ftoken%3D...`, `{\"password\": ...}`,
            // `"pass\u0077ord": ...`.
            if let Some(d) = percent_decode(s) {
                let inner = self.text_edits(&d.text, found, depth + 1);
                edits.extend(d.source_edits(inner, 0));
            }
            if let Some(d) = json_unescape(s) {
                let inner = if looks_like_json(&d.text) {
                    self.json_edits(&d.text, found, depth + 1)
                } else {
                    self.text_edits(&d.text, found, depth + 1)
                };
                edits.extend(d.source_edits(inner, 0));
            }
        }
        merge_edits(edits)
    }

    fn pair_edit(&self, caps: &Captures, found: &mut Found) -> Option<Edit> {
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
        let with = match self.key_secret(key)? {
            Secret::Token => self.url_token(v, found),
            Secret::Masked => {
                self.url_mask(v, found);
                MASK.to_string()
            }
        };
        Some(Edit::new(value.range(), with))
    }

    /// PEM private keys: everything between the BEGIN and END lines.
    fn pem_edits(&self, s: &str, edits: &mut Vec<Edit>) {
        if !s.contains("PRIVATE KEY") {
            return;
        }
        let mut at = 0;
        while let Some(begin) = self.rules.pem_begin.find_at(s, at) {
            let end = self.rules.pem_end.find_at(s, begin.end());
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

    /// A URL or path: userinfo password, tokens in the path, the query
    /// (`&` and `;` pairs) and a fragment holding pairs
    /// (`#access_token=...`); percent-encoded values are decoded and
    /// searched (nova's `?path=%3Ftoken%3D...`).
    fn url_edits(&self, u: &str, found: &mut Found, depth: u8) -> Vec<Edit> {
        let mut edits = Vec::new();
        let path_start = match scheme_end(u) {
            Some(a) => {
                let auth_end = u[a..].find(['/', '?', '#']).map_or(u.len(), |x| a + x);
                let authority = &u[a..auth_end];
                if let Some(at) = authority.rfind('@') {
                    if let Some(colon) = authority[..at].find(':') {
                        let pw = a + colon + 1..a + at;
                        if !pw.is_empty() {
                            self.url_mask(&u[pw.clone()], found);
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
        for caps in self
            .rules
            .path_token
            .captures_iter(&u[path_start..path_end])
        {
            if let Some(t) = caps.name("tok").filter(|m| looks_like_token(m.as_str())) {
                let name = self.url_token(t.as_str(), found);
                let r = t.range();
                edits.push(Edit::new(path_start + r.start..path_start + r.end, name));
            }
        }
        let mut rest = path_end;
        if u[rest..].starts_with('?') {
            let end = u[rest..].find('#').map_or(u.len(), |x| rest + x);
            self.query_edits(u, rest + 1..end, found, depth, &mut edits);
            rest = end;
        }
        if u[rest..].starts_with('#') && u[rest..].contains('=') {
            self.query_edits(u, rest + 1..u.len(), found, depth, &mut edits);
        }
        merge_edits(edits)
    }

    /// `k=v` pairs separated by `&` or `;` in `u[range]`.
    fn query_edits(
        &self,
        u: &str,
        range: Range<usize>,
        found: &mut Found,
        depth: u8,
        edits: &mut Vec<Edit>,
    ) {
        let mut start = range.start;
        for part in u[range.clone()].split(['&', ';']) {
            let at = start;
            start += part.len() + 1;
            let Some((key, value)) = part.split_once('=') else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            let span = at + key.len() + 1..at + part.len();
            let key = percent_decode(key).map_or_else(|| key.to_string(), |d| d.text);
            match self.key_secret(&key) {
                Some(Secret::Token) => {
                    let name = self.url_token(value, found);
                    edits.push(Edit::new(span, name));
                }
                Some(Secret::Masked) => {
                    self.url_mask(value, found);
                    edits.push(Edit::mask(span));
                }
                // A URL in a query value (`redirect=http://u:p@h/`,
                // `path=%3Ftoken%3D...`): search it too.
                None if depth < MAX_DEPTH => {
                    let inner = self.text_edits(value, found, depth + 1);
                    edits.extend(inner.into_iter().map(|e| e.shift(span.start)));
                }
                None => {}
            }
        }
    }

    /// A JSON text, edited in place: only the byte spans of secret values
    /// change. Keys and values are read through their escapes; a string
    /// holding JSON is searched as JSON, any other string as text.
    fn json_edits(&self, text: &str, found: &mut Found, depth: u8) -> Vec<Edit> {
        let (scalars, stop) = json_scalars(text);
        // Objects that name a secret and hold it under `value`:
        // `{"name": "db_password", "value": "..."}`, `{"key": ..., "value": ...}`.
        let mut named: HashMap<usize, Secret> = HashMap::new();
        for s in &scalars {
            let (Some(object), Some(key), true) = (s.object, s.key, s.string) else {
                continue;
            };
            if NAME_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k)) {
                if let Some(secret) = self.key_secret(&unescaped(&text[s.span.clone()])) {
                    named.insert(object, secret);
                }
            }
        }
        let mut edits = Vec::new();
        for s in scalars {
            let key = s.key.map(unescaped);
            let secret = match key.as_deref().and_then(|k| self.key_secret(k)) {
                Some(secret) => Some(secret),
                None if key
                    .as_deref()
                    .is_some_and(|k| VALUE_KEYS.iter().any(|v| k.eq_ignore_ascii_case(v))) =>
                {
                    // Named by a sibling, or by the key the object sits under
                    // (heat's `"db_password": {"type": "string", "default": ...}`).
                    s.object.and_then(|o| named.get(&o).copied()).or_else(|| {
                        s.parent
                            .filter(|_| s.object.is_some())
                            .and_then(|p| self.key_secret(&unescaped(p)))
                    })
                }
                // keystone's token-method auth: `"token": {"id": "gAAAA..."}`.
                None if s.object.is_some()
                    && key.as_deref() == Some("id")
                    && s.parent
                        .map(unescaped)
                        .is_some_and(|p| squash(&p).contains("token")) =>
                {
                    Some(Secret::Token)
                }
                None => None,
            };
            let raw = &text[s.span.clone()];
            if !s.string {
                // A number under a secret key: a string keeps the JSON valid.
                if secret.is_some() {
                    found.mask(raw);
                    edits.push(Edit::new(s.span, format!("\"{MASK}\"")));
                }
                continue;
            }
            let decoded = json_unescape(raw);
            let value = decoded.as_ref().map_or(raw, |d| d.text.as_str());
            match secret {
                Some(_) if value.is_empty() || value == MASK => {}
                Some(Secret::Token) => {
                    let name = self.token(value, found);
                    found.token(raw, &name);
                    edits.push(Edit::new(s.span, json_escape(&name)));
                }
                Some(Secret::Masked) => {
                    found.mask(value);
                    found.mask(raw);
                    // A credential blob: the secrets inside it are hunted too.
                    if depth < MAX_DEPTH && looks_like_json(value) {
                        self.json_edits(value, found, depth + 1);
                    }
                    edits.push(Edit::mask(s.span));
                }
                None if depth < MAX_DEPTH => {
                    let inner = if looks_like_json(value) {
                        self.json_edits(value, found, depth + 1)
                    } else {
                        self.text_edits(value, found, depth + 1)
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
            let tail = self.block_edits(&text[stop..], None, found);
            edits.extend(tail.into_iter().map(|e| e.shift(stop)));
        }
        merge_edits(edits)
    }

    /// A multi-line text body, line by line: PEM private keys and multipart
    /// form fields need the lines around them.
    fn block_edits(&self, text: &str, boundary: Option<&str>, found: &mut Found) -> Vec<Edit> {
        let mut edits = Vec::new();
        let mut pem = false;
        let mut part = Part::Outside;
        let mut at = 0;
        for line in text.split('\n') {
            let start = at;
            at += line.len() + 1;
            if pem {
                if self.rules.pem_end.is_match(line) {
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
                            *secret = self.key_secret(&name);
                        }
                        // Part headers get the text rules below.
                    }
                    Part::Value(Some(secret)) => {
                        if !line.trim().is_empty() {
                            let with = match secret {
                                Secret::Token => self.token(line.trim(), found),
                                Secret::Masked => {
                                    found.mask(line);
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
            if self.rules.pem_begin.is_match(line) && !self.rules.pem_end.is_match(line) {
                pem = true;
                continue;
            }
            let line_edits = self.text_edits(line, found, 0);
            edits.extend(line_edits.into_iter().map(|e| e.shift(start)));
        }
        edits
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
fn form_field_name(line: &str) -> Option<String> {
    let (header, params) = line.split_once(':')?;
    if !header.trim().eq_ignore_ascii_case("content-disposition") {
        return None;
    }
    params.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("name")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The multipart boundary of a record's body: from its `Content-Type`, or
/// else the line before its first `Content-Disposition: form-data` line.
fn multipart_boundary(r: &Record) -> Option<String> {
    if let Some(ct) = r.header("Content-Type") {
        if ct
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/")
        {
            let b = ct.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("boundary")
                    .then(|| v.trim().trim_matches('"').to_string())
            });
            if b.is_some() {
                return b;
            }
        }
    }
    let lines = &r.body.lines;
    let first = lines.iter().position(|l| {
        l.get(..20)
            .is_some_and(|h| h.eq_ignore_ascii_case("content-disposition:"))
    })?;
    let prev = lines.get(first.checked_sub(1)?)?;
    prev.strip_prefix("--")
        .filter(|b| !b.is_empty())
        .map(str::to_string)
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
fn whole_body_secret(r: &Record) -> bool {
    let segs: Vec<&str> = r.path().split('/').filter(|s| !s.is_empty()).collect();
    let ct = r.header("Content-Type").map(str::to_ascii_lowercase);
    let json = ct.as_deref().is_some_and(|c| c.contains("json"));
    if segs
        .last()
        .is_some_and(|s| s.eq_ignore_ascii_case("password"))
    {
        return !json && r.body.kind != BodyKind::Json;
    }
    let Some(i) = segs.iter().rposition(|s| s.eq_ignore_ascii_case("secrets")) else {
        return false;
    };
    match &segs[i + 1..] {
        [_, p] => p.eq_ignore_ascii_case("payload"),
        [_] if r.method.eq_ignore_ascii_case("PUT") => r.is_request() && !json,
        [_] if r.method.eq_ignore_ascii_case("GET") && !r.is_request() => {
            // No content type and a JSON body: the secret's metadata.
            let metadata = ct.is_none() && r.body.kind == BodyKind::Json;
            !json && !metadata
        }
        _ => false,
    }
}

/// Whether a value is one of the built-in key words (`password`, `Secret`,
/// `private_key`).
fn is_key_word(v: &str) -> bool {
    let v = squash(v);
    SANITIZE_KEYS
        .iter()
        .chain(EXTRA_KEYS)
        .chain(EXACT_KEYS)
        .any(|k| squash(k) == v)
}

/// Replaces every hunted secret wherever it appears (as captured,
/// JSON-escaped or percent-encoded), then the user's patterns. Built from
/// every secret the first pass found in a capture.
#[derive(Debug)]
pub struct Hunter {
    finder: Option<AhoCorasick>,
    names: Vec<String>,
    patterns: Vec<Regex>,
}

impl Hunter {
    /// A hunter that knows no secret and no pattern.
    pub fn none() -> Hunter {
        Hunter {
            finder: None,
            names: Vec::new(),
            patterns: Vec::new(),
        }
    }

    fn new(found: &Found, named: &HashMap<String, String>, patterns: &[Regex]) -> Hunter {
        let mut all: IndexMap<&str, &str> = IndexMap::new();
        for (v, n) in &found.tokens {
            if v.chars().count() >= MIN_HUNTED_TOKEN {
                all.entry(v.as_str()).or_insert(n.as_str());
            }
        }
        let mut extra: Vec<(&String, &String)> = named.iter().collect();
        extra.sort();
        for (v, n) in extra {
            if v.chars().count() >= MIN_HUNTED_TOKEN {
                all.entry(v.as_str()).or_insert(n.as_str());
            }
        }
        for v in &found.masked {
            // A password that is itself a key word (`password`, `secret`) is
            // masked where it is keyed, but hunting it would wipe that word
            // from every key and method name of the capture.
            if !is_key_word(v) {
                all.entry(v.as_str()).or_insert(MASK);
            }
        }
        let finder = if all.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(all.keys())
                .ok()
        };
        Hunter {
            finder,
            names: all.values().map(|n| n.to_string()).collect(),
            patterns: patterns.to_vec(),
        }
    }

    fn matches(&self, s: &str, edits: &mut Vec<Edit>) {
        let Some(f) = &self.finder else { return };
        for m in f.find_iter(s) {
            edits.push(Edit::new(
                m.range(),
                self.names[m.pattern().as_usize()].clone(),
            ));
        }
    }

    /// `s` with every hunted secret and pattern match replaced, or `None`
    /// when nothing matched.
    pub fn apply(&self, s: &str) -> Option<String> {
        let mut edits = Vec::new();
        if self.finder.is_some() {
            self.matches(s, &mut edits);
            if let Some(d) = json_unescape(s) {
                let mut inner = Vec::new();
                self.matches(&d.text, &mut inner);
                edits.extend(d.source_edits(inner, 0));
            }
            if let Some(d) = percent_decode(s) {
                let mut inner = Vec::new();
                self.matches(&d.text, &mut inner);
                edits.extend(d.source_edits(inner, 0));
            }
        }
        let mut out: Cow<str> = if edits.is_empty() {
            Cow::Borrowed(s)
        } else {
            Cow::Owned(apply_edits(s, &merge_edits(edits)))
        };
        for p in &self.patterns {
            if let Cow::Owned(new) = p.replace_all(&out, MASK) {
                out = Cow::Owned(new);
            }
        }
        match out {
            Cow::Owned(s) => Some(s),
            Cow::Borrowed(_) => None,
        }
    }

    /// The second pass over a record: every string of it.
    fn finish(&self, r: &mut Record) {
        let apply = |s: &mut String| {
            if let Some(new) = self.apply(s) {
                *s = new;
            }
        };
        apply(&mut r.from);
        apply(&mut r.to);
        apply(&mut r.method);
        apply(&mut r.url);
        if let Some(status) = &mut r.status {
            apply(&mut status.text);
        }
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
}

/// How the output of one capture is scrubbed when redaction is on.
#[derive(Debug)]
pub enum Scrubber {
    /// The rules compiled: redact.
    Redact(Box<(Redactor, Hunter)>),
    /// They did not: withhold every captured value.
    Withhold,
}

impl Scrubber {
    /// Any text about the capture (a warning), scrubbed like the records.
    pub fn text(&self, s: &str) -> String {
        match self {
            Scrubber::Redact(r) => r.0.text(s, &r.1),
            Scrubber::Withhold => MASK.to_string(),
        }
    }
}

/// Redacts with the built-in and user rules, or, should `rules` not compile
/// (they are validated when `tracedoc.toml` is read, so only a `Config` built
/// in code can get here), withholds every URL query, header value and body
/// rather than risk publishing a secret the user asked to hide. The
/// [`Scrubber`] redacts other text about the same capture the same way.
pub fn redact_or_withhold(
    rules: &UserRules,
    token_names: &HashMap<String, String>,
    records: &[Record],
) -> (Vec<Record>, Scrubber) {
    match Redactor::new(rules, token_names) {
        Ok(redactor) => {
            let (out, hunter) = redactor.redact(records);
            (out, Scrubber::Redact(Box::new((redactor, hunter))))
        }
        Err(_) => (
            records
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    if let Some(q) = r.url.find(['?', '#']) {
                        r.url.truncate(q);
                    }
                    if let Some(a) = scheme_end(&r.url) {
                        let end = r.url[a..].find('/').map_or(r.url.len(), |x| a + x);
                        if let Some(u) = r.url[a..end].rfind('@') {
                            r.url.replace_range(a..a + u + 1, "");
                        }
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
            Scrubber::Withhold,
        ),
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

fn looks_like_json(s: &str) -> bool {
    s.trim_start().starts_with(['{', '['])
}

/// `a=1; b=2` -> `a=***; b=***` for the first `limit` pairs; the rest
/// (Set-Cookie attributes such as `Path=/`) stay.
fn mask_cookie_values(value: &str, limit: usize, found: &mut Found) -> String {
    value
        .split(';')
        .enumerate()
        .map(|(i, part)| {
            if i >= limit {
                return part.to_string();
            }
            match part.split_once('=') {
                Some((name, v)) if !v.trim().is_empty() => {
                    found.mask(v);
                    format!("{name}={MASK}")
                }
                Some(_) => part.to_string(),
                None if part.trim().is_empty() => part.to_string(),
                None => {
                    found.mask(part);
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

/// A JSON key read through its escapes.
fn unescaped(raw: &str) -> Cow<'_, str> {
    match json_unescape(raw) {
        Some(d) => Cow::Owned(d.text),
        None => Cow::Borrowed(raw),
    }
}

/// Standard or URL-safe base64, padding optional.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.trim_end_matches('=').bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A replacement of one byte span of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edit {
    span: Range<usize>,
    with: String,
}

impl Edit {
    fn new(span: Range<usize>, with: String) -> Edit {
        Edit { span, with }
    }

    fn mask(span: Range<usize>) -> Edit {
        Edit::new(span, MASK.to_string())
    }

    fn shift(self, by: usize) -> Edit {
        Edit::new(self.span.start + by..self.span.end + by, self.with)
    }
}

/// Edits in order, without overlaps: an edit that overlaps an earlier one
/// widens it (both spans go; the earlier replacement stays).
fn merge_edits(mut edits: Vec<Edit>) -> Vec<Edit> {
    if edits.len() < 2 {
        edits.retain(|e| !e.span.is_empty());
        return edits;
    }
    edits.sort_by(|a, b| {
        a.span
            .start
            .cmp(&b.span.start)
            .then(b.span.end.cmp(&a.span.end))
    });
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        if e.span.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if e.span.start < last.span.end => {
                last.span.end = last.span.end.max(e.span.end);
            }
            _ => out.push(e),
        }
    }
    out
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

/// A decoded string, and where each of its bytes came from in the source.
#[derive(Debug)]
struct Decoded {
    text: String,
    /// For each byte of `text`, the source offset where its character's
    /// encoding starts; one more entry for the end (the source length).
    map: Vec<usize>,
    /// How a replacement is written in the source.
    encode: fn(&str) -> String,
}

impl Decoded {
    /// Edits of the decoded text as edits of the source (which starts at
    /// `offset` in its own text), their replacements encoded the way the
    /// source is.
    fn source_edits(&self, edits: Vec<Edit>, offset: usize) -> impl Iterator<Item = Edit> + '_ {
        edits.into_iter().filter_map(move |e| {
            let start = *self.map.get(e.span.start)?;
            let end = *self.map.get(e.span.end)?;
            Some(Edit::new(
                offset + start..offset + end,
                (self.encode)(&e.with),
            ))
        })
    }
}

/// Percent-encodes what would change a URL's structure.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '"' | '&' | '=' | '#' | '?' | ' ' | '+' | ';' | '\\' => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// `s` with its JSON string escapes (`\"`, `\\`, `\/`, `\n`, `\uXXXX`,
/// surrogate pairs) decoded, or `None` when it has none. An escape that is
/// not one is kept as written.
fn json_unescape(s: &str) -> Option<Decoded> {
    memchr::memchr(b'\\', s.as_bytes())?;
    let b = s.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let h = s.get(at..at + 4)?;
        if h.bytes().all(|c| c.is_ascii_hexdigit()) {
            u32::from_str_radix(h, 16).ok()
        } else {
            None
        }
    };
    let mut text = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len() + 1);
    let mut i = 0;
    let mut changed = false;
    while i < b.len() {
        let start = i;
        let c = if b[i] == b'\\' && i + 1 < b.len() {
            let simple = match b[i + 1] {
                b'"' => Some('"'),
                b'\\' => Some('\\'),
                b'/' => Some('/'),
                b'b' => Some('\u{8}'),
                b'f' => Some('\u{c}'),
                b'n' => Some('\n'),
                b'r' => Some('\r'),
                b't' => Some('\t'),
                _ => None,
            };
            match (simple, b[i + 1]) {
                (Some(c), _) => {
                    i += 2;
                    c
                }
                (None, b'u') => match hex4(i + 2) {
                    Some(hi @ 0xD800..=0xDBFF) => {
                        let lo = (s.get(i + 6..i + 8) == Some("\\u"))
                            .then(|| hex4(i + 8))
                            .flatten()
                            .filter(|lo| (0xDC00..=0xDFFF).contains(lo));
                        match lo {
                            Some(lo) => {
                                i += 12;
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                    .unwrap_or('\u{FFFD}')
                            }
                            None => {
                                i += 6;
                                '\u{FFFD}'
                            }
                        }
                    }
                    Some(v) => {
                        i += 6;
                        char::from_u32(v).unwrap_or('\u{FFFD}')
                    }
                    None => {
                        i += 1;
                        '\\'
                    }
                },
                (None, _) => {
                    i += 1;
                    '\\'
                }
            }
        } else {
            let c = s[i..].chars().next()?;
            i += c.len_utf8();
            c
        };
        if i - start != c.len_utf8() {
            changed = true;
        }
        text.push(c);
        map.extend(std::iter::repeat_n(start, c.len_utf8()));
    }
    map.push(b.len());
    changed.then_some(Decoded {
        text,
        map,
        encode: json_escape,
    })
}

/// `s` with its `%XX` escapes decoded, or `None` when it has none or they
/// do not decode to UTF-8. `+` stays (it is only a space in forms).
fn percent_decode(s: &str) -> Option<Decoded> {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    // Most text has no escape at all: find out before allocating anything.
    let escaped = memchr::memchr_iter(b'%', b).any(|i| {
        b.get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if !escaped {
        return None;
    }
    let mut bytes = Vec::with_capacity(b.len());
    let mut starts = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut changed = false;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                bytes.push((h * 16 + l) as u8);
                starts.push(i);
                i += 3;
                changed = true;
                continue;
            }
        }
        bytes.push(b[i]);
        starts.push(i);
        i += 1;
    }
    if !changed {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    let mut map = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        map.extend(std::iter::repeat_n(starts[at], c.len_utf8()));
    }
    map.push(b.len());
    Some(Decoded {
        text,
        map,
        encode: percent_encode,
    })
}

/// One scalar value found by [`json_scalars`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct JsonScalar<'a> {
    /// The nearest key: the value's own key, or for an array element the
    /// key the array sits under. Raw (as written, escapes kept).
    key: Option<&'a str>,
    /// The key the enclosing object sits under (`token` for `token.id`).
    parent: Option<&'a str>,
    /// The object the value sits directly in (numbered in order of
    /// appearance), or `None` in an array.
    object: Option<usize>,
    /// A string's content between its quotes, or a number literal.
    span: Range<usize>,
    string: bool,
}

enum Frame<'a> {
    Object {
        id: usize,
        container: Option<&'a str>,
        key: Option<&'a str>,
        want_key: bool,
    },
    Array {
        container: Option<&'a str>,
    },
}

/// The nearest key, parent key and enclosing object at the top of the stack.
fn position<'a>(stack: &[Frame<'a>]) -> (Option<&'a str>, Option<&'a str>, Option<usize>) {
    match stack.last() {
        None => (None, None, None),
        Some(Frame::Object {
            id, container, key, ..
        }) => (*key, *container, Some(*id)),
        Some(Frame::Array { container }) => (*container, None, None),
    }
}

/// Finds every string and number value in a JSON text with the key it sits
/// under, without building a tree: spans point into `text`. Tolerant: it
/// reads a cut-off document up to where it ends, and stops at the first byte
/// that cannot be JSON; it returns where it stopped (`text.len()` when it
/// read everything). A string ends at its closing quote, a line end or the
/// end of the text.
fn json_scalars(text: &str) -> (Vec<JsonScalar<'_>>, usize) {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut objects = 0;
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
                    id: objects,
                    container,
                    key: None,
                    want_key: true,
                });
                objects += 1;
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
                    end += if b[end] == b'\\' && b.get(end + 1) != Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                }
                let end = end.min(b.len());
                let s = &text[start..end];
                match stack.last_mut() {
                    Some(Frame::Object { key, want_key, .. }) if *want_key => {
                        *key = Some(s);
                        *want_key = false;
                    }
                    _ => {
                        let (key, parent, object) = position(&stack);
                        out.push(JsonScalar {
                            key,
                            parent,
                            object,
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
                    let (key, parent, object) = position(&stack);
                    out.push(JsonScalar {
                        key,
                        parent,
                        object,
                        span: start..i,
                        string: false,
                    });
                } else if !matches!(lit, "true" | "false" | "null") {
                    return (out, start);
                }
            }
        }
    }
    (out, b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in rules, compiled once for every test.
    fn redactor() -> &'static Redactor {
        static R: std::sync::OnceLock<Redactor> = std::sync::OnceLock::new();
        R.get_or_init(|| Redactor::new(&UserRules::default(), &HashMap::new()).unwrap())
    }

    fn record(url: &str, headers: &[(&str, &str)], body: &str) -> Record {
        Record::test_request("openstack", "keystone", "POST", url, headers, body)
    }

    fn response(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Record {
        let mut r = Record::test_request("openstack", "svc", method, url, headers, body);
        r.direction = crate::model::Direction::Response;
        r.status = Some(crate::model::Status {
            code: Some(200),
            text: "200 OK".into(),
        });
        r
    }

    /// First pass only, over a JSON text.
    fn json(body: &str) -> String {
        let r = redactor();
        apply_edits(body, &r.json_edits(body, &mut Found::default(), 0))
    }

    /// First pass only, over one line of text.
    fn text(s: &str) -> String {
        let r = redactor();
        apply_edits(s, &r.text_edits(s, &mut Found::default(), 0))
    }

    /// Both passes over records; everything they show, as one string.
    fn shown(recs: &[Record]) -> String {
        format!("{:?}", redactor().records(recs))
    }

    #[track_caller]
    fn assert_gone(all: &str, secrets: &[&str]) {
        for s in secrets {
            assert!(!all.contains(s), "{s:?} survived in {all}");
        }
    }

    #[track_caller]
    fn assert_kept(all: &str, kept: &[&str]) {
        for s in kept {
            assert!(all.contains(s), "{s:?} was redacted away from {all}");
        }
    }

    #[test]
    fn scanner_reports_keys_parents_and_spans() {
        let text = r#"{"a": {"b": ["x", 1]}, "c": -2.5e3, "d": true, "e": "q\"r"}"#;
        let (scalars, stop) = json_scalars(text);
        assert_eq!(stop, text.len());
        let found: Vec<(Option<&str>, Option<&str>, &str, bool)> = scalars
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
        let (s, stop) = json_scalars(cut);
        assert_eq!(s.len(), 1);
        assert_eq!(stop, cut.len());
        assert_eq!(&cut[s[0].span.clone()], "hunt");
        let (s, stop) = json_scalars("{'password': 'x'}");
        assert!(s.is_empty());
        assert_eq!(stop, 1);
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
        assert_eq!(json(body), body.replace("\"asdf\"", "\"***\""));
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
        assert_gone(&out, &["p1", "-----BEGIN", "\"k\"", "a1", "b2"]);
        assert_kept(&out, &["\"name\": \"vm\""]);
    }

    #[test]
    fn keys_match_in_any_spelling() {
        let out = json(
            r#"{"privateKey": "k1", "Private-Key": "k2", "PRIVATE.KEY": "k3", "x-auth-token": "t1", "AdminPass": "k4"}"#,
        );
        assert_gone(&out, &["k1", "k2", "k3", "\"t1\"", "k4"]);
    }

    #[test]
    fn exact_keys_match_only_whole_keys() {
        let out = json(
            r#"{"secret": {"Payload": "bp1", "payload_content_type": "text/plain", "psk": "vpn1", "bypass": "on", "pass": "p1"}}"#,
        );
        assert_eq!(
            out,
            r#"{"secret": {"Payload": "***", "payload_content_type": "text/plain", "psk": "***", "bypass": "on", "pass": "***"}}"#
        );
    }

    #[test]
    fn keys_that_describe_a_secret_are_not_secret() {
        let body = r#"{"token_type": "Bearer", "secret_ref": "http://h/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01", "secret_type": "opaque", "password_expires_at": "2030-01-01T00:00:00Z", "SignatureMethod": "HmacSHA256", "SignatureVersion": "2", "password_regex": "^.{8,}$", "Signature": "sig-value-1"}"#;
        let out = json(body);
        assert_kept(
            &out,
            &[
                "\"Bearer\"",
                "secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
                "\"opaque\"",
                "\"2030-01-01T00:00:00Z\"",
                "\"HmacSHA256\"",
                "\"2\"",
                "\"^.{8,}$\"",
            ],
        );
        assert_gone(&out, &["sig-value-1"]);
    }

    /// Runs the first pass over `body`; the secrets must go, the neighbours stay.
    #[track_caller]
    fn check_json(body: &str, secrets: &[&str], kept: &[&str]) {
        let out = json(body);
        assert_gone(&out, secrets);
        assert_kept(&out, kept);
    }

    #[test]
    fn neutron_vpnaas_psk() {
        check_json(
            r#"{"ipsec_site_connection": {"name": "vpn-neighbour", "psk": "vpn-psk-1", "auth_mode": "psk", "peer_id": "203.0.113.5"}}"#,
            &["vpn-psk-1"],
            &["vpn-neighbour", "\"auth_mode\": \"psk\"", "203.0.113.5"],
        );
    }

    #[test]
    fn keystone_totp_passcode_and_application_credential_secret() {
        check_json(
            r#"{"auth": {"identity": {"methods": ["totp", "application_credential"], "totp": {"user": {"id": "u1", "passcode": "123456"}}, "application_credential": {"id": "ac1", "secret": "app-cred-secret-1"}}}}"#,
            &["123456", "app-cred-secret-1"],
            &["\"u1\"", "\"ac1\"", "\"totp\""],
        );
    }

    #[test]
    fn keystone_credential_blobs_and_ec2_signatures() {
        check_json(
            r#"{"credential": {"blob": "{\"access\": \"ec2-access-1\", \"secret\": \"ec2-secret-1\"}", "type": "ec2"}, "credentials": {"access": "ec2-access-1", "signature": "ec2-sig-1", "params": {"SignatureMethod": "HmacSHA256", "AWSAccessKeyId": "ec2-access-1"}}}"#,
            &["ec2-secret-1", "ec2-sig-1"],
            &[
                "\"ec2\"",
                "\"access\": \"ec2-access-1\"",
                "\"AWSAccessKeyId\": \"ec2-access-1\"",
                "HmacSHA256",
            ],
        );
    }

    #[test]
    fn cinder_and_manila_transfer_keys() {
        check_json(
            r#"{"transfer": {"id": "t1", "name": "transfer-neighbour", "auth_key": "transfer-key-1"}, "accept": {"auth_key": "transfer-key-2"}}"#,
            &["transfer-key-1", "transfer-key-2"],
            &["transfer-neighbour", "\"t1\""],
        );
    }

    #[test]
    fn manila_cephx_access_keys_and_security_services() {
        check_json(
            r#"{"access_list": [{"access_to": "alice", "access_type": "cephx", "access_key": "AQBcephx-key-1=="}], "security_service": {"user": "ad-user", "password": "ad-pw-1"}}"#,
            &["AQBcephx-key-1", "ad-pw-1"],
            &["alice", "cephx", "ad-user"],
        );
    }

    #[test]
    fn octavia_heartbeat_keys_and_rbd_keyrings() {
        check_json(
            r#"{"amphora": {"heartbeat_key": "hb-key-1"}, "connection_info": {"data": {"keyring": "[client.x] key = rbd-key-1", "secret_type": "ceph", "secret_uuid": "libvirt-uuid-1", "auth_username": "cinder"}}}"#,
            &["hb-key-1", "rbd-key-1", "libvirt-uuid-1"],
            &["\"ceph\"", "\"cinder\""],
        );
    }

    #[test]
    fn trove_and_ironic_passwords() {
        check_json(
            r#"{"users": [{"name": "trove-user", "password": "trove-pw-1"}], "driver_info": {"ipmi_username": "admin", "ipmi_password": "ipmi-pw-1", "snmp_auth_key": "snmp-key-1"}}"#,
            &["trove-pw-1", "ipmi-pw-1", "snmp-key-1"],
            &["trove-user", "\"admin\""],
        );
    }

    #[test]
    fn name_value_objects() {
        check_json(
            r#"{"parameters": [{"name": "db_password", "value": "nv-pw-1"}, {"Key": "X-Auth-Token", "Value": "nv-token-0123456789"}, {"name": "flavor", "value": "m1.small"}], "template": {"parameters": {"admin_pass": {"type": "string", "hidden": true, "default": "nv-default-1"}, "image": {"type": "string", "default": "cirros"}}}}"#,
            &["nv-pw-1", "nv-token-0123456789", "nv-default-1"],
            &[
                "\"db_password\"",
                "\"m1.small\"",
                "\"cirros\"",
                "\"string\"",
            ],
        );
    }

    #[test]
    fn python_string_prefixes() {
        assert_eq!(
            text("{u'password': u'py2-pw', 'token': b'py-token'}"),
            format!(
                "{{u'password': u'***', 'token': b'{}'}}",
                hash_name("py-token")
            )
        );
    }

    #[test]
    fn nova_metadata_password_bodies() {
        let post = Record::test_request(
            "cloud-init",
            "nova-metadata",
            "POST",
            "http://169.254.169.254/openstack/2013-04-04/password",
            &[],
            "encrypted-admin-password-1",
        );
        let keystone = record(
            "http://h/identity/v3/users/u1/password",
            &[("Content-Type", "application/json")],
            r#"{"user": {"password": "new-pw-1", "original_password": "old-pw-1", "name": "pw-neighbour"}}"#,
        );
        let all = shown(&[post, keystone]);
        assert_gone(
            &all,
            &["encrypted-admin-password-1", "new-pw-1", "old-pw-1"],
        );
        assert_kept(&all, &["pw-neighbour"]);
    }

    #[test]
    fn a_credential_blob_is_masked_and_its_secret_hunted() {
        let recs = vec![
            record(
                "http://h/identity/v3/credentials",
                &[],
                r#"{"credential": {"blob": "{\"access\": \"ec2-access-0001\", \"secret\": \"ec2-secret-value-0001\"}", "type": "ec2"}}"#,
            ),
            record(
                "http://h/x",
                &[("X-Note", "signed with ec2-secret-value-0001")],
                "none",
            ),
        ];
        let all = shown(&recs);
        assert_gone(&all, &["ec2-secret-value-0001"]);
    }

    #[test]
    fn json_keys_and_values_with_unicode_escapes() {
        let out = json(
            r#"{"pass\u0077ord": "pw-escaped-1", "\u0074oken": {"id": "tok\u0065n-escaped-0123456789"}, "name": "n\u0061me"}"#,
        );
        assert_gone(&out, &["pw-escaped-1", "tok\\u0065n-escaped"]);
        assert_kept(&out, &["\"n\\u0061me\""]);
        assert!(
            out.contains(&hash_name("token-escaped-0123456789")),
            "a token is named by its decoded value: {out}"
        );
    }

    #[test]
    fn an_escaped_token_is_hunted_and_hunts_its_escaped_form() {
        let tok = "gAAAAABescaped-token-0123456789";
        let escaped = tok.replace('e', "\\u0065");
        let recs = vec![
            record(
                "http://h/x",
                &[],
                &format!(r#"{{"auth": {{"token": {{"id": "{escaped}"}}}}}}"#),
            ),
            record("http://h/y", &[("X-Note", &format!("saw {tok}"))], "none"),
            record(
                "http://h/z",
                &[],
                &format!(r#"{{"note": "again {escaped} here"}}"#),
            ),
        ];
        let all = shown(&recs);
        assert_gone(&all, &[tok, &escaped]);
        assert_kept(&all, &[&hash_name(tok)]);
    }

    #[test]
    fn json_in_json_at_any_depth() {
        let body = r#"{"a": "{\"b\": \"{\\\"password\\\": \\\"deep-pw-1\\\", \\\"name\\\": \\\"deep-name\\\"}\"}", "c": "[{\"token\": \"deep-token-0123456789\"}]"}"#;
        let out = json(body);
        assert_gone(&out, &["deep-pw-1", "deep-token-0123456789"]);
        assert_kept(&out, &["deep-name"]);
        // Still the same JSON, with the same shape.
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let b: serde_json::Value = serde_json::from_str(v["a"].as_str().unwrap()).unwrap();
        let deep: serde_json::Value = serde_json::from_str(b["b"].as_str().unwrap()).unwrap();
        assert_eq!(deep["password"], "***");
        assert_eq!(deep["name"], "deep-name");
    }

    #[test]
    fn strings_inside_json_get_the_text_rules() {
        let body = r#"{"user_data": "run --password=pw9 now", "blob": "{\"access\": \"a\", \"secret\": \"s9\"}"}"#;
        let out = json(body);
        assert_gone(&out, &["pw9", "s9"]);
        assert_kept(&out, &["run --password=*** now"]);
    }

    #[test]
    fn tokens_are_named_by_hash_and_the_same_everywhere() {
        let r = redactor();
        let mut found = Found::default();
        let tok = "gAAAAABtokentokentokentoken01";
        let body = format!(
            r#"{{"auth": {{"identity": {{"methods": ["token"], "token": {{"id": "{tok}"}}}}}}}}"#
        );
        let out = apply_edits(&body, &r.json_edits(&body, &mut found, 0));
        let name = hash_name(tok);
        assert!(
            name.starts_with("{SHA256}") && name.len() == 8 + 12,
            "{name}"
        );
        assert!(out.contains(&format!("\"id\": \"{name}\"")), "{out}");
        assert!(out.contains("\"methods\": [\"token\"]"));
        assert_eq!(found.tokens.get(tok), Some(&name));
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
    fn header_names_with_underscores() {
        let tok = "underscore-token-0123456789";
        let rec = record(
            "http://h/",
            &[
                ("X_Auth_Token", tok),
                ("x_subject_token", "subject-token-0123456789"),
                ("X_Storage_Pass", "storage-pass-1"),
                ("HTTP_X_AUTH_TOKEN", "wsgi-token-0123456789"),
                ("X_Account_Meta_Temp_URL_Key", "temp-key-1"),
                ("Openstack-Auth-Receipt", "receipt-0123456789abcdef"),
                ("X_Auth_User", "user-neighbour"),
            ],
            "none",
        );
        let all = shown(&[rec]);
        assert_gone(
            &all,
            &[
                tok,
                "subject-token-0123456789",
                "storage-pass-1",
                "wsgi-token-0123456789",
                "temp-key-1",
                "receipt-0123456789abcdef",
            ],
        );
        assert_kept(&all, &["user-neighbour", &hash_name(tok)]);
    }

    #[test]
    fn header_lines_without_a_separator() {
        let r = redactor();
        let mut rec = record("http://h/", &[], "none");
        for line in [
            "X-Auth-Token:bad-line-token-0123456789",
            "X-Auth-Token bad-line-token-0123456789",
            "X_Storage_Pass\tbad-line-pass-1",
            "garbage password=bad-line-pw-2",
            "X-Auth-Token\u{3000}wide-space-token-0123456789",
        ] {
            rec.headers.push(crate::model::Header {
                name: line.to_string(),
                value: None,
            });
        }
        let out = r.records(&[rec]).remove(0);
        let lines: Vec<String> = out.headers.iter().map(|h| h.line()).collect();
        let name = hash_name("bad-line-token-0123456789");
        assert_eq!(
            lines,
            vec![
                format!("X-Auth-Token:{name}"),
                format!("X-Auth-Token {name}"),
                "X_Storage_Pass\t***".to_string(),
                "garbage password=***".to_string(),
                format!(
                    "X-Auth-Token\u{3000}{}",
                    hash_name("wide-space-token-0123456789")
                ),
            ]
        );
    }

    #[test]
    fn basic_credentials_hide_their_password_everywhere() {
        // base64 of `demo:basic-pass-0001`
        let recs = vec![
            record(
                "http://h/",
                &[("Authorization", "Basic ZGVtbzpiYXNpYy1wYXNzLTAwMDE=")],
                "none",
            ),
            record("http://h/", &[], "login demo with basic-pass-0001 failed"),
        ];
        let all = shown(&recs);
        assert_gone(&all, &["basic-pass-0001", "ZGVtbzpiYXNpYy1wYXNzLTAwMDE="]);
    }

    #[test]
    fn query_strings_and_location_headers() {
        assert_eq!(
            text("http://h:8080/v1/AUTH_a/c/o?temp_url_sig=abcdef&temp_url_expires=1700000000&token=tok0123456789abcdef#frag"),
            format!(
                "http://h:8080/v1/AUTH_a/c/o?temp_url_sig=***&temp_url_expires=1700000000&token={}#frag",
                hash_name("tok0123456789abcdef")
            )
        );
        assert_eq!(text("http://h/x?limit=1"), "http://h/x?limit=1");
        let rec = record(
            "http://h/",
            &[("Location", "http://h/cb?password=pw1&x=1")],
            "none",
        );
        assert_eq!(
            redactor().records(&[rec])[0].header("Location"),
            Some("http://h/cb?password=***&x=1")
        );
    }

    #[test]
    fn semicolon_separated_query_pairs() {
        assert_eq!(
            text("http://h/x?a=1;password=semi-pw-1;b=2&temp_url_sig=sig1"),
            "http://h/x?a=1;password=***;b=2&temp_url_sig=***"
        );
        assert_eq!(text("/x?a=1;api_key=k1"), "/x?a=1;api_key=***");
    }

    #[test]
    fn fragments_holding_pairs() {
        assert_eq!(
            text(
                "https://h/cb#access_token=frag-token-0123456789&token_type=bearer&expires_in=3600"
            ),
            format!(
                "https://h/cb#access_token={}&token_type=bearer&expires_in=3600",
                hash_name("frag-token-0123456789")
            )
        );
        assert_eq!(text("https://h/doc#section-2"), "https://h/doc#section-2");
    }

    #[test]
    fn nova_console_urls() {
        let uuid = "3e1b8d42-61c9-4f7e-9a0d-5c2f7b1e9d04";
        for url in [
            format!("http://h:6080/vnc_lite.html?path=%3Ftoken%3D{uuid}"),
            format!("http://h:6080/vnc_auto.html?path=%3Ftoken%3D{uuid}&title=vm"),
            format!("http://h:6080/vnc_lite.html?path=%253Ftoken%253D{uuid}"),
            format!("http://h:6082/spice_auto.html?token={uuid}"),
            format!("ws://h:6083/?token={uuid}"),
            format!("http://h:6080/vnc_lite.html?path=%3ftoken%3d{uuid}"),
        ] {
            let out = text(&url);
            assert!(!out.contains(uuid), "{url} -> {out}");
            assert!(out.contains(&hash_name(uuid)), "{url} -> {out}");
            assert!(
                out.starts_with("http://h:6") || out.starts_with("ws://h"),
                "{out}"
            );
        }
        // The console URL in a JSON response, and its token in a later path.
        let recs = vec![
            response(
                "POST",
                "http://h/compute/v2.1/servers/s1/remote-consoles",
                &[],
                &format!(
                    "{{\"remote_console\": {{\"protocol\": \"vnc\", \"type\": \"novnc\", \"url\": \"http://h:6080/vnc_lite.html?path=%3Ftoken%3D{uuid}\"}}}}"
                ),
            ),
            record(
                &format!("http://h/compute/v2.1/os-console-auth-tokens/{uuid}"),
                &[],
                "none",
            ),
        ];
        let all = shown(&recs);
        assert_gone(&all, &[uuid]);
        assert_kept(&all, &["novnc", "vnc_lite.html?path=%3Ftoken%3D"]);
    }

    #[test]
    fn tokens_in_url_paths() {
        let tok = "path-token-0123456789abcdef";
        for (url, kept) in [
            (
                format!("http://h/identity/v2.0/tokens/{tok}"),
                "/v2.0/tokens/",
            ),
            (
                format!("http://h/identity/v2.0/tokens/{tok}/endpoints"),
                "/endpoints",
            ),
            (
                format!("http://h/identity/v3/auth/tokens/{tok}"),
                "/auth/tokens/",
            ),
            (
                format!("/compute/v2.1/os-console-auth-tokens/{tok}"),
                "auth-tokens/",
            ),
        ] {
            let out = text(&url);
            assert!(!out.contains(tok), "{url} -> {out}");
            assert!(out.contains(kept), "{url} -> {out}");
        }
        assert_eq!(
            text("http://h/identity/v3/auth/tokens/OS-PKI/revoked"),
            "http://h/identity/v3/auth/tokens/OS-PKI/revoked"
        );
        // In free text too (a warning quoting a path).
        let out = text(&format!(
            "request GET /v2.0/tokens/{tok} never got a response"
        ));
        assert_gone(&out, &[tok]);
    }

    #[test]
    fn userinfo_passwords() {
        assert_eq!(
            text("http://glance:userinfo-pw-1@images.example.com/cirros.img"),
            "http://glance:***@images.example.com/cirros.img"
        );
        assert_eq!(
            text("swift+https://acct:p@ss-with-at-1@h:8080/v1/x"),
            "swift+https://acct:***@h:8080/v1/x"
        );
        assert_eq!(
            text("see ftp://bob:ftp-pw-2@files.example.com/a and more"),
            "see ftp://bob:***@files.example.com/a and more"
        );
        assert_eq!(text("http://user@h/x"), "http://user@h/x");
        let recs = vec![
            response(
                "GET",
                "http://h/auth/v1.0",
                &[
                    (
                        "X-Storage-Url",
                        "http://acct:storage-url-pw-1@h:8080/v1/AUTH_a",
                    ),
                    ("Location", "https://u:location-pw-1@h/x"),
                    ("Link", "<http://u:link-pw-00001@h/next>; rel=next"),
                ],
                r#"{"method": {"name": "web-download", "uri": "https://webuser:web-download-pw-1@images.example.com/cirros.img"}}"#,
            ),
            record("http://headuser:head-url-pw-1@h/v2/images", &[], "none"),
        ];
        let all = shown(&recs);
        assert_gone(
            &all,
            &[
                "storage-url-pw-1",
                "location-pw-1",
                "link-pw-00001",
                "web-download-pw-1",
                "head-url-pw-1",
            ],
        );
        assert_kept(
            &all,
            &[
                "webuser:***@images.example.com",
                "headuser:***@h",
                "acct:***@h:8080",
            ],
        );
    }

    #[test]
    fn text_pairs() {
        let t = text;
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
        assert_eq!(t("{:password => \"rb-pw\"}"), "{:password => \"***\"}");
        assert_eq!(
            t("<auth><password>xml-pw</password><user>u</user></auth>"),
            "<auth><password>***</password><user>u</user></auth>"
        );
        assert_eq!(t("note=password=x"), "note=password=***");
    }

    #[test]
    fn escaped_json_in_text() {
        assert_eq!(
            text(r#"data: {\"password\": \"esc-pw\", \"name\": \"n\"}"#),
            r#"data: {\"password\": \"***\", \"name\": \"n\"}"#
        );
        assert_eq!(
            text(r#"{"pass\u0077ord": "uesc-pw"} in a log line"#),
            r#"{"pass\u0077ord": "***"} in a log line"#
        );
    }

    #[test]
    fn pem_private_keys() {
        let body = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpemline1\nMIIEpemline2\n-----END RSA PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nMIIcertline\n-----END CERTIFICATE-----";
        let out = redactor()
            .records(&[record("http://h/", &[], body)])
            .remove(0);
        assert_eq!(
            out.body.lines,
            vec![
                "-----BEGIN RSA PRIVATE KEY-----",
                "***",
                "***",
                "-----END RSA PRIVATE KEY-----",
                "-----BEGIN CERTIFICATE-----",
                "MIIcertline",
                "-----END CERTIFICATE-----",
            ]
        );
        // In a JSON string under a harmless key.
        let out = json(
            r#"{"bundle": "-----BEGIN PRIVATE KEY-----\nMIIEjsonpem\n-----END PRIVATE KEY-----\n"}"#,
        );
        assert_eq!(
            out,
            r#"{"bundle": "-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----\n"}"#
        );
    }

    #[test]
    fn swift_formpost_multipart_fields() {
        let body = "--FormBoundary7\n\
Content-Disposition: form-data; name=\"redirect\"\n\
\n\
\n\
--FormBoundary7\n\
Content-Disposition: form-data; name=\"max_file_size\"\n\
\n\
104857600\n\
--FormBoundary7\n\
Content-Disposition: form-data; name=\"expires\"\n\
\n\
1700000000\n\
--FormBoundary7\n\
Content-Disposition: form-data; name=\"signature\"\n\
\n\
formpost-signature-0123456789abcdef\n\
--FormBoundary7\n\
Content-Disposition: form-data; name=\"file1\"; filename=\"notes.txt\"\n\
Content-Type: text/plain\n\
\n\
file body stays\n\
--FormBoundary7--";
        for ct in [
            Some("multipart/form-data; boundary=FormBoundary7"),
            Some("multipart/form-data; boundary=\"FormBoundary7\""),
            None,
        ] {
            let headers: Vec<(&str, &str)> = ct.iter().map(|c| ("Content-Type", *c)).collect();
            let out = redactor()
                .records(&[record("http://h:8080/v1/AUTH_a/c/prefix", &headers, body)])
                .remove(0);
            let lines = out.body.lines.join("\n");
            assert_eq!(
                lines,
                body.replace("formpost-signature-0123456789abcdef", "***")
            );
        }
    }

    #[test]
    fn barbican_payloads() {
        let get = response(
            "GET",
            "http://h/key-manager/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01/payload",
            &[("Content-Type", "text/plain")],
            "barbican-payload-line-1\nbarbican-payload-line-2",
        );
        let put = Record::test_request(
            "openstack",
            "barbican",
            "PUT",
            "http://h/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
            &[("Content-Type", "application/octet-stream")],
            "barbican-put-payload-1",
        );
        let legacy = response(
            "GET",
            "http://h/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
            &[("Content-Type", "text/plain")],
            "{\"looks\": \"like json\", \"but\": \"barbican-text-json-1\"}",
        );
        let meta = response(
            "GET",
            "http://h/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
            &[("Content-Type", "application/json")],
            "{\"name\": \"secret-neighbour\", \"secret_type\": \"opaque\", \"payload_content_type\": \"text/plain\"}",
        );
        let echo = record(
            "http://h/x",
            &[("X-Note", "barbican-put-payload-1")],
            "none",
        );
        let all = shown(&[get, put, legacy, meta, echo]);
        assert_gone(
            &all,
            &[
                "barbican-payload-line-1",
                "barbican-payload-line-2",
                "barbican-put-payload-1",
                "barbican-text-json-1",
            ],
        );
        assert_kept(
            &all,
            &[
                "secret-neighbour",
                "opaque",
                "5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
            ],
        );
    }

    #[test]
    fn masked_values_are_hunted_above_the_minimum_length() {
        let recs = vec![
            record(
                "http://h/",
                &[],
                r#"{"user": {"name": "admin", "password": "hunted-pw-1"}, "x": {"password": "short"}}"#,
            ),
            record(
                "http://h/cb?note=hunted-pw-1",
                &[("X-Echo", "hunted-pw-1 and short")],
                "login with hunted-pw-1\n{\"echo\": \"hunted-pw-1\"}\nescaped hunted\\u002dpw-1 and hunted%2Dpw-1",
            ),
        ];
        let all = shown(&recs);
        assert_gone(&all, &["hunted-pw-1", "hunted\\u002dpw-1", "hunted%2Dpw-1"]);
        // A short password is caught only where its key says so.
        assert_kept(&all, &["and short", "admin"]);
    }

    #[test]
    fn a_password_that_is_a_key_word_is_not_hunted() {
        let recs = vec![record(
            "http://h/identity/v3/auth/tokens",
            &[],
            r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "password"}}}}}"#,
        )];
        let out = redactor().records(&recs);
        assert_eq!(
            out[0].body.lines[0],
            r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "***"}}}}}"#
        );
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
            &[("x_tenant_pin", "9999"), ("X-Note", "for acct-5678")],
            "{\n  \"pin_code\": 4321,\n  \"name\": \"acct-0000\",\n  \"PinCode\": \"1\"\n}",
        );
        let out = r.records(&[rec]).remove(0);
        assert_eq!(out.url, "http://h/***/x");
        assert_eq!(out.header("x_tenant_pin"), Some("***"));
        assert_eq!(out.header("X-Note"), Some("for ***"));
        assert_eq!(
            out.body.lines,
            vec![
                "{",
                "  \"pin_code\": \"***\",",
                "  \"name\": \"***\",",
                "  \"PinCode\": \"***\"",
                "}"
            ]
        );
    }

    #[test]
    fn any_text_gets_the_same_rules() {
        let names = HashMap::from([("named-token-0123456789".to_string(), "token-4".to_string())]);
        let rules = UserRules {
            patterns: vec![r"acct-\d{4}".into()],
            ..UserRules::default()
        };
        let r = Redactor::new(&rules, &names).unwrap();
        let (_, hunter) = r.redact(&[record("http://h/", &[], r#"{"password": "warned-pw-123"}"#)]);
        assert_eq!(
            r.text(
                "request GET /v2.0/tokens/named-token-0123456789?password=x never got a response (acct-1234, warned-pw-123)",
                &hunter
            ),
            "request GET /v2.0/tokens/token-4?password=*** never got a response (***, ***)"
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
        for key in [" ", "_", "-."] {
            let empty_key = UserRules {
                keys: vec![key.into()],
                ..UserRules::default()
            };
            assert!(empty_key.validate().is_err(), "{key:?}");
        }
    }

    #[test]
    fn unbuildable_rules_withhold_everything() {
        let bad = UserRules {
            patterns: vec!["(".into()],
            ..UserRules::default()
        };
        let rec = record(
            "http://u:pw@h/x?q=1#f",
            &[("X-Note", "plain")],
            "{\n  \"a\": 1\n}",
        );
        let (out, scrubber) = redact_or_withhold(&bad, &HashMap::new(), &[rec]);
        assert_eq!(out[0].url, "http://h/x");
        assert_eq!(out[0].header("X-Note"), Some(MASK));
        assert_eq!(out[0].body.lines, vec![MASK]);
        assert_eq!(scrubber.text("anything"), MASK);
    }

    #[test]
    fn json_bodies_stay_json() {
        let body = "{\n  \"token\": {\"id\": \"abcdefabcdefabcdef01\"},\n  \"password\": 1234,\n  \"a\": \"{\\\"password\\\": 5}\"\n}";
        let out = json(body);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["a"], "{\"password\": \"***\"}");
        assert_eq!(out.lines().count(), body.lines().count());
    }

    #[test]
    fn decoders_map_back_to_the_source() {
        let d = json_unescape(r#"a\u0062\"c\ud83d\ude00d"#).unwrap();
        assert_eq!(d.text, "ab\"c\u{1F600}d");
        let edits: Vec<Edit> = d
            .source_edits(vec![Edit::mask(1..2), Edit::mask(4..8)], 0)
            .collect();
        assert_eq!(edits[0].span, 1..7);
        assert_eq!(edits[1].span, 10..22);
        assert!(json_unescape("plain").is_none());
        let d = percent_decode("%3Ftoken%3D%E2%82%AC!").unwrap();
        assert_eq!(d.text, "?token=\u{20ac}!");
        let edits: Vec<Edit> = d.source_edits(vec![Edit::mask(7..10)], 5).collect();
        assert_eq!(edits[0].span, 5 + 11..5 + 20);
        assert!(percent_decode("100%").is_none());
        assert!(percent_decode("%ff").is_none());
    }

    #[test]
    fn word_and_key_helpers() {
        assert_eq!(last_word("password_expires_at"), "at");
        assert_eq!(last_word("SignatureMethod"), "method");
        assert_eq!(last_word("X-Amz-Signature"), "signature");
        assert_eq!(last_word("token"), "token");
        assert_eq!(squash("Private-Key"), "privatekey");
        assert_eq!(base64_decode("ZGVtbzpwdw==").unwrap(), b"demo:pw");
        assert_eq!(
            merge_edits(vec![Edit::mask(5..9), Edit::mask(1..6), Edit::mask(2..3)]),
            vec![Edit::mask(1..9)]
        );
    }

    /// A small deterministic generator (xorshift), for the property tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }

        /// Text made of the pieces the rules react to.
        fn text(&mut self, max: usize) -> String {
            const PIECES: &[&str] = &[
                "password",
                "token",
                "Token",
                "/tokens/",
                "secret",
                "=",
                ":",
                "&",
                ";",
                "#",
                "?",
                "%",
                "%3F",
                "%3D",
                "%2",
                "\\",
                "\\\"",
                "\\u0077",
                "\\ud83d",
                "\\u00",
                "\"",
                "'",
                "{",
                "}",
                "[",
                "]",
                " ",
                "\n",
                "http://",
                "u:p@",
                "@",
                "-----BEGIN PRIVATE KEY-----",
                "-----END PRIVATE KEY-----",
                "--b",
                "Content-Disposition: form-data; name=signature",
                "é",
                "\u{3000}",
                "ſ",
                "abc",
                "0123456789abcdef",
                "***",
                "<password>",
                "</",
                "--os-password ",
                "null",
                "1.5e3",
                "-",
                ",",
            ];
            let n = self.below(max + 1);
            (0..n).map(|_| self.pick(PIECES)).collect()
        }

        fn json(&mut self, depth: usize) -> serde_json::Value {
            use serde_json::Value;
            const KEYS: &[&str] = &[
                "password",
                "token",
                "id",
                "name",
                "url",
                "blob",
                "payload",
                "secret_ref",
                "token_type",
                "x",
                "user_data",
                "privateKey",
                "X_Auth_Token",
                "psk",
            ];
            match self.below(if depth == 0 { 4 } else { 7 }) {
                0 => Value::String(self.text(12)),
                1 => Value::from(self.next() % 100_000),
                2 => Value::Null,
                3 => Value::String(
                    serde_json::to_string(&self.json(depth.saturating_sub(1))).unwrap_or_default(),
                ),
                4 | 5 => {
                    let mut m = serde_json::Map::new();
                    for _ in 0..self.below(5) {
                        let k = self.pick(KEYS).to_string();
                        let v = self.json(depth - 1);
                        m.insert(k, v);
                    }
                    Value::Object(m)
                }
                _ => Value::Array((0..self.below(4)).map(|_| self.json(depth - 1)).collect()),
            }
        }
    }

    /// The same shape: object keys in order, array lengths, kinds (a masked
    /// number becomes a string).
    fn same_shape(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                x.keys().eq(y.keys()) && x.values().zip(y.values()).all(|(p, q)| same_shape(p, q))
            }
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_shape(p, q))
            }
            (Value::Number(_), Value::String(s)) => s == MASK,
            (Value::String(_), Value::String(_)) => true,
            (x, y) => x == y,
        }
    }

    #[test]
    fn any_json_stays_json_with_the_same_shape() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let r = redactor();
        for _ in 0..2000 {
            let doc = rng.json(4);
            let text = if rng.below(2) == 0 {
                serde_json::to_string(&doc).unwrap()
            } else {
                serde_json::to_string_pretty(&doc).unwrap()
            };
            let out = apply_edits(&text, &r.json_edits(&text, &mut Found::default(), 0));
            let back: serde_json::Value =
                serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {text}\n->\n{out}"));
            assert!(same_shape(&doc, &back), "{text}\n->\n{out}");
            assert_eq!(text.lines().count(), out.lines().count());
        }
    }

    #[test]
    fn any_text_redacts_without_panicking_and_keeps_its_lines() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let r = redactor();
        for _ in 0..2000 {
            let url = format!("http://h/{}", rng.text(6));
            let value = rng.text(8);
            let body = rng.text(40);
            let rec = record(&url, &[("X-Note", &value), ("X_Auth_Token", &value)], &body);
            let lines = rec.body.lines.len();
            let (out, hunter) = r.redact(&[rec]);
            assert_eq!(out[0].body.lines.len(), lines, "{body:?}");
            r.text(&body, &hunter);
            r.text(&url, &hunter);
        }
    }
}
