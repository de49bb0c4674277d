//! The page as the template engine sees it, without copying the capture.
//!
//! Templates see exactly the fields of [`Page`] (what `--context` prints),
//! but a big capture has millions of header and body lines: converting them
//! all into template values doubled the memory and cost as much as the
//! rendering itself. Here the steps are served from the page in place, and
//! the `lines` filter prints a step's lines straight from it. The whole
//! diagram (a message per record) is served in place the same way;
//! everything small (labels, parts, tables) is converted once.
//!
//! Nothing is cached per step or per diagram line: a template loop with a
//! filter (`{% for step in steps if not step.omitted %}`) collects every
//! item before it runs, so a cache would hold a converted copy of them all.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};

use crate::model::{DiagramItem, Page, Participant, Step};

/// The template context of a page.
pub fn of(page: Arc<Page>) -> Value {
    let fields = vec![
        ("capture", Value::from(page.capture.clone())),
        ("labels", Value::from_serialize(&page.labels)),
        ("parts", Value::from_serialize(&page.parts)),
        ("left_out", Value::from_serialize(page.left_out)),
        ("tokens", Value::from_serialize(&page.tokens)),
        ("variables", Value::from_serialize(&page.variables)),
        ("omitted", Value::from_serialize(&page.omitted)),
        ("log_fence", Value::from(page.log_fence.clone())),
    ];
    Value::from_object(PageObject { page, fields })
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
        if key == "diagram" {
            return Some(Value::from_object(DiagramObject(self.page.clone())));
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
            })
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.steps.len())
    }
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
    "title_attr",
    "tip",
    "api",
    "header_lines",
    "body_lines",
    "body_kind",
    "header_fence",
    "body_fence",
    "number",
    "omitted",
];

/// One step, served in place: each field is converted when it is read.
#[derive(Debug)]
struct StepObject {
    page: Arc<Page>,
    index: usize,
}

impl StepObject {
    fn step(&self) -> Option<&Step> {
        self.page.steps.get(self.index)
    }
}

impl Object for StepObject {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let lines = |body: bool| {
            Value::from_object(Lines {
                page: self.page.clone(),
                index: self.index,
                body,
            })
        };
        let s = self.step()?;
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
            "title_attr" => Value::from(s.title_attr.as_str()),
            "tip" => Value::from_serialize(&s.tip),
            "api" => Value::from_serialize(&s.api),
            "header_lines" => lines(false),
            "body_lines" => lines(true),
            "body_kind" => Value::from(&*s.body_kind),
            "header_fence" => Value::from(&*s.header_fence),
            "body_fence" => Value::from(&*s.body_fence),
            "number" => Value::from(s.number),
            "omitted" => Value::from(s.omitted),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(STEP_FIELDS)
    }
}

/// The page's whole diagram, served in place.
#[derive(Debug)]
struct DiagramObject(Arc<Page>);

impl Object for DiagramObject {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let page = &self.0;
        Some(match key.as_str()? {
            "participants" => Value::from_object(DiagramSeq {
                page: page.clone(),
                items: false,
            }),
            "items" => Value::from_object(DiagramSeq {
                page: page.clone(),
                items: true,
            }),
            "start" => Value::from(page.diagram.start),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["participants", "items", "start"])
    }
}

/// The participants or the lines of the whole diagram.
#[derive(Debug)]
struct DiagramSeq {
    page: Arc<Page>,
    items: bool,
}

impl DiagramSeq {
    fn len(&self) -> usize {
        let d = &self.page.diagram;
        if self.items {
            d.items.len()
        } else {
            d.participants.len()
        }
    }
}

impl Object for DiagramSeq {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let index = key.as_usize()?;
        (index < self.len()).then(|| {
            Value::from_object(DiagramEntry {
                page: self.page.clone(),
                index,
                item: self.items,
            })
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.len())
    }
}

/// The fields of a [`DiagramItem`] and of a [`Participant`], in model order.
const ITEM_FIELDS: &[&str] = &[
    "kind", "depth", "keyword", "from", "to", "arrow", "text", "step",
];
const PARTICIPANT_FIELDS: &[&str] = &["id", "label", "declare"];

/// One diagram line or participant, served in place.
#[derive(Debug)]
struct DiagramEntry {
    page: Arc<Page>,
    index: usize,
    item: bool,
}

impl Object for DiagramEntry {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let d = &self.page.diagram;
        if self.item {
            let i: &DiagramItem = d.items.get(self.index)?;
            Some(match key {
                "kind" => Value::from(&*i.kind),
                "depth" => Value::from(i.depth),
                "keyword" => Value::from(&*i.keyword),
                "from" => Value::from(i.from.as_str()),
                "to" => Value::from(i.to.as_str()),
                "arrow" => Value::from(&*i.arrow),
                "text" => Value::from(i.text.as_str()),
                "step" => Value::from(i.step),
                _ => return None,
            })
        } else {
            let p: &Participant = d.participants.get(self.index)?;
            Some(match key {
                "id" => Value::from(p.id.as_str()),
                "label" => Value::from(p.label.as_str()),
                "declare" => Value::from(p.declare),
                _ => return None,
            })
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(if self.item {
            ITEM_FIELDS
        } else {
            PARTICIPANT_FIELDS
        })
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

    /// Everything served in place reads exactly like the model: the whole
    /// context, turned to JSON, is the page's JSON.
    #[test]
    fn the_context_reads_like_the_model() {
        let text = "### (openstack) REQ >>> (glance-api) : GET http://h/v2/images?limit=2\nX-Auth-Token: t\n\nnone\n\n\
### (glance-api) REQ >>> (keystone) : GET http://h/identity/v3/auth/tokens\n\nnone\n\n\
### (glance-api) RESP <<< (keystone) : 200 OK GET http://h/identity/v3/auth/tokens\n\n{}\n\n\
### (openstack) RESP <<< (glance-api) : 200 OK GET http://h/v2/images?limit=2\nA: b\n\n{\"images\": []}\n\n\
### (openstack) REQ >>> (nova api) : DELETE http://h/servers/x\n\nnone\n";
        let loaded =
            crate::capture::load_from(text.as_bytes(), std::path::Path::new("t.log")).unwrap();
        let (page, _) = crate::pipeline::build(&loaded, &Default::default(), &Default::default());
        assert!(page.diagram.items.iter().any(|i| i.kind == "note"));
        assert!(page.diagram.participants.iter().any(|p| p.id != p.label));
        let model = serde_json::to_value(&page).unwrap();
        let served = serde_json::to_value(of(Arc::new(page))).unwrap();
        assert_eq!(served, model);
    }
}
