//! The whole-capture stages, run over a capture's facts: the first pass
//! (on every core), then pairing and nesting, tokens, variables, filters
//! and the diagram's skeleton, in that order.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::error::Result;
use crate::next::diagram::{self, Limits, Skeleton};
use crate::next::filter::{self, Dropped};
use crate::next::graph::{self, Finding, Graph};
use crate::next::scan::{Context, Scan, NO_OP};
use crate::next::tokens::{self, Tokens};
use crate::next::variables::{self, Mentions, Variables};
use crate::next::{Piece, Requestshook, PIECE_BYTES};

/// Everything known about a capture before its pages are written.
#[derive(Debug)]
pub struct Analysis {
    pub pieces: Vec<Piece>,
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
    pub diagram: Skeleton,
    /// For each record, whether it is the first shown call of its api-ref
    /// operation (the one that gets the tip).
    pub first_of_op: Vec<bool>,
}

impl Analysis {
    /// The diagram step of a record (0 = not shown).
    pub fn step(&self, record: usize) -> u32 {
        self.diagram.steps.get(record).copied().unwrap_or(0)
    }
}

/// Reads a capture once and analyses it. `is_secret` says which values
/// redaction hides (they never become variables).
pub fn analyze(
    capture: &Requestshook,
    ctx: Context,
    limits: Limits,
    is_secret: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Analysis> {
    let pieces = capture.pieces(PIECE_BYTES);
    // A window of pieces at a time, joined in order as they come back, so
    // only a few pieces' scans exist besides the joined one.
    let window = 2 * rayon::current_num_threads().max(1);
    let mut scan = Scan::default();
    for batch in pieces.chunks(window) {
        let scans: Vec<Result<Scan>> = batch
            .par_iter()
            .map(|piece| {
                let mut scan = Scan::default();
                let mut parser = capture.parse(piece)?;
                for record in parser.by_ref() {
                    scan.add(&record, ctx);
                }
                scan.diagnostics.extend(parser.take_diagnostics());
                capture.release(piece.range.clone());
                Ok(scan)
            })
            .collect();
        for s in scans {
            scan.append(s?);
        }
    }
    scan.shrink();
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
    let mentions = mentions(capture, &pieces, &scan, &variables);
    variables.set_first_seen(&mentions);
    let matched: HashMap<usize, usize> = scan
        .matched
        .iter()
        .map(|&(r, k)| (r as usize, k as usize))
        .collect();
    let (dropped, omitted) = filter::apply(&graph, scan.facts.len(), |q| matched.get(&q).copied());
    let skeleton = diagram::build(&diagram::Input {
        facts: &scan.facts,
        names: &scan.names,
        graph: &graph,
        dropped: &dropped,
        limits,
    });
    let mut seen_ops: HashSet<u32> = HashSet::new();
    let first_of_op = scan
        .ops
        .iter()
        .enumerate()
        .map(|(i, &op)| op != NO_OP && !dropped[i] && seen_ops.insert(op))
        .collect();
    Ok(Analysis {
        pieces,
        scan,
        graph,
        findings,
        tokens,
        variables,
        mentions,
        dropped,
        omitted,
        diagram: skeleton,
        first_of_op,
    })
}

/// First mentions of every variable's value, found on every core: each
/// piece up to the last naming record is searched, earlier pieces win.
fn mentions(
    capture: &Requestshook,
    pieces: &[Piece],
    scan: &Scan,
    variables: &Variables,
) -> Mentions {
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
            let Ok(parser) = capture.parse(p) else {
                return Mentions::default();
            };
            let m = variables::mentions(&values, parser.enumerate().map(|(i, r)| (base + i, r)));
            capture.release(p.range.clone());
            m
        })
        .collect();
    let mut all = Mentions::default();
    for m in found {
        all.merge(m);
    }
    all
}
