//! `tonghao points` and `tonghao points add` end to end on a hand-made
//! history: every entry of the ledger worked out by hand below.

mod common;

use common::{add_topic, chat_line, import_chat, json, ok, run};
use std::path::{Path, PathBuf};

fn msg(id: &str, who: &str, at: &str, text: &str, extra: &str) -> String {
    chat_line(id, who, at, text, extra)
}

/// - a checks in 03-01 to 03-07: a 7-day streak on 03-07 (+5);
/// - b checks in 03-01 to 03-03, takes leave on 03-04, checks in 03-05 to
///   03-08: the leave neither breaks nor extends the run, 7 days on 03-08 (+5);
/// - c shares two links on 03-02 (one output day, +2) and a 104-character
///   message on 03-03 (+2); by hand +3;
/// - a one-off topic discussion on 03-05 21:00–21:30: d opens (answered
///   by e's reply), e replies (answered by d's reply), d replies: speakers
///   to reward d (1 answered, 1 substantive, 2 messages) and e (1, 1, 1):
///   +10 each;
/// - by hand −1 to a.
///
/// Totals: d 10, e 10, c 7, b 5, a 4.
fn setup(dir: &Path) -> PathBuf {
    let mut lines = Vec::new();
    for d in 1..=7 {
        lines.push(msg(&format!("a{d}"), "a", &format!("2024-03-{d:02}T07:00:00"), &format!("#打卡 第{d}天"), ""));
    }
    for d in [1, 2, 3, 5, 6, 7, 8] {
        lines.push(msg(&format!("b{d}"), "b", &format!("2024-03-{d:02}T07:30:00"), &format!("#打卡 第{d}天"), ""));
    }
    lines.push(msg("b4", "b", "2024-03-04T07:30:00", "请假 今天出差", ""));
    lines.push(msg("c1", "c", "2024-03-02T12:00:00", "推荐一篇文章 https://example.com/a 讲读书方法的", ""));
    lines.push(msg("c2", "c", "2024-03-02T13:00:00", "还有这篇 https://example.com/b 也很好，讲做笔记", ""));
    lines.push(msg("c3", "c", "2024-03-03T12:00:00", &"这本书讲的是如何养成习惯。".repeat(8), ""));
    lines.push(msg("d1", "d", "2024-03-05T21:00:00", "今天聊聊怎么坚持读书，大家有什么好办法？", ""));
    lines.push(msg(
        "e1",
        "e",
        "2024-03-05T21:05:00",
        "每天固定时间读二十分钟，放在睡前最容易坚持",
        r#","reply_to":"d1""#,
    ));
    lines.push(msg("d2", "d", "2024-03-05T21:10:00", "好主意", r#","reply_to":"e1""#));
    lines.sort_by_key(|l| l[l.find("\"at\"").unwrap()..].to_string());
    let db = import_chat(dir, &lines);
    add_topic(&db, "怎么坚持读书", &["--start", "2024-03-05 21:00", "--duration", "30m"]);
    let c = [
        "points",
        "add",
        "--member",
        "wechat:wxid_c",
        "--points",
        "3",
        "--reason",
        "整理了书单",
        "--group",
        "读书会1群",
    ];
    ok(Some(&db), &c);
    ok(Some(&db), &["points", "add", "--member", "小A", "--group", "读书会1群", "--points", "-1", "--reason", "刷屏"]);
    db
}

/// The ledger holds exactly the entries worked out above; the leaderboard
/// adds them up, equal totals sharing a place.
#[test]
fn the_ledger_follows_the_rules_and_the_hand_entries() {
    let dir = tempfile::tempdir().unwrap();
    let db = setup(dir.path());
    let p = json(&ok(Some(&db), &["--json", "points"]));
    let ledger: Vec<(&str, &str, &str, i64)> = p["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["day"].as_str().unwrap(),
                e["name"].as_str().unwrap(),
                e["rule"].as_str().unwrap(),
                e["points"].as_i64().unwrap(),
            )
        })
        .collect();
    let today =
        p["ledger"].as_array().unwrap().iter().find(|e| e["rule"] == "manual").unwrap()["day"].as_str().unwrap();
    let mut want = vec![
        ("2024-03-02", "小C", "output", 2),
        ("2024-03-03", "小C", "output", 2),
        ("2024-03-05", "小D", "speaker", 10),
        ("2024-03-05", "小E", "speaker", 10),
        ("2024-03-07", "小A", "streak", 5),
        ("2024-03-08", "小B", "streak", 5),
        (today, "小A", "manual", -1),
        (today, "小C", "manual", 3),
    ];
    want.sort();
    let mut got = ledger.clone();
    got.sort();
    assert_eq!(got, want);
    let board: Vec<(u64, &str, i64)> = p["leaderboard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rank"].as_u64().unwrap(), s["name"].as_str().unwrap(), s["total"].as_i64().unwrap()))
        .collect();
    assert_eq!(board, [(1, "小D", 10), (1, "小E", 10), (3, "小C", 7), (4, "小B", 5), (5, "小A", 4)]);
    let speaker = p["ledger"].as_array().unwrap().iter().find(|e| e["rule"] == "speaker").unwrap();
    assert_eq!(speaker["reason"], "speaker to reward in topic discussion \"怎么坚持读书\" (2024-03-05)");

    let text = String::from_utf8(ok(Some(&db), &["points", "--group", "读书会1群", "--ledger"]).stdout).unwrap();
    assert!(text.contains("7-day check-in streak"), "{text}");
    let first: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(first, ["1", "小D", "10", "10", "-", "-", "-"], "{text}");
}

/// Bad input names what was wrong.
#[test]
fn bad_points_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = setup(dir.path());
    let err = |args: &[&str]| {
        let out = run(Some(&db), args);
        assert!(!out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    assert!(err(&["points", "--group", "读书会9群"]).contains("no group \"读书会9群\""));
    assert!(
        err(&["points", "add", "--member", "wechat:wxid_c", "--points", "0", "--reason", "x"])
            .contains("0 points gives nothing")
    );
    assert!(
        err(&["points", "add", "--member", "wechat:wxid_c", "--points", "2", "--reason", " "])
            .contains("the reason is empty")
    );
    assert!(err(&["points", "add", "--member", "wechat:nobody", "--points", "2", "--reason", "x"]).contains("nobody"));
}
