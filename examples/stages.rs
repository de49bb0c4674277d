//! Times each pipeline stage on one capture, for performance work:
//! `cargo run --release --example stages -- big.log` (see docs/performance.md).
//! The CLI's allocator (mimalloc) is not used here, so totals run higher.
//! On Linux each line also shows the peak resident memory so far (VmHWM).

use std::time::Instant;

use tracedoc::config::Config;
use tracedoc::pipeline::{self, Options};
use tracedoc::render::{self, Templates};

/// The peak resident set so far, from /proc (Linux only; empty elsewhere).
fn peak() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| format!("  peak {}", l["VmHWM:".len()..].trim()))
        })
        .unwrap_or_default()
}

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: stages LOG"))?;
    let config = Config::default();
    let options = Options::default();
    let t = Instant::now();
    let loaded = tracedoc::capture::load(std::path::Path::new(&path))?;
    eprintln!(
        "load     {:>8.3?}  ({} records){}",
        t.elapsed(),
        loaded.capture.records.len(),
        peak()
    );
    // Redaction alone, for comparison (analyze runs it again).
    let t = Instant::now();
    let records = &loaded.capture.records;
    let names = tracedoc::correlate::tokens::collect(records).names();
    let (shown, _) =
        tracedoc::correlate::redact::redact_or_withhold(&config.redact, &names, records);
    eprintln!("redact   {:>8.3?}  (tokens + redaction only)", t.elapsed());
    drop(shown);
    let t = Instant::now();
    let analyzed = pipeline::analyze(&loaded, &config, &options);
    eprintln!(
        "analyze  {:>8.3?}  (graph, tokens, redaction, variables)",
        t.elapsed()
    );
    let t = Instant::now();
    let (page, _) = pipeline::page_of(&loaded.capture.name, analyzed, &config);
    eprintln!("page     {:>8.3?}  (diagram + steps)", t.elapsed());
    let t = Instant::now();
    let templates = Templates::new(None)?;
    let files = render::render_page(&std::sync::Arc::new(page), &templates)?;
    eprintln!(
        "render   {:>8.3?}  ({} files){}",
        t.elapsed(),
        files.len(),
        peak()
    );
    Ok(())
}
