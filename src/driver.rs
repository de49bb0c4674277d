//! The one place that runs the stages, for every subcommand.
//!
//! ```text
//! input ──pass 1──▶ analyze (+ redact: find) ──▶ view (page head, diagram)
//!   └────pass 2──▶ redact ──▶ view (step) ──▶ render ──▶ site
//! ```
//!
//! [`load`] reads a capture once, in pieces on every core, keeping only
//! each record's facts and the secrets it holds, then runs the
//! whole-capture analysis. [`render()`] reads it again, piece by piece, and
//! streams every step through redaction and the templates into `body.md`
//! and `log.md`; the small files come from the page's head. `graph`,
//! `split`, `--context` and `build` use the same two steps.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::analyze::split::{self, Plan};
use crate::analyze::{Analysis, Context, Scan};
use crate::error::{Diagnostic, DiagnosticKind, Error, Result};
use crate::graph::Finding;
use crate::input::{Capture, Format, Piece, PIECE_BYTES};
use crate::openstack::apiref::Catalog;
use crate::redact::{hash_name, Found, Hunter, Marks};
use crate::render::{self, Head, StepOut, Templates, OUTPUTS};
use crate::settings::Settings;
use crate::site::{overview, Folder, Outcome};
use crate::view::diagram::{self, Skeleton};
use crate::view::graphdoc::GraphDoc;
use crate::view::index::IndexPage;
use crate::view::notes::{self, Placed, StepKey};
use crate::view::overview::{CoveragePage, HomePage, Summary};
use crate::view::{Page, Redaction, Shown, Step};

/// On SIGINT, SIGTERM or SIGHUP, removes the temporary files being
/// written and exits (see `site::out`). Call once, from the binary.
pub fn clean_up_on_signals() -> std::io::Result<()> {
    crate::site::clean_up_on_signals()
}

/// Choices of a run that are not configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Replace secrets (on by default; `--no-redact` turns it off).
    pub redact: bool,
    /// Read captures in this format instead of finding it from the content.
    pub format: Option<Format>,
    /// Read a symbolic link found beside the capture (`notes.md`), as
    /// `--follow-symlinks` asks; off, such a link is an error.
    pub follow_links: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            redact: true,
            format: None,
            follow_links: false,
        }
    }
}

/// A capture read and analysed: everything its pages need but the text of
/// its records, which is read again as the pages are written.
pub struct Loaded {
    pub(crate) capture: Capture,
    pieces: Vec<Piece>,
    /// The index of the first record of each piece.
    first_records: Vec<usize>,
    pub(crate) analysis: Analysis,
    skeleton: Skeleton,
    hunter: Hunter,
    redact: bool,
    /// The notes of `notes.md` beside the capture, placed under their steps.
    notes: Placed,
    /// That file, when there is one (an input of the pages).
    notes_file: Option<PathBuf>,
    /// Its digest and size as read, for the manifest.
    notes_digest: Option<(PathBuf, String, u64)>,
    /// What pass 1 marked for redaction in each record (empty with
    /// `--no-redact`): two bytes a record, so pass 2 skips the rules that
    /// change nothing.
    marks: Vec<Marks>,
    /// Warnings, in line order, redacted like the records.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a capture (a file, or a folder of several capture files) and
/// analyses it (the first pass).
pub fn load(path: &Path, settings: &Settings, options: &Options) -> Result<Loaded> {
    let capture = if path.is_dir() {
        // A folder of several capture files (a folder of one is located to
        // its file before this). Links inside it are followed only with
        // `--follow-symlinks`, as when it was located.
        let located = crate::input::discover::locate(path, options.follow_links)?;
        Capture::open_several(
            &located.path,
            &located.files,
            options.format,
            &settings.endpoints,
        )?
    } else {
        Capture::open_with(path, options.format, &settings.endpoints)?
    };
    load_capture(capture, settings, options)
}

/// Reads a capture held in memory (tests, fuzzing); `name` names it.
pub fn load_bytes(
    name: &Path,
    bytes: Vec<u8>,
    settings: &Settings,
    options: &Options,
) -> Result<Loaded> {
    load_capture(
        Capture::from_vec_with(name, bytes, options.format, &settings.endpoints)?,
        settings,
        options,
    )
}

fn load_capture(capture: Capture, settings: &Settings, options: &Options) -> Result<Loaded> {
    let path = capture.path.clone();
    let path = path.as_path();
    let pieces = capture.pieces(PIECE_BYTES)?;
    let catalog = Catalog::builtin();
    let ctx = Context {
        services: &settings.services,
        catalog,
        filters: &settings.filters,
    };
    let rules = &settings.redact;
    let mut scan = Scan::default();
    let mut found = Found::default();
    let mut marks = Vec::new();
    let mut first_records = Vec::with_capacity(pieces.len());
    // Every piece on whichever core is free (rayon hands each thread a run
    // of pieces and steals when one is done early), then joined in order.
    // What a piece keeps is its facts and secrets, which the joined scan
    // holds anyway; only the pieces being read are in memory. The results
    // are joined in order, so the first error in the file is the one told.
    let parts: Vec<Result<(Scan, Found, Vec<Marks>)>> = pieces
        .par_iter()
        .map(|piece| {
            let mut scan = Scan::default();
            let mut found = Found::default();
            let mut marks = Vec::new();
            let mut buf = capture.buffer();
            let mut records = capture.read(piece, &mut buf)?;
            for record in records.by_ref() {
                scan.add(&record, ctx);
                if options.redact {
                    marks.push(rules.find(&record, &mut found));
                }
            }
            scan.diagnostics.extend(records.take_diagnostics());
            Ok((scan, found, marks))
        })
        .collect();
    // Room for every piece's records at once: appended one piece at a
    // time, the lists would be copied each time they double.
    let records: usize = parts.iter().flatten().map(|(s, _, _)| s.facts.len()).sum();
    scan.reserve(records);
    marks.reserve(records);
    for part in parts {
        let (s, f, m) = part?;
        first_records.push(scan.facts.len());
        scan.append(s);
        found.merge(f);
        marks.extend(m);
    }
    marks.shrink_to_fit();
    scan.shrink();
    if scan.facts.is_empty() {
        return Err(Error::NoRecords {
            path: path.to_path_buf(),
        });
    }
    let redact = options.redact;
    let analysis = Analysis::new(scan, &capture, &pieces, catalog, &|value| {
        redact && found.is_secret(value)
    });
    let hunter = if redact {
        let a = &analysis;
        let name = |value: &str| {
            a.scan
                .tokens
                .get(value)
                .and_then(|sym| a.tokens.get(sym))
                .map(|t| t.name.clone())
                .unwrap_or_else(|| hash_name(value))
        };
        Hunter::for_size(rules, &found, &name, capture.len())
    } else {
        Hunter::none()
    };
    let skeleton = diagram::build(&diagram::Input {
        facts: &analysis.scan.facts,
        names: &analysis.scan.names,
        graph: &analysis.graph,
        dropped: &analysis.dropped,
        limits: settings.diagram,
    });
    let mut loaded = Loaded {
        capture,
        pieces,
        first_records,
        analysis,
        skeleton,
        hunter,
        redact,
        notes: Placed::default(),
        notes_file: None,
        notes_digest: None,
        marks,
        diagnostics: Vec::new(),
    };
    loaded.diagnostics = diagnostics(&loaded, settings);
    let file = notes_path(&loaded.capture.path);
    if crate::input::discover::side_file(&file, options.follow_links)?.is_some() {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::read(&file, e))?;
        let (placed, warnings) = place_notes(&loaded, settings, &file, &text)?;
        loaded.notes = placed;
        let digest = format!("b3:{}", blake3::hash(text.as_bytes()).to_hex());
        loaded.notes_digest = Some((file.clone(), digest, text.len() as u64));
        loaded.notes_file = Some(file);
        loaded.diagnostics.extend(warnings);
    }
    Ok(loaded)
}

impl Loaded {
    /// How many records the capture holds.
    pub fn records(&self) -> usize {
        self.analysis.records()
    }

    /// The capture file.
    pub fn capture(&self) -> &Capture {
        &self.capture
    }

    /// The capture as its pages show it.
    pub(crate) fn shown<'l>(&'l self, settings: &'l Settings) -> Shown<'l> {
        Shown {
            capture: &self.capture,
            analysis: &self.analysis,
            skeleton: &self.skeleton,
            redaction: self.redact.then_some(Redaction {
                rules: &settings.redact,
                hunter: &self.hunter,
                marks: &self.marks,
            }),
            catalog: Catalog::builtin(),
            step_numbers: settings.step_numbers,
            notes: &self.notes,
        }
    }

    /// `notes.md` beside the capture, when there is one.
    pub fn notes_file(&self) -> Option<&Path> {
        self.notes_file.as_deref()
    }

    /// The page's head.
    pub fn page(&self, settings: &Settings) -> Page {
        self.shown(settings)
            .page(&settings.labels, &settings.diagram, &settings.filters)
    }
}

/// The reader's and the graph's warnings, with their messages, redacted,
/// in line order.
fn diagnostics(loaded: &Loaded, settings: &Settings) -> Vec<Diagnostic> {
    let shown = loaded.shown(settings);
    let facts = &loaded.analysis.scan.facts;
    let mut all = loaded.analysis.scan.diagnostics.clone();
    for f in &loaded.analysis.findings {
        let r = f.record();
        let Some(record) = shown.head(r) else {
            continue;
        };
        // The file of several that holds the record, and where in it.
        let (file, line, entry) = loaded.capture.locate(facts[r].at);
        let (kind, message) = match *f {
            Finding::DuplicateKey { first, .. } => (
                DiagnosticKind::DuplicateId,
                format!(
                    "request id {} was already used by the request at {}; pairing falls back to order",
                    record.id.as_deref().unwrap_or(""),
                    match loaded.capture.locate(facts[first].at) {
                        (f, 0, entry) if f == file => entry.unwrap_or_default(),
                        (f, n, _) if f == file => format!("line {n}"),
                        (f, 0, entry) => format!("{}: {}", f.display(), entry.unwrap_or_default()),
                        (f, n, _) => format!("{}:{n}", f.display()),
                    }
                ),
            ),
            Finding::NoRequest { .. } => (
                DiagnosticKind::Unpaired,
                format!(
                    "response {} to {} {} has no matching request; it is kept and marked as unpaired",
                    record.status.as_ref().map_or("", |s| &*s.text),
                    record.method,
                    record.path()
                ),
            ),
            Finding::NoResponse { .. } => (
                DiagnosticKind::Unpaired,
                format!(
                    "request {} {} never got a response; it is kept and marked as unanswered",
                    record.method,
                    record.path()
                ),
            ),
        };
        all.push(Diagnostic {
            path: file,
            line,
            entry,
            kind,
            message,
            quote: None,
        });
    }
    // By file (a capture of several files), then line.
    all.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    for d in &mut all {
        d.message = shown.text(&d.message).into_owned();
        if let Some(q) = &mut d.quote {
            *q = shown.text(q).into_owned();
        }
    }
    all
}

/// The notes file of a capture: `notes.md` in the capture's folder.
pub fn notes_path(capture: &Path) -> PathBuf {
    capture
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(NOTES_FILE)
}

/// The name of the notes file beside a capture.
pub const NOTES_FILE: &str = "notes.md";

/// What each shown step is known by, for notes (records read again, as shown).
fn step_keys(loaded: &Loaded, settings: &Settings) -> Result<Vec<StepKey>> {
    let shown = loaded.shown(settings);
    let a = &loaded.analysis;
    let mut keys = Vec::new();
    let mut buf = loaded.capture.buffer();
    for (&base, piece) in loaded.first_records.iter().zip(&loaded.pieces) {
        for (k, record) in loaded.capture.read(piece, &mut buf)?.enumerate() {
            let i = base + k;
            if a.is_dropped(i) || shown.number(i).is_none() {
                continue;
            }
            let request = (!record.is_request())
                .then(|| a.graph.exchange_of(i).and_then(|e| e.request))
                .flatten()
                .and_then(|q| shown.head(q as usize));
            let call = request.as_ref().unwrap_or(&record);
            let record = match &shown.redaction {
                Some(r) => r.rules.redact(&record, r.hunter),
                None => record.clone(),
            };
            keys.push(StepKey {
                record: i,
                response: !record.is_request(),
                method: call.method.to_string(),
                path: call.path().to_string(),
                id: record.id.as_ref().map(|s| s.to_string()),
            });
        }
    }
    Ok(keys)
}

/// The text of a new notes.md for a loaded capture: an explanation, then
/// one empty section per shown step, keyed by operation and occurrence
/// (`## POST /image/v2/images #2 response`), with the step's current
/// number in a comment for orientation.
pub fn notes_skeleton(loaded: &Loaded, settings: &Settings) -> Result<String> {
    let shown = loaded.shown(settings);
    let steps = step_keys(loaded, settings)?;
    let occurrence = notes::occurrences(&steps, &|i| request_of(loaded, i));
    let intro = [
        "Write Markdown under a step's heading; an empty section is left out.",
        "A `## ` heading names its step, so that renumbering does not move the note:",
        "  METHOD /path          the first call of that method and path",
        "  METHOD /path #2       the second such call (`response` after it: its response)",
        "  id REQUEST-ID         the request with that X-Requestshook-Request-Id",
        "{...} and generated ids in a path match any id; queries are ignored.",
        "The step numbers in the headings' comments are only a guide.",
        "tracedoc never writes this file once it exists (docs/notes.md).",
    ];
    let mut out = format!(
        "<!-- Notes for the steps of {}, shown under each step.\n     {} -->\n",
        loaded.capture.name(),
        intro.join("\n     ")
    );
    let vars = &loaded.analysis.variables;
    for (s, n) in steps.iter().zip(occurrence) {
        let key = notes::skeleton_key(&s.method, &vars.placeholder_path(&s.path), n, s.response);
        let number = shown.number(s.record).unwrap_or_default();
        out.push_str(&format!("\n## {key} <!-- step {number} -->\n"));
    }
    Ok(shown.text(&out).into_owned())
}

/// The request of a response record, if paired.
fn request_of(loaded: &Loaded, i: usize) -> Option<usize> {
    loaded
        .analysis
        .graph
        .exchange_of(i)
        .and_then(|e| e.request)
        .map(|q| q as usize)
        .filter(|&q| q != i)
}

/// Places the notes of `text` (read from `file`) under the steps their
/// keys name; a note whose step is not found is kept as an orphan, with a
/// warning naming the file and line.
///
/// Notes are the site owner's Markdown, shown as written, but they never
/// publish a secret of the capture: a note that quotes a token, a password
/// or any other value redaction hides in the records shows it as the page
/// does (a token by its token name), and so do the headings an orphaned
/// note and its warning quote. Keys are matched before that, on the text
/// as written.
fn place_notes(
    loaded: &Loaded,
    settings: &Settings,
    file: &Path,
    text: &str,
) -> Result<(Placed, Vec<Diagnostic>)> {
    let (mut sections, open_fence) = notes::parse_checked(text);
    let steps = step_keys(loaded, settings)?;
    let occurrence = notes::occurrences(&steps, &|i| request_of(loaded, i));
    let at = notes::assign(&sections, &steps, &occurrence);
    let shown = loaded.shown(settings);
    for section in &mut sections {
        let note = &mut section.note;
        note.key = shown.owner_text(&note.key).into_owned();
        // As one text, so a secret written over several lines is found.
        let joined = note.lines.join("\n");
        let redacted = shown.owner_text(&joined);
        if redacted != joined {
            note.lines = redacted.split('\n').map(str::to_string).collect();
        }
        // Anyone who can add a capture can add its notes.md: its Markdown
        // is kept, what runs, fetches or includes is not.
        note.lines = crate::view::escape::owner_markdown(&note.lines);
    }
    let mut placed = Placed::default();
    let mut warnings = Vec::new();
    if let Some(line) = open_fence {
        warnings.push(Diagnostic {
            path: file.to_path_buf(),
            line,
            entry: None,
            kind: DiagnosticKind::OrphanedNote,
            message: "this code fence is never closed: every line after it, headings too, is read as its code".into(),
            quote: None,
        });
    }
    for (section, at) in sections.into_iter().zip(at) {
        match at {
            Some(k) => placed
                .by_record
                .entry(steps[k].record)
                .or_default()
                .push(section.note),
            // An empty section (a skeleton not filled in) is no note.
            None if section.note.lines.is_empty() => {}
            None => {
                warnings.push(Diagnostic {
                    path: file.to_path_buf(),
                    line: section.note.line,
                    entry: None,
                    kind: DiagnosticKind::OrphanedNote,
                    message: match section.key {
                        notes::Key::Unknown => format!(
                            "`## {}` names no step (write `## METHOD /path [#n] [response]` or `## id REQUEST-ID [response]`); the note is kept at the end of body.md",
                            section.note.key
                        ),
                        _ => format!(
                            "no step of this capture is `{}`; the note is kept at the end of body.md",
                            section.note.key
                        ),
                    },
                    quote: None,
                });
                placed.orphans.push(section.note);
            }
        }
    }
    Ok((placed, warnings))
}

/// Takes the `body.md` and `log.md` text of one piece, in order.
type Sink<'s> = dyn FnMut(&[u8], &[u8]) -> Result<()> + 's;

/// A piece's `body.md` and `log.md` text.
type Rendered = Result<(Vec<u8>, Vec<u8>)>;

/// Renders every step in order, on every core, handing the `body.md` and
/// `log.md` text of each piece to `sink` in order while later pieces are
/// still being rendered. At most a few pieces are in flight, so memory
/// stays at a handful of pieces whatever the capture's size. `omitted`
/// steps go to `log.md` only.
fn each_step(
    loaded: &Loaded,
    settings: &Settings,
    templates: &Templates,
    head: &Head,
    sink: &mut Sink<'_>,
) -> Result<()> {
    let shown = loaded.shown(settings);
    let a = &loaded.analysis;
    let n = a.records();
    let first_shown = (0..n).find(|&i| !a.is_dropped(i));
    let last_shown = (0..n).rev().find(|&i| !a.is_dropped(i));
    let pieces: Vec<(usize, &Piece)> = loaded
        .first_records
        .iter()
        .copied()
        .zip(&loaded.pieces)
        .collect();
    // Written buffers are cleared and handed to later pieces: fresh ones
    // would be fresh pages, which the kernel zeroes every time.
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let buffer = |want: usize| {
        let mut b = spare
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_default();
        b.reserve(want);
        b
    };
    let render_piece = |(base, piece): (usize, &Piece)| -> Rendered {
        let mut body = buffer(piece.range.len() + piece.range.len() / 4);
        let mut log = buffer(piece.range.len() + piece.range.len() / 8);
        let mut buf = loaded.capture.buffer();
        let records = loaded.capture.read(piece, &mut buf)?;
        for (k, record) in records.enumerate() {
            let i = base + k;
            let record = match &shown.redaction {
                Some(r) => r.redact(i, &record),
                None => record,
            };
            let step = Arc::new(shown.step(i, &record));
            render::write_step(
                templates,
                head,
                step,
                (Some(i) == first_shown, Some(i) == last_shown),
                (i == 0, i + 1 == n),
                StepOut {
                    body: &mut body,
                    log: &mut log,
                },
            )?;
        }
        Ok((body, log))
    };
    // Up to four pieces per core in flight, so that a core is not idle
    // while the writer waits for a slow piece at the head of the line
    // (with one more piece than cores, pass 2 of a 1 GB log kept 1.6 of 2
    // cores busy; with these, 1.9); fewer when pieces are big (a piece
    // holding a body of megabytes is that big), so that what is held at
    // once stays near IN_FLIGHT_BYTES.
    let in_flight = 4 * rayon::current_num_threads().max(1);
    let mut held = 0usize;
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Rendered)>();
    let mut outcome = Ok(());
    rayon::in_place_scope(|scope| {
        let mut spawned = 0;
        let mut written = 0;
        let mut done: HashMap<usize, Rendered> = HashMap::new();
        while written < pieces.len() {
            while spawned < pieces.len()
                && spawned < written + in_flight
                && (spawned == written || held + pieces[spawned].1.range.len() <= IN_FLIGHT_BYTES)
            {
                let (tx, job, k) = (tx.clone(), &render_piece, spawned);
                let piece = pieces[k];
                held += piece.1.range.len();
                scope.spawn(move |_| {
                    // The receiver is gone only when writing failed.
                    let _ = tx.send((k, job(piece)));
                });
                spawned += 1;
            }
            let Some((k, r)) = next_rendered(&rx) else {
                break;
            };
            done.insert(k, r);
            while let Some(r) = done.remove(&written) {
                held = held.saturating_sub(pieces[written].1.range.len());
                let step = r.and_then(|(mut body, mut log)| {
                    sink(&body, &log)?;
                    body.clear();
                    log.clear();
                    if let Ok(mut s) = spare.lock() {
                        s.extend([body, log]);
                    }
                    Ok(())
                });
                written += 1;
                if let Err(e) = step {
                    outcome = Err(e);
                    // Spawn nothing more; the scope waits for what runs.
                    written = pieces.len();
                    break;
                }
            }
        }
    });
    outcome
}

/// The next piece rendered. On a thread of the pool (`build` renders
/// captures in parallel), waiting would hold a thread the pieces need:
/// it runs other work of the pool while nothing has arrived.
fn next_rendered<T>(rx: &std::sync::mpsc::Receiver<T>) -> Option<T> {
    loop {
        match rx.try_recv() {
            Ok(v) => return Some(v),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => return None,
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
        }
        match rayon::yield_now() {
            // Not a thread of the pool: nothing to run here, so wait.
            None => return rx.recv().ok(),
            Some(rayon::Yield::Executed) => {}
            // Other threads run the pieces: wait a little, then look again.
            Some(rayon::Yield::Idle) => {
                match rx.recv_timeout(std::time::Duration::from_micros(200)) {
                    Ok(v) => return Some(v),
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                }
            }
        }
    }
}

/// About how many input bytes pass 2 renders at once (a piece may be
/// bigger; then it is rendered alone or beside one other). With their
/// output buffers, about three times this is held.
const IN_FLIGHT_BYTES: usize = 8 << 20;

/// What writing a capture's pages did.
#[derive(Debug, Default)]
pub struct Written {
    /// Every file and what happened to it.
    pub files: Vec<(String, Outcome)>,
    /// `index.md` was edited by hand and kept as it is.
    pub index_kept: bool,
    /// Diagram parts an earlier run wrote that this one did not, removed.
    pub old_parts: Vec<PathBuf>,
    /// Temporary files an interrupted earlier run left, removed.
    pub removed_temps: Vec<PathBuf>,
    /// What the overview pages need of the capture (`build` only).
    pub summary: Option<Summary>,
}

impl Written {
    pub fn changed(&self) -> usize {
        self.files
            .iter()
            .filter(|(_, o)| *o != Outcome::Unchanged)
            .count()
    }
}

/// Whether a file name is a diagram part (`diagram-3.md`).
fn is_part(name: &str) -> bool {
    name.strip_prefix("diagram-")
        .and_then(|n| n.strip_suffix(".md"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Where `index.md` goes, when `build` writes one.
pub struct IndexSpec<'a> {
    /// The capture's capture.toml (empty when it has none).
    pub meta: &'a crate::input::meta::Read,
    /// The capture folder's names, outermost first.
    pub folders: &'a [String],
    /// Where the output folder sits below snippets' `base_path`.
    pub prefix: &'a str,
    /// The title of a capture at the root of the tree.
    pub root_title: &'a str,
}

/// Writes a loaded capture's pages into `out` (the second pass).
pub fn render(
    loaded: &Loaded,
    settings: &Settings,
    templates: &Templates,
    out: &Path,
    force: bool,
    index: Option<&IndexSpec>,
    fingerprint: Option<&str>,
) -> Result<Written> {
    let page = loaded.page(settings);
    let head = Head::of(&page);
    let mut folder = Folder::open(out, force)?;
    let mut names: Vec<&str> = OUTPUTS.to_vec();
    names.extend(
        page.parts
            .iter()
            .map(|p| p.file.as_str())
            .filter(|n| is_part(n)),
    );
    folder.check(&names)?;
    let mut body = folder.create("body.md")?;
    let mut log = folder.create("log.md")?;
    // The small files (diagrams, tables) render on a thread of their own
    // while the steps stream: on a big capture they take a core for a
    // moment that would otherwise pass before the first step.
    let small = std::thread::scope(|scope| {
        let small = scope.spawn(|| render::head_files(&page, &head, templates));
        let steps = each_step(loaded, settings, templates, &head, &mut |b, l| {
            use std::io::Write;
            body.write_all(b)
                .map_err(|e| Error::write(body.path(), e))?;
            log.write_all(l).map_err(|e| Error::write(log.path(), e))?;
            Ok(())
        });
        let small = small
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        steps.and(small)
    })?;
    let empty = body.is_empty();
    folder.finish(body)?;
    let body_empty = empty;
    folder.finish(log)?;
    // The small files, in the documented order: OUTPUTS, then the parts.
    for name in OUTPUTS {
        if let Some((n, text)) = small.iter().find(|(n, _)| n == name) {
            folder.write(n, text.as_bytes())?;
        }
    }
    for (n, text) in small.iter().filter(|(n, _)| is_part(n)) {
        folder.write(n, text.as_bytes())?;
    }
    let old_parts = folder.remove_stale(is_part)?;
    let mut index_kept = false;
    let mut summary = None;
    if let Some(spec) = index {
        let meta = shown_meta(&loaded.shown(settings), &spec.meta.meta);
        let (text, index_page) = index_text(spec, &page, &small, body_empty, &meta, templates)?;
        let mut f = folder.create("index.md")?;
        {
            use std::io::Write;
            f.write_all(text.as_bytes())
                .map_err(|e| Error::write(f.path(), e))?;
        }
        index_kept = folder.finish_unforced(f)?.is_none();
        let s = Summary::new(
            &loaded.shown(settings),
            &page,
            &index_page.folder,
            &index_page.title,
            &meta,
        );
        let json = serde_json::to_string_pretty(&s).map_err(|e| Error::Write {
            path: out.join(overview::SUMMARY),
            source: std::io::Error::other(e),
        })?;
        folder.write(overview::SUMMARY, format!("{json}\n").as_bytes())?;
        summary = Some(s);
        // The warnings, already redacted, for a build that skips the
        // capture to say again.
        let json = serde_json::to_string_pretty(&loaded.diagnostics).map_err(|e| Error::Write {
            path: out.join(WARNINGS),
            source: std::io::Error::other(e),
        })?;
        folder.write(WARNINGS, format!("{json}\n").as_bytes())?;
    }
    if let Some(fp) = fingerprint {
        folder.fingerprint(fp);
        let entry = crate::site::out::Entry {
            digest: loaded.capture.digest()?,
            size: loaded.capture.len() as u64,
            also: None,
        };
        let stamp = crate::site::out::Stamp::now(&loaded.capture.path);
        folder.input(&loaded.capture.name(), entry, stamp);
        if let Some((file, digest, size)) = &loaded.notes_digest {
            let entry = crate::site::out::Entry {
                digest: digest.clone(),
                size: *size,
                also: None,
            };
            folder.input(NOTES_FILE, entry, crate::site::out::Stamp::now(file));
        }
    }
    let removed_temps = folder.removed_temps.clone();
    // A capture at the root of the tree shares its folder with the overview pages.
    let files = folder.close(|name| name == "index.md" || overview::is_overview(name))?;
    Ok(Written {
        files,
        index_kept,
        old_parts,
        removed_temps,
        summary,
    })
}

/// `index.md` for a page whose small files are `small` (`body_empty`:
/// whether `body.md` is empty).
fn index_text(
    spec: &IndexSpec,
    page: &Page,
    small: &[(String, String)],
    body_empty: bool,
    meta: &crate::input::meta::Meta,
    templates: &Templates,
) -> Result<(String, IndexPage)> {
    let mut files: Vec<(String, bool)> = vec![("body.md".into(), body_empty)];
    for name in OUTPUTS.iter().filter(|n| **n != "body.md") {
        let empty = match small.iter().find(|(n, _)| n == name) {
            Some((_, text)) => text.trim().is_empty(),
            None => false,
        };
        files.push((name.to_string(), empty));
    }
    for (n, text) in small.iter().filter(|(n, _)| is_part(n)) {
        files.push((n.clone(), text.trim().is_empty()));
    }
    let page = IndexPage::new(
        spec.folders,
        spec.prefix,
        spec.root_title,
        page,
        &files,
        meta,
    );
    Ok((render::index(&page, templates)?, page))
}

/// capture.toml's text as the capture's pages may show it.
fn shown_meta(shown: &Shown, meta: &crate::input::meta::Meta) -> crate::input::meta::Meta {
    let text = |t: &Option<String>| t.as_deref().map(|t| shown.text(t).into_owned());
    crate::input::meta::Meta {
        command: text(&meta.command),
        output: text(&meta.output),
        title: text(&meta.title),
        description: text(&meta.description),
    }
}

/// Where a capture's folder keeps the warnings of its last build, so that
/// a build that finds it up to date says them again without reading it.
pub const WARNINGS: &str = ".tracedoc-warnings.json";

/// The warnings kept from a capture's last build (`None`: none kept, or
/// unreadable: the capture must be read again).
pub fn kept_warnings(out: &Path) -> Option<Vec<Diagnostic>> {
    let text = std::fs::read_to_string(out.join(WARNINGS)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The summary a capture's folder keeps from its last build, if it has one.
pub fn read_summary(out: &Path) -> Option<Summary> {
    let text = std::fs::read_to_string(out.join(overview::SUMMARY)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The pages across captures: the home page and the API coverage page,
/// written into the docs folder `out` from every capture's summary (in
/// walk order). `root_capture`: a capture's own pages are in `out` too.
pub fn overview(
    out: &Path,
    summaries: &[Summary],
    templates: &Templates,
    labels: &crate::view::Labels,
    force: bool,
    root_capture: bool,
) -> Result<Overview> {
    let home = overview::home_name(out, root_capture);
    let (home_text, coverage_text) = rayon::join(
        || {
            render::home(
                &HomePage::new(summaries, overview::COVERAGE, labels),
                templates,
            )
        },
        || {
            render::coverage(
                &CoveragePage::new(summaries, Catalog::builtin(), labels),
                templates,
            )
        },
    );
    let (home_text, coverage_text) = (home_text?, coverage_text?);
    // Both pages as they are on disk already (and listed as tracedoc's):
    // nothing to write, not even a temporary file.
    let same =
        |name: &str, text: &str| std::fs::read(out.join(name)).is_ok_and(|b| b == text.as_bytes());
    let manifest = crate::site::out::Manifest::read(out);
    let aside_gone = home != overview::HOME || !out.join(overview::HOME_ASIDE).exists();
    if same(home, &home_text)
        && same(overview::COVERAGE, &coverage_text)
        && manifest.files.contains_key(home)
        && manifest.files.contains_key(overview::COVERAGE)
        && aside_gone
    {
        return Ok(Overview {
            written: Written {
                files: vec![
                    (home.to_string(), crate::site::Outcome::Unchanged),
                    (
                        overview::COVERAGE.to_string(),
                        crate::site::Outcome::Unchanged,
                    ),
                ],
                ..Written::default()
            },
            home,
        });
    }
    let mut folder = Folder::open(out, force)?;
    folder.keep_inputs();
    let mut home_kept = false;
    if home == overview::HOME {
        let mut f = folder.create(home)?;
        {
            use std::io::Write;
            f.write_all(home_text.as_bytes())
                .map_err(|e| Error::write(f.path(), e))?;
        }
        home_kept = folder.finish_unforced(f)?.is_none();
        // The list moved back from `captures.md`.
        folder.remove_stale(|n| n == overview::HOME_ASIDE)?;
    } else {
        folder.write(home, home_text.as_bytes())?;
    }
    folder.write(overview::COVERAGE, coverage_text.as_bytes())?;
    let removed_temps = folder.removed_temps.clone();
    let files = folder.close(|_| true)?;
    Ok(Overview {
        written: Written {
            files,
            index_kept: home_kept,
            removed_temps,
            ..Written::default()
        },
        home,
    })
}

/// What writing the overview pages did.
#[derive(Debug, Default)]
pub struct Overview {
    pub written: Written,
    /// The home page's file name (`index.md`, or `captures.md` beside a
    /// hand-written `index.md`).
    pub home: &'static str,
}

/// Every file of a loaded capture's pages, rendered in memory, in the
/// documented order (`OUTPUTS`, then the diagram's parts).
pub fn render_files(
    loaded: &Loaded,
    settings: &Settings,
    templates: &Templates,
) -> Result<Vec<(String, String)>> {
    render_files_with(loaded, settings, templates, None)
}

/// What writing a capture's pages into `out` would change, writing
/// nothing (`--check`): every file rendered in memory (with `index.md`
/// when `index` says where it goes) and compared with the folder.
pub fn check(
    loaded: &Loaded,
    settings: &Settings,
    templates: &Templates,
    out: &Path,
    force: bool,
    index: Option<&IndexSpec>,
) -> Result<Vec<crate::site::check::Checked>> {
    let files = render_files_with(loaded, settings, templates, index)?;
    crate::site::check::compare(out, &files, |n| n == "index.md", is_part, force)
}

/// The files of a capture's pages in memory, and `index.md` last when
/// `index` is given.
fn render_files_with(
    loaded: &Loaded,
    settings: &Settings,
    templates: &Templates,
    index: Option<&IndexSpec>,
) -> Result<Vec<(String, String)>> {
    let page = loaded.page(settings);
    let head = Head::of(&page);
    let small = render::head_files(&page, &head, templates)?;
    let mut body = Vec::new();
    let mut log = Vec::new();
    each_step(loaded, settings, templates, &head, &mut |b, l| {
        body.extend_from_slice(b);
        log.extend_from_slice(l);
        Ok(())
    })?;
    let index = match index {
        Some(spec) => {
            let meta = shown_meta(&loaded.shown(settings), &spec.meta.meta);
            Some(index_text(spec, &page, &small, body.is_empty(), &meta, templates)?.0)
        }
        None => None,
    };
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    let mut files = vec![
        ("body.md".to_string(), text(body)),
        ("log.md".to_string(), text(log)),
    ];
    files.extend(small);
    files.sort_by_key(|(name, _)| {
        OUTPUTS
            .iter()
            .position(|o| o == name)
            .unwrap_or(OUTPUTS.len())
    });
    files.extend(index.map(|text| ("index.md".to_string(), text)));
    Ok(files)
}

/// Every step of a loaded capture, as `--context` prints them.
pub fn steps(loaded: &Loaded, settings: &Settings) -> Result<Vec<Step>> {
    let shown = loaded.shown(settings);
    let mut steps = Vec::with_capacity(loaded.analysis.records());
    let mut buf = loaded.capture.buffer();
    for (&base, piece) in loaded.first_records.iter().zip(&loaded.pieces) {
        for (k, record) in loaded.capture.read(piece, &mut buf)?.enumerate() {
            let record = match &shown.redaction {
                Some(r) => r.redact(base + k, &record),
                None => record,
            };
            let mut step = shown.step(base + k, &record);
            step.body_kind = std::borrow::Cow::Owned(step.body_kind().into_owned());
            steps.push(step);
        }
    }
    Ok(steps)
}

/// The template context of a capture, as `render --context` prints it.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ContextFile {
    pub capture: String,
    /// The numbered style (`step_numbers`).
    #[serde(default)]
    pub step_numbers: bool,
    /// Notes of notes.md whose step was not found.
    #[serde(default)]
    pub orphaned_notes: Vec<crate::view::page::Note>,
    pub labels: crate::view::Labels,
    pub steps: Vec<Step>,
    pub diagram: crate::view::page::Diagram,
    pub parts: Vec<crate::view::page::DiagramPart>,
    #[serde(default)]
    pub left_out: Option<crate::view::page::LeftOut>,
    pub tokens: Vec<crate::view::page::TokenRow>,
    pub variables: Vec<crate::view::page::VariableRow>,
    pub omitted: Vec<crate::view::page::Omitted>,
    pub log_fence: String,
    #[serde(default)]
    pub lacks: Vec<String>,
    #[serde(default)]
    pub omit: crate::view::page::Omit,
}

impl ContextFile {
    pub fn new(page: Page, steps: Vec<Step>) -> ContextFile {
        ContextFile {
            capture: page.capture,
            step_numbers: page.step_numbers,
            orphaned_notes: page.orphaned_notes,
            labels: page.labels,
            steps,
            diagram: page.diagram,
            parts: page.parts,
            left_out: page.left_out,
            tokens: page.tokens,
            variables: page.variables,
            omitted: page.omitted,
            log_fence: page.log_fence,
            lacks: page.lacks,
            omit: page.omit,
        }
    }

    /// The page's head and its steps.
    pub fn split(self) -> (Page, Vec<Step>) {
        let operations = self.steps.iter().filter_map(|s| s.tip.clone()).collect();
        let records = self.steps.len();
        (
            Page {
                capture: self.capture,
                step_numbers: self.step_numbers,
                orphaned_notes: self.orphaned_notes,
                labels: self.labels,
                diagram: self.diagram,
                parts: self.parts,
                left_out: self.left_out,
                tokens: self.tokens,
                variables: self.variables,
                omitted: self.omitted,
                log_fence: self.log_fence,
                lacks: self.lacks,
                omit: self.omit,
                records,
                operations,
            },
            self.steps,
        )
    }
}

/// Writes pages from a saved context (`render --from-context`).
pub fn render_context(
    file: ContextFile,
    templates: &Templates,
    out: &Path,
    force: bool,
) -> Result<Written> {
    let (page, steps) = file.split();
    let head = Head::of(&page);
    let small = render::head_files(&page, &head, templates)?;
    let mut folder = Folder::open(out, force)?;
    let mut names: Vec<&str> = OUTPUTS.to_vec();
    names.extend(small.iter().map(|(n, _)| n.as_str()).filter(|n| is_part(n)));
    folder.check(&names)?;
    let mut body = Vec::new();
    let mut log = Vec::new();
    let shown: Vec<usize> = (0..steps.len()).filter(|&i| !steps[i].omitted).collect();
    let n = steps.len();
    for (i, step) in steps.into_iter().enumerate() {
        render::write_step(
            templates,
            &head,
            Arc::new(step),
            (shown.first() == Some(&i), shown.last() == Some(&i)),
            (i == 0, i + 1 == n),
            StepOut {
                body: &mut body,
                log: &mut log,
            },
        )?;
    }
    folder.write("body.md", &body)?;
    folder.write("log.md", &log)?;
    for name in OUTPUTS {
        if let Some((n, text)) = small.iter().find(|(n, _)| n == name) {
            folder.write(n, text.as_bytes())?;
        }
    }
    for (n, text) in small.iter().filter(|(n, _)| is_part(n)) {
        folder.write(n, text.as_bytes())?;
    }
    let old_parts = folder.remove_stale(is_part)?;
    let removed_temps = folder.removed_temps.clone();
    let files = folder.close(|name| name == "index.md")?;
    Ok(Written {
        files,
        index_kept: false,
        old_parts,
        removed_temps,
        summary: None,
    })
}

/// The call graph document of a loaded capture (`tracedoc graph`), made
/// as it is written.
pub fn graph<'l>(loaded: &'l Loaded, settings: &'l Settings) -> GraphDoc<'l> {
    GraphDoc::new(loaded.shown(settings), loaded.page(settings))
}

/// How a loaded capture is cut into one capture per command (`tracedoc split`).
pub fn split_plan(loaded: &Loaded, settings: &Settings, clients: &[String]) -> Plan {
    let a = &loaded.analysis;
    let path_of = |i: usize| {
        loaded
            .capture
            .head(a.scan.facts[i].at)
            .map(|r| r.path().to_string())
            .unwrap_or_default()
    };
    split::plan(
        &a.scan.facts,
        &a.scan.names,
        &a.graph,
        &settings.services,
        &split::Options {
            clients: clients.to_vec(),
        },
        &path_of,
        &|i| {
            let op = *a.scan.ops.get(i)?;
            Catalog::builtin().op(op).map(|o| o.title.clone())
        },
    )
}

/// The text of one piece of a split, in the requestshook form.
pub fn split_text(loaded: &Loaded, records: &[usize]) -> String {
    let facts = &loaded.analysis.scan.facts;
    let mut out = String::new();
    for &i in records {
        if let Some(r) = loaded.capture.record(facts[i].at) {
            crate::input::write::push_record(&mut out, &r);
        }
    }
    out
}

/// Settings read once per config file, shared by every capture that uses it.
#[derive(Default)]
pub struct SettingsCache {
    by_path: Mutex<HashMap<Option<PathBuf>, Arc<Settings>>>,
    /// The config file that applies to each folder of a tree walk.
    by_dir: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    /// A language that overrides every config's `lang` (`--lang`).
    lang: Option<String>,
    /// Read a `tracedoc.toml` that is a symbolic link (`--follow-symlinks`).
    follow_links: bool,
}

impl SettingsCache {
    /// The same cache, reading linked `tracedoc.toml` files or not.
    pub fn following_links(mut self, follow_links: bool) -> SettingsCache {
        self.follow_links = follow_links;
        self
    }

    /// A cache whose settings all use `lang`, whatever their config says.
    pub fn with_lang(lang: Option<String>) -> SettingsCache {
        SettingsCache {
            lang,
            ..SettingsCache::default()
        }
    }

    /// The settings for a capture folder: `explicit` when given, else the
    /// `tracedoc.toml` that applies to `dir`.
    pub fn get(&self, explicit: Option<&Path>, dir: &Path) -> Result<Arc<Settings>> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => crate::settings::find(dir, self.follow_links)?,
        };
        self.get_at(path)
    }

    /// [`SettingsCache::get`] for a folder `dir` at or below `root` that a
    /// walk reached without following links: the config file that applies
    /// is looked for once per folder, a folder's children reuse its answer.
    pub fn get_below(
        &self,
        explicit: Option<&Path>,
        dir: &Path,
        root: &Path,
    ) -> Result<Arc<Settings>> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => self.find_below(dir, root)?,
        };
        self.get_at(path)
    }

    /// What [`crate::settings::find`] gives for `dir`, remembered.
    fn find_below(&self, dir: &Path, root: &Path) -> Result<Option<PathBuf>> {
        if let Some(hit) = self.by_dir.lock().ok().and_then(|m| m.get(dir).cloned()) {
            return Ok(hit);
        }
        let parent = dir
            .parent()
            .filter(|_| dir != root && dir.starts_with(root));
        // Any entry of that name (a link too, which `find` refuses
        // without --follow-symlinks) is looked at by `find` itself.
        let own = std::fs::symlink_metadata(dir.join(crate::settings::FILE_NAME)).is_ok();
        let found = match parent {
            // Below the root no folder is a link, so the nearest config is
            // this folder's own or its parent's.
            Some(parent) if !own => self.find_below(parent, root)?,
            _ => crate::settings::find(dir, self.follow_links)?,
        };
        if let Ok(mut m) = self.by_dir.lock() {
            m.insert(dir.to_path_buf(), found.clone());
        }
        Ok(found)
    }

    fn get_at(&self, path: Option<PathBuf>) -> Result<Arc<Settings>> {
        if let Some(s) = self.by_path.lock().ok().and_then(|m| m.get(&path).cloned()) {
            return Ok(s);
        }
        let mut settings = match &path {
            Some(p) => Settings::load(p)?,
            None => Settings::default(),
        };
        if let Some(lang) = &self.lang {
            settings = settings.with_lang(lang)?;
        }
        let settings = Arc::new(settings);
        if let Ok(mut m) = self.by_path.lock() {
            m.insert(path, settings.clone());
        }
        Ok(settings)
    }
}

/// The files `tracedoc init` writes, from `templates/init/`: the path in
/// the new site and the text, with `{{site_name}}`, `{{lang}}` and
/// `{{version}}` still to fill in.
const SCAFFOLD: [(&str, &str); 5] = [
    ("mkdocs.yml", include_str!("../templates/init/mkdocs.yml")),
    (
        "captures/tracedoc.toml",
        include_str!("../templates/init/tracedoc.toml"),
    ),
    (
        "requirements.txt",
        include_str!("../templates/init/requirements.txt"),
    ),
    (".gitignore", include_str!("../templates/init/gitignore")),
    (
        "captures/openstack/image/list/requestshook.log",
        include_str!("../samples/openstack/image/list/requestshook.log"),
    ),
];

/// The home page of a new site, per language.
const SCAFFOLD_INDEX: [(&str, &str); 2] = [
    ("en", include_str!("../templates/init/index.en.md")),
    ("ko", include_str!("../templates/init/index.ko.md")),
];

/// Writes a new site into `dir` (`tracedoc init`): `mkdocs.yml` with the
/// extensions the pages need and the tracedoc plugin, `docs/index.md`, one
/// sample capture under `captures/` with a `tracedoc.toml` giving `lang`, a pinned `requirements.txt` and a
/// `.gitignore`. A file already there is kept; the result says which were
/// written and which skipped.
pub fn init(dir: &Path, lang: &str) -> Result<Vec<(PathBuf, crate::site::scaffold::Placed)>> {
    let index = SCAFFOLD_INDEX
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, text)| *text)
        .ok_or_else(|| Error::Config {
            path: PathBuf::from("--lang"),
            message: format!("unknown lang `{lang}`: built in are `ko` and `en`"),
        })?;
    let site_name = if lang == "ko" {
        "캡처한 API 호출"
    } else {
        "Captured API calls"
    };
    let fill = |text: &str| {
        text.replace("{{site_name}}", site_name)
            .replace("{{lang}}", lang)
            .replace("{{version}}", env!("CARGO_PKG_VERSION"))
    };
    let mut placed = Vec::new();
    for (rel, text) in SCAFFOLD.iter().chain([("docs/index.md", index)].iter()) {
        // The capture is written as it is.
        let text = if rel.ends_with(".log") {
            text.to_string()
        } else {
            fill(text)
        };
        placed.push(crate::site::scaffold::write_new(dir, rel, text.as_bytes())?);
    }
    Ok(placed)
}

/// Removes from `output` the pages of captures that are no longer there:
/// every folder with a manifest whose relative path is not in `live`
/// (`build --prune`; see `site::prune`).
pub fn prune(
    output: &Path,
    live: &std::collections::BTreeSet<Vec<String>>,
) -> Result<crate::site::Pruned> {
    crate::site::prune_tree(output, live)
}

/// What a folder of pages depends on besides its capture: tracedoc's
/// version, the settings' source, the templates, the options, and where the
/// pages sit (for `index.md`).
pub fn fingerprint(
    settings: &Settings,
    templates: &Templates,
    options: &Options,
    index: Option<&IndexSpec>,
) -> String {
    let mut h = blake3::Hasher::new();
    for part in [
        env!("CARGO_PKG_VERSION"),
        &settings.source,
        templates.fingerprint(),
        if options.redact {
            "redact"
        } else {
            "no-redact"
        },
        options.format.map_or("", |f| f.name()),
    ] {
        h.update(part.as_bytes());
        h.update(b"\0");
    }
    if let Some(spec) = index {
        for part in spec.folders {
            h.update(part.as_bytes());
            h.update(b"/");
        }
        h.update(spec.prefix.as_bytes());
        h.update(b"\0");
        h.update(spec.root_title.as_bytes());
        h.update(b"\0");
        // capture.toml: its text is on the page and in the summary.
        h.update(spec.meta.digest.as_bytes());
    }
    format!("b3:{}", h.finalize().to_hex())
}

/// When the pages in `out` were made from this very input with this very
/// fingerprint, and every file is still as written: how many files there
/// are (nothing needs doing). Reads only the manifest and file metadata.
pub fn up_to_date(out: &Path, input: &Path, fingerprint: &str) -> Option<usize> {
    use crate::site::out::{is_one_of, Manifest, Stamps};
    let manifest = Manifest::read(out);
    // The capture, and notes.md beside it when there is one: a notes file
    // written, edited or removed since makes the pages stale.
    let notes = notes_path(input);
    let mut inputs = vec![input.to_path_buf()];
    if notes.is_file() {
        inputs.push(notes);
    }
    if manifest.fingerprint.as_deref() != Some(fingerprint) || manifest.inputs.len() != inputs.len()
    {
        return None;
    }
    let stamps = Stamps::read(out);
    for input in &inputs {
        let name = input.file_name()?.to_string_lossy().into_owned();
        let recorded = manifest.inputs.get(&name)?;
        is_one_of(input, &[&recorded.digest], stamps.input(&name)).ok()??;
    }
    for (file, entry) in &manifest.files {
        let known: Vec<&String> = std::iter::once(&entry.digest).chain(&entry.also).collect();
        is_one_of(&out.join(file), &known, stamps.get(file)).ok()??;
    }
    Some(manifest.files.len())
}

/// Compares two loaded captures of one command (`tracedoc diff`).
pub fn diff(
    old: &Loaded,
    old_settings: &Settings,
    new: &Loaded,
    new_settings: &Settings,
) -> crate::view::diff::Diff {
    use crate::view::diff;
    let side = |loaded: &Loaded, settings: &Settings| {
        let shown = loaded.shown(settings);
        (
            shown
                .text(&loaded.capture.path.display().to_string())
                .into_owned(),
            diff::calls(&shown),
        )
    };
    let (old_name, old_calls) = side(old, old_settings);
    let (new_name, new_calls) = side(new, new_settings);
    diff::compare(&old_name, &new_name, old_calls, new_calls)
}

/// The diff page (`diff.md`) of a comparison.
pub fn diff_page(diff: &crate::view::diff::Diff, templates: &Templates) -> Result<String> {
    templates.render("diff.md", &crate::view::diff::DiffPage::new(diff))
}

/// Writes the diff page into `out` as `diff.md` (atomically, never over a
/// hand edit unless `force`).
pub fn write_diff_page(text: &str, out: &Path, force: bool) -> Result<Written> {
    let mut folder = Folder::open(out, force)?;
    folder.check(&["diff.md"])?;
    folder.write("diff.md", text.as_bytes())?;
    let removed_temps = folder.removed_temps.clone();
    let files = folder.close(|_| false)?;
    Ok(Written {
        files,
        removed_temps,
        ..Written::default()
    })
}
