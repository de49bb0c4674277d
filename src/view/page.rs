//! The page model: the one typed context every template sees.
//!
//! `tracedoc render --context` prints it as JSON, and `--from-context`
//! renders from such a file, so a template can be developed against a
//! saved context. Field names are part of the template interface
//! (documented in `docs/templates.md`).
//!
//! Every text field holds the text as captured (after redaction) or as
//! configured: nothing here is escaped for Markdown, mermaid or HTML. The
//! templates escape each value where they print it, once, for the context
//! it lands in (`view::escape`).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::model::{BodyKind, Direction, Lines};

/// Words the pages show, per language (`lang = "ko"` default, `"en"` built in).
/// Every field can be overridden in `tracedoc.toml` under `[labels]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Title of the API reference tip (`API 참조`).
    pub api_reference: String,
    /// The opt block around a service obtaining its own token; `{service}` is replaced.
    pub obtains_token: String,
    /// The note in the `rect` around a service's background work (calls it
    /// makes with no open incoming HTTP request); `{service}` is replaced.
    #[serde(default)]
    pub background: String,
    /// The caption of each part of a split diagram; `{first}` and `{last}`
    /// are replaced by its first and last step.
    #[serde(default)]
    pub part_steps: String,
    /// Title of the collapsed note listing what filters dropped.
    pub omitted: String,
    /// Heading of the tokens table.
    pub tokens: String,
    /// Heading of the variables table.
    pub variables: String,
    /// Column headings and words of the tables.
    pub name: String,
    pub value: String,
    pub issued: String,
    pub issued_to: String,
    pub user: String,
    pub project: String,
    pub roles: String,
    pub used_in: String,
    pub validated_by: String,
    pub first_seen: String,
    pub preexisting: String,
    pub rule: String,
    pub count: String,
    /// The note on a request with no response, and on a response with no request.
    pub no_response: String,
    pub no_request: String,
    /// Title of the collapsed full capture on index.md.
    pub full_log: String,
    /// Title of the note on index.md when a diagram has more parts than
    /// `[diagram] max_parts` and the last steps are left out of it.
    #[serde(default)]
    pub left_out_title: String,
    /// That note; `{count}`, `{first}` and `{last}` are replaced by the
    /// number of steps left out and the first and last of them.
    #[serde(default)]
    pub left_out: String,
    /// Title of the home page that lists every capture.
    #[serde(default)]
    pub captures: String,
    /// Title of the API coverage page.
    #[serde(default)]
    pub coverage: String,
    /// The command line of a capture (from capture.toml).
    #[serde(default)]
    pub command: String,
    /// Title of a capture's console output.
    #[serde(default)]
    pub console_output: String,
    /// Title of the link to the command's CLI reference.
    #[serde(default)]
    pub cli_reference: String,
    /// Column headings of the home and coverage pages.
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub calls: String,
    #[serde(default)]
    pub operation: String,
    #[serde(default)]
    pub called_by: String,
    #[serde(default)]
    pub seen: String,
    #[serde(default)]
    pub never_seen: String,
    #[serde(default)]
    pub total: String,
    /// In the numbered style, what the Body tab says when there is no body.
    #[serde(default)]
    pub no_body: String,
    /// In the numbered style, before the link back to the first step that
    /// called the same API operation.
    #[serde(default)]
    pub same_operation: String,
    /// Title of a step's note (from `notes.md`).
    #[serde(default)]
    pub note: String,
    /// Title of the note at the end of body.md that keeps the notes whose
    /// step no longer exists.
    #[serde(default)]
    pub orphaned_notes: String,
    /// One line each for what a capture format does not record (HAR, traces).
    #[serde(default)]
    pub lacks_callers: String,
    #[serde(default)]
    pub lacks_server_hops: String,
    #[serde(default)]
    pub lacks_bodies: String,
    #[serde(default)]
    pub lacks_headers: String,
}

impl Labels {
    /// The built-in label set for a language code.
    pub fn for_lang(lang: &str) -> Option<Labels> {
        let l = |s: &str| s.to_string();
        match lang {
            "ko" => Some(Labels {
                api_reference: l("API 참조"),
                obtains_token: l("{service} 인증 토큰 발급"),
                background: l("{service} 백그라운드 작업 (RPC, 열린 HTTP 요청 없음)"),
                part_steps: l("단계 {first}–{last}"),
                omitted: l("생략된 시퀀스"),
                tokens: l("토큰"),
                variables: l("변수"),
                name: l("이름"),
                value: l("값"),
                issued: l("발급 단계"),
                issued_to: l("발급 대상"),
                user: l("사용자"),
                project: l("프로젝트"),
                roles: l("역할"),
                used_in: l("사용 단계"),
                validated_by: l("검증"),
                first_seen: l("처음 나온 단계"),
                preexisting: l("기존 토큰"),
                rule: l("규칙"),
                count: l("제외된 호출 수"),
                no_response: l("응답이 기록되지 않음"),
                no_request: l("요청이 기록되지 않음"),
                full_log: l("전체 로그"),
                left_out_title: l("다이어그램에서 빠진 단계"),
                left_out: l("다이어그램이 너무 길어 {first}단계부터 {last}단계까지 {count}개 단계는 그리지 않았습니다. 모든 단계는 아래 요청·응답 절과 전체 로그에 있습니다."),
                captures: l("캡처한 커맨드"),
                coverage: l("API 커버리지"),
                command: l("커맨드"),
                console_output: l("콘솔 출력"),
                cli_reference: l("CLI 참조"),
                service: l("서비스"),
                calls: l("호출 수"),
                operation: l("API"),
                called_by: l("호출한 커맨드(단계)"),
                seen: l("호출된 API"),
                never_seen: l("호출되지 않은 API"),
                total: l("카탈로그의 API"),
                no_body: l("본문 없음"),
                same_operation: l("같은 API:"),
                note: l("메모"),
                orphaned_notes: l("단계를 찾지 못한 메모"),
                lacks_callers: l("이 캡처 형식은 요청을 보낸 쪽을 기록하지 않습니다. 호출자는 시간 구간으로, 서비스 이름은 주소로 추정했습니다."),
                lacks_server_hops: l("이 캡처에는 클라이언트가 보낸 요청만 있고, 서비스 사이의 호출은 기록되지 않았습니다."),
                lacks_bodies: l("이 캡처 형식은 요청·응답 본문을 기록하지 않습니다."),
                lacks_headers: l("이 캡처 형식은 요청·응답 헤더를 기록하지 않습니다."),
            }),
            "en" => Some(Labels {
                api_reference: l("API reference"),
                obtains_token: l("{service} obtains a token"),
                background: l("{service}: background work (over RPC, no open HTTP request)"),
                part_steps: l("steps {first}–{last}"),
                omitted: l("Omitted sequences"),
                tokens: l("Tokens"),
                variables: l("Variables"),
                name: l("Name"),
                value: l("Value"),
                issued: l("Issued in step"),
                issued_to: l("Issued to"),
                user: l("User"),
                project: l("Project"),
                roles: l("Roles"),
                used_in: l("Used in steps"),
                validated_by: l("Validated"),
                first_seen: l("First seen in step"),
                preexisting: l("pre-existing"),
                rule: l("Rule"),
                count: l("Calls omitted"),
                no_response: l("no response captured"),
                no_request: l("no request captured"),
                full_log: l("Full log"),
                left_out_title: l("Steps left out of the diagram"),
                left_out: l("The diagram is too long to draw whole: steps {first} to {last} ({count} steps) are left out of it. Every step is in the requests and responses below and in the full log."),
                captures: l("Captured commands"),
                coverage: l("API coverage"),
                command: l("Command"),
                console_output: l("Console output"),
                cli_reference: l("CLI reference"),
                service: l("Service"),
                calls: l("Calls"),
                operation: l("Operation"),
                called_by: l("Called by (steps)"),
                seen: l("Called"),
                never_seen: l("Never called"),
                total: l("In the catalog"),
                no_body: l("No body."),
                same_operation: l("Same API as"),
                note: l("Note"),
                orphaned_notes: l("Notes whose step was not found"),
                lacks_callers: l("This capture format does not record who sent a request: callers are inferred from time intervals, services named from their addresses."),
                lacks_server_hops: l("This capture holds only the client's own requests: calls between services were not recorded."),
                lacks_bodies: l("This capture format does not record request and response bodies."),
                lacks_headers: l("This capture format does not record request and response headers."),
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
    /// The operation's name in the api-ref (`Upload binary image data`).
    pub title: String,
    pub url: String,
    /// Its documented method and path template (`PUT`,
    /// `/v2/images/{image_id}/file`), relative to the service endpoint.
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub path: String,
}

/// A note the site owner wrote for a step (`notes.md`), as Markdown lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The section's heading as written (its key).
    pub key: String,
    /// Where the section starts in notes.md (1-based line of its heading).
    pub line: usize,
    /// The Markdown lines of the note, as written (trailing blank lines
    /// dropped); printed indented into an admonition.
    pub lines: Vec<String>,
}

/// A response status as shown: `201 CREATED`, `204 No Content`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The numeric code, when the first word is a number.
    pub code: Option<u16>,
    /// The whole status text as captured, code and reason.
    pub text: String,
}

/// Lines of text held as one string, `\n` between lines (a `\r` before a
/// `\n` belongs to the line end): a step's header or body lines. In the
/// template context and in `--context` JSON it is a list of lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextLines(String);

impl TextLines {
    /// Lines from a text (no lines for an empty text).
    pub fn from_text(text: String) -> Self {
        TextLines(text)
    }

    pub fn iter(&self) -> Lines<'_> {
        Lines::new(&self.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// The line at an index.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.iter().nth(index)
    }

    /// The lines as one text, `\n` between them.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for TextLines {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for TextLines {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let lines: Vec<String> = Vec::deserialize(deserializer)?;
        Ok(TextLines(lines.join("\n")))
    }
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
    /// `METHOD PATH` or `STATUS PATH`.
    pub title: String,
    /// The heading of the numbered style: the title with the query kept
    /// (`GET /identity/v3/projects?name=demo`).
    #[serde(default)]
    pub heading: String,
    /// The step's anchor (`step-3`), in the numbered style.
    #[serde(default)]
    pub anchor: Option<String>,
    /// The API reference tip: only on the first request of each operation.
    pub tip: Option<Link>,
    /// On a later call of an operation already tipped: the step number of
    /// the first call (the one with the tip).
    #[serde(default)]
    pub first_call: Option<usize>,
    /// The operation this request denotes, on every request that has one.
    pub api: Option<Link>,
    /// Header lines as captured (redacted); the `lines` filter escapes them.
    pub header_lines: TextLines,
    /// Body lines as captured (redacted); empty when there is no body.
    pub body_lines: TextLines,
    /// `none`, `json`, `binary` or `text`.
    pub body_kind: Cow<'static, str>,
    /// Fences long enough for the header and body blocks.
    pub header_fence: Cow<'static, str>,
    pub body_fence: Cow<'static, str>,
    /// Header and body lines to highlight (1-based, `hl_lines`): token
    /// headers, and the line where a variable's value first appears.
    #[serde(default)]
    pub header_highlights: Vec<usize>,
    #[serde(default)]
    pub body_highlights: Vec<usize>,
    /// The diagram step (`autonumber`) that shows this record.
    pub number: Option<usize>,
    /// The notes written for this step in `notes.md`.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// Dropped by a filter: left out of body.md and the diagram, kept in log.md.
    pub omitted: bool,
}

impl Step {
    /// `none`, `json`, `binary` or `text`: as given, or worked out from the
    /// body when not (JSON is checked by parsing, so only when asked).
    pub fn body_kind(&self) -> Cow<'_, str> {
        if !self.body_kind.is_empty() {
            return Cow::Borrowed(&self.body_kind);
        }
        let body = crate::model::Body {
            text: Cow::Borrowed(self.body_lines.as_str()),
        };
        Cow::Borrowed(match body.kind() {
            BodyKind::None => "none",
            BodyKind::Json => "json",
            BodyKind::Binary => "binary",
            BodyKind::Text => "text",
        })
    }
}

/// A participant of the sequence diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// The id used in messages.
    pub id: String,
    /// The name shown, as captured.
    pub label: String,
    /// Whether a `participant id as label` line is needed (always true when id != label).
    pub declare: bool,
}

/// A line of the sequence diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagramItem {
    /// `message`, `note` (over `from`), `open` (an `opt`/`loop` block starts) or `close` (`end`).
    /// (The few fixed words are shared, not copied into every line.)
    pub kind: String,
    /// Nesting depth, for indentation.
    pub depth: usize,
    /// For `open`: `opt`, `loop`, `critical`...
    pub keyword: String,
    /// Participant ids and the arrow (`->>` request, `-->>` response) of a message.
    pub from: String,
    pub to: String,
    pub arrow: String,
    /// Message text or block title, as captured (escaped and shortened
    /// where it is printed); for a `note`, which note it is
    /// (`no response captured` or `no request captured`).
    pub text: String,
    /// The step this message shows (index into `steps`), if any.
    pub step: Option<usize>,
}

/// One mermaid sequence diagram (or one part of a split one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagram {
    pub participants: Vec<Participant>,
    pub items: Vec<DiagramItem>,
    /// For a part of a split diagram: the step number its first message has
    /// (written as `autonumber N`); `None` for a whole diagram.
    pub start: Option<usize>,
    /// For a part of a split diagram: the step its last message has (the
    /// caption says "steps start–end"); `None` for a whole diagram.
    #[serde(default)]
    pub end: Option<usize>,
}

/// The steps a split diagram leaves out, past `[diagram] max_parts` parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    /// How many steps no part shows.
    pub steps: usize,
    /// The first and last of them (they run on to the end of the diagram).
    pub first: usize,
    pub last: usize,
}

/// One part of a diagram too big for one mermaid block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagramPart {
    /// The file it is written to (`diagram-1.md`, ...).
    pub file: String,
    pub diagram: Diagram,
}

/// A row of the tokens table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    /// `token-1`, ...: what redaction shows instead of the token.
    pub name: String,
    /// Step of the response that issued it.
    pub issued_step: Option<usize>,
    pub issued_to: Option<String>,
    pub methods: Vec<String>,
    pub user: Option<String>,
    pub project: Option<String>,
    pub roles: Vec<String>,
    pub expires_at: Option<String>,
    /// Steps of the requests that carried it.
    pub used_steps: Vec<usize>,
    pub used_by: Vec<String>,
    /// `(step, service)` of each validation.
    pub validations: Vec<(Option<usize>, String)>,
    pub preexisting: bool,
}

/// A row of the variables table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableRow {
    pub name: String,
    pub value: String,
    /// Step where the value first appears (URL, header or body).
    pub first_step: Option<usize>,
}

/// What one filter rule dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omitted {
    /// The rule as pretty JSON (the `should_not_hook.json` form), one line each.
    pub rule: Vec<String>,
    /// How many calls it dropped (nested calls included).
    pub count: usize,
    /// The distinct calls dropped (`caller -> callee: METHOD path`).
    pub calls: Vec<String>,
}

/// Everything a template can use besides the steps: the page's head.
///
/// The steps come one at a time, as they are written (`body.md` and
/// `log.md` are rendered once per step); `--context` prints the head with
/// every step in `steps`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page {
    /// The capture's file name (never a full path).
    pub capture: String,
    /// The numbered style (`step_numbers`, on by default): `(n)` headings
    /// with anchors, highlights, linked step numbers in the tables.
    #[serde(default)]
    pub step_numbers: bool,
    /// Notes in `notes.md` that match no shown step, kept so none is lost.
    #[serde(default)]
    pub orphaned_notes: Vec<Note>,
    pub labels: Labels,
    /// The whole diagram (as far as its parts draw, when steps are left out).
    pub diagram: Diagram,
    /// The diagram cut at root-call boundaries, when it is over the size
    /// limits; at most `[diagram] max_parts` of them.
    pub parts: Vec<DiagramPart>,
    /// The steps left out of the parts, when there were more than `max_parts`.
    #[serde(default)]
    pub left_out: Option<LeftOut>,
    pub tokens: Vec<TokenRow>,
    pub variables: Vec<VariableRow>,
    /// What filters dropped, per rule.
    pub omitted: Vec<Omitted>,
    /// The fence for `log.md`, longer than any backtick run in the capture.
    pub log_fence: String,
    /// One line for each thing the capture's format does not record.
    #[serde(default)]
    pub lacks: Vec<String>,
    /// Tabs left out of every step because the format records none of
    /// them (traces: bodies; spans without header attributes: headers).
    #[serde(default)]
    pub omit: Omit,
    /// How many records the capture holds.
    #[serde(skip)]
    pub records: usize,
    /// Each API operation the capture calls, once, in order of first call.
    #[serde(skip)]
    pub operations: Vec<Link>,
}

/// The tabs body.md leaves out, for a format that records none of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Omit {
    pub headers: bool,
    pub bodies: bool,
}
