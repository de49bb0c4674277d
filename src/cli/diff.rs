//! `tracedoc diff OLD NEW`: two captures of one command compared by meaning.

use std::path::PathBuf;

use crate::driver;
use crate::render::Templates;

/// What `diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// A summary line and one line per call that differs.
    Text,
    /// The whole comparison as JSON (docs/diff.md, "JSON").
    Json,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
tracedoc diff before/image/create after/image/create -o docs/changes\n  \
tracedoc diff old.log new.log --format json | jq .summary\n\n\
Calls are aligned by caller, callee, API operation (or method and path with ids as\n\
variables) and status class, so two runs with different ids compare as equal.\n\
Exit codes: 0 equivalent, 1 different, 2 errors (unreadable capture, bad flags).")]
pub struct Args {
    /// The earlier capture: a file, or a folder holding `requestshook.log`.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The later capture of the same command.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Write the diff page (`diff.md`) into this folder (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// What to print on standard output.
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub format: Output,

    /// Read both captures in this format instead of finding it from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<crate::input::Format>,

    /// Folder of template overrides (a `diff.md` there replaces the built-in page).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    #[command(flatten)]
    pub reading: super::Reading,

    /// Overwrite diff.md even if it was edited by hand.
    #[arg(long)]
    pub force: bool,

    /// Keep secrets (passwords, tokens) as captured. Only for private output.
    #[arg(long)]
    pub no_redact: bool,
}

/// Exit code when the captures differ.
pub const EXIT_DIFFERENT: i32 = 1;
/// Exit code for errors: unlike the other commands, 1 means "different".
pub const EXIT_ERROR: i32 = 2;

pub fn run(args: Args) -> anyhow::Result<i32> {
    match compare(&args) {
        Ok(code) => Ok(code),
        Err(err) => {
            super::say_error("", &err);
            Ok(EXIT_ERROR)
        }
    }
}

fn compare(args: &Args) -> anyhow::Result<i32> {
    let r = &args.reading;
    let templates = Templates::new(args.templates.as_deref())?;
    let options = driver::Options {
        redact: !args.no_redact,
        format: args.input_format,
        follow_links: r.follow_symlinks,
    };
    let mut sides = Vec::with_capacity(2);
    for input in [&args.old, &args.new] {
        let settings = super::load_settings(r.config.as_deref(), input, r.follow_symlinks)?;
        let path = super::locate(input, r.follow_symlinks, r.quiet, r.strict)?;
        let loaded = driver::load(&path, &settings, &options)?;
        super::report_warnings(&loaded.diagnostics, r.quiet, r.strict)?;
        sides.push((loaded, settings));
    }
    let (new, new_settings) = sides
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no NEW capture"))?;
    let (old, old_settings) = sides
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no OLD capture"))?;
    let diff = driver::diff(&old, &old_settings, &new, &new_settings);
    if let Some(out) = &args.output {
        let page = driver::diff_page(&diff, &templates)?;
        let written = driver::write_diff_page(&page, out, args.force)?;
        super::report_removed(&written.removed_temps, r.quiet);
        if !r.quiet {
            super::say(&format!(
                "tracedoc: wrote {}",
                out.join("diff.md").display()
            ));
        }
    }
    match args.format {
        Output::Json => super::show_json(&serde_json::to_string_pretty(&diff)?)?,
        Output::Text => {
            use crate::view::diff::{step_ref, Kind};
            for e in diff.entries.iter().filter(|e| e.kind != Kind::Same) {
                let Some(call) = e.new.as_ref().or(e.old.as_ref()) else {
                    continue;
                };
                let kind = match e.kind {
                    Kind::Added => "added",
                    Kind::Removed => "removed",
                    Kind::Moved => "moved",
                    Kind::Changed => "changed",
                    Kind::Same => "same",
                };
                super::show(&format!(
                    "{kind}: {} ({} -> {}: {} {})",
                    step_ref(
                        e.old.as_ref().and_then(|c| c.step),
                        e.new.as_ref().and_then(|c| c.step)
                    ),
                    call.from,
                    call.to,
                    call.method,
                    call.target
                ))?;
            }
            super::show(&format!("tracedoc: {}", diff.summary.sentence()))?;
        }
    }
    Ok(if diff.equivalent {
        super::EXIT_OK
    } else {
        EXIT_DIFFERENT
    })
}
