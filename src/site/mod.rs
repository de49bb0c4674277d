//! Writing pages to disk: output paths ([`paths`]) and output folders
//! written streamed, atomically, only when changed and never over hand
//! edits ([`out`]); the pages of captures that are gone removed ([`prune`]); the files of a new site ([`scaffold`]).

pub mod out;
pub mod paths;
pub mod prune;
pub mod scaffold;

pub use out::{clean_up_on_signals, Folder, Outcome};
pub use paths::{check_no_links, RelDir};
pub use prune::{prune_tree, Pruned};
