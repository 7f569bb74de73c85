//! The catalogue and the code agree: every key the code asks for exists in
//! both languages, and every entry is asked for somewhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every `.rs` file under the workspace's crates, and the console's own
/// scripts (`L.t("key")`); not the third-party files npm puts beside them.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("node_modules") {
                sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs" || e == "js") {
            out.push(path);
        }
    }
}

/// The string literals that follow `needle` (`lang.t("` or `Msg::new("`).
fn literals_after(text: &str, needle: &str, out: &mut BTreeSet<String>) {
    for (i, _) in text.match_indices(needle) {
        let rest = &text[i + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.insert(rest[..end].to_string());
        }
    }
}

#[test]
fn every_key_in_the_code_is_in_the_catalogue_and_back() {
    let crates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    sources(&crates, &mut files);
    let mut used = BTreeSet::new();
    // Any string literal at all: a key may be passed around before it is looked up.
    let mut mentioned = BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        literals_after(&text, ".t(\"", &mut used);
        literals_after(&text, "Msg::new(\"", &mut used);
        literals_after(&text, "\"", &mut mentioned);
    }
    // A key is a dotted path of lowercase words; anything else is not a call.
    used.retain(|k| {
        k.contains('.') && k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b))
    });
    let known: BTreeSet<String> = tonghao_app::i18n::keys().map(str::to_string).collect();
    let missing: Vec<_> = used.difference(&known).collect();
    assert!(missing.is_empty(), "keys used in the code but missing from catalogue.toml: {missing:?}");
    let unused: Vec<_> = known.difference(&mentioned).collect();
    assert!(unused.is_empty(), "catalogue.toml entries no code uses: {unused:?}");
}
