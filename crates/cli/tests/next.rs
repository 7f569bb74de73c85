//! `tonghao next` end to end: moves with evidence, a decision that sticks,
//! and its outcome measured by a later import.

mod common;

use common::{json, ok};
use std::fmt::Write;

/// A WeChat group where 小李 and 小王 talk every evening for eight weeks
/// (from 2024-03-04), as canonical JSONL; `extra` lines are appended.
fn history(extra: &str) -> String {
    let mut s = String::new();
    for day in 0..56 {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 3, 4).unwrap() + chrono::Duration::days(day);
        for (k, (who, name)) in [("wxid_li", "小李"), ("wxid_wang", "小王")].iter().enumerate() {
            let _ = writeln!(
                s,
                r#"{{"kind":"message","platform":"wechat","group":"g@chatroom","group_name":"读书会","member":"{who}","member_name":"{name}","at":"{date}T21:0{k}:00+08:00","text":"今天读到第{day}章，很有意思"}}"#
            );
        }
    }
    s + extra
}

/// The newcomer 小新 joins five days before the export ends and says
/// nothing: a welcome move, with its evidence. Marked done, it is not
/// proposed again; after a second export in which 小新 speaks, the outcome
/// counts one welcome done, measured and worked.
#[test]
fn a_welcome_is_proposed_decided_and_measured_across_two_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let join = r#"{"kind":"join","platform":"wechat","group":"g@chatroom","member":"wxid_xin","member_name":"小新","at":"2024-04-23T10:00:00+08:00"}"#;
    let first = dir.path().join("first.jsonl");
    std::fs::write(&first, history(&format!("{join}\n"))).unwrap();
    ok(Some(&db), &["import", first.to_str().unwrap()]);

    let listed = json(&ok(Some(&db), &["--json", "next"]));
    let welcome = listed["moves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "welcome")
        .expect("a welcome for the silent newcomer")
        .clone();
    assert_eq!(welcome["about"], "小新");
    // Joined 2024-04-23 10:00; the export ends 2024-04-28 21:01: 5 whole days.
    assert_eq!(welcome["evidence"]["figures"][0], serde_json::json!(["days_since_join", 5.0]));
    assert!(welcome["draft_zh"].as_str().unwrap().contains("小新"));
    let id = welcome["id"].as_str().unwrap();

    ok(Some(&db), &["next", "done", id]);
    let after = json(&ok(Some(&db), &["--json", "next"]));
    assert!(after["moves"].as_array().unwrap().iter().all(|m| m["id"] != id), "a decided move is not proposed again");
    assert_eq!(after["outcomes"][0]["kind"], "welcome");
    assert_eq!((after["outcomes"][0]["done"].as_u64(), after["outcomes"][0]["measured"].as_u64()), (Some(1), Some(0)));

    // A later export: 小新 speaks.
    let spoke = r#"{"kind":"message","platform":"wechat","group":"g@chatroom","member":"wxid_xin","member_name":"小新","at":"2099-01-01T20:00:00+08:00","text":"大家好，我是小新"}"#;
    let second = dir.path().join("second.jsonl");
    std::fs::write(&second, format!("{spoke}\n")).unwrap();
    ok(Some(&db), &["import", second.to_str().unwrap()]);
    let later = json(&ok(Some(&db), &["--json", "next"]));
    let o = &later["outcomes"][0];
    assert_eq!(
        (o["done"].as_u64(), o["measured"].as_u64(), o["worked"].as_u64()),
        (Some(1), Some(1), Some(1)),
        "{later}"
    );

    // An unknown id is a clear error.
    let bad = common::run(Some(&db), &["next", "done", "welcome-000000000000"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no open move"));
}
