//! `tonghao demo` and `tonghao sim` end to end: the README's first command
//! works with no other file, and simulated exports import through the real
//! readers.

mod common;

use common::{ok, run};
use std::path::Path;

/// The demo builds a store of the documented 12 groups that `groups` and
/// `report` then read; running it again replaces the demo store.
#[test]
fn demo_builds_a_store_that_report_reads() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db_s = db.to_str().unwrap();
    let out = String::from_utf8(ok(None, &["--db", db_s, "demo"]).stdout).unwrap();
    assert!(out.contains("report"), "demo says what to try next: {out}");
    let groups: serde_json::Value =
        serde_json::from_slice(&ok(None, &["--db", db_s, "--json", "groups"]).stdout).unwrap();
    assert_eq!(groups.as_array().unwrap().len(), 12);
    let report: serde_json::Value =
        serde_json::from_slice(&ok(None, &["--db", db_s, "report", "--format", "json"]).stdout).unwrap();
    let stages: Vec<&str> = report["groups"].as_array().unwrap().iter().map(|g| g["stage"].as_str().unwrap()).collect();
    // The storyline plants unoperated groups that fall silent and operated ones that live.
    assert!(stages.contains(&"silent") && stages.contains(&"active"), "{stages:?}");

    // Again: the old demo store is replaced, not added to.
    ok(None, &["--db", db_s, "demo"]);
    let again: serde_json::Value =
        serde_json::from_slice(&ok(None, &["--db", db_s, "--json", "groups"]).stdout).unwrap();
    assert_eq!(again, groups);
}

/// The demo refuses to replace a store that holds real imports.
#[test]
fn demo_never_replaces_a_real_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("real.db");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample.jsonl");
    ok(None, &["--db", db.to_str().unwrap(), "import", sample.to_str().unwrap()]);
    let out = run(None, &["--db", db.to_str().unwrap(), "demo"]);
    assert!(!out.status.success());
    let groups: serde_json::Value =
        serde_json::from_slice(&ok(None, &["--db", db.to_str().unwrap(), "--json", "groups"]).stdout).unwrap();
    assert_eq!(groups[0]["name"], "同好读书会·示例群");
}

/// `sim --format native` writes WeChat, QQ and Telegram exports that import
/// through their readers, with exactly the message counts its truth file states.
#[test]
fn simulated_native_exports_import_with_the_truths_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    ok(None, &["sim", "--scenario", "small", "--format", "native", "--out", out.to_str().unwrap()]);
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("truth.json")).unwrap()).unwrap();
    let db = dir.path().join("t.db");
    let mut args = vec!["--db", db.to_str().unwrap(), "--json", "import"];
    let dirs: Vec<String> = ["wechat", "qq", "telegram"]
        .iter()
        .map(|d| out.join(d))
        .filter(|p| p.exists())
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    assert!(!dirs.is_empty());
    args.extend(dirs.iter().map(String::as_str));
    let reports: serde_json::Value = serde_json::from_slice(&ok(None, &args).stdout).unwrap();
    assert!(reports.as_array().unwrap().iter().all(|r| r.get("error").is_none()), "{reports:#}");
    let groups: serde_json::Value =
        serde_json::from_slice(&ok(None, &["--db", db.to_str().unwrap(), "--json", "groups"]).stdout).unwrap();
    let stored: u64 = groups.as_array().unwrap().iter().map(|g| g["messages"].as_u64().unwrap()).sum();
    let planted: u64 = truth["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| ["wechat", "qq", "telegram"].contains(&g["platform"].as_str().unwrap_or("")))
        .map(|g| g["counts"]["messages"].as_u64().unwrap())
        .sum();
    assert_eq!(stored, planted);
}
