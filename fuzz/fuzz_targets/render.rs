//! The whole render path (`driver::load_bytes` + `render_files`), redaction on and off.
//!
//! Invariants checked on every input that holds at least one record:
//! - rendering succeeds (the only acceptable errors are "no records", "no
//!   known format" and a HAR document that is not JSON);
//! - no output line can make pymdownx.snippets include a file or drop the
//!   line: after splitting the way Python reads an included file (`\n`,
//!   `\r\n`, a lone `\r`, and the other `str.splitlines` breaks), no line
//!   is an unescaped whole-line snippet and no line holds an unescaped
//!   `--8<-- [start:name]`/`[end:name]` section marker, as the snippets
//!   model of tests/it/models.rs (Python's Unicode case folding included)
//!   reads it;
//! - body.md has exactly one `### ` heading line per record, counted with the
//!   same line splitting (a captured line cannot forge or hide a section).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::driver::{self, Options};
use tracedoc::render::Templates;
use tracedoc::settings::Settings;

// The model of pymdownx.snippets (with Python's Unicode case folding) the
// integration tests use.
#[path = "../../tests/it/models.rs"]
mod models;
use models::python_lines;

fn check(text: &str, options: &Options) {
    let settings = Settings::default();
    let loaded =
        match driver::load_bytes(Path::new("fuzz.log"), text.as_bytes().to_vec(), &settings, options) {
            Ok(l) => l,
            Err(e) => {
                // No record, no format recognised, or a HAR that is not JSON.
                let e = e.to_string();
                assert!(
                    e.contains("no requestshook records")
                        || e.contains("not a capture in any format")
                        || e.contains("not a readable har document"),
                    "{e}"
                );
                return;
            }
        };
    let records = loaded.records();
    let templates = Templates::new(None).expect("built-in templates");
    let files = driver::render_files(&loaded, &settings, &templates).expect("render");
    for (name, content) in &files {
        for (n, line) in python_lines(content).iter().enumerate() {
            if models::shown(line).is_none() {
                panic!("{name}:{}: snippets would include, open a block or delete: {line:?}", n + 1);
            }
        }
    }
    let body = files
        .iter()
        .find(|(n, _)| n == "body.md")
        .map(|(_, c)| c.as_str())
        .unwrap_or_default();
    let headings = python_lines(body)
        .iter()
        .filter(|l| l.starts_with("### "))
        .count();
    assert_eq!(headings, records, "body.md headings vs records");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check(text, &Options::default());
    check(
        text,
        &Options {
            redact: false,
            ..Options::default()
        },
    );
});
