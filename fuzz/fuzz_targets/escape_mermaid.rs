//! `escape::mermaid_text` and `mermaid_label`: nothing mermaid reads as
//! syntax (`;`, `#`, `<`, `>`, `%%`, line breaks) reaches its parser, it
//! shows exactly the input, and a label is at most `MERMAID_LABEL_MAX`
//! characters of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

#[path = "../../tests/it/models.rs"]
mod models;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = escape::mermaid_text(s);
    let expected: String = models::flat(s)
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    match models::read_mermaid(&out) {
        Ok(text) => assert_eq!(text, expected, "{out:?}"),
        Err(e) => panic!("{e}: {out:?}"),
    }
    assert!(models::read_mermaid(&format!("{out}{out}")).is_ok(), "{out:?}");
    let label = escape::mermaid_label(s);
    assert!(label.len() <= escape::MERMAID_LABEL_MAX * escape::MERMAID_CHAR_MAX_BYTES);
    let short = escape::shorten(s, escape::MERMAID_LABEL_MAX);
    assert!(short.chars().count() <= escape::MERMAID_LABEL_MAX);
    assert!(models::read_mermaid(&label).is_ok(), "{label:?}");
});
