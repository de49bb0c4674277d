//! A capture as its pages show it: every record read again and redacted,
//! the page's head (diagram, tables) and each step.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::analyze::filter::{self, Filters};
use crate::analyze::Analysis;
use crate::input::Capture;
use crate::model::{Lack, Names, Record};
use crate::openstack::apiref::Catalog;
use crate::redact::{Hunter, Marks, Rules};
use crate::view::diagram::{self, Limits, Skeleton};
use crate::view::escape;
use crate::view::notes::Placed;
use crate::view::page::{
    DiagramPart, Labels, Link, Omit, Omitted, Page, Status, Step, TextLines, TokenRow, VariableRow,
};

/// How records are redacted for showing: by these rules, hunting what the
/// first pass found (`None` with `--no-redact`).
#[derive(Clone, Copy)]
pub struct Redaction<'r> {
    pub rules: &'r Rules,
    pub hunter: &'r Hunter,
    /// What the first pass marked in each record, by index (empty: not
    /// known, every part is redacted).
    pub marks: &'r [Marks],
}

impl Redaction<'_> {
    /// Record `i` as it may be shown.
    pub fn redact<'a>(&self, i: usize, record: &Record<'a>) -> Record<'a> {
        let marks = self.marks.get(i).copied().unwrap_or(Marks::ALL);
        self.rules.redact_marked(record, self.hunter, marks)
    }
}

/// A capture, its analysis and its diagram, ready to be shown.
pub struct Shown<'c> {
    pub capture: &'c Capture,
    pub analysis: &'c Analysis,
    pub skeleton: &'c Skeleton,
    pub redaction: Option<Redaction<'c>>,
    pub catalog: &'c Catalog,
    /// The numbered style (`step_numbers`).
    pub step_numbers: bool,
    /// The notes of `notes.md`, placed under their records.
    pub notes: &'c Placed,
}

impl<'c> Shown<'c> {
    /// Record `i` as it may be shown: read again, redacted.
    pub fn record(&self, i: usize) -> Option<Record<'c>> {
        let facts = self.analysis.scan.facts.get(i)?;
        let record = self.capture.record(facts.at)?;
        Some(match &self.redaction {
            Some(r) => r.redact(i, &record),
            None => record,
        })
    }

    /// Record `i` without its body, redacted: for labels, tables and
    /// messages, which never show a body.
    pub fn head(&self, i: usize) -> Option<Record<'c>> {
        let facts = self.analysis.scan.facts.get(i)?;
        let record = self.capture.head(facts.at)?;
        Some(match &self.redaction {
            Some(r) => r.redact(i, &record),
            None => record,
        })
    }

    /// Any text about the capture, redacted like its records.
    pub fn text<'t>(&self, s: &'t str) -> Cow<'t, str> {
        match &self.redaction {
            Some(r) => Cow::Owned(r.rules.text(s, r.hunter)),
            None => Cow::Borrowed(s),
        }
    }

    /// Text the site owner wrote about the capture (notes.md), with the
    /// capture's secrets hidden ([`crate::redact::Rules::owner_text`]).
    pub fn owner_text<'t>(&self, s: &'t str) -> Cow<'t, str> {
        match &self.redaction {
            Some(r) => r.rules.owner_text(s, r.hunter),
            None => Cow::Borrowed(s),
        }
    }

    pub fn names(&self) -> &'c Names {
        &self.analysis.scan.names
    }

    /// The diagram step of a record (`None` when not shown).
    pub fn number(&self, i: usize) -> Option<usize> {
        match self.skeleton.steps.get(i).copied() {
            Some(0) | None => None,
            Some(n) => Some(n as usize),
        }
    }

    /// The api-ref link of a record's operation, if it has one.
    pub fn api(&self, i: usize) -> Option<Link> {
        let op = *self.analysis.scan.ops.get(i)?;
        self.catalog.op(op).map(|o| Link {
            title: o.title.clone(),
            url: o.url.clone(),
            method: o.method.clone(),
            path: o.path.clone(),
        })
    }

    /// What the diagram says for record `i`: its method (or status) and the
    /// target of its call (the request's path, ids as `{variables}`, and
    /// the query parameters that carry a value, decoded), at most `width`
    /// characters ([`diagram::label`]).
    pub fn message(&self, i: usize, width: usize) -> String {
        let Some(record) = self.head(i) else {
            return String::new();
        };
        let request = self
            .analysis
            .graph
            .exchange_of(i)
            .and_then(|e| e.request)
            .filter(|&q| q as usize != i)
            .and_then(|q| self.head(q as usize));
        let source = request.as_ref().unwrap_or(&record);
        let vars = &self.analysis.variables;
        let path = vars.placeholder_path(source.path());
        let query = source.query().and_then(|q| vars.placeholder_query(q));
        let head = match &record.status {
            Some(s) => s.text.to_string(),
            None => record.method.to_string(),
        };
        diagram::label(&head, &path, query.as_deref(), width)
    }

    /// The page's head: diagram, parts, tables.
    pub fn page(&self, labels: &Labels, limits: &Limits, filters: &Filters) -> Page {
        let a = self.analysis;
        let facts = &a.scan.facts;
        let names = self.names();
        let drawn = self.skeleton.draw(limits, &|k| {
            self.skeleton.item(k, facts, names, labels, &|r| {
                self.message(r, limits.label_width)
            })
        });
        let parts = drawn
            .parts
            .into_iter()
            .enumerate()
            .map(|(k, diagram)| DiagramPart {
                file: format!("diagram-{}.md", k + 1),
                diagram,
            })
            .collect();
        let number = |i: usize| self.number(i);
        let person = |n: &Option<crate::analyze::tokens::Named>| {
            n.as_ref()
                .and_then(|n| n.name.clone().or_else(|| n.id.clone()))
        };
        let tokens = a
            .tokens
            .tokens
            .iter()
            .map(|t| TokenRow {
                name: t.name.clone(),
                issued_step: t.issued_in.and_then(number),
                issued_to: t.issued_to.map(|s| names.str(s).to_string()),
                methods: t.issue.methods.clone(),
                user: person(&t.issue.user),
                project: person(&t.issue.project).or_else(|| person(&t.issue.domain)),
                roles: t.issue.roles.clone(),
                expires_at: t.issue.expires_at.clone(),
                used_steps: dedup(t.used_in.iter().filter_map(|&r| number(r))),
                used_by: t
                    .used_by
                    .iter()
                    .map(|&s| names.str(s).to_string())
                    .collect(),
                validations: t
                    .validations
                    .iter()
                    .map(|v| (number(v.record), names.str(v.by).to_string()))
                    .collect(),
                preexisting: t.preexisting,
            })
            .collect();
        let mut variables: Vec<VariableRow> = a
            .variables
            .variables
            .iter()
            .map(|v| VariableRow {
                name: v.name.clone(),
                value: v.value.clone(),
                first_step: number(v.first_seen).or_else(|| number(v.named_in)),
            })
            .collect();
        // By first step (a variable no shown step has goes last); the
        // sort is stable, so ties keep the order they were named in.
        variables.sort_by_key(|v| v.first_step.unwrap_or(usize::MAX));
        let omitted = a
            .omitted
            .iter()
            .filter_map(|d| {
                let rule = filters.rule(d.rule)?;
                let mut seen = HashSet::new();
                let calls = d
                    .exchanges
                    .iter()
                    .filter_map(|&x| {
                        let e = &a.graph.exchanges[x];
                        let r = self.head(e.first())?;
                        Some(format!("{} -> {}: {} {}", r.from, r.to, r.method, r.path()))
                    })
                    .filter(|c| seen.insert(c.clone()))
                    .collect();
                Some(Omitted {
                    rule: filter::rule_json(rule),
                    count: d.exchanges.len(),
                    calls,
                })
            })
            .collect();
        let operations = (0..facts.len())
            .filter(|&i| a.first_of_op[i])
            .filter_map(|i| self.api(i))
            .collect();
        Page {
            capture: self.capture.name(),
            step_numbers: self.step_numbers,
            orphaned_notes: self.notes.orphans.clone(),
            labels: labels.clone(),
            diagram: drawn.whole,
            parts,
            left_out: drawn.left_out,
            tokens,
            variables,
            omitted,
            log_fence: "`".repeat((a.scan.backticks + 1).max(3)),
            lacks: self
                .capture
                .lacks()
                .iter()
                .map(|l| match l {
                    Lack::Callers => &labels.lacks_callers,
                    Lack::ServerHops => &labels.lacks_server_hops,
                    Lack::Bodies => &labels.lacks_bodies,
                    Lack::Headers => &labels.lacks_headers,
                })
                .filter(|t| !t.is_empty())
                .cloned()
                .collect(),
            omit: Omit {
                headers: self.capture.lacks().contains(&Lack::Headers),
                bodies: self.capture.lacks().contains(&Lack::Bodies),
            },
            records: facts.len(),
            operations,
        }
    }

    /// Record `i` as a page section, from the record as shown.
    pub fn step(&self, i: usize, record: &Record<'_>) -> Step {
        let mut headers = String::new();
        for (k, h) in record.headers.iter().enumerate() {
            if k > 0 {
                headers.push('\n');
            }
            headers.push_str(&h.name);
            if let Some(v) = &h.value {
                headers.push_str(": ");
                headers.push_str(v);
            }
        }
        let body = record.body.text.to_string();
        let header_lines = TextLines::from_text(headers);
        let body_lines = TextLines::from_text(body);
        let fence = |lines: &TextLines| -> Cow<'static, str> {
            match escape::fence_for_text(lines.as_str()) {
                f if f == "```" => Cow::Borrowed("```"),
                f => Cow::Owned(f),
            }
        };
        let path = record.path().to_string();
        let title = match &record.status {
            Some(s) => format!("{} {}", s.text, path),
            None => format!("{} {}", record.method, path),
        };
        let api = if record.is_request() {
            self.api(i)
        } else {
            None
        };
        let first_of_op = self.analysis.first_of_op.get(i).copied().unwrap_or(false);
        let tip = api.clone().filter(|_| first_of_op);
        let number = self.number(i);
        let numbered = self.step_numbers && number.is_some();
        let first_call = match (numbered, &api, first_of_op) {
            (true, Some(_), false) => self
                .analysis
                .scan
                .ops
                .get(i)
                .and_then(|op| self.analysis.first_call.get(op))
                .and_then(|&r| self.number(r)),
            _ => None,
        };
        let heading = match record.query() {
            Some(q) if !q.is_empty() => format!("{title}?{q}"),
            _ => title.clone(),
        };
        let (header_highlights, body_highlights) = if numbered {
            self.highlights(i, record)
        } else {
            (Vec::new(), Vec::new())
        };
        Step {
            index: i,
            line: record.at.line as usize,
            direction: record.direction,
            from: record.from.to_string(),
            to: record.to.to_string(),
            method: record.method.to_string(),
            url: record.url.to_string(),
            path,
            status: record.status.as_ref().map(|s| Status {
                code: s.code,
                text: s.text.to_string(),
            }),
            title,
            heading,
            anchor: numbered
                .then(|| number.map(|n| format!("step-{n}")))
                .flatten(),
            tip,
            first_call,
            api,
            header_fence: fence(&header_lines),
            body_fence: fence(&body_lines),
            header_lines,
            body_lines,
            body_kind: Cow::Borrowed(""),
            header_highlights,
            body_highlights,
            number,
            notes: self.notes.of(i).to_vec(),
            omitted: self.analysis.is_dropped(i),
        }
    }

    /// The lines of record `i` (as shown) to highlight, 1-based, header
    /// lines and body lines: every token header, and the first line that
    /// holds each value this record is the first to mention. Redaction
    /// never changes the number of lines, and a variable never holds a
    /// value it hides, so the lines are found in the text as shown.
    fn highlights(&self, i: usize, record: &Record<'_>) -> (Vec<usize>, Vec<usize>) {
        let mut header: Vec<usize> = record
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| crate::openstack::TOKEN_HEADERS.iter().any(|t| h.is(t)))
            .map(|(k, _)| k + 1)
            .collect();
        let mut body = Vec::new();
        for v in self.analysis.variables.first_seen_in(i) {
            let value = v.value.as_str();
            let in_header = record
                .headers
                .iter()
                .position(|h| h.value.as_deref().is_some_and(|x| x.contains(value)));
            match in_header {
                Some(k) => header.push(k + 1),
                None => {
                    if let Some(k) = record.body.lines().position(|l| l.contains(value)) {
                        body.push(k + 1);
                    }
                }
            }
        }
        header.sort_unstable();
        header.dedup();
        body.sort_unstable();
        body.dedup();
        (header, body)
    }
}

/// The distinct values, in order of first appearance.
fn dedup(it: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut seen = HashSet::new();
    it.filter(|x| seen.insert(*x)).collect()
}
