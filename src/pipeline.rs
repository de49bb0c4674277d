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

/// What the graph and correlation stages found in one capture, and the
/// records and warnings as they may be shown.
pub struct Analyzed<'r> {
    pub graph: Graph,
    /// The API operation of each record.
    pub api: Vec<Option<ApiRef>>,
    pub tokens: Tokens,
    /// Named from the shown records: a redacted value never becomes one.
    pub variables: Variables,
    /// For each record, whether a filter dropped it.
    pub dropped: Vec<bool>,
    /// What each filter dropped, listed from the shown records.
    pub omitted: Vec<Omitted>,
    /// Parser and graph warnings, by line, redacted like the records.
    pub diagnostics: Vec<Diagnostic>,
    /// The records as they may be shown: redacted unless `--no-redact`.
    pub shown: Cow<'r, [Record]>,
}

/// Runs `graph` and `correlate` over a loaded capture, and redaction.
///
/// Pairing, nesting, token naming and filter matching read the records as
/// captured; redaction comes right after token naming (token names are what
/// it shows instead of tokens), and everything that can reach output is
/// taken from its result: the records, the variables (and the API
/// operations they are named after), the omitted calls and the warnings.
pub fn analyze<'r>(loaded: &'r Loaded, config: &Config, options: &Options) -> Analyzed<'r> {
    let records = &loaded.capture.records;
    let (graph, graph_warnings) = graph::build(records, &loaded.path);
    let tokens = correlate::tokens::collect(records);
    let (shown, scrubber): (Cow<'r, [Record]>, _) = if options.redact {
        let (shown, scrubber) =
            correlate::redact::redact_or_withhold(&config.redact, &tokens.names(), records);
        (Cow::Owned(shown), Some(scrubber))
    } else {
        (Cow::Borrowed(records.as_slice()), None)
    };
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(graph_warnings);
    diagnostics.sort_by_key(|d| d.line);
    if let Some(scrubber) = &scrubber {
        for d in &mut diagnostics {
            d.message = scrubber.text(&d.message);
            if let Some(q) = &mut d.quote {
                *q = scrubber.text(q);
            }
        }
    }
    // The operation links come from the captured records (they hold no
    // captured text, and a hunted secret that is also a word, such as a
    // password `password`, must not change which operation a body matches);
    // the variables are named after the path parameters of the shown ones.
    let api = correlate::api_refs(records, config);
    let variables =
        correlate::variables::collect(&shown, &shown_api(records, &shown, &api, config));
    // Filters were checked when the config was read; a set that does not
    // compile here drops nothing.
    let filters = Filters::new(&config.filters).unwrap_or_else(|_| Filters::none());
    let (dropped, omitted) = correlate::filter::apply(records, &shown, &graph, &filters);
    Analyzed {
        graph,
        api,
        tokens,
        variables,
        dropped,
        omitted,
        diagnostics,
        shown,
    }
}

/// The API operations of the shown records, whose path parameters name the
/// variables: the captured records' where redaction left the path alone
/// (the same path gives the same parameters), matched again where it did not.
fn shown_api<'a>(
    records: &[Record],
    shown: &[Record],
    api: &'a [Option<ApiRef>],
    config: &Config,
) -> Cow<'a, [Option<ApiRef>]> {
    let same = |(r, s): (&Record, &Record)| r.path() == s.path();
    if records.iter().zip(shown).all(same) {
        return Cow::Borrowed(api);
    }
    Cow::Owned(
        records
            .iter()
            .zip(shown)
            .zip(api)
            .map(|((r, s), a)| {
                if same((r, s)) {
                    a.clone()
                } else {
                    correlate::api_ref(s, config)
                }
            })
            .collect(),
    )
}

/// The page of a loaded capture, and every warning found on the way.
pub fn build(loaded: &Loaded, config: &Config, options: &Options) -> (Page, Vec<Diagnostic>) {
    let mut analyzed = analyze(loaded, config, options);
    let diagnostics = std::mem::take(&mut analyzed.diagnostics);
    let (page, _) = page_of(&loaded.capture.name, analyzed, config);
    (page, diagnostics)
}

/// The page of an analyzed capture (which gives the page its shown
/// records), and the call graph, for `tracedoc graph`.
pub fn page_of(capture_name: &str, analyzed: Analyzed<'_>, config: &Config) -> (Page, Graph) {
    let analysis = render::Analysis {
        api: &analyzed.api,
        graph: &analyzed.graph,
        tokens: &analyzed.tokens,
        variables: &analyzed.variables,
        dropped: &analyzed.dropped,
        omitted: analyzed.omitted.clone(),
    };
    let page = render::build_page(capture_name, analyzed.shown, analysis, config);
    (page, analyzed.graph)
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
