//! Crash safety: `tonghao import` killed with SIGKILL at 12 random moments leaves
//! a store that opens, passes SQLite's integrity and foreign-key checks, and
//! holds no more than a clean import would (an import commits at its end, so
//! a kill leaves what was there before); running the import again then
//! completes it with nothing duplicated and nothing missing (the same rows as
//! one clean import).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tonghao_insight::rng::SplitMix;
use tonghao_store::{Queries, SqliteStore, TableCounts};

/// The simulated demo community as JSONL files: about 45,000 messages in
/// several files, so an import takes long enough to be killed part-way.
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

fn import_command(db: &Path, files: &[PathBuf]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tonghao"));
    cmd.arg("--db").arg(db).args(["--quiet", "import"]).args(files).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// Opens the store, checks it, and returns its row counts.
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

#[test]
fn an_import_killed_at_random_moments_completes_on_rerun_with_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let files = history(dir.path());

    // A clean import: what the store must hold in the end, and how long it takes.
    let clean = dir.path().join("clean.db");
    let started = Instant::now();
    assert!(import_command(&clean, &files).status().unwrap().success());
    let took = started.elapsed();
    let want = checked_counts(&clean);
    assert!(want.messages > 10_000, "{want:?}");

    let db = dir.path().join("crashed.db");
    // The kill moments are random but the same every run.
    let mut rng = SplitMix(7);
    let mut interrupted = 0;
    // Kill until 12 imports were cut short (a loaded machine may let some
    // finish first), at most 48 tries.
    for round in 0..48 {
        if interrupted == 12 {
            break;
        }
        // Anywhere in the first three quarters of a clean import's time.
        let at = Duration::from_micros(rng.next_u64() % (took.as_micros() as u64 * 3 / 4).max(1));
        let mut child = import_command(&db, &files).spawn().unwrap();
        std::thread::sleep(at);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL: no destructor, no rollback, no cleanup
        child.wait().unwrap();
        interrupted += usize::from(!finished);
        let got = checked_counts(&db);
        assert!(got.messages <= want.messages, "round {round}: more than a clean import: {got:?}");
    }
    assert!(interrupted >= 6, "only {interrupted} of 48 imports were killed before they finished");

    // The rerun completes the import: the same rows as the clean one, none twice.
    assert!(import_command(&db, &files).status().unwrap().success());
    assert_eq!(checked_counts(&db), want);
}
