//! `tracedoc build`: a tree of captures -> a tree of pages.
//!
//! Every folder under CAPTURES that holds a capture is rendered through the
//! same [`pipeline`] as `tracedoc render`, into the same relative folder
//! under DOCS, plus an `index.md` that includes the parts. A capture that
//! fails is reported with its path and the run goes on; the exit status
//! remembers it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::error::Error;
use crate::render::{self, Templates};
use crate::site::nav::{self, Found, IndexPage, RelDir};
use crate::{capture, pipeline, site};

/// The template, and file, of the page that includes a capture's parts.
const INDEX: &str = "index.md";

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
}

fn parse_prefix(text: &str) -> Result<String, String> {
    RelDir::new(Path::new(text)).map(|rel| rel.to_slash())
}

/// What one capture left in DOCS.
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

pub fn run(args: Args) -> anyhow::Result<i32> {
    let meta = std::fs::metadata(&args.captures).map_err(|e| Error::read(&args.captures, e))?;
    if !meta.is_dir() {
        anyhow::bail!(
            "`{}` is not a folder; `tracedoc render` takes a single capture file",
            args.captures.display()
        );
    }
    let config = args.config.as_deref().map(Config::load).transpose()?;
    let templates = Templates::new(args.templates.as_deref())?;
    let root_title = std::fs::canonicalize(&args.captures)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "captures".to_string());

    let found = nav::find_captures(&args.captures, Some(&args.output), args.follow_symlinks);
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

    let mut totals = Totals::default();
    for item in found {
        match item {
            Found::Capture { dir, rel } => {
                progress.set_message(
                    crate::render::escape::terminal(&dir.display().to_string()).into_owned(),
                );
                let built = build_one(
                    &args,
                    config.as_ref(),
                    &templates,
                    &root_title,
                    &dir,
                    &rel,
                    &progress,
                );
                progress.inc(1);
                match built {
                    Ok(b) => {
                        totals.captures += 1;
                        totals.written += b.written;
                        totals.unchanged += b.unchanged;
                        totals.index_kept += usize::from(b.index_kept);
                        totals.removed += b.removed;
                        totals.old_parts += b.old_parts;
                    }
                    Err(err) => {
                        totals.failed += 1;
                        progress.suspend(|| report(&dir, &err));
                    }
                }
            }
            Found::Skipped { dir: path, reason } | Found::Link { path, reason } => {
                totals.skipped += 1;
                if !args.quiet || args.strict {
                    progress.suspend(|| {
                        super::say(&format!("warning: {}: skipped: {reason}", path.display()))
                    });
                }
            }
            Found::Unreadable { path, message } => {
                totals.failed += 1;
                progress.suspend(|| super::say(&format!("error: {}: {message}", path.display())));
            }
        }
    }
    progress.finish_and_clear();

    if totals.captures + totals.failed == 0 {
        anyhow::bail!(
            "no capture found under `{}` (a capture is a folder holding `{}` or a single `*.log` file)",
            args.captures.display(),
            capture::DEFAULT_FILE
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

/// Renders one capture folder into its DOCS folder.
fn build_one(
    args: &Args,
    config: Option<&Config>,
    templates: &Templates,
    root_title: &str,
    dir: &Path,
    rel: &RelDir,
    progress: &ProgressBar,
) -> anyhow::Result<Built> {
    let discovered;
    let config = match config {
        Some(c) => c,
        None => {
            discovered = Config::discover(dir)?;
            &discovered
        }
    };
    // Links passed over were reported by the walk.
    let path = capture::locate(dir, args.follow_symlinks)?.path;
    let options = pipeline::Options {
        redact: !args.no_redact,
    };
    // The records are not needed once the page is built: free them before rendering.
    let (page, warnings) = pipeline::build(&capture::load(&path)?, config, &options);
    progress.suspend(|| super::report_warnings(&warnings, args.quiet, args.strict))?;
    let page = std::sync::Arc::new(page);
    let files = render::render_page(&page, templates)?;
    let index = IndexPage::new(rel, &args.include_prefix, root_title, &page, &files);
    let index = vec![(INDEX.to_string(), templates.render(INDEX, &index)?)];

    nav::check_no_links(&args.output, rel).map_err(anyhow::Error::msg)?;
    let out = rel.under(&args.output);
    let written = site::write_files(&out, &files, args.force)?;
    progress.suspend(|| super::report_removed(&written.removed, args.quiet));
    let stale_parts = site::remove_stale_parts(&out, &files)?;
    // index.md is the one page meant for people to edit: never forced.
    let (index_changed, index_kept) = match site::write_files(&out, &index, false) {
        Ok(w) => (
            w.files.iter().any(|(_, o)| *o != site::Outcome::Unchanged),
            false,
        ),
        Err(Error::HandEdited { .. }) => (false, true),
        Err(e) => return Err(e.into()),
    };
    let mut built = tally(&written.files, index_changed, index_kept);
    built.removed = written.removed.len();
    built.old_parts = stale_parts.len();
    Ok(built)
}

fn tally(written: &[(PathBuf, site::Outcome)], index_changed: bool, index_kept: bool) -> Built {
    let changed = written
        .iter()
        .filter(|(_, o)| *o != site::Outcome::Unchanged)
        .count()
        + usize::from(index_changed);
    let total = written.len() + usize::from(!index_kept);
    Built {
        written: changed,
        unchanged: total - changed,
        index_kept,
        removed: 0,
        old_parts: 0,
    }
}

fn report(dir: &Path, err: &anyhow::Error) {
    super::say_error(&format!("{}: ", dir.display()), err);
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPTURE: &str = "\n### (openstack) REQ >>> (keystone) : GET http://127.0.0.1/identity/\n\
Accept: application/json\n\
X-Requestshook-Request-Id: 577ca6d86fee45928fae4fe0142aadf5\n\
X-Requestshook-Request-From: openstack\n\nnone\n\n\n\
### (openstack) RESP <<< (keystone) : 300 MULTIPLE CHOICES GET http://127.0.0.1/identity/\n\
Content-Type: application/json\n\
X-Requestshook-Request-Id: 577ca6d86fee45928fae4fe0142aadf5\n\
X-Requestshook-Request-From: openstack\n\n{\n  \"versions\": {}\n}\n\n";

    fn args(captures: &Path, output: &Path) -> Args {
        Args {
            captures: captures.to_path_buf(),
            output: output.to_path_buf(),
            templates: None,
            config: None,
            strict: false,
            force: false,
            no_redact: false,
            quiet: true,
            include_prefix: String::new(),
            follow_symlinks: false,
        }
    }

    fn capture(root: &Path, rel: &str, file: &str, text: &str) {
        let dir = root.join(rel);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(file), text).unwrap();
    }

    #[test]
    fn one_bad_capture_fails_the_run_but_not_the_others() {
        let tmp = tempfile::tempdir().unwrap();
        let (caps, docs) = (tmp.path().join("caps"), tmp.path().join("docs"));
        capture(&caps, "a/list", "requestshook.log", CAPTURE);
        capture(&caps, "b/broken", "requestshook.log", "no records here\n");
        capture(&caps, "c/show", "mine.log", CAPTURE);
        assert_eq!(run(args(&caps, &docs)).unwrap(), crate::cli::EXIT_INPUT);
        for rel in ["a/list", "c/show"] {
            for file in ["body.md", "diagram.md", "log.md", "index.md"] {
                assert!(docs.join(rel).join(file).is_file(), "{rel}/{file}");
            }
        }
        assert!(!docs.join("b/broken").exists());
        let index = std::fs::read_to_string(docs.join("a/list/index.md")).unwrap();
        assert!(index.starts_with("# a list\n"), "{index}");
        for include in ["diagram.md", "body.md", "log.md"] {
            let line = format!("--8<-- \"a/list/{include}\"");
            assert!(index.contains(&line), "{line} missing in\n{index}");
        }
        let diagram = std::fs::read_to_string(docs.join("a/list/diagram.md")).unwrap();
        assert!(diagram.contains("openstack->>keystone"), "{diagram}");
    }

    #[test]
    fn include_prefix_and_root_capture() {
        let tmp = tempfile::tempdir().unwrap();
        let (caps, docs) = (tmp.path().join("create"), tmp.path().join("docs"));
        capture(&caps, "", "requestshook.log", CAPTURE);
        let mut a = args(&caps, &docs);
        a.include_prefix = parse_prefix("image/").unwrap();
        assert_eq!(run(a).unwrap(), crate::cli::EXIT_OK);
        let index = std::fs::read_to_string(docs.join("index.md")).unwrap();
        assert!(index.starts_with("# create\n"), "{index}");
        assert!(index.contains("--8<-- \"image/body.md\""), "{index}");
        assert!(parse_prefix("../up").is_err());
        assert!(parse_prefix("/abs").is_err());
    }

    #[test]
    fn an_edited_index_is_kept_even_with_force() {
        let tmp = tempfile::tempdir().unwrap();
        let (caps, docs) = (tmp.path().join("caps"), tmp.path().join("docs"));
        capture(&caps, "x", "requestshook.log", CAPTURE);
        assert_eq!(run(args(&caps, &docs)).unwrap(), crate::cli::EXIT_OK);
        let index = docs.join("x/index.md");
        std::fs::write(&index, "# my own words\n").unwrap();
        std::fs::write(docs.join("x/body.md"), "edited\n").unwrap();
        // Without --force the edited body.md stops this capture.
        assert_eq!(run(args(&caps, &docs)).unwrap(), crate::cli::EXIT_INPUT);
        let mut forced = args(&caps, &docs);
        forced.force = true;
        assert_eq!(run(forced).unwrap(), crate::cli::EXIT_OK);
        assert_ne!(
            std::fs::read_to_string(docs.join("x/body.md")).unwrap(),
            "edited\n"
        );
        assert_eq!(std::fs::read_to_string(&index).unwrap(), "# my own words\n");
        // Once removed, it comes back.
        std::fs::remove_file(&index).unwrap();
        assert_eq!(run(args(&caps, &docs)).unwrap(), crate::cli::EXIT_OK);
        assert!(std::fs::read_to_string(&index)
            .unwrap()
            .contains("sequenceDiagram"));
    }

    #[test]
    fn strict_counts_skipped_folders_and_empty_trees_fail() {
        let tmp = tempfile::tempdir().unwrap();
        let (caps, docs) = (tmp.path().join("caps"), tmp.path().join("docs"));
        capture(&caps, "ok", "requestshook.log", CAPTURE);
        capture(&caps, "two", "a.log", CAPTURE);
        capture(&caps, "two", "b.log", CAPTURE);
        assert_eq!(run(args(&caps, &docs)).unwrap(), crate::cli::EXIT_OK);
        let mut strict = args(&caps, &docs);
        strict.strict = true;
        assert_eq!(run(strict).unwrap(), crate::cli::EXIT_INPUT);
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(run(args(&empty, &docs)).is_err());
    }
}
