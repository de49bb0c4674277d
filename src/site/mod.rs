//! Writing output: atomically, only when changed, never over hand edits.
//!
//! Every file is written to a temporary file in the same folder and renamed
//! into place, so an interrupted run leaves the old output whole. A file
//! whose content is already right is not touched (its mtime stays, so
//! `mkdocs serve` does not rebuild). tracedoc records what it wrote in
//! `.tracedoc-manifest` (one `sha256  name` line per file); a file that no
//! longer has the recorded hash was edited by hand and is not overwritten
//! unless `--force` is given. All checks happen before the first write.

pub mod nav;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The manifest file name in an output folder.
pub const MANIFEST: &str = ".tracedoc-manifest";

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

fn digest(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(bytes);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn read_manifest(dir: &Path) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) else {
        return BTreeMap::new();
    };
    text.lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(h, n)| (n.to_string(), h.to_string()))
        .collect()
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // A temporary file is private (0600) and the rename would keep that:
    // give the result the mode of the file it replaces, or 0644, so a docs
    // build or web server running as another user can read it.
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tracedoc-").suffix(".tmp");
    #[cfg(unix)]
    let permissions = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644))
    };
    #[cfg(unix)]
    builder.permissions(permissions);
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::write(path, e))?;
    tmp.write_all(bytes).map_err(|e| Error::write(path, e))?;
    // No fsync: the rename alone keeps an interrupted run from leaving a
    // half-written file, and generated docs can be rebuilt after a power cut.
    tmp.persist(path).map_err(|e| Error::write(path, e.error))?;
    Ok(())
}

/// Writes a set of files into `dir` (created if needed).
///
/// Refuses, before writing anything, when a file exists that tracedoc did not
/// write or that changed since, unless `force`.
pub fn write_files(
    dir: &Path,
    files: &[(String, String)],
    force: bool,
) -> Result<Vec<(PathBuf, Outcome)>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let mut manifest = read_manifest(dir);
    let mut plan = Vec::with_capacity(files.len());
    for (name, content) in files {
        let path = dir.join(name);
        let outcome = match std::fs::read(&path) {
            Ok(existing) if existing == content.as_bytes() => Outcome::Unchanged,
            Ok(existing) => {
                let ours = manifest.get(name).is_some_and(|h| *h == digest(&existing));
                if !ours && !force {
                    return Err(Error::HandEdited { path });
                }
                Outcome::Updated
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::Created,
            Err(e) => return Err(Error::read(&path, e)),
        };
        plan.push((path, content, outcome));
    }
    let mut done = Vec::with_capacity(plan.len());
    let mut manifest_changed = false;
    let mut failure = None;
    for (path, content, outcome) in plan {
        if outcome != Outcome::Unchanged {
            if let Err(e) = write_atomic(&path, content.as_bytes()) {
                failure = Some(e);
                break;
            }
        }
        // Recorded only once written: a run that fails half way still
        // leaves a manifest that knows every file it did replace.
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let hash = digest(content.as_bytes());
        if manifest.get(&name) != Some(&hash) {
            manifest.insert(name, hash);
            manifest_changed = true;
        }
        done.push((path, outcome));
    }
    if manifest_changed {
        let text: String = manifest
            .iter()
            .map(|(n, h)| format!("{h}  {n}\n"))
            .collect();
        write_atomic(&dir.join(MANIFEST), text.as_bytes())?;
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(done),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_only_changes_and_protects_hand_edits() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![("a.md".to_string(), "one\n".to_string())];
        let r = write_files(dir.path(), &files, false).unwrap();
        assert_eq!(r[0].1, Outcome::Created);
        let r = write_files(dir.path(), &files, false).unwrap();
        assert_eq!(r[0].1, Outcome::Unchanged);
        let files2 = vec![("a.md".to_string(), "two\n".to_string())];
        let r = write_files(dir.path(), &files2, false).unwrap();
        assert_eq!(r[0].1, Outcome::Updated);
        std::fs::write(dir.path().join("a.md"), "hand edit\n").unwrap();
        let err = write_files(dir.path(), &files, false).unwrap_err();
        assert!(matches!(err, Error::HandEdited { .. }));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.md")).unwrap(),
            "hand edit\n"
        );
        write_files(dir.path(), &files, true).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.md")).unwrap(),
            "one\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let files = vec![("a.md".to_string(), "one\n".to_string())];
        write_files(dir.path(), &files, false).unwrap();
        let mode = std::fs::metadata(dir.path().join("a.md"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
        // A mode someone chose survives an update.
        std::fs::set_permissions(
            dir.path().join("a.md"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        let files = vec![("a.md".to_string(), "two\n".to_string())];
        write_files(dir.path(), &files, false).unwrap();
        let mode = std::fs::metadata(dir.path().join("a.md"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[test]
    fn a_foreign_file_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("body.md"), "mine\n").unwrap();
        let files = vec![("body.md".to_string(), "generated\n".to_string())];
        assert!(write_files(dir.path(), &files, false).is_err());
    }
}
