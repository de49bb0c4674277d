//! `escape::table_cell`: as `md_text`, and no raw `|`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracedoc::view::escape;

#[path = "../../tests/it/models.rs"]
mod models;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let out = escape::table_cell(s);
    match models::read_md(&out, true) {
        Ok(text) => assert_eq!(text, models::flat(s), "{out:?}"),
        Err(e) => panic!("{e}: {out:?}"),
    }
});
