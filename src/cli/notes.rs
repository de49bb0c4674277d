//! `tracedoc notes init`: write the skeleton of a capture's notes.md.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::driver;

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  \
tracedoc notes init captures/image/create   # writes captures/image/create/notes.md\n\
The file is never overwritten, and render/build never write it: it is yours (docs/notes.md).")]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Write notes.md beside a capture: one empty section per step, to fill
    /// in. Refuses when the file exists.
    Init(InitArgs),
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// A capture file, or a folder holding `requestshook.log` (or exactly one `*.log`).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    #[command(flatten)]
    pub reading: super::Reading,

    /// Read the capture in this format instead of finding it from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<crate::input::Format>,

    /// Keep secrets in the headings as captured (a path holding one).
    #[arg(long)]
    pub no_redact: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    match args.action {
        Action::Init(a) => init(a),
    }
}

fn init(args: InitArgs) -> anyhow::Result<i32> {
    let r = &args.reading;
    let settings = super::load_settings(r.config.as_deref(), &args.input, r.follow_symlinks)?;
    let path = super::locate(&args.input, r.follow_symlinks, r.quiet, r.strict)?;
    let file = driver::notes_path(&path);
    if file.exists() {
        super::say(&format!(
            "error: {} exists; tracedoc never overwrites notes (move it away to start again)",
            file.display()
        ));
        return Ok(super::EXIT_INPUT);
    }
    let options = driver::Options {
        redact: !args.no_redact,
        format: args.format,
        follow_links: r.follow_symlinks,
    };
    let loaded = driver::load(&path, &settings, &options)?;
    super::report_warnings(&loaded.diagnostics, r.quiet, r.strict)?;
    let text = driver::notes_skeleton(&loaded, &settings)?;
    // `create_new`: a file that appeared meanwhile is not overwritten either.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .with_context(|| format!("cannot create {}", file.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", file.display()))?;
    if !r.quiet {
        super::say(&format!(
            "tracedoc: wrote {} ({} sections)",
            file.display(),
            text.matches("\n## ").count()
        ));
    }
    Ok(super::EXIT_OK)
}
