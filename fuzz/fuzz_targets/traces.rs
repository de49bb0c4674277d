//! The trace readers (OTLP JSON, Jaeger, Zipkin) over arbitrary bytes.
//!
//! The first byte picks the reader (or detection), the rest is the file.
//! Invariants: no panic; any error names the file; records come in call
//! tree order: a request's parent is a request already seen, a response
//! comes after its request and answers it with the same caller and
//! callee; every record reads again the same from its position and has a
//! place; and what the reader says the format lacks is true of the records.
#![no_main]

use std::collections::HashMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::input::{Capture, Format};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let format = match pick % 4 {
        0 => Some(Format::Otlp),
        1 => Some(Format::Jaeger),
        2 => Some(Format::Zipkin),
        _ => None,
    };
    let capture = match Capture::from_vec(Path::new("fuzz.json"), file.to_vec(), format) {
        Ok(c) => c,
        Err(e) => {
            assert!(e.to_string().contains("fuzz.json"), "an error must name the file: {e}");
            return;
        }
    };
    let Ok((records, _)) = capture.read_all() else {
        return;
    };
    if !matches!(capture.format, Format::Otlp | Format::Jaeger | Format::Zipkin) {
        return;
    }
    let mut open: HashMap<u64, (String, String)> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for r in &records {
        assert_eq!(capture.record(r.at).as_ref(), Some(r), "read again differs");
        assert!(capture.place(r.at).is_some(), "every record has a place");
        assert!(r.body.is_none(), "traces have no bodies");
        if capture.lacks().contains(&tracedoc::model::Lack::Headers) {
            assert!(r.headers.is_empty());
        }
        let own = r.hints.own.expect("every call has its own key");
        if r.is_request() {
            if let Some(p) = r.hints.parent {
                assert!(seen.contains(&p), "a parent comes before its children");
            }
            seen.insert(own);
            open.insert(own, (r.from.to_string(), r.to.to_string()));
        } else {
            let (from, to) = open.remove(&own).expect("a response follows its request");
            assert_eq!((from.as_str(), to.as_str()), (&*r.from, &*r.to));
        }
    }
});
