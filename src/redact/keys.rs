//! Which names hold secrets: header names, and keys (JSON, query, form and
//! text keys). Lists and the comparisons on them; nothing here is compiled.

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
pub(crate) const NAME_KEYS: &[&str] = &["name", "key", "parameter", "param", "field"];
pub(crate) const VALUE_KEYS: &[&str] = &["value", "val", "default"];

/// Headers whose value is a token, by exact name; any `*-Token` also is.
pub const TOKEN_HEADERS: &[&str] = &["x-auth-token", "x-subject-token", "x-service-token"];

/// What kind of secret a key or header holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Secret {
    /// Named, and hunted through the whole capture.
    Token,
    /// Replaced by [`super::MASK`].
    Masked,
}

/// How a header's value is redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderRule {
    Token,
    Masked,
    Authorization,
    Cookie,
    SetCookie,
}

/// A header name as compared: trimmed, lower case, `_` read as `-`
/// (`X_Auth_Token`, and WSGI's `HTTP_X_AUTH_TOKEN`).
pub(crate) fn header_key(name: &str) -> String {
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
pub(crate) fn header_rule(name: &str, user: &[String]) -> Option<HeaderRule> {
    // This runs for every header line: no allocation for ordinary names,
    // bytes compared as bytes.
    let name = name.trim();
    let mut buf = [0u8; 128];
    let owned: String;
    let lower: &[u8] = match buf.get_mut(..name.len()) {
        Some(b) => {
            for (d, c) in b.iter_mut().zip(name.bytes()) {
                *d = if c == b'_' {
                    b'-'
                } else {
                    c.to_ascii_lowercase()
                };
            }
            b
        }
        None => {
            owned = header_key(name);
            owned.as_bytes()
        }
    };
    if user.iter().any(|u| u.as_bytes() == lower) {
        return Some(HeaderRule::Masked);
    }
    let bare = lower.strip_prefix(b"http-").unwrap_or(lower);
    match bare {
        b"authorization" | b"proxy-authorization" => return Some(HeaderRule::Authorization),
        b"cookie" => return Some(HeaderRule::Cookie),
        b"set-cookie" | b"set-cookie2" => return Some(HeaderRule::SetCookie),
        _ => {}
    }
    // `*-Token`, and keystone's MFA `Openstack-Auth-Receipt`.
    if TOKEN_HEADERS.iter().any(|t| t.as_bytes() == bare)
        || bare == b"token"
        || bare.ends_with(b"-token")
        || bare.ends_with(b"-receipt")
    {
        return Some(HeaderRule::Token);
    }
    // `*-Key`, `*-Key-2` (Swift's second temp URL key), `*-Secret`, `*-Pass`
    // (Swift tempauth's `X-Storage-Pass`), and any header naming a password.
    let digits = bare.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let base = &bare[..bare.len() - digits];
    let base = base.strip_suffix(b"-").unwrap_or(bare);
    if base.ends_with(b"-key")
        || base == b"key"
        || bare.ends_with(b"-pass")
        || bare.ends_with(b"-sig")
        || names_a_secret(bare)
    {
        return Some(HeaderRule::Masked);
    }
    None
}

/// Whether a (lower-case) header name holds `password`, `passwd`,
/// `passphrase`, `passcode`, `psk`, `secret` or `signature`: one look at
/// each byte, no searcher to set up for a short name.
fn names_a_secret(name: &[u8]) -> bool {
    (0..name.len()).any(|i| {
        let rest = &name[i..];
        match name[i] {
            b'p' => {
                rest.starts_with(b"psk")
                    || rest.strip_prefix(b"pass").is_some_and(|r| {
                        r.starts_with(b"word")
                            || r.starts_with(b"wd")
                            || r.starts_with(b"phrase")
                            || r.starts_with(b"code")
                    })
            }
            b's' => rest.starts_with(b"secret") || rest.starts_with(b"signature"),
            _ => false,
        }
    })
}

/// A key as compared with the key lists: lower case, without `_`, `-`, `.`
/// and spaces, so `private_key`, `privateKey` and `Private-Key` are one key.
pub(crate) fn squash(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The last word of a key: split at non-alphanumerics and camel case.
pub(crate) fn last_word(key: &str) -> String {
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
pub(crate) fn spellings(key: &str) -> Vec<String> {
    let mut out = vec![key.to_string()];
    if key.contains('_') {
        for with in ["-", ".", ""] {
            out.push(key.replace('_', with));
        }
    }
    out
}

/// Whether a value is one of the built-in key words (`password`, `Secret`,
/// `private_key`).
pub(crate) fn is_key_word(v: &str) -> bool {
    let v = squash(v);
    SANITIZE_KEYS
        .iter()
        .chain(EXTRA_KEYS)
        .chain(EXACT_KEYS)
        .any(|k| squash(k) == v)
}

/// Whether `text` spells `token` with or without separators inside
/// (`to_ken`, `T.O.K.E.N`), the way a key squashes to one that holds
/// `token`. Byte by byte, no allocation.
pub(crate) fn has_split_token(text: &str) -> bool {
    const WORD: &[u8] = b"token";
    let b = text.as_bytes();
    let sep = |c: u8| matches!(c, b'_' | b'-' | b'.' | b' ');
    memchr::memchr2_iter(b't', b'T', b).any(|start| {
        let mut i = start + 1;
        for &want in &WORD[1..] {
            while b.get(i).copied().is_some_and(sep) {
                i += 1;
            }
            if !b.get(i).is_some_and(|c| c.eq_ignore_ascii_case(&want)) {
                return false;
            }
            i += 1;
        }
        true
    })
}
