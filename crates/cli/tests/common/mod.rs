//! What the CLI tests share: the real test data beside the checkout and the
//! real binary, run in English and without progress bars.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/data` beside the project. Panics with instructions when it is
/// missing: these tests must fail loudly, never skip.
pub fn data() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(dir.join("README.md").is_file(), "test data missing: expected the shared exports at {}", dir.display());
    dir
}

/// Runs `tonghao [--db DB] --quiet --lang en ARGS` (no stdin: not a terminal).
pub fn run(db: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tonghao"));
    if let Some(db) = db {
        cmd.arg("--db").arg(db);
    }
    cmd.args(["--quiet", "--lang", "en"]).args(args).output().expect("tonghao runs")
}

/// `tonghao [--db DB] --quiet --lang LANG ARGS`, which must succeed; its
/// stdout (for what a reader of that language sees).
pub fn ok_in(lang: &str, db: Option<&Path>, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tonghao"));
    if let Some(db) = db {
        cmd.arg("--db").arg(db);
    }
    let out = cmd.args(["--quiet", "--lang", lang]).args(args).output().expect("tonghao runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `tonghao [--db DB] --quiet --lang LANG ARGS`, which must fail; its
/// stderr (the error a reader of that language sees).
pub fn fails_in(lang: &str, db: Option<&Path>, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tonghao"));
    if let Some(db) = db {
        cmd.arg("--db").arg(db);
    }
    let out = cmd.args(["--quiet", "--lang", lang]).args(args).output().expect("tonghao runs");
    assert!(!out.status.success(), "{args:?} succeeded: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr).expect("UTF-8 errors")
}

/// Like [`run`], and the command must succeed.
pub fn ok(db: Option<&Path>, args: &[&str]) -> Output {
    let out = run(db, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The command's stdout as JSON.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

/// One canonical message of the WeChat group 读书会1群 (`rc@chatroom`) by
/// `wxid_{who}`, named 小{WHO}, at `at` (local time, +08:00); `extra` is
/// more JSON fields, each with its leading comma (`,"reply_to":"t1"`).
pub fn chat_line(id: &str, who: &str, at: &str, text: &str, extra: &str) -> String {
    let name = format!("小{}", who.to_uppercase());
    format!(
        r#"{{"kind":"message","platform":"wechat","group":"rc@chatroom","group_name":"读书会1群","member":"wxid_{who}","member_name":"{name}","at":"{at}+08:00","id":"{id}","text":"{text}"{extra}}}"#
    )
}

/// Writes `lines` as `chat.jsonl` in `dir` and imports it into a new
/// database `t.db` there; returns the database's path.
pub fn import_chat(dir: &Path, lines: &[String]) -> PathBuf {
    let chat = dir.join("chat.jsonl");
    std::fs::write(&chat, lines.join("\n") + "\n").unwrap();
    let db = dir.join("t.db");
    ok(Some(&db), &["import", chat.to_str().unwrap()]);
    db
}

/// Plans a topic discussion in 读书会1群: `tonghao activity add` with
/// `more` after the group, kind and title.
pub fn add_topic(db: &Path, title: &str, more: &[&str]) {
    let mut args = vec!["activity", "add", "--group", "读书会1群", "--kind", "topic", "--title", title];
    args.extend_from_slice(more);
    ok(Some(db), &args);
}

/// The demo scenario's exports, simulated into `dir/sim`.
pub fn sim_history(dir: &Path) -> PathBuf {
    let out = dir.join("sim");
    ok(None, &["sim", "--scenario", "demo", "--format", "native", "--out", out.to_str().unwrap()]);
    out
}

/// A new SQLite store at `dir/t.db` with the whole demo history (the
/// simulator writes it as real WeChat, QQ and Telegram exports).
pub fn demo_store(dir: &Path) -> PathBuf {
    let sim = sim_history(dir);
    let db = dir.join("t.db");
    let parts = ["qq", "wechat", "telegram"].map(|p| sim.join(p).to_str().unwrap().to_string());
    let mut args = vec!["import"];
    args.extend(parts.iter().map(String::as_str));
    ok(Some(&db), &args);
    db
}
