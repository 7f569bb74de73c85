//! Secure erase, proved on the bytes: after `tonghao member delete` and
//! `tonghao groups delete`, no text unique to what was deleted is left in
//! the database's files (SQLite: the file and its -wal; PostgreSQL: the
//! database's data files). Each test first finds every such text in the
//! files, so it can fail. The history is the demo community the simulator
//! writes as real WeChat, QQ and Telegram exports, imported by the binary.

mod common;

use common::{demo_store, json, ok, sim_history};
use std::path::{Path, PathBuf};
use tonghao_store::{PgStore, SqliteStore};

/// Up to 300 texts of at least 6 bytes among `mine` that are in none of
/// `others` (whole or as part): what must be gone after the erase.
fn unique(mine: Vec<String>, others: &[String]) -> Vec<String> {
    let mut mine: Vec<String> = mine.into_iter().filter(|t| t.len() >= 6).collect();
    mine.sort();
    mine.dedup();
    // Exact repeats first (cheap), then the few left against every text.
    let exact: std::collections::HashSet<&str> = others.iter().map(String::as_str).collect();
    mine.retain(|t| !exact.contains(t.as_str()));
    // A spread sample of 300: each is searched for in tens of megabytes.
    let step = mine.len().div_ceil(300).max(1);
    let mine: Vec<String> = mine.into_iter().step_by(step).collect();
    let all_others = others.join("\u{0}");
    mine.into_iter().filter(|t| !all_others.contains(t.as_str())).collect()
}

/// Texts of the messages `filter` (SQL on `messages`) selects, and of the rest.
fn texts_sqlite(db: &Path, filter: &str) -> (Vec<String>, Vec<String>) {
    let store = SqliteStore::open(db).unwrap();
    let conn = store.test_connection();
    let q = |sql: &str| -> Vec<String> {
        conn.prepare(sql).unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    (
        q(&format!("SELECT text FROM messages WHERE {filter}")),
        q(&format!("SELECT text FROM messages WHERE NOT ({filter})")),
    )
}

/// How many of `texts` appear as bytes in `files` (those that exist).
fn found_in(files: &[PathBuf], texts: &[String]) -> usize {
    let mut bytes = Vec::new();
    for f in files {
        if let Ok(b) = std::fs::read(f) {
            bytes.extend_from_slice(&b);
            bytes.push(0);
        }
    }
    // Lossy decoding keeps every valid UTF-8 run as it is, so a stored text
    // is found exactly when its bytes are there.
    let haystack = String::from_utf8_lossy(&bytes);
    texts.iter().filter(|t| haystack.contains(t.as_str())).count()
}

fn sqlite_files(db: &Path) -> Vec<PathBuf> {
    vec![db.to_path_buf(), PathBuf::from(format!("{}-wal", db.display()))]
}

/// The member with the most messages, as `platform:id`, and their store id.
fn busiest_member(db: &Path) -> (String, i64) {
    let store = SqliteStore::open(db).unwrap();
    store
        .test_connection()
        .query_row(
            "SELECT i.platform || ':' || i.external_id, m.member_id FROM messages m
             JOIN identities i ON i.member_id = m.member_id AND i.external_id NOT LIKE '~%'
             GROUP BY m.member_id ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn member_delete_leaves_none_of_their_texts_in_the_sqlite_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let (member_ref, id) = busiest_member(&db);
    let (mine, others) = texts_sqlite(&db, &format!("member_id = {id}"));
    let gone = unique(mine, &others);
    assert!(gone.len() >= 20, "the demo member has texts of their own: {}", gone.len());
    let files = sqlite_files(&db);
    assert_eq!(found_in(&files, &gone), gone.len(), "before: every one is in the files");

    let out = json(&ok(Some(&db), &["--json", "member", "delete", "--yes", &member_ref]));
    assert!(out["messages"].as_u64().unwrap() > 0);
    assert_eq!(found_in(&files, &gone), 0, "after: none of {} texts is left in {}", gone.len(), db.display());
    let log = tonghao_store::Accounts::audit_log(&SqliteStore::open(&db).unwrap(), 10).unwrap();
    assert!(log.iter().any(|e| e.action == "delete-member" && e.target == member_ref), "audited: {log:?}");
    // The scan reads the files: everyone else's texts are still there.
    let kept = unique(others.into_iter().take(200).collect(), &[]);
    assert_eq!(found_in(&files, &kept), kept.len());
}

#[test]
fn group_delete_leaves_none_of_its_texts_in_the_sqlite_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let (gid, name): (i64, String) = SqliteStore::open(&db)
        .unwrap()
        .test_connection()
        .query_row(
            "SELECT g.id, g.name FROM groups g JOIN messages m ON m.group_id = g.id
             GROUP BY g.id ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let (mine, others) = texts_sqlite(&db, &format!("group_id = {gid}"));
    let gone = unique(mine, &others);
    assert!(gone.len() >= 20, "the group has texts of its own: {}", gone.len());
    let files = sqlite_files(&db);
    assert_eq!(found_in(&files, &gone), gone.len(), "before: every one is in the files");

    ok(Some(&db), &["groups", "delete", "--yes", &name]);
    assert_eq!(found_in(&files, &gone), 0, "after: none of {} texts is left in {}", gone.len(), db.display());
}

/// The database's own data files on the test server (root can read them),
/// after a checkpoint wrote every changed page.
fn pg_data_files(store: &PgStore) -> Vec<PathBuf> {
    let (data, oid): (String, u32) = store.test_client(|c| {
        c.batch_execute("CHECKPOINT").unwrap();
        let r = c
            .query_one(
                "SELECT current_setting('data_directory'), oid FROM pg_database WHERE datname = current_database()",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    });
    let base = Path::new(&data).join("base").join(oid.to_string());
    std::fs::read_dir(&base).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect()
}

/// What must be gone once the messages `filter` (SQL on `messages`)
/// selects are erased from a PostgreSQL store: see [`unique`].
fn pg_unique(store: &PgStore, filter: &str) -> Vec<String> {
    let q = |sql: String| -> Vec<String> {
        store.test_client(|c| c.query(sql.as_str(), &[]).unwrap().iter().map(|r| r.get(0)).collect())
    };
    unique(
        q(format!("SELECT text FROM messages WHERE {filter}")),
        &q(format!("SELECT text FROM messages WHERE NOT ({filter})")),
    )
}

/// The write-ahead log's segments on the test server.
fn pg_wal_files(store: &PgStore) -> Vec<PathBuf> {
    let data: String =
        store.test_client(|c| c.query_one("SELECT current_setting('data_directory')", &[]).unwrap().get(0));
    std::fs::read_dir(Path::new(&data).join("pg_wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect()
}

#[test]
fn member_and_group_delete_leave_no_text_in_postgres_data_files() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim_history(dir.path());
    // Two telegram chats (1,400 messages): the whole demo history is
    // slower to import on PostgreSQL (docs/postgres.md, "Measured").
    let url = tonghao_store::test_pg::database_url();
    let db = Path::new(&url);
    ok(Some(db), &["import", sim.join("telegram").to_str().unwrap()]);
    let store = PgStore::open(&url).unwrap();
    let (member_ref, id): (String, i64) = store.test_client(|c| {
        let r = c
            .query_one(
                "SELECT i.platform || ':' || i.external_id, m.member_id FROM messages m
                 JOIN identities i ON i.community_id = m.community_id AND i.member_id = m.member_id
                     AND i.external_id NOT LIKE '~%'
                 GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    });
    let gone = pg_unique(&store, &format!("member_id = {id}"));
    assert!(gone.len() >= 20, "the member has texts of their own: {}", gone.len());
    assert_eq!(found_in(&pg_data_files(&store), &gone), gone.len(), "before: every one is in the data files");
    ok(Some(db), &["member", "delete", "--yes", &member_ref]);
    assert_eq!(found_in(&pg_data_files(&store), &gone), 0, "after: none of {} member texts is left", gone.len());
    // What docs/postgres.md says: the log keeps them until its segments are recycled.
    eprintln!("member texts still in pg_wal: {} of {}", found_in(&pg_wal_files(&store), &gone), gone.len());

    let (gid, name): (i64, String) = store.test_client(|c| {
        let r = c.query_one("SELECT id, name FROM groups ORDER BY id LIMIT 1", &[]).unwrap();
        (r.get(0), r.get(1))
    });
    let gone = pg_unique(&store, &format!("group_id = {gid}"));
    assert!(gone.len() >= 20, "the group has texts of its own: {}", gone.len());
    assert_eq!(found_in(&pg_data_files(&store), &gone), gone.len(), "before: every one is in the data files");
    ok(Some(db), &["groups", "delete", "--yes", &name]);
    assert_eq!(found_in(&pg_data_files(&store), &gone), 0, "after: none of {} group texts is left", gone.len());
}

/// The paths where two JSON values differ (at most 10), to say what changed.
fn differences(a: &serde_json::Value, b: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    use serde_json::Value::{Array, Object};
    match (a, b) {
        _ if out.len() >= 10 => {}
        (Object(x), Object(y)) => {
            for (k, v) in x {
                differences(v, y.get(k).unwrap_or(&serde_json::Value::Null), &format!("{at}.{k}"), out);
            }
        }
        (Array(x), Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(v, w, &format!("{at}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{at}: {a} then {b}")),
        _ => {}
    }
}

fn assert_same(before: &serde_json::Value, after: &serde_json::Value, what: &str) {
    let mut diff = Vec::new();
    differences(before, after, "", &mut diff);
    assert!(diff.is_empty(), "{what}:\n{}", diff.join("\n"));
}

/// Whole months from `ms` to now: a retention of that many months keeps
/// what was sent after about `ms`.
fn months_since(ms: i64) -> u32 {
    use chrono::Datelike;
    let then = chrono::DateTime::from_timestamp_millis(ms).unwrap();
    let now = chrono::Utc::now();
    ((now.year() * 12 + now.month() as i32) - (then.year() * 12 + then.month() as i32)) as u32
}

#[test]
fn retention_erases_old_texts_and_keeps_every_counted_figure() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    // The count of links reply inference drew may drop where a group's
    // window reaches before the cutoff (see below).
    let report = |db: &Path| {
        let mut r = json(&ok(Some(db), &["report", "--format", "json"]));
        r.as_object_mut().unwrap().remove("inferred_links");
        r
    };
    let before = report(&db);
    // Reply inference needs texts: it reads every group's messages from the
    // earliest group's 28-day window on, so when that reaches before the
    // cutoff the links it draws may change, and with them what stands on
    // them (the interaction graph, answered shares and response times, the
    // scorecard, roles, the weakest signals, the forecast's features, the
    // moves). What is counted stays: each group's stage and its evidence,
    // activity, concentration, newcomers, output, heat map, days and weeks.
    // The retention kept is the longest whose cutoff still falls after that
    // window's start: whole months back from today, whatever today's date.
    let window_ms = 28 * 86_400_000;
    let earliest = before["groups"].as_array().unwrap().iter().map(|g| g["as_of_ms"].as_i64().unwrap()).min().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let months = (1..=months_since(earliest - window_ms) + 1)
        .rev()
        .find(|&m| tonghao_app::retention::cutoff(now, m) > earliest - window_ms)
        .expect("a retention whose cutoff falls after the earliest window's start");
    let cutoff = tonghao_app::retention::cutoff(now, months);
    let (old, recent) = texts_sqlite(&db, &format!("at_ms < {cutoff}"));
    let gone = unique(old, &recent);
    assert!(gone.len() >= 20, "texts only old messages have: {}", gone.len());
    let files = sqlite_files(&db);
    assert_eq!(found_in(&files, &gone), gone.len(), "before: every one is in the files");

    ok(Some(&db), &["retention", "set", "--months", &months.to_string()]);
    let shown = json(&ok(Some(&db), &["--json", "retention", "show"]));
    assert_eq!(shown["months"], months);
    let applied = json(&ok(Some(&db), &["--json", "retention", "apply"]));
    let expired = applied["expired"].as_u64().unwrap();
    assert!(expired > 1000, "{applied}");
    assert_eq!(found_in(&files, &gone), 0, "after: none of {} old texts is left in {}", gone.len(), db.display());
    const COUNTED: [&str; 11] = [
        "group",
        "stage",
        "stage_evidence",
        "stages",
        "last_message_ms",
        "activity",
        "concentration",
        "newcomers",
        "output",
        "heatmap",
        "weekly",
    ];
    let without_inferred = |r: serde_json::Value| {
        let groups: Vec<serde_json::Value> = r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| COUNTED.iter().map(|k| (k.to_string(), g[*k].clone())).collect())
            .collect();
        serde_json::Value::Array(groups)
    };
    let after = report(&db);
    assert_same(&without_inferred(before.clone()), &without_inferred(after), "every figure of the report is as before");
    // The rows are there, marked: nothing reads them as empty messages.
    let store = SqliteStore::open(&db).unwrap();
    let (rows, marked): (i64, i64) = store
        .test_connection()
        .query_row("SELECT count(*), count(expired_ms) FROM messages WHERE at_ms < ?1", [cutoff], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((rows, marked), (expired as i64, expired as i64));
    let log = tonghao_store::Accounts::audit_log(&store, 10).unwrap();
    assert!(log.iter().any(|e| e.action == "retention-apply" && e.target.starts_with(&expired.to_string())), "{log:?}");
    assert!(log.iter().any(|e| e.action == "retention-set"), "{log:?}");
    drop(store);
    // A member's export says which texts went, rather than showing empty messages.
    let (member_ref, _) = busiest_member(&db);
    let export = json(&ok(Some(&db), &["member", "export", &member_ref]));
    let messages = export["messages"].as_array().unwrap();
    let old = messages.iter().filter(|m| m["expired"] == true).count();
    assert!(old > 0 && old < messages.len(), "{old} of {} expired", messages.len());
    assert!(messages.iter().filter(|m| m["expired"] == true).all(|m| m["text"] == ""));
    // Applying again finds nothing left to erase.
    assert_eq!(json(&ok(Some(&db), &["--json", "retention", "apply"]))["expired"], 0);

    // Set before importing: the import leaves no old text behind.
    let db2 = dir.path().join("kept.db");
    ok(Some(&db2), &["retention", "set", "--months", &months.to_string()]);
    let sim = dir.path().join("sim");
    let parts = ["qq", "wechat", "telegram"].map(|p| sim.join(p).to_str().unwrap().to_string());
    let mut args = vec!["import"];
    args.extend(parts.iter().map(String::as_str));
    ok(Some(&db2), &args);
    assert_eq!(found_in(&sqlite_files(&db2), &gone), 0, "imported with retention set: no old text stays");
    assert_same(
        &without_inferred(before),
        &without_inferred(report(&db2)),
        "and the counted figures are those of the full history",
    );
}

#[test]
fn retention_on_postgres_erases_old_texts_and_keeps_every_figure() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim_history(dir.path());
    let url = tonghao_store::test_pg::database_url();
    let db = Path::new(&url);
    ok(Some(db), &["import", sim.join("telegram").to_str().unwrap()]);
    let report = |db: &Path| {
        let mut r = json(&ok(Some(db), &["report", "--format", "json"]));
        r.as_object_mut().unwrap().remove("inferred_links"); // see the SQLite test
        r
    };
    let before = report(db);
    let july = chrono::DateTime::parse_from_rfc3339("2024-07-01T00:00:00Z").unwrap().timestamp_millis();
    let months = months_since(july);
    let cutoff = tonghao_app::retention::cutoff(chrono::Utc::now().timestamp_millis(), months);
    let store = PgStore::open(&url).unwrap();
    let gone = pg_unique(&store, &format!("at_ms < {cutoff}"));
    assert!(gone.len() >= 20, "texts only old messages have: {}", gone.len());
    assert_eq!(found_in(&pg_data_files(&store), &gone), gone.len(), "before: every one is in the data files");

    ok(Some(db), &["retention", "set", "--months", &months.to_string()]);
    let applied = json(&ok(Some(db), &["--json", "retention", "apply"]));
    assert!(applied["expired"].as_u64().unwrap() > 1000, "{applied}");
    assert_eq!(found_in(&pg_data_files(&store), &gone), 0, "after: none of {} old texts is left", gone.len());
    assert_same(&before, &report(db), "every figure of the report is as before");
    let marked: i64 = store.test_client(|c| {
        c.query_one(&format!("SELECT count(*) FROM messages WHERE at_ms < {cutoff} AND expired_ms IS NULL"), &[])
            .unwrap()
            .get(0)
    });
    assert_eq!(marked, 0, "every old row is marked expired");
}
