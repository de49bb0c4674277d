//! Writing an output folder: streamed, atomic, only when changed, never
//! over hand edits, and skipped entirely when nothing it depends on changed.
//!
//! Each file is written through a temporary file in the same folder and
//! renamed into place, hashing the bytes as they go (BLAKE3), so nothing is
//! held in memory and an interrupted run leaves the old file whole. A file
//! whose new hash equals the old one is not replaced (its mtime stays, so
//! `mkdocs serve` does not rebuild).
//!
//! `.tracedoc-manifest` records, per file, the hash, size and mtime of what
//! tracedoc wrote, and what the folder was made from (the input's size,
//! mtime and hash, and a fingerprint of the settings, templates and
//! tracedoc version). A file whose size or mtime no longer match is hashed:
//! if its hash differs, a person edited it, and it is not overwritten unless
//! forced. When the inputs and the fingerprint match and every file is as
//! written, the folder is up to date and nothing is rendered.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::error::{Error, Result};

/// The manifest file name in an output folder.
pub const MANIFEST: &str = ".tracedoc-manifest";
const HEADER: &str = "# tracedoc manifest 2";

/// A hash as the manifest writes it: `b3:<hex>` (or a bare SHA-256 hex
/// from manifests before version 2).
pub type Digest = String;

/// Size and modification time of a file, to tell cheaply that it did not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime: i128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Stamp {
            size: meta.len(),
            mtime,
        }
    }
}

/// What the manifest knows of one file it wrote, or one input it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub digest: Digest,
    pub stamp: Option<Stamp>,
}

/// The manifest of one output folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub files: BTreeMap<String, Entry>,
    /// Input files (as named by the caller) the folder was made from.
    pub inputs: BTreeMap<String, Entry>,
    /// Fingerprint of settings, templates and tracedoc version.
    pub fingerprint: Option<String>,
}

impl Manifest {
    pub fn read(dir: &Path) -> Manifest {
        let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) else {
            return Manifest::default();
        };
        let mut m = Manifest::default();
        for line in text.lines() {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["file", digest, size, mtime, name @ ..]
                | ["input", digest, size, mtime, name @ ..]
                    if !name.is_empty() =>
                {
                    let entry = Entry {
                        digest: digest.to_string(),
                        stamp: size
                            .parse()
                            .ok()
                            .zip(mtime.parse().ok())
                            .map(|(size, mtime)| Stamp { size, mtime }),
                    };
                    let map = if words[0] == "file" {
                        &mut m.files
                    } else {
                        &mut m.inputs
                    };
                    map.insert(name.join(" "), entry);
                }
                ["settings", fp] => m.fingerprint = Some(fp.to_string()),
                _ => {
                    // Version 1: `<sha256>  <name>`.
                    if let Some((digest, name)) = line.split_once("  ") {
                        if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                            m.files.insert(
                                name.to_string(),
                                Entry {
                                    digest: digest.to_string(),
                                    stamp: None,
                                },
                            );
                        }
                    }
                }
            }
        }
        m
    }

    fn text(&self) -> String {
        let mut out = format!("{HEADER}\n");
        if let Some(fp) = &self.fingerprint {
            out.push_str(&format!("settings {fp}\n"));
        }
        for (kind, map) in [("input", &self.inputs), ("file", &self.files)] {
            for (name, e) in map {
                let (size, mtime) = e.stamp.map_or((0, 0), |s| (s.size, s.mtime));
                out.push_str(&format!("{kind} {} {size} {mtime} {name}\n", e.digest));
            }
        }
        out
    }
}

/// The hash of a whole file, in the manifest's form of `like` (BLAKE3, or
/// SHA-256 for version-1 entries).
pub fn digest_file(path: &Path, like: &str) -> std::io::Result<Digest> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    if like.starts_with("b3:") {
        let mut h = blake3::Hasher::new();
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(format!("b3:{}", h.finalize().to_hex()))
    } else {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// The BLAKE3 digest of bytes, in the manifest's form.
pub fn digest(bytes: &[u8]) -> Digest {
    format!("b3:{}", blake3::hash(bytes).to_hex())
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// How an existing file stands against the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Existing {
    Absent,
    /// As tracedoc wrote it, with this digest.
    Ours(Digest),
    /// Edited since, or never written by tracedoc.
    Edited,
}

/// An output folder being written.
#[derive(Debug)]
pub struct Folder {
    dir: PathBuf,
    old: Manifest,
    new: Manifest,
    force: bool,
    /// Files whose existing state was checked, and how it stood.
    checked: BTreeMap<String, Existing>,
    outcomes: Vec<(String, Outcome)>,
}

impl Folder {
    /// Opens (creating) an output folder. `force` lets edited files be replaced.
    pub fn open(dir: &Path, force: bool) -> Result<Folder> {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        let old = Manifest::read(dir);
        Ok(Folder {
            dir: dir.to_path_buf(),
            new: Manifest {
                inputs: BTreeMap::new(),
                files: BTreeMap::new(),
                fingerprint: None,
            },
            old,
            force,
            checked: BTreeMap::new(),
            outcomes: Vec::new(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn old(&self) -> &Manifest {
        &self.old
    }

    fn existing(&self, name: &str) -> Result<Existing> {
        let path = self.dir.join(name);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Absent),
            Err(e) => return Err(Error::read(&path, e)),
        };
        let Some(entry) = self.old.files.get(name) else {
            return Ok(Existing::Edited);
        };
        if entry.stamp == Some(Stamp::of(&meta)) {
            return Ok(Existing::Ours(entry.digest.clone()));
        }
        let now = digest_file(&path, &entry.digest).map_err(|e| Error::read(&path, e))?;
        Ok(if now == entry.digest {
            Existing::Ours(entry.digest.clone())
        } else {
            Existing::Edited
        })
    }

    /// Checks, before anything is written, that each of `names` may be
    /// written: absent, or as tracedoc left it (or `force`).
    pub fn check(&mut self, names: &[&str]) -> Result<()> {
        for name in names {
            let state = self.existing(name)?;
            if state == Existing::Edited && !self.force {
                return Err(Error::HandEdited {
                    path: self.dir.join(name),
                });
            }
            self.checked.insert(name.to_string(), state);
        }
        Ok(())
    }

    /// Whether a file was found edited (only meaningful after [`Folder::check`]).
    pub fn is_edited(&self, name: &str) -> bool {
        self.checked.get(name) == Some(&Existing::Edited)
    }

    /// Starts writing one file.
    pub fn create(&self, name: &str) -> Result<OutFile> {
        let path = self.dir.join(name);
        let tmp = tempfile::Builder::new()
            .prefix(".tracedoc-")
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .map_err(|e| Error::write(&path, e))?;
        let file = tmp.reopen().map_err(|e| Error::write(&path, e))?;
        Ok(OutFile {
            name: name.to_string(),
            path,
            tmp,
            out: BufWriter::with_capacity(1 << 18, file),
            hash: blake3::Hasher::new(),
            len: 0,
        })
    }

    /// Finishes a file: replaces the old one, unless the bytes are the same.
    pub fn finish(&mut self, file: OutFile) -> Result<Outcome> {
        let OutFile {
            name,
            path,
            tmp,
            out,
            hash,
            ..
        } = file;
        out.into_inner()
            .map_err(|e| Error::write(&path, e.into_error()))?;
        let digest = format!("b3:{}", hash.finalize().to_hex());
        let state = match self.checked.get(&name) {
            Some(s) => s.clone(),
            None => self.existing(&name)?,
        };
        let outcome = match &state {
            Existing::Ours(d) if *d == digest => Outcome::Unchanged,
            Existing::Edited if !self.force => {
                return Err(Error::HandEdited { path });
            }
            Existing::Absent => Outcome::Created,
            _ => Outcome::Updated,
        };
        if outcome == Outcome::Unchanged {
            drop(tmp);
        } else {
            set_mode(&tmp, &path);
            tmp.persist(&path)
                .map_err(|e| Error::write(&path, e.error))?;
        }
        let stamp = std::fs::metadata(&path).ok().map(|m| Stamp::of(&m));
        self.new.files.insert(name.clone(), Entry { digest, stamp });
        self.outcomes.push((name, outcome));
        Ok(outcome)
    }

    /// Writes a small file from memory.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<Outcome> {
        let mut f = self.create(name)?;
        f.write_all(bytes).map_err(|e| Error::write(&f.path, e))?;
        self.finish(f)
    }

    /// Records an input the folder is made from.
    pub fn input(&mut self, name: &str, entry: Entry) {
        self.new.inputs.insert(name.to_string(), entry);
    }

    pub fn fingerprint(&mut self, fp: &str) {
        self.new.fingerprint = Some(fp.to_string());
    }

    /// Files tracedoc wrote before (per the manifest) that this run did not
    /// write and nobody edited: removed. Returns their names.
    pub fn remove_stale(&mut self, keep: impl Fn(&str) -> bool) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        let stale: Vec<String> = self
            .old
            .files
            .keys()
            .filter(|n| !self.new.files.contains_key(*n) && !keep(n))
            .cloned()
            .collect();
        for name in stale {
            if let Existing::Ours(_) = self.existing(&name)? {
                let path = self.dir.join(&name);
                std::fs::remove_file(&path).map_err(|e| Error::write(&path, e))?;
                removed.push(name);
            }
        }
        Ok(removed)
    }

    /// Writes the manifest (only when it changed) and returns what happened to each file.
    pub fn close(mut self, keep: impl Fn(&str) -> bool) -> Result<Vec<(String, Outcome)>> {
        // Entries of files kept from before (not written this run) stay.
        for (name, e) in &self.old.files {
            if !self.new.files.contains_key(name) && keep(name) {
                self.new.files.insert(name.clone(), e.clone());
            }
        }
        if self.new != self.old {
            let path = self.dir.join(MANIFEST);
            let mut f = self.create(MANIFEST)?;
            f.write_all(self.new.text().as_bytes())
                .map_err(|e| Error::write(&path, e))?;
            let OutFile { tmp, out, .. } = f;
            out.into_inner()
                .map_err(|e| Error::write(&path, e.into_error()))?;
            set_mode(&tmp, &path);
            tmp.persist(&path)
                .map_err(|e| Error::write(&path, e.error))?;
        }
        Ok(self.outcomes)
    }
}

/// A file being written: a temporary file, hashed as it goes.
#[derive(Debug)]
pub struct OutFile {
    name: String,
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    out: BufWriter<File>,
    hash: blake3::Hasher,
    len: u64,
}

impl OutFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)?;
        if buf.len() >= 1 << 17 {
            self.hash.update_rayon(buf);
        } else {
            self.hash.update(buf);
        }
        self.len += buf.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A temporary file is private (0600) and the rename would keep that: give
/// the result the mode of the file it replaces, or 0644, so a docs build or
/// web server running as another user can read it.
fn set_mode(tmp: &tempfile::NamedTempFile, path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
        let _ = tmp.as_file().set_permissions(mode);
    }
    #[cfg(not(unix))]
    let _ = (tmp, path);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)], force: bool) -> Result<Vec<(String, Outcome)>> {
        let mut f = Folder::open(dir, force)?;
        let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        f.check(&names)?;
        for (name, text) in files {
            f.write(name, text.as_bytes())?;
        }
        f.close(|_| false)
    }

    #[test]
    fn writes_only_changes_and_protects_hand_edits() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(
            write(d, &[("a.md", "one\n")], false).unwrap()[0].1,
            Outcome::Created
        );
        let mtime = std::fs::metadata(d.join("a.md"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(
            write(d, &[("a.md", "one\n")], false).unwrap()[0].1,
            Outcome::Unchanged
        );
        assert_eq!(
            std::fs::metadata(d.join("a.md"))
                .unwrap()
                .modified()
                .unwrap(),
            mtime
        );
        assert_eq!(
            write(d, &[("a.md", "two\n")], false).unwrap()[0].1,
            Outcome::Updated
        );
        std::fs::write(d.join("a.md"), "hand edit\n").unwrap();
        assert!(matches!(
            write(d, &[("a.md", "one\n")], false),
            Err(Error::HandEdited { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(d.join("a.md")).unwrap(),
            "hand edit\n"
        );
        write(d, &[("a.md", "one\n")], true).unwrap();
        assert_eq!(std::fs::read_to_string(d.join("a.md")).unwrap(), "one\n");
        let left: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn an_edit_that_keeps_the_size_is_still_an_edit() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, &[("a.md", "one\n")], false).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(d.join("a.md"), "two\n").unwrap();
        assert!(write(d, &[("a.md", "three\n")], false).is_err());
    }

    #[test]
    fn version_one_manifests_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.md"), "old\n").unwrap();
        use sha2::Digest as _;
        let sha: String = sha2::Sha256::digest(b"old\n")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        std::fs::write(d.join(MANIFEST), format!("{sha}  a.md\n")).unwrap();
        assert_eq!(
            write(d, &[("a.md", "new\n")], false).unwrap()[0].1,
            Outcome::Updated
        );
        assert!(std::fs::read_to_string(d.join(MANIFEST))
            .unwrap()
            .starts_with(HEADER));
    }

    #[test]
    fn stale_files_go_unless_edited() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            &[("a.md", "a\n"), ("b.md", "b\n"), ("c.md", "c\n")],
            false,
        )
        .unwrap();
        std::fs::write(d.join("c.md"), "mine\n").unwrap();
        let mut f = Folder::open(d, false).unwrap();
        f.check(&["a.md"]).unwrap();
        f.write("a.md", b"a\n").unwrap();
        assert_eq!(f.remove_stale(|_| false).unwrap(), vec!["b.md".to_string()]);
        f.close(|_| false).unwrap();
        assert!(!d.join("b.md").exists());
        assert_eq!(std::fs::read_to_string(d.join("c.md")).unwrap(), "mine\n");
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &[("a.md", "x\n")], false).unwrap();
        let mode = std::fs::metadata(dir.path().join("a.md"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}
