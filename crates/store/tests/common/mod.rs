//! What the store's tests share: a real SQLite file and an import of events.
#![allow(dead_code)]

use tonghao_model::{Event, EventSink};
use tonghao_store::{ImportStats, SqliteStore, Store};

/// A store in a fresh SQLite file (kept while the `TempDir` lives).
pub fn file_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    (dir, store)
}

/// Imports `events` into community `default` as one file; it must succeed.
pub fn import(store: &mut SqliteStore, events: &[Event]) -> ImportStats {
    store
        .import("default", "test", &mut |sink: &mut dyn EventSink| {
            for e in events {
                sink.push(e.clone())?;
            }
            Ok(Some("test".into()))
        })
        .expect("import succeeds")
}
