//! Finding captures on disk: the capture file of a folder, and every
//! capture folder of a tree.
//!
//! A capture folder holds `requestshook.log`, or exactly one `*.log` file.
//! A file named on the command line is read as it is, link or not; a
//! symbolic link found inside a folder is passed over unless the caller
//! asks to follow links, so a link planted in a captures tree cannot make
//! tracedoc read and publish a file from elsewhere. Symbolic links to
//! folders are never followed.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file name requestshook writes, preferred when a folder holds several logs.
pub const DEFAULT_FILE: &str = "requestshook.log";

/// The `*.log` files directly in a folder.
#[derive(Debug, Default)]
pub struct Logs {
    /// Their names, sorted: regular files, and links to files when followed.
    pub files: Vec<String>,
    /// Symbolic links to files that were not followed, sorted.
    pub links: Vec<PathBuf>,
}

/// Lists the `*.log` files directly in `dir` (see the module docs for links).
pub fn logs_in(dir: &Path, follow_links: bool) -> std::io::Result<Logs> {
    let mut logs = Logs::default();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "log") {
            continue;
        }
        let kind = entry.file_type()?;
        let read = if kind.is_symlink() {
            // Only links that lead to a file matter: they would be read.
            if !path.is_file() {
                continue;
            }
            if !follow_links {
                logs.links.push(path);
                continue;
            }
            true
        } else {
            kind.is_file()
        };
        if read {
            logs.files
                .push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    logs.files.sort();
    logs.links.sort();
    Ok(logs)
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

/// The capture file an input names, and what was passed over to find it.
#[derive(Debug)]
pub struct Located {
    pub path: PathBuf,
    /// Symbolic links to `*.log` files in the folder that were not followed.
    pub skipped_links: Vec<PathBuf>,
}

/// Finds the capture file for an input that is a file or a folder holding one.
pub fn locate(input: &Path, follow_links: bool) -> Result<Located> {
    let meta = std::fs::metadata(input).map_err(|e| Error::read(input, e))?;
    if !meta.is_dir() {
        return Ok(Located {
            path: input.to_path_buf(),
            skipped_links: Vec::new(),
        });
    }
    let logs = logs_in(input, follow_links).map_err(|e| Error::read(input, e))?;
    let name = if logs.files.iter().any(|f| f == DEFAULT_FILE) {
        DEFAULT_FILE.to_string()
    } else {
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
            [only] => only.clone(),
            several => {
                return Err(Error::AmbiguousCapture {
                    path: input.to_path_buf(),
                    found: several.join(", "),
                })
            }
        }
    };
    Ok(Located {
        path: input.join(name),
        skipped_links: logs.links,
    })
}

/// What the walk found in one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A folder holding a capture: `requestshook.log`, or exactly one `*.log`.
    Capture {
        /// The folder on disk.
        dir: PathBuf,
        /// The folder relative to the tree's root.
        rel: PathBuf,
    },
    /// A folder left out, and why (a name the caller refused, several
    /// logs, none named `requestshook.log`). Its subfolders are not visited
    /// when the name was refused.
    Skipped { dir: PathBuf, reason: String },
    /// A `*.log` file that is a symbolic link, not followed (the folder may
    /// still hold a capture of its own).
    Link { path: PathBuf, reason: String },
    /// A folder that could not be read.
    Unreadable { path: PathBuf, message: String },
}

/// Walks `root` in sorted order and reports every folder that holds a capture.
///
/// Hidden folders (`.git`, `.venv`) and `exclude` (the output folder, when
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
    let mut found = Vec::new();
    let mut walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                found.push(Found::Unreadable {
                    path: e.path().unwrap_or(root).to_path_buf(),
                    message: e.to_string(),
                });
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
        if exclude.is_some() && std::fs::canonicalize(dir).ok() == exclude {
            walk.skip_current_dir();
            continue;
        }
        let rel = match dir.strip_prefix(root) {
            Ok(rel) => rel.to_path_buf(),
            Err(e) => {
                found.push(Found::Skipped {
                    dir: dir.to_path_buf(),
                    reason: e.to_string(),
                });
                walk.skip_current_dir();
                continue;
            }
        };
        if let Err(reason) = accept(&rel) {
            found.push(Found::Skipped {
                dir: dir.to_path_buf(),
                reason,
            });
            walk.skip_current_dir();
            continue;
        }
        let logs = logs_in(dir, follow_links).map(|logs| {
            for link in logs.links {
                let reason = link_skipped(&link);
                found.push(Found::Link { path: link, reason });
            }
            logs.files
        });
        match logs {
            Err(e) => found.push(Found::Unreadable {
                path: dir.to_path_buf(),
                message: e.to_string(),
            }),
            Ok(logs) if logs.iter().any(|l| l == DEFAULT_FILE) || logs.len() == 1 => {
                found.push(Found::Capture {
                    dir: dir.to_path_buf(),
                    rel,
                })
            }
            Ok(logs) if logs.len() > 1 => found.push(Found::Skipped {
                dir: dir.to_path_buf(),
                reason: format!(
                    "{} `*.log` files and none named `{DEFAULT_FILE}`: {}",
                    logs.len(),
                    logs.join(", ")
                ),
            }),
            Ok(_) => {}
        }
    }
    found
}
