//! `tracedoc split`: one long capture -> one capture per client command.

use std::path::{Path, PathBuf};

use crate::driver;
use crate::input::discover::DEFAULT_FILE;
use crate::site::{Folder, Outcome};

#[derive(Debug, clap::Args)]
#[command(
    after_help = EXAMPLES,
    after_long_help = concat!(
        "How the log is cut:\n  \
A command is a run of the client's own calls (root exchanges) and everything the services \
called while serving them. A new command starts where the client does version discovery or \
asks for a token after having made other calls (every `openstack ...` invocation begins that \
way), or where it calls with another token. Calls that services make on their own (periodic \
tasks of nova-compute, scheduler calls) go into captures of their own, one per service per \
stretch between two commands. Each piece is written as DIR/NNN-<slug>/requestshook.log, \
records in log order, so that `tracedoc build DIR` renders them all. See docs/split.md.\n\n",
        "Examples:\n  \
tracedoc split /var/log/requestshook.log --dry-run          # print the plan only\n  \
tracedoc split /var/log/requestshook.log -o captures/session-1\n  \
tracedoc build captures/session-1 -o docs/session-1         # then render every piece\n\n\
Summary lines (piece, records, first call):\n  \
001-post-v2-images                    22 records  openstack: POST /v2/images"
    )
)]
pub struct Args {
    /// The long capture: a file, or a folder holding `requestshook.log` (or exactly one `*.log`).
    #[arg(value_name = "LOG")]
    pub input: PathBuf,

    /// Folder to write the pieces into, one `NNN-<slug>/requestshook.log` each (created if missing).
    #[arg(short, long, value_name = "DIR", required_unless_present = "dry_run")]
    pub output: Option<PathBuf>,

    /// A caller whose own calls are client commands (repeat for several). Default:
    /// found from the log, the caller that asks keystone for tokens most often.
    #[arg(long, value_name = "NAME")]
    pub client: Vec<String>,

    /// Print the plan (one line per piece) and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Overwrite pieces even if they were edited by hand since tracedoc wrote them.
    #[arg(long)]
    pub force: bool,

    /// Read the capture in this format instead of finding it from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<crate::input::Format>,

    #[command(flatten)]
    pub reading: super::Reading,
}

const EXAMPLES: &str = "Examples:\n  \
tracedoc split /var/log/requestshook.log --dry-run\n  \
tracedoc split /var/log/requestshook.log -o captures/session-1\n  \
tracedoc build captures/session-1 -o docs/session-1";

/// The file name of every piece.
pub const PIECE_FILE: &str = DEFAULT_FILE;

pub fn run(args: Args) -> anyhow::Result<i32> {
    let r = &args.reading;
    let settings = super::load_settings(r.config.as_deref(), &args.input, r.follow_symlinks)?;
    let path = super::locate(&args.input, r.follow_symlinks, r.quiet, r.strict)?;
    // Pieces are captures: written as captured, secrets and all.
    let options = driver::Options {
        redact: false,
        format: args.format,
        follow_links: r.follow_symlinks,
    };
    let loaded = driver::load(&path, &settings, &options)?;
    super::report_warnings(&loaded.diagnostics, r.quiet, r.strict)?;
    let plan = driver::split_plan(&loaded, &settings, &args.client);
    let records = loaded.records();
    if !r.quiet {
        let width = plan.pieces.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for p in &plan.pieces {
            let e = &loaded.analysis.graph.exchanges[p.main_call];
            let head = loaded
                .capture
                .record(loaded.analysis.scan.facts[e.first()].at);
            let (method, path) = head
                .as_ref()
                .map(|h| (h.method.to_string(), h.path().to_string()))
                .unwrap_or_default();
            super::show(&format!(
                "{:width$}  {:>5} records  {}: {} {}",
                p.name,
                p.records.len(),
                p.caller,
                method,
                path
            ))?;
        }
    }

    let Some(out) = args.output.as_deref().filter(|_| !args.dry_run) else {
        if !r.quiet {
            super::say(&format!(
                "tracedoc: {} records -> {} capture(s), clients: {} (dry run: nothing written)",
                records,
                plan.pieces.len(),
                plan.clients.join(", ")
            ));
        }
        return Ok(super::EXIT_OK);
    };
    let mut changed = 0;
    for p in &plan.pieces {
        let text = driver::split_text(&loaded, &p.records);
        let mut folder = Folder::open(&out.join(&p.name), args.force)?;
        folder.check(&[PIECE_FILE])?;
        if folder.write(PIECE_FILE, text.as_bytes())? != Outcome::Unchanged {
            changed += 1;
        }
        super::report_removed(&folder.removed_temps, r.quiet);
        folder.close(|_| false)?;
    }
    if !r.quiet {
        for stale in stale_pieces(out, &plan) {
            super::say(&format!(
                "note: {} is not part of this split (left as is; remove it before `tracedoc build`)",
                stale.display()
            ));
        }
        super::say(&format!(
            "tracedoc: {} records -> {} capture(s) in {} ({} written, {} unchanged), clients: {}",
            records,
            plan.pieces.len(),
            out.display(),
            changed,
            plan.pieces.len() - changed,
            plan.clients.join(", ")
        ));
    }
    Ok(super::EXIT_OK)
}

/// Folders in `out` named like pieces (`NNN-...`) that this plan did not write:
/// left from an earlier split of a different log.
fn stale_pieces(out: &Path, plan: &crate::analyze::split::Plan) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join(PIECE_FILE).is_file())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let numbered = name
                .split_once('-')
                .is_some_and(|(n, _)| n.len() >= 3 && n.bytes().all(|b| b.is_ascii_digit()));
            numbered && !plan.pieces.iter().any(|p| p.name == name)
        })
        .map(|e| e.path())
        .collect();
    stale.sort();
    stale
}
