//! `tonghao eval`: its arguments and output; the evaluations themselves
//! (what is measured and how) are `tonghao_app::eval`.

use crate::Cli;
use anyhow::{Context, Result};
use std::path::PathBuf;
use tonghao_app::Lang;
use tonghao_app::eval::{ForecastOptions, forecast_eval, forecast_model_source, replies_eval, snapshot_of_paths};
use tonghao_app::report::parse_time;

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
        Command::Replies { dir } => {
            let (out, skipped) = replies_eval(dir)?;
            for raw in skipped {
                eprintln!("{}: {}", lang.t("label.no_annotation_file_skipped"), raw.display());
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Command::Forecast(args) => {
            let snap = if args.paths.is_empty() {
                let store = crate::open_store(cli)?;
                store.snapshot(&cli.community, None, Some(i64::MAX))?
            } else {
                snapshot_of_paths(&args.paths)?
            };
            if args.rust {
                println!("{}", forecast_model_source(snap, args.l2)?);
            } else {
                let opts = ForecastOptions {
                    cut_ms: parse_time(&args.cut).with_context(|| format!("--cut {:?}", args.cut))?,
                    cut_label: args.cut.clone(),
                    l2: args.l2,
                    bootstrap: args.bootstrap,
                    samples: args.samples,
                };
                println!("{}", serde_json::to_string_pretty(&forecast_eval(snap, &opts)?)?);
            }
        }
    }
    Ok(0)
}
