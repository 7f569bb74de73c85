//! `tonghao report` end to end on a real export and on a real SQLite file.

mod common;

use common::{data, ok};
use std::path::{Path, PathBuf};
use std::process::Command;

fn report(db: &Path, extra: &[&str]) -> serde_json::Value {
    let out = ok(Some(db), &[&["report", "--format", "json"][..], extra].concat());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn reading_club() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let csv = data().join("formats/cn-reading-club/wechat/读书会1群(12345678901@chatroom)/读书会1群.csv");
    ok(Some(&db), &["import", csv.to_str().unwrap()]);
    (dir, db)
}

/// The JSON report of the reading club carries the documented shape and the
/// counts in expected.json.
#[test]
fn json_report_of_the_reading_club() {
    let (_dir, db) = reading_club();
    let r = report(&db, &[]);
    let g = &r["groups"][0];
    assert_eq!(g["name"], "读书会1群");
    // expected.json: 37 member messages from 8 distinct speakers, all within 28 days.
    assert_eq!(g["activity"]["messages"], 37);
    assert_eq!(g["activity"]["active_window"], 8);
    // 3 evenings, and the export starts with the group already talking: its
    // birth is not seen, so it is not "emerging" (issue 9), and 3 days are
    // too short to judge a trend.
    assert_eq!((g["stage"].as_str(), g["stage_evidence"]["rule"].as_str()), (Some("active"), Some("short_history")));
    for key in [
        "concentration",
        "responsiveness",
        "newcomers",
        "output",
        "graph",
        "heatmap",
        "weekly",
        "members",
        "conditions",
    ] {
        assert!(!g[key].is_null(), "missing {key}");
    }
    // expected.json: 5 check-ins.
    assert_eq!(g["output"]["checkins"], 5);
    // The quotes (6) make 小李 and 陈老师 answer others: someone is core.
    let members = g["members"].as_array().unwrap();
    assert!(members.iter().any(|m| m["roles"].as_array().unwrap().iter().any(|r| r == "core")));
    // 3 joins recorded (expected.json system_events.join).
    assert_eq!(g["newcomers"]["joins"], 3);
}

/// --as-of uses only what happened before it: 22 messages precede
/// 2024-03-02T00:00Z (CSV localId 1001–1026 less the 4 system lines 1002,
/// 1014, 1016, 1021; 1027 is 08:05 +08:00, after the cut), and the same
/// --as-of gives the same report twice.
#[test]
fn as_of_is_reproducible_and_ignores_the_future() {
    let (_dir, db) = reading_club();
    let past = report(&db, &["--as-of", "2024-03-02"]);
    assert_eq!(past["groups"][0]["activity"]["messages"], 22);
    assert_eq!(past, report(&db, &["--as-of", "2024-03-02"]));
}

/// The HTML report is one self-contained page: no scripts or external
/// resources, the group's name and its figures inside.
#[test]
fn html_report_is_self_contained() {
    let (_dir, db) = reading_club();
    let out = ok(Some(&db), &["report", "--format", "html"]);
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("读书会1群") && html.contains("<svg"));
    for external in ["http://", "https://", "<script", "@import", "src="] {
        assert!(!html.contains(external), "external reference {external:?} in the HTML report");
    }
}

/// A real browser renders the HTML report offline: headless Chromium, with
/// every network request refused, prints it to PDF. The PDF must embed a CJK
/// font for the Chinese text (the page's font stack falls back to whatever
/// CJK font the machine has) and have a page. Needs Chromium and a CJK font:
/// `.ci/run` installs `chromium` and `fonts-wqy-microhei`; without them the
/// test fails saying so. `TONGHAO_CHROMIUM` names another browser binary.
#[test]
fn html_report_renders_offline_in_a_real_browser() {
    let candidates = std::env::var("TONGHAO_CHROMIUM")
        .map_or_else(|_| vec!["chromium".to_string(), "chromium-browser".into(), "google-chrome".into()], |b| vec![b]);
    let browser = candidates
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()))
        .expect("this test needs Chromium and a CJK font: apt-get install chromium fonts-wqy-microhei (.ci/run does)");
    let (dir, db) = reading_club();
    let html = dir.path().join("report.html");
    std::fs::write(&html, ok(Some(&db), &["report", "--format", "html"]).stdout).unwrap();
    let pdf = dir.path().join("report.pdf");
    let out = Command::new(&browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer"])
        .args(["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{browser} failed: {}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("{browser} wrote no PDF ({e})"));
    let text = String::from_utf8_lossy(&bytes);
    // Embedded fonts are named `/BaseFont /ABCDEF+Family` (a subset tag, then the family).
    let fonts: Vec<&str> = text
        .split("/BaseFont /")
        .skip(1)
        .map(|s| s.split(|c: char| c.is_whitespace() || c == '/').next().unwrap())
        .collect();
    let cjk = ["WenQuanYi", "NotoSansCJK", "NotoSerifCJK", "SourceHan", "DroidSansFallback", "UKai", "UMing"];
    assert!(
        fonts.iter().any(|f| cjk.iter().any(|c| f.contains(c))),
        "no CJK font embedded for the Chinese text; fonts: {fonts:?} (install fonts-wqy-microhei)"
    );
    assert!(text.contains("/Type /Page"), "the PDF has no page");
}

/// The text report names the stage and the group.
#[test]
fn text_report_in_both_languages() {
    let (_dir, db) = reading_club();
    let en = String::from_utf8(ok(Some(&db), &["report"]).stdout).unwrap();
    assert!(en.contains("读书会1群") && en.contains("too short to judge a trend"), "{en}");
    let zh = Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .args(["--db", db.to_str().unwrap(), "--lang", "zh", "report"])
        .output()
        .unwrap();
    assert!(String::from_utf8(zh.stdout).unwrap().contains("看不出趋势"));
}

/// A report before any import says what to do, in the reader's language,
/// rather than "no community named \"default\"".
#[test]
fn a_report_of_an_empty_store_says_to_import_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    for (lang, words) in [("zh", "先用 tonghao import 导入聊天记录"), ("en", "import chat exports first")] {
        for command in ["report", "next"] {
            let out = Command::new(env!("CARGO_BIN_EXE_tonghao"))
                .args(["--db", db.to_str().unwrap(), "--lang", lang, command])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(words) && !err.contains("no community named"), "{lang} {command}: {err}");
        }
    }
}

/// A group that is not there is named in the reader's language.
#[test]
fn an_unknown_group_is_named_in_the_readers_language() {
    let (_dir, db) = reading_club();
    for (lang, words) in
        [("zh", "社群 “default” 里没有群 “nope”"), ("en", "no group \"nope\" in community \"default\"")]
    {
        let out = Command::new(env!("CARGO_BIN_EXE_tonghao"))
            .args(["--db", db.to_str().unwrap(), "--lang", lang, "report", "--group", "nope"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(words), "{lang}: {err}");
    }
}

/// Two groups of one name (the reading club exported from WeChat and from
/// QQ) are told apart by their platform in the summary tables.
#[test]
fn groups_of_one_name_show_their_platform() {
    let (_dir, db) = reading_club();
    let qq = data().join("formats/cn-reading-club/qq");
    ok(Some(&db), &["import", qq.to_str().unwrap()]);
    let text = String::from_utf8(ok(Some(&db), &["report"]).stdout).unwrap();
    let table: Vec<&str> = text.lines().take_while(|l| !l.starts_with("==")).collect();
    assert_eq!(table.iter().filter(|l| l.starts_with("读书会1群 (qq) ")).count(), 1, "{text}");
    assert_eq!(table.iter().filter(|l| l.starts_with("读书会1群 (wechat) ")).count(), 1, "{text}");
    let html = String::from_utf8(ok(Some(&db), &["report", "--format", "html"]).stdout).unwrap();
    assert!(html.contains(">读书会1群 (qq)</a>") && html.contains(">读书会1群 (wechat)</a>"));
    // The next moves name them the same way.
    let next = String::from_utf8(ok(Some(&db), &["next", "--limit", "100"]).stdout).unwrap();
    assert!(next.contains("[读书会1群 (qq)]") && next.contains("[读书会1群 (wechat)]"), "{next}");
    assert!(!next.contains("[读书会1群]"), "{next}");
}

/// Two channels of one name on one platform (#beginners of the Clojurians
/// and of the Haskell-jp Slack) are told apart by their channel ids, as
/// their sections' headings name them.
#[test]
fn groups_of_one_name_on_one_platform_show_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let clojurians = data().join("formats/slack/clojurians-2018-02");
    let haskell = data().join("lifecycle/haskell-jp-slack");
    ok(Some(&db), &["import", clojurians.to_str().unwrap(), haskell.to_str().unwrap()]);
    let text = String::from_utf8(ok(Some(&db), &["report"]).stdout).unwrap();
    let table: Vec<&str> = text.lines().take_while(|l| !l.starts_with("==")).collect();
    let rows: Vec<&str> = table.iter().copied().filter(|l| l.starts_with("beginners (slack ")).collect();
    assert_eq!(rows.len(), 2, "{table:?}");
    let ids: Vec<&str> = rows.iter().map(|l| l["beginners (slack ".len()..].split(')').next().unwrap()).collect();
    assert_ne!(ids[0], ids[1]);
    for id in ids {
        assert!(text.contains(&format!("== beginners (slack {id})")), "the section of {id}");
    }
}

/// Issue 9: one as-of for the whole store. Each group is now read as of the
/// end of what its own export covers: the Gitter rooms (2016–2020) and the
/// Clojurians Slack days (2018) imported beside the Telegram sample (2022)
/// are reported on their own last weeks, not as years of silence; the
/// Slack channels, whose export starts mid-conversation and holds 9 days,
/// are not "emerging"; the Gitter rooms' fades are declining or silent.
#[test]
fn each_group_is_reported_as_of_the_end_of_its_own_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let f = data().join("formats");
    ok(
        Some(&db),
        &[
            "import",
            f.join("telegram").to_str().unwrap(),
            f.join("gitter").to_str().unwrap(),
            f.join("slack").to_str().unwrap(),
        ],
    );
    let r = report(&db, &[]);
    let groups = r["groups"].as_array().unwrap();
    let gitter = groups.iter().find(|g| g["name"] == "gitter/gitter").unwrap();
    // Its own last weeks: 87 messages in its last 4 weeks (2020-10/11), not 0.
    assert_eq!(gitter["stage_evidence"]["last_4w"], 87);
    assert!(gitter["as_of_ms"].as_i64().unwrap() < r["as_of_ms"].as_i64().unwrap(), "read before the store's end");
    for g in groups.iter().filter(|g| g["platform"] == "gitter") {
        assert!(["declining", "silent"].contains(&g["stage"].as_str().unwrap()), "{}: {}", g["name"], g["stage"]);
    }
    let slack: Vec<&serde_json::Value> = groups.iter().filter(|g| g["platform"] == "slack").collect();
    assert_eq!(slack.len(), 82);
    assert!(slack.iter().all(|g| g["stage"] != "emerging"), "a 9-day export shows no channel's birth");
    assert!(slack.iter().any(|g| g["stage_evidence"]["rule"] == "short_history"));
    // The text names the moment a group is read as of when it is not the store's.
    let text = String::from_utf8(ok(Some(&db), &["report", "--group", "gitter/gitter"]).stdout).unwrap();
    assert!(text.contains("as of the end of this group's export: 2020-11-17"), "{text}");
}

/// A group's report does not depend on what else is in the store: the two
/// Gitter rooms read the same alone and beside older and newer exports
/// (IRC, Telegram, WhatsApp, Discord). Reply links are inferred from each
/// group's own window; from the earliest group's, one room's figures moved
/// when the other exports came in.
#[test]
fn a_groups_report_does_not_depend_on_the_other_exports_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let f = data().join("formats");
    let path = |name: &str| f.join(name).to_str().unwrap().to_string();
    let alone = dir.path().join("alone.db");
    ok(Some(&alone), &["import", &path("gitter")]);
    let beside = dir.path().join("beside.db");
    ok(
        Some(&beside),
        &["import", &path("gitter"), &path("irc"), &path("telegram"), &path("whatsapp"), &path("discord")],
    );
    // Each room's figures and its members' roles (store ids differ between
    // the two stores: members by name).
    let rooms = |db: &Path| -> Vec<serde_json::Value> {
        let r = report(db, &[]);
        let mut rooms: Vec<serde_json::Value> = r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["platform"] == "gitter")
            .map(|g| {
                let mut graph = g["graph"].clone();
                for id in ["hub", "bridges"] {
                    graph.as_object_mut().unwrap().remove(id);
                }
                let members: Vec<serde_json::Value> = g["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| serde_json::json!([m["name"], m["rank"], m["roles"], m["answered_people"]]))
                    .collect();
                let figures = ["name", "stage", "stage_evidence", "activity", "responsiveness", "conditions", "weekly"];
                let mut room: serde_json::Map<String, serde_json::Value> =
                    figures.iter().map(|k| (k.to_string(), g[*k].clone())).collect();
                room.insert("graph".into(), graph);
                room.insert("members".into(), members.into());
                serde_json::Value::Object(room)
            })
            .collect();
        rooms.sort_by_key(|g| g["name"].as_str().unwrap().to_string());
        rooms
    };
    let (a, b) = (rooms(&alone), rooms(&beside));
    assert_eq!((a.len(), b.len()), (2, 2));
    assert!(a.iter().all(|g| g["graph"]["links"].as_u64() > Some(0)), "replies to compare: {a:?}");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "{} alone and beside the other exports", x["name"]);
    }
}
