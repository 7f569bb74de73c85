//! `tonghao --db postgres://...`: the real binary against a real PostgreSQL
//! server (a throwaway one this test process starts, `tonghao_store::test_pg`)
//! gives the same figures as a SQLite file for the same real exports.

mod common;

use common::{data, json, ok};
use std::path::Path;

/// The same real exports imported into SQLite and into PostgreSQL give the
/// same import summaries and the same report.
#[test]
fn postgres_and_sqlite_report_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("t.db");
    let url = tonghao_store::test_pg::database_url();
    let pg = Path::new(&url);
    // Every real format but IRC: its 2,600 small files of joins and leaves
    // take minutes on PostgreSQL at a round trip per row (docs/postgres.md).
    let formats = data().join("formats");
    let dirs: Vec<String> = ["cn-reading-club", "discord", "gitter", "slack", "telegram", "whatsapp"]
        .iter()
        .map(|d| formats.join(d).to_str().unwrap().to_string())
        .collect();
    let paths: Vec<&str> = dirs.iter().map(String::as_str).collect();

    let summaries = |db: &Path| {
        let out = ok(Some(db), &[&["--json", "import"][..], &paths].concat());
        let mut reports = json(&out);
        for r in reports.as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("seconds");
        }
        reports
    };
    let on_sqlite = summaries(&sqlite);
    let on_pg = summaries(pg);
    assert_eq!(on_sqlite, on_pg, "import summaries differ");
    assert!(on_pg.as_array().unwrap().iter().map(|r| r["messages"].as_u64().unwrap_or(0)).sum::<u64>() > 10_000);

    let report = |db: &Path| figures(json(&ok(Some(db), &["report", "--format", "json"])));
    assert_eq!(report(&sqlite), report(pg), "reports differ");
    let groups = |db: &Path| json(&ok(Some(db), &["--json", "groups"]));
    assert_eq!(groups(&sqlite), groups(pg), "group listings differ");
}

/// A report without the row ids each database hands out its own way
/// (PostgreSQL's sequences skip the ids of rows that a conflict or a
/// rolled-back file did not keep; SQLite reuses them): messages named as
/// evidence, members as subjects, groups by store id, and the move ids made
/// from them. Moves are then put in one order.
fn figures(mut report: serde_json::Value) -> serde_json::Value {
    for g in report["groups"].as_array_mut().unwrap() {
        let examples = g["responsiveness"]["unanswered_examples"].as_array().map_or(0, Vec::len);
        g["responsiveness"]["unanswered_examples"] = examples.into();
    }
    let moves = report["moves"].as_array_mut().unwrap();
    for m in moves.iter_mut() {
        let m = m.as_object_mut().unwrap();
        for key in ["id", "subject", "group_store_id"] {
            m.remove(key);
        }
        let evidence = m["evidence"].as_object_mut().unwrap();
        let (messages, members) = (evidence.remove("messages"), evidence.remove("members"));
        evidence.insert(
            "counts".into(),
            serde_json::json!([
                messages.map(|v| v.as_array().unwrap().len()),
                members.map(|v| v.as_array().unwrap().len())
            ]),
        );
    }
    moves.sort_by_key(|m| m.to_string());
    report
}

/// A password in the URL appears in no error, and nothing is created on
/// disk for a URL (it once became a SQLite file under `./postgres:/`).
#[test]
fn a_password_in_the_url_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on: the connection fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for url in [
        format!("postgres://hua:Pa55-w0rd-XYZ@127.0.0.1:{port}/tonghao"),
        format!("postgresql://hua@127.0.0.1:{port}/tonghao?password=Pa55-w0rd-XYZ"),
    ] {
        for args in [&["groups"][..], &["import", "nothing.jsonl"], &["serve", "--port", "0"]] {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_tonghao"))
                .current_dir(dir.path())
                .args(["--db", &url, "--lang", "en"])
                .args(args)
                .output()
                .unwrap();
            let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(!out.status.success(), "{args:?}: {all}");
            assert!(!all.contains("Pa55-w0rd-XYZ"), "{args:?}: {all}");
            assert!(all.contains(&format!("127.0.0.1:{port}")), "the error names the server: {all}");
        }
        let env = std::process::Command::new(env!("CARGO_BIN_EXE_tonghao"))
            .current_dir(dir.path())
            .env("TONGHAO_DB", &url)
            .args(["--lang", "en", "groups"])
            .output()
            .unwrap();
        assert!(!env.status.success());
        assert!(!String::from_utf8_lossy(&env.stderr).contains("Pa55-w0rd-XYZ"));
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing is created for a URL: {left:?}");
}
