//! A disk that fills up mid-import: SQLite's own limit on the file's size
//! (`PRAGMA max_page_count`) makes every write past it fail as a full disk
//! does (SQLITE_FULL). The import fails with a clear error naming the file,
//! and the store stays as it was: consistent, readable, and ready for the
//! next import once there is room. On PostgreSQL, a real file system
//! fills up: the test database's tablespace sits on a small tmpfs.

mod common;

use common::data;
use tonghao_app::ingest::{ImportRequest, import};
use tonghao_store::{Queries, SqliteStore};

#[test]
fn a_full_disk_fails_the_import_clearly_and_keeps_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let formats = data().join("formats");
    let small = ImportRequest { paths: vec![formats.join("telegram/DM_2A_7M.json")], ..Default::default() };
    import(&store, "c", &small, &mut |_| {}).unwrap();
    let before = store.counts().unwrap();

    // No room for more than a few pages beyond what is there.
    {
        let conn = store.test_connection();
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        let _: i64 = conn.query_row(&format!("PRAGMA max_page_count = {}", pages + 2), [], |r| r.get(0)).unwrap();
    }
    let big = ImportRequest { paths: vec![formats.join("telegram/BIG_20A_5475M.json")], ..Default::default() };
    let outcome = import(&store, "c", &big, &mut |_| {});
    let error = match outcome {
        Err(e) => e.to_string(),
        Ok(files) => files.iter().find_map(|f| f.error.clone()).expect("the import must fail on a full disk"),
    };
    assert!(error.contains("full"), "the error says the disk is full: {error}");

    {
        let conn = store.test_connection();
        let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok");
    }
    assert_eq!(store.counts().unwrap(), before, "nothing of the failed import stays");
    {
        // Nor its coverage or its record per group (written after SQLite had
        // rolled the transaction back, they would commit on their own).
        let conn = store.test_connection();
        let left: i64 = conn.query_row("SELECT count(*) FROM import_groups", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 1, "the first import's group only");
    }
    assert_eq!(store.groups("c").unwrap().len(), 1, "the store still answers");

    // Room again: the same import now succeeds.
    {
        let conn = store.test_connection();
        let _: i64 = conn.query_row("PRAGMA max_page_count = 1073741823", [], |r| r.get(0)).unwrap();
    }
    let files = import(&store, "c", &big, &mut |_| {}).unwrap();
    let errors: Vec<&String> = files.iter().filter_map(|f| f.error.as_ref()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(store.counts().unwrap().messages, before.messages + files[0].stats.messages);
}

/// Before anything is written, an import checks that the disk holding the
/// store has room for it (the store's size again for the write-ahead log,
/// plus twice the inputs' size) and fails, saying how much, when it has not. The
/// input is a sparse file: 8 TiB long, taking no room, more than any disk
/// here has free.
#[test]
fn an_import_larger_than_the_free_disk_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let store = SqliteStore::open(&db).unwrap();
    let small =
        ImportRequest { paths: vec![data().join("formats").join("telegram/DM_2A_7M.json")], ..Default::default() };
    import(&store, "c", &small, &mut |_| {}).unwrap();
    let before = store.counts().unwrap();
    let wal = dir.path().join("t.db-wal");
    let size_before = [&db, &wal].map(|p| std::fs::metadata(p).map_or(0, |m| m.len()));

    let huge = dir.path().join("huge.jsonl");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(8 << 40)
        .expect("this test needs a file system that takes an 8 TiB sparse file (ext4, xfs, tmpfs)");
    let req = ImportRequest { paths: vec![huge], ..Default::default() };
    let mut planned = false;
    let error =
        match import(&store, "c", &req, &mut |p| planned |= matches!(p, tonghao_app::ingest::Progress::Planned { .. }))
        {
            Err(e) => e.to_string(),
            Ok(files) => panic!("an 8 TiB import must be refused on this disk: {files:?}"),
        };
    assert!(error.contains("not enough free disk"), "{error}");
    assert!(error.contains(&dir.path().display().to_string()), "the error says where: {error}");
    assert!(error.contains("8192.0 GiB"), "the error gives the inputs' size: {error}");
    assert!(!planned, "refused before the import began");
    assert_eq!(store.counts().unwrap(), before, "nothing was written");
    assert_eq!([&db, &wal].map(|p| std::fs::metadata(p).map_or(0, |m| m.len())), size_before, "the files did not grow");
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(at: &std::path::Path, bytes: u64) -> SmallDisk {
        std::fs::create_dir_all(at).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(at)
            .output()
            .expect("this test runs `mount`");
        assert!(
            out.status.success(),
            "this test fills a small tmpfs and needs root with the right to mount one (CAP_SYS_ADMIN): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk(at.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: the server may still hold a file of it open for a moment.
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes `path` until the file system holding it is full.
fn fill(path: &std::path::Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 << 10];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
}

/// The same on PostgreSQL, with a real full disk: the test database's
/// tables live on a 64 MiB tmpfs, filled up after a first import (the
/// write-ahead log stays on the server's own disk). The import fails with
/// the server's "No space left on device", keeps nothing of itself, the
/// store answers, and once there is room the same import succeeds.
#[test]
fn a_full_disk_on_postgres_fails_the_import_clearly_and_keeps_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&dir.path().join("small"), 64 << 20);
    let url = tonghao_store::test_pg::database_url_in(&disk.0);
    let store = tonghao_store::open(&url).unwrap();
    let formats = data().join("formats");
    let small = ImportRequest { paths: vec![formats.join("telegram/DM_2A_7M.json")], ..Default::default() };
    import(&*store, "c", &small, &mut |_| {}).unwrap();
    let before = store.counts().unwrap();

    let filler = disk.0.join("filler");
    fill(&filler);
    let big = ImportRequest { paths: vec![formats.join("telegram/BIG_20A_5475M.json")], ..Default::default() };
    let error = match import(&*store, "c", &big, &mut |_| {}) {
        Err(e) => e.to_string(),
        Ok(files) => files.iter().find_map(|f| f.error.clone()).expect("the import must fail on a full disk"),
    };
    assert!(error.contains("No space left on device"), "the error says the disk is full: {error}");
    eprintln!("the import failed: {error}");
    assert_eq!(store.counts().unwrap(), before, "nothing of the failed import stays");
    assert_eq!(store.groups("c").unwrap().len(), 1, "the store still answers");

    // Room again: the same import now succeeds.
    std::fs::remove_file(&filler).unwrap();
    let files = import(&*store, "c", &big, &mut |_| {}).unwrap();
    let errors: Vec<&String> = files.iter().filter_map(|f| f.error.as_ref()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(store.counts().unwrap().messages, before.messages + files[0].stats.messages);
    drop(store);
}
