//! Secrets never reach the output.
//!
//! The synthetic captures in `tests/secrets/` plant a secret in every place
//! redaction has to reach. Each is run through every command that prints
//! something about a capture (`render` into a temp folder, `render
//! --context`, `graph --format json` and `--format dot`), and every file
//! written, standard output and standard error (the warnings) is searched
//! for every planted byte string. The real captures in `../shared` are
//! checked for their password and tokens (rendered into temp folders,
//! never kept).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::{root, shared, stderr, stdout, tracedoc};

/// Every secret planted in `tests/secrets/**`. All but the Basic
/// credentials (base64 of `demo:PlantedBasicCreds`), the barbican payload
/// number, the TOTP passcode and the hex values (`5ec0de...`, which look like
/// generated ids on purpose: they used to become variables) contain
/// `Planted`, and no non-secret does: [`no_output_says_planted`] catches a
/// planted value this list forgot.
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
    // openstack.log: service by service
    "gAAAAABtok6PlantedOpenstackToken_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-6666",
    "5ec0de01-7a11-4c0e-9d1e-c0ffee000001",
    "5ec0de02-7a11-4c0e-9d1e-c0ffee000002",
    "5ec0de03-7a11-4c0e-9d1e-c0ffee000003",
    "5ec0de04-7a11-4c0e-9d1e-c0ffee000004",
    "PlantedVpnPsk1",
    "PlantedMfaPw2",
    "842091",
    "PlantedAuthReceipt_bbbbbbbbbbbbbbbbbbbbbbbb-0002",
    "PlantedAppCredSecret3",
    "gAAAAABtok7PlantedAppCredToken_cccccccccccccccccccccccccccccccccccc-7777",
    "PlantedEc2BlobSecret4",
    "PlantedEc2Signature5",
    "PlantedOauthClientSecret6",
    "PlantedOauthAccessToken_dddddddddddddddddddddd-0006",
    "PlantedBarbicanJson7",
    "PlantedBarbicanPut8",
    "PlantedBarbicanPut8b",
    "PlantedBarbicanPayload9",
    "PlantedBarbicanOctet10",
    "5ec0de09c0ffee09c0ffee09c0ffee09c0ffee09",
    "PlantedFormPostSig11",
    "5ec0de05c0ffee05c0ffee05c0ffee05c0ffee05",
    "5ec0de0ac0ffee0ac0ffee0ac0ffee0ac0ffee0a",
    "PlantedTransferKey12",
    "PlantedCephxKey13",
    "PlantedManilaAdPw14",
    "PlantedTrovePw15",
    "PlantedTroveRoot16",
    "MIIEPlantedPemBody17",
    "MIIEPlantedPemBody17b",
    "PlantedHeartbeat18",
    "PlantedWebDownloadPw19",
    "PlantedIpmiPw20",
    "PlantedSnmpKey21",
    "PlantedTsigSecret22",
    "PlantedHeatParamPw23",
    "PlantedHeatSig24",
    "PlantedHeatDefaultPw58",
    "PlantedNameValuePw59",
    // har.har: HAR's own places (the base64 bodies' secrets are planted
    // encoded, so only `no_output_says_planted` can see them decoded)
    "pw-Planted-Har-1",
    "gAAAAABtok8PlantedHarToken_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-8888",
    "gAAAAABtok9PlantedHarServiceTok_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-9999",
    "PlantedHarCookieArr1",
    "PlantedHarCookieHdr2",
    "PlantedHarSetCookie3",
    "PlantedHarRespCookie4",
    "PlantedHarParamPw5",
    "PlantedHarFormPw6",
    "PlantedHarAdminPass8",
    "PlantedHarTempUrlSig10",
    "PlantedHarBearer11",
    // urls.log: URLs, header spellings, warnings
    "PlantedPreamblePw25",
    "PlantedHeadUrlPw26",
    "PlantedStorageUrlPw27",
    "PlantedLocationPw28",
    "PlantedContentLocToken_eeeeeeeeeeee-0028",
    "PlantedLinkKey29",
    "PlantedRefreshPw30",
    "PlantedFragmentToken_ffffffffffff-0031",
    "PlantedFragmentIdToken_gggggggggg-0032",
    "PlantedSemicolonPw33",
    "PlantedUnderscoreToken_hhhhhhhhhhhh-0034",
    "PlantedUnderscoreSubject_iiiiiiiii-0035",
    "PlantedUnderscorePass36",
    "PlantedUnderscoreKey37",
    "5ec0de06c0ffee06c0ffee06c0ffee06",
    "5ec0de07c0ffee07c0ffee07c0ffee07",
    "5ec0de08c0ffee08c0ffee08c0ffee08",
    "gAAAAABPlantedBadHeaderToken_jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj-0038",
    "PlantedBadHeadToken_kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk-0039",
    // escapes.log: \u escapes, escaped JSON in JSON, odd key spellings
    "PlantedEscKeyPw40",
    "gAAAAABtok8PlantedEscToken_llllllllllllllllllllllllllllllllllll-0041",
    "Planted\\u0045scValuePw42",
    "PlantedEscValuePw42",
    "gAAAAABPlanted\\u0045scTokenValue_mmmmmmmmmmmmmmmm-0043",
    "gAAAAABPlantedEscTokenValue_mmmmmmmmmmmmmmmm-0043",
    "gAAAAABtok9PlantedRescoped_nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn-0044",
    "PlantedNested3Pw45",
    "PlantedNested2Key46",
    "PlantedNestedEscPw47",
    "PlantedTextEscPw48",
    "PlantedTextUnderscoreToken_oooooooo-0049",
    "PlantedCamelKey50",
    "PlantedJsonUnderscoreToken_pppppppp-0051",
    "PlantedJsonCamelKey52",
    // hunted.log: a secret masked in one place, echoed elsewhere
    "PlantedCookieHunt53",
    "PlantedHuntedPw54",
    "PlantedHunted\\u0050w54",
    "Planted%48untedPw54",
    // filtered/ (omitted.md)
    "gAAAAABPlantedFilteredToken_qqqqqqqqqqqqqqqqqqqq-0055",
    "gAAAAABtok10PlantedGlanceSvcToken_rrrrrrrrrrrrrrrrrrrrr-0056",
    "PlantedFilteredQueryPw57",
    // debug.log (`openstack --debug` output)
    "PlantedDebugPw1",
    "PlantedDebugBearer2",
    "PlantedDebugStoragePass3",
    "PlantedDebugAppCredSecret4",
    "gAAAAABPlantedDebugSubject5_kkkkkkkkkkkkkkkkkk-1111",
    "PlantedDebugPw6",
    "PlantedDebugFormPw7",
    "PlantedDebugWarnTok8",
    "gAAAAABPlantedDebugClearToken_jjjjjjjjjjjjjjjjjjjj-1010",    // har-classes.har: every secret class of issue 7 item 8 in HAR's places (URL userinfo, `;` query, fragment, `_` header names, Basic proxy credentials, cookies as headers and arrays, `postData.params`, TOTP, psk, escaped JSON, EC2 blob, base64 bodies, a token path, a console URL)
    "PlantedHarcConsole25",
    "PlantedHarcCookie7",
    "PlantedHarcCookieArr13",
    "PlantedHarcCsrf8",
    "PlantedHarcEc2Secret20",
    "PlantedHarcFormText23",
    "PlantedHarcFrag4",
    "PlantedHarcLocation11",
    "PlantedHarcNested19",
    "PlantedHarcParam15",
    "PlantedHarcParam16",
    "PlantedHarcPasscode17",
    "PlantedHarcPsk18",
    "PlantedHarcQueryPw2",
    "PlantedHarcRespCookieArr14",
    "PlantedHarcSemiSig3",
    "PlantedHarcSetCookie10",
    "PlantedHarcUnderscoreTok5",
    "PlantedHarcUri21",
    "PlantedHarcUserinfo1",
    "gAAAAABPlantedHarcLowerTok9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "gAAAAABPlantedHarcPathTok24zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    "gAAAAABPlantedHarcSubject12yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
    "Ym9iOlBsYW50ZWRIYXJjUHJveHlQdzY=",
    // har-spellings.har: FormPost multipart, barbican payloads, percent-encoded and upper-case keys, `WWW-Authenticate`, a token quoted in a reason, text pairs and reprs, an entry that does not parse
    "PlantedHarsAmz7",
    "PlantedHarsBadEntry15",
    "PlantedHarsColon12",
    "PlantedHarsEq13",
    "PlantedHarsFormSig1",
    "PlantedHarsOwn10aaaaaaaaaaaaaaaaaaaaaa",
    "PlantedHarsPayload2",
    "PlantedHarsPctKey4",
    "PlantedHarsPlus6",
    "PlantedHarsPutPayload3",
    "PlantedHarsRepr14",
    "PlantedHarsShort8",
    "PlantedHarsSub11bbbbbbbbbbbbbbbbbbbbbb",
    "PlantedHarsUpper5",
    "PlantedHarsWww9",
    "PlantedHarsBareCookie16",
    // debug-classes.log: the same classes in `--debug` output: `START` and `Namespace` lines, curl `-H` lines (`_` names, Basic, Cookie, a token in the clear), `-d` bodies (TOTP, psk, escaped JSON, a form), urllib3's line, `RESP:` headers (userinfo, Set-Cookie, X-Subject-Token), `RESP BODY:`, keystoneauth's `call to` line, a curl line that does not parse
    "PlantedDbgcAccess26",
    "PlantedDbgcBadReq23",
    "PlantedDbgcBearer22",
    "PlantedDbgcCookie7",
    "PlantedDbgcEsc13",
    "PlantedDbgcForm24",
    "PlantedDbgcForm25",
    "PlantedDbgcFrag6",
    "PlantedDbgcLocation15",
    "PlantedDbgcNamespacePw2",
    "PlantedDbgcPasscode11",
    "PlantedDbgcPsk12",
    "PlantedDbgcQueryPw4",
    "PlantedDbgcRefresh27",
    "PlantedDbgcRespPw18",
    "PlantedDbgcSecret19",
    "PlantedDbgcSemi5",
    "PlantedDbgcSetCookie16",
    "PlantedDbgcSingleQuote21",
    "PlantedDbgcStartPw1",
    "PlantedDbgcUnderscore8",
    "PlantedDbgcUri20",
    "PlantedDbgcUrllibPw14",
    "PlantedDbgcUserinfo3",
    "gAAAAABPlantedDbgcClearTok10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "gAAAAABPlantedDbgcSubject17bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "dTpQbGFudGVkRGJnY1Byb3h5OQ==",
    // debug-spellings.log: a `-d` body over two lines (EC2 blob), swift temp URL keys and `X-Storage-Url` userinfo, a text body, an unanswered request's token, barbican `PUT` text/plain
    "PlantedDbgsBarbican12",
    "PlantedDbgsBlob1",
    "PlantedDbgsBlob3",
    "PlantedDbgsCallLine11",
    "PlantedDbgsNoRespTok10",
    "PlantedDbgsRespTok2",
    "PlantedDbgsStorPass4",
    "PlantedDbgsStorUrl7",
    "PlantedDbgsTempKey5",
    "PlantedDbgsTempKey6",
    "PlantedDbgsTextPw9",
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

/// Planted values the `--debug` reader masks as it reads them (token and
/// `Authorization` headers printed in the clear by an old client become
/// `{SHA256}<hex>`, as keystoneauth prints them): they never reach a
/// record, so not even `--no-redact` shows them.
const MASKED_ON_READ: &[&str] = &[
    "PlantedDebugBearer2",
    "gAAAAABPlantedDebugSubject5_kkkkkkkkkkkkkkkkkk-1111",
    "gAAAAABPlantedDebugClearToken_jjjjjjjjjjjjjjjjjjjj-1010",
    "PlantedDbgcBearer22",
    "PlantedDbgcSingleQuote21",
    "gAAAAABPlantedDbgcClearTok10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "gAAAAABPlantedDbgcSubject17bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "PlantedDbgsNoRespTok10",
    "PlantedDbgsRespTok2",
];

/// Planted in text no reader keeps, so not even `--no-redact` shows
/// them: the `--debug` client's own lines (`START with options`, the
/// options `Namespace`, urllib3's status line, keystoneauth's `call to
/// SERVICE for URL` line, which only names the service) and HAR entries
/// that do not parse (their warnings name the entry and the shape, not its
/// text: a bare cookie value has no key a rule could see).
const NEVER_READ: &[&str] = &[
    "PlantedHarsBareCookie16",
    "PlantedDbgcStartPw1",
    "PlantedDbgcNamespacePw2",
    "PlantedDbgcUrllibPw14",
    "PlantedDbgsCallLine11",
    "PlantedHarsBadEntry15",
];

/// Non-secrets beside the secrets, per capture: they must survive.
const NEIGHBOURS: &[(&str, &[&str])] = &[
    ("har.har", &["region=har-neighbour", "theme=***", "\"blob\": \"***\""]),
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
        "debug.log",
        &[
            "\"name\": \"bob-neighbour\"",
            "\"name\": \"appcred-neighbour\"",
            "X-Account-Meta-Owner: demo-user-7",
            "username=demo-user-7&password=",
            "&grant=1",
        ],
    ),
    (
        "user-rules/requestshook.log",
        &["\"name\": \"vm-neighbour\"", "/compute/v2.1/"],
    ),
    (
        "openstack.log",
        &[
            "\"type\": \"novnc\"",
            "http://192.0.2.10:6080/vnc_lite.html?path=%3Ftoken%3D",
            "&title=vm-neighbour",
            "\"host\": \"compute-neighbour\"",
            "\"name\": \"vpn-neighbour\"",
            "\"auth_mode\": \"psk\"",
            "\"peer_address\": \"203.0.113.5\"",
            "\"name\": \"mfa-neighbour\"",
            "\"name\": \"appcred-neighbour\"",
            "\"access\": \"ec2-access-neighbour\"",
            "\"AWSAccessKeyId\": \"ec2-access-neighbour\"",
            "\"SignatureMethod\": \"HmacSHA256\"",
            "client_id=oauth-neighbour",
            "\"token_type\": \"Bearer\"",
            "\"name\": \"secret-neighbour\"",
            "\"payload_content_type\": \"text/plain\"",
            "\"secret_type\": \"opaque\"",
            "\"secret_ref\": \"http://192.0.2.10/key-manager/v1/secrets/e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9\"",
            "name=\"max_file_size\"",
            "104857600",
            "formpost file body neighbour",
            "filename=report-neighbour.pdf;temp_url_sig=***;temp_url_expires=1700000000",
            "\"name\": \"transfer-neighbour\"",
            "\"access_to\": \"alice-neighbour\"",
            "\"user\": \"ad-neighbour\"",
            "\"name\": \"trove-neighbour\"",
            "MIICcertNeighbour",
            "-----BEGIN PRIVATE KEY-----",
            "https://webuser-neighbour:***@images.example.com/cirros.img",
            "\"ipmi_username\": \"ipmi-neighbour\"",
            "\"name\": \"tsig-neighbour\"",
            "\"flavor\": \"m1.neighbour\"",
            "AWSAccessKeyId=heat-access-neighbour",
            "SignatureMethod=HmacSHA256",
            "\"default\": \"cirros-neighbour\"",
            "\"value\": \"m1.neighbour2\"",
        ],
    ),
    (
        "urls.log",
        &[
            "swiftuser-neighbour:***@192.0.2.10:8080",
            "https://locuser-neighbour:***@192.0.2.10/v1/x",
            "marker=m1;api_key=***",
            "&state=state-neighbour",
            "&session_state=session-neighbour",
            "limit=5;password=***;sort_key=name-neighbour",
            "X_Auth_User: underscore-user-neighbour",
            "\"name\": \"image-neighbour\"",
            "/identity/v3/auth/tokens/",
        ],
    ),
    (
        "escapes.log",
        &[
            "\"name\": \"esc-neighbour\"",
            "caf\\u00e9-neighbour",
            "db3-neighbour",
            "meta-neighbour",
            "esc-meta-neighbour",
            "text-esc-neighbour",
            "\"title\": \"bad-request-neighbour\"",
        ],
    ),
    (
        "hunted.log",
        &["\"name\": \"hunt-neighbour\"", "theme=***", "rejected for hunt-neighbour"],
    ),
    (
        "filtered/requestshook.log",
        &["filtered-neighbour", "glance-api -> keystone: GET /identity/v3/users"],
    ),
];

/// The synthetic captures: `tests/secrets/*.log`, `tests/secrets/*.har` and
/// `tests/secrets/*/requestshook.log`.
fn secret_logs() -> Vec<PathBuf> {
    let dir = root().join("tests").join("secrets");
    let mut logs: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
        .max_depth(2)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file()
                && e.path()
                    .extension()
                    .is_some_and(|x| x == "log" || x == "har")
        })
        .map(|e| e.into_path())
        .collect();
    logs.sort();
    assert!(logs.len() >= 10, "too few captures in {}", dir.display());
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

/// Everything the commands print or write about one capture, as
/// (where, text): every file `render` writes, and the standard output and
/// error (warnings) of `render`, `render --context`, `graph --format json`,
/// `graph --format dot`, and `diff` against another capture and against
/// itself (both sides' calls are printed).
fn every_output(input: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let out = tempfile::tempdir().unwrap();
    let mut all = Vec::new();
    let runs: [(&str, Vec<&std::ffi::OsStr>); 4] = [
        (
            "render",
            vec!["render".as_ref(), "-o".as_ref(), out.path().as_os_str()],
        ),
        (
            "render --context",
            vec!["render".as_ref(), "--context".as_ref()],
        ),
        (
            "graph --format json",
            vec!["graph".as_ref(), "--format".as_ref(), "json".as_ref()],
        ),
        (
            "graph --format dot",
            vec!["graph".as_ref(), "--format".as_ref(), "dot".as_ref()],
        ),
    ];
    for (what, args) in runs {
        let output = tracedoc()
            .args(args)
            .arg(input)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{what} {}: exit {}\n{}",
            input.display(),
            output.status,
            stderr(&output)
        );
        all.push((format!("{what}: stdout"), stdout(&output)));
        all.push((format!("{what}: stderr"), stderr(&output)));
    }
    let other = root().join("samples/openstack/image/list/requestshook.log");
    for (what, a, b) in [
        ("diff other", other.as_path(), input),
        ("diff self", input, input),
    ] {
        let output = tracedoc()
            .arg("diff")
            .arg(a)
            .arg(b)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{what} {}: exit {}\n{}",
            input.display(),
            output.status,
            stderr(&output)
        );
        all.push((format!("{what}: stdout"), stdout(&output)));
        all.push((format!("{what}: stderr"), stderr(&output)));
    }
    for (path, text) in files_under(out.path()) {
        let name = path
            .strip_prefix(out.path())
            .unwrap_or(&path)
            .display()
            .to_string();
        all.push((format!("render: {name}"), text));
    }
    all
}

/// Panics naming every (output, string) pair where a string was found.
fn assert_absent_from(outputs: &[(String, String)], what: &[&str], context: &str) {
    let mut leaks = Vec::new();
    for (place, text) in outputs {
        for s in what {
            if text.contains(s) {
                leaks.push(format!("  {s:?} in {place}"));
            }
        }
    }
    assert!(leaks.is_empty(), "{context}: leaked\n{}", leaks.join("\n"));
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
        let outputs = every_output(&log, &[]);
        assert_absent_from(&outputs, PLANTED, &log_name(&log));
    }
}

#[test]
fn no_output_says_planted() {
    for log in secret_logs() {
        let outputs = every_output(&log, &[]);
        assert_absent_from(&outputs, &["Planted", "planted", "5ec0de"], &log_name(&log));
    }
}

#[test]
fn build_over_the_whole_corpus_leaks_nothing() {
    // Each capture in its own folder (with its tracedoc.toml, if any), the
    // way `build` finds captures; the traces too. The home page, the API
    // coverage page, the manifests and stamps (`.tracedoc-*`) are searched
    // with the pages, and so is what `build --check --diff` prints about
    // pages built in another language (every page differs).
    let tree = tempfile::tempdir().unwrap();
    let dir = root().join("tests").join("secrets");
    let traces: Vec<PathBuf> = std::fs::read_dir(dir.join("traces"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "jsonl"))
        .collect();
    assert!(traces.len() >= 8, "{traces:?}");
    for trace in &traces {
        let name = log_name(trace).replace(['/', '.'], "-");
        let to = tree.path().join(&name);
        std::fs::create_dir_all(&to).unwrap();
        std::fs::copy(trace, to.join(trace.file_name().unwrap())).unwrap();
    }
    for log in secret_logs() {
        let name = log_name(&log).replace(['/', '.'], "-");
        let to = tree.path().join(&name);
        std::fs::create_dir_all(&to).unwrap();
        std::fs::copy(&log, to.join("requestshook.log")).unwrap();
        let toml = log.with_file_name("tracedoc.toml");
        if toml.is_file() && log.parent() != Some(dir.as_path()) {
            std::fs::copy(&toml, to.join("tracedoc.toml")).unwrap();
        }
    }
    let site = tempfile::tempdir().unwrap();
    let build = |extra: &[&str]| {
        tracedoc()
            .arg("build")
            .arg(tree.path())
            .arg("-o")
            .arg(site.path())
            .args(extra)
            .output()
            .unwrap()
    };
    let output = build(&["--lang", "en"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let check = build(&["--lang", "ko", "--check", "--diff"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(stdout(&check).contains("+++ "), "no diff printed");
    let mut outputs = vec![
        ("build: stdout".to_string(), stdout(&output)),
        ("build: stderr".to_string(), stderr(&output)),
        ("build --check --diff: stdout".to_string(), stdout(&check)),
        ("build --check --diff: stderr".to_string(), stderr(&check)),
    ];
    for (path, text) in files_under(site.path()) {
        outputs.push((path.display().to_string(), text));
    }
    for page in ["index.md", "api-coverage.md", ".tracedoc-manifest"] {
        assert!(
            outputs.iter().any(|(p, _)| p.ends_with(page)),
            "build wrote no {page}"
        );
    }
    assert_absent_from(&outputs, PLANTED, "build");
    assert_absent_from(&outputs, &["Planted", "5ec0de"], "build");
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
        all.extend(
            every_output(&log, &["--no-redact"])
                .into_iter()
                .map(|(_, t)| t),
        );
    }
    for s in PLANTED
        .iter()
        .filter(|s| !MASKED_ON_READ.contains(s) && !NEVER_READ.contains(s))
    {
        assert!(all.contains(s), "{s:?} missing with --no-redact");
    }
}

#[test]
fn debug_output_tokens_in_the_clear_are_masked_as_read() {
    use sha2::Digest;
    let log = root().join("tests/secrets/debug.log");
    let outputs = every_output(&log, &["--no-redact"]);
    assert_absent_from(&outputs, MASKED_ON_READ, "debug.log --no-redact");
    let all: String = outputs.into_iter().map(|(_, t)| t).collect();
    let token = "gAAAAABPlantedDebugClearToken_jjjjjjjjjjjjjjjjjjjj-1010";
    let hex: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        all.contains(&format!("{{SHA256}}{hex}")),
        "the clear token is shown masked as keystoneauth masks it"
    );
}

#[test]
fn pages_read_back_leak_nothing() {
    // Every planted capture rendered without redaction is a published
    // body.md full of secrets; read back, it must be redacted like any
    // capture.
    for log in secret_logs() {
        let page = render(&log, &["--no-redact"]);
        // Beside the capture's own tracedoc.toml, whose rules still apply.
        let dir = tempfile::tempdir().unwrap();
        let body = dir.path().join("body.md");
        std::fs::copy(page.path().join("body.md"), &body).unwrap();
        let config = log.with_file_name("tracedoc.toml");
        if config.is_file() {
            std::fs::copy(&config, dir.path().join("tracedoc.toml")).unwrap();
        }
        let outputs = every_output(&body, &[]);
        assert_absent_from(&outputs, PLANTED, &format!("{} read back", log_name(&log)));
        assert_absent_from(
            &outputs,
            &["Planted", "planted", "5ec0de"],
            &format!("{} read back", log_name(&log)),
        );
    }
}

#[test]
fn warnings_are_redacted_but_still_said() {
    let log = root().join("tests/secrets/urls.log");
    let said = [
        "text before the first record is ignored",
        "/identity/v2.0/tokens/",
        "never got a response",
        "header line without `: `",
        "head line does not parse",
    ];
    let run = |extra: &[&str]| {
        let output = tracedoc()
            .arg("render")
            .arg(&log)
            .arg("--context")
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    };
    let err = run(&[]);
    for s in said {
        assert!(err.contains(s), "no warning says {s:?}:\n{err}");
    }
    for s in PLANTED {
        assert!(!err.contains(s), "{s:?} in a warning:\n{err}");
    }
    // The token cut off at 80 characters in the quoted header line is
    // replaced before the cut, so not even its start is left.
    assert!(!err.contains("gAAAAABPlanted"), "{err}");
    // Without redaction the same warnings quote the secrets.
    let raw = run(&["--no-redact"]);
    assert!(raw.contains("PlantedPreamblePw25"), "{raw}");
    assert!(raw.contains("5ec0de07c0ffee07c0ffee07c0ffee07"), "{raw}");
}

#[test]
fn graph_paths_and_urls_are_redacted() {
    let dir = root().join("tests").join("secrets");
    for (log, secret) in [
        (
            "bodies.log",
            "PlantedNovaToken_hhhhhhhhhhhhhhhhhhhhhhhh-8888",
        ),
        ("urls.log", "5ec0de07c0ffee07c0ffee07c0ffee07"),
        ("user-rules/requestshook.log", "acct-314159"),
        ("openstack.log", "5ec0de04-7a11-4c0e-9d1e-c0ffee000004"),
    ] {
        for format in ["json", "dot"] {
            let run = |extra: &[&str]| {
                let output = tracedoc()
                    .args(["graph", "--quiet", "--format", format])
                    .arg(dir.join(log))
                    .args(extra)
                    .output()
                    .unwrap();
                assert!(output.status.success(), "{}", stderr(&output));
                stdout(&output)
            };
            let shown = run(&[]);
            assert!(
                !shown.contains(secret),
                "{log} {format}: {secret} in\n{shown}"
            );
            // Without redaction the value is there: in the JSON as
            // captured; in DOT as captured or, when it is a generated id,
            // as the variable the diagram names it by.
            let raw = run(&["--no-redact"]);
            assert!(
                raw.contains(secret)
                    || (format == "dot" && raw.contains("/{") && !raw.contains("/{}")),
                "{log} {format}: {secret} is not in the graph at all:\n{raw}"
            );
            if format == "json" {
                let doc: serde_json::Value = serde_json::from_str(&shown).unwrap();
                assert!(doc["exchanges"].as_array().is_some_and(|e| !e.is_empty()));
            }
        }
    }
}

#[test]
fn variables_never_hold_a_redacted_value() {
    let dir = root().join("tests").join("secrets");
    // Values that look generated, in positions that make variables: a
    // console token in a path, a temp URL signature and a keystone UUID
    // token in queries, a token in a v2.0 validation path.
    let hex = [
        "5ec0de04-7a11-4c0e-9d1e-c0ffee000004",
        "5ec0de05c0ffee05c0ffee05c0ffee05c0ffee05",
        "5ec0de0ac0ffee0ac0ffee0ac0ffee0ac0ffee0a",
        "5ec0de06c0ffee06c0ffee06c0ffee06",
        "5ec0de07c0ffee07c0ffee07c0ffee07",
    ];
    let mut raw = String::new();
    for log in ["openstack.log", "urls.log"] {
        let out = render(&dir.join(log), &[]);
        let vars = std::fs::read_to_string(out.path().join("variables.md")).unwrap();
        assert!(
            vars.contains("{account}"),
            "{log}: no variables at all:\n{vars}"
        );
        for h in hex {
            assert!(!vars.contains(h), "{log}: {h} is a variable:\n{vars}");
        }
        raw += &std::fs::read_to_string(
            render(&dir.join(log), &["--no-redact"])
                .path()
                .join("variables.md"),
        )
        .unwrap();
    }
    // Unredacted, they do become variables: the check above can fail.
    for h in [hex[0], hex[2], hex[3]] {
        assert!(
            raw.contains(h),
            "{h} is no variable even unredacted:\n{raw}"
        );
    }
    // A token is shown by its token name, in the diagram too.
    let out = render(&dir.join("urls.log"), &[]);
    let diagram = std::fs::read_to_string(out.path().join("diagram.md")).unwrap();
    assert!(diagram.contains("?token=token-"), "{diagram}");
}

#[test]
fn omitted_calls_are_listed_redacted() {
    let out = render(&root().join("tests/secrets/filtered"), &[]);
    let omitted = std::fs::read_to_string(out.path().join("omitted.md")).unwrap();
    assert!(
        omitted.contains("glance-api -> keystone: GET /identity/v2.0/tokens/"),
        "{omitted}"
    );
    for s in PLANTED {
        assert!(!omitted.contains(s), "{s:?} in omitted.md:\n{omitted}");
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
    use tracedoc::redact::{Found, Hunter, Rules};

    let token = "PlantedUnnamedToken_kkkkkkkkkkkkkkkk";
    let text = format!(
        "\n### (openstack) REQ >>> (nova-api) : GET http://192.0.2.10/compute/v2.1/servers\nX-Auth-Token: {token}\nX-Requestshook-Request-Id: 50000000000000000000000000000001\n\nnone\n\n"
    );
    let capture =
        tracedoc::input::Capture::from_vec(Path::new("t.log"), text.into_bytes(), None).unwrap();
    let (records, _) = capture.read_all().unwrap();
    let hex: String = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let expected = format!("{{SHA256}}{}", &hex[..12]);

    let rules = Rules::new(&[], &[], &[]).unwrap();
    let mut found = Found::default();
    rules.find(&records[0], &mut found);
    let unnamed = Hunter::new(&rules, &found, &tracedoc::redact::hash_name);
    let out = rules.redact(&records[0], &unnamed);
    assert_eq!(out.header("X-Auth-Token"), Some(expected.as_str()));

    let named = |v: &str| {
        if v == token {
            "token-9".to_string()
        } else {
            tracedoc::redact::hash_name(v)
        }
    };
    let hunter = Hunter::new(&rules, &found, &named);
    let out = rules.redact(&records[0], &hunter);
    assert_eq!(out.header("X-Auth-Token"), Some("token-9"));
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

/// notes.md is the owner's Markdown, but a note that quotes the raw log
/// (a token header, the capture's password in a URL or a body, a token in
/// a heading) must not publish what the rest of the page hides: the
/// capture's secrets are replaced as on the page (a token by its name), in
/// body.md, in the orphaned notes and in the warning that quotes an
/// orphan's heading. The owner's own prose is left alone.
#[test]
fn notes_quoting_secrets_are_redacted() {
    let log = std::fs::read_to_string(root().join("samples/openstack/image/list/requestshook.log"))
        .unwrap();
    let token = log
        .lines()
        .find_map(|l| l.strip_prefix("X-Auth-Token: "))
        .unwrap()
        .trim()
        .to_string();
    let password = log
        .split("\"password\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requestshook.log"), &log).unwrap();
    std::fs::write(
        dir.path().join("notes.md"),
        format!(
            "## GET /v2/images\n\n\
             glance got `X-Auth-Token: {token}` and\n\
             GET /v2/x?pw={password} was sent with\n\
             ```\n{{\"auth\": {{\"secret\": \"{password}\"}}}}\n```\n\n\
             X-Subject-Token: the token glance got in step 9\n\n\
             ## GET /identity/v3/auth/tokens/{token} response\n\n\
             an orphan quoting {token}\n"
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = tracedoc()
        .arg("render")
        .arg(dir.path())
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    let mut outputs = vec![
        ("render: stdout".to_string(), stdout(&run)),
        ("render: stderr".to_string(), stderr(&run)),
    ];
    for (path, text) in files_under(out.path()) {
        outputs.push((path.display().to_string(), text));
    }
    assert_absent_from(&outputs, &[&token, &password], "notes.md");
    let body = std::fs::read_to_string(out.path().join("body.md")).unwrap();
    assert!(
        body.contains("glance got `X-Auth-Token: token-1` and"),
        "{body}"
    );
    assert!(
        body.contains("X-Subject-Token: the token glance got in step 9"),
        "{body}"
    );
    assert!(body.contains("an orphan quoting token-1"), "{body}");
    assert!(stderr(&run).contains("notes.md:"), "{}", stderr(&run));
}
