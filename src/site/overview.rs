//! Where the pages across captures go in the docs folder, and the summary
//! each capture folder keeps for them.
//!
//! The home page is `index.md` at the root of the docs folder, unless that
//! file is not tracedoc's: a hand-written `index.md` that was there before
//! tracedoc (the site's own home page), or the page of a capture found at
//! the root of the captures tree. Then the list goes to `captures.md`. An
//! `index.md` home page that tracedoc wrote and a person then edited is
//! kept as it is, like a capture's `index.md`.

use std::path::Path;

use crate::site::out::Manifest;

/// The home page, when the root's `index.md` is free for it.
pub const HOME: &str = "index.md";
/// The home page, when the root's `index.md` is someone else's.
pub const HOME_ASIDE: &str = "captures.md";
/// The API coverage page.
pub const COVERAGE: &str = "api-coverage.md";
/// What a capture's pages say about it, for the overview pages: kept in
/// the capture's folder (listed in its manifest) so a capture skipped as
/// unchanged is still counted. A dot file: MkDocs does not publish it.
pub const SUMMARY: &str = ".tracedoc-summary.json";

/// Whether `name` is one of the overview pages (a capture at the root of
/// the tree shares the folder with them, and keeps them in its manifest).
pub fn is_overview(name: &str) -> bool {
    name == HOME_ASIDE || name == COVERAGE
}

/// The file name of the home page in the docs folder `dir`.
/// `root_capture`: a capture's pages are written into `dir` itself.
pub fn home_name(dir: &Path, root_capture: bool) -> &'static str {
    if root_capture {
        return HOME_ASIDE;
    }
    let listed = Manifest::read(dir).files.contains_key(HOME);
    if !listed && dir.join(HOME).exists() {
        HOME_ASIDE
    } else {
        HOME
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_index_md_sends_the_list_aside() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(home_name(dir.path(), false), HOME);
        assert_eq!(home_name(dir.path(), true), HOME_ASIDE);
        std::fs::write(dir.path().join(HOME), "# My site\n").unwrap();
        assert_eq!(home_name(dir.path(), false), HOME_ASIDE);
    }
}
