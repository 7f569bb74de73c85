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
    // 3 evenings, one group less than 4 weeks old.
    assert_eq!(g["stage"], "emerging");
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
    assert!(en.contains("读书会1群") && en.contains("emerging"), "{en}");
    let zh = Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .args(["--db", db.to_str().unwrap(), "--lang", "zh", "report"])
        .output()
        .unwrap();
    assert!(String::from_utf8(zh.stdout).unwrap().contains("萌芽"));
}
