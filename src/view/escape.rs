//! Escaping: one function per output context, and nothing else escapes.
//!
//! The page model holds captured text as it was captured. Text becomes
//! page bytes only here, through the function of the context it is printed
//! in; the templates apply them by default (see `template`). Each function
//! says exactly what it guarantees, and `tests/it/escape.rs` states each
//! guarantee as a property over arbitrary Unicode input.
//!
//! | context | function | where |
//! |---|---|---|
//! | Markdown inline text | [`md_text`] | headings, paragraphs, list items, `!!! tip "..."` and `=== "..."` titles |
//! | Markdown table cell | [`table_cell`] | between `|` of a table row |
//! | Markdown code span | [`code_span`] | service names, calls, values |
//! | fence attribute | [`attr_value`] | `title="..."` in a code fence's info string |
//! | line of a fenced block | [`code_line`] | header, body and log lines |
//! | mermaid text | [`mermaid_text`], [`mermaid_label`] | messages, notes, block titles, participant labels |
//! | link target | [`url`] | `[title](url)` |
//! | terminal | [`terminal`], [`terminal_json`] | warnings, errors, summaries, JSON on stdout |
//!
//! The interpreters these were checked against: Python-Markdown 3.11 with
//! the pymdown-extensions 13 (snippets, superfences, tabbed, magiclink,
//! emoji, tilde, caret, mark, keys) and MkDocs 1.6 as mkdocs-material 9.8
//! runs them, `attr_list` included; mermaid 11 in Chromium.

use std::borrow::Cow;

/// Most characters of captured text one mermaid label shows. Longer text
/// keeps its head and tail around an ellipsis (`body.md` shows it whole).
pub const MERMAID_LABEL_MAX: usize = 200;

/// mermaid's `maxTextSize`: a diagram longer than this is not drawn at all.
pub const MERMAID_MAX_TEXT: usize = 50_000;

/// The widest one escaped character can become in [`mermaid_text`]
/// (`ﬂ`, 3 bytes, becomes `#64258;`); a bound for size estimates.
pub const MERMAID_CHAR_MAX_BYTES: usize = 7;

/// Characters Python's `str.splitlines` breaks a line at. pymdownx.snippets
/// reads included pages this way, so any of these inside a captured value
/// would start a new line of the page.
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

/// Characters that must not reach one line of output: C0 and C1 controls,
/// DEL and the Unicode line and paragraph separators.
fn not_on_a_line(c: char) -> bool {
    c.is_control() || python_break(c)
}

// ---------------------------------------------------------------------------
// Markdown text and table cells
// ---------------------------------------------------------------------------

/// Markdown inline text: captured text that Python-Markdown (and the
/// pymdown extensions) shows as the same text, on one line.
///
/// Guarantees, for any input, when printed after other text on a line (a
/// heading, a paragraph or list item, a quoted `!!! tip "..."` or
/// `=== "..."` title, which Python-Markdown inline-processes too):
///
/// - no HTML: `<` `>` are `&lt;` `&gt;`, and `"` is `&quot;` (so a quoted
///   title cannot end early); an `&` that would start an entity (`&lt;`,
///   `&#60;`) is `&amp;`; any other `&` is left for Python-Markdown, which
///   writes it as `&amp;`;
/// - no Markdown syntax: `\` `` ` `` `*` `[` `]` `{` `}` `!` `#` are
///   backslash-escaped, so no link, image, code span, emphasis,
///   `attr_list` block or heading closer forms; `_` is escaped wherever it
///   could start or end emphasis (not inside a word, so `AUTH_7c4c` stays);
///   `~` and `^` are entities (pymdownx tilde and caret: `~sub~`, `^^ins^^`),
///   and runs of `=` `+` (pymdownx mark, keys) keep only their first
///   character, the rest are entities; `://` and `www.`
///   (magiclink), `:name:` (emoji) and `@` (mail links) are broken by an
///   entity;
/// - at the start of a line too: a leading `-` `+` `=` `?` `:` or a leading
///   `1.` / `1)` cannot open a list, tab, details or definition block;
/// - one line: control characters and Python's line breaks are spaces;
/// - no snippet notation: there is no `8<` in the output (`<` is an entity).
///
/// Text without any of these characters is returned unchanged
/// (`PUT /v1/AUTH_7c4c.../glance`, `GET /v2/images?limit=2&marker=x`).
pub fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_md(&mut out, text, false);
    out
}

/// A Markdown table cell: [`md_text`], and `|` is `\|`, so the text stays in
/// its column (Python-Markdown's `tables`, which MkDocs always loads).
pub fn table_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_md(&mut out, text, true);
    out
}

/// Whether `c` counts as a word character on both sides of an `_` run.
/// Only ASCII letters and digits do: anything else may or may not be `\w`
/// for Python, and escaping an `_` that did not need it costs nothing.
fn word(c: Option<&char>) -> bool {
    c.is_some_and(char::is_ascii_alphanumeric)
}

/// `&` followed by what Python-Markdown (or a browser) reads as an entity.
fn starts_entity(rest: &[char]) -> bool {
    match rest.first() {
        Some('#') => true,
        Some(_) => {
            let name = rest
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            name > 0 && rest.get(name) == Some(&';')
        }
        None => false,
    }
}

/// What pymdownx.emoji's `:[+\-\w]+:` may take between the colons
/// (any non-ASCII character counts, so the check errs towards escaping).
fn emoji_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_') || !c.is_ascii()
}

fn push_md(out: &mut String, text: &str, cell: bool) {
    // The usual title or name (`GET /v2/images/3f6c-...`): characters no
    // rule below touches, and no `-` to open a list. Printed as it is.
    if is_inert_md(text) {
        out.push_str(text);
        return;
    }
    push_md_chars(out, text, cell);
}

/// Text that [`push_md_chars`] gives back unchanged, known without it.
fn is_inert_md(text: &str) -> bool {
    let inert = |b: u8| b.is_ascii_alphanumeric() || b" /-,;%'(".contains(&b);
    text.bytes().all(inert) && !text.trim_start_matches(' ').starts_with('-')
}

fn push_md_chars(out: &mut String, text: &str, cell: bool) {
    let chars: Vec<char> = text.chars().collect();
    let first = chars.iter().position(|&c| c != ' ');
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at_start = Some(i) == first;
        match c {
            c if not_on_a_line(c) => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '&' if starts_entity(&chars[i + 1..]) => out.push_str("&amp;"),
            '\\' | '`' | '*' | '[' | ']' | '{' | '}' | '!' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '|' if cell => out.push_str("\\|"),
            '_' => {
                let end = i + chars[i..].iter().take_while(|&&x| x == '_').count();
                let inside_word = i > 0 && word(chars.get(i - 1)) && word(chars.get(end));
                for _ in i..end {
                    out.push_str(if inside_word { "_" } else { "\\_" });
                }
                i = end;
                continue;
            }
            // pymdownx.tilde and caret take single ones too (`~sub~`, `^sup^`).
            '~' => out.push_str("&#126;"),
            '^' => out.push_str("&#94;"),
            '=' | '+' => {
                let end = i + chars[i..].iter().take_while(|&&x| x == c).count();
                match c {
                    '+' if at_start => out.push_str("\\+"),
                    '=' if at_start => out.push_str("&#61;"),
                    _ => out.push(c),
                }
                for _ in i + 1..end {
                    out.push_str(if c == '=' { "&#61;" } else { "&#43;" });
                }
                i = end;
                continue;
            }
            ':' => {
                let rest = &chars[i + 1..];
                let url = rest.starts_with(&['/', '/']);
                let name = rest.iter().take_while(|&&x| emoji_char(x)).count();
                let emoji = name > 0 && rest.get(name) == Some(&':');
                if url || emoji || at_start {
                    out.push_str("&#58;");
                } else {
                    out.push(':');
                }
            }
            '@' => out.push_str("&#64;"),
            '$' => out.push_str("&#36;"),
            '.' if i >= 3 && chars[i - 3..i].iter().all(|x| x.eq_ignore_ascii_case(&'w')) => {
                out.push_str("&#46;")
            }
            '-' if at_start => out.push_str("\\-"),
            '?' if at_start => out.push_str("&#63;"),
            '.' | ')'
                if first.is_some_and(|f| i > f && chars[f..i].iter().all(char::is_ascii_digit)) =>
            {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        i += 1;
    }
}

// ---------------------------------------------------------------------------
// Code spans, fence attributes and lines of fenced blocks
// ---------------------------------------------------------------------------

/// A Markdown code span showing `text`: a backtick run longer than any
/// inside, padded with a space when the text starts or ends with a backtick
/// (or is empty, or starts with `#` or `:`, which pymdownx.inlinehilite
/// could read as `#!lang` or `:::lang`). Control characters and Python's line breaks become
/// spaces (one line), and a snippets section marker inside gets the `;`
/// escape that snippets removes again (snippets reads raw lines, code
/// spans included), so the span shows the text as captured.
///
/// Inside a Python-Markdown table cell a code span needs nothing more: the
/// `tables` extension does not split cells at a `|` inside backticks.
pub fn code_span(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if not_on_a_line(c) { ' ' } else { c })
        .collect();
    let text = match section_marker(&flat) {
        Some(at) => Cow::Owned(format!("{};{}", &flat[..at], &flat[at..])),
        None => Cow::Borrowed(flat.as_str()),
    };
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    // A leading `#!` or `:::` would be taken for a language by
    // pymdownx.inlinehilite; a space in front keeps it text.
    let pad = if text.starts_with(['`', '#', ':']) || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Whether `text` is printable ASCII with no `` ` ``, no `"` and no `8<`
/// (which every snippet marker holds): [`code_span`] and [`attr_value`]
/// change nothing inside such a text.
fn is_quiet_ascii(text: &str) -> bool {
    let b = text.as_bytes();
    let mut loud = false;
    for &c in b {
        loud |= !(0x20..0x7f).contains(&c) | (c == b'`') | (c == b'"');
    }
    !loud && memchr::memmem::find(b, b"8<").is_none()
}

/// [`code_span`] of `text`, added to `out` (the usual name or path is
/// printed between single backticks without building a string).
pub fn push_code_span(out: &mut Vec<u8>, text: &str) {
    if !text.is_empty() && !text.starts_with(['#', ':']) && is_quiet_ascii(text) {
        out.push(b'`');
        out.extend_from_slice(text.as_bytes());
        out.push(b'`');
    } else {
        out.extend_from_slice(code_span(text).as_bytes());
    }
}

/// [`attr_value`] of `value`, added to `out`.
pub fn push_attr_value(out: &mut Vec<u8>, value: &str) {
    if is_quiet_ascii(value) {
        out.extend_from_slice(value.as_bytes());
    } else {
        out.extend_from_slice(attr_value(value).as_bytes());
    }
}

/// [`md_text`] of `text`, added to `out`.
pub fn push_md_text(out: &mut Vec<u8>, text: &str) {
    if is_inert_md(text) {
        out.extend_from_slice(text.as_bytes());
    } else {
        out.extend_from_slice(md_text(text).as_bytes());
    }
}

fn longest_backtick_run(text: &str) -> usize {
    // Most text holds no backtick: one SIMD search and done.
    let b = text.as_bytes();
    let mut longest = 0;
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'`', &b[from..]) {
        let start = from + i;
        let run = b[start..].iter().take_while(|&&c| c == b'`').count();
        longest = longest.max(run);
        from = start + run;
    }
    longest
}

/// The shortest run of backticks (at least three) that no line of `lines`
/// can close: one longer than the longest backtick run found (CommonMark).
pub fn fence_for<'a, I: IntoIterator<Item = &'a str>>(lines: I) -> String {
    let longest = lines
        .into_iter()
        .map(longest_backtick_run)
        .max()
        .unwrap_or(0);
    fence_of(longest)
}

/// [`fence_for`] the lines of `text` (a line break is no backtick, so the
/// longest run in the whole text is the longest in any of its lines).
pub fn fence_for_text(text: &str) -> String {
    fence_of(longest_backtick_run(text))
}

fn fence_of(longest: usize) -> String {
    "`".repeat((longest + 1).max(3))
}

/// A value inside a double-quoted attribute of a code fence's info string
/// (`title="..."`), which pymdownx.superfences reads and Pygments prints
/// HTML-escaped (so `<`, `>`, `&` and `'` are shown as they are).
///
/// Guarantees: no `"` (it cannot be written inside the quotes; it becomes
/// `＂`, U+FF02), no backtick (a backtick fence's info string may not hold
/// one in CommonMark; it becomes `｀`, U+FF40), one line (control characters
/// and Python's line breaks are spaces), and a snippets section marker gets
/// the `;` escape snippets removes again: unescaped, snippets would delete
/// the fence's first line, and the block's lines would become Markdown.
pub fn attr_value(value: &str) -> String {
    let flat: String = value
        .chars()
        .map(|c| match c {
            '"' => '\u{FF02}',
            '`' => '\u{FF40}',
            c if not_on_a_line(c) => ' ',
            c => c,
        })
        .collect();
    match section_marker(&flat) {
        Some(at) => format!("{};{}", &flat[..at], &flat[at..]),
        None => flat,
    }
}

/// The YAML front matter that gives a page its title (`title: "..."`), for
/// a page whose first heading is `text`; empty when none is needed.
///
/// MkDocs takes a page's title from its first `#` heading, as HTML text
/// with its entities kept (`&lt;`), and Material writes it into `<title>`
/// through Jinja's `striptags`, which turns the entities back into
/// characters, unescaped: a heading that shows `</title><img onerror=...>`
/// as text becomes markup in the page's head, on every page whose nav
/// lists it. A `title` in the front matter is used instead, as it is,
/// everywhere the title goes (`<title>`, the header, the nav, search):
/// here it is the text HTML-escaped (`&` `<` `>` `"` `'` as entities), so
/// it is shown as typed and never read as markup.
///
/// Guarantees: empty when HTML escaping leaves `text` as it is (the page
/// is then as it always was); otherwise three lines, `---`, `title: "..."`
/// and `---`, whose value is a YAML double-quoted scalar that PyYAML reads
/// back as the HTML-escaped text: `\` and `"` escaped, and every control
/// character, YAML line break (NEL, U+2028, U+2029), BOM and invisible
/// format character as a `\uXXXX` / `\UXXXXXXXX` escape.
pub fn front_matter_title(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    if html == text {
        return String::new();
    }
    let mut out = String::with_capacity(html.len() + 24);
    out.push_str("---\ntitle: \"");
    for c in html.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control()
                || invisible(c)
                || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}') =>
            {
                if u32::from(c) > 0xFFFF {
                    out.push_str(&format!("\\U{:08X}", u32::from(c)));
                } else {
                    out.push_str(&format!("\\u{:04X}", u32::from(c)));
                }
            }
            c => out.push(c),
        }
    }
    out.push_str("\"\n---\n");
    out
}

/// One whole line inside a fenced code block, as pymdownx.snippets (which
/// acts on every line of an included page, code blocks too) will show it.
///
/// Guarantees: once snippets has read the page, the line is shown exactly
/// as `line`, with Python's line breaks (`\r`, `\x0b`, `\x0c`, `\x1c`..`\x1e`,
/// NEL, U+2028, U+2029) shown as control pictures (`␍`, `␋`, `␌`, `␜`, `␝`,
/// `␞`, `␤`), so it neither splits into lines nor includes a file nor is
/// deleted:
///
/// - a line snippets takes whole (`--8<-- "file"`, a bare `--8<--` block
///   marker, whatever the dashes and the `;` already there) gets one more
///   `;`, the escape snippets documents and removes again;
/// - otherwise the first `--8<-- [start:name]`/`[end:name]` section marker
///   gets one more `;` (unescaped, snippets deletes the line). Markers are
///   found the way snippets' case-insensitive regex finds them, with
///   Python's Unicode case folding: `ſtart` (U+017F) is `start`, and a name
///   may hold `K` (U+212A), `ı` (U+0131) and `İ` (U+0130).
///
/// It makes a *whole line* safe: text built from several values on one
/// line must go through it as one value (log.md does).
pub fn code_line(line: &str) -> Cow<'_, str> {
    // Fast path for the usual line: nothing to do. Bodies have millions of
    // lines; this keeps escaping off the profile.
    if is_plain_line(line.as_bytes()) {
        return Cow::Borrowed(line);
    }
    let pictured = picture_breaks(line);
    let at = line_snippet(&pictured).or_else(|| section_marker(&pictured));
    match at {
        Some(at) => Cow::Owned(format!("{};{}", &pictured[..at], &pictured[at..])),
        None => pictured,
    }
}

/// Python's `str.splitlines` breaks (other than `\n`) as visible pictures.
/// Whether a line certainly needs no escape: no control character but a
/// tab, no lead byte of the Unicode line breaks (NEL `C2 85`, U+2028 and
/// U+2029 `E2 80 A8/A9`), and no `8<`, which every snippet marker holds.
/// One branch-free pass over the bytes (the compiler vectorises it), then
/// a `memchr` for `<`.
fn is_plain_line(bytes: &[u8]) -> bool {
    let mut odd = false;
    for &b in bytes {
        odd |= (b < 0x20) & (b != b'\t') | (b == 0x7f) | (b == 0xc2) | (b == 0xe2);
    }
    !odd && !has_snippet_scissors(bytes)
}

/// Whether every line of `text` (split at `\n`) is a line [`code_line`]
/// gives back as it is: `is_plain_line` for the whole text at once, with
/// `\n` allowed (`\r` is not: a CRLF text goes line by line). A body of
/// a million lines is checked in one vectorised pass instead of a million
/// calls.
pub fn is_plain_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut odd = false;
    for &b in bytes {
        odd |= (b < 0x20) & (b != b'\t') & (b != b'\n') | (b == 0x7f) | (b == 0xc2) | (b == 0xe2);
    }
    !odd && !has_snippet_scissors(bytes)
}

/// `8<`, which every snippet marker holds.
fn has_snippet_scissors(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'<', bytes).any(|i| i > 0 && bytes[i - 1] == b'8')
}

fn picture_breaks(line: &str) -> Cow<'_, str> {
    fn picture(c: char) -> Option<char> {
        Some(match c {
            '\r' => '\u{240D}',
            '\x0b' => '\u{240B}',
            '\x0c' => '\u{240C}',
            '\x1c' => '\u{241C}',
            '\x1d' => '\u{241D}',
            '\x1e' => '\u{241E}',
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => '\u{2424}',
            _ => return None,
        })
    }
    if !line.chars().any(|c| picture(c).is_some()) {
        return Cow::Borrowed(line);
    }
    Cow::Owned(line.chars().map(|c| picture(c).unwrap_or(c)).collect())
}

/// Length of a `-+8<-+` marker at the start of `s`, if there is one.
fn marker_len(s: &str) -> Option<usize> {
    let lead = s.bytes().take_while(|&b| b == b'-').count();
    if lead == 0 || !s[lead..].starts_with("8<-") {
        return None;
    }
    let trail = s[lead + 2..].bytes().take_while(|&b| b == b'-').count();
    Some(lead + 2 + trail)
}

/// Where snippets' `RE_ALL_SNIPPETS` (a line it takes whole: blanks, `;`s,
/// then a bare block marker, or a marker, blanks and one quoted path
/// running to the end of the line) puts its escape group, if the line is one.
fn line_snippet(line: &str) -> Option<usize> {
    let blanks = line.len() - line.trim_start_matches([' ', '\t']).len();
    let rest = line[blanks..].trim_start_matches(';');
    let len = marker_len(rest)?;
    let after = &rest[len..];
    if after.is_empty() {
        return Some(blanks);
    }
    let quoted = after.trim_start_matches([' ', '\t']);
    if quoted.len() == after.len() {
        return None;
    }
    let q = quoted.chars().next().filter(|&c| c == '"' || c == '\'')?;
    let inner = quoted[1..].strip_suffix(q)?;
    if inner.is_empty() {
        return None;
    }
    // Every quote inside must be escaped by the backslash right before it.
    let mut prev = None;
    for c in inner.chars() {
        if c == q && prev != Some('\\') {
            return None;
        }
        prev = Some(c);
    }
    Some(blanks)
}

/// Where the escape group of the first section marker of a line starts (the
/// position of its `;` run, or of its dashes when there is none), as
/// snippets' `RE_SNIPPET_SECTION` finds it.
fn section_marker(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    for (i, _) in line.match_indices("8<-") {
        let dashes = bytes[..i].iter().rev().take_while(|&&b| b == b'-').count();
        if dashes == 0 {
            continue;
        }
        let start = i - dashes;
        let Some(len) = marker_len(&line[start..]) else {
            continue;
        };
        if !is_section(&line[start + len..]) {
            continue;
        }
        let semis = bytes[..start]
            .iter()
            .rev()
            .take_while(|&&b| b == b';')
            .count();
        return Some(start - semis);
    }
    None
}

/// Whether `c` matches the ASCII letter `lower` in a Python `re.IGNORECASE`
/// pattern on `str` (CPython's sre: simple lowercase plus its special
/// cases). Beyond ASCII case, this adds exactly: `ſ` (U+017F) for `s`,
/// `K` (KELVIN SIGN, U+212A) for `k`, and `ı` (U+0131) and `İ` (U+0130)
/// for `i`, which is every non-ASCII character such a pattern of ASCII
/// letters matches.
fn folds_to(c: char, lower: char) -> bool {
    c.to_ascii_lowercase() == lower
        || matches!(
            (lower, c),
            ('s', '\u{17F}') | ('k', '\u{212A}') | ('i', '\u{130}') | ('i', '\u{131}')
        )
}

/// `[a-z]` under Python's `re.IGNORECASE` (see [`folds_to`]).
fn section_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{130}' | '\u{131}' | '\u{17F}' | '\u{212A}')
}

/// `[ \t]+\[[ \t]*(start|end)[ \t]*:[ \t]*name[ \t]*\]` after a marker, as
/// Python matches it case-insensitively (`name` = `[a-z][-_0-9a-z]*`).
fn is_section(rest: &str) -> bool {
    let blank = |c: char| c == ' ' || c == '\t';
    let after = rest.trim_start_matches(blank);
    if after.len() == rest.len() {
        return false;
    }
    let Some(inner) = after.strip_prefix('[') else {
        return false;
    };
    let inner = inner.trim_start_matches(blank);
    let kind = |word: &str| -> Option<&str> {
        let mut chars = inner.char_indices();
        for want in word.chars() {
            let (_, c) = chars.next()?;
            if !folds_to(c, want) {
                return None;
            }
        }
        Some(chars.next().map_or("", |(at, _)| &inner[at..]))
    };
    let Some(after_kind) = kind("start").or_else(|| kind("end")) else {
        return false;
    };
    let Some(name) = after_kind.trim_start_matches(blank).strip_prefix(':') else {
        return false;
    };
    let name = name.trim_start_matches(blank);
    if !name.starts_with(section_letter) {
        return false;
    }
    let end = name
        .find(|c: char| !(section_letter(c) || c.is_ascii_digit() || c == '-' || c == '_'))
        .unwrap_or(name.len());
    name[end..].trim_start_matches(blank).starts_with(']')
}

// ---------------------------------------------------------------------------
// Mermaid
// ---------------------------------------------------------------------------

/// Text inside a mermaid sequence diagram line: a message, a note, a block
/// title or a participant label, after the syntax that introduces it.
///
/// Guarantees: one line (control characters and Python's line breaks are
/// spaces); no `;` (a statement break), `#` (a comment), `<` or `>` (HTML,
/// `<br>`) in the output: they are written as mermaid's own entities
/// (`#59;`, `#35;`, `#lt;`, `#gt;`), which mermaid shows as the character,
/// so an entity in the captured text (`#lt;`, `&lt;`) is shown as written;
/// no `%%` (a directive `%%{init: ...}%%` or a comment): a `%` next to
/// another `%`, or at either end of the text, is `#37;`; and `ﬂ` and `¶`
/// (which mermaid uses internally to encode entities) are entities too.
/// No statement (`click`, `link`, `links`, `properties`) can start, as the
/// text never starts a line.
pub fn mermaid_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '%' => {
                let lone =
                    i > 0 && i + 1 < chars.len() && chars[i - 1] != '%' && chars[i + 1] != '%';
                if lone {
                    out.push('%');
                } else {
                    out.push_str("#37;");
                }
            }
            '\u{FB02}' => out.push_str("#64258;"),
            '\u{B6}' => out.push_str("#182;"),
            c if not_on_a_line(c) || c == '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to at most `max` characters: its head and tail around `…`.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    let count = text.chars().count();
    if count <= max {
        return Cow::Borrowed(text);
    }
    let keep = max.saturating_sub(1);
    let head = keep - keep / 3;
    let tail = keep - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    Cow::Owned(out)
}

/// What diagram.md prints for a piece of text: [`mermaid_text`] of the text
/// shortened to [`MERMAID_LABEL_MAX`] characters. At most
/// `MERMAID_LABEL_MAX * MERMAID_CHAR_MAX_BYTES` bytes long.
pub fn mermaid_label(text: &str) -> String {
    mermaid_text(&shorten(text, MERMAID_LABEL_MAX))
}

// ---------------------------------------------------------------------------
// Link targets
// ---------------------------------------------------------------------------

/// A link target written by tracedoc (`[title](url)`).
///
/// Guarantees: the target cannot end early or grow a title or attributes
/// (whitespace, `(`, `)`, `<`, `>`, `"`, `'`, `` ` ``, `\`, control characters,
/// Python's line breaks and invisible format characters are
/// percent-encoded), and it runs no script: a target whose scheme is not
/// `http`, `https` or `mailto` (`javascript:`, `data:`) is made relative
/// with `./` in front. An ordinary `https://` URL is returned unchanged.
pub fn url(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    let end = target.find(['/', '?', '#']).unwrap_or(target.len());
    if let Some(colon) = target[..end].find(':') {
        let scheme = &target[..colon];
        if !["http", "https", "mailto"]
            .iter()
            .any(|s| scheme.eq_ignore_ascii_case(s))
        {
            out.push_str("./");
        }
    }
    for c in target.chars() {
        let encode = matches!(c, '(' | ')' | '<' | '>' | '"' | '\'' | '`' | '\\')
            || c.is_whitespace()
            || not_on_a_line(c)
            || invisible(c);
        if encode {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The site owner's Markdown (notes.md)
// ---------------------------------------------------------------------------

/// Lines of Markdown someone other than the site owner may have written
/// (a `notes.md` dropped next to a capture), kept Markdown (emphasis,
/// lists, code, admonitions, links to web pages) but without anything that
/// runs, fetches or includes.
///
/// Guarantees, for Python-Markdown with pymdown-extensions and attr_list:
/// - no raw HTML: every `<` outside a code span or a backtick fence is
///   written `&lt;` (shown as `<`);
/// - no attributes: every `{` outside code is written `\{`;
/// - a link runs no script: an inline link or reference definition whose
///   target is not `http(s):`, `mailto:`, an anchor or a relative path
///   without `:` or `&` before its first `/` is broken (`]\(`, `\[`);
/// - nothing is fetched: every image but an inline one with a relative
///   target is broken (`!\[`);
/// - no snippet include or section marker (escaped like [`code_line`],
///   on every line, since snippets reads lines before Markdown does);
/// - no mermaid directive in a `mermaid` fence (`%%{` becomes `%% {`).
pub fn owner_markdown(lines: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    // The open fence: its character run, and whether it draws mermaid.
    let mut fence: Option<(String, bool)> = None;
    for line in lines {
        let at = line_snippet(line).or_else(|| section_marker(line));
        let line: Cow<'_, str> = match at {
            Some(at) => Cow::Owned(format!("{};{}", &line[..at], &line[at..])),
            None => Cow::Borrowed(line.as_str()),
        };
        let trimmed = line.trim_start();
        let run = trimmed.bytes().take_while(|&b| b == b'`').count();
        match &fence {
            Some((open, mermaid)) => {
                if run >= open.len() && trimmed.trim_end().len() == run {
                    fence = None;
                    out.push(line.into_owned());
                } else if *mermaid {
                    out.push(line.replace("%%{", "%% {"));
                } else {
                    out.push(line.into_owned());
                }
            }
            None if run >= 3 => {
                let info = trimmed[run..].trim_start().to_ascii_lowercase();
                let mermaid = info.starts_with("mermaid") || info.contains("mermaid");
                fence = Some(("`".repeat(run), mermaid));
                // The info string is the owner's too: no `<` or `{` there
                // (superfences reads attributes in braces).
                let indent = &line[..line.len() - trimmed.len()];
                let rest = owner_text(&trimmed[run..]);
                out.push(format!("{indent}{}{rest}", "`".repeat(run)));
            }
            None => out.push(owner_text(&line)),
        }
    }
    out
}

/// One line of the owner's Markdown outside fences (see [`owner_markdown`]).
fn owner_text(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    // A reference definition whose target may run script is no definition.
    let lead = line.len() - line.trim_start_matches(' ').len();
    if line[lead..].starts_with('[') {
        if let Some(close) = line[lead..].find("]:") {
            let target = line[lead + close + 2..].trim_start();
            if !safe_link(target.trim_start_matches('<')) {
                out.push_str(&line[..lead]);
                out.push('\\');
                return owner_inline(&line[lead..], out);
            }
        }
    }
    owner_inline(line, out)
}

fn owner_inline(line: &str, mut out: String) -> String {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'`' => {
                // A code span as Python-Markdown finds it: a run of
                // backticks not after a backslash, closed by a run of the
                // same length; its text is escaped by Markdown itself.
                let run = bytes[i..].iter().take_while(|&&c| c == b'`').count();
                let escaped = i > 0 && bytes[i - 1] == b'\\';
                let close = (!escaped)
                    .then(|| closing_run(&bytes[i + run..], run))
                    .flatten();
                match close {
                    Some(end) => {
                        let stop = i + run + end + run;
                        out.push_str(&line[i..stop]);
                        i = stop;
                    }
                    None => {
                        out.push_str(&line[i..i + run]);
                        i += run;
                    }
                }
                continue;
            }
            b'<' => out.push_str("&lt;"),
            b'{' => out.push_str("\\{"),
            b'!' if bytes.get(i + 1) == Some(&b'[') => {
                // Only `![alt](target)`, the `]` closing this `[`.
                let close = line[i + 1..]
                    .find(']')
                    .filter(|&close| line[i + 1 + close..].starts_with("]("))
                    .map(|close| i + 1 + close);
                let target = close.and_then(|c| inline_target(&line[c..]));
                if target.is_some_and(|t| safe_link(t) && relative(t)) {
                    out.push('!');
                } else if let Some(end) = close.and_then(|c| line[c..].find(')').map(|e| c + e + 1))
                {
                    // Shown as code: no image, and no bare address that a
                    // link extension (magiclink) would turn into a link.
                    out.push_str(&code_span(&line[i..end]));
                    i = end;
                    continue;
                } else {
                    out.push_str("!\\");
                }
            }
            b']' if bytes.get(i + 1) == Some(&b'(') => {
                let target = inline_target(&line[i..]).unwrap_or("");
                out.push(']');
                if !safe_link(target) {
                    out.push('\\');
                }
            }
            _ => {
                let c = line[i..].chars().next().unwrap_or('\u{fffd}');
                out.push(c);
                i += c.len_utf8();
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Where a run of exactly `run` backticks starts in `rest`, if one does.
fn closing_run(rest: &[u8], run: usize) -> Option<usize> {
    let mut j = 0;
    while j < rest.len() {
        if rest[j] == b'`' {
            let n = rest[j..].iter().take_while(|&&c| c == b'`').count();
            if n == run {
                return Some(j);
            }
            j += n;
        } else {
            j += 1;
        }
    }
    None
}

/// The target of an inline link whose text ends at the `]` that `s` holds
/// (`[text](target "title")` from its `[`, or `](target)`).
/// The whole text up to the first `)` is taken: a target split by blanks
/// or control characters (`javascrip\tt:`, which a browser joins again)
/// is judged joined.
fn inline_target(s: &str) -> Option<&str> {
    let open = s.find("](")?;
    let rest = s[open + 2..].trim_start();
    let rest = rest.strip_prefix('<').unwrap_or(rest);
    let end = rest.find([')', '>']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// A link target as a browser follows it: blanks, control and invisible
/// characters taken out (browsers drop them from a URL), lower case.
fn joined_target(target: &str) -> String {
    target
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && !invisible(*c))
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Whether a link target runs no script when followed.
fn safe_link(target: &str) -> bool {
    let t = joined_target(target);
    if ["http://", "https://", "mailto:", "#", "/", "./", "../"]
        .iter()
        .any(|p| t.starts_with(p))
    {
        return !t.starts_with("//");
    }
    let head = &t[..t.find(['/', '?', '#']).unwrap_or(t.len())];
    !head.contains([':', '&', '\\']) && !t.chars().any(|c| c.is_control())
}

/// Whether a target stays on the site (an image there fetches nothing
/// from elsewhere).
fn relative(target: &str) -> bool {
    let t = joined_target(target);
    !(t.starts_with("http:") || t.starts_with("https:") || t.starts_with("//") || t.contains(':'))
}

// ---------------------------------------------------------------------------
// Terminal
// ---------------------------------------------------------------------------

/// Invisible format characters a terminal (or a reader) can be fooled by:
/// bidirectional controls, zero-width characters, the Unicode line and
/// paragraph separators, interlinear annotations and tag characters.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{61C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Text printed to a terminal (warnings, errors, summaries) that came from
/// input: capture text, file and folder names, config values.
///
/// Guarantees: no control character (C0 including `\n` and `\t`, DEL, C1)
/// and no invisible or bidirectional format character reaches the
/// terminal: controls are written `\x1b`, the others `\u{202e}`. Everything
/// else, backslashes included, is printed as it is (so the escape is
/// idempotent: escaping twice changes nothing more).
pub fn terminal(text: &str) -> Cow<'_, str> {
    let control = |c: char| c.is_control();
    if !text.chars().any(|c| control(c) || invisible(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if control(c) {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else if invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text printed to a terminal (`render --context`, `graph`): the same
/// characters [`terminal`] escapes, written as JSON `\uXXXX` escapes. The
/// JSON stays valid and means the same, as such characters can only occur
/// inside its strings.
pub fn terminal_json(json: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| (c.is_control() && !matches!(c, '\n' | '\t')) || invisible(c);
    if !json.chars().any(unsafe_char) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unsafe_char(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    fn owner(lines: &[&str]) -> Vec<String> {
        let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        owner_markdown(&lines)
    }

    #[test]
    fn owner_markdown_keeps_markdown_and_code() {
        let kept = [
            "**Note**: glance stores the image in `swift` first.",
            "See [the api-ref](https://docs.openstack.org/api-ref/image/v2/) and [step 3](#step-3).",
            "- a list item with `<code>` and a [relative link](../other/index.md)",
            "![diagram](img/flow.png)",
            "!!! tip \"Why\"",
        ];
        for line in kept {
            assert_eq!(owner(&[line]), vec![line.to_string()], "{line}");
        }
        let fenced = ["```python", "x = '<b>' if a < b else {}", "```"];
        assert_eq!(owner(&fenced), fenced.to_vec());
    }

    #[test]
    fn owner_markdown_drops_what_runs_fetches_or_includes() {
        let cases = [
            (
                "<script>alert(1)</script>",
                "&lt;script>alert(1)&lt;/script>",
            ),
            (
                "<img src=x onerror=alert(1)>",
                "&lt;img src=x onerror=alert(1)>",
            ),
            ("text { onclick=\"x\" }", "text \\{ onclick=\"x\" }"),
            ("[me](javascript:alert(1))", "[me]\\(javascript:alert(1))"),
            (
                "[me](JaVaScRiPt&#58;alert(1))",
                "[me]\\(JaVaScRiPt&#58;alert(1))",
            ),
            ("[me]( data:text/html,x)", "[me]\\( data:text/html,x)"),
            ("[x]: javascript:alert(1)", "\\[x]: javascript:alert(1)"),
            (
                "[a]( javascrip\tt:alert(1))",
                "[a]\\( javascrip\tt:alert(1))",
            ),
            ("[y]: javascrip\tt:alert(1)", "\\[y]: javascrip\tt:alert(1)"),
            (" ](javascrip\u{b}\u{b}t:", " ]\\(javascrip\u{b}\u{b}t:"),
            (
                "![t](http://evil.example/x.png)",
                "`![t](http://evil.example/x.png)`",
            ),
            ("![t](//evil.example/x.png)", "`![t](//evil.example/x.png)`"),
            ("![t][ref]", "!\\[t][ref]"),
            ("`a` <b>", "`a` &lt;b>"),
            ("\\`<b>`", "\\`&lt;b>`"),
        ];
        for (line, want) in cases {
            assert_eq!(owner(&[line]), vec![want.to_string()], "{line}");
        }
        // Snippets reads every line, fenced or not.
        let out = owner(&["--8<-- \"mkdocs.yml\"", "```", "--8<-- \"x\"", "```"]);
        assert_eq!(out[0], ";--8&lt;-- \"mkdocs.yml\"");
        assert_eq!(out[2], ";--8<-- \"x\"");
        // A mermaid fence takes no directive.
        let out = owner(&["```mermaid", "%%{init: {'themeCSS': 'x'}}%%", "```"]);
        assert_eq!(out[1], "%% {init: {'themeCSS': 'x'}}%%");
        // Nor does a fence's info string carry attributes or tags.
        let out = owner(&["``` { onclick=x } <b>", "y", "```"]);
        assert_eq!(out[0], "``` \\{ onclick=x } &lt;b>");
    }

    use super::*;

    #[test]
    fn ordinary_titles_are_untouched() {
        for t in [
            "GET /identity/",
            "300 MULTIPLE CHOICES /identity/",
            "PUT /v1/AUTH_7c4cda7e4807414bbdfcb22b535a9802/glance/7d29b113-3248-4052-be42-aefdfa1758cf",
            "204 No Content /v2/images/7d29b113-3248-4052-be42-aefdfa1758cf/file",
            "GET /v2/images?limit=2&marker=x",
            "GET /placement/allocation_candidates",
            "API 참조",
            "Password authentication with scoped authorization",
        ] {
            assert_eq!(md_text(t), t);
            assert_eq!(table_cell(t), t);
            assert_eq!(attr_value(t), t);
            assert_eq!(mermaid_text(t), t);
            assert_eq!(code_line(t), t);
        }
    }

    #[test]
    fn md_text_cannot_inject() {
        assert_eq!(
            md_text("GET /<script>x</script>"),
            "GET /&lt;script&gt;x&lt;/script&gt;"
        );
        assert_eq!(
            md_text("GET /[a](javascript:x)"),
            "GET /\\[a\\](javascript:x)"
        );
        assert_eq!(md_text("GET /a {: onclick=x}"), "GET /a \\{: onclick=x\\}");
        assert_eq!(md_text("GET /a\nb"), "GET /a b");
        assert_eq!(
            md_text("GET /`x` *y* ![i](u)"),
            "GET /\\`x\\` \\*y\\* \\!\\[i\\](u)"
        );
        assert_eq!(md_text("a &lt; b & c"), "a &amp;lt; b & c");
        assert_eq!(md_text("&#60;"), "&amp;\\#60;");
        assert_eq!(md_text("say \"hi\""), "say &quot;hi&quot;");
    }

    #[test]
    fn md_text_underscores_only_at_word_edges() {
        assert_eq!(md_text("AUTH_7c4c"), "AUTH_7c4c");
        assert_eq!(md_text("a__b"), "a__b");
        assert_eq!(md_text("/_x_/"), "/\\_x\\_/");
        assert_eq!(md_text("__init__"), "\\_\\_init\\_\\_");
        assert_eq!(md_text("é_x"), "é\\_x");
    }

    #[test]
    fn md_text_breaks_extension_syntax() {
        assert_eq!(md_text("~~del~~"), "&#126;&#126;del&#126;&#126;");
        assert_eq!(md_text("~sub~"), "&#126;sub&#126;");
        assert_eq!(md_text("a==b"), "a=&#61;b");
        assert_eq!(md_text("++ctrl+alt++"), "\\+&#43;ctrl+alt+&#43;");
        assert_eq!(md_text("^^x^^"), "&#94;&#94;x&#94;&#94;");
        assert_eq!(md_text("http://evil/x"), "http&#58;//evil/x");
        assert_eq!(md_text("see www.evil.example"), "see www&#46;evil.example");
        assert_eq!(md_text("a :smile: b"), "a &#58;smile: b");
        assert_eq!(md_text("me@evil.example"), "me&#64;evil.example");
        assert_eq!(md_text("a:b"), "a:b");
    }

    #[test]
    fn md_text_cannot_open_a_block_at_line_start() {
        assert_eq!(md_text("- x"), "\\- x");
        assert_eq!(md_text("+ x"), "\\+ x");
        assert_eq!(md_text("1. x"), "1\\. x");
        assert_eq!(md_text("12) x"), "12\\) x");
        assert_eq!(md_text("=== \"t\""), "&#61;&#61;&#61; &quot;t&quot;");
        assert_eq!(md_text("??? note"), "&#63;?? note");
        assert_eq!(md_text(": def"), "&#58; def");
        assert_eq!(md_text("200 OK"), "200 OK");
        assert_eq!(md_text("1.0"), "1\\.0");
    }

    #[test]
    fn cells_stay_in_their_column() {
        assert_eq!(table_cell("a|b<i>"), "a\\|b&lt;i&gt;");
        assert_eq!(md_text("a|b"), "a|b");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code_span("glance-api"), "`glance-api`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span(""), "`  `");
        assert_eq!(code_span("#!js x"), "` #!js x `");
        assert_eq!(code_span("a\nb"), "`a b`");
        assert_eq!(code_span("x --8<-- [start:y]"), "`x ;--8<-- [start:y]`");
    }

    proptest::proptest! {
        /// The shortcut of `push_md` prints what the rules would.
        #[test]
        fn inert_text_is_what_the_rules_print(s in "[ ]{0,2}[-1]?[A-Za-z0-9 /,;%'(.:_-]{0,24}") {
            if is_inert_md(&s) {
                for cell in [false, true] {
                    let mut slow = String::new();
                    push_md_chars(&mut slow, &s, cell);
                    proptest::prop_assert_eq!(&slow, &s);
                }
            }
        }
    }

    proptest::proptest! {
        /// The shortcuts that print into a buffer print what the escapes
        /// give: texts of the characters around their edges (`#`, `:`,
        /// backticks, quotes, `8<`, controls, non-ASCII).
        #[test]
        fn pushed_spans_and_attributes_are_the_escaped_ones(s in "[-#:`\"8<a /\t\u{7f}\u{e9}\u{2028}]{0,12}") {
            let mut out = Vec::new();
            push_code_span(&mut out, &s);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), code_span(&s));
            let mut out = Vec::new();
            push_attr_value(&mut out, &s);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), attr_value(&s));
            let mut out = Vec::new();
            push_md_text(&mut out, &s);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), md_text(&s));
        }
    }

    #[test]
    fn fences_outgrow_backtick_runs() {
        assert_eq!(fence_for(["plain"]), "```");
        assert_eq!(fence_for(["a ``` b"]), "````");
        assert_eq!(fence_for(["``", "`````"]), "``````");
    }

    #[test]
    fn attributes_cannot_break_out() {
        assert_eq!(
            attr_value("GET /a\" onload=\"x"),
            "GET /a\u{FF02} onload=\u{FF02}x"
        );
        assert_eq!(attr_value("a\nb`c"), "a b\u{FF40}c");
        assert_eq!(attr_value("GET /<b>&amp;"), "GET /<b>&amp;");
        assert_eq!(
            attr_value("GET /a--8<-- [start:b]"),
            "GET /a;--8<-- [start:b]"
        );
    }

    #[test]
    fn snippet_lines_are_escaped() {
        assert_eq!(code_line("--8<-- \"index.md\""), ";--8<-- \"index.md\"");
        assert_eq!(code_line("  -8<- 'x'"), "  ;-8<- 'x'");
        assert_eq!(code_line("--8<--"), ";--8<--");
        assert_eq!(code_line(";--8<-- \"a\""), ";;--8<-- \"a\"");
        assert_eq!(code_line("\t---8<---"), "\t;---8<---");
        assert_eq!(code_line("x --8<-- \"a\""), "x --8<-- \"a\"");
        assert_eq!(code_line("8<--"), "8<--");
        assert_eq!(code_line("--8<"), "--8<");
        // Not a line snippets takes: shown as it is, no `;` added.
        assert_eq!(code_line("--8<-- foo"), "--8<-- foo");
        assert_eq!(code_line("--8<-- \"a\" b"), "--8<-- \"a\" b");
        assert_eq!(code_line("--8<-- \"a\\\"b\""), ";--8<-- \"a\\\"b\"");
    }

    #[test]
    fn line_breaks_python_sees_cannot_smuggle_a_marker() {
        // Found while fuzzing the render path: snippets reads an included
        // page in text mode, so a lone `\r` in a body line started a new
        // line there and `--8<-- "index.md"` after it included the file.
        assert_eq!(
            code_line("abc\r--8<-- \"index.md\""),
            "abc\u{240D}--8<-- \"index.md\""
        );
        assert_eq!(code_line("\x0b--8<--"), "\u{240B}--8<--");
        assert_eq!(code_line("a\u{2028}b\u{85}c"), "a\u{2424}b\u{2424}c");
    }

    #[test]
    fn section_markers_keep_their_line() {
        // Unescaped, snippets deletes any line holding one of these.
        assert_eq!(
            code_line("foo --8<-- [start:sec] bar"),
            "foo ;--8<-- [start:sec] bar"
        );
        assert_eq!(code_line("x;-8<-\t[ END : a_1 ]"), "x;;-8<-\t[ END : a_1 ]");
        assert_eq!(code_line("--8<-- [start:s]"), ";--8<-- [start:s]");
        assert_eq!(
            code_line("--8<-- \"a\" --8<-- [end:s]"),
            "--8<-- \"a\" ;--8<-- [end:s]"
        );
        // A whole-line include is unescaped whole: nothing inside it counts.
        assert_eq!(
            code_line("--8<-- \"a --8<-- [end:s]\""),
            ";--8<-- \"a --8<-- [end:s]\""
        );
        assert_eq!(code_line("--8<-- [start:1x]"), "--8<-- [start:1x]");
        assert_eq!(code_line("a --8<-- [start:1x]"), "a --8<-- [start:1x]");
    }

    /// Issue 7 item 12: Python's `re.IGNORECASE` on `str` is Unicode-aware,
    /// so snippets takes these as section markers and deletes their line.
    #[test]
    fn section_markers_spelled_with_unicode_case_folds() {
        // `ſ` (U+017F LATIN SMALL LETTER LONG S) matches `s` in `start`.
        assert_eq!(code_line("--8<-- [ſtart:x]"), ";--8<-- [ſtart:x]");
        assert_eq!(code_line("a --8<-- [ſTART:x]"), "a ;--8<-- [ſTART:x]");
        // KELVIN SIGN (U+212A) matches `k` in a name, first or later.
        assert_eq!(
            code_line("a --8<-- [end:\u{212A}]"),
            "a ;--8<-- [end:\u{212A}]"
        );
        assert_eq!(
            code_line("a --8<-- [end:o\u{212A}]"),
            "a ;--8<-- [end:o\u{212A}]"
        );
        // Dotless `ı` (U+0131) and dotted `İ` (U+0130) match `i`.
        assert_eq!(
            code_line("a --8<-- [start:\u{131}d]"),
            "a ;--8<-- [start:\u{131}d]"
        );
        assert_eq!(
            code_line("a --8<-- [end:x\u{130}]"),
            "a ;--8<-- [end:x\u{130}]"
        );
        // Other lookalikes do not match in Python, and are left alone.
        assert_eq!(code_line("a --8<-- [ｓtart:x]"), "a --8<-- [ｓtart:x]");
        assert_eq!(code_line("a --8<-- [start:é]"), "a --8<-- [start:é]");
        assert_eq!(code_line("a --8<-- [ènd:x]"), "a --8<-- [ènd:x]");
    }

    #[test]
    fn mermaid_text_has_no_syntax() {
        assert_eq!(
            mermaid_text("GET /a;b#c<br>\nx"),
            "GET /a#59;b#35;c#lt;br#gt; x"
        );
        assert_eq!(
            mermaid_text("/%%{init: {}}%%"),
            "/#37;#37;{init: {}}#37;#37;"
        );
        assert_eq!(mermaid_text("50%"), "50#37;");
        assert_eq!(mermaid_text("%20"), "#37;20");
        assert_eq!(mermaid_text("a%20b"), "a%20b");
        assert_eq!(mermaid_text("\u{FB02}°lt¶ß"), "#64258;°lt#182;ß");
    }

    #[test]
    fn long_labels_keep_head_and_tail() {
        let long: String = "a".repeat(150) + &"b".repeat(150);
        let short = shorten(&long, MERMAID_LABEL_MAX);
        assert_eq!(short.chars().count(), MERMAID_LABEL_MAX);
        assert!(short.starts_with("aaa") && short.ends_with("bbb"));
        assert!(short.contains('…'));
        assert_eq!(shorten("abc", 3), "abc");
    }

    #[test]
    fn urls_stay_links_and_never_run_script() {
        let u = "https://docs.openstack.org/api-ref/image/v2/index.html#create-image";
        assert_eq!(url(u), u);
        assert_eq!(url("javascript:alert(1)"), "./javascript:alert%281%29");
        assert_eq!(url("JaVaScRiPt:x"), "./JaVaScRiPt:x");
        assert_eq!(url("https://h/a b\")"), "https://h/a%20b%22%29");
        assert_eq!(url("/relative#x"), "/relative#x");
    }

    #[test]
    fn terminal_text_has_no_controls() {
        assert_eq!(terminal("plain"), "plain");
        assert_eq!(terminal("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(terminal("x\u{202e}y\n"), "x\\u{202e}y\\x0a");
        assert_eq!(terminal("\u{9b}"), "\\x9b");
        assert_eq!(terminal(&terminal("\x07")), "\\x07");
        assert_eq!(
            terminal_json("{\"a\": \"\u{202e}\u{9b}\"}\n"),
            "{\"a\": \"\\u202e\\u009b\"}\n"
        );
        assert_eq!(terminal_json("\u{E0041}"), "\\udb40\\udc41");
    }
}
