//! The integration-test crate: one module per feature, all driving the real
//! `tracedoc` binary or the library's public API. See tests/README.md.

mod common;
mod models;
mod native;
mod pages;

mod bad_input;
mod check;
mod cli;
mod cli_edges;
mod diagrams;
mod diff;
mod escape;
mod graph;
mod har;
mod hostile;
mod incremental;
mod layering;
mod notes;
mod readback;
mod redaction;
mod robust;
mod samples;
mod seed;
mod shared_captures;
mod site_tools;
mod split;
mod traces;
