//! `tracedoc init`, and the `build` flags the MkDocs plugin relies on:
//! `--lang`, `--prune`, `--message-format json`.

use std::path::Path;

use crate::common::{root, stderr, stdout, tracedoc};

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

#[test]
fn init_writes_a_site_and_never_overwrites() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    let out = tracedoc()
        .args(["init", site.to_str().unwrap(), "--lang", "en"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    for file in [
        "mkdocs.yml",
        "docs/index.md",
        "requirements.txt",
        ".gitignore",
        "captures/openstack/image/list/requestshook.log",
        "captures/tracedoc.toml",
    ] {
        assert!(site.join(file).is_file(), "{file} not written");
        assert!(said.contains(&format!("created {}", site.join(file).display())));
    }
    let yml = std::fs::read_to_string(site.join("mkdocs.yml")).unwrap();
    for needed in [
        "site_name:",
        "- tracedoc:",
        "captures: captures",
        "pymdownx.snippets",
        "pymdownx.superfences",
        "pymdownx.tabbed",
        "pymdownx.details",
        "admonition",
        "!index.md",
    ] {
        assert!(yml.contains(needed), "mkdocs.yml lacks {needed}");
    }
    let reqs = std::fs::read_to_string(site.join("requirements.txt")).unwrap();
    assert!(reqs.contains(&format!("tracedoc=={}", env!("CARGO_PKG_VERSION"))));
    assert!(reqs.contains("mkdocs-material=="));
    // The sample is the bundled one, byte for byte.
    assert_eq!(
        std::fs::read(site.join("captures/openstack/image/list/requestshook.log")).unwrap(),
        std::fs::read(root().join("samples/openstack/image/list/requestshook.log")).unwrap()
    );

    // A second run (another language) keeps every file, and says so.
    std::fs::write(site.join("docs/index.md"), "# mine\n").unwrap();
    let again = tracedoc()
        .args(["init", site.to_str().unwrap(), "--lang", "ko"])
        .output()
        .unwrap();
    assert!(again.status.success());
    let said = stdout(&again);
    assert_eq!(
        said.lines().filter(|l| l.starts_with("skipped ")).count(),
        6,
        "{said}"
    );
    assert!(!said.contains("created "));
    assert_eq!(
        std::fs::read_to_string(site.join("docs/index.md")).unwrap(),
        "# mine\n"
    );
    assert!(std::fs::read_to_string(site.join("captures/tracedoc.toml"))
        .unwrap()
        .contains("lang = \"en\""));
}

#[test]
fn init_lang_picks_the_home_page() {
    let t = tempfile::tempdir().unwrap();
    for lang in ["en", "ko"] {
        let dir = t.path().join(lang);
        tracedoc()
            .args(["init", dir.to_str().unwrap(), "--lang", lang])
            .assert()
            .success();
        let index = std::fs::read_to_string(dir.join("docs/index.md")).unwrap();
        let toml = std::fs::read_to_string(dir.join("captures/tracedoc.toml")).unwrap();
        assert!(toml.contains(&format!("lang = \"{lang}\"")));
        assert_eq!(index.contains("Captured commands"), lang == "en");
        assert_eq!(index.contains("캡처한 명령"), lang == "ko");
        assert!(index.contains("(openstack/image/list/index.md)"));
    }
    tracedoc()
        .args(["init", t.path().join("x").to_str().unwrap(), "--lang", "fr"])
        .assert()
        .code(2);
}

#[test]
fn lang_flag_overrides_the_config() {
    let t = tempfile::tempdir().unwrap();
    let caps = t.path().join("captures/openstack/image/list");
    std::fs::create_dir_all(&caps).unwrap();
    std::fs::copy(
        root().join("samples/openstack/image/list/requestshook.log"),
        caps.join("requestshook.log"),
    )
    .unwrap();
    std::fs::write(t.path().join("captures/tracedoc.toml"), "lang = \"ko\"\n").unwrap();
    let docs = t.path().join("docs");
    let build = |lang: Option<&str>| {
        let mut cmd = tracedoc();
        cmd.args(["build", t.path().join("captures").to_str().unwrap(), "-o"])
            .arg(&docs)
            .arg("-q");
        if let Some(l) = lang {
            cmd.args(["--lang", l]);
        }
        cmd.assert().success();
        std::fs::read_to_string(docs.join("openstack/image/list/index.md")).unwrap()
    };
    let ko = build(None);
    let en = build(Some("en"));
    assert_ne!(ko, en, "--lang en changed nothing");
    assert!(ko.contains("변수"));
    assert!(en.contains("Variables"), "{en}");

    let out = t.path().join("one");
    tracedoc()
        .args(["render", caps.to_str().unwrap(), "-o"])
        .arg(&out)
        .args(["--lang", "en", "-q"])
        .assert()
        .success();
    let rendered = std::fs::read_to_string(out.join("body.md")).unwrap();
    assert!(
        !rendered.contains("API 참조"),
        "render --lang en kept Korean labels"
    );
}

#[test]
fn message_format_json_gives_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    let out = tracedoc()
        .args(["build", "samples/broken", "-o"])
        .arg(t.path())
        .args(["--message-format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = stderr(&out);
    let messages: Vec<serde_json::Value> = err
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(messages.len(), 3, "{err}");
    for m in &messages {
        assert_eq!(m["level"], "warning");
        let path = m["path"].as_str().unwrap();
        let line = m["line"].as_u64().unwrap();
        assert!(path.ends_with("requestshook.log"));
        assert!(line > 0);
        assert!(m["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{path}:{line}: ")));
    }
    // The summary stays a line of text.
    assert!(err.lines().any(|l| l.starts_with("tracedoc: 2 capture(s)")));
}

#[test]
fn prune_removes_only_unedited_pages_of_gone_captures() {
    let t = tempfile::tempdir().unwrap();
    let caps = t.path().join("captures");
    copy_tree(&root().join("samples/openstack/image"), &caps);
    let docs = t.path().join("docs");
    let build = |prune: bool| {
        let mut cmd = tracedoc();
        cmd.arg("build").arg(&caps).arg("-o").arg(&docs);
        if prune {
            cmd.arg("--prune");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    build(false);
    std::fs::write(docs.join("show/index.md"), "# my notes\n").unwrap();
    std::fs::write(docs.join("mine.md"), "a page of my own\n").unwrap();
    std::fs::remove_dir_all(caps.join("show")).unwrap();
    std::fs::remove_dir_all(caps.join("list")).unwrap();

    // Without --prune nothing goes.
    build(false);
    assert!(docs.join("list/body.md").exists());

    let said = build(true);
    assert!(
        !docs.join("list").exists(),
        "an unedited gone capture stays"
    );
    assert!(!docs.join("show/body.md").exists());
    assert_eq!(
        std::fs::read_to_string(docs.join("show/index.md")).unwrap(),
        "# my notes\n"
    );
    assert!(
        said.contains("kept: its capture is gone, but it was edited"),
        "{said}"
    );
    assert!(docs.join("mine.md").exists());
    assert!(docs.join("create/index.md").exists());
    // The pages across captures at the root are no gone capture's: a
    // second pruning build keeps them and writes nothing.
    assert!(docs.join("api-coverage.md").exists());
    let again = build(true);
    assert!(again.contains(" 0 file(s) written"), "{again}");
    assert!(!again.contains("removed"), "{again}");

    // The capture coming back does not overwrite the edited page.
    copy_tree(
        &root().join("samples/openstack/image/show"),
        &caps.join("show"),
    );
    build(true);
    assert!(docs.join("show/body.md").exists());
    assert_eq!(
        std::fs::read_to_string(docs.join("show/index.md")).unwrap(),
        "# my notes\n"
    );
}
