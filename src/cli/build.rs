//! `tracedoc build`: a tree of captures -> a tree of pages.
//!
//! Every folder under CAPTURES that holds a capture is rendered through the
//! same driver as `tracedoc render`, into the same relative folder under
//! DOCS, plus an `index.md` that includes the parts. Captures are rendered
//! on every core; one whose inputs, settings, templates and outputs did not
//! change since the last build is skipped without being read. A capture
//! that fails is reported with its path and the run goes on; the exit
//! status remembers it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::driver::{self, IndexSpec, SettingsCache};
use crate::error::Error;
use crate::input::discover::{self, Found};
use crate::render::Templates;
use crate::site::RelDir;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
tracedoc build samples -o out/docs\n  \
tracedoc build captures -o docs/openstack --include-prefix openstack --strict\n\n\
Each capture folder CAPTURES/<path>/ becomes DOCS/<path>/ with body.md, diagram.md,\n\
log.md and index.md. index.md is written only while it is absent or unedited:\n\
once a person edits it, tracedoc keeps it, even with --force.\n\
Exit codes: 0 ok, 1 a capture failed (or warnings with --strict), 2 usage.")]
pub struct Args {
    /// Folder tree to search for captures: every folder holding
    /// `requestshook.log`, or exactly one `*.log` file, is one capture.
    #[arg(value_name = "CAPTURES")]
    pub captures: PathBuf,

    /// Docs folder to write into; each capture goes to the same relative folder.
    #[arg(short, long, value_name = "DOCS")]
    pub output: PathBuf,

    /// Folder of template overrides: a file named like a built-in template
    /// (body.md, diagram.md, log.md, index.md) replaces it; the others stay built in.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Config file for every capture (default: `tracedoc.toml` in each
    /// capture's folder or the nearest parent holding one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Treat warnings as errors: a capture with warnings is not written, a
    /// skipped folder counts as a failure, and the exit status is 1.
    #[arg(long)]
    pub strict: bool,

    /// Overwrite generated files (body.md, diagram.md, log.md) even if they were
    /// edited by hand. An edited index.md is kept all the same.
    #[arg(long)]
    pub force: bool,

    /// Keep secrets (passwords, tokens) as captured. Only for private output.
    #[arg(long)]
    pub no_redact: bool,

    /// Do not print warnings, progress or the summary (errors still go to stderr).
    #[arg(short, long)]
    pub quiet: bool,

    /// Where DOCS sits below the folder pymdownx.snippets' `base_path` points
    /// at, `/`-separated; prefixed to the `--8<--` paths in index.md.
    /// Default: DOCS is the base path.
    #[arg(long, value_name = "PATH", default_value = "", value_parser = parse_prefix)]
    pub include_prefix: String,

    /// Read capture files that are symbolic links (by default each is
    /// skipped with a warning, so a link in CAPTURES cannot publish a file
    /// from elsewhere). Symbolic links to folders are never followed.
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Read the captures in this format instead of finding it from each one's content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<crate::input::Format>,
}

fn parse_prefix(text: &str) -> Result<String, String> {
    RelDir::new(Path::new(text)).map(|rel| rel.to_slash())
}

/// What one capture left in DOCS.
#[derive(Default)]
struct Built {
    written: usize,
    unchanged: usize,
    index_kept: bool,
    /// Temporary files of an interrupted earlier run, removed.
    removed: usize,
    /// Diagram parts of an earlier run that this one no longer writes, removed.
    old_parts: usize,
}

/// Counts over the whole run, for the summary line and the exit status.
#[derive(Default)]
struct Totals {
    captures: usize,
    failed: usize,
    skipped: usize,
    written: usize,
    unchanged: usize,
    index_kept: usize,
    removed: usize,
    old_parts: usize,
}

/// What happened to one item of the walk, with the lines to print for it.
struct Outcome {
    lines: Vec<String>,
    result: Result<Built, ()>,
    skipped: bool,
    capture: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let meta = std::fs::metadata(&args.captures).map_err(|e| Error::read(&args.captures, e))?;
    if !meta.is_dir() {
        anyhow::bail!(
            "`{}` is not a folder; `tracedoc render` takes a single capture file",
            args.captures.display()
        );
    }
    let settings = SettingsCache::default();
    if let Some(path) = &args.config {
        // Read (and checked) before anything else.
        settings.get(Some(path), &args.captures)?;
    }
    let templates = Templates::new(args.templates.as_deref())?;
    let root_title = std::fs::canonicalize(&args.captures)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "captures".to_string());

    let accept = |rel: &Path| RelDir::new(rel).map(|_| ());
    let found = discover::find_captures(
        &args.captures,
        Some(&args.output),
        args.follow_symlinks,
        &accept,
    );
    let count = found
        .iter()
        .filter(|f| matches!(f, Found::Capture { .. }))
        .count();
    let progress = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(count as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };

    // Every capture on every core; what each one says is printed in walk order.
    let outcomes: Vec<Outcome> = found
        .into_par_iter()
        .map(|item| match item {
            Found::Capture { dir, rel } => {
                progress.set_message(
                    crate::view::escape::terminal(&dir.display().to_string()).into_owned(),
                );
                let mut lines = Vec::new();
                let built = build_one(
                    &args,
                    &settings,
                    &templates,
                    &root_title,
                    &dir,
                    &rel,
                    &mut lines,
                );
                progress.inc(1);
                let result = match built {
                    Ok(b) => Ok(b),
                    Err(err) => {
                        lines.push(format!("error: {}: {err}", dir.display()));
                        for cause in err.chain().skip(1) {
                            lines.push(format!("  caused by: {cause}"));
                        }
                        Err(())
                    }
                };
                Outcome {
                    lines,
                    result,
                    skipped: false,
                    capture: true,
                }
            }
            Found::Skipped { dir: path, reason } | Found::Link { path, reason } => Outcome {
                lines: if !args.quiet || args.strict {
                    vec![format!("warning: {}: skipped: {reason}", path.display())]
                } else {
                    Vec::new()
                },
                result: Ok(Built::default()),
                skipped: true,
                capture: false,
            },
            Found::Unreadable { path, message } => Outcome {
                lines: vec![format!("error: {}: {message}", path.display())],
                result: Err(()),
                skipped: false,
                capture: false,
            },
        })
        .collect();
    progress.finish_and_clear();

    let mut totals = Totals::default();
    for o in outcomes {
        for line in &o.lines {
            super::say(line);
        }
        match o.result {
            Ok(b) if o.capture => {
                totals.captures += 1;
                totals.written += b.written;
                totals.unchanged += b.unchanged;
                totals.index_kept += usize::from(b.index_kept);
                totals.removed += b.removed;
                totals.old_parts += b.old_parts;
            }
            Ok(_) if o.skipped => totals.skipped += 1,
            Ok(_) => {}
            Err(()) => totals.failed += 1,
        }
    }

    if totals.captures + totals.failed == 0 {
        anyhow::bail!(
            "no capture found under `{}` (a capture is a folder holding files in a format tracedoc reads: {})",
            args.captures.display(),
            crate::input::Format::ALL
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !args.quiet {
        let mut line = format!(
            "tracedoc: {} capture(s) -> {}: {} file(s) written, {} unchanged",
            totals.captures,
            args.output.display(),
            totals.written,
            totals.unchanged
        );
        if totals.index_kept > 0 {
            line.push_str(&format!(", {} edited index.md kept", totals.index_kept));
        }
        if totals.old_parts > 0 {
            line.push_str(&format!(
                ", {} old diagram part(s) removed",
                totals.old_parts
            ));
        }
        if totals.removed > 0 {
            line.push_str(&format!(
                ", {} stale temporary file(s) removed",
                totals.removed
            ));
        }
        line.push_str(&format!(
            "; {} failed, {} skipped",
            totals.failed, totals.skipped
        ));
        super::say(&line);
    }
    let failed = totals.failed > 0 || (args.strict && totals.skipped > 0);
    Ok(if failed {
        super::EXIT_INPUT
    } else {
        super::EXIT_OK
    })
}

/// Renders one capture folder into its DOCS folder; `lines` gets what to
/// print about it.
fn build_one(
    args: &Args,
    cache: &SettingsCache,
    templates: &Templates,
    root_title: &str,
    dir: &Path,
    rel: &Path,
    lines: &mut Vec<String>,
) -> anyhow::Result<Built> {
    let rel = RelDir::new(rel).map_err(anyhow::Error::msg)?;
    let settings = cache.get(args.config.as_deref(), dir)?;
    // Links passed over were reported by the walk.
    let path = discover::locate(dir, args.follow_symlinks)?.path;
    crate::site::check_no_links(&args.output, &rel).map_err(anyhow::Error::msg)?;
    let out = rel.under(&args.output);
    let options = driver::Options {
        redact: !args.no_redact,
        format: args.format,
    };
    let index = IndexSpec {
        folders: rel.components(),
        prefix: &args.include_prefix,
        root_title,
    };
    let fingerprint = driver::fingerprint(&settings, templates, &options, Some(&index));
    if let Some(files) = driver::up_to_date(&out, &path, &fingerprint) {
        return Ok(Built {
            unchanged: files,
            ..Built::default()
        });
    }
    let loaded = driver::load(&path, &settings, &options)?;
    if !args.quiet {
        lines.extend(loaded.diagnostics.iter().map(|d| format!("warning: {d}")));
    }
    if args.strict && !loaded.diagnostics.is_empty() {
        return Err(Error::Strict {
            count: loaded.diagnostics.len(),
        }
        .into());
    }
    // Output made from a capture with warnings is rendered again next
    // time, so the warnings are said again.
    let written = driver::render(
        &loaded,
        &settings,
        templates,
        &out,
        args.force,
        Some(&index),
        loaded
            .diagnostics
            .is_empty()
            .then_some(fingerprint.as_str()),
    )?;
    if !args.quiet {
        lines.extend(written.removed_temps.iter().map(|p| {
            format!(
                "note: removed {} (a temporary file left by an interrupted run)",
                p.display()
            )
        }));
    }
    let changed = written.changed();
    Ok(Built {
        written: changed,
        unchanged: written.files.len() - changed,
        index_kept: written.index_kept,
        removed: written.removed_temps.len(),
        old_parts: written.old_parts.len(),
    })
}
