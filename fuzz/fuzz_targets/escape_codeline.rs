//! `escape::code_line`: pymdownx.snippets shows the line exactly as captured
//! (Python's line breaks as pictures): no include, no block, no deleted line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

#[path = "../../tests/it/models.rs"]
mod models;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = escape::code_line(s);
    assert_eq!(models::python_lines(&out).len(), 1, "{out:?}");
    let shown = models::shown(&out).unwrap_or_else(|| panic!("snippets acts on {out:?}"));
    let pictured: String = s
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
    assert_eq!(shown, pictured);
});
