//! The store's errors, free of any backend's types.
//!
//! A caller (the CLI today, a web server later) must be able to tell a busy
//! database from a broken one without knowing which database it is, so a
//! backend's error becomes a [`StoreError::Db`] with an [`ErrorKind`], the
//! backend's own message, and the database it came from. Each backend converts
//! its driver's errors in its own module (`sqlite/error.rs`).

use tonghao_model::msg::Msg;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database {path}: {message}")]
    Db {
        /// The database file, or the URL without credentials.
        path: String,
        /// What sort of failure, for callers that retry or explain.
        kind: ErrorKind,
        /// The backend's message.
        message: String,
    },
    /// The database was written by a newer tonghao.
    #[error("database {path} has schema version {found}, newer than this tonghao knows ({known}); upgrade tonghao")]
    TooNew {
        /// The database.
        path: String,
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// The events being imported failed (a parse error); nothing of that file
    /// was written.
    #[error("{0}")]
    Feed(FeedError),
    /// The named thing does not exist, in catalogue words (the application
    /// layer words them in its reader's language; `Display` shows only the
    /// key and its values, for logs).
    #[error("{0}")]
    NotFound(Msg),
    /// The thing to create exists already (a user name taken), in words as
    /// for [`StoreError::NotFound`].
    #[error("{0}")]
    Conflict(Msg),
}

impl StoreError {
    /// A refusal's catalogue words (`NotFound`, `Conflict`); `None` for a
    /// failure, whose own message is all there is.
    pub fn words(&self) -> Option<&Msg> {
        match self {
            StoreError::NotFound(m) | StoreError::Conflict(m) => Some(m),
            _ => None,
        }
    }
}

/// The store's refusals, worded once for every backend.
impl StoreError {
    pub(crate) fn no_community(community: &str, store: &str) -> StoreError {
        StoreError::NotFound(Msg::new("error.no_community_in").text("community", community).text("store", store))
    }

    pub(crate) fn no_group(group: &str, community: &str) -> StoreError {
        StoreError::NotFound(Msg::new("error.no_group").text("group", group).text("community", community))
    }

    pub(crate) fn group_ambiguous(group: &str, count: usize) -> StoreError {
        StoreError::NotFound(Msg::new("error.group_ambiguous").text("group", group).int("count", count))
    }

    pub(crate) fn name_ambiguous(member: &str, group: &str, count: usize) -> StoreError {
        StoreError::NotFound(
            Msg::new("error.name_ambiguous").text("member", member).text("group", group).int("count", count),
        )
    }

    pub(crate) fn no_member(member: &str, community: &str, deleted: Option<String>) -> StoreError {
        StoreError::NotFound(match deleted {
            Some(on) => {
                Msg::new("error.member_deleted").text("member", member).text("community", community).text("on", on)
            }
            None => Msg::new("error.no_member").text("member", member).text("community", community),
        })
    }

    pub(crate) fn no_task(id: i64, community: &str) -> StoreError {
        StoreError::NotFound(Msg::new("error.no_task").int("id", id).text("community", community))
    }

    pub(crate) fn no_resource(id: i64, community: &str) -> StoreError {
        StoreError::NotFound(Msg::new("error.no_resource").int("id", id).text("community", community))
    }

    pub(crate) fn no_import(import: i64, community: &str) -> StoreError {
        StoreError::NotFound(Msg::new("error.no_import_id").int("import", import).text("community", community))
    }

    pub(crate) fn no_user(name: &str) -> StoreError {
        StoreError::NotFound(Msg::new("error.no_user").text("name", name))
    }

    pub(crate) fn user_exists(name: &str) -> StoreError {
        StoreError::Conflict(Msg::new("error.user_exists").text("name", name))
    }

    pub(crate) fn parent_cycle(parent: &str, group: &str) -> StoreError {
        StoreError::Conflict(Msg::new("error.parent_cycle").text("parent", parent).text("group", group))
    }

    /// A row that vanished under the store's own hands, or a value it
    /// cannot read: words from elsewhere, shown as they are.
    pub(crate) fn gone(detail: impl Into<String>) -> StoreError {
        StoreError::NotFound(Msg::new("error.detail").text("detail", detail))
    }
}

impl StoreError {
    /// The kind of a database failure; [`ErrorKind::Other`] for the rest.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Db { kind, .. } => *kind,
            _ => ErrorKind::Other,
        }
    }
}

/// What sort of database failure a [`StoreError::Db`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Another writer holds the database (or this thread already holds an
    /// import session on it); trying again later may work.
    Busy,
    /// A constraint refused a row (unique, foreign key, check, a trigger).
    Constraint,
    /// The file is not a database or is damaged.
    Corrupt,
    /// The file system failed: cannot open or create, disk full, read-only.
    Io,
    /// Anything else.
    Other,
}

/// An error from the code feeding an import (usually a source's error).
pub type FeedError = Box<dyn std::error::Error + Send + Sync>;
