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
