//! `tonghao activity add|list` and `tonghao calendar` end to end. The
//! `.ics` file is read back by another implementation than the one that
//! wrote it: the `icalendar` crate's parser (tonghao writes the file by
//! hand, `tonghao_ops::activities::ics`). Every expected time is worked out
//! by hand below.

mod common;

use common::{json, ok, run};
use icalendar::{CalendarDateTime, Component, DatePerhapsTime};
use std::path::Path;

fn store_with_group(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("t.db");
    let chat = dir.join("chat.jsonl");
    std::fs::write(
        &chat,
        r#"{"kind":"message","platform":"wechat","group":"rc@chatroom","group_name":"读书会1群","member":"wxid_a","member_name":"小A","at":"2024-03-01T20:00:00+08:00","id":"1","text":"大家好"}
"#,
    )
    .unwrap();
    ok(Some(&db), &["import", chat.to_str().unwrap()]);
    db
}

/// Three activities:
/// 1. a topic discussion every Wednesday 21:00 Shanghai time (UTC+8, no
///    daylight saving), 30 minutes, 4 times from 2024-03-06: 13:00–13:30
///    UTC on March 6, 13, 20 and 27;
/// 2. a guest share every Saturday 21:00 New York time, 1h30m, 3 times
///    from 2024-03-02: standard time (UTC−5) gives 02:00 UTC on Sunday
///    March 3 and 10; daylight time (UTC−4) begins on March 10 at 02:00,
///    so Saturday March 16, 21:00 is 01:00 UTC on the 17th;
/// 3. an offline meetup once, 2024-03-16 14:00+08:00 (06:00 UTC), one hour
///    by default, titled with a comma, a semicolon and enough Chinese to
///    need folding.
const MEETUP: &str = "线下见面会：杭州西湖边，带上你最近在读的书；我们一起交换书单、聊聊读书方法，欢迎带朋友来";

#[test]
fn the_ics_file_reads_back_with_every_occurrence_in_utc() {
    let dir = tempfile::tempdir().unwrap();
    let db = store_with_group(dir.path());
    let add = |args: &[&str]| {
        let mut all = vec!["--json", "activity", "add", "--group", "读书会1群"];
        all.extend_from_slice(args);
        json(&ok(Some(&db), &all))
    };
    let a = add(&[
        "--kind",
        "topic",
        "--title",
        "每周三话题讨论",
        "--start",
        "2024-03-06T21:00:00+08:00",
        "--rrule",
        "FREQ=WEEKLY;BYDAY=WE;COUNT=4",
        "--duration",
        "30m",
    ]);
    assert_eq!((a["id"].as_i64(), a["tz"].as_str()), (Some(1), Some("Asia/Shanghai")));
    add(&[
        "--kind",
        "guest",
        "--title",
        "Guest share",
        "--start",
        "2024-03-02 21:00",
        "--tz",
        "America/New_York",
        "--rrule",
        "FREQ=WEEKLY;COUNT=3",
        "--duration",
        "1h30m",
    ]);
    add(&["--kind", "offline", "--title", MEETUP, "--start", "2024-03-16T14:00:00+08:00"]);

    let out = ok(Some(&db), &["calendar", "--format", "ics"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.len() <= 76), "lines are folded at 75 octets (plus CR)");
    assert!(text.contains("\r\n "), "the long title is folded");
    let cal: icalendar::Calendar = text.parse().expect("the icalendar crate reads the file");
    let mut events: Vec<(String, String, String, String)> = cal
        .events()
        .map(|e| {
            let utc = |d: Option<DatePerhapsTime>| match d {
                Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => t.format("%Y-%m-%d %H:%M").to_string(),
                other => panic!("expected a UTC time, got {other:?}"),
            };
            (
                utc(e.get_start()),
                utc(e.get_end()),
                e.get_summary().unwrap().to_string(),
                e.get_uid().unwrap().to_string(),
            )
        })
        .collect();
    events.sort();
    let got: Vec<(&str, &str, &str)> = events.iter().map(|(s, e, t, _)| (s.as_str(), e.as_str(), t.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("2024-03-03 02:00", "2024-03-03 03:30", "Guest share"),
            ("2024-03-06 13:00", "2024-03-06 13:30", "每周三话题讨论"),
            ("2024-03-10 02:00", "2024-03-10 03:30", "Guest share"),
            ("2024-03-13 13:00", "2024-03-13 13:30", "每周三话题讨论"),
            ("2024-03-16 06:00", "2024-03-16 07:00", MEETUP),
            ("2024-03-17 01:00", "2024-03-17 02:30", "Guest share"),
            ("2024-03-20 13:00", "2024-03-20 13:30", "每周三话题讨论"),
            ("2024-03-27 13:00", "2024-03-27 13:30", "每周三话题讨论"),
        ]
    );
    let uids: std::collections::BTreeSet<&str> = events.iter().map(|e| e.3.as_str()).collect();
    assert_eq!(uids.len(), 8, "one UID per occurrence");
    // The same file again: the same UIDs (a calendar updates, not doubles).
    let again = String::from_utf8(ok(Some(&db), &["calendar", "--format", "ics"]).stdout).unwrap();
    assert_eq!(again, text);

    // The text calendar shows local times; a window and a group filter apply.
    let listed = String::from_utf8(
        ok(Some(&db), &["calendar", "--from", "2024-03-15", "--until", "2024-03-18", "--group", "rc@chatroom"]).stdout,
    )
    .unwrap();
    let lines: Vec<&str> = listed.lines().skip(1).collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(
        lines[0].starts_with("2024-03-16 14:00 +08:00") && lines[1].starts_with("2024-03-16 21:00 -04:00"),
        "{listed}"
    );
    let list = json(&ok(Some(&db), &["--json", "activity", "list"]));
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[1]["first"], "2024-03-02T21:00:00-05:00");
}

/// An endless daily rule is cut by the window; bad input says what is wrong
/// and stores nothing; deleting the group deletes its activities.
#[test]
fn windows_errors_and_group_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let db = store_with_group(dir.path());
    let base = ["activity", "add", "--group", "读书会1群", "--kind", "checkin", "--title", "早起打卡"];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        base.iter().chain(extra).copied().collect()
    }
    ok(Some(&db), &with(&base, &["--start", "2024-03-01 07:00", "--rrule", "FREQ=DAILY", "--duration", "15m"]));
    let cal = json(&ok(Some(&db), &["--json", "calendar", "--from", "2024-03-01", "--until", "2024-03-08"]));
    // The window is UTC days: 07:00 Shanghai is 23:00 UTC the day before, so
    // March 1's (23:00–23:15 UTC on February 29) ends before it, and those
    // of March 2 to 8 (23:00 UTC on March 1 to 7) are in it: 7.
    let starts: Vec<&str> =
        cal["occurrences"].as_array().unwrap().iter().map(|o| o["local_start"].as_str().unwrap()).collect();
    assert_eq!(starts.len(), 7);
    assert_eq!((starts[0], starts[6]), ("2024-03-02T07:00:00+08:00", "2024-03-08T07:00:00+08:00"));
    let err = |extra: &[&str]| String::from_utf8(run(Some(&db), &with(&base, extra)).stderr).unwrap();
    assert!(err(&["--start", "2024-03-01 07:00", "--rrule", "FREQ=FORTNIGHTLY"]).contains("--rrule"));
    assert!(err(&["--start", "2024-03-10 02:30", "--tz", "America/New_York"]).contains("does not exist"));
    assert!(err(&["--start", "2024-03-01 07:00", "--tz", "Mars/Olympus"]).contains("--tz"));
    assert!(err(&["--start", "2024-03-01 07:00", "--duration", "1d"]).contains("--duration"));
    assert!(err(&["--start", "tomorrow"]).contains("--start"));
    assert_eq!(json(&ok(Some(&db), &["--json", "activity", "list"])).as_array().unwrap().len(), 1);
    let deleted = json(&ok(Some(&db), &["--json", "groups", "delete", "--yes", "读书会1群"]));
    assert_eq!(deleted["planned_activities"], 1);
    assert_eq!(json(&ok(Some(&db), &["--json", "activity", "list"])).as_array().unwrap().len(), 0);
}
