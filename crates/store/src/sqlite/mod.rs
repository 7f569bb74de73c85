//! The SQLite backend: one file, WAL, one connection behind a mutex.
//!
//! `mod.rs` opens the file and migrates its schema, and implements the
//! store's traits by handing the connection to the module for each concern:
//! `import` (the session and the row operations of the shared ingestion and
//! identity rules), `queries`, `snapshot` and `privacy`. Those modules never
//! reach back into this one.

mod accounts;
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
use crate::privacy::{DeleteStats, GroupDeleteStats, MemberExport};
use crate::traits::{ImportSession, Ingest, Operations, Privacy, Queries};
use crate::types::{GroupSummary, ImportRecord, MemberNote, MemberSummary, TableCounts};
use rusqlite::{Connection, ErrorCode, OptionalExtension};
use std::path::Path;
use std::time::{Duration, Instant};
use tonghao_model::decision::{Decision, Verdict};
use tonghao_model::records::{
    Activity, CanvasVersion, CheckinMark, MarkKind, OrderImportStats, OrderRecord, PointsEntry, StoredOrder, Task,
};
use tonghao_model::snapshot::Snapshot;

/// Migrations by their file's number, in order. Numbers may have gaps (a
/// branch may hold one back): `schema_migrations` records each one applied,
/// so one merged later into a gap still runs; `PRAGMA user_version` is the
/// highest applied.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../../migrations/sqlite/0002_suppressed_identities.sql")),
    (3, include_str!("../../migrations/sqlite/0003_member_indexes.sql")),
    (4, include_str!("../../migrations/sqlite/0004_group_coverage.sql")),
    (5, include_str!("../../migrations/sqlite/0005_move_decisions.sql")),
    (6, include_str!("../../migrations/sqlite/0006_operations.sql")),
    (7, include_str!("../../migrations/sqlite/0007_accounts.sql")),
    (8, include_str!("../../migrations/sqlite/0008_notes_and_ops_generation.sql")),
    (9, include_str!("../../migrations/sqlite/0009_operations_team.sql")),
    (11, include_str!("../../migrations/sqlite/0011_privacy.sql")),
];

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
    /// The schema version this tonghao writes: the number of the last
    /// migration it knows.
    pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;
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

/// Brings the schema up to date inside one write transaction. What was
/// applied is read once without a lock (an up-to-date database, the usual
/// case, takes no write lock: a report can open it while an import runs) and
/// again after `BEGIN IMMEDIATE`: a second process that waited for the first
/// one's migration then finds nothing left to do, instead of creating the
/// tables again ("table communities already exists", issue 9).
fn migrate(conn: &Connection, path: &str) -> Result<(), StoreError> {
    let err = db(path);
    let known = SqliteStore::SCHEMA_VERSION;
    let missing = |conn: &Connection| -> Result<Vec<(i64, &str)>, StoreError> {
        let applied = applied(conn).map_err(&err)?;
        // A migration this tonghao does not know was written by a newer one.
        if let Some(&found) = applied.iter().rev().find(|v| !MIGRATIONS.iter().any(|(n, _)| n == *v)) {
            return Err(StoreError::TooNew { path: path.to_string(), found, known });
        }
        Ok(MIGRATIONS.iter().copied().filter(|(n, _)| !applied.contains(n)).collect())
    };
    if missing(conn)?.is_empty() {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE").map_err(&err)?;
    let result = (|| {
        let todo = missing(conn)?;
        if !has_migrations_table(conn).map_err(&err)? {
            // A store from before this table: its user_version counted
            // migrations that had no gaps, 1 to it.
            conn.execute_batch("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)").map_err(&err)?;
            conn.execute(
                "WITH RECURSIVE v(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM v WHERE n < ?1)
                 INSERT INTO schema_migrations (version) SELECT n FROM v WHERE ?1 > 0",
                [user_version(conn).map_err(&err)?],
            )
            .map_err(&err)?;
        }
        for (n, sql) in todo {
            conn.execute_batch(sql).map_err(&err)?;
            conn.execute("INSERT INTO schema_migrations (version) VALUES (?1)", [n]).map_err(&err)?;
        }
        conn.pragma_update(None, "user_version", known).map_err(&err)?;
        conn.execute_batch("COMMIT").map_err(&err)
    })();
    if result.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}

fn has_migrations_table(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        [],
        |r| r.get(0),
    )
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// The migrations applied, ascending: those `schema_migrations` lists, or,
/// in a store from before it, 1 to `user_version`. A `user_version` above
/// every listed one (set by a newer tonghao) counts as applied too.
fn applied(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let v = user_version(conn)?;
    let mut out: Vec<i64> = if has_migrations_table(conn)? {
        let mut stmt = conn.prepare("SELECT version FROM schema_migrations ORDER BY version")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    } else {
        (1..=v).collect()
    };
    if out.last().is_none_or(|&last| v > last) && v > 0 {
        out.push(v);
    }
    Ok(out)
}

impl Ingest for SqliteStore {
    fn begin_import(&self, community: &str) -> Result<Box<dyn ImportSession + '_>, StoreError> {
        Ok(Box::new(import::SqliteSession::begin(&self.db, community)?))
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
            "INSERT INTO move_decisions (community_id, move_id, kind, group_id, member_id, verdict, at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (community_id, move_id) DO UPDATE SET verdict = excluded.verdict, at_ms = excluded.at_ms",
            rusqlite::params![cid, d.move_id, d.kind, d.group, d.member, d.verdict.as_str(), d.at_ms],
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
                "SELECT move_id, kind, group_id, member_id, verdict, at_ms FROM move_decisions
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
        privacy::export(&conn, &self.db.path, cid, community, member_ref)
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
