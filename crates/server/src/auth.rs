//! Who is asking, and may they: the session cookie, the CSRF token on
//! every state change, the role a route needs, and per-community isolation
//! (a community the user is not assigned to answers 404, as one that does
//! not exist: its name is not confirmed to anyone).

use crate::AppState;
use crate::api::{ApiError, blocking};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use tonghao_store::{Role, User};

/// The session cookie's name.
pub const COOKIE: &str = "tonghao_session";
/// The header state-changing requests carry the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A logged-in user, checked: the session is live and, for anything but
/// GET and HEAD, the request carries the session's CSRF token.
pub struct Auth {
    /// Who.
    pub user: User,
    /// The session token (to log out).
    pub token: String,
}

impl Auth {
    /// Refuses (403) unless the user's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.user.role >= role { Ok(()) } else { Err(ApiError::Forbidden(role)) }
    }

    /// Refuses (404) a community the user is not assigned to.
    pub fn community(&self, community: &str) -> Result<(), ApiError> {
        if self.user.sees(community) {
            Ok(())
        } else {
            Err(ApiError::NotFound(tonghao_model::msg::Msg::new("error.no_community").text("community", community)))
        }
    }
}

/// The session token from the request's cookies.
pub fn session_token(parts: &Parts) -> Option<String> {
    parts.headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|cookies| {
        cookies
            .split(';')
            .find_map(|c| c.trim().strip_prefix(COOKIE).and_then(|v| v.strip_prefix('=')).map(str::to_string))
    })
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = session_token(parts).ok_or(ApiError::Unauthorized)?;
        let now = chrono::Utc::now().timestamp_millis();
        let t = token.clone();
        let (user, csrf) = blocking(state, move |store| tonghao_app::accounts::session(store, &t, now))
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if !matches!(parts.method, Method::GET | Method::HEAD) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if sent.is_empty() || sent != csrf {
                return Err(ApiError::Csrf);
            }
        }
        Ok(Auth { user, token })
    }
}

/// The `Set-Cookie` value for a new session (or, with an empty token, one
/// that ends it).
pub fn cookie(token: &str, secure: bool) -> String {
    let age = if token.is_empty() { 0 } else { tonghao_app::accounts::SESSION_MS / 1000 };
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={age}{secure}")
}
