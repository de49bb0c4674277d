//! `tracedoc.toml` in, settings out: read and checked once, compiled once.
//!
//! The file is looked up in the capture's folder and then in each parent
//! folder, or given with `--config`. Unknown keys are an error naming the
//! key, so a typo never silently does nothing. Its filters and redaction
//! rules are compiled here, once: the stages take the compiled [`Settings`]
//! and never see the file's own types.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::analyze::filter::{self, Filters, Rule};
use crate::error::{Error, Result};
use crate::input::endpoints::{Endpoints, Match};
use crate::openstack::{self, Services};
use crate::redact::Rules;
use crate::view::diagram::{Limits, MIN_LABEL_WIDTH};
use crate::view::Labels;

/// The config file name looked up next to captures.
pub const FILE_NAME: &str = "tracedoc.toml";

/// The file as written by users; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    lang: Option<String>,
    step_numbers: Option<bool>,
    labels: Option<IndexMap<String, String>>,
    services: Option<IndexMap<String, String>>,
    endpoints: Option<IndexMap<String, String>>,
    diagram: Option<RawLimits>,
    filters: Option<Vec<Rule>>,
    filter_file: Option<PathBuf>,
    redact: Option<RawRedact>,
}

/// `[diagram]`: limits above which a diagram is split into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawLimits {
    max_messages: usize,
    max_chars: usize,
    fold_repeats: usize,
    max_parts: usize,
    label_width: usize,
    max_participants: usize,
}

impl Default for RawLimits {
    fn default() -> Self {
        let l = Limits::default();
        RawLimits {
            max_messages: l.max_messages,
            max_chars: l.max_chars,
            fold_repeats: l.fold_repeats,
            max_parts: l.max_parts,
            label_width: l.label_width,
            max_participants: l.max_participants,
        }
    }
}

/// `[redact]`: the user's own redaction rules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedact {
    /// More header names to redact.
    #[serde(default)]
    headers: Vec<String>,
    /// More JSON keys to redact (case-insensitive substrings).
    #[serde(default)]
    keys: Vec<String>,
    /// Regular expressions whose matches are replaced.
    #[serde(default)]
    patterns: Vec<String>,
}

/// The effective settings, compiled.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where they were read from; `None` for the defaults.
    pub path: Option<PathBuf>,
    pub lang: String,
    /// The numbered style (`step_numbers = true`, the default): `(n)`
    /// headings with `#step-n` anchors, highlighted lines, linked step
    /// numbers. `false` gives requestshook's plain pages (the seed's form).
    pub step_numbers: bool,
    pub labels: Labels,
    pub services: Services,
    /// How readers of formats without participant names (HAR) name them.
    pub endpoints: Endpoints,
    pub diagram: Limits,
    pub filters: Arc<Filters>,
    pub redact: Arc<Rules>,
    /// A key of the settings' source text, for knowing when output made
    /// with other settings is stale.
    pub source: String,
    /// The `[labels]` overrides as written, kept so that another `lang`
    /// ([`Settings::with_lang`]) can apply them again.
    pub label_overrides: IndexMap<String, String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            path: None,
            lang: "ko".into(),
            step_numbers: true,
            labels: Labels::default(),
            services: Services::default(),
            endpoints: openstack::endpoints(),
            diagram: Limits::default(),
            filters: Arc::new(Filters::none()),
            redact: Rules::builtin(),
            source: String::new(),
            label_overrides: IndexMap::new(),
        }
    }
}

impl Settings {
    /// Finds `tracedoc.toml` in `start` or its parents; the defaults when
    /// none. A symbolic link found there is read only with `follow_links`.
    pub fn discover(start: &Path, follow_links: bool) -> Result<Settings> {
        match find(start, follow_links)? {
            Some(path) => Settings::load(&path),
            None => Ok(Settings::default()),
        }
    }

    /// Reads one config file.
    pub fn load(path: &Path) -> Result<Settings> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
        Settings::parse(&text, path)
    }

    /// Parses config text; `path` is used in messages and to resolve `filter_file`.
    pub fn parse(text: &str, path: &Path) -> Result<Settings> {
        let error = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| config_error(path, text, &e))?;
        let mut settings = Settings {
            path: Some(path.to_path_buf()),
            source: format!("b3:{}", blake3::hash(text.as_bytes()).to_hex()),
            ..Settings::default()
        };
        if let Some(lang) = raw.lang {
            settings.labels = Labels::for_lang(&lang).ok_or_else(|| {
                error(format!(
                    "unknown lang `{lang}`: built in are `ko` and `en` (set [labels] for others)"
                ))
            })?;
            settings.lang = lang;
        }
        if let Some(numbers) = raw.step_numbers {
            settings.step_numbers = numbers;
        }
        if let Some(overrides) = raw.labels {
            settings.labels =
                override_labels(&settings.labels, overrides.clone()).map_err(error)?;
            settings.label_overrides = overrides;
        }
        if let Some(services) = raw.services {
            settings.services.extend(services);
        }
        if let Some(endpoints) = raw.endpoints {
            for (key, name) in endpoints {
                if key == "client" {
                    settings.endpoints.set_client(name);
                    continue;
                }
                let rule = Match::parse(&key).map_err(|e| error(format!("[endpoints]: {e}")))?;
                settings.endpoints.add(rule, name);
            }
        }
        if let Some(d) = raw.diagram {
            if d.max_messages < 4 {
                return Err(error("diagram.max_messages must be at least 4".into()));
            }
            if d.max_parts < 1 {
                return Err(error("diagram.max_parts must be at least 1".into()));
            }
            if d.label_width < MIN_LABEL_WIDTH {
                return Err(error(format!(
                    "diagram.label_width must be at least {MIN_LABEL_WIDTH}"
                )));
            }
            if d.max_participants < 2 {
                return Err(error("diagram.max_participants must be at least 2".into()));
            }
            settings.diagram = Limits {
                max_messages: d.max_messages,
                max_chars: d.max_chars,
                fold_repeats: d.fold_repeats,
                max_parts: d.max_parts,
                label_width: d.label_width,
                max_participants: d.max_participants,
            };
        }
        let mut rules = raw.filters.unwrap_or_default();
        if let Some(file) = raw.filter_file {
            let file = path.parent().map(|d| d.join(&file)).unwrap_or(file);
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            settings
                .source
                .push_str(&format!("+b3:{}", blake3::hash(text.as_bytes()).to_hex()));
            rules.extend(filter::load_should_not_hook(&file)?);
        }
        settings.filters = Arc::new(Filters::new(&rules).map_err(error)?);
        if let Some(r) = raw.redact {
            settings.redact =
                Arc::new(Rules::new(&r.headers, &r.keys, &r.patterns).map_err(error)?);
        }
        Ok(settings)
    }
}

impl Settings {
    /// The same settings in another language (a `--lang` flag): the built-in
    /// labels of `lang`, with the config's `[labels]` overrides applied again.
    /// Output made with another language counts as stale.
    pub fn with_lang(mut self, lang: &str) -> Result<Settings> {
        if lang == self.lang {
            return Ok(self);
        }
        let where_ = self.path.clone().unwrap_or_else(|| PathBuf::from("--lang"));
        let error = |message: String| Error::Config {
            path: where_.clone(),
            message,
        };
        let base = Labels::for_lang(lang).ok_or_else(|| {
            error(format!(
                "unknown lang `{lang}`: built in are `ko` and `en` (set [labels] for others)"
            ))
        })?;
        self.labels = override_labels(&base, self.label_overrides.clone()).map_err(error)?;
        self.lang = lang.to_string();
        self.source.push_str(&format!("+lang={lang}"));
        Ok(self)
    }
}

/// The `tracedoc.toml` that applies to `start` (a file or folder): in its
/// folder or the nearest parent holding one. One that is a symbolic link
/// is an error unless `follow_links` (a link planted in a captures tree
/// must not make tracedoc read, and quote in its errors, a file from
/// elsewhere); `--config FILE` names a file explicitly and is read as is.
pub fn find(start: &Path, follow_links: bool) -> Result<Option<PathBuf>> {
    let start = if start.is_file() {
        start.parent().unwrap_or(start)
    } else {
        start
    };
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in start.ancestors() {
        if let Some(found) = crate::input::discover::side_file(&dir.join(FILE_NAME), follow_links)?
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Applies `[labels]` overrides; an unknown label is an error naming it.
fn override_labels(
    base: &Labels,
    overrides: IndexMap<String, String>,
) -> std::result::Result<Labels, String> {
    let mut map = match serde_json::to_value(base) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => return Err("labels cannot be represented".into()),
    };
    for (k, v) in overrides {
        if !map.contains_key(&k) {
            let known: Vec<&str> = map.keys().map(String::as_str).collect();
            return Err(format!(
                "unknown label `{k}` in [labels]; known: {}",
                known.join(", ")
            ));
        }
        map.insert(k, serde_json::Value::String(v));
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| e.to_string())
}

fn config_error(path: &Path, text: &str, e: &toml::de::Error) -> Error {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    Error::Config {
        path: PathBuf::from(match line {
            Some(l) => format!("{}:{l}", path.display()),
            None => path.display().to_string(),
        }),
        message: e.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let err = Settings::parse("lang = \"en\"\ncolour = 1\n", Path::new("t.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("t.toml:2"), "{msg}");
        assert!(msg.contains("colour"), "{msg}");
    }

    #[test]
    fn english_labels_and_overrides() {
        let c = Settings::parse(
            "lang = \"en\"\n[labels]\napi_reference = \"Docs\"\n[services]\nmy-api = \"compute\"\n",
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(c.labels.api_reference, "Docs");
        assert_eq!(c.labels.obtains_token, "{service} obtains a token");
        assert_eq!(c.services.type_of("my-api"), Some("compute"));
        assert_eq!(c.services.type_of("keystone"), Some("identity"));
    }

    #[test]
    fn unknown_label_is_named() {
        let err = Settings::parse("[labels]\nnope = \"x\"\n", Path::new("t.toml")).unwrap_err();
        assert!(err.to_string().contains("unknown label `nope`"), "{err}");
    }

    #[test]
    fn with_lang_overrides_the_config_and_keeps_label_overrides() {
        let s = Settings::parse(
            "lang = \"ko\"\n[labels]\napi_reference = \"Docs\"\n",
            Path::new("t.toml"),
        )
        .unwrap();
        let en = s.clone().with_lang("en").unwrap();
        assert_eq!(en.lang, "en");
        assert_eq!(en.labels.api_reference, "Docs");
        assert_ne!(
            en.source, s.source,
            "output in another language must be stale"
        );
        let plain_en = Labels::for_lang("en").unwrap();
        assert_eq!(en.labels.variables, plain_en.variables);
        assert!(Settings::default().with_lang("xx").is_err());
        let same = s.clone().with_lang("ko").unwrap();
        assert_eq!(same.source, s.source);
    }

    #[test]
    fn unknown_lang_is_an_error() {
        assert!(Settings::parse("lang = \"xx\"", Path::new("t.toml")).is_err());
    }
}
