//! tonghao's community simulator: chat histories that behave like the ones
//! the seed articles describe, with the truth about them written alongside.
//!
//! A [`Scenario`] (TOML; `small`, `demo` and `large` ship built in) and a seed
//! go in; out come the history files — canonical JSONL or the real export
//! layouts the sources read (WeChat MemoTrace CSV, QQ text, Telegram JSON) —
//! and the ground truth: `truth.json` (each group's stage per week, the week
//! it fell silent, operated or not, spammers, challenges, meetups, expected
//! counts) and `truth-replies.jsonl` (every true reply link, shown in the
//! export or not).
//!
//! Design decisions:
//! - Same seed, same bytes. The generator is a hand-written xoshiro256++ (no
//!   dependency whose value stream could change); the community is planned
//!   sequentially, then each group is simulated from its own derived stream,
//!   so the output does not depend on the number of threads.
//! - Streaming. A group is simulated day by day; nothing holds more than one
//!   group's members and a few days of its events (JSONL groups are buffered
//!   whole, one per worker, to be written in order).
//! - Speed over generality in the writers: JSON and CSV are written by hand
//!   into byte buffers (the `large` scenario's 10 million messages must take
//!   seconds, not minutes).
//! - Behaviour is mechanism, not replay: each rule (Zipf participation,
//!   daily rhythm, lifecycle, invitation chains, ties, rituals, check-ins,
//!   ads, orders) is a documented mechanism with parameters in the scenario;
//!   `docs/sim.md` gives each one's source.
#![deny(missing_docs)]

mod group;
mod plan;
mod render;
mod rng;
mod scenario;
mod time;
mod vocab;

pub use group::{ChallengeTruth, GroupTruth, OfflineTruth, StageDays, TopicTruth, WeekTruth, WelcomeTruth};
pub use plan::{Platform, Stage};
pub use render::Counts;
pub use scenario::{
    BUILTIN, Chat, GroupSpec, Lifecycle, Orders, Participation, Rhythm, Rituals, Scenario, Sizes, Spam,
};

use group::GroupOutput;
use render::{Jsonl, Null, Out, QqTxt, Render, Telegram, WechatCsv};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

/// Why a simulation failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario is unknown or invalid.
    #[error("scenario: {0}")]
    Scenario(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The output folder already holds files (pass `force` to write anyway).
    #[error("{0} is not empty; choose an empty folder (or --force to overwrite files in it)")]
    NotEmpty(String),
}

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Canonical events (`docs/events.md`), every group on its own platform;
    /// the only format with roles, orders, check-in events and silent leaves.
    Jsonl,
    /// Telegram Desktop JSON, one `result.json` per group (every group on Telegram).
    Telegram,
    /// WeChat MemoTrace CSV, one folder per group (every group on WeChat).
    WechatCsv,
    /// QQ text export, one `.txt` per group (every group on QQ).
    QqTxt,
    /// Each group in its own platform's format (WeChat CSV, QQ text,
    /// Telegram JSON; other platforms as JSONL).
    Native,
}

impl Format {
    /// Every format, by name.
    pub const ALL: [Format; 5] = [Format::Jsonl, Format::Telegram, Format::WechatCsv, Format::QqTxt, Format::Native];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Telegram => "telegram",
            Format::WechatCsv => "wechat-csv",
            Format::QqTxt => "qq-txt",
            Format::Native => "native",
        }
    }

    /// Parses [`Format::as_str`].
    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// How to run a simulation.
pub struct Options<'a> {
    /// The random seed.
    pub seed: u64,
    /// Output format.
    pub format: Format,
    /// Output folder (created if missing).
    pub out: &'a Path,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    /// Incremented as messages are written (for progress displays).
    pub progress: Option<&'a AtomicU64>,
    /// Write into a folder that already holds files.
    pub force: bool,
}

/// What a simulation wrote.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Messages written.
    pub messages: u64,
    /// What a correct reader finds, all groups together.
    pub counts: Counts,
    /// Groups.
    pub groups: usize,
    /// People in the community (ad accounts included).
    pub people: u32,
    /// History files written (not the truth files), relative to the folder.
    pub files: Vec<String>,
    /// Bytes of history written.
    pub bytes: u64,
    /// The truth file.
    pub truth: PathBuf,
}

/// An ad account, across the groups it hit.
#[derive(Clone, Debug, Serialize)]
pub struct SpammerTruth {
    /// Platform.
    pub platform: &'static str,
    /// Platform id.
    pub id: String,
    /// Groups (canonical ids) where it posted.
    pub groups: Vec<String>,
}

/// The whole ground truth (`truth.json`).
#[derive(Clone, Debug, Serialize)]
pub struct Truth {
    /// Format marker and version of this file.
    pub tonghao_sim_truth: u32,
    /// Scenario name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// The output format.
    pub format: &'static str,
    /// First day.
    pub start: String,
    /// Days simulated.
    pub days: u32,
    /// The groups' UTC offset.
    pub tz: &'static str,
    /// How record ids relate across formats.
    pub ids: &'static str,
    /// How stages are assigned.
    pub stages: &'static str,
    /// The factor applied to the chat rate to meet the scenario's message target.
    pub rate_scale: f64,
    /// People in the community: operators, members, ad accounts.
    pub people: PeopleTruth,
    /// All groups' counts together.
    pub totals: Counts,
    /// Groups, in scenario order.
    pub groups: Vec<GroupTruth>,
    /// Ad accounts.
    pub spammers: Vec<SpammerTruth>,
}

/// The person index space.
#[derive(Clone, Debug, Serialize)]
pub struct PeopleTruth {
    /// Operators (owners of operated groups).
    pub operators: u32,
    /// Everyone but ad accounts.
    pub regular: u32,
    /// Ad accounts available to the scenario.
    pub ad_accounts: u32,
}

const IDS: &str = "Every chat record of a group (message, join, leave, recall) has a sequence number `seq` from 1, the same in every format: the canonical `id` in JSONL, the Telegram message `id`, the WeChat `localId`. A format skips the numbers of records it cannot show (WeChat: leaves by the member themself; Telegram: recalls; chat formats: the creator's own join). A WeChat quote's <svrid> is 7000000000000000000 + group index * 10000000 + seq. QQ text has no ids: use `n`, the message's ordinal among the group's messages (1-based), which is the same in every format. truth-replies.jsonl lists every true reply link by `id`/`reply_to` (seq) and `n`/`reply_to_n`; `shown` says whether the export shows it (quote = explicit reply, mention = @name, none = only the timing and content give it away).";

const STAGES: &str = "Per group-week, the model's stage at the middle of the group's part of that week: emerging for the first `emerging_days` after creation, growing until growth ends, active until decline starts, declining until the expected conversation volume falls below `silent_below_per_week` messages a week, silent after. Stage start days are in `stage_starts_days` (days after creation; model values, possibly beyond the span). Ads and stray nudges continue in silent groups.";

/// Generates a scenario's history and truth into `opts.out`.
pub fn generate(sc: &Scenario, opts: &Options) -> Result<Summary, SimError> {
    let out = opts.out;
    let io_err = |path: &Path| {
        let path = path.display().to_string();
        move |source| SimError::Io { path: path.clone(), source }
    };
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    if !opts.force && std::fs::read_dir(out).map_err(io_err(out))?.next().is_some() {
        return Err(SimError::NotEmpty(out.display().to_string()));
    }
    let mut plan = plan::plan(sc, opts.seed);
    if sc.messages > 0 {
        calibrate(sc, &mut plan);
    }
    let n = plan.groups.len();
    let threads = if opts.threads > 0 {
        opts.threads
    } else {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).min(8)
    };

    // Where each group goes.
    let targets: Vec<(Platform, Target)> = plan.groups.iter().map(|g| target(opts.format, g)).collect();

    let pool = Pool::default();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    // Groups are written in order; a worker does not start a group more than
    // `window` ahead of the writer, so a slow disk or one huge group does not
    // pile finished groups up in memory.
    let written = AtomicUsize::new(0);
    let window = 2 * threads + 2;
    let (tx, rx) = mpsc::channel::<Result<(usize, Vec<u8>, GroupOutput, Option<String>), SimError>>();
    let mut writer = OrderedWriter::new(out)?;
    std::thread::scope(|s| -> Result<(), SimError> {
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let (plan, targets, next, failed, pool, written) = (&plan, &targets, &next, &failed, &pool, &written);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    while i >= written.load(Ordering::Acquire) + window && !failed.load(Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    let result = run_group(sc, plan, i, &targets[i], out, opts.progress, pool);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    if tx.send(result).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        for result in rx {
            let (i, blob, output, file) = match result {
                Ok(r) => r,
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            };
            pending.insert(i, (blob, output, file));
            while let Some((blob, output, file)) = pending.remove(&writer.next_index) {
                match writer.write(blob, output, file) {
                    Ok(blob) => pool.give(blob),
                    Err(e) => {
                        // Stop the workers (they also wait on `failed`).
                        failed.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
                written.store(writer.next_index, Ordering::Release);
            }
        }
        Ok(())
    })?;
    if writer.next_index != n {
        return Err(SimError::Scenario("a worker stopped early".into()));
    }
    writer.finish(sc, opts, &plan)
}

/// Refines the volume scale so that the expected total meets the scenario's
/// `messages`: simulates a sample of groups (writing nothing) at two scales,
/// fits messages = rituals + scale × background on the sample, and carries
/// the fit to all groups by the ratio of the analytic estimates. Rituals do
/// not scale, and the decline stage is not linear in the scale, hence a
/// measured fit rather than the analytic estimate alone.
fn calibrate(sc: &Scenario, plan: &mut plan::Plan) {
    let n = plan.groups.len();
    let step = (n / 100).max(1);
    let sample: Vec<usize> = (0..n).step_by(step).collect();
    let count = |plan: &plan::Plan| -> f64 {
        sample
            .iter()
            .map(|&i| {
                let g = &plan.groups[i];
                group::simulate(sc, plan, g, g.platform, &mut Null, None).map(|o| o.messages as f64).unwrap_or(0.0)
            })
            .sum()
    };
    let s0 = plan.scale;
    let m0 = count(plan);
    plan.set_scale(sc, s0 * 1.5);
    let m1 = count(plan);
    let per_scale = (m1 - m0) / (0.5 * s0);
    let unit_all = plan::expected_volumes(&plan.groups, sc, plan.end);
    let picked: Vec<plan::GroupPlan> = sample.iter().map(|&i| plan.groups[i].clone()).collect();
    let unit_sample = plan::expected_volumes(&picked, sc, plan.end);
    let all = unit_all.0 * s0 + unit_all.1;
    let part = unit_sample.0 * s0 + unit_sample.1;
    let scale = if per_scale > 0.0 && part > 0.0 {
        let target_sample = sc.messages as f64 * part / all;
        (s0 + (target_sample - m0) / per_scale).max(s0 * 0.05)
    } else {
        s0
    };
    plan.set_scale(sc, scale);
}

/// Where one group's history is written.
enum Target {
    Jsonl,
    Telegram(String),
    Wechat(String),
    Qq(String),
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .collect()
}

fn target(format: Format, g: &plan::GroupPlan) -> (Platform, Target) {
    let platform = match format {
        Format::Jsonl | Format::Native => g.platform,
        Format::Telegram => Platform::Telegram,
        Format::WechatCsv => Platform::Wechat,
        Format::QqTxt => Platform::Qq,
    };
    let name = safe_name(&g.name);
    let kind = match (format, platform) {
        (Format::Jsonl, _) => Target::Jsonl,
        (_, Platform::Telegram) => Target::Telegram(format!("telegram/ChatExport_{name}/result.json")),
        (_, Platform::Wechat) => {
            let (id, _) = group::group_id(platform, g);
            Target::Wechat(format!("wechat/{name}({id})/{name}.csv"))
        }
        (_, Platform::Qq) => Target::Qq(format!("qq/{name}.txt")),
        _ => Target::Jsonl,
    };
    (platform, kind)
}

type Done = (usize, Vec<u8>, GroupOutput, Option<String>);

fn run_group(
    sc: &Scenario,
    plan: &plan::Plan,
    i: usize,
    (platform, target): &(Platform, Target),
    out: &Path,
    progress: Option<&AtomicU64>,
    pool: &Pool,
) -> Result<Done, SimError> {
    let gp = &plan.groups[i];
    let open = |rel: &str| -> Result<Out, SimError> {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| SimError::Io { path: dir.display().to_string(), source })?;
        }
        let f = File::create(&path).map_err(|source| SimError::Io { path: path.display().to_string(), source })?;
        Ok(Out::file(f))
    };
    fn go<R: Render>(
        sc: &Scenario,
        plan: &plan::Plan,
        gp: &plan::GroupPlan,
        platform: Platform,
        mut r: R,
        progress: Option<&AtomicU64>,
        label: &str,
    ) -> Result<(Vec<u8>, GroupOutput), SimError> {
        let output = group::simulate(sc, plan, gp, platform, &mut r, progress)
            .map_err(|source| SimError::Io { path: label.to_string(), source })?;
        Ok((r.take_blob(), output))
    }
    let (blob, output, file) = match target {
        Target::Jsonl => {
            let (b, o) = go(sc, plan, gp, *platform, Jsonl::new(Out::memory(pool.take())), progress, "events.jsonl")?;
            (b, o, None)
        }
        Target::Telegram(rel) => {
            let (b, o) = go(sc, plan, gp, *platform, Telegram::new(open(rel)?), progress, rel)?;
            (b, o, Some(rel.clone()))
        }
        Target::Wechat(rel) => {
            let (b, o) = go(sc, plan, gp, *platform, WechatCsv::new(open(rel)?), progress, rel)?;
            (b, o, Some(rel.clone()))
        }
        Target::Qq(rel) => {
            let (b, o) = go(sc, plan, gp, *platform, QqTxt::new(open(rel)?), progress, rel)?;
            (b, o, Some(rel.clone()))
        }
    };
    Ok((i, blob, output, file))
}

/// Spare JSONL buffers, kept so that a group's bytes land in memory that
/// is already mapped (fresh pages cost more than writing them).
#[derive(Default)]
struct Pool(std::sync::Mutex<Vec<Vec<u8>>>);

impl Pool {
    fn take(&self) -> Vec<u8> {
        self.0.lock().map(|mut v| v.pop()).ok().flatten().unwrap_or_else(|| Vec::with_capacity(1 << 20))
    }
    fn give(&self, mut buf: Vec<u8>) {
        if buf.capacity() == 0 {
            return;
        }
        buf.clear();
        if let Ok(mut v) = self.0.lock()
            && v.len() < 8
        {
            v.push(buf);
        }
    }
}

/// JSONL shards roll over at this size (at a group boundary), so that
/// importing one file never needs more memory than this.
const SHARD_BYTES: u64 = 256 << 20;

/// Writes finished groups in scenario order.
struct OrderedWriter {
    dir: PathBuf,
    next_index: usize,
    shard: Option<(String, BufWriter<File>, u64)>,
    shards: usize,
    replies: BufWriter<File>,
    groups: Vec<GroupTruth>,
    files: Vec<String>,
    bytes: u64,
    messages: u64,
}

impl OrderedWriter {
    fn new(dir: &Path) -> Result<Self, SimError> {
        let path = dir.join("truth-replies.jsonl");
        let f = File::create(&path).map_err(|source| SimError::Io { path: path.display().to_string(), source })?;
        Ok(OrderedWriter {
            dir: dir.to_path_buf(),
            next_index: 0,
            shard: None,
            shards: 0,
            replies: BufWriter::with_capacity(1 << 20, f),
            groups: Vec::new(),
            files: Vec::new(),
            bytes: 0,
            messages: 0,
        })
    }

    fn err(&self, name: &str) -> impl Fn(std::io::Error) -> SimError + use<> {
        let path = self.dir.join(name).display().to_string();
        move |source| SimError::Io { path: path.clone(), source }
    }

    /// Writes one group; hands its buffer back for reuse.
    fn write(&mut self, blob: Vec<u8>, output: GroupOutput, file: Option<String>) -> Result<Vec<u8>, SimError> {
        let mut truth = output.truth;
        self.messages += output.messages;
        match file {
            Some(f) => {
                self.bytes += std::fs::metadata(self.dir.join(&f)).map(|m| m.len()).unwrap_or(0);
                self.files.push(f.clone());
                truth.files.push(f);
            }
            None => {
                if self.shard.as_ref().is_some_and(|(_, _, size)| *size >= SHARD_BYTES) {
                    let (name, mut w, _) = self.shard.take().expect("open");
                    w.flush().map_err(self.err(&name))?;
                }
                if self.shard.is_none() {
                    self.shards += 1;
                    let name = format!("events-{:04}.jsonl", self.shards);
                    let f = File::create(self.dir.join(&name)).map_err(self.err(&name))?;
                    self.files.push(name.clone());
                    self.shard = Some((name, BufWriter::with_capacity(1 << 20, f), 0));
                }
                let (name, w, size) = self.shard.as_mut().expect("open");
                let path = self.dir.join(&*name).display().to_string();
                w.write_all(&blob).map_err(|source| SimError::Io { path, source })?;
                *size += blob.len() as u64;
                self.bytes += blob.len() as u64;
                truth.files.push(name.clone());
            }
        }
        self.replies.write_all(&output.replies).map_err(self.err("truth-replies.jsonl"))?;
        self.groups.push(truth);
        self.next_index += 1;
        Ok(blob)
    }

    fn finish(mut self, sc: &Scenario, opts: &Options, plan: &plan::Plan) -> Result<Summary, SimError> {
        if let Some((name, mut w, _)) = self.shard.take() {
            w.flush().map_err(self.err(&name))?;
        }
        self.replies.flush().map_err(self.err("truth-replies.jsonl"))?;
        let mut totals = Counts::default();
        let mut spammers: BTreeMap<(&'static str, String), Vec<String>> = BTreeMap::new();
        for g in &self.groups {
            totals.add(&g.counts);
            for s in &g.spammers {
                spammers.entry((g.platform, s.clone())).or_default().push(g.group.clone());
            }
        }
        let truth = Truth {
            tonghao_sim_truth: 1,
            scenario: sc.name.clone(),
            seed: opts.seed,
            format: opts.format.as_str(),
            start: sc.start.clone(),
            days: sc.days,
            tz: "+08:00",
            ids: IDS,
            stages: STAGES,
            rate_scale: plan.scale,
            people: PeopleTruth {
                operators: plan.people.staff,
                regular: plan.people.regular,
                ad_accounts: plan.people.spammers,
            },
            totals,
            groups: self.groups,
            spammers: spammers
                .into_iter()
                .map(|((platform, id), groups)| SpammerTruth { platform, id, groups })
                .collect(),
        };
        let path = self.dir.join("truth.json");
        let f = File::create(&path).map_err(|source| SimError::Io { path: path.display().to_string(), source })?;
        let mut w = BufWriter::new(f);
        serde_json::to_writer_pretty(&mut w, &truth)
            .map_err(|e| SimError::Io { path: path.display().to_string(), source: e.into() })?;
        w.write_all(b"\n")
            .and_then(|_| w.flush())
            .map_err(|source| SimError::Io { path: path.display().to_string(), source })?;
        Ok(Summary {
            messages: self.messages,
            counts: truth.totals,
            groups: truth.groups.len(),
            people: plan.people.regular + plan.people.spammers,
            files: self.files,
            bytes: self.bytes,
            truth: path,
        })
    }
}
