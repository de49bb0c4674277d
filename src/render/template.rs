//! The template engine behind one type: embedded defaults, per-file overrides.
//!
//! Every page tracedoc writes comes from a minijinja template in
//! `templates/`, compiled into the binary. A user folder given with
//! `--templates DIR` overrides them one file at a time: a `body.md` found
//! there replaces the built-in `body.md`, the rest stay as shipped.
//! Engine errors become [`Error::Template`] with the template name and line.
//!
//! Escaping is on by default: every value a template prints goes through
//! the escape function of the file's context (`escape::md_text` for
//! Markdown pages, `escape::mermaid_label` for `diagram.md`,
//! `escape::code_line` for `log.md`), unless it is marked safe: the
//! context filters (`md`, `cell`, `code`, `attr`, `mermaid`, `codeline`,
//! `url`, `lines`, `fence`) return safe text, and so do the values tracedoc
//! builds final (fences, participant ids, include paths; see `context`).
//! A template that prints `{{ step.title }}` anywhere is safe as it is.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, Output, State, Value};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::view::escape;

/// The built-in templates, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("body.md", include_str!("../../templates/body.md")),
    ("diagram.md", include_str!("../../templates/diagram.md")),
    ("log.md", include_str!("../../templates/log.md")),
    ("tokens.md", include_str!("../../templates/tokens.md")),
    ("variables.md", include_str!("../../templates/variables.md")),
    ("omitted.md", include_str!("../../templates/omitted.md")),
    ("index.md", include_str!("../../templates/index.md")),
    ("diff.md", include_str!("../../templates/diff.md")),
    ("home.md", include_str!("../../templates/home.md")),
    ("coverage.md", include_str!("../../templates/coverage.md")),
];

/// A template set: the built-ins plus optional overrides from a folder.
pub struct Templates {
    env: Environment<'static>,
    /// A key of every template's source: pages made with other templates are stale.
    fingerprint: String,
    /// Whether `body.md` and `log.md` are the built-ins, printed by
    /// [`super::native`] instead of the engine.
    native: (bool, bool),
}

impl Templates {
    /// Loads the built-ins, each replaced by `dir/<name>` when that file exists.
    pub fn new(dir: Option<&Path>) -> Result<Self> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_auto_escape_callback(auto_escape_for);
        env.set_formatter(format_value);
        env.add_filter("md", |v: Value| escaped(v, escape::md_text));
        env.add_filter("cell", |v: Value| escaped(v, escape::table_cell));
        env.add_filter("code", |v: Value| escaped(v, escape::code_span));
        env.add_filter("attr", |v: Value| escaped(v, escape::attr_value));
        env.add_filter("mermaid", mermaid_filter);
        env.add_filter("codeline", |v: Value| {
            escaped(v, |s| escape::code_line(s).into_owned())
        });
        env.add_filter("url", |v: Value| escaped(v, escape::url));
        env.add_filter("lines", lines_filter);
        env.add_filter("fence", fence_filter);
        env.add_filter("front_matter", |v: Value| {
            Value::from_safe_string(escape::front_matter_title(&text_of(&v)))
        });
        let mut hash = blake3::Hasher::new();
        let mut native = (true, true);
        for (name, builtin) in BUILTIN {
            let source = match dir.map(|d| d.join(name)) {
                Some(path) if path.is_file() => {
                    std::fs::read_to_string(&path).map_err(|e| Error::read(&path, e))?
                }
                _ => (*builtin).to_string(),
            };
            match *name {
                "body.md" => native.0 = source == *builtin,
                "log.md" => native.1 = source == *builtin,
                _ => {}
            }
            // The diff page is no part of a capture's pages: changing its
            // template leaves them current.
            if *name != "diff.md" {
                hash.update(name.as_bytes());
                hash.update(source.as_bytes());
            }
            env.add_template_owned(*name, source)
                .map_err(|e| template_error(name, &e, dir))?;
        }
        Ok(Templates {
            env,
            fingerprint: format!("b3:{}", hash.finalize().to_hex()),
            native,
        })
    }

    /// The same templates, with every step printed by the engine (the
    /// tests compare both ways of printing).
    pub fn through_engine(mut self) -> Self {
        self.native = (false, false);
        self
    }

    /// Whether `body.md` and `log.md` are printed natively.
    pub(crate) fn native(&self) -> (bool, bool) {
        self.native
    }

    /// Renders one template with a context already converted to a template
    /// value (convert a big page once, then render every file from it).
    pub fn render_value(&self, name: &str, context: &minijinja::Value) -> Result<String> {
        let tmpl = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, &e, None))?;
        tmpl.render(context)
            .map_err(|e| template_error(name, &e, None))
    }

    /// A key of every template's source.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Renders one template into a writer (the per-step templates of a big
    /// capture are rendered straight into the output).
    pub fn write(
        &self,
        name: &str,
        context: &minijinja::Value,
        out: &mut impl std::io::Write,
    ) -> Result<()> {
        let tmpl = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, &e, None))?;
        tmpl.render_captured_to(context, out)
            .map(|_| ())
            .map_err(|e| template_error(name, &e, None))
    }

    /// Renders one template with a serializable context.
    pub fn render<S: Serialize>(&self, name: &str, context: &S) -> Result<String> {
        let tmpl = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, &e, None))?;
        tmpl.render(context)
            .map_err(|e| template_error(name, &e, None))
    }
}

/// Which escape a template's values get by default: mermaid text in
/// `diagram.md`, whole code lines in `log.md`, Markdown text elsewhere.
fn auto_escape_for(name: &str) -> AutoEscape {
    match name {
        "diagram.md" => AutoEscape::Custom("mermaid"),
        "log.md" => AutoEscape::Custom("codeline"),
        _ => AutoEscape::Custom("md"),
    }
}

/// The text of a value as the template engine prints it.
fn text_of(value: &Value) -> std::borrow::Cow<'_, str> {
    match value.as_str() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(value.to_string()),
    }
}

/// Prints one value: safe text as it is, anything else escaped for the
/// template's context (see [`auto_escape_for`]).
fn format_value(
    out: &mut Output,
    state: &State,
    value: &Value,
) -> std::result::Result<(), minijinja::Error> {
    if let Some(printed) = value.downcast_object_ref::<super::context::Printed>() {
        return printed.write_to(out).map_err(minijinja::Error::from);
    }
    let text = text_of(value);
    let escaped = if value.is_safe() {
        text
    } else {
        match state.auto_escape() {
            AutoEscape::None => text,
            AutoEscape::Custom("mermaid") => escape::mermaid_label(&text).into(),
            AutoEscape::Custom("codeline") => escape::code_line(&text).into_owned().into(),
            // Markdown, and any other mode a template asks for with
            // `{% autoescape %}`: the strictest text escape there is.
            _ => escape::md_text(&text).into(),
        }
    };
    out.write_str(&escaped).map_err(minijinja::Error::from)
}

/// A context filter: safe text stays as it is (it is already final for
/// some context), anything else goes through `escape` and comes out safe.
fn escaped(value: Value, escape: impl Fn(&str) -> String) -> Value {
    if value.is_safe() {
        return value;
    }
    Value::from_safe_string(escape(&text_of(&value)))
}

/// `{{ text | mermaid }}` or `{{ text | mermaid(max) }}`: mermaid text
/// shortened to `max` characters (default `escape::MERMAID_LABEL_MAX`).
fn mermaid_filter(value: Value, max: Option<usize>) -> Value {
    let max = max.unwrap_or(escape::MERMAID_LABEL_MAX);
    escaped(value, |s| escape::mermaid_text(&escape::shorten(s, max)))
}

/// `{{ lines | fence }}`: a code fence no line of the list can close.
fn fence_filter(list: Value) -> std::result::Result<Value, minijinja::Error> {
    let fence = match list.downcast_object_ref::<super::context::Lines>() {
        Some(lines) => escape::fence_for(lines.text().iter()),
        None => {
            let items: Vec<Value> = list.try_iter()?.collect();
            let texts: Vec<std::borrow::Cow<'_, str>> = items.iter().map(text_of).collect();
            escape::fence_for(texts.iter().map(|t| t.as_ref()))
        }
    };
    Ok(Value::from_safe_string(fence))
}

/// `{{ list | lines(indent, empty) }}`: the items of a list, one per line,
/// each escaped as a whole line of a fenced block (`escape::code_line`) and
/// prefixed with `indent` spaces (empty lines stay empty, with no trailing
/// spaces), or `empty` (indented) when the list has no items. Safe items
/// are printed as they are.
/// Bodies can have millions of lines: this keeps the loop out of the
/// template engine, while the template still decides where blocks go.
fn lines_filter(
    list: Value,
    indent: Option<usize>,
    empty: Option<String>,
) -> std::result::Result<Value, minijinja::Error> {
    // Printed straight into the output by `format_value`: a body of any
    // size is never built as one string.
    let printed = super::context::Printed::of(&list, indent.unwrap_or(0), empty)?;
    Ok(Value::from_object(printed))
}

fn template_error(name: &str, e: &minijinja::Error, dir: Option<&Path>) -> Error {
    let shown = match dir.map(|d| d.join(name)) {
        Some(p) if p.is_file() => p,
        _ => PathBuf::from(format!("templates/{name}")),
    };
    let mut message = e
        .detail()
        .map(String::from)
        .unwrap_or_else(|| e.kind().to_string());
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    Error::Template {
        name: shown.display().to_string(),
        line: e.line(),
        message,
    }
}
