//! The console's files, compiled into the binary. A strict Content
//! Security Policy (`default-src 'self'`) keeps the browser from loading
//! anything from elsewhere, whatever a page might ask for.

use crate::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX: &str = include_str!("../web/console/index.html");
const APP_JS: &str = include_str!("../web/console/app.js");
const APP_CSS: &str = include_str!("../web/console/app.css");
const ECHARTS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/echarts.min.js"));

/// The policy sent with every file: only this server, no inline scripts.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                       object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

fn file(mime: &'static str, body: &'static [u8]) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// `/` (and the console's client-side paths) and `/assets/*`.
pub fn router() -> Router<AppState> {
    let index = || async { file("text/html; charset=utf-8", INDEX.as_bytes()) };
    Router::new()
        .route("/", get(index))
        .route("/group/{id}", get(index))
        .route("/member/{id}", get(index))
        .route("/assets/app.js", get(|| async { file("text/javascript; charset=utf-8", APP_JS.as_bytes()) }))
        .route("/assets/app.css", get(|| async { file("text/css; charset=utf-8", APP_CSS.as_bytes()) }))
        .route("/assets/echarts.min.js", get(|| async { file("text/javascript; charset=utf-8", ECHARTS) }))
}
