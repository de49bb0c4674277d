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

/// Escapes a line that pymdownx.snippets would treat as an include
/// (`--8<-- "file"`, a bare `--8<--` block marker, any number of dashes),
/// the way snippets documents: one more `;` before the marker. Snippets
/// removes one `;` from an escaped marker, so already-escaped lines stay
/// exactly as captured once rendered.
pub fn snippet_safe(line: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = line.trim_start_matches([' ', '\t']);
    let marker = trimmed.trim_start_matches(';');
    if is_snippet_marker(marker) {
        let indent = line.len() - trimmed.len();
        let mut out = String::with_capacity(line.len() + 1);
        out.push_str(&line[..indent]);
        out.push(';');
        out.push_str(trimmed);
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(line)
    }
}

/// `-+8<-+` at the start of `s`.
fn is_snippet_marker(s: &str) -> bool {
    let dashes = s.bytes().take_while(|&b| b == b'-').count();
    if dashes == 0 {
        return false;
    }
    let rest = &s[dashes..];
    let Some(rest) = rest.strip_prefix("8<") else {
        return false;
    };
    rest.starts_with('-')
}

/// A value safe inside a double-quoted attribute (`title="..."`) on one line.
pub fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
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
pub fn one_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
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
    fn attributes_cannot_break_out() {
        assert_eq!(attr("GET /a\" onload=\"x"), "GET /a&quot; onload=&quot;x");
        assert_eq!(attr("a\nb"), "a b");
        assert_eq!(one_line("a\rb\u{7}"), "a b ");
    }
}
