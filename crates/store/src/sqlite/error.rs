//! rusqlite's errors turned into [`StoreError`]s that name the database.

use crate::error::{ErrorKind, StoreError};
use rusqlite::ErrorCode;

/// The [`StoreError`] for a rusqlite error on the database at `path`.
pub(crate) fn store_error(path: &str, e: rusqlite::Error) -> StoreError {
    StoreError::Db { path: path.to_string(), kind: kind(&e), message: e.to_string() }
}

/// A closure for `map_err` that names the database at `path`.
pub(crate) fn db(path: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| store_error(path, e)
}

fn kind(e: &rusqlite::Error) -> ErrorKind {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ErrorKind::Busy,
        Some(ErrorCode::ConstraintViolation) => ErrorKind::Constraint,
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => ErrorKind::Corrupt,
        Some(
            ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::CannotOpen
            | ErrorCode::ReadOnly
            | ErrorCode::PermissionDenied,
        ) => ErrorKind::Io,
        _ => ErrorKind::Other,
    }
}

/// A busy error of our own making, e.g. a query on the thread that holds
/// the store's import session (it would wait for itself forever).
pub(crate) fn busy(path: &str, message: impl Into<String>) -> StoreError {
    StoreError::Db { path: path.to_string(), kind: ErrorKind::Busy, message: message.into() }
}

/// A failure of the store's own making (not SQLite's) on the database at `path`.
pub(crate) fn failure(path: &str, message: impl Into<String>) -> StoreError {
    StoreError::Db { path: path.to_string(), kind: ErrorKind::Other, message: message.into() }
}
