//! `tracedoc render`: one capture -> body.md, diagram.md, log.md and the tables.

use std::path::PathBuf;

use anyhow::Context;

use crate::driver::{self, ContextFile};
use crate::error::Error;
use crate::render::Templates;

#[derive(Debug, clap::Args)]
// Either pages into a folder or the context on stdout, never both: the
// group makes `-o` show as required and refuses `--context -o DIR`.
#[group(id = "target", required = true, multiple = false, args = ["output", "context"])]
#[command(after_help = "Examples:\n  \
tracedoc render captures/image/create -o docs/image/create\n  \
tracedoc render create/requestshook.log -o out --templates my-templates --strict\n  \
tracedoc render create --context > page.json   # the template context, as JSON
  \
tracedoc render create -o out --check --diff   # exit 1, with a diff, if out is not current")]
pub struct Args {
    /// A capture file, or a folder holding `requestshook.log` (or exactly one `*.log`).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// Folder to write into (created if missing): body.md, diagram.md (plus
    /// diagram-N.md parts for big diagrams), log.md, tokens.md, variables.md,
    /// omitted.md (each written, even when empty), and tracedoc's own
    /// .tracedoc-manifest and .tracedoc-stamps.
    #[arg(short, long, value_name = "OUTDIR")]
    pub output: Option<PathBuf>,

    /// Folder of template overrides: a file named like a built-in template
    /// (body.md, diagram.md, log.md, tokens.md, variables.md, omitted.md)
    /// replaces it; the others stay built in.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    #[command(flatten)]
    pub reading: super::Reading,

    /// Read the capture in this format instead of finding it from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<crate::input::Format>,

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

    /// Write nothing: exit 0 when OUTDIR is up to date, 1 when a run would
    /// write, change or remove a file (each is listed on standard output;
    /// files edited by hand are listed as hand-edited).
    #[arg(long, conflicts_with_all = ["context", "from_context"])]
    pub check: bool,

    /// With --check (implied): also print a unified diff of each change.
    #[arg(long, conflicts_with_all = ["context", "from_context"])]
    pub diff: bool,

    /// Keep secrets (passwords, tokens) as captured. Only for private output:
    /// this is how the reference seed is reproduced byte for byte.
    #[arg(long)]
    pub no_redact: bool,

    /// Language of the labels (`en` or `ko`), overriding the config's `lang`.
    #[arg(long, value_name = "LANG", value_parser = super::LANGS)]
    pub lang: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let r = &args.reading;
    let mut settings = super::load_settings(r.config.as_deref(), &args.input, r.follow_symlinks)?;
    if let Some(lang) = &args.lang {
        settings = settings.with_lang(lang)?;
    }
    let templates = Templates::new(args.templates.as_deref())?;
    let out = args.output.as_deref().unwrap_or(std::path::Path::new("."));

    if let Some(file) = &args.from_context {
        let text = std::fs::read_to_string(file).map_err(|e| Error::read(file, e))?;
        let context: ContextFile = serde_json::from_str(&text)
            .with_context(|| format!("`{}` is not a tracedoc page context", file.display()))?;
        let records = context.steps.len();
        let written = driver::render_context(context, &templates, out, args.force)?;
        summary(&written, records, out, r.quiet);
        return Ok(super::EXIT_OK);
    }

    let path = super::locate(&args.input, r.follow_symlinks, r.quiet, r.strict)?;
    let options = driver::Options {
        redact: !args.no_redact,
        format: args.format,
        follow_links: r.follow_symlinks,
    };
    let loaded = driver::load(&path, &settings, &options)?;
    super::report_warnings(&loaded.diagnostics, r.quiet, r.strict)?;
    if args.context {
        let page = loaded.page(&settings);
        let steps = driver::steps(&loaded, &settings)?;
        super::show_json(&serde_json::to_string_pretty(&ContextFile::new(
            page, steps,
        ))?)?;
        return Ok(super::EXIT_OK);
    }
    if args.check || args.diff {
        let changes = driver::check(&loaded, &settings, &templates, out, args.force, None)?;
        let stale = print_checked(&changes, args.diff)?;
        if !r.quiet {
            super::say(&check_summary(1, stale));
        }
        return Ok(if stale > 0 {
            super::EXIT_INPUT
        } else {
            super::EXIT_OK
        });
    }
    let written = driver::render(&loaded, &settings, &templates, out, args.force, None, None)?;
    summary(&written, loaded.records(), out, r.quiet);
    Ok(super::EXIT_OK)
}

fn summary(written: &driver::Written, records: usize, out: &std::path::Path, quiet: bool) {
    super::report_removed(&written.removed_temps, quiet);
    if quiet {
        return;
    }
    let changed = written.changed();
    let mut removed = match written.old_parts.len() {
        0 => String::new(),
        n => format!(", {n} old diagram part(s) removed"),
    };
    if !written.removed_temps.is_empty() {
        removed.push_str(&format!(
            ", {} stale temporary file(s) removed",
            written.removed_temps.len()
        ));
    }
    super::say(&format!(
        "tracedoc: {} records -> {} ({} file(s) written, {} unchanged{removed})",
        records,
        out.display(),
        changed,
        written.files.len() - changed
    ));
}

/// Lists what `--check` found on standard output, one line per file (and
/// its unified diff with `diff`); returns how many make the pages stale.
pub(crate) fn print_checked(
    changes: &[crate::site::check::Checked],
    diff: bool,
) -> std::io::Result<usize> {
    let (lines, stale) = checked_lines(changes, diff);
    for line in &lines {
        // Each line escaped for the terminal: pages hold captured text.
        super::show(line)?;
    }
    Ok(stale)
}

/// The lines `--check` prints for `changes`, and how many make the pages stale.
pub(crate) fn checked_lines(
    changes: &[crate::site::check::Checked],
    diff: bool,
) -> (Vec<String>, usize) {
    use crate::site::check::Change;
    let mut stale = 0;
    let mut lines = Vec::new();
    for c in changes {
        stale += usize::from(c.change.is_stale());
        let note = match c.change {
            Change::HandEdited => {
                " (edited since tracedoc wrote it: a run refuses to overwrite it without --force)"
            }
            Change::Kept => " (a run keeps it as it is)",
            _ => "",
        };
        lines.push(format!("{}: {}{note}", c.change.label(), c.path.display()));
        if diff && c.change.is_stale() {
            lines.extend(c.unified_diff().lines().map(str::to_string));
        }
    }
    (lines, stale)
}

/// The last line of a `--check` run.
pub(crate) fn check_summary(captures: usize, stale: usize) -> String {
    match stale {
        0 => format!("tracedoc: {captures} capture(s) checked: up to date"),
        n => format!("tracedoc: {captures} capture(s) checked: {n} file(s) out of date"),
    }
}
