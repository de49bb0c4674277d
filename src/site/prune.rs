//! Removing the pages of captures that are gone (`tracedoc build --prune`).
//!
//! Only folders holding a `.tracedoc-manifest` are looked at, and in them
//! only the files the manifest lists and that are still as tracedoc wrote
//! them: a page someone edited, and every file tracedoc never wrote (a
//! hand-written page beside the generated ones), stays. A folder left empty
//! is removed, and so are its parents up to the output folder, while empty.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::out::{Folder, MANIFEST};

/// What pruning did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// Generated files removed.
    pub removed: Vec<PathBuf>,
    /// Edited files of a gone capture, kept.
    pub kept: Vec<PathBuf>,
    /// Folders removed because they were left empty.
    pub folders: Vec<PathBuf>,
}

/// Prunes every folder under `output` that holds a manifest and whose path
/// relative to `output` (as `/`-separated components) is not in `live`.
/// Symbolic links are not followed.
pub fn prune_tree(output: &Path, live: &BTreeSet<Vec<String>>) -> Result<Pruned> {
    let mut pruned = Pruned::default();
    if !output.is_dir() {
        return Ok(pruned);
    }
    let mut gone = Vec::new();
    for entry in walkdir::WalkDir::new(output).follow_links(false) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(output).to_path_buf();
            Error::read(&path, std::io::Error::other(e.to_string()))
        })?;
        if !entry.file_type().is_file() || entry.file_name() != MANIFEST {
            continue;
        }
        let Some(dir) = entry.path().parent() else {
            continue;
        };
        let Ok(rel) = dir.strip_prefix(output) else {
            continue;
        };
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        // The root holds the pages across captures (home, coverage), which
        // every build writes again: never a gone capture's.
        if !parts.is_empty() && !live.contains(&parts) {
            gone.push(dir.to_path_buf());
        }
    }
    for dir in gone {
        let (removed, kept) = Folder::prune(&dir)?;
        pruned.removed.extend(removed);
        pruned.kept.extend(kept);
        // The folder and its parents, while empty, up to (not including) output.
        let mut at = Some(dir.as_path());
        while let Some(d) = at {
            if d == output || !d.starts_with(output) {
                break;
            }
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            pruned.folders.push(d.to_path_buf());
            at = d.parent();
        }
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_folder(dir: &Path, files: &[(&str, &str)]) {
        let mut f = Folder::open(dir, false).unwrap();
        for (name, text) in files {
            f.write(name, text.as_bytes()).unwrap();
        }
        f.close(|_| false).unwrap();
    }

    fn live(paths: &[&str]) -> BTreeSet<Vec<String>> {
        paths
            .iter()
            .map(|p| p.split('/').map(String::from).collect())
            .collect()
    }

    #[test]
    fn removes_a_gone_capture_and_keeps_the_rest() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("docs");
        write_folder(&out.join("a/list"), &[("body.md", "b"), ("index.md", "i")]);
        write_folder(&out.join("a/show"), &[("body.md", "b")]);
        std::fs::write(out.join("a/notes.md"), "mine").unwrap();
        let p = prune_tree(&out, &live(&["a/show"])).unwrap();
        assert_eq!(p.removed.len(), 2);
        assert!(p.kept.is_empty());
        assert!(!out.join("a/list").exists(), "empty folder removed");
        assert!(out.join("a/show/body.md").exists());
        assert!(
            out.join("a/notes.md").exists(),
            "a file tracedoc never wrote stays"
        );
        // Pruning again finds nothing.
        assert_eq!(
            prune_tree(&out, &live(&["a/show"])).unwrap(),
            Pruned::default()
        );
    }

    #[test]
    fn keeps_edited_and_foreign_files_of_a_gone_capture() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("docs");
        let dir = out.join("x");
        write_folder(&dir, &[("body.md", "b"), ("index.md", "i")]);
        std::fs::write(dir.join("index.md"), "edited by a person").unwrap();
        std::fs::write(dir.join("extra.md"), "never tracedoc's").unwrap();
        let p = prune_tree(&out, &live(&[])).unwrap();
        assert_eq!(p.removed, vec![dir.join("body.md")]);
        assert_eq!(p.kept, vec![dir.join("index.md")]);
        assert_eq!(
            std::fs::read_to_string(dir.join("index.md")).unwrap(),
            "edited by a person"
        );
        assert!(dir.join("extra.md").exists());
        // The manifest still names the edited file, so it is still protected.
        let m = crate::site::out::Manifest::read(&dir);
        assert_eq!(m.files.keys().collect::<Vec<_>>(), vec!["index.md"]);
        assert!(m.inputs.is_empty());
    }

    #[test]
    fn a_missing_output_is_nothing_to_do() {
        let t = tempfile::tempdir().unwrap();
        assert_eq!(
            prune_tree(&t.path().join("nope"), &live(&[])).unwrap(),
            Pruned::default()
        );
    }
}
