//! Times each stage of `tracedoc render` on one capture, with the peak
//! memory after each (for docs/performance.md; profile with `perf` first):
//!
//!     cargo run --release --example stages -- CAPTURE.log

use std::time::Instant;

use tracedoc::driver::{self, Options};
use tracedoc::render::Templates;
use tracedoc::settings::Settings;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// ` (peak N MiB)` from /proc/self/status, where there is one.
fn peak() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("  (peak {} MiB)", kb / 1024))
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: stages CAPTURE.log")?;
    let path = std::path::Path::new(&path);
    let settings = Settings::discover(path, false)?;
    let templates = Templates::new(None)?;
    let out = tempfile::tempdir()?;

    let t = Instant::now();
    let loaded = driver::load(path, &settings, &Options::default())?;
    eprintln!(
        "pass 1   {:>8.3?}  (read, facts, graph, tokens, variables, redaction finds){}",
        t.elapsed(),
        peak()
    );
    let t = Instant::now();
    let page = loaded.page(&settings);
    eprintln!(
        "head     {:>8.3?}  (diagram, parts, tables: {} parts){}",
        t.elapsed(),
        page.parts.len(),
        peak()
    );
    let t = Instant::now();
    let written = driver::render(&loaded, &settings, &templates, out.path(), true, None, None)?;
    eprintln!(
        "pass 2   {:>8.3?}  (redact, templates, write {} files){}",
        t.elapsed(),
        written.files.len(),
        peak()
    );
    Ok(())
}
