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
    // The step anchors are tracedoc's own HTML; nothing else may be.
    let body = crate::common::without_step_anchors(&body);

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

// ---------------------------------------------------------------------------
// Issue 7: one escaping layer per output context. Every case below goes
// through the real binary, with the attack from the review and its
// neighbours (other tags, handlers, directives, spellings, Unicode folds).
// ---------------------------------------------------------------------------

use pulldown_cmark::{Options as MdOptions, TagEnd};

use crate::common::{stderr, stdout};
use crate::models::{python_lines, read_mermaid, shown};

/// A request and its response, as requestshook writes them.
struct Call<'a> {
    from: &'a str,
    to: &'a str,
    method: &'a str,
    url: &'a str,
    status: &'a str,
    request_headers: Vec<String>,
    request_body: String,
    response_headers: Vec<String>,
    response_body: String,
}

impl<'a> Call<'a> {
    fn new(from: &'a str, to: &'a str, method: &'a str, url: &'a str) -> Self {
        Call {
            from,
            to,
            method,
            url,
            status: "200 OK",
            request_headers: Vec::new(),
            request_body: "none".into(),
            response_headers: vec!["Content-Type: application/json".into()],
            response_body: "{}".into(),
        }
    }

    fn request(&self, id: usize) -> String {
        let mut out = format!(
            "\n### ({}) REQ >>> ({}) : {} {}\n",
            self.from, self.to, self.method, self.url
        );
        for h in &self.request_headers {
            out.push_str(h);
            out.push('\n');
        }
        out.push_str(&format!(
            "X-Requestshook-Request-Id: {id:032x}\nX-Requestshook-Request-From: {}\n\n{}\n\n",
            self.from, self.request_body
        ));
        out
    }

    fn response(&self, id: usize) -> String {
        let mut out = format!(
            "\n### ({}) RESP <<< ({}) : {} {} {}\n",
            self.from, self.to, self.status, self.method, self.url
        );
        for h in &self.response_headers {
            out.push_str(h);
            out.push('\n');
        }
        out.push_str(&format!(
            "X-Requestshook-Request-Id: {id:032x}\nX-Requestshook-Request-From: {}\n\n{}\n\n",
            self.from, self.response_body
        ));
        out
    }
}

/// Root calls, each answered before the next.
fn capture_of(calls: &[Call]) -> String {
    calls
        .iter()
        .enumerate()
        .map(|(k, c)| c.request(k + 1) + &c.response(k + 1))
        .collect()
}

fn render(dir: &std::path::Path, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    tracedoc()
        .arg("render")
        .arg(dir)
        .arg("-o")
        .arg(out.path())
        .arg("-q")
        .args(extra)
        .assert()
        .success();
    out
}

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every line snippets reads in a generated file is shown as it is: no
/// include, no block, no deleted line (Python's line splitting and
/// Unicode case folding, as tests/it/models.rs has them).
fn assert_snippets_inert(name: &str, text: &str) {
    for (n, line) in python_lines(text).iter().enumerate() {
        assert!(
            shown(line).is_some(),
            "{name}:{}: snippets acts on {line:?}",
            n + 1
        );
    }
}

/// Markdown the way Python-Markdown reads it, checked with pulldown-cmark:
/// the indented content of tabs and admonitions is opened first; outside
/// code there is no HTML, no image, no link but the api-ref tips, no
/// unescaped `{` (attr_list), and every table row has the header's cells.
fn assert_markdown_is_text(name: &str, md: &str) {
    // The step anchors are tracedoc's own HTML; nothing else may be.
    let md = crate::common::without_step_anchors(md);
    // Include lines are replaced by snippets before Markdown sees them.
    let opened: String = md
        .lines()
        .filter(|l| shown(l).is_some())
        .filter(|l| !l.starts_with("=== ") && !l.starts_with("!!! ") && !l.starts_with("??? "))
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let mut in_code = 0;
    let mut header_cells = None;
    let mut cells = 0;
    for (event, range) in Parser::new_ext(&opened, MdOptions::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock) => in_code -= 1,
            Event::Html(h) | Event::InlineHtml(h) if in_code == 0 => {
                panic!("{name}: raw HTML reached the page: {h:?}")
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                panic!("{name}: an image reached the page: {dest_url}")
            }
            // Api-ref tips, and step numbers linking to their step.
            Event::Start(Tag::Link { dest_url, .. }) => assert!(
                dest_url.starts_with("https://docs.openstack.org/")
                    || dest_url.strip_prefix("#step-").is_some_and(|n| {
                        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
                    }),
                "{name}: a link reached the page: {dest_url}"
            ),
            Event::Text(_) if in_code == 0 => {
                for (at, _) in opened[range.clone()].match_indices('{') {
                    assert!(
                        opened[..range.start + at].ends_with('\\'),
                        "{name}: an unescaped `{{` (attr_list) in {:?}",
                        &opened[range.clone()]
                    );
                }
            }
            Event::Start(Tag::TableRow | Tag::TableHead) => cells = 0,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead) => header_cells = Some(cells),
            Event::End(TagEnd::TableRow) => {
                assert_eq!(Some(cells), header_cells, "{name}: a row lost its columns")
            }
            _ => {}
        }
    }
}

/// diagram.md: every line is one mermaid statement tracedoc meant, and the
/// text after it reaches mermaid's parser with no syntax in it.
fn assert_mermaid_lines(name: &str, diagram: &str) {
    for line in diagram.lines() {
        let line = line.trim_start();
        let text = if let Some(rest) = line.strip_prefix("participant ") {
            rest.split_once(" as ").map_or("", |(_, label)| label)
        } else if let Some(rest) = line.strip_prefix("Note over ") {
            rest.split_once(": ")
                .map(|(_, t)| t)
                .unwrap_or_else(|| panic!("{line:?}"))
        } else if let Some(rest) = line.strip_prefix("opt ").or(line.strip_prefix("loop ")) {
            rest
        } else if let Some(colour) = line.strip_prefix("rect ") {
            // The background block's colour, written by tracedoc alone.
            assert_eq!(colour, "rgba(128, 128, 128, 0.12)", "{name}: {line:?}");
            ""
        } else if line == "end" || line.starts_with("autonumber ") {
            ""
        } else {
            let (head, text) = line
                .split_once(": ")
                .unwrap_or_else(|| panic!("{name}: not a message: {line:?}"));
            let ids = head.replace("-->>", " ").replace("->>", " ");
            assert!(
                ids.split(' ').all(|id| !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')),
                "{name}: {line:?}"
            );
            text
        };
        if let Err(e) = read_mermaid(text) {
            panic!("{name}: {e} in {line:?}");
        }
    }
    assert!(!diagram.contains("%%"), "{name}: {diagram}");
}

/// index.md: the only lines snippets acts on are the includes of the
/// capture's own generated files.
fn assert_only_its_own_includes(index: &str) {
    let files = [
        "diagram.md",
        "body.md",
        "log.md",
        "tokens.md",
        "variables.md",
        "omitted.md",
    ];
    for line in python_lines(index) {
        if shown(line).is_some() {
            continue;
        }
        let path = line
            .trim_start()
            .strip_prefix("--8<-- \"")
            .and_then(|p| p.strip_suffix('"'))
            .unwrap_or_else(|| panic!("index.md: snippets acts on {line:?}"));
        let file = path.rsplit('/').next().unwrap_or("");
        assert!(
            files.contains(&file) || (file.starts_with("diagram-") && file.ends_with(".md")),
            "index.md includes {path:?}"
        );
    }
}

fn assert_all_outputs_safe(out: &std::path::Path) {
    for entry in std::fs::read_dir(out).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if name == "index.md" {
            assert_only_its_own_includes(&text);
        } else {
            assert_snippets_inert(&name, &text);
        }
        if name.starts_with("diagram") {
            assert_mermaid_lines(&name, &text);
        } else {
            assert_markdown_is_text(&name, &text);
        }
    }
}

const XSS: &[&str] = &[
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe srcdoc=\"<script>alert(1)</script>\">",
    "<a href=javascript:alert(1)>x</a>",
    "<details open ontoggle=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "![t](http://evil.example/x.png)",
    "<http://evil.example/x>",
    "x {: onmouseover=\"alert(1)\" style=\"position:fixed;inset:0\" }",
    "x{: autofocus onfocus=alert(1) }",
    "&lt;img src=x onerror=alert(1)&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "`code` **b** _i_ ~~s~~ ^^i^^ ==m== ++k++ ~s~ ^p^",
    "http://evil.example www.evil.example me@evil.example :smile:",
    "--8<-- \"index.md\"",
    "a --8<-- [\u{17F}tart:x]",
    "a --8<-- [end:\u{212A}\u{131}\u{130}]",
];

/// Item 3: keystone user, project and role names in tokens.md.
#[test]
fn keystone_names_in_the_tokens_table_stay_text() {
    for (k, evil) in XSS.iter().enumerate() {
        let body = serde_json::to_string_pretty(&serde_json::json!({
            "token": {
                "methods": ["password"],
                "user": { "id": "u1", "name": evil },
                "project": { "id": "p1", "name": format!("{evil}|second column") },
                "roles": [{ "id": "r1", "name": evil }, { "id": "r2", "name": "member" }],
                "expires_at": "2030-01-01T00:00:00.000000Z"
            }
        }))
        .unwrap();
        let mut auth = Call::new(
            "openstack",
            "keystone",
            "POST",
            "http://h/identity/v3/auth/tokens",
        );
        auth.status = "201 CREATED";
        auth.response_headers
            .push("X-Subject-Token: gAAAAABtokenvalue0123456789abcdef".into());
        auth.response_body = body;
        let mut list = Call::new("openstack", "glance-api", "GET", "http://h/v2/images");
        list.request_headers
            .push("X-Auth-Token: gAAAAABtokenvalue0123456789abcdef".into());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("requestshook.log"),
            capture_of(&[auth, list]),
        )
        .unwrap();
        let out = render(dir.path(), &[]);
        let tokens = read(out.path(), "tokens.md");
        assert!(tokens.contains("`token-1`"), "case {k}: {tokens}");
        assert_all_outputs_safe(out.path());
        // The names are shown whole, in their own columns.
        let row = tokens.lines().nth(2).unwrap();
        assert!(row.contains("second column"), "case {k}: {row}");
        // No link but the step numbers' own (`[2](#step-2)`).
        let names = row.replace("](#step-", "");
        assert!(
            !names.contains("](") || names.contains("\\]("),
            "case {k}: {row}"
        );
    }
}

/// Item 4 and neighbours: mermaid directives, statements, `<br>` and
/// entities in URL paths; the same paths as headings.
#[test]
fn url_paths_stay_text_in_the_diagram_and_the_headings() {
    let paths = [
        "/v2/%%{init:{\"themeCSS\":\"body{background:url(http://evil.example/x)}\"}}%%",
        "/v2/%%{init:{'securityLevel':'loose'}}%%",
        "/v2/%%{wrap}%%",
        "/v2/%%{config:{\"sequence\":{\"mirrorActors\":true}}}%%",
        "/v2/%%comment",
        "/v2/a%%",
        "/x;click;p1;call;alert(1)",
        "/x;link;p1:;x@javascript:alert(1)",
        "/x;links;p1:{\"a\":\"javascript:alert(1)\"}",
        "/a<br/>b<br>c",
        "/a&lt;b&gt;#lt;img#gt;#59;",
        "/\u{FB02}\u{B0}\u{B0}60\u{B6}\u{DF}img",
        "/v2/<img/src=x/onerror=alert(1)>",
        "/v2/[x](javascript:alert(1))",
        "/v2/x{:onclick=alert(1)}",
        "/a--8<--\t[\u{17F}tart:x]",
        "/a;--8<--\t[end:x]",
    ];
    let calls: Vec<Call> = paths
        .iter()
        .map(|p| Call::new("openstack", "glance-api", "GET", p))
        .map(|mut c| {
            let url = format!("http://h{}", c.url);
            c.url = Box::leak(url.into_boxed_str());
            c
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let log = crate::common::write(dir.path(), "requestshook.log", &capture_of(&calls));
    let out = render(dir.path(), &["--no-redact"]);
    assert_all_outputs_safe(out.path());
    let body = read(out.path(), "body.md");
    // Headings show the titles (a tab as a space: one line, no controls).
    let titles: Vec<String> = crate::common::record_titles(&log)
        .iter()
        .map(|t| t.replace('\t', " "))
        .collect();
    let headings: Vec<String> = crate::common::h3_headings(&body)
        .iter()
        .map(|h| match crate::common::step_number(h) {
            Some((_, rest)) => rest.to_string(),
            None => h.clone(),
        })
        .collect();
    assert_eq!(headings, titles);
    let diagram = read(out.path(), "diagram.md");
    assert_eq!(
        diagram.lines().filter(|l| l.contains("->>")).count(),
        paths.len() * 2
    );
    assert!(
        !diagram.contains("init:") || diagram.contains("#37;#37;{init:"),
        "{diagram}"
    );
}

/// Items 1 and 12: capture folder names become the page title (MkDocs
/// copies it into the nav) and include paths. A name that could be a tag is
/// refused: MkDocs also titles a nav section with the folder's own name,
/// which mkdocs-material prints unescaped on every page.
#[test]
fn folder_names_stay_text_in_the_index_title() {
    let names = [
        "[x](javascript:alert(1))",
        "![t](http:evil.example)",
        "&lt;script&gt;alert(1)&lt;&#47;script&gt;",
        "&#60;img src=x onerror=alert(1)&#62;",
        "x {: onmouseover=alert(1) }",
        ":smile: www.evil.example ~~s~~ ==m== ^^i^^ ++k++",
        "[\u{17F}tart:x] [end:\u{212A}]",
        "- list",
        "# heading",
        "=== tab",
        "_em_ *em* __s__",
    ];
    let refused = [
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "a>b",
        "--8<-- [\u{17F}tart:x]",
    ];
    let tree = tempfile::tempdir().unwrap();
    for name in names.iter().chain(&refused) {
        crate::common::write(
            &tree.path().join("cmd").join(name),
            "requestshook.log",
            crate::common::DISCOVERY,
        );
    }
    let docs = tempfile::tempdir().unwrap();
    let run = tracedoc()
        .arg("build")
        .arg(tree.path())
        .arg("-o")
        .arg(docs.path())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    for name in refused {
        assert!(!docs.path().join("cmd").join(name).exists(), "{name}");
        assert!(
            stderr(&run).contains(&format!("skipped: folder name {name:?} holds")),
            "{}",
            stderr(&run)
        );
    }
    for name in names {
        let dir = docs.path().join("cmd").join(name);
        let index = read(&dir, "index.md");
        // (After the front matter that a title with `&` or quotes gets.)
        let title = index.lines().find(|l| l.starts_with("# ")).unwrap();
        // The H1's text is the folder names, and nothing else.
        let mut text = String::new();
        for event in Parser::new(title) {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::Start(Tag::Heading { .. }) | Event::End(TagEnd::Heading(_)) => {}
                Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
                other => panic!("{name:?}: {other:?} in {title:?}"),
            }
        }
        assert_eq!(text, format!("cmd {name}"), "{title:?}");
        assert!(!title.contains('<') && !title.contains('"'), "{title:?}");
        // The includes point at the folder as it is.
        assert!(
            index.contains(&format!("--8<-- \"cmd/{name}/body.md\"")),
            "{index}"
        );
        assert_all_outputs_safe(&dir);
    }
}

/// Items 2 and 12: a capture file's name is log.md's fence title.
#[test]
fn capture_file_names_stay_inside_the_fence_title() {
    let names = [
        "x\" onload=\"alert(1).log",
        "x\"title_mode=\"html\" a=\".log",
        "a`b```c.log",
        "<script>alert(1)<!--.log",
        "t --8<-- [\u{17F}tart:x].log",
        "t;--8<-- [START:\u{212A}].log",
    ];
    for name in names {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), crate::common::DISCOVERY).unwrap();
        let out = render(dir.path(), &[]);
        assert_all_outputs_safe(out.path());
        let log = read(out.path(), "log.md");
        let first = log.lines().next().unwrap();
        let (fence, rest) = first.split_at(first.bytes().take_while(|&b| b == b'`').count());
        assert!(fence.len() >= 3, "{first:?}");
        let title = rest
            .strip_prefix(" text title=\"")
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or_else(|| panic!("the title broke out: {first:?}"));
        assert!(!title.contains('"') && !title.contains('`'), "{first:?}");
        // The fence closes at the end, and nothing in between closes it.
        assert_eq!(log.lines().last(), Some(fence), "{log}");
        assert_eq!(
            log.lines().filter(|l| l.starts_with(fence)).count(),
            2,
            "{log}"
        );
    }
}

/// Item 5: labels from a tracedoc.toml beside the capture are escaped like
/// captured text, in every context they land in.
#[test]
fn labels_from_a_config_beside_the_capture_stay_text() {
    let toml = r##"
[labels]
api_reference = "<img src=x onerror=alert(1)>\" onclick=\"x"
tokens = "[x](javascript:alert(1))"
variables = "--8<-- \"index.md\""
full_log = "x {: onmouseover=alert(1) }"
name = "a|b"
user = "<b>|</b>"
roles = "![t](http://evil.example/x.png)"
obtains_token = "{service} %%{init:{}}%% ; <br> #lt;"
no_response = "%%{wrap}%%; <img src=x>"
no_request = "#59;%%"
rule = "\" title_mode=\"html"
omitted = "??? x"
count = ": x"
"##;
    let tree = tempfile::tempdir().unwrap();
    let dir = tree.path().join("cmd");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tracedoc.toml"), toml).unwrap();
    let body = serde_json::to_string_pretty(&serde_json::json!({
        "token": { "methods": ["password"], "user": { "id": "u", "name": "admin" } }
    }))
    .unwrap();
    let mut auth = Call::new(
        "glance-api",
        "keystone",
        "POST",
        "http://h/identity/v3/auth/tokens",
    );
    auth.status = "201 CREATED";
    auth.response_headers
        .push("X-Subject-Token: gAAAAABtokenvalue0123456789abcdef".into());
    auth.response_body = body;
    // openstack -> glance-api, which gets a token while serving it (an opt
    // block with the obtains_token label), then a call nobody answered.
    let outer = Call::new("openstack", "glance-api", "POST", "http://h/v2/images");
    let mut log = outer.request(1);
    log.push_str(&auth.request(2));
    log.push_str(&auth.response(2));
    log.push_str(&outer.response(1));
    log.push_str(&Call::new("openstack", "glance-api", "GET", "http://h/v2/x").request(3));
    log.push_str(&Call::new("openstack", "nova-api", "GET", "http://h/v2.1/servers").request(4));
    std::fs::write(dir.join("requestshook.log"), log).unwrap();
    std::fs::write(
        dir.join("tracedoc.toml"),
        format!("{toml}\n[[filters]]\nto = \"nova-api\"\n"),
    )
    .unwrap();
    let docs = tempfile::tempdir().unwrap();
    tracedoc()
        .arg("build")
        .arg(tree.path())
        .arg("-o")
        .arg(docs.path())
        .arg("-q")
        .assert()
        .success();
    let out = docs.path().join("cmd");
    assert_all_outputs_safe(&out);
    let index = read(&out, "index.md");
    let diagram = read(&out, "diagram.md");
    assert!(
        diagram.contains("opt glance-api #37;#37;{init:{}}#37;#37; #59; #lt;br#gt; #35;lt#59;"),
        "{diagram}"
    );
    assert!(diagram.contains("Note over "), "{diagram}");
    for line in index.lines().chain(read(&out, "body.md").lines()) {
        if let Some(title) = line
            .trim_start()
            .strip_prefix("!!! ")
            .or(line.trim_start().strip_prefix("??? "))
        {
            let quoted = title.split_once(' ').map(|(_, q)| q).unwrap_or("");
            assert!(quoted.starts_with('"') && quoted.ends_with('"'), "{line:?}");
            assert!(
                !quoted[1..quoted.len() - 1].contains(['"', '<']),
                "{line:?}"
            );
        }
    }
    let tokens = read(&out, "tokens.md");
    assert!(tokens.starts_with("| a\\|b |"), "{tokens}");
    let omitted = read(&out, "omitted.md");
    assert!(
        omitted.contains("title=\"\u{FF02} title_mode=\u{FF02}html\""),
        "{omitted}"
    );
}

/// Item 11: one 60,000-character URL still draws: no diagram part is over
/// mermaid's 50,000 characters; body.md keeps the whole path.
#[test]
fn a_huge_url_still_fits_in_every_diagram_part() {
    let path = format!("/v2/{}", "a%3B".repeat(15_000));
    let url = format!("http://h{path}");
    let mut calls = vec![Call::new("openstack", "glance-api", "GET", &url)];
    let long_name = "svc-".to_string() + &"x".repeat(400);
    calls.push(Call::new(&long_name, "glance-api", "GET", &url));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), capture_of(&calls)).unwrap();
    let out = render(dir.path(), &["--no-redact"]);
    let body = read(out.path(), "body.md");
    assert!(body.contains(&format!(") GET {path}\n")));
    let mut parts = 0;
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("diagram") {
            continue;
        }
        parts += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let wrapped = format!(
            "sequenceDiagram\n    autonumber\n{}",
            text.lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        );
        assert!(
            wrapped.chars().count() <= 50_000,
            "{name}: {}",
            wrapped.len()
        );
        assert!(text.contains('…'), "{name}: the label is shortened");
        assert_mermaid_lines(&name, &text);
    }
    assert!(parts >= 1);
}

/// Item 11: a root call too big for one part is cut between its items, and
/// no part is over the limit.
#[test]
fn a_root_call_too_big_for_one_part_is_cut() {
    let outer = Call::new(
        "openstack",
        "glance-api",
        "PUT",
        "http://h/v2/images/x/file",
    );
    let mut log = outer.request(1);
    for k in 0..400 {
        let url = format!("http://h/v1/AUTH_x/glance/{k}-{}", "%25".repeat(60));
        let c = Call::new("glance-api", "swift", "PUT", &url);
        log.push_str(&c.request(k + 2));
        log.push_str(&c.response(k + 2));
    }
    log.push_str(&outer.response(1));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), log).unwrap();
    std::fs::write(
        dir.path().join("tracedoc.toml"),
        "[diagram]\nmax_messages = 10000\nmax_chars = 1000000\n",
    )
    .unwrap();
    let out = render(dir.path(), &["--no-redact"]);
    let mut parts = 0;
    let mut messages = 0;
    for k in 1.. {
        let Ok(text) = std::fs::read_to_string(out.path().join(format!("diagram-{k}.md"))) else {
            break;
        };
        parts += 1;
        assert!(text.len() + 64 <= 50_000, "diagram-{k}.md: {}", text.len());
        messages += text.lines().filter(|l| l.contains(">>")).count();
        assert_mermaid_lines("part", &text);
    }
    assert!(parts >= 2, "{parts} part(s)");
    assert_eq!(messages, 802);
}

/// Item 15: control characters and bidi controls in names and URLs reach
/// the terminal escaped, in warnings and in `split --dry-run`.
#[test]
fn control_characters_reach_the_terminal_escaped() {
    let evil = "cli\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}x\u{9b}31m";
    let mut calls: Vec<Call> = Vec::new();
    let url = "http://h/v2/\u{1b}[31mred\u{202e}".to_string();
    calls.push(Call::new(
        evil,
        "keystone",
        "POST",
        "http://h/identity/v3/auth/tokens",
    ));
    calls.push(Call::new(evil, "glance-api", "GET", &url));
    let mut log = capture_of(&calls);
    // A request with no response: a warning naming the caller and URL.
    log.push_str(&Call::new(evil, "glance-api", "GET", &url).request(99));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), &log).unwrap();
    let out = tempfile::tempdir().unwrap();
    let runs = [
        tracedoc()
            .arg("render")
            .arg(dir.path())
            .arg("-o")
            .arg(out.path())
            .output()
            .unwrap(),
        tracedoc()
            .arg("split")
            .arg(dir.path())
            .arg("--dry-run")
            .output()
            .unwrap(),
        tracedoc()
            .arg("graph")
            .arg(dir.path())
            .arg("--no-redact")
            .output()
            .unwrap(),
        tracedoc()
            .arg("graph")
            .arg(dir.path())
            .args(["--format", "dot"])
            .output()
            .unwrap(),
    ];
    let raw = |c: char| c.is_control() && c != '\n' || matches!(c, '\u{202e}');
    for run in &runs {
        for text in [stdout(run), stderr(run)] {
            assert!(!text.chars().any(raw), "{text:?}");
        }
    }
    assert!(stderr(&runs[0]).contains("\\x1b"), "{}", stderr(&runs[0]));
    assert!(stdout(&runs[1]).contains("\\x1b"), "{}", stdout(&runs[1]));
    let graph: serde_json::Value = serde_json::from_str(&stdout(&runs[2])).unwrap();
    assert!(
        graph.to_string().contains('\u{202e}'),
        "JSON keeps the text, escaped"
    );
}

/// A template override that prints captured values without any filter is
/// safe as it is: escaping is on by default, per file context.
#[test]
fn override_templates_escape_by_default() {
    let templates = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(templates.path().join(name), text).unwrap();
    write(
        "body.md",
        "\n## {{ step.title }}\n\n{{ step.from }} {{ step.url }}\n\n!!! note \"{{ step.path }}\"\n\n",
    );
    write(
        "diagram.md",
        "{% for item in diagram.items %}\nA->>B: {{ item.text }}\n{% endfor %}",
    );
    write(
        "log.md",
        "{% if first %}```\n{% endif %}\n{{ step.url }}\n{{ step.title }}\n{% if last %}\n```\n{% endif %}",
    );
    let path = "/v2/<img/src=x/onerror=alert(1)>[x](javascript:1){:onclick=x};%%{init:{}}%%\t--8<--\t[\u{17F}tart:x]";
    let evil = "cli<svg/onload=alert`1`>";
    let url = format!("http://h{path}");
    let calls = [Call::new(evil, "glance-api", "GET", &url)];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), capture_of(&calls)).unwrap();
    // The whole path in the label, not elided: its `%%` must be escaped.
    std::fs::write(
        dir.path().join("tracedoc.toml"),
        "[diagram]\nlabel_width = 400\n",
    )
    .unwrap();
    let out = render(
        dir.path(),
        &[
            "--templates",
            templates.path().to_str().unwrap(),
            "--no-redact",
        ],
    );
    assert_all_outputs_safe(out.path());
    let body = read(out.path(), "body.md");
    assert!(
        body.contains("&lt;img/src=x/onerror=alert(1)&gt;\\[x\\]"),
        "{body}"
    );
    let diagram = read(out.path(), "diagram.md");
    assert!(diagram.contains("#37;#37;{init:{}}#37;#37;"), "{diagram}");
    let log = read(out.path(), "log.md");
    assert!(log.contains(";--8<--"), "{log}");
}

/// Issue 12: the diff page shows captured names, paths, header names and
/// JSON keys; it must be as inert as the capture pages.
#[test]
fn the_diff_page_stays_text() {
    let mut old_calls = Vec::new();
    let mut new_calls = Vec::new();
    for (k, x) in XSS.iter().chain(HOSTILE_PATHS).enumerate() {
        let path = format!("http://h/v2/{}", x.replace(['\n', ' '], "_"));
        let url: &'static str = Box::leak(path.into_boxed_str());
        let from: &'static str = Box::leak(format!("cli`{k}<b>").into_boxed_str());
        let mut old = Call::new(from, "glance-api", "GET", url);
        let mut new = Call::new(from, "glance-api", "GET", url);
        old.response_body = serde_json::json!({ *x: 1, "a": {"b": x} }).to_string();
        new.response_body = serde_json::json!({ "a": {"b": 1, *x: [x]} }).to_string();
        new.request_headers = vec![format!("X-{}: {x}", k), format!("Content-Type: {x}")];
        new.status = if k % 3 == 0 {
            "500 Internal <b>Error</b>"
        } else {
            "200 OK"
        };
        if k % 4 != 1 {
            old_calls.push(old);
        }
        if k % 5 != 2 {
            new_calls.push(new);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let old = crate::common::write(dir.path(), "old.log", &capture_of(&old_calls));
    let new = crate::common::write(dir.path(), "new.log", &capture_of(&new_calls));
    let out = tempfile::tempdir().unwrap();
    let run = tracedoc()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("-o")
        .arg(out.path())
        .args(["-q", "--no-redact"])
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        crate::common::stderr(&run)
    );
    let page = read(out.path(), "diff.md");
    assert!(page.contains("## Changes"), "{page}");
    // The hostile text is there, as text.
    assert!(page.contains("cli`0"), "{page}");
    assert!(page.contains("onerror=alert(1)"), "{page}");
    assert_snippets_inert("diff.md", &page);
    assert_markdown_is_text("diff.md", &page);
    let mermaid: String = page
        .split("``` mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .unwrap()
        .lines()
        .filter(|l| *l != "sequenceDiagram" && !l.trim_start().starts_with("rect rgba("))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_mermaid_lines("diff.md", &mermaid);
}

/// Item 15 through `build --message-format json`, the channel the MkDocs
/// plugin reads: it decodes each message and logs it to the terminal, so a
/// JSON escape (`\u001b`) would reach the terminal as the raw control. The
/// messages carry the escaped text the human format prints, from every
/// reader (a requestshook log, a Zipkin trace, a HAR file, `--debug`
/// output) and from a notes.md heading.
#[test]
fn json_messages_hold_no_control_character_once_decoded() {
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}x\u{9b}31m\r";
    let tree = tempfile::tempdir().unwrap();
    let put = |rel: &str, text: &str| {
        let path = tree.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let url = format!("http://h/v2/{evil}");
    let mut log = capture_of(&[Call::new(
        "openstack",
        "glance-api",
        "GET",
        "http://h/v2/images",
    )]);
    log.push_str(&Call::new(evil, "glance-api", "GET", &url).request(99));
    put("log/requestshook.log", &log);
    put(
        "log/notes.md",
        &format!("## DELETE /v2/{evil}\n\nan orphan\n"),
    );
    let zipkin = serde_json::json!([{
        "traceId": "9493dafcb6a4c7688b916e77ada43f4e", "id": "c7c4ee0b9094ef40",
        "kind": "CLIENT", "name": "get", "timestamp": 1764240000000000u64, "duration": 3000,
        "localEndpoint": {"serviceName": evil},
        "tags": {"http.method": "GET", "http.url": url}
    }]);
    put("zipkin/trace.json", &zipkin.to_string());
    let ok = serde_json::json!({"startedDateTime": "2031-05-06T07:08:09.000Z", "time": 1,
        "request": {"method": "GET", "url": "http://h/v2/images", "httpVersion": "HTTP/1.1",
                    "headers": [], "cookies": [], "queryString": [], "headersSize": -1, "bodySize": -1},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                     "cookies": [], "content": {"size": 0, "mimeType": "text/plain"},
                     "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}});
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "x"}, "entries": [ok,
        {"startedDateTime": format!("2031{evil}"), "time": 1,
         "request": {"method": "GET", "url": "http://h/v2/x", "headers": []},
         "response": {"status": 200, "headers": [], "content": {}}}
    ]}});
    put("har/cap.har", &har.to_string());
    put(
        "debug/openstack-debug.log",
        &format!(
            "REQ: curl -g -i -X GET http://h/image/v2/images -H \"Accept: application/json\"\n\
             RESP: [200] Content-Type: application/json\n\
             RESP BODY: {{}}\n\
             REQ: curl -g -i -X GE{evil}T\nEND return value: 0\n"
        ),
    );
    let out = tempfile::tempdir().unwrap();
    let run = tracedoc()
        .arg("build")
        .arg(tree.path())
        .arg("-o")
        .arg(out.path())
        .args(["--message-format", "json"])
        .output()
        .unwrap();
    let err = stderr(&run);
    let raw = |c: char| c.is_control() && c != '\n' || matches!(c, '\u{202e}');
    assert!(!err.chars().any(raw), "{err:?}");
    let messages: Vec<serde_json::Value> = err
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut escaped = 0;
    for m in &messages {
        let mut text = m["message"].as_str().unwrap().to_string();
        for cause in m["causes"].as_array().into_iter().flatten() {
            text.push_str(cause.as_str().unwrap());
        }
        assert!(!text.chars().any(raw), "decoded message {text:?}");
        escaped += usize::from(text.contains("\\x1b") || text.contains("\\u{1b}"));
    }
    // The unanswered request, the orphaned note, the trace's unanswered
    // call, the HAR entry and the curl line each name the escape sequence.
    assert!(
        escaped >= 5,
        "{escaped} message(s) quote it escaped:\n{err}"
    );
}

/// A page title holding `</title>` (capture.toml's `title` or `command`, a
/// label that titles the home or coverage page): MkDocs would make the
/// heading's text the page's HTML `<title>` through Material's
/// `striptags`, which decodes `&lt;` back to `<`, so the title is given in
/// the front matter instead, HTML-escaped; the heading stays escaped text.
#[test]
fn titles_that_close_the_html_title_go_in_the_front_matter() {
    let tree = tempfile::tempdir().unwrap();
    let log = std::fs::read_to_string(
        crate::common::root().join("samples/openstack/image/list/requestshook.log"),
    )
    .unwrap();
    let evil = "x </title><img src=x onerror=alert(1)> & 'q' \"d\"";
    for (dir, toml) in [
        ("titled", format!("title = {}\n", toml_string(evil))),
        (
            "command",
            format!("command = {}\n", toml_string(&format!("openstack {evil}"))),
        ),
    ] {
        std::fs::create_dir_all(tree.path().join(dir)).unwrap();
        std::fs::write(tree.path().join(dir).join("requestshook.log"), &log).unwrap();
        std::fs::write(tree.path().join(dir).join("capture.toml"), toml).unwrap();
    }
    std::fs::write(
        tree.path().join("tracedoc.toml"),
        format!(
            "[labels]\ncaptures = {}\ncoverage = {}\n",
            toml_string(evil),
            toml_string(evil)
        ),
    )
    .unwrap();
    let docs = tempfile::tempdir().unwrap();
    let out = tracedoc()
        .arg("build")
        .arg(tree.path())
        .arg("-o")
        .arg(docs.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for page in [
        "titled/index.md",
        "command/index.md",
        "index.md",
        "api-coverage.md",
    ] {
        let text = std::fs::read_to_string(docs.path().join(page)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("---"), "{page}:\n{text}");
        let title = lines.next().unwrap();
        assert!(
            title.starts_with("title: \"") && title.contains("x &lt;/title&gt;&lt;img"),
            "{page}: {title}"
        );
        assert!(!title.contains('<'), "{page}: {title}");
        assert_eq!(lines.next(), Some("---"), "{page}");
        let heading = lines.next().unwrap();
        assert!(
            heading.starts_with("# ") && !heading.contains('<'),
            "{page}: {heading}"
        );
    }
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
