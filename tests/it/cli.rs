//! The command line, driven through the real binary on small synthetic
//! captures written into temporary folders.

use std::path::Path;
use std::time::{Duration, SystemTime};

use clap::CommandFactory;

use crate::common::{stderr, stdout, tracedoc, write, DISCOVERY};

/// Runs `tracedoc render <input> -o <out> <extra...>`.
fn render(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    tracedoc()
        .arg("render")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Names of the files in `dir` (none when it does not exist).
fn listing(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The 1-based number of the line of `text` equal to `line`.
fn line_of(text: &str, line: &str) -> usize {
    text.lines()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("no line {line:?}"))
        + 1
}

#[test]
fn help_lists_every_flag() {
    let cli = tracedoc::cli::Cli::command();
    let mut checked = 0;
    for sub in cli.get_subcommands() {
        let output = tracedoc()
            .arg(sub.get_name())
            .arg("--help")
            .output()
            .unwrap();
        assert!(output.status.success(), "{} --help", sub.get_name());
        let help = stdout(&output);
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(
                    help.contains(&format!("--{long}")),
                    "`tracedoc {} --help` does not list --{long}:\n{help}",
                    sub.get_name()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "only {checked} flags found");
    let top = stdout(&tracedoc().arg("--help").output().unwrap());
    for sub in cli.get_subcommands() {
        assert!(
            top.contains(sub.get_name()),
            "--help misses {}",
            sub.get_name()
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "requestshook.log", DISCOVERY);
    for args in [
        vec!["render".to_string()],
        vec![
            "render".into(),
            input.display().to_string(),
            "--no-such-flag".into(),
        ],
        vec!["no-such-command".into()],
        // --context and --from-context exclude each other.
        vec![
            "render".into(),
            input.display().to_string(),
            "--context".into(),
            "--from-context".into(),
            "x.json".into(),
        ],
    ] {
        let output = tracedoc().args(&args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).is_empty(), "{args:?}: no message");
    }
}

#[test]
fn input_without_records_is_an_error_naming_the_file() {
    // Nothing at all: nothing to detect, no record. Text of no known
    // format: an error listing the formats tried.
    for (text, says) in [
        ("", "no requestshook records"),
        ("\n\n\n", "no requestshook records"),
        ("just some text\nand more\n", "not a capture in any format tracedoc reads; tried requestshook (a line like `### (caller) REQ >>> (service) : GET http://...`), har (a JSON object with `log.entries`)"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let input = write(dir.path(), "empty.log", text);
        let out = dir.path().join("out");
        let output = render(&input, &out, &[]);
        assert_eq!(output.status.code(), Some(1), "{text:?}");
        let err = stderr(&output);
        assert!(err.contains("empty.log"), "{text:?}: {err}");
        assert!(err.contains(says), "{text:?}: {err}");
        assert!(
            listing(&out).is_empty(),
            "{text:?}: wrote {:?}",
            listing(&out)
        );
    }
}

/// Inputs with one problem each, the line the warning must name, and a
/// phrase the warning must hold. (More warnings may follow from the same
/// problem: a cut-off request also never got its response.)
fn flawed_inputs() -> Vec<(&'static str, String, usize, &'static str)> {
    // Between the two records, after a body-less request (so nothing else is
    // disturbed: the bad line becomes text of that request).
    let bad_head = DISCOVERY.replacen(
        "\n### (openstack) RESP",
        "\n### (openstack) RESP <<< (keystone) : OK\n\nnone\n\n### (openstack) RESP",
        1,
    );
    let bad_head_line = line_of(&bad_head, "### (openstack) RESP <<< (keystone) : OK");
    let bad_header = DISCOVERY.replacen("Host: 192.0.2.10", "Host 192.0.2.10", 1);
    let bad_header_line = line_of(&bad_header, "Host 192.0.2.10");
    let cut = format!(
        "{DISCOVERY}\n### (openstack) REQ >>> (keystone) : POST http://192.0.2.10/identity/v3/auth/tokens\nContent-Type: application/json\n\n{{\n  \"auth\": {{\n"
    );
    let cut_line = line_of(
        &cut,
        "### (openstack) REQ >>> (keystone) : POST http://192.0.2.10/identity/v3/auth/tokens",
    );
    vec![
        ("bad-head.log", bad_head, bad_head_line, "head line"),
        ("bad-header.log", bad_header, bad_header_line, "header line"),
        ("cut-off.log", cut, cut_line, "cut off"),
    ]
}

#[test]
fn warnings_name_file_and_line_and_do_not_fail() {
    for (name, text, line, phrase) in flawed_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let input = write(dir.path(), name, &text);
        let out = dir.path().join("out");
        let output = render(&input, &out, &[]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(0), "{name}: {err}");
        let expected = format!("{name}:{line}: ");
        let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning")).collect();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(&expected) && w.contains(phrase)),
            "{name}: wanted a warning with {expected:?} and {phrase:?} in:\n{err}"
        );
        for w in &warnings {
            let at = w.find(&format!("{name}:")).map(|i| i + name.len() + 1);
            assert!(
                at.is_some_and(|i| w[i..].starts_with(|c: char| c.is_ascii_digit())),
                "{name}: a warning without file:line: {w}"
            );
        }
        assert!(out.join("body.md").is_file(), "{name}: body.md not written");
    }
}

#[test]
fn strict_turns_warnings_into_exit_1_and_writes_nothing() {
    for (name, text, line, _) in flawed_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let input = write(dir.path(), name, &text);
        let out = dir.path().join("out");
        let output = render(&input, &out, &["--strict"]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(&format!("{name}:{line}: ")), "{name}: {err}");
        assert!(
            listing(&out).is_empty(),
            "{name}: wrote {:?}",
            listing(&out)
        );
    }
    // A clean capture passes --strict.
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "ok.log", DISCOVERY);
    let output = render(&input, &dir.path().join("out"), &["--strict"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_folder_input_uses_its_requestshook_log() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture");
    let file = write(&capture, "requestshook.log", DISCOVERY);
    // Another log beside it does not make the folder ambiguous.
    write(&capture, "other.log", "");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert!(render(&capture, &a, &[]).status.success());
    assert!(render(&file, &b, &[]).status.success());
    let body = read(&a.join("body.md"));
    assert!(
        body.contains(") 300 MULTIPLE CHOICES /identity/\n"),
        "{body}"
    );
    assert_eq!(body, read(&b.join("body.md")));
}

#[test]
fn a_folder_of_several_capture_files_is_one_capture() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture");
    write(&capture, "one.log", DISCOVERY);
    write(&capture, "two.log", DISCOVERY);
    // Found by content, whatever the name; what is no capture is passed over.
    write(
        &capture,
        "three.json",
        r#"{"log": {"version": "1.2", "entries": [{"startedDateTime": "2026-01-01T00:00:00Z",
          "time": 3, "request": {"method": "GET", "url": "http://192.0.2.10:9292/v2/images",
          "headers": [{"value": "no name"}]},
          "response": {"status": 200, "statusText": "OK", "headers": [], "content": {}}}]}}"#,
    );
    write(&capture, "notes.txt", "not a capture\n");
    write(&capture, "empty.log", "");
    let out = dir.path().join("out");
    let output = render(&capture, &out, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let single = dir.path().join("single");
    assert!(render(&capture.join("one.log"), &single, &[])
        .status
        .success());
    let heads = |body: &str| body.lines().filter(|l| l.starts_with("### ")).count();
    let one = heads(&read(&single.join("body.md")));
    let body = read(&out.join("body.md"));
    assert_eq!(heads(&body), 2 * one + 2, "{body}");
    assert!(body.contains("`client` --> `glance-api`"), "{body}");
    // A warning names the file of several it is about.
    assert!(
        err.contains("three.json: log.entries[0].request.headers[0]"),
        "{err}"
    );

    // And a folder with no log at all.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let output = render(&empty, &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no capture found"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn templates_dir_overrides_only_the_files_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "requestshook.log", DISCOVERY);
    let templates = dir.path().join("templates");
    write(
        &templates,
        "body.md",
        "{{ step.title }} ({{ step.from }} -> {{ step.to }})\n",
    );
    let (plain, custom) = (dir.path().join("plain"), dir.path().join("custom"));
    assert!(render(&input, &plain, &[]).status.success());
    let templates_arg = templates.display().to_string();
    let output = render(&input, &custom, &["--templates", &templates_arg]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        read(&custom.join("body.md")),
        "GET /identity/ (openstack -> keystone)\n300 MULTIPLE CHOICES /identity/ (openstack -> keystone)\n"
    );
    for name in listing(&plain).iter().filter(|n| !n.starts_with('.')) {
        if name != "body.md" {
            assert_eq!(
                read(&plain.join(name)),
                read(&custom.join(name)),
                "{name} changed though only body.md was overridden"
            );
        }
    }
    assert!(listing(&plain).contains(&"diagram.md".to_string()));
}

#[test]
fn context_prints_json_and_from_context_renders_the_same_page() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "requestshook.log", DISCOVERY);
    let output = tracedoc()
        .arg("render")
        .arg(&input)
        .arg("--context")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let json = stdout(&output);
    let value: serde_json::Value = serde_json::from_str(&json).expect("--context prints JSON");
    let steps = value["steps"].as_array().expect("a `steps` array");
    assert_eq!(steps.len(), 2, "{json}");
    assert_eq!(steps[1]["title"], "300 MULTIPLE CHOICES /identity/");

    let context = write(dir.path(), "page.json", &json);
    let (direct, replayed) = (dir.path().join("direct"), dir.path().join("replayed"));
    assert!(render(&input, &direct, &[]).status.success());
    let context_arg = context.display().to_string();
    let output = render(&input, &replayed, &["--from-context", &context_arg]);
    assert!(output.status.success(), "{}", stderr(&output));
    for name in ["body.md", "diagram.md", "log.md"] {
        assert_eq!(
            read(&direct.join(name)),
            read(&replayed.join(name)),
            "{name}"
        );
    }
}

#[test]
fn rerunning_leaves_files_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "requestshook.log", DISCOVERY);
    let out = dir.path().join("out");
    assert!(render(&input, &out, &[]).status.success());
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let files: Vec<String> = listing(&out)
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(files.contains(&"body.md".to_string()), "{files:?}");
    let before: Vec<String> = files.iter().map(|n| read(&out.join(n))).collect();
    for name in &files {
        let f = std::fs::File::options()
            .write(true)
            .open(out.join(name))
            .unwrap();
        f.set_modified(old).unwrap();
    }
    let output = render(&input, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    for (name, text) in files.iter().zip(&before) {
        assert_eq!(&read(&out.join(name)), text, "{name}");
        let mtime = std::fs::metadata(out.join(name))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(mtime, old, "{name} was rewritten though nothing changed");
    }
}

#[test]
fn hand_edits_are_kept_unless_force() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "requestshook.log", DISCOVERY);
    let out = dir.path().join("out");
    assert!(render(&input, &out, &[]).status.success());
    let generated = read(&out.join("body.md"));
    let edited = format!("{generated}\nA note added by hand.\n");
    std::fs::write(out.join("body.md"), &edited).unwrap();

    let output = render(&input, &out, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("body.md") && err.contains("--force"), "{err}");
    assert_eq!(read(&out.join("body.md")), edited);

    let output = render(&input, &out, &["--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(read(&out.join("body.md")), generated);
}
