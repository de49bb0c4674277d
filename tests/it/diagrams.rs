//! The diagram a person would have drawn: checked against the hand-curated
//! diagrams of ../shared/captures, and on synthetic traces for nesting,
//! loops, parts, filters and escaping.

use std::path::Path;

use crate::common::{shared, tracedoc};

/// Renders a capture folder (or file) into a fresh temp dir; returns it.
fn render(input: &Path, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let mut cmd = tracedoc();
    cmd.arg("render")
        .arg(input)
        .arg("-o")
        .arg(out.path())
        .arg("-q")
        .args(extra);
    cmd.assert().success();
    out
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// Placeholders and generated ids become `{}`, so a hand-made diagram that
/// left an id literal (or wrote `AUTH_{account}`) compares equal in shape.
fn normalize(line: &str) -> String {
    // `wrap:` only tells mermaid to wrap a long label: not part of the text.
    let line = line.replacen(": wrap:", ": ", 1);
    let id = regex::Regex::new(r"(AUTH_)?(\{[a-z_0-9]+\}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})").unwrap();
    id.replace_all(line.trim(), "{}").into_owned()
}

fn messages(diagram: &str) -> Vec<String> {
    diagram
        .lines()
        .map(str::trim)
        .filter(|l| l.contains("->>") || l.contains("-->>"))
        .map(normalize)
        .collect()
}

/// The message lines inside each `opt` block.
fn opt_blocks(diagram: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in diagram.lines().map(str::trim) {
        if line.starts_with("opt ") {
            current = Some(Vec::new());
        } else if line == "end" {
            blocks.extend(current.take());
        } else if let Some(c) = current.as_mut() {
            if line.contains("->>") {
                c.push(normalize(line));
            }
        }
    }
    blocks
}

#[test]
fn reproduces_the_hand_curated_diagrams() {
    let Some(shared) = shared() else {
        eprintln!("../shared is absent: skipped");
        return;
    };
    let captures = shared.join("captures/openstack/image");
    let mut checked = 0;
    let placeholder = regex::Regex::new(r"\{([a-z_]+)\}").unwrap();
    for entry in std::fs::read_dir(&captures).unwrap() {
        let dir = entry.unwrap().path();
        let curated_path = dir.join("hand-curated-diagram.md");
        if !curated_path.is_file() {
            continue;
        }
        let curated = std::fs::read_to_string(&curated_path).unwrap();
        let out = render(&dir, &[]);
        let ours = read(out.path(), "diagram.md");
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();

        // Same arrows, same order, same text (placeholders aside).
        assert_eq!(
            messages(&ours),
            messages(&curated),
            "{name}: messages differ\n--- ours\n{ours}"
        );

        // Every opt block a person drew is there, around the same messages.
        let our_blocks = opt_blocks(&ours);
        for block in opt_blocks(&curated) {
            assert!(
                our_blocks.contains(&block),
                "{name}: missing opt block {block:?}\n--- ours\n{ours}"
            );
        }

        // Wherever the person used a placeholder, the same one is used.
        for (c, o) in curated
            .lines()
            .filter(|l| l.contains("->>"))
            .zip(ours.lines().filter(|l| l.contains("->>")))
        {
            for name_used in placeholder.captures_iter(c) {
                let p = format!("{{{}}}", &name_used[1]);
                assert!(o.contains(&p), "{name}: `{c}` uses {p}, ours is `{o}`");
            }
        }

        // One message per record (nothing folded or lost on these captures).
        let log = std::fs::read_to_string(dir.join("requestshook.log")).unwrap();
        let heads = log.lines().filter(|l| l.starts_with("### (")).count();
        assert_eq!(messages(&ours).len(), heads, "{name}");
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} curated diagrams found");
}

#[test]
fn the_create_diagram_names_its_tokens_and_ids() {
    let Some(shared) = shared() else { return };
    let out = render(
        &shared.join("captures/openstack/image/create"),
        &["--no-redact"],
    );
    let vars = read(out.path(), "variables.md");
    assert!(
        vars.contains("| `{image_id}` | `a42bfade-78ec-4c95-b7b4-272ba265072c` |"),
        "{vars}"
    );
    assert!(
        vars.contains("| `{account}` | `AUTH_7c4cda7e4807414bbdfcb22b535a9802` |"),
        "{vars}"
    );
    let tokens = read(out.path(), "tokens.md");
    // The client's token: issued in step 4 to openstack, validated by glance-api.
    assert!(
        tokens.contains("| `token-1` | [4](#step-4) | openstack | admin | admin |"),
        "{tokens}"
    );
    assert!(tokens.contains("glance-api ([10](#step-10))"), "{tokens}");
    let diagram = read(out.path(), "diagram.md");
    assert!(
        diagram
            .contains("glance-api->>swift-proxy-server: wrap:PUT /v1/{account}/glance/{image_id}"),
        "{diagram}"
    );
    assert!(diagram.starts_with("participant openstack\nparticipant keystone\nparticipant glance-api\nparticipant swift-proxy-server\n"), "{diagram}");
    // The DOT graph names ids by the same variables.
    let dot = tracedoc()
        .arg("graph")
        .arg(shared.join("captures/openstack/image/create"))
        .args(["--format", "dot", "--no-redact"])
        .output()
        .unwrap();
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(
        dot.contains("PUT /v1/{account}/glance/{image_id}\\n"),
        "{dot}"
    );
    assert!(
        !dot.contains("a42bfade-78ec-4c95-b7b4-272ba265072c"),
        "{dot}"
    );
}

/// A synthetic record.
fn rec(dir: &str, from: &str, to: &str, what: &str, id: &str, headers: &str) -> String {
    let kind = if dir == "REQ" { "REQ >>>" } else { "RESP <<<" };
    format!("\n### ({from}) {kind} ({to}) : {what}\nX-Requestshook-Request-Id: {id}\nX-Requestshook-Request-From: {from}\n{headers}\nnone\n\n")
}

/// Appends one call (request, nested calls, response) to a synthetic log.
// Positional on purpose: each call site reads like the call it writes.
#[allow(clippy::too_many_arguments)]
fn call(
    log: &mut String,
    n: &mut usize,
    from: &str,
    to: &str,
    method: &str,
    url: &str,
    status: &str,
    inner: impl FnOnce(&mut String, &mut usize),
) {
    *n += 1;
    let id = format!("{:032x}", *n);
    log.push_str(&rec("REQ", from, to, &format!("{method} {url}"), &id, ""));
    inner(log, n);
    log.push_str(&rec(
        "RESP",
        from,
        to,
        &format!("{status} {method} {url}"),
        &id,
        "",
    ));
}

#[test]
fn repeats_fold_into_a_loop() {
    let mut log = String::new();
    let mut n = 0;
    call(
        &mut log,
        &mut n,
        "openstack",
        "nova-api",
        "POST",
        "http://h/compute/v2.1/servers",
        "202 Accepted",
        |_, _| {},
    );
    for _ in 0..5 {
        call(
            &mut log,
            &mut n,
            "openstack",
            "nova-api",
            "GET",
            "http://h/compute/v2.1/servers/0b7c6f1e-1111-4f5e-9c62-2a6b1f6a2b11",
            "200 OK",
            |l, n| {
                call(
                    l,
                    n,
                    "nova-api",
                    "keystone",
                    "GET",
                    "http://h/identity/v3/auth/tokens",
                    "200 OK",
                    |_, _| {},
                );
            },
        );
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), &log).unwrap();
    let out = render(dir.path(), &[]);
    let d = read(out.path(), "diagram.md");
    assert_eq!(d.matches("loop 5 times").count(), 1, "{d}");
    assert_eq!(
        d.matches("GET /compute/v2.1/servers/{server_id}").count(),
        1,
        "{d}"
    );
    // The loop holds the call and its nested validation, indented.
    assert!(d.contains("loop 5 times\n  openstack->>nova-api: wrap:GET /compute/v2.1/servers/{server_id}\n  nova-api->>keystone: wrap:GET /identity/v3/auth/tokens\n"), "{d}");
}

#[test]
fn big_traces_are_cut_into_valid_parts() {
    let mut log = String::new();
    let mut n = 0;
    for k in 0..70 {
        let url = format!(
            "http://h/image/v2/images/{:08x}-0000-4000-8000-{:012x}",
            k, k
        );
        call(
            &mut log,
            &mut n,
            "openstack",
            "glance-api",
            "GET",
            &url,
            "200 OK",
            |l, n| {
                call(
                    l,
                    n,
                    "glance-api",
                    "keystone",
                    "GET",
                    "http://h/identity/v3/auth/tokens",
                    "200 OK",
                    |_, _| {},
                );
            },
        );
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), &log).unwrap();
    std::fs::write(
        dir.path().join("tracedoc.toml"),
        "[diagram]\nmax_messages = 50\n",
    )
    .unwrap();
    let out = render(dir.path(), &[]);
    let whole = read(out.path(), "diagram.md");
    assert_eq!(messages(&whole).len(), 280);
    let mut parts = Vec::new();
    for k in 1.. {
        let p = out.path().join(format!("diagram-{k}.md"));
        if !p.is_file() {
            break;
        }
        parts.push(std::fs::read_to_string(p).unwrap());
    }
    assert!(parts.len() >= 6, "{} parts", parts.len());
    let mut expected_start = 1;
    let mut all = Vec::new();
    for p in &parts {
        // Each part restarts numbering where the previous one stopped and
        // declares its participants.
        assert!(
            p.starts_with(&format!("autonumber {expected_start}\nparticipant ")),
            "{p}"
        );
        let m = messages(p);
        assert!(m.len() <= 50 && !m.is_empty());
        // Cut between root calls: 4 messages per root call.
        assert_eq!(m.len() % 4, 0, "{p}");
        expected_start += m.len();
        all.extend(m);
    }
    assert_eq!(all, messages(&whole));
}

#[test]
fn filters_drop_calls_and_say_so() {
    let mut log = String::new();
    let mut n = 0;
    call(
        &mut log,
        &mut n,
        "openstack",
        "glance-api",
        "GET",
        "http://h/v2/images",
        "200 OK",
        |l, n| {
            call(
                l,
                n,
                "glance-api",
                "keystone",
                "GET",
                "http://h/identity/v3/limits",
                "200 OK",
                |_, _| {},
            );
            call(
                l,
                n,
                "glance-api",
                "keystone",
                "GET",
                "http://h/identity/v3/auth/tokens",
                "200 OK",
                |_, _| {},
            );
        },
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), &log).unwrap();
    std::fs::write(
        dir.path().join("should_not_hook.json"),
        r#"{"filters": [{"from": "glance-api", "to": "keystone", "method": "GET", "urls": ["/identity/{version}/limits"]}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tracedoc.toml"),
        "lang = \"en\"\nfilter_file = \"should_not_hook.json\"\n",
    )
    .unwrap();
    let out = render(dir.path(), &[]);
    let d = read(out.path(), "diagram.md");
    assert!(!d.contains("limits"), "{d}");
    assert_eq!(messages(&d).len(), 4);
    let body = read(out.path(), "body.md");
    assert!(!body.contains("### GET /identity/v3/limits"), "{body}");
    let omitted = read(out.path(), "omitted.md");
    assert!(
        omitted.starts_with("??? note \"Omitted sequences\""),
        "{omitted}"
    );
    assert!(
        omitted.contains("\"/identity/{version}/limits\""),
        "{omitted}"
    );
    assert!(omitted.contains("Calls omitted: 1"), "{omitted}");
    assert!(
        omitted.contains("`glance-api -> keystone: GET /identity/v3/limits`"),
        "{omitted}"
    );
    // The full log keeps everything.
    assert!(read(out.path(), "log.md").contains("/identity/v3/limits"));
}

#[test]
fn unsafe_names_and_text_are_escaped_for_mermaid() {
    let mut log = String::new();
    let mut n = 0;
    call(
        &mut log,
        &mut n,
        "my client",
        "end",
        "GET",
        "http://h/a;b/c#d/%%e",
        "200 OK",
        |_, _| {},
    );
    call(
        &mut log,
        &mut n,
        "my client",
        "glance-api",
        "DELETE",
        "http://h/v2/images/x",
        "204 No Content",
        |_, _| {},
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), &log).unwrap();
    let out = render(dir.path(), &[]);
    let d = read(out.path(), "diagram.md");
    assert!(
        d.starts_with(
            "participant p1 as my client\nparticipant p2 as end\nparticipant glance-api\n"
        ),
        "{d}"
    );
    assert!(d.contains("p1->>p2: wrap:GET /a#59;b/c"), "{d}");
    assert!(
        !d.lines()
            .any(|l| l.contains(';') && !l.contains("#59;") && !l.contains("#35;")),
        "{d}"
    );
}

#[test]
fn unanswered_requests_are_marked() {
    let mut log = String::new();
    log.push_str(&rec(
        "REQ",
        "openstack",
        "glance-api",
        "DELETE http://h/v2/images/x",
        "aa",
        "",
    ));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), &log).unwrap();
    let out = tempfile::tempdir().unwrap();
    let assert = tracedoc()
        .arg("render")
        .arg(dir.path())
        .arg("-o")
        .arg(out.path())
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("requestshook.log:2: request DELETE /v2/images/x never got a response"),
        "{stderr}"
    );
    let d = read(out.path(), "diagram.md");
    assert!(
        d.contains("Note over glance-api: 응답이 기록되지 않음"),
        "{d}"
    );
}

#[test]
fn concurrent_sample_nests_under_the_right_parent() {
    let sample = crate::common::root().join("samples/openstack/compute/server-list-concurrent");
    if !sample.is_dir() {
        return;
    }
    let out = tracedoc()
        .arg("graph")
        .arg(&sample)
        .arg("-q")
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let counts = &doc["counts"];
    assert_eq!(counts["unanswered"], 0, "{counts}");
    assert_eq!(counts["paired"], counts["exchanges"], "{counts}");
    // Every keystone validation made by nova-api hangs under a nova-api call
    // whose token it validates.
    let records = doc["records"].as_array().unwrap();
    for e in doc["exchanges"].as_array().unwrap() {
        if e["from"] == "nova-api" {
            let parent = &doc["exchanges"][e["parent"].as_u64().expect("a parent") as usize];
            assert_eq!(parent["to"], "nova-api");
            assert!(records.len() > e["request"].as_u64().unwrap() as usize);
        }
    }
}

/// The parts of a split diagram: (first step, text) of each `diagram-N.md`.
fn parts(dir: &Path) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for n in 1.. {
        let path = dir.join(format!("diagram-{n}.md"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            break;
        };
        let first = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("autonumber "))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{}: no autonumber", path.display()));
        out.push((first, text));
    }
    out
}

/// What a reader's browser needs to draw a part at a legible size: few
/// participants (each is a column), labels that wrap and are short.
fn assert_legible_parts(name: &str, dir: &Path) {
    let drawn: Vec<String> = match parts(dir) {
        p if p.is_empty() => vec![read(dir, "diagram.md")],
        p => p.into_iter().map(|(_, t)| t).collect(),
    };
    for (k, d) in drawn.iter().enumerate() {
        let people = d.lines().filter(|l| l.starts_with("participant ")).count();
        assert!(
            people <= 5,
            "{name} part {}: {people} participants\n{d}",
            k + 1
        );
        for l in d.lines().filter(|l| l.contains("->>")) {
            let (_, text) = l.split_once(": ").unwrap();
            let text = text
                .strip_prefix("wrap:")
                .unwrap_or_else(|| panic!("{name}: {l:?} does not wrap"));
            assert!(text.chars().count() <= 72, "{name}: {l:?}");
        }
    }
}

#[test]
fn the_big_concurrent_create_is_cut_where_a_reader_would_cut_it() {
    let sample = crate::common::root().join("samples/openstack/compute/server-create-concurrent");
    let out = render(&sample, &[]);
    assert_legible_parts("server-create-concurrent", out.path());
    let parts = parts(out.path());
    assert!(parts.len() >= 3, "{}", parts.len());
    for (k, (first, text)) in parts.iter().enumerate() {
        // Parts run on: each starts where the one before ended.
        if let Some((next, _)) = parts.get(k + 1) {
            let messages = text.lines().filter(|l| l.contains("->>")).count();
            assert_eq!(first + messages, *next, "part {}", k + 1);
        }
        // No part ends on a request whose answer is left to the next one,
        // except where a call too big for one part is cut between the calls
        // it made (the part then ends on such a call's response).
        let last = text.lines().rev().find(|l| l.contains("->>")).unwrap();
        assert!(last.contains("-->>"), "part {} ends on {last:?}", k + 1);
    }
    // The first part ends inside the client's POST /servers only between
    // the calls nova-api made, and a later part holds the 202 that ends it.
    let whole = read(out.path(), "diagram.md");
    assert!(whole.contains("nova-api-->>openstack: wrap:202 Accepted /compute/v2.1/servers"));

    // The long placement query: decoded, and elided past the width.
    assert!(
        whole.contains(
            "nova-scheduler->>placement-api: wrap:GET /placement/allocation_candidates?limit=1000&resources=DISK_GB:20,ME…"
        ),
        "{whole}"
    );
    // The page keeps the full request line.
    let log = read(out.path(), "log.md");
    assert!(
        log.contains("required=%21COMPUTE_STATUS_DISABLED"),
        "the log lost the query"
    );

    // Background work: nova-scheduler's and nova-compute's calls, and the
    // notifier call neutron-server makes while serving an unrelated port
    // binding, each in a rect that says whose it is; the notifier is not
    // drawn as a call neutron made for nova-compute's PUT.
    for service in ["nova-scheduler", "nova-compute", "neutron-server"] {
        assert!(
            whole.contains(&format!(
                "rect rgba(128, 128, 128, 0.12)\n  Note over {service}: wrap:{service} 백그라운드 작업"
            )),
            "{service}\n{whole}"
        );
    }
    let notifier = whole
        .lines()
        .position(|l| {
            l.contains(
                "neutron-server->>nova-api: wrap:POST /compute/v2.1/os-server-external-events",
            )
        })
        .unwrap();
    let lines: Vec<&str> = whole.lines().collect();
    assert!(
        lines[notifier - 1].starts_with("  Note over neutron-server"),
        "{}",
        lines[notifier - 1]
    );
    // nova-compute's own token fetch is in the same opt block as glance's.
    assert!(
        whole.contains(
            "  opt nova-compute 인증 토큰 발급\n    nova-compute->>keystone: wrap:GET /identity/\n"
        ),
        "{whole}"
    );
    // glance-api validated the client's token (and fetched its own) before
    // the request line was logged: drawn inside that request.
    assert!(
        whole.contains(
            "openstack->>glance-api: wrap:GET /v2/images/cirros-big\nopt glance-api 인증 토큰 발급\n"
        ),
        "{whole}"
    );

    // index.md captions every part with its steps.
    let tree = tempfile::tempdir().unwrap();
    let dest = tree.path().join("compute/server-create-concurrent");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::copy(
        sample.join("requestshook.log"),
        dest.join("requestshook.log"),
    )
    .unwrap();
    let docs = tempfile::tempdir().unwrap();
    tracedoc()
        .args(["build", "-q", "-o"])
        .arg(docs.path())
        .arg(tree.path())
        .assert()
        .success();
    let index = read(
        &docs.path().join("compute/server-create-concurrent"),
        "index.md",
    );
    let mut ends: Vec<usize> = parts.iter().skip(1).map(|(first, _)| first - 1).collect();
    ends.push(whole.lines().filter(|l| l.contains("->>")).count());
    for ((first, _), last) in parts.iter().zip(ends) {
        assert!(
            index.contains(&format!("**단계 {first}–{last}**")),
            "{first}–{last}\n{index}"
        );
    }
}

#[test]
fn the_largest_shared_capture_draws_legibly() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("captures/openstack/image/create");
    let out = render(&dir, &[]);
    assert_legible_parts("image/create", out.path());
}

#[test]
fn label_width_and_participants_are_settings() {
    let sample = crate::common::root().join("samples/openstack/compute/server-create-concurrent");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        sample.join("requestshook.log"),
        dir.path().join("requestshook.log"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tracedoc.toml"),
        "[diagram]\nlabel_width = 30\nmax_participants = 9\nmax_messages = 400\n",
    )
    .unwrap();
    let default = render(&sample, &[]);
    let out = render(dir.path(), &[]);
    assert!(
        parts(out.path()).is_empty(),
        "one block when the limits allow it"
    );
    // Only the diagram shortens labels: body.md keeps the full text.
    assert_eq!(read(out.path(), "body.md"), read(default.path(), "body.md"));
    let d = read(out.path(), "diagram.md");
    for l in d.lines().filter(|l| l.contains("->>")) {
        let text = l.split_once(": wrap:").unwrap().1;
        assert!(text.chars().count() <= 30, "{l:?}");
    }
    std::fs::write(
        dir.path().join("tracedoc.toml"),
        "[diagram]\nlabel_width = 3\n",
    )
    .unwrap();
    let mut cmd = tracedoc();
    cmd.arg("render")
        .arg(dir.path())
        .arg("-o")
        .arg(dir.path().join("out"));
    let err = String::from_utf8_lossy(&cmd.assert().failure().get_output().stderr).into_owned();
    assert!(err.contains("label_width must be at least"), "{err}");
}
