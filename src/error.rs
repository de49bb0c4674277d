//! Errors and warnings, always tied to a file and, where there is one, a line.
//!
//! Fatal problems are [`Error`]s. Problems that still let the rest of a
//! capture render are [`Diagnostic`]s: printed as warnings, and turned into
//! exit code 1 by `--strict`.

use std::fmt;
use std::path::{Path, PathBuf};

/// A fatal error. Every variant names the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: invalid UTF-8; tracedoc reads UTF-8 captures only (convert the file, e.g. with `iconv -f latin1 -t utf-8`)")]
    InvalidUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    #[error("{}: no requestshook records found (a record starts with a line like `### (caller) REQ >>> (service) : GET http://...`)", path.display())]
    NoRecords { path: PathBuf },
    #[error("{}: not a capture in any format tracedoc reads; tried {tried}. Pass --format to read it as one of them", path.display())]
    UnknownFormat { path: PathBuf, tried: String },
    #[error("{}: not a readable {format} document: {message}", path.display())]
    BadDocument {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{}: no capture found in this folder (no file in a format tracedoc reads, and no `*.log` file)", path.display())]
    NoCapture { path: PathBuf },
    #[error("{}: no capture found in this folder: {links} is a symbolic link, and links found inside a folder are not followed (name the file itself, or pass --follow-symlinks)", path.display())]
    OnlyLinks { path: PathBuf, links: String },
    #[error("{}: more than one capture in this folder ({found}); name the file to render", path.display())]
    AmbiguousCapture { path: PathBuf, found: String },
    #[error("refusing to overwrite `{}`: it changed since tracedoc wrote it (hand edits?). Move it away, or pass --force to overwrite", path.display())]
    HandEdited { path: PathBuf },
    #[error("template `{name}` failed{}: {message}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Template {
        name: String,
        line: Option<usize>,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },
    /// A capture in a structured format (a trace) that cannot be read, or
    /// holds nothing tracedoc can show.
    #[error("{}: {format}: {message}", path.display())]
    Unreadable {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{count} warning(s) and --strict was given")]
    Strict { count: usize },
}

impl Error {
    pub fn read(path: &Path, source: std::io::Error) -> Self {
        Error::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn write(path: &Path, source: std::io::Error) -> Self {
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong in a recoverable way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// A line that starts like a head line but does not parse.
    BadHead,
    /// A header line without `": "`.
    BadHeader,
    /// The file ends inside a record.
    Truncated,
    /// Text before the first record.
    Preamble,
    /// A request with no response, or a response with no request.
    Unpaired,
    /// A request id seen on more than one request.
    DuplicateId,
    /// A note in `notes.md` whose step was not found.
    OrphanedNote,
    /// A part of a structured capture (a HAR entry, a header) that could
    /// not be read, or lacks what it should hold; it is left out or kept
    /// as far as it goes.
    BadEntry,
    /// A part of a structured capture (a line of a JSON-lines file, a span)
    /// that could not be read and was left out.
    Skipped,
}

/// A warning about one place in one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based line; 0 for a format without lines worth naming (JSON),
    /// where `entry` says where.
    pub line: usize,
    /// Where in a structured file (`log.entries[3]`, a span id), when there is no line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    pub kind: DiagnosticKind,
    pub message: String,
    /// The captured line the warning is about, whole. It is shown after the
    /// message, cut to a readable length, so redaction (which needs the whole
    /// line to find a secret) can run on it first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

/// The path and message as they are: both can hold captured text, so
/// whatever prints this to a terminal escapes it first (the CLI does, with
/// `view::escape::terminal`).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.entry, self.line) {
            (_, line) if line > 0 => write!(f, "{}:{line}: ", self.path.display())?,
            (Some(entry), _) => write!(f, "{}: {entry}: ", self.path.display())?,
            (None, _) => write!(f, "{}: ", self.path.display())?,
        }
        write!(f, "{}", self.message)?;
        if let Some(q) = &self.quote {
            write!(f, ": {}", shorten(q))?;
        }
        Ok(())
    }
}

/// A line cut to a readable length for messages, in backticks.
fn shorten(line: &str) -> String {
    const MAX: usize = 80;
    if line.chars().count() <= MAX {
        format!("`{line}`")
    } else {
        let cut: String = line.chars().take(MAX).collect();
        format!("`{cut}...`")
    }
}
