//! Where pages go: output folders named after capture folders.
//!
//! `tracedoc build CAPTURES -o DOCS` mirrors the capture tree: the capture in
//! `CAPTURES/openstack/image/create/` becomes `DOCS/openstack/image/create/`.
//! A folder name is copied into an output path and into `--8<--` include
//! lines, so each one is checked first: only plain, printable names pass
//! ([`RelDir::new`]); `..`, absolute paths, backslashes, quotes, `<`, `>`
//! and control characters are refused, so no capture folder can steer
//! output outside `DOCS` or change what a page includes.

use std::path::{Component, Path, PathBuf};

/// A capture folder's place in the tree: plain folder names, outermost first.
/// Empty when the capture sits at the root of the tree itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RelDir(Vec<String>);

impl RelDir {
    /// Checks a relative folder path, one component at a time.
    ///
    /// Refused: `..`, `.`, a root or drive prefix, names that are not UTF-8,
    /// and names holding control characters, `\`, `"` (they would end the
    /// quoted include path), `<` or `>` (MkDocs's navigation would show them
    /// as HTML) or starting with `.` (hidden folders).
    pub fn new(rel: &Path) -> Result<RelDir, String> {
        let mut parts = Vec::new();
        for component in rel.components() {
            match component {
                Component::Normal(name) => {
                    let name = name
                        .to_str()
                        .ok_or_else(|| format!("folder name {name:?} is not UTF-8"))?;
                    check_name(name)?;
                    parts.push(name.to_string());
                }
                Component::CurDir => {}
                Component::ParentDir => return Err("`..` in a folder path".into()),
                Component::RootDir | Component::Prefix(_) => {
                    return Err("absolute folder path".into())
                }
            }
        }
        Ok(RelDir(parts))
    }

    /// The folder names, outermost first.
    pub fn components(&self) -> &[String] {
        &self.0
    }

    /// The path with `/` separators (`openstack/image/create`); empty at the root.
    pub fn to_slash(&self) -> String {
        self.0.join("/")
    }

    /// `base` joined with every component: always inside `base`.
    pub fn under(&self, base: &Path) -> PathBuf {
        let mut path = base.to_path_buf();
        path.extend(&self.0);
        path
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty folder name".into());
    }
    if name.starts_with('.') {
        return Err(format!("hidden folder name {name:?}"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_control() || matches!(c, '\\' | '"'))
    {
        return Err(format!("folder name {name:?} holds {c:?}"));
    }
    // MkDocs names a nav section after its folder, and Material prints that
    // name into every page's navigation as HTML, unescaped: no escape in a
    // page can reach it, so a folder name that could be a tag is refused.
    if let Some(c) = name.chars().find(|c| matches!(c, '<' | '>')) {
        return Err(format!(
            "folder name {name:?} holds {c:?} (MkDocs shows folder names in the navigation as HTML)"
        ));
    }
    Ok(())
}

/// Refuses an output folder reached through a symbolic link below `base`,
/// so a link planted in the docs tree cannot send pages elsewhere.
pub fn check_no_links(base: &Path, rel: &RelDir) -> Result<(), String> {
    let mut path = base.to_path_buf();
    for part in rel.components() {
        path.push(part);
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            if meta.file_type().is_symlink() {
                return Err(format!(
                    "`{}` is a symbolic link; refusing to write through it",
                    path.display()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_folders_pass() {
        let rel = RelDir::new(Path::new("openstack/image/create")).unwrap();
        assert_eq!(rel.to_slash(), "openstack/image/create");
        assert_eq!(
            rel.under(Path::new("docs")),
            Path::new("docs/openstack/image/create")
        );
        assert!(RelDir::new(Path::new("")).unwrap().components().is_empty());
        assert_eq!(RelDir::new(Path::new("./a/./b")).unwrap().to_slash(), "a/b");
    }

    #[test]
    fn folders_that_could_escape_or_inject_are_refused() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc",
            "a/.hidden",
            "a\\b",
            "a\"b",
            "line\nbreak",
            "tab\there",
            "esc\u{1b}[1m",
            "<img src=x onerror=alert(1)>",
            "a/b>c",
        ] {
            assert!(RelDir::new(Path::new(bad)).is_err(), "{bad:?} passed");
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_in_the_output_path_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("a")).unwrap();
        std::os::unix::fs::symlink(outside.path(), tmp.path().join("a/b")).unwrap();
        let rel = RelDir::new(Path::new("a/b/c")).unwrap();
        assert!(check_no_links(tmp.path(), &rel).is_err());
        let ok = RelDir::new(Path::new("a/x")).unwrap();
        assert!(check_no_links(tmp.path(), &ok).is_ok());
    }
}
