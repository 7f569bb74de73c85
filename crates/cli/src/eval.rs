//! `tonghao eval`: its arguments and output; the evaluations themselves
//! (what is measured and how) are `tonghao_app::eval`.

use crate::Cli;
use anyhow::{Context, Result};
use std::path::PathBuf;
use tonghao_app::Lang;
use tonghao_app::eval::{
    ForecastOptions, Pool, corpora, forecast_eval, forecast_model_source, forecast_transfer, pool, replies_eval,
    snapshots_of_corpora,
};
use tonghao_app::report::parse_time;
use tonghao_insight::forecast::Design;

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
    /// Exports to import into a temporary store (files, folders, .zip); a
    /// folder of folders is a collection, each subfolder one community
    /// (corpus). None: the store given by --db and --community.
    paths: Vec<PathBuf>,
    /// Fit on these corpora only (every sample) ...
    #[arg(long, num_args = 1.., requires = "test")]
    train: Vec<PathBuf>,
    /// ... and score these (every sample): transfer across communities.
    #[arg(long, num_args = 1.., requires = "train")]
    test: Vec<PathBuf>,
    /// Leave out corpora by name (e.g. `telegram`, whose big group is generated).
    #[arg(long)]
    exclude: Vec<String>,
    /// One time cut for every corpus (YYYY-MM-DD, UTC) instead of each
    /// corpus's own (70% of its group-weeks before it).
    #[arg(long)]
    cut: Option<String>,
    /// The design scored on the held-out groups (see `design_selection`).
    #[arg(long, default_value = "logistic_10_features")]
    design: String,
    /// Only compare the designs on development groups.
    #[arg(long)]
    dev_only: bool,
    /// L2 penalty on the standardised weights.
    #[arg(long, default_value_t = 1.0)]
    l2: f64,
    /// Bootstrap resamples for the confidence intervals.
    #[arg(long, default_value_t = 2000)]
    bootstrap: usize,
    /// Refit the design (`count_model_active_4w` or `logistic_active_4w`) on
    /// the development groups and print it as Rust source (the `MODEL`
    /// constant of crates/insight/src/forecast.rs).
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
            let design = Design::ALL
                .into_iter()
                .find(|d| d.name() == args.design)
                .with_context(|| format!("--design {:?}: one of {:?}", args.design, Design::ALL.map(Design::name)))?;
            let opts = ForecastOptions {
                cut_ms: match &args.cut {
                    Some(c) => Some(parse_time(c).with_context(|| format!("--cut {c:?}"))?),
                    None => None,
                },
                cut_label: args.cut.clone(),
                l2: args.l2,
                bootstrap: args.bootstrap,
                design,
                dev_only: args.dev_only,
                samples: args.samples,
            };
            let of_paths = |paths: &[PathBuf]| -> Result<Pool> {
                Ok(pool(snapshots_of_corpora(&corpora(paths, &args.exclude)?)?, true)?)
            };
            if !args.train.is_empty() {
                let out = forecast_transfer(&of_paths(&args.train)?, &of_paths(&args.test)?, &opts);
                println!("{}", serde_json::to_string_pretty(&out)?);
                return Ok(0);
            }
            let pool = if args.paths.is_empty() {
                let store = crate::open_store(cli)?;
                let snap = store.snapshot(&cli.community, None, Some(i64::MAX))?;
                pool(vec![(cli.community.clone(), snap)], false)?
            } else {
                of_paths(&args.paths)?
            };
            if args.rust {
                println!("{}", forecast_model_source(&pool, args.l2, design)?);
            } else {
                println!("{}", serde_json::to_string_pretty(&forecast_eval(&pool, &opts)?)?);
            }
        }
    }
    Ok(0)
}
