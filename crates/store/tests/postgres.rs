//! What only the PostgreSQL backend has to prove: its keys let every table
//! be distributed by community, its triggers keep the data generation as
//! SQLite's do, and a newer schema is refused.

mod common;

use common::{import, pg_store};
use tonghao_model::decision::{DecidedEvidence, Decision, Verdict};
use tonghao_model::records::{MarkKind, OrderRecord};
use tonghao_model::{Event, Header, Message, Platform};
use tonghao_store::{Accounts, Ingest, Operations, PgStore, Privacy, Queries, StoreError};

/// Tables the same on every node (not keyed by community): the accounts
/// that span communities, the community list itself, and the store's own
/// bookkeeping. docs/postgres.md lists them.
const REFERENCE_TABLES: &[&str] = &[
    "users",
    "sessions",
    "login_failures",
    "audit_log",
    "communities",
    "store_flags",
    "tonghao_schema",
    "tonghao_migrations",
];

#[test]
fn every_primary_and_unique_key_includes_the_community() {
    let store = pg_store();
    let keys: Vec<(String, String, Vec<String>)> = store.test_client(|c| {
        c.query(
            "SELECT t.relname::text, i.relname::text,
                    array_agg(a.attname::text ORDER BY a.attnum)
             FROM pg_index x
             JOIN pg_class t ON t.oid = x.indrelid
             JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (x.indkey)
             WHERE n.nspname = current_schema() AND (x.indisprimary OR x.indisunique)
             GROUP BY 1, 2 ORDER BY 1, 2",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
    });
    assert!(keys.len() >= 15, "the catalog lists the keys: {keys:?}");
    let bad: Vec<_> = keys
        .iter()
        .filter(|(table, _, columns)| {
            !REFERENCE_TABLES.contains(&table.as_str()) && !columns.iter().any(|c| c == "community_id")
        })
        .collect();
    assert!(bad.is_empty(), "keys without community_id: {bad:?}");
    // Every table of the schema is either keyed by community or listed.
    let tables: Vec<String> = store.test_client(|c| {
        c.query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind = 'r'
               AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'community_id')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    });
    for t in &tables {
        assert!(REFERENCE_TABLES.contains(&t.as_str()), "{t} has no community_id and is not a reference table");
    }
}

fn message(group: &str, member: &str, t: &str, text: &str) -> Event {
    Event::Message(Message {
        header: Header {
            platform: Platform::Wechat,
            group: group.into(),
            group_name: None,
            at: chrono::DateTime::parse_from_rfc3339(t).unwrap(),
            member: Some(member.into()),
            member_name: Some(member.into()),
            id: None,
        },
        reply_to: None,
        mentions: vec![],
        content_type: Default::default(),
        text: text.into(),
        bot: false,
        edited_at: None,
    })
}

/// The generation changes per imported file, deleted group or member and
/// decision, as SQLite's triggers make it.
#[test]
fn triggers_bump_the_generation() {
    let store = pg_store();
    import(
        &store,
        &[
            message("g1", "u1", "2024-03-01T10:00:00+08:00", "早"),
            message("g2", "u2", "2024-03-01T10:01:00+08:00", "好"),
        ],
    );
    let g0 = store.generation("default").unwrap().unwrap();
    import(&store, &[message("g1", "u1", "2024-03-01T10:02:00+08:00", "a\0b: a NUL is kept as U+FFFD")]);
    let g1 = store.generation("default").unwrap().unwrap();
    assert!(g1 > g0, "an import bumps it");
    let texts: Vec<String> = store.test_client(|c| {
        c.query("SELECT text FROM messages ORDER BY id", &[]).unwrap().iter().map(|r| r.get(0)).collect()
    });
    assert_eq!(texts[2], "a\u{FFFD}b: a NUL is kept as U+FFFD");
    let gid: i64 =
        store.test_client(|c| c.query_one("SELECT id FROM groups WHERE external_id = 'g1'", &[]).unwrap().get(0));
    let d = Decision {
        move_id: "m1".into(),
        kind: "welcome".into(),
        group: gid,
        member: None,
        verdict: Verdict::Done,
        at_ms: 1,
        evidence: DecidedEvidence { members: vec![3, 4], messages: vec![7], groups: vec![vec![3, 4], vec![5]] },
    };
    store.record_decision("default", &d).unwrap();
    let g2 = store.generation("default").unwrap().unwrap();
    assert!(g2 > g1, "a decision bumps it");
    // The decided move's evidence comes back as it was recorded (0006).
    assert_eq!(store.decisions("default").unwrap(), vec![d.clone()]);
    // The operators' records the console's pages read (SQLite's 0008).
    let mark = |kind| store.add_checkin_mark("default", "g1", "wechat:u1", "2024-03-01", kind).unwrap();
    let generation = || store.generation("default").unwrap().unwrap();
    mark(MarkKind::Checkin);
    let g = generation();
    assert!(g > g2, "a check-in by hand bumps it");
    mark(MarkKind::Makeup);
    assert!(generation() > g, "a check-in replaced bumps it");
    let g = generation();
    let order = OrderRecord {
        key: "o1".into(),
        platform: "wechat".into(),
        member: "u1".into(),
        at_ms: 1,
        amount_fen: 100,
        product: "书".into(),
        group: None,
    };
    store.import_orders("default", std::slice::from_ref(&order)).unwrap();
    assert!(generation() > g, "an order bumps it");
    let g = generation();
    store.import_orders("default", &[order]).unwrap();
    assert_eq!(generation(), g, "a duplicate order does not");
    let g2 = g;
    store.member_delete("default", "wechat:u2").unwrap();
    let g3 = store.generation("default").unwrap().unwrap();
    assert!(g3 > g2, "a member delete bumps it");
    store.group_delete("default", "g1").unwrap();
    assert!(store.generation("default").unwrap().unwrap() > g3, "a group delete bumps it");
}

/// An import session bumps the generation once however many files it
/// holds (0008: a bump per file updated the community's row once a file,
/// and every later foreign-key check walked those versions), and a file
/// rolled back to its savepoint takes its bump with it.
#[test]
fn a_session_of_many_files_bumps_the_generation_once() {
    let store = pg_store();
    import(&store, &[message("g1", "u1", "2024-03-01T10:00:00+08:00", "早")]);
    let generation = || store.generation("default").unwrap().unwrap();
    let g0 = generation();
    let files: Vec<Vec<Event>> = (1..=3)
        .map(|k| vec![message("g1", "u1", &format!("2024-03-0{}T10:00:00+08:00", k + 1), &format!("第{k}天"))])
        .collect();
    let mut session = store.begin_import("default").unwrap();
    for (k, events) in files.iter().enumerate() {
        let stats = session.file(&format!("day{k}"), &mut common::feed(events)).unwrap();
        assert_eq!(stats.messages, 1);
    }
    session.commit().unwrap();
    assert_eq!(generation(), g0 + 1, "three files, one bump");
    // A session whose only file fails: nothing stored, nothing bumped.
    let mut session = store.begin_import("default").unwrap();
    let mut failing = |sink: &mut dyn tonghao_model::EventSink| {
        sink.push(message("g1", "u1", "2024-03-09T10:00:00+08:00", "半途"))?;
        Err(Box::new(std::io::Error::other("cut off")) as tonghao_store::FeedError)
    };
    assert!(session.file("broken", &mut failing).is_err());
    session.commit().unwrap();
    assert_eq!(generation(), g0 + 1, "a rolled-back file leaves the generation");
    // The next session bumps again.
    import(&store, &[message("g1", "u2", "2024-03-10T10:00:00+08:00", "新人")]);
    assert_eq!(generation(), g0 + 2);
}

#[test]
fn a_newer_schema_is_refused() {
    let url = tonghao_store::test_pg::database_url();
    PgStore::open(&url).unwrap();
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.execute("UPDATE tonghao_schema SET version = version + 1", &[]).unwrap();
    match PgStore::open(&url) {
        Err(StoreError::TooNew { found, known, .. }) => assert_eq!(found, known + 1),
        other => panic!("expected TooNew, got {other:?}"),
    }
}

/// A database of the last count-numbered schema (v2, no record of applied
/// numbers) gets migrations 0003 to 0007 and records 1 to 7 as applied.
#[test]
fn a_v2_database_gets_the_migrations_numbered_after_the_gap() {
    let url = tonghao_store::test_pg::database_url();
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(include_str!("../migrations/postgres/0001_init.sql")).unwrap();
    c.batch_execute(include_str!("../migrations/postgres/0002_operations.sql")).unwrap();
    c.batch_execute("CREATE TABLE tonghao_schema (version BIGINT NOT NULL); INSERT INTO tonghao_schema VALUES (2)")
        .unwrap();
    let store = PgStore::open(&url).unwrap();
    assert_eq!(PgStore::SCHEMA_VERSION, 8);
    let applied: Vec<i64> = c
        .query("SELECT number FROM tonghao_migrations ORDER BY number", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(applied, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    let version: i64 = c.query_one("SELECT version FROM tonghao_schema", &[]).unwrap().get(0);
    assert_eq!(version, 8);
    assert!(store.templates("default").unwrap().is_empty(), "0005's tables exist");
    drop(store);
    PgStore::open(&url).unwrap();
}

/// Events as canonical JSONL lines (`kind`, `group`, `member`, ...).
fn events(lines: &[&str]) -> Vec<Event> {
    lines
        .iter()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["platform"] = "wechat".into();
            if v.get("member_name").is_none() {
                v["member_name"] = v["member"].clone();
            }
            serde_json::from_value(v).unwrap_or_else(|e| panic!("{l}: {e}"))
        })
        .collect()
}

/// Rows that name a group or member no longer there
/// ([`tonghao_store::test_pg::orphans`]): 0 after every delete, undo and merge.
fn orphans(store: &PgStore) -> Vec<(String, i64)> {
    store.test_client(tonghao_store::test_pg::orphans)
}

/// The event tables lost their foreign keys (0007): deleting a group, a
/// member (also one who invited others), undoing an import and merging a
/// name-only member leave no event that names a missing group or member,
/// and take what the cascades took.
#[test]
fn deletes_undo_and_merges_leave_no_event_without_its_group_or_member() {
    let store = pg_store();
    let fks: i64 = store.test_client(|c| {
        c.query_one(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'
             AND conrelid IN ('messages'::regclass, 'memberships'::regclass, 'activities'::regclass)",
            &[],
        )
        .unwrap()
        .get(0)
    });
    assert_eq!(fks, 0, "migration 0007 dropped them");
    let t = |m: u32| format!("2024-03-01T10:{m:02}:00+08:00");
    let file = |lines: Vec<String>| events(&lines.iter().map(String::as_str).collect::<Vec<_>>());
    // A: two groups; u2 invites u3 into g1; recalls and check-ins; a
    // name-only join of 小徐 in g2 who then speaks there by id (a merge).
    let a = file(vec![
        format!(r#"{{"kind":"message","group":"g1","member":"u1","at":"{}","id":"1","text":"早"}}"#, t(0)),
        format!(r#"{{"kind":"message","group":"g1","member":"u2","at":"{}","id":"2","text":"好"}}"#, t(1)),
        format!(r#"{{"kind":"join","group":"g1","member":"u3","at":"{}","by":{{"id":"u2"}}}}"#, t(2)),
        format!(r#"{{"kind":"message","group":"g1","member":"u3","at":"{}","id":"3","text":"hi"}}"#, t(3)),
        format!(r#"{{"kind":"recall","group":"g1","member":"u1","at":"{}","target":"1"}}"#, t(4)),
        format!(r#"{{"kind":"checkin","group":"g2","member":"u2","at":"{}","text":"第1天"}}"#, t(5)),
        format!(r#"{{"kind":"message","group":"g2","member":"u1","at":"{}","id":"4","text":"二群"}}"#, t(6)),
        format!(
            r#"{{"kind":"message","group":"g1","member":"xu","member_name":"小徐","at":"{}","id":"5","text":"一群"}}"#,
            t(7)
        ),
        format!(r#"{{"kind":"join","group":"g2","member_name":"小徐","at":"{}"}}"#, t(8)),
        format!(
            r#"{{"kind":"message","group":"g2","member":"xu","member_name":"小徐","at":"{}","id":"6","text":"二"}}"#,
            t(9)
        ),
    ]);
    import(&store, &a);
    assert_eq!(store.counts().unwrap().members, 4, "小徐's name-only join was merged into xu");
    assert_eq!(orphans(&store), vec![], "after the merge");
    // B: a group of its own, and a message in g1: undone below.
    import(
        &store,
        &file(vec![
            format!(r#"{{"kind":"message","group":"g3","member":"u4","at":"{}","id":"7","text":"三群"}}"#, t(10)),
            format!(r#"{{"kind":"join","group":"g3","member":"u5","at":"{}","by":{{"id":"u4"}}}}"#, t(11)),
            format!(r#"{{"kind":"message","group":"g1","member":"u4","at":"{}","id":"8","text":"来一群"}}"#, t(12)),
        ]),
    );
    let counts = |s: &PgStore| {
        let c = s.counts().unwrap();
        (c.groups, c.members, c.messages, c.memberships, c.activities)
    };
    let before = counts(&store);
    assert_eq!(before.0, 3, "{before:?}");
    assert!(before.4 >= 2, "the recall and the check-in: {before:?}");
    assert_eq!(orphans(&store), vec![]);

    let last = store.imports().unwrap().iter().map(|r| r.id).max().unwrap();
    let undone = store.import_undo("default", last).unwrap();
    assert_eq!((undone.messages, undone.memberships, undone.groups), (2, 1, 1), "{undone:?}");
    assert_eq!(orphans(&store), vec![], "after the undo");

    // u2 invited u3: deleting u2 clears that place (as ON DELETE SET NULL did).
    let deleted = store.member_delete("default", "wechat:u2").unwrap();
    assert_eq!(deleted.inviter_links_cleared, 1, "{deleted:?}");
    assert_eq!(orphans(&store), vec![], "after the member delete");

    let gone = store.group_delete("default", "g2").unwrap();
    assert!(gone.messages >= 2 && gone.memberships >= 1, "{gone:?}");
    assert_eq!(orphans(&store), vec![], "after the group delete");
    let per_group: Vec<(String, i64)> = store.test_client(|c| {
        c.query(
            "SELECT t, count(*) FROM (SELECT 'messages' t, group_id FROM messages UNION ALL
                 SELECT 'memberships', group_id FROM memberships UNION ALL
                 SELECT 'activities', group_id FROM activities) e
             WHERE group_id NOT IN (SELECT id FROM groups) GROUP BY t",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    });
    assert_eq!(per_group, vec![], "the deleted group's events went with it");
    let c = store.counts().unwrap();
    assert_eq!(c.groups, 1);
}
