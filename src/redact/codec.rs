//! Edits of a text by byte span, and the decoders whose output maps back to
//! the bytes they came from (JSON string escapes, percent-encoding), so an
//! edit found in decoded text lands on the exact captured bytes.

use std::borrow::Cow;
use std::ops::Range;

/// A replacement of one byte span of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub span: Range<usize>,
    pub with: String,
}

impl Edit {
    pub fn new(span: Range<usize>, with: String) -> Edit {
        Edit { span, with }
    }

    pub fn mask(span: Range<usize>) -> Edit {
        Edit::new(span, super::MASK.to_string())
    }

    pub fn shift(self, by: usize) -> Edit {
        Edit::new(self.span.start + by..self.span.end + by, self.with)
    }
}

/// Edits in order, without overlaps: an edit that overlaps an earlier one
/// widens it (both spans go; the earlier replacement stays).
pub(crate) fn merge_edits(mut edits: Vec<Edit>) -> Vec<Edit> {
    if edits.len() < 2 {
        edits.retain(|e| !e.span.is_empty());
        return edits;
    }
    edits.sort_by(|a, b| {
        a.span
            .start
            .cmp(&b.span.start)
            .then(b.span.end.cmp(&a.span.end))
    });
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        if e.span.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if e.span.start < last.span.end => {
                last.span.end = last.span.end.max(e.span.end);
            }
            _ => out.push(e),
        }
    }
    out
}

/// `text` with every edit applied; edits are in order and do not overlap.
pub(crate) fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in edits {
        out.push_str(text.get(at..e.span.start).unwrap_or(""));
        out.push_str(&e.with);
        at = e.span.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// `text` with `edits` applied, or `None` when there are none.
pub(crate) fn edited(text: &str, edits: &[Edit]) -> Option<String> {
    (!edits.is_empty()).then(|| apply_edits(text, edits))
}

/// A decoded string, and where each of its bytes came from in the source.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub text: String,
    /// For each byte of `text`, the source offset where its character's
    /// encoding starts; one more entry for the end (the source length).
    map: Vec<usize>,
    /// How a replacement is written in the source.
    encode: fn(&str) -> String,
}

impl Decoded {
    /// Edits of the decoded text as edits of the source (which starts at
    /// `offset` in its own text), their replacements encoded the way the
    /// source is.
    pub fn source_edits(&self, edits: Vec<Edit>, offset: usize) -> impl Iterator<Item = Edit> + '_ {
        edits.into_iter().filter_map(move |e| {
            let start = *self.map.get(e.span.start)?;
            let end = *self.map.get(e.span.end)?;
            Some(Edit::new(
                offset + start..offset + end,
                (self.encode)(&e.with),
            ))
        })
    }
}

/// Escapes what a name needs inside a JSON string literal.
pub(crate) fn json_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Percent-encodes what would change a URL's structure.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '"' | '&' | '=' | '#' | '?' | ' ' | '+' | ';' | '\\' => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// A JSON key read through its escapes.
pub(crate) fn unescaped(raw: &str) -> Cow<'_, str> {
    match json_unescape(raw) {
        Some(d) => Cow::Owned(d.text),
        None => Cow::Borrowed(raw),
    }
}

/// Decodes the JSON string escapes of `s` into `text` (and, when given,
/// the source offset of each decoded byte into `map`); whether anything
/// was decoded. An escape that is not one is kept as written.
fn json_unescape_into(s: &str, text: &mut String, mut map: Option<&mut Vec<usize>>) -> bool {
    let b = s.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let h = s.get(at..at + 4)?;
        if h.bytes().all(|c| c.is_ascii_hexdigit()) {
            u32::from_str_radix(h, 16).ok()
        } else {
            None
        }
    };
    let mut i = 0;
    let mut changed = false;
    while i < b.len() {
        let start = i;
        let c = if b[i] == b'\\' && i + 1 < b.len() {
            let simple = match b[i + 1] {
                b'"' => Some('"'),
                b'\\' => Some('\\'),
                b'/' => Some('/'),
                b'b' => Some('\u{8}'),
                b'f' => Some('\u{c}'),
                b'n' => Some('\n'),
                b'r' => Some('\r'),
                b't' => Some('\t'),
                _ => None,
            };
            match (simple, b[i + 1]) {
                (Some(c), _) => {
                    i += 2;
                    c
                }
                (None, b'u') => match hex4(i + 2) {
                    Some(hi @ 0xD800..=0xDBFF) => {
                        let lo = (s.get(i + 6..i + 8) == Some("\\u"))
                            .then(|| hex4(i + 8))
                            .flatten()
                            .filter(|lo| (0xDC00..=0xDFFF).contains(lo));
                        match lo {
                            Some(lo) => {
                                i += 12;
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                    .unwrap_or('\u{FFFD}')
                            }
                            None => {
                                i += 6;
                                '\u{FFFD}'
                            }
                        }
                    }
                    Some(v) => {
                        i += 6;
                        char::from_u32(v).unwrap_or('\u{FFFD}')
                    }
                    None => {
                        i += 1;
                        '\\'
                    }
                },
                (None, _) => {
                    i += 1;
                    '\\'
                }
            }
        } else {
            let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            i += c.len_utf8();
            c
        };
        if i - start != c.len_utf8() {
            changed = true;
        }
        text.push(c);
        if let Some(map) = map.as_deref_mut() {
            map.extend(std::iter::repeat_n(start, c.len_utf8()));
        }
    }
    if let Some(map) = map {
        map.push(b.len());
    }
    changed
}

/// `s` with its JSON string escapes (`\"`, `\\`, `\/`, `\n`, `\uXXXX`,
/// surrogate pairs) decoded, or `None` when it has none. An escape that is
/// not one is kept as written.
pub(crate) fn json_unescape(s: &str) -> Option<Decoded> {
    memchr::memchr(b'\\', s.as_bytes())?;
    let mut text = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len() + 1);
    json_unescape_into(s, &mut text, Some(&mut map)).then_some(Decoded {
        text,
        map,
        encode: json_escape,
    })
}

/// The text [`json_unescape`] gives, decoded into `scratch` without the
/// map back to the source (the cheap first look of the hunt).
pub(crate) fn json_unescape_text<'s>(s: &str, scratch: &'s mut String) -> Option<&'s str> {
    memchr::memchr(b'\\', s.as_bytes())?;
    scratch.clear();
    json_unescape_into(s, scratch, None).then_some(scratch.as_str())
}

/// Whether `b` holds a `%XX` escape.
fn has_percent_escape(b: &[u8]) -> bool {
    memchr::memchr_iter(b'%', b).any(|i| {
        b.get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

/// Decodes the `%XX` escapes of `s` into `bytes` (and, when given, the
/// source offset of each decoded byte into `starts`); whether anything was
/// decoded.
fn percent_decode_into(s: &str, bytes: &mut Vec<u8>, mut starts: Option<&mut Vec<usize>>) -> bool {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut i = 0;
    let mut changed = false;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                bytes.push((h * 16 + l) as u8);
                if let Some(s) = starts.as_deref_mut() {
                    s.push(i);
                }
                i += 3;
                changed = true;
                continue;
            }
        }
        bytes.push(b[i]);
        if let Some(s) = starts.as_deref_mut() {
            s.push(i);
        }
        i += 1;
    }
    changed
}

/// `s` with its `%XX` escapes decoded, or `None` when it has none or they
/// do not decode to UTF-8. `+` stays (it is only a space in forms).
pub(crate) fn percent_decode(s: &str) -> Option<Decoded> {
    let b = s.as_bytes();
    // Most text has no escape at all: find out before allocating anything.
    if !has_percent_escape(b) {
        return None;
    }
    let mut bytes = Vec::with_capacity(b.len());
    let mut starts = Vec::with_capacity(b.len());
    if !percent_decode_into(s, &mut bytes, Some(&mut starts)) {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    let mut map = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        map.extend(std::iter::repeat_n(
            starts.get(at).copied().unwrap_or(b.len()),
            c.len_utf8(),
        ));
    }
    map.push(b.len());
    Some(Decoded {
        text,
        map,
        encode: percent_encode,
    })
}

/// The text [`percent_decode`] gives, decoded into `scratch` without the
/// map back to the source.
pub(crate) fn percent_decode_text<'s>(s: &str, scratch: &'s mut Vec<u8>) -> Option<&'s str> {
    if !has_percent_escape(s.as_bytes()) {
        return None;
    }
    scratch.clear();
    if !percent_decode_into(s, scratch, None) {
        return None;
    }
    std::str::from_utf8(scratch).ok()
}

/// The bytes [`percent_decode`] gives, decoded into `scratch` whether or
/// not they are UTF-8; `None` when `s` has no escape.
pub(crate) fn percent_decode_bytes<'s>(s: &str, scratch: &'s mut Vec<u8>) -> Option<&'s [u8]> {
    if !has_percent_escape(s.as_bytes()) {
        return None;
    }
    scratch.clear();
    percent_decode_into(s, scratch, None).then_some(scratch.as_slice())
}

pub(crate) use crate::input::base64::decode as base64_decode;
