//! `--check`: compares the files a run would write with the files on disk,
//! writing nothing. The manifest says which files are tracedoc's: a file
//! that differs from the manifest's hash was edited by a person, and is
//! reported as such, not as stale.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::site::out::{digest_file, Manifest};

/// What a run would do to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The file is absent: it would be written.
    Create,
    /// tracedoc's own file, as it wrote it, with other bytes now: it would be replaced.
    Update,
    /// A file tracedoc wrote before and no longer writes: it would be removed.
    Remove,
    /// Edited by hand since tracedoc wrote it (or never written by
    /// tracedoc); a run refuses to overwrite it without `--force`.
    HandEdited,
    /// Edited by hand, and a run keeps it as it is (`index.md`): not a
    /// difference, only said.
    Kept,
}

impl Change {
    /// Whether the change makes the folder out of date (`--check` exits 1).
    pub fn is_stale(self) -> bool {
        self != Change::Kept
    }

    /// How the change is listed.
    pub fn label(self) -> &'static str {
        match self {
            Change::Create => "would create",
            Change::Update => "would change",
            Change::Remove => "would remove",
            Change::HandEdited => "hand-edited",
            Change::Kept => "kept (edited by hand)",
        }
    }
}

/// One file a run would touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub path: PathBuf,
    pub change: Change,
    /// The file's text on disk (lossy UTF-8), if any.
    pub old: Option<String>,
    /// The text the run would write, if it writes the file.
    pub new: Option<String>,
}

impl Checked {
    /// The change as a unified diff (three lines of context), headed with
    /// the file's path; empty when there is nothing to compare.
    pub fn unified_diff(&self) -> String {
        let old = self.old.as_deref().unwrap_or("");
        let new = self.new.as_deref().unwrap_or("");
        if old == new {
            return String::new();
        }
        let name = self.path.display().to_string();
        // `a/` and `b/` as git writes them, for a relative path.
        let side = |prefix: &str, there: bool| match there {
            false => "/dev/null".to_string(),
            true if self.path.is_absolute() => name.clone(),
            true => format!("{prefix}{name}"),
        };
        let (a, b) = (
            side("a/", self.old.is_some()),
            side("b/", self.new.is_some()),
        );
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&a, &b)
            .to_string()
    }
}

/// How a file on disk stands against the manifest.
enum Standing {
    /// Matches a hash the manifest recorded.
    Ours,
    /// Listed, with other bytes: edited by hand.
    Edited,
    /// Not listed.
    Foreign,
}

fn standing(manifest: &Manifest, dir: &Path, name: &str) -> Result<Standing> {
    let Some(entry) = manifest.files.get(name) else {
        return Ok(Standing::Foreign);
    };
    let path = dir.join(name);
    for known in std::iter::once(&entry.digest).chain(&entry.also) {
        if digest_file(&path, known).map_err(|e| Error::read(&path, e))? == *known {
            return Ok(Standing::Ours);
        }
    }
    Ok(Standing::Edited)
}

/// Compares `files` (name, text), as a run would write them into `dir`,
/// with what is there. `kept` names the files a run never overwrites once
/// edited (`index.md`); `removable` the files of an earlier run a run
/// removes when it no longer writes them (diagram parts). With `force`, an
/// edited file would be overwritten: it is listed as an update.
/// Returns only the files that would change, in the order given, then the
/// removals.
pub fn compare(
    dir: &Path,
    files: &[(String, String)],
    kept: impl Fn(&str) -> bool,
    removable: impl Fn(&str) -> bool,
    force: bool,
) -> Result<Vec<Checked>> {
    let manifest = Manifest::read(dir);
    let mut out = Vec::new();
    for (name, new) in files {
        let path = dir.join(name);
        let old = match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::read(&path, e)),
        };
        let change = match &old {
            None => Change::Create,
            Some(bytes) if bytes == new.as_bytes() => continue,
            Some(_) => match standing(&manifest, dir, name)? {
                Standing::Ours => Change::Update,
                Standing::Edited | Standing::Foreign if kept(name) => Change::Kept,
                Standing::Edited | Standing::Foreign if force => Change::Update,
                Standing::Edited | Standing::Foreign => Change::HandEdited,
            },
        };
        out.push(Checked {
            path,
            change,
            old: old.map(|b| String::from_utf8_lossy(&b).into_owned()),
            new: Some(new.clone()),
        });
    }
    for name in manifest.files.keys() {
        if files.iter().any(|(n, _)| n == name) || !removable(name) {
            continue;
        }
        let path = dir.join(name);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        // An edited part is kept by a run, and stays listed.
        if let Standing::Ours = standing(&manifest, dir, name)? {
            out.push(Checked {
                path,
                change: Change::Remove,
                old: Some(String::from_utf8_lossy(&bytes).into_owned()),
                new: None,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::Folder;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        let mut f = Folder::open(dir, false).expect("open");
        for (name, text) in files {
            f.write(name, text.as_bytes()).expect("write");
        }
        f.remove_stale(|n| n.starts_with("part")).expect("stale");
        f.close(|n| n == "index.md").expect("close");
    }

    fn owned(files: &[(&str, &str)]) -> Vec<(String, String)> {
        files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    fn changes(dir: &Path, files: &[(&str, &str)], force: bool) -> Vec<(String, Change)> {
        compare(
            dir,
            &owned(files),
            |n| n == "index.md",
            |n| n.starts_with("part"),
            force,
        )
        .expect("compare")
        .into_iter()
        .map(|c| {
            let name = c
                .path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, c.change)
        })
        .collect()
    }

    #[test]
    fn reports_what_a_run_would_do() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path();
        write(
            dir,
            &[
                ("a.md", "a\n"),
                ("b.md", "b\n"),
                ("part1", "p\n"),
                ("index.md", "i\n"),
            ],
        );
        // Up to date: nothing.
        let same = [
            ("a.md", "a\n"),
            ("b.md", "b\n"),
            ("part1", "p\n"),
            ("index.md", "i\n"),
        ];
        assert!(changes(dir, &same, false).is_empty());

        std::fs::write(dir.join("b.md"), "edited\n").expect("edit");
        std::fs::write(dir.join("index.md"), "mine\n").expect("edit");
        let next = [
            ("a.md", "A\n"),
            ("b.md", "B\n"),
            ("c.md", "c\n"),
            ("index.md", "I\n"),
        ];
        assert_eq!(
            changes(dir, &next, false),
            vec![
                ("a.md".to_string(), Change::Update),
                ("b.md".to_string(), Change::HandEdited),
                ("c.md".to_string(), Change::Create),
                ("index.md".to_string(), Change::Kept),
                ("part1".to_string(), Change::Remove),
            ]
        );
        // Forced, the edit would be overwritten; index.md is kept all the same.
        assert_eq!(
            changes(dir, &next, true)[1],
            ("b.md".to_string(), Change::Update)
        );
        assert_eq!(
            changes(dir, &next, true)[3],
            ("index.md".to_string(), Change::Kept)
        );
        // Nothing was written.
        assert_eq!(std::fs::read_to_string(dir.join("a.md")).expect("a"), "a\n");
        assert!(!dir.join("c.md").exists());
    }

    #[test]
    fn a_file_tracedoc_never_wrote_is_not_stale_but_foreign() {
        let tmp = tempfile::tempdir().expect("tmp");
        std::fs::write(tmp.path().join("a.md"), "mine\n").expect("write");
        assert_eq!(
            changes(tmp.path(), &[("a.md", "a\n")], false),
            vec![("a.md".to_string(), Change::HandEdited)]
        );
    }

    #[test]
    fn the_diff_is_unified() {
        let c = Checked {
            path: PathBuf::from("out/a.md"),
            change: Change::Update,
            old: Some("one\ntwo\n".into()),
            new: Some("one\nthree\n".into()),
        };
        let d = c.unified_diff();
        assert!(d.starts_with("--- a/out/a.md\n+++ b/out/a.md\n"), "{d}");
        assert!(d.contains("-two\n+three\n"), "{d}");
    }
}
