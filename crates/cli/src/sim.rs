//! `tonghao sim`: writes a simulated community history and its ground truth.
//!
//! The generator lives in `tonghao-sim` (docs/sim.md); this is its face:
//! arguments, a progress line (messages and messages per second) and a summary.

use crate::Cli;
use anyhow::{Result, anyhow};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tonghao_app::Lang;
use tonghao_model::msg::Msg;
use tonghao_sim::{Format, Options, Scenario, Summary};

/// Arguments of `tonghao sim`.
#[derive(clap::Args)]
pub struct Args {
    /// A built-in scenario (small, demo, large) or a path to a scenario .toml.
    #[arg(long, short, default_value = "small")]
    pub scenario: String,
    /// Random seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format: jsonl (canonical events, every group on its own
    /// platform), telegram, wechat-csv, qq-txt (every group in that format),
    /// or native (each group in its platform's format).
    #[arg(long, short, default_value = "jsonl", value_parser = parse_format)]
    pub format: Format,
    /// Output folder (created; must be empty unless --force).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Write into a folder that already holds files (files of the same names
    /// are overwritten, others are left alone).
    #[arg(long)]
    pub force: bool,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
        format!("unknown format {s:?} (expected one of {})", names.join(", "))
    })
}

/// Runs a simulation with a progress line on stderr unless `quiet`.
pub fn simulate(scenario: &Scenario, opts: &Options, quiet: bool) -> Result<(Summary, f64)> {
    let counter = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let started = Instant::now();
    let opts = Options { progress: Some(&counter), ..*opts };
    let summary = std::thread::scope(|s| {
        if !quiet {
            s.spawn(|| {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}").expect("valid template"),
                );
                while !done.load(Ordering::Relaxed) {
                    let n = counter.load(Ordering::Relaxed);
                    let rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
                    bar.set_message(format!("{n} messages, {rate:.0} messages/s"));
                    bar.tick();
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            });
        }
        let r = tonghao_sim::generate(scenario, &opts);
        done.store(true, Ordering::Relaxed);
        r
    });
    Ok((summary?, started.elapsed().as_secs_f64()))
}

pub fn run(cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let scenario = Scenario::load(&args.scenario).map_err(|e| anyhow!("{e}"))?;
    let opts = Options {
        seed: args.seed,
        format: args.format,
        out: &args.out,
        threads: args.threads,
        progress: None,
        force: args.force,
    };
    let (summary, secs) = simulate(&scenario, &opts, cli.quiet || cli.json)?;
    let rate = summary.messages as f64 / secs.max(1e-9);
    if cli.json {
        let out = serde_json::json!({
            "scenario": scenario.name,
            "seed": args.seed,
            "format": args.format.as_str(),
            "out": args.out.display().to_string(),
            "groups": summary.groups,
            "people": summary.people,
            "messages": summary.messages,
            "counts": summary.counts,
            "files": summary.files,
            "bytes": summary.bytes,
            "truth": summary.truth.display().to_string(),
            "seconds": secs,
            "messages_per_second": rate,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(0);
    }
    let c = &summary.counts;
    let summary_msg = Msg::new("sim.summary")
        .text("scenario", &scenario.name)
        .int("seed", args.seed)
        .int("groups", summary.groups)
        .int("people", summary.people)
        .int("messages", c.messages)
        .int("joins", c.joins)
        .int("leaves", c.leaves)
        .int("checkins", c.checkins)
        .int("orders", c.orders);
    let wrote = Msg::new("sim.wrote")
        .text("out", args.out.display().to_string())
        .int("files", summary.files.len())
        .text("format", args.format.as_str())
        .num("mb", summary.bytes as f64 / 1e6, 1)
        .num("secs", secs, 1)
        .num("rate", rate, 0);
    println!("{}", lang.msg(&summary_msg));
    println!("{}", lang.msg(&wrote));
    println!("{}", lang.msg(&Msg::new("sim.truth").text("path", summary.truth.display().to_string())));
    println!("{}", lang.msg(&Msg::new("sim.import_hint").text("paths", history_hint(&args.out, &summary.files))));
    Ok(0)
}

/// What to pass to `tonghao import`: the history, not the truth files.
fn history_hint(out: &std::path::Path, files: &[String]) -> String {
    let mut tops: Vec<String> = Vec::new();
    for f in files {
        let top = f.split('/').next().unwrap_or(f);
        let top = if top.starts_with("events-") { "events-*.jsonl" } else { top };
        if !tops.iter().any(|t| t == top) {
            tops.push(top.to_string());
        }
    }
    tops.iter().map(|t| out.join(t).display().to_string()).collect::<Vec<_>>().join(" ")
}
