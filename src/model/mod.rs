//! The vocabulary every stage shares: what a capture says
//! ([`Record`], borrowed from its input, the same for every format), and
//! what is kept of each record between the passes ([`Facts`]).

pub mod facts;
pub mod record;

pub use facts::{flag, key, key_bytes, Facts, Names, Signals, Sym};
pub use record::{
    url_path, url_query, At, Body, BodyKind, Direction, Header, Hints, Lack, Lines, Record, Status,
};
