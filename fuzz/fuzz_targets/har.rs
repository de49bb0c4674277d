//! The HAR reader over arbitrary bytes (seeded with HAR documents, and the
//! har.dict of its keys).
//!
//! Invariants: no panic; any error names the file; every warning names the
//! file and a place in the document (`log.entries[N]...`); records come in
//! event order, a response never before its own request, and each reads
//! again the same from its position; every record has a caller and a
//! callee; a response's pair key is its request's; a parent named is an
//! entry that was read; reading in pieces of any size gives the same.
#![no_main]

use std::collections::HashSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::input::{Capture, Format};

fuzz_target!(|data: &[u8]| {
    let capture = match Capture::from_vec(Path::new("fuzz.har"), data.to_vec(), Some(Format::Har)) {
        Ok(c) => c,
        Err(e) => {
            assert!(e.to_string().starts_with("fuzz.har: "), "{e}");
            return;
        }
    };
    let mut seen = Vec::new();
    let mut requests = HashSet::new();
    let mut owns = HashSet::new();
    let mut buf = Vec::new();
    for piece in capture.pieces(1).expect("pieces") {
        let mut read = capture.read(&piece, &mut buf).expect("decoded records read");
        for r in read.by_ref() {
            assert_eq!(capture.record(r.at).as_ref(), Some(&r), "read again differs");
            assert!(!r.from.is_empty() && !r.to.is_empty(), "no participant");
            let pair = r.hints.pair.expect("HAR pairs exactly");
            if r.is_request() {
                assert!(requests.insert(pair), "two requests of one entry");
                owns.insert(r.hints.own.expect("an entry is its own call"));
            } else {
                assert!(requests.contains(&pair), "a response before its request");
            }
            let place = capture.place(r.at).expect("a record has a place");
            assert!(place.starts_with("log.entries["), "{place}");
            seen.push(r.into_owned_text());
        }
        for d in read.take_diagnostics() {
            let d = d.to_string();
            assert!(d.starts_with("fuzz.har: log."), "{d}");
        }
    }
    // Parents name entries that were read (they are checked after all, as
    // a parent's request comes first but is not the point here).
    for piece in capture.pieces(usize::MAX).expect("pieces") {
        for r in capture.read(&piece, &mut buf).expect("read").by_ref() {
            if let Some(p) = r.hints.parent {
                assert!(owns.contains(&p), "parent {p} is no entry read");
            }
        }
    }
    let whole: Vec<String> = capture
        .pieces(usize::MAX)
        .expect("pieces")
        .iter()
        .flat_map(|p| {
            let mut buf = Vec::new();
            let read = capture.read(p, &mut buf).expect("read");
            read.map(|r| r.into_owned_text()).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(seen, whole, "pieces read differently");
});

trait Text {
    fn into_owned_text(self) -> String;
}

impl Text for tracedoc::model::Record<'_> {
    fn into_owned_text(self) -> String {
        format!(
            "{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
            self.direction,
            self.from,
            self.to,
            self.method,
            self.url,
            self.status.as_ref().map(|s| s.text.to_string()),
            self.headers
                .iter()
                .map(|h| (h.name.to_string(), h.value.as_ref().map(|v| v.to_string())))
                .collect::<Vec<_>>(),
            self.body.text,
            self.hints,
        )
    }
}
