//! A tolerant scanner of JSON text that finds every string and number
//! value with the key it sits under, without building a tree: redaction
//! edits the captured text in place, so the layout stays as captured.

use std::ops::Range;

/// One scalar value found by [`json_scalars`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonScalar<'a> {
    /// The nearest key: the value's own key, or for an array element the
    /// key the array sits under. Raw (as written, escapes kept).
    pub key: Option<&'a str>,
    /// The key the enclosing object sits under (`token` for `token.id`).
    pub parent: Option<&'a str>,
    /// The object the value sits directly in (numbered in order of
    /// appearance), or `None` in an array.
    pub object: Option<usize>,
    /// A string's content between its quotes, or a number literal.
    pub span: Range<usize>,
    pub string: bool,
}

enum Frame<'a> {
    Object {
        id: usize,
        container: Option<&'a str>,
        key: Option<&'a str>,
        want_key: bool,
    },
    Array {
        container: Option<&'a str>,
    },
}

/// The nearest key, parent key and enclosing object at the top of the stack.
fn position<'a>(stack: &[Frame<'a>]) -> (Option<&'a str>, Option<&'a str>, Option<usize>) {
    match stack.last() {
        None => (None, None, None),
        Some(Frame::Object {
            id, container, key, ..
        }) => (*key, *container, Some(*id)),
        Some(Frame::Array { container }) => (*container, None, None),
    }
}

/// Finds every string and number value in a JSON text with the key it sits
/// under, without building a tree: spans point into `text`. Tolerant: it
/// reads a cut-off document up to where it ends, and stops at the first byte
/// that cannot be JSON; it returns where it stopped (`text.len()` when it
/// read everything). A string ends at its closing quote, a line end or the
/// end of the text.
pub(crate) fn json_scalars(text: &str) -> (Vec<JsonScalar<'_>>, usize) {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut objects = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => i += 1,
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
                let mut end = start;
                while end < b.len() && b[end] != b'"' && b[end] != b'\n' {
                    end += if b[end] == b'\\' && b.get(end + 1) != Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                }
                let end = end.min(b.len());
                let s = &text[start..end];
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
                while i < b.len() && !b" \t\r\n,:{}[]\"".contains(&b[i]) {
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
                    });
                } else if !matches!(lit, "true" | "false" | "null") {
                    return (out, start);
                }
            }
        }
    }
    (out, b.len())
}
