//! `escape::owner_markdown`: one line out for every line in; in text with
//! no backtick (so no code span and no fence of the owner's), outside the
//! code spans the escape itself writes (an image from elsewhere shown as
//! code): no raw `<`, no `{` without its backslash, and no inline link
//! straight to a `javascript:` target.
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
        let line = &without_code_spans(line);
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

/// The line with every code span (a run of backticks up to the next run
/// of the same length) taken out.
fn without_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let mut j = i + n;
            let mut closed = None;
            while j < b.len() {
                if b[j] == b'`' {
                    let m = b[j..].iter().take_while(|&&c| c == b'`').count();
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match closed {
                Some(end) => i = end,
                None => {
                    out.push_str(&line[i..i + n]);
                    i += n;
                }
            }
        } else {
            let c = line[i..].chars().next().unwrap_or('?');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}
