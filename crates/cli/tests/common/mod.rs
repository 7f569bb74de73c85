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
