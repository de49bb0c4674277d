//! tracedoc: captured HTTP traffic between services -> documentation.
//!
//! One folder per stage, each importing only the ones before it (see
//! ARCHITECTURE.md): `model` (records, facts) <- `input` (readers) <-
//! `graph` (pairing, nesting) <- `openstack` (services, keystone, api-ref)
//! <- `analyze` (tokens, variables, filters, commands) <- `redact` <-
//! `view` (page model, escaping) <- `render` (templates) <- `site`
//! (output folders). `settings` compiles `tracedoc.toml` for the stages,
//! `driver` runs them for every subcommand, and `cli` only parses flags
//! and prints.
//!
//! The library's entry points are [`driver`] (load a capture, render its
//! pages, its graph, its split) and [`settings`]; [`input`], [`view`] and
//! [`openstack`] are public for tools and fuzzing (readers, the page model
//! and its escaping, the api-ref catalog).

// No input may make the library panic: `unwrap`/`expect` are errors outside
// tests (see docs/robustness.md). A failure that truly cannot come from input
// gets a local `#[allow]` with a comment saying why.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
// The one `unsafe` is mapping a capture file (`input::bytes`).
#![deny(unsafe_code)]

pub mod model;

pub mod input;

pub(crate) mod graph;

pub mod openstack;

pub(crate) mod analyze;

pub mod redact;

pub mod view;

pub mod render;

pub(crate) mod site;

pub mod settings;

pub mod driver;

pub mod cli;

pub mod error;

pub use error::{Diagnostic, Error, Result};
