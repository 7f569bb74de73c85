//! Fits the reply-inference weights on annotated IRC logs and measures them.
//!
//! ```text
//! cargo run --release -p tonghao-insight --example train_replies -- DATA/replies [options]
//! ```
//!
//! `DATA/replies/train` holds `*.raw.txt` + `*.annotation.txt` pairs to fit on;
//! `DATA/replies/dev`, when present, is scored once with the weights fitted on
//! all of train. Prints the k-fold cross-validation figures on train (folds by
//! file), the dev figures, and the weights as the Rust constant to paste into
//! `crates/insight/src/replies.rs`.
//!
//! Options: `--folds K` (5; 0 skips cross-validation), `--window N`,
//! `--epochs N`, `--rate R`, `--l2 L`, `--seed S`, `--no-dev`.

use std::path::{Path, PathBuf};
use std::time::Instant;
use tonghao_insight::replies::{
    Annotated, FEATURE_NAMES, IrcLog, LinkScore, Message, Model, TrainOptions, parse_annotation, previous_message,
    train,
};

struct File {
    log: IrcLog,
    gold: Vec<(usize, usize)>,
}

fn load(dir: &Path) -> Vec<File> {
    let mut raws: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".raw.txt"))
        .collect();
    raws.sort();
    raws.into_iter()
        .map(|raw| {
            let ann = PathBuf::from(raw.to_string_lossy().replace(".raw.txt", ".annotation.txt"));
            let text = String::from_utf8_lossy(&std::fs::read(&raw).unwrap()).into_owned();
            let gold = parse_annotation(&std::fs::read_to_string(&ann).unwrap());
            File { log: IrcLog::parse(&text), gold }
        })
        .collect()
}

fn score(files: &[&File], weights: &[f32], window: usize) -> (LinkScore, LinkScore) {
    let (mut model, mut base) = (LinkScore::default(), LinkScore::default());
    for f in files {
        let msgs = f.log.messages();
        model.add(LinkScore::of(&f.gold, &Model { weights, window }.infer(&msgs)));
        base.add(LinkScore::of(&f.gold, &previous_message(&msgs)));
    }
    (model, base)
}

fn show(what: &str, s: &LinkScore) {
    println!(
        "{what:<28} P {:.4}  R {:.4}  F1 {:.4}  (gold {}, predicted {}, matched {})",
        s.precision(),
        s.recall(),
        s.f1(),
        s.gold,
        s.predicted,
        s.matched
    );
}

fn fit(files: &[&File], opts: &TrainOptions) -> Vec<f32> {
    let msgs: Vec<Vec<Message>> = files.iter().map(|f| f.log.messages()).collect();
    let data: Vec<Annotated> = files.iter().zip(&msgs).map(|(f, m)| Annotated { messages: m, gold: &f.gold }).collect();
    train(&data, opts)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let mut opts = TrainOptions::default();
    let (mut folds, mut dev) = (5usize, true);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--folds" => folds = val().parse().unwrap(),
            "--window" => opts.window = val().parse().unwrap(),
            "--epochs" => opts.epochs = val().parse().unwrap(),
            "--rate" => opts.rate = val().parse().unwrap(),
            "--l2" => opts.l2 = val().parse().unwrap(),
            "--seed" => opts.seed = val().parse().unwrap(),
            "--no-dev" => dev = false,
            _ => root = Some(PathBuf::from(a)),
        }
    }
    let root = root.expect("usage: train_replies DATA/replies [--folds K] [--window N] [--epochs N] ...");
    let train_files = load(&root.join("train"));
    assert!(!train_files.is_empty(), "no *.raw.txt in {}/train", root.display());
    let all: Vec<&File> = train_files.iter().collect();
    println!("{opts:?}");

    if folds > 1 {
        let (mut m, mut b) = (LinkScore::default(), LinkScore::default());
        for k in 0..folds {
            let fit_on: Vec<&File> = all.iter().enumerate().filter(|(i, _)| i % folds != k).map(|(_, f)| *f).collect();
            let held: Vec<&File> = all.iter().enumerate().filter(|(i, _)| i % folds == k).map(|(_, f)| *f).collect();
            let w = fit(&fit_on, &opts);
            let (fm, fb) = score(&held, &w, opts.window);
            m.add(fm);
            b.add(fb);
        }
        show(&format!("train {folds}-fold CV: model"), &m);
        show(&format!("train {folds}-fold CV: previous"), &b);
    }

    let t = Instant::now();
    let w = fit(&all, &opts);
    eprintln!("fitted on {} files in {:.1?}", all.len(), t.elapsed());
    let msgs: Vec<Vec<Message>> = all.iter().map(|f| f.log.messages()).collect();
    let lines: usize = msgs.iter().map(Vec::len).sum();
    let t = Instant::now();
    let model = Model { weights: &w, window: opts.window };
    let inferred: usize = msgs.iter().map(|m| model.infer(m).len()).sum();
    eprintln!(
        "inferred {inferred} links in {:.1?}: {:.1} ms per 10,000 messages",
        t.elapsed(),
        t.elapsed().as_secs_f64() * 1e3 * 1e4 / lines as f64
    );
    let (m, b) = score(&all, &w, opts.window);
    show("train (fitted on): model", &m);
    show("train (fitted on): previous", &b);

    if dev && root.join("dev").is_dir() {
        let dev_files = load(&root.join("dev"));
        let d: Vec<&File> = dev_files.iter().collect();
        let (m, b) = score(&d, &w, opts.window);
        show("dev: model", &m);
        show("dev: previous", &b);
    }

    println!("\n#[rustfmt::skip]\npub const WEIGHTS: [f32; N_FEATURES] = [");
    for (name, w) in FEATURE_NAMES.iter().zip(&w) {
        println!("    {w:>9.4}, // {name}");
    }
    println!("];");
}
