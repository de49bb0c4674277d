//! `tracedoc diff`: the sample pairs under samples/diff/ (each kind of
//! change, and a pair that differs only in ids), exit codes, real captures.

use std::path::{Path, PathBuf};

use crate::common::{root, shared, stderr, stdout, tracedoc};

/// Every pair folder under samples/diff/, sorted.
fn pairs() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(root().join("samples/diff"))
        .expect("samples/diff")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    all.sort();
    all
}

/// Runs `tracedoc diff OLD NEW -o DIR --format json`: (exit code, JSON, diff.md).
fn diff(old: &Path, new: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = tempfile::tempdir().expect("tmp");
    let run = tracedoc()
        .arg("diff")
        .arg(old)
        .arg(new)
        .arg("-o")
        .arg(out.path())
        .args(["--format", "json", "-q"])
        .args(extra)
        .output()
        .expect("run");
    let page = std::fs::read_to_string(out.path().join("diff.md")).unwrap_or_default();
    let code = run.status.code();
    assert!(
        code == Some(0) || code == Some(1),
        "{}: {}",
        old.display(),
        stderr(&run)
    );
    (code, stdout(&run), page)
}

fn relative(p: &Path) -> PathBuf {
    p.strip_prefix(root())
        .expect("under the root")
        .to_path_buf()
}

#[test]
fn sample_pairs_snapshots() {
    let pairs = pairs();
    assert!(pairs.len() >= 7, "{pairs:?}");
    for dir in pairs {
        let kind = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let rel = relative(&dir);
        let (code, json, page) = diff(&rel.join("old.capture"), &rel.join("new.capture"), &[]);
        let expected = if kind == "ids-only" { 0 } else { 1 };
        assert_eq!(code, Some(expected), "{kind}");
        let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["equivalent"], kind == "ids-only", "{kind}");
        let summary = &doc["summary"];
        let count = |k: &str| summary[k].as_u64().unwrap_or(0);
        // Each pair shows its own kind of change, and only that one.
        let (added, removed, moved, changed) = match kind.as_str() {
            "ids-only" => (0, 0, 0, 0),
            "added-call" => (1, 0, 0, 0),
            "removed-call" => (0, 1, 0, 0),
            "moved-call" => (0, 0, 1, 0),
            _ => (0, 0, 0, 1),
        };
        assert_eq!(
            (
                count("added"),
                count("removed"),
                count("moved"),
                count("changed")
            ),
            (added, removed, moved, changed),
            "{kind}: {summary}"
        );
        insta::assert_snapshot!(format!("diff_page_{kind}"), page);
        insta::assert_snapshot!(format!("diff_json_{kind}"), json);
    }
}

/// What each kind of change says in the JSON, beyond the counts.
#[test]
fn each_change_is_described() {
    let json = |kind: &str| {
        let rel = Path::new("samples/diff").join(kind);
        let (_, json, _) = diff(&rel.join("old.capture"), &rel.join("new.capture"), &[]);
        let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
        let changed: Vec<serde_json::Value> = doc["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["kind"] != "same")
            .cloned()
            .collect();
        assert_eq!(changed.len(), 1, "{kind}: {changed:?}");
        changed[0].clone()
    };
    let status = json("status-change");
    assert_eq!(status["changes"]["status"]["old"], "200 OK");
    assert_eq!(status["changes"]["status"]["new"], "404 Not Found");

    let headers = json("header-change");
    let added = &headers["changes"]["request"]["headers_added"];
    assert!(added
        .as_array()
        .expect("added")
        .iter()
        .any(|h| h["name"] == "OpenStack-API-Version" && h["value"] == "image 2.16"));
    // A header whose value does not matter is named, without its value.
    assert!(added
        .as_array()
        .expect("added")
        .iter()
        .any(|h| h["name"] == "X-Client-Trace" && h["value"].is_null()));
    let values = &headers["changes"]["response"]["header_values"][0];
    assert_eq!(values["name"], "Content-Type");
    assert_eq!(values["new"], "application/json; charset=UTF-8");

    let body = json("body-shape-change");
    let response = &body["changes"]["response"];
    assert_eq!(response["keys_added"][0]["path"], ".stores");
    assert_eq!(response["keys_removed"][0]["path"], ".virtual_size");
    assert_eq!(response["type_changes"][0]["path"], ".protected");
    assert_eq!(response["type_changes"][0]["old"], "boolean");
    assert_eq!(response["type_changes"][0]["new"], "string");

    let moved = json("moved-call");
    assert_eq!(moved["changes"]["callee"]["old"], "keystone");
    assert_eq!(moved["changes"]["callee"]["new"], "keystone-wsgi-public");

    let added = json("added-call");
    assert_eq!(added["new"]["to"], "keystone");
    assert!(added["old"].is_null());
}

#[test]
fn exit_codes_tell_equal_from_different_from_errors() {
    let pair = Path::new("samples/diff/ids-only");
    let run = |args: &[&str]| tracedoc().arg("diff").args(args).output().expect("run");
    let old = pair.join("old.capture");
    let old = old.to_str().expect("utf-8");
    let out = run(&[old, "samples/diff/ids-only/new.capture"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("equivalent"), "{}", stdout(&out));
    let out = run(&[old, "samples/diff/added-call/new.capture"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("added: "), "{}", stdout(&out));
    // A capture compared with itself is equivalent.
    assert_eq!(run(&[old, old]).status.code(), Some(0));
    // Errors are 2, not 1 ("different").
    let out = run(&[old, "samples/diff/no-such-capture"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    assert_eq!(run(&[old]).status.code(), Some(2));
    assert_eq!(run(&[old, old, "--format", "yaml"]).status.code(), Some(2));
}

#[test]
fn diff_output_is_redacted_unless_asked_not_to() {
    // The token request of every pair carries the sample password; a
    // header value the diff shows (Content-Type matters) repeats it.
    let rel = Path::new("samples/diff/status-change");
    let secret = "Fake-Passw0rd-not-real";
    let text = std::fs::read_to_string(root().join(rel).join("old.capture")).expect("read");
    assert!(text.contains(secret));
    let dir = tempfile::tempdir().expect("tmp");
    let old = crate::common::write(dir.path(), "old.log", &text);
    let new_text = std::fs::read_to_string(root().join(rel).join("new.capture"))
        .expect("read")
        .replacen(
            "Content-Type: application/json\n",
            &format!("Content-Type: application/json; password={secret}\n"),
            1,
        );
    let new = crate::common::write(dir.path(), "new.log", &new_text);
    let (_, json, page) = diff(&old, &new, &[]);
    assert!(!json.contains(secret) && !page.contains(secret), "{json}");
    let (_, json, _) = diff(&old, &new, &["--no-redact"]);
    assert!(json.contains(secret), "{json}");
}

/// Two real captures of the same command from different runs (create and
/// create-seed: other ids, tokens, dates) are equivalent; two different
/// commands differ, and say how.
#[test]
fn real_captures() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is not there");
        return;
    };
    let image = shared.join("captures/openstack/image");
    let (code, json, page) = diff(&image.join("create"), &image.join("create-seed"), &[]);
    assert_eq!(code, Some(0), "{json}");
    assert!(page.contains("!!! success \"Equivalent\""), "{page}");
    let (code, json, page) = diff(&image.join("list"), &image.join("show"), &[]);
    assert_eq!(code, Some(1));
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert!(doc["summary"]["added"].as_u64() >= Some(1), "{json}");
    assert!(page.contains("## Changes"), "{page}");
}

/// The committed pairs are what scripts/gen-diff-samples.py writes.
#[test]
fn pairs_match_their_generator() {
    let out = tempfile::tempdir().expect("tmp");
    let status = std::process::Command::new("python3")
        .arg(root().join("scripts/gen-diff-samples.py"))
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .status();
    let Ok(status) = status else {
        eprintln!("skipped: python3 is not available");
        return;
    };
    assert!(status.success());
    let mut generated = 0;
    for entry in walkdir::WalkDir::new(out.path()) {
        let entry = entry.expect("entry");
        if !entry.file_type().is_file() {
            continue;
        }
        generated += 1;
        let rel = entry.path().strip_prefix(out.path()).expect("rel");
        let committed = std::fs::read(root().join("samples/diff").join(rel))
            .unwrap_or_else(|_| panic!("samples/diff/{} is not committed", rel.display()));
        assert!(
            committed == std::fs::read(entry.path()).expect("read"),
            "samples/diff/{} differs from what scripts/gen-diff-samples.py writes",
            rel.display()
        );
    }
    assert_eq!(generated, 3 * pairs().len());
}
