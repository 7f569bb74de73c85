//! `tonghao eval forecast` on the real histories in `../shared/data/`
//! (Gitter rooms, the fluid-tech IRC channel, Slack and Discord channels):
//! the samples are built, the split keeps test samples after the cut, and a
//! sample's features do not change when everything after its moment is
//! removed from the store (no future data).
//!
//! What is NOT asserted: that the model beats the best one-feature baseline.
//! On these few real groups it does not (docs/insight.md, "Forecast"), and
//! a test must not assert a figure the code merely printed.

use std::path::{Path, PathBuf};
use std::process::Command;
use tonghao_insight::links::infer_missing;
use tonghao_insight::{forecast, metrics};
use tonghao_store::{Queries, SqliteStore};

fn formats() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/formats");
    assert!(dir.join("gitter").is_dir(), "real test data missing: expected the shared exports at {}", dir.display());
    dir
}

fn tonghao(db: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .arg("--db")
        .arg(db)
        .args(["--quiet", "--lang", "en", "--community", "real"])
        .args(args)
        .output()
        .expect("tonghao runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn real_store() -> (tempfile::TempDir, PathBuf) {
    let d = formats();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("real.db");
    let paths: Vec<String> =
        ["gitter", "irc", "slack/clojurians-2018-02", "discord/komodo-csv", "discord/example_guild"]
            .iter()
            .map(|p| d.join(p).to_string_lossy().into_owned())
            .collect();
    let mut args = vec!["import"];
    args.extend(paths.iter().map(String::as_str));
    tonghao(&db, &args);
    (dir, db)
}

#[test]
fn forecast_backtest_on_real_histories() {
    let (_dir, db) = real_store();
    let out = tonghao(&db, &["eval", "forecast", "--samples", "--bootstrap", "200"]);
    let v: serde_json::Value =
        serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)));
    let groups = v["groups"].as_array().unwrap();
    let with_samples = |platform: &str| {
        groups.iter().filter(|g| g["platform"] == platform && g["samples"].as_u64().unwrap() > 0).count()
    };
    // Nine days of Slack cannot give a sample (8 weeks of age + 4 ahead).
    assert_eq!(with_samples("slack"), 0, "{groups:?}");
    assert_eq!(with_samples("gitter"), 2);
    assert_eq!(with_samples("irc"), 1, "both IRC folders are one channel");
    let total: u64 = groups.iter().map(|g| g["samples"].as_u64().unwrap()).sum();
    assert_eq!(total, v["samples"].as_u64().unwrap());
    let list = v["sample_list"].as_array().unwrap();
    assert_eq!(list.len() as u64, total);
    // Test samples (those with a probability) are all at or after the cut,
    // and the summary counts them.
    let cut = v["cut"].as_str().unwrap();
    let tested: Vec<&serde_json::Value> = list.iter().filter(|s| !s["test_probability"].is_null()).collect();
    assert!(tested.iter().all(|s| s["at"].as_str().unwrap() >= cut), "a test sample before the cut");
    let test = &v["held_out_groups"]["test"];
    assert_eq!(test["samples"].as_u64().unwrap() as usize, tested.len());
    let positives = tested.iter().filter(|s| s["silent_later"] == true).count();
    assert_eq!(test["positives"].as_u64().unwrap() as usize, positives);
    assert!(positives > 0 && positives < tested.len(), "the test set needs both outcomes");
    for key in ["held_out_groups", "time_cut_only"] {
        let auc = v[key]["test"]["model_auc"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&auc));
        let ci = v[key]["test"]["model_auc_ci95"].as_array().unwrap();
        assert!(ci[0].as_f64().unwrap() <= ci[1].as_f64().unwrap());
    }
    // No fold trains on its held-out group: its training set leaves out at
    // least that group's samples.
    for f in v["held_out_groups"]["folds"].as_array().unwrap() {
        let own = groups.iter().find(|g| g["group"] == f["held_out"]).unwrap()["samples"].as_u64().unwrap();
        assert!(f["train_samples"].as_u64().unwrap() + own <= total, "{f}");
    }
}

/// A sample's features at week end t, computed from the whole history, equal
/// those computed from a store snapshot loaded as of t (nothing after t).
#[test]
fn features_use_no_future_data() {
    let (_dir, db) = real_store();
    let store = SqliteStore::open(&db).unwrap();
    let mut full = store.snapshot("real", None, Some(i64::MAX)).unwrap();
    infer_missing(&mut full, i64::MIN);
    let mut checked = 0;
    for name in ["#fluid-tech", "gitter/gitter"] {
        let g = full.groups.iter().position(|m| m.label() == name).unwrap_or_else(|| panic!("no group {name}"));
        let last = full.messages.at_ms[full.groups[g].messages.clone()].last().copied().unwrap();
        let samples = forecast::samples(&full, g, last + 1);
        assert!(samples.len() > 50, "{name}: {} samples", samples.len());
        for s in samples.iter().step_by(samples.len() / 4) {
            let mut past = store.snapshot("real", Some(s.at_ms), Some(i64::MAX)).unwrap();
            infer_missing(&mut past, i64::MIN);
            let h = past.groups.iter().position(|m| m.label() == name).unwrap();
            let weeks = metrics::weekly(&past, h, s.at_ms);
            assert!(forecast::eligible(&weeks), "{name} at {}: eligible in the full history only", s.at_ms);
            let raw = forecast::features(&past, h, &weeks, s.at_ms);
            assert_eq!(raw, s.raw, "{name} at {}: features differ without the future", s.at_ms);
            checked += 1;
        }
    }
    assert!(checked >= 8);
}
