//! The call graph as data: JSON for tools, Graphviz DOT for pictures.
//!
//! `tracedoc graph INPUT --format json` prints a [`GraphDoc`]: every record,
//! every exchange with its parent and children, the tokens and the
//! variables, with the same step numbers as the diagram. The graph gives
//! only the structure (ids, parents, children, depth); every text (URLs,
//! paths, names) comes from the page's steps, which were built from the
//! shown (redacted) records, so nothing here can print a secret that the
//! page does not. Token values are never included.

use serde::Serialize;

use crate::model::Direction;
use crate::view::page::{Link, Page, Status, TokenRow, VariableRow};
use crate::view::shown::Shown;

/// Totals, to check a graph against its input at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub records: usize,
    pub requests: usize,
    pub responses: usize,
    pub exchanges: usize,
    /// Exchanges with both a request and a response.
    pub paired: usize,
    /// Requests that never got a response.
    pub unanswered: usize,
    /// Responses with no request.
    pub unrequested: usize,
    pub roots: usize,
    /// Records dropped by filters.
    pub omitted: usize,
    pub tokens: usize,
    pub variables: usize,
}

/// One record, without headers and body.
#[derive(Debug, Clone, Serialize)]
pub struct RecordDoc {
    pub index: usize,
    pub line: usize,
    pub direction: Direction,
    pub from: String,
    pub to: String,
    pub method: String,
    pub url: String,
    pub status: Option<Status>,
    /// The exchange it belongs to.
    pub exchange: usize,
    /// Its diagram step, if shown.
    pub step: Option<usize>,
}

/// One exchange (call).
#[derive(Debug, Clone, Serialize)]
pub struct ExchangeDoc {
    pub id: usize,
    pub from: String,
    pub to: String,
    pub method: String,
    pub path: String,
    pub status: Option<String>,
    /// Record indexes of request and response.
    pub request: Option<usize>,
    pub response: Option<usize>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub depth: usize,
    /// Diagram steps of the request and the response.
    pub steps: (Option<usize>, Option<usize>),
    /// The API operation, when the catalog knows it.
    pub api: Option<Link>,
    pub omitted: bool,
}

/// The whole call graph of a capture.
#[derive(Debug, Clone, Serialize)]
pub struct GraphDoc {
    pub capture: String,
    pub counts: Counts,
    pub records: Vec<RecordDoc>,
    pub exchanges: Vec<ExchangeDoc>,
    pub roots: Vec<usize>,
    pub tokens: Vec<TokenRow>,
    pub variables: Vec<VariableRow>,
}

impl GraphDoc {
    /// Assembles the document from a capture as shown (every text is read
    /// again from the shown, redacted records) and its page.
    pub fn new(shown: &Shown, page: &Page) -> GraphDoc {
        let a = shown.analysis;
        let graph = &a.graph;
        let number = |i: Option<u32>| i.and_then(|i| shown.number(i as usize));
        let records: Vec<RecordDoc> = (0..a.records())
            .filter_map(|i| {
                let r = shown.record(i)?;
                Some(RecordDoc {
                    index: i,
                    line: r.at.line as usize,
                    direction: r.direction,
                    from: r.from.to_string(),
                    to: r.to.to_string(),
                    method: r.method.to_string(),
                    url: r.url.to_string(),
                    status: r.status.as_ref().map(|s| Status {
                        code: s.code,
                        text: s.text.to_string(),
                    }),
                    exchange: graph.by_record.get(i).map_or(usize::MAX, |&e| e as usize),
                    step: shown.number(i),
                })
            })
            .collect();
        let exchanges: Vec<ExchangeDoc> = graph
            .exchanges
            .iter()
            .enumerate()
            .map(|(id, e)| {
                // The shown record of the call: its request, else its response.
                let first = &records[e.first()];
                ExchangeDoc {
                    id,
                    from: first.from.clone(),
                    to: first.to.clone(),
                    method: first.method.clone(),
                    path: crate::model::url_path(&first.url).to_string(),
                    status: e
                        .response
                        .and_then(|r| records[r as usize].status.as_ref())
                        .map(|s| s.text.clone()),
                    request: e.request.map(|q| q as usize),
                    response: e.response.map(|r| r as usize),
                    parent: e.parent.map(|p| p as usize),
                    children: e.children.iter().map(|&c| c as usize).collect(),
                    depth: e.depth as usize,
                    steps: (number(e.request), number(e.response)),
                    api: e.request.and_then(|q| shown.api(q as usize)),
                    omitted: a.is_dropped(e.first()),
                }
            })
            .collect();
        let counts = Counts {
            records: records.len(),
            requests: records
                .iter()
                .filter(|r| r.direction == Direction::Request)
                .count(),
            responses: records
                .iter()
                .filter(|r| r.direction == Direction::Response)
                .count(),
            exchanges: exchanges.len(),
            paired: graph.exchanges.iter().filter(|e| !e.is_unpaired()).count(),
            unanswered: graph
                .exchanges
                .iter()
                .filter(|e| e.response.is_none())
                .count(),
            unrequested: graph
                .exchanges
                .iter()
                .filter(|e| e.request.is_none())
                .count(),
            roots: graph.roots.len(),
            omitted: a.dropped.iter().filter(|&&d| d).count(),
            tokens: page.tokens.len(),
            variables: page.variables.len(),
        };
        GraphDoc {
            capture: page.capture.clone(),
            counts,
            records,
            exchanges,
            roots: graph.roots.iter().map(|&r| r as usize).collect(),
            tokens: page.tokens.clone(),
            variables: page.variables.clone(),
        }
    }

    /// Graphviz DOT: one node per exchange, edges from each call to the calls
    /// made while serving it, roots under a node for the capture.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph trace {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
        );
        out.push_str(&format!(
            "  capture [shape=ellipse, label=\"{}\"];\n",
            dot_escape(&self.capture)
        ));
        let vars: std::collections::HashMap<&str, &str> = self
            .variables
            .iter()
            .map(|v| (v.value.as_str(), v.name.as_str()))
            .collect();
        for e in &self.exchanges {
            let step = e
                .steps
                .0
                .or(e.steps.1)
                .map(|n| format!("{n}. "))
                .unwrap_or_default();
            let status = e.status.as_deref().unwrap_or("(no response)");
            let label = format!(
                "{step}{} -> {}\\n{} {}\\n{}",
                e.from,
                e.to,
                e.method,
                placeholders(&e.path, &vars),
                status
            );
            let style = if e.omitted { ", style=dashed" } else { "" };
            out.push_str(&format!(
                "  e{} [label=\"{}\"{style}];\n",
                e.id,
                dot_escape_keep_newlines(&label)
            ));
        }
        for &r in &self.roots {
            out.push_str(&format!("  capture -> e{r};\n"));
        }
        for e in &self.exchanges {
            for c in &e.children {
                out.push_str(&format!("  e{} -> e{c};\n", e.id));
            }
        }
        out.push_str("}\n");
        out
    }
}

/// A path with every segment that is a variable's value written as the
/// variable (`/v2/images/{image_id}/file`), as the diagram writes it.
fn placeholders(path: &str, vars: &std::collections::HashMap<&str, &str>) -> String {
    path.split('/')
        .map(|seg| match vars.get(seg) {
            Some(name) => format!("{{{name}}}"),
            None => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn dot_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            '\n' | '\r' => vec![' '],
            c if c.is_control() => vec![],
            c => vec![c],
        })
        .collect()
}

/// Like [`dot_escape`], but keeps the `\n` line breaks written as two characters.
fn dot_escape_keep_newlines(s: &str) -> String {
    s.split("\\n")
        .map(dot_escape)
        .collect::<Vec<_>>()
        .join("\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_strings_cannot_break_out() {
        assert_eq!(dot_escape("a\"b\\c\nd"), "a\\\"b\\\\c d");
        assert_eq!(dot_escape_keep_newlines("x\\ny\""), "x\\ny\\\"");
    }
}
