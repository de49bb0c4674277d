//! The sequence diagram a person would have drawn, built from the call graph.
//!
//! One message per record, in log order (server-side event order, as
//! requestshook wrote its own diagram lines), with:
//! - `{variable}` placeholders for generated ids, and only the query
//!   parameters that carry a value (`?name=demo`; bare flags such as
//!   `?nocatalog` are left out); a response repeats its request's path;
//! - `opt <service> obtains a token` ... `end` around the calls by which a
//!   service gets its own token while serving a request (a version discovery
//!   `GET` on the identity endpoint, when it comes right before, plus the
//!   `POST .../auth/tokens`);
//! - `loop N times` around exact repeats of a call (same text, same
//!   response, same nested calls, back to back), from `fold_repeats` on;
//! - a note on requests that never got a response and responses with no
//!   request;
//! - participants declared in order of first appearance, aliased where the
//!   name could break mermaid (or is longer than a label may be).
//!
//! Texts and labels stay as captured; `diagram.md` escapes and shortens
//! them where it prints them (`escape::mermaid_label`).
//!
//! A diagram over the configured size is also cut into parts at root-call
//! boundaries; each part declares its participants and restarts
//! `autonumber` at its first step, so the numbers match the whole.

use std::collections::{HashMap, HashSet};

use crate::config::{Config, DiagramLimits};
use crate::correlate::variables::Variables;
use crate::graph::{Exchange, Graph};
use crate::model::{Diagram, DiagramItem, LeftOut, Participant, Record};
use crate::render::escape::{self, MERMAID_LABEL_MAX};

/// Mermaid words that cannot be participant ids.
const KEYWORDS: &[&str] = &[
    "participant",
    "actor",
    "as",
    "end",
    "loop",
    "alt",
    "else",
    "opt",
    "par",
    "and",
    "rect",
    "critical",
    "break",
    "note",
    "over",
    "left",
    "right",
    "of",
    "activate",
    "deactivate",
    "autonumber",
    "title",
    "box",
    "create",
    "destroy",
    "link",
    "links",
    "properties",
    "details",
    "sequencediagram",
];

/// Whether a name can be used as a mermaid participant id as it is.
fn safe_id(name: &str) -> bool {
    let mut parts = name.split('-');
    let first_ok = parts.next().is_some_and(|p| {
        p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    first_ok
        && parts.all(|p| {
            !p.is_empty()
                && !p.starts_with(['x', 'X'])
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        && !KEYWORDS.contains(&name.to_ascii_lowercase().as_str())
}

/// What the diagram builder needs to know about the capture.
pub struct Input<'a> {
    /// Records as they will be shown (after redaction).
    pub records: &'a [Record],
    pub graph: &'a Graph,
    pub variables: &'a Variables,
    /// Records dropped by filters.
    pub dropped: &'a [bool],
    pub config: &'a Config,
}

/// The diagram, its parts and the step number of every record.
pub struct Output {
    pub whole: Diagram,
    /// Empty when the whole diagram is within the limits; at most
    /// `max_parts` of them.
    pub parts: Vec<Diagram>,
    /// The steps no part shows, when more than `max_parts` were needed.
    pub left_out: Option<LeftOut>,
    /// For each record, the `autonumber` step that shows it (folded repeats
    /// point at the step of the instance shown).
    pub steps: Vec<Option<usize>>,
}

struct Block {
    start: usize,
    end: usize,
    keyword: &'static str,
    text: String,
}

fn is_identity(config: &Config, e: &Exchange) -> bool {
    config.service_type(&e.to) == Some("identity") || e.path.contains("/auth/tokens")
}

fn is_token_post(config: &Config, e: &Exchange) -> bool {
    e.method.eq_ignore_ascii_case("POST")
        && is_identity(config, e)
        && e.path.trim_end_matches('/').ends_with("/auth/tokens")
}

/// `GET` on the identity endpoint root or a version root (`/identity/`, `/v3`).
fn is_discovery(config: &Config, e: &Exchange) -> bool {
    if !e.method.eq_ignore_ascii_case("GET") || config.service_type(&e.to) != Some("identity") {
        return false;
    }
    let segs: Vec<&str> = e.path.split('/').filter(|s| !s.is_empty()).collect();
    let version = |s: &str| {
        s.strip_prefix('v')
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    };
    match segs.as_slice() {
        [] => true,
        [a] => version(a) || *a == "identity",
        [a, b] => *a == "identity" && version(b),
        _ => false,
    }
}

fn message_text(records: &[Record], vars: &Variables, e: &Exchange, record: &Record) -> String {
    let source = e.request.and_then(|q| records.get(q)).unwrap_or(record);
    let mut target = vars.placeholder_path(source.path());
    if let Some(q) = source.query().and_then(|q| vars.placeholder_query(q)) {
        target.push('?');
        target.push_str(&q);
    }
    match &record.status {
        Some(s) => format!("{} {}", s.text, target),
        None => format!("{} {}", record.method, target),
    }
}

/// Builds the diagram of a capture.
pub fn build(input: &Input) -> Output {
    let Input {
        records,
        graph,
        variables,
        dropped,
        config,
    } = input;
    let limits = config.diagram;
    let visible = |e: usize| {
        !graph.exchanges[e]
            .request
            .or(graph.exchanges[e].response)
            .is_some_and(|r| dropped.get(r).copied().unwrap_or(false))
    };

    // Participants, in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut known: HashSet<&str> = HashSet::new();
    for (i, r) in records.iter().enumerate() {
        if dropped.get(i).copied().unwrap_or(false) {
            continue;
        }
        for name in [&r.from, &r.to] {
            if known.insert(name.as_str()) {
                order.push(name.clone());
            }
        }
    }
    let mut used_ids: HashSet<String> = HashSet::new();
    let participants: Vec<Participant> = order
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let mut id = if safe_id(name) && !used_ids.contains(name) {
                name.clone()
            } else {
                format!("p{}", k + 1)
            };
            while used_ids.contains(&id) {
                id.push('_');
            }
            used_ids.insert(id.clone());
            Participant {
                label: name.clone(),
                declare: true,
                id,
            }
        })
        .collect();
    let id_of: HashMap<&str, &str> = order
        .iter()
        .map(String::as_str)
        .zip(participants.iter().map(|p| p.id.as_str()))
        .collect();
    let label_of: HashMap<&str, &str> = order
        .iter()
        .map(String::as_str)
        .zip(participants.iter().map(|p| p.label.as_str()))
        .collect();

    // Record spans of exchanges with everything nested under them, and
    // the root above each exchange: one pass each, asked many times below.
    let spans = graph.spans();
    let span = |e: usize| -> (usize, usize) { spans.get(e).copied().unwrap_or((0, 0)) };
    let root_of = graph.roots_of_all();
    // Records not dropped: how many come before each record, and how many
    // each exchange holds with everything below it.
    let is_dropped = |r: usize| dropped.get(r).copied().unwrap_or(false);
    let mut kept_before: Vec<usize> = Vec::with_capacity(records.len() + 1);
    kept_before.push(0);
    for r in 0..records.len() {
        kept_before.push(kept_before[r] + usize::from(!is_dropped(r)));
    }
    let mut kept_below: Vec<usize> = graph
        .exchanges
        .iter()
        .map(|e| {
            [e.request, e.response]
                .into_iter()
                .flatten()
                .filter(|&r| !is_dropped(r))
                .count()
        })
        .collect();
    for e in graph.pre_order().into_iter().rev() {
        let below: usize = graph.exchanges[e]
            .children
            .iter()
            .filter_map(|&c| kept_below.get(c))
            .sum();
        kept_below[e] += below;
    }
    // Whether the records in [lo, hi] all belong to the given exchanges (or
    // below them), or are dropped. When every member lies inside [lo, hi]
    // that is a count; otherwise the records are checked one by one.
    let contiguous = |lo: usize, hi: usize, members: &[usize]| -> bool {
        if lo > hi {
            return true;
        }
        if hi >= records.len() {
            return false;
        }
        if members.iter().all(|&m| {
            let (a, b) = span(m);
            lo <= a && b <= hi
        }) {
            let kept = kept_before[hi + 1] - kept_before[lo];
            let covered: usize = members.iter().filter_map(|&m| kept_below.get(m)).sum();
            return kept == covered;
        }
        let set: HashSet<usize> = members.iter().flat_map(|&m| graph.subtree(m)).collect();
        (lo..=hi).all(|r| is_dropped(r) || graph.by_record.get(r).is_some_and(|x| set.contains(x)))
    };

    let mut blocks: Vec<Block> = Vec::new();
    let mut in_token_block: HashSet<usize> = HashSet::new();
    // Token blocks: children of a served request.
    for parent in &graph.exchanges {
        let kids: Vec<usize> = parent
            .children
            .iter()
            .copied()
            .filter(|&c| visible(c))
            .collect();
        for (k, &c) in kids.iter().enumerate() {
            if !is_token_post(config, &graph.exchanges[c]) {
                continue;
            }
            let mut members = vec![c];
            if k > 0
                && is_discovery(config, &graph.exchanges[kids[k - 1]])
                && !in_token_block.contains(&kids[k - 1])
            {
                members.insert(0, kids[k - 1]);
            }
            let lo = span(members[0]).0;
            let hi = span(c).1;
            if !contiguous(lo, hi, &members) {
                continue;
            }
            in_token_block.extend(members.iter().copied());
            let who = label_of
                .get(graph.exchanges[c].from.as_str())
                .copied()
                .unwrap_or("");
            blocks.push(Block {
                start: lo,
                end: hi,
                keyword: "opt",
                text: config.labels.obtains_token.replace("{service}", who),
            });
        }
    }

    // Loops: exact repeats among siblings.
    // Record remapping for folded repeats: hidden record -> shown record.
    let mut shown_as: Vec<Option<usize>> = vec![None; records.len()];
    let mut any_folded = false;
    // The message text of every record, made once: folding compares them
    // and every message shows one.
    let texts: Vec<String> = records
        .iter()
        .enumerate()
        .map(
            |(i, r)| match graph.by_record.get(i).and_then(|&e| graph.exchanges.get(e)) {
                Some(ex) => message_text(records, variables, ex, r),
                None => String::new(),
            },
        )
        .collect();
    if limits.fold_repeats >= 2 {
        let signature = signatures(&texts, graph);
        let lists =
            std::iter::once(&graph.roots).chain(graph.exchanges.iter().map(|e| &e.children));
        for siblings in lists {
            let sibs: Vec<usize> = siblings
                .iter()
                .copied()
                .filter(|&s| visible(s) && !in_token_block.contains(&s))
                .collect();
            let mut k = 0;
            while k < sibs.len() {
                let sig = signature[sibs[k]];
                let mut run_len = 1;
                while let Some(&next) = sibs.get(k + run_len) {
                    let prev_end = span(sibs[k + run_len - 1]).1;
                    if span(next).0 != prev_end + 1 || signature[next] != sig {
                        break;
                    }
                    run_len += 1;
                }
                let run = &sibs[k..k + run_len];
                if run.len() >= limits.fold_repeats
                    && graph.exchanges[run[0]].request.is_some()
                    && graph.exchanges[run[0]].response.is_some()
                {
                    let (lo, hi) = span(run[0]);
                    if contiguous(lo, hi, &run[..1]) {
                        blocks.push(Block {
                            start: lo,
                            end: hi,
                            keyword: "loop",
                            text: format!("{} times", run.len()),
                        });
                        // Each repeat's records map, by offset, onto the first one's.
                        for &rep in &run[1..] {
                            let (a, b) = span(rep);
                            for (offset, r) in (a..=b).enumerate() {
                                if lo + offset <= hi {
                                    if let Some(slot) = shown_as.get_mut(r) {
                                        *slot = Some(lo + offset);
                                        any_folded = true;
                                    }
                                }
                            }
                        }
                    }
                }
                k += run.len();
            }
        }
    }

    // Emit in record order.
    blocks.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    // About one line per record: reserved once instead of doubling.
    let mut items: Vec<DiagramItem> = Vec::with_capacity(records.len() + blocks.len() * 2);
    let mut steps: Vec<Option<usize>> = vec![None; records.len()];
    let mut open: Vec<usize> = Vec::new(); // block end positions
    let mut next_block = 0;
    let mut step = 0;
    let mut root_of_item: Vec<Option<usize>> = Vec::with_capacity(items.capacity());
    let blank = |kind: &'static str, depth: usize| DiagramItem {
        kind: kind.into(),
        depth,
        keyword: String::new(),
        from: String::new(),
        to: String::new(),
        arrow: String::new(),
        text: String::new(),
        step: None,
    };
    for (i, r) in records.iter().enumerate() {
        if dropped.get(i).copied().unwrap_or(false) || shown_as[i].is_some() {
            continue;
        }
        let Some(&e) = graph.by_record.get(i) else {
            continue;
        };
        let root = root_of.get(e).copied().unwrap_or(e);
        while let Some(b) = blocks.get(next_block).filter(|b| b.start <= i) {
            let mut item = blank("open", open.len());
            item.keyword = b.keyword.into();
            item.text = b.text.clone();
            items.push(item);
            root_of_item.push(Some(root));
            open.push(b.end);
            next_block += 1;
        }
        let ex = &graph.exchanges[e];
        let (from, to, arrow) = if r.is_request() {
            (&r.from, &r.to, "->>")
        } else {
            (&r.to, &r.from, "-->>")
        };
        step += 1;
        steps[i] = Some(step);
        items.push(DiagramItem {
            kind: "message".into(),
            depth: open.len(),
            keyword: String::new(),
            from: id_of
                .get(from.as_str())
                .copied()
                .unwrap_or("unknown")
                .to_string(),
            to: id_of
                .get(to.as_str())
                .copied()
                .unwrap_or("unknown")
                .to_string(),
            arrow: arrow.into(),
            text: texts[i].clone(),
            step: Some(step),
        });
        root_of_item.push(Some(root));
        let note = match (ex.request, ex.response) {
            (Some(_), None) => Some(("over", &r.to, "no response captured")),
            (None, Some(_)) => Some(("over", &r.from, "no request captured")),
            _ => None,
        };
        if let Some((_, who, text)) = note {
            let mut item = blank("note", open.len());
            item.from = id_of
                .get(who.as_str())
                .copied()
                .unwrap_or("unknown")
                .to_string();
            item.text = text.into();
            items.push(item);
            root_of_item.push(Some(root));
        }
        while open.last().is_some_and(|&end| end <= i) {
            open.pop();
            items.push(blank("close", open.len()));
            root_of_item.push(Some(root));
        }
    }
    while open.pop().is_some() {
        items.push(blank("close", open.len()));
        root_of_item.push(None);
    }
    if any_folded {
        for (r, s) in shown_as.iter().enumerate() {
            if let Some(s) = *s {
                steps[r] = steps[s];
            }
        }
    }

    let whole = Diagram {
        participants: participants.clone(),
        items,
        start: None,
    };
    let (parts, left_out) = split(&whole, &root_of_item, &limits);
    Output {
        whole,
        parts,
        left_out,
        steps,
    }
}

/// What a diagram line costs besides its words: `: ` or ` as `, the line
/// end, and the four spaces index.md's include puts in front of it.
const LINE_OVERHEAD: usize = 10;

/// Room kept for what index.md wraps a part in (`sequenceDiagram`,
/// `autonumber`, `autonumber N`).
const WRAPPER: usize = 64;

/// The most bytes a part may take: mermaid draws nothing over
/// `maxTextSize`, whatever `max_chars` says.
pub const MAX_PART_CHARS: usize = escape::MERMAID_MAX_TEXT - WRAPPER;

/// A note's text comes from the labels (configurable), so count the most
/// a label can print.
const NOTE_TEXT_MAX: usize = MERMAID_LABEL_MAX * escape::MERMAID_CHAR_MAX_BYTES;

/// Bytes one item takes in diagram.md as index.md includes it: an upper
/// bound, as mermaid counts UTF-16 units and every one is at least a byte.
/// For every exchange, a number that is the same for two exchanges exactly
/// when their message texts, caller and callee, and nested calls (in order,
/// recursively) are the same: what makes a call an exact repeat of another.
///
/// Each exchange is numbered from its own texts and its children's numbers,
/// children first, so the work and memory stay linear however deep calls
/// nest (whole signature strings repeated every descendant's text at every
/// level above it).
///
/// `texts` holds the message text of every record.
fn signatures(texts: &[String], graph: &Graph) -> Vec<usize> {
    #[derive(PartialEq, Eq, Hash)]
    struct Key<'g> {
        texts: [Option<&'g str>; 2],
        from: &'g str,
        to: &'g str,
        children: Vec<usize>,
    }
    let mut keys: HashMap<Key, usize> = HashMap::new();
    let mut signature = vec![usize::MAX; graph.exchanges.len()];
    for e in graph.pre_order().into_iter().rev() {
        let ex = &graph.exchanges[e];
        // Request then response text; a lone one comes first either way.
        let mut own = [ex.request, ex.response]
            .into_iter()
            .flatten()
            .filter_map(|r| texts.get(r).map(String::as_str));
        let key = Key {
            texts: [own.next(), own.next()],
            from: &ex.from,
            to: &ex.to,
            children: ex
                .children
                .iter()
                .map(|&c| signature.get(c).copied().unwrap_or(usize::MAX))
                .collect(),
        };
        let next = keys.len();
        signature[e] = *keys.entry(key).or_insert(next);
    }
    // An exchange no root reaches (not one `graph::build` makes) repeats nothing.
    let unreached = signature.iter_mut().filter(|s| **s == usize::MAX);
    for (next, s) in (keys.len()..).zip(unreached) {
        *s = next;
    }
    signature
}

fn item_chars(item: &DiagramItem) -> usize {
    let text = match item.kind.as_str() {
        "note" => "Note over ".len() + NOTE_TEXT_MAX,
        "close" => "end".len(),
        _ => escape::mermaid_label(&item.text).len(),
    };
    LINE_OVERHEAD
        + item.depth * 2
        + item.from.len()
        + item.arrow.len()
        + item.to.len()
        + item.keyword.len()
        + text
}

/// Bytes one `participant id as label` line takes.
fn participant_chars(p: &Participant) -> usize {
    LINE_OVERHEAD + "participant ".len() + p.id.len() + escape::mermaid_label(&p.label).len()
}

/// Cuts a diagram into parts at root-call boundaries when it exceeds the
/// limits. A root call too big for one part on its own is cut between its
/// items; a block (`opt`, `loop`) cut that way is closed at the end of one
/// part and opened again at the start of the next. No part is ever over
/// [`MAX_PART_CHARS`], participant lines and reopened blocks included.
fn split(
    whole: &Diagram,
    roots: &[Option<usize>],
    limits: &DiagramLimits,
) -> (Vec<Diagram>, Option<LeftOut>) {
    let max_chars = limits.max_chars.min(MAX_PART_CHARS);
    let sizes: Vec<usize> = whole.items.iter().map(item_chars).collect();
    let participant_size: HashMap<&str, usize> = whole
        .participants
        .iter()
        .map(|p| (p.id.as_str(), participant_chars(p)))
        .collect();
    let is_message = |i: &DiagramItem| i.kind == "message";
    let messages = whole.items.iter().filter(|i| is_message(i)).count();
    let chars: usize = sizes.iter().sum::<usize>() + participant_size.values().sum::<usize>();
    if messages <= limits.max_messages && chars <= max_chars {
        return (Vec::new(), None);
    }
    // Chunks: the smallest runs of items that no root call crosses.
    let mut last: HashMap<usize, usize> = HashMap::new();
    for (k, r) in roots.iter().enumerate() {
        if let Some(r) = r {
            last.insert(*r, k);
        }
    }
    let mut chunks: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut reach = 0;
    for (k, r) in roots.iter().enumerate() {
        if let Some(r) = r {
            reach = reach.max(last.get(r).copied().unwrap_or(k));
        }
        reach = reach.max(k);
        if reach == k
            && whole
                .items
                .get(k + 1)
                .is_none_or(|n| n.depth == 0 && n.kind != "close")
        {
            chunks.push((start, k));
            start = k + 1;
        }
    }
    if start < whole.items.len() {
        chunks.push((start, whole.items.len() - 1));
    }
    let participants_of = |a: usize, b: usize| -> HashSet<&str> {
        whole.items[a..=b]
            .iter()
            .flat_map(|i| [i.from.as_str(), i.to.as_str()])
            .filter(|id| participant_size.contains_key(id))
            .collect()
    };
    // Pieces: chunks, or the single items of a chunk too big on its own.
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    for (a, b) in chunks {
        let m = whole.items[a..=b].iter().filter(|i| is_message(i)).count();
        let c: usize = sizes[a..=b].iter().sum::<usize>()
            + participants_of(a, b)
                .iter()
                .map(|id| participant_size[id])
                .sum::<usize>();
        if m <= limits.max_messages && c <= max_chars {
            pieces.push((a, b));
        } else {
            pieces.extend((a..=b).map(|k| (k, k)));
        }
    }
    // Greedy packing; `open` is the stack of blocks open before a piece.
    struct Part<'d> {
        start: usize,
        end: usize,
        messages: usize,
        size: usize,
        used: HashSet<&'d str>,
        reopened: Vec<usize>,
    }
    let close_size = LINE_OVERHEAD + "end".len();
    let mut parts: Vec<Part> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (a, b) in pieces {
        let mut after = open.clone();
        for k in a..=b {
            match whole.items[k].kind.as_str() {
                "open" => after.push(k),
                "close" => {
                    after.pop();
                }
                _ => {}
            }
        }
        let m = whole.items[a..=b].iter().filter(|i| is_message(i)).count();
        let c: usize = sizes[a..=b].iter().sum();
        let ids = participants_of(a, b);
        let closes = after.len() * (close_size + after.len() * 2);
        let fits = parts.last().is_some_and(|p| {
            let new: usize = ids
                .iter()
                .filter(|id| !p.used.contains(*id))
                .map(|id| participant_size[id])
                .sum();
            p.messages + m <= limits.max_messages && p.size + c + new + closes <= max_chars
        });
        match parts.last_mut() {
            Some(p) if fits => {
                p.end = b;
                p.messages += m;
                p.size += c;
                for id in ids {
                    if p.used.insert(id) {
                        p.size += participant_size[id];
                    }
                }
            }
            _ => {
                let reopen: usize = open.iter().map(|&k| sizes[k]).sum();
                let size = reopen + c + ids.iter().map(|id| participant_size[id]).sum::<usize>();
                parts.push(Part {
                    start: a,
                    end: b,
                    messages: m,
                    size,
                    used: ids,
                    reopened: open.clone(),
                });
            }
        }
        open = after;
    }
    // Only the first `max_parts` parts are drawn: the steps after them are counted.
    let cap = limits.max_parts.max(1);
    let left_out = parts.get(cap).and_then(|p| {
        let rest = &whole.items[p.start..];
        let first = rest.iter().find_map(|i| i.step)?;
        let last = rest.iter().rev().find_map(|i| i.step)?;
        Some(LeftOut {
            steps: rest.iter().filter(|i| i.step.is_some()).count(),
            first,
            last,
        })
    });
    parts.truncate(cap);
    let parts = parts
        .into_iter()
        .map(|part| {
            let mut items: Vec<DiagramItem> = part
                .reopened
                .iter()
                .map(|&k| whole.items[k].clone())
                .collect();
            // Positions in `items` of the blocks open so far.
            let mut stack: Vec<usize> = (0..items.len()).collect();
            for item in &whole.items[part.start..=part.end] {
                match item.kind.as_str() {
                    "open" => stack.push(items.len()),
                    "close" => {
                        stack.pop();
                    }
                    _ => {}
                }
                items.push(item.clone());
            }
            // Blocks this part leaves open are closed here (and reopened
            // by the next part).
            while let Some(k) = stack.pop() {
                let depth = items.get(k).map_or(stack.len(), |i| i.depth);
                items.push(DiagramItem {
                    kind: "close".into(),
                    depth,
                    keyword: String::new(),
                    from: String::new(),
                    to: String::new(),
                    arrow: String::new(),
                    text: String::new(),
                    step: None,
                });
            }
            let used: HashSet<&str> = items
                .iter()
                .flat_map(|i| [i.from.as_str(), i.to.as_str()])
                .collect();
            let start = items.iter().find_map(|i| i.step);
            Diagram {
                participants: whole
                    .participants
                    .iter()
                    .filter(|p| used.contains(p.id.as_str()))
                    .cloned()
                    .collect(),
                start,
                items,
            }
        })
        .collect();
    (parts, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participant_ids() {
        for ok in ["openstack", "glance-api", "swift-proxy-server", "nova_api"] {
            assert!(safe_id(ok), "{ok}");
        }
        for bad in [
            "end",
            "glance api",
            "a;b",
            "-x",
            "nova-xvpvnc",
            "9lives",
            "",
            "a--b",
            "é",
        ] {
            assert!(!safe_id(bad), "{bad}");
        }
    }

    fn item(kind: &str, depth: usize, text: &str) -> DiagramItem {
        DiagramItem {
            kind: kind.into(),
            depth,
            keyword: if kind == "open" {
                "loop".into()
            } else {
                String::new()
            },
            from: if kind == "message" {
                "a".into()
            } else {
                String::new()
            },
            to: if kind == "message" {
                "b".into()
            } else {
                String::new()
            },
            arrow: if kind == "message" {
                "->>".into()
            } else {
                String::new()
            },
            text: text.into(),
            step: None,
        }
    }

    /// A root call too big for one part is cut between its items; a block
    /// it cuts is closed at the end of a part and opened again in the next,
    /// and no part is over the limit, whatever `max_chars` says.
    #[test]
    fn oversized_root_calls_are_cut_and_blocks_reopened() {
        let long = ";".repeat(400); // 200 characters shown, 4 bytes each
        let mut items = vec![item("message", 0, "GET /outer")];
        items.push(item("open", 0, "3 times"));
        for _ in 0..200 {
            items.push(item("message", 1, &long));
        }
        items.push(item("close", 0, ""));
        items.push(item("message", 0, "200 OK /outer"));
        for (k, i) in items.iter_mut().enumerate() {
            i.step = (i.kind == "message").then_some(k + 1);
        }
        let roots = vec![Some(0); items.len()];
        let whole = Diagram {
            participants: ["a", "b"]
                .iter()
                .map(|p| Participant {
                    id: p.to_string(),
                    label: p.to_string(),
                    declare: true,
                })
                .collect(),
            items,
            start: None,
        };
        let limits = DiagramLimits {
            max_messages: 10_000,
            max_chars: 10_000_000,
            fold_repeats: 3,
            max_parts: usize::MAX,
        };
        let (parts, _) = split(&whole, &roots, &limits);
        assert!(parts.len() >= 4, "{} parts", parts.len());
        let mut messages = 0;
        for (k, part) in parts.iter().enumerate() {
            let size: usize = part.items.iter().map(item_chars).sum::<usize>()
                + part
                    .participants
                    .iter()
                    .map(participant_chars)
                    .sum::<usize>();
            assert!(size <= MAX_PART_CHARS, "part {k}: {size}");
            let mut depth = 0i32;
            for i in &part.items {
                match i.kind.as_str() {
                    "open" => depth += 1,
                    "close" => depth -= 1,
                    _ => {}
                }
                assert!(depth >= 0, "part {k} closes a block it never opened");
            }
            assert_eq!(depth, 0, "part {k} leaves a block open");
            if k > 0 && k + 1 < parts.len() {
                assert_eq!(part.items[0].kind, "open", "part {k} reopens the loop");
            }
            messages += part.items.iter().filter(|i| i.kind == "message").count();
        }
        assert_eq!(messages, 202);
    }
}
