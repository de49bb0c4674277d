//! `tracedoc render`: one capture -> body.md, diagram.md, log.md and the tables.

use std::path::PathBuf;

use anyhow::Context;

use crate::error::Error;
use crate::model::Page;
use crate::render::{self, Templates};
use crate::{capture, pipeline, site};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
tracedoc render captures/image/create -o docs/image/create\n  \
tracedoc render create/requestshook.log -o out --templates my-templates --strict\n  \
tracedoc render create -o out --context > page.json   # the template context, as JSON")]
pub struct Args {
    /// A capture file, or a folder holding `requestshook.log` (or exactly one `*.log`).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// Folder to write into (created if missing): body.md, diagram.md (plus
    /// diagram-N.md parts for big diagrams), log.md, tokens.md, variables.md, omitted.md.
    #[arg(
        short,
        long,
        value_name = "OUTDIR",
        required_unless_present = "context"
    )]
    pub output: Option<PathBuf>,

    /// Folder of template overrides: a file named like a built-in template
    /// (body.md, diagram.md, log.md, tokens.md, variables.md, omitted.md)
    /// replaces it; the others stay built in.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Config file (default: `tracedoc.toml` in the capture's folder or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Treat warnings as errors: exit 1 and write nothing if any.
    #[arg(long)]
    pub strict: bool,

    /// Overwrite output files even if they were edited by hand since tracedoc wrote them.
    #[arg(long)]
    pub force: bool,

    /// Print the template context (the page model) as JSON instead of writing files.
    #[arg(long, conflicts_with = "from_context")]
    pub context: bool,

    /// Render from a context JSON file saved with --context (INPUT is then ignored
    /// except for finding the config).
    #[arg(long, value_name = "FILE")]
    pub from_context: Option<PathBuf>,

    /// Keep secrets (passwords, tokens) as captured. Only for private output:
    /// this is how the reference seed is reproduced byte for byte.
    #[arg(long)]
    pub no_redact: bool,

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
    let templates = Templates::new(args.templates.as_deref())?;

    let (page, warnings) = match &args.from_context {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| Error::read(file, e))?;
            let page: Page = serde_json::from_str(&text)
                .with_context(|| format!("`{}` is not a tracedoc page context", file.display()))?;
            (page, Vec::new())
        }
        None => {
            let path = super::locate(&args.input, args.follow_symlinks, args.quiet, args.strict)?;
            let loaded = capture::load(&path)?;
            let options = pipeline::Options {
                redact: !args.no_redact,
            };
            pipeline::build(&loaded, &config, &options)
        }
    };
    super::report_warnings(&warnings, args.quiet, args.strict)?;
    if args.context {
        super::show_json(&serde_json::to_string_pretty(&page)?);
        return Ok(super::EXIT_OK);
    }
    let page = std::sync::Arc::new(page);
    let files = render::render_page(&page, &templates)?;
    let out = args.output.as_deref().unwrap_or(std::path::Path::new("."));
    let written = site::write_files(out, &files, args.force)?;
    super::report_removed(&written.removed, args.quiet);
    let stale = site::remove_stale_parts(out, &files)?;
    if !args.quiet {
        let changed = written
            .files
            .iter()
            .filter(|(_, o)| *o != site::Outcome::Unchanged)
            .count();
        let mut removed = match stale.len() {
            0 => String::new(),
            n => format!(", {n} old diagram part(s) removed"),
        };
        if !written.removed.is_empty() {
            removed.push_str(&format!(
                ", {} stale temporary file(s) removed",
                written.removed.len()
            ));
        }
        super::say(&format!(
            "tracedoc: {} records -> {} ({} file(s) written, {} unchanged{removed})",
            page.steps.len(),
            out.display(),
            changed,
            written.files.len() - changed
        ));
    }
    Ok(super::EXIT_OK)
}
