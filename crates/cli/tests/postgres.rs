//! `tonghao --db postgres://...`: the real binary against a real PostgreSQL
//! server (a throwaway one this test process starts, `tonghao_store::test_pg`)
//! gives the same figures as a SQLite file for the same real exports, and
//! the same operators' records from the same commands.

mod common;

use common::{add_topic, chat_line, data, json, ok};
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
    // still take about 100 s on PostgreSQL, batched (docs/postgres.md).
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

/// The operators' commands on PostgreSQL: a planned activity, tasks
/// generated from it and from the check-in supervision list, check-ins and
/// points by hand, orders from a file, the canvas, and a deleted member
/// whose records go; each prints what it prints on SQLite.
#[test]
fn operators_records_are_the_same_on_postgres_and_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let chat = dir.path().join("chat.jsonl");
    let lines = [
        chat_line("1", "a", "2024-03-11T07:00:00", "#打卡 第1天 读了20页", ""),
        chat_line("2", "b", "2024-03-11T07:30:00", "#打卡 第1天 读了10页", ""),
        chat_line("3", "a", "2024-03-12T07:00:00", "#打卡 第2天 读了30页", ""),
    ];
    std::fs::write(&chat, lines.join("\n") + "\n").unwrap();
    let orders = dir.path().join("orders.csv");
    std::fs::write(&orders, "member,time,amount,product,group\nwechat:wxid_a,2024-03-12 10:00,99,书,读书会1群\nwechat:wxid_b,2024-03-12 11:00,9.9,书签,\n")
        .unwrap();
    let sqlite = dir.path().join("t.db");
    let url = tonghao_store::test_pg::database_url();
    let pg = Path::new(&url);
    let story = |db: &Path| -> Vec<serde_json::Value> {
        ok(Some(db), &["import", chat.to_str().unwrap()]);
        let rule = ["--start", "2024-03-06 21:00", "--rrule", "FREQ=WEEKLY;BYDAY=WE;COUNT=4", "--duration", "30m"];
        add_topic(db, "每周三话题讨论", &[&rule[..], &["--host", "老周"]].concat());
        let step = |args: &[&str]| json(&ok(Some(db), &[&["--json"][..], args].concat()));
        let mut out = vec![
            step(&["task", "generate", "--today", "2024-03-13", "--to", "小王"]),
            step(&["task", "generate", "--today", "2024-03-13", "--to", "小王"]),
            step(&["task", "done", "1"]),
            step(&[
                "checkin",
                "add",
                "--group",
                "读书会1群",
                "--member",
                "小B",
                "--day",
                "2024-03-12",
                "--kind",
                "leave",
            ]),
            step(&["points", "add", "--member", "小A", "--group", "读书会1群", "--points", "3", "--reason", "笔记"]),
            step(&["orders", "import", orders.to_str().unwrap(), "--tz", "+08:00"]),
            step(&["canvas", "set", "pain_point", "想读书却坚持不下来"]),
            step(&["canvas", "set", "pain_point", "一个人读书坚持不下来"]),
            step(&[
                "resource",
                "add",
                "--kind",
                "host",
                "--name",
                "小B",
                "--member",
                "wechat:wxid_b",
                "--tags",
                "读书",
            ]),
            step(&["resource", "add", "--kind", "venue", "--name", "咖啡馆", "--tags", "杭州"]),
            step(&["resource", "tag", "2", "--add", "读书会", "--remove", "杭州"]),
            step(&["mode", "set", "sub_groups"]),
            step(&["mode", "group", "读书会1群", "--owner", "小A"]),
            step(&["template", "set", "draft.checkin_encourage", "{name}，{days} 天了，加油！"]),
        ];
        let lists = |out: &mut Vec<serde_json::Value>| {
            for args in [
                &["activity", "list"][..],
                &["task", "list", "--all"],
                &["checkins", "--today", "2024-03-13"],
                &["points", "--ledger"],
                &["conversion"],
                &["conversion", "--by-activity"],
                &["resource", "list"],
                &["resource", "match"],
                &["mode", "show"],
                &["template", "show", "draft.checkin_encourage"],
            ] {
                out.push(step(args));
            }
        };
        lists(&mut out);
        out.push(step(&["member", "delete", "--yes", "wechat:wxid_b"]));
        lists(&mut out);
        let history = step(&["canvas", "history"]);
        out.push(history.as_array().unwrap().iter().map(|v| v["fields"].clone()).collect());
        out
    };
    let (on_sqlite, on_pg) = (story(&sqlite), story(pg));
    assert_eq!(on_sqlite.len(), on_pg.len());
    for (i, (s, p)) in on_sqlite.iter().zip(&on_pg).enumerate() {
        assert_eq!(without_times(s.clone()), without_times(p.clone()), "step {i} differs");
    }
    assert_eq!(on_pg[1], serde_json::json!([]), "generating again adds nothing");
}

/// A value without the times a command stamps with the clock.
fn without_times(mut v: serde_json::Value) -> serde_json::Value {
    match &mut v {
        serde_json::Value::Object(map) => {
            for key in ["created_ms", "done_ms", "saved_ms", "at_ms", "exported_at", "updated_ms", "mode_set_ms"] {
                if map.contains_key(key) {
                    map.insert(key.into(), serde_json::Value::Null);
                }
            }
            for x in map.values_mut() {
                *x = without_times(x.take());
            }
        }
        serde_json::Value::Array(items) => {
            for x in items.iter_mut() {
                *x = without_times(x.take());
            }
        }
        _ => {}
    }
    v
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
