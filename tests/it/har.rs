//! HAR captures through the real binary: participants named by endpoint
//! rules (built in and from `tracedoc.toml`), `--format`, and nesting that
//! matches what a requestshook capture of the same calls shows.

use std::path::Path;

use crate::common::{root, stderr, tracedoc, write};

/// A HAR of the client calling `url_a`, whose server calls `url_b` while
/// serving it, written as mitmproxy's hardump does (response order).
fn nested(url_a: &str, url_b: &str, agent: &str) -> String {
    format!(
        r#"{{"log": {{"version": "1.2", "creator": {{"name": "mitmproxy exporthar"}}, "entries": [
  {{"startedDateTime": "2026-11-27T10:00:00.010+00:00", "time": 5,
    "request": {{"method": "GET", "url": "{url_b}", "headers": []}},
    "response": {{"status": 200, "statusText": "OK", "headers": [], "content": {{"text": "{{}}"}}}}}},
  {{"startedDateTime": "2026-11-27T10:00:00.000+00:00", "time": 40,
    "request": {{"method": "POST", "url": "{url_a}",
      "headers": [{{"name": "User-Agent", "value": "{agent}"}}]}},
    "response": {{"status": 202, "statusText": "Accepted", "headers": [], "content": {{}}}}}}
]}}}}"#
    )
}

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

/// diagram.md, without mermaid's `wrap:` label prefix (only the calls matter here).
fn diagram(out: &Path) -> String {
    std::fs::read_to_string(out.join("diagram.md"))
        .unwrap()
        .replace(": wrap:", ": ")
}

#[test]
fn built_in_ports_name_services_and_nesting_follows_time() {
    let dir = tempfile::tempdir().unwrap();
    let har = write(
        dir.path(),
        "capture.har",
        &nested(
            "http://192.0.2.10:8774/v2.1/servers",
            "http://192.0.2.10:9292/v2/images/x",
            "openstacksdk/4.1.0 keystoneauth1/5.9.1",
        ),
    );
    let out = dir.path().join("out");
    let output = render(&har, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let d = diagram(&out);
    let calls: Vec<&str> = d
        .lines()
        .filter(|l| l.contains(">>") || l.contains("-->>"))
        .collect();
    assert_eq!(
        calls,
        [
            "openstack->>nova-api: POST /v2.1/servers",
            "nova-api->>glance-api: GET /v2/images/x",
            "glance-api-->>nova-api: 200 OK /v2/images/x",
            "nova-api-->>openstack: 202 Accepted /v2.1/servers",
        ],
        "{d}"
    );
}

#[test]
fn tracedoc_toml_names_the_other_endpoints_and_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let har = write(
        dir.path(),
        "capture.har",
        &nested(
            "http://192.0.2.10:9511/v1/clusters",
            "http://10.0.0.7:8004/v1/stacks",
            "my-script/1.0",
        ),
    );
    write(
        dir.path(),
        "tracedoc.toml",
        "[endpoints]\n\":9511\" = \"magnum-api\"\n\"10.0.0.7:8004\" = \"heat-api\"\nclient = \"ci-job\"\n",
    );
    let out = dir.path().join("out");
    let output = render(&har, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let d = diagram(&out);
    assert!(d.contains("ci-job->>magnum-api: POST /v1/clusters"), "{d}");
    assert!(d.contains("magnum-api->>heat-api: GET /v1/stacks"), "{d}");

    // Without the mapping, they are host:port and the client `client`.
    std::fs::remove_file(dir.path().join("tracedoc.toml")).unwrap();
    let output = render(&har, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let d = diagram(&out);
    let id = d
        .lines()
        .find_map(|l| l.strip_suffix(" as 192.0.2.10:9511"))
        .and_then(|l| l.strip_prefix("participant "))
        .unwrap_or_else(|| panic!("{d}"));
    assert!(
        d.contains(&format!("client->>{id}: POST /v1/clusters")),
        "{d}"
    );

    write(
        dir.path(),
        "tracedoc.toml",
        "[endpoints]\n\"h:99999\" = \"x\"\n",
    );
    let output = render(&har, &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("[endpoints]: `h:99999`: `99999` is not a port number"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_format_comes_from_the_content_or_from_format() {
    let dir = tempfile::tempdir().unwrap();
    // A HAR under any name is read as HAR.
    let har = write(
        dir.path(),
        "export.txt",
        &nested("http://h:5000/v3", "http://h:9292/", "x"),
    );
    let out = dir.path().join("out");
    assert!(render(&har, &out, &[]).status.success());
    // Forcing another reader is obeyed (and that reader finds nothing).
    let output = render(&har, &out, &["--format", "requestshook"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no requestshook records"),
        "{}",
        stderr(&output)
    );
    // A requestshook log forced to be HAR is not a HAR document.
    let log = root().join("samples/openstack/image/list/requestshook.log");
    let output = render(&log, &out, &["--format", "har"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not a readable har document: expected value at line"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_browsers_har_says_what_it_lacks_and_nests_nothing() {
    let out = tempfile::tempdir().unwrap();
    let sample = root().join("samples/har/chromium-console");
    let output = render(&sample, out.path(), &["--config", "/dev/null"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let body = std::fs::read_to_string(out.path().join("body.md")).unwrap();
    let first = body.find("### ").unwrap();
    let head = &body[..first];
    assert_eq!(
        head.lines().filter(|l| l.starts_with('*')).count(),
        2,
        "{head}"
    );
    let d = diagram(out.path());
    assert!(
        d.lines()
            .filter(|l| l.contains("->>") && !l.contains("-->>"))
            .all(|l| l.starts_with("browser->>")),
        "{d}"
    );
}
