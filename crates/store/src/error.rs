//! The store's errors, free of any backend's types.
//!
//! A caller (the CLI today, a web server later) must be able to tell a busy
//! database from a broken one without knowing which database it is, so a
//! backend's error becomes a [`StoreError::Db`] with an [`ErrorKind`], the
//! backend's own message, and the database it came from. Each backend converts
//! its driver's errors in its own module (`sqlite/error.rs`).

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
    /// The named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The thing to create exists already (a user name taken).
    #[error("{0}")]
    Conflict(String),
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
