//! The streaming requestshook parser over arbitrary bytes.
//!
//! Invariants: no panic; records come in file order with increasing head
//! lines and consecutive indexes; every warning points at a line that exists;
//! reading through a 1-byte buffer gives exactly the same result as reading
//! the whole slice (the parser must not depend on how the reader chunks the
//! input); and, for input without `\r`, CRLF line ends change nothing.
#![no_main]

use std::io::BufReader;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::capture::requestshook::Parser;
use tracedoc::model::Record;

type Outcome = (Vec<Record>, Option<String>, Vec<tracedoc::Diagnostic>);

fn run<R: std::io::BufRead>(reader: R) -> Outcome {
    let mut parser = Parser::new(reader, Path::new("fuzz.log"));
    let mut records = Vec::new();
    let mut error = None;
    for item in parser.by_ref() {
        match item {
            Ok(r) => records.push(r),
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    // A finished parser stays finished.
    assert!(parser.next().is_none(), "parser yielded after its end");
    (records, error, parser.take_diagnostics())
}

fuzz_target!(|data: &[u8]| {
    let whole = run(data);
    let (records, error, diagnostics) = &whole;
    let lines = data.split(|&b| b == b'\n').count();
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.index, i, "indexes must be consecutive");
        assert!(
            r.line >= 1 && r.line <= lines,
            "record line {} of {lines}",
            r.line
        );
        if i > 0 {
            assert!(r.line > records[i - 1].line, "records out of order");
        }
    }
    for d in diagnostics {
        assert!(d.line >= 1 && d.line <= lines, "{d}");
        assert!(d.to_string().starts_with("fuzz.log:"), "{d}");
    }
    if let Some(e) = error {
        assert!(
            e.contains("fuzz.log:"),
            "an error must name the file and line: {e}"
        );
    }

    let chunked = run(BufReader::with_capacity(1, data));
    assert_eq!(whole, chunked, "result depends on the reader's buffer size");

    if !data.contains(&b'\r') {
        let crlf: Vec<u8> = data
            .split(|&b| b == b'\n')
            .collect::<Vec<_>>()
            .join(&b"\r\n"[..]);
        let (r2, e2, _) = run(&crlf[..]);
        if error.is_none() && e2.is_none() {
            assert_eq!(*records, r2, "CRLF changed the records");
        }
    }
});
