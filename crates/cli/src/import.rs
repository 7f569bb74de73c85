//! `tonghao import`: paths → jobs → one store session (a savepoint per job) → a summary.

use crate::{Cli, Lang, table};
use anyhow::{Result, bail};
use chrono::FixedOffset;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;
use std::time::Instant;
use tonghao_model::{Event, EventSink, SinkError};
use tonghao_sources::{Job, Outcome, ReadOptions, plan};
use tonghao_store::{ImportSession, ImportStats, Store, StoreError};

/// Arguments of `tonghao import`.
#[derive(clap::Args)]
pub struct Args {
    /// Files, folders or .zip archives to import.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Skip detection and read every file as this format (see `tonghao formats`).
    #[arg(long, short)]
    format: Option<String>,
    /// UTC offset for exports whose times have none, e.g. +08:00 or -05:00.
    #[arg(long, value_parser = parse_offset)]
    tz: Option<FixedOffset>,
}

fn parse_offset(s: &str) -> Result<FixedOffset, String> {
    let bad = || format!("{s:?} is not a UTC offset like +08:00");
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
}

/// One line of the summary.
#[derive(Serialize)]
struct FileReport {
    file: String,
    #[serde(flatten)]
    stats: ImportStats,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Events per batch handed from the reader thread to the writer.
const BATCH: usize = 512;

/// The reader thread's sink: validates each event where its file position is
/// still known, then ships events in batches to the writing thread.
struct BatchSender {
    tx: SyncSender<Vec<Event>>,
    batch: Vec<Event>,
}

impl BatchSender {
    fn flush(&mut self) -> Result<(), SinkError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.tx.send(full).map_err(|_| SinkError::from("import stopped: the store refused an earlier event"))
    }
}

impl EventSink for BatchSender {
    fn push(&mut self, event: Event) -> Result<(), SinkError> {
        event.validate()?;
        self.batch.push(event);
        if self.batch.len() >= BATCH { self.flush() } else { Ok(()) }
    }
}

/// Imports one job as one file of the store session (all of it or none). The job is read and parsed on
/// a second thread while this one writes: parsing and SQLite overlap, which
/// on the 200,000-message Telegram benchmark is the difference between
/// ~70% and ~100% of the time spent in SQLite. `progress` sees the running
/// event count; `label` names the file in the import log. Returns the stats (or the error) and what the reader did.
pub fn import_job(
    session: &mut dyn ImportSession,
    label: &str,
    job: &Job,
    format: Option<&str>,
    opts: &ReadOptions,
    progress: &mut dyn FnMut(u64),
) -> (Result<ImportStats, StoreError>, Option<Outcome>) {
    let mut outcome = None;
    let result = session.file(label, &mut |sink| {
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Event>>(8);
            let reader = scope.spawn(move || {
                let mut sender = BatchSender { tx, batch: Vec::with_capacity(BATCH) };
                let result = job.run(format, opts, &mut sender);
                let flushed = sender.flush();
                result.map(|o| (o, flushed.is_ok()))
            });
            let mut refused = None;
            let mut events = 0u64;
            'recv: for batch in rx {
                for event in batch {
                    if let Err(e) = sink.push(event) {
                        refused = Some(e);
                        break 'recv; // dropping `rx` stops the reader at its next send
                    }
                    events += 1;
                    if events.is_multiple_of(8192) {
                        progress(events);
                    }
                }
            }
            progress(events);
            let read = reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            if let Some(e) = refused {
                return Err(e);
            }
            let (o, _) = read?;
            let format = match &o {
                Outcome::Read { format, .. } => Some(format.to_string()),
                Outcome::Skipped(_) => None,
            };
            outcome = Some(o);
            Ok(format)
        })
    });
    (result, outcome)
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let opts = ReadOptions { tz: args.tz };
    let mut jobs = Vec::new();
    for path in &args.paths {
        jobs.extend(plan(path, args.format.as_deref())?);
    }
    if jobs.is_empty() {
        bail!("{}", lang.t("这些路径里没有文件", "no files found under the given paths"));
    }
    let bar = if cli.quiet || cli.json {
        ProgressBar::hidden()
    } else {
        let total: u64 = jobs.iter().map(|j| j.size()).sum();
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec}  {msg}",
            )
            .expect("valid template"),
        );
        bar
    };
    let started = Instant::now();
    // One session for every job: one commit for a folder of thousands of
    // small files; a failing file rolls back alone and the rest go on.
    let mut session = store.begin_import(&cli.community)?;
    let mut reports = Vec::new();
    let mut total_events = 0;
    for job in &jobs {
        let label = job.label();
        let size = if bar.is_hidden() { 0 } else { job.size() };
        let mut events = 0;
        let (result, outcome) = import_job(&mut *session, &label, job, args.format.as_deref(), &opts, &mut |n| {
            events = n;
            let rate = (total_events + n) as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!("{} events, {rate:.0} events/s", total_events + n));
        });
        total_events += events;
        bar.inc(size);
        reports.push(match (result, outcome) {
            (Ok(stats), Some(Outcome::Skipped(why))) => {
                FileReport { file: label, stats, skipped: Some(why), error: None }
            }
            (Ok(stats), _) => FileReport { file: label, stats, skipped: None, error: None },
            (Err(e), _) => {
                FileReport { file: label, stats: ImportStats::default(), skipped: None, error: Some(e.to_string()) }
            }
        });
    }
    session.commit()?;
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let failed = reports.iter().filter(|r| r.error.is_some()).count();
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        print_summary(&reports, lang);
        let added: u64 = reports.iter().map(|r| r.stats.messages).sum();
        eprintln!(
            "{} {} {}, {} {}, {:.1}s ({:.0} {}/s)",
            lang.t("导入", "imported"),
            reports.iter().filter(|r| r.stats.format.is_some()).count(),
            lang.t("个文件", "files"),
            added,
            lang.t("条新消息", "new messages"),
            elapsed,
            total_events as f64 / elapsed.max(1e-9),
            lang.t("事件", "events"),
        );
        for r in reports.iter().filter(|r| r.error.is_some()) {
            eprintln!(
                "{}: {}",
                lang.t("失败（未写入任何数据）", "failed (nothing written)"),
                r.error.as_deref().unwrap_or_default()
            );
        }
    }
    Ok(if failed > 0 { 2 } else { 0 })
}

fn print_summary(reports: &[FileReport], lang: Lang) {
    let rows: Vec<Vec<String>> = reports
        .iter()
        .filter(|r| r.skipped.is_none())
        .map(|r| {
            let s = &r.stats;
            let status = match &r.error {
                Some(_) => lang.t("失败", "FAILED").to_string(),
                None => s.format.clone().unwrap_or_default(),
            };
            vec![
                r.file.clone(),
                status,
                s.messages.to_string(),
                s.members.to_string(),
                s.joins.to_string(),
                s.leaves.to_string(),
                s.duplicates.to_string(),
            ]
        })
        .collect();
    let header = match lang {
        Lang::Zh => ["文件", "格式", "新消息", "新成员", "入群", "退群", "重复跳过"],
        Lang::En => ["file", "format", "messages", "members", "joins", "leaves", "duplicates"],
    };
    print!("{}", table::render(&header, &rows, &[2, 3, 4, 5, 6]));
    let suppressed: u64 = reports.iter().map(|r| r.stats.suppressed).sum();
    if suppressed > 0 {
        println!(
            "{} {suppressed} {}",
            lang.t("跳过已删除成员的", "skipped"),
            lang.t("条记录（tonghao member delete）", "events of deleted members (tonghao member delete)")
        );
    }
    let skipped = reports.iter().filter(|r| r.skipped.is_some()).count();
    if skipped > 0 {
        println!(
            "{} {skipped} {}",
            lang.t("跳过", "skipped"),
            lang.t("个非聊天记录文件", "files that are not chat exports")
        );
    }
}
