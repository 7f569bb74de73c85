//! `tonghao eval`: measures tonghao's inferences against human annotations.
//!
//! `tonghao eval replies DIR` reads every `*.raw.txt` log in DIR with its
//! `*.annotation.txt` (Kummerfeld et al., ACL 2019 layout: `a b -` links line
//! `max(a, b)` to line `min(a, b)`, 0-based, every line of the log counted) and
//! prints, as JSON, the link precision, recall and F1 of the reply inference
//! and of the "reply to the previous message" baseline. The metric and the
//! handling of lines with several gold parents are documented in
//! `tonghao_insight::replies::LinkScore` and docs/insight.md.

use crate::{Cli, Lang};
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::path::PathBuf;
use tonghao_insight::replies::{self, LinkScore};

/// What `tonghao eval` measures.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Reply-link inference against annotated IRC logs.
    Replies {
        /// A folder of `*.raw.txt` + `*.annotation.txt` pairs.
        dir: std::path::PathBuf,
    },
}

pub fn run(_cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    match cmd {
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
