//! The whole pipeline for one capture, as a library call.
//!
//! `capture` -> `graph` -> `correlate` -> `render`: the CLI, the tests and
//! the fuzz targets all go through [`build`], so they exercise the same path.

use std::path::Path;

use crate::capture::{self, Loaded};
use crate::config::Config;
use crate::correlate::filter::Filters;
use crate::error::{Diagnostic, Result};
use crate::model::Page;
use crate::render::{self, Templates};
use crate::{correlate, graph};

/// Choices that are not configuration but per-run flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Replace secrets before rendering (on by default; `--no-redact` turns it off).
    pub redact: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { redact: true }
    }
}

/// The page of a loaded capture, and every warning found on the way.
pub fn build(loaded: &Loaded, config: &Config, options: &Options) -> (Page, Vec<Diagnostic>) {
    let mut diagnostics = loaded.diagnostics.clone();
    let records = &loaded.capture.records;
    let (graph, graph_warnings) = graph::build(records, &loaded.path);
    diagnostics.extend(graph_warnings);
    diagnostics.sort_by_key(|d| d.line);
    let api = correlate::api_refs(records, config);
    let tokens = correlate::tokens::collect(records);
    let variables = correlate::variables::collect(records, &api);
    // Filters were checked when the config was read; a set that does not
    // compile here drops nothing.
    let filters = Filters::new(&config.filters).unwrap_or_else(|_| Filters::none());
    let (dropped, omitted) = correlate::filter::apply(records, &graph, &filters);
    // Redaction comes after correlation (which needs the real values) and
    // before the page is built; tokens are shown by their correlation names.
    let token_names = tokens.names();
    let redacted;
    let shown = if options.redact {
        redacted = correlate::redact::redact_or_withhold(&config.redact, &token_names, records);
        &redacted
    } else {
        records
    };
    let analysis = render::Analysis {
        api: &api,
        graph: &graph,
        tokens: &tokens,
        variables: &variables,
        dropped: &dropped,
        omitted,
    };
    let page = render::build_page(&loaded.capture.name, shown, analysis, config);
    (page, diagnostics)
}

/// Parses capture text held in memory (tests, fuzzing) and renders every file.
pub fn render_text(
    text: &str,
    name: &Path,
    config: &Config,
    options: &Options,
) -> Result<(Vec<(String, String)>, Vec<Diagnostic>)> {
    let loaded = capture::load_from(text.as_bytes(), name)?;
    let (page, diagnostics) = build(&loaded, config, options);
    let templates = Templates::new(None)?;
    Ok((render::render_page(&page, &templates)?, diagnostics))
}
