//! Every route of the API in one table: the router is built from it and
//! the OpenAPI document is generated from it, so the two cannot drift.

use crate::AppState;
use crate::api;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, delete, get, post};
use serde_json::{Value, json};

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (login, the API description, the console's words).
    Public,
    /// A logged-in user of any role, in the communities assigned to them.
    Read,
    /// An admin or the owner: imports, decisions, deletions.
    Operate,
    /// The owner only.
    Owner,
    /// A community's ingest token (`Authorization: Bearer ...`).
    IngestToken,
}

/// One route.
pub struct Route {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path, with `{name}` parameters.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What it does.
    pub summary: &'static str,
    handler: fn() -> MethodRouter<AppState>,
}

macro_rules! route {
    ($method:ident $path:literal, $access:ident, $summary:literal, $handler:path) => {
        Route {
            method: stringify!($method),
            path: $path,
            access: Access::$access,
            summary: $summary,
            handler: || $method($handler),
        }
    };
}

/// The API.
pub const ROUTES: &[Route] = &[
    route!(get "/api/health", Public, "Liveness: answers ok.", api::health),
    route!(get "/api/openapi.json", Public, "This API, as an OpenAPI 3.1 document generated from the route table.", api::openapi),
    route!(get "/api/catalogue/{lang}", Public, "The console's words in zh or en, from tonghao's one message catalogue.", api::catalogue),
    route!(post "/api/login", Public, "Logs in with {name, password}: sets an HttpOnly session cookie, returns the CSRF token. Five failures in 15 minutes lock the name for the rest of them.", api::login),
    route!(post "/api/logout", Read, "Ends the session.", api::logout),
    route!(get "/api/me", Read, "The logged-in user, their role, communities and CSRF token.", api::me),
    route!(get "/api/communities", Read, "The communities the user may see.", api::communities),
    route!(get "/api/audit", Owner, "The audit log: who imported, exported or deleted what (newest first).", api::audit_log),
    route!(get "/api/c/{community}/overview", Read, "Every group: stage, members, 28-day active ratio, trend, silence risk, weakest signal, top move.", api::overview),
    route!(get "/api/c/{community}/groups/{group}", Read, "One group's report, interaction graph (with a split proposal over 40 members) and moves.", api::group),
    route!(delete "/api/c/{community}/groups/{group}", Operate, "Deletes a group and every row of it.", api::group_delete),
    route!(get "/api/c/{community}/members/{member}", Read, "One member: identities, groups, latest messages, moves about them.", api::member),
    route!(get "/api/c/{community}/members/{member}/export", Operate, "Everything stored about one member (a data access request), as JSON.", api::member_export),
    route!(post "/api/c/{community}/members/{member}/notes", Operate, "Adds the team's note about a member ({text}); the member page lists them.", api::note_add),
    route!(delete "/api/c/{community}/members/{member}", Operate, "Deletes a member's data and keeps them out of later imports.", api::member_delete),
    route!(get "/api/c/{community}/moves", Read, "The next moves across groups, and how the done ones turned out.", api::moves),
    route!(post "/api/c/{community}/moves/{move}/{verdict}", Operate, "Records a move as done or dismissed.", api::decide),
    route!(get "/api/c/{community}/activities", Read, "Planned activities with their next occurrence, and the occurrences of the next 60 days.", api::activities),
    route!(post "/api/c/{community}/activities", Operate, "Plans an activity: {group, kind, title, start, rrule?, duration?, tz?} as `tonghao activity add` takes them.", api::activity_add),
    route!(get "/api/c/{community}/activities/{activity}/outcome", Read, "How an activity's latest held occurrence went (?occurrence=N for another): messages, speakers, newcomers who spoke and answered share during and after it against the same hours of the 28 days before, the speakers to reward, a topic's digest.", api::activity_outcome),
    route!(get "/api/c/{community}/calendar.ics", Read, "Every planned occurrence as an iCalendar file for the team's own calendars.", api::calendar_ics),
    route!(get "/api/c/{community}/tasks", Read, "The team's open tasks (?all=true: done ones too), due first.", api::tasks),
    route!(post "/api/c/{community}/tasks/{task}/{state}", Operate, "Marks a task done, or open again (`undo`).", api::task_done),
    route!(get "/api/c/{community}/points", Read, "The points leaderboard and ledger (by rule from the records, plus points given by hand).", api::points),
    route!(get "/api/c/{community}/checkins", Read, "Check-in challenges per group: streaks, misses, completion, who missed yesterday, the bare-form share.", api::checkins),
    route!(get "/api/c/{community}/conversion", Read, "Orders per group: buyers, revenue, repeat buyers, days from joining to the first order.", api::conversion),
    route!(get "/api/c/{community}/conversion/activities", Read, "Per planned activity's occurrence the imported history covers: buyers, orders and revenue among its speakers and among the group's other members in the ?days=N (default 7) days after it.", api::conversion_by_activity),
    route!(get "/api/c/{community}/resources", Read, "The resource library (venues, content, hosts, guests, tagged) and each planned activity with the resources that fit it or the kind it lacks.", api::resources),
    route!(post "/api/c/{community}/resources", Operate, "Adds a resource: {kind, name, tags?, member?, note?} as `tonghao resource add` takes them.", api::resource_add),
    route!(post "/api/c/{community}/resources/{resource}/tags", Operate, "Adds and removes a resource's tags: {add?, remove?}.", api::resource_tags),
    route!(delete "/api/c/{community}/resources/{resource}", Operate, "Removes a resource from the library.", api::resource_remove),
    route!(get "/api/c/{community}/management", Read, "The management mode (centralised, sub_groups, self_governing, unmanaged), the groups' hierarchy with owners, and the mode checked against the history.", api::management),
    route!(post "/api/c/{community}/management", Operate, "Sets the management mode: {mode}.", api::management_set),
    route!(post "/api/c/{community}/management/groups/{group}", Operate, "Places a group: {parent?, owner?} (a parent that would make a cycle answers 409).", api::group_place),
    route!(get "/api/c/{community}/templates", Read, "The templates drafts are written with: tonghao's texts, the community's own, their placeholders.", api::templates),
    route!(post "/api/c/{community}/templates/{key}/{lang}", Operate, "Sets the community's text for a drafted message in zh or en: {text}, with the same placeholders as tonghao's (others answer 400).", api::template_set),
    route!(delete "/api/c/{community}/templates/{key}/{lang}", Operate, "Goes back to tonghao's text for a drafted message in zh or en.", api::template_reset),
    route!(get "/api/c/{community}/imports", Read, "The community's import log.", api::imports),
    route!(post "/api/c/{community}/imports", Operate, "Uploads one export (any supported format, or a .zip) as the request body, `?name=FILE`; answers a job to poll.", api::upload),
    route!(post "/api/c/{community}/imports/{import}/undo", Operate, "Takes an import back (its id in the import log): removes what only it brought, in one transaction.", api::import_undo),
    route!(get "/api/c/{community}/imports/{job}", Read, "An upload's progress and, when done, its per-file result.", api::job),
    route!(post "/api/c/{community}/ingest", IngestToken, "Pushes canonical JSONL events (docs/events.md) with the community's ingest token.", api::ingest),
    route!(post "/api/c/{community}/ingest-token", Owner, "Creates (or replaces) the community's ingest token; shown once.", api::ingest_token),
    route!(get "/api/c/{community}/export/{table}", Read, "A listing (groups, members with ?group=, moves, report: the per-group figures, checkins, conversion) as ?format=csv or xlsx, columns in ?lang=.", api::export),
];

/// The API's router (state to be given).
pub fn router(max_upload: usize) -> Router<AppState> {
    ROUTES
        .iter()
        .fold(Router::new(), |r, route| r.route(route.path, (route.handler)()))
        .layer(DefaultBodyLimit::max(max_upload))
}

/// The OpenAPI document of [`ROUTES`].
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut responses = serde_json::Map::new();
        responses.insert("200".into(), json!({"description": "OK"}));
        if r.access != Access::Public {
            responses.insert("401".into(), json!({"description": "No session (or no valid ingest token)."}));
            responses.insert(
                "404".into(),
                json!({"description": "No such community for this user, or no such item in it."}),
            );
        }
        let role = matches!(r.access, Access::Operate | Access::Owner);
        let csrf = r.method != "get" && matches!(r.access, Access::Read | Access::Operate | Access::Owner);
        if role || csrf {
            let why = match (role, csrf) {
                (true, true) => "The user's role may not do this, or the X-CSRF-Token header is missing or wrong.",
                (true, false) => "The user's role may not do this.",
                _ => "The X-CSRF-Token header is missing or wrong.",
            };
            responses.insert("403".into(), json!({ "description": why }));
        }
        let security = match r.access {
            Access::Public => json!([]),
            Access::IngestToken => json!([{"ingestToken": []}]),
            _ => json!([{"session": []}]),
        };
        let access = match r.access {
            Access::Public => "public",
            Access::Read => "any role",
            Access::Operate => "admin or owner",
            Access::Owner => "owner",
            Access::IngestToken => "ingest token",
        };
        let op = json!({
            "summary": r.summary,
            "description": format!("Access: {access}."),
            "parameters": params,
            "security": security,
            "responses": responses,
        });
        paths.entry(r.path.to_string()).or_insert_with(|| json!({}))[r.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "tonghao", "version": env!("CARGO_PKG_VERSION"), "description": "The JSON API of tonghao's console. Every figure comes from the imported chat history."},
        "paths": paths,
        "components": {"securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE},
            "ingestToken": {"type": "http", "scheme": "bearer"},
        }},
    })
}
