//! Notes a person writes for the steps of a capture (`notes.md` beside it),
//! merged under their steps as admonitions.
//!
//! A note is a `## ` section whose heading names its step by a key that
//! does not change when steps are renumbered or the command is captured
//! again (docs/notes.md):
//!
//! ```text
//! ## POST /image/v2/images            the first call of POST /image/v2/images
//! ## POST /image/v2/images #2         the second one
//! ## POST /image/v2/images response   the response to the first one
//! ## id 3ab3d14d95bf4be1bad368dbe46a773a           by requestshook's request id
//! ## id 3ab3d14d95bf4be1bad368dbe46a773a response
//! ```
//!
//! In a path, `{anything}` and a generated-looking segment (a UUID, a long
//! hex id, `AUTH_<hex>`) stand for any id, so a heading copied from a page
//! still matches after a re-capture gives new ids. A query (`?name=demo`)
//! and `<!-- comments -->` in a heading are ignored. Text before the first
//! `## ` heading is not a note (the skeleton's explanation lives there).

use crate::analyze::variables::looks_generated;
use crate::view::page::Note;

/// The notes of a capture, placed: under their steps, or orphaned.
#[derive(Debug, Clone, Default)]
pub struct Placed {
    /// Record index -> its notes, in notes.md order.
    pub by_record: std::collections::HashMap<usize, Vec<Note>>,
    /// Notes whose step was not found, in notes.md order.
    pub orphans: Vec<Note>,
}

impl Placed {
    pub fn of(&self, record: usize) -> &[Note] {
        self.by_record.get(&record).map_or(&[], Vec::as_slice)
    }
}

/// One section of notes.md: its key and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub key: Key,
    pub note: Note,
}

/// Which step a note belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// `METHOD /path`: the `occurrence`-th call (from 1) with that method
    /// and path; `response` for its response.
    Call {
        method: String,
        path: String,
        occurrence: usize,
        response: bool,
    },
    /// `id REQUEST-ID`: the request (or its `response`) with that id.
    Id { id: String, response: bool },
    /// A heading that names no step in either form.
    Unknown,
}

/// What a shown step is known by: its method, path (ids as they are) and
/// request id, for matching keys.
#[derive(Debug, Clone)]
pub struct StepKey {
    /// The record's index in the capture.
    pub record: usize,
    pub response: bool,
    /// The method of the call (a response has its request's).
    pub method: String,
    /// The path of the call, without the query.
    pub path: String,
    pub id: Option<String>,
}

/// Splits notes.md into its `## ` sections. Lines inside code fences and
/// HTML comments are never headings.
pub fn parse(text: &str) -> Vec<Section> {
    parse_checked(text).0
}

/// Like [`parse`], also giving the line of a code fence never closed (all
/// that follows it is read as its code, headings too).
pub fn parse_checked(text: &str) -> (Vec<Section>, Option<usize>) {
    let mut sections: Vec<Section> = Vec::new();
    let mut fence: Option<String> = None;
    let mut comment = false;
    let mut fence_line = 0;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if comment {
            comment = !line.contains("-->");
        } else if fence.is_none() && opens_comment(line) {
            comment = true;
        } else if let Some(open) = &fence {
            if is_fence(line)
                .is_some_and(|f| f.starts_with(open.as_str()) && line.trim().len() == f.len())
            {
                fence = None;
            }
        } else if let Some(f) = is_fence(line) {
            fence = Some(f);
            fence_line = n + 1;
        } else if let Some(heading) = line.strip_prefix("## ") {
            let heading = strip_comments(heading).trim().to_string();
            sections.push(Section {
                key: parse_key(&heading),
                note: Note {
                    key: heading,
                    line: n + 1,
                    lines: Vec::new(),
                },
            });
            continue;
        }
        if let Some(s) = sections.last_mut() {
            s.note.lines.push(line.to_string());
        }
    }
    for s in &mut sections {
        while s.note.lines.last().is_some_and(|l| l.trim().is_empty()) {
            s.note.lines.pop();
        }
        let leading = s
            .note
            .lines
            .iter()
            .take_while(|l| l.trim().is_empty())
            .count();
        s.note.lines.drain(..leading);
    }
    (sections, fence.map(|_| fence_line))
}

/// Whether a line starts an HTML comment that it does not close (the lines
/// up to its `-->` are never headings).
fn opens_comment(line: &str) -> bool {
    line.trim_start()
        .strip_prefix("<!--")
        .is_some_and(|rest| !rest.contains("-->"))
}

/// The run of backticks or tildes (3 or more) that opens a fence on this
/// line, indented at most 3 spaces.
fn is_fence(line: &str) -> Option<String> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let run: String = trimmed.chars().take_while(|x| *x == c).collect();
    (run.len() >= 3).then_some(run)
}

/// A heading without its `<!-- ... -->` comments.
fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Reads a heading as a key.
pub fn parse_key(heading: &str) -> Key {
    let mut words: Vec<&str> = heading.split_whitespace().collect();
    let response = words
        .last()
        .is_some_and(|w| w.eq_ignore_ascii_case("response"));
    if response {
        words.pop();
    }
    match words.as_slice() {
        [id, value] if id.eq_ignore_ascii_case("id") => Key::Id {
            id: value.to_string(),
            response,
        },
        [method, path, rest @ ..]
            if path.starts_with('/')
                && method.bytes().all(|b| b.is_ascii_alphabetic())
                && rest.len() <= 1 =>
        {
            let occurrence = match rest {
                [] => Some(1),
                [n] => n.strip_prefix('#').and_then(|n| n.parse::<usize>().ok()),
                _ => None,
            };
            match occurrence {
                Some(occurrence) if occurrence > 0 => Key::Call {
                    method: method.to_ascii_uppercase(),
                    path: normal_path(path),
                    occurrence,
                    response,
                },
                _ => Key::Unknown,
            }
        }
        _ => Key::Unknown,
    }
}

/// A path as keys compare it: no query, every id (`{name}` or a generated
/// value) as `{}`, no trailing `/`.
pub fn normal_path(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let segs: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if (s.starts_with('{') && s.ends_with('}')) || looks_generated(s) {
                "{}"
            } else {
                s
            }
        })
        .collect();
    format!("/{}", segs.join("/"))
}

/// The key a step is written under in a skeleton: `METHOD /path[ #n][ response]`,
/// with `placeholder` the path as the diagram writes it (ids as `{names}`).
pub fn skeleton_key(method: &str, placeholder: &str, occurrence: usize, response: bool) -> String {
    let mut key = format!("{} {}", method.to_ascii_uppercase(), placeholder);
    if occurrence > 1 {
        key.push_str(&format!(" #{occurrence}"));
    }
    if response {
        key.push_str(" response");
    }
    key
}

/// The occurrence of each step's call among the calls with the same
/// method and path, in capture order (a response takes its request's,
/// found by `request_of`; an unanswered response counts among responses).
pub fn occurrences(steps: &[StepKey], request_of: &dyn Fn(usize) -> Option<usize>) -> Vec<usize> {
    use std::collections::HashMap;
    let mut count: HashMap<(bool, String, String), usize> = HashMap::new();
    let mut of_record: HashMap<usize, usize> = HashMap::new();
    let mut out = Vec::with_capacity(steps.len());
    for s in steps {
        let path = normal_path(&s.path);
        let from_request = if s.response {
            request_of(s.record).and_then(|q| of_record.get(&q).copied())
        } else {
            None
        };
        let n = match from_request {
            Some(n) => n,
            None => {
                let c = count
                    .entry((s.response, s.method.to_ascii_uppercase(), path))
                    .or_insert(0);
                *c += 1;
                *c
            }
        };
        of_record.insert(s.record, n);
        out.push(n);
    }
    out
}

/// Where each section goes: the index into `steps` of its step, or `None`
/// when no shown step has its key (an orphan). `occurrence` is what
/// [`occurrences`] gives for the same steps.
pub fn assign(sections: &[Section], steps: &[StepKey], occurrence: &[usize]) -> Vec<Option<usize>> {
    let normal: Vec<String> = steps.iter().map(|s| normal_path(&s.path)).collect();
    sections
        .iter()
        .map(|section| match &section.key {
            Key::Call {
                method,
                path,
                occurrence: n,
                response,
            } => steps.iter().enumerate().position(|(k, s)| {
                s.response == *response
                    && s.method.eq_ignore_ascii_case(method)
                    && normal[k] == *path
                    && occurrence[k] == *n
            }),
            Key::Id { id, response } => steps
                .iter()
                .position(|s| s.response == *response && s.id.as_deref() == Some(id.as_str())),
            Key::Unknown => None,
        })
        .collect()
}

/// Lines of a note as they go into an admonition: a code fence left open
/// is closed, so the note cannot swallow what follows it.
pub fn closed(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = lines.to_vec();
    let mut open: Option<String> = None;
    for line in lines {
        match (&open, is_fence(line)) {
            (Some(o), Some(f)) if f.starts_with(o.as_str()) && line.trim().len() == f.len() => {
                open = None
            }
            (None, Some(f)) => open = Some(f),
            _ => {}
        }
    }
    if let Some(o) = open {
        out.push(o);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(record: usize, response: bool, method: &str, path: &str, id: &str) -> StepKey {
        StepKey {
            record,
            response,
            method: method.into(),
            path: path.into(),
            id: Some(id.into()),
        }
    }

    #[test]
    fn keys() {
        assert_eq!(
            parse_key("POST /image/v2/images #2 response"),
            Key::Call {
                method: "POST".into(),
                path: "/image/v2/images".into(),
                occurrence: 2,
                response: true
            }
        );
        assert_eq!(
            parse_key("get /v2/images/a42bfade-78ec-4c95-b7b4-272ba265072c/file?x=1"),
            Key::Call {
                method: "GET".into(),
                path: "/v2/images/{}/file".into(),
                occurrence: 1,
                response: false
            }
        );
        assert_eq!(
            parse_key("id abc"),
            Key::Id {
                id: "abc".into(),
                response: false
            }
        );
        for bad in [
            "",
            "Creating an image",
            "POST /x #0",
            "POST /x #two",
            "POST x",
        ] {
            assert_eq!(parse_key(bad), Key::Unknown, "{bad}");
        }
    }

    #[test]
    fn sections_skip_fences_and_comments() {
        let text = "<!-- intro\n## GET /not/a/note\n-->\n\n## GET /a <!-- step 1 -->\n\nfirst\n```\n## not a heading\n```\n\n## GET /a response\n";
        let s = parse(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].note.key, "GET /a");
        assert_eq!(s[0].note.line, 5);
        assert_eq!(
            s[0].note.lines,
            vec!["first", "```", "## not a heading", "```"]
        );
        assert!(s[1].note.lines.is_empty());
    }

    #[test]
    fn renumbering_does_not_move_a_note() {
        let steps = vec![
            step(
                0,
                false,
                "GET",
                "/v2/images/aaaaaaaa-1111-2222-3333-444444444444",
                "q1",
            ),
            step(
                1,
                true,
                "GET",
                "/v2/images/aaaaaaaa-1111-2222-3333-444444444444",
                "q1",
            ),
            step(
                2,
                false,
                "GET",
                "/v2/images/bbbbbbbb-1111-2222-3333-444444444444",
                "q2",
            ),
            step(
                3,
                true,
                "GET",
                "/v2/images/bbbbbbbb-1111-2222-3333-444444444444",
                "q2",
            ),
        ];
        let occ = occurrences(&steps, &|r| (r % 2 == 1).then(|| r - 1));
        assert_eq!(occ, vec![1, 1, 2, 2]);
        let sections = parse("## GET /v2/images/{image_id} #2 response\nsecond\n## id q1\nfirst\n## DELETE /v2/images/{x}\ngone\n");
        assert_eq!(
            assign(&sections, &steps, &occ),
            vec![Some(3), Some(0), None]
        );
        // An earlier call inserted before them: the notes follow their calls.
        let mut more = vec![step(9, false, "GET", "/identity/", "q0")];
        more.extend(steps);
        let occ = occurrences(&more, &|r| (r % 2 == 1 && r < 9).then(|| r - 1));
        assert_eq!(assign(&sections, &more, &occ), vec![Some(4), Some(1), None]);
    }

    #[test]
    fn open_fences_are_closed() {
        let lines: Vec<String> = vec!["```json".into(), "{".into()];
        assert_eq!(closed(&lines).last().map(String::as_str), Some("```"));
        let lines: Vec<String> = vec!["````".into(), "```".into(), "````".into()];
        assert_eq!(closed(&lines), lines);
    }
}
