//! `render --check` and `build --check`: nothing written, exit 0 when the
//! pages are current, 1 with the list of files when they are not.

use crate::common::{root, stdout, tracedoc};

fn build(docs: &std::path::Path, extra: &[&str]) -> std::process::Output {
    tracedoc()
        .args(["build", "samples/openstack/image", "-o"])
        .arg(docs)
        .args(["-q"])
        .args(extra)
        .output()
        .expect("run")
}

/// Every file under `dir` with its bytes, to tell that nothing was written.
fn snapshot(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut all: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().to_path_buf(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn build_check_passes_on_fresh_pages_and_lists_stale_ones() {
    let tmp = tempfile::tempdir().expect("tmp");
    let docs = tmp.path().join("docs");
    // Nothing there yet: every file would be created; nothing is written.
    let out = build(&docs, &["--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("would create: "), "{}", stdout(&out));
    assert!(!docs.exists(), "--check wrote the docs folder");

    assert_eq!(build(&docs, &[]).status.code(), Some(0));
    let out = build(&docs, &["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "");

    // A stale tree: pages made with another diagram template (as after an
    // upgrade), a removed file, and two hand edits.
    let templates = tmp.path().join("templates");
    std::fs::create_dir_all(&templates).expect("mkdir");
    std::fs::write(templates.join("diagram.md"), "Alice->>Bob: hi\n").expect("write");
    let with = build(&docs, &["--templates", templates.to_str().expect("utf-8")]);
    assert_eq!(with.status.code(), Some(0));
    let show = docs.join("show");
    std::fs::remove_file(show.join("log.md")).expect("rm");
    std::fs::write(show.join("body.md"), "edited by a person\n").expect("edit");
    std::fs::write(docs.join("list/index.md"), "# mine\n").expect("edit");
    let before = snapshot(&docs);

    let out = build(&docs, &["--check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    let d = docs.display();
    let mut expected = vec![
        format!("hand-edited: {d}/show/body.md (edited since tracedoc wrote it: a run refuses to overwrite it without --force)"),
        format!("kept (edited by hand): {d}/list/index.md (a run keeps it as it is)"),
        format!("would create: {d}/show/log.md"),
    ];
    for entry in std::fs::read_dir(root().join("samples/openstack/image")).expect("ls") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        expected.push(format!("would change: {d}/{name}/diagram.md"));
    }
    expected.sort();
    assert_eq!(lines, expected);
    assert_eq!(snapshot(&docs), before, "--check wrote something");

    // --diff: the unified diff of the stale page.
    let out = build(&docs, &["--check", "--diff"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("--- {d}/save/diagram.md\n")),
        "{text}"
    );
    assert!(!text.contains("+++ /dev/null"), "{text}");
    assert!(text.contains("\n-Alice->>Bob: hi\n"), "{text}");
    assert_eq!(snapshot(&docs), before, "--diff wrote something");
}

#[test]
fn render_check_follows_the_same_rules() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out_dir = tmp.path().join("out");
    let render = |extra: &[&str]| {
        tracedoc()
            .args(["render", "samples/openstack/image/show", "-q", "-o"])
            .arg(&out_dir)
            .args(extra)
            .output()
            .expect("run")
    };
    assert_eq!(render(&["--check"]).status.code(), Some(1));
    assert!(!out_dir.exists());
    let first = render(&[]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        crate::common::stderr(&first)
    );
    assert_eq!(render(&["--check"]).status.code(), Some(0));
    std::fs::write(out_dir.join("tokens.md"), "mine\n").expect("edit");
    let out = render(&["--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("hand-edited: "),
        "{}",
        stdout(&out)
    );
    // Forced, the same file is only stale.
    let out = render(&["--check", "--force"]);
    assert!(
        stdout(&out).starts_with("would change: "),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("tokens.md")).expect("read"),
        "mine\n"
    );
}
