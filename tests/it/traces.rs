//! Trace captures (OTLP JSON, Jaeger, Zipkin): snapshots of the samples
//! under `samples/traces/`, the same calls from every shape, detection,
//! errors, and the planted secrets of `tests/secrets/traces/`.

use std::path::{Path, PathBuf};

use crate::common::{h3_headings, root, stderr, stdout, tracedoc};

/// Every trace sample: folder under `samples/traces/` and its file.
const SAMPLES: &[(&str, &str)] = &[
    ("otlp-stable", "trace.json"),
    ("otlp-legacy", "trace.json"),
    ("otlp-file-exporter", "traces.jsonl"),
    ("jaeger", "trace.json"),
    ("zipkin", "trace.json"),
    ("osprofiler-jaeger", "trace.json"),
];

fn sample(name: &str) -> PathBuf {
    let (dir, file) = SAMPLES.iter().find(|(d, _)| *d == name).unwrap();
    root().join("samples/traces").join(dir).join(file)
}

/// Renders a capture with default options: exit code, files by name, warnings.
fn render(input: &Path) -> (Option<i32>, Vec<(String, String)>, Vec<String>) {
    let out = tempfile::tempdir().unwrap();
    let output = tracedoc()
        .arg("render")
        .arg(input)
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let mut files: Vec<(String, String)> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .map(|n| {
            let text = std::fs::read_to_string(out.path().join(&n)).unwrap();
            (n, text)
        })
        .collect();
    files.sort();
    let warnings = stderr(&output)
        .lines()
        .filter(|l| l.starts_with("warning"))
        .map(String::from)
        .collect();
    (output.status.code(), files, warnings)
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    &files.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn trace_sample_snapshots() {
    for (dir, name) in SAMPLES {
        let (code, files, warnings) = render(&sample(dir));
        assert_eq!(code, Some(0), "{dir}: {warnings:?}");
        assert!(warnings.is_empty(), "{dir}: {warnings:?}");
        let mut settings = insta::Settings::clone_current();
        settings.set_omit_expression(true);
        settings.set_input_file(root().join("samples/traces").join(dir).join(name));
        settings.bind(|| {
            for (file, text) in &files {
                insta::assert_snapshot!(format!("traces__{dir}__{file}"), text);
            }
        });
    }
}

/// The same command in every OTLP shape and in Jaeger gives the same
/// pages: ids, conventions and file shapes are the reader's business.
#[test]
fn every_shape_of_one_trace_renders_the_same_pages() {
    let (_, stable, _) = render(&sample("otlp-stable"));
    for other in ["otlp-legacy", "otlp-file-exporter", "jaeger"] {
        let (_, files, _) = render(&sample(other));
        for name in ["diagram.md", "tokens.md", "variables.md"] {
            assert_eq!(file(&stable, name), file(&files, name), "{other}: {name}");
        }
        assert_eq!(
            h3_headings(file(&stable, "body.md")),
            h3_headings(file(&files, "body.md")),
            "{other}"
        );
    }
    // Zipkin (shared client/server ids, no headers) draws the same calls.
    let (_, zipkin, _) = render(&sample("zipkin"));
    assert_eq!(file(&stable, "diagram.md"), file(&zipkin, "diagram.md"));
}

/// A client span and the server span it called are one call, nested under
/// the call whose server made it, even across non-HTTP spans.
#[test]
fn client_and_server_spans_are_one_call_nested_by_parents() {
    let (_, files, _) = render(&sample("otlp-stable"));
    let diagram = file(&files, "diagram.md").replace(": wrap:", ": ");
    let requests = diagram
        .lines()
        .filter(|l| l.contains("->>") && !l.contains("-->>"));
    // 12 calls in the generator (keystone x2, glance x3, and 7 made by services).
    assert_eq!(requests.count(), 12, "{diagram}");
    // swift's token check is drawn inside glance's HEAD to swift.
    let head = diagram
        .find("glance-api->>swift-proxy-server: HEAD")
        .unwrap();
    let check = diagram
        .find("swift-proxy-server->>keystone: GET /identity/v3/auth/tokens")
        .unwrap();
    let back = diagram
        .find("swift-proxy-server-->>glance-api: 204")
        .unwrap();
    assert!(head < check && check < back, "{diagram}");
    let graph = tracedoc()
        .args(["graph", "--format", "json"])
        .arg(sample("otlp-stable"))
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&stdout(&graph)).unwrap();
    let counts = &doc["counts"];
    assert_eq!(counts["paired"], 12, "{counts}");
    assert_eq!(counts["unanswered"], 0, "{counts}");
    // The client's five calls are the roots; the services' calls nest.
    assert_eq!(counts["roots"], 5, "{counts}");
}

/// osprofiler has no client spans: the caller is the service of the span
/// the call was made under.
#[test]
fn osprofiler_calls_are_called_by_the_enclosing_service() {
    let (_, files, _) = render(&sample("osprofiler-jaeger"));
    let diagram = file(&files, "diagram.md").replace(": wrap:", ": ");
    assert!(
        diagram.contains("client->>glance-api: POST /v2/images"),
        "{diagram}"
    );
    assert!(
        diagram.contains("swift-proxy-server->>keystone-public: GET /identity/v3/auth/tokens"),
        "{diagram}"
    );
    let body = file(&files, "body.md");
    assert!(!body.contains("=== \"Header\""), "no header boxes: {body}");
    assert!(!body.contains("=== \"Body\""), "no body boxes");
}

#[test]
fn the_page_says_once_what_traces_lack() {
    let (_, files, _) = render(&sample("otlp-stable"));
    let body = file(&files, "body.md");
    assert_eq!(body.matches("기록하지 않습니다").count(), 1, "{body}");
    assert!(body.contains("=== \"Header\""));
    assert!(!body.contains("=== \"Body\""));
    // requestshook records everything: no such line.
    let (_, rh, _) = render(&root().join("samples/openstack/image/create/requestshook.log"));
    assert!(!file(&rh, "body.md").contains("기록하지 않습니다"));
}

#[test]
fn trace_samples_match_their_generator() {
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("python3")
        .arg(root().join("scripts/gen-trace-samples.py"))
        .arg(out.path())
        .status();
    let Ok(status) = status else {
        eprintln!("skipped: python3 is not available");
        return;
    };
    assert!(status.success());
    for (dir, name) in SAMPLES {
        for f in [*name, "README.md"] {
            let rel = Path::new("traces").join(dir).join(f);
            let want = std::fs::read_to_string(out.path().join(&rel)).unwrap();
            let have = std::fs::read_to_string(root().join("samples").join(&rel)).unwrap();
            assert!(
                want == have,
                "samples/{} differs from its generator",
                rel.display()
            );
        }
    }
}

#[test]
fn formats_are_detected_and_forced() {
    for (dir, _) in SAMPLES {
        let out = tracedoc()
            .args(["render", "--context"])
            .arg(sample(dir))
            .output()
            .unwrap();
        assert!(out.status.success(), "{dir}: {}", stderr(&out));
    }
    // Forcing the wrong reader says what it found.
    let out = tracedoc()
        .args(["render", "--context", "--format", "zipkin"])
        .arg(sample("otlp-stable"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("zipkin: no HTTP call"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn broken_traces_are_errors_or_warnings_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "cut.json",
            "{\"resourceSpans\": [{\"scopeSpans\": [",
            Some("JSON"),
        ),
        (
            "nohttp.json",
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"01","spanId":"02","name":"db"}]}]}]}"#,
            Some("no HTTP call among its 1 span(s)"),
        ),
    ];
    for (name, text, err) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = tracedoc()
            .args(["render", "--context"])
            .arg(&path)
            .output()
            .unwrap();
        let e = stderr(&out);
        assert!(!e.contains("panicked"), "{name}: {e}");
        if let Some(err) = err {
            assert!(!out.status.success() && e.contains(err), "{name}: {e}");
        }
    }
    // A JSON-lines file with one bad line: the line is reported and left out.
    let good = std::fs::read_to_string(sample("otlp-file-exporter")).unwrap();
    let path = dir.path().join("damaged.jsonl");
    std::fs::write(&path, format!("{{\"resourceSpans\": [\n{good}")).unwrap();
    let out = tracedoc()
        .args(["render", "--context"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("damaged.jsonl:1: not a JSON document"));
}

/// Planted in `tests/secrets/traces/` where the pages show them (headers,
/// URLs, queries): redaction must hide them; `--no-redact` shows them.
const SHOWN: &[&str] = &[
    "PlantedOtlpUserinfo",
    "PlantedOtlpQueryPassword",
    "PlantedOtlpCookie",
    "PlantedOtlpSetCookie",
    "PlantedOtlpTempUrlSig",
    "PlantedOtlpUserToken",
    "PlantedOtlpServerSeenToken",
    "PlantedLegacyQueryToken",
    "PlantedLegacyUserToken",
    "PlantedLegacyServiceToken",
    "PlantedLegacyGlanceToken",
    "PlantedLegacyMetaPassword",
    "PlantedLegacyUserinfo",
    "PlantedJsonlSignature",
    "PlantedJsonlToken",
    "PlantedJaegerAccessToken",
    "PlantedJaegerToken",
    "PlantedJaegerBearer",
    "PlantedZipkinSig",
    "PlantedZipkinToken",
    "PlantedOsprofilerQuery",
    // otlp-classes.json (userinfo, `;` query, fragment, `_` header, cookies, Location, http.url, http.target, url.query, a token path, a console URL)
    "PlantedOtcUserinfo1",
    "PlantedOtcQuery2",
    "PlantedOtcSemi3",
    "PlantedOtcFrag4",
    "PlantedOtcCookie6",
    "PlantedOtcUnderscore7",
    "PlantedOtcTok8",
    "PlantedOtcSetCookie9",
    "PlantedOtcLocation10",
    "PlantedOtcSubj11",
    "PlantedOtcOldUrl13",
    "PlantedOtcTarget14",
    "PlantedOtcPathTok15",
    "PlantedOtcUrlQuery16",
    "PlantedOtcConsole17",
    // otlp-spellings.json (array-valued headers, a percent-encoded key, a query in url.path)
    "PlantedOtsPct1",
    "PlantedOtsBearer2",
    "PlantedOtsTok4",
    "PlantedOtsTok5",
    "PlantedOtsStUrl6",
    "PlantedOtsQ8",
    "PlantedOtsPathQ10",
    // zipkin-classes.json
    "PlantedZkcUserinfo1",
    "PlantedZkcSig2",
    "PlantedZkcFrag3",
    "PlantedZkcTok4",
    "PlantedZkcCookie5",
    "PlantedZkcPathTok6",
    // jaeger-classes.json
    "PlantedJgcUserinfo1",
    "PlantedJgcQuery2",
    "PlantedJgcTok3",
    "PlantedJgcStorage4",
];

/// Planted where the pages never show anything: span events and logs,
/// annotations, non-HTTP attributes, resource and process attributes.
const NEVER_SHOWN: &[&str] = &[
    "PlantedOtlpEventPassword",
    "PlantedOtlpDbStatement",
    "PlantedOtlpResourcePassword",
    "PlantedLegacyEventCredential",
    "PlantedJsonlEventToken",
    "PlantedJaegerLogSecret",
    "PlantedJaegerProcessTag",
    "PlantedZipkinAnnotation",
    "PlantedZipkinErrorTag",
    "PlantedOsprofilerDbParam",
    "PlantedOtcEvent12",
    "PlantedZkcAnno7",
    "PlantedJgcLog5",
    "PlantedJgcProc6",
];

fn secret_traces() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/secrets/traces"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "jsonl"))
        .collect();
    v.sort();
    assert!(v.len() >= 6);
    v
}

/// What `render` writes and what `render --context` and `graph` print.
fn every_output(input: &Path, extra: &[&str]) -> String {
    let out = tempfile::tempdir().unwrap();
    let mut all = String::new();
    let runs: [Vec<&std::ffi::OsStr>; 4] = [
        vec!["render".as_ref(), "-o".as_ref(), out.path().as_os_str()],
        vec!["render".as_ref(), "--context".as_ref()],
        vec!["graph".as_ref(), "--format".as_ref(), "json".as_ref()],
        vec!["graph".as_ref(), "--format".as_ref(), "dot".as_ref()],
    ];
    for args in runs {
        let output = tracedoc()
            .args(args)
            .arg(input)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            input.display(),
            stderr(&output)
        );
        all.push_str(&stdout(&output));
        all.push_str(&stderr(&output));
    }
    for e in std::fs::read_dir(out.path()).unwrap() {
        all.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    all
}

#[test]
fn planted_secrets_in_traces_never_reach_the_output() {
    let inputs: String = secret_traces()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for s in SHOWN.iter().chain(NEVER_SHOWN) {
        assert!(inputs.contains(s), "{s} is planted nowhere");
    }
    let mut unredacted = String::new();
    for trace in secret_traces() {
        let all = every_output(&trace, &[]);
        assert!(!all.contains("Planted"), "{}: {all}", trace.display());
        unredacted.push_str(&every_output(&trace, &["--no-redact"]));
    }
    for s in SHOWN {
        assert!(unredacted.contains(s), "{s} is not where the pages show it");
    }
}
