//! `escape::md_text`: Python-Markdown reads the output back as exactly the
//! input on one line (backslash escapes and entities only; no raw HTML,
//! no Markdown syntax, no `8<`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

#[path = "../../tests/it/models.rs"]
mod models;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = escape::md_text(s);
    match models::read_md(&out, false) {
        Ok(text) => assert_eq!(text, models::flat(s), "{out:?}"),
        Err(e) => panic!("{e}: {out:?}"),
    }
    assert_eq!(models::python_lines(&out).len(), 1);
});
