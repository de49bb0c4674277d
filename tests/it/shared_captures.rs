//! Every real capture under `../shared/captures` renders cleanly: exit 0, no
//! warning, and body.md has one `###` section per record, in log order.
//! Nothing rendered here is kept (the real captures stay out of the project).

use std::path::PathBuf;

use crate::common::{assert_one_section_per_record, shared, stderr, tracedoc};

fn shared_logs() -> Option<Vec<PathBuf>> {
    let dir = shared()?.join("captures");
    let mut logs: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name() == "requestshook.log")
        .map(|e| e.into_path())
        .collect();
    logs.sort();
    assert!(
        !logs.is_empty(),
        "no requestshook.log under {}",
        dir.display()
    );
    Some(logs)
}

#[test]
fn every_shared_capture_renders_without_warnings() {
    let Some(logs) = shared_logs() else {
        eprintln!("skipped: ../shared is absent");
        return;
    };
    for log in &logs {
        let out = tempfile::tempdir().unwrap();
        let output = tracedoc()
            .arg("render")
            .arg(log)
            .arg("-o")
            .arg(out.path())
            .output()
            .unwrap();
        let err = stderr(&output);
        assert!(
            output.status.success(),
            "{}: exit {}\n{err}",
            log.display(),
            output.status
        );
        let warnings: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("warning") || l.starts_with("error"))
            .collect();
        assert!(
            warnings.is_empty(),
            "{}: unexpected warnings:\n{}",
            log.display(),
            warnings.join("\n")
        );
        let body = std::fs::read_to_string(out.path().join("body.md")).unwrap();
        assert_one_section_per_record(&body, log);
    }
}
