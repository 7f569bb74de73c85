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
//! a temporary store, one community per corpus ([`corpora`]), or reads the
//! store; builds one sample per group-week (features before the week end,
//! label: silent four weeks later) with each chat counted once ([`pool`]);
//! compares the forecast designs on development groups, then scores the
//! chosen one on held-out test groups and communities, with every
//! one-feature baseline, bootstrap intervals and calibration
//! ([`forecast_eval`]); `--train`/`--test` measures transfer
//! ([`forecast_transfer`]); with `--rust` it refits on the development
//! groups and prints the `MODEL` constant of `tonghao_insight::forecast`.
//! What was found is in docs/insight.md ("Forecast").
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
    let io = |p: &Path, e: std::io::Error| AppError::detail(format!("{}: {e}", p.display()));
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
        return Err(AppError::detail(format!("no *.raw.txt + *.annotation.txt pairs in {}", dir.display())));
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
    /// One time cut (UTC ms) for every corpus instead of each corpus's own
    /// ([`CUT_QUANTILE`]): training labels are known before it, test samples
    /// start at or after it.
    pub cut_ms: Option<i64>,
    /// The cut as the user wrote it, echoed in the output.
    pub cut_label: Option<String>,
    /// L2 penalty on the standardised weights.
    pub l2: f64,
    /// Bootstrap resamples for the confidence intervals.
    pub bootstrap: usize,
    /// The design scored on the held-out groups and communities.
    pub design: forecast::Design,
    /// Only the design comparison on development groups (nothing is scored
    /// on test groups).
    pub dev_only: bool,
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

/// Exports read as one community: one dump of its groups, known complete
/// up to its last recorded moment.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// Its name: the folder's (or file's) name.
    pub name: String,
    /// What is imported for it.
    pub paths: Vec<PathBuf>,
}

/// The corpora under `paths`: a file, a Slack export folder, or a folder
/// whose subfolders hold files only (one logger's day files per channel, two
/// loggers of one channel) is one corpus; a folder holding deeper folders or
/// Slack exports is a collection whose subfolders are one corpus each (and
/// its loose files one more, named after it). So `../shared/data/formats`
/// gives `gitter`, `irc`, `slack`, ..., and `../shared/data/lifecycle` gives
/// `fcc-gitter-matrix` and the two Slack workspaces. Corpora named in
/// `exclude` are left out.
pub fn corpora(paths: &[PathBuf], exclude: &[String]) -> Result<Vec<Corpus>> {
    let io = |p: &Path, e: std::io::Error| AppError::detail(format!("{}: {e}", p.display()));
    let name_of =
        |p: &Path| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut out: Vec<Corpus> = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
        let mut entries: Vec<PathBuf> = Vec::new();
        if meta.is_dir() {
            entries = std::fs::read_dir(path)
                .map_err(|e| io(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
                .collect();
            entries.sort();
        }
        let folders: Vec<&PathBuf> = entries.iter().filter(|p| p.is_dir()).collect();
        // A collection holds corpora: a Slack export, or a folder of folders.
        let deep = |dir: &Path| {
            std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()).any(|e| {
                let n = e.file_name();
                e.path().is_dir() || n == "users.json" || n == "channels.json"
            })
        };
        let export = entries.iter().any(|p| p.file_name().is_some_and(|n| n == "users.json" || n == "channels.json"));
        if !meta.is_dir() || export || !folders.iter().any(|f| deep(f)) {
            out.push(Corpus { name: name_of(path), paths: vec![path.clone()] });
            continue;
        }
        for f in &folders {
            out.push(Corpus { name: name_of(f), paths: vec![(*f).clone()] });
        }
        let files: Vec<PathBuf> = entries.iter().filter(|p| !p.is_dir()).cloned().collect();
        if !files.is_empty() {
            out.push(Corpus { name: name_of(path), paths: files });
        }
    }
    out.retain(|c| !exclude.contains(&c.name));
    // Names are community names: make them unique.
    for i in 1..out.len() {
        let mut n = 2;
        while out[..i].iter().any(|c| c.name == out[i].name) {
            out[i].name = format!("{}~{n}", out[i].name);
            n += 1;
        }
    }
    Ok(out)
}

/// Imports each corpus into its own community of one temporary store and
/// loads each whole history (texts included), for backtests on real files.
pub fn snapshots_of_corpora(corpora: &[Corpus]) -> Result<Vec<(String, Snapshot)>> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let tmp = TempDb(std::env::temp_dir().join(format!("tonghao-eval-forecast-{}-{nanos}.db", std::process::id())));
    let store = SqliteStore::open(&tmp.0)?;
    let mut out = Vec::new();
    for corpus in corpora {
        let req = ImportRequest { paths: corpus.paths.clone(), ..Default::default() };
        for file in import(&store, &corpus.name, &req, &mut |_| {})? {
            if let Some(e) = file.error {
                return Err(AppError::detail(format!("import failed {}: {e}", file.file)));
            }
        }
        out.push((corpus.name.clone(), store.snapshot(&corpus.name, None, Some(i64::MAX))?));
    }
    drop(store);
    Ok(out)
}

/// Imports the exports under `paths` into a temporary store as one
/// community and loads its whole history.
pub fn snapshot_of_paths(paths: &[PathBuf]) -> Result<Snapshot> {
    let corpus = Corpus { name: "eval-forecast".into(), paths: paths.to_vec() };
    Ok(snapshots_of_corpora(&[corpus])?.remove(0).1)
}

/// The quantile of a corpus's sample times where its own time cut falls:
/// the first 70% of its group-weeks are before it. One date does not suit
/// histories from 2014 and from 2024.
pub const CUT_QUANTILE: f64 = 0.7;
/// Folds of the design comparison among development groups.
pub const DEV_FOLDS: u64 = 5;

/// Every group-week sample of some corpora, each group placed once.
pub struct Pool {
    /// Corpus names.
    pub corpora: Vec<String>,
    /// Each corpus's time cut (UTC ms), where it has samples.
    pub cuts: Vec<Option<i64>>,
    /// Every group of every corpus.
    pub groups: Vec<PoolGroup>,
    /// The samples; `Sample::group` indexes [`Pool::groups`]. Groups that
    /// repeat another ([`PoolGroup::duplicate_of`]) have none.
    pub samples: Vec<forecast::Sample>,
}

/// One group of a [`Pool`].
pub struct PoolGroup {
    /// Index into [`Pool::corpora`].
    pub corpus: usize,
    /// Display label.
    pub label: String,
    /// Platform name.
    pub platform: String,
    /// `platform:external id`: what decides its role.
    pub key: String,
    /// A development group (design choice, training) rather than a test group.
    pub dev: bool,
    /// The group is another rendering of this group (same chat exported
    /// twice): it gives no samples.
    pub duplicate_of: Option<usize>,
    /// Messages.
    pub messages: usize,
    /// The moment up to which its history is taken as known.
    pub observed_until: i64,
}

/// 64-bit FNV-1a: a group's role from its key, the same on every machine.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Whether a group key is a development group: half of all keys, by hash.
pub fn is_dev(key: &str) -> bool {
    fnv(key).is_multiple_of(2)
}

/// The samples of every group of `snaps`. With `corpus_end` each corpus is
/// taken as one dump, complete up to its last recorded moment (a message,
/// a join or leave, or the end of what its files cover), so a group that
/// stopped long before is seen falling silent; without it a group is known
/// up to its own last event or covered span only. Samples whose four weeks
/// ahead run past that moment are not made ([`forecast::samples`]).
pub fn pool(snaps: Vec<(String, Snapshot)>, corpus_end: bool) -> Result<Pool> {
    let mut pool = Pool { corpora: Vec::new(), cuts: Vec::new(), groups: Vec::new(), samples: Vec::new() };
    // (minute, text length) of every message, to find one chat rendered twice.
    let mut prints: Vec<std::collections::HashSet<(i64, u32)>> = Vec::new();
    let mut per_group: Vec<Vec<forecast::Sample>> = Vec::new();
    for (c, (name, mut snap)) in snaps.into_iter().enumerate() {
        pool.corpora.push(name);
        infer_missing(&mut snap, i64::MIN);
        let ends: Vec<Option<i64>> = (0..snap.groups.len())
            .map(|g| {
                let meta = &snap.groups[g];
                let last_message = meta.messages.clone().last().map(|i| snap.messages.at_ms[i]);
                let last_membership = snap.memberships[meta.memberships.clone()].iter().map(|r| r.at_ms).max();
                last_message.max(last_membership).max(meta.covered.map(|c| c.1))
            })
            .collect();
        let end_of_corpus = ends.iter().flatten().max().copied();
        for (g, own_end) in ends.into_iter().enumerate() {
            let meta = &snap.groups[g];
            let Some(own_end) = own_end else { continue };
            let observed_until = if corpus_end { end_of_corpus.unwrap_or(own_end).max(own_end) } else { own_end };
            let id = pool.groups.len() as u32;
            let mut s = forecast::samples(&snap, g, observed_until + 1);
            for x in &mut s {
                x.group = id;
            }
            per_group.push(s);
            let key = format!("{}:{}", meta.platform, meta.external_id);
            prints.push(
                meta.messages
                    .clone()
                    .map(|i| (snap.messages.at_ms[i].div_euclid(60_000), snap.messages.chars[i]))
                    .collect(),
            );
            pool.groups.push(PoolGroup {
                corpus: c,
                label: meta.label().to_string(),
                platform: meta.platform.to_string(),
                dev: is_dev(&key),
                key,
                duplicate_of: None,
                messages: meta.messages.len(),
                observed_until,
            });
        }
    }
    // One chat exported twice (one group per tool or logger): at least half
    // of the smaller one's (minute, length) prints appear in the larger.
    let mut by_print: std::collections::HashMap<(i64, u32), Vec<u32>> = std::collections::HashMap::new();
    for (g, p) in prints.iter().enumerate() {
        for k in p {
            by_print.entry(*k).or_default().push(g as u32);
        }
    }
    let mut shared: std::collections::HashMap<(u32, u32), usize> = std::collections::HashMap::new();
    for gs in by_print.values().filter(|gs| gs.len() > 1 && gs.len() <= 4) {
        for (i, &a) in gs.iter().enumerate() {
            for &b in &gs[i + 1..] {
                *shared.entry((a.min(b), a.max(b))).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<((u32, u32), usize)> = shared.into_iter().collect();
    pairs.sort_unstable();
    for ((a, b), n) in pairs {
        let (a, b) = (a as usize, b as usize);
        let smaller = prints[a].len().min(prints[b].len());
        if smaller >= 10 && n * 2 >= smaller {
            let (keep, drop) = if pool.groups[a].messages >= pool.groups[b].messages { (a, b) } else { (b, a) };
            if pool.groups[drop].duplicate_of.is_none() {
                pool.groups[drop].duplicate_of = Some(keep);
            }
        }
    }
    for (g, s) in per_group.into_iter().enumerate() {
        if pool.groups[g].duplicate_of.is_none() {
            pool.samples.extend(s);
        }
    }
    if pool.samples.is_empty() {
        return Err(AppError::detail("no group has a history long enough to give a sample"));
    }
    pool.cuts = (0..pool.corpora.len())
        .map(|c| {
            let mut at: Vec<i64> =
                pool.samples.iter().filter(|s| pool.groups[s.group as usize].corpus == c).map(|s| s.at_ms).collect();
            at.sort_unstable();
            (!at.is_empty()).then(|| at[((at.len() - 1) as f64 * CUT_QUANTILE) as usize])
        })
        .collect();
    Ok(pool)
}

impl Pool {
    fn cut_of(&self, s: &forecast::Sample, args: &ForecastOptions) -> i64 {
        args.cut_ms.unwrap_or_else(|| self.cuts[self.groups[s.group as usize].corpus].unwrap_or(i64::MAX))
    }
    /// Labelled before its corpus's cut.
    fn before(&self, s: &forecast::Sample, args: &ForecastOptions) -> bool {
        s.at_ms + forecast::HORIZON_WEEKS as i64 * 7 * metrics::DAY_MS <= self.cut_of(s, args)
    }
    /// At or after its corpus's cut.
    fn after(&self, s: &forecast::Sample, args: &ForecastOptions) -> bool {
        s.at_ms >= self.cut_of(s, args)
    }
    fn group_json(&self) -> Vec<serde_json::Value> {
        self.groups
            .iter()
            .enumerate()
            .map(|(g, meta)| {
                let own: Vec<&forecast::Sample> = self.samples.iter().filter(|s| s.group as usize == g).collect();
                json!({
                    "corpus": self.corpora[meta.corpus],
                    "group": meta.label,
                    "platform": meta.platform,
                    "role": if meta.dev { "dev" } else { "test" },
                    "duplicate_of": meta.duplicate_of.map(|d| &self.groups[d].label),
                    "messages": meta.messages,
                    "observed_until": local_date(meta.observed_until, 0),
                    "samples": own.len(),
                    "positives": own.iter().filter(|s| s.silent_later).count(),
                    "first_sample": own.first().map(|s| local_date(s.at_ms, 0)),
                    "last_sample": own.last().map(|s| local_date(s.at_ms, 0)),
                })
            })
            .collect()
    }
}

/// The refitted model as Rust source (the `MODEL` constant of
/// `tonghao_insight::forecast`), fitted on every sample of the development
/// groups: the count model with `active_4w` ([`forecast::Design::Shipped`]),
/// or `active_4w` alone ([`forecast::Design::Active4w`], the count model's
/// weight 0). Other designs cannot be written as a `Model`.
pub fn forecast_model_source(pool: &Pool, l2: f64, design: forecast::Design) -> Result<String> {
    let labelled: Vec<_> = pool
        .samples
        .iter()
        .filter(|s| pool.groups[s.group as usize].dev)
        .map(|s| (s.raw.clone(), s.silent_later))
        .collect();
    let groups: std::collections::HashSet<u32> =
        pool.samples.iter().filter(|s| pool.groups[s.group as usize].dev).map(|s| s.group).collect();
    let m = match design.fit(&labelled, l2) {
        forecast::Fitted::Count(m) => m,
        forecast::Fitted::One(4, one) => forecast::Model {
            layer: forecast::Logistic {
                mean: [0.0, one.mean[0]],
                sd: [1.0, one.sd[0]],
                weights: [0.0, one.weights[0]],
                bias: one.bias,
            },
            ..forecast::MODEL
        },
        _ => return Err(AppError::detail(format!("--rust: design {} is not a forecast::Model", design.name()))),
    };
    let list = |v: &[f64]| v.iter().map(|x| format!("{x:.6}")).collect::<Vec<_>>().join(", ");
    Ok(format!(
        "/// The shipped model: design `{}`, fitted on the development groups of the real histories by\n\
         /// `tonghao eval forecast --rust --design {} <the folders in docs/insight.md>`\n\
         /// ({} samples, {} positives, {} groups, l2 {}).\n\
         pub const MODEL: Model = Model {{\n    recent_weight: {:.2},\n    size: {:.1},\n    layer: Logistic {{\n        mean: [{}],\n        sd: [{}],\n        weights: [{}],\n        bias: {:.6},\n    }},\n}};",
        design.name(),
        design.name(),
        labelled.len(),
        labelled.iter().filter(|(_, y)| *y).count(),
        groups.len(),
        l2,
        m.recent_weight,
        m.size,
        list(&m.layer.mean),
        list(&m.layer.sd),
        list(&m.layer.weights),
        m.layer.bias
    ))
}

/// The forecast judged on `pool` (see docs/insight.md, "Forecast"):
/// designs compared on development groups (group folds, each corpus's
/// time cut); then the chosen design fitted on development groups before
/// the cut and scored on test groups after it, and with each community
/// held out in turn. AUC with bootstrap intervals (groups resampled),
/// every one-feature baseline, the difference to the best one, Brier
/// score and calibration.
pub fn forecast_eval(pool: &Pool, args: &ForecastOptions) -> Result<serde_json::Value> {
    let all: Vec<&forecast::Sample> = pool.samples.iter().collect();
    let dev = |s: &forecast::Sample| pool.groups[s.group as usize].dev;
    let fold = |s: &forecast::Sample| (fnv(&pool.groups[s.group as usize].key) / 2) % DEV_FOLDS;
    let mut designs = Vec::new();
    for design in forecast::Design::ALL {
        let mut scored = Vec::new();
        for f in 0..DEV_FOLDS {
            let train: Vec<&forecast::Sample> =
                all.iter().filter(|s| dev(s)).filter(|s| fold(s) != f && pool.before(s, args)).copied().collect();
            let test: Vec<&forecast::Sample> =
                all.iter().filter(|s| dev(s)).filter(|s| fold(s) == f && pool.after(s, args)).copied().collect();
            if positives(&train) > 0 && !test.is_empty() {
                scored.extend(forecast::fit_and_score(&train, &test, design, args.l2));
            }
        }
        let labels: Vec<bool> = scored.iter().map(|s| s.silent_later).collect();
        let probs: Vec<f64> = scored.iter().map(|s| s.probability).collect();
        designs.push(json!({
            "design": design.name(),
            "samples": scored.len(),
            "positives": labels.iter().filter(|&&y| y).count(),
            "auc": forecast::auc(&probs, &labels).map(round),
            "brier": round(forecast::brier(&probs, &labels)),
            "baselines": (design == forecast::Design::Shipped).then(|| baseline_aucs(&scored)),
        }));
    }
    let mut out = json!({
        "horizon_weeks": forecast::HORIZON_WEEKS,
        "min_age_weeks": forecast::MIN_AGE_WEEKS,
        "features": forecast::KEYS,
        "corpora": pool.corpora.iter().zip(&pool.cuts).map(|(c, cut)| json!({
            "corpus": c,
            "cut": args.cut_label.clone().or_else(|| cut.map(|t| local_date(t, 0))),
            "groups": pool.groups.iter().filter(|g| pool.corpora[g.corpus] == *c).count(),
            "samples": pool.samples.iter().filter(|s| pool.corpora[pool.groups[s.group as usize].corpus] == *c).count(),
        })).collect::<Vec<_>>(),
        "groups": pool.group_json(),
        "samples": pool.samples.len(),
        "positives": positives(&all),
        "dev_groups_with_samples": pool.samples.iter().filter(|s| pool.groups[s.group as usize].dev).map(|s| s.group).collect::<std::collections::HashSet<_>>().len(),
        "cut_quantile": CUT_QUANTILE,
        "l2": args.l2,
        "design_selection": {
            "method": format!("development groups only (FNV-1a of platform:id even), {DEV_FOLDS} folds of whole groups; train on the other folds' samples labelled before their corpus's cut, test on the fold's samples at or after it"),
            "designs": designs,
        },
    });
    if args.dev_only {
        return Ok(out);
    }
    out["design"] = json!(args.design.name());
    let test = |s: &forecast::Sample| !pool.groups[s.group as usize].dev;
    let train: Vec<&forecast::Sample> =
        all.iter().filter(|s| dev(s)).filter(|s| pool.before(s, args)).copied().collect();
    let tested: Vec<&forecast::Sample> =
        all.iter().filter(|s| test(s)).filter(|s| pool.after(s, args)).copied().collect();
    let scored = forecast::fit_and_score(&train, &tested, args.design, args.l2);
    out["held_out_groups"] = summary(
        "train on development groups' samples labelled before their corpus's cut; test on test groups' samples at or after it",
        &scored,
        positives(&train),
        train.len(),
        args,
    );
    let mut pooled = Vec::new();
    let mut folds = Vec::new();
    for c in 0..pool.corpora.len() {
        let corpus = |s: &forecast::Sample| pool.groups[s.group as usize].corpus == c;
        let train: Vec<&forecast::Sample> =
            all.iter().filter(|s| !corpus(s) && pool.before(s, args)).copied().collect();
        let held: Vec<&forecast::Sample> =
            all.iter().filter(|s| corpus(s)).filter(|s| test(s)).filter(|s| pool.after(s, args)).copied().collect();
        if held.is_empty() || positives(&train) == 0 {
            continue;
        }
        let s = forecast::fit_and_score(&train, &held, args.design, args.l2);
        let labels: Vec<bool> = s.iter().map(|x| x.silent_later).collect();
        let probs: Vec<f64> = s.iter().map(|x| x.probability).collect();
        folds.push(json!({
            "held_out": pool.corpora[c],
            "train_samples": train.len(),
            "test_samples": s.len(),
            "test_positives": labels.iter().filter(|&&y| y).count(),
            "model_auc": forecast::auc(&probs, &labels).map(round),
            "baselines": baseline_aucs(&s),
        }));
        pooled.extend(s);
    }
    out["held_out_communities"] = summary(
        "for each corpus: train on every other corpus's samples labelled before their cut; test on this corpus's test groups at or after its cut; pooled",
        &pooled,
        0,
        0,
        args,
    );
    out["held_out_communities"]["folds"] = json!(folds);
    if args.samples {
        out["sample_list"] = sample_list(pool, &scored);
    }
    Ok(out)
}

/// `--train` and `--test`: fit on every sample of the training corpora,
/// score every sample of the test corpora (no time cut: the communities
/// differ).
pub fn forecast_transfer(train: &Pool, test: &Pool, args: &ForecastOptions) -> serde_json::Value {
    let tr: Vec<&forecast::Sample> = train.samples.iter().collect();
    let te: Vec<&forecast::Sample> = test.samples.iter().collect();
    let scored = forecast::fit_and_score(&tr, &te, args.design, args.l2);
    let mut out = json!({
        "horizon_weeks": forecast::HORIZON_WEEKS,
        "design": args.design.name(),
        "train_corpora": train.corpora,
        "test_corpora": test.corpora,
        "train": {"samples": tr.len(), "positives": positives(&tr)},
        "transfer": summary("train on every sample of the training corpora; test on every sample of the test corpora", &scored, positives(&tr), tr.len(), args),
    });
    if args.samples {
        out["sample_list"] = sample_list(test, &scored);
    }
    out
}

fn positives(samples: &[&forecast::Sample]) -> usize {
    samples.iter().filter(|s| s.silent_later).count()
}

fn sample_list(pool: &Pool, scored: &[forecast::Scored]) -> serde_json::Value {
    let list: Vec<_> = pool
        .samples
        .iter()
        .map(|s| {
            let p = scored.iter().find(|t| t.group == s.group && t.at_ms == s.at_ms).map(|t| round(t.probability));
            let g = &pool.groups[s.group as usize];
            json!({"corpus": pool.corpora[g.corpus], "group": g.label, "role": if g.dev { "dev" } else { "test" }, "at": local_date(s.at_ms, 0), "features": s.raw, "silent_later": s.silent_later, "test_probability": p})
        })
        .collect();
    serde_json::Value::Array(list)
}

fn baseline_aucs(scored: &[forecast::Scored]) -> serde_json::Value {
    let labels: Vec<bool> = scored.iter().map(|s| s.silent_later).collect();
    let list: Vec<_> = (0..forecast::N)
        .map(|k| {
            let col: Vec<f64> = scored.iter().map(|s| s.baseline[k]).collect();
            json!({"feature": forecast::KEYS[k], "auc": forecast::auc(&col, &labels).map(round)})
        })
        .collect();
    json!(list)
}

/// Summarises scored test samples: AUC with a bootstrap interval (whole
/// groups resampled: a new group, not a new week, is what the forecast
/// meets), every one-feature baseline, the best one picked with hindsight
/// and the difference to it with its interval, Brier score and
/// calibration in ten bins (within 0.05 where a bin holds 30 or more).
fn summary(
    method: &str,
    scored: &[forecast::Scored],
    train_positives: usize,
    train_samples: usize,
    args: &ForecastOptions,
) -> serde_json::Value {
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
    let mut groups: Vec<u32> = scored.iter().map(|s| s.group).collect();
    groups.sort_unstable();
    groups.dedup();
    let members: Vec<Vec<usize>> =
        groups.iter().map(|g| (0..scored.len()).filter(|&i| scored[i].group == *g).collect()).collect();
    let mut rng = forecast::SplitMix(20240601);
    let (mut model_boot, mut base_boot, mut diff_boot) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..if groups.is_empty() { 0 } else { args.bootstrap } {
        let mut idx = Vec::with_capacity(scored.len());
        for _ in 0..groups.len() {
            idx.extend_from_slice(&members[rng.below(groups.len())]);
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
    let bins: Vec<_> = forecast::reliability(&probs, &labels, 10)
        .into_iter()
        .map(|b| {
            let gap = b.predicted.zip(b.observed).map(|(p, o)| round((p - o).abs()));
            json!({"from": b.from, "to": b.to, "samples": b.samples, "predicted": b.predicted.map(round),
                   "observed": b.observed.map(round), "gap": gap,
                   "within_0_05": (b.samples >= 30).then(|| gap.is_some_and(|g| g <= 0.05))})
        })
        .collect();
    json!({
        "method": method,
        "train": {"samples": train_samples, "positives": train_positives},
        "test": {
            "samples": scored.len(),
            "positives": labels.iter().filter(|&&y| y).count(),
            "groups": groups.len(),
            "model_auc": model_auc.map(round),
            "model_auc_ci95": ci(&mut model_boot),
            "best_baseline": best.map(|(k, a)| json!({"feature": forecast::KEYS[k], "auc": round(a), "auc_ci95": ci(&mut base_boot)})),
            "model_minus_best_baseline_ci95": ci(&mut diff_boot),
            "bootstrap": {"resamples": model_boot.len(), "unit": "groups"},
            "baselines": baselines.iter().map(|&(k, a)| json!({"feature": forecast::KEYS[k], "auc": a.map(round)})).collect::<Vec<_>>(),
            "brier": round(forecast::brier(&probs, &labels)),
            "brier_base_rate": round(forecast::brier(&vec![base_rate; probs.len()], &labels)),
            "base_rate": round(base_rate),
            "calibration": bins,
        },
    })
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
