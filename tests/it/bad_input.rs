//! The bad-input corpus (`tests/bad-input/`), through the real binary.
//!
//! For every file: no panic, only a documented exit code (0 ok, 1 input
//! problems, 2 usage), a message naming the file and, where there is one,
//! the line; `--strict` turns warnings into exit 1. And whatever fails, the
//! earlier contents of the output folder stay byte for byte, with no
//! temporary file left behind. See docs/robustness.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{root, stderr, tracedoc, DISCOVERY};

fn corpus(name: &str) -> PathBuf {
    root().join("tests").join("bad-input").join(name)
}

fn render(input: &Path, out: &Path, extra: &[&str]) -> Output {
    tracedoc()
        .arg("render")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .expect("tracedoc runs")
}

/// Every file under `dir` (hidden ones too), by relative path, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return files;
    }
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.expect("walk the output folder");
        // `.tracedoc-stamps` caches mtimes: not output, never the same twice.
        if entry.file_type().is_file() && entry.file_name() != ".tracedoc-stamps" {
            let rel = entry.path().strip_prefix(dir).expect("under dir");
            let bytes = std::fs::read(entry.path()).expect("read output file");
            files.insert(rel.to_string_lossy().into_owned(), bytes);
        }
    }
    files
}

/// Temporary files `site` writes before renaming into place.
fn leftover_temp_files(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_keys()
        .filter(|name| {
            let base = name.rsplit('/').next().unwrap_or(name);
            base.starts_with(".tracedoc-") && base.ends_with(".tmp")
        })
        .collect()
}

/// The checks every run gets, whatever its input.
fn assert_sane(what: &str, output: &Output, out: &Path) {
    let err = stderr(output);
    let code = output.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "{what}: exit {code:?} is not 0, 1 or 2 (killed by a signal?)\n{err}"
    );
    assert!(!err.contains("panicked"), "{what}: panicked\n{err}");
    assert!(
        leftover_temp_files(out).is_empty(),
        "{what}: temporary files left in {}: {:?}",
        out.display(),
        leftover_temp_files(out)
    );
}

struct Case {
    input: &'static str,
    /// Exit code of a plain run.
    code: i32,
    /// Exit code with `--strict`.
    strict: i32,
    /// Texts standard error must contain (file, line, what went wrong).
    messages: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        input: "empty.log",
        code: 1,
        strict: 1,
        messages: &["empty.log: no requestshook records found"],
    },
    Case {
        input: "blank-lines.log",
        code: 1,
        strict: 1,
        messages: &["blank-lines.log: no requestshook records found"],
    },
    Case {
        input: "binary.png",
        code: 1,
        strict: 1,
        messages: &["binary.png: not a capture in any format tracedoc reads; tried requestshook"],
    },
    Case {
        input: "invalid-utf8.log",
        code: 1,
        strict: 1,
        messages: &["invalid-utf8.log:12:15: invalid UTF-8"],
    },
    Case {
        input: "no-capture",
        code: 1,
        strict: 1,
        messages: &["no-capture: no capture found in this folder"],
    },
    Case {
        input: "truncated.log",
        code: 0,
        strict: 1,
        messages: &["truncated.log:17: record cut off"],
    },
    Case {
        input: "missing-blank-line.log",
        code: 0,
        strict: 1,
        messages: &[
            "missing-blank-line.log:5: header line without `: `",
            "missing-blank-line.log:7: header line without `: `",
        ],
    },
    Case {
        input: "unknown-head.log",
        code: 0,
        strict: 1,
        messages: &[
            "unknown-head.log:17: head line does not parse",
            "unknown-head.log:19: head line does not parse",
            "unknown-head.log:21: head line does not parse",
        ],
    },
    Case {
        input: "duplicate-ids.log",
        code: 0,
        strict: 1,
        messages: &["duplicate-ids.log:17: "],
    },
    Case {
        input: "interleaved.log",
        code: 0,
        strict: 0,
        messages: &[],
    },
    Case {
        input: "crlf.log",
        code: 0,
        strict: 0,
        messages: &[],
    },
];

#[test]
fn every_corpus_file_has_its_documented_outcome() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (i, case) in CASES.iter().enumerate() {
        for (strict, want) in [(false, case.code), (true, case.strict)] {
            let what = format!("{}{}", case.input, if strict { " --strict" } else { "" });
            let out = tmp.path().join(format!("out-{i}-{strict}"));
            let extra: &[&str] = if strict { &["--strict"] } else { &[] };
            let output = render(&corpus(case.input), &out, extra);
            assert_sane(&what, &output, &out);
            let err = stderr(&output);
            assert_eq!(output.status.code(), Some(want), "{what}\n{err}");
            for m in case.messages {
                assert!(err.contains(m), "{what}: stderr lacks `{m}`:\n{err}");
            }
            if want != 0 {
                assert!(
                    snapshot(&out).is_empty(),
                    "{what}: a failed run wrote {:?}",
                    snapshot(&out).keys()
                );
            }
        }
    }
}

#[test]
fn every_corpus_file_is_covered() {
    let listed: Vec<&str> = CASES.iter().map(|c| c.input).collect();
    for entry in std::fs::read_dir(corpus("")).expect("tests/bad-input") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        if name == "README.md" {
            continue;
        }
        assert!(
            listed.contains(&name.as_ref()),
            "{name} has no case in CASES"
        );
    }
}

#[test]
fn interleaved_records_keep_log_order() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let output = render(&corpus("interleaved.log"), tmp.path(), &[]);
    assert_sane("interleaved.log", &output, tmp.path());
    let body = std::fs::read_to_string(tmp.path().join("body.md")).expect("body.md");
    let headings: Vec<&str> = body.lines().filter(|l| l.starts_with("### ")).collect();
    assert_eq!(
        headings,
        [
            "### <a id=\"step-1\"></a>(1) GET /image/v2/images/11111111",
            "### <a id=\"step-2\"></a>(2) GET /image/v2/images/22222222",
            "### <a id=\"step-3\"></a>(3) 200 OK /image/v2/images/22222222",
            "### <a id=\"step-4\"></a>(4) 200 OK /image/v2/images/11111111",
        ]
    );
}

#[test]
fn crlf_renders_like_lf() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let crlf = std::fs::read(corpus("crlf.log")).expect("crlf.log");
    assert!(
        crlf.windows(2).any(|w| w == b"\r\n"),
        "the sample lost its CRLF"
    );
    let lf_dir = tmp.path().join("lf");
    std::fs::create_dir_all(&lf_dir).expect("mkdir");
    let lf = String::from_utf8(crlf)
        .expect("utf-8")
        .replace("\r\n", "\n");
    std::fs::write(lf_dir.join("crlf.log"), lf).expect("write");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let oa = render(&corpus("crlf.log"), &a, &["--strict"]);
    let ob = render(&lf_dir.join("crlf.log"), &b, &["--strict"]);
    assert_sane("crlf.log", &oa, &a);
    assert_eq!(oa.status.code(), Some(0), "{}", stderr(&oa));
    assert_eq!(ob.status.code(), Some(0), "{}", stderr(&ob));
    let (sa, sb) = (snapshot(&a), snapshot(&b));
    assert!(sa.contains_key("body.md"));
    assert_eq!(sa, sb, "CRLF and LF captures render differently");
    assert!(!sa["body.md"].contains(&b'\r'), "a CR reached body.md");
}

/// A 50 MB body on one line, generated here (never committed).
#[test]
fn a_50_mb_single_line_body_renders_whole() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("requestshook.log");
    let payload = "A".repeat(50 * 1024 * 1024);
    let text = format!(
        "### (openstack) REQ >>> (glance-api) : PUT http://192.0.2.10/image/v2/images/x/file\n\
         Host: 192.0.2.10\n\n{{\"data\": \"{payload}\"}}\n\n\
         ### (openstack) RESP <<< (glance-api) : 204 No Content PUT http://192.0.2.10/image/v2/images/x/file\n\n\
         none\n"
    );
    std::fs::write(&log, &text).expect("write the big capture");
    drop(text);
    let out = tmp.path().join("out");
    let output = render(&log, &out, &["--strict"]);
    assert_sane("50 MB line", &output, &out);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let body = std::fs::read_to_string(out.join("body.md")).expect("body.md");
    let line = body
        .lines()
        .find(|l| l.len() > payload.len())
        .expect("the big line is in body.md");
    assert!(
        line.trim_start().starts_with("{\"data\": \"AAAA") && line.ends_with("AAAA\"}"),
        "the big line was changed"
    );
    assert_eq!(line.trim_start().len(), payload.len() + 12);
}

/// A template folder whose `name` is `text`.
fn template_dir(parent: &Path, dir: &str, name: &str, text: &str) -> PathBuf {
    let d = parent.join(dir);
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join(name), text).expect("write template");
    d
}

#[test]
fn a_failed_run_leaves_earlier_output_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let good_dir = tmp.path().join("good");
    std::fs::create_dir_all(&good_dir).expect("mkdir");
    let good = good_dir.join("requestshook.log");
    std::fs::write(&good, DISCOVERY).expect("write");
    let out = tmp.path().join("site").join("page");
    let first = render(&good, &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = snapshot(&out);
    assert!(before.contains_key("body.md") && before.contains_key(".tracedoc-manifest"));

    let bad_syntax = template_dir(tmp.path(), "t1", "body.md", "{% for step in %}\n");
    // Fails at render time, and only in the last-rendered template: nothing
    // may be written before every file rendered.
    let bad_render = template_dir(tmp.path(), "t2", "log.md", "{{ no_such_value.field }}\n");
    let t1 = bad_syntax.to_string_lossy().into_owned();
    let t2 = bad_render.to_string_lossy().into_owned();
    let runs: Vec<(&str, PathBuf, Vec<&str>, &str)> = vec![
        (
            "fatal input",
            corpus("invalid-utf8.log"),
            vec![],
            "invalid-utf8.log:12:15",
        ),
        (
            "binary input",
            corpus("binary.png"),
            vec![],
            "binary.png: not a capture",
        ),
        ("empty input", corpus("empty.log"), vec![], "empty.log"),
        ("no capture", corpus("no-capture"), vec![], "no-capture"),
        (
            "--strict with warnings",
            corpus("truncated.log"),
            vec!["--strict"],
            "truncated.log:17",
        ),
        (
            "template syntax error",
            good.clone(),
            vec!["--templates", &t1],
            "body.md",
        ),
        (
            "template render error",
            good.clone(),
            vec!["--templates", &t2],
            "log.md",
        ),
    ];
    for (what, input, extra, message) in runs {
        let output = render(&input, &out, &extra);
        assert_sane(what, &output, &out);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{what}\n{err}");
        assert!(
            err.contains(message),
            "{what}: stderr lacks `{message}`:\n{err}"
        );
        assert!(
            snapshot(&out) == before,
            "{what}: the output folder changed after a failed run"
        );
    }
}

#[test]
fn usage_errors_exit_2_without_touching_output() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let output = tracedoc()
        .args(["render", "--no-such-flag"])
        .arg(corpus("crlf.log"))
        .arg("-o")
        .arg(tmp.path())
        .output()
        .expect("tracedoc runs");
    assert_sane("unknown flag", &output, tmp.path());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(snapshot(tmp.path()).is_empty());
}
