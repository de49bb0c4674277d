//! The page as the template engine sees it, without copying the capture.
//!
//! Templates see exactly the fields of [`Page`] (what `--context` prints),
//! but a big capture has millions of header and body lines: converting them
//! all into template values doubled the memory and cost as much as the
//! rendering itself. Here the steps are served from the page in place, and
//! the `lines` filter prints a step's lines straight from it; everything
//! small (labels, diagram, tables) is converted once.
//!
//! This is also where the values tracedoc builds final are marked safe, so
//! the templates' default escaping leaves them alone: code fences, the
//! diagram's participant ids, arrows and block keywords. Everything that
//! came from the capture or the config stays plain text and is escaped
//! where it is printed.

use std::sync::{Arc, OnceLock};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use serde::{Serialize, Serializer};

use crate::model::{Diagram, DiagramItem, Direction, Link, Page, Participant, Status, Step};

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

/// The template context of a page.
pub fn of(page: Arc<Page>) -> Value {
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
    let fields = vec![
        ("capture", Value::from(page.capture.clone())),
        ("labels", Value::from_serialize(&page.labels)),
        ("diagram", diagram(&page.diagram)),
        ("parts", Value::from(parts)),
        ("left_out", Value::from_serialize(page.left_out)),
        ("tokens", Value::from_serialize(&page.tokens)),
        ("variables", Value::from_serialize(&page.variables)),
        ("omitted", Value::from_serialize(&page.omitted)),
        ("log_fence", Value::from_safe_string(page.log_fence.clone())),
    ];
    Value::from_object(PageObject { page, fields })
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

const PAGE_FIELDS: &[&str] = &[
    "capture",
    "labels",
    "steps",
    "diagram",
    "parts",
    "left_out",
    "tokens",
    "variables",
    "omitted",
    "log_fence",
];

#[derive(Debug)]
struct PageObject {
    page: Arc<Page>,
    fields: Vec<(&'static str, Value)>,
}

impl Object for PageObject {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        if key == "steps" {
            return Some(Value::from_object(Steps(self.page.clone())));
        }
        self.fields
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, v)| v.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(PAGE_FIELDS)
    }
}

#[derive(Debug)]
struct Steps(Arc<Page>);

impl Object for Steps {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let index = key.as_usize()?;
        (index < self.0.steps.len()).then(|| {
            Value::from_object(StepObject {
                page: self.0.clone(),
                index,
                head: OnceLock::new(),
            })
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.steps.len())
    }
}

/// Every field of a [`Step`] but its lines, borrowed for one conversion.
#[derive(Serialize)]
struct StepHead<'a> {
    index: usize,
    line: usize,
    direction: Direction,
    from: &'a str,
    to: &'a str,
    method: &'a str,
    url: &'a str,
    path: &'a str,
    status: &'a Option<Status>,
    title: &'a str,
    tip: &'a Option<Link>,
    api: &'a Option<Link>,
    body_kind: &'a str,
    header_fence: Safe<&'a str>,
    body_fence: Safe<&'a str>,
    number: Option<usize>,
    omitted: bool,
}

impl<'a> From<&'a Step> for StepHead<'a> {
    fn from(s: &'a Step) -> Self {
        StepHead {
            index: s.index,
            line: s.line,
            direction: s.direction,
            from: &s.from,
            to: &s.to,
            method: &s.method,
            url: &s.url,
            path: &s.path,
            status: &s.status,
            title: &s.title,
            tip: &s.tip,
            api: &s.api,
            body_kind: &s.body_kind,
            header_fence: Safe(&s.header_fence),
            body_fence: Safe(&s.body_fence),
            number: s.number,
            omitted: s.omitted,
        }
    }
}

const LINE_FIELDS: &[&str] = &["header_lines", "body_lines"];

#[derive(Debug)]
struct StepObject {
    page: Arc<Page>,
    index: usize,
    /// The small fields, converted on first use.
    head: OnceLock<Value>,
}

impl StepObject {
    fn step(&self) -> Option<&Step> {
        self.page.steps.get(self.index)
    }
}

impl Object for StepObject {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        if let Some(which) = LINE_FIELDS.iter().position(|f| *f == key) {
            return Some(Value::from_object(Lines {
                page: self.page.clone(),
                index: self.index,
                body: which == 1,
            }));
        }
        let step = self.step()?;
        let head = self
            .head
            .get_or_init(|| Value::from_serialize(StepHead::from(step)));
        head.get_attr(key).ok().filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&[
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
            "tip",
            "api",
            "header_lines",
            "body_lines",
            "body_kind",
            "header_fence",
            "body_fence",
            "number",
            "omitted",
        ])
    }
}

/// The header or body lines of one step, served in place.
#[derive(Debug)]
pub struct Lines {
    page: Arc<Page>,
    index: usize,
    body: bool,
}

impl Lines {
    /// The lines themselves (for the `lines` filter).
    pub fn as_slice(&self) -> &[String] {
        match self.page.steps.get(self.index) {
            Some(s) if self.body => &s.body_lines,
            Some(s) => &s.header_lines,
            None => &[],
        }
    }
}

impl Object for Lines {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.as_slice()
            .get(key.as_usize()?)
            .map(|l| Value::from(l.as_str()))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.as_slice().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The context must show templates what `--context` prints: same fields.
    #[test]
    fn step_fields_match_the_model() {
        let page = Page {
            capture: "c".into(),
            labels: Default::default(),
            steps: vec![],
            diagram: Default::default(),
            parts: vec![],
            left_out: None,
            tokens: vec![],
            variables: vec![],
            omitted: vec![],
            log_fence: "```".into(),
        };
        let json = serde_json::to_value(&page).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut ours = PAGE_FIELDS.to_vec();
        ours.sort_unstable();
        assert_eq!(keys, ours);

        let loaded = crate::capture::load_from(
            &b"### (a) RESP <<< (b) : 200 OK GET http://h/x\nH: v\n\n{}\n"[..],
            std::path::Path::new("t.log"),
        )
        .unwrap();
        let (page, _) = crate::pipeline::build(&loaded, &Default::default(), &Default::default());
        let json = serde_json::to_value(&page.steps[0]).unwrap();
        let mut step_keys: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        step_keys.sort_unstable();
        let ctx = of(Arc::new(page));
        let step = ctx
            .get_attr("steps")
            .unwrap()
            .get_item(&Value::from(0))
            .unwrap();
        let mut shown: Vec<String> = step.try_iter().unwrap().map(|k| k.to_string()).collect();
        shown.sort_unstable();
        assert_eq!(step_keys, shown);
        for key in &step_keys {
            let v = step.get_attr(key).unwrap();
            assert!(!v.is_undefined(), "{key}");
            assert_eq!(
                serde_json::to_value(&v).unwrap(),
                json[key.as_str()],
                "{key} differs between the context and the model"
            );
        }
    }
}
