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
//! over the size limits is also cut into [`Part`]s at root-call boundaries,
//! each restarting `autonumber` at its first step so the numbers match the
//! whole, and at most `max_parts` of them: the steps after the last part
//! are counted, not drawn.

use std::collections::{HashMap, HashSet};

use crate::next::facts::{flag, key_bytes, Facts, Names, Sym};
use crate::next::graph::Graph;

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

/// A participant of the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The id used in messages.
    pub id: String,
    /// The name shown (as captured).
    pub label: String,
    pub sym: Sym,
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

/// A stretch of the diagram drawn as its own mermaid block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Item range.
    pub items: std::ops::Range<usize>,
    /// Indexes into [`Skeleton::participants`] of those it uses, in order.
    pub participants: Vec<usize>,
    /// The step its first message has.
    pub start: u32,
    /// The step of its last message.
    pub end: u32,
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
            sym,
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

    /// Cuts the diagram into parts when it is over the limits (no parts when
    /// it is within them). `chars(k)` is the length of item `k` as written.
    /// Returns the parts and how many steps come after the last one drawn.
    pub fn parts(
        &self,
        facts: &[Facts],
        limits: &Limits,
        chars: impl Fn(usize) -> usize,
    ) -> (Vec<Part>, usize) {
        let total: usize = (0..self.items.len()).map(&chars).sum();
        if self.messages <= limits.max_messages && total <= limits.max_chars {
            return (Vec::new(), 0);
        }
        // Chunks: the smallest runs of items that no root call crosses.
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
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let (mut msgs, mut size) = (0, 0);
        for (a, b) in chunks {
            let m = self.items[a..=b]
                .iter()
                .filter(|i| i.kind == Kind::Message)
                .count();
            let c: usize = (a..=b).map(&chars).sum();
            match ranges.last_mut() {
                Some(last) if msgs + m <= limits.max_messages && size + c <= limits.max_chars => {
                    last.1 = b;
                    msgs += m;
                    size += c;
                }
                _ => {
                    if ranges.len() == limits.max_parts.max(1) {
                        break;
                    }
                    ranges.push((a, b));
                    msgs = m;
                    size = c;
                }
            }
        }
        let parts: Vec<Part> = ranges
            .into_iter()
            .map(|(a, b)| {
                let items = &self.items[a..=b];
                let mut used = vec![false; self.participants.len()];
                for item in items {
                    for sym in self.ends(item, facts).into_iter().flatten() {
                        if let Some(&k) = self.index.get(&sym) {
                            used[k] = true;
                        }
                    }
                }
                Part {
                    items: a..b + 1,
                    participants: (0..used.len()).filter(|&k| used[k]).collect(),
                    start: items.iter().find(|i| i.step > 0).map_or(0, |i| i.step),
                    end: items
                        .iter()
                        .rev()
                        .find(|i| i.step > 0)
                        .map_or(0, |i| i.step),
                }
            })
            .collect();
        let drawn = parts.last().map_or(0, |p| p.end as usize);
        (parts, self.messages - drawn)
    }
}
