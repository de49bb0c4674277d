//! Finding captures on disk: the capture files of a folder, and every
//! capture folder of a tree.
//!
//! A capture folder holds any number of capture files: every file whose
//! content is in a format tracedoc reads ([`Format::detect`], whatever its
//! name), read together as one capture in name order. A `body.md` page to
//! read back counts only in a folder where no other file is a capture
//! (next to a log it is that log's rendered page). A folder where no
//! file is recognised but one `*.log` file is, has that file as its capture
//! (its reader then says what is wrong with it).
//! A file named on the command line is read as it is, link or not; a
//! symbolic link found inside a folder is passed over unless the caller
//! asks to follow links, so a link planted in a captures tree cannot make
//! tracedoc read and publish a file from elsewhere. Symbolic links to
//! folders are never followed.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::input::Format;

/// The file name requestshook writes, preferred when a folder holds several logs.
pub const DEFAULT_FILE: &str = "requestshook.log";

/// The capture files directly in a folder.
#[derive(Debug, Default)]
pub struct Logs {
    /// Their names, sorted: regular files, and links to files when followed.
    pub files: Vec<String>,
    /// Symbolic links to files that were not followed, sorted.
    pub links: Vec<PathBuf>,
}

/// How much of a file detection reads.
const HEAD_BYTES: usize = 64 << 10;

/// The format of a file, from its start, if tracedoc reads it.
fn format_of(path: &Path) -> Option<Format> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    // Room for the whole head: one read for a small file, not a few.
    let mut head = Vec::with_capacity(HEAD_BYTES + 1);
    file.take(HEAD_BYTES as u64).read_to_end(&mut head).ok()?;
    Format::detect(&head)
}

/// Whether the start of a file is in a format tracedoc reads.
fn is_capture(path: &Path) -> bool {
    format_of(path).is_some()
}

/// Lists the capture files directly in `dir` (see the module docs for
/// which, and for links).
pub fn logs_in(dir: &Path, follow_links: bool) -> std::io::Result<Logs> {
    let mut found = Logs::default();
    let mut logs = Logs::default();
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let is_log = path.extension().is_some_and(|x| x == "log");
        let kind = entry.file_type()?;
        let read = if kind.is_symlink() {
            // Only links that lead to a capture file matter: they would be
            // read. (Which one they are is read through the link only to
            // say it was not followed.)
            if !path.is_file() || !(is_log || is_capture(&path)) {
                continue;
            }
            if !follow_links {
                found.links.push(path);
                continue;
            }
            true
        } else {
            kind.is_file()
        };
        if !read {
            continue;
        }
        match format_of(&path) {
            // A page is tracedoc's own output as often as an old page to
            // read back (pages rendered beside their log, the reference
            // page kept next to a capture): it counts only where nothing
            // else is a capture.
            Some(Format::Bodymd) => pages.push(name),
            Some(_) => found.files.push(name),
            None if is_log => logs.files.push(name),
            None => {}
        }
    }
    if found.files.is_empty() {
        found.files = pages;
    }
    // Logs of no known format only when nothing else is a capture: a lone
    // one is then the capture, and its reader says what is wrong with it.
    if found.files.is_empty() {
        found.files = logs.files;
    }
    found.files.sort();
    found.links.sort();
    Ok(found)
}

/// Why a link was not followed, for the warning `<link>: skipped: <why>`.
pub fn link_skipped(link: &Path) -> String {
    let target = std::fs::read_link(link)
        .map(|t| format!(" to `{}`", t.display()))
        .unwrap_or_default();
    format!(
        "a symbolic link{target}; links found inside a folder are not followed (pass --follow-symlinks to read it)"
    )
}

/// A file tracedoc reads beside a capture without being told its name:
/// `capture.toml` and `notes.md` in the capture's folder, `tracedoc.toml`
/// there or in a parent. `None` when there is no such file (or it is not a
/// file); an error naming it when it is a symbolic link and links are not
/// followed, so a link planted in a captures tree cannot make tracedoc
/// read a file from elsewhere and publish it (a note) or quote it (a
/// config error), any more than a capture file.
pub fn side_file(path: &Path, follow_links: bool) -> Result<Option<PathBuf>> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::read(path, e)),
        Ok(m) if m.file_type().is_symlink() => {
            if follow_links {
                Ok(path.is_file().then(|| path.to_path_buf()))
            } else {
                Err(Error::Config {
                    path: path.to_path_buf(),
                    message: "a symbolic link; links found beside a capture are not followed (pass --follow-symlinks to read it)".into(),
                })
            }
        }
        Ok(m) => Ok(m.is_file().then(|| path.to_path_buf())),
    }
}

/// The capture files an input names, and what was passed over to find them.
#[derive(Debug)]
pub struct Located {
    /// The file, or the folder when it holds several capture files.
    pub path: PathBuf,
    /// The capture files, in the order they are read.
    pub files: Vec<PathBuf>,
    /// Symbolic links to `*.log` files in the folder that were not followed.
    pub skipped_links: Vec<PathBuf>,
}

/// The path a capture folder is read from, given its capture files (as
/// [`logs_in`] lists them): its one file, or the folder when it holds several.
pub fn capture_path(dir: &Path, files: &[String]) -> PathBuf {
    match files {
        [only] => dir.join(only),
        _ => dir.to_path_buf(),
    }
}

/// Finds the capture files for an input that is a file or a folder holding them.
pub fn locate(input: &Path, follow_links: bool) -> Result<Located> {
    let meta = std::fs::metadata(input).map_err(|e| Error::read(input, e))?;
    if !meta.is_dir() {
        return Ok(Located {
            path: input.to_path_buf(),
            files: vec![input.to_path_buf()],
            skipped_links: Vec::new(),
        });
    }
    let logs = logs_in(input, follow_links).map_err(|e| Error::read(input, e))?;
    let files: Vec<PathBuf> = logs.files.iter().map(|f| input.join(f)).collect();
    {
        match logs.files.as_slice() {
            [] if !logs.links.is_empty() => {
                return Err(Error::OnlyLinks {
                    path: input.to_path_buf(),
                    links: logs
                        .links
                        .iter()
                        .map(|l| format!("`{}`", l.display()))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
            [] => {
                return Err(Error::NoCapture {
                    path: input.to_path_buf(),
                })
            }
            [only] => {
                return Ok(Located {
                    path: input.join(only),
                    files,
                    skipped_links: logs.links,
                })
            }
            _ => {}
        }
    }
    Ok(Located {
        path: input.to_path_buf(),
        files,
        skipped_links: logs.links,
    })
}

/// What the walk found in one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A folder holding a capture: one or more capture files.
    Capture {
        /// The folder on disk.
        dir: PathBuf,
        /// The folder relative to the tree's root.
        rel: PathBuf,
        /// Its capture files, sorted (as [`logs_in`] lists them).
        files: Vec<String>,
    },
    /// A folder left out, and why (a name the caller refused). Its
    /// subfolders are not visited.
    Skipped { dir: PathBuf, reason: String },
    /// A `*.log` file that is a symbolic link, not followed (the folder may
    /// still hold a capture of its own).
    Link { path: PathBuf, reason: String },
    /// A folder that could not be read.
    Unreadable { path: PathBuf, message: String },
}

/// A folder holding a file of this name, and the folders below it, are
/// passed over by [`find_captures`] (`build`, `split`'s tree walks).
pub const IGNORE_FILE: &str = ".tracedocignore";

/// Walks `root` in sorted order and reports every folder that holds a capture.
///
/// Hidden folders (`.git`, `.venv`), folders holding [`IGNORE_FILE`] and `exclude` (the output folder, when
/// it lies inside the tree) are not visited. `accept` checks each folder's
/// path relative to the root (the output side refuses names it cannot
/// write or include); a refused folder is reported and not entered.
pub fn find_captures(
    root: &Path,
    exclude: Option<&Path>,
    follow_links: bool,
    accept: &dyn Fn(&Path) -> std::result::Result<(), String>,
) -> Vec<Found> {
    let exclude = exclude.and_then(|p| std::fs::canonicalize(p).ok());
    // The excluded folder's inode, so only a folder that may be it is
    // resolved to its canonical path (a few system calls per folder).
    #[cfg(unix)]
    let exclude_ino = {
        use std::os::unix::fs::MetadataExt;
        exclude
            .as_deref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.ino())
    };
    // The folders to look into, in walk order; then each one's files are
    // looked at (their starts read) on every core.
    let mut found: Vec<Walked> = Vec::new();
    let mut walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                found.push(Walked::Found(Found::Unreadable {
                    path: e.path().unwrap_or(root).to_path_buf(),
                    message: e.to_string(),
                }));
                continue;
            }
        };
        if !entry.file_type().is_dir() {
            continue;
        }
        let dir = entry.path();
        if entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.') {
            walk.skip_current_dir();
            continue;
        }
        #[cfg(unix)]
        let maybe_excluded = {
            use walkdir::DirEntryExt;
            exclude_ino == Some(entry.ino())
        };
        #[cfg(not(unix))]
        let maybe_excluded = true;
        if exclude.is_some() && maybe_excluded && std::fs::canonicalize(dir).ok() == exclude {
            walk.skip_current_dir();
            continue;
        }
        // A folder that says it holds no captures for the site (pairs for
        // `tracedoc diff`, fixtures) is not entered.
        if dir.join(IGNORE_FILE).is_file() {
            walk.skip_current_dir();
            continue;
        }
        let rel = match dir.strip_prefix(root) {
            Ok(rel) => rel.to_path_buf(),
            Err(e) => {
                found.push(Walked::Found(Found::Skipped {
                    dir: dir.to_path_buf(),
                    reason: e.to_string(),
                }));
                walk.skip_current_dir();
                continue;
            }
        };
        if let Err(reason) = accept(&rel) {
            found.push(Walked::Found(Found::Skipped {
                dir: dir.to_path_buf(),
                reason,
            }));
            walk.skip_current_dir();
            continue;
        }
        found.push(Walked::Dir {
            dir: dir.to_path_buf(),
            rel,
        });
    }
    use rayon::prelude::*;
    let found: Vec<Vec<Found>> = found
        .into_par_iter()
        .map(|walked| {
            let (dir, rel) = match walked {
                Walked::Found(f) => return vec![f],
                Walked::Dir { dir, rel } => (dir, rel),
            };
            let mut found = Vec::new();
            let logs = logs_in(&dir, follow_links).map(|logs| {
                for link in logs.links {
                    let reason = link_skipped(&link);
                    found.push(Found::Link { path: link, reason });
                }
                logs.files
            });
            match logs {
                Err(e) => found.push(Found::Unreadable {
                    path: dir,
                    message: e.to_string(),
                }),
                Ok(logs) if !logs.is_empty() => found.push(Found::Capture {
                    dir,
                    rel,
                    files: logs,
                }),
                Ok(_) => {}
            }
            found
        })
        .collect();
    found.into_iter().flatten().collect()
}

/// One step of [`find_captures`]' walk: a folder whose files are still to
/// be looked at, or what was found already.
enum Walked {
    Dir { dir: PathBuf, rel: PathBuf },
    Found(Found),
}
