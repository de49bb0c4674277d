//! The rules of `docs/redaction.md`, one test per rule or service (ported
//! from the line-based redactor of issue 7, `correlate/redact.rs`), the
//! streaming properties (no copy of a plain record, pieces merged in
//! order, CRLF bodies), and property tests.

use std::borrow::Cow;
use std::collections::HashMap;

use super::codec::{apply_edits, base64_decode, json_unescape, merge_edits, percent_decode, Edit};
use super::json::json_scalars;
use super::keys::{last_word, squash};
use super::pass::{Naming, Pass};
use super::*;
use crate::model::{Header, Record};

/// The built-in rules, compiled once for every test.
fn rules() -> &'static Rules {
    static R: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
    R.get_or_init(|| Rules::new(&[], &[], &[]).unwrap())
}

fn record(url: &str, headers: &[(&str, &str)], body: &str) -> Record<'static> {
    Record::test_request("openstack", "keystone", "POST", url, headers, body)
}

fn response(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Record<'static> {
    Record::test_response("openstack", "svc", method, url, "200 OK", headers, body)
}

/// A walk of the built-in rules that names tokens the way `hunter` does.
fn pass<'p>(found: &'p mut Found, hunter: &'p Hunter) -> Pass<'p> {
    Pass {
        rules: rules(),
        found,
        naming: Naming::By(hunter),
    }
}

/// The positional rules only, over a JSON text.
fn json(body: &str) -> String {
    let none = Hunter::none();
    let edits = pass(&mut Found::default(), &none).json_edits(body, 0);
    apply_edits(body, &edits)
}

/// The positional rules only, over one line of text.
fn text(s: &str) -> String {
    let none = Hunter::none();
    let edits = pass(&mut Found::default(), &none).text_edits(s, 0);
    apply_edits(s, &edits)
}

/// Pass 1 over `recs`, and the hunter it gives; tokens are named by
/// `names`, else by their hash.
fn hunter_named(r: &Rules, names: &HashMap<String, String>, recs: &[Record]) -> Hunter {
    let mut found = Found::default();
    for rec in recs {
        r.find(rec, &mut found);
    }
    Hunter::new(r, &found, &|v| {
        names.get(v).cloned().unwrap_or_else(|| hash_name(v))
    })
}

/// Both passes over `recs`.
fn both_named<'a>(
    r: &Rules,
    names: &HashMap<String, String>,
    recs: &[Record<'a>],
) -> Vec<Record<'a>> {
    let hunter = hunter_named(r, names, recs);
    recs.iter().map(|rec| r.redact(rec, &hunter)).collect()
}

/// Both passes with the built-in rules, tokens named by their hash.
fn both<'a>(recs: &[Record<'a>]) -> Vec<Record<'a>> {
    both_named(rules(), &HashMap::new(), recs)
}

/// A header line as captured.
fn line(h: &Header) -> String {
    match &h.value {
        Some(v) => format!("{}: {v}", h.name),
        None => h.name.to_string(),
    }
}

/// A body's lines.
fn lines<'r>(r: &'r Record) -> Vec<&'r str> {
    r.body.lines().collect()
}

/// Everything a record shows, as plain text.
fn dump(r: &Record) -> String {
    let mut out = format!("{} {} {} {}\n", r.from, r.to, r.method, r.url);
    if let Some(s) = &r.status {
        out.push_str(&s.text);
        out.push('\n');
    }
    for h in &r.headers {
        out.push_str(&line(h));
        out.push('\n');
    }
    out.push_str(&r.body.text);
    out
}

/// Both passes over records; everything they show, as one string.
fn shown(recs: &[Record]) -> String {
    both(recs).iter().map(dump).collect::<Vec<_>>().join("\n")
}

#[track_caller]
fn assert_gone(all: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!all.contains(s), "{s:?} survived in {all}");
    }
}

#[track_caller]
fn assert_kept(all: &str, kept: &[&str]) {
    for s in kept {
        assert!(all.contains(s), "{s:?} was redacted away from {all}");
    }
}

#[test]
fn scanner_reports_keys_parents_and_spans() {
    let text = r#"{"a": {"b": ["x", 1]}, "c": -2.5e3, "d": true, "e": "q\"r"}"#;
    let (scalars, stop) = json_scalars(text, &[]);
    assert_eq!(stop, text.len());
    let found: Vec<(Option<&str>, Option<&str>, &str, bool)> = scalars
        .into_iter()
        .map(|s| {
            (
                s.key.map(|k| k.raw),
                s.parent.map(|p| p.raw),
                &text[s.span],
                s.string,
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (Some("b"), None, "x", true),
            (Some("b"), None, "1", false),
            (Some("c"), None, "-2.5e3", false),
            (Some("e"), None, "q\\\"r", true),
        ]
    );
}

#[test]
fn scanner_reads_cut_off_documents_and_stops_at_garbage() {
    let cut = "{\n  \"password\": \"hunt";
    let (s, stop) = json_scalars(cut, &[]);
    assert_eq!(s.len(), 1);
    assert_eq!(stop, cut.len());
    assert_eq!(&cut[s[0].span.clone()], "hunt");
    let (s, stop) = json_scalars("{'password': 'x'}", &[]);
    assert!(s.is_empty());
    assert_eq!(stop, 1);
}

#[test]
fn keystone_password_auth_keeps_everything_but_the_password() {
    let body = r#"{
  "auth": {
"identity": {
  "methods": [
    "password"
  ],
  "password": {
    "user": {
      "name": "admin",
      "domain": {
        "name": "Default"
      },
      "password": "asdf"
    }
  }
}
  }
}"#;
    assert_eq!(json(body), body.replace("\"asdf\"", "\"***\""));
}

#[test]
fn nulls_booleans_and_layout_stay() {
    let body = "{\"user\": {\"password_expires_at\": null,   \"secret\" :12,\n\"enabled\": true}}";
    assert_eq!(
        json(body),
        "{\"user\": {\"password_expires_at\": null,   \"secret\" :\"***\",\n\"enabled\": true}}"
    );
}

#[test]
fn keys_match_as_substrings_at_any_depth_and_in_arrays() {
    let body = r#"[{"server": {"adminPass": "p1", "name": "vm"}}, {"keys": [{"private_key": "-----BEGIN"}, {"OS-FERNETKEY": "k"}]}, {"db_passwords": ["a1", "b2"]}]"#;
    let out = json(body);
    assert_gone(&out, &["p1", "-----BEGIN", "\"k\"", "a1", "b2"]);
    assert_kept(&out, &["\"name\": \"vm\""]);
}

#[test]
fn keys_match_in_any_spelling() {
    let out = json(
        r#"{"privateKey": "k1", "Private-Key": "k2", "PRIVATE.KEY": "k3", "x-auth-token": "t1", "AdminPass": "k4"}"#,
    );
    assert_gone(&out, &["k1", "k2", "k3", "\"t1\"", "k4"]);
}

#[test]
fn exact_keys_match_only_whole_keys() {
    let out = json(
        r#"{"secret": {"Payload": "bp1", "payload_content_type": "text/plain", "psk": "vpn1", "bypass": "on", "pass": "p1"}}"#,
    );
    assert_eq!(
        out,
        r#"{"secret": {"Payload": "***", "payload_content_type": "text/plain", "psk": "***", "bypass": "on", "pass": "***"}}"#
    );
}

#[test]
fn keys_that_describe_a_secret_are_not_secret() {
    let body = r#"{"token_type": "Bearer", "secret_ref": "http://h/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01", "secret_type": "opaque", "password_expires_at": "2030-01-01T00:00:00Z", "SignatureMethod": "HmacSHA256", "SignatureVersion": "2", "password_regex": "^.{8,}$", "Signature": "sig-value-1"}"#;
    let out = json(body);
    assert_kept(
        &out,
        &[
            "\"Bearer\"",
            "secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
            "\"opaque\"",
            "\"2030-01-01T00:00:00Z\"",
            "\"HmacSHA256\"",
            "\"2\"",
            "\"^.{8,}$\"",
        ],
    );
    assert_gone(&out, &["sig-value-1"]);
}

/// Runs the first pass over `body`; the secrets must go, the neighbours stay.
#[track_caller]
fn check_json(body: &str, secrets: &[&str], kept: &[&str]) {
    let out = json(body);
    assert_gone(&out, secrets);
    assert_kept(&out, kept);
}

#[test]
fn neutron_vpnaas_psk() {
    check_json(
        r#"{"ipsec_site_connection": {"name": "vpn-neighbour", "psk": "vpn-psk-1", "auth_mode": "psk", "peer_id": "203.0.113.5"}}"#,
        &["vpn-psk-1"],
        &["vpn-neighbour", "\"auth_mode\": \"psk\"", "203.0.113.5"],
    );
}

#[test]
fn keystone_totp_passcode_and_application_credential_secret() {
    check_json(
        r#"{"auth": {"identity": {"methods": ["totp", "application_credential"], "totp": {"user": {"id": "u1", "passcode": "123456"}}, "application_credential": {"id": "ac1", "secret": "app-cred-secret-1"}}}}"#,
        &["123456", "app-cred-secret-1"],
        &["\"u1\"", "\"ac1\"", "\"totp\""],
    );
}

#[test]
fn keystone_credential_blobs_and_ec2_signatures() {
    check_json(
        r#"{"credential": {"blob": "{\"access\": \"ec2-access-1\", \"secret\": \"ec2-secret-1\"}", "type": "ec2"}, "credentials": {"access": "ec2-access-1", "signature": "ec2-sig-1", "params": {"SignatureMethod": "HmacSHA256", "AWSAccessKeyId": "ec2-access-1"}}}"#,
        &["ec2-secret-1", "ec2-sig-1"],
        &[
            "\"ec2\"",
            "\"access\": \"ec2-access-1\"",
            "\"AWSAccessKeyId\": \"ec2-access-1\"",
            "HmacSHA256",
        ],
    );
}

#[test]
fn cinder_and_manila_transfer_keys() {
    check_json(
        r#"{"transfer": {"id": "t1", "name": "transfer-neighbour", "auth_key": "transfer-key-1"}, "accept": {"auth_key": "transfer-key-2"}}"#,
        &["transfer-key-1", "transfer-key-2"],
        &["transfer-neighbour", "\"t1\""],
    );
}

#[test]
fn manila_cephx_access_keys_and_security_services() {
    check_json(
        r#"{"access_list": [{"access_to": "alice", "access_type": "cephx", "access_key": "AQBcephx-key-1=="}], "security_service": {"user": "ad-user", "password": "ad-pw-1"}}"#,
        &["AQBcephx-key-1", "ad-pw-1"],
        &["alice", "cephx", "ad-user"],
    );
}

#[test]
fn octavia_heartbeat_keys_and_rbd_keyrings() {
    check_json(
        r#"{"amphora": {"heartbeat_key": "hb-key-1"}, "connection_info": {"data": {"keyring": "[client.x] key = rbd-key-1", "secret_type": "ceph", "secret_uuid": "libvirt-uuid-1", "auth_username": "cinder"}}}"#,
        &["hb-key-1", "rbd-key-1", "libvirt-uuid-1"],
        &["\"ceph\"", "\"cinder\""],
    );
}

#[test]
fn trove_and_ironic_passwords() {
    check_json(
        r#"{"users": [{"name": "trove-user", "password": "trove-pw-1"}], "driver_info": {"ipmi_username": "admin", "ipmi_password": "ipmi-pw-1", "snmp_auth_key": "snmp-key-1"}}"#,
        &["trove-pw-1", "ipmi-pw-1", "snmp-key-1"],
        &["trove-user", "\"admin\""],
    );
}

#[test]
fn name_value_objects() {
    check_json(
        r#"{"parameters": [{"name": "db_password", "value": "nv-pw-1"}, {"Key": "X-Auth-Token", "Value": "nv-token-0123456789"}, {"name": "flavor", "value": "m1.small"}], "template": {"parameters": {"admin_pass": {"type": "string", "hidden": true, "default": "nv-default-1"}, "image": {"type": "string", "default": "cirros"}}}}"#,
        &["nv-pw-1", "nv-token-0123456789", "nv-default-1"],
        &[
            "\"db_password\"",
            "\"m1.small\"",
            "\"cirros\"",
            "\"string\"",
        ],
    );
}

#[test]
fn python_string_prefixes() {
    assert_eq!(
        text("{u'password': u'py2-pw', 'token': b'py-token'}"),
        format!(
            "{{u'password': u'***', 'token': b'{}'}}",
            hash_name("py-token")
        )
    );
}

#[test]
fn nova_metadata_password_bodies() {
    let post = Record::test_request(
        "cloud-init",
        "nova-metadata",
        "POST",
        "http://169.254.169.254/openstack/2013-04-04/password",
        &[],
        "encrypted-admin-password-1",
    );
    let keystone = record(
        "http://h/identity/v3/users/u1/password",
        &[("Content-Type", "application/json")],
        r#"{"user": {"password": "new-pw-1", "original_password": "old-pw-1", "name": "pw-neighbour"}}"#,
    );
    let all = shown(&[post, keystone]);
    assert_gone(
        &all,
        &["encrypted-admin-password-1", "new-pw-1", "old-pw-1"],
    );
    assert_kept(&all, &["pw-neighbour"]);
}

#[test]
fn a_credential_blob_is_masked_and_its_secret_hunted() {
    let recs = vec![
        record(
            "http://h/identity/v3/credentials",
            &[],
            r#"{"credential": {"blob": "{\"access\": \"ec2-access-0001\", \"secret\": \"ec2-secret-value-0001\"}", "type": "ec2"}}"#,
        ),
        record(
            "http://h/x",
            &[("X-Note", "signed with ec2-secret-value-0001")],
            "none",
        ),
    ];
    let all = shown(&recs);
    assert_gone(&all, &["ec2-secret-value-0001"]);
}

#[test]
fn json_keys_and_values_with_unicode_escapes() {
    let out = json(
        r#"{"pass\u0077ord": "pw-escaped-1", "\u0074oken": {"id": "tok\u0065n-escaped-0123456789"}, "name": "n\u0061me"}"#,
    );
    assert_gone(&out, &["pw-escaped-1", "tok\\u0065n-escaped"]);
    assert_kept(&out, &["\"n\\u0061me\""]);
    assert!(
        out.contains(&hash_name("token-escaped-0123456789")),
        "a token is named by its decoded value: {out}"
    );
}

#[test]
fn an_escaped_token_is_hunted_and_hunts_its_escaped_form() {
    let tok = "gAAAAABescaped-token-0123456789";
    let escaped = tok.replace('e', "\\u0065");
    let recs = vec![
        record(
            "http://h/x",
            &[],
            &format!(r#"{{"auth": {{"token": {{"id": "{escaped}"}}}}}}"#),
        ),
        record("http://h/y", &[("X-Note", &format!("saw {tok}"))], "none"),
        record(
            "http://h/z",
            &[],
            &format!(r#"{{"note": "again {escaped} here"}}"#),
        ),
    ];
    let all = shown(&recs);
    assert_gone(&all, &[tok, &escaped]);
    assert_kept(&all, &[&hash_name(tok)]);
}

#[test]
fn json_in_json_at_any_depth() {
    let body = r#"{"a": "{\"b\": \"{\\\"password\\\": \\\"deep-pw-1\\\", \\\"name\\\": \\\"deep-name\\\"}\"}", "c": "[{\"token\": \"deep-token-0123456789\"}]"}"#;
    let out = json(body);
    assert_gone(&out, &["deep-pw-1", "deep-token-0123456789"]);
    assert_kept(&out, &["deep-name"]);
    // Still the same JSON, with the same shape.
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let b: serde_json::Value = serde_json::from_str(v["a"].as_str().unwrap()).unwrap();
    let deep: serde_json::Value = serde_json::from_str(b["b"].as_str().unwrap()).unwrap();
    assert_eq!(deep["password"], "***");
    assert_eq!(deep["name"], "deep-name");
}

#[test]
fn strings_inside_json_get_the_text_rules() {
    let body = r#"{"user_data": "run --password=pw9 now", "blob": "{\"access\": \"a\", \"secret\": \"s9\"}"}"#;
    let out = json(body);
    assert_gone(&out, &["pw9", "s9"]);
    assert_kept(&out, &["run --password=*** now"]);
}

#[test]
fn tokens_are_named_by_hash_and_the_same_everywhere() {
    let mut found = Found::default();
    let tok = "gAAAAABtokentokentokentoken01";
    let body = format!(
        r#"{{"auth": {{"identity": {{"methods": ["token"], "token": {{"id": "{tok}"}}}}}}}}"#
    );
    let none = Hunter::none();
    let edits = pass(&mut found, &none).json_edits(&body, 0);
    let out = apply_edits(&body, &edits);
    let name = hash_name(tok);
    assert!(
        name.starts_with("{SHA256}") && name.len() == 8 + 12,
        "{name}"
    );
    assert!(out.contains(&format!("\"id\": \"{name}\"")), "{out}");
    assert!(out.contains("\"methods\": [\"token\"]"));
    assert_eq!(found.tokens.get(tok), Some(&None));
    assert!(found.is_secret(tok));
}

#[test]
fn given_token_names_win_over_hashes() {
    let names = HashMap::from([("tok-value-0123456789".to_string(), "token-1".to_string())]);
    let recs = both_named(
        rules(),
        &names,
        &[record(
            "http://h/v1/tok-value-0123456789/x",
            &[("X-Auth-Token", "tok-value-0123456789")],
            "none",
        )],
    );
    assert_eq!(recs[0].header("X-Auth-Token"), Some("token-1"));
    assert_eq!(recs[0].url, "http://h/v1/token-1/x");
}

#[test]
fn header_rules() {
    let tok = "AAAAtokenvalue-0123456789";
    let rec = record(
        "http://h/",
        &[
            ("Authorization", "Basic dXNlcjpwYXNz"),
            ("authorization", "Bearer ABCDEFGHIJKLMNOPQRST"),
            ("X-Auth-Token", tok),
            ("x-subject-token", "sub-0123456789abcdef"),
            ("X-Service-Token", "svc-0123456789abcdef"),
            ("X-Amz-Security-Token", "amz-0123456789abcdef"),
            ("Cookie", "session=s3cr3t; theme=dark"),
            ("Set-Cookie", "sid=s3cr3t2; Path=/; HttpOnly"),
            ("X-Account-Meta-Temp-Url-Key", "tempkey1"),
            ("X-Account-Meta-Temp-Url-Key-2", "tempkey2"),
            ("X-Object-Meta-Secret", "objsecret"),
            ("X-Auth-Token-Expires", "86399"),
            ("Vary", "X-Auth-Token"),
            ("Content-Type", "application/json"),
            ("X-Auth-Token", ""),
        ],
        "none",
    );
    let out = both(&[rec]).remove(0);
    let lines: Vec<String> = out.headers.iter().map(|h| line(h)).collect();
    assert_eq!(
        lines,
        vec![
            "Authorization: Basic ***".to_string(),
            format!(
                "authorization: Bearer {}",
                hash_name("ABCDEFGHIJKLMNOPQRST")
            ),
            format!("X-Auth-Token: {}", hash_name(tok)),
            format!("x-subject-token: {}", hash_name("sub-0123456789abcdef")),
            format!("X-Service-Token: {}", hash_name("svc-0123456789abcdef")),
            format!(
                "X-Amz-Security-Token: {}",
                hash_name("amz-0123456789abcdef")
            ),
            "Cookie: session=***; theme=***".to_string(),
            "Set-Cookie: sid=***; Path=/; HttpOnly".to_string(),
            "X-Account-Meta-Temp-Url-Key: ***".to_string(),
            "X-Account-Meta-Temp-Url-Key-2: ***".to_string(),
            "X-Object-Meta-Secret: ***".to_string(),
            "X-Auth-Token-Expires: 86399".to_string(),
            "Vary: X-Auth-Token".to_string(),
            "Content-Type: application/json".to_string(),
            "X-Auth-Token: ".to_string(),
        ]
    );
}

#[test]
fn header_names_with_underscores() {
    let tok = "underscore-token-0123456789";
    let rec = record(
        "http://h/",
        &[
            ("X_Auth_Token", tok),
            ("x_subject_token", "subject-token-0123456789"),
            ("X_Storage_Pass", "storage-pass-1"),
            ("HTTP_X_AUTH_TOKEN", "wsgi-token-0123456789"),
            ("X_Account_Meta_Temp_URL_Key", "temp-key-1"),
            ("Openstack-Auth-Receipt", "receipt-0123456789abcdef"),
            ("X_Auth_User", "user-neighbour"),
        ],
        "none",
    );
    let all = shown(&[rec]);
    assert_gone(
        &all,
        &[
            tok,
            "subject-token-0123456789",
            "storage-pass-1",
            "wsgi-token-0123456789",
            "temp-key-1",
            "receipt-0123456789abcdef",
        ],
    );
    assert_kept(&all, &["user-neighbour", &hash_name(tok)]);
}

#[test]
fn header_lines_without_a_separator() {
    let mut rec = record("http://h/", &[], "none");
    for line in [
        "X-Auth-Token:bad-line-token-0123456789",
        "X-Auth-Token bad-line-token-0123456789",
        "X_Storage_Pass\tbad-line-pass-1",
        "garbage password=bad-line-pw-2",
        "X-Auth-Token\u{3000}wide-space-token-0123456789",
    ] {
        rec.headers.push(Header {
            name: Cow::Owned(line.to_string()),
            value: None,
        });
    }
    let out = both(&[rec]).remove(0);
    let lines: Vec<String> = out.headers.iter().map(|h| line(h)).collect();
    let name = hash_name("bad-line-token-0123456789");
    assert_eq!(
        lines,
        vec![
            format!("X-Auth-Token:{name}"),
            format!("X-Auth-Token {name}"),
            "X_Storage_Pass\t***".to_string(),
            "garbage password=***".to_string(),
            format!(
                "X-Auth-Token\u{3000}{}",
                hash_name("wide-space-token-0123456789")
            ),
        ]
    );
}

#[test]
fn basic_credentials_hide_their_password_everywhere() {
    // base64 of `demo:basic-pass-0001`
    let recs = vec![
        record(
            "http://h/",
            &[("Authorization", "Basic ZGVtbzpiYXNpYy1wYXNzLTAwMDE=")],
            "none",
        ),
        record("http://h/", &[], "login demo with basic-pass-0001 failed"),
    ];
    let all = shown(&recs);
    assert_gone(&all, &["basic-pass-0001", "ZGVtbzpiYXNpYy1wYXNzLTAwMDE="]);
}

#[test]
fn query_strings_and_location_headers() {
    assert_eq!(
        text("http://h:8080/v1/AUTH_a/c/o?temp_url_sig=abcdef&temp_url_expires=1700000000&token=tok0123456789abcdef#frag"),
        format!(
            "http://h:8080/v1/AUTH_a/c/o?temp_url_sig=***&temp_url_expires=1700000000&token={}#frag",
            hash_name("tok0123456789abcdef")
        )
    );
    assert_eq!(text("http://h/x?limit=1"), "http://h/x?limit=1");
    let rec = record(
        "http://h/",
        &[("Location", "http://h/cb?password=pw1&x=1")],
        "none",
    );
    assert_eq!(
        both(&[rec])[0].header("Location"),
        Some("http://h/cb?password=***&x=1")
    );
}

#[test]
fn semicolon_separated_query_pairs() {
    assert_eq!(
        text("http://h/x?a=1;password=semi-pw-1;b=2&temp_url_sig=sig1"),
        "http://h/x?a=1;password=***;b=2&temp_url_sig=***"
    );
    assert_eq!(text("/x?a=1;api_key=k1"), "/x?a=1;api_key=***");
}

#[test]
fn fragments_holding_pairs() {
    assert_eq!(
        text("https://h/cb#access_token=frag-token-0123456789&token_type=bearer&expires_in=3600"),
        format!(
            "https://h/cb#access_token={}&token_type=bearer&expires_in=3600",
            hash_name("frag-token-0123456789")
        )
    );
    assert_eq!(text("https://h/doc#section-2"), "https://h/doc#section-2");
}

#[test]
fn nova_console_urls() {
    let uuid = "3e1b8d42-61c9-4f7e-9a0d-5c2f7b1e9d04";
    for url in [
        format!("http://h:6080/vnc_lite.html?path=%3Ftoken%3D{uuid}"),
        format!("http://h:6080/vnc_auto.html?path=%3Ftoken%3D{uuid}&title=vm"),
        format!("http://h:6080/vnc_lite.html?path=%253Ftoken%253D{uuid}"),
        format!("http://h:6082/spice_auto.html?token={uuid}"),
        format!("ws://h:6083/?token={uuid}"),
        format!("http://h:6080/vnc_lite.html?path=%3ftoken%3d{uuid}"),
    ] {
        let out = text(&url);
        assert!(!out.contains(uuid), "{url} -> {out}");
        assert!(out.contains(&hash_name(uuid)), "{url} -> {out}");
        assert!(
            out.starts_with("http://h:6") || out.starts_with("ws://h"),
            "{out}"
        );
    }
    // The console URL in a JSON response, and its token in a later path.
    let recs = vec![
        response(
            "POST",
            "http://h/compute/v2.1/servers/s1/remote-consoles",
            &[],
            &format!(
                "{{\"remote_console\": {{\"protocol\": \"vnc\", \"type\": \"novnc\", \"url\": \"http://h:6080/vnc_lite.html?path=%3Ftoken%3D{uuid}\"}}}}"
            ),
        ),
        record(
            &format!("http://h/compute/v2.1/os-console-auth-tokens/{uuid}"),
            &[],
            "none",
        ),
    ];
    let all = shown(&recs);
    assert_gone(&all, &[uuid]);
    assert_kept(&all, &["novnc", "vnc_lite.html?path=%3Ftoken%3D"]);
}

#[test]
fn tokens_in_url_paths() {
    let tok = "path-token-0123456789abcdef";
    for (url, kept) in [
        (
            format!("http://h/identity/v2.0/tokens/{tok}"),
            "/v2.0/tokens/",
        ),
        (
            format!("http://h/identity/v2.0/tokens/{tok}/endpoints"),
            "/endpoints",
        ),
        (
            format!("http://h/identity/v3/auth/tokens/{tok}"),
            "/auth/tokens/",
        ),
        (
            format!("/compute/v2.1/os-console-auth-tokens/{tok}"),
            "auth-tokens/",
        ),
    ] {
        let out = text(&url);
        assert!(!out.contains(tok), "{url} -> {out}");
        assert!(out.contains(kept), "{url} -> {out}");
    }
    assert_eq!(
        text("http://h/identity/v3/auth/tokens/OS-PKI/revoked"),
        "http://h/identity/v3/auth/tokens/OS-PKI/revoked"
    );
    // In free text too (a warning quoting a path).
    let out = text(&format!(
        "request GET /v2.0/tokens/{tok} never got a response"
    ));
    assert_gone(&out, &[tok]);
}

#[test]
fn userinfo_passwords() {
    assert_eq!(
        text("http://glance:userinfo-pw-1@images.example.com/cirros.img"),
        "http://glance:***@images.example.com/cirros.img"
    );
    assert_eq!(
        text("swift+https://acct:p@ss-with-at-1@h:8080/v1/x"),
        "swift+https://acct:***@h:8080/v1/x"
    );
    assert_eq!(
        text("see ftp://bob:ftp-pw-2@files.example.com/a and more"),
        "see ftp://bob:***@files.example.com/a and more"
    );
    assert_eq!(text("http://user@h/x"), "http://user@h/x");
    let recs = vec![
        response(
            "GET",
            "http://h/auth/v1.0",
            &[
                (
                    "X-Storage-Url",
                    "http://acct:storage-url-pw-1@h:8080/v1/AUTH_a",
                ),
                ("Location", "https://u:location-pw-1@h/x"),
                ("Link", "<http://u:link-pw-00001@h/next>; rel=next"),
            ],
            r#"{"method": {"name": "web-download", "uri": "https://webuser:web-download-pw-1@images.example.com/cirros.img"}}"#,
        ),
        record("http://headuser:head-url-pw-1@h/v2/images", &[], "none"),
    ];
    let all = shown(&recs);
    assert_gone(
        &all,
        &[
            "storage-url-pw-1",
            "location-pw-1",
            "link-pw-00001",
            "web-download-pw-1",
            "head-url-pw-1",
        ],
    );
    assert_kept(
        &all,
        &[
            "webuser:***@images.example.com",
            "headuser:***@h",
            "acct:***@h:8080",
        ],
    );
}

#[test]
fn text_pairs() {
    let t = text;
    assert_eq!(t("a=1&password=x&b=2"), "a=1&password=***&b=2");
    assert_eq!(
        t("{'adminPass': 'hunter2', 'name': 'vm'}"),
        "{'adminPass': '***', 'name': 'vm'}"
    );
    assert_eq!(
        t("db_password: s3cret and more"),
        "db_password: *** and more"
    );
    assert_eq!(t("\"private_key\" : \"k\""), "\"private_key\" : \"***\"");
    assert_eq!(t("password_expires_at: null"), "password_expires_at: null");
    assert_eq!(t("the password is long"), "the password is long");
    assert_eq!(t("Vary: X-Auth-Token"), "Vary: X-Auth-Token");
    assert_eq!(
        t("X-Auth-Token: tok0123456789abcdef"),
        format!("X-Auth-Token: {}", hash_name("tok0123456789abcdef"))
    );
    assert_eq!(t("{:password => \"rb-pw\"}"), "{:password => \"***\"}");
    assert_eq!(
        t("<auth><password>xml-pw</password><user>u</user></auth>"),
        "<auth><password>***</password><user>u</user></auth>"
    );
    assert_eq!(t("note=password=x"), "note=password=***");
}

#[test]
fn escaped_json_in_text() {
    assert_eq!(
        text(r#"data: {\"password\": \"esc-pw\", \"name\": \"n\"}"#),
        r#"data: {\"password\": \"***\", \"name\": \"n\"}"#
    );
    assert_eq!(
        text(r#"{"pass\u0077ord": "uesc-pw"} in a log line"#),
        r#"{"pass\u0077ord": "***"} in a log line"#
    );
}

#[test]
fn pem_private_keys() {
    let body = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpemline1\nMIIEpemline2\n-----END RSA PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nMIIcertline\n-----END CERTIFICATE-----";
    let out = both(&[record("http://h/", &[], body)]).remove(0);
    assert_eq!(
        lines(&out),
        vec![
            "-----BEGIN RSA PRIVATE KEY-----",
            "***",
            "***",
            "-----END RSA PRIVATE KEY-----",
            "-----BEGIN CERTIFICATE-----",
            "MIIcertline",
            "-----END CERTIFICATE-----",
        ]
    );
    // In a JSON string under a harmless key.
    let out = json(
        r#"{"bundle": "-----BEGIN PRIVATE KEY-----\nMIIEjsonpem\n-----END PRIVATE KEY-----\n"}"#,
    );
    assert_eq!(
        out,
        r#"{"bundle": "-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----\n"}"#
    );
}

#[test]
fn swift_formpost_multipart_fields() {
    let body = "--FormBoundary7\n\
Content-Disposition: form-data; name=\"redirect\"\n\
\n\
\n\
--FormBoundary7\n\
Content-Disposition: form-data; name=\"max_file_size\"\n\
\n\
104857600\n\
--FormBoundary7\n\
Content-Disposition: form-data; name=\"expires\"\n\
\n\
1700000000\n\
--FormBoundary7\n\
Content-Disposition: form-data; name=\"signature\"\n\
\n\
formpost-signature-0123456789abcdef\n\
--FormBoundary7\n\
Content-Disposition: form-data; name=\"file1\"; filename=\"notes.txt\"\n\
Content-Type: text/plain\n\
\n\
file body stays\n\
--FormBoundary7--";
    for ct in [
        Some("multipart/form-data; boundary=FormBoundary7"),
        Some("multipart/form-data; boundary=\"FormBoundary7\""),
        None,
    ] {
        let headers: Vec<(&str, &str)> = ct.iter().map(|c| ("Content-Type", *c)).collect();
        let out = both(&[record("http://h:8080/v1/AUTH_a/c/prefix", &headers, body)]).remove(0);
        let lines = lines(&out).join("\n");
        assert_eq!(
            lines,
            body.replace("formpost-signature-0123456789abcdef", "***")
        );
    }
}

#[test]
fn barbican_payloads() {
    let get = response(
        "GET",
        "http://h/key-manager/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01/payload",
        &[("Content-Type", "text/plain")],
        "barbican-payload-line-1\nbarbican-payload-line-2",
    );
    let put = Record::test_request(
        "openstack",
        "barbican",
        "PUT",
        "http://h/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
        &[("Content-Type", "application/octet-stream")],
        "barbican-put-payload-1",
    );
    let legacy = response(
        "GET",
        "http://h/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
        &[("Content-Type", "text/plain")],
        "{\"looks\": \"like json\", \"but\": \"barbican-text-json-1\"}",
    );
    let meta = response(
        "GET",
        "http://h/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
        &[("Content-Type", "application/json")],
        "{\"name\": \"secret-neighbour\", \"secret_type\": \"opaque\", \"payload_content_type\": \"text/plain\"}",
    );
    let echo = record(
        "http://h/x",
        &[("X-Note", "barbican-put-payload-1")],
        "none",
    );
    let all = shown(&[get, put, legacy, meta, echo]);
    assert_gone(
        &all,
        &[
            "barbican-payload-line-1",
            "barbican-payload-line-2",
            "barbican-put-payload-1",
            "barbican-text-json-1",
        ],
    );
    assert_kept(
        &all,
        &[
            "secret-neighbour",
            "opaque",
            "5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
        ],
    );
}

#[test]
fn masked_values_are_hunted_above_the_minimum_length() {
    let recs = vec![
        record(
            "http://h/",
            &[],
            r#"{"user": {"name": "admin", "password": "hunted-pw-1"}, "x": {"password": "short"}}"#,
        ),
        record(
            "http://h/cb?note=hunted-pw-1",
            &[("X-Echo", "hunted-pw-1 and short")],
            "login with hunted-pw-1\n{\"echo\": \"hunted-pw-1\"}\nescaped hunted\\u002dpw-1 and hunted%2Dpw-1",
        ),
    ];
    let all = shown(&recs);
    assert_gone(&all, &["hunted-pw-1", "hunted\\u002dpw-1", "hunted%2Dpw-1"]);
    // A short password is caught only where its key says so.
    assert_kept(&all, &["and short", "admin"]);
}

#[test]
fn a_password_that_is_a_key_word_is_not_hunted() {
    let recs = vec![record(
        "http://h/identity/v3/auth/tokens",
        &[],
        r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "password"}}}}}"#,
    )];
    let out = both(&recs);
    assert_eq!(
        lines(&out[0])[0],
        r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "***"}}}}}"#
    );
}

#[test]
fn tokens_are_hunted_everywhere_but_short_ones_are_not() {
    let tok = "gAAAAABreused-0123456789";
    let recs = vec![
        record(
            "http://h/identity/v3/auth/tokens",
            &[("X-Subject-Token", tok), ("X-Other", "short")],
            "none",
        ),
        record(
            &format!("http://h/v2/images?marker={tok}"),
            &[("X-Note", &format!("saw {tok} earlier"))],
            &format!("{{\n  \"note\": \"{tok}\",\n  \"token\": \"short\",\n  \"x\": \"short\"\n}}"),
        ),
    ];
    let out = both(&recs);
    let all = format!("{out:?}");
    assert!(!all.contains(tok), "{all}");
    let name = hash_name(tok);
    assert_eq!(out[1].url, format!("http://h/v2/images?marker={name}"));
    assert_eq!(lines(&out[1])[1], format!("  \"note\": \"{name}\","));
    assert_eq!(
        lines(&out[1])[2],
        format!("  \"token\": \"{}\",", hash_name("short"))
    );
    assert_eq!(lines(&out[1])[3], "  \"x\": \"short\"");
    assert_eq!(out[0].header("X-Other"), Some("short"));
}

#[test]
fn user_rules() {
    let r = Rules::new(
        &["X-Tenant-Pin".into()],
        &["pin_code".into()],
        &[r"acct-\d{4}".into()],
    )
    .unwrap();
    let rec = record(
        "http://h/acct-1234/x",
        &[("x_tenant_pin", "9999"), ("X-Note", "for acct-5678")],
        "{\n  \"pin_code\": 4321,\n  \"name\": \"acct-0000\",\n  \"PinCode\": \"1\"\n}",
    );
    let out = both_named(&r, &HashMap::new(), &[rec]).remove(0);
    assert_eq!(out.url, "http://h/***/x");
    assert_eq!(out.header("x_tenant_pin"), Some("***"));
    assert_eq!(out.header("X-Note"), Some("for ***"));
    assert_eq!(
        lines(&out),
        vec![
            "{",
            "  \"pin_code\": \"***\",",
            "  \"name\": \"***\",",
            "  \"PinCode\": \"***\"",
            "}"
        ]
    );
}

#[test]
fn any_text_gets_the_same_rules() {
    let names = HashMap::from([("named-token-0123456789".to_string(), "token-4".to_string())]);
    let r = Rules::new(&[], &[], &[r"acct-\d{4}".into()]).unwrap();
    // The correlation stage names the tokens the records carry.
    let hunter = hunter_named(
        &r,
        &names,
        &[record(
            "http://h/",
            &[("X-Auth-Token", "named-token-0123456789")],
            r#"{"password": "warned-pw-123"}"#,
        )],
    );
    assert_eq!(
        r.text(
            "request GET /v2.0/tokens/named-token-0123456789?password=x never got a response (acct-1234, warned-pw-123)",
            &hunter
        ),
        "request GET /v2.0/tokens/token-4?password=*** never got a response (***, ***)"
    );
}

#[test]
fn bad_user_rules_are_rejected() {
    let err = Rules::new(&[], &[], &["(unclosed".into()]).unwrap_err();
    assert!(err.starts_with("redact.patterns:"), "{err}");
    assert!(err.contains("(unclosed"), "{err}");
    for key in [" ", "_", "-."] {
        let err = Rules::new(&[], &[key.into()], &[]).unwrap_err();
        assert!(err.starts_with("redact.keys:"), "{key:?}: {err}");
    }
}

#[test]
fn json_bodies_stay_json() {
    let body = "{\n  \"token\": {\"id\": \"abcdefabcdefabcdef01\"},\n  \"password\": 1234,\n  \"a\": \"{\\\"password\\\": 5}\"\n}";
    let out = json(body);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["a"], "{\"password\": \"***\"}");
    assert_eq!(out.lines().count(), body.lines().count());
}

#[test]
fn decoders_map_back_to_the_source() {
    let d = json_unescape(r#"a\u0062\"c\ud83d\ude00d"#).unwrap();
    assert_eq!(d.text, "ab\"c\u{1F600}d");
    let edits: Vec<Edit> = d
        .source_edits(vec![Edit::mask(1..2), Edit::mask(4..8)], 0)
        .collect();
    assert_eq!(edits[0].span, 1..7);
    assert_eq!(edits[1].span, 10..22);
    assert!(json_unescape("plain").is_none());
    let d = percent_decode("%3Ftoken%3D%E2%82%AC!").unwrap();
    assert_eq!(d.text, "?token=\u{20ac}!");
    let edits: Vec<Edit> = d.source_edits(vec![Edit::mask(7..10)], 5).collect();
    assert_eq!(edits[0].span, 5 + 11..5 + 20);
    assert!(percent_decode("100%").is_none());
    assert!(percent_decode("%ff").is_none());
}

#[test]
fn word_and_key_helpers() {
    assert_eq!(last_word("password_expires_at"), "at");
    assert_eq!(last_word("SignatureMethod"), "method");
    assert_eq!(last_word("X-Amz-Signature"), "signature");
    assert_eq!(last_word("token"), "token");
    assert_eq!(squash("Private-Key"), "privatekey");
    assert_eq!(base64_decode("ZGVtbzpwdw==").unwrap(), b"demo:pw");
    assert_eq!(
        merge_edits(vec![Edit::mask(5..9), Edit::mask(1..6), Edit::mask(2..3)]),
        vec![Edit::mask(1..9)]
    );
}

/// A small deterministic generator (xorshift), for the property tests.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(super) fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    /// Text made of the pieces the rules react to.
    fn text(&mut self, max: usize) -> String {
        const PIECES: &[&str] = &[
            "password",
            "token",
            "Token",
            "/tokens/",
            "secret",
            "=",
            ":",
            "&",
            ";",
            "#",
            "?",
            "%",
            "%3F",
            "%3D",
            "%2",
            "\\",
            "\\\"",
            "\\u0077",
            "\\ud83d",
            "\\u00",
            "\"",
            "'",
            "{",
            "}",
            "[",
            "]",
            " ",
            "\n",
            "http://",
            "u:p@",
            "@",
            "-----BEGIN PRIVATE KEY-----",
            "-----END PRIVATE KEY-----",
            "--b",
            "Content-Disposition: form-data; name=signature",
            "é",
            "\u{3000}",
            "ſ",
            "abc",
            "0123456789abcdef",
            "***",
            "<password>",
            "</",
            "--os-password ",
            "null",
            "1.5e3",
            "-",
            ",",
        ];
        let n = self.below(max + 1);
        (0..n).map(|_| self.pick(PIECES)).collect()
    }

    fn json(&mut self, depth: usize) -> serde_json::Value {
        use serde_json::Value;
        const KEYS: &[&str] = &[
            "password",
            "token",
            "id",
            "name",
            "url",
            "blob",
            "payload",
            "secret_ref",
            "token_type",
            "x",
            "user_data",
            "privateKey",
            "X_Auth_Token",
            "psk",
        ];
        match self.below(if depth == 0 { 4 } else { 7 }) {
            0 => Value::String(self.text(12)),
            1 => Value::from(self.next() % 100_000),
            2 => Value::Null,
            3 => Value::String(
                serde_json::to_string(&self.json(depth.saturating_sub(1))).unwrap_or_default(),
            ),
            4 | 5 => {
                let mut m = serde_json::Map::new();
                for _ in 0..self.below(5) {
                    let k = self.pick(KEYS).to_string();
                    let v = self.json(depth - 1);
                    m.insert(k, v);
                }
                Value::Object(m)
            }
            _ => Value::Array((0..self.below(4)).map(|_| self.json(depth - 1)).collect()),
        }
    }
}

/// The same shape: object keys in order, array lengths, kinds (a masked
/// number becomes a string).
fn same_shape(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys().eq(y.keys()) && x.values().zip(y.values()).all(|(p, q)| same_shape(p, q))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_shape(p, q))
        }
        (Value::Number(_), Value::String(s)) => s == MASK,
        (Value::String(_), Value::String(_)) => true,
        (x, y) => x == y,
    }
}

#[test]
fn any_json_stays_json_with_the_same_shape() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let none = Hunter::none();
    for _ in 0..2000 {
        let doc = rng.json(4);
        let text = if rng.below(2) == 0 {
            serde_json::to_string(&doc).unwrap()
        } else {
            serde_json::to_string_pretty(&doc).unwrap()
        };
        let edits = pass(&mut Found::default(), &none).json_edits(&text, 0);
        let out = apply_edits(&text, &edits);
        let back: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {text}\n->\n{out}"));
        assert!(same_shape(&doc, &back), "{text}\n->\n{out}");
        assert_eq!(text.lines().count(), out.lines().count());
    }
}

#[test]
fn any_text_redacts_without_panicking_and_keeps_its_lines() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let r = rules();
    for _ in 0..2000 {
        let url = format!("http://h/{}", rng.text(6));
        let value = rng.text(8);
        let body = rng.text(40);
        let rec = record(&url, &[("X-Note", &value), ("X_Auth_Token", &value)], &body);
        let before = lines(&rec).len();
        let hunter = hunter_named(r, &HashMap::new(), std::slice::from_ref(&rec));
        let out = r.redact(&rec, &hunter);
        assert_eq!(lines(&out).len(), before, "{body:?}");
        r.text(&body, &hunter);
        r.text(&url, &hunter);
    }
}

/// Records read from a capture text, borrowing it (as pass 2 reads them).
fn parsed(text: &'static str) -> Vec<Record<'static>> {
    crate::input::requestshook::Parser::new(text, 0, 1, true, std::path::Path::new("t.log"))
        .collect()
}

#[track_caller]
#[allow(clippy::ptr_arg)] // Which `Cow` it is is the point.
fn assert_borrowed(what: &str, original: &Cow<str>, shown: &Cow<str>) {
    assert!(
        matches!(shown, Cow::Borrowed(_)),
        "{what} was copied: {shown:?}"
    );
    assert!(
        std::ptr::eq(original.as_ptr(), shown.as_ptr()),
        "{what} points elsewhere"
    );
}

#[test]
fn redact_is_cheap_for_plain_records() {
    const PLAIN: &str = "### (openstack) REQ >>> (glance) : GET http://h/image/v2/images?name=a%20b&limit=20\n\
Host: h\n\
Accept: application/json\n\
X-Requestshook-Request-Id: 1\n\
\n\
none\n\
\n\
### (openstack) RESP <<< (glance) : 200 OK GET http://h/image/v2/images?name=a%20b&limit=20\n\
Content-Type: application/json\n\
X-Requestshook-Request-Id: 1\n\
\n\
{\n  \"images\": [\n    {\"id\": \"5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01\", \"name\": \"cirros\",\n     \"description\": \"say \\\"hi\\\" at http://h/x%20y\"}\n  ]\n}\n";
    let recs = parsed(PLAIN);
    assert_eq!(recs.len(), 2);
    assert!(matches!(recs[1].body.text, Cow::Borrowed(_)));
    let mut found = Found::default();
    for r in &recs {
        rules().find(r, &mut found);
    }
    assert!(found.is_empty(), "{found:?}");
    // A hunter that knows secrets from elsewhere in the capture, and one
    // with a user pattern that matches nothing here.
    let secret = record(
        "http://h/identity/v3/auth/tokens",
        &[("X-Auth-Token", "gAAAAAB-elsewhere-0123456789")],
        r#"{"password": "elsewhere-pw-1"}"#,
    );
    let mut elsewhere = Found::default();
    rules().find(&secret, &mut elsewhere);
    assert_eq!(elsewhere.counts(), (1, 1));
    let with_pattern = Rules::new(&[], &[], &["acct-[0-9]{6}".into()]).unwrap();
    for (r, hunter) in [
        (rules(), Hunter::none()),
        (rules(), Hunter::new(rules(), &elsewhere, &hash_name)),
        (
            &with_pattern,
            Hunter::new(&with_pattern, &elsewhere, &hash_name),
        ),
    ] {
        for rec in &recs {
            let out = r.redact(rec, &hunter);
            assert_eq!(&out, rec);
            assert_borrowed("from", &rec.from, &out.from);
            assert_borrowed("to", &rec.to, &out.to);
            assert_borrowed("method", &rec.method, &out.method);
            assert_borrowed("url", &rec.url, &out.url);
            if let (Some(a), Some(b)) = (&rec.status, &out.status) {
                assert_borrowed("status", &a.text, &b.text);
            }
            for (a, b) in rec.headers.iter().zip(&out.headers) {
                assert_borrowed("header name", &a.name, &b.name);
                if let (Some(x), Some(y)) = (&a.value, &b.value) {
                    assert_borrowed("header value", x, y);
                }
            }
            assert_borrowed("body", &rec.body.text, &out.body.text);
        }
    }
}

#[test]
fn a_record_with_a_secret_copies_only_what_changes() {
    const TEXT: &str =
        "### (openstack) REQ >>> (keystone) : POST http://h/identity/v3/auth/tokens\n\
Content-Type: application/json\n\
\n\
{\"auth\": {\"password\": \"copy-pw-0001\"}}\n";
    let recs = parsed(TEXT);
    let out = both(&recs).remove(0);
    assert_eq!(lines(&out), vec![r#"{"auth": {"password": "***"}}"#]);
    assert!(matches!(out.body.text, Cow::Owned(_)));
    assert_borrowed("url", &recs[0].url, &out.url);
    assert_borrowed(
        "header",
        recs[0].headers[0].value.as_ref().unwrap(),
        out.headers[0].value.as_ref().unwrap(),
    );
}

#[test]
fn crlf_bodies_keep_their_lines_and_line_ends() {
    let bodies = [
        "{\n  \"auth\": {\n    \"password\": \"crlf-pw-0001\",\n    \"name\": \"crlf-neighbour\"\n  }\n}",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEcrlfline1\nMIIEcrlfline2\n-----END RSA PRIVATE KEY-----\nsee crlf-pw-0001 and password=crlf-pw-0002",
        "{\"cut\": \"off\",\n \"password\": \"crlf-pw-0003",
        "plain\n\nline with crlf-pw-0001\n",
    ];
    for lf in bodies {
        let crlf = lf.replace('\n', "\r\n");
        let trailing_cr = format!("{crlf}\r");
        for other in [crlf.as_str(), trailing_cr.as_str()] {
            let a = both(&[
                record("http://h/", &[], r#"{"password": "crlf-pw-0001"}"#),
                record("http://h/", &[], lf),
            ]);
            let b = both(&[
                record("http://h/", &[], r#"{"password": "crlf-pw-0001"}"#),
                record("http://h/", &[], other),
            ]);
            assert_eq!(lines(&a[1]), lines(&b[1]), "{other:?}");
            assert_gone(
                &b[1].body.text,
                &["crlf-pw-0001", "crlf-pw-0002", "MIIEcrlf"],
            );
            // The line ends are the capture's.
            let mut expected = a[1].body.text.replace('\n', "\r\n");
            if other == trailing_cr {
                expected.push('\r');
            }
            assert_eq!(b[1].body.text, expected, "{other:?}");
        }
    }
}

#[test]
fn crlf_bodies_redact_like_their_lines() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..500 {
        let body = if rng.below(2) == 0 {
            rng.text(40)
        } else {
            serde_json::to_string_pretty(&rng.json(3)).unwrap_or_default()
        };
        // Some line ends become CRLF.
        let mut crlf = String::new();
        for (i, l) in body.split('\n').enumerate() {
            if i > 0 {
                crlf.push_str(if rng.below(2) == 0 { "\r\n" } else { "\n" });
            }
            crlf.push_str(l);
        }
        let a = both(&[record("http://h/", &[], &body)]);
        let b = both(&[record("http://h/", &[], &crlf)]);
        assert_eq!(lines(&a[0]), lines(&b[0]), "{crlf:?}");
        assert_eq!(
            b[0].body.text.matches("\r\n").count(),
            crlf.matches("\r\n").count()
        );
    }
}

/// The secrets found, in order, as comparable lists.
fn listed(found: &Found) -> (Vec<(String, Option<String>)>, Vec<String>) {
    (
        found
            .tokens
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        found.masked.iter().cloned().collect(),
    )
}

/// A random record made of the pieces the rules react to.
pub(super) fn random_record(rng: &mut Rng) -> Record<'static> {
    const HEADERS: &[&str] = &[
        "X-Auth-Token",
        "X-Subject-Token",
        "X_Storage_Pass",
        "Authorization",
        "Cookie",
        "Set-Cookie",
        "Location",
        "X-Note",
        "Content-Type",
    ];
    const PATHS: &[&str] = &[
        "/identity/v3/auth/tokens",
        "/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01",
        "/v1/secrets/5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01/payload",
        "/openstack/2013-04-04/password",
        "/v2.0/tokens/",
        "/x?",
        "/",
    ];
    let url = format!("http://h{}{}", rng.pick(PATHS), rng.text(6));
    let names: Vec<&str> = (0..rng.below(4)).map(|_| rng.pick(HEADERS)).collect();
    let values: Vec<String> = names
        .iter()
        .map(|n| match *n {
            "Content-Type" => rng
                .pick(&[
                    "application/json",
                    "text/plain",
                    "multipart/form-data; boundary=b",
                ])
                .to_string(),
            "Authorization" => format!(
                "{} {}",
                rng.pick(&["Basic", "Bearer", "Digest"]),
                rng.pick(&[
                    "ZGVtbzpyYW5kb20tcGFzcy0wMDAx",
                    "bearer-token-0123456789abcdef",
                    "x"
                ])
            ),
            _ => rng.text(8),
        })
        .collect();
    let headers: Vec<(&str, &str)> = names
        .iter()
        .copied()
        .zip(values.iter().map(String::as_str))
        .collect();
    let mut body = match rng.below(3) {
        0 => rng.text(40),
        1 => serde_json::to_string(&rng.json(3)).unwrap_or_default(),
        _ => serde_json::to_string_pretty(&rng.json(3)).unwrap_or_default(),
    };
    if rng.below(4) == 0 {
        // A key that only squashes to one holding `token`.
        body = body.replace("token", "to_ken").replace("Token", "T.oken");
    }
    let method = rng.pick(&["GET", "PUT", "POST"]);
    if rng.below(2) == 0 {
        Record::test_request("openstack", "svc", method, &url, &headers, &body)
    } else {
        Record::test_response("openstack", "svc", method, &url, "200 OK", &headers, &body)
    }
}

#[test]
fn found_merges_in_piece_order_like_one_pass() {
    let mut rng = Rng(0x0bad_cafe_f00d_d00d);
    for _ in 0..50 {
        let recs: Vec<Record> = (0..rng.below(40))
            .map(|_| random_record(&mut rng))
            .collect();
        let mut whole = Found::default();
        for r in &recs {
            rules().find(r, &mut whole);
        }
        // Cut into pieces at random places, each found on its own.
        let mut pieces: Vec<Found> = Vec::new();
        let mut at = 0;
        while at < recs.len() {
            let n = 1 + rng.below(8);
            let mut f = Found::default();
            for r in recs.iter().skip(at).take(n) {
                rules().find(r, &mut f);
            }
            pieces.push(f);
            at += n;
        }
        let mut merged = Found::default();
        for p in pieces {
            merged.merge(p);
        }
        assert_eq!(listed(&merged), listed(&whole));
    }
}

#[test]
fn a_token_id_under_a_key_spelled_apart() {
    // No line names a secret key, yet `to_ken` squashes to one holding
    // `token`: its `id` is a token in a JSON body, as before.
    let json_body = r#"{"to_ken": {"id": "abcdefabcdef0123456789"}}"#;
    let out = both(&[record("http://h/", &[], json_body)]);
    assert_eq!(
        lines(&out[0]),
        vec![format!(
            r#"{{"to_ken": {{"id": "{}"}}}}"#,
            hash_name("abcdefabcdef0123456789")
        )]
    );
    // A cut-off document is text: no line looks like anything, it stays.
    let cut = r#"{"to_ken": {"id": "abcdefabcdef0123456789"}"#;
    let out = both(&[record("http://h/", &[], cut)]);
    assert_eq!(lines(&out[0]), vec![cut]);
}

#[test]
fn what_a_variable_must_not_hold() {
    let recs = [record(
        "http://h/identity/v3/auth/tokens",
        &[("X-Subject-Token", "gAAAAAB-issued-0123456789")],
        r#"{"password": "hunted-pw-0001", "id": "5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01"}"#,
    )];
    let mut found = Found::default();
    rules().find(&recs[0], &mut found);
    assert!(found.is_secret("gAAAAAB-issued-0123456789"));
    assert!(found.is_secret("hunted-pw-0001"));
    assert!(!found.is_secret("5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01"));
    let r = Rules::new(&[], &[], &["AUTH_[0-9a-f]{8}".into()]).unwrap();
    let hunter = Hunter::new(&r, &found, &hash_name);
    assert!(hunter.hides("AUTH_0123abcd4567ef"));
    assert!(hunter.hides("x-hunted-pw-0001-y"));
    assert!(!hunter.hides("5a9c4bde-0d3e-4d49-8a58-1b4f8a8e0e01"));
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let rec = record(
        "http://h/",
        &[("X-Auth-Token", "gAAAAAB-debug-0123456789")],
        r#"{"password": "debug-pw-0001"}"#,
    );
    let mut found = Found::default();
    rules().find(&rec, &mut found);
    let hunter = Hunter::new(rules(), &found, &hash_name);
    let shown = format!("{found:?} {hunter:?}");
    assert_gone(&shown, &["gAAAAAB-debug-0123456789", "debug-pw-0001"]);
}

#[test]
fn text_without_a_hunter_gets_the_positional_rules() {
    assert_eq!(
        rules().text("login with password=x failed", &Hunter::none()),
        "login with password=*** failed"
    );
    // What the text itself gives away is hunted in it too.
    assert_eq!(
        rules().text("password=own-pw-0001, again own-pw-0001", &Hunter::none()),
        "password=***, again ***"
    );
}

#[test]
fn marks_skip_only_what_changes_nothing() {
    let mut rng = Rng(0x3141_5926_5358_9793);
    for _ in 0..50 {
        let recs: Vec<Record> = (0..1 + rng.below(20))
            .map(|_| random_record(&mut rng))
            .collect();
        let mut found = Found::default();
        let marks: Vec<Marks> = recs.iter().map(|r| rules().find(r, &mut found)).collect();
        let hunter = Hunter::new(rules(), &found, &hash_name);
        for (i, r) in recs.iter().enumerate() {
            let whole = rules().redact(r, &hunter);
            assert_eq!(rules().redact_marked(r, &hunter, marks[i]), whole);
            // Another record's marks are not trusted.
            let other = marks[(i + 1) % marks.len()];
            assert_eq!(rules().redact_marked(r, &hunter, other), whole);
        }
    }
    // A plain record needs nothing but the hunt.
    let plain = parsed("### (a) REQ >>> (b) : GET http://h/x\nAccept: */*\n\n{\"a\": 1}\n");
    let marks = rules().find(&plain[0], &mut Found::default());
    assert!(marks.is_empty());
    let secret = record("http://h/x?password=marked-pw-0001", &[], "none");
    let marks = rules().find(&secret, &mut Found::default());
    assert!(!marks.is_empty());
    // The marks of a plain record, given for one with secrets: ignored.
    let shown = rules().redact_marked(
        &secret,
        &Hunter::none(),
        rules().find(&plain[0], &mut Found::default()),
    );
    assert_eq!(shown.url, "http://h/x?password=***");
}

#[test]
fn shared_by_every_thread() {
    fn shared<T: Send + Sync>() {}
    shared::<Rules>();
    shared::<Hunter>();
    shared::<Found>();
    shared::<Marks>();
}

#[test]
fn header_values_remembered_as_plain_are_read_again_by_other_rules() {
    let r = record(
        "http://h/v3/things",
        &[("X-Note", "ticket=abcdefgh1234")],
        "",
    );
    let mut found = Found::default();
    // Twice with the built-in rules: the second look comes from the memo.
    for _ in 0..2 {
        assert!(rules().find(&r, &mut found).is_empty());
    }
    let strict = Rules::new(&[], &["ticket".into()], &[]).unwrap();
    for _ in 0..2 {
        assert!(
            !strict.find(&r, &mut found).is_empty(),
            "the user's key is a secret"
        );
    }
    assert!(rules().find(&r, &mut found).is_empty());
}
