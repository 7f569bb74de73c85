//! Crash safety: `tonghao import` killed with SIGKILL at 12 random moments, on
//! each backend, leaves a store that opens, is consistent, and holds what it
//! held before (an import commits at its end); running the import again then
//! completes it with
//! nothing duplicated and nothing missing (the same rows as one clean import).
//!
//! On both, the history comes as four files and the store already holds the
//! first: after a kill the counts are exactly those before the killed
//! import (or, where it had committed, those of a clean import). SQLite:
//! also the integrity and foreign-key checks. PostgreSQL (a real server,
//! `tonghao_store::test_pg`): also when it is killed between the files of a
//! multi-file import (their savepoints were released, the transaction never
//! committed); no row is duplicated or points at a missing row; the killed
//! import's session ends and takes its advisory lock and its staging tables
//! with it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tonghao_insight::rng::SplitMix;
use tonghao_store::{PgStore, Queries, SqliteStore, TableCounts};

/// The simulated demo community as JSONL: about 45,000 messages (the
/// simulator writes them in one file), so an import takes long enough to be
/// killed part-way.
fn history(dir: &Path) -> Vec<PathBuf> {
    let out = dir.join("sim");
    common::ok(None, &["sim", "--scenario", "demo", "--format", "jsonl", "--out", out.to_str().unwrap()]);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl") && !p.to_string_lossy().contains("truth"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the simulator wrote no JSONL");
    files
}

/// The same history cut into `parts` files of consecutive lines (each line
/// of the canonical JSONL stands alone): a multi-file import, with moments
/// between files to kill it at.
fn in_parts(files: &[PathBuf], parts: usize, dir: &Path) -> Vec<PathBuf> {
    let text: String = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let lines: Vec<&str> = text.lines().collect();
    let out = dir.join("parts");
    std::fs::create_dir(&out).unwrap();
    lines
        .chunks(lines.len().div_ceil(parts))
        .enumerate()
        .map(|(i, chunk)| {
            let path = out.join(format!("part-{}.jsonl", i + 1));
            std::fs::write(&path, chunk.join("\n") + "\n").unwrap();
            path
        })
        .collect()
}

/// `tonghao --db DB import FILES`; `db` is a SQLite file or a `postgres://` URL.
fn import_command(db: &Path, files: &[PathBuf]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tonghao"));
    cmd.arg("--db").arg(db).args(["--quiet", "import"]).args(files).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// Runs `cmd` to its end, failing the test if it takes longer than `limit`
/// (an import that waits for a lock a killed import kept would hang).
fn run_within(mut cmd: Command, limit: Duration, what: &str) -> ExitStatus {
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().unwrap();
            panic!("{what} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// SIGKILL: no destructor, no rollback, no cleanup. Returns whether the
/// import had ended by itself first (and how).
fn kill(mut child: Child) -> Option<ExitStatus> {
    let ended = child.try_wait().unwrap();
    child.kill().ok();
    child.wait().unwrap();
    ended
}

/// Imports `files` into `db` and kills the import at a random moment in the
/// first three quarters of `took` (a clean import's time), the same moments
/// every run, until `kills` imports were cut short, at most 4 × `kills`
/// tries. After each kill `check` looks at the store, told the round and
/// whether the import had ended by itself, and says whether the kill cut the
/// import short: a loaded machine may let an import end, or commit just
/// before the kill, and `check` may then point `db` at a new store. Returns
/// how many imports were cut short.
fn kill_at_random_moments(
    db: &mut PathBuf,
    files: &[PathBuf],
    took: Duration,
    kills: usize,
    mut check: impl FnMut(usize, Option<ExitStatus>, &mut PathBuf) -> bool,
) -> usize {
    let mut rng = SplitMix(7);
    let mut interrupted = 0;
    for round in 0..kills * 4 {
        if interrupted == kills {
            break;
        }
        let at = Duration::from_micros(rng.next_u64() % (took.as_micros() as u64 * 3 / 4).max(1));
        let child = import_command(db, files).spawn().unwrap();
        std::thread::sleep(at);
        let ended = kill(child);
        interrupted += usize::from(check(round, ended, db));
    }
    interrupted
}

/// [`kill_at_random_moments`] with the check both backends share: after a
/// kill the store holds exactly `before` (killed before the commit), or
/// `want` where the import had committed before the kill landed (or ended
/// by itself, successfully); `seed` then gives a fresh store holding what
/// `before` counts, for the next round. Returns how many imports were cut
/// short, and how many had committed.
fn kill_and_check(
    db: &mut PathBuf,
    files: &[PathBuf],
    took: Duration,
    (before, want): (&TableCounts, &TableCounts),
    counts: impl Fn(&Path) -> TableCounts,
    mut seed: impl FnMut() -> (PathBuf, TableCounts),
) -> (usize, usize) {
    let mut committed = 0;
    let interrupted = kill_at_random_moments(db, files, took, 12, |round, ended, db| {
        let got = counts(db);
        if let Some(status) = ended {
            assert!(status.success(), "round {round}: the import failed: {status}");
        }
        if got == *want {
            committed += 1;
            let (fresh, again) = seed();
            assert_eq!(again, *before, "the first file imports the same rows every time");
            *db = fresh;
            return false;
        }
        assert!(ended.is_none(), "round {round}: the import ended, yet the store holds {got:?}, not {want:?}");
        assert_eq!(got, *before, "round {round}: killed, yet the store changed");
        true
    });
    (interrupted, committed)
}

/// Opens the SQLite store, checks it, and returns its row counts.
fn checked_counts(db: &Path) -> TableCounts {
    let store = SqliteStore::open(db).expect("the store opens after a crash");
    {
        let conn = store.test_connection();
        let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok", "integrity check");
        let broken: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(broken, 0, "rows pointing at nothing");
    }
    store.counts().unwrap()
}

/// A new SQLite store at `dir/crashed-N.db` holding the first of `files`
/// (committed), and its counts.
fn seeded_sqlite(dir: &Path, files: &[PathBuf], n: usize) -> (PathBuf, TableCounts) {
    let db = dir.join(format!("crashed-{n}.db"));
    assert!(import_command(&db, &files[..1]).status().unwrap().success());
    let before = checked_counts(&db);
    (db, before)
}

#[test]
fn an_import_killed_at_random_moments_completes_on_rerun_with_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let files = in_parts(&history(dir.path()), 4, dir.path());

    // A clean import of the four files: what the store must hold in the
    // end, and how long it takes.
    let clean = dir.path().join("clean.db");
    let started = Instant::now();
    assert!(import_command(&clean, &files).status().unwrap().success());
    let took = started.elapsed();
    let want = checked_counts(&clean);
    assert!(want.messages > 10_000, "{want:?}");

    // The store already holds the first file, so that "what was there
    // before" is not nothing; every import below reads all four.
    let (mut db, before) = seeded_sqlite(dir.path(), &files, 0);
    assert!(before.messages > 0 && before.messages < want.messages, "{before:?}");
    let mut stores = 0;
    let seed = || {
        stores += 1;
        seeded_sqlite(dir.path(), &files, stores)
    };
    let (interrupted, _) = kill_and_check(&mut db, &files, took, (&before, &want), checked_counts, seed);
    assert!(interrupted >= 6, "only {interrupted} of 48 imports were killed before they committed");

    // The rerun completes the import: the same rows as the clean one, none twice.
    assert!(import_command(&db, &files).status().unwrap().success());
    assert_eq!(checked_counts(&db), want);
}

/// A new session on the PostgreSQL database at `url`.
fn pg_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("the test server answers")
}

/// One number from `sql`.
fn pg_count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

/// Rows whose key is held by another row too (the unique constraints must
/// make this 0); rows that name a member, group or import that is not there
/// are [`tonghao_store::test_pg::orphans`].
const PG_BROKEN: &[(&str, &str)] = &[
    (
        "duplicate message keys",
        "SELECT count(*) FROM (SELECT 1 FROM messages GROUP BY community_id, group_id, key HAVING count(*) > 1) d",
    ),
    (
        "duplicate message content keys",
        "SELECT count(*) FROM (SELECT 1 FROM messages WHERE content_key IS NOT NULL GROUP BY community_id, group_id, content_key HAVING count(*) > 1) d",
    ),
    (
        "duplicate membership keys",
        "SELECT count(*) FROM (SELECT 1 FROM memberships GROUP BY community_id, group_id, kind, key HAVING count(*) > 1) d",
    ),
    (
        "duplicate membership content keys",
        "SELECT count(*) FROM (SELECT 1 FROM memberships WHERE content_key IS NOT NULL GROUP BY community_id, group_id, content_key HAVING count(*) > 1) d",
    ),
    (
        "duplicate activity keys",
        "SELECT count(*) FROM (SELECT 1 FROM activities GROUP BY community_id, group_id, kind, key HAVING count(*) > 1) d",
    ),
    (
        "duplicate identities",
        "SELECT count(*) FROM (SELECT 1 FROM identities GROUP BY community_id, platform, external_id HAVING count(*) > 1) d",
    ),
    (
        "duplicate groups",
        "SELECT count(*) FROM (SELECT 1 FROM groups GROUP BY community_id, platform, external_id HAVING count(*) > 1) d",
    ),
];

/// Checks the PostgreSQL database at `url` after a kill, from a new session,
/// and returns its row counts. The killed import's server process ends
/// once it finds its client gone (within 30 s, or this fails), and with it
/// its transaction: then no advisory lock may be left, no staging table
/// visible, no key held twice and no row pointing at nothing.
fn pg_checked_counts(url: &str) -> TableCounts {
    let mut c = pg_client(url);
    let deadline = Instant::now() + Duration::from_secs(30);
    while pg_count(
        &mut c,
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
    ) > 0
    {
        assert!(Instant::now() < deadline, "the killed import's session still runs 30 s after the kill");
        std::thread::sleep(Duration::from_millis(10));
    }
    let locks = pg_count(
        &mut c,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    assert_eq!(locks, 0, "advisory locks left after the kill");
    let temporary: Vec<String> = c
        .query("SELECT relname::text FROM pg_class WHERE relpersistence = 't' OR relname LIKE 'stage\\_%'", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(temporary.is_empty(), "staging tables left after the kill: {temporary:?}");
    for (what, sql) in PG_BROKEN {
        assert_eq!(pg_count(&mut c, sql), 0, "{what}");
    }
    assert_eq!(tonghao_store::test_pg::orphans(&mut c), vec![], "rows pointing at nothing");
    drop(c);
    PgStore::open(url).expect("the store opens after a crash").counts().unwrap()
}

/// The last id the `imports` log handed out: every file an import reads
/// takes one as it begins (sequences ignore transactions, so another session
/// sees it at once).
fn last_import_id(c: &mut postgres::Client) -> i64 {
    pg_count(c, "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('imports', 'id')::regclass), 0)")
}

#[test]
fn a_postgres_import_killed_mid_file_or_between_files_leaves_what_was_there_and_completes_on_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let files = in_parts(&history(dir.path()), 4, dir.path());
    let limit = |took: Duration| took * 4 + Duration::from_secs(30);

    // A clean import of the four files: what the store must hold in the
    // end, and how long it takes.
    let clean = tonghao_store::test_pg::database_url();
    let started = Instant::now();
    assert!(
        run_within(import_command(Path::new(&clean), &files), Duration::from_secs(300), "the clean import").success()
    );
    let took = started.elapsed();
    let want = pg_checked_counts(&clean);
    assert!(want.messages > 10_000, "{want:?}");

    // The store already holds the first file (committed), so that "what was
    // there before" is not nothing; every import below reads all four.
    let seeded = || {
        let url = tonghao_store::test_pg::database_url();
        let first = import_command(Path::new(&url), &files[..1]);
        assert!(run_within(first, limit(took), "the first file's import").success());
        let before = pg_checked_counts(&url);
        assert!(before.messages > 0 && before.messages < want.messages, "{before:?}");
        (PathBuf::from(url), before)
    };
    let (mut db, before) = seeded();
    let counts = |db: &Path| pg_checked_counts(db.to_str().unwrap());
    let (interrupted, committed) = kill_and_check(&mut db, &files, took, (&before, &want), counts, seeded);
    assert!(interrupted >= 6, "only {interrupted} of 48 imports were killed before they committed");
    let url = db.to_str().unwrap().to_string();
    let db = Path::new(&url);

    // Between files: killed as soon as the file after the first `done`
    // begins, so `done` files were read and their savepoints released.
    for done in 1..files.len() as i64 {
        let mut c = pg_client(&url);
        let last = last_import_id(&mut c);
        let mut child = import_command(db, &files).spawn().unwrap();
        let deadline = Instant::now() + limit(took);
        while last_import_id(&mut c) < last + done + 1 {
            assert!(child.try_wait().unwrap().is_none(), "the import ended before file {} began", done + 1);
            assert!(Instant::now() < deadline, "file {} did not begin within {:?}", done + 1, limit(took));
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(kill(child).is_none(), "the import ended before the kill");
        drop(c);
        assert_eq!(pg_checked_counts(&url), before, "killed after {done} files, yet the store changed");
    }

    // The rerun completes the import (it does not wait for a lock the
    // killed imports kept): the same rows as the clean one, none twice.
    assert!(run_within(import_command(db, &files), limit(took), "the rerun").success());
    assert_eq!(pg_checked_counts(&url), want);
    eprintln!(
        "PostgreSQL crash test: clean import {took:?}, {interrupted} random kills and {} between files survived \
         ({committed} more imports committed before their kill)",
        files.len() - 1
    );
}
