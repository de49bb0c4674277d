//! The requestshook reader over arbitrary bytes.
//!
//! Invariants: no panic; records come in file order with increasing head
//! lines; every warning points at a line that exists; any error names the
//! file; cutting the input into pieces of any size gives exactly the same
//! records and warnings as reading it whole (pieces are read on several
//! cores); every record reads again the same from its position; and, for
//! input without `\r`, CRLF line ends change nothing.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::input::Capture;

/// Records (as comparable text) and warnings, or the error, reading in
/// pieces of about `target` bytes.
fn run(data: &[u8], target: usize) -> Result<(Vec<String>, Vec<String>), String> {
    let capture =
        Capture::from_vec(Path::new("fuzz.log"), data.to_vec(), None).map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    let mut last_line = 0;
    let mut buf = Vec::new();
    for piece in capture.pieces(target).map_err(|e| e.to_string())? {
        let mut read = capture.read(&piece, &mut buf).map_err(|e| e.to_string())?;
        for r in read.by_ref() {
            assert!(r.at.line > last_line, "records out of order");
            last_line = r.at.line;
            assert_eq!(capture.record(r.at).as_ref(), Some(&r), "read again differs");
            records.push(format!(
                "{}|{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}",
                r.at.line,
                r.direction,
                r.from,
                r.to,
                r.method,
                r.url,
                r.status.as_ref().map(|s| s.text.to_string()),
                r.headers
                    .iter()
                    .map(|h| (h.name.to_string(), h.value.as_ref().map(|v| v.to_string())))
                    .collect::<Vec<_>>(),
                r.body.lines().collect::<Vec<_>>()
            ));
        }
        warnings.extend(read.take_diagnostics().iter().map(|d| d.to_string()));
    }
    Ok((records, warnings))
}

fuzz_target!(|data: &[u8]| {
    let whole = run(data, usize::MAX);
    let lines = data.split(|&b| b == b'\n').count();
    match &whole {
        Ok((_, warnings)) => {
            for w in warnings {
                assert!(w.starts_with("fuzz.log:"), "{w}");
                let line: usize = w["fuzz.log:".len()..]
                    .split(':')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("a warning names its line");
                assert!(line >= 1 && line <= lines, "{w}");
            }
        }
        Err(e) => assert!(e.contains("fuzz.log:"), "an error must name the file: {e}"),
    }
    for target in [1, 64] {
        assert_eq!(whole, run(data, target), "pieces of {target} read differently");
    }
    if !data.contains(&b'\r') {
        let crlf: Vec<u8> = data
            .split(|&b| b == b'\n')
            .collect::<Vec<_>>()
            .join(&b"\r\n"[..]);
        if let (Ok((r1, _)), Ok((r2, _))) = (&whole, run(&crlf, usize::MAX)) {
            assert_eq!(*r1, r2, "CRLF changed the records");
        }
    }
});
