//! The community store: canonical events in, community records out.
//!
//! [`Store`] is the one interface, split by concern ([`Ingest`], [`Queries`],
//! [`Privacy`], the operators' records in [`Operations`] and the console's
//! [`Accounts`]), `Send + Sync`.
//! [`SqliteStore`] is the embedded default (one file, WAL, foreign keys on,
//! schema migrations versioned in `migrations/sqlite/`). [`PgStore`], the
//! PostgreSQL backend (`migrations/postgres/`, docs/postgres.md), implements
//! the same traits over the same logical schema; [`open`] picks one from a
//! path or a `postgres://` URL. Backends implement only the row
//! operations of ingestion: what an event becomes (`ingest`) and who is who
//! (`identity`) are backend-neutral rules, written once; so is what the
//! operators' records do after the SQL (`records`).
//!
//! Design decisions:
//! - An import session is one transaction holding any number of files, each
//!   atomic (SQLite: a savepoint per file): a file that fails half-way leaves
//!   the store exactly as before that file, and a folder of thousands of small
//!   exports pays for one commit, not thousands.
//! - Ingestion is idempotent through natural keys: `(group, key)` for messages,
//!   `(group, kind, key)` for the rest, where key is the source's id or a
//!   content hash computed here in file order (see `docs/events.md`).
//! - Identities: `(platform, external id)` is one member across all groups of
//!   a community. People known only by name get a provisional identity that a
//!   real id, seen later under the same name in the same group, joins.
//! - Merging two members moves their rows through indexes on `member_id`,
//!   never by scanning every message, so import cost stays linear in the
//!   history. A session into an empty store builds that index once at
//!   commit and moves merged messages then (issue 8; `docs/benchmarks.md`).
//! - Privacy: [`Privacy::member_export`] gives everything stored about one
//!   person; [`Privacy::member_delete`] removes it in one transaction and records
//!   their ids as suppressed, so re-importing an export does not bring them
//!   back (see the `privacy` module for what is and is not touched).
#![deny(missing_docs)]

mod accounts;
mod columns;
mod error;
mod identity;
mod ingest;
mod migrations;
mod postgres;
mod privacy;
mod records;
mod sqlite;
#[doc(hidden)]
pub mod test_pg;
mod traits;
mod types;
mod undo;

pub use accounts::{AuditEntry, Role, User};
pub use error::{ErrorKind, FeedError, StoreError};
pub use postgres::{PgStore, is_postgres_url};
pub use privacy::{
    DeleteStats, ExportedActivity, ExportedCheckinMark, ExportedGroup, ExportedIdentity, ExportedMember,
    ExportedMembership, ExportedMessage, ExportedName, ExportedOrder, GroupDeleteStats, MemberExport,
};
pub use sqlite::SqliteStore;
pub use traits::{Accounts, ImportSession, Ingest, Operations, Privacy, Queries, Store};
pub use types::{Feed, GroupSummary, ImportRecord, ImportStats, MemberNote, MemberSummary, TableCounts};
pub use undo::ImportUndoStats;

/// Opens the store `db` names: a `postgres://` (or `postgresql://`) URL is
/// a [`PgStore`], any other text a SQLite file path ([`SqliteStore`]),
/// except another URL scheme (`mysql://...`), which is refused rather than
/// taken for a folder name.
pub fn open(db: &str) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    if is_postgres_url(db) {
        return Ok(std::sync::Arc::new(PgStore::open(db)?));
    }
    if let Some((scheme, _)) = db.split_once("://")
        && !scheme.is_empty()
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Err(StoreError::Db {
            path: db_name(db),
            kind: ErrorKind::Other,
            message: format!(
                "{scheme}:// is not a database tonghao knows: give a SQLite file path or a postgres:// URL"
            ),
        });
    }
    Ok(std::sync::Arc::new(SqliteStore::open(std::path::Path::new(db))?))
}

/// How `db` may be shown in messages and logs: a URL without its password,
/// a path as it is.
pub fn db_name(db: &str) -> String {
    if db.contains("://") { postgres::redact(db) } else { db.to_string() }
}
