//! Capture formats -> records. The first stage of the pipeline.
//!
//! Each format lives in its own module and turns a file into
//! [`crate::model::Record`]s plus warnings. Only requestshook exists today;
//! HAR, `openstack --debug` and OpenTelemetry readers slot in beside it.

pub mod requestshook;
pub mod write;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error, Result};
use crate::model::Capture;

/// The file name requestshook writes, preferred when a folder holds several logs.
pub const DEFAULT_FILE: &str = "requestshook.log";

/// A capture read from disk, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The file that was read.
    pub path: PathBuf,
    pub capture: Capture,
    pub diagnostics: Vec<Diagnostic>,
}

/// The `*.log` files directly in a folder.
#[derive(Debug, Default)]
pub struct Logs {
    /// Their names, sorted: regular files, and links to files when followed.
    pub files: Vec<String>,
    /// Symbolic links to files that were not followed, sorted.
    pub links: Vec<PathBuf>,
}

/// Lists the `*.log` files directly in `dir`. A symbolic link to a file is
/// listed only when `follow_links`; otherwise it is returned in
/// [`Logs::links`], so that a link planted in a captures tree cannot make
/// tracedoc read and publish a file from elsewhere.
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
///
/// A file named on the command line is read as it is, link or not. In a
/// folder, `requestshook.log` or the only `*.log` file is taken; symbolic
/// links to files are passed over unless `follow_links` (symbolic links to
/// folders are never followed by `build`).
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

/// Reads a requestshook capture. A file without any record is an error.
pub fn load(path: &Path) -> Result<Loaded> {
    let file = File::open(path).map_err(|e| Error::read(path, e))?;
    load_from(BufReader::with_capacity(1 << 16, file), path)
}

/// Reads a requestshook capture from any reader; `path` names it in messages.
pub fn load_from<R: BufRead>(reader: R, path: &Path) -> Result<Loaded> {
    let mut parser = requestshook::Parser::new(reader, path);
    let mut records = Vec::new();
    for record in parser.by_ref() {
        records.push(record?);
    }
    if records.is_empty() {
        return Err(Error::NoRecords {
            path: path.to_path_buf(),
        });
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_FILE.to_string());
    Ok(Loaded {
        path: path.to_path_buf(),
        capture: Capture { name, records },
        diagnostics: parser.take_diagnostics(),
    })
}
