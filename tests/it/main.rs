//! The integration-test crate: one module per feature, all driving the real
//! `tracedoc` binary or the library's public API. See tests/README.md.

mod common;
mod models;

mod bad_input;
mod cli;
mod diagrams;
mod escape;
mod graph;
mod hostile;
mod incremental;
mod layering;
mod redaction;
mod robust;
mod samples;
mod seed;
mod shared_captures;
mod site_tools;
mod split;
