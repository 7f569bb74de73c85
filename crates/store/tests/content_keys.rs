//! Content keys (docs/events.md): the same event from two exporters, or a
//! zone-less export read again under another `--tz`, is stored once; on
//! every backend, and in a store migrated from before content keys.

mod common;

use common::{for_each_backend, import};
use tonghao_model::{Event, EventSink, Header, Message, Platform};
use tonghao_store::{PgStore, Queries, Store};

/// A message of group `rc@chatroom` by `wxid_{who}` at `at` (RFC 3339),
/// with the source's id `id` if given.
fn message(who: &str, at: &str, text: &str, id: Option<&str>) -> Event {
    Event::Message(Message {
        header: Header {
            platform: Platform::Wechat,
            group: "rc@chatroom".into(),
            group_name: None,
            at: chrono::DateTime::parse_from_rfc3339(at).unwrap(),
            member: Some(format!("wxid_{who}")),
            member_name: Some(who.into()),
            id: id.map(str::to_string),
        },
        reply_to: None,
        mentions: vec![],
        content_type: Default::default(),
        text: text.into(),
        bot: false,
        edited_at: None,
    })
}

/// One chat as three tools write it: without ids, with platform ids, and
/// with no zone (read once as +08:00 and once as +09:00).
fn renderings() -> [Vec<Event>; 4] {
    let lines = [
        ("li", "21:00:01", "今晚讨论第一章"),
        ("hua", "21:00:01", "好"),
        ("li", "21:00:01", "好"),
        ("li", "21:00:01", "好"),
    ];
    let at = |t: &str, offset: &str| format!("2024-03-01T{t}{offset}");
    let plain = lines.iter().map(|(w, t, x)| message(w, &at(t, "+08:00"), x, None)).collect();
    let with_ids = lines
        .iter()
        .enumerate()
        .map(|(i, (w, t, x))| message(w, &at(t, "+08:00"), x, Some(&format!("9000{i}"))))
        .collect();
    let as_utc = lines
        .iter()
        .map(|(w, t, x)| message(w, &at(t, "+08:00").replace("21:", "13:").replace("+08:00", "Z"), x, None))
        .collect();
    let shifted = lines.iter().map(|(w, t, x)| message(w, &at(t, "+09:00"), x, None)).collect();
    [plain, with_ids, as_utc, shifted]
}

/// Imports `events` as a zone-less export (the source says so first).
fn import_local(store: &dyn Store, events: &[Event]) -> u64 {
    let mut feed = |sink: &mut dyn EventSink| {
        sink.local_times();
        for e in events {
            sink.push(e.clone())?;
        }
        Ok(Some("test".to_string()))
    };
    store.import("default", "zone-less", &mut feed).unwrap().messages
}

#[test]
fn one_message_from_several_exporters_and_zones_is_stored_once() {
    for_each_backend(|store| {
        let [plain, with_ids, as_utc, shifted] = renderings();
        assert_eq!(import(store, &plain).messages, 4, "two identical 好 by li in one second are two messages");
        assert_eq!(import(store, &with_ids).messages, 0, "the same lines with platform ids");
        assert_eq!(import(store, &as_utc).messages, 0, "the same instants written in UTC");
        let before = store.counts().unwrap();
        // A zone-less export keys its wall clock: under another offset it
        // is the same chat, while a zoned export under another offset is
        // another moment.
        assert_eq!(import_local(store, &plain), 0);
        assert_eq!(import_local(store, &shifted), 0);
        assert_eq!(store.counts().unwrap(), before);
        assert_eq!(import(store, &shifted).messages, 4, "+09:00 with a zone is an hour earlier: new");
    });
}

/// A PostgreSQL store from before content keys (schema v2: migration
/// 0003's columns and indexes taken away) gets them when opened, so the
/// same chat from another exporter still adds nothing. (SQLite's migration
/// is proven the same way in the CLI's import tests.)
#[test]
fn a_postgres_store_from_before_content_keys_gets_them() {
    let url = tonghao_store::test_pg::database_url();
    let store = PgStore::open(&url).unwrap();
    let [plain, with_ids, ..] = renderings();
    import(&store, &plain);
    let before = store.counts().unwrap();
    drop(store);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(
        "DROP TABLE import_groups; DROP INDEX messages_content, memberships_content, activities_content;
         ALTER TABLE messages DROP COLUMN content_key, DROP COLUMN import_id;
         ALTER TABLE memberships DROP COLUMN content_key, DROP COLUMN import_id;
         ALTER TABLE activities DROP COLUMN content_key, DROP COLUMN import_id;
         ALTER TABLE groups DROP COLUMN tz_name;
         DELETE FROM tonghao_migrations WHERE number = 3;",
    )
    .unwrap();
    let store = PgStore::open(&url).unwrap();
    assert_eq!(import(&store, &with_ids).messages, 0);
    assert_eq!(import_local(&store, &plain), 0);
    assert_eq!(store.counts().unwrap(), before);
}

/// `import_undo` takes back what one import brought: rows another import
/// also held stay (and are that import's now); the rest go, and a group
/// left with nothing goes with them.
#[test]
fn an_import_is_undone_and_what_another_import_held_stays() {
    for_each_backend(|store| {
        let [plain, with_ids, _, shifted] = renderings();
        import(store, &plain);
        import(store, &with_ids);
        import(store, &shifted);
        let ids: Vec<i64> = store.imports().unwrap().iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), 3);
        let undone = store.import_undo("default", ids[0]).unwrap();
        assert_eq!((undone.messages, undone.kept), (0, 4), "the ids rendering held the same four lines");
        assert_eq!(store.counts().unwrap().messages, 8);
        let undone = store.import_undo("default", ids[2]).unwrap();
        assert_eq!((undone.messages, undone.kept, undone.groups), (4, 0, 0));
        let undone = store.import_undo("default", ids[1]).unwrap();
        assert_eq!((undone.messages, undone.groups), (4, 1), "nothing left: the group goes too");
        let counts = store.counts().unwrap();
        assert_eq!((counts.messages, counts.groups, counts.member_names), (0, 0, 0));
        assert!(store.imports().unwrap().is_empty());
        match store.import_undo("default", ids[1]) {
            Err(tonghao_store::StoreError::NotFound(m)) => assert_eq!(m.key, "error.no_import_id", "{m:?}"),
            other => panic!("undoing twice: {other:?}"),
        }
    });
}
