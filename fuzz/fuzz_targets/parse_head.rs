//! The head-line parser on any one line of text.
//!
//! Invariants: it never panics; whatever it accepts is also recognised by
//! `looks_like_head` (so the streaming parser never drops a parsed head), and
//! the parts it returns are non-empty and cannot contain the separators that
//! delimit them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::input::requestshook::{looks_like_head, parse_head};
use tracedoc::model::Direction;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let Some(head) = parse_head(line) else {
        return;
    };
    assert!(looks_like_head(line), "parsed but not recognised: {line:?}");
    assert!(
        !head.from.contains(')') && !head.to.contains(')'),
        "{head:?}"
    );
    assert!(!head.method.is_empty() && !head.url.is_empty(), "{head:?}");
    assert!(!head.url.contains(' '), "{head:?}");
    match head.direction {
        Direction::Request => assert!(head.status.is_none(), "{head:?}"),
        Direction::Response => {
            let (text, _) = head.status.expect("a response has a status");
            assert!(!text.is_empty(), "{head:?}");
        }
    }
});
