//! `tracedoc build` skips the captures that did not change: a second build
//! reads manifests and file metadata only, and writes nothing; any change
//! that matters (the capture, the settings, an output someone deleted or
//! edited, a capture with warnings) makes it render again.

use std::path::{Path, PathBuf};

use crate::common::{root, stderr, tracedoc};

fn build(caps: &Path, docs: &Path, extra: &[&str]) -> std::process::Output {
    tracedoc()
        .arg("build")
        .arg(caps)
        .arg("-o")
        .arg(docs)
        .args(extra)
        .output()
        .unwrap()
}

/// Every file under `dir` with its mtime (the stamps cache left out).
fn mtimes(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.file_name() != ".tracedoc-stamps")
        .map(|e| {
            let t = e.metadata().unwrap().modified().unwrap();
            (e.path().to_path_buf(), t)
        })
        .collect();
    out.sort();
    out
}

/// A tree of three sample captures.
fn tree() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let caps = tmp.path().join("caps");
    for name in ["list", "show", "create"] {
        let dir = caps.join("image").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            root()
                .join("samples/openstack/image")
                .join(name)
                .join("requestshook.log"),
            dir.join("requestshook.log"),
        )
        .unwrap();
    }
    let docs = tmp.path().join("docs");
    (tmp, caps, docs)
}

fn summary(output: &std::process::Output) -> String {
    stderr(output)
        .lines()
        .find(|l| l.starts_with("tracedoc: "))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_second_build_writes_nothing() {
    let (_tmp, caps, docs) = tree();
    let first = build(&caps, &docs, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        // Per capture 7 pages, its summary and its kept warnings; the home
        // and coverage pages.
        summary(&first).contains("29 file(s) written, 0 unchanged"),
        "{}",
        summary(&first)
    );
    let before = mtimes(&docs);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = build(&caps, &docs, &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        summary(&second).contains("0 file(s) written, 29 unchanged"),
        "{}",
        summary(&second)
    );
    assert_eq!(mtimes(&docs), before, "a no-op build touched files");
}

/// Every file and folder under `dir` with its mtime (the stamps cache left
/// out): a temporary file made and removed moves its folder's mtime.
fn mtimes_with_folders(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != ".tracedoc-stamps")
        .map(|e| {
            (
                e.path().to_path_buf(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_capture_with_warnings_is_skipped_and_still_says_them() {
    let (_tmp, caps, docs) = tree();
    // A request that never got its response: one warning.
    let dir = caps.join("image/cut");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("samples/broken/openstack/image/delete-no-response/requestshook.log"),
        dir.join("requestshook.log"),
    )
    .unwrap();
    let first = build(&caps, &docs, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let warned = |o: &std::process::Output| {
        stderr(o)
            .lines()
            .filter(|l| l.starts_with("warning: ") && l.contains("never got a response"))
            .count()
    };
    assert_eq!(warned(&first), 1, "{}", stderr(&first));
    let before = mtimes_with_folders(&docs);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = build(&caps, &docs, &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    // Said again, from what the first build kept; nothing written, no
    // temporary file made.
    assert_eq!(warned(&second), 1, "{}", stderr(&second));
    assert_eq!(
        mtimes_with_folders(&docs),
        before,
        "a no-op build touched the tree"
    );
    // --strict still fails on it.
    let strict = build(&caps, &docs, &["--strict"]);
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
}

#[test]
fn a_changed_capture_is_rendered_again_and_only_it() {
    let (_tmp, caps, docs) = tree();
    assert!(build(&caps, &docs, &[]).status.success());
    let list = caps.join("image/list/requestshook.log");
    let text = std::fs::read_to_string(&list).unwrap();
    std::fs::write(&list, text.replace("\"images\"", "\"images_\"")).unwrap();
    let before = mtimes(&docs.join("image/show"));
    let out = build(&caps, &docs, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !summary(&out).contains(" 0 file(s) written"),
        "{}",
        summary(&out)
    );
    assert_eq!(
        mtimes(&docs.join("image/show")),
        before,
        "show was rendered again"
    );
    assert!(std::fs::read_to_string(docs.join("image/list/body.md"))
        .unwrap()
        .contains("images_"));
}

#[test]
fn a_deleted_output_comes_back_and_an_edited_one_is_not_skipped() {
    let (_tmp, caps, docs) = tree();
    assert!(build(&caps, &docs, &[]).status.success());
    std::fs::remove_file(docs.join("image/show/diagram.md")).unwrap();
    let out = build(&caps, &docs, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(docs.join("image/show/diagram.md").is_file());
    // An edit of the same size is found too (by its hash, not its size).
    let body = docs.join("image/show/body.md");
    let text = std::fs::read_to_string(&body).unwrap();
    std::fs::write(&body, text.replacen("###", "##X", 1)).unwrap();
    let out = build(&caps, &docs, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("body.md"), "{}", stderr(&out));
}

#[test]
fn changed_settings_render_everything_again() {
    let (_tmp, caps, docs) = tree();
    assert!(build(&caps, &docs, &[]).status.success());
    std::fs::write(caps.join("tracedoc.toml"), "lang = \"en\"\n").unwrap();
    let out = build(&caps, &docs, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(docs.join("image/list/body.md"))
        .unwrap()
        .contains("API reference"));
    let out = build(&caps, &docs, &["--no-redact"]);
    assert!(out.status.success());
    assert!(
        !summary(&out).contains(" 0 file(s) written"),
        "{}",
        summary(&out)
    );
}

#[test]
fn a_capture_with_warnings_says_them_every_time() {
    let (_tmp, caps, docs) = tree();
    let dir = caps.join("image/cut");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("requestshook.log"),
        "### (a) REQ >>> (b) : GET http://h/x\nX-Requestshook-Request-Id: 1\n\nnone\n",
    )
    .unwrap();
    for _ in 0..2 {
        let out = build(&caps, &docs, &[]);
        assert!(out.status.success());
        assert!(
            stderr(&out).contains("never got a response"),
            "{}",
            stderr(&out)
        );
    }
}
