//! Redaction of secrets before anything is rendered.

use serde::Deserialize;

/// Extra redaction rules from `tracedoc.toml` `[redact]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRules {
    /// More header names to redact.
    #[serde(default)]
    pub headers: Vec<String>,
    /// More JSON keys to redact (case-insensitive substrings).
    #[serde(default)]
    pub keys: Vec<String>,
    /// Regular expressions whose matches are replaced.
    #[serde(default)]
    pub patterns: Vec<String>,
}

impl UserRules {
    /// Checks the rules (regexes compile).
    pub fn validate(&self) -> Result<(), String> {
        for p in &self.patterns {
            regex::Regex::new(p).map_err(|e| format!("redact.patterns: `{p}`: {e}"))?;
        }
        Ok(())
    }
}
