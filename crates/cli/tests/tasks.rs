//! `tonghao task add|list|done|generate` end to end on a hand-made history:
//! which tasks the activities and the check-in supervision list generate,
//! worked out by hand below.

mod common;

use common::{add_topic, chat_line, import_chat, json, ok, run};
use std::path::{Path, PathBuf};

fn msg(id: &str, who: &str, at: &str, text: &str) -> String {
    chat_line(id, who, at, text, "")
}

/// Check-ins: a and b on 03-11, only a on 03-12, where the history ends. So
/// on 03-13 ("today") b missed yesterday. A weekly Wednesday discussion
/// from 03-06, hosted by 老周: in the 7 days from 03-13 only the 03-13
/// occurrence (the second) starts; 03-20 is the 8th day.
fn setup(dir: &Path) -> PathBuf {
    let lines = [
        msg("1", "a", "2024-03-11T07:00:00", "#打卡 第1天 读了20页"),
        msg("2", "b", "2024-03-11T07:30:00", "#打卡 第1天 读了10页"),
        msg("3", "a", "2024-03-12T07:00:00", "#打卡 第2天 读了30页"),
    ];
    let db = import_chat(dir, &lines);
    let rule = ["--start", "2024-03-06 21:00", "--rrule", "FREQ=WEEKLY;BYDAY=WE;COUNT=4", "--duration", "30m"];
    add_topic(&db, "每周三话题讨论", &[&rule[..], &["--host", "老周"]].concat());
    db
}

fn ids(v: &serde_json::Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

/// Generating gives the announcement (due the day before), the reminder
/// (the day) and the follow-up (the day after) to the host, and the
/// follow-up of b to the person named; generating again adds nothing.
/// The list is by due day; done tasks leave it; deleting b deletes the
/// task about b.
#[test]
fn generated_and_hand_tasks_are_listed_done_and_deleted_with_their_member() {
    let dir = tempfile::tempdir().unwrap();
    let db = setup(dir.path());
    let added = json(&ok(Some(&db), &["--json", "task", "generate", "--today", "2024-03-13", "--to", "小王"]));
    let got: Vec<(&str, &str, &str, Option<&str>)> = added
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap(),
                t["due_day"].as_str().unwrap(),
                t["assignee"].as_str().unwrap(),
                t["member"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("notify", "2024-03-12", "老周", None),
            ("notify", "2024-03-13", "老周", None),
            ("follow_up", "2024-03-14", "老周", None),
            ("follow_up", "2024-03-13", "小王", Some("小B")),
        ]
    );
    assert_eq!(
        added[0]["title"],
        "announce topic discussion \"每周三话题讨论\" (2024-03-13 21:00): tonghao activity drafts 1 --occurrence 2"
    );
    assert_eq!(added[3]["title"], "write to 小B personally: no check-in on 2024-03-12");
    let again = json(&ok(Some(&db), &["--json", "task", "generate", "--today", "2024-03-13", "--to", "小王"]));
    assert_eq!(again.as_array().unwrap().len(), 0);

    let t = json(&ok(
        Some(&db),
        &[
            "--json",
            "task",
            "add",
            "--kind",
            "supervise",
            "--title",
            "看看有没有广告",
            "--to",
            "小王",
            "--due",
            "2024-03-15",
        ],
    ));
    assert_eq!(t["id"], 5);
    let open = json(&ok(Some(&db), &["--json", "task", "list"]));
    assert_eq!(ids(&open), [1, 2, 4, 3, 5]);
    ok(Some(&db), &["task", "done", "2"]);
    assert_eq!(ids(&json(&ok(Some(&db), &["--json", "task", "list"]))), [1, 4, 3, 5]);
    assert_eq!(ids(&json(&ok(Some(&db), &["--json", "task", "list", "--all"]))), [1, 4, 3, 5, 2]);
    assert_eq!(ids(&json(&ok(Some(&db), &["--json", "task", "list", "--to", "小王"]))), [4, 5]);
    ok(Some(&db), &["task", "done", "2", "--undo"]);
    assert_eq!(ids(&json(&ok(Some(&db), &["--json", "task", "list"]))), [1, 2, 4, 3, 5]);

    let text = String::from_utf8(ok(Some(&db), &["task", "list", "--to", "小王"]).stdout).unwrap();
    assert!(text.contains("write to 小B personally"), "{text}");

    ok(Some(&db), &["member", "delete", "--yes", "wechat:wxid_b"]);
    assert_eq!(ids(&json(&ok(Some(&db), &["--json", "task", "list"]))), [1, 2, 3, 5]);
}

/// Bad input names what was wrong.
#[test]
fn bad_task_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = setup(dir.path());
    let err = |args: &[&str]| {
        let out = run(Some(&db), args);
        assert!(!out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    assert!(err(&["task", "done", "99"]).contains("no task #99"));
    assert!(err(&["task", "add", "--kind", "notify", "--title", "x", "--due", "3月5日"]).contains("--due \"3月5日\""));
    assert!(
        err(&["task", "add", "--kind", "call", "--title", "x"])
            .contains("not one of notify, supervise, host, follow_up")
    );
    assert!(
        err(&["task", "add", "--kind", "follow_up", "--title", "x", "--member", "wechat:nobody"]).contains("nobody")
    );
}
