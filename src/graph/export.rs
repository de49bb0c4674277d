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

use crate::graph::Graph;
use crate::model::{Direction, Page, Status, TokenRow, VariableRow};

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
    pub api: Option<crate::model::Link>,
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
    /// Assembles the document from the graph and the page built over it.
    pub fn new(graph: &Graph, page: &Page) -> GraphDoc {
        let step = |i: Option<usize>| i.and_then(|i| page.steps.get(i)).and_then(|s| s.number);
        let records: Vec<RecordDoc> = page
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| RecordDoc {
                index: s.index,
                line: s.line,
                direction: s.direction,
                from: s.from.clone(),
                to: s.to.clone(),
                method: s.method.clone(),
                url: s.url.clone(),
                status: s.status.clone(),
                exchange: graph.by_record.get(i).copied().unwrap_or(usize::MAX),
                step: s.number,
            })
            .collect();
        let exchanges: Vec<ExchangeDoc> = graph
            .exchanges
            .iter()
            .map(|e| {
                // The shown record of the call: its request, else its response.
                let shown = e.request.or(e.response).and_then(|r| page.steps.get(r));
                let text = |f: fn(&crate::model::Step) -> &String| {
                    shown.map(|s| f(s).clone()).unwrap_or_default()
                };
                ExchangeDoc {
                    id: e.id,
                    from: text(|s| &s.from),
                    to: text(|s| &s.to),
                    method: text(|s| &s.method),
                    path: text(|s| &s.path),
                    status: e
                        .response
                        .and_then(|r| page.steps.get(r))
                        .and_then(|s| s.status.as_ref())
                        .map(|s| s.text.clone()),
                    request: e.request,
                    response: e.response,
                    parent: e.parent,
                    children: e.children.clone(),
                    depth: e.depth,
                    steps: (step(e.request), step(e.response)),
                    api: e
                        .request
                        .and_then(|r| page.steps.get(r))
                        .and_then(|s| s.api.clone()),
                    omitted: shown.is_some_and(|s| s.omitted),
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
            omitted: page.steps.iter().filter(|s| s.omitted).count(),
            tokens: page.tokens.len(),
            variables: page.variables.len(),
        };
        GraphDoc {
            capture: page.capture.clone(),
            counts,
            records,
            exchanges,
            roots: graph.roots.clone(),
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
                e.from, e.to, e.method, e.path, status
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
