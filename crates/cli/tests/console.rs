//! The console in a real browser: `tonghao serve` on a fresh store, driven
//! by Debian's headless Chromium through playwright-core
//! (`crates/server/web/tests/console.mjs`): log in, upload a real export
//! from `../shared/data`, open the overview, a group, a member and the next
//! moves, switch language, save screenshots. It fails if any request leaves
//! 127.0.0.1. Needs node, `npm ci` in crates/server/web (the build runs it)
//! and chromium (`.ci/run` installs it).

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Stops the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn console_in_a_real_browser_logs_in_imports_and_shows_every_page() {
    let upload = common::data().join("formats/telegram/BIG_20A_5475M.json");
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../server/web");
    assert!(
        web.join("node_modules/playwright-core").is_dir(),
        "playwright-core missing: run `npm ci` in {} (the build does when ECharts is missing; .ci/run does)",
        web.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let password = "browser-test-password";
    let mut child = Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .arg("--db")
        .arg(dir.path().join("console.db"))
        .args(["--lang", "en", "serve", "--port", "0"])
        .env("TONGHAO_ADMIN_PASSWORD", password)
        .stdout(Stdio::piped())
        .spawn()
        .expect("tonghao serve starts");
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).map(str::to_string))
        .expect("the server prints its address");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-shots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(web.join("tests/console.mjs"))
        .args([url.as_str(), password])
        .arg(&upload)
        .arg(&shots)
        .output()
        .expect("this test needs node (apt-get install nodejs npm) and chromium (.ci/run installs both)");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the console failed in the browser (screenshots in {}):\n{log}", shots.display());
    for page in ["import", "overview", "group", "member", "moves", "operations", "operations-other-language"] {
        let png = std::fs::read(shots.join(format!("{page}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{page}.png is not a real screenshot");
    }
}
