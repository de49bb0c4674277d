//! Inputs that used to hang tracedoc or bloat its output, interrupted runs,
//! and symbolic links among the captures (docs/robustness.md).

use std::path::Path;

use crate::common::{stderr, tracedoc};

/// `pairs` request/response pairs of the smallest kind, each call to its own
/// path so that nothing folds into a loop.
fn tiny_records(pairs: usize) -> String {
    let mut log = String::with_capacity(pairs * 90);
    for i in 0..pairs {
        log.push_str(&format!(
            "### (a) REQ >>> (b) : GET /{i}\n\nnone\n\n### (a) RESP <<< (b) : 200 OK GET /{i}\n\nnone\n\n"
        ));
    }
    log
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The step `autonumber` starts a diagram part at, and its message count.
fn part_steps(part: &str) -> (usize, usize) {
    let start = part
        .lines()
        .find_map(|l| l.strip_prefix("autonumber "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no autonumber line in\n{part}"));
    (start, part.lines().filter(|l| l.contains("->>")).count())
}

/// 200,000 tiny records: 3,334 diagram parts without a cap. The parts are
/// capped at `[diagram] max_parts` (20 by default), index.md includes only
/// those, and says how many steps are left out and where they are.
#[test]
fn a_huge_capture_writes_a_bounded_number_of_diagram_parts() {
    const PAIRS: usize = 100_000;
    let tmp = tempfile::tempdir().unwrap();
    let (caps, docs) = (tmp.path().join("caps"), tmp.path().join("docs"));
    write(&caps.join("many/requestshook.log"), &tiny_records(PAIRS));
    write(&caps.join("tracedoc.toml"), "lang = \"en\"\n");
    tracedoc()
        .args(["build", "-q"])
        .arg(&caps)
        .arg("-o")
        .arg(&docs)
        .assert()
        .success();
    let out = docs.join("many");
    let mut parts: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("diagram-"))
        .collect();
    parts.sort_by_key(|n| n.len());
    assert_eq!(parts.len(), 20, "{parts:?}");
    let index = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert_eq!(
        index.matches("--8<-- \"many/diagram-").count(),
        20,
        "{index}"
    );

    // The parts run on from step 1 without a gap; the rest is left out.
    let mut next = 1;
    for k in 1..=20 {
        let part = std::fs::read_to_string(out.join(format!("diagram-{k}.md"))).unwrap();
        let (start, count) = part_steps(&part);
        assert_eq!(start, next, "diagram-{k}.md");
        next += count;
    }
    let total = 2 * PAIRS;
    let left = total - (next - 1);
    assert!(left > total / 2, "{left} of {total} left out");
    let note = format!(
        "steps {next} to {total} ({left} steps) are left out of it. Every step is in the requests and responses below and in the full log."
    );
    assert!(index.contains(&note), "{note}\nnot in\n{index}");
    // ... and they are there: every record has its section in body.md.
    let body = std::fs::read_to_string(out.join("body.md")).unwrap();
    assert_eq!(
        body.lines().filter(|l| l.starts_with("### ")).count(),
        total
    );
}

/// `max_parts` is honoured, and the page model says what is left out.
#[test]
fn max_parts_is_configurable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    write(&dir.join("requestshook.log"), &tiny_records(30));
    write(
        &dir.join("tracedoc.toml"),
        "[diagram]\nmax_messages = 10\nmax_parts = 2\n",
    );
    let out = tmp.path().join("out");
    tracedoc()
        .args(["render", "-q"])
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("diagram-2.md").is_file());
    assert!(!out.join("diagram-3.md").exists());
    let context = tracedoc()
        .args(["render", "-q", "--context"])
        .arg(&dir)
        .output()
        .unwrap();
    let page: serde_json::Value = serde_json::from_slice(&context.stdout).unwrap();
    assert_eq!(page["parts"].as_array().unwrap().len(), 2);
    assert_eq!(
        page["left_out"],
        serde_json::json!({"steps": 40, "first": 21, "last": 60})
    );

    write(&dir.join("tracedoc.toml"), "[diagram]\nmax_parts = 0\n");
    let refused = tracedoc()
        .args(["render", "-q"])
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("max_parts"),
        "{}",
        stderr(&refused)
    );
}

/// Shapes that made pairing, nesting, the diagram or the tables quadratic
/// (each took minutes at 100,000 records). At this size a quadratic step
/// would take far longer than the test suite; they now take linear time.
#[test]
fn hostile_shapes_are_handled_in_linear_time() {
    const N: usize = 20_000;
    let mut shapes: Vec<(&str, String)> = Vec::new();
    let mut s = String::new();
    // Calls nested N deep: a calls b while serving b's call, and so on.
    for i in 0..N {
        let (a, b) = if i % 2 == 0 { ("a", "b") } else { ("b", "a") };
        s.push_str(&format!("### ({a}) REQ >>> ({b}) : GET /d{i}\n\nnone\n\n"));
    }
    for i in (0..N).rev() {
        let (a, b) = if i % 2 == 0 { ("a", "b") } else { ("b", "a") };
        s.push_str(&format!(
            "### ({a}) RESP <<< ({b}) : 200 OK GET /d{i}\n\nnone\n\n"
        ));
    }
    shapes.push(("deep", std::mem::take(&mut s)));
    // N requests open at once, answered last first, without request ids.
    for i in 0..N {
        s.push_str(&format!("### (c) REQ >>> (s) : GET /n{i}\n\nnone\n\n"));
    }
    for i in (0..N).rev() {
        s.push_str(&format!(
            "### (c) RESP <<< (s) : 200 OK GET /n{i}\n\nnone\n\n"
        ));
    }
    shapes.push(("open", std::mem::take(&mut s)));
    // A service serving N/2 requests at once while it makes N/2 calls.
    for i in 0..N / 2 {
        s.push_str(&format!(
            "### (c) REQ >>> (s) : GET /c{i}\nX-Auth-Token: t{i}\n\nnone\n\n"
        ));
    }
    for i in 0..N / 2 {
        s.push_str(&format!("### (s) REQ >>> (k) : GET /identity/v3/auth/tokens\nX-Subject-Token: t{i}\n\nnone\n\n### (s) RESP <<< (k) : 200 OK GET /identity/v3/auth/tokens\n\nnone\n\n"));
    }
    for i in 0..N / 2 {
        s.push_str(&format!(
            "### (c) RESP <<< (s) : 200 OK GET /c{i}\n\nnone\n\n"
        ));
    }
    shapes.push(("serving", std::mem::take(&mut s)));
    // N callers and callees, all with one token, all using one request id.
    for i in 0..N {
        s.push_str(&format!("### (c{i}) REQ >>> (s{i}) : GET /p\nX-Auth-Token: shared\nX-Requestshook-Request-Id: same\n\nnone\n\n### (c{i}) RESP <<< (s{i}) : 200 OK GET /p\nX-Requestshook-Request-Id: same\n\nnone\n\n"));
    }
    shapes.push(("participants", std::mem::take(&mut s)));

    let config = tracedoc::config::Config::default();
    for (name, text) in shapes {
        let loaded = tracedoc::capture::load_from(text.as_bytes(), Path::new(name)).unwrap();
        let (page, _) = tracedoc::pipeline::build(&loaded, &config, &Default::default());
        let records = loaded.capture.records.len();
        assert_eq!(page.steps.len(), records, "{name}");
        // Every record is a step of the diagram (nothing repeats here).
        let numbered = page.steps.iter().filter(|s| s.number.is_some()).count();
        assert_eq!(numbered, records, "{name}");
        assert!(page.parts.len() <= config.diagram.max_parts, "{name}");
    }
}
