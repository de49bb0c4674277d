//! `escape::attr_value`: inside a fence's `title="..."` it cannot end the
//! quotes or the info string, and snippets shows the fence line as written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

#[path = "../../tests/it/models.rs"]
mod models;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = escape::attr_value(s);
    assert!(!out.contains('"') && !out.contains('`'), "{out:?}");
    let line = format!("    ``` http title=\"{out}\" linenums=\"1\"");
    assert_eq!(models::python_lines(&line).len(), 1);
    let shown = models::shown(&line).unwrap_or_else(|| panic!("snippets takes {line:?}"));
    let expected: String = models::flat(s)
        .chars()
        .map(|c| match c {
            '"' => '\u{FF02}',
            '`' => '\u{FF40}',
            c => c,
        })
        .collect();
    assert_eq!(shown, format!("    ``` http title=\"{expected}\" linenums=\"1\""));
});
