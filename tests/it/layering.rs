//! The layering of ARCHITECTURE.md, read from the code: no module imports a
//! stage above its own.

use crate::common::root;

/// The stages, lowest first. A module may use its own stage and the ones
/// before it (`error` is usable everywhere).
const LAYERS: &[&[&str]] = &[
    &["error", "model"],
    &["input"],
    &["graph"],
    &["openstack"],
    &["analyze"],
    &["redact"],
    &["view"],
    &["render"],
    &["site"],
    &["settings"],
    &["driver"],
    &["cli"],
];

fn layer(stage: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&stage))
}

#[test]
fn no_module_uses_a_stage_above_its_own() {
    let src = root().join("src");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let stage = first.trim_end_matches(".rs").to_string();
        if stage == "lib" || stage == "main" {
            continue;
        }
        let own = layer(&stage).unwrap_or_else(|| panic!("{} is in no layer", rel.display()));
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                let used: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let Some(l) = layer(&used) else { continue };
                checked += 1;
                if used != "error" && l > own {
                    wrong.push(format!("{}:{}: {stage} uses {used}", rel.display(), n + 1));
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} uses found: is the test reading src/?"
    );
    assert!(
        wrong.is_empty(),
        "stages used from below:\n{}",
        wrong.join("\n")
    );
}
