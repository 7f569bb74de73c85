//! What only the SQLite backend promises: its schema versions and
//! migrations, concurrent first opens, the indexes merges rely on, and the
//! one connection shared between threads.

mod common;

use common::{feed, file_store, import};
use std::path::Path;
use tonghao_model::{Event, Header, Message, Platform};
use tonghao_store::{ErrorKind, Ingest, Privacy, Queries, SqliteStore};

fn message(group: &str, member: &str, name: &str, t: &str, id: &str) -> Event {
    Event::Message(Message {
        header: Header {
            platform: Platform::Wechat,
            group: group.into(),
            group_name: None,
            member: Some(member.into()),
            member_name: Some(name.into()),
            at: chrono::DateTime::parse_from_rfc3339(t).expect("test time"),
            id: Some(id.into()),
        },
        reply_to: None,
        mentions: vec![],
        content_type: Default::default(),
        text: format!("message {id}"),
        bot: false,
        edited_at: None,
    })
}

fn user_version(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
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

/// A store written by the previous release (schema v2, made here from its
/// own migration files) opens, migrates to v3 with the merge indexes, keeps
/// every row, and a later import merges a name-only member of the old data
/// into a known id through the new indexes.
#[test]
fn a_v2_database_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0001_init.sql")).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0002_suppressed_identities.sql")).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        // 小徐 (wxid_xu) speaks in group h; in group g, a join line named
        // 小徐 only, invited by 小李 (wxid_li).
        conn.execute_batch(
            "INSERT INTO communities (id, name, created_ms) VALUES (1, 'default', 0);
             INSERT INTO groups (id, community_id, platform, external_id, name, tz_offset_s)
                 VALUES (1, 1, 'wechat', 'h@chatroom', 'H', 28800), (2, 1, 'wechat', 'g@chatroom', 'G', 28800);
             INSERT INTO members (id, community_id, display_name, name_ms) VALUES
                 (1, 1, '小徐', 1709290000000), (2, 1, '小李', 1709290000000), (3, 1, '小徐', 1709300000000);
             INSERT INTO identities VALUES
                 (1, 'wechat', 'wxid_xu', 1), (1, 'wechat', 'wxid_li', 2), (1, 'wechat', '~name:g@chatroom:小徐', 3);
             INSERT INTO member_names VALUES
                 (1, 1, 1, '小徐', 1709290000000, 1709290000000), (1, 2, 2, '小李', 1709290000000, 1709290000000),
                 (1, 3, 2, '小徐', 1709300000000, 1709300000000);
             INSERT INTO messages (community_id, group_id, member_id, at_ms, key, content_type, text)
                 VALUES (1, 1, 1, 1709290000000, 'h1', 'text', '在H群'), (1, 2, 2, 1709290000000, 'g1', 'text', '欢迎');
             INSERT INTO memberships (community_id, group_id, member_id, kind, at_ms, by_member_id, key)
                 VALUES (1, 2, 3, 'join', 1709300000000, 2, 'h:join');",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(user_version(&path), SqliteStore::SCHEMA_VERSION);
    // v4 backfills each group's covered span from its own events.
    let covered: Vec<(i64, i64, i64)> = store
        .test_connection()
        .prepare("SELECT group_id, first_ms, last_ms FROM group_coverage ORDER BY group_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!covered.is_empty() && covered.iter().all(|(_, a, b)| a <= b), "{covered:?}");
    let indexes: Vec<String> = store
        .test_connection()
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('messages_member', 'memberships_by')",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(indexes.len(), 2, "{indexes:?}");
    let c = store.counts().unwrap();
    assert_eq!((c.members, c.messages, c.memberships), (3, 2, 1));

    // 小徐 speaks in g with the id known from h: the name-only member of the
    // old data is them.
    let stats = import(&store, &[message("g@chatroom", "wxid_xu", "小徐", "2024-03-02T20:00:00+08:00", "g2")]);
    assert_eq!((stats.messages, stats.members), (1, 0));
    assert_eq!(store.counts().unwrap().members, 2);
    let xu = store.member_export("default", "wechat:wxid_xu").unwrap();
    assert_eq!(xu.messages.len(), 2);
    let join = xu.memberships.iter().find(|m| m.kind == "join").expect("the old join moved to 小徐");
    assert_eq!(join.other_member_id, Some(2), "invited by 小李");
    let check: String = store.test_connection().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    // Opening again finds nothing to do.
    drop(store);
    drop(SqliteStore::open(&path).unwrap());
    assert_eq!(user_version(&path), SqliteStore::SCHEMA_VERSION);
}

/// Merges find the rows they move through indexes, never by scanning every
/// message (issue 8: a full scan per merge made imports quadratic).
#[test]
fn merge_statements_use_indexes() {
    let (_dir, store) = file_store();
    let conn = store.test_connection();
    let statements = SqliteStore::test_merge_statements();
    assert!(statements.len() >= 10, "{statements:?}");
    for sql in statements {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let args = vec![1i64; stmt.parameter_count()];
        let plan: Vec<String> =
            stmt.query_map(rusqlite::params_from_iter(args), |r| r.get(3)).unwrap().collect::<Result<_, _>>().unwrap();
        // A SEARCH through an index or the primary key, never a SCAN of the
        // table (a merge per name-only person made imports quadratic).
        assert!(plan.iter().all(|p| p.starts_with("SEARCH ")), "{sql}: {plan:?}");
    }
}

/// Two processes doing their first import into the same new database at once
/// both succeed (issue 9: one failed in 28 of 30 runs with "table
/// communities already exists" or "database is locked"). Two threads with a
/// store each stand in for the processes: each has its own connection, and
/// SQLite's locks work the same between them. 30 rounds, a new file each.
#[test]
fn concurrent_first_imports_both_succeed() {
    for round in 0..30 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let start = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            let runs: Vec<_> = (0..2)
                .map(|who| {
                    let (path, start) = (&path, &start);
                    s.spawn(move || -> Result<u64, String> {
                        let events: Vec<Event> = (0..50)
                            .map(|i| {
                                let t = format!("2024-03-01T20:{:02}:00+08:00", i);
                                message("g@chatroom", &format!("wxid_{who}"), "某人", &t, &format!("{who}-{i}"))
                            })
                            .collect();
                        start.wait();
                        let store = SqliteStore::open(path).map_err(|e| format!("open: {e}"))?;
                        let stats =
                            store.import("default", "f", &mut feed(&events)).map_err(|e| format!("import: {e}"))?;
                        Ok(stats.messages)
                    })
                })
                .collect();
            for (who, run) in runs.into_iter().enumerate() {
                assert_eq!(run.join().unwrap(), Ok(50), "round {round}, process {who}");
            }
        });
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.counts().unwrap().messages, 100, "round {round}");
        assert_eq!(user_version(&path), SqliteStore::SCHEMA_VERSION);
    }
}

/// One store shared between threads: a query from the thread holding an
/// import session is refused as busy (it would wait for itself), another
/// thread's query waits for the commit and then sees the rows.
#[test]
fn a_session_holds_the_store_until_it_ends() {
    let (_dir, store) = file_store();
    let store = std::sync::Arc::new(store);
    let mut session = store.begin_import("default").unwrap();
    session.file("f", &mut feed(&[message("g@chatroom", "wxid_a", "小李", "2024-03-01T20:00:00+08:00", "1")])).unwrap();
    let err = store.counts().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Busy, "{err}");
    let reader = {
        let store = store.clone();
        std::thread::spawn(move || store.counts().unwrap().messages)
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    session.commit().unwrap();
    assert_eq!(reader.join().unwrap(), 1, "the reader saw the committed file");
    assert_eq!(store.counts().unwrap().messages, 1);
}

/// A file whose event the database refuses (here a trigger) rolls back to
/// its savepoint; the session goes on and commits the other files.
#[test]
fn a_refused_row_fails_only_its_file() {
    let (_dir, store) = file_store();
    store
        .test_connection()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.key = 'bad'
             BEGIN SELECT RAISE(ABORT, 'refused by test'); END;",
        )
        .unwrap();
    let mut session = store.begin_import("default").unwrap();
    let ok = [message("g@chatroom", "wxid_a", "小李", "2024-03-01T20:00:00+08:00", "1")];
    session.file("one", &mut feed(&ok)).unwrap();
    let bad = [
        message("g@chatroom", "wxid_b", "小徐", "2024-03-01T20:01:00+08:00", "2"),
        message("g@chatroom", "wxid_b", "小徐", "2024-03-01T20:02:00+08:00", "bad"),
    ];
    let err = session.file("two", &mut feed(&bad)).unwrap_err().to_string();
    assert!(err.contains("refused by test") && err.contains("t.db"), "names the database: {err}");
    let later = [message("g@chatroom", "wxid_c", "阿花", "2024-03-01T20:03:00+08:00", "3")];
    session.file("three", &mut feed(&later)).unwrap();
    session.commit().unwrap();
    let c = store.counts().unwrap();
    assert_eq!((c.messages, c.members), (2, 2));
}

/// In a session into an empty store, `messages_member` is rebuilt at commit
/// and merges move their messages then: a name-only member's message ends
/// up with the member their id names, a file rolled back after its merges
/// moves nothing, and the index is back afterwards.
#[test]
fn merges_in_a_first_session_move_messages_at_commit() {
    let (_dir, store) = file_store();
    let by_name = |group: &str, name: &str, t: &str, id: &str| {
        let mut e = message(group, "x", name, t, id);
        if let Event::Message(m) = &mut e {
            m.header.member = None;
            m.header.id = None;
            m.text = format!("name-only {id}");
        }
        e
    };
    let mut session = store.begin_import("default").unwrap();
    let a = [message("h@chatroom", "wxid_xu", "小徐", "2024-03-01T20:00:00+08:00", "h1")];
    session.file("a", &mut feed(&a)).unwrap();
    // In g, 小徐 first speaks by name only, then with the id known from h.
    let b = [
        by_name("g@chatroom", "小徐", "2024-03-02T20:00:00+08:00", "g1"),
        message("g@chatroom", "wxid_xu", "小徐", "2024-03-02T20:01:00+08:00", "g2"),
    ];
    let stats = session.file("b", &mut feed(&b)).unwrap();
    assert_eq!((stats.messages, stats.members), (2, 0));
    // The same in k, then the file fails: its merge must not move anything.
    let c = [
        by_name("k@chatroom", "小徐", "2024-03-03T20:00:00+08:00", "k1"),
        message("k@chatroom", "wxid_xu", "小徐", "2024-03-03T20:01:00+08:00", "k2"),
    ];
    let failed = session.file("c", &mut |sink: &mut dyn tonghao_model::EventSink| {
        for e in &c {
            sink.push(e.clone())?;
        }
        Err("c.csv line 3: truncated".into())
    });
    assert!(failed.is_err());
    session.commit().unwrap();

    let xu = store.member_export("default", "wechat:wxid_xu").unwrap();
    let keys: Vec<&str> = xu.messages.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(xu.messages.iter().any(|m| m.text == "name-only g1"));
    let c = store.counts().unwrap();
    assert_eq!((c.members, c.messages), (1, 3));
    let conn = store.test_connection();
    let plan: Vec<String> = conn
        .prepare("EXPLAIN QUERY PLAN UPDATE messages SET member_id = 2 WHERE member_id = 1")
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(plan.iter().any(|p| p.contains("messages_member")), "{plan:?}");
    let orphans: i64 = conn
        .query_row("SELECT count(*) FROM messages WHERE member_id NOT IN (SELECT id FROM members)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(orphans, 0);
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

/// A second import started while another one's session holds the database
/// for longer than the usual five-second wait begins once the first commits,
/// instead of failing with "database is locked".
#[test]
fn a_second_import_waits_for_the_first() {
    let (dir, first) = file_store();
    let path = dir.path().join("t.db");
    let mut session = first.begin_import("default").unwrap();
    session.file("a", &mut feed(&[message("g@chatroom", "wxid_a", "小李", "2024-03-01T20:00:00+08:00", "1")])).unwrap();
    let second = std::thread::spawn(move || {
        let store = SqliteStore::open(&path).unwrap();
        let started = std::time::Instant::now();
        let events = [message("g@chatroom", "wxid_b", "小徐", "2024-03-01T20:01:00+08:00", "2")];
        let stats = store.import("default", "b", &mut feed(&events)).map_err(|e| e.to_string());
        (stats.map(|s| s.messages), started.elapsed())
    });
    std::thread::sleep(std::time::Duration::from_secs(6));
    session.commit().unwrap();
    let (stats, waited) = second.join().unwrap();
    assert_eq!(stats, Ok(1));
    assert!(waited >= std::time::Duration::from_secs(5), "{waited:?}");
    assert_eq!(first.counts().unwrap().messages, 2);
}

/// A store written before activities were keyed per docs/events.md holds
/// each under its content alone: one of two identical check-ins. Importing
/// the same export again gives that row its natural key and adds only the
/// check-in that had been lost — nothing twice.
#[test]
fn activities_keyed_by_content_by_an_older_release_are_upgraded_not_duplicated() {
    use tonghao_model::{Checkin, Event, Header, Platform};
    let (_dir, store) = common::file_store();
    let checkin = |member: &str, t: &str| {
        Event::Checkin(Checkin {
            header: Header {
                platform: Platform::Wechat,
                group: "g@chatroom".into(),
                group_name: None,
                member: Some(member.into()),
                member_name: None,
                at: chrono::DateTime::parse_from_rfc3339(t).unwrap(),
                id: None,
            },
            challenge: None,
            day: None,
            text: "#打卡 第1天".into(),
        })
    };
    let events = vec![checkin("wxid_a", "2024-03-01T07:00:00+08:00"), checkin("wxid_b", "2024-03-01T07:05:00+08:00")];
    common::import(&store, &events[..1]);
    // What the older release stored: the first check-in under its text.
    store.test_connection().execute("UPDATE activities SET key = '#打卡 第1天'", []).unwrap();
    // As migration 0005 marks a store that held activities before.
    store.test_connection().execute("INSERT INTO store_flags VALUES ('legacy_activity_keys', 1)", []).unwrap();
    let again = common::import(&store, &events);
    assert_eq!((again.activities, again.duplicates), (1, 1));
    let keys: Vec<String> = store
        .test_connection()
        .prepare("SELECT key FROM activities ORDER BY at_ms")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k != "#打卡 第1天"), "the old key was replaced: {keys:?}");
    let third = common::import(&store, &events);
    assert_eq!((third.activities, third.duplicates), (0, 2));
}

/// As on PostgreSQL (`postgres.rs`), every primary and unique key of a
/// table that belongs to a community includes `community_id`: the store's
/// keys are the ones a sharded store distributes by. A rowid alias (`id
/// INTEGER PRIMARY KEY`) is SQLite's row address, not a key of the data.
#[test]
fn every_primary_and_unique_key_includes_the_community() {
    const REFERENCE_TABLES: &[&str] =
        &["users", "sessions", "login_failures", "audit_log", "communities", "store_flags", "schema_migrations"];
    let (_dir, store) = file_store();
    let conn = store.test_connection();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tables.len() >= 20, "{tables:?}");
    let mut bad = Vec::new();
    for table in tables.iter().filter(|t| !REFERENCE_TABLES.contains(&t.as_str())) {
        let columns = |sql: &str| -> Vec<(String, i64)> {
            conn.prepare(sql)
                .unwrap()
                .query_map([], |r| Ok((r.get(1)?, r.get(5).unwrap_or(0))))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let info = columns(&format!("PRAGMA table_info({table})"));
        assert!(
            info.iter().any(|(c, _)| c == "community_id"),
            "{table} has no community_id and is not a reference table"
        );
        let pk: Vec<&str> = info.iter().filter(|(_, pk)| *pk > 0).map(|(c, _)| c.as_str()).collect();
        if !pk.is_empty() && pk != ["id"] && !pk.contains(&"community_id") {
            bad.push(format!("{table} primary key {pk:?}"));
        }
        let unique_indexes: Vec<String> = conn
            .prepare(&format!("PRAGMA index_list({table})"))
            .unwrap()
            .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, bool>(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .filter_map(|(index, unique)| unique.then_some(index))
            .collect();
        for index in unique_indexes {
            let cols: Vec<String> = conn
                .prepare(&format!("PRAGMA index_info('{index}')"))
                .unwrap()
                .query_map([], |r| r.get(2))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            if !cols.iter().any(|c| c == "community_id") {
                bad.push(format!("{table} unique {index} {cols:?}"));
            }
        }
    }
    assert!(bad.is_empty(), "keys without community_id: {bad:?}");
}

/// A database of the last count-numbered schema (v9, no record of applied
/// numbers) gets migrations 0010 and after and records them all as applied, and
/// opening it again finds nothing to do.
#[test]
fn a_v9_database_gets_the_migrations_numbered_after_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v9.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in [
            include_str!("../migrations/sqlite/0001_init.sql"),
            include_str!("../migrations/sqlite/0002_suppressed_identities.sql"),
            include_str!("../migrations/sqlite/0003_member_indexes.sql"),
            include_str!("../migrations/sqlite/0004_group_coverage.sql"),
            include_str!("../migrations/sqlite/0005_move_decisions.sql"),
            include_str!("../migrations/sqlite/0006_operations.sql"),
            include_str!("../migrations/sqlite/0007_accounts.sql"),
            include_str!("../migrations/sqlite/0008_notes_and_ops_generation.sql"),
            include_str!("../migrations/sqlite/0009_operations_team.sql"),
        ] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(SqliteStore::SCHEMA_VERSION, 14);
    assert_eq!(user_version(&path), 14);
    let applied: Vec<i64> = store
        .test_connection()
        .prepare("SELECT number FROM schema_migrations ORDER BY number")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(applied, (1..=14).collect::<Vec<i64>>());
    use tonghao_store::Operations;
    assert!(store.resources("default").unwrap().is_empty(), "0012's tables exist");
    drop(store);
    drop(SqliteStore::open(&path).unwrap());
    assert_eq!(user_version(&path), 14);
}

/// A decision keeps the evidence of the move it decided (migration 0013),
/// and a row written without it (before 0013) reads as empty evidence.
#[test]
fn a_decision_keeps_its_evidence() {
    use tonghao_model::decision::{DecidedEvidence, Decision, Verdict};
    use tonghao_store::Operations;
    let (_dir, store) = file_store();
    import(&store, &[message("g1", "u1", "小一", "2024-03-01T10:00:00+08:00", "1")]);
    let gid: i64 = store.test_connection().query_row("SELECT id FROM groups", [], |r| r.get(0)).unwrap();
    let d = Decision {
        move_id: "split-1".into(),
        kind: "split".into(),
        group: gid,
        member: None,
        verdict: Verdict::Done,
        at_ms: 5,
        evidence: DecidedEvidence { members: vec![], messages: vec![9], groups: vec![vec![1, 2], vec![3]] },
    };
    store.record_decision("default", &d).unwrap();
    store
        .test_connection()
        .execute(
            "INSERT INTO move_decisions (community_id, move_id, kind, group_id, member_id, verdict, at_ms)
             SELECT community_id, 'welcome-2', 'welcome', id, NULL, 'done', 6 FROM groups",
            [],
        )
        .unwrap();
    let got = store.decisions("default").unwrap();
    assert_eq!(got[0], d);
    assert_eq!((got[1].move_id.as_str(), &got[1].evidence), ("welcome-2", &DecidedEvidence::default()));
}
