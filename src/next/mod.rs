//! The streaming pipeline's foundation, being built beside the current one
//! (issue 8); it replaces `capture` and `model` once every stage reads it.

pub mod analyze;
pub mod apiref;
pub mod bytes;
pub mod diagram;
pub mod facts;
pub mod filter;
pub mod graph;
pub mod model;
pub mod openstack;
pub mod out;
pub mod requestshook;
pub mod scan;
pub mod tokens;
pub mod variables;

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error, Result};
use bytes::Bytes;
use model::{At, Record};

/// About how many bytes one piece of a big capture holds: small enough that
/// both cores get work and little is held at a time, big enough that the
/// per-piece cost does not show.
pub const PIECE_BYTES: usize = 4 << 20;

/// The number of `\n` in `bytes` (a loop the compiler vectorises).
fn count_lines(bytes: &[u8]) -> u32 {
    let mut n = 0u64;
    for chunk in bytes.chunks(1 << 12) {
        let mut c = 0u32;
        for &b in chunk {
            c += u32::from(b == b'\n');
        }
        n += u64::from(c);
    }
    n.min(u64::from(u32::MAX)) as u32
}

/// A stretch of a capture that can be read on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub range: Range<usize>,
    /// Line number of the piece's first line.
    pub line: u32,
}

/// A requestshook capture file, mapped.
#[derive(Debug)]
pub struct Requestshook {
    pub path: PathBuf,
    bytes: Bytes,
}

impl Requestshook {
    pub fn open(path: &Path) -> Result<Self> {
        let bytes = Bytes::open(path).map_err(|e| Error::read(path, e))?;
        Ok(Requestshook {
            path: path.to_path_buf(),
            bytes,
        })
    }

    pub fn from_vec(path: &Path, bytes: Vec<u8>) -> Self {
        Requestshook {
            path: path.to_path_buf(),
            bytes: Bytes::from_vec(bytes),
        }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The capture cut into pieces of about `target` bytes, with their
    /// first line numbers (lines are counted on every core, and the pages
    /// counted are let go again).
    pub fn pieces(&self, target: usize) -> Vec<Piece> {
        use rayon::prelude::*;
        let text = self.bytes.as_bytes();
        let ranges = requestshook::pieces(text, target);
        let counts: Vec<u32> = ranges
            .par_iter()
            .map(|r| {
                let n = count_lines(&text[r.clone()]);
                self.bytes.release(r.clone());
                n
            })
            .collect();
        let mut line = 1u32;
        let mut out = Vec::with_capacity(ranges.len());
        for (r, n) in ranges.into_iter().zip(counts) {
            out.push(Piece { range: r, line });
            line = line.saturating_add(n);
        }
        out
    }

    /// A parser over one piece.
    pub fn parse(&self, piece: &Piece) -> Result<requestshook::Parser<'_>> {
        let text =
            requestshook::check_utf8(self.bytes.as_bytes(), piece.range.clone(), &self.path)?;
        Ok(requestshook::Parser::new(
            text,
            piece.range.start,
            piece.line,
            piece.range.end == self.bytes.len(),
            &self.path,
        ))
    }

    /// One record again, from where it was found.
    pub fn record(&self, at: At) -> Option<Record<'_>> {
        let start = usize::try_from(at.pos).ok()?;
        let rest = self.bytes.as_bytes().get(start..)?;
        // The rest of the file was checked when the record was found; a
        // record is read again only after that.
        let end = memchr::memmem::find_iter(rest, b"\n### (")
            .map(|i| i + 1)
            .find(|&i| {
                let line = &rest[i..];
                let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
                std::str::from_utf8(line).is_ok_and(|l| {
                    requestshook::parse_head(l.strip_suffix('\r').unwrap_or(l)).is_some()
                })
            })
            .unwrap_or(rest.len());
        let text = std::str::from_utf8(&rest[..end]).ok()?;
        requestshook::Parser::at(text, at, &self.path)
    }

    /// Lets go of the memory of a stretch that is done with.
    pub fn release(&self, range: Range<usize>) {
        self.bytes.release(range);
    }

    /// Every record and warning, in order (tests and small captures).
    pub fn read_all(&self) -> Result<(Vec<Record<'_>>, Vec<Diagnostic>)> {
        let mut records = Vec::new();
        let mut diagnostics = Vec::new();
        for piece in self.pieces(PIECE_BYTES) {
            let mut p = self.parse(&piece)?;
            records.extend(p.by_ref());
            diagnostics.extend(p.take_diagnostics());
        }
        Ok((records, diagnostics))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the old parser made of a file, in comparable form.
    fn old(path: &Path) -> std::result::Result<(Vec<String>, Vec<String>), String> {
        let loaded = crate::capture::load(path).map_err(|e| e.to_string())?;
        let records = loaded
            .capture
            .records
            .iter()
            .map(|r| {
                format!(
                    "{}|{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}",
                    r.line,
                    r.direction,
                    r.from,
                    r.to,
                    r.method,
                    r.url,
                    r.status.as_ref().map(|s| (&s.text, s.code)),
                    r.headers
                        .iter()
                        .map(|h| (&h.name, &h.value))
                        .collect::<Vec<_>>(),
                    r.body.lines,
                )
            })
            .collect();
        Ok((
            records,
            loaded.diagnostics.iter().map(|d| d.to_string()).collect(),
        ))
    }

    fn new(path: &Path, target: usize) -> std::result::Result<(Vec<String>, Vec<String>), String> {
        let capture = Requestshook::open(path).map_err(|e| e.to_string())?;
        let mut records = Vec::new();
        let mut diagnostics = Vec::new();
        for piece in capture.pieces(target) {
            let mut p = capture.parse(&piece).map_err(|e| e.to_string())?;
            for r in p.by_ref() {
                // Read back from its position, the record is the same.
                let again = capture.record(r.at).expect("record read again");
                assert_eq!(again, r, "{} at {:?}", path.display(), r.at);
                records.push(format!(
                    "{}|{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}",
                    r.at.line,
                    r.direction,
                    r.from,
                    r.to,
                    r.method,
                    r.url,
                    r.status.as_ref().map(|s| (&s.text, s.code)),
                    r.headers
                        .iter()
                        .map(|h| (h.name.to_string(), h.value.as_ref().map(|v| v.to_string())))
                        .collect::<Vec<_>>(),
                    r.body.lines().map(str::to_string).collect::<Vec<_>>(),
                ));
            }
            diagnostics.extend(p.take_diagnostics().iter().map(|d| d.to_string()));
        }
        if records.is_empty() {
            return Err(Error::NoRecords {
                path: path.to_path_buf(),
            }
            .to_string());
        }
        Ok((records, diagnostics))
    }

    fn logs() -> Vec<PathBuf> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for dir in [
            root.join("samples"),
            root.join("tests"),
            root.join("../shared/captures"),
        ] {
            for e in walkdir::WalkDir::new(dir)
                .into_iter()
                .filter_map(|e| e.ok())
            {
                if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "log") {
                    out.push(e.path().to_path_buf());
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn reads_every_known_capture_as_the_line_parser_did() {
        let logs = logs();
        assert!(logs.len() > 20, "{logs:?}");
        for log in logs {
            let want = old(&log);
            for target in [usize::MAX, 1, 200, 4096] {
                assert_eq!(
                    new(&log, target),
                    want,
                    "{} in pieces of {target}",
                    log.display()
                );
            }
        }
    }

    #[test]
    fn tricky_texts_read_alike() {
        let texts = [
            "",
            "\n\n",
            "garbage\n### (a) REQ >>> (b) : GET http://h/\n\nnone\n",
            "### (a) REQ >>> (b) : GET http://h/\r\nX: 1\r\n\r\n\r\n{\r\n\r\n  \"a\": 1\r\n}\r\n\r\n",
            "### (a) REQ >>> (b) : GET http://h/\nHost h\n\nnone\n### (a) PING >>> (b) : x\n",
            "### (a) REQ >>> (b) : GET http://h/\n\n  \n\nx\n\n\ny\n\n\n",
            "### (a) REQ >>> (b) : GET http://h/\nX: 1",
            "### (a) RESP <<< (b) : 204 No Content HEAD http://h:1\n\n{\n \"a\":",
            "### (a) REQ >>> (b) : GET http://h/\n\nline\r\r\n### (c) bad\n### (a) REQ >>> (b) : PUT http://h/x\nA:\n\nb'\\x00'...\n",
        ];
        let dir = tempfile::tempdir().unwrap();
        for (k, t) in texts.iter().enumerate() {
            let path = dir.path().join(format!("t{k}.log"));
            std::fs::write(&path, t).unwrap();
            let want = old(&path);
            for target in [usize::MAX, 1, 7] {
                assert_eq!(new(&path, target), want, "{t:?} in pieces of {target}");
            }
        }
    }

    #[test]
    fn bad_utf8_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        std::fs::write(&path, b"### (a) REQ >>> (b) : GET http://h/\n\nab\xff\n").unwrap();
        assert_eq!(new(&path, 1).unwrap_err(), old(&path).unwrap_err());
    }
}

#[cfg(test)]
mod analysis_tests {
    use super::*;
    use crate::next::scan::{Context, Scan};

    /// The graph, tokens and variables of a capture as the current pipeline
    /// finds them, in comparable form.
    fn old(path: &Path) -> Vec<String> {
        let loaded = crate::capture::load(path).unwrap();
        let config = crate::config::Config::discover(path).unwrap();
        let a = crate::pipeline::analyze(&loaded, &config);
        let mut out = Vec::new();
        for e in &a.graph.exchanges {
            out.push(format!(
                "x {:?} {:?} {:?} {:?} {}",
                e.request, e.response, e.parent, e.children, e.depth
            ));
        }
        out.push(format!("roots {:?}", a.graph.roots));
        for t in &a.tokens.tokens {
            out.push(format!(
                "t {} {:?} {:?} {:?} {:?} {:?} {:?} {}",
                t.name,
                t.issued_in,
                t.issued_to,
                t.user.as_ref().map(|u| &u.name),
                t.roles,
                t.used_in,
                t.validations
                    .iter()
                    .map(|v| (v.record, &v.by))
                    .collect::<Vec<_>>(),
                t.preexisting
            ));
        }
        for v in &a.variables.variables {
            out.push(format!(
                "v {} {} {} {}",
                v.name, v.value, v.first_seen, v.named_in
            ));
        }
        out.push(format!("dropped {:?}", a.dropped));
        let mut d: Vec<String> = a
            .diagnostics
            .iter()
            .map(|d| format!("{}:{:?}", d.line, d.kind))
            .collect();
        d.sort();
        out.push(format!("diag {d:?}"));
        out
    }

    fn new(path: &Path) -> Vec<String> {
        let capture = Requestshook::open(path).unwrap();
        let config = crate::config::Config::discover(path).unwrap();
        let mut services = openstack::Services::default();
        services.extend(config.services.clone());
        let filters = filter::Filters::new(
            &config
                .filters
                .iter()
                .map(|r| serde_json::from_value(serde_json::to_value(r).unwrap()).unwrap())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let ctx = Context {
            services: &services,
            catalog: apiref::Catalog::builtin(),
            filters: &filters,
        };
        let mut scan = Scan::default();
        for piece in capture.pieces(300) {
            let mut part = Scan::default();
            let mut p = capture.parse(&piece).unwrap();
            for r in p.by_ref() {
                part.add(&r, ctx);
            }
            part.diagnostics.extend(p.take_diagnostics());
            scan.append(part);
        }
        let (g, findings) = graph::build(&scan.facts);
        let tokens = tokens::collect(&scan.facts, |i| {
            scan.issues.get(&i).cloned().unwrap_or_default()
        });
        let mut vars = variables::Variables::default();
        for c in &scan.candidates {
            vars.name(
                scan.words.str(c.name),
                scan.words.str(c.value),
                c.record as usize,
            );
        }
        let values: std::collections::HashSet<&str> =
            vars.variables.iter().map(|v| v.value.as_str()).collect();
        let m = variables::mentions(
            &values,
            scan.facts
                .iter()
                .enumerate()
                .map(|(i, f)| (i, capture.record(f.at).unwrap())),
        );
        drop(values);
        vars.set_first_seen(&m);
        let matched: std::collections::HashMap<usize, usize> = scan
            .matched
            .iter()
            .map(|&(r, k)| (r as usize, k as usize))
            .collect();
        let (dropped, _) = filter::apply(&g, scan.facts.len(), |q| matched.get(&q).copied());
        let mut out = Vec::new();
        let o = |x: Option<u32>| x.map(|v| v as usize);
        for e in &g.exchanges {
            out.push(format!(
                "x {:?} {:?} {:?} {:?} {}",
                o(e.request),
                o(e.response),
                o(e.parent),
                e.children.iter().map(|&c| c as usize).collect::<Vec<_>>(),
                e.depth
            ));
        }
        out.push(format!(
            "roots {:?}",
            g.roots.iter().map(|&c| c as usize).collect::<Vec<_>>()
        ));
        for t in &tokens.tokens {
            out.push(format!(
                "t {} {:?} {:?} {:?} {:?} {:?} {:?} {}",
                t.name,
                t.issued_in,
                t.issued_to.map(|s| scan.names.str(s).to_string()),
                t.issue.user.as_ref().map(|u| &u.name),
                t.issue.roles,
                t.used_in,
                t.validations
                    .iter()
                    .map(|v| (v.record, scan.names.str(v.by).to_string()))
                    .collect::<Vec<_>>(),
                t.preexisting
            ));
        }
        for v in &vars.variables {
            out.push(format!(
                "v {} {} {} {}",
                v.name, v.value, v.first_seen, v.named_in
            ));
        }
        out.push(format!("dropped {dropped:?}"));
        let mut d: Vec<String> = scan
            .diagnostics
            .iter()
            .map(|d| format!("{}:{:?}", d.line, d.kind))
            .chain(findings.iter().map(|f| {
                let line = scan.facts[f.record()].at.line;
                let kind = match f {
                    graph::Finding::DuplicateKey { .. } => {
                        crate::error::DiagnosticKind::DuplicateId
                    }
                    _ => crate::error::DiagnosticKind::Unpaired,
                };
                format!("{line}:{kind:?}")
            }))
            .collect();
        d.sort();
        out.push(format!("diag {d:?}"));
        out
    }

    #[test]
    fn analyses_every_known_capture_as_the_record_pipeline_did() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut n = 0;
        for dir in [
            root.join("samples"),
            root.join("tests"),
            root.join("../shared/captures"),
        ] {
            for e in walkdir::WalkDir::new(dir)
                .into_iter()
                .filter_map(|e| e.ok())
            {
                let p = e.path();
                if !(e.file_type().is_file() && p.extension().is_some_and(|x| x == "log")) {
                    continue;
                }
                if crate::capture::load(p).is_err() {
                    continue;
                }
                n += 1;
                let (want, got) = (old(p), new(p));
                for (k, (a, b)) in want.iter().zip(&got).enumerate() {
                    assert_eq!(a, b, "{} line {k}", p.display());
                }
                assert_eq!(want.len(), got.len(), "{}", p.display());
            }
        }
        assert!(n > 15);
    }
}

#[cfg(test)]
mod diagram_tests {
    use super::*;
    use crate::next::diagram::Kind;
    use crate::next::scan::{Context, Scan};
    use crate::render::diagram::mermaid_text;

    /// The diagram files as the new skeleton gives them, written the way
    /// templates/diagram.md writes them.
    fn new(path: &Path) -> Vec<(String, String)> {
        let capture = Requestshook::open(path).unwrap();
        let config = crate::config::Config::discover(path).unwrap();
        let mut services = openstack::Services::default();
        services.extend(config.services.clone());
        let filters = filter::Filters::none();
        let ctx = Context {
            services: &services,
            catalog: apiref::Catalog::builtin(),
            filters: &filters,
        };
        let mut scan = Scan::default();
        for piece in capture.pieces(1000) {
            let mut part = Scan::default();
            for r in capture.parse(&piece).unwrap() {
                part.add(&r, ctx);
            }
            scan.append(part);
        }
        let (g, _) = graph::build(&scan.facts);
        let mut vars = variables::Variables::default();
        for c in &scan.candidates {
            vars.name(
                scan.words.str(c.name),
                scan.words.str(c.value),
                c.record as usize,
            );
        }
        let dropped = vec![false; scan.facts.len()];
        let limits = diagram::Limits {
            max_parts: usize::MAX,
            ..Default::default()
        };
        let sk = diagram::build(&diagram::Input {
            facts: &scan.facts,
            names: &scan.names,
            graph: &g,
            dropped: &dropped,
            limits,
        });
        let message = |r: usize| -> String {
            let e = g.exchange_of(r).unwrap();
            let rec = capture.record(scan.facts[r].at).unwrap();
            let src = e
                .request
                .map(|q| capture.record(scan.facts[q as usize].at).unwrap())
                .unwrap_or_else(|| rec.clone());
            let mut target = vars.placeholder_path(src.path());
            if let Some(q) = src.query().and_then(|q| vars.placeholder_query(q)) {
                target.push('?');
                target.push_str(&q);
            }
            match &rec.status {
                Some(s) => format!("{} {}", s.text, target),
                None => format!("{} {}", rec.method, target),
            }
        };
        let labels = &config.labels;
        let pid = |sym: Option<u32>| {
            sym.map(|s| sk.participants[sk.index[&s]].id.clone())
                .unwrap_or_default()
        };
        let line = |k: usize| -> String {
            let item = &sk.items[k];
            let pad = "  ".repeat(item.depth as usize);
            let [a, b] = sk.ends(item, &scan.facts);
            match item.kind {
                Kind::Message => {
                    let arrow = if scan.facts[item.of as usize].is_request() {
                        "->>"
                    } else {
                        "-->>"
                    };
                    format!(
                        "{pad}{}{arrow}{}: {}\n",
                        pid(a),
                        pid(b),
                        mermaid_text(&message(item.of as usize))
                    )
                }
                Kind::Note => {
                    let text = if scan.facts[item.of as usize].is_request() {
                        &labels.no_response
                    } else {
                        &labels.no_request
                    };
                    format!("{pad}Note over {}: {text}\n", pid(a))
                }
                Kind::Open => {
                    let b = &sk.blocks[item.of as usize];
                    let text = match b.service {
                        Some(s) => mermaid_text(
                            &labels
                                .obtains_token
                                .replace("{service}", &mermaid_text(scan.names.str(s))),
                        ),
                        None => format!("{} times", b.count),
                    };
                    format!("{pad}{} {text}\n", b.keyword)
                }
                Kind::Close => format!("{pad}end\n"),
            }
        };
        let chars = |k: usize| -> usize {
            let item = &sk.items[k];
            let [a, b] = sk.ends(item, &scan.facts);
            let (text, kw, arrow) = match item.kind {
                Kind::Message => (
                    mermaid_text(&message(item.of as usize)),
                    0,
                    if scan.facts[item.of as usize].is_request() {
                        3
                    } else {
                        4
                    },
                ),
                Kind::Note => (
                    if scan.facts[item.of as usize].is_request() {
                        "no response captured".to_string()
                    } else {
                        "no request captured".to_string()
                    },
                    0,
                    0,
                ),
                Kind::Open => {
                    let b = &sk.blocks[item.of as usize];
                    let t = match b.service {
                        Some(s) => mermaid_text(
                            &labels
                                .obtains_token
                                .replace("{service}", &mermaid_text(scan.names.str(s))),
                        ),
                        None => format!("{} times", b.count),
                    };
                    (t, b.keyword.len(), 0)
                }
                Kind::Close => (String::new(), 0, 0),
            };
            item.depth as usize * 2 + pid(a).len() + arrow + pid(b).len() + text.len() + kw + 4
        };
        let participant = |k: usize| {
            let p = &sk.participants[k];
            let label = mermaid_text(&p.label);
            if p.id == label {
                format!("participant {}\n", p.id)
            } else {
                format!("participant {} as {label}\n", p.id)
            }
        };
        let mut whole = String::new();
        for k in 0..sk.participants.len() {
            whole.push_str(&participant(k));
        }
        for k in 0..sk.items.len() {
            whole.push_str(&line(k));
        }
        let mut out = vec![("diagram.md".to_string(), whole)];
        let (parts, left) = sk.parts(&scan.facts, &limits, chars);
        assert_eq!(left, 0);
        for (n, p) in parts.iter().enumerate() {
            let mut t = format!("autonumber {}\n", p.start);
            for &k in &p.participants {
                t.push_str(&participant(k));
            }
            for k in p.items.clone() {
                t.push_str(&line(k));
            }
            out.push((format!("diagram-{}.md", n + 1), t));
        }
        out
    }

    #[test]
    fn diagrams_come_out_as_before() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        for dir in [root.join("samples"), root.join("../shared/captures")] {
            for e in walkdir::WalkDir::new(dir)
                .into_iter()
                .filter_map(|e| e.ok())
            {
                let p = e.path();
                if !(e.file_type().is_file() && p.extension().is_some_and(|x| x == "log")) {
                    continue;
                }
                let config = crate::config::Config::discover(p).unwrap();
                let text = std::fs::read_to_string(p).unwrap();
                let (files, _) =
                    crate::pipeline::render_text(&text, p, &config, &Default::default()).unwrap();
                let want: Vec<(String, String)> = files
                    .into_iter()
                    .filter(|(n, _)| n.starts_with("diagram"))
                    .collect();
                let got = new(p);
                assert_eq!(got.len(), want.len(), "{}", p.display());
                for ((gn, g), (wn, w)) in got.iter().zip(&want) {
                    assert_eq!(gn, wn);
                    assert_eq!(g, w, "{} {gn}", p.display());
                }
            }
        }
    }
}
