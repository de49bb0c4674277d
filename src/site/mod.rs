//! Writing output: atomically, only when changed, never over hand edits.
//!
//! Every file is written to a temporary file in the same folder and renamed
//! into place, so an interrupted run leaves the old output whole. A file
//! whose content is already right is not touched (its mtime stays, so
//! `mkdocs serve` does not rebuild). tracedoc records what it wrote in
//! `.tracedoc-manifest` (one `sha256  name` line per file); a file that no
//! longer has the recorded hash was edited by hand and is not overwritten
//! unless `--force` is given. All checks happen before the first write.
//!
//! A run cut short by SIGINT or SIGTERM removes its temporary files before
//! it exits ([`clean_up_on_signals`]), and every write first removes the
//! `.tracedoc-*.tmp` files an earlier run may have left in that folder (a
//! `kill -9` or a power cut gives no chance to clean up).

pub mod nav;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

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

/// The hashes recorded for each file: one, or two (old and new) while a run
/// is replacing it.
fn read_manifest(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let mut manifest: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) else {
        return manifest;
    };
    for (hash, name) in text.lines().filter_map(|l| l.split_once("  ")) {
        manifest
            .entry(name.to_string())
            .or_default()
            .push(hash.to_string());
    }
    manifest
}

fn write_manifest(dir: &Path, manifest: &BTreeMap<String, Vec<String>>) -> Result<()> {
    let text: String = manifest
        .iter()
        .flat_map(|(n, hashes)| hashes.iter().map(move |h| format!("{h}  {n}\n")))
        .collect();
    write_atomic(&dir.join(MANIFEST), text.as_bytes())
}

/// The prefix and suffix of tracedoc's temporary files.
const TEMP_PREFIX: &str = ".tracedoc-";
const TEMP_SUFFIX: &str = ".tmp";

/// The temporary files being written now, for the signal handler.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes a temporary file off the list when dropped (after the file itself
/// is gone: renamed into place, or removed by `tempfile` on an error).
struct Registered(PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        live().retain(|p| *p != self.0);
    }
}

/// On SIGINT, SIGTERM or SIGHUP: removes every temporary file being
/// written, then exits with 128 + the signal number (130 for SIGINT, 143
/// for SIGTERM), as a shell reports a process killed by it. Files already
/// renamed into place stay: each output file is either the old one or the
/// new one. Call once, from the binary.
#[cfg(unix)]
pub fn clean_up_on_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until exit, so no new temporary file is created.
                let live = live();
                for path in live.iter() {
                    let _ = std::fs::remove_file(path);
                }
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// Without Unix signals there is nothing to install; stale temporary files
/// are still removed by the next run.
#[cfg(not(unix))]
pub fn clean_up_on_signals() -> std::io::Result<()> {
    Ok(())
}

/// Removes the temporary files (`.tracedoc-*.tmp`) an interrupted earlier
/// run left in `dir`; returns their paths. Two runs writing into one folder
/// at the same time are not supported: the second would remove the first's.
pub fn remove_stale_temps(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::read(dir, e)),
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) && name != MANIFEST;
        if !ours || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        std::fs::remove_file(&path).map_err(|e| Error::write(&path, e))?;
        removed.push(path);
    }
    removed.sort();
    Ok(removed)
}

/// A pause in the middle of a write, for the interrupted-run tests:
/// with `TRACEDOC_TEST_PAUSE_BEFORE_RENAME=NAME`, the write of each file
/// named NAME stops for a minute after its temporary file is written and
/// before it is renamed into place, and first says so on standard error
/// (`tracedoc: test hook: pausing before <path>`), so a test can send a
/// signal while a temporary file exists. Not for any other use.
fn test_pause(path: &Path) {
    let Some(name) = std::env::var_os("TRACEDOC_TEST_PAUSE_BEFORE_RENAME") else {
        return;
    };
    if path.file_name() != Some(name.as_os_str()) {
        return;
    }
    eprintln!("tracedoc: test hook: pausing before {}", path.display());
    std::thread::sleep(std::time::Duration::from_secs(60));
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
    #[cfg(unix)]
    let permissions = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644))
    };
    #[cfg(unix)]
    builder.permissions(permissions);
    // Dropped after `tmp` (declared before it): the file is gone by then.
    let _registered: Registered;
    let mut tmp = {
        // Created and listed under the lock, so a signal never finds a
        // temporary file that is not on the list.
        let mut live = live();
        let tmp = builder
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(dir)
            .map_err(|e| Error::write(path, e))?;
        live.push(tmp.path().to_path_buf());
        tmp
    };
    _registered = Registered(tmp.path().to_path_buf());
    tmp.write_all(bytes).map_err(|e| Error::write(path, e))?;
    test_pause(path);
    // No fsync: the rename alone keeps an interrupted run from leaving a
    // half-written file, and generated docs can be rebuilt after a power cut.
    tmp.persist(path).map_err(|e| Error::write(path, e.error))?;
    Ok(())
}

/// What [`write_files`] did.
#[derive(Debug)]
pub struct Written {
    /// Each file and what happened to it, in the order given.
    pub files: Vec<(PathBuf, Outcome)>,
    /// Temporary files an interrupted earlier run left in the folder,
    /// removed before writing.
    pub removed: Vec<PathBuf>,
}

/// Writes a set of files into `dir` (created if needed).
///
/// Refuses, before writing anything, when a file exists that tracedoc did not
/// write or that changed since, unless `force`. While files are replaced the
/// manifest lists both their old and their new hash, so a run cut short at
/// any point leaves every file, old or new, recognised as tracedoc's own.
pub fn write_files(dir: &Path, files: &[(String, String)], force: bool) -> Result<Written> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let removed = remove_stale_temps(dir)?;
    let before = read_manifest(dir);
    let mut plan = Vec::with_capacity(files.len());
    for (name, content) in files {
        let path = dir.join(name);
        let outcome = match std::fs::read(&path) {
            Ok(existing) if existing == content.as_bytes() => Outcome::Unchanged,
            Ok(existing) => {
                let hash = digest(&existing);
                let ours = before.get(name).is_some_and(|h| h.contains(&hash));
                if !ours && !force {
                    return Err(Error::HandEdited { path });
                }
                Outcome::Updated
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::Created,
            Err(e) => return Err(Error::read(&path, e)),
        };
        plan.push((name, path, content, digest(content.as_bytes()), outcome));
    }
    // Old and new hash of every file about to change, before the first rename.
    let mut during = before.clone();
    for (name, _, _, hash, outcome) in &plan {
        if *outcome != Outcome::Unchanged {
            let hashes = during.entry(name.to_string()).or_default();
            if !hashes.contains(hash) {
                hashes.push(hash.clone());
            }
        }
    }
    if during != before {
        write_manifest(dir, &during)?;
    }
    let mut done = Vec::with_capacity(plan.len());
    let mut after = before.clone();
    let mut failure = None;
    for (name, path, content, hash, outcome) in plan {
        if outcome != Outcome::Unchanged {
            if let Err(e) = write_atomic(&path, content.as_bytes()) {
                failure = Some(e);
                break;
            }
        }
        // Recorded only once written: a run that fails half way leaves a
        // manifest that knows every file it did replace, and no other.
        after.insert(name.to_string(), vec![hash]);
        done.push((path, outcome));
    }
    if after != during {
        write_manifest(dir, &after)?;
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(Written {
            files: done,
            removed,
        }),
    }
}

/// Whether a file name is a diagram part (`diagram-3.md`).
fn is_part(name: &str) -> bool {
    name.strip_prefix("diagram-")
        .and_then(|n| n.strip_suffix(".md"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Removes the diagram parts (`diagram-N.md`) an earlier run wrote into
/// `dir` that `files` (this run's) no longer has: a diagram that shrank, or
/// one cut into more parts before `[diagram] max_parts`. Only parts still
/// exactly as tracedoc wrote them go (a part edited by hand stays); returns
/// the removed paths.
pub fn remove_stale_parts(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>> {
    let mut manifest = read_manifest(dir);
    let stale: Vec<String> = manifest
        .keys()
        .filter(|name| is_part(name) && !files.iter().any(|(n, _)| n == *name))
        .cloned()
        .collect();
    let mut removed = Vec::new();
    for name in stale {
        let path = dir.join(&name);
        let ours = match std::fs::read(&path) {
            Ok(bytes) => manifest
                .get(&name)
                .is_some_and(|h| h.contains(&digest(&bytes))),
            // Already gone: only the manifest line is left to drop.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(Error::read(&path, e)),
        };
        if !ours {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::write(&path, e)),
        }
        manifest.remove(&name);
    }
    if !removed.is_empty() || manifest != read_manifest(dir) {
        write_manifest(dir, &manifest)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_only_changes_and_protects_hand_edits() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![("a.md".to_string(), "one\n".to_string())];
        let r = write_files(dir.path(), &files, false).unwrap();
        assert_eq!(r.files[0].1, Outcome::Created);
        let r = write_files(dir.path(), &files, false).unwrap();
        assert_eq!(r.files[0].1, Outcome::Unchanged);
        let files2 = vec![("a.md".to_string(), "two\n".to_string())];
        let r = write_files(dir.path(), &files2, false).unwrap();
        assert_eq!(r.files[0].1, Outcome::Updated);
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
    fn parts_of_an_earlier_run_go_unless_edited() {
        let dir = tempfile::tempdir().unwrap();
        let file = |n: &str| (n.to_string(), format!("{n}\n"));
        let before = ["diagram.md", "diagram-1.md", "diagram-2.md", "diagram-3.md"].map(file);
        write_files(dir.path(), &before, false).unwrap();
        std::fs::write(dir.path().join("diagram-3.md"), "mine\n").unwrap();
        std::fs::write(dir.path().join("diagram-9.md"), "not tracedoc's\n").unwrap();
        let now = ["diagram.md", "diagram-1.md"].map(file);
        write_files(dir.path(), &now, false).unwrap();
        let removed = remove_stale_parts(dir.path(), &now).unwrap();
        assert_eq!(removed, [dir.path().join("diagram-2.md")]);
        assert!(dir.path().join("diagram-1.md").is_file());
        assert!(dir.path().join("diagram-3.md").is_file());
        assert!(dir.path().join("diagram-9.md").is_file());
        let manifest = read_manifest(dir.path());
        assert!(!manifest.contains_key("diagram-2.md"));
        assert!(manifest.contains_key("diagram-3.md"));
        assert!(is_part("diagram-12.md") && !is_part("diagram-.md") && !is_part("diagram-x.md"));
    }

    #[test]
    fn a_foreign_file_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("body.md"), "mine\n").unwrap();
        let files = vec![("body.md".to_string(), "generated\n".to_string())];
        assert!(write_files(dir.path(), &files, false).is_err());
    }
}
