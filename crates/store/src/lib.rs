//! The community store: canonical events in, community records out.
//!
//! [`Store`] is the one interface; [`SqliteStore`] is the embedded default (one
//! file, WAL, foreign keys on, schema migrations versioned in
//! `migrations/sqlite/`). A PostgreSQL backend implements the same trait over
//! the same logical schema.
//!
//! Design decisions:
//! - One import is one transaction: a file that fails half-way leaves the store
//!   exactly as before.
//! - Ingestion is idempotent through natural keys: `(group, key)` for messages,
//!   `(group, kind, key)` for the rest, where key is the source's id or a
//!   content hash computed here in file order (see `docs/events.md`).
//! - Identities: `(platform, external id)` is one member across all groups of
//!   a community. People known only by name get a provisional identity that a
//!   real id, seen later under the same name in the same group, joins.
//! - Privacy: [`Store::member_export`] gives everything stored about one
//!   person; [`Store::member_delete`] removes it in one transaction and records
//!   their ids as suppressed, so re-importing an export does not bring them
//!   back (see the `privacy` module for what is and is not touched).
#![deny(missing_docs)]

mod privacy;
mod snapshot;
mod sqlite;

pub use privacy::{
    DeleteStats, ExportedActivity, ExportedGroup, ExportedIdentity, ExportedMember, ExportedMembership,
    ExportedMessage, ExportedName, MemberExport,
};
pub use sqlite::SqliteStore;

use serde::Serialize;
use tonghao_model::EventSink;
use tonghao_model::snapshot::Snapshot;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database {path}: {source}")]
    Db {
        /// The database file or URL (without credentials).
        path: String,
        /// The driver's error.
        source: rusqlite::Error,
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
    /// The events being imported failed (a parse error); nothing was written.
    #[error("{0}")]
    Feed(FeedError),
    /// The named thing does not exist.
    #[error("{0}")]
    NotFound(String),
}

/// An error from the code feeding an import (usually a source's error).
pub type FeedError = Box<dyn std::error::Error + Send + Sync>;

/// Feeds events into an import transaction; returns the format's name, or
/// `None` if it recognised nothing to import (the transaction is dropped).
pub type Feed<'a> = dyn FnMut(&mut dyn EventSink) -> Result<Option<String>, FeedError> + 'a;

/// What one import added. Everything counted here was new; the rest were
/// duplicates of rows already stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportStats {
    /// The format that read the file, if it was read.
    pub format: Option<String>,
    /// Events the source produced.
    pub events: u64,
    /// New messages.
    pub messages: u64,
    /// New messages that reply to or quote another.
    pub replies: u64,
    /// New members (people not seen before in this community).
    pub members: u64,
    /// New groups.
    pub groups: u64,
    /// New joins.
    pub joins: u64,
    /// New leaves (including removals).
    pub leaves: u64,
    /// New role changes.
    pub roles: u64,
    /// New recalls, check-ins, orders and reactions.
    pub activities: u64,
    /// Events already stored (same natural key), skipped.
    pub duplicates: u64,
    /// Events by deleted members (`tonghao member delete`), skipped.
    pub suppressed: u64,
}

/// A group as `tonghao groups` lists it.
#[derive(Clone, Debug, Serialize)]
pub struct GroupSummary {
    /// Platform name.
    pub platform: String,
    /// The group's id on its platform.
    pub external_id: String,
    /// Its latest name.
    pub name: Option<String>,
    /// Members now: joined and not left; where joins are unknown, anyone who posted.
    pub members: u64,
    /// Messages stored.
    pub messages: u64,
    /// First message (RFC 3339, in the group's offset).
    pub first_message: Option<String>,
    /// Last message.
    pub last_message: Option<String>,
}

/// A member of one group as `tonghao members` lists them.
#[derive(Clone, Debug, Serialize)]
pub struct MemberSummary {
    /// The store's member id (stable within this database).
    pub member_id: i64,
    /// Latest name.
    pub name: String,
    /// Platform ids (provisional, name-only identities excluded).
    pub ids: Vec<String>,
    /// Messages in this group.
    pub messages: u64,
    /// First message in this group.
    pub first_message: Option<String>,
    /// Last message in this group.
    pub last_message: Option<String>,
    /// Latest join, if recorded.
    pub joined: Option<String>,
    /// Latest leave after that join, if any.
    pub left: Option<String>,
    /// Current role, if any was recorded.
    pub role: Option<String>,
    /// Marked as a bot by the export.
    pub bot: bool,
}

/// Row counts per table, for tests and `tonghao stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct TableCounts {
    pub communities: u64,
    pub groups: u64,
    pub members: u64,
    pub identities: u64,
    pub member_names: u64,
    pub messages: u64,
    pub memberships: u64,
    pub activities: u64,
}

/// The store's interface, implemented by every backend.
pub trait Store {
    /// Runs `feed` inside one transaction for `community` (created if new):
    /// everything it pushes is stored, or, if it fails, nothing is.
    /// `source` names the file for the import log.
    fn import(&mut self, community: &str, source: &str, feed: &mut Feed<'_>) -> Result<ImportStats, StoreError>;
    /// The community's groups, by platform then name.
    fn groups(&self, community: &str) -> Result<Vec<GroupSummary>, StoreError>;
    /// Members of the group whose external id or name is `group`, most active first.
    fn members(&self, community: &str, group: &str) -> Result<Vec<MemberSummary>, StoreError>;
    /// Row counts of every table, all communities together.
    fn counts(&self) -> Result<TableCounts, StoreError>;
    /// The community's history up to `as_of_ms` (UTC milliseconds; `None`:
    /// everything), as columns for the insight engine. Message texts (for
    /// reply inference) are kept only for the last `text_window_ms` before the
    /// snapshot's end (`None`: no texts; `Some(i64::MAX)`: all): a report
    /// needs them for its window, not for ten million old messages.
    fn snapshot(
        &self,
        community: &str,
        as_of_ms: Option<i64>,
        text_window_ms: Option<i64>,
    ) -> Result<Snapshot, StoreError>;
    /// Everything stored about one member of `community`, for a data access
    /// request. `member_ref` is the store id (`member_id` in
    /// [`MemberSummary`]) or `platform:external_id` (`wechat:wxid_abc`); an
    /// unknown reference is [`StoreError::NotFound`] naming it.
    fn member_export(&self, community: &str, member_ref: &str) -> Result<MemberExport, StoreError>;
    /// Deletes one member and everything theirs in one transaction (all of it
    /// or, on any error, nothing): messages, joins/leaves/roles, activities,
    /// names, identities and the member row. Other people's rows that point
    /// at them are kept but unlinked: inviter/remover links become NULL, and
    /// their entries leave other people's mention lists. Other people's
    /// message *text* is not rewritten (a name in free text cannot be
    /// removed safely), so their name may remain there. Their identities, and
    /// `~name:<group>:<name>` for each name they used, are added to the
    /// suppression list: later imports skip their events
    /// ([`ImportStats::suppressed`]) and drop them from new mention lists.
    fn member_delete(&mut self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError>;
    /// What [`Store::member_delete`] would remove, without removing it (the
    /// same deletion, rolled back).
    fn member_delete_preview(&self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError>;
}
