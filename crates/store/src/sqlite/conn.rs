//! The one connection a [`crate::SqliteStore`] has, behind a mutex, and who
//! may take it.
//!
//! One connection, not a pool: SQLite allows one writer at a time anyway,
//! and an import session holds the connection for its whole transaction.
//! Readers in other threads wait for the session to end. (A web server that
//! must answer while an import runs can open a second `SqliteStore` on the
//! same file: WAL lets its readers run beside the writer.)

use super::error::busy;
use crate::error::StoreError;
use rusqlite::Connection;
use std::sync::{Mutex, MutexGuard};
use std::thread::ThreadId;

/// How long opening waits for another process's lock, and every statement
/// after it (through SQLite's busy handler).
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The connection, the database's name for errors, and the thread holding
/// an import session, if any.
pub(crate) struct Db {
    conn: Mutex<Connection>,
    pub(crate) path: String,
    session_thread: Mutex<Option<ThreadId>>,
}

impl Db {
    pub(crate) fn new(conn: Connection, path: String) -> Self {
        Db { conn: Mutex::new(conn), path, session_thread: Mutex::new(None) }
    }

    /// The connection, waiting for another thread's session to end. From the
    /// thread that holds a session this would wait for itself forever, so it
    /// is an error instead.
    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let me = std::thread::current().id();
        if *self.session_thread.lock().unwrap_or_else(|e| e.into_inner()) == Some(me) {
            return Err(busy(
                &self.path,
                "this thread holds an open import session on the store; commit or drop it first",
            ));
        }
        // A panic while holding the lock leaves the connection usable (an open
        // transaction is rolled back by the session's drop while unwinding).
        Ok(self.conn.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Records that the calling thread holds a session (until [`Db::end_session`]).
    pub(crate) fn begin_session(&self) {
        *self.session_thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::thread::current().id());
    }

    /// The session of the calling thread ended.
    pub(crate) fn end_session(&self) {
        *self.session_thread.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
