//! `tonghao checkins` and `tonghao checkin add` end to end: on the
//! cn-reading-club fixture (every rendering of the same chat) and on a small
//! history written by hand, every figure worked out by hand below.

mod common;

use common::{data, json, ok, run};
use std::path::Path;

/// The five check-ins of cn-reading-club (expected.json: 5), as
/// (member name, day): two on 2024-03-02 by 老周 and 阿花 plus 小徐's, and
/// the second day of 老周 and 阿花.
#[test]
fn the_five_checkins_of_every_rendering_of_the_reading_club() {
    let dir = tempfile::tempdir().unwrap();
    let club = data().join("formats/cn-reading-club");
    let files = [
        "wechat/读书会1群(12345678901@chatroom)/读书会1群.csv",
        "wechat/读书会1群.weflow.json",
        "wechat/读书会1群.chatlab.json",
        "qq/读书会1群.txt",
    ];
    for (k, f) in files.iter().enumerate() {
        let db = dir.path().join(format!("{k}.db"));
        ok(Some(&db), &["import", club.join(f).to_str().unwrap()]);
        let groups = json(&ok(Some(&db), &["--json", "checkins"]));
        assert_eq!(groups.as_array().unwrap().len(), 1, "{f}");
        let g = &groups[0];
        assert_eq!((g["group"].as_str(), g["start"].as_str()), (Some("读书会1群"), Some("2024-03-02")), "{f}");
        assert_eq!(g["checkin_messages"], 5, "{f}");
        let mut found = Vec::new();
        for m in g["members"].as_array().unwrap() {
            let name = m["name"].as_str().unwrap().split('-').next().unwrap().to_string();
            for (day, kind) in m["calendar"].as_object().unwrap() {
                assert_eq!(kind, "checkin", "{f}");
                found.push((name.clone(), day.clone()));
            }
        }
        found.sort();
        let want: Vec<(String, String)> = [
            ("小徐", "2024-03-02"),
            ("老周", "2024-03-02"),
            ("老周", "2024-03-03"),
            ("阿花", "2024-03-02"),
            ("阿花", "2024-03-03"),
        ]
        .iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect();
        let mut want = want;
        want.sort();
        assert_eq!(found, want, "{f}");
        // 阿花's two check-ins were quoted with praise (小李, 老周); the other
        // three got no answer.
        assert_eq!(g["bare_messages"], 3, "{f}");
    }
}

/// A WeChat check-in group, 2024-03-01 to 03-06 (+08:00). 小H hosts; 小A,
/// 小B and 小C check in:
/// - 小A: #打卡 on the 1st, 2nd, 3rd, 5th and 6th; on the 5th, "补卡" first:
///   it fills the 4th, her latest missed day. 5 days, 1 made up, 0 missed,
///   completion 6/6, streak 6 (current and longest).
/// - 小B: #打卡 on the 1st and 2nd (the 2nd also added by hand: still one
///   record), "请假 明天出差" on the 2nd: leave on the 3rd; #打卡 on the 4th;
///   nothing on the 5th and 6th. 3 days, 1 leave, 2 missed, completion
///   3 / (6 − 1) = 60%, current streak 0, longest 3 (1st, 2nd, leave, 4th);
///   missed yesterday (the 6th).
/// - 小C joins on the 3rd: her span is the 3rd to the 6th. #打卡 on the 3rd
///   (replying to 小A's check-in), the 4th added by hand by her name, "打卡
///   第3天" on the 5th, "【打卡】" on the 6th. 4 days, completion 100%, streak 4.
///
/// Check-in messages: 5 + 3 + 3 = 11. Answered: 小A's 1st (小H replies) and
/// 小B's 4th (小H @-mentions 小B two hours later). 小C's reply to 小A's 3rd
/// is itself a check-in, 小A answering herself does not count, and neither
/// does the bot's "@小B 打卡成功" a second after 小B's 1st (flagged by its
/// export): 9 bare.
const CHAT: &str = r##"{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_a","member_name":"小A","at":"2024-03-01T07:00:00+08:00","id":"a1","text":"#打卡 第1天"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_b","member_name":"小B","at":"2024-03-01T07:10:00+08:00","id":"b1","text":"#打卡 第1天"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_bot","member_name":"打卡助手","at":"2024-03-01T07:10:01+08:00","id":"k1","reply_to":"b1","bot":true,"text":"@小B 打卡成功"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_h","member_name":"小H","at":"2024-03-01T08:00:00+08:00","id":"h1","reply_to":"a1","text":"真棒"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_a","member_name":"小A","at":"2024-03-02T07:00:00+08:00","id":"a2","text":"#打卡 第2天"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_b","member_name":"小B","at":"2024-03-02T07:05:00+08:00","id":"b2","text":"#打卡 第2天"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_b","member_name":"小B","at":"2024-03-02T21:00:00+08:00","id":"b2l","text":"请假 明天出差"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_a","member_name":"小A","at":"2024-03-03T07:00:00+08:00","id":"a3","text":"#打卡 第3天"}
{"kind":"join","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_c","member_name":"小C","at":"2024-03-03T08:00:00+08:00","id":"j1"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_c","member_name":"小C","at":"2024-03-03T08:30:00+08:00","id":"c1","reply_to":"a3","text":"#打卡 第1天 加入挑战"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_b","member_name":"小B","at":"2024-03-04T07:00:00+08:00","id":"b4","text":"#打卡 第4天"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_h","member_name":"小H","at":"2024-03-04T09:00:00+08:00","id":"h2","mentions":[{"id":"wxid_b"}],"text":"@小B 加油"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_a","member_name":"小A","at":"2024-03-05T07:00:00+08:00","id":"a4m","text":"补卡 昨天忘了"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_a","member_name":"小A","at":"2024-03-05T07:01:00+08:00","id":"a5","text":"#打卡 第5天"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_a","member_name":"小A","at":"2024-03-05T07:02:00+08:00","id":"a5x","reply_to":"a5","text":"补充一下：今天读了两章"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_c","member_name":"小C","at":"2024-03-05T08:00:00+08:00","id":"c3","text":"打卡 第3天"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_a","member_name":"小A","at":"2024-03-06T07:00:00+08:00","id":"a6","text":"#打卡 第6天"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_c","member_name":"小C","at":"2024-03-06T08:00:00+08:00","id":"c4","text":"【打卡】第4天"}
{"kind":"message","platform":"wechat","group":"ck","group_name":"打卡群","member":"wxid_h","member_name":"小H","at":"2024-03-06T20:00:00+08:00","id":"h3","text":"今天大家都很棒"}
"##;

fn member<'a>(g: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    g["members"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap_or_else(|| panic!("{name} in {g}"))
}

fn figures(m: &serde_json::Value) -> [u64; 7] {
    ["days", "makeup", "leave", "misses", "span_days", "current_streak", "longest_streak"]
        .map(|k| m[k].as_u64().unwrap_or_else(|| panic!("{k} in {m}")))
}

fn setup(db: &Path, dir: &Path) {
    let chat = dir.join("chat.jsonl");
    std::fs::write(&chat, CHAT).unwrap();
    ok(Some(db), &["import", chat.to_str().unwrap()]);
    ok(Some(db), &["checkin", "add", "--group", "打卡群", "--member", "wechat:wxid_b", "--day", "2024-03-02"]);
    ok(Some(db), &["checkin", "add", "--group", "ck", "--member", "小C", "--day", "2024-03-04"]);
}

#[test]
fn streaks_misses_makeups_leave_and_bare_form_match_the_hand_computed_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    setup(&db, dir.path());
    let groups = json(&ok(Some(&db), &["--json", "checkins", "--group", "打卡群"]));
    let g = &groups[0];
    assert_eq!((g["start"].as_str(), g["today"].as_str()), (Some("2024-03-01"), Some("2024-03-07")));
    assert_eq!(figures(member(g, "小A")), [5, 1, 0, 0, 6, 6, 6]);
    assert_eq!(figures(member(g, "小B")), [3, 0, 1, 2, 6, 0, 3]);
    assert_eq!(figures(member(g, "小C")), [4, 0, 0, 0, 4, 4, 4]);
    assert_eq!(member(g, "小A")["completion"], 1.0);
    assert_eq!(member(g, "小B")["completion"], 0.6);
    assert_eq!(member(g, "小A")["calendar"]["2024-03-04"], "makeup");
    assert_eq!(member(g, "小B")["calendar"]["2024-03-03"], "leave");
    assert_eq!(g["missed_yesterday"], serde_json::json!(["小B"]));
    assert_eq!(g["follow_up"], serde_json::json!(["小B"]), "小B checked in on the 4th: slipping, not gone");
    assert_eq!((g["checkin_messages"].as_u64(), g["bare_messages"].as_u64()), (Some(11), Some(9)));
    assert_eq!(g["members"].as_array().unwrap().len(), 3, "小H never checked in");

    // As of the 5th (yesterday the 4th): 小A 1, 2, 3, made-up 4, and today
    // 5 → streak 5; 小B 1, 2, leave 3, 4 → 100%, streak 3; 小C 3, 4 and
    // today 5 → streak 3. Nobody missed the 4th.
    let groups = json(&ok(Some(&db), &["--json", "checkins", "--today", "2024-03-05"]));
    let g = &groups[0];
    assert_eq!(figures(member(g, "小A")), [4, 1, 0, 0, 4, 5, 5]);
    assert_eq!(figures(member(g, "小B")), [3, 0, 1, 0, 4, 3, 3]);
    assert_eq!(figures(member(g, "小C")), [3, 0, 0, 0, 2, 3, 3]);
    assert_eq!(member(g, "小B")["completion"], 1.0);
    assert_eq!(g["missed_yesterday"], serde_json::json!([]));

    // The text view names the supervision list and the bare-form share.
    let text = String::from_utf8(ok(Some(&db), &["checkins"]).stdout).unwrap();
    assert!(text.contains("missed yesterday after checking in the week before (follow up personally): 小B"), "{text}");
    assert!(
        text.contains(
            "小B, we missed your check-in yesterday. Busy days? You have checked in 3 days, 3 in a row at best"
        ),
        "{text}"
    );
    assert!(text.contains("bare form: 82% of check-in messages got no answer (9 of 11)"), "{text}");
    assert!(text.contains("打卡群: check-ins from 2024-03-01 to 2024-03-06 (yesterday), 3 members"), "{text}");
}

/// A custom pattern replaces the default rule; a bad one, a bad day or an
/// unknown member is a clear error.
#[test]
fn a_custom_pattern_and_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    setup(&db, dir.path());
    // Only messages opening with "#打卡 第1天": 小A's, 小B's and 小C's first.
    let groups = json(&ok(Some(&db), &["--json", "checkins", "--pattern", "^#打卡 第1天"]));
    assert_eq!(groups[0]["checkin_messages"], 3);
    let err = |args: &[&str]| String::from_utf8(run(Some(&db), args).stderr).unwrap();
    assert!(err(&["checkins", "--pattern", "("]).contains("--pattern"));
    assert!(
        err(&["checkin", "add", "--group", "ck", "--member", "小A", "--day", "03/05"])
            .contains("\"03/05\" is not a day")
    );
    assert!(err(&["checkin", "add", "--group", "ck", "--member", "nobody", "--day", "2024-03-05"]).contains("nobody"));
    assert!(err(&["checkins", "--group", "nope"]).contains("no group \"nope\""));
}

/// Deleting a member deletes their check-ins recorded by hand.
#[test]
fn hand_checkins_go_with_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    setup(&db, dir.path());
    let out = json(&ok(Some(&db), &["--json", "member", "delete", "--yes", "wechat:wxid_c"]));
    assert_eq!(out["checkin_marks"], 1, "{out}");
    let groups = json(&ok(Some(&db), &["--json", "checkins"]));
    assert!(groups[0]["members"].as_array().unwrap().iter().all(|m| m["name"] != "小C"));
}

/// The simulator's demo community (4 groups run check-in challenges, 4,635
/// check-ins) rendered as canonical JSONL and imported: every member's
/// calendar is exactly the days the simulator had them check in (the
/// message and its `checkin` event are one record), and days, misses and
/// streaks follow from those true days by the rules of docs/ops.md. The
/// bare-form count may only be lower than the truth (which knows replies
/// to the check-in itself, not other same-hour @-mentions of its author),
/// by at most 1.25% of the check-ins plus one: on seed 1 the gap is 10 in
/// 21天读书打卡营, the same 10 check-ins since the simulator's silent
/// welcomed newcomers stopped writing theirs (901 → 863 check-ins, so 1% + 1
/// no longer holds 10; docs/sim.md, "Newcomers").
#[test]
fn a_simulated_challenge_matches_its_truth() {
    use chrono::NaiveDate;
    use std::collections::{BTreeMap, BTreeSet};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let db = dir.path().join("t.db");
    ok(None, &["sim", "--scenario", "demo", "--format", "jsonl", "--out", out.to_str().unwrap()]);
    ok(Some(&db), &["import", out.to_str().unwrap()]);
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("truth.json")).unwrap()).unwrap();
    let measured = json(&ok(Some(&db), &["--json", "checkins"]));
    let day = |s: &str| NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").unwrap();
    let mut total = 0;
    for g in truth["groups"].as_array().unwrap() {
        let challenges = g["challenges"].as_array().unwrap();
        if challenges.is_empty() {
            continue;
        }
        let ext = g["group"].as_str().unwrap();
        let m = measured.as_array().unwrap().iter().find(|x| x["external_id"] == ext).expect("group measured");
        // Platform id → (member id, joined).
        let members = json(&ok(Some(&db), &["--json", "members", "--group", ext]));
        let mut by_id = BTreeMap::new();
        for x in members.as_array().unwrap() {
            for id in x["ids"].as_array().unwrap() {
                let id = id.as_str().unwrap().trim_start_matches("wechat:").to_string();
                by_id.insert(id, (x["member_id"].as_i64().unwrap(), x["joined"].as_str().map(day)));
            }
        }
        let mut days: BTreeMap<i64, BTreeSet<NaiveDate>> = BTreeMap::new();
        let mut joined = BTreeMap::new();
        let mut checkins = 0;
        for c in challenges {
            checkins += c["checkins"].as_u64().unwrap();
            for (pid, ds) in c["days"].as_object().unwrap() {
                let (member, join) = by_id[pid];
                joined.insert(member, join);
                days.entry(member).or_default().extend(ds.as_array().unwrap().iter().map(|d| day(d.as_str().unwrap())));
            }
        }
        total += checkins;
        assert_eq!(m["checkin_messages"], checkins, "{ext}");
        let start = days.values().flatten().min().copied().unwrap();
        assert_eq!(m["start"], start.to_string(), "{ext}");
        let today = day(m["today"].as_str().unwrap());
        assert_eq!(today, NaiveDate::from_ymd_opt(2024, 9, 2).unwrap(), "the day after the demo's 182 days");
        let rows = m["members"].as_array().unwrap();
        assert_eq!(rows.len(), days.len(), "{ext}");
        for (member, true_days) in &days {
            let row = rows.iter().find(|r| r["member_id"] == *member).unwrap();
            let calendar: BTreeSet<NaiveDate> = row["calendar"].as_object().unwrap().keys().map(|d| day(d)).collect();
            assert_eq!(&calendar, true_days, "{ext} member {member}");
            // Their span: from the challenge's start (or their joining, if
            // later, unless they checked in before it) to yesterday.
            let own_first = *true_days.first().unwrap();
            let span_start = joined[member].map_or(start, |j| j.max(start)).min(own_first);
            let yesterday = today.pred_opt().unwrap();
            let span = (yesterday - span_start).num_days() + 1;
            let (mut longest, mut run) = (0, 0);
            let mut d = span_start;
            while d <= yesterday {
                run = if true_days.contains(&d) { run + 1 } else { 0 };
                longest = longest.max(run);
                d = d.succ_opt().unwrap();
            }
            let expect = [true_days.len() as i64, span - true_days.len() as i64, longest, run];
            let got = ["days", "misses", "longest_streak", "current_streak"].map(|k| row[k].as_i64().unwrap());
            assert_eq!(got, expect, "{ext} member {member}");
            assert_eq!(row["missed_yesterday"], !true_days.contains(&yesterday), "{ext} member {member}");
        }
        let truth_bare = checkins - g["checkins_answered"].as_u64().unwrap();
        let bare = m["bare_messages"].as_u64().unwrap();
        assert!(
            bare <= truth_bare && truth_bare - bare <= checkins / 80 + 1,
            "{ext}: bare {bare}, truth {truth_bare} of {checkins}"
        );
    }
    assert_eq!(total, truth["totals"]["checkins"].as_u64().unwrap());
}
