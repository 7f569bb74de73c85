//! `tonghao eval forecast` on the real histories in `../shared/data/`
//! (`formats` and `lifecycle`: hundreds of groups, five platforms): the
//! pool is built once per chat, samples stop where a history's coverage
//! does, test samples come from test groups after their corpus's cut, the
//! figures stay within the bounds docs/insight.md reports, and a sample's
//! features do not change when everything after its moment is removed from
//! the store (no future data).

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

fn data() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(dir.join("lifecycle").is_dir(), "real test data missing: expected the shared exports at {}", dir.display());
    dir
}

fn eval(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .args(["--quiet", "--lang", "en", "eval", "forecast", "--bootstrap", "200"])
        .args(args)
        .output()
        .expect("tonghao runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The forecast judged on the whole real pool (issue 13): the figures in
/// docs/insight.md ("Forecast", "The whole real pool") must keep holding
/// within the bounds written here, which sit a little below what was
/// measured (the measured figure is in each comment).
#[test]
fn forecast_on_the_whole_real_pool() {
    let d = data();
    let (formats, lifecycle) = (d.join("formats"), d.join("lifecycle"));
    let v = eval(&["--samples", "--exclude", "telegram", formats.to_str().unwrap(), lifecycle.to_str().unwrap()]);
    let groups = v["groups"].as_array().unwrap();
    let with_samples: Vec<&serde_json::Value> = groups.iter().filter(|g| g["samples"].as_u64().unwrap() > 0).collect();
    // Measured: 262 groups, 4,561 samples, 5 platforms.
    assert!(with_samples.len() >= 250, "{} groups with samples", with_samples.len());
    assert!(v["samples"].as_u64().unwrap() >= 4000);
    let platforms: std::collections::HashSet<&str> =
        with_samples.iter().map(|g| g["platform"].as_str().unwrap()).collect();
    assert!(platforms.len() >= 5, "{platforms:?}");
    // The same chat rendered twice counts once: cn-reading-club's WeChat and
    // QQ renderings are one group, #fluid-tech's two loggers are one.
    let club: Vec<_> = groups.iter().filter(|g| g["corpus"] == "cn-reading-club").collect();
    assert_eq!(club.iter().filter(|g| g["duplicate_of"].is_string()).count(), 1, "{club:?}");
    assert_eq!(groups.iter().filter(|g| g["group"] == "#fluid-tech").count(), 1);
    // Each corpus has its own cut; the freeCodeCamp rooms are known to 2016-08-31, no further.
    let cut = |c: &str| {
        let corpus = v["corpora"].as_array().unwrap().iter().find(|x| x["corpus"] == c).unwrap();
        corpus["cut"].as_str().unwrap().to_string()
    };
    assert!(cut("fcc-gitter-matrix") < cut("haskell-jp-slack"));
    assert!(groups.iter().filter(|g| g["corpus"] == "fcc-gitter-matrix").all(|g| g["observed_until"] == "2016-08-31"));
    // No sample's four weeks ahead run past what its group's history covers;
    // only test groups are scored, at or after their corpus's cut.
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    for s in v["sample_list"].as_array().unwrap() {
        let g = groups.iter().find(|g| g["group"] == s["group"] && g["corpus"] == s["corpus"]).unwrap();
        let at = day(s["at"].as_str().unwrap());
        assert!(at + chrono::Days::new(28) <= day(g["observed_until"].as_str().unwrap()) + chrono::Days::new(1), "{s}");
        if !s["test_probability"].is_null() {
            assert_eq!(s["role"], "test");
            assert!(s["at"].as_str().unwrap() >= cut(s["corpus"].as_str().unwrap()).as_str(), "{s}");
        }
    }
    // Designs on development groups (measured: 0.839 to 0.841 for the fitted
    // ones, 0.833 for `active_4w` alone, which ships).
    let designs = v["design_selection"]["designs"].as_array().unwrap();
    let dev = |name: &str| f(&designs.iter().find(|d| d["design"] == name).unwrap()["auc"]);
    for name in ["count_model_active_4w", "logistic_10_features", "logistic_active_4w"] {
        assert!(dev(name) >= 0.80, "{name}: {}", dev(name));
    }
    // Test groups, the design chosen on dev (measured: AUC 0.747 [0.66, 0.87],
    // best one-feature baseline with hindsight `days_since_last` 0.794; the
    // difference's interval [-0.18, 0.11] straddles 0: it does not beat it).
    for key in ["held_out_groups", "held_out_communities"] {
        let t = &v[key]["test"];
        assert!(f(&t["model_auc"]) >= 0.70, "{key}: {t}");
        assert!(f(&t["model_auc_ci95"][0]) >= 0.60, "{key}: {t}");
        assert!(f(&t["best_baseline"]["auc"]) >= 0.75, "{key}: {t}");
        assert!(
            f(&t["model_minus_best_baseline_ci95"][0]) < 0.0,
            "{key}: the model now beats the best baseline: update docs/insight.md and ship it ({t})"
        );
        assert!(f(&t["brier"]) < f(&t["brier_base_rate"]), "{key}: {t}");
    }
}

/// Fitted on two Slack workspaces, scored on an IRC channel and two Gitter
/// rooms (measured: AUC 0.860 [0.62, 0.92]; `active_4w` alone 0.853).
#[test]
fn forecast_transfers_across_platforms() {
    let d = data();
    let path = |p: &str| d.join(p).to_string_lossy().into_owned();
    let (a, b, c, e) = (
        path("lifecycle/haskell-jp-slack"),
        path("lifecycle/houstondatavis-slack"),
        path("formats/irc"),
        path("formats/gitter"),
    );
    let v = eval(&["--train", &a, &b, "--test", &c, &e]);
    assert_eq!(v["test_corpora"], serde_json::json!(["irc", "gitter"]));
    let t = &v["transfer"]["test"];
    assert!(f(&t["model_auc"]) >= 0.80, "{t}");
    let active = t["baselines"].as_array().unwrap().iter().find(|b| b["feature"] == "active_4w").unwrap();
    assert!(f(&active["auc"]) >= 0.80, "{t}");
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
