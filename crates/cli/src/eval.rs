//! `tonghao eval`: measures tonghao's inferences against human annotations.
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

use crate::{Cli, Lang};
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::path::PathBuf;
use tonghao_insight::links::infer_missing;
use tonghao_insight::replies::{self, LinkScore};
use tonghao_insight::{forecast, metrics};
use tonghao_model::snapshot::Snapshot;
use tonghao_sources::{ReadOptions, plan};
use tonghao_store::{Ingest, Queries, SqliteStore};

/// What `tonghao eval` measures.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Reply-link inference against annotated IRC logs.
    Replies {
        /// A folder of `*.raw.txt` + `*.annotation.txt` pairs.
        dir: std::path::PathBuf,
    },
    /// The silence forecast, backtested on real histories.
    Forecast(ForecastArgs),
}

/// Arguments of `tonghao eval forecast`.
#[derive(clap::Args)]
pub struct ForecastArgs {
    /// Exports to import into a temporary store (files, folders, .zip);
    /// none: the store given by --db and --community.
    paths: Vec<PathBuf>,
    /// The time cut (YYYY-MM-DD, UTC): training samples' labels are known
    /// before it, test samples start at or after it.
    #[arg(long, default_value = "2019-06-01")]
    cut: String,
    /// L2 penalty on the standardised weights.
    #[arg(long, default_value_t = 1.0)]
    l2: f64,
    /// Bootstrap resamples for the confidence intervals.
    #[arg(long, default_value_t = 2000)]
    bootstrap: usize,
    /// Refit on every sample and print the model as Rust source (the
    /// `MODEL` constant of crates/insight/src/forecast.rs).
    #[arg(long)]
    rust: bool,
    /// Also list every sample (group, week end, features, label, and the
    /// test probability where it was scored).
    #[arg(long)]
    samples: bool,
}

pub fn run(cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    match cmd {
        Command::Forecast(args) => forecast(cli, lang, args),
        Command::Replies { dir } => {
            let mut raws: Vec<PathBuf> = std::fs::read_dir(dir)
                .with_context(|| format!("{} {}", lang.t("无法读取目录", "cannot read folder"), dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".raw.txt")))
                .collect();
            raws.sort();
            let mut files = Vec::new();
            for raw in raws {
                let name = raw.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                let ann = raw.with_file_name(name.replace(".raw.txt", ".annotation.txt"));
                if !ann.is_file() {
                    eprintln!("{}: {}", lang.t("没有标注文件，跳过", "no annotation file, skipped"), raw.display());
                    continue;
                }
                let text = std::fs::read(&raw).with_context(|| raw.display().to_string())?;
                let gold = std::fs::read(&ann).with_context(|| ann.display().to_string())?;
                files.push((String::from_utf8_lossy(&text).into_owned(), String::from_utf8_lossy(&gold).into_owned()));
            }
            if files.is_empty() {
                bail!(
                    "{} {}",
                    lang.t(
                        "目录里没有 *.raw.txt + *.annotation.txt 文件对：",
                        "no *.raw.txt + *.annotation.txt pairs in"
                    ),
                    dir.display()
                );
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
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(0)
        }
    }
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

/// Loads the snapshot: from a temporary store of `args.paths`, or from the store.
fn forecast_snapshot(cli: &Cli, lang: Lang, args: &ForecastArgs) -> Result<Snapshot> {
    if args.paths.is_empty() {
        let path = cli.db.clone().unwrap_or_else(crate::default_db);
        let store = SqliteStore::open(&path).with_context(|| format!("opening {}", path.display()))?;
        return Ok(store.snapshot(&cli.community, None, Some(i64::MAX))?);
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let tmp = TempDb(std::env::temp_dir().join(format!("tonghao-eval-forecast-{}-{nanos}.db", std::process::id())));
    let store = SqliteStore::open(&tmp.0).with_context(|| format!("opening {}", tmp.0.display()))?;
    let opts = ReadOptions::default();
    let community = "eval-forecast";
    let mut session = store.begin_import(community)?;
    for path in &args.paths {
        for job in plan(path, None)? {
            let label = job.label();
            let (result, _) = crate::import::import_job(&mut *session, &label, &job, None, &opts, &mut |_| {});
            if let Err(e) = result {
                bail!("{} {label}: {e}", lang.t("导入失败", "import failed"));
            }
        }
    }
    session.commit()?;
    let snap = store.snapshot(community, None, Some(i64::MAX))?;
    drop(store);
    Ok(snap)
}

fn forecast(cli: &Cli, lang: Lang, args: &ForecastArgs) -> Result<i32> {
    let cut = crate::report::parse_time(&args.cut).with_context(|| format!("--cut {:?}", args.cut))?;
    let mut snap = forecast_snapshot(cli, lang, args)?;
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
            "first_sample": s.first().map(|s| crate::report::local_date(s.at_ms, 0)),
            "last_sample": s.last().map(|s| crate::report::local_date(s.at_ms, 0)),
        }));
        samples.extend(s);
    }
    if samples.is_empty() {
        bail!(
            "{}",
            lang.t("没有任何群有足够长的历史来构成样本", "no group has a history long enough to give a sample")
        );
    }
    if args.rust {
        let labelled: Vec<_> = samples.iter().map(|s| (s.raw.clone(), s.silent_later)).collect();
        let m = forecast::fit(&labelled, args.l2);
        let list = |v: &[f64]| v.iter().map(|x| format!("{x:.6}")).collect::<Vec<_>>().join(", ");
        println!(
            "/// The shipped model: fitted on every sample of the real histories by\n\
             /// `tonghao eval forecast --rust <the folders in docs/insight.md>`\n\
             /// ({} samples, {} positives, {} groups, l2 {}).\n\
             pub const MODEL: Model = Model {{\n    recent_weight: {:.2},\n    size: {:.1},\n    layer: Logistic {{\n        mean: [{}],\n        sd: [{}],\n        weights: [{}],\n        bias: {:.6},\n    }},\n}};",
            samples.len(),
            labelled.iter().filter(|(_, y)| *y).count(),
            groups.iter().filter(|g| g["samples"].as_u64().unwrap_or(0) > 0).count(),
            args.l2,
            m.recent_weight,
            m.size,
            list(&m.layer.mean),
            list(&m.layer.sd),
            list(&m.layer.weights),
            m.layer.bias
        );
        return Ok(0);
    }
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
        "cut": args.cut,
        "l2": args.l2,
        "held_out_groups": strict,
        "time_cut_only": temporal,
    });
    if args.samples {
        let list: Vec<_> = samples
            .iter()
            .map(|s| {
                let p = scored.iter().find(|t| t.group == s.group && t.at_ms == s.at_ms).map(|t| round(t.probability));
                json!({"group": label_of(s.group), "at": crate::report::local_date(s.at_ms, 0), "features": s.raw, "silent_later": s.silent_later, "test_probability": p})
            })
            .collect();
        out["sample_list"] = serde_json::Value::Array(list);
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(0)
}

/// Backtests (see [`forecast::backtest`]) and summarises the scored test
/// samples: AUC with a block-bootstrap interval, the one-feature baselines,
/// Brier score and reliability, and each fold.
fn evaluate(
    samples: &[forecast::Sample],
    cut: i64,
    args: &ForecastArgs,
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
