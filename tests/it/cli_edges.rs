//! Rough edges of the command line (issue 9, item 8): a closed pipe, an
//! output folder that cannot be written, `render`'s `-o`/`--context`
//! choice, and paths said once in errors.

use std::process::Stdio;

use crate::common::{root, stderr, tracedoc, write, DISCOVERY};

/// Runs tracedoc with `args` and its standard output closed before it
/// writes: what `tracedoc ... | head` does once `head` has its lines.
fn with_closed_stdout(args: &[&str]) -> (std::process::ExitStatus, String) {
    let bin = assert_cmd::cargo::cargo_bin("tracedoc");
    let mut child = std::process::Command::new(bin)
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    (output.status, stderr(&output))
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let sample = "samples/openstack/image/create";
    for args in [
        vec!["graph", sample],
        vec!["graph", sample, "--format", "dot"],
        vec!["render", sample, "--context"],
    ] {
        let (status, err) = with_closed_stdout(&args);
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
    }
}

#[test]
fn an_output_folder_that_cannot_be_written_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the docs folder's parent should be: no capture can be written.
    let blocker = write(dir.path(), "blocker", "not a folder\n");
    let out = blocker.join("docs");
    let output = tracedoc()
        .current_dir(root())
        .args(["build", "samples", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let errors = err.lines().filter(|l| l.starts_with("error:")).count();
    assert_eq!(errors, 1, "{err}");
    assert!(err.contains(&out.display().to_string()), "{err}");
    assert!(
        !err.contains("tracedoc: "),
        "no summary of a run that never started: {err}"
    );
}

#[test]
fn render_help_shows_output_as_required() {
    let output = tracedoc().args(["render", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    let usage = help
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .unwrap_or_default();
    assert!(usage.contains("<--output <OUTDIR>|--context>"), "{usage}");
}

#[test]
fn context_and_output_together_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "requestshook.log", DISCOVERY);
    let out = dir.path().join("out");
    let output = tracedoc()
        .arg("render")
        .arg(&input)
        .arg("--context")
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!out.exists(), "nothing is written");
    // Neither, too, is a usage error; --context alone still works.
    let output = tracedoc().arg("render").arg(&input).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = tracedoc()
        .arg("render")
        .arg(&input)
        .arg("--context")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// How many times `needle` occurs in `hay`.
fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn errors_say_a_path_once() {
    let dir = tempfile::tempdir().unwrap();
    let captures = dir.path().join("captures");
    let bad = captures.join("broken");
    write(&bad, "requestshook.log", "no records here\n");
    let output = tracedoc()
        .arg("build")
        .arg(&captures)
        .arg("-o")
        .arg(dir.path().join("docs"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let line = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(count(line, &bad.display().to_string()), 1, "{line}");

    // An error that does not name the capture gets its folder in front.
    let captures = dir.path().join("more");
    write(&captures.join("one"), "requestshook.log", DISCOVERY);
    let docs = dir.path().join("docs2");
    std::fs::create_dir_all(docs.join("one")).unwrap();
    std::fs::write(docs.join("one").join("body.md"), "mine\n").unwrap();
    let output = tracedoc()
        .arg("build")
        .arg(&captures)
        .arg("-o")
        .arg(&docs)
        .output()
        .unwrap();
    let err = stderr(&output);
    let line = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("{err}"));
    let folder = captures.join("one").display().to_string();
    assert!(
        line.starts_with(&format!("error: {folder}: refusing to overwrite")),
        "{line}"
    );
    assert_eq!(count(line, &folder), 1, "{line}");
}

/// Every file tracedoc writes, and every template it reads.
fn every_name() -> (Vec<&'static str>, Vec<&'static str>) {
    let mut files: Vec<&str> = tracedoc::render::OUTPUTS.to_vec();
    // (`site` is not public: its names as documented.)
    files.extend([
        "diagram-N.md",
        "index.md",
        "captures.md",
        "api-coverage.md",
        ".tracedoc-summary.json",
        ".tracedoc-manifest",
        ".tracedoc-stamps",
    ]);
    let templates = tracedoc::render::template::BUILTIN
        .iter()
        .map(|(name, _)| *name)
        .collect();
    (files, templates)
}

#[test]
fn help_and_docs_name_every_file_and_template() {
    let (files, templates) = every_name();
    let help = |sub: &str| {
        let output = tracedoc().args([sub, "--help"]).output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let build = help("build");
    // diff.md is `tracedoc diff`'s page, not build's.
    for name in files.iter().chain(&templates).filter(|n| **n != "diff.md") {
        assert!(build.contains(name), "build --help does not name {name}");
    }
    let render = help("render");
    for name in tracedoc::render::OUTPUTS {
        assert!(render.contains(name), "render --help does not name {name}");
    }
    // render uses the per-capture templates; index.md and the overview pages are build's.
    for name in templates
        .iter()
        .filter(|n| !["index.md", "home.md", "coverage.md", "diff.md"].contains(n))
    {
        assert!(
            render.contains(name),
            "render --help does not name template {name}"
        );
    }
    let doc = std::fs::read_to_string(root().join("docs/cli.md")).unwrap();
    for name in files.iter().chain(&templates) {
        assert!(doc.contains(name), "docs/cli.md does not name {name}");
    }
}

#[test]
fn empty_tables_are_written_as_the_docs_say() {
    // samples/openstack/image/show omits nothing: omitted.md is empty, and written.
    let out = tempfile::tempdir().unwrap();
    let output = tracedoc()
        .current_dir(root())
        .args(["render", "samples/openstack/image/show", "-q", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let omitted = out.path().join("omitted.md");
    assert_eq!(std::fs::read_to_string(omitted).unwrap(), "");
    let doc = std::fs::read_to_string(root().join("docs/cli.md")).unwrap();
    assert!(
        doc.contains("even when empty"),
        "docs/cli.md says empty tables are written"
    );
}
