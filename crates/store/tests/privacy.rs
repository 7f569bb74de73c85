//! One member's data (on every backend where the test reads only through the
//! store's traits, else on a real SQLite file): export exactly their rows, delete
//! exactly their rows (unlinking, not deleting, what others said and did),
//! keep them deleted across re-imports, and leave everything as it was when
//! the member is unknown or the deletion fails.

mod common;

use common::{file_store, for_each_backend, import};

use std::collections::BTreeMap;
use tonghao_model::{
    Checkin, Event, Header, Membership, Message, PersonRef, Platform, Reaction, Recall, Role, RoleChange,
};
use tonghao_store::{Privacy, Queries, SqliteStore, Store, StoreError, TableCounts};

const G1: &str = "g1@chatroom";
const G2: &str = "g2@chatroom";

fn header(group: &str, member: Option<&str>, name: &str, t: &str, id: Option<&str>) -> Header {
    Header {
        platform: Platform::Wechat,
        group: group.into(),
        group_name: Some(if group == G1 { "读书会1群" } else { "读书会2群" }.into()),
        member: member.map(str::to_string),
        member_name: Some(name.into()),
        at: chrono::DateTime::parse_from_rfc3339(&format!("2024-03-01T{t}+08:00")).expect("test time"),
        id: id.map(str::to_string),
    }
}

fn message(group: &str, member: &str, name: &str, t: &str, id: &str, text: &str, mentions: Vec<PersonRef>) -> Event {
    Event::Message(Message {
        header: header(group, Some(member), name, t, Some(id)),
        reply_to: None,
        mentions,
        content_type: Default::default(),
        text: text.into(),
        bot: false,
        edited_at: None,
    })
}

fn person(id: &str, name: &str) -> PersonRef {
    PersonRef { id: Some(id.into()), name: Some(name.into()) }
}

/// Three people: 小李 (wxid_a), 小徐 (wxid_b, the one deleted), 阿花 (wxid_c).
fn story() -> Vec<Event> {
    let mut reply = message(G1, "wxid_b", "小徐", "20:05:00", "5", "收到", vec![PersonRef::id("wxid_a")]);
    if let Event::Message(m) = &mut reply {
        m.reply_to = Some("1".into());
    }
    vec![
        // 1. 小李 speaks.
        message(G1, "wxid_a", "小李", "20:00:00", "1", "大家好", vec![]),
        // 2. 小徐 joins, named only (a WeChat system line), invited by 小李.
        Event::Join(Membership {
            header: header(G1, None, "小徐", "20:01:00", None),
            by: Some(PersonRef::id("wxid_a")),
        }),
        // 3. 小徐 speaks with an id: the name-only member is them.
        message(G1, "wxid_b", "小徐", "20:02:00", "2", "你好", vec![]),
        // 4. 小李 mentions 小徐 by name only.
        message(G1, "wxid_a", "小李", "20:03:00", "3", "@小徐 欢迎", vec![PersonRef::name("小徐")]),
        // 5. 阿花 mentions 小徐 (by id) and 小李.
        message(
            G1,
            "wxid_c",
            "阿花",
            "20:04:00",
            "4",
            "@小徐 @小李 好",
            vec![person("wxid_b", "小徐"), PersonRef::id("wxid_a")],
        ),
        // 6. 小徐 replies to 1, mentioning 小李 (their own message: deleted with them).
        reply,
        // 7. 阿花 joins, invited by 小徐.
        Event::Join(Membership {
            header: header(G1, Some("wxid_c"), "阿花", "20:06:00", None),
            by: Some(PersonRef::id("wxid_b")),
        }),
        // 8. 小徐 checks in, 9. reacts to 1, 10. recalls 2.
        Event::Checkin(Checkin {
            header: header(G1, Some("wxid_b"), "小徐", "20:07:00", None),
            challenge: Some("读书".into()),
            day: Some(1),
            text: "#打卡 第1天".into(),
        }),
        Event::Reaction(Reaction {
            header: header(G1, Some("wxid_b"), "小徐", "20:08:00", None),
            target: "1".into(),
            emoji: "👍".into(),
        }),
        Event::Recall(Recall {
            header: header(G1, Some("wxid_b"), "小徐", "20:09:00", None),
            target: Some("2".into()),
        }),
        // 11. 小李 makes 小徐 an admin.
        Event::Role(RoleChange {
            header: header(G1, Some("wxid_b"), "小徐", "20:10:00", None),
            role: Role::Admin,
            by: Some(PersonRef::id("wxid_a")),
        }),
        // 12. 小徐 renames themself and speaks: a second name.
        message(G1, "wxid_b", "小徐-成都", "20:11:00", "6", "改名了", vec![]),
        // 13. 小徐 leaves.
        Event::Leave(Membership { header: header(G1, Some("wxid_b"), "小徐-成都", "20:12:00", None), by: None }),
        // 14. 阿花 in another group, mentioning 小徐 by id.
        message(G2, "wxid_c", "阿花", "20:13:00", "7", "@小徐 在吗", vec![PersonRef::id("wxid_b")]),
    ]
}

/// Messages per member id, every group.
fn messages_per_member(store: &SqliteStore) -> BTreeMap<i64, i64> {
    let conn = store.test_connection();
    let mut stmt = conn.prepare("SELECT member_id, count(*) FROM messages GROUP BY member_id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

/// A message's mention list by its key.
fn mentions(store: &SqliteStore, key: &str) -> Option<serde_json::Value> {
    let json: Option<String> =
        store.test_connection().query_row("SELECT mentions FROM messages WHERE key = ?1", [key], |r| r.get(0)).unwrap();
    json.map(|j| serde_json::from_str(&j).unwrap())
}

fn member_id(store: &SqliteStore, ext: &str) -> i64 {
    store
        .test_connection()
        .query_row("SELECT member_id FROM identities WHERE external_id = ?1", [ext], |r| r.get(0))
        .unwrap()
}

fn inviter_of_join(store: &SqliteStore, who: i64) -> Option<i64> {
    store
        .test_connection()
        .query_row("SELECT by_member_id FROM memberships WHERE member_id = ?1 AND kind = 'join'", [who], |r| r.get(0))
        .unwrap()
}

fn suppressed_rows(store: &SqliteStore) -> i64 {
    store.test_connection().query_row("SELECT count(*) FROM suppressed_identities", [], |r| r.get(0)).unwrap()
}

/// The export holds exactly 小徐's rows, counted by hand from `story()`.
#[test]
fn export_contains_exactly_the_members_rows() {
    for_each_backend(|store| {
        import(store, &story());
        let e = store.member_export("default", "wechat:wxid_b").unwrap();
        assert_eq!(e.member.display_name, "小徐-成都");
        // wxid_b, and the name-only stand-in from the join line (2), marked.
        let ids: Vec<(&str, bool)> = e.identities.iter().map(|i| (i.external_id.as_str(), i.provisional)).collect();
        assert_eq!(ids, vec![("wxid_b", false), ("~name:g1@chatroom:小徐", true)]);
        // 小徐 (from 2) and 小徐-成都 (from 12), both in g1.
        let names: Vec<(&str, &str)> = e.names.iter().map(|n| (n.group.as_str(), n.name.as_str())).collect();
        assert_eq!(names, vec![(G1, "小徐"), (G1, "小徐-成都")]);
        assert_eq!(e.names[0].first_seen, "2024-03-01T20:01:00+08:00");
        // Events 3, 6 and 12; nobody else's.
        let keys: Vec<&str> = e.messages.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, vec!["2", "5", "6"]);
        assert_eq!(e.messages[1].reply_to.as_deref(), Some("1"));
        assert_eq!(e.messages[1].text, "收到");
        assert_eq!(e.messages[1].content_type, "text");
        assert_eq!(e.messages[1].at, "2024-03-01T20:05:00+08:00");
        assert_eq!(e.messages[1].mentions, Some(serde_json::json!([{"id": "wxid_a"}])));
        // Their join (2), role (11) and leave (13), and 阿花's join (7) as inviter.
        let ms: Vec<(&str, &str)> = e.memberships.iter().map(|m| (m.kind.as_str(), m.as_.as_str())).collect();
        assert_eq!(ms, vec![("join", "member"), ("join", "by"), ("role", "member"), ("leave", "member")]);
        let id = |r: &str| store.member_export("default", r).unwrap().member.member_id;
        let (a, c) = (id("wechat:wxid_a"), id("wechat:wxid_c"));
        assert_eq!(e.memberships[0].other_member_id, Some(a));
        assert_eq!(e.memberships[1].other_member_id, Some(c));
        assert_eq!(e.memberships[2].role.as_deref(), Some("admin"));
        // Check-in (8), reaction (9), recall (10).
        let acts: Vec<&str> = e.activities.iter().map(|a| a.kind.as_str()).collect();
        assert_eq!(acts, vec!["checkin", "reaction", "recall"]);
        assert_eq!(e.activities[1].data, serde_json::json!({"emoji": "👍"}));
        // Only g1, which they left (13).
        assert_eq!(e.groups.len(), 1);
        assert_eq!((e.groups[0].external_id.as_str(), e.groups[0].member_now), (G1, false));
        // Mentioned in 4, 5 and 14.
        assert_eq!(e.mentioned_in, Some(3));
        // A member page's record is the export without that scan.
        let record = store.member_record("default", "wechat:wxid_b").unwrap();
        assert_eq!(record.mentioned_in, None);
        assert_eq!(serde_json::to_value(&record.messages).unwrap(), serde_json::to_value(&e.messages).unwrap());
        // The same member by store id; the export is JSON.
        let by_id = store.member_export("default", &e.member.member_id.to_string()).unwrap();
        assert_eq!(by_id.messages.len(), 3);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["memberships"][1]["as"], "by");
    });
}

/// Deleting removes exactly their rows, unlinks others' rows, and a re-import
/// (or a later export) does not bring them back.
#[test]
fn delete_removes_them_and_nothing_else_and_they_stay_deleted() {
    let (_dir, store) = file_store();
    let events = story();
    import(&store, &events);
    let before = store.counts().unwrap();
    let (b, c) = (member_id(&store, "wxid_b"), member_id(&store, "wxid_c"));
    let mut others = messages_per_member(&store);
    assert_eq!(others.remove(&b), Some(3));
    assert_eq!(inviter_of_join(&store, c), Some(b));

    let preview = store.member_delete_preview("default", "wechat:wxid_b").unwrap();
    assert_eq!(store.counts().unwrap(), before, "a preview changes nothing");
    let stats = store.member_delete("default", "wechat:wxid_b").unwrap();
    assert_eq!(preview, stats);
    assert_eq!(stats.member_id, b);
    // By hand from story(): 3 messages (3, 6, 12); join, role, leave (2, 11,
    // 13); check-in, reaction, recall (8-10); 2 names; 2 identities; 1 inviter
    // link (7); mentions in 4, 5 and 14 (one entry each).
    assert_eq!(
        (stats.members, stats.identities, stats.member_names, stats.messages, stats.memberships, stats.activities),
        (1, 2, 2, 3, 3, 3)
    );
    assert_eq!((stats.inviter_links_cleared, stats.mentions_removed), (1, 3));
    // wxid_b, ~name:g1:小徐 (its identity and its name), ~name:g1:小徐-成都.
    assert_eq!(stats.suppressed, 3);

    let after = store.counts().unwrap();
    assert_eq!(
        after,
        TableCounts {
            members: before.members - 1,
            identities: before.identities - 2,
            member_names: before.member_names - 2,
            messages: before.messages - 3,
            memberships: before.memberships - 3,
            activities: before.activities - 3,
            ..before.clone()
        }
    );
    assert_eq!(messages_per_member(&store), others, "other members' messages untouched");
    // 阿花's join is kept, its inviter unknown; 小李's message 1 is kept.
    assert_eq!(inviter_of_join(&store, c), None);
    assert_eq!(mentions(&store, "3"), None, "only 小徐 was mentioned: list gone");
    assert_eq!(mentions(&store, "4"), Some(serde_json::json!([{"id": "wxid_a"}])));
    assert_eq!(mentions(&store, "7"), None);
    // Free text is not rewritten.
    let text: String =
        store.test_connection().query_row("SELECT text FROM messages WHERE key = '3'", [], |r| r.get(0)).unwrap();
    assert_eq!(text, "@小徐 欢迎");
    assert!(store.members("default", "读书会1群").unwrap().iter().all(|m| m.member_id != b));
    let err = store.member_export("default", "wechat:wxid_b").unwrap_err();
    assert!(err.to_string().contains("wechat:wxid_b") && err.to_string().contains("deleted"), "{err}");

    // The same export again: 小徐's 9 events (2, 3, 6, 8-13) are suppressed,
    // the other 5 are duplicates; nothing comes back.
    let again = import(&store, &events);
    assert_eq!((again.events, again.suppressed, again.duplicates, again.members), (14, 9, 5, 0));
    assert_eq!(store.counts().unwrap(), after);
    assert_eq!(mentions(&store, "3"), None);

    // A later export: 小徐 speaks (by id, and named only in a system line), 阿花
    // mentions them and they invite someone: none of it brings them back.
    let later = vec![
        message(G1, "wxid_b", "小徐", "21:00:00", "8", "我回来了", vec![]),
        Event::Leave(Membership { header: header(G1, None, "小徐-成都", "21:01:00", None), by: None }),
        message(
            G1,
            "wxid_c",
            "阿花",
            "21:02:00",
            "9",
            "@小徐 @小李",
            vec![PersonRef::name("小徐"), PersonRef::id("wxid_a")],
        ),
        Event::Join(Membership {
            header: header(G1, Some("wxid_d"), "新人", "21:03:00", None),
            by: Some(PersonRef::name("小徐")),
        }),
    ];
    let stats = import(&store, &later);
    assert_eq!((stats.suppressed, stats.messages, stats.joins, stats.members), (2, 1, 1, 1));
    assert_eq!(mentions(&store, "9"), Some(serde_json::json!([{"id": "wxid_a"}])));
    let d = member_id(&store, "wxid_d");
    assert_eq!(inviter_of_join(&store, d), None);
    assert_eq!(store.counts().unwrap().members, after.members + 1, "only 新人 is new");
    // Someone else with their own id is not suppressed for sharing the name.
    let namesake = import(&store, &[message(G1, "wxid_e", "小徐", "21:04:00", "10", "我也叫小徐", vec![])]);
    assert_eq!((namesake.suppressed, namesake.messages, namesake.members), (0, 1, 1));
}

/// An unknown member is an error naming the reference; nothing changes.
#[test]
fn deleting_an_unknown_member_is_an_error_and_changes_nothing() {
    for_each_backend(|store| {
        import(store, &story());
        let before = store.counts().unwrap();
        for r in ["wechat:wxid_nobody", "99999", "nobody", "qq:wxid_b", ""] {
            let err = store.member_delete("default", r).unwrap_err();
            assert!(matches!(err, StoreError::NotFound(_)), "{r}: {err}");
            assert!(err.to_string().contains(&format!("{r:?}")), "{err}");
            assert!(store.member_export("default", r).is_err());
        }
        assert!(store.member_delete("elsewhere", "wechat:wxid_b").is_err());
        assert_eq!(store.counts().unwrap(), before);
        // Nobody was suppressed: importing again skips no one.
        assert_eq!(import(store, &story()).suppressed, 0);
    });
}

/// A deletion that fails at its last step (the member row, refused here by a
/// trigger) leaves every table exactly as before: it is one transaction.
#[test]
fn failed_delete_changes_nothing() {
    let (_dir, store) = file_store();
    import(&store, &story());
    let before = store.counts().unwrap();
    let per_member = messages_per_member(&store);
    let (b, c) = (member_id(&store, "wxid_b"), member_id(&store, "wxid_c"));
    store
        .test_connection()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE DELETE ON members BEGIN SELECT RAISE(ABORT, 'refused by test'); END;",
        )
        .unwrap();
    let err = store.member_delete("default", "wechat:wxid_b").unwrap_err();
    assert!(err.to_string().contains("refused by test"), "{err}");
    assert_eq!(store.counts().unwrap(), before);
    assert_eq!(messages_per_member(&store), per_member);
    assert_eq!(inviter_of_join(&store, c), Some(b));
    assert_eq!(mentions(&store, "3"), Some(serde_json::json!([{"name": "小徐"}])));
    assert_eq!(suppressed_rows(&store), 0);

    store.test_connection().execute_batch("DROP TRIGGER refuse;").unwrap();
    assert_eq!(store.member_delete("default", &b.to_string()).unwrap().messages, 3);
}

/// Orders imported from a file belong to the buyer's identities: exported
/// with them, deleted with them (preview included), and skipped when the
/// same file is imported again. On every backend.
#[test]
fn orders_go_with_the_member_and_stay_gone() {
    use tonghao_model::records::OrderRecord;
    for_each_backend(|store| {
        import(store, &story());
        let order = |key: &str, who: &str, fen: i64| OrderRecord {
            key: key.into(),
            platform: "wechat".into(),
            member: who.into(),
            at_ms: 1_709_300_000_000,
            amount_fen: fen,
            product: "书".into(),
            group: Some(G1.into()),
        };
        let orders = [order("o1", "wxid_b", 9900), order("o2", "wxid_b", 100), order("o3", "wxid_a", 500)];
        let stats = store.import_orders("default", &orders).unwrap();
        assert_eq!((stats.added, stats.unlinked), (3, 0));
        let e = store.member_export("default", "wechat:wxid_b").unwrap();
        let fen: Vec<i64> = e.orders.iter().map(|o| o.amount_fen).collect();
        assert_eq!(fen, vec![9900, 100]);
        assert_eq!(e.orders[0].buyer, "wechat:wxid_b");

        let preview = store.member_delete_preview("default", "wechat:wxid_b").unwrap();
        assert_eq!(preview.orders, 2);
        assert_eq!(store.orders("default").unwrap().len(), 3, "a preview changes nothing");
        let stats = store.member_delete("default", "wechat:wxid_b").unwrap();
        assert_eq!(stats.orders, 2);
        let left: Vec<String> = store.orders("default").unwrap().into_iter().map(|o| o.buyer).collect();
        assert_eq!(left, vec!["wechat:wxid_a"]);
        let again = store.import_orders("default", &orders).unwrap();
        assert_eq!((again.added, again.duplicates, again.suppressed), (0, 1, 2));
    });
}

/// Check-ins recorded by hand are the member's: exported, deleted with them
/// (preview included); deleting the group deletes its marks too. On every
/// backend.
#[test]
fn hand_checkins_go_with_the_member_and_the_group() {
    use tonghao_model::records::MarkKind;
    for_each_backend(|store| {
        import(store, &story());
        store.add_checkin_mark("default", G1, "wechat:wxid_b", "2024-03-01", MarkKind::Checkin).unwrap();
        store.add_checkin_mark("default", G1, "wechat:wxid_b", "2024-03-02", MarkKind::Leave).unwrap();
        store.add_checkin_mark("default", G1, "wechat:wxid_a", "2024-03-01", MarkKind::Checkin).unwrap();
        // The same day again replaces, it does not add.
        store.add_checkin_mark("default", G1, "wechat:wxid_a", "2024-03-01", MarkKind::Makeup).unwrap();
        let hand =
            |store: &dyn Store| store.checkin_marks("default").unwrap().into_iter().filter(|m| m.by_hand).count();
        assert_eq!(hand(store), 3);
        let e = store.member_export("default", "wechat:wxid_b").unwrap();
        let days: Vec<(&str, &str)> = e.checkin_marks.iter().map(|m| (m.day.as_str(), m.kind.as_str())).collect();
        assert_eq!(days, vec![("2024-03-01", "checkin"), ("2024-03-02", "leave")]);
        assert_eq!(store.member_delete_preview("default", "wechat:wxid_b").unwrap().checkin_marks, 2);
        assert_eq!(hand(store), 3, "a preview changes nothing");
        assert_eq!(store.member_delete("default", "wechat:wxid_b").unwrap().checkin_marks, 2);
        assert_eq!(hand(store), 1);
        store.group_delete("default", G1).unwrap();
        assert_eq!(hand(store), 0);
    });
}

/// Tasks about a member and points given to them by hand are theirs:
/// exported, deleted with them (preview included); a task about no member
/// stays; deleting the group deletes the tasks and points in it. A generated task (with a source) is added once.
#[test]
fn tasks_go_with_the_member_and_the_group() {
    use tonghao_model::records::{Task, TaskKind};
    for_each_backend(|store| {
        import(store, &story());
        let task = |member: Option<&str>, source: Option<&str>| Task {
            id: 0,
            kind: TaskKind::FollowUp,
            title: "follow up".into(),
            assignee: Some("老周".into()),
            group: Some(G1.into()),
            group_id: None,
            member: member.map(str::to_string),
            member_id: None,
            activity_id: None,
            due_day: Some("2024-03-02".into()),
            done_ms: None,
            source: source.map(str::to_string),
            created_ms: 0,
        };
        assert!(store.add_task("default", &task(Some("wechat:wxid_b"), Some("checkin:x"))).unwrap().is_some());
        assert!(store.add_task("default", &task(Some("wechat:wxid_b"), Some("checkin:x"))).unwrap().is_none());
        store.add_task("default", &task(Some("wechat:wxid_b"), None)).unwrap();
        store.add_task("default", &task(None, None)).unwrap();
        assert_eq!(store.tasks("default").unwrap().len(), 3);
        let points = |member: &str, amount: i64| tonghao_model::records::PointsEntry {
            id: 0,
            member: member.into(),
            member_id: 0,
            group: Some(G1.into()),
            group_id: None,
            amount,
            reason: "shared notes".into(),
            at_ms: 0,
        };
        store.add_points("default", &points("wechat:wxid_b", 5)).unwrap();
        store.add_points("default", &points("wechat:wxid_a", 3)).unwrap();
        let e = store.member_export("default", "wechat:wxid_b").unwrap();
        assert_eq!((e.tasks.len(), e.points.len()), (2, 1));
        let preview = store.member_delete_preview("default", "wechat:wxid_b").unwrap();
        assert_eq!((preview.tasks, preview.points), (2, 1));
        assert_eq!(store.tasks("default").unwrap().len(), 3, "a preview changes nothing");
        assert_eq!(store.member_delete("default", "wechat:wxid_b").unwrap().tasks, 2);
        assert_eq!(store.tasks("default").unwrap().len(), 1);
        assert_eq!(store.points("default").unwrap().len(), 1);
        let done = store.set_task_done("default", 3, Some(5)).unwrap();
        assert_eq!(done.done_ms, Some(5));
        store.group_delete("default", G1).unwrap();
        assert!(store.tasks("default").unwrap().is_empty());
        assert!(store.points("default").unwrap().is_empty());
    });
}

/// The team's notes about a member: kept oldest first and by any reference
/// to them, in their export, and deleted with them (preview included) while
/// the notes about others stay. On every backend.
#[test]
fn notes_survive_and_go_with_the_member() {
    for_each_backend(|store| {
        import(store, &story());
        let first = store.note_add("default", "wechat:wxid_b", "老周", "met at the May meetup").unwrap();
        let second = store.note_add("default", "wechat:wxid_b", "老王", "prefers evening calls").unwrap();
        store.note_add("default", "wechat:wxid_a", "老周", "hosts topic nights").unwrap();
        assert_ne!(first.id, second.id);
        assert_eq!(first.member_id, second.member_id);
        let b = first.member_id.to_string();
        let texts = |r: &str| store.notes("default", r).unwrap().into_iter().map(|n| n.text).collect::<Vec<_>>();
        assert_eq!(texts("wechat:wxid_b"), vec!["met at the May meetup", "prefers evening calls"]);
        assert_eq!(texts(&b), texts("wechat:wxid_b"));
        // Another import changes no note.
        import(store, &story());
        assert_eq!(store.notes("default", "wechat:wxid_b").unwrap(), vec![first.clone(), second.clone()]);
        let e = store.member_export("default", "wechat:wxid_b").unwrap();
        assert_eq!(e.notes, vec![first, second]);
        assert!(store.note_add("default", "wechat:wxid_nobody", "老周", "?").is_err());

        assert_eq!(store.member_delete_preview("default", "wechat:wxid_b").unwrap().notes, 2);
        assert_eq!(texts("wechat:wxid_b").len(), 2, "a preview changes nothing");
        assert_eq!(store.member_delete("default", "wechat:wxid_b").unwrap().notes, 2);
        assert!(store.notes("default", &b).is_err(), "the member is gone");
        assert_eq!(texts("wechat:wxid_a"), vec!["hosts topic nights"]);
    });
}

/// The resource library, the management mode with the group hierarchy and
/// the draft templates: kept per community, and a member's erasure takes
/// the entries that are them and their group ownerships; deleting a parent
/// group makes its sub-groups top groups. On every backend.
#[test]
fn library_mode_and_templates_are_per_community_and_go_with_the_member() {
    use tonghao_model::records::{GroupPlace, ManagementMode, Resource, ResourceKind};
    for_each_backend(|store| {
        import(store, &story());
        let resource = |kind, name: &str, member: Option<&str>| Resource {
            id: 0,
            kind,
            name: name.into(),
            tags: vec!["读书".into()],
            member: member.map(str::to_string),
            member_id: None,
            note: None,
            created_ms: 7,
        };
        let guest =
            store.add_resource("default", &resource(ResourceKind::Guest, "小徐", Some("wechat:wxid_b"))).unwrap();
        assert_eq!((guest.id, guest.member.as_deref()), (1, Some("小徐-成都")), "their latest name");
        store.add_resource("default", &resource(ResourceKind::Venue, "咖啡馆", None)).unwrap();
        // Another community numbers its own from 1 and sees none of ours.
        let other = store.add_resource("other", &resource(ResourceKind::Content, "书单", None)).unwrap();
        assert_eq!(other.id, 1);
        assert_eq!(store.resources("other").unwrap().len(), 1);
        assert!(matches!(
            store.add_resource("other", &resource(ResourceKind::Host, "x", Some("wechat:wxid_b"))),
            Err(StoreError::NotFound(_))
        ));
        let tagged = store.set_resource_tags("default", 2, &["上海".into(), "咖啡".into()]).unwrap();
        assert_eq!(tagged.tags, vec!["上海", "咖啡"]);
        assert!(matches!(store.set_resource_tags("default", 9, &[]), Err(StoreError::NotFound(_))));

        store.set_management_mode("default", ManagementMode::SubGroups, 10).unwrap();
        let place = |group: &str, parent: Option<&str>, owner: Option<&str>| GroupPlace {
            group_id: 0,
            group: group.into(),
            parent_id: None,
            parent: parent.map(str::to_string),
            owner_id: None,
            owner: owner.map(str::to_string),
            updated_ms: 11,
        };
        let p = store.set_group_place("default", &place(G2, Some(G1), Some("wechat:wxid_b"))).unwrap();
        assert_eq!((p.parent.as_deref(), p.owner_id), (Some("读书会1群"), guest.member_id));
        assert!(matches!(store.set_group_place("default", &place(G1, Some(G2), None)), Err(StoreError::Conflict(_))));
        assert!(matches!(store.set_group_place("default", &place(G1, Some(G1), None)), Err(StoreError::Conflict(_))));
        store.set_group_place("default", &place(G1, None, Some("wechat:wxid_a"))).unwrap();
        let m = store.management("default").unwrap();
        assert_eq!(m.mode, Some(ManagementMode::SubGroups));
        assert_eq!(m.groups.len(), 2);
        assert_eq!(store.management("other").unwrap().mode, None);

        assert!(!store.set_template("default", "draft.welcome", "zh", None, 1).unwrap());
        // Templates word the drafts of cached pages: each change is a new generation.
        let g0 = store.generation("default").unwrap().unwrap();
        store.set_template("default", "draft.welcome", "zh", Some("{name}你好"), 1).unwrap();
        let g1 = store.generation("default").unwrap().unwrap();
        assert!(g1 > g0);
        store.set_template("default", "draft.welcome", "zh", Some("{name}，欢迎"), 2).unwrap();
        let t = store.templates("default").unwrap();
        assert_eq!((t.len(), t[0].text.as_str(), t[0].updated_ms), (1, "{name}，欢迎", 2));
        let g2 = store.generation("default").unwrap().unwrap();
        assert!(g2 > g1, "replacing one too");
        store.set_template("default", "draft.answer", "en", Some("@{name}"), 3).unwrap();
        assert!(store.set_template("default", "draft.answer", "en", None, 4).unwrap());
        assert!(store.generation("default").unwrap().unwrap() > g2 + 1, "and resetting one");
        assert!(store.templates("other").unwrap().is_empty());

        let e = store.member_export("default", "wechat:wxid_b").unwrap();
        assert_eq!((e.resources.len(), e.group_owner_of.len()), (1, 1));
        let preview = store.member_delete_preview("default", "wechat:wxid_b").unwrap();
        assert_eq!((preview.resources, preview.group_owners), (1, 1));
        assert_eq!(store.resources("default").unwrap().len(), 2, "a preview changes nothing");
        let gone = store.member_delete("default", "wechat:wxid_b").unwrap();
        assert_eq!((gone.resources, gone.group_owners), (1, 1));
        let left = store.resources("default").unwrap();
        assert_eq!(left.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), vec!["咖啡馆"]);
        let m = store.management("default").unwrap();
        let g2 = m.groups.iter().find(|g| g.group == "读书会2群").expect("still a sub-group");
        assert_eq!((g2.parent.as_deref(), g2.owner.as_deref()), (Some("读书会1群"), None));

        assert_eq!(store.remove_resource("default", 2).unwrap().name, "咖啡馆");
        assert!(store.resources("default").unwrap().is_empty());
        store.group_delete("default", G1).unwrap();
        // 读书会2群 is a top group now, without an owner: nothing left to list.
        assert!(store.management("default").unwrap().groups.is_empty());
        assert_eq!(store.templates("default").unwrap().len(), 1, "templates are the community's, not a group's");
    });
}

/// Decisions about next moves: those whose member they are go with them
/// (the foreign key), an introduction that names them goes too, and a
/// split's proposed groups lose them; other decisions stay as they were.
/// On every backend.
#[test]
fn decisions_that_name_the_member_lose_them() {
    use tonghao_model::decision::{DecidedEvidence, Decision, Verdict};
    for_each_backend(|store| {
        import(store, &story());
        let id = |r: &str| store.member_export("default", r).unwrap().member.member_id;
        let (a, b, c) = (id("wechat:wxid_a"), id("wechat:wxid_b"), id("wechat:wxid_c"));
        let group = store.snapshot("default", None, None).unwrap().groups[0].store_id;
        let decision = |move_id: &str, kind: &str, member: Option<i64>, evidence: DecidedEvidence| Decision {
            move_id: move_id.into(),
            kind: kind.into(),
            group,
            member,
            verdict: Verdict::Done,
            at_ms: 1,
            evidence,
        };
        let theirs = decision("welcome-b", "welcome", Some(b), DecidedEvidence::default());
        let intro = decision(
            "introduce-ab",
            "introduce",
            Some(a),
            DecidedEvidence { members: vec![a, b], ..Default::default() },
        );
        let split = decision(
            "split-1",
            "split",
            None,
            DecidedEvidence { groups: vec![vec![a, b], vec![c]], ..Default::default() },
        );
        let other = decision(
            "introduce-ac",
            "introduce",
            Some(a),
            DecidedEvidence { members: vec![a, c], ..Default::default() },
        );
        for d in [&theirs, &intro, &split, &other] {
            store.record_decision("default", d).unwrap();
        }
        store.member_delete("default", "wechat:wxid_b").unwrap();
        let mut left = store.decisions("default").unwrap();
        left.sort_by(|x, y| x.move_id.cmp(&y.move_id));
        let split_after = decision(
            "split-1",
            "split",
            None,
            DecidedEvidence { groups: vec![vec![a], vec![c]], ..Default::default() },
        );
        assert_eq!(left, vec![other, split_after]);
    });
}
