//! `escape::code_span`: one span showing the input on one line, which
//! pymdownx.snippets leaves as it is.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

#[path = "../../tests/it/models.rs"]
mod models;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = escape::code_span(s);
    let line = format!("* {out}");
    assert_eq!(models::python_lines(&line).len(), 1);
    let shown = models::shown(&line).unwrap_or_else(|| panic!("snippets takes {line:?}"));
    let span = &shown[2..];
    let ticks = span.bytes().take_while(|&b| b == b'`').count();
    assert!(ticks > 0 && span.ends_with(&"`".repeat(ticks)), "{out:?}");
    let inner = &span[ticks..span.len() - ticks];
    let longest = inner.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    assert!(longest < ticks, "the span closes early: {out:?}");
    assert_eq!(inner.trim_matches(' '), models::flat(s).trim_matches(' '), "{out:?}");
});
