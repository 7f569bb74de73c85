//! `tonghao split` end to end: the real binary on the planted graph of
//! issue 10 (`crates/insight/tests/fixtures/planted.tsv`) and on a broken file.

mod common;

use common::{json, ok, run};
use std::path::PathBuf;

fn planted() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../insight/tests/fixtures/planted.tsv");
    assert!(path.is_file(), "fixture missing: {}", path.display());
    path.to_str().unwrap().to_string()
}

#[test]
fn split_the_planted_graph_as_json() {
    let file = planted();
    let out = json(&ok(None, &["split", "--edges", &file, "--max-size", "40", "--format", "json"]));
    assert_eq!(out["members"], 2000);
    assert_eq!(out["ties"], 17_606);
    assert_eq!(out["cap"], 40);
    let max = out["max_size"].as_u64().unwrap();
    assert!((1..=40).contains(&max), "{max}");
    let sizes: Vec<u64> = out["sizes"].as_array().unwrap().iter().map(|s| s.as_u64().unwrap()).collect();
    assert_eq!(sizes.iter().sum::<u64>(), 2000);
    assert!(sizes.iter().all(|&s| s <= 40));
    assert!(out["ties_kept"].as_f64().unwrap() >= 0.532, "{}", out["ties_kept"]);
    assert!(out["modularity"].as_f64().unwrap() > 0.5);
    assert!(out["seconds"].as_f64().unwrap() > 0.0);
    // The assignment covers every member, with the groups' own numbering.
    let assignment = out["assignment"].as_object().unwrap();
    assert_eq!(assignment.len(), 2000);
    let groups = out["groups"].as_array().unwrap();
    assert_eq!(groups.len() as u64, out["group_count"].as_u64().unwrap());
    let first = &groups[0];
    for m in first["members"].as_array().unwrap() {
        assert_eq!(assignment[m.as_str().unwrap()], first["group"]);
    }
    assert!(first["members"].as_array().unwrap().contains(&first["host"]));
    // --json is --format json; the same seed gives the same split.
    let again = json(&ok(None, &["--json", "split", "--edges", &file, "--max-size", "40"]));
    assert_eq!(again["assignment"], out["assignment"]);
}

#[test]
fn uncapped_text_output_is_worded_from_the_catalogue() {
    let file = planted();
    let out = ok(None, &["split", "--edges", &file, "--no-guard"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("2000 members, 17606 ties →"), "{text}");
    assert!(text.contains("uncapped"), "{text}");
    assert!(text.contains("modularity 0.53"), "{text}");
    let zh = std::process::Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .args(["--lang", "zh", "split", "--edges", &file, "--max-size", "40"])
        .output()
        .unwrap();
    let text = String::from_utf8(zh.stdout).unwrap();
    assert!(text.contains("2000 名成员") && text.contains("每群上限 40 人"), "{text}");
}

#[test]
fn a_malformed_line_is_an_error_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.tsv");
    std::fs::write(&path, "a\tb\t1\nb\tc\t2\nc d 3\n").unwrap();
    let out = run(None, &["split", "--edges", path.to_str().unwrap(), "--max-size", "40", "--format", "json"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing printed half-way");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!("{} line 3: expected src<TAB>dst<TAB>weight, found 1 field", path.display())),
        "{err}"
    );
    let missing = run(None, &["split", "--edges", "/nonexistent/x.tsv"]);
    assert!(String::from_utf8(missing.stderr).unwrap().contains("cannot read /nonexistent/x.tsv"));
}
