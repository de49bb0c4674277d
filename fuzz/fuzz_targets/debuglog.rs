//! The `openstack --debug` reader over arbitrary bytes.
//!
//! Invariants: no panic; every warning names the file and a line that
//! exists; every record reads again the same from its position; every
//! response shares its pair key with a request before it; and no token
//! header of any record holds a token in the clear (the reader masks them
//! as keystoneauth does, so a secret never enters a record).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::input::{Capture, Format};

const TOKEN_HEADERS: &[&str] = &["x-auth-token", "x-subject-token", "x-service-token", "authorization"];

fuzz_target!(|data: &[u8]| {
    let capture = match Capture::from_vec(Path::new("fuzz.log"), data.to_vec(), Some(Format::Debuglog)) {
        Ok(c) => c,
        Err(e) => {
            assert!(e.to_string().contains("fuzz.log"), "an error must name the file: {e}");
            return;
        }
    };
    let Ok((records, warnings)) = capture.read_all() else {
        return;
    };
    let lines = data.split(|&b| b == b'\n').count();
    for w in warnings.iter().map(|d| d.to_string()) {
        let line: usize = w
            .strip_prefix("fuzz.log:")
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a warning names its line: {w}"));
        assert!(line >= 1 && line <= lines, "{w}");
    }
    let mut requests = Vec::new();
    for r in &records {
        assert_eq!(capture.record(r.at).as_ref(), Some(r), "read again differs");
        if r.is_request() {
            requests.push(r.hints.pair);
        } else {
            assert!(requests.contains(&r.hints.pair), "a response without its request");
        }
        for h in &r.headers {
            if TOKEN_HEADERS.iter().any(|t| h.is(t)) {
                let v = h.value.as_deref().unwrap_or("");
                assert!(
                    v.is_empty() || v.starts_with("{SHA256}") || v.starts_with("{SHA1}"),
                    "a token in the clear: {}: {v}",
                    h.name
                );
            }
        }
    }
});
