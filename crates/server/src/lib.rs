//! `tonghao serve`: the operators' web console and its JSON API.
//!
//! Thin, like the CLI: every answer comes from the application layer
//! (`tonghao_app`), so the terminal and the browser show the same figures.
//! The store holds everything several server processes must share:
//! sessions, failed logins, the audit log and the computed report pages.
//!
//! - [`routes`]: the one table of routes, from which both the router and
//!   the OpenAPI document (`/api/openapi.json`) are made.
//! - [`auth`]: sessions (HttpOnly, SameSite=Strict cookies), CSRF checks on
//!   every state change, roles and per-community isolation.
//! - [`api`]: the handlers.
//! - [`assets`]: the console's files, embedded in the binary (ECharts from
//!   npm at build time): it works offline and loads nothing from elsewhere.
#![deny(missing_docs)]

pub mod api;
pub mod assets;
pub mod auth;
pub mod routes;

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tonghao_store::Store;

/// How to serve.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen (127.0.0.1 unless told otherwise).
    pub listen: SocketAddr,
    /// The largest upload accepted, in bytes.
    pub max_upload: usize,
    /// Mark session cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config { listen: SocketAddr::from(([127, 0, 0, 1], 8421)), max_upload: 512 << 20, secure_cookies: false }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The configuration.
    pub config: Arc<Config>,
    /// Imports running or finished in this process, for their progress.
    pub jobs: Arc<api::Jobs>,
}

/// The whole application: API routes and the console's files.
pub fn router(store: Arc<dyn Store>, config: Config) -> Router {
    let max_upload = config.max_upload;
    let state = AppState { store, config: Arc::new(config), jobs: Arc::default() };
    routes::router(max_upload).merge(assets::router()).with_state(state)
}

/// Serves until interrupted (Ctrl-C). `ready` is told the address bound
/// (port 0 picks a free one).
pub fn serve(store: Arc<dyn Store>, config: Config, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        ready(listener.local_addr()?);
        let app = router(store, config);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })
}
