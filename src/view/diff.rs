//! `tracedoc diff`: two captures of one command compared by meaning.
//!
//! Each capture becomes a list of calls (one per exchange, in the order
//! the requests were made, the calls filters drop left out), read from the
//! records as shown: redacted, ids replaced by their `{variables}`. Each
//! call has a key — caller, callee, api-ref operation (or method and path
//! with every id a placeholder), status class — and the two key sequences
//! are aligned with a sequence diff (Patience, from `similar`). Calls that
//! only one side has are then paired where they are the same operation
//! made to another service (moved) or answered with another status class
//! (changed). For each aligned pair the details are compared: status,
//! header names (and the values of the headers that matter, see
//! [`crate::openstack::value_matters`]), and the structure of JSON bodies
//! (keys and their types, never values).
//!
//! [`Diff`] is the result (what `--format json` prints); [`DiffPage`] is
//! the page model `templates/diff.md` renders. Text here is raw: the
//! template escapes it for its context.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;
use similar::{Algorithm, DiffOp};

use crate::analyze::variables::looks_generated;
use crate::model::Record;
use crate::openstack::value_matters;
use crate::view::page::Link;
use crate::view::Shown;

/// The version of the JSON document `tracedoc diff --format json` prints
/// (docs/diff.md); raised when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

/// One call of a capture, as the comparison sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Call {
    /// Its step in the capture's own diagram (`None` when not drawn).
    pub step: Option<usize>,
    /// How deep it is nested in the calls made to serve other calls.
    pub depth: usize,
    pub from: String,
    pub to: String,
    pub method: String,
    /// The path, ids as `{variables}`, with the query values worth showing.
    pub target: String,
    /// The api-ref operation, when it is known.
    pub operation: Option<Link>,
    /// The response's status line (`200 OK`), `None` when none was captured.
    pub status: Option<String>,
    #[serde(skip)]
    code: Option<u16>,
    /// Path with every id a bare `{}`: part of the key when no operation is known.
    #[serde(skip)]
    template: String,
    #[serde(skip)]
    request: Message,
    #[serde(skip)]
    response: Option<Message>,
}

/// What is compared of a request or a response.
#[derive(Debug, Clone, Default)]
struct Message {
    /// Lower-case name -> (name as captured, value when it matters).
    headers: BTreeMap<String, (String, Option<String>)>,
    body: Shape,
}

/// The structure of a body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Shape {
    #[default]
    Empty,
    /// Not JSON.
    Text,
    /// Every path (`.image.tags[]`) and its type (`string`, `null|string`).
    Json(BTreeMap<String, String>),
}

impl Shape {
    fn of(record: &Record<'_>) -> Shape {
        if record.body.is_none() {
            return Shape::Empty;
        }
        match record.body.json() {
            Some(value) => {
                let mut types: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
                walk(&value, ".".to_string(), &mut types);
                Shape::Json(
                    types
                        .into_iter()
                        .map(|(path, t)| (path, t.into_iter().collect::<Vec<_>>().join("|")))
                        .collect(),
                )
            }
            None => Shape::Text,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Shape::Empty => "empty",
            Shape::Text => "text",
            Shape::Json(_) => "json",
        }
    }
}

/// Adds the type of `value` at `path`, and of everything below it. Items
/// of an array share the path `[]`; object keys that are ids are `{id}`.
fn walk(
    value: &serde_json::Value,
    path: String,
    out: &mut BTreeMap<String, BTreeSet<&'static str>>,
) {
    use serde_json::Value;
    let t = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    out.entry(path.clone()).or_default().insert(t);
    let join = |key: &str| match path.as_str() {
        "." => format!(".{key}"),
        p => format!("{p}.{key}"),
    };
    match value {
        Value::Array(items) => {
            let below = match path.as_str() {
                "." => ".[]".to_string(),
                p => format!("{p}[]"),
            };
            for item in items {
                walk(item, below.clone(), out);
            }
        }
        Value::Object(map) => {
            for (key, v) in map {
                let key = if looks_generated(key) {
                    "{id}"
                } else {
                    key.as_str()
                };
                walk(v, join(key), out);
            }
        }
        _ => {}
    }
}

/// A path with every `{variable}` and every segment that looks like an id
/// replaced by `{}`: what stays the same between two runs.
fn generic(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if (seg.starts_with('{') && seg.ends_with('}')) || looks_generated(seg) {
                "{}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn message(record: &Record<'_>) -> Message {
    let mut headers: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    for h in &record.headers {
        let key = h.name.to_ascii_lowercase();
        let value = h
            .value
            .as_deref()
            .filter(|_| value_matters(&h.name))
            .map(str::to_string);
        match headers.get_mut(&key) {
            Some((_, Some(v))) => {
                if let Some(more) = value {
                    v.push_str(", ");
                    v.push_str(&more);
                }
            }
            Some(_) => {}
            None => {
                headers.insert(key, (h.name.to_string(), value));
            }
        }
    }
    Message {
        headers,
        body: Shape::of(record),
    }
}

/// Every call of a capture as shown (redacted unless redaction is off), in
/// the order the calls were made; calls filters dropped are left out.
pub fn calls(shown: &Shown<'_>) -> Vec<Call> {
    let a = shown.analysis;
    let vars = &a.variables;
    let mut order: Vec<usize> = (0..a.graph.exchanges.len()).collect();
    order.sort_by_key(|&x| a.graph.exchanges[x].start());
    let mut out = Vec::with_capacity(order.len());
    for x in order {
        let e = &a.graph.exchanges[x];
        if a.is_dropped(e.first()) {
            continue;
        }
        let request = e.request.and_then(|q| shown.record(q as usize));
        let response = e.response.and_then(|r| shown.record(r as usize));
        let Some(named) = request.as_ref().or(response.as_ref()) else {
            continue;
        };
        let path = vars.placeholder_path(named.path());
        let mut target = path.clone();
        if let Some(q) = named.query().and_then(|q| vars.placeholder_query(q)) {
            target.push('?');
            target.push_str(&q);
        }
        let status = response.as_ref().and_then(|r| r.status.as_ref());
        out.push(Call {
            step: shown.number(e.first()),
            depth: e.depth as usize,
            from: named.from.to_string(),
            to: named.to.to_string(),
            method: named.method.to_string(),
            template: generic(&path),
            target,
            operation: e.request.and_then(|q| shown.api(q as usize)),
            status: status.map(|s| s.text.to_string()),
            code: status.and_then(|s| s.code),
            request: request.as_ref().map(message).unwrap_or_default(),
            response: response.as_ref().map(message),
        });
    }
    out
}

impl Call {
    /// What the call does, without who answers or how: its operation, or
    /// its method and path template.
    fn what(&self) -> String {
        match &self.operation {
            Some(op) => format!("{} {}", self.method, op.url),
            None => format!("{} {}", self.method, self.template),
        }
    }

    /// The status class (2 for 2xx); 0 when no response was captured.
    fn class(&self) -> u16 {
        match (self.code, &self.response) {
            (Some(c), _) => c / 100,
            (None, Some(_)) => 9,
            (None, None) => 0,
        }
    }

    /// The alignment key.
    fn key(&self) -> (String, String, String, u16) {
        (
            self.from.clone(),
            self.to.clone(),
            self.what(),
            self.class(),
        )
    }
}

/// What happened to a call between the two captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Aligned, and nothing compared differs.
    Same,
    /// Aligned, with differences (status, headers, body structure).
    Changed,
    /// The same operation, made to another service.
    Moved,
    /// Only in NEW.
    Added,
    /// Only in OLD.
    Removed,
}

/// A value before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub old: String,
    pub new: String,
}

/// A header only one side has; `value` for the headers whose value matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderOnly {
    pub name: String,
    pub value: Option<String>,
}

/// A header whose value matters and changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderValue {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A JSON path only one side has, with its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyOnly {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A JSON path both sides have, with another type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeChange {
    pub path: String,
    pub old: String,
    pub new: String,
}

/// How a request or a response differs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MessageDiff {
    pub headers_added: Vec<HeaderOnly>,
    pub headers_removed: Vec<HeaderOnly>,
    pub header_values: Vec<HeaderValue>,
    /// `empty`, `text` or `json`, when that changed.
    pub body_kind: Option<Change>,
    pub keys_added: Vec<KeyOnly>,
    pub keys_removed: Vec<KeyOnly>,
    pub type_changes: Vec<TypeChange>,
}

impl MessageDiff {
    fn of(old: &Message, new: &Message) -> MessageDiff {
        let mut d = MessageDiff::default();
        for (key, (name, value)) in &new.headers {
            match old.headers.get(key) {
                None => d.headers_added.push(HeaderOnly {
                    name: name.clone(),
                    value: value.clone(),
                }),
                Some((_, was)) if was != value => d.header_values.push(HeaderValue {
                    name: name.clone(),
                    old: was.clone(),
                    new: value.clone(),
                }),
                Some(_) => {}
            }
        }
        for (key, (name, value)) in &old.headers {
            if !new.headers.contains_key(key) {
                d.headers_removed.push(HeaderOnly {
                    name: name.clone(),
                    value: value.clone(),
                });
            }
        }
        match (&old.body, &new.body) {
            (Shape::Json(a), Shape::Json(b)) => {
                for (path, t) in b {
                    match a.get(path) {
                        None => d.keys_added.push(KeyOnly {
                            path: path.clone(),
                            kind: t.clone(),
                        }),
                        Some(was) if was != t => d.type_changes.push(TypeChange {
                            path: path.clone(),
                            old: was.clone(),
                            new: t.clone(),
                        }),
                        Some(_) => {}
                    }
                }
                for (path, t) in a {
                    if !b.contains_key(path) {
                        d.keys_removed.push(KeyOnly {
                            path: path.clone(),
                            kind: t.clone(),
                        });
                    }
                }
                // A key added under a key added says nothing more.
                d.keys_added = outermost(std::mem::take(&mut d.keys_added));
                d.keys_removed = outermost(std::mem::take(&mut d.keys_removed));
            }
            (a, b) if a.kind() != b.kind() => {
                d.body_kind = Some(Change {
                    old: a.kind().to_string(),
                    new: b.kind().to_string(),
                })
            }
            _ => {}
        }
        d
    }

    pub fn is_empty(&self) -> bool {
        *self == MessageDiff::default()
    }
}

/// The paths of `keys` not below another of them (`.a` keeps, `.a.b` and
/// `.a[]` go), sorted.
fn outermost(keys: Vec<KeyOnly>) -> Vec<KeyOnly> {
    let all: HashSet<String> = keys.iter().map(|k| k.path.clone()).collect();
    let below = |path: &str| {
        let mut p = path;
        loop {
            let cut = p.rfind(['.', '[']).filter(|&i| i > 0);
            match cut {
                Some(i) => {
                    p = &p[..i];
                    if all.contains(p) {
                        return true;
                    }
                }
                None => return false,
            }
        }
    };
    keys.into_iter().filter(|k| !below(&k.path)).collect()
}

/// What differs between two aligned calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    pub status: Option<Change>,
    /// The callee, for a moved call.
    pub callee: Option<Change>,
    pub request: MessageDiff,
    pub response: MessageDiff,
}

impl Changes {
    fn of(old: &Call, new: &Call) -> Changes {
        let status = (old.status != new.status && old.code != new.code).then(|| Change {
            old: old.status.clone().unwrap_or_else(|| "no response".into()),
            new: new.status.clone().unwrap_or_else(|| "no response".into()),
        });
        let callee = (old.to != new.to).then(|| Change {
            old: old.to.clone(),
            new: new.to.clone(),
        });
        let empty = Message::default();
        Changes {
            status,
            callee,
            request: MessageDiff::of(&old.request, &new.request),
            response: MessageDiff::of(
                old.response.as_ref().unwrap_or(&empty),
                new.response.as_ref().unwrap_or(&empty),
            ),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

/// One call of the merged sequence.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub kind: Kind,
    pub old: Option<Call>,
    pub new: Option<Call>,
    /// For aligned, moved and changed calls.
    #[serde(skip_serializing_if = "Changes::is_empty")]
    pub changes: Changes,
}

impl Entry {
    /// The side that names the call: NEW, else OLD.
    fn call(&self) -> Option<&Call> {
        self.new.as_ref().or(self.old.as_ref())
    }
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub added: usize,
    pub removed: usize,
    pub moved: usize,
    pub changed: usize,
    pub same: usize,
}

impl Summary {
    /// "3 calls added, 1 removed, 2 changed", or that nothing differs.
    pub fn sentence(&self) -> String {
        let mut parts = Vec::new();
        let calls = |n: usize| if n == 1 { "call" } else { "calls" };
        let mut first = true;
        for (n, what) in [
            (self.added, "added"),
            (self.removed, "removed"),
            (self.moved, "moved"),
            (self.changed, "changed"),
        ] {
            if n == 0 {
                continue;
            }
            if first {
                parts.push(format!("{n} {} {what}", calls(n)));
                first = false;
            } else {
                parts.push(format!("{n} {what}"));
            }
        }
        if parts.is_empty() {
            return format!(
                "equivalent: {} {} aligned, none differs",
                self.same,
                calls(self.same)
            );
        }
        format!("{} ({} unchanged)", parts.join(", "), self.same)
    }
}

/// The comparison of two captures: what `--format json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub version: u32,
    pub old: String,
    pub new: String,
    pub equivalent: bool,
    pub summary: Summary,
    pub entries: Vec<Entry>,
}

/// Compares the calls of two captures (`old_name` and `new_name` name them).
pub fn compare(old_name: &str, new_name: &str, old: Vec<Call>, new: Vec<Call>) -> Diff {
    let old_keys: Vec<_> = old.iter().map(Call::key).collect();
    let new_keys: Vec<_> = new.iter().map(Call::key).collect();
    let ops = similar::capture_diff_slices(Algorithm::Patience, &old_keys, &new_keys);

    // First the alignment: pairs, and the runs only one side has.
    enum Step {
        Pair(usize, usize),
        Old(usize),
        New(usize),
    }
    let mut steps = Vec::new();
    for op in &ops {
        match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => steps.extend((0..len).map(|k| Step::Pair(old_index + k, new_index + k))),
            DiffOp::Delete {
                old_index, old_len, ..
            } => steps.extend((old_index..old_index + old_len).map(Step::Old)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => steps.extend((new_index..new_index + new_len).map(Step::New)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                steps.extend((old_index..old_index + old_len).map(Step::Old));
                steps.extend((new_index..new_index + new_len).map(Step::New));
            }
        }
    }

    // Then the calls only one side has, paired where they are the same
    // call answered differently (changed status class), or the same
    // operation made to another service (moved), nearest first.
    let removed: Vec<usize> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Old(i) => Some(*i),
            _ => None,
        })
        .collect();
    let added: Vec<usize> = steps
        .iter()
        .filter_map(|s| match s {
            Step::New(j) => Some(*j),
            _ => None,
        })
        .collect();
    let mut partner_of_new: BTreeMap<usize, (usize, Kind)> = BTreeMap::new();
    let mut taken_old: HashSet<usize> = HashSet::new();
    let same_call = |o: &Call, n: &Call| o.from == n.from && o.to == n.to && o.what() == n.what();
    // By method and path: the operation may be known on one side only,
    // as a service the catalog does not know answers it there.
    let moved_call = |o: &Call, n: &Call| {
        o.from == n.from && o.to != n.to && o.method == n.method && o.template == n.template
    };
    for (matches, kind) in [
        (&same_call as &dyn Fn(&Call, &Call) -> bool, Kind::Changed),
        (&moved_call, Kind::Moved),
    ] {
        for &j in &added {
            if partner_of_new.contains_key(&j) {
                continue;
            }
            let found = removed
                .iter()
                .copied()
                .filter(|i| !taken_old.contains(i) && matches(&old[*i], &new[j]))
                .min_by_key(|&i| (i as i64 - j as i64).unsigned_abs());
            if let Some(i) = found {
                taken_old.insert(i);
                partner_of_new.insert(j, (i, kind));
            }
        }
    }

    let mut entries = Vec::with_capacity(steps.len());
    let mut summary = Summary::default();
    for s in steps {
        let entry = match s {
            Step::Pair(i, j) => {
                let changes = Changes::of(&old[i], &new[j]);
                let kind = if changes.is_empty() {
                    Kind::Same
                } else {
                    Kind::Changed
                };
                Entry {
                    kind,
                    old: Some(old[i].clone()),
                    new: Some(new[j].clone()),
                    changes,
                }
            }
            Step::Old(i) if taken_old.contains(&i) => continue,
            Step::Old(i) => Entry {
                kind: Kind::Removed,
                old: Some(old[i].clone()),
                new: None,
                changes: Changes::default(),
            },
            Step::New(j) => match partner_of_new.get(&j) {
                Some(&(i, kind)) => Entry {
                    kind,
                    old: Some(old[i].clone()),
                    new: Some(new[j].clone()),
                    changes: Changes::of(&old[i], &new[j]),
                },
                None => Entry {
                    kind: Kind::Added,
                    old: None,
                    new: Some(new[j].clone()),
                    changes: Changes::default(),
                },
            },
        };
        match entry.kind {
            Kind::Same => summary.same += 1,
            Kind::Changed => summary.changed += 1,
            Kind::Moved => summary.moved += 1,
            Kind::Added => summary.added += 1,
            Kind::Removed => summary.removed += 1,
        }
        entries.push(entry);
    }
    Diff {
        version: FORMAT_VERSION,
        old: old_name.to_string(),
        new: new_name.to_string(),
        equivalent: summary
            == Summary {
                same: summary.same,
                ..Summary::default()
            },
        summary,
        entries,
    }
}

// ---------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------

/// How a step is named on the diff page: by its number in each capture's
/// diagram. The one place that formats step references (and anchors),
/// so it can follow the capture pages' `#step-N` anchors.
pub fn step_ref(old: Option<usize>, new: Option<usize>) -> String {
    let n = |s: Option<usize>| s.map_or_else(|| "–".to_string(), |n| n.to_string());
    match (old, new) {
        (Some(a), Some(b)) if a == b => format!("step {a}"),
        (None, None) => "not drawn".to_string(),
        _ => format!("step {} → {}", n(old), n(new)),
    }
}

/// The colours of the merged diagram (`rect rgba(...)`), one per kind,
/// light enough that dark and light themes keep the arrows readable.
fn colour(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Added => Some("rgba(46, 160, 67, 0.2)"),
        Kind::Removed => Some("rgba(248, 81, 73, 0.2)"),
        Kind::Moved => Some("rgba(56, 139, 253, 0.2)"),
        Kind::Changed => Some("rgba(210, 153, 34, 0.2)"),
        Kind::Same => None,
    }
}

/// The mark before the text of a call's arrows, for readers who cannot
/// tell the colours apart, and for themes that paint every `rect` alike
/// (mkdocs-material does).
pub fn mark(kind: Kind) -> &'static str {
    match kind {
        Kind::Added => "[+] ",
        Kind::Removed => "[-] ",
        Kind::Moved => "[moved] ",
        Kind::Changed => "[~] ",
        Kind::Same => "",
    }
}

/// A participant of the merged diagram: an id tracedoc makes, and the
/// name as captured (the template escapes it).
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    pub id: String,
    pub label: String,
}

/// A line of the merged diagram. `kind`: `rect` (with `colour`), `end`,
/// `message` (with `from`, `arrow`, `to`, `text`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Line {
    pub kind: &'static str,
    pub colour: &'static str,
    pub from: String,
    pub arrow: &'static str,
    pub to: String,
    pub text: String,
}

/// One tab of a changed step: a title and the lines of a `diff` block.
#[derive(Debug, Clone, Serialize)]
pub struct Tab {
    pub title: &'static str,
    pub lines: Vec<String>,
}

/// A section of the page: one call that is not the same on both sides.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub kind: Kind,
    /// "step 5 → 7" ([`step_ref`]).
    pub step: String,
    /// `GET /v2/images/{image_id}`.
    pub title: String,
    pub from: String,
    pub to: String,
    pub operation: Option<Link>,
    pub tabs: Vec<Tab>,
}

/// The page model of `templates/diff.md`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffPage {
    pub old: String,
    pub new: String,
    pub equivalent: bool,
    pub summary: Summary,
    pub sentence: String,
    pub participants: Vec<Participant>,
    pub lines: Vec<Line>,
    /// The kinds present, for the legend: (kind, colour).
    pub legend: Vec<(Kind, &'static str)>,
    pub sections: Vec<Section>,
}

impl DiffPage {
    pub fn new(diff: &Diff) -> DiffPage {
        let mut participants: Vec<Participant> = Vec::new();
        let mut id_of = |name: &str| -> String {
            if let Some(p) = participants.iter().find(|p| p.label == name) {
                return p.id.clone();
            }
            let id = format!("p{}", participants.len() + 1);
            participants.push(Participant {
                id: id.clone(),
                label: name.to_string(),
            });
            id
        };
        let mut lines = Vec::new();
        // Responses wait until the calls made while serving them are drawn.
        let mut open: Vec<(usize, Line, Option<&'static str>)> = Vec::new();
        let close = |lines: &mut Vec<Line>,
                     (_, line, colour): (usize, Line, Option<&'static str>)| {
            wrap(lines, colour, vec![line]);
        };
        for e in &diff.entries {
            let Some(call) = e.call() else { continue };
            while open.last().is_some_and(|(d, _, _)| *d >= call.depth) {
                if let Some(o) = open.pop() {
                    close(&mut lines, o);
                }
            }
            let from = id_of(&call.from);
            let label = |c: &Call| format!("{} {}", c.method, c.target);
            let number = step_ref(
                e.old.as_ref().and_then(|c| c.step),
                e.new.as_ref().and_then(|c| c.step),
            );
            let mut request = Vec::new();
            if let (Kind::Moved, Some(was)) = (e.kind, &e.old) {
                request.push(Line {
                    kind: "message",
                    from: from.clone(),
                    arrow: "--x",
                    to: id_of(&was.to),
                    text: format!("{}({number}, moved away) {}", mark(e.kind), label(was)),
                    ..Line::default()
                });
            }
            let to = id_of(&call.to);
            request.push(Line {
                kind: "message",
                from: from.clone(),
                arrow: "->>",
                to: to.clone(),
                text: format!("{}({number}) {}", mark(e.kind), label(call)),
                ..Line::default()
            });
            wrap(&mut lines, colour(e.kind), request);
            let status = match (&e.changes.status, &call.status) {
                (Some(c), _) => format!("{} → {}", c.old, c.new),
                (None, Some(s)) => s.clone(),
                (None, None) => "no response".to_string(),
            };
            open.push((
                call.depth,
                Line {
                    kind: "message",
                    from: to,
                    arrow: "-->>",
                    to: from,
                    text: format!("{}{status}", mark(e.kind)),
                    ..Line::default()
                },
                colour(e.kind),
            ));
        }
        while let Some(o) = open.pop() {
            close(&mut lines, o);
        }
        let present: BTreeSet<u8> = diff.entries.iter().map(|e| e.kind as u8).collect();
        let legend = [Kind::Added, Kind::Removed, Kind::Moved, Kind::Changed]
            .into_iter()
            .filter(|k| present.contains(&(*k as u8)))
            .filter_map(|k| colour(k).map(|c| (k, c)))
            .collect();
        let sections = diff
            .entries
            .iter()
            .filter(|e| e.kind != Kind::Same)
            .filter_map(section)
            .collect();
        DiffPage {
            old: diff.old.clone(),
            new: diff.new.clone(),
            equivalent: diff.equivalent,
            summary: diff.summary,
            sentence: diff.summary.sentence(),
            participants,
            lines,
            legend,
            sections,
        }
    }
}

/// Adds `inner` to `lines`, inside a `rect` of `colour` when there is one.
fn wrap(lines: &mut Vec<Line>, colour: Option<&'static str>, inner: Vec<Line>) {
    match colour {
        Some(c) => {
            // Right after a block of the same colour: one block.
            let last_rect = lines.iter().rev().find(|l| l.kind == "rect");
            if lines.last().is_some_and(|l| l.kind == "end")
                && last_rect.is_some_and(|l| l.colour == c)
            {
                lines.pop();
            } else {
                lines.push(Line {
                    kind: "rect",
                    colour: c,
                    ..Line::default()
                });
            }
            lines.extend(inner);
            lines.push(Line {
                kind: "end",
                ..Line::default()
            });
        }
        None => lines.extend(inner),
    }
}

fn section(e: &Entry) -> Option<Section> {
    let call = e.call()?;
    let mut tabs = Vec::new();
    match e.kind {
        Kind::Added | Kind::Removed => {
            let sign = if e.kind == Kind::Added { "+" } else { "-" };
            let mut lines = vec![format!(
                "{sign} {} -> {}: {} {}",
                call.from, call.to, call.method, call.target
            )];
            if let Some(s) = &call.status {
                lines.push(format!("{sign} {s}"));
            }
            tabs.push(Tab {
                title: "Call",
                lines,
            });
        }
        _ => {
            let c = &e.changes;
            if let Some(m) = &c.callee {
                tabs.push(Tab {
                    title: "Callee",
                    lines: vec![format!("- {}", m.old), format!("+ {}", m.new)],
                });
            }
            if let Some(s) = &c.status {
                tabs.push(Tab {
                    title: "Status",
                    lines: vec![format!("- {}", s.old), format!("+ {}", s.new)],
                });
            }
            for (title, d) in [
                ("Request headers", &c.request),
                ("Response headers", &c.response),
            ] {
                let lines = header_lines(d);
                if !lines.is_empty() {
                    tabs.push(Tab { title, lines });
                }
            }
            for (title, d) in [("Request body", &c.request), ("Response body", &c.response)] {
                let lines = body_lines(d);
                if !lines.is_empty() {
                    tabs.push(Tab { title, lines });
                }
            }
        }
    }
    Some(Section {
        kind: e.kind,
        step: step_ref(
            e.old.as_ref().and_then(|c| c.step),
            e.new.as_ref().and_then(|c| c.step),
        ),
        title: format!("{} {}", call.method, call.target),
        from: call.from.clone(),
        to: call.to.clone(),
        operation: call.operation.clone(),
        tabs,
    })
}

fn header_lines(d: &MessageDiff) -> Vec<String> {
    let with = |name: &str, value: &Option<String>| match value {
        Some(v) => format!("{name}: {v}"),
        None => name.to_string(),
    };
    let mut lines = Vec::new();
    for h in &d.headers_removed {
        lines.push(format!("- {}", with(&h.name, &h.value)));
    }
    for h in &d.headers_added {
        lines.push(format!("+ {}", with(&h.name, &h.value)));
    }
    for h in &d.header_values {
        lines.push(format!("- {}", with(&h.name, &h.old)));
        lines.push(format!("+ {}", with(&h.name, &h.new)));
    }
    lines
}

fn body_lines(d: &MessageDiff) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(k) = &d.body_kind {
        lines.push(format!("- body: {}", k.old));
        lines.push(format!("+ body: {}", k.new));
    }
    for k in &d.keys_removed {
        lines.push(format!("- {}: {}", k.path, k.kind));
    }
    for k in &d.keys_added {
        lines.push(format!("+ {}: {}", k.path, k.kind));
    }
    for t in &d.type_changes {
        lines.push(format!("- {}: {}", t.path, t.old));
        lines.push(format!("+ {}: {}", t.path, t.new));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_shape(text: &str) -> BTreeMap<String, String> {
        let value: serde_json::Value = serde_json::from_str(text).expect("json");
        let mut types = BTreeMap::new();
        walk(&value, ".".into(), &mut types);
        types
            .into_iter()
            .map(|(p, t)| (p, t.into_iter().collect::<Vec<_>>().join("|")))
            .collect()
    }

    #[test]
    fn shapes_keep_keys_and_types_not_values() {
        let a = json_shape(r#"{"image": {"id": "x", "tags": ["a", 1], "size": null}}"#);
        let b = json_shape(r#"{"image": {"id": "y", "tags": ["b", 2], "size": null}}"#);
        assert_eq!(a, b);
        assert_eq!(
            a.get(".image.tags[]").map(String::as_str),
            Some("number|string")
        );
        let ids = json_shape(r#"{"3f2a8b0c-1d2e-4f5a-8b9c-0d1e2f3a4b5c": {"n": 1}}"#);
        assert!(ids.contains_key(".{id}.n"), "{ids:?}");
    }

    #[test]
    fn ids_in_paths_compare_equal() {
        assert_eq!(
            generic("/v2/images/3f2a8b0c-1d2e-4f5a-8b9c-0d1e2f3a4b5c/file"),
            generic("/v2/images/{image_id}/file")
        );
        assert_ne!(generic("/v2/images"), generic("/v2/images/{image_id}"));
    }

    #[test]
    fn added_keys_below_added_keys_are_not_repeated() {
        let k = |p: &str| KeyOnly {
            path: p.into(),
            kind: "object".into(),
        };
        let kept: Vec<String> = outermost(vec![k(".a"), k(".a.b"), k(".a[]"), k(".c.d")])
            .into_iter()
            .map(|k| k.path)
            .collect();
        assert_eq!(kept, vec![".a", ".c.d"]);
    }

    #[test]
    fn the_summary_reads_like_a_sentence() {
        let s = Summary {
            added: 3,
            removed: 1,
            changed: 2,
            same: 7,
            ..Summary::default()
        };
        assert_eq!(
            s.sentence(),
            "3 calls added, 1 removed, 2 changed (7 unchanged)"
        );
        assert_eq!(
            Summary {
                same: 4,
                ..Summary::default()
            }
            .sentence(),
            "equivalent: 4 calls aligned, none differs"
        );
    }

    fn call(to: &str, method: &str, path: &str, code: u16) -> Call {
        Call {
            step: None,
            depth: 0,
            from: "cli".into(),
            to: to.into(),
            method: method.into(),
            target: path.into(),
            operation: None,
            status: Some(format!("{code} X")),
            code: Some(code),
            template: generic(path),
            request: Message::default(),
            response: Some(Message::default()),
        }
    }

    fn kinds(diff: &Diff) -> Vec<Kind> {
        diff.entries.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn calls_align_by_meaning() {
        let id1 = "/v2/images/3f2a8b0c-1d2e-4f5a-8b9c-0d1e2f3a4b5c";
        let id2 = "/v2/images/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
        // Other ids: equivalent.
        let d = compare(
            "a",
            "b",
            vec![call("glance", "GET", id1, 200)],
            vec![call("glance", "GET", id2, 200)],
        );
        assert!(d.equivalent, "{:?}", kinds(&d));
        // Another status class: the same call, changed, not removed and added.
        let d = compare(
            "a",
            "b",
            vec![call("glance", "GET", id1, 200)],
            vec![call("glance", "GET", id2, 404)],
        );
        assert_eq!(kinds(&d), vec![Kind::Changed]);
        assert_eq!(
            d.entries[0].changes.status.as_ref().map(|c| c.new.as_str()),
            Some("404 X")
        );
        // Another callee: moved, paired with the nearest candidate.
        let old = vec![
            call("keystone", "POST", "/v3/auth/tokens", 201),
            call("glance", "GET", "/v2/images", 200),
            call("keystone", "POST", "/v3/auth/tokens", 201),
        ];
        let new = vec![
            call("keystone", "POST", "/v3/auth/tokens", 201),
            call("glance", "GET", "/v2/images", 200),
            call("keystone-2", "POST", "/v3/auth/tokens", 201),
            call("glance", "GET", "/v2/schemas/image", 200),
        ];
        let d = compare("a", "b", old, new);
        assert_eq!(
            kinds(&d),
            vec![Kind::Same, Kind::Same, Kind::Moved, Kind::Added]
        );
        assert_eq!(d.summary.sentence(), "1 call added, 1 moved (2 unchanged)");
        assert!(!d.equivalent);
    }

    #[test]
    fn steps_are_named_by_their_diagram_numbers() {
        assert_eq!(step_ref(Some(5), Some(5)), "step 5");
        assert_eq!(step_ref(Some(5), Some(7)), "step 5 → 7");
        assert_eq!(step_ref(None, Some(7)), "step – → 7");
    }
}
