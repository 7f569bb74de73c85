//! The store's interface, split by concern. Every backend implements
//! [`Ingest`], [`Queries`] and [`Privacy`]; [`Store`] is all of them,
//! `Send + Sync`, so a server can share one `Arc<dyn Store>` between
//! requests. Receivers are `&self`: a backend synchronises inside (SQLite: one
//! connection behind a mutex; PostgreSQL: one shared connection behind a
//! mutex, and a connection of its own per import session).
//!
//! Operations records are the fourth concern, [`Operations`]: today the
//! decisions about next moves, the orders imported from files and the
//! check-ins recorded by hand, the planned activities, tasks, points, the
//! canvas, the resource library, the management mode with its group
//! hierarchy, and the community's own draft templates.

use crate::accounts::{AuditEntry, Role, User};
use crate::error::StoreError;
use crate::privacy::{DeleteStats, GroupDeleteStats, MemberExport};
use crate::types::{Feed, GroupSummary, ImportRecord, ImportStats, MemberNote, MemberSummary, TableCounts};
use crate::undo::ImportUndoStats;
use tonghao_model::decision::Decision;
use tonghao_model::records::{
    Activity, CanvasVersion, CheckinMark, GroupPlace, Management, ManagementMode, MarkKind, OrderImportStats,
    OrderRecord, PointsEntry, Resource, StoredOrder, Task, TemplateOverride,
};
use tonghao_model::snapshot::Snapshot;

/// Getting events in.
pub trait Ingest {
    /// Opens an import session for `community` (created with its first
    /// file): one write transaction holding any number of files, each
    /// atomic. While it is open, other writers to the same database wait
    /// (SQLite: a second session waits up to ten minutes to begin); on the
    /// same store, calls from the thread holding the session fail as busy.
    fn begin_import(&self, community: &str) -> Result<Box<dyn ImportSession + '_>, StoreError>;

    /// The database file on this machine, for the free-space check before an
    /// import (SQLite); `None` for a server database, whose disk is the
    /// server's to watch.
    fn local_file(&self) -> Option<&std::path::Path> {
        None
    }

    /// Imports one file in a session of its own: everything `feed` pushes is
    /// stored, or, if it fails, nothing is. `source` names the file in the
    /// import log.
    fn import(&self, community: &str, source: &str, feed: &mut Feed<'_>) -> Result<ImportStats, StoreError> {
        let mut session = self.begin_import(community)?;
        let stats = session.file(source, feed)?;
        session.commit()?;
        Ok(stats)
    }
}

/// An open import: many files in one transaction, each file atomic.
///
/// Committing once for thousands of small files is what makes a folder of
/// them fast (a commit per file pays a WAL write and its fsync each time).
/// Dropping the session without [`ImportSession::commit`] rolls back every
/// file of it.
pub trait ImportSession {
    /// Imports one file: all its events or, if `feed` fails or the store
    /// refuses one, none of them (earlier files of the session stay).
    /// `source` names the file in the import log. A feed that recognises
    /// nothing (returns `None`) leaves nothing behind either.
    fn file(&mut self, source: &str, feed: &mut Feed<'_>) -> Result<ImportStats, StoreError>;
    /// Makes every file of the session durable at once.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
    /// Whether the session is a bulk load: it began on an empty table and
    /// builds some of its indexes once, at its commit, instead of row by row.
    /// A long import then keeps one such session to its end: a commit half-way
    /// would build those indexes, and every later session keep them up to
    /// date row by row, a third slower (docs/benchmarks.md).
    fn bulk(&self) -> bool {
        false
    }
}

/// Reading what is stored.
pub trait Queries {
    /// The community's groups, by platform then name.
    fn groups(&self, community: &str) -> Result<Vec<GroupSummary>, StoreError>;
    /// Members of the group whose external id or name is `group`, most active first.
    fn members(&self, community: &str, group: &str) -> Result<Vec<MemberSummary>, StoreError>;
    /// Row counts of every table, all communities together.
    fn counts(&self) -> Result<TableCounts, StoreError>;
    /// The community's history up to `as_of_ms` (UTC milliseconds; `None`:
    /// everything), as columns for the insight engine. Message texts (for
    /// reply inference) are kept only for the last `text_window_ms` before the
    /// snapshot's end — without an as-of, before each group's own end (its
    /// latest message or the end of what its files cover), as reports read
    /// each group as of its own end — (`None`: no texts; `Some(i64::MAX)`:
    /// all): a report needs them for its window, not for ten million old
    /// messages.
    fn snapshot(
        &self,
        community: &str,
        as_of_ms: Option<i64>,
        text_window_ms: Option<i64>,
    ) -> Result<Snapshot, StoreError>;
    /// The import log, every community, oldest first.
    fn imports(&self) -> Result<Vec<ImportRecord>, StoreError>;
}

/// One person's data: access requests and erasure.
pub trait Privacy {
    /// Everything stored about one member of `community`, for a data access
    /// request. `member_ref` is the store id (`member_id` in
    /// [`MemberSummary`]) or `platform:external_id` (`wechat:wxid_abc`); an
    /// unknown reference is [`StoreError::NotFound`] naming it.
    fn member_export(&self, community: &str, member_ref: &str) -> Result<MemberExport, StoreError>;
    /// The same without `mentioned_in`, whose count reads every message of
    /// the community that has mentions: what a member page shows, in the time
    /// of a page (1.2 s of 1.2 s on 9.9 million messages went to that scan).
    fn member_record(&self, community: &str, member_ref: &str) -> Result<MemberExport, StoreError>;
    /// Deletes one member and everything theirs in one transaction (all of it
    /// or, on any error, nothing): messages, joins/leaves/roles, activities,
    /// orders imported from files, check-ins recorded by hand, names,
    /// identities and the member row. Other people's rows that point
    /// at them are kept but unlinked: inviter/remover links become NULL, and
    /// their entries leave other people's mention lists. Other people's
    /// message *text* is not rewritten (a name in free text cannot be
    /// removed safely), so their name may remain there. Their identities, and
    /// `~name:<group>:<name>` for each name they used, are added to the
    /// suppression list: later imports skip their events
    /// ([`ImportStats::suppressed`]) and drop them from new mention lists.
    fn member_delete(&self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError>;
    /// What [`Privacy::member_delete`] would remove, without removing it (the
    /// same deletion, rolled back).
    fn member_delete_preview(&self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError>;
    /// Deletes the group whose external id or name is `group` and every row
    /// of it (messages, joins/leaves/roles, activities, names used there,
    /// its covered span, decisions about it, activities planned and
    /// check-ins recorded by hand there), in one transaction. Members
    /// stay: they may be in other groups.
    fn group_delete(&self, community: &str, group: &str) -> Result<GroupDeleteStats, StoreError>;
    /// Takes back import `import` (see `tonghao imports`) in one
    /// transaction: removes the rows it first brought, except those another
    /// import's file also held (kept, and now that import's), the names and
    /// groups left with nothing, and its log entry. Rows stored before
    /// imports were recorded per row (schema v10) belong to no import.
    fn import_undo(&self, community: &str, import: i64) -> Result<ImportUndoStats, StoreError>;
    /// How many months of message texts `community` keeps (`None`: all,
    /// also for an unknown community).
    fn retention(&self, community: &str) -> Result<Option<u32>, StoreError>;
    /// Sets how many months of message texts `community` (created if new)
    /// keeps; `None` keeps them all.
    fn set_retention(&self, community: &str, months: Option<u32>) -> Result<(), StoreError>;
    /// Drops the text of every message of `community` sent before
    /// `before_ms` that still has one, and erases it from the files as
    /// [`Privacy::member_delete`] does. The rows stay, marked expired, with
    /// the length and text flags the snapshot read from the text, so every
    /// count, activity figure and stage stays as it was. Returns how many
    /// texts were dropped.
    fn expire_texts(&self, community: &str, before_ms: i64) -> Result<u64, StoreError>;
    /// The key (hex) of `community`'s pseudonyms in shared reports:
    /// `candidate` becomes it if the community (created if new) has none
    /// yet. Never shown; the store is its only copy.
    fn pseudonym_key(&self, community: &str, candidate: &str) -> Result<String, StoreError>;
}

/// The operators' own records.
pub trait Operations {
    /// Records what was decided about a move (a later decision about the
    /// same move replaces it).
    fn record_decision(&self, community: &str, decision: &Decision) -> Result<(), StoreError>;
    /// Every decision recorded in `community`, oldest first.
    fn decisions(&self, community: &str) -> Result<Vec<Decision>, StoreError>;
    /// Adds the team's note about a member (`member_ref` as in
    /// [`Privacy::member_export`]), written by `author` now.
    fn note_add(&self, community: &str, member_ref: &str, author: &str, text: &str) -> Result<MemberNote, StoreError>;
    /// The team's notes about a member, oldest first.
    fn notes(&self, community: &str, member_ref: &str) -> Result<Vec<MemberNote>, StoreError>;
    /// Stores orders read from one file, in one transaction (all or none),
    /// creating the community if new. An order already stored under its key
    /// is a duplicate; one under a deleted member's identity is skipped.
    fn import_orders(&self, community: &str, orders: &[OrderRecord]) -> Result<OrderImportStats, StoreError>;
    /// Every order of `community`, oldest first: those imported from files,
    /// linked to the members and groups known now, and the `order` events of
    /// chat imports (CNY only).
    fn orders(&self, community: &str) -> Result<Vec<StoredOrder>, StoreError>;
    /// Records a check-in, make-up (补卡) or leave day (请假) by hand for the
    /// member `member` (store id, `platform:id`, or a name they used in the
    /// group) in `group` (id or name) on the local day `day` (`YYYY-MM-DD`),
    /// replacing what was recorded by hand for that day.
    fn add_checkin_mark(
        &self,
        community: &str,
        group: &str,
        member: &str,
        day: &str,
        kind: MarkKind,
    ) -> Result<CheckinMark, StoreError>;
    /// Check-in records that are not messages: those added by hand and the
    /// imported `checkin` events (docs/events.md). Recognising check-ins in
    /// messages is the reader's job (`tonghao_ops::checkins`).
    fn checkin_marks(&self, community: &str) -> Result<Vec<CheckinMark>, StoreError>;
    /// Records a planned activity in the group `activity.group` names (id
    /// or name); its `id` and `group_id` are assigned. Returns it as stored.
    fn add_activity(&self, community: &str, activity: &Activity) -> Result<Activity, StoreError>;
    /// Every planned activity of `community`, by id.
    fn activities(&self, community: &str) -> Result<Vec<Activity>, StoreError>;
    /// Records a task; `task.group` (id or name) and `task.member` (store
    /// id, `platform:id`, or a name they used in the group) are resolved,
    /// its `id` assigned. `None` when a task with the same `source` exists
    /// (generating again adds nothing twice).
    fn add_task(&self, community: &str, task: &Task) -> Result<Option<Task>, StoreError>;
    /// Every task of `community`, by id.
    fn tasks(&self, community: &str) -> Result<Vec<Task>, StoreError>;
    /// Marks task `id` done at `done_ms`, or open again (`None`).
    fn set_task_done(&self, community: &str, id: i64, done_ms: Option<i64>) -> Result<Task, StoreError>;
    /// Records points given by hand; `entry.member` and `entry.group` are
    /// resolved as in [`Operations::add_task`], its `id` assigned.
    fn add_points(&self, community: &str, entry: &PointsEntry) -> Result<PointsEntry, StoreError>;
    /// Every hand entry of `community`, by id.
    fn points(&self, community: &str) -> Result<Vec<PointsEntry>, StoreError>;
    /// Saves the canvas's fields as a new version (creating the community
    /// if new); returns it with its number.
    fn save_canvas(&self, community: &str, canvas: &CanvasVersion) -> Result<CanvasVersion, StoreError>;
    /// Every saved version of the canvas, oldest first.
    fn canvas_versions(&self, community: &str) -> Result<Vec<CanvasVersion>, StoreError>;
    /// Adds an entry to the resource library (creating the community if
    /// new); `resource.member` (store id or `platform:id`) is resolved, its
    /// `id` assigned, its tags kept as given (the caller normalises them).
    fn add_resource(&self, community: &str, resource: &Resource) -> Result<Resource, StoreError>;
    /// Every resource of `community`, by id.
    fn resources(&self, community: &str) -> Result<Vec<Resource>, StoreError>;
    /// Replaces the tags of resource `id`.
    fn set_resource_tags(&self, community: &str, id: i64, tags: &[String]) -> Result<Resource, StoreError>;
    /// Removes resource `id`; returns it as it was.
    fn remove_resource(&self, community: &str, id: i64) -> Result<Resource, StoreError>;
    /// Sets the community's management mode (creating the community if new).
    fn set_management_mode(&self, community: &str, mode: ManagementMode, at_ms: i64) -> Result<(), StoreError>;
    /// Sets a group's place in the hierarchy: `place.group` and
    /// `place.parent` are ids or names (no parent: a top group), and
    /// `place.owner` a member id, `platform:id` or a name they used in the
    /// group (none: no owner). A parent that would make a cycle is a
    /// [`StoreError::Conflict`].
    fn set_group_place(&self, community: &str, place: &GroupPlace) -> Result<GroupPlace, StoreError>;
    /// The mode, and every group that has a parent or an owner.
    fn management(&self, community: &str) -> Result<Management, StoreError>;
    /// Sets the community's own text for a drafted message (`text`), or
    /// goes back to the catalogue's (`None`; `false` when there was none).
    fn set_template(
        &self,
        community: &str,
        key: &str,
        lang: &str,
        text: Option<&str>,
        at_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Every template the community set, by key and language.
    fn templates(&self, community: &str) -> Result<Vec<TemplateOverride>, StoreError>;
}

/// The console's accounts and what several server processes share:
/// sessions, failed logins, the audit log, ingest tokens and computed pages.
pub trait Accounts {
    /// Every community's name, sorted.
    fn communities(&self) -> Result<Vec<String>, StoreError>;
    /// Creates a user; a taken name is [`StoreError::Conflict`].
    fn user_add(&self, name: &str, password_hash: &str, role: Role) -> Result<User, StoreError>;
    /// The user named `name` and their password hash.
    fn user_with_hash(&self, name: &str) -> Result<Option<(User, String)>, StoreError>;
    /// Every user, by name.
    fn users(&self) -> Result<Vec<User>, StoreError>;
    /// Removes a user and their sessions.
    fn user_remove(&self, name: &str) -> Result<(), StoreError>;
    /// Changes a user's role.
    fn user_set_role(&self, name: &str, role: Role) -> Result<(), StoreError>;
    /// Changes a user's password hash and ends their sessions.
    fn user_set_password(&self, name: &str, password_hash: &str) -> Result<(), StoreError>;
    /// Assigns `community` (created if new) to a user, or takes it away.
    fn user_grant(&self, name: &str, community: &str, granted: bool) -> Result<(), StoreError>;
    /// Starts a session (the token's SHA-256, never the token).
    fn session_add(&self, token_sha256: &str, user_id: i64, csrf: &str, expires_ms: i64) -> Result<(), StoreError>;
    /// The user and CSRF token of a session that has not expired at `now_ms`.
    fn session_user(&self, token_sha256: &str, now_ms: i64) -> Result<Option<(User, String)>, StoreError>;
    /// Ends a session (and every expired one).
    fn session_remove(&self, token_sha256: &str, now_ms: i64) -> Result<(), StoreError>;
    /// Records a failed login for `name` and returns how many there were
    /// since `since_ms` (this one included).
    fn login_failed(&self, name: &str, at_ms: i64, since_ms: i64) -> Result<u32, StoreError>;
    /// Failed logins for `name` since `since_ms`.
    fn login_failures(&self, name: &str, since_ms: i64) -> Result<u32, StoreError>;
    /// Forgets the failed logins of `name` (after a successful one).
    fn login_failures_clear(&self, name: &str) -> Result<(), StoreError>;
    /// Appends to the audit log.
    fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The audit log, newest first, at most `limit` lines.
    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;
    /// Sets the community's ingest token (its SHA-256), creating the community.
    fn ingest_token_set(&self, community: &str, token_sha256: &str) -> Result<(), StoreError>;
    /// Whether `token_sha256` is the community's ingest token.
    fn ingest_token_valid(&self, community: &str, token_sha256: &str) -> Result<bool, StoreError>;
    /// The community's data generation: it changes whenever what a report
    /// reads changes (`None`: no such community).
    fn generation(&self, community: &str) -> Result<Option<i64>, StoreError>;
    /// A computed page, if it was computed for `generation`.
    fn page(&self, community: &str, page: &str, generation: i64) -> Result<Option<String>, StoreError>;
    /// Stores computed pages for `generation`, replacing every page of the
    /// community computed for an older one, in one transaction.
    fn pages_put(&self, community: &str, generation: i64, pages: &[(String, String)]) -> Result<(), StoreError>;
}

/// The whole store: every concern, shareable between threads.
pub trait Store: Ingest + Queries + Privacy + Operations + Accounts + Send + Sync {}

impl<T: Ingest + Queries + Privacy + Operations + Accounts + Send + Sync + ?Sized> Store for T {}

/// Implements [`Accounts`] for a backend by handing every call to the
/// function of the same name in the backend's `accounts` module, through
/// `$with!`, the backend's macro that takes its connection. The SQL is each
/// backend's own; the delegation is written once.
macro_rules! accounts_by {
    ($store:ty, $with:ident) => {
        impl $crate::traits::Accounts for $store {
            fn communities(&self) -> Result<Vec<String>, StoreError> {
                $with!(self, communities())
            }
            fn user_add(&self, name: &str, password_hash: &str, role: Role) -> Result<User, StoreError> {
                $with!(self, user_add(name, password_hash, role))
            }
            fn user_with_hash(&self, name: &str) -> Result<Option<(User, String)>, StoreError> {
                $with!(self, user_with_hash(name))
            }
            fn users(&self) -> Result<Vec<User>, StoreError> {
                $with!(self, users())
            }
            fn user_remove(&self, name: &str) -> Result<(), StoreError> {
                $with!(self, user_remove(name))
            }
            fn user_set_role(&self, name: &str, role: Role) -> Result<(), StoreError> {
                $with!(self, user_set_role(name, role))
            }
            fn user_set_password(&self, name: &str, password_hash: &str) -> Result<(), StoreError> {
                $with!(self, user_set_password(name, password_hash))
            }
            fn user_grant(&self, name: &str, community: &str, granted: bool) -> Result<(), StoreError> {
                $with!(self, user_grant(name, community, granted))
            }
            fn session_add(
                &self,
                token_sha256: &str,
                user_id: i64,
                csrf: &str,
                expires_ms: i64,
            ) -> Result<(), StoreError> {
                $with!(self, session_add(token_sha256, user_id, csrf, expires_ms))
            }
            fn session_user(&self, token_sha256: &str, now_ms: i64) -> Result<Option<(User, String)>, StoreError> {
                $with!(self, session_user(token_sha256, now_ms))
            }
            fn session_remove(&self, token_sha256: &str, now_ms: i64) -> Result<(), StoreError> {
                $with!(self, session_remove(token_sha256, now_ms))
            }
            fn login_failed(&self, name: &str, at_ms: i64, since_ms: i64) -> Result<u32, StoreError> {
                $with!(self, login_failed(name, at_ms, since_ms))
            }
            fn login_failures(&self, name: &str, since_ms: i64) -> Result<u32, StoreError> {
                $with!(self, login_failures(name, since_ms))
            }
            fn login_failures_clear(&self, name: &str) -> Result<(), StoreError> {
                $with!(self, login_failures_clear(name))
            }
            fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
                $with!(self, audit(entry))
            }
            fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
                $with!(self, audit_log(limit))
            }
            fn ingest_token_set(&self, community: &str, token_sha256: &str) -> Result<(), StoreError> {
                $with!(self, ingest_token_set(community, token_sha256))
            }
            fn ingest_token_valid(&self, community: &str, token_sha256: &str) -> Result<bool, StoreError> {
                $with!(self, ingest_token_valid(community, token_sha256))
            }
            fn generation(&self, community: &str) -> Result<Option<i64>, StoreError> {
                $with!(self, generation(community))
            }
            fn page(&self, community: &str, page: &str, generation: i64) -> Result<Option<String>, StoreError> {
                $with!(self, page(community, page, generation))
            }
            fn pages_put(
                &self,
                community: &str,
                generation: i64,
                pages: &[(String, String)],
            ) -> Result<(), StoreError> {
                $with!(self, pages_put(community, generation, pages))
            }
        }
    };
}
pub(crate) use accounts_by;
