//! Ingest: paths → jobs (one per file or folder export) → one store
//! transaction each, read and parsed on a second thread while the store
//! writes, with progress any face can show and a result per file.

use crate::i18n::Lang;
use crate::{AppError, Result};
use chrono::FixedOffset;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use tonghao_model::msg::Msg;
use tonghao_model::{Event, EventSink, KeyCounter, SinkError};
use tonghao_sources::{Job, Outcome, ReadOptions, plan};
use tonghao_store::{ImportSession, ImportStats, Store, StoreError};

/// A UTC offset like `+08:00` or `-05:00`.
pub fn parse_offset(s: &str) -> std::result::Result<FixedOffset, String> {
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

/// What to import.
#[derive(Default)]
pub struct ImportRequest<'a> {
    /// Files, folders or .zip archives.
    pub paths: Vec<PathBuf>,
    /// Read every file as this format instead of detecting it.
    pub format: Option<String>,
    /// What the user told the readers (the offset of zone-less exports).
    pub read: ReadOptions,
    /// Renames a job's label before it goes into the import log (the demo
    /// marks its imports this way).
    pub relabel: Option<&'a dyn Fn(String) -> String>,
}

/// How far an import has come, for a progress display.
#[derive(Clone, Copy, Debug)]
pub enum Progress {
    /// The paths were planned: this many jobs, this many bytes in all.
    Planned {
        /// Jobs (files or folder exports).
        jobs: usize,
        /// Their size.
        bytes: u64,
    },
    /// Events read so far, over the whole import.
    Events(u64),
    /// One job is done; it was this many bytes.
    JobDone(u64),
}

/// What became of one file (or one folder export) of an import.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    /// The file, as the import log names it.
    pub file: String,
    /// What it added.
    #[serde(flatten)]
    pub stats: ImportStats,
    /// Why it was skipped (not a chat export), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Why it failed (nothing of it was written), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `error` or `skipped` as the catalogue words it, for a face that
    /// speaks the reader's language ([`failure_msg`], [`skip_msg`]); in
    /// JSON both wordings, `{"zh": …, "en": …}`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "in_both_languages")]
    pub why: Option<Msg>,
}

fn in_both_languages<S: serde::Serializer>(why: &Option<Msg>, s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(2))?;
    if let Some(m) = why {
        map.serialize_entry("zh", &Lang::Zh.msg(m))?;
        map.serialize_entry("en", &Lang::En.msg(m))?;
    }
    map.end()
}

/// Why a file was skipped, as the catalogue words it (the reasons
/// `tonghao_sources` gives; another reason as it came).
pub fn skip_msg(why: &str) -> Msg {
    use tonghao_sources as s;
    let key = match why {
        s::SKIP_LINKED_FOLDER => "import.skip_linked_folder",
        s::SKIP_BROKEN => "import.skip_broken",
        s::SKIP_NOT_A_FILE => "import.skip_not_a_file",
        s::SKIP_NOT_TEXT => "import.skip_not_text",
        s::NOT_AN_EXPORT => "import.skip_not_an_export",
        _ => return Msg::new("import.skip_other").text("why", why),
    };
    Msg::new(key)
}

/// Why a file failed, as the catalogue words it: the file and the place in
/// it, and why, in the reader's language (a parser's or the operating
/// system's own words, where they are the detail, as they gave them);
/// `None` for a failure of the store itself.
pub fn failure_msg(e: &StoreError) -> Option<Msg> {
    let StoreError::Feed(inner) = e else { return None };
    inner.downcast_ref::<tonghao_sources::SourceError>().map(source_failure_msg)
}

/// [`failure_msg`] of a reader's error.
pub fn source_failure_msg(e: &tonghao_sources::SourceError) -> Msg {
    use tonghao_sources::{Position, SourceError};
    let at = |file: &str, position: &Position, why: Msg| {
        let msg = match *position {
            Position::Line(line) => Msg::new("import.at_line").int("line", line as i64),
            Position::LineColumn(line, column) => {
                Msg::new("import.at_line_column").int("line", line as i64).int("column", column as i64)
            }
            Position::Byte(byte) => Msg::new("import.at_byte").int("byte", byte as i64),
            Position::Whole => Msg::new("import.at_whole"),
        };
        msg.text("file", file).words("detail", why)
    };
    match e {
        SourceError::Parse { file, position, why } => at(file, position, why.clone()),
        SourceError::Sink { file, position, source } => at(file, position, sink_words(source.as_ref())),
        SourceError::Encoding { file, offset } => {
            Msg::new("import.encoding").text("file", file.as_str()).int("offset", *offset as i64)
        }
        SourceError::Io { file, source } => {
            Msg::new("import.cannot_read").text("file", file.as_str()).text("detail", source.to_string())
        }
        SourceError::Unrecognised { file, why } => {
            Msg::new("import.unrecognised").text("file", file.as_str()).words("detail", why.clone())
        }
    }
}

/// Why a sink refused an event: an invalid event or the store's refusal in
/// catalogue words; anything else in its own.
fn sink_words(e: &(dyn std::error::Error + Send + Sync + 'static)) -> Msg {
    if let Some(invalid) = e.downcast_ref::<tonghao_model::InvalidEvent>() {
        return invalid.0.clone();
    }
    match e.downcast_ref::<StoreError>().and_then(StoreError::words) {
        Some(words) => words.clone(),
        None => Msg::new("error.detail").text("detail", e.to_string()),
    }
}

/// Events per batch handed from the reader thread to the writer.
const BATCH: usize = 512;

/// The reader thread's sink: validates each event where its file position is
/// still known, gives an id-less event its natural key, then ships events in
/// batches to the writing thread.
struct BatchSender<'a> {
    tx: SyncSender<Vec<Event>>,
    batch: Vec<Event>,
    /// The file's natural keys, counted in file order as the store would
    /// count them (one sender per file).
    keys: KeyCounter,
    /// Set when the source says its times carry no zone (before its first
    /// event, so before the first batch the writer receives).
    local_times: &'a AtomicBool,
}

impl BatchSender<'_> {
    fn flush(&mut self) -> Result<(), SinkError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.tx.send(full).map_err(|_| SinkError::from("import stopped: the store refused an earlier event"))
    }
}

impl EventSink for BatchSender<'_> {
    fn push(&mut self, mut event: Event) -> Result<(), SinkError> {
        event.validate()?;
        // The store keys an id-less event by the hash of its content and
        // its ordinal in the file (`KeyCounter::natural_key`), and an event
        // with an id by the id: working the key out here, on the reading
        // thread, gives the store the same key and takes the hashing (about
        // 6% of the writing thread on a WeChat folder) off the thread that
        // bounds the import. Events reach the store in this order, so its
        // own counter would have counted the same ordinals.
        if event.header().id.is_none() {
            let key = self.keys.natural_key(&event);
            event.header_mut().id = Some(key);
        }
        self.batch.push(event);
        if self.batch.len() >= BATCH { self.flush() } else { Ok(()) }
    }

    fn local_times(&mut self) {
        self.local_times.store(true, Ordering::Release);
    }
}

/// Imports one job as one file of an import session: all of it or, if it
/// fails, none of it (the session's other files stay). The job is read and parsed on
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
        if let Some(tonghao_sources::Zone::Named(tz)) = opts.tz {
            sink.zone(tz.name());
        }
        let local_times = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Event>>(8);
            let flag = &local_times;
            let reader = scope.spawn(move || {
                let mut sender = BatchSender {
                    tx,
                    batch: Vec::with_capacity(BATCH),
                    keys: KeyCounter::default(),
                    local_times: flag,
                };
                let result = job.run(format, opts, &mut sender);
                let flushed = sender.flush();
                result.map(|o| (o, flushed.is_ok()))
            });
            let mut refused = None;
            let mut events = 0u64;
            let mut told_local = false;
            'recv: for batch in rx {
                if !told_local && local_times.load(Ordering::Acquire) {
                    sink.local_times();
                    told_local = true;
                }
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

/// Events after which a session is committed and a new one begun: a
/// thousand small files share one commit (their per-file commit was most of
/// their cost), while the write-ahead log and what a crash can undo stay
/// bounded. Not for a bulk load into an empty store ([`ImportSession::bulk`]):
/// it is one session, as nothing was there before it to keep.
pub const EVENTS_PER_COMMIT: u64 = 2_000_000;

/// Files after which a session is committed and a new one begun, whatever
/// their events (not for a bulk load either). In one transaction, every
/// file that updates a row already written by the session (a member's name
/// in a group, the group's coverage) leaves a version of it that nobody can
/// clean up before the commit, and PostgreSQL walks those versions on every
/// later update of the row: a folder of 2,570 small IRC files spent half of
/// its import there (docs/postgres.md, "Many small files"). A commit per
/// this many files bounds the walk; on SQLite it costs one commit per
/// 256 small files.
pub const FILES_PER_COMMIT: usize = 256;

/// Imports every job under `req.paths`, each atomic within a store session
/// (committed every [`EVENTS_PER_COMMIT`] events or [`FILES_PER_COMMIT`]
/// files, and at the end): a failing
/// file is reported in its [`FileReport`] and the others go on. Fails as a
/// whole only when the paths cannot be planned, hold no file, or the store
/// cannot begin or commit.
pub fn import(
    store: &dyn Store,
    community: &str,
    req: &ImportRequest<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<FileReport>> {
    // A path that cannot be read (missing, unreadable) is that input's
    // failure, reported with the rest; the other paths still import.
    let mut jobs = Vec::new();
    let mut reports = Vec::new();
    for path in &req.paths {
        match plan(path, req.format.as_deref()) {
            Ok(found) => jobs.extend(found),
            Err(e) => {
                let why = source_failure_msg(&e);
                reports.push(FileReport {
                    file: path.display().to_string(),
                    stats: ImportStats::default(),
                    skipped: None,
                    error: Some(Lang::En.msg(&why)),
                    why: Some(why),
                })
            }
        }
    }
    if jobs.is_empty() && reports.is_empty() {
        return Err(AppError::NoFiles);
    }
    let bytes: u64 = jobs.iter().map(|j| j.size()).sum();
    if let Some(db) = store.local_file() {
        check_room(db, bytes)?;
    }
    progress(Progress::Planned { jobs: jobs.len(), bytes });
    let mut total_events = 0;
    let (mut since_commit, mut files_since_commit) = (0, 0);
    let mut session = store.begin_import(community)?;
    for job in &jobs {
        if (since_commit >= EVENTS_PER_COMMIT || files_since_commit >= FILES_PER_COMMIT) && !session.bulk() {
            session.commit().map_err(|e| aborted(e, &reports))?;
            session = store.begin_import(community)?;
            (since_commit, files_since_commit) = (0, 0);
        }
        files_since_commit += 1;
        let label = job.label();
        let label = match req.relabel {
            Some(f) => f(label),
            None => label,
        };
        let mut events = 0;
        let (result, outcome) = import_job(&mut *session, &label, job, req.format.as_deref(), &req.read, &mut |n| {
            events = n;
            progress(Progress::Events(total_events + n));
        });
        total_events += events;
        since_commit += events;
        progress(Progress::JobDone(job.size()));
        reports.push(match (result, outcome) {
            (Ok(stats), Some(Outcome::Skipped(why))) => {
                FileReport { file: label, stats, why: Some(skip_msg(&why)), skipped: Some(why), error: None }
            }
            (Ok(stats), _) => FileReport { file: label, stats, skipped: None, error: None, why: None },
            (Err(e), _) => {
                let why = failure_msg(&e);
                // the English words where there are catalogue words
                let error = why.as_ref().map_or_else(|| e.to_string(), |w| Lang::En.msg(w));
                FileReport { file: label, stats: ImportStats::default(), skipped: None, error: Some(error), why }
            }
        });
    }
    session.commit().map_err(|e| aborted(e, &reports))?;
    // A community that keeps texts for some months only: the old texts
    // just imported go at once, not at the next `tonghao retention apply`.
    crate::retention::apply(store, community, chrono::Utc::now().timestamp_millis(), "import")?;
    Ok(reports)
}

/// A commit that failed, with the failure that broke the session (a full
/// disk, say) rather than only "rolled back by an earlier error".
fn aborted(e: StoreError, reports: &[FileReport]) -> AppError {
    match reports.iter().find_map(|r| r.error.as_ref().map(|why| (&r.file, why))) {
        Some((file, why)) => AppError::Aborted(format!("{e}; it failed at {file}: {why}")),
        None => e.into(),
    }
}

/// Fails before anything is written when the disk that holds the store
/// (`db`) has less room than the import may take: the store's size again,
/// for the write-ahead log (a long import session can rewrite every page of
/// the store in it before the checkpoint), plus twice the inputs' size, an
/// upper bound for the new rows, which are written to the log and then to
/// the store (the store takes about 180 bytes a message; the exports 190 to
/// 290). Where the free space cannot be read, the import goes on.
fn check_room(db: &std::path::Path, input_bytes: u64) -> Result<()> {
    let len = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
    let store_bytes = len(db) + len(&wal);
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let Some(free) = free_bytes(dir) else { return Ok(()) };
    // The new rows go into the log first and into the store at the commit.
    let need = store_bytes.saturating_add(input_bytes.saturating_mul(2));
    if free >= need {
        return Ok(());
    }
    let mib = |b: u64| match b {
        b if b < 1 << 30 => format!("{} MiB", b.div_ceil(1 << 20)),
        b => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
    };
    Err(AppError::Input(
        Msg::new("error.disk_space")
            .text("free", mib(free))
            .text("path", dir.display().to_string())
            .text("needed", mib(need))
            .text("store", mib(store_bytes))
            .text("inputs", mib(input_bytes)),
    ))
}

/// Free bytes for an unprivileged writer on the file system holding `dir`.
#[cfg(unix)]
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is NUL-terminated and `stat` is written in full by a
    // successful call, the only case in which it is read.
    let stat = unsafe {
        if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    // Both are 64-bit on the 64-bit Linux this is built for; the
    // conversion keeps a 32-bit build correct.
    #[allow(clippy::useless_conversion)]
    let (blocks, block_bytes) = (u64::try_from(stat.f_bavail).ok()?, u64::try_from(stat.f_frsize).ok()?);
    Some(blocks.saturating_mul(block_bytes))
}

#[cfg(not(unix))]
fn free_bytes(_: &std::path::Path) -> Option<u64> {
    None
}
