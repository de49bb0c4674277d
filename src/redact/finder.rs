//! Finding the key words (every spelling of every secret key) in text, fast.
//!
//! The positional rules ask of every body, header value, JSON key and JSON
//! string whether a key word is in it. An ASCII case-insensitive automaton
//! of all the spellings answers, but reads one byte at a time. Every
//! spelling holds one of a few short lower-case *anchors* (`pass`, `token`,
//! `key`...); those are searched for in a lower-cased copy of the text, a
//! piece at a time, with a SIMD searcher many times faster; the full
//! automaton then reads only the windows around them. The answers are
//! exactly those of the full automaton.

use std::cell::RefCell;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Words of which every built-in spelling holds one (checked when the
/// finder is built; a user key that holds none is its own anchor).
const ANCHORS: &[&str] = &[
    "pass",
    "pwd",
    "pswd",
    "token",
    "secret",
    "key",
    "sig",
    "configdrive",
    "cephclusterfsid",
    "rabbitcookie",
    "blob",
    "payload",
    "psk",
    "swifthashsuffix",
    "kek",
];

/// Texts shorter than this go straight to the full automaton.
const SHORT: usize = 256;

/// How much text is lower-cased at a time.
const CHUNK: usize = 32 * 1024;

thread_local! {
    static LOWER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

#[derive(Debug)]
pub(crate) struct KeyFinder {
    /// Every spelling, ASCII case-insensitive.
    all: AhoCorasick,
    /// The anchors, lower case, leftmost-first (what the SIMD searcher does).
    anchors: AhoCorasick,
    /// The longest spelling and the longest anchor, in bytes.
    longest: usize,
    longest_anchor: usize,
}

impl KeyFinder {
    pub fn new(spelled: &[String]) -> Result<KeyFinder, String> {
        let mut anchors: Vec<String> = ANCHORS.iter().map(|a| a.to_string()).collect();
        for s in spelled {
            let low = s.to_ascii_lowercase();
            if !anchors.iter().any(|a| low.contains(a.as_str())) {
                anchors.push(low);
            }
        }
        anchors.sort();
        anchors.dedup();
        let all = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(spelled)
            .map_err(|e| format!("redact.keys: {e}"))?;
        let leftmost = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&anchors)
            .map_err(|e| format!("redact.keys: {e}"))?;
        Ok(KeyFinder {
            all,
            anchors: leftmost,
            longest: spelled.iter().map(String::len).max().unwrap_or(0),
            longest_anchor: anchors.iter().map(String::len).max().unwrap_or(0),
        })
    }

    /// Whether a spelling occurs in `s`.
    pub fn is_match(&self, s: &str) -> bool {
        if s.len() < SHORT {
            return self.all.is_match(s);
        }
        let mut found = false;
        self.windows(s.as_bytes(), |w| {
            found = self.all.is_match(&s.as_bytes()[w]);
            !found
        });
        found
    }

    /// Every occurrence of every spelling in `s` (overlapping), as byte
    /// ranges sorted by start.
    pub fn hits(&self, s: &str) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        if s.len() < SHORT {
            out.extend(
                self.all
                    .find_overlapping_iter(s)
                    .map(|m| (m.start(), m.end())),
            );
        } else {
            let b = s.as_bytes();
            self.windows(b, |w| {
                let at = w.start;
                out.extend(
                    self.all
                        .find_overlapping_iter(&b[w])
                        .map(|m| (at + m.start(), at + m.end())),
                );
                true
            });
        }
        out.sort_unstable();
        out
    }

    /// Calls `f` with disjoint windows of `b`, in order, that hold every
    /// occurrence of every spelling, until `f` returns false.
    ///
    /// Each occurrence of a spelling holds an anchor occurrence `a`, which
    /// the leftmost search reports, or passes over because it starts inside
    /// a reported one `h` (`h.start <= a.start < h.end`). Either way the
    /// spelling lies within `h.start - longest .. h.end + longest`.
    fn windows(&self, b: &[u8], mut f: impl FnMut(Range<usize>) -> bool) {
        let reach = self.longest;
        // The window being widened, and whether `f` wants more.
        let mut current: Option<Range<usize>> = None;
        let mut go = true;
        LOWER.with(|cell| {
            let mut owned = Vec::new();
            let mut borrowed = cell.try_borrow_mut();
            let lower: &mut Vec<u8> = match borrowed.as_deref_mut() {
                Ok(v) => v,
                Err(_) => &mut owned,
            };
            let mut start = 0;
            while go && start < b.len() {
                // A chunk, and enough after it for an anchor that starts in it.
                let end = (start + CHUNK).min(b.len());
                let seen = (end + self.longest_anchor).min(b.len());
                lower.clear();
                lower.extend_from_slice(&b[start..seen]);
                lower.make_ascii_lowercase();
                let mut at = 0;
                while go {
                    let Some(m) = self.anchors.find(&lower[at..]) else {
                        break;
                    };
                    let (ms, me) = (start + at + m.start(), start + at + m.end());
                    if ms >= end {
                        break;
                    }
                    let w = ms.saturating_sub(reach)..(me + reach).min(b.len());
                    match &mut current {
                        Some(c) if w.start <= c.end => c.end = c.end.max(w.end),
                        Some(c) => {
                            let done = std::mem::replace(c, w);
                            go = f(done);
                        }
                        None => current = Some(w),
                    }
                    at += m.end();
                }
                start = end;
            }
            if lower.capacity() > 4 * CHUNK {
                *lower = Vec::new();
            }
        });
        if go {
            if let Some(c) = current {
                f(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::tests::Rng;

    fn spellings() -> Vec<String> {
        let mut out: Vec<String> = crate::redact::SANITIZE_KEYS
            .iter()
            .chain(crate::redact::EXTRA_KEYS)
            .flat_map(|k| crate::redact::keys::spellings(k))
            .chain(crate::redact::EXACT_KEYS.iter().map(|k| k.to_string()))
            .chain(["pin_code".to_string(), "x\ny".to_string()])
            .collect();
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn finds_what_the_full_automaton_finds() {
        let spelled = spellings();
        let f = KeyFinder::new(&spelled).unwrap();
        let full = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&spelled)
            .unwrap();
        const PIECES: &[&str] = &[
            "pass",
            "PASSWORD",
            "Token",
            "tok",
            "en",
            "kek",
            "key",
            "KeY",
            "sec",
            "ret",
            "_",
            "-",
            ".",
            " ",
            "\n",
            "x",
            "y",
            "pin",
            "code",
            "é",
            "PSK",
            "sig",
            "p",
            "s",
            "w",
            "d",
            "abcdefgh",
            "0123456789",
        ];
        let mut rng = Rng(0x7777_1234_abcd_0001);
        for round in 0..40 {
            let n = if round % 4 == 0 {
                30_000
            } else {
                rng.below(400)
            };
            let mut text = String::new();
            for _ in 0..n {
                text.push_str(rng.pick(PIECES));
            }
            let want: Vec<(usize, usize)> = {
                let mut v: Vec<(usize, usize)> = full
                    .find_overlapping_iter(&text)
                    .map(|m| (m.start(), m.end()))
                    .collect();
                v.sort_unstable();
                v
            };
            assert_eq!(f.hits(&text), want, "round {round}");
            assert_eq!(f.is_match(&text), full.is_match(&text));
            // Any slice too (the start and end of windows and chunks).
            for _ in 0..5 {
                let a = rng.below(text.len() + 1);
                let b = a + rng.below(text.len() - a + 1);
                if let Some(part) = text.get(a..b) {
                    assert_eq!(f.is_match(part), full.is_match(part), "{a}..{b}");
                }
            }
        }
        // A key word right across a chunk boundary.
        for shift in 0..8 {
            let text = format!("{}PassWord{}", "x".repeat(CHUNK - shift), "y".repeat(100));
            assert!(f.is_match(&text), "{shift}");
            assert_eq!(
                f.hits(&text).len(),
                full.find_overlapping_iter(&text).count()
            );
        }
        assert!(!f.is_match(&"x".repeat(3 * CHUNK)));
    }
}
