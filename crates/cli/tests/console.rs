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
    let (_server, url) = serve(&dir.path().join("console.db"), password);
    let url = format!("{url}/");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-shots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(web.join("tests/console.mjs"))
        .args([url.as_str(), password])
        .arg(&upload)
        .arg(&shots)
        .arg(common::data().join("lifecycle/fcc-gitter-matrix/FreeCodeCamp_HelpContributors.json"))
        .output()
        .expect("this test needs node (apt-get install nodejs npm) and chromium (.ci/run installs both)");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the console failed in the browser (screenshots in {}):\n{log}", shots.display());
    for page in ["import", "overview", "group", "member", "moves", "operations", "outcome", "operations-other-language"]
    {
        let png = std::fs::read(shots.join(format!("{page}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{page}.png is not a real screenshot");
    }
}

/// Starts `tonghao serve` on `db` on a free port and returns it with its address.
fn serve(db: &std::path::Path, password: &str) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tonghao"))
        .arg("--db")
        .arg(db)
        .args(["--lang", "en", "serve", "--port", "0"])
        .env("TONGHAO_ADMIN_PASSWORD", password)
        .stdout(Stdio::piped())
        .spawn()
        .expect("tonghao serve starts");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).map(str::to_string))
        .expect("the server prints its address");
    (server, url.trim_end_matches('/').to_string())
}

/// A bare HTTP/1.1 request over loopback (no client library needed):
/// returns the status, the headers and the body.
fn http(url: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

/// Two `tonghao serve` processes on one store share what they must: a
/// session opened on one works on the other, and so do the failed-login
/// count and the pages computed once per import.
#[test]
fn two_servers_on_one_store_share_sessions_throttling_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    common::ok(Some(&db), &["import", common::data().join("formats/telegram/BIG_20A_5475M.json").to_str().unwrap()]);
    let password = "two-servers-password";
    let (_a, a) = serve(&db, password);
    let (_b, b) = serve(&db, password);
    let json = [("Content-Type", "application/json")];
    let (status, head, body) =
        http(&a, "POST", "/api/login", &json, &format!(r#"{{"name":"admin","password":"{password}"}}"#));
    assert_eq!(status, 200, "{body}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let csrf = serde_json::from_str::<serde_json::Value>(&body).unwrap()["csrf"].as_str().unwrap().to_string();
    // Both serve the same page (computed once per import and kept in the store).
    let (s1, _, overview_a) = http(&a, "GET", "/api/c/default/overview", &[("Cookie", &cookie)], "");
    let (s2, _, overview_b) = http(&b, "GET", "/api/c/default/overview", &[("Cookie", &cookie)], "");
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(overview_a, overview_b);
    // Logging out through B ends the session on A.
    let (s, _, _) = http(&b, "POST", "/api/logout", &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)], "");
    assert_eq!(s, 200);
    assert_eq!(http(&a, "GET", "/api/me", &[("Cookie", &cookie)], "").0, 401);
    // Failed logins spread over both servers add up to the lockout.
    for k in 0..5 {
        let url = if k % 2 == 0 { &a } else { &b };
        assert_eq!(http(url, "POST", "/api/login", &json, r#"{"name":"admin","password":"wrong-password"}"#).0, 401);
    }
    let right = format!(r#"{{"name":"admin","password":"{password}"}}"#);
    assert_eq!(http(&b, "POST", "/api/login", &json, &right).0, 429);
}
