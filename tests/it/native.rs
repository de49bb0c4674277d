//! The built-in step templates are printed natively (`render::native`) for
//! speed; these tests hold that path to the templates themselves, byte for
//! byte: every capture of samples/ and ../shared, in both page styles,
//! redacted and not, and a set of generated steps with every optional part
//! (tips, same-operation links, notes, orphaned notes, highlights, empty
//! bodies, hostile text).

use std::path::{Path, PathBuf};

use tracedoc::driver::{self, Options};
use tracedoc::input::discover::{find_captures, Found};
use tracedoc::render::Templates;
use tracedoc::settings::Settings;

use crate::common;

fn captures(root: &Path) -> Vec<PathBuf> {
    find_captures(root, None, false, &|_| Ok(()))
        .into_iter()
        .filter_map(|f| match f {
            Found::Capture { dir, .. } => Some(dir),
            _ => None,
        })
        .collect()
}

/// Renders `dir` both ways and compares every file.
fn compare(dir: &Path, settings: &Settings, options: &Options) -> usize {
    let Ok(loaded) = driver::load(dir, settings, options) else {
        // Broken captures are the bad-input tests' business.
        return 0;
    };
    let native = Templates::new(None).unwrap();
    let engine = Templates::new(None).unwrap().through_engine();
    let a = driver::render_files(&loaded, settings, &native).unwrap();
    let b = driver::render_files(&loaded, settings, &engine).unwrap();
    assert_eq!(a.len(), b.len(), "{}", dir.display());
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{} {name}: native and template output differ\n{}",
            dir.display(),
            common::first_difference(y, x)
        );
    }
    1
}

fn styles() -> Vec<(Settings, Options)> {
    let plain = Settings {
        step_numbers: false,
        ..Settings::default()
    };
    let english = Settings::default().with_lang("en").unwrap();
    vec![
        (Settings::default(), Options::default()),
        (plain, Options::default()),
        (
            english,
            Options {
                redact: false,
                ..Options::default()
            },
        ),
    ]
}

#[test]
fn samples_print_the_same_natively() {
    let mut n = 0;
    for dir in captures(&common::root().join("samples")) {
        for (settings, options) in styles() {
            // A capture's own tracedoc.toml (notes, labels) is part of it.
            let own = Settings::discover(&dir, false).unwrap();
            let settings = if own.path.is_some() { own } else { settings };
            n += compare(&dir, &settings, &options);
        }
    }
    assert!(n >= 20, "only {n} sample renders compared");
}

#[test]
fn shared_captures_print_the_same_natively() {
    let Some(shared) = common::shared() else {
        return;
    };
    let mut n = 0;
    for dir in captures(&shared.join("captures")) {
        for (settings, options) in styles() {
            n += compare(&dir, &settings, &options);
        }
    }
    assert!(n > 0);
}

mod generated {
    use super::*;
    use proptest::prelude::*;

    /// Text with everything the escapes care about.
    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "a", "Z", "0", " ", "`", "```", "~~~", "-", "--8<--", "8<", "<", ">", "&", "|",
                "[", "]", "(", ")", "{", "}", ":", "#", "%%", "\\", "\"", "'", "*", "_", "!", "ſ",
                "é", "\u{2028}", "\r", "\t", "=", ";", "?", "/", "token", "password",
            ]),
            0..12,
        )
        .prop_map(|v| v.concat())
    }

    fn word() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9-]{0,8}"
    }

    prop_compose! {
        fn record()(from in word(), to in word(), path in text(), query in text(),
                    header in text(), body in prop::collection::vec(text(), 0..4),
                    response in any::<bool>())
            -> String {
            let path: String = path.chars().filter(|c| !c.is_whitespace()).collect();
            let query: String = query.chars().filter(|c| !c.is_whitespace()).collect();
            let header = header.replace(['\r', '\n', '\u{2028}'], "");
            let head = if response {
                format!("### ({from}) RESP <<< ({to}) : 200 OK GET http://h/v2/{path}?{query}")
            } else {
                format!("### ({from}) REQ >>> ({to}) : GET http://h/v2/{path}?{query}")
            };
            let body: Vec<String> = body.iter().map(|l| l.replace('\n', "")).collect();
            let body = if body.is_empty() { "none".to_string() } else { body.join("\n") };
            format!("{head}\nX-Note: {header}\nX-Auth-Token: gAAAAtoken{from}\n\n{body}\n\n")
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn generated_steps_print_the_same_natively(records in prop::collection::vec(record(), 1..6)) {
            let text: String = records.concat();
            for (settings, options) in styles() {
                let Ok(loaded) = driver::load_bytes(
                    Path::new("gen.log"),
                    text.clone().into_bytes(),
                    &settings,
                    &options,
                ) else {
                    continue;
                };
                let native = Templates::new(None).unwrap();
                let engine = Templates::new(None).unwrap().through_engine();
                let a = driver::render_files(&loaded, &settings, &native).unwrap();
                let b = driver::render_files(&loaded, &settings, &engine).unwrap();
                prop_assert_eq!(a, b);
            }
        }
    }
}
