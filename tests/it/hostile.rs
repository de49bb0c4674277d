//! Hostile captures: text in URLs, names and bodies must stay text on the
//! published page (no HTML, no links, no attributes, no file includes).

use pulldown_cmark::{Event, Parser, Tag};

use crate::common::tracedoc;

const HOSTILE_PATHS: &[&str] = &[
    "/v2/<script>alert(1)</script>",
    "/v2/[click](javascript:alert(1))",
    "/v2/x{: onclick=\"alert(1)\"}",
    "/v2/\"><img/src=x/onerror=alert(1)>",
    "/v2/a`b``c",
    "/v2/*em*/!x",
];

fn capture() -> String {
    let mut log = String::new();
    for (k, path) in HOSTILE_PATHS.iter().enumerate() {
        let id = format!("{:032x}", k + 1);
        log.push_str(&format!(
            "\n### (cli`x) REQ >>> (glance-api) : GET http://h{path}\nX-Requestshook-Request-Id: {id}\n\n--8<-- \"index.md\"\n\n\
             \n### (cli`x) RESP <<< (glance-api) : 200 OK GET http://h{path}\nX-Requestshook-Request-Id: {id}\n\n<b>ok</b>\n````\n\n"
        ));
    }
    log
}

#[test]
fn hostile_titles_names_and_bodies_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), capture()).unwrap();
    let out = tempfile::tempdir().unwrap();
    tracedoc()
        .arg("render")
        .arg(dir.path())
        .arg("-o")
        .arg(out.path())
        .arg("-q")
        .assert()
        .success();
    let body = std::fs::read_to_string(out.path().join("body.md")).unwrap();

    // One heading per record, and nothing outside code is HTML or a link.
    // pymdownx.tabbed reads the 4-space-indented lines under `=== "Header"`
    // as the tab's own Markdown: do the same before parsing.
    let tabs_opened: String = body
        .lines()
        .filter(|l| !l.starts_with("=== "))
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let mut headings = 0;
    let mut in_code = 0;
    for event in Parser::new(&tabs_opened) {
        match event {
            Event::Start(Tag::Heading { .. }) => headings += 1,
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(pulldown_cmark::TagEnd::CodeBlock) => in_code -= 1,
            Event::Html(h) | Event::InlineHtml(h) if in_code == 0 => {
                panic!("raw HTML reached the page: {h}")
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                panic!("a link reached the page: {dest_url}")
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                panic!("an image reached the page: {dest_url}")
            }
            _ => {}
        }
    }
    // The path with spaces does not parse as a head line (a warning):
    // its two records are kept as text of the record before.
    assert_eq!(headings, (HOSTILE_PATHS.len() - 1) * 2, "{body}");

    // No attr_list block at the end of a heading; titles stay inside their quotes.
    for line in body.lines() {
        if line.starts_with("### ") {
            assert!(!line.contains("{:") || line.contains("\\{:"), "{line}");
        }
        if let Some(rest) = line.trim_start().strip_prefix("```") {
            if let Some(t) = rest.split_once("title=\"").map(|(_, t)| t) {
                let value = t.split_once('"').map(|(v, _)| v).unwrap_or("");
                // Pygments escapes the title: `<` `>` may stay, `"` and `` ` `` may not.
                assert!(!value.contains('`'), "{line}");
                assert!(t.ends_with("\" linenums=\"1\""), "title broke out: {line}");
            }
        }
    }
    // The snippet include is escaped; the caller's backtick does not open code.
    assert!(body.contains(";--8<-- \"index.md\""));
    assert!(!body.lines().any(|l| l.trim_start().starts_with("--8<--")));
    assert!(body.contains("``cli`x`` --> `glance-api`"), "{body}");

    // The diagram has no raw `;` and the caller is aliased.
    let diagram = std::fs::read_to_string(out.path().join("diagram.md")).unwrap();
    assert!(
        diagram.starts_with("participant p1 as cli`x\n"),
        "{diagram}"
    );
    assert!(!diagram.contains('<'), "{diagram}");
}

/// Regression (found by the render fuzzer): a URL holding a lone CR and a
/// snippet marker made log.md's head line include a file under pymdownx,
/// which splits lines on `\r` as Python does.
#[test]
fn a_carriage_return_in_a_url_cannot_include_a_file_from_log_md() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requestshook.log"),
        "\n### (a) REQ >>> (b) : GET http://h/\r--8<--\t\"index.md\"\n\nnone\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    tracedoc()
        .arg("render")
        .arg(dir.path())
        .arg("-o")
        .arg(out.path())
        .arg("-q")
        .assert()
        .success();
    for name in ["body.md", "log.md", "diagram.md"] {
        let text = std::fs::read_to_string(out.path().join(name)).unwrap();
        for line in text.split([
            '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
            '\u{2029}',
        ]) {
            assert!(!line.trim_start().starts_with("--8<--"), "{name}: {line:?}");
        }
    }
}
