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
        let with = all.values().map(|n| n.to_string()).collect();
        Hunter {
            finder,
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
        if f.is_match(text) {
            return true;
        }
        // The decoded forms, a few whole lines at a time: no escape spans a
        // line end and no hunted value holds one, so this finds what one
        // look at the whole would, and a body of megabytes is never
        // decoded whole.
        whole_lines(text, DECODED_CHUNK).any(|chunk| {
            with_scratch(|scratch| {
                json_unescape_text(chunk, &mut scratch.text).is_some_and(|t| f.is_match(t))
                    || percent_decode_bytes(chunk, &mut scratch.bytes)
                        .is_some_and(|b| f.is_match(b))
            })
        })
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
    use super::whole_lines;

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
