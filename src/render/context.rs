//! The page as the template engine sees it.
//!
//! Templates see exactly the fields of [`Page`] and [`Step`] (what
//! `--context` prints). `body.md` and `log.md` are rendered once per step,
//! with the step in `step` beside the page's small fields; a step is served
//! in place (its fields converted when a template asks), and the `lines`
//! filter prints its lines straight into the output, so a body of any size
//! is never copied into template values.
//!
//! This is also where the values tracedoc builds final are marked safe, so
//! the templates' default escaping leaves them alone: code fences, the
//! diagram's participant ids, arrows and block keywords. Everything that
//! came from the capture or the config stays plain text and is escaped
//! where it is printed.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use serde::{Serialize, Serializer};

use crate::view::escape;
use crate::view::page::{Diagram, DiagramItem, Page, Participant, Step, TextLines};

/// Text that is final for the place a template prints it (a code fence, a
/// participant id, an include path): serialized into a template context it
/// is a safe string, printed as it is; anywhere else (`--context` JSON) it
/// is a plain string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Safe<T>(pub T);

impl<T: AsRef<str>> Serialize for Safe<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Value::from_safe_string(self.0.as_ref().to_string()).serialize(serializer)
    }
}

/// The page's fields, as template values.
#[derive(Debug, Clone)]
pub struct Head {
    fields: Arc<Vec<(&'static str, Value)>>,
    /// What the native step templates use of the page.
    pub(crate) bits: Arc<super::native::PageBits>,
}

const PAGE_FIELDS: &[&str] = &[
    "capture",
    "step_numbers",
    "orphaned_notes",
    "labels",
    "diagram",
    "parts",
    "left_out",
    "tokens",
    "variables",
    "omitted",
    "log_fence",
    "lacks",
    "omit",
];

impl Head {
    /// Converts a page's fields once, for every template that uses them.
    pub fn of(page: &Page) -> Head {
        let parts: Vec<Value> = page
            .parts
            .iter()
            .map(|p| {
                minijinja::context! {
                    file => &p.file,
                    diagram => diagram(&p.diagram),
                }
            })
            .collect();
        Head {
            fields: Arc::new(vec![
                ("capture", Value::from(page.capture.clone())),
                ("step_numbers", Value::from(page.step_numbers)),
                ("orphaned_notes", notes(&page.orphaned_notes)),
                ("labels", Value::from_serialize(&page.labels)),
                ("diagram", diagram(&page.diagram)),
                ("parts", Value::from(parts)),
                ("left_out", Value::from_serialize(page.left_out)),
                ("tokens", Value::from_serialize(&page.tokens)),
                ("variables", Value::from_serialize(&page.variables)),
                ("omitted", Value::from_serialize(&page.omitted)),
                ("log_fence", Value::from_safe_string(page.log_fence.clone())),
                ("lacks", Value::from_serialize(&page.lacks)),
                ("omit", Value::from_serialize(page.omit)),
            ]),
            bits: Arc::new(super::native::PageBits::of(page)),
        }
    }

    fn get(&self, key: &str) -> Option<Value> {
        self.fields
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, v)| v.clone())
    }

    /// The context of a whole-page template (diagram.md, the tables).
    pub fn page(&self) -> Value {
        Value::from_object(PageContext {
            head: self.clone(),
            step: None,
        })
    }

    /// The context of a per-step template (body.md, log.md): the page's
    /// fields, `step`, and whether it is the `first` or `last` step.
    pub fn step(&self, step: Arc<Step>, first: bool, last: bool) -> Value {
        Value::from_object(PageContext {
            head: self.clone(),
            step: Some((Value::from_object(StepObject::new(step)), first, last)),
        })
    }
}

#[derive(Debug)]
struct PageContext {
    head: Head,
    step: Option<(Value, bool, bool)>,
}

impl Object for PageContext {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        if let Some((step, first, last)) = &self.step {
            match key {
                "step" => return Some(step.clone()),
                "first" => return Some(Value::from(*first)),
                "last" => return Some(Value::from(*last)),
                _ => {}
            }
        }
        self.head.get(key)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        if self.step.is_some() {
            Enumerator::Values(
                PAGE_FIELDS
                    .iter()
                    .chain(&["step", "first", "last"])
                    .map(|k| Value::from(*k))
                    .collect(),
            )
        } else {
            Enumerator::Str(PAGE_FIELDS)
        }
    }
}

/// Notes as templates see them: each note's lines, with a code fence it
/// leaves open closed, so printed indented into an admonition (`lines`)
/// a note cannot swallow what follows it. The text is the site owner's
/// Markdown and is printed as written (safe), never escaped.
fn notes(notes: &[crate::view::page::Note]) -> Value {
    #[derive(Serialize)]
    struct NoteView<'a> {
        key: &'a str,
        line: usize,
        lines: Vec<Safe<String>>,
    }
    Value::from_serialize(
        notes
            .iter()
            .map(|n| NoteView {
                key: &n.key,
                line: n.line,
                lines: crate::view::notes::closed(&n.lines)
                    .into_iter()
                    .map(Safe)
                    .collect(),
            })
            .collect::<Vec<_>>(),
    )
}

/// A diagram as templates see it: ids, arrows and keywords are tracedoc's
/// own (safe); texts and labels are captured or configured (escaped).
pub fn diagram(d: &Diagram) -> Value {
    #[derive(Serialize)]
    struct ParticipantView<'a> {
        id: Safe<&'a str>,
        label: &'a str,
        declare: bool,
    }
    #[derive(Serialize)]
    struct ItemView<'a> {
        kind: Safe<&'a str>,
        depth: usize,
        keyword: Safe<&'a str>,
        from: Safe<&'a str>,
        to: Safe<&'a str>,
        arrow: Safe<&'a str>,
        text: &'a str,
        step: Option<usize>,
    }
    #[derive(Serialize)]
    struct DiagramView<'a> {
        participants: Vec<ParticipantView<'a>>,
        items: Vec<ItemView<'a>>,
        start: Option<usize>,
    }
    fn participant(p: &Participant) -> ParticipantView<'_> {
        ParticipantView {
            id: Safe(p.id.as_str()),
            label: &p.label,
            declare: p.declare,
        }
    }
    fn item(i: &DiagramItem) -> ItemView<'_> {
        ItemView {
            kind: Safe(i.kind.as_str()),
            depth: i.depth,
            keyword: Safe(i.keyword.as_str()),
            from: Safe(i.from.as_str()),
            to: Safe(i.to.as_str()),
            arrow: Safe(i.arrow.as_str()),
            text: &i.text,
            step: i.step,
        }
    }
    Value::from_serialize(DiagramView {
        participants: d.participants.iter().map(participant).collect(),
        items: d.items.iter().map(item).collect(),
        start: d.start,
    })
}

/// The context of `index.md`: include paths are final (safe), everything
/// else is escaped where it is printed.
pub fn index(page: &crate::view::index::IndexPage) -> Value {
    #[derive(Serialize)]
    struct Include<'a> {
        name: &'a str,
        path: Safe<&'a str>,
        empty: bool,
    }
    #[derive(Serialize)]
    struct DiagramInclude<'a> {
        path: Safe<&'a str>,
        first: Option<usize>,
        last: Option<usize>,
    }
    #[derive(Serialize)]
    struct View<'a> {
        title: &'a str,
        command: Option<&'a str>,
        console: &'a [String],
        description: Option<&'a str>,
        cli_reference: Option<&'a crate::view::page::Link>,
        folder: &'a str,
        capture: &'a str,
        diagrams: Vec<DiagramInclude<'a>>,
        left_out: Option<crate::view::page::LeftOut>,
        diagram: Safe<&'a str>,
        body: Safe<&'a str>,
        log: Safe<&'a str>,
        parts: indexmap::IndexMap<&'a str, Safe<&'a str>>,
        files: Vec<Include<'a>>,
        records: usize,
        participants: &'a [Participant],
        operations: &'a [crate::view::page::Link],
        labels: &'a crate::view::page::Labels,
        lacks: &'a [String],
    }
    Value::from_serialize(View {
        title: &page.title,
        command: page.command.as_deref(),
        console: &page.console,
        description: page.description.as_deref(),
        cli_reference: page.cli_reference.as_ref(),
        folder: &page.folder,
        capture: &page.capture,
        diagrams: page
            .diagrams
            .iter()
            .map(|d| DiagramInclude {
                path: Safe(d.path.as_str()),
                first: d.first,
                last: d.last,
            })
            .collect(),
        left_out: page.left_out,
        diagram: Safe(&page.diagram),
        body: Safe(&page.body),
        log: Safe(&page.log),
        parts: page
            .parts
            .iter()
            .map(|(k, v)| (k.as_str(), Safe(v.as_str())))
            .collect(),
        files: page
            .files
            .iter()
            .map(|f| Include {
                name: &f.name,
                path: Safe(&f.path),
                empty: f.empty,
            })
            .collect(),
        records: page.records,
        participants: &page.participants,
        operations: &page.operations,
        labels: &page.labels,
        lacks: &page.lacks,
    })
}

/// The fields of a [`Step`], in model order (what `--context` prints).
const STEP_FIELDS: &[&str] = &[
    "index",
    "line",
    "direction",
    "from",
    "to",
    "method",
    "url",
    "path",
    "status",
    "title",
    "heading",
    "anchor",
    "tip",
    "first_call",
    "api",
    "header_lines",
    "body_lines",
    "body_kind",
    "header_fence",
    "body_fence",
    "header_highlights",
    "body_highlights",
    "number",
    "notes",
    "omitted",
];

/// One step, each field converted once, when a template first asks for it
/// (a template prints the title three times; a million steps make that count).
#[derive(Debug)]
struct StepObject {
    step: Arc<Step>,
    fields: [std::sync::OnceLock<Value>; STEP_FIELDS.len()],
}

impl StepObject {
    fn new(step: Arc<Step>) -> StepObject {
        StepObject {
            step,
            fields: std::array::from_fn(|_| std::sync::OnceLock::new()),
        }
    }

    fn convert(&self, key: &str) -> Option<Value> {
        let s = &self.step;
        Some(match key {
            "index" => Value::from(s.index),
            "line" => Value::from(s.line),
            "direction" => Value::from_serialize(s.direction),
            "from" => Value::from(s.from.as_str()),
            "to" => Value::from(s.to.as_str()),
            "method" => Value::from(s.method.as_str()),
            "url" => Value::from(s.url.as_str()),
            "path" => Value::from(s.path.as_str()),
            "status" => Value::from_serialize(&s.status),
            "title" => Value::from(s.title.as_str()),
            "heading" => Value::from(s.heading.as_str()),
            "anchor" => Value::from_serialize(&s.anchor),
            "tip" => Value::from_serialize(&s.tip),
            "first_call" => Value::from(s.first_call),
            "api" => Value::from_serialize(&s.api),
            "header_lines" => Value::from_object(Lines {
                step: s.clone(),
                body: false,
            }),
            "body_lines" => Value::from_object(Lines {
                step: s.clone(),
                body: true,
            }),
            "body_kind" => Value::from(s.body_kind().into_owned()),
            "header_fence" => Value::from_safe_string(s.header_fence.to_string()),
            "body_fence" => Value::from_safe_string(s.body_fence.to_string()),
            "header_highlights" => Value::from_serialize(&s.header_highlights),
            "body_highlights" => Value::from_serialize(&s.body_highlights),
            "number" => Value::from(s.number),
            "notes" => notes(&s.notes),
            "omitted" => Value::from(s.omitted),
            _ => return None,
        })
    }
}

impl Object for StepObject {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let at = STEP_FIELDS.iter().position(|f| *f == key)?;
        self.fields[at]
            .get_or_init(|| self.convert(key).unwrap_or(Value::UNDEFINED))
            .clone()
            .into()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(STEP_FIELDS)
    }
}

/// The header or body lines of one step, served in place.
#[derive(Debug)]
pub struct Lines {
    step: Arc<Step>,
    body: bool,
}

impl Lines {
    /// The lines themselves.
    pub fn text(&self) -> &TextLines {
        if self.body {
            &self.step.body_lines
        } else {
            &self.step.header_lines
        }
    }
}

impl Object for Lines {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.text().get(key.as_usize()?).map(Value::from)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.text().len())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.text().len())
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !self.text().is_empty()
    }
}

/// What `{{ lines | lines(indent, empty) }}` prints: a step's lines (or any
/// list of lines), each escaped as a code line and indented, written
/// straight into the output when the formatter meets it.
#[derive(Debug)]
pub struct Printed {
    source: PrintedLines,
    indent: usize,
    empty: Option<String>,
}

#[derive(Debug)]
enum PrintedLines {
    Step(Arc<Lines>),
    /// Lines of another list; `true` when already safe.
    List(Vec<(String, bool)>),
}

impl Printed {
    /// Lines from a template value: a step's lines, or any list.
    pub fn of(
        list: &Value,
        indent: usize,
        empty: Option<String>,
    ) -> Result<Printed, minijinja::Error> {
        let source = match list.downcast_object::<Lines>() {
            Some(lines) => PrintedLines::Step(lines),
            None => {
                let mut items = Vec::new();
                for item in list.try_iter()? {
                    let text = match item.as_str() {
                        Some(s) => s.to_string(),
                        None => item.to_string(),
                    };
                    items.push((text, item.is_safe()));
                }
                PrintedLines::List(items)
            }
        };
        Ok(Printed {
            source,
            indent,
            empty,
        })
    }

    /// Writes the lines, `\n` between them (no line end after the last).
    pub fn write_to(&self, out: &mut dyn std::fmt::Write) -> std::fmt::Result {
        let pad = " ".repeat(self.indent);
        let mut any = false;
        let mut line = |out: &mut dyn std::fmt::Write, text: &str, safe: bool| {
            if any {
                out.write_char('\n')?;
            }
            any = true;
            if !text.is_empty() {
                out.write_str(&pad)?;
                if safe {
                    out.write_str(text)?;
                } else {
                    out.write_str(&escape::code_line(text))?;
                }
            }
            Ok(())
        };
        match &self.source {
            PrintedLines::Step(lines) => {
                for text in lines.text().iter() {
                    line(out, text, false)?;
                }
            }
            PrintedLines::List(items) => {
                for (text, safe) in items {
                    line(out, text, *safe)?;
                }
            }
        }
        if !any {
            if let Some(e) = &self.empty {
                out.write_str(&pad)?;
                out.write_str(&escape::code_line(e))?;
            }
        }
        Ok(())
    }
}

impl Object for Printed {
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_to(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The context must show templates what `--context` prints: same fields.
    #[test]
    fn step_fields_match_the_model() {
        let step = Step {
            index: 0,
            line: 1,
            direction: crate::model::Direction::Response,
            from: "a".into(),
            to: "b".into(),
            method: "GET".into(),
            url: "http://h/x".into(),
            path: "/x".into(),
            status: Some(crate::view::page::Status {
                code: Some(200),
                text: "200 OK".into(),
            }),
            title: "200 OK /x".into(),
            heading: "200 OK /x?a=b".into(),
            anchor: Some("step-1".into()),
            tip: None,
            first_call: None,
            api: None,
            header_lines: TextLines::from_text("H: v".into()),
            body_lines: TextLines::from_text("{}".into()),
            body_kind: "json".into(),
            header_fence: "```".into(),
            body_fence: "```".into(),
            header_highlights: vec![1],
            body_highlights: vec![],
            number: Some(1),
            notes: vec![],
            omitted: false,
        };
        let json = serde_json::to_value(&step).unwrap();
        let mut step_keys: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        step_keys.sort_unstable();
        let mut ours: Vec<String> = STEP_FIELDS.iter().map(|s| s.to_string()).collect();
        ours.sort_unstable();
        assert_eq!(step_keys, ours);
        let v = Value::from_object(StepObject::new(Arc::new(step)));
        for key in &step_keys {
            let got = v.get_attr(key).unwrap();
            assert!(!got.is_undefined(), "{key}");
            assert_eq!(
                serde_json::to_value(&got).unwrap(),
                json[key.as_str()],
                "{key} differs between the context and the model"
            );
        }
    }
}
