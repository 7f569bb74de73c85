//! The SQLite backend: one file, WAL, one connection behind a mutex.
//!
//! `mod.rs` opens the file and migrates its schema, and implements the
//! store's traits by handing the connection to the module for each concern:
//! `import` (the session and the row operations of the shared ingestion and
//! identity rules), `queries`, `snapshot` and `privacy`. Those modules never
//! reach back into this one.

mod accounts;
mod backfill;
mod conn;
mod error;
mod import;
mod ops;
mod privacy;
mod queries;
mod snapshot;

use self::conn::{BUSY_TIMEOUT, Db};
use self::error::db;
use crate::accounts::{AuditEntry, Role, User};
use crate::error::{ErrorKind, StoreError};
use crate::migrations::{Migration, latest, legacy, pending};
use crate::privacy::{DeleteStats, GroupDeleteStats, MemberExport};
use crate::traits::{ImportSession, Ingest, Operations, Privacy, Queries};
use crate::types::{GroupSummary, ImportRecord, MemberNote, MemberSummary, TableCounts};
use crate::undo::ImportUndoStats;
use rusqlite::{Connection, ErrorCode, OptionalExtension};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use tonghao_model::decision::{DecidedEvidence, Decision, Verdict};
use tonghao_model::records::{
    Activity, CanvasVersion, CheckinMark, GroupPlace, Management, ManagementMode, MarkKind, OrderImportStats,
    OrderRecord, PointsEntry, Resource, StoredOrder, Task, TemplateOverride,
};
use tonghao_model::snapshot::Snapshot;

/// Every migration, by its file's number (numbers may have gaps: see
/// `crate::migrations`). `schema_migrations` records the numbers a database
/// has had; `PRAGMA user_version` the highest.
const MIGRATIONS: &[Migration] = &[
    Migration { number: 1, sql: include_str!("../../migrations/sqlite/0001_init.sql") },
    Migration { number: 2, sql: include_str!("../../migrations/sqlite/0002_suppressed_identities.sql") },
    Migration { number: 3, sql: include_str!("../../migrations/sqlite/0003_member_indexes.sql") },
    Migration { number: 4, sql: include_str!("../../migrations/sqlite/0004_group_coverage.sql") },
    Migration { number: 5, sql: include_str!("../../migrations/sqlite/0005_move_decisions.sql") },
    Migration { number: 6, sql: include_str!("../../migrations/sqlite/0006_operations.sql") },
    Migration { number: 7, sql: include_str!("../../migrations/sqlite/0007_accounts.sql") },
    Migration { number: 8, sql: include_str!("../../migrations/sqlite/0008_notes_and_ops_generation.sql") },
    Migration { number: 9, sql: include_str!("../../migrations/sqlite/0009_operations_team.sql") },
    Migration { number: 10, sql: include_str!("../../migrations/sqlite/0010_content_keys.sql") },
    Migration { number: 11, sql: include_str!("../../migrations/sqlite/0011_privacy.sql") },
    Migration { number: 12, sql: include_str!("../../migrations/sqlite/0012_resources_management_templates.sql") },
    Migration { number: 13, sql: include_str!("../../migrations/sqlite/0013_decision_evidence.sql") },
    Migration { number: 14, sql: include_str!("../../migrations/sqlite/0014_member_names_member.sql") },
];

/// The migration that adds content keys: stores older than it get the keys
/// of their stored rows computed right after it.
const CONTENT_KEYS_MIGRATION: i64 = 10;

/// A tonghao database in one SQLite file.
///
/// `Send + Sync`: share one behind an `Arc`. Calls from different threads
/// take turns on the one connection; an open import session holds it until
/// it ends.
pub struct SqliteStore {
    db: Db,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.db.path).finish()
    }
}

impl SqliteStore {
    /// The schema version this tonghao writes: the highest migration number it knows.
    pub const SCHEMA_VERSION: i64 = latest(MIGRATIONS);
    /// Opens (or creates) the database at `path` and brings its schema up to
    /// date. Several processes may do this at once on a new file: the schema
    /// is created by whichever takes the write lock first, and the others
    /// find it done.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Db {
                path: shown.clone(),
                kind: ErrorKind::Io,
                message: format!("cannot create the folder {}: {e}", dir.display()),
            })?;
        }
        let conn = Connection::open(path).map_err(db(&shown))?;
        Self::init(conn, shown)
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(db(":memory:"))?;
        Self::init(conn, ":memory:".into())
    }

    fn init(conn: Connection, path: String) -> Result<Self, StoreError> {
        {
            let err = db(&path);
            // First, so that everything below waits for another process's lock
            // instead of failing at once.
            conn.busy_timeout(BUSY_TIMEOUT).map_err(&err)?;
            // 16 KiB pages for a new database (an existing one keeps its size):
            // a 200k-message import then writes a quarter of the WAL frames and
            // checkpoint writes, and splits fewer b-tree pages.
            conn.pragma_update(None, "page_size", 16384).map_err(&err)?;
            // WAL: readers (the dashboard) never block the importer. NORMAL sync is
            // durable across application crashes; only an OS crash may lose the
            // last commit, never corrupt the file.
            wal(&conn).map_err(&err)?;
            conn.pragma_update(None, "synchronous", "NORMAL").map_err(&err)?;
            conn.pragma_update(None, "foreign_keys", "ON").map_err(&err)?;
            // Deleted rows are overwritten with zeros, in their pages and in
            // pages that go to the free list: a deleted member's texts must
            // not stay readable in the file (issue 14). `erased` then empties
            // the write-ahead log, which still holds the old page images.
            conn.pragma_update(None, "secure_delete", "ON").map_err(&err)?;
            // 32 MiB of page cache (the default is 2 MiB): a large import then
            // keeps its index pages in memory instead of spilling them mid-transaction.
            conn.pragma_update(None, "cache_size", -32768).map_err(&err)?;
            // The import's row operations and a merge's eight statements stay
            // prepared (the default keeps 16).
            conn.set_prepared_statement_cache_capacity(64);
            migrate(&conn, &path)?;
        }
        Ok(SqliteStore { db: Db::new(conn, path) })
    }

    /// The raw connection, for the store's own tests (they check rows and
    /// plans the traits do not show). Not an API: other crates use the traits.
    #[doc(hidden)]
    pub fn test_connection(&self) -> impl std::ops::Deref<Target = Connection> + '_ {
        self.db.lock().expect("no import session open on this thread")
    }

    /// What merging two members runs, for the store's own tests of its
    /// query plans. Not an API.
    #[doc(hidden)]
    pub fn test_merge_statements() -> &'static [&'static str] {
        import::MERGE_STATEMENTS
    }
}

/// After an erase is committed: copies the zeroed pages into the file and
/// empties the write-ahead log, whose older frames still hold the erased
/// rows' page images (a plain checkpoint leaves them there to be reused).
/// A reader in another process holding an old snapshot keeps the log from
/// being emptied: that is an error naming the reason, the erase itself is
/// committed and the next erase or checkpoint finishes the job.
fn erased(conn: &Connection, path: &str) -> Result<(), StoreError> {
    let (busy, log, copied): (i64, i64, i64) = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(db(path))?;
    if busy != 0 || log != copied {
        return Err(self::error::busy(
            path,
            "deleted, but another process reading the store kept its write-ahead log from being emptied: \
             the deleted text may stay in the -wal file until the next checkpoint (close other tonghao processes \
             and run the deletion again, or `sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)'`)",
        ));
    }
    Ok(())
}

/// Switches to WAL. A second process switching the same new file at the
/// same moment gets SQLITE_BUSY without SQLite's busy handler being asked,
/// so this waits by itself, as long as the busy timeout.
fn wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Brings the schema up to date inside one write transaction. What the
/// database has had is read once without a lock (an up-to-date database,
/// the usual case, takes no write lock: a report can open it while an
/// import runs) and again after `BEGIN IMMEDIATE`: a second process that
/// waited for the first one's migration then finds nothing left to do,
/// instead of creating the tables again ("table communities already
/// exists", issue 9).
fn migrate(conn: &Connection, path: &str) -> Result<(), StoreError> {
    let err = db(path);
    let known = latest(MIGRATIONS);
    let todo = |conn: &Connection| -> Result<Vec<&'static Migration>, StoreError> {
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(&err)?;
        let too_new = |found| StoreError::TooNew { path: path.to_string(), found, known };
        if v > known {
            return Err(too_new(v));
        }
        let recorded: bool = conn
            .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')", [], |r| r.get(0))
            .map_err(&err)?;
        let applied: BTreeSet<i64> = if recorded {
            conn.prepare("SELECT number FROM schema_migrations")
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .map_err(&err)?
        } else {
            legacy(v)
        };
        pending(MIGRATIONS, &applied).map_err(too_new)
    };
    if todo(conn)?.is_empty() {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE").map_err(&err)?;
    let result = (|| {
        let todo = todo(conn)?;
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(&err)?;
        let recorded: bool = conn
            .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')", [], |r| r.get(0))
            .map_err(&err)?;
        if !recorded {
            // A database from before the record: note what it had (only
            // then: a recorded database's version is its highest number,
            // not a count).
            conn.execute_batch("CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY)").map_err(&err)?;
            for n in legacy(v) {
                conn.execute("INSERT INTO schema_migrations (number) VALUES (?1)", [n]).map_err(&err)?;
            }
        }
        for m in todo {
            conn.execute_batch(m.sql).map_err(&err)?;
            if m.number == CONTENT_KEYS_MIGRATION {
                backfill::content_keys(conn).map_err(&err)?;
            }
            conn.execute("INSERT INTO schema_migrations (number) VALUES (?1)", [m.number]).map_err(&err)?;
        }
        let highest: i64 =
            conn.query_row("SELECT max(number) FROM schema_migrations", [], |r| r.get(0)).map_err(&err)?;
        conn.pragma_update(None, "user_version", highest).map_err(&err)?;
        conn.execute_batch("COMMIT").map_err(&err)
    })();
    if result.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}

impl Ingest for SqliteStore {
    fn begin_import(&self, community: &str) -> Result<Box<dyn ImportSession + '_>, StoreError> {
        Ok(Box::new(import::SqliteSession::begin(&self.db, community)?))
    }

    fn local_file(&self) -> Option<&std::path::Path> {
        Some(std::path::Path::new(&self.db.path))
    }
}

impl Queries for SqliteStore {
    fn groups(&self, community: &str) -> Result<Vec<GroupSummary>, StoreError> {
        queries::groups(&*self.db.lock()?, &self.db.path, community)
    }

    fn members(&self, community: &str, group: &str) -> Result<Vec<MemberSummary>, StoreError> {
        queries::members(&*self.db.lock()?, &self.db.path, community, group)
    }

    fn counts(&self) -> Result<TableCounts, StoreError> {
        queries::counts(&*self.db.lock()?, &self.db.path)
    }

    fn snapshot(
        &self,
        community: &str,
        as_of_ms: Option<i64>,
        text_window_ms: Option<i64>,
    ) -> Result<Snapshot, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let cid = queries::community_or_err(&conn, path, community)?;
        snapshot::load(&conn, cid, community, as_of_ms.unwrap_or(i64::MAX), text_window_ms).map_err(db(path))
    }

    fn imports(&self) -> Result<Vec<ImportRecord>, StoreError> {
        queries::imports(&*self.db.lock()?, &self.db.path)
    }
}

impl Operations for SqliteStore {
    fn record_decision(&self, community: &str, d: &Decision) -> Result<(), StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let cid = queries::community_or_err(&conn, path, community)?;
        conn.execute(
            "INSERT INTO move_decisions (community_id, move_id, kind, group_id, member_id, verdict, at_ms, evidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (community_id, move_id) DO UPDATE SET verdict = excluded.verdict, at_ms = excluded.at_ms,
                 evidence = excluded.evidence",
            rusqlite::params![
                cid,
                d.move_id,
                d.kind,
                d.group,
                d.member,
                d.verdict.as_str(),
                d.at_ms,
                d.evidence.to_json()
            ],
        )
        .map_err(db(path))?;
        Ok(())
    }

    fn decisions(&self, community: &str) -> Result<Vec<Decision>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Vec::new()) };
        let mut stmt = conn
            .prepare(
                "SELECT move_id, kind, group_id, member_id, verdict, at_ms, evidence FROM move_decisions
                 WHERE community_id = ?1 ORDER BY at_ms, move_id",
            )
            .map_err(db(path))?;
        let rows = stmt
            .query_map([cid], |r| {
                Ok(Decision {
                    move_id: r.get(0)?,
                    kind: r.get(1)?,
                    group: r.get(2)?,
                    member: r.get(3)?,
                    verdict: r.get::<_, String>(4)?.parse().unwrap_or(Verdict::Dismissed),
                    at_ms: r.get(5)?,
                    evidence: DecidedEvidence::from_json(&r.get::<_, String>(6)?),
                })
            })
            .map_err(db(path))?;
        rows.collect::<Result<_, _>>().map_err(db(path))
    }

    fn note_add(&self, community: &str, member_ref: &str, author: &str, text: &str) -> Result<MemberNote, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let cid = queries::community_or_err(&conn, path, community)?;
        let member = privacy::resolve(&conn, path, cid, community, member_ref)?;
        let at_ms = chrono::Utc::now().timestamp_millis();
        conn.execute(
            "INSERT INTO member_notes (community_id, member_id, author, at_ms, text) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![cid, member, author, at_ms, text],
        )
        .map_err(db(path))?;
        Ok(MemberNote {
            id: conn.last_insert_rowid(),
            member_id: member,
            author: author.into(),
            at_ms,
            text: text.into(),
        })
    }

    fn notes(&self, community: &str, member_ref: &str) -> Result<Vec<MemberNote>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let cid = queries::community_or_err(&conn, path, community)?;
        let member = privacy::resolve(&conn, path, cid, community, member_ref)?;
        privacy::notes(&conn, member).map_err(db(path))
    }

    fn import_orders(&self, community: &str, orders: &[OrderRecord]) -> Result<OrderImportStats, StoreError> {
        ops::import_orders(&*self.db.lock()?, &self.db.path, community, orders)
    }

    fn orders(&self, community: &str) -> Result<Vec<StoredOrder>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Vec::new()) };
        ops::orders(&conn, cid).map_err(db(path))
    }

    fn add_checkin_mark(
        &self,
        community: &str,
        group: &str,
        member: &str,
        day: &str,
        kind: MarkKind,
    ) -> Result<CheckinMark, StoreError> {
        ops::add_checkin_mark(&*self.db.lock()?, &self.db.path, community, group, member, day, kind)
    }

    fn checkin_marks(&self, community: &str) -> Result<Vec<CheckinMark>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Vec::new()) };
        ops::checkin_marks(&conn, cid).map_err(db(path))
    }

    fn add_activity(&self, community: &str, activity: &Activity) -> Result<Activity, StoreError> {
        ops::add_activity(&*self.db.lock()?, &self.db.path, community, activity)
    }

    fn activities(&self, community: &str) -> Result<Vec<Activity>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Vec::new()) };
        ops::activities(&conn, cid).map_err(db(path))
    }

    fn add_task(&self, community: &str, task: &Task) -> Result<Option<Task>, StoreError> {
        ops::add_task(&*self.db.lock()?, &self.db.path, community, task)
    }

    fn tasks(&self, community: &str) -> Result<Vec<Task>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Vec::new()) };
        ops::tasks(&conn, cid).map_err(db(path))
    }

    fn set_task_done(&self, community: &str, id: i64, done_ms: Option<i64>) -> Result<Task, StoreError> {
        ops::set_task_done(&*self.db.lock()?, &self.db.path, community, id, done_ms)
    }

    fn add_points(&self, community: &str, entry: &PointsEntry) -> Result<PointsEntry, StoreError> {
        ops::add_points(&*self.db.lock()?, &self.db.path, community, entry)
    }

    fn points(&self, community: &str) -> Result<Vec<PointsEntry>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Vec::new()) };
        ops::points(&conn, cid).map_err(db(path))
    }

    fn save_canvas(&self, community: &str, canvas: &CanvasVersion) -> Result<CanvasVersion, StoreError> {
        ops::save_canvas(&*self.db.lock()?, &self.db.path, community, canvas)
    }

    fn canvas_versions(&self, community: &str) -> Result<Vec<CanvasVersion>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Vec::new()) };
        ops::canvas_versions(&conn, cid).map_err(db(path))
    }

    fn add_resource(&self, community: &str, resource: &Resource) -> Result<Resource, StoreError> {
        ops::add_resource(&*self.db.lock()?, &self.db.path, community, resource)
    }

    fn resources(&self, community: &str) -> Result<Vec<Resource>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Vec::new()) };
        ops::resources(&conn, cid).map_err(db(path))
    }

    fn set_resource_tags(&self, community: &str, id: i64, tags: &[String]) -> Result<Resource, StoreError> {
        ops::set_resource_tags(&*self.db.lock()?, &self.db.path, community, id, tags)
    }

    fn remove_resource(&self, community: &str, id: i64) -> Result<Resource, StoreError> {
        ops::remove_resource(&*self.db.lock()?, &self.db.path, community, id)
    }

    fn set_management_mode(&self, community: &str, mode: ManagementMode, at_ms: i64) -> Result<(), StoreError> {
        ops::set_management_mode(&*self.db.lock()?, &self.db.path, community, mode, at_ms)
    }

    fn set_group_place(&self, community: &str, place: &GroupPlace) -> Result<GroupPlace, StoreError> {
        ops::set_group_place(&*self.db.lock()?, &self.db.path, community, place)
    }

    fn management(&self, community: &str) -> Result<Management, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Management::default()) };
        ops::management(&conn, cid).map_err(db(path))
    }

    fn set_template(
        &self,
        community: &str,
        key: &str,
        lang: &str,
        text: Option<&str>,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        ops::set_template(&*self.db.lock()?, &self.db.path, community, key, lang, text, at_ms)
    }

    fn templates(&self, community: &str) -> Result<Vec<TemplateOverride>, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let Some(cid) = queries::community_id(&conn, path, community)? else { return Ok(Vec::new()) };
        ops::templates(&conn, cid).map_err(db(path))
    }
}

/// Every [`Accounts`] call: take the connection, hand it to `accounts`.
macro_rules! with_conn {
    ($self:ident, $f:ident($($arg:expr),*)) => {{
        let conn = $self.db.lock()?;
        accounts::$f(&conn, &$self.db.path $(, $arg)*)
    }};
}

crate::traits::accounts_by!(SqliteStore, with_conn);

impl Privacy for SqliteStore {
    fn member_export(&self, community: &str, member_ref: &str) -> Result<MemberExport, StoreError> {
        let conn = self.db.lock()?;
        let cid = queries::community_or_err(&conn, &self.db.path, community)?;
        privacy::export(&conn, &self.db.path, cid, community, member_ref, true)
    }

    fn member_record(&self, community: &str, member_ref: &str) -> Result<MemberExport, StoreError> {
        let conn = self.db.lock()?;
        let cid = queries::community_or_err(&conn, &self.db.path, community)?;
        privacy::export(&conn, &self.db.path, cid, community, member_ref, false)
    }

    fn member_delete(&self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError> {
        let conn = self.db.lock()?;
        let cid = queries::community_or_err(&conn, &self.db.path, community)?;
        let stats = privacy::delete(&conn, &self.db.path, cid, community, member_ref, true)?;
        erased(&conn, &self.db.path)?;
        Ok(stats)
    }

    fn member_delete_preview(&self, community: &str, member_ref: &str) -> Result<DeleteStats, StoreError> {
        let conn = self.db.lock()?;
        let cid = queries::community_or_err(&conn, &self.db.path, community)?;
        privacy::delete(&conn, &self.db.path, cid, community, member_ref, false)
    }

    fn group_delete(&self, community: &str, group: &str) -> Result<GroupDeleteStats, StoreError> {
        let mut conn = self.db.lock()?;
        let path = &self.db.path;
        let (gid, _) = queries::find_group(&conn, path, community, group)?;
        let tx = conn.transaction().map_err(db(path))?;
        let count = |table: &str| -> Result<u64, StoreError> {
            tx.query_row(&format!("SELECT count(*) FROM {table} WHERE group_id = ?1"), [gid], |r| r.get(0))
                .map_err(db(path))
        };
        let stats = GroupDeleteStats {
            group_id: gid,
            messages: count("messages")?,
            memberships: count("memberships")?,
            activities: count("activities")?,
            member_names: count("member_names")?,
            planned_activities: count("planned_activities")?,
            checkin_marks: count("checkin_marks")?,
        };
        // Every table that names the group references it ON DELETE CASCADE.
        tx.execute("DELETE FROM groups WHERE id = ?1", [gid]).map_err(db(path))?;
        // Cached console pages may quote the group's messages.
        tx.execute(
            "DELETE FROM report_pages WHERE community_id IN (SELECT id FROM communities WHERE name = ?1)",
            [community],
        )
        .map_err(db(path))?;
        tx.commit().map_err(db(path))?;
        erased(&conn, path)?;
        Ok(stats)
    }

    fn import_undo(&self, community: &str, import: i64) -> Result<ImportUndoStats, StoreError> {
        use crate::undo::{self, sqlite};
        let mut conn = self.db.lock()?;
        let path = &self.db.path;
        let err = db(path);
        let cid = queries::community_or_err(&conn, path, community)?;
        let tx = conn.transaction().map_err(&err)?;
        let found: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM imports WHERE community_id = ?1 AND id = ?2)",
                [cid, import],
                |r| r.get(0),
            )
            .map_err(&err)?;
        if !found {
            return Err(StoreError::no_import(import, community));
        }
        let mut stats = ImportUndoStats { import_id: import, ..Default::default() };
        for table in undo::TABLES {
            stats.kept += tx.execute(&sqlite(&undo::pass_on(table)), [cid, import]).map_err(&err)? as u64;
            let removed = tx.execute(&sqlite(&undo::remove(table)), [cid, import]).map_err(&err)? as u64;
            match table {
                "messages" => stats.messages = removed,
                "memberships" => stats.memberships = removed,
                _ => stats.activities = removed,
            }
        }
        let groups: Vec<i64> = tx
            .prepare(&sqlite(undo::GROUPS))
            .and_then(|mut s| s.query_map([cid, import], |r| r.get(0))?.collect())
            .map_err(&err)?;
        tx.execute(&sqlite(undo::FORGET), [cid, import]).map_err(&err)?;
        for group in groups {
            for (i, sql) in undo::TIDY_GROUP.iter().enumerate() {
                let n = tx.execute(&sqlite(sql), [cid, group]).map_err(&err)?;
                if i == 1 {
                    stats.groups += n as u64;
                }
            }
        }
        tx.execute(&sqlite(undo::BUMP), [cid]).map_err(&err)?;
        // Cached console pages may quote what went.
        tx.execute("DELETE FROM report_pages WHERE community_id = ?1", [cid]).map_err(&err)?;
        tx.commit().map_err(&err)?;
        erased(&conn, path)?;
        Ok(stats)
    }

    fn retention(&self, community: &str) -> Result<Option<u32>, StoreError> {
        let conn = self.db.lock()?;
        conn.query_row("SELECT retention_months FROM communities WHERE name = ?1", [community], |r| r.get(0))
            .optional()
            .map(Option::flatten)
            .map_err(db(&self.db.path))
    }

    fn set_retention(&self, community: &str, months: Option<u32>) -> Result<(), StoreError> {
        let conn = self.db.lock()?;
        let cid = ops::community_create(&conn, &self.db.path, community)?;
        conn.execute("UPDATE communities SET retention_months = ?2 WHERE id = ?1", rusqlite::params![cid, months])
            .map_err(db(&self.db.path))?;
        Ok(())
    }

    fn expire_texts(&self, community: &str, before_ms: i64) -> Result<u64, StoreError> {
        let conn = self.db.lock()?;
        let Some(cid) = queries::community_id(&conn, &self.db.path, community)? else { return Ok(0) };
        let n = privacy::expire(&conn, &self.db.path, cid, before_ms)?;
        if n > 0 {
            erased(&conn, &self.db.path)?;
        }
        Ok(n)
    }

    fn pseudonym_key(&self, community: &str, candidate: &str) -> Result<String, StoreError> {
        let conn = self.db.lock()?;
        let path = &self.db.path;
        let cid = ops::community_create(&conn, path, community)?;
        conn.execute(
            "UPDATE communities SET pseudonym_key = ?2 WHERE id = ?1 AND pseudonym_key IS NULL",
            rusqlite::params![cid, candidate],
        )
        .map_err(db(path))?;
        conn.query_row("SELECT pseudonym_key FROM communities WHERE id = ?1", [cid], |r| r.get(0)).map_err(db(path))
    }
}
