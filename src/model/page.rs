//! The page model: the one typed context every template sees.
//!
//! `tracedoc render --context` prints it as JSON, and `--from-context`
//! renders from such a file, so a template can be developed against a
//! saved context. Field names are part of the template interface
//! (documented in `docs/templates.md`).

use serde::{Deserialize, Serialize};

use crate::model::{Direction, Status};

/// Words the pages show, per language (`lang = "ko"` default, `"en"` built in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Title of the API reference tip (`API 참조`).
    pub api_reference: String,
    /// The opt block around a service obtaining its own token; `{service}` is replaced.
    pub obtains_token: String,
    /// Title of the collapsed note listing what filters dropped.
    pub omitted: String,
    /// Heading of the tokens table.
    pub tokens: String,
    /// Heading of the variables table.
    pub variables: String,
}

impl Labels {
    /// The built-in label set for a language code.
    pub fn for_lang(lang: &str) -> Option<Labels> {
        match lang {
            "ko" => Some(Labels {
                api_reference: "API 참조".into(),
                obtains_token: "{service} 인증 토큰 발급".into(),
                omitted: "생략된 시퀀스".into(),
                tokens: "토큰".into(),
                variables: "변수".into(),
            }),
            "en" => Some(Labels {
                api_reference: "API reference".into(),
                obtains_token: "{service} obtains a token".into(),
                omitted: "Omitted sequences".into(),
                tokens: "Tokens".into(),
                variables: "Variables".into(),
            }),
            _ => None,
        }
    }
}

impl Default for Labels {
    fn default() -> Self {
        Labels::for_lang("ko").unwrap_or_else(|| unreachable!("ko is built in"))
    }
}

/// An API reference link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// One record as a page section.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    /// Position in the capture, from 0.
    pub index: usize,
    /// Source line of the record's head line.
    pub line: usize,
    pub direction: Direction,
    pub from: String,
    pub to: String,
    pub method: String,
    /// The URL as captured (after redaction).
    pub url: String,
    pub path: String,
    pub status: Option<Status>,
    /// `METHOD PATH` or `STATUS PATH`, safe on one line.
    pub title: String,
    /// The title, escaped for a double-quoted attribute.
    pub title_attr: String,
    /// The API reference tip: only on the first request of each operation.
    pub tip: Option<Link>,
    /// The operation this request denotes, on every request that has one.
    pub api: Option<Link>,
    /// Header lines ready to print (redacted, snippet-escaped).
    pub header_lines: Vec<String>,
    /// Body lines ready to print; empty when there is no body.
    pub body_lines: Vec<String>,
    /// `none`, `json`, `binary` or `text`.
    pub body_kind: String,
    /// Fences long enough for the header and body blocks.
    pub header_fence: String,
    pub body_fence: String,
}

/// A participant of the sequence diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// The id used in messages.
    pub id: String,
    /// The name shown.
    pub label: String,
    /// Whether a `participant id as label` line is needed (always true when id != label).
    pub declare: bool,
}

/// A line of the sequence diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagramItem {
    /// `message`, `open` (an `opt`/`loop`/`rect` block starts) or `close` (`end`).
    pub kind: String,
    /// Nesting depth, for indentation.
    pub depth: usize,
    /// For `open`: `opt`, `loop`, `critical`...
    pub keyword: String,
    /// Participant ids and the arrow (`->>` request, `-->>` response) of a message.
    pub from: String,
    pub to: String,
    pub arrow: String,
    /// Message text or block title, escaped for mermaid.
    pub text: String,
    /// The step this message shows (index into `steps`), if any.
    pub step: Option<usize>,
}

/// One mermaid sequence diagram (or one part of a split one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagram {
    pub participants: Vec<Participant>,
    pub items: Vec<DiagramItem>,
}

/// Everything a template can use.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page {
    /// The capture's file name (never a full path).
    pub capture: String,
    pub labels: Labels,
    pub steps: Vec<Step>,
    /// The whole diagram.
    pub diagram: Diagram,
    /// The fence for `log.md`, longer than any backtick run in the capture.
    pub log_fence: String,
}
