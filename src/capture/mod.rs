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

/// Finds the capture file for an input that is a file or a folder holding one.
pub fn locate(input: &Path) -> Result<PathBuf> {
    let meta = std::fs::metadata(input).map_err(|e| Error::read(input, e))?;
    if !meta.is_dir() {
        return Ok(input.to_path_buf());
    }
    let preferred = input.join(DEFAULT_FILE);
    if preferred.is_file() {
        return Ok(preferred);
    }
    let mut logs: Vec<PathBuf> = std::fs::read_dir(input)
        .map_err(|e| Error::read(input, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "log"))
        .collect();
    logs.sort();
    match logs.len() {
        0 => Err(Error::NoCapture {
            path: input.to_path_buf(),
        }),
        1 => Ok(logs.remove(0)),
        _ => Err(Error::AmbiguousCapture {
            path: input.to_path_buf(),
            found: logs
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
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
