//! `tracedoc split`: a long log cut into one capture per client command,
//! through the real binary, on a synthetic session built here and on the
//! real captures of ../shared glued together.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use crate::common::{shared, stderr, stdout, tracedoc, write};

/// Builds a requestshook log call by call, with fresh request ids.
struct Log {
    text: String,
    next: Cell<u32>,
}

impl Log {
    fn new() -> Self {
        Log {
            text: String::new(),
            next: Cell::new(1),
        }
    }

    fn id(&self) -> String {
        let n = self.next.get();
        self.next.set(n + 1);
        format!("{n:032x}")
    }

    fn record(&mut self, head: &str, id: &str, from: &str, headers: &[String], body: &str) {
        self.text.push_str(&format!("\n### {head}\n"));
        for h in headers {
            self.text.push_str(h);
            self.text.push('\n');
        }
        self.text.push_str(&format!(
            "X-Requestshook-Request-Id: {id}\nX-Requestshook-Request-From: {from}\n\n{body}\n\n"
        ));
    }

    fn req(
        &mut self,
        from: &str,
        to: &str,
        method: &str,
        url: &str,
        headers: &[String],
        body: &str,
    ) -> String {
        let id = self.id();
        let head = format!("({from}) REQ >>> ({to}) : {method} {url}");
        self.record(&head, &id, from, headers, body);
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn resp(
        &mut self,
        id: &str,
        from: &str,
        to: &str,
        status: &str,
        method: &str,
        url: &str,
        headers: &[String],
        body: &str,
    ) {
        let head = format!("({from}) RESP <<< ({to}) : {status} {method} {url}");
        self.record(&head, id, from, headers, body);
    }

    /// A whole call with nothing nested.
    fn call(
        &mut self,
        from: &str,
        to: &str,
        method: &str,
        url: &str,
        token: Option<&str>,
        status: &str,
    ) {
        let headers: Vec<String> = token
            .map(|t| format!("X-Auth-Token: {t}"))
            .into_iter()
            .collect();
        let id = self.req(from, to, method, url, &headers, "none");
        self.resp(
            &id,
            from,
            to,
            status,
            method,
            url,
            &[],
            "{\n  \"ok\": true\n}",
        );
    }

    /// Version discovery and a password token request, as every invocation begins.
    fn login(&mut self, from: &str, token: &str) {
        self.call(
            from,
            "keystone",
            "GET",
            "http://192.0.2.10/identity/",
            None,
            "300 MULTIPLE CHOICES",
        );
        let url = "http://192.0.2.10/identity/v3/auth/tokens";
        let id = self.req(
            from,
            "keystone",
            "POST",
            url,
            &["Content-Type: application/json".into()],
            "{\n  \"auth\": {\n    \"identity\": {\n      \"methods\": [\n        \"password\"\n      ]\n    }\n  }\n}",
        );
        self.resp(
            &id,
            from,
            "keystone",
            "201 CREATED",
            "POST",
            url,
            &[
                format!("X-Subject-Token: {token}"),
                "Content-Type: application/json".into(),
            ],
            "{\n  \"token\": {\n    \"methods\": [\n      \"password\"\n    ]\n  }\n}",
        );
    }

    /// A call during which the callee validates the token with keystone and calls `inner`.
    #[allow(clippy::too_many_arguments)]
    fn nested(
        &mut self,
        from: &str,
        to: &str,
        method: &str,
        url: &str,
        token: &str,
        status: &str,
        inner: Option<(&str, &str, &str)>,
    ) {
        let id = self.req(
            from,
            to,
            method,
            url,
            &[format!("X-Auth-Token: {token}")],
            "none",
        );
        let check = "http://192.0.2.10/identity/v3/auth/tokens";
        let v = self.req(
            to,
            "keystone",
            "GET",
            check,
            &[
                "X-Auth-Token: SERVICE-TOKEN".into(),
                format!("X-Subject-Token: {token}"),
            ],
            "none",
        );
        self.resp(
            &v,
            to,
            "keystone",
            "200 OK",
            "GET",
            check,
            &[],
            "{\n  \"token\": {}\n}",
        );
        if let Some((callee, m, u)) = inner {
            self.call(to, callee, m, u, Some("SERVICE-TOKEN"), "200 OK");
        }
        self.resp(
            &id,
            from,
            to,
            status,
            method,
            url,
            &[],
            "{\n  \"id\": \"x\",\n\n  \"name\": \"y\"\n}",
        );
    }
}

const IMAGE: &str = "1f6b8a84-6e0e-4a0e-8b4c-7d1a2b3c4d5e";

/// A session: three commands and nova-compute's periodic task in between.
/// Returns the log and the expected pieces, each with its first call.
fn session() -> (String, Vec<(&'static str, &'static str)>) {
    let mut log = Log::new();
    let images = "http://192.0.2.10/image/v2/images";
    let file = format!("{images}/{IMAGE}/file");
    let swift =
        format!("http://192.0.2.10:8080/v1/AUTH_7c4cda7e4807414bbdfcb22b535a9802/glance/{IMAGE}");
    let placement = format!("http://192.0.2.10/placement/resource_providers/{IMAGE}/inventories");
    // 1: openstack image create --file ...
    log.login("openstack", "TOKEN-ONE");
    log.nested(
        "openstack",
        "glance-api",
        "POST",
        images,
        "TOKEN-ONE",
        "201 Created",
        None,
    );
    // nova-compute's periodic task, right in the middle of the command.
    log.nested(
        "nova-compute",
        "placement-api",
        "GET",
        &placement,
        "COMPUTE-TOKEN",
        "200 OK",
        None,
    );
    log.nested(
        "openstack",
        "glance-api",
        "PUT",
        &file,
        "TOKEN-ONE",
        "204 No Content",
        Some(("swift-proxy-server", "PUT", &swift)),
    );
    // 2: openstack --os-token ... image list: another token, no login.
    log.nested(
        "openstack",
        "glance-api",
        "GET",
        images,
        "TOKEN-TWO",
        "200 OK",
        None,
    );
    log.nested(
        "openstack",
        "glance-api",
        "GET",
        &format!("{images}?marker={IMAGE}"),
        "TOKEN-TWO",
        "200 OK",
        None,
    );
    // 3: openstack server list: a new login.
    log.login("openstack", "TOKEN-THREE");
    log.nested(
        "openstack",
        "nova-api",
        "GET",
        "http://192.0.2.10/compute/v2.1/servers/detail",
        "TOKEN-THREE",
        "200 OK",
        Some(("glance-api", "GET", images)),
    );
    log.nested(
        "nova-compute",
        "placement-api",
        "GET",
        &placement,
        "COMPUTE-TOKEN",
        "200 OK",
        None,
    );
    let expected = vec![
        ("001-create-image", "openstack: POST /image/v2/images"),
        (
            "002-nova-compute-list-resource-provider",
            "nova-compute: GET /placement/resource_providers/",
        ),
        ("003-list-images", "openstack: GET /image/v2/images"),
        (
            "004-list-servers-detailed",
            "openstack: GET /compute/v2.1/servers/detail",
        ),
        (
            "005-nova-compute-list-resource-provider",
            "nova-compute: GET /placement/resource_providers/",
        ),
    ];
    (log.text, expected)
}

fn split(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    tracedoc()
        .arg("split")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// A record's content, without its position, to compare across files.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    direction: String,
    from: String,
    to: String,
    method: String,
    url: String,
    status: Option<String>,
    headers: Vec<(String, Option<String>)>,
    body: Vec<String>,
}

impl Record {
    fn title(&self) -> String {
        let path = tracedoc::model::url_path(&self.url);
        match &self.status {
            Some(s) => format!("{s} {path}"),
            None => format!("{} {path}", self.method),
        }
    }
}

fn records(log: &Path) -> Vec<Record> {
    let capture = tracedoc::input::Capture::open(log, None)
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let (records, _) = capture
        .read_all()
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    records
        .iter()
        .map(|r| Record {
            direction: format!("{:?}", r.direction),
            from: r.from.to_string(),
            to: r.to.to_string(),
            method: r.method.to_string(),
            url: r.url.to_string(),
            status: r.status.as_ref().map(|s| s.text.to_string()),
            headers: r
                .headers
                .iter()
                .map(|h| (h.name.to_string(), h.value.as_ref().map(|v| v.to_string())))
                .collect(),
            body: r.body.lines().map(str::to_string).collect(),
        })
        .collect()
}

/// Records carry no position here: content is all there is to compare.
fn content(r: &Record) -> Record {
    r.clone()
}

/// The piece folders of `out`, in name order.
fn pieces(out: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// Every input record is in exactly one piece, and each piece keeps log order.
fn assert_partition(input: &[Record], dirs: &[PathBuf]) {
    let mut left: Vec<Option<Record>> = input.iter().map(|r| Some(content(r))).collect();
    for dir in dirs {
        let mut previous = None;
        for r in records(&dir.join("requestshook.log")) {
            let r = content(&r);
            let at = left
                .iter()
                .position(|x| x.as_ref() == Some(&r))
                .unwrap_or_else(|| {
                    panic!(
                        "{}: {} is not in the input (or twice in the output)",
                        name(dir),
                        r.title()
                    )
                });
            left[at] = None;
            assert!(
                previous < Some(at),
                "{}: records out of log order",
                name(dir)
            );
            previous = Some(at);
        }
    }
    let missing: Vec<String> = left.iter().flatten().map(|r| r.title()).collect();
    assert!(missing.is_empty(), "records in no piece: {missing:?}");
}

#[test]
fn a_session_splits_into_commands_and_service_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (text, expected) = session();
    let input = write(tmp.path(), "session.log", &text);
    let out = tmp.path().join("pieces");
    let output = split(&input, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("warning:"), "{}", stderr(&output));

    let summary = stdout(&output);
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{summary}");
    for (line, (piece, first)) in lines.iter().zip(&expected) {
        assert!(line.starts_with(piece), "{line:?} should name {piece}");
        assert!(line.contains(first), "{line:?} should show {first}");
    }
    let dirs = pieces(&out);
    let names: Vec<String> = dirs.iter().map(|d| name(d)).collect();
    assert_eq!(
        names,
        expected
            .iter()
            .map(|(n, _)| n.to_string())
            .collect::<Vec<_>>()
    );

    let input_records = records(&input);
    assert_partition(&input_records, &dirs);
    // The first command keeps its upload although nova-compute called in between.
    let first = records(&dirs[0].join("requestshook.log"));
    let titles: Vec<String> = first.iter().map(|r| r.title()).collect();
    assert!(
        titles.contains(&format!(
            "PUT /v1/AUTH_7c4cda7e4807414bbdfcb22b535a9802/glance/{IMAGE}"
        )),
        "{titles:?}"
    );
    assert!(
        !titles.iter().any(|t| t.contains("placement")),
        "{titles:?}"
    );

    for dir in &dirs {
        let rendered = tmp.path().join("docs").join(name(dir));
        let output = tracedoc()
            .arg("render")
            .arg(dir)
            .arg("-o")
            .arg(&rendered)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            name(dir),
            stderr(&output)
        );
        assert!(
            !stderr(&output).contains("warning:"),
            "{}: {}",
            name(dir),
            stderr(&output)
        );
        let body = std::fs::read_to_string(rendered.join("body.md")).unwrap();
        crate::common::assert_one_section_per_record(&body, &dir.join("requestshook.log"));
    }
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (text, expected) = session();
    let input = write(tmp.path(), "session.log", &text);
    let out = tmp.path().join("pieces");
    let output = split(&input, &out, &["--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), expected.len());
    assert!(!out.exists());
    // -o is not needed to see the plan.
    let output = tracedoc()
        .arg("split")
        .arg(&input)
        .arg("--dry-run")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // Without it and without --dry-run, it is a usage error.
    let output = tracedoc().arg("split").arg(&input).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn strict_refuses_a_log_with_warnings_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (text, _) = session();
    // A request whose response never came, at the end.
    let text = format!("{text}\n### (openstack) REQ >>> (glance-api) : DELETE http://192.0.2.10/image/v2/images/{IMAGE}\nX-Auth-Token: TOKEN-THREE\n\nnone\n");
    let input = write(tmp.path(), "session.log", &text);
    let out = tmp.path().join("pieces");
    let output = split(&input, &out, &["--strict"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let line = text.lines().position(|l| l.contains("DELETE")).unwrap() + 1;
    assert!(
        err.contains(&format!("session.log:{line}: request DELETE")),
        "{err}"
    );
    assert!(!out.exists());
    // Without --strict the unanswered request is written with its command.
    let output = split(&input, &out, &["--quiet"]);
    assert!(output.status.success());
    assert!(stdout(&output).is_empty() && stderr(&output).is_empty());
    let dirs = pieces(&out);
    let last = records(&dirs[3].join("requestshook.log"));
    assert_eq!(
        last.last().unwrap().title(),
        format!("DELETE /image/v2/images/{IMAGE}")
    );
}

#[test]
fn hand_edited_pieces_are_kept_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let (text, _) = session();
    let input = write(tmp.path(), "session.log", &text);
    let out = tmp.path().join("pieces");
    assert!(split(&input, &out, &[]).status.success());
    let piece = pieces(&out)[0].join("requestshook.log");
    let written = std::fs::read_to_string(&piece).unwrap();
    // Running again changes nothing.
    let again = split(&input, &out, &[]);
    assert!(again.status.success());
    assert!(
        stderr(&again).contains("(0 written, 5 unchanged)"),
        "{}",
        stderr(&again)
    );
    std::fs::write(&piece, "edited by hand\n").unwrap();
    let refused = split(&input, &out, &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("refusing to overwrite"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read_to_string(&piece).unwrap(), "edited by hand\n");
    assert!(split(&input, &out, &["--force"]).status.success());
    assert_eq!(std::fs::read_to_string(&piece).unwrap(), written);
}

#[test]
fn the_real_image_captures_glued_together_split_back_apart() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is not there");
        return;
    };
    let dir = shared.join("captures/openstack/image");
    let commands = ["create", "list", "save", "show", "add-project"];
    let originals: Vec<PathBuf> = commands
        .iter()
        .map(|c| dir.join(c).join("requestshook.log"))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let mut glued = String::new();
    for path in &originals {
        glued.push_str(&std::fs::read_to_string(path).unwrap());
    }
    let input = write(tmp.path(), "session.log", &glued);
    let out = tmp.path().join("pieces");
    let output = split(&input, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let image = "a42bfade-78ec-4c95-b7b4-272ba265072c";
    // Each piece is named after its command's main call: the first that
    // changes something, else the last (what a read command is for).
    let main_calls = [
        ("001-create-image", "POST /v2/images".to_string()),
        ("002-list-images", "GET /v2/images".to_string()),
        (
            "003-download-binary-image-data",
            format!("GET /v2/images/{image}/file"),
        ),
        ("004-show-image", format!("GET /v2/images/{image}")),
        (
            "005-create-image-member",
            format!("POST /v2/images/{image}/members"),
        ),
    ];
    let summary = stdout(&output);
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines.len(), 5, "{summary}");
    for (line, (piece, call)) in lines.iter().zip(&main_calls) {
        assert!(line.starts_with(piece), "{line:?} should name {piece}");
        assert!(
            line.ends_with(&format!("openstack: {call}")),
            "{line:?} should end with {call}"
        );
    }
    let dirs = pieces(&out);
    assert_eq!(dirs.len(), 5);
    for (dir, (piece, _)) in dirs.iter().zip(&main_calls) {
        assert_eq!(&name(dir), piece);
    }
    for (piece, original) in dirs.iter().zip(&originals) {
        let got: Vec<Record> = records(&piece.join("requestshook.log"))
            .iter()
            .map(content)
            .collect();
        let want: Vec<Record> = records(original).iter().map(content).collect();
        assert_eq!(
            got,
            want,
            "{} should be {}",
            name(piece),
            original.display()
        );
    }
}
