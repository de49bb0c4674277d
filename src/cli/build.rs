//! `tracedoc build`: a tree of captures -> a tree of pages.
//!
//! Every folder under CAPTURES that holds a capture is rendered through the
//! same driver as `tracedoc render`, into the same relative folder under
//! DOCS, plus an `index.md` that includes the parts. Captures are rendered
//! on every core; one whose inputs, settings, templates and outputs did not
//! change since the last build is skipped without being read. A capture
//! that fails is reported with its path and the run goes on; the exit
//! status remembers it. Last, the pages across captures (a home page and
//! an API coverage page) are written at the root of DOCS from every
//! capture's summary (`driver::overview`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::driver::{self, IndexSpec, SettingsCache};
use crate::error::Error;
use crate::input::discover::{self, Found};
use crate::render::Templates;
use crate::site::RelDir;
use crate::view::overview::Summary;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
tracedoc build samples -o out/docs\n  \
tracedoc build captures -o docs/openstack --include-prefix openstack --strict\n\n\
Files written. Each capture folder CAPTURES/<path>/ becomes DOCS/<path>/ with\n  \
body.md, diagram.md, log.md, tokens.md, variables.md, omitted.md (each written even\n  \
when empty), diagram-N.md (the parts of a diagram too big for one block), index.md,\n  \
and .tracedoc-manifest, .tracedoc-stamps, .tracedoc-summary.json (tracedoc's own).\n\
At the root of DOCS: index.md, the home page listing every capture (captures.md\n  \
instead when DOCS/index.md is not tracedoc's), and api-coverage.md.\n\
A capture's capture.toml (command, output, title, description) is shown on its page.\n\
index.md files are written only while absent or unedited: once a person edits one,\n\
tracedoc keeps it, even with --force.\n\
Templates that --templates DIR can override: body.md, diagram.md, log.md, tokens.md,\n  \
variables.md, omitted.md, index.md, home.md, coverage.md.\n\
With --check nothing is written: the files a build would write, change or remove\n\
are listed on standard output and the exit status is 1 if there are any.\n\
Exit codes: 0 ok, 1 a capture failed, pages are out of date (--check) or warnings\n\
with --strict, 2 usage.")]
pub struct Args {
    /// Folder tree to search for captures: every folder holding
    /// `requestshook.log`, or exactly one `*.log` file, is one capture.
    #[arg(value_name = "CAPTURES")]
    pub captures: PathBuf,

    /// Docs folder to write into; each capture goes to the same relative folder.
    #[arg(short, long, value_name = "DOCS")]
    pub output: PathBuf,

    /// Folder of template overrides: a file named like a built-in template
    /// (body.md, diagram.md, log.md, tokens.md, variables.md, omitted.md,
    /// index.md, home.md, coverage.md) replaces it; the others stay built in.
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

    /// Overwrite generated files (the pages, api-coverage.md) even if they were
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

    /// Write nothing: exit 0 when DOCS is up to date, 1 when a build would
    /// write, change or remove a file (each is listed on standard output;
    /// files edited by hand are listed as hand-edited). For CI and pre-commit.
    #[arg(long)]
    pub check: bool,

    /// With --check (implied): also print a unified diff of each change.
    #[arg(long)]
    pub diff: bool,

    /// Language of the labels (`en` or `ko`), overriding every config's `lang`.
    #[arg(long, value_name = "LANG", value_parser = super::LANGS)]
    pub lang: Option<String>,

    /// Remove the pages of captures that are gone: in every folder under
    /// DOCS with a `.tracedoc-manifest` that no capture maps to, the files
    /// tracedoc wrote and nobody edited. Edited files, and files tracedoc
    /// never wrote, stay.
    #[arg(long)]
    pub prune: bool,

    /// How warnings and errors about captures are printed: `human` lines,
    /// or `json`, one object per line on stderr (for tools such as the
    /// MkDocs plugin).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "human")]
    pub message_format: MessageFormat,
}

/// `--message-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    Human,
    Json,
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
    /// With --check: the lines for standard output, and how many files are stale.
    checked: Vec<String>,
    stale: usize,
    /// What the overview pages need of it.
    summary: Option<Summary>,
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
    stale: usize,
}

/// One thing to say about a capture: a warning, an error or a note.
#[derive(serde::Serialize)]
struct Message {
    level: &'static str,
    /// The file or folder it is about.
    path: PathBuf,
    /// 1-based line in `path`; 0 when there is none.
    line: usize,
    /// The whole message as the human format prints it after `level: `
    /// (it starts with the path, and the line when there is one).
    message: String,
    /// What caused an error, outermost first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    causes: Vec<String>,
}

impl Message {
    fn new(level: &'static str, path: &Path, line: usize, text: impl std::fmt::Display) -> Self {
        Message {
            level,
            path: path.to_path_buf(),
            line,
            message: format!("{}: {text}", path.display()),
            causes: Vec::new(),
        }
    }

    /// An error about `path`, which the message names only once.
    fn placed(level: &'static str, path: &Path, text: &str) -> Self {
        Message {
            level,
            path: path.to_path_buf(),
            line: 0,
            message: place(path, text, &[]),
            causes: Vec::new(),
        }
    }

    fn warning(d: &crate::Diagnostic) -> Self {
        Message {
            level: "warning",
            path: d.path.clone(),
            line: d.line,
            message: d.to_string(),
            causes: Vec::new(),
        }
    }

    fn print(&self, format: MessageFormat) {
        match format {
            MessageFormat::Human => {
                super::say(&format!("{}: {}", self.level, self.message));
                for cause in &self.causes {
                    super::say(&format!("  caused by: {cause}"));
                }
            }
            MessageFormat::Json => {
                // The message is text for a person, whatever carries it: a
                // tool (the MkDocs plugin) decodes it and prints it to a
                // terminal, so it is escaped for one here, exactly as the
                // human format prints it. JSON escapes alone (`\u001b`)
                // would come back out of the decoder as the raw control.
                let shown = Message {
                    message: crate::view::escape::terminal(&self.message).into_owned(),
                    causes: self
                        .causes
                        .iter()
                        .map(|c| crate::view::escape::terminal(c).into_owned())
                        .collect(),
                    path: self.path.clone(),
                    ..*self
                };
                if let Ok(json) = serde_json::to_string(&shown) {
                    eprintln!("{}", crate::view::escape::terminal_json(&json));
                }
            }
        }
    }
}

/// What happened to one item of the walk, with the lines to print for it.
struct Outcome {
    lines: Vec<Message>,
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
    let settings =
        SettingsCache::with_lang(args.lang.clone()).following_links(args.follow_symlinks);
    if let Some(path) = &args.config {
        // Read (and checked) before anything else.
        settings.get(Some(path), &args.captures)?;
    }
    let templates = Templates::new(args.templates.as_deref())?;
    // One error up front for a docs folder that cannot be written, not one
    // per capture (--check writes nothing, so needs no writable folder).
    if !(args.check || args.diff) {
        crate::site::check_writable(&args.output)?;
    }
    let root_title = std::fs::canonicalize(&args.captures)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "captures".to_string());

    let accept = |rel: &Path| RelDir::new(rel).map(|_| ());
    // The settings most captures use (compiling their rules takes a
    // while) and the api-ref catalog are made while the tree is walked;
    // an error is said later, by the captures that use them.
    let (found, _) = rayon::join(
        || {
            discover::find_captures(
                &args.captures,
                Some(&args.output),
                args.follow_symlinks,
                &accept,
            )
        },
        || {
            crate::openstack::apiref::Catalog::builtin();
            settings.get_below(args.config.as_deref(), &args.captures, &args.captures)
        },
    );
    // Output folders that some capture (built, failed or skipped) maps to.
    let mut live = std::collections::BTreeSet::new();
    let mut unreadable = false;
    for item in &found {
        let rel = match item {
            Found::Capture { rel, .. } => rel.as_path(),
            Found::Skipped { dir, .. } => dir.strip_prefix(&args.captures).unwrap_or(dir),
            // The folder of a linked log file may have had pages before.
            Found::Link { path, .. } => {
                let dir = path.parent().unwrap_or(path);
                dir.strip_prefix(&args.captures).unwrap_or(dir)
            }
            Found::Unreadable { .. } => {
                unreadable = true;
                continue;
            }
        };
        live.insert(
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
        );
    }
    let count = found
        .iter()
        .filter(|f| matches!(f, Found::Capture { .. }))
        .count();
    let root_capture = found
        .iter()
        .any(|f| matches!(f, Found::Capture { rel, .. } if rel.as_os_str().is_empty()));
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
            Found::Capture { dir, rel, files } => {
                progress.set_message(
                    crate::view::escape::terminal(&dir.display().to_string()).into_owned(),
                );
                let mut lines = Vec::new();
                let built = build_one(
                    &args,
                    &settings,
                    &templates,
                    &root_title,
                    Place {
                        dir: &dir,
                        rel: &rel,
                        files: &files,
                    },
                    &mut lines,
                );
                progress.inc(1);
                let result = match built {
                    Ok(b) => Ok(b),
                    Err(err) => {
                        let mut m = Message::placed("error", &dir, &placed(&dir, &err));
                        m.causes = err.chain().skip(1).map(|c| c.to_string()).collect();
                        lines.push(m);
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
                    vec![Message::new(
                        "warning",
                        &path,
                        0,
                        format_args!("skipped: {reason}"),
                    )]
                } else {
                    Vec::new()
                },
                result: Ok(Built::default()),
                skipped: true,
                capture: false,
            },
            Found::Unreadable { path, message } => Outcome {
                lines: vec![Message::placed("error", &path, &message)],
                result: Err(()),
                skipped: false,
                capture: false,
            },
        })
        .collect();
    progress.finish_and_clear();

    let mut totals = Totals::default();
    let mut summaries: Vec<Summary> = Vec::new();
    for o in outcomes {
        for line in &o.lines {
            line.print(args.message_format);
        }
        match o.result {
            Ok(mut b) if o.capture => {
                for line in &b.checked {
                    super::show(line)?;
                }
                totals.stale += b.stale;
                summaries.extend(b.summary.take());
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
    let check = args.check || args.diff;
    let mut pruned = crate::site::Pruned::default();
    if args.prune && unreadable {
        super::say(
            "warning: --prune: nothing removed, as part of the captures tree could not be read",
        );
    } else if args.prune && !check {
        pruned = driver::prune(&args.output, &live)?;
        if !args.quiet {
            for path in &pruned.kept {
                super::say(&format!(
                    "note: {}: kept: its capture is gone, but it was edited",
                    path.display()
                ));
            }
        }
    }
    // --check writes nothing, the pages across captures included.
    if !summaries.is_empty() && !check {
        overview(
            &args,
            &settings,
            &templates,
            &summaries,
            root_capture,
            &mut totals,
        );
    }
    if check && !args.quiet {
        super::say(&super::render::check_summary(totals.captures, totals.stale));
    }
    if !args.quiet && !check {
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
        if !pruned.removed.is_empty() {
            line.push_str(&format!(
                ", {} file(s) of gone captures removed",
                pruned.removed.len()
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
    let failed = totals.failed > 0 || (args.strict && totals.skipped > 0) || totals.stale > 0;
    Ok(if failed {
        super::EXIT_INPUT
    } else {
        super::EXIT_OK
    })
}

/// Writes the home page and the API coverage page into DOCS, from the
/// summaries of the captures built (in walk order); a failure counts as a
/// failed capture.
fn overview(
    args: &Args,
    settings: &SettingsCache,
    templates: &Templates,
    summaries: &[Summary],
    root_capture: bool,
    totals: &mut Totals,
) {
    let written = settings
        .get(args.config.as_deref(), &args.captures)
        .map_err(anyhow::Error::from)
        .and_then(|s| {
            driver::overview(
                &args.output,
                summaries,
                templates,
                &s.labels,
                args.force,
                root_capture,
            )
            .map_err(anyhow::Error::from)
        });
    match written {
        Ok(o) => {
            let changed = o.written.changed();
            totals.written += changed;
            totals.unchanged += o.written.files.len() - changed;
            totals.removed += o.written.removed_temps.len();
            totals.index_kept += usize::from(o.written.index_kept);
            if !args.quiet && o.home == crate::site::overview::HOME_ASIDE {
                let root = args.output.join(crate::site::overview::HOME);
                let why = if root_capture {
                    "is the page of the capture at the root of CAPTURES"
                } else {
                    "is not tracedoc's"
                };
                super::say(&format!(
                    "note: {} {why}; the list of captures is in {}",
                    root.display(),
                    args.output.join(o.home).display()
                ));
            }
        }
        Err(err) => {
            super::say(&format!("error: {err}"));
            for cause in err.chain().skip(1) {
                super::say(&format!("  caused by: {cause}"));
            }
            totals.failed += 1;
        }
    }
}

/// An error about one capture, with its folder in front unless the error
/// already names it (or a file inside it): a path is never said twice.
fn placed(dir: &Path, err: &anyhow::Error) -> String {
    let causes: Vec<String> = err.chain().skip(1).map(|c| c.to_string()).collect();
    place(dir, &err.to_string(), &causes)
}

/// `message`, with `path` in front unless `message` or one of `causes`
/// names it already (walkdir's errors do: `IO error for operation on <path>`).
fn place(path: &Path, message: &str, causes: &[String]) -> String {
    let shown = path.display().to_string();
    if message.contains(&shown) || causes.iter().any(|c| c.contains(&shown)) {
        message.to_string()
    } else {
        format!("{shown}: {message}")
    }
}

/// Where a capture the walk found is.
struct Place<'a> {
    /// Its folder.
    dir: &'a Path,
    /// The folder relative to CAPTURES.
    rel: &'a Path,
    /// Its capture files.
    files: &'a [String],
}

/// Renders one capture folder into its DOCS folder; `lines` gets what to
/// print about it.
fn build_one(
    args: &Args,
    cache: &SettingsCache,
    templates: &Templates,
    root_title: &str,
    place: Place,
    lines: &mut Vec<Message>,
) -> anyhow::Result<Built> {
    let Place { dir, rel, files } = place;
    let rel = RelDir::new(rel).map_err(anyhow::Error::msg)?;
    let settings = cache.get_below(args.config.as_deref(), dir, &args.captures)?;
    // The files the walk found (links passed over were reported by it).
    let path = discover::capture_path(dir, files);
    crate::site::check_no_links(&args.output, &rel).map_err(anyhow::Error::msg)?;
    let out = rel.under(&args.output);
    let options = driver::Options {
        redact: !args.no_redact,
        format: args.format,
        follow_links: args.follow_symlinks,
    };
    let meta = crate::input::meta::read(dir, args.follow_symlinks)?;
    let index = IndexSpec {
        meta: &meta,
        folders: rel.components(),
        prefix: &args.include_prefix,
        root_title,
    };
    let fingerprint = driver::fingerprint(&settings, templates, &options, Some(&index));
    if let Some(files) = driver::up_to_date(&out, &path, &fingerprint) {
        // Without its summary the capture is rendered again, to count it;
        // without its kept warnings, to say them.
        if let (Some(summary), Some(warnings)) =
            (driver::read_summary(&out), driver::kept_warnings(&out))
        {
            if args.strict && !warnings.is_empty() {
                if !args.quiet {
                    lines.extend(warnings.iter().map(Message::warning));
                }
                return Err(Error::Strict {
                    count: warnings.len(),
                }
                .into());
            }
            if !args.quiet {
                lines.extend(warnings.iter().map(Message::warning));
            }
            return Ok(Built {
                unchanged: files,
                summary: Some(summary),
                ..Built::default()
            });
        }
    }
    let loaded = driver::load(&path, &settings, &options)?;
    if !args.quiet {
        lines.extend(loaded.diagnostics.iter().map(Message::warning));
    }
    if args.strict && !loaded.diagnostics.is_empty() {
        return Err(Error::Strict {
            count: loaded.diagnostics.len(),
        }
        .into());
    }
    if args.check || args.diff {
        let changes = driver::check(
            &loaded,
            &settings,
            templates,
            &out,
            args.force,
            Some(&index),
        )?;
        let (checked, stale) = super::render::checked_lines(&changes, args.diff);
        return Ok(Built {
            checked,
            stale,
            ..Built::default()
        });
    }
    // The warnings are kept beside the pages: a later build that finds
    // them up to date says them again without rendering.
    let written = driver::render(
        &loaded,
        &settings,
        templates,
        &out,
        args.force,
        Some(&index),
        Some(fingerprint.as_str()),
    )?;
    if !args.quiet {
        lines.extend(written.removed_temps.iter().map(|p| {
            let mut m = Message::new("note", p, 0, "");
            m.message = format!(
                "removed {} (a temporary file left by an interrupted run)",
                p.display()
            );
            m
        }));
    }
    let changed = written.changed();
    Ok(Built {
        written: changed,
        unchanged: written.files.len() - changed,
        index_kept: written.index_kept,
        removed: written.removed_temps.len(),
        old_parts: written.old_parts.len(),
        summary: written.summary,
        ..Built::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_said_once() {
        let dir = Path::new("caps/image/list");
        assert_eq!(
            place(
                dir,
                "IO error for operation on caps/image/list: denied",
                &[]
            ),
            "IO error for operation on caps/image/list: denied"
        );
        assert_eq!(place(dir, "denied", &[]), "caps/image/list: denied");
        assert_eq!(
            place(
                dir,
                "failed to read",
                &["caps/image/list/x.log: bad".into()]
            ),
            "failed to read"
        );
    }
}
