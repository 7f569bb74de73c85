//! `tonghao import`: the arguments, a progress bar and the summary; the
//! import itself is `tonghao_app::ingest`.

use crate::Cli;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;
use std::time::Instant;
use tonghao_app::Lang;
use tonghao_app::ingest::{ImportRequest, Progress, import};
use tonghao_app::view::text::{import_summary, printable};
use tonghao_model::msg::Msg;
use tonghao_sources::{ReadOptions, Zone};
use tonghao_store::Store;

/// Arguments of `tonghao import`.
#[derive(clap::Args)]
pub struct Args {
    /// Files, folders or .zip archives to import.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Skip detection and read every file as this format (see `tonghao formats`).
    #[arg(long, short)]
    format: Option<String>,
    /// Time zone for exports whose times have none: a UTC offset (+08:00,
    /// -05:00) or an IANA zone (Asia/Shanghai, America/New_York), whose
    /// daylight saving time is followed message by message.
    #[arg(long, value_parser = Zone::parse, allow_hyphen_values = true)]
    tz: Option<Zone>,
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let req = ImportRequest {
        paths: args.paths.clone(),
        format: args.format.clone(),
        read: ReadOptions { tz: args.tz },
        relabel: None,
    };
    let bar = if cli.quiet || cli.json {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec}  {msg}",
            )
            .expect("valid template"),
        );
        bar
    };
    let started = Instant::now();
    let mut events = 0;
    let reports = import(store, &cli.community, &req, &mut |p| match p {
        Progress::Planned { bytes, .. } => bar.set_length(bytes),
        Progress::Events(n) => {
            events = n;
            let rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!("{n} events, {rate:.0} events/s"));
        }
        Progress::JobDone(bytes) => bar.inc(bytes),
    })
    .map_err(|e| match e {
        tonghao_app::AppError::NoFiles => anyhow::anyhow!("{}", lang.t("import.no_files")),
        e => e.into(),
    })?;
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let failed = reports.iter().filter(|r| r.error.is_some()).count();
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        print!("{}", import_summary(&reports, lang));
        let done = Msg::new("import.done")
            .int("files", reports.iter().filter(|r| r.stats.format.is_some()).count())
            .int("messages", reports.iter().map(|r| r.stats.messages).sum::<u64>())
            .num("secs", elapsed, 1)
            .num("rate", events as f64 / elapsed.max(1e-9), 0);
        eprintln!("{}", lang.msg(&done));
        for r in reports.iter().filter(|r| r.error.is_some()) {
            // In the reader's language where the failure is a reader's.
            let error = r.why.as_ref().map(|m| lang.msg(m)).or(r.error.clone()).unwrap_or_default();
            eprintln!("{}", lang.msg(&Msg::new("import.failed").text("error", printable(&error))));
        }
    }
    Ok(if failed > 0 { 2 } else { 0 })
}
