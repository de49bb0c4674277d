//! `tracedoc graph`: the typed call graph of one capture, as JSON or DOT.

use std::path::PathBuf;

use crate::graph::export::GraphDoc;
use crate::{capture, pipeline};

/// Output formats of `tracedoc graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Records, exchanges (parent and children), tokens and variables.
    Json,
    /// A Graphviz digraph of who called whom while serving what.
    Dot,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
tracedoc graph captures/image/create --format json | jq .counts\n  \
tracedoc graph captures/image/create --format dot | dot -Tsvg > create.svg")]
pub struct Args {
    /// A capture file, or a folder holding `requestshook.log` (or exactly one `*.log`).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,

    /// Config file (default: `tracedoc.toml` in the capture's folder or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Show URLs, paths and warnings as captured (secrets included). Without
    /// it they are redacted like `render`'s pages.
    #[arg(long)]
    pub no_redact: bool,

    /// Treat warnings as errors: exit 1 and print nothing if any.
    #[arg(long)]
    pub strict: bool,

    /// Do not print warnings.
    #[arg(short, long)]
    pub quiet: bool,

    /// Read a capture file found in a folder even when it is a symbolic
    /// link (by default such links are skipped with a warning, so a link
    /// cannot publish a file from outside the captures). A file named on the
    /// command line is always read as given.
    #[arg(long)]
    pub follow_symlinks: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let config = super::load_config(args.config.as_deref(), &args.input)?;
    let path = super::locate(&args.input, args.follow_symlinks, args.quiet, args.strict)?;
    let loaded = capture::load(&path)?;
    let options = pipeline::Options {
        redact: !args.no_redact,
    };
    // Warnings, records and paths all come redacted out of `analyze`.
    let analyzed = pipeline::analyze(&loaded, &config, &options);
    super::report_warnings(&analyzed.diagnostics, args.quiet, args.strict)?;
    let (page, graph) = pipeline::page_of(&loaded.capture.name, analyzed, &config);
    let doc = GraphDoc::new(&graph, &page);
    match args.format {
        Format::Json => super::show_json(&serde_json::to_string_pretty(&doc)?),
        // DOT's own lines stay lines; anything inside them is escaped.
        Format::Dot => {
            for line in doc.to_dot().lines() {
                super::show(line);
            }
        }
    }
    Ok(super::EXIT_OK)
}
