//! Command-line interface: flags (clap derive), one module per subcommand.
//!
//! Exit codes: 0 success; 1 input problems (a fatal error, or warnings under
//! `--strict`); 2 usage errors (bad flags, as clap reports them).

pub mod build;
pub mod diff;
pub mod graph;
pub mod init;
pub mod notes;
pub mod render;
pub mod split;

use clap::{Parser, Subcommand};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for input problems: a fatal error, or warnings with `--strict`.
pub const EXIT_INPUT: i32 = 1;
/// Exit code for usage errors.
pub const EXIT_USAGE: i32 = 2;

/// Turn captured HTTP traffic between services into MkDocs Material pages.
#[derive(Debug, Parser)]
#[command(
    name = "tracedoc",
    version,
    about,
    long_about = "Turn captured HTTP traffic between services into MkDocs Material pages: \
a mermaid sequence diagram, tabbed request/response headers and bodies, links to each \
operation's official API reference, and tables of the tokens and ids that flow between calls.",
    after_help = "Exit codes: 0 ok, 1 input problems (fatal, or warnings with --strict) or pages out\n\
of date (--check), 2 usage. `diff`: 0 equivalent, 1 different, 2 errors.\n\
Example:\n  tracedoc render captures/openstack/image/create -o docs/openstack/image/create"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render one capture into body.md, diagram.md, log.md and the tokens, variables and omitted tables.
    Render(render::Args),
    /// Print the call graph of one capture (records, exchanges, tokens, variables) as JSON or DOT.
    Graph(graph::Args),
    /// Render every capture under a folder into a docs tree: an index.md per capture, a home page and an API coverage page.
    Build(build::Args),
    /// Cut a long capture into one capture per client command.
    Split(split::Args),
    /// Compare two captures of one command: calls added, removed, moved or changed.
    Diff(diff::Args),
    /// Per-step notes beside a capture (notes.md): `notes init` writes the skeleton.
    Notes(notes::Args),
    /// Create a MkDocs site that renders its captures: mkdocs.yml, docs/index.md, a sample capture.
    Init(init::Args),
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Render(args) => render::run(args),
        Command::Build(args) => build::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Split(args) => split::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Notes(args) => notes::run(args),
        Command::Init(args) => init::run(args),
    }
}

/// Prints one line to standard error, escaped for the terminal: text from
/// input (names, URLs, paths) may hold control characters and escape
/// sequences (`view::escape::terminal`).
pub fn say(line: &str) {
    eprintln!("{}", crate::view::escape::terminal(line));
}

/// Prints one line to standard output, escaped for the terminal.
///
/// A reader that went away (`tracedoc graph ... | head`) is an error the
/// caller passes up; [`is_broken_pipe`] tells `main` to exit quietly on it.
pub fn show(line: &str) -> std::io::Result<()> {
    use std::io::Write;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        crate::view::escape::terminal(line)
    )
}

/// Prints JSON to standard output: control and invisible characters inside
/// its strings are written as `\uXXXX` escapes (still the same JSON).
pub fn show_json(json: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", crate::view::escape::terminal_json(json))?;
    out.flush()
}

/// Whether an error is standard output closed by its reader (a pipe into
/// `head`): not a failure, the way `ripgrep` and `cat` treat it.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints an error and its causes to standard error, escaped for the terminal.
pub fn say_error(context: &str, err: &anyhow::Error) {
    say(&format!("error: {context}{err}"));
    for cause in err.chain().skip(1) {
        say(&format!("  caused by: {cause}"));
    }
}

/// Finds the capture file an input names ([`crate::input::discover::locate`])
/// and warns about the symbolic links passed over in its folder; with
/// `strict` those warnings fail the run like any other.
pub fn locate(
    input: &std::path::Path,
    follow_links: bool,
    quiet: bool,
    strict: bool,
) -> crate::Result<std::path::PathBuf> {
    let located = crate::input::discover::locate(input, follow_links)?;
    if !quiet {
        for link in &located.skipped_links {
            say(&format!(
                "warning: {}: skipped: {}",
                link.display(),
                crate::input::discover::link_skipped(link)
            ));
        }
    }
    if strict && !located.skipped_links.is_empty() {
        return Err(crate::Error::Strict {
            count: located.skipped_links.len(),
        });
    }
    Ok(located.path)
}

/// Says which temporary files of an interrupted earlier run were removed
/// (unless `quiet`).
pub fn report_removed(removed: &[std::path::PathBuf], quiet: bool) {
    if quiet {
        return;
    }
    for path in removed {
        say(&format!(
            "note: removed {} (a temporary file left by an interrupted run)",
            path.display()
        ));
    }
}

/// Prints warnings, one per line, to standard error.
pub fn print_warnings(diagnostics: &[crate::Diagnostic], quiet: bool) {
    if quiet {
        return;
    }
    for d in diagnostics {
        say(&format!("warning: {d}"));
    }
}

/// Prints warnings, then fails with [`crate::Error::Strict`] if `strict` and there were any.
pub fn report_warnings(
    diagnostics: &[crate::Diagnostic],
    quiet: bool,
    strict: bool,
) -> crate::Result<()> {
    print_warnings(diagnostics, quiet);
    if strict && !diagnostics.is_empty() {
        return Err(crate::Error::Strict {
            count: diagnostics.len(),
        });
    }
    Ok(())
}

/// The settings a command uses: `--config FILE` when given, else the
/// `tracedoc.toml` found from the input's folder upwards.
pub fn load_settings(
    explicit: Option<&std::path::Path>,
    input: &std::path::Path,
    follow_links: bool,
) -> crate::Result<crate::settings::Settings> {
    match explicit {
        Some(path) => crate::settings::Settings::load(path),
        None => crate::settings::Settings::discover(input, follow_links),
    }
}

/// The languages whose labels are built in, for `--lang`.
pub const LANGS: [&str; 2] = ["en", "ko"];

/// Flags every command that reads one capture shares.
#[derive(Debug, Clone, clap::Args)]
pub struct Reading {
    /// Config file (default: `tracedoc.toml` in the capture's folder or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,

    /// Treat warnings as errors: exit 1 and write nothing if any.
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
