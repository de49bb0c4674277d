//! Property tests: each escape function of `view::escape` keeps its
//! documented guarantee for arbitrary Unicode input.
//!
//! Inputs are mixed from fragments that mean something to one of the
//! interpreters (snippet markers and their Unicode spellings, Markdown and
//! mermaid syntax, entities, line breaks, controls) and arbitrary
//! characters, so the cases that matter come up often.

use proptest::prelude::*;
use pulldown_cmark::{Event, Parser, Tag};
use tracedoc::view::escape::{
    attr_value, code_line, code_span, fence_for, fence_for_text, front_matter_title, is_plain_text,
    md_text, mermaid_label, mermaid_text, shorten, table_cell, terminal, terminal_json, url,
    MERMAID_CHAR_MAX_BYTES, MERMAID_LABEL_MAX,
};

use crate::models::{flat, python_lines, read_md, read_mermaid, shown};

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

    /// The same for text made only of the characters `md_text` prints
    /// unchanged when nothing else is in the text (its shortcut).
    #[test]
    fn md_text_shows_inert_text(s in "[A-Za-z0-9 /,;%'(-]{0,30}") {
        let out = md_text(&s);
        let read = read_md(&out, false).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
        prop_assert_eq!(read, flat(&s));
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

    /// The whole-text shortcuts of the native step templates agree with
    /// the line-by-line functions they stand for: a text `is_plain_text`
    /// says needs nothing has no line `code_line` would change, and the
    /// fence for the text is the fence for its lines.
    #[test]
    fn whole_text_shortcuts_match_the_lines(parts in proptest::collection::vec(hostile(), 0..5), sep in "(\n|\r\n)") {
        let text = parts.join(&sep);
        let lines: Vec<&str> = tracedoc::model::Lines::new(&text).collect();
        if is_plain_text(&text) {
            for line in &lines {
                prop_assert!(matches!(code_line(line), std::borrow::Cow::Borrowed(l) if l == *line), "{:?}", line);
            }
        }
        prop_assert_eq!(fence_for_text(&text), fence_for(lines.iter().copied()));
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

    /// front_matter_title: nothing when the title has nothing HTML would
    /// read; else a `title:` front matter whose YAML value reads back as
    /// the title HTML-escaped, on one line, with no raw `<`, `>`, `&` but
    /// in entities, and no control or line-break character.
    #[test]
    fn front_matter_titles_are_html_text(s in hostile()) {
        let out = front_matter_title(&s);
        let html: String = s.chars().map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        }).collect();
        if html == s {
            prop_assert_eq!(out, "");
            return Ok(());
        }
        let value = out
            .strip_prefix("---\ntitle: \"")
            .and_then(|v| v.strip_suffix("\"\n---\n"))
            .expect("three lines");
        prop_assert!(!value.chars().any(|c| c.is_control() || c == '<' || c == '>'
            || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}')), "{:?}", value);
        // A YAML double-quoted scalar's escapes, as PyYAML reads them.
        let mut back = String::new();
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            if c == '"' {
                prop_assert!(false, "unescaped quote in {:?}", value);
            }
            if c != '\\' {
                back.push(c);
                continue;
            }
            match chars.next() {
                Some('\\') => back.push('\\'),
                Some('"') => back.push('"'),
                Some(u @ ('u' | 'U')) => {
                    let n = if u == 'u' { 4 } else { 8 };
                    let hex: String = chars.by_ref().take(n).collect();
                    back.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                other => prop_assert!(false, "escape {:?} in {:?}", other, value),
            }
        }
        prop_assert_eq!(back, html);
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
