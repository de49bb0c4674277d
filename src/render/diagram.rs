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
use crate::model::{Diagram, DiagramItem, Participant, Record};
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
    /// Empty when the whole diagram is within the limits.
    pub parts: Vec<Diagram>,
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
    for (i, r) in records.iter().enumerate() {
        if dropped.get(i).copied().unwrap_or(false) {
            continue;
        }
        for name in [&r.from, &r.to] {
            if !order.contains(name) {
                order.push(name.clone());
            }
        }
    }
    let mut used_ids: HashSet<String> = HashSet::new();
    let participants: Vec<Participant> = order
        .iter()
        .enumerate()
        .map(|(k, name)| {
            // A name longer than a label may be is aliased too: the id is
            // repeated on every message line, and ids are never shortened.
            let usable = safe_id(name) && name.len() <= MERMAID_LABEL_MAX;
            let mut id = if usable && !used_ids.contains(name) {
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

    // Record spans of exchanges with everything nested under them.
    let span = |e: usize| -> (usize, usize) {
        let mut lo = usize::MAX;
        let mut hi = 0;
        for x in graph.subtree(e) {
            let ex = &graph.exchanges[x];
            lo = lo.min(ex.start());
            hi = hi.max(ex.end());
        }
        (lo, hi)
    };
    // Whether the records in [lo, hi] all belong to the given exchanges (or below them).
    let contiguous = |lo: usize, hi: usize, members: &[usize]| -> bool {
        let set: HashSet<usize> = members.iter().flat_map(|&m| graph.subtree(m)).collect();
        (lo..=hi).all(|r| {
            dropped.get(r).copied().unwrap_or(false)
                || graph.by_record.get(r).is_some_and(|x| set.contains(x))
        })
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
            let who = &graph.exchanges[c].from;
            blocks.push(Block {
                start: lo,
                end: hi,
                keyword: "opt",
                text: config.labels.obtains_token.replace("{service}", who),
            });
        }
    }

    // Loops: exact repeats among siblings.
    let mut signature_cache: HashMap<usize, String> = HashMap::new();
    fn signature(
        e: usize,
        graph: &Graph,
        records: &[Record],
        vars: &Variables,
        cache: &mut HashMap<usize, String>,
    ) -> String {
        if let Some(s) = cache.get(&e) {
            return s.clone();
        }
        let ex = &graph.exchanges[e];
        let mut s = String::new();
        for r in [ex.request, ex.response].into_iter().flatten() {
            s.push_str(&message_text(records, vars, ex, &records[r]));
            s.push('|');
        }
        s.push_str(&format!("{}>{}|", ex.from, ex.to));
        for &c in &ex.children {
            s.push('(');
            s.push_str(&signature(c, graph, records, vars, cache));
            s.push(')');
        }
        cache.insert(e, s.clone());
        s
    }
    // Record remapping for folded repeats: hidden record -> shown record.
    let mut shown_as: HashMap<usize, usize> = HashMap::new();
    if limits.fold_repeats >= 2 {
        let mut sibling_lists: Vec<Vec<usize>> = vec![graph.roots.clone()];
        sibling_lists.extend(graph.exchanges.iter().map(|e| e.children.clone()));
        for siblings in sibling_lists {
            let sibs: Vec<usize> = siblings
                .into_iter()
                .filter(|&s| visible(s) && !in_token_block.contains(&s))
                .collect();
            let mut k = 0;
            while k < sibs.len() {
                let sig = signature(sibs[k], graph, records, variables, &mut signature_cache);
                let mut run = vec![sibs[k]];
                while let Some(&next) = sibs.get(k + run.len()) {
                    let prev_end = span(*run.last().unwrap_or(&next)).1;
                    if span(next).0 != prev_end + 1
                        || signature(next, graph, records, variables, &mut signature_cache) != sig
                    {
                        break;
                    }
                    run.push(next);
                }
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
                        let shown: Vec<usize> = (lo..=hi).collect();
                        for &rep in &run[1..] {
                            let (a, b) = span(rep);
                            for (offset, r) in (a..=b).enumerate() {
                                if let Some(&s) = shown.get(offset) {
                                    shown_as.insert(r, s);
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
    let mut items: Vec<DiagramItem> = Vec::new();
    let mut steps: Vec<Option<usize>> = vec![None; records.len()];
    let mut open: Vec<usize> = Vec::new(); // block end positions
    let mut next_block = 0;
    let mut step = 0;
    let mut root_of_item: Vec<Option<usize>> = Vec::new();
    let blank = |kind: &str, depth: usize| DiagramItem {
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
        if dropped.get(i).copied().unwrap_or(false) || shown_as.contains_key(&i) {
            continue;
        }
        let Some(&e) = graph.by_record.get(i) else {
            continue;
        };
        let root = graph.root_of(e);
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
            text: message_text(records, variables, ex, r),
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
    for (r, s) in &shown_as {
        steps[*r] = steps[*s];
    }

    let whole = Diagram {
        participants: participants.clone(),
        items,
        start: None,
    };
    let parts = split(&whole, &root_of_item, &limits);
    Output {
        whole,
        parts,
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
fn split(whole: &Diagram, roots: &[Option<usize>], limits: &DiagramLimits) -> Vec<Diagram> {
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
        return Vec::new();
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
    parts
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
        .collect()
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
        };
        let parts = split(&whole, &roots, &limits);
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
