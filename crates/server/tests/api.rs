//! The API, route by route, through the real router over a real SQLite
//! file holding real exports from `../shared/data`: what each role may do,
//! and every refusal (no session, wrong role, another community's ids, no
//! CSRF token, an oversized upload). A final check fails if any route of
//! the table was never called here.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tonghao_app::accounts::add_user;
use tonghao_app::ingest::{ImportRequest, import};
use tonghao_server::routes::{Access, ROUTES};
use tonghao_server::{Config, router};
use tonghao_store::{Accounts, Queries, Role, SqliteStore};
use tower::ServiceExt;

fn data() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(dir.join("README.md").is_file(), "test data missing: expected the shared exports at {}", dir.display());
    dir
}

/// The app under test and which route patterns were called.
struct Harness {
    app: Router,
    store: Arc<SqliteStore>,
    hit: Mutex<BTreeSet<(String, String)>>,
    _dir: tempfile::TempDir,
}

/// A logged-in client: its cookie and CSRF token.
#[derive(Clone, Default)]
struct Client {
    cookie: String,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// The route pattern a concrete path matches (`{x}` matches one segment).
fn pattern(method: &str, path: &str) -> Option<(String, String)> {
    let path = path.split('?').next().unwrap();
    let segs: Vec<&str> = path.split('/').collect();
    ROUTES
        .iter()
        .find(|r| {
            let p: Vec<&str> = r.path.split('/').collect();
            r.method == method.to_lowercase()
                && p.len() == segs.len()
                && p.iter().zip(&segs).all(|(a, b)| a.starts_with('{') || a == b)
        })
        .map(|r| (r.method.to_string(), r.path.to_string()))
}

impl Harness {
    fn new(max_upload: usize) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("t.db")).unwrap());
        let formats = data().join("formats");
        for (community, file) in [("a", "telegram/BIG_20A_5475M.json"), ("b", "telegram/DM_2A_7M.json")] {
            let req = ImportRequest { paths: vec![formats.join(file)], ..ImportRequest::default() };
            let reports = import(store.as_ref(), community, &req, &mut |_| {}).unwrap();
            assert!(reports.iter().all(|r| r.error.is_none()));
        }
        add_user(store.as_ref(), "owner", "owner-password", Role::Owner, &[]).unwrap();
        add_user(store.as_ref(), "ops", "ops-password", Role::Admin, &["a".into()]).unwrap();
        add_user(store.as_ref(), "viewer", "viewer-password", Role::Analyst, &["a".into()]).unwrap();
        let config = Config { max_upload, ..Config::default() };
        Harness { app: router(store.clone(), config), store, hit: Mutex::default(), _dir: dir }
    }

    async fn call(&self, c: &Client, method: &str, uri: &str, body: Option<Vec<u8>>, csrf: bool) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if !c.cookie.is_empty() {
            req = req.header(header::COOKIE, &c.cookie);
        }
        if csrf && !c.csrf.is_empty() {
            req = req.header("x-csrf-token", &c.csrf);
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        if let Some(p) = pattern(method, uri) {
            self.hit.lock().unwrap().insert(p);
        }
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
        Answer { status, headers, body }
    }

    async fn get(&self, c: &Client, uri: &str) -> Answer {
        self.call(c, "GET", uri, None, false).await
    }

    async fn post(&self, c: &Client, uri: &str, body: Option<Vec<u8>>) -> Answer {
        self.call(c, "POST", uri, body, true).await
    }

    async fn login(&self, name: &str, password: &str) -> Client {
        let body = serde_json::to_vec(&json!({"name": name, "password": password})).unwrap();
        let res = self.call(&Client::default(), "POST", "/api/login", Some(body), false).await;
        assert_eq!(res.status, StatusCode::OK, "login {name}");
        let set = res.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
        let cookie = set.split(';').next().unwrap().to_string();
        Client { cookie, csrf: res.json()["csrf"].as_str().unwrap().to_string() }
    }

    fn group_ids(&self, community: &str) -> Vec<i64> {
        let snap = self.store.snapshot(community, None, None).unwrap();
        snap.groups.iter().map(|g| g.store_id).collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_its_callers_and_refuses_the_rest() {
    let t = Harness::new(64 << 20);
    let anon = Client::default();

    // Public routes.
    assert_eq!(t.get(&anon, "/api/health").await.status, StatusCode::OK);
    let doc = t.get(&anon, "/api/openapi.json").await.json();
    for r in ROUTES {
        assert!(doc["paths"][r.path][r.method]["summary"].is_string(), "{} {} missing from OpenAPI", r.method, r.path);
    }
    assert_eq!(t.get(&anon, "/api/catalogue/zh").await.json()["console.nav_overview"], "总览");
    assert_eq!(t.get(&anon, "/api/catalogue/en").await.json()["console.nav_overview"], "Overview");
    assert_eq!(t.get(&anon, "/api/catalogue/fr").await.status, StatusCode::NOT_FOUND);

    // No session: every other route answers 401, whatever its ids.
    for r in ROUTES.iter().filter(|r| r.access != Access::Public) {
        let uri = r
            .path
            .replace("{community}", "a")
            .replace("{group}", "1")
            .replace("{member}", "1")
            .replace("{import}", "1");
        let uri =
            uri.replace("{move}", "x").replace("{verdict}", "done").replace("{job}", "x").replace("{table}", "groups");
        let uri = uri.replace("{resource}", "1").replace("{key}", "draft.welcome").replace("{lang}", "zh");
        let res = t.call(&anon, &r.method.to_uppercase(), &uri, Some(b"{}".to_vec()), false).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{} {uri} without a session", r.method);
    }
    let wrong = serde_json::to_vec(&json!({"name": "ops", "password": "nope-nope"})).unwrap();
    assert_eq!(t.call(&anon, "POST", "/api/login", Some(wrong), false).await.status, StatusCode::UNAUTHORIZED);

    let owner = t.login("owner", "owner-password").await;
    let ops = t.login("ops", "ops-password").await;
    let viewer = t.login("viewer", "viewer-password").await;

    // Who sees which communities.
    assert_eq!(t.get(&owner, "/api/communities").await.json(), json!(["a", "b"]));
    assert_eq!(t.get(&ops, "/api/communities").await.json(), json!(["a"]));
    let me = t.get(&viewer, "/api/me").await.json();
    assert_eq!((me["user"]["role"].as_str(), me["csrf"].as_str()), (Some("analyst"), Some(viewer.csrf.as_str())));

    // Reading pages; another community's ids answer 404.
    let overview = t.get(&viewer, "/api/c/a/overview").await.json();
    let group_a = overview["groups"][0]["id"].as_i64().unwrap();
    assert_eq!(overview["groups"][0]["name"], "Big sample");
    let group_b = t.group_ids("b")[0];
    assert_eq!(t.get(&ops, "/api/c/b/overview").await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&ops, &format!("/api/c/a/groups/{group_b}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&owner, &format!("/api/c/b/groups/{group_b}")).await.status, StatusCode::OK);
    let page = t.get(&viewer, &format!("/api/c/a/groups/{group_a}")).await.json();
    assert_eq!(page["report"]["activity"]["members"], overview["groups"][0]["members"]);
    assert!(page["edges"].as_array().unwrap().iter().all(|e| e["weight"].as_f64().unwrap() > 0.0));
    // The unanswered starters behind the report's share, with their texts.
    let unanswered = page["unanswered"].as_array().unwrap();
    let examples = page["report"]["responsiveness"]["unanswered_examples"].as_array().unwrap();
    assert_eq!(unanswered.len(), examples.len());
    assert!(!unanswered.is_empty() && unanswered.iter().all(|u| u["text"].is_string()));
    let member_a = page["nodes"][0]["id"].as_i64().unwrap();
    let member = t.get(&viewer, &format!("/api/c/a/members/{member_a}")).await.json();
    assert_eq!(member["member"]["member_id"], member_a);
    // Their place in the group: roles with numbers, and ties that are edges of the graph.
    let place = &member["in_groups"][0];
    assert_eq!(place["group"], group_a);
    assert!(place["roles"]["messages_window"].is_u64(), "{place}");
    for tie in place["ties"].as_array().unwrap() {
        let other = tie["member"].as_i64().unwrap();
        let weight: f64 = page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| (e["from"] == member_a && e["to"] == other) || (e["to"] == member_a && e["from"] == other))
            .map(|e| e["weight"].as_f64().unwrap())
            .sum();
        assert_eq!(tie["weight"].as_f64(), Some(weight));
    }
    let member_b = t.store.snapshot("b", None, None).unwrap().members[0].store_id;
    assert_eq!(t.get(&ops, &format!("/api/c/a/members/{member_b}")).await.status, StatusCode::NOT_FOUND);
    let moves = t.get(&viewer, "/api/c/a/moves").await.json();
    let move_id = moves["moves"][0]["id"].as_str().expect("the sample has open moves").to_string();
    assert_eq!(t.get(&viewer, "/api/c/a/imports").await.json().as_array().unwrap().len(), 1);

    // The operators' records: plan an activity, read the calendar, check-ins, orders.
    assert_eq!(t.get(&viewer, "/api/c/a/activities").await.json()["activities"], json!([]));
    let tomorrow = (chrono::Utc::now() + chrono::Days::new(1)).format("%Y-%m-%d 21:00").to_string();
    let activity = json!({"group": "Big sample", "kind": "topic", "title": "每周话题", "start": tomorrow,
                          "rrule": "FREQ=WEEKLY;COUNT=4", "duration": "30m", "tz": "Asia/Shanghai"});
    let body = Some(serde_json::to_vec(&activity).unwrap());
    assert_eq!(t.post(&viewer, "/api/c/a/activities", body.clone()).await.status, StatusCode::FORBIDDEN);
    let bad = Some(
        serde_json::to_vec(&json!({"group": "Big sample", "kind": "party", "title": "x", "start": tomorrow})).unwrap(),
    );
    assert_eq!(t.post(&ops, "/api/c/a/activities", bad).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.post(&ops, "/api/c/a/activities", body).await.status, StatusCode::OK);
    let acts = t.get(&viewer, "/api/c/a/activities").await.json();
    assert_eq!(acts["activities"][0]["title"], "每周话题");
    assert_eq!(acts["upcoming"].as_array().map(Vec::len), Some(4), "weekly, four times, all within 60 days");
    let ics = t.get(&viewer, "/api/c/a/calendar.ics").await;
    let ics = String::from_utf8(ics.body).unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 4, "{ics}");
    // An activity the imported history covers: its outcome is measured from it.
    let held = json!({"group": "Big sample", "kind": "topic", "title": "December topic", "start": "2019-12-01 20:00",
                      "rrule": "FREQ=WEEKLY;COUNT=4", "duration": "1h", "tz": "UTC"});
    let held = t.post(&ops, "/api/c/a/activities", Some(serde_json::to_vec(&held).unwrap())).await.json();
    let outcome = t.get(&viewer, &format!("/api/c/a/activities/{}/outcome", held["id"])).await.json();
    assert_eq!((outcome["occurrence"].as_u64(), outcome["measured"].as_bool()), (Some(4), Some(true)), "{outcome}");
    assert!(outcome["during"]["messages"].is_u64() && outcome["baseline_during"]["days"].is_u64(), "{outcome}");
    assert_eq!(t.get(&ops, &format!("/api/c/b/activities/{}/outcome", held["id"])).await.status, StatusCode::NOT_FOUND);
    // The team's tasks and the points board.
    let new = tonghao_app::tasks::NewTask {
        kind: tonghao_model::records::TaskKind::Notify,
        title: "announce the December topic".into(),
        to: Some("ops".into()),
        due: Some("2019-11-30".into()),
        group: Some("Big sample".into()),
        member: None,
    };
    let task = tonghao_app::tasks::add(t.store.as_ref(), "a", &new, 0).unwrap();
    let open = t.get(&viewer, "/api/c/a/tasks").await.json();
    assert_eq!(open[0]["title"], "announce the December topic");
    let done = format!("/api/c/a/tasks/{}/done", task.id);
    assert_eq!(t.post(&viewer, &done, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.post(&ops, &format!("/api/c/a/tasks/{}/maybe", task.id), None).await.status, StatusCode::NOT_FOUND);
    assert!(t.post(&ops, &done, None).await.json()["done_ms"].is_i64());
    assert_eq!(t.get(&viewer, "/api/c/a/tasks").await.json(), json!([]), "done tasks leave the open list");
    assert_eq!(t.get(&viewer, "/api/c/a/tasks?all=true").await.json()[0]["id"], task.id);
    assert!(t.get(&viewer, "/api/c/a/points").await.json()["leaderboard"].is_array());
    assert!(t.get(&viewer, "/api/c/a/checkins").await.json().is_array());
    assert_eq!(t.get(&viewer, "/api/c/a/conversion").await.json()["orders"], 0);
    assert_eq!(t.get(&ops, "/api/c/b/checkins").await.status, StatusCode::NOT_FOUND);

    // Wrong role.
    let decide = format!("/api/c/a/moves/{move_id}/done");
    assert_eq!(t.post(&viewer, &decide, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get(&viewer, &format!("/api/c/a/members/{member_a}/export")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get(&ops, "/api/audit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.post(&ops, "/api/c/a/ingest-token", None).await.status, StatusCode::FORBIDDEN);
    let upload = "/api/c/a/imports?name=events.jsonl";
    assert_eq!(t.post(&viewer, upload, Some(b"{}".to_vec())).await.status, StatusCode::FORBIDDEN);

    // Missing CSRF token: refused even for the owner.
    let res = t.call(&owner, "POST", &decide, None, false).await;
    assert_eq!((res.status, res.json()["error"].as_str()), (StatusCode::FORBIDDEN, Some("csrf")));

    // Deciding a move: it leaves the inbox (the cached page is recomputed).
    assert_eq!(t.post(&ops, &decide, None).await.status, StatusCode::OK);
    let after = t.get(&ops, "/api/c/a/moves").await.json();
    assert!(after["moves"].as_array().unwrap().iter().all(|m| m["id"] != move_id.as_str()));
    assert_eq!(t.post(&ops, &format!("/api/c/a/moves/{move_id}/maybe"), None).await.status, StatusCode::NOT_FOUND);

    // Pushing events with the community's ingest token.
    let token = t.post(&owner, "/api/c/a/ingest-token", None).await.json()["token"].as_str().unwrap().to_string();
    let lines = [
        json!({"kind": "message", "platform": "wechat", "group": "club@chatroom", "group_name": "读书会", "member": "wx_eq",
               "member_name": "=HYPERLINK(\"http://evil.invalid\",\"点我\")", "at": "2025-05-06T20:05:00+08:00", "id": "m1", "text": "=1+1"}),
        json!({"kind": "message", "platform": "wechat", "group": "club@chatroom", "group_name": "读书会", "member": "wx_ming",
               "member_name": "小明-杭州", "at": "2025-05-06T20:06:00+08:00", "id": "m2", "text": "你好", "reply_to": "m1"}),
    ];
    let jsonl: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let ingest = |auth: Option<String>| {
        let mut req = Request::builder().method("POST").uri("/api/c/a/ingest");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        req.body(Body::from(jsonl.clone())).unwrap()
    };
    let res = t.app.clone().oneshot(ingest(Some("Bearer thi_wrong".into()))).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = t.app.clone().oneshot(ingest(Some(format!("Bearer {token}")))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    t.hit.lock().unwrap().insert(("post".into(), "/api/c/{community}/ingest".into()));
    let res = t.app.clone().oneshot(ingest(Some(format!("Bearer {token}")))).await.unwrap();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    let again: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (again[0]["messages"].as_u64(), again[0]["duplicates"].as_u64()),
        (Some(0), Some(2)),
        "idempotent: {again}"
    );

    // The resource library, the management mode and the templates: any
    // role reads, admins write, another community's answer 404.
    let body = |v: Value| Some(serde_json::to_vec(&v).unwrap());
    let guest = json!({"kind": "guest", "name": "小明", "tags": ["读书", "AI"], "member": "wechat:wx_ming"});
    assert_eq!(t.post(&viewer, "/api/c/a/resources", body(guest.clone())).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.post(&ops, "/api/c/b/resources", body(guest.clone())).await.status, StatusCode::NOT_FOUND);
    let bad = json!({"kind": "room", "name": "x"});
    assert_eq!(t.post(&ops, "/api/c/a/resources", body(bad)).await.status, StatusCode::BAD_REQUEST);
    let r = t.post(&ops, "/api/c/a/resources", body(guest)).await.json();
    assert_eq!((r["id"].as_i64(), r["tags"].clone()), (Some(1), json!(["ai", "读书"])));
    let tags = json!({"add": ["guest-share"], "remove": ["ai"]});
    assert_eq!(t.post(&viewer, "/api/c/a/resources/1/tags", body(tags.clone())).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.post(&ops, "/api/c/a/resources/9/tags", body(tags.clone())).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.post(&ops, "/api/c/a/resources/1/tags", body(tags)).await.json()["tags"],
        json!(["guest-share", "读书"])
    );
    let lib = t.get(&viewer, "/api/c/a/resources").await.json();
    assert_eq!(lib["resources"][0]["name"], "小明");
    assert!(lib["matches"].as_array().unwrap().iter().all(|m| m["coverage"] == "missing"), "topics need a host: {lib}");
    assert_eq!(t.get(&ops, "/api/c/b/resources").await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.call(&viewer, "DELETE", "/api/c/a/resources/1", None, true).await.status, StatusCode::FORBIDDEN);
    let venue = t.post(&ops, "/api/c/a/resources", body(json!({"kind": "venue", "name": "咖啡馆"}))).await.json();
    let gone = t.call(&ops, "DELETE", &format!("/api/c/a/resources/{}", venue["id"]), None, true).await;
    assert_eq!((gone.status, gone.json()["name"].as_str()), (StatusCode::OK, Some("咖啡馆")));
    assert_eq!(t.call(&ops, "DELETE", "/api/c/a/resources/99", None, true).await.status, StatusCode::NOT_FOUND);

    assert!(t.get(&viewer, "/api/c/a/management").await.json()["mode"].is_null());
    let mode = body(json!({"mode": "分群"}));
    assert_eq!(t.post(&viewer, "/api/c/a/management", mode.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.post(&ops, "/api/c/a/management", body(json!({"mode": "anarchy"}))).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(t.post(&ops, "/api/c/a/management", mode).await.json()["mode"], "sub_groups");
    let club = *t.group_ids("a").iter().find(|&&g| g != group_a).expect("the pushed group");
    let place = body(json!({"parent": "Big sample", "owner": "wechat:wx_ming"}));
    let club_uri = format!("/api/c/a/management/groups/{club}");
    assert_eq!(t.post(&viewer, &club_uri, place.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.post(&ops, &format!("/api/c/a/management/groups/{group_b}"), place.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.post(&ops, &club_uri, place).await.json()["owner"], "小明-杭州");
    let cycle = body(json!({"parent": "club@chatroom"}));
    assert_eq!(
        t.post(&ops, &format!("/api/c/a/management/groups/{group_a}"), cycle).await.status,
        StatusCode::CONFLICT
    );
    let m = t.get(&viewer, "/api/c/a/management").await.json();
    assert_eq!(m["tree"][0]["children"][0]["group"], "读书会", "{m}");
    assert_eq!((m["checks"][0]["kind"].as_str(), m["checks"][0]["ok"].as_bool()), (Some("owner_active"), Some(true)));
    assert_eq!(t.get(&ops, "/api/c/b/management").await.status, StatusCode::NOT_FOUND);

    let list = t.get(&viewer, "/api/c/a/templates").await.json();
    assert!(list.as_array().unwrap().iter().any(|x| x["key"] == "draft.welcome"));
    let welcome = "/api/c/a/templates/draft.welcome/zh";
    assert_eq!(t.post(&viewer, welcome, body(json!({"text": "{name}你好"}))).await.status, StatusCode::FORBIDDEN);
    let refused = t.post(&ops, welcome, body(json!({"text": "{nom}你好"}))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // Refused in both languages, from the catalogue: the console shows its reader's.
    let words = refused.json();
    assert!(words["message"].as_str().unwrap().contains("unknown placeholder {nom}"), "{words}");
    assert_eq!(words["text"]["en"], words["message"]);
    assert!(words["text"]["zh"].as_str().unwrap().starts_with("模板 draft.welcome：不认识占位符 {nom}"), "{words}");
    let fr = t.post(&ops, "/api/c/a/templates/draft.welcome/fr", body(json!({"text": "{name}"}))).await;
    assert_eq!(fr.status, StatusCode::BAD_REQUEST);
    let unknown = t.post(&ops, "/api/c/a/templates/label.group/zh", body(json!({"text": "x"}))).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        t.post(&ops, welcome, body(json!({"text": "{name}，欢迎来到{group}"}))).await.json()["zh"],
        "{name}，欢迎来到{group}"
    );
    assert_eq!(t.call(&viewer, "DELETE", welcome, None, true).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.call(&ops, "DELETE", welcome, None, true).await.json()["reset"], true);
    assert_eq!(t.get(&ops, "/api/c/b/templates").await.status, StatusCode::NOT_FOUND);

    let per = t.get(&viewer, "/api/c/a/conversion/activities").await.json();
    assert_eq!(per["window_days"], 7);
    let december =
        per["activities"].as_array().unwrap().iter().find(|a| a["activity"]["title"] == "December topic").unwrap();
    assert_eq!(december["occurrences"].as_array().map(Vec::len), Some(4), "{per}");
    assert_eq!(december["occurrences"][0]["speakers"]["buyers"], 0, "no orders imported");
    assert_eq!(t.get(&viewer, "/api/c/a/conversion/activities?days=400").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.get(&ops, "/api/c/b/conversion/activities").await.status, StatusCode::NOT_FOUND);

    // Exports: CSV with a BOM and defused formulas; .xlsx read back by calamine.
    let csv = t.get(&viewer, "/api/c/a/export/members?format=csv&lang=zh&group=club@chatroom").await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = String::from_utf8(csv.body.clone()).unwrap();
    assert!(text.starts_with("\u{feff}成员,"), "{text}");
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.invalid\"\",\"\"点我\"\")\""), "{text}");
    let xlsx = t.get(&viewer, "/api/c/a/export/members?format=xlsx&lang=en&group=club@chatroom").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let cells = read_xlsx(&xlsx.body);
    assert_eq!(cells[0][0], "member");
    let names: BTreeSet<&str> = cells[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, BTreeSet::from(["=HYPERLINK(\"http://evil.invalid\",\"点我\")", "小明-杭州"]));
    assert_eq!(t.get(&viewer, "/api/c/a/export/groups?format=xlsx").await.status, StatusCode::OK);
    // The report's per-group figures, as the overview downloads them.
    let report = read_xlsx(&t.get(&viewer, "/api/c/a/export/report?format=xlsx&lang=zh").await.body);
    assert_eq!((report[0][1].as_str(), report[1][1].as_str()), ("群名", "Big sample"));
    assert_eq!(report[1][5], overview["groups"][0]["members"].to_string());
    assert_eq!(t.get(&viewer, "/api/c/a/export/nothing?format=csv").await.status, StatusCode::NOT_FOUND);
    for table in ["checkins", "conversion", "moves"] {
        let res = t.get(&viewer, &format!("/api/c/a/export/{table}?format=csv&lang=en")).await;
        assert_eq!(res.status, StatusCode::OK, "{table}");
        assert!(res.body.starts_with("\u{feff}".as_bytes()), "{table}: UTF-8 with BOM");
    }
    assert_eq!(t.get(&viewer, "/api/c/a/export/groups?format=pdf").await.status, StatusCode::BAD_REQUEST);

    // Upload with progress: the job runs to done; a bad file fails alone, named.
    let sample = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample.jsonl")).unwrap();
    let job = t.post(&ops, "/api/c/a/imports?name=../../sample.jsonl", Some(sample)).await;
    assert_eq!(job.status, StatusCode::ACCEPTED);
    let status = wait(&t, &ops, job.json()["job"].as_str().unwrap()).await;
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(status["reports"][0]["file"], "upload:sample.jsonl", "the folder part of the name is dropped");
    let broken = format!("{}\n{{\"kind\": \"message\", \"at\": 12", lines[1]);
    let bad = t.post(&ops, "/api/c/a/imports?name=broken.jsonl", Some(broken.into_bytes())).await;
    let status = wait(&t, &ops, bad.json()["job"].as_str().unwrap()).await;
    assert_eq!(status["state"], "failed");
    let error = status["reports"][0]["error"].as_str().unwrap();
    assert!(error.starts_with("upload:broken.jsonl") && error.contains("line 2"), "{status}");
    assert_eq!(t.get(&viewer, "/api/c/a/imports/nope").await.status, StatusCode::NOT_FOUND);

    // The team's notes: admins write, everyone given the community reads;
    // they are in the member's export and go with the member.
    let note_uri = format!("/api/c/a/members/{member_a}/notes");
    let note = |text: &str| Some(serde_json::to_vec(&json!({ "text": text })).unwrap());
    assert_eq!(t.post(&viewer, &note_uri, note("hi")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.post(&ops, &note_uri, note("  ")).await.status, StatusCode::BAD_REQUEST);
    let added = t.post(&ops, &note_uri, note("五月线下见过，喜欢晚上聊")).await.json();
    assert_eq!((added["author"].as_str(), added["member_id"].as_i64()), (Some("ops"), Some(member_a)));
    let page = t.get(&viewer, &format!("/api/c/a/members/{member_a}")).await.json();
    assert_eq!(page["notes"][0]["text"], "五月线下见过，喜欢晚上聊");
    let other = format!("/api/c/a/members/{member_b}/notes");
    assert_eq!(t.post(&ops, &other, note("x")).await.status, StatusCode::NOT_FOUND);

    // Data rights: export then delete one member; the group delete after.
    let export = t.get(&ops, &format!("/api/c/a/members/{member_a}/export")).await;
    assert_eq!(export.json()["member"]["member_id"], member_a);
    assert_eq!(export.json()["notes"].as_array().map(Vec::len), Some(1));
    let res = t.call(&ops, "DELETE", &format!("/api/c/a/members/{member_a}"), None, true).await;
    assert_eq!((res.status, res.json()["notes"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(t.get(&ops, &format!("/api/c/a/members/{member_a}")).await.status, StatusCode::NOT_FOUND);
    let res = t.call(&ops, "DELETE", &format!("/api/c/a/groups/{group_b}"), None, true).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "another community's group");
    let res = t.call(&ops, "DELETE", &format!("/api/c/a/groups/{group_a}"), None, true).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(t.get(&ops, &format!("/api/c/a/groups/{group_a}")).await.status, StatusCode::NOT_FOUND);

    // An import taken back: analysts may not, another community's ids are
    // not found, and the log forgets it.
    let log = t.get(&ops, "/api/c/a/imports").await.json();
    let first = log[0]["id"].as_i64().unwrap();
    let undo = format!("/api/c/a/imports/{first}/undo");
    assert_eq!(t.post(&viewer, &undo, None).await.status, StatusCode::FORBIDDEN);
    let other = t.get(&owner, "/api/c/b/imports").await.json()[0]["id"].as_i64().unwrap();
    assert_eq!(t.post(&ops, &format!("/api/c/a/imports/{other}/undo"), None).await.status, StatusCode::NOT_FOUND);
    let res = t.post(&ops, &undo, None).await;
    assert_eq!((res.status, res.json()["import_id"].as_i64()), (StatusCode::OK, Some(first)));
    let after = t.get(&ops, "/api/c/a/imports").await.json();
    assert!(after.as_array().unwrap().iter().all(|i| i["id"].as_i64() != Some(first)));

    // The audit log has who did what.
    let log = t.get(&owner, "/api/audit").await.json();
    let actions: BTreeSet<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["user"].as_str().unwrap().to_string(), e["action"].as_str().unwrap().to_string()))
        .collect();
    for (user, action) in [
        ("ops", "decide-done"),
        ("owner", "ingest-token"),
        ("ingest-token", "ingest"),
        ("viewer", "export"),
        ("ops", "import"),
        ("ops", "export-member"),
        ("ops", "delete-member"),
        ("ops", "delete-group"),
        ("ops", "undo-import"),
        ("ops", "activity-add"),
        ("ops", "task-done"),
        ("ops", "resource-add"),
        ("ops", "resource-tag"),
        ("ops", "resource-remove"),
        ("ops", "mode-set"),
        ("ops", "group-place"),
        ("ops", "template-set"),
        ("ops", "template-reset"),
    ] {
        assert!(actions.contains(&(user.to_string(), action.to_string())), "no {user} {action} in {actions:?}");
    }

    // Logging out ends the session.
    assert_eq!(t.post(&viewer, "/api/logout", None).await.status, StatusCode::OK);
    assert_eq!(t.get(&viewer, "/api/me").await.status, StatusCode::UNAUTHORIZED);

    let hit = t.hit.lock().unwrap().clone();
    let missed: Vec<_> =
        ROUTES.iter().filter(|r| !hit.contains(&(r.method.to_string(), r.path.to_string()))).map(|r| r.path).collect();
    assert!(missed.is_empty(), "routes never called: {missed:?}");
}

async fn wait(t: &Harness, c: &Client, job: &str) -> Value {
    for _ in 0..600 {
        let s = t.get(c, &format!("/api/c/a/imports/{job}")).await.json();
        if s["state"] != "running" {
            return s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {job} still running after 30 s");
}

fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_over_the_limit_is_refused_and_stores_nothing() {
    let t = Harness::new(1024);
    let ops = t.login("ops", "ops-password").await;
    let before = t.store.counts().unwrap();
    let res = t.post(&ops, "/api/c/a/imports?name=big.jsonl", Some(vec![b' '; 4096])).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(t.store.counts().unwrap(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn five_failed_logins_lock_the_name_even_for_the_right_password() {
    let t = Harness::new(1024);
    let wrong = serde_json::to_vec(&json!({"name": "ops", "password": "wrong-wrong"})).unwrap();
    for _ in 0..5 {
        let res = t.call(&Client::default(), "POST", "/api/login", Some(wrong.clone()), false).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let right = serde_json::to_vec(&json!({"name": "ops", "password": "ops-password"})).unwrap();
    let res = t.call(&Client::default(), "POST", "/api/login", Some(right), false).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(t.store.users().unwrap().iter().any(|u| u.name == "ops"));
}

/// Hostile uploads: a zip bomb (a small file that expands to a gigabyte), a
/// binary blob, an empty body, a name that is no file name. Each is refused
/// at the door or fails as a job with a clear error; nothing is stored.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_uploads_fail_clearly_and_store_nothing() {
    use std::io::Write;
    let t = Harness::new(64 << 20);
    let ops = t.login("ops", "ops-password").await;
    let before = t.store.counts().unwrap();

    // 1 GiB of one letter, deflated to about a MiB.
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    bomb.start_file("chat.txt", opts).unwrap();
    let block = vec![b'a'; 1 << 20];
    for _ in 0..1024 {
        bomb.write_all(&block).unwrap();
    }
    let bomb = bomb.finish().unwrap().into_inner();
    assert!(bomb.len() < 8 << 20, "{} bytes", bomb.len());
    let job = t.post(&ops, "/api/c/a/imports?name=bomb.zip", Some(bomb)).await;
    assert_eq!(job.status, StatusCode::ACCEPTED);
    let status = wait(&t, &ops, job.json()["job"].as_str().unwrap()).await;
    assert_eq!(status["state"], "failed", "{status}");
    let error = status["reports"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("bomb.zip") && error.contains("zip bomb"), "{status}");
    // Both wordings name the upload, never the server's own folder.
    let why = &status["reports"][0]["why"];
    assert!(why["zh"].as_str().unwrap_or_default().starts_with("upload:bomb.zip!chat.txt：第 "), "{status}");
    assert!(why["zh"].as_str().unwrap_or_default().contains("（zip 炸弹？）"), "{status}");
    assert!(!why.to_string().contains(std::env::temp_dir().to_str().unwrap()), "{status}");

    let blob: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let job = t.post(&ops, "/api/c/a/imports?name=blob.bin", Some(blob)).await;
    let status = wait(&t, &ops, job.json()["job"].as_str().unwrap()).await;
    assert_eq!(status["state"], "failed", "{status}");
    assert!(status["reports"][0]["error"].as_str().unwrap_or_default().starts_with("upload:blob.bin"), "{status}");

    assert_eq!(
        t.post(&ops, "/api/c/a/imports?name=empty.json", Some(Vec::new())).await.status,
        StatusCode::BAD_REQUEST
    );
    for name in ["..", "a%0Ab.json", "%2F"] {
        let res = t.post(&ops, &format!("/api/c/a/imports?name={name}"), Some(b"{}".to_vec())).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{name}");
    }
    assert_eq!(t.store.counts().unwrap(), before, "nothing stored");
}
