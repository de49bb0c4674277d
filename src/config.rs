//! `tracedoc.toml`: service names, labels, diagram limits, filters, redaction.
//!
//! The file is looked up in the capture's folder and then in each parent
//! folder, or given with `--config`. Unknown keys are an error naming the
//! key, so a typo never silently does nothing.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;

use crate::correlate::apiref::DEFAULT_SERVICES;
use crate::error::{Error, Result};
use crate::model::Labels;

/// The config file name looked up next to captures.
pub const FILE_NAME: &str = "tracedoc.toml";

/// The file as written by users; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    lang: Option<String>,
    labels: Option<IndexMap<String, String>>,
    services: Option<IndexMap<String, String>>,
    diagram: Option<DiagramLimits>,
    filters: Option<Vec<crate::correlate::filter::Rule>>,
    filter_file: Option<PathBuf>,
    redact: Option<crate::correlate::redact::UserRules>,
}

/// Limits above which a diagram is split into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiagramLimits {
    /// Most messages in one diagram part (mermaid refuses over 500 edges).
    pub max_messages: usize,
    /// Most characters in one diagram part (mermaid refuses over 50,000).
    pub max_chars: usize,
    /// Fold exact repeats of a call into `loop N times` from this many on.
    pub fold_repeats: usize,
    /// Most diagram parts written for one capture; the steps after the last
    /// part are left out of the diagram (the page says how many, and they
    /// stay in body.md and the log).
    pub max_parts: usize,
}

impl Default for DiagramLimits {
    fn default() -> Self {
        DiagramLimits {
            max_messages: 60,
            max_chars: 40_000,
            fold_repeats: 3,
            max_parts: 20,
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was read from; `None` for the defaults.
    pub path: Option<PathBuf>,
    pub lang: String,
    pub labels: Labels,
    /// Process name (as logged) -> service type (`glance-api` -> `image`).
    pub services: IndexMap<String, String>,
    pub diagram: DiagramLimits,
    pub filters: Vec<crate::correlate::filter::Rule>,
    pub redact: crate::correlate::redact::UserRules,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            lang: "ko".into(),
            labels: Labels::default(),
            services: DEFAULT_SERVICES
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            diagram: DiagramLimits::default(),
            filters: Vec::new(),
            redact: Default::default(),
        }
    }
}

impl Config {
    /// Finds `tracedoc.toml` in `start` or its parents; the defaults when none.
    pub fn discover(start: &Path) -> Result<Config> {
        let start = if start.is_file() {
            start.parent().unwrap_or(start)
        } else {
            start
        };
        let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        for dir in start.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
        }
        Ok(Config::default())
    }

    /// Reads one config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
        Config::parse(&text, path)
    }

    /// Parses config text; `path` is used in messages and to resolve `filter_file`.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| config_error(path, text, &e))?;
        let mut config = Config {
            path: Some(path.to_path_buf()),
            ..Config::default()
        };
        if let Some(lang) = raw.lang {
            config.labels = Labels::for_lang(&lang).ok_or_else(|| Error::Config {
                path: path.to_path_buf(),
                message: format!(
                    "unknown lang `{lang}`: built in are `ko` and `en` (set [labels] for others)"
                ),
            })?;
            config.lang = lang;
        }
        if let Some(overrides) = raw.labels {
            config.labels =
                override_labels(&config.labels, overrides).map_err(|message| Error::Config {
                    path: path.to_path_buf(),
                    message,
                })?;
        }
        if let Some(services) = raw.services {
            config.services.extend(services);
        }
        if let Some(d) = raw.diagram {
            if d.max_messages < 4 {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    message: "diagram.max_messages must be at least 4".into(),
                });
            }
            if d.max_parts < 1 {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    message: "diagram.max_parts must be at least 1".into(),
                });
            }
            config.diagram = d;
        }
        if let Some(filters) = raw.filters {
            config.filters = filters;
        }
        if let Some(file) = raw.filter_file {
            let file = path.parent().map(|d| d.join(&file)).unwrap_or(file);
            config
                .filters
                .extend(crate::correlate::filter::load_should_not_hook(&file)?);
        }
        crate::correlate::filter::Filters::new(&config.filters).map_err(|message| {
            Error::Config {
                path: path.to_path_buf(),
                message,
            }
        })?;
        if let Some(redact) = raw.redact {
            redact.validate().map_err(|message| Error::Config {
                path: path.to_path_buf(),
                message,
            })?;
            config.redact = redact;
        }
        Ok(config)
    }

    /// The service type of a process name, if known.
    pub fn service_type(&self, process: &str) -> Option<&str> {
        self.services.get(process).map(String::as_str)
    }
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
        let err = Config::parse("lang = \"en\"\ncolour = 1\n", Path::new("t.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("t.toml:2"), "{msg}");
        assert!(msg.contains("colour"), "{msg}");
    }

    #[test]
    fn english_labels_and_overrides() {
        let c = Config::parse(
            "lang = \"en\"\n[labels]\napi_reference = \"Docs\"\n[services]\nmy-api = \"compute\"\n",
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(c.labels.api_reference, "Docs");
        assert_eq!(c.labels.obtains_token, "{service} obtains a token");
        assert_eq!(c.service_type("my-api"), Some("compute"));
        assert_eq!(c.service_type("keystone"), Some("identity"));
    }

    #[test]
    fn unknown_label_is_named() {
        let err = Config::parse("[labels]\nnope = \"x\"\n", Path::new("t.toml")).unwrap_err();
        assert!(err.to_string().contains("unknown label `nope`"), "{err}");
    }

    #[test]
    fn unknown_lang_is_an_error() {
        assert!(Config::parse("lang = \"xx\"", Path::new("t.toml")).is_err());
    }
}
