//! Rendering: the page model -> Markdown and mermaid text, through templates.
//!
//! [`build_page`] turns records and what `correlate` found into the typed
//! [`Page`] context; [`render_page`] runs the templates over it. Nothing
//! here writes files: that is `site`'s job.

pub mod escape;
pub mod template;

use std::collections::HashSet;

use crate::config::Config;
use crate::correlate::apiref::ApiRef;
use crate::error::Result;
use crate::model::{BodyKind, Diagram, DiagramItem, Link, Page, Participant, Record, Step};
pub use template::Templates;

/// The files one capture renders to, in the order they are written.
pub const OUTPUTS: &[&str] = &["body.md", "diagram.md", "log.md"];

/// Builds the page context for one capture.
///
/// `api` holds the operation of each record (from `correlate::api_refs`).
pub fn build_page(
    capture_name: &str,
    records: &[Record],
    api: &[Option<ApiRef>],
    config: &Config,
) -> Page {
    let mut seen_ops: HashSet<(&str, &str)> = HashSet::new();
    let mut steps = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        let api_ref = api.get(i).and_then(Option::as_ref);
        let link = api_ref.map(|a| Link {
            title: escape::one_line(&a.title),
            url: a.url.clone(),
        });
        let tip = match api_ref {
            Some(a) if seen_ops.insert((a.title.as_str(), a.url.as_str())) => link.clone(),
            _ => None,
        };
        steps.push(step(record, tip, link));
    }
    let log_fence = escape::fence_for(steps.iter().flat_map(|s| {
        s.header_lines
            .iter()
            .chain(s.body_lines.iter())
            .map(String::as_str)
    }));
    let diagram = raw_diagram(&steps);
    Page {
        capture: capture_name.to_string(),
        labels: config.labels.clone(),
        steps,
        diagram,
        log_fence,
    }
}

fn step(record: &Record, tip: Option<Link>, api: Option<Link>) -> Step {
    let header_lines: Vec<String> = record
        .headers
        .iter()
        .map(|h| escape::snippet_safe(&h.line()).into_owned())
        .collect();
    let body_lines: Vec<String> = record
        .body
        .lines
        .iter()
        .map(|l| escape::snippet_safe(l).into_owned())
        .collect();
    let header_fence = escape::fence_for(header_lines.iter().map(String::as_str));
    let body_fence = escape::fence_for(body_lines.iter().map(String::as_str));
    let title = escape::one_line(&record.title());
    Step {
        index: record.index,
        line: record.line,
        direction: record.direction,
        from: escape::one_line(&record.from),
        to: escape::one_line(&record.to),
        method: record.method.clone(),
        url: record.url.clone(),
        path: record.path().to_string(),
        status: record.status.clone(),
        title_attr: escape::attr(&title),
        title,
        tip,
        api,
        header_lines,
        body_lines,
        body_kind: match record.body.kind {
            BodyKind::None => "none",
            BodyKind::Json => "json",
            BodyKind::Binary => "binary",
            BodyKind::Text => "text",
        }
        .to_string(),
        header_fence,
        body_fence,
    }
}

/// One message per record, as requestshook wrote its diagram lines.
fn raw_diagram(steps: &[Step]) -> Diagram {
    let mut participants: Vec<Participant> = Vec::new();
    let mut items = Vec::with_capacity(steps.len());
    for s in steps {
        for name in [&s.from, &s.to] {
            if !participants.iter().any(|p| &p.label == name) {
                participants.push(Participant {
                    id: name.clone(),
                    label: name.clone(),
                    declare: false,
                });
            }
        }
        let (from, to, arrow, text) = match s.status {
            None => (
                s.from.clone(),
                s.to.clone(),
                "->>",
                format!("{} {}", s.method, s.path),
            ),
            Some(ref st) => (
                s.to.clone(),
                s.from.clone(),
                "-->>",
                format!("{} {}", st.text, s.path),
            ),
        };
        items.push(DiagramItem {
            kind: "message".into(),
            depth: 0,
            keyword: String::new(),
            from,
            to,
            arrow: arrow.into(),
            text,
            step: Some(s.index),
        });
    }
    Diagram {
        participants,
        items,
    }
}

/// Renders every output file of a page: `(file name, contents)`.
pub fn render_page(page: &Page, templates: &Templates) -> Result<Vec<(String, String)>> {
    OUTPUTS
        .iter()
        .map(|name| Ok((name.to_string(), templates.render(name, page)?)))
        .collect()
}
