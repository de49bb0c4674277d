//! Snapshots of every sample capture under `samples/`: each output file the
//! renderer writes, plus the run's exit code, file list and warnings.
//!
//! Add a sample folder with a `requestshook.log` and run `cargo insta review`
//! (see tests/README.md). Rendering uses the default options (redaction on).

use std::path::{Path, PathBuf};

use crate::common::{assert_one_section_per_record, root, stderr, tracedoc};

/// What one run of `tracedoc render` produced.
struct Run {
    code: Option<i32>,
    /// Every non-hidden file written, by name, sorted.
    files: Vec<(String, String)>,
    /// The `warning:` lines printed.
    warnings: Vec<String>,
}

/// Renders a sample folder (relative to the project root) into a fresh
/// temporary folder with default options.
fn render(sample: &Path) -> Run {
    let out = tempfile::tempdir().unwrap();
    let output = tracedoc()
        .arg("render")
        .arg(sample)
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let err = stderr(&output);
    let mut files: Vec<(String, String)> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // `.tracedoc-manifest` only holds hashes of the files snapshotted here.
        .filter(|name| !name.starts_with('.'))
        .map(|name| {
            let text = std::fs::read_to_string(out.path().join(&name)).unwrap();
            (name, text)
        })
        .collect();
    files.sort();
    // Output must never name where it was produced: no absolute paths.
    let tmp = out.path().display().to_string();
    let here = root().display().to_string();
    for (name, text) in &files {
        assert!(
            !text.contains(&tmp) && !text.contains(&here),
            "{}: {name} holds an absolute path",
            sample.display()
        );
    }
    Run {
        code: output.status.code(),
        files,
        warnings: err
            .lines()
            .filter(|l| l.starts_with("warning"))
            .map(String::from)
            .collect(),
    }
}

/// `samples/openstack/image/create/requestshook.log` -> `openstack/image/create`
/// (a sample folder holds one capture file).
fn sample_dir(log: &Path) -> PathBuf {
    let samples = root().join("samples").canonicalize().unwrap();
    let log = log.canonicalize().unwrap();
    log.parent()
        .unwrap()
        .strip_prefix(&samples)
        .unwrap()
        .to_path_buf()
}

#[test]
fn sample_snapshots() {
    let mut expected: Vec<String> = Vec::new();
    insta::glob!("../../samples", "**/{requestshook.log,*.har}", |path| {
        let rel = sample_dir(path);
        let name = rel.to_string_lossy().replace('\\', "/");
        let run = render(&Path::new("samples").join(&rel));

        let mut settings = insta::Settings::clone_current();
        settings.remove_snapshot_suffix();
        settings.set_input_file(path.canonicalize().unwrap());
        settings.set_omit_expression(true);
        settings.bind(|| {
            let list: Vec<&str> = run.files.iter().map(|(n, _)| n.as_str()).collect();
            let summary = format!(
                "exit: {}\nfiles: {}\nwarnings:\n{}",
                run.code.map_or("signal".into(), |c| c.to_string()),
                list.join(" "),
                run.warnings
                    .iter()
                    .map(|w| format!("  {w}\n"))
                    .collect::<String>()
            );
            insta::assert_snapshot!(format!("{name}/run"), summary);
            for (file, text) in &run.files {
                insta::assert_snapshot!(format!("{name}/{file}"), text);
            }
        });
        expected.push(snapshot_file(&format!("{name}/run")));
        expected.extend(
            run.files
                .iter()
                .map(|(file, _)| snapshot_file(&format!("{name}/{file}"))),
        );

        assert_eq!(run.code, Some(0), "{name}: {:?}", run.warnings);
        let body = &run
            .files
            .iter()
            .find(|(n, _)| n == "body.md")
            .unwrap_or_else(|| panic!("{name}: no body.md written"))
            .1;
        if path.extension().is_some_and(|x| x == "log") {
            assert_one_section_per_record(body, path);
        } else {
            let capture = tracedoc::input::Capture::open(path, None).unwrap();
            let records = capture.read_all().unwrap().0.len();
            let sections = body.lines().filter(|l| l.starts_with("### ")).count();
            assert_eq!(sections, records, "{name}: one body.md section per record");
        }
    });
    // A sample or an output file that went away must take its snapshot along.
    if std::env::var_os("INSTA_GLOB_FILTER").is_none() {
        let dir = root().join("tests/it/snapshots");
        let mut stale: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("it__samples__") && n.ends_with(".snap"))
            .filter(|n| !expected.contains(n))
            .collect();
        stale.sort();
        assert!(
            stale.is_empty(),
            "snapshots no sample produces any more (delete them): {stale:?}"
        );
    }
}

/// The file insta stores a snapshot named `name` in (see `insta::glob!`).
fn snapshot_file(name: &str) -> String {
    format!("it__samples__{}.snap", name.replace('/', "__"))
}

/// A capture edited on Windows (CRLF) renders exactly like its LF twin.
#[test]
fn crlf_sample_renders_like_its_lf_twin() {
    let lf = Path::new("samples/openstack/image/show");
    let crlf = Path::new("samples/openstack/image/show-crlf");
    let crlf_bytes = std::fs::read(root().join(crlf).join("requestshook.log")).unwrap();
    assert!(
        crlf_bytes.windows(2).any(|w| w == b"\r\n"),
        "{} lost its CRLF line ends (check samples/.gitattributes)",
        crlf.display()
    );
    let (a, b) = (render(lf), render(crlf));
    assert!(!a.files.is_empty());
    assert_eq!(a.files, b.files);
    assert!(a.warnings.is_empty() && b.warnings.is_empty());
}

/// The committed samples are exactly what `scripts/gen-samples.py` and
/// `scripts/gen-har-samples.py` write, so fixing a sample means fixing the
/// generator.
#[test]
fn samples_match_their_generator() {
    for script in ["scripts/gen-samples.py", "scripts/gen-har-samples.py"] {
        samples_match(script);
    }
}

fn samples_match(script: &str) {
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("python3")
        .arg(root().join(script))
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .status();
    let Ok(status) = status else {
        eprintln!("skipped: python3 is not available");
        return;
    };
    assert!(status.success(), "{script} failed");
    let mut generated = 0;
    for entry in walkdir::WalkDir::new(out.path()) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        generated += 1;
        let rel = entry.path().strip_prefix(out.path()).unwrap();
        let committed = std::fs::read(root().join("samples").join(rel))
            .unwrap_or_else(|_| panic!("samples/{} is not committed", rel.display()));
        assert!(
            committed == std::fs::read(entry.path()).unwrap(),
            "samples/{} differs from what {script} writes; rerun it",
            rel.display()
        );
    }
    assert!(generated > 0, "the generator wrote nothing");
}
