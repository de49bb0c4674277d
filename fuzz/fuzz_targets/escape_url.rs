//! `escape::url`: one link target that cannot end early, grow a title or
//! run script.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

#[path = "../../tests/it/models.rs"]
mod models;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = escape::url(s);
    let bad = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '(' | ')' | '<' | '>' | '"' | '\'' | '`' | '\\')
    };
    assert!(!out.chars().any(bad), "{out:?}");
    let end = out.find(['/', '?', '#']).unwrap_or(out.len());
    if let Some(colon) = out[..end].find(':') {
        let scheme = out[..colon].to_ascii_lowercase();
        assert!(["http", "https", "mailto"].contains(&scheme.as_str()), "{out:?}");
    }
});
