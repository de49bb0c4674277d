//! Writing the files of a new site (`tracedoc init`): each one only when no
//! file of that name is there yet. A file is written to a temporary file
//! beside it and linked into place without replacing anything, so an
//! existing file is never touched, even one created meanwhile.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What happened to one file of the scaffold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    Created,
    /// A file (or anything else) of that name was already there: kept as it is.
    Skipped,
}

/// Writes `bytes` to `root/rel` (`rel` is `/`-separated) unless something is
/// already there; creates the folders on the way.
pub fn write_new(root: &Path, rel: &str, bytes: &[u8]) -> Result<(PathBuf, Placed)> {
    let path = rel.split('/').fold(root.to_path_buf(), |p, c| p.join(c));
    if std::fs::symlink_metadata(&path).is_ok() {
        return Ok((path, Placed::Skipped));
    }
    let dir = path.parent().unwrap_or(root);
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tracedoc-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::write(&path, e))?;
    tmp.write_all(bytes).map_err(|e| Error::write(&path, e))?;
    match tmp.persist_noclobber(&path) {
        Ok(_) => Ok((path, Placed::Created)),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok((path, Placed::Skipped))
        }
        Err(e) => Err(Error::write(&path, e.error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_new_files_and_never_replaces_one() {
        let t = tempfile::tempdir().unwrap();
        let (p, placed) = write_new(t.path(), "a/b/c.txt", b"new").unwrap();
        assert_eq!(placed, Placed::Created);
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        std::fs::write(&p, b"mine").unwrap();
        let (_, placed) = write_new(t.path(), "a/b/c.txt", b"other").unwrap();
        assert_eq!(placed, Placed::Skipped);
        assert_eq!(std::fs::read(&p).unwrap(), b"mine");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(t.path().join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("c.txt")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlink_counts_as_there() {
        let t = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(t.path().join("nowhere"), t.path().join("x")).unwrap();
        let (_, placed) = write_new(t.path(), "x", b"data").unwrap();
        assert_eq!(placed, Placed::Skipped);
        assert!(!t.path().join("nowhere").exists());
    }
}
