//! Writing records back in the requestshook form.
//!
//! `tracedoc split` cuts one long log into one capture per command; each
//! piece must read back exactly as it was read from the long log, or the
//! pages built from the pieces would show something that was never captured.
//! So the writer is the parser's inverse: for every record the parser can
//! produce, `parse(write(record))` gives the same record back (its `index`
//! and `line` aside, which depend on where it lands in the new file).
//!
//! A record is written as requestshook writes it: an empty line, the head
//! line, the header lines, an empty line, the body lines (or `none`), an
//! empty line. Line ends are `\n`, whatever the input used. A record written
//! at the same position as in a canonical input keeps its line number.
//!
//! The one thing the format cannot carry is a line that ends in a carriage
//! return (`...\r` before the line end): the parser strips one `\r` before
//! every `\n`, so such a line reads back without it.

use std::io::{self, Write};

use crate::model::{Direction, Record};

/// The head line of a record, without its line end.
pub fn head_line(r: &Record) -> String {
    match r.direction {
        Direction::Request => format!(
            "### ({}) REQ >>> ({}) : {} {}",
            r.from, r.to, r.method, r.url
        ),
        Direction::Response => {
            let status = r.status.as_ref().map(|s| &*s.text).unwrap_or("");
            format!(
                "### ({}) RESP <<< ({}) : {} {} {}",
                r.from, r.to, status, r.method, r.url
            )
        }
    }
}

/// Appends one record to `out` in the exact requestshook form.
pub fn push_record(out: &mut String, r: &Record) {
    out.push('\n');
    out.push_str(&head_line(r));
    out.push('\n');
    for h in &r.headers {
        out.push_str(&h.name);
        // `Name: ` keeps the space after the colon, as requestshook wrote
        // it, so an empty value reads back as empty, not as a bad header.
        if let Some(v) = &h.value {
            out.push_str(": ");
            out.push_str(v);
        }
        out.push('\n');
    }
    out.push('\n');
    if r.body.is_none() {
        out.push_str("none\n");
    } else {
        for line in r.body.lines() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push('\n');
}

/// Writes one record in the exact requestshook form.
pub fn write_record(out: &mut impl Write, r: &Record) -> io::Result<()> {
    let mut text = String::new();
    push_record(&mut text, r);
    out.write_all(text.as_bytes())
}

/// Records as one requestshook log text.
pub fn to_text<'r, 'a: 'r>(records: impl IntoIterator<Item = &'r Record<'a>>) -> String {
    let mut out = String::new();
    for r in records {
        push_record(&mut out, r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Capture;
    use std::path::Path;

    /// A text's records, each described in full (with or without its
    /// line number), and the number of warnings.
    fn parse(text: &str, lines: bool) -> (Vec<String>, usize) {
        let c = Capture::from_vec(Path::new("t.log"), text.as_bytes().to_vec(), None).unwrap();
        let (records, warnings) = c.read_all().expect("records");
        let described = records
            .iter()
            .map(|r| {
                format!(
                    "{}{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}",
                    if lines {
                        format!("{}|", r.at.line)
                    } else {
                        String::new()
                    },
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
                )
            })
            .collect();
        (described, warnings.len())
    }

    fn rewrite(text: &str) -> String {
        let c = Capture::from_vec(Path::new("t.log"), text.as_bytes().to_vec(), None).unwrap();
        let (records, _) = c.read_all().expect("records");
        to_text(&records)
    }

    const LOG: &str = "
### (openstack) REQ >>> (keystone) : GET http://h/identity/
Host: h
Content-Type: 
X-Requestshook-Request-Id: aa

none


### (openstack) RESP <<< (keystone) : 300 MULTIPLE CHOICES GET http://h/identity/
X-Requestshook-Request-Id: aa

{
  \"a\": 1,

  \"b\": 2
}


### (glance-api) RESP <<< (swift-proxy-server) : 204 No Content HEAD http://127.0.0.1:60999

none


### (a) REQ >>> (b) : PUT http://h/x
Content-Length: 32

b'QFI\\xfb\\x00\\x00\\x00\\x03'...


### (a) REQ >>> (b) : POST http://h/form
Vary: x
Vary: y

line one


line two after two empty lines
### (c) not a head line, kept as body text
";

    #[test]
    fn round_trip_keeps_every_record_and_line() {
        let (first, warnings) = parse(LOG, true);
        assert_eq!(first.len(), 5);
        let text = rewrite(LOG);
        assert_eq!(parse(&text, true).0, first, "records and line numbers");
        // Writing again gives the same bytes: the form is canonical.
        assert_eq!(rewrite(&text), text);
        let c = Capture::from_vec(Path::new("t.log"), text.as_bytes().to_vec(), None).unwrap();
        let (records, _) = c.read_all().unwrap();
        let mut streamed = Vec::new();
        for r in &records {
            write_record(&mut streamed, r).unwrap();
        }
        assert_eq!(String::from_utf8(streamed).unwrap(), text);
        assert_eq!(parse(&text, true).1, warnings);
    }

    #[test]
    fn crlf_input_round_trips_to_the_same_records() {
        let crlf = LOG.replace('\n', "\r\n");
        let text = rewrite(&crlf);
        assert!(!text.contains('\r'));
        assert_eq!(parse(&text, true).0, parse(&crlf, true).0);
        assert_eq!(parse(&text, true).0, parse(LOG, true).0);
    }

    #[test]
    fn empty_header_values_and_trimmed_colons_read_back_empty() {
        let t = "### (a) REQ >>> (b) : GET http://h/\nContent-Type: \nAccept:\nHost h\n\nnone\n";
        let (first, warnings) = parse(t, false);
        assert_eq!(warnings, 1, "`Host h` is reported");
        let text = rewrite(t);
        assert!(text.contains("\nContent-Type: \n"), "{text:?}");
        assert!(text.contains("\nAccept: \n"), "{text:?}");
        assert!(text.contains("\nHost h\n"), "{text:?}");
        let (second, again) = parse(&text, false);
        assert_eq!(first, second);
        assert_eq!(again, 1);
    }

    #[test]
    fn records_without_headers_or_cut_off_read_back_equal() {
        // No headers; then a record cut off inside its headers.
        let t = "### (a) REQ >>> (b) : GET http://h/\n\n{\"x\": 1}\n\n### (a) RESP <<< (b) : 200 OK GET http://h/\nX: 1";
        let (first, _) = parse(t, false);
        assert_eq!(first.len(), 2);
        let text = rewrite(t);
        let (second, warnings) = parse(&text, false);
        assert_eq!(first, second);
        assert_eq!(warnings, 0, "a written record is complete: {text:?}");
    }
}
