//! Rendering: the page model -> Markdown and mermaid text, through templates.
//!
//! The small files of a page (the diagram and its parts, the tables) are
//! rendered whole from the page's head ([`head_files`]); `body.md` and
//! `log.md` are rendered one step at a time into a writer
//! ([`write_step`]), so a capture of any size streams through. Nothing here
//! writes files: that is `site`'s job.

pub mod context;
pub mod native;
pub mod template;

use std::sync::Arc;

use crate::error::Result;
use crate::view::index::IndexPage;
use crate::view::{Page, Step};
pub use context::Head;
pub use template::Templates;

/// The files every capture renders to; `diagram-N.md` parts come on top
/// when a diagram is over the size limits.
pub const OUTPUTS: &[&str] = &[
    "body.md",
    "diagram.md",
    "log.md",
    "tokens.md",
    "variables.md",
    "omitted.md",
];

/// The page's small files, rendered in memory: `diagram.md`, the tables,
/// then the diagram's parts, as (file name, text).
pub fn head_files(
    page: &Page,
    head: &Head,
    templates: &Templates,
) -> Result<Vec<(String, String)>> {
    let context = head.page();
    let mut files = Vec::new();
    for name in ["diagram.md", "tokens.md", "variables.md", "omitted.md"] {
        files.push((name.to_string(), templates.render_value(name, &context)?));
    }
    for part in &page.parts {
        let ctx = minijinja::context! {
            diagram => context::diagram(&part.diagram),
            labels => &page.labels,
            capture => &page.capture,
        };
        files.push((part.file.clone(), templates.render("diagram.md", &ctx)?));
    }
    Ok(files)
}

/// Renders one step: into `body` (`body.md`, unless a filter dropped the
/// step) and into `log` (`log.md`). `first` and `last` say whether it is
/// the first or last step each file shows.
pub struct StepOut<'o> {
    pub body: &'o mut Vec<u8>,
    pub log: &'o mut Vec<u8>,
}

pub fn write_step(
    templates: &Templates,
    head: &Head,
    step: Arc<Step>,
    body_edges: (bool, bool),
    log_edges: (bool, bool),
    out: StepOut<'_>,
) -> Result<()> {
    let (native_body, native_log) = templates.native();
    if !step.omitted {
        if native_body {
            native::body(&head.bits, &step, body_edges.0, body_edges.1, out.body);
        } else {
            let ctx = head.step(step.clone(), body_edges.0, body_edges.1);
            templates.write("body.md", &ctx, out.body)?;
        }
    }
    if native_log {
        native::log(&head.bits, &step, log_edges.0, log_edges.1, out.log);
        return Ok(());
    }
    let ctx = head.step(step, log_edges.0, log_edges.1);
    templates.write("log.md", &ctx, out.log)
}

/// Renders the home page that lists every capture (`home.md`).
pub fn home(page: &crate::view::overview::HomePage, templates: &Templates) -> Result<String> {
    templates.render("home.md", page)
}

/// Renders the API coverage page (`coverage.md`).
pub fn coverage(
    page: &crate::view::overview::CoveragePage,
    templates: &Templates,
) -> Result<String> {
    templates.render("coverage.md", page)
}

/// Renders `index.md`.
pub fn index(page: &IndexPage, templates: &Templates) -> Result<String> {
    templates.render_value("index.md", &context::index(page))
}
