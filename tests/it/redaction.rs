//! Secrets never reach the output.
//!
//! The synthetic captures in `tests/secrets/` plant a secret in every place
//! redaction has to reach. Each is rendered by the real binary into a temp
//! folder, and every file written there is searched for every planted byte
//! string. The real captures in `../shared` are checked the same way for
//! their password and tokens (rendered into temp folders, never kept).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::{root, shared, stderr, stdout, tracedoc};

/// Every secret planted in `tests/secrets/**`. All but the Basic credentials
/// (base64 of `demo:PlantedBasicCreds`) and the barbican payload number
/// contain `Planted`, and no non-secret does: [`no_output_says_planted`]
/// catches a planted value this list forgot.
const PLANTED: &[&str] = &[
    // keystone.log
    "pw-Planted-Keystone-1",
    "gAAAAABtok1PlantedSubjectToken_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1111",
    "gAAAAABtok2PlantedRescopedToken_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-2222",
    "gAAAAABtok3PlantedServiceToken_cccccccccccccccccccccccccccccccccccccccc-3333",
    "gAAAAABtok4PlantedOtherServiceTok_dddddddddddddddddddddddddddddddddddddd-4444",
    // headers.log
    "ZGVtbzpQbGFudGVkQmFzaWNDcmVkcw==",
    "PlantedDigestResponse9",
    "PlantedCookieSession1",
    "PlantedCookieTheme2",
    "PlantedTempUrlKey1",
    "PlantedTempUrlKey2",
    "PlantedAccessSecret3",
    "PlantedCustomApiKey4",
    "PlantedStoragePass5",
    "PlantedStorageToken_eeeeeeeeeeeeeeeeeeee-5555",
    "PlantedSetCookieSid6",
    "PlantedLocationToken_ffffffffff-6666",
    "PlantedBearerToken_gggggggggggggggggggg-7777",
    // bodies.log
    "PlantedNovaToken_hhhhhhhhhhhhhhhhhhhhhhhh-8888",
    "PlantedAdminPass1",
    "PlantedDbPassword2",
    "PlantedSecretUuid3",
    "PlantedUserDataPw4",
    "PlantedPassphrase5",
    "PlantedAdminPass6",
    "MIIEPlantedPrivateKeyBody7",
    "12345678987654321",
    "PlantedDeepArrayPw8",
    "PlantedEc2Secret9",
    "PlantedFormPw10",
    "PlantedTextPw11",
    "PlantedTextToken_iiiiiiiiiiiiiiiiii-9999",
    "PlantedReprPass12",
    "PlantedTempUrlSig13",
    "PlantedQueryToken_jjjjjjjjjjjjjj-1010",
    // crlf.log
    "pw-Planted-Crlf-2",
    "gAAAAABtok5PlantedCrlfToken_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1111",
    // user-rules/ (tracedoc.toml [redact])
    "PlantedUserPin1",
    "PlantedUserPin2",
    "8675309",
    "acct-314159",
    "acct-271828",
    "acct-161803",
];

/// Tokens that must each keep one name across every line they appear on.
const TOKENS: &[&str] = &[
    "gAAAAABtok1PlantedSubjectToken_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1111",
    "gAAAAABtok2PlantedRescopedToken_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-2222",
    "gAAAAABtok3PlantedServiceToken_cccccccccccccccccccccccccccccccccccccccc-3333",
    "gAAAAABtok4PlantedOtherServiceTok_dddddddddddddddddddddddddddddddddddddd-4444",
    "PlantedStorageToken_eeeeeeeeeeeeeeeeeeee-5555",
    "PlantedBearerToken_gggggggggggggggggggg-7777",
    "PlantedNovaToken_hhhhhhhhhhhhhhhhhhhhhhhh-8888",
    "PlantedTextToken_iiiiiiiiiiiiiiiiii-9999",
];

/// Non-secrets beside the secrets, per capture: they must survive.
const NEIGHBOURS: &[(&str, &[&str])] = &[
    (
        "keystone.log",
        &[
            "\"name\": \"demo-user-7\"",
            "\"id\": \"a3f9c0de11114c5e9d1f2b3c4d5e6f70\"",
            "\"id\": \"b7e1d2c3a4f54e6d8c9b0a1f2e3d4c5b\"",
            "\"password_expires_at\": null",
            "\"kT3nq0aDSoe2pLq7w9x1Zg\"",
            "Vary: X-Auth-Token",
        ],
    ),
    (
        "headers.log",
        &[
            "X-Account-Meta-Owner: demo-user-7",
            "X-Auth-Token-Expires: 86399",
            "Path=/; HttpOnly",
            "&limit=10",
            "X-Trans-Id: tx0123456789abcdef01234-0063ae40fd",
        ],
    ),
    (
        "bodies.log",
        &[
            "\"name\": \"vm-neighbour\"",
            "\"owner\": \"demo-user-7\"",
            "\"name\": \"key-neighbour\"",
            "\"user_id\": \"b7e1d2c3a4f54e6d8c9b0a1f2e3d4c5b\"",
            "\"uuid\": \"1f2e3d4c-5b6a-4789-8abc-def012345678\"",
            "\"volume_size\": 1",
            "username=demo-user-7&password=",
            "&grant=1",
            "temp_url_expires=1700000000",
            "'name': 'vm-neighbour'",
            "4b:21:9a:0c:de:7f:11:22:33:44:55:66:77:88:99:aa",
        ],
    ),
    ("crlf.log", &["\"name\": \"demo-user-7\""]),
    (
        "user-rules/requestshook.log",
        &["\"name\": \"vm-neighbour\"", "/compute/v2.1/"],
    ),
];

/// The synthetic captures: `tests/secrets/*.log` and `tests/secrets/*/requestshook.log`.
fn secret_logs() -> Vec<PathBuf> {
    let dir = root().join("tests").join("secrets");
    let mut logs: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
        .max_depth(2)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "log"))
        .map(|e| e.into_path())
        .collect();
    logs.sort();
    assert!(logs.len() >= 5, "too few captures in {}", dir.display());
    logs
}

/// Renders `input` into a fresh temp folder with the real binary.
fn render(input: &Path, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let output = tracedoc()
        .arg("render")
        .arg(input)
        .arg("-o")
        .arg(out.path())
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: exit {}\n{}",
        input.display(),
        output.status,
        stderr(&output)
    );
    out
}

/// Every file under `dir`, as (path, text).
fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let files: Vec<(PathBuf, String)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
            (e.into_path(), text)
        })
        .collect();
    assert!(!files.is_empty(), "nothing written under {}", dir.display());
    files
}

/// Panics naming every (file, string) pair where a string was found.
fn assert_absent(dir: &Path, what: &[&str], context: &str) {
    let mut leaks = Vec::new();
    for (path, text) in files_under(dir) {
        for s in what {
            if text.contains(s) {
                leaks.push(format!("  {s:?} in {}", path.display()));
            }
        }
    }
    assert!(leaks.is_empty(), "{context}: leaked\n{}", leaks.join("\n"));
}

fn log_name(log: &Path) -> String {
    let dir = root().join("tests").join("secrets");
    log.strip_prefix(&dir)
        .unwrap_or(log)
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn every_planted_secret_is_in_some_capture() {
    let inputs: String = secret_logs()
        .iter()
        .map(|l| std::fs::read_to_string(l).unwrap())
        .collect();
    for s in PLANTED {
        assert!(inputs.contains(s), "{s:?} is planted in no capture");
    }
    let crlf = std::fs::read(root().join("tests/secrets/crlf.log")).unwrap();
    assert!(
        crlf.windows(2).filter(|w| w == b"\r\n").count() > 10,
        "crlf.log lost its CRLF line ends"
    );
}

#[test]
fn planted_secrets_never_reach_the_output() {
    for log in secret_logs() {
        let out = render(&log, &[]);
        assert_absent(out.path(), PLANTED, &log_name(&log));
    }
}

#[test]
fn no_output_says_planted() {
    for log in secret_logs() {
        let out = render(&log, &[]);
        assert_absent(out.path(), &["Planted", "planted"], &log_name(&log));
    }
}

#[test]
fn the_context_dump_is_redacted_too() {
    for log in secret_logs() {
        let output = tracedoc()
            .args(["render", "--context", "--quiet"])
            .arg(&log)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let json = stdout(&output);
        for s in PLANTED {
            assert!(!json.contains(s), "{}: {s:?} in --context", log_name(&log));
        }
    }
}

#[test]
fn non_secret_neighbours_stay() {
    let dir = root().join("tests").join("secrets");
    for (name, neighbours) in NEIGHBOURS {
        let out = render(&dir.join(name), &[]);
        let all: String = files_under(out.path())
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        for n in *neighbours {
            assert!(all.contains(n), "{name}: {n:?} was redacted away");
        }
    }
}

#[test]
fn no_redact_keeps_every_secret() {
    let mut all = String::new();
    for log in secret_logs() {
        let out = render(&log, &["--no-redact"]);
        all.extend(files_under(out.path()).into_iter().map(|(_, t)| t));
    }
    for s in PLANTED {
        assert!(all.contains(s), "{s:?} missing with --no-redact");
    }
}

/// For one token, the name that replaced it on a line whose other bytes did
/// not change, if this line is such a line.
fn name_on_line(raw: &str, redacted: &str, token: &str) -> Option<String> {
    let at = raw.find(token)?;
    let (prefix, suffix) = (&raw[..at], &raw[at + token.len()..]);
    if raw.matches(token).count() != 1
        || !redacted.starts_with(prefix)
        || !redacted.ends_with(suffix)
        || redacted.len() < prefix.len() + suffix.len()
    {
        return None;
    }
    Some(redacted[prefix.len()..redacted.len() - suffix.len()].to_string())
}

#[test]
fn each_token_keeps_one_name_everywhere() {
    let dir = root().join("tests").join("secrets");
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for name in ["keystone.log", "headers.log", "bodies.log"] {
        // Names are per capture: two tokens of one capture never share one.
        let mut names: BTreeMap<String, &str> = BTreeMap::new();
        let log = dir.join(name);
        let raw =
            std::fs::read_to_string(render(&log, &["--no-redact"]).path().join("log.md")).unwrap();
        let red = std::fs::read_to_string(render(&log, &[]).path().join("log.md")).unwrap();
        let (raw, red): (Vec<&str>, Vec<&str>) = (raw.lines().collect(), red.lines().collect());
        assert_eq!(
            raw.len(),
            red.len(),
            "{name}: redaction changed the line count"
        );
        for token in TOKENS {
            let lines: Vec<(&str, &str)> = raw
                .iter()
                .zip(&red)
                .filter(|(r, _)| r.contains(token))
                .map(|(r, d)| (*r, *d))
                .collect();
            if lines.is_empty() {
                continue;
            }
            let found: BTreeSet<String> = lines
                .iter()
                .filter_map(|(r, d)| name_on_line(r, d, token))
                .collect();
            assert_eq!(
                found.len(),
                1,
                "{name}: {token} shown as {found:?} on {lines:#?}"
            );
            let shown = found.into_iter().next().unwrap();
            assert!(!shown.is_empty() && !shown.contains("Planted"), "{shown:?}");
            for (_, d) in &lines {
                assert!(
                    d.contains(&shown),
                    "{name}: {token} is not {shown} in {d:?}"
                );
            }
            if let Some(other) = names.insert(shown.clone(), token) {
                assert_eq!(other, *token, "{other} and {token} share the name {shown}");
            }
            *uses.entry(token).or_default() += lines.len();
        }
    }
    // The reuse this test is about did happen: a token in a header, a URL and
    // a body; another as a header and in `"token": {"id": ...}`.
    assert!(
        uses["PlantedNovaToken_hhhhhhhhhhhhhhhhhhhhhhhh-8888"] >= 4,
        "{uses:?}"
    );
    assert!(uses[TOKENS[0]] >= 2, "{uses:?}");
    assert_eq!(
        uses.len(),
        TOKENS.len(),
        "some token was never seen: {uses:?}"
    );
}

#[test]
fn a_token_nobody_named_is_shown_by_its_sha256() {
    use sha2::{Digest, Sha256};
    use tracedoc::correlate::redact::{Redactor, UserRules};

    let token = "PlantedUnnamedToken_kkkkkkkkkkkkkkkk";
    let text = format!(
        "\n### (openstack) REQ >>> (nova-api) : GET http://192.0.2.10/compute/v2.1/servers\nX-Auth-Token: {token}\nX-Requestshook-Request-Id: 50000000000000000000000000000001\n\nnone\n\n"
    );
    let loaded = tracedoc::capture::load_from(text.as_bytes(), Path::new("t.log")).unwrap();
    let hex: String = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let expected = format!("{{SHA256}}{}", &hex[..12]);

    let unnamed = Redactor::new(&UserRules::default(), &Default::default()).unwrap();
    let out = unnamed.records(&loaded.capture.records);
    assert_eq!(out[0].header("X-Auth-Token"), Some(expected.as_str()));

    let named = std::collections::HashMap::from([(token.to_string(), "token-9".to_string())]);
    let out = Redactor::new(&UserRules::default(), &named)
        .unwrap()
        .records(&loaded.capture.records);
    assert_eq!(out[0].header("X-Auth-Token"), Some("token-9"));
}

#[test]
fn a_bad_redact_pattern_in_tracedoc_toml_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tracedoc.toml"),
        "[redact]\npatterns = ['(unclosed']\n",
    )
    .unwrap();
    std::fs::copy(
        root().join("tests/secrets/keystone.log"),
        dir.path().join("requestshook.log"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = tracedoc()
        .arg("render")
        .arg(dir.path())
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("redact.patterns") && err.contains("(unclosed"),
        "{err}"
    );
    assert!(
        !out.path().join("body.md").exists(),
        "wrote output despite a bad rule"
    );
}

/// Every `Name: value` header value of these names in a capture.
fn header_values(log: &str, names: &[&str]) -> BTreeSet<String> {
    log.lines()
        .filter_map(|l| l.split_once(": "))
        .filter(|(n, v)| names.iter().any(|x| n.eq_ignore_ascii_case(x)) && !v.is_empty())
        .map(|(_, v)| v.trim_end_matches('\r').to_string())
        .collect()
}

#[test]
fn real_captures_lose_their_password_and_tokens() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is absent");
        return;
    };
    let dir = shared.join("captures").join("openstack").join("image");
    let mut captures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("requestshook.log").is_file())
        .collect();
    captures.sort();
    assert!(!captures.is_empty(), "no captures under {}", dir.display());
    for capture in captures {
        let log = std::fs::read_to_string(capture.join("requestshook.log")).unwrap();
        let subject = header_values(&log, &["X-Subject-Token"]);
        assert!(
            !subject.is_empty(),
            "{}: no X-Subject-Token",
            capture.display()
        );
        assert!(
            log.contains("\"asdf\""),
            "{}: no password",
            capture.display()
        );
        let mut secrets: Vec<&str> = vec!["asdf"];
        secrets.extend(subject.iter().map(String::as_str));
        let auth = header_values(&log, &["X-Auth-Token", "X-Service-Token"]);
        secrets.extend(auth.iter().map(String::as_str));
        let out = render(&capture, &[]);
        assert_absent(out.path(), &secrets, &capture.display().to_string());
    }
}
