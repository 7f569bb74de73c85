//! The store's story on a real SQLite file: import, re-import, overlap, a
//! failing import, and people known first by name then by id.

mod common;

use common::{file_store, import};

use tonghao_model::{Event, EventSink, Header, Membership, Message, PersonRef, Platform};
use tonghao_store::{FeedError, SqliteStore, Store, TableCounts};

fn at(s: &str) -> tonghao_model::Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).expect("test time")
}

fn header(member: Option<&str>, name: &str, t: &str, id: Option<&str>) -> Header {
    Header {
        platform: Platform::Wechat,
        group: "g1@chatroom".into(),
        group_name: Some("读书会1群".into()),
        member: member.map(str::to_string),
        member_name: Some(name.into()),
        at: at(t),
        id: id.map(str::to_string),
    }
}

fn message(member: &str, name: &str, t: &str, id: Option<&str>, text: &str) -> Event {
    Event::Message(Message {
        header: header(Some(member), name, t, id),
        reply_to: None,
        mentions: vec![],
        content_type: Default::default(),
        text: text.into(),
        bot: false,
        edited_at: None,
    })
}

/// Importing the same events twice adds nothing the second time, and an
/// overlapping export adds only what is new, with and without source ids.
#[test]
fn reimport_and_overlap_are_idempotent() {
    let (_dir, mut store) = file_store();
    let first = vec![
        message("wxid_a", "小李", "2024-03-01T20:00:00+08:00", Some("1"), "大家好"),
        message("wxid_b", "小徐", "2024-03-01T20:01:00+08:00", Some("2"), "你好"),
        // No ids: keyed by content, and two identical lines in one second stay two.
        message("wxid_b", "小徐", "2024-03-01T20:02:00+08:00", None, "+1"),
        message("wxid_b", "小徐", "2024-03-01T20:02:00+08:00", None, "+1"),
    ];
    let stats = import(&mut store, &first);
    assert_eq!((stats.messages, stats.members, stats.groups, stats.duplicates), (4, 2, 1, 0));
    let before = store.counts().unwrap();

    let again = import(&mut store, &first);
    assert_eq!((again.messages, again.members, again.groups, again.duplicates), (0, 0, 0, 4));
    assert_eq!(store.counts().unwrap(), before);

    let mut overlap = first[2..].to_vec();
    overlap.push(message("wxid_c", "阿花", "2024-03-02T07:00:00+08:00", None, "#打卡 第1天"));
    let third = import(&mut store, &overlap);
    assert_eq!((third.messages, third.members, third.duplicates), (1, 1, 2));
}

/// A feed that fails half-way leaves every table exactly as it was.
#[test]
fn failed_import_writes_nothing() {
    let (_dir, mut store) = file_store();
    import(&mut store, &[message("wxid_a", "小李", "2024-03-01T20:00:00+08:00", Some("1"), "hi")]);
    let before = store.counts().unwrap();
    let result = store.import("default", "broken", &mut |sink: &mut dyn EventSink| {
        sink.push(message("wxid_z", "新人", "2024-03-05T20:00:00+08:00", Some("9"), "new"))?;
        Err(FeedError::from("line 7: truncated"))
    });
    assert!(result.unwrap_err().to_string().contains("line 7"));
    assert_eq!(store.counts().unwrap(), before);
    // A failing feed in a brand-new community does not leave the community behind.
    let result = store.import("other", "broken", &mut |_sink: &mut dyn EventSink| Err(FeedError::from("bad")));
    assert!(result.is_err());
    assert_eq!(store.counts().unwrap().communities, before.communities);
}

/// An event the store cannot accept (nobody named) fails the whole import.
#[test]
fn invalid_event_fails_the_import() {
    let (_dir, mut store) = file_store();
    let mut h = header(None, "", "2024-03-01T20:00:00+08:00", None);
    h.member_name = None;
    let bad = Event::Leave(Membership { header: h, by: None });
    let result = store.import("default", "bad", &mut |sink: &mut dyn EventSink| {
        sink.push(bad.clone())?;
        Ok(Some("test".into()))
    });
    assert!(result.is_err());
    assert_eq!(store.counts().unwrap(), TableCounts::default());
}

/// WeChat system lines name people only; when the same name later speaks with
/// a wxid in that group, it is the same member. The inviter, named only, is
/// the member who used that name.
#[test]
fn names_then_ids_are_one_member() {
    let (_dir, mut store) = file_store();
    let events = vec![
        message("wxid_li", "小李", "2024-03-01T20:55:00+08:00", Some("1"), "欢迎"),
        Event::Join(Membership {
            header: header(None, "小徐", "2024-03-01T20:56:10+08:00", None),
            by: Some(PersonRef::name("小李")),
        }),
        message("wxid_xu", "小徐", "2024-03-01T20:58:30+08:00", Some("2"), "谢谢群主"),
    ];
    let stats = import(&mut store, &events);
    assert_eq!((stats.members, stats.joins, stats.messages), (2, 1, 2));
    let members = store.members("default", "读书会1群").unwrap();
    assert_eq!(members.len(), 2);
    let xu = members.iter().find(|m| m.name == "小徐").expect("小徐 listed");
    assert_eq!(xu.ids, vec!["wechat:wxid_xu".to_string()]);
    assert_eq!(xu.messages, 1);
    assert!(xu.joined.as_deref().unwrap().starts_with("2024-03-01T20:56:10"));
    let by: i64 = store
        .connection()
        .query_row("SELECT by_member_id FROM memberships WHERE kind = 'join'", [], |r| r.get(0))
        .unwrap();
    let li = members.iter().find(|m| m.name == "小李").unwrap();
    assert_eq!(by, li.member_id);
}

/// A member keeps every name used; the display name is the latest.
#[test]
fn names_over_time() {
    let (_dir, mut store) = file_store();
    import(
        &mut store,
        &[
            message("wxid_a", "小李", "2024-03-01T20:00:00+08:00", Some("1"), "a"),
            message("wxid_a", "小李-上海-产品经理", "2024-03-02T20:00:00+08:00", Some("2"), "b"),
        ],
    );
    // An older export imported later does not roll the display name back.
    import(&mut store, &[message("wxid_a", "Li", "2024-02-01T20:00:00+08:00", Some("0"), "c")]);
    let members = store.members("default", "g1@chatroom").unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].name, "小李-上海-产品经理");
    assert_eq!(store.counts().unwrap().member_names, 3);
}

/// Leaving removes a member from the current count; rejoining restores them.
#[test]
fn current_members_follow_joins_and_leaves() {
    let (_dir, mut store) = file_store();
    let join = |name: &str, t: &str| Event::Join(Membership { header: header(Some(name), name, t, None), by: None });
    let leave = |name: &str, t: &str| Event::Leave(Membership { header: header(Some(name), name, t, None), by: None });
    import(
        &mut store,
        &[
            join("a", "2024-03-01T10:00:00+08:00"),
            join("b", "2024-03-01T10:00:00+08:00"),
            message("c", "c", "2024-03-01T11:00:00+08:00", Some("1"), "only posted"),
            leave("b", "2024-03-02T10:00:00+08:00"),
        ],
    );
    assert_eq!(store.groups("default").unwrap()[0].members, 2);
    import(&mut store, &[join("b", "2024-03-03T10:00:00+08:00")]);
    assert_eq!(store.groups("default").unwrap()[0].members, 3);
}

/// A database from a newer tonghao is refused, not silently downgraded.
#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err().to_string();
    assert!(err.contains("schema version 99"), "{err}");
}

/// The snapshot resolves replies and mentions (by id and by name) to
/// indices, sorts by group then time, and drops everything after `as_of`.
#[test]
fn snapshot_resolves_links_and_respects_as_of() {
    use tonghao_model::snapshot::{NONE, flags};
    let (_dir, mut store) = file_store();
    let mut reply = message("wxid_b", "小徐", "2024-03-01T20:01:00+08:00", Some("2"), "请问这本书有电子版吗？");
    if let Event::Message(m) = &mut reply {
        m.reply_to = Some("1".into());
        m.mentions = vec![PersonRef::id("wxid_a")];
    }
    let mut by_name = message("wxid_c", "阿花", "2024-03-01T20:03:00+08:00", Some("3"), "@小徐 微信读书上有");
    if let Event::Message(m) = &mut by_name {
        m.mentions = vec![PersonRef::name("小徐")];
    }
    import(
        &mut store,
        &[
            by_name,
            message("wxid_a", "小李", "2024-03-01T20:00:00+08:00", Some("1"), "大家好"),
            reply,
            message("wxid_a", "小李", "2024-03-09T20:00:00+08:00", Some("4"), "一周后"),
        ],
    );
    let snap = store.snapshot("default", None, None).unwrap();
    let m = &snap.messages;
    assert_eq!(m.len(), 4);
    assert!(m.at_ms.windows(2).all(|w| w[0] <= w[1]), "sorted by time");
    let name = |i: usize| snap.members[m.member[i] as usize].name.as_str();
    assert_eq!((name(0), name(1), name(2)), ("小李", "小徐", "阿花"));
    assert_eq!(m.reply_to[1], 0);
    assert_eq!(m.reply_to[0], NONE);
    assert_eq!(m.mentions(1), &[m.member[0]]);
    assert_eq!(m.mentions(2), &[m.member[1]], "mention by name resolves");
    assert!(m.has(1, flags::QUESTION));
    assert_eq!(snap.groups[0].messages, 0..4);

    let cut = chrono::DateTime::parse_from_rfc3339("2024-03-02T00:00:00+08:00").unwrap().timestamp_millis();
    let past = store.snapshot("default", Some(cut), None).unwrap();
    assert_eq!(past.messages.len(), 3);
    assert!(store.snapshot("nobody", None, None).is_err());
}

/// Someone known by id in one group, introduced by name in another group's
/// join line, then speaking there with the same id, is one member (the
/// name-only member is merged into them).
#[test]
fn join_line_in_a_second_group_merges_into_the_known_member() {
    let (_dir, mut store) = file_store();
    let in_group = |g: &str, e: Event| {
        let mut e = e;
        match &mut e {
            Event::Message(m) => m.header.group = g.into(),
            Event::Join(j) => j.header.group = g.into(),
            _ => {}
        }
        e
    };
    let stats = import(
        &mut store,
        &[
            in_group("a@chatroom", message("wxid_xu", "小徐", "2024-03-01T20:00:00+08:00", Some("1"), "在A群")),
            in_group(
                "b@chatroom",
                Event::Join(Membership { header: header(None, "小徐", "2024-03-02T20:00:00+08:00", None), by: None }),
            ),
            in_group("b@chatroom", message("wxid_xu", "小徐", "2024-03-02T20:01:00+08:00", Some("2"), "在B群")),
        ],
    );
    assert_eq!(stats.members, 1, "{stats:?}");
    let c = store.counts().unwrap();
    assert_eq!(c.members, 1);
    let joined_by: i64 = store.connection().query_row("SELECT member_id FROM memberships", [], |r| r.get(0)).unwrap();
    let spoke: i64 = store.connection().query_row("SELECT DISTINCT member_id FROM messages", [], |r| r.get(0)).unwrap();
    assert_eq!(joined_by, spoke);
}
