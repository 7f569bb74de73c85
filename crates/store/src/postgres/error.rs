//! The postgres driver's errors turned into [`StoreError`]s that name the
//! database by its URL without the password.

use crate::error::{ErrorKind, StoreError};
use postgres::error::SqlState;

/// The [`StoreError`] for a driver error on the database shown as `shown`.
pub(crate) fn store_error(shown: &str, e: postgres::Error) -> StoreError {
    let message = match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{}: {detail}", d.message()),
            None => d.message().to_string(),
        },
        // The cause (connection refused, reset...) is the useful part.
        None => match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    };
    StoreError::Db { path: shown.to_string(), kind: kind(&e), message }
}

/// A closure for `map_err` that names the database.
pub(crate) fn db(shown: &str) -> impl Fn(postgres::Error) -> StoreError + '_ {
    move |e| store_error(shown, e)
}

fn kind(e: &postgres::Error) -> ErrorKind {
    let Some(code) = e.code() else {
        // No SQLSTATE: the connection itself failed (refused, closed).
        return if e.is_closed() || e.to_string().contains("connect") { ErrorKind::Io } else { ErrorKind::Other };
    };
    let class = &code.code()[..2];
    if *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::QUERY_CANCELED
        || *code == SqlState::TOO_MANY_CONNECTIONS
    {
        ErrorKind::Busy
    } else if class == "23" {
        ErrorKind::Constraint
    } else if *code == SqlState::DATA_CORRUPTED || *code == SqlState::INDEX_CORRUPTED {
        ErrorKind::Corrupt
    } else if class == "53" || class == "58" || class == "08" {
        ErrorKind::Io
    } else {
        ErrorKind::Other
    }
}

/// A failure of the store's own making on the database shown as `shown`.
pub(crate) fn failure(shown: &str, message: impl Into<String>) -> StoreError {
    StoreError::Db { path: shown.to_string(), kind: ErrorKind::Other, message: message.into() }
}

/// `url` without its password (`postgres://user:pw@host/db` →
/// `postgres://user@host/db`): what errors and logs may show.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // A password may also come as a parameter: `?password=...`.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with("password=")).collect();
            if kept.is_empty() { path.to_string() } else { format!("{path}?{}", kept.join("&")) }
        }
        None => tail.to_string(),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => format!("{scheme}://{authority}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_taken_out_of_urls() {
        assert_eq!(redact("postgres://hua:s3cret@db:5432/tonghao"), "postgres://hua@db:5432/tonghao");
        assert_eq!(redact("postgresql://hua:p%40ss@db/t?sslmode=disable"), "postgresql://hua@db/t?sslmode=disable");
        assert_eq!(redact("postgres://hua@db/t"), "postgres://hua@db/t");
        assert_eq!(redact("postgres://db/t"), "postgres://db/t");
        assert_eq!(redact("postgres://db/t?password=x&user=hua"), "postgres://db/t?user=hua");
        assert_eq!(redact("postgres://db/t?password=x"), "postgres://db/t");
    }
}
