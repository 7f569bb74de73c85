//! `tonghao orders import` and `tonghao conversion` end to end, on a small
//! history written by hand with every figure worked out by hand below.

mod common;

use common::{fails_in, json, ok, run};

/// Two WeChat groups (all times +08:00, 2024):
/// - 读书会1群 (g1): 阿花 (wxid_hua) joins Jan 1 10:00; 老周 (wxid_zhou) has
///   no join event, his first message there is Jan 5 10:00.
/// - 读书会2群 (g2): 小李 (wxid_li) joins Feb 1 10:00; 老周 joins Mar 1
///   10:00; 小徐 (wxid_xu) joins Apr 1 10:00.
const CHAT: &str = r#"{"kind":"join","platform":"wechat","group":"g1","group_name":"读书会1群","member":"wxid_hua","member_name":"阿花","at":"2024-01-01T10:00:00+08:00","id":"j1"}
{"kind":"message","platform":"wechat","group":"g1","group_name":"读书会1群","member":"wxid_hua","member_name":"阿花","at":"2024-01-01T10:05:00+08:00","id":"m1","text":"大家好"}
{"kind":"message","platform":"wechat","group":"g1","group_name":"读书会1群","member":"wxid_zhou","member_name":"老周","at":"2024-01-05T10:00:00+08:00","id":"m2","text":"欢迎阿花"}
{"kind":"join","platform":"wechat","group":"g2","group_name":"读书会2群","member":"wxid_li","member_name":"小李","at":"2024-02-01T10:00:00+08:00","id":"j2"}
{"kind":"message","platform":"wechat","group":"g2","group_name":"读书会2群","member":"wxid_li","member_name":"小李","at":"2024-02-01T10:01:00+08:00","id":"m3","text":"我来了"}
{"kind":"join","platform":"wechat","group":"g2","group_name":"读书会2群","member":"wxid_zhou","member_name":"老周","at":"2024-03-01T10:00:00+08:00","id":"j3"}
{"kind":"join","platform":"wechat","group":"g2","group_name":"读书会2群","member":"wxid_xu","member_name":"小徐","at":"2024-04-01T10:00:00+08:00","id":"j4"}
"#;

/// Nine orders; times with and without an offset (`--tz +08:00`):
/// 1. 阿花 Jan 11 10:00, 99.00, names 读书会1群 → g1; 10.0 days after joining.
/// 2. 阿花 Feb 10, 19.90, no group → every group she was in by then: g1.
/// 3. 老周 Jun 3 10:00, 199, no group → g1 (first seen Jan 5: 150 days:
///    Jan 5→Feb 5 31, →Mar 5 29, →Apr 5 31, →May 5 30, →Jun 3 29) and g2
///    (joined Mar 1: 31 + 30 + 31 + 2 = 94 days).
/// 4. 小李 Feb 3 22:00, 50.5, names g2 by id → 2.5 days after joining.
/// 5. 小李 Feb 20, 5.05, g2 → her second order there: a repeat buyer.
/// 6. 小李 Mar 2, 1.00, names a group nobody knows → credited to no group.
/// 7. and 8. wxid_ghost, in no chat, twice the same row: two orders, unlinked.
/// 9. 小徐 Mar 20, 8.80, g2: bought before joining (Apr 1) → a buyer of g2,
///    but not in the days-to-first-order figures.
const ORDERS: &str = "member,time,amount,product,group
wechat:wxid_hua,2024-01-11T10:00:00+08:00,99.00,《小群效应》,读书会1群
wechat:wxid_hua,2024-02-10 09:00,19.9,书签,
wechat:wxid_zhou,2024-06-03 10:00,199,年度会员,
wechat:wxid_li,2024-02-03 22:00:00,50.5,笔记本,g2
wechat:wxid_li,2024-02-20 10:00,5.05,贴纸,g2
wechat:wxid_li,2024-03-02 10:00,1.00,明信片,不存在的群
wechat:wxid_ghost,2024-03-01 12:00,10,书签,
wechat:wxid_ghost,2024-03-01 12:00,10,书签,
wechat:wxid_xu,2024-03-20 10:00,8.80,笔,读书会2群
";

/// Totals: 9 orders; 99 + 19.90 + 199 + 50.50 + 5.05 + 1 + 10 + 10 + 8.80
/// = 403.25 yuan; buyers 阿花, 老周, 小李, ghost, 小徐 = 5; repeat buyers
/// 阿花 (2), 小李 (3), ghost (2) = 3; unlinked 2 (ghost); uncredited 1 (6).
///
/// 读书会1群: orders 1, 2, 3 → 2 buyers, 317.90 yuan, 1 repeat (阿花);
/// days 10 and 150 → median 80, one of two within 90 days (50%).
/// 读书会2群: orders 3, 4, 5, 9 → 3 buyers, 263.35 yuan, 1 repeat (小李);
/// days 2.5 (小李) and 94 (老周), 小徐 not measured → median 48.25, one of
/// two within 90 days.
#[test]
fn conversion_matches_the_hand_computed_figures_and_reimport_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let chat = dir.path().join("chat.jsonl");
    let orders = dir.path().join("orders.csv");
    std::fs::write(&chat, CHAT).unwrap();
    std::fs::write(&orders, ORDERS).unwrap();
    ok(Some(&db), &["import", chat.to_str().unwrap()]);

    let args = ["--json", "orders", "import", orders.to_str().unwrap(), "--tz", "+08:00"];
    let first = json(&ok(Some(&db), &args));
    assert_eq!(first["added"], 9);
    assert_eq!(first["unlinked"], 2);
    assert_eq!(first["unlinked_buyers"], 1);
    let again = json(&ok(Some(&db), &args));
    assert_eq!((again["added"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(9)));

    let c = json(&ok(Some(&db), &["--json", "conversion"]));
    assert_eq!(c["orders"], 9);
    assert_eq!(c["revenue_fen"], 40325);
    assert_eq!(c["buyers"], 5);
    assert_eq!(c["repeat_buyers"], 3);
    assert_eq!(c["unlinked_orders"], 2);
    assert_eq!(c["uncredited_orders"], 1);
    let groups = c["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    let (g1, g2) = (&groups[0], &groups[1]);
    assert_eq!(g1["group"], "读书会1群");
    assert_eq!(
        (g1["buyers"].as_u64(), g1["orders"].as_u64(), g1["revenue_fen"].as_i64()),
        (Some(2), Some(3), Some(31790))
    );
    assert_eq!(g1["repeat_buyers"], 1);
    assert_eq!(g1["median_days_to_first_order"], 80.0);
    assert_eq!((g1["first_orders_within_90_days"].as_u64(), g1["buyers_with_join"].as_u64()), (Some(1), Some(2)));
    assert_eq!(g1["share_within_90_days"], 0.5);
    assert_eq!(g2["group"], "读书会2群");
    assert_eq!(
        (g2["buyers"].as_u64(), g2["orders"].as_u64(), g2["revenue_fen"].as_i64()),
        (Some(3), Some(4), Some(26335))
    );
    assert_eq!(g2["repeat_buyers"], 1);
    assert_eq!(g2["median_days_to_first_order"], 48.25);
    assert_eq!(g2["buyers_with_join"], 2);
    assert_eq!(g2["share_within_90_days"], 0.5);

    // The text view shows the same figures.
    let text = String::from_utf8(ok(Some(&db), &["conversion"]).stdout).unwrap();
    assert!(text.contains("317.90") && text.contains("263.35") && text.contains("48.3"), "{text}");
    assert!(text.contains("total: 9 orders, 403.25 yuan, 5 buyers, 3 of them repeat buyers"), "{text}");

    // Deleting a member deletes their orders: 小李's three go.
    ok(Some(&db), &["member", "delete", "--yes", "wechat:wxid_li"]);
    let c = json(&ok(Some(&db), &["--json", "conversion"]));
    assert_eq!(c["orders"], 6);
    // Importing the file again does not bring them back.
    let third = json(&ok(Some(&db), &args));
    assert_eq!((third["added"].as_u64(), third["suppressed"].as_u64()), (Some(0), Some(3)));
}

/// A bad amount, time or member fails the whole file with its name, line
/// and column, and stores none of its rows.
#[test]
fn a_bad_cell_names_file_line_and_column_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let cases = [
        (
            "member,time,amount,product\nwechat:a,2024-03-01T10:00:00+08:00,1,x\nwechat:b,2024-03-01T10:00:00+08:00,1.999,x\n",
            "line 3, column amount",
        ),
        ("member,time,amount,product\nwechat:a,2024-03-01T10:00:00+08:00,-1,x\n", "line 2, column amount"),
        (
            "member,time,amount,product\nwechat:a,2024-03-01T10:00:00+08:00,1,x\nwechat:b,2024-03-01 10:00,1,x\n",
            "line 3, column time",
        ),
        ("member,time,amount,product\nwxid_a,2024-03-01T10:00:00+08:00,1,x\n", "line 2, column member"),
    ];
    for (i, (csv, want)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad{i}.csv"));
        std::fs::write(&file, csv).unwrap();
        let out = run(Some(&db), &["orders", "import", file.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(err.contains(&format!("bad{i}.csv")) && err.contains(want), "{err}");
    }
    // In the reader's language, the cell's fault worded inside the sentence.
    let zh = fails_in("zh", Some(&db), &["orders", "import", dir.path().join("bad0.csv").to_str().unwrap()]);
    assert!(zh.contains("bad0.csv，第 3 行，amount 列：“1.999” 超过两位小数（最小单位是分）"), "{zh}");
    let c = json(&ok(Some(&db), &["--json", "conversion"]));
    assert_eq!(c["orders"], 0);
    // Bare ids with --platform are fine.
    let file = dir.path().join("bare.csv");
    std::fs::write(&file, "member,time,amount,product\nwxid_a,2024-03-01 10:00,1,x\n").unwrap();
    ok(Some(&db), &["orders", "import", file.to_str().unwrap(), "--platform", "wechat", "--tz", "+08:00"]);
    assert_eq!(json(&ok(Some(&db), &["--json", "conversion"]))["orders"], 1);
}

/// On the simulator's demo history (JSONL, orders as canonical events), the
/// conversion counts every simulated order once, in the group the
/// simulator placed it in (truth.json), and its revenue and buyers are
/// those of the order events the simulator wrote.
#[test]
fn conversion_matches_the_simulators_orders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    ok(None, &["sim", "--scenario", "demo", "--format", "jsonl", "--out", out.to_str().unwrap()]);
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("truth.json")).unwrap()).unwrap();
    // What the simulator wrote: every order event's amount and buyer.
    let (mut fen, mut buyers) = (0i64, std::collections::BTreeSet::new());
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("events-") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let e: serde_json::Value = serde_json::from_str(line).unwrap();
            if e["kind"] == "order" {
                fen += e["amount_minor"].as_i64().unwrap();
                buyers.insert(e["member"].as_str().unwrap().to_string());
            }
        }
    }
    let db = dir.path().join("t.db");
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("events-"))
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    ok(Some(&db), &args);
    let c = json(&ok(Some(&db), &["--json", "conversion"]));
    assert_eq!(c["orders"], truth["totals"]["orders"]);
    assert_eq!(c["revenue_fen"].as_i64(), Some(fen));
    assert_eq!(c["buyers"].as_u64(), Some(buyers.len() as u64));
    for g in truth["groups"].as_array().unwrap() {
        let want = g["counts"]["orders"].as_u64().unwrap();
        let got = c["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["group"] == g["name"])
            .map(|x| x["orders"].as_u64().unwrap());
        assert_eq!(got.unwrap_or(0), want, "{}", g["name"]);
    }
}
