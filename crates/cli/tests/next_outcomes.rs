//! Outcomes of the moves beyond welcome, re-engage and intervene, end to end
//! through the CLI on real SQLite files: a move proposed after a first
//! import, marked done with `tonghao next done ID --at DATE`, and judged by
//! later imports against hand-made histories whose right answers are worked
//! out in the comments (the rules: `docs/ops.md`, "Decisions and outcomes").

mod common;

use common::{json, ok};
use serde_json::Value;
use std::path::Path;

/// 2024-03-04 00:00 UTC plus `day` days, `hour`:`min` UTC, as RFC 3339.
fn at(day: i64, hour: u32, min: u32) -> String {
    let t = chrono::NaiveDate::from_ymd_opt(2024, 3, 4).unwrap().and_hms_opt(hour, min, 0).unwrap()
        + chrono::Duration::days(day);
    format!("{}Z", t.format("%Y-%m-%dT%H:%M:%S"))
}

/// A canonical message in group `group` (`{group}@chatroom`, named `group`)
/// by `wxid_{who}` named `who`; `extra` is more JSON fields, each with its
/// leading comma.
fn say(group: &str, id: &str, who: &str, t: &str, text: &str, extra: &str) -> String {
    format!(
        r#"{{"kind":"message","platform":"wechat","group":"{group}@chatroom","group_name":"{group}","member":"wxid_{who}","member_name":"{who}","at":"{t}","id":"{id}","text":"{text}"{extra}}}"#
    )
}

/// A join, leave or role event (`extra`: `,"role":"admin"`).
fn event(kind: &str, group: &str, who: &str, t: &str, extra: &str) -> String {
    format!(
        r#"{{"kind":"{kind}","platform":"wechat","group":"{group}@chatroom","group_name":"{group}","member":"wxid_{who}","member_name":"{who}","at":"{t}"{extra}}}"#
    )
}

/// Imports `lines` as the file `name` in `dir` into `db`.
fn import(db: &Path, dir: &Path, name: &str, lines: &[String]) {
    let file = dir.join(name);
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    ok(Some(db), &["import", file.to_str().unwrap()]);
}

/// `tonghao --json next`.
fn next(db: &Path) -> Value {
    json(&ok(Some(db), &["--json", "next"]))
}

/// The open moves of `kind` in `listed`.
fn moves<'a>(listed: &'a Value, kind: &str) -> Vec<&'a Value> {
    listed["moves"].as_array().unwrap().iter().filter(|m| m["kind"] == kind).collect()
}

/// (done, measured, worked, hit rate) of `kind` in `listed`'s outcomes.
fn outcome(listed: &Value, kind: &str) -> (u64, u64, u64, Option<f64>) {
    let o = listed["outcomes"].as_array().unwrap().iter().find(|o| o["kind"] == kind).unwrap_or_else(|| {
        panic!("no outcome of {kind}: {}", listed["outcomes"]);
    });
    (
        o["done"].as_u64().unwrap(),
        o["measured"].as_u64().unwrap(),
        o["worked"].as_u64().unwrap(),
        o["hit_rate"].as_f64(),
    )
}

/// The reading club 读书会 (owner 群主 by a role event), 69 days from
/// 2024-03-04: every day at 20:00 one of 甲, 乙, 丙 (in turn) asks, 热心人
/// answers a minute later (an explicit reply), 群主 announces at 21:00. On
/// day 67 at 03:00 提问者 asks "请问下一本书是什么？" and nobody answers; on days
/// 60 and 61 广告号 posts an ad, on day 62 广告二 posts one. The export ends
/// on day 68 at 21:00 (2024-05-11).
fn club() -> Vec<String> {
    let mut v = Vec::new();
    for who in ["群主", "热心人", "甲", "乙", "丙", "提问者", "广告号", "广告二"] {
        v.push(event("join", "读书会", who, &at(-1, 0, 0), ""));
    }
    v.push(event("role", "读书会", "群主", &at(-1, 0, 1), r#","role":"owner""#));
    for day in 0..69 {
        let asker = ["甲", "乙", "丙"][day as usize % 3];
        let q = format!("q{day}");
        v.push(say("读书会", &q, asker, &at(day, 20, 0), "今天读到第几章了？大家有什么想法吗", ""));
        let reply = format!(r#","reply_to":"{q}""#);
        v.push(say(
            "读书会",
            &format!("a{day}"),
            "热心人",
            &at(day, 20, 1),
            "我读到第五章，作者对时间的看法很有意思",
            &reply,
        ));
        v.push(say(
            "读书会",
            &format!("n{day}"),
            "群主",
            &at(day, 21, 0),
            "明天晚上九点我们一起讨论第六章，欢迎大家准备问题",
            "",
        ));
        if day == 67 {
            v.push(say("读书会", "ask", "提问者", &at(day, 3, 0), "请问下一本书是什么？", ""));
        }
        let ad = "加微信 abc123 领取优惠券，限时免费 http://x.example/";
        match day {
            60 | 61 => v.push(say("读书会", &format!("ad{day}"), "广告号", &at(day, 12, 0), ad, "")),
            62 => v.push(say("读书会", "ad62", "广告二", &at(day, 12, 0), ad, "")),
            _ => {}
        }
    }
    v
}

/// The club's conversation goes on for days `from..to` (the same daily
/// question, answer and announcement), ids unique to the days.
fn club_more(from: i64, to: i64) -> Vec<String> {
    let mut v = Vec::new();
    for day in from..to {
        let q = format!("q{day}");
        v.push(say("读书会", &q, ["甲", "乙", "丙"][day as usize % 3], &at(day, 20, 0), "今天读到第几章了？", ""));
        let reply = format!(r#","reply_to":"{q}""#);
        v.push(say("读书会", &format!("a{day}"), "热心人", &at(day, 20, 1), "我读到第八章了", &reply));
    }
    v
}

/// Marks the only open move of `kind` about `about` done on 2024-05-13
/// (day 70, after the first export's end); returns its id.
fn decide(db: &Path, kind: &str, about: &str) -> String {
    let listed = next(db);
    let found: Vec<&Value> = moves(&listed, kind).into_iter().filter(|m| m["about"] == about).collect();
    assert_eq!(found.len(), 1, "one {kind} about {about}: {}", listed["moves"]);
    let id = found[0]["id"].as_str().unwrap().to_string();
    ok(Some(db), &["next", "done", &id, "--at", "2024-05-13"]);
    id
}

/// Answer: 提问者's question (day 67) went unanswered. Decided on day 70;
/// a later export in which nobody posts again (the club talks on days
/// 71–72) shows nothing yet and the history is not 4 weeks past the
/// decision: not measured. A third export in which 提问者 posts again on day
/// 73: measured, worked, hit rate 1.
#[test]
fn an_answered_question_is_measured_by_the_asker_posting_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    import(&db, dir.path(), "first.jsonl", &club());
    let id = decide(&db, "answer", "提问者");
    let after = next(&db);
    assert!(moves(&after, "answer").iter().all(|m| m["id"] != id.as_str()));
    assert_eq!(outcome(&after, "answer"), (1, 0, 0, None), "no history after the decision yet");
    import(&db, dir.path(), "second.jsonl", &club_more(71, 73));
    assert_eq!(outcome(&next(&db), "answer"), (1, 0, 0, None), "nothing yet, and not 4 weeks on");
    let again = say("读书会", "thanks", "提问者", &at(73, 9, 0), "谢谢，我找到书单了", "");
    import(&db, dir.path(), "third.jsonl", &[again]);
    assert_eq!(outcome(&next(&db), "answer"), (1, 1, 1, Some(1.0)));
}

/// Spam: 广告号 (2 ads) and 广告二 (1 ad), both marked done on day 70. In
/// the next export 广告号 is removed (a leave on day 71): worked at once;
/// 广告二 posts another ad on day 72: a miss at once. Two measured, one
/// worked: hit rate 0.5. The text of `tonghao next` says so.
#[test]
fn spam_worked_when_the_account_left_and_not_when_it_posted_another_ad() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    import(&db, dir.path(), "first.jsonl", &club());
    let listed = next(&db);
    let spam = moves(&listed, "spam");
    assert_eq!(spam.len(), 2, "{spam:?}");
    decide(&db, "spam", "广告号");
    decide(&db, "spam", "广告二");
    assert_eq!(outcome(&next(&db), "spam"), (2, 0, 0, None));
    let mut later = club_more(71, 73);
    later.push(event("leave", "读书会", "广告号", &at(71, 10, 0), r#","by":{"id":"wxid_群主"}"#));
    later.push(say(
        "读书会",
        "ad72",
        "广告二",
        &at(72, 12, 0),
        "加微信 abc123 领取优惠券，限时免费 http://x.example/",
        "",
    ));
    import(&db, dir.path(), "second.jsonl", &later);
    let listed = next(&db);
    assert_eq!(outcome(&listed, "spam"), (2, 2, 1, Some(0.5)));
    let text = String::from_utf8(ok(Some(&db), &["next"]).stdout).unwrap();
    assert!(text.contains("spam (the account left or was removed"), "{text}");
    assert!(text.contains("2 done, 2 with a visible result, 1 of them worked; 0 dismissed; hit rate 50%"), "{text}");
}

/// Promote: 热心人 answers 甲, 乙 and 丙 every week and is not the host (群主
/// owns the group): an admin candidate. Decided on day 70; the club talks on
/// days 71–77 with no role event: not measured (not 4 weeks on). Then 群主
/// makes 热心人 admin on day 78: worked.
#[test]
fn a_promotion_worked_when_the_member_got_the_admin_role() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    import(&db, dir.path(), "first.jsonl", &club());
    decide(&db, "promote", "热心人");
    import(&db, dir.path(), "second.jsonl", &club_more(71, 78));
    assert_eq!(outcome(&next(&db), "promote"), (1, 0, 0, None));
    let role = event("role", "读书会", "热心人", &at(78, 10, 0), r#","role":"admin""#);
    import(&db, dir.path(), "third.jsonl", &[role]);
    let listed = next(&db);
    assert_eq!(outcome(&listed, "promote"), (1, 1, 1, Some(1.0)));
    assert_eq!(listed["outcomes"].as_array().unwrap()[0]["not_measurable"], 0);
}

/// Six members of 跑步烘焙 in English (after the ops crate's test of
/// introductions): Ann greets every day; in days 44–68, five rounds of Bob
/// and Cat both writing "marathon tempo intervals", Cat and Eve "baking",
/// Dan and Fay asking about a sourdough starter, Eve answering Fay. Eve
/// answers what Dan asks (keep, sourdough, starter) and they never answered
/// each other: introduce them. (Bob and Cat, whom the ops crate's test also
/// pairs from explicit links alone, are tied here by a reply the import
/// infers, so they are not proposed.)
fn runners() -> Vec<String> {
    let mut v = Vec::new();
    let g = "跑步烘焙";
    for day in 0..69 {
        v.push(say(g, &format!("h{day}"), "Ann", &at(day, 9, 0), "hello everyone, welcome", ""));
    }
    for round in 0..5 {
        let d = 44 + 5 * round;
        let id = |k: u32| format!("r{round}-{k}");
        v.push(say(g, &id(1), "Bob", &at(d, 20, 0), "marathon tempo intervals", ""));
        v.push(say(g, &id(2), "Cat", &at(d + 1, 20, 0), "marathon tempo intervals", ""));
        v.push(say(g, &id(3), "Cat", &at(d + 1, 21, 0), "baking bread", ""));
        v.push(say(g, &id(4), "Dan", &at(d + 2, 20, 0), "how do you keep a sourdough starter alive?", ""));
        v.push(say(g, &id(5), "Fay", &at(d + 3, 20, 0), "any tips for sourdough starter feeding?", ""));
        let reply = format!(r#","reply_to":"{}""#, id(5));
        v.push(say(g, &id(6), "Eve", &at(d + 3, 21, 0), "keep your sourdough starter warm, feed flour daily", &reply));
        v.push(say(g, &id(7), "Eve", &at(d + 4, 20, 0), "love baking", ""));
    }
    v
}

/// Introduce: Dan and Eve, decided on day 70. The next export has them
/// write a minute apart on day 71 with no reply or mention (an inferred
/// reply at most, which does not count): not measured. The third has Eve
/// @mention Dan on day 72: worked.
#[test]
fn an_introduction_worked_when_one_mentioned_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    import(&db, dir.path(), "first.jsonl", &runners());
    let listed = next(&db);
    let pair: Vec<&Value> = moves(&listed, "introduce")
        .into_iter()
        .filter(|m| m["en"].as_str().is_some_and(|t| t.contains("Dan") && t.contains("Eve")))
        .collect();
    assert_eq!(pair.len(), 1, "{}", listed["moves"]);
    let id = pair[0]["id"].as_str().unwrap().to_string();
    ok(Some(&db), &["next", "done", &id, "--at", "2024-05-13"]);
    let g = "跑步烘焙";
    let side_by_side = [
        say(g, "s1", "Dan", &at(71, 20, 0), "my sourdough starter finally rose", ""),
        say(g, "s2", "Eve", &at(71, 20, 1), "keep feeding it flour daily", ""),
    ];
    import(&db, dir.path(), "second.jsonl", &side_by_side);
    assert_eq!(outcome(&next(&db), "introduce"), (1, 0, 0, None));
    let mention =
        say(g, "s3", "Eve", &at(72, 20, 0), "Dan, bring your starter on Sunday", r#","mentions":[{"id":"wxid_Dan"}]"#);
    import(&db, dir.path(), "third.jsonl", &[mention]);
    assert_eq!(outcome(&next(&db), "introduce"), (1, 1, 1, Some(1.0)));
}

/// Three circles of 18 in 跑团 (圈c-k; after the ops crate's split test): on
/// days 50–67 member k of each circle posts on day 50 + k and answers every
/// earlier member of their circle (explicit replies); three replies on day
/// 68 bridge the circles. 54 active members, over the goal of 40.
fn circles() -> Vec<String> {
    let mut v = Vec::new();
    let name = |c: u32, k: u32| format!("圈{c}-{k}");
    for c in 0..3u32 {
        for k in 0..18u32 {
            let day = 50 + k as i64;
            v.push(say("跑团", &format!("f{c}-{k}"), &name(c, k), &at(day, 20, c), "今天跑了五公里，配速六分半", ""));
            for j in 0..k {
                let reply = format!(r#","reply_to":"f{c}-{j}""#);
                let (h, mi) = (21 + (c * 18 + j) / 60, (c * 18 + j) % 60);
                v.push(say("跑团", &format!("r{c}-{k}-{j}"), &name(c, k), &at(day, h, mi), "加油，明天一起跑", &reply));
            }
        }
    }
    for (n, (c, to)) in [(1, 0), (2, 1), (0, 2)].into_iter().enumerate() {
        let reply = format!(r#","reply_to":"f{to}-0""#);
        v.push(say("跑团", &format!("b{n}"), &name(c, 0), &at(68, 12, n as u32), "你们那边也跑步吗", &reply));
    }
    v
}

/// Messages in the new group `group` by members `ks` of circle `c`, one each
/// on day `day` (ids unique per group and day).
fn new_group_day(group: &str, c: u32, ks: std::ops::Range<u32>, day: i64) -> Vec<String> {
    ks.map(|k| {
        say(group, &format!("{group}-{day}-{k}"), &format!("圈{c}-{k}"), &at(day, 19, k), "新群打卡：五公里", "")
    })
    .collect()
}

/// Split: decided on day 70 (2024-05-13), the proposal being the three
/// circles. Then new groups open (their first messages after the decision,
/// within four weeks of it):
/// - second export, days 77–78: 跑团A with 10 of circle 0, 跑团B with 9 of
///   circle 1, 跑团C with 8 of circle 2, each in its first week only: no
///   group has messages in two of its first four weeks; the history is not
///   8 weeks past the decision: not measured;
/// - third export, day 91: 跑团A and 跑团C talk again (their third week).
///   跑团A is a successor of circle 0 (10 of 18 posted, ≥ half; 2 weeks);
///   跑团C is not (8 of 18 < half); 跑团B has one week: 1 successor of 3,
///   fewer than half: still not measured;
/// - fourth export, day 98: 跑团B talks in its fourth week: 2 of 3 proposed
///   groups have a successor: worked.
#[test]
fn a_split_worked_when_most_proposed_groups_found_an_active_new_group() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    split_story(&db, dir.path(), &|id| {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("SELECT display_name FROM members WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    });
}

/// The same split story on PostgreSQL (the decision's evidence kept by its
/// migration 0006), through the same commands.
#[test]
fn a_split_outcome_is_measured_the_same_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let url = tonghao_store::test_pg::database_url();
    split_story(Path::new(&url), dir.path(), &|id| {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.query_one("SELECT display_name FROM members WHERE id = $1", &[&id]).unwrap().get(0)
    });
}

/// The split story of the test above on the store `db` (files written in
/// `dir`); `name_of` reads a member's name by store id from that store.
fn split_story(db: &Path, dir: &Path, name_of: &dyn Fn(i64) -> String) {
    import(db, dir, "first.jsonl", &circles());
    let listed = next(db);
    let split = moves(&listed, "split");
    assert_eq!(split.len(), 1, "{}", listed["moves"]);
    // The proposal is the three circles: compare store ids with the names
    // of the members the store gave them.
    let mut proposed: Vec<Vec<String>> = split[0]["evidence"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let mut names: Vec<String> =
                g["members"].as_array().unwrap().iter().map(|id| name_of(id.as_i64().unwrap())).collect();
            names.sort();
            names
        })
        .collect();
    proposed.sort();
    let mut expected: Vec<Vec<String>> = (0..3)
        .map(|c| {
            let mut names: Vec<String> = (0..18).map(|k| format!("圈{c}-{k}")).collect();
            names.sort();
            names
        })
        .collect();
    expected.sort();
    assert_eq!(proposed, expected);
    let id = split[0]["id"].as_str().unwrap().to_string();
    ok(Some(db), &["next", "done", &id, "--at", "2024-05-13"]);

    let mut second = new_group_day("跑团A", 0, 0..10, 77);
    second.extend(new_group_day("跑团B", 1, 0..9, 77));
    second.extend(new_group_day("跑团C", 2, 0..8, 78));
    import(db, dir, "second.jsonl", &second);
    assert_eq!(outcome(&next(db), "split"), (1, 0, 0, None), "one week each");

    let mut third = new_group_day("跑团A", 0, 0..10, 91);
    third.extend(new_group_day("跑团C", 2, 0..8, 91));
    import(db, dir, "third.jsonl", &third);
    assert_eq!(outcome(&next(db), "split"), (1, 0, 0, None), "one successor of three");

    import(db, dir, "fourth.jsonl", &new_group_day("跑团B", 1, 0..1, 98));
    let listed = next(db);
    assert_eq!(outcome(&listed, "split"), (1, 1, 1, Some(1.0)), "{}", listed["outcomes"]);
    let report = String::from_utf8(ok(Some(db), &["report"]).stdout).unwrap();
    assert!(report.contains("split (at least half of the small groups"), "the report shows the outcome: {report}");
}

/// Promote where the history cannot show it: the club without its owner's
/// role event (as a chat export, which holds no roles), and a second helper
/// 助手 who answers 甲, 乙 and 丙 on even days (every week, fewer messages
/// than 热心人, who is then the host as the member answering most). 助手 is
/// the candidate; decided on day 70, then five more weeks of talk (days
/// 71–105, past the 4 weeks): still not measured, counted `not_measurable`.
#[test]
fn a_promotion_in_a_history_without_role_events_cannot_be_measured() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let mut history: Vec<String> = club().into_iter().filter(|l| !l.contains(r#""kind":"role""#)).collect();
    for day in (0..69).step_by(2) {
        let reply = format!(r#","reply_to":"q{day}""#);
        history.push(say("读书会", &format!("h{day}"), "助手", &at(day, 20, 2), "我也在读，第四章最好看", &reply));
    }
    import(&db, dir.path(), "first.jsonl", &history);
    decide(&db, "promote", "助手");
    import(&db, dir.path(), "second.jsonl", &club_more(71, 106));
    let listed = next(&db);
    assert_eq!(outcome(&listed, "promote"), (1, 0, 0, None));
    assert_eq!(listed["outcomes"].as_array().unwrap()[0]["not_measurable"], 1);
    let text = String::from_utf8(ok(Some(&db), &["next"]).stdout).unwrap();
    assert!(text.contains("1 cannot be measured (the history holds no role events)"), "{text}");
}
