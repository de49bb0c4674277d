//! `tracedoc graph`: the typed call graph of one capture, as JSON or DOT.

use std::borrow::Cow;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::PathBuf;

use crate::driver;
use crate::view::escape;

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
    let settings = super::load_settings(r.config.as_deref(), &args.input, r.follow_symlinks)?;
    let path = super::locate(&args.input, r.follow_symlinks, r.quiet, r.strict)?;
    let options = driver::Options {
        redact: !args.no_redact,
        format: args.input_format,
        follow_links: r.follow_symlinks,
    };
    // Warnings, records and paths all come redacted out of `load`.
    let loaded = driver::load(&path, &settings, &options)?;
    super::report_warnings(&loaded.diagnostics, r.quiet, r.strict)?;
    let doc = driver::graph(&loaded, &settings);
    let stdout = std::io::stdout().lock();
    let written = match args.format {
        // Control and invisible characters inside JSON strings become
        // `\uXXXX` escapes: still the same JSON.
        Format::Json => {
            let mut out = Lines::new(stdout, escape::terminal_json);
            doc.write_json(&mut out)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.finish())
        }
        // DOT's own lines stay lines; anything inside them is escaped.
        Format::Dot => {
            let mut out = Lines::new(stdout, escape::terminal);
            doc.write_dot(&mut out).and_then(|()| out.finish())
        }
    };
    match written {
        Ok(()) => Ok(super::EXIT_OK),
        // The reader stopped reading (`| head`): nothing is wrong.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(super::EXIT_OK),
        Err(e) => Err(e.into()),
    }
}

/// Writes text line by line, each line through `escape` (for the
/// terminal), into a buffered writer: what is printed is the same as
/// escaping the whole text, with only a line held at a time.
struct Lines<W: Write> {
    out: BufWriter<W>,
    line: Vec<u8>,
    escape: for<'a> fn(&'a str) -> Cow<'a, str>,
}

impl<W: Write> Lines<W> {
    fn new(out: W, escape: for<'a> fn(&'a str) -> Cow<'a, str>) -> Self {
        Lines {
            out: BufWriter::with_capacity(1 << 16, out),
            line: Vec::new(),
            escape,
        }
    }

    /// Writes out a line (`bytes` ends with its `\n`, if it has one): the
    /// line escaped, then its `\n`.
    fn emit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let (line, end) = match bytes.strip_suffix(b"\n") {
            Some(line) => (line, &b"\n"[..]),
            None => (bytes, &b""[..]),
        };
        let text = String::from_utf8_lossy(line);
        self.out.write_all((self.escape)(&text).as_bytes())?;
        self.out.write_all(end)
    }

    /// Writes what is left and flushes.
    fn finish(mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.line);
        self.emit(&rest)?;
        self.out.flush()
    }
}

impl<W: Write> Write for Lines<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(n) = memchr::memchr(b'\n', rest) {
            let (line, after) = rest.split_at(n + 1);
            if self.line.is_empty() {
                self.emit(line)?;
            } else {
                self.line.extend_from_slice(line);
                let held = std::mem::take(&mut self.line);
                self.emit(&held)?;
            }
            rest = after;
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // A line is written out only whole: escaping must see all of it.
        self.out.flush()
    }
}
