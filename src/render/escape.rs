//! Making captured text safe inside Markdown, pymdownx and mermaid.
//!
//! Captured bytes end up inside pages that several interpreters read. Each
//! function here neutralises one way captured text could change the page
//! instead of being shown: code fences that close early, snippet lines that
//! include files, attribute values that break out of `title="..."`.

/// The shortest run of backticks (at least three) that no line of `lines`
/// can close: one longer than the longest backtick run found (CommonMark).
pub fn fence_for<'a, I: IntoIterator<Item = &'a str>>(lines: I) -> String {
    let mut longest = 0;
    for line in lines {
        let mut run = 0;
        for b in line.bytes() {
            if b == b'`' {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// Makes one captured line inert for pymdownx.snippets, which runs on
/// every line of an included page, inside code blocks too:
///
/// - characters that Python reads as line breaks when snippets includes a
///   file (`\r`, `\x0b`, `\x0c`, `\x1c`..`\x1e`, NEL, U+2028, U+2029) are
///   shown as control pictures (`␍`, `␋`, `␌`, `␜`, `␝`, `␞`, `␤`), so a
///   captured line can neither start a new output line nor smuggle an
///   include in after one;
/// - a line that starts with a snippet marker (`--8<-- "file"`, a bare
///   `--8<--`, any number of dashes) gets one more `;`, the escape snippets
///   documents; it removes one `;` again, so the page shows the line as
///   captured (already-escaped lines included);
/// - the first `--8<-- [start:name]`/`[end:name]` section marker anywhere in
///   the line gets one more `;` too: unescaped, snippets deletes the line.
pub fn snippet_safe(line: &str) -> std::borrow::Cow<'_, str> {
    // Fast path for the usual line (printable ASCII, no `8<`): nothing to do.
    // Bodies have millions of lines; this keeps escaping off the profile.
    if line
        .bytes()
        .all(|b| (0x20..0x80).contains(&b) || b == b'\t')
        && memchr::memmem::find(line.as_bytes(), b"8<").is_none()
    {
        return std::borrow::Cow::Borrowed(line);
    }
    let pictured = picture_breaks(line);
    let text: &str = &pictured;
    let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
    let marker_at_start = marker_len(text[indent..].trim_start_matches(';')).is_some();
    // A line snippets takes whole (an include or a block marker) is
    // unescaped whole: its section markers are never looked at.
    let whole_line = marker_at_start && is_line_snippet(text[indent..].trim_start_matches(';'));
    let section = if whole_line {
        None
    } else {
        first_section_marker(text)
    };
    let mut inserts: Vec<usize> = Vec::new();
    if marker_at_start {
        inserts.push(indent);
    }
    if let Some(at) = section {
        if !inserts.contains(&at) {
            inserts.push(at);
        }
    }
    if inserts.is_empty() {
        return pictured;
    }
    let mut out = String::with_capacity(text.len() + inserts.len());
    let mut last = 0;
    inserts.sort_unstable();
    for at in inserts {
        out.push_str(&text[last..at]);
        out.push(';');
        last = at;
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// Python's `str.splitlines` breaks (other than `\n`) as visible pictures.
fn picture_breaks(line: &str) -> std::borrow::Cow<'_, str> {
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
        return std::borrow::Cow::Borrowed(line);
    }
    std::borrow::Cow::Owned(line.chars().map(|c| picture(c).unwrap_or(c)).collect())
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

/// Whether `s` (a line from its marker on) is a whole-line snippet for
/// snippets' `RE_ALL_SNIPPETS`: a bare block marker, or a marker, blanks and
/// one quoted path running to the end of the line.
fn is_line_snippet(s: &str) -> bool {
    let Some(len) = marker_len(s) else {
        return false;
    };
    let rest = &s[len..];
    if rest.is_empty() {
        return true;
    }
    let quoted = rest.trim_start_matches([' ', '\t']);
    if quoted.len() == rest.len() {
        return false;
    }
    let Some(q) = quoted.chars().next().filter(|&c| c == '"' || c == '\'') else {
        return false;
    };
    let Some(inner) = quoted[1..].strip_suffix(q) else {
        return false;
    };
    if inner.is_empty() {
        return false;
    }
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&q) {
            chars.next();
        } else if c == q {
            return false;
        }
    }
    true
}

/// Where the escape of the first section marker of a line starts (the
/// position of its `;` run, or of its dashes when there is none), as
/// snippets' `RE_SNIPPET_SECTION` finds it.
fn first_section_marker(line: &str) -> Option<usize> {
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

/// `[ \t]+\[[ \t]*(start|end)[ \t]*:[ \t]*name[ \t]*\]` after a marker
/// (case-insensitive, `name` = `[a-z][-_0-9a-z]*`).
fn is_section(rest: &str) -> bool {
    let after = rest.trim_start_matches([' ', '\t']);
    if after.len() == rest.len() {
        return false;
    }
    let Some(inner) = after.strip_prefix('[') else {
        return false;
    };
    let inner = inner.trim_start_matches([' ', '\t']);
    let lower = inner.get(..5).map(str::to_ascii_lowercase);
    let after_kind = if lower.as_deref() == Some("start") {
        &inner[5..]
    } else if inner
        .get(..3)
        .is_some_and(|k| k.eq_ignore_ascii_case("end"))
    {
        &inner[3..]
    } else {
        return false;
    };
    let Some(name) = after_kind.trim_start_matches([' ', '\t']).strip_prefix(':') else {
        return false;
    };
    let name = name.trim_start_matches([' ', '\t']);
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return false;
    }
    let end = name
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(name.len());
    name[end..].trim_start_matches([' ', '\t']).starts_with(']')
}

/// A value safe inside a double-quoted attribute (`title="..."`) on one line.
pub fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A backtick in a fence's info string makes it no fence at all
            // (CommonMark), and the code below would be read as Markdown.
            '`' => out.push_str("&#96;"),
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Text safe on one Markdown line (headings, list items): no line breaks,
/// no control characters. Markdown syntax inside stays literal text because
/// the title is shown in a heading, where only a newline could escape.
///
/// Unicode line and paragraph separators become spaces too (Python splits
/// lines on them), and a snippets section marker gets its `;` escape: the
/// value sits inside a line snippets reads.
pub fn one_line(value: &str) -> String {
    let flat: String = value
        .chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    match first_section_marker(&flat) {
        Some(at) => format!("{};{}", &flat[..at], &flat[at..]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_backtick_runs() {
        assert_eq!(fence_for(["plain"]), "```");
        assert_eq!(fence_for(["a ``` b"]), "````");
        assert_eq!(fence_for(["``", "`````"]), "``````");
    }

    #[test]
    fn snippet_markers_are_escaped() {
        assert_eq!(snippet_safe("--8<-- \"index.md\""), ";--8<-- \"index.md\"");
        assert_eq!(snippet_safe("  -8<- 'x'"), "  ;-8<- 'x'");
        assert_eq!(snippet_safe("--8<--"), ";--8<--");
        assert_eq!(snippet_safe(";--8<-- \"a\""), ";;--8<-- \"a\"");
        assert_eq!(snippet_safe("\t---8<---"), "\t;---8<---");
        assert_eq!(snippet_safe("x --8<-- \"a\""), "x --8<-- \"a\"");
        assert_eq!(snippet_safe("8<--"), "8<--");
        assert_eq!(snippet_safe("--8<"), "--8<");
    }

    #[test]
    fn line_breaks_python_sees_cannot_smuggle_a_marker() {
        // Found while fuzzing the render path: snippets reads an included
        // page in text mode, so a lone `\r` in a body line started a new
        // line there and `--8<-- "index.md"` after it included the file.
        assert_eq!(
            snippet_safe("abc\r--8<-- \"index.md\""),
            "abc\u{240D}--8<-- \"index.md\""
        );
        assert_eq!(snippet_safe("\x0b--8<--"), "\u{240B}--8<--");
        assert_eq!(snippet_safe("a\u{2028}b\u{85}c"), "a\u{2424}b\u{2424}c");
        assert_eq!(one_line("a\u{2028}b"), "a b");
    }

    #[test]
    fn section_markers_keep_their_line() {
        // Unescaped, snippets deletes any line holding one of these.
        assert_eq!(
            snippet_safe("foo --8<-- [start:sec] bar"),
            "foo ;--8<-- [start:sec] bar"
        );
        assert_eq!(
            snippet_safe("x;-8<-\t[ END : a_1 ]"),
            "x;;-8<-\t[ END : a_1 ]"
        );
        assert_eq!(snippet_safe("--8<-- [start:s]"), ";--8<-- [start:s]");
        assert_eq!(
            snippet_safe("--8<-- \"a\" --8<-- [end:s]"),
            ";--8<-- \"a\" ;--8<-- [end:s]"
        );
        // A whole-line include is unescaped whole: nothing inside it counts.
        assert_eq!(
            snippet_safe("--8<-- \"a --8<-- [end:s]\""),
            ";--8<-- \"a --8<-- [end:s]\""
        );
        assert_eq!(snippet_safe("--8<-- [start:1x]"), ";--8<-- [start:1x]");
        assert_eq!(snippet_safe("a --8<-- [start:1x]"), "a --8<-- [start:1x]");
        assert_eq!(
            one_line("GET /a--8<-- [start:b]"),
            "GET /a;--8<-- [start:b]"
        );
    }

    #[test]
    fn attributes_cannot_break_out() {
        assert_eq!(attr("GET /a\" onload=\"x"), "GET /a&quot; onload=&quot;x");
        assert_eq!(attr("a\nb"), "a b");
        assert_eq!(one_line("a\rb\u{7}"), "a b ");
    }
}
