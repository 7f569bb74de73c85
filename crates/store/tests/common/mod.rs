//! What the store's tests share: real stores on disk and an import of events.
#![allow(dead_code)]

use tonghao_model::{Event, EventSink};
use tonghao_store::{ImportStats, PgStore, SqliteStore, Store};

/// A store in a fresh SQLite file (kept while the `TempDir` lives).
pub fn file_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    (dir, store)
}

/// A fresh, empty store of one backend, and what must live as long as it.
pub struct Backend {
    /// Named in assertion messages.
    pub name: &'static str,
    pub store: Box<dyn Store>,
    _keep: Box<dyn std::any::Any>,
}

/// Every backend the store story runs against, each fresh and empty. A new
/// backend adds one line here.
pub fn backends() -> Vec<Backend> {
    let (dir, sqlite) = file_store();
    vec![
        Backend { name: "sqlite", store: Box::new(sqlite), _keep: Box::new(dir) },
        Backend { name: "postgres", store: Box::new(pg_store()), _keep: Box::new(()) },
    ]
}

/// A store in a new database on this process's test PostgreSQL server
/// (`tonghao_store::test_pg`: started on first use, stopped at exit).
pub fn pg_store() -> PgStore {
    PgStore::open(&tonghao_store::test_pg::database_url()).unwrap()
}

/// Runs `story` once per backend, on a fresh store each time.
pub fn for_each_backend(story: impl Fn(&dyn Store)) {
    for b in backends() {
        eprintln!("backend: {}", b.name);
        story(&*b.store);
    }
}

/// Imports `events` into community `default` as one file; it must succeed.
pub fn import(store: &dyn Store, events: &[Event]) -> ImportStats {
    store.import("default", "test", &mut feed(events)).expect("import succeeds")
}

/// A feed that pushes `events` and reads as format `test`.
pub fn feed(
    events: &[Event],
) -> impl FnMut(&mut dyn EventSink) -> Result<Option<String>, tonghao_store::FeedError> + '_ {
    move |sink: &mut dyn EventSink| {
        for e in events {
            sink.push(e.clone())?;
        }
        Ok(Some("test".into()))
    }
}
