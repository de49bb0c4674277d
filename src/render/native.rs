//! The built-in `body.md` and `log.md` step templates, written out in Rust.
//!
//! These two templates run once per record, and a big capture has millions
//! of records: through the template engine, the lookups and dispatch of
//! each step took about 38% of the CPU time of rendering a 100 MB log,
//! more than reading, redacting or writing it. When neither file is overridden (`--templates`),
//! [`Templates`](super::Templates) prints steps with these functions
//! instead. They print what the templates print, byte for byte, with the
//! same escape of each context (`view::escape`); the templates stay the
//! definition (what `--templates` overrides, what docs/templates.md
//! documents), and the tests in `tests/it/native.rs` render every sample
//! and many generated steps both ways and compare. A change to either
//! template must be made here too, or those tests fail.

use crate::model::Direction;
use crate::view::escape;
use crate::view::page::{Labels, Note, Omit, Page, Step, TextLines};

/// What the step templates use of the page.
#[derive(Debug, Clone)]
pub struct PageBits {
    capture: String,
    step_numbers: bool,
    labels: Labels,
    lacks: Vec<String>,
    omit: Omit,
    log_fence: String,
    /// The orphaned notes, with their fences closed (as templates see them).
    orphaned_notes: Vec<(String, usize, Vec<String>)>,
}

impl PageBits {
    pub fn of(page: &Page) -> PageBits {
        PageBits {
            capture: page.capture.clone(),
            step_numbers: page.step_numbers,
            labels: page.labels.clone(),
            lacks: page.lacks.clone(),
            omit: page.omit,
            log_fence: page.log_fence.clone(),
            orphaned_notes: page
                .orphaned_notes
                .iter()
                .map(|n| (n.key.clone(), n.line, crate::view::notes::closed(&n.lines)))
                .collect(),
        }
    }
}

fn md(out: &mut Vec<u8>, s: &str) {
    escape::push_md_text(out, s);
}

fn put(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
}

/// `{{ lines | lines(indent, empty) }}` for a step's lines: each escaped
/// as a code line and indented (empty lines stay empty), `\n` between
/// them, or `empty` when there are none.
fn lines(out: &mut Vec<u8>, text: &TextLines, indent: usize, empty: Option<&str>) {
    let whole = text.as_str();
    if !whole.is_empty() && escape::is_plain_text(whole) {
        // No line needs an escape (the usual case): copy the text, with the
        // indent in front of each line that is not empty.
        if indent == 0 {
            put(out, whole);
            return;
        }
        let bytes = whole.as_bytes();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', bytes).chain([bytes.len()]) {
            if start > 0 {
                out.push(b'\n');
            }
            if end > start {
                out.resize(out.len() + indent, b' ');
                out.extend_from_slice(&bytes[start..end]);
            }
            start = end + 1;
        }
        return;
    }
    let mut any = false;
    for line in text.iter() {
        if any {
            out.push(b'\n');
        }
        any = true;
        if !line.is_empty() {
            out.resize(out.len() + indent, b' ');
            put(out, &escape::code_line(line));
        }
    }
    if !any {
        if let Some(e) = empty {
            out.resize(out.len() + indent, b' ');
            put(out, &escape::code_line(e));
        }
    }
}

/// The same for lines that are final already (notes), printed as written.
fn safe_lines(out: &mut Vec<u8>, text: &[String], indent: usize) {
    for (k, line) in text.iter().enumerate() {
        if k > 0 {
            out.push(b'\n');
        }
        if !line.is_empty() {
            out.resize(out.len() + indent, b' ');
            put(out, line);
        }
    }
}

/// `{{ list | join(" ") }}`, escaped as Markdown text.
fn joined(out: &mut Vec<u8>, list: &[usize]) {
    let text = list
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    md(out, &text);
}

/// An optional number as templates print it (`none` when absent).
fn number(n: Option<usize>) -> String {
    n.map_or_else(|| "none".to_string(), |n| n.to_string())
}

/// One step of the built-in `body.md`.
pub fn body(page: &PageBits, step: &Step, first: bool, last: bool, out: &mut Vec<u8>) {
    let labels = &page.labels;
    if first && !page.lacks.is_empty() {
        for line in &page.lacks {
            put(out, "*");
            md(out, line);
            put(out, "*\n\n");
        }
    }
    put(out, "\n");
    match &step.anchor {
        Some(anchor) if page.step_numbers => {
            put(out, "### <a id=\"");
            md(out, anchor);
            put(out, "\"></a>(");
            md(out, &number(step.number));
            put(out, ") ");
            md(out, &step.heading);
            put(out, "\n");
        }
        _ => {
            put(out, "### ");
            md(out, &step.title);
            put(out, "\n");
        }
    }
    escape::push_code_span(out, &step.from);
    put(
        out,
        if step.direction == Direction::Request {
            " --> "
        } else {
            " <-- "
        },
    );
    escape::push_code_span(out, &step.to);
    put(out, "\n\n");
    if let Some(tip) = &step.tip {
        put(out, "!!! tip \"");
        md(out, &labels.api_reference);
        put(out, "\"\n    [");
        md(out, &tip.title);
        if page.step_numbers && !tip.path.is_empty() {
            put(out, " ");
            escape::push_code_span(out, &format!("{} {}", tip.method, tip.path));
        }
        put(out, "](");
        put(out, &escape::url(&tip.url));
        put(out, ")\n\n");
    } else if let (true, Some(call), Some(api)) = (
        page.step_numbers,
        step.first_call.filter(|&n| n != 0),
        &step.api,
    ) {
        md(out, &labels.same_operation);
        put(out, " [(");
        md(out, &call.to_string());
        put(out, ") ");
        md(out, &api.title);
        put(out, "](#step-");
        md(out, &call.to_string());
        put(out, ")\n\n");
    }
    for note in step.notes.iter().filter(|n| !n.lines.is_empty()) {
        note_block(out, labels, note);
    }
    if !page.omit.headers {
        put(out, "=== \"Header\"\n    ");
        put(out, &step.header_fence);
        put(out, " http title=\"");
        escape::push_attr_value(out, &step.title);
        put(out, "\" linenums=\"1\"");
        if page.step_numbers && !step.header_highlights.is_empty() {
            put(out, " hl_lines=\"");
            joined(out, &step.header_highlights);
            put(out, "\"");
        }
        put(out, "\n");
        lines(out, &step.header_lines, 4, Some("none"));
        put(out, "\n    ");
        put(out, &step.header_fence);
        put(out, "\n\n");
    }
    if !page.omit.bodies {
        put(out, "=== \"Body\"\n");
        if page.step_numbers && step.body_lines.is_empty() {
            put(out, "    ");
            md(out, &labels.no_body);
            put(out, "\n");
        } else {
            put(out, "    ");
            put(out, &step.body_fence);
            put(out, " json title=\"");
            escape::push_attr_value(out, &step.title);
            put(out, "\" linenums=\"1\"");
            if page.step_numbers && !step.body_highlights.is_empty() {
                put(out, " hl_lines=\"");
                joined(out, &step.body_highlights);
                put(out, "\"");
            }
            put(out, "\n");
            lines(out, &step.body_lines, 4, Some("none"));
            put(out, "\n    ");
            put(out, &step.body_fence);
            put(out, "\n");
        }
        put(out, "\n");
    }
    if last && !page.orphaned_notes.is_empty() {
        put(out, "!!! warning \"");
        md(out, &labels.orphaned_notes);
        put(out, "\"\n");
        for (key, line, text) in &page.orphaned_notes {
            put(out, "\n    ");
            put(out, &escape::code_span(&format!("## {key}")));
            put(out, " (notes.md:");
            md(out, &line.to_string());
            put(out, ")\n\n");
            safe_lines(out, text, 4);
            put(out, "\n");
        }
        put(out, "\n");
    }
}

fn note_block(out: &mut Vec<u8>, labels: &Labels, note: &Note) {
    put(out, "!!! note \"");
    md(out, &labels.note);
    put(out, "\"\n");
    safe_lines(out, &crate::view::notes::closed(&note.lines), 4);
    put(out, "\n\n");
}

/// One step of the built-in `log.md`.
pub fn log(page: &PageBits, step: &Step, first: bool, last: bool, out: &mut Vec<u8>) {
    if first {
        put(out, &page.log_fence);
        put(out, " text title=\"");
        put(out, &escape::attr_value(&page.capture));
        put(out, "\"\n");
    }
    put(out, "\n");
    let mut head = String::with_capacity(step.url.len() + 64);
    head.push_str("### (");
    head.push_str(&step.from);
    head.push_str(if step.direction == Direction::Request {
        ") REQ >>> ("
    } else {
        ") RESP <<< ("
    });
    head.push_str(&step.to);
    head.push_str(") : ");
    if let Some(status) = &step.status {
        head.push_str(&status.text);
        head.push(' ');
    }
    head.push_str(&step.method);
    head.push(' ');
    head.push_str(&step.url);
    put(out, &escape::code_line(&head));
    put(out, "\n");
    if !step.header_lines.is_empty() {
        lines(out, &step.header_lines, 0, None);
        put(out, "\n");
    }
    put(out, "\n");
    lines(out, &step.body_lines, 0, Some("none"));
    put(out, "\n\n");
    if last {
        put(out, &page.log_fence);
        put(out, "\n");
    }
}
