//! Notes beside a capture (`notes.md`): written by `notes init` once and
//! never again, merged under their steps, kept through `--force`, moved
//! with their call when steps are renumbered, and never dropped silently.

use std::path::{Path, PathBuf};

use crate::common::{root, stderr, tracedoc};

/// A folder holding a copy of a sample capture.
fn capture(sample: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cap");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root()
            .join("samples/openstack/image")
            .join(sample)
            .join("requestshook.log"),
        dir.join("requestshook.log"),
    )
    .unwrap();
    (tmp, dir)
}

fn render(dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    tracedoc()
        .arg("render")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// The `### ` heading of the section a text is in.
fn section_of<'a>(body: &'a str, text: &str) -> &'a str {
    let at = body
        .find(text)
        .unwrap_or_else(|| panic!("{text:?} is not in body.md"));
    let start = body[..at].rfind("\n### ").expect("a heading before it") + 1;
    body[start..].lines().next().unwrap()
}

#[test]
fn init_writes_one_section_per_step_and_never_overwrites() {
    let (_tmp, dir) = capture("create");
    let ok = tracedoc()
        .args(["notes", "init"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", stderr(&ok));
    let notes = std::fs::read_to_string(dir.join("notes.md")).unwrap();
    let out = dir.join("out");
    assert!(render(&dir, &out, &[]).status.success());
    let body = std::fs::read_to_string(out.join("body.md")).unwrap();
    let steps = body.lines().filter(|l| l.starts_with("### ")).count();
    assert_eq!(
        notes.lines().filter(|l| l.starts_with("## ")).count(),
        steps
    );
    assert!(
        notes.contains("\n## PUT /v2/images/{image_id}/file <!-- step "),
        "{notes}"
    );
    // An empty skeleton adds nothing and warns about nothing.
    let plain = dir.join("plain");
    std::fs::rename(dir.join("notes.md"), dir.join("kept.md")).unwrap();
    assert!(render(&dir, &plain, &[]).status.success());
    std::fs::rename(dir.join("kept.md"), dir.join("notes.md")).unwrap();
    let again = render(&dir, &out, &["--force"]);
    assert!(!stderr(&again).contains("warning"), "{}", stderr(&again));
    assert_eq!(
        std::fs::read_to_string(out.join("body.md")).unwrap(),
        std::fs::read_to_string(plain.join("body.md")).unwrap()
    );
    // A second init refuses and leaves the file as it was.
    std::fs::write(dir.join("notes.md"), "## GET /identity/\nmine\n").unwrap();
    let refused = tracedoc()
        .args(["notes", "init"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("exists"), "{}", stderr(&refused));
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.md")).unwrap(),
        "## GET /identity/\nmine\n"
    );
}

#[test]
fn notes_go_under_their_steps_and_survive_force() {
    let (_tmp, dir) = capture("create");
    std::fs::write(
        dir.join("notes.md"),
        "Text before the first heading is no note.\n\n\
         ## POST /v2/images <!-- step 5 -->\n\nCreates the **record**; see [the upload](#step-13).\n\n\
         ## GET /identity/ #2 response\n\nThe second version document.\n\n\
         ## DELETE /v2/images/{image_id}\n\nA step of an older capture.\n",
    )
    .unwrap();
    let out = dir.join("out");
    let first = render(&dir, &out, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let body = std::fs::read_to_string(out.join("body.md")).unwrap();
    assert!(section_of(&body, "Creates the **record**").ends_with(") POST /v2/images"));
    assert!(body
        .contains("!!! note \"메모\"\n    Creates the **record**; see [the upload](#step-13).\n"));
    let second = section_of(&body, "The second version document.");
    assert!(
        second.contains(" 300 MULTIPLE CHOICES /identity/"),
        "{second}"
    );
    assert!(!body.contains("Text before the first heading"));
    // The orphan: a warning naming file and line, and kept at the end.
    let err = stderr(&first);
    assert!(
        err.contains("notes.md:11: no step of this capture is `DELETE /v2/images/{image_id}`"),
        "{err}"
    );
    let tail = &body[body.rfind("!!! warning").expect("the orphaned notes")..];
    assert!(tail.contains("A step of an older capture."), "{tail}");
    assert!(tail.contains("(notes.md:11)"), "{tail}");
    // --force rewrites the pages and never the notes.
    let notes = std::fs::read(dir.join("notes.md")).unwrap();
    std::fs::write(out.join("body.md"), "edited\n").unwrap();
    assert!(render(&dir, &out, &["--force"]).status.success());
    assert_eq!(std::fs::read(dir.join("notes.md")).unwrap(), notes);
    assert_eq!(std::fs::read_to_string(out.join("body.md")).unwrap(), body);
    // Rendering into the capture's own folder with --force keeps them too.
    assert!(render(&dir, &dir, &["--force"]).status.success());
    assert_eq!(std::fs::read(dir.join("notes.md")).unwrap(), notes);
}

#[test]
fn a_note_follows_its_call_when_steps_are_renumbered() {
    let (_tmp, dir) = capture("show");
    let log = dir.join("requestshook.log");
    std::fs::write(
        dir.join("notes.md"),
        "## GET /v2/images/{image_id}\n\nThe lookup.\n",
    )
    .unwrap();
    let out = dir.join("out");
    assert!(render(&dir, &out, &[]).status.success());
    let body = std::fs::read_to_string(out.join("body.md")).unwrap();
    let before = section_of(&body, "The lookup.").to_string();
    // The same command captured again with one more call in front: every
    // step number moves by two, the note stays with its call.
    let text = std::fs::read_to_string(&log).unwrap();
    let first_call = text.find("\n### ").unwrap();
    let end = text[first_call + 1..].find("\n### ").unwrap() + first_call + 1;
    let end = text[end + 1..]
        .find("\n### ")
        .map_or(text.len(), |e| e + end + 1);
    let copy = &text[first_call..end];
    let id_at = copy.find("X-Requestshook-Request-Id: ").unwrap() + 27;
    let id = &copy[id_at..id_at + 32];
    let mut again = text[..first_call].to_string();
    again.push_str(&copy.replace(id, &"f".repeat(32)));
    again.push_str(&text[first_call..]);
    std::fs::write(&log, again).unwrap();
    let moved = render(&dir, &out, &["--force"]);
    assert!(moved.status.success(), "{}", stderr(&moved));
    let body = std::fs::read_to_string(out.join("body.md")).unwrap();
    let after = section_of(&body, "The lookup.");
    assert_ne!(after, before);
    assert_eq!(
        crate::common::step_number(after.trim_start_matches(|c| c != '(')).map(|(_, t)| t),
        crate::common::step_number(before.trim_start_matches(|c| c != '(')).map(|(_, t)| t)
    );
}

#[test]
fn notes_make_build_render_again() {
    let tmp = tempfile::tempdir().unwrap();
    let caps = tmp.path().join("caps");
    let dir = caps.join("image/show");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("samples/openstack/image/show/requestshook.log"),
        dir.join("requestshook.log"),
    )
    .unwrap();
    let docs = tmp.path().join("docs");
    let build = || {
        let o = tracedoc()
            .arg("build")
            .arg(&caps)
            .arg("-o")
            .arg(&docs)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    build();
    assert!(build().contains(" 0 file(s) written"));
    let notes = dir.join("notes.md");
    std::fs::write(&notes, "## GET /v2/images/{image_id}\n\nFirst.\n").unwrap();
    assert!(
        !build().contains(" 0 file(s) written"),
        "a new notes.md was skipped"
    );
    assert!(std::fs::read_to_string(docs.join("image/show/body.md"))
        .unwrap()
        .contains("First."));
    assert!(build().contains(" 0 file(s) written"));
    std::fs::write(&notes, "## GET /v2/images/{image_id}\n\nSecond.\n").unwrap();
    assert!(
        !build().contains(" 0 file(s) written"),
        "an edited notes.md was skipped"
    );
    assert!(std::fs::read_to_string(docs.join("image/show/body.md"))
        .unwrap()
        .contains("Second."));
    std::fs::remove_file(&notes).unwrap();
    assert!(
        !build().contains(" 0 file(s) written"),
        "a removed notes.md was skipped"
    );
    assert!(!std::fs::read_to_string(docs.join("image/show/body.md"))
        .unwrap()
        .contains("Second."));
}
