//! The readers of captures people already have: `openstack --debug` output
//! (`samples/debug/`) and published `body.md` pages (`samples/bodymd/`),
//! snapshotted like the requestshook samples, and `body.md` read back
//! against the page it came from.

use std::path::{Path, PathBuf};

use crate::common::{
    assert_one_section_per_record, first_difference, root, shared, stderr, tracedoc,
};

/// What one run of `tracedoc render` produced: exit code, warnings, and the
/// files written (sorted, hidden ones left out).
struct Run {
    code: Option<i32>,
    files: Vec<(String, String)>,
    warnings: Vec<String>,
}

fn render(input: &Path, extra: &[&str]) -> (Run, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let output = tracedoc()
        .arg("render")
        .arg(input)
        .arg("-o")
        .arg(out.path())
        .args(extra)
        .output()
        .unwrap();
    let mut files: Vec<(String, String)> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .map(|n| {
            let text = std::fs::read_to_string(out.path().join(&n)).unwrap();
            (n, text)
        })
        .collect();
    files.sort();
    let run = Run {
        code: output.status.code(),
        files,
        warnings: stderr(&output)
            .lines()
            .filter(|l| l.starts_with("warning"))
            .map(String::from)
            .collect(),
    };
    (run, out)
}

fn file<'a>(run: &'a Run, name: &str) -> &'a str {
    &run.files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} written"))
        .1
}

/// Snapshots every output file of every sample named `file_name` under
/// `samples/<dir>`, as `<dir>/<sample>/<file>`.
fn snapshot_samples(dir: &str, file_name: &str) {
    let base = root().join("samples").join(dir);
    let mut found = 0;
    let mut expected: Vec<String> = Vec::new();
    for e in walkdir::WalkDir::new(&base).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_name() != file_name {
            continue;
        }
        found += 1;
        let rel = e
            .path()
            .parent()
            .unwrap()
            .strip_prefix(&base)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        // Relative to the project root (where tracedoc runs): warnings name it.
        let input = e.path().strip_prefix(root()).unwrap();
        let (run, _out) = render(input, &[]);
        assert_eq!(run.code, Some(0), "{rel}: {:?}", run.warnings);
        let mut settings = insta::Settings::clone_current();
        settings.set_input_file(e.path());
        settings.set_omit_expression(true);
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| {
            let list: Vec<&str> = run.files.iter().map(|(n, _)| n.as_str()).collect();
            let summary = format!(
                "files: {}\nwarnings:\n{}",
                list.join(" "),
                run.warnings
                    .iter()
                    .map(|w| format!("  {w}\n"))
                    .collect::<String>()
            );
            insta::assert_snapshot!(
                format!("readback__{dir}__{rel}__run").replace('/', "__"),
                summary
            );
            for (f, text) in &run.files {
                insta::assert_snapshot!(
                    format!("readback__{dir}__{rel}__{f}").replace('/', "__"),
                    text
                );
            }
        });
        expected.push(format!("readback__{dir}__{rel}__run.snap").replace('/', "__"));
        for (f, _) in &run.files {
            expected.push(format!("readback__{dir}__{rel}__{f}.snap").replace('/', "__"));
        }
        assert_one_section_per_record(file(&run, "body.md"), e.path());
    }
    assert!(found > 0, "no {file_name} under {}", base.display());
    // A sample or an output file that went away must take its snapshot along.
    let prefix = format!("readback__{dir}__");
    let mut stale: Vec<String> = std::fs::read_dir(root().join("tests/it/snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix) && n.ends_with(".snap") && !expected.contains(n))
        .collect();
    stale.sort();
    assert!(
        stale.is_empty(),
        "snapshots no sample produces any more (delete them): {stale:?}"
    );
}

#[test]
fn debug_output_snapshots() {
    snapshot_samples("debug", "openstack-debug.log");
}

#[test]
fn published_page_snapshots() {
    snapshot_samples("bodymd", "body.md");
}

fn debug_samples() -> Vec<PathBuf> {
    walkdir::WalkDir::new(root().join("samples/debug"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "openstack-debug.log")
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn debug_output_is_detected_and_pairs_every_call() {
    for log in debug_samples() {
        let (run, _out) = render(&log, &["--no-redact"]);
        assert_eq!(run.code, Some(0), "{}", log.display());
        // Every REQ answered, nothing skipped.
        assert!(
            run.warnings.is_empty(),
            "{}: {:?}",
            log.display(),
            run.warnings
        );
        let text = std::fs::read_to_string(&log).unwrap();
        let calls = text.lines().filter(|l| l.starts_with("REQ: curl ")).count()
            + text.matches("Making authentication request to ").count();
        let diagram = file(&run, "diagram.md");
        let requests: Vec<&str> = diagram
            .lines()
            .filter(|l| l.contains("->>") && !l.contains("-->>"))
            .collect();
        assert_eq!(requests.len(), calls, "{}:\n{diagram}", log.display());
        // The client is the only caller.
        for r in &requests {
            assert!(r.starts_with("openstack->>"), "{}: {r}", log.display());
        }
        // The token the password request issued is the one every later
        // call sends: seen issued, used, never pre-existing.
        let tokens = file(&run, "tokens.md");
        let rows: Vec<&str> = tokens.lines().filter(|l| l.starts_with("| `")).collect();
        assert_eq!(rows.len(), 1, "{}:\n{tokens}", log.display());
        let cells: Vec<&str> = rows[0].split('|').map(str::trim).collect();
        assert_eq!(
            cells[2], "[4](#step-4)",
            "issued in step 4 (the token response):\n{tokens}"
        );
        assert!(
            cells[7].split(", ").count() >= 2,
            "used by later calls:\n{tokens}"
        );
    }
}

#[test]
fn debug_output_can_be_forced_and_is_not_taken_for_requestshook() {
    let log = root().join("samples/debug/image/list-paged/openstack-debug.log");
    let (forced, _a) = render(&log, &["--format", "debuglog"]);
    let (found, _b) = render(&log, &[]);
    assert_eq!(forced.files, found.files);
    let capture = tracedoc::input::Capture::open(&log, None).unwrap();
    assert_eq!(capture.format, tracedoc::input::Format::Debuglog);
    let seed = root().join("samples/openstack/image/list/requestshook.log");
    let capture = tracedoc::input::Capture::open(&seed, None).unwrap();
    assert_eq!(capture.format, tracedoc::input::Format::Requestshook);
}

/// A tracedoc.toml asking for requestshook's plain pages (`step_numbers =
/// false`), the style of the pages this reader brings back.
fn plain_config() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tracedoc.toml");
    std::fs::write(&config, "step_numbers = false\n").unwrap();
    (dir, config)
}

/// Renders `input` without redaction, in the plain style, reads its body.md
/// back, renders that again, and returns both pages.
fn round_trip(input: &Path) -> (String, String) {
    let (_dir, config) = plain_config();
    let config = config.to_str().unwrap();
    // The capture alone, without the notes.md a sample may hold beside it
    // (notes are the site's, not the page's to carry back).
    let alone = tempfile::tempdir().unwrap();
    let copy = alone.path().join(input.file_name().unwrap());
    std::fs::copy(input, &copy).unwrap();
    let input = copy.as_path();
    let (first, _a) = render(input, &["--no-redact", "--config", config]);
    assert_eq!(
        first.code,
        Some(0),
        "{}: {:?}",
        input.display(),
        first.warnings
    );
    let page = tempfile::tempdir().unwrap();
    let body = page.path().join("body.md");
    std::fs::write(&body, file(&first, "body.md")).unwrap();
    let capture = tracedoc::input::Capture::open(&body, None).unwrap();
    assert_eq!(capture.format, tracedoc::input::Format::Bodymd);
    let (second, _b) = render(&body, &["--no-redact", "--config", config]);
    assert_eq!(
        second.code,
        Some(0),
        "{}: {:?}",
        input.display(),
        second.warnings
    );
    // The steps only: what a format lacks (said before the first step)
    // belongs to the capture, not to the page read back.
    let steps = |page: &str| match page.find("### ") {
        Some(at) => page[at..].to_string(),
        None => page.to_string(),
    };
    (
        steps(file(&first, "body.md")),
        steps(file(&second, "body.md")),
    )
}

#[test]
fn the_seed_page_reads_back_to_itself() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is absent");
        return;
    };
    let expected = std::fs::read_to_string(shared.join("spec/seed-body.md")).unwrap();
    let page = tempfile::tempdir().unwrap();
    let body = page.path().join("seed-body.md");
    std::fs::write(&body, &expected).unwrap();
    let (_dir, config) = plain_config();
    let (run, _out) = render(
        &body,
        &["--no-redact", "--config", config.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(0), "{:?}", run.warnings);
    let actual = file(&run, "body.md");
    assert!(
        actual == expected,
        "seed-body.md read back differs\n{}",
        first_difference(&expected, actual)
    );
}

#[test]
fn every_sample_page_reads_back_to_itself() {
    for e in walkdir::WalkDir::new(root().join("samples"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = e.file_name().to_string_lossy();
        if name != "requestshook.log" && name != "openstack-debug.log" {
            continue;
        }
        let (first, second) = round_trip(e.path());
        if first == second {
            continue;
        }
        // A body line holding a snippet marker is written with a `;` in
        // front (removed by pymdownx.snippets when the site is built) and
        // comes back with it: the one documented loss.
        for (a, b) in first.lines().zip(second.lines()) {
            assert!(
                a == b || (a.contains("8<-") && one_more_semicolon(a, b)),
                "{}: read back differs\n{}",
                e.path().display(),
                first_difference(&first, &second)
            );
        }
        assert_eq!(first.lines().count(), second.lines().count());
    }
}

/// Whether `b` is `a` with one more `;` somewhere.
fn one_more_semicolon(a: &str, b: &str) -> bool {
    b.len() == a.len() + 1
        && b.char_indices()
            .any(|(i, c)| c == ';' && format!("{}{}", &b[..i], &b[i + 1..]) == a)
}

#[test]
fn the_page_says_in_one_line_that_debug_output_has_no_server_hops() {
    let labels = tracedoc::view::Labels::default();
    let out = tempfile::tempdir().unwrap();
    let tree = tempfile::tempdir().unwrap();
    for (name, from) in [
        ("debug", "samples/debug/image/save"),
        ("requestshook", "samples/openstack/image/show"),
    ] {
        let dir = tree.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        for e in std::fs::read_dir(root().join(from)).unwrap() {
            let e = e.unwrap();
            if e.path().extension().is_some_and(|x| x == "log") {
                std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
            }
        }
    }
    let output = tracedoc()
        .arg("build")
        .arg(tree.path())
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let index =
        |name: &str| std::fs::read_to_string(out.path().join(name).join("body.md")).unwrap();
    let debug = index("debug");
    assert_eq!(
        debug.matches(labels.lacks_server_hops.as_str()).count(),
        1,
        "{debug}"
    );
    assert!(!index("requestshook").contains(labels.lacks_server_hops.as_str()));
}
