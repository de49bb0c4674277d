//! `escape::terminal` and `terminal_json`: no control or invisible format
//! character reaches a terminal; escaping twice changes nothing more; JSON
//! stays the same JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

#[path = "../../tests/it/models.rs"]
mod models;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = escape::terminal(s);
    assert!(!out.chars().any(char::is_control), "{out:?}");
    assert_eq!(escape::terminal(&out), out);
    let json = serde_json::to_string_pretty(&serde_json::json!({ "a": s })).unwrap_or_default();
    let out = escape::terminal_json(&json);
    assert!(!out.chars().any(|c| c != '\n' && escape::terminal(&c.to_string()) != c.to_string()));
    let back: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    assert_eq!(back["a"].as_str(), Some(s));
});
