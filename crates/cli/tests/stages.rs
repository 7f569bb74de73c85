//! Lifecycle stages against the simulator's planted truth, end to end: the
//! history written as canonical JSONL, imported, reported. The rules were
//! tuned on other seeds of the `large` scenario (`tools/stage_dev.py`); the
//! default-seed `large` figure is in docs/insight.md, this is its small twin.

mod common;

use common::{json, ok};
use std::collections::HashMap;

#[test]
fn last_week_stages_match_the_planted_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let db = dir.path().join("t.db");
    let out_s = out.to_str().unwrap();
    for (scenario, seed) in [("small", "1"), ("demo", "1")] {
        let _ = std::fs::remove_dir_all(&out);
        let _ = std::fs::remove_file(&db);
        ok(None, &["sim", "--scenario", scenario, "--seed", seed, "--format", "jsonl", "--out", out_s]);
        ok(Some(&db), &["import", out_s]);
        let report = json(&ok(Some(&db), &["report", "--format", "json"]));
        let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("truth.json")).unwrap()).unwrap();
        let planted: HashMap<&str, &str> = truth["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (g["name"].as_str().unwrap(), g["weeks"].as_array().unwrap().last().unwrap()["stage"].as_str().unwrap())
            })
            .collect();
        let groups = report["groups"].as_array().unwrap();
        assert_eq!(groups.len(), planted.len());
        let mut agree = 0;
        for g in groups {
            let (name, got) = (g["name"].as_str().unwrap(), g["stage"].as_str().unwrap());
            let want = planted[name];
            agree += usize::from(got == want);
            // A dead group is never reported alive.
            assert!(
                !(want == "silent" && (got == "growing" || got == "active")),
                "{scenario}: {name} is silent by the truth but reported {got} ({})",
                g["stage_evidence"]["en"]
            );
            // Every stage quotes the rule and the figures behind it.
            assert!(g["stage_evidence"]["en"].as_str().is_some_and(|s| s.contains("messages") || s.contains("week")));
        }
        assert!(agree * 10 >= groups.len() * 9, "{scenario}: {agree} of {} last-week stages agree", groups.len());
    }
}
