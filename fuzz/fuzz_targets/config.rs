//! `tracedoc.toml` parsing on any text.
//!
//! Invariants: no panic; every error names the config file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tracedoc::settings::Settings;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Settings::parse(text, Path::new("fuzz/tracedoc.toml")) {
        Ok(config) => {
            assert!(config.diagram.max_messages >= 4);
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains("tracedoc.toml"),
                "error without the file name: {msg}"
            );
        }
    }
});
