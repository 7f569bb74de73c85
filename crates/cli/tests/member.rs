//! `tonghao member export|delete` end to end: the real binary, a real SQLite
//! file, a real WeChat export (`../shared/data/formats/cn-reading-club`).

use std::collections::BTreeMap;
mod common;

use common::{data, json, run};
use std::path::{Path, PathBuf};
use tonghao_store::{Queries, SqliteStore};

fn export_file() -> PathBuf {
    let file = data().join("formats/cn-reading-club/wechat/读书会1群(12345678901@chatroom)/读书会1群.csv");
    assert!(file.is_file(), "test data missing: {}", file.display());
    file
}

/// `tonghao members --json`: name → messages.
fn members(db: &Path) -> BTreeMap<String, u64> {
    let list = json(&run(Some(db), &["--json", "members", "--group", "读书会1群"]));
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap().to_string(), m["messages"].as_u64().unwrap()))
        .collect()
}

/// 老周 (wxid_zhou03) in 读书会1群.csv, counted with
/// `python3 -c "import csv; r=list(csv.DictReader(open('读书会1群.csv', encoding='utf-8-sig')));
///  print(sum(x['Sender']=='wxid_zhou03' for x in r))"` → 5 messages (lines
/// 1006, 1012 an image, 1023, 1032, 1034), and two system lines naming them:
/// 1021 (a recall) and 1031 (they invite 张三). 42 lines in all.
#[test]
fn export_delete_and_reimport_a_real_member() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let file = export_file();
    let file = file.to_str().unwrap();
    let first = json(&run(Some(&db), &["--json", "import", file]));
    assert_eq!(first[0]["events"], 42);

    // Export, to stdout and to a file: the same content.
    let e = json(&run(Some(&db), &["member", "export", "wechat:wxid_zhou03"]));
    let out = dir.path().join("zhou.json");
    let written = run(Some(&db), &["member", "export", "wechat:wxid_zhou03", "--out", out.to_str().unwrap()]);
    assert!(written.status.success() && written.stdout.is_empty());
    let from_file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(from_file["messages"], e["messages"]);
    assert_eq!(e["member"]["display_name"], "老周-北京-程序员");
    assert_eq!(
        e["identities"],
        serde_json::json!([{"platform": "wechat", "external_id": "wxid_zhou03", "provisional": false}])
    );
    let messages = e["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 5);
    assert_eq!(messages[0]["text"], "我觉得大群里大家互相不认识，说话没有安全感");
    assert_eq!(messages[0]["at"], "2024-03-01T21:01:12+08:00");
    assert_eq!(messages[1]["content_type"], "image");
    assert_eq!(messages[3]["text"], "#打卡 第2天 读完第三章，记了笔记");
    assert!(messages[4]["reply_to"].is_string(), "1034 quotes 阿花");
    let acts: Vec<&str> = e["activities"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(acts, ["recall"]);
    let ms = e["memberships"].as_array().unwrap();
    assert_eq!(ms.len(), 1);
    assert_eq!((ms[0]["kind"].as_str(), ms[0]["as"].as_str()), (Some("join"), Some("by")));
    assert_eq!(e["groups"][0]["external_id"], "12345678901@chatroom");

    let before = members(&db);
    assert_eq!(before.get("老周-北京-程序员"), Some(&5));
    let counts = SqliteStore::open(&db).unwrap().counts().unwrap();

    // Without --yes and without a terminal: refused, nothing deleted.
    let refused = run(Some(&db), &["member", "delete", "wechat:wxid_zhou03"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("--yes") && err.contains("wechat:wxid_zhou03") && err.contains("5  messages"), "{err}");
    assert_eq!(SqliteStore::open(&db).unwrap().counts().unwrap(), counts);

    let stats = json(&run(Some(&db), &["--json", "member", "delete", "--yes", "wechat:wxid_zhou03"]));
    assert_eq!(stats["messages"], 5);
    assert_eq!(stats["activities"], 1);
    assert_eq!(stats["memberships"], 0);
    assert_eq!(stats["inviter_links_cleared"], 1, "张三's join (1031)");
    assert_eq!(stats["members"], 1);

    let mut expected = before.clone();
    expected.remove("老周-北京-程序员");
    assert_eq!(members(&db), expected, "gone, and everyone else's message counts unchanged");
    let ids = json(&run(Some(&db), &["--json", "members", "--group", "读书会1群"]));
    assert!(!ids.to_string().contains("wxid_zhou03"));

    // Re-import: their 5 messages and the recall are suppressed, the other 36
    // lines are duplicates; they stay gone.
    let again = json(&run(Some(&db), &["--json", "import", file]));
    assert_eq!((again[0]["suppressed"].as_u64(), again[0]["duplicates"].as_u64()), (Some(6), Some(36)));
    assert_eq!((again[0]["messages"].as_u64(), again[0]["members"].as_u64()), (Some(0), Some(0)));
    assert_eq!(members(&db), expected);

    // Asking for them again names the reference.
    let gone = run(Some(&db), &["member", "export", "wechat:wxid_zhou03"]);
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("wechat:wxid_zhou03"));
    let unknown = run(Some(&db), &["member", "delete", "--yes", "wechat:wxid_nobody"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("wechat:wxid_nobody"));
}

/// `tonghao members` marks the accounts an export flags as bots, in the
/// reader's language (the Clojurians Slack's `clojurebot`); roles are
/// worded there too (群主, 管理员).
#[test]
fn the_member_list_words_roles_and_marks_flagged_bots() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let slack = data().join("formats/slack/clojurians-2018-02");
    assert!(run(Some(&db), &["import", slack.to_str().unwrap()]).status.success());
    let row = |lang: &str, group: &str, name: &str| {
        let out = common::ok_in(lang, Some(&db), &["members", "--group", group]);
        out.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} in\n{out}")).to_string()
    };
    assert!(row("en", "beginners", "clojurebot ").ends_with("bot (flagged by the export)"));
    assert!(row("zh", "beginners", "clojurebot ").ends_with("机器人（导出标记）"));
    assert!(!row("en", "beginners", "seancorfield ").contains("bot"), "a person is not marked");
}
