//! PostgreSQL's batched import (COPY into staging tables, then one INSERT
//! per batch) counts exactly what SQLite's row-by-row import counts: new
//! rows, duplicates of stored rows, duplicates inside one batch, per file
//! and per group, whatever the batch size and wherever a batch ends inside
//! a file; and a file that fails after a batch was sent leaves nothing.

mod common;

use common::{feed, file_store, pg_store};
use tonghao_model::{Event, EventSink};
use tonghao_store::{FeedError, ImportStats, Ingest, PgStore, Queries, Store, TableCounts};

/// One file of every kind of event, in two groups: a repeated message id
/// (a duplicate inside the file, and inside one batch when batches are
/// large), a name-only join merged into a member who then speaks with an id
/// (the merge comes after queued rows of that member), a reply, a name
/// change, leave, role, check-in, reaction and recall, and id-less
/// messages keyed by their content.
fn file() -> Vec<Event> {
    let mut lines = vec![
        r#"{"kind":"join","platform":"wechat","group":"g1","member_name":"阿花","at":"2024-03-01T20:00:00+08:00","by":{"name":"小李"}}"#.to_string(),
        r#"{"kind":"message","platform":"wechat","group":"g1","group_name":"读书会","member":"wxid_a","member_name":"小李","at":"2024-03-01T20:01:00+08:00","id":"1","text":"欢迎阿花"}"#.into(),
        r#"{"kind":"message","platform":"wechat","group":"g1","member":"wxid_a","member_name":"小李","at":"2024-03-01T20:01:00+08:00","id":"1","text":"欢迎阿花"}"#.into(),
        r#"{"kind":"message","platform":"wechat","group":"g1","member":"wxid_b","member_name":"小徐","at":"2024-03-01T20:02:00+08:00","text":"好"}"#.into(),
        r#"{"kind":"message","platform":"wechat","group":"g1","member":"wxid_b","member_name":"小徐","at":"2024-03-01T20:02:00+08:00","text":"好"}"#.into(),
        r#"{"kind":"message","platform":"wechat","group":"g1","member":"wxid_h","member_name":"阿花","at":"2024-03-01T20:03:00+08:00","id":"2","reply_to":"1","text":"谢谢"}"#.into(),
        r#"{"kind":"reaction","platform":"wechat","group":"g1","member":"wxid_b","member_name":"小徐","at":"2024-03-01T20:04:00+08:00","target":"2","emoji":"👍"}"#.into(),
        r#"{"kind":"checkin","platform":"wechat","group":"g1","member":"wxid_h","member_name":"阿花","at":"2024-03-02T07:00:00+08:00","day":1,"text":"读了20页"}"#.into(),
        r#"{"kind":"role","platform":"wechat","group":"g1","member":"wxid_h","member_name":"阿花","at":"2024-03-02T08:00:00+08:00","role":"admin","by":{"id":"wxid_a"}}"#.into(),
        r#"{"kind":"message","platform":"wechat","group":"g1","member":"wxid_a","member_name":"李老师","at":"2024-03-02T09:00:00+08:00","id":"3","text":"改名了"}"#.into(),
        r#"{"kind":"recall","platform":"wechat","group":"g1","member":"wxid_a","member_name":"李老师","at":"2024-03-02T09:01:00+08:00","target":"3"}"#.into(),
        r#"{"kind":"leave","platform":"wechat","group":"g1","member":"wxid_b","member_name":"小徐","at":"2024-03-02T10:00:00+08:00"}"#.into(),
        r#"{"kind":"join","platform":"wechat","group":"g2","group_name":"跑步群","member":"wxid_a","member_name":"小李","at":"2024-03-02T11:00:00+08:00"}"#.into(),
    ];
    for i in 0..12 {
        let (who, name) = [("a", "李老师"), ("h", "阿花"), ("c", "阿程")][i % 3];
        lines.push(format!(
            r#"{{"kind":"message","platform":"wechat","group":"g2","member":"wxid_{who}","member_name":"{name}","at":"2024-03-02T12:{i:02}:00+08:00","text":"第{i}公里"}}"#
        ));
    }
    // The same id again at the end of the file: a duplicate in another
    // batch than its first copy when batches are small.
    lines.push(lines[1].clone());
    lines.iter().map(|l| serde_json::from_str(l).expect("a canonical event")).collect()
}

/// The same events as another exporter writes them: every id replaced, so
/// no natural key matches and only content keys do (without the repeated
/// copies of an id, which that exporter would not repeat: under new ids a
/// repeat would be a new message, the second of two alike).
fn other_rendering(events: &[Event]) -> Vec<Event> {
    let mut seen = std::collections::HashSet::new();
    let mut json: Vec<serde_json::Value> = events
        .iter()
        .filter(|e| e.header().id.as_ref().is_none_or(|id| seen.insert(id.clone())))
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    for e in &mut json {
        if let Some(id) = e.get("id").and_then(|v| v.as_str()).map(str::to_string) {
            e["id"] = format!("export2-{id}").into();
        } else if e["kind"] == "message" {
            e["id"] = format!("export2-{}-{}", e["at"].as_str().unwrap(), e["text"].as_str().unwrap()).into();
        }
    }
    json.into_iter().map(|v| serde_json::from_value(v).unwrap()).collect()
}

/// A file's tally in one group: (file, group, first, last, added, duplicates).
type Tally = (String, String, i64, i64, i64, i64);
/// A member as `Queries::members` lists them, less the row id:
/// (name, ids, messages, joined, left, role).
type MemberRow = (String, Vec<String>, u64, Option<String>, Option<String>, Option<String>);

/// What each import said, per file and per group, and what the store holds.
#[derive(Debug, PartialEq)]
struct Outcome {
    files: Vec<ImportStats>,
    /// From `import_groups`.
    tallies: Vec<Tally>,
    counts: TableCounts,
    /// Per member of each group.
    members: Vec<MemberRow>,
}

/// Per-group tallies, with the file's and the group's names for ids.
const TALLIES: &str = "SELECT i.source, g.external_id, ig.first_ms, ig.last_ms, ig.added, ig.duplicates
                       FROM import_groups ig JOIN imports i ON i.id = ig.import_id JOIN groups g ON g.id = ig.group_id
                       ORDER BY i.id, g.external_id";

fn run(store: &dyn Store, tallies: impl Fn() -> Vec<Tally>) -> Outcome {
    let a = file();
    let files = vec![
        store.import("default", "first", &mut feed(&a)).unwrap(),
        store.import("default", "again", &mut feed(&a)).unwrap(),
        store.import("default", "other-rendering", &mut feed(&other_rendering(&a))).unwrap(),
    ];
    let mut members = Vec::new();
    for g in ["g1", "g2"] {
        for m in store.members("default", g).unwrap() {
            members.push((m.name, m.ids, m.messages, m.joined, m.left, m.role));
        }
    }
    Outcome { files, tallies: tallies(), counts: store.counts().unwrap(), members }
}

fn on_sqlite() -> Outcome {
    let (dir, store) = file_store();
    run(&store, || {
        let c = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
        let mut stmt = c.prepare(TALLIES).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    })
}

fn on_postgres(batch: Option<usize>) -> Outcome {
    let store = pg_store();
    if let Some(rows) = batch {
        store.set_import_batch(rows);
    }
    run(&store, || pg_tallies(&store))
}

fn pg_tallies(store: &PgStore) -> Vec<Tally> {
    store.test_client(|c| {
        c.query(TALLIES, &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
            .collect()
    })
}

/// A file imported twice, then as another exporter renders it: the second
/// and third imports find every row stored (by natural key, then by
/// content key), and every figure matches SQLite's, with one batch for the
/// whole file, a batch per row, and batch boundaries in between.
#[test]
fn batched_import_counts_what_sqlite_counts() {
    let sqlite = on_sqlite();
    let events = file().len() as u64;
    let first = &sqlite.files[0];
    // Two copies of id "1" after the first, the rest new.
    assert_eq!(first.duplicates, 2, "{first:?}");
    assert_eq!(first.messages + first.joins + first.leaves + first.roles + first.activities, events - 2);
    assert_eq!((first.replies, first.groups), (1, 2));
    for (again, events) in sqlite.files[1..].iter().zip([events, other_rendering(&file()).len() as u64]) {
        assert_eq!(again.duplicates, events, "every row is stored already: {again:?}");
        assert_eq!(again.messages + again.joins + again.leaves + again.roles + again.activities + again.members, 0);
    }
    assert_eq!(sqlite.tallies.len(), 6, "two groups per file: {:?}", sqlite.tallies);
    assert!(sqlite.tallies[2..].iter().all(|t| t.4 == 0), "nothing added again: {:?}", sqlite.tallies);
    assert_eq!(sqlite.counts.messages, first.messages);
    assert!(sqlite.members.iter().any(|m| m.0 == "李老师" && m.1 == ["wechat:wxid_a"]), "{:?}", sqlite.members);
    assert!(
        sqlite.members.iter().any(|m| m.0 == "阿花" && m.1 == ["wechat:wxid_h"] && m.5.as_deref() == Some("admin")),
        "the name-only joiner merged into the member who spoke: {:?}",
        sqlite.members
    );

    for batch in [None, Some(1), Some(3), Some(7)] {
        let pg = on_postgres(batch);
        assert_eq!(pg, sqlite, "PostgreSQL with batches of {batch:?} rows");
    }
}

/// The same three files in one session: the second and third find the
/// first's rows, which the session wrote into groups it created itself
/// (their messages are answered by the session's own record of their keys
/// and copied straight into the table), as SQLite counts them; with
/// batches of 1 and 3 rows that record is too small for the session and
/// forgets groups on the way (they go through the staging table again).
#[test]
fn one_session_of_the_same_files_counts_what_sqlite_counts() {
    let a = file();
    let files = [("first", a.clone()), ("again", a.clone()), ("other-rendering", other_rendering(&a))];
    let run = |store: &dyn Store| {
        let mut session = store.begin_import("default").unwrap();
        let stats: Vec<ImportStats> =
            files.iter().map(|(name, events)| session.file(name, &mut feed(events)).unwrap()).collect();
        session.commit().unwrap();
        let mut members = Vec::new();
        for g in ["g1", "g2"] {
            for m in store.members("default", g).unwrap() {
                members.push((m.name, m.ids, m.messages, m.joined, m.left, m.role));
            }
        }
        (stats, store.counts().unwrap(), members)
    };
    let (_dir, sqlite) = file_store();
    let expected = run(&sqlite);
    assert_eq!(expected.0[1].duplicates, a.len() as u64, "{expected:?}");
    for batch in [None, Some(1), Some(3), Some(7)] {
        let pg = pg_store();
        if let Some(rows) = batch {
            pg.set_import_batch(rows);
        }
        assert_eq!(run(&pg), expected, "batches of {batch:?}");
    }
}

/// A file that fails after batches of it were sent leaves nothing of
/// itself: its rows, names, members and import record go; the files
/// before it stay, and the next file of the session imports as if it had
/// never been tried.
#[test]
fn a_file_failing_after_a_batch_leaves_nothing() {
    let store = pg_store();
    store.set_import_batch(3);
    let a = file();
    let mut session = store.begin_import("default").unwrap();
    let kept = session.file("first", &mut feed(&a[..4])).unwrap();
    // Sequences are not transactional: another connection sees how many
    // ids the session took, i.e. how many rows it copied into staging.
    let ids_taken =
        || -> i64 { store.test_client(|c| c.query_one("SELECT last_value FROM messages_id_seq", &[]).unwrap().get(0)) };
    let before = ids_taken();
    let rest = &a[4..];
    let mut pushed = 0;
    let failed = session.file("broken", &mut |sink: &mut dyn EventSink| {
        for e in rest {
            sink.push(e.clone())?;
            pushed += 1;
        }
        Err(FeedError::from("broken.jsonl line 22: expected a JSON object"))
    });
    assert!(failed.unwrap_err().to_string().contains("line 22"));
    assert!(pushed > 6);
    assert!(ids_taken() >= before + 3, "batches of the failed file were copied before it failed");
    let retried = session.file("retried", &mut feed(rest)).unwrap();
    session.commit().unwrap();

    // What the session kept is what two good files store.
    let c = store.counts().unwrap();
    let sources: Vec<String> = store.imports().unwrap().into_iter().map(|r| r.source).collect();
    assert_eq!(sources, ["first", "retried"]);
    let (sqlite_dir, sqlite) = file_store();
    let _keep = sqlite_dir;
    let s_kept = sqlite.import("default", "first", &mut feed(&a[..4])).unwrap();
    let s_retried = sqlite.import("default", "retried", &mut feed(rest)).unwrap();
    assert_eq!((&kept, &retried), (&s_kept, &s_retried));
    assert_eq!(c, sqlite.counts().unwrap());
    assert!(retried.messages > 10, "{retried:?}");
    let tallies = pg_tallies(&store);
    assert!(tallies.iter().all(|t| t.0 != "broken"), "{tallies:?}");
    // Nothing names the failed file's import id.
    let orphans: i64 = store.test_client(|c| {
        c.query_one(
            "SELECT (SELECT count(*) FROM messages WHERE import_id NOT IN (SELECT id FROM imports))
                  + (SELECT count(*) FROM memberships WHERE import_id NOT IN (SELECT id FROM imports))
                  + (SELECT count(*) FROM activities WHERE import_id NOT IN (SELECT id FROM imports))",
            &[],
        )
        .unwrap()
        .get(0)
    });
    assert_eq!(orphans, 0);
}

/// A message in IRC channel `#g` by `member` (None: known by name only)
/// named `name`.
fn said(member: Option<&str>, name: &str, at: &str, text: &str) -> Event {
    let mut e = serde_json::json!({
        "kind": "message", "platform": "irc", "group": "#g", "member_name": name, "at": at, "text": text,
    });
    if let Some(m) = member {
        e["member"] = m.into();
    }
    serde_json::from_value(e).unwrap()
}

/// Names across the files of one session: display names follow the latest
/// use (an older file read later does not win; a file rolled back leaves
/// its names nowhere), and people known by name only are the same member
/// in every file, as on SQLite.
#[test]
fn names_across_the_files_of_a_session_are_as_on_sqlite() {
    let files: Vec<(&str, Vec<Event>, bool)> = vec![
        (
            "day1",
            vec![said(Some("u1"), "甲", "2024-03-01T10:00:00Z", "a"), said(None, "nick", "2024-03-01T10:01:00Z", "b")],
            true,
        ),
        (
            "day3",
            vec![said(Some("u1"), "乙", "2024-03-03T10:00:00Z", "c"), said(None, "nick", "2024-03-03T10:01:00Z", "d")],
            true,
        ),
        (
            "day5-broken",
            vec![said(Some("u1"), "丙", "2024-03-05T10:00:00Z", "e"), said(None, "nick", "2024-03-05T10:01:00Z", "f")],
            false,
        ),
        (
            "day2",
            vec![said(Some("u1"), "丁", "2024-03-02T10:00:00Z", "g"), said(None, "nick", "2024-03-02T10:01:00Z", "h")],
            true,
        ),
        (
            "day4",
            vec![said(None, "nick", "2024-03-04T10:00:00Z", "i"), said(Some("u1"), "乙", "2024-03-04T10:01:00Z", "j")],
            true,
        ),
    ];
    let run = |store: &dyn Store| {
        let mut session = store.begin_import("default").unwrap();
        let mut stats = Vec::new();
        for (name, events, ok) in &files {
            let result = session.file(name, &mut |sink: &mut dyn EventSink| {
                for e in events {
                    sink.push(e.clone())?;
                }
                if *ok { Ok(Some("test".into())) } else { Err(FeedError::from("truncated")) }
            });
            stats.push(result.ok());
        }
        session.commit().unwrap();
        let members: Vec<(String, Vec<String>, u64)> =
            store.members("default", "#g").unwrap().into_iter().map(|m| (m.name, m.ids, m.messages)).collect();
        (stats, members, store.counts().unwrap())
    };
    let (_dir, sqlite) = file_store();
    let expected = run(&sqlite);
    assert!(expected.1.contains(&("乙".to_string(), vec!["irc:u1".to_string()], 4)), "{expected:?}");
    assert!(expected.1.contains(&("nick".to_string(), vec![], 4)), "{expected:?}");
    for batch in [None, Some(1)] {
        let pg = pg_store();
        if let Some(rows) = batch {
            pg.set_import_batch(rows);
        }
        assert_eq!(run(&pg), expected, "batches of {batch:?}");
    }
}
