//! Writing pages to disk: output paths ([`paths`]) and output folders
//! written streamed, atomically, only when changed and never over hand
//! edits ([`out`]); what a run would change, without writing ([`check`]).

pub mod check;
pub mod out;
pub mod overview;
pub mod paths;

pub use out::{check_writable, clean_up_on_signals, Folder, Outcome};
pub use paths::{check_no_links, RelDir};
