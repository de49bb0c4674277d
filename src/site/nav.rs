//! The site's shape: which folders hold captures, where their pages go, and
//! the context of the `index.md` page that ties a capture's parts together.
//!
//! `tracedoc build CAPTURES -o DOCS` mirrors the capture tree: the capture in
//! `CAPTURES/openstack/image/create/` becomes `DOCS/openstack/image/create/`.
//! A folder name is copied into an output path and into `--8<--` include
//! lines, so each one is checked here first: only plain, printable names
//! pass ([`RelDir::new`]); `..`, absolute paths, backslashes, quotes and
//! control characters are refused, so no capture folder can steer output
//! outside `DOCS` or change what a page includes.

use std::path::{Component, Path, PathBuf};

use indexmap::IndexMap;
use serde::Serialize;

use crate::capture::{self, DEFAULT_FILE};
use crate::model::{Labels, LeftOut, Link, Page, Participant};
use crate::render::context::Safe;

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

    /// Whether this is the root of the tree.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
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

/// What the walk found in one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A folder holding a capture: `requestshook.log`, or exactly one `*.log`.
    Capture {
        /// The folder on disk (the tree root joined with `rel`).
        dir: PathBuf,
        rel: RelDir,
    },
    /// A folder left out, and why (an odd name, several logs, none named
    /// `requestshook.log`). Its subfolders are not visited when the name is odd.
    Skipped { dir: PathBuf, reason: String },
    /// A `*.log` file that is a symbolic link, not followed (the folder may
    /// still hold a capture of its own).
    Link { path: PathBuf, reason: String },
    /// A folder that could not be read.
    Unreadable { path: PathBuf, message: String },
}

/// Walks `root` in sorted order and reports every folder that holds a capture.
///
/// Hidden folders (`.git`, `.venv`) and `exclude` (the output folder, when it
/// lies inside the tree) are not visited; symbolic links to folders are not
/// followed, and symbolic links to `*.log` files only with `follow_links`
/// (each one passed over is reported as [`Found::Link`]).
pub fn find_captures(root: &Path, exclude: Option<&Path>, follow_links: bool) -> Vec<Found> {
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
        let rel = match dir.strip_prefix(root).map_err(|e| e.to_string()) {
            Ok(rel) => RelDir::new(rel),
            Err(e) => Err(e),
        };
        let rel = match rel {
            Ok(rel) => rel,
            Err(reason) => {
                found.push(Found::Skipped {
                    dir: dir.to_path_buf(),
                    reason,
                });
                walk.skip_current_dir();
                continue;
            }
        };
        let logs = capture::logs_in(dir, follow_links).map(|logs| {
            for link in logs.links {
                let reason = capture::link_skipped(&link);
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

/// A file of the capture's page, as `index.md` includes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Include {
    /// The file name (`body.md`).
    pub name: String,
    /// The path for a `--8<--` line, relative to snippets' `base_path`
    /// (printed as it is: see [`IndexPage`]).
    pub path: Safe<String>,
    /// Whether the file is empty (nothing to show: no tokens, nothing omitted).
    pub empty: bool,
}

/// One mermaid block of `index.md`: the whole diagram, or one part of a
/// diagram too big for one block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagramInclude {
    /// The path for the `--8<--` line inside the mermaid fence. A part
    /// carries its own `autonumber START` line, so numbers run on across blocks.
    pub path: Safe<String>,
}

/// The context of the `index.md` template: the page people used to write by
/// hand, pulling the generated parts in with pymdownx.snippets.
///
/// The include paths are printed as they are (they are final for a
/// `--8<-- "..."` line: made only of checked folder names, with no `"`,
/// `\` or line break); every other text is escaped where it is printed.
#[derive(Debug, Clone, Serialize)]
pub struct IndexPage {
    /// The page title: the folder names joined by spaces (`openstack image
    /// create`, the command that was captured).
    pub title: String,
    /// The capture folder relative to the tree root, `/`-separated; empty at the root.
    pub folder: String,
    /// The capture's file name (`requestshook.log`).
    pub capture: String,
    /// The mermaid blocks to draw: `diagram.md`, or its parts when it was split.
    pub diagrams: Vec<DiagramInclude>,
    /// The steps no part shows, when the diagram needed more than
    /// `[diagram] max_parts` parts (the page says so with `labels.left_out`).
    pub left_out: Option<LeftOut>,
    /// Include path of `diagram.md` (the whole diagram).
    pub diagram: Safe<String>,
    /// Include path of `body.md`.
    pub body: Safe<String>,
    /// Include path of `log.md`.
    pub log: Safe<String>,
    /// Every generated file that is not empty: file name -> include path
    /// (`{% if "tokens.md" in parts %}--8<-- "{{ parts["tokens.md"] }}"{% endif %}`).
    pub parts: IndexMap<String, Safe<String>>,
    /// Every generated file with its include path, in writing order.
    pub files: Vec<Include>,
    /// How many records the capture holds.
    pub records: usize,
    /// The diagram's participants, in order of first appearance.
    pub participants: Vec<Participant>,
    /// Each API operation the capture calls, once, in order of first call.
    pub operations: Vec<Link>,
    pub labels: Labels,
}

impl IndexPage {
    /// The context for a capture at `rel`, whose files are `files`.
    ///
    /// `prefix` is where the output folder sits below snippets' `base_path`
    /// (`/`-separated, empty when the output folder is the base path itself);
    /// `root_title` names a capture found at the root of the tree.
    pub fn new(
        rel: &RelDir,
        prefix: &str,
        root_title: &str,
        page: &Page,
        files: &[(String, String)],
    ) -> IndexPage {
        let folder = rel.to_slash();
        let base: Vec<&str> = [prefix.trim_matches('/'), folder.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let base = base.join("/");
        let path_of = |name: &str| {
            Safe(if base.is_empty() {
                name.to_string()
            } else {
                format!("{base}/{name}")
            })
        };
        let title = if rel.is_root() {
            root_title.to_string()
        } else {
            rel.components().join(" ")
        };
        let mut diagrams: Vec<DiagramInclude> = page
            .parts
            .iter()
            .map(|part| DiagramInclude {
                path: path_of(&part.file),
            })
            .collect();
        if diagrams.is_empty() {
            diagrams.push(DiagramInclude {
                path: path_of("diagram.md"),
            });
        }
        let files: Vec<Include> = files
            .iter()
            .map(|(name, text)| Include {
                name: name.clone(),
                path: path_of(name),
                empty: text.trim().is_empty(),
            })
            .collect();
        IndexPage {
            title,
            folder,
            capture: page.capture.clone(),
            diagrams,
            left_out: page.left_out,
            diagram: path_of("diagram.md"),
            body: path_of("body.md"),
            log: path_of("log.md"),
            parts: files
                .iter()
                .filter(|f| !f.empty)
                .map(|f| (f.name.clone(), f.path.clone()))
                .collect(),
            files,
            records: page.steps.len(),
            participants: page.diagram.participants.clone(),
            operations: page.steps.iter().filter_map(|s| s.tip.clone()).collect(),
            labels: page.labels.clone(),
        }
    }
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
        assert!(RelDir::new(Path::new("")).unwrap().is_root());
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

    #[test]
    fn walk_finds_captures_sorted_and_reports_odd_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let mk = |dir: &str, files: &[&str]| {
            let d = root.join(dir);
            std::fs::create_dir_all(&d).unwrap();
            for f in files {
                std::fs::write(d.join(f), "x").unwrap();
            }
        };
        mk("b/create", &["requestshook.log", "other.log"]);
        mk("a/list", &["only.log"]);
        mk("a/none", &["notes.txt"]);
        mk("c/two", &["one.log", "two.log"]);
        mk(".git/x", &["requestshook.log"]);
        mk("out/y", &["requestshook.log"]);
        mk("bad\\name", &["requestshook.log"]);
        let found = find_captures(root, Some(&root.join("out")), false);
        let captures: Vec<String> = found
            .iter()
            .filter_map(|f| match f {
                Found::Capture { rel, .. } => Some(rel.to_slash()),
                _ => None,
            })
            .collect();
        assert_eq!(captures, ["a/list", "b/create"]);
        let skipped: Vec<&Path> = found
            .iter()
            .filter_map(|f| match f {
                Found::Skipped { dir, .. } => Some(dir.as_path()),
                _ => None,
            })
            .collect();
        assert_eq!(skipped, [root.join("bad\\name"), root.join("c/two")]);
    }

    #[test]
    fn a_capture_at_the_root_is_found() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(DEFAULT_FILE), "x").unwrap();
        let found = find_captures(tmp.path(), None, false);
        assert!(matches!(&found[..], [Found::Capture { rel, .. }] if rel.is_root()));
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
