//! Captured text inside Markdown lines: headings, code spans, table cells.
//!
//! Titles and names come from the capture (a URL path, a service name), and
//! the pages are published, so they must not turn into links, HTML, code
//! spans that swallow the line, or `attr_list` attributes. Each function
//! changes only the characters that could do that, so an ordinary title
//! (`PUT /v1/AUTH_7c4c.../glance`) is printed exactly as captured.

/// Text for a heading or another Markdown line: backslash-escapes what
/// Python-Markdown would read as syntax (links, code, emphasis,
/// `attr_list`'s `{...}`), turns `<`, `>` and `&` into entities (no raw
/// HTML), and line breaks into spaces. `_` is left alone: Python-Markdown
/// does not treat it as emphasis inside words (`AUTH_7c4c`), and ids are
/// full of it.
pub fn heading(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '[' | ']' | '{' | '}' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span holding `text` verbatim (CommonMark: a backtick run longer
/// than any inside, padded with a space where the text starts or ends with
/// a backtick).
pub fn code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for b in text.bytes() {
        if b == b'`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Text for a Markdown table cell: no `|` that ends the cell, no HTML, one line.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_titles_are_untouched() {
        for t in [
            "GET /identity/",
            "300 MULTIPLE CHOICES /identity/",
            "PUT /v1/AUTH_7c4cda7e4807414bbdfcb22b535a9802/glance/7d29b113-3248-4052-be42-aefdfa1758cf",
            "204 No Content /v2/images/7d29b113-3248-4052-be42-aefdfa1758cf/file",
        ] {
            assert_eq!(heading(t), t);
        }
    }

    #[test]
    fn headings_cannot_inject() {
        assert_eq!(
            heading("GET /<script>x</script>"),
            "GET /&lt;script&gt;x&lt;/script&gt;"
        );
        assert_eq!(
            heading("GET /[a](javascript:x)"),
            "GET /\\[a\\](javascript:x)"
        );
        assert_eq!(heading("GET /a {: onclick=x}"), "GET /a \\{: onclick=x\\}");
        assert_eq!(heading("GET /a\nb"), "GET /a b");
        assert_eq!(
            heading("GET /`x` *y* ![i](u)"),
            "GET /\\`x\\` \\*y\\* \\!\\[i\\](u)"
        );
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("glance-api"), "`glance-api`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code(""), "`  `");
    }

    #[test]
    fn cells_stay_in_their_column() {
        assert_eq!(cell("a|b<i>"), "a\\|b&lt;i&gt;");
    }
}
