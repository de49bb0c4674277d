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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::graph::Graph;
use crate::model::{flag, key_bytes, Facts, Names, Sym};
use crate::view::escape::{self, MERMAID_LABEL_MAX};
use crate::view::page::{Diagram, DiagramItem, Labels, LeftOut, Participant};

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

/// A query string as a reader wants it in a diagram: `%XX` escapes decoded
/// (`DISK_GB%3A20%2CVCPU%3A2` reads `DISK_GB:20,VCPU:2`), except those that
/// would change how it splits (`&`, `=`, `%`, `#`, `+`, `?`). Left as written
/// when the decoded bytes are not UTF-8.
pub fn decode_query(query: &str) -> Cow<'_, str> {
    if !query.contains('%') {
        return Cow::Borrowed(query);
    }
    let b = query.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut k = 0;
    while k < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        let decoded = match (b[k], b.get(k + 1), b.get(k + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match decoded {
            Some(c) if !matches!(c, b'&' | b'=' | b'%' | b'#' | b'+' | b'?') => {
                out.push(c);
                k += 3;
            }
            _ => {
                out.push(b[k]);
                k += 1;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(query),
    }
}

/// A message label of at most `width` characters: `head` (the method, or
/// the status) and the path, with the decoded query after `?`. Past
/// `width`, the query is cut first (`…` ends it); a path too long on its
/// own keeps its head and tail around `…`.
pub fn label(head: &str, path: &str, query: Option<&str>, width: usize) -> String {
    let mut full = format!("{head} {path}");
    let base = full.chars().count();
    let query = query.map(decode_query);
    if let Some(q) = &query {
        full.push('?');
        full.push_str(q);
    }
    let count = full.chars().count();
    if count <= width {
        return full;
    }
    // Room for `?`, at least a few characters of the query, and `…`.
    if query.is_some() && base + 2 + 4 <= width {
        let keep = width - 1;
        let mut out: String = full.chars().take(keep).collect();
        out.push('…');
        return out;
    }
    escape::shorten(&full, width).into_owned()
}

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
    /// Most characters of a message label; a longer one is elided (its
    /// query first). body.md keeps the full text.
    pub label_width: usize,
    /// Most participants in one part: each takes a column of the drawing,
    /// and a wider drawing is scaled down until its text cannot be read.
    pub max_participants: usize,
}

/// The shortest `label_width` allowed: a method, a short path and `…`.
pub const MIN_LABEL_WIDTH: usize = 16;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_messages: 60,
            max_chars: 40_000,
            fold_repeats: 3,
            max_parts: 20,
            label_width: 72,
            max_participants: 5,
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
    /// The note that opens a background `rect`; `of` is its block.
    Background,
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
    /// The call the line belongs to among the root's own children (the
    /// root itself for its own lines): where a root call too big for one
    /// part is cut.
    pub branch: u32,
}

/// A block around lines: `opt`, `loop`, or the `rect` of background work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// First and last record inside.
    pub start: usize,
    pub end: usize,
    pub keyword: &'static str,
    /// For `opt`, the service that obtains a token; for `rect`, the service
    /// working in the background; for `loop`, the count.
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
    /// The background root calls (made by a service with no open incoming
    /// request), by exchange, with the service that made them.
    pub background: HashMap<u32, Sym>,
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

    // Record spans of exchanges with everything nested under them: the
    // deepest first, so a child is settled before its parent takes it in.
    let mut span: Vec<(usize, usize)> = graph
        .exchanges
        .iter()
        .map(|e| (e.start(), e.end()))
        .collect();
    let mut deepest_first: Vec<usize> = (0..graph.exchanges.len()).collect();
    deepest_first.sort_by_key(|&e| std::cmp::Reverse(graph.exchanges[e].depth));
    for id in deepest_first {
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

    // The client: the first caller of a root call that no one calls (the
    // command that was captured). A root call by anyone else is background
    // work: a service calling with no open incoming HTTP request, started
    // over RPC (nova-compute, or neutron's notifier).
    let callees: HashSet<Sym> = graph.exchanges.iter().map(|e| e.to).collect();
    let root_callers = || graph.roots.iter().map(|&r| ex(r as usize).from);
    let client = root_callers()
        .find(|f| !callees.contains(f))
        .or_else(|| root_callers().next());
    let background_of = |root: usize| Some(ex(root).from).filter(|&f| Some(f) != client);

    let mut blocks: Vec<Block> = Vec::new();
    let mut in_token_block: HashSet<usize> = HashSet::new();
    // Token blocks: a service's calls that get its own token, whether it
    // makes them while serving a request (a served request's children) or
    // in the background (roots made by a service).
    let service_roots: Vec<u32> = graph
        .roots
        .iter()
        .copied()
        .filter(|&r| background_of(r as usize).is_some())
        .collect();
    let sibling_lists = std::iter::once(service_roots.as_slice())
        .chain(graph.exchanges.iter().map(|e| e.children.as_slice()));
    for siblings in sibling_lists {
        let kids: Vec<usize> = siblings
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

    // Drawing order: log order, except that calls a request adopted from
    // before its own line (a validation logged first, see graph) are drawn
    // right after that request's line, inside it.
    let mut early: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut deferred = vec![false; n];
    for (id, e) in graph.exchanges.iter().enumerate() {
        let Some(q) = e.parent.and_then(|p| ex(p as usize).request) else {
            continue;
        };
        if e.start() >= q as usize || deferred[e.start()] {
            continue;
        }
        let mut records: Vec<usize> = graph
            .subtree(id)
            .into_iter()
            .flat_map(|x| [ex(x).request, ex(x).response])
            .flatten()
            .map(|r| r as usize)
            .collect();
        records.sort_unstable();
        for &r in &records {
            deferred[r] = true;
        }
        early.entry(q as usize).or_default().extend(records);
    }
    let mut order: Vec<usize> = Vec::with_capacity(n);
    for (i, &later) in deferred.iter().enumerate() {
        if later {
            continue;
        }
        order.push(i);
        if let Some(list) = early.get_mut(&i) {
            list.sort_unstable();
            order.extend(list.iter().copied());
        }
    }
    let mut pos = vec![0usize; n];
    for (k, &r) in order.iter().enumerate() {
        pos[r] = k;
    }
    // Blocks in drawing positions.
    for b in &mut blocks {
        let (lo, hi) = (b.start..=b.end).fold((usize::MAX, 0), |(lo, hi), r| {
            (lo.min(pos[r]), hi.max(pos[r]))
        });
        b.start = lo;
        b.end = hi;
    }
    // Background runs: consecutive lines of background calls by one
    // service, in a `rect` that a note names.
    let owner = |r: usize| -> Option<Sym> {
        if is_dropped(r) || shown_as.contains_key(&r) {
            return None;
        }
        let e = *graph.by_record.get(r)? as usize;
        background_of(graph.root_of(e))
    };
    let mut runs: Vec<Block> = Vec::new();
    let mut current: Option<(Sym, usize, usize)> = None;
    for (k, &r) in order.iter().enumerate() {
        if is_dropped(r) || shown_as.contains_key(&r) {
            continue;
        }
        let who = owner(r);
        match (current, who) {
            (Some((s, a, _)), Some(w)) if s == w => current = Some((s, a, k)),
            _ => {
                if let Some((s, a, b)) = current.take() {
                    runs.push(background_block(s, a, b));
                }
                current = who.map(|w| (w, k, k));
            }
        }
    }
    if let Some((s, a, b)) = current {
        runs.push(background_block(s, a, b));
    }
    runs.extend(blocks);
    let mut blocks = runs;

    // Lines, in drawing order.
    blocks.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then((b.keyword == "rect").cmp(&(a.keyword == "rect")))
    });
    let mut items: Vec<Item> = Vec::new();
    let mut steps = vec![0u32; n];
    let mut open: Vec<usize> = Vec::new(); // block end positions
    let mut next_block = 0;
    let mut step = 0u32;
    // The child of the root call that `e` is in (the root for its own lines).
    let branch_of = |mut e: usize| {
        while let Some(p) = ex(e).parent.map(|p| p as usize) {
            if ex(p).parent.is_none() {
                return e;
            }
            e = p;
        }
        e
    };
    let line = |kind, depth: usize, of: usize, (root, branch): (usize, usize)| Item {
        kind,
        depth: depth as u32,
        of: of as u32,
        step: 0,
        root: root as u32,
        branch: branch as u32,
    };
    for (at, &i) in order.iter().enumerate() {
        if is_dropped(i) || shown_as.contains_key(&i) {
            continue;
        }
        let Some(&e) = graph.by_record.get(i) else {
            continue;
        };
        let e = e as usize;
        let root = (graph.root_of(e), branch_of(e));
        while let Some(b) = blocks.get(next_block).filter(|b| b.start <= at) {
            items.push(line(Kind::Open, open.len(), next_block, root));
            if b.keyword == "rect" {
                items.push(line(Kind::Background, open.len() + 1, next_block, root));
            }
            open.push(b.end);
            next_block += 1;
        }
        step += 1;
        steps[i] = step;
        let mut message = line(Kind::Message, open.len(), i, root);
        message.step = step;
        items.push(message);
        if ex(e).is_unpaired() {
            items.push(line(Kind::Note, open.len(), i, root));
        }
        while open.last().is_some_and(|&end| end <= at) {
            open.pop();
            items.push(line(Kind::Close, open.len(), 0, root));
        }
    }
    while open.pop().is_some() {
        let mut close = line(Kind::Close, open.len(), 0, (0, 0));
        close.root = u32::MAX;
        close.branch = u32::MAX;
        items.push(close);
    }
    for (r, s) in &shown_as {
        steps[*r] = steps[*s];
    }
    let background: HashMap<u32, Sym> = graph
        .roots
        .iter()
        .filter_map(|&r| background_of(r as usize).map(|s| (r, s)))
        .collect();
    Skeleton {
        participants,
        index,
        items,
        blocks,
        steps,
        messages: step as usize,
        background,
    }
}

/// The `rect` around a run of background lines (drawing positions `a..=b`).
fn background_block(service: Sym, a: usize, b: usize) -> Block {
    Block {
        start: a,
        end: b,
        keyword: "rect",
        service: Some(service),
        count: 0,
    }
}

impl Skeleton {
    /// The participants a line is drawn between: a message's sender and
    /// receiver; for a note, the one it stands over (the callee of a request
    /// with no response, the caller of a response with no request).
    pub fn ends(&self, item: &Item, facts: &[Facts]) -> [Option<Sym>; 2] {
        if item.kind == Kind::Background {
            let service = self.blocks.get(item.of as usize).and_then(|b| b.service);
            return [service, None];
        }
        let Some(f) = facts.get(item.of as usize) else {
            return [None, None];
        };
        match item.kind {
            Kind::Message if f.is_request() => [Some(f.from), Some(f.to)],
            Kind::Message => [Some(f.to), Some(f.from)],
            Kind::Note if f.is_request() => [Some(f.to), None],
            Kind::Note => [Some(f.from), None],
            Kind::Open | Kind::Close | Kind::Background => [None, None],
        }
    }
}

/// What a diagram line costs besides its words: `: ` or ` as `, the line
/// end, and the four spaces index.md's include puts in front of it.
const LINE_OVERHEAD: usize = 10;

/// The fill of a background `rect`: a light grey that reads on light and
/// dark themes alike.
const BACKGROUND_COLOUR: &str = "rgba(128, 128, 128, 0.12)";

/// What templates/diagram.md writes before a message's text: mermaid lays
/// the label out wrapped, within the participants' spacing.
const MESSAGE_PREFIX: &str = "wrap:";

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
        "background" => {
            "Note over ".len() + MESSAGE_PREFIX.len() + escape::mermaid_label(&item.text).len()
        }
        "close" => "end".len(),
        "message" => MESSAGE_PREFIX.len() + escape::mermaid_label(&item.text).len(),
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

/// The participant ids lines `a..=b` of `made` draw between.
type ParticipantsOf<'a> = dyn Fn(&[DiagramItem], usize, usize) -> HashSet<String> + 'a;

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
    /// a record's message; `labels` are the words of token blocks
    /// (`obtains_token`) and background notes (`background`).
    pub fn item(
        &self,
        k: usize,
        facts: &[Facts],
        names: &Names,
        labels: &Labels,
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
            Kind::Background => {
                let block = &self.blocks[item.of as usize];
                let who = block.service.map_or("", |s| {
                    self.index
                        .get(&s)
                        .map_or(names.str(s), |&p| self.participants[p].label.as_str())
                });
                DiagramItem {
                    from: id(a),
                    text: labels.background.replace("{service}", who),
                    ..blank("background")
                }
            }
            Kind::Open => {
                let block = &self.blocks[item.of as usize];
                let who = |s: Sym| {
                    self.index
                        .get(&s)
                        .map_or(names.str(s), |&p| self.participants[p].label.as_str())
                };
                let text = match (block.keyword, block.service) {
                    // A rect's text is its colour.
                    ("rect", _) => BACKGROUND_COLOUR.to_string(),
                    (_, Some(s)) => labels.obtains_token.replace("{service}", who(s)),
                    (_, None) => format!("{} times", block.count),
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

    /// The pieces of a chunk (lines `a..=b`) too big for one part: the
    /// calls its root call made (each with everything below it, cut only
    /// outside the blocks the chunk's first message is in), and single
    /// lines for a piece still too big on its own.
    #[allow(clippy::too_many_arguments)]
    fn pieces(
        &self,
        a: usize,
        b: usize,
        made: &[DiagramItem],
        sizes: &[usize],
        limits: &Limits,
        max_chars: usize,
        participants_of: &ParticipantsOf<'_>,
    ) -> Vec<(usize, usize)> {
        let items = &self.items[a..=b];
        let base = items
            .iter()
            .find(|i| i.kind == Kind::Message)
            .map_or(0, |i| i.depth);
        let mut last: HashMap<u32, usize> = HashMap::new();
        for (k, item) in items.iter().enumerate() {
            if item.branch != u32::MAX {
                last.insert(item.branch, a + k);
            }
        }
        let mut out = Vec::new();
        let mut start = a;
        let mut reach = a;
        for k in a..=b {
            let item = &self.items[k];
            if item.branch != u32::MAX {
                reach = reach.max(last.get(&item.branch).copied().unwrap_or(k));
            }
            reach = reach.max(k);
            let cut = k == b
                || (reach == k
                    && self
                        .items
                        .get(k + 1)
                        .is_some_and(|n| n.depth <= base && n.kind != Kind::Close));
            if !cut {
                continue;
            }
            let m = made[start..=k]
                .iter()
                .filter(|i| i.kind == "message")
                .count();
            let c: usize = sizes[start..=k].iter().sum();
            let people = participants_of(made, start, k).len();
            if m <= limits.max_messages
                && c <= max_chars
                && people <= limits.max_participants.max(2)
            {
                out.push((start, k));
            } else {
                out.extend((start..=k).map(|l| (l, l)));
            }
            start = k + 1;
        }
        out
    }

    /// Draws the diagram: whole, and in parts when it is over the limits
    /// (messages, characters, or participants: each participant is a
    /// column, and a drawing too wide is scaled down until nobody can read it).
    ///
    /// Parts are cut at root-call boundaries, the natural ones first: where
    /// a call of the client returns, else where the background work of one
    /// service gives way to another's (a part that would overflow goes back
    /// to the best such boundary in its second half). A root call too big
    /// for one part on its own is cut between its lines, and a block
    /// (`opt`, `loop`, `rect`) cut that way is closed at the end of one part
    /// and opened again at the start of the next. No part is ever over
    /// [`MAX_PART_CHARS`], participant lines and reopened blocks included.
    /// Only the first `max_parts` parts are drawn, so only their lines'
    /// text is ever made (`line(k)` makes line `k`).
    pub fn draw(&self, limits: &Limits, line: &dyn Fn(usize) -> DiagramItem) -> Drawn {
        let max_chars = limits.max_chars.min(MAX_PART_CHARS);
        let max_people = limits.max_participants.max(2);
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
        let declared = self.participants.iter().filter(|p| p.declare).count();
        if self.messages <= limits.max_messages && declared <= max_people {
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
                        end: None,
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
        // Who a chunk's lines work for: the client (0), one background
        // service (its symbol + 1), or several (MAX).
        let owner = |(a, b): (usize, usize)| -> u64 {
            let mut who: Option<u64> = None;
            for item in &self.items[a..=b] {
                if item.root == u32::MAX {
                    continue;
                }
                let w = self
                    .background
                    .get(&item.root)
                    .map_or(0, |&s| u64::from(s) + 1);
                who = match who {
                    None => Some(w),
                    Some(x) if x == w => Some(x),
                    Some(x) if x == 0 || w == 0 => Some(0),
                    Some(_) => Some(u64::MAX),
                };
            }
            who.unwrap_or(0)
        };
        // How natural a cut after chunk `j` is: 2 where a call of the client
        // returns, 1 where one service's background work gives way to
        // another's, 0 elsewhere.
        let rank = |j: usize| -> u8 {
            let (a, b) = chunks[j];
            let returns = self.items[a..=b]
                .iter()
                .rev()
                .find(|i| i.kind == Kind::Message)
                .is_some_and(|i| i.root != u32::MAX && !self.background.contains_key(&i.root));
            if returns {
                2
            } else if chunks
                .get(j + 1)
                .is_some_and(|&next| owner(next) != owner(chunks[j]))
            {
                1
            } else {
                0
            }
        };

        struct Part {
            start: usize,
            end: usize,
            messages: usize,
            size: usize,
            used: HashSet<String>,
            reopened: Vec<usize>,
            /// The whole chunks that end inside the part: (chunk, its last line).
            cuts: Vec<(usize, usize)>,
        }
        let close_size = LINE_OVERHEAD + "end".len();
        let cap = limits.max_parts.max(1);
        let mut parts: Vec<Part> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut left_from: Option<usize> = None;
        let is_message = |i: &DiagramItem| i.kind == "message";
        let participants_of = |made: &[DiagramItem], a: usize, b: usize| -> HashSet<String> {
            made[a..=b]
                .iter()
                .flat_map(|i| [i.from.as_str(), i.to.as_str()])
                .filter(|id| participant_size.contains_key(id))
                .map(str::to_string)
                .collect()
        };
        // The blocks open after lines a..=b, given those open before.
        let open_after = |made: &[DiagramItem], before: &[usize], a: usize, b: usize| {
            let mut after = before.to_vec();
            for (k, item) in made[a..=b].iter().enumerate() {
                match item.kind.as_str() {
                    "open" => after.push(a + k),
                    "close" => {
                        after.pop();
                    }
                    _ => {}
                }
            }
            after
        };
        let mut ci = 0;
        // Set when the part before was cut back to a natural boundary: the
        // next chunk starts a part whether it would fit or not.
        let mut fresh = false;
        'chunks: while ci < chunks.len() {
            let (a, b) = chunks[ci];
            make_until(&mut made, &mut sizes, b);
            // Pieces: the chunk, or its single lines when it is too big on its own.
            let m = made[a..=b].iter().filter(|i| is_message(i)).count();
            let ids = participants_of(&made, a, b);
            let c: usize = sizes[a..=b].iter().sum::<usize>()
                + ids
                    .iter()
                    .map(|id| participant_size[id.as_str()])
                    .sum::<usize>();
            let whole = m <= limits.max_messages && c <= max_chars && ids.len() <= max_people;
            let pieces: Vec<(usize, usize)> = if whole {
                vec![(a, b)]
            } else {
                self.pieces(a, b, &made, &sizes, limits, max_chars, &participants_of)
            };
            for (pa, pb) in pieces {
                let after = open_after(&made, &open, pa, pb);
                let m = made[pa..=pb].iter().filter(|i| is_message(i)).count();
                let c: usize = sizes[pa..=pb].iter().sum();
                let ids = participants_of(&made, pa, pb);
                let closes = after.len() * (close_size + after.len() * 2);
                let fits = !fresh
                    && parts.last().is_some_and(|p| {
                        let new: Vec<&String> =
                            ids.iter().filter(|id| !p.used.contains(*id)).collect();
                        let new_size: usize =
                            new.iter().map(|id| participant_size[id.as_str()]).sum();
                        p.messages + m <= limits.max_messages
                            && p.size + c + new_size + closes <= max_chars
                            && p.used.len() + new.len() <= max_people
                    });
                fresh = false;
                if fits {
                    if let Some(p) = parts.last_mut() {
                        p.end = pb;
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
                } else {
                    // Go back to a more natural boundary in the second half
                    // of the part, if there is one.
                    let back = parts.last().filter(|_| whole).and_then(|p| {
                        let (&(last_chunk, _), earlier) = p.cuts.split_last()?;
                        let half = p.cuts.first()?.0 + (last_chunk - p.cuts.first()?.0) / 2;
                        let here = rank(last_chunk);
                        earlier
                            .iter()
                            .filter(|&&(j, _)| j >= half)
                            .map(|&(j, end)| (rank(j), j, end))
                            .filter(|&(r, _, _)| r > here)
                            .max_by_key(|&(r, j, _)| (r, j))
                    });
                    if let (Some((_, j, end)), Some(p)) = (back, parts.last_mut()) {
                        p.end = end;
                        p.cuts.retain(|&(k, _)| k <= j);
                        let lines = p.start..=end;
                        p.messages = made[lines.clone()].iter().filter(|i| is_message(i)).count();
                        p.used = participants_of(&made, p.start, end);
                        let reopen: usize = p.reopened.iter().map(|&k| sizes[k]).sum();
                        p.size = reopen
                            + sizes[lines].iter().sum::<usize>()
                            + p.used
                                .iter()
                                .map(|id| participant_size[id.as_str()])
                                .sum::<usize>();
                        open = open_after(&made, &p.reopened, p.start, end);
                        ci = j + 1;
                        fresh = true;
                        continue 'chunks;
                    }
                    if parts.len() == cap {
                        left_from = Some(pa);
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
                        start: pa,
                        end: pb,
                        messages: m,
                        size,
                        used: ids,
                        reopened: open.clone(),
                        cuts: Vec::new(),
                    });
                }
                open = after;
            }
            if whole {
                if let Some(p) = parts.last_mut() {
                    p.cuts.push((ci, b));
                }
            }
            ci += 1;
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
        let close_line = |depth: usize| DiagramItem {
            kind: "close".into(),
            depth,
            keyword: String::new(),
            from: String::new(),
            to: String::new(),
            arrow: String::new(),
            text: String::new(),
            step: None,
        };
        let part_diagrams = parts
            .iter()
            .map(|part| {
                let mut items: Vec<DiagramItem> =
                    part.reopened.iter().map(|&k| made[k].clone()).collect();
                // A reopened background `rect` says again whose work it is.
                let mut reopened_notes = Vec::new();
                for (n, &k) in part.reopened.iter().enumerate() {
                    if made[k].keyword == "rect" {
                        if let Some(note) = made.get(k + 1).filter(|i| i.kind == "background") {
                            reopened_notes.push((n + 1, note.clone()));
                        }
                    }
                }
                for (at, note) in reopened_notes.into_iter().rev() {
                    items.insert(at, note);
                }
                // Positions in `items` of the blocks open so far.
                let mut stack: Vec<usize> = items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.kind == "open")
                    .map(|(k, _)| k)
                    .collect();
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
                    items.push(close_line(depth));
                }
                let used: HashSet<&str> = items
                    .iter()
                    .flat_map(|i| [i.from.as_str(), i.to.as_str()])
                    .collect();
                let start = items.iter().find_map(|i| i.step);
                let end = items.iter().rev().find_map(|i| i.step);
                Diagram {
                    participants: self
                        .participants
                        .iter()
                        .filter(|p| used.contains(p.id.as_str()))
                        .cloned()
                        .collect(),
                    start,
                    end,
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
                whole_items.push(close_line(depth));
            }
        }
        Drawn {
            whole: Diagram {
                participants: self.participants.clone(),
                items: whole_items,
                start: None,
                end: None,
            },
            parts: part_diagrams,
            left_out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_decoded_but_keep_their_shape() {
        assert_eq!(
            decode_query("resources=DISK_GB%3A20%2CVCPU%3A2&required=%21X"),
            "resources=DISK_GB:20,VCPU:2&required=!X"
        );
        // Escapes that would change how the query splits stay as written.
        assert_eq!(
            decode_query("a=x%26b%3Dc%25d%23e%2Bf"),
            "a=x%26b%3Dc%25d%23e%2Bf"
        );
        // Bytes that are not UTF-8, and broken escapes, stay as written.
        assert_eq!(decode_query("a=%FF%FE"), "a=%FF%FE");
        assert_eq!(decode_query("a=%4"), "a=%4");
        assert_eq!(decode_query("name=caf%C3%A9"), "name=café");
    }

    #[test]
    fn long_labels_lose_their_query_first() {
        assert_eq!(
            label("GET", "/v2/images", Some("name=x"), 72),
            "GET /v2/images?name=x"
        );
        assert_eq!(label("GET", "/v2/images", None, 72), "GET /v2/images");
        let long = label(
            "GET",
            "/placement/allocation_candidates",
            Some("limit=1000&resources=DISK_GB%3A20%2CMEMORY_MB%3A2048"),
            60,
        );
        assert_eq!(long.chars().count(), 60);
        assert_eq!(
            long,
            "GET /placement/allocation_candidates?limit=1000&resources=D…"
        );
        // A path too long on its own keeps its head and tail.
        let path = format!("/v1/{}/end", "x".repeat(100));
        let short = label("PUT", &path, Some("a=b"), 40);
        assert_eq!(short.chars().count(), 40);
        assert!(
            short.starts_with("PUT /v1/xxx") && short.ends_with("a=b"),
            "{short}"
        );
        // Never longer than the width, whatever the text.
        for width in MIN_LABEL_WIDTH..80 {
            for q in [None, Some("k=%E2%9C%93✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓✓")]
            {
                let l = label("200 OK", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n", q, width);
                assert!(l.chars().count() <= width, "{width}: {l}");
            }
        }
    }
}
