//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// The project root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` (real captures and the reference output), when it is there.
pub fn shared() -> Option<PathBuf> {
    let dir = root().join("..").join("shared");
    dir.is_dir().then_some(dir)
}

/// The `tracedoc` binary, run from the project root.
pub fn tracedoc() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("tracedoc").expect("the tracedoc binary");
    cmd.current_dir(root());
    cmd
}

/// Standard error as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of every level-3 heading of a Markdown document, in order, as
/// CommonMark sees it (so `### ` lines inside code blocks do not count).
pub fn h3_headings(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H3,
                ..
            }) => current = Some(String::new()),
            Event::End(TagEnd::Heading(HeadingLevel::H3)) => {
                out.extend(current.take());
            }
            // tracedoc's own step anchor (`<a id="step-3"></a>`) is no text.
            Event::InlineHtml(t) if is_step_anchor_tag(&t) => {}
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) | Event::Html(t) => {
                if let Some(c) = current.as_mut() {
                    c.push_str(&t);
                }
            }
            _ => {}
        }
    }
    out
}

/// `<a id="step-N">` or `</a>`: the two halves of the one piece of HTML
/// tracedoc writes itself, the anchor in a numbered step's heading.
pub fn is_step_anchor_tag(html: &str) -> bool {
    html == "</a>"
        || html
            .strip_prefix("<a id=\"step-")
            .and_then(|r| r.strip_suffix("\">"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A Markdown text with the step anchors of numbered headings taken out,
/// for checks that no other raw HTML reaches a page.
pub fn without_step_anchors(markdown: &str) -> String {
    markdown
        .lines()
        .map(|l| match l.strip_prefix("### <a id=\"step-") {
            Some(rest) => match rest.split_once("\"></a>") {
                Some((n, tail)) if n.bytes().all(|b| b.is_ascii_digit()) => format!("### {tail}"),
                _ => l.to_string(),
            },
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A numbered heading (`(3) GET /a?x=1`) as its number and the rest.
pub fn step_number(heading: &str) -> Option<(usize, &str)> {
    let rest = heading.strip_prefix('(')?;
    let (n, rest) = rest.split_once(") ")?;
    Some((n.parse().ok()?, rest))
}

/// The titles of a capture's records (`METHOD PATH` / `STATUS PATH`), in log
/// order, as the library's parser reads them.
pub fn record_titles(log: &Path) -> Vec<String> {
    let capture = tracedoc::input::Capture::open(log, None)
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let (records, _) = capture
        .read_all()
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    records
        .iter()
        .map(|r| match &r.status {
            Some(s) => format!("{} {}", s.text, r.path()),
            None => format!("{} {}", r.method, r.path()),
        })
        .collect()
}

/// Like [`record_titles`], with the query kept (`GET /a?name=demo`), as
/// numbered headings show it.
pub fn record_titles_with_query(log: &Path) -> Vec<String> {
    let capture = tracedoc::input::Capture::open(log, None)
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let (records, _) = capture
        .read_all()
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    records
        .iter()
        .map(|r| {
            let title = match &r.status {
                Some(s) => format!("{} {}", s.text, r.path()),
                None => format!("{} {}", r.method, r.path()),
            };
            match r.query() {
                Some(q) if !q.is_empty() => format!("{title}?{q}"),
                _ => title,
            }
        })
        .collect()
}

/// Asserts that body.md has one `### ` section per record, titled like the
/// record, in log order.
pub fn assert_one_section_per_record(body_md: &str, log: &Path) {
    let mut headings = h3_headings(body_md);
    let numbered = headings.first().is_some_and(|h| step_number(h).is_some());
    let titles = if numbered {
        let mut seen = std::collections::HashSet::new();
        for h in &mut headings {
            let (n, rest) = step_number(h)
                .unwrap_or_else(|| panic!("{}: heading {h:?} has no step number", log.display()));
            assert!(seen.insert(n), "{}: step {n} twice", log.display());
            assert!(
                body_md.contains(&format!("<a id=\"step-{n}\"></a>({n}) ")),
                "{}: step {n} has no anchor",
                log.display()
            );
            *h = rest.to_string();
        }
        record_titles_with_query(log)
    } else {
        record_titles(log)
    };
    if headings == titles {
        return;
    }
    let first = headings
        .iter()
        .zip(&titles)
        .position(|(h, t)| h != t)
        .unwrap_or(headings.len().min(titles.len()));
    panic!(
        "{}: body.md has {} `###` sections for {} records; first difference at section {}:\n  body.md: {:?}\n  records: {:?}",
        log.display(),
        headings.len(),
        titles.len(),
        first + 1,
        headings.get(first),
        titles.get(first),
    );
}

/// Where two texts first differ, with a few lines around it, for messages.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    let Some(i) = (0..e.len().max(a.len())).find(|&i| e.get(i) != a.get(i)) else {
        return "the texts are equal".into();
    };
    let mut msg = format!(
        "first difference at line {} (expected {} lines, got {}):\n",
        i + 1,
        e.len(),
        a.len()
    );
    let from = i.saturating_sub(3);
    for (label, lines) in [("expected", &e), ("actual", &a)] {
        msg.push_str(&format!("--- {label}\n"));
        for (n, line) in lines.iter().enumerate().skip(from).take(i - from + 4) {
            let mark = if n == i { '>' } else { ' ' };
            msg.push_str(&format!("{mark}{:>6} | {line:?}\n", n + 1));
        }
    }
    msg
}

/// A small valid capture: version discovery and its answer.
pub const DISCOVERY: &str = "
### (openstack) REQ >>> (keystone) : GET http://192.0.2.10/identity/
Host: 192.0.2.10
Accept: application/json
X-Requestshook-Request-Id: 0123456789abcdef0123456789abcdef
X-Requestshook-Request-From: openstack

none


### (openstack) RESP <<< (keystone) : 300 MULTIPLE CHOICES GET http://192.0.2.10/identity/
Content-Type: application/json
X-Requestshook-Request-Id: 0123456789abcdef0123456789abcdef
X-Requestshook-Request-From: openstack

{
  \"versions\": {
    \"values\": []
  }
}

";

/// Writes `text` as `dir/name` (creating `dir`) and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn h3_headings_skip_code_blocks_and_other_levels() {
    let md = "## two\n\n### GET /a\n\n=== \"Body\"\n    ``` json\n    ### (x) not a heading\n    ```\n\n```\n### fenced\n```\n\n### `201` Created /b\n";
    assert_eq!(h3_headings(md), vec!["GET /a", "201 Created /b"]);
}

#[test]
fn first_difference_points_at_the_line() {
    let msg = first_difference("a\nb\nc\n", "a\nB\nc\n");
    assert!(msg.starts_with("first difference at line 2 "), "{msg}");
    assert!(msg.contains("\"b\"") && msg.contains("\"B\""), "{msg}");
    assert_eq!(first_difference("x", "x"), "the texts are equal");
}
