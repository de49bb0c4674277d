//! What the records mean together: pairs and nesting (from [`crate::graph`]),
//! tokens, variables, filters, and the commands a long log holds.
//!
//! The first pass feeds every record to a [`Scan`] (on every core, a piece
//! at a time; see `driver`); [`Analysis::new`] then runs the whole-capture
//! steps over the scan's facts, in order: pairing and nesting, tokens,
//! variables (with one more sweep for where each value is first
//! mentioned), filters and the api-ref tips.

pub mod filter;
pub mod scan;
pub mod split;
pub mod tokens;
pub mod variables;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::graph::{self, Finding, Graph};
use crate::input::{Capture, Piece};
use crate::openstack::apiref::Catalog;
use filter::Dropped;
pub use scan::{Context, Scan, NO_OP};
use tokens::Tokens;
use variables::{Mentions, Variables};

/// Everything known about a capture before its pages are written.
#[derive(Debug)]
pub struct Analysis {
    pub scan: Scan,
    pub graph: Graph,
    pub findings: Vec<Finding>,
    pub tokens: Tokens,
    pub variables: Variables,
    /// Where each variable's value is first mentioned.
    pub mentions: Mentions,
    /// For each record, whether a filter dropped it.
    pub dropped: Vec<bool>,
    /// What each filter rule dropped.
    pub omitted: Vec<Dropped>,
    /// For each record, whether it is the first shown call of its api-ref
    /// operation (the one that gets the tip).
    pub first_of_op: Vec<bool>,
    /// For each api-ref operation called, the record of its first shown
    /// call (operations told apart by title and link, as for the tip).
    pub first_call: FxHashMap<u32, usize>,
}

impl Analysis {
    /// Runs the whole-capture steps over a capture's scan. `capture` and
    /// `pieces` are read again for first mentions; `is_secret` says which
    /// values redaction hides: they never become variables.
    pub fn new(
        scan: Scan,
        capture: &Capture,
        pieces: &[Piece],
        catalog: &Catalog,
        is_secret: &(dyn Fn(&str) -> bool + Sync),
    ) -> Analysis {
        let (graph, findings) = graph::build(&scan.facts);
        let tokens = tokens::collect(&scan.facts, |i| {
            scan.issues.get(&i).cloned().unwrap_or_default()
        });
        let mut variables = Variables::default();
        for c in &scan.candidates {
            let value = scan.words.str(c.value);
            if !is_secret(value) {
                variables.name(scan.words.str(c.name), value, c.record as usize);
            }
        }
        let mentions = mentions(capture, pieces, &scan, &variables);
        variables.set_first_seen(&mentions);
        let matched: FxHashMap<usize, usize> = scan
            .matched
            .iter()
            .map(|&(r, k)| (r as usize, k as usize))
            .collect();
        let (dropped, omitted) =
            filter::apply(&graph, scan.facts.len(), |q| matched.get(&q).copied());
        // The tip goes on the first shown call of each operation (told
        // apart by its title and link, as the page shows them).
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        let mut first_call: FxHashMap<u32, usize> = FxHashMap::default();
        let first_of_op = scan
            .ops
            .iter()
            .enumerate()
            .map(|(i, &op)| {
                if op == NO_OP || dropped[i] {
                    return false;
                }
                let Some(o) = catalog.op(op) else {
                    return false;
                };
                let mut first = false;
                let at = *seen
                    .entry((o.title.as_str(), o.url.as_str()))
                    .or_insert_with(|| {
                        first = true;
                        i
                    });
                first_call.entry(op).or_insert(at);
                first
            })
            .collect();
        Analysis {
            scan,
            graph,
            findings,
            tokens,
            variables,
            mentions,
            dropped,
            omitted,
            first_of_op,
            first_call,
        }
    }

    pub fn records(&self) -> usize {
        self.scan.facts.len()
    }

    pub fn is_dropped(&self, record: usize) -> bool {
        self.dropped.get(record).copied().unwrap_or(false)
    }
}

/// First mentions of every variable's value, found on every core: each
/// piece up to the last naming record is searched, earlier pieces win.
fn mentions(capture: &Capture, pieces: &[Piece], scan: &Scan, variables: &Variables) -> Mentions {
    let values: HashSet<&str> = variables
        .variables
        .iter()
        .map(|v| v.value.as_str())
        .collect();
    let Some(last) = variables.variables.iter().map(|v| v.named_in).max() else {
        return Mentions::default();
    };
    let limit = scan.facts[last].at.pos as usize;
    // The record index each piece starts at.
    let mut first_record = Vec::with_capacity(pieces.len());
    let mut k = 0;
    for p in pieces {
        while k < scan.facts.len() && (scan.facts[k].at.pos as usize) < p.range.start {
            k += 1;
        }
        first_record.push(k);
    }
    let found: Vec<Mentions> = pieces
        .par_iter()
        .zip(first_record)
        .filter(|(p, _)| p.range.start <= limit)
        .map(|(p, base)| {
            let mut buf = capture.buffer();
            let Ok(records) = capture.read(p, &mut buf) else {
                return Mentions::default();
            };
            variables::mentions(&values, records.enumerate().map(|(i, r)| (base + i, r)))
        })
        .collect();
    let mut all = Mentions::default();
    for m in found {
        all.merge(m);
    }
    all
}
