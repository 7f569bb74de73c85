//! `tonghao eval`: measures tonghao's inferences against human annotations.
//!
//! The evaluations behind `tonghao eval`.
//!
//! `tonghao eval replies DIR` reads every `*.raw.txt` log in DIR with its
//! `*.annotation.txt` (Kummerfeld et al., ACL 2019 layout: `a b -` links line
//! `max(a, b)` to line `min(a, b)`, 0-based, every line of the log counted) and
//! prints, as JSON, the link precision, recall and F1 of the reply inference
//! and of the "reply to the previous message" baseline. The metric and the
//! handling of lines with several gold parents are documented in
//! `tonghao_insight::replies::LinkScore` and docs/insight.md.
//!
//! `tonghao eval forecast [PATH…]` imports the exports under the paths into
//! a temporary store (or, without paths, reads the store), builds one sample
//! per group-week (features before the week end, label: silent four weeks
//! later), backtests the forecast leave-one-group-out with a time cut and
//! prints AUC, calibration and the one-feature baselines as JSON; with
//! `--rust` it refits on every sample and prints the `MODEL` constant of
//! `tonghao_insight::forecast` instead.

use crate::ingest::{ImportRequest, import};
use crate::report::local_date;
use crate::{AppError, Result};
use serde_json::json;
use std::path::{Path, PathBuf};
use tonghao_insight::links::infer_missing;
use tonghao_insight::replies::{self, LinkScore};
use tonghao_insight::{forecast, metrics};
use tonghao_model::snapshot::Snapshot;
use tonghao_store::{Queries, SqliteStore};

/// The reply-link evaluation of every `*.raw.txt` + `*.annotation.txt`
/// pair in `dir`, as JSON; also the logs skipped for want of annotations.
pub fn replies_eval(dir: &Path) -> Result<(serde_json::Value, Vec<PathBuf>)> {
    let io = |p: &Path, e: std::io::Error| AppError::Input(format!("{}: {e}", p.display()));
    let mut raws: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".raw.txt")))
        .collect();
    raws.sort();
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for raw in raws {
        let name = raw.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let ann = raw.with_file_name(name.replace(".raw.txt", ".annotation.txt"));
        if !ann.is_file() {
            skipped.push(raw);
            continue;
        }
        let text = std::fs::read(&raw).map_err(|e| io(&raw, e))?;
        let gold = std::fs::read(&ann).map_err(|e| io(&ann, e))?;
        files.push((String::from_utf8_lossy(&text).into_owned(), String::from_utf8_lossy(&gold).into_owned()));
    }
    if files.is_empty() {
        return Err(AppError::Input(format!("no *.raw.txt + *.annotation.txt pairs in {}", dir.display())));
    }
    let e = replies::evaluate(files.iter().map(|(r, a)| (r.as_str(), a.as_str())));
    let out = json!({
        "dir": dir.display().to_string(),
        "files": e.files,
        "annotated_lines": e.annotated_lines,
        "gold_links": e.model.gold,
        "window": replies::WINDOW,
        "model": score(&e.model),
        "previous_message": score(&e.previous),
    });
    Ok((out, skipped))
}

/// How to backtest the silence forecast.
#[derive(Clone, Debug)]
pub struct ForecastOptions {
    /// The time cut (UTC ms): training labels are known before it, test
    /// samples start at or after it.
    pub cut_ms: i64,
    /// The cut as the user wrote it, echoed in the output.
    pub cut_label: String,
    /// L2 penalty on the standardised weights.
    pub l2: f64,
    /// Bootstrap resamples for the confidence intervals.
    pub bootstrap: usize,
    /// Also list every sample.
    pub samples: bool,
}

fn score(s: &LinkScore) -> serde_json::Value {
    json!({
        "precision": round(s.precision()),
        "recall": round(s.recall()),
        "f1": round(s.f1()),
        "predicted": s.predicted,
        "matched": s.matched,
    })
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A store file that is removed when dropped.
struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Imports the exports under `paths` into a temporary store and loads its
/// whole history (texts included), for backtests on real files.
pub fn snapshot_of_paths(paths: &[PathBuf]) -> Result<Snapshot> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let tmp = TempDb(std::env::temp_dir().join(format!("tonghao-eval-forecast-{}-{nanos}.db", std::process::id())));
    let store = SqliteStore::open(&tmp.0)?;
    let req = ImportRequest { paths: paths.to_vec(), ..Default::default() };
    let community = "eval-forecast";
    for file in import(&store, community, &req, &mut |_| {})? {
        if let Some(e) = file.error {
            return Err(AppError::Input(format!("import failed {}: {e}", file.file)));
        }
    }
    let snap = store.snapshot(community, None, Some(i64::MAX))?;
    drop(store);
    Ok(snap)
}

/// The refitted model as Rust source (the `MODEL` constant of
/// `tonghao_insight::forecast`), fitted on every sample of `snap`.
pub fn forecast_model_source(snap: Snapshot, l2: f64) -> Result<String> {
    let (_, samples, groups) = forecast_samples(snap)?;
    let labelled: Vec<_> = samples.iter().map(|s| (s.raw.clone(), s.silent_later)).collect();
    let m = forecast::fit(&labelled, l2);
    let list = |v: &[f64]| v.iter().map(|x| format!("{x:.6}")).collect::<Vec<_>>().join(", ");
    Ok(format!(
        "/// The shipped model: fitted on every sample of the real histories by\n\
         /// `tonghao eval forecast --rust <the folders in docs/insight.md>`\n\
         /// ({} samples, {} positives, {} groups, l2 {}).\n\
         pub const MODEL: Model = Model {{\n    recent_weight: {:.2},\n    size: {:.1},\n    layer: Logistic {{\n        mean: [{}],\n        sd: [{}],\n        weights: [{}],\n        bias: {:.6},\n    }},\n}};",
        samples.len(),
        labelled.iter().filter(|(_, y)| *y).count(),
        groups.iter().filter(|g| g["samples"].as_u64().unwrap_or(0) > 0).count(),
        l2,
        m.recent_weight,
        m.size,
        list(&m.layer.mean),
        list(&m.layer.sd),
        list(&m.layer.weights),
        m.layer.bias
    ))
}

/// One sample per group-week of `snap` (links inferred over the whole
/// history first), with a summary per group.
fn forecast_samples(mut snap: Snapshot) -> Result<(Snapshot, Vec<forecast::Sample>, Vec<serde_json::Value>)> {
    // Links are inferred over the whole history, as the report does over its
    // window: the reply model reads only a message and those before it.
    infer_missing(&mut snap, i64::MIN);
    let mut samples = Vec::new();
    let mut groups = Vec::new();
    for g in 0..snap.groups.len() {
        let meta = &snap.groups[g];
        let last_message = meta.messages.clone().last().map(|i| snap.messages.at_ms[i]);
        let last_membership = snap.memberships[meta.memberships.clone()].iter().map(|r| r.at_ms).max();
        let Some(observed_until) = last_message.max(last_membership) else { continue };
        let s = forecast::samples(&snap, g, observed_until + 1);
        groups.push(json!({
            "group": meta.label(),
            "platform": meta.platform.to_string(),
            "messages": meta.messages.len(),
            "weeks": metrics::weekly(&snap, g, observed_until + 1).len(),
            "samples": s.len(),
            "positives": s.iter().filter(|s| s.silent_later).count(),
            "first_sample": s.first().map(|s| local_date(s.at_ms, 0)),
            "last_sample": s.last().map(|s| local_date(s.at_ms, 0)),
        }));
        samples.extend(s);
    }
    if samples.is_empty() {
        return Err(AppError::Input("no group has a history long enough to give a sample".into()));
    }
    Ok((snap, samples, groups))
}

/// The forecast's backtest on `snap` as JSON: held-out groups and time cut
/// only, AUC with block-bootstrap intervals, every one-feature baseline,
/// Brier score and reliability.
pub fn forecast_eval(snap: Snapshot, args: &ForecastOptions) -> Result<serde_json::Value> {
    let (snap, samples, groups) = forecast_samples(snap)?;
    let cut = args.cut_ms;
    let label_of = |g: u32| snap.groups[g as usize].label().to_string();
    let (strict, scored) = evaluate(&samples, cut, args, true, &label_of);
    let (temporal, _) = evaluate(&samples, cut, args, false, &label_of);
    let mut out = json!({
        "horizon_weeks": forecast::HORIZON_WEEKS,
        "min_age_weeks": forecast::MIN_AGE_WEEKS,
        "features": forecast::KEYS,
        "model_inputs": forecast::INPUT_KEYS,
        "groups": groups,
        "samples": samples.len(),
        "positives": samples.iter().filter(|s| s.silent_later).count(),
        "cut": args.cut_label,
        "l2": args.l2,
        "held_out_groups": strict,
        "time_cut_only": temporal,
    });
    if args.samples {
        let list: Vec<_> = samples
            .iter()
            .map(|s| {
                let p = scored.iter().find(|t| t.group == s.group && t.at_ms == s.at_ms).map(|t| round(t.probability));
                json!({"group": label_of(s.group), "at": local_date(s.at_ms, 0), "features": s.raw, "silent_later": s.silent_later, "test_probability": p})
            })
            .collect();
        out["sample_list"] = serde_json::Value::Array(list);
    }
    Ok(out)
}

/// Backtests (see [`forecast::backtest`]) and summarises the scored test
/// samples: AUC with a block-bootstrap interval, the one-feature baselines,
/// Brier score and reliability, and each fold.
fn evaluate(
    samples: &[forecast::Sample],
    cut: i64,
    args: &ForecastOptions,
    hold_out: bool,
    label_of: &dyn Fn(u32) -> String,
) -> (serde_json::Value, Vec<forecast::Scored>) {
    let (folds, scored) = forecast::backtest(samples, cut, args.l2, 5, hold_out);
    let labels: Vec<bool> = scored.iter().map(|s| s.silent_later).collect();
    let probs: Vec<f64> = scored.iter().map(|s| s.probability).collect();
    let base_rate = labels.iter().filter(|&&y| y).count() as f64 / labels.len().max(1) as f64;
    let column = |idx: &[usize], k: usize| idx.iter().map(|&i| scored[i].baseline[k]).collect::<Vec<_>>();
    let all: Vec<usize> = (0..scored.len()).collect();
    let baselines: Vec<(usize, Option<f64>)> =
        (0..forecast::N).map(|k| (k, forecast::auc(&column(&all, k), &labels))).collect();
    // The best baseline is picked with hindsight on the test samples: a bar
    // the model has to clear, not a fair competitor.
    let best = baselines.iter().filter_map(|&(k, a)| a.map(|a| (k, a))).max_by(|a, b| a.1.total_cmp(&b.1));
    let model_auc = forecast::auc(&probs, &labels);
    // Block bootstrap: consecutive weeks of a group are not independent, so
    // resample whole 4-week blocks of each group.
    let block = |s: &forecast::Scored| (s.group, s.at_ms.div_euclid(28 * metrics::DAY_MS));
    let mut keys: Vec<(u32, i64)> = scored.iter().map(block).collect();
    keys.sort_unstable();
    keys.dedup();
    let members: Vec<Vec<usize>> =
        keys.iter().map(|k| (0..scored.len()).filter(|&i| block(&scored[i]) == *k).collect()).collect();
    let mut rng = forecast::SplitMix(20240601);
    let (mut model_boot, mut base_boot, mut diff_boot) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..if keys.is_empty() { 0 } else { args.bootstrap } {
        let mut idx = Vec::with_capacity(scored.len());
        for _ in 0..keys.len() {
            idx.extend_from_slice(&members[rng.below(keys.len())]);
        }
        let l: Vec<bool> = idx.iter().map(|&i| labels[i]).collect();
        let m = forecast::auc(&idx.iter().map(|&i| probs[i]).collect::<Vec<_>>(), &l);
        let b = best.and_then(|(k, _)| forecast::auc(&column(&idx, k), &l));
        if let (Some(m), Some(b)) = (m, b) {
            model_boot.push(m);
            base_boot.push(b);
            diff_boot.push(m - b);
        }
    }
    let per_fold: Vec<_> = folds
        .iter()
        .map(|f| {
            let own: Vec<usize> =
                (0..scored.len()).filter(|&i| f.held_out.is_none_or(|h| scored[i].group == h)).collect();
            let l: Vec<bool> = own.iter().map(|&i| labels[i]).collect();
            let fold_best = (0..forecast::N)
                .filter_map(|k| forecast::auc(&column(&own, k), &l).map(|a| (k, a)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            json!({
                "held_out": f.held_out.map(label_of),
                "train_samples": f.train_samples,
                "train_positives": f.train_positives,
                "test_samples": f.test_samples,
                "test_positives": f.test_positives,
                "skipped": f.skipped,
                "model_auc": forecast::auc(&own.iter().map(|&i| probs[i]).collect::<Vec<_>>(), &l).map(round),
                "best_baseline": fold_best.map(|(k, a)| json!({"feature": forecast::KEYS[k], "auc": round(a)})),
            })
        })
        .collect();
    let summary = json!({
        "method": if hold_out {
            "leave-one-group-out with a time cut: for each group, train on the other groups' samples labelled before the cut, test on this group's samples at or after it"
        } else {
            "time cut only: train on every group's samples labelled before the cut, test on every sample at or after it (groups are not held out)"
        },
        "folds": per_fold,
        "test": {
            "samples": scored.len(),
            "positives": labels.iter().filter(|&&y| y).count(),
            "model_auc": model_auc.map(round),
            "model_auc_ci95": ci(&mut model_boot),
            "best_baseline": best.map(|(k, a)| json!({"feature": forecast::KEYS[k], "auc": round(a), "auc_ci95": ci(&mut base_boot)})),
            "model_minus_best_baseline_ci95": ci(&mut diff_boot),
            "bootstrap": {"resamples": model_boot.len(), "unit": "4-week blocks of a group"},
            "baselines": baselines.iter().map(|&(k, a)| json!({"feature": forecast::KEYS[k], "auc": a.map(round)})).collect::<Vec<_>>(),
            "brier": round(forecast::brier(&probs, &labels)),
            "brier_base_rate": round(forecast::brier(&vec![base_rate; probs.len()], &labels)),
            "base_rate": round(base_rate),
            "reliability": forecast::reliability(&probs, &labels, 5),
        },
    });
    (summary, scored)
}

/// The 2.5% and 97.5% quantiles.
fn ci(v: &mut [f64]) -> Option<[f64; 2]> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    Some([round(q(0.025)), round(q(0.975))])
}
