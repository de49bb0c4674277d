//! `capture.toml`: what a person says about a capture, next to its log.
//!
//! ```toml
//! command = "openstack server create --flavor m1.tiny --image cirros vm1"
//! output = """
//! +-------+-------+
//! | Field | Value |
//! ...
//! """
//! title = "openstack server create"
//! description = "Boot a server and wait for it."
//! ```
//!
//! Every key is optional; an unknown key is an error naming the file and
//! line, so a typo is not silently ignored. The text is untrusted like the
//! capture itself: it is kept raw here and escaped where a page prints it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The file name looked for beside a capture.
pub const FILE: &str = "capture.toml";

/// The metadata of one capture.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// The exact command line that was captured.
    pub command: Option<String>,
    /// What the command printed.
    pub output: Option<String>,
    /// The page title (default: the command, else the folder names).
    pub title: Option<String>,
    /// A paragraph shown under the title.
    pub description: Option<String>,
}

/// A capture's metadata and the text it was read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Read {
    pub meta: Meta,
    /// The file, when there is one.
    pub path: Option<PathBuf>,
    /// A hash of the file's bytes (`b3:...`), empty when there is no file:
    /// pages made with other metadata are stale.
    pub digest: String,
}

/// Reads `dir/capture.toml` when it exists. A symbolic link is read only
/// with `follow_links`, like a capture file found in a folder.
pub fn read(dir: &Path, follow_links: bool) -> Result<Read> {
    let Some(path) = crate::input::discover::side_file(&dir.join(FILE), follow_links)? else {
        return Ok(Read::default());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::read(&path, e))?;
    let meta = parse(&text, &path)?;
    Ok(Read {
        meta,
        digest: format!("b3:{}", blake3::hash(text.as_bytes()).to_hex()),
        path: Some(path),
    })
}

/// Parses `capture.toml` text; `path` names it in errors (`path:line: ...`).
pub fn parse(text: &str, path: &Path) -> Result<Meta> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        Error::Config {
            path: PathBuf::from(match line {
                Some(l) => format!("{}:{l}", path.display()),
                None => path.display().to_string(),
            }),
            message: e.message().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_optional() {
        assert_eq!(parse("", Path::new("c.toml")).unwrap(), Meta::default());
        let m = parse("title = \"t\"\n", Path::new("c.toml")).unwrap();
        assert_eq!(m.title.as_deref(), Some("t"));
        assert_eq!(m.command, None);
    }

    #[test]
    fn unknown_keys_are_named_with_file_and_line() {
        let err = parse("title = \"t\"\ncomand = \"x\"\n", Path::new("c.toml")).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("c.toml:2: "), "{text}");
        assert!(text.contains("comand"), "{text}");
    }

    #[test]
    fn wrong_types_are_errors() {
        let err = parse("title = 3\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().starts_with("c.toml:1: "), "{err}");
    }
}
