//! The `index.md` page of a capture: the page people used to write by
//! hand, pulling the generated parts in with pymdownx.snippets.

use indexmap::IndexMap;
use serde::Serialize;

use crate::view::page::{Labels, LeftOut, Link, Page, Participant};

/// A file of the capture's page, as `index.md` includes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Include {
    /// The file name (`body.md`).
    pub name: String,
    /// The path for a `--8<--` line, relative to snippets' `base_path`.
    pub path: String,
    /// Whether the file is empty (nothing to show: no tokens, nothing omitted).
    pub empty: bool,
}

/// One mermaid block of `index.md`: the whole diagram, or one part of a
/// diagram too big for one block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagramInclude {
    /// The path for the `--8<--` line inside the mermaid fence. A part
    /// carries its own `autonumber START` line, so numbers run on across blocks.
    pub path: String,
}

/// The context of the `index.md` template.
///
/// The include paths are final for a `--8<-- "..."` line (made only of
/// folder names the site checked, with no `"`, `\` or line break): the
/// template context marks them safe. Every other text is escaped where it
/// is printed.
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
    pub diagram: String,
    /// Include path of `body.md`.
    pub body: String,
    /// Include path of `log.md`.
    pub log: String,
    /// Every generated file that is not empty: file name -> include path
    /// (`{% if "tokens.md" in parts %}--8<-- "{{ parts["tokens.md"] }}"{% endif %}`).
    pub parts: IndexMap<String, String>,
    /// Every generated file with its include path, in writing order.
    pub files: Vec<Include>,
    /// How many records the capture holds.
    pub records: usize,
    /// The diagram's participants, in order of first appearance.
    pub participants: Vec<Participant>,
    /// Each API operation the capture calls, once, in order of first call.
    pub operations: Vec<Link>,
    pub labels: Labels,
    /// What the capture's format cannot show, one line each.
    pub lacks: Vec<String>,
}

impl IndexPage {
    /// The context for a capture in the folder `folders` (names, outermost
    /// first; none at the root of the tree), whose files are `files`
    /// (name, and whether it is empty).
    ///
    /// `prefix` is where the output folder sits below snippets' `base_path`
    /// (`/`-separated, empty when the output folder is the base path itself);
    /// `root_title` names a capture found at the root of the tree.
    pub fn new(
        folders: &[String],
        prefix: &str,
        root_title: &str,
        page: &Page,
        files: &[(String, bool)],
    ) -> IndexPage {
        let folder = folders.join("/");
        let base: Vec<&str> = [prefix.trim_matches('/'), folder.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let base = base.join("/");
        let path_of = |name: &str| {
            if base.is_empty() {
                name.to_string()
            } else {
                format!("{base}/{name}")
            }
        };
        let title = if folders.is_empty() {
            root_title.to_string()
        } else {
            folders.join(" ")
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
            .map(|(name, empty)| Include {
                name: name.clone(),
                path: path_of(name),
                empty: *empty,
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
            records: page.records,
            participants: page.diagram.participants.clone(),
            operations: page.operations.clone(),
            labels: page.labels.clone(),
            lacks: page.lacks.clone(),
        }
    }
}
