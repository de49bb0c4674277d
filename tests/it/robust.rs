//! Inputs that used to hang tracedoc or bloat its output, interrupted runs,
//! and symbolic links among the captures (docs/robustness.md).

use std::path::Path;

use crate::common::{stderr, stdout, tracedoc};

/// `pairs` request/response pairs of the smallest kind, each call to its own
/// path so that nothing folds into a loop.
fn tiny_records(pairs: usize) -> String {
    let mut log = String::with_capacity(pairs * 90);
    for i in 0..pairs {
        log.push_str(&format!(
            "### (a) REQ >>> (b) : GET /{i}\n\nnone\n\n### (a) RESP <<< (b) : 200 OK GET /{i}\n\nnone\n\n"
        ));
    }
    log
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The step `autonumber` starts a diagram part at, and its message count.
fn part_steps(part: &str) -> (usize, usize) {
    let start = part
        .lines()
        .find_map(|l| l.strip_prefix("autonumber "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no autonumber line in\n{part}"));
    (start, part.lines().filter(|l| l.contains("->>")).count())
}

/// 200,000 tiny records: 3,334 diagram parts without a cap. The parts are
/// capped at `[diagram] max_parts` (20 by default), index.md includes only
/// those, and says how many steps are left out and where they are.
#[test]
fn a_huge_capture_writes_a_bounded_number_of_diagram_parts() {
    const PAIRS: usize = 100_000;
    let tmp = tempfile::tempdir().unwrap();
    let (caps, docs) = (tmp.path().join("caps"), tmp.path().join("docs"));
    write(&caps.join("many/requestshook.log"), &tiny_records(PAIRS));
    write(&caps.join("tracedoc.toml"), "lang = \"en\"\n");
    tracedoc()
        .args(["build", "-q"])
        .arg(&caps)
        .arg("-o")
        .arg(&docs)
        .assert()
        .success();
    let out = docs.join("many");
    let mut parts: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("diagram-"))
        .collect();
    parts.sort_by_key(|n| n.len());
    assert_eq!(parts.len(), 20, "{parts:?}");
    let index = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert_eq!(
        index.matches("--8<-- \"many/diagram-").count(),
        20,
        "{index}"
    );

    // The parts run on from step 1 without a gap; the rest is left out.
    let mut next = 1;
    for k in 1..=20 {
        let part = std::fs::read_to_string(out.join(format!("diagram-{k}.md"))).unwrap();
        let (start, count) = part_steps(&part);
        assert_eq!(start, next, "diagram-{k}.md");
        next += count;
    }
    let total = 2 * PAIRS;
    let left = total - (next - 1);
    assert!(left > total / 2, "{left} of {total} left out");
    let note = format!(
        "steps {next} to {total} ({left} steps) are left out of it. Every step is in the requests and responses below and in the full log."
    );
    assert!(index.contains(&note), "{note}\nnot in\n{index}");
    // ... and they are there: every record has its section in body.md.
    let body = std::fs::read_to_string(out.join("body.md")).unwrap();
    assert_eq!(
        body.lines().filter(|l| l.starts_with("### ")).count(),
        total
    );
}

/// `max_parts` is honoured, the page model says what is left out, and the
/// parts an earlier run wrote beyond the new number are removed.
#[test]
fn max_parts_is_configurable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    write(&dir.join("requestshook.log"), &tiny_records(30));
    let out = tmp.path().join("out");
    let render = |max_parts: usize| {
        write(
            &dir.join("tracedoc.toml"),
            &format!("[diagram]\nmax_messages = 10\nmax_parts = {max_parts}\n"),
        );
        let run = tracedoc()
            .arg("render")
            .arg(&dir)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", stderr(&run));
        stderr(&run)
    };
    render(4);
    assert!(out.join("diagram-4.md").is_file());
    let err = render(2);
    assert!(out.join("diagram-2.md").is_file());
    assert!(!out.join("diagram-3.md").exists());
    assert!(!out.join("diagram-4.md").exists());
    assert!(err.contains("2 old diagram part(s) removed"), "{err}");
    let context = tracedoc()
        .args(["render", "-q", "--context"])
        .arg(&dir)
        .output()
        .unwrap();
    let page: serde_json::Value = serde_json::from_slice(&context.stdout).unwrap();
    assert_eq!(page["parts"].as_array().unwrap().len(), 2);
    assert_eq!(
        page["left_out"],
        serde_json::json!({"steps": 40, "first": 21, "last": 60})
    );

    write(&dir.join("tracedoc.toml"), "[diagram]\nmax_parts = 0\n");
    let refused = tracedoc()
        .args(["render", "-q"])
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("max_parts"),
        "{}",
        stderr(&refused)
    );
}

/// Shapes that made pairing, nesting, the diagram or the tables quadratic
/// (each took minutes at 100,000 records). At this size a quadratic step
/// would take far longer than the test suite; they now take linear time.
#[test]
fn hostile_shapes_are_handled_in_linear_time() {
    const N: usize = 20_000;
    let mut shapes: Vec<(&str, String)> = Vec::new();
    let mut s = String::new();
    // Calls nested N deep: a calls b while serving b's call, and so on.
    for i in 0..N {
        let (a, b) = if i % 2 == 0 { ("a", "b") } else { ("b", "a") };
        s.push_str(&format!("### ({a}) REQ >>> ({b}) : GET /d{i}\n\nnone\n\n"));
    }
    for i in (0..N).rev() {
        let (a, b) = if i % 2 == 0 { ("a", "b") } else { ("b", "a") };
        s.push_str(&format!(
            "### ({a}) RESP <<< ({b}) : 200 OK GET /d{i}\n\nnone\n\n"
        ));
    }
    shapes.push(("deep", std::mem::take(&mut s)));
    // N requests open at once, answered last first, without request ids.
    for i in 0..N {
        s.push_str(&format!("### (c) REQ >>> (s) : GET /n{i}\n\nnone\n\n"));
    }
    for i in (0..N).rev() {
        s.push_str(&format!(
            "### (c) RESP <<< (s) : 200 OK GET /n{i}\n\nnone\n\n"
        ));
    }
    shapes.push(("open", std::mem::take(&mut s)));
    // A service serving N/2 requests at once while it makes N/2 calls.
    for i in 0..N / 2 {
        s.push_str(&format!(
            "### (c) REQ >>> (s) : GET /c{i}\nX-Auth-Token: t{i}\n\nnone\n\n"
        ));
    }
    for i in 0..N / 2 {
        s.push_str(&format!("### (s) REQ >>> (k) : GET /identity/v3/auth/tokens\nX-Subject-Token: t{i}\n\nnone\n\n### (s) RESP <<< (k) : 200 OK GET /identity/v3/auth/tokens\n\nnone\n\n"));
    }
    for i in 0..N / 2 {
        s.push_str(&format!(
            "### (c) RESP <<< (s) : 200 OK GET /c{i}\n\nnone\n\n"
        ));
    }
    shapes.push(("serving", std::mem::take(&mut s)));
    // N callers and callees, all with one token, all using one request id.
    for i in 0..N {
        s.push_str(&format!("### (c{i}) REQ >>> (s{i}) : GET /p\nX-Auth-Token: shared\nX-Requestshook-Request-Id: same\n\nnone\n\n### (c{i}) RESP <<< (s{i}) : 200 OK GET /p\nX-Requestshook-Request-Id: same\n\nnone\n\n"));
    }
    shapes.push(("participants", std::mem::take(&mut s)));

    let settings = tracedoc::settings::Settings::default();
    for (name, text) in shapes {
        let loaded = tracedoc::driver::load_bytes(
            Path::new(name),
            text.into_bytes(),
            &settings,
            &Default::default(),
        )
        .unwrap();
        let steps = tracedoc::driver::steps(&loaded, &settings).unwrap();
        let page = loaded.page(&settings);
        let records = loaded.records();
        assert_eq!(steps.len(), records, "{name}");
        // Every record is a step of the diagram (nothing repeats here).
        let numbered = steps.iter().filter(|s| s.number.is_some()).count();
        assert_eq!(numbered, records, "{name}");
        assert!(page.parts.len() <= settings.diagram.max_parts, "{name}");
    }
}

/// Every file of an output folder, by name (the manifest too).
fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        // `.tracedoc-stamps` caches mtimes: not output, never the same twice.
        .filter(|e| e.file_type().unwrap().is_file() && e.file_name() != ".tracedoc-stamps")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn temp_files(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_keys()
        .filter(|n| n.starts_with(".tracedoc-") && n.ends_with(".tmp"))
        .collect()
}

/// SIGINT or SIGTERM while files are being replaced: the run exits with
/// 130 or 143, removes its temporary file, every output file is whole (the
/// earlier one or the new one), and the next run, without `--force`,
/// finishes the job. The binary is paused in its write phase through its
/// test hook (`TRACEDOC_TEST_PAUSE_BEFORE_RENAME`, src/site/out.rs), right before
/// it renames `diagram.md` into place, after `body.md` was replaced.
#[cfg(unix)]
#[test]
fn an_interrupted_write_leaves_whole_files_and_no_temporary_file() {
    use std::io::BufRead;
    let samples = crate::common::root().join("samples/openstack/image");
    let (old_input, new_input) = (samples.join("list"), samples.join("create"));
    let render = |input: &Path, out: &Path| {
        tracedoc()
            .args(["render", "-q"])
            .arg(input)
            .arg("-o")
            .arg(out)
            .assert()
            .success();
    };
    let tmp = tempfile::tempdir().unwrap();
    let new = tmp.path().join("new");
    render(&new_input, &new);
    let new_files = snapshot(&new);
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let out = tmp.path().join(format!("out-{signal}"));
        render(&old_input, &out);
        let old_files = snapshot(&out);

        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tracedoc"))
            .arg("render")
            .arg(&new_input)
            .arg("-o")
            .arg(&out)
            .env("TRACEDOC_TEST_PAUSE_BEFORE_RENAME", "diagram.md")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = Vec::new();
        for line in stderr.lines() {
            let line = line.unwrap();
            let paused = line.starts_with("tracedoc: test hook: pausing before")
                && line.ends_with("diagram.md");
            seen.push(line);
            if paused {
                break;
            }
        }
        // Every file is written before the first is renamed into place.
        assert!(!temp_files(&out).is_empty(), "{seen:?}");
        let killed = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "SIG{signal}: {seen:?}");

        assert_eq!(temp_files(&out), Vec::<String>::new(), "SIG{signal}");
        let after = snapshot(&out);
        assert_eq!(after["body.md"], new_files["body.md"], "SIG{signal}");
        assert_eq!(after["diagram.md"], old_files["diagram.md"], "SIG{signal}");
        for (name, bytes) in after.iter().filter(|(n, _)| *n != ".tracedoc-manifest") {
            assert!(
                old_files.get(name) == Some(bytes) || new_files.get(name) == Some(bytes),
                "SIG{signal}: {name} is neither the earlier nor the new file"
            );
        }
        // The next run recognises both versions as its own and completes.
        render(&new_input, &out);
        let mut done = snapshot(&out);
        let mut want = new_files.clone();
        done.remove(".tracedoc-manifest");
        want.remove(".tracedoc-manifest");
        assert_eq!(done, want, "SIG{signal}");
    }
}

/// Temporary files that an earlier run could not remove (`kill -9`, a power
/// cut) are removed by the next run that writes into their folder, which
/// says so.
#[test]
fn stale_temporary_files_are_removed_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let caps = tmp.path().join("caps");
    let docs = tmp.path().join("docs");
    let sample = crate::common::root().join("samples/openstack/image/list/requestshook.log");
    write(
        &caps.join("x/requestshook.log"),
        &std::fs::read_to_string(sample).unwrap(),
    );
    let stale = docs.join("x/.tracedoc-Ab12Cd.tmp");
    write(&stale, "half a body.md");
    let keep = docs.join("x/.tracedoc-notes.txt");
    write(&keep, "not ours");
    let build = tracedoc()
        .arg("build")
        .arg(&caps)
        .arg("-o")
        .arg(&docs)
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", stderr(&build));
    let err = stderr(&build);
    assert!(!stale.exists());
    assert!(keep.exists());
    assert!(
        err.contains(&format!("note: removed {}", stale.display())),
        "{err}"
    );
    assert!(err.contains("1 stale temporary file(s) removed"), "{err}");

    // `render` does the same.
    let out = docs.join("x");
    let stale = out.join(".tracedoc-Zz99Yy.tmp");
    write(&stale, "");
    let render = tracedoc()
        .arg("render")
        .arg(caps.join("x"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(render.status.success(), "{}", stderr(&render));
    assert!(!stale.exists());
    assert!(
        stderr(&render).contains("1 stale temporary file(s) removed"),
        "{}",
        stderr(&render)
    );
}

/// A capture tree where `leak/requestshook.log` is a symbolic link to a
/// capture outside the tree, `mixed/` holds a capture of its own plus a
/// linked `other.log`, and `linked-dir` is a link to a folder outside.
#[cfg(unix)]
fn tree_with_links() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(
        crate::common::root().join("samples/openstack/image/list/requestshook.log"),
    )
    .unwrap();
    // The outside capture carries a marker that must not be published.
    let marker = "outside-the-tree-7f3a";
    let outside = tmp.path().join("outside");
    write(
        &outside.join("requestshook.log"),
        &sample.replace("/v2/images", &format!("/v2/{marker}")),
    );
    let caps = tmp.path().join("caps");
    write(&caps.join("mixed/requestshook.log"), &sample);
    std::fs::create_dir_all(caps.join("leak")).unwrap();
    std::os::unix::fs::symlink(
        outside.join("requestshook.log"),
        caps.join("leak/requestshook.log"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.join("requestshook.log"),
        caps.join("mixed/other.log"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, caps.join("linked-dir")).unwrap();
    (tmp, caps, marker.to_string())
}

/// Every file under `dir`, as text.
fn all_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in walkdir_files(dir) {
        text.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
    }
    text
}

fn walkdir_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                out.push(e.path());
            }
        }
    }
    out
}

/// `build` skips a capture file that is a symbolic link, with a warning
/// that says why, and publishes nothing from it; `--strict` fails on it;
/// `--follow-symlinks` reads it.
#[cfg(unix)]
#[test]
fn build_skips_symlinked_capture_files() {
    let (tmp, caps, marker) = tree_with_links();
    let docs = tmp.path().join("docs");
    let run = |extra: &[&str]| {
        tracedoc()
            .arg("build")
            .arg(&caps)
            .arg("-o")
            .arg(&docs)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    for link in ["leak/requestshook.log", "mixed/other.log"] {
        let warning = format!(
            "warning: {}: skipped: a symbolic link to `",
            caps.join(link).display()
        );
        assert!(err.contains(&warning), "{warning}\nnot in\n{err}");
    }
    assert!(err.contains("--follow-symlinks"), "{err}");
    assert!(docs.join("mixed/body.md").is_file());
    assert!(!docs.join("leak").exists());
    assert!(!docs.join("linked-dir").exists());
    assert!(!all_text(&docs).contains(&marker));
    assert!(!err.contains(&marker), "{err}");

    assert_eq!(run(&["--strict"]).status.code(), Some(1));

    std::fs::remove_dir_all(&docs).unwrap();
    let out = run(&["--follow-symlinks"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(all_text(&docs.join("leak")).contains(&marker));
    // Linked folders stay unfollowed.
    assert!(!docs.join("linked-dir").exists());
}

/// `render`, `graph` and `split` given a folder skip a linked capture file
/// the same way; a linked file named on the command line is read as given.
#[cfg(unix)]
#[test]
fn folder_inputs_skip_symlinked_capture_files() {
    let (tmp, caps, marker) = tree_with_links();
    let leak = caps.join("leak");
    let out = tmp.path().join("out");
    for cmd in [
        vec!["render", "-o", out.to_str().unwrap()],
        vec!["graph"],
        vec!["split", "--dry-run"],
    ] {
        let refused = tracedoc().args(&cmd).arg(&leak).output().unwrap();
        assert_eq!(refused.status.code(), Some(1), "{cmd:?}");
        let err = stderr(&refused);
        assert!(
            err.contains("is a symbolic link") && err.contains("--follow-symlinks"),
            "{cmd:?}: {err}"
        );
        assert!(!stdout(&refused).contains(&marker), "{cmd:?}");

        let followed = tracedoc()
            .args(&cmd)
            .arg(&leak)
            .arg("--follow-symlinks")
            .output()
            .unwrap();
        assert!(followed.status.success(), "{cmd:?}: {}", stderr(&followed));
        let named = tracedoc()
            .args(&cmd)
            .arg(leak.join("requestshook.log"))
            .output()
            .unwrap();
        assert!(named.status.success(), "{cmd:?}: {}", stderr(&named));
    }
    assert!(all_text(&out).contains(&marker));

    // A folder with a capture of its own and a linked one: the own one is
    // read, the link is passed over with a warning (a failure with --strict).
    let mixed = caps.join("mixed");
    let out = tracedoc().arg("graph").arg(&mixed).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("other.log: skipped: a symbolic link"));
    assert!(!stdout(&out).contains(&marker));
    let strict = tracedoc()
        .args(["graph", "--strict"])
        .arg(&mixed)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

/// The files read beside a capture without being named (`notes.md`,
/// `capture.toml`, a `tracedoc.toml` found in its folder or a parent) are
/// held to the rule of capture files: one that is a symbolic link is not
/// read (an error that names it and `--follow-symlinks`), so a link planted
/// in a captures tree cannot publish a file from elsewhere as a note or a
/// label, or quote it in an error. `--follow-symlinks` reads them.
#[cfg(unix)]
#[test]
fn symlinked_side_files_are_not_read() {
    let sample = std::fs::read_to_string(
        crate::common::root().join("samples/openstack/image/list/requestshook.log"),
    )
    .unwrap();
    let marker = "outside-side-file-5b2e";
    let sides = [
        (
            "notes.md",
            format!("## GET /v2/images\n\nsecret note {marker}\n"),
        ),
        (
            "capture.toml",
            format!("title = \"title {marker}\"\ndescription = \"{marker}\"\n"),
        ),
        (
            "tracedoc.toml",
            format!("[labels]\ntokens = \"tokens {marker}\"\n"),
        ),
    ];
    for (name, text) in sides {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside").join(name);
        write(&outside, &text);
        let caps = tmp.path().join("caps");
        write(&caps.join("cap/requestshook.log"), &sample);
        std::os::unix::fs::symlink(&outside, caps.join("cap").join(name)).unwrap();
        let docs = tmp.path().join("docs");
        let run = |cmd: &[&str], input: &Path, extra: &[&str]| {
            tracedoc()
                .args(cmd)
                .arg(input)
                .args(extra)
                .output()
                .unwrap()
        };
        let out_flag = ["-o", docs.to_str().unwrap()];
        let cap = caps.join("cap");
        let mut runs = vec![("build", &caps)];
        if name != "capture.toml" {
            // (capture.toml is read by build alone.)
            runs.push(("render", &cap));
        }
        for (cmd, input) in runs {
            let cmd = [cmd];
            let refused = run(&cmd, input, &out_flag);
            let err = stderr(&refused);
            assert_eq!(refused.status.code(), Some(1), "{name} {cmd:?}: {err}");
            assert!(
                err.contains(name)
                    && err.contains("symbolic link")
                    && err.contains("--follow-symlinks"),
                "{name} {cmd:?}: {err}"
            );
            assert!(!err.contains(marker), "{name} {cmd:?}: {err}");
            assert!(!stdout(&refused).contains(marker), "{name} {cmd:?}");
            if docs.exists() {
                assert!(!all_text(&docs).contains(marker), "{name} {cmd:?}");
            }
        }
        if name != "capture.toml" {
            let refused = run(&["graph"], &cap, &[]);
            assert_eq!(refused.status.code(), Some(1), "{name} graph");
            assert!(!stdout(&refused).contains(marker), "{name} graph");
        }
        let followed = run(
            &["build"],
            &caps,
            &[&out_flag[..], &["--follow-symlinks"]].concat(),
        );
        assert!(followed.status.success(), "{name}: {}", stderr(&followed));
        assert!(
            all_text(&docs).contains(marker),
            "{name}: --follow-symlinks did not read it"
        );
    }
}

/// Item 13 for `build` over the other readers: a HAR capture, `--debug`
/// output and a folder of two trace files read as one capture, interrupted
/// while a capture's diagram, the home page or the coverage page is being
/// renamed into place. No temporary file is left anywhere under DOCS, and
/// the next run completes without `--force`.
#[cfg(unix)]
#[test]
fn an_interrupted_build_of_every_format_leaves_no_temporary_file() {
    use std::io::BufRead;
    let root = crate::common::root();
    let tmp = tempfile::tempdir().unwrap();
    let caps = tmp.path().join("caps");
    for (from, to) in [
        (
            "samples/har/chromium-console/console.har",
            "har/console.har",
        ),
        (
            "samples/debug/image/save/openstack-debug.log",
            "debug/openstack-debug.log",
        ),
        ("samples/traces/otlp-stable/trace.json", "traces/a.json"),
        ("samples/traces/zipkin/trace.json", "traces/b.json"),
    ] {
        write(
            &caps.join(to),
            &std::fs::read_to_string(root.join(from)).unwrap(),
        );
    }
    let temp_anywhere = |dir: &Path| -> Vec<std::path::PathBuf> {
        walkdir_files(dir)
            .into_iter()
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                n.starts_with(".tracedoc-") && n.ends_with(".tmp")
            })
            .collect()
    };
    for target in ["diagram.md", "index.md", "api-coverage.md"] {
        let docs = tmp.path().join(format!("docs-{target}"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tracedoc"))
            .arg("build")
            .arg(&caps)
            .arg("-o")
            .arg(&docs)
            .env("TRACEDOC_TEST_PAUSE_BEFORE_RENAME", target)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let progress = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = Vec::new();
        for line in progress.lines() {
            let line = line.unwrap();
            let paused = line.starts_with("tracedoc: test hook: pausing before");
            seen.push(line);
            if paused {
                break;
            }
        }
        assert!(!temp_anywhere(&docs).is_empty(), "{target}: {seen:?}");
        let killed = std::process::Command::new("kill")
            .arg("-INT")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{target}: {seen:?}");
        assert_eq!(
            temp_anywhere(&docs),
            Vec::<std::path::PathBuf>::new(),
            "{target}"
        );
        let again = tracedoc()
            .arg("build")
            .arg(&caps)
            .arg("-o")
            .arg(&docs)
            .output()
            .unwrap();
        assert!(again.status.success(), "{target}: {}", stderr(&again));
        for page in [
            "har/diagram.md",
            "debug/diagram.md",
            "traces/diagram.md",
            "index.md",
            "api-coverage.md",
        ] {
            assert!(docs.join(page).is_file(), "{target}: no {page}");
        }
    }
}

/// The peak resident memory of a finished `tracedoc` run with `args`, in
/// bytes, watched through /proc (VmHWM only grows, so the last reading
/// before the process ends is its peak, to within one poll).
#[cfg(target_os = "linux")]
fn peak_memory(args: &[&std::ffi::OsStr]) -> u64 {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tracedoc"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb * 1024);
            }
        }
        if let Some(done) = child.try_wait().unwrap() {
            assert!(done.success(), "{args:?}: {done}");
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Many records in an OTel file exporter's JSON lines: each line is read,
/// turned into spans and dropped, so memory follows the spans kept, not a
/// JSON tree of every line held at once (which took over 23 times the
/// file; 9 now). A size, not a time: 20,000 spans of 550 bytes.
#[cfg(target_os = "linux")]
#[test]
fn json_lines_traces_are_read_a_line_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("traces.jsonl");
    let mut text = String::new();
    for i in 0..20_000u64 {
        text.push_str(&format!(
            "{{\"resourceSpans\": [{{\"resource\": {{\"attributes\": [{{\"key\": \"service.name\", \"value\": {{\"stringValue\": \"openstack\"}}}}]}}, \
             \"scopeSpans\": [{{\"spans\": [{{\"traceId\": \"{:032x}\", \"spanId\": \"{:016x}\", \"kind\": 3, \
             \"startTimeUnixNano\": \"{i}\", \"endTimeUnixNano\": \"{}\", \"attributes\": [\
             {{\"key\": \"http.request.method\", \"value\": {{\"stringValue\": \"GET\"}}}}, \
             {{\"key\": \"url.full\", \"value\": {{\"stringValue\": \"http://h:9292/v2/images/{i:08x}-0000-4000-a000-000000000000\"}}}}, \
             {{\"key\": \"http.response.status_code\", \"value\": {{\"intValue\": \"200\"}}}}]}}]}}]}}]}}\n",
            1,
            i + 1,
            i + 1
        ));
    }
    std::fs::write(&file, &text).unwrap();
    let size = text.len() as u64;
    let peak = peak_memory(&["graph".as_ref(), file.as_os_str()]);
    assert!(
        peak < 15 * size,
        "graph over {size} bytes of JSON lines peaked at {peak} bytes ({:.1}x)",
        peak as f64 / size as f64
    );
}
