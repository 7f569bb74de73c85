//! `tonghao import` end to end: the real binary, a real SQLite file, every
//! real export under `../shared/data`.

mod common;

use common::{data, json, run};
use std::path::Path;
use tonghao_store::{Queries, SqliteStore, TableCounts};

fn counts(db: &Path) -> TableCounts {
    SqliteStore::open(db).unwrap().counts().unwrap()
}

/// Every export imports without a failed file; importing everything again
/// changes no row count and reports every event as a duplicate.
#[test]
fn all_real_exports_import_and_reimport_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let formats = data().join("formats");
    let replies = data().join("replies/dev");
    let paths = [formats.to_str().unwrap(), replies.to_str().unwrap()];

    let first = run(Some(&db), &[&["--json", "import"][..], &paths].concat());
    let reports = json(&first);
    let failed: Vec<_> = reports.as_array().unwrap().iter().filter(|r| r.get("error").is_some()).collect();
    assert!(failed.is_empty(), "failed files: {failed:#?}");
    assert!(first.status.success());
    let read: Vec<&str> = reports.as_array().unwrap().iter().filter_map(|r| r["format"].as_str()).collect::<Vec<_>>();
    for format in [
        "wechat-csv",
        "weflow",
        "chatlab",
        "qq-txt",
        "telegram",
        "discord-json",
        "discord-csv",
        "whatsapp",
        "gitter",
        "irc",
        "slack",
    ] {
        assert!(read.contains(&format), "no file was read as {format}");
    }
    let before = counts(&db);
    // What the summaries say was added is what the tables hold.
    let sum = |key: &str| reports.as_array().unwrap().iter().map(|r| r[key].as_u64().unwrap_or(0)).sum::<u64>();
    assert_eq!(sum("messages"), before.messages);
    assert_eq!(sum("joins") + sum("leaves") + sum("roles"), before.memberships);
    assert_eq!(sum("members"), before.members);
    assert_eq!(sum("activities"), before.activities);

    let second = json(&run(Some(&db), &[&["--json", "import"][..], &paths].concat()));
    for r in second.as_array().unwrap() {
        if r["format"].is_string() {
            assert_eq!(r["messages"], 0, "{r}");
            assert_eq!(r["members"], 0, "{r}");
            assert_eq!(r["events"], r["duplicates"], "{r}");
        }
    }
    assert_eq!(counts(&db), before);
}

/// A truncated export fails with the file and position named, and leaves the
/// store exactly as it was; the other files of the same import still land.
#[test]
fn truncated_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    assert!(run(Some(&db), &["import", data().join("formats/whatsapp/2A_5M.txt").to_str().unwrap()]).status.success());
    let before = counts(&db);

    let full = std::fs::read(data().join("formats/telegram/BIG_20A_5475M.json")).unwrap();
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let out = run(Some(&db), &["import", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut.json") && err.contains("line"), "{err}");
    assert_eq!(counts(&db), before);

    // In a batch, the good file lands and the broken one does not.
    let good = data().join("formats/whatsapp/4A_11M.txt");
    let out = run(Some(&db), &["import", cut.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(counts(&db).messages > before.messages);
}

/// A file forced into the wrong format, or in no known encoding, is refused
/// with its name, and nothing is written.
#[test]
fn mislabelled_and_undecodable_files_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    assert!(run(Some(&db), &["import", data().join("formats/whatsapp/2A_5M.txt").to_str().unwrap()]).status.success());
    let before = counts(&db);

    let wa = data().join("formats/whatsapp/4A_11M.txt");
    let out = run(Some(&db), &["import", "--format", "telegram", wa.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4A_11M.txt") && err.contains("telegram"), "{err}");

    let junk = dir.path().join("junk.txt");
    let mut bytes = b"2024-03-01 20:00:00 x(1)\n".to_vec();
    bytes.extend((0..200u32).map(|i| (i * 37 % 256) as u8 | 0x80));
    std::fs::write(&junk, bytes).unwrap();
    let out = run(Some(&db), &["import", junk.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("junk.txt") && err.contains("byte 25"), "{err}");
    assert_eq!(counts(&db), before);
}

/// A reader of Chinese gets the import's failures and skips in Chinese:
/// the file and the place in it (the parser's own detail stays as it
/// came), an undecodable file, a binary file and a text that is no export.
#[test]
fn failures_and_skips_read_in_the_readers_language() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let full = std::fs::read(data().join("formats/telegram/BIG_20A_5475M.json")).unwrap();
    let folder = dir.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("cut.json"), &full[..full.len() / 2]).unwrap();
    let mut junk = b"2024-03-01 20:00:00 x(1)\n".to_vec();
    junk.extend((0..200u32).map(|i| (i * 37 % 256) as u8 | 0x80));
    let junk_file = dir.path().join("junk.txt");
    std::fs::write(&junk_file, junk).unwrap();
    std::fs::write(folder.join("pic.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\xff\xfe").unwrap();
    std::fs::write(folder.join("notes.txt"), "买菜：鸡蛋、牛奶\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .args(["--db", db.to_str().unwrap(), "--quiet", "--lang", "zh", "import"])
        .args([&folder, &junk_file])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // cut.json: "…cut.json：第 N 行第 M 列：" and the reader's reason;
    // junk.txt: byte 25, as in English.
    let cut = stderr.lines().find(|l| l.contains("cut.json")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(cut.starts_with("失败（未写入任何数据）：") && cut.contains("行第") && cut.contains("列："), "{cut}");
    assert!(cut.ends_with("列：文件在 JSON 中途结束（被截断了？）"), "{cut}");
    assert!(stderr.contains("junk.txt：第 25 字节起不是 UTF-8"), "{stderr}");
    assert!(stdout.contains("pic.png: 不是文本"), "{stdout}");
    assert!(stdout.contains("notes.txt: 不是 tonghao 认识的聊天记录"), "{stdout}");
    // The English words of these lines are gone.
    for english in ["line ", "byte ", "not text", "not a chat export", "the file ends", "JSON (truncated"] {
        assert!(!stdout.contains(english) && !stderr.contains(english), "{english:?} in\n{stdout}\n{stderr}");
    }
    // The JSON summary (and the console, which reads it) carries both wordings.
    let out = run(Some(&db), &["--json", "import", junk_file.to_str().unwrap()]);
    let reports = json(&out);
    let why = &reports[0]["why"];
    assert!(why["zh"].as_str().unwrap().contains("第 25 字节起不是"), "{why}");
    assert_eq!(why["en"].as_str(), reports[0]["error"].as_str());
}

/// A QQ export saved as GB18030 (GBK's superset, what Excel and old QQ write
/// on Chinese Windows; the fixture has an emoji GBK proper cannot hold)
/// imports the same as the UTF-8 original.
#[test]
fn gbk_export_imports_like_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data().join("formats/cn-reading-club/qq/读书会1群.txt")).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(text.trim_start_matches('\u{feff}'));
    assert!(!unmappable);
    let gbk_path = dir.path().join("读书会1群-gbk.txt");
    std::fs::write(&gbk_path, &gbk).unwrap();

    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let utf8_path = data().join("formats/cn-reading-club/qq/读书会1群.txt");
    assert!(run(Some(&a), &["import", utf8_path.to_str().unwrap()]).status.success());
    assert!(run(Some(&b), &["import", gbk_path.to_str().unwrap()]).status.success());
    let members = |db: &Path| json(&run(Some(db), &["--json", "members", "--group", "读书会1群"]));
    assert_eq!(counts(&a), counts(&b));
    assert_eq!(members(&a), members(&b));
}

/// `groups` and `members` list what was imported, as text and as JSON.
#[test]
fn listings_show_the_imported_group() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let csv = data().join("formats/cn-reading-club/wechat/读书会1群(12345678901@chatroom)/读书会1群.csv");
    assert!(run(Some(&db), &["import", csv.to_str().unwrap()]).status.success());
    let groups = json(&run(Some(&db), &["--json", "groups"]));
    let g = &groups[0];
    assert_eq!(g["platform"], "wechat");
    assert_eq!(g["name"], "读书会1群");
    // expected.json: 37 member messages from 8 distinct speakers.
    assert_eq!(g["messages"], 37);
    let text = String::from_utf8(run(Some(&db), &["groups"]).stdout).unwrap();
    assert!(text.contains("读书会1群") && text.contains("37"), "{text}");
    let members = json(&run(Some(&db), &["--json", "members", "--group", "读书会1群"]));
    let speakers = members.as_array().unwrap().iter().filter(|m| m["messages"].as_u64().unwrap() > 0).count();
    assert_eq!(speakers, 8);
}

/// Issue 9: the demo history as JSONL holds 4,635 check-ins, 116 orders and
/// 74 recalls (truth.json's totals); each is stored, none reported as a
/// duplicate, and importing it again adds nothing.
#[test]
fn every_checkin_order_and_recall_of_the_demo_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let db = dir.path().join("t.db");
    common::ok(None, &["sim", "--scenario", "demo", "--format", "jsonl", "--out", out.to_str().unwrap()]);
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("truth.json")).unwrap()).unwrap();
    let t = &truth["totals"];
    let want = ["recalls", "checkins", "orders"].iter().map(|k| t[k].as_u64().unwrap()).sum::<u64>();
    assert!(t["checkins"].as_u64().unwrap() > 1000, "the demo has check-ins to lose");
    let total = |v: &serde_json::Value, key: &str| {
        v.as_array().unwrap().iter().map(|f| f[key].as_u64().unwrap_or(0)).sum::<u64>()
    };
    let first = common::json(&common::ok(Some(&db), &["--json", "import", out.to_str().unwrap()]));
    assert_eq!(total(&first, "activities"), want, "every recall, check-in and order is its own record");
    let again = common::json(&common::ok(Some(&db), &["--json", "import", out.to_str().unwrap()]));
    assert_eq!(total(&again, "activities"), 0);
    assert_eq!(total(&again, "messages"), 0);
}

/// Issue 9: a missing path exited 1 and printed the OS error twice; skipped
/// files were counted but never named; control characters in names reached
/// the terminal raw. Now: the other paths import, the exit status is 2 (some
/// input failed), the error is said once, each skipped file is named with
/// why (also in --json), and names are escaped.
#[test]
fn failures_and_skips_are_named_once_and_printed_safely() {
    let (dir, db, folder) = folder_with_sample();
    std::fs::write(folder.join("notes\u{1b}[31m.txt"), "just some notes\n").unwrap();
    let missing = dir.path().join("missing.json");
    let out = common::run(Some(&db), &["import", missing.to_str().unwrap(), folder.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "some input failed");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(stderr.matches("No such file").count(), 1, "said once: {stderr}");
    assert!(stdout.contains("sample.jsonl"), "the other path imported: {stdout}");
    assert!(stdout.contains("notes\\u{1b}[31m.txt: not a chat export"), "named, escaped: {stdout}");
    assert!(!stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'), "no raw control character reaches the terminal");
    let json = common::json(&common::run(Some(&db), &["--json", "import", folder.to_str().unwrap()]));
    let skipped: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["skipped"].is_string())
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].ends_with("notes\u{1b}[31m.txt"), "JSON keeps the real name: {skipped:?}");
}

/// Issue 9: a FIFO inside an imported folder, or two links to their own
/// folder, hung the import (the links also grew memory without limit). Both
/// are now named as skipped, and the real export beside them imports. The
/// import is killed after a minute so that a regression fails instead of
/// hanging the suite.
#[cfg(unix)]
#[test]
fn fifos_and_link_loops_in_a_folder_are_skipped_by_name() {
    use std::os::unix::fs::symlink;
    let (_dir, db, folder) = folder_with_sample();
    symlink(&folder, folder.join("loop-a")).unwrap();
    symlink(&folder, folder.join("loop-b")).unwrap();
    let fifo = folder.join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .args(["--db", db.to_str().unwrap(), "--quiet", "--json", "import", folder.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the import hung on a FIFO or a link loop");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let files: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = files.as_array().unwrap();
    let imported: Vec<&serde_json::Value> = files.iter().filter(|f| f["format"] == "jsonl").collect();
    assert_eq!(imported.len(), 1, "the export is imported once, not once per link: {files:?}");
    let why = |name: &str| {
        files
            .iter()
            .find(|f| f["file"].as_str().unwrap().ends_with(name))
            .map(|f| f["skipped"].as_str().unwrap_or("").to_string())
    };
    assert!(why("pipe").unwrap().contains("FIFO"), "{files:?}");
    assert!(why("loop-a").unwrap().contains("already"), "{files:?}");
    assert!(why("loop-b").unwrap().contains("already"), "{files:?}");
}

/// Issue 9: `tonghao imports` lists what each import added, and `tonghao
/// groups delete` removes one group (refusing without --yes when it cannot
/// ask), leaving the others.
#[test]
fn imports_are_listed_and_a_group_can_be_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample.jsonl");
    let whatsapp = common::data().join("formats/whatsapp/2A_5M.txt");
    common::ok(Some(&db), &["import", sample.to_str().unwrap(), whatsapp.to_str().unwrap()]);
    let log = common::json(&common::ok(Some(&db), &["--json", "imports"]));
    let added: Vec<u64> = log.as_array().unwrap().iter().map(|i| i["stats"]["messages"].as_u64().unwrap()).collect();
    assert_eq!(added, vec![10, 5], "sample.jsonl holds 10 messages, 2A_5M.txt 5");

    let refused = common::run(Some(&db), &["groups", "delete", "2A_5M"]);
    assert!(!refused.status.success(), "no terminal to ask: --yes is required");
    let deleted = common::json(&common::ok(Some(&db), &["--json", "groups", "delete", "--yes", "2A_5M"]));
    assert_eq!(deleted["messages"], 5);
    let groups = common::json(&common::ok(Some(&db), &["--json", "groups"]));
    let names: Vec<&str> = groups.as_array().unwrap().iter().map(|g| g["external_id"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["demo-reading@chatroom"]);
}

/// `tonghao imports undo ID` takes one import back: asked without a
/// terminal it refuses; with --yes it removes what only that import brought
/// and keeps what another import also held; an unknown id is named.
#[test]
fn an_import_is_undone_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let wechat = data().join("formats/cn-reading-club/wechat");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample.jsonl");
    common::ok(Some(&db), &["import", wechat.join("读书会1群.chatlab.json").to_str().unwrap()]);
    common::ok(Some(&db), &["import", wechat.to_str().unwrap(), sample.to_str().unwrap()]);
    let ids: Vec<i64> = json(&common::ok(Some(&db), &["--json", "imports"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "chatlab, then csv, chatlab, weflow and sample.jsonl");
    let refused = run(Some(&db), &["imports", "undo", &ids[0].to_string()]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    // The first ChatLab import: the CSV and the others held every line.
    let undone = json(&common::ok(Some(&db), &["--json", "imports", "undo", "--yes", &ids[0].to_string()]));
    assert_eq!((undone["messages"].as_u64(), undone["kept"].as_u64()), (Some(0), Some(43)));
    assert_eq!(club_messages_of(&db, "12345678901@chatroom"), 37);
    // sample.jsonl alone brought its group: it goes, the club stays.
    let undone = json(&common::ok(Some(&db), &["--json", "imports", "undo", "--yes", &ids[4].to_string()]));
    assert_eq!((undone["messages"].as_u64(), undone["groups"].as_u64()), (Some(10), Some(1)));
    let groups = json(&common::ok(Some(&db), &["--json", "groups"]));
    assert_eq!(groups.as_array().unwrap().len(), 1);
    let missing = run(Some(&db), &["imports", "undo", "--yes", "999"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no import 999"));
    let audit = SqliteStore::open(&db).unwrap();
    let log = tonghao_store::Accounts::audit_log(&audit, 10).unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "undo-import").count(), 2);
}

/// The messages of the group `external_id`, from `tonghao groups`.
fn club_messages_of(db: &Path, external_id: &str) -> u64 {
    let groups = json(&common::ok(Some(db), &["--json", "groups"]));
    let g = groups.as_array().unwrap().iter().find(|g| g["external_id"] == external_id).expect("group listed");
    g["messages"].as_u64().unwrap()
}

/// The WeChat group's messages and the QQ group's, from `tonghao groups`.
fn club_messages(db: &Path) -> (u64, u64) {
    (club_messages_of(db, "12345678901@chatroom"), club_messages_of(db, "读书会1群"))
}

/// The cn-reading-club chat as three WeChat tools render it (MemoTrace CSV
/// without message ids, WeFlow JSON, ChatLab JSON with platform ids) is one
/// group of 37 member messages, and its QQ text another; importing any of
/// them again under any `--tz` adds nothing (the QQ text has no zone: its
/// times are keyed as written).
#[test]
fn one_chat_from_three_exporters_is_stored_once_under_any_zone() {
    let club = data().join("formats/cn-reading-club");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    common::ok(Some(&db), &["import", club.to_str().unwrap()]);
    assert_eq!(club_messages(&db), (37, 37), "expected.json: member_messages 37");
    let before = counts(&db);
    let files = [
        "qq/读书会1群.txt",
        "wechat/读书会1群(12345678901@chatroom)/读书会1群.csv",
        "wechat/读书会1群.chatlab.json",
        "wechat/读书会1群.weflow.json",
    ];
    for tz in ["+09:00", "America/New_York", "UTC"] {
        for file in files {
            let path = club.join(file);
            let out = json(&common::ok(Some(&db), &["--json", "import", "--tz", tz, path.to_str().unwrap()]));
            assert_eq!(out[0]["duplicates"], out[0]["events"], "{file} under --tz {tz}: {out}");
            assert_eq!(out[0]["messages"], 0);
        }
    }
    assert_eq!(counts(&db), before);
}

/// A store written before content keys (schema v9: the columns and indexes
/// of migration 0010 taken away again) gets them on opening; importing the
/// same chats again, under another `--tz`, adds nothing.
#[test]
fn a_store_from_before_content_keys_gains_nothing_on_reimport() {
    let club = data().join("formats/cn-reading-club");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    common::ok(Some(&db), &["import", club.to_str().unwrap()]);
    let before = counts(&db);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TABLE import_groups; DROP INDEX messages_content; DROP INDEX memberships_content; DROP INDEX activities_content;
             ALTER TABLE messages DROP COLUMN content_key; ALTER TABLE messages DROP COLUMN import_id;
             ALTER TABLE memberships DROP COLUMN content_key; ALTER TABLE memberships DROP COLUMN import_id;
             ALTER TABLE activities DROP COLUMN content_key; ALTER TABLE activities DROP COLUMN import_id;
             ALTER TABLE groups DROP COLUMN tz_name;
             DELETE FROM schema_migrations WHERE number = 10;",
        )
        .unwrap();
    }
    for tz in ["+08:00", "+09:00"] {
        common::ok(Some(&db), &["import", "--tz", tz, club.to_str().unwrap()]);
        assert_eq!(counts(&db), before, "--tz {tz}");
    }
    assert_eq!(club_messages(&db), (37, 37));
}

/// A temporary folder `in/` holding a copy of examples/sample.jsonl, and a
/// database path beside it.
fn folder_with_sample() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let folder = dir.path().join("in");
    std::fs::create_dir(&folder).unwrap();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample.jsonl");
    std::fs::copy(&sample, folder.join("sample.jsonl")).unwrap();
    (dir, db, folder)
}

/// `--tz` takes an IANA zone and follows its daylight saving time: a
/// WhatsApp export (local times, no zone) with a message at 21:00 in January
/// and one at 21:00 in July, read in New York, is 02:00 and 01:00 UTC.
#[test]
fn an_iana_zone_reads_local_times_with_daylight_saving_time() {
    let dir = tempfile::tempdir().unwrap();
    let chat = dir.path().join("WhatsApp Chat with Night owls.txt");
    std::fs::write(&chat, "1/15/24, 21:00 - Ann: winter hello\n7/15/24, 21:00 - Bob: summer hello\n").unwrap();
    let first = |db: &Path, who: &str| {
        let members = common::json(&common::ok(Some(db), &["--json", "members", "--group", "Night owls"]));
        let m = members.as_array().unwrap().iter().find(|m| m["name"] == who).cloned().unwrap();
        chrono::DateTime::parse_from_rfc3339(m["first_message"].as_str().unwrap()).unwrap().to_utc().to_rfc3339()
    };
    let ny = dir.path().join("ny.db");
    common::ok(Some(&ny), &["import", "--tz", "America/New_York", chat.to_str().unwrap()]);
    assert_eq!(first(&ny, "Ann"), "2024-01-16T02:00:00+00:00", "EST, UTC−5");
    assert_eq!(first(&ny, "Bob"), "2024-07-16T01:00:00+00:00", "EDT, UTC−4");
    let fixed = dir.path().join("fixed.db");
    common::ok(Some(&fixed), &["import", "--tz", "-05:00", chat.to_str().unwrap()]);
    assert_eq!(first(&fixed, "Bob"), "2024-07-16T02:00:00+00:00", "a fixed offset stays fixed");
    // Local hours follow the zone, not the offset of the group's first
    // message: 21:00 before and after New York's change on 2024-03-10.
    let dst = dir.path().join("WhatsApp Chat with Early birds.txt");
    std::fs::write(&dst, "3/5/24, 21:00 - Ann: before the change\n3/15/24, 21:00 - Bob: after the change\n").unwrap();
    common::ok(Some(&ny), &["import", "--tz", "America/New_York", dst.to_str().unwrap()]);
    let report = json(&common::ok(
        Some(&ny),
        &["report", "--format", "json", "--group", "Early birds", "--as-of", "2024-03-20"],
    ));
    let heat = &report["groups"][0]["heatmap"];
    let hours: Vec<(usize, usize)> =
        (0..7).flat_map(|d| (0..24).map(move |h| (d, h))).filter(|&(d, h)| heat[d][h].as_u64().unwrap() > 0).collect();
    assert_eq!(hours, vec![(1, 21), (4, 21)], "Tuesday and Friday at 21:00 local: {heat}");
    let out = common::run(Some(&dir.path().join("x.db")), &["import", "--tz", "Mars/Olympus", chat.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Asia/Shanghai"), "the error shows what a zone looks like");
}
