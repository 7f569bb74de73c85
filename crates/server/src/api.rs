//! The API's handlers. Each checks who may do what ([`Auth`]), hands the
//! work to the application layer on a blocking thread (SQLite and the
//! report are synchronous), and answers JSON.

use crate::AppState;
use crate::auth::{Auth, cookie};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use tonghao_app::accounts::{self, LoginError};
use tonghao_app::export::{self, Format};
use tonghao_app::ingest::{FileReport, ImportRequest, Progress};
use tonghao_app::{AppError, Lang, console};
use tonghao_model::decision::Verdict;
use tonghao_model::msg::{Arg, Msg};
use tonghao_store::{Role, Store, StoreError};

/// An answer other than 200, with a JSON body `{"error": code, "message":
/// the English words, "text": {"zh": …, "en": …}}`: the console shows the
/// words in its reader's language, from the same catalogue as every face.
#[derive(Debug)]
pub enum ApiError {
    /// 401: no live session (or no valid ingest token).
    Unauthorized,
    /// 403: the role is not enough.
    Forbidden(Role),
    /// 403: a state change without the session's CSRF token.
    Csrf,
    /// 404.
    NotFound(Msg),
    /// 400: the request is wrong.
    BadRequest(Msg),
    /// 409: exists already.
    Conflict(Msg),
    /// 429: too many failed logins.
    Throttled,
    /// 500.
    Internal(String),
}

impl ApiError {
    /// A 400 whose words come from elsewhere (a parser's message).
    fn bad(detail: impl std::fmt::Display) -> ApiError {
        ApiError::BadRequest(Msg::new("error.detail").text("detail", detail.to_string()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, words) = match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", Msg::new("error.log_in")),
            ApiError::Forbidden(role) => {
                (StatusCode::FORBIDDEN, "forbidden", Msg::new("error.forbidden").text("role", role.as_str()))
            }
            ApiError::Csrf => (StatusCode::FORBIDDEN, "csrf", Msg::new("error.csrf")),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m),
            ApiError::Throttled => (StatusCode::TOO_MANY_REQUESTS, "throttled", Msg::new("error.throttled")),
            ApiError::Internal(m) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", Msg::new("error.detail").text("detail", m))
            }
        };
        let text = json!({"zh": Lang::Zh.msg(&words), "en": Lang::En.msg(&words)});
        (status, Json(json!({"error": code, "message": Lang::En.msg(&words), "text": text}))).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(m) | AppError::Store(StoreError::NotFound(m)) => ApiError::NotFound(m),
            AppError::Store(StoreError::Conflict(m)) => ApiError::Conflict(m),
            AppError::Input(m) => ApiError::BadRequest(m),
            AppError::NoFiles => ApiError::bad(e),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

type ApiResult<T = Response> = Result<T, ApiError>;

/// Runs `f` on a blocking thread with the store.
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn Store) -> tonghao_app::Result<T> + Send + 'static,
) -> ApiResult<T> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| ApiError::Internal(format!("the request's worker failed: {e}")))?
        .map_err(ApiError::from)
}

/// A JSON string already computed (a cached page), answered as it is.
fn raw_json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn audit(state: &AppState, user: &str, community: Option<&str>, action: &str, target: &str) {
    // The audit log must not make the action fail after it happened; a
    // failure to write it is reported on the server's console.
    if let Err(e) = accounts::audit(state.store.as_ref(), user, community, action, target) {
        eprintln!("tonghao serve: cannot write the audit log: {e}");
    }
}

/// `GET /api/health`
pub async fn health() -> Json<Value> {
    Json(json!({"ok": true}))
}

/// `GET /api/openapi.json`
pub async fn openapi() -> Json<Value> {
    Json(crate::routes::openapi())
}

/// `GET /api/catalogue/{lang}`
pub async fn catalogue(Path(lang): Path<String>) -> ApiResult<Json<Value>> {
    let lang = match lang.as_str() {
        "zh" => Lang::Zh,
        "en" => Lang::En,
        _ => return Err(ApiError::NotFound(Msg::new("error.no_language").text("lang", lang))),
    };
    let words: serde_json::Map<String, Value> =
        tonghao_app::i18n::keys().map(|k| (k.to_string(), lang.t(k).into())).collect();
    Ok(Json(Value::Object(words)))
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
}

/// `POST /api/login`. JSON only: a cross-site form cannot send it, and the
/// cookie is SameSite=Strict.
pub async fn login(State(state): State<AppState>, Json(form): Json<LoginForm>) -> ApiResult {
    let now = chrono::Utc::now().timestamp_millis();
    let name = form.name.clone();
    let outcome = blocking(&state, move |store| accounts::login(store, &form.name, &form.password, now)).await?;
    match outcome {
        Ok(session) => {
            let mut headers = HeaderMap::new();
            let c = cookie(&session.token, state.config.secure_cookies);
            headers.insert(header::SET_COOKIE, HeaderValue::from_str(&c).expect("a cookie of ASCII"));
            Ok((headers, Json(json!({"user": session.user, "csrf": session.csrf}))).into_response())
        }
        Err(LoginError::Invalid) => {
            eprintln!("tonghao serve: failed login for {:?}", name.chars().take(64).collect::<String>());
            Err(ApiError::Unauthorized)
        }
        Err(LoginError::Throttled) => Err(ApiError::Throttled),
    }
}

/// `POST /api/logout`
pub async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult {
    let now = chrono::Utc::now().timestamp_millis();
    blocking(&state, move |store| accounts::logout(store, &auth.token, now)).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, HeaderValue::from_str(&cookie("", state.config.secure_cookies)).expect("ASCII"));
    Ok((headers, Json(json!({"ok": true}))).into_response())
}

/// `GET /api/me`
pub async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let token = auth.token.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let (_, csrf) =
        blocking(&state, move |store| accounts::session(store, &token, now)).await?.ok_or(ApiError::Unauthorized)?;
    Ok(Json(json!({"user": auth.user, "csrf": csrf})))
}

/// `GET /api/communities`
pub async fn communities(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<String>>> {
    let all = blocking(&state, |store| Ok(store.communities()?)).await?;
    Ok(Json(all.into_iter().filter(|c| auth.user.sees(c)).collect()))
}

/// `GET /api/audit`
pub async fn audit_log(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    let log = blocking(&state, |store| Ok(store.audit_log(1000)?)).await?;
    Ok(Json(json!(log)))
}

async fn cached_page(state: &AppState, auth: &Auth, community: String, page: String) -> ApiResult {
    auth.community(&community)?;
    let body = blocking(state, move |store| console::page(store, &community, &page)).await?;
    Ok(raw_json(body))
}

/// `GET /api/c/{community}/overview`
pub async fn overview(State(state): State<AppState>, auth: Auth, Path(community): Path<String>) -> ApiResult {
    cached_page(&state, &auth, community, "overview".into()).await
}

/// `GET /api/c/{community}/groups/{group}` (the group's store id)
pub async fn group(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, group)): Path<(String, i64)>,
) -> ApiResult {
    cached_page(&state, &auth, community, format!("group/{group}")).await
}

/// The group's name as the store knows it, from its store id (the delete
/// call takes names or external ids).
async fn group_ref(state: &AppState, community: &str, group: i64) -> ApiResult<String> {
    let c = community.to_string();
    let page = blocking(state, move |store| console::page(store, &c, &format!("group/{group}"))).await?;
    let v: Value = serde_json::from_str(&page).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(v["report"]["external_id"].as_str().unwrap_or_default().to_string())
}

/// `DELETE /api/c/{community}/groups/{group}`
pub async fn group_delete(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, group)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let external = group_ref(&state, &community, group).await?;
    let c = community.clone();
    let e = external.clone();
    let stats = blocking(&state, move |store| Ok(store.group_delete(&c, &e)?)).await?;
    audit(&state, &auth.user.name, Some(&community), "delete-group", &external);
    Ok(Json(json!(stats)))
}

/// `POST /api/c/{community}/imports/{import}/undo`
pub async fn import_undo(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, import)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let c = community.clone();
    let stats = blocking(&state, move |store| Ok(store.import_undo(&c, import)?)).await?;
    audit(&state, &auth.user.name, Some(&community), "undo-import", &import.to_string());
    Ok(Json(json!(stats)))
}

/// `GET /api/c/{community}/members/{member}` (store id or `platform:id`)
pub async fn member(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, member)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    Ok(Json(blocking(&state, move |store| console::member_page(store, &community, &member)).await?))
}

/// `GET /api/c/{community}/members/{member}/export`
pub async fn member_export(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, member)): Path<(String, String)>,
) -> ApiResult {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let (c, m) = (community.clone(), member.clone());
    let export = blocking(&state, move |store| Ok(store.member_export(&c, &m)?)).await?;
    audit(&state, &auth.user.name, Some(&community), "export-member", &member);
    let disposition = format!("attachment; filename=\"member-{}.json\"", export.member.member_id);
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(json!(export))).into_response())
}

/// A note's body.
#[derive(Deserialize)]
pub struct NoteForm {
    text: String,
}

/// `POST /api/c/{community}/members/{member}/notes`
pub async fn note_add(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, member)): Path<(String, String)>,
    Json(form): Json<NoteForm>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let text = form.text.trim().to_string();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(ApiError::BadRequest(Msg::new("error.note_length").int("max", 4000)));
    }
    let author = auth.user.name.clone();
    let note = blocking(&state, move |store| Ok(store.note_add(&community, &member, &author, &text)?)).await?;
    Ok(Json(json!(note)))
}

/// `DELETE /api/c/{community}/members/{member}`
pub async fn member_delete(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, member)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let (c, m) = (community.clone(), member.clone());
    let stats = blocking(&state, move |store| Ok(store.member_delete(&c, &m)?)).await?;
    audit(&state, &auth.user.name, Some(&community), "delete-member", &member);
    Ok(Json(json!(stats)))
}

/// `GET /api/c/{community}/moves`
pub async fn moves(State(state): State<AppState>, auth: Auth, Path(community): Path<String>) -> ApiResult {
    cached_page(&state, &auth, community, "moves".into()).await
}

/// `POST /api/c/{community}/moves/{move}/{verdict}` (`done` or `dismiss`)
pub async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, move_id, verdict)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let verdict = match verdict.as_str() {
        "done" => Verdict::Done,
        "dismiss" | "dismissed" => Verdict::Dismissed,
        _ => return Err(ApiError::NotFound(Msg::new("error.no_verdict").text("value", verdict))),
    };
    let (c, id) = (community.clone(), move_id.clone());
    let now = chrono::Utc::now().timestamp_millis();
    let decided = blocking(&state, move |store| tonghao_app::report::decide(store, &c, &id, verdict, now)).await?;
    audit(&state, &auth.user.name, Some(&community), &format!("decide-{}", verdict.as_str()), &move_id);
    Ok(Json(json!(decided)))
}

/// `GET /api/c/{community}/imports`
pub async fn imports(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    let all = blocking(&state, |store| Ok(store.imports()?)).await?;
    Ok(Json(json!(all.into_iter().filter(|r| r.community == community).collect::<Vec<_>>())))
}

/// Uploads running or finished in this process.
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<String, JobStatus>>);

/// An upload's state.
#[derive(Clone, Default, Serialize)]
pub struct JobStatus {
    /// The community it imports into.
    pub community: String,
    /// The uploaded file's name.
    pub file: String,
    /// `running`, `done` or `failed`.
    pub state: &'static str,
    /// Files (or folder exports) found in the upload.
    pub files: usize,
    /// Their size in bytes.
    pub bytes: u64,
    /// Bytes of finished files.
    pub bytes_done: u64,
    /// Events read so far.
    pub events: u64,
    /// Per-file results, when done.
    pub reports: Vec<FileReport>,
    /// Why the whole import failed, if it did.
    pub error: Option<String>,
}

impl Jobs {
    fn update(&self, id: &str, f: impl FnOnce(&mut JobStatus)) {
        if let Some(job) = self.0.lock().expect("jobs lock").get_mut(id) {
            f(job);
        }
    }
}

/// `?name=` of an upload.
#[derive(Deserialize)]
pub struct UploadQuery {
    name: Option<String>,
}

/// The file name of an upload, without any folder part (so it cannot
/// point outside the upload's own folder).
fn upload_name(name: Option<&str>) -> ApiResult<String> {
    let name = name.unwrap_or("upload");
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base == "." || base == ".." || base.chars().any(char::is_control) || base.len() > 255 {
        return Err(ApiError::BadRequest(Msg::new("error.not_a_file_name").text("name", name)));
    }
    Ok(base.to_string())
}

/// `POST /api/c/{community}/imports?name=FILE` with the file as the body.
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let name = upload_name(q.name.as_deref())?;
    if body.is_empty() {
        return Err(ApiError::BadRequest(Msg::new("error.upload_empty")));
    }
    let id = accounts::random_hex(8);
    let status =
        JobStatus { community: community.clone(), file: name.clone(), state: "running", ..JobStatus::default() };
    state.jobs.0.lock().expect("jobs lock").insert(id.clone(), status);
    audit(&state, &auth.user.name, Some(&community), "import", &name);
    let (store, jobs, job) = (state.store.clone(), state.jobs.clone(), id.clone());
    tokio::task::spawn_blocking(move || {
        let result = import_upload(store.as_ref(), &community, &name, &body, &mut |p| {
            jobs.update(&job, |s| match p {
                Progress::Planned { jobs, bytes } => (s.files, s.bytes) = (jobs, bytes),
                Progress::Events(n) => s.events = n,
                Progress::JobDone(b) => s.bytes_done += b,
            })
        });
        jobs.update(&job, |s| match result {
            Ok(reports) => {
                s.state = if reports.iter().any(|r| r.error.is_some()) { "failed" } else { "done" };
                s.reports = reports;
            }
            Err(e) => {
                s.state = "failed";
                s.error = Some(e.to_string());
            }
        });
    });
    Ok((StatusCode::ACCEPTED, Json(json!({"job": id}))))
}

/// Writes the upload to a private temporary folder and imports it from
/// there; the import log names it `upload:FILE`.
fn import_upload(
    store: &dyn Store,
    community: &str,
    name: &str,
    body: &[u8],
    progress: &mut dyn FnMut(Progress),
) -> tonghao_app::Result<Vec<FileReport>> {
    let dir = tempfile::tempdir().map_err(|e| AppError::detail(format!("cannot make a folder for the upload: {e}")))?;
    let path = dir.path().join(name);
    std::fs::write(&path, body).map_err(|e| AppError::detail(format!("cannot keep the upload: {e}")))?;
    let prefix = dir.path().display().to_string();
    let relabel = move |label: String| format!("upload:{}", label.trim_start_matches(&prefix).trim_start_matches('/'));
    let req = ImportRequest { paths: vec![path], relabel: Some(&relabel), ..ImportRequest::default() };
    let mut reports = tonghao_app::ingest::import(store, community, &req, progress)?;
    // Errors name the file as the person uploaded it, not the server's folder.
    let prefix = format!("{}/", dir.path().display());
    for r in &mut reports {
        for text in [&mut r.error, &mut r.skipped].into_iter().flatten() {
            *text = text.replace(&prefix, "upload:");
        }
        if let Some(why) = &mut r.why {
            relabel_words(why, &prefix);
        }
    }
    Ok(reports)
}

/// `prefix` (the server's folder) as `upload:` in every text a message holds.
fn relabel_words(m: &mut Msg, prefix: &str) {
    for (_, arg) in &mut m.args {
        match arg {
            Arg::Text(text) => *text = text.replace(prefix, "upload:"),
            Arg::Words(inner) => relabel_words(inner, prefix),
            Arg::Int(_) | Arg::Share(_) | Arg::Num(..) => {}
        }
    }
}

/// `GET /api/c/{community}/imports/{job}`
pub async fn job(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, job)): Path<(String, String)>,
) -> ApiResult<Json<JobStatus>> {
    auth.community(&community)?;
    let jobs = state.jobs.0.lock().expect("jobs lock");
    match jobs.get(&job) {
        Some(s) if s.community == community => Ok(Json(s.clone())),
        _ => Err(ApiError::NotFound(Msg::new("error.no_import").text("job", job))),
    }
}

/// `POST /api/c/{community}/ingest` with `Authorization: Bearer TOKEN` and
/// canonical JSONL as the body; answers the import's per-file result.
pub async fn ingest(
    State(state): State<AppState>,
    Path(community): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?
        .to_string();
    let c = community.clone();
    if !blocking(&state, move |store| accounts::ingest_token_valid(store, &c, &token)).await? {
        return Err(ApiError::Unauthorized);
    }
    let c = community.clone();
    let reports = blocking(&state, move |store| {
        let dir = tempfile::tempdir().map_err(AppError::detail)?;
        let path = dir.path().join("events.jsonl");
        std::fs::write(&path, &body).map_err(AppError::detail)?;
        let relabel = |_: String| "ingest:events.jsonl".to_string();
        let req = ImportRequest {
            paths: vec![path],
            format: Some("jsonl".into()),
            relabel: Some(&relabel),
            ..ImportRequest::default()
        };
        tonghao_app::ingest::import(store, &c, &req, &mut |_| {})
    })
    .await?;
    audit(&state, "ingest-token", Some(&community), "ingest", "events.jsonl");
    if let Some(r) = reports.iter().find(|r| r.error.is_some()) {
        let detail = || Msg::new("error.detail").text("detail", r.error.clone().unwrap_or_default());
        return Err(ApiError::BadRequest(r.why.clone().unwrap_or_else(detail)));
    }
    Ok(Json(json!(reports)))
}

/// `POST /api/c/{community}/ingest-token`
pub async fn ingest_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    let c = community.clone();
    let token = blocking(&state, move |store| accounts::new_ingest_token(store, &c)).await?;
    audit(&state, &auth.user.name, Some(&community), "ingest-token", &community);
    Ok(Json(json!({"token": token})))
}

/// `?format=&lang=&group=` of an export.
#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
    lang: Option<String>,
    group: Option<String>,
}

/// `GET /api/c/{community}/export/{table}`: `groups`, `members` (with
/// `?group=`), `moves`, `report` (the per-group figures), `checkins` or
/// `conversion`, as CSV (UTF-8 with BOM) or .xlsx.
pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, table)): Path<(String, String)>,
    Query(q): Query<ExportQuery>,
) -> ApiResult {
    auth.community(&community)?;
    let format: Format = q.format.as_deref().unwrap_or("csv").parse().map_err(ApiError::bad)?;
    if format == Format::Table {
        return Err(ApiError::BadRequest(Msg::new("error.export_format")));
    }
    let lang = Lang::pick(q.lang.as_deref());
    let c = community.clone();
    let t = table.clone();
    let bytes = blocking(&state, move |store| {
        let table = match t.as_str() {
            "groups" => export::groups(&store.groups(&c)?),
            "members" => {
                let group = q.group.ok_or_else(|| AppError::Input(Msg::new("error.group_param")))?;
                export::members(&store.members(&c, &group)?, lang)
            }
            "checkins" => export::checkins(&tonghao_app::checkins::report(
                store,
                &c,
                &tonghao_app::checkins::CheckinsRequest::default(),
            )?),
            "conversion" => export::conversion(&tonghao_app::orders::conversion(store, &c)?),
            "moves" | "report" => {
                let report = tonghao_app::report::build(store, &c, &tonghao_app::report::ReportRequest::default())?;
                if t == "moves" { export::moves(&report.moves, lang) } else { export::report(&report, lang) }
            }
            _ => {
                return Err(AppError::NotFound(Msg::new("error.no_table").text("table", t.as_str())));
            }
        };
        table.write(format, lang, &t)
    })
    .await?;
    audit(&state, &auth.user.name, Some(&community), "export", &table);
    let (mime, ext) = match format {
        Format::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        _ => ("text/csv; charset=utf-8", "csv"),
    };
    let disposition = format!("attachment; filename=\"{table}.{ext}\"");
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// `GET /api/c/{community}/checkins`
pub async fn checkins(State(state): State<AppState>, auth: Auth, Path(community): Path<String>) -> ApiResult {
    cached_page(&state, &auth, community, "checkins".into()).await
}

/// `GET /api/c/{community}/conversion`
pub async fn conversion(State(state): State<AppState>, auth: Auth, Path(community): Path<String>) -> ApiResult {
    cached_page(&state, &auth, community, "conversion".into()).await
}

/// `GET /api/c/{community}/activities`: every activity with its next
/// occurrence, and what is planned for the next 60 days. Read per request:
/// "next" moves with the clock.
pub async fn activities(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    let value = blocking(&state, move |store| {
        use tonghao_app::activities::{CalendarRequest, calendar, list};
        let listed = list(store, &community)?;
        let today = chrono::Utc::now().date_naive();
        let req = CalendarRequest {
            group: None,
            from: Some(today.format("%Y-%m-%d").to_string()),
            until: Some((today + chrono::Days::new(60)).format("%Y-%m-%d").to_string()),
        };
        let upcoming = if listed.is_empty() { Vec::new() } else { calendar(store, &community, &req)?.occurrences };
        Ok(json!({"activities": listed, "upcoming": upcoming}))
    })
    .await?;
    Ok(Json(value))
}

/// An activity as the console's form sends it.
#[derive(Deserialize)]
pub struct ActivityForm {
    group: String,
    kind: String,
    title: String,
    start: String,
    rrule: Option<String>,
    duration: Option<String>,
    tz: Option<String>,
    host: Option<String>,
}

/// `POST /api/c/{community}/activities`
pub async fn activity_add(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
    Json(form): Json<ActivityForm>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let kind = form.kind.parse().map_err(ApiError::bad)?;
    let blank = |s: Option<String>| s.filter(|x| !x.trim().is_empty());
    let new = tonghao_app::activities::NewActivity {
        group: form.group,
        kind,
        title: form.title,
        start: form.start,
        rrule: blank(form.rrule),
        duration: blank(form.duration),
        tz: blank(form.tz),
        host: blank(form.host),
    };
    let c = community.clone();
    let added = blocking(&state, move |store| tonghao_app::activities::add(store, &c, &new)).await?;
    audit(&state, &auth.user.name, Some(&community), "activity-add", &added.title);
    Ok(Json(json!(added)))
}

/// `GET /api/c/{community}/calendar.ics?lang=`
pub async fn calendar_ics(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
    Query(q): Query<ExportQuery>,
) -> ApiResult {
    auth.community(&community)?;
    let lang = Lang::pick(q.lang.as_deref());
    let c = community.clone();
    let ics = blocking(&state, move |store| {
        let cal = tonghao_app::activities::calendar(store, &c, &tonghao_app::activities::CalendarRequest::default())?;
        Ok(tonghao_app::activities::to_ics(&c, &cal, lang))
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"tonghao.ics\"".to_string()),
        ],
        ics,
    )
        .into_response())
}

/// `?occurrence=N` of an outcome.
#[derive(Deserialize)]
pub struct OutcomeQuery {
    occurrence: Option<usize>,
}

/// `GET /api/c/{community}/activities/{activity}/outcome`
pub async fn activity_outcome(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, id)): Path<(String, i64)>,
    Query(q): Query<OutcomeQuery>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    let outcome =
        blocking(&state, move |store| tonghao_app::activities::outcome(store, &community, id, q.occurrence)).await?;
    Ok(Json(json!(outcome)))
}

/// `?all=` of the task list.
#[derive(Deserialize)]
pub struct TasksQuery {
    all: Option<bool>,
}

/// `GET /api/c/{community}/tasks`
pub async fn tasks(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
    Query(q): Query<TasksQuery>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    let all = q.all.unwrap_or(false);
    let list = blocking(&state, move |store| tonghao_app::tasks::list(store, &community, all, None)).await?;
    Ok(Json(json!(list)))
}

/// `POST /api/c/{community}/tasks/{task}/{state}` (`done` or `undo`)
pub async fn task_done(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, id, done)): Path<(String, i64, String)>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let undo = match done.as_str() {
        "done" => false,
        "undo" => true,
        _ => return Err(ApiError::NotFound(Msg::new("error.no_task_state").text("value", done))),
    };
    let now = chrono::Utc::now().timestamp_millis();
    let c = community.clone();
    let task = blocking(&state, move |store| tonghao_app::tasks::done(store, &c, id, undo, now)).await?;
    audit(&state, &auth.user.name, Some(&community), &format!("task-{done}"), &task.title);
    Ok(Json(json!(task)))
}

/// `GET /api/c/{community}/points?lang=`
pub async fn points(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    let lang = Lang::pick(q.lang.as_deref());
    let points = blocking(&state, move |store| tonghao_app::points::points(store, &community, None, lang)).await?;
    Ok(Json(json!(points)))
}

/// `GET /api/c/{community}/resources`: the library and the planned
/// activities matched to it.
pub async fn resources(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    let value = blocking(&state, move |store| {
        let resources = tonghao_app::resources::list(store, &community, None)?;
        let matches = tonghao_app::resources::matches(store, &community)?;
        Ok(json!({"resources": resources, "matches": matches}))
    })
    .await?;
    Ok(Json(value))
}

/// A resource as the console's form sends it.
#[derive(Deserialize)]
pub struct ResourceForm {
    kind: String,
    name: String,
    #[serde(default)]
    tags: Vec<String>,
    member: Option<String>,
    note: Option<String>,
}

/// `POST /api/c/{community}/resources`
pub async fn resource_add(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
    Json(form): Json<ResourceForm>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let new = tonghao_app::resources::NewResource {
        kind: form.kind.parse().map_err(ApiError::bad)?,
        name: form.name,
        tags: form.tags,
        member: form.member,
        note: form.note,
    };
    let c = community.clone();
    let added = blocking(&state, move |store| tonghao_app::resources::add(store, &c, &new)).await?;
    audit(&state, &auth.user.name, Some(&community), "resource-add", &added.name);
    Ok(Json(json!(added)))
}

/// Tags to add and remove.
#[derive(Deserialize)]
pub struct TagsForm {
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

/// `POST /api/c/{community}/resources/{resource}/tags`
pub async fn resource_tags(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, id)): Path<(String, i64)>,
    Json(form): Json<TagsForm>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let c = community.clone();
    let r = blocking(&state, move |store| tonghao_app::resources::tag(store, &c, id, &form.add, &form.remove)).await?;
    audit(&state, &auth.user.name, Some(&community), "resource-tag", &r.name);
    Ok(Json(json!(r)))
}

/// `DELETE /api/c/{community}/resources/{resource}`
pub async fn resource_remove(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, id)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let c = community.clone();
    let r = blocking(&state, move |store| tonghao_app::resources::remove(store, &c, id)).await?;
    audit(&state, &auth.user.name, Some(&community), "resource-remove", &r.name);
    Ok(Json(json!(r)))
}

/// `GET /api/c/{community}/management`
pub async fn management(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    let shown = blocking(&state, move |store| tonghao_app::management::show(store, &community)).await?;
    Ok(Json(json!(shown)))
}

/// The mode to set.
#[derive(Deserialize)]
pub struct ModeForm {
    mode: String,
}

/// `POST /api/c/{community}/management`
pub async fn management_set(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
    Json(form): Json<ModeForm>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let mode: tonghao_model::records::ManagementMode = form.mode.parse().map_err(ApiError::bad)?;
    let now = chrono::Utc::now().timestamp_millis();
    let c = community.clone();
    let shown = blocking(&state, move |store| {
        tonghao_app::management::set_mode(store, &c, mode, now)?;
        tonghao_app::management::show(store, &c)
    })
    .await?;
    audit(&state, &auth.user.name, Some(&community), "mode-set", mode.as_str());
    Ok(Json(json!(shown)))
}

/// A group's parent (id or name) and owner (member id, `platform:id` or a
/// name used in the group); absent or empty: none.
#[derive(Deserialize)]
pub struct PlaceForm {
    parent: Option<String>,
    owner: Option<String>,
}

/// `POST /api/c/{community}/management/groups/{group}` (the group's store id)
pub async fn group_place(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, group)): Path<(String, i64)>,
    Json(form): Json<PlaceForm>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let now = chrono::Utc::now().timestamp_millis();
    let c = community.clone();
    let place = blocking(&state, move |store| {
        // The store names groups by platform id or name; the API by store id.
        let snap = store.snapshot(&c, None, None)?;
        let external = snap
            .groups
            .iter()
            .find(|g| g.store_id == group)
            .map(|g| g.external_id.clone())
            .ok_or_else(|| AppError::no_group(&group.to_string(), &c))?;
        tonghao_app::management::set_group(store, &c, &external, form.parent.as_deref(), form.owner.as_deref(), now)
    })
    .await?;
    audit(&state, &auth.user.name, Some(&community), "group-place", &place.group);
    Ok(Json(json!(place)))
}

/// `GET /api/c/{community}/templates`
pub async fn templates(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    let list = blocking(&state, move |store| tonghao_app::templates::list(store, &community)).await?;
    Ok(Json(json!(list)))
}

/// A template's text.
#[derive(Deserialize)]
pub struct TemplateForm {
    text: String,
}

/// `POST /api/c/{community}/templates/{key}/{lang}`
pub async fn template_set(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, key, lang)): Path<(String, String, String)>,
    Json(form): Json<TemplateForm>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let now = chrono::Utc::now().timestamp_millis();
    let (c, k) = (community.clone(), key.clone());
    let t = blocking(&state, move |store| tonghao_app::templates::set(store, &c, &k, &lang, &form.text, now)).await?;
    audit(&state, &auth.user.name, Some(&community), "template-set", &key);
    Ok(Json(json!(t)))
}

/// `DELETE /api/c/{community}/templates/{key}/{lang}`
pub async fn template_reset(
    State(state): State<AppState>,
    auth: Auth,
    Path((community, key, lang)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    auth.require(Role::Admin)?;
    let now = chrono::Utc::now().timestamp_millis();
    let (c, k) = (community.clone(), key.clone());
    let had = blocking(&state, move |store| tonghao_app::templates::reset(store, &c, &k, Some(&lang), now)).await?;
    audit(&state, &auth.user.name, Some(&community), "template-reset", &key);
    Ok(Json(json!({"key": key, "reset": had})))
}

/// `?days=N` of conversion per activity.
#[derive(Deserialize)]
pub struct WindowQuery {
    days: Option<i64>,
}

/// `GET /api/c/{community}/conversion/activities?days=`
pub async fn conversion_by_activity(
    State(state): State<AppState>,
    auth: Auth,
    Path(community): Path<String>,
    Query(q): Query<WindowQuery>,
) -> ApiResult<Json<Value>> {
    auth.community(&community)?;
    let days = q.days.unwrap_or(tonghao_app::orders::ACTIVITY_WINDOW_DAYS);
    let c = blocking(&state, move |store| tonghao_app::orders::by_activity(store, &community, days)).await?;
    Ok(Json(json!(c)))
}
