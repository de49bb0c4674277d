//! Writing pages to disk: output paths ([`paths`]) and output folders
//! written streamed, atomically, only when changed and never over hand
//! edits ([`out`]); what a run would change, without writing ([`check`]);
//! the pages of captures that are gone removed ([`prune`]); the files of a
//! new site ([`scaffold`]).

pub mod check;
pub mod out;
pub mod overview;
pub mod paths;
pub mod prune;
pub mod scaffold;

pub use out::{check_writable, clean_up_on_signals, Folder, Outcome};
pub use paths::{check_no_links, RelDir};
pub use prune::{prune_tree, Pruned};
