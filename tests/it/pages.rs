//! The pages across captures that `tracedoc build` writes at the root of
//! DOCS (the home page and the API coverage page), and capture.toml.

use std::path::{Path, PathBuf};

use crate::common::{root, stderr, tracedoc, write};

fn build(caps: &Path, docs: &Path) -> std::process::Output {
    tracedoc()
        .arg("build")
        .arg(caps)
        .arg("-o")
        .arg(docs)
        .output()
        .unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Copies sample captures (`image/list`, ...) into `caps`, with their capture.toml.
fn copy_samples(caps: &Path, names: &[&str]) {
    for name in names {
        let from = root().join("samples/openstack").join(name);
        let to = caps.join(name);
        std::fs::create_dir_all(&to).unwrap();
        for file in ["requestshook.log", "capture.toml"] {
            if from.join(file).exists() {
                std::fs::copy(from.join(file), to.join(file)).unwrap();
            }
        }
    }
}

/// The targets of the Markdown links `[text](target)` of a page.
fn links(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].to_string());
        }
    }
    out
}

#[test]
fn overview_snapshots() {
    let out = tempfile::tempdir().unwrap();
    let output = tracedoc()
        .current_dir(root())
        .args(["build", "samples", "-q", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("home", read(&out.path().join("index.md")));
    insta::assert_snapshot!("coverage", read(&out.path().join("api-coverage.md")));
    // The capture pages that have a capture.toml.
    insta::glob!("../../samples", "**/capture.toml", |path| {
        let rel = path
            .parent()
            .unwrap()
            .strip_prefix(root().join("samples"))
            .unwrap();
        insta::assert_snapshot!("index", read(&out.path().join(rel).join("index.md")));
    });
}

#[test]
fn every_link_of_the_overview_pages_resolves() {
    let out = tempfile::tempdir().unwrap();
    let output = tracedoc()
        .current_dir(root())
        .args(["build", "samples", "-q", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut local = 0;
    let mut steps = 0;
    for page in ["index.md", "api-coverage.md"] {
        for target in links(&read(&out.path().join(page))) {
            if target.starts_with("https://") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            assert!(out.path().join(file).is_file(), "{page}: {target}");
            local += 1;
            if let Some(n) = anchor.strip_prefix("step-") {
                // The step is one the capture's page shows: body.md has a
                // section per step of the diagram.
                let n: usize = n.parse().unwrap();
                let folder = out.path().join(file).parent().unwrap().to_path_buf();
                let sections = crate::common::h3_headings(&read(&folder.join("body.md"))).len();
                assert!(
                    (1..=sections).contains(&n),
                    "{page}: {target} of {sections}"
                );
                steps += 1;
            }
        }
    }
    assert!(local > 10 && steps > 10, "{local} links, {steps} to steps");
}

/// A tree of three captures, one with a capture.toml.
fn tree() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let caps = tmp.path().join("caps");
    copy_samples(
        &caps,
        &["image/list", "image/show", "compute/server-create-small"],
    );
    let docs = tmp.path().join("docs");
    (tmp, caps, docs)
}

#[test]
fn the_home_page_lists_every_capture_titled_by_its_command() {
    let (_tmp, caps, docs) = tree();
    let output = build(&caps, &docs);
    assert!(output.status.success(), "{}", stderr(&output));
    let home = read(&docs.join("index.md"));
    assert!(
        home.contains("[openstack server create](compute/server-create-small/index.md)"),
        "{home}"
    );
    assert!(home.contains("[image show](image/show/index.md)"), "{home}");
    assert!(
        home.contains("[openstack image list](image/list/index.md)"),
        "{home}"
    );
    let page = read(&docs.join("compute/server-create-small/index.md"));
    assert!(page.starts_with("# openstack server create\n"), "{page}");
    assert!(
        page.contains("command-objects/server.html#server-create"),
        "{page}"
    );
    // The command and its output come before the diagram.
    let console = page.find("$ openstack server create").unwrap();
    assert!(console < page.find("``` mermaid").unwrap());
}

#[test]
fn editing_capture_toml_renders_that_capture_again() {
    let (_tmp, caps, docs) = tree();
    assert!(build(&caps, &docs).status.success());
    let show = docs.join("image/show/index.md");
    let before = std::fs::metadata(&show).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    write(
        &caps.join("image/list"),
        "capture.toml",
        "title = \"Every image\"\ncommand = \"openstack image list --long\"\n",
    );
    let output = build(&caps, &docs);
    assert!(output.status.success(), "{}", stderr(&output));
    let page = read(&docs.join("image/list/index.md"));
    assert!(page.starts_with("# Every image\n"), "{page}");
    assert!(page.contains("$ openstack image list --long"), "{page}");
    // The home page has the new title, and still lists the captures skipped as unchanged.
    let home = read(&docs.join("index.md"));
    assert!(
        home.contains("[Every image](image/list/index.md)"),
        "{home}"
    );
    assert!(home.contains("(image/show/index.md)"), "{home}");
    assert!(
        home.contains("(compute/server-create-small/index.md)"),
        "{home}"
    );
    assert_eq!(
        std::fs::metadata(&show).unwrap().modified().unwrap(),
        before
    );
    // Removing it goes back to the folder's title.
    std::fs::remove_file(caps.join("image/list/capture.toml")).unwrap();
    assert!(build(&caps, &docs).status.success());
    assert!(read(&docs.join("image/list/index.md")).starts_with("# image list\n"));
}

#[test]
fn an_unknown_key_in_capture_toml_is_an_error_with_file_and_line() {
    let (_tmp, caps, docs) = tree();
    let toml = write(
        &caps.join("image/show"),
        "capture.toml",
        "title = \"t\"\n\ncomand = \"openstack image show\"\n",
    );
    let output = build(&caps, &docs);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let line = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    assert!(
        line.starts_with(&format!(
            "error: {}:3: unknown field `comand`",
            toml.display()
        )),
        "{err}"
    );
    // The others are built, and listed.
    assert!(read(&docs.join("index.md")).contains("(image/list/index.md)"));
}

#[test]
fn a_hand_written_home_page_is_kept_and_the_list_goes_aside() {
    let (_tmp, caps, docs) = tree();
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("index.md"), "# My site\n").unwrap();
    let output = build(&caps, &docs);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(read(&docs.join("index.md")), "# My site\n");
    let list = read(&docs.join("captures.md"));
    assert!(list.contains("(image/list/index.md)"), "{list}");
    let err = stderr(&output);
    assert!(err.contains("the list of captures is in"), "{err}");
    assert!(err.contains("captures.md"), "{err}");
    // A second build writes nothing.
    let again = build(&caps, &docs);
    assert!(
        stderr(&again).contains(" 0 file(s) written"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_capture_at_the_root_keeps_its_index_md_and_the_overview_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let caps = tmp.path().join("caps");
    copy_samples(&caps, &["image/show"]);
    let caps = caps.join("image/show");
    let docs = tmp.path().join("docs");
    let output = build(&caps, &docs);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(read(&docs.join("index.md")).contains("--8<-- \"body.md\""));
    assert!(read(&docs.join("captures.md")).contains("](index.md)"));
    assert!(docs.join("api-coverage.md").is_file());
    // Both share the folder's manifest: the second build skips the capture
    // and writes nothing.
    let again = build(&caps, &docs);
    assert!(
        stderr(&again).contains(" 0 file(s) written"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn capture_toml_text_cannot_change_the_pages_it_lands_in() {
    let (_tmp, caps, docs) = tree();
    write(
        &caps.join("image/show"),
        "capture.toml",
        r#"title = "a | b [x](javascript:alert(1)) <img src=x onerror=alert(1)> --8<-- \"/etc/passwd\""
command = "openstack image show x\n```\n--8<-- \"/etc/passwd\""
output = "`````\n    !!! danger\n<script>alert(1)</script>"
description = "| c | d |\n# not a heading\n[y](javascript:alert(2))"
"#,
    );
    let output = build(&caps, &docs);
    assert!(output.status.success(), "{}", stderr(&output));
    let home = read(&docs.join("index.md"));
    let row = home
        .lines()
        .find(|l| l.contains("(image/show/index.md)"))
        .unwrap_or_else(|| panic!("{home}"));
    // Still four cells: every `|` of the title is escaped.
    let cells = row.replace("\\|", "").matches('|').count();
    assert_eq!(cells, 5, "{row}");
    let coverage = read(&docs.join("api-coverage.md"));
    // A link to javascript: would need an unescaped `](`.
    let js_link = |page: &str| {
        page.match_indices("](javascript")
            .any(|(at, _)| !page[..at].ends_with('\\'))
    };
    for page in [&home, &coverage] {
        assert!(!js_link(page), "{page}");
        assert!(!page.contains("<img"), "{page}");
        assert!(!page.contains("--8<--"), "{page}");
    }
    let page = read(&docs.join("image/show/index.md"));
    // The title's front matter (view::escape::front_matter_title) is YAML,
    // not Markdown: its value is HTML-escaped text, read by MkDocs alone.
    let (front, page) = match page
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
    {
        Some((front, body)) => (front.to_string(), body.to_string()),
        None => (String::new(), page),
    };
    assert!(
        front.starts_with("title: \"") && !front.contains('<'),
        "{front}"
    );
    assert!(!js_link(&page), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("\n# not a heading"), "{page}");
    // The snippet lines of the command and output are neutralised; the
    // page's own include lines are the only `--8<--` lines left.
    for line in page.lines().filter(|l| l.contains("--8<--")) {
        assert!(
            line.trim_start().starts_with("--8<-- \"image/show/")
                || line.trim_start().starts_with(";--8<--"),
            "{line}"
        );
    }
    // The console block is one fenced block, longer than any fence inside.
    assert!(page.contains("    `````` console\n"), "{page}");
}
