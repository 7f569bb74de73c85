//! Golden reports: the text, JSON and HTML reports of two fixed stores must
//! stay byte-identical while code moves between crates. A change of output
//! on purpose rewrites them in the same commit, with the reason:
//! `UPDATE_GOLDEN=1 cargo nextest run -p tonghao --test golden`.
//!
//! - The demo store (the simulated 12-group community, seed 1): its reports
//!   are committed in full under `tests/golden/`.
//! - A store of the real Gitter and IRC exports in `../shared/data`: those are
//!   real people's handles, which must not be copied into the repository, so
//!   only the SHA-256 of each report is committed (`tests/golden/real.sha256`);
//!   on a mismatch the report is written under the target folder to diff.

mod common;

use common::{data, ok};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some()
}

/// The reports each store is checked by: (file name, arguments).
const REPORTS: &[(&str, &[&str])] = &[
    ("report.en.txt", &["--lang", "en", "report"]),
    ("report.zh.txt", &["--lang", "zh", "report"]),
    ("report.json", &["--lang", "en", "report", "--format", "json"]),
    ("report.en.html", &["--lang", "en", "report", "--format", "html"]),
    ("report.zh.html", &["--lang", "zh", "report", "--format", "html"]),
];

/// Runs `tonghao --db DB --quiet ARGS` (the language is in ARGS).
fn render(db: &Path, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .arg("--db")
        .arg(db)
        .arg("--quiet")
        .args(args)
        .output()
        .expect("tonghao runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Where a report that differs from its golden digest is left for a diff.
fn actual_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("golden-actual")
}

/// The simulated demo store's reports, in both languages and every format,
/// are exactly the committed files.
#[test]
fn demo_reports_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    ok(Some(&db), &["demo", "--seed", "1"]);
    let mut differ = Vec::new();
    for (name, args) in REPORTS {
        let got = render(&db, args);
        let path = golden_dir().join(format!("demo.{name}"));
        if updating() {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if got != want {
            std::fs::create_dir_all(actual_dir()).unwrap();
            let actual = actual_dir().join(format!("demo.{name}"));
            std::fs::write(&actual, &got).unwrap();
            differ.push(format!("diff {} {}", path.display(), actual.display()));
        }
    }
    assert!(differ.is_empty(), "reports changed:\n{}", differ.join("\n"));
}

/// The real Gitter rooms and IRC channel (two loggers) as one store: the
/// SHA-256 of each report is the committed one.
#[test]
fn real_reports_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("real.db");
    let formats = data().join("formats");
    ok(Some(&db), &["import", formats.join("gitter").to_str().unwrap(), formats.join("irc").to_str().unwrap()]);
    let digests_path = golden_dir().join("real.sha256");
    let mut lines = Vec::new();
    for (name, args) in REPORTS {
        let got = render(&db, args);
        lines.push(format!("{:x}  real.{name}", Sha256::digest(&got)));
        std::fs::create_dir_all(actual_dir()).unwrap();
        std::fs::write(actual_dir().join(format!("real.{name}")), &got).unwrap();
    }
    let got = lines.join("\n") + "\n";
    if updating() {
        std::fs::write(&digests_path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&digests_path).unwrap();
    assert_eq!(got, want, "real-data reports changed; the new ones are in {}", actual_dir().display());
}
