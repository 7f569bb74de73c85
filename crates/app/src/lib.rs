//! tonghao's application layer: the one place that runs the pipe from
//! export files to what a person reads. Every face (the `tonghao` CLI, the
//! HTTP API and web console) calls this crate and holds no logic another
//! face would need.
//!
//! - [`ingest`]: plan paths into jobs, read each on a second thread while the
//!   store writes, per-file results and progress events.
//! - [`report`]: the report model for an as-of time and a window (snapshot →
//!   insight → [`report::Report`]), its messages worded from the catalogue.
//! - [`view`]: the report and listings as text and self-contained HTML.
//! - [`accounts`]: the console's users, sessions, login throttling and audit.
//! - [`console`]: the web console's pages, computed once per change of the
//!   data and kept in the store.
//! - [`export`]: listings as terminal tables, CSV and .xlsx.
//! - [`canvas`]: the community canvas, its checks against the history, and
//!   the operators' records in the scorecard.
//! - [`activities`]: planned activities and their calendar (text, `.ics`).
//! - [`checkins`]: check-in challenges, and records added by hand.
//! - [`orders`]: an orders file imported, and conversion per group.
//! - [`points`]: the points ledger by rule and by hand, and the leaderboard.
//! - [`tasks`]: tasks for the team, by hand or generated from activities
//!   and the check-in supervision list.
//! - [`eval`]: the evaluations behind `tonghao eval`.
//! - [`split`]: a weighted edge list split into small groups
//!   (`tonghao split`), with its figures.
//! - [`i18n`]: the zh-CN/en catalogue. Libraries below say things as
//!   [`tonghao_model::msg::Msg`] keys with arguments; only this crate words them.
//!
//! Design decision: the faces pass plain requests (paths, a group, a time)
//! and get plain data back; nothing here prints, reads arguments or exits.
#![deny(missing_docs)]

pub mod accounts;
pub mod activities;
pub mod canvas;
pub mod checkins;
pub mod console;
pub mod eval;
pub mod export;
pub mod i18n;
pub mod ingest;
pub mod management;
pub mod orders;
pub mod points;
pub mod pseudonym;
pub mod report;
pub mod resources;
pub mod retention;
pub mod split;
pub mod tasks;
pub mod templates;
pub mod view;

pub use i18n::Lang;
use tonghao_model::msg::Msg;
use tonghao_store::StoreError;

/// Why an application call failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The store failed (its refusals in catalogue words, as
    /// [`AppError::Input`]'s).
    #[error("{}", store_words(.0))]
    Store(tonghao_store::StoreError),
    /// An export could not be read.
    #[error(transparent)]
    Source(#[from] tonghao_sources::SourceError),
    /// The request itself is wrong (a bad date, an empty title), in words
    /// from the catalogue: a face shows them in its reader's language
    /// ([`AppError::words`]); `Display` gives the English.
    #[error("{}", Lang::En.msg(.0))]
    Input(Msg),
    /// The paths to import hold no file.
    #[error("no files found under the given paths")]
    NoFiles,
    /// The named thing does not exist (words as for [`AppError::Input`]).
    #[error("{}", Lang::En.msg(.0))]
    NotFound(Msg),
    /// An import was rolled back as a whole (nothing of it was committed),
    /// with the failure that caused it.
    #[error("{0}")]
    Aborted(String),
}

impl AppError {
    /// No group of `community` has this id or name (the store's words for it).
    pub fn no_group(group: &str, community: &str) -> Self {
        AppError::NotFound(Msg::new("error.no_group").text("group", group).text("community", community))
    }

    /// A failure whose words come from elsewhere (the operating system, a
    /// library): shown as they are, in every language.
    pub fn detail(detail: impl std::fmt::Display) -> Self {
        AppError::Input(Msg::new("error.detail").text("detail", detail.to_string()))
    }

    /// What went wrong in catalogue words, for a face to show in its
    /// reader's language; `None` for a failure of the store or a source,
    /// whose own message is shown.
    pub fn words(&self) -> Option<Msg> {
        match self {
            AppError::Input(m) | AppError::NotFound(m) => Some(m.clone()),
            AppError::Store(e) => e.words().cloned(),
            _ => None,
        }
    }
}

// By hand, not `#[from]`: that would also make the store's error the
// cause of this one, and a face that prints the chain would say it twice.
impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Store(e)
    }
}

/// A store's failure in English: its refusals from the catalogue, the rest
/// as the store words them.
fn store_words(e: &StoreError) -> String {
    e.words().map_or_else(|| e.to_string(), |m| Lang::En.msg(m))
}

/// A result of this crate.
pub type Result<T, E = AppError> = std::result::Result<T, E>;
