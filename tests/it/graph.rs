//! `tracedoc graph --format json`: the versioned document, the request ids
//! of every exchange, and docs/graph.schema.json holding real output.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::{root, shared, stderr, stdout, tracedoc, write};

/// The graph of a capture as JSON, after checking the run succeeded.
fn graph(input: &Path, extra: &[&str]) -> Value {
    let out = tracedoc()
        .args(["graph", "--quiet"])
        .arg(input)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        input.display(),
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The schema in docs/, with `format` checked too (`date-time`).
fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/graph.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// Every reason `doc` does not fit the schema, with where.
fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every capture a test can read: the samples, the planted-secret corpus
/// and, when present, the real captures in ../shared.
fn captures() -> Vec<PathBuf> {
    let mut dirs = vec![root().join("samples"), root().join("tests/secrets")];
    dirs.extend(shared().map(|s| s.join("captures")));
    let mut logs: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| walkdir::WalkDir::new(d).into_iter().filter_map(Result::ok))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    logs.sort();
    assert!(logs.len() >= 10, "{logs:?}");
    logs
}

/// The values of the headers named `names` (any case) in the record whose
/// head is on 1-based `line` of `text`, distinct, in order: read straight
/// from the capture, as a person joining against service logs would.
fn headers_at(text: &str, line: usize, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for l in text.lines().skip(line) {
        let l = l.trim_end_matches('\r');
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(": ") {
            if names.iter().any(|n| n.eq_ignore_ascii_case(name))
                && !value.is_empty()
                && !out.iter().any(|o| o == value)
            {
                out.push(value.to_string());
            }
        }
    }
    out
}

const CAPTURE_ID: &str = "X-Requestshook-Request-Id";
const REQUEST_IDS: &[&str] = &["X-OpenStack-Request-ID"];
const RESPONSE_IDS: &[&str] = &["x-openstack-request-id", "X-Compute-Request-Id"];

#[test]
fn every_graph_fits_the_schema() {
    let v = validator();
    for log in captures() {
        for extra in [&[][..], &["--no-redact"][..]] {
            let doc = graph(&log, extra);
            let errs = errors(&v, &doc);
            assert!(
                errs.is_empty(),
                "{} {extra:?}:\n{}",
                log.display(),
                errs.join("\n")
            );
        }
    }
}

#[test]
fn the_schema_refuses_what_tracedoc_does_not_write() {
    let v = validator();
    let doc = graph(&root().join("samples/openstack/image/show"), &[]);
    assert!(errors(&v, &doc).is_empty());
    type Change = fn(&mut Value);
    let changes: &[(&str, Change)] = &[
        ("no version", |d| {
            d.as_object_mut().unwrap().shift_remove("schema");
        }),
        ("another version", |d| {
            d["schema"] = json!("tracedoc-graph/2")
        }),
        ("a field nobody documented", |d| {
            d["records"][0]["headers"] = json!([])
        }),
        ("an exchange without ids", |d| {
            d["exchanges"][0]
                .as_object_mut()
                .unwrap()
                .shift_remove("ids");
        }),
        ("a capture id that is not text", |d| {
            d["exchanges"][0]["ids"]["capture"] = json!(7)
        }),
        ("an empty request id", |d| {
            d["exchanges"][0]["ids"]["response"] = json!([""])
        }),
        ("a request id twice", |d| {
            d["exchanges"][0]["ids"]["request"] = json!(["req-1", "req-1"])
        }),
        ("a time that is not RFC 3339", |d| {
            d["records"][0]["started"] = json!("27/11/2026 17:06")
        }),
        ("a time not in UTC", |d| {
            d["exchanges"][0]["ended"] = json!("2026-11-27T17:06:32+01:00")
        }),
        ("three steps", |d| {
            d["exchanges"][0]["steps"] = json!([1, 2, 3])
        }),
        ("step 0", |d| d["records"][0]["step"] = json!(0)),
    ];
    for (what, change) in changes {
        let mut bad = doc.clone();
        change(&mut bad);
        assert!(!v.is_valid(&bad), "the schema accepts {what}");
    }
}

#[test]
fn times_as_tracedoc_writes_them_fit_the_schema() {
    use tracedoc::view::graphdoc::Time;
    let v = validator();
    let doc = graph(&root().join("samples/openstack/image/show"), &[]);
    // requestshook has no times: the fields are left out, not null.
    for item in doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .chain(doc["exchanges"].as_array().unwrap())
    {
        assert!(item.get("started").is_none() && item.get("ended").is_none());
    }
    for ns in [
        0,
        1_795_798_000_000_000_000,
        1_795_798_000_120_000_000,
        1_795_798_000_000_123_000,
        1_795_798_000_000_000_123,
        -1_500_000_000,
        i64::MIN,
        i64::MAX,
    ] {
        let mut d = doc.clone();
        let t = json!(Time(ns).to_string());
        d["records"][0]["started"] = t.clone();
        d["records"][0]["ended"] = t.clone();
        d["exchanges"][0]["started"] = t.clone();
        d["exchanges"][0]["ended"] = t.clone();
        let errs = errors(&v, &d);
        assert!(errs.is_empty(), "{t}: {}", errs.join("\n"));
    }
}

/// Every exchange of every capture names the ids its records carry, read
/// independently from the capture text.
#[test]
fn exchanges_carry_the_request_ids_of_their_records() {
    let mut seen_response_ids = 0;
    for log in captures() {
        let text = std::fs::read_to_string(&log).unwrap();
        let doc = graph(&log, &["--no-redact"]);
        assert_eq!(
            doc.as_object().unwrap().keys().next().map(String::as_str),
            Some("schema")
        );
        assert_eq!(doc["schema"], "tracedoc-graph/1");
        let records = doc["records"].as_array().unwrap();
        for r in records {
            let line = r["line"].as_u64().unwrap() as usize;
            let id = headers_at(&text, line, &[CAPTURE_ID]).first().cloned();
            assert_eq!(r["id"], json!(id), "{}: {r}", log.display());
        }
        for e in doc["exchanges"].as_array().unwrap() {
            let line_of = |k: &str| {
                e[k].as_u64()
                    .map(|i| records[i as usize]["line"].as_u64().unwrap() as usize)
            };
            let (q, s) = (line_of("request"), line_of("response"));
            let ids = |line: Option<usize>, names| {
                line.map(|l| headers_at(&text, l, names))
                    .unwrap_or_default()
            };
            let capture = ids(q, &[CAPTURE_ID])
                .into_iter()
                .chain(ids(s, &[CAPTURE_ID]))
                .next();
            let expected = json!({
                "capture": capture,
                "request": ids(q, REQUEST_IDS),
                "response": ids(s, RESPONSE_IDS),
            });
            assert_eq!(
                e["ids"],
                expected,
                "{}: exchange {}",
                log.display(),
                e["id"]
            );
            seen_response_ids += e["ids"]["response"].as_array().unwrap().len();
        }
    }
    assert!(seen_response_ids > 0, "no capture names a response id");
}

fn record(head: &str, id: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut s = format!("### {head}\nHost: 192.0.2.10\n");
    for (n, v) in headers {
        s += &format!("{n}: {v}\n");
    }
    s += &format!("X-Requestshook-Request-Id: {id}\n\n{body}\n\n\n");
    s
}

/// A client call to nova-api that calls glance-api on its behalf, passing
/// the global request id along: the graph nests the call and names, on
/// each exchange, the id it was sent with and the one it was served under.
#[test]
fn propagated_ids_join_a_call_to_the_call_it_served() {
    let dir = tempfile::tempdir().unwrap();
    let global = "req-0c1e0000-0000-4000-8000-000000000001";
    let nova = "req-0c1e0000-0000-4000-8000-0000000000aa";
    let glance = "req-0c1e0000-0000-4000-8000-0000000000bb";
    let mut log = String::from("\n");
    log += &record(
        "(openstack) REQ >>> (nova-api) : GET http://192.0.2.10/compute/v2.1/servers/detail",
        "a1",
        &[("X-OpenStack-Request-ID", global)],
        "none",
    );
    log += &record(
        "(nova-api) REQ >>> (glance-api) : GET http://192.0.2.10:9292/v2/images",
        "b2",
        &[("X-OpenStack-Request-ID", global)],
        "none",
    );
    log += &record(
        "(nova-api) RESP <<< (glance-api) : 200 OK GET http://192.0.2.10:9292/v2/images",
        "b2",
        &[("x-openstack-request-id", glance)],
        "{}",
    );
    log += &record(
        "(openstack) RESP <<< (nova-api) : 200 OK GET http://192.0.2.10/compute/v2.1/servers/detail",
        "a1",
        // Older nova names it in this header only.
        &[("X-Compute-Request-Id", nova)],
        "{}",
    );
    let path = write(dir.path(), "requestshook.log", &log);
    let doc = graph(&path, &[]);
    assert!(errors(&validator(), &doc).is_empty());
    let e = &doc["exchanges"];
    assert_eq!(
        e[0]["ids"],
        json!({"capture": "a1", "request": [global], "response": [nova]})
    );
    assert_eq!(
        e[1]["ids"],
        json!({"capture": "b2", "request": [global], "response": [glance]})
    );
    assert_eq!(e[1]["parent"], 0);
    assert_eq!(doc["records"][1]["id"], "b2");
}

/// Request ids are not secrets, but a hostile or broken capture can put a
/// token where one goes: it is redacted there like anywhere else.
#[test]
fn a_token_in_a_request_id_is_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let token = "gAAAAABPlantedIdToken_cccccccccccccccccccccccccccccccccccccccc-3333";
    let auth = "http://192.0.2.10/identity/v3/auth/tokens";
    let images = "http://192.0.2.10:9292/v2/images";
    let mut log = String::from("\n");
    log += &record(
        &format!("(openstack) REQ >>> (keystone) : POST {auth}"),
        "c1",
        &[("Content-Type", "application/json")],
        r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "demo", "domain": {"id": "default"}, "password": "PlantedIdPassword"}}}}}"#,
    );
    log += &record(
        &format!("(openstack) RESP <<< (keystone) : 201 CREATED POST {auth}"),
        "c1",
        &[("X-Subject-Token", token)],
        r#"{"token": {"methods": ["password"]}}"#,
    );
    log += &record(
        &format!("(openstack) REQ >>> (glance-api) : GET {images}"),
        token,
        &[("X-Auth-Token", token), ("X-OpenStack-Request-ID", token)],
        "none",
    );
    log += &record(
        &format!("(openstack) RESP <<< (glance-api) : 200 OK GET {images}"),
        token,
        &[
            ("x-openstack-request-id", token),
            ("X-Compute-Request-Id", token),
        ],
        "{}",
    );
    let path = write(dir.path(), "requestshook.log", &log);
    for format in ["json", "dot"] {
        let run = |extra: &[&str]| {
            let out = tracedoc()
                .args(["graph", "--quiet", "--format", format])
                .arg(&path)
                .args(extra)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            stdout(&out)
        };
        let shown = run(&[]);
        assert!(!shown.contains("PlantedIdToken"), "{format}:\n{shown}");
        if format == "json" {
            assert!(run(&["--no-redact"]).contains(token));
            let doc: Value = serde_json::from_str(&shown).unwrap();
            let ids = &doc["exchanges"][1]["ids"];
            let name = ids["capture"].as_str().unwrap();
            assert!(name.starts_with("token-"), "{ids}");
            assert_eq!(ids["request"], json!([name]));
            assert_eq!(ids["response"], json!([name]));
            assert_eq!(doc["records"][2]["id"], name);
        }
    }
}

/// The JSON is written as it is made: a capture of many records still
/// comes out whole, equal to the one made from the same records in small
/// captures (checks the batches join up, across more than one batch).
#[test]
fn a_graph_of_many_batches_is_whole_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::from("\n");
    let n = 5000;
    for i in 0..n {
        let url = format!("http://192.0.2.10:9292/v2/images/{i:08x}-0000-4000-8000-000000000000");
        log += &record(
            &format!("(openstack) REQ >>> (glance-api) : GET {url}"),
            &format!("{i:032x}"),
            &[],
            "none",
        );
        log += &record(
            &format!("(openstack) RESP <<< (glance-api) : 200 OK GET {url}"),
            &format!("{i:032x}"),
            &[("x-openstack-request-id", &format!("req-{i}"))],
            "{}",
        );
    }
    let path = write(dir.path(), "requestshook.log", &log);
    let doc = graph(&path, &[]);
    let records = doc["records"].as_array().unwrap();
    let exchanges = doc["exchanges"].as_array().unwrap();
    assert_eq!(records.len(), 2 * n);
    assert_eq!(exchanges.len(), n);
    assert_eq!(doc["counts"]["records"], 2 * n);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["index"], i);
        assert_eq!(r["exchange"], i / 2);
    }
    let ids: BTreeSet<String> = exchanges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            assert_eq!(e["id"], i);
            assert_eq!(e["ids"]["response"], json!([format!("req-{i}")]));
            e["ids"]["capture"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), n);
}
