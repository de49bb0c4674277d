//! The `body.md` reader over arbitrary bytes.
//!
//! Invariants: no panic; every warning names the file and a line that
//! exists; every record reads again the same from its position and sits on
//! a line of the page; every response shares its pair key with a request
//! before it or was warned about; requests carry no status, responses do.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::input::{Capture, Format};

fuzz_target!(|data: &[u8]| {
    let capture = match Capture::from_vec(Path::new("fuzz.md"), data.to_vec(), Some(Format::Bodymd)) {
        Ok(c) => c,
        Err(e) => {
            assert!(e.to_string().contains("fuzz.md"), "an error must name the file: {e}");
            return;
        }
    };
    let Ok((records, warnings)) = capture.read_all() else {
        return;
    };
    let lines = data.split(|&b| b == b'\n').count();
    let warned: Vec<String> = warnings.iter().map(|d| d.to_string()).collect();
    for w in &warned {
        let line: usize = w
            .strip_prefix("fuzz.md:")
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a warning names its line: {w}"));
        assert!(line >= 1 && line <= lines, "{w}");
    }
    let mut requests = Vec::new();
    for r in &records {
        assert_eq!(capture.record(r.at).as_ref(), Some(r), "read again differs");
        assert!(r.at.line >= 1 && r.at.line as usize <= lines, "record off the page");
        assert_eq!(r.is_request(), r.status.is_none());
        if r.is_request() {
            requests.push(r.hints.pair);
        } else if !requests.contains(&r.hints.pair) {
            let at = format!("fuzz.md:{}:", r.at.line);
            assert!(warned.iter().any(|w| w.starts_with(&at)), "an unpaired response not warned about");
        }
    }
});
