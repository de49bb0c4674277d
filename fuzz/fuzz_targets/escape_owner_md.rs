//! `escape::owner_markdown`: one line out for every line in; in text with
//! no backtick (so no code span and no fence), no raw `<`, no `{` without
//! its backslash, and no inline link straight to a `javascript:` target.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<String> = s.split('\n').map(str::to_string).collect();
    let out = escape::owner_markdown(&lines);
    assert_eq!(out.len(), lines.len());
    if s.contains('`') {
        return;
    }
    for line in &out {
        assert!(!line.contains('<'), "{line:?}");
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'{' {
                assert!(i > 0 && bytes[i - 1] == b'\\', "{line:?}");
            }
        }
        let squashed: String = line
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        assert!(!squashed.contains("](javascript:"), "{line:?}");
        assert!(!squashed.contains("](<javascript:"), "{line:?}");
    }
});
