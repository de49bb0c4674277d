//! The reference output: the seed capture, rendered without redaction and
//! in requestshook's plain style (`step_numbers = false`), must give
//! `../shared/spec/seed-body.md` byte for byte.

use crate::common::{first_difference, shared, tracedoc};

#[test]
fn seed_body_is_byte_identical() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is absent (the seed and its expected body.md live there)");
        return;
    };
    let capture = shared.join("captures/openstack/image/create-seed");
    let expected = std::fs::read(shared.join("spec/seed-body.md")).expect("spec/seed-body.md");
    let out = tempfile::tempdir().unwrap();
    let config = out.path().join("plain.toml");
    std::fs::write(&config, "step_numbers = false\n").unwrap();
    let pages = out.path().join("pages");
    let output = tracedoc()
        .arg("render")
        .arg(&capture)
        .arg("-o")
        .arg(&pages)
        .arg("--config")
        .arg(&config)
        .arg("--no-redact")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "tracedoc failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let actual = std::fs::read(pages.join("body.md")).expect("body.md was written");
    if actual != expected {
        panic!(
            "body.md differs from spec/seed-body.md ({} bytes vs {} expected)\n{}",
            actual.len(),
            expected.len(),
            first_difference(
                &String::from_utf8_lossy(&expected),
                &String::from_utf8_lossy(&actual)
            )
        );
    }
}
