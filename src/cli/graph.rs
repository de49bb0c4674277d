//! `tracedoc graph`: the typed call graph of one capture, as JSON or DOT.

use std::path::PathBuf;

use crate::driver;

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

    /// Read the capture in this format instead of finding it from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<crate::input::Format>,

    #[command(flatten)]
    pub reading: super::Reading,

    /// Show URLs, paths and warnings as captured (secrets included). Without
    /// it they are redacted like `render`'s pages.
    #[arg(long)]
    pub no_redact: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let r = &args.reading;
    let settings = super::load_settings(r.config.as_deref(), &args.input)?;
    let path = super::locate(&args.input, r.follow_symlinks, r.quiet, r.strict)?;
    let options = driver::Options {
        redact: !args.no_redact,
        format: args.input_format,
    };
    // Warnings, records and paths all come redacted out of `load`.
    let loaded = driver::load(&path, &settings, &options)?;
    super::report_warnings(&loaded.diagnostics, r.quiet, r.strict)?;
    let doc = driver::graph(&loaded, &settings);
    match args.format {
        Format::Json => super::show_json(&serde_json::to_string_pretty(&doc)?)?,
        // DOT's own lines stay lines; anything inside them is escaped.
        Format::Dot => {
            for line in doc.to_dot().lines() {
                super::show(line)?;
            }
        }
    }
    Ok(super::EXIT_OK)
}
