//! The second half of redaction: every secret the positional rules found
//! anywhere in a capture, replaced wherever else it appears (as captured,
//! JSON-escaped or percent-encoded), then the user's patterns.

use std::cell::RefCell;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use indexmap::IndexMap;
use regex::Regex;
use rustc_hash::FxHashMap;

use super::codec::{
    apply_edits, json_unescape, json_unescape_text, merge_edits, percent_decode,
    percent_decode_bytes, percent_decode_text, Edit,
};
use super::keys::is_key_word;
use super::{hash_name, Found, Rules, MASK, MIN_HUNTED_SECRET, MIN_HUNTED_TOKEN};

/// Replaces every known secret wherever it appears; built once per capture
/// after pass 1, from every secret found in it ([`Found`]), with the name
/// each token is shown as.
pub struct Hunter {
    /// Every hunted value (tokens of [`MIN_HUNTED_TOKEN`] characters or
    /// more, other secrets of [`super::MIN_HUNTED_SECRET`] or more).
    finder: Option<AhoCorasick>,
    /// What lets the first look at a body skip most of it.
    sieve: Option<Sieve>,
    /// What each hunted value becomes, by pattern index.
    with: Vec<String>,
    /// The name of every token value found (hunted or not), and of every
    /// form a token was found in.
    names: FxHashMap<String, String>,
    /// The user's `[redact] patterns`.
    patterns: Vec<Regex>,
}

/// Decoding buffers for the hunt's first look at escaped text, one per
/// thread, so a line with an escape and no secret costs no allocation.
struct Scratch {
    text: String,
    bytes: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch {
            text: String::new(),
            bytes: Vec::new(),
        })
    };
}

/// A scratch buffer that grew past this is let go after use.
const SCRATCH_KEPT: usize = 1 << 20;

fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let out = f(&mut s);
            if s.text.capacity() > SCRATCH_KEPT {
                s.text = String::new();
            }
            if s.bytes.capacity() > SCRATCH_KEPT {
                s.bytes = Vec::new();
            }
            out
        }
        Err(_) => f(&mut Scratch {
            text: String::new(),
            bytes: Vec::new(),
        }),
    })
}

/// From how many bytes of capture the hunt's faster automaton pays for
/// its slower build.
const FAST_HUNT_BYTES: usize = 4 << 20;

/// About how much text is decoded at once to be looked at.
const DECODED_CHUNK: usize = 64 << 10;

/// `text` in pieces of about `size` bytes that end at line ends (a line
/// longer than that is one piece).
fn whole_lines(text: &str, size: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = if rest.len() <= size {
            rest.len()
        } else {
            let after = memchr::memchr(b'\n', &rest.as_bytes()[size..]).map(|i| size + i + 1);
            let before = memchr::memrchr(b'\n', &rest.as_bytes()[..size]).map(|i| i + 1);
            before.or(after).unwrap_or(rest.len())
        };
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        Some(piece)
    })
}

/// A filter in front of the automaton for the hunt's first look at a body.
///
/// The automaton reads every byte, and a body of a big capture is mostly
/// text without a secret. Every hunted value is at least `shortest` bytes
/// long, so with `step = shortest - GRAM + 1` every occurrence of one
/// holds, at some offset below `step`, a position that is a multiple of
/// `step`; the `GRAM` bytes there are one of the grams at offsets
/// `0..step` of that value. The sieve keeps those grams of every value in
/// a bit set, reads the text only at multiples of `step`, and hands the
/// automaton only the stretches around a gram it knows. It answers what
/// `AhoCorasick::is_match` answers on the whole text (the tests hold it to
/// that): a stretch runs from `step - 1` bytes before the gram to the
/// longest value's length after it, so it holds every occurrence that the
/// gram can be part of.
struct Sieve {
    bits: Vec<u64>,
    /// log2 of the number of bits.
    order: u32,
    step: usize,
    longest: usize,
}

/// The bytes a sieve hashes at a time.
const GRAM: usize = 4;

impl Sieve {
    /// A sieve for these values, or `None` when one is too short for it to
    /// skip anything worth the bookkeeping.
    fn new<'a>(values: impl Iterator<Item = &'a str> + Clone) -> Option<Sieve> {
        let shortest = values.clone().map(str::len).min()?;
        let longest = values.clone().map(str::len).max()?;
        if shortest < 2 * GRAM {
            return None;
        }
        let step = shortest - GRAM + 1;
        let grams = values.clone().count().saturating_mul(step);
        // About 64 bits per gram: a text's gram is a false alarm about
        // once in 64 looks (up to 2^24 bits, 2 MiB).
        let order = grams
            .saturating_mul(64)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(12, 24);
        let mut sieve = Sieve {
            bits: vec![0; (1usize << order) / 64],
            order,
            step,
            longest,
        };
        for v in values {
            let b = v.as_bytes();
            for at in 0..step {
                let k = sieve.slot(&b[at..at + GRAM]);
                sieve.bits[k / 64] |= 1 << (k % 64);
            }
        }
        Some(sieve)
    }

    fn slot(&self, gram: &[u8]) -> usize {
        let g = u32::from_le_bytes([gram[0], gram[1], gram[2], gram[3]]);
        (g.wrapping_mul(0x9E37_79B1) >> (32 - self.order)) as usize
    }

    fn knows(&self, gram: &[u8]) -> bool {
        let k = self.slot(gram);
        self.bits[k / 64] & (1 << (k % 64)) != 0
    }

    /// Whether any value occurs in `text` (`f` is the automaton of the
    /// same values).
    fn is_match(&self, f: &AhoCorasick, text: &[u8]) -> bool {
        // The stretch found but not yet handed to the automaton.
        let mut open: Option<(usize, usize)> = None;
        let mut at = 0;
        while at + GRAM <= text.len() {
            if self.knows(&text[at..at + GRAM]) {
                let start = at.saturating_sub(self.step - 1);
                let end = (at + self.longest).min(text.len());
                open = match open {
                    Some((s, e)) if start <= e => Some((s, end.max(e))),
                    Some((s, e)) => {
                        if f.is_match(&text[s..e]) {
                            return true;
                        }
                        Some((start, end))
                    }
                    None => Some((start, end)),
                };
            }
            at += self.step;
        }
        open.is_some_and(|(s, e)| f.is_match(&text[s..e]))
    }
}

/// Counts only: the values are the secrets being hidden.
impl std::fmt::Debug for Hunter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hunter")
            .field("hunted", &self.with.len())
            .field("named", &self.names.len())
            .field("patterns", &self.patterns.len())
            .finish()
    }
}

impl Hunter {
    /// The hunter of a capture: `found` is every secret pass 1 found in it,
    /// `name` the name a token value is shown as (the correlation stage's
    /// `token-N`, or [`hash_name`]). The user's patterns come from `rules`.
    pub fn new(rules: &Rules, found: &Found, name: &dyn Fn(&str) -> String) -> Hunter {
        Hunter::build(found, name, rules.patterns.clone(), false)
    }

    /// [`Hunter::new`] for a capture of `bytes` bytes: a big one gets the
    /// automaton that is slower to build and faster to search.
    pub fn for_size(
        rules: &Rules,
        found: &Found,
        name: &dyn Fn(&str) -> String,
        bytes: usize,
    ) -> Hunter {
        Hunter::build(
            found,
            name,
            rules.patterns.clone(),
            bytes >= FAST_HUNT_BYTES,
        )
    }

    /// A hunter that knows no secret and no pattern.
    pub fn none() -> Hunter {
        Hunter {
            finder: None,
            sieve: None,
            with: Vec::new(),
            names: FxHashMap::default(),
            patterns: Vec::new(),
        }
    }

    pub(crate) fn build(
        found: &Found,
        name: &dyn Fn(&str) -> String,
        patterns: Vec<Regex>,
        fast: bool,
    ) -> Hunter {
        let mut names: FxHashMap<String, String> = FxHashMap::default();
        for (value, named_by) in &found.tokens {
            for v in [value.as_str(), named_by.as_deref().unwrap_or(value)] {
                if !names.contains_key(v) {
                    names.insert(v.to_string(), name(v));
                }
            }
        }
        let mut all: IndexMap<&str, &str> = IndexMap::new();
        for (value, named_by) in &found.tokens {
            if value.chars().count() >= MIN_HUNTED_TOKEN {
                let by = named_by.as_deref().unwrap_or(value);
                if let Some(n) = names.get(by) {
                    all.entry(value.as_str()).or_insert(n.as_str());
                }
            }
        }
        for v in &found.masked {
            // A password that is itself a key word (`password`, `secret`) is
            // masked where it is keyed, but hunting it would wipe that word
            // from every key and method name of the capture.
            if !is_key_word(v) {
                all.entry(v.as_str()).or_insert(MASK);
            }
        }
        // A contiguous NFA: a DFA searches faster (a fifth of the time of
        // rendering a big log goes to the hunt) but takes far longer to
        // build, and a hunter is built for every capture (and for every
        // warning's text), mostly to search a few kB; big captures (`fast`)
        // get the DFA. The automaton of a huge set may outgrow the limits
        // of either; the noncontiguous one has the widest.
        let build = |kind: Option<AhoCorasickKind>| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .prefilter(false)
                .kind(kind)
                .build(all.keys())
        };
        let finder = if all.is_empty() {
            None
        } else {
            // A DFA of thousands of tokens takes hundreds of MiB: the
            // automatic choice makes one only of a small set.
            let first = if fast {
                None
            } else {
                Some(AhoCorasickKind::ContiguousNFA)
            };
            build(first)
                .or_else(|_| build(Some(AhoCorasickKind::ContiguousNFA)))
                .or_else(|_| build(Some(AhoCorasickKind::NoncontiguousNFA)))
                .ok()
        };
        let sieve = finder
            .as_ref()
            .and_then(|_| Sieve::new(all.keys().copied()));
        let with = all.values().map(|n| n.to_string()).collect();
        Hunter {
            finder,
            sieve,
            with,
            names,
            patterns,
        }
    }

    /// The name a token value is shown as.
    pub fn name(&self, token: &str) -> String {
        self.names
            .get(token)
            .cloned()
            .unwrap_or_else(|| hash_name(token))
    }

    /// Whether `value` is a token found in the capture (in any form, of
    /// any length), or the hunt or a user pattern changes it (it holds a
    /// hunted secret, or matches a pattern). A value that this or
    /// [`Found::is_secret`] says is hidden must never become a variable.
    pub fn hides(&self, value: &str) -> bool {
        self.names.contains_key(value) || self.apply(value).is_some()
    }

    fn matches(&self, f: &AhoCorasick, s: &str, edits: &mut Vec<Edit>) {
        for m in f.find_iter(s) {
            if let Some(with) = self.with.get(m.pattern().as_usize()) {
                edits.push(Edit::new(m.range(), with.clone()));
            }
        }
    }

    /// `s` with every hunted secret and pattern match replaced, or `None`
    /// when nothing matched.
    pub(crate) fn apply(&self, s: &str) -> Option<String> {
        let mut edits = Vec::new();
        // Every hunted value is longer than this, and decoding only shortens.
        let short = s.len() < MIN_HUNTED_SECRET.min(MIN_HUNTED_TOKEN);
        if let Some(f) = self.finder.as_ref().filter(|_| !short) {
            self.matches(f, s, &mut edits);
            // A first look at the decoded text without its map back to the
            // source; decoded again with the map only when it holds a secret.
            let (escaped, encoded) = with_scratch(|scratch| {
                (
                    json_unescape_text(s, &mut scratch.text).is_some_and(|t| f.is_match(t)),
                    percent_decode_text(s, &mut scratch.bytes).is_some_and(|t| f.is_match(t)),
                )
            });
            if escaped {
                if let Some(d) = json_unescape(s) {
                    let mut inner = Vec::new();
                    self.matches(f, &d.text, &mut inner);
                    edits.extend(d.source_edits(inner, 0));
                }
            }
            if encoded {
                if let Some(d) = percent_decode(s) {
                    let mut inner = Vec::new();
                    self.matches(f, &d.text, &mut inner);
                    edits.extend(d.source_edits(inner, 0));
                }
            }
        }
        let mut out: Option<String> =
            (!edits.is_empty()).then(|| apply_edits(s, &merge_edits(edits)));
        for p in &self.patterns {
            if let std::borrow::Cow::Owned(new) = p.replace_all(out.as_deref().unwrap_or(s), MASK) {
                out = Some(new);
            }
        }
        out
    }

    /// Whether the hunt may change anything in a line of `text`: one look
    /// at all of it, as captured and decoded (a line's decoded text is part
    /// of the whole text's), before going line by line.
    pub(crate) fn may_touch(&self, text: &str) -> bool {
        if !self.patterns.is_empty() {
            return true;
        }
        let Some(f) = &self.finder else {
            return false;
        };
        let is_match = |bytes: &[u8]| match &self.sieve {
            Some(sieve) => sieve.is_match(f, bytes),
            None => f.is_match(bytes),
        };
        if is_match(text.as_bytes()) {
            return true;
        }
        // The decoded forms, a few whole lines at a time: no escape spans a
        // line end and no hunted value holds one, so this finds what one
        // look at the whole would, and a body of megabytes is never
        // decoded whole.
        whole_lines(text, DECODED_CHUNK).any(|chunk| {
            with_scratch(|scratch| {
                json_unescape_text(chunk, &mut scratch.text).is_some_and(|t| is_match(t.as_bytes()))
                    || percent_decode_bytes(chunk, &mut scratch.bytes).is_some_and(&is_match)
            })
        })
    }

    /// Whether [`Hunter::apply`] may change `t`, at a fraction of its cost:
    /// a text with an escape (`\\`, `%`) may hide a value; any other may
    /// change only when a hunted value occurs in it, which the sieve rules
    /// out for most texts without the automaton.
    pub(crate) fn may_change(&self, t: &str) -> bool {
        if !self.patterns.is_empty() {
            return true;
        }
        let Some(f) = &self.finder else {
            return false;
        };
        let b = t.as_bytes();
        // What `apply` passes over.
        if b.len() < MIN_HUNTED_SECRET.min(MIN_HUNTED_TOKEN) {
            return false;
        }
        memchr::memchr2(b'\\', b'%', b).is_some()
            || match &self.sieve {
                Some(sieve) => sieve.is_match(f, b),
                None => f.is_match(b),
            }
    }

    /// [`Hunter::apply`] on every `\n`-separated line of `text` (patterns
    /// apply one line at a time), or `None` when no line changes.
    pub(crate) fn lines(&self, text: &str) -> Option<String> {
        if !self.may_touch(text) {
            return None;
        }
        let mut out: Option<String> = None;
        let mut at = 0;
        for line in text.split('\n') {
            let end = at + line.len();
            match self.apply(line) {
                Some(new) => {
                    let o = out.get_or_insert_with(|| {
                        let mut o = String::with_capacity(text.len() + 64);
                        o.push_str(&text[..at]);
                        o
                    });
                    o.push_str(&new);
                }
                None => {
                    if let Some(o) = out.as_mut() {
                        o.push_str(line);
                    }
                }
            }
            if end < text.len() {
                if let Some(o) = out.as_mut() {
                    o.push('\n');
                }
            }
            at = end + 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{whole_lines, Sieve};
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
    use proptest::prelude::*;

    fn automaton(values: &[String]) -> AhoCorasick {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .prefilter(false)
            .build(values)
            .unwrap()
    }

    proptest! {
        /// The sieve answers what the automaton answers on the whole text:
        /// values planted anywhere (at the start, the end, across each
        /// other), from a small alphabet so grams collide often.
        #[test]
        fn the_sieve_finds_what_the_automaton_finds(
            values in proptest::collection::vec("[ab\\x{e9}c]{8,40}", 1..40),
            filler in proptest::collection::vec("[abc\\x{e9}d \n]{0,60}", 1..8),
            planted in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0usize..6), 0..4),
        ) {
            let mut text = filler.concat();
            for (value, at, cut) in planted {
                let v = value.get(&values);
                // Sometimes a value cut short: a near miss.
                let v = if cut == 0 { &v[..v.char_indices().nth(v.chars().count() / 2).map_or(0, |c| c.0)] } else { v.as_str() };
                let mut k = at.index(text.len() + 1);
                while !text.is_char_boundary(k) {
                    k -= 1;
                }
                text.insert_str(k, v);
            }
            let f = automaton(&values);
            let sieve = Sieve::new(values.iter().map(String::as_str)).unwrap();
            prop_assert_eq!(sieve.is_match(&f, text.as_bytes()), f.is_match(&text));
        }
    }

    proptest! {
        /// What `may_change` lets pass, `apply` would not have changed:
        /// texts holding the values as they are, cut short, JSON- or
        /// percent-escaped, or not at all.
        #[test]
        fn what_may_change_passes_over_apply_leaves_alone(
            values in proptest::collection::vec("[ab\\x{e9}c]{8,30}", 1..12),
            filler in proptest::collection::vec("[abc\\x{e9}d =]{0,30}", 1..4),
            planted in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..5), 0..3),
        ) {
            let mut found = super::Found::default();
            for v in &values {
                found.mask(v);
            }
            let hunter = super::Hunter::build(&found, &|v| super::hash_name(v), Vec::new(), false);
            let mut text = filler.concat();
            for (value, form) in planted {
                let v = value.get(&values);
                let v = match form {
                    0 => v[..v.char_indices().nth(4).map_or(0, |c| c.0)].to_string(),
                    1 => v.replace('a', "\\u0061"),
                    2 => v.replace('b', "%62"),
                    _ => v.clone(),
                };
                text.push_str(&v);
                text.push_str(&filler[0]);
            }
            if !hunter.may_change(&text) {
                prop_assert_eq!(hunter.apply(&text), None);
            }
            // Every planted value as it is is found.
            if values.iter().any(|v| text.contains(v.as_str())) {
                prop_assert!(hunter.may_change(&text));
            }
        }
    }

    #[test]
    fn the_sieve_is_not_made_for_short_values() {
        assert!(Sieve::new(["abcdefg", "abcdefghijk"].into_iter()).is_none());
        assert!(Sieve::new(["abcdefgh"].into_iter()).is_some());
        assert!(Sieve::new(std::iter::empty()).is_none());
    }

    #[test]
    fn the_sieve_finds_a_value_at_every_offset() {
        let values = vec!["0123456789abcdefXYZ".to_string(), "qwertyuiop".to_string()];
        let f = automaton(&values);
        let sieve = Sieve::new(values.iter().map(String::as_str)).unwrap();
        for v in &values {
            for pad in 0..40 {
                for tail in [0, 1, 7] {
                    let text = format!("{}{v}{}", "-".repeat(pad), "+".repeat(tail));
                    assert!(sieve.is_match(&f, text.as_bytes()), "{text}");
                    let miss = format!("{}{}{}", "-".repeat(pad), &v[1..], "+".repeat(tail));
                    assert_eq!(
                        sieve.is_match(&f, miss.as_bytes()),
                        f.is_match(&miss),
                        "{miss}"
                    );
                }
            }
        }
    }

    #[test]
    fn whole_lines_cut_at_line_ends_and_lose_nothing() {
        let text = "ab\ncd\nefghij\n\nk";
        for size in 1..=text.len() + 1 {
            let pieces: Vec<&str> = whole_lines(text, size).collect();
            assert_eq!(pieces.concat(), text, "{size}");
            for p in &pieces[..pieces.len() - 1] {
                assert!(p.ends_with('\n'), "{size}: {pieces:?}");
            }
        }
        assert_eq!(whole_lines("", 4).count(), 0);
    }
}
