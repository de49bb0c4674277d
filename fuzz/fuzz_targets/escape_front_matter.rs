//! `escape::front_matter_title`: nothing for a title HTML leaves alone;
//! else a `title:` front matter on three lines whose YAML value holds no
//! raw `<`, `>`, quote, control or line-break character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = escape::front_matter_title(s);
    if !s.contains(['&', '<', '>', '"', '\'']) {
        assert_eq!(out, "");
        return;
    }
    let value = out
        .strip_prefix("---\ntitle: \"")
        .and_then(|v| v.strip_suffix("\"\n---\n"))
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(!value.chars().any(|c| c.is_control()
        || matches!(c, '<' | '>' | '\'' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}')));
    assert!(!value.replace("\\\\", "").replace("\\\"", "").contains('"'));
});
