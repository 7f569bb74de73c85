//! The first import into an empty messages table builds the (group, time)
//! index after its rows; whatever happens, the index is there afterwards.

mod common;

use common::{file_store, import};
use tonghao_model::{Event, EventSink, Header, Message, Platform};
use tonghao_store::{FeedError, Ingest, SqliteStore};

fn message(id: &str, t: &str) -> Event {
    Event::Message(Message {
        header: Header {
            platform: Platform::Telegram,
            group: "g".into(),
            group_name: None,
            member: Some("u1".into()),
            member_name: Some("小李".into()),
            at: chrono::DateTime::parse_from_rfc3339(t).expect("test time"),
            id: Some(id.into()),
        },
        reply_to: None,
        mentions: vec![],
        content_type: Default::default(),
        text: "hi".into(),
        bot: false,
        edited_at: None,
    })
}

/// The plan for the per-group time lookups the snapshot and listings make.
fn uses_time_index(store: &SqliteStore) -> bool {
    let plan: Vec<String> = store
        .test_connection()
        .prepare("EXPLAIN QUERY PLAN SELECT max(at_ms) FROM messages WHERE group_id = 1")
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    plan.iter().any(|p| p.contains("messages_group_time"))
}

#[test]
fn time_index_survives_failed_skipped_and_first_imports() {
    let (_dir, store) = file_store();
    assert!(uses_time_index(&store));
    let failed = store.import("default", "broken", &mut |sink: &mut dyn EventSink| {
        sink.push(message("1", "2024-03-01T20:00:00+08:00"))?;
        Err(FeedError::from("line 2: truncated"))
    });
    assert!(failed.is_err());
    assert!(uses_time_index(&store), "a failed import leaves the index as it was");
    let skipped = store.import("default", "readme", &mut |_sink: &mut dyn EventSink| Ok(None));
    assert!(skipped.is_ok());
    assert!(uses_time_index(&store), "a skipped file leaves the index as it was");

    import(&store, &[message("2", "2024-03-01T20:05:00+08:00"), message("1", "2024-03-01T20:00:00+08:00")]);
    assert!(uses_time_index(&store), "built after the first import's rows");
    let check: String = store.test_connection().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    import(&store, &[message("3", "2024-03-02T20:00:00+08:00")]);
    assert!(uses_time_index(&store));
    let ordered: Vec<i64> = store
        .test_connection()
        .prepare("SELECT at_ms FROM messages INDEXED BY messages_group_time WHERE group_id = 1 ORDER BY at_ms")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ordered.len(), 3);
    assert!(ordered.is_sorted());
}

/// A session that began on an empty table is a bulk load (the import keeps
/// it open to its end); once messages are stored, sessions are not.
#[test]
fn only_a_session_into_an_empty_table_is_a_bulk_load() {
    let (_dir, store) = file_store();
    let mut session = store.begin_import("default").unwrap();
    assert!(session.bulk(), "an empty table: the indexes are built at commit");
    session.file("one", &mut common::feed(&[message("1", "2024-03-01T20:00:00+08:00")])).unwrap();
    assert!(session.bulk(), "still the same session");
    session.commit().unwrap();
    let session = store.begin_import("default").unwrap();
    assert!(!session.bulk(), "messages are stored: the indexes stay up to date row by row");
    session.commit().unwrap();
    assert!(uses_time_index(&store));
}
