//! The sequence diagram a person would have drawn, built from the call graph.
//!
//! One message per record, in log order (server-side event order), with:
//! - `opt <service> obtains a token` ... `end` around the calls by which a
//!   service gets its own token while serving a request (a version
//!   discovery right before, plus the token request);
//! - `loop N times` around exact repeats of a call (same text, same
//!   response, same nested calls, back to back), from `fold_repeats` on;
//! - a note on requests that never got a response and responses with no
//!   request;
//! - participants in order of first appearance, aliased where the name
//!   could break mermaid.
//!
//! The diagram is built as a [`Skeleton`]: a few numbers per line, so a
//! capture of a million calls costs little; message text is made only for
//! the lines that are written, by the caller's `text` function. A diagram
//! over the size limits is also cut into parts at root-call boundaries,
//! each restarting `autonumber` at its first step so the numbers match the
//! whole, and at most `max_parts` of them: the steps after the last part
//! are counted, not drawn.

use std::collections::{HashMap, HashSet};

use crate::graph::Graph;
use crate::model::{flag, key_bytes, Facts, Names, Sym};
use crate::view::escape::{self, MERMAID_LABEL_MAX};
use crate::view::page::{Diagram, DiagramItem, LeftOut, Participant};

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
pub fn safe_id(name: &str) -> bool {
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

/// Limits above which a diagram is cut into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most messages in one part (mermaid refuses over 500 edges).
    pub max_messages: usize,
    /// Most characters in one part (mermaid refuses over 50,000).
    pub max_chars: usize,
    /// Fold exact repeats of a call into `loop N times` from this many on.
    pub fold_repeats: usize,
    /// Most parts drawn; later steps are counted, not drawn.
    pub max_parts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_messages: 60,
            max_chars: 40_000,
            fold_repeats: 3,
            max_parts: 20,
        }
    }
}

/// What a line of the diagram is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A request or response; `of` is its record.
    Message,
    /// A note on an unpaired record `of`.
    Note,
    /// A block opens; `of` is its index in [`Skeleton::blocks`].
    Open,
    /// A block closes.
    Close,
}

/// One line of the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    /// Nesting depth, for indentation.
    pub depth: u32,
    pub of: u32,
    /// The `autonumber` step of a message (0 for other lines).
    pub step: u32,
    /// The root exchange the line belongs to (`u32::MAX` for closing lines at the end).
    pub root: u32,
}

/// A block around lines: `opt` or `loop`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// First and last record inside.
    pub start: usize,
    pub end: usize,
    pub keyword: &'static str,
    /// For `opt`, the service that obtains a token; for `loop`, the count.
    pub service: Option<Sym>,
    pub count: usize,
}

/// The diagram of a capture, without its text.
#[derive(Debug, Clone, Default)]
pub struct Skeleton {
    pub participants: Vec<Participant>,
    /// Participant index of each name symbol.
    pub index: HashMap<Sym, usize>,
    pub items: Vec<Item>,
    pub blocks: Vec<Block>,
    /// For each record, the step that shows it (0 = not shown); folded
    /// repeats point at the step of the instance shown.
    pub steps: Vec<u32>,
    /// Messages in the whole diagram.
    pub messages: usize,
}

/// What the builder needs.
pub struct Input<'a> {
    pub facts: &'a [Facts],
    pub names: &'a Names,
    pub graph: &'a Graph,
    /// Records dropped by filters.
    pub dropped: &'a [bool],
    pub limits: Limits,
}

/// Builds the diagram skeleton of a capture.
pub fn build(input: &Input) -> Skeleton {
    let Input {
        facts,
        names,
        graph,
        dropped,
        limits,
    } = *input;
    let n = facts.len();
    let is_dropped = |r: usize| dropped.get(r).copied().unwrap_or(false);
    let ex = |e: usize| &graph.exchanges[e];
    let visible = |e: usize| !is_dropped(ex(e).first());
    let first_facts = |e: usize| &facts[ex(e).first()];

    // Participants, in order of first appearance.
    let mut order: Vec<Sym> = Vec::new();
    let mut seen: HashSet<Sym> = HashSet::new();
    for (i, f) in facts.iter().enumerate() {
        if is_dropped(i) {
            continue;
        }
        for s in [f.from, f.to] {
            if seen.insert(s) {
                order.push(s);
            }
        }
    }
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut participants = Vec::with_capacity(order.len());
    let mut index = HashMap::new();
    for (k, &sym) in order.iter().enumerate() {
        let name = names.str(sym);
        let mut id = if safe_id(name) && !used_ids.contains(name) {
            name.to_string()
        } else {
            format!("p{}", k + 1)
        };
        while used_ids.contains(&id) {
            id.push('_');
        }
        used_ids.insert(id.clone());
        index.insert(sym, k);
        participants.push(Participant {
            id,
            label: name.to_string(),
            declare: true,
        });
    }

    // Record spans of exchanges with everything nested under them: children
    // always open after their parent, so a reverse sweep sees them first.
    let mut span: Vec<(usize, usize)> = graph
        .exchanges
        .iter()
        .map(|e| (e.start(), e.end()))
        .collect();
    for id in (0..graph.exchanges.len()).rev() {
        if let Some(p) = graph.exchanges[id].parent {
            let (lo, hi) = span[id];
            let s = &mut span[p as usize];
            s.0 = s.0.min(lo);
            s.1 = s.1.max(hi);
        }
    }
    // Whether every record in [lo, hi] belongs to one of `members` or below
    // (or is dropped).
    let contiguous = |lo: usize, hi: usize, members: &[usize]| -> bool {
        (lo..=hi).all(|r| {
            if is_dropped(r) {
                return true;
            }
            let Some(&e) = graph.by_record.get(r) else {
                return false;
            };
            let mut e = Some(e);
            while let Some(x) = e {
                if members.contains(&(x as usize)) {
                    return true;
                }
                e = graph.exchanges.get(x as usize).and_then(|x| x.parent);
            }
            false
        })
    };

    let mut blocks: Vec<Block> = Vec::new();
    let mut in_token_block: HashSet<usize> = HashSet::new();
    // Token blocks: a served request's children that get a token.
    for parent in &graph.exchanges {
        let kids: Vec<usize> = parent
            .children
            .iter()
            .map(|&c| c as usize)
            .filter(|&c| visible(c))
            .collect();
        for (k, &c) in kids.iter().enumerate() {
            if !first_facts(c).has(flag::TOKEN_REQUEST) {
                continue;
            }
            let mut members = vec![c];
            if k > 0
                && first_facts(kids[k - 1]).has(flag::DISCOVERY)
                && !in_token_block.contains(&kids[k - 1])
            {
                members.insert(0, kids[k - 1]);
            }
            let lo = span[members[0]].0;
            let hi = span[c].1;
            if !contiguous(lo, hi, &members) {
                continue;
            }
            in_token_block.extend(members.iter().copied());
            blocks.push(Block {
                start: lo,
                end: hi,
                keyword: "opt",
                service: Some(ex(c).from),
                count: 0,
            });
        }
    }

    // Loops: exact repeats among siblings. A call's signature is a key of
    // what the diagram shows for it and everything below it.
    let mut signature = vec![0u64; graph.exchanges.len()];
    for id in (0..graph.exchanges.len()).rev() {
        let e = ex(id);
        let mut parts: Vec<u64> = Vec::with_capacity(4 + e.children.len());
        match (e.request, e.response) {
            (Some(q), r) => {
                parts.push(facts[q as usize].shown);
                parts.push(r.map_or(0, |r| u64::from(facts[r as usize].status) + 1));
            }
            (None, Some(r)) => {
                parts.push(facts[r as usize].shown);
                parts.push(u64::from(facts[r as usize].status) + 1);
            }
            (None, None) => {}
        }
        parts.push(u64::from(e.from));
        parts.push(u64::from(e.to));
        parts.extend(e.children.iter().map(|&c| signature[c as usize]));
        let bytes: Vec<u8> = parts.iter().flat_map(|p| p.to_le_bytes()).collect();
        signature[id] = key_bytes(&bytes);
    }
    // Folded repeats: hidden record -> the record shown for it.
    let mut shown_as: HashMap<usize, usize> = HashMap::new();
    if limits.fold_repeats >= 2 {
        let mut lists: Vec<&[u32]> = vec![&graph.roots];
        lists.extend(graph.exchanges.iter().map(|e| e.children.as_slice()));
        for siblings in lists {
            let sibs: Vec<usize> = siblings
                .iter()
                .map(|&s| s as usize)
                .filter(|&s| visible(s) && !in_token_block.contains(&s))
                .collect();
            let mut k = 0;
            while k < sibs.len() {
                let sig = signature[sibs[k]];
                let mut run = 1;
                while let Some(&next) = sibs.get(k + run) {
                    let prev_end = span[sibs[k + run - 1]].1;
                    if span[next].0 != prev_end + 1 || signature[next] != sig {
                        break;
                    }
                    run += 1;
                }
                let first = sibs[k];
                if run >= limits.fold_repeats && !ex(first).is_unpaired() {
                    let (lo, hi) = span[first];
                    if contiguous(lo, hi, &[first]) {
                        blocks.push(Block {
                            start: lo,
                            end: hi,
                            keyword: "loop",
                            service: None,
                            count: run,
                        });
                        for &rep in &sibs[k + 1..k + run] {
                            let (a, b) = span[rep];
                            for (offset, r) in (a..=b).enumerate() {
                                if lo + offset <= hi {
                                    shown_as.insert(r, lo + offset);
                                }
                            }
                        }
                    }
                }
                k += run;
            }
        }
    }

    // Lines, in record order.
    blocks.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut items: Vec<Item> = Vec::new();
    let mut steps = vec![0u32; n];
    let mut open: Vec<usize> = Vec::new(); // block end positions
    let mut next_block = 0;
    let mut step = 0u32;
    let line = |kind, depth: usize, of: usize, root: usize| Item {
        kind,
        depth: depth as u32,
        of: of as u32,
        step: 0,
        root: root as u32,
    };
    for (i, shown) in steps.iter_mut().enumerate() {
        if is_dropped(i) || shown_as.contains_key(&i) {
            continue;
        }
        let Some(&e) = graph.by_record.get(i) else {
            continue;
        };
        let e = e as usize;
        let root = graph.root_of(e);
        while let Some(b) = blocks.get(next_block).filter(|b| b.start <= i) {
            items.push(line(Kind::Open, open.len(), next_block, root));
            open.push(b.end);
            next_block += 1;
        }
        step += 1;
        *shown = step;
        let mut message = line(Kind::Message, open.len(), i, root);
        message.step = step;
        items.push(message);
        if ex(e).is_unpaired() {
            items.push(line(Kind::Note, open.len(), i, root));
        }
        while open.last().is_some_and(|&end| end <= i) {
            open.pop();
            items.push(line(Kind::Close, open.len(), 0, root));
        }
    }
    while open.pop().is_some() {
        let mut close = line(Kind::Close, open.len(), 0, 0);
        close.root = u32::MAX;
        items.push(close);
    }
    for (r, s) in &shown_as {
        steps[*r] = steps[*s];
    }
    Skeleton {
        participants,
        index,
        items,
        blocks,
        steps,
        messages: step as usize,
    }
}

impl Skeleton {
    /// The participants a line is drawn between: a message's sender and
    /// receiver; for a note, the one it stands over (the callee of a request
    /// with no response, the caller of a response with no request).
    pub fn ends(&self, item: &Item, facts: &[Facts]) -> [Option<Sym>; 2] {
        let Some(f) = facts.get(item.of as usize) else {
            return [None, None];
        };
        match item.kind {
            Kind::Message if f.is_request() => [Some(f.from), Some(f.to)],
            Kind::Message => [Some(f.to), Some(f.from)],
            Kind::Note if f.is_request() => [Some(f.to), None],
            Kind::Note => [Some(f.from), None],
            Kind::Open | Kind::Close => [None, None],
        }
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

/// The text of the diagram, as far as it is drawn.
#[derive(Debug, Clone, Default)]
pub struct Drawn {
    /// The whole diagram, or, when it needs more than `max_parts` parts,
    /// the stretch its parts draw.
    pub whole: Diagram,
    /// The diagram cut into parts (none when it fits one block).
    pub parts: Vec<Diagram>,
    /// The steps no part draws.
    pub left_out: Option<LeftOut>,
}

impl Skeleton {
    /// One line of the diagram with its text. `message` gives the text of
    /// a record's message; `obtains_token` is the label of token blocks.
    pub fn item(
        &self,
        k: usize,
        facts: &[Facts],
        names: &Names,
        obtains_token: &str,
        message: &dyn Fn(usize) -> String,
    ) -> DiagramItem {
        let item = &self.items[k];
        let id = |sym: Option<Sym>| {
            sym.and_then(|s| self.index.get(&s))
                .map(|&p| self.participants[p].id.clone())
                .unwrap_or_default()
        };
        let [a, b] = self.ends(item, facts);
        let blank = |kind: &str| DiagramItem {
            kind: kind.to_string(),
            depth: item.depth as usize,
            keyword: String::new(),
            from: String::new(),
            to: String::new(),
            arrow: String::new(),
            text: String::new(),
            step: None,
        };
        match item.kind {
            Kind::Message => DiagramItem {
                from: id(a),
                to: id(b),
                arrow: if facts[item.of as usize].is_request() {
                    "->>"
                } else {
                    "-->>"
                }
                .to_string(),
                text: message(item.of as usize),
                step: Some(item.step as usize),
                ..blank("message")
            },
            Kind::Note => DiagramItem {
                from: id(a),
                text: if facts[item.of as usize].is_request() {
                    "no response captured"
                } else {
                    "no request captured"
                }
                .to_string(),
                ..blank("note")
            },
            Kind::Open => {
                let block = &self.blocks[item.of as usize];
                let text = match block.service {
                    Some(s) => {
                        let who = self
                            .index
                            .get(&s)
                            .map_or(names.str(s), |&p| self.participants[p].label.as_str());
                        obtains_token.replace("{service}", who)
                    }
                    None => format!("{} times", block.count),
                };
                DiagramItem {
                    keyword: block.keyword.to_string(),
                    text,
                    ..blank("open")
                }
            }
            Kind::Close => blank("close"),
        }
    }

    /// Draws the diagram: whole, and in parts when it is over the limits.
    ///
    /// Parts are cut at root-call boundaries; a root call too big for one
    /// part on its own is cut between its lines, and a block (`opt`,
    /// `loop`) cut that way is closed at the end of one part and opened
    /// again at the start of the next. No part is ever over
    /// [`MAX_PART_CHARS`], participant lines and reopened blocks included.
    /// Only the first `max_parts` parts are drawn, so only their lines'
    /// text is ever made (`line(k)` makes line `k`).
    pub fn draw(&self, limits: &Limits, line: &dyn Fn(usize) -> DiagramItem) -> Drawn {
        let max_chars = limits.max_chars.min(MAX_PART_CHARS);
        let participant_size: HashMap<&str, usize> = self
            .participants
            .iter()
            .map(|p| (p.id.as_str(), participant_chars(p)))
            .collect();
        let all_participants: usize = participant_size.values().sum();
        // Lines made so far, in order from the first.
        let mut made: Vec<DiagramItem> = Vec::new();
        let mut sizes: Vec<usize> = Vec::new();
        let make_until = |made: &mut Vec<DiagramItem>, sizes: &mut Vec<usize>, k: usize| {
            while made.len() <= k && made.len() < self.items.len() {
                let item = line(made.len());
                sizes.push(item_chars(&item));
                made.push(item);
            }
        };
        if self.messages <= limits.max_messages {
            if let Some(last) = self.items.len().checked_sub(1) {
                make_until(&mut made, &mut sizes, last);
            }
            let chars: usize = sizes.iter().sum::<usize>() + all_participants;
            if chars <= max_chars {
                return Drawn {
                    whole: Diagram {
                        participants: self.participants.clone(),
                        items: made,
                        start: None,
                    },
                    parts: Vec::new(),
                    left_out: None,
                };
            }
        }
        // Chunks: the smallest runs of lines that no root call crosses.
        let mut last: HashMap<u32, usize> = HashMap::new();
        for (k, item) in self.items.iter().enumerate() {
            if item.root != u32::MAX {
                last.insert(item.root, k);
            }
        }
        let mut chunks: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        let mut reach = 0;
        for (k, item) in self.items.iter().enumerate() {
            if item.root != u32::MAX {
                reach = reach.max(last.get(&item.root).copied().unwrap_or(k));
            }
            reach = reach.max(k);
            if reach == k
                && self
                    .items
                    .get(k + 1)
                    .is_none_or(|n| n.depth == 0 && n.kind != Kind::Close)
            {
                chunks.push((start, k));
                start = k + 1;
            }
        }
        if start < self.items.len() {
            chunks.push((start, self.items.len() - 1));
        }

        struct Part {
            start: usize,
            end: usize,
            messages: usize,
            size: usize,
            used: HashSet<String>,
            reopened: Vec<usize>,
        }
        let close_size = LINE_OVERHEAD + "end".len();
        let cap = limits.max_parts.max(1);
        let mut parts: Vec<Part> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut left_from: Option<usize> = None;
        'chunks: for (a, b) in chunks {
            make_until(&mut made, &mut sizes, b);
            let participants_of = |made: &[DiagramItem], a: usize, b: usize| -> HashSet<String> {
                made[a..=b]
                    .iter()
                    .flat_map(|i| [i.from.as_str(), i.to.as_str()])
                    .filter(|id| participant_size.contains_key(id))
                    .map(str::to_string)
                    .collect()
            };
            let is_message = |i: &DiagramItem| i.kind == "message";
            // Pieces: the chunk, or its single lines when it is too big on its own.
            let m = made[a..=b].iter().filter(|i| is_message(i)).count();
            let c: usize = sizes[a..=b].iter().sum::<usize>()
                + participants_of(&made, a, b)
                    .iter()
                    .map(|id| participant_size[id.as_str()])
                    .sum::<usize>();
            let pieces: Vec<(usize, usize)> = if m <= limits.max_messages && c <= max_chars {
                vec![(a, b)]
            } else {
                (a..=b).map(|k| (k, k)).collect()
            };
            for (a, b) in pieces {
                // The blocks open after this piece, by line index.
                let mut after = open.clone();
                for (k, item) in made[a..=b].iter().enumerate() {
                    match item.kind.as_str() {
                        "open" => after.push(a + k),
                        "close" => {
                            after.pop();
                        }
                        _ => {}
                    }
                }
                let m = made[a..=b].iter().filter(|i| is_message(i)).count();
                let c: usize = sizes[a..=b].iter().sum();
                let ids = participants_of(&made, a, b);
                let closes = after.len() * (close_size + after.len() * 2);
                let fits = parts.last().is_some_and(|p| {
                    let new: usize = ids
                        .iter()
                        .filter(|id| !p.used.contains(*id))
                        .map(|id| participant_size[id.as_str()])
                        .sum();
                    p.messages + m <= limits.max_messages && p.size + c + new + closes <= max_chars
                });
                match parts.last_mut() {
                    Some(p) if fits => {
                        p.end = b;
                        p.messages += m;
                        p.size += c;
                        for id in ids {
                            if let Some(&size) = participant_size.get(id.as_str()) {
                                if p.used.insert(id) {
                                    p.size += size;
                                }
                            }
                        }
                    }
                    _ => {
                        if parts.len() == cap {
                            left_from = Some(a);
                            break 'chunks;
                        }
                        let reopen: usize = open.iter().map(|&k| sizes[k]).sum();
                        let size = reopen
                            + c
                            + ids
                                .iter()
                                .map(|id| participant_size[id.as_str()])
                                .sum::<usize>();
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
        }
        // The steps no part draws are counted from the skeleton, not made.
        let left_out = left_from.and_then(|a| {
            let rest = &self.items[a..];
            let first = rest.iter().find(|i| i.step > 0)?.step as usize;
            let last = rest.iter().rev().find(|i| i.step > 0)?.step as usize;
            Some(LeftOut {
                steps: rest.iter().filter(|i| i.step > 0).count(),
                first,
                last,
            })
        });
        let drawn_to = parts.last().map_or(0, |p| p.end + 1);
        let part_diagrams = parts
            .iter()
            .map(|part| {
                let mut items: Vec<DiagramItem> =
                    part.reopened.iter().map(|&k| made[k].clone()).collect();
                // Positions in `items` of the blocks open so far.
                let mut stack: Vec<usize> = (0..items.len()).collect();
                for item in &made[part.start..=part.end] {
                    match item.kind.as_str() {
                        "open" => stack.push(items.len()),
                        "close" => {
                            stack.pop();
                        }
                        _ => {}
                    }
                    items.push(item.clone());
                }
                // Blocks this part leaves open are closed here (and
                // reopened by the next part).
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
                    participants: self
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
        let mut whole_items = made;
        if left_out.is_some() {
            // Drawn only as far as the parts: close what the cut leaves open.
            whole_items.truncate(drawn_to);
            let mut depth = 0usize;
            for item in &whole_items {
                match item.kind.as_str() {
                    "open" => depth += 1,
                    "close" => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            while depth > 0 {
                depth -= 1;
                whole_items.push(DiagramItem {
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
        }
        Drawn {
            whole: Diagram {
                participants: self.participants.clone(),
                items: whole_items,
                start: None,
            },
            parts: part_diagrams,
            left_out,
        }
    }
}
