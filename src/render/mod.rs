//! Rendering: the page model -> Markdown and mermaid text, through templates.
//!
//! [`build_page`] turns records and what `correlate` found into the typed
//! [`Page`] context; [`render_page`] runs the templates over it. Nothing
//! here writes files: that is `site`'s job.

pub mod context;
pub mod diagram;
pub mod escape;
pub mod template;

use std::borrow::Cow;

use rayon::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;

use crate::config::Config;
use crate::correlate::apiref::ApiRef;
use crate::correlate::tokens::Tokens;
use crate::correlate::variables::Variables;
use crate::error::Result;
use crate::graph::Graph;
use crate::model::{
    BodyKind, DiagramPart, Link, Omitted, Page, Record, Step, TokenRow, VariableRow,
};
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

/// A rendered file: its name and its contents.
pub type File = (String, String);

/// What the earlier stages found out about a capture.
pub struct Analysis<'a> {
    /// The API operation of each record.
    pub api: &'a [Option<ApiRef>],
    pub graph: &'a Graph,
    pub tokens: &'a Tokens,
    pub variables: &'a Variables,
    /// For each record, whether a filter dropped it.
    pub dropped: &'a [bool],
    pub omitted: Vec<Omitted>,
}

/// Builds the page context for one capture.
///
/// `records` are the records as they will be shown (redacted, when
/// redaction is on); `analysis` was made from the records as captured.
pub fn build_page(
    capture_name: &str,
    records: Cow<'_, [Record]>,
    analysis: Analysis,
    config: &Config,
) -> Page {
    let dropped = |i: usize| analysis.dropped.get(i).copied().unwrap_or(false);
    let built = diagram::build(&diagram::Input {
        records: &records,
        graph: analysis.graph,
        variables: analysis.variables,
        dropped: analysis.dropped,
        config,
    });
    let number = |i: usize| built.steps.get(i).copied().flatten();
    // Tips go on the first request of each operation: decided in order,
    // then the steps are built on every core.
    let mut seen_ops: HashSet<(&str, &str)> = HashSet::new();
    let links: Vec<(Option<Link>, Option<Link>)> = (0..records.len())
        .map(|i| {
            let api_ref = analysis.api.get(i).and_then(Option::as_ref);
            let link = api_ref.map(|a| Link {
                title: a.title.clone(),
                url: a.url.clone(),
            });
            let tip = match api_ref {
                Some(a) if !dropped(i) && seen_ops.insert((a.title.as_str(), a.url.as_str())) => {
                    link.clone()
                }
                _ => None,
            };
            (tip, link)
        })
        .collect();
    // Owned records give their lines to the page instead of copying them.
    let steps: Vec<Step> = records
        .into_owned()
        .into_par_iter()
        .zip(links.into_par_iter())
        .enumerate()
        .map(|(i, (record, (tip, link)))| {
            let mut s = step(record, tip, link);
            s.number = number(i);
            s.omitted = dropped(i);
            s
        })
        .collect();
    let log_fence = escape::fence_for(steps.iter().flat_map(|s| {
        s.header_lines
            .iter()
            .chain(s.body_lines.iter())
            .map(String::as_str)
    }));
    let parts = built
        .parts
        .into_iter()
        .enumerate()
        .map(|(k, diagram)| DiagramPart {
            file: format!("diagram-{}.md", k + 1),
            diagram,
        })
        .collect();
    let person = |n: &Option<crate::correlate::tokens::Named>| {
        n.as_ref()
            .and_then(|n| n.name.clone().or_else(|| n.id.clone()))
    };
    let tokens = analysis
        .tokens
        .tokens
        .iter()
        .map(|t| TokenRow {
            name: t.name.clone(),
            issued_step: t.issued_in.and_then(number),
            issued_to: t.issued_to.clone(),
            methods: t.methods.clone(),
            user: person(&t.user),
            project: person(&t.project).or_else(|| person(&t.domain)),
            roles: t.roles.clone(),
            expires_at: t.expires_at.clone(),
            used_steps: dedup(t.used_in.iter().filter_map(|&r| number(r))),
            used_by: t.used_by.clone(),
            validations: t
                .validations
                .iter()
                .map(|v| (number(v.record), v.by.clone()))
                .collect(),
            preexisting: t.preexisting,
        })
        .collect();
    let variables = analysis
        .variables
        .variables
        .iter()
        .map(|v| VariableRow {
            name: v.name.clone(),
            value: v.value.clone(),
            first_step: number(v.first_seen).or_else(|| number(v.named_in)),
        })
        .collect();
    Page {
        capture: capture_name.to_string(),
        labels: config.labels.clone(),
        steps,
        diagram: built.whole,
        parts,
        left_out: built.left_out,
        tokens,
        variables,
        omitted: analysis.omitted,
        log_fence,
    }
}

/// The distinct values, in order of first appearance.
fn dedup(it: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut seen = HashSet::new();
    it.filter(|x| seen.insert(*x)).collect()
}

fn step(record: Record, tip: Option<Link>, api: Option<Link>) -> Step {
    // Text stays as captured: the templates escape it where they print it.
    let header_lines: Vec<String> = record.headers.iter().map(|h| h.line()).collect();
    let title = record.title();
    let path = record.path().to_string();
    let body_kind = match record.body.kind {
        BodyKind::None => "none",
        BodyKind::Json => "json",
        BodyKind::Binary => "binary",
        BodyKind::Text => "text",
    };
    let body_lines = record.body.lines;
    let shared = |fence: String| match fence.as_str() {
        "```" => Cow::Borrowed("```"),
        _ => Cow::Owned(fence),
    };
    let header_fence = shared(escape::fence_for(header_lines.iter().map(String::as_str)));
    let body_fence = shared(escape::fence_for(body_lines.iter().map(String::as_str)));
    Step {
        index: record.index,
        line: record.line,
        direction: record.direction,
        from: record.from,
        to: record.to,
        method: record.method,
        url: record.url,
        path,
        status: record.status,
        title,
        tip,
        api,
        header_lines,
        body_lines,
        body_kind: Cow::Borrowed(body_kind),
        header_fence,
        body_fence,
        number: None,
        omitted: false,
    }
}

/// Renders every output file of a page: `(file name, contents)`.
pub fn render_page(page: &Arc<Page>, templates: &Templates) -> Result<Vec<File>> {
    // The page is served to the templates in place (see `context`).
    let context = context::of(page.clone());
    let render = |name: &str| Ok((name.to_string(), templates.render_value(name, &context)?));
    // body.md is the biggest file: render it on a second thread while this
    // one does the rest. The result is the same as in one thread.
    let (body, rest) = std::thread::scope(|scope| {
        let body = scope.spawn(|| render("body.md"));
        let rest: Result<Vec<File>> = OUTPUTS
            .iter()
            .filter(|name| **name != "body.md")
            .map(|name| render(name))
            .collect();
        let body = body
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (body, rest)
    });
    let mut all = vec![body?];
    all.extend(rest?);
    for part in &page.parts {
        let ctx = minijinja::context! {
            diagram => context::diagram(&part.diagram),
            labels => &page.labels,
            capture => &page.capture,
        };
        all.push((part.file.clone(), templates.render("diagram.md", &ctx)?));
    }
    // Keep the documented order: OUTPUTS, then the parts.
    all.sort_by_key(|(name, _)| {
        OUTPUTS
            .iter()
            .position(|o| o == name)
            .unwrap_or(OUTPUTS.len())
    });
    Ok(all)
}
