//! Models of how the interpreters read tracedoc's output, to check its
//! escapes against:
//!
//! - pymdownx.snippets 13.1 on one line of an included page, written from
//!   its regular expressions (`RE_ALL_SNIPPETS`, `RE_SNIPPET_SECTION` in
//!   `pymdownx/snippets.py`) and CPython's `re.IGNORECASE` rules;
//! - Python-Markdown reading `view::escape::md_text` output back
//!   ([`read_md`]) and mermaid reading `mermaid_text` output ([`read_mermaid`]).
//!
//! Shared by the integration tests and the fuzz targets (`#[path]`), so it
//! uses nothing but std. It is written apart from `view::escape`, on
//! purpose in another way (CPython's case folding is modelled, not listed).
//! `scripts/check-escapes.py` checks the snippets model against the real
//! regular expressions.
#![allow(dead_code)]

/// CPython's sre lowers a character with the simple Unicode lowercase
/// mapping (`_sre.unicode_tolower`); Rust's `to_lowercase` is the full
/// mapping, which differs only for U+0130, whose full lowercase is two
/// characters and whose simple lowercase is `i`.
fn sre_lower(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

/// `re._casefix._EXTRA_CASES` for the ASCII letters (CPython 3.11): the
/// characters a lowercase ASCII letter also matches under IGNORECASE,
/// although they lower to something else.
fn extra_cases(lower: char) -> &'static [char] {
    match lower {
        'i' => &['\u{131}'],
        's' => &['\u{17F}'],
        _ => &[],
    }
}

/// Whether `c` matches the lowercase ASCII letter `lower` in a Python
/// `re.IGNORECASE` pattern on `str`.
pub fn ignorecase_is(c: char, lower: char) -> bool {
    let l = sre_lower(c);
    l == lower || extra_cases(lower).contains(&l)
}

/// `[a-z]` under IGNORECASE.
fn letter(c: char) -> bool {
    ('a'..='z').any(|l| ignorecase_is(c, l))
}

/// `[-_0-9a-z]` under IGNORECASE.
fn name_char(c: char) -> bool {
    c == '-' || c == '_' || c.is_ascii_digit() || letter(c)
}

fn blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Python's `$` without MULTILINE: the end, or a final `\n` before it.
fn at_end(rest: &[char]) -> bool {
    rest.is_empty() || rest == ['\n']
}

/// `-{1,}8<-{1,}` at `at`: its end, taking every dash (greedy).
fn marker(chars: &[char], at: usize) -> Option<usize> {
    let lead = chars[at..].iter().take_while(|&&c| c == '-').count();
    if lead == 0 || chars.get(at + lead) != Some(&'8') || chars.get(at + lead + 1) != Some(&'<') {
        return None;
    }
    let from = at + lead + 2;
    let trail = chars[from..].iter().take_while(|&&c| c == '-').count();
    (trail > 0).then_some(from + trail)
}

/// What `RE_ALL_SNIPPETS.match(line)` finds: `Some(escaped)` when the line
/// is a whole-line snippet (an include or a block marker), `escaped` being
/// whether its `escape` group (`;*`) is non-empty.
pub fn all_snippets(line: &str) -> Option<bool> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = chars.iter().take_while(|&&c| blank(c)).count();
    let semis = chars[i..].iter().take_while(|&&c| c == ';').count();
    i += semis;
    let end = marker(&chars, i)?;
    // `\r?$` after the marker or after the quoted path.
    let tail_ok = |rest: &[char]| at_end(rest) || rest == ['\r'] || rest == ['\r', '\n'];
    // Block marker: `(?![ \t])\r?$`.
    if tail_ok(&chars[end..]) {
        return Some(semis > 0);
    }
    // Inline: `[ \t]+` then a quoted path, `(?![ \t])`, `\r?$`.
    let ws = chars[end..].iter().take_while(|&&c| blank(c)).count();
    if ws == 0 {
        return None;
    }
    let q_at = end + ws;
    let q = *chars.get(q_at)?;
    if q != '"' && q != '\'' {
        return None;
    }
    // The closing quote is followed by the end: try every place for it.
    for close in q_at + 2..chars.len() {
        if chars[close] != q || !tail_ok(&chars[close + 1..]) {
            continue;
        }
        // The body: units `\q` or one character other than q, `\n`, `\r`.
        let body = &chars[q_at + 1..close];
        let mut k = 0;
        let mut ok = !body.is_empty();
        while ok && k < body.len() {
            if body[k] == '\\' && body.get(k + 1) == Some(&q) {
                k += 2;
            } else if body[k] != q && body[k] != '\n' && body[k] != '\r' {
                k += 1;
            } else {
                ok = false;
            }
        }
        if ok {
            return Some(semis > 0);
        }
    }
    None
}

/// `\[[ \t]*(start|end)[ \t]*:[ \t]*[a-z][-_0-9a-z]*[ \t]*\]` (IGNORECASE)
/// at `at`: its end.
fn section(chars: &[char], at: usize) -> Option<usize> {
    let mut i = at;
    if chars.get(i) != Some(&'[') {
        return None;
    }
    i += 1;
    i += chars[i..].iter().take_while(|&&c| blank(c)).count();
    let word = |w: &str, from: usize| -> Option<usize> {
        let mut k = from;
        for l in w.chars() {
            if !ignorecase_is(*chars.get(k)?, l) {
                return None;
            }
            k += 1;
        }
        Some(k)
    };
    i = word("start", i).or_else(|| word("end", i))?;
    i += chars[i..].iter().take_while(|&&c| blank(c)).count();
    if chars.get(i) != Some(&':') {
        return None;
    }
    i += 1;
    i += chars[i..].iter().take_while(|&&c| blank(c)).count();
    if !letter(*chars.get(i)?) {
        return None;
    }
    i += 1;
    i += chars[i..].iter().take_while(|&&c| name_char(c)).count();
    i += chars[i..].iter().take_while(|&&c| blank(c)).count();
    (chars.get(i) == Some(&']')).then_some(i + 1)
}

/// What `RE_SNIPPET_SECTION.match(line)` finds: the position (in chars) of
/// its `escape` group and that group's length.
pub fn section_marker(line: &str) -> Option<(usize, usize)> {
    let chars: Vec<char> = line.chars().collect();
    // `pre` is `.*?`: the leftmost position that matches, never past a `\n`.
    for p in 0..=chars.len() {
        if p > 0 && chars[p - 1] == '\n' {
            return None;
        }
        // `(?<!;)(?!(?<=-)-)`
        if p > 0 && chars[p - 1] == ';' {
            continue;
        }
        if p > 0 && chars[p - 1] == '-' && chars.get(p) == Some(&'-') {
            continue;
        }
        let semis = chars[p..].iter().take_while(|&&c| c == ';').count();
        let Some(end) = marker(&chars, p + semis) else {
            continue;
        };
        let ws = chars[end..].iter().take_while(|&&c| blank(c)).count();
        if ws == 0 {
            continue;
        }
        let Some(after) = section(&chars, end + ws) else {
            continue;
        };
        // `(?P<post>.*?)$`
        let rest = &chars[after..];
        let newline = rest.iter().position(|&c| c == '\n');
        if newline.is_some_and(|n| n + 1 != rest.len()) {
            continue;
        }
        return Some((p, semis));
    }
    None
}

/// What snippets makes of one line outside a block: `None` when the line
/// includes a file, opens a block or is deleted; otherwise the line shown.
pub fn shown(line: &str) -> Option<String> {
    if let Some(escaped) = all_snippets(line) {
        return escaped.then(|| line.replacen(';', "", 1));
    }
    match section_marker(line) {
        Some((_, 0)) => None,
        Some((p, _)) => {
            let mut chars: Vec<char> = line.chars().collect();
            chars.remove(p);
            Some(chars.into_iter().collect())
        }
        None => Some(line.to_string()),
    }
}

/// Splits like Python's `str.splitlines()`, the way snippets reads a file.
pub fn python_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let brk = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if brk {
            out.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' {
                if let Some(&(j, '\n')) = chars.peek() {
                    chars.next();
                    end = j + 1;
                }
            }
            start = end;
        }
    }
    out.push(&text[start..]);
    out
}

pub fn python_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// The input on one line, as the one-line contexts promise to show it.
pub fn flat(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || python_break(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Characters a backslash escapes in Python-Markdown 3.11 core
/// (`Markdown.ESCAPED_CHARS`), plus `|` (the `tables` extension).
const ESCAPABLE: &str = "\\`*_{}[]()>#+-.!|";

/// Reads md_text output back the way Python-Markdown shows it: backslash
/// escapes and entities decoded. Fails on anything md_text promises never
/// to leave raw.
pub fn read_md(out: &str, cell: bool) -> Result<String, String> {
    let chars: Vec<char> = out.chars().collect();
    let mut text = String::new();
    let mut i = 0;
    let mut raw_run: Option<(char, usize)> = None;
    while i < chars.len() {
        let c = chars[i];
        let raw;
        match c {
            '\\' => {
                let next = *chars.get(i + 1).ok_or("a lone backslash at the end")?;
                if !ESCAPABLE.contains(next) {
                    return Err(format!("`\\{next}` is no escape"));
                }
                text.push(next);
                i += 2;
                raw_run = None;
                continue;
            }
            '&' => {
                let rest: String = chars[i..].iter().take(12).collect();
                let entity = rest.find(';').map(|e| &rest[..=e]);
                let decoded = match entity {
                    Some("&lt;") => Some('<'),
                    Some("&gt;") => Some('>'),
                    Some("&quot;") => Some('"'),
                    Some("&amp;") => Some('&'),
                    Some(e) if e.starts_with("&#") => e[2..e.len() - 1]
                        .parse::<u32>()
                        .ok()
                        .and_then(char::from_u32),
                    _ => None,
                };
                match (decoded, entity) {
                    (Some(d), Some(e)) => {
                        text.push(d);
                        i += e.chars().count();
                        raw_run = None;
                        continue;
                    }
                    _ => {
                        // A raw `&` must not start an entity.
                        let next = chars.get(i + 1);
                        let name = chars[i + 1..]
                            .iter()
                            .take_while(|c| c.is_ascii_alphanumeric())
                            .count();
                        if next == Some(&'#') || (name > 0 && chars.get(i + 1 + name) == Some(&';'))
                        {
                            return Err("a raw `&` starts an entity".into());
                        }
                        raw = Some('&');
                    }
                }
            }
            '<' | '>' | '"' | '`' | '*' | '[' | ']' | '{' | '}' | '!' | '#' | '@' | '$' => {
                return Err(format!("raw {c:?}"));
            }
            '|' if cell => return Err("raw `|` in a cell".into()),
            c if c.is_control() || python_break(c) => return Err(format!("{c:?} on the line")),
            '_' => {
                let before = i.checked_sub(1).map(|b| chars[b]);
                let end = i + chars[i..].iter().take_while(|&&x| x == '_').count();
                let inside = before.is_some_and(|b| b.is_ascii_alphanumeric())
                    && chars.get(end).is_some_and(|a| a.is_ascii_alphanumeric());
                if !inside {
                    return Err("a raw `_` at a word edge".into());
                }
                text.push_str(&"_".repeat(end - i));
                i = end;
                raw_run = None;
                continue;
            }
            ':' if chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/') => {
                return Err("a raw `://`".into())
            }
            '.' if i >= 3 && chars[i - 3..i].iter().all(|c| c.eq_ignore_ascii_case(&'w')) => {
                return Err("a raw `www.`".into())
            }
            c => raw = Some(c),
        }
        if let Some(r) = raw {
            if matches!(r, '~' | '^') {
                return Err(format!("a raw `{r}`"));
            }
            if matches!(r, '=' | '+') && raw_run == Some((r, i.wrapping_sub(1))) {
                return Err(format!("a raw `{r}{r}`"));
            }
            raw_run = Some((r, i));
            text.push(r);
        }
        i += 1;
    }
    if out.contains("8<") {
        return Err("`8<` in the output".into());
    }
    Ok(text)
}

/// Reads mermaid text back the way mermaid 11 does: `#name;` and `#123;`
/// entities first become markers (so the parser never sees their `#` and
/// `;`), then the characters they stand for.
pub fn read_mermaid(out: &str) -> Result<String, String> {
    let mut parsed = String::new();
    let mut text = String::new();
    let mut rest = out;
    while let Some(at) = rest.find('#') {
        text.push_str(&rest[..at]);
        parsed.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if name_len == 0 || after.as_bytes().get(name_len) != Some(&b';') {
            return Err("a `#` that is no entity".into());
        }
        let name = &after[..name_len];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            n => n
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("unknown entity #{n};"))?,
        };
        text.push(c);
        parsed.push('\u{1}');
        rest = &after[name_len + 1..];
    }
    text.push_str(rest);
    parsed.push_str(rest);
    for bad in [
        ";", "<", ">", "%%", "\n", "\r", "\u{2028}", "\u{2029}", "\u{85}",
    ] {
        if parsed.contains(bad) {
            return Err(format!("{bad:?} reaches mermaid's parser"));
        }
    }
    if parsed.starts_with('%') || parsed.ends_with('%') {
        return Err("a `%` at an end".into());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model against what pymdownx.snippets 13.1 does with these lines
    /// (checked with the real extension when the model was written).
    #[test]
    fn model_matches_snippets_on_known_lines() {
        assert_eq!(all_snippets("--8<-- \"a.md\""), Some(false));
        assert_eq!(all_snippets("  ;--8<-- 'a.md'"), Some(true));
        assert_eq!(all_snippets("--8<--"), Some(false));
        assert_eq!(all_snippets("--8<-- "), None);
        assert_eq!(all_snippets("--8<-- \"a\" b"), None);
        assert_eq!(all_snippets("--8<-- \"a\\\"b\""), Some(false));
        assert_eq!(all_snippets("--8<-- \"\""), None);
        assert_eq!(section_marker("x --8<-- [start:a]"), Some((2, 0)));
        assert_eq!(section_marker("x;;--8<-- [ END : a ]"), Some((1, 2)));
        assert_eq!(section_marker("--8<-- [start:1a]"), None);
        assert_eq!(section_marker("a --8<--[start:a]"), None);
        // CPython: re.match('(?i)start', 'ſtart') and '(?i)[a-z]' on KELVIN SIGN.
        assert_eq!(
            section_marker("--8<-- [\u{17F}tart:\u{212A}]"),
            Some((0, 0))
        );
        assert_eq!(section_marker("--8<-- [end:\u{130}\u{131}]"), Some((0, 0)));
        assert_eq!(section_marker("--8<-- [end:\u{e9}]"), None);
        assert_eq!(
            shown("a ;--8<-- [end:x]").as_deref(),
            Some("a --8<-- [end:x]")
        );
        assert_eq!(shown("a --8<-- [end:x]"), None);
        assert_eq!(shown(";--8<-- \"x\"").as_deref(), Some("--8<-- \"x\""));
    }
}

#[cfg(test)]
mod dump {
    /// One-off: writes model verdicts for random lines (TRACEDOC_MODEL_DUMP).
    #[test]
    fn dump_for_python() {
        let Ok(path) = std::env::var("TRACEDOC_MODEL_DUMP") else {
            return;
        };
        let frags = [
            "--8<--", "-8<-", "8<", "<-", "-", " ", "\t", "[", "]", "start", "ſtart", "END", "end",
            ":", "x", "K", "ı", "İ", "ſ", ";", "\"", "'", "\\", "1", "é", "\r", "\n", "_", "a",
        ];
        let mut seed: u64 = 12345;
        let mut out = Vec::new();
        for _ in 0..200000 {
            let mut line = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut pick = |set: &[&'static str]| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                set[((seed >> 33) as usize) % set.len()]
            };
            let structured = pick(&["0", "1", "1", "1"]) == "1";
            if structured {
                let parts: [&[&str]; 12] = [
                    &["", "a", "x ", ";", "a;", "-", " \t"],
                    &["", ";", ";;"],
                    &[
                        "--8<--", "-8<-", "--8<-", "-8<--", "8<-", "--8<", "---8<---",
                    ],
                    &[" ", "\t", "", "  "],
                    &["[", "", "[ "],
                    &[
                        "start", "ſtart", "END", "end", "stärt", "Start", "eNd", "sTaRt",
                    ],
                    &["", " ", "\t"],
                    &[":", "", " :"],
                    &["", " "],
                    &[
                        "x", "K", "ı", "İ", "ſ", "1x", "é", "a-b_1", "KıİſA", "", "_a",
                    ],
                    &["]", " ]", "", "] "],
                    &["", "tail", " \"q\"", "\n", "\r", ";"],
                ];
                for set in parts {
                    line.push_str(pick(set));
                }
                let n = pick(&["0", "1", "2"]).len() + usize::from(pick(&["a", "b"]) == "a");
                for _ in 0..n {
                    let f = pick(&frags);
                    line.push_str(f);
                }
            } else {
                let n = pick(&["", "a", "aa", "aaaa", "aaaaaaaa", "aaaaaaaaaaaa"]).len();
                for _ in 0..n {
                    let f = pick(&frags);
                    line.push_str(f);
                }
            }
            let a = super::all_snippets(&line);
            let s = super::section_marker(&line);
            out.push(serde_json::json!([line, a, s.map(|(p, n)| vec![p, n])]));
        }
        std::fs::write(path, serde_json::to_string(&out).unwrap()).unwrap();
    }
}
