//! `tonghao split`: a weighted edge list split into small groups. Reading,
//! splitting and wording are `tonghao_app::split`; this file parses the
//! arguments and prints.

use crate::Cli;
use anyhow::{Result, anyhow};
use std::path::PathBuf;
use tonghao_app::Lang;
use tonghao_app::split::{SplitRequest, render_text, split_file};
use tonghao_insight::split::Quality;

/// Arguments of `tonghao split`.
#[derive(clap::Args)]
pub struct Args {
    /// The edge list: one tie a line, `src<TAB>dst<TAB>weight` (weight
    /// optional, default 1; `#` comments; a `src dst weight` header allowed).
    #[arg(long)]
    edges: PathBuf,
    /// Hard maximum members per group (the seeds advise at most about 40).
    /// Default: uncapped.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_size: Option<u32>,
    /// Resolution γ: higher gives smaller groups (modularity: 1 is
    /// Newman–Girvan; CPM: the tie weight per pair a group must exceed).
    #[arg(long, default_value_t = 1.0)]
    resolution: f64,
    /// What to optimise.
    #[arg(long, value_enum, default_value_t = QualityArg::Modularity)]
    quality: QualityArg,
    /// Seed of the random node orders: the same seed gives the same split.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Plain modularity optimisation, without the guard that splits small
    /// circles modularity merges (for comparisons with other tools).
    #[arg(long)]
    no_guard: bool,
    /// Output format (`--json` is the same as `--format json`).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum QualityArg {
    Modularity,
    Cpm,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let req = SplitRequest {
        max_size: args.max_size.map(|m| m as usize),
        resolution: args.resolution,
        quality: match args.quality {
            QualityArg::Modularity => Quality::Modularity,
            QualityArg::Cpm => Quality::Cpm,
        },
        seed: args.seed,
        guard: !args.no_guard,
    };
    let report = split_file(&args.edges, &req).map_err(|e| anyhow!(lang.msg(&e.msg())))?;
    if cli.json || args.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_text(&report, lang));
    }
    Ok(0)
}
