//! The template engine behind one type: embedded defaults, per-file overrides.
//!
//! Every page tracedoc writes comes from a minijinja template in
//! `templates/`, compiled into the binary. A user folder given with
//! `--templates DIR` overrides them one file at a time: a `body.md` found
//! there replaces the built-in `body.md`, the rest stay as shipped.
//! Engine errors become [`Error::Template`] with the template name and line.

use std::path::{Path, PathBuf};

use minijinja::Environment;
use serde::Serialize;

use crate::error::{Error, Result};

/// The built-in templates, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("body.md", include_str!("../../templates/body.md")),
    ("diagram.md", include_str!("../../templates/diagram.md")),
    ("log.md", include_str!("../../templates/log.md")),
    ("tokens.md", include_str!("../../templates/tokens.md")),
    ("variables.md", include_str!("../../templates/variables.md")),
    ("omitted.md", include_str!("../../templates/omitted.md")),
    ("index.md", include_str!("../../templates/index.md")),
];

/// A template set: the built-ins plus optional overrides from a folder.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads the built-ins, each replaced by `dir/<name>` when that file exists.
    pub fn new(dir: Option<&Path>) -> Result<Self> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("lines", lines_filter);
        env.add_filter("heading", |s: String| super::markdown::heading(&s));
        env.add_filter("code", |s: String| super::markdown::code(&s));
        env.add_filter("cell", |s: String| super::markdown::cell(&s));
        for (name, builtin) in BUILTIN {
            let source = match dir.map(|d| d.join(name)) {
                Some(path) if path.is_file() => {
                    std::fs::read_to_string(&path).map_err(|e| Error::read(&path, e))?
                }
                _ => (*builtin).to_string(),
            };
            env.add_template_owned(*name, source)
                .map_err(|e| template_error(name, &e, dir))?;
        }
        Ok(Templates { env })
    }

    /// Renders one template with a serializable context.
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

    pub fn render<S: Serialize>(&self, name: &str, context: &S) -> Result<String> {
        let tmpl = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, &e, None))?;
        tmpl.render(context)
            .map_err(|e| template_error(name, &e, None))
    }
}

/// `{{ list | lines(indent, empty) }}`: the items of a list of lines, one per
/// line, each prefixed with `indent` spaces (empty lines stay empty, with no
/// trailing spaces), or `empty` (indented) when the list has no items.
/// Bodies can have millions of lines: this keeps the loop out of the
/// template engine, while the template still decides where blocks go.
fn lines_filter(
    list: minijinja::Value,
    indent: Option<usize>,
    empty: Option<String>,
) -> std::result::Result<String, minijinja::Error> {
    let pad = " ".repeat(indent.unwrap_or(0));
    let mut out = String::new();
    let mut any = false;
    // A step's lines are printed straight from the page (render::context).
    if let Some(lines) = list.downcast_object_ref::<super::context::Lines>() {
        for line in lines.as_slice() {
            if any {
                out.push('\n');
            }
            any = true;
            if !line.is_empty() {
                out.push_str(&pad);
                out.push_str(line);
            }
        }
    } else {
        for item in list.try_iter()? {
            if any {
                out.push('\n');
            }
            any = true;
            if let Some(line) = item.as_str() {
                if !line.is_empty() {
                    out.push_str(&pad);
                    out.push_str(line);
                }
            } else {
                out.push_str(&pad);
                out.push_str(&item.to_string());
            }
        }
    }
    if !any {
        if let Some(e) = empty {
            out.push_str(&pad);
            out.push_str(&e);
        }
    }
    Ok(out)
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
