//! The whole render path (`pipeline::render_text`), redaction on and off.
//!
//! Invariants checked on every input that holds at least one record:
//! - rendering succeeds (the only acceptable error is "no records");
//! - no output line can make pymdownx.snippets include a file or drop the
//!   line: after splitting the way Python reads an included file (`\n`,
//!   `\r\n`, a lone `\r`, and the other `str.splitlines` breaks), no line
//!   starts with an unescaped `--8<--` marker and no line holds an unescaped
//!   `--8<-- [start:name]`/`[end:name]` section marker;
//! - body.md has exactly one `### ` heading line per record, counted with the
//!   same line splitting (a captured line cannot forge or hide a section).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::config::Config;
use tracedoc::pipeline::{render_text, Options};

/// Splits like Python's `str.splitlines()`, a superset of universal newlines.
fn python_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let brk = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if brk {
            out.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' {
                if let Some(&(j, '\n')) = chars.peek() {
                    chars.next();
                    end = j + 1;
                }
            }
            start = end;
        }
    }
    out.push(&text[start..]);
    out
}

/// Length of a `-+8<-+` marker at the start of `s`, if there is one.
fn marker_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let lead = b.iter().take_while(|&&c| c == b'-').count();
    if lead == 0 || !s[lead..].starts_with("8<-") {
        return None;
    }
    let trail = b[lead + 2..].iter().take_while(|&&c| c == b'-').count();
    Some(lead + 2 + trail)
}

/// Why pymdownx.snippets would act on this line, if it would.
fn snippet_hazard(line: &str) -> Option<&'static str> {
    let body = line.trim_start_matches([' ', '\t']);
    if marker_len(body).is_some() {
        return Some("line starts with an unescaped snippet marker");
    }
    // Section markers are found anywhere in a line; only the first counts.
    let bytes = line.as_bytes();
    for (i, _) in line.match_indices("8<-") {
        let dash_start = bytes[..i]
            .iter()
            .rposition(|&c| c != b'-')
            .map_or(0, |p| p + 1);
        if dash_start == i {
            continue;
        }
        let Some(len) = marker_len(&line[dash_start..]) else {
            continue;
        };
        let rest = &line[dash_start + len..];
        let after_ws = rest.trim_start_matches([' ', '\t']);
        if after_ws.len() == rest.len() {
            continue;
        }
        let Some(inner) = after_ws.strip_prefix('[') else {
            continue;
        };
        let inner = inner.trim_start_matches([' ', '\t']).to_ascii_lowercase();
        let Some(after) = inner
            .strip_prefix("start")
            .or_else(|| inner.strip_prefix("end"))
        else {
            continue;
        };
        let after = after.trim_start_matches([' ', '\t']);
        let Some(name) = after.strip_prefix(':') else {
            continue;
        };
        let name = name.trim_start_matches([' ', '\t']);
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let name_end = name
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(name.len());
        if !name[name_end..]
            .trim_start_matches([' ', '\t'])
            .starts_with(']')
        {
            continue;
        }
        // The first section marker of the line decides.
        return if dash_start > 0 && bytes[dash_start - 1] == b';' {
            None
        } else {
            Some("line holds an unescaped snippet section marker")
        };
    }
    None
}

fn check(text: &str, options: &Options) {
    let records = match tracedoc::capture::load_from(text.as_bytes(), Path::new("fuzz.log")) {
        Ok(l) => l.capture.records.len(),
        Err(_) => 0,
    };
    let files = match render_text(text, Path::new("fuzz.log"), &Config::default(), options) {
        Ok((files, _)) => files,
        Err(e) => {
            assert_eq!(records, 0, "render failed on a capture with records: {e}");
            return;
        }
    };
    for (name, content) in &files {
        for (n, line) in python_lines(content).iter().enumerate() {
            if let Some(why) = snippet_hazard(line) {
                panic!("{name}:{}: {why}: {line:?}", n + 1);
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
    check(text, &Options { redact: false });
});
