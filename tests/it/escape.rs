//! Property tests: each escape function of `render::escape` keeps its
//! documented guarantee for arbitrary Unicode input.
//!
//! Inputs are mixed from fragments that mean something to one of the
//! interpreters (snippet markers and their Unicode spellings, Markdown and
//! mermaid syntax, entities, line breaks, controls) and arbitrary
//! characters, so the cases that matter come up often.

use proptest::prelude::*;
use pulldown_cmark::{Event, Parser, Tag};
use tracedoc::render::escape::{
    attr_value, code_line, code_span, md_text, mermaid_label, mermaid_text, shorten, table_cell,
    terminal, terminal_json, url, MERMAID_CHAR_MAX_BYTES, MERMAID_LABEL_MAX,
};

use crate::snippets_model::{python_lines, shown};

const FRAGMENTS: &[&str] = &[
    "--8<--",
    "-8<-",
    "---8<---",
    "8<",
    "<-",
    " ",
    "\t",
    "[",
    "]",
    "start",
    "START",
    "\u{17F}tart",
    "end",
    "EnD",
    ":",
    "x",
    "\u{212A}",
    "\u{131}",
    "\u{130}",
    "\u{17F}",
    ";",
    ";;",
    "\"",
    "'",
    "\\",
    "`",
    "```",
    "%",
    "%%",
    "{",
    "}",
    "{:",
    "#",
    "<",
    ">",
    "&",
    "&lt;",
    "&#60;",
    "&amp",
    "_",
    "__",
    "*",
    "~",
    "~~",
    "^^",
    "==",
    "++",
    "://",
    "http",
    "www.",
    "@",
    "!",
    "|",
    "(",
    ")",
    "\n",
    "\r",
    "\r\n",
    "\u{2028}",
    "\u{85}",
    "\x0b",
    "\x1c",
    "\u{1b}",
    "\u{9b}",
    "\u{202e}",
    "\u{200b}",
    "a",
    "Z",
    "1",
    "42",
    ".",
    "-",
    "?",
    "=",
    "+",
    "$",
    "\u{FB02}",
    "\u{B6}",
    "é",
    "한",
    "<br>",
    "#lt;",
    "#59;",
    "script",
    "javascript:",
    "onerror=",
];

fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn python_break(c: char) -> bool {
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
fn flat(s: &str) -> String {
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
fn read_md(out: &str, cell: bool) -> Result<String, String> {
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
fn read_mermaid(out: &str) -> Result<String, String> {
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// md_text: no HTML, no Markdown syntax, no snippet notation, one
    /// line, and Python-Markdown shows exactly the input (on one line).
    #[test]
    fn md_text_shows_the_text_and_nothing_else(s in hostile()) {
        let out = md_text(&s);
        let read = read_md(&out, false).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
        prop_assert_eq!(read, flat(&s));
        prop_assert_eq!(python_lines(&out).len(), 1);
    }

    /// The same, parsed as CommonMark: one heading, and in it no link,
    /// image, HTML, code or emphasis.
    #[test]
    fn md_text_in_a_heading_is_plain_text(s in hostile()) {
        let doc = format!("### {}\n", md_text(&s));
        let mut headings = 0;
        for event in Parser::new(&doc) {
            match event {
                Event::Start(Tag::Heading { .. }) => headings += 1,
                Event::Start(t @ (Tag::Link { .. } | Tag::Image { .. } | Tag::Emphasis | Tag::Strong)) => {
                    prop_assert!(false, "{t:?} in {doc:?}");
                }
                Event::Html(h) | Event::InlineHtml(h) => prop_assert!(false, "HTML {h:?} in {doc:?}"),
                Event::Code(c) => prop_assert!(false, "code {c:?} in {doc:?}"),
                _ => {}
            }
        }
        prop_assert_eq!(headings, 1, "{:?}", doc);
    }

    /// table_cell: md_text's guarantees, and no raw `|`.
    #[test]
    fn table_cells_keep_their_column(s in hostile()) {
        let out = table_cell(&s);
        let read = read_md(&out, true).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
        prop_assert_eq!(read, flat(&s));
    }

    /// code_span: one span holding the input on one line, which snippets
    /// leaves alone, wherever on a line it is printed.
    #[test]
    fn code_spans_hold_the_text(s in hostile(), prefix in "[ *|a-]{0,3}") {
        let out = code_span(&s);
        let line = format!("{prefix}{out}");
        let shown = shown(&line).ok_or_else(|| TestCaseError::fail(format!("snippets takes {line:?}")))?;
        let span = &shown[prefix.len()..];
        let ticks = span.bytes().take_while(|&b| b == b'`').count();
        prop_assert!(ticks > 0 && span.ends_with(&"`".repeat(ticks)));
        let inner = &span[ticks..span.len() - ticks];
        let text = flat(&s);
        let pad = if text.is_empty() || text.starts_with(['`', '#', ':']) || text.ends_with('`') { " " } else { "" };
        prop_assert_eq!(inner, format!("{pad}{text}{pad}"));
        let longest = inner.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        prop_assert!(longest < ticks, "the span closes early: {:?}", out);
        prop_assert_eq!(python_lines(&line).len(), 1);
    }

    /// attr_value: inside `title="..."` it cannot end the quotes or the
    /// fence's info string, and snippets shows the fence line as written.
    #[test]
    fn attribute_values_stay_inside_their_quotes(s in hostile()) {
        let out = attr_value(&s);
        prop_assert!(!out.contains('"') && !out.contains('`'));
        let line = format!("    ``` http title=\"{out}\" linenums=\"1\"");
        prop_assert_eq!(python_lines(&line).len(), 1);
        let shown = shown(&line).ok_or_else(|| TestCaseError::fail(format!("snippets takes {line:?}")))?;
        let expected: String = flat(&s)
            .chars()
            .map(|c| match c { '"' => '\u{FF02}', '`' => '\u{FF40}', c => c })
            .collect();
        prop_assert_eq!(shown, format!("    ``` http title=\"{expected}\" linenums=\"1\""));
    }

    /// code_line: snippets shows the line exactly as captured (Python's
    /// line breaks as pictures), never includes a file or deletes it.
    #[test]
    fn code_lines_show_as_captured(s in hostile(), indent in "[ \t]{0,2}") {
        let input = format!("{indent}{s}");
        let out = code_line(&input);
        prop_assert_eq!(python_lines(&out).len(), 1, "{:?}", out);
        let shown = shown(&out).ok_or_else(|| TestCaseError::fail(format!("snippets acts on {out:?}")))?;
        let pictured: String = input
            .chars()
            .map(|c| match c {
                '\r' => '\u{240D}',
                '\x0b' => '\u{240B}',
                '\x0c' => '\u{240C}',
                '\x1c' => '\u{241C}',
                '\x1d' => '\u{241D}',
                '\x1e' => '\u{241E}',
                '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => '\u{2424}',
                c => c,
            })
            .collect();
        prop_assert_eq!(shown, pictured);
    }

    /// mermaid_text: nothing reaches mermaid's parser that it reads as
    /// syntax (`;`, `#`, `<`, `>`, `%%`, line breaks), and mermaid shows
    /// exactly the input (on one line).
    #[test]
    fn mermaid_text_shows_the_text(s in hostile()) {
        let out = mermaid_text(&s);
        let read = read_mermaid(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
        let expected: String = flat(&s).chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
        prop_assert_eq!(read, expected);
        // Two escaped texts side by side cannot form `%%` either.
        let twice = format!("{out}{out}");
        prop_assert!(read_mermaid(&twice).is_ok() || out.is_empty());
    }

    /// mermaid_label: mermaid_text of at most MERMAID_LABEL_MAX characters
    /// of the input, its head and tail.
    #[test]
    fn mermaid_labels_are_short(s in hostile(), n in 0usize..600, c in any::<char>()) {
        let long = format!("{s}{}{s}", c.to_string().repeat(n));
        let label = mermaid_label(&long);
        prop_assert!(label.len() <= MERMAID_LABEL_MAX * MERMAID_CHAR_MAX_BYTES);
        let short = shorten(&long, MERMAID_LABEL_MAX);
        prop_assert!(short.chars().count() <= MERMAID_LABEL_MAX);
        if long.chars().count() <= MERMAID_LABEL_MAX {
            prop_assert_eq!(short.as_ref(), long.as_str());
        } else {
            let head: String = short.chars().take_while(|&c| c != '…').collect();
            prop_assert!(long.starts_with(&head));
            let tail = &short[short.rfind('…').map_or(0, |i| i + '…'.len_utf8())..];
            prop_assert!(long.ends_with(tail));
        }
        prop_assert!(read_mermaid(&label).is_ok());
    }

    /// terminal: no control or invisible format character, idempotent.
    #[test]
    fn terminal_text_is_inert(s in hostile()) {
        let out = terminal(&s);
        prop_assert!(!out.chars().any(|c| c.is_control() || matches!(c,
            '\u{AD}' | '\u{61C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{E0000}'..='\u{E007F}')), "{:?}", out);
        prop_assert_eq!(terminal(&out), out.clone());
    }

    /// terminal_json: the same JSON, with no control (but its own line
    /// ends) or invisible character.
    #[test]
    fn terminal_json_is_the_same_json(s in hostile()) {
        let json = serde_json::to_string_pretty(&serde_json::json!({ "a": s, "b": [s] })).unwrap();
        let out = terminal_json(&json);
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        prop_assert_eq!(back, serde_json::from_str::<serde_json::Value>(&json).unwrap());
        prop_assert!(!out.chars().any(|c| c != '\n' && terminal(&c.to_string()) != c.to_string()));
    }

    /// url: one link target that cannot end early and runs no script.
    #[test]
    fn urls_are_inert_link_targets(s in hostile()) {
        let out = url(&s);
        prop_assert!(!out.chars().any(|c| c.is_whitespace() || c.is_control()
            || matches!(c, '(' | ')' | '<' | '>' | '"' | '\'' | '`' | '\\')), "{:?}", out);
        let end = out.find(['/', '?', '#']).unwrap_or(out.len());
        if let Some(colon) = out[..end].find(':') {
            let scheme = out[..colon].to_ascii_lowercase();
            prop_assert!(["http", "https", "mailto"].contains(&scheme.as_str()), "{:?}", out);
        }
        let doc = format!("[t]({out})\n");
        let links: Vec<String> = Parser::new(&doc)
            .filter_map(|e| match e {
                Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.to_string()),
                _ => None,
            })
            .collect();
        prop_assert!(links.len() <= 1);
    }
}

#[test]
fn ordinary_text_passes_unchanged_through_every_context() {
    for t in [
        "PUT /v1/AUTH_7c4cda7e4807414bbdfcb22b535a9802/glance/7d29b113-3248-4052-be42-aefdfa1758cf",
        "300 MULTIPLE CHOICES /identity/",
        "204 No Content /v2/images/7d29b113-3248-4052-be42-aefdfa1758cf/file",
        "GET /v2/images?limit=2&marker=x",
        "GET /placement/allocation_candidates?resources=DISK_GB%3A1%2CVCPU%3A1",
    ] {
        assert_eq!(md_text(t), t);
        assert_eq!(table_cell(t), t);
        assert_eq!(attr_value(t), t);
        assert_eq!(code_line(t), t);
        assert_eq!(mermaid_text(t), t);
        assert_eq!(code_span(t), format!("`{t}`"));
    }
}

/// With `TRACEDOC_ESCAPE_DUMP=FILE`, writes every context's output for
/// many random inputs as JSON, for `scripts/check-escapes.py` to render with
/// the real Python-Markdown, pymdown-extensions and snippets and compare.
#[test]
fn dump_escapes_for_python() {
    let Ok(path) = std::env::var("TRACEDOC_ESCAPE_DUMP") else {
        return;
    };
    let mut seed: u64 = 7;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut out = Vec::new();
    for _ in 0..20_000 {
        let mut s = String::new();
        for _ in 0..next() % 12 {
            if next() % 4 == 0 {
                s.push(char::from_u32((next() % 0x3000) as u32).unwrap_or('?'));
            } else {
                s.push_str(FRAGMENTS[next() % FRAGMENTS.len()]);
            }
        }
        out.push(serde_json::json!({
            "input": s,
            "flat": flat(&s),
            "md": md_text(&s),
            "cell": table_cell(&s),
            "code": code_span(&s),
            "attr": attr_value(&s),
            "line": code_line(&s),
        }));
    }
    std::fs::write(path, serde_json::to_string(&out).unwrap()).unwrap();
}
