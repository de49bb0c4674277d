//! A tolerant scanner of JSON text that finds every string and number
//! value with the key it sits under, without building a tree: redaction
//! edits the captured text in place, so the layout stays as captured.
//!
//! While it reads a string it notes what the rules would look for in it
//! ([`flag`]), so most strings are passed over without being read again.

use std::ops::Range;

/// What a string holds, as bits.
pub(crate) mod flag {
    /// A backslash: an escape to decode.
    pub const ESCAPED: u8 = 1;
    /// A `%`, `@` or `K`: maybe a percent escape, URL userinfo or
    /// `PRIVATE KEY`.
    pub const UNKEYED: u8 = 2;
    /// A key word (a finder match lies within it).
    pub const HIT: u8 = 4;
}

/// What each byte means inside a string.
const END: u8 = 0x80;
const CLASS: [u8; 256] = {
    let mut c = [0u8; 256];
    c[b'"' as usize] = END;
    c[b'\n' as usize] = END;
    c[b'\\' as usize] = flag::ESCAPED;
    c[b'%' as usize] = flag::UNKEYED;
    c[b'@' as usize] = flag::UNKEYED;
    c[b'K' as usize] = flag::UNKEYED;
    c
};

/// A string of the text (between its quotes, escapes kept) and its [`flag`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Str<'a> {
    pub raw: &'a str,
    pub flags: u8,
}

impl Str<'_> {
    pub fn has(&self, flags: u8) -> bool {
        self.flags & flags != 0
    }
}

/// One scalar value found by [`json_scalars`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonScalar<'a> {
    /// The nearest key: the value's own key, or for an array element the
    /// key the array sits under.
    pub key: Option<Str<'a>>,
    /// The key the enclosing object sits under (`token` for `token.id`).
    pub parent: Option<Str<'a>>,
    /// The object the value sits directly in (numbered in order of
    /// appearance), or `None` in an array.
    pub object: Option<usize>,
    /// A string's content between its quotes, or a number literal.
    pub span: Range<usize>,
    pub string: bool,
    /// A string's [`flag`]s (0 for a number).
    pub flags: u8,
}

impl<'a> JsonScalar<'a> {
    /// The value as a [`Str`] (a number has no flags).
    pub fn value(&self, text: &'a str) -> Str<'a> {
        Str {
            raw: &text[self.span.clone()],
            flags: self.flags,
        }
    }
}

enum Frame<'a> {
    Object {
        id: usize,
        container: Option<Str<'a>>,
        key: Option<Str<'a>>,
        want_key: bool,
    },
    Array {
        container: Option<Str<'a>>,
    },
}

type Position<'a> = (Option<Str<'a>>, Option<Str<'a>>, Option<usize>);

/// The nearest key, parent key and enclosing object at the top of the stack.
fn position<'a>(stack: &[Frame<'a>]) -> Position<'a> {
    match stack.last() {
        None => (None, None, None),
        Some(Frame::Object {
            id, container, key, ..
        }) => (*key, *container, Some(*id)),
        Some(Frame::Array { container }) => (*container, None, None),
    }
}

/// The bytes that end a number or a `true`, `false`, `null`.
const ENDS_LITERAL: [bool; 256] = {
    let mut t = [false; 256];
    let ends = b" \t\r\n,:{}[]\"";
    let mut i = 0;
    while i < ends.len() {
        t[ends[i] as usize] = true;
        i += 1;
    }
    t
};

/// `c` in each byte of a `u64`.
const fn splat(c: u8) -> u64 {
    u64::from_ne_bytes([c; 8])
}

/// The high bit of each byte of `x` that equals `c`, and no other bit:
/// exact, with no carry from one byte into the next.
fn bytes_equal(x: u64, c: u8) -> u64 {
    const LOW7: u64 = splat(0x7f);
    let v = x ^ splat(c);
    !(((v & LOW7) + LOW7) | v) & !LOW7
}

/// The 8 bytes of `b` from `at`, the first in the lowest byte.
fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// Where a string's content that starts at `start` ends (its closing
/// quote, a line end or the end of `b`), and its [`flag`]s but
/// [`flag::HIT`]. An escaped byte (but not an escaped line end) is
/// skipped. Eight bytes at a time: the first byte in a word that ends the
/// string or starts an escape, and whether a flag byte comes before it.
#[inline(always)]
fn scan_string(b: &[u8], start: usize) -> (usize, u8) {
    let mut end = start;
    let mut flags = 0;
    while let Some(x) = word_at(b, end) {
        let ends = bytes_equal(x, b'"') | bytes_equal(x, b'\n');
        let escape = bytes_equal(x, b'\\');
        let unkeyed = bytes_equal(x, b'%') | bytes_equal(x, b'@') | bytes_equal(x, b'K');
        let stops = ends | escape;
        if stops == 0 {
            if unkeyed != 0 {
                flags |= flag::UNKEYED;
            }
            end += 8;
            continue;
        }
        // The high bit of the first byte that stops the word: the flag
        // bytes below it are in the string.
        let first = stops.trailing_zeros();
        if unkeyed & ((1u64 << first) - 1) != 0 {
            flags |= flag::UNKEYED;
        }
        end += (first / 8) as usize;
        if ends & (1u64 << first) != 0 {
            return (end, flags);
        }
        flags |= flag::ESCAPED;
        end += if b.get(end + 1) == Some(&b'\n') { 1 } else { 2 };
    }
    // Fewer than eight bytes left: one at a time.
    while let Some(&byte) = b.get(end) {
        let class = CLASS[usize::from(byte)];
        if class == 0 {
            end += 1;
        } else if class == END {
            break;
        } else if class == flag::ESCAPED {
            flags |= flag::ESCAPED;
            end += if b.get(end + 1) == Some(&b'\n') { 1 } else { 2 };
        } else {
            flags |= class;
            end += 1;
        }
    }
    (end.min(b.len()), flags)
}

/// Past the spaces from `at`: indentation comes in runs, read eight bytes
/// at a time.
fn skip_spaces(b: &[u8], mut at: usize) -> usize {
    while let Some(x) = word_at(b, at) {
        let other = x ^ splat(b' ');
        if other != 0 {
            return at + (other.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while b.get(at) == Some(&b' ') {
        at += 1;
    }
    at
}

/// Whether one of `hits` (sorted by start) lies within `span`; `cursor`
/// moves forward over the hits that start before it (spans come in order).
fn hit_within(hits: &[(usize, usize)], cursor: &mut usize, span: &Range<usize>) -> bool {
    while hits.get(*cursor).is_some_and(|h| h.0 < span.start) {
        *cursor += 1;
    }
    hits.get(*cursor..).is_some_and(|rest| {
        rest.iter()
            .take_while(|h| h.0 < span.end)
            .any(|h| h.1 <= span.end)
    })
}

/// Finds every string and number value in a JSON text with the key it sits
/// under, without building a tree: spans point into `text`. Tolerant: it
/// reads a cut-off document up to where it ends, and stops at the first byte
/// that cannot be JSON; it returns where it stopped (`text.len()` when it
/// read everything). A string ends at its closing quote, a line end or the
/// end of the text. `hits` (byte ranges sorted by start) are where the key
/// finder matches, for the [`flag::HIT`] flag.
pub(crate) fn json_scalars<'a>(
    text: &'a str,
    hits: &[(usize, usize)],
) -> (Vec<JsonScalar<'a>>, usize) {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 32);
    let mut stack: Vec<Frame> = Vec::with_capacity(16);
    let mut objects = 0;
    let mut cursor = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => {
                i = skip_spaces(b, i + 1);
            }
            b',' => {
                if let Some(Frame::Object { key, want_key, .. }) = stack.last_mut() {
                    *key = None;
                    *want_key = true;
                }
                i += 1;
            }
            b'{' => {
                let (container, _, _) = position(&stack);
                stack.push(Frame::Object {
                    id: objects,
                    container,
                    key: None,
                    want_key: true,
                });
                objects += 1;
                i += 1;
            }
            b'[' => {
                let (container, _, _) = position(&stack);
                stack.push(Frame::Array { container });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                let (end, mut flags) = scan_string(b, start);
                if hit_within(hits, &mut cursor, &(start..end)) {
                    flags |= flag::HIT;
                }
                let s = Str {
                    raw: &text[start..end],
                    flags,
                };
                match stack.last_mut() {
                    Some(Frame::Object { key, want_key, .. }) if *want_key => {
                        *key = Some(s);
                        *want_key = false;
                    }
                    _ => {
                        let (key, parent, object) = position(&stack);
                        out.push(JsonScalar {
                            key,
                            parent,
                            object,
                            span: start..end,
                            string: true,
                            flags,
                        });
                    }
                }
                i = if b.get(end) == Some(&b'"') {
                    end + 1
                } else {
                    end
                };
            }
            _ => {
                let start = i;
                while i < b.len() && !ENDS_LITERAL[usize::from(b[i])] {
                    i += 1;
                }
                let lit = &text[start..i];
                if lit.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                    let (key, parent, object) = position(&stack);
                    out.push(JsonScalar {
                        key,
                        parent,
                        object,
                        span: start..i,
                        string: false,
                        flags: 0,
                    });
                } else if !matches!(lit, "true" | "false" | "null") {
                    return (out, start);
                }
            }
        }
    }
    (out, b.len())
}

/// The scanner as it was before it was made faster, kept verbatim: the
/// property test holds the fast one to it.
#[cfg(test)]
mod reference {
    use super::{flag, JsonScalar, Str};
    use std::ops::Range;

    /// What each byte means inside a string.
    const END: u8 = 0x80;
    const CLASS: [u8; 256] = {
        let mut c = [0u8; 256];
        c[b'"' as usize] = END;
        c[b'\n' as usize] = END;
        c[b'\\' as usize] = flag::ESCAPED;
        c[b'%' as usize] = flag::UNKEYED;
        c[b'@' as usize] = flag::UNKEYED;
        c[b'K' as usize] = flag::UNKEYED;
        c
    };

    enum Frame<'a> {
        Object {
            id: usize,
            container: Option<Str<'a>>,
            key: Option<Str<'a>>,
            want_key: bool,
        },
        Array {
            container: Option<Str<'a>>,
        },
    }

    type Position<'a> = (Option<Str<'a>>, Option<Str<'a>>, Option<usize>);

    /// The nearest key, parent key and enclosing object at the top of the stack.
    fn position<'a>(stack: &[Frame<'a>]) -> Position<'a> {
        match stack.last() {
            None => (None, None, None),
            Some(Frame::Object {
                id, container, key, ..
            }) => (*key, *container, Some(*id)),
            Some(Frame::Array { container }) => (*container, None, None),
        }
    }

    /// The bytes that end a number or a `true`, `false`, `null`.
    const ENDS_LITERAL: [bool; 256] = {
        let mut t = [false; 256];
        let ends = b" \t\r\n,:{}[]\"";
        let mut i = 0;
        while i < ends.len() {
            t[ends[i] as usize] = true;
            i += 1;
        }
        t
    };

    /// Whether one of `hits` (sorted by start) lies within `span`; `cursor`
    /// moves forward over the hits that start before it (spans come in order).
    fn hit_within(hits: &[(usize, usize)], cursor: &mut usize, span: &Range<usize>) -> bool {
        while hits.get(*cursor).is_some_and(|h| h.0 < span.start) {
            *cursor += 1;
        }
        hits.get(*cursor..).is_some_and(|rest| {
            rest.iter()
                .take_while(|h| h.0 < span.end)
                .any(|h| h.1 <= span.end)
        })
    }

    /// Finds every string and number value in a JSON text with the key it sits
    /// under, without building a tree: spans point into `text`. Tolerant: it
    /// reads a cut-off document up to where it ends, and stops at the first byte
    /// that cannot be JSON; it returns where it stopped (`text.len()` when it
    /// read everything). A string ends at its closing quote, a line end or the
    /// end of the text. `hits` (byte ranges sorted by start) are where the key
    /// finder matches, for the [`flag::HIT`] flag.
    pub(super) fn json_scalars<'a>(
        text: &'a str,
        hits: &[(usize, usize)],
    ) -> (Vec<JsonScalar<'a>>, usize) {
        let b = text.as_bytes();
        let mut out = Vec::with_capacity(text.len() / 32);
        let mut stack: Vec<Frame> = Vec::with_capacity(16);
        let mut objects = 0;
        let mut cursor = 0;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\n' | b'\r' | b':' => {
                    // Indentation comes in runs.
                    i += 1;
                    while i < b.len() && b[i] == b' ' {
                        i += 1;
                    }
                }
                b',' => {
                    if let Some(Frame::Object { key, want_key, .. }) = stack.last_mut() {
                        *key = None;
                        *want_key = true;
                    }
                    i += 1;
                }
                b'{' => {
                    let (container, _, _) = position(&stack);
                    stack.push(Frame::Object {
                        id: objects,
                        container,
                        key: None,
                        want_key: true,
                    });
                    objects += 1;
                    i += 1;
                }
                b'[' => {
                    let (container, _, _) = position(&stack);
                    stack.push(Frame::Array { container });
                    i += 1;
                }
                b'}' | b']' => {
                    stack.pop();
                    i += 1;
                }
                b'"' => {
                    // To the closing quote or the line end; an escaped byte
                    // (but not an escaped line end) is skipped.
                    let start = i + 1;
                    let mut end = start;
                    let mut flags = 0;
                    while end < b.len() {
                        let class = CLASS[usize::from(b[end])];
                        if class == 0 {
                            end += 1;
                        } else if class == END {
                            break;
                        } else if class == flag::ESCAPED {
                            flags |= flag::ESCAPED;
                            end += if b.get(end + 1) == Some(&b'\n') { 1 } else { 2 };
                        } else {
                            flags |= class;
                            end += 1;
                        }
                    }
                    let end = end.min(b.len());
                    if hit_within(hits, &mut cursor, &(start..end)) {
                        flags |= flag::HIT;
                    }
                    let s = Str {
                        raw: &text[start..end],
                        flags,
                    };
                    match stack.last_mut() {
                        Some(Frame::Object { key, want_key, .. }) if *want_key => {
                            *key = Some(s);
                            *want_key = false;
                        }
                        _ => {
                            let (key, parent, object) = position(&stack);
                            out.push(JsonScalar {
                                key,
                                parent,
                                object,
                                span: start..end,
                                string: true,
                                flags,
                            });
                        }
                    }
                    i = if b.get(end) == Some(&b'"') {
                        end + 1
                    } else {
                        end
                    };
                }
                _ => {
                    let start = i;
                    while i < b.len() && !ENDS_LITERAL[usize::from(b[i])] {
                        i += 1;
                    }
                    let lit = &text[start..i];
                    if lit.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                        let (key, parent, object) = position(&stack);
                        out.push(JsonScalar {
                            key,
                            parent,
                            object,
                            span: start..i,
                            string: false,
                            flags: 0,
                        });
                    } else if !matches!(lit, "true" | "false" | "null") {
                        return (out, start);
                    }
                }
            }
        }
        (out, b.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A JSON string's content: plain letters, escapes, a cut escape, the
    /// bytes the flags note, multi-byte UTF-8 and raw line ends.
    fn string_body() -> impl Strategy<Value = String> {
        // A raw line end ends a string and what follows is read as garbage:
        // rare, so that most documents are read to their end.
        let piece = prop_oneof![
            200 => "[a-zA-Z0-9 _./:-]{1,12}",
            8 => Just("\\\"".to_string()),
            8 => Just("\\\\".to_string()),
            8 => Just("\\n".to_string()),
            8 => Just("\\u0041".to_string()),
            8 => Just("\\K".to_string()),
            8 => Just("\\é".to_string()),
            16 => "[%@K]",
            8 => "[é日\u{1F600}]",
            24 => "[A-Za-z0-9+/=]{20,120}",
            1 => prop_oneof![Just("\n"), Just("\\\n")].prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|v| v.concat())
    }

    fn quoted() -> impl Strategy<Value = String> {
        string_body().prop_map(|s| format!("\"{s}\""))
    }

    fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => quoted(),
            1 => "-?[0-9]{1,6}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
            1 => prop_oneof![Just("true"), Just("false"), Just("null")].prop_map(String::from),
        ]
    }

    /// Nested JSON, laid out compactly or pretty-printed with any indent.
    fn document() -> impl Strategy<Value = String> {
        let leaf = scalar();
        let tree = leaf.prop_recursive(5, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(|v| (false, v)),
                proptest::collection::vec((quoted(), inner), 0..6).prop_map(|v| {
                    (
                        true,
                        v.into_iter().map(|(k, v)| format!("{k}: {v}")).collect(),
                    )
                }),
            ]
            .prop_map(|(object, items): (bool, Vec<String>)| {
                let (open, close) = if object { ("{", "}") } else { ("[", "]") };
                format!("{open}{}{close}", items.join(","))
            })
        });
        let top = proptest::collection::vec((quoted(), tree), 1..8).prop_map(|v| {
            let items: Vec<String> = v.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("{{{}}}", items.join(","))
        });
        (top, 0usize..4).prop_map(|(t, indent)| pretty(&t, indent))
    }

    /// `compact` with a line end and `indent` spaces per level after each
    /// `{`, `[` and `,` outside strings (0: as it is).
    fn pretty(compact: &str, indent: usize) -> String {
        if indent == 0 {
            return compact.to_string();
        }
        let mut out = String::new();
        let (mut depth, mut in_str, mut esc) = (0usize, false, false);
        for c in compact.chars() {
            out.push(c);
            if in_str {
                match c {
                    _ if esc => esc = false,
                    '\\' => esc = true,
                    '"' | '\n' => in_str = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_str = true,
                '{' | '[' => depth += 1,
                '}' | ']' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if matches!(c, '{' | '[' | ',') {
                out.push('\n');
                out.push_str(&" ".repeat(depth * indent));
            }
        }
        out
    }

    /// Pieces of JSON-ish text in any order, with garbage among them.
    fn soup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            8 => scalar(),
            4 => "[{}\\[\\],:]",
            4 => "[ \t\r\n]{1,3}",
            2 => "\n {0,40}",
            1 => "[a-z'#()<>é]{1,3}",
            1 => Just("\"".to_string()),
            1 => Just("\\".to_string()),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    /// A text cut at any char boundary, and sorted hit ranges in it
    /// (overlapping ones too, as the finder's are).
    fn input() -> impl Strategy<Value = (String, Vec<(usize, usize)>)> {
        (
            prop_oneof![3 => document(), 1 => soup()],
            any::<prop::sample::Index>(),
            any::<bool>(),
            proptest::collection::vec((any::<prop::sample::Index>(), 0usize..24), 0..12),
        )
            .prop_map(|(text, cut, do_cut, hits)| {
                let mut text = text;
                if do_cut && !text.is_empty() {
                    let mut at = cut.index(text.len() + 1);
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    text.truncate(at);
                }
                let n = text.len() + 1;
                let mut hits: Vec<(usize, usize)> = hits
                    .into_iter()
                    .map(|(at, len)| {
                        let a = at.index(n);
                        (a, (a + len).min(text.len()).max(a))
                    })
                    .collect();
                hits.sort_unstable();
                (text, hits)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_scanner_matches_the_reference((text, hits) in input()) {
            prop_assert_eq!(
                json_scalars(&text, &hits),
                reference::json_scalars(&text, &hits),
                "text {:?} hits {:?}", text, hits
            );
        }
    }

    /// The JSON bodies of a requestshook log (a blank line after the
    /// headers, then the body up to the next record).
    fn log_bodies(log: &str) -> Vec<&str> {
        log.split("\n### ")
            .filter_map(|record| {
                let (_, body) = record.split_once("\n\n")?;
                let body = body.trim_end_matches('\n');
                body.starts_with(['{', '[']).then_some(body)
            })
            .collect()
    }

    /// Old and new scanner over the JSON bodies of the synthetic 10 MB log
    /// (with the built-in key finder's hits), alternated; best of rounds.
    /// `cargo test --release --lib json::tests::bench -- --ignored --nocapture`
    #[test]
    #[ignore = "a benchmark: run in release mode"]
    fn bench_old_vs_new() {
        let path = std::env::var("JSON_BENCH_LOG")
            .unwrap_or_else(|_| "/tmp/tracedoc-bench/synth-10mb.log".to_string());
        let Ok(log) = std::fs::read_to_string(&path) else {
            eprintln!("no {path}: skipped");
            return;
        };
        let rules = super::super::Rules::builtin();
        let bodies: Vec<(&str, Vec<(usize, usize)>)> = log_bodies(&log)
            .into_iter()
            .map(|b| (b, rules.finder.hits(b)))
            .collect();
        let bytes: usize = bodies.iter().map(|(b, _)| b.len()).sum();
        let scalars: usize = bodies.iter().map(|(b, h)| json_scalars(b, h).0.len()).sum();
        eprintln!("{scalars} scalars");
        for (b, h) in &bodies {
            assert_eq!(json_scalars(b, h), reference::json_scalars(b, h));
        }
        type Scan = for<'a> fn(&'a str, &[(usize, usize)]) -> (Vec<JsonScalar<'a>>, usize);
        let run = |f: Scan| {
            let t = std::time::Instant::now();
            let mut n = 0;
            for (b, h) in &bodies {
                let (s, stop) = f(std::hint::black_box(b), h);
                n += s.len() + stop;
            }
            std::hint::black_box(n);
            t.elapsed().as_nanos() as f64 / bytes as f64
        };
        // `JSON_BENCH_ONLY=old` (or `new`): only that one, 40 times (one
        // scanner per process: its own code layout, for `perf record`).
        if let Ok(only) = std::env::var("JSON_BENCH_ONLY") {
            let f: Scan = if only == "old" {
                reference::json_scalars
            } else {
                json_scalars
            };
            let t: Vec<f64> = (0..40).map(|_| run(f)).collect();
            eprintln!(
                "{only}: {:.3} ns/byte",
                t.iter().copied().fold(f64::MAX, f64::min)
            );
            return;
        }
        let (mut old, mut new) = (Vec::new(), Vec::new());
        for round in 0..41 {
            // Each goes first in every other round.
            if round % 2 == 0 {
                old.push(run(reference::json_scalars));
                new.push(run(json_scalars));
            } else {
                new.push(run(json_scalars));
                old.push(run(reference::json_scalars));
            }
        }
        old.sort_by(f64::total_cmp);
        new.sort_by(f64::total_cmp);
        eprintln!(
            "{} bodies, {bytes} bytes: old {:.3} ns/byte (median {:.3}), new {:.3} ns/byte (median {:.3})",
            bodies.len(),
            old[0],
            old[old.len() / 2],
            new[0],
            new[new.len() / 2],
        );
    }
}
