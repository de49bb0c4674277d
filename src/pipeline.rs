//! The whole pipeline for one capture, as a library call.
//!
//! `capture` -> `graph` -> `correlate` -> `render`: the CLI, the tests and
//! the fuzz targets all go through [`build`], so they exercise the same path.

use std::borrow::Cow;
use std::path::Path;

use crate::capture::{self, Loaded};
use crate::config::Config;
use crate::correlate::apiref::ApiRef;
use crate::correlate::filter::Filters;
use crate::correlate::tokens::Tokens;
use crate::correlate::variables::Variables;
use crate::error::{Diagnostic, Result};
use crate::graph::Graph;
use crate::model::{Omitted, Page, Record};
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

/// What the graph and correlation stages found in one capture.
pub struct Analyzed {
    pub graph: Graph,
    /// The API operation of each record.
    pub api: Vec<Option<ApiRef>>,
    pub tokens: Tokens,
    pub variables: Variables,
    /// For each record, whether a filter dropped it.
    pub dropped: Vec<bool>,
    pub omitted: Vec<Omitted>,
    /// Parser and graph warnings, by line.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs `graph` and `correlate` over a loaded capture.
pub fn analyze(loaded: &Loaded, config: &Config) -> Analyzed {
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
    Analyzed {
        graph,
        api,
        tokens,
        variables,
        dropped,
        omitted,
        diagnostics,
    }
}

/// The records as they may be shown: redacted unless `options.redact` is off.
/// Redaction comes after correlation (which needs the real values); tokens
/// are shown by their correlation names.
pub fn shown_records<'r>(
    records: &'r [Record],
    analyzed: &Analyzed,
    config: &Config,
    options: &Options,
) -> Cow<'r, [Record]> {
    if options.redact {
        let token_names = analyzed.tokens.names();
        Cow::Owned(correlate::redact::redact_or_withhold(
            &config.redact,
            &token_names,
            records,
        ))
    } else {
        Cow::Borrowed(records)
    }
}

/// The page of a loaded capture, and every warning found on the way.
pub fn build(loaded: &Loaded, config: &Config, options: &Options) -> (Page, Vec<Diagnostic>) {
    let analyzed = analyze(loaded, config);
    let page = page_of(loaded, &analyzed, config, options);
    (page, analyzed.diagnostics)
}

/// The page of an analyzed capture.
pub fn page_of(loaded: &Loaded, analyzed: &Analyzed, config: &Config, options: &Options) -> Page {
    let shown = shown_records(&loaded.capture.records, analyzed, config, options);
    let analysis = render::Analysis {
        api: &analyzed.api,
        graph: &analyzed.graph,
        tokens: &analyzed.tokens,
        variables: &analyzed.variables,
        dropped: &analyzed.dropped,
        omitted: analyzed.omitted.clone(),
    };
    render::build_page(&loaded.capture.name, shown, analysis, config)
}

/// Parses capture text held in memory (tests, fuzzing) and renders every file.
pub fn render_text(
    text: &str,
    name: &Path,
    config: &Config,
    options: &Options,
) -> Result<(Vec<render::File>, Vec<Diagnostic>)> {
    let loaded = capture::load_from(text.as_bytes(), name)?;
    let (page, diagnostics) = build(&loaded, config, options);
    let templates = Templates::new(None)?;
    Ok((
        render::render_page(&std::sync::Arc::new(page), &templates)?,
        diagnostics,
    ))
}
