//! Issue 12's remaining parts end to end: conversion per activity
//! occurrence (figures worked out by hand below), the resource library,
//! the management mode with its group hierarchy, and a community's own
//! draft templates; each with its errors, and a member's erasure.

mod common;

use common::{add_topic, chat_line, import_chat, json, ok, run};
use std::path::{Path, PathBuf};

/// A line of another WeChat group (`g2@chatroom` 读书会2群 or
/// `g3@chatroom` 读书会3群), by `wxid_{who}` named 小{WHO}.
fn other_group(n: u8, id: &str, who: &str, at: &str) -> String {
    let name = format!("小{}", who.to_uppercase());
    format!(
        r#"{{"kind":"message","platform":"wechat","group":"g{n}@chatroom","group_name":"读书会{n}群","member":"wxid_{who}","member_name":"{name}","at":"{at}+08:00","id":"{id}","text":"你好"}}"#
    )
}

/// 读书会1群: 小A, 小B, 小C and 小D each post on Mar 1; 小E first posts
/// on Mar 10; 小D leaves on Mar 12 (and posts again on the 20th). A weekly
/// Wednesday discussion, 21:00–21:30, twice: on Mar 6 小A and 小B speak
/// (and a bot answers), on Mar 13 小C. 小A checks in on Mar 18 and 19, not
/// on the 20th, the group's last day. 读书会2群: 小C on Feb 1, 小D on
/// Mar 20. 读书会3群: 小E on Mar 20.
fn history(dir: &Path) -> PathBuf {
    let mut lines = vec![
        chat_line("p1", "a", "2024-03-01T10:00:00", "大家好", ""),
        chat_line("p2", "b", "2024-03-01T10:01:00", "你好", ""),
        chat_line("p3", "c", "2024-03-01T10:02:00", "早", ""),
        chat_line("p4", "d", "2024-03-01T10:03:00", "在", ""),
        chat_line("t1", "a", "2024-03-06T21:01:00", "今天聊聊最近读的书", ""),
        chat_line("t2", "b", "2024-03-06T21:05:00", "我在读人类简史", ""),
        chat_line("bot1", "bot", "2024-03-06T21:06:00", "【自动回复】欢迎参加话题讨论", r#","bot":true"#),
        r#"{"kind":"leave","platform":"wechat","group":"rc@chatroom","group_name":"读书会1群","member":"wxid_d","member_name":"小D","at":"2024-03-12T10:00:00+08:00","id":"l1"}"#.to_string(),
        chat_line("e1", "e", "2024-03-10T09:00:00", "新人报到", ""),
        chat_line("t3", "c", "2024-03-13T21:10:00", "这周我先说", ""),
        chat_line("k1", "a", "2024-03-18T08:00:00", "#打卡 第1天", ""),
        chat_line("k2", "a", "2024-03-19T08:00:00", "#打卡 第2天", ""),
        chat_line("z1", "d", "2024-03-20T10:00:00", "晚安", ""),
    ];
    lines.push(other_group(2, "g2a", "c", "2024-02-01T10:00:00"));
    lines.push(other_group(2, "g2b", "d", "2024-03-20T10:00:00"));
    lines.push(other_group(3, "g3a", "e", "2024-03-20T11:00:00"));
    let db = import_chat(dir, &lines);
    add_topic(
        &db,
        "每周三话题讨论",
        &["--start", "2024-03-06T21:00:00+08:00", "--rrule", "FREQ=WEEKLY;BYDAY=WE;COUNT=2", "--duration", "30m"],
    );
    db
}

/// Orders (+08:00): 小A Mar 7 10:00 100 yuan and 小B Mar 7 20:00 5 yuan,
/// no group; 小C Mar 8 09:00 30 naming 读书会1群; 小D Mar 9 20 naming a
/// group nobody knows (never counted); 小B Mar 14 12:00 50; 小C Mar 15
/// 10:00 40; 小A Mar 25 10 (after every window).
const ORDERS: &str = "member,time,amount,product,group
wechat:wxid_a,2024-03-07 10:00,100,会员,
wechat:wxid_b,2024-03-07 20:00,5,书签,
wechat:wxid_c,2024-03-08 09:00,30,笔记本,读书会1群
wechat:wxid_d,2024-03-09 12:00,20,贴纸,别的群
wechat:wxid_b,2024-03-14 12:00,50,书,
wechat:wxid_c,2024-03-15 10:00,40,书,
wechat:wxid_a,2024-03-25 10:00,10,笔,
";

/// `tonghao --lang zh ARGS` on `db`, which must succeed; its stdout.
fn run_zh(db: &Path, args: &[&str]) -> String {
    common::ok_in("zh", Some(db), args)
}

fn import_orders(dir: &Path, db: &Path) {
    let file = dir.join("orders.csv");
    std::fs::write(&file, ORDERS).unwrap();
    ok(Some(db), &["orders", "import", file.to_str().unwrap(), "--tz", "+08:00"]);
}

/// Default window, 7 days:
/// - occurrence 1 (Mar 6 21:00–21:30; window to Mar 13 21:30): speakers
///   小A, 小B both bought (100 + 5 = 105 yuan): share 1; others 小C, 小D
///   (小E not yet there): 小C 30 (小D's order names another group): share
///   0.5; lift 2.
/// - occurrence 2 (Mar 13; window to Mar 20 21:30): speaker 小C bought 40:
///   share 1; others 小A, 小B, 小E (小D had left, the bot is no member to
///   count): 小B 50: share 1/3; lift 3.
///
/// The latest order (Mar 25) is past both windows: complete.
///
/// `--days 1`: occurrence 1's window ends Mar 7 21:30: 小A and 小B, and no
/// other (小C bought on the 8th): no lift. Occurrence 2's ends Mar 14
/// 21:30: 小B only, among the others: lift 0.
#[test]
fn conversion_per_activity_matches_the_hand_computed_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    import_orders(dir.path(), &db);
    let c = json(&ok(Some(&db), &["--json", "conversion", "--by-activity"]));
    assert_eq!(c["window_days"], 7);
    let occ = c["activities"][0]["occurrences"].as_array().unwrap();
    assert_eq!(occ.len(), 2);
    let side = |o: &serde_json::Value, s: &str| {
        let x = &o[s];
        (
            x["members"].as_u64().unwrap(),
            x["buyers"].as_u64().unwrap(),
            x["orders"].as_u64().unwrap(),
            x["revenue_fen"].as_i64().unwrap(),
        )
    };
    assert_eq!(side(&occ[0], "speakers"), (2, 2, 2, 10_500));
    assert_eq!(side(&occ[0], "others"), (2, 1, 1, 3_000));
    assert_eq!(occ[0]["lift"], 2.0);
    assert_eq!(side(&occ[1], "speakers"), (1, 1, 1, 4_000));
    assert_eq!(side(&occ[1], "others"), (3, 1, 1, 5_000));
    assert_eq!(occ[1]["others"]["buyer_share"], 1.0 / 3.0);
    assert_eq!(occ[1]["lift"], 3.0);
    assert!(occ.iter().all(|o| o["window_complete"] == true));

    let c = json(&ok(Some(&db), &["--json", "conversion", "--by-activity", "--days", "1"]));
    let occ = c["activities"][0]["occurrences"].as_array().unwrap();
    assert_eq!(side(&occ[0], "speakers"), (2, 2, 2, 10_500));
    assert_eq!(side(&occ[0], "others"), (2, 0, 0, 0));
    assert!(occ[0]["lift"].is_null());
    assert_eq!(side(&occ[1], "speakers"), (1, 0, 0, 0));
    assert_eq!(side(&occ[1], "others"), (3, 1, 1, 5_000));
    assert_eq!(occ[1]["lift"], 0.0);

    let text = String::from_utf8(ok(Some(&db), &["conversion", "--by-activity"]).stdout).unwrap();
    assert!(text.contains("orders in the 7 days after each occurrence"), "{text}");
    assert!(text.contains("#1 2024-03-06 21:00 +08:00") && text.contains("105.00"), "{text}");

    let bad = run(Some(&db), &["conversion", "--by-activity", "--days", "0"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--days 0: from 1 to 365"));
    let bad = run(Some(&db), &["conversion", "--days", "3"]);
    assert!(!bad.status.success(), "--days needs --by-activity");
}

#[test]
fn the_library_is_tagged_matched_to_activities_and_erased_with_its_member() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    ok(
        Some(&db),
        &[
            "activity",
            "add",
            "--group",
            "读书会2群",
            "--kind",
            "offline",
            "--title",
            "杭州线下聚会",
            "--start",
            "2024-04-06T14:00:00+08:00",
        ],
    );
    ok(
        Some(&db),
        &[
            "activity",
            "add",
            "--group",
            "读书会1群",
            "--kind",
            "guest",
            "--title",
            "AI 嘉宾分享",
            "--start",
            "2024-04-10T20:00:00+08:00",
        ],
    );

    let r = json(&ok(
        Some(&db),
        &[
            "--json",
            "resource",
            "add",
            "--kind",
            "guest",
            "--name",
            "小C",
            "--member",
            "wechat:wxid_c",
            "--tags",
            "AI,教育",
            "--tags",
            "#读书",
        ],
    ));
    assert_eq!(r["id"], 1);
    assert_eq!(r["tags"], serde_json::json!(["ai", "教育", "读书"]));
    assert_eq!(r["member"], "小C");
    ok(
        Some(&db),
        &["resource", "add", "--kind", "venue", "--name", "上海咖啡馆", "--tags", "上海", "--note", "可坐 20 人"],
    );
    let t = json(&ok(Some(&db), &["--json", "resource", "tag", "2", "--add", "杭州", "--remove", "上海"]));
    assert_eq!(t["tags"], serde_json::json!(["杭州"]));

    let m = json(&ok(Some(&db), &["--json", "resource", "match"]));
    let by_id = |id: i64| m.as_array().unwrap().iter().find(|x| x["activity"] == id).unwrap().clone();
    // The discussion needs a host: the library has none.
    assert_eq!(by_id(1)["coverage"], "missing");
    // The meetup in Hangzhou: the venue tagged 杭州.
    assert_eq!(by_id(2)["coverage"], "matched");
    assert_eq!(by_id(2)["fits"][0]["shared_tags"], serde_json::json!(["杭州"]));
    // The guest share: 小C shares "ai" (the title) and "读书" (the group's name).
    assert_eq!(by_id(3)["fits"][0]["shared_tags"], serde_json::json!(["ai", "读书"]));
    let text = String::from_utf8(ok(Some(&db), &["resource", "match"]).stdout).unwrap();
    assert!(text.contains("lacking: the library has none of the kind"), "{text}");
    assert!(text.contains("fits: #1 小C (shared tags: ai, 读书)"), "{text}");

    let list = json(&ok(Some(&db), &["--json", "resource", "list", "--tag", "教育"]));
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Errors name what is wrong.
    let e = run(Some(&db), &["resource", "add", "--kind", "room", "--name", "x"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("not one of venue, content, host, guest"));
    let e = run(Some(&db), &["resource", "add", "--kind", "venue", "--name", "x", "--member", "wechat:wxid_a"]);
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("a venue names no member"),
        "{}",
        String::from_utf8_lossy(&e.stderr)
    );
    let e = run(Some(&db), &["resource", "add", "--kind", "guest", "--name", "x", "--member", "wechat:nobody"]);
    assert!(!e.status.success());
    let e = run(Some(&db), &["resource", "remove", "9"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("no resource #9"));
    // Another community sees none of it.
    let other = json(&ok(Some(&db), &["--json", "--community", "other", "resource", "list"]));
    assert_eq!(other, serde_json::json!([]));

    // Erasing 小C erases the entry that is them, and says so.
    let export = json(&ok(Some(&db), &["--json", "member", "export", "wechat:wxid_c"]));
    assert_eq!(export["resources"][0]["name"], "小C");
    let gone = json(&ok(Some(&db), &["--json", "member", "delete", "wechat:wxid_c", "--yes"]));
    assert_eq!(gone["resources"], 1);
    let left = json(&ok(Some(&db), &["--json", "resource", "list"]));
    assert_eq!(
        left.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect::<Vec<_>>(),
        vec!["上海咖啡馆"]
    );
    let removed = json(&ok(Some(&db), &["--json", "resource", "remove", "2"]));
    assert_eq!(removed["name"], "上海咖啡馆");
    assert_eq!(json(&ok(Some(&db), &["--json", "resource", "list"])), serde_json::json!([]));
}

/// 分群: 读书会2群 and 读书会3群 are sub-groups of 读书会1群. 2群's owner
/// 小C last posted there on Feb 1, 48 days before its history ends (Mar
/// 20; 29 days of February 2024 + 19); 3群 has no owner.
#[test]
fn the_management_mode_is_checked_against_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    let s = json(&ok(Some(&db), &["--json", "mode", "show"]));
    assert!(s["mode"].is_null());
    ok(Some(&db), &["mode", "set", "分群"]);
    let s = json(&ok(Some(&db), &["--json", "mode", "show"]));
    assert_eq!(s["mode"], "sub_groups");
    assert_eq!(s["checks"][0]["kind"], "no_sub_groups");

    let p = json(&ok(Some(&db), &["--json", "mode", "group", "读书会2群", "--parent", "读书会1群", "--owner", "小C"]));
    assert_eq!((p["parent"].as_str(), p["owner"].as_str()), (Some("读书会1群"), Some("小C")));
    ok(Some(&db), &["mode", "group", "g3@chatroom", "--parent", "读书会1群"]);
    let s = json(&ok(Some(&db), &["--json", "mode", "show"]));
    let tree = &s["tree"];
    assert_eq!(tree.as_array().unwrap().len(), 1, "one top group: {tree}");
    assert_eq!(tree[0]["group"], "读书会1群");
    assert_eq!(tree[0]["children"].as_array().unwrap().len(), 2);
    let checks = s["checks"].as_array().unwrap();
    let of = |g: &str| checks.iter().find(|c| c["group"] == g).unwrap().clone();
    assert_eq!(of("读书会2群")["kind"], "owner_silent");
    assert_eq!(of("读书会2群")["days_since_owner_posted"], 48);
    assert_eq!(of("读书会3群")["kind"], "no_owner");
    let text = String::from_utf8(ok(Some(&db), &["mode", "show"]).stdout).unwrap();
    assert!(text.contains("management mode: sub-groups"), "{text}");
    assert!(text.contains("[not kept] 读书会2群's owner 小C has not posted there in 48 days"), "{text}");
    assert!(text.contains("[not kept] 读书会3群 is a sub-group without an owner"), "{text}");

    // An owner who posted in the last 4 weeks is kept: 小D (Mar 20).
    ok(Some(&db), &["mode", "group", "读书会2群", "--parent", "读书会1群", "--owner", "wechat:wxid_d"]);
    let s = json(&ok(Some(&db), &["--json", "mode", "show"]));
    let c2 = s["checks"].as_array().unwrap().iter().find(|c| c["group"] == "读书会2群").unwrap().clone();
    assert_eq!((c2["kind"].as_str(), c2["ok"].as_bool()), (Some("owner_active"), Some(true)));

    // Errors: a cycle, an unknown mode, group or owner.
    let e = run(Some(&db), &["mode", "group", "读书会1群", "--parent", "读书会2群"]);
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("cannot be the parent"),
        "{}",
        String::from_utf8_lossy(&e.stderr)
    );
    let e = run(Some(&db), &["mode", "set", "democracy"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("centralised (集中)"));
    assert!(!run(Some(&db), &["mode", "group", "没有这个群"]).status.success());
    assert!(!run(Some(&db), &["mode", "group", "读书会2群", "--owner", "小Z"]).status.success());

    // Erasing the owner leaves the group ownerless.
    ok(Some(&db), &["member", "delete", "wechat:wxid_d", "--yes"]);
    let s = json(&ok(Some(&db), &["--json", "mode", "show"]));
    let c2 = s["checks"].as_array().unwrap().iter().find(|c| c["group"] == "读书会2群").unwrap().clone();
    assert_eq!(c2["kind"], "no_owner");
    // Deleting the parent makes its sub-groups top groups.
    ok(Some(&db), &["groups", "delete", "读书会1群", "--yes"]);
    let s = json(&ok(Some(&db), &["--json", "mode", "show"]));
    assert_eq!(s["tree"].as_array().unwrap().len(), 2, "{}", s["tree"]);
}

#[test]
fn a_communitys_templates_word_its_drafts_and_unknown_placeholders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = history(dir.path());
    let list = json(&ok(Some(&db), &["--json", "template", "list"]));
    assert!(list.as_array().unwrap().iter().any(|t| t["key"] == "activity_draft.announce" && t["zh"].is_null()));

    run_zh(&db, &["template", "set", "activity_draft.announce", "明天{time}「{title}」{hosted}，不见不散！"]);
    ok(Some(&db), &["template", "set", "draft.checkin_encourage", "{name}: {days} {days|day|days} so far, come back!"]);
    let zh = run_zh(&db, &["activity", "drafts", "1", "--occurrence", "2"]);
    assert!(zh.contains("明天2024-03-13 21:00「每周三话题讨论」，不见不散！"), "{zh}");
    // English was not set: tonghao's text.
    let en = String::from_utf8(ok(Some(&db), &["activity", "drafts", "1", "--occurrence", "2"]).stdout).unwrap();
    assert!(en.contains("Coming up tomorrow at 2024-03-13 21:00"), "{en}");
    // 小A checked in on the 18th and 19th, not the 20th.
    let checkins = String::from_utf8(ok(Some(&db), &["checkins"]).stdout).unwrap();
    assert!(checkins.contains("小A: 2 days so far, come back!"), "{checkins}");

    let e = run(Some(&db), &["template", "set", "activity_draft.remind", "{title} at {when}"]);
    let err = String::from_utf8_lossy(&e.stderr);
    assert!(!e.status.success() && err.contains("unknown placeholder {when}") && err.contains("{time}"), "{err}");
    let e = run(Some(&db), &["template", "set", "label.group", "x"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("not a template tonghao drafts with"));
    let e = std::process::Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .args(["--db", db.to_str().unwrap(), "--lang", "fr", "template", "set", "draft.welcome", "{name}"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("--lang \"fr\": zh or en"),
        "{}",
        String::from_utf8_lossy(&e.stderr)
    );

    let shown = json(&ok(Some(&db), &["--json", "template", "show", "activity_draft.announce"]));
    assert_eq!(shown["zh"], "明天{time}「{title}」{hosted}，不见不散！");
    // `--lang en` resets English only, which was not set.
    let reset = json(&ok(Some(&db), &["--json", "template", "reset", "activity_draft.announce"]));
    assert_eq!(reset["reset"], false);
    let reset: serde_json::Value =
        serde_json::from_str(&run_zh(&db, &["--json", "template", "reset", "activity_draft.announce"])).unwrap();
    assert_eq!(reset["reset"], true);
    let zh = run_zh(&db, &["activity", "drafts", "1", "--occurrence", "2"]);
    assert!(zh.contains("【预告】明天 2024-03-13 21:00"), "{zh}");
    // Another community keeps tonghao's texts.
    let other =
        json(&ok(Some(&db), &["--json", "--community", "other", "template", "show", "draft.checkin_encourage"]));
    assert!(other["en"].is_null());
}
